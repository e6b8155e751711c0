"""Schemas as data: introspection JSON and SDL in, a GraphQLSchema, a canonical form and fingerprints out.

The raw introspection JSON is the stored truth. Its canonical form (every named list sorted by name, keys
sorted, defaults such as ``isOneOf: false`` dropped) is what the fingerprint hashes, so neither the order a
server happens to emit nor the introspection query variant that worked, nor a graphql-core upgrade that
prints SDL differently, ever looks like drift.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, cast

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    build_ast_schema,
    build_client_schema,
    get_introspection_query,
    introspection_from_schema,
    lexicographic_sort_schema,
    parse,
    print_schema,
    validate_schema,
)

from monitor.errors import SchemaError

IntrospectionDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class QueryVariant:
    """One introspection query flavour. Servers that reject newer meta-fields get an older variant."""

    name: str
    specified_by_url: bool
    directive_is_repeatable: bool
    schema_description: bool
    input_value_deprecation: bool
    one_of: bool

    @property
    def query(self) -> str:
        return get_introspection_query(
            descriptions=True,
            specified_by_url=self.specified_by_url,
            directive_is_repeatable=self.directive_is_repeatable,
            schema_description=self.schema_description,
            input_value_deprecation=self.input_value_deprecation,
            one_of=self.one_of,
        )


#: Tried in order until a server accepts one; the name that worked is recorded with the snapshot.
QUERY_VARIANTS: Final = (
    QueryVariant("full", True, True, True, True, True),
    QueryVariant("no-one-of", True, True, True, True, False),
    QueryVariant("spec-2021", True, True, False, False, False),
    QueryVariant("basic", False, False, False, False, False),
)

# Keys whose "empty" value means the same as the key being absent (an older query variant omits them).
_DEFAULT_FALSE: Final = frozenset({"isOneOf", "isRepeatable", "isDeprecated"})


def unwrap_introspection(data: Any, *, source: str = "document") -> IntrospectionDict:
    """Return ``{"__schema": ...}`` from a response body, with or without the ``{"data": ...}`` wrapper."""
    if not isinstance(data, Mapping):
        raise SchemaError(f"{source}: expected a JSON object with __schema, got {type(data).__name__}")
    if "data" in data and isinstance(data["data"], Mapping):
        data = data["data"]
    schema = data.get("__schema")
    if not isinstance(schema, Mapping):
        keys = ", ".join(sorted(str(k) for k in data)[:5]) or "nothing"
        raise SchemaError(f"{source}: no __schema object in the introspection result (found {keys})")
    types = schema.get("types")
    if not isinstance(types, list) or not types:
        raise SchemaError(f"{source}: __schema.types is missing or empty; refusing a partial schema")
    query_type = schema.get("queryType")
    if not isinstance(query_type, Mapping) or not query_type.get("name"):
        raise SchemaError(f"{source}: __schema.queryType is missing; refusing a partial schema")
    return {"__schema": dict(schema)}


def schema_from_introspection(intro: IntrospectionDict, *, source: str = "document") -> GraphQLSchema:
    """Build a client schema; any inconsistency (a missing referenced type, ...) is a SchemaError."""
    try:
        return build_client_schema(cast(Any, intro), assume_valid=True)
    except (GraphQLError, TypeError, KeyError, ValueError, AttributeError) as exc:
        raise SchemaError(f"{source}: not a complete schema: {exc}") from exc
    except RecursionError as exc:
        raise SchemaError(f"{source}: introspection is nested too deeply to be a schema") from exc


def parse_sdl(text: str, *, source: str = "document") -> DocumentNode:
    try:
        return parse(text, no_location=False)
    except GraphQLError as exc:
        raise SchemaError(f"{source}: invalid SDL: {exc.message} at {_location(exc)}") from exc
    except RecursionError as exc:
        raise SchemaError(f"{source}: SDL is nested too deeply") from exc


def schema_from_sdl(document: DocumentNode, *, source: str = "document") -> GraphQLSchema:
    """Build a schema from SDL without refusing real-world invalid schemas (they are reported, not fatal)."""
    try:
        return build_ast_schema(document, assume_valid=True, assume_valid_sdl=True)
    except (GraphQLError, TypeError, KeyError, ValueError) as exc:
        raise SchemaError(f"{source}: SDL does not describe a schema: {exc}") from exc


def introspection_of(schema: GraphQLSchema) -> IntrospectionDict:
    """The full introspection result of a schema built from SDL (what a server would answer)."""
    result = introspection_from_schema(
        schema,
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )
    return {"__schema": dict(result["__schema"])}


def validity_problems(schema: GraphQLSchema) -> list[str]:
    """What graphql-core's schema validation rejects; monitoring goes on, these are reported."""
    return [err.message for err in validate_schema(schema)]


def _canonical(value: Any) -> Any:
    # Exact type checks first: introspection JSON is plain dicts and lists, and isinstance() against the
    # Mapping ABC would cost more than the whole walk.
    kind = type(value)
    if kind is dict or (kind is not list and isinstance(value, Mapping)):
        return {
            key: _canonical(item) if type(item) in _CONTAINERS else item
            for key, item in value.items()
            if item is not None and not (item is False and key in _DEFAULT_FALSE)
        }
    if kind is list:
        items = [_canonical(item) if type(item) in _CONTAINERS else item for item in value]
        if not items:
            return items
        first = items[0]
        if type(first) is dict and all(type(i) is dict and type(i.get("name")) is str for i in items):
            return sorted(items, key=_name)
        if type(first) is str and all(type(i) is str for i in items):
            return sorted(items)
        return items
    return value


_CONTAINERS: Final = (dict, list)


def _name(item: dict[str, Any]) -> str:
    return cast(str, item["name"])


def canonical_introspection(intro: IntrospectionDict) -> IntrospectionDict:
    """Order- and variant-independent form of an introspection result."""
    return cast(IntrospectionDict, _canonical(intro))


def canonical_bytes(intro: IntrospectionDict) -> bytes:
    return json.dumps(
        canonical_introspection(intro), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def fingerprint(intro: IntrospectionDict) -> str:
    """sha256 of the canonical form: equal schemas have equal fingerprints, whatever the server's order."""
    return hashlib.sha256(canonical_bytes(intro)).hexdigest()


def type_fingerprints(intro: IntrospectionDict) -> dict[str, str]:
    """Per named type, the sha256 of its canonical JSON: lets a diff skip unchanged types."""
    canon = canonical_introspection(intro)["__schema"]
    return {
        t["name"]: hashlib.sha256(json.dumps(t, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        for t in canon.get("types", [])
    }


def canonical_sdl(schema: GraphQLSchema) -> str:
    """The schema printed with every list sorted; for humans and `introspect -o x.graphql`."""
    return print_schema(lexicographic_sort_schema(schema))


def _location(exc: GraphQLError) -> str:
    if exc.locations:
        loc = exc.locations[0]
        return f"line {loc.line}, column {loc.column}"
    return "an unknown position"
