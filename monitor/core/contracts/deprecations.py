"""What a deprecation reason says (when the element goes away, what to use instead), and since when
gqlmon has known an element to be deprecated.

Reasons are free text, so both readers are forgiving but conservative: a date counts as a removal date
only in a sentence that talks about removal (``removed``, ``removal``, ``sunset``, ``until``, ``by``, ...),
never a date introduced by ``since`` or ``as of``. A period (``in 2026-Q1``, ``in March 2026``, ``in 2026``)
gives its first day, the earliest the element may disappear; ``by the end of 2026`` gives the last day.
Ambiguous numeric dates (``03/04/2026``) are ignored rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Final

from graphql import GraphQLError, GraphQLSchema, resolve_schema_coordinate

from monitor.core.changes import Change
from monitor.core.contracts.model import ContractsResult, OperationResult

_MONTHS: Final = (
    {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
    | {name.lower(): index for index, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_MONTH_NAMES: Final = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH: Final = rf"(?:{_MONTH_NAMES})\.?"
_ORD: Final = r"(?:st|nd|rd|th)?"

_DATE_RE: Final = re.compile(
    rf"""
      (?P<iso_y>\d{{4}})[-/.](?P<iso_m>\d{{1,2}})[-/.](?P<iso_d>\d{{1,2}})(?!\d)
    | (?P<q1_y>\d{{4}})[-\s]?Q(?P<q1_q>[1-4])\b
    | \bQ(?P<q2_q>[1-4])[\s/-]*(?P<q2_y>\d{{4}})\b
    | \b(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>\d{{1,2}}){_ORD},?\s+(?P<mdy_y>\d{{4}})\b
    | \b(?P<dmy_d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<dmy_m>{_MONTH}),?\s+(?P<dmy_y>\d{{4}})\b
    | \b(?P<num_a>\d{{1,2}})/(?P<num_b>\d{{1,2}})/(?P<num_y>\d{{4}})\b
    | \b(?P<my_m>{_MONTH})\s+(?:of\s+)?(?P<my_y>\d{{4}})\b
    | \b(?P<ym_y>\d{{4}})-(?P<ym_m>\d{{2}})(?![\d-])
    | \b(?:in|by|after|until|during|of|before)\s+(?:the\s+year\s+)?(?P<y_y>\d{{4}})(?![-/.\w])
    """,
    re.IGNORECASE | re.VERBOSE,
)
_REMOVAL_RE: Final = re.compile(
    r"\b(?:remov(?:e|ed|es|al|ing)|sunset\w*|delet\w*|drop(?:ped|s)?|discontinu\w*|retir\w*|"
    r"end[- ]of[- ]life|eol|deadline|expir\w*|until|till|by|gone|disabled?|shut\s*down)\b",
    re.IGNORECASE,
)
_NOT_REMOVAL_RE: Final = re.compile(r"\b(?:since|as\s+of|deprecated\s+(?:on|in|at))\s*:?\s*$", re.IGNORECASE)
_END_OF_RE: Final = re.compile(r"\bend\s+of\s+(?:the\s+)?$", re.IGNORECASE)
_SENTENCE_RE: Final = re.compile(r"[.;!?](?:\s+|$)")
_ABBR_DOT_RE: Final = re.compile(rf"\b({_MONTH_NAMES})\.", re.IGNORECASE)

_NAME_PATTERN: Final = r"(?P<t>[`'\"][^`'\"\n]{1,120}[`'\"]|@?[A-Za-z_][\w.#]*(?:\([\w:, ]*\))?)"
_LEADS: Final = (
    r"\buse\s+(?:the\s+)?(?:new\s+)?(?:field\s+|argument\s+|value\s+)?",
    r"\b(?:replaced|superseded)\s+(?:by|with)\s+(?:the\s+)?(?:new\s+)?",
    r"\bin\s+favou?r\s+of\s+(?:the\s+)?(?:new\s+)?",
    r"\b(?:prefer|migrate\s+to|switch\s+to|moved\s+to|renamed\s+to|check\s+out|via)\s+(?:the\s+)?(?:new\s+)?",
)
_LEAD_RE: Final = re.compile("|".join(f"(?:{lead})" for lead in _LEADS), re.IGNORECASE)
_NAME_RE: Final = re.compile(_NAME_PATTERN)
_QUOTED_RE: Final = re.compile(r"`([^`\n]{1,120})`")
_CLAUSE_END_RE: Final = re.compile(r"[.;!?](?:\s|$)|\n")
_STOPWORDS: Final = frozenset(
    {
        *("a", "an", "and", "another", "any", "at", "case", "cases", "caution", "either", "for", "if", "in"),
        *("instead", "is", "it", "its", "of", "only", "or", "other", "our", "some", "that", "the", "them"),
        *("these", "this", "those", "to", "when", "whatever", "with", "your", "more", "less", "capable"),
    }
)


def parse_removal_date(reason: str | None) -> str | None:
    """The ISO date a deprecation reason announces for the removal, or ``None``.

    >>> parse_removal_date("Will be removed on 2026-01-01. Use `name`.")
    '2026-01-01'
    >>> parse_removal_date("Deprecated since 2024-05-01; use name") is None
    True
    """
    if not reason:
        return None
    text = _ABBR_DOT_RE.sub(r"\1", reason)
    for sentence in _SENTENCE_RE.split(text):
        keyword = _REMOVAL_RE.search(sentence)
        if keyword is None:
            continue
        found = [(m, d) for m in _DATE_RE.finditer(sentence) if (d := _date_of(m, sentence)) is not None]
        after = [d for m, d in found if m.start() >= keyword.start()]
        before = [d for m, d in found if m.end() <= keyword.start()]
        for candidate in after or before:
            return candidate.isoformat()
    return None


def _date_of(match: re.Match[str], sentence: str) -> date | None:
    """The date a match denotes, or ``None`` (impossible date, ambiguous, introduced by "since")."""
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    first_group = next(iter(groups))
    start = match.start(first_group)
    prefix = sentence[: match.start()] if first_group != "y_y" else sentence[:start]
    if _NOT_REMOVAL_RE.search(sentence[: match.start()]):
        return None
    end_of = bool(_END_OF_RE.search(prefix))
    try:
        if "iso_y" in groups:
            return date(int(groups["iso_y"]), int(groups["iso_m"]), int(groups["iso_d"]))
        if "q1_y" in groups or "q2_y" in groups:
            year = int(groups.get("q1_y") or groups["q2_y"])
            quarter = int(groups.get("q1_q") or groups["q2_q"])
            return _period(year, quarter * 3 - 2, quarter * 3, end_of)
        if "mdy_y" in groups:
            return date(int(groups["mdy_y"]), _month(groups["mdy_m"]), int(groups["mdy_d"]))
        if "dmy_y" in groups:
            return date(int(groups["dmy_y"]), _month(groups["dmy_m"]), int(groups["dmy_d"]))
        if "num_y" in groups:
            a, b = int(groups["num_a"]), int(groups["num_b"])
            if a > 12 >= b:
                return date(int(groups["num_y"]), b, a)
            if b > 12 >= a:
                return date(int(groups["num_y"]), a, b)
            return None
        if "my_y" in groups:
            month = _month(groups["my_m"])
            return _period(int(groups["my_y"]), month, month, end_of)
        if "ym_y" in groups:
            month = int(groups["ym_m"])
            return _period(int(groups["ym_y"]), month, month, end_of)
        return _period(int(groups["y_y"]), 1, 12, end_of)
    except ValueError:
        return None


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _period(year: int, first_month: int, last_month: int, end_of: bool) -> date:
    if end_of:
        return date(year, last_month, calendar.monthrange(year, last_month)[1])
    return date(year, first_month, 1)


def replacement_candidates(reason: str | None) -> list[str]:
    """The names a reason suggests instead, most likely first; unchecked against any schema.

    After a lead such as ``use``, ``replaced by`` or ``in favour of``, the name right after it counts, then
    every `backquoted` name up to the end of that clause (``in favour of the more capable `ProjectV2` API``).

    >>> replacement_candidates("Use `Stack.labels` instead.")
    ['Stack.labels']
    >>> replacement_candidates("Deprecated in favour of the more capable `ProjectV2` API.")
    ['ProjectV2']
    """
    if not reason:
        return []
    found: list[str] = []
    for lead in _LEAD_RE.finditer(reason):
        clause_end = _CLAUSE_END_RE.search(reason, lead.end())
        clause = reason[lead.end() : clause_end.start() if clause_end else len(reason)]
        tokens = []
        if first := _NAME_RE.match(clause):
            tokens.append(first.group("t"))
        tokens.extend(_QUOTED_RE.findall(clause))
        for raw in tokens:
            token = raw.strip("`'\"").strip().rstrip(".,;:")
            lowered = token.lower()
            if token and lowered not in _STOPWORDS and not lowered.startswith("http") and token not in found:
                found.append(token)
    return found


def suggest_replacement(reason: str | None) -> str | None:
    """The first name a reason suggests instead (``Use `Foo.bar```, ``use fooBar instead``), or ``None``.

    >>> suggest_replacement("Use `Stack.labels` instead.")
    'Stack.labels'
    """
    candidates = replacement_candidates(reason)
    return candidates[0] if candidates else None


def replacement_for(reason: str | None, coordinate: str, schema: GraphQLSchema) -> str | None:
    """The schema coordinate a deprecation reason points to, if it exists in ``schema``; else ``None``.

    ``coordinate`` is the deprecated element: an unqualified name is looked up beside it (``fooBar``
    suggested for ``User.fooOld`` is ``User.fooBar``). GitHub's Ruby notation ``Type#snake_name`` and
    ``type.field`` paths are read as ``Type.snakeName`` and ``Type.field``. A word that names nothing
    in the schema ("the more capable API") is never a hint, nor is the deprecated element itself.

    >>> from graphql import build_schema
    >>> schema = build_schema("type Query { old: Int @deprecated(reason: \\"Use `new`.\\") new: Int }")
    >>> replacement_for("Use `new`.", "Query.old", schema)
    'Query.new'
    >>> replacement_for("Deprecated in favour of the more capable API.", "Query.old", schema) is None
    True
    """
    for candidate in replacement_candidates(reason):
        for spelling in _spellings(candidate):
            found = _resolve(spelling, coordinate, schema)
            if found is not None and found != coordinate:
                return found
    return None


def qualify_replacement(replacement: str, coordinate: str, schema: GraphQLSchema) -> str | None:
    """The coordinate ``replacement`` (as written in a reason about ``coordinate``) names, or ``None``."""
    for spelling in _spellings(replacement):
        if (found := _resolve(spelling, coordinate, schema)) is not None:
            return found
    return None


def _spellings(token: str) -> list[str]:
    """``token`` and, for ``Type#snake_name``, ``Type.snakeName``; ``cart.delivery`` also as ``Cart.delivery``."""
    spellings = [token]
    if "#" in token:
        owner, _, member = token.partition("#")
        head, *rest = member.split("_")
        spellings = [f"{owner}.{head}{''.join(part[:1].upper() + part[1:] for part in rest)}"]
    if (first := spellings[0]) and "." in first and first[0].islower():
        spellings.append(first[0].upper() + first[1:])
    return spellings


def _resolve(name: str, coordinate: str, schema: GraphQLSchema) -> str | None:
    """``name`` as an existing coordinate: itself if it exists, else a member of ``coordinate``'s owner."""
    if _exists(name, schema):
        return name
    if name.startswith("@") or "." in name or "." not in coordinate or coordinate.startswith("@"):
        return None
    owner, member = coordinate.split(".", 1)
    if "(" in member:  # an argument of Type.field: the replacement is a sibling argument
        sibling = f"{owner}.{member.split('(', 1)[0]}({name.removesuffix(':')}:)"
        if "(" not in name and _exists(sibling, schema):
            return sibling
    qualified = f"{owner}.{name}"
    return qualified if _exists(qualified, schema) else None


def _exists(coordinate: str, schema: GraphQLSchema) -> bool:
    """Whether a schema coordinate (``Type``, ``Type.member``, ``Type.field(arg:)``, ``@dir``, ``@dir(arg:)``)
    names something in ``schema``; a malformed one names nothing."""
    try:
        return resolve_schema_coordinate(schema, coordinate) is not None
    except (GraphQLError, TypeError):  # syntax error, or a member of a scalar/union, or an unknown type
        return False


# ------------------------------------------------------------------------------------------- dating


def deprecation_dates(
    first_seen: Mapping[str, datetime], changes: Sequence[Change], now: datetime
) -> dict[str, datetime]:
    """When gqlmon first saw each coordinate deprecated: its recorded ``*_DEPRECATION_ADDED`` change
    (``first_seen``), or ``now`` for one that ``changes`` (this run's diff) adds. Deprecations older than the
    target's baseline are dated by :func:`dated_from_baseline`."""
    since = dict(first_seen)
    for change in changes:
        if change.type.value.endswith("DEPRECATION_ADDED") and change.coordinate:
            since.setdefault(change.coordinate, now)
    return since


def dated_from_baseline(result: ContractsResult, baseline: datetime) -> ContractsResult:
    """``result`` with every deprecated usage gqlmon never saw being added dated from the target's
    baseline (its first snapshot): the element was deprecated when monitoring began."""
    stamp = baseline.isoformat()

    def fill(op: OperationResult) -> OperationResult:
        if all(d.first_seen for d in op.deprecations):
            return op
        deprecations = tuple(d if d.first_seen else replace(d, first_seen=stamp) for d in op.deprecations)
        return replace(op, deprecations=deprecations)

    return replace(result, operations=tuple(fill(op) for op in result.operations))
