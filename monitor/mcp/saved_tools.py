"""Saved operations as MCP tools: each valid saved operation of an opted-in target becomes a tool.

A target opts in with ``[targets.mcp] expose_operations = true``. Its saved operations (the contracts
directory) are validated against its latest snapshot; each valid query (and mutation, where the target
sets ``allow_mutations``) becomes the tool ``<target>_<OperationName>``, whose input schema is built from
the operation's variables (JSON types, enum values, required-ness, descriptions from the arguments they
feed) and which runs the operation live through ``execute_query``'s path (the target's authentication,
its depth, time and size limits). Broken operations, subscriptions, mutations of a read-only target and
operations over the bound are not offered; :meth:`SavedOperationTools.status` says which and why, and
``list_targets`` shows it.

The bound: at most ``max_tools`` per target (default 20, at most 50) and :data:`MAX_EXPOSED_TOOLS` in all,
so a large contracts directory cannot flood an assistant's tool list.

The tool list follows the store and the files: :meth:`SavedOperationTools.run` polls the latest snapshot
of each opted-in target and the contracts' file stamps, rebuilds the tools when either changes, and then
announces ``notifications/tools/list_changed`` (to ``subscriptions/listen`` streams through the server's
subscription bus, and to handshake-era sessions the notifier knows).
"""

from __future__ import annotations

import hashlib
import inspect
import keyword
import logging
import re
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import anyio
import anyio.to_thread
from graphql import (
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    visit,
)
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field

from monitor.codegen.scalars import STRING_SCALARS
from monitor.codegen.shapes import EnumShape, ListOf, Maybe, Named, Ref, build_module
from monitor.core.contracts import Operation, OperationSet, Status, validate_operations
from monitor.errors import MonitorError
from monitor.mcp.answers import result, tool_errors
from monitor.mcp.catalog import Catalog
from monitor.mcp.execute_tools import LiveClient
from monitor.mcp.models import ExecuteAnswer, OperationTool, TargetList
from monitor.mcp.notify import Notifier
from monitor.settings.models import TargetConfig
from monitor.support.redact import redact

log = logging.getLogger("monitor.mcp")

MAX_EXPOSED_TOOLS: Final = 100
_JSON_SCALARS: Final[dict[str, Any]] = {"ID": str, "String": str, "Int": int, "Float": float, "Boolean": bool}
_ANY_JSON = dict[str, Any] | list[Any] | str | int | float | bool


@dataclass(frozen=True, slots=True)
class Exposed:
    """One saved operation offered as a tool."""

    tool: str
    target: str
    operation: str
    kind: str
    document: str
    description: str
    parameters: tuple[inspect.Parameter, ...]
    variables: tuple[tuple[str, str], ...]  # (parameter, variable)
    digest: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A saved operation that is not offered, and why."""

    operation: str
    reason: str


@dataclass
class TargetPlan:
    exposed: list[Exposed] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def tool_name(target: str, operation: str) -> str:
    """``<target>_<OperationName>`` with characters MCP tool names do not allow replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{target}_{operation}")[:128]


def plan_target(
    config: TargetConfig, schema: GraphQLSchema, snapshot: str, operations: OperationSet, budget: int
) -> TargetPlan:
    """Which of ``operations`` become tools (at most ``budget``), and why the others do not. Pure."""
    plan = TargetPlan()
    plan.skipped.extend(Skipped(p.file, f"cannot be read: {p.message}") for p in operations.problems)
    results = validate_operations(schema, OperationSet(operations.operations)).by_name()
    limit = min(budget, config.mcp.max_tools)
    for op in operations.operations:
        checked = results.get(op.name)
        if checked is None or checked.status is Status.BROKEN:
            first = checked.errors[0].message if checked and checked.errors else "invalid"
            plan.skipped.append(
                Skipped(op.name, f"broken at snapshot {snapshot[:12]}: {' '.join(first.split())}")
            )
        elif op.kind == "subscription":
            plan.skipped.append(Skipped(op.name, "a subscription (needs a streaming transport)"))
        elif op.kind == "mutation" and not config.allow_mutations:
            plan.skipped.append(Skipped(op.name, "a mutation, and the target does not set allow_mutations"))
        elif len(plan.exposed) >= limit:
            plan.skipped.append(Skipped(op.name, f"over the bound of {limit} tools (targets.mcp.max_tools)"))
        else:
            try:
                plan.exposed.append(_exposed(config, schema, snapshot, op))
            except ValueError as exc:
                plan.skipped.append(Skipped(op.name, str(exc)))
    return plan


def _exposed(config: TargetConfig, schema: GraphQLSchema, snapshot: str, op: Operation) -> Exposed:
    from graphql import print_ast

    module = build_module(schema, [(op.definition, op.fragments)])
    enums = {e.name: e for e in module.enums}
    described = _variable_descriptions(schema, op.definition)
    parameters: list[inspect.Parameter] = []
    names: list[tuple[str, str]] = []
    for variable in module.operations[0].variables:
        name = variable.name
        if not name.isidentifier() or name.startswith("_") or keyword.iskeyword(name):
            raise ValueError(f"variable ${name} cannot be a tool parameter name")
        type_ = _python_type(variable.ref, enums)
        text = described.get(name) or f"${name}"
        text += f" (GraphQL type {_graphql_type(variable.ref)})"
        if variable.required:
            annotation: Any = Annotated[type_, Field(description=text)]
            parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
        else:
            optional = type_ if isinstance(variable.ref, Maybe) else type_ | None
            annotation = Annotated[optional, Field(description=text + "; optional")]
            parameters.append(
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=None)
            )
        names.append((name, name))
    document = "\n\n".join(print_ast(d) for d in op.document.definitions)
    verb = "query" if op.kind == "query" else "mutation (it changes data)"
    description = redact(
        f"Run the saved {verb} {op.name} of {config.name} ({op.file}) live, through the target's "
        f"authentication; returns data and errors. The operation:\n\n{document}"
    )
    digest = hashlib.sha256(f"{snapshot}\n{document}".encode()).hexdigest()
    tool = tool_name(config.name, op.name)
    return Exposed(
        tool, config.name, op.name, op.kind, document, description, tuple(parameters), tuple(names), digest
    )


def _python_type(ref: Ref, enums: dict[str, EnumShape]) -> Any:
    if isinstance(ref, Maybe):
        return _python_type(ref.inner, enums) | None
    if isinstance(ref, ListOf):
        return list[_python_type(ref.item, enums)]  # type: ignore[misc]
    assert isinstance(ref, Named)
    if ref.kind == "enum":
        return Literal[tuple(enums[ref.name].values)]
    if ref.kind == "input":
        return dict[str, Any]
    if ref.name in _JSON_SCALARS:
        return _JSON_SCALARS[ref.name]
    return str if ref.name in STRING_SCALARS else _ANY_JSON


def _graphql_type(ref: Ref) -> str:
    if isinstance(ref, Maybe):
        return _graphql_type(ref.inner).removesuffix("!")
    if isinstance(ref, ListOf):
        return f"[{_graphql_type(ref.item)}]!"
    assert isinstance(ref, Named)
    return f"{ref.name}!"


def _variable_descriptions(schema: GraphQLSchema, definition: OperationDefinitionNode) -> dict[str, str]:
    """Each variable's description: that of the argument it is passed to (first use)."""
    found: dict[str, str] = {}
    info = TypeInfo(schema)

    class _Arguments(Visitor):
        def enter_argument(self, node: Any, *_: Any) -> None:
            argument = info.get_argument()
            if isinstance(node.value, VariableNode) and argument is not None and argument.description:
                found.setdefault(node.value.name.value, " ".join(argument.description.split()))

    visit(definition, TypeInfoVisitor(info, _Arguments()))
    return found


# ------------------------------------------------------------------------------------------- serving


@dataclass(eq=False, repr=False)  # identity semantics and the plain repr, as a service object
class SavedOperationTools:
    """Keeps the server's ``<target>_<Operation>`` tools in step with the store and the contracts."""

    server: MCPServer[Any]
    catalog: Catalog
    notifier: Notifier
    live: LiveClient
    _: KW_ONLY
    max_chars: int
    interval: float = 5.0
    exposed: dict[str, Exposed] = field(default_factory=dict, init=False)
    plans: dict[str, TargetPlan] = field(default_factory=dict, init=False)
    _stamp: object = field(default=None, init=False)
    _lock: anyio.Lock = field(default_factory=anyio.Lock, init=False)

    @property
    def targets(self) -> list[TargetConfig]:
        return [t for t in self.catalog.settings.targets if t.mcp.expose_operations]

    def status(self, target: str) -> TargetPlan | None:
        """What is offered for ``target`` and what is not (``None`` when it does not opt in)."""
        return self.plans.get(target)

    @property
    def _base(self) -> Path | None:
        """Where operation files are shown from (as check_contracts shows them)."""
        path = self.catalog.settings.config_path
        return path.parent if path else None

    def stamp(self) -> object:
        """What the tools depend on: each opted-in target's latest snapshot and contracts' file stamps."""
        state = self.catalog.watch_state() if self.catalog.has_store() else {}
        stamps = []
        for config in self.targets:
            directory = config.contracts_dir
            files = sorted(directory.rglob("*")) if directory.is_dir() else []
            stat = [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.is_file()]
            stamps.append((config.name, state.get(config.name, (None, None))[0], tuple(stat)))
        return tuple(stamps)

    def plan(self) -> dict[str, TargetPlan]:
        """The tools every opted-in target offers now (reads the store and the files)."""
        from monitor.adapters.operations import load_operations

        plans: dict[str, TargetPlan] = {}
        budget = MAX_EXPOSED_TOOLS
        for config in self.targets:
            try:
                snap, loaded = self.catalog.snapshot(config.name, "latest")
                operations = load_operations(config.contracts_dir, base=self._base)
            except MonitorError as exc:
                plans[config.name] = TargetPlan(
                    skipped=[Skipped("*", f"nothing offered: {redact(str(exc))}")]
                )
                continue
            plan = plan_target(config, loaded.schema, snap.id, operations, budget)
            budget -= len(plan.exposed)
            plans[config.name] = plan
        return plans

    async def sync(self) -> bool:
        """Rebuild the tools; notify and return True when the list changed."""
        async with self._lock:
            stamp = await anyio.to_thread.run_sync(self.stamp)
            plans = await anyio.to_thread.run_sync(self.plan)
            builtin = {t.name for t in await self.server.list_tools()} - set(self.exposed)
            for plan in plans.values():  # a target named "list" must not shadow list_targets
                clash = [e for e in plan.exposed if e.tool in builtin]
                plan.exposed = [e for e in plan.exposed if e.tool not in builtin]
                plan.skipped += [
                    Skipped(e.operation, f"{e.tool} is the name of a gqlmon tool") for e in clash
                ]
            wanted = {e.tool: e for p in plans.values() for e in p.exposed}
            changed = False
            for name, old in list(self.exposed.items()):
                if name not in wanted or wanted[name].digest != old.digest:
                    self.server.remove_tool(name)
                    del self.exposed[name]
                    changed = True
            for name, exposed in wanted.items():
                if name not in self.exposed:
                    self._add(exposed)
                    changed = True
            self.plans = plans
            self._stamp = stamp
        if changed:
            await self.notifier.tools_changed()
        return changed

    def _add(self, exposed: Exposed) -> None:
        self.server.add_tool(
            self._function(exposed),
            name=exposed.tool,
            title=f"{exposed.target}: {exposed.operation}",
            description=exposed.description,
            annotations=ToolAnnotations(
                read_only_hint=exposed.kind == "query",
                destructive_hint=exposed.kind != "query",
                idempotent_hint=exposed.kind == "query",
                open_world_hint=True,
            ),
        )
        self.exposed[exposed.tool] = exposed

    def _function(self, exposed: Exposed) -> Callable[..., Any]:
        live, catalog, cap = self.live, self.catalog, self.max_chars

        async def run(**arguments: Any) -> CallToolResult:
            values = {
                variable: arguments[param]
                for param, variable in exposed.variables
                if arguments.get(param) is not None
            }
            with tool_errors():
                return result(await live.execute(catalog, exposed.target, exposed.document, values, cap))

        run.__name__ = exposed.tool
        run.__doc__ = exposed.description
        run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            list(exposed.parameters), return_annotation=Annotated[CallToolResult, ExecuteAnswer]
        )
        return run

    def annotate(self, answer: TargetList) -> TargetList:
        """``list_targets``' answer with, per opted-in target, what is offered and what is not."""
        for status in answer.targets:
            plan = self.plans.get(status.target)
            if plan is not None:
                status.operation_tools = [
                    OperationTool(operation=e.operation, tool=e.tool) for e in plan.exposed
                ]
                status.operation_tools += [
                    OperationTool(operation=s.operation, reason=s.reason) for s in plan.skipped
                ]
        return answer

    async def run(self) -> None:
        """Build the tools, then rebuild them whenever the store or the contracts change (until cancelled)."""
        if not self.targets:
            return
        while True:
            try:
                stamp = await anyio.to_thread.run_sync(self.stamp)
                if stamp != self._stamp:
                    await self.sync()
            except MonitorError as exc:  # no store yet, a transient error: try again at the next poll
                log.debug("saved operation tools: %s", exc)
            await anyio.sleep(self.interval)
