"""JSON → Avro conversion (MAPPING §9.3, TESTS.md §14 AvroGenericRecordMapperTest) as data.

Every successful result must also be serialisable with its schema, as the reference checks.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import fastavro
import pytest

from divolte.mapping.avro_encoder import compile_encoder
from divolte.mapping.json_to_avro import (
    JSON_NULL,
    MAX_RECORD_DEPTH,
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


# --- hostile values: what cannot be represented fails that value only -------------------------

SUB = {
    "type": "record",
    "name": "Sub",
    "fields": [
        {"name": "x", "type": ["null", "string"], "default": None},
        {"name": "y", "type": ["null", "Sub"], "default": None},
    ],
}
HUGE = 36**64_000 - 1  # what a 64,000-digit base-36 mincode number was


def nested(depth: int, make: Any, leaf: Any) -> Any:
    """``leaf`` wrapped ``depth`` times."""
    for _ in range(depth):
        leaf = make(leaf)
    return leaf


HOSTILE: list[tuple[Any, Any, Any]] = [
    ("string", 10**4300 - 1, "9" * 4300),  # beyond str()'s own digit limit
    ("string", -(10**4300) + 1, "-" + "9" * 4300),
    ("string", 10**4300, FAIL),
    ("string", HUGE, FAIL),
    ("long", HUGE, FAIL),
    ("int", -HUGE, FAIL),
    ("long", "9" * 100_000, FAIL),
    ("long", " -" + "0" * 5000 + "45 ", -45),
    ("int", Decimal("1E+999999999"), FAIL),
    ("double", HUGE, math.inf),
    ("double", -HUGE, -math.inf),
    ("float", HUGE, math.inf),
    ("double", "0x1p99999", math.inf),
    ("double", "9" * 50_000 + "x", FAIL),
    ("boolean", HUGE, True),
    (SUITS, HUGE, FAIL),
    ("bytes", HUGE, FAIL),
    ({"type": "map", "values": "string"}, {"a": HUGE}, FAIL),
    ({"type": "map", "values": "string"}, nested(1000, lambda v: {"a": v}, {}), FAIL),
    ({"type": "array", "items": "string"}, nested(1000, lambda v: [v], []), FAIL),
    (SUB, nested(1000, lambda v: {"y": v}, {}), FAIL),
    (TREE, nested(5000, lambda v: {"value": 1, "children": [v]}, {"value": 0}), FAIL),
]


@pytest.mark.parametrize(
    ("schema", "value", "expected"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))]
)
def test_unrepresentable_values_fail_like_any_other(schema: Any, value: Any, expected: Any) -> None:
    test_conversion(schema, value, expected)


def test_recursive_records_convert_up_to_the_depth_limit() -> None:
    assert MAX_RECORD_DEPTH == 100
    cases: list[tuple[Any, Callable[[Any], Any], Any]] = [
        (SUB, lambda v: {"x": "a", "y": v}, {}),
        (TREE, lambda v: {"value": 1, "children": [v]}, {"value": 0}),
    ]
    for schema, make, leaf in cases:
        parsed, named = _prepare(schema)
        convert = compile_json_converter(parsed, named)
        deepest = nested(MAX_RECORD_DEPTH - 1, make, leaf)  # the leaf is a level too
        record = convert(deepest)
        compile_encoder(parsed)(record)
        with pytest.raises(JsonConversionError, match="nested more than 100 levels deep"):
            convert(make(deepest))
        assert convert(deepest) == record  # the depth count starts again at every value


def test_depth_counts_nesting_not_siblings() -> None:
    parsed, named = _prepare(TREE)
    convert = compile_json_converter(parsed, named)
    wide = {"value": 0, "children": [{"value": i} for i in range(10_000)]}
    assert len(convert(wide)["children"]) == 10_000


def test_a_named_record_used_twice_is_not_limited() -> None:
    pair = {
        "type": "record",
        "name": "Pair",
        "fields": [{"name": "a", "type": ITEM}, {"name": "b", "type": "Item"}],
    }
    parsed, named = _prepare(pair)
    convert = compile_json_converter(parsed, named)
    assert convert({"a": {"name": "x"}, "b": {"name": "y"}})["b"]["name"] == "y"


def test_a_recursion_error_is_a_failed_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    import divolte.mapping.json_to_avro as module

    monkeypatch.setattr(module, "MAX_RECORD_DEPTH", 10**9)
    parsed, named = _prepare(SUB)
    convert = compile_json_converter(parsed, named)
    with pytest.raises(JsonConversionError, match="nested too deeply"):
        convert(nested(5000, lambda v: {"y": v}, {}))
    monkeypatch.undo()
    assert convert(nested(3, lambda v: {"y": v}, {}))["y"]["y"]["y"] == {"x": None, "y": None}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (HUGE, "<a 330876-bit integer>"),
        (10**40, "100000000000000000...0000000000000000000"),
        ("x" * 10_000, "'xxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx'"),
        (nested(5000, lambda v: [v], []), "[[[[...]]]]"),
    ],
    ids=["huge", "long", "string", "deep"],
)
def test_messages_show_values_briefly(value: Any, shown: str) -> None:
    parsed, named = _prepare({"type": "enum", "name": "E", "symbols": ["A"]})
    with pytest.raises(JsonConversionError) as caught:
        compile_json_converter(parsed, named)(value)
    assert str(caught.value) == f"cannot convert JSON {shown} to enum E"
