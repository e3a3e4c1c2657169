"""Configuration checks after binding (CONFIG.md §9.1) and the rule for the ``divolte`` root.

Every problem is collected; :func:`raise_if_problems` then raises one
:class:`~divolte.errors.ConfigError` holding all of them. Rule messages keep the reference's
text (``Property '<path>' <message>. Found: '<value>'.``, doubled full stop included) because
users and tests search for it; the ``Found`` part is our compact summary rather than Java's
object dump.

**The ``divolte`` root (our decision).** No file, or a file without any setting (empty, only
comments), means "all defaults": unlike the reference, which reports an empty configuration as
invalid. A file that *does* set something but has no ``divolte`` key is an error, because such
a file is nearly always a forgotten ``divolte { … }`` wrapper whose settings would otherwise be
ignored without a word.

Not checked here: HDFS directories (the sink checks them at start-up), schema files, mapping
scripts and other things CONFIG.md §9.3 lists as start-up failures.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Mapping

from ..errors import ConfigError
from .model import (
    JAVASCRIPT_NAME_PATTERN,
    BrowserSourceConfig,
    Config,
    GcsSinkConfig,
    KafkaSinkConfig,
    MappingConfig,
)


def root_problems(own_keys: list[str], path: str) -> list[str]:
    """The file sets something but not under ``divolte``: say so (see the module doc).

    ``own_keys`` are the top-level keys the file itself sets.
    """
    if not own_keys or "divolte" in own_keys:
        return []
    keys = ", ".join(f"'{k}'" for k in own_keys)
    wrapped = {"global", "sources", "sinks", "mappings"} & set(own_keys)
    hint = (
        " Did you forget to wrap them in 'divolte { … }'?"
        if wrapped
        else " Every setting lives under 'divolte', e.g. 'divolte.global.server.port'."
    )
    return [
        f"No configuration setting found for key 'divolte' in '{path}': the file sets "
        f"only {keys}.{hint}"
    ]


def _property(path: str, message: str, found: str) -> str:
    return f"Property '{path}' {message}. Found: '{found}'."


def _listing(names: Iterable[str]) -> str:
    return "[" + ", ".join(names) + "]"


def _class_rule(config: Config, message: str) -> str:
    """A rule about the whole configuration: empty path, the mappings as the found value."""
    routes = "; ".join(
        f"{name}: {_listing(m.sources)} -> {_listing(m.sinks)}"
        for name, m in config.mappings.items()
    )
    return _property("divolte.", message, routes)


def check(config: Config, unbound: Collection[str] = ()) -> list[str]:
    """Every §9.1 rule that ``config`` breaks, as messages in the reference's words.

    ``unbound`` names sources and sinks that exist but could not be bound (already reported),
    so that mappings using them are not also told they are undefined.
    """
    return [
        *_reference_problems(config, unbound),
        *_schema_problems(config),
        *_confluent_problems(config),
        *_jitter_problems(config),
        *_javascript_problems(config),
        *_pubsub_problems(config),
    ]


def _reference_problems(config: Config, unbound: Collection[str]) -> list[str]:
    problems = []
    defined = set(config.sources) | set(config.sinks) | set(unbound)
    used = {n for m in config.mappings.values() for n in (*m.sources, *m.sinks)}
    if used - defined:
        problems.append(
            _class_rule(
                config,
                "The following sources and/or sinks were used in a mapping but never defined: "
                f"{_listing(sorted(used - defined))}.",
            )
        )
    colliding = [name for name in config.sources if name in config.sinks]
    if colliding:
        problems.append(
            _class_rule(
                config,
                "Source and sink names cannot collide (must be globally unique). The following "
                f"names were both used as source and as sink: {_listing(colliding)}.",
            )
        )
    return problems


def _feeding(config: Config) -> dict[str, list[MappingConfig]]:
    """For each sink name used by a mapping, the mappings writing to it."""
    feeding: dict[str, list[MappingConfig]] = {}
    for mapping in config.mappings.values():
        for sink_name in mapping.sinks:
            feeding.setdefault(sink_name, []).append(mapping)
    return feeding


def _schema_problems(config: Config) -> list[str]:
    sinks = [
        name
        for name, mappings in _feeding(config).items()
        if len({m.schema_file for m in mappings}) > 1
    ]
    if not sinks:
        return []
    return [
        _class_rule(
            config,
            "Any sink can only use one schema. The following sinks have multiple mappings with "
            f"different schema's linked to them: {_listing(sinks)}.",
        )
    ]


def _confluent_problems(config: Config) -> list[str]:
    problems = []
    confluent = {
        name
        for name, sink in config.sinks.items()
        if isinstance(sink, KafkaSinkConfig) and sink.mode == "confluent"
    }
    missing = [
        name
        for name, m in config.mappings.items()
        if m.confluent_id is None and confluent & set(m.sinks)
    ]
    if missing:
        problems.append(
            _class_rule(
                config,
                "Mappings used by sinks in Confluent-mode must have their 'confluent_id' attribute "
                f"set. The following mappings are missing this: {_listing(missing)}.",
            )
        )
    conflicting = [
        name
        for name, mappings in _feeding(config).items()
        if len({m.confluent_id for m in mappings} - {None}) > 1
    ]
    if conflicting:
        problems.append(
            _class_rule(
                config,
                "Any sink can only use one confluent identifier. The following sinks have multiple "
                f"mappings with different 'confluent_id' attributes: {_listing(conflicting)}.",
            )
        )
    return problems


def _jitter_problems(config: Config) -> list[str]:
    problems = []
    for name, sink in config.sinks.items():
        if not isinstance(sink, GcsSinkConfig):
            continue
        retry = sink.retry_settings
        if retry.jitter_factor is not None and retry.jitter_delay is not None:
            problems.append(
                _property(
                    f"divolte.sinks[{name}].retrySettings",
                    "Retry settings may specify a jitter duration or factor, but not both.",
                    f"jitter_delay = {retry.jitter_delay}, jitter_factor = {retry.jitter_factor}",
                )
            )
    return problems


def _javascript_problems(config: Config) -> list[str]:
    return [
        _property(
            f"divolte.sources[{name}].javascript.name",
            f'must match "{JAVASCRIPT_NAME_PATTERN.pattern}"',
            source.javascript.name,
        )
        for name, source in config.sources.items()
        if isinstance(source, BrowserSourceConfig)
        and not JAVASCRIPT_NAME_PATTERN.match(source.javascript.name)
    ]


def _pubsub_problems(config: Config) -> list[str]:
    gcps = config.global_.gcps
    if not gcps.enabled or gcps.project_id:
        return []
    return [
        _property(
            "divolte.global.gcps",
            "A configured or default Google Cloud project id must be available if Pub/Sub support "
            "is enabled.",
            "project_id = null",
        )
    ]


def discover_gcp_project(env: Mapping[str, str]) -> str | None:
    """The default Google Cloud project, as far as it can be found without the network.

    Looks at ``GOOGLE_CLOUD_PROJECT``, ``GCLOUD_PROJECT``, then the ``project_id`` of the
    credentials file named by ``GOOGLE_APPLICATION_CREDENTIALS``. (The reference also asks the
    GCE metadata service; we do not, so on GCE set ``project_id`` or the variable.)
    """
    for variable in ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"):
        if env.get(variable):
            return env[variable]
    credentials = env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if credentials and os.path.isfile(credentials):
        try:
            with open(credentials, encoding="utf-8") as handle:
                project = json.load(handle).get("project_id")
        except (OSError, ValueError, AttributeError):
            return None
        return project if isinstance(project, str) and project else None
    return None


def raise_if_problems(problems: list[str]) -> None:
    """Raise one :class:`ConfigError` with every problem, if there is any."""
    if problems:
        raise ConfigError(problems)
