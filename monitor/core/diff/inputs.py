"""Input object types: fields added, removed, type changed, default changed, description, deprecation,
and ``@oneOf`` added/removed (introspection's ``isOneOf``, which SDL-only tools miss).

Criticality:

- field added, required (non-null, no default): **breaking** -- values built before lack it;
- field added, optional (nullable or with a default): **safe** -- every value sent before still means the
  same. Inspector and graphql-core say *dangerous*; an optional input field is the standard way to evolve
  an input, and nothing a client sends changes meaning;
- field removed: **breaking** -- values that set it are rejected;
- type changed: **safe** when it only loosens (:func:`~.compat.is_safe_input_change`), else **breaking**;
- default changed: **dangerous** -- values that omit the field now mean something else;
- ``@oneOf`` added: **breaking** -- a value setting several fields, or none, is now rejected;
- ``@oneOf`` removed: **safe** -- every value accepted before is still accepted;
- description, deprecation: **safe**.
"""

from __future__ import annotations

from graphql import GraphQLInputField, GraphQLInputObjectType

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_by_name
from monitor.core.diff._context import (
    DocumentationKinds,
    default_text,
    documentation_changes,
    make,
    noting_deprecation,
)
from monitor.core.diff.arguments import (
    default_change_message,
    input_type_change,
    is_required,
    unchanged_input_value,
)

__all__ = ["diff_input_object"]

B, D, S = Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE

_DOCUMENTATION = DocumentationKinds.of("INPUT_FIELD")


def diff_input_object(old: GraphQLInputObjectType, new: GraphQLInputObjectType) -> list[Change]:
    """Changes between two versions of one input object type."""
    owner = new.name
    label = f"input object type '{owner}'"
    changes: list[Change] = []
    if old.is_one_of != new.is_one_of:
        if new.is_one_of:
            kind, crit = ChangeType.INPUT_ONE_OF_ADDED, B
            message = f"'{owner}' is now a @oneOf input object"
            reason = "Values must now set exactly one field; values setting several or none are rejected"
        else:
            kind, crit = ChangeType.INPUT_ONE_OF_REMOVED, S
            message = f"'{owner}' is no longer a @oneOf input object"
            reason = "Every value accepted before is still accepted"
        changes.append(
            make(kind, crit, path=owner, coordinate=owner, message=message, reason=reason,
                 old=str(old.is_one_of).lower(), new=str(new.is_one_of).lower())
        )  # fmt: skip
    compared = compare_by_name(old.fields, new.fields)
    for name, field in compared.added:
        ref = str(field.type)
        if is_required(field):
            crit, reason = B, f"Values of '{owner}' built without the required field '{name}' are rejected"
        else:
            crit, reason = S, "An optional input field changes nothing for values that omit it"
        changes.append(
            make(ChangeType.INPUT_FIELD_ADDED, crit, path=f"{owner}.{name}", coordinate=f"{owner}.{name}",
                 message=f"Input field '{name}' of type '{ref}' was added to {label}",
                 reason=reason, new=ref)
        )  # fmt: skip
    for name, field in compared.removed:
        removal = make(ChangeType.INPUT_FIELD_REMOVED, B, path=f"{owner}.{name}", coordinate=f"{owner}.{name}",
                       message=f"Input field '{name}' was removed from {label}",
                       reason=f"Values of '{owner}' that set '{name}' are rejected", old=str(field.type))  # fmt: skip
        changes.append(noting_deprecation(removal, field.deprecation_reason))
    for name, before, after in compared.kept:
        if unchanged_input_value(before, after):
            continue
        changes.extend(_diff_input_field(owner, name, before, after))
    return changes


def _diff_input_field(
    owner: str, name: str, before: GraphQLInputField, after: GraphQLInputField
) -> list[Change]:
    path = f"{owner}.{name}"
    what = f"input field '{path}'"
    changes: list[Change] = []
    old_ref, new_ref = str(before.type), str(after.type)
    if old_ref != new_ref:
        crit, reason = input_type_change(before.type, after.type)
        changes.append(
            make(ChangeType.INPUT_FIELD_TYPE_CHANGED, crit, path=path, coordinate=path,
                 message=f"Input field '{path}' changed type from '{old_ref}' to '{new_ref}'",
                 reason=reason, old=old_ref, new=new_ref)
        )  # fmt: skip
    old_default, new_default = default_text(before), default_text(after)
    if old_default != new_default:
        changes.append(
            make(ChangeType.INPUT_FIELD_DEFAULT_VALUE_CHANGED, D, path=path, coordinate=path,
                 message=default_change_message(
                     what, old_default, new_default,
                     f"Input field '{path}' default changed from '{old_default}' to '{new_default}'"),
                 reason="Values that omit the field now mean something else",
                 old=old_default, new=new_default)
        )  # fmt: skip
    changes += documentation_changes(_DOCUMENTATION, before, after, what=what, path=path, coordinate=path)
    return changes
