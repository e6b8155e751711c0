"""From schema changes to operations: which changes touch which operations, and which broke them.

A change is matched against an operation's used coordinates through *keys*: its own coordinate, widened
where the change reaches further than that coordinate. Operations' coordinates are closed under parents,
so a type-level change (``TYPE_REMOVED User``) matches every operation using any ``User.*``.

==================================  =======================================================
change                              also touches operations that use
==================================  =======================================================
argument added or made non-null     the field (``T.f``): a required argument breaks every
(``!`` or type unknown), default    caller, not only those passing it
changed
input field added or made non-null  the input type: a required field breaks every literal
(same test), default changed
input field, any other change       the input type, for impact only: variables may carry it
enum value added / removed          the enum, for impact only: its readers see new values
directive or its argument           the directive (``@d``)
root type changed                   the old and the new root type
description / applied directive     nothing: neither changes an operation's validity
==================================  =======================================================

"Impact" keys (``change_keys(change, impact=True)``) decide ``affected_operations`` and causes; the
others decide what an incremental run validates again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence, Set
from typing import Final

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.contracts.model import ContractsResult, OperationResult

#: Key that touches every operation (a change without a usable coordinate).
EVERYTHING: Final = "*"

_ENUM_MEMBERSHIP: Final = frozenset({ChangeType.ENUM_VALUE_ADDED, ChangeType.ENUM_VALUE_REMOVED})
_ROOTS: Final = frozenset(
    {
        ChangeType.SCHEMA_QUERY_TYPE_CHANGED,
        ChangeType.SCHEMA_MUTATION_TYPE_CHANGED,
        ChangeType.SCHEMA_SUBSCRIPTION_TYPE_CHANGED,
    }
)


def is_cosmetic(change: Change) -> bool:
    """Descriptions and applied-directive changes: they never change whether an operation validates."""
    kind = change.type.value
    return "DESCRIPTION" in kind or kind.startswith("DIRECTIVE_USAGE_")


def change_keys(change: Change, *, impact: bool = False) -> frozenset[str]:
    """The coordinates whose users ``change`` touches (see the module table).

    With ``impact=False`` the keys are those that can alter a validation result (used to decide what to
    re-validate); ``impact=True`` adds what a client may notice at run time (new values of an enum it reads).
    """
    if is_cosmetic(change):
        return frozenset()
    if change.type in _ROOTS:
        return frozenset(v for v in (change.old, change.new) if v) or frozenset({EVERYTHING})
    coordinate = change.coordinate or change.path
    if not coordinate:
        return frozenset({EVERYTHING})
    keys = {coordinate}
    if coordinate.startswith("@"):
        keys.add(coordinate.split("(", 1)[0])
    elif coordinate.endswith(":)"):
        if _may_be_required(change) or change.type is ChangeType.FIELD_ARGUMENT_DEFAULT_CHANGED:
            keys.add(coordinate.split("(", 1)[0])
    elif "." in coordinate:
        kind = change.type
        if (
            _may_be_required(change)
            or kind is ChangeType.INPUT_FIELD_DEFAULT_VALUE_CHANGED
            or (impact and kind.value.startswith("INPUT_FIELD_") and kind is not ChangeType.INPUT_FIELD_ADDED)
            or (impact and kind in _ENUM_MEMBERSHIP)
        ):
            keys.add(coordinate.split(".", 1)[0])
    return frozenset(keys)


def _may_be_required(change: Change) -> bool:
    """An added or re-typed argument / input field that is (or may be: type unknown) non-null."""
    added = change.type in (ChangeType.FIELD_ARGUMENT_ADDED, ChangeType.INPUT_FIELD_ADDED)
    retyped = change.type in (ChangeType.FIELD_ARGUMENT_TYPE_CHANGED, ChangeType.INPUT_FIELD_TYPE_CHANGED)
    if added:
        return change.new is None or change.new.endswith("!")
    return retyped and (change.new or "").endswith("!")


def touched_coordinates(changes: Iterable[Change]) -> set[str]:
    """Every key that can alter a validation result: pass it as ``changed_coordinates`` for an
    incremental validation (``"*"`` in it means "re-validate everything")."""
    out: set[str] = set()
    for change in changes:
        out |= change_keys(change)
    return out


def touches(keys: Set[str], used: Set[str]) -> bool:
    """True when a change with ``keys`` touches an operation that uses ``used``."""
    return EVERYTHING in keys or not used.isdisjoint(keys)


def _is_breaking(change: Change) -> bool:
    original = change.meta_dict.get("original_criticality")
    return change.criticality is Criticality.BREAKING or original == Criticality.BREAKING.value


_MEMBERSHIP: Final = frozenset({ChangeType.OBJECT_TYPE_INTERFACE_REMOVED, ChangeType.UNION_MEMBER_REMOVED})


def causes(changes: Sequence[Change], levels: Sequence[Set[str]], used: Set[str]) -> tuple[str, ...]:
    """Ids of the changes that explain one validation error of a broken operation.

    ``levels`` are the coordinates at the error, from the most specific to the widest (at its nodes, in
    their subtrees, their parents: :meth:`~monitor.core.contracts.collect.NearIndex.levels`); ``used`` is
    everything the operation uses. The first level that some change explains decides; among its changes,
    the breaking ones (breaking before any policy re-classified them, too) win, and among those the most
    specific: a removed field explains "Cannot query field" rather than the removal of the type it
    returned, and a type's lost interface explains nothing about its fields. Empty when no change
    explains the error (the operation was already broken, or is broken by its own text).
    """
    candidates = [c for c in changes if not is_cosmetic(c) and "DEPRECATION" not in c.type.value]
    for level in levels:
        if not level:
            continue
        hits = [c for c in candidates if _explains(c, level, used)]
        if not hits:
            continue
        hits = [c for c in hits if _is_breaking(c)] or hits
        best = min(_breadth(c) for c in hits)
        return tuple(c.id for c in hits if _breadth(c) == best)
    return ()


def _explains(change: Change, level: Set[str], used: Set[str]) -> bool:
    if change.type in _MEMBERSHIP:
        # A fragment on the lost interface / union member, inside a selection on the owner.
        return change.old in level and change.coordinate in used
    return touches(change_keys(change), level)


def _breadth(change: Change) -> int:
    """0 for a change to a member (field, argument, value, directive), 1 for one to a whole type."""
    coordinate = change.coordinate or change.path or ""
    return 0 if ("." in coordinate or "(" in coordinate or coordinate.startswith("@")) else 1


def usage_lookup(result: ContractsResult) -> Callable[[Change], Sequence[str]]:
    """The usage hook for :func:`monitor.core.rules.apply_rules`: a change -> the operations it touches.

    Keyed by change id (several changes can share a coordinate and touch different operations); a change
    the validation did not see touches nothing.
    """
    affected = result.affected

    def lookup(change: Change) -> Sequence[str]:
        return affected.get(change.id, ())

    return lookup


def affected_operations(
    changes: Iterable[Change], result: ContractsResult | Iterable[OperationResult]
) -> dict[str, list[str]]:
    """For every change, the sorted names of the saved operations it touches (``[]``: none).

    An operation is touched when the change's keys meet its used coordinates, or when the change is
    among the causes recorded for it. This is the mapping the usage-aware criticality rule reads.
    """
    ops = list(result.operations if isinstance(result, ContractsResult) else result)
    index: dict[str, set[str]] = defaultdict(set)
    caused: dict[str, set[str]] = defaultdict(set)
    for op in ops:
        for coordinate in op.used_coordinates:
            index[coordinate].add(op.name)
        for change_id in op.caused_by:
            caused[change_id].add(op.name)
    everyone = {op.name for op in ops}
    out: dict[str, list[str]] = {}
    for change in changes:
        keys = change_keys(change, impact=True)
        names: set[str] = set(everyone) if EVERYTHING in keys else set()
        for key in keys:
            names |= index.get(key, set())
        out[change.id] = sorted(names | caused.get(change.id, set()))
    return out
