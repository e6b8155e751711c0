"""The published HTML report in headless Chromium: loads clean, shows the breaking changes, filters work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.adapters.publish import PublishedReport, publish_report
from monitor.core.report.page import page
from tests.browser.cdp import CHROMIUM, Browser
from tests.core.report.fixtures import HISTORY, hostile_report

# The fixture's hostile text as a browser shows it: markup as text, ANSI escapes and bidi overrides gone.
HOSTILE_SHOWN = (
    "<script>alert(1)</script> [link](http://evil) <!channel> <@U123|boss> @here red "
    "<img src=x onerror=alert(2)> & gnp.exe *bold* `tick` | pipe"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (CI installs it)"),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with Browser(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> PublishedReport:
    return publish_report(hostile_report(), tmp_path_factory.mktemp("reports"), HISTORY)


@pytest.fixture
def report_page(browser: Browser, published: PublishedReport) -> Browser:
    browser.events.clear()
    browser.open(published.html.as_uri())
    return browser


def _visible_rows(browser: Browser) -> int:
    return int(browser.evaluate("document.querySelectorAll('#change-table tbody tr:not([hidden])').length"))


def test_loads_without_errors_or_requests(
    report_page: Browser, published: PublishedReport, tmp_path: Path
) -> None:
    shot = report_page.screenshot(tmp_path / "report.png")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    assert report_page.problems() == []
    assert report_page.requested_urls() == [published.html.as_uri()]


def test_shows_what_breaks_you_first(report_page: Browser) -> None:
    headings = report_page.evaluate(
        "Array.from(document.querySelectorAll('#first h2')).map(e => e.textContent)"
    )
    assert headings == [
        "Broken operations (2)",
        "Saved-operation files that cannot be read (1)",
        "Breaking changes no saved operation uses (3)",
        "Dangerous changes (2)",
    ]
    broken = report_page.evaluate(
        "Array.from(document.querySelectorAll('#first .broken-op')).map(e => e.innerText)"
    )
    assert [text.split()[0] for text in broken] == ["GetUser", "ListUsers"]
    assert all("caused by" in text and "Field 'email' was removed" in text for text in broken)
    # Each broken operation links to its row in the operations table.
    targets = report_page.evaluate(
        "Array.from(document.querySelectorAll('#first .broken-op > p:first-child > b > a')).map(a => "
        "document.getElementById(a.getAttribute('href').slice(1)) !== null)"
    )
    assert targets == [True, True]
    titles = report_page.evaluate(
        "Array.from(document.querySelectorAll('#first .item:not(.broken-op) b')).map(e => e.textContent)"
    )
    assert "Type 'LegacyThing' was removed" in titles
    assert report_page.evaluate("document.querySelector('#first .item.acked .badge').textContent").startswith(
        "acknowledged"
    )
    assert report_page.evaluate("document.querySelector('#summary .card.breaking b').textContent") == "4"


def test_api_text_stays_text(report_page: Browser) -> None:
    assert report_page.evaluate("document.scripts.length") == 1  # the page's own
    assert (
        report_page.evaluate("document.querySelectorAll('main img, main b > img, main a[href^=http]').length")
        == 0
    )
    assert "<script>alert(1)</script>" in report_page.evaluate("document.body.innerText")
    assert "\x1b" not in report_page.evaluate("document.body.innerText")


def test_filters_by_criticality_type_text_and_acknowledgement(report_page: Browser) -> None:
    assert _visible_rows(report_page) == 8
    assert report_page.evaluate("document.getElementById('shown').textContent") == "Showing 8 of 8 changes"
    report_page.evaluate("document.querySelector('input[name=crit][value=breaking]').click()")
    assert _visible_rows(report_page) == 4
    report_page.evaluate("document.querySelector('input[name=crit][value=breaking]').click()")
    report_page.evaluate(
        "const s = document.getElementById('f-type'); s.value = 'FIELD_REMOVED';"
        "s.dispatchEvent(new Event('change'))"
    )
    assert _visible_rows(report_page) == 2
    report_page.evaluate(
        "const s2 = document.getElementById('f-type'); s2.value = ''; s2.dispatchEvent(new Event('change'));"
        "const q = document.getElementById('f-q'); q.value = 'avatar'; q.dispatchEvent(new Event('input'))"
    )
    assert _visible_rows(report_page) == 1
    report_page.evaluate(
        "const q2 = document.getElementById('f-q'); q2.value = ''; q2.dispatchEvent(new Event('input'));"
        "document.getElementById('f-ack').click()"
    )
    assert _visible_rows(report_page) == 7
    assert report_page.problems() == []


def test_index_lists_the_target(browser: Browser, published: PublishedReport) -> None:
    browser.events.clear()
    browser.open(published.index.as_uri())
    assert browser.problems() == []
    links = browser.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    assert "demo/latest.html" in links
    assert f"demo/{hostile_report().run_id}.html" in links


def test_the_harness_sees_errors(browser: Browser, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(page("broken", "<p>x</p>", "console.error('bad'); throw new Error('boom')"))
    browser.events.clear()
    browser.open(broken.as_uri())
    assert len(browser.problems()) == 2
