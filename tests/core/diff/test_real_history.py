"""The JSON diff on real API history: every pair of vendored versions, both ways, agrees change for change
with the diff of the fully built schemas (what `gqlmon check` and `gqlmon diff` reported before the JSON diff
took over the changed check, issue 16)."""

from __future__ import annotations

import pytest

from monitor.core.changes import Criticality
from tests import realschemas
from tests.core.diff.helpers import assert_json_diff_agrees

PAIRS = [
    ("github-12.41.1", "github-14.0.0"),
    ("shopify-storefront-2025.7", "shopify-storefront-2026.4"),
    ("github-14.58.0", "github-15.24.0"),  # consecutive releases
    ("github-10.74.2", "github-15.26.1"),  # far apart
]


@pytest.mark.parametrize(("older", "newer"), PAIRS)
def test_the_json_diff_agrees_with_the_built_diff_both_ways(older: str, newer: str) -> None:
    old, new = realschemas.load(older), realschemas.load(newer)
    forward = assert_json_diff_agrees(old, new)
    backward = assert_json_diff_agrees(new, old)
    assert forward and backward  # real history changes something, both ways
    # Going back undoes what going forward did: as many additions one way as removals the other.
    added = sum(c.type.value.endswith("_ADDED") for c in forward)
    removed = sum(c.type.value.endswith("_REMOVED") for c in backward)
    assert added == removed


def test_github_12_to_14_finds_the_changes_its_users_met() -> None:
    changes = assert_json_diff_agrees(realschemas.load("github-12.41.1"), realschemas.load("github-14.0.0"))
    assert len(changes) == 253
    removed = {c.path for c in changes if c.type.value == "FIELD_REMOVED"}
    assert "Issue.projectNextItems" in removed
    assert sum(c.criticality is Criticality.BREAKING for c in changes) == 60
