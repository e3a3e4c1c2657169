"""The generated Avro encoder: byte-identical to fastavro, default schema as in MAPPING.md §10."""

from __future__ import annotations

import base64
import io
import json
import random
import string
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
import pytest

from divolte.errors import DivolteError, SchemaError
from divolte.mapping.avro_encoder import (
    RecordError,
    compile_encoder,
    default_schema,
    load_schema,
    schema_fingerprint,
)

SPEC_FINGERPRINT = "zfEZRrGHh1PcoqLiFMzy8LVVg46vbqHfkSsbEN-yZnY"  # MAPPING.md §10

# MAPPING.md §10, field table: (name, type, default or "-" for none).
UA = ["String", "Name", "Family", "Vendor", "Type", "Version", "DeviceCategory", "OsFamily"]
SPEC_FIELDS: list[tuple[str, Any, Any]] = [
    ("detectedDuplicate", "boolean", "-"),
    ("detectedCorruption", "boolean", "-"),
    ("firstInSession", "boolean", "-"),
    ("timestamp", "long", "-"),
    ("clientTimestamp", "long", "-"),
    ("remoteHost", "string", "-"),
    ("referer", ["null", "string"], None),
    ("location", ["null", "string"], None),
    ("viewportPixelWidth", ["null", "int"], None),
    ("viewportPixelHeight", ["null", "int"], None),
    ("screenPixelWidth", ["null", "int"], None),
    ("screenPixelHeight", ["null", "int"], None),
    ("partyId", ["null", "string"], None),
    ("sessionId", ["null", "string"], None),
    ("pageViewId", ["null", "string"], None),
    ("eventType", "string", "unknown"),
    *[(f"userAgent{part}", ["null", "string"], None) for part in UA],
    ("userAgentOsVersion", ["null", "string"], None),
    ("userAgentOsVendor", ["null", "string"], None),
]

NESTED: dict[str, Any] = {
    "type": "record",
    "name": "Outer",
    "namespace": "io.divolte.test",
    "fields": [
        {"name": "flag", "type": "boolean"},
        {"name": "count", "type": "int"},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "tsMicros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "ratio", "type": "float"},
        {"name": "price", "type": "double"},
        {"name": "blob", "type": "bytes"},
        {"name": "digest", "type": {"type": "fixed", "name": "Digest", "size": 16}},
        {"name": "suit", "type": {"type": "enum", "name": "Suit", "symbols": ["SPADES", "HEARTS"]}},
        {"name": "suit2", "type": ["null", "Suit"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "params", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
        {
            "name": "items",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Item",
                    "fields": [
                        {"name": "name", "type": "string"},
                        {"name": "count", "type": ["null", "int"], "default": None},
                        {"name": "price", "type": ["double", "null"], "default": 0.5},
                    ],
                },
            },
        },
        {"name": "best", "type": ["null", "Item"], "default": None},
        {"name": "mixed", "type": ["null", "boolean", "int", "long", "string", "bytes", "Digest"]},
        {"name": "numbers", "type": ["null", "float", "string", "double"], "default": None},
        {"name": "nothing", "type": "null"},
        {"name": "label", "type": "string", "default": "none"},
        {
            "name": "tree",
            "type": [
                "null",
                {
                    "type": "record",
                    "name": "Node",
                    "fields": [
                        {"name": "value", "type": "long"},
                        {"name": "children", "type": {"type": "array", "items": "Node"}},
                    ],
                },
            ],
            "default": None,
        },
    ],
}


def fastavro_bytes(schema: Any, record: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), record)
    return out.getvalue()


def text(rng: random.Random) -> str:
    alphabet = string.printable + "éß€漢字😀"
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 63, 64, 65, 300])))


def maybe(rng: random.Random, value: Any) -> Any:
    return None if rng.random() < 0.3 else value


def some_long(rng: random.Random) -> int:
    return rng.choice([0, -1, 1, 63, 64, -64, -65, 2**31, -(2**63), 2**63 - 1, rng.getrandbits(41)])


def default_record(rng: random.Random) -> dict[str, Any]:
    record: dict[str, Any] = {
        "detectedDuplicate": rng.random() < 0.5,
        "detectedCorruption": rng.random() < 0.5,
        "firstInSession": rng.random() < 0.5,
        "timestamp": some_long(rng),
        "clientTimestamp": some_long(rng),
        "remoteHost": text(rng),
    }
    for name, kind, _ in SPEC_FIELDS[6:]:
        if rng.random() < 0.8 and name != "eventType":
            value = rng.randint(-(2**31), 2**31 - 1) if "int" in kind else text(rng)
            record[name] = maybe(rng, value)
    if rng.random() < 0.5:
        record["eventType"] = text(rng)
    return record


def node(rng: random.Random, depth: int) -> dict[str, Any]:
    children = [node(rng, depth - 1) for _ in range(rng.randint(0, 2))] if depth else []
    return {"value": some_long(rng), "children": children}


def nested_record(rng: random.Random) -> dict[str, Any]:
    item = {"name": text(rng), "count": maybe(rng, rng.randint(0, 9))}
    mixed = [None, True, False, 7, 2**40, "x", b"\x00\xff", bytes(16)]
    return {
        "flag": rng.random() < 0.5,
        "count": rng.randint(-(2**31), 2**31 - 1),
        "ts": some_long(rng),
        "tsMicros": some_long(rng),
        "day": rng.randint(0, 30000),
        "ratio": rng.choice([0.0, 1.5, -2.25, 3]),
        "price": rng.uniform(-1e6, 1e6),
        "blob": rng.randbytes(rng.choice([0, 3, 64, 200])),
        "digest": rng.randbytes(16),
        "suit": rng.choice(["SPADES", "HEARTS"]),
        "suit2": rng.choice([None, "HEARTS"]),
        "tags": [text(rng) for _ in range(rng.randint(0, 3))],
        "params": {text(rng): [text(rng)] for _ in range(rng.randint(0, 3))},
        "items": [dict(item, price=rng.random())] * rng.randint(0, 3) + [item],
        "best": maybe(rng, item),
        "mixed": rng.choice(mixed),
        "numbers": rng.choice([None, 1.25, 3, "three"]),
        "nothing": None,
        "tree": maybe(rng, node(rng, 3)),
    }


def test_default_schema_fields_follow_the_spec_table() -> None:
    schema = default_schema()
    assert (schema["namespace"], schema["name"]) == ("io.divolte.record", "DefaultEventRecord")
    actual = [(f["name"], f["type"], f.get("default", "-")) for f in schema["fields"]]
    assert actual == SPEC_FIELDS


def test_default_schema_fingerprint_is_the_spec_value() -> None:
    assert schema_fingerprint(default_schema()) == SPEC_FINGERPRINT


def test_apache_avro_computes_the_same_spec_fingerprint() -> None:
    # Apache avro's Python canonical form differs from Java's for logical types and repeated
    # named types, so it only serves as an independent check of the plain default schema.
    parsed = avro.schema.parse(json.dumps(default_schema()))
    digest = parsed.fingerprint("sha256")
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == SPEC_FINGERPRINT


def test_default_records_match_fastavro() -> None:
    schema = default_schema()
    encode = compile_encoder(schema)
    for seed in range(500):
        record = default_record(random.Random(seed))
        assert encode(record) == fastavro_bytes(schema, record), f"seed {seed}"


def test_nested_records_match_fastavro() -> None:
    encode = compile_encoder(NESTED)
    for seed in range(500):
        record = nested_record(random.Random(seed))
        assert encode(record) == fastavro_bytes(NESTED, record), f"seed {seed}"


UNION_CASES = [
    (["null", "int", "boolean"], True),
    (["null", "boolean", "int"], 1),
    (["float", "int", "double"], 5),
    (["float", "string"], 1.5),
    (["int", "long"], 2**40),
    (["long", "int"], 5),
    (["double", "long"], 5),
    (["null", "string", {"type": "enum", "name": "E", "symbols": ["A"]}], "A"),
    (["null", {"type": "enum", "name": "E", "symbols": ["A"]}, "string"], "A"),
    (["null", {"type": "enum", "name": "E", "symbols": ["A"]}, "string"], "B"),
    (["null", {"type": "fixed", "name": "F", "size": 1}, "bytes"], b"ab"),
    (["null", {"type": "fixed", "name": "F", "size": 1}, "bytes"], bytearray(b"a")),
    (["null", {"type": "array", "items": "int"}, {"type": "array", "items": "string"}], ["a"]),
    (["null", {"type": "map", "values": "int"}, {"type": "map", "values": "string"}], {"a": "x"}),
    (["string"], "only"),
    (["string", "null"], None),
    (["string", "null"], "x"),
    ("boolean", 1),
    ({"type": "array", "items": ["null", "long"]}, [None, 3, None]),
]


@pytest.mark.parametrize(("schema", "value"), UNION_CASES)
def test_top_level_and_union_values_match_fastavro(schema: Any, value: Any) -> None:
    wrapped = {"type": "record", "name": "W", "fields": [{"name": "v", "type": schema}]}
    assert compile_encoder(wrapped)({"v": value}) == fastavro_bytes(wrapped, {"v": value})
    assert compile_encoder(schema)(value) == fastavro_bytes(schema, value)


def test_defaults_apply_to_missing_fields_like_fastavro() -> None:
    schema = default_schema()
    record: dict[str, Any] = {"detectedDuplicate": True, "detectedCorruption": False}
    record |= {"firstInSession": True, "timestamp": 1, "clientTimestamp": 2, "remoteHost": "::1"}
    encoded = compile_encoder(schema)(record)
    assert encoded == fastavro_bytes(schema, record)
    decoded: Any = fastavro.schemaless_reader(io.BytesIO(encoded), fastavro.parse_schema(schema))
    assert decoded["eventType"] == "unknown"


def test_bytes_default_is_text_with_one_char_per_byte() -> None:
    field = {"name": "b", "type": "bytes", "default": "\u00ff\u0001"}
    schema = {"type": "record", "name": "B", "fields": [field]}
    assert compile_encoder(schema)({}) == b"\x04\xff\x01"  # Avro spec: length 2, then the bytes


def test_missing_required_field_names_the_field() -> None:
    schema = default_schema()
    record = default_record(random.Random(1))
    del record["remoteHost"]
    with pytest.raises(RecordError) as caught:
        compile_encoder(schema)(record)
    assert caught.value.field == "remoteHost"
    assert "remoteHost" in str(caught.value)
    assert isinstance(caught.value, DivolteError)


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("items[1].name", lambda r: r["items"].__setitem__(1, {"count": 1})),
        ("count", lambda r: r.__setitem__("count", "seven")),
        ("flag", lambda r: r.__setitem__("flag", None)),
        ("suit", lambda r: r.__setitem__("suit", "RAKES")),
        ("digest", lambda r: r.__setitem__("digest", b"short")),
        ("mixed", lambda r: r.__setitem__("mixed", 1.5)),
        ("params['k'][0]", lambda r: r.__setitem__("params", {"k": [7]})),
        ("ts", lambda r: r.__setitem__("ts", 2**64)),
    ],
)
def test_a_value_that_does_not_fit_names_its_path(path: str, change: Any) -> None:
    record = nested_record(random.Random(5))
    record["items"] = [{"name": "a"}, {"name": "b"}]
    change(record)
    with pytest.raises(RecordError) as caught:
        compile_encoder(NESTED)(record)
    assert caught.value.field == path


def test_load_schema_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "nested.avsc"
    path.write_text(json.dumps(NESTED))
    assert load_schema(path) == NESTED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON (line 1, column 2)"),
        ('"string"', "must hold a JSON object"),
        ('{"type": "record", "name": "R", "fields": [{"name": "a", "type": "nope"}]}', "nope"),
    ],
)
def test_load_schema_errors_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.avsc"
    path.write_text(content)
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_load_schema_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="cannot read Avro schema file"):
        load_schema(tmp_path / "missing.avsc")
