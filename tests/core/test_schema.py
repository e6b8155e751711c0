"""Canonical form and fingerprints: order and query variant never look like drift."""

from __future__ import annotations

import copy
import random

import pytest
from graphql import build_schema

from monitor.core.schema import (
    canonical_sdl,
    fingerprint,
    introspection_of,
    schema_from_introspection,
    type_fingerprints,
    unwrap_introspection,
)
from monitor.errors import SchemaError

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
