"""The tracking tag, prepared once per browser source at start-up (PROTOCOL §4.1, §4.2).

The tag's source (``divolte/tag/divolte.js``) holds its configuration in one object literal
between the markers ``/*@CONFIG{*/`` and ``/*}@CONFIG*/``; we replace that span with the
configured values as JSON, minify the result with rjsmin (unless ``debug``), and keep the
plain and gzip'd bytes, their ETags and their response headers ready for every request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import rjsmin

log = logging.getLogger(__name__)

MAX_COOKIE_SECONDS = 2147483647
"""Cookie lifetimes above 2^31-1 seconds are capped (PROTOCOL §2.10)."""

SCRIPT_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+\.js")

_CONFIG_SPAN = re.compile(r"/\*@CONFIG\{\*/.*?/\*\}@CONFIG\*/", re.DOTALL)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"
_STATIC_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_QUOTED_ETAG = re.compile(r'(?:W/)?"([^"]*)"')

Headers = list[tuple[str, str]]
Response = tuple[int, Headers, bytes]


def gzip_compress(data: bytes) -> bytes:
    """gzip as the reference writes it: fixed 10-byte header, raw DEFLATE level 9, CRC-32, size."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflater.compress(data) + deflater.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return _GZIP_HEADER + body + trailer


def load_static(name: str) -> bytes:
    """A file of the packaged ``divolte/static`` folder (the demo page), by plain file name."""
    if not _STATIC_NAME.fullmatch(name):
        raise ValueError(f"not a plain static file name: {name!r}")
    return resources.files("divolte").joinpath("static", name).read_bytes()


def load_tag_source() -> str:
    """The unconfigured tag source, as shipped in the package."""
    return resources.files("divolte").joinpath("tag", "divolte.js").read_text("utf-8")


def _capped(what: str, seconds: int) -> int:
    if seconds > MAX_COOKIE_SECONDS:
        log.warning(
            "%s of %d seconds is more than a cookie can hold; using %d seconds",
            what,
            seconds,
            MAX_COOKIE_SECONDS,
        )
        return MAX_COOKIE_SECONDS
    return seconds


def configure_source(source: str, constants: dict[str, object]) -> str:
    """Replace the tag's configuration object literal with ``constants`` as JSON."""
    # ensure_ascii keeps the script ASCII (it is served without a charset) and escapes
    # U+2028/U+2029, which old engines reject inside string literals.
    literal = json.dumps(constants, ensure_ascii=True, separators=(",", ":"))
    configured, count = _CONFIG_SPAN.subn(lambda _: literal, source)
    if count != 1:
        raise ValueError(f"the tag source has {count} configuration spans instead of 1")
    return configured


@dataclass(frozen=True, slots=True)
class _Variant:
    body: bytes
    etag: str
    """The opaque tag, without quotes."""
    ok_headers: Headers
    not_modified_headers: Headers


class TagResource:
    """The configured tag of one browser source and its HTTP answers."""

    def __init__(
        self,
        *,
        script_name: str,
        event_suffix: str,
        party_cookie: str,
        party_timeout_seconds: int,
        session_cookie: str,
        session_timeout_seconds: int,
        cookie_domain: str | None,
        logging: bool,
        debug: bool,
        auto_page_view_event: bool,
        event_timeout_seconds: float,
    ) -> None:
        if not SCRIPT_NAME_PATTERN.fullmatch(script_name):
            raise ValueError(f"tag name must match ^[A-Za-z0-9_-]+\\.js$, got {script_name!r}")
        constants: dict[str, object] = {
            "PARTY_COOKIE_NAME": party_cookie,
            "PARTY_ID_TIMEOUT_SECONDS": _capped("party_timeout", party_timeout_seconds),
            "SESSION_COOKIE_NAME": session_cookie,
            "SESSION_ID_TIMEOUT_SECONDS": _capped("session_timeout", session_timeout_seconds),
            "COOKIE_DOMAIN": cookie_domain or "",
            "LOGGING": logging,
            "SCRIPT_NAME": script_name,
            "EVENT_SUFFIX": event_suffix,
            "AUTO_PAGE_VIEW_EVENT": auto_page_view_event,
            "EVENT_TIMEOUT_SECONDS": event_timeout_seconds,
        }
        script = configure_source(load_tag_source(), constants)
        if not debug:
            script = rjsmin.jsmin(script)
        plain = script.encode("utf-8")
        digest = base64.b64encode(hashlib.sha256(plain).digest()).decode("ascii")
        compressed = gzip_compress(plain)
        # The gzip variant is only worth having when it is strictly smaller; when it exists,
        # both variants vary on Accept-Encoding.
        has_gzip = len(compressed) < len(plain)
        self._plain = _variant(plain, digest, None, vary=has_gzip)
        self._gzip = _variant(compressed, "gz+" + digest, "gzip", vary=True) if has_gzip else None

    @property
    def plain_size(self) -> int:
        """Bytes of the served (minified unless debug) script."""
        return len(self._plain.body)

    @property
    def gzip_size(self) -> int | None:
        """Bytes of the gzip variant, or None when compressing did not make it smaller."""
        return None if self._gzip is None else len(self._gzip.body)

    def respond(
        self, accept_encoding_headers: Sequence[str], if_none_match: str | None
    ) -> Response:
        """Status, headers and body for a GET of the tag.

        ``accept_encoding_headers`` are all ``Accept-Encoding`` header values in order;
        ``if_none_match`` is the first ``If-None-Match`` header value, if any.
        """
        variant = self._plain
        if self._gzip is not None and _accepts_gzip(accept_encoding_headers):
            variant = self._gzip
        if if_none_match is not None and _lists_etag(if_none_match, variant.etag):
            return 304, list(variant.not_modified_headers), b""
        return 200, list(variant.ok_headers), variant.body


def _variant(body: bytes, etag: str, encoding: str | None, *, vary: bool) -> _Variant:
    common: Headers = [("Cache-Control", "public, max-age=3600"), ("ETag", f'"{etag}"')]
    if vary:
        common.append(("Vary", "Accept-Encoding"))
    if encoding is not None:
        common.append(("Content-Encoding", encoding))
    ok = [*common, ("Content-Type", "application/javascript")]
    return _Variant(body, etag, ok, common)


def _accepts_gzip(headers: Sequence[str]) -> bool:
    # [quirk] exact element match, as the reference: "gzip;q=1.0" and "GZIP" do not count.
    return any(element.strip() == "gzip" for value in headers for element in value.split(","))


def _lists_etag(header: str, etag: str) -> bool:
    """Whether an If-None-Match value names ``etag`` (strong or weak) or the quoted ``"*"``."""
    return any(tag in (etag, "*") for tag in _QUOTED_ETAG.findall(header))
