"""Canonical form and fingerprints: order and query variant never look like drift."""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import math
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from graphql import build_schema

from monitor.core import schema as schema_module
from monitor.core.schema import (
    canonical_bytes,
    canonical_introspection,
    canonical_sdl,
    fingerprint,
    fingerprint_of,
    gc_paused,
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


# --------------------------------------------------------------------------- gc_paused, shared by threads

WAIT = 10.0  # seconds a test thread waits for another before the test gives up (never reached when green)


@pytest.fixture
def collector_on() -> Iterator[None]:
    """Each test starts with the collector on and leaves it on, whatever it asserted."""
    gc.enable()
    yield
    gc.enable()


def _run_threads(*bodies: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def guarded(body: Callable[[], None]) -> None:
        try:
            body()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    if errors:
        raise errors[0]


def test_gc_stays_off_while_any_thread_is_inside_a_pause(collector_on: None) -> None:
    """A enters, B enters, A leaves: B's block must still run without the collector."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen_by_b: list[bool] = []

    def a() -> None:
        with gc_paused():
            a_in.set()
            assert b_in.wait(WAIT)
        a_out.set()

    def b() -> None:
        assert a_in.wait(WAIT)
        with gc_paused():
            b_in.set()
            assert a_out.wait(WAIT)
            seen_by_b.append(gc.isenabled())

    _run_threads(a, b)
    assert seen_by_b == [False]
    assert gc.isenabled()


class _SlowSwitchGc:
    """The real ``gc`` module, except that one thread's ``disable()`` waits for a signal first: the window
    between reading the collector's state and switching it off, forced open."""

    def __init__(self, slow_thread: str, proceed: threading.Event, reached: threading.Event) -> None:
        self.slow_thread, self.proceed, self.reached = slow_thread, proceed, reached

    def isenabled(self) -> bool:
        return gc.isenabled()

    def enable(self) -> None:
        gc.enable()

    def disable(self) -> None:
        if threading.current_thread().name == self.slow_thread:
            self.reached.set()
            assert self.proceed.wait(WAIT)
        gc.disable()


def test_gc_is_back_on_after_an_unlucky_interleaving(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B reads "off" while A is inside, A leaves (collector on), B switches it off and, having read "off",
    never switches it back: the collector stayed off for the rest of the process."""
    a_in, b_progress, a_out = threading.Event(), threading.Event(), threading.Event()
    monkeypatch.setattr(schema_module, "gc", _SlowSwitchGc("b", a_out, b_progress))

    def a() -> None:
        with gc_paused():
            a_in.set()
            assert b_progress.wait(WAIT)  # B is inside its pause, or stuck between reading and switching
        a_out.set()

    def b() -> None:
        assert a_in.wait(WAIT)
        with gc_paused():
            b_progress.set()

    first, second = threading.Thread(target=a, name="a"), threading.Thread(target=b, name="b")
    first.start()
    second.start()
    first.join(WAIT)
    second.join(WAIT)
    assert not first.is_alive() and not second.is_alive()
    assert gc.isenabled()


def test_gc_pause_nests_and_keeps_a_collector_that_was_off_off(collector_on: None) -> None:
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_gc_is_on_after_many_threads_pause_it_concurrently(collector_on: None) -> None:
    start = threading.Barrier(8)

    def body() -> None:
        start.wait(WAIT)
        for _ in range(2000):
            with gc_paused():
                assert not gc.isenabled()

    _run_threads(*(body for _ in range(8)))
    assert gc.isenabled()


# --------------------------------------------------------------------------- pinned canonical form

#: A fixed introspection result, written out by hand (no graphql-core in the way): every order scrambled,
#: every default (null, false) spelled out, a non-ASCII description.
FIXED: dict[str, Any] = {
    "__schema": {
        "queryType": {"name": "Query"},
        "mutationType": None,
        "subscriptionType": None,
        "description": None,
        "directives": [],
        "types": [
            {
                "kind": "OBJECT",
                "name": "Query",
                "description": "Einstieg — überall",
                "specifiedByURL": None,
                "isOneOf": False,
                "fields": [
                    {
                        "name": "stack",
                        "description": None,
                        "args": [
                            {
                                "name": "id",
                                "description": None,
                                "type": {
                                    "kind": "NON_NULL",
                                    "name": None,
                                    "ofType": {"kind": "SCALAR", "name": "ID", "ofType": None},
                                },
                                "defaultValue": None,
                                "isDeprecated": False,
                                "deprecationReason": None,
                            }
                        ],
                        "type": {"kind": "SCALAR", "name": "String", "ofType": None},
                        "isDeprecated": False,
                        "deprecationReason": None,
                    },
                    {
                        "name": "old",
                        "description": None,
                        "args": [],
                        "type": {"kind": "SCALAR", "name": "String", "ofType": None},
                        "isDeprecated": True,
                        "deprecationReason": "use stack",
                    },
                ],
                "inputFields": None,
                "interfaces": [],
                "enumValues": None,
                "possibleTypes": None,
            },
            *(
                {
                    "kind": "SCALAR",
                    "name": name,
                    "description": None,
                    "specifiedByURL": None,
                    "isOneOf": False,
                    "fields": None,
                    "inputFields": None,
                    "interfaces": None,
                    "enumValues": None,
                    "possibleTypes": None,
                }
                for name in ("String", "ID")
            ),
        ],
    }
}


def test_the_canonical_form_and_fingerprints_are_pinned() -> None:
    """Every stored snapshot id is this fingerprint: a change to the canonical form (a default dropped or
    kept, an order, an encoding) would re-baseline every monitored target at once, and silently. Changing
    these values needs a store migration that re-fingerprints the snapshots."""
    assert canonical_bytes(FIXED).decode() == (
        '{"__schema":{"directives":[],"queryType":{"name":"Query"},"types":[{"kind":"SCALAR","name":"ID"},'
        '{"description":"Einstieg — überall","fields":[{"args":[],"deprecationReason":"use stack",'
        '"isDeprecated":true,"name":"old","type":{"kind":"SCALAR","name":"String"}},{"args":[{"name":"id",'
        '"type":{"kind":"NON_NULL","ofType":{"kind":"SCALAR","name":"ID"}}}],"name":"stack","type":'
        '{"kind":"SCALAR","name":"String"}}],"interfaces":[],"kind":"OBJECT","name":"Query"},'
        '{"kind":"SCALAR","name":"String"}]}}'
    )
    assert fingerprint(FIXED) == "474f63508d941cdbcd09a9145fa28f287e94761683d16f14987820889a996709"
    assert fingerprint(shuffled(FIXED, 3)) == fingerprint(FIXED)
    assert fingerprint_of(canonical_introspection(FIXED)) == fingerprint(FIXED)
    # Per-type fingerprints are only a cache that lets a diff skip equal types (a mismatch costs a full
    # diff of that type, never a reported change); they hash UTF-8 bytes, as the snapshot fingerprint does.
    assert type_fingerprints(FIXED) == {
        "ID": "05951c6c7ac190fbb998e6805f7dcddbd513d4b458979559c0b688b3790ce537",
        "Query": "2e452003eedc9de9ca1848318bf3f678707d4afa160ebfe4a08410813d323a58",
        "String": "bedc023f4c9ae5ba03f96f5c27a547f01542683a5e91b153bbccaea9ebafd169",
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("github-14.0.0", "bdf7e1f977cef8040504bb9b2d193eb703a8c870b8c220d39e0599dcd8dbb11f"),
        ("shopify-storefront-2026.4", "9a641ad82a0aa40eef311a6dddd778be08f1e8b5ba4740e03fa6aa47b99d0ad3"),
    ],
)
def test_real_schemas_keep_their_fingerprints(name: str, expected: str) -> None:
    assert fingerprint(realschemas.load(name)) == expected


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
        # a long digit run in a string (GitHub quotes 40-digit object ids) and a long number after it
        (
            b'{"d": "point to 0000000000000000000000000000000000000000", "n": [1,\n -98765432109876543210987]}',
            {"d": "point to " + "0" * 40, "n": [1, -98765432109876543210987]},
        ),
        (b'{"n": 1.00000000000000000001e400}', {"n": math.inf}),
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
