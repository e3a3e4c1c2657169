"""Loading: layers merged in the reference's order (CONFIG.md §1), then bound and checked.

Lowest to highest priority:

1. the built-in defaults, declared once in the model (what the reference's ``reference.conf``
   holds) and filled in while binding;
2. the three environment variables ``reference.conf`` substitutes (``DIVOLTE_PORT``,
   ``DIVOLTE_KAFKA_BROKER_LIST``, ``DIVOLTE_KAFKA_CLIENT_ID``);
3. the user's file, deep-merged over the above by the HOCON reader, which resolves its
   ``${?ENV}`` and ``${path}`` substitutions with the defaults in view (see ``_hocon.py``);
4. ``overrides``: dotted keys such as ``divolte.global.server.port``, like the reference's
   ``-D`` system properties.

Without a file, nothing is parsed: the defaults are filled in while binding.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from . import validate
from ._bind import bind
from ._hocon import read_file
from ._tree import Layer, Origin, Scalar, layer_from_paths, merge, to_python
from .describe import to_plain
from .model import Config, GlobalConfig

# Environment variable → the key reference.conf substitutes it into.
ENVIRONMENT_KEYS: dict[str, tuple[str, ...]] = {
    "DIVOLTE_PORT": ("divolte", "global", "server", "port"),
    "DIVOLTE_KAFKA_BROKER_LIST": ("divolte", "global", "kafka", "producer", "bootstrap", "servers"),
    "DIVOLTE_KAFKA_CLIENT_ID": ("divolte", "global", "kafka", "producer", "client", "id"),
}


def environment_layer(env: Mapping[str, str]) -> Layer:
    """The values ``reference.conf`` takes from the environment, when they are set."""
    layer = Layer()
    for variable, path in ENVIRONMENT_KEYS.items():
        if variable not in env:
            continue
        node: Any = Scalar(env[variable], "string")
        for part in reversed(path):
            node = {part: node}
        layer = merge(layer, Layer(node, {path: Origin(f"environment variable {variable}")}))
    return layer


def _defaults(env_layer: Layer) -> dict[str, Any]:
    """Defaults plus environment as plain data, to lay under the user's file."""
    global_ = to_plain(GlobalConfig(), aliased=False)
    bootstrap = global_["kafka"]["producer"]["bootstrap"]
    bootstrap["servers"] = [bootstrap["servers"]]  # a list in reference.conf, so += works
    return _deep_update({"divolte": {"global": global_}}, to_python(env_layer.tree))


def _deep_update(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


def load_config(
    path: str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """The validated configuration; raises :class:`~divolte.errors.ConfigError` listing every
    problem. ``path`` is the user's HOCON file (None: defaults only), ``env`` the environment
    (default ``os.environ``), ``overrides`` dotted keys that win over everything."""
    env = os.environ if env is None else env
    layer = environment_layer(env)
    problems: list[str] = []
    origin = "built-in defaults"
    if path is not None:
        user, own_keys = read_file(path, env, _defaults(layer))
        problems += validate.root_problems(own_keys, path)
        layer, origin = merge(layer, user), path
    if overrides:
        layer = merge(layer, layer_from_paths(overrides, "override '{key}'"))
    config, binding_problems, unbound = bind(layer, origin)
    problems += binding_problems
    config = _with_project_id(config, env)
    problems += validate.check(config, unbound, layer)
    validate.raise_if_problems(problems)
    return config


def _with_project_id(config: Config, env: Mapping[str, str]) -> Config:
    """Fill in the discovered Google Cloud project when Pub/Sub is on and none is configured."""
    gcps = config.global_.gcps
    if not gcps.enabled or gcps.project_id:
        return config
    discovered = validate.discover_gcp_project(env)
    if discovered is None:
        return config
    new_global = dataclasses.replace(
        config.global_, gcps=dataclasses.replace(gcps, project_id=discovered)
    )
    return dataclasses.replace(config, global_=new_global)
