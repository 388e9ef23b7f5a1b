"""Benchmark: 1,000 labels of 100×150 mm, vector symbols against embedded PNG symbols.

Run from the repository root: ``python bench/labels.py [--count N]``. Prints wall time, peak
traced memory (tracemalloc) and PDF size for both paths and their ratios, as Markdown.

The naive path is what one would write first with the same libraries at their defaults:
python-barcode's ``ImageWriter`` PNG of the identifier and ``qrcode.make`` PNG of the URL,
each placed with ``drawImage`` into the same box the vector path uses. Text and frames are
drawn identically by both paths (same plan), so the difference is the symbols alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import io
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import barcode
import qrcode
from barcode.writer import ImageWriter
from reportlab.lib.utils import ImageReader

from labels.geometry import mm
from labels.layouts import draw_plan
from labels.model import LabelData, Party, parties_for
from labels.render import new_canvas, plan_label, render_labels
from labels.s10 import make
from labels.symbols import Code128

CENTER = Party(
    "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
    ("16 Trường Thi, phường Trường Vinh", "tỉnh Nghệ An"),
    "0238 3 599 599",
)


def corpus(count: int) -> list[LabelData]:
    items = []
    for i in range(count):
        item_id = make(("EC", "RR", "CP")[i % 3], (12_345_670 + i * 7919) % 10**8)
        citizen = Party(
            f"Nguyễn Thị Ánh Tuyết {i}",
            (f"Bản Huồi Giảng {i % 9 + 1}", "Xã Mường Xén, tỉnh Nghệ An"),
            "0912 345 678",
        )
        direction = "outbound" if i % 2 else "inbound"
        sender, recipient = parties_for(direction, citizen, CENTER)
        items.append(
            LabelData(
                item_id=item_id,
                direction=direction,
                tracking_url=f"https://dichvucong.nghean.gov.vn/track/{item_id}",
                sender=sender,
                recipient=recipient,
                dossier_code=f"000.00.04.H41-260302-{i % 10_000:04d}",
                procedure_name="Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
                courier_name="Bưu điện tỉnh Nghệ An (VNPost)",
                created_at=datetime(2026, 3, 2, 9, 15),
                due_at=datetime(2026, 3, 9, 17, 0) if direction == "outbound" else None,
            )
        )
    return items


def vector(items: Sequence[LabelData]) -> bytes:
    return render_labels(items, "100x150")


def naive(items: Sequence[LabelData]) -> bytes:
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (mm(100), mm(150)), "naive")
    for data in items:
        plan = plan_label(data, "100x150")
        draw_plan(canvas, dataclasses.replace(plan, symbols=[]))
        for placed in plan.symbols:
            box = placed.quiet_box(plan.height)
            png = io.BytesIO()
            if isinstance(placed.symbol, Code128):
                barcode.Code128(data.item_id, writer=ImageWriter()).write(
                    png, options={"write_text": False}
                )
            else:
                qrcode.make(data.tracking_url).save(png)
            png.seek(0)
            canvas.drawImage(ImageReader(png), box.x0, box.y0, box.width, box.height)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def timed(path: Callable[[Sequence[LabelData]], bytes], items: Sequence[LabelData]) -> tuple:
    gc.collect()
    start = time.perf_counter()
    pdf = path(items)
    seconds = time.perf_counter() - start
    gc.collect()
    tracemalloc.start()
    path(items)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    items = corpus(args.count)
    vector(items[:3])  # fonts registered, caches warm, for both paths
    naive(items[:3])
    results = {"vector": timed(vector, items), "naive (PNG images)": timed(naive, items)}
    print(f"{args.count} labels, 100×150 mm, one PDF\n")
    print("| path | wall time | peak memory (tracemalloc) | PDF size |")
    print("| --- | ---: | ---: | ---: |")
    for name, (seconds, peak, size) in results.items():
        print(f"| {name} | {seconds:.2f} s | {peak / 2**20:.1f} MiB | {size / 2**20:.2f} MiB |")
    (vs, vp, vz), (ns, np_, nz) = results.values()
    print(f"\nnaive / vector: time ×{ns / vs:.1f}, memory ×{np_ / vp:.1f}, size ×{nz / vz:.1f}")


if __name__ == "__main__":
    main()
