"""The endpoint and authentication a generated client uses, from a target's configuration.

Only the non-secret parts of the configuration reach generated code (header names, schemes, the exchange
mutation, token paths, lifetimes, the token command); every credential is read from an environment
variable at run time, named as the authentication guide names it (``<TARGET>_TOKEN``,
``<TARGET>_API_KEY_ID``/``_SECRET``, ``<TARGET>_OIDC_TOKEN``, ``<TARGET>_HEADER_<NAME>``). Without a
target (a schema file) the client sends ``Authorization: Bearer $GRAPHQL_TOKEN`` when that is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.codegen.naming import env_prefix
from monitor.settings.models import (
    ApiKeyExchangeAuth,
    BearerAuth,
    CommandAuth,
    GitHubAuth,
    OidcAuth,
    TargetConfig,
)
from monitor.support.redact import is_sensitive_header, redact

AuthKind = Literal["none", "static", "optional_static", "file", "command", "exchange"]


@dataclass(frozen=True, slots=True)
class AuthSpec:
    """One authentication flow, as generated code implements it.

    ``exchange_variables`` holds ``(variable, source, value)``: source ``env`` reads the environment
    variable ``value``, source ``file`` reads the file ``value`` (an OIDC identity token).
    """

    kind: AuthKind
    method: str = "none"  # the configured kind, for the module docstring
    header: str = "Authorization"
    scheme: str = "Bearer"
    token_env: str = ""
    token_file: str = ""
    exchange_url: str = ""
    exchange_document: str = ""
    exchange_variables: tuple[tuple[str, str, str], ...] = ()
    token_path: tuple[str, ...] = ()
    expires_path: tuple[str, ...] = ()
    ttl: float = 3600.0
    command: tuple[str, ...] = ()
    timeout: float = 30.0

    @property
    def environment(self) -> tuple[str, ...]:
        """The environment variables the flow reads."""
        names = [self.token_env] if self.token_env else []
        names += [value for _, source, value in self.exchange_variables if source == "env"]
        return tuple(names)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a generated client sends requests, and how it authenticates."""

    name: str  # the target's name, or "graphql"
    url: str | None  # the default URL (``<PREFIX>_URL`` in the environment overrides it)
    auth: AuthSpec
    secret_headers: tuple[tuple[str, str], ...] = ()  # header -> environment variable
    public_headers: tuple[tuple[str, str], ...] = ()  # header -> value
    timeout: float = 30.0

    @property
    def env_prefix(self) -> str:
        return env_prefix(self.name)

    @property
    def url_env(self) -> str:
        return f"{self.env_prefix}_URL"

    @property
    def environment(self) -> tuple[str, ...]:
        return (self.url_env, *self.auth.environment, *(env for _, env in self.secret_headers))


def generic_endpoint(url: str | None = None) -> Endpoint:
    """A client for a schema file: URL from ``GRAPHQL_URL``, bearer token from ``GRAPHQL_TOKEN`` if set."""
    auth = AuthSpec("optional_static", method="bearer", token_env="GRAPHQL_TOKEN")  # noqa: S106 - a name
    return Endpoint("graphql", url, auth)


def target_endpoint(target: TargetConfig) -> Endpoint:
    """A client for a configured target, with its authentication."""
    prefix = env_prefix(target.name)
    secret = tuple(
        (name, f"{prefix}_HEADER_{re.sub(r'[^A-Za-z0-9]+', '_', name).upper()}")
        for name in target.headers
        if is_sensitive_header(name)
    )
    public = tuple(
        (name, redact(value.get_secret_value()))
        for name, value in target.headers.items()
        if not is_sensitive_header(name)
    )
    url = redact(str(target.url))
    return Endpoint(target.name, url, _auth(target, prefix, url), secret, public, float(target.timeout))


def _auth(target: TargetConfig, prefix: str, url: str) -> AuthSpec:
    auth = target.auth
    if isinstance(auth, BearerAuth):
        return AuthSpec("static", "bearer", auth.header, auth.scheme, token_env=f"{prefix}_TOKEN")
    if isinstance(auth, GitHubAuth):
        return AuthSpec("static", "github", "Authorization", "bearer", token_env=f"{prefix}_TOKEN")
    if isinstance(auth, ApiKeyExchangeAuth):
        return AuthSpec(
            "exchange",
            "api_key_exchange",
            exchange_url=redact(str(auth.exchange_url or url)),
            exchange_document=auth.mutation,
            exchange_variables=(
                (auth.id_variable, "env", f"{prefix}_API_KEY_ID"),
                (auth.secret_variable, "env", f"{prefix}_API_KEY_SECRET"),
            ),
            token_path=tuple(auth.token_path.split(".")),
            expires_path=tuple(auth.expires_path.split(".")) if auth.expires_path else (),
            ttl=float(auth.default_ttl),
        )
    if isinstance(auth, OidcAuth):
        identity = ("file", str(auth.token_file)) if auth.token_file else ("env", f"{prefix}_OIDC_TOKEN")
        if auth.exchange_mutation and auth.token_path:
            return AuthSpec(
                "exchange",
                "oidc",
                exchange_url=redact(str(auth.exchange_url or url)),
                exchange_document=auth.exchange_mutation,
                exchange_variables=((auth.token_variable, *identity),),
                token_file=str(auth.token_file or ""),
                token_path=tuple(auth.token_path.split(".")),
                expires_path=tuple(auth.expires_path.split(".")) if auth.expires_path else (),
                ttl=float(auth.default_ttl),
            )
        if auth.token_file:
            return AuthSpec("file", "oidc", token_file=str(auth.token_file))
        return AuthSpec("static", "oidc", token_env=f"{prefix}_OIDC_TOKEN")
    if isinstance(auth, CommandAuth):
        return AuthSpec(
            "command",
            "command",
            auth.header,
            auth.scheme,
            command=tuple(redact(part) for part in auth.command),
            ttl=float(auth.ttl),
            timeout=float(auth.timeout),
        )
    return AuthSpec("none")
