"""Search quality on a large generated schema: what an assistant would type finds the type it means."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp.client.client import Client

from monitor.core.search import SchemaIndex, stem, words
from monitor.mcp import create_app
from monitor.settings import Settings
from tests.mcp.conftest import call
from tests.mcp.schemagen import ENTITIES, generated_introspection, store_snapshot

pytestmark = pytest.mark.anyio

#: (what an assistant types, the type it means): names, plurals, snake_case, camelCase, description words.
NAMED_QUERIES = (
    ("invoice line item", "InvoiceLineItem"),
    ("invoice line items", "InvoiceLineItem"),
    ("invoice_line_item", "InvoiceLineItem"),
    ("paymentMethods", "PaymentMethod"),
    ("payment method", "PaymentMethod"),
    ("audit log", "AuditLogEntry"),
    ("who changed what", "AuditLogEntry"),
    ("feature flags", "FeatureFlag"),
    ("turn a feature on for some users", "FeatureFlag"),
    ("self-hosted workers", "WorkerPool"),
    ("webhook deliveries", "WebhookDelivery"),
    ("post an event to a customer endpoint", "WebhookDelivery"),
    ("shipping address", "ShippingAddress"),
    ("postal code", "ShippingAddress"),
    ("subscription plans", "SubscriptionPlan"),
    ("recurring price", "SubscriptionPlan"),
    ("api_key", "ApiKey"),
    ("refunds", "Refund"),
    ("money returned to a customer", "Refund"),
    ("tax rates", "TaxRate"),
    ("discount code", "Coupon"),
    ("pull requests", "PullRequest"),
    ("review comments", "CodeReviewComment"),
    ("on call schedule", "OnCallSchedule"),
    ("who is paged", "OnCallSchedule"),
    ("tls certificate expiry", "Certificate"),
    ("database backups", "DatabaseBackup"),
    ("restore a database", "DatabaseBackup"),
    ("A/B test", "Experiment"),
    ("stock in a warehouse", "InventoryItem"),
    ("restock from a supplier", "PurchaseOrder"),
    ("tracking number", "Shipment"),
    ("gift cards", "GiftCard"),
    ("support tickets", "SupportTicket"),
    ("outage", "Incident"),
)


@pytest.fixture(scope="module")
def index() -> SchemaIndex:
    return SchemaIndex.build(generated_introspection(400))


def test_the_fixture_schema_is_large_and_described() -> None:
    intro = generated_introspection(400)
    types = [t for t in intro["__schema"]["types"] if not t["name"].startswith("__")]
    assert len(types) >= 400
    objects = [t for t in types if t["kind"] == "OBJECT" and t["name"] not in {"Query", "Mutation"}]
    assert all(t["description"] for t in objects)


def test_words_split_case_and_stem() -> None:
    assert words("InvoiceLineItems") == words("invoice_line_items") == ("invoic", "line", "item")
    assert words("invoice") == words("invoices") == words("invoiced")
    assert words("APIKey") == ("api", "key")
    assert (stem("deliveries"), stem("addresses"), stem("running"), stem("changed")) == (
        "delivery",
        "address",
        "run",
        "chang",
    )
    assert stem("status") == stem("statuses") == "status"
    assert stem("change") == stem("changes") == stem("changing") == "chang"


@pytest.mark.parametrize(("query", "expected"), NAMED_QUERIES)
def test_named_queries_find_the_type_in_the_top_3(index: SchemaIndex, query: str, expected: str) -> None:
    hits = index.search(query, scope="types", limit=3)
    assert expected in [h.coordinate for h in hits], (query, [(h.coordinate, h.score) for h in hits])
    everything = index.search(query, limit=10)
    assert any(h.coordinate == expected or h.coordinate.startswith(f"{expected}.") for h in everything[:5])


def test_every_entity_is_found_by_its_own_name_first(index: SchemaIndex) -> None:
    misses = []
    for name, _ in ENTITIES:
        spaced = " ".join(words(name))
        hits = index.search(spaced, scope="types", limit=1)
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
            steps = ["Query.webhookDeliverys", "WebhookDeliveryConnection.edges", "WebhookDeliveryEdge.node"]
            assert hit["path"] == " -> ".join([*steps, "WebhookDelivery"])
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
