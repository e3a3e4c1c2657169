"""The JSON source (PROTOCOL §3; TESTS.md §6 JsonSourceTest)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.http_client import get, raw

pytestmark = pytest.mark.integration

PARTY = "0:i1t84hgy:5AF359Zjq5kUy98u4wQjlIZzWGhN~GlG"
URL = "/json-event?p=0%3Ai1t84hgy%3A5AF359Zjq5kUy98u4wQjlIZzWGhN~GlG"
CONFIG = (
    "sources.test-json-source { type = json, event_path = /json-event }\n"
    "mappings.m { sources = [test-json-source], sinks = [hdfs] }"
)
COMPLETE = {
    "event_type": "complete-event",
    "client_timestamp_iso": "2016-06-01T18:54:16.123Z",
    "session_id": "0:ikfm9ufy:4PxwWyVYSjqHW_ZZBQjZ3EiIovxYMBFY",
    "event_id": "3c54b1491693aa646914e6feeb4a47d1",
    "is_new_party": True,
    "is_new_session": True,
    "parameters": {"parameter1": "value1"},
}


def post(
    port: int,
    body: bytes,
    *,
    target: str = URL,
    content_type: str = "application/json",
    extra: str = "",
    chunk: int = 0,
) -> bytes:
    """POST raw bytes; with ``chunk`` the body is sent chunked in pieces of that size."""
    head = f"POST {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if chunk:
        pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        head += "Transfer-Encoding: chunked\r\n"
    else:
        payload = body
        if "content-length" not in extra.lower():
            head += f"Content-Length: {len(body)}\r\n"
    return raw(port, (head + extra + "\r\n").encode() + payload)


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_complete_event(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    answer = post(collector.port, orjson.dumps(COMPLETE))
    assert status(answer) == 204
    (record,) = collector.stop_and_read()
    assert record["partyId"] == PARTY
    assert record["sessionId"] == "0:ikfm9ufy:4PxwWyVYSjqHW_ZZBQjZ3EiIovxYMBFY"
    assert record["eventType"] == "complete-event"
    assert record["firstInSession"] is True
    assert record["detectedCorruption"] is False
    assert record["clientTimestamp"] == 1464807256123  # 2016-06-01T18:54:16.123Z
    assert record["location"] is None and record["pageViewId"] is None
    assert record["viewportPixelWidth"] is None


def test_minimum_event_and_example_with_offset(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    minimum = {k: v for k, v in COMPLETE.items() if k not in ("event_type", "parameters")}
    assert status(post(collector.port, orjson.dumps(minimum))) == 204
    example = {  # PROTOCOL §3.4
        "session_id": "0:is8tiwk4:XLEUVj9hA6AXRUOp2zuIdUpaeFOC~7AU",
        "event_id": "AruZ~Em0WNlAnbyzVmwM~GR0cMb6Xl9r",
        "is_new_party": True,
        "is_new_session": True,
        "client_timestamp_iso": "2016-08-24T13:29:39.412+02:00",
        "event_type": "newUser",
        "parameters": {"channel": "google"},
    }
    target = "/json-event?p=0:is8tiwk4:GKv5gCc5TtrvBTs9bXfVD8KIQ3oO~sEg"
    assert status(post(collector.port, orjson.dumps(example), target=target)) == 204
    first, second = collector.stop_and_read()
    assert first["eventType"] == "unknown"
    assert second["clientTimestamp"] == 1472038179412
    assert second["partyId"] == "0:is8tiwk4:GKv5gCc5TtrvBTs9bXfVD8KIQ3oO~sEg"


def test_post_empty_object_is_accepted_then_dropped(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    assert status(post(collector.port, b"{}")) == 204
    assert collector.stop_and_read() == []
    assert "events_dropped/test-json-source/missing_field=1" in collector.process.log()


def test_get_is_405(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    answer = get(collector.port, URL)
    assert (answer.status, answer.header("Allow")) == (405, "POST")
    collector.stop_and_read()


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/plain; charset=utf-8", 415),
        ("", 415),
        ("application/json; charset=utf-8", 204),
        ("Application/JSON", 204),
    ],
)
def test_content_type(collector_factory: Any, content_type: str, expected: int) -> None:
    collector = collector_factory(CONFIG)
    answer = post(collector.port, orjson.dumps(COMPLETE), content_type=content_type)
    assert status(answer) == expected
    if expected == 415:
        assert answer.endswith(b"\r\n\r\nContent type must be application/json.")
    collector.stop_and_read()


@pytest.mark.parametrize(
    ("target", "body", "expected"),
    [
        (URL, b"", 400),
        ("/json-event", b"{}", 400),
        ("/json-event?p=notavalidpartyid", b"{}", 400),
    ],
    ids=["empty-body", "no-party", "broken-party"],
)
def test_bad_requests(collector_factory: Any, target: str, body: bytes, expected: int) -> None:
    collector = collector_factory(CONFIG)
    assert status(post(collector.port, body, target=target)) == expected
    assert collector.stop_and_read() == []


def test_chunked_body(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    assert status(post(collector.port, orjson.dumps(COMPLETE), chunk=16)) == 204
    assert len(collector.stop_and_read()) == 1


@pytest.mark.parametrize("declared", ["3", "1"], ids=["shorter", "longer"])
def test_lying_content_length_with_chunked_body(collector_factory: Any, declared: str) -> None:
    collector = collector_factory(CONFIG)
    answer = post(collector.port, b"{}", chunk=1, extra=f"content-length: {declared}\r\n")
    assert status(answer) == 400
    assert collector.stop_and_read() == []


def _padded(size: int) -> bytes:
    body = b'{"p":"' + b"X" * (size - 8) + b'"}'
    assert len(body) == size
    return body


@pytest.mark.parametrize(("size", "chunk", "expected"), [(4097, 0, 413), (4097, 128, 413)])
def test_too_large(collector_factory: Any, size: int, chunk: int, expected: int) -> None:
    collector = collector_factory(CONFIG)
    assert status(post(collector.port, _padded(size), chunk=chunk)) == expected
    assert get(collector.port, "/ping").status == 200
    collector.stop_and_read()


def test_exactly_maximum_is_accepted(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    assert status(post(collector.port, _padded(4096))) == 204
    collector.stop_and_read()


def test_larger_limit_with_small_chunks(collector_factory: Any) -> None:
    collector = collector_factory(
        CONFIG.replace("/json-event }", "/json-event, maximum_body_size = 12288 }")
    )
    assert status(post(collector.port, _padded(8192), chunk=8)) == 204
    collector.stop_and_read()


def test_expect_continue(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    answer = post(collector.port, orjson.dumps(COMPLETE), extra="Expect: 100-continue\r\n")
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 ")
    assert len(collector.stop_and_read()) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"client_timestamp_iso": "yesterday"}, "invalid_client_timestamp"),
        ({"session_id": "not-an-id"}, "invalid_session_id"),
        ({"surprise": 1}, "unknown_field"),
        ({"is_new_party": "yes"}, "wrong_field_type"),
    ],
)
def test_invalid_bodies_are_dropped_and_counted(
    collector_factory: Any, change: dict[str, Any], reason: str
) -> None:
    collector = collector_factory(CONFIG)
    assert status(post(collector.port, orjson.dumps({**COMPLETE, **change}))) == 204
    assert status(post(collector.port, b"{not json")) == 204
    assert status(post(collector.port, orjson.dumps(COMPLETE))) == 204
    (record,) = collector.stop_and_read()
    assert record["eventType"] == "complete-event"
    log = collector.process.log()
    assert f"events_dropped/test-json-source/{reason}=1" in log
    assert "events_dropped/test-json-source/invalid_json=1" in log


def test_timestamp_without_offset_is_utc(collector_factory: Any) -> None:
    collector = collector_factory(CONFIG)
    body = orjson.dumps({**COMPLETE, "client_timestamp_iso": "2016-06-01T18:54:16.123"})
    assert status(post(collector.port, body)) == 204
    (record,) = collector.stop_and_read()
    assert record["clientTimestamp"] == 1464807256123
