"""Authentication end to end: the demo API requires a token, gqlmon exchanges the demo API key for one.

Subprocesses only: the key and secret must not be registered with the test process's redaction.
"""

from __future__ import annotations

from pathlib import Path

from monitor.demo.auth import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET
from tests.cli.conftest import BREAKING, Workspace, breaking_of, target
from tests.servers.demo import DemoServer

WRONG_SECRET = "wrong-secret-Xy9Lq2-canary"


def _configure(ws: Workspace, url: str) -> None:
    ws.configure(
        target(
            "locked",
            url,
            auth={
                "kind": "api_key_exchange",
                "key_id": "${GQLMON_KEY_ID}",
                "key_secret": "${GQLMON_KEY_SECRET}",
            },
            retries=0,
        ),
        target(
            "by-env",
            url,
            auth={
                "kind": "api_key_exchange",
                "key_id_env": "GQLMON_KEY_ID",
                "key_secret_env": "GQLMON_KEY_SECRET",
            },
            retries=0,
        ),
        target("anonymous", url, retries=0),
    )


def _written(root: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted((root / "reports").rglob("*")) if p.is_file()
    )


def test_api_key_exchange_end_to_end(ws: Workspace, demo_api: DemoServer) -> None:
    demo_api.switch(require_token=True)
    _configure(ws, demo_api.graphql_url)
    env = {"GQLMON_KEY_ID": DEMO_API_KEY_ID, "GQLMON_KEY_SECRET": DEMO_API_KEY_SECRET}

    baseline = ws.run("check", "--all", env=env)
    sdl = ws.run("introspect", "locked", "--sdl", env=env)
    demo_api.switch(version="v2")
    drift = ws.run("check", "locked", env=env)

    assert baseline.code == 3, baseline  # the target without credentials fails, the others work
    by_env, locked, anonymous = sorted(line for line in baseline.out.splitlines() if not line.startswith(" "))
    assert by_env.startswith("✔ by-env: baseline snapshot ")
    assert locked.startswith("✔ locked: baseline snapshot ")
    assert anonymous.startswith("✖ anonymous: check failed: anonymous: ") and "HTTP 401" in anonymous
    assert sdl.code == 0, sdl
    assert "type Stack implements Node" in sdl.out
    assert drift.code == 1, drift
    assert breaking_of(ws.report("locked")) == BREAKING
    assert DEMO_API_KEY_SECRET not in "\n".join(r.out + r.err for r in (baseline, sdl, drift))
    assert DEMO_API_KEY_SECRET not in _written(ws.root)


def test_a_wrong_secret_is_one_clear_line_without_the_secret(ws: Workspace, demo_api: DemoServer) -> None:
    demo_api.switch(require_token=True)
    _configure(ws, demo_api.graphql_url)
    env = {"GQLMON_KEY_ID": DEMO_API_KEY_ID, "GQLMON_KEY_SECRET": WRONG_SECRET}

    checked = ws.run("check", "locked", env=env)
    introspected = ws.run("introspect", "locked", env=env)

    expected = (
        f"locked: the API key exchange at {demo_api.graphql_url} failed: "
        "Unauthorized: unknown API key or wrong secret; check key_id and key_secret"
    )
    assert checked.code == 3, checked
    assert checked.out.splitlines()[0].startswith(f"✖ locked: check failed: {expected}")
    assert introspected.code == 2, introspected
    assert len(introspected.err_lines) == 1, introspected
    assert introspected.err_lines[0].startswith(f"gqlmon: error: {expected}")
    assert introspected.out == ""
    report = ws.report("locked")
    assert report["outcome"] == "failed" and report["error"].startswith(expected)
    everything = "\n".join(r.out + r.err for r in (checked, introspected)) + _written(ws.root)
    assert WRONG_SECRET not in everything
