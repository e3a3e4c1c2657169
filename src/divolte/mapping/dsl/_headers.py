"""Header values and cookies the way the reference's HTTP server hands them to mappings.

:func:`split_header` is the normaliser of MAPPING §6.4 (comma-separated values, quoted strings,
whitespace folding); :func:`parse_cookies` follows Undertow's default cookie parsing (§4).
"""

from __future__ import annotations


def split_header(line: str) -> list[str]:
    """The normalised values of one header line (empty values dropped)."""
    values: list[str] = []
    parts: list[str] = []
    spaced = False  # whitespace seen after the first part of the current value
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == ",":
            _finish(values, parts)
            parts, spaced = [], False
            i += 1
        elif c in " \t":
            spaced = spaced or bool(parts)
            i += 1
        elif c == '"':
            text, i = _quoted(line, i + 1)
            _add(parts, text, spaced)
        else:
            start = i
            while i < n and line[i] not in ' \t,"':
                i += 1
            _add(parts, line[start:i], spaced)
    _finish(values, parts)
    return values


def _add(parts: list[str], text: str, spaced: bool) -> None:
    if parts and spaced:
        parts.append(" ")
    parts.append(text)


def _finish(values: list[str], parts: list[str]) -> None:
    value = "".join(parts)
    if value:
        values.append(value)


def _quoted(line: str, i: int) -> tuple[str, int]:
    """Content of a quoted string starting after its ``"``: (text, index after it)."""
    out: list[str] = []
    n = len(line)
    while i < n:
        c = line[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            if i + 1 >= n:
                return "".join(out), n
            out.append(line[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out), n


def header_values(lines: list[str]) -> list[str]:
    values: list[str] = []
    for line in lines:
        values.extend(split_header(line))
    return values


def parse_cookies(lines: list[str]) -> dict[str, str]:
    """Cookies of the ``Cookie`` header lines: the first occurrence of a name wins, a quoted
    value runs to the next ``"`` (quotes removed), an unquoted one is cut at its first ``=``."""
    jar: dict[str, str] = {}
    for line in lines:
        for piece in line.split(";"):
            name, sep, value = piece.partition("=")
            name = name.strip()
            if not sep or not name or name in jar:
                continue
            value = value.strip()
            if value.startswith('"'):
                end = value.find('"', 1)
                value = value[1:] if end < 0 else value[1:end]
            else:
                value = value.partition("=")[0]
            jar[name] = value
    return jar
