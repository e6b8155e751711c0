"""Find GraphQL documents in source code with tree-sitter parsers: TypeScript, JavaScript, Vue, Svelte, Python.

What counts as a GraphQL document (everything else, however much it looks like GraphQL, is ignored):

- TypeScript and JavaScript (``.ts .tsx .mts .cts .js .jsx .mjs .cjs``): a template or string literal that
  is tagged with, or the first argument of, one of the configured functions (default ``gql``,
  ``graphql`` and any ``.graphql(`` method, e.g. Octokit's ``octokit.graphql(...)``), type arguments
  included (``gql<T>`...```, ``octokit.graphql<T>(...)``); a template literal preceded by a
  ``/* GraphQL */`` comment; a template literal that starts with ``#graphql``.
- Vue and Svelte components: each ``<script>`` block (found with the HTML grammar) is parsed as
  TypeScript when ``lang="ts"``, else as JavaScript, in place, so positions stay the component's.
- Python: a string (or implicitly concatenated strings, f-strings included) that is the first argument
  of a configured function (``gql(...)``; ``client.graphql(...)`` for ``.graphql``), or that follows a
  ``# language=graphql`` comment (JetBrains' marker) on the line before; ``gql(NAME)`` takes the string
  assigned to ``NAME`` in the file, and any other argument (``gql(build())``) is an interpolation that
  must resolve or be reported.

Bindings (``const NAME = gql`...```, ``NAME = gql(...)``, ``exports.NAME = ...``) and imports (ESM,
CommonJS ``require``, Python ``from ... import``) are recorded so interpolations resolve across files
(:mod:`monitor.core.contracts.embedded`). Parsing is tolerant: a file with syntax errors still yields the
documents tree-sitter could place.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final

from tree_sitter import Language, Node, Parser, Query, QueryCursor, Range

from monitor.core.contracts.embedded import (
    COMPONENT_SUFFIXES,
    PYTHON_SUFFIXES,
    ExtractedFile,
    Import,
    Interpolation,
    Span,
    Template,
)

DEFAULT_FUNCTIONS: Final = ("gql", "graphql", ".graphql")
_GRAPHQL_COMMENT: Final = re.compile(r"/\*\s*graphql\s*\*/", re.IGNORECASE)
_LANGUAGE_MARKER: Final = re.compile(r"#\s*language\s*=\s*graphql\b", re.IGNORECASE)
_HASH_GRAPHQL: Final = re.compile(r"\s*#graphql\b")
# Wrappers between a tagged template and the declaration it is bound to.
_JS_WRAPPERS: Final = frozenset(
    {"call_expression", "arguments", "parenthesized_expression", "as_expression", "satisfies_expression",
     "non_null_expression", "type_assertion", "binary_expression"}
)  # fmt: skip
_MAX_WRAPPERS: Final = 8
_PY_WRAPPERS: Final = frozenset({"call", "argument_list", "parenthesized_expression", "concatenated_string"})


@dataclass(frozen=True, slots=True)
class Functions:
    """Which calls hold GraphQL: plain names (``gql``) and method names (``.graphql`` -> ``graphql``)."""

    names: frozenset[str]
    methods: frozenset[str]

    @classmethod
    def parse(cls, spec: Sequence[str]) -> Functions:
        names = {s for s in spec if not s.startswith(".")}
        methods = {s.lstrip(".").rstrip("(") for s in spec if s.startswith(".")}
        return cls(frozenset(n.rstrip("(") for n in names), frozenset(methods))


@functools.cache
def _language(name: str) -> Language:
    # Each grammar is imported on first use: a run over .graphql files never loads them.
    if name in ("typescript", "tsx"):
        import tree_sitter_typescript

        grammar = (
            tree_sitter_typescript.language_tsx()
            if name == "tsx"
            else tree_sitter_typescript.language_typescript()
        )
        return Language(grammar)
    if name == "javascript":
        import tree_sitter_javascript

        return Language(tree_sitter_javascript.language())
    if name == "python":
        import tree_sitter_python

        return Language(tree_sitter_python.language())
    import tree_sitter_html

    return Language(tree_sitter_html.language())


# The node kinds each walker looks at: a query finds them in C instead of a Python walk over every node.
_KINDS: Final = {
    "js": ("call_expression", "template_string", "import_statement", "variable_declarator"),
    "python": ("call", "assignment", "comment", "import_from_statement"),
}


@functools.cache
def _query(grammar: str) -> Query:
    kinds = _KINDS["python" if grammar == "python" else "js"]
    return Query(_language(grammar), " ".join(f"({kind}) @{kind}" for kind in kinds))


def _nodes(root: Node, grammar: str) -> list[Node]:
    """The nodes of the kinds the walker handles, in document order (an outer node before its inner ones)."""
    found = [n for nodes in QueryCursor(_query(grammar)).captures(root).values() for n in nodes]
    return sorted(found, key=lambda n: (n.start_byte, -n.end_byte))


def _grammar_for(suffix: str) -> str:
    if suffix in (".ts", ".mts", ".cts"):
        return "typescript"
    if suffix == ".tsx":
        return "tsx"
    return "javascript"  # the JavaScript grammar parses JSX too


def extract(
    path: str, text: str, *, functions: Sequence[str] = DEFAULT_FUNCTIONS, support: bool = False
) -> ExtractedFile:
    """Every GraphQL template in one source file (``path`` is the name shown in messages)."""
    data = text.encode("utf-8")
    walker = _Walker(data, _Offsets(data, text), Functions.parse(functions))
    suffix = PurePath(path).suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        walker.python(_nodes(Parser(_language("python")).parse(data).root_node, "python"))
        language = "python"
    elif suffix in COMPONENT_SUFFIXES:
        for grammar, ranged in _script_blocks(data):
            parser = Parser(_language(grammar), included_ranges=[ranged])
            walker.script(_nodes(parser.parse(data).root_node, grammar))
        language = "js"
    else:
        grammar = _grammar_for(suffix)
        walker.script(_nodes(Parser(_language(grammar)).parse(data).root_node, grammar))
        language = "js"
    templates = tuple(sorted(walker.templates.values(), key=lambda t: t.start))
    return ExtractedFile(path, text, templates, tuple(walker.imports), language=language, support=support)


def _script_blocks(data: bytes) -> Iterator[tuple[str, Range]]:
    """``(grammar, range)`` of each ``<script>`` block's text in a Vue or Svelte component."""
    root = Parser(_language("html")).parse(data).root_node
    for node in _walk(root):
        if node.type != "script_element":
            continue
        raw = next((c for c in node.children if c.type == "raw_text"), None)
        start = next((c for c in node.children if c.type == "start_tag"), None)
        if raw is None or start is None:
            continue
        lang = "javascript"
        for attribute in (c for c in start.children if c.type == "attribute"):
            name = next((c for c in attribute.children if c.type == "attribute_name"), None)
            value = next((c for c in _walk(attribute) if c.type == "attribute_value"), None)
            if name is not None and _text(data, name) == "lang" and value is not None:
                lang = "typescript" if _text(data, value).lower() in ("ts", "typescript") else "javascript"
        yield lang, Range(raw.start_point, raw.end_point, raw.start_byte, raw.end_byte)


def _unwrap(node: Node, wrappers: frozenset[str]) -> Node | None:
    """The first ancestor of ``node`` that is not one of ``wrappers`` (None past a few: tree-sitter finds a
    parent by walking down from the root, so a long climb through deep nesting would be quadratic)."""
    parent = node.parent
    for _ in range(_MAX_WRAPPERS):
        if parent is None or parent.type not in wrappers:
            return parent
        parent = parent.parent
    return None


def _walk(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


class _Offsets:
    """Byte offsets (tree-sitter's) to character offsets (Python's and graphql-core's): the same for ASCII
    text; else the line's start in both, plus the length of the line's text before the offset."""

    def __init__(self, data: bytes, text: str) -> None:
        self._data = data
        self._ascii = len(data) == len(text)
        if not self._ascii:
            self._bytes = [0, *(m.end() for m in re.finditer(b"\n", data))]
            self._chars = [0, *(m.end() for m in re.finditer("\n", text))]

    def __call__(self, byte: int) -> int:
        if self._ascii:
            return byte
        line = bisect.bisect_right(self._bytes, byte) - 1
        start = self._bytes[line]
        return self._chars[line] + len(self._data[start:byte].decode("utf-8", errors="replace"))


@dataclass
class _Walker:
    data: bytes
    offset: _Offsets
    functions: Functions
    templates: dict[int, Template] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    def span(self, start: int, end: int) -> Span:
        return Span(self.offset(start), self.offset(end))

    # TypeScript / JavaScript

    def script(self, nodes: list[Node]) -> None:
        for node in nodes:
            kind = node.type
            if kind == "call_expression":
                self._js_call(node)
            elif kind == "template_string" and node.start_byte not in self.templates:
                if self._js_marked(node) or self._js_generic_tag(node):
                    self._js_template(node)
            elif kind == "import_statement":
                self._js_import(node)
            elif kind == "variable_declarator":
                self._js_require(node)

    def _js_marked(self, node: Node) -> bool:
        """``/* GraphQL */ `...``` or `` `#graphql ...` ``."""
        previous = node.prev_sibling
        comment = previous is not None and previous.type == "comment"
        if comment and _GRAPHQL_COMMENT.fullmatch(_text(self.data, previous).strip()):  # type: ignore[arg-type]
            return True
        return _HASH_GRAPHQL.match(_text(self.data, node)[1:]) is not None

    def _js_generic_tag(self, node: Node) -> bool:
        """``gql<T>`...```: tree-sitter's TypeScript grammars read it as ``(gql < T) > `...```."""
        outer = node.parent
        if outer is None or outer.type != "binary_expression" or outer.named_children[-1:] != [node]:
            return False
        operator = outer.child_by_field_name("operator")
        inner = outer.child_by_field_name("left")
        if operator is None or operator.type != ">" or inner is None or inner.type != "binary_expression":
            return False
        inner_operator = inner.child_by_field_name("operator")
        tag = inner.child_by_field_name("left")
        return (
            inner_operator is not None
            and inner_operator.type == "<"
            and tag is not None
            and self._js_callee(tag)
        )

    def _js_call(self, node: Node) -> None:
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if callee is None or arguments is None or not self._js_callee(callee):
            return
        if arguments.type == "template_string":
            self._js_template(arguments)
            return
        first = next((c for c in arguments.named_children if c.type != "comment"), None)
        if first is not None and first.type in ("template_string", "string"):
            self._js_template(first)

    def _js_callee(self, callee: Node) -> bool:
        if callee.type == "await_expression" and callee.named_children:
            # tree-sitter-typescript reads `await o.graphql<T>(...)` as a call of `await o.graphql`
            callee = callee.named_children[-1]
        if callee.type == "identifier":
            return _text(self.data, callee) in self.functions.names
        if callee.type == "member_expression":
            prop = callee.child_by_field_name("property")
            return prop is not None and _text(self.data, prop) in self.functions.methods
        return False

    def _js_template(self, node: Node) -> None:
        interpolations = []
        escapes = []
        for child in node.named_children:
            if child.type == "template_substitution":
                expression = next((c for c in child.named_children if c.type != "comment"), None)
                name = (
                    _text(self.data, expression)
                    if expression is not None and expression.type == "identifier"
                    else None
                )
                inner = _text(self.data, child)[2:-1]
                interpolations.append(Interpolation(self.span(child.start_byte, child.end_byte), inner, name))
            elif child.type == "escape_sequence":
                escapes.append(self.span(child.start_byte, child.end_byte))
        self.templates[node.start_byte] = Template(
            parts=(self.span(node.start_byte + 1, node.end_byte - 1),),
            interpolations=tuple(interpolations),
            binding=self._js_binding(node),
            escapes=tuple(escapes),
        )

    def _js_binding(self, node: Node) -> str | None:
        parent = _unwrap(node, _JS_WRAPPERS)
        if parent is None:
            return None
        if parent.type == "variable_declarator":
            name = parent.child_by_field_name("name")
            return _text(self.data, name) if name is not None and name.type == "identifier" else None
        if parent.type == "export_statement":
            return "default"
        if parent.type == "assignment_expression":  # exports.NAME = gql`...` / module.exports.NAME = ...
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "member_expression":
                prop = left.child_by_field_name("property")
                return _text(self.data, prop) if prop is not None else None
        return None

    def _js_import(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        clause = next((c for c in node.children if c.type == "import_clause"), None)
        if source is None or clause is None:
            return
        module = _text(self.data, source)[1:-1]
        for child in clause.children:
            if child.type == "identifier":
                self.imports.append(Import(_text(self.data, child), "default", module))
            elif child.type == "named_imports":
                for spec in (c for c in child.named_children if c.type == "import_specifier"):
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    if name is not None and alias is not None:
                        self.imports.append(Import(_text(self.data, alias), _text(self.data, name), module))

    def _js_require(self, node: Node) -> None:
        pattern = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if pattern is None or value is None or pattern.type != "object_pattern":
            return
        if value.type != "call_expression":
            return
        callee = value.child_by_field_name("function")
        arguments = value.child_by_field_name("arguments")
        if callee is None or arguments is None or _text(self.data, callee) != "require":
            return
        first = next(iter(arguments.named_children), None)
        if first is None or first.type != "string":
            return
        module = _text(self.data, first)[1:-1]
        for child in pattern.named_children:
            if child.type == "shorthand_property_identifier_pattern":
                name = _text(self.data, child)
                self.imports.append(Import(name, name, module))
            elif child.type == "pair_pattern":
                key = child.child_by_field_name("key")
                local = child.child_by_field_name("value")
                if key is not None and local is not None and local.type == "identifier":
                    self.imports.append(Import(_text(self.data, local), _text(self.data, key), module))

    # Python

    def python(self, nodes: list[Node]) -> None:
        strings: dict[str, Node] = {}  # NAME = "..." anywhere in the file (the last one wins)
        named_calls: list[tuple[Node, Node]] = []
        for node in nodes:
            kind = node.type
            if kind == "call":
                argument = self._py_call(node)
                if argument is not None:
                    named_calls.append((node, argument))
            elif kind == "assignment":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                literal = right is not None and right.type in ("string", "concatenated_string")
                if literal and left is not None and left.type == "identifier":
                    strings[_text(self.data, left)] = right  # type: ignore[assignment]
            elif kind == "comment" and _LANGUAGE_MARKER.search(_text(self.data, node)):
                target = _py_marked(node)
                if target is not None:
                    self._py_template(target)
            elif kind == "import_from_statement":
                self._py_import(node)
        for call, argument in named_calls:
            self._py_argument(call, argument, strings)

    def _py_argument(self, call: Node, argument: Node, strings: dict[str, Node]) -> None:
        """``gql(QUERY)``: the string ``QUERY`` is assigned in this file, else an interpolation to resolve
        (a GraphQL string imported from another file) or report as not statically known."""
        if argument.type == "identifier":
            bound = strings.get(_text(self.data, argument))
            if bound is not None:
                if bound.start_byte not in self.templates:
                    self._py_template(bound)
                return
        name = _text(self.data, argument) if argument.type == "identifier" else None
        span = self.span(argument.start_byte, argument.end_byte)
        self.templates[call.start_byte] = Template(
            parts=(), interpolations=(Interpolation(span, _text(self.data, argument), name),), at=span.start
        )

    def _py_call(self, node: Node) -> Node | None:
        """Extract a call's literal GraphQL argument; return a non-literal one for :meth:`_py_argument`."""
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if callee is None or arguments is None or arguments.type != "argument_list":
            return None
        if callee.type == "identifier":
            wanted = _text(self.data, callee) in self.functions.names
        elif callee.type == "attribute":
            attribute = callee.child_by_field_name("attribute")
            wanted = attribute is not None and _text(self.data, attribute) in self.functions.methods
        else:
            wanted = False
        first = next((c for c in arguments.named_children if c.type != "comment"), None)
        if (
            not wanted
            or first is None
            or first.type in ("keyword_argument", "list_splat", "dictionary_splat")
        ):
            return None
        if first.type in ("string", "concatenated_string"):
            self._py_template(first)
            return None
        return first

    def _py_template(self, node: Node) -> None:
        strings = [node] if node.type == "string" else [c for c in node.named_children if c.type == "string"]
        parts, interpolations, escapes = [], [], []
        fstring = False
        for string in strings:
            start = next((c for c in string.children if c.type == "string_start"), None)
            end = next((c for c in string.children if c.type == "string_end"), None)
            if start is None or end is None:
                return
            prefix = _text(self.data, start).lower()
            fstring = fstring or "f" in prefix
            parts.append(self.span(start.end_byte, end.start_byte))
            for child in _walk(string):
                if child.type == "interpolation":
                    expression = child.child_by_field_name("expression")
                    name = (
                        _text(self.data, expression)
                        if expression is not None and expression.type == "identifier"
                        else None
                    )
                    inner = _text(self.data, child)[1:-1]
                    interpolations.append(
                        Interpolation(self.span(child.start_byte, child.end_byte), inner, name)
                    )
                elif child.type == "escape_sequence" and "r" not in prefix:
                    escapes.append(self.span(child.start_byte, child.end_byte))
        if not parts:
            return
        self.templates[node.start_byte] = Template(
            parts=tuple(parts),
            interpolations=tuple(interpolations),
            binding=self._py_binding(node),
            escapes=tuple(escapes),
            fstring=fstring,
        )

    def _py_binding(self, node: Node) -> str | None:
        parent = _unwrap(node, _PY_WRAPPERS)
        if parent is None or parent.type != "assignment":
            return None
        left = parent.child_by_field_name("left")
        return _text(self.data, left) if left is not None and left.type == "identifier" else None

    def _py_import(self, node: Node) -> None:
        module_node = node.child_by_field_name("module_name")
        if module_node is None:
            return
        module = _text(self.data, module_node)
        for name_node in node.children_by_field_name("name"):
            if name_node.type == "aliased_import":
                name = name_node.child_by_field_name("name")
                alias = name_node.child_by_field_name("alias")
                if name is not None and alias is not None:
                    self.imports.append(Import(_text(self.data, alias), _text(self.data, name), module))
            else:
                name_text = _text(self.data, name_node)
                self.imports.append(Import(name_text, name_text, module))


def _py_marked(comment: Node) -> Node | None:
    """The string a ``# language=graphql`` comment marks: the next statement's (or the next argument's,
    dictionary value's) string, when it starts on the line after the comment."""
    following = comment.next_named_sibling
    if following is None or following.start_point.row != comment.end_point.row + 1:
        return None
    node: Node | None = following
    for _ in range(4):
        if node is None:
            return None
        if node.type in ("string", "concatenated_string"):
            return node
        if node.type == "expression_statement":
            node = node.named_children[0] if node.named_children else None
        elif node.type == "assignment":
            node = node.child_by_field_name("right")
        elif node.type in ("pair", "keyword_argument"):
            node = node.child_by_field_name("value")
        else:
            return None
    return None
