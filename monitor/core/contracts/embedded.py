"""GraphQL documents embedded in source code: assemble each template, resolve its interpolations.

An adapter (:mod:`monitor.adapters.sourcecode`) parses a source file and hands over an
:class:`ExtractedFile`: where each GraphQL template's text lies in the file (``parts``), where its
interpolations lie (``${ISSUE_FIELDS}``, ``{FIELDS}`` in a Python f-string), which name it is bound to
(``const ISSUE_FIELDS = gql`...```) and what the file imports. Everything here is pure:

- :func:`assemble` makes a template's GraphQL text, where whatever is not GraphQL (quotes, the code
  between concatenated strings, a resolved ``${...}``) is blanked with spaces of the same length; an
  :class:`EmbeddedSource` places it at its line and column, so every position graphql-core reports is a
  position in the user's file;
- :func:`resolve_documents` checks every interpolation: one naming a GraphQL template bound in the same
  file, or imported from another extracted file, is a fragment document (its fragments join the shared
  pool like a ``.graphql`` file's); any other is reported, with its location, as not statically known,
  and the template holding it is not validated rather than guessed at.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from graphql import Source, SourceLocation

from monitor.core.contracts.model import ContractProblem, IndexedSource

# Source files gqlmon reads operations from, by suffix (lower case).
SCRIPT_SUFFIXES: Final = frozenset({".ts", ".mts", ".cts", ".tsx", ".js", ".jsx", ".mjs", ".cjs"})
COMPONENT_SUFFIXES: Final = frozenset({".vue", ".svelte"})
PYTHON_SUFFIXES: Final = frozenset({".py"})
CODE_SUFFIXES: Final = SCRIPT_SUFFIXES | COMPONENT_SUFFIXES | PYTHON_SUFFIXES

# How an import specifier may name a file (``./fragments`` -> ``./fragments.ts``, ``./fragments/index.ts``).
_MODULE_SUFFIXES: Final = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".vue", ".svelte")
# Escapes in string literals, cooked to text of the same length: ``\"`` -> `` "``, ``\n`` -> two spaces.
_KEPT_ESCAPES: Final = frozenset("\"'`$\\{}")
_BLANK_ESCAPES: Final = frozenset("ntrfvb0")


@dataclass(frozen=True, slots=True)
class Span:
    """A range of characters ``[start, end)`` in a file's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Interpolation:
    """An embedded expression: ``${ISSUE_FIELDS}`` (``span`` covers it all); ``name`` is set when the
    expression is a plain identifier, the only kind that can be resolved statically."""

    span: Span
    expression: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Template:
    """One GraphQL text found in code: its literal text ``parts`` (between quotes or backticks, several
    for concatenated strings), interpolations, and the name it is bound to (``const NAME = gql`...```,
    ``NAME = gql(...)``; ``"default"`` for ``export default``)."""

    parts: tuple[Span, ...]
    interpolations: tuple[Interpolation, ...] = ()
    binding: str | None = None
    escapes: tuple[Span, ...] = ()  # backslash escapes inside parts, cooked to the same length
    fstring: bool = False  # Python f-string: ``{{`` and ``}}`` are literal braces
    at: int | None = None  # where a template without parts (``gql(query_text)``) stands

    @property
    def start(self) -> int:
        return self.parts[0].start if self.parts else (self.at or 0)


@dataclass(frozen=True, slots=True)
class Import:
    """``import { imported as local } from "module"`` (or ``from module import imported as local``)."""

    local: str
    imported: str
    module: str


@dataclass(frozen=True, slots=True)
class ExtractedFile:
    """What an adapter found in one source file. ``support``: read only to resolve an import (its own
    operations are not checked); ``language``: ``js`` or ``python`` (how imports name files)."""

    path: str
    text: str
    templates: tuple[Template, ...] = ()
    imports: tuple[Import, ...] = ()
    language: str = "js"
    support: bool = False


class EmbeddedSource(IndexedSource):
    """A document embedded in a file at ``line``/``column``: positions are reported in the file's terms."""

    def __init__(self, body: str, name: str, line: int, column: int) -> None:
        super().__init__(body, name)
        self.line, self.column = line, column

    def get_location(self, position: int) -> SourceLocation:
        where = super().get_location(position)
        if where.line == 1:
            return SourceLocation(self.line, where.column + self.column - 1)
        return SourceLocation(where.line + self.line - 1, where.column)


@dataclass(frozen=True, slots=True)
class EmbeddedDocument:
    """A template ready to parse: its :class:`Source` (positions are the file's), whether its operations
    are checked, and the name an anonymous operation takes (the binding, else ``file:line``)."""

    source: Source
    checked: bool
    default_name: str


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based ``(line, column)`` of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _Lines:
    """``line_column`` for many offsets of one text: line starts found once, then a binary search."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def __call__(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


def assemble(file: ExtractedFile, template: Template, blanked: Iterable[Span] = ()) -> str:
    """The template's GraphQL text, from its first part's start to its last part's end: interpolations,
    ``blanked`` spans and the code between concatenated parts become spaces (newlines kept), escapes and
    f-string braces are cooked to text of the same length, so offsets stay the file's."""
    if not template.parts:
        return ""
    text = file.text
    start, end = template.parts[0].start, template.parts[-1].end
    chars = list(text[start:end])
    kept = [False] * len(chars)
    for part in template.parts:
        for i in range(part.start - start, part.end - start):
            kept[i] = True
    for span in (*blanked, *(i.span for i in template.interpolations)):
        for i in range(max(span.start - start, 0), min(span.end - start, len(chars))):
            kept[i] = False
    for index, keep in enumerate(kept):
        if not keep and chars[index] != "\n":
            chars[index] = " "
    for escape in template.escapes:
        i = escape.start - start
        if 0 <= i < len(chars) - 1 and kept[i]:
            if chars[i + 1] in _KEPT_ESCAPES:
                chars[i] = " "
            elif chars[i + 1] in _BLANK_ESCAPES:
                chars[i] = chars[i + 1] = " "
    body = "".join(chars)
    if template.fstring:
        body = body.replace("{{", "{ ").replace("}}", "} ")
    return body


def resolve_documents(
    files: Sequence[ExtractedFile],
) -> tuple[list[EmbeddedDocument], list[ContractProblem]]:
    """One :class:`EmbeddedDocument` per template whose interpolations all resolve; a problem, located
    at the interpolation, for each one that does not (and its template is left out)."""
    by_path = {f.path: f for f in files}
    documents: list[EmbeddedDocument] = []
    problems: list[ContractProblem] = []
    for file in files:
        where = _Lines(file.text)
        bindings = {t.binding: t for t in file.templates if t.binding is not None}
        imports = {i.local: i for i in file.imports}
        for template in file.templates:
            unknown = [
                i for i in template.interpolations if not _resolves(file, i, bindings, imports, by_path)
            ]
            line, column = where(template.start)
            if unknown:
                if not file.support:
                    kind = "interpolation" if template.parts else "argument"
                    problems.extend(_not_static(file, where, i, line, kind) for i in unknown)
                continue
            if not template.parts:
                continue  # gql(NAME) where NAME is a GraphQL document found elsewhere
            stem = posixpath.splitext(posixpath.basename(file.path))[0]
            name = template.binding if template.binding not in (None, "default") else f"{stem}:{line}"
            source = EmbeddedSource(assemble(file, template), file.path, line, column)
            documents.append(EmbeddedDocument(source, not file.support, name or stem))
    return documents, problems


def _resolves(
    file: ExtractedFile,
    interpolation: Interpolation,
    bindings: dict[str, Template],
    imports: dict[str, Import],
    by_path: dict[str, ExtractedFile],
) -> bool:
    name = interpolation.name
    if name is None:
        return False
    if name in bindings:
        return True
    imported = imports.get(name)
    if imported is None:
        return False
    target = resolve_module(file.path, imported.module, by_path.keys(), language=file.language)
    if target is None:
        return False
    return any(t.binding == imported.imported for t in by_path[target].templates)


def _not_static(
    file: ExtractedFile, where: _Lines, interpolation: Interpolation, template_line: int, kind: str
) -> ContractProblem:
    line, column = where(interpolation.span.start)
    expression = " ".join(interpolation.expression.split())
    if len(expression) > 60:
        expression = expression[:57] + "..."
    message = (
        f"{kind} {expression!r} is not statically known (not a GraphQL document bound in this "
        f"file or imported from a scanned one); the document at line {template_line} is not validated"
    )
    return ContractProblem(file.path, line, message, column)


def resolve_module(importer: str, module: str, known: Collection[str], *, language: str = "js") -> str | None:
    """The path of the file ``module`` names, among ``known`` paths (all relative to one base, ``/``
    separators); ``None`` when it is not one of them (a package, or a path alias gqlmon cannot see)."""
    candidates = known
    directory = posixpath.dirname(importer)
    if language == "python":
        return _python_module(directory, module, candidates)
    if not module.startswith("."):
        return _aliased_module(module, candidates)
    base = posixpath.normpath(posixpath.join(directory, module))
    stem, suffix = posixpath.splitext(base)
    options = [base] if suffix in _MODULE_SUFFIXES else []
    if suffix in {".js", ".jsx", ".mjs", ".cjs"}:  # TypeScript's ESM style: import "./x.js" means x.ts
        options += [stem + s for s in (".ts", ".tsx", ".mts", ".cts")]
    options += [base + s for s in _MODULE_SUFFIXES]
    options += [posixpath.join(base, "index" + s) for s in _MODULE_SUFFIXES]
    return next((o for o in options if o in candidates), None)


def _aliased_module(module: str, candidates: Collection[str]) -> str | None:
    """A path alias (``@/graphql/fragments``, ``~/fragments``, ``@app/graphql/fragments``): the one known
    file whose path ends with what follows the alias, if exactly one does (packages match none)."""
    parts = module.split("/")
    if len(parts) < 2 or not parts[0].startswith(("@", "~", "#")):
        return None
    tail = "/".join(parts[1:])
    found = []
    for path in candidates:
        if posixpath.splitext(path)[1] not in _MODULE_SUFFIXES:
            continue
        stem = posixpath.splitext(path)[0]
        for option in (stem, stem.removesuffix("/index")):
            if option == tail or option.endswith("/" + tail):
                found.append(path)
                break
    return found[0] if len(found) == 1 else None


def _python_module(directory: str, module: str, candidates: Collection[str]) -> str | None:
    dots = len(module) - len(module.lstrip("."))
    parts = [p for p in module[dots:].split(".") if p]
    if dots:
        base = directory
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        stem = posixpath.join(base, *parts) if parts else posixpath.join(base, "__init__")
        for option in (stem + ".py", posixpath.join(stem, "__init__.py")):
            if posixpath.normpath(option) in candidates:
                return posixpath.normpath(option)
        return None
    tails = ("/".join(parts) + ".py", "/".join([*parts, "__init__.py"]))
    found = sorted(c for c in candidates if any(c == t or c.endswith("/" + t) for t in tails))
    return found[0] if len(found) == 1 else None
