"""Schema history patterns: a rollback to a schema served before, and flapping (a schema alternating
within a few changes). Pure functions over snapshot ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol


class Served(Protocol):
    """A snapshot as the target served it: its id and when it was first seen (the store's ``SnapshotRef``)."""

    @property
    def id(self) -> str: ...

    @property
    def first_seen_at(self) -> datetime: ...


FLAP_WINDOW = 6  # schema changes looked back at when deciding whether a target flaps


def detect_flapping(history: Sequence[str], new_id: str, window: int = FLAP_WINDOW) -> dict[str, Any] | None:
    """Flapping: the schema alternates, ``new_id`` coming back a second time within ``window`` changes.

    ``history`` is the target's snapshot ids in the order it served them (oldest first, repeats kept).
    A→B→A is a rollback (:func:`detect_rollback`), not flapping; A→B→A→B within a few checks is: the
    schema being left (B) was itself served before ``new_id``'s last appearance. A rollback to a schema
    from long ago is not flapping either.
    """
    recent = list(history[-window:])
    if not recent or recent[-1] == new_id or new_id not in recent:
        return None
    last = max(i for i, s in enumerate(recent) if s == new_id)
    if recent[-1] not in recent[:last]:
        return None
    back = len(recent) - last
    seen: list[str] = []
    for snapshot in [new_id, *reversed(recent)]:
        if snapshot not in seen:
            seen.append(snapshot)
    return {"snapshots": seen, "flips": back, "window": window}


def detect_rollback(history: Sequence[Served], new_id: str) -> dict[str, Any] | None:
    """A return to a snapshot this target served before: ``{"snapshot", "first_seen"}``, else ``None``."""
    if not history or history[-1].id == new_id:
        return None
    earlier = next((s for s in history[:-1] if s.id == new_id), None)
    if earlier is None:
        return None
    return {"snapshot": new_id, "first_seen": earlier.first_seen_at.isoformat()}
