"""Text from the API is data: helpers that make it safe to print on a terminal."""

from __future__ import annotations

import re
from typing import Final

_ANSI: Final = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, *, single_line: bool = True) -> str:
    """``text`` without ANSI escapes, control or bidi-override characters (newlines folded if single_line)."""
    text = _ANSI.sub("", text)
    if single_line:
        text = " ".join(text.split())
    return _CONTROL.sub("", text)
