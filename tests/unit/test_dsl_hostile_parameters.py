"""Hostile custom event parameters never cost a record (docs/mappings.md, "Limits").

A value that cannot be represented (too many digits, nested too deeply) leaves its field as it
was; every other field is still mapped and the record still encodes. The inputs are the ones a
review found to lose records: a 4301-digit number through ``value()``, ``path()`` onto ``long``
and ``string`` and ``digest().add()``, JSON parameters nested 1000 levels deep onto ``map`` and
record fields, ``$..`` on deep documents, and huge or deeply nested mincode.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import pytest

from divolte.enrich import NoEnrichment
from divolte.event import Event, RequestInfo
from divolte.mapping.avro_encoder import compile_encoder
from divolte.mapping.dsl import compile_mapping_text
from divolte.mapping.json_to_avro import MAX_RECORD_DEPTH
from divolte.mincode import MAX_DEPTH, MAX_NUMBER_LENGTH
from divolte.sources.json_body import parse_json_event

FIELDS = {"location": "string", "a": "string", "text": "string", "n": "long", "d": "double"}
FIELDS.update({"dig": "string", "dig2": "string", "e": "string"})
SUB = {
    "type": "record",
    "name": "Sub",
    "fields": [
        {"name": "x", "type": ["null", "string"], "default": None},
        {"name": "y", "type": ["null", "Sub"], "default": None},
    ],
}
SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Hostile",
    "fields": [
        *({"name": n, "type": ["null", t], "default": None} for n, t in FIELDS.items()),
        {"name": "rec", "type": ["null", SUB], "default": None},
        {"name": "m", "type": ["null", {"type": "map", "values": "string"}], "default": None},
        {"name": "deep", "type": {"type": "array", "items": "string"}, "default": []},
    ],
}
ENCODE = compile_encoder(SCHEMA)

# Every field is first given a value; a conversion that fails must leave it.
MAPPING = """
mapping {
    map 'before' onto 'a'
    map 'before' onto 'text'
    map 'before' onto 'dig'
    map 7L onto 'n'
    map 7.0D onto 'd'
    map location() onto 'location'
    map eventParameters().value('a') onto 'a'
    map eventParameters().path('$.a') onto 'text'
    map eventParameters().path('$.a') onto 'n'
    map eventParameters().path('$.a') onto 'd'
    map digest('SHA-256').add(eventParameters().path('$.a')).result().toBase64() onto 'dig'
    map digest('SHA-256').add(eventId()).result().toBase64() onto 'dig2'
    map eventParameters().path('$.ok') onto 'm'
    map eventParameters().path('$.p') onto 'm'
    map eventParameters().path('$.rec') onto 'rec'
    map eventParameters().path('$..x') onto 'deep'
    map eventParameters().path('$.e') onto 'e'
}
"""
MAPPED = compile_mapping_text(MAPPING, "hostile.groovy", SCHEMA, NoEnrichment())
UNTOUCHED = {"a": "before", "text": "before", "dig": "before", "n": 7, "d": 7.0}
# Without parameters, digest() skips the absent input (as Divolte does): the digest of nothing.
EMPTY_DIGEST = base64.b64encode(hashlib.sha256(b"").digest()).decode()
ABSENT = {**UNTOUCHED, "dig": EMPTY_DIGEST}


def event(parameters: Any = None, mincode: str | None = None) -> Event:
    return Event(
        source_kind="browser",
        source_name="browser",
        party_id="0:p",
        session_id="0:s",
        event_id="0:e",
        new_party=True,
        first_in_session=True,
        client_timestamp=1,
        timestamp=1,
        request=RequestInfo("192.0.2.1"),
        location="http://example.com/",
        parameters_json=parameters,
        parameters_text=mincode,
    )


def mapped(e: Event) -> dict[str, Any]:
    record = MAPPED(e)
    ENCODE(record)  # every record still encodes
    assert record["location"] == "http://example.com/"  # the other fields are mapped
    assert record["dig2"]  # a digest of other inputs is unaffected
    return record


def nested(depth: int, make: Any, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = make(leaf)
    return leaf


def test_a_normal_event_maps_every_field() -> None:
    record = mapped(event({"a": 42, "ok": {"k": "v"}, "e": "x", "rec": {"x": "r"}}))
    assert record["a"] == record["text"] == "42" and record["n"] == 42 and record["d"] == 42.0
    assert record["m"] == {"k": "v"} and record["rec"] == {"x": "r", "y": None}
    assert record["deep"] == ["r"]


@pytest.mark.parametrize("digits", [4301, 64_000])
def test_a_number_beyond_the_digit_limit_leaves_its_fields(digits: int) -> None:
    record = mapped(event({"a": 10**digits - 1, "e": "still mapped"}))
    assert {k: record[k] for k in UNTOUCHED} == {**UNTOUCHED, "d": float("inf")}
    assert record["e"] == "still mapped"


def test_a_number_at_the_digit_limit_is_rendered() -> None:
    record = mapped(event({"a": 10**4300 - 1}))
    assert record["a"] == record["text"] == "9" * 4300
    assert record["n"] == 7  # out of range for a long: left as it was
    assert record["dig"] != "before"


@pytest.mark.parametrize("number", ["j" + "9" * 4301, "d" + "z" * 64_000, "j9" + "0" * 1000])
def test_mincode_numbers_beyond_the_length_limit_make_parameters_absent(number: str) -> None:
    record = mapped(event(mincode=f"({number[0]}a!{number[1:]}!se!mapped!)"))
    assert {k: record[k] for k in ABSENT} == ABSENT
    assert "e" not in record  # the whole of the parameters is absent, as for any bad mincode


def test_the_reviewers_beacon_still_gives_a_record() -> None:
    from divolte.sources.beacon import parse_beacon

    query = {"p": "0:k:a", "s": "0:k:b", "v": "v", "e": "e", "c": "k", "n": "t", "f": "t"}
    beacon = {k: [v] for k, v in query.items()}
    beacon["l"] = ["http://example.com/"]
    beacon["u"] = ["(ja!" + "9" * 4301 + "!)"]
    record = mapped(parse_beacon(beacon, RequestInfo("192.0.2.1"), "browser", 1))
    assert {k: record[k] for k in ABSENT} == ABSENT


def test_a_mincode_number_at_the_length_limit_maps() -> None:
    record = mapped(event(mincode="(ja!" + "9" * MAX_NUMBER_LENGTH + "!)"))
    assert record["a"] == record["text"] == "9" * MAX_NUMBER_LENGTH


def json_event(parameters_json: str) -> Event:
    document = {
        "session_id": "0:k:s",
        "event_id": "0:e",
        "is_new_party": True,
        "is_new_session": False,
        "client_timestamp_iso": "2024-01-01T00:00:00Z",
    }
    body = json.dumps(document)[:-1] + ', "parameters": ' + parameters_json + "}"
    e = parse_json_event(body.encode(), "0:p", RequestInfo("192.0.2.1"), "json", 1)
    e.location = "http://example.com/"
    return e


def test_json_parameters_1000_levels_deep_onto_map_and_record_fields() -> None:
    deep_objects = '{"y":' * 999 + "{}" + "}" * 999
    record = mapped(
        json_event(f'{{"ok": {{"k": "v"}}, "p": {deep_objects}, "rec": {deep_objects}}}')
    )
    assert record["m"] == {"k": "v"}  # as mapped from $.ok: $.p does not convert
    assert "rec" not in record
    record = mapped(json_event("[" * 1000 + "]" * 1000))
    # value() of a non-object is "" (as in Divolte); nothing else converts
    assert {k: record[k] for k in ABSENT} == {**ABSENT, "a": ""}


def test_records_nest_up_to_the_depth_limit() -> None:
    ok = nested(MAX_RECORD_DEPTH - 1, lambda v: {"x": "level", "y": v}, {"x": "bottom"})
    record = mapped(event({"rec": ok}))
    assert record["deep"][-1] == "bottom" and len(record["deep"]) == MAX_RECORD_DEPTH
    depth, inner = 1, record["rec"]
    while inner["y"] is not None:
        depth, inner = depth + 1, inner["y"]
    assert depth == MAX_RECORD_DEPTH
    record = mapped(event({"rec": {"y": ok}, "ok": {"k": "v"}}))
    assert "rec" not in record and record["m"] == {"k": "v"}


def test_deep_scan_of_a_deep_document() -> None:
    tree = nested(5000, lambda v: {"x": "s", "y": v}, {})
    record = mapped(event({"a": 1, **tree}))
    assert record["deep"] == ["s"] * 5000
    assert record["a"] == "1"


def test_mincode_nested_beyond_the_limit_makes_parameters_absent() -> None:
    limit = "(" + "(y!" * (MAX_DEPTH - 1) + ")" * MAX_DEPTH
    record = mapped(event(mincode=limit))
    assert record["deep"] == []  # parsed: no x anywhere
    record = mapped(event(mincode="(sa!1!" + "(y!" * MAX_DEPTH + ")" * (MAX_DEPTH + 1)))
    assert {k: record[k] for k in ABSENT} == ABSENT


def test_hostile_texts_cost_little() -> None:
    script = """
    mapping {
        map location() onto 'location'
        map toLong(eventParameters().value('a')) onto 'n'
        map toDouble(eventParameters().value('b')) onto 'd'
        map eventParameters().path('$.b') onto 'text'
    }
    """
    mapping = compile_mapping_text(script, "texts.groovy", SCHEMA, NoEnrichment())
    started = time.perf_counter()
    record = mapping(event({"a": "9" * 100_000, "b": "9" * 60_000 + "x"}))
    assert time.perf_counter() - started < 0.5  # the old float syntax took ≈20 s here
    assert record == {"location": "http://example.com/", "text": "9" * 60_000 + "x"}


def test_equality_of_deep_json() -> None:
    script = """
    mapping {
        map location() onto 'location'
        when eventParameters().path('$.a').equalTo(eventParameters().path('$.b')) apply {
            map 'equal' onto 'text'
        }
    }
    """
    mapping = compile_mapping_text(script, "equal.groovy", SCHEMA, NoEnrichment())
    deep = "[" * 1020 + "]" * 1020
    record = mapping(json_event(f'{{"a": {deep}, "b": {deep}}}'))
    assert record["text"] == "equal"
