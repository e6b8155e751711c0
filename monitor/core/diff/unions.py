"""Union types: members added and removed.

Criticality (as GraphQL Inspector):

- member added: **dangerous** -- a field of the union may now return a type that clients with an
  exhaustive switch over ``__typename`` do not handle;
- member removed: **breaking** -- fragments ``... on Member`` inside selections on the union fail
  validation, and clients stop receiving the member.

Unions no root reaches are flagged ``usage=unreachable`` in meta; the ``safe_unreachable`` rule decides.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLUnionType

from monitor.core.changes import Change, ChangeType
from monitor.core.diff._compare import compare_names
from monitor.core.diff._context import Wording, possible_type_changes
from monitor.core.usage import Usage, describe_usage

__all__ = ["diff_union"]

_ADDED = Wording(ChangeType.UNION_MEMBER_ADDED, "Member '{name}' was added to union type '{owner}'",
                 "{usage}: clients with an exhaustive switch may receive an unknown type")  # fmt: skip
_REMOVED = Wording(ChangeType.UNION_MEMBER_REMOVED, "Member '{name}' was removed from union type '{owner}'",
                   "Fragments on '{name}' inside selections on '{owner}' fail validation")  # fmt: skip


def diff_union(old: GraphQLUnionType, new: GraphQLUnionType, usage_of: Callable[[], Usage]) -> list[Change]:
    """Changes between the members of two versions of one union type; ``usage_of`` is called only if
    members differ."""
    added, removed = compare_names((t.name for t in old.types), (t.name for t in new.types))
    if not added and not removed:
        return []
    usage = describe_usage("union", new.name, usage_of())
    return possible_type_changes(new.name, added, removed, on_added=_ADDED, on_removed=_REMOVED, usage=usage)
