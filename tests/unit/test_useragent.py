"""User agents in the reference's vocabulary (MAPPING §6.6, case C-10), hints and the cache."""

from __future__ import annotations

import pytest

from divolte.enrich._client_hints import ClientHints, user_agent_and_hints
from divolte.enrich.factory import CollectorEnrichment
from divolte.enrich.useragent import UserAgentParser
from divolte.event import Event, RequestInfo
from tests.spec_values import CHROME_38_ON_OS_X

SPEC_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/38.0.2125.122 Safari/537.36"
)
ANDROID_CHROME_140 = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0.0.0 Mobile Safari/537.36"
)
EDGE_120 = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"
)
CUBOT = (
    "Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/74.0.3729.157 Mobile Safari/537.36"
)
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)

# (user agent, reason, family) for case C-10's robots, plus a few well-known ones.
ROBOTS = [
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/600.2.5 (KHTML, like Gecko) "
        "Version/8.0.2 Safari/600.2.5 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        "crawler",
        "Applebot",
    ),
    (
        "Mozilla/5.0 (compatible; AhrefsSiteAudit/6.1; +http://ahrefs.com/robot/)",
        "crawler",
        "AhrefsSiteAudit",
    ),
    (
        "Mozilla/5.0 (Linux; Android 7.0; Moto G (4)) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/94.0.4590.2 Mobile Safari/537.36 Chrome-Lighthouse",
        "monitoring",
        "Lighthouse",
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/120.0.0.0 Safari/537.36",
        "headless",
        "HeadlessChrome",
    ),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "crawler",
     "Googlebot"),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "crawler",
     "bingbot"),
    ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", "monitoring", "Pingdom"),
    ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "monitoring",
     "UptimeRobot"),
    ("Mozilla/5.0 (compatible; ExampleCrawler/3.1; +https://crawler.example.com/about)",
     "crawler", "ExampleCrawler"),
]  # fmt: skip

# Agents that are not robots, with (name, type, device category, OS family, OS version).
BROWSERS = [
    (CUBOT, "Chrome Mobile", "Mobile Browser", "Smartphone", "Android", "9"),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1",
        "Mobile Safari", "Mobile Browser", "Tablet", "iOS", "17.1",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "Mobile Safari", "Mobile Browser", "Smartphone", "iOS", "17.1",
    ),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Firefox", "Browser", "Personal computer", "Windows", "6.1",
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        "Chrome", "Mobile Browser", "Tablet", "Android", "13",
    ),
    (
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/79.0.3945.79 Safari/537.36 WebAppManager",
        "Chrome", "Browser", "Smart TV", "webOS", "",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Thunderbird/120.0",
        "Thunderbird", "Email client", "Personal computer", "OS X", "10.15",
    ),
    ("curl/8.4.0", "cURL", "Library", "Other", "unknown", ""),
    ("python-requests/2.31.0", "Python-requests", "Library", "Other", "unknown", ""),
    (
        "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)",
        "unknown", "Unknown", "Game console", "unknown", "",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def parser() -> UserAgentParser:
    return UserAgentParser(cache_size=100)


def test_reference_test_value(parser: UserAgentParser) -> None:
    """MAPPING §6.6: the reference's own example comes out exactly the same."""
    assert parser.parse(SPEC_UA) == CHROME_38_ON_OS_X


def test_reference_documented_values(parser: UserAgentParser) -> None:
    info = parser.parse(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/52.0.2743.116 Safari/537.36"
    )
    assert (info.version, info.os_version) == ("52.0.2743.116", "10.11.6")
    ipad = parser.parse(BROWSERS[1][0])
    assert (ipad.family, ipad.type, ipad.device_category) == ("Mobile Safari", "Mobile Browser",
                                                              "Tablet")  # fmt: skip


def test_modern_chrome_on_android_is_140_not_14(parser: UserAgentParser) -> None:
    info = parser.parse(ANDROID_CHROME_140)
    assert info.family == "Chrome Mobile"
    assert info.vendor == "Google Inc."
    assert info.version == "140.0.0.0"
    assert (info.version or "").split(".")[0] == "140"
    assert info.device_category == "Smartphone"
    assert (info.os_family, info.os_version, info.os_vendor) == ("Android", "10", "Google, Inc.")
    assert not info.is_robot


def test_edge_on_windows(parser: UserAgentParser) -> None:
    info = parser.parse(EDGE_120)
    assert (info.name, info.family, info.vendor) == ("Edge", "Edge", "Microsoft Corporation")
    assert info.version is not None and info.version.startswith("120.")
    assert (info.type, info.device_category) == ("Browser", "Personal computer")
    assert (info.os_family, info.os_version) == ("Windows", "10.0")  # the NT version, as before


@pytest.mark.parametrize(("ua", "reason", "family"), ROBOTS, ids=[r[2] for r in ROBOTS])
def test_robots_are_typed_robot_with_a_reason(
    parser: UserAgentParser, ua: str, reason: str, family: str
) -> None:
    info = parser.parse(ua)
    assert info.is_robot
    assert info.type == "Robot"
    assert info.robot_reason == reason
    assert info.family == family
    assert info.device_category == "Other"  # the reference's category for robots


@pytest.mark.parametrize(
    ("ua", "name", "kind", "category", "os_family", "os_version"),
    BROWSERS,
    ids=[f"{b[1]}-{b[3]}" for b in BROWSERS],
)
def test_browsers_and_other_agents(
    parser: UserAgentParser,
    ua: str,
    name: str,
    kind: str,
    category: str,
    os_family: str,
    os_version: str,
) -> None:
    info = parser.parse(ua)
    assert not info.is_robot, "a substring rule on 'bot' must not catch the CUBOT phone"
    assert (info.name, info.family) == (name, name)
    assert info.type == kind
    assert info.device_category == category
    assert (info.os_family, info.os_version) == (os_family, os_version)


@pytest.mark.parametrize("ua", ["", "garbage", "-"])
def test_unknown_agents_get_unknown_values(parser: UserAgentParser, ua: str) -> None:
    info = parser.parse(ua)
    assert (info.name, info.family, info.vendor, info.type) == ("unknown", "unknown", "", "Unknown")
    assert (info.version, info.device_category) == ("", "Unknown")
    assert (info.os_family, info.os_version, info.os_vendor) == ("unknown", "", "")


def test_client_hints_name_a_browser_hiding_behind_chrome(parser: UserAgentParser) -> None:
    hints = ClientHints(brands='"Brave";v="120", "Chromium";v="120", "Not_A Brand";v="24"')
    info = parser.parse(CHROME_ON_WINDOWS, hints)
    assert (info.name, info.vendor, info.version) == ("Brave", "Brave Software, Inc.",
                                                      "120.0.0.0")  # fmt: skip


def test_client_hints_full_version_and_platform_version(parser: UserAgentParser) -> None:
    hints = ClientHints(
        brands='"Chromium";v="140", "Google Chrome";v="140", "Not?A_Brand";v="99"',
        mobile="?1",
        platform='"Android"',
        platform_version='"14.0.0"',
        full_version_list='"Chromium";v="140.0.7339.52", "Google Chrome";v="140.0.7339.52"',
    )
    info = parser.parse(ANDROID_CHROME_140, hints)
    assert (info.family, info.version) == ("Chrome Mobile", "140.0.7339.52")
    assert (info.os_family, info.os_version) == ("Android", "14.0.0")
    assert info.device_category == "Smartphone"


def test_client_hints_mobile_flag_and_platform(parser: UserAgentParser) -> None:
    tablet_ua = ANDROID_CHROME_140.replace(" Mobile Safari", " Safari")
    assert parser.parse(tablet_ua).device_category == "Tablet"
    phone = parser.parse(tablet_ua, ClientHints(mobile="?1", platform='"Android"'))
    assert phone.device_category == "Smartphone"
    mac = parser.parse(CHROME_ON_WINDOWS, ClientHints(platform='"macOS"'))
    assert (mac.os_family, mac.os_vendor) == ("OS X", "Apple Computer, Inc.")


def test_client_hints_reveal_headless_chrome(parser: UserAgentParser) -> None:
    hints = ClientHints(brands='"HeadlessChrome";v="120", "Chromium";v="120"')
    info = parser.parse(CHROME_ON_WINDOWS, hints)
    assert (info.is_robot, info.robot_reason) == (True, "headless")


def test_headers_are_read_in_one_pass() -> None:
    headers = [
        (b"Host", b"example.com"),
        (b"User-Agent", SPEC_UA.encode()),
        (b"user-agent", b"second"),
        (b"Sec-CH-UA-Mobile", b"?0"),
        (b"SEC-CH-UA", b'"Google Chrome";v="120"'),
        (b"Sec-CH-UA-Platform", b'"Windows"'),
    ]
    ua, hints = user_agent_and_hints(headers)
    assert ua == SPEC_UA
    assert hints == ClientHints(brands='"Google Chrome";v="120"', mobile="?0",
                                platform='"Windows"')  # fmt: skip
    assert hints is not None and hints.is_mobile is False and hints.platform_name == "Windows"
    assert user_agent_and_hints([(b"Host", b"x")]) == (None, None)


def test_results_are_cached_up_to_cache_size() -> None:
    parser = UserAgentParser(cache_size=2)
    first = parser.parse(SPEC_UA)
    assert parser.parse(SPEC_UA) is first
    parser.parse(EDGE_120)
    parser.parse(CUBOT)  # evicts the least recently used
    assert "currsize=2" in parser.cache_info()
    assert parser.parse(SPEC_UA) is not first
    assert parser.parse(SPEC_UA) == first


def test_cache_size_zero_disables_the_cache() -> None:
    parser = UserAgentParser(cache_size=0)
    assert parser.parse(SPEC_UA) == parser.parse(SPEC_UA)
    assert "currsize=0" in parser.cache_info()


def _event(headers: list[tuple[bytes, bytes]]) -> Event:
    return Event(
        source_kind="browser",
        source_name="browser",
        party_id="0:p:x",
        session_id="0:s:x",
        event_id="e",
        new_party=False,
        first_in_session=False,
        client_timestamp=0,
        timestamp=0,
        request=RequestInfo(remote_host="127.0.0.1", raw_headers=headers),
    )


def test_enrichment_reads_the_event_headers() -> None:
    enrichment = CollectorEnrichment(UserAgentParser(10))
    assert enrichment.user_agent(_event([])) is None  # no header: absent, as in the reference
    event = _event([(b"User-Agent", EDGE_120.encode())])
    info = enrichment.user_agent(event)
    assert info is not None and info.family == "Edge"
    assert enrichment.user_agent(event) is info
    assert enrichment.geo_enabled is False
    assert enrichment.geo("81.2.69.142") is None
