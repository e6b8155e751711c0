"""Enum types: values added, removed, description, deprecation -- decided by where the enum is used.

Criticality (GraphQL Inspector calls every added value dangerous and every removed one breaking):

- value added to an enum used **only as input**: **safe** -- clients send values; none they sent changed;
- value added to an enum used as **output** (or both, or where usage is unknown): **dangerous** -- clients
  with an exhaustive ``switch`` over the values may meet one they do not handle;
- value removed from an enum used as **input** (or both): **breaking** -- operations and variables that
  send it are rejected;
- value removed from an enum used **only as output**: **dangerous** -- no operation can name an output
  value, so every operation stays valid; clients merely stop receiving it;
- description, deprecation: **safe**.

Enums no root reaches are flagged ``usage=unreachable`` in meta; the ``safe_unreachable`` rule decides.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLEnumType

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_by_name
from monitor.core.diff._context import DocumentationKinds, documentation_changes, make, noting_deprecation
from monitor.core.usage import Usage, describe_usage

__all__ = ["diff_enum"]

B, D, S = Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE

_DOCUMENTATION = DocumentationKinds.of("ENUM_VALUE")


def diff_enum(old: GraphQLEnumType, new: GraphQLEnumType, usage_of: Callable[[], Usage]) -> list[Change]:
    """Changes between two versions of one enum type; ``usage_of`` is called only if values differ."""
    owner = new.name
    changes: list[Change] = []
    compared = compare_by_name(old.values, new.values)
    if compared.added or compared.removed:
        usage = usage_of()
        context = describe_usage("enum", owner, usage)
    for name, _value in compared.added:
        if usage is Usage.INPUT:
            crit, reason = S, f"{context}: no value a client sends changed meaning"
        else:
            crit, reason = D, f"{context}: clients with an exhaustive switch may receive an unknown value"
        changes.append(
            make(ChangeType.ENUM_VALUE_ADDED, crit, path=f"{owner}.{name}", coordinate=f"{owner}.{name}",
                 message=f"Enum value '{name}' was added to enum '{owner}'", reason=reason)
        )  # fmt: skip
    for name, value in compared.removed:
        if usage is Usage.OUTPUT:
            crit = D
            reason = f"{context}: operations stay valid, clients stop receiving '{name}'"
        else:
            crit, reason = B, f"Operations and variables that send '{owner}.{name}' are rejected"
        removal = make(ChangeType.ENUM_VALUE_REMOVED, crit, path=f"{owner}.{name}", coordinate=f"{owner}.{name}",
                       message=f"Enum value '{name}' was removed from enum '{owner}'", reason=reason)  # fmt: skip
        changes.append(noting_deprecation(removal, value.deprecation_reason))
    for name, before, after in compared.kept:
        if before.description == after.description and before.deprecation_reason == after.deprecation_reason:
            continue
        path = f"{owner}.{name}"
        changes += documentation_changes(
            _DOCUMENTATION, before, after, what=f"enum value '{path}'", path=path, coordinate=path
        )
    return changes
