"""``gqlmon live TARGET``: the stored snapshot (or a fresh introspection), printed results, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import monitor.cli.live as command
from monitor.adapters.store import NewSnapshot, RunRecord, Store, new_run_id, utcnow
from monitor.core.schema import fingerprint
from monitor.settings.models import Settings
from tests.live.helpers import live
from tests.live.servers import RecordingApp, demo, demo_introspection, serve

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings do not carry [targets.live] yet: give every target a small, fast live configuration."""
    monkeypatch.setattr(
        command, "live_config_of", lambda target: live(operations=["Query.stacks"], max_examples=4)
    )


def settings_for(url: str, tmp_path: Path, **target: Any) -> Settings:
    return Settings.model_validate(
        {
            "state": f"sqlite:///{tmp_path / 'state.db'}",
            "targets": [{"name": "demo", "url": url, "contracts": str(tmp_path / "none"), **target}],
        }
    )


def store_snapshot(settings: Settings, intro: dict[str, Any]) -> None:
    store = Store.open(settings.state)
    try:
        snapshot = NewSnapshot(fingerprint(intro), json.dumps(intro).encode(), "full")
        now = utcnow()
        record = RunRecord(
            new_run_id(now), "demo", now, now, "baseline", None, snapshot.id, None, {"total": 0}
        )
        store.record_run(record, snapshot=snapshot)
    finally:
        store.close()


def introspections(app: RecordingApp) -> int:
    return sum("__schema" in s.body.decode() for s in app.seen)


async def test_failures_print_with_path_and_curl_and_exit_1(tmp_path: Path) -> None:
    app = demo("misbehaving")
    with serve(app) as server:
        settings = settings_for(server.url_for("/graphql"), tmp_path)
        out = io.StringIO()
        code = await command.live_command(settings, "demo", max_examples=3, fmt="text", out=out)
    text = out.getvalue()
    assert code == 1
    assert introspections(app) == 1  # nothing stored yet: introspected once, then tested
    assert (
        "introspected now" in text
        and "✖ Query.stacks [conformance] null in non-null field Stack.branch" in text
    )
    assert "    path: stacks[0].branch" in text and "    curl -X POST http://127.0.0.1:" in text
    assert "✖ Query.stacks [not_a_server_error] Server error: HTTP 500 (query: stacks(first: 0))" in text


async def test_the_stored_snapshot_is_used_and_json_is_printed(tmp_path: Path) -> None:
    app = demo("healthy")
    with serve(app) as server:
        settings = settings_for(server.url_for("/graphql"), tmp_path)
        store_snapshot(settings, demo_introspection())
        out = io.StringIO()
        code = await command.live_command(settings, "demo", max_examples=None, fmt="json", out=out)
    payload = json.loads(out.getvalue())
    assert introspections(app) == 0
    assert payload["target"] == "demo" and payload["schema"].startswith("snapshot ")
    assert payload["requests"] == len(app.seen) > 0
    # The healthy demo labels a negative `first` as BAD_USER_INPUT: an input rejection, not a failure.
    assert payload["failures"] == [] and code == 0


async def test_refused_credentials_exit_3(tmp_path: Path) -> None:
    app = demo("healthy", require_token=True)
    with serve(app) as server:
        settings = settings_for(
            server.url_for("/graphql"), tmp_path, auth={"kind": "bearer", "token": "wrong-token"}
        )
        store_snapshot(settings, demo_introspection())
        out = io.StringIO()
        code = await command.live_command(settings, "demo", fmt="text", out=out)
    assert code == 3
    assert "✖ demo: HTTP 401" in out.getvalue() and "wrong-token" not in out.getvalue()
