"""Identifiers for generated code: GraphQL names made into valid, unreserved Python and TypeScript names."""

from __future__ import annotations

import keyword
import re

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9]|$)|[A-Z]?[a-z0-9]+|[A-Z]+")


def pascal(name: str) -> str:
    """``stackDetails`` -> ``StackDetails``; ``list_stacks`` -> ``ListStacks``; ``URL`` stays ``URL``."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p) or "Anonymous"


def camel(name: str) -> str:
    """``ListStacks`` -> ``listStacks``; ``URLInfo`` -> ``urlInfo``."""
    text = pascal(name)
    lead = re.match(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]+$|[A-Z]?", text)
    head = lead.group(0) if lead else ""
    return head.lower() + text[len(head) :]


def snake(name: str) -> str:
    """``createdAt`` -> ``created_at``; ``viewerHTTPUrl`` -> ``viewer_http_url``; ``__typename`` ->
    ``typename``."""
    words: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        words.extend(w.lower() for w in _WORD.findall(part))
    return "_".join(words) or "field"


def python_name(name: str, reserved: frozenset[str] = frozenset()) -> str:
    """A valid Python identifier for ``name``: keywords and ``reserved`` names get a trailing
    underscore; a leading digit gets a leading underscore."""
    text = re.sub(r"\W", "_", name)
    if text[:1].isdigit():
        text = f"_{text}"
    if keyword.iskeyword(text) or text in reserved:
        text += "_"
    return text


_TS_RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "as",
        "implements",
        "interface",
        "let",
        "package",
        "private",
        "protected",
        "public",
        "static",
        "yield",
        "any",
        "boolean",
        "number",
        "string",
        "symbol",
        "type",
        "from",
        "of",
        "await",
        "async",
        "client",
        "variables",
        "options",
    ]
)


def ts_name(name: str) -> str:
    """A valid TypeScript identifier (not a reserved word) for ``name``."""
    text = re.sub(r"[^A-Za-z0-9_$]", "_", name)
    if text[:1].isdigit():
        text = f"_{text}"
    return f"{text}_" if text in _TS_RESERVED else text


def ts_key(name: str) -> str:
    """An object key: bare when it is an identifier, quoted otherwise."""
    return name if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name) else f'"{name}"'


def env_prefix(target: str) -> str:
    """The environment variable prefix of a target's credentials (``my-api`` -> ``MY_API``), the same as
    the authentication guide's."""
    return re.sub(r"[^A-Za-z0-9]+", "_", target).strip("_").upper() or "API"


def selected_on(typenames: tuple[str, ...]) -> str:
    """``A | B | C`` for a model's doc comment, the first six names only."""
    shown = " | ".join(typenames[:6]) or "?"
    return shown + (f" (and {len(typenames) - 6} more)" if len(typenames) > 6 else "")


def summary(description: str, limit: int = 100) -> str:
    """A schema description as one short line for a code comment: its first sentence, at most ``limit``
    characters."""
    text = " ".join(description.split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."
