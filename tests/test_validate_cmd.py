"""``gqlmon validate``'s function: text and JSON output, limits, deprecations and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import build_schema

from monitor.cli.validate import run_validate
from monitor.core.contracts.limits import Limits

SCHEMA = build_schema(
    """
    type Query { stacks(first: Int): [Stack!]! }
    type Stack {
      id: ID!
      name: String!
      tags: [String!]! @deprecated(reason: "Use `labels` instead. Will be removed on 2026-01-01.")
      labels: [String!]!
      parent: Stack
    }
    """
)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def run(files: list[Path], **kwargs: object) -> tuple[int, str]:
    out = io.StringIO()
    code = run_validate(schema=SCHEMA, files=files, out=out, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue()


@pytest.fixture
def ops(tmp_path: Path) -> Path:
    write(tmp_path, "fragments.graphql", "fragment Names on Stack {\n  name\n}\n")
    write(tmp_path, "ok.graphql", "query Ok {\n  stacks {\n    id\n    ...Names\n  }\n}\n")
    write(tmp_path, "tags.graphql", "query Tags {\n  stacks {\n    tags\n  }\n}\n")
    return tmp_path


def test_all_valid_exits_0_and_lists_each_operation(ops: Path) -> None:
    code, text = run([ops / "ok.graphql", ops / "fragments.graphql"])
    assert code == 0
    assert text.splitlines()[0].startswith("✓ Ok (query)  ")
    assert text.splitlines()[-1] == "1 operations: 1 valid, 0 broken, 0 deprecated; 0 problems"


def test_deprecated_usage_is_reported_and_fails_only_when_asked(ops: Path) -> None:
    code, text = run([ops])
    assert code == 0
    lines = text.splitlines()
    tags = lines.index(next(line for line in lines if line.startswith("! Tags")))
    assert lines[tags + 1].startswith("    deprecated Stack.tags (")
    assert lines[tags + 1].endswith(
        ":3): Use `labels` instead. Will be removed on 2026-01-01. [replacement: Stack.labels; removal: 2026-01-01]"
    )
    assert run([ops], fail_on_deprecated=True)[0] == 1


def test_invalid_operation_exits_1_with_file_line_column_and_path(ops: Path) -> None:
    bad = write(ops, "bad.graphql", 'query Bad {\n  stacks(first: "x") {\n    parent { gone }\n  }\n}\n')
    code, text = run([bad])
    assert code == 1
    assert text.splitlines()[:3] == [
        f"✗ Bad (query)  {bad.as_posix()}:1",
        f'    {bad.as_posix()}:2:17  Int cannot represent non-integer value: "x"  (at stacks)',
        f"    {bad.as_posix()}:3:14  Cannot query field 'gone' on type 'Stack'.  (at stacks.parent.gone)",
    ]


def test_bad_file_is_reported_and_fails_but_others_are_checked(ops: Path) -> None:
    write(ops, "broken.graphql", "query {\n")
    code, text = run([ops])
    assert code == 1
    assert "✓ Ok (query)" in text
    assert f"✗ {(ops / 'broken.graphql').as_posix()}:2: Syntax Error: Expected Name, found <EOF>." in text


def test_json_output(ops: Path) -> None:
    write(ops, "deep.graphql", "query Deep { stacks { parent { parent { id } } } }")
    code, text = run(
        [ops], fmt="json", limits=Limits(max_depth=3, max_aliases=5, max_tokens=500, max_directives=0)
    )
    assert code == 1
    data = json.loads(text)
    assert data["summary"] == {
        "total": 3,
        "valid": 1,
        "broken": 1,
        "deprecated": 1,
        "problems": 0,
        "exit_code": 1,
    }
    deep = next(op for op in data["operations"] if op["name"] == "Deep")
    assert deep["status"] == "broken"
    assert deep["errors"] == [
        {
            "message": "Depth limit of 3 exceeded: 4 levels.",
            "file": (ops / "deep.graphql").as_posix(),
            "line": 1,
            "column": 41,
            "path": "stacks.parent.parent.id",
        }
    ]
    assert set(deep) == {"name", "kind", "file", "line", "column", "status", "errors", "deprecations"}
    assert (deep["line"], deep["column"]) == (1, 1)
    tags = next(op for op in data["operations"] if op["name"] == "Tags")
    assert [(d["coordinate"], d["removal_date"], d["replacement"]) for d in tags["deprecations"]] == [
        ("Stack.tags", "2026-01-01", "Stack.labels")
    ]


def test_no_operations_found_exits_1(tmp_path: Path) -> None:
    code, text = run([tmp_path])
    assert code == 1
    assert f"no operations found in {tmp_path}" in text


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    code, text = run([tmp_path / "nope.graphql"])
    assert code == 1
    assert "nope.graphql: no such file or directory" in text


def test_unknown_format_is_refused(ops: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        run([ops], fmt="xml")


def test_githubs_projectnext_deprecation_suggests_an_existing_type_not_a_word(tmp_path: Path) -> None:
    from tests import realschemas

    schema = realschemas.write("github-12.41.1", tmp_path)
    op = write(
        tmp_path,
        "project.graphql",
        "query RepoProject($owner: String!, $name: String!) {\n"
        "  repository(owner: $owner, name: $name) { projectNext(number: 1) { title } }\n}\n",
    )
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "validate", "--schema", str(schema), str(op)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    deprecated = [line for line in result.stdout.splitlines() if line.startswith("    deprecated ")]
    assert [line.split(" (", 1)[0].split()[-1] for line in deprecated] == [
        "ProjectNext.title",
        "Repository.projectNext",
    ]
    assert all(line.endswith("[replacement: ProjectV2; removal: 2023-01-01]") for line in deprecated)
    assert "[replacement: more" not in result.stdout
