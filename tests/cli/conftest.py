"""Fixtures for the CLI's end-to-end tests: a workspace and two ways to run ``gqlmon`` in it.

A :class:`Workspace` is a temporary directory with a ``monitor.toml`` (written by :meth:`Workspace.configure`),
its SQLite state and ``reports/``, and a copy of ``contracts/demo/`` when a test needs saved operations.

* :meth:`Workspace.run` starts the installed console script (or ``python -m monitor``) as a real
  subprocess: real exit codes, real stderr, ``main()``'s error handling, nothing shared with pytest.
* :meth:`Workspace.invoke` runs typer's ``CliRunner`` on ``monitor.cli.app`` in this process: much faster,
  used where a test looks at output of commands that succeed (or exit through ``typer.Exit``).

Secrets only ever go through :meth:`Workspace.run`: :mod:`monitor.support.redact` keeps a process-wide registry,
and a secret registered in the pytest process would mask that text in every later test.

The demo API is the session's (``demo_api`` resets it to v1 before each test); ``drifted`` is one
workspace, built once per session, whose demo target went v1 (baseline) -> v2 (changed) -> v2 (unchanged).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from typer.testing import CliRunner

from monitor.cli.app import app
from tests.servers.demo import DemoServer

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONTRACTS = ROOT / "contracts" / "demo"
GQLMON = Path(sys.executable).with_name("gqlmon")

#: The demo's v1 -> v2 breaking changes, as (type, coordinate).
BREAKING = {
    ("FIELD_REMOVED", "Run.commitHash"),
    ("FIELD_REMOVED", "User.email"),
    ("FIELD_ARGUMENT_TYPE_CHANGED", "Query.stacks(first:)"),
    ("FIELD_TYPE_CHANGED", "Run.triggeredBy"),
    ("INPUT_FIELD_ADDED", "StackInput.vcsIntegrationId"),
}
#: The demo's dangerous v1 -> v2 changes, as (type, coordinate).
DANGEROUS = {
    ("ENUM_VALUE_ADDED", "RunState.PENDING_REVIEW"),
    ("UNION_MEMBER_ADDED", "SearchResult"),
    ("FIELD_ARGUMENT_DEFAULT_CHANGED", "Stack.runs(first:)"),
}
#: The saved operations in contracts/demo/ that v2 breaks, and the one that is only deprecated.
BROKEN_OPERATIONS = {"ListStacks", "RecentRuns", "TriggerRun", "CreateStack", "RunCommits"}
ALL_OPERATIONS = BROKEN_OPERATIONS | {
    "GetApiToken",
    "SpaceTree",
    "WorkerPoolUsage",
    "StackBadge",
    "SearchEverything",
    "StackDetails",
}
#: Which breaking change breaks which saved operation.
BREAKS = {
    "Run.commitHash": {"RecentRuns", "RunCommits"},
    "Query.stacks(first:)": {"ListStacks"},
    "Run.triggeredBy": {"TriggerRun"},
    "StackInput.vcsIntegrationId": {"CreateStack"},
    "User.email": set(),
}
REPORT_SUFFIXES = ("json", "md", "html", "junit.xml", "sarif.json")


@dataclass(frozen=True)
class Result:
    """What one gqlmon invocation did."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:  # shown by pytest when an assertion on a Result fails
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def _plain(value: Any) -> Any:
    """``value`` with paths as strings (tomli-w writes only TOML's own types)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def target(name: str, url: str, **options: Any) -> dict[str, Any]:
    """One ``[[targets]]`` table."""
    return {"name": name, "url": url, **options}


def closed_port_url() -> str:
    """A GraphQL URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment without MONITOR_* (a developer's own settings), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(extra or {})
    return env


class Workspace:
    """A directory to run gqlmon in: monitor.toml, state.db, reports/, contracts/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "monitor.toml"
        self.reports = root / "reports"

    def configure(self, *targets: dict[str, Any], path: Path | None = None, **top: Any) -> Path:
        """Write a monitor.toml (default: :attr:`config`) with ``top``-level keys and ``targets``."""
        top = {"state": "sqlite:///state.db", "reports_dir": "reports", **top}
        document = _plain({**top, "targets": list(targets)} if targets else top)
        path = path or self.config
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        return path

    def copy_contracts(self, name: str = "demo") -> Path:
        """contracts/demo/ copied to ``<root>/contracts/<name>`` (a target's default contracts dir)."""
        return Path(shutil.copytree(DEMO_CONTRACTS, self.root / "contracts" / name))

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        config: Path | None = None,
        no_config: bool = False,
        module: bool = False,
        cwd: Path | None = None,
        timeout: float = 60,
    ) -> Result:
        """``gqlmon [--config FILE] ARGS`` as a subprocess in ``cwd`` (default :attr:`root`)."""
        command = [sys.executable, "-m", "monitor"] if module else [str(GQLMON)]
        if not no_config:
            command += ["--config", str(config or self.config)]
        done = subprocess.run(
            [*command, *args],
            cwd=cwd or self.root,
            env=child_env(env),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def invoke(self, *args: str, config: Path | None = None) -> Result:
        """``gqlmon [--config FILE] ARGS`` in this process (typer's CliRunner on ``monitor.cli.app``); without
        --config when the workspace has no monitor.toml (then give absolute paths: the cwd is pytest's)."""
        config = config or self.config
        flags = ["--config", str(config)] if config.exists() else []
        result = CliRunner().invoke(app, [*flags, *args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    def report(self, name: str, run: str = "latest") -> dict[str, Any]:
        """reports/<name>/<run>.json, parsed."""
        data: dict[str, Any] = json.loads((self.reports / name / f"{run}.json").read_text(encoding="utf-8"))
        return data

    def history(self, name: str, config: Path | None = None) -> dict[str, Any]:
        """``gqlmon history NAME --format json``, parsed."""
        result = self.invoke("history", name, "--format", "json", config=config)
        assert result.code == 0, result
        data: dict[str, Any] = result.json
        return data


def breaking_of(report: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(type, coordinate) of a report's (or diff's) breaking changes."""
    return {(c["type"], c["coordinate"]) for c in report["changes"] if c["criticality"] == "breaking"}


def broken_of(report: Mapping[str, Any]) -> set[str]:
    """Names of the broken operations in a report's contracts section."""
    return {op["name"] for op in report["contracts"]["operations"] if op["status"] == "broken"}


@pytest.fixture(autouse=True)
def _no_monitor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs must not see a developer's MONITOR_* variables."""
    for name in list(os.environ):
        if name.startswith("MONITOR_"):
            monkeypatch.delenv(name)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@dataclass(frozen=True)
class Drifted:
    """A workspace whose ``demo`` target was checked on v1, on v2 and on v2 again."""

    ws: Workspace
    url: str
    baseline_run: str
    changed_run: str
    unchanged_run: str
    v1_snapshot: str
    v2_snapshot: str


@pytest.fixture(scope="session")
def drifted(tmp_path_factory: pytest.TempPathFactory, demo_session_server: DemoServer) -> Iterator[Drifted]:
    """Built once: the three checks run in-process against the session's demo API, which is reset after."""
    ws = Workspace(tmp_path_factory.mktemp("drifted"))
    ws.copy_contracts()
    ws.configure(target("demo", demo_session_server.graphql_url))
    demo_session_server.reset()
    try:
        assert ws.invoke("check").code == 0
        demo_session_server.switch(version="v2")
        assert ws.invoke("check").code == 1
        assert ws.invoke("check").code == 1  # unchanged, but operations stay broken
    finally:
        demo_session_server.reset()
    history = ws.history("demo")
    unchanged, changed, baseline = (r["run_id"] for r in history["runs"])
    v1, v2 = (s["id"] for s in history["snapshots"])
    yield Drifted(ws, demo_session_server.graphql_url, baseline, changed, unchanged, v1, v2)
