"""Every mapping script of MAPPING.md §11 / TESTS.md §7 (DslRecordMapperTest), as data.

Each case names a script under ``mapping_scripts/`` (written from the spec's descriptions), the
request (location, referer, parameters; the §7 headers are always sent) and the expected record
fields. ``None`` means "not set": the record holds no value and the encoder writes the default.
Every record is also encoded with the test schema, as the reference checks serialisability.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from divolte.mapping.avro_encoder import compile_encoder
from divolte.mapping.dsl import compile_mapping_script
from tests.unit.mapping_scripts.fixtures import (
    CHROME,
    HETEROGENEOUS,
    HOMOGENEOUS,
    NOW,
    QUERY,
    SCHEMA,
    SCRIPTS,
    FakeEnrichment,
    beacon_event,
)

EVENT_ID = QUERY["e"]
ENCODE = compile_encoder(SCHEMA)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


URI_LOCATION = "https://www.example.com:8080/path/to/resource/page.html?q=multiple+words+%24%23%25%26&p=10&p=20"
URI_REFERER = (
    "http://example.com/path/to/resource/page.html?q=divolte&p=42#/client/side/path?x=value&y=42"
)
RAW_LOCATION = (
    "http://example.com/path/to/resource%20and%20such/page.html?q=multiple+words+%24%23%25%26&p=42"
    "#/client/side/path?x=value&y=42&q=multiple+words+%24%23%25%26"
)
FRAGMENT_LOCATION = "http://example.com/path/?q=divolte#/client/side/path?x=value&y=42&q=multiple+words+%24%23%25%26"
STOPPED = {"client": "happened", "session": None}
EXITED = {
    "client": "happened",
    "pageview": "happened",
    "event": "happened",
    "customCookie": "happened",
    "session": None,
}

# (script, request, expected fields)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "flat-mapping",
        {"location": "https://example.com/", "referer": "http://example.com/"},
        {
            "sessionStart": True,
            "unreliable": True,
            "dupe": False,
            "ts": NOW,
            "location": "https://example.com/",
            "referer": "http://example.com/",
            "userAgentString": CHROME,
            "userAgentName": "Chrome",
            "userAgentFamily": "Chrome",
            "userAgentVendor": "Google Inc.",
            "userAgentType": "Browser",
            "userAgentVersion": "38.0.2125.122",
            "userAgentDeviceCategory": "Personal computer",
            "userAgentOsFamily": "OS X",
            "userAgentOsVersion": "10.10.1",
            "userAgentOsVendor": "Apple Computer, Inc.",
            "client": QUERY["p"],
            "session": QUERY["s"],
            "pageview": QUERY["v"],
            "event": EVENT_ID,
            "viewportWidth": 1018,
            "viewportHeight": 1018,
            "screenWidth": 1024,
            "screenHeight": 1024,
            "pixelRatio": 2,
            "eventType": "pageView",
            "remoteHost": "127.0.0.1",
        },
    ),
    ("client-timestamp", {"location": "https://example.com/"}, {"ts": 1412220184033}),
    (
        "custom-cookie-mapping",
        {"location": "http://example.com"},
        {"customCookie": "custom_cookie_value"},
    ),
    (
        "when-mapping",
        {"location": "http://www.example.com/", "referer": "http://www.example.com/somepage.html"},
        {
            "eventType": "locationmatch",
            "client": "referermatch",
            "queryparam": None,
            "event": "absent",
            "pageview": "present",
        },
    ),
    ("chained-na-mapping", {"location": "http://www.exmaple.com/"}, {"queryparam": None}),
    (
        "regex-mapping",
        {
            "location": "http://www.example.com/path/with/42/about.html",
            "referer": "http://www.example.com/path/with/13/contact.html",
        },
        {"pathBoolean": True, "client": "42", "pageview": "about"},
    ),
    (
        "uri-mapping",
        {"location": URI_LOCATION, "referer": URI_REFERER},
        {
            "uriScheme": "https",
            "uriPath": "/path/to/resource/page.html",
            "uriHost": "www.example.com",
            "uriPort": 8080,
            "uriFragment": "/client/side/path?x=value&y=42",
            "uriQueryString": "q=multiple+words+$#%&&p=10&p=20",
            "uriQueryStringValue": "multiple words $#%&",
            "uriQueryStringValues": ["10", "20"],
            "uriQuery": {"p": ["10", "20"], "q": ["multiple words $#%&"]},
        },
    ),
    (
        "uri-mapping-raw",
        {"location": RAW_LOCATION},
        {
            "uriPath": "/path/to/resource%20and%20such/page.html",
            "uriQueryString": "q=multiple+words+%24%23%25%26&p=42",
            "uriFragment": "/client/side/path?x=value&y=42&q=multiple+words+%24%23%25%26",
        },
    ),
    (
        "uri-mapping-fragment",
        {"location": FRAGMENT_LOCATION},
        {
            "uriPath": "/client/side/path",
            "uriQueryString": "x=value&y=42&q=multiple+words+%24%23%25%26",
            "uriQueryStringValue": "multiple words $#%&",
        },
    ),
    (
        "funky-querystring-mapping",
        {"location": "http://example.com/path/?a=value&=42&b=&d=word&c&=bla"},
        {"uriQueryStringValue": "value", "queryparam": "", "client": "", "pageview": "word"},
    ),
    (
        "header-mapping",
        {},
        {
            "headerList": ["first", "second", "last"],
            "headerFirst": "first",
            "headerGet0": "first",
            "headerGet1": "second",
            "headerGet2": "last",
            "headerGet3": None,
            "headerGet_4": None,
            "headerGet_3": "first",
            "headerGet_2": "second",
            "headerGet_1": "last",
            "headerLast": "last",
            "headers": "first,second,last",
        },
    ),
    (
        "header-normalization-mapping",
        {},
        {
            "headerList": [
                "first",
                "second",
                "third",
                "fourth",
                "fifth",
                "sixth,still_sixth",
                "seventh",
                ' eighth,"still eighth ',
                "ninth still ninth",
                "last",
            ]
        },
    ),
    (
        "event-param-mapping",
        {"params": HOMOGENEOUS},
        {"paramMap": {"foo": "string", "bar": "42"}, "paramValue": "string"},
    ),
    (
        "event-param-jsonpath-mapping",
        {"params": HETEROGENEOUS},
        {
            "paramValue": "string",
            "paramIntValue": 42,
            "itemPrices": [1.23, 0.89],
            "items": [
                {"name": "apple", "count": 3, "price": 1.23},
                {"name": "pear", "count": 1, "price": 0.89},
            ],
        },
    ),
    (
        "event-param-jsonpath-missing",
        {},
        {"paramValue": "value that should not be overwritten"},
    ),
    (
        "event-param-all",
        {"params": HETEROGENEOUS},
        {
            "paramRecord": {
                "foo": "string",
                "bar": "42",
                "items": [{"count": 3, "price": 1.23}, {"count": 1, "price": 0.89}],
            }
        },
    ),
    (
        "event-param-jsonpath-mismatch",
        {"params": HETEROGENEOUS},
        {"paramIntValue": None, "flag1": True},
    ),
    ("event-param-jsonpath-presence", {"params": HOMOGENEOUS}, {"flag1": True, "flag2": False}),
    (
        "correct-types-literal",
        {"location": "http://www.example.com/correct"},
        {
            "queryparam": "string value",
            "queryparamBoolean": True,
            "queryparamLong": 42,
            "pathInteger": 42,
            "queryparamDouble": 42.0,
        },
    ),
    ("basic-stop", {"location": "http://www.example.com"}, STOPPED),
    ("nested-conditional-stop", {"location": "http://www.example.com"}, STOPPED),
    ("shorthand-conditional-stop", {"location": "http://www.example.com"}, STOPPED),
    ("shorthand-conditional-stop-closure", {"location": "http://www.example.com"}, STOPPED),
    ("basic-toplevel-exit", {"location": "http://www.example.com"}, STOPPED),
    ("nested-conditional-exit", {"location": "http://www.example.com"}, EXITED),
    ("nested-conditional-exit-closure", {"location": "http://www.example.com"}, EXITED),
    (
        "boolean-logic",
        {"location": "http://www.example.com/"},
        {"unreliable": True, "dupe": False, "queryparamBoolean": True, "pathBoolean": True},
    ),
    ("digest-string-provider", {}, {"digestBinary": sha256(EVENT_ID.encode())}),
    ("digest-string-literal", {}, {"digestBinary": sha256(b"aLiteralString")}),
    ("digest-chaining", {}, {"digestBinary": sha256(EVENT_ID.encode() + b"aLiteralString")}),
    ("digest-json", {"params": HETEROGENEOUS}, {"digestBinary": sha256(b"string42apple")}),
    ("digest-bytebuffer", {"params": HETEROGENEOUS}, {"digestBinary": sha256(sha256(b""))}),
    ("digest-missing-value", {}, {"digestBinary": sha256(b"")}),
    (
        "digest-with-string-conversion",
        {},
        {"digestString": base64.b64encode(sha256(EVENT_ID.encode())).decode()},
    ),
    ("minimal-mapping", {}, {"sessionStart": True, "ts": NOW, "remoteHost": "127.0.0.1"}),
]


@pytest.mark.parametrize(("script", "request_", "expected"), CASES, ids=[c[0] for c in CASES])
def test_reference_script(script: str, request_: dict[str, Any], expected: dict[str, Any]) -> None:
    mapping = compile_mapping_script(str(SCRIPTS / f"{script}.groovy"), SCHEMA, FakeEnrichment())
    record = mapping(beacon_event(**request_))
    for field, value in expected.items():
        assert record.get(field) == value, field
    ENCODE(record)


def test_flat_mapping_sets_every_field() -> None:
    mapping = compile_mapping_script(str(SCRIPTS / "flat-mapping.groovy"), SCHEMA, FakeEnrichment())
    record = mapping(beacon_event("https://example.com/", "http://example.com/"))
    assert len(record) == 27 and None not in record.values()


def test_seeded_digests_differ() -> None:
    mapping = compile_mapping_script(
        str(SCRIPTS / "digest-with-seed.groovy"), SCHEMA, FakeEnrichment()
    )
    record = mapping(beacon_event())
    values = {record["digestString"], record["digestString2"], record["digestString3"]}
    assert len(values) == 3
    assert record["digestString"] == base64.b64encode(sha256(EVENT_ID.encode())).decode()


def test_documented_algorithms_load_and_map() -> None:
    script = str(SCRIPTS / "digest-with-documented-algorithms.groovy")
    record = compile_mapping_script(script, SCHEMA, FakeEnrichment())(beacon_event())
    assert len(record["digestBinary"]) == 64  # the last one mapped: seeded SHA-512


GEO_EXPECTED = {
    "geoCityId": 2758064,
    "geoCityName": "Bussum",
    "geoContinentCode": "EU",
    "geoContinentId": 6255148,
    "geoContinentName": "Europe",
    "geoCountryCode": "NL",
    "geoCountryId": 2750405,
    "geoCountryName": "Netherlands",
    "geoLatitude": 52.27333,
    "geoLongitude": 5.16111,
    "geoMetroCode": 37331,
    "geoTimeZone": "Europe/Amsterdam",
    "geoMostSpecificSubdivisionCode": "YC",
    "geoMostSpecificSubdivisionId": 2333,
    "geoMostSpecificSubdivisionName": "Subdivision2",
    "geoPostalCode": "1403RM",
    "geoRegisteredCountryCode": "AB",
    "geoRegisteredCountryId": 12,
    "geoRegisteredCountryName": "Name1",
    "geoRepresentedCountryCode": "CD",
    "geoRepresentedCountryId": 14,
    "geoRepresentedCountryName": "Name2",
    "geoSubdivisionCodes": ["WN", "YC"],
    "geoSubdivisionIds": [2331, 2333],
    "geoSubdivisionNames": ["Subdivision1", "Subdivision2"],
    "geoAutonomousSystemNumber": 42,
    "geoAutonomousSystemOrganization": "Level Communications",
    "geoDomain": "divolte.io",
    "geoIsp": "An ISP",
    "geoOrganisation": "The Organization",
    "geoAnonymousProxy": True,
    "geoSatelliteProvider": False,
}


def test_geo_fields_with_one_lookup_per_event() -> None:
    enrichment = FakeEnrichment()
    mapping = compile_mapping_script(str(SCRIPTS / "geo-mapping.groovy"), SCHEMA, enrichment)
    for count in (1, 2):
        record = mapping(beacon_event())
        assert {k: v for k, v in record.items() if k.startswith("geo")} == GEO_EXPECTED
        assert enrichment.geo_lookups == ["127.0.0.1"] * count
        ENCODE(record)


def test_json_events_leave_browser_fields_absent() -> None:
    from dataclasses import replace

    mapping = compile_mapping_script(str(SCRIPTS / "flat-mapping.groovy"), SCHEMA, FakeEnrichment())
    event = replace(
        beacon_event(),
        source_kind="json",
        location=None,
        referer=None,
        page_view_id=None,
        viewport_width=None,
        viewport_height=None,
        screen_width=None,
        screen_height=None,
        device_pixel_ratio=None,
    )
    record = mapping(event)
    assert "location" not in record and "pageview" not in record and "viewportWidth" not in record
    assert record["event"] == EVENT_ID
