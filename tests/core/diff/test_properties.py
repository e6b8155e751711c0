"""Property tests over generated schemas: no self-diff, stable ids, reversed safe evolutions never safe."""

from __future__ import annotations

import copy
from typing import Any

from graphql import build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.core.changes import Criticality
from monitor.core.diff import diff_schemas
from monitor.core.schema import introspection_of, schema_from_introspection
from tests.core.diff.helpers import assert_json_diff_agrees

WRAPS = ["{}", "{}!", "[{}]", "[{}!]", "[{}]!", "[{}!]!"]
SCALARS = ["Int", "String", "Boolean", "ID", "Float"]
Model = dict[str, Any]

_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def models(draw: st.DrawFn) -> Model:
    n_obj, n_in_enum, n_out_enum, n_inp = (draw(st.integers(1, 4)) for _ in range(4))
    objects = [f"O{i}" for i in range(n_obj)]
    in_enums = [f"InEnum{i}" for i in range(n_in_enum)]
    out_enums = [f"OutEnum{i}" for i in range(n_out_enum)]
    inputs = [f"In{i}" for i in range(n_inp)]
    wrap = st.sampled_from(WRAPS)
    out_named = st.sampled_from(SCALARS + objects + out_enums)
    in_named = st.sampled_from(SCALARS + in_enums + inputs)

    def ref(named: st.SearchStrategy[str]) -> str:
        return draw(wrap).format(draw(named))

    model: Model = {"objects": {}, "in_enums": {}, "out_enums": {}, "inputs": {}}
    for name in objects:
        fields = {}
        for j in range(draw(st.integers(1, 4))):
            args = {f"a{k}": ref(in_named) for k in range(draw(st.integers(0, 2)))}
            fields[f"f{j}"] = [ref(out_named), args]
        model["objects"][name] = fields
    for name in in_enums:
        model["in_enums"][name] = [f"V{k}" for k in range(draw(st.integers(1, 3)))]
    for name in out_enums:
        model["out_enums"][name] = [f"V{k}" for k in range(draw(st.integers(1, 3)))]
    for i, name in enumerate(inputs):
        # inputs only reference earlier inputs: no required-input cycles
        named = st.sampled_from(SCALARS + in_enums + inputs[:i])
        model["inputs"][name] = {
            f"g{k}": draw(wrap).format(draw(named)) for k in range(draw(st.integers(1, 3)))
        }
    # make every enum and input reachable
    model["query"] = {f"q{name}": [name, {}] for name in objects}
    model["query"]["qin"] = ["Int", {f"x{name}": name for name in in_enums + inputs}]
    model["query"]["qout"] = ["[String]", {}]
    for k, name in enumerate(out_enums):
        model["query"][f"qo{k}"] = [name, {}]
    return model


def render(model: Model) -> str:
    def fields(spec: dict[str, list[Any]]) -> str:
        out = []
        for fname, (type_ref, args) in spec.items():
            arg_text = ", ".join(f"{a}: {t}" for a, t in args.items())
            out.append(f"{fname}({arg_text}): {type_ref}" if arg_text else f"{fname}: {type_ref}")
        return " ".join(out)

    parts = [f"type Query {{ {fields(model['query'])} }}"]
    parts += [f"type {n} {{ {fields(spec)} }}" for n, spec in model["objects"].items()]
    parts += [f"enum {n} {{ {' '.join(v)} }}" for n, v in {**model["in_enums"], **model["out_enums"]}.items()]
    parts += [
        f"input {n} {{ {' '.join(f'{k}: {t}' for k, t in spec.items())} }}"
        for n, spec in model["inputs"].items()
    ]
    return "\n".join(parts)


@st.composite
def evolved(draw: st.DrawFn) -> tuple[Model, Model]:
    """A model and a copy changed only in ways that break no client (additions, tightened outputs,
    loosened inputs)."""
    old = draw(models())
    new = copy.deepcopy(old)
    objects = list(new["objects"])
    for step in draw(st.lists(st.integers(0, 6), min_size=1, max_size=5)):
        obj = new["objects"][draw(st.sampled_from(objects))]
        field = draw(st.sampled_from(sorted(obj)))
        if step == 0:
            obj[f"n{len(obj)}"] = ["String", {}]
        elif step == 1 and new["in_enums"]:
            values = new["in_enums"][draw(st.sampled_from(sorted(new["in_enums"])))]
            values.append(f"N{len(values)}")
        elif step == 2:
            obj[field][1][f"opt{len(obj[field][1])}"] = draw(st.sampled_from(["Int", "[String]", "Int! = 1"]))
        elif step == 3:
            name = f"New{len(new['objects'])}"
            new["objects"][name] = {"id": ["ID!", {}]}
            new["query"][f"q{name}"] = [name, {}]
        elif step == 4 and new["inputs"]:
            spec = new["inputs"][draw(st.sampled_from(sorted(new["inputs"])))]
            spec[f"h{len(spec)}"] = draw(st.sampled_from(["Int", 'String! = "x"']))
        elif step == 5 and not obj[field][0].endswith("!"):
            obj[field][0] += "!"
        elif step == 6:
            for arg, type_ref in obj[field][1].items():
                if type_ref.endswith("!"):
                    obj[field][1][arg] = type_ref[:-1]
                    break
    return old, new


@_settings
@given(models())
def test_a_schema_has_no_changes_against_itself(model: Model) -> None:
    sdl = render(model)
    assert diff_schemas(build_schema(sdl), build_schema(sdl)) == []
    via_introspection = schema_from_introspection(introspection_of(build_schema(sdl)))
    assert diff_schemas(build_schema(sdl), via_introspection) == []


@_settings
@given(evolved())
def test_ids_are_stable_and_unique(pair: tuple[Model, Model]) -> None:
    old, new = (render(m) for m in pair)
    first = diff_schemas(build_schema(old), build_schema(new))
    second = diff_schemas(build_schema(old), build_schema(new))
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


@_settings
@given(evolved())
def test_safe_evolutions_reversed_are_never_safe(pair: tuple[Model, Model]) -> None:
    old, new = (build_schema(render(m)) for m in pair)
    forward = diff_schemas(old, new)
    assert all(c.criticality is not Criticality.BREAKING for c in forward), forward
    backward = diff_schemas(new, old)
    assert len(backward) >= len([c for c in forward if c.type.value != "TYPE_ADDED"])
    unsafe = [c for c in backward if c.criticality is Criticality.SAFE]
    assert unsafe == [], [(c.type.value, c.path, c.reason) for c in unsafe]


@_settings
@given(models(), st.data())
def test_removing_a_field_or_input_enum_value_is_reported_breaking(model: Model, data: st.DataObject) -> None:
    new = copy.deepcopy(model)
    obj = data.draw(st.sampled_from(sorted(new["objects"])))
    field = data.draw(st.sampled_from(sorted(new["objects"][obj])))
    del new["objects"][obj][field]
    if not new["objects"][obj]:
        new["objects"][obj]["stub"] = ["Int", {}]
    paths = {f"{obj}.{field}"}
    if new["in_enums"]:
        enum = data.draw(st.sampled_from(sorted(new["in_enums"])))
        if len(new["in_enums"][enum]) > 1:
            paths.add(f"{enum}.{new['in_enums'][enum].pop()}")
    found = diff_schemas(build_schema(render(model)), build_schema(render(new)))
    breaking = {c.path for c in found if c.criticality is Criticality.BREAKING}
    assert paths <= breaking


@_settings
@given(models(), models())
def test_the_json_diff_agrees_with_the_built_diff_on_unrelated_schemas(old: Model, new: Model) -> None:
    old_intro, new_intro = (introspection_of(build_schema(render(m))) for m in (old, new))
    assert_json_diff_agrees(old_intro, new_intro)
    assert_json_diff_agrees(new_intro, old_intro)


@_settings
@given(evolved())
def test_the_json_diff_agrees_with_the_built_diff_on_evolutions(pair: tuple[Model, Model]) -> None:
    old_intro, new_intro = (introspection_of(build_schema(render(m))) for m in pair)
    forward = assert_json_diff_agrees(old_intro, new_intro)
    backward = assert_json_diff_agrees(new_intro, old_intro)
    assert forward or backward or pair[0] == pair[1]
