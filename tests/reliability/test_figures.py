"""The reliability summary says what the run proved, and nothing it did not run."""

from __future__ import annotations

from tests.reliability.figures import Figures, summary_lines


def test_faults_name_only_the_stores_they_ran_against() -> None:
    figures = Figures()
    figures.fault("HTTP 503", survived=False, backend="SQLite")
    figures.survived("HTTP 503")
    figures.fault("read-only state directory", survived=False)
    [line] = summary_lines(figures)
    assert line.startswith("faults: 1 of 2 survived (API faults on SQLite, unusable state directory: ")
    assert "PostgreSQL" not in line  # its tests were deselected: no GQLMON_TEST_POSTGRES_URL


def test_faults_on_both_stores_say_so() -> None:
    figures = Figures()
    for backend in ("PostgreSQL", "SQLite"):
        figures.fault(f"HTTP 503 ({backend})", survived=True, backend=backend)
    [line] = summary_lines(figures)
    assert line.startswith("faults: 2 of 2 survived (API faults on SQLite and PostgreSQL: ")
    assert "state directory" not in line
