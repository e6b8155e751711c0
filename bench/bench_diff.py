"""Benchmark gqlmon's schema diff against graphql-core's ``find_schema_changes`` on the same pairs.

Run: ``python bench/bench_diff.py`` (``--types N``, ``--repeat N``, ``--seed N``). Prints a table, exits 0.

A synthetic schema of about 5,000 named types is generated, then two versions of it: a *consecutive* one
(about 1% of the types mutated) and a *far-apart* one (about 30%). Both tools get the same pair of
``GraphQLSchema`` objects, built from introspection JSON as the monitor builds them, outside the timed
region. gqlmon's diff is timed four ways, and the output says which is which:

- ``walk``: built schemas, no fingerprints -- every type is compared;
- ``fp-in``: per-type fingerprints computed from the introspection JSON *inside* the timed region;
- ``fp-pre``: fingerprints precomputed outside it, as when a check has them stored with the snapshot;
- ``json``: the two introspection results themselves (``gqlmon diff a.json b.json``): unchanged types
  compared as values, only the changed ones built -- the building is *inside* the timed region, where
  graphql-core gets its schemas built for free.

Times are the best of ``--repeat`` runs (in-process, after one warm-up).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphql import build_schema
from graphql.utilities import find_schema_changes

from monitor.core.diff import diff_schemas
from monitor.core.diff.introspected import diff_introspections
from monitor.core.schema import introspection_of, schema_from_introspection, type_fingerprints

SCALARS = ["Int", "String", "Boolean", "ID", "Float", "DateTime", "JSON"]
WRAPS = ["{}", "{}!", "[{}!]", "[{}!]!", "{}"]


def generate(n_types: int, rng: random.Random) -> dict[str, Any]:
    """A schema model: objects, interfaces, unions, enums, inputs with fields, args and descriptions."""
    n_enum, n_input, n_iface, n_union = n_types // 10, n_types // 7, n_types // 25, n_types // 40
    n_obj = n_types - n_enum - n_input - n_iface - n_union
    enums = [f"Enum{i}" for i in range(n_enum)]
    inputs = [f"Input{i}" for i in range(n_input)]
    ifaces = [f"Iface{i}" for i in range(n_iface)]
    objects = [f"Obj{i}" for i in range(n_obj)]
    unions = [f"Union{i}" for i in range(n_union)]
    model: dict[str, Any] = {"objects": {}, "ifaces": {}, "unions": {}, "enums": {}, "inputs": {}}
    out_named = SCALARS * 20 + objects + enums + ifaces + unions
    in_named = SCALARS * 20 + enums

    def out_field() -> dict[str, Any]:
        args = {
            f"a{k}": rng.choice(WRAPS).format(rng.choice(in_named + inputs))
            for k in range(rng.choice([0, 0, 1, 2]))
        }
        return {
            "type": rng.choice(WRAPS).format(rng.choice(out_named)),
            "args": args,
            "desc": rng.random() < 0.3,
        }

    for name in ifaces:
        model["ifaces"][name] = {"fields": {"id": {"type": "ID!", "args": {}, "desc": False}}}
    for name in objects:
        implements = rng.sample(ifaces, k=rng.choice([0, 0, 1]))
        fields = {"id": {"type": "ID!", "args": {}, "desc": False}}
        fields.update({f"f{j}": out_field() for j in range(rng.randint(3, 10))})
        model["objects"][name] = {"implements": implements, "fields": fields}
    for name in unions:
        model["unions"][name] = rng.sample(objects, k=rng.randint(2, 5))
    for name in enums:
        model["enums"][name] = [f"V{k}" for k in range(rng.randint(2, 8))]
    for i, name in enumerate(inputs):
        pool = in_named + inputs[:i]
        model["inputs"][name] = {
            f"g{k}": rng.choice(["{}", "{}", "[{}!]", "{}!"]).format(rng.choice(pool))
            for k in range(rng.randint(2, 6))
        }
    model["query"] = {
        f"q{k}": {"type": f"[{o}]", "args": {}, "desc": False} for k, o in enumerate(objects[::10])
    }
    return model


def render(model: dict[str, Any]) -> str:
    def fields(spec: dict[str, Any]) -> str:
        out = []
        for name, f in spec.items():
            args = ", ".join(f"{a}: {t}" for a, t in f["args"].items())
            desc = f'"""About {name}""" ' if f.get("desc") else ""
            out.append(f"{desc}{name}({args}): {f['type']}" if args else f"{desc}{name}: {f['type']}")
        return "\n  ".join(out)

    parts = ["scalar DateTime", "scalar JSON", f"type Query {{\n  {fields(model['query'])}\n}}"]
    for name, spec in model["ifaces"].items():
        parts.append(f"interface {name} {{\n  {fields(spec['fields'])}\n}}")
    for name, spec in model["objects"].items():
        impl = f" implements {' & '.join(spec['implements'])}" if spec["implements"] else ""
        parts.append(f"type {name}{impl} {{\n  {fields(spec['fields'])}\n}}")
    parts += [f"union {name} = {' | '.join(members)}" for name, members in model["unions"].items()]
    parts += [f"enum {name} {{ {' '.join(values)} }}" for name, values in model["enums"].items()]
    for name, spec in model["inputs"].items():
        parts.append(f"input {name} {{ {' '.join(f'{k}: {t}' for k, t in spec.items())} }}")
    return "\n".join(parts)


def mutate(model: dict[str, Any], fraction: float, rng: random.Random) -> dict[str, Any]:
    """A copy with ``fraction`` of the types changed (fields added/removed/retyped, values, members)."""
    import copy

    new = copy.deepcopy(model)
    names = [("objects", n) for n in new["objects"]] + [("enums", n) for n in new["enums"]]
    names += [("inputs", n) for n in new["inputs"]] + [("unions", n) for n in new["unions"]]
    for kind, name in rng.sample(names, k=int(len(names) * fraction)):
        if kind == "objects":
            fields = new["objects"][name]["fields"]
            choice = rng.randrange(4)
            victim = rng.choice([f for f in fields if f != "id"])
            if choice == 0:
                fields[f"added{len(fields)}"] = {"type": "String", "args": {}, "desc": True}
            elif choice == 1:
                del fields[victim]
            elif choice == 2:
                t = fields[victim]["type"]
                fields[victim]["type"] = t[:-1] if t.endswith("!") else t + "!"
            else:
                fields[victim]["args"]["extra"] = "Int"
        elif kind == "enums":
            new["enums"][name].append(f"W{len(new['enums'][name])}")
        elif kind == "inputs":
            new["inputs"][name][f"h{len(new['inputs'][name])}"] = "Int"
        else:
            members = new["unions"][name]
            if len(members) > 2:
                members.pop()
    return new


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base_model = generate(args.types, rng)
    base_intro = introspection_of(build_schema(render(base_model)))
    old = schema_from_introspection(base_intro)
    old_fp = type_fingerprints(base_intro)
    print(
        f"schema: {len(old.type_map)} named types (incl. built-ins); best of {args.repeat} runs, in-process"
    )
    header = f"{'pair':<12}{'changes':>9}{'graphql-core':>14}{'walk':>10}{'fp-in':>10}{'fp-pre':>10}"
    header += f"{'json':>10}{'walk/gc':>9}{'fp-in/gc':>10}{'fp-pre/gc':>11}{'json/gc':>9}"
    print(header)
    print("-" * len(header))
    for label, fraction in (("consecutive", 0.01), ("far-apart", 0.30)):
        new_intro = introspection_of(build_schema(render(mutate(base_model, fraction, rng))))
        new = schema_from_introspection(new_intro)
        new_fp = type_fingerprints(new_intro)
        gc, _ = best(lambda new=new: find_schema_changes(old, new), args.repeat)  # type: ignore[misc]
        walk, changes = best(lambda new=new: diff_schemas(old, new), args.repeat)  # type: ignore[misc]
        fp_in, _ = best(
            lambda new=new, new_intro=new_intro: diff_schemas(  # type: ignore[misc]
                old,
                new,
                old_type_fingerprints=type_fingerprints(base_intro),
                new_type_fingerprints=type_fingerprints(new_intro),
            ),
            args.repeat,
        )
        fp_pre, fp_changes = best(
            lambda new=new, new_fp=new_fp: diff_schemas(  # type: ignore[misc]
                old, new, old_type_fingerprints=old_fp, new_type_fingerprints=new_fp
            ),
            args.repeat,
        )
        json_, json_changes = best(
            lambda new_intro=new_intro: diff_introspections(base_intro, new_intro),  # type: ignore[misc]
            args.repeat,
        )
        assert fp_changes == changes, "fingerprint skipping changed the result"
        assert json_changes == changes, "the JSON diff changed the result"
        count = len(changes)  # type: ignore[arg-type]
        print(
            f"{label:<12}{count:>9}{gc * 1000:>12.1f}ms{walk * 1000:>8.1f}ms{fp_in * 1000:>8.1f}ms"
            f"{fp_pre * 1000:>8.1f}ms{json_ * 1000:>8.1f}ms{walk / gc:>8.2f}x{fp_in / gc:>9.2f}x"
            f"{fp_pre / gc:>10.2f}x{json_ / gc:>8.2f}x"
        )
    print("targets: <=0.5x graphql-core on consecutive, <=1.0x on far-apart")
    print(
        "walk = no fingerprints; fp-in = type fingerprints computed inside the timing; fp-pre = precomputed;"
    )
    print("json = from the introspection JSON, building the changed types inside the timing")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
