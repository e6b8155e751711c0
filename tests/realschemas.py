"""Real public schemas vendored under ``tests/fixtures/schemas`` (see the README there).

``load("github-14.0.0")`` returns the introspection result (``{"__schema": ...}``); ``write(name, directory)``
writes it as a plain JSON file, for a server or a command that reads files. Where the vendor also publishes
SDL (``NAME.graphql.xz``), ``sdl(name)`` is its text and ``write_sdl(name, directory)`` writes it.
"""

from __future__ import annotations

import functools
import json
import lzma
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "schemas"


def names() -> list[str]:
    return sorted(p.name.removesuffix(".json.xz") for p in FIXTURES.glob("*.json.xz"))


@functools.cache
def raw(name: str) -> bytes:
    return lzma.decompress((FIXTURES / f"{name}.json.xz").read_bytes())


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(raw(name))
    return document


def write(name: str, directory: Path) -> Path:
    path = directory / f"{name}.json"
    path.write_bytes(raw(name))
    return path


def sdl(name: str) -> str:
    return lzma.decompress((FIXTURES / f"{name}.graphql.xz").read_bytes()).decode("utf-8")


def write_sdl(name: str, directory: Path) -> Path:
    path = directory / f"{name}.graphql"
    path.write_text(sdl(name), encoding="utf-8")
    return path
