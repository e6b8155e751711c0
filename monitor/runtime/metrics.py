"""The scheduler's metrics, exposed in the Prometheus text format by ``prometheus-client``.

Kept in memory by the process that runs the checks, in a registry of its own (never the library's global
one: two schedulers in one process keep separate numbers), and served on ``/metrics`` by
:mod:`monitor.runtime.http_server`. Every replica exposes its own numbers; sum them in Prometheus
(``sum by (target) (rate(gqlmon_runs_total[5m]))``). The client adds the process's own figures (CPU time,
resident memory, open files, start time; garbage collections by generation).

::

    gqlmon_runs_total{target,outcome}          checks finished (baseline|unchanged|changed|failed|timeout)
    gqlmon_run_failures_total{target}          checks that failed or timed out
    gqlmon_changes_total{target,criticality}   changes found (breaking|dangerous|safe)
    gqlmon_lease_skips_total{target}           checks skipped because another replica holds the lease
    gqlmon_check_duration_seconds{target}      histogram of check wall time
    gqlmon_checks_running                      checks in progress now
    gqlmon_scheduler_last_loop_timestamp_seconds   when the scheduler loop last ticked (unix time)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.gc_collector import GCCollector
from prometheus_client.process_collector import ProcessCollector

#: What :meth:`Metrics.render` produces: the text format, version 0.0.4 (every Prometheus reads it).
CONTENT_TYPE: Final = CONTENT_TYPE_PLAIN_0_0_4
BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

# No ``*_created`` series beside each counter and histogram: in this text format each is one more gauge
# per target, and nothing here needs a counter's creation time (Prometheus detects resets itself). The
# switch is process-wide; gqlmon's process is the only user of the client.
disable_created_metrics()  # type: ignore[no-untyped-call]  # the client leaves it unannotated

#: name -> (help, label names); label names sorted, so every series prints its labels in one order.
_COUNTERS: Final = {
    "gqlmon_runs_total": ("Checks finished, by outcome.", ("outcome", "target")),
    "gqlmon_run_failures_total": ("Checks that failed or timed out.", ("target",)),
    "gqlmon_changes_total": ("Schema changes found, by criticality.", ("criticality", "target")),
    "gqlmon_lease_skips_total": (
        "Checks skipped because another replica held the target's lease.",
        ("target",),
    ),
}


class Metrics:
    """One process's metrics (thread-safe); :meth:`render` gives the exposition text."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counters = {
            name: Counter(name, help_text, labels, registry=self.registry)
            for name, (help_text, labels) in _COUNTERS.items()
        }
        self._duration = Histogram(
            "gqlmon_check_duration_seconds",
            "Wall time of one check.",
            ("target",),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._running = Gauge("gqlmon_checks_running", "Checks in progress.", registry=self.registry)
        self._last_loop = Gauge(
            "gqlmon_scheduler_last_loop_timestamp_seconds",
            "When the scheduler loop last ticked.",
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        GCCollector(registry=self.registry)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._counters[name].labels(**labels).inc(amount)

    def value(self, name: str, **labels: str) -> float:
        """A counter's or gauge's current value (0 when never set)."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    def observe_run(self, target: str, outcome: str, seconds: float, summary: Mapping[str, int]) -> None:
        """Count one finished check (``outcome`` ``timeout`` for one the scheduler had to stop)."""
        self.inc("gqlmon_runs_total", target=target, outcome=outcome)
        if outcome in ("failed", "timeout"):
            self.inc("gqlmon_run_failures_total", target=target)
        for criticality in ("breaking", "dangerous", "safe"):
            if summary.get(criticality):
                self.inc("gqlmon_changes_total", summary[criticality], target=target, criticality=criticality)
        self._duration.labels(target=target).observe(seconds)

    def check_started(self) -> None:
        self._running.inc()

    def check_finished(self) -> None:
        self._running.dec()

    @property
    def running(self) -> int:
        """Checks in progress now."""
        return int(self.value("gqlmon_checks_running"))

    def loop_ticked(self, at: float) -> None:
        """The scheduler loop ticked at ``at`` (unix time)."""
        self._last_loop.set(round(at, 3))

    @property
    def last_loop(self) -> float:
        """When the scheduler loop last ticked (unix time, to the millisecond; 0 before the first tick)."""
        return self.value("gqlmon_scheduler_last_loop_timestamp_seconds")

    def render(self) -> str:
        """The Prometheus text format, every family with its HELP and TYPE lines."""
        return generate_latest(self.registry).decode()
