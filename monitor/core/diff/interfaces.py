"""Interfaces implemented by object and interface types: added and removed.

Criticality (as GraphQL Inspector):

- interface added: **dangerous** -- fields of the interface may now return this type, which clients with
  an exhaustive switch over the implementations do not handle;
- interface removed: **breaking** -- fragments ``... on Interface`` inside selections on this type, and
  fragments on this type inside selections on the interface, fail validation.
"""

from __future__ import annotations

from graphql import GraphQLInterfaceType, GraphQLObjectType

from monitor.core.changes import Change, ChangeType
from monitor.core.diff._compare import compare_names
from monitor.core.diff._context import Wording, kind_label, possible_type_changes

__all__ = ["diff_interfaces"]

Implementor = GraphQLObjectType | GraphQLInterfaceType

_ADDED = Wording(ChangeType.OBJECT_TYPE_INTERFACE_ADDED, "'{owner}' {label} implements '{name}' interface",
                 "Fields of '{name}' may now return '{owner}'; exhaustive switches may miss it")  # fmt: skip
_REMOVED = Wording(ChangeType.OBJECT_TYPE_INTERFACE_REMOVED,
                   "'{owner}' {label} no longer implements '{name}' interface",
                   "Fragments relating '{owner}' and '{name}' fail validation")  # fmt: skip


def diff_interfaces(old: Implementor, new: Implementor) -> list[Change]:
    """Changes between the interfaces two versions of one type implement."""
    added, removed = compare_names((i.name for i in old.interfaces), (i.name for i in new.interfaces))
    label = kind_label(new).removesuffix(" type")
    return possible_type_changes(new.name, added, removed, on_added=_ADDED, on_removed=_REMOVED, label=label)
