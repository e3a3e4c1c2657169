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

Our own rules (paths that collide) name the keys and their file and line instead.

Not checked here: HDFS directories (the sink checks them at start-up), schema files, mapping
scripts and other things CONFIG.md §9.3 lists as start-up failures.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from ..errors import ConfigError
from ._tree import Layer, Path
from .model import (
    JAVASCRIPT_NAME_PATTERN,
    BrowserSourceConfig,
    Config,
    GcsSinkConfig,
    KafkaSinkConfig,
    MappingConfig,
)

BUILT_IN_PATHS = ("/ping", "/health", "/health/sinks")
"""The collector's own endpoints, always served: ``http/health.py`` and ``observability.py``
register them (``tests/unit/test_config_validation.py`` keeps :func:`routes` equal to what
the collector registers)."""


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


def check(config: Config, unbound: Collection[str] = (), layer: Layer | None = None) -> list[str]:
    """Every §9.1 rule that ``config`` breaks, as messages in the reference's words, then ours.

    ``unbound`` names sources and sinks that exist but could not be bound (already reported),
    so that mappings using them are not also told they are undefined. ``layer`` is where the
    settings came from, for the file and line of our rules' messages.
    """
    return [
        *_reference_problems(config, unbound),
        *_schema_problems(config),
        *_confluent_problems(config),
        *_jitter_problems(config),
        *_javascript_problems(config),
        *_pubsub_problems(config),
        *_route_problems(config, layer or Layer()),
    ]


@dataclass(frozen=True)
class Route:
    """A path the collector will serve exactly, and the configuration keys that make it."""

    path: str
    what: str
    """How a message names it, with its keys: ``the events of source 'app' ('…event_path')``."""
    keys: tuple[Path, ...] = ()
    """The keys that make the path, most specific first; empty for a built-in endpoint."""


def routes(config: Config) -> list[Route]:
    """Every exact path the collector serves with ``config``, built-in endpoints first.

    The demo pages are not among them: they are a catch-all for paths without a route, so a
    JSON source at ``/`` shadowing the demo page is allowed (as in the reference).
    """
    found = [Route(path, f"the collector's own {path} endpoint") for path in BUILT_IN_PATHS]
    metrics = config.global_.metrics
    if metrics.enabled:
        key = ("divolte", "global", "metrics", "path")
        found.append(Route(metrics.path, f"the metrics endpoint ('{_dotted(key)}')", (key,)))
    inspector = config.global_.inspector
    if inspector.enabled:
        key = ("divolte", "global", "inspector", "path")
        page = inspector.path.rstrip("/") or "/inspector"  # as divolte.inspector.Inspector does
        found.append(Route(page, f"the inspector page ('{_dotted(key)}')", (key,)))
        events = f"the inspector's event stream ('{_dotted(key)}' + '/events')"
        found.append(Route(page + "/events", events, (key,)))
    for name, source in config.sources.items():
        base = ("divolte", "sources", name)
        if isinstance(source, BrowserSourceConfig):
            prefix, tag = (*base, "prefix"), (*base, "javascript", "name")
            suffix = (*base, "event_suffix")
            found.append(
                Route(
                    source.prefix + source.javascript.name,
                    f"the tag of source '{name}' ('{_dotted(prefix)}' + '{_dotted(tag)}')",
                    (tag, prefix, base),
                )
            )
            found.append(
                Route(
                    source.prefix + source.event_suffix,
                    f"the events of source '{name}' ('{_dotted(prefix)}' + '{_dotted(suffix)}')",
                    (suffix, prefix, base),
                )
            )
        else:
            key = (*base, "event_path")
            found.append(
                Route(
                    source.event_path, f"the events of source '{name}' ('{_dotted(key)}')", (key,)
                )
            )
    return found


def _route_problems(config: Config, layer: Layer) -> list[str]:
    """Two routes on one path: the later would silently replace the earlier."""
    problems = []
    first: dict[str, Route] = {}
    for route in routes(config):
        earlier = first.setdefault(route.path, route)
        if earlier is route:
            continue
        # Point at a key the configuration spells out: the later one's, else the earlier one's.
        at, other = (earlier, route) if _set_key(route, layer) is None else (route, earlier)
        key = _set_key(at, layer) or (at.keys or other.keys)[0]
        where = _set_key(other, layer)
        elsewhere = f" ({layer.origins[where].describe()})" if where else ""
        problems.append(
            f"Path '{route.path}' is used by both {other.what}{elsewhere} and {at.what}; "
            "every source and endpoint needs a path of its own, different from "
            f"{', '.join(BUILT_IN_PATHS)} and the metrics and inspector paths."
            f"{layer.where(key)}"
        )
    return problems


def _set_key(route: Route, layer: Layer) -> Path | None:
    """The route's most specific key that the configuration spells out, if any."""
    return next((key for key in route.keys if key in layer.origins), None)


def _dotted(path: Path) -> str:
    return ".".join(path)


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
