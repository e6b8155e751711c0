"""Generated queries: Schemathesis 4 and hypothesis-graphql, one root field at a time, in the worker thread.

The schema comes from the stored introspection (``schemathesis.graphql.from_dict``: no second
introspection request). For every selected root field, ``operation.as_strategy(POSITIVE)`` runs under
Hypothesis ``@given`` with ``max_examples``, generation only (no shrinking, no example database, no
deadline per example, health checks off: the server's speed is not ours to judge). The test body never
raises, so every example runs and every failure is recorded rather than Hypothesis stopping at the first
and shrinking it with more requests. A query already sent for this field is not sent again.

Each response goes through three Schemathesis GraphQL checks (:data:`CHECKS`) and gqlmon's own
conformance check. Schemathesis reports failures as a ``FailureGroup``, a ``BaseExceptionGroup``, so it is
caught by name. An input rejection (``extensions.code = BAD_USER_INPUT``) is not a failure: the schema
cannot say that ``first`` must be positive. Mutations are never generated unless allowed, and a mutation
document is refused at send time as well.

Schemathesis is configured explicitly (positive mode, no NUL bytes), never from a ``schemathesis.toml``
that happens to be in the working directory.
"""

from __future__ import annotations

import fnmatch
import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import requests
from graphql import DocumentNode, OperationDefinitionNode, OperationType

from monitor.core.conformance import format_path
from monitor.live.canonical import canonical_query
from monitor.live.config import LiveConfig
from monitor.live.context import INPUT_REJECTION_CODES, LiveContext, Reply, decode, parse_or_none, root_call
from monitor.live.http import curl_command
from monitor.live.result import LiveFailure

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.core.failures import Failure
    from schemathesis.schemas import APIOperation

__all__ = ["CHECKS", "run_generated", "selected"]

log = logging.getLogger("monitor.live")

#: Schemathesis's checks that apply to GraphQL: 5xx and GraphQL errors for a valid query; a valid query
#: refused; a malformed response or a null the server itself reports as a non-null violation.
CHECKS: Final = ("not_a_server_error", "positive_data_acceptance", "response_schema_conformance")
SCHEMATHESIS_CONFIG: Final = {"generation": {"mode": "positive", "allow-x00": False}}


def selected(label: str, patterns: Sequence[str]) -> bool:
    """Does ``Query.stacks`` match one of the glob ``patterns`` (``Query.*``)?"""
    return any(fnmatch.fnmatchcase(label, pattern) for pattern in patterns)


def run_generated(
    ctx: LiveContext, introspection: Mapping[str, Any], live: LiveConfig, *, seed: int | None = None
) -> None:
    """Test every selected root field with up to ``live.max_examples`` generated queries."""
    import schemathesis
    from schemathesis import checks as schemathesis_checks
    from schemathesis.config import SchemathesisConfig
    from schemathesis.core.result import Ok

    _keep_hypothesis_files_out_of_the_working_directory()
    config = SchemathesisConfig.from_dict(dict(SCHEMATHESIS_CONFIG))
    schema = schemathesis.graphql.from_dict(dict(introspection), config=config)
    checks = [(name, getattr(schemathesis_checks, name)) for name in CHECKS]
    with requests.Session() as session:
        for result in schema.get_all_operations():
            if not isinstance(result, Ok):
                ctx.recorder.skip("operation", f"Schemathesis could not load it: {result.err()}")
                continue
            operation = result.ok()
            if not selected(operation.label, live.operations):
                continue
            if _is_mutation_field(operation) and not live.allow_mutations:
                continue
            if ctx.budget.exhausted() or ctx.recorder.error is not None:
                ctx.recorder.skip(operation.label, "not tested: the live run's deadline came first")
                continue
            ctx.recorder.operations.append(operation.label)
            _run_operation(ctx, operation, live, checks, session, seed)


def _keep_hypothesis_files_out_of_the_working_directory() -> None:
    """Hypothesis caches what it learns under ``./.hypothesis`` by default; a monitor must not litter the
    directory it was started in (a user's repository, a read-only container). Configured homes are kept."""
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

    if storage_directory(intent_to_write=False).home_directory == Path.cwd() / ".hypothesis":
        set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "gqlmon-hypothesis")


def _is_mutation_field(operation: APIOperation[Any, Any, Any, Any]) -> bool:
    return bool(getattr(operation.definition, "is_mutation", True))


def _run_operation(
    ctx: LiveContext,
    operation: APIOperation[Any, Any, Any, Any],
    live: LiveConfig,
    checks: list[tuple[str, Callable[..., Any]]],
    session: requests.Session,
    seed: int | None,
) -> None:
    import hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity
    from schemathesis.generation import GenerationMode

    sent: set[str] = set()

    def example(case: Case[Any]) -> None:
        body = case.body
        if not isinstance(body, str) or body in sent or ctx.budget.exhausted():
            return
        document = parse_or_none(body)
        if document is None or (_sends_mutation(document) and not live.allow_mutations):
            return
        if not ctx.may_send():
            return
        sent.add(body)
        _send(ctx, operation.label, case, body, document, checks, session)

    test = hypothesis.given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))(example)
    root_type, _, field_name = operation.label.partition(".")
    canonical = canonical_query(ctx.schema, root_type, field_name)
    if canonical is not None:
        test = hypothesis.example(operation.Case(body=canonical, media_type="application/json"))(test)
    test = hypothesis.settings(
        max_examples=live.max_examples,
        phases=(Phase.explicit, Phase.generate),
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )(test)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    try:
        test()
    except Exception as exc:  # generation problems: an unsupported custom scalar, an unusable type, ...
        log.info("live %s: cannot generate queries for %s: %s", ctx.target, operation.label, exc)
        ctx.recorder.skip(operation.label, f"cannot generate queries: {_first_line(exc)}")


def _sends_mutation(document: DocumentNode) -> bool:
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation is not OperationType.QUERY
        for d in document.definitions
    )


def _send(
    ctx: LiveContext,
    label: str,
    case: Case[Any],
    body: str,
    document: DocumentNode,
    checks: list[tuple[str, Callable[..., Any]]],
    session: requests.Session,
) -> None:
    from schemathesis.core.failures import FailureGroup

    ctx.recorder.request(generated=True)
    key, call = root_call(document)
    curl = curl_command(ctx.url, ctx.headers, {"query": body})
    timeout = ctx.request_time()
    try:
        response = case.call(
            base_url=ctx.url,
            session=session,
            headers=dict(ctx.headers),
            timeout=timeout,
            verify=ctx.verify,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        message = (
            f"no response within {timeout:.1f}s to {call}"
            if isinstance(exc, requests.Timeout)
            else f"request failed ({type(exc).__name__}) for {call}"
        )
        ctx.recorder.failure(LiveFailure(label, "transport", message, key, curl, kind=type(exc).__name__))
        return
    if ctx.refused(response.status_code):
        return
    for name, check in checks:
        try:
            case.validate_response(response, checks=[check], headers=dict(ctx.headers))
        except FailureGroup as group:
            for failure in group.exceptions:
                _record(ctx, label, name, failure, response.status_code, key, call, curl)
    reply = Reply(response.status_code, decode(response.content), response.content.decode("utf-8", "replace"))
    ctx.check_data(
        operation=label, source="generated", document=document, operation_name=None, reply=reply, curl=curl
    )


def _record(
    ctx: LiveContext, label: str, check: str, failure: Failure, status: int, key: str, call: str, curl: str
) -> None:
    errors = getattr(failure, "errors", None) or []
    codes = {_code(e) for e in errors}
    if errors and codes <= INPUT_REJECTION_CODES and check == "positive_data_acceptance":
        return
    path = key
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    if isinstance(first.get("path"), list):
        path = format_path([p for p in first["path"] if isinstance(p, str | int)])
    detail = _first_line(failure.message) if failure.message else f"HTTP {status}"
    message = f"{failure.title}: {detail} (query: {call})"
    ctx.recorder.failure(
        LiveFailure(label, check, message, path, curl, kind=type(failure).__name__, status=status)
    )


def _code(error: Any) -> str | None:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) else None


def _first_line(value: object, limit: int = 300) -> str:
    text = str(value).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
