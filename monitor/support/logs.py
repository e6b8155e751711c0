"""Logging set-up: one line per event, JSON when stderr is not a terminal, secrets masked.

Loggers add context with ``extra``: ``log.info("check finished", extra={"target": t, "run_id": r})``.
On a terminal a line reads ``09:30:12 INFO  check finished  target=demo run_id=2026...``; elsewhere
(containers, CI, log shippers) it is one JSON object::

    {"ts": "2026-11-25T09:30:12.123Z", "level": "info", "logger": "monitor.service",
     "msg": "check finished: changed (breaking 2)", "target": "demo", "run_id": "20261125T093012123-3fa9c2"}

Every handler installed here gets :class:`monitor.support.redact.RedactingFilter`, so no registered secret
reaches a log line. :func:`check_progress` is the rich progress bar ``gqlmon check`` shows on a terminal.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final, TextIO

from monitor.errors import ConfigError
from monitor.support.redact import install_log_redaction, redact

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}
_FIRST: Final = ("target", "run_id")


class _Owned:
    """Marks the handlers this module installed, so configuring twice replaces rather than adds."""


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    """The record's ``extra`` fields (target and run_id first), string values redacted like the message."""
    fields = {
        k: redact(v) if isinstance(v, str) else v
        for k, v in record.__dict__.items()
        if k not in _STANDARD and not k.startswith("_")
    }
    ordered: dict[str, Any] = {k: fields.pop(k) for k in _FIRST if k in fields}
    ordered.update(sorted(fields.items()))
    return ordered


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, then the record's extras (target, run_id first)."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``HH:MM:SS LEVEL message  key=value ...`` for people at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        extras = "".join(f"  {k}={v}" for k, v in _extras(record).items())
        line = f"{stamp} {record.levelname:<7} {record.getMessage()}{extras}"
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line += "\n" + record.exc_text
        return line


class _Handler(logging.StreamHandler[TextIO], _Owned):
    pass


def _json_from_env() -> bool | None:
    """``GQLMON_LOG_FORMAT``: ``json`` or ``text``; unset means "decide by the terminal"."""
    value = os.environ.get("GQLMON_LOG_FORMAT", "").strip().lower()
    if not value:
        return None
    if value not in ("json", "text"):
        raise ConfigError(f"GQLMON_LOG_FORMAT: must be 'json' or 'text', not {value!r}")
    return value == "json"


def configure_logging(
    level: int = logging.INFO, *, json_output: bool | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) in one format; returns the handler installed.

    ``json_output`` defaults to ``GQLMON_LOG_FORMAT`` (``json`` or ``text``) when set, else to "stderr
    is not a terminal". Plain stream handlers left by an earlier
    ``logging.basicConfig`` are replaced; other handlers (pytest's capture, for one) are kept.
    APScheduler's own per-run chatter is kept at WARNING unless ``level`` is DEBUG.
    """
    stream = stream or sys.stderr
    if json_output is None:
        json_output = _json_from_env()
    if json_output is None:
        json_output = not (hasattr(stream, "isatty") and stream.isatty())
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _Owned) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    handler = _Handler(stream)
    handler.setFormatter(JsonFormatter() if json_output else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
    install_log_redaction()
    return handler


@contextmanager
def check_progress(
    total: int, *, stream: TextIO | None = None, min_targets: int = 5
) -> Iterator[Callable[[str], None] | None]:
    """A rich progress bar for a check of many targets on a terminal, else ``None``.

    Yields ``done(line)``: call it once per finished target with the line to print above the bar::

        with check_progress(len(targets)) as done:
            ... on_done=lambda o: done(line_for(o)) if done else print(line_for(o))
    """
    stream = stream or sys.stderr
    if total < min_targets or not (hasattr(stream, "isatty") and stream.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream)
    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("check", total=total)

        def done(line: str) -> None:
            progress.console.print(line, markup=False, highlight=False)
            progress.advance(task)

        yield done
