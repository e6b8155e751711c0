"""Operations found in source code: every style of tests/fixtures/code, exactly, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema

from monitor.adapters.operations import expand_globs, load_operation_files, load_operation_globs
from monitor.adapters.sourcecode import extract
from monitor.core.contracts import OperationSet, validate_operations

CODE = Path(__file__).resolve().parents[1] / "fixtures" / "code"

NOT_STATIC_TAIL = (
    "is not statically known (not a GraphQL document bound in this file or imported from a scanned one); "
    "the document at line {} is not validated"
)


def located(operations: OperationSet) -> list[tuple[str, str, str, int, int | None, list[str]]]:
    return [
        (op.name, op.kind, op.file, op.line, op.column, sorted(f.name.value for f in op.fragments))
        for op in operations.operations
    ]


def problems(operations: OperationSet) -> list[tuple[str, int | None, int | None, str]]:
    return [(p.file, p.line, p.column, p.message) for p in operations.problems]


def test_every_style_in_a_repository_exactly() -> None:
    found = load_operation_files([CODE], base=CODE)

    assert located(found) == [
        # Python: gql(f"""...""") with an interpolated fragment, gql(NAME), a # language=graphql string
        ("OpenIssues", "query", "scripts/report.py", 11, 5, ["PyIssueFields"]),
        ("Labels", "query", "scripts/report.py", 24, 1, []),
        ("PyViewer", "query", "scripts/report.py", 42, 23, []),
        # JSX, ESM default export of an anonymous query: named after the file and line
        ("Avatar:3", "query", "web/src/Avatar.jsx", 4, 3, []),
        # Vue and Svelte <script> blocks, at the component's own lines
        ("Repo", "query", "web/src/Repo.vue", 13, 3, []),
        ("SvelteViewer", "query", "web/src/Viewer.svelte", 7, 7, []),
        # TSX, Apollo gql with aliases and a fragment imported under another name
        ("ListIssues", "query", "web/src/components/IssueList.tsx", 9, 3, ["IssueFields"]),
        # CommonJS: require() and exports.NAME
        ("LegacyViewer", "query", "web/src/legacy.cjs", 5, 3, ["LegacyActor"]),
        ("IssueProjectItems", "query", "web/src/projects.ts", 5, 3, ["IssueFields"]),
        # codegen's graphql(`...`) with a union, Octokit's .graphql<T>(`...`), /* GraphQL */
        ("Search", "query", "web/src/search.ts", 5, 3, []),
        ("ViewerLogin", "query", "web/src/search.ts", 24, 5, []),
        ("AddStar", "mutation", "web/src/search.ts", 34, 3, []),
    ]
    assert problems(found) == [
        ("scripts/report.py", 50, 16, "argument 'build_query(login)' " + NOT_STATIC_TAIL.format(50)),
        ("web/src/search.ts", 45, 39, "interpolation 'kind' " + NOT_STATIC_TAIL.format(45)),
    ]


def test_a_single_component_resolves_its_imported_fragment_from_disk() -> None:
    found = load_operation_files([CODE / "web/src/components/IssueList.tsx"], base=CODE)

    # fragments.ts is read to resolve ${IssueFieldsFragment}; its own documents are not reported
    assert located(found) == [
        ("ListIssues", "query", "web/src/components/IssueList.tsx", 9, 3, ["IssueFields"])
    ]
    assert found.problems == ()


def test_a_fragment_import_that_cannot_be_seen_is_not_statically_known(tmp_path: Path) -> None:
    (tmp_path / "q.ts").write_text(
        'import { gql } from "@apollo/client";\n'
        'import { FIELDS } from "@app/fragments";\n'
        "export const Q = gql`\n  query Q { viewer { ...Fields } }\n  ${FIELDS}\n`;\n"
    )
    found = load_operation_files([tmp_path / "q.ts"], base=tmp_path)

    assert found.operations == ()
    assert problems(found) == [("q.ts", 5, 3, "interpolation 'FIELDS' " + NOT_STATIC_TAIL.format(3))]


def test_bindings_and_imports_are_recorded() -> None:
    issue_list = extract(
        "web/src/components/IssueList.tsx", (CODE / "web/src/components/IssueList.tsx").read_text()
    )
    legacy = extract("web/src/legacy.cjs", (CODE / "web/src/legacy.cjs").read_text())
    report = extract("scripts/report.py", (CODE / "scripts/report.py").read_text())

    assert [t.binding for t in issue_list.templates] == ["LIST_ISSUES"]
    assert [(i.local, i.imported, i.module) for i in issue_list.imports] == [
        ("React", "default", "react"),
        ("gql", "gql", "@apollo/client"),
        ("useQuery", "useQuery", "@apollo/client"),
        ("IssueFieldsFragment", "ISSUE_FIELDS", "../graphql/fragments"),
    ]
    assert [t.binding for t in legacy.templates] == ["VIEWER"]
    assert [(i.local, i.imported, i.module) for i in legacy.imports] == [
        ("LEGACY_ACTOR", "LEGACY_ACTOR", "./legacy-fragments.cjs")
    ]
    assert [t.binding for t in report.templates] == ["OPEN_ISSUES", "LABELS", None, None]
    assert [(i.local, i.imported, i.module) for i in report.imports] == [
        ("gql", "gql", "gql"),
        ("ISSUE_FIELDS", "ISSUE_FIELDS", ".fragments"),
    ]


def test_function_names_are_configurable(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text(
        "const A = gql`query A { a }`;\nconst B = myGql`query B { a }`;\nconst C = client.request(`query C { a }`);\n"
    )
    default = load_operation_files([tmp_path / "a.ts"], base=tmp_path)
    custom = load_operation_files([tmp_path / "a.ts"], base=tmp_path, functions=["myGql", ".request"])

    assert default.names() == ["A"]
    assert custom.names() == ["B", "C"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # non-ASCII text before the template on its line: columns count characters, not bytes
        ("a.ts", 'const é = "ü"; const Q = gql`query Q { a }`;\n', ("Q", 1, 30)),
        # escapes inside a string literal keep the text's length: positions after them still hold
        ("b.js", 'gql("query Q(\\$x: Int) { b(s: \\"x\\") }");\n', ("Q", 1, 6)),
        # implicitly concatenated Python strings are one document
        ("c.py", 'q = gql(\n    "query Q "\n    "{ a }"\n)\n', ("Q", 2, 6)),
        # a Vue component whose script is JavaScript
        (
            "d.vue",
            "<template><p>x</p></template>\n<script>\nexport default { q: gql`query Q { a }` }\n</script>\n",
            ("Q", 3, 25),
        ),
        # a type argument on the tag, which tree-sitter's TypeScript grammars read as `(gql < T) > ...`
        ("f.tsx", "const Q = gql<QueryResult>`query Q { a }`;\n", ("Q", 1, 28)),
        ("g.ts", "const Q = gql<A>`query Q { a }`;\nconst L = lt<A>`query No { a }`;\n", ("Q", 1, 18)),
        # an Apollo-server style #graphql template
        ("e.mjs", "export const typeDefs = `#graphql\n  query Q { a }\n`;\n", ("Q", 2, 3)),
    ],
)
def test_positions(tmp_path: Path, name: str, text: str, expected: tuple[str, int, int]) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    found = load_operation_files([tmp_path / name], base=tmp_path)

    assert found.problems == ()
    assert [(op.name, op.line, op.column) for op in found.operations] == [expected]


def test_errors_point_into_the_source_file(tmp_path: Path) -> None:
    (tmp_path / "q.ts").write_text(
        "import { gql } from 'graphql-tag';\n\nexport const Q = gql`\n  query Q {\n    a\n    gone\n  }\n`;\n"
        "export const Bad = gql`query Bad {`;\n"
    )
    found = load_operation_files([tmp_path / "q.ts"], base=tmp_path)
    result = validate_operations(build_schema("type Query { a: Int }"), found)

    assert problems(found) == [("q.ts", 9, None, "Syntax Error: Expected Name, found <EOF>.")]
    [op] = result.operations
    assert [(e.file, e.line, e.column) for e in op.errors] == [("q.ts", 6, 5)]


def test_schema_definitions_in_server_code_are_not_operations(tmp_path: Path) -> None:
    (tmp_path / "server.ts").write_text("export const typeDefs = gql`\n  type Query { a: Int }\n`;\n")
    found = load_operation_files([tmp_path / "server.ts"], base=tmp_path)

    assert found.operations == () and found.problems == ()


def test_globs_and_excludes() -> None:
    files = expand_globs(["web/src/**/*.{ts,tsx}", "scripts/*.py"], root=CODE, exclude=["**/fragments.*"])
    found = load_operation_globs(["web/**/*.vue", "!web/src/Repo.vue"], root=CODE, base=CODE)

    assert [f.relative_to(CODE).as_posix() for f in files] == [
        "scripts/report.py",
        "web/src/components/IssueList.tsx",
        "web/src/projects.ts",
        "web/src/search.ts",
    ]
    assert found.operations == ()
    assert problems(found) == [(".", None, None, "no file matches web/**/*.vue")]


def test_fragments_imported_through_a_path_alias_resolve_among_the_given_files(tmp_path: Path) -> None:
    (tmp_path / "src" / "gql").mkdir(parents=True)
    (tmp_path / "src" / "gql" / "fragments.ts").write_text(
        "export const F = gql`fragment F on Query { a }`;\n"
    )
    (tmp_path / "src" / "q.ts").write_text(
        'import { F } from "@/gql/fragments";\nconst Q = gql`query Q { ...F } ${F}`;\n'
    )
    both = load_operation_files([tmp_path / "src"], base=tmp_path)
    alone = load_operation_files([tmp_path / "src" / "q.ts"], base=tmp_path)

    assert located(both) == [("Q", "query", "src/q.ts", 2, 15, ["F"])] and both.problems == ()
    assert alone.operations == ()  # the alias is not followed on disk: that file was not given
    assert problems(alone) == [("src/q.ts", 2, 32, "interpolation 'F' " + NOT_STATIC_TAIL.format(2))]


def test_hostile_source_files_are_read_without_crashing(tmp_path: Path) -> None:
    depth = 20_000
    (tmp_path / "deep.ts").write_text(
        "const Q = " + "(" * depth + "gql`query Deep { a }`" + ")" * depth + ";\n"
    )
    (tmp_path / "broken.tsx").write_text(
        "export const A = gql`query Broken { a }`;\nfunction f( { <div>{{{ \n const B = gql`query After { a }`"
    )
    (tmp_path / "binary.js").write_bytes(b"\xff\xfe\x00gql`query X { a }`")
    (tmp_path / "unclosed.py").write_text('Q = gql("""query Unclosed { a }\n')
    found = load_operation_files(sorted(tmp_path.iterdir()), base=tmp_path)

    assert "Deep" in found.names() and "Broken" in found.names()
    assert ("binary.js", None, None, "not UTF-8 text (invalid start byte at byte 0)") in problems(found)
    assert "Unclosed" not in found.names()  # an unterminated string is not a document
