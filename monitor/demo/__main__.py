"""``python -m monitor.demo serve|switch``: run the demo API, or switch a running one.

::

    python -m monitor.demo serve --host 127.0.0.1 --port 8790 --version v1 [--mode healthy] [--require-token]
    python -m monitor.demo switch --url http://127.0.0.1:8790 v2 [--mode misbehaving]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from monitor.demo.resolvers import MODES
from monitor.demo.schemas import VERSIONS
from monitor.demo.server import DEFAULT_HOST, DEFAULT_PORT, base_url, serve, switch
from monitor.errors import MonitorError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m monitor.demo``."""
    parser = argparse.ArgumentParser(prog="python -m monitor.demo", description="gqlmon's demo GraphQL API.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="serve the demo API with uvicorn")
    run.add_argument("--host", default=DEFAULT_HOST)
    run.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    run.add_argument("--version", choices=VERSIONS, default="v1", help="schema version to serve first")
    run.add_argument("--mode", choices=MODES, default="healthy")
    run.add_argument("--require-token", action="store_true", help="answer 401 without a bearer token")
    run.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))

    flip = commands.add_parser("switch", help="switch a running demo API")
    flip.add_argument("--url", default=base_url(DEFAULT_HOST, DEFAULT_PORT), help="base URL of the demo API")
    flip.add_argument("version", nargs="?", choices=VERSIONS, help="schema version to serve")
    flip.add_argument("--mode", choices=MODES)
    flip.add_argument(
        "--require-token", action=argparse.BooleanOptionalAction, default=None, help="require a bearer token"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit status 0, or 2 with a one-line error on stderr."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            serve(
                host=args.host,
                port=args.port,
                version=args.version,
                mode=args.mode,
                require_token=args.require_token,
                log_level=args.log_level,
            )
        else:
            state = switch(args.url, args.version, mode=args.mode, require_token=args.require_token)
            token = ", token required" if state["requireToken"] else ""
            print(f"demo API at {args.url} now serves schema {state['version']} ({state['mode']}{token})")
    except MonitorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
