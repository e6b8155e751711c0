"""Benchmark the MCP server on a 5,000-type schema: search latency, time to the first answer, peak memory.

Run: ``python bench/bench_mcp.py`` (``--types N``, ``--searches N``, ``--seed N``; ``--schema github-14.0.0``
for a vendored real schema, tests/fixtures/schemas, instead of the generated one). Prints figures and exits 0;
it never asserts a timing (machines differ). Each figure comes with a ratio against a baseline measured in
the same run, and with the issue's target:

- ``search``: median ``search_schema`` latency, in process (``SchemaIndex.search`` on a warm index) and over
  stdio as a client sees it (JSON-RPC, validation and serialization included). Baseline: a plain
  substring scan over the same coordinates (what a naive server would do, without ranking). Target 10 ms.
- ``first answer``: from spawning ``gqlmon mcp`` to the first search_schema answer (interpreter start, imports,
  opening the store, loading and indexing the snapshot). Baseline: spawning ``python -c "import
  mcp.server.mcpserver"``, the floor for any Python MCP server. Target 1.5 s.
- ``peak RSS``: the server process's high-water mark after the searches (Linux ``VmHWM``). Baseline: the same
  for the bare ``import mcp.server.mcpserver`` process. Target 300 MB.

The schema (tests/mcp/schemagen.py: entities with descriptions, connections, edges, filters, enums) is stored
as a snapshot in a temporary SQLite state, exactly as a check stores one.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402
from mcp.client.client import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from monitor.core.search import SchemaIndex  # noqa: E402
from tests import realschemas  # noqa: E402
from tests.mcp.schemagen import ENTITIES, generated_introspection, store_snapshot  # noqa: E402

TARGETS = {"search_ms": 10.0, "first_answer_s": 1.5, "rss_mb": 300.0}
BASE_QUERIES = [
    "invoice line items",
    "payment method",
    "who changed what",
    "feature flags",
    "webhook deliveries",
    "tracking number",
    "self-hosted workers",
    "discount code",
    "createdAt",
    "status",
    "legacy code",
    "account balance",
    "pipeline stage",
    "restore a database",
    "A/B test",
]


def queries(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    extra = [name for name, _ in ENTITIES]
    out = list(BASE_QUERIES)
    while len(out) < count:
        out.append(rng.choice(extra))
    return out[:count]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def children_hwm_mb(marker: str) -> float | None:
    """VmHWM of this process's child whose command line contains ``marker`` (Linux), in MB."""
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == me and marker in cmdline:
            return int(fields["VmHWM"].split()[0]) / 1024
    return None


def baseline_process() -> tuple[float, float | None]:
    """Wall time to be ready and peak RSS (MB) of a Python process that only imports the MCP server SDK."""
    started = time.perf_counter()
    code = "import sys, mcp.server.mcpserver; print('ready', flush=True); sys.stdin.read()"
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdin is not None
    process.stdout.readline()
    elapsed = time.perf_counter() - started
    rss = children_hwm_mb("import sys, mcp.server.mcpserver")
    process.stdin.close()
    process.wait()
    process.stdout.close()
    return elapsed, rss


def write_config(root: Path) -> Path:
    config = root / "monitor.toml"
    config.write_text(
        'state = "sqlite:///state.db"\n\n[[targets]]\nname = "big"\nurl = "http://127.0.0.1:9/graphql"\n',
        encoding="utf-8",
    )
    return config


async def over_stdio(config: Path, searches: list[str], errlog: TextIO) -> dict[str, Any]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "monitor", "mcp"],
        env={"MONITOR_CONFIG": str(config), "PYTHONPATH": str(ROOT)},
        cwd=str(ROOT),
    )
    started = time.perf_counter()
    async with Client(stdio_client(params, errlog=errlog)) as client:
        first = await client.call_tool("search_schema", {"target": "big", "query": "invoice line items"})
        first_answer = time.perf_counter() - started
        assert not first.is_error, first.content
        samples = []
        for query in searches:
            began = time.perf_counter()
            result = await client.call_tool("search_schema", {"target": "big", "query": query})
            samples.append(time.perf_counter() - began)
            assert not result.is_error, result.content
        rss = children_hwm_mb("monitor mcp")
    return {"first_answer_s": first_answer, "search_ms": median_ms(samples), "rss_mb": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", type=int, default=5000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--schema", help="a vendored real schema (e.g. github-14.0.0) instead of a generated one"
    )
    args = parser.parse_args()

    began = time.perf_counter()
    if args.schema:
        introspection = realschemas.load(args.schema)
        introspection = introspection.get("data", introspection)
    else:
        introspection = generated_introspection(args.types, seed=args.seed)
    named = [t for t in introspection["__schema"]["types"] if not t["name"].startswith("__")]
    how = f"{args.schema}, loaded" if args.schema else "generated"
    print(f"schema: {len(named)} named types, {how} in {time.perf_counter() - began:.1f} s")

    # In process: the index alone, against a substring scan over the same coordinates.
    started = time.perf_counter()
    index = SchemaIndex.build(introspection)
    build_s = time.perf_counter() - started
    coordinates = [t["name"] for t in named] + [
        f"{t['name']}.{f['name']}" for t in named for f in (t.get("fields") or t.get("inputFields") or [])
    ]
    lowered = [c.lower() for c in coordinates]
    searches = queries(args.searches, args.seed)
    ranked, scanned = [], []
    for query in searches:
        t0 = time.perf_counter()
        index.search(query, limit=10)
        ranked.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        needle = query.lower()
        _ = [c for c, low in zip(coordinates, lowered, strict=True) if needle in low][:10]
        scanned.append(time.perf_counter() - t0)
    index_ms, scan_ms = median_ms(ranked), median_ms(scanned)

    base_s, base_rss = baseline_process()
    with tempfile.TemporaryDirectory(prefix="gqlmon-bench-mcp-") as tmp:
        root = Path(tmp)
        store_snapshot(f"sqlite:///{root / 'state.db'}", "big", introspection)
        with open(os.devnull, "w") as errlog:
            served = anyio.run(over_stdio, write_config(root), searches, errlog)

    def row(name: str, value: float, unit: str, baseline: float, target: float | None, what: str) -> None:
        ratio = f"{value / baseline:6.2f}x {what}" if baseline else "n/a"
        goal = f"target <= {target:g} {unit}" if target is not None else ""
        print(f"  {name:<28} {value:9.2f} {unit:<3} {ratio:<40} {goal}")

    print(f"index built in {build_s * 1000:.0f} ms ({len(index)} documents)")
    print("figure                           value       ratio to baseline                        target")
    row("search (in process)", index_ms, "ms", scan_ms, TARGETS["search_ms"], "substring scan")
    row(
        "search (stdio, end to end)",
        served["search_ms"],
        "ms",
        scan_ms,
        TARGETS["search_ms"],
        "substring scan",
    )
    row(
        "first answer after start",
        served["first_answer_s"],
        "s",
        base_s,
        TARGETS["first_answer_s"],
        "bare mcp import",
    )
    if served["rss_mb"] is not None and base_rss is not None:
        row("peak RSS (server)", served["rss_mb"], "MB", base_rss, TARGETS["rss_mb"], "bare mcp import")
    else:
        print("  peak RSS (server)            n/a (needs Linux /proc)")
    shown_rss = f"{base_rss:.0f} MB" if base_rss is not None else "n/a"
    print(f"  baselines: substring scan {scan_ms:.3f} ms, bare mcp import {base_s:.2f} s / {shown_rss}")
    print(f"total bench time {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
