"""Every report format has a small "Acknowledged" part: which changes of the run are acknowledged, and why."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from monitor.core.report import render
from tests.core.report.fixtures import HOSTILE, TYPE_REMOVED_ACKED, fixture_report

REASON = "Nobody uses LegacyThing (ticket API-42)"


def test_json_lists_the_acknowledged_changes_with_their_reasons() -> None:
    data = json.loads(render(fixture_report(), "json"))
    assert data["acknowledged"] == [
        {
            "id": TYPE_REMOVED_ACKED.id,
            "type": "TYPE_REMOVED",
            "coordinate": "LegacyThing",
            "message": "Type 'LegacyThing' was removed",
            "reason": REASON,
        }
    ]


def test_text_has_an_acknowledged_part() -> None:
    text = render(fixture_report(), "text")
    part = text[text.index("\nacknowledged (1):\n") :]
    assert part.splitlines()[2:4] == [
        f"  - [{TYPE_REMOVED_ACKED.id}] Type 'LegacyThing' was removed",
        f"      {REASON}",
    ]


def test_markdown_has_a_folded_acknowledged_table() -> None:
    text = render(fixture_report(), "markdown")
    assert "<summary>✅ Acknowledged (1)</summary>" in text
    assert (
        f"| `{TYPE_REMOVED_ACKED.id}` | Type 'LegacyThing' was removed | `LegacyThing` | "
        "Nobody uses LegacyThing \\(ticket API-42\\) |"
    ) in text


def test_html_has_an_acknowledged_section() -> None:
    page = render(fixture_report(), "html")
    start = page.index('<section id="acknowledged">')
    section = page[start : page.index("</section>", start)]
    assert "<h2>Acknowledged (1)</h2>" in section
    assert TYPE_REMOVED_ACKED.id in section and REASON in section


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_no_acknowledged_part_without_acknowledgements(fmt: str) -> None:
    text = render(replace(fixture_report(), acknowledged={}), fmt)
    assert "cknowledged (" not in text
    assert json.loads(render(replace(fixture_report(), acknowledged={}), "json"))["acknowledged"] == []


def test_a_hostile_reason_is_inert_in_markdown_and_html() -> None:
    report = replace(fixture_report(), acknowledged={TYPE_REMOVED_ACKED.id: HOSTILE})
    markdown, html = render(report, "markdown"), render(report, "html")
    table = markdown[
        markdown.index("Acknowledged (1)") : markdown.index("</details>", markdown.index("Acknowledged (1)"))
    ]
    section = html[html.index('<section id="acknowledged">') :]
    section = section[: section.index("</section>")]
    for part in (table, section):
        assert "<script>" not in part and "<img" not in part and "\x1b" not in part
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
