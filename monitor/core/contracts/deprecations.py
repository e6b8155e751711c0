"""What a deprecation reason says: when the element goes away, and what to use instead.

Reasons are free text, so both readers are forgiving but conservative: a date counts as a removal date
only in a sentence that talks about removal (``removed``, ``removal``, ``sunset``, ``until``, ``by``, ...),
never a date introduced by ``since`` or ``as of``. A period (``in 2026-Q1``, ``in March 2026``, ``in 2026``)
gives its first day, the earliest the element may disappear; ``by the end of 2026`` gives the last day.
Ambiguous numeric dates (``03/04/2026``) are ignored rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Final

from graphql import GraphQLSchema, is_enum_type, is_input_object_type, is_interface_type, is_object_type

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

_NAME_PATTERN: Final = r"(?P<t>[`'\"][^`'\"\n]{1,120}[`'\"]|@?[A-Za-z_][\w.]*(?:\([\w:, ]*\))?)"
_REPLACEMENT_RES: Final = tuple(
    re.compile(pattern + _NAME_PATTERN, re.IGNORECASE)
    for pattern in (
        r"\buse\s+(?:the\s+)?(?:new\s+)?(?:field\s+|argument\s+|value\s+)?",
        r"\b(?:replaced|superseded)\s+(?:by|with)\s+(?:the\s+)?(?:new\s+)?",
        r"\bin\s+favou?r\s+of\s+(?:the\s+)?(?:new\s+)?",
        r"\b(?:prefer|migrate\s+to|switch\s+to|moved\s+to|renamed\s+to)\s+(?:the\s+)?(?:new\s+)?",
    )
)
_STOPWORDS: Final = frozenset(
    {
        *("a", "an", "and", "another", "any", "at", "case", "cases", "caution", "either", "for", "if", "in"),
        *("instead", "is", "it", "its", "of", "only", "or", "other", "our", "some", "that", "the", "them"),
        *("these", "this", "those", "to", "when", "whatever", "with", "your"),
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


def suggest_replacement(reason: str | None) -> str | None:
    """The name a reason suggests instead (``Use `Foo.bar```, ``use fooBar instead``), or ``None``.

    >>> suggest_replacement("Use `Stack.labels` instead.")
    'Stack.labels'
    """
    if not reason:
        return None
    for pattern in _REPLACEMENT_RES:
        for match in pattern.finditer(reason):
            token = match.group("t").strip("`'\"").strip().rstrip(".,;:")
            if token and token.lower() not in _STOPWORDS and not token.lower().startswith("http"):
                return token
    return None


def qualify_replacement(replacement: str, coordinate: str, schema: GraphQLSchema) -> str:
    """``fooBar`` suggested for ``User.fooOld`` becomes ``User.fooBar`` when the schema has it."""
    if any(ch in replacement for ch in ".@(") or "." not in coordinate or coordinate.startswith("@"):
        return replacement
    owner, member = coordinate.split(".", 1)
    named = schema.get_type(owner)
    if "(" in member:  # an argument: Type.field(arg:)
        field_name = member.split("(", 1)[0]
        if (
            (is_object_type(named) or is_interface_type(named))
            and field_name in named.fields
            and replacement in named.fields[field_name].args
        ):
            return f"{owner}.{field_name}({replacement}:)"
        return replacement
    if (is_object_type(named) or is_interface_type(named) or is_input_object_type(named)) and (
        replacement in named.fields
    ):
        return f"{owner}.{replacement}"
    if is_enum_type(named) and replacement in named.values:
        return f"{owner}.{replacement}"
    return replacement
