"""execute_query: live, read-only exploration of a target through its configured authentication.

Before anything is sent, the document must validate against the target's latest snapshot, hold exactly
one operation, be a query (mutations only where the target sets ``allow_mutations``; subscriptions need a
streaming transport and are always refused) and stay within the depth and field limits. The request goes
to the configured URL only, with the configured headers and auth; it must finish within the time limit
and its body must stay under the size limit (read in chunks, so a huge answer is cut off, not buffered).
The answer is trimmed to the budget by shortening lists, and every secret is masked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import anyio
import anyio.to_thread
import httpx

from monitor.adapters.auth import auth_for
from monitor.adapters.http import ResponseTooLarge, new_client, read_capped
from monitor.core.contracts.document import check_document
from monitor.errors import AuthError, ConfigError
from monitor.mcp.answers import json_size
from monitor.mcp.catalog import Catalog, envelope
from monitor.mcp.models import DeprecatedUsageModel, ExecuteAnswer
from monitor.mcp.operation_tools import parse_variables
from monitor.settings.models import TargetConfig
from monitor.support.redact import redact


@dataclass(frozen=True, slots=True)
class LiveLimits:
    """Bounds on one live query."""

    max_depth: int = 12
    max_fields: int = 500
    timeout: float = 20.0
    max_response_bytes: int = 2 * 1024 * 1024


@dataclass
class LiveClient:
    """Sends queries to targets, with the process's auth per target (:func:`auth_for`: tokens reused)."""

    limits: LiveLimits = field(default_factory=LiveLimits)

    async def execute(
        self,
        catalog: Catalog,
        target: str,
        query: str,
        variables: Mapping[str, Any] | str | None,
        max_chars: int,
    ) -> ExecuteAnswer:
        config = await anyio.to_thread.run_sync(catalog.configured, target)
        snap, loaded = await anyio.to_thread.run_sync(catalog.snapshot, config.name, "latest")
        values = parse_variables(variables) or {}
        checked = await anyio.to_thread.run_sync(lambda: check_document(loaded.schema, query, values))
        if not checked.valid:
            lines = [
                f"{p.message}" + (f" (line {p.line}, column {p.column})" if p.line else "")
                for p in checked.problems[:5]
            ]
            raise ConfigError(
                "not sent: the query does not validate against the latest schema: " + "; ".join(lines)
            )
        if len(checked.operations) != 1:
            raise ConfigError("not sent: send exactly one operation per call")
        operation = checked.operations[0]
        if operation.kind == "subscription":
            raise ConfigError(
                "not sent: subscriptions need a streaming transport; execute_query runs queries"
            )
        if operation.kind == "mutation" and not config.allow_mutations:
            raise ConfigError(
                f"not sent: {config.name} is read-only here (mutations are refused unless the target sets "
                "allow_mutations = true in monitor.toml)"
            )
        limits = self.limits
        if operation.depth > limits.max_depth:
            raise ConfigError(
                f"not sent: the query is {operation.depth} levels deep; the limit is {limits.max_depth}"
            )
        if operation.fields > limits.max_fields:
            raise ConfigError(
                f"not sent: the query selects {operation.fields} fields; the limit is {limits.max_fields}"
            )
        started = time.perf_counter()
        status, body = await self._send(config, query, values)
        elapsed = int((time.perf_counter() - started) * 1000)
        document = _decode(config, status, body)
        data, trimmed = _shrink(document.get("data"), max_chars - 2_000)
        raw_errors = document.get("errors")
        errors: list[Any] = raw_errors if isinstance(raw_errors, list) else []
        answer = ExecuteAnswer(
            **envelope(config.name, snap),
            operation=operation.name,
            status_code=status,
            elapsed_ms=elapsed,
            data=data,
            errors=errors[:20],
            trimmed=trimmed,
            deprecated_usages=[DeprecatedUsageModel.model_validate(d) for d in checked.deprecated],
        )
        if trimmed:
            answer.truncated = True
            answer.note = (
                "lists were shortened to fit the answer; ask for fewer fields or fewer items "
                "(pagination arguments such as first: 10)"
            )
        return answer

    async def _send(self, target: TargetConfig, query: str, variables: dict[str, Any]) -> tuple[int, bytes]:
        limits = self.limits
        timeout = min(limits.timeout, target.timeout)
        cap = min(limits.max_response_bytes, target.max_response_bytes)
        headers = {
            **target.header_values(),
            "Content-Type": "application/json",
            "Accept": "application/graphql-response+json, application/json",
        }
        payload = {"query": query, "variables": variables}
        try:
            with anyio.fail_after(timeout):
                async with (
                    new_client(timeout=timeout, verify=target.verify_tls) as client,
                    client.stream(
                        "POST", str(target.url), json=payload, headers=headers, auth=auth_for(target)
                    ) as response,
                ):
                    return response.status_code, await read_capped(response, cap)
        except TimeoutError:
            raise ConfigError(f"{target.name} did not answer within {timeout:g}s; ask for less") from None
        except ResponseTooLarge:
            raise ConfigError(
                f"{target.name}'s answer exceeded {cap // 1024} KiB and was dropped; select fewer fields or "
                "fewer items (first: 10)"
            ) from None
        except AuthError:
            raise
        except httpx.HTTPError as exc:
            raise ConfigError(
                f"{target.name}: request failed: {type(exc).__name__}: {redact(str(exc))[:200]}"
            ) from None


def _decode(target: TargetConfig, status: int, body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        snippet = redact(body[:200].decode("utf-8", "replace"))
        raise ConfigError(f"{target.name} answered HTTP {status} without a JSON body: {snippet!r}") from None
    if not isinstance(document, dict) or ("data" not in document and "errors" not in document):
        raise ConfigError(f"{target.name} answered HTTP {status} with JSON that is not a GraphQL response")
    return document


_MIN_ITEMS: Final = 1


def _shrink(data: Any, budget: int) -> tuple[Any, list[str]]:
    """``data`` with its lists shortened until its JSON fits ``budget``; which lists were cut, and how."""
    if json_size(data) <= budget:
        return data, []
    keep = max(_longest_list(data) // 2, _MIN_ITEMS)
    while True:
        cuts: dict[str, tuple[int, int]] = {}
        candidate = _cut(data, keep, "data", cuts)
        if json_size(candidate) <= budget or keep <= _MIN_ITEMS:
            break
        keep = max(keep // 2, _MIN_ITEMS)
    trimmed = [f"{path}: {kept} of up to {total} items" for path, (kept, total) in cuts.items()][:50]
    if json_size(candidate) > budget:
        text = json.dumps(candidate)[:budget]
        return {"__trimmed_json_prefix": text}, [*trimmed, "data: too large even with one item per list"]
    return candidate, trimmed


def _longest_list(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(_longest_list(v) for v in value)])
    if isinstance(value, dict):
        return max([0, *(_longest_list(v) for v in value.values())])
    return 0


def _cut(value: Any, keep: int, path: str, cuts: dict[str, tuple[int, int]]) -> Any:
    """``value`` with every list cut to ``keep`` items; ``cuts`` maps each cut list's path to (kept, longest)."""
    if isinstance(value, list):
        if len(value) > keep:
            cuts[path] = (keep, max(len(value), cuts.get(path, (0, 0))[1]))
        return [_cut(v, keep, f"{path}[]", cuts) for v in value[:keep]]
    if isinstance(value, dict):
        return {k: _cut(v, keep, f"{path}.{k}", cuts) for k, v in value.items()}
    return value
