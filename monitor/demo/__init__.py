"""gqlmon's bundled demo GraphQL API: a small CI/CD "stacks" platform whose schema can step v1 -> v2.

It exists for ``make demo``, the docs and the tests: two schema versions with a realistic mix of breaking,
dangerous and safe changes between them, switchable live, an API-key exchange for auth demos, and a
misbehaving mode that breaks its own schema's promises for live contract tests. The saved operations that
go with it are in ``contracts/demo/`` at the repository root.

Entry points: :func:`create_app` (an ASGI app), :func:`serve` / :func:`switch` and
``python -m monitor.demo serve|switch``.

The demo imports only :mod:`monitor.errors` and its libraries; nothing in the monitor imports it (the demo
is a separate API the monitor watches).
"""

from monitor.demo.app import DemoApp, create_app
from monitor.demo.asgi import ASGIApp
from monitor.demo.auth import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET, TokenIssuer
from monitor.demo.resolvers import FAULTS, MODES, Faults, Mode
from monitor.demo.schemas import VERSIONS, Version, build_demo_schema, schema_sdl
from monitor.demo.server import DEFAULT_HOST, DEFAULT_PORT, serve, switch

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEMO_API_KEY_ID",
    "DEMO_API_KEY_SECRET",
    "FAULTS",
    "MODES",
    "VERSIONS",
    "ASGIApp",
    "DemoApp",
    "Faults",
    "Mode",
    "TokenIssuer",
    "Version",
    "build_demo_schema",
    "create_app",
    "schema_sdl",
    "serve",
    "switch",
]
