"""Acknowledgements: which change an id typed by a person means, and what an acknowledgement holds.

Change ids are 16 hex digits (:attr:`monitor.core.changes.Change.id`). Like git's object names, a unique
prefix of at least :data:`MIN_PREFIX` digits stands for the whole id (a leading ``#``, as reports print
ids, is allowed). An id that matches nothing is an error naming the closest known ids; a prefix that
matches several is an error naming them all (up to :data:`MAX_LISTED`). Pure: the caller supplies the
known ids with a short description of each (the change's message).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Final

from monitor.errors import ConfigError

__all__ = ["MIN_PREFIX", "Acknowledgement", "ChangeIdError", "normalize_id", "resolve_change_id"]

MIN_PREFIX: Final = 4
MAX_LISTED: Final = 8
CLOSEST: Final = 3
FULL_LENGTH: Final = 16
_HEX_RE: Final = re.compile(r"[0-9a-f]+")


class ChangeIdError(ConfigError):
    """A change id given on the command line is malformed, unknown or ambiguous (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """One acknowledged change of one target; ``until`` ``None`` means for good."""

    target: str
    change_id: str
    reason: str
    until: datetime | None
    created_at: datetime

    def in_force(self, now: datetime) -> bool:
        return self.until is None or self.until > now


def normalize_id(text: str) -> str:
    """``text`` as a lower-case hex id or prefix (``#`` and surrounding blanks dropped); ChangeIdError if not hex."""
    cleaned = text.strip().removeprefix("#").lower()
    if not _HEX_RE.fullmatch(cleaned) or len(cleaned) > FULL_LENGTH:
        raise ChangeIdError(
            f"{text.strip()!r} is not a change id: give the {FULL_LENGTH} hex digits a report shows, "
            f"or a unique prefix of at least {MIN_PREFIX}"
        )
    return cleaned


def resolve_change_id(text: str, known: Mapping[str, str], *, where: str) -> str:
    """The one id of ``known`` (id -> description) that ``text`` names, in full or by a unique prefix.

    ``where`` names the place searched, for the error (``"target 'api'"``, ``"the acknowledgements of
    'api'"``). Raises :class:`ChangeIdError` for a malformed, unknown, too short or ambiguous id.
    """
    wanted = normalize_id(text)
    if wanted in known:
        return wanted
    matches = sorted(i for i in known if i.startswith(wanted))
    if len(matches) == 1 and len(wanted) >= MIN_PREFIX:
        return matches[0]
    if len(matches) > 1:
        listed = "; ".join(_describe(i, known) for i in matches[:MAX_LISTED])
        more = f"; and {len(matches) - MAX_LISTED} more" if len(matches) > MAX_LISTED else ""
        raise ChangeIdError(f"change id {wanted!r} is ambiguous in {where}: {listed}{more}")
    if matches:  # unique, but shorter than git would accept
        raise ChangeIdError(
            f"change id prefix {wanted!r} is too short: give at least {MIN_PREFIX} digits "
            f"({_describe(matches[0], known)})"
        )
    if not known:
        raise ChangeIdError(f"unknown change id {wanted!r}: {where} has none")
    closest = "; ".join(_describe(i, known) for i in _closest(wanted, known))
    raise ChangeIdError(f"unknown change id {wanted!r} in {where}; closest: {closest}")


def _closest(wanted: str, known: Mapping[str, str]) -> list[str]:
    """The known ids most like ``wanted`` (compared over its length, so a mistyped prefix finds its id)."""

    def score(candidate: str) -> float:
        return SequenceMatcher(None, wanted, candidate[: len(wanted)], autojunk=False).ratio()

    return sorted(known, key=lambda i: (-score(i), i))[:CLOSEST]


def _describe(change_id: str, known: Mapping[str, str]) -> str:
    description = " ".join(known[change_id].split())
    if len(description) > 70:
        description = description[:69] + "…"
    return f"{change_id} ({description})" if description else change_id
