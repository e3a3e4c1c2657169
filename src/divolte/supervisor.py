"""Several worker processes sharing one port, and the process that owns them.

Python runs one core per process, so an instance runs N workers (``global.server.workers``,
default one per core; DESIGN §4). Each worker listens on the port with ``SO_REUSEPORT``, so
the kernel spreads connections evenly over them. The supervisor reserves the address first
(bound, not listening, so it never receives a connection), creates the duplicate memory in
shared memory (one per instance, so an exact duplicate is recognised whichever worker receives
it: case C-09), forks the workers and then only watches:

* SIGTERM or SIGINT is forwarded to every worker as SIGTERM, and each worker runs the whole
  shutdown sequence itself (health 503, delay, drain, flush); when a worker stops accepting it
  closes its socket. A second signal is forwarded again, which makes the workers cut their
  waits short.
* A worker that dies outside a shutdown is logged and replaced.
* The exit status is 0 only if every worker flushed everything and exited 0.
* Metrics: the supervisor makes the directory where every worker keeps its metric values
  (``metrics.py``) before the first fork, tells it when a worker is gone, and removes it at
  exit; a scrape answered by any worker shows the instance's totals.

Workers ignore SIGINT: Ctrl-C in a terminal reaches the whole process group, and only the
supervisor's forwarded signals should count. For the same reason a worker treats SIGTERM only
as "start the shutdown" (a group-wide SIGTERM and the forwarded one arrive together) and
SIGUSR1, which only the supervisor sends, as "cut the waits short". Workers also get SIGTERM
from the kernel if the supervisor dies, so none is left serving on its own.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from types import FrameType

from divolte.config import Config
from divolte.dedup import DuplicateMemory
from divolte.metrics import MetricsDirectory

log = logging.getLogger("divolte.supervisor")

_PR_SET_PDEATHSIG = 1

_CONTEXT = multiprocessing.get_context("fork")


def bind(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A socket bound to ``host:port`` (the first address ``host`` resolves to), shareable
    by the workers of this instance, and listening unless ``listen`` is false."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    if listen:
        sock.listen(1024)
    sock.setblocking(False)
    return sock


def _install_event_loop() -> None:
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux and macOS
        pass


def run_single(config: Config, sock: socket.socket) -> int:
    """One worker in this very process (``workers = 1``): no supervisor needed."""
    from divolte.app import serve

    _install_event_loop()
    with MetricsDirectory.create():
        return asyncio.run(serve(config, sock))


def _exit_with_parent() -> None:
    """Have the kernel send SIGTERM to this worker when the supervisor dies (Linux), so that a
    killed supervisor leaves no worker serving the port on its own."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: workers notice at their next restart
        pass


def _worker_main(
    config: Config, duplicates: DuplicateMemory, index: int, ready: EventType, parent: int
) -> None:
    from divolte.app import serve

    # SIGTERM arrives blocked (see Supervisor._start); until the event loop takes over, a
    # SIGTERM only leaves a note that the collector checks as soon as it can act on it.
    stop_requested: list[int] = []
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGUSR1):
        signal.signal(sig, lambda signum, frame: stop_requested.append(signum))
    _exit_with_parent()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGUSR1})
    if os.getppid() != parent:  # the supervisor died before the line above took effect
        stop_requested.append(signal.SIGTERM)
    _install_event_loop()
    server = config.global_.server
    sock = bind(server.host or "127.0.0.1", server.port)
    try:
        code = asyncio.run(
            serve(
                config,
                sock,
                duplicates=duplicates,
                worker=index,
                ready=ready.set,
                stop_requested=lambda: bool(stop_requested),
                hurry_signal=signal.SIGUSR1,
            )
        )
    finally:
        duplicates.close()
    raise SystemExit(code)


class Supervisor:
    def __init__(self, config: Config, reservation: socket.socket, workers: int) -> None:
        self.config = config
        self.reservation: socket.socket | None = reservation
        """Bound but not listening: holds the address for the workers' sockets."""
        self.count = workers
        self.workers: dict[int, BaseProcess] = {}
        self.ready: dict[int, EventType] = {}
        self.signals = 0
        self.forwarded = 0
        self.failed = False
        self.metrics: MetricsDirectory | None = None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1

    def _start(self, index: int, duplicates: DuplicateMemory) -> None:
        ready = _CONTEXT.Event()
        process = _CONTEXT.Process(
            target=_worker_main,
            args=(self.config, duplicates, index, ready, os.getpid()),
            name=f"worker-{index}",
        )
        self.ready[index] = ready
        # The child must not run the supervisor's handler it inherits: it starts with SIGTERM
        # blocked and installs its own before unblocking (see _worker_main).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGUSR1})
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self.workers[index] = process
        log.info("Started worker %d (pid %s).", index, process.pid)

    def _forward_signals(self) -> None:
        while self.forwarded < self.signals:
            self.forwarded += 1
            if self.forwarded == 1:
                log.warning("Shutting down: telling %d workers.", len(self.workers))
                if self.reservation is not None:
                    self.reservation.close()
                    self.reservation = None
            # The first signal starts the shutdown; later ones cut its waits short. A worker
            # may also get SIGTERM straight from a signal sent to the whole process group
            # (systemd, tini -g): that one must not count as a second request.
            forwarded = signal.SIGTERM if self.forwarded == 1 else signal.SIGUSR1
            for process in self.workers.values():
                if process.pid is not None and process.exitcode is None:
                    os.kill(process.pid, forwarded)

    def _reap(self, duplicates: DuplicateMemory) -> None:
        for index, process in list(self.workers.items()):
            if process.exitcode is None:
                continue
            process.join()
            del self.workers[index]
            if self.metrics is not None and process.pid is not None:
                self.metrics.process_exited(process.pid)
            if self.forwarded:
                log.info("Worker %d exited with status %d.", index, process.exitcode)
                self.failed |= process.exitcode != 0
            elif not self.ready[index].is_set():
                # It never started serving (configuration, directories, …): another try
                # would fail the same way, so the instance stops.
                log.error("Worker %d could not start; stopping the collector.", index)
                self.failed = True
                self.signals += 1
            else:
                log.error(
                    "Worker %d died (status %s); starting a new one.", index, process.exitcode
                )
                self._start(index, duplicates)

    def run(self) -> int:
        slots = self.config.global_.mapper.duplicate_memory_size
        memory = DuplicateMemory.inherited(slots)
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self.metrics = MetricsDirectory.create()
        try:
            for index in range(1, self.count + 1):
                self._start(index, memory)
            announced = False
            while self.workers:
                wait([p.sentinel for p in self.workers.values()], timeout=0.05)
                self._forward_signals()
                self._reap(memory)
                if not announced and all(r.is_set() for r in self.ready.values()):
                    announced = True
                    log.info("All %d workers are serving.", self.count)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            memory.close()
            self.metrics.remove()
        log.info("All workers stopped.")
        return 1 if self.failed else 0
