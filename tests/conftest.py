"""Shared test configuration.

Tests that need a real PostgreSQL or Chromium are marked ``postgres`` / ``browser``. They skip on a
developer machine without them, but CI sets ``GQLMON_REQUIRE_POSTGRES=1`` / ``GQLMON_REQUIRE_BROWSER=1``
and there a skip is turned into a failure: CI never goes green by skipping the real thing.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

_REQUIRED = {"postgres": "GQLMON_REQUIRE_POSTGRES", "browser": "GQLMON_REQUIRE_BROWSER"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    for marker, variable in _REQUIRED.items():
        if item.get_closest_marker(marker) and os.environ.get(variable):
            report.outcome = "failed"
            report.longrepr = (
                f"{item.nodeid}: skipped, but {variable} is set: the {marker} component must be present"
            )


from collections.abc import Iterator  # noqa: E402

from tests.servers.demo import DemoServer, demo_server  # noqa: E402


@pytest.fixture(scope="session")
def demo_session_server() -> Iterator[DemoServer]:
    """One real demo API (uvicorn on 127.0.0.1) for the whole session."""
    with demo_server("v1") as server:
        yield server


@pytest.fixture
def demo_api(demo_session_server: DemoServer) -> DemoServer:
    """The demo API reset to schema v1, healthy, no token, fresh sample data."""
    demo_session_server.reset()
    return demo_session_server


from tests.conftest_pg import any_store, pg_url, postgres_url, state_url  # noqa: E402,F401


@pytest.fixture(autouse=True)
def _gqlmon_log_handlers_do_not_outlive_the_test() -> Iterator[None]:
    """A test that runs the CLI in this process configures logging: gqlmon's handler on the root logger
    writes to that run's stderr, which is closed afterwards. Remove it (and restore the root level), so a
    later test's log records do not end in "--- Logging error ---" on its own stderr."""
    import logging

    from monitor.support.logs import _Owned

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if isinstance(handler, _Owned) and handler not in before:
            root.removeHandler(handler)
    root.setLevel(level)
