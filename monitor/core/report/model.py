"""The DriftReport: everything one run found, as one value every renderer and alert reads.

The JSON form (:meth:`DriftReport.to_dict`) is the stored and published one; its layout is versioned by
``REPORT_VERSION`` and documented in reports/README.md. Renderers never look anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from monitor.core.changes import Change, Criticality, sort_changes, summarize

REPORT_VERSION: Final = 1

Outcome = Literal["baseline", "unchanged", "changed", "failed"]


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    id: str
    fetched_at: str  # ISO 8601, UTC
    query_variant: str = "full"

    @property
    def short(self) -> str:
        return self.id[:12]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fingerprint": self.id,
            "fetched_at": self.fetched_at,
            "query_variant": self.query_variant,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SnapshotInfo | None:
        if not data:
            return None
        return cls(
            id=data["id"], fetched_at=data["fetched_at"], query_variant=data.get("query_variant", "full")
        )


@dataclass(frozen=True, slots=True)
class DriftReport:
    """One run of one target. ``contracts`` and ``live`` are sections filled by their features."""

    target: str
    run_id: str
    started_at: str
    finished_at: str
    outcome: Outcome
    old_snapshot: SnapshotInfo | None = None
    new_snapshot: SnapshotInfo | None = None
    changes: tuple[Change, ...] = ()
    error: str | None = None
    endpoint: str = ""
    validity_problems: tuple[str, ...] = ()
    contracts: dict[str, Any] | None = None
    live: dict[str, Any] | None = None
    acknowledged: dict[str, str] = field(default_factory=dict)  # change id -> reason
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds
    notes: tuple[str, ...] = ()
    # Set when the schema went back to a snapshot served a few checks ago (two versions behind one
    # endpoint): {"snapshots": [ids], "flips": n, "window": m}. Such runs are reported but never alerted.
    flapping: dict[str, Any] | None = None
    # Set when the schema went back to an earlier snapshot (not flapping): {"snapshot": id, "first_seen": iso}.
    rollback: dict[str, Any] | None = None
    # For a run that found no change: the changes still open (breaking and dangerous, unacknowledged) from
    # the run that brought the current schema, and that run ({"run_id", "finished_at"}). They describe
    # the current state; they are not this run's findings (``summary`` stays empty).
    open_changes: tuple[Change, ...] = ()
    open_since: dict[str, Any] | None = None

    @property
    def summary(self) -> dict[str, int]:
        return summarize(self.changes)

    @property
    def current_changes(self) -> tuple[Change, ...]:
        """What the reader must know of now: this run's changes, or, when it found none, those still open."""
        return self.changes or self.open_changes

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.criticality is Criticality.BREAKING]

    def count(self, criticality: Criticality) -> int:
        return sum(1 for c in self.changes if c.criticality is criticality)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "target": self.target,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "outcome": self.outcome,
            "endpoint": self.endpoint,
            "error": self.error,
            "old_snapshot": self.old_snapshot.to_dict() if self.old_snapshot else None,
            "new_snapshot": self.new_snapshot.to_dict() if self.new_snapshot else None,
            "summary": self.summary,
            "changes": [
                {**c.to_dict(), "acknowledged": self.acknowledged.get(c.id)}
                for c in sort_changes(self.changes)
            ],
            "validity_problems": list(self.validity_problems),
            "contracts": self.contracts,
            "live": self.live,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "notes": list(self.notes),
            "flapping": self.flapping,
            "rollback": self.rollback,
            "open_changes": [c.to_dict() for c in sort_changes(self.open_changes)],
            "open_since": self.open_since,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftReport:
        version = data.get("version")
        if version != REPORT_VERSION:
            raise ValueError(f"unsupported report version {version!r} (this gqlmon reads {REPORT_VERSION})")
        changes = tuple(Change.from_dict(c) for c in data.get("changes", []))
        acknowledged = {c["id"]: c["acknowledged"] for c in data.get("changes", []) if c.get("acknowledged")}
        return cls(
            target=data["target"],
            run_id=data["run_id"],
            started_at=data["started_at"],
            finished_at=data["finished_at"],
            outcome=data["outcome"],
            old_snapshot=SnapshotInfo.from_dict(data.get("old_snapshot")),
            new_snapshot=SnapshotInfo.from_dict(data.get("new_snapshot")),
            changes=changes,
            error=data.get("error"),
            endpoint=data.get("endpoint", ""),
            validity_problems=tuple(data.get("validity_problems", ())),
            contracts=data.get("contracts"),
            live=data.get("live"),
            acknowledged=acknowledged,
            timings=dict(data.get("timings", {})),
            notes=tuple(data.get("notes", ())),
            flapping=data.get("flapping"),
            rollback=data.get("rollback"),
            open_changes=tuple(Change.from_dict(c) for c in data.get("open_changes") or ()),
            open_since=data.get("open_since"),
        )
