"""The two bounds of a live run, shared by the worker thread and the event loop that waits for it.

:class:`Budget` is the overall deadline plus a stop flag the event loop sets when it gives up waiting;
:class:`RateLimiter` spaces requests evenly (``5/s`` is one request every 200 ms, no bursts). Both wait on
the stop flag rather than sleeping, so a cancelled run stops at once instead of finishing its sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Budget", "RateLimiter"]

Clock = Callable[[], float]


class Budget:
    """``seconds`` from now, or until :meth:`stop`; thread-safe."""

    def __init__(self, seconds: float, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self.started = clock()
        self.deadline = self.started + seconds
        self._stopped = threading.Event()
        self.deadline_hit = False

    def remaining(self) -> float:
        return max(self.deadline - self._clock(), 0.0)

    def elapsed(self) -> float:
        return self._clock() - self.started

    def stop(self) -> None:
        """Make every waiter and every later check give up (the event loop stopped waiting)."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def exhausted(self) -> bool:
        """True once the deadline passed (remembered in ``deadline_hit``) or :meth:`stop` was called."""
        if self._clock() >= self.deadline:
            self.deadline_hit = True
        return self.deadline_hit or self.stopped

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless stopped first; False when stopped or the deadline comes first."""
        if seconds >= self.remaining():
            self._stopped.wait(self.remaining())
            self.deadline_hit = True
            return False
        return not self._stopped.wait(seconds) if seconds > 0 else not self.stopped


class RateLimiter:
    """At most ``per_second`` requests a second, evenly spaced; one instance per live run."""

    def __init__(self, per_second: float, *, clock: Clock = time.monotonic) -> None:
        self.interval = 1.0 / per_second
        self._clock = clock
        self._next = clock()
        self._lock = threading.Lock()

    def acquire(self, budget: Budget) -> bool:
        """Wait for the next slot; False (and no slot used) when the budget runs out first."""
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            if not budget.wait(slot - now) or budget.exhausted():
                return False
            self._next = slot + self.interval
            return True
