"""A command asks only for the secrets it uses (issue 12, section 5).

The configuration references a target token, a credential header and the Slack webhook from the
environment. Checks run with the target's variables set; every command that only reads the store then runs
with none of them set, and the commands that would send a credential name every missing variable at once.
"""

from __future__ import annotations

import pytest

from monitor.adapters.store import OutboxItem, Store
from tests.adapters.slack_receiver import WEBHOOK_PATH, SlackReceiver
from tests.cli.conftest import Workspace, target
from tests.servers.demo import DemoServer, RunningServer

TOKEN, HEADER = "canary-token-Hq7mB2x9", "canary-header-Lp4vN8z1"
TARGET_ENV = {"GQLMON_TEST_TOKEN": TOKEN, "GQLMON_TEST_HEADER": HEADER}
MISSING = (
    "targets[0].headers.X-Api-Key: environment variable GQLMON_TEST_HEADER is not set; "
    "targets[0].auth.token_env: environment variable GQLMON_TEST_TOKEN is not set"
)
SLACK_MISSING = "slack.webhook_url: environment variable GQLMON_TEST_SLACK is not set"


def configure(ws: Workspace, url: str) -> None:
    ws.copy_contracts()
    ws.configure(
        target(
            "demo",
            url,
            headers={"X-Api-Key": "${GQLMON_TEST_HEADER}", "User-Agent": "gqlmon-test"},
            auth={"kind": "bearer", "token_env": "GQLMON_TEST_TOKEN"},
            retries=0,
        ),
    )
    with ws.config.open("a", encoding="utf-8") as config:
        config.write('\n[slack]\nwebhook_url = "${GQLMON_TEST_SLACK}"\n')


@pytest.fixture
def checked(ws: Workspace, demo_api: DemoServer) -> Workspace:
    """demo checked at v1 (baseline) and v2 (breaking): the second check queues an alert it cannot post."""
    configure(ws, demo_api.graphql_url)
    baseline = ws.run("check", env=TARGET_ENV)
    assert baseline.code == 0, baseline  # nothing to post: Slack's variable is not needed
    assert "GQLMON_TEST_SLACK" not in baseline.err
    demo_api.switch(version="v2")
    return ws


def test_a_check_that_would_post_names_the_slack_variable_and_keeps_the_alert(checked: Workspace) -> None:
    result = checked.run("check", env=TARGET_ENV)

    assert result.code == 2, result
    assert result.out.startswith("✖ demo: changed ")  # the check itself ran and was stored
    assert result.err_lines[-1] == (
        f"gqlmon: error: 1 alert not posted to Slack, kept queued for the next check: {checked.config}: "
        + SLACK_MISSING
    )
    assert outbox(checked) == {"pending": 1}
    assert [item.attempts for item in due(checked)] == [0]  # not claimed: no attempt was spent
    assert TOKEN not in result.out + result.err and HEADER not in result.out + result.err

    receiver = SlackReceiver()  # the variable set: the next check posts the alert that waited
    with RunningServer(receiver) as slack:
        again = checked.run("check", env={**TARGET_ENV, "GQLMON_TEST_SLACK": slack.url_for(WEBHOOK_PATH)})
    assert again.code in (0, 1), again  # unchanged since: the exit code is the state's, not Slack's
    assert "is not set" not in again.err
    assert outbox(checked) == {"sent": 1}
    [posted] = receiver.messages("webhook")
    assert "demo" in posted["text"]


def due(ws: Workspace) -> list[OutboxItem]:
    store = Store.open(f"sqlite:///{ws.root / 'state.db'}", create=False)
    try:
        return store.due_alerts()
    finally:
        store.close()


def outbox(ws: Workspace) -> dict[str, int]:
    store = Store.open(f"sqlite:///{ws.root / 'state.db'}", create=False)
    try:
        return store.outbox_counts()
    finally:
        store.close()


def test_commands_that_read_the_store_need_no_secret(checked: Workspace) -> None:
    assert checked.run("check", env=TARGET_ENV).code == 2  # v2 stored (its alert is not posted)
    runs = checked.history("demo")["runs"]
    assert [r["outcome"] for r in runs] == ["changed", "baseline"]
    change = checked.report("demo")["changes"][0]["id"]

    results = {
        "history": checked.run("history", "demo"),
        "diff": checked.run("diff", "demo@previous", "demo@latest", "--fail-on", "never"),
        "report": checked.run("report", "demo", "--format", "markdown"),
        "slack preview": checked.run("report", "demo", "--format", "slack"),
        "validate": checked.run("validate", "demo"),
        "ack": checked.run("ack", "demo", change),
    }

    for name, result in results.items():
        assert "is not set" not in result.err, (name, result)
        assert result.code in (0, 1), (name, result)  # validate: 1 (operations broken by v2)
    assert "Run.commitHash" in results["diff"].out
    assert results["validate"].code == 1 and "RecentRuns" in results["validate"].out
    assert results["ack"].out.startswith(f"acknowledged {change} on demo")


@pytest.mark.parametrize(
    "args",
    [("check",), ("check", "demo"), ("introspect", "demo"), ("diff", "demo@latest", "demo")],
    ids=["check-all", "check-one", "introspect", "diff-live"],
)
def test_commands_that_send_the_credentials_name_every_missing_variable(
    ws: Workspace, demo_api: DemoServer, args: tuple[str, ...]
) -> None:
    configure(ws, demo_api.graphql_url)
    if args[0] == "diff":
        assert ws.run("check", env=TARGET_ENV).code == 0

    result = ws.run(*args)

    assert result.code == 2, result
    assert result.err_lines == [f"gqlmon: error: {ws.config}: {MISSING}"]
    if args[0] == "check":
        assert not (ws.root / "state.db").exists()  # nothing was started


def test_run_needs_every_target_variable_and_slack_at_start(ws: Workspace, demo_api: DemoServer) -> None:
    configure(ws, demo_api.graphql_url)
    result = ws.run("run", "--once", env={"GQLMON_TEST_TOKEN": TOKEN})
    assert result.code == 2, result
    assert result.err_lines[-1] == (
        f"gqlmon: error: {ws.config}: targets[0].headers.X-Api-Key: environment variable GQLMON_TEST_HEADER "
        f"is not set; {SLACK_MISSING}"
    )
    assert TOKEN not in result.err


def test_one_value_may_reference_several_variables(ws: Workspace, demo_api: DemoServer) -> None:
    ws.configure(target("demo", demo_api.graphql_url, headers={"X-Api-Key": "${GQLMON_A}:${GQLMON_B}"}))
    result = ws.run("check")
    assert result.code == 2, result
    assert result.err_lines == [
        f"gqlmon: error: {ws.config}: targets[0].headers.X-Api-Key: environment variables GQLMON_A, "
        "GQLMON_B are not set"
    ]
