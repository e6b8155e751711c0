"""What the generator decides: refusing invalid operations, the shapes of unions and fragments, the
scalar map, and the generated runtime's retries and errors (driven through httpx's MockTransport)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import monitor.codegen
from monitor.codegen import InvalidOperationsError, generate_client, python_runtime, target_endpoint
from monitor.codegen.printer import constants
from monitor.core.contracts import SourceFile, parse_sources
from monitor.settings.models import TargetConfig
from tests.codegen.conftest import demo_operations, demo_schema, github_operations, github_schema, imported


def _ops(text: str):  # type: ignore[no-untyped-def]
    return parse_sources([SourceFile("ops.graphql", text)])


def test_public_names_are_exported() -> None:
    public = {
        n
        for n in dir(monitor.codegen)
        if not n.startswith("_") and not isinstance(getattr(monitor.codegen, n), ModuleType)
    }
    assert sorted(monitor.codegen.__all__) == sorted(public)
    assert all(getattr(monitor.codegen, n) is not None for n in monitor.codegen.__all__)


@pytest.mark.parametrize("language", ["python", "typescript"])
def test_operations_invalid_on_the_schema_are_refused_with_their_errors(language: Any) -> None:
    with pytest.raises(InvalidOperationsError) as caught:
        generate_client(demo_schema("v2"), demo_operations(), language)
    text = "\n".join(caught.value.errors)
    assert "RecentRuns" in text and "commitHash" in text  # removed on v2
    assert "TriggerRun" in text and "triggeredBy" in text  # became an object on v2
    assert "ListStacks" in text  # $first: Int where v2 wants Int!
    assert "StackDetails" not in text  # valid on v2 too


def test_an_empty_set_and_a_syntax_error_are_refused() -> None:
    with pytest.raises(InvalidOperationsError, match="no operations"):
        generate_client(demo_schema(), [], "python")
    with pytest.raises(InvalidOperationsError, match="Syntax Error"):
        generate_client(demo_schema(), _ops("query {"), "python")


def test_typename_is_added_where_a_union_needs_it_and_only_there() -> None:
    ops = _ops('query S { search(query: "x") { ... on Stack { id } ... on Run { id } } spaces { id } }')
    client = generate_client(demo_schema(), ops, "typescript")
    document = json.loads(client.code.split("export const SDocument = ", 1)[1].split(";\n", 1)[0])
    assert document.count("__typename") == 1
    assert 'search(query: "x") {\n    __typename\n' in document
    assert (
        "export type SQuerySearch = SQuerySearchOther | SQuerySearchRun | SQuerySearchStack;" in client.code
    )
    # the types no fragment selects share one variant that names them exactly
    assert 'export interface SQuerySearchOther {\n  __typename: "Policy" | "Space";\n}' in client.code
    assert 'export interface SQuerySearchRun {\n  __typename: "Run";\n  id: string;\n}' in client.code


def test_interface_fragments_group_the_remaining_types_exactly() -> None:
    client = generate_client(github_schema(), github_operations(), "python")
    other = client.code.split("class NodeByIdQueryNodeOther(_Model):", 1)[1].split("\n\n", 1)[0]
    literal = other.split("typename: Literal[", 1)[1].split("]", 1)[0]
    names = {n.strip().strip('"') for n in literal.split(",")}
    assert "Issue" not in names and "Repository" not in names and "PullRequest" not in names
    assert {"User", "Organization", "Commit"} <= names
    assert "class NodeByIdQueryNodeRepository(_Model):" in client.code
    # owner on Repository is the RepositoryOwner interface: User and Organization each get a model
    assert "class RepositoryOverviewQueryRepositoryOwnerUser(_Model):" in client.code
    # @include makes a field optional; the alias names it
    assert "repositories: ViewerQueryViewerRepositories | None = Field(default=None)" in client.code
    assert (
        'open_issues: RepositoryOverviewQueryRepositoryOpenIssues = Field(alias="openIssues")' in client.code
    )


def test_custom_scalars_default_to_the_documented_map_and_can_be_overridden() -> None:
    ops = _ops("query R { runs { createdAt } }")
    default = generate_client(demo_schema(), ops, "python").code
    assert '    created_at: str = Field(alias="createdAt")' in default
    chosen = generate_client(demo_schema(), ops, "python", scalars={"Datetime": "datetime.datetime"}).code
    assert (
        '    created_at: datetime.datetime = Field(alias="createdAt")' in chosen
        and "\nimport datetime\n" in chosen
    )
    ts = generate_client(demo_schema(), ops, "typescript", scalars={"Datetime": "Date"}).code
    assert "  createdAt: Date;" in ts
    with pytest.raises(ValueError, match="not a Python type"):
        generate_client(demo_schema(), ops, "python", scalars={"Datetime": "import os"})


@pytest.fixture
def generic(tmp_path: Path) -> Iterator[ModuleType]:
    code = generate_client(
        demo_schema(),
        _ops('query P { spaces { id } }\nmutation M { runTrigger(stack: "s") { id } }'),
        "python",
    ).code
    path = tmp_path / "generic_client.py"
    path.write_text(code, encoding="utf-8")
    with imported(path) as module:
        yield module


def _client(m: Any, answers: list[httpx.Response], seen: list[httpx.Request], sleeps: list[float]) -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    http = httpx.Client(transport=httpx.MockTransport(handle))
    return m.Client("https://api.example/graphql", http=http, sleep=sleeps.append)


def test_429_and_5xx_are_retried_as_retry_after_says(
    generic: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    m: Any = generic
    monkeypatch.setenv("GRAPHQL_TOKEN", "t0ken")
    seen: list[httpx.Request] = []
    sleeps: list[float] = []
    ok = httpx.Response(200, json={"data": {"spaces": [{"id": "s1"}]}})
    client = _client(
        m, [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(503), ok], seen, sleeps
    )
    assert m.p(client).spaces[0].id == "s1"
    assert len(seen) == 3 and sleeps[0] == 7.0 and 0 < sleeps[1] <= 1.0
    assert seen[0].headers["Authorization"] == "Bearer t0ken"
    assert json.loads(seen[0].content)["operationName"] == "P"


def test_a_mutation_is_not_retried_on_500_and_http_errors_are_typed(generic: ModuleType) -> None:
    m: Any = generic
    seen: list[httpx.Request] = []
    client = _client(m, [httpx.Response(500, text="boom")], seen, [])
    with pytest.raises(m.HTTPError) as caught:
        m.m(client)
    assert caught.value.status_code == 500 and caught.value.body == "boom" and len(seen) == 1
    assert "Authorization" not in seen[0].headers  # no $GRAPHQL_TOKEN: no credential header


def test_a_response_that_does_not_match_the_types_is_a_format_error(generic: ModuleType) -> None:
    m: Any = generic
    client = _client(m, [httpx.Response(200, json={"data": {"spaces": [{"id": None}]}})], [], [])
    with pytest.raises(m.ResponseFormatError, match="PQuery"):
        m.p(client)


def test_a_retry_after_longer_than_the_limit_is_not_waited_for(generic: ModuleType) -> None:
    m: Any = generic
    seen: list[httpx.Request] = []
    sleeps: list[float] = []
    client = _client(
        m, [httpx.Response(429, headers={"Retry-After": "3600"}, text="slow down")], seen, sleeps
    )
    with pytest.raises(m.HTTPError) as caught:
        m.p(client)
    assert caught.value.status_code == 429 and sleeps == [] and len(seen) == 1


def test_introspection_fields_are_typed_too(tmp_path: Path) -> None:
    ops = _ops('query Kinds { __type(name: "Stack") { name kind fields { name } } }')
    code = generate_client(demo_schema(), ops, "python").code
    assert '    type: KindsQueryType | None = Field(alias="__type")' in code
    assert "    kind: TypeKind\n" in code and "class TypeKind(enum.StrEnum):" in code


def _with_auth(tmp_path: Path, auth: dict[str, Any]) -> Path:
    from monitor.codegen import target_endpoint
    from monitor.settings.models import TargetConfig

    target = TargetConfig.model_validate({"name": "api", "url": "https://api.example/graphql", "auth": auth})
    ops = _ops("query P { spaces { id } }")
    path = tmp_path / "api_client.py"
    path.write_text(
        generate_client(demo_schema(), ops, "python", endpoint=target_endpoint(target)).code, "utf-8"
    )
    return path


def test_a_token_command_runs_once_and_again_after_401(tmp_path: Path) -> None:
    import sys

    counter = tmp_path / "runs"
    script = (  # prints tok0, tok1, ... counting its runs in a file
        f"import pathlib; p = pathlib.Path({str(counter)!r}); n = len(p.read_text()) if p.exists() else 0; "
        "p.write_text('x' * (n + 1)); print(f'tok{n}')"
    )
    path = _with_auth(tmp_path, {"kind": "command", "command": [sys.executable, "-c", script]})
    seen: list[httpx.Request] = []
    ok = httpx.Response(200, json={"data": {"spaces": []}})
    with imported(path) as module:
        m: Any = module
        client = _client(m, [ok, httpx.Response(401), ok], seen, [])
        m.p(client)
        m.p(client)
    assert [r.headers["Authorization"] for r in seen] == ["Bearer tok0", "Bearer tok0", "Bearer tok1"]


def test_an_oidc_token_file_is_read_for_every_request(tmp_path: Path) -> None:
    token = tmp_path / "token"
    path = _with_auth(tmp_path, {"kind": "oidc", "token_file": str(token)})
    seen: list[httpx.Request] = []
    ok = httpx.Response(200, json={"data": {"spaces": []}})
    with imported(path) as module:
        m: Any = module
        client = _client(m, [ok, ok], seen, [])
        token.write_text("first\n")
        m.p(client)
        token.write_text("second\n")
        m.p(client)
        token.unlink()
        with pytest.raises(m.AuthenticationError, match="cannot read the token file"):
            m.p(client)
    assert [r.headers["Authorization"] for r in seen] == ["Bearer first", "Bearer second"]


def test_response_keys_that_clash_with_pydantic_or_python_names_still_parse(tmp_path: Path) -> None:
    ops = _ops("query M { model_x: spaces { model_dump: id json: name class: description } }")
    path = tmp_path / "clash.py"
    path.write_text(generate_client(demo_schema(), ops, "python").code, encoding="utf-8")
    with imported(path) as module:  # pydantic warns about shadowed names: warnings are errors here
        m: Any = module
        parsed = m.MQuery.model_validate({"model_x": [{"model_dump": "1", "json": "n", "class": None}]})
    space = parsed.model_x[0]
    assert (space.model_dump_, space.json_, space.class_) == ("1", "n", None)


def test_an_overridden_scalar_is_parsed_and_serialized_by_its_python_type(tmp_path: Path) -> None:
    import datetime

    from graphql import build_schema

    schema = build_schema(
        "scalar DateTime type Query { runs(since: DateTime): [Run!]! } type Run { createdAt: DateTime! }"
    )
    ops = _ops("query R($since: DateTime) { runs(since: $since) { createdAt } }")
    code = generate_client(schema, ops, "python", scalars={"DateTime": "datetime.datetime"}).code
    path = tmp_path / "dates.py"
    path.write_text(code, encoding="utf-8")
    seen: list[httpx.Request] = []
    answer = httpx.Response(200, json={"data": {"runs": [{"createdAt": "2026-03-01T12:00:00Z"}]}})
    with imported(path) as module:
        m: Any = module
        client = _client(m, [answer], seen, [])
        since = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
        runs = m.r(client, since=since).runs
    assert runs[0].created_at == datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
    assert json.loads(seen[0].content)["variables"] == {"since": "2026-01-02T03:04:05Z"}


def test_field_descriptions_become_one_line_comments() -> None:
    ops = _ops("query B { stacks { branch } }")
    assert (
        "    #: The tracked branch.\n    branch: str\n" in generate_client(demo_schema(), ops, "python").code
    )
    assert (
        "  /** The tracked branch. */\n  branch: string;\n"
        in generate_client(demo_schema(), ops, "typescript").code
    )


@pytest.mark.parametrize("kind", ["none", "static", "optional_static", "file", "command", "exchange"])
def test_the_sync_client_is_the_async_one_without_awaiting(kind: str) -> None:
    text = python_runtime.clients(kind)
    sync = text[text.index("\nclass Client:") : text.index("\nclass AsyncClient:")]
    async_ = text[text.index("\nclass AsyncClient:") :]
    assert not re.search(r"\b(async|await|anyio|Awaitable|AsyncClient|aclose|__aenter__|__aexit__)\b", sync)
    assert "httpx.Client(timeout=timeout)" in sync and "threading.Lock()" in sync and "= time.sleep" in sync
    assert "def __enter__(self) -> Client:" in sync and "self._http.close()" in sync
    assert len(sync.strip().splitlines()) == len(async_.strip().splitlines()) + 5  # the longer docstring
    if kind == "command":
        assert "        return _run_command()\n" in sync
        assert "        return await anyio.to_thread.run_sync(_run_command)\n" in async_


@pytest.mark.parametrize(
    "auth",
    [
        {"kind": "none"},
        {
            "kind": "api_key_exchange",
            "key_id": "unused",
            "key_secret": "unused",
            "expires_path": "login.until",
        },
        {"kind": "oidc", "token_file": "/var/run/secrets/token"},
        {"kind": "command", "command": "spacectl profile export-token"},
    ],
)
def test_both_languages_declare_every_constant_of_the_endpoint(auth: dict[str, str]) -> None:
    target = TargetConfig.model_validate({"name": "api", "url": "https://api.example/graphql", "auth": auth})
    endpoint = target_endpoint(target)
    python = generate_client(demo_schema(), demo_operations(), "python", endpoint=endpoint).code
    typescript = generate_client(demo_schema(), demo_operations(), "typescript", endpoint=endpoint).code
    declared = constants(endpoint)
    assert {"DEFAULT_URL", "URL_ENV", "TIMEOUT", "REFRESHABLE"} <= {c.name for c in declared}
    for constant in declared:
        assert re.search(rf"^{constant.name}\b.* = ", python, re.MULTILINE), constant
        ts_name = f"{constant.name}_MS" if constant.type == "seconds" else constant.name
        assert re.search(rf"^(export )?const {ts_name}\b.* = ", typescript, re.MULTILINE), constant
    assert "TIMEOUT = 30.0  # seconds, per request" in python
    assert "const TIMEOUT_MS = 30000; // per request" in typescript
