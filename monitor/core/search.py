"""Schema search: the field, mutation, argument, enum value or type that answers a developer's question.

:meth:`SchemaIndex.build` reads an introspection result (no ``GraphQLSchema`` is needed, so a cold index
costs little more than a pass over the JSON) and :meth:`SchemaIndex.search` answers in milliseconds.

Ranking starts as weighted BM25 and then uses what a schema and a question say about each other, without any
API-specific word list (the words and intents: :mod:`monitor.core.query`; the schema's shape:
:mod:`monitor.core.schema_graph`):

- names are split into words (``WorkerPool``, ``worker_pool`` and ``workerPools`` all give ``worker pool``)
  and Snowball-stemmed, in the index and in the query alike; question and function words are dropped;
- a word weighs most in a name, then in the owning type's name, the return type, the description, the
  argument names and the fields of an input argument, and least in what a mutation's arguments and input
  fields say of it; rare words weigh more than common ones; a query word also matches longer words it begins
  (``auth`` finds ``authentication``);
- a query word also finds, for half a match, its general-English equivalents (``move``: ``transfer``; see
  :data:`~monitor.core.query.EQUIVALENTS`), and at a low weight the name words the schema's own descriptions
  use for it ("sha" goes with ``oid``; :mod:`monitor.core.associations`);
- hits that match every word of the query beat hits that match some, and names the query covers beat names
  it only touches; a name that *is* the query wins (``worker pool`` is ``WorkerPool``; ``customer email
  address`` is ``Customer.emailAddress``, which leads to the type ``CustomerEmailAddress``);
- priors: root fields and fields above bare types, plumbing types (inputs, payloads, connections, edges) and
  their members lowest; deprecated members, members far from a root (behind ``Query.node`` or a root field
  that needs an id) and unreachable ones lower, and so are members of types few other types refer to (an
  audit-log entry's ``repositoryStarsCount`` below ``Repository.stargazerCount``);
- the question decides between a mutation and a field: an action ("close an issue": a verb of the schema's
  mutations, or a verb followed by a determiner) lifts mutations, a question word ("who merged", "is it
  archived") lowers them and lifts fields whose type gives that kind of answer (a person, a date, a Boolean, a
  count, an amount, a reason, a place); "X of a Y" lifts the fields of the type named Y; a question that
  names the kind of element it wants in GraphQL's words ("what mutation ...", "which field ...", "what type
  ...", "query to ...") lifts that kind;
- an interface field and its implementations fold into one hit (``also``), shown as the named type's member
  when the question names one and as the interface's otherwise; fields shared by dozens of types, and a
  type's third and later look-alike members, weigh less.

Every hit carries its shortest natural path from a root operation (``Query.repository -> Repository.issue ->
Issue.labels``; see :func:`~monitor.core.schema_graph.root_paths`), with pagination hops implied.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from monitor.core.associations import name_associations
from monitor.core.query import (
    EQUIVALENTS,
    STOPWORDS,
    TEXT_RE,
    WORD_RE,
    asked_element,
    asked_shape,
    field_shapes,
    intent_of,
    lookup_key,
    names_type,
    normalized,
    owner_phrase,
    query_terms,
    stem,
    text_words,
    words,
)
from monitor.core.schema_graph import (
    interface_fields,
    is_pagination,
    is_required,
    named_type,
    referrers,
    root_paths,
    schema_verbs,
    type_ref,
    type_roles,
)

__all__ = [
    "PAGING_ARGUMENTS",
    "SchemaIndex",
    "Scope",
    "SearchHit",
    "field_signature",
    "input_value_signature",
    "named_type",
    "one_line",
    "stem",
    "type_ref",
    "type_signature",
    "words",
]

Scope = Literal["all", "queries", "mutations", "subscriptions", "types", "fields"]
_Cover = Literal["full", "half", "none"]

#: Scope name -> bit; a document belongs to exactly one scope besides "all".
_SCOPE_BITS: Final[dict[str, int]] = {
    "queries": 1,
    "mutations": 2,
    "subscriptions": 4,
    "types": 8,
    "fields": 16,
}
_ALL: Final = 31
#: Root operation -> its scope name.
_ROOT_SCOPES: Final = {"query": "queries", "mutation": "mutations", "subscription": "subscriptions"}

# Weights of a word by where it occurs in a document.
_W_NAME: Final = 3.0
_W_OWNER: Final = 1.0
_W_RETURNS: Final = 0.9
_W_ARGUMENT: Final = 0.4
_W_INPUT: Final = 0.3
#: A mutation's arguments' descriptions and those of its input object's fields (indexed apart, see ``context``).
_W_CONTEXT: Final = 0.2
_W_DESCRIPTION: Final = 0.8
_PREFIX_WEIGHT: Final = 0.6
_MAX_EXPANSIONS: Final = 12
#: ... and covers this much of it (``transferIssue`` half answers "move an issue"; ``moveProjectCard`` too).
_EQUIVALENT_COVER: Final = 0.5
#: A name word the schema's descriptions use for a query word ("sha" -> ``oid``) weighs this much times the
#: strength of the association (see :mod:`monitor.core.associations`); it does not count as covering the word.
_ASSOCIATED_WEIGHT: Final = 0.8
#: A query word's general-English equivalent (``move`` for ``transfer``) weighs this much of the word itself.
_EQUIVALENT_WEIGHT: Final = 0.8
_EXACT_BONUS: Final = 4.0
#: Priors: what a developer asks for is most often a root field, a mutation or a field; a bare type less often,
#: and plumbing types (inputs, payloads, connections, edges) and their members least.
_ROOT_PRIOR: Final = 1.2
#: A root field that needs an id to answer (``order(id:)``): a lookup, not an entry point.
_LOOKUP_PRIOR: Final = 1.0
_TYPE_PRIOR: Final = 0.75
_TYPE_PRIORS: Final = {"input": 0.3, "payload": 0.3, "connection": 0.3, "edge": 0.3}
_MEMBER_PRIORS: Final = {"input": 0.55, "payload": 0.45, "connection": 0.35, "edge": 0.35}
_INPUT_FIELD_PRIOR: Final = 0.9
_ENUM_VALUE_PRIOR: Final = 0.65
_DEPRECATED: Final = 0.45
_UNREACHABLE: Final = 0.7
_DEPTH_DAMP: Final = 0.05
#: A type referred to by as many other types as nine in ten of the schema's types are (or more) is central; one
#: no other type refers to has its prior and its members' cut by ``_PERIPHERAL``, on a log scale in between.
_CENTRAL_QUANTILE: Final = 0.9
_PERIPHERAL: Final = 0.3
_ABSTRACT_HOP: Final = 3
#: A mutation's score when the query asks to do something, and when it asks about an attribute.
_ACTION_BOOST: Final = 1.4
_ATTRIBUTE_DAMP: Final = 0.35
_SURFACE_BONUS: Final = 0.3
#: A field whose type and name give the kind of answer the question word asks for ("when" -> ``closedAt``).
_SHAPE_BOOST: Final = 1.5
#: A member of the type the query names as the holder ("... of an organization" -> ``Organization.*``).
_OWNER_BOOST: Final = 1.6
_PART_OF_DAMP: Final = 0.7
#: The kind of element a question names ("what type ...", "query to ...").
_ELEMENT_BOOST: Final = 2.0
#: A field taking the argument a query looks things up by ("by id").
_LOOKUP_BOOST: Final = 1.6
#: A name (with its type's, for a member) that says exactly what the query says.
_NAMED_BONUS: Final = 1.6
#: A name that is the query itself, separators aside ("worker pool" is ``WorkerPool``).
_EXACT_NAME: Final = 2.0
_EXACT_MEMBER: Final = 1.4
#: The third and later members of one type in a result list weigh this much less each.
_CROWDED: Final = 0.7
#: An interface field with more implementations than this is generic (``Node.id``, the audit entries'
#: ``actorLogin``): it weighs this much less.
_LARGE_FAMILY: Final = 8
_LARGE_FAMILY_DAMP: Final = 0.6
#: A name the query covers only partly keeps this share of its score (all of it when fully covered).
_NAME_COVERAGE_FLOOR: Final = 0.5
#: How many documents, by base score, get the query-dependent adjustments.
_CANDIDATES: Final = 600
#: A document matching k of the query's n words keeps (k/n) to this power of its score.
_COVERAGE_POWER: Final = 2.0
#: A hit's description is its first paragraph, cut here (ten hits must fit an assistant's glance).
_DESCRIPTION_CHARS: Final = 140

#: The SDL keyword of each introspection kind: how a type's hit names its kind, and its signature's first word.
_KEYWORDS: Final = {
    "OBJECT": "type",
    "INTERFACE": "interface",
    "UNION": "union",
    "ENUM": "enum",
    "INPUT_OBJECT": "input",
    "SCALAR": "scalar",
}
_BUILTIN_SCALARS: Final = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def one_line(description: str | None, limit: int = 200) -> str:
    """The first paragraph of a description on one line, cut at ``limit`` characters."""
    if not description:
        return ""
    first = description.strip().split("\n\n", 1)[0]
    text = " ".join(first.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ------------------------------------------------------------------------------------------- signatures


def input_value_signature(value: Mapping[str, Any]) -> str:
    """``first: Int = 10 @deprecated`` for an argument or input field."""
    text = f"{value.get('name')}: {type_ref(value.get('type'))}"
    if value.get("defaultValue") is not None:
        text += f" = {value['defaultValue']}"
    if value.get("isDeprecated"):
        text += " @deprecated"
    return text


#: Relay's paging arguments, folded into one ``first/after/last/before`` in compact signatures.
PAGING_ARGUMENTS: Final = ("first", "after", "last", "before")


def field_signature(field: Mapping[str, Any], *, compact: bool = False) -> str:
    """``runs(first: Int = 10, state: RunState): [Run!]!``; ``compact`` folds Relay's four paging arguments
    (when a field has all four, as plain ``Int`` / ``String``) into ``first/after/last/before``."""
    args = list(field.get("args") or [])
    shown = [input_value_signature(a) for a in args]
    if compact and _has_paging(args):
        shown = [input_value_signature(a) for a in args if a.get("name") not in PAGING_ARGUMENTS]
        shown.append("/".join(PAGING_ARGUMENTS))
    inner = f"({', '.join(shown)})" if shown else ""
    return f"{field.get('name')}{inner}: {type_ref(field.get('type'))}"


def _has_paging(args: Iterable[Mapping[str, Any]]) -> bool:
    plain = {
        str(a.get("name")): type_ref(a.get("type"))
        for a in args
        if a.get("defaultValue") is None and not a.get("isDeprecated")
    }
    return all(plain.get(n) == ("Int" if n in ("first", "last") else "String") for n in PAGING_ARGUMENTS)


def type_signature(type_: Mapping[str, Any], *, max_members: int = 10) -> str:
    """``type Stack implements Node``, ``union SearchResult = Stack | Run``, ``enum RunState``."""
    kind = str(type_.get("kind"))
    text = f"{_KEYWORDS.get(kind, kind.lower())} {type_.get('name')}"
    interfaces = [str(i.get("name")) for i in type_.get("interfaces") or []]
    if interfaces:
        text += " implements " + " & ".join(interfaces)
    if kind == "UNION":
        members = [str(p.get("name")) for p in type_.get("possibleTypes") or []]
        shown = " | ".join(members[:max_members])
        text += f" = {shown}" + (
            f" | … ({len(members) - max_members} more)" if len(members) > max_members else ""
        )
    return text


# ------------------------------------------------------------------------------------------- index


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked result. ``path`` walks from a root operation to the element (``Query.repository ->
    Repository.issues`` for a field, ``... -> Issue`` for a type); ``None`` when no root reaches it."""

    coordinate: str
    kind: str
    signature: str
    description: str
    deprecated: bool
    deprecation_reason: str | None
    path: str | None
    score: float
    #: Coordinates folded into this hit (an interface field's implementations), without the hit's own.
    also: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Doc:
    coordinate: str
    kind: str
    scope: int
    owner: str | None  # the type a member belongs to
    raw: Mapping[str, Any]  # the introspection entry (type, field, input field or enum value)
    normalized: str  # the name, lower-case, separators dropped
    prior: float
    group: int = -1  # the interface field this member implements (or is), -1 for none
    shapes: frozenset[str] = frozenset()  # what kind of answer a field gives (see field_shapes)
    arguments: frozenset[str] = frozenset()  # the words of its arguments' names


class SchemaIndex:
    """Search over one schema. Build with :meth:`build`; immutable and thread-safe afterwards."""

    def __init__(
        self,
        builder: _Builder,
        *,
        parents: dict[str, tuple[str, str]],
        roots: dict[str, str],
        verbs: frozenset[str],
    ) -> None:
        """The documents ``builder`` collected, and the schema's root paths, roots and verbs."""
        docs = self._docs = builder.docs
        self._postings = builder.finish()
        self._associations = builder.associations()
        self._context = builder.context()
        self._vocabulary = sorted(self._postings)
        self._verbs = verbs
        self._parents = parents
        self._roots = roots
        # The members of each interface field group (see _Doc.group), by document id.
        self._groups: list[list[int]] = [[] for _ in range(max((d.group for d in docs), default=-1) + 1)]
        for doc_id, doc in enumerate(docs):
            if doc.group >= 0:
                self._groups[doc.group].append(doc_id)
        self._pagination = frozenset(
            d.coordinate for d in docs if d.owner is None and is_pagination(d.coordinate, d.raw)
        )
        self._by_coordinate = {d.coordinate.lower(): i for i, d in enumerate(docs)}
        self._priors = [d.prior for d in docs]
        self._scopes = [d.scope for d in docs]
        owners = {d.owner: frozenset(words(d.owner)) for d in docs if d.owner}
        empty: frozenset[str] = frozenset()
        self._owner_words = [owners[d.owner] if d.owner else empty for d in docs]
        self._owner_names = [normalized(d.owner) if d.owner else "" for d in docs]

    def __len__(self) -> int:
        return len(self._docs)

    @classmethod
    def build(cls, introspection: Mapping[str, Any]) -> SchemaIndex:
        """Index every named type (introspection types and built-in scalars left out) and its members."""
        schema = introspection.get("__schema") or {}
        roots = {
            op: str(ref["name"])
            for op, key in (
                ("query", "queryType"),
                ("mutation", "mutationType"),
                ("subscription", "subscriptionType"),
            )
            if isinstance(ref := schema.get(key), Mapping) and ref.get("name")
        }
        root_scope = {name: op for op, name in roots.items()}
        types = [
            t
            for t in schema.get("types") or []
            if isinstance(t, Mapping)
            and isinstance(t.get("name"), str)
            and not t["name"].startswith("__")
            and not (t.get("kind") == "SCALAR" and t["name"] in _BUILTIN_SCALARS)
        ]
        roles = type_roles(types, roots)
        input_fields = {
            str(t["name"]): tuple(str(f.get("name")) for f in t.get("inputFields") or [])
            for t in types
            if t.get("kind") == "INPUT_OBJECT"
        }
        input_texts = {
            str(t["name"]): " ".join(
                str(f.get("description") or "")[:200] for f in t.get("inputFields") or []
            )
            for t in types
            if t.get("kind") == "INPUT_OBJECT"
        }
        interface_of = interface_fields(types)
        parents = root_paths(types, roots)
        referred = referrers(types)
        central = _central_referrers(referred)
        free = frozenset(
            f"{t['name']}.{f.get('name')}"
            for t in types
            if t["name"] in root_scope
            for f in t.get("fields") or []
            if not any(is_required(a) for a in f.get("args") or [])
        )
        group_ids: dict[tuple[str, str], int] = {}
        builder = _Builder()

        def group(owner: str, field_name: str) -> int:
            key = interface_of.get((owner, field_name))
            return -1 if key is None else group_ids.setdefault(key, len(group_ids))

        for type_ in types:
            name = str(type_["name"])
            kind = str(type_.get("kind"))
            role = roles.get(name, "")
            reach = _reach(name, parents, roots, roles, free)
            if name not in root_scope:
                reach *= _centrality(referred.get(name, 0), central)
            builder.add(
                _Doc(
                    name,
                    _KEYWORDS.get(kind, kind.lower()),
                    _SCOPE_BITS["types"],
                    None,
                    type_,
                    normalized(name),
                    _TYPE_PRIORS.get(role, _TYPE_PRIOR) * reach,
                ),
                name_words=words(name),
                description=type_.get("description"),
            )
            owner_words = words(name)
            op = root_scope.get(name)
            member_prior = _MEMBER_PRIORS.get(role, 1.0) * reach
            for field in type_.get("fields") or []:
                field_name = str(field.get("name"))
                returns = named_type(field.get("type")) or ""
                arg_words = [w for a in field.get("args") or [] for w in words(str(a.get("name")))]
                # What a field takes says what it does: the fields of an input object argument
                # (``customerUpdate(input: {firstName, lastName})`` for "update the customer's name").
                input_words = [
                    w
                    for a in field.get("args") or []
                    for f in input_fields.get(named_type(a.get("type")) or "", ())
                    for w in words(f)
                ]
                # A mutation also says what it does in its arguments' descriptions and its input's fields'.
                context_words = (
                    text_words(
                        " ".join(
                            str(a.get("description") or "")[:200]
                            + " "
                            + input_texts.get(named_type(a.get("type")) or "", "")
                            for a in field.get("args") or []
                        )[:1200]
                    )
                    if op == "mutation"
                    else []
                )
                builder.add_member(
                    name,
                    field,
                    op or "field",
                    _SCOPE_BITS[_ROOT_SCOPES[op]] if op else _SCOPE_BITS["fields"],
                    (_ROOT_PRIOR if f"{name}.{field_name}" in free else _LOOKUP_PRIOR) * reach
                    if op
                    else member_prior,
                    group=group(name, field_name),
                    shapes=field_shapes(field_name, returns),
                    owner_words=() if op else owner_words,
                    returns_words=words(returns),
                    argument_words=arg_words,
                    input_words=input_words,
                    context_words=context_words,
                )
            for field in type_.get("inputFields") or []:
                builder.add_member(
                    name,
                    field,
                    "input field",
                    _SCOPE_BITS["fields"],
                    _INPUT_FIELD_PRIOR * member_prior,
                    owner_words=owner_words,
                    returns_words=words(named_type(field.get("type")) or ""),
                )
            for value in type_.get("enumValues") or []:
                builder.add_member(
                    name,
                    value,
                    "enum value",
                    _SCOPE_BITS["fields"],
                    _ENUM_VALUE_PRIOR * reach,
                    owner_words=owner_words,
                )
        return cls(builder, parents=parents, roots=roots, verbs=schema_verbs(types, roots, roles))

    # --------------------------------------------------------------------------------------- query

    def search(self, query: str, *, scope: Scope = "all", limit: int = 10) -> list[SearchHit]:
        """The ``limit`` best hits for ``query`` within ``scope``, best first."""
        mask = _ALL if scope == "all" else _SCOPE_BITS[scope]
        terms, extra = query_terms(query)
        if not terms or limit <= 0:
            return []
        intent = intent_of(query, self._verbs)
        # "what mutation closes an issue" asks to do something; "which field ...", "query to ..." about data.
        element = asked_element(query)
        if element is not None:
            intent = "action" if element == "mutation" else "attribute"
        wanted_shape = asked_shape(query)
        owner_terms = owner_phrase(query)
        key = lookup_key(query)
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        # Words matched only through an equivalent ("move" for ``transferIssue``) count as partly covered.
        loose: dict[int, int] = {}
        for position, term in enumerate([*terms, *extra]):
            bit = 1 << position if position < len(terms) else 0
            factor_scale = 1.0 if bit else 0.5
            for doc, weight in self._context.get(term, ()):
                # What a mutation's input says ("the emoji to react with" for ``addReaction``): a match at a
                # low weight, so a mutation named otherwise is found, behind those named with the words.
                scores[doc] = scores.get(doc, 0.0) + weight * factor_scale
                matched[doc] = matched.get(doc, 0) | bit
            for expansion, factor, cover in self._expand(term):
                covers = matched if cover == "full" else loose if cover == "half" else None
                for doc, weight in self._postings[expansion]:
                    scores[doc] = scores.get(doc, 0.0) + weight * factor * factor_scale
                    if covers is not None:
                        covers[doc] = covers.get(doc, 0) | bit
        wanted = normalized(query)
        exact = self._by_coordinate.get(query.strip().lower())
        if exact is not None:
            scores[exact] = scores.get(exact, 0.0) + _EXACT_BONUS * 4
            matched[exact] = (1 << len(terms)) - 1
        count = len(terms)
        docs = self._docs
        priors = self._priors
        scopes = self._scopes
        # The base score first (matches, coverage, prior), then the adjustments for the best of them only:
        # together they multiply a score by at most about ten, so the leaders are among the first few hundred.
        base = [
            (raw * _coverage(matched.get(doc_id, 0), loose.get(doc_id, 0), count) * priors[doc_id], doc_id)
            for doc_id, raw in scores.items()
            if scopes[doc_id] & mask and doc_id != exact
        ]
        if exact is not None and scopes[exact] & mask:
            base.append((math.inf, exact))
        ranked: list[tuple[float, str, int]] = []
        for score, doc_id in heapq.nlargest(_CANDIDATES, base):
            entry = docs[doc_id]
            if score == math.inf:
                score = scores[doc_id] * _coverage(matched[doc_id], 0, count) * entry.prior
            if entry.kind == "mutation" and intent != "neutral":
                score *= _ACTION_BOOST if intent == "action" else _ATTRIBUTE_DAMP
            if wanted_shape is not None and wanted_shape in entry.shapes:
                score *= _SHAPE_BOOST
            if (element == "type" and entry.owner is None) or (element == "query" and entry.kind == "query"):
                score *= _ELEMENT_BOOST  # "what type represents a commit", "query to fetch an order"
            elif (owner_terms or element == "field") and entry.owner is None:
                score *= _PART_OF_DAMP  # "transactions of an order" asks for a member, not a type
            if key and key <= entry.arguments:
                score *= _LOOKUP_BOOST  # "an order by id": a field that takes an id
            if (
                owner_terms
                and intent != "action"
                and entry.owner is not None
                and names_type(owner_terms, self._owner_words[doc_id])
            ):
                score *= _OWNER_BOOST
            if entry.normalized == wanted:
                score = (
                    score * (_EXACT_NAME if entry.owner is None else _EXACT_MEMBER)
                    + _EXACT_BONUS * entry.prior
                )
            elif (
                entry.owner is not None
                and wanted.endswith(entry.normalized)
                and self._owner_names[doc_id] + entry.normalized == wanted
            ):
                # "customer email address" is ``Customer.emailAddress``: the field that holds the attribute
                # leads to the type named like it (``CustomerEmailAddress``), so it comes first.
                score = score * _EXACT_NAME * _EXACT_MEMBER + _EXACT_BONUS * entry.prior
            ranked.append((-score, entry.coordinate, doc_id))
        # Rerank the leaders by how much of each name the query covers: ``InvoiceLineItem`` beats
        # ``InvoiceLineItemConnection`` for "invoice line items", and a name equal to the query's words wins.
        query_set = set(terms)
        term_set = query_set | set(extra)
        surface = {w.lower() for w in TEXT_RE.findall(query)}
        rescored: list[tuple[float, str, int]] = []
        for neg, coordinate, doc_id in heapq.nsmallest(max(limit * 8, 80), ranked):
            entry = docs[doc_id]
            own = coordinate if entry.owner is None else coordinate[len(entry.owner) + 1 :]
            name_words = [w for w in words(own) if w not in STOPWORDS]
            score = -neg
            if name_words:
                covered = sum(1 for word in name_words if word in term_set) / len(name_words)
                # A name the query covers only partly is a near miss ("createLinkedBranch" for "create a
                # branch"). A name it does not touch at all was found by its description alone, where the
                # schema says in other words what the question asks: its base score already weighs a
                # description's words below a name's, so it is not cut a second time (cutting it favoured
                # questions worded like the schema's names over those worded otherwise).
                if covered:
                    score *= _NAME_COVERAGE_FLOOR + (1.0 - _NAME_COVERAGE_FLOOR) * covered
                # The name in the query's own word forms ("credit cards" is ``creditCards``, not ``creditCard``).
                raw_words = [w.lower() for w in WORD_RE.findall(own)]
                score *= 1.0 + _SURFACE_BONUS * sum(1 for w in raw_words if w in surface) / len(raw_words)
                named = set(name_words)
                if entry.owner is not None and entry.kind not in ("query", "mutation", "subscription"):
                    named |= set(words(entry.owner))
                if covered == 1.0 and named == query_set:
                    score *= _NAMED_BONUS
            rescored.append((-score, coordinate, doc_id))
        rescored.sort()
        # Fold an interface field with its implementations, and let no type fill the list with look-alike
        # members (``membersCanDelete…Setting``, ``membersCanCreate…Setting``): after two, each further member
        # of the same type weighs less.
        kept: list[tuple[float, str, int]] = []
        folded: set[int] = set()
        per_owner: dict[str, int] = {}
        group_scores: dict[int, list[tuple[float, int]]] = {}
        for neg, _, doc_id in rescored:
            if docs[doc_id].group >= 0:
                group_scores.setdefault(docs[doc_id].group, []).append((-neg, doc_id))
        for neg, coordinate, doc_id in rescored:
            entry = docs[doc_id]
            if entry.group >= 0:
                if entry.group in folded:
                    continue
                folded.add(entry.group)
                doc_id = self._representative(group_scores[entry.group], -neg, query_set)
                coordinate = docs[doc_id].coordinate
                if len(self._groups[entry.group]) > _LARGE_FAMILY:  # ``id``, ``actorLogin``: shared by dozens
                    neg *= _LARGE_FAMILY_DAMP
            if entry.owner is not None and entry.kind not in ("query", "mutation", "subscription"):
                seen = per_owner.get(entry.owner, 0)
                per_owner[entry.owner] = seen + 1
                if seen >= 2:
                    neg *= _CROWDED ** (seen - 1)
            kept.append((neg, coordinate, doc_id))
        return [self._hit(doc_id, -neg) for neg, _, doc_id in heapq.nsmallest(limit, kept)]

    def _representative(self, scored: list[tuple[float, int]], best: float, terms: set[str]) -> int:
        """The member a folded group shows: the best one when the query names its type ("stars of a
        repository": ``Repository.stargazerCount``), else the interface's own field (``Starrable.stargazerCount``,
        ``OrganizationAuditEntryData.organization`` rather than one of its forty implementations)."""
        top = max(scored)[1]
        owner = self._docs[top].owner
        if owner and terms.intersection(words(owner)):
            return top
        group = self._docs[top].group
        interfaces = [i for i in self._groups[group] if self._raw_kind(self._docs[i].owner) == "INTERFACE"]
        return interfaces[0] if interfaces else top

    def _raw_kind(self, type_name: str | None) -> str | None:
        found = self._by_coordinate.get((type_name or "").lower())
        return None if found is None else str(self._docs[found].raw.get("kind"))

    def _expand(self, term: str) -> Iterable[tuple[str, float, _Cover]]:
        """(indexed word, weight, how much of the query word it covers) for a query word: the word and the
        longer words it begins (``auth``: ``authentication``) cover it, its general-English equivalents half,
        and the name words the schema's descriptions use for it (``oid`` for "sha") add to a score only."""
        if term in self._postings:
            yield term, 1.0, "full"
        for other in EQUIVALENTS.get(term, ()):
            if other in self._postings:
                yield other, _EQUIVALENT_WEIGHT, "half"
        for other, strength in self._associations.get(term, ()):
            if other in self._postings:
                yield other, _ASSOCIATED_WEIGHT * strength, "none"
        if len(term) < 3:
            return
        start = bisect_left(self._vocabulary, term)
        taken = 0
        for word in self._vocabulary[start : start + 4 * _MAX_EXPANSIONS]:
            if not word.startswith(term):
                break
            if word != term:
                yield word, _PREFIX_WEIGHT, "full"
                taken += 1
                if taken >= _MAX_EXPANSIONS:
                    break

    def _hit(self, doc_id: int, score: float) -> SearchHit:
        doc = self._docs[doc_id]
        raw = doc.raw
        path: str | None
        if doc.owner is None:
            signature = type_signature(raw)
            path = self.path_to(doc.coordinate)
        else:
            if doc.kind == "enum value":
                signature = doc.coordinate
            elif doc.kind == "input field":
                signature = input_value_signature(raw)
            else:
                signature = field_signature(raw, compact=True)
            steps = self._steps(doc.owner)
            path = None if steps is None else " -> ".join([*steps, doc.coordinate])
        also = (
            tuple(sorted(self._docs[i].coordinate for i in self._groups[doc.group] if i != doc_id))
            if doc.group >= 0
            else ()
        )
        return SearchHit(
            coordinate=doc.coordinate,
            kind=doc.kind,
            signature=signature,
            description=one_line(raw.get("description"), _DESCRIPTION_CHARS),
            deprecated=bool(raw.get("isDeprecated")),
            deprecation_reason=raw.get("deprecationReason") if raw.get("isDeprecated") else None,
            path=path,
            score=round(score, 3),
            also=also,
        )

    # --------------------------------------------------------------------------------------- paths

    def _steps(self, type_name: str) -> list[str] | None:
        """The coordinates walked from a root to ``type_name`` (empty for a root), ``None`` if unreachable."""
        if type_name in self._roots.values():
            return []
        steps: list[str] = []
        current = type_name
        while current not in self._roots.values():
            parent = self._parents.get(current)
            if parent is None or len(steps) > 64:
                return None
            current, label = parent
            if current not in self._pagination:  # ``XConnection.nodes`` goes without saying
                steps.append(label)
        return steps[::-1]

    def path_to(self, type_name: str) -> str | None:
        """``Query.stacks -> Stack.runs -> Run``: the shortest way from a root operation to a type."""
        steps = self._steps(type_name)
        if steps is None:
            return None
        return " -> ".join([*steps, type_name])


def _coverage(matched: int, loose: int, count: int) -> float:
    """The share of its score a document keeps for matching some of the query's ``count`` words: ``matched``
    holds the bits of the words it has (or a longer form of), ``loose`` those it has only an equivalent of."""
    covered = matched.bit_count() + _EQUIVALENT_COVER * (loose & ~matched).bit_count()
    return float((covered / count) ** _COVERAGE_POWER)


def _reach(
    type_name: str,
    parents: Mapping[str, tuple[str, str]],
    roots: Mapping[str, str],
    roles: Mapping[str, str],
    free: frozenset[str],
) -> float:
    """The prior factor of a type and its members by how far the type is from a root: pagination types not
    counted, a step from an interface or union to one of its types counted thrice, a root field with required
    arguments counted twice (``free`` holds those without), unreachable types least."""
    depth = 0
    for _ in range(64):
        if type_name in roots.values():
            break
        parent = parents.get(type_name)
        if parent is None:
            return _UNREACHABLE
        type_name, label = parent
        if "." not in label:  # from an interface or union to a member: ``Query.node -> Node -> X`` is far
            depth += _ABSTRACT_HOP
        elif roles.get(type_name) not in ("connection", "edge"):
            depth += 1
        if type_name in roots.values() and label not in free:
            depth += 1  # a root field that needs an id is one step further than the caller's own ``customer``
    return 1.0 / (1.0 + _DEPTH_DAMP * depth)


def _central_referrers(referred: Mapping[str, int]) -> int:
    counts = sorted(referred.values())
    return max(counts[int(len(counts) * _CENTRAL_QUANTILE)] if counts else 1, 2)


def _centrality(referrers: int, central: int) -> float:
    """The prior factor of a type and its members by how many other types refer to it (see
    :func:`~monitor.core.schema_graph.referrers`): 1 for a central type, ``1 - _PERIPHERAL`` for an orphan."""
    share = min(math.log1p(referrers) / math.log1p(central), 1.0)
    return 1.0 - _PERIPHERAL * (1.0 - share)


class _Builder:
    """Collects documents and their weighted words, then turns them into idf-weighted postings."""

    def __init__(self) -> None:
        self.docs: list[_Doc] = []
        self._raw: dict[str, dict[int, float]] = {}
        self._descriptions: dict[str, list[tuple[str, float]]] = {}
        self._described: set[tuple[tuple[str, ...], str]] = set()
        self._context: dict[str, dict[int, float]] = {}

    def add_member(
        self,
        owner: str,
        entry: Mapping[str, Any],
        kind: str,
        scope: int,
        prior: float,
        *,
        group: int = -1,
        shapes: frozenset[str] = frozenset(),
        owner_words: Iterable[str],
        returns_words: Iterable[str] = (),
        argument_words: Sequence[str] = (),
        input_words: Iterable[str] = (),
        context_words: Iterable[str] = (),
    ) -> None:
        """Add a field, input field or enum value (``entry``) of type ``owner``; a deprecated one weighs less."""
        member = str(entry.get("name"))
        prior *= _DEPRECATED if entry.get("isDeprecated") else 1.0
        self.add(
            _Doc(
                f"{owner}.{member}",
                kind,
                scope,
                owner,
                entry,
                normalized(member),
                prior,
                group,
                shapes,
                frozenset(argument_words),
            ),
            name_words=words(member),
            owner_words=owner_words,
            returns_words=returns_words,
            argument_words=argument_words,
            input_words=input_words,
            context_words=context_words,
            description=entry.get("description"),
        )

    def add(
        self,
        doc: _Doc,
        *,
        name_words: Iterable[str],
        owner_words: Iterable[str] = (),
        returns_words: Iterable[str] = (),
        argument_words: Iterable[str] = (),
        input_words: Iterable[str] = (),
        context_words: Iterable[str] = (),
        description: Any = None,
    ) -> None:
        doc_id = len(self.docs)
        self.docs.append(doc)
        # Lightest group first: a word in several groups keeps the weight of the heaviest.
        weights: dict[str, float] = dict.fromkeys(input_words, _W_INPUT)
        weights.update(dict.fromkeys(argument_words, _W_ARGUMENT))
        for group, weight in ((owner_words, _W_OWNER), (returns_words, _W_RETURNS), (name_words, _W_NAME)):
            for word in group:
                weights[word] = weight
        if isinstance(description, str) and description:
            self._described.add((tuple(name_words), description))
            for word, weight in self._description(description):
                weights[word] = max(weights.get(word, 0.0), weight) + (
                    0.1 * weight if word in weights else 0.0
                )
        for word in context_words:
            if word not in weights:
                self._context.setdefault(word, {})[doc_id] = _W_CONTEXT
        raw = self._raw
        for word, weight in weights.items():
            entries = raw.get(word)
            if entries is None:
                raw[word] = {doc_id: weight}
            else:
                entries[doc_id] = weight

    def _description(self, description: str) -> list[tuple[str, float]]:
        """Weighted words of a description (cached: schemas repeat descriptions a lot)."""
        cached = self._descriptions.get(description)
        if cached is None:
            found = text_words(description[:600])
            damp = 1.0 / (1.0 + len(found) / 30.0)
            counts: dict[str, int] = {}
            for word in found:
                counts[word] = counts.get(word, 0) + 1
            cached = [(word, _W_DESCRIPTION * (1.0 + math.log(n)) * damp) for word, n in counts.items()]
            self._descriptions[description] = cached
        return cached

    def associations(self) -> Mapping[str, tuple[tuple[str, float], ...]]:
        """Description word -> the name words it goes with (see :mod:`monitor.core.associations`)."""
        return name_associations(
            (name, (word for word, _ in self._description(text))) for name, text in self._described
        )

    def finish(self) -> dict[str, list[tuple[int, float]]]:
        """word -> [(document, weight x idf)] for the words of the documents' own text."""
        return self._postings(self._raw)

    def context(self) -> dict[str, list[tuple[int, float]]]:
        """The same for what a mutation's arguments and their input fields say (see :meth:`add`)."""
        return self._postings(self._context)

    def _postings(self, raw: Mapping[str, Mapping[int, float]]) -> dict[str, list[tuple[int, float]]]:
        total = max(len(self.docs), 1)
        postings: dict[str, list[tuple[int, float]]] = {}
        for word, entries in raw.items():
            df = len(self._raw.get(word, ())) + len(self._context.get(word, ()))
            idf = math.log(1.0 + (total - df + 0.5) / (df + 0.5))
            postings[word] = [(doc, weight * idf) for doc, weight in entries.items()]
        return postings
