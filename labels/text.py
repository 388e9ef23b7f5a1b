"""Fitting text into a fixed box: wrap, then shrink down to a minimum, then cut with an ellipsis.

A label is a fixed rectangle, and names and addresses come from citizens of any length. The
order of the fallbacks matters: wrapping keeps every word at full size; shrinking keeps every
word at a smaller size; cutting is the last resort and always shows that something was cut
("…"). Nothing is ever drawn outside the box, so nothing can overlap a barcode's quiet zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from labels import fonts
from labels.geometry import Box, Trace

ELLIPSIS = "…"
LEADING = 1.3  # line pitch in em
SHRINK_STEP = 0.5  # points


@dataclass(frozen=True)
class Para:
    """A paragraph of a block: relative size, weight, and how many lines it may take at most."""

    text: str
    bold: bool = False
    scale: float = 1.0
    max_lines: int | None = None
    gap_before: float = 0.0  # em of the paragraph's size


@dataclass(frozen=True)
class Line:
    text: str
    font: str
    size: float
    baseline: float  # distance from the block's top down to the baseline, in points
    width: float


@dataclass(frozen=True)
class Fitted:
    lines: tuple[Line, ...]
    size: float  # the base size chosen
    truncated: bool


def _split_long_word(word: str, font: str, size: float, width: float) -> list[str]:
    pieces: list[str] = []
    current = ""
    for ch in word:
        if current and fonts.text_width(current + ch, font, size) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the box is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fonts.text_width(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if fonts.text_width(word, font, size) <= width:
            current = word
        else:
            *whole, current = _split_long_word(word, font, size, width)
            lines.extend(whole)
    if current:
        lines.append(current)
    return lines


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    """The longest prefix of text (at a word end if possible) that fits with "…" after it."""
    text = text.rstrip()
    if fonts.text_width(text + ELLIPSIS, font, size) <= width:
        return text + ELLIPSIS
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits, by bisection
        mid = (lo + hi + 1) // 2
        if fonts.text_width(text[:mid].rstrip() + ELLIPSIS, font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    prefix = text[:lo]
    cut = prefix.rfind(" ")
    if cut > lo // 2:  # prefer a word boundary unless it throws away half the line
        prefix = prefix[:cut]
    return prefix.rstrip() + ELLIPSIS if prefix.strip() else ELLIPSIS


def _layout(paras: Sequence[Para], size: float, width: float) -> tuple[list[Line], float, bool]:
    lines: list[Line] = []
    y = 0.0
    cut = False
    first = True
    for para in paras:
        if not para.text.strip():
            continue
        psize = size * para.scale
        font = fonts.font_for(para.bold)
        wrapped = wrap(para.text, font, psize, width)
        if para.max_lines is not None and len(wrapped) > para.max_lines:
            rest = " ".join(wrapped[para.max_lines - 1 :])
            wrapped = [*wrapped[: para.max_lines - 1], ellipsize(rest, font, psize, width)]
            cut = True
        if not first:
            y += para.gap_before * psize
        for i, text in enumerate(wrapped):
            if first and i == 0:
                baseline = fonts.ASCENT * psize
            else:
                baseline = y + LEADING * psize - fonts.DESCENT * psize
            lines.append(Line(text, font, psize, baseline, fonts.text_width(text, font, psize)))
            y = baseline + fonts.DESCENT * psize
        first = False
    return lines, y, cut


def fit(paras: Sequence[Para], box: Box, size: float, min_size: float) -> Fitted:
    """Lay paragraphs out in the box at the largest size from ``size`` down to ``min_size``.

    A size at which a paragraph hits its ``max_lines`` counts as not fitting, so a long name
    shrinks with its block before it is cut.
    """
    trial = size
    while True:
        lines, height, cut = _layout(paras, trial, box.width)
        fits = height <= box.height + 1e-6
        if fits and not cut:
            return Fitted(tuple(lines), trial, False)
        if trial - SHRINK_STEP < min_size - 1e-9:
            break
        trial -= SHRINK_STEP
    if fits:
        return Fitted(tuple(lines), trial, True)
    # Last resort: keep the lines that fit and mark the cut on the last one kept.
    kept = [line for line in lines if line.baseline + fonts.DESCENT * line.size <= box.height]
    if kept:
        last = kept[-1]
        text = ellipsize(last.text, last.font, last.size, box.width)
        width = fonts.text_width(text, last.font, last.size)
        kept[-1] = Line(text, last.font, last.size, last.baseline, width)
    return Fitted(tuple(kept), trial, True)


def draw(
    canvas: Canvas,
    fitted: Fitted,
    box: Box,
    name: str,
    trace: Trace | None = None,
    align: str = "left",
) -> None:
    """Draw fitted lines from the top of the box; record each line's ink box in the trace."""
    if not fitted.lines:
        return
    block = canvas.beginText()
    for line in fitted.lines:
        if align == "center":
            x = box.x0 + (box.width - line.width) / 2
        elif align == "right":
            x = box.x1 - line.width
        else:
            x = box.x0
        y = box.y1 - line.baseline
        block.setFont(line.font, line.size)
        block.setTextOrigin(x, y)
        block.textOut(line.text)
        if trace is not None:
            ink = Box(
                x, y - fonts.DESCENT * line.size, x + line.width, y + fonts.ASCENT * line.size
            )
            trace.add("text", name, ink, container=box, text=line.text)
    canvas.drawText(block)


def fit_and_draw(
    canvas: Canvas,
    paras: Sequence[Para],
    box: Box,
    size: float,
    min_size: float,
    name: str,
    trace: Trace | None = None,
    align: str = "left",
) -> Fitted:
    fitted = fit(paras, box, size, min_size)
    draw(canvas, fitted, box, name, trace, align)
    return fitted
