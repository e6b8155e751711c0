"""The introspection adapter against a real local server that misbehaves on demand."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import anyio
import httpx
import pytest

from monitor.adapters.http import RETRY_AFTER_CAP, parse_retry_after
from monitor.adapters.introspection import IntrospectionResult, introspect, introspect_url
from monitor.core.schema import schema_from_introspection
from monitor.errors import IntrospectionError
from monitor.settings.models import TargetConfig
from monitor.support.redact import register_secret
from tests.servers.faulty import FaultyApp

pytestmark = pytest.mark.anyio

CANARY = "canary-tok-9f8e7d"
URL = Callable[[str], str]


def target(url: str, **extra: Any) -> TargetConfig:
    return TargetConfig.model_validate({"name": "api", "url": url, "timeout": 2, "retries": 0, **extra})


async def fails(url: str, **options: Any) -> IntrospectionError:
    """The IntrospectionError that introspecting ``url`` raises (fast backoff)."""
    options.setdefault("retries", 0)
    options.setdefault("timeout", 2.0)
    with pytest.raises(IntrospectionError) as info:
        await introspect_url(url, name="api", backoff=0.01, **options)
    message = str(info.value)
    assert "\n" not in message
    return info.value


# --------------------------------------------------------------------------------------------- healthy


async def test_healthy_server_returns_the_full_schema(faulty: FaultyApp, url: URL) -> None:
    result = await introspect(target(url("/graphql"), headers={"X-Team": "platform"}))

    assert result.query_variant == "full"
    assert result.attempts == 1
    assert result.url == url("/graphql")
    assert result.response_bytes > 1000 and result.elapsed > 0
    schema = schema_from_introspection(result.introspection)
    assert schema.get_type("User") is not None
    types = {t["name"]: t for t in result.introspection["__schema"]["types"]}
    assert types["UserFilter"]["isOneOf"] is True
    [request] = faulty.requests_to("/graphql")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "gqlmon/0.1.0"
    assert request.headers["x-team"] == "platform"
    assert request.body["operationName"] == "IntrospectionQuery"
    assert "isOneOf" in request.body["query"]


async def test_a_caller_supplied_client_is_used_and_left_open(faulty: FaultyApp, url: URL) -> None:
    async with httpx.AsyncClient(headers={"X-Client": "mine"}) as client:
        result = await introspect(target(url("/graphql")), client=client)
        assert not client.is_closed
    assert result.query_variant == "full"
    assert faulty.requests_to("/graphql")[0].headers["x-client"] == "mine"


@pytest.mark.parametrize(
    ("path", "variant", "attempts"), [("/legacy", "spec-2021", 3), ("/ancient", "basic", 4)]
)
async def test_older_servers_get_an_older_query_variant(
    faulty: FaultyApp, url: URL, path: str, variant: str, attempts: int
) -> None:
    result = await introspect(target(url(path)))

    assert (result.query_variant, result.attempts) == (variant, attempts)
    assert faulty.counts[path] == attempts
    schema_from_introspection(result.introspection)


async def test_other_graphql_errors_fail_at_once_with_the_servers_message(
    faulty: FaultyApp, url: URL
) -> None:
    error = await fails(url("/disabled"))

    assert "GraphQL introspection is disabled" in str(error)
    assert str(error).startswith(f"api: {url('/disabled')}:")
    assert faulty.counts["/disabled"] == 1  # no variant fallback, no retry


# --------------------------------------------------------------------------------------------- retries


async def test_a_500_is_retried_and_then_succeeds(faulty: FaultyApp, url: URL) -> None:
    faulty.fail_times = 2
    result = await introspect(target(url("/flaky"), retries=2), backoff=0.01)

    assert result.attempts == 3
    assert faulty.counts["/flaky"] == 3


async def test_retries_are_bounded(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/unavailable"), retries=2)

    assert "HTTP 503" in str(error) and "after 3 attempts" in str(error)
    assert faulty.counts["/unavailable"] == 3


async def test_retry_after_is_honoured(faulty: FaultyApp, url: URL) -> None:
    faulty.retry_after = "0.3"
    started = time.monotonic()
    result = await introspect_url(url("/rate-limited"), retries=1, backoff=0.001)

    assert time.monotonic() - started >= 0.3
    assert result.attempts == 2


async def test_a_retry_after_beyond_the_deadline_fails_at_once(faulty: FaultyApp, url: URL) -> None:
    faulty.retry_after = "30"
    started = time.monotonic()
    error = await fails(url("/rate-limited"), retries=3, deadline=5.0)

    assert time.monotonic() - started < 1
    assert "HTTP 429 (rate limited) after 1 attempt;" in str(error)
    assert "waiting the 30s the server asked for (Retry-After) would pass the overall deadline" in str(error)


def test_retry_after_parsing() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(7.0)
    assert parse_retry_after(format_datetime(now, usegmt=True), now=now.timestamp() + 60) == 0.0
    assert parse_retry_after("3600") == RETRY_AFTER_CAP
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after("3600", cap=None) == 3600.0  # Slack's outbox waits as long as Slack asks
    assert parse_retry_after(["7", "9"]) == 7.0  # a header's values given as a list: the first counts


async def test_connection_refused_is_retried_then_reported() -> None:
    with anyio.fail_after(5):
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        await listener.aclose()  # nothing listens there any more
    error = await fails(f"http://127.0.0.1:{port}/graphql", retries=1)

    assert "cannot reach the server (ConnectError" in str(error) and "after 2 attempts" in str(error)


# --------------------------------------------------------------------------------------------- time


async def test_a_slow_server_times_out(faulty: FaultyApp, url: URL) -> None:
    started = time.monotonic()
    error = await fails(url("/slow"), timeout=0.2, retries=1)

    assert time.monotonic() - started < 1.5
    assert "no complete response within 0.2s after 2 attempts" in str(error)
    assert faulty.counts["/slow"] == 2


async def test_a_slow_drip_body_cannot_hold_the_check(faulty: FaultyApp, url: URL) -> None:
    started = time.monotonic()
    error = await fails(url("/drip"), timeout=0.3)  # every byte arrives well within the read timeout

    assert time.monotonic() - started < 1.5
    assert "no complete response within 0.3s" in str(error)


async def test_the_overall_deadline_bounds_all_attempts(faulty: FaultyApp, url: URL) -> None:
    started = time.monotonic()
    error = await fails(url("/slow"), timeout=0.3, retries=5, deadline=0.5)

    assert time.monotonic() - started < 1.5
    assert "overall deadline of 0.5s" in str(error)


# --------------------------------------------------------------------------------------------- bodies


async def test_garbage_bytes_are_not_json(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/garbage"))
    assert "HTTP 200 with a body that is not JSON" in str(error)
    assert "is the URL the GraphQL endpoint?" in str(error)


@pytest.mark.parametrize("status", [200, 404])
async def test_an_html_page_is_named_as_such(faulty: FaultyApp, url: URL, status: int) -> None:
    faulty.html_status = status
    error = await fails(url("/html"))
    assert f"got an HTML page (status {status}) instead of JSON — is the URL the GraphQL endpoint?" in str(
        error
    )


async def test_truncated_json_is_reported(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/truncated"))
    assert "the JSON response ends early (truncated after" in str(error)


@pytest.mark.parametrize("path", ["/oversized", "/oversized-chunked"])
async def test_the_size_cap_aborts_the_download(faulty: FaultyApp, url: URL, path: str) -> None:
    error = await fails(url(path), max_bytes=100_000)
    assert "exceeds max_response_bytes (100000 bytes)" in str(error)


async def test_a_body_under_the_cap_passes(faulty: FaultyApp, url: URL) -> None:
    result = await introspect(target(url("/graphql"), max_response_bytes=10_000_000))
    assert result.response_bytes < 10_000_000


async def test_a_partial_schema_is_refused(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/partial"))
    assert "unknown type: Query" in str(error) and "refusing a partial schema" in str(error)


async def test_a_schema_of_only_builtins_is_refused(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/builtins-only"))
    assert "no types besides introspection types and built-in scalars" in str(error)


async def test_a_json_nesting_bomb_is_refused(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/bomb"))
    assert "nested too deeply" in str(error)


async def test_a_redirect_says_where_to(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/redirect"))
    assert "HTTP 302 redirect to" in str(error) and "/graphql" in str(error)


async def test_a_404_without_json_points_at_the_url(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/no-such-path"))
    assert "HTTP 404 with a body that is not JSON" in str(error)


async def test_an_answer_without_a_schema_is_refused(faulty: FaultyApp, url: URL) -> None:
    error = await fails(url("/no-schema"))
    assert "no __schema object in the introspection result (found hello)" in str(error)


# --------------------------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(("path", "status"), [("/secure", 401), ("/html", 403)])
async def test_refused_credentials_name_the_target(
    faulty: FaultyApp, url: URL, path: str, status: int
) -> None:
    faulty.html_status = 403
    config = target(url(path), auth={"kind": "bearer", "token": "wrong-token-1234"})
    with pytest.raises(IntrospectionError) as info:
        await introspect(config)
    assert f"unauthorized (HTTP {status}" in str(info.value)
    assert str(info.value).endswith("): check the credentials of target api")
    assert "wrong-token-1234" not in str(info.value)
    assert faulty.counts[path] == 1  # not retried
    if status == 401:
        assert "the server said 'invalid or expired token'" in str(info.value)


def answering(status: int, body: bytes, content_type: str = "application/json") -> httpx.AsyncClient:
    """A client whose every request gets this answer (what real APIs send when they refuse a token)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


REFUSALS = [
    pytest.param(
        401,
        b'{"message":"Bad credentials","documentation_url":"https://docs.github.com/graphql"}',
        "unauthorized (HTTP 401, the server said 'Bad credentials')",
        id="github",
    ),
    pytest.param(
        401,
        b'{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}',
        "unauthorized (HTTP 401, the server said '[API] Invalid API key or access token (unrecognized",
        id="shopify",
    ),
    pytest.param(
        403,
        b"Forbidden: token " + CANARY.encode(),
        "unauthorized (HTTP 403, the server said 'Forbidden: token ***')",
        id="plain-text",
    ),
    pytest.param(401, b"<html><body>401</body></html>", "unauthorized (HTTP 401): check", id="html"),
    pytest.param(
        200,
        b'{"errors":[{"message":"You must be logged in","extensions":{"code":"UNAUTHENTICATED"}}]}',
        "unauthorized (HTTP 200, GraphQL error, the server said 'You must be logged in')",
        id="apollo-unauthenticated",
    ),
    pytest.param(
        200,
        b'{"errors":[{"message":"Unauthorized"}],"data":null}',
        "unauthorized (HTTP 200, GraphQL error, the server said 'Unauthorized')",
        id="graphql-unauthorized",
    ),
]


@pytest.mark.parametrize(("status", "body", "expected"), REFUSALS)
async def test_refused_credentials_are_unauthorized_with_the_servers_message_redacted(
    status: int, body: bytes, expected: str
) -> None:
    register_secret(CANARY)
    async with answering(status, body) as client:
        error = await fails("https://api.example.test/graphql", client=client, retries=2)
    message = str(error)
    assert message.startswith(f"api: https://api.example.test/graphql: {expected}")
    assert message.endswith(": check the credentials of target api")
    assert "unreachable" not in message and "cannot reach" not in message
    assert CANARY not in message


async def test_a_graphql_error_that_is_not_about_credentials_is_not_called_unauthorized() -> None:
    body = (
        b'{"errors":[{"message":"GraphQL introspection is not allowed, but the query contained __schema"}]}'
    )
    async with answering(200, body) as client:
        error = await fails("https://api.example.test/graphql", client=client)
    assert "unauthorized" not in str(error)
    assert "the server answered with GraphQL errors" in str(error)


async def test_secrets_never_leak(faulty: FaultyApp, url: URL, caplog: pytest.LogCaptureFixture) -> None:
    """The canary (a bearer token and a header) is in no message, log record or result."""
    headers = {"X-Api-Key": CANARY + "-header"}
    auth = {"kind": "bearer", "token": CANARY}
    faulty.valid_tokens = {CANARY}
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        result = await introspect(target(url("/secure"), headers=headers, auth=auth))
        texts.append(json.dumps(asdict(result), default=repr) + repr(result))
        texts.append(json.dumps(result.introspection))
        for path in ("/disabled", "/html", "/unavailable", "/redirect"):  # the first echoes the token
            with pytest.raises(IntrospectionError) as info:
                await introspect(target(url(path), headers=headers, auth=auth, retries=1), backoff=0.01)
            error: BaseException | None = info.value
            while error is not None:
                texts.append(f"{error!s} {error!r}")
                error = error.__cause__ or error.__context__
    texts.extend(record.getMessage() for record in caplog.records)
    texts.append(caplog.text)

    assert faulty.requests_to("/disabled")[0].headers["authorization"] == f"Bearer {CANARY}"
    assert any("disabled for token ***" in text for text in texts)
    assert not [text for text in texts if CANARY in text]


async def test_one_log_line_per_attempt(
    faulty: FaultyApp, url: URL, caplog: pytest.LogCaptureFixture
) -> None:
    faulty.fail_times = 1
    with caplog.at_level(logging.DEBUG, logger="monitor.introspection"):
        await introspect(target(url("/flaky"), retries=1), backoff=0.01)
    attempts = [r.getMessage() for r in caplog.records if "attempt=" in r.getMessage()]

    assert len(attempts) == 2
    assert "status=500" in attempts[0] and "status=200" in attempts[1]
    assert all("variant=full" in line and "ms=" in line and "bytes=" in line for line in attempts)


def test_the_result_is_a_frozen_value() -> None:
    result = IntrospectionResult({"__schema": {}}, "full", "http://x", 0.1, 10, 1)
    with pytest.raises(AttributeError):
        result.attempts = 2  # type: ignore[misc]
