"""Reachability and input/output usage from the root types."""

from __future__ import annotations

from graphql import build_schema

from monitor.core.usage import Usage, combine_usage, describe_usage, schema_usage

SDL = """
type Query { search(filter: Filter, order: Order): [Result] node: Node }
type Mutation { save(input: SaveInput): Status }
union Result = Post | Page
type Post implements Node { id: ID! status: Status author: Author }
type Page { id: ID! }
interface Node { id: ID! }
type Hidden implements Node { id: ID! secret: Secret }
type Author { name: String }
input Filter { status: Status tags: [Tag!] }
input SaveInput { title: String }
enum Order { ASC DESC }
enum Status { DRAFT LIVE }
enum Tag { A B }
enum Secret { X }
type Orphan { id: ID orphanArg(x: OrphanInput): Int }
input OrphanInput { x: Int }
directive @cache(scope: Scope) on FIELD
directive @key(fields: KeyFields) on OBJECT
enum Scope { PUBLIC }
scalar KeyFields
"""


def test_usage_from_roots() -> None:
    usage = schema_usage(build_schema(SDL))
    assert usage["Query"] is Usage.OUTPUT
    assert usage["Mutation"] is Usage.OUTPUT
    assert usage["Order"] is Usage.INPUT
    assert usage["Tag"] is Usage.INPUT
    assert usage["SaveInput"] is Usage.INPUT
    assert usage["Status"] is Usage.BOTH
    assert usage["Post"] is Usage.OUTPUT and usage["Page"] is Usage.OUTPUT
    assert usage["Author"] is Usage.OUTPUT


def test_interface_implementations_are_reachable() -> None:
    usage = schema_usage(build_schema(SDL))
    assert usage["Hidden"] is Usage.OUTPUT
    assert usage["Secret"] is Usage.OUTPUT


def test_unreachable_types_are_absent() -> None:
    usage = schema_usage(build_schema(SDL))
    assert "Orphan" not in usage
    assert "OrphanInput" not in usage


def test_executable_directive_arguments_are_input() -> None:
    usage = schema_usage(build_schema(SDL))
    assert usage["Scope"] is Usage.INPUT
    assert "KeyFields" not in usage


def test_object_reaches_its_interfaces() -> None:
    usage = schema_usage(
        build_schema("type Query { a: A }\ninterface I { x: Int }\ntype A implements I { x: Int }")
    )
    assert usage["I"] is Usage.OUTPUT


def test_combine_and_describe() -> None:
    assert combine_usage(Usage.INPUT, Usage.INPUT) is Usage.INPUT
    assert combine_usage(Usage.INPUT, Usage.OUTPUT) is Usage.BOTH
    assert combine_usage(Usage.UNREACHABLE, Usage.OUTPUT) is Usage.OUTPUT
    assert combine_usage(Usage.UNREACHABLE, Usage.UNREACHABLE) is Usage.UNREACHABLE
    assert describe_usage("enum", "Foo", Usage.INPUT) == "enum Foo is only used as input"
    assert describe_usage("enum", "Foo", Usage.UNREACHABLE) == "enum Foo is not reachable from any root type"


def test_usage_from_introspection_json_equals_usage_from_the_schema() -> None:
    from monitor.core.schema import introspection_of
    from monitor.core.usage import introspection_usage

    sdl = (
        SDL
        + "interface Named implements Node { id: ID! name: String }"
        + " type Tagged implements Named & Node { id: ID! name: String }"
    )
    schema = build_schema(sdl)
    usage = introspection_usage(introspection_of(schema))
    assert usage == schema_usage(schema)
    assert usage["Tagged"] is Usage.OUTPUT  # reached through Node's implementations (interface chain)
    assert usage["Scope"] is Usage.INPUT and "KeyFields" not in usage
