"""What one live run found: :class:`LiveResult`, its report section, and the :class:`Recorder` that builds it.

The same problem seen on many generated queries is one :class:`LiveFailure` with a ``count`` (grouped by
operation, check, kind and the response path with list indices dropped), so a report stays readable when
an API breaks every item of a list. Its ``curl`` reproduces the first request that showed it, secrets
masked. At most :data:`MAX_FAILURES` distinct failures are kept.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from monitor.support.redact import redact

__all__ = ["MAX_FAILURES", "LiveFailure", "LiveResult", "Recorder"]

MAX_FAILURES: Final = 50
_INDEX_RE: Final = re.compile(r"\[\d+\]")

Source = Literal["generated", "replay"]


@dataclass(frozen=True, slots=True)
class LiveFailure:
    """One distinct way the API broke its contract, and how to reproduce it."""

    operation: str  # "Query.stacks" (generated) or the saved operation's name (replay)
    check: (
        str  # not_a_server_error | positive_data_acceptance | response_schema_conformance | conformance | ...
    )
    message: str
    path: str  # response path ("stacks[0].branch"), or the root field ("stacks") when there is no data
    curl: str
    source: Source = "generated"
    kind: str = ""  # conformance violation kind, Schemathesis failure class, or "transport"
    status: int | None = None
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "check": self.check,
            "kind": self.kind,
            "message": self.message,
            "path": self.path,
            "status": self.status,
            "source": self.source,
            "count": self.count,
            "curl": self.curl,
        }

    @property
    def group(self) -> tuple[str, str, str, str]:
        return (self.operation, self.check, self.kind, _INDEX_RE.sub("[]", self.path))


@dataclass(frozen=True, slots=True)
class LiveResult:
    """The outcome of one live run of one target."""

    target: str
    examples: int = 0  # generated queries sent
    requests: int = 0  # HTTP requests sent (generated + replayed)
    replayed: int = 0  # saved operations replayed
    operations: tuple[str, ...] = ()  # root fields tested ("Query.stacks")
    failures: tuple[LiveFailure, ...] = ()
    total_failures: int = 0  # occurrences, including those grouped into one failure
    skipped: tuple[tuple[str, str], ...] = ()  # (what, why)
    duration: float = 0.0
    deadline_hit: bool = False
    error: str | None = None  # the run could not go on (credentials refused, no schema, ...)

    @property
    def failed(self) -> bool:
        """True when the API broke its contract (not when the run itself could not happen)."""
        return bool(self.failures)

    def to_report_section(self) -> dict[str, Any]:
        """The DriftReport's ``live`` section (JSON-ready, secrets masked)."""
        return {
            "examples": self.examples,
            "requests": self.requests,
            "replayed": self.replayed,
            "operations": len(self.operations),
            "failed": self.failed,
            "failure_count": self.total_failures,
            "failures": [f.to_dict() for f in self.failures],
            "skipped": [{"what": what, "why": why} for what, why in self.skipped],
            "duration": round(self.duration, 3),
            "deadline_hit": self.deadline_hit,
            "error": redact(self.error) if self.error else None,
        }


@dataclass
class Recorder:
    """Collects a run's counts and failures from the worker thread; :meth:`result` snapshots them."""

    target: str
    examples: int = 0
    requests: int = 0
    replayed: int = 0
    operations: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    _groups: dict[tuple[str, str, str, str], LiveFailure] = field(default_factory=dict)
    _total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, *, generated: bool) -> None:
        with self._lock:
            self.requests += 1
            if generated:
                self.examples += 1
            else:
                self.replayed += 1

    def failure(self, failure: LiveFailure) -> None:
        clean = replace(failure, message=redact(failure.message), curl=redact(failure.curl), count=1)
        with self._lock:
            self._total += 1
            known = self._groups.get(clean.group)
            if known is not None:
                self._groups[clean.group] = replace(known, count=known.count + 1)
            elif len(self._groups) < MAX_FAILURES:
                self._groups[clean.group] = clean

    def skip(self, what: str, why: str) -> None:
        with self._lock:
            self.skipped.append((what, redact(why)))

    def fail_run(self, error: str) -> None:
        with self._lock:
            if self.error is None:
                self.error = redact(error)

    def result(self, *, duration: float, deadline_hit: bool) -> LiveResult:
        with self._lock:
            return LiveResult(
                target=self.target,
                examples=self.examples,
                requests=self.requests,
                replayed=self.replayed,
                operations=tuple(self.operations),
                failures=tuple(self._groups.values()),
                total_failures=self._total,
                skipped=tuple(self.skipped),
                duration=duration,
                deadline_hit=deadline_hit,
                error=self.error,
            )
