"""Builders for the live tests: a target for a local server, a LiveConfig with small example counts."""

from __future__ import annotations

from typing import Any

from monitor.live import LiveConfig
from monitor.settings.models import TargetConfig

#: Fixed so that a failing run can be replayed exactly; the assertions do not depend on its value.
SEED = 20261125


def target(url: str, **options: Any) -> TargetConfig:
    return TargetConfig.model_validate({"name": "demo", "url": url, "timeout": "5s", **options})


def live(**options: Any) -> LiveConfig:
    defaults: dict[str, Any] = {"enabled": True, "max_examples": 6, "rate_limit": "500/s", "timeout": "20s"}
    return LiveConfig.model_validate({**defaults, **options})
