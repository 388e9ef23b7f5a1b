"""The registry, the code maps as a whole, the fixtures as a whole, and the adapters' purity."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import courier.adapters as adapters
from courier.adapters import generic, get_adapter, viettelpost, vnpost
from courier.adapters.base import (
    DIRECTION_REMAP,
    FLAGS,
    AdapterError,
    InboundCheckpoint,
    MalformedPayload,
    UnknownAdapter,
    checkpoint_from_rule,
    for_direction,
)
from tracking.status import EVENTS, EVENTS_BY_DIRECTION

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[3]
AT = datetime(2025, 3, 15, tzinfo=UTC)
CODE_MAPS = {"viettelpost": viettelpost.CODE_MAP, "vnpost": vnpost.CODE_MAP}


def test_registry_names_every_adapter() -> None:
    expected = {"generic": generic.parse, "viettelpost": viettelpost.parse, "vnpost": vnpost.parse}
    assert expected == adapters.ADAPTERS
    assert adapters.DEFAULT_ADAPTER in adapters.ADAPTERS


@pytest.mark.parametrize("name", ["generic", "viettelpost", "vnpost"])
def test_get_adapter(name: str) -> None:
    assert get_adapter(name) is adapters.ADAPTERS[name]


@pytest.mark.parametrize("name", ["ghn", "", "VIETTELPOST", None])
def test_get_adapter_refuses_unknown_names(name) -> None:
    with pytest.raises(UnknownAdapter, match="known: generic, viettelpost, vnpost") as info:
        get_adapter(name)
    assert isinstance(info.value, AdapterError)
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("courier", CODE_MAPS)
def test_every_mapped_event_is_in_the_vocabulary(courier: str) -> None:
    for code, rule in CODE_MAPS[courier].items():
        assert rule.event is None or rule.event in EVENTS, (courier, code)
        assert set(rule.flags) <= FLAGS, (courier, code)


def test_generic_map_is_the_vocabulary() -> None:
    assert set(generic.CODE_MAP) == set(EVENTS)
    assert all(k == v for k, v in generic.CODE_MAP.items())


def test_direction_remap_lands_in_the_direction_vocabulary() -> None:
    for direction, remap in DIRECTION_REMAP.items():
        for courier_event, ours in remap.items():
            assert courier_event in EVENTS
            assert ours in EVENTS_BY_DIRECTION[direction], (direction, courier_event)


# A courier's "returned to sender" has no inbound counterpart in the vocabulary: the core refuses
# it for an inbound shipment and holds it for a person (docs/couriers.md, "Direction").
KNOWN_GAPS = {("returned", "inbound")}


@pytest.mark.parametrize("courier", CODE_MAPS)
@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_mapped_events_read_right_in_each_direction(courier: str, direction: str) -> None:
    for code, rule in CODE_MAPS[courier].items():
        if rule.event is None:
            continue
        cp = checkpoint_from_rule(
            CODE_MAPS[courier],
            code,
            item_id="EC136431858VN",
            occurred_at=AT,
            raw_label=None,
            location=None,
            note=None,
        )
        event = for_direction(cp, direction).event
        assert event in EVENTS_BY_DIRECTION[direction] or (event, direction) in KNOWN_GAPS, (
            courier,
            code,
            event,
        )


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_every_fixture_is_readable_by_its_adapter(path: Path) -> None:
    """Fixtures are named <adapter>_<case>.json; a malformed one says so in its name."""
    parse = get_adapter(path.name.split("_", 1)[0])
    json.loads(path.read_bytes())  # recorded payloads are valid JSON, even the malformed ones
    if "_malformed_" in path.name:
        with pytest.raises(MalformedPayload):
            parse(path.read_bytes())
        return
    checkpoints = parse(path.read_bytes())
    assert checkpoints
    assert all(isinstance(cp, InboundCheckpoint) for cp in checkpoints)
    assert all(cp.occurred_at.utcoffset() is not None for cp in checkpoints)


def test_adapters_import_no_framework() -> None:
    """Adapters are pure: parsing a body needs neither the web, the database nor the network."""
    code = (
        "import sys\n"
        "import courier.adapters, courier.adapters.base, courier.adapters.generic\n"
        "import courier.adapters.viettelpost, courier.adapters.vnpost\n"
        "banned = {'flask', 'werkzeug', 'sqlalchemy', 'requests', 'urllib3', 'httpx'}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in banned)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
