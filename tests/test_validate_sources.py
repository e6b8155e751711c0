"""``gqlmon validate`` over operations kept in source code, on GitHub's real schema, end to end.

The repository of tests/fixtures/code (TypeScript, TSX, JSX, CommonJS, Vue, Svelte and Python) is copied to
a temporary directory and checked with the real command: against GitHub 14.0.0, which removed
``Issue.projectNextItems``, exactly the one operation using it is broken, at its line in ``projects.ts``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import realschemas

ROOT = Path(__file__).resolve().parents[1]
CODE = ROOT / "tests" / "fixtures" / "code"
NOT_STATIC = (
    "is not statically known (not a GraphQL document bound in this file or imported from a scanned one); "
    "the document at line {} is not validated"
)
PROBLEMS = [
    {
        "file": "scripts/report.py",
        "line": 50,
        "column": 16,
        "message": "argument 'build_query(login)' " + NOT_STATIC.format(50),
    },
    {
        "file": "web/src/search.ts",
        "line": 45,
        "column": 39,
        "message": "interpolation 'kind' " + NOT_STATIC.format(45),
    },
]
GLOBS = ["web/src/**/*.{ts,tsx,jsx,cjs,vue,svelte}", "scripts/**/*.py"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("repo")
    shutil.copytree(CODE, path, dirs_exist_ok=True)
    realschemas.write("github-14.0.0", path)
    realschemas.write("github-12.41.1", path)
    return path


def gqlmon(cwd: Path, *args: str, github: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MONITOR_"))}
    env["PYTHONPATH"] = str(ROOT)
    if github:
        env["GITHUB_ACTIONS"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_github_14_breaks_exactly_the_operation_using_project_next_items(repo: Path) -> None:
    new = gqlmon(repo, "validate", "--schema", "github-14.0.0.json", *GLOBS, "--format", "json")
    old = gqlmon(repo, "validate", "--schema", "github-12.41.1.json", *GLOBS, "--format", "json")

    assert new.returncode == 1, new.stderr
    data = json.loads(new.stdout)
    assert [(op["name"], op["file"], op["line"], op["status"]) for op in data["operations"]] == [
        ("Avatar:3", "web/src/Avatar.jsx", 4, "valid"),
        ("Repo", "web/src/Repo.vue", 13, "valid"),
        ("SvelteViewer", "web/src/Viewer.svelte", 7, "valid"),
        ("ListIssues", "web/src/components/IssueList.tsx", 9, "valid"),
        ("LegacyViewer", "web/src/legacy.cjs", 5, "valid"),
        ("IssueProjectItems", "web/src/projects.ts", 5, "broken"),
        ("Search", "web/src/search.ts", 5, "valid"),
        ("ViewerLogin", "web/src/search.ts", 24, "valid"),
        ("AddStar", "web/src/search.ts", 34, "valid"),
        ("OpenIssues", "scripts/report.py", 11, "valid"),
        ("Labels", "scripts/report.py", 24, "valid"),
        ("PyViewer", "scripts/report.py", 42, "valid"),
    ]
    [broken] = [op for op in data["operations"] if op["status"] == "broken"]
    assert broken["errors"] == [
        {
            "message": "Cannot query field 'projectNextItems' on type 'Issue'. Did you mean 'projectItems'?",
            "file": "web/src/projects.ts",
            "line": 9,
            "column": 9,
            "path": "repository.issue.projectNextItems",
        }
    ]
    assert data["problems"] == PROBLEMS[::-1]
    # Before the removal the same operation validates; nothing is broken.
    before = json.loads(old.stdout)
    assert {op["name"]: op["status"] for op in before["operations"]}["IssueProjectItems"] == "valid"
    assert [op["name"] for op in before["operations"] if op["status"] == "broken"] == []


def test_annotations_in_github_actions_and_sarif(repo: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "gqlmon.sarif"
    inside = gqlmon(repo, "validate", "-s", "github-14.0.0.json", *GLOBS, "--sarif", str(sarif), github=True)
    outside = gqlmon(repo, "validate", "-s", "github-14.0.0.json", *GLOBS)

    annotations = [line for line in inside.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=web/src/projects.ts,line=9,col=9,title=GraphQL operation IssueProjectItems is broken::"
        "Cannot query field 'projectNextItems' on type 'Issue'. Did you mean 'projectItems'?",
        "::error file=web/src/search.ts,line=45,col=39,title=GraphQL contracts::"
        "interpolation 'kind' " + NOT_STATIC.format(45),
        "::error file=scripts/report.py,line=50,col=16,title=GraphQL contracts::"
        "argument 'build_query(login)' " + NOT_STATIC.format(50),
    ]
    assert inside.returncode == outside.returncode == 1
    assert "::error" not in outside.stdout
    assert "✗ IssueProjectItems (query)  web/src/projects.ts:5" in outside.stdout

    run = json.loads(sarif.read_text())["runs"][0]
    assert [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"],
        )
        for r in run["results"]
    ] == [
        ("BROKEN_OPERATION", "web/src/projects.ts", {"startLine": 9, "startColumn": 9}),
        ("CONTRACT_PROBLEM", "web/src/search.ts", {"startLine": 45, "startColumn": 39}),
        ("CONTRACT_PROBLEM", "scripts/report.py", {"startLine": 50, "startColumn": 16}),
    ]
    assert sorted(rule["id"] for rule in run["tool"]["driver"]["rules"]) == [
        "BROKEN_OPERATION",
        "CONTRACT_PROBLEM",
    ]


def test_graphql_config_projects(repo: Path) -> None:
    (repo / ".graphqlrc.yml").write_text(
        "projects:\n"
        "  web:\n"
        "    schema: github-14.0.0.json\n"
        "    documents: 'web/src/**/*.{ts,tsx}'\n"
        "    exclude: ['**/search.ts']\n"
        "  scripts:\n"
        "    schema: [github-12.41.1.json]\n"
        "    documents: [scripts/report.py]\n"
    )
    try:
        web = gqlmon(repo, "validate", "--project", "web", "-f", "json")
        scripts = gqlmon(repo, "validate", "--project", "scripts", "-f", "json")
        unknown = gqlmon(repo, "validate", "--project", "mobile")
    finally:
        (repo / ".graphqlrc.yml").unlink()

    assert web.returncode == 1, web.stderr
    assert [(op["name"], op["status"]) for op in json.loads(web.stdout)["operations"]] == [
        ("ListIssues", "valid"),
        ("IssueProjectItems", "broken"),
    ]
    assert json.loads(web.stdout)["problems"] == []
    assert [op["name"] for op in json.loads(scripts.stdout)["operations"]] == [
        "OpenIssues",
        "Labels",
        "PyViewer",
    ]
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [
        "gqlmon: error: .graphqlrc.yml: no project 'mobile' (projects: scripts, web); choose one with --project"
    ]


def test_a_target_whose_contracts_are_source_globs(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'state = "sqlite:///{tmp_path / "state.db"}"\n'
        "[[targets]]\n"
        'name = "github"\n'
        'url = "https://api.github.com/graphql"\n'
        f'contracts_root = "{repo}"\n'
        'contracts = ["web/src/**/*.{ts,tsx}", "scripts/**/*.py"]\n'
        'contracts_exclude = ["**/search.ts", "**/report.py"]\n'
    )
    result = gqlmon(repo, "--config", str(config), "validate", "github", "--schema", "github-14.0.0.json")

    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "✓ ListIssues (query)  web/src/components/IssueList.tsx:9",
        "✗ IssueProjectItems (query)  web/src/projects.ts:5",
        "    web/src/projects.ts:9:9  Cannot query field 'projectNextItems' on type 'Issue'. "
        "Did you mean 'projectItems'?  (at repository.issue.projectNextItems)",
        "2 operations: 1 valid, 1 broken, 0 deprecated; 0 problems",
    ]


def test_a_target_whose_contracts_are_a_graphql_config(repo: Path, tmp_path: Path) -> None:
    (repo / "graphql.config.json").write_text(
        '{"projects": {"app": {"schema": "github-14.0.0.json", "documents": ["web/src/projects.ts"]}}}'
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'state = "sqlite:///{tmp_path / "state.db"}"\n'
        "[[targets]]\n"
        'name = "github"\n'
        'url = "https://api.github.com/graphql"\n'
        f'contracts = "{repo / "graphql.config.json"}"\n'
    )
    try:
        result = gqlmon(repo, "--config", str(config), "validate", "github", "--schema", "github-14.0.0.json")
    finally:
        (repo / "graphql.config.json").unlink()

    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == "✗ IssueProjectItems (query)  web/src/projects.ts:5"
    assert result.stdout.splitlines()[-1] == "1 operations: 0 valid, 1 broken, 0 deprecated; 0 problems"


def test_excludes_apply_to_directories_given_on_the_command_line(repo: Path) -> None:
    result = gqlmon(
        repo,
        "validate",
        "--schema",
        "github-14.0.0.json",
        "web",
        "--exclude",
        "web/src/search.ts",
        "--exclude",
        "**/*.{vue,svelte,jsx,cjs}",
        "-f",
        "json",
    )

    data = json.loads(result.stdout)
    assert [(op["name"], op["file"]) for op in data["operations"]] == [
        ("ListIssues", "web/src/components/IssueList.tsx"),
        ("IssueProjectItems", "web/src/projects.ts"),
    ]
    assert data["problems"] == []
