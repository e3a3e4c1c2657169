"""URIs parsed exactly as Java's ``java.net.URI`` parses them (RFC 2396 with Java's deviations),
and query strings split the way the reference splits them (MAPPING §6.1, §6.2).

Python's ``urllib.parse`` accepts almost anything; the reference rejects spaces, ``|``, ``^`` and
friends, and decides between a server-based authority (with a host) and a registry-based one
(without). Presence and absence of every URI part depend on those rules, so they are followed
step by step here: :func:`parse_uri` returns None where Java throws ``URISyntaxException``.
"""

from __future__ import annotations

import ipaddress
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, unquote_plus

_ALPHA = frozenset(string.ascii_letters)
_DIGIT = frozenset(string.digits)
_ALNUM = _ALPHA | _DIGIT
_HEX = frozenset(string.hexdigits)
_UNRESERVED = _ALNUM | frozenset("-_.!~*'()")
_RESERVED = frozenset(";/?:@&=+$,[]")
_URIC = _UNRESERVED | _RESERVED
_PCHAR = _UNRESERVED | frozenset(":@&=+$,")
_PATH = _PCHAR | frozenset(";/")
_USERINFO = _UNRESERVED | frozenset(";:&=+$,")
_SERVER = _USERINFO | _ALNUM | frozenset("-.:@[]")
_REG_NAME = _UNRESERVED | frozenset("$,;:@&=+")
_SCHEME = _ALNUM | frozenset("+-.")


class _Invalid(Exception):
    """Java would throw URISyntaxException."""


@dataclass(frozen=True, slots=True)
class ParsedUri:
    scheme: str | None
    host: str | None
    port: int | None
    raw_path: str | None
    raw_query: str | None
    raw_fragment: str | None

    @property
    def path(self) -> str | None:
        return _decode(self.raw_path)

    @property
    def query(self) -> str | None:
        return _decode(self.raw_query)

    @property
    def fragment(self) -> str | None:
        return _decode(self.raw_fragment)


def _decode(text: str | None) -> str | None:
    if text is None or "%" not in text:
        return text
    return unquote(text, errors="replace")


_PATTERNS: dict[tuple[frozenset[str], bool], re.Pattern[str]] = {}


def _pattern(allowed: frozenset[str], escapes: bool) -> re.Pattern[str]:
    """A regex matching a run of ``allowed`` characters (plus ``%XX`` escapes and non-ASCII
    "other" characters when ``escapes``), built once per character set."""
    key = (allowed, escapes)
    found = _PATTERNS.get(key)
    if found is None:
        chars = "".join(re.escape(c) for c in sorted(allowed))
        other = r"|%[0-9a-fA-F]{2}|[^\x00-\x9f\s]" if escapes else ""
        found = _PATTERNS[key] = re.compile(rf"(?:[{chars}]{other})*")
    return found


def _scan(s: str, p: int, n: int, allowed: frozenset[str], escapes: bool = True) -> int:
    """Index of the first character from ``p`` that is not allowed (Java's ``scan``)."""
    match = _pattern(allowed, escapes).match(s, p, n)
    return match.end() if match else p


def _check(s: str, p: int, n: int, allowed: frozenset[str]) -> None:
    if _scan(s, p, n, allowed) < n:
        raise _Invalid


_STOPS: dict[str, re.Pattern[str]] = {}


def _find(s: str, p: int, n: int, stops: str) -> int:
    """Index of the first of ``stops`` from ``p``, or ``n``."""
    pattern = _STOPS.get(stops)
    if pattern is None:
        pattern = _STOPS[stops] = re.compile(f"[{re.escape(stops)}]")
    match = pattern.search(s, p, n)
    return match.start() if match else n


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.({_LABEL}))*\.?")


class _Parser:
    def __init__(self, s: str) -> None:
        self.s = s
        self.scheme: str | None = None
        self.host: str | None = None
        self.port: int | None = None
        self.path: str | None = None
        self.query: str | None = None
        self.fragment: str | None = None

    def parse(self) -> ParsedUri:
        s, n = self.s, len(self.s)
        colon = _find(s, 0, n, "/?#:")
        if colon < n and s[colon] == ":":
            if colon == 0 or s[0] not in _ALPHA or _scan(s, 1, colon, _SCHEME, False) < colon:
                raise _Invalid
            self.scheme = s[:colon]
            p = colon + 1
            if s[p : p + 1] == "/":
                p = self.hierarchical(p, n)
            else:
                q = _find(s, p, n, "#")
                if q <= p:
                    raise _Invalid  # expected scheme-specific part
                _check(s, p, q, _URIC)
                p = q
        else:
            p = self.hierarchical(0, n)
        if p < n and s[p] == "#":
            _check(s, p + 1, n, _URIC)
            self.fragment = s[p + 1 :]
            p = n
        if p < n:
            raise _Invalid
        return ParsedUri(self.scheme, self.host, self.port, self.path, self.query, self.fragment)

    def hierarchical(self, p: int, n: int) -> int:
        s = self.s
        if s.startswith("//", p):
            p += 2
            q = _find(s, p, n, "/?#")
            if q > p:
                p = self.authority(p, q)
            elif q >= n:
                raise _Invalid  # expected authority
        q = _find(s, p, n, "?#")
        _check(s, p, q, _PATH)
        self.path = s[p:q]
        p = q
        if p < n and s[p] == "?":
            p += 1
            q = _find(s, p, n, "#")
            _check(s, p, q, _URIC)
            self.query = s[p:q]
            p = q
        return p

    def authority(self, p: int, n: int) -> int:
        s = self.s
        server_chars = _scan(s, p, n, _SERVER | {"%"} if "]" in s[p:n] else _SERVER) == n
        reg_chars = _scan(s, p, n, _REG_NAME) == n
        if reg_chars and not server_chars:
            return n
        if server_chars:
            try:
                self.server(p, n)
                return n
            except _Invalid:
                self.host, self.port = None, None
        if reg_chars:
            return n
        raise _Invalid

    def server(self, p: int, n: int) -> None:
        s = self.s
        q = _find(s, p, n, "/?#@")
        if q < n and s[q] == "@":
            _check(s, p, q, _USERINFO)
            p = q + 1
        if s[p : p + 1] == "[":
            q = _find(s, p + 1, n, "/?#]")
            if q >= n or s[q] != "]" or q == p + 1:
                raise _Invalid
            self.ipv6(s[p + 1 : q])
            self.host = s[p : q + 1]
            p = q + 1
        else:
            q = self.ipv4(p, n)
            if q <= p:
                q = self.hostname(p, n)
            p = q
        if p < n and s[p] == ":":
            p += 1
            q = n
            if q > p:
                _check(s, p, q, _DIGIT)
                port = int(s[p:q])
                if port > 2**31 - 1:
                    raise _Invalid
                self.port = port
                p = q
        if p < n:
            raise _Invalid

    def ipv6(self, text: str) -> None:
        address, _, scope = text.partition("%")
        try:
            ipaddress.IPv6Address(address)
        except ValueError as exc:
            raise _Invalid from exc
        if "%" in text and (not scope or _scan(scope, 0, len(scope), _ALNUM, False) < len(scope)):
            raise _Invalid

    def ipv4(self, p: int, n: int) -> int:
        s = self.s
        m = _scan(s, p, n, _DIGIT | {"."}, False)
        if m <= p:
            return -1
        parts = s[p:m].split(".")
        if len(parts) < 4 or any(
            not part or len(part) > 3 or int(part) > 255 for part in parts[:4]
        ):
            return -1
        end = p + len(".".join(parts[:4]))
        if end < m:  # more digits or dots follow the fourth byte
            return -1
        if end < n and s[end] != ":":
            return -1
        self.host = s[p:end]
        return end

    def hostname(self, start: int, n: int) -> int:
        s = self.s
        match = _HOSTNAME.match(s, start, n)
        if match is None:
            raise _Invalid
        p = match.end()
        if p < n and s[p] != ":":
            raise _Invalid
        last = match.group(1)  # the rightmost label when there are several
        if last is not None and last[0] not in _ALPHA:
            raise _Invalid
        self.host = s[start:p]
        return p


@lru_cache(maxsize=4096)
def parse_uri(text: str) -> ParsedUri | None:
    """The URI as Java parses it, or None where Java would throw (cached: pages repeat)."""
    try:
        return _Parser(text).parse()
    except _Invalid:
        return None


def parse_query(raw: str) -> dict[str, list[str]]:
    """A raw query string as the reference splits it (MAPPING §6.2)."""
    pieces = raw.split("&")
    if pieces and pieces[-1] == "":
        pieces.pop()  # a trailing empty piece at the very end is ignored
    result: dict[str, list[str]] = {}
    for piece in pieces:
        key, _, value = piece.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key, errors="replace")
        if "%" in value or "+" in value:
            value = unquote_plus(value, errors="replace")
        values = result.get(key)
        if values is None:
            result[key] = [value]
        else:
            values.append(value)
    return result
