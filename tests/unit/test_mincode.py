"""Mincode decoding, rendering and encoding (PROTOCOL §2.8; TESTS §9 C1, §13).

Samples are copied from the spec. Decoded trees are compared with ``json.loads`` of the spec's
JSON (non-integers as Decimal) including the Python type of every value and the member order.
"""

from __future__ import annotations

import base64
import json
import random
import string
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from divolte.base36 import to_base36
from divolte.mincode import MAX_DEPTH, MAX_NUMBER_LENGTH, MincodeError, decode, to_json_text
from divolte.mincode_encoder import UNDEFINED, encode
from tests.spec_values import MINCODE_TABLE

# PROTOCOL §2.8 examples (JSON, mincode) and TESTS §13 extra samples.
BIG_JSON = (
    '{"a":{},"b":"c","d":{"a":[],"b":"g"},"e":["1","2"],"f":42,"g":53.2,"h":-37,"i":-78.3e-10,'
    '"j":true,"k":false,"l":null,"m":{},"n":[{},{"a":"b"},{"c":"d"}],"o":{}}'
)
BIG_MINCODE = (
    "((a!)sb!c!(d!aa!.sb!g!)ae!s1!s2!.df!16!jg!53.2!dh!-11!ji!-78.3e-10!tj!fk!nl!(m!)"
    "an!()(sa!b!)(sc!d!).(o!))"
)
STRIKETHROUGH = (
    "H\u0336e\u0336l\u0336l\u0336o\u0336 \u0336W\u0336o\u0336r\u0336l\u0336d\u0336!\u0336"
)
SAMPLES = [
    *MINCODE_TABLE,
    (BIG_JSON, BIG_MINCODE),
    (json.dumps(STRIKETHROUGH), "s" + STRIKETHROUGH.replace("!", "~!") + "!"),
    ('"first line\\nsecond line"', "sfirst line\nsecond line!"),
    # PROTOCOL §2.18 event #1 and TESTS §7 parameter sets
    (
        '{"sku":"0886974140818","count":2,"price":43.94,"tags":["a","b"],"gift":false}',
        "(ssku!0886974140818!dcount!2!jprice!43.94!atags!sa!sb!.fgift!)",
    ),
    ('{"foo":"string","bar":42}', "(sfoo!string!dbar!16!)"),
    (
        '{"foo":"string","bar":42,"items":[{"name":"apple","count":3,"price":1.23,'
        '"extra1":"ignored"},{"name":"pear","count":1,"price":0.89,"extra2":"ignored"}]}',
        "(sfoo!string!dbar!16!aitems!(sname!apple!dcount!3!jprice!1.23!sextra1!ignored!)"
        "(sname!pear!dcount!1!jprice!0.89!sextra2!ignored!).)",
    ),
]


def typed(tree: Any) -> Any:
    """The tree with every scalar paired with its type and objects as ordered item lists."""
    if isinstance(tree, dict):
        return ("object", [(key, typed(value)) for key, value in tree.items()])
    if isinstance(tree, list):
        return ("array", [typed(value) for value in tree])
    return (type(tree), tree)


def from_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


@pytest.mark.parametrize(("json_text", "mincode"), SAMPLES)
def test_decode_samples(json_text: str, mincode: str) -> None:
    assert typed(decode(mincode)) == typed(from_json(json_text))


@pytest.mark.parametrize(("json_text", "mincode"), SAMPLES)
def test_render_samples(json_text: str, mincode: str) -> None:
    assert to_json_text(decode(mincode)) == to_json_text(from_json(json_text))


def test_strikethrough_sample_as_written_in_the_spec() -> None:
    mincode = (
        "sH\u0336e\u0336l\u0336l\u0336o\u0336 \u0336W\u0336o\u0336r\u0336l\u0336d\u0336~!\u0336!"
    )
    assert decode(mincode) == STRIKETHROUGH
    assert encode(STRIKETHROUGH) == mincode


# The encoder reproduces every sample except the hand-written -78.3e-10, which the tag
# normalises (PROTOCOL §2.8 observed outputs: -78.3e-10 → j-7.83e-9!).
@pytest.mark.parametrize(("json_text", "mincode"), SAMPLES)
def test_encode_samples(json_text: str, mincode: str) -> None:
    expected = mincode.replace("ji!-78.3e-10!", "ji!-7.83e-9!")
    assert encode(json.loads(json_text)) == expected


# PROTOCOL §2.8: observed outputs of the real tag, with Python standing in for JavaScript.
TAG_OUTPUTS: list[tuple[object, str]] = [
    (0, "d0!"),
    (-0.0, "d0!"),
    (0.5, "j0.5!"),
    (1e21, "j1e+21!"),
    (1e-7, "j1e-7!"),
    (-78.3e-10, "j-7.83e-9!"),
    (123456789, "d21i3v9!"),
    (2**53, "d2gosa7pa2gw!"),
    (1.5e300, "j1.5e+300!"),
    ("", "s!"),
    ("a!b~c", "sa~!b~~c!"),
    ([1, "a", None, UNDEFINED, True], "ad1!sa!nnt."),
    ({"a": 1, "b": UNDEFINED}, "(da!1!)"),
    ({"k!~": {"x": [[]]}}, "((k~!~~!ax!a..))"),
    (float("nan"), "n"),
    (float("inf"), "n"),
    (-float("inf"), "n"),
    (datetime(2015, 6, 13, 15, 49, 33, 2000, tzinfo=UTC), "s2015-06-13T15:49:33.002Z!"),
]


@pytest.mark.parametrize(("value", "mincode"), TAG_OUTPUTS)
def test_encode_like_the_tag(value: object, mincode: str) -> None:
    assert encode(value) == mincode


def test_undefined_at_top_level_has_no_encoding() -> None:
    with pytest.raises(ValueError, match="undefined"):
        encode(UNDEFINED)


class _ToJSON:
    """A JavaScript object with a toJSON method."""

    def __init__(self, result: object) -> None:
        self.result = result

    def to_json(self) -> object:
        return self.result


# TESTS §9 C1: the rich custom event and the exact JSON text the reference prints for it.
C1_OBJECT = {
    "a": {},
    "b": "c",
    "c": "A string with lots of things to escape\u2026 !+~?=;()-_[]<>%|^`&\"'",
    "d": {"a": [], "b": "g"},
    "e": ["1", "2"],
    "f": 42,
    "g": 53.2,
    "h": -37,
    "i": -78.3e-10,
    "j": True,
    "k": False,
    "l": None,
    "m": datetime(2015, 6, 13, 15, 49, 33, 2000, tzinfo=UTC),  # new Date(Date.UTC(2015, 5, ...))
    "n": {},
    "o": [{}, {"a": "b"}, {"c": "d"}],
    "p": [
        None,
        UNDEFINED,
        {"a": "b", "b": UNDEFINED},
        _ToJSON("custom"),
        _ToJSON(UNDEFINED),
        {"a": _ToJSON(UNDEFINED)},
    ],
    "q": {},
}
C1_JSON = (
    '{"a":{},"b":"c","c":"A string with lots of things to escape\u2026 !+~?=;()-_[]<>%|^`&\\"\'",'
    '"d":{"a":[],"b":"g"},"e":["1","2"],"f":42,"g":53.2,"h":-37,"i":-7.83E-9,"j":true,'
    '"k":false,"l":null,"m":"2015-06-13T15:49:33.002Z","n":{},"o":[{},{"a":"b"},{"c":"d"}],'
    '"p":[null,null,{"a":"b"},"custom",null,{}],"q":{}}'
)


def test_c1_fixture() -> None:
    assert to_json_text(decode(encode(C1_OBJECT))) == C1_JSON


# TESTS §13 MincodeParserTest
GIF_HEX = (
    "47 49 46 38 39 61 01 00 01 00 00 00 00 21 f9 04 01 0a 00 01 00 2c 00 00 00 00 01 00 01 00 00"
    " 02 02 4c 01 00 3b"
)


def test_base64_string_reads_as_binary() -> None:
    gif = bytes.fromhex(GIF_HEX)
    decoded = decode("s" + base64.b64encode(gif).decode("ascii") + "!")
    assert base64.b64decode(decoded) == gif


def test_object_of_4000_members() -> None:
    mincode = (
        "(" + "".join(f"sproperty{i:04X}!still more {i:04X} values!" for i in range(4000)) + ")"
    )
    expected = [(f"property{i:04X}", f"still more {i:04X} values") for i in range(4000)]
    assert list(decode(mincode).items()) == expected
    assert list(decode(mincode).items()) == expected  # repeatable


def test_long_string() -> None:
    text = "".join(random.choices(string.ascii_letters + string.digits, k=12001))
    assert decode(f"s{text}!") == text


@pytest.mark.parametrize(
    ("mincode", "message"),
    [
        (")", "Unexpected end of object"),
        (".", "Unexpected end of array"),
        ("z", "Unknown record type"),
        ("sThis record isn't terminated", "end of string"),
        ("sThis record ends with an incomplete escape sequence: ~", "escape sequence"),
        ("d54@@!", "Invalid integer record"),
        ("j54@@!", "Invalid number record"),
        # premature ends and misplaced records, derived from the grammar
        ("", "end-of-input"),
        ("(", "end-of-input"),
        ("a", "end-of-input"),
        ("(sa!b!", "end-of-input"),
        ("asa!", "end-of-input"),
        ("(sa!", "end of string"),
        ("(.a!)", "Unexpected end of array"),
        ("a)", "Unexpected end of object"),
        ("(za!)", "Unknown record type"),
        ("d!", "Invalid integer record"),
        ("d-!", "Invalid integer record"),
        ("d1 !", "Invalid integer record"),
        ("d1_0!", "Invalid integer record"),
        ("j!", "Invalid number record"),
        ("j.!", "Invalid number record"),
        ("j1e!", "Invalid number record"),
        ("jNaN!", "Invalid number record"),
        ("jInfinity!", "Invalid number record"),
        ("j1_000!", "Invalid number record"),
        ("j 1!", "Invalid number record"),
        ("j1e2147483648!", "Invalid number record"),
    ],
)
def test_errors(mincode: str, message: str) -> None:
    with pytest.raises(MincodeError, match=message):
        decode(mincode)


def test_error_is_a_value_error_with_position() -> None:
    with pytest.raises(ValueError) as caught:
        decode("(sa!b!zc!)")
    assert isinstance(caught.value, MincodeError)
    assert caught.value.position == 6


@pytest.mark.parametrize(
    "value", [255, 256, 32767, 32768, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63), 10**30]
)
def test_big_integers_are_exact(value: int) -> None:
    for mincode in (f"j{value}!", f"d{to_base36(value)}!"):
        decoded = decode(mincode)
        assert type(decoded) is int
        assert decoded == value


@pytest.mark.parametrize(
    ("mincode", "expected"),
    [
        ("j1234!", 1234),  # TESTS §13: an integer token
        ("j-0!", 0),
        ("j+7!", 7),
        ("j1.!", 1),  # scale 0 although written with a point
        ("j1.5e1!", 15),  # scale 0: one fraction digit, exponent 1
        ("j120.0e1!", 1200),
        ("d+z!", 35),
        ("dZZ!", 1295),
    ],
)
def test_scale_zero_numbers_are_integers(mincode: str, expected: int) -> None:
    decoded = decode(mincode)
    assert type(decoded) is int
    assert decoded == expected


@pytest.mark.parametrize(
    ("mincode", "rendered"),
    [
        ("j53.20!", "53.2"),  # PROTOCOL §2.8: trailing zeros stripped
        ("j1e3!", "1E+3"),
        ("j-78.3e-10!", "-7.83E-9"),
        ("j10.3!", "10.3"),
        ("j0.000001!", "0.000001"),
        ("j1e-7!", "1E-7"),
        ("j1.0!", "1"),
        ("j0.0!", "0"),
        ("j-0.00!", "0"),
        ("j0e5!", "0"),
        ("j.5!", "0.5"),
        ("j+.5!", "0.5"),
        ("j1.5e300!", "1.5E+300"),
        (
            "j12345678901234567890.123456789012345678901234567890!",
            "12345678901234567890.12345678901234567890123456789",
        ),
    ],
)
def test_decimals_render_like_java(mincode: str, rendered: str) -> None:
    decoded = decode(mincode)
    assert isinstance(decoded, Decimal)
    assert to_json_text(decoded) == rendered


def test_trailing_data_is_ignored() -> None:
    assert decode("sA string record!Extra trailing data.") == "A string record"
    assert decode("(sa!b!)junk") == {"a": "b"}
    assert decode("tf") is True


def test_empty_object_record() -> None:
    # PROTOCOL §2.8: "o" is accepted as an empty object, also as a member
    assert decode("o") == {}
    assert decode("(oa!sb!c!)") == {"a": {}, "b": "c"}
    assert decode("aoo.") == [{}, {}]


def test_escapes_in_names_and_values() -> None:
    assert decode("(sk~!~~!v~a~!!)") == {"k!~": "va!"}


def test_duplicate_names_keep_the_first_position_and_the_last_value() -> None:
    assert decode("(sa!1!sb!2!sa!3!)") == {"a": "3", "b": "2"}
    assert list(decode("(sa!1!sb!2!sa!3!)")) == ["a", "b"]


def test_nesting_up_to_the_limit() -> None:
    assert MAX_DEPTH == 256
    depth = MAX_DEPTH
    tree = decode("a" * depth + "." * depth)
    assert to_json_text(tree) == "[" * depth + "]" * depth
    objects = decode("(" + "(x!" * (depth - 2) + "ox!" + ")" * (depth - 1))
    assert to_json_text(objects) == '{"x":' * (depth - 1) + "{}" + "}" * (depth - 1)
    assert decode("a" * (depth - 1) + "o" + "." * (depth - 1)) is not None


@pytest.mark.parametrize(
    "mincode",
    [
        "a" * (MAX_DEPTH + 1) + "." * (MAX_DEPTH + 1),
        "(" + "(x!" * (MAX_DEPTH - 1) + "ox!" + ")" * MAX_DEPTH,  # an empty object is a level
        "a" * MAX_DEPTH + "o" + "." * MAX_DEPTH,
        "(" + "(y!" * 20_000 + ")" * 20_001,
        "a" * 50_000,  # refused before the end of the input is reached
    ],
)
def test_deeper_nesting_is_malformed(mincode: str) -> None:
    with pytest.raises(MincodeError, match=f"nested more than {MAX_DEPTH} levels"):
        decode(mincode)


def test_rendering_deep_trees_needs_no_recursion() -> None:
    depth = 50_000
    tree: Any = []
    for _ in range(depth - 1):
        tree = [tree]
    assert to_json_text(tree) == "[" * depth + "]" * depth


def test_number_records_up_to_the_length_limit() -> None:
    assert MAX_NUMBER_LENGTH == 1000
    assert decode("d" + "z" * 1000 + "!") == 36**1000 - 1
    assert decode("d-" + "z" * 999 + "!") == -(36**999 - 1)
    assert decode("j" + "9" * 1000 + "!") == 10**1000 - 1
    assert decode("j0." + "1" * 998 + "!") == Decimal("0." + "1" * 998)
    assert to_json_text(decode("d" + "z" * 1000 + "!")) == str(Decimal(36**1000 - 1))


@pytest.mark.parametrize(
    "mincode",
    [
        "d" + "z" * 1001 + "!",
        "d-" + "z" * 1000 + "!",
        "j" + "9" * 1001 + "!",
        "j9" + "0" * 999 + "e1!",
        "(a!d" + "z" * 64_000 + "!)",
        "(a!j" + "9" * 4301 + "!)",
    ],
)
def test_longer_number_records_are_malformed(mincode: str) -> None:
    with pytest.raises(MincodeError, match=f"longer than {MAX_NUMBER_LENGTH} characters"):
        decode(mincode)


def test_huge_numbers_cost_little() -> None:
    import time

    mincode = "a" + "d" + "z" * 64_000 + "!" + "."
    started = time.perf_counter()
    for _ in range(10):
        with pytest.raises(MincodeError):
            decode(mincode)
    assert time.perf_counter() - started < 0.1  # was ≈40 ms per decode, quadratic in the digits


def test_huge_integer_beyond_python_conversion_limit_renders() -> None:
    assert to_json_text(36**5000 - 1) == str(Decimal(36**5000 - 1))


@pytest.mark.parametrize(
    ("tree", "json_text"),
    [
        ("tab\there", '"tab\\there"'),
        ("\x00\x1f\x7f", '"\\u0000\\u001F\x7f"'),
        ('quote " back \\ slash /', '"quote \\" back \\\\ slash /"'),
        ("\b\f\n\r", '"\\b\\f\\n\\r"'),
        ("\u2028\U0001f355", '"\u2028\U0001f355"'),
        ({"k\n": [True, None, 1, Decimal("1E+3")]}, '{"k\\n":[true,null,1,1E+3]}'),
    ],
)
def test_json_text_escaping(tree: Any, json_text: str) -> None:
    assert to_json_text(tree) == json_text
