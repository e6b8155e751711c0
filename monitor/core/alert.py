"""Alerts: which runs notify people, and the Slack message they get (pure; the sender is adapters/slack).

:func:`decide_alerts` looks at one finished run and returns the alerts to queue in the outbox, in the
same transaction as the run. Each has a dedupe key the outbox holds once:

- ``drift:<target>:<old>:<new>:<h>`` when a schema change passes the policy. The key is the same for a
  re-run and for a second replica seeing the same transition (same fingerprints, same first-seen time of
  the old snapshot), and differs when a schema flips back and forth (A→B, B→A, A→B again).
- ``unreachable:<target>:<run>`` once per failure streak, when it reaches ``unreachable_after`` runs;
- ``recovered:<target>:<run>`` on the first good run after such a streak;
- ``live:<target>:<run>`` when live contract tests fail (``alert_on_live_failures``); the service passes
  ``live_failures`` only for the first run of a failing streak, so a lasting failure is announced once.

The outbox makes each key go out once, except for one window: a sender that dies after Slack accepted the
message and before the outbox marks it sent. With a bot token the message carries its key as Slack message
metadata (:func:`message_metadata`), and a send that was interrupted looks for it in the channel before
posting again, so delivery is exactly once; a webhook cannot be asked what it posted, so it is at least
once, with a duplicate only if the process dies mid-send.


A rollback (the schema went back to an earlier snapshot) alerts like any change, saying it is one. A run
flagged as flapping (the schema alternates between snapshots within a few checks) alerts once, when the
alternation starts: a load balancer serving two versions must not page someone on every flip.

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
from monitor.core.report.triage import Family, Triage, triage

PAYLOAD_VERSION: Final = 1
#: Slack message metadata ``event_type`` of gqlmon's alerts; ``event_payload`` holds the dedupe key.
METADATA_EVENT_TYPE: Final = "gqlmon_alert"
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


def message_metadata(key: str) -> dict[str, Any]:
    """The Slack message metadata that marks a posted alert with its dedupe key (chat.postMessage ``metadata``)."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"dedupe_key": key}}


def metadata_key(message: dict[str, Any]) -> str | None:
    """The dedupe key a Slack message (as conversations.history returns it) was posted with, if gqlmon's."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    key = payload.get("dedupe_key") if isinstance(payload, dict) else None
    return key if isinstance(key, str) else None


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
    flapping_again = bool(report.flapping) and not (report.flapping or {}).get("started")
    if report.outcome == "changed" and report.old_snapshot is not None and not flapping_again:
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
    found = triage(report)
    if found.broken:
        broken = len(found.broken)
        title = f"{broken} saved operation{'s' if broken > 1 else ''} broken · {title}"
        worst = Criticality.BREAKING
    verb = "rolled back" if report.rollback else "schema"
    fallback = f"gqlmon: {bk.esc(target)}: {title} {noun} ({verb} {old} → {new})"
    state = "".join(f"\n{bk.esc(line, limit=300)}" for line in view.state_lines(report))
    head = [
        bk.header(f"{_ICON[worst]} {target}: {title} {noun}"),
        bk.section(
            f"*{'Rolled back' if report.rollback else 'Schema'}* `{old}` → `{new}` · run `{report.run_id}`"
            + _report_link(url)
            + state
        ),
        bk.fields(_count_fields(report)),
    ]
    details = [
        *_operation_blocks(found),
        *_change_blocks(report, found, changes, policy),
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


def _change_blocks(
    report: DriftReport, found: Triage, changes: Sequence[Change], policy: AlertPolicy
) -> list[bk.Block]:
    """The alerting changes after the broken operations: those saved operations use, then families."""
    selected = {c.id for c in changes}
    out: list[bk.Block] = []
    used = [u for u in found.used if u.change.id in selected]
    if used:
        lines = []
        for item in used[: policy.max_listed]:
            names = ", ".join(bk.code(o, limit=80) for o in item.valid[:8])
            others = ", ".join(bk.code(o, limit=80) for o in item.elsewhere[:8])
            lines.append(
                f"• *{bk.esc(item.change.message, limit=300)}*\n   {bk.code(item.change.coordinate)}"
                + (f" · used by {names} (still valid)" if names else "")
                + (f" · used by {others} (broken by another change)" if others else "")
            )
        if len(used) > policy.max_listed:
            lines.append(f"_… and {len(used) - policy.max_listed} more._")
        out += bk.packed(lines, title=f"*🔴 Breaking changes your operations use ({len(used)})*")
    groups = [
        (
            "🔴",
            "Breaking changes no saved operation uses" if report.contracts else "Breaking changes",
            found.unused,
        ),
        ("🟠", "Dangerous changes", found.dangerous),
        ("🟢", "Safe changes", found.safe),
    ]
    for icon, title, families in groups:
        picked = [f for f in (_selected(f, selected) for f in families) if f is not None]
        if not picked:
            continue
        lines = []
        for family in picked[: policy.max_listed]:
            single = family.single
            if single is not None:
                lines.append(f"• {bk.esc(single.message, limit=300)} · {bk.code(single.coordinate)}")
            else:
                lines.append(
                    f"• *{bk.esc(family.label, limit=100)}*: {len(family.changes)} changes "
                    f"({bk.esc(family.kinds, limit=200)})"
                )
        if len(picked) > policy.max_listed:
            rest = picked[policy.max_listed :]
            lines.append(f"_… and {sum(len(f.changes) for f in rest)} more in {len(rest)} groups._")
        count = sum(len(f.changes) for f in picked)
        out += bk.packed(lines, title=f"*{icon} {title} ({count})*")
    return out


def _selected(family: Family, selected: Container[str]) -> Family | None:
    kept = tuple(c for c in family.changes if c.id in selected)
    return Family(family.key, kept) if kept else None


def _operation_blocks(found: Triage) -> list[bk.Block]:
    """Broken saved operations first: where, the first error, and the change that explains it."""
    if not found.broken and not found.problems:
        return []
    lines = []
    for op in found.broken[:15]:
        first = f" — {bk.esc(op.errors[0].get('message'), limit=200)}" if op.errors else ""
        line = f"• {bk.code(op.name, limit=100)} ({bk.esc(op.location, limit=150)}){first}"
        for change in op.causes[:3]:
            line += f"\n   caused by *{bk.esc(change.message, limit=200)}*"
        lines.append(line)
    if len(found.broken) > 15:
        lines.append(f"_… and {len(found.broken) - 15} more._")
    for problem in found.problems[:5]:
        lines.append(
            f"• cannot read {bk.code(str(problem.get('file')), limit=150)}: "
            f"{bk.esc(problem.get('message'), limit=200)}"
        )
    return bk.packed(lines, title=f"*✖ Saved operations broken ({len(found.broken)})*")


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
        bk.context(f"Last good schema `{last_good}` · run `{report.run_id}`" + _report_link(url)),
    ]
    return _one_message(text, blocks)


def recovered_messages(report: DriftReport, failures: int, url: str | None) -> dict[str, Any]:
    target = view.clean(report.target)
    text = f"gqlmon: {bk.esc(target)} recovered after {failures} failed checks"
    blocks = [
        bk.header(f"✅ {target} recovered"),
        bk.section(
            f"Checks succeed again after {failures} failures · {bk.esc(view.headline(report))}"
            + _report_link(url)
        ),
    ]
    return _one_message(text, blocks)


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
            f"run `{report.run_id}` · reproduce with the curl commands in the report" + _report_link(url)
        ),
    ]
    return _one_message(text, blocks)


def _report_link(url: str | None) -> str:
    """`` · <url|Open the report>`` when the report is published somewhere."""
    return f" · {bk.link(url, 'Open the report')}" if url else ""


def _one_message(text: str, blocks: list[bk.Block]) -> dict[str, Any]:
    """An alert that fits one message: the same for a webhook and a bot's summary, no thread."""
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
