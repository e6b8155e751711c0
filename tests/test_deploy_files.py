"""The container and Kubernetes files, checked without a Docker engine or a cluster.

docker-compose.yml, deploy/k8s/*.yaml and the Dockerfile are parsed; every command they run is parsed by
gqlmon's own CLI (a typo in a flag fails here, not at 3 a.m. in a pod); every environment variable they
reference is documented in deploy/README.md, and every ``MONITOR_*`` one is a real setting.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from monitor.cli.app import app
from monitor.cli.app import main as cli_main
from monitor.demo.__main__ import build_parser as demo_parser
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DEPLOY_README = ROOT / "deploy" / "README.md"
K8S = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))
IMAGE = "gqlmon:latest"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def gqlmon_command(args: Sequence[str]) -> Any:
    """Parse ``gqlmon <args>`` as the CLI would (options and their values included), without running it.

    Returns the subcommand's click context (``info_name``, ``params``); a bad command or option raises.
    """
    group: Any = typer.main.get_command(app)  # typer vendors click: no isinstance against click's classes
    root = group.context_class(group, info_name="gqlmon")
    assert args, "empty command"
    command = group.get_command(root, args[0])
    assert command is not None, f"{args[0]!r} is not a gqlmon command"
    return command.make_context(args[0], list(args[1:]), parent=root)


def monitor_setting(variable: str) -> None:
    """``MONITOR_X`` (or ``MONITOR_X__Y``) must name a field of Settings (MONITOR_CONFIG names the file)."""
    if variable == "MONITOR_CONFIG":
        return
    field = variable.removeprefix("MONITOR_").split("__", 1)[0].lower()
    assert field in Settings.model_fields, f"{variable} is not a gqlmon setting"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def documented() -> str:
    return DEPLOY_README.read_text(encoding="utf-8")


def _k8s_documents() -> Iterator[dict[str, Any]]:
    for path in K8S:
        yield from (d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    spec = document["spec"]
    if document["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    containers: list[dict[str, Any]] = spec["template"]["spec"]["containers"]
    return containers


# --------------------------------------------------------------------------------------------- compose


def test_compose_has_the_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"monitor", "mcp", "postgres", "demo-api", "monitor-2"} <= set(services)
    assert services["monitor-2"]["profiles"] == ["replicas"]
    assert "profiles" not in services["monitor"]


def test_every_gqlmon_service_runs_a_real_gqlmon_command(compose: dict[str, Any]) -> None:
    runs = {}
    for name, service in compose["services"].items():
        if service.get("image") != IMAGE:
            continue
        if service.get("entrypoint"):
            assert service["entrypoint"] == ["python", "-m", "monitor.demo"], name
            demo_parser().parse_args(service["command"])
            continue
        ctx = gqlmon_command(service["command"])
        runs[name] = (ctx.info_name, ctx.params)
    assert runs["monitor"][0] == "run" and runs["monitor-2"][0] == "run"
    assert runs["mcp"] == ("mcp", {"http": True, "host": "0.0.0.0", "port": 8765})


def test_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in ("monitor", "monitor-2"):
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD" and test[1] == "gqlmon"
        assert gqlmon_command(test[2:]).info_name == "healthcheck"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    for name in ("monitor", "mcp"):
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    services = compose["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"


def test_environment_is_wired_and_documented(compose: dict[str, Any], documented: str) -> None:
    services = compose["services"]
    for name in ("monitor", "monitor-2", "mcp"):
        env = services[name]["environment"]
        assert "@postgres:5432/" in env["MONITOR_STATE"]
        for variable in env:
            if variable.startswith("MONITOR_"):
                monitor_setting(variable)
            assert f"`{variable}`" in documented, f"{variable} is not documented in deploy/README.md"
    assert "MONITOR_MCP_TOKEN" in services["mcp"]["environment"]
    referenced = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))
    assert referenced, "no variables referenced?"
    for variable in referenced:
        assert f"`{variable}`" in documented, f"${{{variable}}} is not documented in deploy/README.md"


def test_the_mounted_configuration_loads_and_watches_the_demo_service(compose: dict[str, Any]) -> None:
    mount = next(
        v for v in compose["services"]["monitor"]["volumes"] if v.endswith(":/config/monitor.toml:ro")
    )
    settings = load_settings(ROOT / mount.split(":", 1)[0], env={})
    hosts = {t.url.host for t in settings.targets}
    assert hosts <= set(compose["services"])


# --------------------------------------------------------------------------------------------- Dockerfile


def test_dockerfile_key_lines() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert bases and all(re.fullmatch(r"python:3\.1[12]-slim", b) for b in bases), bases
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert 'ENTRYPOINT ["gqlmon"]' in lines
    assert 'CMD ["run"]' in lines
    healthcheck = next(line for line in lines if line.startswith("HEALTHCHECK "))
    command = re.search(r"CMD (\[.*\])$", healthcheck)
    assert command is not None
    args = yaml.safe_load(command.group(1))
    assert args[0] == "gqlmon" and gqlmon_command(args[1:]).info_name == "healthcheck"
    # the package, with the extras it names, each declared in pyproject and bringing psycopg for "postgres"
    install = re.search(r"pip install .*gqlmon-\*\.whl\)\[([a-z,]+)\]", text)
    assert install is not None
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert set(install.group(1).split(",")) <= set(extras)
    assert any(_requirement_name(r) == "psycopg" for r in extras["postgres"])
    for variable in re.findall(r"\b(MONITOR_[A-Z_]+)=", text):
        monitor_setting(variable)


def test_the_console_script_is_the_entrypoint() -> None:
    assert PYPROJECT["project"]["scripts"] == {"gqlmon": "monitor.cli.app:main"}
    module, _, attribute = PYPROJECT["project"]["scripts"]["gqlmon"].partition(":")
    assert getattr(importlib.import_module(module), attribute) is cli_main


def _requirement_name(requirement: str) -> str:
    """``psycopg[binary]>=3.1`` -> ``psycopg`` (PEP 508 names, normalised)."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def test_dockerignore_keeps_the_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "tests", ".gqlmon", "reports"} <= ignored
    assert not {"monitor", "pyproject.toml", "README.md"} & ignored


# --------------------------------------------------------------------------------------------- Kubernetes


def test_the_cronjob_runs_gqlmon_check_all() -> None:
    [cronjob] = [d for d in _k8s_documents() if d["kind"] == "CronJob"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = _containers(cronjob)
    ctx = gqlmon_command(container["args"])
    assert ctx.info_name == "check" and ctx.params["all_targets"] is True
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["restartPolicy"] == "Never"


def test_the_deployment_probes_with_gqlmon_healthcheck() -> None:
    [deployment] = [d for d in _k8s_documents() if d["kind"] == "Deployment"]
    [container] = _containers(deployment)
    assert gqlmon_command(container["args"]).info_name == "run"
    probe = container["livenessProbe"]["exec"]["command"]
    assert probe[0] == "gqlmon" and gqlmon_command(probe[1:]).info_name == "healthcheck"


def test_kubernetes_environment_is_documented(documented: str) -> None:
    for document in _k8s_documents():
        if document["kind"] not in ("CronJob", "Deployment"):
            continue
        for container in _containers(document):
            assert container["image"] == IMAGE
            for item in container["env"]:
                if item["name"].startswith("MONITOR_"):
                    monitor_setting(item["name"])
                assert f"`{item['name']}`" in documented, item["name"]


def test_the_config_map_loads(tmp_path: Path) -> None:
    [config_map] = [d for d in _k8s_documents() if d["kind"] == "ConfigMap"]
    path = tmp_path / "monitor.toml"
    path.write_text(config_map["data"]["monitor.toml"], encoding="utf-8")
    settings = load_settings(path, env={"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"})
    assert settings.targets and settings.slack is not None
