"""``[targets.live]``: the opt-in live contract tests of one target.

::

    [targets.live]
    enabled = true                # run on every scheduled check (``gqlmon live TARGET`` runs regardless)
    max_examples = 25             # generated queries per root field
    operations = ["Query.*"]      # root fields to test: glob patterns over "Query.field", "Mutation.field"
    allow_mutations = false       # generated mutations are sent only when true (saved ones never)
    timeout = "60s"               # overall deadline of one live run
    rate_limit = "5/s"            # requests per second (or "/m", "/h")
    replay_contracts = false      # also replay the saved operations that need no (or fixture) variables
    alert_on_live_failures = false

:class:`LiveConfig` is meant to live in :mod:`monitor.settings` as ``TargetConfig.live``; until it does,
:func:`live_config_of` falls back to the defaults.
"""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.settings import parse_duration

__all__ = ["LiveConfig", "live_config_of", "parse_rate"]

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
    else:
        match = _RATE_RE.match(value)
        if not match:
            raise ValueError(f"expected a rate such as '5/s', '100/m' or '1000/h', got {value!r}")
        unit = match.group(2)
        rate = float(match.group(1)) / _RATE_UNITS[unit]
    if rate <= 0:
        raise ValueError(f"expected a positive rate, got {value!r}")
    return rate


class LiveConfig(BaseModel):
    """Live contract tests of one target (Schemathesis-generated queries plus saved-operation replays)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    max_examples: int = Field(default=25, ge=1, le=1000)
    operations: list[str] = Field(default_factory=lambda: ["Query.*"], min_length=1)
    allow_mutations: bool = False
    timeout: float = Field(default=60.0, gt=0)
    rate_limit: str = "5/s"
    replay_contracts: bool = False
    alert_on_live_failures: bool = False

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> float:
        return parse_duration(value, key="timeout")

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> str:
        parse_rate(value)
        return str(value)

    @field_validator("operations")
    @classmethod
    def _operations(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not re.match(r"^[A-Za-z_*?\[][A-Za-z0-9_*?\[\]!-]*\.[A-Za-z0-9_*?\[\]!-]+$", pattern):
                raise ValueError(f"expected patterns such as 'Query.*' or 'Query.stacks', got {pattern!r}")
        return value

    @property
    def requests_per_second(self) -> float:
        return parse_rate(self.rate_limit)


def live_config_of(target: object) -> LiveConfig:
    """The target's ``live`` settings (defaults, i.e. disabled, when settings do not have them yet)."""
    found = getattr(target, "live", None)
    if isinstance(found, LiveConfig):
        return found
    if isinstance(found, BaseModel):  # the same model, defined in monitor.settings
        return LiveConfig.model_validate(found.model_dump())
    return LiveConfig()
