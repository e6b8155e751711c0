"""The GitHub Action (action.yml) and the pre-commit hook, run as scripts on a sample repository.

No GitHub here: the composite action's ``run`` steps are executed with bash the way the runner would
(``${{ inputs.* }}`` put into the step's environment, ``GITHUB_ACTIONS=true``, ``GITHUB_OUTPUT``), except
the two that set Python up and install gqlmon from the action's checkout, which this checkout already is:
a ``gqlmon`` on PATH runs ``python -m monitor`` from it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import realschemas

ROOT = Path(__file__).resolve().parents[1]
CODE = ROOT / "tests" / "fixtures" / "code"
BROKEN = (
    "::error file=web/src/projects.ts,line=9,col=9,title=GraphQL operation IssueProjectItems is broken::"
    "Cannot query field 'projectNextItems' on type 'Issue'. Did you mean 'projectItems'?"
)
_EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A consuming repository: web and script code whose operations GitHub's 14.0.0 schema checks."""
    repo = tmp_path_factory.mktemp("consumer")
    shutil.copytree(CODE / "web", repo / "web")
    (repo / "scripts").mkdir()
    # report.py builds one query at run time (a reported problem); keep only the static script here.
    shutil.copy(CODE / "scripts" / "fragments.py", repo / "scripts" / "fragments.py")
    (repo / "web" / "src" / "search.ts").unlink()  # it too builds a query at run time
    realschemas.write("github-14.0.0", repo)
    bin_dir = repo.parent / f"{repo.name}-bin"
    bin_dir.mkdir()
    shim = bin_dir / "gqlmon"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m monitor "$@"\n')
    shim.chmod(0o755)
    return repo


def run_action(repo: Path, inputs: dict[str, str], tmp_path: Path) -> tuple[int, str, dict[str, str]]:
    """Run action.yml's steps on ``repo``; the exit code, stdout and the step outputs written."""
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | inputs
    context = {f"inputs.{k}": v for k, v in values.items()} | {"github.action_path": str(ROOT)}
    output_file = tmp_path / "github_output"
    output_file.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MONITOR_"))}
    env |= {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output_file),
        "PYTHONPATH": str(ROOT),
        "PATH": f"{repo.parent / f'{repo.name}-bin'}{os.pathsep}{env['PATH']}",
    }
    code, out = 0, ""
    for step in action["runs"]["steps"]:
        if "uses" in step or step.get("id") == "install":
            continue  # setup-python, and installing gqlmon from this very checkout
        assert step["shell"] == "bash"
        step_env = env | {k: _expand(str(v), context) for k, v in (step.get("env") or {}).items()}
        cwd = repo / _expand(step.get("working-directory", "."), context)
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        code, out = done.returncode, out + done.stdout
        if code:
            break
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return code, out, outputs


def _expand(text: str, context: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: context[m.group(1)], text)


def test_the_action_annotates_the_broken_operation_and_fails(sample: Path, tmp_path: Path) -> None:
    code, out, outputs = run_action(
        sample,
        {"schema": "github-14.0.0.json", "documents": "web/src/**/*.{ts,tsx,vue,svelte}\nscripts/**/*.py"},
        tmp_path,
    )

    assert code == 1, out
    assert [line for line in out.splitlines() if line.startswith("::")] == [BROKEN]
    assert "✗ IssueProjectItems (query)  web/src/projects.ts:5" in out
    assert outputs == {"sarif": "gqlmon.sarif"}
    assert '"startLine": 9' in (sample / "gqlmon.sarif").read_text()


def test_fail_on_never_still_annotates(sample: Path, tmp_path: Path) -> None:
    code, out, _ = run_action(
        sample,
        {"schema": "github-14.0.0.json", "documents": "web/src/projects.ts", "fail-on": "never", "sarif": ""},
        tmp_path,
    )

    assert code == 0, out
    assert [line for line in out.splitlines() if line.startswith("::")] == [BROKEN]


def test_a_graphql_config_repository_needs_no_inputs(sample: Path, tmp_path: Path) -> None:
    (sample / ".graphqlrc.yml").write_text("schema: github-14.0.0.json\ndocuments: 'web/src/**/*.tsx'\n")
    try:
        code, out, _ = run_action(sample, {"sarif": ""}, tmp_path)
    finally:
        (sample / ".graphqlrc.yml").unlink()

    assert code == 0, out
    assert out.splitlines() == [
        "✓ ListIssues (query)  web/src/components/IssueList.tsx:9",
        "1 operations: 1 valid, 0 broken, 0 deprecated; 0 problems",
    ]


def test_a_bad_fail_on_is_refused(sample: Path, tmp_path: Path) -> None:
    code, out, _ = run_action(sample, {"schema": "github-14.0.0.json", "fail-on": "sometimes"}, tmp_path)

    assert code == 2
    assert out.strip() == "::error title=gqlmon::fail-on must be broken, deprecated or never, not 'sometimes'"


def test_the_pre_commit_hook_runs_its_entry(sample: Path) -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    files = re.compile(hook["files"])
    args = ["--schema", "github-14.0.0.json", "web/src/**/*.{ts,tsx}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MONITOR_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "PATH": f"{sample.parent / f'{sample.name}-bin'}{os.pathsep}{env['PATH']}",
    }
    done = subprocess.run(
        [*shlex.split(hook["entry"]), *args],
        cwd=sample,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert (hook["id"], hook["language"], hook["pass_filenames"]) == ("gqlmon-validate", "python", False)
    assert all(files.search(n) for n in ("a.graphql", "b.ts", "c.tsx", "d.mjs", "e.vue", "f.svelte", "g.py"))
    assert not any(files.search(n) for n in ("README.md", "style.css", "a.graphql.bak"))
    assert done.returncode == 1
    assert "✗ IssueProjectItems (query)  web/src/projects.ts:5" in done.stdout
    assert "::error" not in done.stdout  # annotations only inside GitHub Actions
