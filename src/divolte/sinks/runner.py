"""The layer between the event loop and a sink (STYLE habit 9).

The request path only appends encoded records to a bounded queue. One task per sink
moves batches to a dedicated thread, where the sink does its (possibly blocking) I/O; the
event loop never waits on a disk or a network. When the queue is full the record is
refused, counted and logged once per episode. A batch that fails with an unexpected error
is retried with backoff rather than dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from divolte.types import RecordMeta, Sink

log = logging.getLogger("divolte.sinks")

BATCH_SIZE = 512
HEARTBEAT_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


class SinkRunner:
    def __init__(self, sink: Sink, capacity: int) -> None:
        self.sink = sink
        self.capacity = capacity
        self._queue: deque[tuple[bytes, RecordMeta]] = deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._full_episode = False
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sink-{sink.name}")
        self._task: asyncio.Task[None] | None = None
        self.enqueued = 0
        self.refused_full = 0
        self.failures = 0
        self.bytes_written = 0
        """Encoded bytes of the records the sink took (read by the metrics, observe.py)."""

    @property
    def depth(self) -> int:
        return len(self._queue)

    def enqueue(self, record_bytes: bytes, meta: RecordMeta) -> bool:
        """Queue one record; False (counted, logged once per episode) when the queue is full."""
        if len(self._queue) >= self.capacity:
            self.refused_full += 1
            if not self._full_episode:
                self._full_episode = True
                log.warning(
                    "Queue of sink %s is full (%d records); refusing records until it drains.",
                    self.sink.name,
                    self.capacity,
                )
            return False
        if self._full_episode and len(self._queue) < self.capacity // 2:
            self._full_episode = False
            log.info("Queue of sink %s drained; accepting records again.", self.sink.name)
        self._queue.append((record_bytes, meta))
        self.enqueued += 1
        if len(self._queue) == 1:
            self._wakeup.set()
        return True

    async def start(self) -> None:
        await self._in_thread(self.sink.start)
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.sink.name)

    async def close(self) -> None:
        """Write everything queued, then close the sink (files published)."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
        await self._in_thread(self.sink.close)
        self._thread.shutdown(wait=True)

    async def _run(self) -> None:
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    await self._call_with_retry(self.sink.heartbeat, deque())
                    continue
            count = min(BATCH_SIZE, len(self._queue))
            batch = deque(self._queue.popleft() for _ in range(count))
            await self._call_with_retry(partial(self._write_batch, batch), batch)

    def _write_batch(self, batch: deque[tuple[bytes, RecordMeta]]) -> None:
        # A record leaves the batch only once the sink took it, so a retry after a failure
        # resumes where the sink stopped instead of writing records twice.
        write = self.sink.write
        while batch:
            record_bytes, meta = batch[0]
            write(record_bytes, meta)
            batch.popleft()
            self.bytes_written += len(record_bytes)
        self.sink.heartbeat()

    async def _call_with_retry(
        self, work: Callable[[], None], batch: deque[tuple[bytes, RecordMeta]]
    ) -> None:
        backoff = 0.5
        while True:
            try:
                await self._in_thread(work)
                return
            except Exception:
                self.failures += 1
                log.exception(
                    "Sink %s failed; retrying with %d records pending in %.1f s.",
                    self.sink.name,
                    len(batch),
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _in_thread(self, work: Callable[[], None]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, work)
