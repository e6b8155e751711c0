"""Shared inputs of the codegen tests: the demo schema and contracts, GitHub's real schema with realistic
operations, and helpers that import a generated Python module or type-check generated code for real
(mypy --strict from the venv, tsc --strict from tests/npm)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from graphql import GraphQLSchema

from monitor.adapters.operations import load_operation_files
from monitor.adapters.schema_sources import load_schema_file, load_schema_text
from monitor.core.contracts import OperationSet
from tests import realschemas
from tests.npmtools import NPM_DIR, binary

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONTRACTS = ROOT / "contracts" / "demo"
DEMO_V1 = ROOT / "monitor" / "demo" / "schema_v1.graphql"
DEMO_V2 = ROOT / "monitor" / "demo" / "schema_v2.graphql"
GITHUB_OPERATIONS = Path(__file__).parent / "operations" / "github.graphql"


def demo_schema(version: str = "v1") -> GraphQLSchema:
    return load_schema_file(DEMO_V1 if version == "v1" else DEMO_V2).schema


def demo_operations() -> OperationSet:
    return load_operation_files([DEMO_CONTRACTS])


def github_schema() -> GraphQLSchema:
    return load_schema_text(realschemas.raw("github-14.0.0").decode(), source="github-14.0.0").schema


def github_operations() -> OperationSet:
    return load_operation_files([GITHUB_OPERATIONS])


@contextmanager
def imported(path: Path) -> Iterator[ModuleType]:
    """The generated module at ``path``, imported under a unique name (pydantic resolves its forward
    references through ``sys.modules``), removed again afterwards."""
    name = f"gqlmon_generated_{path.stem}_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def mypy_strict(*paths: Path) -> subprocess.CompletedProcess[str]:
    """The venv's mypy --strict on generated files, outside the project's configuration."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            "/dev/null",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        cwd=paths[0].parent,
        check=False,
        timeout=600,
    )


def tsc_strict(*paths: Path, emit: Path | None = None) -> subprocess.CompletedProcess[str]:
    """tsc --strict on generated files, with Node's types from tests/npm: --noEmit, or JavaScript
    (CommonJS) written to ``emit``."""
    output = ["--outDir", str(emit)] if emit is not None else ["--noEmit"]
    return subprocess.run(
        [
            str(binary("tsc")),
            "--strict",
            *output,
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--lib",
            "es2022,dom",
            "--types",
            "node",
            "--typeRoots",
            str(NPM_DIR / "node_modules" / "@types"),
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        cwd=paths[0].parent,
        check=False,
        timeout=600,
    )
