"""SIGKILL of a real ``gqlmon check`` in the one window the outbox cannot close by itself: Slack has accepted
the alert and the process dies before ``mark_alert_sent``.

The local Slack receiver holds its answer after storing the message (``answer_delay``); the test kills the
process as soon as the message is in Slack, then lets a later sender deliver what is due (past the claim
hold). With a bot token the alert is found in the channel by its metadata: one message. With a webhook
nothing can be asked: the alert is posted again, the "at least once" the README states.
"""

from __future__ import annotations

import functools
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import anyio
import pytest

from monitor.adapters.slack import DeliveryStats, SlackSender, deliver_due
from monitor.adapters.store import Store, utcnow
from tests.adapters.slack_receiver import BOT_TOKEN, WEBHOOK_PATH, SlackReceiver
from tests.servers.demo import RunningServer as SlackServer
from tests.servers.faulty import FaultyApp, RunningServer


@pytest.fixture
def slack() -> Iterator[tuple[SlackReceiver, SlackServer]]:
    receiver = SlackReceiver(answer_delay=30.0)  # the kill comes long before the answer would
    with SlackServer(receiver) as server:
        yield receiver, server


def _config(root: Path, api: RunningServer, version: int, slack_table: str) -> Path:
    path = root / "monitor.toml"
    path.write_text(
        f'state = "sqlite:///{root}/state.db"\nreports_dir = "{root / "reports"}"\n'
        f'public_url = "https://ci.example.com/gqlmon"\n{slack_table}\n'
        f'[[targets]]\nname = "kill"\nurl = "{api.url(f"/rev/{version}")}"\nretries = 0\ntimeout = "5s"\n'
        'alert_on = "any"\n',
        encoding="utf-8",
    )
    return path


def _check(config: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "monitor", "-c", str(config), "check"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_once_slack_has_it(process: subprocess.Popen[bytes], accepted: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not accepted():
        assert process.poll() is None, (
            f"check ended before posting: {process.stderr and process.stderr.read()!r}"
        )
        assert time.monotonic() < deadline, "no alert reached Slack"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    if process.stderr is not None:
        process.stderr.close()


def _deliver_later(root: Path, sender: SlackSender) -> DeliveryStats:
    """The next process's delivery round, past the hold the killed claim left behind."""
    store = Store.open(f"sqlite:///{root}/state.db")
    try:
        (item,) = store.due_alerts(utcnow() + timedelta(minutes=10))
        assert item.interrupted_at is not None  # the store knows the send never finished
        stats = anyio.run(functools.partial(deliver_due, store, sender, now=utcnow() + timedelta(minutes=10)))
        assert store.outbox_counts() == {"sent": 1}
        return stats
    finally:
        store.close()


def _run_to_the_kill(root: Path, slack_table: str, accepted: Callable[[], bool]) -> None:
    with RunningServer(FaultyApp()) as api:
        baseline = _check(_config(root, api, 1, slack_table))
        assert baseline.wait(timeout=60) == 0
        if baseline.stderr is not None:
            baseline.stderr.close()
        _kill_once_slack_has_it(_check(_config(root, api, 2, slack_table)), accepted)


@pytest.mark.timeout(240)
def test_bot_mode_killed_after_slack_accepted_posts_the_alert_once(
    tmp_path: Path, slack: tuple[SlackReceiver, SlackServer]
) -> None:
    receiver, server = slack
    table = f'[slack]\nbot_token = "{BOT_TOKEN}"\nchannel = "#api-changes"\nbase_url = "{server.url_for("/api/")}"'

    _run_to_the_kill(tmp_path, table, lambda: len(receiver.posted()) == 1)
    receiver.answer_delay = 0.0
    stats = _deliver_later(
        tmp_path, SlackSender(bot_token=BOT_TOKEN, channel="#api-changes", base_url=server.url_for("/api/"))
    )

    assert (stats.sent, stats.found) == (1, 1)
    (message,) = receiver.posted()  # one alert in the channel, not two
    assert message["metadata"]["event_payload"]["dedupe_key"].startswith("drift:kill:")
    assert message.get("reply_count", 0) >= 1  # its details, posted into its thread after the restart
    assert len(receiver.messages("conversations.history")) == 1


@pytest.mark.timeout(240)
def test_webhook_mode_killed_after_slack_accepted_posts_it_again_at_least_once(
    tmp_path: Path, slack: tuple[SlackReceiver, SlackServer]
) -> None:
    receiver, server = slack
    url = server.url_for(WEBHOOK_PATH)

    _run_to_the_kill(
        tmp_path, f'[slack]\nwebhook_url = "{url}"', lambda: len(receiver.messages("webhook")) == 1
    )
    receiver.answer_delay = 0.0
    stats = _deliver_later(tmp_path, SlackSender(webhook_url=url))

    assert (stats.sent, stats.found) == (1, 0)
    first, second = receiver.messages("webhook")  # the documented duplicate: at least once
    assert first == second
