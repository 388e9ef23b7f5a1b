"""The inputs of the document makers, as plain frozen values.

The makers are pure (STYLE.md): the caller reads the database and the clock, converts times to
the center's zone, and hands over one of these. Validation happens at construction so a label
that would print something wrong (an empty identifier, an unknown service) is refused before
any drawing starts, as an ``InvalidLabelData`` the web layer can map to a 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from labels.errors import InvalidLabelData

Direction = Literal["inbound", "outbound"]
HandoverKind = Literal["to_center", "to_courier"]
Service = Literal["send_dossier", "receive_result", "both"]

# Decision 45/2016/QĐ-TTg Art. 5: the three postal services a citizen may choose.
SERVICE_TEXT: dict[str, str] = {
    "send_dossier": "Gửi hồ sơ qua dịch vụ bưu chính công ích",
    "receive_result": "Nhận kết quả qua dịch vụ bưu chính công ích",
    "both": "Gửi hồ sơ và nhận kết quả qua dịch vụ bưu chính công ích",
}

# What the label says the item is: the dossier going in, or the result coming back.
DIRECTION_TEXT: dict[str, str] = {"inbound": "Gửi hồ sơ", "outbound": "Nhận kết quả"}
PROGRAMME_LINE = "Bưu chính công ích – Hồ sơ TTHC"

HANDOVER_KIND_TEXT: dict[str, str] = {
    "to_center": "Bưu chính giao hồ sơ cho Trung tâm",
    "to_courier": "Trung tâm giao kết quả cho bưu chính",
}


def _text(value: object, name: str, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidLabelData(f"{name} must be text, not {type(value).__name__}", field=name)
    if required and not value.strip():
        raise InvalidLabelData(f"{name} must not be empty", field=name)
    return value


def _lines(value: Sequence[str], name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    return tuple(_text(line, name, required=False) for line in value)


@dataclass(frozen=True)
class Party:
    """One end of a shipment: the citizen or the center, as it is written on the item."""

    name: str
    address_lines: tuple[str, ...] = ()
    phone: str | None = None

    def __post_init__(self) -> None:
        _text(self.name, "name")
        object.__setattr__(self, "address_lines", _lines(self.address_lines, "address_lines"))
        if self.phone is not None:
            _text(self.phone, "phone", required=False)


def parties_for(direction: Direction, citizen: Party, center: Party) -> tuple[Party, Party]:
    """(sender, recipient): inbound the citizen sends to the center, outbound the reverse."""
    if direction == "inbound":
        return citizen, center
    if direction == "outbound":
        return center, citizen
    raise InvalidLabelData(f"unknown direction {direction!r}", field="direction")


@dataclass(frozen=True)
class LabelData:
    """Everything one shipping label shows; ``due_at`` is printed on result (outbound) labels."""

    item_id: str
    direction: Direction
    tracking_url: str
    sender: Party
    recipient: Party
    dossier_code: str
    procedure_name: str
    courier_name: str
    created_at: datetime
    due_at: datetime | None = None

    def __post_init__(self) -> None:
        item_id = _text(self.item_id, "item_id")
        # Code 128 set B carries printable ASCII; anything else cannot be scanned back exactly.
        if not item_id.isascii() or not item_id.isprintable() or len(item_id) > 40:
            raise InvalidLabelData(f"cannot encode item_id {item_id!r}", field="item_id")
        if self.direction not in DIRECTION_TEXT:
            raise InvalidLabelData(f"unknown direction {self.direction!r}", field="direction")
        _text(self.tracking_url, "tracking_url")
        _text(self.dossier_code, "dossier_code")
        _text(self.procedure_name, "procedure_name", required=False)
        _text(self.courier_name, "courier_name", required=False)

    @property
    def service_text(self) -> str:
        return DIRECTION_TEXT[self.direction]


@dataclass(frozen=True)
class ManifestItem:
    """One row of a handover record."""

    item_id: str
    dossier_code: str
    commune: str = ""


@dataclass(frozen=True)
class ManifestData:
    """A handover record (biên bản giao nhận) between the center and a courier.

    ``kind`` fixes who hands over: ``to_center`` the courier's staff give dossiers to the
    center, ``to_courier`` the center gives results to the courier. Staff names may be left
    empty to be written by hand at the counter.
    """

    handover_id: str
    kind: HandoverKind
    center_name: str
    courier_name: str
    created_at: datetime
    items: tuple[ManifestItem, ...] = field(default_factory=tuple)
    center_staff: str | None = None
    courier_staff: str | None = None
    center_address: str | None = None

    def __post_init__(self) -> None:
        _text(self.handover_id, "handover_id")
        if self.kind not in HANDOVER_KIND_TEXT:
            raise InvalidLabelData(f"unknown handover kind {self.kind!r}", field="kind")
        _text(self.center_name, "center_name")
        _text(self.courier_name, "courier_name")
        object.__setattr__(self, "items", tuple(self.items))
        for item in self.items:
            _text(item.item_id, "item_id")

    @property
    def total_items(self) -> int:
        return len(self.items)

    @property
    def total_communes(self) -> int:
        return len({item.commune for item in self.items if item.commune})


@dataclass(frozen=True)
class ReceiptData:
    """The citizen's receipt (giấy biên nhận) for a dossier taken in through the post."""

    dossier_code: str
    procedure_name: str
    applicant_name: str
    received_at: datetime
    service: Service
    tracking_url: str
    center_name: str
    center_address: str
    due_at: datetime | None = None
    status_line: str | None = None

    def __post_init__(self) -> None:
        code = _text(self.dossier_code, "dossier_code")
        if not code.isascii() or not code.isprintable():
            raise InvalidLabelData(f"cannot encode dossier_code {code!r}", field="dossier_code")
        if self.service not in SERVICE_TEXT:
            raise InvalidLabelData(f"unknown service {self.service!r}", field="service")
        _text(self.applicant_name, "applicant_name")
        _text(self.tracking_url, "tracking_url")
        _text(self.center_name, "center_name")

    @property
    def service_text(self) -> str:
        return SERVICE_TEXT[self.service]

    @property
    def publication_line(self) -> str:
        """How the citizen follows the dossier; the caller may override the wording."""
        if self.status_line:
            return self.status_line
        return f"Tra cứu tình trạng hồ sơ tại {self.tracking_url} hoặc quét mã QR"
