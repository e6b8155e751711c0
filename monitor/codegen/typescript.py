"""Print a :class:`~monitor.codegen.shapes.ModuleShape` as one self-contained TypeScript module.

The module runs on Node 18+ (global ``fetch``; ``@types/node`` for type checking) and holds: the
endpoint and authentication constants, the error classes, the retry and token helpers, ``Client``,
the enums (string literal unions), the input types, the result types (unions discriminated on
``__typename``), and per operation its document, its variables type and one async function. Results
are typed, not validated at run time (as GraphQL Code Generator's ``typescript-operations`` does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from monitor.codegen import typescript_runtime as rt
from monitor.codegen.auth import Endpoint
from monitor.codegen.naming import camel, pascal, selected_on, summary, ts_key, ts_name
from monitor.codegen.printer import Constant, Printer, header_lines
from monitor.codegen.scalars import TYPESCRIPT_BUILTINS, typescript_scalars
from monitor.codegen.shapes import (
    EnumShape,
    InputValueShape,
    ModuleShape,
    ObjectShape,
    OperationShape,
    UnionShape,
)

#: Names the runtime part declares at the top level (classes, interfaces, functions, constants, in any of
#: its parts) or the language has; generated types and operation functions never take them.
_RUNTIME_NAMES = frozenset(
    [
        *re.findall(
            r"^(?:export )?(?:async )?(?:class|interface|type|function|const|let) (\w+)",
            rt.ERRORS + rt.HELPERS + rt.EXCHANGE_HELPERS + rt.COMMAND_HELPERS + rt.FILE_HELPERS + rt.CLIENT,
            re.MULTILINE,
        ),
        "Response",
        "Record",
        "Array",
        "Promise",
        "Error",
        "Date",
        "Math",
        "Number",
        "String",
        "Boolean",
        "Object",
        "JSON",
    ]
)
_I = "  "
#: The annotation of each kind of constant that needs one (the others are inferred).
_CONSTANT_TYPES = {
    "optional_str": "string | undefined",
    "headers": "Record<string, string>",
    "path": "readonly string[]",
    "argv": "[string, ...string[]]",
}
_EXPORTED_CONSTANTS = frozenset({"DEFAULT_URL"})


def _header(module: ModuleShape, endpoint: Endpoint, header: str) -> str:
    lines = [
        *header_lines(module, endpoint, header),
        "Needs Node 18+ (global fetch) or any runtime with fetch and process.env.",
    ]
    return "".join(f"// {line}\n" for line in lines)


def _auth_helpers(endpoint: Endpoint) -> str:
    auth = endpoint.auth
    text = rt.FILE_HELPERS if auth.token_file else ""
    if auth.kind == "exchange":
        values = [
            f"{json.dumps(variable)}: {'await readTokenFile()' if source == 'file' else f'env({json.dumps(value)})'}"
            for variable, source, value in auth.exchange_variables
        ]
        text += rt.EXCHANGE_HELPERS.replace("{VARIABLES}", "{ " + ", ".join(values) + " }")
    if auth.kind == "command":
        text += rt.COMMAND_HELPERS
    return text


class TypeScriptPrinter(Printer):
    RESERVED = _RUNTIME_NAMES
    NULLABLE = "{} | null"
    LIST = "Array<{}>"

    def typenames(self, names: Sequence[str]) -> str:
        return " | ".join(json.dumps(n) for n in names)

    def identifier(self, name: str) -> str:
        return ts_name(name)

    def scalar_types(self, used: tuple[str, ...], overrides: Mapping[str, str] | None) -> dict[str, str]:
        return {**TYPESCRIPT_BUILTINS, **typescript_scalars(used, overrides)}

    def prelude(self, module: ModuleShape, endpoint: Endpoint, header: str) -> list[str]:
        client = rt.CLIENT.replace("{SOURCE}", rt.TOKEN_SOURCES[endpoint.auth.kind])
        return [
            _header(module, endpoint, header),
            self.constants(endpoint),
            rt.ERRORS,
            rt.HELPERS,
            _auth_helpers(endpoint),
            client.replace("$URL_ENV", f"${endpoint.url_env}"),
        ]

    def constant(self, constant: Constant) -> str:
        name, value = constant.name, constant.value
        if constant.type == "seconds" and isinstance(value, int | float):
            name, value = f"{name}_MS", int(value * 1000)
        text = (
            "undefined" if value is None else json.dumps(list(value) if isinstance(value, tuple) else value)
        )
        export = "export " if name in _EXPORTED_CONSTANTS else ""
        annotation = f": {_CONSTANT_TYPES[constant.type]}" if constant.type in _CONSTANT_TYPES else ""
        return f"{export}const {name}{annotation} = {text};" + (
            f" // {constant.comment}" if constant.comment else ""
        )

    def enum(self, shape: EnumShape) -> str:
        values = " | ".join(json.dumps(v) for v in shape.values) or "never"
        doc = _doc(shape.description or f"The GraphQL enum {shape.name}.")
        return f"\n{doc}export type {self.names.of('enum', shape.name)} = {values};\n"

    def record(self, name: str, doc: str, fields: Sequence[InputValueShape]) -> str:
        lines = [f"\n{_doc(doc)}export interface {name} {{"]
        lines += [f"{_I}{ts_key(f.name)}{'' if f.required else '?'}: {self.ref(f.ref)};" for f in fields]
        return "\n".join(lines) + "\n}\n"

    def shape(self, shape: ObjectShape | UnionShape) -> str:
        name = self.names.of("object", shape.name)
        if isinstance(shape, UnionShape):
            variants = " | ".join(self.names.of("object", v.name) for v in shape.variants)
            return f"\nexport type {name} = {variants};\n"
        lines = [f"\n/** Selected on {selected_on(shape.typenames)}. */\nexport interface {name} {{"]
        for f in shape.fields:
            if f.description:
                lines.append(f"{_I}/** {summary(f.description).replace('*/', '* /')} */")
            lines.append(f"{_I}{ts_key(f.key)}{'?' if f.optional else ''}: {self.ref(f.ref)};")
        return "\n".join(lines) + "\n}\n"

    def operation(self, op: OperationShape, functions: set[str], source: str | None) -> str:
        func = ts_name(camel(op.name))
        while func in functions:
            func += "_"
        functions.add(func)
        constant = self.names.claim(f"{pascal(op.name)}Document")
        result = self.names.of("object", op.result.name)
        out = [f"\nexport const {constant} = {json.dumps(op.document)};\n"]
        params = ["client: Client"]
        variables = "{}"
        declared = self.variables(op)
        if declared:
            variables_type, declaration = declared
            out.append(declaration)
            optional = all(not v.required for v in op.variables)
            params.append(f"variables: {variables_type}" + (" = {}" if optional else ""))
            variables = "variables"
        where = f" ({source})" if source else ""
        mutation = ", true" if op.kind == "mutation" else ""
        out.append(
            f"\n{_doc(f'Run the {op.kind} {op.name}{where}.')}"
            f"export function {func}({', '.join(params)}): Promise<{result}> {{\n"
            f"{_I}return client.execute<{result}>({constant}, {variables}, {json.dumps(op.name)}{mutation});\n"
            "}\n"
        )
        return "".join(out)


def _doc(text: str) -> str:
    clean = " ".join(text.replace("*/", "* /").split())
    return f"/** {clean} */\n"
