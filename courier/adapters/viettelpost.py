"""Viettel Post's order-status webhook.

Viettel Post calls a partner's URL with one order's latest status::

    {"DATA": {"ORDER_NUMBER": "1785432109876", "ORDER_REFERENCE": "EC136431858VN",
              "ORDER_STATUSDATE": "14/03/2025 09:12:05", "ORDER_STATUS": 105,
              "STATUS_NAME": "Bưu tá đã nhận hàng", "LOCALION_CURRENTLY": "Bưu cục Mường Xén",
              "NOTE": "...", "EXPECTED_DELIVERY": "...", "MONEY_COLLECTION": 0, ...},
     "TOKEN": "..."}

(DOMAIN.md "Couriers' own vocabularies"; the field ``LOCALION_CURRENTLY`` is spelt so by
Viettel.) There is no official public specification; the code list below is the one that
third-party integrations reproduce from Viettel Post's partner documents, so it is unofficial.

Decisions, each documented in docs/couriers.md:

* Item id: ``ORDER_REFERENCE`` is the sender's own reference. The center books with our S10
  identifier as that reference, so a valid S10 there is the item id. Otherwise the item id is
  ``ORDER_NUMBER``, Viettel's own tracking number (flag ``courier_item_id``), which the product
  accepts as a courier-issued identifier (DOMAIN.md "Identifiers").
* Time: ``ORDER_STATUSDATE`` is "dd/MM/yyyy HH:mm:ss" without an offset, in Vietnam time.
* ``DATA`` is normally one object; a list of objects, or a list of whole bodies, is read as a
  batch (the raw-body store may replay several at once). One bad element rejects the batch.
* ``ORDER_STATUS`` is an integer; a string of digits (seen from some senders) is accepted.
* Codes that only move paperwork or announce an intention map to no event (``event=None``) with
  the flag ``no_movement`` or ``needs_review``; a code not listed here gets ``unknown_code``.
"""

from __future__ import annotations

from typing import Any

from courier.adapters.base import (
    COURIER_ITEM_ID,
    HELD,
    NEEDS_REVIEW,
    NO_MOVEMENT,
    REDELIVERY,
    RETURNING,
    CodeRule,
    InboundCheckpoint,
    MalformedPayload,
    checkpoint_from_rule,
    clean_item_id,
    elements,
    load_body,
    optional_text,
    parse_local_time,
    require_object,
)
from labels import s10

# Source: Viettel Post's ORDER_STATUS list as reproduced by third-party integrations (DOMAIN.md;
# unofficial). Meanings are Viettel's own words. "direction_dependent" is added automatically to
# picked_up / out_for_delivery / delivered / delivery_failed (see base.for_direction).
CODE_MAP: dict[int, CodeRule] = {
    # 100-107: the order and its pickup (DOMAIN.md "accepted/pickup").
    100: CodeRule("label_created", meaning="Tiếp nhận đơn hàng từ đối tác"),  # booked, not moved
    101: CodeRule(None, (NEEDS_REVIEW,), "ViettelPost yêu cầu hủy đơn hàng"),  # a request only
    102: CodeRule(None, (NO_MOVEMENT,), "Đơn hàng chờ xử lý"),
    103: CodeRule(None, (NO_MOVEMENT,), "Giao cho bưu cục"),  # pickup assigned to an office
    104: CodeRule(None, (NO_MOVEMENT,), "Giao cho Bưu tá đi nhận"),  # ... and to a postman
    105: CodeRule("picked_up", meaning="Bưu tá đã nhận hàng"),  # the postman has the item
    106: CodeRule(None, (NEEDS_REVIEW,), "Đối tác yêu cầu lấy lại hàng"),  # sender wants it back
    107: CodeRule("cancelled", meaning="Đối tác yêu cầu hủy qua API"),  # our own cancellation
    # 200-202: at the origin office.
    200: CodeRule("at_post_office", meaning="Nhận từ bưu tá - Bưu cục gốc"),
    201: CodeRule(None, (NEEDS_REVIEW,), "Hủy nhập phiếu gửi"),  # waybill entry voided
    202: CodeRule(None, (NO_MOVEMENT,), "Sửa phiếu gửi"),  # waybill corrected
    # 300-303: outbound sorting, the item leaves an office (bag, mail trip, truck route closed).
    300: CodeRule("in_transit", meaning="Đóng bảng kê đi"),
    301: CodeRule("in_transit", meaning="Đóng túi gói"),
    302: CodeRule("in_transit", meaning="Đóng chuyến thư"),
    303: CodeRule("in_transit", meaning="Đóng tuyến xe"),
    # 400-403: inbound sorting, the item arrives at an office (list, bag, trip, truck received).
    400: CodeRule("at_post_office", meaning="Nhận bảng kê đến"),
    401: CodeRule("at_post_office", meaning="Nhận túi gói"),
    402: CodeRule("at_post_office", meaning="Nhận chuyến thư"),
    403: CodeRule("at_post_office", meaning="Nhận chuyến xe"),
    # 500-550: delivery and its exceptions.
    500: CodeRule("out_for_delivery", meaning="Giao bưu tá đi phát"),
    501: CodeRule("delivered", meaning="Thành công - Phát thành công"),
    502: CodeRule("in_transit", (RETURNING,), "Chuyển hoàn bưu cục gốc"),
    503: CodeRule("cancelled", meaning="Hủy - Theo yêu cầu khách hàng"),
    504: CodeRule("returned", meaning="Thành công - Chuyển trả người gửi"),
    # 505-507 "Tồn" (held at the delivering office). 505 and 506 are failed attempts in the
    # sense of the Postal Law 2010, Art. 17; 507 is not a failure: the addressee will collect.
    505: CodeRule("delivery_failed", (HELD, RETURNING), "Tồn - Thông báo chuyển hoàn bưu cục gốc"),
    506: CodeRule("delivery_failed", (HELD,), "Tồn - Khách hàng nghỉ, không có nhà"),
    507: CodeRule("at_post_office", (HELD,), "Tồn - Khách hàng đến bưu cục nhận"),
    508: CodeRule("out_for_delivery", (REDELIVERY,), "Phát tiếp"),
    509: CodeRule("in_transit", meaning="Chuyển tiếp bưu cục khác"),
    510: CodeRule(None, (NO_MOVEMENT,), "Hủy phân công phát"),  # delivery assignment withdrawn
    515: CodeRule(None, (NO_MOVEMENT, RETURNING), "Bưu cục phát duyệt hoàn"),  # return approved
    550: CodeRule(None, (NO_MOVEMENT, REDELIVERY), "Đơn vị yêu cầu phát tiếp"),  # a request
}

# "dd/MM/yyyy HH:mm:ss" (DOMAIN.md); the form without seconds is seen in hand-made test calls.
TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")


def parse(body: bytes | str | dict | list) -> list[InboundCheckpoint]:
    """Every checkpoint in a Viettel Post body; any malformed element rejects the whole body."""
    decoded = load_body(body)
    if isinstance(decoded, list):
        envelopes = [(f"{at}.DATA", obj) for at, obj in elements(decoded, "body")]
    else:
        envelopes = [("DATA", require_object(decoded, "body"))]
    checkpoints: list[InboundCheckpoint] = []
    for where, envelope in envelopes:
        if "DATA" not in envelope:
            raise MalformedPayload("missing", where)
        checkpoints.extend(_checkpoint(data, at) for at, data in elements(envelope["DATA"], where))
    return checkpoints


def _checkpoint(data: dict[str, Any], where: str) -> InboundCheckpoint:
    item_id, id_flags = choose_item_id(data, where)
    code = _status_code(data.get("ORDER_STATUS"), f"{where}.ORDER_STATUS")
    returning = (RETURNING,) if data.get("IS_RETURNING") is True else ()
    place = optional_text(data, "LOCALION_CURRENTLY", where)
    return checkpoint_from_rule(
        CODE_MAP,
        code,
        item_id=item_id,
        occurred_at=parse_local_time(
            data.get("ORDER_STATUSDATE"), f"{where}.ORDER_STATUSDATE", TIME_FORMATS
        ),
        raw_label=optional_text(data, "STATUS_NAME", where),
        location={"name": place} if place else None,
        note=optional_text(data, "NOTE", where),
        extra_flags=(*id_flags, *returning),
    )


def choose_item_id(data: dict[str, Any], where: str) -> tuple[str, tuple[str, ...]]:
    """Our S10 id when the sender's reference is one, else Viettel's own tracking number."""
    reference = optional_text(data, "ORDER_REFERENCE", where)
    if reference is not None and s10.is_valid(s10.normalize(reference)):
        return clean_item_id(reference, f"{where}.ORDER_REFERENCE"), ()
    number = optional_text(data, "ORDER_NUMBER", where)
    if number is None:
        raise MalformedPayload(
            "missing (and ORDER_REFERENCE is not an S10 identifier)", f"{where}.ORDER_NUMBER"
        )
    return clean_item_id(number, f"{where}.ORDER_NUMBER"), (COURIER_ITEM_ID,)


def _status_code(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    what = "missing" if value is None else f"expected an integer status, got {value!r}"
    raise MalformedPayload(what, where)
