"""Configuration precedence: defaults, then instance/config.py, then the environment, then what
the caller passes; the same for every setting, the dispatcher's included."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracking import config
from webhooks.dispatcher import SETTING_KEYS, settings_from


def test_the_environment_overrides_the_instance_file_for_every_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.py").write_text(
        'OUTBOUND_BATCH = "5"\nDEFAULT_COURIER = "viettelpost"\nOUTBOUND_JITTER = "0.3"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("OUTBOUND_BATCH", "7")
    monkeypatch.setenv("DEFAULT_COURIER", "ghn")
    monkeypatch.delenv("OUTBOUND_JITTER", raising=False)
    loaded = config.load()
    assert loaded["OUTBOUND_BATCH"] == "7" and loaded["DEFAULT_COURIER"] == "ghn"
    assert loaded["OUTBOUND_JITTER"] == "0.3"  # from the file, nothing in the environment
    got = settings_from(loaded, {})
    assert got.batch == 7 and got.jitter == 0.3
    assert config.load({"OUTBOUND_BATCH": "9"})["OUTBOUND_BATCH"] == "9"  # the caller's last


def test_every_dispatcher_setting_is_read_from_the_environment() -> None:
    assert set(SETTING_KEYS) | {"DISPATCHER_THREAD"} <= set(config.ENV_STRINGS)


def test_a_cache_time_that_is_no_number_is_refused_readably(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REFERENCE_CACHE_SECONDS", "half a minute")
    with pytest.raises(SystemExit, match="REFERENCE_CACHE_SECONDS must be a number"):
        config.load()
