"""Log lines: JSON off a terminal, text on one, GQLMON_LOG_FORMAT to choose, secrets masked either way."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from monitor.errors import ConfigError
from monitor.support.logs import configure_logging
from monitor.support.redact import register_secret

CANARY = "canary-logs-5c1d9e0f"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _restore_root_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("GQLMON_LOG_FORMAT", raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _emit(stream: io.StringIO) -> list[str]:
    register_secret(CANARY)
    log = logging.getLogger("monitor.test-logs")
    log.info("check finished with token %s", CANARY, extra={"run_id": "r1", "target": "demo", "n": 3})
    log.debug("not shown at INFO")
    return stream.getvalue().splitlines()


def test_json_lines_off_a_terminal_carry_extras_and_mask_secrets() -> None:
    stream = io.StringIO()
    configure_logging(logging.INFO, stream=stream)
    lines = _emit(stream)

    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "info" and entry["logger"] == "monitor.test-logs"
    assert entry["msg"] == "check finished with token ***"
    assert list(entry)[4:7] == ["target", "run_id", "n"]  # target and run_id lead the extras
    assert entry["target"] == "demo" and entry["n"] == 3
    assert CANARY not in lines[0]


def test_text_lines_on_a_terminal() -> None:
    stream = _Tty()
    configure_logging(logging.INFO, stream=stream)
    lines = _emit(stream)

    assert len(lines) == 1
    assert " INFO    check finished with token ***  target=demo  run_id=r1  n=3" in lines[0]
    assert not lines[0].startswith("{")


@pytest.mark.parametrize(("value", "is_json"), [("json", True), ("TEXT", False)])
def test_the_environment_overrides_the_terminal_guess(
    monkeypatch: pytest.MonkeyPatch, value: str, is_json: bool
) -> None:
    monkeypatch.setenv("GQLMON_LOG_FORMAT", value)
    stream: io.StringIO = _Tty() if is_json else io.StringIO()  # the opposite of the guess
    configure_logging(logging.INFO, stream=stream)
    (line,) = _emit(stream)
    assert line.startswith("{") is is_json


def test_a_bad_format_name_is_a_one_line_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GQLMON_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match=r"^GQLMON_LOG_FORMAT: must be 'json' or 'text', not 'xml'$"):
        configure_logging(stream=io.StringIO())


def test_configuring_twice_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(logging.INFO, stream=first)
    configure_logging(logging.INFO, stream=second)
    _emit(second)
    assert first.getvalue() == "" and len(second.getvalue().splitlines()) == 1


def test_exceptions_are_logged_masked() -> None:
    stream = io.StringIO()
    configure_logging(logging.INFO, stream=stream)
    register_secret(CANARY)
    try:
        raise RuntimeError(f"server said {CANARY}")
    except RuntimeError:
        logging.getLogger("monitor.test-logs").exception("introspection failed")
    entry = json.loads(stream.getvalue())
    assert "RuntimeError: server said ***" in entry["exc"]
    assert CANARY not in stream.getvalue()
