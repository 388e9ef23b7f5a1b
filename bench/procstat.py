"""Machine facts for the benches: the CPU model, and CPU time of process trees and of
PostgreSQL read from /proc (Linux), to say where the time of one request or delivery goes."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name ("AMD EPYC …"), or what the platform says without /proc."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    names = [ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown CPU"


def _table() -> dict[int, tuple[str, int, float, float]]:
    """pid → (name, parent, own CPU seconds, CPU seconds of its reaped children)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, int, float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        f = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (
            name,
            int(f[1]),
            (int(f[11]) + int(f[12])) / tick,
            (int(f[13]) + int(f[14])) / tick,
        )
    return out


def cpu_seconds(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each group of process trees (a root and its descendants),
    and by PostgreSQL under the key "postgres" (its live processes, plus the postmaster's
    children that have exited, through its cutime/cstime)."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (_name, parent, _own, _reaped) in table.items():
        children.setdefault(parent, []).append(pid)
    out: dict[str, float] = {}
    for group, roots in groups.items():
        total, todo = 0.0, list(roots)
        while todo:
            pid = todo.pop()
            if pid in table:
                total += table[pid][2]
            todo.extend(children.get(pid, []))
        out[group] = total
    pg = {pid for pid, row in table.items() if row[0].startswith("postgres")}
    out["postgres"] = sum(table[p][2] for p in pg) + sum(
        table[p][3] for p in pg if table[p][1] not in pg
    )
    return out


def per_item_ms(
    before: dict[str, float], after: dict[str, float], items: float
) -> dict[str, float]:
    """Milliseconds of CPU per item for each key, between two readings."""
    return {k: 1000 * (after[k] - before[k]) / max(items, 1.0) for k in after}
