"""Avro object container files built from records that are already encoded (SINKS.md §3).

Every record is encoded once by the mapping (SINKS.md §1), so the writer never sees a record
object: ``append`` only keeps the bytes (≈0.1 µs), and ``sync`` writes them as one block, the way
the reference writes exactly one block per sync interval. A block is made durable (flush + fsync)
before ``sync`` returns, and only then does it count in ``synced_length``; a block whose write
failed is still pending, so the caller can write it elsewhere without losing or repeating records.

``recover`` reads a file left behind by a crash and finds where its last complete block ends:
truncating there gives a valid container holding every record that was synced.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from divolte.errors import DivolteError

MAGIC = b"Obj\x01"
SYNC_SIZE = 16
_MAX_META = 64 * 1024 * 1024  # no sane header value is larger; stops garbage from allocating


class ContainerError(DivolteError):
    """A file is not a readable Avro object container file (bad magic or damaged header)."""


@dataclass(frozen=True, slots=True)
class Header:
    """What a container's header says, and where its first block starts."""

    metadata: dict[str, bytes]
    sync_marker: bytes
    length: int


def _long(n: int) -> bytes:
    """Zig-zag varint (Avro int/long)."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def encode_header(schema: dict[str, Any], sync_marker: bytes) -> bytes:
    """Magic, metadata map (avro.schema as compact JSON, avro.codec null) and sync marker."""
    meta = {"avro.schema": orjson.dumps(schema), "avro.codec": b"null"}
    parts = [MAGIC, _long(len(meta))]
    for key, value in meta.items():
        parts += [_long(len(key)), key.encode(), _long(len(value)), value]
    parts += [_long(0), sync_marker]
    return b"".join(parts)


CREATING = ".creating"


def creating_name(path: str) -> str:
    """Where a container file is made before it appears under ``path``."""
    directory, name = os.path.split(path)
    return os.path.join(directory, "." + name + CREATING)


def lock_for_writing(fd: int) -> bool:
    """Take the advisory lock that marks a file as being written; False if a live writer has it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # no locks on this file system: nothing to coordinate with
    return True


class ContainerWriter:
    """Writes one new container file; the header is durable once the constructor returns."""

    def __init__(self, path: str, schema: dict[str, Any]) -> None:
        self.path = path
        self.sync_marker = secrets.token_bytes(SYNC_SIZE)
        self.pending: list[bytes] = []
        self.records_synced = 0
        header = encode_header(schema, self.sync_marker)
        # The file is created under a hidden name, locked, given its header and only then
        # renamed into place: a worker recovering leftovers never sees a live writer's file
        # unlocked or without its header.
        creating = creating_name(path)
        # Unbuffered: after a failed write no bytes may linger in a buffer to be flushed later,
        # past the point where a recovering caller truncates the file.
        self._file = open(creating, "xb", buffering=0)  # noqa: SIM115 - lives with the writer
        try:
            lock_for_writing(self._file.fileno())
            self._durable_write(header)
            os.link(creating, path)  # unlike rename, never replaces an existing file
            os.unlink(creating)
        except BaseException:
            self._file.close()
            with contextlib.suppress(OSError):
                os.unlink(creating)
            raise
        self.synced_length = len(header)

    def fileno(self) -> int:
        return self._file.fileno()

    def append(self, record_bytes: bytes) -> None:
        """Keep one encoded record for the next block."""
        self.pending.append(record_bytes)

    def sync(self) -> int:
        """Write the pending records as one block and make it durable; returns their count."""
        count = len(self.pending)
        if not count:
            return 0
        data = b"".join(self.pending)
        block = b"".join((_long(count), _long(len(data)), data, self.sync_marker))
        self._durable_write(block)
        self.pending = []
        self.records_synced += count
        self.synced_length += len(block)
        return count

    def close(self) -> None:
        """Sync what is pending, then close the file."""
        try:
            self.sync()
        finally:
            self._file.close()

    def release(self) -> None:
        """Close without writing; pending records stay in ``pending`` for the caller."""
        with contextlib.suppress(OSError):  # given up after an I/O error that was reported
            self._file.close()

    def _durable_write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[self._file.write(view) :]
        os.fsync(self._file.fileno())


def _read_long(file: BinaryIO) -> int:
    shift = result = 0
    while True:
        byte = file.read(1)
        if not byte:
            raise EOFError
        result |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return (result >> 1) ^ -(result & 1)
        shift += 7
        if shift > 63:
            raise ContainerError("a number in the file is longer than a long")


def _read_sized(file: BinaryIO) -> bytes:
    size = _read_long(file)
    if not 0 <= size <= _MAX_META:
        raise ContainerError(f"implausible length {size} in the header")
    data = file.read(size)
    if len(data) != size:
        raise EOFError
    return data


def read_header(file: BinaryIO) -> Header:
    """Parse the header at the file's current position (its start)."""
    if file.read(len(MAGIC)) != MAGIC:
        raise ContainerError("not an Avro data file (it does not start with Obj\\x01)")
    metadata: dict[str, bytes] = {}
    try:
        while count := _read_long(file):
            if count < 0:
                count = -count
                _read_long(file)  # a block byte size follows a negative count
            for _ in range(count):
                key = _read_sized(file).decode("utf-8", "replace")
                metadata[key] = _read_sized(file)
        marker = file.read(SYNC_SIZE)
    except EOFError:
        raise ContainerError("the Avro header is incomplete") from None
    if len(marker) != SYNC_SIZE:
        raise ContainerError("the Avro header is incomplete")
    return Header(metadata, marker, file.tell())


def blocks(file: BinaryIO, header: Header, data: bool = True) -> Iterator[tuple[int, bytes, int]]:
    """(record count, block data, end offset) of each complete block after the header.

    Stops at the first incomplete or damaged block. With ``data=False`` the data is skipped
    (seeked over, returned empty), which makes scanning a large file cheap.
    """
    while True:
        try:
            count, size = _read_long(file), _read_long(file)
        except (EOFError, ContainerError):
            return
        if count < 0 or size < 0:
            return
        content = file.read(size) if data else b""
        if not data:
            file.seek(size, os.SEEK_CUR)
        elif len(content) != size:
            return
        if file.read(SYNC_SIZE) != header.sync_marker:
            return
        yield count, content, file.tell()


def recover(path: str) -> tuple[int, int]:
    """(records in complete blocks, byte length up to the end of the last complete block)."""
    with open(path, "rb") as file:
        header = read_header(file)
        records, valid_length = 0, header.length
        for count, _, end in blocks(file, header, data=False):
            records, valid_length = records + count, end
    return records, valid_length
