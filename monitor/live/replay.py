"""Replay saved operations (``replay_contracts = true``) and check their responses like generated ones.

An operation is replayed when it is a query, is valid against the current schema, and either needs no
variables (none declared, or every one nullable or defaulted) or has a fixture file
``<contracts>/variables/<OperationName>.json`` holding a JSON object of variables. Mutations are never
replayed, whatever ``allow_mutations`` says: a saved mutation does real things with real arguments.
Runs in the worker thread, after the same rate limiter and within the same deadline as generated queries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from graphql import GraphQLError, NonNullTypeNode, print_ast, validate

from monitor.adapters.operations import Contracts, load_contracts, load_operations
from monitor.core.contracts import Operation
from monitor.errors import ConfigError, ContractError
from monitor.live.context import LiveContext, Reply, decode, root_call
from monitor.live.http import curl_command
from monitor.live.result import LiveFailure

__all__ = ["replay_operations"]

VARIABLES_DIR = "variables"


def replay_operations(ctx: LiveContext, directory: Path, contracts: Contracts | None = None) -> None:
    """Replay every eligible saved operation under ``directory`` once (or of ``contracts``: globs or a
    graphql-config's documents, with variables under their root)."""
    try:
        if contracts is None:
            operations = load_operations(directory, base=directory)
        else:
            operations = load_contracts(contracts, base=contracts.root)
            directory = contracts.root
    except (ContractError, ConfigError) as exc:
        ctx.recorder.skip("replay", str(exc))
        return
    with httpx.Client(verify=ctx.verify, follow_redirects=False) as client:
        for operation in operations.operations:
            variables = _eligible(ctx, operation, directory / VARIABLES_DIR)
            if variables is None:
                continue
            if not ctx.may_send():
                ctx.recorder.skip(operation.name, "not replayed: the live run's deadline came first")
                continue
            _replay(ctx, client, operation, variables)


def _eligible(ctx: LiveContext, operation: Operation, fixtures: Path) -> dict[str, Any] | None:
    """The variables to replay ``operation`` with, or None (and a note why) when it is not replayed."""
    if operation.kind != "query":
        ctx.recorder.skip(operation.name, f"not replayed: a {operation.kind} (only queries are replayed)")
        return None
    fixture = fixtures / f"{operation.name}.json"
    variables: dict[str, Any] = {}
    if fixture.is_file():
        try:
            loaded = json.loads(fixture.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            ctx.recorder.skip(operation.name, f"not replayed: cannot read {fixture.name}: {exc}")
            return None
        if not isinstance(loaded, dict):
            ctx.recorder.skip(operation.name, f"not replayed: {fixture.name} must hold a JSON object")
            return None
        variables = loaded
    else:
        required = [
            d.variable.name.value
            for d in operation.definition.variable_definitions or ()
            if isinstance(d.type, NonNullTypeNode) and d.default_value is None
        ]
        if required:
            ctx.recorder.skip(
                operation.name,
                f"not replayed: needs ${', $'.join(required)}; add {VARIABLES_DIR}/{operation.name}.json",
            )
            return None
    try:
        problems = validate(ctx.schema, operation.document)
    except (GraphQLError, TypeError) as exc:
        problems = [GraphQLError(str(exc))]
    if problems:
        ctx.recorder.skip(
            operation.name, f"not replayed: invalid against this schema ({problems[0].message})"
        )
        return None
    return variables


def _replay(ctx: LiveContext, client: httpx.Client, operation: Operation, variables: dict[str, Any]) -> None:
    document = operation.document
    payload: dict[str, Any] = {"query": print_ast(document), "operationName": operation.name}
    if variables:
        payload["variables"] = variables
    curl = curl_command(ctx.url, ctx.headers, payload)
    key, _ = root_call(document)
    ctx.recorder.request(generated=False)
    timeout = ctx.request_time()
    try:
        response = client.post(ctx.url, json=payload, headers=ctx.headers, timeout=timeout)
    except httpx.HTTPError as exc:
        message = (
            f"no response within {timeout:.1f}s"
            if isinstance(exc, httpx.TimeoutException)
            else f"request failed ({type(exc).__name__})"
        )
        failure = LiveFailure(operation.name, "transport", message, key, curl, "replay", type(exc).__name__)
        ctx.recorder.failure(failure)
        return
    if ctx.refused(response.status_code):
        return
    reply = Reply(response.status_code, decode(response.content), response.text)
    ctx.check_replay(operation=operation.name, reply=reply, curl=curl, path=key)
    ctx.check_data(
        operation=operation.name,
        source="replay",
        document=document,
        operation_name=operation.name,
        reply=reply,
        curl=curl,
        variables=variables,
    )
