"""Base-36 numbers (PROTOCOL §2.2, §2.9). Values are copied from the spec."""

from __future__ import annotations

import pytest

from divolte.base36 import parse_int, to_base36

# (text, value) pairs that appear in the spec, all in canonical form.
SPEC_NUMBERS = [
    ("sg", 1024),  # TESTS §0 query A, i=sg
    ("sa", 1018),  # TESTS §7, w=sa
    ("i0rjfnxd", 1412220184033),  # TESTS §7 client timestamp
    ("kf12ot8g", 1600000000000),  # PROTOCOL §2.18 script load time
    ("kf12otbv", 1600000000123),
    ("kf12p06g", 1600000009000),
    ("16", 42),  # PROTOCOL §2.8 / §2.9
    ("-11", -37),
    ("21i3v9", 123456789),
    ("2gosa7pa2gw", 2**53),
    ("si9804", 1723716292),  # PROTOCOL §2.7 checksums
    ("-ql2p2c", -1607518308),
    ("-y99lem", -2071414174),
    ("7ifxx9", 454240125),  # PROTOCOL §2.18
    ("ikqk0v", 1123222495),
    ("k1av8q", 1211510186),
    ("-8zwy9e", -544053362),
    ("1y2p0ij32e8e7", 2**63 - 1),  # PROTOCOL §2.9: the maximum
]


@pytest.mark.parametrize(("text", "value"), SPEC_NUMBERS)
def test_parse_spec_numbers(text: str, value: int) -> None:
    assert parse_int(text, 64) == value


@pytest.mark.parametrize(("text", "value"), SPEC_NUMBERS)
def test_render_spec_numbers(text: str, value: int) -> None:
    assert to_base36(value) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ABC", 13368),  # upper-case digits (PROTOCOL §2.9: 0:ABC:x == 0:abc:x)
        ("+abc", 13368),  # leading plus
        ("-0", 0),
        ("0", 0),
        ("000000000000000000000000016", 42),  # leading zeros are not an overflow
        ("-1y2p0ij32e8e8", -(2**63)),
    ],
)
def test_parse_lenient_forms(text: str, value: int) -> None:
    assert parse_int(text, 64) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "+",
        "-",
        " 1",
        "1 ",
        "1_0",
        "+-1",
        "1.i",  # PROTOCOL §2.2: a fractional pixel ratio fails to parse
        "zzzzzzzzzzzzzzzzz",  # PROTOCOL §2.9: overflow
        "1y2p0ij32e8e8",  # 2**63
        "-1y2p0ij32e8e9",
        "\u0663",  # ARABIC-INDIC DIGIT THREE: only 0-9a-zA-Z are digits
        "\uff11",  # FULLWIDTH DIGIT ONE
        "1" * 5000,  # longer than int()'s conversion limit, and an overflow
    ],
)
def test_parse_rejects(text: str) -> None:
    assert parse_int(text, 64) is None


@pytest.mark.parametrize(
    ("value", "fits"),
    [(2**31 - 1, True), (-(2**31), True), (2**31, False), (-(2**31) - 1, False), (1024, True)],
)
def test_parse_32_bit_range(value: int, fits: bool) -> None:
    assert parse_int(to_base36(value), 32) == (value if fits else None)
    assert parse_int(to_base36(value), 64) == value


@pytest.mark.parametrize("value", [0, 1, 35, 36, -1, -36, 2**62, -(2**63), 10**40])
def test_round_trip(value: int) -> None:
    assert int(to_base36(value), 36) == value
    assert to_base36(value) == to_base36(value).lower()
