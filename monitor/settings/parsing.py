"""Values as monitor.toml spells them: durations (``30s``, ``5m``), rates (``10/s``) and schedules (cron or
an interval)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from pydantic import (
    Field,
    field_validator,
)


@dataclass(frozen=True, slots=True)
class _Quantity:
    """A positive number with an optional unit, as monitor.toml spells it."""

    what: str
    examples: str
    pattern: re.Pattern[str]  # group 1: the number; group 2: the unit (may be absent)
    seconds: Mapping[str | None, float]  # how long each unit is
    per_unit: bool  # a rate (the number per unit of time), not a duration (the number of units)

    def parse(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"expected a {self.what} such as {self.examples}, got {type(value).__name__}")
        if isinstance(value, str):
            match = self.pattern.match(value)
            if not match:
                raise ValueError(f"expected a {self.what} such as {self.examples}, got {value!r}")
            unit = self.seconds[match.group(2)]
            number = float(match.group(1)) / unit if self.per_unit else float(match.group(1)) * unit
        else:
            number = float(value)
        if number <= 0:
            raise ValueError(f"expected a positive {self.what}, got {value!r}")
        return number


_DURATION: Final = _Quantity(
    "duration",
    "'30s', '5m' or '1h'",
    re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$"),
    {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400},
    per_unit=False,
)

_RATE: Final = _Quantity(
    "rate",
    "'5/s', '100/m' or '1000/h'",
    re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|m|min|minute|h|hour))?\s*$"),
    {
        **dict.fromkeys((None, "s", "sec", "second"), 1.0),
        **dict.fromkeys(("m", "min", "minute"), 60.0),
        **dict.fromkeys(("h", "hour"), 3600.0),
    },
    per_unit=True,
)


def parse_duration(value: str | float | int) -> float:
    """Seconds from ``30``, ``"30s"``, ``"5m"``, ``"250ms"``, ``"1h"``, ``"1d"``."""
    return _DURATION.parse(value)


Duration = Annotated[float, Field(gt=0)]


def duration_validator(*fields: str) -> Any:
    return field_validator(*fields, mode="before")(lambda v: parse_duration(v))


def parse_rate(value: str | float | int) -> float:
    """Requests per second from ``"5/s"``, ``"100/m"``, ``"1000/h"`` or a number (per second)."""
    return _RATE.parse(value)


def parse_schedule(value: str) -> tuple[Literal["interval"], float] | tuple[Literal["cron"], str]:
    """``("interval", seconds)`` for ``"15m"``; ``("cron", expr)`` for a five-field cron expression."""
    text = value.strip()
    if _DURATION.pattern.match(text):
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
