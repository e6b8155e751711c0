"""The live package's parts without a server: settings, limits, grouping, curl, the canonical query."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import build_schema, parse, validate
from pydantic import ValidationError

import monitor.live as live_package
from monitor.demo import schema_sdl
from monitor.live import LiveConfig, LiveFailure, LiveResult, live_config_of, parse_rate
from monitor.live.canonical import canonical_query
from monitor.live.generated import selected
from monitor.live.http import curl_command
from monitor.live.limits import Budget, RateLimiter
from monitor.live.result import MAX_FAILURES, Recorder
from monitor.support.redact import register_secret


def test_public_names() -> None:
    assert sorted(live_package.__all__) == live_package.__all__
    for name in live_package.__all__:
        assert hasattr(live_package, name)


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("5/s", 5.0), ("5", 5.0), (2, 2.0), ("120/m", 2.0), ("120 / min", 2.0), ("1800/h", 0.5), ("0.5/s", 0.5)],
)
def test_parse_rate(text: Any, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["", "fast", "5/d", "0/s", "-1/s", True])
def test_parse_rate_refuses(text: Any) -> None:
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)


def test_live_config_defaults_and_validation() -> None:
    default = LiveConfig()
    assert (default.enabled, default.max_examples, default.operations) == (False, 25, ["Query.*"])
    assert (default.allow_mutations, default.timeout, default.requests_per_second) == (False, 60.0, 5.0)
    assert (default.replay_contracts, default.alert_on_live_failures) == (False, False)
    assert LiveConfig.model_validate({"timeout": "2m", "rate_limit": "30/m"}).timeout == 120.0
    for bad in ({"rate_limit": "lots"}, {"operations": ["stacks"]}, {"max_examples": 0}, {"surprise": 1}):
        with pytest.raises(ValidationError):
            LiveConfig.model_validate(bad)


def test_live_config_of_a_target() -> None:
    assert live_config_of(SimpleNamespace()) == LiveConfig()
    chosen = LiveConfig(enabled=True, max_examples=3)
    assert live_config_of(SimpleNamespace(live=chosen)) is chosen


def test_operation_patterns() -> None:
    assert selected("Query.stacks", ["Query.*"])
    assert not selected("Mutation.stackCreate", ["Query.*"])
    assert selected("Query.stacks", ["Query.stack?"]) and not selected("Query.stack", ["Query.stack?"])
    assert selected("Mutation.runTrigger", ["Query.*", "Mutation.run*"])


def test_rate_limiter_spaces_acquisitions_and_respects_the_budget() -> None:
    budget = Budget(5.0)
    limiter = RateLimiter(100.0)
    started = time.monotonic()
    assert all(limiter.acquire(budget) for _ in range(6))
    assert time.monotonic() - started >= 0.05 - 0.005
    short = Budget(0.05)
    slow = RateLimiter(1.0)
    assert slow.acquire(short) is True  # the first slot is now
    assert slow.acquire(short) is False  # the next one is after the deadline: refused without a long wait
    assert short.deadline_hit and short.exhausted()
    stopped = Budget(5.0)
    stopped.stop()
    assert RateLimiter(1.0).acquire(stopped) is False


def failure(path: str, *, check: str = "conformance", message: str = "null") -> LiveFailure:
    return LiveFailure("Query.stacks", check, message, path, "curl ...", kind="null_in_non_null")


def test_recorder_groups_repeats_and_caps_distinct_failures() -> None:
    recorder = Recorder("t")
    recorder.failure(failure("stacks[0].branch"))
    recorder.failure(failure("stacks[7].branch"))
    recorder.failure(failure("stacks[0].name"))
    recorder.failure(failure("stacks[0].branch", check="not_a_server_error"))
    result = recorder.result(duration=1.0, deadline_hit=False)
    assert [(f.path, f.check, f.count) for f in result.failures] == [
        ("stacks[0].branch", "conformance", 2),
        ("stacks[0].name", "conformance", 1),
        ("stacks[0].branch", "not_a_server_error", 1),
    ]
    assert result.total_failures == 4 and result.failed
    for index in range(MAX_FAILURES + 10):
        recorder.failure(failure(f"f{index}"))
    assert len(recorder.result(duration=1.0, deadline_hit=False).failures) == MAX_FAILURES


def test_secrets_never_reach_the_section() -> None:
    register_secret("sekrit-live-value-123")
    recorder = Recorder("t")
    recorder.failure(failure("a", message="server said sekrit-live-value-123"))
    recorder.fail_run("token sekrit-live-value-123 refused")
    text = str(recorder.result(duration=0.0, deadline_hit=False).to_report_section())
    assert "sekrit-live-value-123" not in text and "***" in text


def test_report_section_shape() -> None:
    result = LiveResult(
        target="t", examples=3, requests=4, replayed=1, operations=("Query.a",), duration=1.23456
    )
    assert result.to_report_section() == {
        "examples": 3,
        "requests": 4,
        "replayed": 1,
        "operations": 1,
        "failed": False,
        "failure_count": 0,
        "failures": [],
        "skipped": [],
        "duration": 1.235,
        "deadline_hit": False,
        "error": None,
    }


def test_curl_masks_credentials_and_quotes_the_body() -> None:
    headers = {"Authorization": "Bearer abc.def.ghi", "X-Api-Key": "k-123", "X-Team": "platform"}
    command = curl_command("https://api.example.com/graphql", headers, {"query": '{ a(s: "it\'s") }'})
    assert command.startswith(
        "curl -X POST https://api.example.com/graphql -H 'Content-Type: application/json'"
    )
    assert "-H 'Authorization: ***'" in command and "-H 'X-Api-Key: ***'" in command
    assert "-H 'X-Team: platform'" in command
    assert "abc.def.ghi" not in command and "k-123" not in command
    assert """--data-raw '{"query":"{ a(s: \\"it'"'"'s\\") }"}'""" in command


def test_canonical_query_selects_every_field_that_needs_no_argument() -> None:
    schema = build_schema(schema_sdl("v1"))
    stacks = canonical_query(schema, "Query", "stacks")
    assert stacks is not None and not validate(schema, parse(stacks))
    assert (
        stacks.startswith("{ stacks { id name ")
        and " branch " in stacks
        and " runs { id type state " in stacks
    )
    assert canonical_query(schema, "Query", "stack") is None  # needs `id`
    assert canonical_query(schema, "Query", "nope") is None
    union = build_schema("union U = A | B type A { a: Int } type B { b: [B] } type Query { u: [U] }")
    assert (
        canonical_query(union, "Query", "u")
        == "{ u { __typename ... on A { a } ... on B { b { __typename } } } }"
    )
    mutation = build_schema("type Query { a: Int } type Mutation { ping(n: Int = 1): Boolean }")
    assert canonical_query(mutation, "Mutation", "ping") == "mutation { ping }"
