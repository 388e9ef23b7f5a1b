"""Courier payload adapters: one pure module per courier, picked by name from a registry.

A courier registered with ``courier add CODE [--adapter NAME]`` names its adapter here; the
webhook layer calls ``get_adapter(name)(body)`` and hands the checkpoints to the core. Adding a
courier is one module, one entry in ``ADAPTERS`` and its fixtures (docs/couriers.md).
"""

from __future__ import annotations

from collections.abc import Callable

from courier.adapters import generic, viettelpost, vnpost
from courier.adapters.base import (
    AdapterError,
    InboundCheckpoint,
    MalformedPayload,
    UnknownAdapter,
    for_direction,
)

Parser = Callable[[bytes | str | dict | list], list[InboundCheckpoint]]

ADAPTERS: dict[str, Parser] = {
    "generic": generic.parse,
    "viettelpost": viettelpost.parse,
    "vnpost": vnpost.parse,
}

DEFAULT_ADAPTER = "generic"  # CONTRACT.md: a courier speaks the generic format unless told


def get_adapter(name: str) -> Parser:
    """The parser registered under ``name``; UnknownAdapter names the ones that exist."""
    try:
        return ADAPTERS[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(ADAPTERS))
        raise UnknownAdapter(f"no courier adapter named {name!r} (known: {known})") from None


__all__ = [
    "ADAPTERS",
    "DEFAULT_ADAPTER",
    "AdapterError",
    "InboundCheckpoint",
    "MalformedPayload",
    "Parser",
    "UnknownAdapter",
    "for_direction",
    "get_adapter",
]
