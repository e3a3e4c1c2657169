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
from typing import TYPE_CHECKING

from divolte import __version__

if TYPE_CHECKING:
    from divolte.config import Config

log = logging.getLogger("divolte.server")


def _configure_logging(args: argparse.Namespace, config: Config | None = None) -> None:
    """Command-line options first, then the configuration (``divolte.global.logging``)."""
    from divolte import logs

    settings = config.global_.logging if config is not None else None
    logs.setup(
        level=args.log_level or (settings.level if settings else "info"),
        log_format=args.log_format or (settings.format if settings else "human"),
        levels=settings.levels if settings else None,
        repeat_interval=settings.repeat_interval.seconds if settings else 60.0,
    )


def _run(args: argparse.Namespace) -> int:
    from divolte.config import load_config
    from divolte.errors import ConfigError
    from divolte.supervisor import Supervisor, bind, run_single

    path = args.config or os.environ.get("DIVOLTE_CONF") or None
    try:
        config = load_config(path)
        _configure_logging(args, config)
    except (ConfigError, ValueError) as error:
        for problem in error.problems if isinstance(error, ConfigError) else [str(error)]:
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
    parser.add_argument(
        "--log-level", help="level of every component without its own (default: info)"
    )
    parser.add_argument(
        "--log-format",
        choices=["human", "json"],
        help="human-readable lines (default) or one JSON object per line",
    )
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the collector (the default command)")
    parser.add_argument("--config", "-c", help="HOCON configuration file (or $DIVOLTE_CONF)")
    run.add_argument("--config", "-c", default=argparse.SUPPRESS, help="same as above")
    commands.add_parser(
        "check-config", help="validate a configuration and print it with its graph (see -h)"
    )
    commands.add_parser(
        "mapping-test", help="run events through a mapping and print the records (see -h)"
    )
    cat = commands.add_parser("avro-cat", help="print the records of Avro files as JSON lines")
    cat.add_argument("rest", nargs=argparse.REMAINDER, help="files and options (see avro-cat -h)")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["avro-cat"]:
        # avro-cat owns its options (e.g. ``--schema`` before the files).
        from divolte.avro_cat import main as avro_cat_main

        return avro_cat_main(arguments[1:])
    if arguments[:1] == ["check-config"]:
        from divolte.check_config import main as check_config_main

        return check_config_main(arguments[1:])
    if arguments[:1] == ["mapping-test"]:
        from divolte.mapping_test import main as mapping_test_main

        return mapping_test_main(arguments[1:])
    parser = build_parser()
    args = parser.parse_args(arguments)
    try:
        _configure_logging(args)
    except ValueError as error:
        parser.error(str(error))
    return _run(args)
