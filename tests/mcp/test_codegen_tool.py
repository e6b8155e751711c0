"""generate_client through the MCP SDK client: typed code for a document or the saved operations at a
stored snapshot, with the target's authentication, refused for operations the snapshot breaks; the code
it returns runs against the live demo API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp.client.client import Client

from monitor.demo import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET
from tests.codegen.conftest import imported
from tests.mcp.conftest import CANARY, SECRETS, World, call, refused

pytestmark = pytest.mark.anyio

DOCUMENT = """
query Details($id: ID!) { stack(id: $id) { id name labels space { name } } }
query Find($q: String!) { search(query: $q) { ... on Stack { name } ... on Run { id state } } }
"""


async def test_saved_operations_broken_at_the_latest_snapshot_are_refused_with_their_errors(
    client: Client,
) -> None:
    text = await refused(client, "generate_client", target="demo")
    assert "not generated:" in text
    assert "RecentRuns" in text and "Cannot query field 'commitHash' on type 'Run'" in text
    assert "StackDetails" not in text


async def test_saved_operations_at_the_previous_snapshot_in_typescript(client: Client, world: World) -> None:
    answer = await call(
        client,
        "generate_client",
        target="demo",
        snapshot="previous",
        language="typescript",
        operations=["ListStacks", "SearchEverything"],
    )
    assert answer["snapshot"] == world.first and answer["filename"] == "demo_client.ts"
    assert answer["operations"] == ["ListStacks", "SearchEverything"]
    assert answer["environment"] == [
        "DEMO_URL",
        "DEMO_API_KEY_ID",
        "DEMO_API_KEY_SECRET",
        "DEMO_HEADER_X_CANARY_TOKEN",
    ]
    code = answer["code"]
    assert "export function listStacks(client: Client, variables: ListStacksVariables = {})" in code
    assert (
        'const SECRET_HEADERS: Record<string, string> = {"X-Canary-Token": "DEMO_HEADER_X_CANARY_TOKEN"}'
        in code
    )
    assert not any(secret in code for secret in SECRETS)
    text = await refused(client, "generate_client", target="demo", operations=["Nope"])
    assert "no operation named Nope" in text


async def test_a_document_generated_at_the_latest_snapshot_runs_against_the_live_api(
    client: Client, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = await call(client, "generate_client", target="demo", document=DOCUMENT)
    assert answer["snapshot"] == world.second and answer["operations"] == ["Details", "Find"]
    path = tmp_path / answer["filename"]
    path.write_text(answer["code"], encoding="utf-8")
    monkeypatch.setenv("DEMO_API_KEY_ID", DEMO_API_KEY_ID)
    monkeypatch.setenv("DEMO_API_KEY_SECRET", DEMO_API_KEY_SECRET)
    monkeypatch.setenv("DEMO_HEADER_X_CANARY_TOKEN", CANARY)
    with imported(path) as module:
        m: Any = module
        async with m.AsyncClient() as api:  # the demo API serves v2 behind its key exchange now
            found = await m.find_async(api, q="a")
            stacks = [item for item in found.search if item.typename == "Stack"]
            assert stacks and all(isinstance(s.name, str) for s in stacks)
            runs = [item for item in found.search if item.typename == "Run"]
            assert all(isinstance(r.state, m.RunState) for r in runs)
    broken = await refused(
        client, "generate_client", target="demo", document="query { stacks { commitHash } }"
    )
    assert "Cannot query field 'commitHash' on type 'Stack'" in broken
