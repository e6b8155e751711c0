"""Schema search: a ranked index over the names and descriptions of a schema's types and members.

:meth:`SchemaIndex.build` reads an introspection result (no ``GraphQLSchema`` is needed, so a cold index
costs little more than a pass over the JSON) and :meth:`SchemaIndex.search` answers in milliseconds.

Ranking is BM25-flavoured rather than a substring match:

- names are split into words (``WorkerPool``, ``worker_pool`` and ``workerPools`` all give ``worker pool``),
  lower-cased and lightly stemmed (plurals, ``-ing``, ``-ed``), in the index and in the query alike;
- a word weighs more in a name than in the owning type's name, the field's return type, its argument
  names or its description, and rare words weigh more than common ones (``id`` matches everything);
- hits that match every word of the query beat hits that match some; an exact name or coordinate match
  wins outright, and so does a name whose words are the query's (``invoice line items`` is
  ``InvoiceLineItem``); a query word also matches longer words it begins (``auth`` finds ``authentication``);
- the leaders are reranked by how much of their name the query covers, so a type beats the wrappers
  named after it (``InvoiceLineItem`` before ``InvoiceLineItemConnection``);
- deprecated members rank a little lower, types and root fields a little higher.

Every hit carries its path from a root operation (``Query.stacks -> Stack.runs -> Run``), found by a
breadth-first walk over output fields, arguments, input fields, union members and implementations: from
the query root first, so a type a query can read is shown that way even when a mutation returns it.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

Scope = Literal["all", "queries", "mutations", "subscriptions", "types", "fields"]

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
_W_OWNER: Final = 0.6
_W_RETURNS: Final = 0.9
_W_ARGUMENT: Final = 0.4
_W_DESCRIPTION: Final = 0.8
_PREFIX_WEIGHT: Final = 0.45
_MAX_EXPANSIONS: Final = 12
_EXACT_BONUS: Final = 4.0
#: A name the query covers only partly keeps this share of its score (all of it when fully covered).
_NAME_COVERAGE_FLOOR: Final = 0.75

_TYPE_KINDS: Final = {
    "OBJECT": "type",
    "INTERFACE": "interface",
    "UNION": "union",
    "ENUM": "enum",
    "INPUT_OBJECT": "input",
    "SCALAR": "scalar",
}
_KEYWORDS: Final = {
    "OBJECT": "type",
    "INTERFACE": "interface",
    "UNION": "union",
    "ENUM": "enum",
    "INPUT_OBJECT": "input",
    "SCALAR": "scalar",
}
_BUILTIN_SCALARS: Final = frozenset({"String", "Int", "Float", "Boolean", "ID"})
_STOPWORDS: Final = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "then",
        "this",
        "to",
        "was",
        "were",
        "when",
        "which",
        "will",
        "with",
        "you",
        "your",
    ]
)
_WORD_RE: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_TEXT_RE: Final = re.compile(r"[A-Za-z0-9]+")
_NORMALIZE_RE: Final = re.compile(r"[^a-z0-9]")


# ------------------------------------------------------------------------------------------- words


def stem(word: str) -> str:
    """A light English stemmer: plurals, ``-ing``, ``-ed`` and a final ``-e``; the same on both sides of a
    match, so ``invoice``, ``invoices`` and ``invoiced`` all give ``invoic``."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x")):
        if word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    else:
        for suffix in ("ing", "ed"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                if len(word) >= 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                    word = word[:-1]
                return word
    if word.endswith("e") and len(word) > 4:
        return word[:-1]
    return word


_word_cache: dict[str, tuple[str, ...]] = {}


def words(text: str) -> tuple[str, ...]:
    """The stemmed, lower-case words of an identifier or a phrase (camelCase and snake_case split)."""
    cached = _word_cache.get(text)
    if cached is not None:
        return cached
    out = tuple(stem(w.lower()) for w in _WORD_RE.findall(text))
    if len(_word_cache) < 200_000:
        _word_cache[text] = out
    return out


def _text_words(text: str) -> list[str]:
    """Words of a description: every token split like an identifier, stop words dropped."""
    out: list[str] = []
    for token in _TEXT_RE.findall(text):
        for word in words(token):
            if word not in _STOPWORDS:
                out.append(word)
    return out


_normalized_cache: dict[str, str] = {}


def _normalized(name: str) -> str:
    """``name`` lower-cased without separators (cached: member names repeat across types)."""
    found = _normalized_cache.get(name)
    if found is None:
        found = _NORMALIZE_RE.sub("", name.lower())
        if len(_normalized_cache) < 200_000:
            _normalized_cache[name] = found
    return found


def one_line(description: str | None, limit: int = 200) -> str:
    """The first paragraph of a description on one line, cut at ``limit`` characters."""
    if not description:
        return ""
    first = description.strip().split("\n\n", 1)[0]
    text = " ".join(first.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ------------------------------------------------------------------------------------------- type refs


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


def input_value_signature(value: Mapping[str, Any]) -> str:
    """``first: Int = 10 @deprecated`` for an argument or input field."""
    text = f"{value.get('name')}: {type_ref(value.get('type'))}"
    if value.get("defaultValue") is not None:
        text += f" = {value['defaultValue']}"
    if value.get("isDeprecated"):
        text += " @deprecated"
    return text


def field_signature(field: Mapping[str, Any]) -> str:
    """``runs(first: Int = 10, state: RunState): [Run!]!``."""
    args = field.get("args") or []
    inner = f"({', '.join(input_value_signature(a) for a in args)})" if args else ""
    return f"{field.get('name')}{inner}: {type_ref(field.get('type'))}"


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
    """One ranked result. ``path`` is ``None`` when no root operation reaches the element."""

    coordinate: str
    kind: str
    signature: str
    description: str
    deprecated: bool
    deprecation_reason: str | None
    path: str | None
    score: float


@dataclass(frozen=True, slots=True)
class _Doc:
    coordinate: str
    kind: str
    scope: int
    owner: str | None  # the type a member belongs to
    raw: Mapping[str, Any]  # the introspection entry (type, field, input field or enum value)
    normalized: str  # the name, lower-case, separators dropped
    prior: float


class SchemaIndex:
    """Search over one schema. Build with :meth:`build`; immutable and thread-safe afterwards."""

    def __init__(
        self,
        docs: list[_Doc],
        postings: dict[str, list[tuple[int, float]]],
        parents: dict[str, tuple[str, str]],
        roots: dict[str, str],
    ) -> None:
        self._docs = docs
        self._postings = postings
        self._vocabulary = sorted(postings)
        self._parents = parents
        self._roots = roots
        self._by_coordinate = {d.coordinate.lower(): i for i, d in enumerate(docs)}

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
        builder = _Builder()
        for type_ in types:
            name = str(type_["name"])
            kind = str(type_.get("kind"))
            builder.add(
                _Doc(
                    name,
                    _TYPE_KINDS.get(kind, kind.lower()),
                    _SCOPE_BITS["types"],
                    None,
                    type_,
                    _normalized(name),
                    1.15,
                ),
                name_words=words(name),
                description=type_.get("description"),
            )
            owner_words = words(name)
            op = root_scope.get(name)
            for field in type_.get("fields") or []:
                field_name = str(field.get("name"))
                returns = named_type(field.get("type")) or ""
                arg_words = [w for a in field.get("args") or [] for w in words(str(a.get("name")))]
                member_kind = op or "field"
                builder.add(
                    _Doc(
                        f"{name}.{field_name}",
                        member_kind,
                        _SCOPE_BITS[_ROOT_SCOPES[op]] if op else _SCOPE_BITS["fields"],
                        name,
                        field,
                        _normalized(field_name),
                        (1.1 if op else 1.0) * (0.7 if field.get("isDeprecated") else 1.0),
                    ),
                    name_words=words(field_name),
                    owner_words=() if op else owner_words,
                    returns_words=words(returns),
                    argument_words=arg_words,
                    description=field.get("description"),
                )
            for field in type_.get("inputFields") or []:
                field_name = str(field.get("name"))
                builder.add(
                    _Doc(
                        f"{name}.{field_name}",
                        "input field",
                        _SCOPE_BITS["fields"],
                        name,
                        field,
                        _normalized(field_name),
                        0.9 * (0.7 if field.get("isDeprecated") else 1.0),
                    ),
                    name_words=words(field_name),
                    owner_words=owner_words,
                    returns_words=words(named_type(field.get("type")) or ""),
                    description=field.get("description"),
                )
            for value in type_.get("enumValues") or []:
                value_name = str(value.get("name"))
                builder.add(
                    _Doc(
                        f"{name}.{value_name}",
                        "enum value",
                        _SCOPE_BITS["fields"],
                        name,
                        value,
                        _normalized(value_name),
                        0.8 * (0.7 if value.get("isDeprecated") else 1.0),
                    ),
                    name_words=words(value_name),
                    owner_words=owner_words,
                    description=value.get("description"),
                )
        return cls(builder.docs, builder.finish(), _root_paths(types, roots), roots)

    # --------------------------------------------------------------------------------------- query

    def search(self, query: str, *, scope: Scope = "all", limit: int = 10) -> list[SearchHit]:
        """The ``limit`` best hits for ``query`` within ``scope``, best first."""
        mask = _ALL if scope == "all" else _SCOPE_BITS[scope]
        terms = list(dict.fromkeys(_text_words(query))) or list(dict.fromkeys(words(query)))
        if not terms or limit <= 0:
            return []
        terms = terms[:12]
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        for position, term in enumerate(terms):
            bit = 1 << position
            for expansion, factor in self._expand(term):
                for doc, weight in self._postings[expansion]:
                    scores[doc] = scores.get(doc, 0.0) + weight * factor
                    matched[doc] = matched.get(doc, 0) | bit
        wanted = _normalized(query)
        exact = self._by_coordinate.get(query.strip().lower())
        if exact is not None:
            scores[exact] = scores.get(exact, 0.0) + _EXACT_BONUS * 4
            matched[exact] = (1 << len(terms)) - 1
        count = len(terms)
        ranked: list[tuple[float, str, int]] = []
        docs = self._docs
        for doc_id, raw in scores.items():
            entry = docs[doc_id]
            if not entry.scope & mask:
                continue
            coverage = matched[doc_id].bit_count() / count
            score = raw * coverage * coverage * entry.prior
            if entry.normalized == wanted:
                score += _EXACT_BONUS * entry.prior
            ranked.append((-score, entry.coordinate, doc_id))
        # Rerank the leaders by how much of each name the query covers: ``InvoiceLineItem`` beats
        # ``InvoiceLineItemConnection`` for "invoice line items", and a name equal to the query's words wins.
        query_words = words(query)
        term_set = set(terms)
        rescored: list[tuple[float, str, int]] = []
        for neg, coordinate, doc_id in heapq.nsmallest(max(limit * 5, 50), ranked):
            entry = docs[doc_id]
            name_words = words(coordinate if entry.owner is None else coordinate[len(entry.owner) + 1 :])
            score = -neg
            if name_words:
                covered = sum(1 for word in name_words if word in term_set) / len(name_words)
                score *= _NAME_COVERAGE_FLOOR + (1.0 - _NAME_COVERAGE_FLOOR) * covered
                if name_words == query_words and entry.normalized != wanted:
                    score += _EXACT_BONUS * entry.prior
            rescored.append((-score, coordinate, doc_id))
        best = heapq.nsmallest(limit, rescored)
        return [self._hit(doc_id, -neg) for neg, _, doc_id in best]

    def _expand(self, term: str) -> Iterable[tuple[str, float]]:
        if term in self._postings:
            yield term, 1.0
        if len(term) < 3:
            return
        start = bisect_left(self._vocabulary, term)
        taken = 0
        for word in self._vocabulary[start : start + 4 * _MAX_EXPANSIONS]:
            if not word.startswith(term):
                break
            if word != term:
                yield word, _PREFIX_WEIGHT
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
        elif doc.kind == "enum value":
            signature = doc.coordinate
            owner_path = self.path_to(doc.owner)
            path = None if owner_path is None else f"{owner_path} -> {doc.coordinate}"
        else:
            signature = field_signature(raw) if doc.kind != "input field" else input_value_signature(raw)
            steps = self._steps(doc.owner)
            returns = named_type(raw.get("type")) or "?"
            path = None if steps is None else " -> ".join([*steps, doc.coordinate, returns])
        return SearchHit(
            coordinate=doc.coordinate,
            kind=doc.kind,
            signature=signature,
            description=one_line(raw.get("description")),
            deprecated=bool(raw.get("isDeprecated")),
            deprecation_reason=raw.get("deprecationReason") if raw.get("isDeprecated") else None,
            path=path,
            score=round(score, 3),
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
            steps.append(label)
        return steps[::-1]

    def path_to(self, type_name: str) -> str | None:
        """``Query.stacks -> Stack.runs -> Run``: the shortest way from a root operation to a type."""
        steps = self._steps(type_name)
        if steps is None:
            return None
        return " -> ".join([*steps, type_name])


class _Builder:
    """Collects documents and their weighted words, then turns them into idf-weighted postings."""

    def __init__(self) -> None:
        self.docs: list[_Doc] = []
        self._raw: dict[str, dict[int, float]] = {}
        self._descriptions: dict[str, list[tuple[str, float]]] = {}

    def add(
        self,
        doc: _Doc,
        *,
        name_words: Iterable[str],
        owner_words: Iterable[str] = (),
        returns_words: Iterable[str] = (),
        argument_words: Iterable[str] = (),
        description: Any = None,
    ) -> None:
        doc_id = len(self.docs)
        self.docs.append(doc)
        # Lightest group first: a word in several groups keeps the weight of the heaviest.
        weights: dict[str, float] = dict.fromkeys(argument_words, _W_ARGUMENT) if argument_words else {}
        for group, weight in ((owner_words, _W_OWNER), (returns_words, _W_RETURNS), (name_words, _W_NAME)):
            for word in group:
                weights[word] = weight
        if isinstance(description, str) and description:
            for word, weight in self._description(description):
                weights[word] = max(weights.get(word, 0.0), weight) + (
                    0.1 * weight if word in weights else 0.0
                )
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
            found = _text_words(description[:600])
            damp = 1.0 / (1.0 + len(found) / 30.0)
            counts: dict[str, int] = {}
            for word in found:
                counts[word] = counts.get(word, 0) + 1
            cached = [(word, _W_DESCRIPTION * (1.0 + math.log(n)) * damp) for word, n in counts.items()]
            self._descriptions[description] = cached
        return cached

    def finish(self) -> dict[str, list[tuple[int, float]]]:
        total = max(len(self.docs), 1)
        postings: dict[str, list[tuple[int, float]]] = {}
        for word, entries in self._raw.items():
            df = len(entries)
            idf = math.log(1.0 + (total - df + 0.5) / (df + 0.5))
            postings[word] = [(doc, weight * idf) for doc, weight in entries.items()]
        return postings


def _root_paths(types: list[Mapping[str, Any]], roots: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """type name -> (previous type, step label) on a shortest path from a root (query roots first)."""
    by_name = {str(t["name"]): t for t in types}
    parents: dict[str, tuple[str, str]] = {}
    seen = set(roots.values())
    # One breadth-first walk per root, queries first: a type readable through a query gets that path even
    # when a mutation returns it directly (an assistant exploring an API reads before it writes).
    for op in ("query", "mutation", "subscription"):
        frontier = [roots[op]] if op in roots else []
        while frontier:
            following: list[str] = []
            for name in frontier:
                type_ = by_name.get(name)
                if type_ is None:
                    continue
                for target, label in _edges(name, type_):
                    if target not in seen and target in by_name:
                        seen.add(target)
                        parents[target] = (name, label)
                        following.append(target)
            frontier = following
    return parents


def _edges(name: str, type_: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for field in type_.get("fields") or []:
        target = named_type(field.get("type"))
        if target:
            yield target, f"{name}.{field.get('name')}"
    for field in type_.get("fields") or []:
        for arg in field.get("args") or []:
            target = named_type(arg.get("type"))
            if target:
                yield target, f"{name}.{field.get('name')}({arg.get('name')}:)"
    for field in type_.get("inputFields") or []:
        target = named_type(field.get("type"))
        if target:
            yield target, f"{name}.{field.get('name')}"
    for possible in type_.get("possibleTypes") or []:
        if possible.get("name"):
            yield str(possible["name"]), name
