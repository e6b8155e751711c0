"""The JSON diff: equal to the built diff on large generated schemas, falls back when it cannot answer."""

from __future__ import annotations

import copy
import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from graphql import build_schema

from monitor.core.diff.introspected import NeedsFullBuild, diff_introspections
from monitor.core.schema import introspection_of
from tests.core.diff.helpers import assert_json_diff_agrees


def _bench_generator() -> ModuleType:
    """bench/bench_diff.py's schema generator: objects, interfaces, unions, enums, nested inputs."""
    path = Path(__file__).resolve().parents[3] / "bench" / "bench_diff.py"
    spec = importlib.util.spec_from_file_location("bench_diff_for_tests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BENCH = _bench_generator()


def _intro(model: dict[str, Any]) -> dict[str, Any]:
    return introspection_of(build_schema(BENCH.render(model)))


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("fraction", [0.02, 0.3])
def test_agrees_with_the_built_diff_on_a_mutated_large_schema(seed: int, fraction: float) -> None:
    rng = random.Random(seed)
    base = BENCH.generate(300, rng)
    old, new = _intro(base), _intro(BENCH.mutate(base, fraction, rng))

    forward = assert_json_diff_agrees(old, new)
    assert_json_diff_agrees(new, old)
    assert len({c.path.split(".")[0] for c in forward}) >= int(300 * fraction * 0.5)


def test_identical_inputs_have_no_changes() -> None:
    intro = _intro(BENCH.generate(200, random.Random(4)))
    assert diff_introspections(intro, copy.deepcopy(intro)) == []


def _sdl_intro(sdl: str) -> dict[str, Any]:
    return introspection_of(build_schema(sdl))


def test_an_unchanged_malformed_type_does_not_stop_the_diff() -> None:
    """Types equal on both sides are compared as values, not rebuilt: a change elsewhere is still found."""
    old = _sdl_intro("type Query { a: Int b: Odd } type Odd { x: Int }")
    new = _sdl_intro("type Query { a: String b: Odd } type Odd { x: Int }")
    for intro in (old, new):
        odd = next(t for t in intro["__schema"]["types"] if t["name"] == "Odd")
        odd["description"] = 5  # refused by a full build, but equal on both sides
    found = diff_introspections(old, new)
    assert [(c.type.value, c.path) for c in found] == [("FIELD_TYPE_CHANGED", "Query.a")]


def test_a_malformed_changed_type_needs_the_full_build() -> None:
    old = _sdl_intro("type Query { a: Int }")
    new = _sdl_intro("type Query { a: String }")
    query = next(t for t in new["__schema"]["types"] if t["name"] == "Query")
    query["description"] = 5
    with pytest.raises(NeedsFullBuild, match=r"Query.description"):
        diff_introspections(old, new)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda intro: intro["__schema"]["types"].append({"kind": "OBJECT"}),  # a type without a name
        lambda intro: intro["__schema"]["types"].append(intro["__schema"]["types"][0]),  # a repeated name
        lambda intro: intro["__schema"].update(queryType={"name": "Missing"}),  # a root that is not defined
        lambda intro: intro["__schema"]["types"][0].update(kind=None, fields=None),
    ],
)
def test_inputs_it_cannot_answer_for_need_the_full_build(breakage: Any) -> None:
    old = _sdl_intro("type Query { a: Int } type T { b: Int }")
    new = copy.deepcopy(old)
    breakage(new)
    with pytest.raises(NeedsFullBuild):
        diff_introspections(old, new)
