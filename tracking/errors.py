"""One error shape for every client mistake.

    TrackingError                 – root of the product's own errors; each knows its HTTP status
    ├── ValidationFailed (400)    – input of the wrong type, form or range
    ├── Unauthorized (401)        – no or wrong credentials
    ├── Forbidden (403)           – the role may not do this
    ├── NotFound (404)
    ├── Conflict (409)            – a duplicate, an exhausted serial range
    ├── Unprocessable (422)       – well-formed but not acceptable (e.g. an address not placed)
    └── UnsupportedMedia (415)    – a body that is not JSON

The web layer turns each into ``{"error": {"code", "message", "field"?}}`` once (tracking.web).
Other packages keep their own roots (LabelError, AdapterError, ...) and are mapped there too.
"""

from __future__ import annotations


class TrackingError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        err: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            err["field"] = self.field
        return {"error": err}


class ValidationFailed(TrackingError):
    status = 400
    code = "invalid"


class Unauthorized(TrackingError):
    status = 401
    code = "unauthorized"


class Forbidden(TrackingError):
    status = 403
    code = "forbidden"


class NotFound(TrackingError):
    status = 404
    code = "not_found"


class Conflict(TrackingError):
    status = 409
    code = "conflict"


class Unprocessable(TrackingError):
    status = 422
    code = "unprocessable"


class UnsupportedMedia(TrackingError):
    status = 415
    code = "unsupported_media_type"
