"""The configuration: validated models (:mod:`~monitor.settings.models`), reading monitor.toml and
``MONITOR_*`` variables (:mod:`~monitor.settings.loading`, the only place that reads the environment),
``${VAR}`` references, value parsing and configuration problems as the user reads them.

Settings import core-free helpers only (:mod:`monitor.support`, :mod:`monitor.errors`); every layer above
core may import them.
"""
