"""The scheduler's metrics, rendered in the Prometheus text exposition format (version 0.0.4).

No client library: a handful of counters and one histogram, kept in memory by the process that runs the
checks and served on ``/metrics`` by :mod:`monitor.health`'s small HTTP server. Every replica exposes its own
numbers; sum them in Prometheus (``sum by (target) (rate(gqlmon_runs_total[5m]))``).

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

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: Iterable[tuple[str, str]] = ()) -> str:
    pairs = [*labels, *extra]
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: float = 0.0
    n: int = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(BUCKETS):
            if value <= bound:
                self.counts[i] += 1
        self.total += value
        self.n += 1


class Metrics:
    """Thread-safe in-memory metrics of one process; :meth:`render` gives the exposition text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = {}
        self._histograms: dict[Labels, _Histogram] = {}
        self.running = 0
        self.last_loop = 0.0

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._counters.setdefault(name, {})
            series[key] = series.get(key, 0.0) + amount

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (0 when never incremented)."""
        with self._lock:
            return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def observe_run(self, target: str, outcome: str, seconds: float, summary: Mapping[str, int]) -> None:
        """Count one finished check (``outcome`` ``timeout`` for one the scheduler had to stop)."""
        self.inc("gqlmon_runs_total", target=target, outcome=outcome)
        if outcome in ("failed", "timeout"):
            self.inc("gqlmon_run_failures_total", target=target)
        for criticality in ("breaking", "dangerous", "safe"):
            if summary.get(criticality):
                self.inc("gqlmon_changes_total", summary[criticality], target=target, criticality=criticality)
        with self._lock:
            self._histograms.setdefault((("target", target),), _Histogram()).observe(seconds)

    def render(self) -> str:
        """The Prometheus text format, every family with its HELP and TYPE lines."""
        lines: list[str] = []
        with self._lock:
            for name, help_text in _COUNTERS.items():
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
                for labels, value in sorted(self._counters.get(name, {}).items()):
                    lines.append(f"{name}{_labels(labels)} {_number(value)}")
            hname = "gqlmon_check_duration_seconds"
            lines += [f"# HELP {hname} Wall time of one check.", f"# TYPE {hname} histogram"]
            for labels, hist in sorted(self._histograms.items()):
                for bound, count in zip(BUCKETS, hist.counts, strict=True):
                    lines.append(f"{hname}_bucket{_labels(labels, [('le', _number(bound))])} {count}")
                lines.append(f"{hname}_bucket{_labels(labels, [('le', '+Inf')])} {hist.n}")
                lines.append(f"{hname}_sum{_labels(labels)} {_number(hist.total)}")
                lines.append(f"{hname}_count{_labels(labels)} {hist.n}")
            lines += [
                "# HELP gqlmon_checks_running Checks in progress.",
                "# TYPE gqlmon_checks_running gauge",
                f"gqlmon_checks_running {self.running}",
                "# HELP gqlmon_scheduler_last_loop_timestamp_seconds When the scheduler loop last ticked.",
                "# TYPE gqlmon_scheduler_last_loop_timestamp_seconds gauge",
                f"gqlmon_scheduler_last_loop_timestamp_seconds {_number(round(self.last_loop, 3))}",
            ]
        return "\n".join(lines) + "\n"


_COUNTERS: Final = {
    "gqlmon_runs_total": "Checks finished, by outcome.",
    "gqlmon_run_failures_total": "Checks that failed or timed out.",
    "gqlmon_changes_total": "Schema changes found, by criticality.",
    "gqlmon_lease_skips_total": "Checks skipped because another replica held the target's lease.",
}
