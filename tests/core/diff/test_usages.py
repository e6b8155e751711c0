from __future__ import annotations

from tests.core.diff.helpers import changes, rows

OLD = """
directive @auth(role: String) on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION | ENUM_VALUE | SCHEMA
directive @tag(name: String!) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION | ARGUMENT_DEFINITION
schema @auth(role: "any") { query: Query }
type Query @auth(role: "user") {
  user(id: ID @tag(name: "id")): User
  secret: String @auth(role: "admin") @tag(name: "a") @tag(name: "b")
}
type User { id: ID name: String @deprecated }
input In { a: Int @tag(name: "x") }
enum E { A @auth(role: "x") }
"""


def test_usages_are_ignored_without_sdl() -> None:
    new = OLD.replace('@auth(role: "admin")', '@auth(role: "root")')
    assert rows(OLD, new) == []


def test_argument_changed_on_field_object_schema() -> None:
    new = OLD.replace('"admin"', '"root"').replace('Query @auth(role: "user")', "Query @auth")
    new = new.replace('schema @auth(role: "any")', "schema")
    found = changes(OLD, new, sdl=True)
    assert [(c.type.value, c.criticality.value, c.path, c.coordinate) for c in found] == [
        ("DIRECTIVE_USAGE_ARGUMENT_CHANGED", "dangerous", "Query.@auth.role", "Query"),
        ("DIRECTIVE_USAGE_ARGUMENT_CHANGED", "dangerous", "Query.secret.@auth.role", "Query.secret"),
        ("DIRECTIVE_USAGE_REMOVED", "dangerous", "schema.@auth", "schema"),
    ]
    expected = [('"user"', None), ('"admin"', '"root"'), ('@auth(role: "any")', None)]
    assert [(c.old, c.new) for c in found] == expected


def test_repeatable_usages_compare_as_multisets() -> None:
    new = OLD.replace('@tag(name: "a") @tag(name: "b")', '@tag(name: "b") @tag(name: "c")')
    assert rows(OLD, new, sdl=True) == [
        ("DIRECTIVE_USAGE_ADDED", "dangerous", "Query.secret.@tag", "Query.secret"),
        ("DIRECTIVE_USAGE_REMOVED", "dangerous", "Query.secret.@tag", "Query.secret"),
    ]
    assert (
        rows(OLD, OLD.replace('@tag(name: "a") @tag(name: "b")', '@tag(name: "b") @tag(name: "a")'), sdl=True)
        == []
    )


def test_arguments_input_fields_enum_values_and_extensions() -> None:
    new = (
        OLD.replace('@tag(name: "id")', "")
        .replace('@tag(name: "x")', '@tag(name: "y")')
        .replace('A @auth(role: "x")', "A")
    )
    new += 'extend type User @auth(role: "owner")\n'
    assert rows(OLD, new, sdl=True) == [
        ("DIRECTIVE_USAGE_REMOVED", "dangerous", "E.A.@auth", "E.A"),
        ("DIRECTIVE_USAGE_ARGUMENT_CHANGED", "dangerous", "In.a.@tag.name", "In.a"),
        ("DIRECTIVE_USAGE_REMOVED", "dangerous", "Query.user.id.@tag", "Query.user(id:)"),
        ("DIRECTIVE_USAGE_ADDED", "dangerous", "User.@auth", "User"),
    ]


def test_builtin_directives_and_new_elements_are_left_to_their_own_changes() -> None:
    new = OLD.replace("name: String @deprecated", "name: String").replace(
        "type User {", 'type User { email: String @auth(role: "me")'
    )
    assert rows(OLD, new, sdl=True) == [
        ("FIELD_ADDED", "safe", "User.email", "User.email"),
        ("FIELD_DEPRECATION_REMOVED", "safe", "User.name", "User.name"),
    ]
