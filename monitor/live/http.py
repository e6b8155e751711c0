"""The HTTP edge of a live run: the headers every request carries, and a curl command to reproduce one.

Schemathesis sends with ``requests`` (synchronously, in the worker thread), while target auth is an async
``httpx.Auth`` (:func:`monitor.adapters.auth.build_auth`). :func:`request_headers` runs the auth flow once
on the event loop, before the worker starts, and keeps the headers it sets: a static token, or a token
obtained by an exchange (cached in the auth object, so a service that keeps one auth per target reuses
it). A live run is bounded to minutes, well inside any token's lifetime; a 401 during the run stops it
with an error instead of a flood of failures.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any, Final

import httpx

from monitor.adapters.auth import build_auth
from monitor.adapters.http import user_agent
from monitor.settings.models import TargetConfig
from monitor.support.redact import MASK, is_sensitive_header, redact, register_secret

__all__ = ["curl_command", "request_headers"]

_TRANSPORT_HEADERS: Final = frozenset({"host", "content-length", "transfer-encoding", "connection"})


async def request_headers(target: TargetConfig, auth: httpx.Auth | None = None) -> dict[str, str]:
    """The target's headers plus whatever its auth adds (``Authorization: Bearer ...``).

    Raises :class:`~monitor.errors.AuthError` when credentials cannot be obtained.
    """
    headers = {"User-Agent": user_agent(), **target.header_values()}
    for name, value in headers.items():
        if is_sensitive_header(name):
            register_secret(value)
    flow_auth = auth if auth is not None else build_auth(target)
    probe = httpx.Request("POST", str(target.url), headers=headers)
    flow = flow_auth.async_auth_flow(probe)
    try:
        prepared = await flow.__anext__()
    finally:
        await flow.aclose()
    for name, value in prepared.headers.items():
        if name.lower() not in _TRANSPORT_HEADERS:
            headers[_canonical(name, headers)] = value
    return headers


def curl_command(url: str, headers: Mapping[str, str], payload: Mapping[str, Any]) -> str:
    """A copy-pasteable ``curl`` for one GraphQL POST; credential-like header values are masked."""
    parts = ["curl", "-X", "POST", shlex.quote(url)]
    shown = {"Content-Type": "application/json", **headers}
    for name, value in shown.items():
        if name.lower() in _TRANSPORT_HEADERS or name.lower() == "user-agent":
            continue
        parts += ["-H", shlex.quote(f"{name}: {MASK if is_sensitive_header(name) else value}")]
    parts += ["--data-raw", shlex.quote(json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":")))]
    return redact(" ".join(parts))


def _canonical(name: str, existing: Mapping[str, str]) -> str:
    """``name`` spelled as an existing header of the same name (httpx lower-cases them)."""
    return next((key for key in existing if key.lower() == name.lower()), name.title())
