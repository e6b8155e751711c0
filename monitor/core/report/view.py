"""What every renderer derives from a :class:`DriftReport`: cleaned text, ordering, affected operations.

Everything that came from the API (names, descriptions, deprecation reasons, error messages) is data, never
markup: :func:`clean` removes ANSI escapes, control and bidi-override characters, and each renderer then
escapes for its own format. Renderers read the report only through these helpers and the model, so the
Markdown, HTML, JUnit and Slack forms always agree on what a run found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from monitor.core.changes import Change, Criticality, sort_changes, summarize
from monitor.core.report.model import DriftReport
from monitor.core.text import terminal_safe

LEVELS: Final = (Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE)
LEVEL_TITLES: Final = {
    Criticality.BREAKING: "Breaking",
    Criticality.DANGEROUS: "Dangerous",
    Criticality.SAFE: "Safe",
}
OUTCOME_TITLES: Final = {
    "baseline": "baseline stored",
    "unchanged": "unchanged",
    "changed": "changed",
    "failed": "check failed",
}
NEAR_REMOVAL_DAYS: Final = 30
_UNSAFE_NAME: Final = re.compile(r"[^A-Za-z0-9._-]")


def clean(value: object, *, single_line: bool = True, limit: int | None = None) -> str:
    """API text made inert: no ANSI escapes, control or bidi characters; folded to one line by default."""
    if value is None:
        return ""
    text = terminal_safe(str(value), single_line=single_line)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def short(snapshot_id: str | None) -> str:
    return snapshot_id[:12] if snapshot_id else "none"


def ordered(report: DriftReport) -> list[Change]:
    """Worst first (breaking, dangerous, safe), then by path: the order of every rendered list."""
    return sort_changes(report.changes)


def headline(report: DriftReport) -> str:
    """One line saying what happened, e.g. ``3 breaking, 1 dangerous, 4 safe changes``."""
    if report.outcome == "failed":
        return "check failed"
    if report.outcome == "unchanged":
        return "schema unchanged"
    if report.outcome == "baseline":
        return "baseline snapshot stored"
    s = report.summary
    if not s["total"]:
        return "schema changed (no differences found)"
    parts = [f"{s[level.value]} {level.value}" for level in LEVELS if s[level.value]]
    noun = "change" if s["total"] == 1 else "changes"
    return f"{', '.join(parts)} {noun}"


def used_by(change: Change) -> list[str]:
    """Operation names in the change's ``used_by`` meta (a JSON list or comma-separated); [] when unused."""
    raw = change.meta_dict.get("used_by", "").strip()
    if not raw:
        return []
    if raw.startswith("["):
        try:
            items = json.loads(raw)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(i) for i in items if str(i).strip()]
    return [part.strip() for part in raw.split(",") if part.strip()]


def operations(report: DriftReport) -> list[dict[str, Any]]:
    """Saved operations from the contracts section, broken first, then deprecated, then valid."""
    ops = [op for op in (report.contracts or {}).get("operations", []) or [] if isinstance(op, Mapping)]
    rank = {"broken": 0, "deprecated": 1, "valid": 2}
    return sorted(
        (dict(op) for op in ops),
        key=lambda op: (rank.get(str(op.get("status")), 3), str(op.get("name", "")), str(op.get("file", ""))),
    )


def state_lines(report: DriftReport) -> list[str]:
    """What a reader must know about the schema's state beyond this run's changes: a rollback, flapping,
    and, for a run that found no change, which run brought the current schema and what is still open."""
    lines: list[str] = []
    if report.rollback:
        lines.append(
            f"rolled back to snapshot {short(str(report.rollback.get('snapshot')))}, "
            f"first seen {when(report.rollback.get('first_seen'))}"
        )
    if report.flapping:
        lines.append(
            f"flapping: the schema alternates between {len(report.flapping.get('snapshots') or ())} "
            "snapshots (two versions behind one endpoint?); alerted once, when it started"
        )
    if report.open_since:
        opened = report.open_changes
        counts = counts_text(summarize(opened), empty="nothing open")
        lines.append(
            f"schema unchanged since run {clean(report.open_since.get('run_id'))} "
            f"({when(report.open_since.get('finished_at'))}); still open, unacknowledged: {counts}"
        )
    return lines


def live_summary(report: DriftReport) -> str:
    """``120 requests (100 generated, 20 replayed saved operations) in 4.2 s``, from what the section has."""
    live = report.live or {}
    parts = []
    if isinstance(live.get("requests"), int):
        parts.append(f"{live['requests']} requests")
    detail = [
        f"{live[key]} {label}"
        for key, label in (("examples", "generated"), ("replayed", "replayed saved operations"))
        if isinstance(live.get(key), int)
    ]
    text = " ".join(parts) + (f" ({', '.join(detail)})" if parts and detail else ", ".join(detail))
    if isinstance(live.get("duration"), int | float):
        text += f" in {live['duration']:.1f} s"
    return text.strip()


def live_failures(report: DriftReport) -> list[dict[str, Any]]:
    """The live tests' distinct failures (each with its count, response path and curl line), most first."""
    failures = [dict(f) for f in (report.live or {}).get("failures") or () if isinstance(f, Mapping)]
    return sorted(
        failures, key=lambda f: (-int(f.get("count") or 1), str(f.get("operation")), str(f.get("path")))
    )


@dataclass(frozen=True, slots=True)
class Deprecation:
    """A deprecated schema element that saved operations still use."""

    coordinate: str
    operations: tuple[str, ...]
    reason: str
    removal_date: str | None
    replacement: str | None
    days_left: int | None

    @property
    def near(self) -> bool:
        return self.days_left is not None and self.days_left <= NEAR_REMOVAL_DAYS


def deprecations(report: DriftReport) -> list[Deprecation]:
    """Deprecated elements used by saved operations, one entry per element, soonest removal first."""
    today = _day(report.finished_at)
    found: dict[str, tuple[Mapping[str, Any], set[str]]] = {}
    for op in operations(report):
        for dep in op.get("deprecations") or ():
            if isinstance(dep, Mapping):
                found.setdefault(str(dep.get("coordinate", "?")), (dep, set()))[1].add(
                    str(op.get("name", "?"))
                )
    out: list[Deprecation] = []
    for coordinate, (dep, names) in found.items():
        removal = dep.get("removal_date")
        removal_day = _day(str(removal)) if removal else None
        out.append(
            Deprecation(
                coordinate=coordinate,
                operations=tuple(sorted(names)),
                reason=str(dep.get("reason") or ""),
                removal_date=str(removal) if removal else None,
                replacement=str(dep["replacement"]) if dep.get("replacement") else None,
                days_left=(removal_day - today).days if removal_day and today else None,
            )
        )
    return sorted(out, key=lambda d: (d.days_left is None, d.days_left or 0, d.coordinate))


def _day(text: str) -> date | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def contract_counts(report: DriftReport) -> dict[str, int]:
    section = report.contracts or {}
    keys = ("total", "valid", "broken", "deprecated", "revalidated", "reused")
    return {k: int(section[k]) for k in keys if isinstance(section.get(k), int)}


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A nested section (``live``) as (dotted key, text) pairs, for renderers that know nothing about it."""
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs.extend(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(value, list | tuple):
        if all(not isinstance(i, Mapping | list | tuple) for i in value):
            return [(prefix, ", ".join(str(i) for i in value))]
        pairs = []
        for index, item in enumerate(value):
            pairs.extend(flatten(item, f"{prefix}[{index}]"))
        return pairs
    return [(prefix, "" if value is None else str(value))]


def change_labels(change: Change, acknowledged: Mapping[str, str]) -> list[str]:
    """Extra facts shown next to a change: the rule that re-classified it, the acknowledgement."""
    labels: list[str] = []
    meta = change.meta_dict
    if change.rule:
        original = meta.get("original_criticality")
        labels.append(f"rule {change.rule}" + (f" (was {original})" if original else ""))
    if change.id in acknowledged:
        reason = acknowledged[change.id]
        labels.append(f"acknowledged: {reason}" if reason else "acknowledged")
    return labels


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def run_sort_key(run: Mapping[str, Any]) -> tuple[str, str]:
    return (str(run.get("finished_at", "")), str(run.get("run_id", "")))


def merged_history(report: DriftReport, history: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Past run summaries plus this run, oldest first, one entry per run id."""
    runs = {str(r.get("run_id")): dict(r) for r in history or () if r.get("run_id")}
    runs[report.run_id] = {
        "run_id": report.run_id,
        "finished_at": report.finished_at,
        "outcome": report.outcome,
        "summary": report.summary,
    }
    return sorted(runs.values(), key=run_sort_key)


def when(iso: object) -> str:
    """An ISO timestamp as ``2026-01-12 09:30:01 UTC``; anything unparsable as it came (cleaned)."""
    text = clean(iso)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def counts_text(summary: Mapping[str, Any], empty: str = "no changes") -> str:
    """``3 breaking, 1 safe`` from a run summary; ``empty`` when it has none."""
    parts = [f"{summary.get(lv.value)} {lv.value}" for lv in LEVELS if summary.get(lv.value)]
    return ", ".join(parts) or empty


def run_has_page(outcome: object) -> bool:
    """Whether a run is published with dated files (an ``unchanged`` run only refreshes ``latest.*``)."""
    return outcome != "unchanged"


def target_dir_name(target: str) -> str:
    """The file-name-safe folder of ``target`` under reports/ (configured names already are)."""
    return (_UNSAFE_NAME.sub("_", target).lstrip(".") or "target")[:128]


def last_change(report: DriftReport, history: Iterable[Mapping[str, Any]] | None) -> dict[str, Any] | None:
    """The most recent earlier run that found changes, for a run that found none (``None`` otherwise)."""
    if report.outcome == "changed" or history is None:
        return None
    earlier = [r for r in merged_history(report, history) if r.get("outcome") == "changed"]
    return earlier[-1] if earlier else None
