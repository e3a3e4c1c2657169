"""Behind a real load balancer: Debian's nginx in front of three collector instances.

nginx runs deploy/nginx/divolte.conf itself (tests/infra/nginx.py puts loopback ports and
temporary paths into it), in front of three collector processes with two workers each, their
own ports and their own working and publish directories, and ``use_x_forwarded_for = true``.
Two test-only directives are added around the example: nginx connects to the collectors from
127.0.0.2 (``proxy_bind``), so a record's ``remoteHost`` of 127.0.0.1 can only come from
``X-Forwarded-For``; and every answer names the collectors nginx tried (``X-Divolte-Upstream``,
nginx's ``$upstream_addr``), so a client knows which instance accepted its event.

Events are identified by their location (``l``), ``http://shop.example.com/<tag>/<n>``, which
the default record keeps; the event id ``e`` is equally unique, so no two events collide in
the duplicate memory. Cases C-04 and C-09; issue 6, "Behind a real load balancer".
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastavro
import pytest

from divolte.base36 import to_base36
from divolte.checksum import beacon_checksum
from tests.collector_process import CollectorProcess, file_sink_config, free_port, launch
from tests.infra.nginx import Nginx, make_self_signed_certificate, start_nginx
from tests.integration.beacons import QUERY_B, encode

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TEST_ONLY_NGINX = """
    proxy_bind 127.0.0.2;
    add_header X-Divolte-Upstream $upstream_addr always;
"""
COLLECTOR = "global.server { workers = 2, use_x_forwarded_for = true }"
SITE = "http://shop.example.com"
IN_FLIGHT = 0.25
"""Seconds before a SIGKILL in which an acknowledged event may not have reached the disk yet."""


def beacon(tag: str, n: int) -> str:
    """A valid beacon (correct checksum) for event ``n`` of ``tag``, as the tag would send it."""
    params = {**QUERY_B, "e": f"{QUERY_B['v']}-{tag}-{n}", "l": f"{SITE}/{tag}/{n}"}
    params["x"] = to_base36(beacon_checksum({k: [v] for k, v in params.items()}))
    return encode(params)


def location(tag: str, n: int) -> str:
    return f"{SITE}/{tag}/{n}"


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _shared_memory(pid: int) -> set[Path]:
    """The POSIX shared-memory files (the duplicate memory) that ``pid`` has mapped."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return set()
    return {Path(m) for m in re.findall(r"(/dev/shm/\S+)", maps)}


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Instance:
    """One collector instance: a fixed port and directories, started again after a stop."""

    def __init__(self, directory: Path, extra: str = "") -> None:
        self.directory = directory
        self.working = directory / "working"
        self.publish = directory / "publish"
        self.working.mkdir(parents=True)
        self.publish.mkdir()
        self.port = free_port()
        self.config = file_sink_config(self.working, self.publish, f"{COLLECTOR}\n{extra}")
        self.runs: list[CollectorProcess] = []
        self.workers: list[int] = []

    @property
    def address(self) -> str:
        """How nginx's ``$upstream_addr`` names this instance."""
        return f"127.0.0.1:{self.port}"

    @property
    def current(self) -> CollectorProcess:
        return self.runs[-1]

    def start(self) -> CollectorProcess:
        run = self.directory / f"run{len(self.runs) + 1}"
        run.mkdir()
        config = run / "collector.conf"
        config.write_text(self.config)
        log = run / "collector.log"
        env = {**os.environ, "DIVOLTE_PORT": str(self.port)}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "divolte", "--config", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=run,
            )
        collector = CollectorProcess(process, self.port, log)
        self.runs.append(collector)
        deadline = time.monotonic() + 30
        while "workers are serving" not in collector.log():
            assert process.poll() is None, f"exited with {process.returncode}:\n{collector.log()}"
            assert time.monotonic() < deadline, f"not serving within 30 s:\n{collector.log()}"
            time.sleep(0.02)
        self.workers = _children(collector.process.pid)
        return collector

    def stop(self) -> int:
        return self.current.stop(timeout=60)

    def kill(self) -> list[Path]:
        """SIGKILL the supervisor, its workers and multiprocessing's resource tracker at once,
        as a container runtime or the OOM killer of a cgroup does; waits until none of them
        runs. Returns the shared-memory files the instance left in /dev/shm (and removes them,
        so that tests do not fill /dev/shm)."""
        process = self.current.process
        pids = [process.pid, *_children(process.pid)]
        segments = {s for pid in pids for s in _shared_memory(pid)}
        _kill(pids)
        process.wait()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids[1:]):
            assert time.monotonic() < deadline, f"workers {pids[1:]} survived SIGKILL"
            time.sleep(0.02)
        left = sorted(s for s in segments if s.exists())
        for segment in left:
            segment.unlink(missing_ok=True)
        return left

    def cleanup(self) -> None:
        for run in self.runs:
            if run.process.poll() is None:
                _kill([run.process.pid, *_children(run.process.pid)])
                run.process.wait()
        _kill([pid for pid in self.workers if _alive(pid)])

    def published(self) -> set[Path]:
        return set(self.publish.glob("*.avro"))

    def records(self, files: set[Path] | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for path in sorted(self.published() if files is None else files):
            with path.open("rb") as handle:
                found.extend(fastavro.reader(handle))  # type: ignore[arg-type]
        return found


@dataclass
class Cluster:
    instances: list[Instance]
    nginx: Nginx

    def stop_all(self) -> None:
        """SIGTERM every instance; each must flush everything and leave nothing behind (C-04)."""
        for instance in self.instances:
            if instance.current.process.poll() is None:
                assert instance.stop() == 0, instance.current.log()
            assert list(instance.working.iterdir()) == [], instance.current.log()

    def records(self) -> list[tuple[Instance, dict[str, Any]]]:
        return [(i, r) for i in self.instances for r in i.records()]


@pytest.fixture
def cluster_factory(tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    started: list[Cluster] = []

    def start(
        extra: str = "", count: int = 3, certificate: tuple[Path, Path] | None = None
    ) -> Cluster:
        instances = [Instance(tmp_path / f"collector{n + 1}", extra) for n in range(count)]
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(Instance.start, instances))
        nginx = start_nginx(
            tmp_path / "nginx",
            [i.port for i in instances],
            certificate=certificate,
            http_extra=TEST_ONLY_NGINX,
        )
        cluster = Cluster(instances, nginx)
        started.append(cluster)
        return cluster

    yield start
    for cluster in started:
        cluster.nginx.stop()
        for instance in cluster.instances:
            instance.cleanup()


# --- Sending events -------------------------------------------------------------------------


@dataclass
class Outcome:
    key: str
    """The event's location."""
    status: int
    """HTTP status the client saw; 0 when it got no answer at all."""
    upstream: str
    """Every collector nginx tried, comma-separated (``$upstream_addr``)."""
    at: float
    """``time.monotonic()`` when the answer (or the error) arrived."""
    error: str = ""

    @property
    def answered_by(self) -> str:
        return self.upstream.rsplit(",", 1)[-1].strip()


def _connection(port: int, context: ssl.SSLContext | None) -> http.client.HTTPConnection:
    if context is not None:
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=15, context=context)
    return http.client.HTTPConnection("127.0.0.1", port, timeout=15)


def send(
    connection: http.client.HTTPConnection,
    target: str,
    key: str,
    headers: dict[str, str] | None = None,
) -> Outcome:
    """One request; a transport error is an outcome (status 0), never retried by the client."""
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        response.read()
        upstream = response.getheader("X-Divolte-Upstream") or ""
        return Outcome(key, response.status, upstream, time.monotonic())
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        return Outcome(key, 0, "", time.monotonic(), f"{type(exc).__name__}: {exc}")


def send_once(port: int, target: str, key: str) -> Outcome:
    """One request on a connection of its own."""
    connection = _connection(port, None)
    try:
        return send(connection, target, key)
    finally:
        connection.close()


@dataclass
class Load:
    """Events ``<tag>/0 … <tag>/<count-1>`` at ``rate`` per second over ``threads`` keep-alive
    connections to nginx. Bounded: at most ``count`` events, and no new event after
    ``count / rate + 15`` seconds; :meth:`stop` ends it early."""

    port: int
    tag: str
    rate: float
    count: int
    threads: int = 8
    context: ssl.SSLContext | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    started: float = 0.0
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        self.started = time.monotonic()
        self._workers = [threading.Thread(target=self._run) for _ in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def _take(self) -> int | None:
        with self._lock:
            n = self._next
            if n >= self.count or self._stop.is_set():
                return None
            self._next += 1
            return n

    def _run(self) -> None:
        connection = _connection(self.port, self.context)
        deadline = self.started + self.count / self.rate + 15
        try:
            while (n := self._take()) is not None and time.monotonic() < deadline:
                delay = self.started + n / self.rate - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    break
                outcome = send(connection, beacon(self.tag, n), location(self.tag, n))
                self.outcomes.append(outcome)  # list.append is atomic
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> list[Outcome]:
        for worker in self._workers:
            worker.join(timeout=60)
            assert not worker.is_alive(), "load generator thread did not finish"
        return self.outcomes

    def wait_for(self, predicate: Callable[[list[Outcome]], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate(self.outcomes):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def answered_by(instance: Instance, at_least: int) -> Callable[[list[Outcome]], bool]:
    def enough(outcomes: list[Outcome]) -> bool:
        return sum(o.status == 200 and o.answered_by == instance.address for o in outcomes) >= (
            at_least
        )

    return enough


def rejoin(cluster: Cluster, instance: Instance, tag: str) -> list[Outcome]:
    """Send events until ``instance`` answered 20 of them (nginx tries a server it marked down
    again after ``fail_timeout``, 5 s in the example); bounded at 2,000 events / 25 s."""
    load = Load(cluster.nginx.port, tag, rate=100, count=2000, threads=4).start()
    rejoined = load.wait_for(answered_by(instance, 20), timeout=25)
    load.stop()
    outcomes = load.join()
    assert rejoined, f"{instance.address} got no requests from nginx again:\n{cluster.nginx.log()}"
    return outcomes


def retried_requests(nginx: Nginx) -> int:
    """Requests that nginx sent to more than one collector (from its access log)."""
    return sum("upstream_status=" in line and ", " in line for line in nginx.access_log())


def errors(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status != 200]


# --- 1. Duplicates across the balancer (C-09) -----------------------------------------------


def test_duplicates_detected_and_events_spread_across_the_balancer(
    cluster_factory: Callable[..., Cluster],
) -> None:
    cluster = cluster_factory()
    port = cluster.nginx.port

    first = send_once(port, beacon("resent", 0), location("resent", 0))
    time.sleep(2)  # C-09: the same URL again 2 s later (a browser retry, a proxy replay)
    second = send_once(port, beacon("resent", 0), location("resent", 0))
    assert (first.status, second.status) == (200, 200)
    assert first.upstream == second.upstream, "exact duplicates must reach the same instance"

    # 1,000 distinct events; every 10th carries a forged X-Forwarded-For, which must not win.
    def send_range(start: int) -> list[Outcome]:
        mine = _connection(port, None)
        forged = {"X-Forwarded-For": "203.0.113.9"}
        try:
            return [
                send(mine, beacon("distinct", n), location("distinct", n), forged)
                if n % 10 == 0
                else send(mine, beacon("distinct", n), location("distinct", n))
                for n in range(start, 1000, 4)
            ]
        finally:
            mine.close()

    with ThreadPoolExecutor(4) as pool:
        outcomes = [o for part in pool.map(send_range, range(4)) for o in part]
    assert errors(outcomes) == []
    assert {o.upstream for o in outcomes} == {i.address for i in cluster.instances}

    cluster.stop_all()
    records = cluster.records()

    resent = [(i, r) for i, r in records if r["location"] == location("resent", 0)]
    assert [i.address for i, _ in resent] == [first.upstream] * 2
    assert [r["detectedDuplicate"] for _, r in resent] == [False, True]

    distinct = [(i, r) for i, r in records if r["location"].startswith(f"{SITE}/distinct/")]
    counts = Counter(r["location"] for _, r in distinct)
    assert len(counts) == 1000 and set(counts.values()) == {1}, "each event exactly once"
    per_instance = Counter(i.address for i, _ in distinct)
    assert set(per_instance) == {i.address for i in cluster.instances}
    answered = Counter(o.upstream for o in outcomes)
    assert per_instance == answered, "each event is recorded where nginx says it went"
    assert not any(r["detectedDuplicate"] or r["detectedCorruption"] for _, r in distinct)
    assert {r["remoteHost"] for _, r in records} == {"127.0.0.1"}
    print(f"\n1,000 distinct events through nginx per instance: {dict(per_instance)}")


# --- 2. Rolling restart under load ----------------------------------------------------------


def test_rolling_restart_under_load_loses_nothing(
    cluster_factory: Callable[..., Cluster],
) -> None:
    cluster = cluster_factory(
        "global.server { shutdown_delay = 1500 milliseconds, shutdown_timeout = 10 seconds }"
    )
    target = cluster.instances[1]
    load = Load(cluster.nginx.port, "rolling", rate=200, count=1600).start()  # 8 s
    assert load.wait_for(lambda o: len(o) >= 300, timeout=10)

    signalled = time.monotonic()
    status = target.stop()  # SIGTERM, then wait for the exit
    stopped = time.monotonic()
    assert status == 0, target.current.log()
    assert list(target.working.iterdir()) == []
    before_restart = target.published()
    target.start()
    restarted = time.monotonic()
    outcomes = load.join()
    outcomes += rejoin(cluster, target, "rolling-rejoin")
    cluster.stop_all()

    assert len(outcomes) >= 1600
    assert errors(outcomes) == [], f"clients saw errors: {errors(outcomes)[:10]}"
    records = cluster.records()
    originals = Counter(r["location"] for _, r in records if not r["detectedDuplicate"])
    sent = {o.key for o in outcomes}
    missing = sorted(sent - set(originals))
    twice = sorted(k for k, n in originals.items() if n > 1)
    assert missing == [], f"{len(missing)} events answered 200 are not recorded: {missing[:10]}"
    assert twice == [], f"{len(twice)} events recorded more than once: {twice[:10]}"
    assert set(originals) == sent
    new_files = target.published() - before_restart
    assert target.records(new_files), "the restarted instance wrote no records"

    retried = retried_requests(cluster.nginx)
    flagged = sum(r["detectedDuplicate"] for _, r in records)
    by_target = Counter(
        "before SIGTERM" if o.at < signalled else "while stopping" if o.at < stopped else "after"
        for o in outcomes
        if o.answered_by == target.address
    )
    print(
        f"\nrolling restart: {len(outcomes)} events, client errors 0, nginx retried {retried}, "
        f"duplicates flagged {flagged}; SIGTERM → exit {stopped - signalled:.2f} s, "
        f"restart {restarted - stopped:.2f} s; answered by the restarted instance: "
        f"{dict(by_target)}"
    )


# --- 3. SSL offload -------------------------------------------------------------------------


def test_ssl_offload(cluster_factory: Callable[..., Cluster], tmp_path: Path) -> None:
    certificate = make_self_signed_certificate(tmp_path)
    cluster = cluster_factory(certificate=certificate)
    assert cluster.nginx.ssl_port is not None
    context = ssl.create_default_context(cafile=str(certificate[0]))  # verifies host too
    connection = _connection(cluster.nginx.ssl_port, context)
    outcomes = [send(connection, beacon("tls", n), location("tls", n)) for n in range(60)]
    assert errors(outcomes) == []
    assert isinstance(connection.sock, ssl.SSLSocket)
    assert connection.sock.version() in {"TLSv1.2", "TLSv1.3"}
    connection.close()
    # Plain HTTP still works on the other listener.
    assert send_once(cluster.nginx.port, beacon("plain", 0), "").status == 200
    cluster.stop_all()

    records = [r for _, r in cluster.records() if "/tls/" in r["location"]]
    assert sorted(r["location"] for r in records) == sorted(location("tls", n) for n in range(60))
    assert {r["remoteHost"] for r in records} == {"127.0.0.1"}  # nginx itself is 127.0.0.2
    assert not any(r["detectedDuplicate"] or r["detectedCorruption"] for r in records)


# --- 4. Kill without warning ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sync", "everything_recovered"),
    [
        pytest.param("sync_file_after_records = 1", True, id="sync-every-record"),
        pytest.param("", False, id="default-sync"),
    ],
)
def test_sigkill_under_load_then_restart(
    cluster_factory: Callable[..., Cluster], sync: str, everything_recovered: bool
) -> None:
    """What a SIGKILL of a whole instance loses; its leftovers are recovered at restart (C-04).

    Measured and printed. With every record synced as soon as it is written, everything the
    killed instance acknowledged must come back. With the default sync policy (every 1,000
    records or 30 s) the records since the last sync are at risk; the test then only asserts
    that nothing else is lost: no event answered by another instance, nothing after the
    restart. (Issue 6: "a later issue will bring it to zero".)
    """
    strategy = f"sinks.hdfs.file_strategy {{ {sync} }}" if sync else ""
    cluster = cluster_factory(strategy)
    target = cluster.instances[0]
    load = Load(cluster.nginx.port, "kill", rate=200, count=1200).start()  # 6 s
    assert load.wait_for(lambda o: len(o) >= 400, timeout=10)
    killing = time.monotonic()
    leaked = target.kill()
    killed = time.monotonic()  # from here until the restart, the instance answers nothing
    left_behind = sorted(p.name for p in target.working.iterdir())
    target.start()
    assert list(target.working.iterdir()) == [], "leftovers must be recovered at start-up"
    recovered = target.published()
    outcomes = load.join()
    outcomes += rejoin(cluster, target, "kill-rejoin")
    cluster.stop_all()

    assert errors(outcomes) == [], f"clients saw errors: {errors(outcomes)[:10]}"
    records = cluster.records()
    found = Counter(r["location"] for _, r in records)
    originals = Counter(r["location"] for _, r in records if not r["detectedDuplicate"])
    lost = [o for o in outcomes if o.key not in found]
    at_risk = [o for o in outcomes if o.answered_by == target.address and o.at <= killed]
    twice = sorted(k for k, n in originals.items() if n > 1)
    recovered_records = len(target.records(recovered))
    corrupt = sorted(p.name for p in target.directory.rglob("*.corrupt"))
    ages = ", ".join(f"{(killing - o.at) * 1000:.0f}" for o in lost[:5]) or "-"
    print(
        f"\nSIGKILL under load ({sync or 'default sync policy'}): {len(outcomes)} events "
        f"answered 200, {len(at_risk)} of them by the killed instance before the kill; "
        f"{len(left_behind)} file(s) left behind, {recovered_records} records recovered and "
        f"published at restart; lost {len(lost)} (answered {ages} ms before the kill); "
        f"recorded twice {len(twice)}; nginx retried {retried_requests(cluster.nginx)}; "
        f"client errors 0; shared memory left in /dev/shm: {[p.name for p in leaked]}"
    )
    assert corrupt == []
    if left_behind:
        assert "left by a crash" in target.current.log()
    assert all(o in at_risk for o in lost), "lost events other than the killed instance's"
    # A request the instance recorded but whose answer died with it is retried by nginx on
    # another instance: two records, the duplicate not recognised. Only the killed instance's
    # last requests can be affected.
    mine = {r["location"] for r in target.records()}
    assert set(twice) <= mine, f"recorded twice, not involving the killed instance: {twice}"
    if everything_recovered:
        assert left_behind, "the killed instance had an open file"
        # The collector answers 200 before the record reaches the file (pipeline.py), so an
        # event answered in the last moment before the kill can still be on its way to the
        # disk; anything answered earlier must have come back. Measured: 1 lost in 34 runs.
        late = [o for o in lost if killing - o.at > IN_FLIGHT]
        assert late == [], f"{len(late)} events synced before the kill were lost: {late[:5]}"
        assert recovered_records >= len(at_risk) - len(lost)


# --- How service managers stop an instance --------------------------------------------------


def _start_in_own_session(directory: Path, extra: str) -> tuple[subprocess.Popen[bytes], Path]:
    """A two-worker collector in its own process group (so that the group can be signalled
    without touching pytest); returns once both workers serve."""
    files = directory / "files"
    files.mkdir()
    config = file_sink_config(files, files, f"global.server.workers = 2\n{extra}")
    collector = launch(directory, config, own_session=True)
    process, log = collector.process, collector.log_path
    deadline = time.monotonic() + 20
    while "All 2 workers are serving" not in log.read_text():
        assert time.monotonic() < deadline and process.poll() is None, log.read_text()
        time.sleep(0.02)
    return process, log


def test_sigterm_to_the_whole_process_group_keeps_the_shutdown_delay(tmp_path: Path) -> None:
    """systemd's default KillMode=control-group, ``kill -TERM -<pgid>``, supervisord's
    killasgroup and tini -g all signal every process of the instance at once."""
    process, log = _start_in_own_session(tmp_path, "global.server.shutdown_delay = 2 seconds")
    try:
        signalled = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
        elapsed = time.monotonic() - signalled
        assert elapsed >= 2.0, f"exited {elapsed:.2f} s after SIGTERM, before shutdown_delay"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_workers_do_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    """``kill -9 <main pid>`` (or the OOM killer picking the supervisor): the orphaned workers
    should shut down gracefully by themselves, not keep the port and the files."""
    process, log = _start_in_own_session(tmp_path, "")
    everything = _children(process.pid)  # the workers and multiprocessing's resource tracker
    workers = [int(p) for p in re.findall(r"Started worker \d+ \(pid (\d+)\)", log.read_text())]
    assert len(workers) == 2 and set(workers) <= set(everything)
    try:
        process.kill()
        process.wait()
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [pid for pid in workers if _alive(pid)]
        assert survivors == [], f"workers {survivors} still run after their supervisor died"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        _kill([pid for pid in everything if _alive(pid)])


def test_sigkill_leaves_no_shared_memory_behind(tmp_path: Path) -> None:
    """A SIGKILL of the whole instance leaves nothing in /dev/shm (the duplicate memory is an
    anonymous shared mapping, not a named segment that would survive until reboot)."""
    shm = Path("/dev/shm")
    before = set(shm.iterdir())
    process, _ = _start_in_own_session(tmp_path, "")
    try:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    time.sleep(0.2)  # the workers die with the group; give the kernel a moment
    left = sorted(str(p) for p in set(shm.iterdir()) - before)
    assert left == [], f"left in /dev/shm after SIGKILL: {left}"
