"""Search finds what a schema names in other words than the question: general-English equivalents, the name
words a schema's own descriptions use for a word, what a mutation's input says of it; and among same-named
fields, the one on the type the rest of the schema refers to."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, introspection_from_schema

from monitor.core.associations import name_associations
from monitor.core.query import EQUIVALENTS, owner_phrase, stem
from monitor.core.schema_graph import referrers
from monitor.core.search import SchemaIndex


def introspect(sdl: str) -> dict[str, Any]:
    return {"__schema": introspection_from_schema(build_schema(sdl))["__schema"]}


def coordinates(index: SchemaIndex, query: str) -> list[str]:
    return [hit.coordinate for hit in index.search(query, limit=5)]


TRACKER = """
type Query { project(name: String!): Project }
type Project { name: String! tasks: [Task!]! boards: [Board!]! }
type Board { name: String! }
type Task {
  title: String!
  "The Git object ID this task was fixed by."
  oid: String
  "The commit SHA of the fix."
  fixOid: String
}
type Mutation {
  "Close a task."
  closeTask(taskId: ID!): Task
  "Delete a task."
  deleteTask(taskId: ID!): Task
  "Transfer a task to another project."
  transferTask(input: TransferTaskInput!): Task
  "Pin a board."
  pinBoard(boardId: ID!): Board
  "Add a mark to a task."
  addMark(input: AddMarkInput!): Task
}
input TransferTaskInput { taskId: ID! projectName: String! }
input AddMarkInput {
  taskId: ID!
  "The emoji to mark the task with."
  content: String!
}
"""


def test_equivalents_are_general_english_in_both_directions() -> None:
    assert stem("transfer") in EQUIVALENTS[stem("move")]
    assert stem("move") in EQUIVALENTS[stem("transfer")]
    assert stem("request") in EQUIVALENTS[stem("ask")]
    assert all(stem(word) not in EQUIVALENTS[stem(word)] for word in ("create", "delete", "update"))


def test_a_mutation_named_with_an_equivalent_of_the_query_verb_is_found() -> None:
    index = SchemaIndex.build(introspect(TRACKER))
    assert coordinates(index, "move a task")[0] == "Mutation.transferTask"


def test_a_mutation_is_found_by_what_its_input_fields_say() -> None:
    index = SchemaIndex.build(introspect(TRACKER))
    # "emoji" is in no name and in no mutation's own description: only in ``AddMarkInput.content``'s.
    assert "Mutation.addMark" in coordinates(index, "react with an emoji")[:2]


def test_name_associations_are_learnt_from_descriptions() -> None:
    elements = [
        (("oid",), ("git", "object", "id")),
        (("fix", "oid"), ("commit", "sha", "fix")),
        (("oid",), ("commit", "sha", "target")),
        (("title",), ("task", "titl")),
        (("name",), ("board", "name")),
        (("name",), ("project", "name")),
        (("name",), ("person", "name")),
        (("name",), ("team", "name")),
        *((("label",), (f"color{i}",)) for i in range(8)),
    ]
    found = dict(name_associations(elements).get("sha", ()))
    assert set(found) == {"oid"}  # seen twice with ``oid``; ``fix`` once only
    assert found["oid"] == 1.0
    assert "name" not in name_associations(elements)  # a word the name has is not paired with it


def test_an_association_seen_once_or_by_chance_is_dropped() -> None:
    once = [(("oid",), ("sha",)), *((("label",), (f"color{i}",)) for i in range(20))]
    assert name_associations(once) == {}
    # "thing" goes with ``name`` everywhere ``name`` is: no more often than chance, so it tells nothing.
    common = [(("name",), ("thing",)), (("name",), ("thing",)), (("id",), ("thing",)), (("id",), ("thing",))]
    assert name_associations(common) == {}


CATALOGUE = """
type Query { shop: Shop }
type Shop { products: [Product!]! featured: Product entries: [ArchiveEntry!]! history: History }
type Product { title: String! starCount: Int! variants: [Variant!]! }
type Variant { title: String! product: Product! }
type ArchiveEntry { starCount: Int! }
type History { entries: [Entry!]! }
interface Entry { note: String }
type Note implements Entry { note: String }
type Fix implements Entry { note: String }
type Change { note: Note fix: Fix }
"""


def test_referrers_count_types_not_fields_and_interfaces_once() -> None:
    counts = referrers(introspect(CATALOGUE)["__schema"]["types"])
    assert counts["Product"] == 2  # Shop (two fields, one type) and Variant
    assert counts["ArchiveEntry"] == 1
    assert counts["Entry"] == 1 and counts["Note"] == 1
    assert "Query" not in counts


def test_among_same_named_fields_the_central_types_comes_first() -> None:
    index = SchemaIndex.build(introspect(CATALOGUE))
    # Both one step from ``Shop``; more types refer to ``Product`` than to ``ArchiveEntry``.
    assert coordinates(index, "star count")[:2] == ["Product.starCount", "ArchiveEntry.starCount"]


@pytest.mark.parametrize(
    ("query", "owner"),
    [
        ("members of an organization", {"organization"}),
        ("How many stars does a repository have?", {"repository"}),
        ("the repository's stars", {"repository"}),
        ("pull request's reviewers", {"pull", "request"}),
        ("update the customer's first and last name", {"customer"}),
        ("who merged the pull request?", {"pull", "request"}),
        ("which user opened the issue", {"issue"}),
        ("When was my order placed?", {"order"}),
        ("is the repository archived", {"repository"}),
        ("has my package been delivered", {"package"}),
        ("who am I", set()),
        ("stargazer count", set()),
    ],
)
def test_the_holder_a_question_names_in_english(query: str, owner: set[str]) -> None:
    assert owner_phrase(query) == {stem(word) for word in owner}
