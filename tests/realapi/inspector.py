"""A real GraphQL server for a real public schema: GraphQL Inspector's ``serve`` (mock data) on 127.0.0.1.

:class:`InspectorServer` serves one vendored schema (tests/realschemas.py) on a fixed port and can switch to
another version by restarting on the same port, as an API deploy would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests import realschemas
from tests.npmtools import binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class InspectorServer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.version: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def serve(self, schema: str) -> None:
        """Serve ``schema`` (a vendored name such as ``github-14.0.0``), replacing what was served."""
        self.stop()
        path = realschemas.write(schema, self.directory)
        log = self.directory / f"inspector-{schema}.log"
        with log.open("wb") as out:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [str(binary("graphql-inspector")), "serve", str(path), "--port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.version = schema
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"graphql-inspector serve exited: {(self.directory / log.name).read_text()}"
                )
            try:
                answer = httpx.post(self.url, json={"query": "{ __typename }"}, timeout=2)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"graphql-inspector serve did not answer on {self.url} within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
