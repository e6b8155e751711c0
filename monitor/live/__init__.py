"""Live contract tests: does the API keep the contract its schema publishes?

Opt-in per target (``[targets.live]``, see :class:`LiveConfig`). One run (:func:`run_live_tests`) sends
Schemathesis-generated queries for each selected root field, and optionally replays the saved operations,
through the target's auth and headers, under a rate limit and an overall deadline, in a worker thread.
Every response goes through Schemathesis's GraphQL checks and gqlmon's conformance check
(:mod:`monitor.core.conformance`). The :class:`LiveResult` becomes the DriftReport's ``live`` section.

Modules: ``config`` (settings), ``runner`` (the async entry point), ``generated`` (Schemathesis),
``replay`` (saved operations), ``context`` / ``limits`` / ``http`` (shared plumbing) and ``result``;
``gqlmon live`` is :mod:`monitor.cli.live`. Schemathesis and Hypothesis are imported only when a run starts.

Live imports core, settings, support and adapters; the check flow (:mod:`monitor.runtime`), the CLI and the
MCP server import it.
"""

from monitor.live.config import LiveConfig, live_config_of, parse_rate
from monitor.live.result import LiveFailure, LiveResult
from monitor.live.runner import run_live_tests

__all__ = [
    "LiveConfig",
    "LiveFailure",
    "LiveResult",
    "live_config_of",
    "parse_rate",
    "run_live_tests",
]
