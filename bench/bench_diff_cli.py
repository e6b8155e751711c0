"""Whole-process ``gqlmon diff old.json new.json`` against GraphQL Inspector's CLI on the same files.

Run: ``python bench/bench_diff_cli.py`` (``--types N``, ``--repeat N``). Prints a table, exits 0.

Real pairs first: GitHub's public schema (``@octokit/graphql-schema``, vendored under tests/fixtures/schemas),
consecutive versions (14.58.0 -> 15.24.0) and far apart (10.74.2 -> 15.26.1). Then the same synthetic
~5,000-type schema as ``bench_diff.py`` and a consecutive (1 %) and a far-apart (30 %) version, written as
introspection JSON files. Each tool is run as a fresh process on each pair, as a CI job runs it, the tools
alternated; the figure is the median wall time of ``--repeat`` runs, and the ratio is gqlmon's over
Inspector's, measured in the same run on the same machine.

Inspector's CLI pinned in tests/npm (``make tools``) is used when installed; otherwise
``@graphql-inspector/cli`` is installed from npm into ``bench/.cache/`` the first time (when ``npm`` is on
the PATH). Without npm, or when the install fails, the Inspector column says why and only gqlmon is timed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_diff import generate, mutate, render  # noqa: E402
from graphql import build_schema  # noqa: E402

from monitor.core.schema import introspection_of  # noqa: E402
from tests import realschemas  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "inspector"
PINNED = ROOT / "tests" / "npm" / "node_modules" / ".bin" / "graphql-inspector"
REAL_PAIRS = (
    ("gh consecutive", "github-14.58.0", "github-15.24.0"),
    ("gh far-apart", "github-10.74.2", "github-15.26.1"),
)
INSPECTOR_PACKAGES = ["@graphql-inspector/cli@5", "graphql@16"]


def inspector() -> tuple[list[str] | None, str]:
    """The command that runs Inspector's CLI, or None and the reason it is not available."""
    if PINNED.exists():
        return [str(PINNED), "diff"], "ok"
    binary = CACHE / "node_modules" / ".bin" / "graphql-inspector"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm not found"
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"installing {' '.join(INSPECTOR_PACKAGES)} into {CACHE} (once) ...", flush=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(CACHE),
                *INSPECTOR_PACKAGES,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or not binary.exists():
            return None, f"npm install failed: {(done.stderr or done.stdout).strip()[-200:]}"
    return [str(binary), "diff"], "ok"


def wall(commands: list[list[str]], repeat: int) -> tuple[list[float], int]:
    """Median wall time of ``repeat`` runs of each command, the commands alternated (so a neighbour's load
    on a shared machine falls on all alike), after one warm-up each (it fills the OS file cache); and the
    first command's exit code."""
    code = subprocess.run(commands[0], capture_output=True, timeout=600).returncode
    for command in commands[1:]:
        subprocess.run(command, capture_output=True, timeout=600)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(repeat):
        for command, samples in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, timeout=600)
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times], code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = generate(args.types, rng)
    gqlmon = [sys.executable, "-m", "monitor", "diff"]
    inspector_cmd, why = inspector()
    with tempfile.TemporaryDirectory() as tmp:
        pairs: list[tuple[str, Path, Path]] = []
        for label, before, after in REAL_PAIRS:
            pairs.append((label, realschemas.write(before, Path(tmp)), realschemas.write(after, Path(tmp))))
        old = Path(tmp) / "old.json"
        old.write_text(json.dumps({"data": introspection_of(build_schema(render(base)))}))
        for label, fraction in (("consecutive", 0.01), ("far-apart", 0.30)):
            new = Path(tmp) / f"{label}.json"
            new.write_text(
                json.dumps({"data": introspection_of(build_schema(render(mutate(base, fraction, rng))))})
            )
            pairs.append((f"syn {label}", old, new))
        print(
            f"GitHub's real schema, and a synthetic one of ~{args.types} types; "
            f"median of {args.repeat} fresh processes per tool and pair"
        )
        header = f"{'pair':<16}{'gqlmon diff':>13}{'inspector diff':>16}{'ratio':>9}"
        print(header)
        print("-" * len(header))
        for label, before_path, after_path in pairs:
            commands = [[*gqlmon, str(before_path), str(after_path), "--fail-on", "never"]]
            if inspector_cmd is not None:
                commands.append([*inspector_cmd, str(before_path), str(after_path)])
            medians, code = wall(commands, args.repeat)
            if code != 0:
                print(f"gqlmon diff exited {code} on {label}", file=sys.stderr)
                return 1
            ours = medians[0]
            if inspector_cmd is None:
                print(f"{label:<16}{ours * 1000:>11.0f}ms{'n/a':>16}{'':>9}  ({why})")
                continue
            theirs = medians[1]
            print(f"{label:<16}{ours * 1000:>11.0f}ms{theirs * 1000:>14.0f}ms{ours / theirs:>8.2f}x")
    print("target (issue 16): gqlmon <= 0.2x Inspector's wall time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
