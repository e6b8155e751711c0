"""The metrics exposition: every documented family, valid text format, numbers that add up."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from monitor.runtime.metrics import CONTENT_TYPE, Metrics

FAMILIES = {  # name (as the parser reports it) -> type
    "gqlmon_runs": "counter",
    "gqlmon_run_failures": "counter",
    "gqlmon_changes": "counter",
    "gqlmon_lease_skips": "counter",
    "gqlmon_check_duration_seconds": "histogram",
    "gqlmon_checks_running": "gauge",
    "gqlmon_scheduler_last_loop_timestamp_seconds": "gauge",
}


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(metrics.render())
        for s in family.samples
    }


def test_every_documented_family_is_exposed_with_its_type() -> None:
    families = {f.name: f.type for f in text_string_to_metric_families(Metrics().render())}
    assert {name: families.get(name) for name in FAMILIES} == FAMILIES
    # the client's own process figures come along; no *_created series beside ours
    assert "process_resident_memory_bytes" in families and "process_cpu_seconds" in families
    assert not [name for name in families if name.endswith("_created")]
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"


def test_runs_changes_and_durations_add_up() -> None:
    metrics = Metrics()
    metrics.observe_run("demo", "changed", 1.2, {"breaking": 2, "dangerous": 0, "safe": 5})
    metrics.observe_run("demo", "timeout", 400.0, {})
    metrics.observe_run('we"ird\\name', "failed", 0.01, {})
    metrics.inc("gqlmon_lease_skips_total", target="demo")
    metrics.check_started()
    metrics.check_started()
    metrics.check_finished()
    metrics.loop_ticked(1764063130.4567)

    found = samples(metrics)

    def at(name: str, **labels: str) -> float:
        return found[(name, frozenset(labels.items()))]

    assert at("gqlmon_runs_total", outcome="changed", target="demo") == 1
    assert at("gqlmon_runs_total", outcome="timeout", target="demo") == 1
    assert at("gqlmon_run_failures_total", target="demo") == 1
    assert at("gqlmon_run_failures_total", target='we"ird\\name') == 1  # escaped, parsed back intact
    assert at("gqlmon_changes_total", criticality="breaking", target="demo") == 2
    assert at("gqlmon_changes_total", criticality="safe", target="demo") == 5
    assert (
        "gqlmon_changes_total",
        frozenset({("criticality", "dangerous"), ("target", "demo")}),
    ) not in found
    assert at("gqlmon_lease_skips_total", target="demo") == 1
    assert at("gqlmon_check_duration_seconds_count", target="demo") == 2
    assert at("gqlmon_check_duration_seconds_sum", target="demo") == 401.2
    assert at("gqlmon_check_duration_seconds_bucket", le="2.5", target="demo") == 1
    assert at("gqlmon_check_duration_seconds_bucket", le="300.0", target="demo") == 1  # 400 s is above
    assert at("gqlmon_check_duration_seconds_bucket", le="+Inf", target="demo") == 2
    assert at("gqlmon_checks_running") == 1 and metrics.running == 1
    assert at("gqlmon_scheduler_last_loop_timestamp_seconds") == 1764063130.457
    assert metrics.value("gqlmon_runs_total", target="demo", outcome="changed") == 1
    assert metrics.value("gqlmon_runs_total", target="elsewhere", outcome="changed") == 0


def test_two_instances_keep_separate_numbers() -> None:
    first, second = Metrics(), Metrics()
    first.observe_run("demo", "unchanged", 0.1, {})
    assert first.value("gqlmon_runs_total", target="demo", outcome="unchanged") == 1
    assert second.value("gqlmon_runs_total", target="demo", outcome="unchanged") == 0
