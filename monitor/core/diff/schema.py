"""The schema itself: root operation types and the schema description (introspection's
``__schema.description``, which SDL-only tools rarely compare).

Criticality:

- query root type renamed: **breaking** -- fragments on the root type and ``__typename`` checks change;
- mutation or subscription root added: **safe** (GraphQL Inspector: breaking) -- no operation of that
  kind could exist before;
- mutation or subscription root removed or renamed: **breaking** -- operations of that kind fail, or
  fragments on the old root name do;
- description: **safe**.

Paths and coordinates are ``schema`` (schema coordinates have no form for the schema itself).
"""

from __future__ import annotations

from graphql import GraphQLObjectType

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._context import DiffContext, make, same_text

__all__ = ["diff_schema_definition"]

_ROOTS = (
    ("query", ChangeType.SCHEMA_QUERY_TYPE_CHANGED),
    ("mutation", ChangeType.SCHEMA_MUTATION_TYPE_CHANGED),
    ("subscription", ChangeType.SCHEMA_SUBSCRIPTION_TYPE_CHANGED),
)


def _name(type_: GraphQLObjectType | None) -> str | None:
    return type_.name if type_ is not None else None


def diff_schema_definition(ctx: DiffContext) -> list[Change]:
    """Root type and description changes."""
    changes: list[Change] = []
    for operation, kind in _ROOTS:
        old = _name(getattr(ctx.old, f"{operation}_type"))
        new = _name(getattr(ctx.new, f"{operation}_type"))
        if old == new:
            continue
        if old is None:
            crit = Criticality.SAFE
            message = f"Schema {operation} root type '{new}' was added"
            reason = f"No {operation} operation could exist before"
        elif new is None:
            crit = Criticality.BREAKING
            message = f"Schema {operation} root type '{old}' was removed"
            reason = f"Every {operation} operation fails"
        else:
            crit = Criticality.BREAKING
            message = f"Schema {operation} root has changed from '{old}' to '{new}'"
            reason = f"Fragments on '{old}' and __typename checks in {operation} operations break"
        changes.append(
            make(kind, crit, path="schema", coordinate="schema", message=message, reason=reason,
                 old=old, new=new)
        )  # fmt: skip
    old_description, new_description = ctx.old.description or None, ctx.new.description or None
    if not same_text(old_description, new_description):
        changes.append(
            make(ChangeType.SCHEMA_DESCRIPTION_CHANGED, Criticality.SAFE, path="schema", coordinate="schema",
                 message=f"Schema description changed from '{old_description}' to '{new_description}'",
                 reason="Descriptions are documentation; no operation changes",
                 old=old_description, new=new_description)
        )  # fmt: skip
    return changes
