"""The layering contracts of pyproject.toml ([tool.importlinter], run by `lint-imports` in `make lint`):
today's tree keeps them, their lists are complete, and they do catch a layer crossed."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import monitor

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
    "contracts"
]
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
]


def contract(source: str, *, internal: bool) -> dict[str, object]:
    [found] = [
        c
        for c in CONTRACTS
        if c["source_modules"] == [source]
        and all(m.startswith("monitor.") is internal for m in c["forbidden_modules"])
    ]
    return found


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [*LINT, "--no-cache", "--no-logo"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def test_core_is_forbidden_every_top_level_module_but_the_exception_tree() -> None:
    """A module added at the top of monitor/ is outside core: it must be in the list before core may not
    import it (import-linter's forbidden contracts have no "everything except")."""
    top_level = {f"monitor.{m.name}" for m in pkgutil.iter_modules(monitor.__path__)}
    forbidden = set(contract("monitor.core", internal=True)["forbidden_modules"])  # type: ignore[arg-type]
    assert forbidden == top_level - {"monitor.core", "monitor.errors"}


def test_the_top_of_the_package_holds_packages_and_the_two_shared_modules_only() -> None:
    """The layout shows the design: every module lives in its layer's package (core, settings, support,
    adapters, runtime, live, mcp, codegen, cli, demo); only ``__main__`` and the exception tree sit on top."""
    modules = {m.name for m in pkgutil.iter_modules(monitor.__path__) if not m.ispkg}
    assert modules == {"__main__", "errors"}


def test_each_package_says_what_lives_there_and_who_may_import_it() -> None:
    for package in (m for m in pkgutil.iter_modules(monitor.__path__) if m.ispkg):
        doc = (ROOT / "monitor" / package.name / "__init__.py").read_text(encoding="utf-8")
        module = __import__(f"monitor.{package.name}", fromlist=["_"])
        assert module.__doc__ and len(module.__doc__.split()) >= 12, package.name
        assert "import" in module.__doc__, f"monitor.{package.name}: say who may import it ({doc[:80]!r})"


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "core/text.py",
            "from monitor.support.redact import redact",
            "monitor.core is not allowed to import monitor.support",
        ),
        ("core/text.py", "import sqlalchemy", "monitor.core is not allowed to import sqlalchemy"),
        (
            "core/changes.py",
            "from monitor.adapters.store import Store",  # and, through the store, sqlalchemy
            "monitor.core is not allowed to import monitor.adapters",
        ),
        (
            "adapters/publish.py",
            "from monitor.runtime.service import run_check",
            "monitor.adapters is not allowed to import monitor.runtime",
        ),
    ],
)
def test_a_crossed_layer_breaks_its_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    shutil.copytree(ROOT / "monitor", tmp_path / "monitor", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / "monitor" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "broken." in result.stdout and broken in result.stdout, result.stdout
