"""Reading saved operations from disk: which files, skipped directories, unreadable files, paths shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.adapters.operations import discover, load_operation_files, load_operations
from monitor.errors import ContractError


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def contracts(tmp_path: Path) -> Path:
    root = tmp_path / "contracts" / "api"
    write(root / "fragments.graphql", "fragment Bits on Stack { id }\n")
    write(root / "stacks" / "list.graphql", "query List { stacks { ...Bits } }\n")
    write(root / "stacks" / "one.gql", "query One { stack { ...Bits } }\n")
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": "h1", "name": "Pq", "type": "query", "body": "query Pq { stacks { id } }"},
    ]}  # fmt: skip
    write(root / "persisted-query-manifest.json", json.dumps(manifest))
    write(root / "relay.json", json.dumps({"h2": "query Relay { stacks { id } }"}))
    write(root / "variables" / "List.json", json.dumps({"first": "10"}))  # fixtures: never operations
    write(root / ".cache" / "x.graphql", "query Hidden { a }")
    write(root / "node_modules" / "pkg" / "y.graphql", "query Vendored { a }")
    write(root / "README.md", "not an operation")
    return root


def test_load_operations_reads_documents_and_manifests_and_skips_fixtures(contracts: Path) -> None:
    loaded = load_operations(contracts, base=contracts.parent.parent)
    assert loaded.problems == ()
    assert [(op.name, op.file) for op in loaded.operations] == [
        ("Pq", "contracts/api/persisted-query-manifest.json"),
        ("Relay", "contracts/api/relay.json"),
        ("List", "contracts/api/stacks/list.graphql"),
        ("One", "contracts/api/stacks/one.gql"),
    ]
    assert [f.name.value for f in loaded.operations[2].fragments] == ["Bits"]


def test_discover_is_sorted_and_skips_hidden_vendored_and_variables(contracts: Path) -> None:
    assert [p.relative_to(contracts).as_posix() for p in discover(contracts)] == [
        "fragments.graphql",
        "persisted-query-manifest.json",
        "relay.json",
        "stacks/list.graphql",
        "stacks/one.gql",
    ]


def test_unreadable_and_bad_files_are_problems_that_do_not_hide_the_rest(contracts: Path) -> None:
    write(contracts / "latin1.graphql", "query Caf\xe9 { a }".encode("latin-1"))
    write(contracts / "broken.graphql", "query Broken {\n")
    loaded = load_operations(contracts, base=contracts)
    assert len(loaded.operations) == 4
    assert [(p.file, p.line) for p in loaded.problems] == [("latin1.graphql", None), ("broken.graphql", 2)]
    assert loaded.problems[0].message.startswith("not UTF-8 text")


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    write(tmp_path / "bom.graphql", "\ufeffquery Bom { a }".encode())
    assert load_operations(tmp_path).names() == ["Bom"]


def test_missing_directory_is_a_contract_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="no such contracts directory"):
        load_operations(tmp_path / "nope")


def test_load_operation_files_mixes_files_and_directories(contracts: Path, tmp_path: Path) -> None:
    extra = write(tmp_path / "extra.graphql", "query Extra { stacks { ...Bits } }")
    loaded = load_operation_files(
        [extra, contracts / "stacks", tmp_path / "missing.graphql", contracts / "fragments.graphql", extra],
        base=tmp_path,
    )
    assert loaded.names() == ["Extra", "List", "One"]
    assert [(p.file, p.message) for p in loaded.problems] == [
        ("missing.graphql", "no such file or directory")
    ]


def test_paths_outside_base_are_shown_as_given(contracts: Path, tmp_path: Path) -> None:
    loaded = load_operation_files([contracts / "stacks" / "list.graphql"], base=tmp_path / "elsewhere")
    assert loaded.operations[0].file == (contracts / "stacks" / "list.graphql").as_posix()
    assert [p.message for p in loaded.problems] == [
        "operation 'List' spreads fragment 'Bits', which no file defines"
    ]
