"""The generated TypeScript client, compiled by tsc --strict and run by Node against the real demo API.

A small program (itself type-checked against the generated types: unions narrowed on ``__typename``,
enums as literal unions) calls the saved demo queries and mutations through the API's key exchange,
and prints what it got; the test reads that back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.codegen import generate_client, target_endpoint
from monitor.demo import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET
from monitor.settings.models import TargetConfig
from tests.codegen.conftest import demo_operations, demo_schema, tsc_strict
from tests.servers.demo import DemoServer, demo_server

MAIN = """
import {
  Client, GraphQLErrors, createStack, listStacks, recentRuns, searchEverything, spaceTree, stackDetails, triggerRun,
} from "./demo_client.js";
import type { RunState } from "./demo_client.js";

async function main(): Promise<void> {
  const client = new Client();
  const stacks = (await listStacks(client, { first: 2 })).stacks;
  const details = (await stackDetails(client, { id: stacks[0].id })).stack;
  const missing = (await stackDetails(client, { id: "no-such-stack" })).stack;
  const runs = (await recentRuns(client, { stackId: stacks[0].id })).runs;
  const states: RunState[] = runs.map((run) => run.state);
  const names: string[] = [];
  for (const item of (await searchEverything(client, { query: "a" })).search) {
    if (item.__typename === "Stack") names.push(`stack:${item.space.name}`);
    else if (item.__typename === "Run") names.push(`run:${item.stack.id}`);
    else names.push(item.__typename);
  }
  const created = (await createStack(client, { name: "ts", repository: "org/ts", branch: "main" })).stackCreate;
  const run = (await triggerRun(client, { stack: created.id })).runTrigger;
  let errorPath: ReadonlyArray<string | number> = [];
  try {
    await triggerRun(client, { stack: "no-such-stack" });
  } catch (error) {
    if (error instanceof GraphQLErrors) errorPath = error.errors[0].path;
  }
  const spaces = (await spaceTree(client)).spaces.length;
  // retries: a fake fetch answers the token exchange, then 429 with Retry-After, then the data
  const sleeps: number[] = [];
  const statuses = [429, 200];
  const fake: typeof fetch = async (_input, init) => {
    if (String(init?.body).includes("apiKeyUser")) {
      return new Response(JSON.stringify({ data: { apiKeyUser: { jwt: "a.b.c", validUntil: 4102444800 } } }));
    }
    const status = statuses.shift() ?? 500;
    const body = status === 200 ? JSON.stringify({ data: { spaces: [] } }) : "slow down";
    return new Response(body, { status, headers: { "Retry-After": "2" } });
  };
  const retried = await spaceTree(new Client({ fetch: fake, sleep: async (ms) => void sleeps.push(ms) }));
  console.log(JSON.stringify({
    stacks: stacks.length, details: details?.id === stacks[0].id, missing, states, names, created: created.name,
    runType: run.type, errorPath, spaces, sleeps, retried: retried.spaces.length,
  }));
}

main().catch((error: unknown) => {
  console.error(String(error));
  process.exit(1);
});
"""


@pytest.fixture(scope="module")
def api() -> Iterator[DemoServer]:
    with demo_server("v1", require_token=True) as server:
        yield server


def test_the_typescript_client_runs_every_kind_of_operation_against_the_demo(
    api: DemoServer, tmp_path: Path
) -> None:
    target = TargetConfig.model_validate(
        {
            "name": "demo",
            "url": api.graphql_url,
            "auth": {"kind": "api_key_exchange", "key_id": "x", "key_secret": "x"},
        }
    )
    client = generate_client(demo_schema(), demo_operations(), "typescript", endpoint=target_endpoint(target))
    (tmp_path / client.filename).write_text(client.code, encoding="utf-8")
    (tmp_path / "main.ts").write_text(MAIN, encoding="utf-8")
    compiled = tsc_strict(tmp_path / "main.ts", emit=tmp_path / "dist")
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    node = shutil.which("node")
    assert node is not None, "node is needed (it runs tsc too)"
    env = {**os.environ, "DEMO_API_KEY_ID": DEMO_API_KEY_ID, "DEMO_API_KEY_SECRET": DEMO_API_KEY_SECRET}
    env.pop("DEMO_URL", None)
    done = subprocess.run(
        [node, str(tmp_path / "dist" / "main.js")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["stacks"] == 2 and out["details"] is True and out["missing"] is None
    assert out["states"] and set(out["states"]) <= {
        "QUEUED",
        "PREPARING",
        "PLANNING",
        "UNCONFIRMED",
        "APPLYING",
        "FINISHED",
        "FAILED",
        "DISCARDED",
        "CANCELED",
    }
    assert any(n.startswith("stack:") for n in out["names"]) and any(
        n.startswith("run:") for n in out["names"]
    )
    assert out["created"] == "ts" and out["runType"] in ("PROPOSED", "TRACKED", "TASK")
    assert out["errorPath"] == ["runTrigger"] and out["spaces"] > 0
    assert out["sleeps"] == [2000] and out["retried"] == 0
