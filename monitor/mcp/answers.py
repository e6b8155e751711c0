"""Turning answers into tool results that fit an assistant's context and never carry a secret.

Every tool builds a pydantic answer; :func:`fit` cuts its one long list so the compact JSON stays under
the budget (``DEFAULT_MAX_CHARS``), and :func:`result` serializes it once, masks every registered secret
and credential-looking value (:func:`monitor.support.redact.redact`), and returns it both as text and as
structured content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, TypeVar

import pydantic_core
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from monitor.errors import MonitorError
from monitor.support.redact import redact

DEFAULT_MAX_CHARS: Final = 20_000
#: Room kept for the note that says what was cut.
_NOTE_ROOM: Final = 600

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def json_size(value: Any) -> int:
    """Length of the compact JSON of ``value`` (a model, a list, a string, ...)."""
    if isinstance(value, BaseModel):
        return len(value.model_dump_json())
    return len(pydantic_core.to_json(value, fallback=str))


def take(items: Sequence[T], budget: int, measure: Callable[[T], int] = json_size) -> int:
    """How many leading ``items`` fit in ``budget`` characters of JSON (at least one if any fits)."""
    used = 0
    for count, item in enumerate(items):
        used += measure(item) + 1
        if used > budget:
            return count
    return len(items)


def fit(
    model: M,
    attribute: str,
    max_chars: int,
    *,
    note: Callable[[int, int], str],
    also: Sequence[str] = (),
) -> M:
    """``model`` with its list ``attribute`` cut to fit ``max_chars``; ``note(kept, total)`` says what to do.

    Lists named in ``also`` are secondary: each keeps at most half of the room left when it comes, so the
    main list is never crowded out by them.
    """
    items: list[Any] = list(getattr(model, attribute))
    if len(model.model_dump_json()) <= max_chars:
        return model
    empty = model.model_copy(update={attribute: [], **{name: [] for name in also}})
    room = max_chars - len(empty.model_dump_json()) - _NOTE_ROOM
    update: dict[str, Any] = {}
    remarks: list[str] = []
    for name in also:
        others: list[Any] = list(getattr(model, name))
        kept_others = take(others, max(room // 2, 0))
        if kept_others < len(others):
            remarks.append(f"{name}: showing {kept_others} of {len(others)}")
        update[name] = others[:kept_others]
        room -= sum(json_size(o) + 1 for o in others[:kept_others])
    kept = take(items, room)
    message = "; ".join([note(kept, len(items)), *remarks])
    before = getattr(model, "note", None)
    joined = f"{before}; {message}" if before else message
    return model.model_copy(update={attribute: items[:kept], **update, "truncated": True, "note": joined})


def cut_text(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` cut at a line boundary to at most ``max_chars`` characters of JSON; True when cut."""
    if json_size(text) <= max_chars:
        return text, False
    lines = text.splitlines(keepends=True)
    kept = take(lines, max_chars)
    return "".join(lines[:kept]), True


def result(model: BaseModel) -> CallToolResult:
    """The tool result: compact JSON text plus the same object as structured content, secrets masked."""
    text = model.model_dump_json(exclude_none=False)
    clean = redact(text)
    structured: dict[str, Any] = json.loads(clean) if clean != text else model.model_dump(mode="json")
    return CallToolResult(content=[TextContent(type="text", text=clean)], structured_content=structured)


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn gqlmon's expected failures into tool errors with a clean, redacted message."""
    try:
        yield
    except MonitorError as exc:
        raise ToolError(redact(str(exc))) from None
