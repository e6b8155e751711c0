"""Interfaces implemented by object and interface types: added and removed.

Criticality (as GraphQL Inspector):

- interface added: **dangerous** -- fields of the interface may now return this type, which clients with
  an exhaustive switch over the implementations do not handle;
- interface removed: **breaking** -- fragments ``... on Interface`` inside selections on this type, and
  fragments on this type inside selections on the interface, fail validation.
"""

from __future__ import annotations

from graphql import GraphQLInterfaceType, GraphQLObjectType

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_names
from monitor.core.diff._context import make

__all__ = ["diff_interfaces"]

B, D = Criticality.BREAKING, Criticality.DANGEROUS

Implementor = GraphQLObjectType | GraphQLInterfaceType


def diff_interfaces(old: Implementor, new: Implementor) -> list[Change]:
    """Changes between the interfaces two versions of one type implement."""
    owner = new.name
    label = "interface" if isinstance(new, GraphQLInterfaceType) else "object"
    added, removed = compare_names((i.name for i in old.interfaces), (i.name for i in new.interfaces))
    changes = [
        make(ChangeType.OBJECT_TYPE_INTERFACE_ADDED, D, path=owner, coordinate=owner,
             message=f"'{owner}' {label} implements '{name}' interface",
             reason=f"Fields of '{name}' may now return '{owner}'; exhaustive switches may miss it",
             new=name)
        for name in added
    ]  # fmt: skip
    changes += [
        make(ChangeType.OBJECT_TYPE_INTERFACE_REMOVED, B, path=owner, coordinate=owner,
             message=f"'{owner}' {label} no longer implements '{name}' interface",
             reason=f"Fragments relating '{owner}' and '{name}' fail validation",
             old=name)
        for name in removed
    ]  # fmt: skip
    return changes
