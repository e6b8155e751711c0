"""Resolvers of the demo API, shared by both schema versions.

One :func:`field_resolver` serves every field: a field listed in :data:`RESOLVERS` (``"Type.field"``) gets
its function, any other reads the record attribute of the same name in snake_case. Fields that exist in one
version only simply go unused in the other; fields whose type changed between versions look at
``info.return_type`` instead of at a version flag. Abstract types resolve by record class name.

In misbehaving mode (see :class:`Faults`) three resolvers answer wrongly on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Literal, get_args

from graphql import (
    GraphQLAbstractType,
    GraphQLError,
    GraphQLResolveInfo,
    get_named_type,
    is_abstract_type,
    is_object_type,
)

from monitor.demo.auth import TokenIssuer
from monitor.demo.choices import one_of
from monitor.demo.data import DemoStore, DemoStoreError, NodeRecord, Policy, Run, Stack

Mode = Literal["healthy", "misbehaving"]

#: The behaviours the demo can switch between; ``healthy`` is the default.
MODES: Final[tuple[Mode, ...]] = get_args(Mode)


@dataclass(frozen=True, slots=True)
class Faults:
    """What the misbehaving mode does wrong; one of each kind a live contract test should catch."""

    #: A non-null field that answers ``null``.
    null_field: str = "Stack.branch"
    #: An enum field that answers a value its enum does not define ...
    enum_field: str = "Run.state"
    #: ... namely this one.
    enum_value: str = "ARCHIVED"
    #: The argument whose value below makes the server answer HTTP 500 ...
    crash_argument: str = "Query.stacks(first:)"
    #: ... namely this one.
    crash_value: int = 0


#: The faults of the misbehaving mode.
FAULTS: Final = Faults()


class InternalFault(Exception):
    """Raised by a resolver to make the HTTP layer answer 500, as a crashing server would."""


def check_mode(mode: str) -> Mode:
    """``mode`` as a :data:`Mode`; ``ValueError`` naming the known modes otherwise."""
    return one_of(mode, MODES, "mode")


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Per-request state handed to every resolver as ``info.context``."""

    store: DemoStore
    issuer: TokenIssuer
    mode: Mode
    #: The API key / user ID the bearer token was issued for, if the request carried a valid one.
    viewer_id: str | None = None

    @property
    def misbehaving(self) -> bool:
        """Whether the resolvers should answer wrongly on purpose."""
        return self.mode == "misbehaving"


#: What every resolver receives as ``info``.
Info = GraphQLResolveInfo[RequestContext]


def field_resolver(source: Any, info: Info, **args: Any) -> Any:
    """Resolve any field of either schema version (pass as ``field_resolver`` to ``execute``)."""
    resolver = RESOLVERS.get(f"{info.parent_type.name}.{info.field_name}")
    if resolver is not None:
        return resolver(source, info, **args)
    return getattr(source, _snake(info.field_name))


def type_resolver(value: Any, info: Info, abstract_type: GraphQLAbstractType) -> str:
    """The GraphQL type of a record: its class name (pass as ``type_resolver`` to ``execute``)."""
    return type(value).__name__


@cache
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _context(info: Info) -> RequestContext:
    return info.context


def _store(info: Info) -> DemoStore:
    return _context(info).store


def _exposed(records: Iterable[NodeRecord], info: Info) -> list[NodeRecord]:
    """The records whose type the field's (abstract) return type can hold in the served schema version."""
    named = get_named_type(info.return_type)
    if not is_abstract_type(named):
        return list(records)
    assert isinstance(named, GraphQLAbstractType)
    allowed = {object_type.name for object_type in info.schema.get_possible_types(named)}
    return [record for record in records if type(record).__name__ in allowed]


def _limit(first: int | None, items: list[Any]) -> list[Any]:
    if first is None:
        return items
    if first < 0:
        # Labelled as the client's mistake, as well-behaved APIs do: live tests do not count it as a failure.
        raise GraphQLError(
            f"`first` must not be negative, got {first}.", extensions={"code": "BAD_USER_INPUT"}
        )
    return items[:first]


# Query -------------------------------------------------------------------------------------------------


def _viewer(_: None, info: Info) -> Any:
    viewer_id = _context(info).viewer_id
    return _store(info).users.get(viewer_id) if viewer_id else None


def _node(_: None, info: Info, id: str) -> Any:
    record = _store(info).node(id)
    exposed = _exposed([record] if record else [], info)
    return exposed[0] if exposed else None


def _stacks(_: None, info: Info, first: int | None = None) -> list[Stack]:
    if _context(info).misbehaving and first == FAULTS.crash_value:
        raise InternalFault(f"{FAULTS.crash_argument} = {first}")
    return _limit(first, sorted(_store(info).stacks.values(), key=lambda stack: stack.name))


def _stack(_: None, info: Info, id: str) -> Stack | None:
    return _store(info).stacks.get(id)


def _runs(_: None, info: Info, stackId: str | None = None, first: int = 20) -> list[Run]:
    return _limit(first, _store(info).stack_runs(stackId))


def _search(_: None, info: Info, query: str, first: int = 20, fuzzy: bool = False) -> list[NodeRecord]:
    store = _store(info)
    candidates: list[NodeRecord] = [
        *sorted(store.stacks.values(), key=lambda stack: stack.name),
        *store.stack_runs(None),
        *store.spaces.values(),
        *store.policies.values(),
        *store.contexts.values(),
    ]
    words = query.lower().split()
    # Schema v2 deprecates `fuzzy` because its search is always fuzzy.
    fuzzy = fuzzy or info.parent_type.fields[info.field_name].args["fuzzy"].deprecation_reason is not None

    def matches(record: NodeRecord) -> bool:
        text = _search_text(record)
        return all(word in text for word in words) if fuzzy else " ".join(words) in text

    return _limit(first, _exposed(filter(matches, candidates), info)) if words else []


def _search_text(record: NodeRecord) -> str:
    parts = [record.id]
    for attribute in ("name", "title", "description", "login"):
        value = getattr(record, attribute, None)
        if isinstance(value, str):
            parts.append(value)
    parts.extend(getattr(record, "labels", ()))
    return " ".join(parts).lower()


# Mutation ----------------------------------------------------------------------------------------------


def _api_key_user(_: None, info: Info, id: str, secret: str) -> Any:
    token = _context(info).issuer.exchange(id, secret)
    if token is None:
        raise GraphQLError(
            "Unauthorized: unknown API key or wrong secret.", extensions={"code": "UNAUTHORIZED"}
        )
    return token


def _stack_create(
    _: None,
    info: Info,
    input: dict[str, Any],
    manageState: bool = True,
) -> Stack:
    try:
        return _store(info).create_stack(
            name=input["name"],
            repository=input["repository"],
            branch=input["branch"],
            space_id=input.get("spaceId") or "root",
            description=input.get("description"),
            project_root=input.get("projectRoot"),
            labels=input.get("labels"),
            autodeploy=bool(input.get("autodeploy")),
            administrative=bool(input.get("administrative")),
            worker_pool_id=input.get("workerPoolId"),
            vcs_integration_id=input.get("vcsIntegrationId"),
            terraform_version=input.get("terraformVersion"),
        )
    except DemoStoreError as exc:
        raise GraphQLError(str(exc), extensions={"code": "BAD_REQUEST"}) from exc


def _run_trigger(
    _: None,
    info: Info,
    stack: str,
    commitSha: str | None = None,
    runType: str = "TRACKED",
) -> Run:
    try:
        return _store(info).trigger_run(
            stack_id=stack, commit_sha=commitSha, run_type=runType, triggered_by_id=_context(info).viewer_id
        )
    except DemoStoreError as exc:
        raise GraphQLError(str(exc), extensions={"code": "BAD_REQUEST"}) from exc


# Object fields -----------------------------------------------------------------------------------------


def _space_of(record: Any, info: Info) -> Any:
    return _store(info).spaces[record.space_id]


def _stack_branch(stack: Stack, info: Info) -> str | None:
    return None if _context(info).misbehaving else stack.branch


def _stack_worker_pool(stack: Stack, info: Info) -> Any:
    return _store(info).worker_pools.get(stack.worker_pool_id) if stack.worker_pool_id else None


def _stack_runs(stack: Stack, info: Info, first: int = 10, type: str | None = None) -> list[Run]:
    runs = _store(info).stack_runs(stack.id)
    return _limit(first, [run for run in runs if type is None or run.type == type])


def _stack_policies(stack: Stack, info: Info) -> list[Policy]:
    return [policy for policy in _store(info).policies.values() if stack.id in policy.stack_ids]


def _run_state(run: Run, info: Info) -> str:
    return FAULTS.enum_value if _context(info).misbehaving else run.state


def _run_stack(run: Run, info: Info) -> Stack:
    return _store(info).stacks[run.stack_id]


def _run_triggered_by(run: Run, info: Info) -> Any:
    user = _store(info).users.get(run.triggered_by_id) if run.triggered_by_id else None
    if user is None:
        return None
    # v1 answers the login (String), v2 the User object.
    return user if is_object_type(get_named_type(info.return_type)) else user.login


def _space_parent(space: Any, info: Info) -> Any:
    return _store(info).spaces.get(space.parent_space_id) if space.parent_space_id else None


def _space_stacks(space: Any, info: Info) -> list[Stack]:
    return [stack for stack in _store(info).stacks.values() if stack.space_id == space.id]


#: Resolvers of the fields that are not a plain attribute read, keyed ``"Type.field"``.
RESOLVERS: Final[dict[str, Callable[..., Any]]] = {
    "Query.viewer": _viewer,
    "Query.node": _node,
    "Query.stacks": _stacks,
    "Query.stack": _stack,
    "Query.runs": _runs,
    "Query.spaces": lambda _, info: list(_store(info).spaces.values()),
    "Query.workerPools": lambda _, info: list(_store(info).worker_pools.values()),
    "Query.policies": lambda _, info: list(_store(info).policies.values()),
    "Query.contexts": lambda _, info: list(_store(info).contexts.values()),
    "Query.search": _search,
    "Mutation.apiKeyUser": _api_key_user,
    "Mutation.stackCreate": _stack_create,
    "Mutation.runTrigger": _run_trigger,
    "Stack.branch": _stack_branch,
    "Stack.space": _space_of,
    "Stack.workerPool": _stack_worker_pool,
    "Stack.runs": _stack_runs,
    "Stack.policies": _stack_policies,
    "Run.state": _run_state,
    "Run.stack": _run_stack,
    "Run.triggeredBy": _run_triggered_by,
    "Space.parentSpace": _space_parent,
    "Space.stacks": _space_stacks,
    "WorkerPool.space": _space_of,
    "Policy.space": _space_of,
    "Context.space": _space_of,
}
