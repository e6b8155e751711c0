"""Search quality on real public schemas (GitHub, Shopify Storefront, Shopify Customer Account).

The questions below are a handful of the *tuned* questions of ``bench/search_questions`` (the held-out ones are
never used here): a regression check that what an assistant asks keeps finding the field or mutation that
answers it, at the rank asserted. ``bench/bench_search.py`` measures the whole set against BM25.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from mcp.client.client import Client

from monitor.core.query import query_terms
from monitor.core.search import SchemaIndex, stem, words
from monitor.mcp import create_app
from monitor.settings.models import Settings
from tests import realschemas
from tests.mcp.conftest import call
from tests.mcp.schemagen import ENTITIES, generated_introspection, store_snapshot

pytestmark = pytest.mark.anyio

GITHUB = "github-14.0.0"
STOREFRONT = "shopify-storefront-2026.4"
CUSTOMER = "shopify-customer-account-2026.4"
QUESTIONS = Path(__file__).resolve().parents[2] / "bench" / "search_questions"

#: (schema, question, the coordinate that must come first): keywords, sentences and "do something" intents.
FIRST = (
    (GITHUB, "stargazer count", "Repository.stargazerCount"),
    (GITHUB, "close issue", "Mutation.closeIssue"),
    (GITHUB, "me", "Query.viewer"),
    (GITHUB, "When does my API rate limit reset?", "RateLimit.resetAt"),
    (GITHUB, "is the repository archived", "Repository.isArchived"),
    (GITHUB, "archive a repository", "Mutation.archiveRepository"),
    (GITHUB, "who merged the pull request", "PullRequest.mergedBy"),
    (GITHUB, "teams in an organization", "Organization.teams"),
    (GITHUB, "mark a discussion comment as the answer", "Mutation.markDiscussionCommentAsAnswer"),
    (STOREFRONT, "add item to cart", "Mutation.cartLinesAdd"),
    (STOREFRONT, "How do I change the quantity of a cart line?", "Mutation.cartLinesUpdate"),
    (STOREFRONT, "What is the total amount of the cart?", "CartCost.totalAmount"),
    (STOREFRONT, "Which countries does the shop ship to?", "Shop.shipsToCountries"),
    (STOREFRONT, "past orders of a customer", "Customer.orders"),
    (CUSTOMER, "cancel my subscription", "Mutation.subscriptionContractCancel"),
    (CUSTOMER, "When is the next billing date of a subscription?", "SubscriptionContract.nextBillingDate"),
    (CUSTOMER, "How much was refunded?", "Order.totalRefunded"),
    (CUSTOMER, "fulfillment status of an order", "Order.fulfillmentStatus"),
    (CUSTOMER, "get an order by id", "QueryRoot.order"),
    (CUSTOMER, "payment transactions of an order", "Order.transactions"),
)


@functools.cache
def index(schema: str) -> SchemaIndex:
    return SchemaIndex.build(realschemas.load(schema))


def rank(schema: str, question: str, coordinate: str) -> int | None:
    hits = index(schema).search(question, limit=10)
    return next((i + 1 for i, h in enumerate(hits) if coordinate in (h.coordinate, *h.also)), None)


def test_the_regression_questions_are_tuned_questions_of_the_benchmark() -> None:
    tuned = {
        (document["schema"], q["question"])
        for path in QUESTIONS.glob("*.json")
        for document in [json.loads(path.read_text(encoding="utf-8"))]
        for q in document["questions"]
        if q["split"] == "tuned"
    }
    assert {(schema, question) for schema, question, _ in FIRST} <= tuned


@pytest.mark.parametrize(("schema", "question", "coordinate"), FIRST)
def test_real_questions_find_their_answer_first(schema: str, question: str, coordinate: str) -> None:
    hits = index(schema).search(question, limit=5)
    assert rank(schema, question, coordinate) == 1, [h.coordinate for h in hits]


def test_words_split_case_and_stem() -> None:
    assert words("InvoiceLineItems") == words("invoice_line_items") == ("invoic", "line", "item")
    assert words("invoice") == words("invoices") == words("invoiced")
    assert words("APIKey") == ("api", "key")
    assert stem("deliveries") == stem("delivery")  # Snowball's English (Porter 2) stemmer
    assert stem("merged") == stem("merging") == stem("merge")
    assert stem("status") == stem("statuses")


def test_a_mutation_ranks_above_its_input_and_payload_types() -> None:
    coordinates = [h.coordinate for h in index(GITHUB).search("create issue", limit=10)]
    assert coordinates[0] == "Mutation.createIssue"
    for plumbing in ("CreateIssueInput", "CreateIssuePayload"):
        assert plumbing not in coordinates[:5]


def test_an_attribute_question_ranks_the_field_above_the_types_named_like_it() -> None:
    hits = index(CUSTOMER).search("customer email address", limit=5)
    assert hits[0].coordinate == "Customer.emailAddress"
    assert hits[0].kind == "field"


def test_question_words_are_not_matched_as_content() -> None:
    plain = query_terms("pull request review comments")
    assert query_terms("How do I list all the pull request review comments?") == plain
    assert query_terms("what did my pull request review comments say") == (plain[0] + ["say"], [])
    assert query_terms("me") == (["viewer", "current", "authent"], [])  # only about the asker: the viewer
    assert query_terms("How many stars?") == (["star"], ["count"])


def test_an_interface_field_and_its_implementations_fold_into_one_hit() -> None:
    hits = index(GITHUB).search("stargazer count", limit=10)
    folded = [h for h in hits if h.coordinate.endswith(".stargazerCount")]
    assert len(folded) == 1
    family = {folded[0].coordinate, *folded[0].also}
    assert {"Starrable.stargazerCount", "Repository.stargazerCount", "Gist.stargazerCount"} <= family
    assert folded[0].coordinate not in folded[0].also
    # The question names the type: its member stands for the family.
    named = index(GITHUB).search("stargazer count of a repository", limit=1)[0]
    assert named.coordinate == "Repository.stargazerCount" and "Starrable.stargazerCount" in named.also


def test_look_alike_members_of_one_type_do_not_fill_the_list() -> None:
    hits = index(GITHUB).search("members of an organization", limit=10)
    owners = [h.coordinate.split(".", 1)[0] for h in hits if "." in h.coordinate]
    assert max(owners.count(owner) for owner in set(owners)) <= 4
    assert "Organization.membersWithRole" in [h.coordinate for h in hits[:5]]


def test_paths_are_natural_not_through_node() -> None:
    github = index(GITHUB)
    assert github.path_to("Issue") == "Query.repository -> Repository.issue -> Issue"
    assert github.path_to("Team") == "Query.organization -> Organization.team -> Team"
    labels = next(h for h in github.search("labels on an issue", limit=3) if h.coordinate == "Issue.labels")
    assert labels.path == "Query.repository -> Repository.issue -> Issue.labels"
    assert "Query.node" not in (github.path_to("PullRequest") or "")


def test_connection_arguments_fold_in_hit_signatures() -> None:
    hit = next(
        h for h in index(GITHUB).search("labels on an issue", limit=3) if h.coordinate == "Issue.labels"
    )
    assert hit.signature.endswith("first/after/last/before): LabelConnection")
    assert "after: String" not in hit.signature


def test_every_entity_of_a_generated_schema_is_found_by_its_own_name_first() -> None:
    generated = SchemaIndex.build(generated_introspection(400))
    misses = []
    for name, _ in ENTITIES:
        spaced = " ".join(words(name))
        hits = generated.search(spaced, scope="types", limit=1)
        if not hits or hits[0].coordinate != name:
            misses.append((spaced, hits[0].coordinate if hits else None))
    assert misses == []


async def test_search_schema_over_mcp_on_the_large_schema(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    snapshot = store_snapshot(state, "big", generated_introspection(400))
    settings = Settings(state=state, targets=[{"name": "big", "url": "http://127.0.0.1:9/graphql"}])
    app = create_app(settings)
    try:
        async with Client(app.server) as client:
            answer = await call(client, "search_schema", target="big", query="webhook deliveries", limit=3)
            assert answer["snapshot"] == snapshot
            assert "WebhookDelivery" in [h["coordinate"] for h in answer["hits"]]
            hit = next(h for h in answer["hits"] if h["coordinate"] == "WebhookDelivery")
            assert hit["path"] == "Query.webhookDeliverys -> WebhookDelivery"  # edges/node implied
            fields = await call(client, "search_schema", target="big", query="legacy code", scope="fields")
            assert fields["hits"][0]["deprecated"] is True
            assert fields["hits"][0]["deprecation_reason"] == "Use `code` instead."
            summary = await call(client, "get_schema", target="big")
            assert summary["truncated"] is True and summary["type_count"] >= 400
            sdl = await call(client, "get_schema", target="big", format="sdl")
            assert sdl["truncated"] is True and "offset=" in sdl["note"]
            for answer in (summary, sdl):  # the default budget: about 20k characters of JSON
                assert 15_000 < len(json.dumps(answer, separators=(",", ":"))) <= 20_000
    finally:
        app.catalog.close()


def test_an_exact_coordinate_comes_first_once() -> None:
    customer = index(CUSTOMER)
    for query, first in (
        ("Order", "Order"),
        ("QueryRoot.order", "QueryRoot.order"),
        ("Order.id", "Order.id"),
    ):
        coordinates = [h.coordinate for h in customer.search(query, limit=10)]
        assert coordinates[0] == first
        assert len(coordinates) == len(set(coordinates)), coordinates


def test_odd_queries_and_schemas_answer_without_failing() -> None:
    customer = index(CUSTOMER)
    for query in ("", "   ", "?!", "x" * 600):
        assert customer.search(query) == []
    assert customer.search("order", limit=0) == []
    assert all(h.kind == "mutation" for h in customer.search("cancel", scope="mutations"))
    rootless = SchemaIndex.build(
        {
            "__schema": {
                "queryType": None,
                "types": [
                    {
                        "kind": "OBJECT",
                        "name": "A",
                        "fields": [{"name": "b", "type": {"kind": "SCALAR", "name": "String"}, "args": []}],
                    }
                ],
            }
        }
    )
    assert [(h.coordinate, h.path) for h in rootless.search("b")] == [("A.b", None)]
    assert SchemaIndex.build({}).search("anything") == []
