"""``make demo``: the whole monitoring loop against the bundled demo API, on the embedded SQLite store.

1. start the demo API (schema v1) on 127.0.0.1;
2. ``gqlmon check demo``: the baseline snapshot;
3. switch the API to schema v2 (a realistic mix of breaking, dangerous and safe changes);
4. ``gqlmon check demo`` again: the drift, the saved operations it breaks, the reports, the Slack message;
5. the API starts to misbehave (same schema, broken promises): the live contract tests in the next check
   find it, with the response path and a curl command to reproduce each failure;
6. stop the API and say where everything is.

Every step runs the real ``gqlmon`` command line in a subprocess, as a user would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path.cwd()
DEMO_DIR = ROOT / ".gqlmon" / "demo"
CONFIG = DEMO_DIR / "monitor.toml"


def free_port(preferred: int = 8790) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free port on 127.0.0.1")


def write_config(port: int) -> None:
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    CONFIG.write_text(
        f"""# Written by `make demo`: the bundled demo API, checked on the embedded SQLite store.
state = "sqlite:///state.db"
reports_dir = "{ROOT / "reports"}"

[[targets]]
name = "demo"
url = "http://127.0.0.1:{port}/graphql"
schedule = "1m"
contracts = "{ROOT / "contracts" / "demo"}"

[targets.live]           # Schemathesis-generated queries + replays of the saved operations, every check
enabled = true
max_examples = 10
operations = ["Query.*"]
rate_limit = "50/s"
timeout = "60s"
replay_contracts = true
"""
    )
    (DEMO_DIR / "state.db").unlink(missing_ok=True)  # every demo starts from a fresh baseline
    for suffix in ("-wal", "-shm"):
        (DEMO_DIR / f"state.db{suffix}").unlink(missing_ok=True)


def gqlmon(*args: str) -> int:
    print(f"\n$ gqlmon --config {CONFIG.relative_to(ROOT)} {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "monitor", "--config", str(CONFIG), *args])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the demo API exited with code {process.returncode}")
        try:
            httpx.get(url.replace("/graphql", "/_demo/version"), timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"the demo API did not answer on {url} within {timeout:.0f} s")


def show_reproduction(report: Path) -> None:
    """How to reproduce the first live-test failure the check above listed (the reports have all)."""
    import json

    from monitor.core.report import view
    from monitor.core.report.model import DriftReport

    failures = view.live_failures(DriftReport.from_dict(json.loads(report.read_text(encoding="utf-8"))))
    if failures:
        first = failures[0]
        print(
            f"\nreproduce the first live-test failure ({first.get('operation')} at {first.get('path')}):\n"
            f"  {first['curl']}"
        )


def main() -> int:
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    write_config(port)
    print(f"== starting the demo API on {url} (schema v1)", flush=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor.demo",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--version",
            "v1",
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_ready(url, server)
        print("\n== 1. baseline check at schema v1", flush=True)
        if gqlmon("check", "demo") != 0:
            print("the baseline check failed: see the message above", file=sys.stderr)
            return 1
        print("\n== 2. the API deploys schema v2", flush=True)
        httpx.post(
            f"http://127.0.0.1:{port}/_demo/version", json={"version": "v2"}, timeout=5
        ).raise_for_status()
        print(
            "\n== 3. check again: exit code 1 means breaking changes were found (what CI would fail on)",
            flush=True,
        )
        code = gqlmon("check", "demo")
        if code not in (0, 1):
            print(f"the drift check failed with exit code {code}", file=sys.stderr)
            return 1
        gqlmon("history", "demo")
        print("\n== 4. the Slack message this drift would post (configure [slack] to deliver it)", flush=True)
        gqlmon("report", "demo", "--format", "slack")
        print(
            "\n== 5. the API starts to misbehave: same schema, but it breaks the promises the schema makes",
            flush=True,
        )
        httpx.post(
            f"http://127.0.0.1:{port}/_demo/version", json={"mode": "misbehaving"}, timeout=5
        ).raise_for_status()
        gqlmon("check", "demo")
        show_reproduction(ROOT / "reports" / "demo" / "latest.json")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    reports = ROOT / "reports" / "demo"
    print(
        f"""
== done. The demo API is stopped.
   HTML report:  {reports / "latest.html"}
   Markdown:     {reports / "latest.md"}
   JSON:         {reports / "latest.json"}
   All targets:  {ROOT / "reports" / "index.html"}
   Explore it:   .venv/bin/gqlmon --config {CONFIG.relative_to(ROOT)} report demo --format text
   MCP server:   .venv/bin/gqlmon --config {CONFIG.relative_to(ROOT)} mcp
   Live tests:   .venv/bin/gqlmon --config {CONFIG.relative_to(ROOT)} live demo   (against a running demo API)
"""
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
