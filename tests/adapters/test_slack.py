"""Delivery through the real slack-sdk clients to a local stand-in for Slack, from a real SQLite outbox."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from monitor.adapters.slack import RetryPolicy, SlackSender, deliver_due
from monitor.adapters.store import NewAlert, RunRecord, Store, outbox, utcnow
from monitor.core.alert import AlertPolicy, decide_alerts
from monitor.core.report.blocks import violations
from monitor.core.report.model import DriftReport
from monitor.errors import AlertError
from tests.adapters.slack_receiver import BOT_TOKEN, WEBHOOK_PATH, SlackReceiver
from tests.core.report.fixtures import fixture_report, hostile_report
from tests.servers.demo import RunningServer

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def slack_server() -> Iterator[RunningServer]:
    with RunningServer(SlackReceiver(), lifespan="off") as server:
        yield server


@pytest.fixture
def slack(slack_server: RunningServer) -> SlackReceiver:
    receiver = slack_server.app
    assert isinstance(receiver, SlackReceiver)
    receiver.received.clear()
    receiver.script.clear()
    return receiver


@pytest.fixture
def webhook(slack_server: RunningServer) -> SlackSender:
    return SlackSender(webhook_url=slack_server.url_for(WEBHOOK_PATH), timeout=5)


@pytest.fixture
def bot(slack_server: RunningServer) -> SlackSender:
    return SlackSender(
        bot_token=BOT_TOKEN, channel="#api-changes", base_url=slack_server.url_for("/api/"), timeout=5
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'state.db'}")
    yield opened
    opened.close()


def _queue(store: Store, report: DriftReport | None = None, run_id: str | None = None) -> list[str]:
    """Record a run with its alerts, as the service does (one transaction)."""
    report = report or fixture_report()
    planned = decide_alerts(
        report,
        AlertPolicy(),
        consecutive_failures=0,
        previous_outcome="changed",
        public_url="https://ci.example/g",
    )
    now = utcnow()
    record = RunRecord(
        id=run_id or report.run_id,
        target=report.target,
        started_at=now,
        finished_at=now,
        outcome=report.outcome,
        old_snapshot=None,
        new_snapshot=None,
        error=None,
        summary=report.summary,
    )
    return store.record_run(record, alerts=[NewAlert(*p) for p in planned])


def _outbox(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(outbox))]


def _texts(body: dict[str, Any]) -> str:
    parts = [body.get("text", "")]
    for block in body.get("blocks", []):
        parts.append(block.get("text", {}).get("text", ""))
        parts += [f["text"] for f in block.get("fields", [])]
        parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


async def test_webhook_delivers_once(store: Store, slack: SlackReceiver, webhook: SlackSender) -> None:
    assert len(_queue(store)) == 1
    stats = await deliver_due(store, webhook)
    assert (stats.sent, stats.retrying, stats.dead) == (1, 0, 0)
    [body] = slack.messages("webhook")
    assert body["blocks"][0]["text"]["text"] == "🔴 demo: 2 breaking changes"
    assert body["unfurl_links"] is False and body["unfurl_media"] is False
    assert "Breaks `GetUser`, `ListUsers`" in _texts(body)
    assert violations(body) == []
    # A re-run, or a second replica, queues the same alert: the outbox refuses it.
    assert _queue(store, run_id="20260112T093000000-other1") == []
    assert (await deliver_due(store, webhook)).sent == 0
    assert len(slack.received) == 1
    assert store.outbox_counts() == {"sent": 1}


async def test_two_senders_at_once_send_once(
    store: Store, slack: SlackReceiver, webhook: SlackSender, slack_server: RunningServer
) -> None:
    _queue(store)
    other = SlackSender(webhook_url=slack_server.url_for(WEBHOOK_PATH), timeout=5)
    results = []

    async def run(sender: SlackSender) -> None:
        results.append(await deliver_due(store, sender))

    async with anyio.create_task_group() as tg:
        tg.start_soon(run, webhook)
        tg.start_soon(run, other)
    assert sum(r.sent for r in results) == 1
    assert len(slack.received) == 1


async def test_429_honours_retry_after(store: Store, slack: SlackReceiver, webhook: SlackSender) -> None:
    _queue(store)
    slack.fail(429, "rate_limited", {"Retry-After": "7"})
    now = utcnow()
    stats = await deliver_due(store, webhook, now=now)
    assert (stats.sent, stats.retrying) == (0, 1)
    [row] = _outbox(store)
    next_at = row["next_attempt_at"].replace(tzinfo=now.tzinfo)
    assert timedelta(seconds=6) < next_at - now < timedelta(seconds=8)
    assert (await deliver_due(store, webhook, now=now + timedelta(seconds=5))).sent == 0
    assert (await deliver_due(store, webhook, now=now + timedelta(seconds=8))).sent == 1
    assert len(slack.messages("webhook")) == 1


async def test_server_errors_back_off_then_deliver(
    store: Store, slack: SlackReceiver, webhook: SlackSender
) -> None:
    _queue(store)
    slack.fail(500, "rollup_error", times=3)
    now = utcnow()
    waits = []
    for _ in range(4):
        stats = await deliver_due(store, webhook, now=now)
        if stats.sent:
            break
        [row] = _outbox(store)
        waits.append(round((row["next_attempt_at"].replace(tzinfo=now.tzinfo) - now).total_seconds()))
        now += timedelta(hours=1)
    assert waits == [30, 60, 120]
    assert store.outbox_counts() == {"sent": 1}
    assert len(slack.messages("webhook")) == 1


async def test_slack_down_for_hours_loses_nothing(
    store: Store, slack: SlackReceiver, webhook: SlackSender, caplog: pytest.LogCaptureFixture
) -> None:
    _queue(store)
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    down = SlackSender(webhook_url=f"http://127.0.0.1:{dead_port}{WEBHOOK_PATH}", timeout=2)
    now = utcnow()
    with caplog.at_level(logging.DEBUG):
        for _ in range(12):  # three hours, a check every 15 minutes
            stats = await deliver_due(store, down, now=now)
            now += timedelta(minutes=15)
    assert stats.sent == 0 and store.outbox_counts() == {"pending": 1}
    assert "secretwebhooktoken" not in caplog.text
    assert "secretwebhooktoken" not in str(_outbox(store)[0]["last_error"])
    stats = await deliver_due(store, webhook, now=now + timedelta(hours=1))
    assert stats.sent == 1
    assert (await deliver_due(store, webhook, now=now + timedelta(hours=2))).sent == 0
    assert len(slack.messages("webhook")) == 1


async def test_revoked_webhook_is_given_up_with_the_reason(
    store: Store, slack: SlackReceiver, slack_server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    _queue(store)
    wrong = SlackSender(webhook_url=slack_server.url_for("/services/T0000/B0000/revokedsecret"), timeout=5)
    now = utcnow()
    with caplog.at_level(logging.DEBUG):
        for _ in range(RetryPolicy().max_permanent_attempts):
            await deliver_due(store, wrong, now=now)
            now += timedelta(hours=1)
    [row] = _outbox(store)
    assert row["status"] == "dead"
    assert "HTTP 404 no_service" in row["last_error"]
    assert "revokedsecret" not in row["last_error"] and "revokedsecret" not in caplog.text
    assert slack.received == []


async def test_bot_posts_summary_then_details_in_its_thread(
    store: Store, slack: SlackReceiver, bot: SlackSender
) -> None:
    _queue(store)
    stats = await deliver_due(store, bot)
    assert stats.sent == 1
    summary, details = slack.messages("chat.postMessage")
    assert summary["channel"] == "#api-changes" and "thread_ts" not in summary
    assert "Details in the thread" in _texts(summary)
    assert details["thread_ts"] == "1700000000.000001"
    assert "Breaks `GetUser`, `ListUsers`" in _texts(details)


async def test_bot_thread_reply_is_retried_without_reposting_the_summary(
    store: Store, slack: SlackReceiver, bot: SlackSender
) -> None:
    _queue(store)
    slack.fail(0)  # the summary goes through
    slack.fail(429, '{"ok": false, "error": "ratelimited"}', {"Retry-After": "0"})
    stats = await deliver_due(store, bot)
    assert stats.sent == 1
    summary, details = slack.messages("chat.postMessage")
    assert "thread_ts" not in summary and details["thread_ts"]


async def test_bot_with_a_bad_token_is_refused(
    store: Store, slack: SlackReceiver, slack_server: RunningServer
) -> None:
    _queue(store)
    sender = SlackSender(
        bot_token="xoxb-wrong-token-123456", channel="#x", base_url=slack_server.url_for("/api/")
    )
    stats = await deliver_due(store, sender)
    assert stats.retrying == 1
    assert "invalid_auth" in stats.errors[0] and "xoxb-wrong" not in stats.errors[0]


async def test_hostile_text_arrives_escaped(store: Store, slack: SlackReceiver, webhook: SlackSender) -> None:
    _queue(store, hostile_report())
    await deliver_due(store, webhook)
    [body] = slack.messages("webhook")
    text = _texts(body)
    assert "<!channel>" not in text and "<http://evil" not in text and "<script>" not in text
    assert "&lt;!channel&gt;" in text


async def test_nothing_due_does_nothing(store: Store, slack: SlackReceiver, webhook: SlackSender) -> None:
    stats = await deliver_due(store, webhook, now=datetime(2030, 1, 1, tzinfo=utcnow().tzinfo))
    assert (stats.sent, stats.retrying, stats.dead, stats.skipped) == (0, 0, 0, 0)
    assert slack.received == []


def test_a_sender_needs_a_destination() -> None:
    with pytest.raises(AlertError, match="webhook_url, or bot_token and channel"):
        SlackSender(bot_token=BOT_TOKEN)
