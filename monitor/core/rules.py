"""Policies applied after the raw diff: one small pure function each, composed by :func:`apply_rules`.

The diff decides criticality from the two schemas alone; the rules here add what depends on the
configuration and on history. They never drop a change silently:

- a re-classified change keeps its original criticality and reason in ``meta``
  (:meth:`~monitor.core.changes.Change.with_criticality`, ``rule=<name>``);
- :func:`ignore_descriptions` is the one rule that removes changes, and only description changes, which
  are never breaking (a breaking one would be kept); :class:`RulesResult` returns what it removed.

Order in :func:`apply_rules`: ``ignore_descriptions``, ``dangerous_is_breaking`` (on the diff's own
dangerous changes, so the relaxations that follow stay explicit), ``deprecated_removal``,
``safe_unreachable``, then the usage hook, which annotates the final result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Final

from monitor.core.changes import Change, ChangeType, Criticality, sort_changes

__all__ = [
    "DEPRECATABLE_REMOVALS",
    "DESCRIPTION_TYPES",
    "RuleOptions",
    "RulesResult",
    "UsageHook",
    "annotate_usage",
    "apply_rules",
    "dangerous_is_breaking",
    "deprecated_removal",
    "ignore_descriptions",
    "safe_unreachable",
]

#: Every description kind, the schema's own included.
DESCRIPTION_TYPES: Final = frozenset(t for t in ChangeType if "_DESCRIPTION_" in t.value)

#: Removals of things that can carry ``@deprecated``. Types cannot, so TYPE_REMOVED is never relaxed.
DEPRECATABLE_REMOVALS: Final = frozenset(
    {
        ChangeType.FIELD_REMOVED,
        ChangeType.FIELD_ARGUMENT_REMOVED,
        ChangeType.INPUT_FIELD_REMOVED,
        ChangeType.ENUM_VALUE_REMOVED,
    }
)

#: Operation names per change: a callable taking the change, or a mapping keyed by schema coordinate.
UsageHook = Callable[[Change], Sequence[str]] | Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class RuleOptions:
    """The rule switches; same fields as ``settings.RulesConfig`` (core imports no settings)."""

    ignore_descriptions: bool = False
    deprecated_removal_days: int | None = None
    dangerous_is_breaking: bool = False
    safe_unreachable: bool = True


@dataclass(frozen=True, slots=True)
class RulesResult:
    """The changes after policy, sorted, and the description changes ``ignore_descriptions`` removed."""

    changes: list[Change]
    dropped: list[Change] = field(default_factory=list)

    @property
    def dropped_count(self) -> int:
        return len(self.dropped)


def ignore_descriptions(changes: Iterable[Change]) -> tuple[list[Change], list[Change]]:
    """``(kept, dropped)``: every description change dropped; a breaking one would be kept."""
    kept: list[Change] = []
    dropped: list[Change] = []
    for change in changes:
        if change.type in DESCRIPTION_TYPES and change.criticality is not Criticality.BREAKING:
            dropped.append(change)
        else:
            kept.append(change)
    return kept, dropped


def dangerous_is_breaking(changes: Iterable[Change]) -> list[Change]:
    """Every dangerous change becomes breaking (strict pipelines)."""
    return [
        c.with_criticality(
            Criticality.BREAKING,
            rule="dangerous_is_breaking",
            reason=f"{c.reason} (dangerous treated as breaking)",
        )
        if c.criticality is Criticality.DANGEROUS
        else c
        for c in changes
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def deprecated_removal(
    changes: Iterable[Change], deprecated_since: Mapping[str, datetime], *, days: int, now: datetime
) -> list[Change]:
    """A breaking removal of something deprecated for at least ``days`` days becomes dangerous.

    ``deprecated_since`` maps a schema coordinate to when it was first seen deprecated (naive datetimes
    are taken as UTC). Only fields, arguments, input fields and enum values qualify: a removed type stays
    breaking, as does a removal whose deprecation is younger or unknown.
    """
    limit, now = timedelta(days=days), _aware(now)
    out: list[Change] = []
    for change in changes:
        since = deprecated_since.get(change.coordinate)
        if (
            since is not None
            and change.type in DEPRECATABLE_REMOVALS
            and change.criticality is Criticality.BREAKING
            and now - _aware(since) >= limit
        ):
            age = (now - _aware(since)).days
            reason = (
                f"Deprecated {age} days ago (policy: removal after {days} days); clients had time to move"
            )
            change = change.with_criticality(Criticality.DANGEROUS, rule="deprecated_removal", reason=reason)
            change = change.with_meta(deprecated_since=_aware(since).isoformat())
        out.append(change)
    return out


def _owner(coordinate: str) -> str:
    return coordinate.split("(", 1)[0].split(".", 1)[0]


def safe_unreachable(changes: Iterable[Change]) -> list[Change]:
    """Changes inside types no root reaches (``usage=unreachable`` in meta) become safe."""
    out: list[Change] = []
    for change in changes:
        if change.criticality is not Criticality.SAFE and change.meta_dict.get("usage") == "unreachable":
            owner = _owner(change.coordinate)
            reason = f"'{owner}' is not reachable from any root type: no operation can use it"
            change = change.with_criticality(Criticality.SAFE, rule="safe_unreachable", reason=reason)
        out.append(change)
    return out


def annotate_usage(changes: Iterable[Change], usage: UsageHook) -> list[Change]:
    """Name the saved operations each change touches in ``meta['used_by']`` (comma-separated, sorted).

    A breaking change that touches none gets ``used_by=""`` and ``unused by your operations`` appended to
    its reason; it stays breaking (other clients may use it).
    """
    lookup: Callable[[Change], Sequence[str]]
    if isinstance(usage, Mapping):
        mapping = usage

        def lookup(change: Change) -> Sequence[str]:
            return mapping.get(change.coordinate, ())
    else:
        lookup = usage
    out: list[Change] = []
    for change in changes:
        operations = sorted(set(lookup(change)))
        if operations:
            change = change.with_meta(used_by=",".join(operations))
        elif change.criticality is Criticality.BREAKING:
            change = replace(
                change.with_meta(used_by=""), reason=f"{change.reason}; unused by your operations"
            )
        out.append(change)
    return out


def apply_rules(
    changes: Iterable[Change],
    options: RuleOptions,
    *,
    deprecated_since: Mapping[str, datetime] | None = None,
    now: datetime | None = None,
    usage: UsageHook | None = None,
) -> RulesResult:
    """Every enabled rule in order (see the module docstring); the result is sorted worst first.

    ``now`` is required when ``deprecated_removal_days`` is set and ``deprecated_since`` is given: the core
    never reads the clock.
    """
    result = list(changes)
    dropped: list[Change] = []
    if options.ignore_descriptions:
        result, dropped = ignore_descriptions(result)
    if options.dangerous_is_breaking:
        result = dangerous_is_breaking(result)
    if options.deprecated_removal_days is not None and deprecated_since:
        if now is None:
            raise ValueError("deprecated_removal needs `now` (the core never reads the clock)")
        result = deprecated_removal(result, deprecated_since, days=options.deprecated_removal_days, now=now)
    if options.safe_unreachable:
        result = safe_unreachable(result)
    if usage is not None:
        result = annotate_usage(result, usage)
    return RulesResult(sort_changes(result), dropped)
