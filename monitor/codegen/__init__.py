"""Typed client code for saved operations (``gqlmon codegen``, the MCP tool ``generate_client``).

Pure generation: a graphql-core schema and parsed operations in, one module's text out.
:mod:`~monitor.codegen.shapes` computes the exact types of each operation's variables and result
(fragments flattened, unions discriminated on ``__typename``); :mod:`~monitor.codegen.python` and
:mod:`~monitor.codegen.typescript` print them with the runtime parts (errors, retries, authentication
from :mod:`~monitor.codegen.auth`), on what :mod:`~monitor.codegen.printer` holds for both (names,
declaration order, constants); :mod:`~monitor.codegen.scalars` maps custom scalars;
:mod:`~monitor.codegen.generate` validates first and refuses invalid operations
(:class:`InvalidOperationsError`, a :class:`~monitor.errors.ContractError`).

Codegen imports core and the adapters it reads operations with; the CLI (``gqlmon codegen``) and the MCP
server import it.
"""

from monitor.codegen.auth import AuthSpec, Endpoint, generic_endpoint, target_endpoint
from monitor.codegen.generate import (
    LANGUAGES,
    GeneratedClient,
    InvalidOperationsError,
    Language,
    generate_client,
)
from monitor.codegen.scalars import STRING_SCALARS

__all__ = [
    "LANGUAGES",
    "STRING_SCALARS",
    "AuthSpec",
    "Endpoint",
    "GeneratedClient",
    "InvalidOperationsError",
    "Language",
    "generate_client",
    "generic_endpoint",
    "target_endpoint",
]
