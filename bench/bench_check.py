"""Whole-process ``gqlmon check`` of a real-size API against the cost of one fetch of its schema.

Run: ``python bench/bench_check.py`` (``--repeat N``). Prints a table, exits 0 (1 when a check fails).

GitHub's public schema (``@octokit/graphql-schema``, about 5 MB of introspection JSON, vendored under
tests/fixtures/schemas) is served on 127.0.0.1 by GraphQL Inspector's ``serve`` (pinned in tests/npm: run
``make tools`` once). One target, ``github``, with the five saved operations of
tests/fixtures/contracts/github. Every figure is the median wall time of ``--repeat`` fresh processes, and
each ratio is over the baseline measured in the same run, its runs alternated with gqlmon's:

- **baseline**: a Python process that POSTs the introspection query with httpx and hashes the body (the
  least a monitor must do: start, fetch, look);
- **unchanged**: ``gqlmon check github`` when the schema is the one stored by the previous check;
- **changed**: ``gqlmon check github`` when the server went from 12.41.1 to 14.0.0 (253 changes, one saved
  operation broken): each repetition starts from a copy of the state the 12.41.1 check left;
- **unchanged, in a running process**: what ``gqlmon run`` pays per unchanged check once imported:
  ``run_check`` in this process against an httpx POST of the query and a hash of the body, in this
  process too (both warm, alternated).

Targets (issue 16): unchanged <= 1.3x, changed <= 2.5x.
- **dependency floor**: the baseline's POST and hash in a process that first imports the libraries a check
  cannot do without (SQLAlchemy, pydantic-settings, typer, anyio, graphql-core's language layer): what any
  program built on these fixed choices pays before doing anything of its own. ``unchanged`` over this floor
  is gqlmon's own share.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.realapi.inspector import InspectorServer  # noqa: E402

CONTRACTS = ROOT / "tests" / "fixtures" / "contracts" / "github"
OLD, NEW = "github-12.41.1", "github-14.0.0"

BASELINE = """
import hashlib, sys
import httpx
query = open(sys.argv[2], encoding="utf-8").read()
reply = httpx.post(sys.argv[1], json={"query": query, "operationName": "IntrospectionQuery"}, timeout=60)
reply.raise_for_status()
print(hashlib.sha256(reply.content).hexdigest())
"""

FLOOR = (
    "import anyio, graphql.language, pydantic_settings, sqlalchemy, sqlalchemy.dialects.sqlite, typer\n"
    + BASELINE
)


def run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def timed(
    ours: list[str], baseline: list[str], cwd: Path, repeat: int, before: list[str] | None = None
) -> tuple[float, float]:
    """Median wall times of ``repeat`` runs of ``ours`` and of ``baseline``, alternated (so a neighbour's
    load on a shared machine falls on both alike); ``before`` runs, untimed, before each run of ours."""
    mine, base = [], []
    for _ in range(repeat):
        base.append(run(baseline, cwd))
        if before is not None:
            subprocess.run(before, cwd=cwd, check=True, capture_output=True)
        mine.append(run(ours, cwd))
    return statistics.median(mine), statistics.median(base)


def in_process(root: Path, url: str, query: str, repeat: int) -> tuple[float, float]:
    """Median seconds of ``run_check`` on an unchanged schema and of a bare POST + hash, in this process."""
    import hashlib

    import anyio
    import httpx

    from monitor.adapters.store import Store
    from monitor.runtime.service import run_check
    from monitor.settings.loading import load_settings

    settings = load_settings(root / "monitor.toml", env={})
    store = Store.open(f"sqlite:///{root / 'state.db'}")

    async def fetch() -> None:
        async with httpx.AsyncClient(timeout=60) as client:
            reply = await client.post(url, json={"query": query, "operationName": "IntrospectionQuery"})
            hashlib.sha256(reply.content).hexdigest()

    async def check() -> None:
        await run_check(settings, settings.targets[0], store)

    mine, base = [], []
    try:
        anyio.run(check)  # warm-up: imports, connection pool, caches
        for _ in range(repeat):
            for job, samples in ((fetch, base), (check, mine)):
                start = time.perf_counter()
                anyio.run(job)
                samples.append(time.perf_counter() - start)
    finally:
        store.close()
    return statistics.median(mine), statistics.median(base)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from monitor.core.schema import QUERY_VARIANTS

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(CONTRACTS, root / "contracts" / "github")
        (root / "query.graphql").write_text(QUERY_VARIANTS[0].query, encoding="utf-8")
        server = InspectorServer(root)
        (root / "monitor.toml").write_text(
            'state = "sqlite:///state.db"\nreports_dir = "reports"\n\n[[targets]]\nname = "github"\n'
            f'url = "{server.url}"\ncontracts = "contracts/github"\ntimeout = "60s"\n',
            encoding="utf-8",
        )
        gqlmon = [sys.executable, "-m", "monitor", "--config", "monitor.toml", "check", "github"]
        gqlmon += ["--fail-on", "never"]
        baseline_cmd = [sys.executable, "-c", BASELINE, server.url, "query.graphql"]
        restore = [sys.executable, "-c", "import shutil; shutil.copyfile('state.old.db', 'state.db')"]
        try:
            server.serve(OLD)
            subprocess.run(gqlmon, cwd=root, check=True, capture_output=True, timeout=600)
            shutil.copyfile(root / "state.db", root / "state.old.db")
            subprocess.run(gqlmon, cwd=root, check=True, capture_output=True, timeout=600)  # warm-up
            unchanged, base_old = timed(gqlmon, baseline_cmd, root, args.repeat)
            floor_cmd = [sys.executable, "-c", FLOOR, server.url, "query.graphql"]
            floor, base_floor = timed(floor_cmd, baseline_cmd, root, args.repeat)
            warm, base_warm = in_process(root, server.url, QUERY_VARIANTS[0].query, args.repeat)
            server.serve(NEW)
            changed, base_new = timed(gqlmon, baseline_cmd, root, args.repeat, before=restore)
        finally:
            server.stop()
    print(
        f"GitHub's schema served by graphql-inspector serve; median of {args.repeat} alternated fresh processes"
    )
    header = f"{'check':<34}{'gqlmon':>9}{'baseline':>10}{'ratio':>8}{'target':>8}"
    print(header)
    print("-" * len(header))
    for label, ours, base, target in (
        (f"unchanged ({OLD})", unchanged, base_old, 1.3),
        (f"changed ({OLD} -> {NEW[7:]})", changed, base_new, 2.5),
        ("unchanged, in a running process", warm, base_warm, 1.3),
    ):
        print(f"{label:<34}{ours * 1000:>7.0f}ms{base * 1000:>8.0f}ms{ours / base:>7.2f}x{target:>7.1f}x")
    print(
        f"{'dependency floor':<34}{floor * 1000:>7.0f}ms{base_floor * 1000:>8.0f}ms{floor / base_floor:>7.2f}x"
    )
    print(
        f"unchanged over the dependency floor: {unchanged / base_old / (floor / base_floor):.2f}x "
        "(gqlmon's own share of a fresh process)"
    )
    print("baseline: a Python process that POSTs the introspection query with httpx and hashes the body")
    print("  (in a running process: the POST and the hash alone, in the same process as run_check)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
