"""The incremental path: unchanged operations the diff does not touch keep their previous result."""

from __future__ import annotations

import json

from graphql import build_schema

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.contracts import (
    ContractsResult,
    Limits,
    SourceFile,
    Status,
    from_report_section,
    parse_sources,
    to_report_section,
    touched_coordinates,
    validate_operations,
)

OLD = build_schema(
    """
    type Query { stacks: [Stack!]! users: [User!]! }
    type Stack { id: ID! name: String! tags: [String!]! @deprecated(reason: "Use labels. Removal on 2026-09-01.") }
    type User { id: ID! login: String! }
    """
)
NEW = build_schema(
    """
    type Query { stacks: [Stack!]! users: [User!]! }
    type Stack { id: ID! tags: [String!]! @deprecated(reason: "Use labels. Removal on 2026-09-01.") }
    type User { id: ID! login: String! }
    """
)
NAME_REMOVED = Change(
    ChangeType.FIELD_REMOVED,
    Criticality.BREAKING,
    "Stack.name",
    "Stack.name",
    "removed",
    "breaking",
    old="String!",
)
FILES = [
    SourceFile("ops/stacks.graphql", "query StackNames { stacks { id name } }"),
    SourceFile("ops/tags.graphql", "query StackTags { stacks { id tags } }"),
    SourceFile("ops/users.graphql", "query Users { users { id login } }"),
]


def baseline() -> ContractsResult:
    """The previous run's result, as the service reads it back from the stored report."""
    first = validate_operations(
        OLD, parse_sources(FILES), deprecated_since={"Stack.tags": "2025-01-01T00:00:00Z"}
    )
    section = json.loads(json.dumps(to_report_section(first)))
    return from_report_section(section)


def test_untouched_operations_are_reused_and_touched_ones_revalidated() -> None:
    result = validate_operations(
        NEW,
        parse_sources(FILES),
        previous=baseline(),
        changed_coordinates=touched_coordinates([NAME_REMOVED]),
        changes=[NAME_REMOVED],
        deprecated_since={"Stack.tags": "2025-01-01T00:00:00Z"},
    )
    assert (result.revalidated, result.reused) == (1, 2)
    by_name = result.by_name()
    assert (by_name["StackNames"].status, by_name["StackNames"].reused) == (Status.BROKEN, False)
    assert by_name["StackNames"].caused_by == (NAME_REMOVED.id,)
    tags = by_name["StackTags"]
    assert (tags.status, tags.reused) == (Status.DEPRECATED, True)
    (deprecation,) = tags.deprecations
    assert (deprecation.first_seen, deprecation.removal_date) == ("2025-01-01T00:00:00Z", "2026-09-01")
    assert by_name["Users"].reused
    section = to_report_section(result)
    assert (section["revalidated"], section["reused"]) == (1, 2)


def test_reused_results_take_the_current_first_seen() -> None:
    result = validate_operations(
        NEW,
        parse_sources(FILES),
        previous=baseline(),
        changed_coordinates=set(),
        deprecated_since={"Stack.tags": "2024-06-01T00:00:00Z"},
    )
    assert result.reused == 3
    assert result.by_name()["StackTags"].deprecations[0].first_seen == "2024-06-01T00:00:00Z"


def test_a_changed_operation_text_is_revalidated_even_when_untouched() -> None:
    files = [*FILES[:2], SourceFile("ops/users.graphql", "query Users { users { login } }")]
    result = validate_operations(OLD, parse_sources(files), previous=baseline(), changed_coordinates=set())
    assert (result.revalidated, result.reused) == (1, 2)
    assert not result.by_name()["Users"].reused


def test_a_type_level_change_touches_every_operation_using_the_type() -> None:
    removed = Change(ChangeType.TYPE_REMOVED, Criticality.BREAKING, "User", "User", "removed", "breaking")
    result = validate_operations(OLD, parse_sources(FILES), previous=baseline(), changed_coordinates={"User"})
    assert (result.revalidated, result.reused) == (1, 2)
    assert touched_coordinates([removed]) == {"User"}


def test_everything_key_and_missing_inputs_mean_full_validation() -> None:
    ops = parse_sources(FILES)
    previous = baseline()
    assert validate_operations(OLD, ops, previous=previous, changed_coordinates={"*"}).revalidated == 3
    assert validate_operations(OLD, ops, previous=previous).revalidated == 3  # no changed_coordinates
    assert validate_operations(OLD, ops, changed_coordinates=set()).revalidated == 3  # no previous
    assert (
        validate_operations(
            OLD, ops, previous=previous, changed_coordinates=set(), limits=Limits(max_depth=9)
        ).reused
        == 0
    )


def test_new_operations_are_validated() -> None:
    files = [*FILES, SourceFile("ops/more.graphql", "query More { users { id } }")]
    result = validate_operations(OLD, parse_sources(files), previous=baseline(), changed_coordinates=set())
    assert (result.revalidated, result.reused) == (1, 3)


def test_section_round_trip_keeps_everything_needed() -> None:
    previous = baseline()
    again = from_report_section(to_report_section(previous))
    assert again.operations == previous.operations
    assert again.problems == previous.problems
