from __future__ import annotations

from tests.core.diff.helpers import changes, rows

BASE = """
type Query { user: User search: Result }
type User { id: ID! }
type Team { id: ID! }
union Result = User | Team
"""


def test_type_added_is_one_safe_change_however_big() -> None:
    new = BASE + '"""An org"""\ntype Org { id: ID! name(x: Int): String @deprecated members: [User!]! }'
    assert rows(BASE, new) == [("TYPE_ADDED", "safe", "Org", "Org")]


def test_type_removed_is_breaking() -> None:
    new = BASE.replace(" | Team", "").replace("type Team { id: ID! }", "")
    assert rows(BASE, new) == [
        ("UNION_MEMBER_REMOVED", "breaking", "Result", "Result"),
        ("TYPE_REMOVED", "breaking", "Team", "Team"),
    ]


def test_kind_changed_is_breaking_and_members_are_not_compared() -> None:
    new = BASE.replace("type Team { id: ID! }", "interface Team { key: String }").replace(" | Team", "")
    found = changes(BASE, new)
    assert [(c.type.value, c.criticality.value, c.path) for c in found] == [
        ("UNION_MEMBER_REMOVED", "breaking", "Result"),
        ("TYPE_KIND_CHANGED", "breaking", "Team"),
    ]
    assert (found[1].old, found[1].new) == ("OBJECT", "INTERFACE")


def test_type_descriptions() -> None:
    described = BASE.replace("type User", '"""A person"""\ntype User')
    changed = BASE.replace("type User", '"""Someone"""\ntype User')
    assert rows(BASE, described) == [("TYPE_DESCRIPTION_ADDED", "safe", "User", "User")]
    assert rows(described, changed) == [("TYPE_DESCRIPTION_CHANGED", "safe", "User", "User")]
    assert rows(described, BASE) == [("TYPE_DESCRIPTION_REMOVED", "safe", "User", "User")]
    change = changes(described, changed)[0]
    assert (change.old, change.new) == ("A person", "Someone")
    assert change.message == "Description of object type 'User' changed from 'A person' to 'Someone'"


def test_builtin_scalars_are_not_reported() -> None:
    new = BASE.replace("type Team { id: ID! }", "type Team { id: ID! size: Int score: Float }")
    assert rows(BASE, new) == [
        ("FIELD_ADDED", "safe", "Team.score", "Team.score"),
        ("FIELD_ADDED", "safe", "Team.size", "Team.size"),
    ]


def test_changes_carry_usage_of_their_type() -> None:
    new = BASE + "type Lonely { id: ID }"
    older = BASE + "type Lonely { id: ID name: String }"
    (change,) = changes(older, new)
    assert change.meta_dict["usage"] == "unreachable"
    (added,) = changes(BASE, new)
    assert added.meta_dict["usage"] == "unreachable"
