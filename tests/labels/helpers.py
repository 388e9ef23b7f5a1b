"""Sample documents and the readers that check them the way a person or a scanner would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from labels.model import LabelData, ManifestData, ManifestItem, Party, ReceiptData, parties_for
from labels.s10 import make

TRACKING_BASE = "https://dichvucong.nghean.gov.vn/track/"
CENTER = Party(
    "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
    ("16 Trường Thi, phường Trường Vinh", "tỉnh Nghệ An"),
    "0238 3 599 599",
)
CITIZEN = Party(
    "Nguyễn Thị Ánh Tuyết",
    ("Bản Huồi Giảng 1", "Xã Mường Xén, tỉnh Nghệ An"),
    "0912 345 678",
)
# Exactly 120 characters, one paragraph, as a citizen might type it into one field.
LONG_ADDRESS = (
    "Số nhà 118, ngõ 7, đường Nguyễn Thị Minh Khai, khối Trung Hòa, phường Trường Vinh, "
    "tỉnh Nghệ An, Việt Nam – gần chợ Vinh, cổng phía Tây"
)[:120]
INDICATORS = ("EC", "RR", "CP", "LA", "VN", "EB")


def item_ids(count: int, start: int = 12345670) -> list[str]:
    """Valid S10 identifiers with varied service indicators and serials."""
    return [make(INDICATORS[i % len(INDICATORS)], (start + i * 7919) % 10**8) for i in range(count)]


def label(item_id: str = "EC136431858VN", direction: str = "outbound", **changes) -> LabelData:
    citizen = changes.pop("citizen", CITIZEN)
    sender, recipient = parties_for(direction, citizen, CENTER)
    fields = {
        "item_id": item_id,
        "direction": direction,
        "tracking_url": TRACKING_BASE + item_id,
        "sender": sender,
        "recipient": recipient,
        "dossier_code": "000.00.04.H41-230414-0002",
        "procedure_name": "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "courier_name": "Bưu điện tỉnh Nghệ An (VNPost)",
        "created_at": datetime(2026, 3, 2, 9, 15),
        "due_at": datetime(2026, 3, 9, 17, 0) if direction == "outbound" else None,
    }
    fields.update(changes)
    return LabelData(**fields)


def manifest(count: int = 12, kind: str = "to_courier") -> ManifestData:
    communes = ("Xã Mường Xén", "Phường Trường Vinh", "Xã Tương Dương", "Xã Quế Phong")
    items = tuple(
        ManifestItem(item_id, f"000.00.04.H41-260302-{i + 1:04d}", communes[i % len(communes)])
        for i, item_id in enumerate(item_ids(count))
    )
    return ManifestData(
        handover_id="BG-260302-0007",
        kind=kind,
        center_name=CENTER.name,
        courier_name="Bưu điện tỉnh Nghệ An (VNPost)",
        created_at=datetime(2026, 3, 2, 15, 40),
        items=items,
        center_staff="Trần Văn Đức",
        courier_staff="Lê Thị Hương",
        center_address="16 Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
    )


def receipt(service: str = "both") -> ReceiptData:
    return ReceiptData(
        dossier_code="000.00.04.H41-230414-0002",
        procedure_name="Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        applicant_name=CITIZEN.name,
        received_at=datetime(2026, 3, 2, 9, 15),
        due_at=datetime(2026, 3, 9, 17, 0),
        service=service,
        tracking_url=TRACKING_BASE + "000.00.04.H41-230414-0002",
        center_name=CENTER.name,
        center_address="16 Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
    )


# --- Readers: what a scanner and a person get out of a PDF -----------------------------------

SYMBOLOGIES = (zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode)


@dataclass(frozen=True)
class PageReading:
    size: tuple[float, float]
    text: str
    codes: list[tuple[str, str]] | None  # (symbology, content), sorted; None if not scanned
    objects: list[tuple[int, tuple[float, float, float, float]]]  # (pdfium type, bounds)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]

    def bounds(self, kind: int) -> list[tuple[float, float, float, float]]:
        return [box for obj_type, box in self.objects if obj_type == kind]


def scan_image(image: Image.Image) -> list[tuple[str, str]]:
    found = zxingcpp.read_barcodes(image, formats=SYMBOLOGIES)
    return sorted((barcode.format.name, barcode.text) for barcode in found)


def read(pdf: bytes, dpi: int | None = 203, only: range | None = None) -> list[PageReading]:
    """Each page's size, text, drawn objects and (rendered at dpi) the codes a scanner reads."""
    document = pdfium.PdfDocument(pdf)
    readings = []
    try:
        for index in only if only is not None else range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            codes = None
            if dpi is not None:
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                codes = scan_image(bitmap.to_pil())
                bitmap.close()
            objects = [(obj.type, obj.get_bounds()) for obj in page.get_objects()]
            readings.append(PageReading(page.get_size(), textpage.get_text_range(), codes, objects))
            textpage.close()
            page.close()
    finally:
        document.close()
    return readings


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def render_png(pdf: bytes, path: str, dpi: int, page: int = 0) -> None:
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[page].render(scale=dpi / 72, grayscale=True)
        bitmap.to_pil().save(path, optimize=True)
        bitmap.close()
    finally:
        document.close()


def off_page(page: PageReading, tolerance: float = 0.6) -> list[tuple[float, float, float, float]]:
    """Bounds of drawn objects that reach outside the page (pdfium's boxes, a hair of slack)."""
    width, height = page.size
    return [
        (left, bottom, right, top)
        for _, (left, bottom, right, top) in page.objects
        if left < -tolerance
        or bottom < -tolerance
        or right > width + tolerance
        or top > height + tolerance
    ]


def write_doc_images(folder: str) -> list[str]:
    """The pictures in docs/labels.md: one label of each size, the sheet, manifest, receipt.

    python -c "import sys; sys.path[:0] = ['.', 'tests/labels']; import helpers;
    helpers.write_doc_images('docs/img')"
    """
    from labels.manifest import render_manifest
    from labels.receipt import render_receipt
    from labels.render import render_label, render_labels

    ids = item_ids(4)
    sheet = [label(ids[0]), label(ids[1], "inbound"), label(ids[2]), label(ids[3], "inbound")]
    manifest_pdf = render_manifest(manifest(30))
    documents = [
        ("label-100x150.png", render_label(label(ids[0]), "100x150"), 203, 0),
        ("label-a6.png", render_label(label(ids[1], "inbound"), "a6"), 203, 0),
        ("label-dl.png", render_label(label(ids[2]), "dl"), 150, 0),
        ("label-a4-sheet.png", render_labels(sheet, "a4"), 100, 0),
        ("manifest-page-1.png", manifest_pdf, 100, 0),
        ("manifest-page-2.png", manifest_pdf, 100, 1),
        ("receipt.png", render_receipt(receipt()), 100, 0),
    ]
    written = []
    for name, pdf, dpi, page in documents:
        path = f"{folder}/{name}"
        render_png(pdf, path, dpi, page)
        written.append(path)
    return written
