"""A large, realistic GraphQL schema for search and benchmark tests, generated deterministically.

Every entity becomes an object type with a description, scalar fields, references to other entities and a
status enum, plus the types a connection-style API adds around it (``XConnection``, ``XEdge``, ``XFilter``,
``CreateXInput``), a plural query field and a create mutation. :data:`ENTITIES` are hand-written (what search
tests name); :func:`generated_sdl` adds synthetic entities (``<area><Thing>``) until the schema has the
requested number of types.
"""

from __future__ import annotations

import random
from typing import Any

from graphql import build_schema, introspection_from_schema

#: Hand-written entities: (name, description).
ENTITIES: tuple[tuple[str, str], ...] = (
    ("Invoice", "A bill sent to a customer for goods or services, with its due date and total."),
    ("InvoiceLineItem", "One priced line of an invoice: a product, a quantity and an amount."),
    ("PaymentMethod", "A card or bank account a customer pays with."),
    ("Refund", "Money returned to a customer for a charge."),
    ("TaxRate", "A percentage of tax applied to prices in one jurisdiction."),
    ("ShippingAddress", "Where an order is delivered: street, city, postal code and country."),
    ("SubscriptionPlan", "A recurring price a customer signs up for, billed every interval."),
    ("Coupon", "A discount code customers enter at checkout."),
    ("AuditLogEntry", "A record of who changed what, and when, for compliance reviews."),
    ("FeatureFlag", "A switch that turns a feature on for some users before everyone gets it."),
    ("ApiKey", "A credential a program uses to call this API on behalf of an account."),
    ("WebhookDelivery", "One attempt to post an event to a customer's endpoint, with the response it got."),
    ("WorkerPool", "A group of self-hosted workers that execute queued jobs."),
    ("DeploymentEnvironment", "A place code is released to, such as staging or production."),
    ("SecretVariable", "An encrypted value injected into jobs, never shown after it is saved."),
    ("PullRequest", "Proposed code changes from a branch, waiting for review and merge."),
    ("CodeReviewComment", "A remark a reviewer leaves on a line of a pull request."),
    ("Repository", "A Git repository: its default branch, visibility and owner."),
    ("Team", "A group of members who share access to projects."),
    ("Membership", "A user's role in an organization."),
    ("Organization", "The account that owns projects, billing and members."),
    ("Notification", "A message telling a user that something needs attention."),
    ("EmailTemplate", "The subject and body used for one kind of outgoing email."),
    ("SupportTicket", "A customer's request for help, with its priority and assignee."),
    ("KnowledgeBaseArticle", "A help page answering a common question."),
    ("Warehouse", "A building where stock is kept."),
    ("InventoryItem", "How many units of a product are in stock at a warehouse."),
    ("PurchaseOrder", "An order placed with a supplier to restock inventory."),
    ("Supplier", "A company that sells products to this business."),
    ("Shipment", "A package in transit, with its carrier and tracking number."),
    ("ReturnRequest", "A customer's request to send back items they bought."),
    ("LoyaltyProgram", "Points customers earn on purchases and redeem for rewards."),
    ("GiftCard", "A prepaid balance that can be spent in the store."),
    ("PriceList", "Prices of products for one market or customer group."),
    ("Experiment", "An A/B test comparing variants of a page on a metric."),
    ("Dashboard", "A page of charts that track business metrics."),
    ("ScheduledReport", "A report emailed on a schedule, such as every Monday morning."),
    ("DataExport", "A download of records as CSV, prepared in the background."),
    ("Incident", "An outage or degradation, from detection to resolution."),
    ("OnCallSchedule", "Who is paged for alerts, and when each shift starts."),
    ("AlertRule", "A condition on a metric that pages someone when it is breached."),
    ("Certificate", "A TLS certificate for a domain and when it expires."),
    ("DomainName", "A hostname pointed at this service, with its DNS verification state."),
    ("StorageBucket", "A container of uploaded files with an access policy."),
    ("VirtualMachine", "A compute instance with its size, image and region."),
    ("DatabaseBackup", "A point-in-time copy of a database that can be restored."),
)

_AREAS = [
    "Account",
    "Asset",
    "Batch",
    "Billing",
    "Budget",
    "Campaign",
    "Catalog",
    "Channel",
    "Cluster",
    "Contract",
    "Course",
    "Credit",
    "Customer",
    "Device",
    "Document",
    "Event",
    "Fleet",
    "Grant",
    "Inbox",
    "Insurance",
    "Job",
    "Lab",
    "Lead",
    "Ledger",
    "License",
    "Listing",
    "Loan",
    "Media",
    "Meeting",
    "Menu",
    "Network",
    "Partner",
    "Patient",
    "Payroll",
    "Pipeline",
    "Policy",
    "Portfolio",
    "Project",
    "Property",
    "Quote",
    "Recipe",
    "Region",
    "Reservation",
    "Route",
    "Sensor",
    "Session",
    "Store",
    "Survey",
    "Task",
    "Tenant",
    "Ticket",
    "Trip",
    "Vendor",
    "Venue",
    "Wallet",
]
_THINGS = [
    "Item",
    "Record",
    "Entry",
    "Profile",
    "Setting",
    "Summary",
    "Snapshot",
    "Rule",
    "Template",
    "Group",
    "Request",
    "Review",
    "Schedule",
    "Tag",
    "Note",
    "Step",
    "Report",
    "Version",
    "Attachment",
    "Metric",
    "Limit",
    "Stage",
    "Slot",
    "Offer",
    "Claim",
    "Visit",
    "Balance",
    "Segment",
]
_FIELD_WORDS = [
    "title",
    "label",
    "code",
    "amount",
    "total",
    "currency",
    "quantity",
    "priority",
    "region",
    "owner",
    "reason",
    "comment",
    "url",
    "externalId",
    "archived",
    "enabled",
    "position",
    "weight",
    "score",
    "notes",
    "kind",
]


def _entities(count: int, rng: random.Random) -> list[tuple[str, str]]:
    entities = list(ENTITIES)
    seen = {name for name, _ in entities}
    pairs = [(a, t) for a in _AREAS for t in _THINGS]
    rng.shuffle(pairs)
    for area, thing in pairs:
        if len(entities) >= count:
            break
        name = f"{area}{thing}"
        if name not in seen:
            seen.add(name)
            entities.append((name, f"A {thing.lower()} of the {area.lower()} area, kept for reporting."))
    return entities


def _lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


def generated_sdl(types: int = 400, *, seed: int = 7) -> str:
    """SDL of a schema with about ``types`` named types (five per entity, plus the roots)."""
    rng = random.Random(seed)
    entities = _entities(max(len(ENTITIES), types // 5), rng)
    names = [name for name, _ in entities]
    parts: list[str] = ['"""The moment something happened, in UTC."""\nscalar DateTime']
    queries: list[str] = []
    mutations: list[str] = []
    for index, (name, description) in enumerate(entities):
        refs = [names[(index * 7 + k * 13 + 1) % len(names)] for k in range(2)]
        words = rng.sample(_FIELD_WORDS, 4)
        fields = [
            "  id: ID!",
            '  "Human-readable name."\n  name: String!',
            *(f"  {w}: String" for w in words),
            f"  status: {name}Status!",
            "  createdAt: DateTime!",
            *(f'  "The related {_lower_first(r)}."\n  {_lower_first(r)}: {r}' for r in refs if r != name),
        ]
        if index % 9 == 0:
            fields.append('  legacyCode: String @deprecated(reason: "Use `code` instead.")')
        parts.append(f'"""{description}"""\ntype {name} {{\n' + "\n".join(fields) + "\n}")
        parts.append(
            f'"""Lifecycle state of a {_lower_first(name)}."""\nenum {name}Status {{\n  ACTIVE\n  PAUSED\n  CLOSED\n}}'
        )
        parts.append(
            f'"""A page of {name} results."""\ntype {name}Connection {{\n  edges: [{name}Edge!]!\n'
            "  totalCount: Int!\n}"
        )
        parts.append(
            f'"""One {name} in a page."""\ntype {name}Edge {{\n  cursor: String!\n  node: {name}!\n}}'
        )
        parts.append(
            f'"""Which {name} records to return."""\ninput {name}Filter {{\n  status: {name}Status\n'
            "  createdAfter: DateTime\n  search: String\n}"
        )
        plural = _lower_first(name) + "s"
        queries.append(
            f'  "List {name} records."\n  {plural}(first: Int = 20, after: String, filter: {name}Filter): '
            f"{name}Connection!"
        )
        mutations.append(f'  "Create a {_lower_first(name)}."\n  create{name}(name: String!): {name}!')
    parts.append("type Query {\n" + "\n".join(queries) + "\n}")
    parts.append("type Mutation {\n" + "\n".join(mutations) + "\n}")
    return "\n\n".join(parts) + "\n"


def generated_introspection(types: int = 400, *, seed: int = 7) -> dict[str, Any]:
    """The introspection result of :func:`generated_sdl`, as a check would store it."""
    result: dict[str, Any] = dict(introspection_from_schema(build_schema(generated_sdl(types, seed=seed))))
    return result


def store_snapshot(state: str, target: str, introspection: dict[str, Any]) -> str:
    """Store ``introspection`` as ``target``'s latest snapshot (a baseline run); returns the snapshot id."""
    import json

    from monitor.adapters.store import NewSnapshot, RunRecord, Store, new_run_id, utcnow
    from monitor.core.schema import fingerprint

    snapshot_id = fingerprint(introspection)
    now = utcnow()
    run = RunRecord(
        id=new_run_id(now),
        target=target,
        started_at=now,
        finished_at=now,
        outcome="baseline",
        old_snapshot=None,
        new_snapshot=snapshot_id,
        error=None,
        summary={"breaking": 0, "dangerous": 0, "safe": 0, "total": 0},
    )
    store = Store.open(state)
    try:
        payload = json.dumps(introspection, separators=(",", ":")).encode()
        store.record_run(run, snapshot=NewSnapshot(snapshot_id, payload, "full"))
    finally:
        store.close()
    return snapshot_id
