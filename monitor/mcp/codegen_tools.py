"""The generate_client tool: typed client code for a document or saved operations, as ``gqlmon codegen``
writes it, against a stored snapshot of the target and with the target's authentication.

The operations come from ``document`` (operations and the fragments they use) or, without one, from the
target's saved operations (all, or those named). An operation invalid against the snapshot refuses the
whole answer with its validation errors. The module is returned whole, never cut: a client cut to fit an
answer budget does not compile, so a module larger than :data:`MAX_CODE_CHARS` is refused with a hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from pydantic import Field

from monitor.core.contracts import OperationSet, SourceFile, parse_sources
from monitor.core.contracts.document import MAX_DOCUMENT_CHARS
from monitor.errors import ConfigError, MonitorError
from monitor.mcp.catalog import Catalog, envelope
from monitor.mcp.models import Answer

MAX_CODE_CHARS: Final = 300_000


class ClientAnswer(Answer):
    """The answer of generate_client."""

    language: Literal["python", "typescript"]
    filename: str = Field(description="Suggested file name of the module.")
    operations: list[str] = Field(description="The operations the module has a typed function for.")
    environment: list[str] = Field(description="Environment variables the client reads (URL, credentials).")
    requirements: str = Field(description="What the module needs to run.")
    code: str = Field(description="The complete module.")


_REQUIREMENTS = {
    "python": "Python 3.11+ with httpx and pydantic 2 (pip install httpx pydantic)",
    "typescript": "Node 18+ (global fetch); @types/node to type-check",
}


def generate_client(
    catalog: Catalog,
    target: str,
    document: str | None,
    operations: Sequence[str],
    language: Literal["python", "typescript"],
    snapshot: str,
) -> ClientAnswer:
    # The generator is imported when a client is asked for: the server's start-up (an assistant waits on
    # it) does not pay for it.
    from monitor.codegen.auth import target_endpoint
    from monitor.codegen.generate import generate_client as generate
    from monitor.codegen.generate import select_operations

    config = catalog.configured(target)
    snap, loaded = catalog.snapshot(target, snapshot)
    chosen = select_operations(_operations(catalog, target, document), operations)
    settings = catalog.settings
    scalars = settings.codegen.python_scalars if language == "python" else settings.codegen.typescript_scalars
    endpoint = target_endpoint(config)
    try:
        client = generate(
            loaded.schema,
            chosen,
            language,
            endpoint=endpoint,
            scalars=scalars,
            header=f"{target}@{snap.id[:12]}",
        )
    except ValueError as exc:  # a bad scalar mapping in monitor.toml
        raise ConfigError(f"[codegen]: {exc}") from None
    if len(client.code) > MAX_CODE_CHARS:
        raise ConfigError(
            f"the client for {len(client.operations)} operations is {len(client.code)} characters, over "
            f"{MAX_CODE_CHARS}: ask for fewer operations, or run `gqlmon codegen {target}`"
        )
    return ClientAnswer(
        **envelope(target, snap),
        language=language,
        filename=client.filename,
        operations=list(client.operations),
        environment=list(endpoint.environment),
        requirements=_REQUIREMENTS[language],
        code=client.code,
    )


def _operations(catalog: Catalog, target: str, document: str | None) -> OperationSet:
    if document is not None and document.strip():
        if len(document) > MAX_DOCUMENT_CHARS:
            raise ConfigError(f"document: at most {MAX_DOCUMENT_CHARS} characters are accepted")
        return parse_sources([SourceFile("document.graphql", document)])
    from monitor.adapters.operations import load_operations

    config = catalog.configured(target)
    base = catalog.settings.config_path.parent if catalog.settings.config_path else None
    try:
        return load_operations(config.contracts_dir, base=base)
    except MonitorError as exc:
        raise ConfigError(f"{target}: {exc}") from None
