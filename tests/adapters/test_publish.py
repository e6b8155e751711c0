"""Publishing report files: dated and latest copies, history, index; atomic replacement."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.adapters.publish import SUFFIXES, publish_report, read_histories
from monitor.core.report.model import DriftReport
from tests.core.report.fixtures import HISTORY, failed_report, fixture_report


def test_writes_every_format_dated_and_latest(tmp_path: Path) -> None:
    report = fixture_report()
    out = publish_report(report, tmp_path, HISTORY)
    folder = tmp_path / "demo"
    assert out.directory == folder
    assert sorted(p.name for p in out.dated.values()) == sorted(f"{report.run_id}.{s}" for s in SUFFIXES)
    assert sorted(p.name for p in out.latest.values()) == sorted(f"latest.{s}" for s in SUFFIXES)
    assert out.html == folder / f"{report.run_id}.html"
    for suffix in SUFFIXES:
        assert (folder / f"latest.{suffix}").read_text() == (folder / f"{report.run_id}.{suffix}").read_text()
    again = DriftReport.from_dict(json.loads((folder / "latest.json").read_text()))
    assert set(again.changes) == set(report.changes) and again.acknowledged == report.acknowledged
    assert (tmp_path / "index.html").exists() and out.index in out.paths
    assert not list(folder.glob(".*.tmp"))  # no temporary files left behind
    assert (folder / "latest.html").stat().st_mode & 0o777 == 0o644


def test_history_is_merged_and_the_index_covers_every_target(tmp_path: Path) -> None:
    publish_report(fixture_report(), tmp_path, HISTORY)
    publish_report(replace(failed_report(), target="other"), tmp_path, [])
    histories = read_histories(tmp_path)
    assert sorted(histories) == ["demo", "other"]
    assert [r["run_id"] for r in histories["demo"]] == [h["run_id"] for h in HISTORY] + [
        fixture_report().run_id
    ]
    index = (tmp_path / "index.html").read_text()
    assert 'href="demo/latest.html"' in index and 'href="other/latest.html"' in index


def test_unchanged_runs_only_refresh_latest(tmp_path: Path) -> None:
    report = replace(fixture_report(), outcome="unchanged", changes=(), acknowledged={})
    out = publish_report(report, tmp_path, HISTORY)
    assert out.dated == {}
    assert out.html == tmp_path / "demo" / "latest.html"
    assert publish_report(report, tmp_path, HISTORY, dated_unchanged=True).dated


def test_odd_target_names_get_a_safe_folder(tmp_path: Path) -> None:
    out = publish_report(replace(fixture_report(), target="../https://api.example.com/graphql"), tmp_path, [])
    assert out.directory.parent == tmp_path
    assert out.directory.name == "_https___api.example.com_graphql"


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publish_report(fixture_report(), tmp_path, HISTORY)
    before = (tmp_path / "demo" / "latest.html").read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("monitor.support.atomic.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        publish_report(failed_report(), tmp_path, HISTORY)
    assert (tmp_path / "demo" / "latest.html").read_text() == before
    assert not list((tmp_path / "demo").glob(".*.tmp"))


def test_unreadable_history_is_skipped(tmp_path: Path) -> None:
    publish_report(fixture_report(), tmp_path, HISTORY)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "history.json").write_text("{not json")
    assert list(read_histories(tmp_path)) == ["demo"]
