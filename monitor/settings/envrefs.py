"""Environment references in monitor.toml: ``${VAR}``, ``${VAR:-default}`` and ``x_env = "VAR"`` keys.

:func:`expand` replaces every reference whose variable is set with its value. What happens to a reference
whose variable is not set depends on the key:

* A credential (a header value, an auth token or key, the Slack webhook or bot token, the MCP token)
  becomes an :class:`UnsetSecret`: it validates like any ``SecretStr``, and reading its value raises
  :class:`MissingEnvError` naming the variable and the key. So a command that never sends the credential
  (``history``, ``report``, ``diff`` of stored snapshots, ``mcp``) runs without it, and one that does
  fails where it would use it. :func:`require_env` checks everything a step is about to use at once and
  names every missing variable in one line.
* Any other key (a URL, a path, a schedule) is needed to make sense of the file: a missing variable there
  is a :class:`Problem` reported with every other problem of the file.

Keys are named as the user wrote them (``targets[1].auth.token_env``), never by internal model paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import BaseModel, SecretStr

from monitor.errors import ConfigError
from monitor.support.redact import register_secret

__all__ = [
    "Expanded",
    "Missing",
    "MissingEnvError",
    "Problem",
    "UnsetSecret",
    "expand",
    "key_text",
    "require_env",
    "unset_secrets",
]

Path = tuple[str | int, ...]

_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")
_VAR_RE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def key_text(path: Path) -> str:
    """``("targets", 0, "auth", "token")`` as the user's TOML key ``targets[0].auth.token``."""
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
            continue
        name = item if _BARE_KEY.match(item) else '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out += f".{name}" if out else name
    return out or "(top level)"


@dataclass(frozen=True, slots=True)
class Missing:
    """A key whose value references environment variables that are not set."""

    key: str  # as the user wrote it: targets[0].auth.token_env
    variables: tuple[str, ...]

    def text(self) -> str:
        names = ", ".join(self.variables)
        verb = "is" if len(self.variables) == 1 else "are"
        return (
            f"{self.key}: environment variable{'s' if len(self.variables) > 1 else ''} {names} {verb} not set"
        )


class MissingEnvError(ConfigError):
    """Values a step needs reference environment variables that are not set; names every one of them."""

    def __init__(self, missing: Sequence[Missing], source: str | None = None) -> None:
        self.missing = tuple(dict.fromkeys(missing))
        self.variables = tuple(dict.fromkeys(name for item in self.missing for name in item.variables))
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(item.text() for item in self.missing))


class UnsetSecret(SecretStr):
    """A credential whose environment variable was not set when the configuration was read.

    It stands in for the secret everywhere a ``SecretStr`` goes (validation, equality, ``repr``: masked);
    :meth:`get_secret_value` raises :class:`MissingEnvError`, so the one place that needs the value says
    which variable to set, and nothing can send a placeholder by mistake.
    """

    def __init__(self, missing: Missing, source: str | None = None) -> None:
        super().__init__("unset")  # truthy and masked like a real secret; never readable
        self.missing = missing
        self.source = source

    def get_secret_value(self) -> str:
        raise MissingEnvError([self.missing], self.source)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnsetSecret) and other.missing == self.missing

    def __hash__(self) -> int:
        return hash(self.missing)


def unset_secrets(*values: object) -> list[UnsetSecret]:
    """Every :class:`UnsetSecret` in ``values`` (models, secrets, lists and dicts of them), in order."""
    found: dict[int, UnsetSecret] = {}
    for secret in _walk(values):
        found.setdefault(id(secret), secret)
    return list(found.values())


def require_env(*values: object) -> None:
    """Raise one :class:`MissingEnvError` naming every unset variable ``values`` reference, if any."""
    unset = unset_secrets(*values)
    if unset:
        raise MissingEnvError([s.missing for s in unset], unset[0].source)


def _walk(value: object) -> Iterator[UnsetSecret]:
    if isinstance(value, UnsetSecret):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


# --------------------------------------------------------------------------------------------- expand


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong at one key of the file (the path is the expanded data's, ``x`` for ``x_env``)."""

    path: Path
    message: str


@dataclass
class Expanded:
    """The file's data with references replaced, and what could not be."""

    data: Any
    problems: list[Problem] = field(default_factory=list)
    # expanded path -> the key the user wrote there (``token`` came from ``token_env``)
    written: dict[Path, str] = field(default_factory=dict)

    def key(self, path: Path) -> str:
        """The user's key for an expanded path (``targets[0].auth.token_env``)."""
        shown: list[str | int] = list(path)
        for end in range(len(path), 0, -1):
            original = self.written.get(path[:end])
            if original is not None:
                shown[end - 1] = original
        return key_text(tuple(shown))


def expand(
    data: Mapping[str, Any],
    env: Mapping[str, str],
    *,
    is_secret: Callable[[Path], bool],
    is_public: Callable[[Path], bool],
    source: str | None = None,
) -> Expanded:
    """``data`` with every ``${VAR}`` and ``x_env`` reference resolved from ``env``.

    ``is_secret(path)`` says which keys hold credentials (unset ones become :class:`UnsetSecret`);
    values from ``env`` are registered with the redactor unless ``is_public(path)``.
    """
    out = Expanded(None)
    out.data = _Expander(env, is_secret, is_public, source, out).value(dict(data), ())
    return out


@dataclass
class _Expander:
    env: Mapping[str, str]
    is_secret: Callable[[Path], bool]
    is_public: Callable[[Path], bool]
    source: str | None
    out: Expanded

    def value(self, value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            return self.table(value, path)
        if isinstance(value, list):
            return [self.value(item, (*path, i)) for i, item in enumerate(value)]
        if isinstance(value, str) and "${" in value:
            return self.text(value, path)
        return value

    def table(self, table: dict[str, Any], path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in table.items():
            if isinstance(key, str) and key.endswith("_env") and len(key) > 4:
                base = key[:-4]
                where = (*path, base)
                self.out.written[where] = key
                if base in table:
                    self.problem(where, f"set either {base} or {key}, not both")
                    continue
                if not isinstance(item, str) or not item:
                    self.problem(where, "expected the name of an environment variable")
                    continue
                found = self.env.get(item)
                resolved = self.resolve(
                    where, [] if found is not None else [item], found or "", [found or ""]
                )
                # unresolved: the variable's name stands in, so validation still sees the key (its
                # errors there are dropped, except "unknown key")
                result[base] = item if resolved is None else resolved
            else:
                result[key] = self.value(item, (*path, key))
        return result

    def text(self, value: str, path: Path) -> Any:
        used: dict[str, str] = {}  # variable -> the value (or default) put in its place
        absent: list[str] = []

        def one(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            found = self.env.get(name, default)
            if found is None:
                absent.append(name)
                return match.group(0)
            used[name] = found
            return found

        rendered = _VAR_RE.sub(one, value)
        resolved = self.resolve(path, absent, rendered, list(used.values()))
        return value if resolved is None else resolved  # unresolved: its validation errors are dropped

    def resolve(self, path: Path, absent: list[str], rendered: str, used: list[str]) -> Any:
        """The value; an UnsetSecret for a credential whose variable is absent; else None and a problem.

        Every value taken from the environment (or a default standing in for one) is registered with the
        redactor unless the key is public."""
        if absent:
            missing = Missing(self.out.key(path), tuple(dict.fromkeys(absent)))
            if self.is_secret(path):
                return UnsetSecret(missing, self.source)
            self.problem(path, missing.text().split(": ", 1)[1])
            return None
        if not self.is_public(path):
            for value in used:
                register_secret(value)
        return rendered

    def problem(self, path: Path, message: str) -> None:
        self.out.problems.append(Problem(path, message))
