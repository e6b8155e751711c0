"""The HTML page shell shared by the run report and the index: Jinja2 templates with autoescaping on.

Every page is rendered from a template under ``templates/`` that extends ``page.html`` (inline CSS, the
page's one inline script, a strict Content-Security-Policy). Markup is written only in templates; a value
reaches the page only through ``{{ ... }}``, where the environment makes it inert in two steps nobody has
to remember: :func:`_inert` strips ANSI escapes, control and bidi characters and folds it to one line
(``|multiline`` keeps its line breaks, ``|text(limit)`` also shortens it), then autoescaping turns it into
HTML text. A value cannot reach the page unescaped by omission. The environment is built once, on the
first page; reading its own templates from the package, once each, is the only IO of this pure layer.

Pages are self-contained (no external request of any kind) and carry a policy that only lets the page's own
script run, identified by its hash: even if API text escaped its escaping, an injected ``<script>`` or
``onerror=`` handler would be refused by the browser.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from typing import TYPE_CHECKING, Any, Final

from monitor.core.report import view

if TYPE_CHECKING:
    from jinja2 import Environment

_SAFE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


# What view.clean would change: a control, bidi or non-space whitespace character, or spaces to fold.
_NOT_CLEAN: Final = re.compile(r"[^\S ]|  |^ | $|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _Inert(str):
    """Text a filter already made inert (``|text``, ``|multiline``): :func:`_inert` leaves it as it is."""

    __slots__ = ()


def _inert(value: object) -> object:
    """Every ``{{ value }}`` of every template, before autoescaping: API text made inert and one line.

    Markup (``__html__``: a macro's output, the page's own constant script) is the templates' own markup,
    already safe.
    """
    if type(value) is str:  # most values: returned as they are unless view.clean would change them
        return value if _NOT_CLEAN.search(value) is None else view.clean(value)
    if isinstance(value, _Inert) or hasattr(value, "__html__"):
        return value
    return str(value) if type(value) is int else view.clean(value)


def _text(value: object, limit: int | None = None) -> _Inert:
    """``{{ value|text(500) }}``: one line, shortened to ``limit`` characters with an ellipsis."""
    return _Inert(view.clean(value, limit=limit))


def _multiline(value: object, limit: int | None = None) -> _Inert:
    """``{{ value|multiline }}``: inert text that keeps its line breaks (an error, a curl command)."""
    return _Inert(view.clean(value, limit=limit, single_line=False))


@functools.cache
def environment() -> Environment:
    """The one template environment, built on first use: templates are compiled once and cached by it.

    Jinja2 is imported here, not with the module: commands that never write a page (``gqlmon validate
    --format sarif`` imports this package) do not pay for it.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("monitor.core.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        finalize=_inert,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["text"] = _text
    env.filters["multiline"] = _multiline
    env.globals["view"] = view
    env.globals["safe_href"] = safe_href
    return env


def safe_href(name: str, suffix: str = "") -> str | None:
    """A relative link to a report file, or ``None`` when ``name`` is not a plain file-name token."""
    return f"{name}{suffix}" if _SAFE_NAME.match(name) and ".." not in name else None


def script_hash(script: str) -> str:
    """The base64 SHA-256 of an inline script, as a ``script-src 'sha256-...'`` source names it."""
    return base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def render_page(template: str, *, title: str, script: str = "", **context: Any) -> str:
    """A complete HTML document from ``template`` (which extends ``page.html``).

    ``script`` is the page's own constant JavaScript, never data: it is the one piece written into the
    page as it is, and the policy allows exactly it, by hash.
    """
    from markupsafe import Markup

    if "</script" in script.lower():
        raise ValueError("an inline script cannot contain '</script'")
    document = environment().get_template(template)
    return document.render(
        title=title,
        # The one value written as it is: the caller's constant code (never data), allowed by its hash.
        script=Markup(script),  # noqa: S704
        script_hash=script_hash(script) if script else "",
        **context,
    )


def page(title: str, body: str, script: str = "") -> str:
    """A plain page: ``title`` and ``body`` are text, shown as text, with an optional constant script."""
    return render_page("page.html", title=title, script=script, body=body)
