"""Value-level vectors of the spec: header normaliser (§6.4), URIs (§6.1, §12), query strings
(§6.2), text conversions (§5), Java number text, JSONPath (§6.5), digests (§6.9), regexes (§6.3)."""

from __future__ import annotations

import base64
import math
from decimal import Decimal
from typing import Any

import pytest

from divolte.mapping.dsl._digest import seeded_key
from divolte.mapping.dsl._headers import parse_cookies, split_header
from divolte.mapping.dsl._jsonpath import (
    MISSING,
    JsonPathError,
    _descendants,
    compile_path,
    json_equal,
)
from divolte.mapping.dsl._regex import RegexError, compile_java
from divolte.mapping.dsl._text import (
    MAX_INTEGER_DIGITS,
    java_double,
    java_text,
    parse_fp32,
    parse_fp64,
    parse_int32,
    parse_int64,
)
from divolte.mapping.dsl._uri import parse_query, parse_uri

NORMALISER = [
    ("foo,bar,baz", ["foo", "bar", "baz"]),
    ('""', []),
    ("   ", []),
    ("  ,  ,  ", []),
    (",a", ["a"]),
    ("a,", ["a"]),
    ("a,,b", ["a", "b"]),
    (" a , b , c ", ["a", "b", "c"]),
    ("a,\t \tb, \t c", ["a", "b", "c"]),
    ("foo    bar", ["foo bar"]),
    ("foo\tbar", ["foo bar"]),
    ("foo \t bar", ["foo bar"]),
    ('"foobar"', ["foobar"]),
    ('"",a', ["a"]),
    ('"foo" bar', ["foo bar"]),
    ('foo "bar" baz', ["foo bar baz"]),
    ('"foo"bar', ["foobar"]),
    ('foo"bar"baz', ["foobarbaz"]),
    ('"foo,bar"', ["foo,bar"]),
    ('"  foo \t bar  "', ["  foo \t bar  "]),
    ('"foo\\"bar"', ['foo"bar']),
    ('"foo\\\\bar"', ["foo\\bar"]),
    ('"foo\\', ["foo"]),
    ('"foo', ["foo"]),
]


@pytest.mark.parametrize(("line", "values"), NORMALISER)
def test_header_normaliser(line: str, values: list[str]) -> None:
    assert split_header(line) == values


def test_cookies_follow_undertow() -> None:
    jar = parse_cookies(['a=b=c; b="q v"; a=later', "c=1;;=x; d"])
    assert jar == {"a": "b", "b": "q v", "c": "1"}


# (uri, (scheme, host, port, path, decoded query, decoded fragment)) or None when invalid
URIS: list[tuple[str, tuple[Any, ...] | None]] = [
    (
        "https://www.example.com:8080/path/to/resource/page.html?q=multiple+words+%24%23%25%26&p=10&p=20",
        (
            "https",
            "www.example.com",
            8080,
            "/path/to/resource/page.html",
            "q=multiple+words+$#%&&p=10&p=20",
            None,
        ),
    ),
    ("http://a_b.example.com/x", ("http", None, None, "/x", None, None)),
    ("http://[::1]:80/", ("http", "[::1]", 80, "/", None, None)),
    ("mailto:someone@example.com", ("mailto", None, None, None, None, None)),
    ("/relative?x#y", (None, None, None, "/relative", "x", "y")),
    ("http://1.2.3.4/", ("http", "1.2.3.4", None, "/", None, None)),
    ("http://1.2.3.999/", ("http", None, None, "/", None, None)),
    ("http://example.com", ("http", "example.com", None, "", None, None)),
    ("http://h/caf\u00e9", ("http", "h", None, "/caf\u00e9", None, None)),
    ("http://h/%2F%E2%82%AC", ("http", "h", None, "//\u20ac", None, None)),
    ("http://x y/", None),
    ("http://h/a|b", None),
    ("http://h/a^b", None),
    ("http://h/a`b", None),
    ("http://h/?q={}", None),
    ("http://h/<>", None),
    ("http://h/%zz", None),
    ("http://h/%2", None),
    ("http:", None),
    (":nothing", None),
    ("http://h/#a#b", None),
]


@pytest.mark.parametrize(("text", "parts"), URIS)
def test_java_uri_parsing(text: str, parts: tuple[Any, ...] | None) -> None:
    uri = parse_uri(text)
    if parts is None:
        assert uri is None
        return
    assert uri is not None
    assert (uri.scheme, uri.host, uri.port, uri.path, uri.query, uri.fragment) == parts


def test_raw_uri_parts() -> None:
    uri = parse_uri(
        "http://example.com/path/to/resource%20and%20such/page.html?q=multiple+words+%24%23%25%26"
        "&p=42#/client/side/path?x=value&y=42&q=multiple+words+%24%23%25%26"
    )
    assert uri is not None
    assert uri.raw_path == "/path/to/resource%20and%20such/page.html"
    assert uri.raw_query == "q=multiple+words+%24%23%25%26&p=42"
    assert uri.raw_fragment == "/client/side/path?x=value&y=42&q=multiple+words+%24%23%25%26"


def test_query_parsing() -> None:
    assert parse_query("a=value&=42&b=&d=word&c&=bla") == {
        "a": ["value"],
        "": ["42", "bla"],
        "b": [""],
        "d": ["word"],
        "c": [""],
    }
    assert parse_query("q=multiple+words+%24%23%25%26&p=10&p=20") == {
        "q": ["multiple words $#%&"],
        "p": ["10", "20"],
    }
    assert parse_query("a=1&") == {"a": ["1"]}
    assert parse_query("a=1&&b") == {"a": ["1"], "": [""], "b": [""]}
    assert parse_query("x=%FF") == {"x": ["\ufffd"]}
    assert parse_query("") == {}


@pytest.mark.parametrize(
    ("text", "int32", "int64"),
    [
        ("007", 7, 7),
        ("+42", None, None),
        ("2147483648", None, 2147483648),
        ("-2147483648", -(2**31), -(2**31)),
        ("9223372036854775808", None, None),
        (" 1", None, None),
        ("1.0", None, None),
        ("", None, None),
        ("\u0661", None, None),
    ],
)
def test_integer_conversions(text: str, int32: int | None, int64: int | None) -> None:
    assert parse_int32(text) == int32
    assert parse_int64(text) == int64


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (".5", 0.5),
        ("5.", 5.0),
        ("-1e3", -1000.0),
        ("1.5f", 1.5),
        ("2D", 2.0),
        ("0x1p3", 8.0),
        ("0X.8P1", 1.0),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("1e400", math.inf),
        (" 1", None),
        ("1 ", None),
        ("inf", None),
        ("1e", None),
        ("", None),
        ("0x1", None),
    ],
)
def test_floating_conversions(text: str, value: float | None) -> None:
    assert parse_fp64(text) == value
    assert parse_fp64("NaN") is not None and math.isnan(parse_fp64("NaN") or 0.0)


def test_fp32_rounds_to_float() -> None:
    assert parse_fp32("0.1") == pytest.approx(0.1, rel=1e-7) and parse_fp32("0.1") != 0.1
    assert parse_fp32("1e39") == math.inf


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e21, "1.0E21"),
        (-7.83e-9, "-7.83E-9"),
        (53.2, "53.2"),
        (1.0, "1.0"),
        (1e7, "1.0E7"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-0.0, "-0.0"),
        (math.nan, "NaN"),
    ],
)
def test_java_double_text(value: float, text: str) -> None:
    assert java_double(value) == text


def test_json_scalar_text() -> None:
    assert [java_text(v) for v in (42, Decimal("53.2"), Decimal("1E+21"), True, None, "s")] == [
        "42",
        "53.2",
        "1E+21",
        "true",
        "null",
        "s",
    ]


PARAMS = {
    "foo": "string",
    "bar": 42,
    "items": [
        {"name": "apple", "count": 3, "price": Decimal("1.23"), "extra1": "ignored"},
        {"name": "pear", "count": 1, "price": Decimal("0.89"), "extra2": "ignored"},
    ],
}


@pytest.mark.parametrize(
    ("path", "definite", "result"),
    [
        ("$.foo", True, "string"),
        ("$.bar", True, 42),
        ("$['foo']", True, "string"),
        ("$.items[0].name", True, "apple"),
        ("$.items[-1].name", True, "pear"),
        ("$.missing", True, MISSING),
        ("$.items[5].name", True, MISSING),
        ("$.items[*].price", False, [Decimal("1.23"), Decimal("0.89")]),
        ("$.items[*].nothing", False, []),
        ("$..name", False, ["apple", "pear"]),
        ("$.items[0,1].count", False, [3, 1]),
        ("$.items[:1].name", False, ["apple"]),
        ("$.items[?(@.count > 2)].name", False, ["apple"]),
        ("$.items[?(@.name == 'pear' && @.count < 2)].count", False, [1]),
        ("$.items[?(@.extra2)].name", False, ["pear"]),
        ("$.items[?(!(@.count == 3))].name", False, ["pear"]),
        ("$.items[?(@.name =~ /AP.*/i)].name", False, ["apple"]),
        ("$.items[?(@.name in ['pear', 'fig'])].name", False, ["pear"]),
        ("$.items[?(@.count == $.bar)].name", False, []),
    ],
)
def test_jsonpath(path: str, definite: bool, result: Any) -> None:
    compiled = compile_path(path)
    assert compiled.definite is definite
    assert compiled(PARAMS) == result


@pytest.mark.parametrize("path", ["foo", "$.", "$[", "$.items.length()", "$['a','b']", "$.a[x]"])
def test_invalid_jsonpath(path: str) -> None:
    with pytest.raises(JsonPathError):
        compile_path(path)


@pytest.mark.parametrize(
    ("algorithm", "key"),
    [
        ("sha-256", "6b3d6ace"),
        ("sha-224", "19875d"),
        ("sha-384", "13d50b0a3bf4"),
        ("sha-512", "7f7ef04a4ee675a4"),
        ("SHA-1", "4286"),
        ("SHA256", "6b3d6ace"),
    ],
)
def test_seeded_key_derivation(algorithm: str, key: str) -> None:
    assert seeded_key(algorithm, "foo").hex() == key


def test_byte_encodings() -> None:
    data = bytes(range(20))
    assert data.hex() == "000102030405060708090a0b0c0d0e0f10111213"
    assert base64.b64encode(bytes(range(70))).decode() == (
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERQ=="
    )


def test_java_regex_translation() -> None:
    pattern = compile_java(r"^http://[^/]+/path/with/([0-9]+)/(?<page>[^\.]+)\.html")
    match = pattern.fullmatch("http://www.example.com/path/with/42/about.html")
    assert match is not None and match.group(1) == "42" and match.group("page") == "about"
    assert compile_java(r"(?<w>a)\k<w>").fullmatch("aa")
    assert compile_java(r"\Qa.b\E").fullmatch("a.b") and not compile_java(r"\Qa.b\E").fullmatch(
        "axb"
    )
    assert compile_java(r"a++b").fullmatch("aab")
    assert compile_java(r"(?<=a)b").search("ab")
    for unsupported in (r"\p{Alpha}", "[a-z&&[^e]]", "(unclosed"):
        with pytest.raises(RegexError):
            compile_java(unsupported)


# --- hostile input: no quadratic time, no exceptions, no recursion along the data -----------


@pytest.mark.parametrize(
    ("text", "int64"),
    [
        ("9" * 100_000, None),  # refused before int() (which would raise past 4300 digits)
        ("-" + "9" * 5000, None),
        ("0" * 5000 + "9223372036854775807", 2**63 - 1),  # leading zeros are still fine
        ("-" + "0" * 5000 + "9223372036854775808", -(2**63)),
        ("1" + "0" * 19, None),
    ],
)
def test_long_integer_texts(text: str, int64: int | None) -> None:
    assert parse_int64(text) == int64
    assert parse_int32(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "9" * 50_000 + "x",  # the old float syntax backtracked quadratically here (≈20 s)
        "9" * 50_000 + "." + "9" * 50_000 + "x",
        "9" * 50_000 + "e" + "9" * 50_000 + "x",
        "0x" + "f" * 50_000 + "." + "f" * 50_000 + "x",
    ],
)
def test_float_syntax_takes_linear_time(text: str) -> None:
    import time

    started = time.perf_counter()
    assert parse_fp64(text) is None
    assert time.perf_counter() - started < 0.5  # ≈5 ms; quadratic would be seconds


def test_hex_floats_overflow_to_infinity_like_java() -> None:
    assert parse_fp64("0x1p99999") == math.inf
    assert parse_fp64("-0x1p99999") == -math.inf
    assert parse_fp64("0x" + "f" * 300 + "p0") == math.inf
    assert parse_fp64("0x1p-99999") == 0.0


def test_integer_text_up_to_the_digit_limit() -> None:
    assert MAX_INTEGER_DIGITS == 4300
    largest = 10**MAX_INTEGER_DIGITS - 1
    assert java_text(largest) == "9" * MAX_INTEGER_DIGITS  # beyond str()'s own limit of 4300
    assert java_text(-largest) == "-" + "9" * MAX_INTEGER_DIGITS
    assert java_text(10**700) == "1" + "0" * 700
    assert java_text(largest + 1) is None
    assert java_text(-(36**64_000)) is None


def _recursive_descendants(node: Any) -> list[Any]:
    found = [node]
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        if isinstance(child, dict | list):
            found.extend(_recursive_descendants(child))
    return found


def test_deep_scan_order_is_unchanged() -> None:
    tree = {
        "a": [{"x": 1, "b": {"x": 2}}, [{"x": 3}], "s"],
        "x": 4,
        "c": {"d": [[{"x": 5}], {"x": {"x": 6}}]},
    }
    assert compile_path("$..x")(tree) == [4, 1, 2, 3, 5, {"x": 6}, 6]
    assert list(_descendants(tree)) == _recursive_descendants(tree)
    assert compile_path("$..*")(tree)[:2] == [tree["a"], 4]


def test_deep_scan_of_deep_documents() -> None:
    depth = 20_000  # far beyond the recursion limit
    tree: Any = {"x": "bottom"}
    for level in range(depth):
        tree = {"x": level, "y": tree}
    found = compile_path("$..x")(tree)
    assert len(found) == depth + 1
    assert found[0] == depth - 1 and found[-1] == "bottom"
    arrays: Any = []
    for _ in range(depth):
        arrays = [arrays]
    assert compile_path("$..[0]")(arrays)[-1] == []


def _deep(depth: int, leaf: Any = None) -> Any:
    tree: Any = [leaf]
    for _ in range(depth):
        tree = [tree]
    return tree


def test_json_equality_needs_no_recursion() -> None:
    assert json_equal(_deep(5000), _deep(5000))
    assert not json_equal(_deep(5000), _deep(5000, 1))
    assert not json_equal(_deep(5000), _deep(4999))
    assert json_equal({"a": [1, {"b": Decimal("1.0")}]}, {"a": [1, {"b": 1}]})
    assert not json_equal({"a": 1}, {"b": 1})
    assert not json_equal({"a": [1]}, {"a": 1})
    assert not json_equal([{}], [[]])
    assert json_equal(1, 1.0) and not json_equal("1", 1)


def test_filters_on_deep_documents() -> None:
    document = {"l": [{"a": _deep(5000), "b": _deep(5000)}]}
    assert compile_path("$.l[?(@.a == @.b)]")(document) == document["l"]
    assert compile_path("$.l[?(@.a != @.b)]")(document) == []
    assert compile_path("$.l[?(@.a in [@.b])]")(document) == document["l"]
    assert compile_path("$.l[?(@.a < @.b)]")(document) == []  # Python would recurse: false
