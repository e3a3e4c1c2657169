"""Short-term duplicate detection (PROTOCOL §2.15), shareable between worker processes.

The reference keeps one memory per mapper thread and relies on routing every event of a party to
the same thread. We run several worker processes behind one listening port, so the memory must be
one per *instance* instead (DESIGN §4): it is a flat array of signed 64-bit signatures that can live
in a ``multiprocessing.shared_memory`` block which every worker attaches to.

The check-and-overwrite is not atomic across processes. That is deliberate: a lock would cost more
than the check itself, and the only effect of a race (two copies of one event handled at the same
instant by two workers) is a missed duplicate, the same false negative the reference produces when
a slot is overwritten in between. Slots are 8-byte aligned and written with one 8-byte copy,
which on the platforms we run on is a single store, so no reader sees half a signature.
"""

from __future__ import annotations

import mmap
import struct
import sys
from multiprocessing import shared_memory
from types import TracebackType

import mmh3

__all__ = ["DuplicateMemory", "fingerprint"]

_SLOT = 8  # bytes per signature
_HEADER = struct.Struct("<q")  # a shared block starts with its slot count, then the slots
_DIGEST = struct.Struct(">i4xq")  # slot selector = bytes[0:4], signature = bytes[8:16], big-endian


def _shared_memory(name: str) -> shared_memory.SharedMemory:
    """Attach to an existing block without handing it to this process's resource tracker.

    Only the creator may unlink the block. Python 3.13 can say so (``track=False``); before it,
    an attaching process started by ``multiprocessing`` shares the creator's tracker, which is
    harmless, but an unrelated process would unlink the block when it exits.
    """
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, track=False)
    return shared_memory.SharedMemory(name=name)


def fingerprint(party_id: str, session_id: str, event_id: str) -> tuple[int, int]:
    """(slot selector, signature) of an event; its slot is the selector modulo the slot count.

    The ids are the normalised party and session ids and the raw event id, hashed as one
    UTF-16-LE string with MurmurHash3 x64 128 (seed 0). The selector is the big-endian int32 of
    digest bytes 0-3 masked to 31 bits, the signature the big-endian int64 of bytes 8-15.
    """
    key = (party_id + session_id + event_id).encode("utf-16-le", "surrogatepass")
    digest: tuple[int, int] = _DIGEST.unpack(mmh3.hash_bytes(key))
    return digest[0] & 0x7FFFFFFF, digest[1]


class DuplicateMemory:
    """Remembers one 64-bit signature per slot and flags an event whose signature is already there.

    ``buffer`` (if given) must hold at least ``8 * slots`` bytes and starts zeroed for a fresh
    memory; without it a private ``bytearray`` is used, which is what a single worker needs.
    """

    def __init__(self, slots: int, buffer: memoryview | None = None) -> None:
        if slots < 1:
            raise ValueError(f"duplicate memory needs at least one slot, not {slots}")
        size = slots * _SLOT
        raw = memoryview(bytearray(size)) if buffer is None else buffer.cast("B")
        if raw.nbytes < size or raw.readonly:
            raise ValueError(f"need a writable buffer of {size} bytes for {slots} slots")
        self._raw = raw
        self._bytes = raw[:size]
        self._signatures = self._bytes.cast("q")
        self._slots = slots
        self._shm: shared_memory.SharedMemory | None = None
        self._mapping: mmap.mmap | None = None

    @property
    def slots(self) -> int:
        return self._slots

    @property
    def name(self) -> str | None:
        """The shared-memory block's name, for :meth:`attach`; None for a private memory."""
        return None if self._shm is None else self._shm.name

    def is_duplicate(self, party_id: str, session_id: str, event_id: str) -> bool:
        """True when this event's signature already sits in its slot; always stores it there."""
        selector, signature = fingerprint(party_id, session_id, event_id)
        slot = selector % self._slots
        signatures = self._signatures
        stored: int = signatures[slot]
        signatures[slot] = signature
        return stored == signature

    # --- shared memory ---------------------------------------------------------------------

    @classmethod
    def inherited(cls, slots: int) -> DuplicateMemory:
        """A memory in an anonymous shared mapping, shared with the processes forked after it.

        Nothing in the file system refers to it, so nothing is left behind however the
        processes end (a named block survives a SIGKILL in ``/dev/shm``).
        """
        if slots < 1:
            raise ValueError(f"duplicate memory needs at least one slot, not {slots}")
        mapping = mmap.mmap(-1, slots * _SLOT)  # MAP_SHARED | MAP_ANONYMOUS, zero-filled
        memory = cls(slots, memoryview(mapping))
        memory._mapping = mapping
        return memory

    @classmethod
    def create(cls, slots: int, name: str | None = None) -> DuplicateMemory:
        """A new, empty memory in a new shared-memory block (the creator later unlinks it).

        A new block is zero-filled by the operating system, so every slot starts at 0 as in the
        reference.
        """
        if slots < 1:
            raise ValueError(f"duplicate memory needs at least one slot, not {slots}")
        size = _HEADER.size + slots * _SLOT
        shm = shared_memory.SharedMemory(name=name, create=True, size=size)
        try:
            buf = shm.buf
            assert buf is not None
            _HEADER.pack_into(buf, 0, slots)
            memory = cls(slots, buf[_HEADER.size :])
        except BaseException:
            shm.close()
            shm.unlink()
            raise
        memory._shm = shm
        return memory

    @classmethod
    def attach(cls, name: str) -> DuplicateMemory:
        """The memory in an existing block made by :meth:`create`, seeing the same slots."""
        shm = _shared_memory(name)
        try:
            buf = shm.buf
            assert buf is not None
            (slots,) = _HEADER.unpack_from(buf, 0)
            memory = cls(slots, buf[_HEADER.size :])
        except BaseException:
            shm.close()
            raise
        memory._shm = shm
        return memory

    def close(self) -> None:
        """Release this process's view of the memory (the block itself stays)."""
        self._signatures.release()
        self._bytes.release()
        self._raw.release()
        if self._shm is not None:
            self._shm.close()
        if self._mapping is not None:
            self._mapping.close()

    def unlink(self) -> None:
        """Destroy the shared block (creator only, once every worker is done with it)."""
        if self._shm is not None:
            self._shm.unlink()

    def __enter__(self) -> DuplicateMemory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
