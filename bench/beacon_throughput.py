#!/usr/bin/env python3
"""Beacon throughput: the collector against nginx's ``empty_gif`` in one run, on loopback.

    python bench/beacon_throughput.py [--duration 10] [--connections 50] [--threads 2]

Both servers get the same load from wrk (``bench/beacons.lua``: distinct, realistic beacons
with correct checksums), for the same bounded time, after a short warm-up. For each we
report requests/s, p50/p99 latency and the server's CPU time per request (user + system
time of its processes from ``/proc/<pid>/stat``), which drifts much less between runs than
requests/s. The ratios collector/nginx are the figures to compare across runs and machines
(DESIGN §4). After the collector's run it is stopped with SIGTERM and the records in the
published Avro files are counted: every request answered 200 must be there.

Results go to stdout as a table and to ``bench/results/beacon_throughput-<date>.json``.
See bench/README.md for how to read them and how to profile.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "beacons.lua"
BEACON_PATH = "/csc-event"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SENTINEL_ETAG = '"6b3edc43-20ec-4078-bc47-e965dd76b88a"'  # the collector's beacon ETag

NGINX_CONF = """\
worker_processes {workers};
daemon off;
master_process on;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
    keepalive_requests 10000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen {host}:{port};
        location = {path} {{
            empty_gif;
            add_header ETag '{etag}';
            add_header Cache-Control "private, no-cache, proxy-revalidate";
            add_header Pragma "no-cache";
            add_header Expires "Fri, 14 Apr 1995 11:30:00 GMT";
        }}
    }}
}}
"""

COLLECTOR_CONF = """\
divolte {{
  global {{
    server {{ host = "{host}", workers = {workers}, shutdown_timeout = 30 seconds }}
    hdfs.enabled = true
  }}
  sinks.hdfs {{
    type = hdfs
    file_strategy {{
      working_dir = "{working}"
      publish_dir = "{publish}"
    }}
  }}
}}
"""


# --- small helpers ---------------------------------------------------------------------------


def loopback_host(text: str) -> str:
    """argparse type: an IP literal on the loopback range, nothing else."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IP address literal") from None
    if not address.is_loopback:
        raise argparse.ArgumentTypeError(f"{text} is not a loopback address; refusing to run")
    return text


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _ticks(stat_path: str) -> int:
    """utime + stime (fields 14 and 15 of a /proc stat file), 0 if the task is gone."""
    try:
        stat = Path(stat_path).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (all their threads), in seconds."""
    return sum(_ticks(f"/proc/{pid}/stat") for pid in pids) / CLOCK_TICKS


def main_thread_cpu_seconds(pids: list[int]) -> float:
    """The part of :func:`cpu_seconds` spent on the processes' main threads (the event loops);
    the rest is other threads, such as the collector's sink threads."""
    return sum(_ticks(f"/proc/{pid}/task/{pid}/stat") for pid in pids) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def settled_cpu_seconds(pids: list[int], limit: float = 10.0) -> float:
    """CPU time once the server has gone idle (e.g. a sink thread finished its backlog)."""
    deadline = time.monotonic() + limit
    last = cpu_seconds(pids)
    quiet = 0
    while time.monotonic() < deadline and quiet < 2:
        time.sleep(0.25)
        now = cpu_seconds(pids)
        quiet = quiet + 1 if now - last <= 1 / CLOCK_TICKS else 0
        last = now
    return last


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGTERM, wait at most ``timeout``, then SIGKILL it and its children (nginx's worker,
    the collector's workers) so that nothing outlives the run; returns the exit status."""
    children = children_of(process.pid) if process.poll() is None else []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.kill()
        return process.wait(10)


# --- the two servers -------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def pids(self) -> list[int]:
        """The server's processes: nginx's master and its worker, or the collector."""
        return [self.process.pid, *children_of(self.process.pid)]


def ensure_tool(path: str, package: str) -> None:
    if not Path(path).exists():
        print(f"{path} is missing; installing Debian's {package}", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", package], check=True, env=env, timeout=600)


@contextmanager
def nginx(tmp: Path, host: str, workers: int) -> Iterator[Server]:
    ensure_tool("/usr/sbin/nginx", "nginx")
    root = tmp / "nginx"
    root.mkdir()
    port = free_port(host)
    conf = root / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=root,
            workers=workers,
            host=url_host(host),
            port=port,
            path=BEACON_PATH,
            etag=SENTINEL_ETAG,
        )
    )
    log = root / "error.log"
    command = ["/usr/sbin/nginx", "-p", str(root), "-c", str(conf), "-e", str(log)]
    with (root / "stdout.log").open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = Server("nginx", process, f"http://{url_host(host)}:{port}{BEACON_PATH}", log)
    try:
        wait_http(server.url, process, log)
        yield server
    finally:
        stop(process, 10)  # nginx: SIGTERM is a fast shutdown


@dataclass
class Collector(Server):
    working: Path = field(default_factory=Path)
    publish: Path = field(default_factory=Path)
    exit_status: int | None = None
    shutdown_seconds: float = 0.0


@contextmanager
def collector(
    tmp: Path, host: str, workers: int, profile: str | None, profile_out: Path
) -> Iterator[Collector]:
    root = tmp / "collector"
    working, publish = root / "inflight", root / "published"
    working.mkdir(parents=True)
    publish.mkdir()
    port = free_port(host)
    conf = root / "collector.conf"
    conf.write_text(
        COLLECTOR_CONF.format(host=host, workers=workers, working=working, publish=publish)
    )
    runner: list[str] = []
    if profile == "pyinstrument":
        runner = ["-m", "pyinstrument", "-r", "text", "-o", str(profile_out)]
    elif profile == "cprofile":
        runner = ["-m", "cProfile", "-o", str(profile_out)]
    command = [sys.executable, *runner, "-m", "divolte", "--config", str(conf)]
    command += ["--log-level", "warning"]
    log = root / "collector.log"
    env = {**os.environ, "DIVOLTE_PORT": str(port)}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://{url_host(host)}:{port}"
    server = Collector("collector", process, base + BEACON_PATH, log, working, publish)
    try:
        wait_http(base + "/ping", process, log)
        yield server
    finally:
        started = time.monotonic()
        server.exit_status = stop(process, 60)
        server.shutdown_seconds = time.monotonic() - started


# --- load and measurement --------------------------------------------------------------------


@dataclass
class Run:
    """One measured wrk run against one server."""

    requests: int
    """Responses wrk received in the measured run."""
    sent: int
    """Requests wrk generated; the difference was in flight when wrk stopped."""
    seconds: float
    requests_per_second: float
    non_2xx: int
    socket_errors: int
    latency_p50_ms: float
    latency_p90_ms: float
    latency_p99_ms: float
    latency_mean_ms: float
    server_cpu_seconds: float
    server_cpu_us_per_request: float
    server_other_threads_cpu_us_per_request: float
    """Part of the above not on the main threads (for the collector: sink threads)."""
    wrk_cpu_us_per_request: float


def wrk(url: str, seconds: float, args: argparse.Namespace) -> tuple[dict[str, Any], float]:
    """Run wrk once; its ``done`` summary and the CPU seconds wrk itself used."""
    ensure_tool("/usr/bin/wrk", "wrk")
    salt = secrets.token_hex(3)  # a new id space per run: no event repeats across runs
    command = ["/usr/bin/wrk", f"--threads={args.threads}", f"--connections={args.connections}"]
    command += [f"--duration={seconds:g}s", "--timeout=5s", "--script", str(LUA_SCRIPT)]
    command += [url, "--", salt]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    match = re.search(r"^BENCH_RESULT (\{.*\})$", finished.stdout, re.MULTILINE)
    if finished.returncode != 0 or match is None:
        raise RuntimeError(
            f"wrk failed ({finished.returncode}):\n{finished.stdout}{finished.stderr}"
        )
    summary: dict[str, Any] = json.loads(match.group(1))
    return summary, used


@dataclass
class Totals:
    """Warm-up and measured run together, for the record check."""

    answered_200: int = 0
    sent: int = 0


def measure(server: Server, args: argparse.Namespace) -> tuple[Run, Totals]:
    """Warm up, then one measured run."""
    totals = Totals()
    if args.warmup > 0:
        warm, _ = wrk(server.url, args.warmup, args)
        totals.answered_200 += int(warm["requests"]) - int(warm["errors"]["status"])
        totals.sent += int(warm["sent"])
        settled_cpu_seconds(server.pids())
    pids = server.pids()
    cpu_before, main_before = cpu_seconds(pids), main_thread_cpu_seconds(pids)
    summary, wrk_cpu = wrk(server.url, args.duration, args)
    cpu = settled_cpu_seconds(pids) - cpu_before
    other = cpu - (main_thread_cpu_seconds(pids) - main_before)
    requests = int(summary["requests"])
    seconds = int(summary["duration_us"]) / 1e6
    errors = summary["errors"]
    latency = summary["latency_us"]
    per_request = 1e6 / max(requests, 1)
    run = Run(
        requests=requests,
        sent=int(summary["sent"]),
        seconds=round(seconds, 3),
        requests_per_second=round(requests / seconds, 1),
        non_2xx=int(errors["status"]),
        socket_errors=sum(int(errors[k]) for k in ("connect", "read", "write", "timeout")),
        latency_p50_ms=latency["p50"] / 1000,
        latency_p90_ms=latency["p90"] / 1000,
        latency_p99_ms=latency["p99"] / 1000,
        latency_mean_ms=round(latency["mean"] / 1000, 3),
        server_cpu_seconds=round(cpu, 2),
        server_cpu_us_per_request=round(cpu * per_request, 1),
        server_other_threads_cpu_us_per_request=round(other * per_request, 1),
        wrk_cpu_us_per_request=round(wrk_cpu * per_request, 1),
    )
    totals.answered_200 += requests - run.non_2xx
    totals.sent += run.sent
    return run, totals


@dataclass
class RecordCheck:
    answered_200: int
    """Requests wrk saw answered 200 (warm-up and measured run)."""
    sent: int
    """Requests wrk sent: those in flight when it stopped may be recorded but not counted."""
    records: int
    corrupt: int
    duplicate: int
    published_files: int
    leftover_partial_files: int
    collector_exit_status: int | None
    shutdown_seconds: float
    ok: bool = False


def check_records(server: Collector, totals: Totals) -> RecordCheck:
    from fastavro import reader

    records = corrupt = duplicate = 0
    files = sorted(server.publish.glob("*.avro"))
    for path in files:
        with path.open("rb") as stream:
            for record in reader(stream):
                assert isinstance(record, dict), "DefaultEventRecord is an Avro record"
                records += 1
                corrupt += bool(record["detectedCorruption"])
                duplicate += bool(record["detectedDuplicate"])
    check = RecordCheck(
        answered_200=totals.answered_200,
        sent=totals.sent,
        records=records,
        corrupt=corrupt,
        duplicate=duplicate,
        published_files=len(files),
        leftover_partial_files=len(list(server.working.iterdir())),
        collector_exit_status=server.exit_status,
        shutdown_seconds=round(server.shutdown_seconds, 2),
    )
    check.ok = (
        totals.answered_200 <= records <= totals.sent
        and corrupt == duplicate == 0
        and check.leftover_partial_files == 0
        and server.exit_status == 0
    )
    return check


# --- reporting -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    nginx_version = (
        subprocess.run(["/usr/sbin/nginx", "-v"], capture_output=True, text=True).stderr.strip()
        if Path("/usr/sbin/nginx").exists()
        else "not installed"
    )
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
    )
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model.group(1) if model else platform.processor(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "nginx": nginx_version,
        "wrk": "4.1.0 (Debian)" if shutil.which("wrk") else "missing",
        "git_commit": commit.stdout.strip() + (" + uncommitted src" if dirty.stdout else ""),
    }


def ratios(ours: Run, reference: Run) -> dict[str, float]:
    def ratio(a: float, b: float) -> float:
        return round(a / b, 2) if b else float("nan")

    return {
        "requests_per_second": ratio(ours.requests_per_second, reference.requests_per_second),
        "latency_p50": ratio(ours.latency_p50_ms, reference.latency_p50_ms),
        "latency_p99": ratio(ours.latency_p99_ms, reference.latency_p99_ms),
        "server_cpu_us_per_request": ratio(
            ours.server_cpu_us_per_request, reference.server_cpu_us_per_request
        ),
    }


def table(runs: dict[str, Run], ratio: dict[str, float] | None) -> str:
    rows = [
        ("requests/s", "requests_per_second", "{:,.0f}"),
        ("latency p50 (ms)", "latency_p50_ms", "{:.2f}"),
        ("latency p99 (ms)", "latency_p99_ms", "{:.2f}"),
        ("server CPU µs/request", "server_cpu_us_per_request", "{:.1f}"),
        ("  of which other threads", "server_other_threads_cpu_us_per_request", "{:.1f}"),
        ("wrk CPU µs/request", "wrk_cpu_us_per_request", "{:.1f}"),
        ("requests", "requests", "{:,}"),
        ("non-2xx / socket errors", "", ""),
    ]
    names = list(runs)
    header = f"{'':24}" + "".join(f"{n:>14}" for n in names)
    header += f"{'collector/nginx':>18}" if ratio else ""
    lines = [header]
    ratio_keys = {
        "requests_per_second": "requests_per_second",
        "latency_p50_ms": "latency_p50",
        "latency_p99_ms": "latency_p99",
        "server_cpu_us_per_request": "server_cpu_us_per_request",
    }
    for label, key, fmt in rows:
        if not key:
            cells = [f"{r.non_2xx} / {r.socket_errors}" for r in runs.values()]
        else:
            cells = [fmt.format(getattr(r, key)) for r in runs.values()]
        line = f"{label:24}" + "".join(f"{c:>14}" for c in cells)
        if ratio and key in ratio_keys:
            line += f"{ratio[ratio_keys[key]]:>18.2f}"
        lines.append(line)
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="collector worker processes (global.server.workers) and nginx worker_processes",
    )
    parser.add_argument("--host", type=loopback_host, default="127.0.0.1", help="loopback only")
    parser.add_argument("--skip-nginx", action="store_true", help="measure the collector only")
    parser.add_argument(
        "--profile",
        choices=["pyinstrument", "cprofile"],
        help="run the collector under a profiler (its figures are then not comparable; "
        "no JSON is written)",
    )
    parser.add_argument("--profile-out", type=Path, help="profile output file")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "results")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be in (0, 600] and --warmup in [0, 60] seconds")
    if args.profile and args.workers != 1:
        parser.error("--profile needs --workers 1 (a profiler sees only its own process)")
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be in [1, 64]")
    if not 1 <= args.threads <= args.connections <= 10000:
        parser.error("need 1 <= --threads <= --connections <= 10000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now()
    profile_out: Path = args.profile_out or Path(
        tempfile.gettempdir(),
        f"collector-{started:%Y%m%d-%H%M%S}.{'txt' if args.profile == 'pyinstrument' else 'prof'}",
    )
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="divolte-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.skip_nginx:
            with nginx(tmp, args.host, args.workers) as server:
                runs["nginx"], _ = measure(server, args)
        with collector(tmp, args.host, args.workers, args.profile, profile_out) as ours:
            runs["collector"], totals = measure(ours, args)
        check = check_records(ours, totals)
        if not check.ok:
            print(tail(ours.log), file=sys.stderr)
    ratio = ratios(runs["collector"], runs["nginx"]) if "nginx" in runs else None
    print(table(runs, ratio))
    print(
        f"\ncollector: {check.answered_200:,} requests answered 200 (warm-up included), "
        f"{check.records:,} records in {check.published_files} published Avro file(s) "
        f"(corrupt {check.corrupt}, duplicate {check.duplicate}); wrk sent {check.sent:,}, "
        f"so {check.answered_200:,} <= records <= {check.sent:,} must hold (requests in "
        f"flight when wrk stopped may be recorded).\nCollector exit status "
        f"{check.collector_exit_status} after {check.shutdown_seconds:.2f} s. "
        + ("OK" if check.ok else "RECORD CHECK FAILED")
    )
    failed = not check.ok or any(r.non_2xx or r.socket_errors for r in runs.values())
    if args.profile:
        print(f"\nprofile ({args.profile}) written to {profile_out}; figures not saved")
        return 1 if failed else 0
    result = {
        "benchmark": "beacon_throughput",
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/beacon_throughput.py", *(argv or sys.argv[1:])]),
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
            "host": args.host,
        },
        "machine": machine(),
        "runs": {name: asdict(run) for name, run in runs.items()},
        "ratios_collector_over_nginx": ratio,
        "record_check": asdict(check),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"beacon_throughput-{started:%Y-%m-%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults written to {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
