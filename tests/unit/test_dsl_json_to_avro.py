"""JSON → Avro conversion (MAPPING §9.3, TESTS.md §14 AvroGenericRecordMapperTest) as data.

Every successful result must also be serialisable with its schema, as the reference checks.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import fastavro
import pytest

from divolte.mapping.avro_encoder import compile_encoder
from divolte.mapping.json_to_avro import (
    JSON_NULL,
    NO_VALUE,
    JsonConversionError,
    check_json_support,
    compile_json_converter,
)

FAIL = object()
SUITS = {"type": "enum", "name": "Suit", "symbols": ["SPADES", "HEARTS", "DIAMONDS", "CLUBS"]}
FOX = base64.b64encode(b"The quick brown fox jumps over the lazy dog.").decode()
ITEM = {
    "type": "record",
    "name": "Item",
    "fields": [
        {"name": "name", "type": "string"},
        {"name": "note", "type": ["null", "string"]},
        {"name": "count", "type": "int", "default": 1},
    ],
}
TREE = {
    "type": "record",
    "name": "Tree",
    "fields": [
        {"name": "value", "type": "int"},
        {"name": "children", "type": {"type": "array", "items": "Tree"}, "default": []},
    ],
}

FIXTURES: list[tuple[Any, Any, Any]] = [
    ("boolean", True, True),
    ("boolean", "TRUE", True),
    ("boolean", "False", False),
    ("boolean", 0, False),
    ("boolean", 7, True),
    ("boolean", "yes", FAIL),
    ("string", "a value", "a value"),
    ("string", "", ""),
    ("string", 42, "42"),
    ("string", Decimal("9999999.4999999999"), "9999999.4999999999"),
    ("string", True, "true"),
    ("string", {"a": 1}, FAIL),
    ("string", ["a value"], "a value"),
    ("string", ["a", "b"], FAIL),
    ("int", 10, 10),
    ("int", Decimal("10.9"), 10),
    ("int", Decimal("-10.9"), -10),
    ("int", " 12 ", 12),
    ("int", 2**31, FAIL),
    ("int", True, FAIL),
    ("long", 45, 45),
    ("long", 2**63, FAIL),
    ("float", Decimal("10.2"), pytest.approx(10.2, rel=1e-6)),
    ("float", "1.5", 1.5),
    ("double", Decimal("10.1"), 10.1),
    ("double", "x", FAIL),
    ({"type": "array", "items": "null"}, [None], [None]),
    ({"type": "array", "items": "null"}, ["not null"], FAIL),
    (SUITS, "SPADES", "SPADES"),
    (SUITS, "RAKES", FAIL),
    ("bytes", FOX, b"The quick brown fox jumps over the lazy dog."),
    ("bytes", "not base64!", FAIL),
    (
        {"type": "fixed", "name": "F", "size": 16},
        "FHWPGv1EwJt5kgc8zwC0PQ==",
        bytes.fromhex("14758f1afd44c09b7992073ccf00b43d"),
    ),
    ({"type": "fixed", "name": "G", "size": 4}, "FHWPGv1EwJt5kgc8zwC0PQ==", FAIL),
    (
        {"type": "map", "values": "string"},
        {"foo": "bar", "baz": "daz"},
        {"foo": "bar", "baz": "daz"},
    ),
    ({"type": "map", "values": "string"}, {}, {}),
    ({"type": "map", "values": "string"}, "bar", FAIL),
    ({"type": "array", "items": "string"}, "a value", ["a value"]),
    ({"type": "array", "items": "string"}, ["a", "b"], ["a", "b"]),
    (["null", "string"], "x", "x"),
    (["string", "null"], "x", "x"),
    (
        {"type": "array", "items": ITEM},
        [{"name": "a", "extra": 1}, {"name": "b", "note": "n", "count": 3}],
        [{"name": "a", "note": None, "count": 1}, {"name": "b", "note": "n", "count": 3}],
    ),
    (ITEM, {"note": "no name"}, FAIL),
    (
        TREE,
        {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]},
        {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "children": []}]}]},
    ),
]


def _prepare(schema: Any) -> tuple[Any, dict[str, Any]]:
    named: dict[str, Any] = {}
    return fastavro.parse_schema(schema, named_schemas=named), named


@pytest.mark.parametrize(("schema", "value", "expected"), FIXTURES)
def test_conversion(schema: Any, value: Any, expected: Any) -> None:
    parsed, named = _prepare(schema)
    assert check_json_support(parsed, named) is None
    convert = compile_json_converter(parsed, named)
    if expected is FAIL:
        with pytest.raises(JsonConversionError):
            convert(value)
        return
    result = convert(value)
    assert result == expected
    record = {"type": "record", "name": "Wrap", "fields": [{"name": "f", "type": schema}]}
    compile_encoder(record)({"f": result})


def test_json_null_leaves_the_field_untouched() -> None:
    parsed, named = _prepare(["null", "string"])
    convert = compile_json_converter(parsed, named)
    assert convert(None) is NO_VALUE
    assert convert(JSON_NULL) is NO_VALUE


@pytest.mark.parametrize(
    "schema",
    [["string", "int"], ["string", "int", "long"], {"type": "array", "items": ["int", "string"]}],
)
def test_unsupported_unions(schema: Any) -> None:
    parsed, named = _prepare(schema)
    problem = check_json_support(parsed, named)
    assert problem is not None and "union" in problem
