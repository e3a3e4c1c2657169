"""Log output: human lines or JSON objects, levels per component, repeated warnings folded.

* ``human`` (default): ``2024-05-01 12:00:00,123 [worker-1] WARNING[divolte.sinks]: …``
* ``json``: one object per line with the stable keys ``time`` (UTC, ISO 8601 with
  milliseconds), ``level``, ``logger``, ``process``, ``message``; ``exception`` when there
  is a traceback, ``repeated`` when the line stands for more than one message (below).
* Levels: one for the root, and one per component (logger name prefix such as
  ``divolte.sinks``), e.g. ``--log-level info`` with ``divolte.events = debug``.
* Repeats: a WARNING or worse that looks like one printed less than ``repeat_interval`` ago
  (same logger and level, same text once digits are ignored: "Sink hdfs failed; retrying
  with 512 records pending in 2.0 s") is counted instead of printed. The next one printed
  after the interval says how many were folded into it (``repeated``), and the counts still
  pending are printed when logging is flushed at exit.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Literal, TextIO

LogFormat = Literal["human", "json"]
HUMAN_FORMAT = "%(asctime)s [%(processName)s] %(levelname)-6s[%(name)s]: %(message)s"
REPEAT_INTERVAL_SECONDS = 60.0

_DIGITS = re.compile(r"\d+")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, keys in a fixed order."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.processName,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        repeated = getattr(record, "repeated", 0)
        if repeated:
            entry["repeated"] = repeated
        return json.dumps(entry, ensure_ascii=False, default=str)


class HumanFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(HUMAN_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        repeated = getattr(record, "repeated", 0)
        if repeated:
            line += f" (repeated {repeated} times in {getattr(record, 'repeated_over', 0):.0f} s)"
        return line


class RepeatFilter(logging.Filter):
    """Folds WARNING-or-worse records that repeat within ``interval`` seconds (see module doc).

    Thread-safe: sink threads log too.
    """

    def __init__(
        self,
        interval: float = REPEAT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval, self._clock = interval, clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, int, str], _Seen] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or self.interval <= 0:
            return True
        key = (record.name, record.levelno, _DIGITS.sub("#", record.getMessage()))
        now = self._clock()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen.printed_at < self.interval:
                seen.folded += 1
                seen.last = record
                return False
            if seen is not None and seen.folded:
                record.repeated = seen.folded + 1
                record.repeated_over = now - seen.printed_at
            self._seen[key] = _Seen(now)
            if len(self._seen) > 10_000:  # a message with ever-new text must not grow this
                self._forget(now)
        return True

    def pending(self) -> list[logging.LogRecord]:
        """The last folded record of every key with a count not yet printed, marked with it."""
        now = self._clock()
        with self._lock:
            records = []
            for seen in self._seen.values():
                if seen.folded and seen.last is not None:
                    seen.last.repeated = seen.folded
                    seen.last.repeated_over = now - seen.printed_at
                    records.append(seen.last)
                    seen.folded, seen.last = 0, None
            return records

    def _forget(self, now: float) -> None:
        for key in [k for k, s in self._seen.items() if now - s.printed_at >= self.interval]:
            del self._seen[key]


class _Seen:
    __slots__ = ("folded", "last", "printed_at")

    def __init__(self, printed_at: float) -> None:
        self.printed_at = printed_at
        self.folded = 0
        self.last: logging.LogRecord | None = None


class CollectorHandler(logging.StreamHandler[TextIO]):
    """The handler :func:`setup` installs: a stream, a formatter and the repeat filter."""

    def __init__(self, stream: TextIO, formatter: logging.Formatter, repeats: RepeatFilter):
        super().__init__(stream)
        self.setFormatter(formatter)
        self.repeats = repeats
        self.addFilter(repeats)

    def flush_repeats(self) -> None:
        """Print the counts of folded messages that no later message reported yet."""
        for record in self.repeats.pending():
            logging.StreamHandler.emit(self, record)
        self.flush()

    def close(self) -> None:
        self.flush_repeats()
        super().close()


def parse_levels(levels: Mapping[str, str]) -> dict[str, int]:
    """Component → level number; raises ValueError naming a level that does not exist."""
    parsed = {}
    for component, level in levels.items():
        number = logging.getLevelName(level.upper())
        if not isinstance(number, int):
            raise ValueError(
                f"log level {level!r} for {component!r} is not one of "
                "debug, info, warning, error, critical"
            )
        parsed[component] = number
    return parsed


def setup(
    level: str = "info",
    log_format: LogFormat = "human",
    levels: Mapping[str, str] | None = None,
    repeat_interval: float = REPEAT_INTERVAL_SECONDS,
    stream: TextIO | None = None,
) -> CollectorHandler:
    """Replace the root logger's handlers with one :class:`CollectorHandler`.

    Called again (once the configuration is read), it replaces the earlier setup.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, CollectorHandler):
            old.flush_repeats()
    formatter: logging.Formatter = JsonFormatter() if log_format == "json" else HumanFormatter()
    handler = CollectorHandler(stream or sys.stdout, formatter, RepeatFilter(repeat_interval))
    root.addHandler(handler)
    root.setLevel(parse_levels({"root": level})["root"])
    for component, number in parse_levels(levels or {}).items():
        logging.getLogger(component).setLevel(number)
    return handler


def flush_repeats() -> None:
    """Print pending repeat counts now (a forked worker exits without ``logging.shutdown``)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, CollectorHandler):
            handler.flush_repeats()
