"""The tag in a real browser against a real collector (TESTS.md §9, PROTOCOL §4).

Each test opens pages in headless Chromium, lets the tag send its beacons to a collector
process, stops the collector with SIGTERM and reads the Avro records it published. The
default record has no custom parameters, so those are checked on the beacon URLs that
Playwright saw (decoded with the server's own mincode decoder and checksum).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Request

from divolte import mincode
from divolte.checksum import is_corrupt
from tests.e2e.conftest import VIEWPORT, FileCollector

pytestmark = [pytest.mark.browser, pytest.mark.integration]

StartCollector = Callable[[str], FileCollector]

READ_PAGE_STATE = """() => ({
    partyId: divolte.partyId, sessionId: divolte.sessionId, pageViewId: divolte.pageViewId,
    width: window.innerWidth, height: window.innerHeight,
    screenWidth: screen.availWidth, screenHeight: screen.availHeight,
    href: location.href, userAgent: navigator.userAgent
})"""
WAIT_FOR_DELIVERY = "() => new Promise((done) => divolte.whenCommitted(done, 5000))"


class Beacons:
    """Every beacon request the page made, in order."""

    def __init__(self, page: Page, event_path: str) -> None:
        self.event_path = event_path
        self.urls: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if urlsplit(request.url).path == self.event_path:
            self.urls.append(request.url)

    def params(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(url).query, keep_blank_values=True) for url in self.urls]

    def of_type(self, event_type: str) -> list[dict[str, list[str]]]:
        return [params for params in self.params() if params["t"] == [event_type]]


def cookie_values(context: BrowserContext) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in context.cookies()}


def by_type(records: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [record for record in records if record["eventType"] == event_type]


def assert_page_record(record: dict[str, Any], state: dict[str, Any]) -> None:
    """The record's browser-side fields equal what the page itself sees."""
    assert record["location"] == state["href"]
    assert record["pageViewId"] == state["pageViewId"]
    assert record["viewportPixelWidth"] == state["width"] == VIEWPORT["width"]
    assert record["viewportPixelHeight"] == state["height"] == VIEWPORT["height"]
    assert record["screenPixelWidth"] == state["screenWidth"] > 50
    assert record["screenPixelHeight"] == state["screenHeight"] > 50
    assert record["userAgentString"] == state["userAgent"]
    assert record["remoteHost"] == "127.0.0.1"
    assert record["detectedCorruption"] is False
    assert record["detectedDuplicate"] is False
    assert abs(record["clientTimestamp"] - time.time() * 1000) < 10 * 60 * 1000
    assert abs(record["timestamp"] - record["clientTimestamp"]) < 60 * 1000


def test_demo_page(file_collector: StartCollector, context: BrowserContext) -> None:
    collector = file_collector("")
    page = context.new_page()
    beacons = Beacons(page, "/csc-event")

    page.goto(collector.base_url + "/")
    page.evaluate(WAIT_FOR_DELIVERY)
    first = page.evaluate(READ_PAGE_STATE)
    assert page.locator("#party").text_content() == first["partyId"]

    page.click("#banner")
    page.click("#basket")
    page.evaluate(WAIT_FOR_DELIVERY)
    cookies = cookie_values(context)

    page.click("#again")  # the demo page's link to itself: a new page view
    page.wait_for_url("**/index.html")
    page.evaluate(WAIT_FOR_DELIVERY)
    second = page.evaluate(READ_PAGE_STATE)
    assert cookie_values(context)["_dvp"] == cookies["_dvp"]
    page.close()

    records = collector.stop_and_read()

    # Identifiers: the cookies the tag wrote, one party and session over both page loads.
    assert first["partyId"] == second["partyId"] == cookies["_dvp"]
    assert first["sessionId"] == second["sessionId"] == cookies["_dvs"]
    assert first["pageViewId"] != second["pageViewId"]
    assert {record["partyId"] for record in records} == {cookies["_dvp"]}
    assert {record["sessionId"] for record in records} == {cookies["_dvs"]}

    assert [record["eventType"] for record in records] == [
        "pageView",
        "bannerClick",
        "addToBasket",
        "pageView",
    ]
    page_views = by_type(records, "pageView")
    assert_page_record(page_views[0], first)
    assert_page_record(page_views[1], second)
    assert page_views[0]["firstInSession"] is True
    assert page_views[0]["referer"] is None
    assert page_views[1]["firstInSession"] is False
    assert page_views[1]["referer"] == first["href"]
    for event_type in ("bannerClick", "addToBasket"):
        (custom,) = by_type(records, event_type)
        assert_page_record(custom, first)
        assert custom["firstInSession"] is False

    # The custom parameters, as the collector decodes them from the beacons.
    assert len(beacons.urls) == 4
    for params in beacons.params():
        assert is_corrupt(params) is False
    (banner,) = beacons.of_type("bannerClick")
    assert mincode.decode(banner["u"][0]) == {"text": "Summer sale banner"}
    (basket,) = beacons.of_type("addToBasket")
    assert mincode.to_json_text(mincode.decode(basket["u"][0])) == (
        '{"sku":"0886974140818","count":1,"price":43.94}'
    )
    assert "u" not in beacons.of_type("pageView")[0]


CUSTOM_CONFIG = """
sources.browser {
  type = browser
  prefix = /tracking
  event_suffix = web-event
  party_cookie = shop_party
  session_cookie = shop_session
  javascript.name = dvt.js
}
"""

# Served by Playwright at the collector's origin; the tag and beacons go to the collector.
CUSTOM_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>shop</title></head>
<body>
<button id="custom" type="button">custom</button>
<script src="/tracking/dvt.js"></script>
<script>
document.getElementById('custom').addEventListener('click', function () {
  divolte.signal('custom', {
    a: {}, b: 'c', c: 'A string with lots of things to escape\\u2026 !+~?=;()-_[]<>%|^`&"\\'',
    n: 42, g: 53.2, h: -37, i: -78.3e-10, j: true, k: false, l: null,
    m: new Date(Date.UTC(2015, 5, 13, 15, 49, 33, 2)), o: [{}, {a: 'b'}, null, undefined],
    pizza: '\\ud83c\\udf55'
  });
});
</script>
</body></html>
"""
CUSTOM_JSON = (
    '{"a":{},"b":"c","c":"A string with lots of things to escape\u2026 !+~?=;()-_[]<>%|^`&\\"\'",'
    '"n":42,"g":53.2,"h":-37,"i":-7.83E-9,"j":true,"k":false,"l":null,'
    '"m":"2015-06-13T15:49:33.002Z","o":[{},{"a":"b"},null,null],"pizza":"\U0001f355"}'
)


def test_custom_paths_and_cookie_names(
    file_collector: StartCollector, context: BrowserContext
) -> None:
    collector = file_collector(CUSTOM_CONFIG)
    page_url = collector.base_url + "/shop/page.html"
    page = context.new_page()
    page.route(
        page_url,
        lambda route: route.fulfill(body=CUSTOM_PAGE, content_type="text/html; charset=utf-8"),
    )
    beacons = Beacons(page, "/tracking/web-event")

    with page.expect_response("**/tracking/dvt.js") as tag_response:
        page.goto(page_url)
    headers = tag_response.value.headers
    assert tag_response.value.status == 200
    assert headers["content-encoding"] == "gzip"  # Chromium sends "gzip, deflate, br, zstd"
    assert headers["etag"].startswith('"gz+')
    assert headers["cache-control"] == "public, max-age=3600"
    page.evaluate(WAIT_FOR_DELIVERY)
    page.click("#custom")
    page.evaluate(WAIT_FOR_DELIVERY)
    state = page.evaluate(READ_PAGE_STATE)
    cookies = cookie_values(context)
    page.close()

    records = collector.stop_and_read()

    assert "_dvp" not in cookies and "_dvs" not in cookies
    assert state["partyId"] == cookies["shop_party"]
    assert state["sessionId"] == cookies["shop_session"]
    assert [record["eventType"] for record in records] == ["pageView", "custom"]
    for record in records:
        assert_page_record(record, state)
        assert record["partyId"] == cookies["shop_party"]
        assert record["sessionId"] == cookies["shop_session"]
    # The emoji parameter's checksum is right: our server agrees with the tag.
    assert records[1]["detectedCorruption"] is False

    assert len(beacons.urls) == 2
    (custom,) = beacons.of_type("custom")
    assert is_corrupt(custom) is False
    assert mincode.to_json_text(mincode.decode(custom["u"][0])) == CUSTOM_JSON


def test_every_navigation_is_a_new_page_view(
    file_collector: StartCollector, context: BrowserContext
) -> None:
    """Open, reload, navigate, back and forward: each shows a new page-view id (TESTS.md §9)."""
    collector = file_collector("")
    page = context.new_page()
    beacons = Beacons(page, "/csc-event")
    seen: list[str] = []

    def settle() -> None:
        page.evaluate(WAIT_FOR_DELIVERY)
        seen.append(page.evaluate("() => divolte.pageViewId"))

    page.goto(collector.base_url + "/")
    settle()
    page.reload()
    settle()
    page.goto(collector.base_url + "/index.html")
    settle()
    page.go_back()
    settle()
    page.go_forward()
    settle()
    page.close()

    records = collector.stop_and_read()

    assert len(set(seen)) == 5
    page_views = [params["v"][0] for params in beacons.of_type("pageView")]
    assert page_views == seen
    assert [record["pageViewId"] for record in by_type(records, "pageView")] == seen
    assert len({record["partyId"] for record in records}) == 1
