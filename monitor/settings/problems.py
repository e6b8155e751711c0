"""Configuration problems as a user reads them: every problem at once, each at the key the user wrote.

Pydantic reports locations through the models (``targets.0.auth.bearer.token``, with the union's tag and
validator names in the path); :func:`describe` walks the file's own data instead, so a problem reads
``targets[0].auth.token: ...``. An unknown key gets the closest known one (``did you mean 'schedule'?``).
Problems the expansion of ``${VAR}`` references found come first; a validation error at a key whose
reference could not be expanded is dropped (it only repeats that problem).
"""

from __future__ import annotations

import difflib
import inspect
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from monitor.settings.envrefs import Expanded, Path

__all__ = ["closest", "describe", "problems_of"]


def closest(word: str, known: Sequence[str]) -> str | None:
    """The known name most like ``word`` (difflib), or None when none is close."""
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def describe(problems: Sequence[str], source: str) -> str:
    """One line for the file's problems: ``FILE: key: what`` or ``FILE: N problems: a; b; c``."""
    if len(problems) == 1:
        return f"{source}: {problems[0]}"
    return f"{source}: {len(problems)} problems: " + "; ".join(problems)


def problems_of(expanded: Expanded, model: type[BaseModel], exc: ValidationError | None = None) -> list[str]:
    """Every problem of the file, in file order, each at the user's key. An unknown key is reported as
    such even when it also references an unset variable; a validation error at a key whose reference
    could not be expanded is dropped (it only repeats that problem)."""
    errors = [(_user_path(e["loc"], expanded.data), e) for e in (exc.errors() if exc is not None else [])]
    unknown = {path for path, e in errors if e["type"] == "extra_forbidden"}
    found: list[tuple[Path, str]] = [(p.path, p.message) for p in expanded.problems if p.path not in unknown]
    skipped = [path for path, _ in found]
    for path, error in errors:
        if path not in unknown and any(path[: len(bad)] == bad for bad in skipped):
            continue
        found.append((path, _message(error, path, expanded, model)))
    order = _file_order(expanded.data)
    found.sort(key=lambda item: _position(item[0], order))
    return list(dict.fromkeys(_line(expanded, path, message) for path, message in found))


def _file_order(data: Any, path: Path = (), order: dict[Path, int] | None = None) -> dict[Path, int]:
    """Each path of the data in the file's order (tables keep their keys' order in Python)."""
    order = {} if order is None else order
    order[path] = len(order)
    if isinstance(data, Mapping):
        for key, value in data.items():
            _file_order(value, (*path, key), order)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _file_order(value, (*path, index), order)
    return order


def _position(path: Path, order: dict[Path, int]) -> tuple[int, int]:
    """Where a problem sorts: at its key, or (a missing key) at the end of the table that lacks it."""
    if path in order:
        return (order[path], 0)
    for end in range(len(path) - 1, -1, -1):
        table = path[:end]
        if table in order:
            return (max(i for p, i in order.items() if p[:end] == table), 1)
    return (len(order), 1)


def _line(expanded: Expanded, path: Path, message: str) -> str:
    return f"{expanded.key(path)}: {message}" if path else message


def _user_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """The location in the file's data: a union's tag and validator names in ``loc`` are left out."""
    out: list[str | int] = []
    node = data
    for item in loc:
        if isinstance(node, list) and isinstance(item, int):
            out.append(item)
            node = node[item] if 0 <= item < len(node) else None
        elif isinstance(node, Mapping) and item in node:
            out.append(item)
            node = node[item]
        elif isinstance(item, str) and _internal(item, node):
            continue
        else:
            out.append(item)
            node = None
    return tuple(out)


def _internal(item: str, node: Any) -> bool:
    """A location element pydantic adds: a discriminated union's tag, a validator or type name."""
    if isinstance(node, Mapping) and item == node.get("kind"):
        return True
    return any(ch in item for ch in "[](),") or item in {"str", "int", "float", "bool", "list", "dict"}


def _message(error: ErrorDetails, path: Path, expanded: Expanded, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden" and path and isinstance(path[-1], str):
        written = expanded.key(path).rsplit(".", 1)[-1]
        env = written.endswith("_env") and written != "_env"
        known = _known_keys(model, path[:-1], expanded.data)
        guess = closest(written.removesuffix("_env") if env else written, known)
        hint = f" (did you mean '{guess}{'_env' if env else ''}'?)" if guess else ""
        listed = "" if guess or not known else f" (known keys: {', '.join(sorted(known))})"
        return f"unknown key{hint}{listed}"
    if kind == "missing":
        return "missing (required)"
    if kind in _PLAIN:
        return f"{_PLAIN[kind]}, got {_shown(error.get('input'))}"
    return str(error["msg"]).removeprefix("Value error, ")


# pydantic's wording for a value of the wrong TOML type, in the words of the file
_PLAIN: Final = {
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "path_type": "expected a path (a string)",
    "url_type": "expected a URL (a string)",
    "list_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
}


def _shown(value: Any) -> str:
    """A TOML-ish, short rendering of a wrong value (its type for tables and lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:39] + "…")
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _known_keys(model: type[BaseModel], parent: Path, data: Any) -> list[str]:
    """The keys the model at ``parent`` accepts (empty when it cannot be told)."""
    annotation: Any = model
    node = data
    for item in parent:
        if isinstance(item, int):
            annotation = _element(annotation)
        else:
            current = _model(annotation, node)
            if current is None or item not in current.model_fields:
                return []
            annotation = current.model_fields[item].annotation
        node = _child(node, item)
    current = _model(annotation, node)
    if current is None:
        return []
    return [name for name, info in current.model_fields.items() if not info.exclude]


def _child(node: Any, item: str | int) -> Any:
    if isinstance(node, list):
        return node[item] if isinstance(item, int) and 0 <= item < len(node) else None
    return node.get(item) if isinstance(node, Mapping) else None


def _unwrap(annotation: Any) -> list[Any]:
    """The members of an Optional / union / Annotated annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(annotation) for m in _unwrap(arg)]
    return [annotation]


def _element(annotation: Any) -> Any:
    for member in _unwrap(annotation):
        if get_origin(member) in (list, tuple) and get_args(member):
            return get_args(member)[0]
    return None


def _model(annotation: Any, node: Any) -> type[BaseModel] | None:
    models = [m for m in _unwrap(annotation) if inspect.isclass(m) and issubclass(m, BaseModel)]
    if len(models) == 1:
        return models[0]
    kind = node.get("kind") if isinstance(node, Mapping) else None
    for candidate in models:
        field = candidate.model_fields.get("kind")
        if field is not None and kind in get_args(field.annotation):
            return candidate
    return None
