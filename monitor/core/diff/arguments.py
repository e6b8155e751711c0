"""Arguments of fields and of directives: added, removed, type changed, default changed, description,
deprecation.

Criticality:

- added, required (non-null, no default): **breaking** -- operations that omit it fail validation;
- added, optional (nullable, or with a default): **safe** -- an operation that omits it means exactly what
  it meant before. GraphQL Inspector and graphql-core call this *dangerous* ("the resolver may behave
  differently"); we follow what users expect: an optional argument is the standard way to evolve a field;
- removed: **breaking** -- operations that pass it fail validation (deprecated or not);
- type changed: **safe** when it only loosens (``ID! -> ID``, :func:`~.compat.is_safe_input_change`),
  otherwise **breaking**;
- default changed (added, removed, other value): **dangerous** -- operations that omit the argument now
  get a different value;
- description, deprecation: **safe**.

Arguments of a field that is itself new are not reported (one FIELD_ADDED says it all).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import GraphQLArgument, GraphQLInputField, GraphQLInputType, GraphQLNonNull, Undefined

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_by_name
from monitor.core.diff._context import (
    DocumentationKinds,
    default_text,
    documentation_changes,
    make,
    noting_deprecation,
)
from monitor.core.diff.compat import is_safe_input_change, named_type_changed, same_type_ref

__all__ = [
    "DIRECTIVE_ARGUMENTS",
    "FIELD_ARGUMENTS",
    "ArgumentKinds",
    "default_change_message",
    "diff_arguments",
    "is_required",
    "unchanged_input_value",
]

B, D, S = Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE


@dataclass(frozen=True, slots=True)
class ArgumentKinds:
    """The change identifiers for one owner kind (field or directive)."""

    added: ChangeType
    removed: ChangeType
    type_changed: ChangeType
    default_changed: ChangeType
    documentation: DocumentationKinds

    @classmethod
    def of(cls, element: str, *, default_changed: ChangeType) -> ArgumentKinds:
        """``<element>_ADDED``, ``_REMOVED``, ``_TYPE_CHANGED`` and the documentation identifiers;
        GraphQL Inspector names the default change differently for fields and directives."""
        return cls(
            added=ChangeType[f"{element}_ADDED"],
            removed=ChangeType[f"{element}_REMOVED"],
            type_changed=ChangeType[f"{element}_TYPE_CHANGED"],
            default_changed=default_changed,
            documentation=DocumentationKinds.of(element),
        )


FIELD_ARGUMENTS = ArgumentKinds.of(
    "FIELD_ARGUMENT", default_changed=ChangeType.FIELD_ARGUMENT_DEFAULT_CHANGED
)
DIRECTIVE_ARGUMENTS = ArgumentKinds.of(
    "DIRECTIVE_ARGUMENT", default_changed=ChangeType.DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED
)


def default_change_message(subject: str, old: str | None, new: str | None, changed: str) -> str:
    """How ``subject``'s default value changed: added, removed, or ``changed`` (the message for a value
    replaced by another). A missing side is never printed (it would read 'None')."""
    if old is None:
        return f"Default value '{new}' was added to {subject}"
    if new is None:
        return f"Default value '{old}' was removed from {subject}"
    return changed


def input_type_change(old: GraphQLInputType, new: GraphQLInputType) -> tuple[Criticality, str]:
    """Criticality and reason of an input position (argument, input field) changing type ``old -> new``."""
    if is_safe_input_change(old, new):
        return S, "Every value accepted before is still accepted"
    if named_type_changed(old, new):
        return B, f"Values of type '{old}' are no longer accepted for '{new}'"
    return B, f"'{new}' is stricter than '{old}': some values sent before fail"


def is_required(arg: GraphQLArgument | GraphQLInputField) -> bool:
    """Non-null without a default: every operation must pass it."""
    return isinstance(arg.type, GraphQLNonNull) and arg.default is None and arg.default_value is Undefined


def unchanged_input_value(
    before: GraphQLArgument | GraphQLInputField, after: GraphQLArgument | GraphQLInputField
) -> bool:
    """The diff's fast path: no default on either side and everything else equal."""
    return (
        before.default is None
        and after.default is None
        and before.default_value is Undefined
        and after.default_value is Undefined
        and before.description == after.description
        and before.deprecation_reason == after.deprecation_reason
        and same_type_ref(before.type, after.type)
    )


def diff_arguments(
    kinds: ArgumentKinds,
    old: Mapping[str, GraphQLArgument],
    new: Mapping[str, GraphQLArgument],
    *,
    owner: str,
    what: str,
) -> list[Change]:
    """Changes between two argument maps of ``owner`` (``Query.user`` or ``@auth``).

    ``what`` names the owner in messages (``field 'Query.user'``, ``directive '@auth'``).
    """
    if not old and not new:
        return []
    if old.keys() == new.keys() and all(unchanged_input_value(old[n], new[n]) for n in old):
        return []
    changes: list[Change] = []
    compared = compare_by_name(old, new)
    for name, arg in compared.added:
        path, coord = f"{owner}.{name}", f"{owner}({name}:)"
        ref = str(arg.type)
        if is_required(arg):
            crit = B
            reason = f"Operations using {what} without the new required argument '{name}' fail validation"
        else:
            crit = S
            reason = "An optional argument changes nothing for operations that omit it"
        message = f"Argument '{name}: {ref}' added to {what}"
        changes.append(
            make(kinds.added, crit, path=path, coordinate=coord, message=message, reason=reason,
                 new=ref)
        )  # fmt: skip
    for name, arg in compared.removed:
        path, coord = f"{owner}.{name}", f"{owner}({name}:)"
        ref = str(arg.type)
        removal = make(kinds.removed, B, path=path, coordinate=coord,
                       message=f"Argument '{name}: {ref}' was removed from {what}",
                       reason=f"Operations that pass '{name}' to {what} fail validation", old=ref)  # fmt: skip
        changes.append(noting_deprecation(removal, arg.deprecation_reason))
    for name, before, after in compared.kept:
        if unchanged_input_value(before, after):
            continue
        changes.extend(_diff_kept(kinds, name, before, after, owner=owner, what=what))
    return changes


def _diff_kept(
    kinds: ArgumentKinds,
    name: str,
    before: GraphQLArgument,
    after: GraphQLArgument,
    *,
    owner: str,
    what: str,
) -> list[Change]:
    path, coord = f"{owner}.{name}", f"{owner}({name}:)"
    label = f"argument '{name}' on {what}"
    changes: list[Change] = []
    old_ref, new_ref = str(before.type), str(after.type)
    if old_ref != new_ref:
        crit, reason = input_type_change(before.type, after.type)
        message = f"Type for {label} changed from '{old_ref}' to '{new_ref}'"
        changes.append(
            make(kinds.type_changed, crit, path=path, coordinate=coord, message=message, reason=reason,
                 old=old_ref, new=new_ref)
        )  # fmt: skip
    old_default, new_default = default_text(before), default_text(after)
    if old_default != new_default:
        changed = f"Default value for {label} changed from '{old_default}' to '{new_default}'"
        message = default_change_message(label, old_default, new_default, changed)
        reason = "Operations that omit the argument now run with a different value"
        changes.append(
            make(kinds.default_changed, D, path=path, coordinate=coord, message=message, reason=reason,
                 old=old_default, new=new_default)
        )  # fmt: skip
    changes += documentation_changes(
        kinds.documentation, before, after, what=label, path=path, coordinate=coord
    )
    return changes
