"""Schemas as data: introspection JSON and SDL in, a GraphQLSchema, a canonical form and fingerprints out.

The raw introspection JSON is the stored truth. Its canonical form (every named list sorted by name, keys
sorted, defaults such as ``isOneOf: false`` dropped) is what the fingerprint hashes, so neither the order a
server happens to emit nor the introspection query variant that worked, nor a graphql-core upgrade that
prints SDL differently, ever looks like drift.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, cast

import orjson
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


class _GcPause:
    """Who is inside a :func:`gc_paused` block right now, process-wide.

    The collector's switch is one global; worker threads and the event loop enter and leave pauses in any
    interleaving. A count under a lock makes the pause a shared one: the first user switches the collector
    off (remembering whether it was on), the last one switches it back on only if it was on before. A
    per-block save-and-restore instead lets one block re-enable the collector inside another's, and an
    unlucky interleaving leaves it off for the rest of the process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._was_enabled = False

    def enter(self) -> None:
        with self._lock:
            if self._users == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._was_enabled:
                gc.enable()


_gc_pause: Final = _GcPause()


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the collector is back on when the last block ends.

    Parsing or building a large schema allocates millions of containers, none of them garbage; the
    collector, triggered by allocation counts, would walk them again and again (it doubles the parse time
    of a 10 MB introspection result). Safe from any thread and nestable: the pause is reference-counted
    (see :class:`_GcPause`). In a long-lived process keep the block free of awaits, so that it never spans
    other tasks' work.
    """
    _gc_pause.enter()
    try:
        yield
    finally:
        _gc_pause.leave()


def loads_document(text: str | bytes) -> Any:
    """``json.loads`` for large documents (introspection results), with the cyclic GC paused meanwhile.

    orjson parses twice as fast as the standard library; whatever it refuses (a lone surrogate escape,
    NaN, nesting past 1024 levels) goes to ``json.loads``, so the same documents are accepted and the same
    errors (``ValueError``, ``RecursionError``) raised as before. A number of 19 digits or more goes there
    too: orjson would read an integer beyond 64 bits as a float.
    """
    with gc_paused():
        try:
            data = text.encode() if isinstance(text, str) else text
        except UnicodeEncodeError:  # a lone surrogate: the standard library says what it makes of it
            return json.loads(text)
        # A number of 19 digits or more: the standard library. The same run inside a string (GitHub's
        # descriptions quote 40-digit object ids) is left to orjson.
        if not _has_long_number(data):
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                pass
        return json.loads(text)


_DIGITS: Final = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER: Final = b"0" * 19
_BEFORE_NUMBER: Final = frozenset(b":[,")
_NUMBER_CHARS: Final = frozenset(b"-+.eE0123456789 \t\r\n")


def _has_long_number(data: bytes) -> bool:
    """Whether ``data`` may hold a JSON number of 19 digits or more: a run of 19 digits whose token starts
    right after ``:``, ``[`` or ``,`` (a run inside a string follows a quote or a letter instead). Text that
    only looks like such a number (``"value: 0000..."`` in a string) answers True: slower, not wrong."""
    digits = data.translate(_DIGITS)
    start = digits.find(_LONG_NUMBER)
    while start >= 0:
        before = start - 1
        while before >= 0 and data[before] in _NUMBER_CHARS:
            before -= 1
        if before < 0 or data[before] in _BEFORE_NUMBER:
            return True
        start = digits.find(_LONG_NUMBER, start + len(_LONG_NUMBER))
    return False


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


def schema_from_introspection(
    intro: IntrospectionDict, *, source: str = "document", shape_checked: bool = False
) -> GraphQLSchema:
    """Build a client schema; any inconsistency (a missing referenced type, ...) is a SchemaError.

    Values of the wrong JSON type and invalid names are refused first (:func:`shape_problem`): graphql-core
    takes them as they come and they would break every later diff and print. ``shape_checked``: the
    caller has already found no shape problem in ``intro`` (do not walk it again).
    """
    problem = None if shape_checked else shape_problem(intro)
    if problem:
        raise SchemaError(f"{source}: malformed introspection: {problem}")
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
        schema = build_ast_schema(document, assume_valid=True, assume_valid_sdl=True)
    except (GraphQLError, TypeError, KeyError, ValueError) as exc:
        raise SchemaError(f"{source}: SDL does not describe a schema: {exc}") from exc
    if schema.query_type is None:
        raise SchemaError(
            f"{source}: the SDL defines no Query type (add `type Query {{ ... }}` or a `schema {{ query: ... }}`)"
        )
    return schema


def introspection_of(schema: GraphQLSchema) -> IntrospectionDict:
    """The full introspection result of a schema built from SDL (what a server would answer)."""
    if schema.query_type is None:
        raise SchemaError("the schema has no Query type, so it cannot be introspected")
    try:
        result = introspection_from_schema(
            schema,
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            schema_description=True,
            input_value_deprecation=True,
            one_of=True,
        )
    except (GraphQLError, TypeError) as exc:  # names graphql-core cannot print, and the like
        raise SchemaError(f"the schema cannot be introspected: {exc}") from exc
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


def canonical_type(type_: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical form of one named type of an introspection result (as in :func:`type_fingerprints`)."""
    return cast(dict[str, Any], _canonical(type_))


def canonical_bytes(intro: IntrospectionDict) -> bytes:
    return sorted_json(canonical_introspection(intro))


# A float or null token in compact JSON: where orjson and the standard library may write different bytes.
_MAY_DIFFER: Final = re.compile(rb"[:,\[](?:-?[0-9]+[.eE]|null)")


def sorted_json(value: Any) -> bytes:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()``, the bytes
    every fingerprint hashes, written by orjson (ten times faster) where its bytes are the same.

    They are for every string (each code point; tests/core/test_schema.py compares), integer up to 64
    bits, boolean and key order. A float (``1e+16`` against ``1e16``), a NaN (orjson writes ``null``),
    anything orjson refuses (a lone surrogate, a larger integer) goes to the standard library, so a
    fingerprint never changes with the writer.
    """
    try:
        data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        data = None
    if data is None or _MAY_DIFFER.search(data) is not None:  # a string may look so too: slower, not wrong
        data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return data


def fingerprint(intro: IntrospectionDict) -> str:
    """sha256 of the canonical form: equal schemas have equal fingerprints, whatever the server's order."""
    return hashlib.sha256(canonical_bytes(intro)).hexdigest()


def fingerprint_of(canon: IntrospectionDict) -> str:
    """:func:`fingerprint` of an already canonical form (a check computes that form once)."""
    return hashlib.sha256(sorted_json(canon)).hexdigest()


def type_fingerprints(intro: IntrospectionDict) -> dict[str, str]:
    """Per named type, the sha256 of its canonical JSON: lets a diff skip unchanged types."""
    return type_fingerprints_of(canonical_introspection(intro))


def type_fingerprints_of(canon: IntrospectionDict) -> dict[str, str]:
    """:func:`type_fingerprints` of an already canonical form.

    (Written as UTF-8 since issue 16, before as ASCII escapes: a type with a non-ASCII text stored by an
    older gqlmon compares unequal once and is diffed whole -- these only let a diff skip work.)
    """
    return {t["name"]: hashlib.sha256(sorted_json(t)).hexdigest() for t in canon["__schema"].get("types", [])}


def canonical_sdl(schema: GraphQLSchema) -> str:
    """The schema printed with every list sorted; for humans and `introspect -o x.graphql`."""
    return print_schema(lexicographic_sort_schema(schema))


def _location(exc: GraphQLError) -> str:
    if exc.locations:
        loc = exc.locations[0]
        return f"line {loc.line}, column {loc.column}"
    return "an unknown position"


# ------------------------------------------------------------------------------------- shape checks

_NAME_RE: Final = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
_TEXT_KEYS: Final = ("description", "deprecationReason", "specifiedByURL", "defaultValue")
_FLAG_KEYS: Final = ("isDeprecated", "isRepeatable", "isOneOf")
_MAX_TYPE_DEPTH: Final = 32


def shape_problem(intro: Mapping[str, Any]) -> str | None:
    """The first value of the wrong JSON type or an invalid GraphQL name in an introspection result.

    graphql-core's ``build_client_schema(assume_valid=True)`` takes names and texts as they come, so an
    API answering ``"description": 5`` or naming an enum value ``<b>`` would be stored and break every
    later diff and print. Data from the API is refused here instead (a failed run, the baseline kept).
    """
    schema = intro.get("__schema")
    if not isinstance(schema, Mapping):
        return "__schema is not an object"
    problem = _texts(schema, "__schema")
    for key in ("queryType", "mutationType", "subscriptionType"):
        root = schema.get(key)
        if root is not None and not (isinstance(root, Mapping) and _is_name(root.get("name"))):
            return f"__schema.{key} has no valid name"
    types = schema.get("types")
    if not isinstance(types, list):
        return "__schema.types is not a list"
    for index, item in enumerate(types):
        problem = problem or _type_problem(item, f"types[{index}]")
    directives = schema.get("directives") or []
    if not isinstance(directives, list):
        return "__schema.directives is not a list"
    for index, item in enumerate(directives):
        where = f"directives[{index}]"
        if not isinstance(item, Mapping) or not _is_name(item.get("name")):
            return f"{where} has no valid name"
        where = f"@{item['name']}"
        locations = item.get("locations")
        if not isinstance(locations, list) or not all(isinstance(x, str) for x in locations):
            return f"{where}.locations is not a list of names"
        problem = problem or _texts(item, where) or _inputs(item.get("args"), f"{where}.args")
    return problem


def _type_problem(item: Any, where: str) -> str | None:
    if not isinstance(item, Mapping) or not _is_name(item.get("name")):
        return f"{where} has no valid name"
    where = str(item["name"])
    if not isinstance(item.get("kind"), str):
        return f"{where}.kind is not a string"
    for key in ("fields", "enumValues", "interfaces", "possibleTypes"):
        if item.get(key) is not None and not isinstance(item[key], list):
            return f"{where}.{key} is not a list"
    problem = _texts(item, where)
    for key in ("fields", "enumValues"):
        for member in item.get(key) or []:
            if not isinstance(member, Mapping) or not _is_name(member.get("name")):
                return f"{where}.{key} has a member without a valid name"
            sub = f"{where}.{member['name']}"
            problem = problem or _texts(member, sub)
            if key == "fields":
                problem = problem or _ref(member.get("type"), sub) or _inputs(member.get("args"), sub)
    problem = problem or _inputs(item.get("inputFields"), f"{where}.inputFields")
    for key in ("interfaces", "possibleTypes"):
        problem = problem or next((p for r in item.get(key) or [] if (p := _ref(r, f"{where}.{key}"))), None)
    return problem


def _inputs(values: Any, where: str) -> str | None:
    if values is None:
        return None
    if not isinstance(values, list):
        return f"{where} is not a list"
    for value in values:
        if not isinstance(value, Mapping) or not _is_name(value.get("name")):
            return f"{where} has an entry without a valid name"
        sub = f"{where}.{value['name']}"
        problem = _texts(value, sub) or _ref(value.get("type"), sub)
        if problem:
            return problem
    return None


def _ref(ref: Any, where: str) -> str | None:
    """A type reference: ``{kind, name}`` or ``{kind, ofType}`` nested at most a few levels."""
    for _ in range(_MAX_TYPE_DEPTH):
        if not isinstance(ref, Mapping) or not isinstance(ref.get("kind"), str):
            return f"{where} has a malformed type reference"
        if ref["kind"] not in ("LIST", "NON_NULL"):
            return None if _is_name(ref.get("name")) else f"{where} references a type without a valid name"
        ref = ref.get("ofType")
    return f"{where} has a type reference nested too deeply"


def _texts(item: Mapping[str, Any], where: str) -> str | None:
    for key in _TEXT_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            return f"{where}.{key} should be a string, not {type(value).__name__}"
    for key in _FLAG_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, bool):
            return f"{where}.{key} should be a boolean, not {type(value).__name__}"
    return None


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 1024 and _NAME_RE.match(value) is not None
