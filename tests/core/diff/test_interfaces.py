from __future__ import annotations

from tests.core.diff.helpers import changes, rows

SDL = """
type Query { node: Node user: User }
interface Node { id: ID! }
interface Named { name: String }
type User implements Node { id: ID! name: String }
"""


def test_interface_added_is_dangerous_and_removed_breaking() -> None:
    new = SDL.replace("implements Node", "implements Node & Named")
    assert rows(SDL, new) == [("OBJECT_TYPE_INTERFACE_ADDED", "dangerous", "User", "User")]
    assert rows(new, SDL) == [("OBJECT_TYPE_INTERFACE_REMOVED", "breaking", "User", "User")]
    (added,) = changes(SDL, new)
    assert (added.new, added.message) == ("Named", "'User' object implements 'Named' interface")
    (removed,) = changes(new, SDL)
    assert (removed.old, removed.message) == ("Named", "'User' object no longer implements 'Named' interface")


def test_interface_implementing_interface() -> None:
    old = SDL.replace("interface Named {", "interface Named implements Node { id: ID! ")
    new = old.replace("interface Named implements Node { id: ID! ", "interface Named { id: ID! ")
    assert rows(old, new) == [("OBJECT_TYPE_INTERFACE_REMOVED", "breaking", "Named", "Named")]
    (change,) = changes(old, new)
    assert change.message == "'Named' interface no longer implements 'Node' interface"
