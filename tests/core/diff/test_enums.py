from __future__ import annotations

from tests.core.diff.helpers import changes, rows

SDL = """
type Query { posts(order: Order, status: Status): [Post] }
type Post { status: Status kind: Kind }
enum Order { ASC DESC }
enum Kind { TEXT IMAGE }
enum Status { DRAFT PUBLISHED }
enum Orphan { A B }
"""


def _add(enum: str, value: str) -> str:
    return SDL.replace(f"enum {enum} {{", f"enum {enum} {{ {value}")


def test_value_added_depends_on_usage() -> None:
    assert rows(SDL, _add("Order", "RANDOM")) == [
        ("ENUM_VALUE_ADDED", "safe", "Order.RANDOM", "Order.RANDOM")
    ]
    assert rows(SDL, _add("Kind", "VIDEO")) == [("ENUM_VALUE_ADDED", "dangerous", "Kind.VIDEO", "Kind.VIDEO")]
    assert rows(SDL, _add("Status", "GONE")) == [
        ("ENUM_VALUE_ADDED", "dangerous", "Status.GONE", "Status.GONE")
    ]
    (input_only,) = changes(SDL, _add("Order", "RANDOM"))
    assert input_only.reason.startswith("enum Order is only used as input")
    (output,) = changes(SDL, _add("Kind", "VIDEO"))
    assert output.reason.startswith("enum Kind is only used as output")
    (orphan,) = changes(SDL, _add("Orphan", "C"))
    assert orphan.meta_dict["usage"] == "unreachable"


def test_value_removed_depends_on_usage() -> None:
    assert rows(_add("Order", "RANDOM"), SDL) == [
        ("ENUM_VALUE_REMOVED", "breaking", "Order.RANDOM", "Order.RANDOM")
    ]
    assert rows(_add("Status", "GONE"), SDL) == [
        ("ENUM_VALUE_REMOVED", "breaking", "Status.GONE", "Status.GONE")
    ]
    (output_only,) = changes(_add("Kind", "VIDEO"), SDL)
    assert (output_only.criticality.value, output_only.message) == (
        "dangerous",
        "Enum value 'VIDEO' was removed from enum 'Kind'",
    )


def test_value_description_and_deprecation() -> None:
    v2 = SDL.replace("TEXT", '"""Plain""" TEXT @deprecated')
    v3 = SDL.replace("TEXT", '"""Prose""" TEXT @deprecated(reason: "use RICH")')
    v4 = SDL.replace("TEXT", 'TEXT @deprecated(reason: "use HTML")')
    assert rows(SDL, v2) == [
        ("ENUM_VALUE_DEPRECATION_ADDED", "safe", "Kind.TEXT", "Kind.TEXT"),
        ("ENUM_VALUE_DESCRIPTION_CHANGED", "safe", "Kind.TEXT", "Kind.TEXT"),
    ]
    assert rows(v2, v3) == [
        ("ENUM_VALUE_DEPRECATION_REASON_ADDED", "safe", "Kind.TEXT", "Kind.TEXT"),
        ("ENUM_VALUE_DESCRIPTION_CHANGED", "safe", "Kind.TEXT", "Kind.TEXT"),
    ]
    assert rows(v3, v4) == [
        ("ENUM_VALUE_DEPRECATION_REASON_CHANGED", "safe", "Kind.TEXT", "Kind.TEXT"),
        ("ENUM_VALUE_DESCRIPTION_CHANGED", "safe", "Kind.TEXT", "Kind.TEXT"),
    ]
    assert rows(v4, SDL.replace("TEXT", "TEXT @deprecated")) == [
        ("ENUM_VALUE_DEPRECATION_REASON_REMOVED", "safe", "Kind.TEXT", "Kind.TEXT")
    ]
    assert rows(v4, SDL) == [("ENUM_VALUE_DEPRECATION_REMOVED", "safe", "Kind.TEXT", "Kind.TEXT")]
