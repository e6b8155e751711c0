"""Settings: monitor.toml plus ``MONITOR_*`` environment variables. The only module that reads the environment.

Values may reference the environment as ``${VAR}`` (or ``${VAR:-default}``), and any key ``x_env = "VAR"``
sets ``x`` from that variable, so secrets never need to live in the file. Every value taken from the
environment is registered with :mod:`monitor.support.redact` and masked wherever gqlmon writes text. A credential
whose variable is not set is kept as an :class:`~monitor.settings.envrefs.UnsetSecret`: only the step that would
send it fails (:func:`require_env` names every missing variable at once), so ``history``, ``report`` or
``mcp`` need no secret they do not use (:mod:`monitor.settings.envrefs`).

Relative paths (``contracts``, ``reports_dir``, a SQLite ``state`` file) are resolved against the directory
of the configuration file. ``MONITOR_STATE``, ``MONITOR_REPORTS_DIR``, ``MONITOR_CONCURRENCY`` and the other
top-level keys can be overridden by the environment (``MONITOR_SLACK__WEBHOOK_URL`` for nested ones).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from monitor.errors import ConfigError
from monitor.settings.envrefs import require_env
from monitor.settings.parsing import Duration, duration_validator, parse_duration, parse_rate, parse_schedule
from monitor.settings.problems import closest

CONFIG_ENV: Final = "MONITOR_CONFIG"


DEFAULT_CONFIG: Final = Path("monitor.toml")


DEFAULT_STATE: Final = "sqlite:///.gqlmon/state.db"


NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


_Strict = ConfigDict(extra="forbid", frozen=True)


class NoAuth(BaseModel):
    """No credentials (public APIs, the demo)."""

    model_config = _Strict
    kind: Literal["none"] = "none"


class BearerAuth(BaseModel):
    """A static token sent as ``Authorization: Bearer <token>`` (header and scheme configurable)."""

    model_config = _Strict
    kind: Literal["bearer"]
    token: SecretStr
    header: str = "Authorization"
    scheme: str = "Bearer"


class GitHubAuth(BaseModel):
    """A GitHub-style personal access token (``Authorization: bearer <token>``)."""

    model_config = _Strict
    kind: Literal["github"]
    token: SecretStr


class ApiKeyExchangeAuth(BaseModel):
    """An API key exchanged for a short-lived JWT by a GraphQL mutation (Spacelift's ``apiKeyUser``).

    The JWT is cached until ``expires_path`` says it expires (or ``default_ttl``), and re-exchanged once
    when the API answers 401.
    """

    model_config = _Strict
    kind: Literal["api_key_exchange"]
    key_id: SecretStr
    key_secret: SecretStr
    exchange_url: AnyHttpUrl | None = None  # default: the target's url
    mutation: str = (
        "mutation GetSpaceliftToken($id: ID!, $secret: String!) "
        "{ apiKeyUser(id: $id, secret: $secret) { jwt validUntil } }"
    )
    id_variable: str = "id"
    secret_variable: str = "secret"  # noqa: S105 (a variable name, not a secret)
    token_path: str = "apiKeyUser.jwt"  # noqa: S105 (a variable name, not a secret)
    expires_path: str | None = "apiKeyUser.validUntil"
    default_ttl: Duration = 3600.0
    _durations = duration_validator("default_ttl")


class OidcAuth(BaseModel):
    """An OIDC identity token from a file (Kubernetes, CI) or environment variable, used directly or
    exchanged for an API token by a GraphQL mutation (``exchange_mutation`` with a ``$token`` variable)."""

    model_config = _Strict
    kind: Literal["oidc"]
    token_file: Path | None = None
    token: SecretStr | None = None
    exchange_url: AnyHttpUrl | None = None
    exchange_mutation: str | None = None
    token_variable: str = "token"  # noqa: S105 (a variable name, not a secret)
    token_path: str | None = None
    expires_path: str | None = None
    default_ttl: Duration = 600.0
    _durations = duration_validator("default_ttl")

    @model_validator(mode="after")
    def _one_source(self) -> OidcAuth:
        if (self.token_file is None) == (self.token is None):
            raise ValueError("set exactly one of token_file or token_env for the identity token")
        if self.exchange_mutation and not self.token_path:
            raise ValueError("exchange_mutation needs token_path (where the API token is in the response)")
        return self


class CommandAuth(BaseModel):
    """A command that prints a token on stdout (``spacectl profile export-token``), cached for ``ttl``."""

    model_config = _Strict
    kind: Literal["command"]
    command: list[str] = Field(min_length=1)
    ttl: Duration = 300.0
    timeout: Duration = 30.0
    header: str = "Authorization"
    scheme: str = "Bearer"
    _durations = duration_validator("ttl", "timeout")

    @field_validator("command", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            import shlex

            return shlex.split(value)
        return value


AuthConfig = Annotated[
    NoAuth | BearerAuth | GitHubAuth | ApiKeyExchangeAuth | OidcAuth | CommandAuth,
    Field(discriminator="kind"),
]


class RulesConfig(BaseModel):
    """Policies applied after the raw diff (see monitor.core.rules)."""

    model_config = _Strict
    ignore_descriptions: bool = False
    deprecated_removal_days: int | None = Field(default=None, ge=0)
    dangerous_is_breaking: bool = False
    safe_unreachable: bool = True


class AlertConfig(BaseModel):
    """When a target alerts."""

    model_config = _Strict
    on: Literal["breaking", "dangerous", "any"] = "breaking"
    only_used: bool = False
    include_types: list[str] = Field(default_factory=list)
    exclude_types: list[str] = Field(default_factory=list)
    unreachable_after: int = Field(default=3, ge=1)


class LiveConfig(BaseModel):
    """Live contract tests of one target (Schemathesis-generated queries plus saved-operation replays)."""

    model_config = _Strict

    enabled: bool = False
    max_examples: int = Field(default=25, ge=1, le=1000)
    operations: list[str] = Field(default_factory=lambda: ["Query.*"], min_length=1)
    allow_mutations: bool = False
    timeout: float = Field(default=60.0, gt=0)
    rate_limit: str = "5/s"
    replay_contracts: bool = False
    alert_on_live_failures: bool = False

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> float:
        return parse_duration(value)

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> str:
        parse_rate(value)
        return str(value)

    @field_validator("operations")
    @classmethod
    def _operations(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not re.match(r"^[A-Za-z_*?\[][A-Za-z0-9_*?\[\]!-]*\.[A-Za-z0-9_*?\[\]!-]+$", pattern):
                raise ValueError(f"expected patterns such as 'Query.*' or 'Query.stacks', got {pattern!r}")
        return value

    @property
    def requests_per_second(self) -> float:
        return parse_rate(self.rate_limit)


class TargetMcpConfig(BaseModel):
    """``[targets.mcp]``: the target's valid saved operations as MCP tools of their own (``<target>_<Name>``),
    at most ``max_tools`` of them (queries; mutations too where the target sets ``allow_mutations``)."""

    model_config = _Strict
    expose_operations: bool = False
    max_tools: int = Field(default=20, ge=1, le=50)


class TargetConfig(BaseModel):
    """One monitored GraphQL API."""

    model_config = _Strict
    name: str
    url: AnyHttpUrl
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    auth: AuthConfig = Field(default_factory=NoAuth)
    schedule: str = "15m"
    # A directory of .graphql files and manifests, a graphql-config file (its documents), or glob patterns
    # (source code too: ["src/**/*.{ts,tsx}"]) relative to contracts_root (the configuration file's
    # directory); "!pattern" or contracts_exclude excludes.
    contracts: Path | list[str] | None = None
    contracts_exclude: list[str] = Field(default_factory=list)
    contracts_root: Path | None = None
    # When contracts names a graphql-config file (.graphqlrc.yml, ...): its project to take documents from.
    contracts_project: str | None = None
    # Calls whose template or string argument is a GraphQL document in source code (".name": a method).
    graphql_functions: list[str] | None = None
    alert_on: Literal["breaking", "dangerous", "any"] | None = None
    alert: AlertConfig = Field(default_factory=AlertConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    timeout: Duration = 30.0
    retries: int = Field(default=3, ge=0, le=10)
    max_response_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    verify_tls: bool = True
    allow_mutations: bool = False
    live: LiveConfig = Field(default_factory=lambda: LiveConfig())
    mcp: TargetMcpConfig = Field(default_factory=TargetMcpConfig)
    _durations = duration_validator("timeout")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(
                "use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)"
            )
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value

    @model_validator(mode="after")
    def _alert_on(self) -> TargetConfig:
        if self.alert_on is not None and self.alert_on != self.alert.on:
            object.__setattr__(self, "alert", self.alert.model_copy(update={"on": self.alert_on}))
        return self

    @property
    def contracts_dir(self) -> Path:
        """The contracts directory; for glob patterns, the directory they are relative to."""
        if isinstance(self.contracts, list):
            return self.contracts_root or Path()
        return self.contracts if self.contracts is not None else Path("contracts") / self.name

    @property
    def contracts_globs(self) -> list[str] | None:
        return self.contracts if isinstance(self.contracts, list) else None

    def header_values(self) -> dict[str, str]:
        """The headers to send; one MissingEnvError naming every unset variable the target references."""
        require_env(self)
        return {k: v.get_secret_value() for k, v in self.headers.items()}


class SlackConfig(BaseModel):
    model_config = _Strict
    webhook_url: SecretStr | None = None
    bot_token: SecretStr | None = None
    channel: str | None = None
    base_url: AnyHttpUrl | None = None  # Web API base (tests point it at a local receiver)

    @model_validator(mode="after")
    def _mode(self) -> SlackConfig:
        if self.bot_token and not self.channel:
            raise ValueError("bot_token needs channel")
        return self


class CodegenConfig(BaseModel):
    """``gqlmon codegen`` and ``generate_client``: the type of each custom scalar, per language, over the
    documented default (:mod:`monitor.codegen.scalars`): ``python_scalars = { DateTime = "datetime.datetime" }``."""

    model_config = _Strict
    python_scalars: dict[str, str] = Field(default_factory=dict)
    typescript_scalars: dict[str, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    """The whole configuration, validated once and handed down."""

    model_config = SettingsConfigDict(
        env_prefix="MONITOR_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    state: str = DEFAULT_STATE
    reports_dir: Path = Path("reports")
    public_url: AnyHttpUrl | None = None
    concurrency: int = Field(default=8, ge=1, le=256)
    fail_on: Literal["breaking", "dangerous", "never"] = "breaking"
    slack: SlackConfig | None = None
    targets: list[TargetConfig] = Field(default_factory=list)
    codegen: CodegenConfig = Field(default_factory=CodegenConfig)
    # gqlmon mcp --http: clients must send "Authorization: Bearer <mcp_token>" (MONITOR_MCP_TOKEN).
    mcp_token: SecretStr | None = None
    # gqlmon run: per-check time limit, shutdown grace, start jitter, liveness file and /metrics server.
    run_timeout: Duration = 300.0
    grace_period: Duration = 30.0
    jitter: float = Field(default=10.0, ge=0)
    health_file: Path | None = None
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    _durations = duration_validator("run_timeout", "grace_period")
    config_path: Path | None = Field(default=None, exclude=True)

    @field_validator("jitter", mode="before")
    @classmethod
    def _jitter(cls, value: Any) -> float:
        return 0.0 if value in (0, "0", "0s") else parse_duration(value)

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: set[str] = set()
        for index, target in enumerate(self.targets):
            if target.name in seen:
                raise ValueError(f"targets[{index}].name: duplicate target name {target.name!r}")
            seen.add(target.name)
        return self

    def target(self, name: str) -> TargetConfig:
        for target in self.targets:
            if target.name == name:
                return target
        raise ConfigError(self.unknown_target(name))

    def unknown_target(self, name: str, *, also: list[str] | None = None) -> str:
        """What to say about a target name that is not configured (``also``: other known names)."""
        if self.config_path is None and not self.targets and not also:
            return f"unknown target {name!r}: {no_config_found()}; or pass a URL"
        names = list(dict.fromkeys([*(t.name for t in self.targets), *(also or [])]))
        guess = closest(name, names)
        known = ", ".join(names) or "none configured"
        hint = f"did you mean {guess!r}? " if guess else ""
        return f"unknown target {name!r} ({hint}known: {known}); add it to monitor.toml or pass a URL"

    def require_env(self, *targets: TargetConfig, slack: bool = False) -> None:
        """One MissingEnvError naming every unset variable the ``targets`` (and Slack) would send."""
        require_env(*targets, *([self.slack] if slack and self.slack is not None else []))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first (the mapping load_settings was given, else os.environ), then the already
        # expanded file passed as init kwargs.
        env = SETTINGS_ENV.get()
        return (env_settings if env is None else _MappingEnvSource(settings_cls, env), init_settings)


# The environment load_settings was given, for the Settings being built in this context (thread, task):
# pydantic-settings would read os.environ, which is process-wide and must not be swapped to feed it.
SETTINGS_ENV: ContextVar[Mapping[str, str] | None] = ContextVar("gqlmon_settings_env", default=None)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source (``MONITOR_*``, ``__`` for nesting) over a given mapping."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._mapping = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._mapping)
        return {key.lower(): value for key, value in self._mapping.items()}


def no_config_found() -> str:
    """Says that no configuration file was found, and where gqlmon looked."""
    return (
        f"no configuration file found (no --config given, ${CONFIG_ENV} not set, no {DEFAULT_CONFIG} in "
        f"{Path.cwd()}); create one with `gqlmon init` or pass --config FILE"
    )
