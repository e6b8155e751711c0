"""Fixture runs shared by the report, alert, publish, Slack and browser tests.

``fixture_report()`` is a realistic changed run (every section filled, deterministic); ``hostile_report()``
adds API text that tries to be markup everywhere it can: script tags, Markdown links, Slack mentions, ANSI
escapes, bidi overrides and mentions.
"""

from __future__ import annotations

from dataclasses import replace

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.report.model import DriftReport, SnapshotInfo

OLD = SnapshotInfo("a1" * 32, "2026-01-10T08:00:00+00:00")
NEW = SnapshotInfo("b2" * 32, "2026-01-12T09:30:00+00:00")
HOSTILE = (
    "<script>alert(1)</script> [link](http://evil) <!channel> <@U123|boss> @here "
    "\x1b[31mred\x1b[0m <img src=x onerror=alert(2)> & \u202egnp.exe *bold* `tick` | pipe"
)


def _change(
    type_: ChangeType,
    crit: Criticality,
    path: str,
    message: str,
    reason: str,
    *,
    coordinate: str | None = None,
    old: str | None = None,
    new: str | None = None,
    **meta: str,
) -> Change:
    return Change(
        type=type_,
        criticality=crit,
        path=path,
        coordinate=coordinate or path,
        message=message,
        reason=reason,
        old=old,
        new=new,
        meta=tuple(sorted(meta.items())),
    )


FIELD_REMOVED = _change(
    ChangeType.FIELD_REMOVED,
    Criticality.BREAKING,
    "User.email",
    "Field 'email' was removed from object type 'User'",
    "Removing a field breaks every query that selects it.",
    old="String",
    used_by="GetUser,ListUsers",
)
ARG_TYPE = _change(
    ChangeType.FIELD_ARGUMENT_TYPE_CHANGED,
    Criticality.BREAKING,
    "Query.user.id",
    "Type for argument 'id' on field 'Query.user' changed from 'ID' to 'ID!'",
    "A required argument breaks callers that omit it.",
    coordinate="Query.user(id:)",
    old="ID",
    new="ID!",
)
ENUM_ADDED = _change(
    ChangeType.ENUM_VALUE_ADDED,
    Criticality.DANGEROUS,
    "Role.AUDITOR",
    "Enum value 'AUDITOR' was added to enum 'Role'",
    "Clients with exhaustive switches may not handle a new value.",
    new="AUDITOR",
)
TYPE_REMOVED_ACKED = _change(
    ChangeType.TYPE_REMOVED,
    Criticality.BREAKING,
    "LegacyThing",
    "Type 'LegacyThing' was removed",
    "Removing a type breaks queries that use it.",
)
DEPRECATION_RULE = _change(
    ChangeType.FIELD_REMOVED,
    Criticality.DANGEROUS,
    "User.nickname",
    "Field 'nickname' was removed from object type 'User'",
    "Deprecated for 120 days before removal (rule deprecated-removal).",
    old="String",
    rule="deprecated-removal",
    original_criticality="breaking",
    original_reason="Removing a field breaks every query that selects it.",
)
FIELD_ADDED = _change(
    ChangeType.FIELD_ADDED,
    Criticality.SAFE,
    "User.avatarUrl",
    "Field 'avatarUrl' was added to object type 'User'",
    "Adding a field is safe.",
    new="String",
)
DESCRIPTION = _change(
    ChangeType.FIELD_DESCRIPTION_CHANGED,
    Criticality.SAFE,
    "User.name",
    "Description of field 'User.name' changed",
    "Descriptions do not affect clients.",
    old="The user's name",
    new="Full name",
)

CONTRACTS = {
    "total": 4,
    "valid": 1,
    "broken": 2,
    "deprecated": 1,
    "revalidated": 4,
    "reused": 0,
    "operations": [
        {
            "name": "GetUser",
            "kind": "query",
            "file": "contracts/demo/get_user.graphql",
            "line": 1,
            "status": "broken",
            "errors": [
                {
                    "message": "Cannot query field 'email' on type 'User'.",
                    "file": "contracts/demo/get_user.graphql",
                    "line": 4,
                    "column": 5,
                    "path": "user.email",
                }
            ],
            "caused_by": [FIELD_REMOVED.id],
            "deprecations": [],
        },
        {
            "name": "ListUsers",
            "kind": "query",
            "file": "contracts/demo/list_users.graphql",
            "line": 1,
            "status": "broken",
            "errors": [
                {
                    "message": "Cannot query field 'email' on type 'User'.",
                    "file": "contracts/demo/list_users.graphql",
                    "line": 6,
                    "column": 7,
                    "path": "users.email",
                }
            ],
            "caused_by": [FIELD_REMOVED.id],
            "deprecations": [],
        },
        {
            "name": "UserRoles",
            "kind": "query",
            "file": "contracts/demo/roles.graphql",
            "line": 3,
            "status": "deprecated",
            "errors": [],
            "caused_by": [],
            "deprecations": [
                {
                    "coordinate": "User.role",
                    "reason": "Use roles instead.",
                    "first_seen": "2025-12-01T00:00:00+00:00",
                    "removal_date": "2026-01-30",
                    "replacement": "User.roles",
                }
            ],
        },
        {
            "name": "CreateUser",
            "kind": "mutation",
            "file": "contracts/demo/create_user.graphql",
            "line": 1,
            "status": "valid",
            "errors": [],
            "caused_by": [],
            "deprecations": [],
        },
    ],
    "problems": [
        {"file": "contracts/demo/broken.graphql", "line": 2, "message": "Syntax Error: Expected Name."}
    ],
}

HISTORY = [
    {
        "run_id": "20260110T080000000-aaaaaa",
        "finished_at": "2026-01-10T08:00:01+00:00",
        "outcome": "baseline",
        "summary": {"breaking": 0, "dangerous": 0, "safe": 0, "total": 0},
    },
    {
        "run_id": "20260111T080000000-bbbbbb",
        "finished_at": "2026-01-11T08:00:01+00:00",
        "outcome": "unchanged",
        "summary": {"breaking": 0, "dangerous": 0, "safe": 0, "total": 0},
    },
    {
        "run_id": "20260111T120000000-cccccc",
        "finished_at": "2026-01-11T12:00:02+00:00",
        "outcome": "failed",
        "summary": {"breaking": 0, "dangerous": 0, "safe": 0, "total": 0},
    },
]


def fixture_report() -> DriftReport:
    """A changed run of target ``demo``: 3 breaking (1 acknowledged), 2 dangerous, 2 safe changes."""
    return DriftReport(
        target="demo",
        run_id="20260112T093000000-abc123",
        started_at="2026-01-12T09:30:00+00:00",
        finished_at="2026-01-12T09:30:01.250000+00:00",
        outcome="changed",
        old_snapshot=OLD,
        new_snapshot=NEW,
        changes=(
            FIELD_ADDED,
            ARG_TYPE,
            DESCRIPTION,
            FIELD_REMOVED,
            ENUM_ADDED,
            TYPE_REMOVED_ACKED,
            DEPRECATION_RULE,
        ),
        endpoint="http://127.0.0.1:8765/graphql",
        validity_problems=("Type 'Query' field 'legacy' has an invalid default value.",),
        contracts=CONTRACTS,
        live={
            "examples": 40,
            "failures": [{"operation": "user", "status": 500, "message": "Internal error"}],
        },
        acknowledged={TYPE_REMOVED_ACKED.id: "Nobody uses LegacyThing (ticket API-42)"},
        timings={"introspect": 0.2345, "diff": 0.0123, "contracts": 0.05},
        notes=("the schema went back to snapshot b2b2b2b2b2b2, seen before on this target",),
    )


def hostile_report() -> DriftReport:
    """The fixture run with hostile API text in every field the API controls."""
    base = fixture_report()
    hostile_change = _change(
        ChangeType.FIELD_DESCRIPTION_CHANGED,
        Criticality.BREAKING,
        "User.bio",
        f"Description changed to {HOSTILE}",
        HOSTILE,
        coordinate="User.bio",
        old="plain",
        new=HOSTILE,
        used_by="Evil<script>Op</script>",
    )
    contracts = dict(CONTRACTS)
    ops = [dict(op) for op in CONTRACTS["operations"]]  # type: ignore[attr-defined]
    ops[2] = {
        **ops[2],
        "deprecations": [{**ops[2]["deprecations"][0], "reason": HOSTILE, "replacement": "<b>x</b>"}],
    }
    ops[0] = {**ops[0], "errors": [{**ops[0]["errors"][0], "message": HOSTILE}]}
    contracts["operations"] = ops
    return replace(
        base,
        target="demo",
        changes=(*base.changes, hostile_change),
        error=None,
        contracts=contracts,
        validity_problems=(HOSTILE,),
        live={"message": HOSTILE},
        notes=(HOSTILE,),
    )


def failed_report() -> DriftReport:
    return DriftReport(
        target="demo",
        run_id="20260112T100000000-fff000",
        started_at="2026-01-12T10:00:00+00:00",
        finished_at="2026-01-12T10:00:30+00:00",
        outcome="failed",
        old_snapshot=NEW,
        error="demo: HTTP 502 from http://127.0.0.1:8765/graphql",
        endpoint="http://127.0.0.1:8765/graphql",
        timings={"introspect": 30.0},
    )
