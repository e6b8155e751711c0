from __future__ import annotations

import pytest

from tests.core.diff.helpers import changes, rows

OLD = """
type Query { user: User node: Node }
interface Node { id: ID! }
type User implements Node { id: ID! name: String tags: [String] age: Int }
"""


def test_field_added_and_removed() -> None:
    new = OLD.replace("age: Int", "email: String")
    assert rows(OLD, new) == [
        ("FIELD_REMOVED", "breaking", "User.age", "User.age"),
        ("FIELD_ADDED", "safe", "User.email", "User.email"),
    ]
    removed = changes(OLD, new)[0]
    assert removed.message == "Field 'age' was removed from object type 'User'"
    assert removed.old == "Int"


def test_interface_field_messages_name_the_interface() -> None:
    new = OLD.replace("interface Node { id: ID! }", "interface Node { id: ID! name: String }")
    (change,) = changes(OLD, new)
    assert change.message == "Field 'name' was added to interface type 'Node'"


@pytest.mark.parametrize(
    ("old_type", "new_type", "criticality"),
    [
        ("String", "String!", "safe"),
        ("[String]", "[String!]!", "safe"),
        ("[String]", "[String]!", "safe"),
        ("String!", "String", "breaking"),
        ("[String!]", "[String]", "breaking"),
        ("String", "Int", "breaking"),
        ("String", "[String]", "breaking"),
    ],
)
def test_field_type_changes(old_type: str, new_type: str, criticality: str) -> None:
    old = OLD.replace("name: String", f"name: {old_type}")
    new = OLD.replace("name: String", f"name: {new_type}")
    (change,) = changes(old, new)
    assert (change.type.value, change.criticality.value, change.path) == (
        "FIELD_TYPE_CHANGED",
        criticality,
        "User.name",
    )
    assert (change.old, change.new) == (old_type, new_type)


def test_field_description_and_deprecation() -> None:
    v1 = OLD
    v2 = OLD.replace("name: String", '"""Full name""" name: String @deprecated')
    v3 = OLD.replace("name: String", '"""Legal name""" name: String @deprecated(reason: "Use legalName")')
    v4 = OLD.replace("name: String", 'name: String @deprecated(reason: "Use fullName")')
    assert rows(v1, v2) == [
        ("FIELD_DEPRECATION_ADDED", "safe", "User.name", "User.name"),
        ("FIELD_DESCRIPTION_ADDED", "safe", "User.name", "User.name"),
    ]
    assert rows(v2, v3) == [
        ("FIELD_DEPRECATION_REASON_ADDED", "safe", "User.name", "User.name"),
        ("FIELD_DESCRIPTION_CHANGED", "safe", "User.name", "User.name"),
    ]
    assert rows(v3, v4) == [
        ("FIELD_DEPRECATION_REASON_CHANGED", "safe", "User.name", "User.name"),
        ("FIELD_DESCRIPTION_REMOVED", "safe", "User.name", "User.name"),
    ]
    assert rows(v4, v2.replace('"""Full name"""', "")) == [
        ("FIELD_DEPRECATION_REASON_REMOVED", "safe", "User.name", "User.name"),
    ]
    assert rows(v4, v1) == [("FIELD_DEPRECATION_REMOVED", "safe", "User.name", "User.name")]


def test_removed_deprecated_field_is_still_breaking_and_says_so() -> None:
    old = OLD.replace("age: Int", 'age: Int @deprecated(reason: "gone")')
    new = OLD.replace("age: Int", "")
    (change,) = changes(old, new)
    assert change.criticality.value == "breaking"
    assert change.meta_dict["deprecated"] == "gone"
    assert "deprecated" in change.reason
