"""Benchmark saved-operation validation: full, and incremental after a diff touching 1% of coordinates.

Run: ``python bench/bench_contracts.py`` (``--types N``, ``--operations N``, ``--repeat N``, ``--seed N``).
Prints a table, exits 0 (1 when the incremental target is missed).

A synthetic, connection-style schema of about 4,000 named types is generated (objects with scalar, enum,
object and paginated connection fields, filters as input objects, mutations with inputs, deprecated
fields), and 1,000 operations the way a client app writes them: entry points chosen with a skewed
(Zipf-like) popularity, 3-6 levels deep, shared fragments in their own file, variables and inline
filter literals with enum values, aliases and ``@include`` here and there.

Then a second schema version whose diff touches 1% of the schema's coordinates, with a release-like mix
per touched field: 35% deprecated, 20% description changed, 20% made non-null, 15% optional argument
added, 10% removed. Two ways of picking the 1%:

- ``localized``: whole types at a time (a release reworks a few areas of the API) -- the realistic case;
- ``uniform``: coordinates drawn independently over the whole schema -- the worst case for reuse, since
  every operation is as likely to be hit as its size allows.

For each, the real diff (``monitor.core.diff``) gives the changes and ``touched_coordinates`` the keys;
``full`` is every operation validated against the new schema, ``incremental`` the same call with the
previous result read back from its stored JSON section. Times are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphql import build_schema

from monitor.core.contracts import (
    SourceFile,
    from_report_section,
    parse_sources,
    to_report_section,
    touched_coordinates,
    validate_operations,
)
from monitor.core.diff import diff_schemas

SCALARS = ["String", "Int", "Boolean", "DateTime", "Float"]
TARGET_RATIO = 0.1

Field = dict[str, Any]  # {"kind": scalar|enum|object|connection, "type": str, "args": {name: type}, ...}


def generate(n_types: int, rng: random.Random) -> dict[str, Any]:
    """Objects (some with connections and filters), enums, mutation inputs; roughly ``n_types`` types."""
    n_objects = int(n_types * 0.42)
    n_paged = int(n_objects * 0.38)
    n_enums = int(n_types * 0.08)
    objects = [f"Obj{i}" for i in range(n_objects)]
    paged = set(objects[:n_paged])
    enums = {f"Enum{i}": [f"V{k}" for k in range(rng.randint(3, 7))] for i in range(n_enums)}
    enum_names = list(enums)
    model: dict[str, Any] = {
        "objects": {},
        "enums": enums,
        "filters": {},
        "inputs": {},
        "query": {},
        "mutation": {},
    }
    for name in objects:
        fields: dict[str, Field] = {"id": {"kind": "scalar", "type": "ID!", "args": {}}}
        fields["name"] = {"kind": "scalar", "type": "String", "args": {}}
        for k in range(rng.randint(3, 6)):
            fields[f"s{k}"] = {"kind": "scalar", "type": rng.choice(SCALARS), "args": {}}
        fields["state"] = {"kind": "enum", "type": rng.choice(enum_names), "args": {}}
        for k in range(rng.randint(2, 4)):
            fields[f"o{k}"] = {"kind": "object", "type": rng.choice(objects), "args": {}}
        for k in range(rng.randint(1, 2)):
            target = rng.choice(objects[:n_paged])
            args = {"first": "Int", "after": "String", "filter": f"{target}Filter"}
            fields[f"c{k}"] = {"kind": "connection", "type": target, "args": args}
        if rng.random() < 0.3:
            fields["legacy"] = {
                "kind": "scalar",
                "type": "String",
                "args": {},
                "deprecated": "Use `name` instead.",
            }
        model["objects"][name] = {"fields": fields}
    for name in paged:
        model["filters"][f"{name}Filter"] = {"state": rng.choice(enum_names), "nameContains": "String"}
    for i, name in enumerate(objects[:n_paged]):
        if i % 2 == 0:
            model["query"][f"list{name}"] = {
                "kind": "connection",
                "type": name,
                "args": {"first": "Int", "after": "String", "filter": f"{name}Filter"},
            }
        else:
            model["query"][f"get{name}"] = {"kind": "object", "type": name, "args": {"id": "ID!"}}
    for name in objects[: int(n_types * 0.04)]:
        model["inputs"][f"Create{name}Input"] = {
            "name": "String!",
            "note": "String",
            "state": rng.choice(enum_names),
        }
        model["mutation"][f"create{name}"] = {
            "kind": "object",
            "type": name,
            "args": {"input": f"Create{name}Input!"},
        }
    return model


def render(model: dict[str, Any]) -> str:
    def field_sdl(name: str, spec: Field) -> str:
        args = ", ".join(f"{a}: {t}" for a, t in spec["args"].items())
        head = f"{name}({args})" if args else name
        out_type = f"{spec['type']}Connection!" if spec["kind"] == "connection" else spec["type"]
        desc = f'"{spec["desc"]}" ' if spec.get("desc") else ""
        dep = f' @deprecated(reason: "{spec["deprecated"]}")' if spec.get("deprecated") else ""
        return f"{desc}{head}: {out_type}{dep}"

    def block(fields: dict[str, Field]) -> str:
        return "\n  ".join(field_sdl(n, f) for n, f in fields.items())

    parts = [
        "scalar DateTime",
        "interface Node { id: ID! }",
        "type PageInfo { hasNextPage: Boolean! endCursor: String }",
        f"type Query {{\n  node(id: ID!): Node\n  {block(model['query'])}\n}}",
        f"type Mutation {{\n  {block(model['mutation'])}\n}}",
    ]
    paged = {name.removesuffix("Filter") for name in model["filters"]}
    for name, spec in model["objects"].items():
        parts.append(f"type {name} implements Node {{\n  {block(spec['fields'])}\n}}")
        if name in paged:
            parts.append(
                f"type {name}Connection {{ edges: [{name}Edge!]! pageInfo: PageInfo! totalCount: Int! }}"
            )
            parts.append(f"type {name}Edge {{ node: {name}! cursor: String! }}")
    parts += [f"enum {name} {{ {' '.join(values)} }}" for name, values in model["enums"].items()]
    for name, fields in (model["filters"] | model["inputs"]).items():
        parts.append(f"input {name} {{ {' '.join(f'{k}: {t}' for k, t in fields.items())} }}")
    return "\n".join(parts)


def write_operations(model: dict[str, Any], count: int, rng: random.Random) -> list[SourceFile]:
    """``count`` operations in files of ten, plus one shared fragments file."""
    objects = model["objects"]
    popular = list(objects)[:150]
    fragments = {
        name: f"fragment {name}Fields on {name} {{\n  id\n  name\n  {picked}\n}}"
        for name in popular
        for picked in [" ".join(sorted(rng.sample(scalars(objects[name]), 2)))]
    }
    roots = [("query", n, f) for n, f in model["query"].items()] + [
        ("mutation", n, f) for n, f in model["mutation"].items()
    ]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(roots))]
    used_fragments: set[str] = set()
    texts: list[str] = []
    for index in range(count):
        kind, root, spec = rng.choices(roots, weights)[0]
        variables: list[str] = []
        args = root_args(spec, variables, model, rng)
        body = selection(spec, model, rng, depth=rng.randint(2, 4), fragments=fragments, used=used_fragments)
        header = f"{kind} Op{index}" + (f"({', '.join(variables)})" if variables else "")
        texts.append(f"{header} {{\n  {root}{args} {body}\n}}\n")
    files = [
        SourceFile(f"ops/ops_{i // 10:03}.graphql", "".join(texts[i : i + 10])) for i in range(0, count, 10)
    ]
    shared = "\n\n".join(fragments[name] for name in sorted(used_fragments))
    return [SourceFile("ops/fragments.graphql", shared), *files]


def scalars(spec: dict[str, Any]) -> list[str]:
    return [
        n for n, f in spec["fields"].items() if f["kind"] == "scalar" and n not in ("id", "name", "legacy")
    ]


def root_args(spec: Field, variables: list[str], model: dict[str, Any], rng: random.Random) -> str:
    if spec["kind"] == "connection":
        variables.append("$first: Int")
        parts = ["first: $first"]
        filter_type = spec["args"]["filter"]
        if rng.random() < 0.5:
            values = model["enums"][model["filters"][filter_type]["state"]]
            parts.append(f'filter: {{state: {rng.choice(values)}, nameContains: "x"}}')
        else:
            variables.append(f"$filter: {filter_type}")
            parts.append("filter: $filter")
        return f"({', '.join(parts)})"
    if "input" in spec["args"]:
        variables.append(f"$input: {spec['args']['input']}")
        return "(input: $input)"
    variables.append("$id: ID!")
    return "(id: $id)"


def selection(
    spec: Field,
    model: dict[str, Any],
    rng: random.Random,
    *,
    depth: int,
    fragments: dict[str, str],
    used: set[str],
) -> str:
    """The selection set below a field returning ``spec['type']`` (through edges/node for connections)."""
    name = spec["type"]
    fields = model["objects"][name]["fields"]
    picks = ["id"]
    if name in fragments and rng.random() < 0.5:
        picks.append(f"...{name}Fields")
        used.add(name)
    else:
        picks += [*rng.sample(scalars(model["objects"][name]), 2), "name"]
    if "legacy" in fields and rng.random() < 0.3:
        picks.append("legacy")
    if rng.random() < 0.5:
        picks.append("state")
    if rng.random() < 0.1:
        picks.append("label: name @include(if: true)")
    if depth > 1:
        nested = [n for n, f in fields.items() if f["kind"] in ("object", "connection")]
        fan_out = rng.choices([0, 1, 2, 3], weights=[10, 55, 25, 10])[0]
        for child in rng.sample(nested, k=min(len(nested), fan_out)):
            child_spec = fields[child]
            inner = selection(child_spec, model, rng, depth=depth - 1, fragments=fragments, used=used)
            picks.append(
                f"{child}(first: 5) {inner}" if child_spec["kind"] == "connection" else f"{child} {inner}"
            )
    body = "{ " + " ".join(picks) + " }"
    if spec["kind"] == "connection":
        return f"{{ totalCount edges {{ cursor node {body} }} pageInfo {{ hasNextPage endCursor }} }}"
    return body


def shape(operations: Any, schema: Any) -> str:
    """Mean fields, object types and coordinates per operation, fragments expanded (from a validation)."""
    result = validate_operations(schema, operations)
    ops = result.operations
    fields = sum(sum(1 for c in op.used_coordinates if "." in c and "(" not in c) for op in ops) / len(ops)
    types = sum(
        sum(1 for c in op.used_coordinates if c.startswith("Obj") and "." not in c) for op in ops
    ) / len(ops)
    coords = sum(len(op.used_coordinates) for op in ops) / len(ops)
    return f"per operation: {fields:.0f} distinct fields, {types:.1f} object types, {coords:.0f} coordinates"


def all_coordinates(model: dict[str, Any]) -> list[str]:
    """Every schema coordinate of the generated types (types, fields, arguments, input fields, values)."""
    out: list[str] = []
    for name, spec in model["objects"].items():
        out.append(name)
        for field, f in spec["fields"].items():
            out.append(f"{name}.{field}")
            out += [f"{name}.{field}({a}:)" for a in f["args"]]
    for name, values in model["enums"].items():
        out += [name, *(f"{name}.{v}" for v in values)]
    for name, fields in (model["filters"] | model["inputs"]).items():
        out += [name, *(f"{name}.{k}" for k in fields)]
    return out


def mutate(model: dict[str, Any], fields: list[tuple[str, str]], rng: random.Random) -> dict[str, Any]:
    """A copy where each ``(type, field)`` is changed with a release-like mix of kinds."""
    new = copy.deepcopy(model)
    for type_name, field_name in fields:
        spec = new["objects"][type_name]["fields"]
        if field_name not in spec:
            continue
        roll = rng.random()
        if roll < 0.35:
            spec[field_name]["deprecated"] = "Use `name` instead. Will be removed on 2027-01-01."
        elif roll < 0.55:
            spec[field_name]["desc"] = "Reworded."
        elif roll < 0.75:
            if not spec[field_name]["type"].endswith("!") and spec[field_name]["kind"] != "connection":
                spec[field_name]["type"] += "!"
        elif roll < 0.90:
            spec[field_name]["args"]["extra"] = "Int"
        elif field_name not in ("id", "name"):
            del spec[field_name]
    return new


def pick_fields(
    model: dict[str, Any], budget: int, localized: bool, rng: random.Random
) -> list[tuple[str, str]]:
    """``budget`` object fields: whole types at a time (localized) or drawn independently (uniform)."""
    if localized:
        picked: list[tuple[str, str]] = []
        for name in rng.sample(list(model["objects"]), k=len(model["objects"])):
            picked += [(name, field) for field in model["objects"][name]["fields"]]
            if len(picked) >= budget:
                return picked[:budget]
        return picked
    every = [(name, field) for name, spec in model["objects"].items() for field in spec["fields"]]
    return rng.sample(every, k=budget)


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--types", type=int, default=4000)
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    model = generate(args.types, rng)
    old = build_schema(render(model))
    files = write_operations(model, args.operations, rng)
    parse_time, operations = best(lambda: parse_sources(files), args.repeat)
    assert not operations.problems, operations.problems[:3]
    coordinates = all_coordinates(model)
    budget = len(coordinates) // 100
    baseline = validate_operations(old, operations)
    previous = from_report_section(json.loads(json.dumps(to_report_section(baseline))))
    assert baseline.broken == [], [(op.name, op.errors) for op in baseline.broken[:3]]
    print(
        f"schema: {len(old.type_map)} named types, {len(coordinates)} coordinates; "
        f"{len(operations.operations)} operations in {len(files)} files "
        f"(parse {parse_time * 1000:.0f} ms); best of {args.repeat} runs"
    )
    print(shape(operations, old))
    label = f"diff (1% = {budget} coords)"
    header = f"{label:<26}{'changes':>8}{'touched ops':>13}{'full':>10}{'incremental':>13}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, localized in (("localized", True), ("uniform (worst case)", False)):
        new = build_schema(render(mutate(model, pick_fields(model, budget, localized, rng), rng)))
        changes = diff_schemas(old, new)
        keys = touched_coordinates(changes)
        full, _ = best(
            lambda new=new, changes=changes: validate_operations(new, operations, changes=changes),
            args.repeat,
        )
        incremental, result = best(
            lambda new=new, changes=changes, keys=keys: validate_operations(
                new, operations, previous=previous, changed_coordinates=keys, changes=changes
            ),
            args.repeat,
        )
        check = validate_operations(new, operations, changes=changes)
        assert [(o.name, o.status, o.errors) for o in check.operations] == [
            (o.name, o.status, o.errors) for o in result.operations
        ], "incremental result differs from full validation"
        ratio = incremental / full
        if localized:
            worst = ratio
        touched = f"{result.revalidated} ({result.revalidated / len(operations.operations):.0%})"
        print(
            f"{label:<26}{len(changes):>8}{touched:>13}{full * 1000:>8.0f}ms{incremental * 1000:>11.0f}ms{ratio:>7.3f}x"
        )
    print(f"target: incremental <= {TARGET_RATIO}x full on the localized diff")
    print("touched ops = operations validated again; the others keep their previous result")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
