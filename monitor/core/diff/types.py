"""Named types: added, removed, kind changed, description; the per-kind dispatch for kept types.

Criticality:

- added: **safe** -- and only one TYPE_ADDED, never a change per member of the new type;
- removed: **breaking** -- operations naming it (fragments, variables) or selecting fields that return it
  fail. No rule treats a removed type as a "deprecated removal": types cannot be deprecated;
- kind changed (``OBJECT -> INTERFACE``): **breaking** -- selections and values are shaped by the kind;
  members of a type whose kind changed are not compared (one change says it all);
- description: **safe**.

Every change made inside a type carries ``usage`` in meta (``input``, ``output``, ``both``,
``unreachable``: the widest of both versions, from :mod:`monitor.core.usage`) for the rules to read.
Built-in scalars and introspection types are not reported: their absence follows from the fields that
stopped using them.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    is_introspection_type,
    is_specified_scalar_type,
)

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_by_name
from monitor.core.diff._context import (
    DescriptionKinds,
    DiffContext,
    Side,
    description_changes,
    kind_label,
    kind_name,
    make,
)
from monitor.core.diff.enums import diff_enum
from monitor.core.diff.fields import diff_fields
from monitor.core.diff.inputs import diff_input_object
from monitor.core.diff.interfaces import diff_interfaces
from monitor.core.diff.scalars import diff_scalar
from monitor.core.diff.unions import diff_union
from monitor.core.usage import Usage

__all__ = ["diff_types", "is_builtin", "kind_label", "kind_name"]

_DESCRIPTION = DescriptionKinds.of("TYPE")


def is_builtin(type_: GraphQLNamedType) -> bool:
    return is_introspection_type(type_) or is_specified_scalar_type(type_)


def diff_types(
    ctx: DiffContext,
    old_fingerprints: Mapping[str, str] | None = None,
    new_fingerprints: Mapping[str, str] | None = None,
) -> list[Change]:
    """Changes between the named types; types with equal fingerprints on both sides are skipped.

    Two phases: first every type is compared without usage (collecting the unchanged ones), then usage
    is computed once -- the new version's reusing the old one's edges for unchanged types -- and the
    changes that depend on it (enum values, union members) are decided and every change is annotated.
    """
    compared = compare_by_name(ctx.old.type_map, ctx.new.type_map)
    found: list[tuple[str, Side, list[Change]]] = []
    for name, type_ in compared.added:
        if not is_builtin(type_):
            change = make(ChangeType.TYPE_ADDED, Criticality.SAFE, path=name, coordinate=name,
                          message=f"Type '{name}' was added", reason="No existing operation uses a new type",
                          new=kind_name(type_))  # fmt: skip
            found.append((name, "new", [change]))
    for name, type_ in compared.removed:
        if not is_builtin(type_):
            change = make(ChangeType.TYPE_REMOVED, Criticality.BREAKING, path=name, coordinate=name,
                          message=f"Type '{name}' was removed",
                          reason=f"Operations that name '{name}' or select fields returning it fail",
                          old=kind_name(type_))  # fmt: skip
            found.append((name, "old", [change]))
    skip = old_fingerprints is not None and new_fingerprints is not None
    unchanged = ctx.unchanged
    deferred: list[tuple[str, GraphQLNamedType, GraphQLNamedType]] = []
    for name, before, after in compared.kept:
        if skip:
            fingerprint = old_fingerprints.get(name)  # type: ignore[union-attr]
            if fingerprint is not None and fingerprint == new_fingerprints.get(name):  # type: ignore[union-attr]
                unchanged.add(name)
                continue
        if before is after or is_builtin(after):
            unchanged.add(name)
        elif _members_differ(before, after):
            deferred.append((name, before, after))
        else:
            changes = _diff_kept(ctx, name, before, after)
            if changes:
                found.append((name, "both", changes))
            else:
                unchanged.add(name)
    for name, before, after in deferred:
        found.append((name, "both", _diff_kept(ctx, name, before, after)))
    out: list[Change] = []
    for name, side, changes in found:
        usage = ctx.usage(name, side).value
        out.extend(c.with_meta(usage=usage) for c in changes)
    return out


def _members_differ(before: GraphQLNamedType, after: GraphQLNamedType) -> bool:
    """Enum values or union members added or removed: their criticality needs usage."""
    if isinstance(before, GraphQLEnumType) and isinstance(after, GraphQLEnumType):
        return bool(before.values.keys() != after.values.keys())
    if isinstance(before, GraphQLUnionType) and isinstance(after, GraphQLUnionType):
        return {t.name for t in before.types} != {t.name for t in after.types}
    return False


def _diff_kept(
    ctx: DiffContext, name: str, before: GraphQLNamedType, after: GraphQLNamedType
) -> list[Change]:
    def usage_of() -> Usage:
        return ctx.usage(name)

    if type(before) is not type(after):
        old_kind, new_kind = kind_name(before), kind_name(after)
        return [
            make(ChangeType.TYPE_KIND_CHANGED, Criticality.BREAKING, path=name, coordinate=name,
                 message=f"'{name}' kind changed from '{old_kind}' to '{new_kind}'",
                 reason="Selections and values are shaped by the kind of a type",
                 old=old_kind, new=new_kind)
        ]  # fmt: skip
    changes: list[Change] = []
    if before.description != after.description:
        changes += description_changes(
            _DESCRIPTION, before.description, after.description,
            what=f"{kind_label(after)} '{name}'", path=name, coordinate=name,
        )  # fmt: skip
    if isinstance(before, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(after, GraphQLObjectType | GraphQLInterfaceType)
        changes += diff_fields(before, after)
        changes += diff_interfaces(before, after)
    elif isinstance(before, GraphQLEnumType):
        assert isinstance(after, GraphQLEnumType)
        changes += diff_enum(before, after, usage_of)
    elif isinstance(before, GraphQLUnionType):
        assert isinstance(after, GraphQLUnionType)
        changes += diff_union(before, after, usage_of)
    elif isinstance(before, GraphQLInputObjectType):
        assert isinstance(after, GraphQLInputObjectType)
        changes += diff_input_object(before, after)
    elif isinstance(before, GraphQLScalarType):
        assert isinstance(after, GraphQLScalarType)
        changes += diff_scalar(before, after)
    return changes
