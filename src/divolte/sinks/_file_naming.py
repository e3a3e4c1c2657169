"""Names, moves and locks of the file sinks' files (SINKS.md §2.1, §3).

Names follow the reference exactly: ``<yyyyMMddHHmmss>-divolte-tracking-<hostname>-<n>.avro``
(local time), written as ``<name>.partial`` in the working directory and renamed into the publish
directory. ``<n>`` is the writer id, unique per sink worker of a process and across the worker
processes of an instance, so no two writers ever pick the same name.

Uniqueness rule (ours; the reference can collide): one writer may create two files within one
second (a short ``roll_every``, a retry after an I/O error, a restart). The first file of a second
keeps the reference name; the next ones get ``_2``, ``_3``, … after the writer id, e.g.
``20141220152513-divolte-tracking-divoltehost-2_2.avro``. A suffix is also taken when a file of
that name already exists in either directory (left by an earlier run), so nothing is overwritten.
"""

from __future__ import annotations

import errno
import filecmp
import logging
import os
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from divolte.sinks.avro_container import (
    CREATING,
    ContainerError,
    ContainerWriter,
    lock_for_writing,
    recover,
)

PARTIAL = ".partial"
CORRUPT = ".corrupt"

log = logging.getLogger("divolte.sinks.files")


@dataclass(slots=True)
class Unpublished:
    """A file no longer written to and not yet published: rolled, failed, or left by a crash."""

    path: str
    name: str
    valid_length: int
    """Bytes up to the end of the last complete block; anything after it is cut off."""
    records: int
    release: Callable[[], None]
    """Closes the file (and so drops its lock) once it has been dealt with."""

    @classmethod
    def of(cls, writer: ContainerWriter, name: str) -> Unpublished:
        return cls(writer.path, name, writer.synced_length, writer.records_synced, writer.release)

    def finish(self, publish_dir: str) -> str | None:
        """Cut back to the last complete block and publish; a file without records is deleted."""
        if os.path.getsize(self.path) != self.valid_length:
            with open(self.path, "r+b") as file:
                file.truncate(self.valid_length)
                os.fsync(file.fileno())
        if self.records == 0:
            os.unlink(self.path)  # never publish an empty file (C-05)
            self.release()
            return None
        published = publish(self.path, os.path.join(publish_dir, self.name))
        self.release()
        return published


def local_hostname() -> str:
    """The host name as the reference resolves it, ``localhost`` when there is none."""
    try:
        return socket.gethostname() or "localhost"
    except OSError:
        return "localhost"


def timestamp(wall_time: float) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.localtime(wall_time))


def file_name(stamp: str, hostname: str, writer_id: str, sequence: int) -> str:
    """The published name; ``sequence`` counts files of one writer within one second from 1."""
    suffix = f"_{sequence}" if sequence > 1 else ""
    return f"{stamp}-divolte-tracking-{hostname}-{writer_id}{suffix}.avro"


def name_is_free(name: str, working_dir: str, publish_dir: str) -> bool:
    partial = os.path.join(working_dir, name + PARTIAL)
    return not (os.path.lexists(partial) or os.path.lexists(os.path.join(publish_dir, name)))


def is_abandoned_creation(entry: str, hostname: str) -> bool:
    """A file whose creation was cut short (see ``ContainerWriter``): it holds no records."""
    return (
        entry.startswith(".")
        and entry.endswith(CREATING)
        and is_leftover(entry[1:].removesuffix(CREATING), hostname)
    )


def is_leftover(entry: str, hostname: str) -> bool:
    """A ``.partial`` file that a writer on this host created (possibly in an earlier run)."""
    return (
        entry.endswith(".avro" + PARTIAL)
        and entry[:14].isdigit()
        and entry[14:].startswith(f"-divolte-tracking-{hostname}-")
    )


def publish(source: str, target: str) -> str:
    """Move a finished file into the publish directory; returns where it went.

    A rename is atomic; across file systems the file is copied under a hidden name, made durable,
    then renamed, so readers never see half a file. An existing target is never overwritten: if
    it holds the same bytes (a crash between copy and delete), the source is just removed.
    """
    if os.path.lexists(target):
        if filecmp.cmp(source, target, shallow=False):
            os.unlink(source)
            return target
        target = _free_variant(target)
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_across(source, target)
    fsync_directory(os.path.dirname(target))
    return target


def _free_variant(target: str) -> str:
    base = target.removesuffix(".avro")
    sequence = 2
    while os.path.lexists(f"{base}_{sequence}.avro"):
        sequence += 1
    return f"{base}_{sequence}.avro"


def _copy_across(source: str, target: str) -> None:
    hidden = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.publishing")
    with open(source, "rb") as src, open(hidden, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    os.rename(hidden, target)
    os.unlink(source)


def fsync_directory(path: str) -> None:
    """Make a rename in ``path`` durable (a file's fsync does not cover its directory entry)."""
    fd = os.open(path or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_if_abandoned(path: str) -> None:
    """Delete a half-created file unless its writer is still creating it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        if lock_for_writing(fd):
            os.unlink(path)
    except OSError as exc:
        log.warning("Cannot remove abandoned %s: %s", path, exc)
    finally:
        os.close(fd)


def adopt(path: str, sink: str) -> Unpublished | None:
    """Take over a ``.partial`` file of a dead writer, to be published by the caller.

    Returns None when a live writer holds the file, when it disappeared, or when it is unreadable
    (then it is renamed to ``<name>.corrupt``, so it is reported and never silently left behind).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if not lock_for_writing(fd) or os.fstat(fd).st_ino != os.stat(path).st_ino:
            os.close(fd)  # still written, or already published and replaced meanwhile
            return None
        records, valid_length = recover(path)
    except ContainerError as exc:
        os.close(fd)
        _set_aside(path, sink, str(exc))
        return None
    except OSError as exc:
        os.close(fd)
        log.error("Sink %s: cannot read leftover %s: %s", sink, path, exc)
        return None
    name = os.path.basename(path).removesuffix(PARTIAL)
    log.warning("Sink %s: recovering %s (%d records) left by a crash.", sink, path, records)
    return Unpublished(path, name, valid_length, records, partial(os.close, fd))


def _set_aside(path: str, sink: str, reason: str) -> None:
    target = path.removesuffix(PARTIAL) + CORRUPT
    try:
        os.rename(path, target)
    except OSError as exc:
        log.error(
            "Sink %s: unreadable leftover %s (%s) cannot be moved: %s", sink, path, reason, exc
        )
        return
    log.warning("Sink %s: unreadable leftover %s (%s) moved to %s.", sink, path, reason, target)
