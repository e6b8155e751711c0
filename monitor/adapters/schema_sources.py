"""Where a schema comes from: a file (SDL or introspection JSON), a URL, a target, or a stored snapshot.

``gqlmon diff``, ``validate`` and ``introspect`` accept any of::

    schema.graphql            SDL
    schema.json               introspection JSON, with or without the {"data": ...} wrapper
    https://api/graphql       a live endpoint (introspected now)
    spacelift                 a configured target (introspected now, with its auth)
    spacelift@latest          the target's latest stored snapshot (also @previous or @<id prefix>)

Heavy modules (httpx, SQLAlchemy) are imported only for the sources that need them, so a file-to-file
diff in CI starts fast.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, GraphQLSchema, TypeDefinitionNode, TypeExtensionNode

from monitor.core.schema import (
    IntrospectionDict,
    introspection_of,
    loads_document,
    parse_sdl,
    schema_from_introspection,
    schema_from_sdl,
    type_fingerprints,
    unwrap_introspection,
)
from monitor.errors import ConfigError, SchemaError

if TYPE_CHECKING:
    from monitor.settings.models import Settings, TargetConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedSchema:
    """A schema with what it was made from (the SDL AST only for SDL sources).

    From introspection JSON loaded with ``build=False`` the graphql-core schema is made on first use of
    :attr:`schema` (the JSON diff may never need it whole: :mod:`monitor.core.diff.introspected`), and a
    malformed document raises its SchemaError then.
    """

    introspection: IntrospectionDict
    label: str
    sdl: DocumentNode | None = None
    query_variant: str | None = None
    built: GraphQLSchema | None = None

    @classmethod
    def from_introspection(
        cls, intro: IntrospectionDict, label: str, *, build: bool = True, query_variant: str | None = None
    ) -> LoadedSchema:
        loaded = cls(intro, label, query_variant=query_variant)
        if build:
            loaded.schema  # noqa: B018 -- build now: a bad document fails at load
        return loaded

    @cached_property
    def schema(self) -> GraphQLSchema:
        if self.built is not None:
            return self.built
        return schema_from_introspection(self.introspection, source=self.label)

    def type_fingerprints(self) -> dict[str, str]:
        return type_fingerprints(self.introspection)

    @cached_property
    def unstated_directives(self) -> frozenset[str]:
        """Built-in directives this SDL source does not define (its schema has the library's); none from JSON."""
        from monitor.core.diff.directives import unstated_directives

        return unstated_directives(self.sdl) if self.sdl is not None else frozenset()


def load_schema_text(text: str, *, source: str, build: bool = True) -> LoadedSchema:
    """Parse ``text`` as introspection JSON when it looks like JSON, else as SDL.

    ``build=False``: from JSON, build the graphql-core schema on first use (:class:`LoadedSchema`).
    """
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data: Any = loads_document(text)
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        except RecursionError:
            raise SchemaError(f"{source}: JSON is nested too deeply") from None
        intro = unwrap_introspection(data, source=source)
        return LoadedSchema.from_introspection(intro, source, build=build)
    document = parse_sdl(text, source=source)
    repeated = repeated_members(document)
    if repeated:  # GitHub's published SDL of some versions does this; graphql-core keeps the last one
        more = f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
        log.warning(
            "%s defines %s more than once; the last definition counts", source, ", ".join(repeated[:5]) + more
        )
    schema = schema_from_sdl(document, source=source)
    return LoadedSchema(introspection_of(schema), source, sdl=document, built=schema)


def repeated_members(document: DocumentNode) -> list[str]:
    """Coordinates of fields, input fields and enum values an SDL document defines more than once."""
    counts: Counter[str] = Counter()
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            for member in getattr(definition, "fields", None) or getattr(definition, "values", None) or ():
                counts[f"{definition.name.value}.{member.name.value}"] += 1
    return sorted(name for name, n in counts.items() if n > 1)


def load_schema_file(path: Path, *, build: bool = True) -> LoadedSchema:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read: {exc}") from None
    return load_schema_text(text, source=str(path), build=build)


def is_url(ref: str) -> bool:
    return ref.startswith(("http://", "https://"))


def adhoc_target(url: str) -> TargetConfig:
    """A target for a one-off URL (no config file needed)."""
    from monitor.settings.models import TargetConfig

    name = "adhoc"
    return TargetConfig(name=name, url=url)  # type: ignore[arg-type]


async def introspect_target(target: TargetConfig) -> LoadedSchema:
    from monitor.adapters.introspection import introspect

    result = await introspect(target)
    schema = schema_from_introspection(result.introspection, source=target.name)
    return LoadedSchema(
        result.introspection,
        f"{target.name} ({result.url})",
        query_variant=result.query_variant,
        built=schema,
    )


def load_stored(settings: Settings, target: str, ref: str, *, build: bool = True) -> LoadedSchema:
    from monitor.adapters.store import Store

    store = Store.open(settings.state, create=False)
    try:
        snap = store.resolve_snapshot(target, ref)
        intro = store.load_snapshot(snap.id)
    finally:
        store.close()
    label = f"{target}@{snap.id[:12]}"
    return LoadedSchema.from_introspection(intro, label, build=build, query_variant=snap.query_variant)


_SCHEMA_SUFFIXES = frozenset({".json", ".graphql", ".graphqls", ".gql", ".sdl"})


def is_file_ref(ref: str) -> bool:
    """A reference :func:`load_schema` reads as a file: it exists, or it has a schema file suffix."""
    path = Path(ref)
    return path.suffix.lower() in _SCHEMA_SUFFIXES or path.exists()


def needs_settings(ref: str) -> bool:
    """True when ``ref`` names a target (a file or URL is read without the configuration)."""
    return not is_url(ref) and not is_file_ref(ref)


async def load_schema(ref: str, settings: Settings | None, *, build: bool = True) -> LoadedSchema:
    """Resolve any schema reference (see the module docstring).

    ``build=False``: a schema read from JSON (a file or a stored snapshot) is built on first use.
    """
    if is_url(ref):
        return await introspect_target(adhoc_target(ref))
    if is_file_ref(ref):
        return load_schema_file(Path(ref), build=build)
    name, _, snapshot = ref.partition("@")
    if settings is None or not any(t.name == name for t in settings.targets):
        raise ConfigError(
            f"{ref!r} is not a file, a URL or a configured target "
            "(give an SDL/JSON path, an http(s) URL, TARGET or TARGET@latest)"
        )
    if "@" in ref:
        return load_stored(settings, name, snapshot or "latest", build=build)
    return await introspect_target(settings.target(name))


async def load_project_schema(schema: tuple[str, ...], *, root: Path, label: str) -> LoadedSchema:
    """The schema a graphql-config project names: a URL, or SDL/introspection files and globs relative to
    ``root`` (several SDL files are read as one document, as graphql-config merges them)."""
    if not schema:
        raise ConfigError(f"{label}: the project names no schema (give --schema)")
    if len(schema) == 1 and is_url(schema[0]):
        return await introspect_target(adhoc_target(schema[0]))
    from monitor.adapters.operations import expand_globs

    files: list[Path] = []
    for entry in schema:
        if is_url(entry):
            raise ConfigError(f"{label}: a schema URL cannot be combined with files ({entry})")
        path = root / entry
        matched = [path] if path.exists() else expand_globs([entry], root=root)
        if not matched:
            raise SchemaError(f"{label}: schema {entry!r} matches no file under {root}")
        files.extend(matched)
    if len(files) == 1:
        return load_schema_file(files[0])
    texts = []
    for file in files:
        try:
            texts.append(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{file}: cannot read: {exc}") from None
    return load_schema_text("\n".join(texts), source=", ".join(str(f) for f in files))
