"""Facts about a schema's shape that search ranks by, read from the introspection JSON: what a type is there
for (input, payload, connection, edge), which interface field each member implements, the schema's own verbs,
and the shortest natural path from a root operation to every type.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

from monitor.core.query import STOPWORDS, words


def type_ref(ref: Mapping[str, Any] | None) -> str:
    """``[Run!]!`` from an introspection type reference."""
    if not ref:
        return "?"
    kind = ref.get("kind")
    if kind == "NON_NULL":
        return type_ref(ref.get("ofType")) + "!"
    if kind == "LIST":
        return "[" + type_ref(ref.get("ofType")) + "]"
    return str(ref.get("name") or "?")


def named_type(ref: Mapping[str, Any] | None) -> str | None:
    """The named type at the bottom of a type reference."""
    while ref and ref.get("kind") in ("NON_NULL", "LIST"):
        ref = ref.get("ofType")
    return str(ref["name"]) if ref and ref.get("name") else None


def schema_verbs(
    types: list[Mapping[str, Any]], roots: Mapping[str, str], roles: Mapping[str, str]
) -> frozenset[str]:
    """The schema's verbs: words of mutation names that name no type the API is about (``add``, ``close``,
    ``update`` but not ``issue`` or ``cart``). Learnt from the schema, so any naming style works
    (``addStar``, ``cartLinesAdd``)."""
    mutation = roots.get("mutation")
    nouns: set[str] = set()
    verbs: set[str] = set()
    for type_ in types:
        name = str(type_["name"])
        if name in roots.values() or name in roles:
            continue
        nouns.update(words(name))
    for type_ in types:
        if type_["name"] == mutation:
            for field in type_.get("fields") or []:
                verbs.update(words(str(field.get("name"))))
    return frozenset(verbs - nouns - STOPWORDS)


def is_required(arg: Mapping[str, Any]) -> bool:
    """A non-null argument without a default."""
    return (arg.get("type") or {}).get("kind") == "NON_NULL" and arg.get("defaultValue") is None


def type_roles(types: list[Mapping[str, Any]], roots: Mapping[str, str]) -> dict[str, str]:
    """What a type is there for, when it is plumbing rather than a thing the API is about: ``input`` (an input
    object), ``payload`` (an object only mutations return), ``connection`` / ``edge`` (Relay pagination)."""
    returned_by_mutation: set[str] = set()
    returned_elsewhere: set[str] = set()
    mutation = roots.get("mutation")
    for type_ in types:
        for field in type_.get("fields") or []:
            target = named_type(field.get("type"))
            if target:
                (returned_by_mutation if type_["name"] == mutation else returned_elsewhere).add(target)
    roles: dict[str, str] = {}
    for type_ in types:
        name = str(type_["name"])
        kind = type_.get("kind")
        field_names = {str(f.get("name")) for f in type_.get("fields") or []}
        if kind == "INPUT_OBJECT":
            roles[name] = "input"
        elif kind == "OBJECT" and name in returned_by_mutation and name not in returned_elsewhere:
            roles[name] = "payload"
        elif kind == "OBJECT" and ("edges" in field_names or {"nodes", "pageInfo"} <= field_names):
            roles[name] = "connection"
        elif kind == "OBJECT" and {"cursor", "node"} <= field_names:
            roles[name] = "edge"
    return roles


def interface_fields(types: list[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(type, field) -> (interface, field) for every field an object or interface has from an interface (the
    interface's own fields included), so an interface field and its implementations fold into one hit."""
    by_name = {str(t["name"]): t for t in types}
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for type_ in types:
        if type_.get("kind") != "INTERFACE":
            continue
        interface = str(type_["name"])
        fields = [str(f.get("name")) for f in type_.get("fields") or []]
        members = [interface] + [str(p.get("name")) for p in type_.get("possibleTypes") or []]
        for member in members:
            has = {str(f.get("name")) for f in (by_name.get(member) or {}).get("fields") or []}
            for field in fields:
                if field in has:
                    out.setdefault((member, field), (interface, field))
    return out


def root_paths(types: list[Mapping[str, Any]], roots: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """type name -> (previous type, step label) on the shortest natural path from a root.

    Steps are weighed (see :func:`_edges`): reading a field costs 1, a pagination hop little, passing an
    argument more, and going from an interface or union to one of its members most, so ``Issue`` is reached
    as ``Query.repository -> Repository.issues -> ...`` rather than through ``Query.node -> Node``. Query roots
    first: a type readable through a query gets that path even when a mutation returns it directly (an
    assistant exploring an API reads before it writes).
    """
    by_name = {str(t["name"]): t for t in types}
    pagination = {name for name, t in by_name.items() if is_pagination(name, t)}
    parents: dict[str, tuple[str, str]] = {}
    best: dict[str, float] = {}
    queue: list[tuple[float, int, str]] = []
    order = 0
    for rank, op in enumerate(("query", "mutation", "subscription")):
        if op in roots and roots[op] in by_name:
            best[roots[op]] = 1000.0 * rank
            queue.append((1000.0 * rank, order, roots[op]))
            order += 1
    heapq.heapify(queue)
    root_names = set(roots.values())
    while queue:
        cost, _, name = heapq.heappop(queue)
        if cost > best.get(name, math.inf):
            continue
        for target, label, weight in _edges(name, by_name[name]):
            if target in root_names or target not in by_name:
                continue
            step = _PAGINATION_STEP if name in pagination else weight
            if cost + step < best.get(target, math.inf):
                best[target] = cost + step
                parents[target] = (name, label)
                order += 1
                heapq.heappush(queue, (cost + step, order, target))
    return parents


_PAGINATION_STEP: Final = 0.3


def is_pagination(name: str, type_: Mapping[str, Any]) -> bool:
    """A Relay connection or edge type (``IssueConnection``, ``IssueEdge``): a step through it is implied."""
    fields = {str(f.get("name")) for f in type_.get("fields") or []}
    return name.endswith(("Connection", "Edge")) and bool(fields & {"edges", "node", "nodes", "pageInfo"})


def _edges(name: str, type_: Mapping[str, Any]) -> Iterable[tuple[str, str, float]]:
    """(next type, step label, cost) for every step out of a type."""
    for field in type_.get("fields") or []:
        target = named_type(field.get("type"))
        if target:
            yield target, f"{name}.{field.get('name')}", 1.0
    for field in type_.get("fields") or []:
        for arg in field.get("args") or []:
            target = named_type(arg.get("type"))
            if target:
                yield target, f"{name}.{field.get('name')}({arg.get('name')}:)", 2.0
    for field in type_.get("inputFields") or []:
        target = named_type(field.get("type"))
        if target:
            yield target, f"{name}.{field.get('name')}", 1.0
    for possible in type_.get("possibleTypes") or []:
        if possible.get("name"):
            yield str(possible["name"]), name, 3.0


def referrers(types: list[Mapping[str, Any]]) -> dict[str, int]:
    """type name -> how many other object and interface types have a field of that type (through a Relay
    connection or edge too: ``Repository.issues: IssueConnection`` refers to ``Issue``).

    A type the rest of the schema points to from many places (``Repository``, ``Order``) is one the API is
    about; one only a single union lists (an audit-log entry) is peripheral, so among same-named fields the
    former's usually answers.
    """
    by_name = {str(t["name"]): t for t in types}
    nodes: dict[str, str] = {}
    for name, type_ in by_name.items():
        if is_pagination(name, type_):
            for field in type_.get("fields") or []:
                if field.get("name") in ("nodes", "node", "edges"):
                    target = named_type(field.get("type"))
                    if target:
                        nodes[name] = target
    for name in list(nodes):  # a connection's ``edges`` lead to an edge, whose ``node`` leads to the type
        seen = 0
        while nodes[name] in nodes and seen < 4:
            nodes[name] = nodes[nodes[name]]
            seen += 1
    inherited = interface_fields(types)
    sources: dict[str, set[str]] = {}
    for type_ in types:
        if type_.get("kind") not in ("OBJECT", "INTERFACE"):
            continue
        for field in type_.get("fields") or []:
            # An interface's field and its implementations' are one reference (``BaseCartLine.cost``).
            owner = inherited.get((str(type_["name"]), str(field.get("name"))), (str(type_["name"]),))[0]
            target = named_type(field.get("type"))
            if not target or target == owner:
                continue
            sources.setdefault(target, set()).add(owner)
            node = nodes.get(target)
            if node and node != owner and owner not in nodes:
                sources.setdefault(node, set()).add(owner)
    return {name: len(owners) for name, owners in sources.items()}
