"""The mapping language itself: syntax forms, producers, conditions and control flow (MAPPING
§2 to §8), each checked through a small script run against a beacon event."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from divolte.mapping.avro_encoder import RecordError, compile_encoder
from divolte.mapping.dsl import MappingError, compile_mapping_text
from tests.unit.mapping_scripts.fixtures import (
    HETEROGENEOUS,
    NOW,
    QUERY,
    SCHEMA,
    FakeEnrichment,
    beacon_event,
)


def run(body: str, schema: dict[str, Any] = SCHEMA, **request: Any) -> dict[str, Any]:
    text = "mapping {\n" + body + "\n}\n"
    mapping = compile_mapping_text(text, "t.groovy", schema, FakeEnrichment())
    return mapping(beacon_event(**request))


# (script body, request, expected fields; None = not set)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # syntax forms
    ("map(location()).onto('client')", {}, {"client": "http://www.example.com/"}),
    ("map('client', location())", {}, {"client": "http://www.example.com/"}),
    ("map { location() } onto 'client'", {}, {"client": "http://www.example.com/"}),
    ("map { def x = 'lit'; x } onto 'client'", {}, {"client": "lit"}),
    ("when(location().isPresent()) { map 'y' onto 'client' }", {}, {"client": "y"}),
    ("when(location().isPresent(), { map 'y' onto 'client' })", {}, {"client": "y"}),
    (
        "def h = (parse location() to uri).host()\nmap h onto 'client'",
        {},
        {"client": "www.example.com"},
    ),
    ("map((parse location() to uri).host()) onto 'client'", {}, {"client": "www.example.com"}),
    (
        "map location()\n        .equalTo('http://www.example.com/') onto 'flag1'",
        {},
        {"flag1": True},
    ),
    (
        "map location() /* inline */ onto 'client' // trailing",
        {},
        {"client": "http://www.example.com/"},
    ),
    ("map 'a'; map 'b' onto 'client'", {}, {"client": "b"}),
    ("map \"double quoted\" onto 'client'", {}, {"client": "double quoted"}),
    ("map 'tab\\tand\\u00e9' onto 'client'", {}, {"client": "tab\tand\u00e9"}),
    (
        "def m = match /^http:\\/\\/([a-z.]+)\\/$/ against location()\n"
        "map m.group(1) onto 'client'",
        {},
        {"client": "www.example.com"},
    ),
    ("['a', 'b'].each { map it onto 'client' }", {}, {"client": "b"}),
    ("def p = 'X-Divolte'\nmap header(\"$p-Test\").first() onto 'client'", {}, {"client": "first"}),
    (
        "def p = 'X-Divolte'\nmap header(\"${p + '-Test'}\").last() onto 'client'",
        {},
        {"client": "last"},
    ),
    (
        "def f = { name -> header(name).first() }\nmap f('X-Divolte-Test') onto 'client'",
        {},
        {"client": "first"},
    ),
    ("map(-1) onto 'pathInteger'", {}, {"pathInteger": -1}),
    ("map 2147483648 onto 'queryparamLong'", {}, {"queryparamLong": 2147483648}),
    ("map 0x10 onto 'pathInteger'", {}, {"pathInteger": 16}),
    # last write wins; absent leaves the previous value
    ("map 'x' onto 'client'\nmap referer() onto 'client'", {}, {"client": "x"}),
    (
        "map 'x' onto 'client'\nmap location() onto 'client'",
        {},
        {"client": "http://www.example.com/"},
    ),
    # conditions (MAPPING §7)
    ("map referer().equalTo(referer()) onto 'flag1'", {}, {"flag1": True}),  # both absent
    ("map referer().equalTo(location()) onto 'flag1'", {}, {"flag1": False}),
    ("map timestamp().equalTo(" + str(NOW) + ") onto 'flag1'", {}, {"flag1": True}),  # a Long
    ("map viewportPixelWidth().equalTo(1018L) onto 'flag1'", {}, {"flag1": False}),  # int ≠ Long
    ("map viewportPixelWidth().equalTo(1018) onto 'flag1'", {}, {"flag1": True}),
    ("map viewportPixelWidth().equalTo(timestamp()) onto 'flag1'", {}, {"flag1": False}),
    ("map referer().isPresent().and(location().isPresent()) onto 'flag1'", {}, {"flag1": False}),
    ("map referer().equalTo('x').or(location().isPresent()) onto 'flag1'", {}, {"flag1": True}),
    ("def b = parse referer() to bool\nmap b onto 'flag1'", {}, {"flag1": None}),
    (
        "def b = parse referer() to bool\nmap b.or(location().isPresent()) onto 'flag1'",
        {},
        {"flag1": None},
    ),
    ("def b = parse referer() to bool\nmap not(b) onto 'flag1'", {}, {"flag1": None}),
    ("map location().isPresent().negate() onto 'flag1'", {}, {"flag1": False}),
    (
        "def c = location() equalTo 'http://www.example.com/'\nmap c onto 'flag1'",
        {},
        {"flag1": True},
    ),
    # control flow (MAPPING §8)
    ("section { exit() }\nmap 'after' onto 'client'", {}, {"client": "after"}),
    ("section { stop() }\nmap 'after' onto 'client'", {}, {"client": None}),
    ("section { section { exit() }\n map 'inner' onto 'client' }", {}, {"client": "inner"}),
    ("exitWhen(location().isPresent())\nmap 'x' onto 'client'", {}, {"client": None}),
    ("exitWhen(referer().isPresent())\nmap 'x' onto 'client'", {}, {"client": "x"}),
    ("when referer().isPresent() exit()\nmap 'x' onto 'client'", {}, {"client": "x"}),
    ("when { referer().isPresent() } stop()\nmap 'x' onto 'client'", {}, {"client": "x"}),
    # conversions (MAPPING §5)
    (
        "map toInt(header('X-N').first()) onto 'pathInteger'",
        {"headers": [("X-N", "007")]},
        {"pathInteger": 7},
    ),
    (
        "def n = parse header('X-N').first() to int32\nmap n onto 'pathInteger'",
        {"headers": [("X-N", "+42")]},
        {"pathInteger": None},
    ),
    (
        "def n = parse header('X-N').first() to int64\nmap n onto 'queryparamLong'",
        {"headers": [("X-N", "-9223372036854775808")]},
        {"queryparamLong": -(2**63)},
    ),
    (
        "def n = parse header('X-N').first() to fp64\nmap n onto 'geoLatitude'",
        {"headers": [("X-N", "0x1p3")]},
        {"geoLatitude": 8.0},
    ),
    (
        "map toDouble(header('X-N').first()) onto 'geoLatitude'",
        {"headers": [("X-N", "1 2")]},
        {"geoLatitude": None},
    ),
    (
        "def n = parse header('X-N').first() to bool\nmap n onto 'flag1'",
        {"headers": [("X-N", "TrUe")]},
        {"flag1": True},
    ),
    (
        "map toBoolean(header('X-N').first()) onto 'flag1'",
        {"headers": [("X-N", "yes")]},
        {"flag1": False},
    ),
    ("map parseUri(location()).scheme() onto 'client'", {}, {"client": "http"}),
    (
        "def u = parse location() to uri\nmap u.path() onto 'client'",
        {"location": "http://h/a b"},
        {"client": None},
    ),
    (
        "def u = parse location() to uri\nmap u.host() onto 'client'",
        {"location": "http://a_b.example/"},
        {"client": None},
    ),
    (
        "def u = parse location() to uri\nmap u.port() onto 'uriPort'",
        {"location": "http://h/"},
        {"uriPort": None},
    ),
    (
        "def u = parse location() to uri\nmap u.host() onto 'client'",
        {"location": "http://[::1]:80/"},
        {"client": "[::1]"},
    ),
    (
        "def u = parse location() to uri\nmap u.path() onto 'client'",
        {"location": "mailto:x@y"},
        {"client": None},
    ),
    (
        "def u = parse location() to uri\nmap u.path() onto 'client'",
        {"location": "http://h/%2F%C3%A9"},
        {"client": "//é"},
    ),
    (
        "def u = parse location() to uri\nmap u.decodedQueryString() onto 'client'",
        {"location": "http://h/?a+b%20c"},
        {"client": "a+b c"},
    ),
    (
        "map matcher(location(), 'http://([^/]+)/').group(1) onto 'client'",
        {},
        {"client": "www.example.com"},
    ),
    ("def m = match 'www' against location()\nmap m.matches() onto 'flag1'", {}, {"flag1": False}),
    (
        "def m = match '(x)?.*' against location()\nmap m.group(1) onto 'client'",
        {},
        {"client": None},
    ),
    # cookies (Undertow rules) and headers
    (
        "map cookie('a') onto 'client'",
        {"headers": [("Cookie", "a=b=c; a=second")]},
        {"client": "b"},
    ),
    (
        "map cookie('q') onto 'client'",
        {"headers": [("Cookie", 'q="quoted value"')]},
        {"client": "quoted value"},
    ),
    ("map cookie('missing') onto 'client'", {}, {"client": None}),
    (
        "map header('X-Empty') onto 'headerList'",
        {"headers": [("X-Empty", " , ")]},
        {"headerList": []},
    ),
    (
        "map header('X-Empty').commaSeparated() onto 'client'",
        {"headers": [("X-Empty", "")]},
        {"client": ""},
    ),
    # event parameters (MAPPING §6.5)
    (
        "map eventParameters().value('missing') onto 'client'",
        {"params": HETEROGENEOUS},
        {"client": ""},
    ),
    (
        "map eventParameters().value('items') onto 'client'",
        {"params": HETEROGENEOUS},
        {"client": ""},
    ),
    ("map eventParameter('bar') onto 'client'", {"params": HETEROGENEOUS}, {"client": "42"}),
    (
        "map eventParameters().value('foo') onto 'client'",
        {"params": "(sfoo!broken"},
        {"client": None},
    ),
    (
        "map eventParameters().path('$.items[*].name') onto 'headerList'",
        {"params": HETEROGENEOUS},
        {"headerList": ["apple", "pear"]},
    ),
    (
        "map eventParameters().path('$.nothing[*]') onto 'headerList'",
        {"params": HETEROGENEOUS},
        {"headerList": []},
    ),
    (
        "map eventParameters().path('$.items[?(@.count > 2)].name') onto 'client'",
        {"params": HETEROGENEOUS},
        {"client": "apple"},
    ),
    (
        "map eventParameters().path('$.bar') onto 'client'",
        {"params": HETEROGENEOUS},
        {"client": "42"},
    ),
    (
        "map eventParameters().path('$.foo').equalTo('string') onto 'flag1'",
        {"params": HETEROGENEOUS},
        {"flag1": False},
    ),
    # user agent extensions
    ("map userAgent().isRobot() onto 'isRobot'", {}, {"isRobot": False}),
    ("map userAgent().robotReason() onto 'robotReason'", {}, {"robotReason": None}),
    ("map userAgent().name() onto 'client'", {"headers": []}, {"client": None}),
    # ip2geo of a value
    (
        "map ip2geo(header('X-Real-IP').first()).countryCode() onto 'client'",
        {"headers": [("X-Real-IP", "81.2.69.142")]},
        {"client": "NL"},
    ),
    (
        "map ip2geo(header('X-Real-IP').first()).countryCode() onto 'client'",
        {"headers": []},
        {"client": None},
    ),
    # bytes encodings
    (
        "map digest('md5').add('hello').result().toHexLower() onto 'client'",
        {},
        {"client": hashlib.md5(b"hello").hexdigest()},
    ),
    (
        "map digest('SHA-1').add('hello').result().toHexUpper() onto 'client'",
        {},
        {"client": hashlib.sha1(b"hello").hexdigest().upper()},
    ),
    (
        "map digest('sha-256').add('hello').result().toBase64() onto 'client'",
        {},
        {"client": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="},
    ),
    (
        "map digest('sha-256', 'foo').add('hello').result().toBase64() onto 'client'",
        {},
        {"client": "ylYoQkwiFHwvvT0SXLm2m4H133GsqfXEPDNeiaC32jU="},
    ),
    (
        "def d = digest('SHA-256')\nd.add('hel')\nd.add('lo')\n"
        "map d.result().toBase64() onto 'client'",
        {},
        {"client": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="},
    ),
]


@pytest.mark.parametrize(("body", "request_", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_language(body: str, request_: dict[str, Any], expected: dict[str, Any]) -> None:
    record = run("map timestamp() onto 'ts'\n" + body, **request_)
    for field, value in expected.items():
        assert record.get(field) == value, field


def test_plain_event_values() -> None:
    record = run(
        "map clientTimestamp() onto 'ts'\nmap partyId() onto 'client'\nmap eventId() onto 'event'"
    )
    assert record == {"ts": 1412220184033, "client": QUERY["p"], "event": QUERY["e"]}


def test_documented_seeded_vectors() -> None:
    record = run(
        "map digest('SHA-1', 'foo').add('hello').result().toBase64() onto 'client'\n"
        "map digest('sha-224', 'foo').add('hello').result().toBase64() onto 'session'"
    )
    assert record["client"] == "AaIK7cWq6unoFVbmoUmlEb0dFFM="
    assert record["session"] == "c4zqjBBU3RATSdoDWYbOGP+7at4ZlfyGt6Y0Sw=="


def _timestamp_schema(logical: str) -> dict[str, Any]:
    field = {"name": "at", "type": {"type": "long", "logicalType": logical}}
    nullable = {
        "name": "maybe",
        "type": ["null", {"type": "long", "logicalType": logical}],
        "default": None,
    }
    return {"type": "record", "name": "T", "fields": [field, nullable]}


@pytest.mark.parametrize(
    ("logical", "scale"), [("timestamp-millis", 1), ("timestamp-micros", 1000)]
)
def test_c08_logical_timestamps(logical: str, scale: int) -> None:
    """C-08: timestamp() onto timestamp-millis / timestamp-micros: epoch ms and epoch µs."""
    schema = _timestamp_schema(logical)
    record = run("map timestamp() onto 'at'\nmap clientTimestamp() onto 'maybe'", schema)
    assert record == {"at": NOW * scale, "maybe": 1412220184033 * scale}
    compile_encoder(schema)(record)


C11_SCHEMA = {
    "type": "record",
    "name": "Purchase",
    "fields": [{"name": n, "type": "string"} for n in ("eventType", "userId", "productId")],
}
C11_SCRIPT = """mapping {
    map eventParameters().value('eventType') onto 'eventType'
    map eventParameters().path('$.userId') onto 'userId'
    map eventParameters().path('$.productId') onto 'productId'
}"""


def test_c11_required_field_left_unset_is_named_by_the_encoder() -> None:
    """C-11: the incomplete event's record fails with the field named; the next one encodes."""
    mapping = compile_mapping_text(C11_SCRIPT, "c11.groovy", C11_SCHEMA, FakeEnrichment())
    encode = compile_encoder(C11_SCHEMA)
    incomplete = mapping(beacon_event(params="(seventType!buy!sproductId!p1!)"))
    assert "userId" not in incomplete
    with pytest.raises(RecordError) as caught:
        encode(incomplete)
    assert caught.value.field == "userId"
    complete = mapping(beacon_event(params="(seventType!buy!suserId!u1!sproductId!p1!)"))
    assert complete == {"eventType": "buy", "userId": "u1", "productId": "p1"}
    assert encode(complete)


def test_a_closure_block_after_a_condition_is_rejected() -> None:
    with pytest.raises(MappingError, match="apply"):
        run("when referer().isAbsent() {\n map 'x' onto 'client'\n}")


def test_mapping_never_raises_on_odd_event_data() -> None:
    body = """
    def u = parse location() to uri
    map u.query() onto 'uriQuery'
    map u.port() onto 'uriPort'
    map eventParameters() onto 'paramMap'
    map eventParameters().path('$.items') onto 'items'
    map header('X').get(-1) onto 'client'
    def m = match '(\\\\d+)' against referer()
    map m.group(1) onto 'session'
    """
    odd: list[dict[str, Any]] = [
        {"location": "http://h:99999999999/?%ZZ", "referer": "\x00", "params": "(((("},
        {"location": "", "referer": "123", "params": "(aitems!j1!.)", "headers": [("X", '"')]},
        {"location": "::::", "params": "n"},
    ]
    encode = compile_encoder(SCHEMA)
    for request in odd:
        record = run(
            "map firstInSession() onto 'sessionStart'\nmap timestamp() onto 'ts'\n"
            "map remoteHost() onto 'remoteHost'\n" + body,
            **request,
        )
        encode(record)
