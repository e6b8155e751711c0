"""The figures the reliability suite measures, collected while it runs and printed at the end.

Tests add to :data:`FIGURES` only after their assertions passed, so a figure is always something the
suite proved. ``tests/reliability/conftest.py`` prints :func:`summary_lines` in the terminal summary;
the README's "Reliability" section quotes that output.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figures:
    faults_tried: list[str] = field(default_factory=list)
    faults_survived: list[str] = field(default_factory=list)
    fault_backends: set[str] = field(default_factory=set)  # stores the API faults ran against
    state_dir_faults: bool = False
    kill: dict[str, dict[str, Any]] = field(default_factory=dict)  # backend -> figures
    fuzz_cases: dict[str, int] = field(default_factory=dict)
    load: dict[str, Any] = field(default_factory=dict)
    slack: list[str] = field(default_factory=list)
    secrets: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, name: str, *, survived: bool, backend: str | None = None) -> None:
        """A fault tried: an API fault against the store ``backend`` ("SQLite", "PostgreSQL"), or with
        ``backend=None`` a fault of the state directory itself."""
        with self._lock:
            self.faults_tried.append(name)
            if backend is None:
                self.state_dir_faults = True
            else:
                self.fault_backends.add(backend)
            if survived:
                self.faults_survived.append(name)

    def survived(self, name: str) -> None:
        with self._lock:
            self.faults_survived.append(name)

    def fuzz(self, area: str, cases: int = 1) -> None:
        with self._lock:
            self.fuzz_cases[area] = self.fuzz_cases.get(area, 0) + cases

    @property
    def empty(self) -> bool:
        return not (
            self.faults_tried or self.kill or self.fuzz_cases or self.load or self.slack or self.secrets
        )


FIGURES = Figures()


def summary_lines(figures: Figures = FIGURES) -> list[str]:
    """Human-readable lines, one figure each (stable wording: the README quotes them)."""
    lines: list[str] = []
    if figures.faults_tried:
        # Only what ran: PostgreSQL's faults are deselected without GQLMON_TEST_POSTGRES_URL.
        kinds = []
        backends = [b for b in ("SQLite", "PostgreSQL") if b in figures.fault_backends]
        backends += sorted(figures.fault_backends - set(backends))
        if backends:
            kinds.append(f"API faults on {' and '.join(backends)}")
        if figures.state_dir_faults:
            kinds.append("unusable state directory")
        lines.append(
            f"faults: {len(figures.faults_survived)} of {len(figures.faults_tried)} survived "
            f"({', '.join(kinds)}: a failed run or error in one line, last good snapshot kept, "
            "no 'types removed', clean recovery)"
        )
    if figures.slack:
        lines.append(f"Slack faults: {len(figures.slack)} survived, each alert delivered exactly once after")
    for backend, k in sorted(figures.kill.items()):
        lines.append(
            f"SIGKILL trials ({backend}): {k['trials']} ({k['killed']} killed mid-check), {k['zero_loss']} "
            f"with zero loss; alerts: {k['alerts_sent']} sent, {k['duplicates']} duplicates "
            f"({k['interrupted_sends']} sends interrupted between claim and mark-sent; seed {k['seed']})"
        )
    if figures.fuzz_cases:
        total = sum(figures.fuzz_cases.values())
        parts = ", ".join(f"{area} {n}" for area, n in sorted(figures.fuzz_cases.items()))
        lines.append(f"fuzz cases: {total} without a traceback ({parts})")
    if figures.load:
        ld = figures.load
        lines.append(
            f"load: {ld['targets']} targets ({ld['failing']} failing), {ld['checks']} checks in "
            f"{ld['seconds']:.1f}s; healthy p50 {ld['p50_ms']:.0f} ms, p95 {ld['p95_ms']:.0f} ms; "
            f"RSS {ld['rss_200_mb']:.0f} MB after 200 checks, {ld['rss_end_mb']:.0f} MB after {ld['checks']}"
        )
    if figures.secrets:
        s = figures.secrets
        lines.append(
            f"secrets: {s['canaries']} canaries through {s['auth_kinds']} auth kinds and the Slack webhook; "
            f"{s['places']} places searched, 0 leaks"
        )
    lines.extend(figures.notes)
    return lines
