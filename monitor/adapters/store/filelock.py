"""The write lock of a SQLite store: one write transaction at a time across threads and processes."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from monitor.errors import SnapshotError

#: How long a SQLite write waits for the store's file lock before failing (as long as SQLite's busy_timeout).
LOCK_TIMEOUT: Final = 30.0


class FileLock:
    """One SQLite store's write transactions, one at a time across threads and processes (``flock`` on a
    file beside the database).

    SQLite allows one writer; its busy timeout covers most contention, but not a write transaction that
    began by reading and must upgrade while another process writes (SQLITE_BUSY at once, "database is
    locked"), which several ``gqlmon`` processes sharing a store met under load. Write transactions here
    are short, so queueing them costs little; reads do not queue (WAL lets them run beside a writer). The
    wait is bounded: a process stuck inside a write (stopped, hung on a full disk) makes the others fail
    with one line naming the lock file, not stall with it. The kernel drops the lock of a killed process.
    A lock file that cannot be created (a read-only directory) leaves SQLite's own locking alone in charge.
    """

    def __init__(self, path: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._threads = threading.RLock()
        self._fd: int | None = None
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise SnapshotError(self._stuck("another thread of this process"))
        try:
            fd = self._open()
            if fd is not None and self._depth == 0:
                self._flock(fd, deadline)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if fd is not None and self._depth == 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _flock(self, fd: int, deadline: float) -> None:
        """``LOCK_EX`` within the deadline (flock has no timeout of its own: poll, backing off to 50 ms)."""
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SnapshotError(self._stuck("another process")) from None
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, 0.05)

    def _stuck(self, holder: str) -> str:
        return (
            f"the state store is busy: {holder} has held its write lock {self.path} for over "
            f"{self.timeout:g} s; retry, and if it persists stop the stuck gqlmon process "
            f"(`fuser -v {self.path}` names it)"
        )

    def _open(self) -> int | None:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                return None
        return self._fd

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
