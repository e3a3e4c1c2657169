"""Short-term duplicate memory (PROTOCOL §2.15, TESTS §3), also shared between processes."""

from __future__ import annotations

import multiprocessing

import pytest

from divolte.dedup import DuplicateMemory, fingerprint

SESSION = "0:i0rjfnxc:FPpXFMdcEORvvaP_HbpDgABG3Iu5__4d"
EVENT = "0:OxVC1WJ4PZNEGIUuzdXPsy_bztnKMuoH0"
Q0 = "0:i0rjfnxc:JLOvH9Nda2c1uV8M~vmdhPGFEC3WxVNq"
Q1 = "0:i0rjfnxc:JLfhe7Nda2c1uV8M~vmdjPGFEC3WxVNq"
Q2 = "0:i0rjfnxc:FDfhe7Nda2c1uV8M~vmdiPGFEC3WxVNq"
PARTIES = {"Q0": Q0, "Q1": Q1, "Q2": Q2}


@pytest.mark.parametrize(
    ("party_id", "selector", "slot", "signature"),
    [
        (Q0, 1922531645, 1, 0x895CDB6B9ACF30D9),
        (Q1, 1783707276, 0, 0x458C4A4DBDE1FC77),
        (Q2, 1209233306, 0, 0xCF3EB4AA6F13F69A),
    ],
)
def test_vectors(party_id: str, selector: int, slot: int, signature: int) -> None:
    got_selector, got_signature = fingerprint(party_id, SESSION, EVENT)
    assert got_selector == selector
    assert got_selector % 2 == slot
    assert got_signature & 0xFFFFFFFFFFFFFFFF == signature
    assert -(2**63) <= got_signature < 2**63  # stored as a signed int64


@pytest.mark.parametrize(
    ("sequence", "flags"),
    [
        (["Q0", "Q1", "Q0"], [False, False, True]),  # flag duplicates
        (["Q1", "Q0", "Q1", "Q2", "Q1"], [False, False, True, False, False]),  # forget
    ],
)
def test_sequences(sequence: list[str], flags: list[bool]) -> None:
    memory = DuplicateMemory(2)
    assert [memory.is_duplicate(PARTIES[q], SESSION, EVENT) for q in sequence] == flags


@pytest.mark.parametrize(
    ("sequence", "flags"),
    [
        (["Q0", "Q1", "Q0"], [False, False, True]),
        (["Q1", "Q0", "Q1", "Q2", "Q1"], [False, False, True, False, False]),
    ],
)
def test_sequences_in_shared_memory(sequence: list[str], flags: list[bool]) -> None:
    memory = DuplicateMemory.create(2)
    try:
        assert [memory.is_duplicate(PARTIES[q], SESSION, EVENT) for q in sequence] == flags
    finally:
        memory.close()
        memory.unlink()


def test_the_key_has_no_separator() -> None:
    # the three ids are concatenated as they are, so moving characters between them collides
    assert fingerprint("ab", "c", "d") == fingerprint("a", "bc", "d")


def test_caller_supplied_buffer() -> None:
    backing = bytearray(8 * 3)
    memory = DuplicateMemory(3, memoryview(backing))
    assert not memory.is_duplicate(Q0, SESSION, EVENT)
    assert any(backing)
    assert DuplicateMemory(3, memoryview(backing)).is_duplicate(Q0, SESSION, EVENT)


@pytest.mark.parametrize(("slots", "size"), [(0, 8), (2, 8)])
def test_bad_sizes(slots: int, size: int) -> None:
    with pytest.raises(ValueError):
        DuplicateMemory(slots, memoryview(bytearray(size)))


def test_read_only_buffer_is_refused() -> None:
    with pytest.raises(ValueError, match="writable"):
        DuplicateMemory(2, memoryview(bytes(16)))


def test_attached_memories_share_slots() -> None:
    with DuplicateMemory.create(16) as creator:
        try:
            assert creator.name is not None
            with DuplicateMemory.attach(creator.name) as attached:
                assert attached.slots == 16
                assert not creator.is_duplicate(Q0, SESSION, EVENT)
                assert attached.is_duplicate(Q0, SESSION, EVENT)
                assert not attached.is_duplicate(Q1, SESSION, EVENT)
                assert creator.is_duplicate(Q1, SESSION, EVENT)
        finally:
            creator.unlink()


def _child_check(name: str, party_id: str) -> bool:
    """Runs in a separate process: attach by name and check (and record) one event."""
    with DuplicateMemory.attach(name) as memory:
        return memory.is_duplicate(party_id, SESSION, EVENT)


def test_memory_shared_with_another_process() -> None:
    context = multiprocessing.get_context("spawn")
    with DuplicateMemory.create(1000) as memory:
        try:
            assert memory.name is not None
            assert not memory.is_duplicate(Q0, SESSION, EVENT)
            with context.Pool(1) as pool:
                # the child sees the parent's write ...
                assert pool.apply(_child_check, (memory.name, Q0)) is True
                # ... and the parent sees the child's
                assert pool.apply(_child_check, (memory.name, Q1)) is False
            assert memory.is_duplicate(Q1, SESSION, EVENT)
        finally:
            memory.unlink()


def _record_in_child(memory: DuplicateMemory, party_id: str) -> None:
    """Runs in a forked worker: the memory came along with the fork."""
    memory.is_duplicate(party_id, SESSION, EVENT)


def test_inherited_memory_is_shared_with_forked_processes() -> None:
    """The supervisor's memory: an anonymous shared mapping, seen by every forked worker."""
    memory = DuplicateMemory.inherited(1000)
    try:
        child = multiprocessing.get_context("fork").Process(
            target=_record_in_child, args=(memory, Q0)
        )
        child.start()
        child.join(10)
        assert child.exitcode == 0
        assert memory.is_duplicate(Q0, SESSION, EVENT)  # written by the child
        assert not memory.is_duplicate(Q1, SESSION, EVENT)
        assert memory.name is None  # nothing in /dev/shm to leave behind
    finally:
        memory.close()
