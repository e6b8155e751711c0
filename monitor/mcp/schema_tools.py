"""The schema tools: get_schema, search_schema, get_type and list_operations.

Each function takes the :class:`~monitor.mcp.catalog.Catalog`, the tool's arguments and the answer
budget, and returns the answer model; registration and error mapping live in :mod:`monitor.mcp.server`.
"""

from __future__ import annotations

import difflib
from typing import Literal

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

from monitor.core.sdl import (
    block,
    compact_member,
    compact_type_sdl,
    deprecated_members,
    describe,
    detailed_member,
    field_signature,
    implementations,
    kind_of,
    members,
    neighbourhood,
    referenced_types,
    root_type,
    roots,
    type_header,
    user_types,
)
from monitor.core.search import Scope, one_line
from monitor.errors import ConfigError
from monitor.mcp.answers import cut_text, fit, json_size, take
from monitor.mcp.catalog import Catalog, LoadedSnapshot, envelope, shown
from monitor.mcp.models import (
    OperationLine,
    OperationsAnswer,
    RootOperation,
    SchemaAnswer,
    SearchAnswer,
    SearchHitModel,
    TypeAnswer,
    TypeLine,
    fold_coordinates,
)

Root = Literal["query", "mutation", "subscription"]
MAX_DEPTH = 4
MAX_LIMIT = 50
#: search_schema's answer budget: the envelope, then so much per requested hit (limit 10: under 4,000).
SEARCH_CHARS_BASE = 400
SEARCH_CHARS_PER_HIT = 350


def get_schema(
    catalog: Catalog,
    target: str,
    snapshot: str,
    format: Literal["summary", "sdl"],
    types: tuple[str, ...],
    offset: int,
    max_chars: int,
) -> SchemaAnswer:
    snap, loaded = catalog.snapshot(target, snapshot)
    schema = loaded.schema
    wanted = [t.strip() for t in types if t.strip()]
    unknown = [t for t in wanted if t not in schema.type_map]
    offset = max(offset, 0)
    answer = SchemaAnswer(
        **envelope(target, snap),
        format=format,
        description=schema.description,
        roots=[
            RootOperation(operation=op, type=name, fields=len(root.fields))
            for op, name in roots(schema).items()
            if name and (root := root_type(schema, op)) is not None
        ],
        offset=offset,
        unknown_types=unknown,
        validity_problems=loaded.problems,
    )
    if unknown:
        suggestions = list(dict.fromkeys(s for t in unknown for s in closest_types(loaded, t, 3)))
        answer.note = (
            "unknown types: "
            + ", ".join(unknown)
            + (f"; did you mean {', '.join(suggestions)}?" if suggestions else "")
        )
    if format == "summary":
        named = [t for t in user_types(schema) if not wanted or t.name in wanted]
        answer.type_count = len(named)
        answer.types = [
            TypeLine(name=t.name, kind=kind_of(t), description=describe(t)) for t in named[offset:]
        ]
        return fit(
            answer,
            "types",
            max_chars,
            note=lambda kept, total: (
                f"showing types {offset + 1}-{offset + kept} of {offset + total}; call get_schema again with "
                f"offset={offset + kept} for the next ones, or use search_schema / get_type to look up types"
            ),
        )
    chunks = loaded.chunks if not wanted else [c for c in loaded.chunks if c.name in wanted]
    page = chunks[offset:]
    answer.type_count = len(chunks)
    budget = max_chars - json_size(answer) - 700
    kept = take(page, budget, measure=lambda c: json_size(c.sdl) + json_size(c.name) + 3)
    if kept == 0 and page:
        answer.sdl, _ = cut_text(page[0].sdl, budget)
        answer.shown = [page[0].name]
        answer.truncated = True
        answer.note = _join(answer.note, f"{page[0].name} alone is larger than the answer budget; it was cut")
        if len(page) > 1:
            answer.note = _join(
                answer.note,
                f"showing definition {offset + 1} of {len(chunks)}; call get_schema again with "
                f"offset={offset + 1} for the next ones, or get_type(name='{page[0].name}') for this one",
            )
        return answer
    answer.sdl = "\n\n".join(c.sdl for c in page[:kept])
    answer.shown = [c.name for c in page[:kept]]
    if kept < len(page):
        answer.truncated = True
        answer.note = _join(
            answer.note,
            f"showing definitions {offset + 1}-{offset + kept} of {len(chunks)}; call get_schema again with "
            f"offset={offset + kept} for the next ones, or pass types=[...] for just the types you need",
        )
    return answer


def closest_types(loaded: LoadedSnapshot, name: str, limit: int) -> list[str]:
    """Type names close to a misspelt or half-remembered ``name``: spelling first, then meaning."""
    names = {t.lower(): t for t in loaded.schema.type_map if not t.startswith("__")}
    spelt = [
        names[n] for n in difflib.get_close_matches(name.strip().lower(), list(names), n=limit, cutoff=0.7)
    ]
    meant = [hit.coordinate for hit in loaded.index.search(name, scope="types", limit=limit)]
    return list(dict.fromkeys([*spelt, *meant]))[:limit]


def search_schema(
    catalog: Catalog, target: str, query: str, scope: Scope, limit: int, max_chars: int
) -> SearchAnswer:
    snap, loaded = catalog.snapshot(target, "latest")
    if not query.strip():
        raise ConfigError("query is empty: give a few words, e.g. 'stack runs' or 'worker pool'")
    hits = loaded.index.search(query[:500], scope=scope, limit=max(1, min(limit, MAX_LIMIT)))
    answer = SearchAnswer(
        **envelope(target, snap),
        query=query[:500],
        scope=scope,
        hits=[SearchHitModel.model_validate(h) for h in hits],
    )
    if not hits:
        answer.note = "no match: try other words, a broader scope, or get_schema(format='summary')"
    # Ten hits are glanced at, not read: about 350 characters each. Shorter descriptions, signatures and paths
    # first, then fewer hits.
    budget = min(max_chars, SEARCH_CHARS_BASE + SEARCH_CHARS_PER_HIT * max(limit, 1))
    if json_size(answer) > budget:
        for hit in answer.hits:
            hit.description = one_line(hit.description, 80)
    if json_size(answer) > budget:  # then long argument lists (get_type gives them whole)
        for hit in answer.hits:
            hit.signature = _short_signature(hit.signature, 100)
    if json_size(answer) > budget:  # then folded lists and the middle of long paths
        for hit in answer.hits:
            hit.also = (
                fold_coordinates([c for c in hit.also if not c[0].isdigit()], 2)
                if len(hit.also) > 3
                else hit.also
            )
            hit.path = _short_path(hit.path, 110)
    return fit(
        answer,
        "hits",
        budget,
        note=lambda kept, total: f"showing {kept} of {total} hits; ask with more words or a narrower scope",
    )


def get_type(
    catalog: Catalog,
    target: str,
    name: str,
    depth: int,
    max_chars: int,
    fields: tuple[str, ...] = (),
    offset: int = 0,
) -> TypeAnswer:
    """One type in compact SDL (a member a line, paging arguments folded), paged by member so that no member
    is ever left out without the answer naming it; ``fields`` prints just those members in full SDL (every
    description and argument); ``depth`` > 1 adds the referenced types as the budget allows."""
    snap, loaded = catalog.snapshot(target, "latest")
    schema = loaded.schema
    type_ = schema.type_map.get(name.strip())
    if type_ is None or name.startswith("__"):
        near = closest_types(loaded, name[:200], 5)
        hint = f"; closest: {', '.join(near)}" if near else ""
        raise ConfigError(f"no type {shown(name)} in {target}@{snap.id[:12]}{hint}")
    depth = max(1, min(depth, MAX_DEPTH))
    offset = max(offset, 0)
    interfaces = (
        [i.name for i in type_.interfaces]
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
        else []
    )
    possible = (
        implementations(schema, type_) if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType) else []
    )
    all_members = members(type_)
    answer = TypeAnswer(
        **envelope(target, snap),
        name=type_.name,
        kind=kind_of(type_),
        description=one_line(type_.description, 1000),
        sdl="",
        interfaces=interfaces,
        possible_types=possible,
        referenced_types=referenced_types(schema, type_),
        deprecated_members=deprecated_members(type_),
        path=loaded.index.path_to(type_.name),
        member_count=len(all_members),
        offset=offset,
    )
    header = type_header(schema, type_)
    wanted = [f.strip() for f in fields if f.strip()]
    if wanted:
        unknown = [f for f in wanted if f not in all_members]
        lines = [detailed_member(f, all_members[f]) for f in wanted if f in all_members]
        answer.sdl = block(header, lines)
        answer.included_types = [type_.name]
        if unknown:
            guesses = {
                f: difflib.get_close_matches(f, list(all_members), n=3, cutoff=0.6) for f in unknown[:10]
            }
            answer.note = "no such members: " + "; ".join(
                f"{f}" + (f" (did you mean {', '.join(m)}?)" if m else "") for f, m in guesses.items()
            )
        found = [f for f in wanted if f in all_members]
        return _fit_members(answer, max_chars, lines, found, header, detailed=True)
    names = list(all_members)[offset:]
    lines = [compact_member(n, all_members[n]) for n in names]
    answer = _fit_members(answer, max_chars, lines, names, header, detailed=False)
    if answer.omitted_members or depth == 1:
        if depth > 1:
            answer.note = _join(answer.note, "referenced types left out: ask for them once this type is read")
        return answer
    neighbours = neighbourhood(schema, type_.name, depth)[1:]
    budget = max_chars - json_size(answer) - 700
    printed = [compact_type_sdl(schema, schema.type_map[n]) for n in neighbours]
    kept = take(printed, budget)
    answer.sdl = "\n\n".join([answer.sdl, *printed[:kept]])
    answer.included_types = [type_.name, *neighbours[:kept]]
    if kept < len(neighbours):
        answer.truncated = True
        rest = neighbours[kept:]
        answer.note = _join(
            answer.note,
            f"{len(rest)} referenced types left out ({', '.join(rest[:10])}{', …' if len(rest) > 10 else ''}); "
            "call get_type for each, or lower depth",
        )
    return answer


def _fit_members(
    answer: TypeAnswer, max_chars: int, lines: list[str], names: list[str], header: str, *, detailed: bool
) -> TypeAnswer:
    """``answer`` with as many member ``lines`` as fit; the rest named in ``omitted_members`` and the note."""
    answer.sdl = block(header, lines)
    answer.included_types = [answer.name]
    if json_size(answer) <= max_chars:
        return answer
    skeleton = answer.model_copy(update={"sdl": header, "omitted_members": names})
    budget = max_chars - json_size(skeleton) - 600
    # Each printed member also leaves the omitted list (its name and quotes): that room comes back.
    kept = take(lines, budget, measure=lambda line: json_size(line) + 1)
    kept = max(kept, 1 if lines else 0)
    while kept > 1:
        trial = answer.model_copy(
            update={"sdl": block(header, lines[:kept]), "omitted_members": names[kept:]}
        )
        if json_size(trial) <= max_chars - 600:
            break
        kept -= 1
    first = answer.offset + 1
    rest = names[kept:]
    answer.sdl = block(header, lines[:kept])
    answer.omitted_members = rest
    answer.truncated = True
    how = (
        f"get_type(name='{answer.name}', fields=[...]) with fewer names"
        if detailed
        else f"get_type(name='{answer.name}', offset={answer.offset + kept}) for the next ones, or "
        f"fields=[...] for chosen ones in full"
    )
    answer.note = _join(
        answer.note,
        f"showing members {first}-{answer.offset + kept} of {answer.member_count}; the {len(rest)} others are "
        f"listed in omitted_members: {how}",
    )
    return answer


def list_operations(
    catalog: Catalog, target: str, root: Root, offset: int, max_chars: int
) -> OperationsAnswer:
    snap, loaded = catalog.snapshot(target, "latest")
    schema = loaded.schema
    root_obj = root_type(schema, root)
    offset = max(offset, 0)
    if root_obj is None:
        return OperationsAnswer(
            **envelope(target, snap),
            root=root,
            root_type=None,
            total=0,
            offset=offset,
            operations=[],
            note=f"this schema has no {root} root type",
        )
    lines = []
    for field_name, field in root_obj.fields.items():
        signature = field_signature(field_name, field)
        lines.append(
            OperationLine(
                name=field_name,
                signature=signature,
                description=one_line(field.description),
                deprecated=field.deprecation_reason is not None,
                deprecation_reason=field.deprecation_reason,
            )
        )
    answer = OperationsAnswer(
        **envelope(target, snap),
        root=root,
        root_type=root_obj.name,
        total=len(lines),
        offset=offset,
        operations=lines[offset:],
    )
    return fit(
        answer,
        "operations",
        max_chars,
        note=lambda kept, total: (
            f"showing {root} fields {offset + 1}-{offset + kept} of {offset + total}; call list_operations "
            f"again with offset={offset + kept}, or search_schema(scope='{root}s') to find one"
        ),
    )


def _short_signature(signature: str, limit: int) -> str:
    """``name(a: A, b: B, …): Type``: a field's signature with its arguments cut to fit ``limit``."""
    if len(signature) <= limit or "(" not in signature or "): " not in signature:
        return signature
    head, _, rest = signature.partition("(")
    args, _, returns = rest.rpartition("): ")
    room = max(limit - len(head) - len(returns) - 6, 0)
    kept = args[:room].rsplit(", ", 1)[0] if ", " in args[:room] else ""
    return f"{head}({kept + ', ' if kept else ''}…): {returns}"


def _short_path(path: str | None, limit: int) -> str | None:
    """``Query.node -> … -> A.b -> B.c``: a long path with its middle steps left out (its two last kept)."""
    if path is None or len(path) <= limit:
        return path
    steps = path.split(" -> ")
    return " -> ".join([steps[0], "…", *steps[-2:]]) if len(steps) > 3 else path


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second
