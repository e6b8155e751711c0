"""GitHub's schema 12.41.1 -> 14.0.0 once more, with the five saved operations living in code instead of
``.graphql`` files: two in a TypeScript module, one in a TSX component with its fragment imported from
another module, two in a Python script (``gql(...)`` of a string, and a ``# language=graphql`` string for httpx).

A local HTTP endpoint answers introspection with GitHub's published results (first 12.41.1, then 14.0.0);
``run_check`` runs the real check, with the target's ``contracts`` as source globs. The same operation
breaks as with ``.graphql`` files, for the same one change, and it is located at its lines in ``issues.ts``.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from monitor.adapters.store import Store
from monitor.runtime.service import run_check
from monitor.settings.loading import load_settings
from tests import realschemas

pytestmark = pytest.mark.anyio

CODE = Path(__file__).resolve().parent / "fixtures" / "code-github"
VALID = {
    ("RepoOpenIssues", "src/issues.ts", 5),
    ("PullRequestReviews", "src/PullRequest.tsx", 6),
    ("Viewer", "scripts/github.py", 7),
    ("SearchIssues", "scripts/github.py", 26),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _Introspection(BaseHTTPRequestHandler):
    body = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def github() -> Iterator[tuple[str, type[_Introspection]]]:
    handler = type("GitHub", (_Introspection,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve(handler: type[_Introspection], version: str) -> None:
    handler.body = json.dumps({"data": realschemas.load(version)}).encode()


async def test_the_github_scenario_with_operations_in_typescript_and_python(
    github: tuple[str, type[_Introspection]], tmp_path: Path
) -> None:
    url, handler = github
    shutil.copytree(CODE, tmp_path, dirs_exist_ok=True)
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'state = "sqlite:///{tmp_path}/state.db"\nreports_dir = "{tmp_path}/reports"\n'
        f'[[targets]]\nname = "github"\nurl = "{url}"\ntimeout = "60s"\n'
        'contracts = ["src/**/*.{ts,tsx}", "scripts/**/*.py"]\n'
    )
    settings = load_settings(config, env={})
    reports = []
    for version in ("github-12.41.1", "github-14.0.0"):
        serve(handler, version)
        store = Store.open(settings.state)
        try:
            outcome = await run_check(settings, settings.targets[0], store)
        finally:
            store.close()
        reports.append(outcome.report.to_dict())
    baseline, changed = reports

    assert baseline["contracts"]["broken"] == 0 and baseline["contracts"]["total"] == 5
    operations = changed["contracts"]["operations"]
    assert {(o["name"], o["file"], o["line"]) for o in operations if o["status"] != "broken"} == VALID
    [broken] = [o for o in operations if o["status"] == "broken"]
    assert (broken["name"], broken["file"], broken["line"], broken["column"]) == (
        "IssueProjectItems",
        "src/issues.ts",
        23,
        3,
    )
    assert [(e["file"], e["line"], e["column"], e["message"]) for e in broken["errors"]] == [
        (
            "src/issues.ts",
            27,
            9,
            "Cannot query field 'projectNextItems' on type 'Issue'. Did you mean 'projectItems'?",
        )
    ]
    changes = {c["id"]: c for c in changed["changes"]}
    # The removal explains it (how many related changes are listed with it is the attribution's business).
    causes = [(changes[i]["type"], changes[i]["coordinate"]) for i in broken["caused_by"]]
    assert ("FIELD_REMOVED", "Issue.projectNextItems") in causes
    assert all("projectnext" in c.lower() or c == "Issue" for _, c in causes), causes
