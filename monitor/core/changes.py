"""The change model: one schema change as a value.

A :class:`Change` is created by the diff engine with its criticality and reason decided next to the rule
that decides them. Policies that depend on configuration (usage, acknowledgements, ignored descriptions)
are separate passes in :mod:`monitor.core.rules` that return new values via :meth:`Change.with_criticality`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Criticality(StrEnum):
    """How a change affects existing clients, ordered from worst to harmless."""

    BREAKING = "breaking"
    DANGEROUS = "dangerous"
    SAFE = "safe"

    @property
    def rank(self) -> int:
        """0 for breaking, 1 for dangerous, 2 for safe: sort key, worst first."""
        return _RANK[self]

    def at_least(self, other: Criticality) -> bool:
        """True when ``self`` is as bad as ``other`` or worse."""
        return self.rank <= other.rank


_RANK = {Criticality.BREAKING: 0, Criticality.DANGEROUS: 1, Criticality.SAFE: 2}


class ChangeType(StrEnum):
    """Kinds of change. GraphQL Inspector's identifiers where one exists; new ones in the same style."""

    # types
    TYPE_ADDED = "TYPE_ADDED"
    TYPE_REMOVED = "TYPE_REMOVED"
    TYPE_KIND_CHANGED = "TYPE_KIND_CHANGED"
    TYPE_DESCRIPTION_ADDED = "TYPE_DESCRIPTION_ADDED"
    TYPE_DESCRIPTION_CHANGED = "TYPE_DESCRIPTION_CHANGED"
    TYPE_DESCRIPTION_REMOVED = "TYPE_DESCRIPTION_REMOVED"
    # object / interface fields
    FIELD_ADDED = "FIELD_ADDED"
    FIELD_REMOVED = "FIELD_REMOVED"
    FIELD_TYPE_CHANGED = "FIELD_TYPE_CHANGED"
    FIELD_DESCRIPTION_ADDED = "FIELD_DESCRIPTION_ADDED"
    FIELD_DESCRIPTION_CHANGED = "FIELD_DESCRIPTION_CHANGED"
    FIELD_DESCRIPTION_REMOVED = "FIELD_DESCRIPTION_REMOVED"
    FIELD_DEPRECATION_ADDED = "FIELD_DEPRECATION_ADDED"
    FIELD_DEPRECATION_REMOVED = "FIELD_DEPRECATION_REMOVED"
    FIELD_DEPRECATION_REASON_ADDED = "FIELD_DEPRECATION_REASON_ADDED"
    FIELD_DEPRECATION_REASON_CHANGED = "FIELD_DEPRECATION_REASON_CHANGED"
    FIELD_DEPRECATION_REASON_REMOVED = "FIELD_DEPRECATION_REASON_REMOVED"
    # field arguments
    FIELD_ARGUMENT_ADDED = "FIELD_ARGUMENT_ADDED"
    FIELD_ARGUMENT_REMOVED = "FIELD_ARGUMENT_REMOVED"
    FIELD_ARGUMENT_TYPE_CHANGED = "FIELD_ARGUMENT_TYPE_CHANGED"
    FIELD_ARGUMENT_DEFAULT_CHANGED = "FIELD_ARGUMENT_DEFAULT_CHANGED"
    FIELD_ARGUMENT_DESCRIPTION_CHANGED = "FIELD_ARGUMENT_DESCRIPTION_CHANGED"
    FIELD_ARGUMENT_DEPRECATION_ADDED = "FIELD_ARGUMENT_DEPRECATION_ADDED"
    FIELD_ARGUMENT_DEPRECATION_REMOVED = "FIELD_ARGUMENT_DEPRECATION_REMOVED"
    FIELD_ARGUMENT_DEPRECATION_REASON_CHANGED = "FIELD_ARGUMENT_DEPRECATION_REASON_CHANGED"
    # input fields
    INPUT_FIELD_ADDED = "INPUT_FIELD_ADDED"
    INPUT_FIELD_REMOVED = "INPUT_FIELD_REMOVED"
    INPUT_FIELD_TYPE_CHANGED = "INPUT_FIELD_TYPE_CHANGED"
    INPUT_FIELD_DEFAULT_VALUE_CHANGED = "INPUT_FIELD_DEFAULT_VALUE_CHANGED"
    INPUT_FIELD_DESCRIPTION_ADDED = "INPUT_FIELD_DESCRIPTION_ADDED"
    INPUT_FIELD_DESCRIPTION_CHANGED = "INPUT_FIELD_DESCRIPTION_CHANGED"
    INPUT_FIELD_DESCRIPTION_REMOVED = "INPUT_FIELD_DESCRIPTION_REMOVED"
    INPUT_FIELD_DEPRECATION_ADDED = "INPUT_FIELD_DEPRECATION_ADDED"
    INPUT_FIELD_DEPRECATION_REMOVED = "INPUT_FIELD_DEPRECATION_REMOVED"
    INPUT_FIELD_DEPRECATION_REASON_CHANGED = "INPUT_FIELD_DEPRECATION_REASON_CHANGED"
    INPUT_ONE_OF_ADDED = "INPUT_ONE_OF_ADDED"
    INPUT_ONE_OF_REMOVED = "INPUT_ONE_OF_REMOVED"
    # enums
    ENUM_VALUE_ADDED = "ENUM_VALUE_ADDED"
    ENUM_VALUE_REMOVED = "ENUM_VALUE_REMOVED"
    ENUM_VALUE_DESCRIPTION_CHANGED = "ENUM_VALUE_DESCRIPTION_CHANGED"
    ENUM_VALUE_DEPRECATION_ADDED = "ENUM_VALUE_DEPRECATION_ADDED"
    ENUM_VALUE_DEPRECATION_REMOVED = "ENUM_VALUE_DEPRECATION_REMOVED"
    ENUM_VALUE_DEPRECATION_REASON_ADDED = "ENUM_VALUE_DEPRECATION_REASON_ADDED"
    ENUM_VALUE_DEPRECATION_REASON_CHANGED = "ENUM_VALUE_DEPRECATION_REASON_CHANGED"
    ENUM_VALUE_DEPRECATION_REASON_REMOVED = "ENUM_VALUE_DEPRECATION_REASON_REMOVED"
    # unions and interfaces
    UNION_MEMBER_ADDED = "UNION_MEMBER_ADDED"
    UNION_MEMBER_REMOVED = "UNION_MEMBER_REMOVED"
    OBJECT_TYPE_INTERFACE_ADDED = "OBJECT_TYPE_INTERFACE_ADDED"
    OBJECT_TYPE_INTERFACE_REMOVED = "OBJECT_TYPE_INTERFACE_REMOVED"
    # scalars
    SCALAR_SPECIFIED_BY_URL_ADDED = "SCALAR_SPECIFIED_BY_URL_ADDED"
    SCALAR_SPECIFIED_BY_URL_CHANGED = "SCALAR_SPECIFIED_BY_URL_CHANGED"
    SCALAR_SPECIFIED_BY_URL_REMOVED = "SCALAR_SPECIFIED_BY_URL_REMOVED"
    # directive definitions
    DIRECTIVE_ADDED = "DIRECTIVE_ADDED"
    DIRECTIVE_REMOVED = "DIRECTIVE_REMOVED"
    DIRECTIVE_DESCRIPTION_CHANGED = "DIRECTIVE_DESCRIPTION_CHANGED"
    DIRECTIVE_LOCATION_ADDED = "DIRECTIVE_LOCATION_ADDED"
    DIRECTIVE_LOCATION_REMOVED = "DIRECTIVE_LOCATION_REMOVED"
    DIRECTIVE_ARGUMENT_ADDED = "DIRECTIVE_ARGUMENT_ADDED"
    DIRECTIVE_ARGUMENT_REMOVED = "DIRECTIVE_ARGUMENT_REMOVED"
    DIRECTIVE_ARGUMENT_TYPE_CHANGED = "DIRECTIVE_ARGUMENT_TYPE_CHANGED"
    DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED = "DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED"
    DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED = "DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED"
    DIRECTIVE_REPEATABLE_ADDED = "DIRECTIVE_REPEATABLE_ADDED"
    DIRECTIVE_REPEATABLE_REMOVED = "DIRECTIVE_REPEATABLE_REMOVED"
    # applied directives (SDL inputs only)
    DIRECTIVE_USAGE_ADDED = "DIRECTIVE_USAGE_ADDED"
    DIRECTIVE_USAGE_REMOVED = "DIRECTIVE_USAGE_REMOVED"
    DIRECTIVE_USAGE_ARGUMENT_CHANGED = "DIRECTIVE_USAGE_ARGUMENT_CHANGED"
    # schema
    SCHEMA_QUERY_TYPE_CHANGED = "SCHEMA_QUERY_TYPE_CHANGED"
    SCHEMA_MUTATION_TYPE_CHANGED = "SCHEMA_MUTATION_TYPE_CHANGED"
    SCHEMA_SUBSCRIPTION_TYPE_CHANGED = "SCHEMA_SUBSCRIPTION_TYPE_CHANGED"
    SCHEMA_DESCRIPTION_CHANGED = "SCHEMA_DESCRIPTION_CHANGED"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two schemas.

    ``path`` is GraphQL Inspector's dotted path (``Query.user.id`` for an argument); ``coordinate`` the
    GraphQL schema coordinate (``Query.user(id:)``). ``old``/``new`` are the compared values rendered as
    text (a type reference, a default value, a description), ``None`` where a side does not exist.
    ``meta`` holds extra facts as text pairs (``original_criticality``, ``rule``, ``used_by``, ...).
    """

    type: ChangeType
    criticality: Criticality
    path: str
    coordinate: str
    message: str
    reason: str
    old: str | None = None
    new: str | None = None
    meta: tuple[tuple[str, str], ...] = field(default=())

    @property
    def id(self) -> str:
        """Stable identity: the same change between the same two schemas always has the same id."""
        raw = "\x1f".join((self.type.value, self.path, self.old or "\x00", self.new or "\x00"))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def meta_dict(self) -> dict[str, str]:
        return dict(self.meta)

    @property
    def rule(self) -> str | None:
        """The rule that changed this change's criticality, if one did."""
        return self.meta_dict.get("rule")

    def with_meta(self, **items: str) -> Change:
        merged = {**self.meta_dict, **items}
        return replace(self, meta=tuple(sorted(merged.items())))

    def with_criticality(self, criticality: Criticality, *, rule: str, reason: str) -> Change:
        """A copy re-classified by ``rule``; the original criticality and reason stay in ``meta``."""
        if criticality == self.criticality:
            return self
        meta = self.meta_dict
        meta.setdefault("original_criticality", self.criticality.value)
        meta.setdefault("original_reason", self.reason)
        meta["rule"] = rule
        return replace(self, criticality=criticality, reason=reason, meta=tuple(sorted(meta.items())))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type.value,
            "criticality": self.criticality.value,
            "path": self.path,
            "coordinate": self.coordinate,
            "message": self.message,
            "reason": self.reason,
            "old": self.old,
            "new": self.new,
            "meta": self.meta_dict,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            type=ChangeType(data["type"]),
            criticality=Criticality(data["criticality"]),
            path=str(data["path"]),
            coordinate=str(data.get("coordinate") or data["path"]),
            message=str(data["message"]),
            reason=str(data.get("reason") or ""),
            old=data.get("old"),
            new=data.get("new"),
            meta=tuple(sorted((str(k), str(v)) for k, v in (data.get("meta") or {}).items())),
        )


def sort_changes(changes: Iterable[Change]) -> list[Change]:
    """Worst first, then by path and type: a stable order for every output."""
    return sorted(changes, key=lambda c: (c.criticality.rank, c.path, c.type.value, c.id))


def summarize(changes: Iterable[Change]) -> dict[str, int]:
    """Counts by criticality plus the total, every key always present."""
    counts = Counter(c.criticality.value for c in changes)
    summary = {level.value: counts.get(level.value, 0) for level in Criticality}
    summary["total"] = sum(counts.values())
    return summary


def worst(changes: Iterable[Change]) -> Criticality | None:
    """The worst criticality among ``changes``, ``None`` when there are none."""
    ranks = [c.criticality for c in changes]
    return min(ranks, key=lambda c: c.rank) if ranks else None
