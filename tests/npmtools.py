"""Node tools the tests run for real (GraphQL Inspector, tsc, the MCP Inspector CLI).

They are pinned in ``tests/npm/package.json`` and installed by ``make tools`` (which ``make test`` runs) into
``tests/npm/node_modules``. A test that needs one calls ``binary("tsc")``; a missing install is an error that
says what to run, never a skip.
"""

from __future__ import annotations

from pathlib import Path

NPM_DIR = Path(__file__).parent / "npm"


def binary(name: str) -> Path:
    path = NPM_DIR / "node_modules" / ".bin" / name
    if not path.exists():
        raise RuntimeError(f"{name} is not installed: run `make tools` (npm ci in {NPM_DIR})")
    return path
