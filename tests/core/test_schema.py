"""Canonical form and fingerprints: order and query variant never look like drift."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random

import pytest
from graphql import build_schema

from monitor.core.schema import (
    canonical_introspection,
    canonical_sdl,
    fingerprint,
    fingerprint_of,
    introspection_of,
    loads_document,
    schema_from_introspection,
    sorted_json,
    type_fingerprints,
    unwrap_introspection,
)
from monitor.errors import SchemaError
from tests import realschemas

SDL = '''
"""A stack"""
type Stack implements Node {
  id: ID! name: String @deprecated(reason: "Use `label`") label: String runs(first: Int = 10): [Run!]!
}
type Run implements Node { id: ID! state: RunState! }
interface Node { id: ID! }
enum RunState { QUEUED FINISHED FAILED }
input StackInput @oneOf { name: String id: ID }
scalar Datetime @specifiedBy(url: "https://example.com/datetime")
type Query { stacks(input: StackInput): [Stack!]! node(id: ID!): Node now: Datetime }
'''


def shuffled(intro: dict, seed: int) -> dict:
    rng = random.Random(seed)
    data = copy.deepcopy(intro)

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            rng.shuffle(value)
            for item in value:
                walk(item)

    walk(data)
    return data


def test_fingerprint_ignores_order() -> None:
    intro = introspection_of(build_schema(SDL))
    base = fingerprint(intro)
    for seed in range(5):
        assert fingerprint(shuffled(intro, seed)) == base
    assert type_fingerprints(shuffled(intro, 9)) == type_fingerprints(intro)


def test_fingerprint_ignores_fields_an_older_query_variant_omits() -> None:
    intro = introspection_of(build_schema(SDL))
    older = copy.deepcopy(intro)
    for t in older["__schema"]["types"]:
        if t.get("isOneOf") is False:
            del t["isOneOf"]
    assert fingerprint(older) == fingerprint(intro)


def test_fingerprint_sees_real_changes() -> None:
    a = introspection_of(build_schema(SDL))
    b = introspection_of(build_schema(SDL.replace("QUEUED ", "QUEUED CANCELED ")))
    assert fingerprint(a) != fingerprint(b)
    changed = {k for k, v in type_fingerprints(b).items() if type_fingerprints(a).get(k) != v}
    assert changed == {"RunState"}


def test_round_trip_keeps_introspection_only_facts() -> None:
    schema = schema_from_introspection(introspection_of(build_schema(SDL)))
    sdl = canonical_sdl(schema)
    assert "@oneOf" in sdl
    assert '@specifiedBy(url: "https://example.com/datetime")' in sdl
    assert 'reason: "Use `label`"' in sdl


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "expected a JSON object"),
        ({"data": None, "errors": [{"message": "no"}]}, "no __schema"),
        ({"data": {"__schema": {"types": []}}}, "types is missing or empty"),
        ({"__schema": {"types": [{"kind": "OBJECT", "name": "Q"}]}}, "queryType is missing"),
    ],
)
def test_unwrap_refuses_partial_results(data: object, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        unwrap_introspection(data)


def test_schema_referencing_missing_type_is_refused() -> None:
    intro = introspection_of(build_schema(SDL))
    intro["__schema"]["types"] = [t for t in intro["__schema"]["types"] if t["name"] != "Run"]
    with pytest.raises(SchemaError, match="not a complete schema"):
        schema_from_introspection(intro)


def _stdlib_sorted(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "value",
    [
        {"every": "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)},
        {"b": [1, -5, 2**63 - 1, True, False, None], "a": {"é": 1, "e": 2, "E": 3, "_": 4, "": 0}},
        {"floats": [0.1, 1e16, 1e-7, -0.0, 5e-324]},
        {"nan": [float("nan"), float("inf")]},
        {"big": 2**70},
        {"lone surrogate": "\ud800"},
        {"looks like a float": "ratio:1.5, [null"},
    ],
    ids=["every code point", "scalars", "floats", "nan", "big int", "surrogate", "string"],
)
def test_sorted_json_writes_the_bytes_of_the_standard_library(value: object) -> None:
    """Fingerprints hash these bytes: a faster writer must never change one (nor what fails)."""
    try:
        expected: bytes | type[Exception] = _stdlib_sorted(value)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 bytes
        expected = UnicodeEncodeError
    if isinstance(expected, bytes):
        assert sorted_json(value) == expected
    else:
        with pytest.raises(expected):
            sorted_json(value)


@pytest.mark.parametrize("name", ["github-14.0.0", "shopify-storefront-2026.4"])
def test_fingerprints_of_real_schemas_are_those_of_the_standard_library(name: str) -> None:
    canon = canonical_introspection(realschemas.load(name))
    assert fingerprint_of(canon) == hashlib.sha256(_stdlib_sorted(canon)).hexdigest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'{"a": 1, "a": 2}', {"a": 2}),
        (b'["\\ud800"]', ["\ud800"]),  # orjson refuses a lone surrogate; the standard library does not
        (b"[NaN]", None),
        (b"[123456789012345678901234567890]", [123456789012345678901234567890]),
    ],
)
def test_loads_document_accepts_what_the_standard_library_accepts(text: bytes, expected: object) -> None:
    parsed = loads_document(text)
    if expected is None:
        assert math.isnan(parsed[0])
    else:
        assert parsed == expected


def test_loads_document_refuses_what_the_standard_library_refuses() -> None:
    with pytest.raises(json.JSONDecodeError, match="Expecting value"):
        loads_document(b'{"a": ')
    with pytest.raises(RecursionError):
        loads_document(b"[" * 200_000 + b"]" * 200_000)
