"""Start a real collector process on a free loopback port, for integration and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class CollectorProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired as expired:
            self.process.kill()
            self.process.wait()
            message = f"collector did not stop within {timeout} s:\n{self.log()}"
            raise AssertionError(message) from expired


def launch(
    tmp_path: Path,
    config_text: str | None = None,
    env: dict[str, str] | None = None,
    *,
    own_session: bool = False,
) -> CollectorProcess:
    """Start ``python -m divolte`` on a free port without waiting for it; with
    ``own_session`` in a process group of its own (so the group can be signalled)."""
    port = free_port()
    args = [sys.executable, "-m", "divolte"]
    if config_text is not None:
        config_file = tmp_path / "collector.conf"
        config_file.write_text(config_text)
        args += ["--config", str(config_file)]
    log_path = tmp_path / f"collector-{port}.log"
    full_env = {**os.environ, "DIVOLTE_PORT": str(port), **(env or {})}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            args,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=tmp_path,
            start_new_session=own_session,
        )
    return CollectorProcess(process, port, log_path)


def start_collector(
    tmp_path: Path, config_text: str | None = None, env: dict[str, str] | None = None
) -> CollectorProcess:
    """Run ``python -m divolte`` with ``config_text`` and wait until /ping answers."""
    collector = launch(tmp_path, config_text, env)
    process = collector.process
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"collector exited with {process.returncode}:\n{collector.log()}")
        try:
            with urllib.request.urlopen(collector.base_url + "/ping", timeout=1) as answer:
                if answer.status == 200:
                    return collector
        except OSError:
            time.sleep(0.05)
    collector.process.kill()
    raise AssertionError(f"collector did not answer /ping within 20 s:\n{collector.log()}")


def file_sink_config(working: Path, publish: Path, extra: str = "") -> str:
    """A configuration with the default mapping writing Avro files to the given directories.

    One worker process, so that records come out in the order they were sent; tests of
    several workers override ``global.server.workers`` in ``extra``.
    """
    return f"""
divolte {{
  global.server.workers = 1
  global.hdfs.enabled = true
  sinks.hdfs {{
    type = hdfs
    file_strategy {{
      working_dir = "{working}"
      publish_dir = "{publish}"
    }}
  }}
  {extra}
}}
"""
