"""The ``divolte-collector`` command.

    divolte-collector [--config FILE]        run the collector (also: ``run``)
    divolte-collector avro-cat FILE...       print Avro records as JSON lines

The configuration file may also be named by ``DIVOLTE_CONF``; without one the collector
runs on the built-in defaults (the reference's defaults).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from divolte import __version__

log = logging.getLogger("divolte.server")

LOG_FORMAT = "%(asctime)s [%(processName)s] %(levelname)-6s[%(name)s]: %(message)s"


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, stream=sys.stdout)


def _run(args: argparse.Namespace) -> int:
    from divolte.config import load_config
    from divolte.errors import ConfigError
    from divolte.supervisor import Supervisor, bind, run_single

    path = args.config or os.environ.get("DIVOLTE_CONF") or None
    try:
        config = load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            log.error("%s", problem)
        log.error("There are configuration errors. Exiting server.")
        return 1
    log.info("Divolte collector %s; configuration: %s", __version__, path or "built-in defaults")
    server = config.global_.server
    workers = server.workers or os.cpu_count() or 1
    try:
        sock = bind(server.host or "127.0.0.1", server.port, listen=workers == 1)
    except OSError as error:
        log.error("Cannot listen on %s:%s: %s", server.host or "127.0.0.1", server.port, error)
        return 1
    log.info("Running %d worker process%s.", workers, "" if workers == 1 else "es")
    try:
        if workers == 1:
            return run_single(config, sock)
        return Supervisor(config, sock, workers).run()
    except ConfigError as error:
        for problem in error.problems:
            log.error("%s", problem)
        log.error("There are configuration errors. Exiting server.")
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="divolte-collector",
        description="Clickstream collector compatible with Divolte Collector.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-level", default="info", help="root log level (default: info)")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the collector (the default command)")
    parser.add_argument("--config", "-c", help="HOCON configuration file (or $DIVOLTE_CONF)")
    run.add_argument("--config", "-c", default=argparse.SUPPRESS, help="same as above")
    cat = commands.add_parser("avro-cat", help="print the records of Avro files as JSON lines")
    cat.add_argument("rest", nargs=argparse.REMAINDER, help="files and options (see avro-cat -h)")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["avro-cat"]:
        # avro-cat owns its options (e.g. ``--schema`` before the files).
        from divolte.avro_cat import main as avro_cat_main

        return avro_cat_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    _configure_logging(args.log_level)
    return _run(args)
