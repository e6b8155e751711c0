"""What every element module shares: the two schemas, their usage (computed once, lazily), and the
builders for the change kinds that look the same on every element (descriptions, deprecations, the
deprecated member removed, possible types added and removed). The change identifiers of an element are
read from :class:`~monitor.core.changes.ChangeType` by its name (``DocumentationKinds.of("FIELD")``).

Description and deprecation changes are always safe: neither changes what an operation may ask or gets.
Texts that differ only in whitespace are equal (:func:`same_text`): SDL block strings and introspection
JSON of one schema disagree on trailing spaces and line breaks, and re-wrapping a paragraph is no change.
Deprecation *reasons* are compared as text; graphql-core fills ``"No longer supported"`` in for a bare
``@deprecated``, so that text counts as "no reason" when telling a reason added/removed from changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final, Literal, Protocol

from graphql import (
    DEFAULT_DEPRECATION_REASON,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    print_ast,
)
from graphql.utilities.get_default_value_ast import get_default_value_ast
from graphql.utilities.sort_value_node import sort_value_node

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.usage import Edges, Usage, combine_usage, schema_usage

__all__ = [
    "DeprecationKinds",
    "DescriptionKinds",
    "DiffContext",
    "DocumentationKinds",
    "Documented",
    "Side",
    "Wording",
    "default_text",
    "description_changes",
    "documentation_changes",
    "kind_label",
    "kind_name",
    "make",
    "noting_deprecation",
    "possible_type_changes",
    "same_text",
]

Side = Literal["old", "new", "both"]

SAFE = Criticality.SAFE


@dataclass(slots=True)
class DiffContext:
    """The pair being compared, and the usage of each version, computed on first use.

    ``unchanged`` names the types known to be equal in both versions (equal fingerprints, or no change
    found); the new version's usage reuses the old one's edges for them, which makes it cheap.
    ``old_usage``/``new_usage`` may be given when the schemas are partial (the JSON diff builds changed
    types only, :mod:`.introspected`): usage must come from the whole schema. ``unstated_directives``
    names directives one side holds only as the library's defaults (an SDL document that does not define
    ``@deprecated`` gets graphql-core's): they say nothing about the API, so they are not compared.
    """

    old: GraphQLSchema
    new: GraphQLSchema
    unchanged: set[str] = field(default_factory=set)
    old_usage: Mapping[str, Usage] | None = None
    new_usage: Mapping[str, Usage] | None = None
    unstated_directives: frozenset[str] = frozenset()
    _edges: dict[str, Edges] = field(default_factory=dict, init=False)

    def usage(self, name: str, side: Side = "both") -> Usage:
        """How ``name`` is used: in the old schema, the new one, or the widest of both."""
        if side == "old":
            return self._old().get(name, Usage.UNREACHABLE)
        if side == "new":
            return self._new().get(name, Usage.UNREACHABLE)
        return combine_usage(
            self._old().get(name, Usage.UNREACHABLE), self._new().get(name, Usage.UNREACHABLE)
        )

    def _old(self) -> Mapping[str, Usage]:
        if self.old_usage is None:
            self.old_usage = schema_usage(self.old, cache=self._edges)
        return self.old_usage

    def _new(self) -> Mapping[str, Usage]:
        if self.new_usage is None:
            self._old()  # fills the edge cache the new version reuses
            self.new_usage = schema_usage(self.new, cache=self._edges, reuse=self.unchanged)
        return self.new_usage


def make(
    type_: ChangeType,
    criticality: Criticality,
    *,
    path: str,
    coordinate: str,
    message: str,
    reason: str,
    old: str | None = None,
    new: str | None = None,
    **meta: str,
) -> Change:
    """Build a change; ``meta`` holds extra facts as text (``deprecated=...``)."""
    return Change(
        type=type_,
        criticality=criticality,
        path=path,
        coordinate=coordinate,
        message=message,
        reason=reason,
        old=old,
        new=new,
        meta=tuple(sorted(meta.items())),
    )


@dataclass(frozen=True, slots=True)
class Wording:
    """The identifier and texts of a change to the possible types of an abstract type (a union's members,
    the interfaces a type implements); ``{owner}``, ``{name}`` and the words given to
    :func:`possible_type_changes` fill the texts."""

    type: ChangeType
    message: str
    reason: str


def possible_type_changes(
    owner: str,
    added: list[str],
    removed: list[str],
    *,
    on_added: Wording,
    on_removed: Wording,
    **words: str,
) -> list[Change]:
    """One change per name ``added`` to (the name is its new value) and ``removed`` from (its old value)
    the set ``owner`` holds.

    A new possible type is **dangerous**: clients with an exhaustive switch over the abstract type may
    meet one they do not handle. A possible type gone is **breaking**: fragments relating the two fail
    validation (as GraphQL Inspector rates both).
    """

    def change(rule: Wording, name: str, level: Criticality, old: str | None, new: str | None) -> Change:
        texts = {"owner": owner, "name": name, **words}
        return make(rule.type, level, path=owner, coordinate=owner, message=rule.message.format_map(texts),
                    reason=rule.reason.format_map(texts), old=old, new=new)  # fmt: skip

    return [
        *(change(on_added, name, Criticality.DANGEROUS, None, name) for name in added),
        *(change(on_removed, name, Criticality.BREAKING, name, None) for name in removed),
    ]


def noting_deprecation(removal: Change, deprecation_reason: str | None) -> Change:
    """The removal of a member that was deprecated (``deprecation_reason`` is not ``None``) says so in its
    reason and keeps the deprecation reason as ``deprecated`` meta."""
    if deprecation_reason is None:
        return removal
    return replace(removal, reason=f"{removal.reason} (it was deprecated)").with_meta(
        deprecated=deprecation_reason
    )


_KINDS: Final[dict[type[GraphQLNamedType], str]] = {
    GraphQLObjectType: "OBJECT",
    GraphQLInterfaceType: "INTERFACE",
    GraphQLUnionType: "UNION",
    GraphQLEnumType: "ENUM",
    GraphQLInputObjectType: "INPUT_OBJECT",
    GraphQLScalarType: "SCALAR",
}


def kind_name(type_: GraphQLNamedType) -> str:
    """The introspection ``__TypeKind`` of a named type: ``OBJECT``, ``INPUT_OBJECT`` ..."""
    return next(kind for class_, kind in _KINDS.items() if isinstance(type_, class_))


def kind_label(type_: GraphQLNamedType) -> str:
    """``object type``, ``input object type`` ... as GraphQL Inspector words it."""
    return f"{kind_name(type_).replace('_', ' ').lower()} type"


def default_text(value: GraphQLArgument | GraphQLInputField) -> str | None:
    """A default value printed as a GraphQL literal with object fields sorted; ``None`` when absent."""
    try:
        node = get_default_value_ast(value)
    except (TypeError, ValueError):
        # real-world schemas carry defaults their own type rejects; compare what we can print
        raw = value.default.literal if value.default is not None else None
        return print_ast(raw) if raw is not None else repr(value.default_value)
    return print_ast(sort_value_node(node)) if node is not None else None


class Documented(Protocol):
    """A member with documentation: field, argument, input field, enum value."""

    @property
    def description(self) -> str | None: ...

    @property
    def deprecation_reason(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class DescriptionKinds:
    """The description change identifiers of one element (``FIELD``, ``TYPE``, ...)."""

    added: ChangeType
    changed: ChangeType
    removed: ChangeType

    @classmethod
    def of(cls, element: str) -> DescriptionKinds:
        """``<element>_DESCRIPTION_ADDED/CHANGED/REMOVED``; an element with only ``_CHANGED`` (enum values,
        arguments, directives: as GraphQL Inspector names them) reports an addition or removal as that."""
        changed = ChangeType[f"{element}_DESCRIPTION_CHANGED"]
        added, removed = _kind(f"{element}_DESCRIPTION_ADDED"), _kind(f"{element}_DESCRIPTION_REMOVED")
        return cls(added or changed, changed, removed or changed)


def description_changes(
    kinds: DescriptionKinds,
    old: str | None,
    new: str | None,
    *,
    what: str,
    path: str,
    coordinate: str,
) -> list[Change]:
    """Description added/changed/removed on ``what`` (``field 'User.name'``): always safe.

    No change when the two differ only in whitespace (a blank description counts as none)."""
    if same_text(old, new):
        return []
    old, new = old or None, new or None
    reason = "Descriptions are documentation; no operation changes"
    if old is None:
        kind, message = kinds.added, f"Description '{new}' was added to {what}"
    elif new is None:
        kind, message = kinds.removed, f"Description '{old}' was removed from {what}"
    else:
        kind, message = kinds.changed, f"Description of {what} changed from '{old}' to '{new}'"
    return [
        make(kind, SAFE, path=path, coordinate=coordinate, message=message, reason=reason,
             old=old, new=new)
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeprecationKinds:
    """The deprecation change identifiers of one element; the reason added/removed ones may not exist."""

    added: ChangeType
    removed: ChangeType
    reason_changed: ChangeType
    reason_added: ChangeType | None = None
    reason_removed: ChangeType | None = None

    @classmethod
    def of(cls, element: str) -> DeprecationKinds | None:
        """``<element>_DEPRECATION_ADDED`` ...; ``None`` when the element has no deprecation identifiers
        (directive arguments)."""
        if _kind(f"{element}_DEPRECATION_ADDED") is None:
            return None
        return cls(
            added=ChangeType[f"{element}_DEPRECATION_ADDED"],
            removed=ChangeType[f"{element}_DEPRECATION_REMOVED"],
            reason_changed=ChangeType[f"{element}_DEPRECATION_REASON_CHANGED"],
            reason_added=_kind(f"{element}_DEPRECATION_REASON_ADDED"),
            reason_removed=_kind(f"{element}_DEPRECATION_REASON_REMOVED"),
        )


@dataclass(frozen=True, slots=True)
class DocumentationKinds:
    """The change identifiers of a member's documentation: its description and, where the element has
    them, its deprecation. ``DocumentationKinds.of("FIELD")`` reads them from :class:`ChangeType`."""

    description: DescriptionKinds
    deprecation: DeprecationKinds | None

    @classmethod
    def of(cls, element: str) -> DocumentationKinds:
        return cls(DescriptionKinds.of(element), DeprecationKinds.of(element))


def _kind(name: str) -> ChangeType | None:
    return ChangeType.__members__.get(name)


def same_text(old: str | None, new: str | None) -> bool:
    """True when two descriptions or reasons differ at most in whitespace; ``None`` counts as empty.

    >>> same_text("Use `a`.\\n", "Use  `a`.")
    True
    """
    if old == new:
        return True
    return (old or "").split() == (new or "").split()


def _has_reason(reason: str | None) -> bool:
    return bool(reason) and reason != DEFAULT_DEPRECATION_REASON


def documentation_changes(
    kinds: DocumentationKinds,
    before: Documented,
    after: Documented,
    *,
    what: str,
    path: str,
    coordinate: str,
) -> list[Change]:
    """The description changes of member ``what`` and, unless its element has no deprecation identifiers
    (directive arguments), its deprecation changes: all safe."""
    changes = description_changes(
        kinds.description, before.description, after.description, what=what, path=path, coordinate=coordinate
    )
    deprecation = kinds.deprecation
    old, new = before.deprecation_reason, after.deprecation_reason
    if deprecation is None or old == new or (old is not None and new is not None and same_text(old, new)):
        return changes
    kind, message, reason = _deprecation_change(deprecation, old, new, what)
    changes.append(
        make(kind, SAFE, path=path, coordinate=coordinate, message=message, reason=reason, old=old, new=new)
    )
    return changes


def _deprecation_change(
    kinds: DeprecationKinds, old: str | None, new: str | None, what: str
) -> tuple[ChangeType, str, str]:
    """Kind, message and reason of deprecation added/removed or reason added/changed/removed.

    ``old``/``new`` are deprecation reasons, ``None`` when not deprecated. Kinds without a reason
    added/removed identifier (arguments, input fields) report those as a reason change.
    """
    title = what[0].upper() + what[1:]
    if old is None:
        reason = "Deprecating warns clients without changing what they may ask"
        return kinds.added, f"{title} is deprecated", reason
    if new is None:
        reason = "Removing a deprecation changes nothing for operations"
        return kinds.removed, f"{title} is no longer deprecated", reason
    reason = "A deprecation reason is documentation"
    if not _has_reason(old) and kinds.reason_added is not None:
        return kinds.reason_added, f"{title} has deprecation reason '{new}'", reason
    if not _has_reason(new) and kinds.reason_removed is not None:
        return kinds.reason_removed, f"Deprecation reason was removed from {what}", reason
    return kinds.reason_changed, f"Deprecation reason on {what} has changed from '{old}' to '{new}'", reason
