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

:class:`LiveConfig` lives in :mod:`monitor.settings.models` (``TargetConfig.live``); this module re-exports it.
"""

from __future__ import annotations

from monitor.settings.models import LiveConfig
from monitor.settings.parsing import parse_rate

__all__ = ["LiveConfig", "live_config_of", "parse_rate"]


def live_config_of(target: object) -> LiveConfig:
    """The target's ``live`` settings (the defaults, i.e. disabled, for an object without them)."""
    found = getattr(target, "live", None)
    return found if isinstance(found, LiveConfig) else LiveConfig()
