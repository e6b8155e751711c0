"""The dispatcher: one call that runs every element module over a pair of schemas."""

from __future__ import annotations

from collections.abc import Mapping

from graphql import DocumentNode, GraphQLSchema

from monitor.core.changes import Change, sort_changes
from monitor.core.diff._context import DiffContext
from monitor.core.diff.directives import diff_directives
from monitor.core.diff.schema import diff_schema_definition
from monitor.core.diff.types import diff_types
from monitor.core.usage import Usage

__all__ = ["diff_schemas"]


def diff_schemas(
    old: GraphQLSchema,
    new: GraphQLSchema,
    *,
    old_type_fingerprints: Mapping[str, str] | None = None,
    new_type_fingerprints: Mapping[str, str] | None = None,
    old_sdl: DocumentNode | None = None,
    new_sdl: DocumentNode | None = None,
    old_usage: Mapping[str, Usage] | None = None,
    new_usage: Mapping[str, Usage] | None = None,
    unstated_directives: frozenset[str] = frozenset(),
) -> list[Change]:
    """Every change from ``old`` to ``new``, worst first (:func:`~monitor.core.changes.sort_changes`).

    With both fingerprint maps (:func:`monitor.core.schema.type_fingerprints`), types whose fingerprints
    are equal are not walked. With both SDL documents, applied directives are compared too (introspection
    does not carry them). ``old_usage``/``new_usage`` replace the usage computed from the schemas (for
    partial schemas, :mod:`.introspected`). Directives named in ``unstated_directives`` are not compared
    (:func:`.directives.unstated_directives`: built-ins an SDL document leaves to the library).
    """
    ctx = DiffContext(
        old, new, old_usage=old_usage, new_usage=new_usage, unstated_directives=unstated_directives
    )
    changes = diff_schema_definition(ctx)
    changes += diff_types(ctx, old_type_fingerprints, new_type_fingerprints)
    changes += diff_directives(ctx)
    if old_sdl is not None and new_sdl is not None:
        from monitor.core.diff.applied_directives import diff_directive_usages

        changes += diff_directive_usages(old_sdl, new_sdl)
    return sort_changes(changes)
