"""API faults against a real local server: each is a failed run with a one-line reason, the last good
snapshot stays the baseline, no "types removed" ever comes out of it, and the next good answer recovers
without a spurious diff. Flapping between two schemas is reported as such, not alerted on every flip.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.adapters.store import Store
from monitor.core.changes import ChangeType
from monitor.runtime.service import run_check
from tests.reliability.conftest import settings_for, target
from tests.reliability.figures import FIGURES
from tests.servers.faulty import FaultyApp, RunningServer

pytestmark = pytest.mark.anyio

CAP = 250_000  # max_response_bytes: above the schema (~28 kB) and the nesting bomb (~200 kB)


@dataclass(frozen=True)
class Fault:
    name: str
    mode: str  # FaultyApp.mode for /switch, or "" when ``url`` says where to go
    expect: str  # lower-case words the one-line reason must contain
    tune: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    url: Callable[[RunningServer], str] | None = None


def _refused(_: RunningServer) -> str:
    with socket.socket() as sock:  # a port nothing listens on (bound, never listening)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


FAULTS = [
    Fault("connection refused", "", "cannot reach the server", url=_refused),
    Fault(
        "DNS failure",
        "",
        "cannot reach the server",
        url=lambda _: "http://gqlmon-no-such-host.invalid/graphql",
    ),
    Fault("timeout (no answer)", "slow", "no complete response within", {"delay": 3.0}, {"timeout": 0.3}),
    Fault("slow-drip body", "drip", "no complete response within", {"drip_interval": 0.02}, {"timeout": 0.4}),
    Fault("HTTP 500", "status", "http 500", {"error_status": 500}),
    Fault("HTTP 502 (retried)", "status", "http 502", {"error_status": 502}, {"retries": 1}),
    Fault("HTTP 503", "status", "http 503", {"error_status": 503}),
    Fault("HTTP 429 with Retry-After", "too-many", "http 429", {"retry_after": "0.2"}, {"retries": 1}),
    Fault("HTTP 429, no retries left", "too-many", "http 429 (rate limited)", {"retry_after": "3600"}),
    Fault("HTML error page (200)", "html", "html page", {"html_status": 200}),
    Fault("HTML error page (502)", "html", "http 502", {"html_status": 502}),
    Fault("truncated JSON", "truncated", "ends early"),
    Fault("bytes that are not JSON", "garbage", "not json"),
    Fault("introspection with errors", "errors-with-data", "graphql errors"),
    Fault("introspection disabled", "disabled", "introspection is disabled"),
    Fault("partial schema (Query missing)", "partial", "partial schema"),
    Fault("partial schema (built-ins only)", "builtins-only", "partial schema"),
    Fault("answer without __schema", "no-schema", "__schema"),
    Fault("values of the wrong JSON type", "mistyped", "description should be a string, not int"),
    Fault("invalid GraphQL names", "bad-names", "without a valid name"),
    Fault(
        "over the size cap (Content-Length)",
        "oversized",
        "exceeds max_response_bytes",
        {"oversized_bytes": 400_000},
    ),
    Fault(
        "over the size cap (chunked)",
        "oversized-chunked",
        "exceeds max_response_bytes",
        {"oversized_bytes": 400_000},
    ),
    Fault("JSON nesting bomb", "bomb", "nested too deeply"),
    Fault("redirect", "redirect", "redirect"),
]


def _types_removed(store: Store, name: str) -> list[str]:
    since = datetime(2000, 1, 1, tzinfo=UTC)
    return [c.path for _, _, c in store.changes_since(name, since) if c.type is ChangeType.TYPE_REMOVED]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
async def test_fault_fails_cleanly_and_recovers(
    fault: Fault, api: FaultyApp, api_server: RunningServer, tmp_path: Path
) -> None:
    await _fault_round_trip(fault, api, api_server, tmp_path, f"sqlite:///{tmp_path / 'state.db'}")


PG_FAULTS = [f for f in FAULTS if f.name in {"HTTP 503", "truncated JSON", "partial schema (Query missing)"}]


@pytest.mark.postgres
@pytest.mark.parametrize("fault", PG_FAULTS, ids=[f.name for f in PG_FAULTS])
async def test_fault_fails_cleanly_and_recovers_on_postgresql(
    fault: Fault, api: FaultyApp, api_server: RunningServer, tmp_path: Path, pg_url: str
) -> None:
    await _fault_round_trip(fault, api, api_server, tmp_path, pg_url, label=f"{fault.name} (PostgreSQL)")


async def _fault_round_trip(
    fault: Fault,
    api: FaultyApp,
    api_server: RunningServer,
    tmp_path: Path,
    state_url: str,
    *,
    label: str | None = None,
) -> None:
    """Baseline, the fault twice, recovery: every promise of the module docstring, checked on the store."""
    label = label or fault.name
    good = target("api", api_server.url("/switch"), max_response_bytes=CAP)
    bad_url = fault.url(api_server) if fault.url else api_server.url("/switch")
    bad = target("api", bad_url, max_response_bytes=CAP, **fault.target)
    settings = settings_for(tmp_path, [good], state=state_url)
    store = Store.open(settings.state)
    try:
        baseline = await run_check(settings, good, store)
        assert baseline.report.outcome == "baseline"
        kept = store.latest_snapshot("api")
        assert kept is not None

        backend = "SQLite" if state_url.startswith("sqlite") else "PostgreSQL"
        FIGURES.fault(label, survived=False, backend=backend)  # tried; counted as survived below, once proven
        api.mode = fault.mode or "graphql"
        for key, value in fault.tune.items():
            setattr(api, key, value)
        for _ in range(2):  # a repeated fault changes nothing either
            failed = await run_check(settings, bad, store)
            report = failed.report
            assert report.outcome == "failed", report.outcome
            reason = report.error or ""
            assert reason and "\n" not in reason and len(reason) < 600, reason
            assert "Traceback" not in reason
            assert fault.expect in reason.lower(), reason
            assert report.changes == ()
            assert report.new_snapshot is None
            assert report.old_snapshot is not None and report.old_snapshot.id == kept.id
            latest = store.latest_snapshot("api")
            assert latest is not None and latest.id == kept.id and latest.seq == kept.seq
            store.load_snapshot(kept.id)  # still readable

        api.reset()
        recovered = await run_check(settings, good, store)
        assert recovered.report.outcome == "unchanged", recovered.report.notes
        assert recovered.report.changes == ()
        assert _types_removed(store, "api") == []
        assert [r.outcome for r in store.list_runs("api")] == ["unchanged", "failed", "failed", "baseline"]
    finally:
        store.close()
        api.reset()
    FIGURES.survived(label)


async def test_fault_then_different_schema_is_a_real_diff_against_the_last_good(
    api: FaultyApp, api_server: RunningServer, tmp_path: Path, state_url: str
) -> None:
    """After failures, a genuinely new schema is diffed against the last good one (not against nothing)."""
    good = target("api", api_server.url("/switch"))
    settings = settings_for(tmp_path, [good], state=state_url)
    store = Store.open(settings.state)
    try:
        await run_check(settings, good, store)
        api.mode = "partial"
        assert (await run_check(settings, good, store)).failed
        api.mode = "v2"
        changed = (await run_check(settings, good, store)).report
        assert changed.outcome == "changed"
        assert {c.path for c in changed.changes} == {"User.role", "User.email"}
        assert _types_removed(store, "api") == []
    finally:
        store.close()


def test_cli_reports_a_failed_target_in_one_line_with_exit_3(
    api: FaultyApp, api_server: RunningServer, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'state = "sqlite:///{tmp_path}/state.db"\nreports_dir = "{tmp_path}/reports"\n'
        f'[[targets]]\nname = "api"\nurl = "{api_server.url("/switch")}"\nretries = 0\ntimeout = "2s"\n'
    )
    command = [sys.executable, "-m", "monitor", "-c", str(config), "check"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    api.mode = "html"
    try:
        failed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        api.reset()
    assert failed.returncode == 3, (failed.stdout, failed.stderr)
    assert "Traceback" not in failed.stderr + failed.stdout
    line = next(line for line in failed.stdout.splitlines() if "check failed" in line)
    assert "HTML page" in line and line.startswith("✖ api:")
    again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "unchanged" in again.stdout, again.stdout


async def test_flapping_between_two_schemas_is_reported_not_alerted_on_every_flip(
    api: FaultyApp, api_server: RunningServer, tmp_path: Path, webhook_url: str, state_url: str
) -> None:
    """A load balancer serving two versions: the change alerts, the rollback alerts as one, the start of the
    alternation alerts once, and flips after it do not."""
    flappy = target("lb", api_server.url("/switch"))
    settings = settings_for(tmp_path, [flappy], webhook=webhook_url, state=state_url)
    store = Store.open(settings.state)
    try:
        assert (await run_check(settings, flappy, store)).report.outcome == "baseline"
        api.mode = "v2"
        first = await run_check(settings, flappy, store)
        assert first.report.outcome == "changed" and len(first.alerts_queued) == 1
        api.mode = "graphql"
        back = await run_check(settings, flappy, store)
        assert back.report.rollback is not None and not back.report.flapping
        assert len(back.alerts_queued) == 1, "a rollback is a change worth one alert"
        flips = []
        for mode in ("v2", "graphql"):
            api.mode = mode
            flips.append(await run_check(settings, flappy, store))
        for flip in flips:
            assert getattr(flip.report, "flapping", False), flip.report.notes
            assert any("flapping" in note.lower() for note in flip.report.notes), flip.report.notes
        assert len(flips[0].alerts_queued) == 1, "the alternation alerts once, when it starts"
        assert flips[1].alerts_queued == [], "a flip after that must not alert"
    finally:
        store.close()
