"""The demo API over real HTTP (uvicorn on 127.0.0.1), its two schema versions and its saved operations."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    BreakingChange,
    DangerousChange,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_client_schema,
    find_schema_changes,
    get_introspection_query,
    parse,
    print_ast,
    validate,
    visit,
)

import monitor.demo
from monitor.demo import (
    DEMO_API_KEY_ID,
    DEMO_API_KEY_SECRET,
    FAULTS,
    TokenIssuer,
    build_demo_schema,
    create_app,
    schema_sdl,
    switch,
)
from monitor.demo.__main__ import main as demo_main
from monitor.demo.sample import sample_store
from tests.servers.demo import DemoServer, RunningServer, ServerStartError, demo_server

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "demo"
MANIFEST = CONTRACTS / "persisted-query-manifest.json"

INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)

#: Saved operations that v2 breaks, with (the start of) the validation message that says why.
BROKEN_ON_V2 = {
    "ListStacks": "Variable '$first' of type 'Int' used in position expecting type 'Int!'.",
    "RecentRuns": "Cannot query field 'commitHash' on type 'Run'. Did you mean 'commit'?",
    "TriggerRun": "Field 'triggeredBy' of type 'User' must have a selection of subfields. "
    "Did you mean 'triggeredBy { ... }'?",
    "CreateStack": "Expected value of type 'StackInput' to include required field 'vcsIntegrationId'",
    "RunCommits": "Cannot query field 'commitHash' on type 'Run'. Did you mean 'commit'?",
}

#: Variables that make every saved operation succeed against the v1 sample data.
CONTRACT_VARIABLES: dict[str, dict[str, Any]] = {
    "ListStacks": {"first": 3},
    "StackDetails": {"id": "networking-prod"},
    "RecentRuns": {"stackId": "k8s-cluster-prod"},
    "TriggerRun": {"stack": "networking-prod"},
    "CreateStack": {
        "name": "Billing worker",
        "repository": "acme/billing",
        "branch": "main",
        "spaceId": "payments",
        "labels": ["team:payments"],
    },
    "SearchEverything": {"query": "eks"},
    "SpaceTree": {},
    "WorkerPoolUsage": {},
    "GetApiToken": {"id": DEMO_API_KEY_ID, "secret": DEMO_API_KEY_SECRET},
    "StackBadge": {"id": "payments-api"},
    "RunCommits": {"stackId": "payments-api"},
}


# Helpers -------------------------------------------------------------------------------------------------


def post(
    client: httpx.Client, query: str, variables: dict[str, Any] | None = None, **kw: Any
) -> httpx.Response:
    return client.post("/graphql", json={"query": query, "variables": variables}, **kw)


def data_of(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = post(client, query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def client_schema(client: httpx.Client) -> GraphQLSchema:
    return build_client_schema(data_of(client, INTROSPECTION))


def _spreads(node: Any) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def contract_operations() -> dict[str, DocumentNode]:
    """Every saved operation as a self-contained document: the operation and the fragments it needs."""
    definitions = [
        d for path in sorted(CONTRACTS.glob("*.graphql")) for d in parse(path.read_text()).definitions
    ]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    documents: dict[str, DocumentNode] = {}
    for operation in (d for d in definitions if isinstance(d, OperationDefinitionNode)):
        assert operation.name is not None
        needed: list[str] = []
        pending = sorted(_spreads(operation))
        while pending:
            name = pending.pop()
            if name not in needed:
                needed.append(name)
                pending.extend(_spreads(fragments[name]))
        documents[operation.name.value] = DocumentNode(
            definitions=(operation, *(fragments[name] for name in sorted(needed)))
        )
    for entry in json.loads(MANIFEST.read_text())["operations"]:
        documents[entry["name"]] = parse(entry["body"])
    return documents


def deprecated_fields_used(schema: GraphQLSchema, document: DocumentNode) -> set[str]:
    """Coordinates of the deprecated fields a document selects."""
    found: set[str] = set()
    type_info = TypeInfo(schema)

    class Deprecated(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            field, parent = type_info.get_field_def(), type_info.get_parent_type()
            if field is not None and parent is not None and field.deprecation_reason:
                found.add(f"{parent.name}.{node.name.value}")

    visit(document, TypeInfoVisitor(type_info, Deprecated()))
    return found


# Serving and switching -------------------------------------------------------------------------------------


def test_serves_v1_sample_data(client: httpx.Client) -> None:
    data = data_of(
        client,
        "{ stacks(first: 2) { id branch tags createdAt space { name } runs(first: 1) { id state commitHash "
        'triggeredBy } } stack(id: "payments-api") { workerPool { name } policies { name } } }',
    )
    assert data["stacks"] == [
        {
            "id": "k8s-cluster-prod",
            "branch": "main",
            "tags": ["env:prod", "kubernetes"],
            "createdAt": "2025-10-21T09:00:00Z",
            "space": {"name": "platform"},
            "runs": [
                {
                    "id": "run-0010",
                    "state": "APPLYING",
                    "commitHash": "518cd1f0f82ec7e820b6b00a2e7887523fe7e144",
                    "triggeredBy": "bob",
                }
            ],
        },
        {
            "id": "networking-prod",
            "branch": "main",
            "tags": ["env:prod", "team:platform", "terraform"],
            "createdAt": "2025-10-07T09:00:00Z",
            "space": {"name": "platform"},
            "runs": [
                {
                    "id": "run-0012",
                    "state": "QUEUED",
                    "commitHash": "1edac7970c6c879a4030640d15136500490aa0d6",
                    "triggeredBy": "alice",
                }
            ],
        },
    ]
    assert data["stack"] == {
        "workerPool": {"name": "payments-pci"},
        "policies": [{"name": "require-approval-for-deletes"}, {"name": "push-main-only"}],
    }


def test_sample_data_is_deterministic() -> None:
    assert sample_store() == sample_store()


def test_get_runs_queries_but_not_mutations(client: httpx.Client) -> None:
    response = client.get(
        "/graphql",
        params={
            "query": "query One($id: ID!) { stack(id: $id) { name } }",
            "variables": json.dumps({"id": "space-admin"}),
        },
    )
    assert response.json() == {"data": {"stack": {"name": "space-admin"}}}
    response = client.get(
        "/graphql", params={"query": 'mutation { runTrigger(stack: "space-admin") { id } }'}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_switching_versions_over_http(api: DemoServer, client: httpx.Client) -> None:
    assert client.get("/_demo/version").json()["version"] == "v1"
    refused = client.post("/_demo/version", json={"version": "v3"})
    assert refused.status_code == 400
    assert "unknown schema version 'v3'" in refused.json()["errors"][0]["message"]

    switched = client.post("/_demo/version", json={"version": "v2"})
    assert switched.json() == {
        "version": "v2",
        "mode": "healthy",
        "requireToken": False,
        "versions": ["v1", "v2"],
        "modes": ["healthy", "misbehaving"],
    }
    assert client.get("/_demo/version").json()["version"] == "v2"
    assert client.get("/_demo/schema.graphql").text == schema_sdl("v2")
    data = data_of(
        client,
        '{ stack(id: "k8s-cluster-prod") { runs(type: TRACKED, first: 1) { commit { hash } '
        "triggeredBy { login } } } }",
    )
    assert data == {
        "stack": {
            "runs": [
                {
                    "commit": {"hash": "518cd1f0f82ec7e820b6b00a2e7887523fe7e144"},
                    "triggeredBy": {"login": "bob"},
                }
            ]
        }
    }

    assert client.post("/_demo/reset").json()["version"] == "v1"
    assert api.app.version == "v1"


def test_switch_command(api: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert switch(api.graphql_url, "v2")["version"] == "v2"
    assert demo_main(["switch", "--url", api.url, "v1", "--mode", "misbehaving"]) == 0
    assert capsys.readouterr().out == f"demo API at {api.url} now serves schema v1 (misbehaving)\n"
    assert (api.app.version, api.app.mode) == ("v1", "misbehaving")


def test_serve_command_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor.demo", "serve", "--port", "0", "--version", "v2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("demo API on http://127.0.0.1:")
        assert line.endswith("/graphql (schema v2)")
        url = line.split()[3]
        assert httpx.get(url.replace("/graphql", "/_demo/version"), timeout=5).json()["version"] == "v2"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells how it ended.
    assert process.returncode in (0, -signal.SIGTERM), stderr
    assert "Traceback" not in stderr


def test_request_errors(client: httpx.Client) -> None:
    assert (
        client.post("/graphql", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    )
    assert client.post("/graphql", content=b"{}", headers={"content-type": "text/plain"}).status_code == 415
    assert client.post("/graphql", json={"variables": {}}).status_code == 400
    syntax = post(client, "{ stacks(")
    assert syntax.status_code == 400
    assert syntax.json()["errors"][0]["message"].startswith("Syntax Error")
    invalid = post(client, "{ stacks { nope } }")
    assert invalid.status_code == 400
    assert (
        invalid.json()["errors"][0]["message"]
        == "Cannot query field 'nope' on type 'Stack'. Did you mean 'name'?"
    )
    assert client.get("/nowhere").status_code == 404
    assert client.put("/graphql").status_code == 405


def test_mutations_change_the_data_until_reset(client: httpx.Client) -> None:
    created = data_of(
        client,
        'mutation { stackCreate(input: {name: "Billing worker", repository: "acme/billing", branch: "main", '
        'spaceId: "payments"}) { id space { id } createdAt } }',
    )
    assert created == {
        "stackCreate": {
            "id": "billing-worker",
            "space": {"id": "payments"},
            "createdAt": "2026-01-05T16:25:00Z",
        }
    }
    again = post(
        client,
        'mutation { stackCreate(input: {name: "billing worker", repository: "r", branch: "b"}) { id } }',
    )
    assert again.json()["errors"][0]["message"] == "a stack with ID 'billing-worker' already exists"

    run = data_of(client, 'mutation { runTrigger(stack: "billing-worker") { id state triggeredBy } }')
    assert run == {"runTrigger": {"id": "run-0013", "state": "QUEUED", "triggeredBy": None}}
    disabled = post(client, 'mutation { runTrigger(stack: "sandbox-experiments") { id } }')
    assert disabled.json()["errors"][0]["message"] == "stack 'sandbox-experiments' is disabled"

    client.post("/_demo/reset")
    assert data_of(client, '{ stack(id: "billing-worker") { id } }') == {"stack": None}


def test_search_and_node_follow_the_schema_version(api: DemoServer, client: httpx.Client) -> None:
    query = '{ search(query: "prod") { __typename } node(id: "ctx-aws-prod") { id } }'
    v1 = data_of(client, query)
    assert {hit["__typename"] for hit in v1["search"]} == {"Stack", "Policy"}
    assert v1["node"] is None  # contexts do not exist in v1
    api.switch(version="v2")
    v2 = data_of(client, query)
    assert {hit["__typename"] for hit in v2["search"]} == {"Stack", "Policy", "Context"}
    assert v2["node"] == {"id": "ctx-aws-prod"}


# The two schema versions ------------------------------------------------------------------------------


def test_v1_and_v2_introspection_differ_as_intended(api: DemoServer, client: httpx.Client) -> None:
    v1 = client_schema(client)
    client.post("/_demo/version", json={"version": "v2"})
    v2 = client_schema(client)
    changes = find_schema_changes(v1, v2)

    breaking = {(c.type.name, c.description) for c in changes if isinstance(c, BreakingChange)}
    assert breaking == {
        ("FIELD_REMOVED", "Field Run.commitHash was removed."),
        ("FIELD_REMOVED", "Field User.email was removed."),
        ("FIELD_CHANGED_KIND", "Field Run.triggeredBy changed type from String to User."),
        ("ARG_CHANGED_KIND", "Argument Query.stacks(first:) has changed type from Int to Int!."),
        ("REQUIRED_INPUT_FIELD_ADDED", "A required field StackInput.vcsIntegrationId was added."),
    }
    dangerous = {(c.type.name, c.description) for c in changes if isinstance(c, DangerousChange)}
    assert dangerous == {
        ("VALUE_ADDED_TO_ENUM", "Enum value RunState.PENDING_REVIEW was added."),
        ("TYPE_ADDED_TO_UNION", "Context was added to union type SearchResult."),
        ("ARG_DEFAULT_VALUE_CHANGE", "Stack.runs(first:) has changed defaultValue from 10 to 25."),
        # graphql-core calls these dangerous; gqlmon's own diff rates them safe.
        ("OPTIONAL_ARG_ADDED", "An optional argument Stack.runs(type:) was added."),
        ("OPTIONAL_INPUT_FIELD_ADDED", "An optional field StackInput.terraformVersion was added."),
    }
    safe = sorted(c.type.name for c in changes if not isinstance(c, BreakingChange | DangerousChange))
    assert (
        safe
        == ["DESCRIPTION_CHANGED"] * 4
        + ["FIELD_ADDED"] * 4
        + ["FIELD_CHANGED_KIND_SAFE"]
        + ["TYPE_ADDED"] * 2
    )

    # What graphql-core's comparison does not look at: deprecations, including those of arguments and input
    # fields, each with a removal date.
    def reasons(schema: GraphQLSchema) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, named in schema.type_map.items():
            if name.startswith("__"):
                continue
            for field_name, field in getattr(named, "fields", {}).items():
                if getattr(field, "deprecation_reason", None):
                    found[f"{name}.{field_name}"] = field.deprecation_reason
                for arg_name, arg in getattr(field, "args", {}).items():
                    if arg.deprecation_reason:
                        found[f"{name}.{field_name}({arg_name}:)"] = arg.deprecation_reason
            for value_name, value in getattr(named, "values", {}).items():
                if value.deprecation_reason:
                    found[f"{name}.{value_name}"] = value.deprecation_reason
        return found

    assert reasons(v1) == {
        "Stack.tags": "Use `Stack.labels` instead. Will be removed on 2027-03-01.",
        "User.email": "Email addresses are no longer exposed. Will be removed on 2026-01-01.",
    }
    assert reasons(v2) == {
        "Stack.tags": "Use `Stack.labels` instead. Will be removed on 2027-03-01.",
        "Stack.projectRoot": "Use `Stack.projectRoots` instead. Will be removed on 2027-06-30.",
        "RunState.DISCARDED": "Discarded runs now end in `CANCELED`. Will be removed on 2027-06-30.",
        "Query.search(fuzzy:)": "Search is always fuzzy. Will be removed on 2027-06-30.",
        "StackInput.administrative": "Grant roles through space access policies instead. "
        "Will be removed on 2027-06-30.",
    }
    datetime_scalar = v2.type_map["Datetime"]
    assert (
        getattr(datetime_scalar, "specified_by_url", None)
        == "https://scalars.graphql.org/andimarek/date-time"
    )
    assert {t.name for t in v2.get_possible_types(v2.type_map["Node"])} == {  # type: ignore[arg-type]
        "Stack",
        "Run",
        "Space",
        "WorkerPool",
        "Policy",
        "User",
        "Context",
    }


def test_the_shipped_sdl_is_what_introspection_serves(client: httpx.Client) -> None:
    for version in ("v1", "v2"):
        client.post("/_demo/version", json={"version": version})
        served = find_schema_changes(client_schema(client), build_demo_schema(version))
        assert served == []


# Saved operations -------------------------------------------------------------------------------------


def test_contracts_are_realistic() -> None:
    operations = contract_operations()
    graphql_files = sorted(path.name for path in CONTRACTS.glob("*.graphql"))
    assert len(graphql_files) >= 6
    assert 6 <= len(operations) - 2 <= 10
    # A fragment defined in one file is spread in operations of several others.
    assert "StackSummary" in print_ast(operations["ListStacks"])
    assert "StackSummary" in print_ast(operations["SearchEverything"])
    # Apollo manifest: ids are the SHA-256 of the bodies.
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["format"] == "apollo-persisted-query-manifest"
    assert manifest["version"] == 1
    for entry in manifest["operations"]:
        assert entry["id"] == hashlib.sha256(entry["body"].encode()).hexdigest()
        assert entry["type"] == "query"


@pytest.mark.parametrize("name", sorted(CONTRACT_VARIABLES))
def test_every_contract_is_valid_on_v1(name: str) -> None:
    assert validate(build_demo_schema("v1"), contract_operations()[name]) == []


def test_contract_set_matches_the_variables_table() -> None:
    assert set(contract_operations()) == set(CONTRACT_VARIABLES)


def test_v2_breaks_the_intended_contracts() -> None:
    v2 = build_demo_schema("v2")
    messages = {
        name: [error.message for error in validate(v2, document)]
        for name, document in contract_operations().items()
    }
    broken = {name: errors for name, errors in messages.items() if errors}
    assert set(broken) == set(BROKEN_ON_V2)
    for name, expected in BROKEN_ON_V2.items():
        assert [message[: len(expected)] for message in broken[name]] == [expected], name
    assert len(messages) - len(broken) >= 3  # several stay valid


def test_contracts_use_deprecated_fields() -> None:
    operations = contract_operations()
    assert deprecated_fields_used(build_demo_schema("v1"), operations["ListStacks"]) == {"Stack.tags"}
    assert deprecated_fields_used(build_demo_schema("v2"), operations["StackDetails"]) == {
        "Stack.projectRoot"
    }


def test_every_contract_runs_on_v1(client: httpx.Client) -> None:
    for name, document in contract_operations().items():
        response = client.post(
            "/graphql",
            json={"query": print_ast(document), "variables": CONTRACT_VARIABLES[name], "operationName": name},
        )
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        assert "errors" not in body, (name, body)
        assert all(value is not None for value in body["data"].values()), (name, body)


# Misbehaving mode -------------------------------------------------------------------------------------


def test_misbehaving_mode_breaks_its_own_schema(client: httpx.Client) -> None:
    assert data_of(client, "{ stacks(first: 0) { id } }") == {"stacks": []}  # healthy by default
    assert client.post("/_demo/version", json={"mode": "misbehaving"}).json()["mode"] == "misbehaving"

    data = data_of(client, "{ stacks(first: 1) { id branch runs(first: 1) { state } } }")
    assert FAULTS.null_field == "Stack.branch"
    assert FAULTS.enum_field == "Run.state"
    assert data == {
        "stacks": [{"id": "k8s-cluster-prod", "branch": None, "runs": [{"state": FAULTS.enum_value}]}]
    }
    run_state = client_schema(client).type_map["RunState"]
    assert FAULTS.enum_value not in getattr(run_state, "values", {})

    crash = post(
        client, "query Crash($first: Int) { stacks(first: $first) { id } }", {"first": FAULTS.crash_value}
    )
    assert crash.status_code == 500
    assert crash.text == "Internal Server Error"

    # Introspection still publishes the strict schema.
    stack_fields = data_of(client, '{ __type(name: "Stack") { fields { name type { kind } } } }')["__type"][
        "fields"
    ]
    assert {"name": "branch", "type": {"kind": "NON_NULL"}} in stack_fields


# Authentication ---------------------------------------------------------------------------------------


def test_require_token_flow(api: DemoServer, client: httpx.Client) -> None:
    api.switch(require_token=True)
    refused = post(client, "{ stacks(first: 1) { id } }")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert post(client, INTROSPECTION).status_code == 401
    assert client.get("/_demo/version").json()["requireToken"] is True  # control routes stay open

    exchange = (
        "mutation GetToken($id: ID!, $secret: String!) "
        "{ apiKeyUser(id: $id, secret: $secret) { id jwt validUntil } }"
    )
    wrong = post(client, exchange, {"id": DEMO_API_KEY_ID, "secret": "nope"})
    assert wrong.status_code == 200
    assert wrong.json()["data"] == {"apiKeyUser": None}
    assert wrong.json()["errors"][0]["extensions"] == {"code": "UNAUTHORIZED"}

    token = data_of(client, exchange, {"id": DEMO_API_KEY_ID, "secret": DEMO_API_KEY_SECRET})["apiKeyUser"]
    assert token["id"] == DEMO_API_KEY_ID
    assert token["jwt"].count(".") == 2
    headers = {"authorization": f"Bearer {token['jwt']}"}
    allowed = post(client, "{ viewer { id name } stacks(first: 1) { id } }", headers=headers)
    assert allowed.json() == {
        "data": {
            "viewer": {"id": DEMO_API_KEY_ID, "name": "Demo API key"},
            "stacks": [{"id": "k8s-cluster-prod"}],
        }
    }
    run = post(client, 'mutation { runTrigger(stack: "space-admin") { triggeredBy } }', headers=headers)
    assert run.json() == {"data": {"runTrigger": {"triggeredBy": DEMO_API_KEY_ID}}}

    forged = token["jwt"][:-2] + ("AA" if not token["jwt"].endswith("AA") else "BB")
    assert post(client, "{ viewer { id } }", headers={"authorization": f"Bearer {forged}"}).status_code == 401
    # A document that smuggles another field next to apiKeyUser is not an exchange.
    sneaky = 'mutation { apiKeyUser(id: "x", secret: "y") { jwt } runTrigger(stack: "space-admin") { id } }'
    assert post(client, sneaky).status_code == 401


def test_tokens_expire() -> None:
    now = [1_800_000_000.0]
    issuer = TokenIssuer(ttl=60, clock=lambda: now[0])
    token = issuer.exchange(DEMO_API_KEY_ID, DEMO_API_KEY_SECRET)
    assert token is not None
    assert token.valid_until == 1_800_000_060
    assert issuer.bearer(f"Bearer {token.jwt}") == DEMO_API_KEY_ID
    now[0] += 60
    assert issuer.verify(token.jwt) is None
    assert issuer.exchange(DEMO_API_KEY_ID, "wrong") is None
    assert issuer.bearer("Basic abc") is None


# The helpers ------------------------------------------------------------------------------------------


def test_demo_server_helper_options() -> None:
    with demo_server("v2", mode="misbehaving", require_token=True) as api:
        state = httpx.get(api.url_for("/_demo/version"), timeout=5).json()
        assert (state["version"], state["mode"], state["requireToken"]) == ("v2", "misbehaving", True)
        assert api.running
    assert not api.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(api.url_for("/_demo/version"), timeout=5)


def test_running_server_reports_a_failed_startup() -> None:
    async def refuses_to_start(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    with pytest.raises(ServerStartError, match="exited before it started"):
        RunningServer(refuses_to_start, lifespan="on").start()


def test_create_app_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="unknown schema version"):
        create_app("v9")
    with pytest.raises(ValueError, match="unknown mode"):
        create_app(mode="flaky")


def test_public_api_is_listed() -> None:
    for name in monitor.demo.__all__:
        assert hasattr(monitor.demo, name), name
