"""The demo API's records and its deterministic in-memory sample data.

Records are plain dataclasses whose snake_case attributes mirror the schema's camelCase fields, so most
fields resolve by name (see :mod:`monitor.demo.resolvers`). Relations are held as IDs and looked up in the
:class:`DemoStore`. Nothing here depends on the wall clock or on randomness: two stores built by
:func:`sample_store` are equal, and mutations stamp records with a logical clock that advances one minute
per event, so every response of the demo API is reproducible.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: Timestamp of the first sample event; the logical clock starts here.
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Space:
    """A folder for stacks, policies and worker pools."""

    id: str
    name: str
    description: str | None
    parent_space_id: str | None
    inherit_entities: bool
    labels: list[str] = field(default_factory=list)


@dataclass
class User:
    """A person, a bot or an API key."""

    id: str
    login: str
    name: str | None
    email: str | None


@dataclass
class WorkerPool:
    """A group of self-hosted workers."""

    id: str
    name: str
    description: str | None
    space_id: str
    workers: int
    busy_workers: int
    pending_runs: int


@dataclass
class Policy:
    """A Rego policy; ``stack_ids`` are the stacks it is attached to."""

    id: str
    name: str
    type: str
    body: str
    space_id: str
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)
    stack_ids: list[str] = field(default_factory=list)


@dataclass
class Context:
    """A bundle of environment variables (exposed from schema v2 on)."""

    id: str
    name: str
    description: str | None
    space_id: str
    labels: list[str] = field(default_factory=list)


@dataclass
class Stack:
    """An infrastructure project tracked from one branch of a repository."""

    id: str
    name: str
    description: str | None
    repository: str
    branch: str
    project_root: str | None
    autodeploy: bool
    administrative: bool
    space_id: str
    worker_pool_id: str | None
    created_at: datetime
    labels: list[str] = field(default_factory=list)
    is_disabled: bool = False
    vcs_integration_id: str | None = None
    terraform_version: str | None = None

    @property
    def tags(self) -> list[str]:
        """The deprecated alias of :attr:`labels`."""
        return self.labels

    @property
    def project_roots(self) -> list[str]:
        """Schema v2's list form of :attr:`project_root`."""
        return [self.project_root] if self.project_root else []


@dataclass
class Commit:
    """A Git commit."""

    hash: str
    message: str
    author_login: str
    timestamp: datetime
    url: str


@dataclass
class Run:
    """One execution of a stack."""

    id: str
    stack_id: str
    type: str
    state: str
    title: str
    branch: str
    commit: Commit
    triggered_by_id: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def commit_hash(self) -> str:
        """Schema v1's flat form of :attr:`commit`."""
        return self.commit.hash


#: Every record type that implements ``Node``; the GraphQL type name is the class name.
NodeRecord = Space | User | WorkerPool | Policy | Context | Stack | Run


class DemoStoreError(ValueError):
    """A mutation was refused (unknown ID, duplicate name); the message is shown to the API client."""


def commit_sha(seed: str) -> str:
    """A deterministic, realistic-looking 40-character commit SHA."""
    return hashlib.sha256(seed.encode()).hexdigest()[:40]


def slugify(name: str) -> str:
    """A stack ID the way the platform derives it from a name: ``"Payments API"`` -> ``"payments-api"``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "stack"


@dataclass
class DemoStore:
    """All records of one demo API instance, keyed by ID, plus a logical clock for mutations."""

    spaces: dict[str, Space]
    users: dict[str, User]
    worker_pools: dict[str, WorkerPool]
    policies: dict[str, Policy]
    contexts: dict[str, Context]
    stacks: dict[str, Stack]
    runs: dict[str, Run]
    clock: datetime = EPOCH

    def tick(self) -> datetime:
        """Advance the logical clock by one minute and return the new time."""
        self.clock += timedelta(minutes=1)
        return self.clock

    def node(self, node_id: str) -> NodeRecord | None:
        """Any record by its globally unique ID."""
        tables: tuple[Mapping[str, NodeRecord], ...] = (
            self.spaces,
            self.users,
            self.worker_pools,
            self.policies,
            self.contexts,
            self.stacks,
            self.runs,
        )
        for table in tables:
            record = table.get(node_id)
            if record is not None:
                return record
        return None

    def stack_runs(self, stack_id: str | None) -> list[Run]:
        """Runs of one stack (or of all stacks), newest first."""
        runs = [run for run in self.runs.values() if stack_id is None or run.stack_id == stack_id]
        return sorted(runs, key=lambda run: (run.created_at, run.id), reverse=True)

    def create_stack(
        self,
        *,
        name: str,
        repository: str,
        branch: str,
        space_id: str,
        description: str | None = None,
        project_root: str | None = None,
        labels: list[str] | None = None,
        autodeploy: bool = False,
        administrative: bool = False,
        worker_pool_id: str | None = None,
        vcs_integration_id: str | None = None,
        terraform_version: str | None = None,
    ) -> Stack:
        """Create a stack; its ID is the slug of its name."""
        stack_id = slugify(name)
        if stack_id in self.stacks:
            raise DemoStoreError(f"a stack with ID {stack_id!r} already exists")
        if space_id not in self.spaces:
            raise DemoStoreError(f"space {space_id!r} does not exist")
        if worker_pool_id is not None and worker_pool_id not in self.worker_pools:
            raise DemoStoreError(f"worker pool {worker_pool_id!r} does not exist")
        stack = Stack(
            id=stack_id,
            name=name,
            description=description,
            repository=repository,
            branch=branch,
            project_root=project_root,
            autodeploy=autodeploy,
            administrative=administrative,
            space_id=space_id,
            worker_pool_id=worker_pool_id,
            created_at=self.tick(),
            labels=list(labels or []),
            vcs_integration_id=vcs_integration_id,
            terraform_version=terraform_version,
        )
        self.stacks[stack_id] = stack
        return stack

    def trigger_run(
        self, *, stack_id: str, commit_sha: str | None, run_type: str, triggered_by_id: str | None
    ) -> Run:
        """Queue a run of a stack, on the given commit or on the stack's latest one."""
        stack = self.stacks.get(stack_id)
        if stack is None:
            raise DemoStoreError(f"stack {stack_id!r} does not exist")
        if stack.is_disabled:
            raise DemoStoreError(f"stack {stack_id!r} is disabled")
        now = self.tick()
        previous = self.stack_runs(stack_id)
        sha = commit_sha or (previous[0].commit.hash if previous else commit_sha_for(stack, 0))
        run = Run(
            id=f"run-{len(self.runs) + 1:04d}",
            stack_id=stack_id,
            type=run_type,
            state="QUEUED",
            title=f"Triggered run of {stack.name}",
            branch=stack.branch,
            commit=Commit(
                hash=sha,
                message=f"Triggered run of {stack.name}",
                author_login=_author_login(triggered_by_id, self),
                timestamp=now,
                url=f"https://github.com/{stack.repository}/commit/{sha}",
            ),
            triggered_by_id=triggered_by_id,
            created_at=now,
            updated_at=now,
        )
        self.runs[run.id] = run
        return run


def commit_sha_for(stack: Stack, number: int) -> str:
    """The SHA of sample commit ``number`` of a stack."""
    return commit_sha(f"{stack.repository}@{stack.branch}#{number}")


def _author_login(user_id: str | None, store: DemoStore) -> str:
    user = store.users.get(user_id) if user_id else None
    return user.login if user else "ci-bot"
