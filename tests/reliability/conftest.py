"""Fixtures of the reliability suite: real local servers, settings helpers, and the figures summary.

The servers are real (uvicorn on 127.0.0.1 in a thread): a fault-injecting GraphQL API
(:mod:`tests.servers.faulty`) and a Slack stand-in (:mod:`tests.reliability.slack_sink`). The suite's
figures (faults survived, kill trials, fuzz cases, load) are printed at the end of the run.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from monitor.settings.models import Settings, TargetConfig
from tests.reliability.figures import FIGURES, summary_lines
from tests.reliability.slack_sink import WEBHOOK_PATH, SlackSink
from tests.servers.faulty import FaultyApp, RunningServer


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def api_server() -> Iterator[RunningServer]:
    with RunningServer(FaultyApp()) as server:
        yield server


@pytest.fixture
def api(api_server: RunningServer) -> FaultyApp:
    """The faulty API, reset to healthy defaults."""
    app: FaultyApp = api_server.app
    app.reset()
    return app


@pytest.fixture(scope="session")
def slack_server() -> Iterator[RunningServer]:
    with RunningServer(SlackSink()) as server:
        yield server


@pytest.fixture
def slack(slack_server: RunningServer) -> SlackSink:
    sink: SlackSink = slack_server.app
    sink.reset()
    return sink


@pytest.fixture
def webhook_url(slack_server: RunningServer) -> str:
    return slack_server.url(WEBHOOK_PATH)


def target(name: str, url: str, **overrides: Any) -> TargetConfig:
    """A target with test-sized limits: short timeout, no retries, alert on any change."""
    options: dict[str, Any] = {"timeout": 2.0, "retries": 0, "alert_on": "any"}
    options.update(overrides)
    return TargetConfig(name=name, url=url, **options)  # type: ignore[arg-type]  # pydantic parses the str


def settings_for(
    tmp_path: Path, targets: list[TargetConfig], *, webhook: str | None = None, **overrides: Any
) -> Settings:
    options: dict[str, Any] = {
        "state": f"sqlite:///{tmp_path / 'state' / 'state.db'}",
        "reports_dir": tmp_path / "reports",
        "targets": targets,
        "slack": {"webhook_url": webhook} if webhook else None,
    }
    options.update(overrides)
    return Settings(**options)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def gqlmon(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run the ``gqlmon`` console entry point in this process (no interpreter start-up per call).

    An exception escaping ``main()`` is what a user would see as a traceback: it comes back as exit code
    1 with ``Traceback`` and the exception on stderr, like the real interpreter prints it.
    """
    from monitor.cli.app import main

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["gqlmon", *args])
        capsys.readouterr()
        code = 0
        crash = ""
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException as exc:  # exactly what a user would get as a traceback
            code, crash = 1, "Traceback (in-process): " + "".join(traceback.format_exception(exc))
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err + crash)

    return run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES.empty:
        return
    terminalreporter.write_sep("=", "gqlmon reliability figures")
    for line in summary_lines():
        terminalreporter.write_line(line)
