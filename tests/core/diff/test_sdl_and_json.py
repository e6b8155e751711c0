"""One schema in two formats is no change: whitespace in texts, and the built-ins an SDL leaves to graphql-core.

GitHub publishes each version as SDL and as introspection JSON. Diffing the two used to report 3 dangerous
changes (graphql-core's own ``@oneOf``, ``@specifiedBy`` and ``@deprecated`` against GitHub's) and 238
description changes that differ only in whitespace.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from graphql import parse

from monitor.adapters.schema_sources import load_schema_text, repeated_members
from monitor.core.diff.directives import unstated_directives
from monitor.core.schema import introspection_of
from tests import realschemas
from tests.core.diff.helpers import assert_json_diff_agrees, changes, rows

OLD = '''
"""The API."""
schema { query: Query }
"""Root"""
type Query {
  """Look up a user by id."""
  user("""The id, as returned by `User.id`.""" id: ID!): User
  old: Int @deprecated(reason: "Use `user`. Removal on 2026-01-01.")
}
"""A person."""
type User { """Full name.""" name: String }
"""State"""
enum State { """Open and waiting.""" OPEN CLOSED }
"""Filter"""
input Filter { """Only these.""" state: State }
"""Cap"""
directive @limit("""Most""" max: Int) on FIELD
'''

# The same texts re-wrapped, indented, with trailing spaces and line breaks: no change.
WHITESPACE = (
    OLD.replace('"""Look up a user by id."""', '"""\n  Look up a user\n  by id.  \n  """')
    .replace('"""The id, as returned by `User.id`."""', '"""The id,   as returned by `User.id`.\n"""')
    .replace('"Use `user`. Removal on 2026-01-01."', '"Use `user`.  Removal on 2026-01-01. "')
    .replace('"""A person."""', '"""A person. """')
    .replace('"""Full name."""', '"""\nFull\nname.\n"""')
    .replace('"""Open and waiting."""', '"""Open and\twaiting."""')
    .replace('"""Only these."""', '""" Only these."""')
    .replace('"""Cap"""', '"""Cap\n"""')
    .replace('"""Most"""', '"""  Most"""')
    .replace('"""The API."""', '"""The\nAPI."""')
    .replace('"""Root"""', '"""Root   """')
)


def test_descriptions_and_reasons_that_differ_only_in_whitespace_are_no_change() -> None:
    assert OLD != WHITESPACE
    assert rows(OLD, WHITESPACE) == []  # the JSON diff agrees (helpers.changes checks it)
    assert rows(OLD, WHITESPACE, sdl=True) == []


def test_a_real_edit_among_whitespace_edits_is_still_reported_with_the_texts_as_written() -> None:
    edited = WHITESPACE.replace("Full\nname.", "Full legal\nname.")
    (change,) = changes(OLD, edited)
    assert (change.type.value, change.path) == ("FIELD_DESCRIPTION_CHANGED", "User.name")
    assert (change.old, change.new) == ("Full name.", "Full legal\nname.")


def test_a_blank_description_is_no_description() -> None:
    assert rows("type Query { a: Int }", 'type Query { """ """ a: Int }') == []


BUILTINS_AS_GITHUB_SERVES_THEM: list[dict[str, Any]] = [
    {
        "name": "deprecated",
        "description": "Marks an element of a GraphQL schema as no longer supported.",
        "locations": ["FIELD_DEFINITION", "ENUM_VALUE", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION"],
        "args": [
            {
                "name": "reason",
                "description": "Explains why this element was deprecated. Formatted in Markdown.",
                "type": {"kind": "SCALAR", "name": "String", "ofType": None},
                "defaultValue": '"No longer supported"',
                "isDeprecated": False,
                "deprecationReason": None,
            }
        ],
        "isRepeatable": False,
    },
    *(
        {
            "name": name,
            "description": f"Directs the executor to {name} this field or fragment when the `if` argument is true.",
            "locations": ["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
            "args": [
                {
                    "name": "if",
                    "description": f"{name.title()} when true.",
                    "type": {
                        "kind": "NON_NULL",
                        "name": None,
                        "ofType": {"kind": "SCALAR", "name": "Boolean"},
                    },
                    "defaultValue": None,
                    "isDeprecated": False,
                    "deprecationReason": None,
                }
            ],
            "isRepeatable": False,
        }
        for name in ("include", "skip")
    ),
]


def _served(sdl: str) -> dict[str, Any]:
    """What a server built on an older library answers for ``sdl``: its own built-in directives, no @oneOf."""
    intro = introspection_of(load_schema_text(sdl, source="served").schema)
    custom = [d for d in intro["__schema"]["directives"] if d["name"] not in _BUILTIN_NAMES]
    return {"__schema": {**intro["__schema"], "directives": custom + BUILTINS_AS_GITHUB_SERVES_THEM}}


_BUILTIN_NAMES = {"deprecated", "include", "skip", "specifiedBy", "oneOf"}


def test_the_built_ins_an_sdl_does_not_define_are_not_compared_with_a_servers() -> None:
    loaded = load_schema_text(OLD, source="schema.graphql")
    served = _served(OLD)

    assert loaded.unstated_directives == frozenset(_BUILTIN_NAMES)
    # Without the knowledge, graphql-core's definitions show as drift (what `gqlmon diff` used to print):
    drift = assert_json_diff_agrees(loaded.introspection, served)
    assert {(c.type.value, c.criticality.value, c.path) for c in drift if c.criticality.value != "safe"} == {
        ("DIRECTIVE_REMOVED", "dangerous", "@oneOf"),
        ("DIRECTIVE_REMOVED", "dangerous", "@specifiedBy"),
        ("DIRECTIVE_LOCATION_REMOVED", "dangerous", "@deprecated"),
    }
    # With it, both the JSON diff and the full build find nothing, in both directions.
    unstated = loaded.unstated_directives
    assert assert_json_diff_agrees(loaded.introspection, served, unstated_directives=unstated) == []
    assert assert_json_diff_agrees(served, loaded.introspection, unstated_directives=unstated) == []


def test_a_built_in_the_sdl_defines_and_custom_directives_are_still_compared() -> None:
    own = OLD + 'directive @deprecated(reason: String = "gone") on FIELD_DEFINITION | ENUM_VALUE\n'
    loaded = load_schema_text(own, source="schema.graphql")
    assert loaded.unstated_directives == frozenset({"include", "skip", "specifiedBy", "oneOf"})
    assert unstated_directives(parse("type Query { a: Int }")) == frozenset(_BUILTIN_NAMES)

    served = _served(OLD.replace("on FIELD", "on FIELD | FRAGMENT_SPREAD"))
    found = assert_json_diff_agrees(
        loaded.introspection, served, unstated_directives=loaded.unstated_directives
    )
    assert {(c.type.value, c.path) for c in found} >= {
        ("DIRECTIVE_LOCATION_ADDED", "@limit"),  # a custom directive
        ("DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED", "@deprecated.reason"),  # stated on both sides
    }


def test_an_sdl_that_defines_a_field_twice_loads_and_diffs_with_the_last_definition() -> None:
    # Some published SDL repeats a field (graphql-core's SDL validation refuses it); the diff still runs.
    twice = load_schema_text("type Query { a: Int a: String }", source="twice.graphql")
    once = load_schema_text("type Query { a: String }", source="once.graphql")
    assert assert_json_diff_agrees(twice.introspection, once.introspection) == []


def test_github_sdl_and_json_of_one_version_agree_in_both_diff_paths() -> None:
    sdl = load_schema_text(realschemas.sdl("github-14.0.0"), source="schema.graphql")
    served = realschemas.load("github-14.0.0")
    unstated = sdl.unstated_directives
    assert assert_json_diff_agrees(sdl.introspection, served, unstated_directives=unstated) == []
    assert len(assert_json_diff_agrees(sdl.introspection, served)) > 3  # what the two fixes remove


def test_a_repeated_field_is_named_once_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    sdl = "type Query { a: Int a: String b: Int }\nenum E { X X }\nextend type Query { b: Int }"
    assert repeated_members(parse(sdl)) == ["E.X", "Query.a", "Query.b"]
    with caplog.at_level(logging.WARNING, logger="monitor.adapters.schema_sources"):
        load_schema_text(sdl, source="twice.graphql")
    assert [r.getMessage() for r in caplog.records] == [
        "twice.graphql defines E.X, Query.a, Query.b more than once; the last definition counts"
    ]
    assert repeated_members(parse(realschemas.sdl("github-14.0.0"))) == []
