"""Shared fixtures of the mapping-language tests: the DslRecordMapperTest request (TESTS.md §7),
the test schema, and an enrichment that returns the reference's test values (MAPPING §6.6, §6.7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.spec_values import BUSSUM, CHROME_38_ON_OS_X

from divolte.enrich import GeoInfo, UserAgentInfo
from divolte.event import Event, RequestInfo
from divolte.mapping.avro_encoder import load_schema
from divolte.sources.beacon import parse_beacon

SCRIPTS = Path(__file__).parent
SCHEMA: dict[str, Any] = load_schema(SCRIPTS / "TestRecord.avsc")
NOW = 1_700_000_000_000

CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/38.0.2125.122 Safari/537.36"
)
# Query A's identifiers with k=2, w=h=sa (1018), i=j=sg (1024): TESTS.md §7.
QUERY = {
    "p": "0:i0rjfnxc:JLOvH9Nda2c1uV8M~vmdhPGFEC3WxVNq",
    "s": "0:i0rjfnxc:FPpXFMdcEORvvaP_HbpDgABG3Iu5__4d",
    "v": "0:OxVC1WJ4PZNEGIUuzdXPsy_bztnKMuoH",
    "e": "0:OxVC1WJ4PZNEGIUuzdXPsy_bztnKMuoH0",
    "c": "i0rjfnxd",
    "n": "t",
    "f": "t",
    "i": "sg",
    "j": "sg",
    "k": "2",
    "w": "sa",
    "h": "sa",
    "t": "pageView",
}
HEADERS = [
    ("User-Agent", CHROME),
    ("Cookie", "custom_cookie=custom_cookie_value;"),
    ("X-Divolte-Test", "first"),
    ("X-Divolte-Test", "second"),
    ("X-Divolte-Test", "last"),
    ("X-Divolte-Horrible", "first"),
    ("X-Divolte-Horrible", "second, third ,fourth,fifth"),
    ("X-Divolte-Horrible", '"sixth,still_sixth", seventh,'),
    ("X-Divolte-Horrible", '" eighth,\\"still eighth "'),
    ("X-Divolte-Horrible", "ninth  still ninth"),
    ("X-Divolte-Horrible", "last"),
]
HOMOGENEOUS = "(sfoo!string!dbar!16!)"
HETEROGENEOUS = (
    "(sfoo!string!dbar!16!aitems!(sname!apple!dcount!3!jprice!1.23!sextra1!ignored!)"
    "(sname!pear!dcount!1!jprice!0.89!sextra2!ignored!).)"
)


def beacon_event(
    location: str | None = "http://www.example.com/",
    referer: str | None = None,
    params: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Event:
    query = {name: [value] for name, value in QUERY.items()}
    for name, value in (("l", location), ("r", referer), ("u", params)):
        if value is not None:
            query[name] = [value]
    raw = [(k.encode(), v.encode("latin-1")) for k, v in (HEADERS if headers is None else headers)]
    return parse_beacon(query, RequestInfo("127.0.0.1", raw, {}), "browser", NOW)


CHROME_INFO = CHROME_38_ON_OS_X
CITY = BUSSUM


class FakeEnrichment:
    """The reference's mocked lookups; counts geo lookups."""

    def __init__(self, geo_enabled: bool = True) -> None:
        self.geo_enabled = geo_enabled
        self.geo_lookups: list[str] = []

    def user_agent(self, event: Event) -> UserAgentInfo | None:
        return CHROME_INFO if event.request.user_agent else None

    def geo(self, address: str) -> GeoInfo | None:
        self.geo_lookups.append(address)
        return CITY
