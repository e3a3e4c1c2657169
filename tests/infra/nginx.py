"""Debian's nginx as the load balancer in tests (DESIGN.md §5), run with our deploy example.

:func:`start_nginx` runs deploy/nginx/divolte.conf itself, rendered for loopback: the example's
upstream ``server`` lines become one line per collector port (keeping the example's parameters),
its ``listen`` lines become ``127.0.0.1`` free ports, its certificate and log paths point into
the test's directory. Around it goes a main configuration of our own: a pid file, error and access
logs and temp paths in that directory, one worker process and ``daemon off;``, so nginx runs as
a child process and is stopped by its PID. Nothing outside the directory is read or written
(except the nginx binary itself).

``python -m tests.infra.nginx DIR PORT…`` runs the same in front of collectors already
listening on those loopback ports, until Ctrl-C; it prints the address to send requests to.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

NGINX = "/usr/sbin/nginx"
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "divolte.conf"

_SERVER_LINE = re.compile(r"^([ \t]*)server[ \t]+\S+:\d+([^;\n]*);[ \t]*\n", re.MULTILINE)
_LISTEN_HTTP = re.compile(r"^([ \t]*)listen[ \t]+80;", re.MULTILINE)
_LISTEN_HTTPS = re.compile(r"^([ \t]*)listen[ \t]+443[ \t]+ssl;[ \t]*\n", re.MULTILINE)
_CERTIFICATE = re.compile(r"^([ \t]*)ssl_certificate[ \t]+\S+;[ \t]*\n", re.MULTILINE)
_CERTIFICATE_KEY = re.compile(r"^([ \t]*)ssl_certificate_key[ \t]+\S+;[ \t]*\n", re.MULTILINE)


class NginxError(AssertionError):
    """nginx could not be configured or started; the message holds its error output."""


def nginx_binary() -> str:
    """Path of Debian's nginx; installs the package with apt-get when it is missing."""
    if Path(NGINX).exists():
        return NGINX
    found = shutil.which("nginx")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise NginxError(f"{NGINX} is missing; install it with: apt-get install -y nginx")
    subprocess.run([apt, "install", "-y", "nginx"], check=True, capture_output=True)
    return NGINX


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_self_signed_certificate(directory: Path, name: str = "localhost") -> tuple[Path, Path]:
    """A throwaway certificate for ``name`` and 127.0.0.1, valid for one day: (cert, key)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-subj", f"/CN={name}", "-days", "1",
            "-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _substitute(pattern: re.Pattern[str], replacement: str, text: str, what: str) -> str:
    result, count = pattern.subn(lambda match: replacement.format(*match.groups()), text)
    if count != 1:
        raise NginxError(f"{EXAMPLE}: expected one {what}, found {count}")
    return result


def render_site(
    example: str,
    upstream_ports: list[int],
    port: int,
    log_dir: Path,
    *,
    ssl_port: int | None = None,
    certificate: tuple[Path, Path] | None = None,
) -> str:
    """The example configuration with loopback addresses, test ports and paths."""
    first = _SERVER_LINE.search(example)
    if first is None:
        raise NginxError(f"{EXAMPLE}: no upstream server lines")
    indent, parameters = first.groups()
    # One line per collector where the example's lines were, with the example's parameters.
    lines = "".join(f"{indent}server 127.0.0.1:{p}{parameters};\n" for p in upstream_ports)
    site = example[: first.start()] + lines + _SERVER_LINE.sub("", example[first.start() :])
    site = _substitute(_LISTEN_HTTP, "{0}listen 127.0.0.1:" + str(port) + ";", site, "listen 80")
    if certificate is None:
        site = _substitute(_LISTEN_HTTPS, "", site, "listen 443 ssl")
        site = _substitute(_CERTIFICATE, "", site, "ssl_certificate")
        site = _substitute(_CERTIFICATE_KEY, "", site, "ssl_certificate_key")
    else:
        assert ssl_port is not None
        cert, key = certificate
        site = _substitute(
            _LISTEN_HTTPS, "{0}listen 127.0.0.1:" + f"{ssl_port} ssl;\n", site, "listen 443 ssl"
        )
        site = _substitute(_CERTIFICATE, "{0}ssl_certificate " + f"{cert};\n", site, "cert")
        site = _substitute(_CERTIFICATE_KEY, "{0}ssl_certificate_key " + f"{key};\n", site, "key")
    return site.replace("/var/log/nginx/", f"{log_dir}/")


def render_main(directory: Path, site: str, http_extra: str = "") -> str:
    """A complete nginx.conf around ``site`` that keeps every file inside ``directory``."""
    # As root, nginx would switch its workers to "nobody", who cannot enter pytest's private
    # temporary directories; as anyone else the directive is ignored with a warning.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = directory / "temp"
    return f"""{user}worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/logs/error.log info;
events {{
    worker_connections 1024;
}}
http {{
    default_type application/octet-stream;
    access_log {directory}/logs/access.log;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{http_extra}
{site}
}}
"""


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    directory: Path
    port: int
    ssl_port: int | None

    @property
    def error_log_path(self) -> Path:
        return self.directory / "logs" / "divolte.error.log"

    @property
    def access_log_path(self) -> Path:
        return self.directory / "logs" / "divolte.access.log"

    def log(self) -> str:
        """nginx's own output and both error logs, for assertion messages."""
        parts = []
        for path in (
            self.directory / "nginx.out",
            self.directory / "logs" / "error.log",
            self.error_log_path,
        ):
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')}")
        return "\n".join(parts)

    def access_log(self) -> list[str]:
        if not self.access_log_path.exists():
            return []
        return self.access_log_path.read_text(errors="replace").splitlines()

    def stop(self, timeout: float = 10.0) -> None:
        """Fast shutdown (SIGTERM to the master); SIGKILL to master and workers if it hangs."""
        if self.process.poll() is None:
            workers = _children(self.process.pid)
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                for pid in workers:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_nginx(
    directory: Path,
    upstream_ports: list[int],
    *,
    certificate: tuple[Path, Path] | None = None,
    http_extra: str = "",
    timeout: float = 10.0,
) -> Nginx:
    """Run nginx with the example configuration in front of collectors on ``upstream_ports``.

    ``certificate`` (cert, key) enables the example's TLS listener on a second port;
    ``http_extra`` is added to the http {} block before the example (test-only directives
    such as ``proxy_bind`` or ``add_header``, inherited by the example's location).
    """
    binary = nginx_binary()
    directory.mkdir(parents=True, exist_ok=True)
    for sub in ("logs", "temp"):
        (directory / sub).mkdir(exist_ok=True)
    port = free_port()
    ssl_port = free_port() if certificate is not None else None
    site = render_site(
        EXAMPLE.read_text(),
        upstream_ports,
        port,
        directory / "logs",
        ssl_port=ssl_port,
        certificate=certificate,
    )
    conf = directory / "nginx.conf"
    conf.write_text(render_main(directory, site, http_extra))
    args = [binary, "-p", f"{directory}/", "-c", str(conf), "-e", f"{directory}/logs/error.log"]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        raise NginxError(f"nginx -t failed:\n{checked.stderr}\n--- nginx.conf\n{conf.read_text()}")
    with (directory / "nginx.out").open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    nginx = Nginx(process, directory, port, ssl_port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NginxError(f"nginx exited with {process.returncode}:\n{nginx.log()}")
        if _accepts(port) and (ssl_port is None or _accepts(ssl_port)):
            return nginx
        time.sleep(0.05)
    nginx.stop()
    raise NginxError(f"nginx did not accept connections within {timeout} s:\n{nginx.log()}")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m tests.infra.nginx DIR PORT…", file=sys.stderr)
        return 2
    nginx = start_nginx(Path(argv[0]).resolve(), [int(p) for p in argv[1:]])
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # stop nginx on the way out
    print(f"nginx on http://127.0.0.1:{nginx.port}/ (pid {nginx.process.pid}); Ctrl-C stops it")
    try:
        nginx.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        nginx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
