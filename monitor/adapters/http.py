"""What every HTTP request gqlmon sends shares: its User-Agent, its TLS context, a client factory, a body
read under a size cap, and one reading of ``Retry-After``.

Introspection, token exchanges, ``execute_query`` and Slack each used to carry their own copy, and the
copies disagreed (one read HTTP dates in ``Retry-After`` and capped the wait, the other did neither; one
client loaded the CA bundle afresh on every call).
"""

from __future__ import annotations

import email.utils
import functools
import math
import ssl
import time
from collections.abc import Mapping
from typing import Any, Final

import httpx

__all__ = [
    "RETRY_AFTER_CAP",
    "ResponseTooLarge",
    "new_client",
    "parse_retry_after",
    "read_capped",
    "tls_verify",
    "user_agent",
]

#: The longest wait a ``Retry-After`` may impose on a check (a server asking for more is not waited for).
RETRY_AFTER_CAP: Final = 60.0


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context(verify=True)


def tls_verify(verify: bool) -> ssl.SSLContext | bool:
    """What to pass as httpx's ``verify``: one shared SSL context (loading the CA bundle costs ~40 ms,
    most of a check's CPU when every check built its own), or False when the target opts out."""
    return _tls_context() if verify else False


def user_agent() -> str:
    """``gqlmon/<version>``: the User-Agent of every request gqlmon sends."""
    import monitor

    return f"gqlmon/{getattr(monitor, '__version__', '0.1.0')}"


def new_client(
    *, timeout: float, verify: bool, headers: Mapping[str, str] | None = None
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` as gqlmon uses them: the shared TLS context, our User-Agent, and no
    redirect following (a GraphQL endpoint that redirects a POST is misconfigured; we say so)."""
    return httpx.AsyncClient(
        timeout=timeout,
        verify=tls_verify(verify),
        headers={"User-Agent": user_agent(), **(headers or {})},
        follow_redirects=False,
    )


class ResponseTooLarge(Exception):
    """The body is larger than the cap (by its Content-Length, or once read that far)."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"the response exceeds {cap} bytes")
        self.cap = cap


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The body of a streamed ``response``, refusing (:class:`ResponseTooLarge`) as soon as it passes ``cap``
    bytes, so a runaway server cannot fill the memory."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ResponseTooLarge(cap)
    buffer = bytearray()
    async for chunk in response.aiter_bytes():
        buffer += chunk
        if len(buffer) > cap:
            raise ResponseTooLarge(cap)
    return bytes(buffer)


def parse_retry_after(
    value: Any, *, now: float | None = None, cap: float | None = RETRY_AFTER_CAP
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or an HTTP date, RFC 9110 §10.2.3), at
    least 0 and at most ``cap`` (None: no cap); None when absent or unreadable. A list (some clients give
    a header's values as one) is read by its first value."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    seconds = max(seconds, 0.0)
    return seconds if cap is None else min(seconds, cap)
