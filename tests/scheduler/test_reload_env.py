"""A reload whose targets or Slack need a variable that is not set keeps the running configuration."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from monitor.adapters.store import Store
from monitor.runtime.scheduler import Scheduler, run_scheduler
from monitor.settings.envrefs import MissingEnvError
from monitor.settings.loading import load_settings

pytestmark = pytest.mark.anyio

FIRST = '[[targets]]\nname = "first"\nurl = "http://127.0.0.1:9/graphql"\nschedule = "1h"\n'
SECOND = (
    '[[targets]]\nname = "second"\nurl = "http://127.0.0.1:9/graphql"\nschedule = "1h"\n'
    'auth = { kind = "bearer", token_env = "GQLMON_T_RELOAD_TOKEN" }\n'
    '[slack]\nwebhook_url = "${GQLMON_T_RELOAD_HOOK}"\n'
)


async def test_a_reload_missing_variables_keeps_the_running_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("GQLMON_T_RELOAD_TOKEN", raising=False)
    monkeypatch.delenv("GQLMON_T_RELOAD_HOOK", raising=False)
    config = tmp_path / "monitor.toml"
    config.write_text(f'state = "sqlite:///state.db"\n{FIRST}', encoding="utf-8")
    settings = load_settings(config, env={})
    store = Store.open(settings.state)
    try:
        scheduler = Scheduler(settings, store, config_path=config)
        config.write_text(f'state = "sqlite:///state.db"\n{SECOND}', encoding="utf-8")
        with caplog.at_level(logging.ERROR, logger="monitor"):
            assert await scheduler.reload() is False
        assert [t.name for t in scheduler.settings.targets] == ["first"]
        [record] = [r for r in caplog.records if "reload failed" in r.getMessage()]
        assert "GQLMON_T_RELOAD_TOKEN is not set" in record.getMessage()
        assert "GQLMON_T_RELOAD_HOOK is not set" in record.getMessage()

        monkeypatch.setenv("GQLMON_T_RELOAD_TOKEN", "reload-token-canary")
        monkeypatch.setenv("GQLMON_T_RELOAD_HOOK", "https://hooks.example.test/services/T/B/reload")
        assert await scheduler.reload() is True
        assert [t.name for t in scheduler.settings.targets] == ["second"]
    finally:
        store.close()


def test_run_names_every_missing_variable_before_opening_the_store(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f'state = "sqlite:///state.db"\n{SECOND}', encoding="utf-8")
    with pytest.raises(MissingEnvError) as info:
        run_scheduler(load_settings(config, env={}), config_path=config, once=True)
    assert info.value.variables == ("GQLMON_T_RELOAD_TOKEN", "GQLMON_T_RELOAD_HOOK")
    assert not (tmp_path / "state.db").exists()
