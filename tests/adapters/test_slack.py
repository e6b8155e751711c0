"""The real slack-sdk clients against a local stand-in for Slack (webhook and Web API) on 127.0.0.1:
what a drift alert posts, bot mode's thread, 429 then success, and exactly-once delivery from the outbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from monitor.adapters.slack import SlackSender, deliver_due
from monitor.adapters.store import Store
from monitor.core.alert import AlertPolicy, decide_alerts
from monitor.core.report.blocks import MAX_BLOCKS, MAX_SECTION
from monitor.runtime.service import run_check
from monitor.settings.loading import load_settings
from tests.servers.demo import DemoServer, RunningServer

pytestmark = pytest.mark.anyio

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "demo"
HOOK = "/services/T000/B000/webhook-canary-secret"
TOKEN = "xoxb-canary-bot-token"


@dataclass
class FakeSlack:
    """Raw ASGI: ``POST HOOK`` (incoming webhook) and ``POST /api/chat.postMessage`` (Web API)."""

    rate_limited: int = 0  # answer this many requests with 429 first
    posts: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self.lock:
            self.requests += 1
            limited = self.rate_limited > 0
            self.rate_limited -= 1 if limited else 0
        if limited:
            await _answer(send, 429, b"rate_limited", [(b"retry-after", b"1")])
            return
        if scope["path"] == HOOK:
            self.posts.append({"via": "webhook", **json.loads(body)})
            await _answer(send, 200, b"ok")
            return
        if scope["path"] == "/api/chat.postMessage":
            if headers.get("authorization") != f"Bearer {TOKEN}":
                await _answer(send, 200, json.dumps({"ok": False, "error": "invalid_auth"}).encode())
                return
            if "json" in headers.get("content-type", ""):
                data = json.loads(body)
            else:
                data = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                data["blocks"] = json.loads(data.get("blocks", "[]"))
            ts = f"1700000000.{len(self.posts):06d}"
            self.posts.append({"via": "bot", "ts": ts, **data})
            await _answer(
                send, 200, json.dumps({"ok": True, "ts": ts, "channel": data.get("channel")}).encode()
            )
            return
        await _answer(send, 404, b"no_service")


async def _answer(
    send: Any, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def slack() -> Iterator[tuple[FakeSlack, RunningServer]]:
    fake = FakeSlack()
    with RunningServer(fake) as server:
        yield fake, server


async def drifted_store(demo_api: DemoServer, tmp_path: Path, slack_table: str) -> tuple[Any, Store]:
    """A state with the demo's v1 -> v2 drift checked and its alert queued in the outbox."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'state = "sqlite:///{tmp_path}/state.db"\nreports_dir = "{tmp_path}/reports"\n'
        f'public_url = "https://ci.example.com/gqlmon"\n{slack_table}\n'
        f'[[targets]]\nname = "demo"\nurl = "{demo_api.graphql_url}"\ncontracts = "{CONTRACTS}"\n'
    )
    settings = load_settings(config, env={})
    store = Store.open(settings.state)
    await run_check(settings, settings.targets[0], store)
    demo_api.switch(version="v2")
    await run_check(settings, settings.targets[0], store)
    return settings, store


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(out)


async def test_webhook_posts_the_drift_once_even_after_a_429(
    demo_api: DemoServer, tmp_path: Path, slack: tuple[FakeSlack, RunningServer]
) -> None:
    fake, server = slack
    fake.rate_limited = 1
    settings, store = await drifted_store(
        demo_api, tmp_path, f'[slack]\nwebhook_url = "{server.url_for(HOOK)}"'
    )
    try:
        assert settings.slack is not None
        sender = SlackSender.from_config(settings.slack)
        first = await deliver_due(store, sender)
        assert (first.sent, first.retrying) == (0, 1)  # 429: kept for later, not lost
        assert fake.posts == [] and store.due_alerts() == []  # and not due before its Retry-After
        second = await deliver_due(store, sender, now=_in(seconds=5))
        assert second.sent == 1
        again = await deliver_due(store, sender, now=_in(seconds=3600))
        assert (again.sent, again.retrying) == (0, 0)  # nothing left: delivered exactly once
    finally:
        store.close()

    assert len(fake.posts) == 1
    post = fake.posts[0]
    body = texts(post["blocks"])
    assert "demo: 5 saved operations broken · 5 breaking changes" in post["text"]
    for change in [
        "Field 'commitHash' was removed from object type 'Run'",
        "`User.email`",
        "argument 'first' on field 'Query.stacks'",
        "Field 'Run.triggeredBy' changed type",
    ]:
        assert change in body
    # Each broken operation comes first, with the change that explains it.
    assert body.index("Saved operations broken (5)") < body.index("Breaking changes no saved operation uses")
    for name in ("RecentRuns", "RunCommits"):
        after = body[body.index(f"`{name}`") :]
        assert "caused by *Field 'commitHash' was removed from object type 'Run'*" in after.split("\n•")[0]
    assert "<https://ci.example.com/gqlmon/demo/" in body  # the link to the HTML report
    assert len(post["blocks"]) <= MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= MAX_SECTION for b in post["blocks"])
    assert HOOK not in json.dumps(post)


async def test_bot_mode_posts_the_summary_and_the_details_in_its_thread(
    demo_api: DemoServer, tmp_path: Path, slack: tuple[FakeSlack, RunningServer]
) -> None:
    fake, server = slack
    table = f'[slack]\nbot_token = "{TOKEN}"\nchannel = "#api-changes"\nbase_url = "{server.url}/api/"'
    settings, store = await drifted_store(demo_api, tmp_path, table)
    assert settings.slack is not None
    try:
        stats = await deliver_due(store, SlackSender.from_config(settings.slack))
    finally:
        store.close()

    assert stats.sent == 1
    summary, *details = fake.posts
    assert summary["channel"] == "#api-changes" and not summary.get("thread_ts")
    assert details and all(d["thread_ts"] == summary["ts"] for d in details)
    assert "5 breaking" in summary["text"]
    assert "Field 'commitHash' was removed" in "\n".join(texts(d["blocks"]) for d in details)


def test_a_description_cannot_ping_the_channel_or_forge_a_link() -> None:
    from tests.core.report.fixtures import hostile_report  # a run whose API text is hostile

    report = hostile_report()
    planned = decide_alerts(
        report, AlertPolicy(), consecutive_failures=0, previous_outcome="changed", public_url=None
    )
    payload = json.dumps(planned[0][2])
    assert "<!channel>" not in payload and "<!here>" not in payload
    assert "<https://evil.example" not in payload


def _in(*, seconds: float) -> Any:
    from datetime import timedelta

    from monitor.adapters.store import utcnow

    return utcnow() + timedelta(seconds=seconds)
