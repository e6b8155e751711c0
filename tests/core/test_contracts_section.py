"""The public API, the report section's exact shape, and the demo's v1 -> v2 check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import build_schema

import monitor.core.contracts as contracts
from monitor.adapters.operations import load_operations
from monitor.core.changes import ChangeType
from monitor.core.contracts import (
    SourceFile,
    from_report_section,
    parse_sources,
    to_report_section,
    validate_operations,
)
from monitor.core.diff import diff_schemas
from monitor.demo.schemas import build_demo_schema

DEMO_CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "demo"


def test_all_lists_exactly_the_public_names() -> None:
    public = {n for n in vars(contracts) if not n.startswith("_")} - {"annotations"}
    modules = {n for n, v in vars(contracts).items() if type(v).__name__ == "module"}
    assert sorted(contracts.__all__) == sorted(public - modules)


def test_section_shape() -> None:
    schema = build_schema(
        'type Query { a: Int @deprecated(reason: "Use `b`. Removal on 2026-01-01.") b: Int }'
    )
    files = [SourceFile("q.graphql", "query Q { a }\nquery Bad { c }\n"), SourceFile("x.graphql", "query {")]
    section = to_report_section(
        validate_operations(schema, parse_sources(files), deprecated_since={"Query.a": "T0"})
    )
    assert json.loads(json.dumps(section)) == section
    assert section == {
        "version": 1,
        "total": 2,
        "valid": 0,
        "broken": 1,
        "deprecated": 1,
        "revalidated": 2,
        "reused": 0,
        "operations": [
            {
                "name": "Q",
                "kind": "query",
                "file": "q.graphql",
                "line": 1,
                "column": 1,
                "status": "deprecated",
                "digest": section["operations"][0]["digest"],
                "reused": False,
                "errors": [],
                "caused_by": [],
                "deprecations": [
                    {
                        "coordinate": "Query.a",
                        "reason": "Use `b`. Removal on 2026-01-01.",
                        "first_seen": "T0",
                        "removal_date": "2026-01-01",
                        "replacement": "Query.b",
                        "file": "q.graphql",
                        "line": 1,
                    }
                ],
                "used_coordinates": ["Int", "Query", "Query.a"],
            },
            {
                "name": "Bad",
                "kind": "query",
                "file": "q.graphql",
                "line": 2,
                "column": 1,
                "status": "broken",
                "digest": section["operations"][1]["digest"],
                "reused": False,
                "errors": [
                    {
                        "message": "Cannot query field 'c' on type 'Query'. Did you mean 'a' or 'b'?",
                        "file": "q.graphql",
                        "line": 2,
                        "column": 13,
                        "path": "c",
                    }
                ],
                "caused_by": [],
                "deprecations": [],
                "used_coordinates": ["Query", "Query.c"],
            },
        ],
        "problems": [
            {"file": "x.graphql", "line": 1, "message": "Syntax Error: Expected Name, found <EOF>."}
        ],
        "affected": {},
        "deprecations": [
            {
                "coordinate": "Query.a",
                "reason": "Use `b`. Removal on 2026-01-01.",
                "first_seen": "T0",
                "removal_date": "2026-01-01",
                "replacement": "Query.b",
                "operations": ["Q"],
            }
        ],
    }


def test_other_section_versions_are_refused() -> None:
    with pytest.raises(ValueError, match="version 2"):
        from_report_section({"version": 2})


def test_demo_v1_to_v2_names_broken_operations_their_causes_and_deprecations() -> None:
    v1, v2 = build_demo_schema("v1"), build_demo_schema("v2")
    changes = diff_schemas(v1, v2)
    ops = load_operations(DEMO_CONTRACTS, base=DEMO_CONTRACTS.parents[1])
    assert ops.problems == ()
    result = validate_operations(v2, ops, changes=changes, old_schema=v1)
    by_id = {c.id: c for c in changes}
    broken = {
        op.name: sorted(f"{by_id[i].type.value} {by_id[i].coordinate}" for i in op.caused_by)
        for op in result.broken
    }
    assert broken == {
        "CreateStack": ["INPUT_FIELD_ADDED StackInput.vcsIntegrationId"],
        "ListStacks": ["FIELD_ARGUMENT_TYPE_CHANGED Query.stacks(first:)"],
        "RecentRuns": ["FIELD_REMOVED Run.commitHash"],
        "RunCommits": ["FIELD_REMOVED Run.commitHash"],
        "TriggerRun": ["FIELD_TYPE_CHANGED Run.triggeredBy"],
    }
    recent = result.by_name()["RecentRuns"]
    assert [(e.file, e.line, e.path) for e in recent.errors] == [
        ("contracts/demo/recent_runs.graphql", 6, "runs.commitHash")
    ]
    deprecated = {(op.name, d.coordinate, d.replacement) for op in result.operations for d in op.deprecations}
    assert deprecated == {
        ("ListStacks", "Stack.tags", "Stack.labels"),
        ("StackDetails", "Stack.projectRoot", "Stack.projectRoots"),
    }
    email = next(c for c in changes if c.type is ChangeType.FIELD_REMOVED and c.coordinate == "User.email")
    assert result.affected[email.id] == ()  # breaking, unused by the demo's operations
