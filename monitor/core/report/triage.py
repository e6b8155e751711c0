"""What breaks *you* first: the one reading order every report, alert and MCP answer follows.

1. **Broken operations** (and saved-operation files that do not parse): name, file:line, the validation
   errors, and the changes that explain them (:func:`monitor.core.contracts.impact.causes`).
2. **Breaking changes your operations use** that broke none of them: each with the operations that use it,
   worded as still valid.
3. **Breaking changes no operation uses**, grouped into families, so 50 removals of one feature read as one
   line that expands (:func:`families`).
4. **Dangerous**, then 5. **safe** changes, grouped the same way (safe ones are shown folded).

An operation is said to be *broken by* a change only when it is broken and that change explains one of its
errors (its ``caused_by``); "uses" is never worded as "breaks". Everything here is derived from a
:class:`DriftReport` alone, so the terminal, Markdown, HTML, JUnit, SARIF, Slack and MCP forms agree.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from monitor.core.changes import Change, Criticality, sort_changes
from monitor.core.report.model import DriftReport

#: A family needs at least this many changes; smaller groups stay per type.
MIN_FAMILY: Final = 3
#: Camel-case words that name a structural role, never a feature: no family is named after them alone.
_GENERIC: Final = frozenset(
    [
        "add",
        "added",
        "update",
        "delete",
        "remove",
        "create",
        "set",
        "clear",
        "get",
        "list",
        "input",
        "payload",
        "connection",
        "edge",
        "type",
        "types",
        "order",
        "field",
        "fields",
        "filter",
        "args",
        "result",
        "results",
        "item",
        "items",
        "node",
        "nodes",
        "value",
        "values",
        "kind",
        "state",
        "status",
        "query",
        "mutation",
        "subscription",
        "by",
        "for",
        "of",
        "on",
        "to",
        "and",
        "or",
        "with",
        "count",
        "total",
        "id",
        "ids",
        "name",
        "url",
    ]
)
_WORDS: Final = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+")
_VERBS: Final = ("removed", "added", "changed")


@dataclass(frozen=True, slots=True)
class BrokenOperation:
    """A saved operation that no longer validates, with the changes that explain its errors."""

    name: str
    kind: str
    file: str
    line: int | None
    errors: tuple[Mapping[str, Any], ...]
    causes: tuple[Change, ...]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class UsedChange:
    """A breaking change that saved operations use: ``broken`` lists those it broke, ``valid`` those that
    still validate, ``elsewhere`` those broken by another change (this one explains none of their errors)."""

    change: Change
    broken: tuple[str, ...]
    valid: tuple[str, ...]
    elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Family:
    """Changes about one feature (``ProjectNext``) or one type (``Issue``), read as one line."""

    key: str
    changes: tuple[Change, ...]

    @property
    def label(self) -> str:
        """``ProjectNext…`` for a family found by name, the type name for a type's own changes."""
        return self.key

    @property
    def kinds(self) -> str:
        """``22 types removed, 18 fields removed, 2 others`` (the three most common kinds, then the rest)."""
        counts = Counter(c.type.value for c in self.changes)
        parts = [_kind_phrase(kind, n) for kind, n in counts.most_common(3)]
        rest = sum(counts.values()) - sum(n for _, n in counts.most_common(3))
        if rest:
            parts.append(f"{rest} other" + ("s" if rest > 1 else ""))
        return ", ".join(parts)

    @property
    def single(self) -> Change | None:
        return self.changes[0] if len(self.changes) == 1 else None


@dataclass(frozen=True, slots=True)
class Triage:
    broken: tuple[BrokenOperation, ...]
    problems: tuple[Mapping[str, Any], ...]
    used: tuple[UsedChange, ...]
    unused: tuple[Family, ...]
    dangerous: tuple[Family, ...]
    safe: tuple[Family, ...]
    total_operations: int

    @property
    def unused_count(self) -> int:
        return sum(len(f.changes) for f in self.unused)

    @property
    def failing(self) -> bool:
        """Something the user must fix: a broken operation or an unreadable saved-operation file."""
        return bool(self.broken or self.problems)


def triage(report: DriftReport) -> Triage:
    """The report in reading order (module docstring)."""
    current = report.current_changes
    by_id = {c.id: c for c in current}
    section = report.contracts or {}
    ops = [op for op in section.get("operations") or () if isinstance(op, Mapping)]
    broken: list[BrokenOperation] = []
    cause_ids: set[str] = set()
    broken_by: dict[str, list[str]] = defaultdict(list)
    for op in sorted(
        ops, key=lambda o: (str(o.get("file", "")), int(o.get("line") or 0), str(o.get("name")))
    ):
        if op.get("status") != "broken":
            continue
        ids = [str(i) for i in op.get("caused_by") or ()]
        causes = tuple(by_id[i] for i in ids if i in by_id)
        for change in causes:
            cause_ids.add(change.id)
            broken_by[change.id].append(str(op.get("name")))
        broken.append(
            BrokenOperation(
                name=str(op.get("name", "?")),
                kind=str(op.get("kind", "query")),
                file=str(op.get("file", "")),
                line=int(op["line"]) if isinstance(op.get("line"), int) else None,
                errors=tuple(e for e in op.get("errors") or () if isinstance(e, Mapping)),
                causes=tuple(sort_changes(causes)),
            )
        )
    users = _users(section)
    broken_names = {op.name for op in broken}
    used: list[UsedChange] = []
    unused: list[Change] = []
    for change in sort_changes(current):
        if change.criticality is not Criticality.BREAKING:
            continue
        names = users.get(change.id, ())
        if change.id in cause_ids:
            continue  # shown under the operations it broke
        if names:
            mine = broken_by.get(change.id, ())
            valid = tuple(n for n in names if n not in mine and n not in broken_names)
            elsewhere = tuple(n for n in names if n not in mine and n in broken_names)
            used.append(UsedChange(change, tuple(sorted(mine)), valid, elsewhere))
        else:
            unused.append(change)
    problems = tuple(p for p in section.get("problems") or () if isinstance(p, Mapping))
    return Triage(
        broken=tuple(broken),
        problems=problems,
        used=tuple(used),
        unused=tuple(families(unused)),
        dangerous=tuple(families(c for c in current if c.criticality is Criticality.DANGEROUS)),
        safe=tuple(families(c for c in current if c.criticality is Criticality.SAFE)),
        total_operations=len(ops),
    )


def broken_by(report: DriftReport) -> dict[str, list[str]]:
    """change id -> the broken operations it explains (never an operation that still validates)."""
    out: dict[str, list[str]] = defaultdict(list)
    for op in (report.contracts or {}).get("operations") or ():
        if isinstance(op, Mapping) and op.get("status") == "broken":
            for change_id in op.get("caused_by") or ():
                out[str(change_id)].append(str(op.get("name")))
    return {k: sorted(v) for k, v in out.items()}


def _users(section: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    raw = section.get("affected")
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): tuple(sorted(str(n) for n in v)) for k, v in raw.items() if isinstance(v, list | tuple)}


def families(changes: Iterable[Change]) -> list[Family]:
    """Group changes by feature, then by type; biggest groups first.

    A feature is a run of camel-case words (``ProjectNext``) shared by the names of at least
    :data:`MIN_FAMILY` changes' types, members or old values (``AddProjectNextItemInput``,
    ``Issue.projectNextItems``, "no longer implements ``ProjectNextOwner``"); words that only name a
    structural role (Input, Payload, Connection, ...) never make one. Families are chosen greedily, the
    one covering most changes first (each word past the first counts for half again as many, so
    ``ProjectNext`` wins over ``Project`` unless ``Project`` reaches much further); what no family takes is grouped by
    its type. Nothing here knows any particular API.
    """
    pending = sort_changes(changes)
    grams: dict[Change, set[str]] = {c: _grams(c) for c in pending}
    out: list[Family] = []
    while True:
        counts: Counter[str] = Counter()
        for change in pending:
            counts.update(grams[change])
        best = max(
            (g for g, n in counts.items() if n >= MIN_FAMILY),
            key=lambda g: (counts[g] * (1 + 0.5 * g.count(" ")), len(g), g),
            default=None,
        )
        if best is None:
            break
        members = tuple(c for c in pending if best in grams[c])
        out.append(Family(best.title().replace(" ", "") + "…", members))
        pending = [c for c in pending if best not in grams[c]]
    by_owner: dict[str, list[Change]] = defaultdict(list)
    for change in pending:
        by_owner[_owner(change)].append(change)
    out.extend(Family(owner, tuple(items)) for owner, items in by_owner.items())
    out.sort(key=lambda f: (-len(f.changes), f.changes[0].criticality.rank, f.key))
    return out


def _owner(change: Change) -> str:
    coordinate = change.coordinate or change.path or "schema"
    return re.split(r"[.(]", coordinate, maxsplit=1)[0] or "schema"


def _grams(change: Change) -> set[str]:
    """Lower-case camel-case word runs (1–3 words) of the names a change is about."""
    coordinate = change.coordinate or change.path or ""
    names = [n for n in re.split(r"[.():@]+", coordinate) if n]
    if change.old and re.fullmatch(r"[A-Za-z_]\w*", change.old):
        names.append(change.old)
    out: set[str] = set()
    for name in names:
        words = [_singular(w.lower()) for w in _WORDS.findall(name)]
        for size in (1, 2, 3):
            for i in range(len(words) - size + 1):
                run = words[i : i + size]
                if all(w in _GENERIC or w.isdigit() for w in run):
                    continue
                if size == 1 and len(run[0]) < 5:
                    continue
                if run[-1] in _GENERIC or run[0] in _GENERIC:
                    continue
                out.add(" ".join(run))
    return out


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _kind_phrase(kind: str, count: int) -> str:
    """``FIELD_REMOVED`` x 3 -> ``3 fields removed``."""
    words = kind.lower().split("_")
    if len(words) > 1 and words[-1] in _VERBS:
        nouns, verb = words[:-1], words[-1]
        if count > 1:
            nouns[-1] = nouns[-1] + ("es" if nouns[-1].endswith("s") else "s")
        return f"{count} {' '.join(nouns)} {verb}"
    return f"{count}× {' '.join(words)}"
