"""Reference values of the Divolte documentation used by several test modules, kept once.

The user agent's fields are the reference's documented result for its example agent; the
geo record is the reference's documented ip2geo() example (the Bussum record).
"""

from __future__ import annotations

from typing import Any

from divolte.enrich import GeoInfo, UserAgentInfo

CHROME_38_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/38.0.2125.122 Safari/537.36"
)

CHROME_38_ON_OS_X = UserAgentInfo(
    name="Chrome",
    family="Chrome",
    vendor="Google Inc.",
    type="Browser",
    version="38.0.2125.122",
    device_category="Personal computer",
    os_family="OS X",
    os_version="10.10.1",
    os_vendor="Apple Computer, Inc.",
)
BUSSUM = GeoInfo(
    city_id=2758064,
    city_name="Bussum",
    continent_code="EU",
    continent_id=6255148,
    continent_name="Europe",
    country_code="NL",
    country_id=2750405,
    country_name="Netherlands",
    latitude=52.27333,
    longitude=5.16111,
    metro_code=37331,
    time_zone="Europe/Amsterdam",
    most_specific_subdivision_code="YC",
    most_specific_subdivision_id=2333,
    most_specific_subdivision_name="Subdivision2",
    postal_code="1403RM",
    registered_country_code="AB",
    registered_country_id=12,
    registered_country_name="Name1",
    represented_country_code="CD",
    represented_country_id=14,
    represented_country_name="Name2",
    subdivision_codes=("WN", "YC"),
    subdivision_ids=(2331, 2333),
    subdivision_names=("Subdivision1", "Subdivision2"),
    autonomous_system_number=42,
    autonomous_system_organization="Level Communications",
    domain="divolte.io",
    isp="An ISP",
    organisation="The Organization",
    anonymous_proxy=True,
    satellite_provider=False,
)

# JSON ⇄ mincode, the table of Divolte's mincode documentation (JSON text, mincode).
MINCODE_TABLE: list[tuple[str, str]] = [
    ('"a string"', "sa string!"),
    ('"Hello~World!"', "sHello~~World~!!"),
    ("true", "t"),
    ("false", "f"),
    ("null", "n"),
    ("42", "d16!"),
    ("-37", "d-11!"),
    ("10.3", "j10.3!"),
    ("{}", "()"),
    ("[]", "a."),
    ('{"foo":"bar","baz":"daz"}', "(sfoo!bar!sbaz!daz!)"),
    ('["foo","bar","baz","daz"]', "asfoo!sbar!sbaz!sdaz!."),
    (
        '[{"foo":"bar","baz":"daz"},{"daz":"huh","doo":"wha"},{"daz":2,"doo":3}]',
        "a(sfoo!bar!sbaz!daz!)(sdaz!huh!sdoo!wha!)(ddaz!2!ddoo!3!).",
    ),
    (
        '{"name":"John Doe","age":42,"children":["Mary","Bill"]}',
        "(sname!John Doe!dage!16!achildren!sMary!sBill!.)",
    ),
]

# The tag's configuration constants with Divolte's defaults (TagResource keyword arguments).
TAG_DEFAULTS: dict[str, Any] = {
    "script_name": "divolte.js",
    "event_suffix": "csc-event",
    "party_cookie": "_dvp",
    "party_timeout_seconds": 63072000,
    "session_cookie": "_dvs",
    "session_timeout_seconds": 1800,
    "cookie_domain": None,
    "logging": False,
    "debug": False,
    "auto_page_view_event": True,
    "event_timeout_seconds": 0.75,
}

# The reference's standard beacon (correct checksum si9804 when sent with x).
QUERY_B = {
    "p": "0:i1t84hgy:5AF359Zjq5kUy98u4wQjlIZzWGhN~GlG",
    "s": "0:i1t84hgy:95CbiPCYln_1e0a6rFvuRkDkeNnc6KC8",
    "v": "0:1fF6GFGjDOQiEx_OxnTm_tl4BH91eGLF",
    "e": "0:1fF6GFGjDOQiEx_OxnTm_tl4BH91eGLF0",
    "c": "i1t8q2b6",
    "n": "f",
    "f": "f",
    "l": "http://localhost:8290/",
    "i": "1ak",
    "j": "sj",
    "k": "2",
    "w": "uq",
    "h": "qd",
    "t": "pageView",
}
