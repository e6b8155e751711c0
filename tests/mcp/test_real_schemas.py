"""The MCP server on GitHub's real schema, over stdio through the MCP SDK client, as an assistant uses it.

A local server answers introspection with GitHub's published schema, 12.41.1 first and then 14.0.0 (60 breaking
changes); two real checks (``run_check``) store both snapshots, the changes and the saved operations' status
(one of them reads ``Repository.projectsNext``, removed in 14.0.0). Then ``gqlmon mcp`` is started on that
store and asked what an assistant asks; the answers must fit an assistant's context and never drop anything
without saying how to get it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from monitor.mcp import create_app
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings
from tests import realschemas
from tests.mcp.conftest import TOOLS, call, check
from tests.npmtools import binary
from tests.servers.demo import RunningServer

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = "github-12.41.1", "github-14.0.0"
OPERATIONS = {
    "viewer.graphql": "query Viewer { viewer { login name } }",
    "next_projects.graphql": (
        "query NextProjects($owner: String!, $name: String!) {\n"
        "  repository(owner: $owner, name: $name) { projectsNext(first: 5) { nodes { title } } }\n}"
    ),
}


class IntrospectionServer:
    """An ASGI app answering every POST with one of the vendored introspection results."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        body = b'{"data":' + realschemas.raw(self.name) + b"}"
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class GitHubWorld:
    config: Path
    settings: Settings
    first_run: str
    second_run: str


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHubWorld]:
    root = tmp_path_factory.mktemp("github")
    contracts = root / "contracts"
    contracts.mkdir()
    for name, text in OPERATIONS.items():
        (contracts / name).write_text(text + "\n", encoding="utf-8")
    app = IntrospectionServer(OLD)
    with RunningServer(app) as server:  # type: ignore[arg-type]
        config = root / "monitor.toml"
        config.write_text(
            f'state = "sqlite:///state.db"\nreports_dir = "reports"\n\n[[targets]]\nname = "github"\n'
            f'url = "{server.url_for("/graphql")}"\ncontracts = "{contracts}"\n',
            encoding="utf-8",
        )
        settings = load_settings(config, env={})
        first = check(settings, "github")
        app.name = NEW
        second = check(settings, "github")
    yield GitHubWorld(config, settings, first, second)


@pytest.fixture(scope="module")
async def stdio(github: GitHubWorld) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "monitor", "mcp"],
        env={
            "MONITOR_CONFIG": str(github.config),
            "PYTHONPATH": str(ROOT),
            "PATH": os.environ.get("PATH", ""),
        },
        cwd=str(github.config.parent),
    )
    with Path(os.devnull).open("w") as errlog:  # noqa: ASYNC230 - opening /dev/null does not block
        async with Client(stdio_client(params, errlog=errlog)) as client:
            yield client


def size(answer: dict[str, Any]) -> int:
    return len(json.dumps(answer, separators=(",", ":")))


async def test_tools_list_is_small_and_says_when_to_use_each_tool(stdio: Client) -> None:
    tools = (await stdio.list_tools()).tools
    listing = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]
    assert len(json.dumps(listing, separators=(",", ":"))) <= 10_000
    described = {tool["name"]: tool["description"] for tool in listing}
    for name in TOOLS:  # each says when an assistant should reach for it
        assert described[name].startswith(("Use ", "Start here")), name
    for tool in listing:
        assert "outputSchema" not in tool and "title" not in tool["inputSchema"], tool["name"]


async def test_search_answers_real_questions_in_under_4k(stdio: Client) -> None:
    questions = {
        "How do I merge a pull request?": "Mutation.mergePullRequest",
        "stargazer count": "Repository.stargazerCount",
        "labels on an issue": "Issue.labels",
        "members of an organization": None,
        "collaborators": None,
    }
    for question, first in questions.items():
        answer = await call(stdio, "search_schema", target="github", query=question, limit=10)
        assert size(answer) < 4_000, question
        assert len(answer["hits"]) == 10, question
        if first is not None:
            top = answer["hits"][0]
            assert first in (top["coordinate"], *top.get("also", [])), question
        assert all("Query.node ->" not in (h["path"] or "") for h in answer["hits"][:3]), question
    labels = await call(stdio, "search_schema", target="github", query="labels on an issue", limit=3)
    assert labels["hits"][0]["path"] == "Query.repository -> Repository.issue -> Issue.labels"
    assert labels["hits"][0]["signature"].endswith("first/after/last/before): LabelConnection")
    assert {"PullRequest.labels", "Labelable.labels"} <= set(labels["hits"][0]["also"])


async def test_get_type_gives_every_member_of_a_large_type(stdio: Client) -> None:
    names = [f["name"] for f in realschemas_type(NEW, "Repository")["fields"]]
    answer = await call(stdio, "get_type", target="github", name="Repository")
    assert answer["member_count"] == len(names) > 100
    assert answer["truncated"] is False and answer["omitted_members"] == []
    for name in names:  # pullRequests, refs, stargazerCount: nothing is dropped
        assert re.search(rf"\n  {name}[(:]", answer["sdl"]), name
    assert "first/after/last/before" in answer["sdl"] and "after: String" not in answer["sdl"]
    assert size(answer) < 20_000

    detail = await call(stdio, "get_type", target="github", name="Repository", fields=["pullRequests"])
    assert '"""Returns the elements in the list that come after the specified cursor."""' in detail["sdl"]
    assert "after: String" in detail["sdl"] and "stargazerCount" not in detail["sdl"]


async def test_get_type_pages_by_member_and_names_what_it_left_out(github: GitHubWorld) -> None:
    app = create_app(github.settings, max_answer_chars=6_000)
    names = [f["name"] for f in realschemas_type(NEW, "Repository")["fields"]]
    seen: list[str] = []
    try:
        async with Client(app.server) as client:
            offset = 0
            while True:
                page = await call(client, "get_type", target="github", name="Repository", offset=offset)
                assert size(page) <= 6_000
                shown = [n for n in names if re.search(rf"\n  {n}[(:]", page["sdl"])]
                assert set(shown) | set(page["omitted_members"]) >= set(names[offset:])
                seen.extend(shown)
                if not page["truncated"]:
                    break
                assert page["omitted_members"] and f"offset={offset + len(shown)}" in page["note"]
                offset += len(shown)
    finally:
        app.catalog.close()
    assert sorted(set(seen)) == sorted(names)


async def test_schema_changes_since_baseline_leads_with_what_breaks(
    stdio: Client, github: GitHubWorld
) -> None:
    first = await call(stdio, "schema_changes", target="github", since="baseline")
    assert 2_000 <= size(first) <= 4_500
    assert first["counts"] == {"breaking": 60, "dangerous": 6, "safe": 187}
    assert sum(f["count"] for f in first["breaking"]) == 60
    assert {f["type"] for f in first["breaking"]} >= {"TYPE_REMOVED", "FIELD_REMOVED"}
    broken = {op["name"]: op for op in first["broken_operations"]}
    assert list(broken) == ["NextProjects"] and broken["NextProjects"]["caused_by"]
    assert sum(first["others"].values()) == 6 + 187

    changes = list(first["changes"])
    page = first
    while page["truncated"]:
        offset = page["offset"] + len(page["changes"])
        assert f"since='baseline', offset={offset})" in page["note"]
        page = await call(stdio, "schema_changes", target="github", since="baseline", offset=offset)
        assert size(page) <= 10_500 and page["changes"]
        changes.extend(page["changes"])
    assert len({c["id"] for c in changes}) == 253
    assert [c["criticality"] for c in changes[:60]] == ["breaking"] * 60

    for since in (github.first_run, "1d", "2000-01-01"):
        again = await call(stdio, "schema_changes", target="github", since=since)
        assert again["total"] == 253, since
    removed = await call(
        stdio,
        "schema_changes",
        target="github",
        since="baseline",
        change_type="FIELD_REMOVED",
        path_prefix="User.",
    )
    assert {c["path"] for c in removed["changes"]} == {"User.projectNext", "User.projectsNext"}


def realschemas_type(schema: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        t for t in realschemas.load(schema)["__schema"]["types"] if t["name"] == name
    )
    return found


def test_the_store_holds_both_real_snapshots(github: GitHubWorld) -> None:
    async def snapshots() -> int:
        app = create_app(github.settings, prewarm=False)
        try:
            return len(app.catalog.store.snapshot_history("github"))
        finally:
            app.catalog.close()

    assert anyio.run(snapshots) == 2


async def test_the_mcp_inspector_cli_reads_every_tool_and_a_search(github: GitHubWorld) -> None:
    """What a developer trying the server with the MCP Inspector CLI (npm @modelcontextprotocol/inspector)
    sees: every tool listed, and a search over GitHub's schema answered in a few thousand characters."""
    inspector = str(binary("mcp-inspector"))
    env = {"MONITOR_CONFIG": str(github.config), "PYTHONPATH": str(ROOT)}
    server = [f"-e{k}={v}" for k, v in env.items()] + [sys.executable, "-m", "monitor", "mcp"]

    async def inspect(*method: str) -> Any:
        done = await anyio.run_process(
            [inspector, "--cli", *server, *method], cwd=github.config.parent, check=False
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        return json.loads(done.stdout)

    listed = await inspect("--method", "tools/list")
    assert sorted(t["name"] for t in listed["tools"]) == sorted(TOOLS)
    answer = await inspect(
        "--method", "tools/call", "--tool-name", "search_schema",
        "--tool-arg", "target=github", "--tool-arg", "query=stargazer count",
    )  # fmt: skip
    [text] = [c["text"] for c in answer["content"] if c["type"] == "text"]
    assert len(text) < 4_000
    [first, *_] = json.loads(text)["hits"]
    # the interface field, with the types that implement it folded in
    assert first["coordinate"] == "Starrable.stargazerCount", first
    assert "Repository.stargazerCount" in first["also"], first
