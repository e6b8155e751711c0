"""How GraphQL scalars map to Python and TypeScript types: the documented default, overridable per name.

A custom scalar's wire format is whatever its server says, so only names whose format is settled by
convention (date-time strings, URLs, Git object ids, ...) map to a string by default; every other custom
scalar is ``Any`` in Python and ``unknown`` in TypeScript until the configuration says what it is::

    [codegen.python_scalars]
    DateTime = "datetime.datetime"     # a dotted name: the module is imported, pydantic parses it
    [codegen.typescript_scalars]
    BigInt = "string"
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PYTHON_BUILTINS: dict[str, str] = {
    "ID": "str",
    "String": "str",
    "Int": "int",
    "Float": "float",
    "Boolean": "bool",
}
TYPESCRIPT_BUILTINS: dict[str, str] = {
    "ID": "string",
    "String": "string",
    "Int": "number",
    "Float": "number",
    "Boolean": "boolean",
}

#: Custom scalars serialized as strings by every API that defines them under these names.
STRING_SCALARS = frozenset(
    {
        "Date",
        "DateTime",
        "Datetime",
        "Time",
        "Timestamp",
        "PreciseDateTime",
        "GitTimestamp",
        "ISO8601DateTime",
        "URI",
        "URL",
        "Url",
        "UUID",
        "Uuid",
        "Email",
        "EmailAddress",
        "HTML",
        "Html",
        "GitObjectID",
        "GitRefname",
        "GitSSHRemote",
        "X509Certificate",
        "Base64String",
        "Color",
        "Decimal",
    }
)

PYTHON_UNKNOWN = "Any"
TYPESCRIPT_UNKNOWN = "unknown"

_PY_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def python_scalars(used: tuple[str, ...], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each used custom scalar's Python type (a builtin or a dotted ``module.Name``)."""
    out = {}
    for name in used:
        chosen = (overrides or {}).get(name)
        if chosen is not None:
            if not _PY_TYPE.fullmatch(chosen):
                raise ValueError(f"codegen scalar {name}: {chosen!r} is not a Python type name")
            out[name] = chosen
        else:
            out[name] = "str" if name in STRING_SCALARS else PYTHON_UNKNOWN
    return out


def typescript_scalars(used: tuple[str, ...], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each used custom scalar's TypeScript type."""
    out = {}
    for name in used:
        chosen = (overrides or {}).get(name)
        if chosen is not None:
            if not chosen.strip() or any(c in chosen for c in ";\n`"):
                raise ValueError(f"codegen scalar {name}: {chosen!r} is not a TypeScript type")
            out[name] = chosen
        else:
            out[name] = "string" if name in STRING_SCALARS else TYPESCRIPT_UNKNOWN
    return out
