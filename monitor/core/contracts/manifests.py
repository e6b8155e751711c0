"""Persisted-query manifests: Apollo's ``persisted-query-manifest.json``, Relay-style ``{id: document}`` maps.

Only the JSON is read here; the documents inside are parsed with the other operations. Every entry keeps
the line of the manifest it comes from, so messages point at the file a human would open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from monitor.core.contracts.model import ContractProblem, SourceFile

APOLLO_FORMAT: Final = "apollo-persisted-query-manifest"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One document of a manifest: its persisted id, the name the manifest gives it (if any), its text."""

    id: str
    name: str | None
    body: str
    line: int


def parse_manifest(file: SourceFile) -> tuple[list[ManifestEntry], list[ContractProblem]]:
    """The entries of an Apollo manifest or a ``{id: document}`` map, and the problems found.

    A broken entry is a problem of its own; the other entries are still returned.
    """
    try:
        data = json.loads(file.text)
    except json.JSONDecodeError as exc:
        return [], [ContractProblem(file.path, exc.lineno, f"invalid JSON: {exc.msg}")]
    except RecursionError:
        return [], [ContractProblem(file.path, 1, "invalid JSON: nested too deeply")]
    if isinstance(data, dict) and (data.get("format") == APOLLO_FORMAT or "operations" in data):
        return _apollo(file, data)
    if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
        entries = [
            ManifestEntry(id=str(key), name=None, body=body, line=_line_of_string(file.text, str(key)))
            for key, body in data.items()
        ]
        return entries, []
    message = (
        "not a persisted-query manifest: expected Apollo's "
        f'{{"format": "{APOLLO_FORMAT}", "version": 1, "operations": [...]}} '
        "or a map of {id: document}"
    )
    return [], [ContractProblem(file.path, 1, message)]


def _apollo(file: SourceFile, data: dict[str, Any]) -> tuple[list[ManifestEntry], list[ContractProblem]]:
    version = data.get("version", 1)
    if version != 1:
        message = f"unsupported Apollo manifest version {version!r} (gqlmon reads version 1)"
        return [], [ContractProblem(file.path, _line_of_key(file.text, "version"), message)]
    operations = data.get("operations")
    if not isinstance(operations, list):
        where = _line_of_key(file.text, "operations")
        return [], [ContractProblem(file.path, where, '"operations" must be a list of operations')]
    entries: list[ManifestEntry] = []
    problems: list[ContractProblem] = []
    for index, item in enumerate(operations):
        if not isinstance(item, dict):
            problems.append(ContractProblem(file.path, None, f"operations[{index}] is not an object"))
            continue
        raw_id = item.get("id")
        entry_id = str(raw_id) if isinstance(raw_id, str | int) else f"operations[{index}]"
        line: int | None = _line_of_string(file.text, raw_id) if isinstance(raw_id, str) else None
        body = item.get("body")
        if not isinstance(body, str):
            problems.append(ContractProblem(file.path, line, f'{entry_id}: missing the document ("body")'))
            continue
        name = item.get("name")
        entries.append(
            ManifestEntry(
                id=entry_id, name=name if isinstance(name, str) and name else None, body=body, line=line or 1
            )
        )
    return entries, problems


def _line_of_string(text: str, value: str) -> int:
    """The line where ``value`` first appears as a JSON string literal (1 when it cannot be found)."""
    position = text.find(json.dumps(value, ensure_ascii=False))
    return text.count("\n", 0, position) + 1 if position >= 0 else 1


def _line_of_key(text: str, key: str) -> int:
    return _line_of_string(text, key)
