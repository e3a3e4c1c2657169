"""Durations as the reference reads them (CONFIG.md §2.1).

A duration is ``<number><optional whitespace><unit>`` with surrounding whitespace ignored:

* the unit is the run of letters at the end; it is case-sensitive, and words of three or more
  letters may be singular or plural (``second`` = ``seconds``); **no unit means milliseconds**;
* a number of digits only is exact; anything else is read as a floating-point number
  (``1.5 seconds``, ``-5 seconds``) and truncated to whole nanoseconds.

The error messages are the reference's, word for word, because users search for them.
"""

from __future__ import annotations

import re
from functools import total_ordering
from typing import Final

_NANOS_PER_UNIT: Final[dict[str, int]] = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
    "d": 86400 * 1_000_000_000,
}

# Every accepted spelling (after the singular → plural step) to its short unit.
_UNIT_NAMES: Final[dict[str, str]] = {
    "": "ms",
    "ms": "ms",
    "millis": "ms",
    "milliseconds": "ms",
    "us": "us",
    "micros": "us",
    "microseconds": "us",
    "ns": "ns",
    "nanos": "ns",
    "nanoseconds": "ns",
    "d": "d",
    "days": "d",
    "h": "h",
    "hours": "h",
    "s": "s",
    "seconds": "s",
    "m": "m",
    "minutes": "m",
}

# Largest unit first: how ``str()`` spells a duration (singular, plural).
_WORDS: Final[tuple[tuple[int, str, str], ...]] = (
    (_NANOS_PER_UNIT["d"], "day", "days"),
    (_NANOS_PER_UNIT["h"], "hour", "hours"),
    (_NANOS_PER_UNIT["m"], "minute", "minutes"),
    (_NANOS_PER_UNIT["s"], "second", "seconds"),
    (_NANOS_PER_UNIT["ms"], "millisecond", "milliseconds"),
    (_NANOS_PER_UNIT["us"], "microsecond", "microseconds"),
    (1, "nanosecond", "nanoseconds"),
)

_LONG_MAX: Final = 2**63 - 1
_LONG_MIN: Final = -(2**63)
_DIGITS = re.compile(r"[0-9]+")
# What Java's Double.parseDouble accepts once trailing letters are gone (no '_', unlike Python).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class DurationFormatError(ValueError):
    """A duration string that cannot be read; the message is the reference's."""


@total_ordering
class Duration:
    """A length of time in whole nanoseconds, compared and hashed by value; immutable."""

    __slots__ = ("_nanos",)

    def __init__(self, nanos: int) -> None:
        self._nanos = int(nanos)

    @property
    def nanos(self) -> int:
        return self._nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other._nanos == self._nanos

    def __lt__(self, other: Duration) -> bool:
        return self._nanos < other._nanos

    def __hash__(self) -> int:
        return hash(self._nanos)

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read ``text`` as §2.1 says, or raise :class:`DurationFormatError`."""
        return cls(_parse_nanos(text))

    @classmethod
    def of_millis(cls, millis: int) -> Duration:
        return cls(millis * _NANOS_PER_UNIT["ms"])

    @classmethod
    def of_seconds(cls, seconds: int) -> Duration:
        return cls(seconds * _NANOS_PER_UNIT["s"])

    @property
    def seconds(self) -> float:
        """The duration in (fractional) seconds."""
        return self.nanos / _NANOS_PER_UNIT["s"]

    @property
    def millis(self) -> int:
        """Whole milliseconds, truncated towards zero like Java's ``toMillis``."""
        return int(self.nanos / _NANOS_PER_UNIT["ms"])

    def __str__(self) -> str:
        """The shortest exact spelling that :meth:`parse` reads back, e.g. ``30 seconds``."""
        if self.nanos == 0:
            return "0 seconds"
        for size, singular, plural in _WORDS:
            if self.nanos % size == 0:
                count = self.nanos // size
                return f"{count} {singular if abs(count) == 1 else plural}"
        raise AssertionError("unreachable: every integer is a multiple of 1 ns")

    def __repr__(self) -> str:
        return f"Duration({str(self)!r})"


def _parse_nanos(text: str) -> int:
    trimmed = text.strip()
    unit_start = len(trimmed)
    while unit_start > 0 and trimmed[unit_start - 1].isalpha():
        unit_start -= 1
    original_unit = trimmed[unit_start:]
    number = trimmed[:unit_start].strip()
    if not number:
        raise DurationFormatError(f"No number in duration value '{text}'")
    unit = original_unit
    if len(unit) > 2 and not unit.endswith("s"):
        unit += "s"
    short = _UNIT_NAMES.get(unit)
    if short is None:
        raise DurationFormatError(
            f"Could not parse time unit '{original_unit}' (try ns, us, ms, s, m, h, d)"
        )
    per_unit = _NANOS_PER_UNIT[short]
    if _DIGITS.fullmatch(number):
        whole = int(number)
        if whole > _LONG_MAX:
            raise DurationFormatError(f"Could not parse duration number '{number}'")
        return min(whole * per_unit, _LONG_MAX)  # Java's TimeUnit.toNanos saturates
    if not _DECIMAL.fullmatch(number):
        raise DurationFormatError(f"Could not parse duration number '{number}'")
    # Java's (long) cast of a double: truncate towards zero, saturate at the long range.
    scaled = float(number) * per_unit
    if scaled >= _LONG_MAX:
        return _LONG_MAX
    if scaled <= _LONG_MIN:
        return _LONG_MIN
    return int(scaled)


ZERO: Final = Duration(0)
"""The lower bound of durations that cannot be negative (``minimum=ZERO`` in the model)."""
