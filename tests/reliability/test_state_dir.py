"""An unusable state directory (not a directory, read-only, disk full): a clear one-line error, no
traceback, and the store that was there stays intact and usable."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from monitor.adapters.store import Store
from tests.reliability.figures import FIGURES
from tests.servers.faulty import RunningServer


def _config(tmp_path: Path, state: Path, url: str) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'state = "sqlite:///{state}"\nreports_dir = "{tmp_path / "reports"}"\n'
        f'[[targets]]\nname = "api"\nurl = "{url}"\nretries = 0\ntimeout = "5s"\n'
    )
    return config


def _check(config: Path, *, file_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "monitor", "-c", str(config), "check"]
    if file_limit is not None:  # "disk full": writes past file_limit bytes fail with EFBIG (SIGXFSZ ignored)
        setup = (
            "import os, resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({file_limit}, {file_limit})); "
            "os.execv(sys.executable, sys.argv[1:])"
        )
        command = [sys.executable, "-c", setup, *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("gqlmon: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_state_path_under_a_file_is_a_clear_error(tmp_path: Path, api_server: RunningServer) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result = _check(_config(tmp_path, blocker / "state.db", api_server.url("/graphql")))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "cannot open the state store" in _one_line_error(result)
    FIGURES.fault("state directory is a file", survived=True)


@contextmanager
def _read_only(*paths: Path) -> Iterator[None]:
    """Make ``paths`` unwritable: chmod for a normal user; ``chattr +i`` for root (else skip the test)."""
    if os.geteuid() != 0:
        modes = [p.stat().st_mode for p in paths]
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in zip(paths, modes, strict=True):
                p.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root ignores permissions and chattr is not installed")
    done: list[Path] = []
    try:
        for p in paths:
            if subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode != 0:
                pytest.skip("root ignores permissions and this filesystem refuses chattr +i")
            done.append(p)
        yield
    finally:
        for p in done:
            subprocess.run(["chattr", "-i", str(p)], capture_output=True)


def test_read_only_state_directory_is_a_clear_error_and_keeps_the_store(
    tmp_path: Path, api_server: RunningServer
) -> None:
    state = tmp_path / "state" / "state.db"
    config = _config(tmp_path, state, api_server.url("/graphql"))
    assert _check(config).returncode == 0
    config = _config(tmp_path, state, api_server.url("/v2"))  # a new schema: the check must write
    files = sorted(state.parent.iterdir())
    before = {p.name: p.read_bytes() for p in files}
    FIGURES.fault("read-only state directory", survived=False)
    with _read_only(state.parent, *files):
        result = _check(config)
    assert result.returncode in (2, 3), (result.stdout, result.stderr)
    print("read-only:", _one_line_error(result))
    assert {p.name: p.read_bytes() for p in sorted(state.parent.iterdir())} == before
    assert _check(config).returncode in (0, 1)  # writable again: the next check completes
    FIGURES.survived("read-only state directory")


def test_disk_full_is_a_clear_error_and_keeps_the_store(tmp_path: Path, api_server: RunningServer) -> None:
    state = tmp_path / "state" / "state.db"
    config = _config(tmp_path, state, api_server.url("/graphql"))
    first = _check(config)
    assert first.returncode == 0, first.stderr
    store = Store.open(f"sqlite:///{state}")
    kept = store.latest_snapshot("api")
    store.close()
    assert kept is not None

    config = _config(tmp_path, state, api_server.url("/v2"))  # a new schema: the check must write
    FIGURES.fault("disk full while storing a run", survived=False)
    full = _check(config, file_limit=8192)
    assert full.returncode in (2, 3), (full.stdout, full.stderr)
    print("disk full:", _one_line_error(full))

    with sqlite3.connect(state) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = Store.open(f"sqlite:///{state}")
    try:
        latest = store.latest_snapshot("api")
        assert latest is not None and latest.id == kept.id
        store.load_snapshot(kept.id)
    finally:
        store.close()
    recovered = _check(config)
    assert recovered.returncode in (0, 1), recovered.stderr
    FIGURES.survived("disk full while storing a run")


def test_unwritable_state_error_names_the_store(tmp_path: Path, api_server: RunningServer) -> None:
    state = tmp_path / "state" / "state.db"
    config = _config(tmp_path, state, api_server.url("/graphql"))
    assert _check(config).returncode == 0
    with _read_only(state.parent, *sorted(state.parent.iterdir())):
        line = _one_line_error(_check(_config(tmp_path, state, api_server.url("/v2"))))
    assert str(state) in line and "writable" in line, line
