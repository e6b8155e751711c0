"""Generate one typed client module for a set of operations: validate them, shape them, print them.

Pure: the schema and the parsed operations come in, the module's text goes out. An operation that is
invalid against the schema (or a problem reading the operations) refuses the whole generation with
every validation error, never half a client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from graphql import GraphQLSchema

from monitor.codegen.auth import Endpoint, generic_endpoint
from monitor.codegen.printer import Printer
from monitor.codegen.python import PythonPrinter
from monitor.codegen.shapes import build_module
from monitor.codegen.typescript import TypeScriptPrinter
from monitor.core.contracts import Operation, OperationSet, Status, validate_operations
from monitor.errors import ContractError

Language = Literal["python", "typescript"]
LANGUAGES: tuple[Language, ...] = ("python", "typescript")
_PRINTERS: dict[Language, type[Printer]] = {"python": PythonPrinter, "typescript": TypeScriptPrinter}
_SUFFIX = {"python": "py", "typescript": "ts"}


class InvalidOperationsError(ContractError):
    """Operations that are not valid against the schema; ``errors`` holds one line per problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
        super().__init__(f"not generated: {shown}")
        self.errors = tuple(errors)


@dataclass(frozen=True, slots=True)
class GeneratedClient:
    """One generated module."""

    language: Language
    filename: str
    code: str
    operations: tuple[str, ...]


def generate_client(
    schema: GraphQLSchema,
    operations: OperationSet | Sequence[Operation],
    language: Language,
    *,
    endpoint: Endpoint | None = None,
    scalars: Mapping[str, str] | None = None,
    module_name: str | None = None,
    header: str = "",
) -> GeneratedClient:
    """The client module for ``operations`` in ``language``.

    ``endpoint`` gives the URL and authentication (default: ``$GRAPHQL_URL``, optional bearer token from
    ``$GRAPHQL_TOKEN``); ``scalars`` overrides the default type of custom scalars (:mod:`.scalars`);
    ``header`` says in the module's docstring what the schema was (``demo@3f2a9c``).
    Raises :class:`InvalidOperationsError` when an operation is invalid, is a subscription, or none is given.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    chosen = operations if isinstance(operations, OperationSet) else OperationSet(tuple(operations))
    errors = [str(problem) for problem in chosen.problems]
    if not chosen.operations and not errors:
        errors.append("no operations to generate")
    result = validate_operations(schema, OperationSet(chosen.operations))
    for op in result.operations:
        if op.status is Status.BROKEN:
            for error in op.errors:
                where = f"{error.file}:{error.line}" if error.line is not None else error.file
                message = " ".join(error.message.split())
                errors.append(f"{op.name} ({where}): {message}")
    for saved in chosen.operations:
        if saved.kind == "subscription":
            errors.append(
                f"{saved.name} ({saved.file}:{saved.line}): subscriptions need a streaming transport; not generated"
            )
    if errors:
        raise InvalidOperationsError(errors)
    module = build_module(schema, [(op.definition, op.fragments) for op in chosen.operations])
    sources = {op.name: f"{op.file}:{op.line}" for op in chosen.operations}
    endpoint = endpoint or generic_endpoint()
    code = _PRINTERS[language].render(module, endpoint, scalars=scalars, header=header, sources=sources)
    stem = module_name or f"{endpoint.env_prefix.lower()}_client"
    return GeneratedClient(
        language, f"{stem}.{_SUFFIX[language]}", code, tuple(op.name for op in chosen.operations)
    )


def select_operations(operations: OperationSet, names: Sequence[str] | None) -> OperationSet:
    """Only the operations named (all when ``names`` is empty); an unknown name is an error."""
    if not names:
        return operations
    by_name = {op.name: op for op in operations.operations}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise ContractError(f"no operation named {', '.join(unknown)} (found: {known})")
    return OperationSet(tuple(by_name[n] for n in dict.fromkeys(names)), operations.problems)
