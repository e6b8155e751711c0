"""Scalar types: ``specifiedByURL`` added, changed, removed (introspection carries it; SDL-only tools
that ignore ``@specifiedBy`` miss it).

Criticality:

- URL added or removed: **safe** -- documentation of the format; values do not change;
- URL changed: **dangerous** -- the scalar now claims another specification, so its serialised values may
  take another shape.
"""

from __future__ import annotations

from graphql import GraphQLScalarType

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._context import make

__all__ = ["diff_scalar"]


def diff_scalar(old: GraphQLScalarType, new: GraphQLScalarType) -> list[Change]:
    """Changes between two versions of one scalar type."""
    before, after = old.specified_by_url or None, new.specified_by_url or None
    if before == after:
        return []
    owner = new.name
    if before is None:
        kind, crit = ChangeType.SCALAR_SPECIFIED_BY_URL_ADDED, Criticality.SAFE
        message = f"Scalar type '{owner}' is now specified by '{after}'"
        reason = "A specification URL documents the format; values do not change"
    elif after is None:
        kind, crit = ChangeType.SCALAR_SPECIFIED_BY_URL_REMOVED, Criticality.SAFE
        message = f"Scalar type '{owner}' is no longer specified by '{before}'"
        reason = "A specification URL documents the format; values do not change"
    else:
        kind, crit = ChangeType.SCALAR_SPECIFIED_BY_URL_CHANGED, Criticality.DANGEROUS
        message = f"Scalar type '{owner}' specification changed from '{before}' to '{after}'"
        reason = "The scalar claims another specification: its values may take another shape"
    return [
        make(kind, crit, path=owner, coordinate=owner, message=message, reason=reason,
             old=before, new=after)
    ]  # fmt: skip
