"""The console script and ``python -m monitor``: same commands, same exit codes, same one-line errors."""

from __future__ import annotations

from monitor import __version__
from tests.cli.conftest import ROOT, Workspace

V1 = ROOT / "monitor" / "demo" / "schema_v1.graphql"
V2 = ROOT / "monitor" / "demo" / "schema_v2.graphql"
COMMANDS = ("init", "introspect", "diff", "validate", "check", "history", "report", "ack")


def test_python_dash_m_monitor_is_gqlmon(ws: Workspace) -> None:
    helped = ws.run("--help", module=True, no_config=True)
    as_module = ws.run("diff", str(V1), str(V2), module=True, no_config=True)
    as_script = ws.run("diff", str(V1), str(V2), no_config=True)
    ws.config.write_text('[targets]\nname = "a"\nurl = "http://127.0.0.1:1/graphql"\n', encoding="utf-8")
    bad_config = ws.run("check", module=True)

    assert helped.code == 0, helped
    assert helped.out.startswith("Usage: python -m monitor [OPTIONS] COMMAND [ARGS]...")
    for command in COMMANDS:
        assert f"\n  {command} " in helped.out, command
    assert as_module.code == as_script.code == 1
    assert as_module.out == as_script.out
    assert bad_config.code == 2, bad_config
    assert bad_config.err_lines == [f"gqlmon: error: {ws.config}: targets: expected a list, got a table"]


def test_usage_errors_exit_2(ws: Workspace) -> None:
    unknown = ws.run("frobnicate", no_config=True)
    bad_flag = ws.run("diff", str(V1), str(V2), "--format", "yaml", no_config=True)
    assert unknown.code == 2 and "No such command 'frobnicate'" in unknown.err
    assert bad_flag.code == 2 and "--format" in bad_flag.err
    assert unknown.out == bad_flag.out == ""


def test_version(ws: Workspace) -> None:
    result = ws.run("--version", no_config=True)
    assert (result.code, result.out) == (0, f"gqlmon {__version__}\n"), result
