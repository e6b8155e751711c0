"""What the worker thread of one live run shares: where to send, with what, within which bounds, and
where findings go. Also gqlmon's own verdict on one GraphQL response (conformance and status), used for
generated queries (beside Schemathesis's checks) and for replayed saved operations alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from graphql import DocumentNode, FieldNode, GraphQLError, OperationDefinitionNode, parse, print_ast

from monitor.core.conformance import check_response, format_path
from monitor.live.limits import Budget, RateLimiter
from monitor.live.result import LiveFailure, Recorder, Source

__all__ = ["INPUT_REJECTION_CODES", "LiveContext", "Reply", "decode", "parse_or_none", "root_call"]

_MIN_REQUEST_TIMEOUT: Final = 0.5
#: Error codes that reject an argument *value* (a negative ``first``, an unknown id): the schema cannot
#: express such rules, so a generated value that trips them is not a contract failure.
INPUT_REJECTION_CODES: Final = frozenset({"BAD_USER_INPUT"})


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer: status and the decoded JSON body (``None`` when it is not JSON)."""

    status: int
    payload: Any
    text: str


@dataclass
class LiveContext:
    target: str
    url: str
    headers: dict[str, str]
    verify: bool
    request_timeout: float
    schema: Any  # graphql.GraphQLSchema (Any: shared with untyped Schemathesis code paths)
    budget: Budget
    limiter: RateLimiter
    recorder: Recorder

    def request_time(self) -> float:
        """Timeout of the next request: the target's, cut to what is left of the run (at least 0.5 s)."""
        return max(min(self.request_timeout, self.budget.remaining()), _MIN_REQUEST_TIMEOUT)

    def may_send(self) -> bool:
        """Wait for the rate limiter; False when the run is over (deadline, stop, or an earlier error)."""
        if self.recorder.error is not None or self.budget.exhausted():
            return False
        return self.limiter.acquire(self.budget)

    def refused(self, status: int) -> bool:
        """Stop the run on 401/403/429: those say nothing about the contract and would repeat."""
        if status in (401, 403):
            self.recorder.fail_run(
                f"{self.target}: HTTP {status} from {self.url} during live tests; "
                "check the target's credentials"
            )
        elif status == 429:
            self.recorder.fail_run(
                f"{self.target}: HTTP 429 (rate limited) from {self.url}; lower [targets.live] rate_limit"
            )
        else:
            return False
        self.budget.stop()
        return True

    def check_data(
        self,
        *,
        operation: str,
        source: Source,
        document: DocumentNode,
        operation_name: str | None,
        reply: Reply,
        curl: str,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """gqlmon's conformance check of the response's ``data``; every violation is recorded."""
        if reply.status >= 500 or not isinstance(reply.payload, dict) or "data" not in reply.payload:
            return
        errors = reply.payload.get("errors")
        violations = check_response(
            self.schema,
            document,
            operation_name,
            reply.payload["data"],
            errors=errors if isinstance(errors, list) else None,
            variables=variables,
        )
        for violation in violations:
            self.recorder.failure(
                LiveFailure(
                    operation=operation,
                    check="conformance",
                    kind=violation.kind,
                    message=violation.message,
                    path=violation.where,
                    curl=curl,
                    source=source,
                    status=reply.status,
                )
            )

    def check_replay(self, *, operation: str, reply: Reply, curl: str, path: str) -> None:
        """Status and ``errors`` of a replayed saved operation (Schemathesis checks only generated ones)."""
        base = LiveFailure(operation, "", "", path, curl, "replay", status=reply.status)
        if reply.status >= 500:
            self.recorder.failure(
                _with(
                    base, "not_a_server_error", "server_error", f"HTTP {reply.status}: {_excerpt(reply.text)}"
                )
            )
            return
        if not isinstance(reply.payload, dict):
            message = f"HTTP {reply.status}, not a GraphQL JSON object: {_excerpt(reply.text)}"
            self.recorder.failure(_with(base, "response_schema_conformance", "malformed_response", message))
            return
        errors = reply.payload.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
            where = first.get("path")
            shown = _path_text(where) if isinstance(where, list) else path
            message = f"{len(errors)} GraphQL error(s), first: {_excerpt(str(first.get('message')))}"
            self.recorder.failure(_with(base, "not_a_server_error", "graphql_errors", message, shown))


def root_call(document: DocumentNode) -> tuple[str, str]:
    """(response key, ``field(arg: value)``) of the first root field: where a failed query went."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    bare = FieldNode(name=selection.name, arguments=selection.arguments, directives=())
                    return key, print_ast(bare)
    return "", ""


def parse_or_none(text: str) -> DocumentNode | None:
    try:
        return parse(text)
    except GraphQLError:
        return None


def decode(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _with(base: LiveFailure, check: str, kind: str, message: str, path: str | None = None) -> LiveFailure:
    return replace(base, check=check, kind=kind, message=message, path=base.path if path is None else path)


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _path_text(path: list[Any]) -> str:
    return format_path([p for p in path if isinstance(p, str | int)])
