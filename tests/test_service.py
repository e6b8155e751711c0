"""One check end to end against the real demo API: contracts validated and reused, flapping recognised,
live contract tests folded into the report and its alerts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.adapters.store import Store
from monitor.core.flapping import detect_flapping
from monitor.mcp.catalog import Catalog
from monitor.mcp.operation_tools import check_contracts
from monitor.runtime.service import run_check
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings
from tests.servers.demo import DemoServer

pytestmark = pytest.mark.anyio

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "demo"
DEMO_BROKEN = {"ListStacks", "RecentRuns", "TriggerRun", "CreateStack", "RunCommits"}


def configure(tmp_path: Path, api: DemoServer, extra: str = "", slack: bool = False) -> Settings:
    contracts = tmp_path / "contracts" / "demo"
    if not contracts.exists():
        shutil.copytree(CONTRACTS, contracts)
    text = f'state = "sqlite:///{tmp_path}/state.db"\nreports_dir = "{tmp_path}/reports"\n'
    if slack:  # nothing listens there: alerts are only queued in these tests
        text += '[slack]\nwebhook_url = "http://127.0.0.1:9/hook"\n'
    text += f'[[targets]]\nname = "demo"\nurl = "{api.graphql_url}"\n{extra}'
    config = tmp_path / "monitor.toml"
    config.write_text(text)
    return load_settings(config, env={})


async def check(settings: Settings) -> tuple[dict, Store]:  # type: ignore[type-arg]
    store = Store.open(settings.state)
    try:
        outcome = await run_check(settings, settings.targets[0], store)
    finally:
        store.close()
    return outcome.report.to_dict(), store


async def test_contracts_are_validated_at_every_check_and_reused_when_untouched(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    settings = configure(tmp_path, demo_api)

    baseline, _ = await check(settings)
    section = baseline["contracts"]
    assert baseline["outcome"] == "baseline"
    assert section["broken"] == 0 and section["total"] == 11
    assert section["revalidated"] == 11 and section["reused"] == 0
    # The demo's v1 already deprecates Stack.tags (ListStacks uses it): first seen at the baseline.
    deprecated = {d["coordinate"]: d for d in section["deprecations"]}
    tags = deprecated["Stack.tags"]
    assert tags["first_seen"] == baseline["new_snapshot"]["fetched_at"]
    assert (tags["removal_date"], tags["replacement"], tags["operations"]) == (
        "2027-03-01",
        "Stack.labels",
        ["ListStacks"],
    )

    demo_api.switch(version="v2")
    drift, _ = await check(settings)
    section = drift["contracts"]
    broken = {op["name"] for op in section["operations"] if op["status"] == "broken"}
    assert broken == DEMO_BROKEN
    # Only the operations the diff touches were validated again.
    assert 0 < section["revalidated"] < section["total"]
    assert section["reused"] == section["total"] - section["revalidated"]
    # Each broken operation names the change that broke it, and that change names it back.
    changes = {c["id"]: c for c in drift["changes"]}
    recent = next(op for op in section["operations"] if op["name"] == "RecentRuns")
    assert [changes[i]["coordinate"] for i in recent["caused_by"]] == ["Run.commitHash"]
    assert "RecentRuns" in section["affected"][recent["caused_by"][0]]
    # Usage-aware rule: a breaking change no saved operation touches says so.
    email = next(c for c in drift["changes"] if c["coordinate"] == "User.email")
    assert email["criticality"] == "breaking"
    assert "unused by your operations" in email["reason"]

    unchanged, _ = await check(settings)
    section = unchanged["contracts"]
    assert unchanged["outcome"] == "unchanged"
    assert (section["revalidated"], section["reused"]) == (0, section["total"])
    assert {op["name"] for op in section["operations"] if op["status"] == "broken"} == DEMO_BROKEN


async def test_an_edited_operation_is_validated_again_on_an_unchanged_schema(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    settings = configure(tmp_path, demo_api)
    await check(settings)
    (tmp_path / "contracts" / "demo" / "extra.graphql").write_text("query Extra { stacks { nope } }\n")

    report, _ = await check(settings)
    section = report["contracts"]
    assert report["outcome"] == "unchanged"
    assert section["revalidated"] == 1 and section["reused"] == 11
    extra = next(op for op in section["operations"] if op["name"] == "Extra")
    assert extra["status"] == "broken"
    assert "Cannot query field 'nope'" in extra["errors"][0]["message"]


async def test_a_target_without_contracts_has_no_contracts_section(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    settings = configure(tmp_path, demo_api, extra=f'contracts = "{tmp_path}/none"\n')
    report, _ = await check(settings)
    assert report["outcome"] == "baseline" and report["contracts"] is None


def test_flapping_is_a_quick_return_to_a_recent_schema() -> None:
    assert detect_flapping([], "a") is None
    assert detect_flapping(["a"], "b") is None  # a plain change
    assert detect_flapping(["a", "b"], "b") is None  # unchanged
    assert detect_flapping(["a", "b"], "a") is None  # one return is a rollback, not flapping
    flap = detect_flapping(["a", "b", "a"], "b")  # the second return: the schema alternates
    assert flap == {"snapshots": ["b", "a"], "flips": 2, "window": 6}
    # A rollback to a schema served long ago is not flapping.
    assert detect_flapping(["a", "b", "c", "d", "e", "f", "g"], "a") is None


async def test_two_schemas_behind_one_endpoint_alert_once_not_on_every_flip(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    settings = configure(tmp_path, demo_api, slack=True)
    await check(settings)
    reports = []
    for version in ["v2", "v1", "v2", "v1"]:
        demo_api.switch(version=version)
        report, _ = await check(settings)
        reports.append(report)

    assert [r["outcome"] for r in reports] == ["changed"] * 4
    assert reports[0]["flapping"] is None and reports[0]["rollback"] is None
    # v2 -> v1: a rollback to the baseline, said as such; then v1 -> v2 -> v1 alternates: flapping.
    assert reports[1]["flapping"] is None
    assert reports[1]["rollback"]["snapshot"] == reports[0]["old_snapshot"]["id"]
    assert [r["flapping"]["started"] for r in reports[2:]] == [True, False]
    assert any("flapping" in note for note in reports[2]["notes"])
    store = Store.open(settings.state)
    try:
        queued = store.due_alerts(limit=100)
    finally:
        store.close()
    drift = [item for item in queued if item.kind == "drift"]
    # The change, the rollback, and the start of the flapping; not the flip after it.
    assert len(drift) == 3
    assert "Rolled back" in str(drift[1].payload)


async def test_live_failures_go_into_the_report_and_alert_once(demo_api: DemoServer, tmp_path: Path) -> None:
    live = (
        '[targets.live]\nenabled = true\nmax_examples = 5\noperations = ["Query.stacks"]\n'
        'rate_limit = "200/s"\ntimeout = "30s"\nalert_on_live_failures = true\n'
    )
    settings = configure(tmp_path, demo_api, extra=live, slack=True)
    demo_api.switch(mode="misbehaving")

    first, _ = await check(settings)
    second, _ = await check(settings)

    assert first["live"]["failed"] is True
    paths = {f["path"] for f in first["live"]["failures"]}
    assert any(p.startswith("stacks[") and p.endswith(".branch") for p in paths), paths
    assert all("curl" in f["curl"] for f in first["live"]["failures"])
    assert second["outcome"] == "unchanged" and second["live"]["failed"] is True
    store = Store.open(settings.state)
    try:
        queued = store.due_alerts(limit=100)
    finally:
        store.close()
    assert [item.kind for item in queued].count("live") == 1  # the same failures are announced once


async def test_a_check_skips_a_target_another_gqlmon_is_checking(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    import io

    from monitor.cli.check import check_command
    from monitor.runtime.leasing import exclusive, new_holder

    settings = configure(tmp_path, demo_api)
    store = Store.open(settings.state)
    try:
        async with exclusive(store, "demo", new_holder()) as taken:
            assert taken
            out = io.StringIO()
            code = await check_command(
                settings, ["demo"], all_targets=False, fail_on=None, fmt="text", out=out
            )
            assert code == 0
            assert "demo: skipped: another gqlmon is checking it" in out.getvalue()
            assert store.list_runs("demo") == []  # nothing was checked

            forced = io.StringIO()
            code = await check_command(
                settings, ["demo"], all_targets=False, fail_on=None, fmt="text", out=forced, lease=False
            )
            assert "baseline snapshot" in forced.getvalue()
        # Released: the next check takes the lease itself.
        out = io.StringIO()
        await check_command(settings, ["demo"], all_targets=False, fail_on=None, fmt="text", out=out)
        assert "unchanged" in out.getvalue()
    finally:
        store.close()


async def test_a_check_of_many_targets_on_a_terminal_shows_progress(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    import io

    from monitor.cli.check import check_command

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    more = "".join(f'[[targets]]\nname = "demo{i}"\nurl = "{demo_api.graphql_url}"\n' for i in range(5))
    settings = configure(tmp_path, demo_api, extra=more)
    out = Terminal()
    code = await check_command(settings, [], all_targets=True, fail_on=None, fmt="text", out=out)

    assert code == 0
    text = out.getvalue()
    for name in ["demo", *(f"demo{i}" for i in range(5))]:
        assert f"✔ {name}: baseline snapshot" in text
    assert "checking" in text and "6/6" in text  # the bar, drawn on the terminal


async def test_snapshots_keep_per_type_fingerprints_so_the_next_diff_skips_unchanged_types(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    from monitor.core.diff import diff_schemas
    from monitor.core.schema import schema_from_introspection, type_fingerprints

    settings = configure(tmp_path, demo_api)
    baseline, _ = await check(settings)
    demo_api.switch(version="v2")
    drift, _ = await check(settings)

    store = Store.open(settings.state)
    try:
        old_id, new_id = baseline["new_snapshot"]["id"], drift["new_snapshot"]["id"]
        old_types, new_types = store.load_type_fingerprints(old_id), store.load_type_fingerprints(new_id)
        old_intro, new_intro = store.load_snapshot(old_id), store.load_snapshot(new_id)
    finally:
        store.close()
    assert old_types == type_fingerprints(old_intro) and new_types == type_fingerprints(new_intro)
    unchanged = {name for name, fp in new_types.items() if old_types.get(name) == fp}
    assert "Run" not in unchanged and len(unchanged) > len(new_types) // 2  # most types are skipped
    # Skipping the unchanged types finds exactly what walking every type finds.
    walked = diff_schemas(schema_from_introspection(old_intro), schema_from_introspection(new_intro))
    assert sorted(c["id"] for c in drift["changes"]) == sorted(c.id for c in walked)


@pytest.mark.parametrize(
    "contracts",
    [
        'contracts = ["app/**/*.ts"]\ncontracts_exclude = ["**/*.test.ts"]\n',
        # the repository's graphql-config, one of its projects
        'contracts = "app/.graphqlrc.yml"\ncontracts_project = "web"\n',
    ],
    ids=["globs", "graphql-config"],
)
async def test_contracts_kept_in_source_code_are_checked_at_their_lines(
    demo_api: DemoServer, tmp_path: Path, contracts: str
) -> None:
    app = tmp_path / "app" / "src"
    app.mkdir(parents=True)
    (app / "runs.ts").write_text(
        'import { gql } from "@apollo/client";\n'
        'import { RUN_SUMMARY } from "./fragments";\n'
        "\n"
        "export const RECENT_RUNS = gql`\n"
        "  query RecentRuns($first: Int = 20) {\n"
        "    runs(first: $first) {\n"
        "      ...RunSummary\n"
        "      commitHash\n"
        "    }\n"
        "  }\n"
        "  ${RUN_SUMMARY}\n"
        "`;\n"
    )
    (app / "fragments.ts").write_text(
        "export const RUN_SUMMARY = gql`\n  fragment RunSummary on Run {\n    id\n    state\n  }\n`;\n"
    )
    (app / "runs.test.ts").write_text("const Q = gql`query NotAContract { nope }`;\n")
    (app.parent / ".graphqlrc.yml").write_text(
        "projects:\n  web:\n    schema: schema.graphql\n    documents: src/**/*.ts\n    exclude: '**/*.test.ts'\n"
        "  other:\n    schema: schema.graphql\n    documents: elsewhere/*.ts\n"
    )
    settings = configure(tmp_path, demo_api, extra=contracts)

    baseline, _ = await check(settings)
    demo_api.switch(version="v2")
    drift, _ = await check(settings)

    assert baseline["contracts"]["total"] == 1 and baseline["contracts"]["broken"] == 0
    [op] = drift["contracts"]["operations"]
    assert (op["name"], op["file"], op["line"], op["column"], op["status"]) == (
        "RecentRuns",
        "app/src/runs.ts",
        5,
        3,
        "broken",
    )
    assert [(e["file"], e["line"], e["column"]) for e in op["errors"]] == [("app/src/runs.ts", 8, 7)]
    changes = {c["id"]: c["coordinate"] for c in drift["changes"]}
    assert [changes[i] for i in op["caused_by"]] == ["Run.commitHash"]
    # The MCP server's check_contracts reads the same contracts and points at the same line.
    catalog = Catalog(settings)
    try:
        answer = check_contracts(catalog, "demo", 100_000)
    finally:
        catalog.close()
    assert [(o.name, o.file, o.line, o.status) for o in answer.operations] == [
        ("RecentRuns", "app/src/runs.ts", 5, "broken")
    ]
    assert [(e.file, e.locations[0].line, e.locations[0].column) for e in answer.operations[0].errors] == [
        ("app/src/runs.ts", 8, 7)
    ]


def refuse_runs_of(store: Store, target: str) -> None:
    """A real SQLite error on the store's write of ``target``'s runs (a trigger aborts the insert)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TRIGGER refuse_{target} BEFORE INSERT ON runs WHEN NEW.target = '{target}' "
            "BEGIN SELECT RAISE(ABORT, 'the disk refused this write'); END"
        )


async def test_check_targets_without_leases_keeps_order_when_one_store_write_fails(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    from monitor.runtime.batch import check_targets
    from monitor.runtime.service import CheckOutcome

    more = "".join(
        f'[[targets]]\nname = "{name}"\nurl = "{demo_api.graphql_url}"\n' for name in ("bad", "ok")
    )
    settings = configure(tmp_path, demo_api, extra=more)
    store = Store.open(settings.state)
    refuse_runs_of(store, "bad")
    done: list[CheckOutcome] = []
    try:
        outcomes = await check_targets(settings, settings.targets, store, on_done=done.append)
    finally:
        store.close()
    assert [(o.report.target, o.report.outcome) for o in outcomes] == [
        ("demo", "baseline"),
        ("bad", "failed"),
        ("ok", "baseline"),
    ]
    failed = outcomes[1]
    assert failed.failed and failed.published == [] and failed.alerts_queued == []
    assert failed.report.error is not None and "\n" not in failed.report.error
    assert failed.report.error.endswith("the disk refused this write")
    assert sorted(o.report.target for o in done) == ["bad", "demo", "ok"]


async def test_a_target_whose_run_the_store_refuses_fails_alone_in_one_line(
    demo_api: DemoServer, tmp_path: Path
) -> None:
    """The store's write of one target's run fails (a real SQLite error, raised by a trigger): that target
    fails with one line, the others' checks complete and are stored, and nothing raises."""
    import io

    from sqlalchemy import text

    from monitor.cli.check import check_command

    more = "".join(
        f'[[targets]]\nname = "{name}"\nurl = "{demo_api.graphql_url}"\n' for name in ("bad", "ok")
    )
    settings = configure(tmp_path, demo_api, extra=more)
    store = Store.open(settings.state)
    refuse_runs_of(store, "bad")
    try:
        out = io.StringIO()
        code = await check_command(settings, [], all_targets=True, fail_on=None, fmt="text", out=out)

        lines = out.getvalue().splitlines()
        bad = [line for line in lines if "bad" in line]
        assert len(bad) == 1, lines
        assert bad[0].startswith("✖ bad: check failed: state store error (")
        assert bad[0].endswith("the disk refused this write")
        assert not any("Traceback" in line or "ExceptionGroup" in line for line in lines)
        assert any(line.startswith("✔ demo: baseline snapshot") for line in lines)
        assert any(line.startswith("✔ ok: baseline snapshot") for line in lines)
        assert code == 3  # a target could not be checked
        assert [r.outcome for r in store.list_runs("demo")] == ["baseline"]
        assert [r.outcome for r in store.list_runs("ok")] == ["baseline"]
        assert store.list_runs("bad") == []
        with store.engine.connect() as conn:  # nothing of the refused run was half-written
            assert (
                conn.execute(text("SELECT count(*) FROM target_snapshots WHERE target = 'bad'")).scalar() == 0
            )
    finally:
        store.close()


_VOLATILE = ("run_id", "started_at", "finished_at", "timings")


async def test_a_body_equal_to_the_last_fetch_is_not_parsed_and_reports_what_parsing_it_would(
    demo_api: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.runtime.service
    from monitor.adapters.store import target_bodies

    settings = configure(tmp_path, demo_api)
    baseline, store = await check(settings)
    store = Store.open(settings.state)
    try:
        body = store.last_body("demo")
    finally:
        store.close()
    assert body is not None and body.snapshot_id == baseline["new_snapshot"]["id"]
    assert len(body.body_sha256) == 64

    def no_parsing(intro: object) -> object:
        raise AssertionError("the fast path parsed the body")

    with monkeypatch.context() as patch:  # the same bytes: no canonical form, no fingerprint, no build
        patch.setattr(monitor.runtime.service, "canonical_introspection", no_parsing)
        fast, _ = await check(settings)
    assert fast["outcome"] == "unchanged"
    assert fast["contracts"]["total"] == 11 and fast["contracts"]["reused"] == 11

    # Forget the body (as if its bytes differed): the slow path parses it and reports the same.
    store = Store.open(settings.state)
    try:
        with store.engine.begin() as conn:
            conn.execute(target_bodies.update().values(body_sha256="0" * 64))
        slow, _ = await check(settings)
        remembered = store.last_body("demo")
        runs = store.list_runs("demo")
    finally:
        store.close()
    assert {k: v for k, v in slow.items() if k not in _VOLATILE} == {
        k: v for k, v in fast.items() if k not in _VOLATILE
    }
    assert remembered == body  # the parsed body's hash is remembered again
    assert [r.outcome for r in runs] == ["unchanged", "unchanged", "baseline"]  # every run recorded


async def test_a_changed_check_builds_the_old_schema_only_for_a_broken_operations_causes(
    demo_api: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.runtime.service

    settings = configure(tmp_path, demo_api)
    await check(settings)
    built: list[str] = []
    real = monitor.runtime.service.schema_from_introspection

    def counting(intro: dict, *, source: str = "document", shape_checked: bool = False) -> object:  # type: ignore[type-arg]
        built.append(source)
        return real(intro, source=source, shape_checked=shape_checked)

    monkeypatch.setattr(monitor.runtime.service, "schema_from_introspection", counting)
    demo_api.switch(version="v2")
    drift, _ = await check(settings)
    # v2 breaks saved operations: the old schema is built once, to attribute their causes.
    assert len(built) == 1 and built[0].startswith("demo@")
    recent = next(op for op in drift["contracts"]["operations"] if op["name"] == "RecentRuns")
    assert recent["status"] == "broken" and recent["caused_by"]

    built.clear()
    shutil.rmtree(tmp_path / "contracts" / "demo")
    (tmp_path / "contracts" / "demo").mkdir()
    demo_api.switch(version="v1")
    back, _ = await check(settings)
    assert back["outcome"] == "changed" and back["changes"]
    assert built == []  # nothing broken: the old schema is never built
