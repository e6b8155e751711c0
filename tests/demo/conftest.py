"""Fixtures for the demo API tests: one real server for the session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.servers.demo import DemoServer, demo_server


@pytest.fixture(scope="session")
def demo_session_server() -> Iterator[DemoServer]:
    with demo_server("v1") as server:
        yield server


@pytest.fixture
def api(demo_session_server: DemoServer) -> DemoServer:
    """The running demo API at schema v1, healthy, no token required, fresh sample data."""
    demo_session_server.reset()
    return demo_session_server


@pytest.fixture
def client(api: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=5.0) as http:
        yield http
