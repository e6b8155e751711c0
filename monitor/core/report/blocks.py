"""Slack Block Kit building blocks: escaping and the message limits, enforced on every message.

Slack's limits: 50 blocks per message, 3,000 characters per section text, 150 per header, 10 fields of
2,000 characters, 10 context elements, 40,000 characters of text in all (the fallback ``text`` is kept
under 3,000). :func:`fit` cuts any message down to them, so nothing gqlmon sends is ever refused as too
large. :func:`esc` makes API text inert: ``& < >`` become entities (no ``<!channel>``, no forged
``<http://evil|link>``), mentions are broken, control characters removed.
"""

from __future__ import annotations

import re
from typing import Any, Final

from monitor.core.report import view

MAX_BLOCKS: Final = 50
MAX_SECTION: Final = 3000
MAX_HEADER: Final = 150
MAX_FIELDS: Final = 10
MAX_FIELD: Final = 2000
MAX_CONTEXT: Final = 10
MAX_TOTAL: Final = 40_000
MAX_FALLBACK: Final = 3000

Block = dict[str, Any]
_PARTIAL_ENTITY: Final = re.compile(r"&[a-z]{0,4}$")


def esc(value: object, *, limit: int | None = None) -> str:
    """API text as inert Slack mrkdwn."""
    text = view.clean(value, limit=limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", "@\u200b")


def code(value: object, *, limit: int | None = 200) -> str:
    """A code span API text cannot close (backticks become quotes)."""
    text = esc(value, limit=limit).replace("`", "'")
    return f"`{text}`" if text else ""


def link(url: str, label: str) -> str:
    """A mrkdwn link to a URL gqlmon made (public_url + path); ``label`` is gqlmon's own text."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{label}>"


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis, never ending inside an entity."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": cut(text, MAX_HEADER), "emoji": True}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}}


def fields(items: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": cut(t, MAX_FIELD)} for t in items[:MAX_FIELDS]],
    }


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut(t, MAX_SECTION)} for t in texts[:MAX_CONTEXT] if t],
    }


def divider() -> Block:
    return {"type": "divider"}


def packed(lines: list[str], *, title: str = "") -> list[Block]:
    """``lines`` in as few sections as fit (each under the section limit), ``title`` on the first."""
    blocks: list[Block] = []
    current = title
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION and current:
            blocks.append(section(current))
            candidate = line
        current = candidate
    if current:
        blocks.append(section(current))
    return blocks


def text_length(blocks: list[Block]) -> int:
    """Characters of text in ``blocks`` (what Slack counts against the 40,000 limit)."""
    total = 0
    for block in blocks:
        if "text" in block:
            total += len(block["text"]["text"])
        for item in block.get("fields", ()):
            total += len(item["text"])
        for item in block.get("elements", ()):
            total += len(item.get("text", ""))
    return total


def fit(blocks: list[Block], *, more: str = "_… more in the full report._") -> list[Block]:
    """``blocks`` cut to Slack's limits: at most 50 blocks and 40,000 characters, a last note if cut."""
    out = [b for b in blocks if b.get("type") != "context" or b.get("elements")]
    note = context(more)
    if len(out) > MAX_BLOCKS:
        out = [*out[: MAX_BLOCKS - 1], note]
    while len(out) > 1 and text_length(out) > MAX_TOTAL:
        out = [*out[:-2], note] if out[-1] is note else [*out[:-1], note]
    return out


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A chat message: fallback text (notifications, old clients) plus the fitted blocks."""
    return {"text": cut(text, MAX_FALLBACK), "blocks": fit(blocks)}


def violations(msg: dict[str, Any]) -> list[str]:
    """Every Slack limit ``msg`` breaks (empty when it is fine): what the tests and the receiver check."""
    problems: list[str] = []
    blocks = msg.get("blocks", [])
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks")
    if len(msg.get("text", "")) > MAX_TOTAL:
        problems.append("fallback text too long")
    if text_length(blocks) > MAX_TOTAL:
        problems.append(f"{text_length(blocks)} characters of text")
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "header" and len(block["text"]["text"]) > MAX_HEADER:
            problems.append(f"block {i}: header too long")
        if kind == "section":
            if "text" in block and not 0 < len(block["text"]["text"]) <= MAX_SECTION:
                problems.append(f"block {i}: section text of {len(block['text']['text'])} characters")
            items = block.get("fields", [])
            if len(items) > MAX_FIELDS or any(len(f["text"]) > MAX_FIELD for f in items):
                problems.append(f"block {i}: fields too many or too long")
        if kind == "context" and not 0 < len(block.get("elements", [])) <= MAX_CONTEXT:
            problems.append(f"block {i}: context with {len(block.get('elements', []))} elements")
    return problems
