"""What a search query says: its words (split like identifiers, Snowball-stemmed, function and question words
dropped), whether it asks to do something or about an attribute, what kind of answer its question word wants,
and which type it names as the holder ("members of an organization").

Pure functions over strings; :mod:`monitor.core.search` applies the same word functions to the schema's names
and descriptions, so both sides of a match agree.
"""

from __future__ import annotations

import functools
import re
from typing import Final, Literal

import snowballstemmer  # type: ignore[import-untyped]

#: Function words, dropped from descriptions and queries alike.
STOPWORDS: Final = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
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
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "those",
        "to",
        "was",
        "were",
        "when",
        "which",
        "will",
        "with",
        "you",
        "your",
    }
)
#: Words that shape a question rather than name what it is about ("how do I list ...", "what is my ...", "get
#: the ..."): dropped from queries (they are common in descriptions too, so they only add noise).
QUESTION_WORDS: Final = frozenset(
    {
        "how",
        "what",
        "who",
        "whom",
        "whose",
        "where",
        "why",
        "do",
        "does",
        "did",
        "done",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "our",
        "us",
        "am",
        "can",
        "could",
        "should",
        "would",
        "want",
        "need",
        "some",
        "any",
        "all",
        "every",
        "each",
        "list",
        "get",
        "show",
        "find",
        "fetch",
        "read",
        "see",
        "look",
        "up",
        "give",
        "tell",
        "about",
        "please",
        "many",
        "much",
        "whether",
        "let",
        "lets",
        "retrieve",
        "obtain",
        "way",
        "know",
        "best",
        "specific",
        "particular",
        "certain",
        "tells",
        "represent",
        "represents",
        "describe",
        "describes",
    }
)
#: What is left of "what's", "product's", "don't" once split into words.
_CONTRACTIONS: Final = frozenset({"s", "t", "re", "ve", "ll", "d", "m"})
#: What a first-person query means when nothing else is left of it ("me", "who am I"): the Relay-style viewer.
_SELF_WORDS: Final = ("viewer", "current", "authenticated")
WORD_RE: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
TEXT_RE: Final = re.compile(r"[A-Za-z0-9]+")
_NORMALIZE_RE: Final = re.compile(r"[^a-z0-9]")


_STEMMER: Final = snowballstemmer.stemmer("english")
_stem_cache: dict[str, str] = {}


def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lower-case word, the same on both sides of a match:
    ``invoice``, ``invoices`` and ``invoiced`` all give ``invoic``."""
    found = _stem_cache.get(word)
    if found is None:
        found = word if word.isdigit() else str(_STEMMER.stemWord(word))
        if len(_stem_cache) < 200_000:
            _stem_cache[word] = found
    return found


_word_cache: dict[str, tuple[str, ...]] = {}


def words(text: str) -> tuple[str, ...]:
    """The stemmed, lower-case words of an identifier or a phrase (camelCase and snake_case split)."""
    cached = _word_cache.get(text)
    if cached is not None:
        return cached
    out = tuple(stem(w.lower()) for w in WORD_RE.findall(text))
    if len(_word_cache) < 200_000:
        _word_cache[text] = out
    return out


def text_words(text: str) -> list[str]:
    """Words of a description: every token split like an identifier, stop words dropped."""
    out: list[str] = []
    for token in TEXT_RE.findall(text):
        for word in words(token):
            if word not in STOPWORDS:
                out.append(word)
    return out


_normalized_cache: dict[str, str] = {}


def normalized(name: str) -> str:
    """``name`` lower-cased without separators (cached: member names repeat across types)."""
    found = _normalized_cache.get(name)
    if found is None:
        found = _NORMALIZE_RE.sub("", name.lower())
        if len(_normalized_cache) < 200_000:
            _normalized_cache[name] = found
    return found


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """The query's content words (each must match for full coverage) and optional hint words.

    Question words are dropped ("how do I list ..."); "how many" and "number of" hint at a ``...Count`` field;
    a query that is only about its asker ("me", "who am I") means the viewer.
    """
    tokens = TEXT_RE.findall(query)
    lowered = [w.lower() for w in tokens]
    extra: list[str] = []
    joined = " ".join(lowered)
    if "how many" in joined or "number of" in joined:
        extra.append("count")
    element = _element_word(lowered)
    terms = [
        w
        for position, token in enumerate(tokens)
        if token.lower() not in STOPWORDS
        and token.lower() not in QUESTION_WORDS
        and token.lower() not in _CONTRACTIONS
        and position != element
        for w in words(token)
        if w not in STOPWORDS
    ]
    if not terms:
        if any(token in ("me", "i", "my", "myself", "am", "whoami") for token in lowered):
            terms = [stem(w) for w in _SELF_WORDS]
        else:
            terms = [w for token in lowered for w in words(token)]
    terms = list(dict.fromkeys(terms))[:12]
    return terms, [w for w in extra if w not in terms]


#: What a question calls the element it asks for, in GraphQL's own words ("which field tells me ...", "what
#: mutation closes an issue", "query to fetch an order", "what type represents a commit").
_ELEMENT_WORDS: Final = {
    "field": "field",
    "fields": "field",
    "property": "field",
    "attribute": "field",
    "mutation": "mutation",
    "mutations": "mutation",
    "query": "query",
    "queries": "query",
    "endpoint": "query",
    "type": "type",
    "types": "type",
    "object": "type",
    "enum": "type",
    "interface": "type",
    "union": "type",
    "api": "any",
    "graphql": "any",
}


def _element_word(lowered: list[str]) -> int | None:
    """The position of the word naming the kind of element asked for: the question's first content word, when
    it is one of :data:`_ELEMENT_WORDS` and not "X of ..." ("type of a discount" asks for a discount's type)."""
    for position, token in enumerate(lowered):
        if token in STOPWORDS or token in QUESTION_WORDS or token in ("there", "s"):
            continue
        following = lowered[position + 1 : position + 2]
        if token in _ELEMENT_WORDS and following and following[0] != "of":
            return position
        return None
    return None


def asked_element(query: str) -> Literal["field", "mutation", "query", "type"] | None:
    """The kind of schema element a question names itself ("which field ...", "what mutation ...", "query to
    ...", "what type ..."), or ``None``; the word is not one of the question's terms."""
    lowered = [w.lower() for w in TEXT_RE.findall(query)]
    position = _element_word(lowered)
    kind = None if position is None else _ELEMENT_WORDS[lowered[position]]
    if kind in ("field", "mutation", "query", "type"):
        return kind  # type: ignore[return-value]
    return None


#: Words plain English (and the usual wording of software interfaces) uses for the same thing or the same
#: action, whatever the API: "make a new X" is "create an X", "move" is "transfer", "ask for" is "request".
#: General vocabulary only, no API's own terms: a query word also finds its equivalents, at a lower weight.
#: Light verbs whose sense is their object's ("make a card the default", "take", "do") are in no group.
_EQUIVALENT_GROUPS: Final = (
    ("create", "add", "new", "insert"),
    ("delete", "remove", "destroy", "erase"),
    ("update", "edit", "change", "modify", "alter"),
    ("move", "transfer", "relocate"),
    ("ask", "request"),
    ("cancel", "abort"),
    ("start", "begin", "launch"),
    ("stop", "halt"),
    ("search", "query", "lookup"),
    ("image", "picture", "photo"),
    ("price", "cost"),
    ("hash", "checksum", "digest"),
    ("identifier", "id"),
    ("approve", "accept"),
    ("reject", "decline"),
)


def _equivalents() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group in _EQUIVALENT_GROUPS:
        stems = list(dict.fromkeys(stem(w) for w in group))
        for word in stems:
            out[word] = tuple(w for w in stems if w != word)
    return out


EQUIVALENTS: Final = _equivalents()


_INTERROGATIVES: Final = frozenset(
    {
        "who",
        "whom",
        "whose",
        "what",
        "which",
        "when",
        "where",
        "why",
        "is",
        "are",
        "was",
        "were",
        "does",
        "did",
        "has",
        "have",
    }
)
_DETERMINERS: Final = frozenset(
    {
        "a",
        "an",
        "the",
        "my",
        "our",
        "this",
        "that",
        "these",
        "those",
        "some",
        "new",
        "another",
        "your",
        "their",
    }
    | {"its", "his", "her", "up", "out", "off", "someone", "something"}
)
_LEADS: Final = ("how do i", "how can i", "how to", "how do we", "i want to", "i need to", "please", "can i")


_OWNER_PHRASE: Final = re.compile(
    r"\b(?:of|in|on|for)\s+(?:(?:a|an|the|this|that|my|our|its|their)\s+)?(.+)$", re.I
)


_HAVE_PHRASE: Final = re.compile(
    r"\b(?:does|do|did|can|could)\s+(?:(?:a|an|the|this|that|my|our|its|their)\s+)?(.+?)\s+(?:have|has|had)\b",
    re.I,
)
_POSSESSIVE: Final = re.compile(
    r"\b(?:a|an|the|this|that|my|our|its|their)\s+((?:[A-Za-z]+\s+){0,2}[A-Za-z]+)(?:'s|’s)\s+\w", re.I
)
#: "who merged the pull request", "which user opened the issue", "when was the order placed", "is the
#: repository archived", "has my package been delivered": the thing after the question word and its verb.
_ASKED_OF: Final = re.compile(
    r"^(?:who|whom|what|which(?:\s+\w+)?)\s+\w+\s+(?:a|an|the|this|that|my|our|its|their)\s+"
    r"((?:[A-Za-z0-9]+\s+){0,2}[A-Za-z0-9]+)$"
    r"|^(?:(?:when|where|why|how)\s+)?(?:is|was|are|were|has|have|had|did|does|do)\s+"
    r"(?:a|an|the|this|that|my|our|its|their)\s+((?:[A-Za-z0-9]+\s+){0,2}?[A-Za-z0-9]+)"
    r"(?:\s+(?:been|being))?\s+\w+$",
    re.I,
)
_LEADING_POSSESSIVE: Final = re.compile(r"^((?:[A-Za-z]+\s+){0,2}[A-Za-z]+)(?:'s|’s)\s+\w", re.I)


def owner_phrase(query: str) -> frozenset[str]:
    """The words of the thing a question is about when it says so in English: "members of an organization",
    "items in an order", "how many stars does a repository have", "the repository's stars", "who merged the
    pull request", "when was the order placed" (the thing that holds the answer, so its fields come first)."""
    text = query.strip().rstrip("?.")
    found = (
        _OWNER_PHRASE.search(text)
        or _HAVE_PHRASE.search(text)
        or _POSSESSIVE.search(text)
        or _LEADING_POSSESSIVE.search(text)
        or _ASKED_OF.search(text)
    )
    if found is None:
        return frozenset()
    phrase = next(group for group in found.groups() if group)
    tail = [w for token in TEXT_RE.findall(phrase) for w in words(token)]
    tail = [w for w in tail if w not in STOPWORDS and w not in QUESTION_WORDS]
    return frozenset(tail[:3]) if 0 < len(tail) <= 3 else frozenset()


_LOOKUP_PHRASE: Final = re.compile(r"\bby\s+(?:(?:a|an|the|its|their|my)\s+)?(\w+)", re.I)


def lookup_key(query: str) -> frozenset[str]:
    """The words of what a query looks a thing up by ("an order by id", "a product by its handle"): an
    argument of the field that answers."""
    found = _LOOKUP_PHRASE.search(query)
    return frozenset(words(found.group(1))) if found else frozenset()


def names_type(terms: frozenset[str], owner: frozenset[str]) -> bool:
    """Whether the query's words name exactly this type ("a repo" is ``Repository``; it is not
    ``RepositoryVulnerabilityAlert``): each word of one begins a word of the other."""
    return all(any(w.startswith(t) for w in owner) for t in terms) and all(
        any(w.startswith(t) for t in terms) for w in owner
    )


def asked_shape(query: str) -> str | None:
    """The kind of answer a question asks for, from its question word: "who" a person, "when" a time, "is" a
    yes or no, "how many" a number, "how much" an amount, "why" a reason, "where" a place ("where is the order
    shipped"; not "where do I find ...", which asks where in the API, not for a place)."""
    text = " ".join(w.lower() for w in TEXT_RE.findall(query))
    if text.startswith(("how many", "number of")):
        return "count"
    if text.startswith("how much"):
        return "amount"
    first, *rest = text.split(" ") if text else [""]
    if first == "where" and _WHERE_IN_API.intersection(rest[:4]):
        return None
    if first not in _QUESTION_SHAPES and _YES_NO_ASK.search(text):
        return "yes/no"  # "how do I know if a pull request can be merged"
    return _QUESTION_SHAPES.get(first)


#: "know if", "check whether", "find out if": a yes-or-no question put indirectly.
_YES_NO_ASK: Final = re.compile(r"\b(?:know|check|tell|see|find out|determine|verify)\s+(?:if|whether)\b")
#: A request that opens with one of these reads ("list the labels of a repo", "show the customer's orders").
_READ_VERBS: Final = frozenset(
    {
        "get",
        "list",
        "show",
        "fetch",
        "find",
        "read",
        "see",
        "look",
        "retrieve",
        "obtain",
        "display",
        "view",
        "know",
    }
)


#: "where do I find / get / see ...": where in the API, not a place.
_WHERE_IN_API: Final = frozenset({"find", "get", "see", "look", "fetch", "read", "access", "check", "query"})


_QUESTION_SHAPES: Final = {
    "who": "person",
    "whom": "person",
    "when": "time",
    "why": "reason",
    "where": "place",
    "is": "yes/no",
    "are": "yes/no",
    "does": "yes/no",
    "has": "yes/no",
    "can": "yes/no",
}
_PERSON_WORDS: Final = frozenset({"by", "user", "actor", "author", "owner", "person", "custom", "member"})
_TIME_TYPES: Final = ("date", "time")
_AMOUNT_TYPES: Final = ("money", "price", "amount", "decimal", "float", "currency")
_PLACE_WORDS: Final = frozenset({"address", "locat", "countri", "region", "place"})


@functools.lru_cache(maxsize=65_536)
def field_shapes(field_name: str, returns: str) -> frozenset[str]:
    """What a field answers, from its name and its type: a yes/no, a time, a count, an amount, a person, a
    reason, a place. GraphQL naming conventions only (``isArchived``, ``closedAt``, ``totalCount``,
    ``mergedBy``, ``shippingAddress``)."""
    name = words(field_name)
    lowered = returns.lower()
    out: set[str] = set()
    if returns == "Boolean":
        out.add("yes/no")
    if any(t in lowered for t in _TIME_TYPES) or (name and name[-1] in ("at", "on", "date")):
        out.add("time")
    if returns == "Int" or "count" in name:
        out.add("count")
    if any(t in lowered for t in _AMOUNT_TYPES) or returns in ("Int", "Float"):
        out.add("amount")
    if (name and name[-1] == "by") or _PERSON_WORDS.intersection(words(returns)):
        out.add("person")
    if "reason" in name or "reason" in lowered:
        out.add("reason")
    if _PLACE_WORDS.intersection(name) or _PLACE_WORDS.intersection(words(returns)):
        out.add("place")
    return frozenset(out)


def intent_of(query: str, verbs: frozenset[str]) -> Literal["action", "attribute", "neutral"]:
    """Whether a query asks to do something ("close an issue", "how do I add a card"), asks about an
    attribute ("who merged the pull request", "is the repository archived", "how many ..."), or neither
    (keywords). A query is an action when its first word is one of the schema's own verbs (see :func:`schema_verbs`).
    """
    text = " ".join(w.lower() for w in TEXT_RE.findall(query))
    procedural = False
    for lead in _LEADS:
        if text.startswith(lead + " "):
            text = text[len(lead) + 1 :]
            procedural = True
            break
    first = text.split(" ", 1)[0] if text else ""
    if first in _INTERROGATIVES or text.startswith(("how many", "how much")):
        return "attribute"
    if first in _READ_VERBS or _YES_NO_ASK.search(text):
        return "attribute"  # "list the labels of a repo", "how do I get ...", "how do I know if ..."
    if procedural and first not in QUESTION_WORDS:
        return "action"  # "how do I change the quantity ...": a verb, even one the schema spells otherwise
    if first and stem(first) in verbs:
        return "action"
    # "open a new issue", "log in a customer": a word followed by a determiner or a particle is an imperative
    # verb, whether or not the schema spells its mutations with it.
    rest = text.split(" ")[1:2]
    if first and first not in QUESTION_WORDS and rest and rest[0] in _DETERMINERS:
        return "action"
    return "neutral"
