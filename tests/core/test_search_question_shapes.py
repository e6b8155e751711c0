"""A question word says what kind of answer it wants: "where" asks for a place (an address, a location, a
country), unless it asks where in the API to find something."""

from __future__ import annotations

import pytest
from graphql import build_schema, introspection_from_schema

from monitor.core.query import asked_element, asked_shape, field_shapes, intent_of, query_terms
from monitor.core.search import SchemaIndex


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("where is the order shipped", "place"),
        ("Where can I pick up my order?", "place"),
        ("where do I find the tracking url", None),
        ("Where can I see a list of orders?", None),
        ("when was the order shipped", "time"),
        ("shipping address", None),
    ],
)
def test_the_question_word_names_the_kind_of_answer(question: str, shape: str | None) -> None:
    assert asked_shape(question) == shape


@pytest.mark.parametrize(
    ("field", "returns", "is_place"),
    [
        ("shippingAddress", "MailingAddress", True),
        ("destination", "Address", True),
        ("pickupLocation", "Location", True),
        ("countryCode", "CountryCode", True),
        ("shippingMethod", "String", False),
        ("shippedAt", "DateTime", False),
    ],
)
def test_a_field_gives_a_place_by_its_name_or_type(field: str, returns: str, is_place: bool) -> None:
    assert ("place" in field_shapes(field, returns)) is is_place


SHOP = """
type Query { order(id: ID!): Order }
type Order {
  "The carrier that ships the order."
  shippingCarrier: String
  "Where the order is shipped to."
  shippingDestination: Address
  "The shipping method chosen at checkout."
  shippingMethod: String
}
type Address { city: String country: String }
"""


def test_where_ranks_the_field_that_gives_a_place_first() -> None:
    index = SchemaIndex.build({"__schema": introspection_from_schema(build_schema(SHOP))["__schema"]})
    hits = [hit.coordinate for hit in index.search("where is the order shipped", limit=3)]
    assert hits[0] == "Order.shippingDestination"


@pytest.mark.parametrize(
    ("question", "element", "terms"),
    [
        ("which field tells me whether a task is closed", "field", ["task", "close"]),
        ("What mutation closes a task?", "mutation", ["close", "task"]),
        ("query to fetch a project by name", "query", ["project", "name"]),
        ("what type represents a board", "type", ["board"]),
        ("is there an API to close a task", None, ["close", "task"]),
        ("type of a task", None, ["type", "task"]),  # a task's type, not a type
        ("search query syntax", None, ["search", "queri", "syntax"]),
        # Contractions and possessives leave no word behind ("what's", "task's"), nor do fillers.
        ("what's the best way to retrieve a task's title", None, ["task", "titl"]),
    ],
)
def test_a_question_may_name_the_kind_of_element_it_wants(
    question: str, element: str | None, terms: list[str]
) -> None:
    assert asked_element(question) == element
    assert query_terms(question)[0] == terms


TRACKER = """
type Query { project(name: String!): Project boards: [Board!]! }
type Project { name: String! tasks: [Task!]! board: Board }
"A board of tasks."
type Board { name: String! "The board's tasks." tasks: [Task!]! }
"A task on a board."
type Task { title: String! closed: Boolean! board: Board }
type Mutation { "Close a task." closeTask(id: ID!): Task "Reopen a closed board." reopenBoard(id: ID!): Board }
"""


def test_the_kind_of_element_named_comes_first() -> None:
    index = SchemaIndex.build({"__schema": introspection_from_schema(build_schema(TRACKER))["__schema"]})

    def first(query: str) -> str:
        return index.search(query, limit=1)[0].coordinate

    assert first("what type represents a board") == "Board"
    assert first("what mutation closes a task") == "Mutation.closeTask"
    assert first("field for closed tasks") == "Task.closed"


@pytest.mark.parametrize(
    ("question", "intent", "shape"),
    [
        ("show the discounts applied to a cart", "attribute", None),
        ("How do I list the labels of a repository?", "attribute", None),
        ("how do I know if a pull request can be merged", "attribute", "yes/no"),
        ("find out whether a repository is archived", "attribute", "yes/no"),
        ("close a task", "action", None),
        ("how do I change the title of a task", "action", None),
    ],
)
def test_a_request_to_read_is_no_action(question: str, intent: str, shape: str | None) -> None:
    assert intent_of(question, frozenset({"close"})) == intent
    assert asked_shape(question) == shape


def test_reading_ranks_the_field_above_the_mutation_named_alike() -> None:
    index = SchemaIndex.build({"__schema": introspection_from_schema(build_schema(TRACKER))["__schema"]})
    assert index.search("show the closed tasks", limit=1)[0].coordinate == "Task.closed"
