"""Print a :class:`~monitor.codegen.shapes.ModuleShape` as one self-contained Python module.

The module needs ``httpx`` and ``pydantic`` 2 (Python 3.11+) and holds, in this order: the endpoint and
authentication constants, the error classes, the retry and token helpers, ``Client`` and
``AsyncClient``, the enums (``enum.StrEnum``), the input types (``TypedDict``, keys as on the wire),
the result models (frozen pydantic models, snake_case attributes aliased to the response keys; unions
discriminated on ``__typename``), and per operation its document, its variables type and a sync and
an async function.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from monitor.codegen import python_runtime as rt
from monitor.codegen.auth import Endpoint
from monitor.codegen.naming import python_name, selected_on, snake, summary
from monitor.codegen.printer import Constant, Printer, header_lines
from monitor.codegen.scalars import PYTHON_BUILTINS, python_scalars
from monitor.codegen.shapes import (
    EnumShape,
    InputValueShape,
    Maybe,
    ModuleShape,
    ObjectShape,
    OperationShape,
    Ref,
    UnionShape,
)

#: Names the runtime part defines (its classes) or imports; generated types never take them.
_RUNTIME_NAMES = frozenset(
    [
        *re.findall(r"^class (\w+)", rt.ERRORS + rt.clients("none"), re.MULTILINE),
        "BaseModel",
        "ConfigDict",
        "Field",
        "TypeAdapter",
        "ValidationError",
        "Any",
        "Annotated",
        "Literal",
        "NotRequired",
        "TypedDict",
        "TypeVar",
        "TypeAlias",
        "Mapping",
        "Sequence",
        "Callable",
        "Awaitable",
        "StrEnum",
        "dataclass",
        "field",
        "httpx",
        "anyio",
        "enum",
        "os",
        "time",
        "math",
        "random",
        "email",
        "threading",
        "subprocess",
        "datetime",
        "Path",
        "json",
    ]
)
_MODEL_ATTRIBUTES = frozenset(name for name in dir(BaseModel)) | {"model_config", "model_fields"}
_INDENT = "    "
#: The annotation of each kind of constant that needs one (the others are inferred).
_CONSTANT_TYPES = {
    "optional_str": "str | None",
    "headers": "dict[str, str]",
    "path": "tuple[str, ...]",
    "argv": "tuple[str, ...]",
}


def _module_docstring(module: ModuleShape, endpoint: Endpoint, header: str) -> str:
    title, *lines = header_lines(module, endpoint, header)
    return "\n".join([f'"""{title}', "", *lines, "Needs Python 3.11+, httpx and pydantic 2.", '"""']) + "\n"


def _imports(module: ModuleShape, endpoint: Endpoint, scalar_types: Mapping[str, str]) -> str:
    kind = endpoint.auth.kind
    stdlib = ["email.utils", "enum", "math", "os", "random", "threading", "time"]
    if kind == "command":
        stdlib.append("subprocess")
    stdlib += sorted({t.rsplit(".", 1)[0] for t in scalar_types.values() if "." in t} - set(stdlib))
    lines = ["from __future__ import annotations", ""]
    lines += [f"import {m}" for m in sorted(set(stdlib))]
    lines.append("from collections.abc import Awaitable, Callable, Mapping, Sequence")
    lines.append("from dataclasses import dataclass, field")
    if kind == "exchange":
        lines.append("from datetime import datetime")
    if endpoint.auth.token_file:
        lines.append("from pathlib import Path")
    lines.append("from typing import Annotated, Any, Literal, TypeAlias, TypeVar")
    lines += [
        "",
        "import anyio",
        "import httpx",
        "from typing_extensions import NotRequired, TypedDict  # pydantic needs these on Python 3.11",
        "from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError",
    ]
    return "\n" + "\n".join(lines) + "\n"


def _auth_helpers(endpoint: Endpoint) -> str:
    auth = endpoint.auth
    if auth.kind == "exchange":
        values = [
            f"{variable!r}: {'_read_token_file()' if source == 'file' else f'_env({value!r})'}"
            for variable, source, value in auth.exchange_variables
        ]
        text = rt.EXCHANGE_HELPERS.replace("{VARIABLES}", "{" + ", ".join(values) + "}")
        return text + (rt.FILE_HELPERS if auth.token_file else "")
    if auth.kind == "command":
        return rt.COMMAND_HELPERS
    if auth.kind == "file":
        return rt.FILE_HELPERS
    return ""


def _literal(value: str) -> str:
    return json.dumps(value)


class PythonPrinter(Printer):
    RESERVED = _RUNTIME_NAMES
    NULLABLE = "{} | None"
    LIST = "list[{}]"

    def typenames(self, names: Sequence[str]) -> str:
        return f"Literal[{', '.join(_literal(n) for n in names)}]"

    def identifier(self, name: str) -> str:
        return python_name(name)

    def scalar_types(self, used: tuple[str, ...], overrides: Mapping[str, str] | None) -> dict[str, str]:
        return {**PYTHON_BUILTINS, **python_scalars(used, overrides)}

    def prelude(self, module: ModuleShape, endpoint: Endpoint, header: str) -> list[str]:
        return [
            _module_docstring(module, endpoint, header),
            _imports(module, endpoint, self.scalars),
            self.constants(endpoint),
            rt.ERRORS,
            rt.HELPERS,
            _auth_helpers(endpoint),
            rt.clients(endpoint.auth.kind).replace("$URL_ENV", f"${endpoint.url_env}"),
        ]

    def constant(self, constant: Constant) -> str:
        annotation = f": {_CONSTANT_TYPES[constant.type]}" if constant.type in _CONSTANT_TYPES else ""
        comment = constant.comment
        if constant.type == "seconds":
            comment = f"seconds, {comment}" if comment else "seconds"
        return f"{constant.name}{annotation} = {constant.value!r}" + (f"  # {comment}" if comment else "")

    def _optional(self, ref: Ref) -> str:
        """The type of a value that may be left out (None): ``ref``'s, nullable."""
        return self.ref(ref if isinstance(ref, Maybe) else Maybe(ref))

    # ---- declarations

    def enum(self, shape: EnumShape) -> str:
        lines = ["", "", f"class {self.names.of('enum', shape.name)}(enum.StrEnum):"]
        lines.append(f"{_INDENT}{_docstring(shape.description or f'The GraphQL enum {shape.name}.')}")
        used: set[str] = set()
        for value in shape.values:
            member = python_name(value, frozenset({"name", "value", "mro"}))
            if member.startswith("_"):
                member = f"V{member}"
            while member in used:
                member += "_"
            used.add(member)
            lines.append(f"{_INDENT}{member} = {_literal(value)}")
        return "\n".join(lines) + "\n"

    def record(self, name: str, doc: str, fields: Sequence[InputValueShape]) -> str:
        entries = []
        for f in fields:
            type_text = self.ref(f.ref)
            entries.append((f.name, type_text if f.required else f"NotRequired[{type_text}]"))
        if all(key.isidentifier() and not keyword.iskeyword(key) for key, _ in entries):
            lines = ["", "", f"class {name}(TypedDict):", f"{_INDENT}{_docstring(doc)}"]
            lines += [f"{_INDENT}{key}: {type_text}" for key, type_text in entries]
            return "\n".join(lines) + "\n"
        body = ", ".join(f"{_literal(key)}: {_literal(type_text)}" for key, type_text in entries)
        return f"\n\n{name} = TypedDict({_literal(name)}, {{{body}}})  # {doc}\n"

    def shape(self, shape: ObjectShape | UnionShape) -> str:
        if isinstance(shape, UnionShape):
            name = self.names.of("object", shape.name)
            variants = [self.names.of("object", v.name) for v in shape.variants]
            if len(variants) == 1:
                return f"\n\n{name}: TypeAlias = {variants[0]}\n"
            union = " | ".join(variants)
            return f'\n\n{name}: TypeAlias = Annotated[{union}, Field(discriminator="typename")]\n'
        name = self.names.of("object", shape.name)
        what = selected_on(shape.typenames)
        lines = ["", "", f"class {name}(_Model):", f"{_INDENT}{_docstring(f'Selected on {what}.')}"]
        taken = set(_MODEL_ATTRIBUTES)
        ordered = sorted(shape.fields, key=lambda f: f.key != "__typename")  # __typename claims `typename`
        attrs = {}
        for f in ordered:
            attr = python_name(snake(f.key), frozenset(taken))
            while attr in taken:
                attr += "_"
            taken.add(attr)
            attrs[f.key] = attr
        for f in shape.fields:
            attr = attrs[f.key]
            type_text = self._optional(f.ref) if f.optional else self.ref(f.ref)
            options = [] if attr == f.key else [f"alias={_literal(f.key)}"]
            if f.optional:
                options.insert(0, "default=None")
            default = f" = Field({', '.join(options)})" if options else ""
            if f.description:
                lines.append(f"{_INDENT}#: {summary(f.description)}")
            lines.append(f"{_INDENT}{attr}: {type_text}{default}")
        if not shape.fields:
            lines.append(f"{_INDENT}pass")
        return "\n".join(lines) + "\n"

    # ---- operations

    def operation(self, op: OperationShape, functions: set[str], source: str | None) -> str:
        func = python_name(snake(op.name))
        while func in functions or f"{func}_async" in functions:
            func += "_"
        functions.update({func, f"{func}_async"})
        constant = f"{func.upper()}_DOCUMENT"
        result = self.names.of("object", op.result.name)
        document = "\n".join(f"{_INDENT}{_literal(line + chr(10))}" for line in op.document.splitlines())
        out = [f"\n\n{constant} = (\n{document}\n)\n"]
        params: list[str] = []
        assign: list[str] = []
        required: list[str] = []
        variables = self.variables(op)
        variables_type = variables[0] if variables else None
        if variables:
            out.append(variables[1])
            out.append(f"\n\n_{func.upper()}_VARIABLES = TypeAdapter({variables_type})\n")
            used_params = {"client", "variables", "data"}
            for v in op.variables:
                param = python_name(snake(v.name), frozenset(used_params))
                while param in used_params:
                    param += "_"
                used_params.add(param)
                if v.required:
                    params.append(f"{param}: {self.ref(v.ref)}")
                    required.append(f"{_literal(v.name)}: {param}")
                else:
                    params.append(f"{param}: {self._optional(v.ref)} = None")
                    assign.append(f"{_INDENT}if {param} is not None:")
                    assign.append(f"{_INDENT * 2}variables[{_literal(v.name)}] = {param}")
        signature = ", ".join(["client: {client}", *(["*", *params] if params else [])])
        where = f" ({source})" if source else ""
        doc = _docstring(f"Run the {op.kind} {op.name}{where}.")
        body = []
        if variables_type:
            body.append(f"{_INDENT}variables: {variables_type} = {{{', '.join(required)}}}")
            body += assign
            wire = f'_{func.upper()}_VARIABLES.dump_python(variables, mode="json")'
        else:
            wire = "{}"
        mutation = ", mutation=True" if op.kind == "mutation" else ""
        for name, client, prefix in ((func, "Client", ""), (f"{func}_async", "AsyncClient", "async ")):
            call = "await client.execute" if prefix else "client.execute"
            head = f"{prefix}def {name}({signature.format(client=client)}) -> {result}:"
            if len(head) > 100:
                parts = signature.format(client=client).split(", ")
                head = (
                    f"{prefix}def {name}(\n" + "".join(f"{_INDENT}{p},\n" for p in parts) + f") -> {result}:"
                )
            lines = [
                "",
                "",
                head,
                f"{_INDENT}{doc}",
                *body,
                f"{_INDENT}data = {call}(",
                f"{_INDENT * 2}{constant},",
                f"{_INDENT * 2}{wire},",
                f"{_INDENT * 2}operation_name={_literal(op.name)},",
                *([f"{_INDENT * 2}mutation=True,"] if mutation else []),
                f"{_INDENT})",
                f"{_INDENT}return _parse({result}, data)",
            ]
            out.append("\n".join(lines) + "\n")
        return "".join(out)


def _docstring(text: str) -> str:
    clean = " ".join(text.replace("\\", "\\\\").replace('"""', "'''").split())
    if clean.endswith('"'):
        clean += " "
    return f'"""{clean}"""'
