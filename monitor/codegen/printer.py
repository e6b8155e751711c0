"""What the Python and the TypeScript printer share: the module's names, the order of its declarations,
the walk over a type reference, the sentences of its header and the constants it holds.

This module says *what* a generated client declares; a :class:`Printer` subclass
(:mod:`~monitor.codegen.python`, :mod:`~monitor.codegen.typescript`) says how its language spells it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from monitor.codegen.auth import Endpoint
from monitor.codegen.naming import pascal
from monitor.codegen.shapes import (
    EnumShape,
    InputShape,
    InputValueShape,
    ListOf,
    Maybe,
    ModuleShape,
    ObjectShape,
    OperationShape,
    Ref,
    Typename,
    UnionShape,
)


class Names:
    """The names of one generated module, unique across it: its types (by kind and GraphQL name), declared
    up front so that any declaration can refer to any other, and the names printers claim as they go."""

    def __init__(
        self, module: ModuleShape, reserved: Iterable[str], identifier: Callable[[str], str]
    ) -> None:
        self.taken = set(reserved)
        self._types: dict[tuple[str, str], str] = {}
        self._identifier = identifier
        for enum in module.enums:
            self._declare("enum", enum.name)
        for input_shape in module.inputs:
            self._declare("input", input_shape.name)
        for op in module.operations:
            for shape in op.shapes:
                self._declare("object", shape.name)

    def _declare(self, kind: str, name: str) -> None:
        base = self._identifier(pascal(name) if kind != "object" else name)
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}{n}", n + 1
        self.taken.add(candidate)
        self._types[(kind, name)] = candidate

    def of(self, kind: str, name: str) -> str:
        """The name of the type of this ``kind`` (enum, input, object) and GraphQL ``name``."""
        return self._types[(kind, name)]

    def claim(self, name: str) -> str:
        """``name``, with underscores appended while another name of the module has it; taken from now on."""
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


class Printer(ABC):
    """Prints one module: the fixed part (:meth:`prelude`: header, constants, runtime), then the enums,
    the input types, and per operation its result types and its document, variables type and function(s).
    """

    #: Names the fixed part defines or imports; generated names never take them.
    RESERVED: ClassVar[frozenset[str]]
    #: How a nullable type and a list are spelled (``{}`` stands for the inner type).
    NULLABLE: ClassVar[str]
    LIST: ClassVar[str]

    def __init__(self, module: ModuleShape, scalars: Mapping[str, str] | None = None) -> None:
        self.scalars = self.scalar_types(module.scalars, scalars)
        self.names = Names(module, self.RESERVED, self.identifier)

    @classmethod
    def render(
        cls,
        module: ModuleShape,
        endpoint: Endpoint,
        *,
        scalars: Mapping[str, str] | None = None,
        header: str = "",
        sources: Mapping[str, str] | None = None,
    ) -> str:
        """The module's text. ``scalars`` overrides the default scalar map (custom scalar -> type),
        ``header`` names the schema, ``sources`` maps an operation name to where it was read."""
        printer = cls(module, scalars)
        out = [*printer.prelude(module, endpoint, header), *printer.declarations(module, sources or {})]
        return "".join(out).rstrip() + "\n"

    def declarations(self, module: ModuleShape, sources: Mapping[str, str]) -> list[str]:
        """The module's declarations in order; ``sources`` maps an operation to where it was read."""
        out = [self.enum(e) for e in module.enums]
        out += [self.input(i) for i in module.inputs]
        functions = set(self.names.taken)
        for op in module.operations:
            out += [self.shape(s) for s in op.shapes]
            out.append(self.operation(op, functions, sources.get(op.name)))
        return out

    def ref(self, ref: Ref) -> str:
        if isinstance(ref, Maybe):
            return self.NULLABLE.format(self.ref(ref.inner))
        if isinstance(ref, ListOf):
            return self.LIST.format(self.ref(ref.item))
        if isinstance(ref, Typename):
            return self.typenames(ref.names)
        if ref.kind == "scalar":
            return self.scalars[ref.name]
        return self.names.of(ref.kind, ref.name)

    def input(self, shape: InputShape) -> str:
        doc = shape.description or f"The GraphQL input {shape.name}."
        if shape.one_of:
            doc += " Exactly one key (@oneOf)."
        return self.record(self.names.of("input", shape.name), doc, shape.fields)

    def constants(self, endpoint: Endpoint) -> str:
        """The module's constants, one a line (:func:`constants`)."""
        return "\n".join(["", *map(self.constant, constants(endpoint))]) + "\n"

    def variables(self, op: OperationShape) -> tuple[str, str] | None:
        """The name and the declaration of the type of ``op``'s variables; None when it takes none."""
        if not op.variables:
            return None
        name = self.names.claim(f"{pascal(op.name)}Variables")
        return name, self.record(name, f"The variables of {op.name}.", op.variables)

    @abstractmethod
    def typenames(self, names: Sequence[str]) -> str:
        """The type of a ``__typename`` that is one of ``names``."""

    @abstractmethod
    def identifier(self, name: str) -> str:
        """A valid identifier of the language for ``name``."""

    @abstractmethod
    def scalar_types(self, used: tuple[str, ...], overrides: Mapping[str, str] | None) -> dict[str, str]:
        """The type of every built-in scalar and of each ``used`` custom scalar (a complete map)."""

    @abstractmethod
    def prelude(self, module: ModuleShape, endpoint: Endpoint, header: str) -> list[str]:
        """What comes before the declarations: the header, the constants and the runtime part."""

    @abstractmethod
    def constant(self, constant: Constant) -> str: ...

    @abstractmethod
    def enum(self, shape: EnumShape) -> str: ...

    @abstractmethod
    def record(self, name: str, doc: str, fields: Sequence[InputValueShape]) -> str:
        """A type of string keys (an input object, an operation's variables)."""

    @abstractmethod
    def shape(self, shape: ObjectShape | UnionShape) -> str: ...

    @abstractmethod
    def operation(self, op: OperationShape, functions: set[str], source: str | None) -> str:
        """``op``'s document, variables type and function(s); ``functions`` holds the names taken."""


def header_lines(module: ModuleShape, endpoint: Endpoint, header: str) -> tuple[str, str, str]:
    """What a generated module says of itself at its top: what it is for, where it comes from, and what
    it reads from the environment. ``header`` names the schema (``demo@3f2a9c``), if known."""
    ops = ", ".join(f"{op.kind} {op.name}" for op in module.operations)
    env = ", ".join(f"${name}" for name in endpoint.environment)
    return (
        f"Typed client for the {endpoint.name} GraphQL API: {ops}.",
        f"Generated by gqlmon{f' from {header}' if header else ''}; do not edit. It holds no secrets:",
        f"authentication ({endpoint.auth.method}) reads the environment ({env}).",
    )


#: What a constant holds; each printer spells the type (``seconds``: TypeScript holds milliseconds).
ConstantType = Literal["str", "optional_str", "int", "bool", "seconds", "headers", "path", "argv"]


@dataclass(frozen=True, slots=True)
class Constant:
    """A module-level constant of a generated client."""

    name: str
    type: ConstantType
    value: str | float | bool | tuple[str, ...] | dict[str, str] | None
    comment: str = ""


def constants(endpoint: Endpoint) -> list[Constant]:
    """The constants of a client for ``endpoint``, in order: where to send requests and for how long, how
    to retry, which headers to send, and what the authentication flow needs (its runtime reads them)."""
    auth = endpoint.auth
    out = [
        Constant("DEFAULT_URL", "optional_str", endpoint.url),
        Constant("URL_ENV", "str", endpoint.url_env, "overrides DEFAULT_URL"),
        Constant("TIMEOUT", "seconds", endpoint.timeout, "per request"),
        Constant(
            "MAX_RETRIES",
            "int",
            3,
            "for 429 and 5xx answers (a mutation: 429 and 503 only) and failed connections",
        ),
        Constant("MAX_RETRY_AFTER", "seconds", 60.0, "the longest Retry-After honoured"),
        Constant("BACKOFF", "seconds", 0.5, "doubled per retry when the API gives no Retry-After"),
        Constant("PUBLIC_HEADERS", "headers", dict(endpoint.public_headers)),
        Constant(
            "SECRET_HEADERS", "headers", dict(endpoint.secret_headers), "header -> environment variable"
        ),
        Constant("AUTH_HEADER", "str", auth.header),
        Constant("AUTH_SCHEME", "str", auth.scheme),
        Constant(
            "REFRESHABLE",
            "bool",
            auth.kind in ("exchange", "command", "file"),
            "get a fresh token once on HTTP 401",
        ),
    ]
    if auth.token_env:
        out.append(Constant("TOKEN_ENV", "str", auth.token_env))
    if auth.token_file:
        out.append(Constant("TOKEN_FILE", "str", auth.token_file))
    if auth.kind == "exchange":
        out += [
            Constant("EXCHANGE_URL", "str", auth.exchange_url),
            Constant("EXCHANGE_DOCUMENT", "str", auth.exchange_document),
            Constant("TOKEN_PATH", "path", auth.token_path),
            Constant("EXPIRES_PATH", "path", auth.expires_path),
            Constant("TOKEN_TTL", "seconds", auth.ttl, "when the answer does not say"),
            Constant(
                "REFRESH_MARGIN", "seconds", 60.0, "before expiry (at most 20 % of the life of the token)"
            ),
        ]
    if auth.kind == "command":
        out += [
            Constant("COMMAND", "argv", auth.command),
            Constant("COMMAND_TIMEOUT", "seconds", auth.timeout),
            Constant("TOKEN_TTL", "seconds", auth.ttl, "how long a token is reused"),
        ]
    return out
