"""Checking a name against a closed set (the values of a ``Literal`` type: schema versions, modes)."""

from __future__ import annotations

from typing import TypeVar

_Name = TypeVar("_Name", bound=str)


def one_of(value: str, known: tuple[_Name, ...], what: str) -> _Name:
    """``value`` as the one of ``known`` it equals; ``ValueError`` naming them all otherwise."""
    for candidate in known:
        if value == candidate:
            return candidate
    raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(known)}")
