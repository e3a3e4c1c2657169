"""Divolte identifiers (PROTOCOL §2.9, TESTS §1). Examples are copied from the spec."""

from __future__ import annotations

import re

import pytest

from divolte.identifiers import generate_identifier, identifier_timestamp, parse_identifier

VALID = [
    # (as sent, normalised value, timestamp)
    ("0:ABC:x", "0:abc:x", 13368),
    ("0:+abc:x", "0:abc:x", 13368),
    ("0:-1:x", "0:-1:x", -1),
    ("0:abc:", "0:abc:", 13368),
    ("0:16:5mRCeUO4p2_6R7u1m9ZoxXG2AfBeJeHD", "0:16:5mRCeUO4p2_6R7u1m9ZoxXG2AfBeJeHD", 42),
    ("0:1y2p0ij32e8e7:x", "0:1y2p0ij32e8e7:x", 2**63 - 1),
    (
        "0:kf12ot8g:Qm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA",
        "0:kf12ot8g:Qm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA",
        1600000000000,
    ),
    ("0:i1t84hgy:party", "0:i1t84hgy:party", int("i1t84hgy", 36)),
    # derived from the rules: leading zeros and a negative zero are re-rendered canonically
    ("0:0016:x", "0:16:x", 42),
    ("0:-0:x", "0:0:x", 0),
    ("0:0:x", "0:0:x", 0),
    ("0:-00b:x", "0:-b:x", -11),
    ("0:kf12ot8g:unique with spaces, ~ and \U0001f600", None, 1600000000000),
]

INVALID = [
    "0::x",
    "1:abc:def",
    "0:abc:de:f",
    "0:zzzzzzzzzzzzzzzzz:x",
    "notavalidpartyid",  # TESTS §6 broken party id
    "",
    "0",
    "0:abc",
    "00:abc:x",
    "0:a b:x",
    "0:1y2p0ij32e8e8:x",  # 2**63
]


@pytest.mark.parametrize(("text", "normalised", "timestamp"), VALID)
def test_valid(text: str, normalised: str | None, timestamp: int) -> None:
    assert parse_identifier(text) == (text if normalised is None else normalised)
    assert identifier_timestamp(text) == timestamp


@pytest.mark.parametrize("text", INVALID)
def test_invalid(text: str) -> None:
    assert parse_identifier(text) is None
    assert identifier_timestamp(text) is None


def test_normalised_value_is_a_fixed_point() -> None:
    for text, _, _ in VALID:
        normalised = parse_identifier(text)
        assert normalised is not None
        assert parse_identifier(normalised) == normalised


def test_generated_ids_are_unique() -> None:
    ids = {generate_identifier(1600000000000) for _ in range(100_000)}
    assert len(ids) == 100_000


def test_timestamp_round_trip() -> None:
    generated = generate_identifier(42)
    assert identifier_timestamp(generated) == 42
    assert parse_identifier(generated) == generated


def test_generated_shape() -> None:
    # the Java server's shape: URL-safe Base64 of 24 random bytes = 32 characters
    generated = generate_identifier(1600000000000)
    assert re.fullmatch(r"0:kf12ot8g:[A-Za-z0-9_-]{32}", generated)
    assert generate_identifier(42) != generate_identifier(42)
