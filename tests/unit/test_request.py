"""Query-string decoding and canonical paths (PROTOCOL §1, §2.2; cases C-03, C-12)."""

from __future__ import annotations

import pytest

from divolte.http.request import canonical_path, parse_query


@pytest.mark.parametrize(
    ("query", "params", "malformed"),
    [
        ("a=1&b=2&a=3", {"a": ["1", "3"], "b": ["2"]}, False),
        ("a&=42&&b=", {"a": [""], "": ["42"], "b": [""]}, False),
        ("t=%E1%BB%A5%C3%B1%E2%9A%95", {"t": ["ụñ⚕"]}, False),
        ("q=a+b%2Bc", {"q": ["a b+c"]}, False),
        ("u=(sq!%F0%9F%8D%95%20pizza!)", {"u": ["(sq!🍕 pizza!)"]}, False),
        ("l=%zz", {"l": ["%zz"]}, True),
        ("u=%b", {"u": ["%b"]}, True),
        ("l=a%2Fb%", {"l": ["a/b%"]}, True),
        ("l=https%3A%2F%2Fa.example%2F%E0%A4%A", {"l": ["https://a.example/\ufffd%A"]}, True),
        ("x=%FF", {"x": ["\ufffd"]}, True),
        ("%7A=1", {"z": ["1"]}, False),
    ],
)
def test_parse_query(query: str, params: dict[str, list[str]], malformed: bool) -> None:
    assert parse_query(query) == (params, malformed)


def test_raw_utf8_bytes_in_the_query_are_decoded() -> None:
    """The HTTP layer hands the target over as latin-1 text of the bytes sent."""
    raw = "t=ụñ".encode().decode("latin-1")
    assert parse_query(raw) == ({"t": ["ụñ"]}, False)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("/csc-event", "/csc-event"),
        ("", "/"),
        ("/a/../csc-event", "/csc-event"),
        ("/a/./b/", "/a/b/"),
        ("/%2e%2e/x", "/x"),
        ("//double//slash", "/double/slash"),
        ("/../../etc/passwd", "/etc/passwd"),
    ],
)
def test_canonical_path(raw: str, canonical: str) -> None:
    assert canonical_path(raw) == canonical
