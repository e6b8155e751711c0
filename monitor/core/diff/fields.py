"""Fields of object and interface types: added, removed, type changed, description, deprecation, and
their arguments (see :mod:`.arguments`).

Criticality:

- added: **safe** -- no existing operation selects it (a field added to an interface must be added to
  its implementations too, which the schema validates);
- removed: **breaking** -- operations selecting it fail validation, deprecated or not (the
  ``deprecated_removal`` rule may later relax removals deprecated long enough);
- type changed: **safe** when it only tightens the output (``String -> String!``, ``[T] -> [T!]!``,
  :func:`~.compat.is_safe_output_change`), otherwise **breaking**; a different named type is breaking;
- description, deprecation: **safe**.
"""

from __future__ import annotations

from graphql import GraphQLField, GraphQLInterfaceType, GraphQLObjectType

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_by_name
from monitor.core.diff._context import (
    DocumentationKinds,
    documentation_changes,
    kind_label,
    make,
    noting_deprecation,
)
from monitor.core.diff.arguments import FIELD_ARGUMENTS, diff_arguments
from monitor.core.diff.compat import is_safe_output_change, named_type_changed, same_type_ref

__all__ = ["diff_fields"]

B, S = Criticality.BREAKING, Criticality.SAFE

_DOCUMENTATION = DocumentationKinds.of("FIELD")

FieldOwner = GraphQLObjectType | GraphQLInterfaceType


def diff_fields(old: FieldOwner, new: FieldOwner) -> list[Change]:
    """Changes between the fields of two versions of one object or interface type."""
    owner = new.name
    label = kind_label(new)
    changes: list[Change] = []
    compared = compare_by_name(old.fields, new.fields)
    for name, field in compared.added:
        ref = str(field.type)
        changes.append(
            make(ChangeType.FIELD_ADDED, S, path=f"{owner}.{name}", coordinate=f"{owner}.{name}",
                 message=f"Field '{name}' was added to {label} '{owner}'",
                 reason="No existing operation selects a new field", new=ref)
        )  # fmt: skip
    for name, field in compared.removed:
        removal = make(ChangeType.FIELD_REMOVED, B, path=f"{owner}.{name}", coordinate=f"{owner}.{name}",
                       message=f"Field '{name}' was removed from {label} '{owner}'", old=str(field.type),
                       reason=f"Operations that select '{owner}.{name}' fail validation")  # fmt: skip
        changes.append(noting_deprecation(removal, field.deprecation_reason))
    for name, before, after in compared.kept:
        if (
            before.description == after.description
            and before.deprecation_reason == after.deprecation_reason
            and same_type_ref(before.type, after.type)
        ):
            if before.args or after.args:
                changes += diff_arguments(
                    FIELD_ARGUMENTS,
                    before.args,
                    after.args,
                    owner=f"{owner}.{name}",
                    what=f"field '{owner}.{name}'",
                )
            continue
        changes.extend(_diff_field(owner, name, before, after))
    return changes


def _diff_field(owner: str, name: str, before: GraphQLField, after: GraphQLField) -> list[Change]:
    path = f"{owner}.{name}"
    what = f"field '{path}'"
    changes: list[Change] = []
    old_ref, new_ref = str(before.type), str(after.type)
    if old_ref != new_ref:
        if is_safe_output_change(before.type, after.type):
            crit, reason = S, f"'{new_ref}' only promises more than '{old_ref}'"
        elif named_type_changed(before.type, after.type):
            crit, reason = B, f"Clients expecting '{old_ref}' receive '{new_ref}'"
        else:
            crit = B
            reason = f"'{new_ref}' may return what '{old_ref}' never did (null or another list shape)"
        changes.append(
            make(ChangeType.FIELD_TYPE_CHANGED, crit, path=path, coordinate=path,
                 message=f"Field '{path}' changed type from '{old_ref}' to '{new_ref}'",
                 reason=reason, old=old_ref, new=new_ref)
        )  # fmt: skip
    changes += documentation_changes(_DOCUMENTATION, before, after, what=what, path=path, coordinate=path)
    changes += diff_arguments(FIELD_ARGUMENTS, before.args, after.args, owner=path, what=what)
    return changes
