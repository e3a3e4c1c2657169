"""Routing, limits and malformed input (PROTOCOL §1, cases C-03 and C-12)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.http_client import get, raw
from tests.integration.beacons import QUERY_A, QUERY_B, encode

pytestmark = pytest.mark.integration


def test_unknown_path_is_404_with_empty_body(collector_factory: Any) -> None:
    collector = collector_factory()
    answer = get(collector.port, "/no-such-thing")
    assert (answer.status, answer.body, answer.header("Server")) == (404, b"", "divolte")
    collector.stop_and_read()


@pytest.mark.parametrize("method", ["POST", "HEAD", "PUT"])
def test_wrong_method_on_beacon_is_405(collector_factory: Any, method: str) -> None:
    collector = collector_factory()
    answer = get(collector.port, encode(QUERY_B), method=method)
    assert answer.status == 405
    assert answer.header("Allow") == "GET"
    if method != "HEAD":
        assert answer.body == f"HTTP method {method} not allowed.".encode()
        assert answer.header("Content-Type") == "text/plain; charset=utf-8"
    assert collector.stop_and_read() == []


def test_ping_and_health(collector_factory: Any) -> None:
    collector = collector_factory()
    ping = get(collector.port, "/ping")
    assert (ping.status, ping.body) == (200, b"pong")
    assert ping.header("Content-Type") == "text/plain; charset=utf-8"
    health = get(collector.port, "/health", method="POST")
    assert (health.status, health.body) == (200, b"OK")
    collector.stop_and_read()


@pytest.mark.parametrize(
    "suffix",
    ["&t=pageView&u=%b", "&l=%zz", "&l=https%3A%2F%2Fa.example%2F%E0%A4%A"],
    ids=["u-truncated", "l-not-hex", "l-truncated-utf8"],
)
def test_malformed_percent_encoding_is_recorded_as_corrupt(
    collector_factory: Any, suffix: str
) -> None:
    """C-03: a defined answer (the normal 200 GIF), the event kept with the corrupt flag."""
    collector = collector_factory()
    base = {k: v for k, v in QUERY_B.items() if k not in "lrtx"}
    answer = get(collector.port, encode(base) + suffix)
    assert answer.status == 200
    assert get(collector.port, "/ping").status == 200
    (record,) = collector.stop_and_read()
    assert record["detectedCorruption"] is True


def test_truncated_beacon_is_flagged_corrupt(collector_factory: Any) -> None:
    """C-12: a query cut off after some parameters (checksum lost) is recorded as corrupt."""
    collector = collector_factory()
    whole = encode(QUERY_B, x="si9804")
    get(collector.port, whole[: whole.index("&w=")])
    (record,) = collector.stop_and_read()
    assert record["detectedCorruption"] is True
    assert record["viewportPixelWidth"] is None


def test_huge_request_line_gets_414(collector_factory: Any) -> None:
    collector = collector_factory()
    target = encode(QUERY_B) + "&l=" + "a" * 70_000
    answer = raw(collector.port, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 414 ")
    assert get(collector.port, "/ping").status == 200
    assert collector.stop_and_read() == []


def test_huge_headers_get_431(collector_factory: Any) -> None:
    collector = collector_factory()
    headers = "".join(f"X-Filler-{n}: {'v' * 1000}\r\n" for n in range(100))
    answer = raw(collector.port, f"GET /ping HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 431 ")
    collector.stop_and_read()


@pytest.mark.parametrize(
    "garbage",
    [b"NOT HTTP AT ALL\r\n\r\n", b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n", b"\x00\xff\r\n\r\n"],
)
def test_garbage_gets_400_and_server_stays_up(collector_factory: Any, garbage: bytes) -> None:
    collector = collector_factory()
    assert raw(collector.port, garbage).startswith(b"HTTP/1.1 400 ")
    assert get(collector.port, "/ping").status == 200
    collector.stop_and_read()


def test_keep_alive_pipelined_beacons(collector_factory: Any) -> None:
    collector = collector_factory()
    one = f"GET {encode(QUERY_B, x='si9804')} HTTP/1.1\r\nHost: x\r\n\r\n"
    last = f"GET {encode(QUERY_B, x='si9804')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer = raw(collector.port, (one * 4 + last).encode())
    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 5
    assert len(collector.stop_and_read()) == 5


def test_dot_segments_are_resolved_before_routing(collector_factory: Any) -> None:
    collector = collector_factory()
    answer = get(collector.port, "/static/../csc-event?" + encode(QUERY_B).split("?", 1)[1])
    assert answer.status == 200
    assert len(collector.stop_and_read()) == 1


def test_demo_page_and_tag_are_served(collector_factory: Any) -> None:
    collector = collector_factory()
    page = get(collector.port, "/")
    assert page.status == 200
    assert b"divolte.js" in page.body
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    tag = get(collector.port, "/divolte.js")
    assert tag.status == 200
    assert tag.header("Content-Type") == "application/javascript"
    assert tag.header("Cache-Control") == "public, max-age=3600"
    collector.stop_and_read()


def test_static_pages_can_be_switched_off(collector_factory: Any) -> None:
    collector = collector_factory("global.server.serve_static_resources = false")
    assert get(collector.port, "/").status == 404
    collector.stop_and_read()


def test_custom_prefix_and_suffix(collector_factory: Any) -> None:
    collector = collector_factory(
        "sources.web { type = browser, prefix = /tracking, event_suffix = web-event, "
        "javascript.name = dvt.js }\nmappings.m { sources = [web], sinks = [hdfs] }"
    )
    target = encode(QUERY_B, x="si9804").replace("/csc-event?", "/tracking/web-event?")
    assert get(collector.port, target).status == 200
    assert get(collector.port, "/tracking/dvt.js").status == 200
    assert get(collector.port, "/csc-event?" + target.split("?", 1)[1]).status == 404
    (record,) = collector.stop_and_read()
    assert record["detectedCorruption"] is False


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["127.0.0.1,192.168.13.23"], "192.168.13.23"),
        (["127.0.0.1"], "127.0.0.1"),
        (["127.0.0.1, 192.168.13.23"], "192.168.13.23"),
        (["127.0.0.1, 8.8.8.8", "192.168.13.23"], "192.168.13.23"),
        (["2001:db8::1"], "2001:db8:0:0:0:0:0:1"),
        (["not-an-ip"], "127.0.0.1"),
    ],
)
def test_x_forwarded_for(collector_factory: Any, lines: list[str], expected: str) -> None:
    """TESTS.md §4 (plus the Java rendering of IPv6 and no DNS for non-addresses)."""
    collector = collector_factory("global.server.use_x_forwarded_for = true")
    headers = "".join(f"X-Forwarded-For: {line}\r\n" for line in lines)
    request = f"GET {encode(QUERY_A)} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n"
    assert raw(collector.port, request.encode()).startswith(b"HTTP/1.1 200 OK")
    (record,) = collector.stop_and_read()
    assert record["remoteHost"] == expected


def test_x_forwarded_for_ignored_when_disabled(collector_factory: Any) -> None:
    collector = collector_factory()
    get(collector.port, encode(QUERY_A), {"X-Forwarded-For": "192.168.13.23"})
    (record,) = collector.stop_and_read()
    assert record["remoteHost"] == "127.0.0.1"


def test_demo_page_loads_the_tag_of_a_custom_prefix(collector_factory: Any) -> None:
    collector = collector_factory(
        "sources.web { type = browser, prefix = /tracking, javascript.name = dvt.js }\n"
        "mappings.m { sources = [web], sinks = [hdfs] }"
    )
    page = get(collector.port, "/")
    assert b'<script src="/tracking/dvt.js"></script>' in page.body
    assert get(collector.port, "/tracking/dvt.js").status == 200
    collector.stop_and_read()
