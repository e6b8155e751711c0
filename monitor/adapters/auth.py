"""Authentication for introspection requests: one :class:`httpx.Auth` per configured auth kind.

:func:`build_auth` turns a target's ``auth`` settings into an ``httpx.Auth`` (async only):

=====================  ==========================================================================
``none``               nothing is added
``bearer``             a static token in a configurable header (``Authorization: Bearer <token>``)
``github``             ``Authorization: bearer <token>``
``api_key_exchange``   a key id/secret exchanged by a GraphQL mutation for a short-lived JWT
``oidc``               an identity token (file re-read per request, or environment) used directly
                       or exchanged by a GraphQL mutation for an API token
``command``            the stripped stdout of a command (no shell), cached for ``ttl``
=====================  ==========================================================================

Tokens that are obtained at run time are cached until shortly before they expire (``expires_path`` in
the exchange response, else the JWT's ``exp`` claim, else ``default_ttl``); an ``anyio.Lock`` makes
concurrent requests share one exchange. A 401 triggers exactly one refresh and one retry; a second 401
is an :class:`~monitor.errors.AuthError`. Every secret is registered with :mod:`monitor.support.redact` the
moment it is known, and no AuthError message ever contains one.

Build one auth object per target and keep it: the cache lives in the object.
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import anyio
import httpx
from pydantic import SecretStr

from monitor.adapters.http import new_client
from monitor.errors import AuthError
from monitor.settings.envrefs import require_env
from monitor.settings.models import (
    ApiKeyExchangeAuth,
    BearerAuth,
    CommandAuth,
    GitHubAuth,
    OidcAuth,
    TargetConfig,
)
from monitor.support.redact import redact, register_secret

__all__ = [
    "ClientFactory",
    "CommandTokenAuth",
    "ExchangedTokenAuth",
    "NoCredentials",
    "OidcTokenAuth",
    "RefreshingTokenAuth",
    "StaticHeaderAuth",
    "auth_for",
    "build_auth",
]

#: Refresh this long before a token expires (at most; short-lived tokens refresh at 80 % of their life).
REFRESH_MARGIN: Final = 60.0
_MAX_MESSAGE: Final = 200

ClientFactory = Callable[[], httpx.AsyncClient]


Clock = Callable[[], float]


def build_auth(
    target: TargetConfig, *, client_factory: ClientFactory | None = None, clock: Clock = time.time
) -> httpx.Auth:
    """The ``httpx.Auth`` for ``target``; ``client_factory`` makes the clients used for token exchanges.

    ``clock`` (wall-clock seconds) decides expiry; tests may pass a fake one.
    """
    require_env(target)  # every variable the target's credentials need, named at once
    auth, name = target.auth, target.name
    for field in type(auth).model_fields:
        secret = getattr(auth, field)
        if isinstance(secret, SecretStr):
            register_secret(secret.get_secret_value())

    def default_factory() -> httpx.AsyncClient:
        return new_client(timeout=target.timeout, verify=target.verify_tls)

    factory = client_factory or default_factory
    if isinstance(auth, BearerAuth):
        return StaticHeaderAuth(auth.header, _with_scheme(auth.scheme, auth.token.get_secret_value()))
    if isinstance(auth, GitHubAuth):
        return StaticHeaderAuth("Authorization", f"bearer {auth.token.get_secret_value()}")
    if isinstance(auth, ApiKeyExchangeAuth):
        exchange = _Exchange(
            target, auth, auth.mutation, factory, "API key exchange", ExchangedTokenAuth.hint
        )
        key = {auth.id_variable: auth.key_id, auth.secret_variable: auth.key_secret}
        return ExchangedTokenAuth(name, exchange, {k: v.get_secret_value() for k, v in key.items()}, clock)
    if isinstance(auth, OidcAuth):
        oidc = None
        if auth.exchange_mutation:
            what, hint = "OIDC token exchange", OidcTokenAuth.hint
            oidc = _Exchange(target, auth, auth.exchange_mutation, factory, what, hint)
        return OidcTokenAuth(name, auth, oidc, clock)
    if isinstance(auth, CommandAuth):
        return CommandTokenAuth(name, auth, clock)
    return NoCredentials()


_built: dict[str, tuple[TargetConfig, httpx.Auth]] = {}


def auth_for(target: TargetConfig) -> httpx.Auth:
    """The target's ``httpx.Auth``, kept for the life of the process so that an exchanged or refreshed
    token is reused until it expires, by the checks and the MCP server alike. Rebuilt when the target's
    configuration changes (a reload; ``SecretStr`` compares by value, so a rotated secret rebuilds too)."""
    cached = _built.get(target.name)
    if cached is None or cached[0] != target:
        cached = _built[target.name] = (target, build_auth(target))
    return cached[1]


# --------------------------------------------------------------------------------------------- flows


class _AsyncOnlyAuth(httpx.Auth):
    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("gqlmon authentication is async-only: use httpx.AsyncClient")


class NoCredentials(_AsyncOnlyAuth):
    """Sends requests unchanged."""

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        yield request


class StaticHeaderAuth(_AsyncOnlyAuth):
    """Sets one header to a fixed value (a static token)."""

    def __init__(self, header: str, value: str) -> None:
        self._header, self._value = header, value

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers[self._header] = self._value
        yield request


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float  # wall-clock seconds; math.inf for a token that never expires


class RefreshingTokenAuth(_AsyncOnlyAuth):
    """A token obtained by :meth:`_fetch`, cached until due for refresh, refreshed once on HTTP 401."""

    what = "token source"
    hint = "the credentials"

    def __init__(
        self, target: str, *, header: str = "Authorization", scheme: str = "Bearer", clock: Clock = time.time
    ) -> None:
        self._target, self._header, self._scheme, self._clock = target, header, scheme, clock
        self._lock = anyio.Lock()
        self._cached: _Token | None = None

    async def _fetch(self) -> _Token:
        raise NotImplementedError

    async def token(self, *, stale: str | None = None) -> str:
        """The current token; a new one when the cached one is due or is ``stale`` (refused by the API)."""
        async with self._lock:
            cached = self._cached
            if cached is not None and cached.value != stale and self._clock() < cached.refresh_at:
                return cached.value
            fresh = await self._fetch()
            register_secret(fresh.value)
            self._cached = fresh
            return fresh.value

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers[self._header] = _with_scheme(self._scheme, token)
        response = yield request
        if response.status_code != 401:
            return
        token = await self.token(stale=token)
        request.headers[self._header] = _with_scheme(self._scheme, token)
        response = yield request
        if response.status_code == 401:
            raise AuthError(
                f"{self._target}: {request.url.host} answered HTTP 401 even to a fresh token from the "
                f"{self.what}; check {self.hint}"
            )


class ExchangedTokenAuth(RefreshingTokenAuth):
    """An API key exchanged for a JWT by a GraphQL mutation (Spacelift's ``apiKeyUser``)."""

    what = "API key exchange"
    hint = "key_id and key_secret, and that the key may read the schema"

    def __init__(self, target: str, exchange: _Exchange, variables: dict[str, str], clock: Clock) -> None:
        super().__init__(target, clock=clock)
        self._exchange, self._variables = exchange, variables

    async def _fetch(self) -> _Token:
        return await self._exchange.run(self._variables, self._clock)


class OidcTokenAuth(RefreshingTokenAuth):
    """An OIDC identity token (file re-read at request time, or a fixed value), direct or exchanged."""

    what = "OIDC identity token"
    hint = "the identity token (token_file / token) and its audience"

    def __init__(self, target: str, config: OidcAuth, exchange: _Exchange | None, clock: Clock) -> None:
        super().__init__(target, clock=clock)
        self._config, self._exchange = config, exchange

    async def _identity(self) -> str:
        path = self._config.token_file
        if path is None:
            return self._config.token.get_secret_value() if self._config.token is not None else ""
        try:
            value = (await anyio.Path(path).read_text(encoding="utf-8")).strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise AuthError(f"{self._target}: cannot read the OIDC token file {path}: {reason}") from None
        register_secret(value)
        if not value:
            raise AuthError(f"{self._target}: the OIDC token file {path} is empty")
        return value

    async def _fetch(self) -> _Token:
        identity = await self._identity()
        if self._exchange is not None:
            return await self._exchange.run({self._config.token_variable: identity}, self._clock)
        # Used directly: a file is re-read for every request (Kubernetes rotates it in place).
        return _Token(identity, -math.inf if self._config.token_file is not None else math.inf)


class CommandTokenAuth(RefreshingTokenAuth):
    """The stripped stdout of a command (run without a shell), cached for ``ttl`` seconds."""

    what = "token command"
    hint = "the command's credentials"

    def __init__(self, target: str, config: CommandAuth, clock: Clock) -> None:
        super().__init__(target, header=config.header, scheme=config.scheme, clock=clock)
        self._config = config

    async def _fetch(self) -> _Token:
        command, timeout = self._config.command, self._config.timeout
        program = Path(command[0]).name
        try:
            with anyio.fail_after(timeout):
                done = await anyio.run_process(command, check=False)
        except TimeoutError:
            raise AuthError(
                f"{self._target}: token command {program!r} did not finish within {timeout:g}s"
            ) from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise AuthError(f"{self._target}: cannot run token command {program!r}: {reason}") from None
        stdout = done.stdout.decode("utf-8", "replace").strip()
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            first = _short(lines[0]) if lines else "no output on stderr"
            raise AuthError(
                f"{self._target}: token command {program!r} failed with exit code {done.returncode}: {first}"
            )
        register_secret(stdout)
        if not stdout:
            raise AuthError(f"{self._target}: token command {program!r} printed nothing on stdout")
        return _Token(stdout, self._clock() + self._config.ttl)


# --------------------------------------------------------------------------------------------- exchange


@dataclass(frozen=True, slots=True)
class _Exchange:
    """One GraphQL mutation that trades credentials for a token, and where to find it in the answer."""

    target: TargetConfig
    config: ApiKeyExchangeAuth | OidcAuth
    mutation: str
    factory: ClientFactory
    what: str
    hint: str

    async def run(self, variables: Mapping[str, str], clock: Clock) -> _Token:
        config, timeout = self.config, self.target.timeout
        url = str(config.exchange_url or self.target.url)
        where = f"{self.target.name}: the {self.what} at {_origin(url)}"
        headers = _same_origin_headers(self.target, config.exchange_url)
        payload = {"query": self.mutation, "variables": dict(variables)}
        try:
            with anyio.fail_after(timeout):
                async with self.factory() as client:
                    response = await client.post(url, json=payload, headers=headers)
        except TimeoutError:
            raise AuthError(f"{where} did not answer within {timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise AuthError(f"{where} failed: {type(exc).__name__}; check the URL and network") from None
        body = _json(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        first = _first_message(errors)
        if response.status_code in (401, 403):
            raise AuthError(
                f"{where} refused the credentials (HTTP {response.status_code}); check {self.hint}"
            )
        if first is not None:
            raise AuthError(f"{where} failed: {first.rstrip('.')}; check {self.hint}")
        if response.status_code != 200 or not isinstance(body, dict):
            raise AuthError(f"{where} answered HTTP {response.status_code} without a usable JSON body")
        token = _at_path(body.get("data"), config.token_path)
        if not isinstance(token, str) or not token.strip():
            raise AuthError(f"{where} returned no token at {config.token_path!r}; check token_path")
        token = token.strip()
        register_secret(token)
        now = clock()
        expires = _expiry(_at_path(body.get("data"), config.expires_path))
        if expires is None:
            expires = _jwt_exp(token)
        if expires is None:
            expires = now + config.default_ttl
        lifetime = max(expires - now, 0.0)
        return _Token(token, expires - min(REFRESH_MARGIN, 0.2 * lifetime))


# --------------------------------------------------------------------------------------------- helpers


def _with_scheme(scheme: str, token: str) -> str:
    return f"{scheme} {token}" if scheme else token


def _short(text: str) -> str:
    text = redact(" ".join(text.split()))
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"


def _same_origin_headers(target: TargetConfig, exchange_url: object) -> dict[str, str]:
    """The target's headers, only when the exchange goes to the target's own origin (never leak them)."""
    if exchange_url is not None:
        a, b = httpx.URL(str(exchange_url)), httpx.URL(str(target.url))
        if (a.scheme, a.host, a.port) != (b.scheme, b.host, b.port):
            return {}
    return {k: v for k, v in target.header_values().items() if k.lower() != "authorization"}


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        return None


def _first_message(errors: Any) -> str | None:
    if not isinstance(errors, list) or not errors:
        return None
    first = errors[0]
    message = first.get("message") if isinstance(first, dict) else first
    return _short(str(message))


def _at_path(data: Any, path: str | None) -> Any:
    """``data["a"]["b"]`` for ``"a.b"`` (a leading ``data.`` is allowed); None when any step is missing."""
    if not path:
        return None
    for part in path.removeprefix("data.").split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _expiry(value: Any) -> float | None:
    """Unix seconds from a number, a numeric string (seconds or milliseconds) or an ISO 8601 date."""
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            seconds = moment.timestamp()
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return None
    return seconds / 1000 if seconds > 1e11 else seconds  # milliseconds since the epoch


def _jwt_exp(token: str) -> float | None:
    """The ``exp`` claim of a JWT, decoded without verifying (only to know when to refresh)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, RecursionError):
        return None
    return _expiry(payload.get("exp")) if isinstance(payload, dict) else None
