"""The dispatcher: public API, fingerprint skipping, order, identity."""

from __future__ import annotations

import importlib
from types import ModuleType

from graphql import build_schema

import monitor.core.diff as diff_package
from monitor.core.changes import sort_changes
from monitor.core.diff import diff_schemas
from monitor.core.schema import introspection_of, schema_from_introspection, type_fingerprints
from tests.core.diff.helpers import changes

OLD = """
type Query { user(id: ID!): User teams: [Team] }
type User { id: ID! name: String }
type Team { id: ID! size: Int }
enum Role { ADMIN USER }
"""
NEW = OLD.replace("name: String", "name: String!").replace("size: Int", "").replace("USER", "USER GUEST")


def test_public_names_are_exported() -> None:
    """``__all__`` is sorted, names exactly what the package's namespace offers (no public name left out,
    no stale entry), and each entry is the function its submodule defines."""
    assert sorted(diff_package.__all__) == diff_package.__all__
    offered = {
        name
        for name, value in vars(diff_package).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert offered == set(diff_package.__all__)
    star: dict[str, object] = {}
    exec("from monitor.core.diff import *", star)
    assert set(star) - {"__builtins__"} == set(diff_package.__all__)
    for name in diff_package.__all__:
        value = getattr(diff_package, name)
        assert callable(value), name
        home = importlib.import_module(value.__module__)
        assert home.__name__.startswith("monitor.core.diff."), name
        assert getattr(home, name) is value, name


def test_result_is_sorted_worst_first() -> None:
    found = changes(OLD, NEW)
    assert found == sort_changes(found)
    assert [c.criticality.value for c in found] == ["breaking", "dangerous", "safe"]


def test_identical_schemas_have_no_changes() -> None:
    assert changes(OLD, OLD) == []


def test_fingerprints_skip_unchanged_types_and_agree_with_a_full_walk() -> None:
    old_intro = introspection_of(build_schema(OLD))
    new_intro = introspection_of(build_schema(NEW))
    old_schema, new_schema = schema_from_introspection(old_intro), schema_from_introspection(new_intro)
    full = diff_schemas(old_schema, new_schema)
    skipped = diff_schemas(
        old_schema,
        new_schema,
        old_type_fingerprints=type_fingerprints(old_intro),
        new_type_fingerprints=type_fingerprints(new_intro),
    )
    assert skipped == full
    # equal fingerprints are trusted: a type claimed unchanged is not walked
    claimed = {"Team": "same", "User": "same", "Role": "same"}
    assert (
        diff_schemas(old_schema, new_schema, old_type_fingerprints=claimed, new_type_fingerprints=claimed)
        == []
    )
    # one map alone is not enough to skip anything
    assert diff_schemas(old_schema, new_schema, old_type_fingerprints=claimed) == full


def test_introspection_and_sdl_give_the_same_changes() -> None:
    old_schema = schema_from_introspection(introspection_of(build_schema(OLD)))
    new_schema = schema_from_introspection(introspection_of(build_schema(NEW)))
    assert diff_schemas(old_schema, new_schema) == changes(OLD, NEW)


def test_ids_hash_the_compared_values() -> None:
    """Acknowledgements and alert dedupe key on ids stored across gqlmon versions: an id depends on the
    change's type, path and compared values only, and its value is pinned."""
    found = {c.path: c for c in changes(OLD, NEW)}
    tightened = found["User.name"]
    assert (tightened.type.value, tightened.old, tightened.new) == ("FIELD_TYPE_CHANGED", "String", "String!")
    assert {path: c.id for path, c in found.items()} == {
        "User.name": "391ef00e875e46df",
        "Team.size": "431a5420301203b2",
        "Role.GUEST": "98ac787d23f4fc60",
    }
    # the same change between two other schemas (nothing else in common) keeps its id
    elsewhere = changes(
        "type Query { me: User } type User { name: String }",
        "type Query { me: User } type User { name: String! }",
    )
    assert [(c.path, c.id) for c in elsewhere] == [("User.name", tightened.id)]
    # another compared value, or another path, is another id
    other = changes(OLD, OLD.replace("name: String", "name: [String]"))[0]
    assert other.path == "User.name" and other.id != tightened.id
    moved = changes(OLD.replace("name", "title"), NEW.replace("name", "title"))
    assert {c.path: c.id for c in moved}["User.title"] != tightened.id


def test_introspection_carries_what_sdl_only_tools_miss() -> None:
    old = """
    type Query { find(by: By, at: Stamp, legacy: Int): Int }
    input By { id: ID email: String }
    scalar Stamp
    """
    new = '"""The API"""\nschema { query: Query }\n' + old.replace("input By", "input By @oneOf").replace(
        "scalar Stamp", 'scalar Stamp @specifiedBy(url: "https://example.com/stamp")'
    ).replace("legacy: Int", 'legacy: Int @deprecated(reason: "gone")').replace(
        "email: String", 'email: String @deprecated(reason: "use id")'
    )
    old_schema = schema_from_introspection(introspection_of(build_schema(old)))
    new_schema = schema_from_introspection(introspection_of(build_schema(new)))
    found = [(c.type.value, c.criticality.value, c.path) for c in diff_schemas(old_schema, new_schema)]
    assert found == [
        ("INPUT_ONE_OF_ADDED", "breaking", "By"),
        ("INPUT_FIELD_DEPRECATION_ADDED", "safe", "By.email"),
        ("FIELD_ARGUMENT_DEPRECATION_ADDED", "safe", "Query.find.legacy"),
        ("SCALAR_SPECIFIED_BY_URL_ADDED", "safe", "Stamp"),
        ("SCHEMA_DESCRIPTION_CHANGED", "safe", "schema"),
    ]
