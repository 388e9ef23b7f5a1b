"""QR matrices from ``qrcode``, with its mask choice computed in numpy.

``qrcode`` picks the data mask the way ISO/IEC 18004 §7.8.3 asks (the lowest penalty of the
eight), but builds and scores each candidate in pure Python: about 4 ms a code, most of the
time a batch of labels takes. Here ``qrcode`` still encodes the data and draws the function
patterns; we only score the eight candidates at once with array operations, using the same
penalty rules as ``qrcode.util.lost_point`` (including its light format area while testing),
so the matrix is the very one ``qrcode`` would make. ``tests/labels/test_symbols.py`` checks
that equality on a corpus.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M


@lru_cache(maxsize=512)
def _function_modules(version: int, mask: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(where the function patterns are, their values): while testing masks (``mask`` None,
    format and version areas light, as ``qrcode`` scores them) or final for one mask."""
    test = mask is None
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0)
    n = code.modules_count = version * 4 + 17
    code.modules = [[None] * n for _ in range(n)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(n - 7, 0)
    code.setup_position_probe_pattern(0, n - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(test, 0 if mask is None else mask)
    if version >= 7:
        code.setup_type_number(test)
    where = np.array([[m is not None for m in row] for row in code.modules], dtype=bool)
    values = np.array([[bool(m) for m in row] for row in code.modules], dtype=bool)
    return where, values


@lru_cache(maxsize=64)
def _masks(n: int) -> np.ndarray:
    """The eight mask patterns of an n×n symbol, shape (8, n, n)."""
    rule = [util.mask_func(k) for k in range(8)]
    return np.array(
        [[[rule[k](i, j) for j in range(n)] for i in range(n)] for k in range(8)], dtype=bool
    )


def _run_penalty(stack: np.ndarray) -> np.ndarray:
    """N1 along the last axis: every run of five or more equal modules scores length - 2."""
    count, rows, n = stack.shape
    edges = np.ones((count, rows, n + 1), dtype=bool)
    edges[:, :, 1:n] = stack[:, :, 1:] != stack[:, :, :-1]
    k, r, c = np.nonzero(edges)
    same_line = (k[1:] == k[:-1]) & (r[1:] == r[:-1])
    lengths = (c[1:] - c[:-1])[same_line]
    owners = k[:-1][same_line]
    scores = np.where(lengths >= 5, lengths - 2, 0)
    return np.bincount(owners, weights=scores, minlength=count)


def _finder_penalty(lines: np.ndarray) -> np.ndarray:
    """N3 along the last axis: 1011101 with four light modules before or after, 40 each."""
    n = lines.shape[-1]
    dark, light = lines, ~lines
    core = dark[..., : n - 6] & light[..., 1 : n - 5] & dark[..., 6:]
    core &= (
        dark[..., 2 : n - 4] & dark[..., 3 : n - 3] & dark[..., 4 : n - 2] & light[..., 5 : n - 1]
    )
    quiet = light[..., : n - 3] & light[..., 1 : n - 2] & light[..., 2 : n - 1] & light[..., 3:]
    starts = n - 10
    after = core[..., :starts] & quiet[..., 7 : 7 + starts]
    before = quiet[..., :starts] & core[..., 4 : 4 + starts]
    return (after | before).sum(axis=(1, 2)) * 40


def penalties(stack: np.ndarray) -> np.ndarray:
    """``qrcode.util.lost_point`` for each matrix of a (count, n, n) stack."""
    count, n = stack.shape[0], stack.shape[-1]
    lines = np.concatenate([stack, stack.transpose(0, 2, 1)])  # rows, then columns
    n1 = _run_penalty(lines)
    n3 = _finder_penalty(lines)
    same = stack[:, :-1, :-1]
    blocks = (same == stack[:, 1:, :-1]) & (same == stack[:, :-1, 1:]) & (same == stack[:, 1:, 1:])
    n2 = blocks.sum(axis=(1, 2)) * 3
    percent = stack.sum(axis=(1, 2)) * 100.0 / (n * n)
    n4 = (np.abs(percent - 50) / 5).astype(int) * 10
    return n1[:count] + n1[count:] + n3[:count] + n3[count:] + n2 + n4


def qr_matrix(data: str) -> np.ndarray:
    """The QR matrix (n×n bools, no border) at error correction M (15 %), the smallest
    version that holds the data, and the mask ``qrcode`` itself would choose."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    first = np.array(code.modules, dtype=bool)
    where, testing = _function_modules(code.version)
    masks = _masks(len(first))
    plain = first ^ masks[0]  # the data bits before masking (function modules ignored)
    candidates = np.where(where, testing, plain ^ masks)
    best = int(np.argmin(penalties(candidates)))  # first lowest, as qrcode does
    if best == 0:
        return first
    _, final = _function_modules(code.version, best)
    return np.where(where, final, plain ^ masks[best])
