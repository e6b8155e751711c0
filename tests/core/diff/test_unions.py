from __future__ import annotations

from tests.core.diff.helpers import changes, rows

SDL = """
type Query { search: Result }
type A { id: ID } type B { id: ID } type C { id: ID }
union Result = A | B
"""


def test_member_added_is_dangerous_and_removed_breaking() -> None:
    new = SDL.replace("A | B", "A | C")
    assert rows(SDL, new) == [
        ("UNION_MEMBER_REMOVED", "breaking", "Result", "Result"),
        ("UNION_MEMBER_ADDED", "dangerous", "Result", "Result"),
    ]
    found = {c.type.value: c for c in changes(SDL, new)}
    assert found["UNION_MEMBER_ADDED"].new == "C"
    assert found["UNION_MEMBER_REMOVED"].old == "B"
    assert found["UNION_MEMBER_ADDED"].message == "Member 'C' was added to union type 'Result'"
    assert "clients with an exhaustive switch" in found["UNION_MEMBER_ADDED"].reason


def test_member_order_is_not_a_change() -> None:
    assert rows(SDL, SDL.replace("A | B", "B | A")) == []
