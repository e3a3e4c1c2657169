"""Java regular expressions in Python's ``re`` (MAPPING §6.3).

Translated: named groups ``(?<name>…)`` → ``(?P<name>…)``, back-references ``\\k<name>`` →
``(?P=name)``, ``\\z`` → ``\\Z``, ``\\Q…\\E`` quoting. Possessive quantifiers and atomic groups are
native in Python 3.11. Constructs Python lacks (``\\p{…}`` classes, ``\\G``, ``\\R``, class
intersections ``&&``) are load-time errors rather than silent mismatches.
"""

from __future__ import annotations

import re


class RegexError(ValueError):
    pass


_UNSUPPORTED = {"p": r"\p{…}", "P": r"\P{…}", "G": r"\G", "R": r"\R", "X": r"\X", "h": r"\h"}
_UNSUPPORTED.update({"H": r"\H", "V": r"\V", "e": r"\e", "c": r"\cX"})


def translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = 0
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt == "k" and pattern.startswith("<", i + 2):
                end = pattern.index(">", i + 3)
                out.append(f"(?P={pattern[i + 3 : end]})")
                i = end + 1
                continue
            if nxt in _UNSUPPORTED:
                raise RegexError(f"{_UNSUPPORTED[nxt]} is not supported in mapping regexes")
            out.append("\\Z" if nxt == "z" else pattern[i : i + 2])
            i += 2
            continue
        if c == "[":
            in_class += 1
        elif c == "]" and in_class:
            in_class -= 1
        elif in_class and pattern.startswith("&&", i):
            raise RegexError("character class intersection '&&' is not supported")
        elif not in_class and pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


def compile_java(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(translate(pattern))
    except (re.error, ValueError) as exc:
        raise RegexError(f"invalid regular expression {pattern!r}: {exc}") from exc
