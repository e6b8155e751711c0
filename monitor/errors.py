"""The exception tree of gqlmon: what callers catch.

Every error gqlmon raises on purpose derives from :class:`MonitorError`, whose ``str()`` is one line a
human can act on (what went wrong, where, and what to do next). The CLI prints that line and exits 2;
nothing else is meant to reach a user as a traceback.

::

    MonitorError
     ├── ConfigError          monitor.toml or the environment is invalid (names the key)
     │    └── MissingEnvError      credentials a step would send reference unset variables
     │                             (monitor.settings.envrefs; names every one of them)
     ├── SchemaError          a document is not a usable schema (SDL / introspection JSON)
     │    └── IntrospectionError   the API did not return a usable introspection result
     ├── AuthError            credentials could not be obtained or were refused
     ├── SnapshotError        the state store could not be read or written
     ├── ContractError        a saved operation could not be read or parsed
     └── AlertError           an alert could not be built or delivered

Edges wrap library errors: ``raise IntrospectionError(f"{target}: HTTP 502 from {url}") from exc``.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error gqlmon raises on purpose; ``str()`` is one actionable line."""

    def __str__(self) -> str:
        text = super().__str__()
        # One line, always: multi-line library messages are folded.
        return " ".join(text.split())


class ConfigError(MonitorError):
    """The configuration (file or environment) is invalid."""


class SchemaError(MonitorError):
    """A document could not be turned into a GraphQL schema."""


class IntrospectionError(SchemaError):
    """An introspection request failed or returned something that is not a complete schema."""


class AuthError(MonitorError):
    """Credentials could not be obtained, exchanged or were refused."""


class SnapshotError(MonitorError):
    """The state store could not be read or written."""


class ContractError(MonitorError):
    """A saved operation or manifest could not be read or parsed."""


class AlertError(MonitorError):
    """An alert could not be built or delivered."""
