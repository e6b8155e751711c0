"""The check flow and what runs it: one check of one target (:mod:`~monitor.runtime.service`), many targets
at once (:mod:`~monitor.runtime.batch`), the long-lived scheduler with its leases, health file and metrics.

Runtime imports core, settings, support, adapters and the live tests; the entry points (:mod:`monitor.cli`,
:mod:`monitor.mcp`) import it, never the other way round.
"""
