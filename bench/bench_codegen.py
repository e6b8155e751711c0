"""Benchmark client generation against validating the same operations (the least any generator does).

Run: ``python bench/bench_codegen.py`` (``--repeat N``). Prints a table and exits 0 (1 when generating a
client costs more than ``TARGET_RATIO`` times validating its operations).

Two real inputs: the demo's 11 saved operations on its schema (small), and realistic GitHub operations
(fragments, unions, interfaces with ~200 implementations, input objects) on GitHub's public schema
(large: 1,600 types). ``validate`` is ``monitor.core.contracts.validate_operations``, which codegen
runs first; ``python`` and ``typescript`` are the whole :func:`monitor.codegen.generate_client`
(validation, shapes and printing). Times are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphql import GraphQLSchema  # noqa: E402

from monitor.adapters.operations import load_operation_files  # noqa: E402
from monitor.adapters.schema_sources import load_schema_file, load_schema_text  # noqa: E402
from monitor.codegen import generate_client  # noqa: E402
from monitor.core.contracts import OperationSet, validate_operations  # noqa: E402
from tests import realschemas  # noqa: E402

TARGET_RATIO = 10.0


def best(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(repeat: int, schema: GraphQLSchema, operations: OperationSet) -> dict[str, float]:
    return {
        "validate": best(repeat, lambda: validate_operations(schema, OperationSet(operations.operations))),
        "python": best(repeat, lambda: generate_client(schema, operations, "python")),
        "typescript": best(repeat, lambda: generate_client(schema, operations, "typescript")),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    inputs = {
        "demo": (
            load_schema_file(ROOT / "monitor" / "demo" / "schema_v1.graphql").schema,
            load_operation_files([ROOT / "contracts" / "demo"]),
        ),
        "github-14.0.0": (
            load_schema_text(realschemas.raw("github-14.0.0").decode(), source="github").schema,
            load_operation_files([ROOT / "tests" / "codegen" / "operations" / "github.graphql"]),
        ),
    }
    worst = 0.0
    print(
        f"{'input':<14} {'ops':>4} {'validate':>10} {'python':>10} {'typescript':>11} {'ratio':>6} {'py KB':>6}"
    )
    for name, (schema, operations) in inputs.items():
        times = measure(args.repeat, schema, operations)
        ratio = max(times["python"], times["typescript"]) / times["validate"]
        worst = max(worst, ratio)
        size = len(generate_client(schema, operations, "python").code) / 1024
        print(
            f"{name:<14} {len(operations.operations):>4} {times['validate'] * 1000:>8.1f}ms "
            f"{times['python'] * 1000:>8.1f}ms {times['typescript'] * 1000:>9.1f}ms {ratio:>5.1f}x {size:>6.0f}"
        )
    print(f"worst ratio {worst:.1f}x (target <= {TARGET_RATIO:g}x)")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
