"""What deprecation reasons say: removal dates and replacements, as tables."""

from __future__ import annotations

import pytest
from graphql import build_schema

from monitor.core.contracts import parse_removal_date, qualify_replacement, suggest_replacement


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("will be removed on 2026-01-01", "2026-01-01"),
        ("Will be removed on 2026-01-01.", "2026-01-01"),
        ("`isPrivate` will be removed. Use `visibility` instead. Removal on 2019-07-01 UTC.", "2019-07-01"),
        ("removal on 2026-01-01", "2026-01-01"),
        ("Removed after 2026/01/15", "2026-01-15"),
        ("Sunset: 2026-02-01", "2026-02-01"),
        ("sunset 2026-02-01T00:00:00Z", "2026-02-01"),
        ("Please migrate by 2026-01-01", "2026-01-01"),
        ("Will be removed on January 1, 2026", "2026-01-01"),
        ("Will be removed on Jan. 5th, 2026", "2026-01-05"),
        ("Will be removed on 1 March 2026", "2026-03-01"),
        ("Removal in March 2026", "2026-03-01"),
        ("Will be removed in 2026-Q1", "2026-01-01"),
        ("Will be removed in Q3 2026", "2026-07-01"),
        ("Will be removed in 2026.", "2026-01-01"),
        ("Will be removed by the end of 2026", "2026-12-31"),
        ("Will be removed by end of Q1 2026", "2026-03-31"),
        ("Supported until 2026-06", "2026-06-01"),
        ("Removed 31/12/2026", "2026-12-31"),
        ("Deprecated since 2024-05-01. Will be removed on 2026-02-01.", "2026-02-01"),
        # not removal dates
        ("Deprecated since 2024-05-01; use name", None),
        ("Deprecated on 2024-05-01, will be removed", None),
        ("Removed 03/04/2026", None),  # ambiguous day/month
        ("Will be removed on 2026-02-30", None),  # no such day
        ("No longer supported", None),
        ("This field may be removed in a future version", None),
        ("Introduced 2024-01-01; use labels", None),
        ("", None),
        (None, None),
    ],
)
def test_removal_date(reason: str | None, expected: str | None) -> None:
    assert parse_removal_date(reason) == expected


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("Use `Foo.bar`", "Foo.bar"),
        ("use fooBar instead", "fooBar"),
        ("Use fooBar.", "fooBar"),
        ("Use the new labels field instead", "labels"),
        ("Replaced by `Stack.labels`.", "Stack.labels"),
        ("Superseded by projectRoots", "projectRoots"),
        ("Deprecated in favor of 'newName'", "newName"),
        ("Prefer Query.node(id:).", "Query.node(id:)"),
        ("Migrate to `viewer`", "viewer"),
        ("use `@include` instead", "@include"),
        ("`x` will be removed. Use `y` instead. Removal on 2026-01-01 UTC.", "y"),
        ("Use of this field is discouraged", None),
        ("No longer supported", None),
        ("See https://example.com/changes", None),
        (None, None),
    ],
)
def test_replacement(reason: str | None, expected: str | None) -> None:
    assert suggest_replacement(reason) == expected


SCHEMA = build_schema(
    """
    type Query { stacks(first: Int, limit: Int): [Stack!]! }
    type Stack { tags: [String!]! labels: [String!]! }
    input Filter { label: String labels: [String!] }
    enum State { DISCARDED CANCELED }
    """
)


@pytest.mark.parametrize(
    ("replacement", "coordinate", "expected"),
    [
        ("labels", "Stack.tags", "Stack.labels"),
        ("labels", "Filter.label", "Filter.labels"),
        ("CANCELED", "State.DISCARDED", "State.CANCELED"),
        ("first", "Query.stacks(limit:)", "Query.stacks(first:)"),
        ("elsewhere", "Stack.tags", "elsewhere"),  # not in the schema: left as written
        ("Other.thing", "Stack.tags", "Other.thing"),  # already qualified
        ("labels", "Missing.tags", "labels"),
    ],
)
def test_replacement_is_qualified_when_the_schema_has_it(
    replacement: str, coordinate: str, expected: str
) -> None:
    assert qualify_replacement(replacement, coordinate, SCHEMA) == expected
