"""What deprecation reasons say: removal dates and replacements, as tables."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_client_schema,
    build_schema,
    resolve_schema_coordinate,
)

from monitor.core.contracts import (
    parse_removal_date,
    qualify_replacement,
    replacement_for,
    suggest_replacement,
)
from tests import realschemas


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("will be removed on 2026-01-01", "2026-01-01"),
        ("Will be removed on 2026-01-01.", "2026-01-01"),
        ("`isPrivate` will be removed. Use `visibility` instead. Removal on 2019-07-01 UTC.", "2019-07-01"),
        ("removal on 2026-01-01", "2026-01-01"),
        ("Removed after 2026/01/15", "2026-01-15"),
        ("Sunset: 2026-02-01", "2026-02-01"),
        ("sunset 2026-02-01T00:00:00Z", "2026-02-01"),
        ("Please migrate by 2026-01-01", "2026-01-01"),
        ("Will be removed on January 1, 2026", "2026-01-01"),
        ("Will be removed on Jan. 5th, 2026", "2026-01-05"),
        ("Will be removed on 1 March 2026", "2026-03-01"),
        ("Removal in March 2026", "2026-03-01"),
        ("Will be removed in 2026-Q1", "2026-01-01"),
        ("Will be removed in Q3 2026", "2026-07-01"),
        ("Will be removed in 2026.", "2026-01-01"),
        ("Will be removed by the end of 2026", "2026-12-31"),
        ("Will be removed by end of Q1 2026", "2026-03-31"),
        ("Supported until 2026-06", "2026-06-01"),
        ("Removed 31/12/2026", "2026-12-31"),
        ("Deprecated since 2024-05-01. Will be removed on 2026-02-01.", "2026-02-01"),
        # not removal dates
        ("Deprecated since 2024-05-01; use name", None),
        ("Deprecated on 2024-05-01, will be removed", None),
        ("Removed 03/04/2026", None),  # ambiguous day/month
        ("Will be removed on 2026-02-30", None),  # no such day
        ("No longer supported", None),
        ("This field may be removed in a future version", None),
        ("Introduced 2024-01-01; use labels", None),
        ("", None),
        (None, None),
    ],
)
def test_removal_date(reason: str | None, expected: str | None) -> None:
    assert parse_removal_date(reason) == expected


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("Use `Foo.bar`", "Foo.bar"),
        ("use fooBar instead", "fooBar"),
        ("Use fooBar.", "fooBar"),
        ("Use the new labels field instead", "labels"),
        ("Replaced by `Stack.labels`.", "Stack.labels"),
        ("Superseded by projectRoots", "projectRoots"),
        ("Deprecated in favor of 'newName'", "newName"),
        ("Prefer Query.node(id:).", "Query.node(id:)"),
        ("Migrate to `viewer`", "viewer"),
        ("use `@include` instead", "@include"),
        ("`x` will be removed. Use `y` instead. Removal on 2026-01-01 UTC.", "y"),
        ("Use of this field is discouraged", None),
        ("No longer supported", None),
        ("See https://example.com/changes", None),
        (None, None),
    ],
)
def test_replacement(reason: str | None, expected: str | None) -> None:
    assert suggest_replacement(reason) == expected


SCHEMA = build_schema(
    """
    type Query { stacks(first: Int, limit: Int): [Stack!]! }
    type Stack { tags: [String!]! labels: [String!]! }
    input Filter { label: String labels: [String!] }
    enum State { DISCARDED CANCELED }
    """
)


@pytest.mark.parametrize(
    ("replacement", "coordinate", "expected"),
    [
        ("labels", "Stack.tags", "Stack.labels"),
        ("labels", "Filter.label", "Filter.labels"),
        ("CANCELED", "State.DISCARDED", "State.CANCELED"),
        ("first", "Query.stacks(limit:)", "Query.stacks(first:)"),
        ("Stack.labels", "Query.stacks", "Stack.labels"),  # already qualified
        ("Stack", "Query.stacks", "Stack"),  # a type
        ("@skip(if:)", "Query.stacks", "@skip(if:)"),
        ("elsewhere", "Stack.tags", None),  # not in the schema: no hint rather than a wrong one
        ("Other.thing", "Stack.tags", None),
        ("labels", "Missing.tags", None),
        ("State.CANCELED(x:)", "State.DISCARDED", None),  # malformed for an enum value
        ("the new API", "Stack.tags", None),
    ],
)
def test_replacement_is_qualified_when_the_schema_has_it(
    replacement: str, coordinate: str, expected: str | None
) -> None:
    assert qualify_replacement(replacement, coordinate, SCHEMA) == expected


def test_every_real_deprecation_gets_an_existing_coordinate_or_no_hint() -> None:
    """Every deprecated element of the vendored GitHub and Shopify schemas: the hint exists in that schema."""
    counts: dict[str, tuple[int, int]] = {}
    for name in realschemas.names():
        schema = _client_schema(name)
        hinted = unhinted = 0
        for coordinate, reason in _deprecations(schema):
            hint = replacement_for(reason, coordinate, schema)
            if hint is None:
                unhinted += 1
                continue
            assert hint != coordinate, (name, coordinate, reason)
            assert resolve_schema_coordinate(schema, hint) is not None, (name, coordinate, reason, hint)
            hinted += 1
        counts[name] = (hinted, unhinted)
    # (hinted, not hinted) per schema: the counts keep the heuristics from quietly fading.
    assert {k: v for k, v in counts.items() if k in EXPECTED_HINTS} == EXPECTED_HINTS


EXPECTED_HINTS = {
    "github-12.41.1": (117, 5),
    "github-14.0.0": (14, 7),
    "shopify-customer-account-2026.4": (15, 7),
    "shopify-storefront-2025.7": (40, 6),
    "shopify-storefront-2026.4": (41, 6),
}


def _deprecations(schema: GraphQLSchema) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLEnumType):
            members: dict[str, Any] = dict(type_.values)
        elif isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            members = dict(type_.fields)
        else:
            continue
        for member_name, member in members.items():
            if member.deprecation_reason is not None:
                found.append((f"{type_.name}.{member_name}", member.deprecation_reason))
            for arg_name, arg in getattr(member, "args", {}).items():
                if arg.deprecation_reason is not None:
                    found.append((f"{type_.name}.{member_name}({arg_name}:)", arg.deprecation_reason))
    return found


PROJECT_NEXT = (
    "The `ProjectNext` API is deprecated in favour of the more capable `ProjectV2` API. Follow the ProjectV2 "
    "guide at https://github.blog/changelog/2022-06-23-the-new-github-issues-june-23rd-update/, to find a "
    "suitable replacement. Removal on 2023-01-01 UTC."
)


@pytest.mark.parametrize(
    ("schema_name", "coordinate", "reason", "expected"),
    [
        ("github-12.41.1", "Repository.projectNext", PROJECT_NEXT, "ProjectV2"),
        (
            "github-14.0.0",
            "ProjectV2View.groupBy",
            "The `ProjectV2View#order_by` API is deprecated in favour of the more capable "
            "`ProjectV2View#group_by_field` API. Check out the `ProjectV2View#group_by_fields` API as an "
            "example for the more capable alternative. Removal on 2023-04-01 UTC.",
            "ProjectV2View.groupByFields",
        ),
        (
            "github-14.0.0",
            "ProjectV2View.visibleFields",
            "The `ProjectV2View#visibleFields` API is deprecated in favour of the more capable "
            "`ProjectV2View#fields` API. Check out the `ProjectV2View#fields` API as an example for the more "
            "capable alternative. Removal on 2023-01-01 UTC.",
            "ProjectV2View.fields",
        ),
        (
            "github-14.0.0",
            "AssignedEvent.user",
            "Assignees can now be mannequins. Use the `assignee` field instead. Removal on 2020-01-01 UTC.",
            "AssignedEvent.assignee",
        ),
        (
            "github-14.0.0",
            "Issue.timeline",
            "`timeline` will be removed Use Issue.timelineItems instead. Removal on 2020-10-01 UTC.",
            "Issue.timelineItems",
        ),
        (
            "github-14.0.0",
            "Sponsorship.sponsor",
            "`Sponsorship.sponsor` will be removed. Use `Sponsorship.sponsorEntity` instead. "
            "Removal on 2020-10-01 UTC.",
            "Sponsorship.sponsorEntity",
        ),
        (
            "github-12.41.1",
            "RepositoryVulnerabilityAlert.fixReason",
            "The `fixReason` field is being removed. You can still use `fixedAt` and `dismissReason`. "
            "Removal on 2023-04-01 UTC.",
            "RepositoryVulnerabilityAlert.fixedAt",
        ),
        (
            "github-14.0.0",
            "PullRequestReviewComment.position",
            "We are phasing out diff-relative positioning for PR comments Use the `line` and `startLine` "
            "fields instead, which are file line numbers instead of diff line numbers Removal on 2023-10-01 UTC.",
            "PullRequestReviewComment.line",
        ),
        (
            "github-14.0.0",
            "PackageType.NPM",
            "NPM will be removed from this enum as this type will be migrated to only be used by the Packages "
            "REST API. Removal on 2022-11-21 UTC.",
            None,
        ),
        (
            "github-14.0.0",
            "Commit.pushedDate",
            "`pushedDate` is no longer supported. Removal on 2023-07-01 UTC.",
            None,
        ),
        ("github-14.0.0", "__Directive.onField", "Use `locations`.", "__Directive.locations"),
        (
            "shopify-storefront-2026.4",
            "Image.transformedSrc",
            "Use `url(transform:)` instead",
            "Image.url(transform:)",
        ),
        (
            "shopify-storefront-2026.4",
            "CartBuyerIdentity.deliveryAddressPreferences",
            "Use `cart.delivery` instead.",
            "Cart.delivery",
        ),
        (
            "shopify-storefront-2026.4",
            "CurrencyCode.BYR",
            "`BYR` is deprecated. Use `BYN` available from version `2021-01` onwards instead.",
            "CurrencyCode.BYN",
        ),
        (
            "shopify-storefront-2026.4",
            "DiscountApplicationAllocationMethod.ONE",
            "Use ACROSS instead.",
            "DiscountApplicationAllocationMethod.ACROSS",
        ),
        (
            "shopify-storefront-2026.4",
            "MediaPresentation.id",
            "MediaPresentation IDs are being deprecated. Access the data directly via the asJson field on the "
            "Media type.",
            "MediaPresentation.asJson",
        ),
        (
            "shopify-storefront-2026.4",
            "Country.market",
            "This `market` field will be removed in a future version of the API.",
            None,
        ),
        (
            "shopify-storefront-2026.4",
            "CartCost.totalDutyAmount",
            "Tax and duty amounts are no longer available and will be removed in a future version.\nPlease see "
            "[the changelog](https://shopify.dev/changelog/tax-and-duties-are-deprecated-in-storefront-cart-api)"
            "\nfor more information.\n",
            None,
        ),
    ],
)
def test_hand_checked_real_reasons(
    schema_name: str, coordinate: str, reason: str, expected: str | None
) -> None:
    assert replacement_for(reason, coordinate, _client_schema(schema_name)) == expected


@functools.cache
def _client_schema(name: str) -> GraphQLSchema:
    return build_client_schema(realschemas.load(name))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- dating


def test_a_deprecation_is_dated_when_first_recorded_or_now_when_this_diff_adds_it() -> None:
    from datetime import UTC, datetime

    from graphql import build_schema as build

    from monitor.core.contracts.deprecations import deprecation_dates
    from monitor.core.diff import diff_schemas

    old = build("type Query { a: Int b: Int c: Int }")
    new = build('type Query { a: Int @deprecated(reason: "x") b: Int @deprecated(reason: "y") c: Int }')
    changes = diff_schemas(old, new)
    earlier, now = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    dates = deprecation_dates({"Query.a": earlier, "Query.z": earlier}, changes, now)
    # Query.a was recorded before (the earlier date stands), Query.b is new in this diff, Query.z is kept
    assert dates == {"Query.a": earlier, "Query.b": now, "Query.z": earlier}


def test_deprecations_never_seen_being_added_are_dated_from_the_baseline() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from monitor.core.contracts import ContractsResult, DeprecatedUsage, OperationResult, Status
    from monitor.core.contracts.deprecations import dated_from_baseline

    known = DeprecatedUsage("Query.a", "x", first_seen="2026-02-01T00:00:00+00:00")
    unknown = DeprecatedUsage("Query.b", "y")
    op = OperationResult(
        "Op", "query", "op.graphql", 1, Status.DEPRECATED, "d", deprecations=(known, unknown)
    )
    clean = replace(op, name="Clean", deprecations=())
    baseline = datetime(2025, 12, 1, tzinfo=UTC)
    result = dated_from_baseline(ContractsResult(operations=(op, clean)), baseline)
    dated, untouched = result.operations
    assert [d.first_seen for d in dated.deprecations] == [known.first_seen, baseline.isoformat()]
    assert untouched is clean
