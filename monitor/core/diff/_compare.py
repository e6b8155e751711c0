"""The one set-arithmetic helper: what was added, removed and kept, matched by name.

Every element module (fields, arguments, enum values, union members, ...) uses it, so the order of the
result is decided in one place: added and removed in the new and old schema's order, kept in the old one's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Compared", "compare_by_name", "compare_names"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Compared(Generic[T]):
    """Elements matched by name: ``added`` only in new, ``removed`` only in old, ``kept`` in both."""

    added: list[tuple[str, T]]
    removed: list[tuple[str, T]]
    kept: list[tuple[str, T, T]]


def compare_by_name(old: Mapping[str, T], new: Mapping[str, T]) -> Compared[T]:
    """Match two name -> element mappings."""
    if old.keys() == new.keys():  # the common case, made cheap
        return Compared([], [], [(name, item, new[name]) for name, item in old.items()])
    added = [(name, item) for name, item in new.items() if name not in old]
    removed: list[tuple[str, T]] = []
    kept: list[tuple[str, T, T]] = []
    for name, item in old.items():
        other = new.get(name, _MISSING)
        if other is _MISSING:
            removed.append((name, item))
        else:
            kept.append((name, item, other))  # type: ignore[arg-type]
    return Compared(added, removed, kept)


def compare_names(old: Iterable[str], new: Iterable[str]) -> tuple[list[str], list[str]]:
    """``(added, removed)`` between two collections of names (union members, locations, ...)."""
    old_list, new_list = list(old), list(new)
    old_set, new_set = set(old_list), set(new_list)
    return [n for n in new_list if n not in old_set], [n for n in old_list if n not in new_set]


_MISSING: object = object()
