"""The demo API's two schema versions: SDL files in this package, built into executable schemas.

``schema_v1.graphql`` and ``schema_v2.graphql`` are the published truth (what introspection returns). Each
version is also built in a *lax* variant for the misbehaving mode: the same schema with the fields that
misbehave loosened (``Stack.branch: String``, ``Run.state: String``), so graphql-core lets the faulty values
through to the response instead of correcting them into errors. Validation and introspection always use the
published schema; only data execution in misbehaving mode uses the lax one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Final, Literal, get_args

from graphql import (
    DocumentNode,
    GraphQLScalarType,
    GraphQLSchema,
    NamedTypeNode,
    NameNode,
    ObjectTypeDefinitionNode,
    build_ast_schema,
    parse,
)

from monitor.demo.choices import one_of

Version = Literal["v1", "v2"]

#: The schema versions the demo can serve, oldest first.
VERSIONS: Final[tuple[Version, ...]] = get_args(Version)

#: Output fields that the misbehaving mode breaks, with the type they are loosened to for execution.
LAX_FIELDS: Final[Mapping[tuple[str, str], str]] = {("Stack", "branch"): "String", ("Run", "state"): "String"}


def check_version(version: str) -> Version:
    """``version`` as a :data:`Version`; ``ValueError`` naming the known versions otherwise."""
    return one_of(version, VERSIONS, "schema version")


@cache
def schema_sdl(version: Version) -> str:
    """The SDL text of one schema version, exactly as shipped."""
    return resources.files("monitor.demo").joinpath(f"schema_{version}.graphql").read_text(encoding="utf-8")


@cache
def build_demo_schema(version: Version, *, lax: bool = False) -> GraphQLSchema:
    """The executable schema of one version (its lax variant with ``lax=True``); built once, then shared.

    Schemas are never mutated after this function returns, so sharing them between apps is safe.
    """
    document = parse(schema_sdl(version))
    if lax:
        document = _loosen(document, LAX_FIELDS)
    schema = build_ast_schema(document)
    datetime_type = schema.type_map["Datetime"]
    assert isinstance(datetime_type, GraphQLScalarType)
    datetime_type.coerce_output_value = _coerce_datetime_output
    datetime_type.coerce_input_value = _coerce_datetime_input
    return schema


def _loosen(document: DocumentNode, fields: Mapping[tuple[str, str], str]) -> DocumentNode:
    """A copy of an SDL document in which each ``(type, field)`` of ``fields`` has the given named type."""
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            type_name = definition.name.value
            definition = dataclasses.replace(
                definition,
                fields=tuple(
                    dataclasses.replace(
                        node, type=NamedTypeNode(name=NameNode(value=fields[type_name, node.name.value]))
                    )
                    if (type_name, node.name.value) in fields
                    else node
                    for node in definition.fields or ()
                ),
            )
        definitions.append(definition)
    return dataclasses.replace(document, definitions=tuple(definitions))


def format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` suffix and whole seconds: ``2026-01-05T09:37:00Z``."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _coerce_datetime_output(value: Any) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    raise TypeError(f"Datetime cannot represent {value!r}")


def _coerce_datetime_input(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"Datetime must be an RFC 3339 string, not {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise TypeError(f"Datetime must be an RFC 3339 string, not {value!r}") from exc
    if parsed.tzinfo is None:
        raise TypeError(f"Datetime needs a time zone offset: {value!r}")
    return parsed.astimezone(UTC)
