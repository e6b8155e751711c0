"""A target that refuses gqlmon's credentials is not "unreachable": the alert says what to fix."""

from __future__ import annotations

from dataclasses import replace

from monitor.core.alert import AlertPolicy, decide_alerts
from tests.core.report.fixtures import failed_report

REFUSED = (
    "demo: https://api.example.test/graphql: unauthorized (HTTP 401, the server said 'Bad credentials'): "
    "check the credentials of target demo"
)


def _alert_text(error: str) -> str:
    [(_, kind, payload)] = decide_alerts(
        replace(failed_report(), error=error),
        AlertPolicy(unreachable_after=1),
        consecutive_failures=0,
        previous_outcome="changed",
        public_url=None,
    )
    assert kind == "unreachable"
    message = payload["message"]
    return "\n".join([message["text"], *(b["text"]["text"] for b in message["blocks"] if "text" in b)])


def test_refused_credentials_are_named_as_such_with_the_servers_message() -> None:
    text = _alert_text(REFUSED)
    assert "gqlmon: demo refuses gqlmon's credentials (1 failed checks in a row)" in text
    assert "🔒 demo refuses gqlmon's credentials" in text
    assert "Bad credentials" in text and "check the credentials of target demo" in text
    assert "unreachable" not in text


def test_an_outage_is_still_unreachable() -> None:
    text = _alert_text(
        "demo: https://api.example.test/graphql: cannot reach the server (ConnectError) after 4 attempts"
    )
    assert "demo is unreachable" in text and "refuses" not in text
