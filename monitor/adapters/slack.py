"""Slack delivery: posts queued alerts from the outbox, retries with backoff, marks them sent.

Two modes, with slack-sdk's synchronous clients run in a worker thread (its async clients need aiohttp):

- an incoming webhook (``WebhookClient``): one message with everything;
- a bot token and a channel (``WebClient.chat_postMessage``): the summary, then the details in a thread
  under it. Once the summary is posted the alert counts as delivered (re-posting it would duplicate it);
  the thread reply is retried a few times in place.

:func:`deliver_due` claims each due outbox item with a compare-and-set (two replicas never both send one),
sends it and marks it sent. A failure schedules the next attempt: ``Retry-After`` on HTTP 429, else
exponential backoff (30 s doubling to 15 min) for server and network errors, so an outage of hours loses
nothing; a refusal that will not change (a revoked webhook, a wrong token or channel, an invalid payload)
is retried a few times, then the item is marked dead with the reason.

Duplicates. The outbox records each send attempt before it starts (``claim_alert``) and clears it when the
attempt ends; an item that comes back due with the attempt still recorded was interrupted (the process
died between Slack's answer and ``mark_alert_sent``, or Slack never answered), and Slack may already show it.

- Bot token: the summary carries the dedupe key as message metadata
  (:func:`monitor.core.alert.message_metadata`). Before posting an interrupted alert again, the sender
  reads the channel's history since the interrupted attempt began (``conversations.history`` with
  ``include_all_metadata``, at most :data:`HISTORY_PAGES` pages of :data:`HISTORY_PAGE` messages) and, if
  the summary is there, posts only its missing thread replies and marks the alert sent: exactly once. A
  lookup that fails for a while keeps the alert in doubt and retries later; one Slack refuses for good (a
  missing ``channels:history`` scope) posts again, with a warning. Needs ``chat:write`` and
  ``channels:history`` (``groups:history`` for a private channel), and ``channels:read`` when ``channel``
  is a name rather than an id.
- Webhook: Slack cannot be asked what a webhook posted, so delivery is at least once: a duplicate only if
  the process dies mid-send.

Webhook URLs and tokens never appear in logs or errors: slack-sdk's own logger is silenced and every
error text passes through :func:`monitor.support.redact.redact`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio.to_thread
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse, WebClient
from slack_sdk.webhook import WebhookClient

from monitor.adapters.http import parse_retry_after
from monitor.adapters.store import OutboxItem, Store, utcnow
from monitor.core.alert import message_metadata, metadata_key
from monitor.errors import AlertError, MonitorError
from monitor.support.redact import redact

if TYPE_CHECKING:
    from monitor.settings.models import SlackConfig

log = logging.getLogger(__name__)
_sdk_log = logging.getLogger("monitor.slack.sdk")
_sdk_log.setLevel(logging.CRITICAL)  # slack-sdk logs request URLs (a webhook URL is a secret)
_sdk_log.propagate = False

# Errors Slack will keep returning for the same request: retry a little, then give up with the reason.
PERMANENT_ERRORS: Final = frozenset(
    {
        "invalid_token",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "no_service",
        "no_service_id",
        "no_team",
        "team_disabled",
        "channel_not_found",
        "channel_is_archived",
        "not_in_channel",
        "is_archived",
        "action_prohibited",
        "posting_to_general_channel_denied",
        "invalid_payload",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "missing_scope",
        "restricted_action",
    }
)


#: How far back an interrupted send is looked up: messages since its start (less this clock margin), in at
#: most HISTORY_PAGES pages of HISTORY_PAGE messages.
HISTORY_PAGES: Final = 5
HISTORY_PAGE: Final = 200
CLOCK_MARGIN: Final = 300.0
_LIST_PAGES: Final = 20
_CHANNEL_ID_RE: Final = re.compile(r"[CGD][A-Z0-9]{6,}")


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    error: str = ""
    status: int | None = None
    retry_after: float | None = None
    permanent: bool = False
    warnings: tuple[str, ...] = ()
    in_doubt: bool = False  # failed, yet Slack may have posted it (no answer; a lookup that could not tell)
    found: bool = False  # an interrupted send's message was found in the channel and not posted again


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: float = 30.0
    cap: float = 900.0
    max_attempts: int = 200  # transient failures: ~2 days at the 15-minute cap
    max_permanent_attempts: int = 3
    hold: float = 300.0  # how long a claimed item stays invisible to other senders

    def next_attempt(self, attempt: int, result: SendResult, now: datetime) -> datetime | None:
        """When to try again after failed attempt number ``attempt`` (1-based); ``None``: give up."""
        if result.permanent and attempt >= self.max_permanent_attempts:
            return None
        if attempt >= self.max_attempts:
            return None
        if result.retry_after is not None:
            return now + timedelta(seconds=min(max(result.retry_after, 1.0), 3600.0))
        return now + timedelta(seconds=min(self.base * 2 ** (attempt - 1), self.cap))


@dataclass(slots=True)
class DeliveryStats:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    skipped: int = 0  # claimed by another sender first
    found: int = 0  # of ``sent``: interrupted sends found already posted (bot mode), not posted again
    errors: list[str] = field(default_factory=list)


class SlackSender:
    """Posts alert payloads (as :func:`monitor.core.alert.decide_alerts` builds them) to Slack."""

    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        bot_token: str | None = None,
        channel: str | None = None,
        base_url: str | None = None,
        timeout: float = 10.0,
        detail_attempts: int = 3,
    ) -> None:
        if not webhook_url and not (bot_token and channel):
            raise AlertError("[slack] needs webhook_url, or bot_token and channel")
        self._secrets = tuple(s for s in (webhook_url, bot_token) if s)
        self.mode: Literal["webhook", "bot"] = "webhook" if webhook_url else "bot"
        self.channel = channel
        self._channel_id: str | None = None  # the channel's id, once known (history needs it, not a name)
        self.detail_attempts = detail_attempts
        if webhook_url:
            self._webhook: WebhookClient | None = WebhookClient(
                webhook_url, timeout=int(timeout), logger=_sdk_log, retry_handlers=[]
            )
            self._web: WebClient | None = None
        else:
            self._webhook = None
            self._web = WebClient(
                token=bot_token,
                base_url=base_url or WebClient.BASE_URL,
                timeout=int(timeout),
                logger=_sdk_log,
                retry_handlers=[],
            )

    @classmethod
    def from_config(cls, config: SlackConfig, *, timeout: float = 10.0) -> SlackSender:
        """The sender for ``[slack]``. A secret whose environment variable is not set does not fail here
        (most runs post nothing): :meth:`require` raises, naming the variable, once something is due."""
        from monitor.settings.envrefs import MissingEnvError, require_env

        try:
            require_env(config)
        except MissingEnvError as exc:
            return _UnsetSender(exc)
        return cls(
            webhook_url=config.webhook_url.get_secret_value() if config.webhook_url else None,
            bot_token=config.bot_token.get_secret_value() if config.bot_token else None,
            channel=config.channel,
            base_url=str(config.base_url) if config.base_url else None,
            timeout=timeout,
        )

    def require(self) -> None:
        """Raise when this sender cannot post at all (:class:`~monitor.settings.envrefs.MissingEnvError`)."""

    async def send(
        self, payload: dict[str, Any], *, key: str | None = None, interrupted_at: datetime | None = None
    ) -> SendResult:
        return await anyio.to_thread.run_sync(
            lambda: self.send_sync(payload, key=key, interrupted_at=interrupted_at)
        )

    def send_sync(
        self, payload: dict[str, Any], *, key: str | None = None, interrupted_at: datetime | None = None
    ) -> SendResult:
        """Post one alert. ``key``: its dedupe key (bot mode marks the summary with it); ``interrupted_at``:
        when an earlier attempt began that never finished (bot mode looks for its message first)."""
        try:
            if self._webhook is not None:
                return self._send_webhook(self._webhook, payload["message"])
            assert self._web is not None
            summary, details = payload["summary"], payload.get("details") or []
            if key is not None and interrupted_at is not None:
                return self._resume_bot(self._web, summary, details, key, interrupted_at)
            return self._send_bot(self._web, summary, details, key)
        except (KeyError, TypeError) as exc:
            return SendResult(False, f"invalid alert payload: missing {exc}", permanent=True)

    def _send_webhook(self, client: WebhookClient, message: dict[str, Any]) -> SendResult:
        try:
            response = client.send(
                text=message["text"], blocks=message["blocks"], unfurl_links=False, unfurl_media=False
            )
        except Exception as exc:  # urllib raises URLError, TimeoutError, ConnectionError, ...
            return SendResult(False, self._clean(f"webhook: {type(exc).__name__}: {exc}"))
        body = (response.body or "").strip()
        if response.status_code == 200 and body in ("ok", ""):
            return SendResult(True, status=200)
        return self._failure("webhook", response.status_code, body, dict(response.headers or {}))

    def _resume_bot(
        self,
        client: WebClient,
        summary: dict[str, Any],
        details: list[dict[str, Any]],
        key: str,
        interrupted_at: datetime,
    ) -> SendResult:
        """An interrupted alert: if its summary is in the channel, finish its thread; else post it."""
        found = self._find_posted(client, key, interrupted_at)
        if isinstance(found, SendResult):  # the lookup failed
            if not found.permanent:
                return found
            warning = f"could not look for the interrupted post ({found.error}): posted again, maybe twice"
            result = self._send_bot(client, summary, details, key)
            return SendResult(
                result.ok, result.error, result.status, result.retry_after, result.permanent,
                (warning, *result.warnings), result.in_doubt,
            )  # fmt: skip
        if found is None:
            return self._send_bot(client, summary, details, key)
        ts, replies = found
        warnings = [] if replies or not details else self._post_details(client, details, ts)
        return SendResult(True, status=200, warnings=tuple(warnings), found=True)

    def _find_posted(
        self, client: WebClient, key: str, since: datetime
    ) -> tuple[str, int] | SendResult | None:
        """(ts, reply count) of the message marked with ``key`` posted since ``since`` (within the bound),
        ``None`` when there is none, or the failure that kept us from knowing."""
        channel = self._resolve_channel(client)
        if isinstance(channel, SendResult):
            return channel
        oldest = f"{since.timestamp() - CLOCK_MARGIN:.6f}"
        pages = self._pages(
            "conversations.history",
            client.conversations_history,
            HISTORY_PAGES,
            channel=channel,
            oldest=oldest,
            limit=HISTORY_PAGE,
            include_all_metadata=True,
        )
        for page in pages:
            if isinstance(page, SendResult):
                return page
            for message in page.get("messages") or ():
                if isinstance(message, dict) and metadata_key(message) == key:
                    return str(message.get("ts") or ""), int(message.get("reply_count") or 0)
            if not page.get("has_more"):
                return None
        log.warning(
            "alert %s: not among the last %d messages; posting it again", key, HISTORY_PAGES * HISTORY_PAGE
        )
        return None

    def _resolve_channel(self, client: WebClient) -> str | SendResult:
        """The configured channel's id: given as one, learnt from a post, or looked up by name."""
        if self._channel_id is not None:
            return self._channel_id
        name = (self.channel or "").strip().lstrip("#")
        if _CHANNEL_ID_RE.fullmatch(name):
            self._channel_id = name
            return name
        pages = self._pages(
            "conversations.list",
            client.conversations_list,
            _LIST_PAGES,
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=1000,
        )
        for page in pages:
            if isinstance(page, SendResult):
                return page
            for channel in page.get("channels") or ():
                if isinstance(channel, dict) and channel.get("name") == name and channel.get("id"):
                    self._channel_id = str(channel["id"])
                    return self._channel_id
        return SendResult(
            False, f"conversations.list: no channel named {name!r}", permanent=True, in_doubt=True
        )

    def _send_bot(
        self,
        client: WebClient,
        summary: dict[str, Any],
        details: list[dict[str, Any]],
        key: str | None = None,
    ) -> SendResult:
        result, ts = self._post(client, summary, None, message_metadata(key) if key else None)
        if not result.ok or ts is None:
            return result
        warnings = self._post_details(client, details, ts)
        return SendResult(True, status=200, warnings=tuple(warnings))

    def _post_details(self, client: WebClient, details: list[dict[str, Any]], ts: str) -> list[str]:
        """Post the detail messages in the summary's thread, each retried in place; the warnings."""
        warnings: list[str] = []
        for detail in details:
            for attempt in range(1, self.detail_attempts + 1):
                sent, _ = self._post(client, detail, ts)
                if sent.ok:
                    break
                if sent.permanent or attempt == self.detail_attempts:
                    warnings.append(f"thread reply not posted: {sent.error}")
                    break
                time.sleep(min(sent.retry_after if sent.retry_after is not None else 0.5 * attempt, 5.0))
        return warnings

    def _post(
        self,
        client: WebClient,
        message: dict[str, Any],
        thread_ts: str | None,
        metadata: dict[str, Any] | None = None,
    ) -> tuple[SendResult, str | None]:
        response = self._call(
            "chat.postMessage",
            partial(
                client.chat_postMessage,
                channel=self._channel_id or self.channel or "",
                text=message["text"],
                blocks=message["blocks"],
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            ),
        )
        if isinstance(response, SendResult):
            return response, None
        if isinstance(response.get("channel"), str) and response["channel"]:
            self._channel_id = response["channel"]  # the id behind a "#name": history lookups need it
        return SendResult(True, status=200), str(response.get("ts") or "") or None

    def _pages(
        self, what: str, method: Callable[..., SlackResponse], pages: int, **arguments: Any
    ) -> Iterator[SlackResponse | SendResult]:
        """Up to ``pages`` pages of a paginated lookup, following Slack's cursor; a failure (in doubt:
        we could not look) is the last item."""
        cursor: str | None = None
        for _ in range(pages):
            page = self._call(what, partial(method, cursor=cursor, **arguments), in_doubt=True)
            yield page
            if isinstance(page, SendResult):
                return
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return

    def _call(
        self, what: str, call: Callable[[], SlackResponse], *, in_doubt: bool = False
    ) -> SlackResponse | SendResult:
        """Slack's answer to ``call``, or the failure. Without an answer the outcome is always in doubt
        (a post may have happened); an error answer is in doubt when ``in_doubt`` (a lookup that could not
        look) or on a 5xx."""
        try:
            return call()
        except SlackApiError as exc:
            return self._api_failure(what, exc, in_doubt=in_doubt)
        except Exception as exc:
            return SendResult(False, self._clean(f"{what}: {type(exc).__name__}: {exc}"), in_doubt=True)

    def _api_failure(self, what: str, exc: SlackApiError, *, in_doubt: bool = False) -> SendResult:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = str(data.get("error") or "")
        result = self._failure(what, exc.response.status_code, error, exc.response.headers)
        if in_doubt or result.status is None or result.status >= 500:  # a 5xx may have done the work
            return SendResult(
                False, result.error, result.status, result.retry_after, result.permanent, in_doubt=True
            )
        return result

    def _failure(self, what: str, status: int, error: str, headers: dict[str, Any]) -> SendResult:
        retry_after = _retry_after(headers) if status == 429 or error == "ratelimited" else None
        code = error.split()[0].strip(".") if error else ""
        permanent = code in PERMANENT_ERRORS or (400 <= status < 500 and status not in (408, 429))
        text = self._clean(f"{what}: HTTP {status}{' ' + error[:200] if error else ''}")
        return SendResult(False, text, status=status, retry_after=retry_after, permanent=permanent)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return redact(text)


def _retry_after(headers: dict[str, Any]) -> float:
    """Slack's ``Retry-After`` (uncapped: the outbox waits as long as Slack asks), 30 s when it gives none."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    seconds = parse_retry_after(value, cap=None)
    return 30.0 if seconds is None else seconds


class _UnsetSender(SlackSender):
    """``[slack]`` whose webhook or bot token references an unset variable: posts nothing, and says so
    when an alert is due (before claiming it, so the alert stays queued with its attempts untouched)."""

    def __init__(self, missing: MonitorError) -> None:  # no client, and no super(): there is no secret
        self.missing = missing
        self._secrets = ()
        self.mode = "webhook"
        self.channel = None
        self.detail_attempts = 0
        self._webhook = None
        self._web = None

    def require(self) -> None:
        raise self.missing

    def send_sync(
        self, payload: dict[str, Any], *, key: str | None = None, interrupted_at: datetime | None = None
    ) -> SendResult:
        return SendResult(False, str(self.missing))


async def deliver_due(
    store: Store,
    sender: SlackSender,
    *,
    now: datetime | None = None,
    retry: RetryPolicy | None = None,
    limit: int = 20,
) -> DeliveryStats:
    """Send every alert due at ``now``; return what happened. Safe to run in several replicas at once."""
    retry = retry or RetryPolicy()
    now = now or utcnow()
    stats = DeliveryStats()
    items = await anyio.to_thread.run_sync(lambda: store.due_alerts(now, limit))
    if items:
        sender.require()
    for item in items:
        await _deliver_one(store, sender, item, now, retry, stats)
    return stats


async def _deliver_one(
    store: Store,
    sender: SlackSender,
    item: OutboxItem,
    now: datetime,
    retry: RetryPolicy,
    stats: DeliveryStats,
) -> None:
    hold = timedelta(seconds=retry.hold)
    claimed = await anyio.to_thread.run_sync(store.claim_alert, item.id, item.attempts, hold)
    if not claimed:
        stats.skipped += 1
        return
    attempt = item.attempts + 1
    context = {"target": item.target, "run_id": item.run_id, "alert": item.kind, "attempt": attempt}
    if item.interrupted_at is not None and sender.mode == "webhook":
        log.warning(
            "alert %s: an earlier send was interrupted; a webhook cannot tell whether Slack has it, "
            "so it is posted again (at least once)",
            item.dedupe_key,
            extra=context,
        )
    result = await sender.send(item.payload, key=item.dedupe_key, interrupted_at=item.interrupted_at)
    if result.ok:
        await anyio.to_thread.run_sync(store.mark_alert_sent, item.id)
        stats.sent += 1
        stats.found += result.found
        for warning in result.warnings:
            log.warning("alert %s: %s", item.dedupe_key, warning, extra=context)
        if result.found:
            log.info(
                "alert %s was already in Slack (interrupted send): not posted again",
                item.dedupe_key,
                extra=context,
            )
        else:
            log.info("alert %s sent to Slack", item.dedupe_key, extra=context)
        return
    retry_at = retry.next_attempt(attempt, result, now)
    in_doubt = result.in_doubt and sender.mode == "bot"
    await anyio.to_thread.run_sync(
        lambda: store.mark_alert_failed(item.id, result.error, retry_at, in_doubt=in_doubt)
    )
    stats.errors.append(f"{item.dedupe_key}: {result.error}")
    if retry_at is None:
        stats.dead += 1
        log.error(
            "alert %s given up after %d attempts: %s", item.dedupe_key, attempt, result.error, extra=context
        )
    else:
        stats.retrying += 1
        log.warning(
            "alert %s not delivered (%s); next attempt at %s",
            item.dedupe_key,
            result.error,
            retry_at.isoformat(timespec="seconds"),
            extra=context,
        )
