"""Secret redaction: every secret gqlmon resolves is registered here and masked wherever text leaves.

Secrets are registered when they are read (settings, token exchanges, command output). Logging gets a
filter that masks them in every record; reports, alerts, MCP answers and CLI errors pass their text
through :func:`redact`. The registry is process-wide on purpose: a secret must not escape through a code
path that forgot to ask.
"""

import logging
import re
import threading
from typing import Final

MASK: Final = "***"
_MIN_LEN: Final = 4  # shorter values would mask ordinary words

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None

# Values that look like credentials even when nobody registered them (tokens in URLs, bearer headers).
_GENERIC: Final = (
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|basic|token)\s+[^\s\"',}]+"),
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{12,}=*"),
    re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{8,}"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
)
# A credential in a URL's query string (``?api_key=...``, ``&access_token=...``): the value is masked, the
# name kept. URLs are not secrets as a whole (``url`` is a public setting), so nobody registers these.
_QUERY_PARAM: Final = re.compile(r"([?&;][A-Za-z0-9_.\-]{1,64}=)([^&#\s\"'<>]+)")  # bounded: linear time
_SECRET_PARAM: Final = re.compile(
    r"(?i)^[?&;](?:[a-z0-9]*[_.\-])*(?:(?:api|access|auth|id|refresh|client|private|session)[_.\-]?)?"
    r"(?:token|key|secret|password|passwd|pwd|signature|sig|auth|session|credentials?)(?:[_.\-][a-z0-9_.\-]*)?=$"
)


def register_secret(value: str | None) -> None:
    """Mask ``value`` from now on wherever gqlmon writes text."""
    global _pattern
    if not value or len(value) < _MIN_LEN:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """``text`` with every registered secret and every credential-looking value masked."""
    if not text:
        return text
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _GENERIC[0].sub(lambda m: f"{m.group(1)}{m.group(2)} {MASK}", text)
    text = _GENERIC[1].sub(lambda m: f"{m.group(1)} {MASK}", text)
    for generic in _GENERIC[2:]:
        text = generic.sub(MASK, text)
    if "=" in text:
        text = _QUERY_PARAM.sub(_mask_secret_param, text)
    return text


def _mask_secret_param(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}{MASK}" if _SECRET_PARAM.match(name) else match.group(0)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's final message (arguments included) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks are formatted later from exc_info: render them now, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of ``logger`` (root by default) and to the logger itself."""
    target = logger or logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


# Header names whose values are credentials (masked everywhere, even when written in the file).
_SENSITIVE_HEADER: Final = re.compile(
    r"(?i)auth|token|key|secret|cookie|session|password|signature|credential"
)


def is_sensitive_header(name: str) -> bool:
    """Whether a header's value is a credential (masked in logs, reports, alerts and MCP answers)."""
    return bool(_SENSITIVE_HEADER.search(name))
