"""Fixtures for the adapter tests: one faulty GraphQL server for the session, reset before each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.servers.faulty import FaultyApp, RunningServer


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def faulty_server() -> Iterator[RunningServer]:
    with RunningServer(FaultyApp()) as server:
        yield server


@pytest.fixture
def faulty(faulty_server: RunningServer) -> FaultyApp:
    """The server's app, with default behaviour and empty recordings."""
    app: FaultyApp = faulty_server.app
    app.reset()
    return app


@pytest.fixture
def url(faulty_server: RunningServer) -> Callable[[str], str]:
    return faulty_server.url
