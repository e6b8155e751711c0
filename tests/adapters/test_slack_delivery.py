"""What delivery promises, tried with the real slack-sdk against the local Slack receiver.

A sender killed between Slack's answer and ``mark_alert_sent`` used to post the alert twice on restart.
With a bot token the summary carries the dedupe key as message metadata, and an interrupted send looks it
up in the channel before posting: exactly once. With a webhook that is impossible: at least once, a
duplicate only when the process dies mid-send. The kill is simulated where it happens: an exception that
no handler catches (like SIGKILL, it skips every ``except Exception``) at the named step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.web import WebClient

from monitor.adapters import slack as slack_module
from monitor.adapters.slack import CLOCK_MARGIN, SlackSender, deliver_due
from monitor.adapters.store import NewAlert, RunRecord, Store, new_run_id, utcnow
from monitor.core.alert import METADATA_EVENT_TYPE, message_metadata, metadata_key
from tests.adapters.slack_receiver import BOT_TOKEN, CHANNELS, WEBHOOK_PATH, SlackReceiver
from tests.servers.demo import RunningServer

pytestmark = pytest.mark.anyio

KEY = "drift:demo:aaaa:bbbb:1"
PAYLOAD = {
    "version": 1,
    "message": {
        "text": "demo: 5 breaking",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "all"}}],
    },
    "summary": {
        "text": "demo: 5 breaking",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "sum"}}],
    },
    "details": [
        {"text": "Details 1", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "d1"}}]},
        {"text": "Details 2", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "d2"}}]},
    ],
}


class Killed(BaseException):
    """The process dies here (escapes every ``except Exception``, as SIGKILL escapes everything)."""


@pytest.fixture
def receiver() -> Iterator[tuple[SlackReceiver, RunningServer]]:
    fake = SlackReceiver()
    with RunningServer(fake) as server:
        yield fake, server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path}/state.db")
    now = utcnow()
    run = RunRecord(new_run_id(now), "demo", now, now, "changed", None, None, None, {"total": 5})
    assert opened.record_run(run, alerts=[NewAlert(KEY, "drift", PAYLOAD)]) == [KEY]
    try:
        yield opened
    finally:
        opened.close()


def bot(server: RunningServer, channel: str = "#api-changes") -> SlackSender:
    return SlackSender(bot_token=BOT_TOKEN, channel=channel, base_url=server.url_for("/api/"))


def webhook(server: RunningServer) -> SlackSender:
    return SlackSender(webhook_url=server.url_for(WEBHOOK_PATH))


def later(minutes: float = 10) -> datetime:
    """Past the claim hold (5 minutes) a killed sender leaves behind."""
    return utcnow() + timedelta(minutes=minutes)


async def die_at(
    monkeypatch: pytest.MonkeyPatch, target: object, name: str, store: Store, sender: SlackSender
) -> None:
    """Run one delivery round that dies when ``target.name`` is called; then undo the patch."""

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(target, name, killed)
        with pytest.raises(Killed):
            await deliver_due(store, sender)


def summaries(fake: SlackReceiver) -> list[dict[str, object]]:
    return [m for m in fake.messages("chat.postMessage") if not m.get("thread_ts")]


async def test_a_bot_alert_carries_its_dedupe_key_as_metadata_and_a_first_send_looks_nothing_up(
    receiver: tuple[SlackReceiver, RunningServer], store: Store
) -> None:
    fake, server = receiver
    stats = await deliver_due(store, bot(server))

    assert (stats.sent, stats.found) == (1, 0)
    (summary,) = summaries(fake)
    assert summary["metadata"] == {"event_type": METADATA_EVENT_TYPE, "event_payload": {"dedupe_key": KEY}}
    replies = [m for m in fake.messages("chat.postMessage") if m.get("thread_ts")]
    assert len(replies) == 2 and all("metadata" not in r for r in replies)  # only the summary is marked
    assert fake.messages("conversations.history") == []
    (posted,) = fake.posted()
    assert (posted["reply_count"], metadata_key(posted)) == (2, KEY)


async def test_killed_after_slacks_answer_the_bot_finds_its_post_and_does_not_post_again(
    receiver: tuple[SlackReceiver, RunningServer], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, server = receiver
    started = utcnow()
    await die_at(
        monkeypatch, store, "mark_alert_sent", store, bot(server)
    )  # Slack has it; the outbox does not
    (item,) = store.due_alerts(later())
    assert item.interrupted_at is not None and item.interrupted_at >= started - timedelta(seconds=1)
    posts_before = len(fake.messages("chat.postMessage"))

    stats = await deliver_due(store, bot(server), now=later())  # the restarted process, a fresh sender

    assert (stats.sent, stats.found, stats.retrying) == (1, 1, 0)
    assert len(fake.messages("chat.postMessage")) == posts_before == 3  # nothing posted again
    assert len(fake.posted()) == 1
    # The channel was configured by name: its id came from conversations.list, then history was read since
    # the interrupted attempt began (less the clock margin), with metadata.
    assert len(fake.messages("conversations.list")) == 1
    (lookup,) = fake.messages("conversations.history")
    assert lookup["channel"] == CHANNELS["api-changes"]
    assert lookup["include_all_metadata"] in ("1", "true")
    assert float(lookup["oldest"]) == pytest.approx(item.interrupted_at.timestamp() - CLOCK_MARGIN, abs=0.001)
    assert store.outbox_counts() == {"sent": 1}
    assert store.due_alerts(later(60)) == []


async def test_killed_between_the_summary_and_its_thread_the_thread_is_finished_once(
    receiver: tuple[SlackReceiver, RunningServer], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, server = receiver
    await die_at(monkeypatch, SlackSender, "_post_details", store, bot(server))
    assert len(fake.messages("chat.postMessage")) == 1  # the summary only

    stats = await deliver_due(store, bot(server, channel=CHANNELS["api-changes"]), now=later())

    assert (stats.sent, stats.found) == (1, 1)
    (parent,) = fake.posted()
    assert parent["reply_count"] == 2
    replies = [m for m in fake.messages("chat.postMessage") if m.get("thread_ts")]
    assert [r["thread_ts"] for r in replies] == [parent["ts"], parent["ts"]]
    assert fake.messages("conversations.list") == []  # the channel was given as an id


async def test_killed_before_slack_got_it_the_alert_is_posted_once(
    receiver: tuple[SlackReceiver, RunningServer], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, server = receiver
    await die_at(monkeypatch, SlackSender, "send_sync", store, bot(server))
    assert fake.messages("chat.postMessage") == []

    stats = await deliver_due(store, bot(server), now=later())

    assert (stats.sent, stats.found) == (1, 0)
    assert len(fake.messages("conversations.history")) == 1
    assert len(summaries(fake)) == 1 and len(fake.posted()) == 1


async def test_a_lookup_that_fails_keeps_the_alert_in_doubt_and_retries_without_posting(
    receiver: tuple[SlackReceiver, RunningServer], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, server = receiver
    await die_at(monkeypatch, store, "mark_alert_sent", store, bot(server, channel=CHANNELS["api-changes"]))
    fake.fail(503, '{"ok": false, "error": "service_unavailable"}')  # the history read fails once

    failed = await deliver_due(store, bot(server, channel=CHANNELS["api-changes"]), now=later())
    (item,) = store.due_alerts(later(60))

    assert (failed.sent, failed.retrying) == (0, 1)
    assert len(summaries(fake)) == 1  # not posted blind
    assert item.interrupted_at is not None  # still in doubt: the next attempt looks again
    retried = await deliver_due(store, bot(server, channel=CHANNELS["api-changes"]), now=later(60))
    assert (retried.sent, retried.found) == (1, 1)
    assert len(summaries(fake)) == 1


async def test_no_answer_from_chat_post_message_is_in_doubt_and_looked_up_next_time(
    receiver: tuple[SlackReceiver, RunningServer], store: Store
) -> None:
    fake, server = receiver
    fake.fail(500, '{"ok": false, "error": "internal_error"}')

    first = await deliver_due(store, bot(server))
    (item,) = store.due_alerts(later(60))
    second = await deliver_due(store, bot(server), now=later(60))

    assert first.retrying == 1 and item.interrupted_at is not None
    assert (second.sent, second.found) == (1, 0)
    assert len(fake.messages("conversations.history")) == 1  # looked before posting
    assert len(fake.posted()) == 1


async def test_without_the_history_scope_it_posts_again_and_says_a_duplicate_is_possible(
    receiver: tuple[SlackReceiver, RunningServer],
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, server = receiver
    await die_at(monkeypatch, store, "mark_alert_sent", store, bot(server, channel=CHANNELS["api-changes"]))
    fake.scopes = frozenset({"chat:write"})

    with caplog.at_level(logging.WARNING, logger=slack_module.__name__):
        stats = await deliver_due(store, bot(server, channel=CHANNELS["api-changes"]), now=later())

    assert (stats.sent, stats.found) == (1, 0)
    assert len(fake.posted()) == 2  # the documented fallback: better twice than never
    assert any("could not look for the interrupted post" in r.getMessage() and "missing_scope" in r.getMessage()
               for r in caplog.records)  # fmt: skip


async def test_a_webhook_alert_interrupted_after_slacks_answer_is_posted_again_at_least_once(
    receiver: tuple[SlackReceiver, RunningServer],
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, server = receiver
    await die_at(monkeypatch, store, "mark_alert_sent", store, webhook(server))

    with caplog.at_level(logging.WARNING, logger=slack_module.__name__):
        stats = await deliver_due(store, webhook(server), now=later())

    assert (stats.sent, stats.found) == (1, 0)
    assert len(fake.messages("webhook")) == 2  # what the README says: a duplicate only after a death mid-send
    assert any("at least once" in r.getMessage() for r in caplog.records)
    assert store.outbox_counts() == {"sent": 1}


async def test_a_failed_webhook_attempt_is_not_an_interrupted_one(
    receiver: tuple[SlackReceiver, RunningServer], store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    fake, server = receiver
    fake.fail(500)
    first = await deliver_due(store, webhook(server))
    (item,) = store.due_alerts(later(60))
    assert first.retrying == 1 and item.interrupted_at is None
    with caplog.at_level(logging.WARNING, logger=slack_module.__name__):
        assert (await deliver_due(store, webhook(server), now=later(60))).sent == 1
    assert not any("at least once" in r.getMessage() for r in caplog.records)
    assert len(fake.messages("webhook")) == 1


async def test_only_gqlmons_own_metadata_with_the_same_key_counts(
    receiver: tuple[SlackReceiver, RunningServer], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, server = receiver
    await die_at(monkeypatch, SlackSender, "send_sync", store, bot(server))
    client = WebClient(token=BOT_TOKEN, base_url=server.url_for("/api/"))
    # Someone else's message with the key under another event type, and gqlmon's post of another alert.
    client.chat_postMessage(
        channel="#api-changes",
        text="x",
        metadata={"event_type": "other", "event_payload": {"dedupe_key": KEY}},
    )
    client.chat_postMessage(channel="#api-changes", text="y", metadata=message_metadata("drift:demo:other"))

    stats = await deliver_due(store, bot(server), now=later())

    assert (stats.sent, stats.found) == (1, 0)
    assert [metadata_key(m) for m in fake.posted()] == [None, "drift:demo:other", KEY]
