"""What the schema tools print: whole schemas in chunks that parse back, descriptions intact."""

from __future__ import annotations

from graphql import build_schema

from monitor.core.sdl import deprecated_members, neighbourhood, schema_chunks

SDL = '''
"""The API's own description, quoting \\""" on purpose."""
schema { query: Root }

"""Something to read."""
type Root {
  item(id: ID!, legacy: Boolean @deprecated(reason: "Ignored.")): Item
}

type Item {
  id: ID!
  tags: [String!]! @deprecated(reason: "Use labels.")
  labels: [String!]!
  kind: Kind
}

enum Kind { A B @deprecated }
'''


def test_chunks_of_a_schema_parse_back_with_its_description() -> None:
    schema = build_schema(SDL)
    chunks = schema_chunks(schema)
    assert [c.name for c in chunks] == ["schema", "Item", "Kind", "Root"]
    rebuilt = build_schema("\n\n".join(c.sdl for c in chunks))
    assert rebuilt.description == schema.description == 'The API\'s own description, quoting """ on purpose.'
    assert rebuilt.query_type is not None and rebuilt.query_type.name == "Root"


def test_neighbourhood_and_deprecated_members() -> None:
    schema = build_schema(SDL)
    assert neighbourhood(schema, "Root", 1) == ["Root"]
    assert neighbourhood(schema, "Root", 3) == ["Root", "Item", "Kind"]
    assert deprecated_members(schema.type_map["Root"]) == ["Root.item(legacy:)"]
    assert deprecated_members(schema.type_map["Item"]) == ["Item.tags"]
    assert deprecated_members(schema.type_map["Kind"]) == ["Kind.B"]
