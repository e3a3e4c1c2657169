"""One process's metric values in a memory-mapped file, in prometheus-client's format.

prometheus-client's multiprocess mode keeps every value of a process in
``<type>_<pid>.db`` files that its ``MultiProcessCollector`` sums at scrape time. Its own
writer takes a lock, checks the pid and packs a struct on every increment (about 0.8 µs
measured, DESIGN §4); this writer produces the same files but an increment is one store into
a ``memoryview`` of doubles (about 0.06 µs), so counting stays cheap on the beacon path.

The format (``prometheus_client.mmap_dict.MmapedDict``): a 4-byte used size and 4 bytes of
padding, then entries of a 4-byte key length, the UTF-8 key padded so the value lands on an
8-byte boundary, the value and a timestamp (two doubles). A reader may look at the file at
any moment: an entry is complete before the used size grows to include it, and a value is
one aligned 8-byte store.

Not thread-safe: every write of a process happens on its event loop thread.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable

INITIAL_SIZE = 1 << 18
"""Sparse on disk; room for about 1,500 keys before the file grows."""

_USED = struct.Struct("<i")


class ValueFile:
    """The values of one metric type of one process: key → index into :attr:`view`."""

    def __init__(self, path: str | None) -> None:
        """``path`` None keeps the values in anonymous memory (nobody else can read them)."""
        self.path = path
        self._fd = -1 if path is None else os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        self._size = INITIAL_SIZE
        if self._fd >= 0:
            os.ftruncate(self._fd, self._size)
        self._map = mmap.mmap(self._fd, self._size)
        self.view = _doubles(self._map)
        """The file as doubles: ``view[index] += 1.0`` is an increment."""
        self._used = 8
        _USED.pack_into(self._map, 0, self._used)
        self._index: dict[str, int] = {}
        self._rebinders: list[Callable[[memoryview[float]], None]] = []

    def slot(self, key: str) -> int:
        """The index of ``key``'s value in :attr:`view`, adding the key (value 0) if new."""
        index = self._index.get(key)
        if index is not None:
            return index
        encoded = key.encode("utf-8")
        padded = encoded + b" " * (8 - (len(encoded) + 4) % 8)
        entry = struct.pack(f"<i{len(padded)}sdd", len(encoded), padded, 0.0, 0.0)
        while self._used + len(entry) > self._size:
            self._grow()
        self._map[self._used : self._used + len(entry)] = entry
        self._used += len(entry)
        _USED.pack_into(self._map, 0, self._used)  # only now can a reader see the entry
        index = (self._used - 16) // 8
        self._index[key] = index
        return index

    def on_remap(self, rebind: Callable[[memoryview[float]], None]) -> None:
        """Call ``rebind`` with the new view whenever the file grows (views are cached)."""
        self._rebinders.append(rebind)

    def _grow(self) -> None:
        self._size *= 2
        old_map, old_view = self._map, self.view
        if self._fd >= 0:
            os.ftruncate(self._fd, self._size)
            self._map = mmap.mmap(self._fd, self._size)
        else:
            self._map = mmap.mmap(-1, self._size)
            self._map[: len(old_map)] = old_map[:]
        self.view = _doubles(self._map)
        for rebind in self._rebinders:
            rebind(self.view)
        old_view.release()
        old_map.close()

    def close(self) -> None:
        if self._map.closed:
            return
        self.view.release()
        self._map.close()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _doubles(mapped: mmap.mmap) -> memoryview[float]:
    return memoryview(mapped).cast("d")
