"""Generated Python clients for every saved demo operation, run against the real demo API.

The API requires a token from its API-key exchange (``Mutation.apiKeyUser``), so every call goes through
the generated authentication: credentials from the environment, the exchange, the bearer header, and a
fresh exchange after the API answers 401 for a token it no longer accepts. Queries and mutations parse
the API's real responses into the generated models.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest

from monitor.codegen import generate_client, target_endpoint
from monitor.demo import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET
from monitor.settings.models import TargetConfig
from tests.codegen.conftest import demo_operations, demo_schema, imported
from tests.servers.demo import DemoServer, demo_server


@pytest.fixture(scope="module")
def api() -> Iterator[DemoServer]:
    with demo_server("v1", require_token=True) as server:
        yield server


@pytest.fixture
def client_module(api: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    api.reset()
    target = TargetConfig.model_validate(
        {
            "name": "demo",
            "url": api.graphql_url,
            "auth": {"kind": "api_key_exchange", "key_id": "in-the-env", "key_secret": "in-the-env"},
        }
    )
    generated = generate_client(demo_schema(), demo_operations(), "python", endpoint=target_endpoint(target))
    assert DEMO_API_KEY_SECRET not in generated.code
    path = tmp_path / generated.filename
    path.write_text(generated.code, encoding="utf-8")
    monkeypatch.setenv("DEMO_API_KEY_ID", DEMO_API_KEY_ID)
    monkeypatch.setenv("DEMO_API_KEY_SECRET", DEMO_API_KEY_SECRET)
    monkeypatch.delenv("DEMO_URL", raising=False)
    with imported(path) as module:
        yield module


def test_every_saved_query_and_mutation_runs_and_parses(client_module: ModuleType) -> None:
    m: Any = client_module
    with m.Client() as client:
        token = m.get_api_token(client, id=DEMO_API_KEY_ID, secret=DEMO_API_KEY_SECRET)
        assert token.api_key_user.jwt.count(".") == 2 and token.api_key_user.valid_until > 0

        stacks = m.list_stacks(client, first=2).stacks
        assert len(stacks) == 2
        stack = stacks[0]
        assert isinstance(stack.space.name, str) and isinstance(stack.labels, list)

        details = m.stack_details(client, id=stack.id).stack
        assert details is not None and details.id == stack.id
        assert all(isinstance(run.state, m.RunState) for run in details.runs)
        assert m.stack_details(client, id="no-such-stack").stack is None

        runs = m.recent_runs(client, stack_id=stack.id).runs
        assert all(run.stack.id == stack.id for run in runs)
        assert isinstance(m.run_commits(client, stack_id=stack.id), m.RunCommitsQuery)
        assert m.stack_badge(client, id=stack.id).stack is not None

        found = m.search_everything(client, query="a").search
        kinds = {type(item).__name__ for item in found}
        assert kinds and all(item.typename in ("Stack", "Run", "Space", "Policy") for item in found)
        assert all(type(item).__name__.endswith(item.typename) for item in found)

        spaces = m.space_tree(client).spaces
        assert spaces and all(isinstance(s.stacks, list) for s in spaces)
        assert all(p.busy_workers <= p.workers for p in m.worker_pool_usage(client).worker_pools)

        created = m.create_stack(
            client, name="codegen", repository="org/codegen", branch="main", labels=["gen"]
        )
        assert created.stack_create.name == "codegen" and created.stack_create.labels == ["gen"]
        run = m.trigger_run(client, stack=created.stack_create.id, commit_sha="abc123").run_trigger
        assert isinstance(run.type, m.RunType) and run.state in set(m.RunState)


def test_the_async_client_runs_the_same_operations(client_module: ModuleType) -> None:
    m: Any = client_module

    async def main() -> tuple[Any, Any]:
        async with m.AsyncClient() as client:
            return await m.list_stacks_async(client, first=1), await m.search_everything_async(
                client, query="a"
            )

    stacks, found = anyio.run(main)
    assert len(stacks.stacks) == 1 and found.search


def test_a_token_the_api_no_longer_accepts_is_exchanged_again_once(client_module: ModuleType) -> None:
    m: Any = client_module
    with m.Client() as client:
        m.space_tree(client)
        client._token = "expired.or.revoked"  # the API answers 401 for it: one new exchange, one retry
        client._refresh_at = float("inf")
        assert m.space_tree(client).spaces
        assert client._token != "expired.or.revoked"


def test_graphql_errors_are_raised_with_their_path(client_module: ModuleType) -> None:
    m: Any = client_module
    with m.Client() as client, pytest.raises(m.GraphQLErrors) as caught:
        m.trigger_run(client, stack="no-such-stack")
    assert caught.value.errors and all(isinstance(e, m.GraphQLErrorDetail) for e in caught.value.errors)
    assert caught.value.errors[0].path == ("runTrigger",)


def test_missing_credentials_are_a_configuration_error(
    client_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    m: Any = client_module
    monkeypatch.delenv("DEMO_API_KEY_SECRET")
    with m.Client() as client, pytest.raises(m.ConfigurationError, match="DEMO_API_KEY_SECRET"):
        m.space_tree(client)
