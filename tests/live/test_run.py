"""Live runs against real servers on 127.0.0.1: the misbehaving demo's faults are found with their paths,
a healthy API gives none, mutations are never sent unless allowed, and the rate limit and deadline hold."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from monitor.demo import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET, FAULTS
from monitor.live import LiveResult, run_live_tests, runner
from tests import realschemas
from tests.live.helpers import SEED, live, target
from tests.live.servers import (
    RecordingApp,
    demo,
    demo_introspection,
    healthy_app,
    healthy_introspection,
    serve,
)

pytestmark = pytest.mark.anyio

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "demo"


def failures_of(result: LiveResult, check: str, kind: str | None = None) -> list[tuple[str, str, str]]:
    return [
        (f.operation, f.path, f.message)
        for f in result.failures
        if f.check == check and (kind is None or f.kind == kind)
    ]


async def test_misbehaving_demo_faults_are_found_with_their_paths() -> None:
    app = demo("misbehaving")
    with serve(app) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql")),
            demo_introspection(),
            operations_dir=None,
            live=live(operations=["Query.stacks", "Query.runs"], max_examples=10),
            seed=SEED,
        )
    assert result.error is None
    assert result.operations == ("Query.stacks", "Query.runs")
    # 1. A null in the non-null Stack.branch, at its response path.
    nulls = failures_of(result, "conformance", "null_in_non_null")
    assert any(
        op == "Query.stacks"
        and re.fullmatch(r"stacks\[\d+\]\.branch", path)
        and "Stack.branch (String!)" in msg
        for op, path, msg in nulls
    ), nulls
    # 2. The enum value RunState does not define.
    enums = failures_of(result, "conformance", "unknown_enum_value")
    assert any(
        re.fullmatch(r"runs\[\d+\]\.state", path)
        and f"'{FAULTS.enum_value}' is not a value of enum RunState" in msg
        for _, path, msg in enums
    ), enums
    # 3. HTTP 500 for one argument value: Query.stacks(first: 0).
    [(operation, path, message)] = failures_of(result, "not_a_server_error", "ServerError")
    assert (operation, path) == ("Query.stacks", "stacks")
    assert f"first: {FAULTS.crash_value}" in message and "HTTP 500" in message
    crash = next(f for f in result.failures if f.kind == "ServerError")
    assert crash.status == 500 and crash.curl.startswith("curl -X POST http://127.0.0.1:")
    assert "stacks(first: 0)" in json.loads(crash.curl.split("--data-raw ", 1)[1].strip("'"))["query"]
    # Every request the run counted reached the server, and none twice.
    assert result.requests == len(app.seen) == result.examples
    assert len({s.body for s in app.seen}) == len(app.seen)
    section = result.to_report_section()
    assert section["failed"] is True and section["failure_count"] >= len(section["failures"]) >= 3


async def test_a_healthy_api_gives_no_failures() -> None:
    app = RecordingApp(healthy_app)
    with serve(app) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql")),
            healthy_introspection(),
            operations_dir=None,
            live=live(max_examples=8),
            seed=SEED,
        )
    assert result.error is None
    assert result.failures == ()
    assert result.operations == ("Query.items", "Query.item", "Query.things", "Query.named")
    assert result.examples == len(app.seen) > 4
    assert result.to_report_section()["failed"] is False


async def test_mutations_are_never_sent_unless_allowed() -> None:
    app = demo("healthy")
    with serve(app) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql")),
            demo_introspection(),
            operations_dir=CONTRACTS,  # holds three saved mutations
            live=live(operations=["*.*"], max_examples=3, replay_contracts=True),
            seed=SEED,
        )
        assert app.seen and app.mutations == []
        assert not any(op.startswith("Mutation.") for op in result.operations)
        assert {"GetApiToken", "CreateStack", "TriggerRun"} <= {what for what, _ in result.skipped}
        assert result.replayed >= 3

        # Allowed: generated mutations of the selected fields are sent (so the count above means something),
        # saved mutations are still never replayed.
        app.seen.clear()
        allowed = await run_live_tests(
            target(server.url_for("/graphql")),
            demo_introspection(),
            operations_dir=CONTRACTS,
            live=live(
                operations=["Mutation.apiKeyUser"],
                max_examples=3,
                allow_mutations=True,
                replay_contracts=True,
            ),
            seed=SEED,
        )
    assert allowed.operations == ("Mutation.apiKeyUser",)
    assert len(app.mutations) == allowed.examples > 0
    assert all("apiKeyUser" in str(s.payload["query"]) for s in app.mutations)


async def test_the_rate_limit_spaces_requests() -> None:
    app = demo("healthy")
    with serve(app) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql")),
            demo_introspection(),
            operations_dir=None,
            live=live(operations=["Query.viewer", "Query.policies", "Query.workerPools"], rate_limit="20/s"),
            seed=SEED,
        )
    times = [s.at for s in app.seen]
    assert len(times) == result.requests >= 4
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 20/s: one request every 50 ms. Arrival times at the server jitter on a busy machine (one request
    # delayed on its way brings the next closer), so each gap may shrink, but the whole span cannot.
    assert min(gaps) >= 0.025, gaps
    assert times[-1] - times[0] >= 0.05 * (len(times) - 1) - 0.03, times


async def test_the_deadline_holds_against_a_slow_server() -> None:
    app = demo("healthy", delay=0.4)
    with serve(app) as server:
        started = time.monotonic()
        result = await run_live_tests(
            target(server.url_for("/graphql")),
            demo_introspection(),
            operations_dir=None,
            live=live(max_examples=50, timeout="1.5s"),
            seed=SEED,
        )
        elapsed = time.monotonic() - started
    assert result.deadline_hit is True
    assert elapsed < 1.5 + 2.0, elapsed  # the deadline, plus a request in flight and a busy machine
    assert 1 <= result.requests <= 5
    assert any("deadline" in why for _, why in result.skipped)
    assert result.to_report_section()["deadline_hit"] is True


async def test_the_event_loop_stays_free_while_a_run_goes_on() -> None:
    app = demo("healthy", delay=0.05)
    ticks: list[float] = []

    async def tick(stop: anyio.Event) -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            await anyio.sleep(0.01)

    with serve(app) as server:
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(tick, stop)
            result = await run_live_tests(
                target(server.url_for("/graphql")),
                demo_introspection(),
                operations_dir=None,
                live=live(operations=["Query.stacks", "Query.spaces"], max_examples=5),
                seed=SEED,
            )
            stop.set()
    assert result.requests >= 5
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 0.25, max(gaps)


async def test_the_schema_is_built_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub's schema (1,389 types) takes a good part of a second to build: in the scheduler's loop it
    would freeze every other check and /healthz meanwhile. It is built in a worker thread."""
    built_in: list[threading.Thread] = []
    original = runner.schema_from_introspection

    def recording(*args: Any, **kwargs: Any) -> Any:
        built_in.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "schema_from_introspection", recording)
    with serve(demo("healthy")) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql")),
            realschemas.load("github-14.0.0"),
            operations_dir=None,
            live=live(operations=["Query.viewer"], max_examples=1),
            seed=SEED,
        )
    assert result.error is None
    assert built_in and threading.main_thread() not in built_in  # the loop runs in the main thread


async def test_requests_carry_the_target_auth_and_headers_and_curl_masks_them() -> None:
    app = demo("misbehaving", require_token=True)
    auth = {"kind": "api_key_exchange", "key_id": DEMO_API_KEY_ID, "key_secret": DEMO_API_KEY_SECRET}
    with serve(app) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql"), auth=auth, headers={"X-Team": "platform"}),
            demo_introspection(),
            operations_dir=None,
            live=live(operations=["Query.stacks"], max_examples=4),
            seed=SEED,
        )
    assert result.error is None and result.failures
    generated = [s for s in app.seen if s.operation is not None and "apiKeyUser" not in s.body.decode()]
    assert generated and all(s.headers["authorization"].startswith("Bearer ey") for s in generated)
    assert all(s.headers["x-team"] == "platform" for s in generated)
    token = generated[0].headers["authorization"].removeprefix("Bearer ")
    for failure in result.failures:
        assert token not in failure.curl and "Authorization: ***" in failure.curl
        assert "X-Team: platform" in failure.curl


async def test_refused_credentials_stop_the_run_with_an_error() -> None:
    app = demo("healthy", require_token=True)
    with serve(app) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql"), auth={"kind": "bearer", "token": "not-a-valid-token"}),
            demo_introspection(),
            operations_dir=None,
            live=live(max_examples=5),
            seed=SEED,
        )
    assert result.error is not None and "HTTP 401" in result.error and "credentials" in result.error
    assert "not-a-valid-token" not in json.dumps(result.to_report_section())
    assert result.failures == ()
    assert len(app.seen) == 1  # the run stopped at the first refusal


async def test_replay_uses_variable_fixtures_and_checks_responses(tmp_path: Path) -> None:
    (tmp_path / "variables").mkdir()
    (tmp_path / "ops.graphql").write_text(
        "query OneStack($id: ID!) { stack(id: $id) { id branch } }\n"
        "query NoFixture($id: ID!) { stack(id: $id) { id } }\n"
        "query Runs { runs(first: 2) { id state } }\n",
        encoding="utf-8",
    )
    (tmp_path / "variables" / "OneStack.json").write_text(
        json.dumps({"id": "networking-prod"}), encoding="utf-8"
    )
    app = demo("misbehaving")
    with serve(app) as server:
        result = await run_live_tests(
            target(server.url_for("/graphql")),
            demo_introspection(),
            operations_dir=tmp_path,
            live=live(operations=["Query.viewer"], max_examples=1, replay_contracts=True),
            seed=SEED,
        )
    replays = {f.operation: f for f in result.failures if f.source == "replay"}
    assert replays["Runs"].path == "runs[0].state" and replays["Runs"].kind == "unknown_enum_value"
    sent = [s.payload for s in app.seen if s.payload.get("operationName") == "OneStack"]
    assert sent == [
        {"query": sent[0]["query"], "operationName": "OneStack", "variables": {"id": "networking-prod"}}
    ]
    assert replays["OneStack"].path == "stack.branch" and replays["OneStack"].kind == "null_in_non_null"
    assert ("NoFixture", "not replayed: needs $id; add variables/NoFixture.json") in result.skipped
    assert result.replayed == 2


async def test_two_targets_run_side_by_side_without_mixing_results() -> None:
    sick, well = demo("misbehaving"), RecordingApp(healthy_app)
    results: dict[str, LiveResult] = {}
    with serve(sick) as sick_server, serve(well) as well_server:

        async def one(name: str, url: str, intro: dict[str, object], operations: list[str]) -> None:
            results[name] = await run_live_tests(
                target(url).model_copy(update={"name": name}),
                intro,
                operations_dir=None,
                live=live(operations=operations, max_examples=6, rate_limit="50/s"),
                seed=SEED,
            )

        async with anyio.create_task_group() as tg:
            tg.start_soon(
                one, "sick", sick_server.url_for("/graphql"), demo_introspection(), ["Query.stacks"]
            )
            tg.start_soon(one, "well", well_server.url_for("/graphql"), healthy_introspection(), ["Query.*"])
    assert results["sick"].failed and results["sick"].target == "sick"
    assert results["well"].failures == () and results["well"].target == "well"
    assert results["sick"].requests == len(sick.seen) and results["well"].requests == len(well.seen)


async def test_replay_reads_contracts_kept_in_source_code(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "variables").mkdir()
    (tmp_path / "src" / "stack.ts").write_text(
        "export const ONE = gql`query OneStack($id: ID!) { stack(id: $id) { id branch } }`;\n",
        encoding="utf-8",
    )
    (tmp_path / "src" / "stack.test.ts").write_text(
        "export const T = gql`query InATest { runs(first: 1) { id } }`;\n", encoding="utf-8"
    )
    (tmp_path / "variables" / "OneStack.json").write_text(json.dumps({"id": "networking-prod"}))
    app = demo("misbehaving")
    with serve(app) as server:
        result = await run_live_tests(
            target(
                server.url_for("/graphql"),
                contracts=["src/**/*.ts"],
                contracts_exclude=["**/*.test.ts"],
                contracts_root=str(tmp_path),
            ),
            demo_introspection(),
            operations_dir=tmp_path,
            live=live(operations=["Query.viewer"], max_examples=1, replay_contracts=True),
            seed=SEED,
        )
    replays = {f.operation: f for f in result.failures if f.source == "replay"}
    assert list(replays) == ["OneStack"] and replays["OneStack"].path == "stack.branch"
    assert result.replayed == 1
    assert not [s for s in app.seen if s.payload.get("operationName") == "InATest"]
