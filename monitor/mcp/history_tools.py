"""The history tools: list_targets, get_drift_report, schema_changes and coordinate_history.

They read runs, reports and recorded changes from the store; coordinate_history also looks the
coordinate up in the first and the latest snapshot (directly in the introspection JSON, which is much
cheaper than building two schemas).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from monitor.adapters.store import SnapshotRef, Store
from monitor.core.changes import Change, Criticality
from monitor.core.report import view
from monitor.core.report.model import DriftReport
from monitor.core.report.triage import Triage, triage
from monitor.core.search import field_signature, input_value_signature, one_line, type_signature
from monitor.errors import ConfigError, SnapshotError
from monitor.mcp.answers import fit, json_size, take
from monitor.mcp.catalog import Catalog, envelope, shown
from monitor.mcp.models import (
    BrokenOperation,
    ChangeFamily,
    ChangeGroup,
    ChangeModel,
    ChangesAnswer,
    DeprecationModel,
    HistoryAnswer,
    HistoryEvent,
    ReportAnswer,
    TargetList,
    TargetStatus,
)
from monitor.settings.parsing import parse_duration
from monitor.support.redact import redact

CriticalityName = Literal["breaking", "dangerous", "safe"]
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NAME: Final = r"[_A-Za-z][_0-9A-Za-z]*"
_COORDINATE_RE: Final = re.compile(rf"^(@?{_NAME})(?:\.({_NAME}))?(?:\(({_NAME}):\)|\.({_NAME}))?$")
_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


# ------------------------------------------------------------------------------------------- targets


def list_targets(catalog: Catalog) -> TargetList:
    store = catalog.store if catalog.has_store() else None
    statuses = []
    for name in catalog.target_names():
        config = catalog.config(name)
        latest = store.latest_snapshot(name) if store else None
        runs = store.list_runs(name, limit=1) if store else []
        last = runs[0] if runs else None
        breaking, dangerous = _open_counts(store, name, latest) if store and latest else (0, 0)
        statuses.append(
            TargetStatus(
                target=name,
                url=redact(str(config.url)) if config else None,
                configured=config is not None,
                auth=config.auth.kind if config else None,
                schedule=config.schedule if config else None,
                allow_mutations=bool(config and config.allow_mutations),
                snapshot=latest.id if latest else None,
                fingerprint=latest.id if latest else None,
                fetched_at=latest.first_seen_at.isoformat() if latest else None,
                snapshots=len(store.snapshot_history(name)) if store else 0,
                last_check=last.finished_at.isoformat() if last else None,
                last_outcome=last.outcome if last else None,
                last_error=redact(last.error) if last and last.error else None,
                open_breaking=breaking,
                open_dangerous=dangerous,
            )
        )
    note = None if store else "no state store yet: run `gqlmon check` to take the first snapshots"
    return TargetList(targets=statuses, note=note)


def _open_counts(store: Store, target: str, latest: SnapshotRef) -> tuple[int, int]:
    """Unacknowledged breaking and dangerous changes that came with the current schema version."""
    try:
        report = store.get_run(target, latest.run_id).report or {}
    except SnapshotError:
        return 0, 0
    acked = store.acknowledgements(target)
    open_changes = [
        c for c in report.get("changes") or [] if c.get("id") not in acked and not c.get("acknowledged")
    ]
    return (
        sum(1 for c in open_changes if c.get("criticality") == "breaking"),
        sum(1 for c in open_changes if c.get("criticality") == "dangerous"),
    )


# ------------------------------------------------------------------------------------------- reports


def _report_run(catalog: Catalog, target: str, ref: str) -> tuple[str, str | None]:
    """``latest`` means the latest run that found something (changes, or the baseline): a run that found
    the schema unchanged has nothing to report. Returns the run to show and a note saying which it is."""
    if ref != "latest":
        return ref, None
    runs = catalog.store.list_runs(target, limit=200)
    found = next((r for r in runs if r.outcome in ("changed", "baseline")), None)
    if not runs or found is None or found.id == runs[0].id:
        return ref, None
    newest = runs[0]
    return found.id, (
        f"showing run {found.id}, the latest that found changes ({found.finished_at:%Y-%m-%d %H:%M} UTC); "
        f"the latest run, {newest.id} ({newest.finished_at:%Y-%m-%d %H:%M} UTC), was {newest.outcome}: "
        "pass run='<id>' for another"
    )


def get_drift_report(catalog: Catalog, target: str, run: str, max_chars: int) -> ReportAnswer:
    target = catalog.target(target)
    ref, shown_note = _report_run(catalog, target, catalog.run_id(run))
    record = catalog.store.get_run(target, ref)
    report = record.report or {}
    snapshot = report.get("new_snapshot") or report.get("old_snapshot") or {}
    previous = report.get("old_snapshot") or {}
    found, state, order = _reading_order(report)
    raw_changes = sorted(
        report.get("changes") or report.get("open_changes") or [],
        key=lambda c: (_SEVERITY.get(str(c.get("criticality")), 3), order.get(str(c.get("id")), 9)),
    )
    changes = [
        _change_model(c, seen_at=record.finished_at, run_id=record.id, snapshot=record.new_snapshot)
        for c in raw_changes
    ]
    # The store's record of the snapshot, so every answer gives the same fetched_at for the same snapshot.
    stored = {s.id: s for s in catalog.store.snapshot_history(target)}.get(str(snapshot.get("id")))
    answer = ReportAnswer(
        **(
            envelope(target, stored)
            if stored
            else {
                "target": target,
                "snapshot": snapshot.get("id"),
                "fingerprint": snapshot.get("fingerprint") or snapshot.get("id"),
                "fetched_at": snapshot.get("fetched_at"),
            }
        ),
        run_id=record.id,
        outcome=record.outcome,
        started_at=record.started_at.isoformat(),
        finished_at=record.finished_at.isoformat(),
        summary=dict(report.get("summary") or record.summary),
        error=redact(record.error) if record.error else None,
        previous_snapshot=previous.get("id"),
        state=state,
        broken_operations=_broken(report.get("contracts"), found),
        groups=_groups(found),
        changes_total=len(changes),
        changes=changes,
        deprecations=_deprecations(changes, report.get("contracts")),
        validity_problems=list(report.get("validity_problems") or [])[:20],
        notes=[*([shown_note] if shown_note else []), *(report.get("notes") or [])],
    )
    since = previous.get("id", "")[:12] or "<a snapshot id or date>"
    return fit(
        answer,
        "changes",
        max_chars,
        note=lambda kept, total: (
            f"showing the {kept} worst of {total} changes; use schema_changes(target='{target}', "
            f"since='{since}', criticality=..., path_prefix=...) to see a narrower set"
        ),
        also=("broken_operations", "groups", "deprecations", "validity_problems", "notes"),
    )


def _change_model(
    data: Mapping[str, Any], *, seen_at: datetime | None, run_id: str | None, snapshot: str | None
) -> ChangeModel:
    return ChangeModel(
        id=str(data.get("id", "")),
        type=str(data.get("type", "")),
        criticality=str(data.get("criticality", "")),
        path=str(data.get("path", "")),
        coordinate=str(data.get("coordinate") or data.get("path", "")),
        message=str(data.get("message", "")),
        reason=str(data.get("reason") or ""),
        old=data.get("old"),
        new=data.get("new"),
        acknowledged=data.get("acknowledged"),
        seen_at=seen_at.isoformat() if seen_at else None,
        run_id=run_id,
        introduced_in=snapshot,
    )


def _operations(contracts: Any) -> list[Mapping[str, Any]]:
    if not isinstance(contracts, Mapping):
        return []
    operations = contracts.get("operations")
    return [op for op in operations if isinstance(op, Mapping)] if isinstance(operations, list) else []


def _reading_order(report: Mapping[str, Any]) -> tuple[Triage | None, list[str], dict[str, int]]:
    """The report's triage (what breaks you first), its state lines, and each change's place in that order:
    0 explains a broken operation, 1 is used by saved operations, 2 is the rest."""
    try:
        drift = DriftReport.from_dict(dict(report))
    except (KeyError, TypeError, ValueError):  # a report of another version: changes in stored order
        return None, [], {}
    found = triage(drift)
    order = {c.id: 0 for op in found.broken for c in op.causes}
    order.update({u.change.id: 1 for u in found.used if u.change.id not in order})
    return found, view.state_lines(drift), order


def _groups(found: Triage | None) -> list[ChangeGroup]:
    if found is None:
        return []
    return [
        ChangeGroup(
            label=family.label,
            criticality=family.changes[0].criticality.value,
            count=len(family.changes),
            kinds=family.kinds,
            examples=[c.coordinate for c in family.changes[:3]],
        )
        for family in (*found.unused, *found.dangerous)  # safe ones: counted in the summary
    ]


def _broken(contracts: Any, found: Triage | None = None) -> list[BrokenOperation]:
    causes = {op.name: op for op in found.broken} if found is not None else {}
    out = []
    for op in _operations(contracts):
        if op.get("status") != "broken":
            continue
        errors = [
            e.get("message", str(e)) if isinstance(e, Mapping) else str(e) for e in op.get("errors") or []
        ]
        out.append(
            BrokenOperation(
                name=str(op.get("name", "?")),
                file=op.get("file"),
                line=op.get("line") if isinstance(op.get("line"), int) else None,
                errors=[str(e) for e in errors],
                caused_by=[str(c) for c in op.get("caused_by") or []],
                causes=[c.message for c in known.causes]
                if (known := causes.get(str(op.get("name")))) is not None
                else [],
            )
        )
    return out


def _deprecations(changes: Sequence[ChangeModel], contracts: Any) -> list[DeprecationModel]:
    out = [
        DeprecationModel(coordinate=c.coordinate, reason=c.new, source="schema")
        for c in changes
        if c.type.endswith("DEPRECATION_ADDED")
    ]
    for op in _operations(contracts):
        for usage in op.get("deprecations") or op.get("deprecated_usages") or []:
            if isinstance(usage, Mapping) and usage.get("coordinate"):
                out.append(
                    DeprecationModel(
                        coordinate=str(usage["coordinate"]),
                        reason=usage.get("reason"),
                        source="operation",
                        operation=str(op.get("name", "?")),
                    )
                )
    return out


# ------------------------------------------------------------------------------------------- changes


def schema_changes(
    catalog: Catalog,
    target: str,
    since: str,
    criticality: CriticalityName | None,
    path_prefix: str | None,
    max_chars: int,
    change_type: str | None = None,
    offset: int = 0,
) -> ChangesAnswer:
    """The changes recorded since ``since``, worst first. The first page (offset 0) leads with what an
    assistant acts on: the saved operations the latest schema breaks, the breaking changes grouped by kind,
    and counts for the rest, in about 4,000 characters; later pages carry the details, each saying how to
    ask for the next."""
    target = catalog.target(target)
    store = catalog.store
    latest = catalog.resolve(target, "latest")
    when, skip_run = _since(catalog, target, since)
    history = store.snapshot_history(target)
    introduced = {s.run_id: s.id for s in history}
    level = Criticality(criticality) if criticality else None
    prefix = (path_prefix or "").strip()
    kind = (change_type or "").strip().upper()
    offset = max(offset, 0)
    selected = [
        _change_model(change.to_dict(), seen_at=seen_at, run_id=run_id, snapshot=introduced.get(run_id))
        for seen_at, run_id, change in store.changes_since(target, when)
        if run_id != skip_run
        and (level is None or change.criticality.at_least(level))
        and (not prefix or change.path.startswith(prefix) or change.coordinate.startswith(prefix))
        and (not kind or change.type.startswith(kind))
    ]
    selected.sort(key=lambda c: (_SEVERITY.get(c.criticality, 3), c.seen_at or "", c.path))
    acked = store.acknowledgements(target)
    for item in selected:
        item.acknowledged = acked.get(item.id)
    counts: dict[str, int] = {}
    for item in selected:
        counts[item.criticality] = counts.get(item.criticality, 0) + 1
    answer = ChangesAnswer(
        **envelope(target, latest),
        since=since,
        since_time=when.isoformat(),
        criticality=criticality,
        path_prefix=prefix or None,
        change_type=kind or None,
        total=len(selected),
        offset=offset,
        counts=counts,
    )
    if not selected:
        answer.note = "no recorded change matches"
        return answer
    call = _call(target, since, criticality, prefix, kind)
    if offset == 0:
        ids = {c.id for c in selected}
        answer.broken_operations = [
            op for op in _latest_broken(store, target) if not op.caused_by or ids.intersection(op.caused_by)
        ][:10]
        for op in answer.broken_operations:
            op.errors = [one_line(e, 160) for e in op.errors[:2]]
        answer.breaking = _families([c for c in selected if c.criticality == "breaking"])
        others: dict[str, int] = {}
        for item in selected:
            if item.criticality != "breaking":
                others[item.type] = others.get(item.type, 0) + 1
        answer.others = dict(sorted(others.items(), key=lambda kv: -kv[1]))
        budget = min(max_chars, FIRST_PAGE_CHARS)
        _fit_families(answer, budget)
    else:
        budget = min(max_chars, PAGE_CHARS)
    page = selected[offset:]
    answer.changes = page
    room = budget - json_size(answer.model_copy(update={"changes": []})) - 300
    kept = take(page, room) if json_size(answer) > budget else len(page)
    answer.changes = page[:kept]
    shown_to = offset + kept
    if shown_to < len(selected):
        answer.truncated = True
        what = (
            f"changes {offset + 1}-{shown_to} of {len(selected)}" if kept else f"no change of {len(selected)}"
        )
        answer.note = (
            f"showing {what} (worst first); next: {call}, offset={shown_to}); narrow with criticality, "
            "path_prefix (e.g. a type name) or change_type (e.g. FIELD_REMOVED)"
        )
    elif offset:
        answer.note = f"last page: changes {offset + 1}-{shown_to} of {len(selected)}"
    return answer


#: The first answer of schema_changes, and each later page, in characters of JSON.
FIRST_PAGE_CHARS: Final = 4_000
PAGE_CHARS: Final = 10_000
_SEVERITY: Final = {"breaking": 0, "dangerous": 1, "safe": 2}
_FAMILY_PATHS: Final = 8


def _call(target: str, since: str, criticality: str | None, prefix: str, kind: str) -> str:
    """``schema_changes(target='x', since='baseline'`` with the filters given (the caller closes it)."""
    parts = [f"target={target!r}", f"since={since!r}"]
    if criticality:
        parts.append(f"criticality={criticality!r}")
    if prefix:
        parts.append(f"path_prefix={prefix!r}")
    if kind:
        parts.append(f"change_type={kind!r}")
    return "schema_changes(" + ", ".join(parts)


def _families(breaking: Sequence[ChangeModel]) -> list[ChangeFamily]:
    """Breaking changes grouped by kind, the largest group first, each with its first paths."""
    groups: dict[str, list[str]] = {}
    for change in breaking:
        groups.setdefault(change.type, []).append(change.path)
    return [
        ChangeFamily(type=kind, count=len(paths), paths=paths[:_FAMILY_PATHS])
        for kind, paths in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def _fit_families(answer: ChangesAnswer, budget: int) -> None:
    """Keep the first page's summary within about half the budget: fewer paths per family (down to none:
    the kind and its count stay), then, only for a schema with very many kinds, fewer families (every change
    is still counted in ``counts``, and ``change_type`` lists one kind)."""
    room = budget * 3 // 4
    for paths in (_FAMILY_PATHS, 4, 2, 1, 0):
        for family in answer.breaking:
            family.paths = family.paths[:paths]
        if json_size(answer) <= room:
            return
    while len(answer.breaking) > 1 and json_size(answer) > room:
        answer.breaking.pop()


def _latest_broken(store: Store, target: str) -> list[BrokenOperation]:
    """The saved operations broken at the latest checked schema (from the newest run that checked them)."""
    for run in store.list_runs(target, limit=20):
        if run.outcome == "failed":
            continue
        record = store.get_run(target, run.id)
        contracts = (record.report or {}).get("contracts")
        if contracts:
            return _broken(contracts)
    return []


def _since(catalog: Catalog, target: str, since: str) -> tuple[datetime, str | None]:
    """The time to list changes from and the run to leave out (the one that introduced a snapshot).

    ``since`` is ``baseline`` (the first stored snapshot), a run id, a snapshot id (prefix), a date or a
    duration back from now.
    """
    text = (since or "").strip()
    if text.lower() == "baseline":
        history = catalog.store.snapshot_history(target)
        if not history:
            raise ConfigError(f"no snapshot stored for {target}: run `gqlmon check {target}` first")
        first = min(history, key=lambda s: s.first_seen_at)
        return first.first_seen_at, first.run_id
    if _RUN_ID_RE.match(text):
        try:
            run = catalog.store.get_run(target, text)
        except SnapshotError as exc:
            raise ConfigError(f"since={shown(text)}: {exc}") from None
        return run.started_at, run.id
    if _DATE_RE.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigError(f"since={shown(text)} is not a valid date: {exc}") from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), None
    if re.fullmatch(r"\d+(\.\d+)?\s*(m|h|d)", text):
        return datetime.now(UTC) - timedelta(seconds=parse_duration(text)), None
    try:
        snap = catalog.resolve(target, text)
    except SnapshotError as exc:
        raise ConfigError(
            f"since={shown(text)}: not 'baseline', a run id, a snapshot id, a date (2026-01-31) or a duration "
            f"(7d) of {target}: {exc}"
        ) from None
    return snap.first_seen_at, snap.run_id


#: A run id or a prefix of one that is more than a date: ``20261125T0930`` (see ``new_run_id``).
_RUN_ID_RE: Final = re.compile(r"^\d{8}T\d{2,9}(-[0-9a-f]{1,6})?$")


# ------------------------------------------------------------------------------------------- coordinates


def coordinate_history(catalog: Catalog, target: str, coordinate: str, max_chars: int) -> HistoryAnswer:
    target = catalog.target(target)
    text = coordinate.strip()
    match = _COORDINATE_RE.match(text)
    if not match:
        raise ConfigError(
            f"{shown(text)} is not a schema coordinate: use Type, Type.field, Type.field(arg:), Enum.VALUE "
            "or @directive"
        )
    owner, member, arg_a, arg_b = match.groups()
    argument = arg_a or arg_b
    if owner.startswith("@") and member and not argument:
        member, argument = None, member
    path = ".".join(p for p in (owner, member, argument) if p)
    canonical = f"{owner}.{member}" if member else owner
    if argument:
        canonical = f"{canonical}({argument}:)"
    store = catalog.store
    history = store.snapshot_history(target)
    if not history:
        raise SnapshotError(f"no snapshot stored for target {target!r}: run `gqlmon check {target}` first")
    introduced = {s.run_id: s.id for s in history}
    latest, first = history[-1], history[0]
    now = _lookup(catalog.load(latest.id).introspection, owner, member, argument)
    at_first = _lookup(catalog.load(first.id).introspection, owner, member, argument)
    events: list[HistoryEvent] = []
    if at_first is not None:
        events.append(
            HistoryEvent(
                at=first.first_seen_at.isoformat(),
                event="present",
                message=f"{canonical} was already in the first snapshot gqlmon took",
                snapshot=first.id,
                run_id=first.run_id,
            )
        )
    for seen_at, run_id, change in store.changes_since(target, _EPOCH):
        if change.path == path or change.coordinate == canonical:
            events.append(_event(seen_at, run_id, change, introduced.get(run_id)))
    answer = HistoryAnswer(
        **envelope(target, latest),
        coordinate=canonical,
        exists=now is not None,
        signature=now[0] if now else None,
        deprecation_reason=now[1] if now else None,
        first_snapshot=first.id,
        in_first_snapshot=at_first is not None,
        events=events,
    )
    if not events:
        answer.note = f"{canonical} never existed in any stored snapshot of {target}" if now is None else None
    return fit(
        answer, "events", max_chars, note=lambda kept, total: f"showing the first {kept} of {total} events"
    )


_EVENTS: Final = (
    ("DEPRECATION_REASON", "deprecation reason changed"),
    ("DEPRECATION_ADDED", "deprecated"),
    ("DEPRECATION_REMOVED", "undeprecated"),
    ("DESCRIPTION", "description changed"),
    ("DEFAULT", "default changed"),
    ("KIND_CHANGED", "kind changed"),
    ("TYPE_CHANGED", "type changed"),
    ("_ADDED", "appeared"),
    ("_REMOVED", "removed"),
)


def _event(seen_at: datetime, run_id: str, change: Change, snapshot: str | None) -> HistoryEvent:
    name = next((event for key, event in _EVENTS if key in change.type.value), change.type.value.lower())
    return HistoryEvent(
        at=seen_at.isoformat(),
        event=name,
        change_type=change.type.value,
        criticality=change.criticality.value,
        message=change.message,
        old=change.old,
        new=change.new,
        run_id=run_id,
        snapshot=snapshot,
    )


def _lookup(
    intro: Mapping[str, Any], owner: str, member: str | None, argument: str | None
) -> tuple[str, str | None] | None:
    """(signature, deprecation reason) of a coordinate in an introspection result; ``None`` if absent."""
    schema = intro.get("__schema") or {}
    if owner.startswith("@"):
        directive = next((d for d in schema.get("directives") or [] if d.get("name") == owner[1:]), None)
        if directive is None:
            return None
        name = member or argument
        if name is None:
            return f"directive {owner}", None
        arg = next((a for a in directive.get("args") or [] if a.get("name") == name), None)
        return (input_value_signature(arg), arg.get("deprecationReason")) if arg else None
    type_ = next((t for t in schema.get("types") or [] if t.get("name") == owner), None)
    if type_ is None:
        return None
    if member is None:
        return type_signature(type_), None
    for field in type_.get("fields") or []:
        if field.get("name") == member:
            if argument is None:
                return field_signature(field), field.get("deprecationReason")
            arg = next((a for a in field.get("args") or [] if a.get("name") == argument), None)
            return (input_value_signature(arg), arg.get("deprecationReason")) if arg else None
    if argument is None:
        for value in (*(type_.get("inputFields") or []), *(type_.get("enumValues") or [])):
            if value.get("name") == member:
                signature = input_value_signature(value) if "type" in value else f"{owner}.{member}"
                return signature, value.get("deprecationReason")
    return None
