"""The live event inspector in a real browser (issue 7): events appear with their records.

One page shows the inspector; a second page, the demo page with the tag, makes events. The
test then filters by event type and by party id and saves a screenshot for the docs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from divolte.app import Collector
from tests.e2e.conftest import FileCollector

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(
        not hasattr(Collector, "observability"),
        reason="app.py does not wire divolte.observability yet (issue 7)",
    ),
]

StartCollector = Callable[[str], FileCollector]
# The screenshot in the docs is refreshed only on request, so that a test run leaves the
# checkout unchanged: DIVOLTE_UPDATE_SCREENSHOTS=1 pytest tests/e2e/test_inspector.py
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "inspector.png"
WAIT_FOR_DELIVERY = "() => new Promise((done) => divolte.whenCommitted(done, 5000))"


def open_inspector(context: BrowserContext, base_url: str) -> Page:
    inspector = context.new_page()
    inspector.set_viewport_size({"width": 1360, "height": 860})
    inspector.goto(base_url + "/inspector")
    expect(inspector.locator("#status")).to_have_class("live")
    return inspector


def record_of(card: object) -> dict[str, object]:
    """The JSON record the card shows for the default mapping."""
    text = card.locator('.record[data-mapping="default"] pre').text_content()  # type: ignore[attr-defined]
    assert text is not None
    result: dict[str, object] = json.loads(text)
    return result


def test_events_appear_live_with_their_records(
    file_collector: StartCollector, context: BrowserContext, tmp_path: Path
) -> None:
    collector = file_collector("global.inspector.enabled = true")
    inspector = open_inspector(context, collector.base_url)
    cards = inspector.locator("article.event")
    expect(cards).to_have_count(0)

    shop = context.new_page()
    shop.goto(collector.base_url + "/")
    shop.evaluate(WAIT_FOR_DELIVERY)
    party = shop.evaluate("() => divolte.partyId")
    shop.click("#banner")
    shop.click("#basket")
    shop.evaluate(WAIT_FOR_DELIVERY)

    expect(cards).to_have_count(3)
    newest_first = [cards.nth(i).get_attribute("data-type") for i in range(3)]
    assert newest_first == ["addToBasket", "bannerClick", "pageView"]
    page_view = cards.nth(2)
    record = record_of(page_view)
    assert record["partyId"] == party
    assert record["eventType"] == "pageView"
    assert record["location"] == collector.base_url + "/"
    assert record["detectedCorruption"] is False
    assert page_view.locator(".flag.on", has_text="new party").count() == 1
    assert page_view.locator(".flag.on", has_text="first in session").count() == 1
    assert page_view.locator(".flag.on", has_text="corrupt").count() == 0
    assert "HeadlessChrome" in (page_view.locator("section", has_text="User agent").inner_text())
    assert inspector.locator("#count").text_content() == "3 events"

    # Filter by event type: only matching events arrive from now on.
    inspector.fill("#type", "addToBasket")
    inspector.click("button[type=submit]")
    expect(inspector.locator("#status")).to_have_class("live")
    inspector.click("#clear")
    shop.click("#banner")
    shop.click("#basket")
    shop.evaluate(WAIT_FOR_DELIVERY)
    expect(cards).to_have_count(1)
    assert cards.first.get_attribute("data-type") == "addToBasket"

    # Filter by party id: clicking a party id shows only that visitor's events.
    inspector.fill("#type", "")
    cards.first.locator(".party").click()
    assert inspector.input_value("#party") == party
    expect(inspector.locator("#status")).to_have_class("live")
    shop.click("#again")  # a new page view by the same party
    shop.wait_for_url("**/index.html")
    shop.evaluate(WAIT_FOR_DELIVERY)
    expect(cards).to_have_count(2)
    assert cards.first.get_attribute("data-type") == "pageView"
    assert cards.first.get_attribute("data-party") == party

    shot = DOCS_SCREENSHOT if os.environ.get("DIVOLTE_UPDATE_SCREENSHOTS") else tmp_path / "i.png"
    inspector.screenshot(path=str(shot))
    assert shot.stat().st_size > 0
    shop.close()
    inspector.close()
    assert len(collector.stop_and_read()) == 6


def test_the_inspector_is_off_by_default(
    file_collector: StartCollector, context: BrowserContext
) -> None:
    collector = file_collector("")
    assert context.request.get(collector.base_url + "/inspector").status == 404
    assert context.request.get(collector.base_url + "/inspector/events").status == 404
    collector.stop_and_read()
