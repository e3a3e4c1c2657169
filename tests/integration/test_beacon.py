"""The beacon endpoint end to end: HTTP request in, Avro record out (PROTOCOL §2)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.http_client import get
from tests.integration.beacons import (
    QUERY_A,
    QUERY_B,
    QUERY_NON_ASCII,
    WORKED_EXAMPLE_0,
    WORKED_EXAMPLE_1,
    WORKED_EXAMPLE_UA,
    encode,
)

pytestmark = pytest.mark.integration

GIF = base64.b64decode("R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==")  # PROTOCOL §2.3
SENTINEL = '"6b3edc43-20ec-4078-bc47-e965dd76b88a"'


def test_response_is_the_reference_gif(collector_factory: Any) -> None:
    collector = collector_factory()
    answer = get(collector.port, encode(QUERY_B, x="si9804"))
    assert answer.status == 200
    assert answer.body == GIF
    assert answer.header("Content-Type") == "image/gif"
    assert answer.header("ETag") == SENTINEL
    assert answer.header("Cache-Control") == "private, no-cache, proxy-revalidate"
    assert answer.header("Pragma") == "no-cache"
    assert answer.header("Expires") == "Fri, 14 Apr 1995 11:30:00 GMT"
    assert answer.header("Content-Length") == "37"
    assert answer.header("Server") == "divolte"
    assert answer.header("Set-Cookie") is None
    collector.stop_and_read()


def test_worked_example_records(collector_factory: Any) -> None:
    collector = collector_factory()
    for target in (WORKED_EXAMPLE_0, WORKED_EXAMPLE_1):
        assert get(collector.port, target, {"User-Agent": WORKED_EXAMPLE_UA}).status == 200
    first, second = collector.stop_and_read()
    expected_first = {
        "detectedDuplicate": False,
        "detectedCorruption": False,
        "firstInSession": True,
        "clientTimestamp": 1600000000123,
        "remoteHost": "127.0.0.1",
        "referer": "https://www.google.com/",
        "location": "https://shop.example.com/products/311381?ref=home#reviews",
        "viewportPixelWidth": 1280,
        "viewportPixelHeight": 720,
        "screenPixelWidth": 1920,
        "screenPixelHeight": 1040,
        "partyId": "0:kf12ot8g:Qm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA",
        "sessionId": "0:kf12ot8g:Tb9xW2q_Lr8kPz4nVc6yHs1dJm0gFa3E",
        "pageViewId": "0:Xo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps",
        "eventType": "pageView",
        "userAgentString": WORKED_EXAMPLE_UA,
    }
    assert {k: first[k] for k in expected_first} == expected_first
    assert list(first) == [
        "detectedDuplicate", "detectedCorruption", "firstInSession", "timestamp",
        "clientTimestamp", "remoteHost", "referer", "location", "viewportPixelWidth",
        "viewportPixelHeight", "screenPixelWidth", "screenPixelHeight", "partyId", "sessionId",
        "pageViewId", "eventType", "userAgentString", "userAgentName", "userAgentFamily",
        "userAgentVendor", "userAgentType", "userAgentVersion", "userAgentDeviceCategory",
        "userAgentOsFamily", "userAgentOsVersion", "userAgentOsVendor",
    ]  # fmt: skip
    assert second["eventType"] == "addToBasket"
    assert second["firstInSession"] is False
    assert second["clientTimestamp"] == 1600000004567
    assert second["detectedCorruption"] is False
    assert second["timestamp"] >= first["timestamp"]


@pytest.mark.parametrize(
    ("changes", "corrupt"),
    [
        ({"x": "si9804"}, False),
        ({"x": "si9805"}, True),
        ({}, True),
        ({"x": ""}, True),
    ],
    ids=["correct", "wrong", "missing", "empty"],
)
def test_checksum_flags_corruption(
    collector_factory: Any, changes: dict[str, str], corrupt: bool
) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_B, **changes))
    (record,) = collector.stop_and_read()
    assert record["detectedCorruption"] is corrupt


def test_partial_checksum_without_value_is_corrupt(collector_factory: Any) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_B) + "&x")
    (record,) = collector.stop_and_read()
    assert record["detectedCorruption"] is True


def test_non_ascii_event_type(collector_factory: Any) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_NON_ASCII, x="-ql2p2c"))
    (record,) = collector.stop_and_read()
    assert record["detectedCorruption"] is False
    assert record["eventType"] == "ụñ⚕©ºḌℨ"


def test_emoji_checksum_is_correct_unlike_the_reference(collector_factory: Any) -> None:
    """PROTOCOL §2.18 event #2: the tag's checksum k1av8q is right; we do not flag it."""
    collector = collector_factory()
    target = WORKED_EXAMPLE_1.replace("&c=kf12owrb", "&c=kf12p06g")
    target = target.replace("Ps1&", "Ps2&").replace("t=addToBasket", "t=search")
    target = target.split("&u=")[0] + "&u=(sq!%F0%9F%8D%95%20pizza!)&x=k1av8q"
    get(collector.port, target)
    (record,) = collector.stop_and_read()
    assert record["eventType"] == "search"
    assert record["detectedCorruption"] is False


def test_discard_corrupted(collector_factory: Any) -> None:
    collector = collector_factory(
        "mappings.default { sources = [browser], sinks = [hdfs], discard_corrupted = true }"
    )
    get(collector.port, encode(QUERY_B, x="si9805"))
    get(collector.port, encode(QUERY_NON_ASCII, t="sentinelEvent", x="-y99lem"))
    (record,) = collector.stop_and_read()
    assert record["eventType"] == "sentinelEvent"


def _with_party(party: str) -> str:
    return encode(QUERY_A, p=party)


Q0 = "0:i0rjfnxc:JLOvH9Nda2c1uV8M~vmdhPGFEC3WxVNq"
Q1 = "0:i0rjfnxc:JLfhe7Nda2c1uV8M~vmdjPGFEC3WxVNq"
Q2 = "0:i0rjfnxc:FDfhe7Nda2c1uV8M~vmdiPGFEC3WxVNq"


@pytest.mark.parametrize(
    ("parties", "flags"),
    [
        ([Q0, Q1, Q0], [False, False, True]),
        ([Q1, Q0, Q1, Q2, Q1], [False, False, True, False, False]),
    ],
    ids=["flag-duplicates", "forget-after-collision"],
)
def test_duplicate_memory(collector_factory: Any, parties: list[str], flags: list[bool]) -> None:
    collector = collector_factory("global.mapper.duplicate_memory_size = 2")
    for party in parties:
        get(collector.port, _with_party(party))
    records = collector.stop_and_read()
    assert [r["detectedDuplicate"] for r in records] == flags


@pytest.mark.parametrize("missing", ["p", "s", "v", "e", "c", "n", "f"])
def test_event_without_required_parameter_is_dropped(collector_factory: Any, missing: str) -> None:
    collector = collector_factory()
    answer = get(collector.port, encode(QUERY_B, **{missing: None}))
    assert answer.status == 200 and answer.body == GIF
    get(collector.port, encode(QUERY_NON_ASCII, t="sentinelEvent", x="-y99lem"))
    records = collector.stop_and_read()
    assert [r["eventType"] for r in records] == ["sentinelEvent"]


@pytest.mark.parametrize("party", ["0::x", "1:abc:def", "0:abc:de:f", "0:zzzzzzzzzzzzzzzzz:x"])
def test_invalid_party_id_is_dropped(collector_factory: Any, party: str) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_B, p=party))
    assert collector.stop_and_read() == []


def test_identifiers_are_normalised(collector_factory: Any) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_B, p="0:+I1T84HGY:abc"))
    (record,) = collector.stop_and_read()
    assert record["partyId"] == "0:i1t84hgy:abc"


@pytest.mark.parametrize(
    "if_none_match", [SENTINEL, "W/" + SENTINEL, '"*"', '"other", ' + SENTINEL]
)
def test_if_none_match_sentinel_gives_304_and_no_event(
    collector_factory: Any, if_none_match: str
) -> None:
    collector = collector_factory()
    answer = get(collector.port, encode(QUERY_B, x="si9804"), {"If-None-Match": if_none_match})
    assert answer.status == 304
    assert answer.body == b""
    assert answer.header("Content-Length") is None
    assert answer.header("ETag") == SENTINEL
    assert collector.stop_and_read() == []


def test_if_none_match_other_values_record_the_event(collector_factory: Any) -> None:
    collector = collector_factory()
    for value in ("*", '"something-else"'):
        assert get(collector.port, encode(QUERY_B), {"If-None-Match": value}).status == 200
    assert len(collector.stop_and_read()) == 2


def test_optional_fields_absent_or_unparseable(collector_factory: Any) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_B, l=None, r=None, w="1.i", h="", i=None, t=None))
    (record,) = collector.stop_and_read()
    assert record["location"] is None
    assert record["referer"] is None
    assert record["viewportPixelWidth"] is None
    assert record["viewportPixelHeight"] is None
    assert record["screenPixelWidth"] is None
    assert record["screenPixelHeight"] == int("sj", 36)
    assert record["eventType"] == "unknown"


def test_only_first_value_of_repeated_parameter_is_used(collector_factory: Any) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_B) + "&t=second")
    (record,) = collector.stop_and_read()
    assert record["eventType"] == "pageView"
    assert record["detectedCorruption"] is True


def test_dropped_and_flagged_events_are_counted(collector_factory: Any) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_B, p=None))
    get(collector.port, encode(QUERY_B, c="not base 36!"))
    get(collector.port, encode(QUERY_B, x="si9805"))
    assert len(collector.stop_and_read()) == 1
    log = collector.process.log()
    assert "events_received/browser=3" in log
    assert "events_dropped/browser/missing_party_id=1" in log
    assert "events_dropped/browser/invalid_client_timestamp=1" in log
    assert "events_flagged/browser/corrupt=1" in log
    assert "records_produced/default=1" in log
