"""The operation tools: validate_operation (any document) and check_contracts (the saved operations).

validate_operation checks one document against a stored snapshot and, for every error, names the recorded
schema change that most likely caused it (:func:`monitor.core.contracts.document.blame`: the target's whole
change history up to that snapshot, weighed by the rule the check applies to the saved operations).
check_contracts runs the contracts feature (:func:`monitor.core.contracts.validate_operations`) over the
target's saved operations against the latest snapshot, with the changes that produced that snapshot as the
candidate causes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from monitor.adapters.store import SnapshotRef, deprecations_first_seen
from monitor.core.changes import Change
from monitor.core.contracts.collect import NearIndex
from monitor.core.contracts.document import Checked, Problem, Recorded, blame, check_document
from monitor.errors import ConfigError, MonitorError
from monitor.mcp.answers import fit
from monitor.mcp.catalog import Catalog, envelope
from monitor.mcp.models import (
    CausedBy,
    ContractOperation,
    ContractsAnswer,
    DeprecatedUsageModel,
    ErrorModel,
    Location,
    OperationSummary,
    ValidationAnswer,
)

if TYPE_CHECKING:
    from graphql import GraphQLSchema

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MAX_VARIABLES_CHARS: Final = 100_000


def parse_variables(variables: Mapping[str, Any] | str | None) -> dict[str, Any] | None:
    """Variables given as an object or as a JSON string (some clients can only send strings)."""
    if variables is None:
        return None
    if isinstance(variables, str):
        if not variables.strip():
            return None
        if len(variables) > MAX_VARIABLES_CHARS:
            raise ConfigError(f"variables: at most {MAX_VARIABLES_CHARS} characters of JSON are accepted")
        try:
            variables = json.loads(variables)
        except (ValueError, RecursionError) as exc:
            raise ConfigError(f"variables: not a JSON object ({exc})") from None
    if not isinstance(variables, Mapping):
        raise ConfigError("variables: expected a JSON object mapping variable names to values")
    return dict(variables)


def validate_operation(
    catalog: Catalog,
    target: str,
    document: str,
    variables: Mapping[str, Any] | str | None,
    snapshot: str,
    max_chars: int,
) -> ValidationAnswer:
    snap, loaded = catalog.snapshot(target, snapshot)
    checked = check_document(loaded.schema, document, parse_variables(variables))
    history: list[Recorded] = []
    if not checked.valid:
        recorded = catalog.store.changes_since(target, _EPOCH)
        history = [r for r in recorded if r[0] <= snap.first_seen_at]
    snapshots = catalog.store.snapshot_history(target) if history else []
    introduced = {s.run_id: s.id for s in snapshots}
    earlier = [s for s in snapshots if s.seq < snap.seq]
    indexes = (
        _indexes(catalog, target, loaded.schema, checked, earlier[-1] if earlier else None) if history else []
    )
    answer = ValidationAnswer(
        **envelope(target, snap),
        valid=checked.valid,
        operations=_operations(checked),
        errors=[_error(p, history, indexes, introduced) for p in checked.problems],
        deprecated_usages=[DeprecatedUsageModel.model_validate(d) for d in checked.deprecated],
    )
    if not checked.valid and not any(e.caused_by for e in answer.errors):
        answer.note = (
            "no recorded schema change explains these errors (the operation may never have been valid)"
        )
    return fit(answer, "errors", max_chars, note=lambda kept, total: f"showing {kept} of {total} errors")


def _operations(checked: Checked) -> list[OperationSummary]:
    return [
        OperationSummary(name=o.name, kind=o.kind, depth=o.depth, fields=o.fields) for o in checked.operations
    ]


def _indexes(
    catalog: Catalog, target: str, schema: GraphQLSchema, checked: Checked, before: SnapshotRef | None
) -> list[NearIndex]:
    """Where the document's nodes are, in the schema it was checked against and in ``before``'s (what a
    removed field used to return), as the check locates a saved operation's errors."""
    if checked.document is None:
        return []
    indexes = [NearIndex(schema, checked.document)]
    if before is not None:
        try:
            _, previous = catalog.snapshot(target, before.id)
            indexes.append(NearIndex(previous.schema, checked.document))
        except MonitorError:  # a snapshot that no longer builds: the current schema alone
            pass
    return indexes


def _error(
    problem: Problem, history: Sequence[Recorded], indexes: Sequence[NearIndex], introduced: Mapping[str, str]
) -> ErrorModel:
    culprit = blame(problem, history, indexes)
    caused_by = None
    if culprit is not None:
        seen_at, run_id, change = culprit
        caused_by = _caused_by(change, seen_at.isoformat(), run_id, introduced.get(run_id))
    return ErrorModel(
        message=problem.message,
        kind=problem.kind,
        locations=[Location(line=problem.line, column=problem.column)] if problem.line else [],
        coordinates=list(problem.coordinates),
        caused_by=caused_by,
    )


def _caused_by(change: Change, seen_at: str, run_id: str, snapshot: str | None) -> CausedBy:
    return CausedBy(
        change_id=change.id,
        type=change.type.value,
        criticality=change.criticality.value,
        path=change.path,
        message=change.message,
        seen_at=seen_at,
        run_id=run_id,
        snapshot=snapshot,
    )


def check_contracts(catalog: Catalog, target: str, max_chars: int) -> ContractsAnswer:
    from monitor.adapters.operations import target_contracts
    from monitor.core.contracts import OperationSet, Status, validate_operations

    config = catalog.configured(target)
    snap, loaded = catalog.snapshot(target, "latest")
    directory = config.contracts_dir
    try:  # read exactly as the check reads them: same paths, same digests
        operations = target_contracts(catalog.settings, config) or OperationSet()
    except MonitorError as exc:
        raise ConfigError(f"{target}: {exc}") from None
    store = catalog.store
    run = store.get_run(target, snap.run_id)
    changes = store.run_changes(target, run.id)
    by_id = {c.id: c for c in changes}
    first_seen = deprecations_first_seen(store, target)
    result = validate_operations(loaded.schema, operations, changes=changes, deprecated_since=first_seen)
    seen_at = run.finished_at.isoformat()
    ops = [
        ContractOperation(
            name=op.name,
            kind=op.kind,
            file=op.file,
            line=op.line,
            status=op.status.value,
            errors=[
                ErrorModel(
                    message=e.message,
                    kind="validation",
                    locations=[Location(line=e.line, column=e.column)] if e.line else [],
                    file=e.file,
                    path=e.path,
                )
                for e in op.errors
            ],
            caused_by=[_caused_by(by_id[i], seen_at, run.id, snap.id) for i in op.caused_by if i in by_id],
            deprecated_usages=[DeprecatedUsageModel.model_validate(d) for d in op.deprecations],
        )
        for op in sorted(result.operations, key=lambda o: (_STATUS_ORDER.get(o.status.value, 3), o.name))
    ]
    answer = ContractsAnswer(
        **envelope(target, snap),
        directory=str(directory),
        total=result.total,
        valid=result.count(Status.VALID),
        broken=result.count(Status.BROKEN),
        deprecated=result.count(Status.DEPRECATED),
        problems=[str(p) for p in result.problems],
        operations=ops,
    )
    if not result.total and not result.problems:
        answer.note = f"no saved operations under {directory}"
    return fit(
        answer,
        "operations",
        max_chars,
        note=lambda kept, total: (
            f"showing {kept} of {total} operations (broken first); use validate_operation "
            "on one operation's text for full details"
        ),
    )


_STATUS_ORDER: Final = {"broken": 0, "deprecated": 1, "valid": 2}
