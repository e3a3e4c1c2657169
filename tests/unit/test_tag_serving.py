"""Serving the tag: constants, minification, gzip, ETags, 304s (PROTOCOL §4.1, §4.2; TESTS §12)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import os
import re
from typing import Any

import pytest

from divolte.sources.tag import (
    TagResource,
    configure_source,
    gzip_compress,
    load_static,
    load_tag_source,
)
from tests.spec_values import TAG_DEFAULTS

DEFAULTS = TAG_DEFAULTS


def make(**overrides: Any) -> TagResource:
    return TagResource(**{**DEFAULTS, **overrides})


def plain_body(tag: TagResource) -> bytes:
    status, _, body = tag.respond([], None)
    assert status == 200
    return body


def served_config(tag: TagResource) -> dict[str, Any]:
    match = re.search(rb"var C *= *(\{[^}]*\});", plain_body(tag))
    assert match is not None
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in headers if key == name]
    assert len(values) <= 1
    return values[0] if values else None


# --- gzip -----------------------------------------------------------------------------------


def test_gzip_format() -> None:
    text = (
        b"The quick brown fox jumps over the lazy dog, and the lazy dog lets the quick brown fox "
        b"jump over it again and again."
    )
    compressed = gzip_compress(text)
    assert compressed[:10] == bytes.fromhex("1f8b0800000000000000")
    assert len(compressed) < len(text)
    assert gzip.decompress(compressed) == text
    # CRC-32 and length trailer, little-endian.
    assert compressed[-4:] == len(text).to_bytes(4, "little")


def test_tag_gzip_variant() -> None:
    tag = make()
    status, headers, body = tag.respond(["gzip"], None)
    assert status == 200
    assert body[:10] == bytes.fromhex("1f8b0800000000000000")
    assert gzip.decompress(body) == plain_body(tag)
    assert tag.gzip_size == len(body) < tag.plain_size == len(plain_body(tag))
    assert header(headers, "Content-Encoding") == "gzip"


@pytest.mark.parametrize("data", [b"Too small", os.urandom(1024)], ids=["small", "random"])
def test_gzip_not_smaller(data: bytes) -> None:
    assert len(gzip_compress(data)) >= len(data)
    assert gzip.decompress(gzip_compress(data)) == data


def test_no_gzip_variant_when_it_would_not_be_smaller(monkeypatch: pytest.MonkeyPatch) -> None:
    import divolte.sources.tag as module

    monkeypatch.setattr(module, "load_tag_source", lambda: "/*@CONFIG{*/{}/*}@CONFIG*/")
    monkeypatch.setattr("rjsmin.jsmin", lambda text: "Too small")
    tag = module.TagResource(**DEFAULTS)
    assert tag.gzip_size is None
    status, headers, body = tag.respond(["gzip"], None)
    assert (status, body) == (200, b"Too small")
    assert header(headers, "Content-Encoding") is None
    assert header(headers, "Vary") is None
    assert header(headers, "ETag") == '"' + etag_of(body) + '"'


# --- headers and ETags ----------------------------------------------------------------------


def etag_of(plain: bytes) -> str:
    return base64.b64encode(hashlib.sha256(plain).digest()).decode("ascii")


def test_plain_response_headers() -> None:
    tag = make()
    status, headers, body = tag.respond([], None)
    assert status == 200
    assert headers == [
        ("Cache-Control", "public, max-age=3600"),
        ("ETag", f'"{etag_of(body)}"'),
        ("Vary", "Accept-Encoding"),
        ("Content-Type", "application/javascript"),
    ]


def test_gzip_response_headers() -> None:
    tag = make()
    status, headers, _ = tag.respond(["gzip"], None)
    assert status == 200
    assert headers == [
        ("Cache-Control", "public, max-age=3600"),
        ("ETag", f'"gz+{etag_of(plain_body(tag))}"'),
        ("Vary", "Accept-Encoding"),
        ("Content-Encoding", "gzip"),
        ("Content-Type", "application/javascript"),
    ]


def test_etags_are_strong_quoted_and_differ() -> None:
    tag = make()
    plain_tag = header(tag.respond([], None)[1], "ETag")
    gzip_tag = header(tag.respond(["gzip"], None)[1], "ETag")
    assert plain_tag is not None and gzip_tag is not None
    assert re.fullmatch(r'"[A-Za-z0-9+/]{43}="', plain_tag)
    assert gzip_tag == '"gz+' + plain_tag[1:]


def test_etag_depends_on_configuration() -> None:
    assert header(make().respond([], None)[1], "ETag") != header(
        make(party_cookie="other").respond([], None)[1], "ETag"
    )


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        (["gzip"], True),
        (["deflate, gzip"], True),
        (["deflate,gzip , br"], True),
        (["deflate", "gzip"], True),
        (["gzip;q=1.0"], False),
        (["GZIP"], False),
        (["x-gzip"], False),
        (["deflate, br"], False),
        (["*"], False),
        ([], False),
        ([""], False),
    ],
)
def test_gzip_choice(accept_encoding: list[str], gzipped: bool) -> None:
    _, headers, body = make().respond(accept_encoding, None)
    assert (header(headers, "Content-Encoding") == "gzip") is gzipped
    assert body.startswith(b"\x1f\x8b") is gzipped


# --- conditional requests -------------------------------------------------------------------


def test_not_modified() -> None:
    tag = make()
    digest = etag_of(plain_body(tag))
    cases: list[tuple[list[str], str, int]] = [
        ([], f'"{digest}"', 304),
        ([], f'W/"{digest}"', 304),
        ([], f'"other", "{digest}"', 304),
        ([], '"*"', 304),
        ([], "*", 200),  # an unquoted * is not an entity tag for the reference's parser
        ([], f'"gz+{digest}"', 200),  # names the other variant
        ([], digest, 200),  # unquoted
        ([], '"other"', 200),
        (["gzip"], f'"gz+{digest}"', 304),
        (["gzip"], f'W/"gz+{digest}"', 304),
        (["gzip"], f'"{digest}"', 200),
        (["gzip"], '"*"', 304),
    ]
    for accept, if_none_match, expected in cases:
        status, _, _ = tag.respond(accept, if_none_match)
        assert status == expected, (accept, if_none_match)


def test_not_modified_headers() -> None:
    tag = make()
    digest = etag_of(plain_body(tag))
    assert tag.respond([], f'"{digest}"') == (
        304,
        [
            ("Cache-Control", "public, max-age=3600"),
            ("ETag", f'"{digest}"'),
            ("Vary", "Accept-Encoding"),
        ],
        b"",
    )
    assert tag.respond(["gzip"], '"*"') == (
        304,
        [
            ("Cache-Control", "public, max-age=3600"),
            ("ETag", f'"gz+{digest}"'),
            ("Vary", "Accept-Encoding"),
            ("Content-Encoding", "gzip"),
        ],
        b"",
    )


def test_responses_do_not_share_header_lists() -> None:
    tag = make()
    tag.respond([], None)[1].append(("X", "y"))
    assert header(tag.respond([], None)[1], "X") is None


# --- constants --------------------------------------------------------------------------------


def test_default_constants() -> None:
    assert served_config(make()) == {
        "PARTY_COOKIE_NAME": "_dvp",
        "PARTY_ID_TIMEOUT_SECONDS": 63072000,
        "SESSION_COOKIE_NAME": "_dvs",
        "SESSION_ID_TIMEOUT_SECONDS": 1800,
        "COOKIE_DOMAIN": "",
        "LOGGING": False,
        "SCRIPT_NAME": "divolte.js",
        "EVENT_SUFFIX": "csc-event",
        "AUTO_PAGE_VIEW_EVENT": True,
        "EVENT_TIMEOUT_SECONDS": 0.75,
    }


def test_custom_constants() -> None:
    tag = make(
        script_name="dvt.js",
        event_suffix="web-event",
        party_cookie="my_party",
        party_timeout_seconds=1000,
        session_cookie="my_session",
        session_timeout_seconds=60,
        cookie_domain=".example.com",
        logging=True,
        auto_page_view_event=False,
        event_timeout_seconds=1.5,
    )
    assert served_config(tag) == {
        "PARTY_COOKIE_NAME": "my_party",
        "PARTY_ID_TIMEOUT_SECONDS": 1000,
        "SESSION_COOKIE_NAME": "my_session",
        "SESSION_ID_TIMEOUT_SECONDS": 60,
        "COOKIE_DOMAIN": ".example.com",
        "LOGGING": True,
        "SCRIPT_NAME": "dvt.js",
        "EVENT_SUFFIX": "web-event",
        "AUTO_PAGE_VIEW_EVENT": False,
        "EVENT_TIMEOUT_SECONDS": 1.5,
    }
    # The defaults of the source are gone.
    assert b"_dvp" not in plain_body(tag)
    assert b"csc-event" not in plain_body(tag)


def test_timeouts_are_capped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="divolte.sources.tag"):
        tag = make(party_timeout_seconds=2**31, session_timeout_seconds=10**12)
    config = served_config(tag)
    assert config["PARTY_ID_TIMEOUT_SECONDS"] == 2147483647
    assert config["SESSION_ID_TIMEOUT_SECONDS"] == 2147483647
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "party_timeout" in warnings[0] and "2147483647" in warnings[0]
    assert "session_timeout" in warnings[1]


def test_values_that_need_escaping_stay_inside_their_strings() -> None:
    tag = make(cookie_domain="a'b\"c</script>\u2028")
    assert served_config(tag)["COOKIE_DOMAIN"] == "a'b\"c</script>\u2028"
    assert plain_body(tag).isascii()


def test_script_name_is_checked() -> None:
    with pytest.raises(ValueError, match=r"404\.exe"):
        make(script_name="404.exe")


def test_configuration_span_must_exist_once() -> None:
    with pytest.raises(ValueError, match="0 configuration spans"):
        configure_source("var C = {};", {})
    assert configure_source("a/*@CONFIG{*/{x: 1}/*}@CONFIG*/b", {"y": 2}) == 'a{"y":2}b'


# --- minification and debug -------------------------------------------------------------------


def test_minified_by_default() -> None:
    body = plain_body(make())
    source = load_tag_source().encode()
    assert b"/*" not in body and b"  " not in body
    assert body.count(b"\n") < source.count(b"\n") / 4
    assert len(body) < len(source) * 0.7


def test_debug_is_unminified() -> None:
    tag = make(debug=True)
    body = plain_body(tag).decode("ascii")
    # The source as written, comments and all; only the configuration is replaced.
    assert body == configure_source(load_tag_source(), served_config(tag))
    assert "  function murmur3(bytes) {" in body


def test_size_report() -> None:
    tag = make()
    assert tag.plain_size == len(plain_body(tag))
    assert tag.gzip_size is not None
    # Budget: the reference tag is about 4 KB gzip'd; ours must stay well below.
    assert tag.gzip_size < 3500
    assert tag.plain_size < 9000


def test_the_tag_source_is_ascii() -> None:
    assert load_tag_source().isascii()


# --- the demo page ----------------------------------------------------------------------------


def test_demo_page() -> None:
    page = load_static("index.html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'src="divolte.js"' in page  # relative: a browser source at prefix /
    assert "bannerClick" in page and "addToBasket" in page
    assert "http://" not in page and "https://" not in page  # no external resources


@pytest.mark.parametrize("name", ["../tag/divolte.js", "", ".hidden", "a/b.html"])
def test_load_static_refuses_paths(name: str) -> None:
    with pytest.raises(ValueError):
        load_static(name)


def test_load_static_missing() -> None:
    with pytest.raises(FileNotFoundError):
        load_static("missing.html")
