"""The shapes of what clients send, validated with pydantic (types, ranges, unknown fields).

Plain data for the services; the OpenAPI document takes its request schemas from here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Service = Literal["send_dossier", "receive_result", "both"]
Direction = Literal["inbound", "outbound"]

PHONE_RE = re.compile(r"^\+?\d{8,15}$")

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CourierCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_-]{2,32}$")
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApplicantIn(Strict):
    name: Text200
    phone: Annotated[str, StringConstraints(min_length=8, max_length=24)]
    address: Annotated[str, StringConstraints(min_length=3, max_length=500)]
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{9,12}$")] | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        digits = re.sub(r"[\s.\-()]", "", v)
        if not PHONE_RE.match(digits):
            raise ValueError("a phone number has 8 to 15 digits, optionally after '+'")
        return digits


class DossierIn(Strict):
    code: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,63}$")] | None
    ) = None
    procedure_code: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    processing_days: Annotated[float, Field(strict=True, ge=0, le=365, multiple_of=0.5)] | None = (
        None
    )
    applicant: ApplicantIn
    service: Service
    courier: CourierCode | None = None
    submitted_at: datetime | None = None

    @model_validator(mode="after")
    def _days_or_procedure(self) -> DossierIn:
        if self.procedure_code is None and self.processing_days is None:
            raise ValueError("give procedure_code or processing_days")
        return self


class ShipmentIn(Strict):
    direction: Direction
    courier: CourierCode | None = None
    item_id: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{9}[A-Z]{2}$")] | None = None


SCHEMAS: dict[str, type[BaseModel]] = {
    "DossierIn": DossierIn,
    "ApplicantIn": ApplicantIn,
    "ShipmentIn": ShipmentIn,
}
