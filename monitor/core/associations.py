"""Which name words a schema's descriptions use other words for, learnt from the schema itself.

A developer asks in the words of the documentation ("commit sha"); the schema names the thing otherwise
(``oid``), and says so in its descriptions: ``CreateLinkedBranchInput.oid`` is "The commit SHA to base the new
branch on". Counting, over every named element, which words of its description go with which words of its
name gives, for a query word, the name words the schema uses for it. Nothing here knows any API: the table is
built from each schema's own text, so it carries to schemas never seen.

The measure is the share of the descriptions holding the word whose element is named with the other word
(how often "sha" in a description goes with ``oid`` in the name), kept only when the pair is much more
frequent than chance (pointwise mutual information) and seen at least twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final

#: A pair must be seen on this many distinct elements ...
_MIN_PAIRS: Final = 2
#: ... and this many times more often than if the words were independent.
_MIN_LIFT: Final = 4.0
#: Name words kept per description word, strongest first.
_PER_WORD: Final = 3


def name_associations(
    elements: Iterable[tuple[Iterable[str], Iterable[str]]],
) -> Mapping[str, tuple[tuple[str, float], ...]]:
    """description word -> ((name word, strength in (0, 1]), ...) from (name words, description words) pairs,
    one per distinct element (stemmed words; a word the name itself has is not paired with it)."""
    pairs: Counter[tuple[str, str]] = Counter()
    in_descriptions: Counter[str] = Counter()
    in_names: Counter[str] = Counter()
    total = 0
    for name, description in elements:
        named = frozenset(name)
        described = frozenset(description) - named
        total += 1
        in_names.update(named)
        in_descriptions.update(described)
        for word in described:
            for other in named:
                if not other.startswith(word) and not word.startswith(other):
                    pairs[word, other] += 1
    found: dict[str, list[tuple[float, str]]] = {}
    for (word, other), count in pairs.items():
        if count < _MIN_PAIRS:
            continue
        if count * total < _MIN_LIFT * in_descriptions[word] * in_names[other]:
            continue
        found.setdefault(word, []).append((count / in_descriptions[word], other))
    return {
        word: tuple((other, round(share, 3)) for share, other in sorted(scored, reverse=True)[:_PER_WORD])
        for word, scored in found.items()
    }
