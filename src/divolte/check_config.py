"""``divolte-collector check-config``: validate a configuration without starting anything.

Loads the configuration exactly as the collector would, then every schema and mapping
script, and prints the effective configuration (defaults filled in) and the graph of
sources → mappings → sinks. Exit status 0 when the collector would start with it, 1 when
not (every problem is printed, to stderr). Sink directories and brokers are not contacted.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from divolte.config import BrowserSourceConfig, Config, describe, load_config
from divolte.errors import ConfigError


def graph(config: Config) -> str:
    """One line per source: where it listens, and the mappings and sinks its events reach."""
    lines = ["# Sources -> mappings -> sinks"]
    for name, source in config.sources.items():
        if isinstance(source, BrowserSourceConfig):
            where = f"browser: {source.prefix}{source.javascript.name}, "
            where += f"{source.prefix}{source.event_suffix}"
        else:
            where = f"json: POST {source.event_path}"
        mappings = config.mappings_for_source(name)
        if not mappings:
            lines.append(f"#   {name} ({where}) -> no mapping: its events are not recorded")
        for mapping_name, mapping in mappings.items():
            sinks = ", ".join(
                sink if config.sink_type_enabled(config.sinks[sink]) else f"{sink} (disabled)"
                for sink in mapping.sinks
            )
            lines.append(f"#   {name} ({where}) -> {mapping_name} -> {sinks or 'no sink'}")
    return "\n".join(lines)


def _mapping_problems(config: Config) -> list[str]:
    from divolte.enrich.factory import build_enrichment
    from divolte.mapping.configured import build_mapping

    problems: list[str] = []
    try:
        enrichment = build_enrichment(config.global_, watch=False, announce=False)
    except ConfigError as error:
        return error.problems
    try:
        for name, mapping in config.mappings.items():
            build_mapping(name, mapping, enrichment, problems)
    finally:
        enrichment.close()
    return problems


def main(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog="divolte-collector check-config",
        description="Validate a configuration, its schemas and mapping scripts; print the "
        "effective configuration and the source -> mapping -> sink graph.",
    )
    parser.add_argument("--config", "-c", help="HOCON configuration file (or $DIVOLTE_CONF)")
    args = parser.parse_args(argv)
    path = args.config or os.environ.get("DIVOLTE_CONF") or None
    try:
        config = load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=err)
        print("The configuration is not valid.", file=err)
        return 1
    problems = _mapping_problems(config)
    print(describe(config), file=out)
    print(graph(config), file=out)
    if problems:
        for problem in problems:
            print(problem, file=err)
        print("The configuration is not valid.", file=err)
        return 1
    print("# The configuration is valid.", file=out)
    return 0
