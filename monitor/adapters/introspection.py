"""Fetch a target's introspection result over HTTP, refusing anything that is not a complete schema.

:func:`introspect` (a configured target) and :func:`introspect_url` (a one-off URL) POST the
introspection query and return an :class:`IntrospectionResult`, or raise
:class:`~monitor.errors.IntrospectionError` (one line naming the target and URL, never a header value)
or :class:`~monitor.errors.AuthError` (credentials could not be obtained or were refused twice).

* Variants: :data:`~monitor.core.schema.QUERY_VARIANTS` are tried in order; a server that rejects a
  newer meta-field (``isOneOf``, ``includeDeprecated`` on arguments, ``specifiedByURL``, ...) gets the
  next one, and the variant that worked is recorded. Any other GraphQL error is final.
* Time: each attempt (connect to last body byte) is bounded by ``timeout``, the whole call by
  ``deadline``, so a slow-drip server cannot hold a check forever.
* Retries: network errors, timeouts, 5xx and 429 are retried ``retries`` times with exponential
  backoff and jitter (``Retry-After`` honoured, capped at :data:`RETRY_AFTER_CAP`). Other 4xx are final.
* Size: the body is streamed and abandoned as soon as it exceeds ``max_bytes``.
* Same body: given ``known_body`` (the sha256 of a body that passed every check before), a 200 answer
  whose bytes hash equal to it is neither parsed nor checked again (:attr:`IntrospectionResult.same_body`;
  :attr:`~IntrospectionResult.introspection` parses it on first use).
* Build: with ``build=True`` (the default) the schema is built once to refuse an unbuildable one; a caller
  that builds it anyway passes ``build=False`` and calls :meth:`IntrospectionResult.build_schema`, which
  refuses it with the same error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

import anyio
import httpx

from monitor.adapters.auth import build_auth
from monitor.adapters.http import (
    RETRY_AFTER_CAP,
    ResponseTooLarge,
    new_client,
    parse_retry_after,
    read_capped,
    user_agent,
)
from monitor.core.schema import (
    QUERY_VARIANTS,
    QueryVariant,
    loads_document,
    schema_from_introspection,
    shape_problem,
    unwrap_introspection,
)
from monitor.errors import IntrospectionError, SchemaError
from monitor.settings.models import TargetConfig
from monitor.support.redact import is_sensitive_header, redact, register_secret

if TYPE_CHECKING:
    from graphql import GraphQLSchema

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IntrospectionResult",
    "introspect",
    "introspect_url",
    "shape_problem",
]

log = logging.getLogger("monitor.introspection")

DEFAULT_MAX_BYTES: Final = 50 * 1024 * 1024
BACKOFF_BASE: Final = 0.5
BACKOFF_CAP: Final = 10.0
_MAX_MESSAGE: Final = 200
_BUILTIN_SCALARS: Final = frozenset({"String", "Int", "Float", "Boolean", "ID"})
# Meta-fields and arguments newer than some servers; an error naming one of them means "try an older query".
_META_NAMES: Final = frozenset(
    {"isoneof", "includedeprecated", "specifiedbyurl", "isrepeatable", "isdeprecated", "description"}
)
_REJECTION_WORDS: Final = ("cannot query", "unknown", "not defined", "does not exist", "doesn't exist")
_AUTH_CODES: Final = frozenset({"UNAUTHENTICATED", "UNAUTHORIZED", "FORBIDDEN", "AUTHENTICATION_ERROR"})
_AUTH_MESSAGE: Final = re.compile(
    r"(?i)\b(?:unauthori[sz]ed|unauthenticated|not authenticated|authentication required|bad credentials"
    r"|invalid (?:api key|access token|credentials))\b"
)


@dataclass(frozen=True, eq=False)
class IntrospectionResult:
    """A complete introspection result and how it was obtained."""

    query_variant: str
    url: str
    elapsed: float
    response_bytes: int
    attempts: int
    body_sha256: str  # of the response body's bytes
    same_body: bool = False  # the bytes hash equal to ``known_body``: not parsed or checked again
    body: bytes = field(default=b"", repr=False)
    checked: dict[str, Any] | None = field(default=None, repr=False)  # the parsed, checked result
    where: str = ""  # "name: url", for messages

    @cached_property
    def introspection(self) -> dict[str, Any]:
        """``{"__schema": ...}`` (parsed here, on first use, when the body was the known one)."""
        if self.checked is not None:
            return self.checked
        return unwrap_introspection(loads_document(self.body), source=self.where)

    def build_schema(self) -> GraphQLSchema:
        """The graphql-core schema; an unbuildable one is refused as ``introspect(build=True)`` does."""
        try:
            # a checked result passed shape_problem already; a known body did, the time it was checked
            return schema_from_introspection(self.introspection, source=self.where, shape_checked=True)
        except SchemaError as exc:
            raise _partial(exc) from None


async def introspect(
    target: TargetConfig,
    *,
    client: httpx.AsyncClient | None = None,
    auth: httpx.Auth | None = None,
    backoff: float = BACKOFF_BASE,
    deadline: float | None = None,
    known_body: str | None = None,
    build: bool = True,
) -> IntrospectionResult:
    """Introspect a configured target with its headers, auth, timeout, retries and size cap.

    Pass the same ``auth`` (from :func:`~monitor.adapters.auth.build_auth`) on every check of a target so
    exchanged tokens are reused; without one a fresh auth is built for this call.
    """
    return await introspect_url(
        str(target.url),
        name=target.name,
        headers=target.header_values(),
        auth=auth if auth is not None else build_auth(target),
        timeout=target.timeout,
        retries=target.retries,
        max_bytes=target.max_response_bytes,
        verify=target.verify_tls,
        client=client,
        backoff=backoff,
        deadline=deadline,
        known_body=known_body,
        build=build,
    )


async def introspect_url(
    url: str,
    *,
    name: str | None = None,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | None = None,
    timeout: float = 30.0,  # noqa: ASYNC109 - per attempt; the whole call is bounded by `deadline`
    retries: int = 3,
    max_bytes: int = DEFAULT_MAX_BYTES,
    verify: bool = True,
    client: httpx.AsyncClient | None = None,
    backoff: float = BACKOFF_BASE,
    deadline: float | None = None,
    variants: Sequence[QueryVariant] = QUERY_VARIANTS,
    known_body: str | None = None,
    build: bool = True,
) -> IntrospectionResult:
    """Introspect ``url`` (the lower level of :func:`introspect`; also for one-off URLs).

    ``name`` labels messages and logs (default: the URL's host). ``timeout`` bounds each attempt;
    ``deadline`` bounds the whole call and defaults to room for every attempt and one long Retry-After.
    ``backoff`` is the first retry's delay (doubled per retry, with jitter). ``known_body`` and
    ``build``: see the module's docstring.
    """
    headers = dict(headers or {})
    for key, value in headers.items():
        if is_sensitive_header(key):
            register_secret(value)
    if deadline is None:
        deadline = timeout * (retries + len(variants)) + RETRY_AFTER_CAP
    label = name or httpx.URL(url).host or "target"
    fetch = _Fetch(
        url, label, headers, auth, timeout, retries, max_bytes, backoff, deadline, variants, known_body, build
    )
    if client is not None:
        return await fetch.run(client)
    async with new_client(timeout=timeout, verify=verify) as own:
        return await fetch.run(own)


# --------------------------------------------------------------------------------------------- internals


class _Transient(Exception):
    """A failure worth retrying (network, timeout, 5xx, 429)."""

    def __init__(self, summary: str, retry_after: float | None = None) -> None:
        super().__init__(summary)
        self.summary, self.retry_after = summary, retry_after


class _Unsupported(Exception):
    """The server rejected a meta-field of this query variant: try the next one."""


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    headers: httpx.Headers
    body: bytes


@dataclass
class _Fetch:
    """One introspection call: variants, retries and deadline around single attempts."""

    url: str
    name: str
    extra_headers: dict[str, str]
    auth: httpx.Auth | None
    timeout: float
    retries: int
    max_bytes: int
    backoff: float
    deadline: float
    variants: Sequence[QueryVariant]
    known_body: str | None = None
    build: bool = True
    attempts: int = 0

    def __post_init__(self) -> None:
        self.shown = _safe_url(self.url)
        self.where = f"{self.name}: {self.shown}"
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/graphql-response+json, application/json;q=0.9",
            "User-Agent": user_agent(),
            **self.extra_headers,
        }

    async def run(self, client: httpx.AsyncClient) -> IntrospectionResult:
        start = anyio.current_time()
        try:
            with anyio.fail_after(self.deadline):
                return await self._loop(client, start)
        except TimeoutError:
            raise IntrospectionError(
                f"{self.where}: gave up after the overall deadline of {self.deadline:g}s "
                f"({_attempts(self.attempts)}); check the server or raise the target's timeout"
            ) from None

    async def _loop(self, client: httpx.AsyncClient, start: float) -> IntrospectionResult:
        index, failures = 0, 0
        while True:
            variant = self.variants[index]
            try:
                reply = await self._attempt(client, variant)
                digest = hashlib.sha256(reply.body).hexdigest()
                same = reply.status == 200 and digest == self.known_body
                intro = None if same else self._interpret(reply)
            except _Transient as exc:
                failures += 1
                if failures > self.retries:
                    raise IntrospectionError(
                        f"{self.where}: {exc.summary} after {_attempts(self.attempts)}; "
                        "check the server and the network, or try again later"
                    ) from None
                delay = exc.retry_after if exc.retry_after is not None else self._backoff(failures)
                left = self.deadline - (anyio.current_time() - start)
                if delay >= left:
                    wait = "another attempt"
                    if exc.retry_after is not None:
                        wait = f"waiting the {delay:g}s the server asked for (Retry-After)"
                    raise IntrospectionError(
                        f"{self.where}: {exc.summary} after {_attempts(self.attempts)}; {wait} would pass "
                        f"the overall deadline ({max(left, 0):.1f}s left); try again later"
                    ) from None
                await anyio.sleep(delay)
                continue
            except _Unsupported as exc:
                index += 1
                if index == len(self.variants):
                    raise IntrospectionError(
                        f"{self.where}: the server rejected every introspection query variant "
                        f"(last error: {exc}); check that it supports introspection"
                    ) from None
                log.info("%s: query variant %s rejected (%s); trying the next", self.name, variant.name, exc)
                continue
            elapsed = anyio.current_time() - start
            log.info(
                "introspected %s: variant=%s attempts=%d bytes=%d ms=%.0f",
                self.name,
                variant.name,
                self.attempts,
                len(reply.body),
                elapsed * 1000,
            )
            return IntrospectionResult(
                variant.name,
                self.shown,
                elapsed,
                len(reply.body),
                self.attempts,
                digest,
                same_body=same,
                body=reply.body if same else b"",
                checked=intro,
                where=self.where,
            )

    def _backoff(self, failures: int) -> float:
        ceiling = min(BACKOFF_CAP, self.backoff * 2.0 ** (failures - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not cryptography

    async def _attempt(self, client: httpx.AsyncClient, variant: QueryVariant) -> _Reply:
        """One POST, body streamed under the size cap; network trouble becomes :class:`_Transient`."""
        self.attempts += 1
        body = json.dumps({"query": variant.query, "operationName": "IntrospectionQuery"}).encode()
        started, status, size = anyio.current_time(), "error", 0
        try:
            with anyio.fail_after(self.timeout):
                async with client.stream(
                    "POST",
                    self.url,
                    content=body,
                    headers=self.headers,
                    auth=self.auth or httpx.USE_CLIENT_DEFAULT,  # else a caller's client keeps its own
                    timeout=self.timeout,
                ) as response:
                    status = str(response.status_code)
                    content = await read_capped(response, self.max_bytes)
                    size = len(content)
                    return _Reply(response.status_code, response.headers, content)
        except ResponseTooLarge:
            raise self._too_big() from None
        except (TimeoutError, httpx.TimeoutException):
            status = "timeout"
            raise _Transient(f"no complete response within {self.timeout:g}s") from None
        except httpx.TransportError as exc:
            status = type(exc).__name__
            raise _Transient(f"cannot reach the server ({_describe(exc)})") from None
        except httpx.DecodingError as exc:
            raise IntrospectionError(
                f"{self.where}: the response body could not be decoded ({_describe(exc)}); "
                "check the server's Content-Encoding"
            ) from None
        finally:
            log.debug(
                "introspect %s: attempt=%d variant=%s status=%s bytes=%d ms=%.0f",
                self.name,
                self.attempts,
                variant.name,
                status,
                size,
                (anyio.current_time() - started) * 1000,
            )

    def _too_big(self) -> IntrospectionError:
        return IntrospectionError(
            f"{self.where}: the response exceeds max_response_bytes ({self.max_bytes} bytes); "
            "raise max_response_bytes for this target if the schema really is that large"
        )

    def _interpret(self, reply: _Reply) -> dict[str, Any]:
        """The checked introspection, or :class:`_Transient` / :class:`_Unsupported` / IntrospectionError."""
        status = reply.status
        if status == 429 or status >= 500:
            label = f"HTTP {status}" + (" (rate limited)" if status == 429 else _server_said(reply.body))
            raise _Transient(label, parse_retry_after(reply.headers.get("retry-after")))
        if 300 <= status < 400:
            location = _safe_url(reply.headers.get("location", "")) or "nowhere"
            raise IntrospectionError(
                f"{self.where}: HTTP {status} redirect to {location}; "
                "set the target's url to the final endpoint"
            )
        if status in (401, 403):
            raise self._unauthorized(f"HTTP {status}", _server_message(reply.body))
        document = self._decode(reply)
        if status >= 400 and not (isinstance(document, dict) and document.get("errors")):
            raise IntrospectionError(
                f"{self.where}: HTTP {status}; is the URL the GraphQL endpoint and does it accept POST?"
            )
        if not isinstance(document, dict):
            raise IntrospectionError(
                f"{self.where}: expected a JSON object, got a JSON {type(document).__name__}; "
                "is the URL the GraphQL endpoint?"
            )
        errors = document.get("errors")
        if errors:
            messages = _messages(errors)
            first = messages[0] if messages else "(no message)"
            if any(_unsupported_meta(m) for m in messages):
                raise _Unsupported(first)
            if _refuses_credentials(errors):
                raise self._unauthorized(f"HTTP {status}, GraphQL error", first)
            raise IntrospectionError(
                f"{self.where}: the server answered with GraphQL errors: {first!r}; "
                "check that introspection is enabled for this client and the credentials allow it"
            )
        return self._check(document)

    def _unauthorized(self, how: str, said: str | None) -> IntrospectionError:
        """The API refused the credentials: not "unreachable", and not worth a retry."""
        detail = f"{how}, the server said {said!r}" if said else how
        return IntrospectionError(
            f"{self.where}: unauthorized ({detail}): check the credentials of target {self.name}"
        )

    def _decode(self, reply: _Reply) -> Any:
        try:
            return loads_document(reply.body)
        except RecursionError:
            raise IntrospectionError(
                f"{self.where}: the response is JSON nested too deeply to be an introspection result; "
                "refusing it"
            ) from None
        except ValueError as exc:
            head = reply.body[:512].lstrip().lower()
            content_type = reply.headers.get("content-type", "").lower()
            if "html" in content_type or head.startswith(b"<"):
                raise IntrospectionError(
                    f"{self.where}: got an HTML page (status {reply.status}) instead of JSON — "
                    "is the URL the GraphQL endpoint?"
                ) from None
            if isinstance(exc, json.JSONDecodeError) and _truncated(exc):
                raise IntrospectionError(
                    f"{self.where}: the JSON response ends early (truncated after {len(reply.body)} bytes); "
                    "the server or a proxy cut it off — try again, or check proxy limits"
                ) from None
            raise IntrospectionError(
                f"{self.where}: HTTP {reply.status} with a body that is not JSON ({len(reply.body)} bytes); "
                "is the URL the GraphQL endpoint?"
            ) from None

    def _check(self, document: dict[str, Any]) -> dict[str, Any]:
        """Refuse anything but a complete schema (missing queryType/types, only built-ins, unbuildable)."""
        try:
            intro = unwrap_introspection(document, source=self.where)
            own = [
                t
                for t in intro["__schema"]["types"]
                if isinstance(t, dict)
                and not str(t.get("name", "")).startswith("__")
                and t.get("name") not in _BUILTIN_SCALARS
            ]
            if not own:
                raise SchemaError(f"{self.where}: no types besides introspection types and built-in scalars")
            problem = shape_problem(intro)
            if problem:
                raise SchemaError(f"{self.where}: malformed introspection: {problem}")
            if self.build:
                schema_from_introspection(intro, source=self.where, shape_checked=True)
        except SchemaError as exc:
            raise _partial(exc) from None
        return intro


def _partial(exc: SchemaError) -> IntrospectionError:
    return IntrospectionError(
        f"{_short(str(exc), 400)}; refusing a partial schema — check the server's introspection"
    )


def _safe_url(url: str) -> str:
    """The URL without user info, with registered secrets masked: safe for messages and results."""
    if not url:
        return ""
    try:
        parsed = httpx.URL(url)
        if parsed.userinfo:
            parsed = parsed.copy_with(username=None, password=None)
        return redact(str(parsed))
    except (httpx.InvalidURL, ValueError, TypeError):
        return redact(url)


def _attempts(count: int) -> str:
    return f"{count} attempt" + ("" if count == 1 else "s")


def _short(text: str, limit: int = _MAX_MESSAGE) -> str:
    text = redact(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(exc: Exception) -> str:
    detail = _short(str(exc), 120)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _messages(errors: Any) -> list[str]:
    items = errors if isinstance(errors, list) else [errors]
    out = []
    for item in items:
        message = item.get("message") if isinstance(item, dict) else item
        out.append(_short(str(message)))
    return out


def _unsupported_meta(message: str) -> bool:
    """Does a GraphQL error say that a newer introspection meta-field or argument is unknown?"""
    lowered = message.lower()
    return any(name in lowered for name in _META_NAMES) and any(w in lowered for w in _REJECTION_WORDS)


def _server_said(body: bytes) -> str:
    message = _server_message(body)
    return f" (server said {message!r})" if message else ""


def _server_message(body: bytes) -> str | None:
    """What an error response says, shortened and redacted: the first GraphQL error, a REST-style
    ``message`` / ``error_description`` / ``error`` (GitHub answers ``{"message": "Bad credentials"}``), or
    a short plain-text body; None for nothing usable (an HTML page, an empty body)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        text = body[:_MAX_MESSAGE].decode("utf-8", "replace").strip()
        if not text or text.startswith("<") or "\ufffd" in text:
            return None
        return _short(text)
    if not isinstance(document, dict):
        return None
    errors = document.get("errors")
    if errors:
        messages = _messages(errors)
        return messages[0] if messages else None
    for key in ("message", "error_description", "error"):
        value = document.get(key)
        if isinstance(value, str) and value.strip():
            return _short(value)
    return None


def _refuses_credentials(errors: Any) -> bool:
    """Do GraphQL errors say the request was not authenticated or not allowed (any status)?"""
    for item in errors if isinstance(errors, list) else [errors]:
        if not isinstance(item, dict):
            continue
        extensions = item.get("extensions")
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if isinstance(code, str) and code.upper() in _AUTH_CODES:
            return True
        if _AUTH_MESSAGE.search(str(item.get("message", ""))):
            return True
    return False


def _truncated(exc: json.JSONDecodeError) -> bool:
    document = exc.doc.rstrip()
    started = document[:1] in ("{", "[")
    return started and (exc.pos >= len(document) or exc.msg.startswith("Unterminated string"))
