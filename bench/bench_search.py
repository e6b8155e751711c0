"""Search quality on real public schemas: gqlmon's ``search_schema`` against a plain BM25, in the same run.

Run: ``python bench/bench_search.py`` (``--in-process`` skips the stdio server and asks the index directly;
``--misses`` lists the questions whose answer is not first; ``--split tuned`` keeps only the tuned questions, so
the held-out ones' misses stay unseen while tuning). Prints figures and exits 0; it asserts nothing.

The questions (``bench/search_questions/*.json``, see the README there) were written from the schemas before any
search ran on them; a third of each file is held out (never tuned on), and ``fresh/`` holds a later blind set
written by someone who never saw the search code or its output (``--misses`` never lists those: nobody may tune
on them). For every schema and split it prints:

- ``R@5``: share of questions with an accepted coordinate among the first 5 hits;
- ``MRR@10``: mean reciprocal rank of the first accepted hit within 10 (0 when none);
- ``top-1``: share of questions answered by the first hit;

for gqlmon (over stdio through the MCP SDK client, exactly as an assistant calls ``search_schema`` with
``limit=10``) and for a plain BM25 (k1 1.2, b 0.75) over every type, field, argument, input field and enum value,
its text being the camelCase-split name and the description. A hit answers a question when its coordinate, or
one of the coordinates folded into it (an interface field's implementations), is accepted. Then the median
``search_schema`` latency over stdio (target <= 10 ms) with, as its baseline in the same run, a ``list_targets``
call over the same connection (the floor any tool pays: JSON-RPC, validation, serialization), and the median /
largest answer size in characters (target < 4,000).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402
from mcp.client.client import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from monitor.core.search import SchemaIndex  # noqa: E402
from tests import realschemas  # noqa: E402
from tests.mcp.schemagen import store_snapshot  # noqa: E402

QUESTIONS = ROOT / "bench" / "search_questions"
TARGETS = {"recall5": 0.9, "mrr10": 0.75, "mrr_over_bm25": 0.2, "latency_ms": 10.0, "answer_chars": 4000}

#: A ranked answer: for each hit, the coordinates it stands for (its own first).
Ranking = list[list[str]]


@dataclass
class Question:
    schema: str
    text: str
    accept: frozenset[str]
    split: str


def load_questions() -> dict[str, list[Question]]:
    out: dict[str, list[Question]] = {}
    for path in sorted(QUESTIONS.glob("*.json")) + sorted((QUESTIONS / "fresh").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        out.setdefault(document["schema"], []).extend(
            Question(document["schema"], q["question"], frozenset(q["accept"]), q["split"])
            for q in document["questions"]
        )
    return out


# ------------------------------------------------------------------------------------------- BM25

_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


class BM25:
    """The textbook Okapi BM25 over one document per type and per member: name (camelCase split) + description."""

    def __init__(self, introspection: dict[str, Any], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.coordinates: list[str] = []
        self.lengths: list[int] = []
        self.postings: dict[str, dict[int, int]] = {}
        for type_ in introspection["__schema"]["types"]:
            name = type_["name"]
            if name.startswith("__"):
                continue
            self._add(name, name, type_.get("description"))
            for member in (type_.get("fields") or []) + (type_.get("inputFields") or []):
                self._add(f"{name}.{member['name']}", member["name"], member.get("description"))
                for arg in member.get("args") or []:
                    self._add(f"{name}.{member['name']}({arg['name']}:)", arg["name"], arg.get("description"))
            for value in type_.get("enumValues") or []:
                self._add(f"{name}.{value['name']}", value["name"], value.get("description"))
        self.average = sum(self.lengths) / max(len(self.lengths), 1)

    def _add(self, coordinate: str, name: str, description: str | None) -> None:
        doc = len(self.coordinates)
        words = tokens(name) + tokens(description or "")
        self.coordinates.append(coordinate)
        self.lengths.append(len(words))
        for word, count in Counter(words).items():
            self.postings.setdefault(word, {})[doc] = count

    def search(self, query: str, limit: int = 10) -> Ranking:
        total = len(self.coordinates)
        scores: dict[int, float] = {}
        for word in set(tokens(query)):
            entries = self.postings.get(word, {})
            idf = math.log(1 + (total - len(entries) + 0.5) / (len(entries) + 0.5))
            for doc, tf in entries.items():
                norm = (
                    tf
                    * (self.k1 + 1)
                    / (tf + self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.average))
                )
                scores[doc] = scores.get(doc, 0.0) + idf * norm
        best = sorted(scores, key=lambda d: (-scores[d], self.coordinates[d]))[:limit]
        return [[self.coordinates[d]] for d in best]


# ------------------------------------------------------------------------------------------- metrics


@dataclass
class Scores:
    ranks: list[int | None] = field(default_factory=list)

    def add(self, ranking: Ranking, accept: frozenset[str]) -> int | None:
        rank = next((i + 1 for i, hit in enumerate(ranking[:10]) if accept.intersection(hit)), None)
        self.ranks.append(rank)
        return rank

    @property
    def recall5(self) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= 5) / max(len(self.ranks), 1)

    @property
    def mrr10(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None) / max(len(self.ranks), 1)

    @property
    def top1(self) -> float:
        return sum(1 for r in self.ranks if r == 1) / max(len(self.ranks), 1)


def hit_coordinates(hit: dict[str, Any]) -> list[str]:
    return [hit["coordinate"], *(hit.get("also") or [])]


# ------------------------------------------------------------------------------------------- gqlmon


def write_config(root: Path, schemas: Iterable[str]) -> Path:
    lines = ['state = "sqlite:///state.db"\n']
    for name in schemas:
        lines.append(f'[[targets]]\nname = "{name}"\nurl = "http://127.0.0.1:9/graphql"\n')
    config = root / "monitor.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


async def over_stdio(
    config: Path, questions: dict[str, list[Question]], errlog: TextIO
) -> tuple[dict[tuple[str, str], Ranking], list[float], list[int], list[float]]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "monitor", "mcp"],
        env={"MONITOR_CONFIG": str(config), "PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "")},
        cwd=str(config.parent),
    )
    rankings: dict[tuple[str, str], Ranking] = {}
    latencies: list[float] = []
    sizes: list[int] = []
    floor: list[float] = []
    async with Client(stdio_client(params, errlog=errlog)) as client:
        for schema in questions:  # warm every index first: the first answer waits for it
            await client.call_tool("search_schema", {"target": schema, "query": "id"})
        for _ in range(50):  # the floor: a tool that only reads the configuration and the store
            began = time.perf_counter()
            await client.call_tool("list_targets", {})
            floor.append(time.perf_counter() - began)
        for schema, asked in questions.items():
            for question in asked:
                began = time.perf_counter()
                result = await client.call_tool(
                    "search_schema", {"target": schema, "query": question.text, "limit": 10}
                )
                latencies.append(time.perf_counter() - began)
                if result.is_error:
                    raise SystemExit(f"search_schema failed on {question.text!r}: {result.content}")
                text = "".join(getattr(c, "text", "") for c in result.content)
                sizes.append(len(text))
                structured = result.structured_content or json.loads(text)
                rankings[(schema, question.text)] = [hit_coordinates(h) for h in structured["hits"]]
    return rankings, latencies, sizes, floor


def in_process(questions: dict[str, list[Question]]) -> dict[tuple[str, str], Ranking]:
    out: dict[tuple[str, str], Ranking] = {}
    for schema, asked in questions.items():
        index = SchemaIndex.build(realschemas.load(schema))
        for question in asked:
            out[(schema, question.text)] = [
                [h.coordinate, *h.also] for h in index.search(question.text, limit=10)
            ]
    return out


# ------------------------------------------------------------------------------------------- report


def table(
    questions: dict[str, list[Question]],
    ours: Callable[[Question], Ranking],
    baseline: Callable[[Question], Ranking],
    misses: bool,
) -> None:
    print(
        f"{'schema':<34} {'split':<8} {'n':>3}   {'gqlmon R@5  MRR@10  top-1':<26} {'BM25 R@5  MRR@10  top-1':<24}"
    )
    present = {q.split for asked in questions.values() for q in asked}
    splits: Sequence[str] = [s for s in ("tuned", "heldout", "fresh") if s in present] + ["all"]
    missed: list[str] = []
    for schema, asked in questions.items():
        for split in splits:
            chosen = [q for q in asked if split == "all" or q.split == split]
            mine, theirs = Scores(), Scores()
            for question in chosen:
                rank = mine.add(ours(question), question.accept)
                theirs.add(baseline(question), question.accept)
                if split == "all" and rank != 1 and question.split != "fresh":
                    top = ", ".join(hit[0] for hit in ours(question)[:3])
                    missed.append(f"  [{question.split}] {schema}: {question.text!r} rank {rank}; top: {top}")
            gain = mine.mrr10 - theirs.mrr10
            met = (
                mine.recall5 >= TARGETS["recall5"]
                and mine.mrr10 >= TARGETS["mrr10"]
                and gain >= TARGETS["mrr_over_bm25"]
            )
            print(
                f"{schema:<34} {split:<8} {len(chosen):>3}   "
                f"{mine.recall5:8.2f} {mine.mrr10:7.2f} {mine.top1:6.2f}    "
                f"{theirs.recall5:6.2f} {theirs.mrr10:7.2f} {theirs.top1:6.2f}   "
                f"MRR +{gain:.2f} {'ok' if met else 'BELOW TARGET'}"
            )
    print(
        f"targets: R@5 >= {TARGETS['recall5']}, MRR@10 >= {TARGETS['mrr10']}, "
        f"MRR at least {TARGETS['mrr_over_bm25']} above BM25"
    )
    if misses and missed:
        print("questions not answered first:")
        print("\n".join(missed))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-process", action="store_true", help="ask the index directly, no stdio server")
    parser.add_argument("--misses", action="store_true", help="list the questions not answered first")
    parser.add_argument(
        "--split",
        choices=("tuned", "heldout", "fresh"),
        help="only this split's questions (tune with --split tuned: held-out misses stay unseen)",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    questions = {
        schema: [q for q in asked if args.split is None or q.split == args.split]
        for schema, asked in load_questions().items()
    }
    total = sum(len(q) for q in questions.values())
    held = sum(q.split == "heldout" for qs in questions.values() for q in qs)
    fresh = sum(q.split == "fresh" for qs in questions.values() for q in qs)
    print(f"{total} questions over {len(questions)} schemas ({held} held out, {fresh} fresh and blind)")

    baselines = {schema: BM25(realschemas.load(schema)) for schema in questions}

    latencies: list[float] = []
    sizes: list[int] = []
    floor: list[float] = []
    if args.in_process:
        rankings = in_process(questions)
    else:
        with tempfile.TemporaryDirectory(prefix="gqlmon-bench-search-") as tmp:
            root = Path(tmp)
            for schema in questions:
                store_snapshot(f"sqlite:///{root / 'state.db'}", schema, realschemas.load(schema))
            with open(os.devnull, "w") as errlog:
                rankings, latencies, sizes, floor = anyio.run(
                    over_stdio, write_config(root, questions), questions, errlog
                )

    table(
        questions,
        lambda q: rankings[(q.schema, q.text)],
        lambda q: baselines[q.schema].search(q.text),
        args.misses,
    )
    if latencies:
        bm25_samples = []
        for asked in questions.values():
            for question in asked:
                t0 = time.perf_counter()
                baselines[question.schema].search(question.text)
                bm25_samples.append(time.perf_counter() - t0)
        median = statistics.median(latencies) * 1000
        bm25_ms = statistics.median(bm25_samples) * 1000
        floor_ms = statistics.median(floor) * 1000
        print(
            f"search_schema over stdio: median {median:.2f} ms (target <= {TARGETS['latency_ms']:g} ms); "
            f"{median / floor_ms:.1f}x a list_targets call over the same stdio ({floor_ms:.2f} ms, the floor), "
            f"{median / bm25_ms:.1f}x the in-process BM25 ({bm25_ms:.2f} ms)"
        )
        print(
            f"search_schema answer, limit 10: median {statistics.median(sizes):.0f} chars, largest {max(sizes)} "
            f"(target < {TARGETS['answer_chars']})"
        )
    print(f"total bench time {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
