"""The pure half of source-code contracts: assembling templates, resolving interpolations and modules."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, Source, parse

from monitor.core.contracts import parse_sources
from monitor.core.contracts.embedded import (
    EmbeddedSource,
    ExtractedFile,
    Import,
    Interpolation,
    Span,
    Template,
    assemble,
    line_column,
    resolve_documents,
    resolve_module,
)
from monitor.core.contracts.model import IndexedSource


def template_of(text: str, start: str, end: str, **kwargs: object) -> Template:
    """A template whose text runs from just after ``start`` to just before ``end`` (first occurrences)."""
    begin = text.index(start) + len(start)
    return Template(parts=(Span(begin, text.index(end, begin)),), **kwargs)  # type: ignore[arg-type]


def interpolation(text: str, expression: str) -> Interpolation:
    start = text.index("${" + expression + "}")
    name = expression if expression.isidentifier() else None
    return Interpolation(Span(start, start + len(expression) + 3), expression, name)


def test_assembled_text_keeps_the_file_positions() -> None:
    text = "const x = 1;\nconst Q = gql`\n  query Q {\n    a ${F}\n  }\n`;\n"
    t = template_of(text, "gql`", "`;", interpolations=(interpolation(text, "F"),))
    body = assemble(ExtractedFile("q.ts", text), t)
    at = line_column(text, t.parts[0].start)

    assert body == "\n  query Q {\n    a     \n  }\n"
    assert at == (2, 15)
    op = parse(EmbeddedSource(body, "q.ts", *at)).definitions[0]
    assert isinstance(op, OperationDefinitionNode) and op.loc is not None
    assert op.loc.source.get_location(op.loc.start) == (3, 3) == line_column(text, text.index("query"))
    first_line = parse(EmbeddedSource("query R { a }", "q.ts", 7, 12)).definitions[0]
    assert first_line.loc is not None and first_line.loc.source.get_location(first_line.loc.start) == (7, 12)


def test_escapes_fstring_braces_and_concatenation_keep_lengths() -> None:
    js = 'gql("query { b(s: \\"x\\") }")'
    escapes = tuple(Span(i, i + 2) for i in range(len(js)) if js[i] == "\\")
    t = Template(parts=(Span(5, len(js) - 2),), escapes=escapes)
    assert assemble(ExtractedFile("a.js", js), t).strip() == 'query { b(s:  "x ") }'

    py = 'f"query {{ a }}"'
    assert (
        assemble(ExtractedFile("a.py", py), Template(parts=(Span(2, 15),), fstring=True)) == "query {  a } "
    )

    joined = '("query Q "\n "{ a }")'
    t = Template(parts=(Span(2, 10), Span(14, 19)))
    assert assemble(ExtractedFile("a.py", joined), t) == "query Q  \n  { a }"


def test_interpolations_resolve_locally_and_through_imports() -> None:
    fragments = "export const F = gql`fragment F on T { a }`;\n"
    query = 'import { F as G } from "./fragments";\nconst Q = gql`query Q { t { ...F } } ${G} ${other}`;\n'
    files = [
        ExtractedFile("src/fragments.ts", fragments, (template_of(fragments, "gql`", "`;", binding="F"),)),
        ExtractedFile(
            "src/q.ts",
            query,
            (
                template_of(
                    query,
                    "gql`",
                    "`;",
                    binding="Q",
                    interpolations=(interpolation(query, "G"), interpolation(query, "other")),
                ),
            ),
            (Import("G", "F", "./fragments"),),
        ),
    ]
    documents, problems = resolve_documents(files)

    assert [(d.source.name, d.checked, d.default_name) for d in documents] == [
        ("src/fragments.ts", True, "F")
    ]
    assert [(p.file, p.line, p.column) for p in problems] == [("src/q.ts", 2, 43)]
    assert problems[0].message.startswith("interpolation 'other' is not statically known")

    only_g = template_of(query, "gql`", " ${other}", binding="Q", interpolations=(interpolation(query, "G"),))
    resolved = [files[0], ExtractedFile("src/q.ts", query, (only_g,), files[1].imports)]
    documents, problems = resolve_documents(resolved)
    operations = parse_sources([], documents)
    assert problems == [] and operations.problems == ()
    assert [
        (op.name, op.file, op.line, [f.name.value for f in op.fragments]) for op in operations.operations
    ] == [("Q", "src/q.ts", 2, ["F"])]


def test_support_files_lend_fragments_but_report_nothing() -> None:
    text = "const F = gql`fragment F on T { a }`;\nconst Q = gql`query Support { t { ...F } } ${x}`;\n"
    t1 = template_of(text, "gql`", "`;", binding="F")
    t2 = Template(
        parts=(Span(text.index("query"), text.rindex("`")),), interpolations=(interpolation(text, "x"),)
    )
    documents, problems = resolve_documents([ExtractedFile("f.ts", text, (t1, t2), support=True)])

    assert problems == []
    assert [d.checked for d in documents] == [False]
    assert parse_sources([], documents).operations == ()


@pytest.mark.parametrize(
    ("importer", "module", "language", "expected"),
    [
        ("src/a/q.ts", "../fragments", "js", "src/fragments.ts"),
        ("src/a/q.ts", "./f.js", "js", "src/a/f.ts"),  # TypeScript ESM imports name the emitted .js
        ("src/a/q.ts", "./dir", "js", "src/a/dir/index.tsx"),
        ("src/a/q.ts", "@app/fragments", "js", "src/fragments.ts"),  # a path alias: the one file it can be
        ("src/a/q.ts", "@/a/dir", "js", "src/a/dir/index.tsx"),
        ("src/a/q.ts", "@apollo/client", "js", None),  # a package
        ("src/a/q.ts", "graphql-tag", "js", None),
        ("src/a/q.ts", "./missing", "js", None),
        ("scripts/report.py", ".fragments", "python", "scripts/fragments.py"),
        ("scripts/sub/report.py", "..fragments", "python", "scripts/fragments.py"),
        ("tools/run.py", "scripts.fragments", "python", "scripts/fragments.py"),
        ("tools/run.py", "fragments", "python", None),  # two candidates: ambiguous, not guessed
    ],
)
def test_resolve_module(importer: str, module: str, language: str, expected: str | None) -> None:
    known = {
        "src/fragments.ts",
        "src/a/f.ts",
        "src/a/dir/index.tsx",
        "scripts/fragments.py",
        "lib/fragments.py",
    }
    assert resolve_module(importer, module, known, language=language) == expected


@pytest.mark.parametrize("body", ["", "a", "ab\ncd\r\nef\rgh\n\n", "\r\n\r\nx", "é\nü\r\n"])
def test_indexed_source_locates_like_graphql_core(body: str) -> None:
    indexed, plain = IndexedSource(body, "x"), Source(body, "x")
    # every position a token can start at (not between the two characters of a CRLF)
    positions = [i for i in range(len(body) + 1) if body[i - 1 : i + 1] != "\r\n"]
    assert [indexed.get_location(i) for i in positions] == [plain.get_location(i) for i in positions]
