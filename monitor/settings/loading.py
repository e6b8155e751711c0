"""Reading the configuration: monitor.toml (TOML, ``${VAR}`` references, paths relative to the file) and
``MONITOR_*`` variables, validated into :class:`~monitor.settings.models.Settings`. The only place that
reads the environment; every value taken from it is registered with :mod:`monitor.support.redact`."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, get_args

from pydantic import (
    BaseModel,
    SecretStr,
    ValidationError,
)

from monitor.errors import ConfigError
from monitor.settings.envrefs import Path as KeyPath
from monitor.settings.envrefs import UnsetSecret, expand
from monitor.settings.models import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    DEFAULT_STATE,
    SETTINGS_ENV,
    ApiKeyExchangeAuth,
    BearerAuth,
    CommandAuth,
    GitHubAuth,
    OidcAuth,
    Settings,
)
from monitor.settings.problems import describe, problems_of
from monitor.support.redact import is_sensitive_header, register_secret

# Keys whose environment-expanded values are not secrets (masking them would only hurt logs).
_PUBLIC_KEYS: Final = frozenset(
    {"name", "schedule", "contracts", "reports_dir", "url", "public_url", "channel"}
)


def _secret_annotation(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in get_args(annotation)


_AUTH_SECRETS: Final = frozenset(
    name
    for model in (BearerAuth, GitHubAuth, ApiKeyExchangeAuth, OidcAuth, CommandAuth)
    for name, info in model.model_fields.items()
    if _secret_annotation(info.annotation)
)


def _is_secret_key(path: KeyPath) -> bool:
    """Keys holding credentials: an unset variable there is an error only where the value is sent."""
    match path:
        case ("mcp_token",) | ("slack", "webhook_url" | "bot_token"):
            return True
        case ("targets", int(), "headers", str()):
            return True
        case ("targets", int(), "auth", str(name)):
            return name in _AUTH_SECRETS
    return False


def _is_public_key(path: KeyPath) -> bool:
    last = next((item for item in reversed(path) if isinstance(item, str)), "")
    return last in _PUBLIC_KEYS


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    if isinstance(data.get("reports_dir"), str) and not Path(data["reports_dir"]).is_absolute():
        data["reports_dir"] = str(base / data["reports_dir"])
    state = data.get("state")
    if isinstance(state, str) and state.startswith("sqlite:///") and not state.startswith("sqlite:////"):
        relative = state.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            data["state"] = f"sqlite:///{base / relative}"
    targets = data.get("targets")
    for target in targets if isinstance(targets, list) else []:
        contracts = target.get("contracts") if isinstance(target, dict) else None
        if isinstance(contracts, str) and not Path(contracts).is_absolute():
            target["contracts"] = str(base / contracts)
        if isinstance(contracts, list) and isinstance(target, dict):
            root = target.get("contracts_root")
            if root is None or (isinstance(root, str) and not Path(root).is_absolute()):
                target["contracts_root"] = str(base / (root or "."))
        if isinstance(target, dict) and "contracts" not in target and isinstance(target.get("name"), str):
            target["contracts"] = str(base / "contracts" / target["name"])


def config_path_from(explicit: Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """The configuration file to read: ``--config``, then ``$MONITOR_CONFIG``, then ./monitor.toml if any."""
    env = os.environ if env is None else env
    if explicit is not None:
        return explicit
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read, expand and validate the configuration; every problem is reported at once, in one
    ConfigError line naming each key as the file spells it."""
    env = dict(os.environ if env is None else env)
    config = config_path_from(path, env)
    data: dict[str, Any] = {}
    source = str(config) if config else "configuration"
    if config is not None:
        try:
            text = config.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"{config}: no such configuration file (create one with `gqlmon init`)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config}: cannot read: {exc}") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config}: invalid TOML: {exc}") from exc
    expanded = expand(data, env, is_secret=_is_secret_key, is_public=_is_public_key, source=source)
    data = expanded.data
    if config is not None:
        data.setdefault("state", DEFAULT_STATE)
        _resolve_paths(data, config.resolve().parent)
    state_env = env.get("MONITOR_STATE")
    if state_env:
        register_secret(_password_of(state_env))
    if isinstance(data.get("state"), str):
        register_secret(_password_of(data["state"]))
    try:
        settings = _build(data, env)
    except ValidationError as exc:
        raise ConfigError(describe(problems_of(expanded, Settings, exc), source)) from None
    except ValueError as exc:  # raised by validators outside pydantic's wrapping
        raise ConfigError(describe([*problems_of(expanded, Settings), str(exc)], source)) from None
    if expanded.problems:
        raise ConfigError(describe(problems_of(expanded, Settings), source))
    for target in settings.targets:
        for header, value in target.headers.items():
            if is_sensitive_header(header):
                register_secret(_readable(value))
        _register_auth(target.auth)
    register_secret(_readable(settings.mcp_token))
    if settings.slack:
        for secret in (settings.slack.webhook_url, settings.slack.bot_token):
            register_secret(_readable(secret))
    return settings.model_copy(update={"config_path": config})


def _build(data: dict[str, Any], env: Mapping[str, str]) -> Settings:
    token = SETTINGS_ENV.set(env)
    try:
        return Settings(**data)
    finally:
        SETTINGS_ENV.reset(token)


def _readable(secret: SecretStr | None) -> str | None:
    """A secret's value, or None for none and for one whose variable is not set."""
    if secret is None or isinstance(secret, UnsetSecret):
        return None
    return secret.get_secret_value()


def _register_auth(auth: BaseModel) -> None:
    for name in type(auth).model_fields:
        value = getattr(auth, name)
        if isinstance(value, SecretStr):
            register_secret(_readable(value))


def _password_of(url: str) -> str | None:
    match = re.match(r"^[a-z0-9+]+://[^:/@]+:([^@]+)@", url)
    return match.group(1) if match else None


def running_in_github_actions(env: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job (``GITHUB_ACTIONS=true``): print annotations there."""
    return (os.environ if env is None else env).get("GITHUB_ACTIONS", "").lower() == "true"
