"""Durations exactly as CONFIG.md §2.1 reads them."""

from __future__ import annotations

import pytest

from divolte.config import Duration, DurationFormatError

NS, US, MS, S = 1, 1_000, 1_000_000, 1_000_000_000
M, H, D = 60 * S, 3600 * S, 86400 * S


def _spellings() -> list[tuple[str, int]]:
    table = [
        (("ns", "nano", "nanos", "nanosecond", "nanoseconds"), NS),
        (("us", "micro", "micros", "microsecond", "microseconds"), US),
        (("ms", "milli", "millis", "millisecond", "milliseconds"), MS),
        (("s", "second", "seconds"), S),
        (("m", "minute", "minutes"), M),
        (("h", "hour", "hours"), H),
        (("d", "day", "days"), D),
    ]
    return [(unit, size) for units, size in table for unit in units]


@pytest.mark.parametrize(("unit", "size"), _spellings())
@pytest.mark.parametrize("space", ["", " ", "  "])
def test_every_unit_spelling(unit: str, size: int, space: str) -> None:
    assert Duration.parse(f"3{space}{unit}").nanos == 3 * size


@pytest.mark.parametrize(
    ("text", "nanos"),
    [
        ("1000", 1000 * MS),  # no unit means milliseconds
        ("0", 0),
        ("  30 seconds  ", 30 * S),
        ("\t15s\n", 15 * S),
        ("1.5 seconds", 1500 * MS),
        ("-5 seconds", -5 * S),
        ("+2 s", 2 * S),
        (".5 s", 500 * MS),
        ("1e3 ms", 1 * S),
        ("0.0000000015 s", 1),  # truncated to whole nanoseconds
        ("1.9 ns", 1),
        ("-1.9 ns", -1),  # truncation is towards zero
        ("9223372036854775807 ns", 2**63 - 1),
        ("9223372036854775807 d", 2**63 - 1),  # saturates like Java's TimeUnit.toNanos
        ("730 days", 730 * D),
        ("138263 ns", 138263),
    ],
)
def test_numbers(text: str, nanos: int) -> None:
    assert Duration.parse(text).nanos == nanos


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5 w", "Could not parse time unit 'w' (try ns, us, ms, s, m, h, d)"),
        ("1 mo", "Could not parse time unit 'mo' (try ns, us, ms, s, m, h, d)"),
        ("5 Seconds", "Could not parse time unit 'Seconds' (try ns, us, ms, s, m, h, d)"),
        ("5 MS", "Could not parse time unit 'MS' (try ns, us, ms, s, m, h, d)"),
        ("5 sec", "Could not parse time unit 'sec' (try ns, us, ms, s, m, h, d)"),
        ("seconds", "No number in duration value 'seconds'"),
        ("", "No number in duration value ''"),
        ("   ", "No number in duration value '   '"),
        ("1_000 ms", "Could not parse duration number '1_000'"),
        ("1.2.3 s", "Could not parse duration number '1.2.3'"),
        ("1 2 s", "Could not parse duration number '1 2'"),
        ("99999999999999999999 ms", "Could not parse duration number '99999999999999999999'"),
    ],
)
def test_errors_use_the_reference_messages(text: str, message: str) -> None:
    with pytest.raises(DurationFormatError) as caught:
        Duration.parse(text)
    assert str(caught.value) == message


def test_value_semantics() -> None:
    assert Duration.parse("1 minute") == Duration.parse("60 seconds") == Duration(60 * S)
    assert hash(Duration.parse("1 h")) == hash(Duration.parse("60 m"))
    assert Duration.parse("1 s") != Duration.parse("1 ms")
    assert Duration.parse("1 s") != 1_000_000_000
    assert Duration.parse("1 ms") < Duration.parse("1 s")
    assert sorted([Duration(3), Duration(1)]) == [Duration(1), Duration(3)]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("30 seconds", "Duration('30 seconds')"),
        ("1 hour", "Duration('1 hour')"),
        ("2 minutes", "Duration('2 minutes')"),
        ("1.5 s", "Duration('1500 milliseconds')"),
        ("1925 ms", "Duration('1925 milliseconds')"),
        ("0 ms", "Duration('0 seconds')"),
        ("1 ns", "Duration('1 nanosecond')"),
        ("-5 seconds", "Duration('-5 seconds')"),
        ("48 h", "Duration('2 days')"),
    ],
)
def test_repr_is_short_and_reads_back(text: str, shown: str) -> None:
    duration = Duration.parse(text)
    assert repr(duration) == shown
    assert Duration.parse(str(duration)) == duration


def test_conversions() -> None:
    duration = Duration.parse("1925 ms")
    assert duration.nanos == 1_925_000_000
    assert duration.millis == 1925
    assert duration.seconds == pytest.approx(1.925)
    assert Duration.parse("1500 us").millis == 1
    assert Duration.parse("-1500 us").millis == -1
    assert Duration.of_millis(2200) == Duration.parse("2200 ms")
    assert Duration.of_seconds(180) == Duration.parse("3 minutes")
