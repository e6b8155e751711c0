"""Live contract tests (Schemathesis) as an adapter: the implementation is the :mod:`monitor.live` package.

``cli.py`` calls :func:`live_command`; ``service.py`` calls :func:`run_live_tests` and stores
``LiveResult.to_report_section()`` as the DriftReport's ``live`` section.
"""

from monitor.live import LiveConfig, LiveFailure, LiveResult, live_command, live_config_of, run_live_tests

__all__ = ["LiveConfig", "LiveFailure", "LiveResult", "live_command", "live_config_of", "run_live_tests"]
