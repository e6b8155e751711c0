"""Values as monitor.toml spells them: durations (``30s``, ``5m``), rates (``10/s``) and schedules (cron or
an interval)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import (
    Field,
    field_validator,
)

_DURATION_RE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


_DURATION_UNITS: Final = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | float | int, *, key: str = "duration") -> float:
    """Seconds from ``30``, ``"30s"``, ``"5m"``, ``"250ms"``, ``"1h"``, ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError(f"{key}: expected a duration such as '30s' or '5m'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif not isinstance(value, str):
        raise ValueError(f"expected a duration such as '30s', '5m' or '1h', got {type(value).__name__}")
    else:
        match = _DURATION_RE.match(value)
        if not match:
            raise ValueError(f"expected a duration such as '30s', '5m' or '1h', got {value!r}")
        seconds = float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"expected a positive duration, got {value!r}")
    return seconds


Duration = Annotated[float, Field(gt=0)]


def duration_validator(*fields: str) -> Any:
    return field_validator(*fields, mode="before")(lambda v: parse_duration(v))


_RATE_RE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|m|min|minute|h|hour))?\s*$")


_RATE_UNITS: Final[dict[str | None, float]] = {
    **dict.fromkeys((None, "s", "sec", "second"), 1.0),
    **dict.fromkeys(("m", "min", "minute"), 60.0),
    **dict.fromkeys(("h", "hour"), 3600.0),
}


def parse_rate(value: str | float | int) -> float:
    """Requests per second from ``"5/s"``, ``"100/m"``, ``"1000/h"`` or a number (per second)."""
    if isinstance(value, bool):
        raise ValueError("expected a rate such as '5/s' or '100/m'")
    if isinstance(value, int | float):
        rate = float(value)
    elif not isinstance(value, str):
        raise ValueError(f"expected a rate such as '5/s', '100/m' or '1000/h', got {type(value).__name__}")
    else:
        match = _RATE_RE.match(value)
        if not match:
            raise ValueError(f"expected a rate such as '5/s', '100/m' or '1000/h', got {value!r}")
        unit = match.group(2)
        rate = float(match.group(1)) / _RATE_UNITS[unit]
    if rate <= 0:
        raise ValueError(f"expected a positive rate, got {value!r}")
    return rate


def parse_schedule(value: str) -> tuple[Literal["interval"], float] | tuple[Literal["cron"], str]:
    """``("interval", seconds)`` for ``"15m"``; ``("cron", expr)`` for a five-field cron expression."""
    text = value.strip()
    if _DURATION_RE.match(text):
        return ("interval", parse_duration(text))
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(f"expected an interval such as '15m' or a 5-field cron expression, got {value!r}")
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text)
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {value!r}: {exc}") from exc
    return ("cron", text)


def duration_text(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))
