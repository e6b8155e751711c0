"""Autoescaping by construction: API text in every field the API (or a history file) controls stays text.

Each field gets its own payload (a script tag, an attribute break-out with an ``onerror`` handler, and
template syntax), so a test failure names the field that leaked. The pages are parsed, not grepped: the
only ``<script>`` is the page's own, its hash is the one the policy allows, no element carries an event
handler, and every payload is found back, whole and unevaluated, as text or as an attribute's value.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import UndefinedError
from markupsafe import escape

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.report import render_html, render_index
from monitor.core.report.html import SCRIPT
from monitor.core.report.model import DriftReport, SnapshotInfo
from monitor.core.report.page import environment, page, render_page
from monitor.core.report.view import clean
from tests.core.report.fixtures import HISTORY, failed_report, fixture_report


def bad(name: str) -> str:
    """A payload naming its field: breaks out of text, out of a quoted attribute, and into a template."""
    return f'<script>alert("{name}")</script> "><img src=x onerror=alert(1)> {{{{ 7*7 }}}}'


class Parsed(HTMLParser):
    """The parts of a page these tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.csp = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)
        if tag == "meta" and ("http-equiv", "Content-Security-Policy") in attrs:
            self.csp = dict(attrs)["content"] or ""
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    def shows(self, payload: str) -> bool:
        """``payload`` (as the page cleans it: one line) is in the page's text or in an attribute value."""
        wanted = clean(payload)
        return wanted in "".join(self.text) or any(wanted in value for _, value in self.attrs)


SAFE_HREF = re.compile(r"^(#[\w-]+|([\w.-]+/)?[\w.-]+\.(html|json)|\.\./index\.html)$")


def parse(html: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(html)
    parsed.close()
    return parsed


def assert_inert(html: str, fields: list[str], *, script: bool) -> None:
    parsed = parse(html)
    assert "<script>alert" not in html and "<img" not in html
    assert "img" not in parsed.tags
    assert [name for name, _ in parsed.attrs if name.startswith("on")] == []
    hrefs = [value for name, value in parsed.attrs if name == "href"]
    assert [h for h in hrefs if not SAFE_HREF.match(h)] == []  # hostile names are never links
    assert parsed.tags.count("script") == len(parsed.scripts) == (1 if script else 0)
    if script:
        assert parsed.scripts == [SCRIPT]
        digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
        assert f"script-src 'sha256-{digest}'" in parsed.csp
    else:
        assert "script-src 'none'" in parsed.csp
    missing = [name for name in fields if not parsed.shows(bad(name))]
    assert missing == [], f"not shown as text: {missing}"


def hostile_change(name: str, criticality: Criticality = Criticality.BREAKING) -> Change:
    return Change(
        type=ChangeType.FIELD_REMOVED,
        criticality=criticality,
        path=bad(f"{name}.path"),
        coordinate=bad(f"{name}.coordinate"),
        message=bad(f"{name}.message"),
        reason=bad(f"{name}.reason"),
        old=bad(f"{name}.old"),
        new=bad(f"{name}.new"),
        meta=(("original_criticality", bad(f"{name}.original")), ("rule", bad(f"{name}.rule"))),
    )


CHANGES = (
    hostile_change("used"),
    hostile_change("acked"),
    hostile_change("dangerous", Criticality.DANGEROUS),
)
USED, ACKED = CHANGES[0], CHANGES[1]

CONTRACTS = {
    "total": 2,
    "broken": 1,
    "operations": [
        {
            "name": bad("op.name"),
            "kind": bad("op.kind"),
            "file": bad("op.file"),
            "line": 3,
            "status": "broken",
            "errors": [{"message": bad("op.error"), "line": bad("op.error.line")}],
            "caused_by": [USED.id, bad("op.caused_by")],
            "deprecations": [
                {
                    "coordinate": bad("deprecation.coordinate"),
                    "reason": bad("deprecation.reason"),
                    "removal_date": bad("deprecation.removal"),
                    "replacement": bad("deprecation.replacement"),
                }
            ],
        },
        {"name": "Other", "kind": "query", "file": "other.graphql", "status": bad("op.status")},
    ],
    "problems": [
        {"file": bad("problem.file"), "line": bad("problem.line"), "message": bad("problem.message")}
    ],
}

RUN_FIELDS = [
    *(f"{c}.{part}" for c in ("used", "acked", "dangerous") for part in ("coordinate", "message", "reason")),
    *(f"{c}.{part}" for c in ("used", "acked") for part in ("old", "new", "rule", "original")),
    "target",
    "endpoint",
    "run_id",
    "acknowledged",
    "op.name",
    "op.kind",
    "op.file",
    "op.error",
    "op.error.line",
    "op.caused_by",
    "op.status",
    "deprecation.coordinate",
    "deprecation.reason",
    "deprecation.removal",
    "deprecation.replacement",
    "problem.file",
    "problem.line",
    "problem.message",
    "live.error",
    "live.operation",
    "live.check",
    "live.path",
    "live.message",
    "validity",
    "note",
    "timing",
    "history.run_id",
    "history.outcome",
    "history.finished_at",
    "history.count",
]

HOSTILE_HISTORY = [
    *HISTORY,
    {
        "run_id": bad("history.run_id"),
        "finished_at": bad("history.finished_at"),
        "outcome": bad("history.outcome"),
        "summary": {"breaking": bad("history.count"), "total": 2},
    },
]


def hostile_run() -> DriftReport:
    return replace(
        fixture_report(),
        target=bad("target"),
        endpoint=bad("endpoint"),
        run_id=bad("run_id"),
        changes=CHANGES,
        acknowledged={ACKED.id: bad("acknowledged")},
        contracts=CONTRACTS,
        live={
            "requests": 3,
            "error": bad("live.error"),
            "failures": [
                {
                    "operation": bad("live.operation"),
                    "check": bad("live.check"),
                    "path": bad("live.path"),
                    "message": bad("live.message"),
                    "count": 2,
                    "curl": f"curl -d '{bad('live.curl')}'\n  http://x",
                }
            ],
        },
        validity_problems=(bad("validity"),),
        notes=(bad("note"),),
        timings={bad("timing"): 0.5},
    )


def test_every_field_of_a_run_report_stays_text() -> None:
    html = render_html(hostile_run(), HOSTILE_HISTORY)
    assert_inert(html, RUN_FIELDS, script=True)
    assert "'live.curl'" not in html  # the curl line keeps its line break, escaped like the rest
    assert "curl -d &#39;&lt;script&gt;alert(&#34;live.curl&#34;)&lt;/script&gt;" in html
    assert "\n  http://x</pre>" in html


def test_the_error_of_a_failed_run_and_a_quiet_run_s_links_stay_text() -> None:
    failed = replace(failed_report(), target=bad("target"), error=f"{bad('error')}\nsecond line")
    html = render_html(failed, HOSTILE_HISTORY)
    assert_inert(html, ["target", "error", "history.run_id", "history.outcome"], script=False)
    assert "&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt; {{ 7*7 }}\nsecond line" in html

    changed = {**HOSTILE_HISTORY[-1], "outcome": "changed"}
    quiet = replace(
        fixture_report(),
        outcome="unchanged",
        changes=(),
        acknowledged={},
        open_since={"run_id": bad("open_since"), "finished_at": "2026-01-11T00:00:00+00:00"},
        new_snapshot=SnapshotInfo(bad("snapshot"), "2026-01-12T09:30:00+00:00"),
    )
    html = render_html(quiet, [*HISTORY, changed])
    assert_inert(html, ["open_since", "history.run_id", "history.finished_at", "history.count"], script=False)
    assert 'id="last-change"' in html


def test_every_field_of_the_index_stays_text() -> None:
    html = render_index({bad("target"): HOSTILE_HISTORY, bad("empty"): [], "demo": HOSTILE_HISTORY})
    fields = ["target", "empty", "history.run_id", "history.outcome", "history.finished_at", "history.count"]
    assert_inert(html, fields, script=False)
    assert 'href="demo/20260110T080000000-aaaaaa.html"' in html  # safe names still are


@given(st.text())
def test_any_value_is_cleaned_then_escaped(value: str) -> None:
    """What ``{{ value }}`` writes for any text: exactly the escaped one-line view.clean of it."""
    assert environment().from_string("{{ value }}").render(value=value) == escape(clean(value))


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_filters_shorten_and_keep_line_breaks_but_still_escape(value: str, limit: int) -> None:
    rendered = environment().from_string("{{ value|text(limit) }}|{{ value|multiline }}")
    assert rendered.render(value=value, limit=limit) == (
        f"{escape(clean(value, limit=limit))}|{escape(clean(value, single_line=False))}"
    )


def test_template_syntax_in_a_value_is_never_evaluated() -> None:
    html = page("{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %} {{ config }}")
    assert "<title>{{ 7*7 }}</title>" in html
    assert "{% for x in range(3) %}x{% endfor %} {{ config }}" in html
    assert not re.search(r"\b49\b|xxx", html)


def test_an_undefined_name_in_a_template_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(UndefinedError, match="missing"):
        environment().from_string("{{ missing }}").render()


def test_a_script_that_could_close_its_element_is_refused() -> None:
    with pytest.raises(ValueError, match="</script"):
        render_page("page.html", title="t", body="", script="x = '</SCRIPT><b>'")
