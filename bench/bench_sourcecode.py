"""Benchmark reading operations from source code against reading the same operations from .graphql files.

Run: ``python bench/bench_sourcecode.py`` (``--operations N``, ``--per-file N``, ``--repeat N``).
Prints a table, exits 0 (1 when source code takes more than ``TARGET_RATIO`` times as long).

The same operations are written three ways in temporary directories: ``.graphql`` files (the baseline),
TypeScript React components (``gql`` tags, fragments in their own module interpolated as
``${FRAGMENT}`` through an import, JSX and other code around them), and Python modules (``gql(f'''...''')``
with ``{FRAGMENT}`` imported from a fragments module). Each is loaded with
:func:`monitor.adapters.operations.load_operation_files` (read, extract, resolve, parse), best of
``--repeat`` runs; the figures are the times and each one's ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.adapters.operations import load_operation_files
from monitor.adapters.sourcecode import extract

TARGET_RATIO = 3.0
FRAGMENTS = 20


def operation(i: int, rng: random.Random) -> str:
    fragment = f"Fields{rng.randrange(FRAGMENTS)}"
    depth = rng.randint(2, 4)
    inner = f"...{fragment}\n" + "".join(f"        field{k}(first: $first) {{ id name }}\n" for k in range(3))
    for level in range(depth):
        inner = f"node{level}(id: $id) {{\n{inner}}}\n"
    return f"query Op{i}($id: ID!, $first: Int = 10) {{\n  alias{i}: {inner}}}\n", fragment


def fragment_text(k: int) -> str:
    return f"fragment Fields{k} on Node {{\n  id\n  name\n  createdAt\n  owner {{ login }}\n}}\n"


def write_graphql(root: Path, ops: list[tuple[str, str]], per_file: int) -> None:
    (root / "fragments.graphql").write_text("".join(fragment_text(k) for k in range(FRAGMENTS)))
    for n in range(0, len(ops), per_file):
        (root / f"ops{n}.graphql").write_text("\n".join(text for text, _ in ops[n : n + per_file]))


def write_typescript(root: Path, ops: list[tuple[str, str]], per_file: int) -> None:
    (root / "fragments.ts").write_text(
        'import { gql } from "@apollo/client";\n\n'
        + "".join(f"export const FIELDS_{k} = gql`\n{fragment_text(k)}`;\n\n" for k in range(FRAGMENTS))
    )
    for n in range(0, len(ops), per_file):
        chunk = ops[n : n + per_file]
        names = sorted({fragment for _, fragment in chunk})
        imports = ", ".join(f"FIELDS_{name.removeprefix('Fields')}" for name in names)
        body = [
            'import React from "react";\nimport { gql, useQuery } from "@apollo/client";\n'
            f'import {{ {imports} }} from "./fragments";\n\n'
        ]
        for i, (text, fragment) in enumerate(chunk):
            body.append(
                f"// Component {n + i}: a comment that says query NotThis {{ x }}\n"
                f"export const OP_{n + i} = gql`\n{text}  ${{FIELDS_{fragment.removeprefix('Fields')}}}\n`;\n\n"
                f"export function View{n + i}({{ id }}: {{ id: string }}) {{\n"
                f"  const {{ data, loading }} = useQuery(OP_{n + i}, {{ variables: {{ id, first: 10 }} }});\n"
                f'  if (loading) return <p className="muted">Loading…</p>;\n'
                f"  return <ul>{{data?.items?.map((x: {{ id: string }}) => <li key={{x.id}}>{{x.id}}</li>)}}</ul>;\n"
                "}\n\n"
            )
        (root / f"views{n}.tsx").write_text("".join(body))


def write_python(root: Path, ops: list[tuple[str, str]], per_file: int) -> None:
    (root / "fragments.py").write_text(
        "".join(f'# language=graphql\nFIELDS_{k} = """\n{fragment_text(k)}"""\n\n' for k in range(FRAGMENTS))
    )
    for n in range(0, len(ops), per_file):
        chunk = ops[n : n + per_file]
        names = sorted({fragment for _, fragment in chunk})
        imports = ", ".join(f"FIELDS_{name.removeprefix('Fields')}" for name in names)
        body = [f"from gql import gql\n\nfrom .fragments import {imports}\n\n"]
        for i, (text, fragment) in enumerate(chunk):
            escaped = text.replace("{", "{{").replace("}", "}}")
            body.append(
                f'OP_{n + i} = gql(f"""\n{escaped}{{FIELDS_{fragment.removeprefix("Fields")}}}\n""")\n\n\n'
                f"def run_{n + i}(client, node_id):\n"
                f'    return client.execute(OP_{n + i}, variable_values={{"id": node_id, "first": 10}})\n\n\n'
            )
        (root / f"jobs{n}.py").write_text("".join(body))


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--per-file", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ops = [operation(i, rng) for i in range(args.operations)]
    extract("warm.ts", "const x = gql`{ a }`;")  # load the grammars outside the timing
    extract("warm.py", 'x = gql("{ a }")')
    variants = (
        (".graphql files", write_graphql),
        ("TypeScript (.tsx)", write_typescript),
        ("Python (.py)", write_python),
    )
    with tempfile.TemporaryDirectory() as tmp:
        roots = []
        for label, writer in variants:
            root = Path(tmp) / label.split()[0].strip(".")
            root.mkdir()
            writer(root, ops, args.per_file)
            loaded = load_operation_files([root], base=root)
            if len(loaded.operations) != args.operations or loaded.problems:
                print(f"{label}: {len(loaded.operations)} operations, problems {loaded.problems[:3]}")
                return 1
            roots.append(root)
        # Interleaved, so that load on the shared machine hits every variant alike; best of each.
        times = [float("inf")] * len(variants)
        for _ in range(args.repeat):
            for index, root in enumerate(roots):
                times[index] = min(
                    times[index], best(lambda root=root: load_operation_files([root], base=root), 1)
                )
        sizes = [sum(p.stat().st_size for p in root.iterdir()) for root in roots]
    rows = [
        (label, size, t, t / times[0]) for (label, _), size, t in zip(variants, sizes, times, strict=True)
    ]
    print(f"{args.operations} operations, {args.per_file} per file, best of {args.repeat}")
    print(f"{'source':<20} {'bytes':>10} {'time':>9} {'MB/s':>7} {'vs .graphql':>12}")
    for label, size, elapsed, ratio in rows:
        print(f"{label:<20} {size:>10,} {elapsed:>8.3f}s {size / elapsed / 1e6:>7.1f} {ratio:>11.2f}×")
    worst = max(ratio for *_, ratio in rows)
    verdict = "met" if worst <= TARGET_RATIO else "missed"
    print(f"target: source code ≤ {TARGET_RATIO}× the .graphql baseline: {verdict}")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
