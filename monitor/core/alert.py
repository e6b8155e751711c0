"""Alerts: which runs notify people, and the Slack message they get (pure; the sender is adapters/slack).

:func:`decide_alerts` looks at one finished run and returns the alerts to queue in the outbox, in the
same transaction as the run. Each has a dedupe key that makes delivery exactly-once:

- ``drift:<target>:<old>:<new>:<h>`` when a schema change passes the policy. The key is the same for a
  re-run and for a second replica seeing the same transition (same fingerprints, same first-seen time of
  the old snapshot), and differs when a schema flips back and forth (A→B, B→A, A→B again).
- ``unreachable:<target>:<run>`` once per failure streak, when it reaches ``unreachable_after`` runs;
- ``recovered:<target>:<run>`` on the first good run after such a streak;
- ``live:<target>:<run>`` when live contract tests fail (``alert_on_live_failures``); the service passes
  ``live_failures`` only for the first run of a failing streak, so a lasting failure is announced once.

A run flagged as flapping (the schema went back to a snapshot served a few checks earlier) queues no
drift alert: the first transition alerted already, and a load balancer serving two versions must not
page someone on every flip.

The payload holds the finished Block Kit messages (``message`` for a webhook; ``summary`` plus threaded
``details`` for a bot token), so the sender never re-renders and an alert queued before an upgrade still
goes out as it was decided.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from monitor.core.changes import Change, Criticality
from monitor.core.report import blocks as bk
from monitor.core.report import view
from monitor.core.report.model import DriftReport

PAYLOAD_VERSION: Final = 1
AlertKind = Literal["drift", "unreachable", "recovered", "live"]
PlannedAlert = tuple[str, str, dict[str, Any]]  # (dedupe key, kind, payload)
_THRESHOLD: Final = {
    "breaking": Criticality.BREAKING,
    "dangerous": Criticality.DANGEROUS,
    "any": Criticality.SAFE,
}
_ICON: Final = {Criticality.BREAKING: "🔴", Criticality.DANGEROUS: "🟠", Criticality.SAFE: "🟢"}


class _AlertSettings(Protocol):
    on: Literal["breaking", "dangerous", "any"]
    only_used: bool
    include_types: list[str]
    exclude_types: list[str]
    unreachable_after: int


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """When a target alerts. ``include_types``/``exclude_types`` are change types or globs (``FIELD_*``)."""

    on: Literal["breaking", "dangerous", "any"] = "breaking"
    only_used: bool = False
    include_types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    unreachable_after: int = 3
    max_listed: int = 10
    near_removal_days: int = view.NEAR_REMOVAL_DAYS

    @classmethod
    def from_config(cls, config: _AlertSettings, **overrides: Any) -> AlertPolicy:
        """From ``settings.AlertConfig`` (or anything with its attributes)."""
        return cls(
            on=config.on,
            only_used=config.only_used,
            include_types=tuple(config.include_types),
            exclude_types=tuple(config.exclude_types),
            unreachable_after=config.unreachable_after,
            **overrides,
        )

    def selects(self, change: Change, acknowledged: Container[str] = ()) -> bool:
        """Whether ``change`` alone is worth an alert under this policy."""
        if change.id in acknowledged:
            return False
        if not change.criticality.at_least(_THRESHOLD[self.on]):
            return False
        if self.only_used and not view.used_by(change):
            return False
        kind = change.type.value
        if self.include_types and not any(fnmatch.fnmatchcase(kind, p) for p in self.include_types):
            return False
        return not any(fnmatch.fnmatchcase(kind, p) for p in self.exclude_types)


def alerting_changes(report: DriftReport, policy: AlertPolicy) -> list[Change]:
    """The run's changes that pass ``policy``, worst first (acknowledged ones never do)."""
    return [c for c in view.ordered(report) if policy.selects(c, report.acknowledged)]


def report_url(public_url: str | None, report: DriftReport) -> str | None:
    """Where the run's HTML page is published, when ``public_url`` is configured."""
    if not public_url:
        return None
    page = f"{report.run_id}.html" if view.run_has_page(report.outcome) else "latest.html"
    return f"{public_url.rstrip('/')}/{view.target_dir_name(report.target)}/{page}"


def dedupe_key(kind: AlertKind, report: DriftReport) -> str:
    target = view.clean(report.target)[:64]
    if kind != "drift":
        return f"{kind}:{target}:{report.run_id}"
    old = report.old_snapshot.id if report.old_snapshot else ""
    new = report.new_snapshot.id if report.new_snapshot else ""
    since = report.old_snapshot.fetched_at if report.old_snapshot else ""
    digest = hashlib.sha256(f"{report.target}\x1f{old}\x1f{new}\x1f{since}".encode()).hexdigest()[:12]
    return f"drift:{target}:{old[:16]}:{new[:16]}:{digest}"


def decide_alerts(
    report: DriftReport,
    policy: AlertPolicy,
    *,
    consecutive_failures: int,
    previous_outcome: str | None,
    public_url: str | None,
    live_failures: bool = False,
) -> list[PlannedAlert]:
    """The alerts this run queues.

    ``consecutive_failures`` counts the target's failed runs in a row *before* this one (read it from the
    store before recording the run); ``previous_outcome`` is the outcome of the run before this one;
    ``live_failures`` is the target's ``alert_on_live_failures``.
    """
    url = report_url(public_url, report)
    out: list[PlannedAlert] = []
    if report.outcome == "failed":
        streak = consecutive_failures + 1
        if streak == policy.unreachable_after:
            out.append(_planned("unreachable", report, unreachable_messages(report, streak, url)))
        return out
    if consecutive_failures >= policy.unreachable_after and previous_outcome in (None, "failed"):
        out.append(_planned("recovered", report, recovered_messages(report, consecutive_failures, url)))
    if report.outcome == "changed" and report.old_snapshot is not None and not report.flapping:
        changes = alerting_changes(report, policy)
        if changes:
            out.append(_planned("drift", report, build_blocks(report, changes, policy=policy, url=url)))
    if live_failures and report.live and report.live.get("failures"):
        out.append(_planned("live", report, live_messages(report, url)))
    return out


def _planned(kind: AlertKind, report: DriftReport, messages: dict[str, Any]) -> PlannedAlert:
    payload = {"version": PAYLOAD_VERSION, "kind": kind, "target": report.target, "run_id": report.run_id}
    return (dedupe_key(kind, report), kind, {**payload, **messages})


def build_blocks(
    report: DriftReport, changes: Sequence[Change], *, policy: AlertPolicy, url: str | None = None
) -> dict[str, Any]:
    """The drift alert: ``message`` (everything, for a webhook), ``summary`` and ``details`` (a bot's thread).

    Each is ``{"text": fallback, "blocks": [...]}`` within Slack's limits, API text escaped.
    """
    worst = changes[0].criticality if changes else Criticality.SAFE
    counts = {lv: sum(1 for c in changes if c.criticality is lv) for lv in view.LEVELS}
    title = ", ".join(f"{n} {lv.value}" for lv, n in counts.items() if n)
    noun = "change" if len(changes) == 1 else "changes"
    target = view.clean(report.target)
    old = view.short(report.old_snapshot.id if report.old_snapshot else None)
    new = view.short(report.new_snapshot.id if report.new_snapshot else None)
    fallback = f"gqlmon: {bk.esc(target)}: {title} {noun} (schema {old} → {new})"
    head = [
        bk.header(f"{_ICON[worst]} {target}: {title} {noun}"),
        bk.section(
            f"*Schema* `{old}` → `{new}` · run `{report.run_id}`"
            + (f" · {bk.link(url, 'Open the report')}" if url else "")
        ),
        bk.fields(_count_fields(report)),
    ]
    details = [
        *_change_blocks(report, changes, policy),
        *_operation_blocks(report),
        *_deprecation_blocks(report, policy),
    ]
    foot = bk.context(
        f"gqlmon · {bk.esc(view.when(report.finished_at))}"
        + (f" · {len(report.acknowledged)} acknowledged, not alerted" if report.acknowledged else "")
    )
    summary_note = bk.context("Details in the thread ↓")
    return {
        "message": bk.message(fallback, [*head, bk.divider(), *details, foot]),
        "summary": bk.message(fallback, [*head, summary_note]),
        "details": [bk.message(f"Details: {fallback}", [*details, foot])] if details else [],
    }


def _count_fields(report: DriftReport) -> list[str]:
    s = report.summary
    items = []
    for lv in view.LEVELS:
        acked = sum(1 for c in report.changes if c.criticality is lv and c.id in report.acknowledged)
        items.append(
            f"*{view.LEVEL_TITLES[lv]}*\n{s[lv.value]}" + (f" ({acked} acknowledged)" if acked else "")
        )
    counts = view.contract_counts(report)
    if report.contracts is not None:
        items.append(f"*Saved operations broken*\n{counts.get('broken', 0)} of {counts.get('total', 0)}")
    return items


def _change_blocks(report: DriftReport, changes: Sequence[Change], policy: AlertPolicy) -> list[bk.Block]:
    affected = view.affected(report)
    out: list[bk.Block] = []
    for level in view.LEVELS:
        rows = [c for c in changes if c.criticality is level]
        if not rows:
            continue
        lines = []
        for change in rows[: policy.max_listed]:
            line = (
                f"• *{bk.esc(change.message, limit=300)}*\n"
                f"   {bk.code(change.coordinate)} · {bk.esc(change.reason, limit=300)}"
            )
            ops = affected.get(change.id, [])
            if ops:
                listed = ", ".join(bk.code(o, limit=80) for o in ops[:8])
                line += f"\n   Breaks {listed}" + (f" and {len(ops) - 8} more" if len(ops) > 8 else "")
            lines.append(line)
        if len(rows) > policy.max_listed:
            lines.append(f"_… and {len(rows) - policy.max_listed} more {level.value} changes._")
        out += bk.packed(lines, title=f"*{_ICON[level]} {view.LEVEL_TITLES[level]} changes ({len(rows)})*")
    return out


def _operation_blocks(report: DriftReport) -> list[bk.Block]:
    broken = [op for op in view.operations(report) if op.get("status") == "broken"]
    if not broken:
        return []
    lines = []
    for op in broken[:15]:
        where = f"{op.get('file', '')}:{op['line']}" if op.get("line") else op.get("file", "")
        errors = [e for e in op.get("errors") or () if isinstance(e, dict)]
        first = f" — {bk.esc(errors[0].get('message'), limit=200)}" if errors else ""
        lines.append(f"• {bk.code(op.get('name'), limit=100)} ({bk.esc(where, limit=150)}){first}")
    if len(broken) > 15:
        lines.append(f"_… and {len(broken) - 15} more._")
    return bk.packed(lines, title=f"*Saved operations broken ({len(broken)})*")


def _deprecation_blocks(report: DriftReport, policy: AlertPolicy) -> list[bk.Block]:
    near = [
        d
        for d in view.deprecations(report)
        if d.days_left is not None and d.days_left <= policy.near_removal_days
    ]
    if not near:
        return []
    lines = []
    for d in near[:10]:
        days = d.days_left or 0
        left = f"{-days} days overdue" if days < 0 else f"in {days} days"
        use = f", use {bk.code(d.replacement)}" if d.replacement else ""
        lines.append(
            f"• {bk.code(d.coordinate)} is removed {left} ({bk.esc(d.removal_date)}), "
            f"used by {', '.join(bk.code(o, limit=80) for o in d.operations[:5])}{use}"
        )
    if len(near) > 10:
        lines.append(f"_… and {len(near) - 10} more._")
    return bk.packed(lines, title="*Deprecations removed soon*")


def unreachable_messages(report: DriftReport, streak: int, url: str | None) -> dict[str, Any]:
    target = view.clean(report.target)
    error = bk.esc(report.error, limit=2000).replace("`", "'")
    last_good = view.short(report.old_snapshot.id if report.old_snapshot else None)
    # A refused token is not an outage: say what the reader has to fix (the introspection adapter's words).
    refused = "unauthorized (" in (report.error or "")
    state = "refuses gqlmon's credentials" if refused else "is unreachable"
    text = f"gqlmon: {bk.esc(target)} {state} ({streak} failed checks in a row)"
    blocks = [
        bk.header(f"{'🔒' if refused else '🚨'} {target} {state}"),
        bk.section(f"The last {streak} checks failed. Last error:\n```{error}```"),
        bk.context(
            f"Last good schema `{last_good}` · run `{report.run_id}`"
            + (f" · {bk.link(url, 'Open the report')}" if url else "")
        ),
    ]
    msg = bk.message(text, blocks)
    return {"message": msg, "summary": msg, "details": []}


def recovered_messages(report: DriftReport, failures: int, url: str | None) -> dict[str, Any]:
    target = view.clean(report.target)
    text = f"gqlmon: {bk.esc(target)} recovered after {failures} failed checks"
    blocks = [
        bk.header(f"✅ {target} recovered"),
        bk.section(
            f"Checks succeed again after {failures} failures · {bk.esc(view.headline(report))}"
            + (f" · {bk.link(url, 'Open the report')}" if url else "")
        ),
    ]
    msg = bk.message(text, blocks)
    return {"message": msg, "summary": msg, "details": []}


def live_messages(report: DriftReport, url: str | None) -> dict[str, Any]:
    """The API broke the promises its schema makes (live contract tests): what failed, and how to see it."""
    target = view.clean(report.target)
    live = report.live or {}
    failures = [f for f in live.get("failures") or [] if isinstance(f, dict)]
    count = live.get("failure_count") or len(failures)
    text = f"gqlmon: {bk.esc(target)}: live contract tests found {count} failure(s)"
    lines = [
        f"• `{bk.esc(str(f.get('operation')), limit=120)}` {bk.esc(str(f.get('check')), limit=60)}"
        f" at `{bk.esc(str(f.get('path')), limit=200)}`: {bk.esc(str(f.get('message')), limit=300)}"
        for f in failures[:10]
    ]
    if len(failures) > 10:
        lines.append(f"and {len(failures) - 10} more")
    blocks = [
        bk.header(f"🧪 {target}: the API breaks its schema's promises"),
        bk.section("\n".join(lines) or "see the report"),
        bk.context(
            f"run `{report.run_id}` · reproduce with the curl commands in the report"
            + (f" · {bk.link(url, 'Open the report')}" if url else "")
        ),
    ]
    msg = bk.message(text, blocks)
    return {"message": msg, "summary": msg, "details": []}


def preview(payload: dict[str, Any], *, bot: bool = False) -> str:
    """An alert payload as plain text for a terminal (``make demo``, dry runs): what Slack would show."""
    messages = [payload["summary"], *payload.get("details", [])] if bot else [payload["message"]]
    lines: list[str] = []
    for index, message in enumerate(messages):
        if index:
            lines.append("  ↳ in thread:")
        for block in message["blocks"]:
            texts = [block["text"]["text"]] if "text" in block else []
            texts += [f["text"].replace("\n", ": ") for f in block.get("fields", [])]
            texts += [e.get("text", "") for e in block.get("elements", [])]
            if block["type"] == "divider":
                texts = ["─" * 40]
            lines += [_plain(t) for t in texts]
    return "\n".join(lines) + "\n"


def _plain(mrkdwn: str) -> str:
    text = mrkdwn.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "\n".join(view.clean(line) for line in text.splitlines())
