"""graphql-config project files: where a repository already says its schema and its documents are.

GraphQL Code Generator, the GraphQL language server and GraphQL Inspector read the same file; gqlmon reads
the kinds that can be read without running code, looked up in this order in a directory::

    .graphqlrc  (YAML or JSON)   .graphqlrc.yml  .graphqlrc.yaml  .graphqlrc.json  .graphqlrc.toml
    graphql.config.yml  graphql.config.yaml  graphql.config.json  graphql.config.toml
    package.json  ("graphql" key)

``graphql.config.js``/``.ts`` and ``.graphqlrc.js`` are code: gqlmon names them in its error and reads
none of them. A file holds one project (``schema``, ``documents``, ``exclude``) or named ``projects``; the
top-level one is the project called ``default``. ``schema`` may be one or several SDL or introspection
files (globs allowed), or a URL; per-URL ``headers`` are not used (configure a target in monitor.toml for
an endpoint that needs authentication).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from monitor.errors import ConfigError

CONFIG_NAMES: Final = (
    ".graphqlrc",
    ".graphqlrc.yml",
    ".graphqlrc.yaml",
    ".graphqlrc.json",
    ".graphqlrc.toml",
    "graphql.config.yml",
    "graphql.config.yaml",
    "graphql.config.json",
    "graphql.config.toml",
)
CODE_CONFIG_NAMES: Final = (
    "graphql.config.js",
    "graphql.config.ts",
    "graphql.config.cjs",
    "graphql.config.mjs",
    ".graphqlrc.js",
    ".graphqlrc.ts",
)
DEFAULT_PROJECT: Final = "default"


@dataclass(frozen=True, slots=True)
class GraphQLProject:
    """One project of a graphql-config file; patterns and paths are relative to ``root``."""

    name: str
    root: Path
    config: Path
    schema: tuple[str, ...]
    documents: tuple[str, ...]
    exclude: tuple[str, ...] = ()


def is_config_file(path: Path) -> bool:
    """Whether ``path`` names a graphql-config file gqlmon reads (a target's ``contracts`` may)."""
    return path.name in CONFIG_NAMES or path.name == "package.json"


def find_config(directory: Path) -> Path | None:
    """The graphql-config file of ``directory`` (see the module docstring for the order), or None.

    Raises :class:`ConfigError` when the only one there is code (``graphql.config.ts``)."""
    for name in CONFIG_NAMES:
        path = directory / name
        if path.is_file():
            return path
    package = directory / "package.json"
    if package.is_file() and isinstance(_read(package).get("graphql"), Mapping):
        return package
    for name in CODE_CONFIG_NAMES:
        if (directory / name).is_file():
            raise ConfigError(
                f"{directory / name}: a graphql-config written in code cannot be read without running it; "
                "write it as .graphqlrc.yml (or give --schema and FILES)"
            )
    return None


def load_project(path: Path, name: str | None = None) -> GraphQLProject:
    """Project ``name`` of the config file at ``path`` (default: the top-level one, or the only one)."""
    data = _read(path)
    if path.name == "package.json":
        data = data.get("graphql") or {}
    return project_from(data, name, root=path.parent, config=path)


def project_from(data: Mapping[str, Any], name: str | None, *, root: Path, config: Path) -> GraphQLProject:
    """The project called ``name`` in a parsed config (pure; :func:`load_project` reads the file)."""
    projects = data.get("projects")
    if projects is not None and not isinstance(projects, Mapping):
        raise ConfigError(f"{config}: 'projects' must be a mapping of project names to projects")
    projects = dict(projects or {})
    if "schema" in data or "documents" in data:
        projects.setdefault(DEFAULT_PROJECT, data)
    if not projects:
        raise ConfigError(f"{config}: no 'schema', 'documents' or 'projects' in this graphql-config")
    if name is None:
        name = DEFAULT_PROJECT if DEFAULT_PROJECT in projects or len(projects) != 1 else next(iter(projects))
    project = projects.get(name)
    if not isinstance(project, Mapping):
        known = ", ".join(sorted(str(k) for k in projects))
        raise ConfigError(f"{config}: no project {name!r} (projects: {known}); choose one with --project")
    return GraphQLProject(
        name=name,
        root=root,
        config=config,
        schema=_patterns(project.get("schema"), config, "schema"),
        documents=_patterns(project.get("documents"), config, "documents"),
        exclude=_patterns(project.get("exclude"), config, "exclude"),
    )


def _patterns(value: object, config: Path, key: str) -> tuple[str, ...]:
    """A string, a list of strings, or (for URLs with options) mappings whose keys are the entries."""
    if value is None:
        return ()
    items: Sequence[object] = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping) and all(isinstance(k, str) for k in item):
            out.extend(item)  # {"https://api/graphql": {"headers": ...}}: the URL
        else:
            raise ConfigError(f"{config}: {key!r} must be a string or a list of strings")
    return tuple(out)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    data = _parse(text, path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _parse(text: str, path: Path) -> object:
    if path.suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON: line {exc.lineno}: {exc.msg}") from None
    import yaml  # YAML is a superset of JSON: it reads .graphqlrc in either form

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
