"""The demo API's sample data: a small platform team's stacks, runs, spaces and policies.

Everything is fixed: IDs are readable slugs (``networking-prod``, ``run-0007``), timestamps step from
:data:`monitor.demo.data.EPOCH`, commit SHAs are hashes of fixed seeds. Each call returns a fresh store, so
mutations in one demo app never leak into another.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import timedelta

from monitor.demo.auth import DEMO_API_KEY_ID
from monitor.demo.data import (
    EPOCH,
    Commit,
    Context,
    DemoStore,
    Policy,
    Run,
    Space,
    Stack,
    User,
    WorkerPool,
    commit_sha_for,
)

_SPACES = (
    Space("root", "root", "The root space.", None, False),
    Space("platform", "platform", "Shared networking and Kubernetes.", "root", True, ["team:platform"]),
    Space("payments", "payments", "The payments team's services.", "root", True, ["team:payments"]),
    Space("sandbox", "sandbox", "Experiments; resources are destroyed nightly.", "platform", False),
)

_USERS = (
    User("user-alice", "alice", "Alice Moreau", "alice@example.com"),
    User("user-bob", "bob", "Bob Okafor", "bob@example.com"),
    User("user-ci-bot", "ci-bot", None, None),
    User(DEMO_API_KEY_ID, DEMO_API_KEY_ID, "Demo API key", None),
)

_WORKER_POOLS = (
    WorkerPool("wp-eu-private", "eu-private", "Private workers in eu-west-1.", "platform", 4, 1, 0),
    WorkerPool("wp-payments-pci", "payments-pci", "PCI-scoped workers.", "payments", 2, 2, 1),
)

_CONTEXTS = (
    Context(
        "ctx-aws-prod", "aws-prod-credentials", "Role ARNs for production accounts.", "platform", ["aws"]
    ),
    Context(
        "ctx-tf-common", "terraform-common-vars", "Variables every stack reads.", "root", ["autoattach:*"]
    ),
)

# id, name, description, repository, branch, project root, autodeploy, administrative, space, pool, labels
_StackRow = tuple[str, str, str | None, str, str, str | None, bool, bool, str, str | None, list[str]]
_STACKS: tuple[_StackRow, ...] = (
    (
        "networking-prod",
        "networking-prod",
        "VPCs, transit gateway and DNS for production.",
        "acme/infra-networking",
        "main",
        "envs/prod",
        False,
        False,
        "platform",
        "wp-eu-private",
        ["env:prod", "team:platform", "terraform"],
    ),
    (
        "networking-staging",
        "networking-staging",
        "VPCs and DNS for staging.",
        "acme/infra-networking",
        "main",
        "envs/staging",
        True,
        False,
        "platform",
        "wp-eu-private",
        ["env:staging", "team:platform", "terraform"],
    ),
    (
        "k8s-cluster-prod",
        "k8s-cluster-prod",
        "The production EKS cluster.",
        "acme/infra-kubernetes",
        "main",
        None,
        False,
        False,
        "platform",
        "wp-eu-private",
        ["env:prod", "kubernetes"],
    ),
    (
        "payments-api",
        "payments-api",
        "Infrastructure of the payments API.",
        "acme/payments",
        "release",
        "infra",
        False,
        False,
        "payments",
        "wp-payments-pci",
        ["env:prod", "team:payments", "pci"],
    ),
    (
        "space-admin",
        "space-admin",
        "Manages spaces, policies and stacks as code.",
        "acme/platform-admin",
        "main",
        None,
        True,
        True,
        "root",
        None,
        ["administrative"],
    ),
    (
        "sandbox-experiments",
        "sandbox-experiments",
        None,
        "acme/sandbox",
        "main",
        None,
        True,
        False,
        "sandbox",
        None,
        [],
    ),
)

# stack, type, state, title, triggered by (None: a push)
_RUNS = (
    ("networking-prod", "TRACKED", "FINISHED", "Add transit gateway attachment for eu-central-1", None),
    ("networking-staging", "TRACKED", "FINISHED", "Add transit gateway attachment for eu-central-1", None),
    ("space-admin", "TRACKED", "FINISHED", "Create the sandbox space", "user-alice"),
    ("k8s-cluster-prod", "TRACKED", "FAILED", "Bump EKS to 1.31", None),
    ("payments-api", "PROPOSED", "FINISHED", "Rotate KMS key aliases", None),
    ("payments-api", "TRACKED", "UNCONFIRMED", "Rotate KMS key aliases", None),
    ("k8s-cluster-prod", "TRACKED", "DISCARDED", "Bump EKS to 1.31", "user-bob"),
    ("networking-prod", "TASK", "FINISHED", "terraform state list", "user-alice"),
    ("sandbox-experiments", "TRACKED", "CANCELED", "Try Karpenter", "user-bob"),
    ("k8s-cluster-prod", "TRACKED", "APPLYING", "Bump EKS to 1.31 with surge upgrades", "user-bob"),
    ("networking-staging", "PROPOSED", "PLANNING", "Tighten NACLs", None),
    ("networking-prod", "TRACKED", "QUEUED", "Tighten NACLs", "user-alice"),
)

_REQUIRE_APPROVAL = """package spacelift

warn contains sprintf("deleting %s needs a second approval", [resource.address]) if {
  some resource in input.terraform.resource_changes
  "delete" in resource.change.actions
}
"""


def sample_store() -> DemoStore:
    """A fresh store holding the sample data."""
    spaces = {space.id: space for space in deepcopy(_SPACES)}
    users = {user.id: user for user in deepcopy(_USERS)}
    pools = {pool.id: pool for pool in deepcopy(_WORKER_POOLS)}
    contexts = {context.id: context for context in deepcopy(_CONTEXTS)}
    stacks: dict[str, Stack] = {}
    for index, row in enumerate(_STACKS):
        stack_id, name, description, repository, branch, root, autodeploy, admin, space, pool, labels = row
        stacks[stack_id] = Stack(
            id=stack_id,
            name=name,
            description=description,
            repository=repository,
            branch=branch,
            project_root=root,
            autodeploy=autodeploy,
            administrative=admin,
            space_id=space,
            worker_pool_id=pool,
            created_at=EPOCH - timedelta(days=90 - 7 * index),
            labels=list(labels),
            is_disabled=stack_id == "sandbox-experiments",
            vcs_integration_id="github-acme",
        )
    policies = _policies(stacks)
    runs: dict[str, Run] = {}
    commits_per_stack: dict[str, int] = {}
    clock = EPOCH
    for number, (stack_id, run_type, state, title, user_id) in enumerate(_RUNS, start=1):
        clock = EPOCH + timedelta(minutes=37 * number)
        stack = stacks[stack_id]
        commit_number = commits_per_stack.get(stack_id, 0) + 1
        commits_per_stack[stack_id] = commit_number
        sha = commit_sha_for(stack, commit_number)
        finished = state not in {"QUEUED", "PREPARING", "PLANNING", "APPLYING"}
        run = Run(
            id=f"run-{number:04d}",
            stack_id=stack_id,
            type=run_type,
            state=state,
            title=title,
            branch=stack.branch,
            commit=Commit(
                hash=sha,
                message=title,
                author_login=users[user_id].login if user_id else "ci-bot",
                timestamp=clock - timedelta(minutes=3),
                url=f"https://github.com/{stack.repository}/commit/{sha}",
            ),
            triggered_by_id=user_id,
            created_at=clock,
            updated_at=clock + timedelta(minutes=6) if finished else clock,
        )
        runs[run.id] = run
    return DemoStore(
        spaces=spaces,
        users=users,
        worker_pools=pools,
        policies=policies,
        contexts=contexts,
        stacks=stacks,
        runs=runs,
        clock=clock,
    )


def _policies(stacks: dict[str, Stack]) -> dict[str, Policy]:
    created = EPOCH - timedelta(days=120)
    prod = [stack.id for stack in stacks.values() if "env:prod" in stack.labels]
    rows = (
        Policy(
            "policy-require-approval",
            "require-approval-for-deletes",
            "PLAN",
            _REQUIRE_APPROVAL,
            "root",
            created,
            created + timedelta(days=30),
            ["autoattach:env:prod"],
            prod,
        ),
        Policy(
            "policy-push-main-only",
            "push-main-only",
            "PUSH",
            "package spacelift\n\ntrack if input.push.branch == input.stack.branch\n",
            "root",
            created,
            created,
            [],
            list(stacks),
        ),
        Policy(
            "policy-login-sso",
            "login-sso-admins",
            "LOGIN",
            'package spacelift\n\nadmin if "platform" in input.session.teams\n',
            "root",
            created,
            created + timedelta(days=2),
            [],
            [],
        ),
        Policy(
            "policy-trigger-dependents",
            "trigger-dependents",
            "TRIGGER",
            'package spacelift\n\ntrigger contains "networking-staging" if input.run.state == "FINISHED"\n',
            "platform",
            created + timedelta(days=10),
            created + timedelta(days=10),
            ["team:platform"],
            ["networking-prod"],
        ),
    )
    return {policy.id: policy for policy in rows}
