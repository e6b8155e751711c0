"""Parsing saved operations: fragments across files, manifests, and problems that never stop the rest."""

from __future__ import annotations

import json

from monitor.core.contracts import ContractProblem, SourceFile, parse_sources

FRAGMENTS = SourceFile(
    "ops/fragments.graphql",
    "fragment StackBits on Stack {\n  id\n  ...Owner\n}\n\nfragment Owner on Stack {\n  owner { login }\n}\n",
)
LIST = SourceFile("ops/list.graphql", "query ListStacks {\n  stacks {\n    ...StackBits\n  }\n}\n")


def apollo(*operations: dict[str, str]) -> str:
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": list(operations)}
    return json.dumps(manifest, indent=2)


def test_fragments_resolve_across_files_transitively() -> None:
    result = parse_sources([LIST, FRAGMENTS])
    assert result.problems == ()
    (op,) = result.operations
    assert (op.name, op.kind, op.file, op.line) == ("ListStacks", "query", "ops/list.graphql", 1)
    assert [f.name.value for f in op.fragments] == ["StackBits", "Owner"]
    assert [d.kind for d in op.document.definitions] == [
        "operation_definition",
        "fragment_definition",
        "fragment_definition",
    ]


def test_operation_gets_only_the_fragments_it_spreads() -> None:
    other = SourceFile("ops/other.graphql", "query Ids { stacks { id } }\nfragment Unused on Stack { id }\n")
    result = parse_sources([other, FRAGMENTS])
    assert result.operations[0].fragments == ()


def test_apollo_manifest_entries_keep_their_line_and_own_fragments() -> None:
    text = apollo(
        {
            "id": "aaa",
            "name": "Badge",
            "type": "query",
            "body": "query Badge { stacks { ...B } }\nfragment B on Stack { id }",
        },
        {"id": "bbb", "name": "Shared", "type": "query", "body": "query Shared { stacks { ...StackBits } }"},
    )
    result = parse_sources([SourceFile("ops/persisted-query-manifest.json", text), FRAGMENTS])
    assert result.problems == ()
    badge, shared = result.operations
    assert (badge.name, badge.file, badge.line, badge.persisted_id) == (
        "Badge",
        "ops/persisted-query-manifest.json",
        6,
        "aaa",
    )
    assert [f.name.value for f in badge.fragments] == ["B"]
    assert [f.name.value for f in shared.fragments] == ["StackBits", "Owner"]  # shared .graphql fragments too


def test_relay_map_names_operations_by_document_or_id() -> None:
    text = json.dumps({"h1": "query Named { stacks { id } }", "h2": "{ stacks { id } }"}, indent=2)
    result = parse_sources([SourceFile("ops/queries.json", text)])
    assert [(op.name, op.persisted_id, op.line) for op in result.operations] == [
        ("Named", "h1", 2),
        ("h2", "h2", 3),
    ]


def test_unparsable_file_is_a_problem_with_its_line_and_others_still_load() -> None:
    bad = SourceFile("ops/bad.graphql", "query Ok { a }\n\nquery Broken {\n  stacks {\n")
    result = parse_sources([bad, LIST, FRAGMENTS])
    assert result.names() == ["ListStacks"]
    (problem,) = result.problems
    assert (problem.file, problem.line) == ("ops/bad.graphql", 5)
    assert problem.message.startswith("Syntax Error")


def test_unparsable_manifest_entry_points_at_the_entry() -> None:
    text = apollo(
        {"id": "ok", "name": "Ok", "body": "query Ok { a }"},
        {"id": "broken", "name": "Broken", "body": "query Broken {"},
    )
    result = parse_sources([SourceFile("m.json", text)])
    assert result.names() == ["Ok"]
    assert [(p.file, p.line) for p in result.problems] == [("m.json", 11)]


def test_invalid_json_and_other_json_are_problems() -> None:
    result = parse_sources(
        [
            SourceFile("a.json", '{\n  "x": \n}'),
            SourceFile("b.json", '{"name": "pkg", "version": 2}'),
            SourceFile(
                "c.json", '{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}'
            ),
            SourceFile("d.json", apollo({"id": "x", "name": "NoBody"})),
        ]
    )
    assert result.operations == ()
    assert [(p.file, p.line) for p in result.problems] == [
        ("a.json", 3),
        ("b.json", 1),
        ("c.json", 1),
        ("d.json", 6),
    ]
    assert "invalid JSON" in result.problems[0].message
    assert "not a persisted-query manifest" in result.problems[1].message
    assert "version 2" in result.problems[2].message
    assert "body" in result.problems[3].message


def test_duplicate_operation_name_names_both_places() -> None:
    first = SourceFile("ops/a.graphql", "query Same { a }")
    second = SourceFile("ops/b.graphql", "\n\nquery Same { b }")
    result = parse_sources([first, second])
    assert [op.file for op in result.operations] == ["ops/a.graphql"]
    assert result.problems == (
        ContractProblem(
            "ops/b.graphql",
            3,
            "duplicate operation name 'Same': already defined at ops/a.graphql:1; this one is skipped",
        ),
    )


def test_identical_duplicates_are_merged_silently() -> None:
    text = "query Same { a }"
    manifest = apollo({"id": "x", "name": "Same", "body": text})
    result = parse_sources([SourceFile("a.graphql", text), SourceFile("m.json", manifest)])
    assert result.names() == ["Same"]
    assert result.problems == ()


def test_duplicate_fragment_with_different_body_is_a_problem() -> None:
    again = SourceFile("ops/again.graphql", "fragment Owner on Stack { id }")
    result = parse_sources([LIST, FRAGMENTS, again])
    (problem,) = result.problems
    assert (problem.file, problem.line) == ("ops/again.graphql", 1)
    assert "duplicate fragment name 'Owner'" in problem.message
    assert "ops/fragments.graphql:6" in problem.message


def test_missing_fragment_names_file_and_line_of_the_spread() -> None:
    text = "query A {\n  stacks {\n    ...Nowhere\n  }\n}\nquery B { stacks { id } }\n"
    result = parse_sources([SourceFile("ops/a.graphql", text)])
    assert result.names() == ["A", "B"]  # still validated (and reported broken there)
    assert result.problems == (
        ContractProblem(
            "ops/a.graphql", 3, "operation 'A' spreads fragment 'Nowhere', which no file defines"
        ),
    )


def test_anonymous_operations() -> None:
    single = SourceFile("ops/get_stack.graphql", "{ stacks { id } }")
    several = SourceFile("ops/multi.graphql", "query Named { a }\n{ b }\n")
    result = parse_sources([single, several])
    assert result.names() == ["get_stack", "Named"]
    assert [(p.file, p.line) for p in result.problems] == [("ops/multi.graphql", 2)]
    assert "anonymous operation" in result.problems[0].message


def test_schema_definitions_among_operations_are_reported_and_schema_files_ignored() -> None:
    mixed = SourceFile("ops/mixed.graphql", "query Q { a }\ntype Extra { a: Int }\n")
    schema_file = SourceFile("ops/schema.graphql", "type Query { a: Int }\n")
    result = parse_sources([mixed, schema_file])
    assert result.names() == ["Q"]
    assert [(p.file, p.line) for p in result.problems] == [("ops/mixed.graphql", 2)]


def test_fragment_cycles_terminate() -> None:
    text = "query C { stacks { ...X } }\nfragment X on Stack { ...Y }\nfragment Y on Stack { ...X }\n"
    (op,) = parse_sources([SourceFile("c.graphql", text)]).operations
    assert sorted(f.name.value for f in op.fragments) == ["X", "Y"]


def test_digest_follows_text_and_position() -> None:
    (a,) = parse_sources([LIST, FRAGMENTS]).operations
    (same,) = parse_sources([LIST, FRAGMENTS]).operations
    edited = SourceFile(FRAGMENTS.path, FRAGMENTS.text.replace("id", "id name"))
    (b,) = parse_sources([LIST, edited]).operations
    shifted = SourceFile(LIST.path, "\n" + LIST.text)
    (c,) = parse_sources([shifted, FRAGMENTS]).operations
    assert a.digest == same.digest
    assert len({a.digest, b.digest, c.digest}) == 3
