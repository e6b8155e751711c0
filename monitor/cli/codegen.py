"""``gqlmon codegen``: read the operations, generate the client, write it. The IO around the pure generator.

The CLI resolves ``[TARGET] [FILES...] [--schema REF]`` exactly as ``gqlmon validate`` does and loads the
schema; this module picks the operations, the endpoint (the target's URL and authentication, or a generic
one) and the scalar map from the configuration, and writes ``<out>/<name>.py|.ts`` atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.adapters.operations import load_operation_files
from monitor.codegen.auth import Endpoint, generic_endpoint, target_endpoint
from monitor.codegen.generate import LANGUAGES, GeneratedClient, Language, generate_client, select_operations
from monitor.core.contracts import OperationSet
from monitor.errors import ConfigError
from monitor.support.redact import redact

if TYPE_CHECKING:
    from monitor.adapters.schema_sources import LoadedSchema
    from monitor.settings.models import Settings


def endpoint_for(settings: Settings | None, target: str | None, schema_ref: str | None) -> Endpoint:
    """The configured target's endpoint, else a generic one (at the schema's URL when it is one)."""
    if target is not None and settings is not None and any(t.name == target for t in settings.targets):
        return target_endpoint(settings.target(target))
    for ref in (target, schema_ref):
        if ref is not None and ref.startswith(("http://", "https://")):
            return generic_endpoint(redact(ref))
    return generic_endpoint()


def check_language(language: str) -> Language:
    if language not in LANGUAGES:
        raise ConfigError(f"--language: expected one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def build_client(
    loaded: LoadedSchema,
    operations: OperationSet,
    language: str,
    *,
    settings: Settings | None,
    target: str | None,
    schema_ref: str | None = None,
    name: str | None = None,
) -> GeneratedClient:
    """The client for ``operations``: the endpoint and scalar map from the configuration."""
    chosen = check_language(language)
    scalars = None
    if settings is not None:
        scalars = (
            settings.codegen.python_scalars if chosen == "python" else settings.codegen.typescript_scalars
        )
    try:
        return generate_client(
            loaded.schema,
            operations,
            chosen,
            endpoint=endpoint_for(settings, target, schema_ref),
            scalars=scalars,
            module_name=name,
            header=redact(loaded.label),
        )
    except ValueError as exc:  # a bad scalar mapping in monitor.toml
        raise ConfigError(f"[codegen]: {exc}") from None


def codegen_command(
    loaded: LoadedSchema,
    paths: Sequence[Path],
    language: str,
    out: Path,
    *,
    settings: Settings | None,
    target: str | None,
    schema_ref: str | None = None,
    operations: Sequence[str] | None = None,
    name: str | None = None,
) -> Path:
    """Generate and write the client; the path written. :class:`InvalidOperationsError` when an
    operation is invalid (nothing is written then)."""
    from monitor.support.atomic import write_atomic

    chosen = select_operations(load_operation_files(list(paths)), operations)
    client = build_client(
        loaded, chosen, language, settings=settings, target=target, schema_ref=schema_ref, name=name
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        return write_atomic(out / client.filename, client.code)
    except OSError as exc:
        raise ConfigError(f"--out: cannot write {out / client.filename}: {exc.strerror or exc}") from None
