"""What a check needs back from the last run is its stored state (``run_state``), not its published report:
a report whose serialized shape changes keeps incremental validation, open changes and the once-only
alerts working; a store written before run state existed upgrades, and its old runs simply have none."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.adapters.store import SCHEMA_VERSION, Store, engine_url, run_state, store_meta
from monitor.core.contracts import STATE_VERSION, from_state, to_state
from monitor.core.report.model import DriftReport
from monitor.runtime.service import run_check
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings
from tests.servers.demo import DemoServer

pytestmark = pytest.mark.anyio

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "demo"


def configure(
    tmp_path: Path, api: DemoServer, state_url: str, *, slack: bool = False, extra: str = ""
) -> Settings:
    shutil.copytree(CONTRACTS, tmp_path / "contracts" / "demo")
    text = f'state = "{state_url}"\nreports_dir = "{tmp_path}/reports"\n'
    if slack:  # nothing listens there: alerts are only queued
        text += '[slack]\nwebhook_url = "http://127.0.0.1:9/hook"\n'
    text += f'[[targets]]\nname = "demo"\nurl = "{api.graphql_url}"\n{extra}'
    config = tmp_path / "monitor.toml"
    config.write_text(text)
    return load_settings(config, env={})


async def check(settings: Settings) -> DriftReport:
    store = Store.open(settings.state)
    try:
        return (await run_check(settings, settings.targets[0], store)).report
    finally:
        store.close()


def stored_report(settings: Settings, run_id: str) -> dict[str, Any]:
    store = Store.open(settings.state)
    try:
        report = store.get_run("demo", run_id).report
    finally:
        store.close()
    assert report is not None
    return report


@pytest.fixture
def reshaped_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every report serialized from now on has another shape: the keys the check logic used to read back
    are renamed (a future report format)."""
    original = DriftReport.to_dict
    renamed = {"contracts": "operations", "open_changes": "still_open", "open_since": "open_from"}

    def to_dict(self: DriftReport) -> dict[str, Any]:
        data = original(self)
        for old, new in renamed.items():
            data[new] = data.pop(old, None)
        data.pop("flapping", None)
        data["live_tests"] = data.pop("live", None)
        return data

    monkeypatch.setattr(DriftReport, "to_dict", to_dict)


@pytest.mark.usefixtures("reshaped_reports")
async def test_a_new_report_shape_keeps_reuse_and_open_changes(
    demo_api: DemoServer, tmp_path: Path, state_url: str
) -> None:
    settings = configure(tmp_path, demo_api, state_url)
    baseline = await check(settings)
    assert baseline.contracts is not None and baseline.contracts["revalidated"] == 11

    demo_api.switch(version="v2")
    drift = await check(settings)
    assert drift.outcome == "changed" and drift.contracts is not None
    assert "contracts" not in stored_report(settings, drift.run_id)  # the shape did change
    # Incremental: only the operations the diff touches were validated again.
    assert 0 < drift.contracts["revalidated"] < drift.contracts["total"]
    breaking = [c for c in drift.changes if c.criticality.value != "safe"]
    assert breaking

    unchanged = await check(settings)
    assert unchanged.outcome == "unchanged" and unchanged.contracts is not None
    assert (unchanged.contracts["revalidated"], unchanged.contracts["reused"]) == (0, 11)
    assert unchanged.contracts["broken"] == drift.contracts["broken"] > 0
    # The changed run's breaking and dangerous changes are still open, since that run, in its order.
    assert unchanged.open_changes == tuple(breaking)
    assert unchanged.open_since == {"run_id": drift.run_id, "finished_at": drift.finished_at}

    again = await check(settings)  # carried from an unchanged run to the next
    assert again.open_changes == tuple(breaking) and again.open_since == unchanged.open_since
    assert again.contracts is not None and again.contracts["reused"] == 11


@pytest.mark.usefixtures("reshaped_reports")
async def test_a_new_report_shape_still_alerts_flapping_once(
    demo_api: DemoServer, tmp_path: Path, state_url: str
) -> None:
    settings = configure(tmp_path, demo_api, state_url, slack=True)
    await check(settings)
    reports = []
    for version in ["v2", "v1", "v2", "v1"]:
        demo_api.switch(version=version)
        reports.append(await check(settings))
    assert [r.flapping is not None and r.flapping["started"] for r in reports[2:]] == [True, False]


@pytest.mark.usefixtures("reshaped_reports")
async def test_a_new_report_shape_still_announces_live_failures_once(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    live = (
        '[targets.live]\nenabled = true\nmax_examples = 5\noperations = ["Query.stacks"]\n'
        'rate_limit = "200/s"\ntimeout = "30s"\nalert_on_live_failures = true\n'
    )
    settings = configure(tmp_path, demo_api, f"sqlite:///{tmp_path}/state.db", slack=True, extra=live)
    demo_api.switch(mode="misbehaving")
    first, second = await check(settings), await check(settings)
    assert first.live is not None and first.live["failed"] is True
    assert second.live is not None and second.live["failed"] is True
    store = Store.open(settings.state)
    try:
        kinds = [item.kind for item in store.due_alerts(limit=100)]
    finally:
        store.close()
    assert kinds.count("live") == 1


def downgrade_to_version_2(url: str) -> None:
    """Make the store what gqlmon at schema version 2 left: no ``run_state`` table, version 2."""
    engine = sa.create_engine(engine_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            run_state.drop(conn)
            conn.execute(sa.update(store_meta).where(store_meta.c.key == "schema_version").values(value="2"))
    finally:
        engine.dispose()


async def test_a_store_of_the_previous_schema_upgrades_and_its_old_runs_have_no_state(
    demo_api: DemoServer, tmp_path: Path, state_url: str
) -> None:
    settings = configure(tmp_path, demo_api, state_url)
    await check(settings)
    demo_api.switch(version="v2")
    drift = await check(settings)
    downgrade_to_version_2(state_url)

    store = Store.open(state_url)
    try:
        with store.engine.connect() as conn:
            version = conn.execute(
                sa.select(store_meta.c.value).where(store_meta.c.key == "schema_version")
            ).scalar_one()
            assert int(version) == SCHEMA_VERSION == 3
            assert conn.execute(sa.select(sa.func.count()).select_from(run_state)).scalar_one() == 0
        runs = store.list_runs("demo")
        assert [r.outcome for r in runs] == ["changed", "baseline"]  # history kept
        assert store.run_state(drift.run_id) is None
        assert (store.get_run("demo", drift.run_id).report or {})["contracts"]["total"] == 11
    finally:
        store.close()

    # The first check after the upgrade has nothing to reuse or carry: it validates every operation and
    # reports nothing open (as when an old report could not be read); it stores its state for the next.
    first = await check(settings)
    assert first.outcome == "unchanged" and first.contracts is not None
    assert (first.contracts["revalidated"], first.contracts["reused"]) == (11, 0)
    assert first.open_changes == () and first.open_since is None
    second = await check(settings)
    assert second.contracts is not None
    assert (second.contracts["revalidated"], second.contracts["reused"]) == (0, 11)


def test_the_contracts_state_round_trips_and_refuses_another_version() -> None:
    from graphql import build_schema

    from monitor.core.contracts import SourceFile, parse_sources, validate_operations

    schema = build_schema('type Query { a: Int @deprecated(reason: "Use `b`.") b: Int }')
    files = [SourceFile("q.graphql", "query Q { a }\nquery Bad { c }\n"), SourceFile("x.graphql", "query {")]
    result = validate_operations(schema, parse_sources(files), deprecated_since={"Query.a": "T0"})
    assert result.problems and result.broken and result.operations[0].deprecations

    state = to_state(result)
    assert state["v"] == STATE_VERSION
    assert from_state(state) == result
    with pytest.raises(ValueError, match="version"):
        from_state({**state, "v": STATE_VERSION + 1})
    with pytest.raises(ValueError, match="malformed"):
        from_state({**state, "operations": [{"name": "Q"}]})
