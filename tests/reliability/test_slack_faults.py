"""Slack down, slow, rate-limited, failing or misconfigured: the run still completes and is stored, and
the alert goes out exactly once when Slack is back (the outbox keeps it meanwhile). On SQLite and
PostgreSQL (the outbox's claim is a compare-and-set on either)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.adapters.slack import SlackSender, deliver_due
from monitor.adapters.store import Store, outbox, utcnow
from monitor.runtime.batch import check_targets, deliver_alerts
from tests.reliability.conftest import settings_for, target
from tests.reliability.figures import FIGURES
from tests.reliability.slack_sink import WEBHOOK_PATH, SlackSink
from tests.servers.faulty import FaultyApp, RunningServer

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class SlackFault:
    name: str
    sink: dict[str, Any]
    webhook: str = "sink"  # sink | down (a closed port) | wrong (a revoked webhook path)


SLACK_FAULTS = [
    SlackFault("Slack down (connection refused)", {}, webhook="down"),
    SlackFault("Slack HTTP 500", {"mode": "status", "status": 500}),
    SlackFault("Slack HTTP 503", {"mode": "status", "status": 503, "body": "service_unavailable"}),
    SlackFault("Slack HTTP 429 with Retry-After", {"mode": "ratelimit", "retry_after": "7"}),
    SlackFault("invalid webhook (404 no_service)", {}, webhook="wrong"),
    SlackFault("invalid payload answer (400)", {"mode": "status", "status": 400, "body": "invalid_payload"}),
]


def _rows(store: Store) -> list[dict[str, Any]]:
    with store.engine.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(select(outbox).order_by(outbox.c.id)).all()]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("fault", SLACK_FAULTS, ids=[f.name for f in SLACK_FAULTS])
async def test_alert_survives_a_slack_fault_and_is_delivered_once(
    fault: SlackFault,
    api: FaultyApp,
    api_server: RunningServer,
    slack: SlackSink,
    slack_server: RunningServer,
    tmp_path: Path,
    state_url: str,
) -> None:
    good_hook = slack_server.url(WEBHOOK_PATH)
    hook = {
        "sink": good_hook,
        "down": f"http://127.0.0.1:{_closed_port()}{WEBHOOK_PATH}",
        "wrong": slack_server.url("/services/T0CANARY/B0CANARY/revoked"),
    }[fault.webhook]
    api_target = target("api", api_server.url("/switch"))
    settings = settings_for(tmp_path, [api_target], webhook=hook, state=state_url)
    store = Store.open(settings.state)
    try:
        await check_targets(settings, [api_target], store)  # baseline: no alert
        for key, value in fault.sink.items():
            setattr(slack, key, value)
        api.mode = "v2"
        [outcome] = await check_targets(settings, [api_target], store)  # drift alert; delivery fails

        assert outcome.report.outcome == "changed" and len(outcome.alerts_queued) == 1
        assert store.list_runs("api", limit=1)[0].outcome == "changed"  # the run is stored
        [row] = _rows(store)
        assert row["status"] == "pending" and row["attempts"] == 1 and row["last_error"]
        assert "canary-webhook-secret" not in row["last_error"]
        assert slack.delivered == []

        await deliver_alerts(settings, store)  # not due yet: nothing is resent early
        assert _rows(store)[0]["attempts"] == 1

        slack.reset()  # Slack is back (and the webhook fixed, for the misconfigured cases)
        fixed = SlackSender.from_config(settings_for(tmp_path, [], webhook=good_hook).slack)  # type: ignore[arg-type]
        later = utcnow() + timedelta(hours=1)
        first = await deliver_due(store, fixed, now=later)
        again = await deliver_due(store, fixed, now=later + timedelta(hours=1))
        assert (first.sent, again.sent) == (1, 0)
        assert len(slack.delivered) == 1
        [row] = _rows(store)
        assert row["status"] == "sent"
    finally:
        store.close()
    FIGURES.slack.append(f"{fault.name} ({state_url.split(':', 1)[0]})")


async def test_slow_slack_delays_nothing_but_the_alert(
    api: FaultyApp, api_server: RunningServer, slack: SlackSink, webhook_url: str, tmp_path: Path
) -> None:
    api_target = target("api", api_server.url("/switch"))
    settings = settings_for(tmp_path, [api_target], webhook=webhook_url)
    store = Store.open(settings.state)
    try:
        await check_targets(settings, [api_target], store)
        slack.mode, slack.delay = "slow", 1.5
        api.mode = "v2"
        [outcome] = await check_targets(settings, [api_target], store)
        assert outcome.report.outcome == "changed"
        assert len(slack.delivered) == 1
        assert _rows(store)[0]["status"] == "sent"
        await deliver_alerts(settings, store)
        assert len(slack.delivered) == 1
    finally:
        store.close()
    FIGURES.slack.append("Slack slow (1.5 s per answer)")
