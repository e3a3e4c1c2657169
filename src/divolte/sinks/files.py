"""The ``hdfs`` sink writing Avro files to the local file system (SINKS.md §2, §3).

Each sink worker writes one ``<name>.partial`` file in the working directory at a time and
renames it into the publish directory when it rolls, with the reference's sync/roll policy
(§2.2) evaluated after every record and on every heartbeat. The runner (``sinks/runner.py``)
drives it from one thread, so nothing here is concurrent; file I/O is fast and the only slow
call, fsync, happens at sync points.

Where the reference loses data we do not (DESIGN.md §2):

* A file is opened only when its first record arrives, so no empty file is ever created; a roll
  publishes a file with any record, synced or not, and a file without records is deleted, never
  published (case C-05).
* An I/O error never deletes a file. The file keeps what it had synced (a half-written block is
  cut off before publishing), records not yet durable stay in memory (bounded; the overflow is
  counted as dropped), the sink reports itself unhealthy and retries with exponential backoff:
  it writes the held records to a new file and publishes the earlier files.
* On start, ``.partial`` files that a crashed process of this host left behind are cut back to
  their last complete block and published, or renamed to ``<name>.corrupt`` when unreadable
  (case C-04). A live writer holds an advisory lock on its file, so a starting worker never takes
  a file that another worker is still writing. Sinks sharing a working directory may adopt each
  other's leftovers (file names do not say which sink wrote them).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from divolte.errors import ConfigError, FatalSinkError
from divolte.sinks import _file_naming as files
from divolte.sinks._file_naming import PARTIAL, Unpublished
from divolte.sinks.avro_container import ContainerWriter
from divolte.types import RecordMeta

log = logging.getLogger("divolte.sinks.files")


class FileSink:
    """One sink worker's files. ``records_written`` counts records made durable by a sync."""

    def __init__(
        self,
        name: str,
        schema: dict[str, Any],
        working_dir: str,
        publish_dir: str,
        roll_every: float,
        sync_after_records: int,
        sync_after_duration: float,
        writer_id: str,
        clock: Callable[[], float] = time.monotonic,
        *,
        wall_clock: Callable[[], float] = time.time,
        hostname: str | None = None,
        max_backlog: int = 100_000,
        retry_delays: tuple[float, float] = (1.0, 30.0),
    ) -> None:
        self.name, self.schema = name, schema
        self.working_dir, self.publish_dir = working_dir, publish_dir
        self._roll_every, self._sync_records = roll_every, sync_after_records
        self._sync_duration, self._writer_id = sync_after_duration, writer_id
        self._clock, self._wall_clock = clock, wall_clock
        self._hostname = hostname or files.local_hostname()
        self._max_backlog, self._retry_delays = max_backlog, retry_delays
        self._writer: ContainerWriter | None = None
        self._file_name, self._stamp, self._sequence = "", "", 0
        self._roll_at = self._last_sync = 0.0
        self._since_sync = 0
        self._backlog: list[bytes] = []  # accepted records that no open file holds
        self._unpublished: list[Unpublished] = []
        self._blocked = self._dropping = self._closed = False
        self._retry_at, self._failures = 0.0, 0
        self.records_written = self.files_published = self.records_dropped = 0

    @property
    def healthy(self) -> bool:
        return not self._blocked and not self._unpublished

    def start(self) -> None:
        """Check the directories, then publish what a crashed earlier process left behind."""
        problems = [
            f"divolte.sinks.{self.name}.file_strategy.{key}: {path!r} is not an existing "
            "directory; create it or point the setting at one."
            for key, path in (("working_dir", self.working_dir), ("publish_dir", self.publish_dir))
            if not os.path.isdir(path)
        ]
        if problems:
            raise ConfigError(problems)
        foreign: list[str] = []
        for entry in sorted(os.listdir(self.working_dir)):
            if files.is_abandoned_creation(entry, self._hostname):
                files.remove_if_abandoned(os.path.join(self.working_dir, entry))
            elif files.is_leftover(entry, self._hostname):
                leftover = files.adopt(os.path.join(self.working_dir, entry), self.name)
                if leftover is not None:
                    self._unpublished.append(leftover)
            elif entry.endswith(".avro" + PARTIAL):
                foreign.append(entry)
        if foreign:
            # Another host's files may still be written (a shared directory); never touch them,
            # but never leave them unmentioned either (case C-04).
            log.warning(
                "Sink %s: %d partial files in %s were written on another host and are left "
                "alone: %s",
                self.name,
                len(foreign),
                self.working_dir,
                ", ".join(foreign[:10]) + (" …" if len(foreign) > 10 else ""),
            )
        if self._unpublished:
            self._retry(self._clock())

    def write(self, record_bytes: bytes, meta: RecordMeta | None = None) -> None:
        """Append one encoded record, then sync or roll if the policy says so (§2.2)."""
        writer = self._writer
        if writer is None:
            self._write_without_file(record_bytes)
            return
        writer.pending.append(record_bytes)
        self._since_sync += 1
        now = self._clock()
        # Fast path: most records neither reach the roll time nor one of the sync thresholds.
        if (
            now <= self._roll_at
            and self._since_sync < self._sync_records
            and now - self._last_sync < self._sync_duration
        ):
            return
        self._apply_policy(now)

    def heartbeat(self) -> None:
        """Time-based syncs, rolls and retries; call about once per second."""
        now = self._clock()
        if (self._blocked or self._unpublished) and now >= self._retry_at:
            self._retry(now)
        if self._writer is not None:
            self._apply_policy(now)

    def close(self) -> None:
        """Publish the current file and make a last attempt at anything held back; idempotent."""
        if self._closed:
            return
        self._closed = True
        now = self._clock()
        if self._writer is not None:
            self._roll(now)
        if self._blocked or self._unpublished:
            self._retry(now)
            if self._writer is not None:
                self._roll(now)
        for leftover in self._unpublished:
            leftover.release()
            log.error("Sink %s: %s stays in the working directory.", self.name, leftover.path)
        if self._backlog:
            log.error("Sink %s: %d records lost at close.", self.name, len(self._backlog))
            self.records_dropped += len(self._backlog)

    def _write_without_file(self, record_bytes: bytes) -> None:
        if self._closed:
            raise FatalSinkError(f"sink {self.name} is closed")
        now = self._clock()
        if not self._blocked and self._open(now):
            self.write(record_bytes)
            return
        self._hold(record_bytes)
        if now >= self._retry_at:
            self._retry(now)

    def _apply_policy(self, now: float) -> None:
        since = self._since_sync
        if now > self._roll_at:
            self._roll(now)
        elif since >= self._sync_records or (
            since and now - self._last_sync >= self._sync_duration
        ):
            self._sync(now)
        elif not since:
            self._last_sync = now  # the duration clock restarts at the first record after idling

    def _open(self, now: float) -> bool:
        stamp = files.timestamp(self._wall_clock())
        self._sequence = self._sequence + 1 if stamp == self._stamp else 1
        self._stamp = stamp
        while not files.name_is_free(self._next_name(), self.working_dir, self.publish_dir):
            self._sequence += 1
        path = os.path.join(self.working_dir, self._next_name() + PARTIAL)
        try:
            self._writer = ContainerWriter(path, self.schema)
        except OSError as exc:
            self._failed("create", path, exc, now)
            return False
        self._file_name = self._next_name()
        self._roll_at, self._last_sync, self._since_sync = now + self._roll_every, now, 0
        return True

    def _next_name(self) -> str:
        return files.file_name(self._stamp, self._hostname, self._writer_id, self._sequence)

    def _sync(self, now: float) -> bool:
        writer = self._writer
        assert writer is not None
        try:
            self.records_written += writer.sync()
        except OSError as exc:
            self._writer = None
            self._backlog[:0] = writer.pending  # not durable: written again to the next file
            writer.pending = []
            self._unpublished.append(Unpublished.of(writer, self._file_name))
            self._failed("sync", writer.path, exc, now)
            return False
        self._since_sync, self._last_sync = 0, now
        return True

    def _roll(self, now: float) -> None:
        writer = self._writer
        if writer is None or not self._sync(now):
            return
        self._writer = None
        finished = Unpublished.of(writer, self._file_name)
        if not self._publish(finished):
            self._unpublished.append(finished)
            self._schedule(now)

    def _publish(self, file: Unpublished) -> bool:
        try:
            published = file.finish(self.publish_dir)
        except OSError as exc:
            if not os.path.lexists(file.path):
                log.error("Sink %s: %s vanished before it was published.", self.name, file.path)
                file.release()
                return True
            log.error("Sink %s: publishing %s failed: %s", self.name, file.path, exc)
            return False
        if published:
            self.files_published += 1
            log.info("Sink %s: published %s (%d records).", self.name, published, file.records)
        return True

    def _hold(self, record_bytes: bytes) -> None:
        if len(self._backlog) < self._max_backlog:
            self._backlog.append(record_bytes)
            return
        self.records_dropped += 1
        if not self._dropping:
            self._dropping = True
            log.error("Sink %s: %d records held; dropping more.", self.name, self._max_backlog)

    def _failed(self, operation: str, path: str, exc: OSError, now: float) -> None:
        self._blocked = True
        self._schedule(now)
        log.error(
            "Sink %s: %s of %s failed: %s; holding %d records, retrying in %.1f s.",
            *(self.name, operation, path, exc, len(self._backlog), self._retry_at - now),
        )

    def _schedule(self, now: float) -> None:
        """Set the next retry, unless one is already set for later (one failure, one step)."""
        if self._retry_at > now:
            return
        first, longest = self._retry_delays
        self._retry_at = now + min(first * 2**self._failures, longest)
        self._failures += 1

    def _retry(self, now: float) -> None:
        """Write held records to a new file, then publish earlier files; stop at a failure."""
        if self._blocked:
            self._blocked = False
            if self._backlog and self._open(now):
                writer = self._writer
                assert writer is not None
                writer.pending, self._backlog = self._backlog, []
                self._since_sync, self._dropping = len(writer.pending), False
                self._sync(now)
        while self._unpublished and self._publish(self._unpublished[0]):
            del self._unpublished[0]
        if self._unpublished:
            self._schedule(now)
        elif not self._blocked and self._failures:
            self._failures = 0
            log.info("Sink %s: writing and publishing work again.", self.name)
