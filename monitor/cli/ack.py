"""``gqlmon ack`` and ``gqlmon unack``: acknowledge a recorded change, list acknowledgements, withdraw one.

An id is resolved against what the store knows (:func:`monitor.core.acks.resolve_change_id`): ``ack``
against the changes recorded for the target, ``unack`` against its acknowledgements; a unique prefix of at
least four digits will do. ``ack --force`` takes a full id no check has recorded yet (one printed by
``gqlmon diff``, to acknowledge a change before it ships).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from monitor.core.acks import FULL_LENGTH, Acknowledgement, ChangeIdError, normalize_id, resolve_change_id
from monitor.core.text import terminal_safe

if TYPE_CHECKING:
    from monitor.adapters.store import Store
    from monitor.settings.models import Settings


def ack_command(
    settings: Settings, target: str, change_id: str, *, reason: str, until: datetime | None, force: bool
) -> str:
    """Acknowledge the change ``change_id`` (or a unique prefix) names; the line to print."""
    settings.target(target)
    store = _open(settings)
    try:
        known = store.change_messages(target)
        if force:
            resolved = normalize_id(change_id)
            if len(resolved) != FULL_LENGTH:
                raise ChangeIdError(
                    f"--force takes a full change id ({FULL_LENGTH} hex digits), got {resolved!r}"
                )
        else:
            resolved = resolve_change_id(change_id, known, where=f"the changes recorded for {target!r}")
        store.acknowledge(target, resolved, reason, until)
    finally:
        store.close()
    message = known.get(resolved)
    line = f"acknowledged {resolved} on {target}" + (f" until {until:%Y-%m-%d}" if until else "")
    return line + (f": {terminal_safe(message)}" if message else "")


def unack_command(settings: Settings, target: str, change_id: str) -> str:
    """Withdraw the acknowledgement ``change_id`` (or a unique prefix) names; the line to print."""
    settings.target(target)
    store = _open(settings)
    try:
        acked = {a.change_id: a.reason for a in store.list_acknowledgements(target)}
        resolved = resolve_change_id(change_id, acked, where=f"the acknowledgements of {target!r}")
        store.unacknowledge(target, resolved)
    finally:
        store.close()
    return f"unacknowledged {resolved} on {target}"


def list_acks_command(settings: Settings, target: str, now: datetime | None = None) -> str:
    """Every acknowledgement of ``target``: id, state, reason and the change it covers."""
    settings.target(target)
    store = _open(settings)
    try:
        found = store.list_acknowledgements(target)
        messages = store.change_messages(target)
    finally:
        store.close()
    if not found:
        return f"no acknowledgements on {target}"
    now = now or datetime.now(UTC)
    lines = [f"acknowledgements on {target} ({len(found)}):"]
    lines += [_line(a, messages.get(a.change_id), now) for a in found]
    return "\n".join(lines)


def _line(ack: Acknowledgement, message: str | None, now: datetime) -> str:
    state = "in force"
    if ack.until is not None:
        state = f"{'until' if ack.in_force(now) else 'expired'} {ack.until:%Y-%m-%d}"
    change = terminal_safe(message) if message else "(no check has recorded this change yet)"
    return (
        f"  {ack.change_id}  {state:<18}  since {ack.created_at:%Y-%m-%d}  "
        f"{terminal_safe(ack.reason)}\n      {change}"
    )


def _open(settings: Settings) -> Store:
    from monitor.adapters.store import Store

    return Store.open(settings.state)
