"""Directive definitions: added, removed, description, locations, arguments, ``repeatable``.

Criticality, for a directive operations can use (one with an executable location such as ``FIELD``):

- added, location added, ``repeatable`` added, optional argument added: **safe**;
- removed, executable location removed, ``repeatable`` removed (operations applying it twice fail),
  required argument added, argument removed, argument type tightened: **breaking**;
- argument default changed: **dangerous**; descriptions: **safe**.

A directive with only type-system locations (``@key``, ``@cost``, ``@specifiedBy``) appears in SDL, never
in an operation, so no client operation can break: what would be breaking is **dangerous** instead (tools
that build on the SDL may still care). GraphQL Inspector rates both kinds alike.

An SDL document rarely defines the built-in directives (``@skip``, ``@include``, ``@deprecated``,
``@specifiedBy``, ``@oneOf``); graphql-core then supplies its own definitions, which describe the library,
not the API. Compared with an introspection result (which states what the server has), those would show as
"``@oneOf`` removed" or "``@deprecated(reason:)`` changed from ``String!`` to ``String``": the built-ins an
SDL leaves out (:func:`unstated_directives`) are therefore not compared.
"""

from __future__ import annotations

from dataclasses import replace

from graphql import DirectiveDefinitionNode, DocumentNode, GraphQLDirective, specified_directives

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_by_name, compare_names
from monitor.core.diff._context import DescriptionKinds, DiffContext, description_changes, make
from monitor.core.diff.arguments import DIRECTIVE_ARGUMENTS, diff_arguments
from monitor.core.usage import EXECUTABLE_LOCATIONS

__all__ = ["diff_directives", "is_executable", "unstated_directives"]

B, D, S = Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE

_DESCRIPTION = DescriptionKinds.of("DIRECTIVE")


def is_executable(directive: GraphQLDirective) -> bool:
    """True when operations (not only SDL) can apply the directive."""
    return not EXECUTABLE_LOCATIONS.isdisjoint(directive.locations)


def unstated_directives(document: DocumentNode) -> frozenset[str]:
    """The built-in directives an SDL document does not define (the schema built from it has the library's)."""
    defined = {d.name.value for d in document.definitions if isinstance(d, DirectiveDefinitionNode)}
    return frozenset(d.name for d in specified_directives if d.name not in defined)


def diff_directives(ctx: DiffContext) -> list[Change]:
    """Changes between the directive definitions of the two schemas (``ctx.unstated_directives`` left out)."""
    skip = ctx.unstated_directives
    old = {d.name: d for d in ctx.old.directives if d.name not in skip}
    new = {d.name: d for d in ctx.new.directives if d.name not in skip}
    compared = compare_by_name(old, new)
    changes: list[Change] = []
    for name, directive in compared.added:
        changes.append(
            make(ChangeType.DIRECTIVE_ADDED, S, path=f"@{name}", coordinate=f"@{name}",
                 message=f"Directive '{name}' was added",
                 reason="No existing operation or schema uses a new directive",
                 new=_signature(directive))
        )  # fmt: skip
    for name, directive in compared.removed:
        changes.append(
            _for_kind(
                directive,
                make(ChangeType.DIRECTIVE_REMOVED, B, path=f"@{name}", coordinate=f"@{name}",
                     message=f"Directive '{name}' was removed",
                     reason=f"Operations that apply '@{name}' fail validation", old=_signature(directive)),
            )
        )  # fmt: skip
    for name, before, after in compared.kept:
        if before is not after:
            changes.extend(_for_kind(before, c) for c in _diff_directive(name, before, after))
    return changes


def _signature(directive: GraphQLDirective) -> str:
    locations = " | ".join(loc.name for loc in directive.locations)
    repeatable = " repeatable" if directive.is_repeatable else ""
    return f"@{directive.name}{repeatable} on {locations}"


def _for_kind(directive: GraphQLDirective, change: Change) -> Change:
    """Breaking becomes dangerous for a directive only SDL can apply (see the module docstring)."""
    if change.criticality is not B or is_executable(directive):
        return change
    reason = f"'@{directive.name}' has only type-system locations: no operation can use it"
    return replace(change, criticality=D, reason=reason)


def _diff_directive(name: str, before: GraphQLDirective, after: GraphQLDirective) -> list[Change]:
    path = f"@{name}"
    what = f"directive '{path}'"
    changes = description_changes(
        _DESCRIPTION, before.description, after.description, what=what, path=path, coordinate=path
    )
    added, removed = compare_names(
        (loc.name for loc in before.locations), (loc.name for loc in after.locations)
    )
    for location in added:
        changes.append(
            make(ChangeType.DIRECTIVE_LOCATION_ADDED, S, path=path, coordinate=path,
                 message=f"Location '{location}' was added to directive '{name}'",
                 reason="Applying a directive in more places changes nothing that exists", new=location)
        )  # fmt: skip
    executable = {loc.name for loc in EXECUTABLE_LOCATIONS}
    for location in removed:
        if location in executable:
            crit, reason = B, f"Operations that apply '@{name}' at {location} fail validation"
        else:
            crit, reason = D, f"{location} is a type-system location: no operation applies '@{name}' there"
        changes.append(
            make(ChangeType.DIRECTIVE_LOCATION_REMOVED, crit, path=path, coordinate=path,
                 message=f"Location '{location}' was removed from directive '{name}'",
                 reason=reason, old=location)
        )  # fmt: skip
    if before.is_repeatable != after.is_repeatable:
        if after.is_repeatable:
            kind, crit = ChangeType.DIRECTIVE_REPEATABLE_ADDED, S
            message, reason = f"Directive '{name}' is now repeatable", "Every use that was valid still is"
        else:
            kind, crit = ChangeType.DIRECTIVE_REPEATABLE_REMOVED, B
            message = f"Directive '{name}' is no longer repeatable"
            reason = f"Operations that apply '@{name}' more than once at one place fail validation"
        changes.append(
            make(kind, crit, path=path, coordinate=path, message=message, reason=reason,
                 old=str(before.is_repeatable).lower(), new=str(after.is_repeatable).lower())
        )  # fmt: skip
    changes += diff_arguments(DIRECTIVE_ARGUMENTS, before.args, after.args, owner=path, what=what)
    return changes
