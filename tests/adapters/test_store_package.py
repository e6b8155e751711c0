"""The store package's public API is its ``__init__``: ``__all__`` names exactly what it offers, each
name defined in one of the package's modules, and it holds every name the rest of gqlmon imports."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

from sqlalchemy import Table

import monitor.adapters.store as store_package
from monitor.adapters.store import tables

ROOT = Path(__file__).resolve().parents[2]


def test_all_lists_exactly_what_the_package_offers() -> None:
    offered = {
        name
        for name, value in vars(store_package).items()
        if not name.startswith("_") and not isinstance(value, ModuleType) and name != "annotations"
    }
    assert offered == set(store_package.__all__)
    assert len(store_package.__all__) == len(set(store_package.__all__))
    for name in store_package.__all__:
        value = getattr(store_package, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            home = importlib.import_module(value.__module__)
            assert home.__name__.startswith("monitor.adapters.store."), name
            assert getattr(home, name) is value, name
        elif isinstance(value, Table):
            assert tables.metadata.tables[value.name] is value, name


def test_every_name_imported_from_the_store_is_public() -> None:
    """monitor/, tests/ and bench/ import the store's names from ``monitor.adapters.store``; each is in
    ``__all__`` (the migration tests reach into ``tables``, where ``migrate`` reads the version)."""
    imported: set[str] = set()
    for folder in ("monitor", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.is_relative_to(ROOT / "monitor" / "adapters" / "store"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "monitor.adapters.store":
                    imported.update(alias.name for alias in node.names)
    assert {"Store", "RunRecord", "SnapshotRef", "outbox"} <= imported
    assert imported - {"tables"} <= set(store_package.__all__)
