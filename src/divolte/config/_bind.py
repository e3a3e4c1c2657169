"""Binding the merged tree to the model, collecting every problem instead of stopping.

A value that is wrong is reported and replaced by its default, so that one run lists all the
mistakes in a file. Source and sink entries that cannot be bound at all (no or unknown ``type``)
are left out and their names remembered in ``unbound`` so that later checks do not also call
them undefined.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from . import _coerce
from ._fields import KeyInfo, hocon_key, key_info, model_fields
from ._sinks import SINK_TYPES
from ._tree import NULL, Layer, Node, Path, Scalar
from .duration import Duration
from .model import SOURCE_TYPES, Config, GlobalConfig, MappingConfig

T = TypeVar("T")
_ROOT_KEYS = ("global", "sources", "sinks", "mappings")
_MISSING = object()


def dotted(path: Path) -> str:
    return ".".join(path)


def suggest(key: str, valid: list[str]) -> str | None:
    """The valid key closest to ``key``: same spelling modulo case, dashes and camelCase first."""
    norm = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).replace("-", "_").lower()
    for candidate in valid:
        if candidate.lower() == norm:
            return candidate
    close = difflib.get_close_matches(norm, valid, n=1, cutoff=0.6)
    return close[0] if close else None


class Binder:
    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.problems: list[str] = []
        self.unbound: set[str] = set()

    def where(self, path: Path) -> str:
        return self.layer.where(path)

    def error(self, path: Path, message: str) -> None:
        self.problems.append(f"{message}.{self.where(path)}")

    def unknown(self, path: Path, valid: list[str]) -> None:
        close = suggest(path[-1], valid)
        hint = f" (did you mean '{close}'?)" if close else ""
        listed = ", ".join(f"'{k}'" for k in valid)
        self.problems.append(
            f"Unknown key '{dotted(path)}'{hint}.{self.where(path)}"
            f"\n\tAvailable properties: {listed}."
        )

    def wrong(self, path: Path, node: Node, exc: _coerce.BadValue) -> None:
        if exc.expected is None:
            self.error(path, f"Invalid value for '{dotted(path)}': {exc}")
        else:
            detail = f" ({exc})" if str(exc) else ""
            found = _coerce.found(node)
            self.error(
                path,
                f"Wrong type for '{dotted(path)}': expected {exc.expected}, found {found}{detail}",
            )

    def object_at(self, node: Node | None, path: Path) -> dict[str, Node]:
        if node is None or node == NULL:
            return {}
        if isinstance(node, dict):
            return node
        self.error(
            path,
            f"Wrong type for '{dotted(path)}': expected an object, found {_coerce.found(node)}",
        )
        return {}

    def section(self, cls: type[T], node: Node | None, path: Path, *, typed: bool = False) -> T:
        """Bind ``node`` (None when absent) to model class ``cls``."""
        values = self.object_at(node, path)
        fields = model_fields(cls)
        known = [hocon_key(f) for f in fields] + (["type"] if typed else [])
        aliases = [a for a in (key_info(f).alias for f in fields) if a]
        for key in values:
            if key not in known and key not in aliases:
                self.unknown((*path, key), known)
        hints = get_type_hints(cls)
        kwargs: dict[str, Any] = {}
        for fld in fields:
            value = self.field(fld, hints[fld.name], values, path)
            if value is not _MISSING:
                kwargs[fld.name] = value
            elif _is_required(fld):  # already reported: a stand-in lets binding go on
                kwargs[fld.name] = _placeholder(hints[fld.name])
        return cls(**kwargs)

    def field(
        self, fld: dataclasses.Field[Any], hint: Any, values: dict[str, Node], path: Path
    ) -> Any:
        info = key_info(fld)
        key = hocon_key(fld)
        node, old = values.get(key), values.get(info.alias) if info.alias else None
        if node is not None and old is not None:
            self.error(
                (*path, key),
                f"Both '{dotted((*path, key))}' and its old name "
                f"'{info.alias}' are set; keep only '{key}'",
            )
            return _MISSING
        if old is not None and info.alias:
            old_path = (*path, info.alias)
            return self.checked(self.convert(_coerce.to_millis, old, old_path), info, old_path)
        if node is None:
            if _is_required(fld):
                self.error(
                    (*path, key), f"Missing required key '{dotted((*path, key))}' ({info.doc})"
                )
            return _MISSING
        value = self.convert(lambda n: self.typed(hint, info, n, (*path, key)), node, (*path, key))
        value = self.checked(value, info, (*path, key), nullable=_is_optional(hint))
        if isinstance(value, dict) and fld.default_factory is not dataclasses.MISSING:
            value = {**fld.default_factory(), **value}  # properties merge over their defaults
        return value

    def checked(self, value: Any, info: KeyInfo, path: Path, *, nullable: bool = False) -> Any:
        """``value`` if it keeps to the key's declared bounds and rule, else reported and
        ``_MISSING`` (so that the default stands in)."""
        if value is _MISSING or value is None:
            return value
        allowed = info.allowed()
        if allowed is not None and not info.in_bounds(value):
            self.error(
                path,
                f"Invalid value for '{dotted(path)}' ({info.doc}): {value} is out of range; "
                f"allowed: {allowed}{', or null' if nullable else ''}",
            )
            return _MISSING
        if info.rule is None:
            return value
        valid = True
        for entry_path, text in self.entries(value, path):
            try:
                info.rule(text)
            except ValueError as exc:
                self.error(entry_path, f"Invalid value for '{dotted(entry_path)}': {exc}")
                valid = False
        return value if valid else _MISSING

    def entries(self, value: Any, path: Path) -> list[tuple[Path, str]]:
        """What a rule checks: a string itself, each entry of a list or properties object."""
        if isinstance(value, tuple):
            return [(path, entry) for entry in value]
        if isinstance(value, dict):
            return [(self.entry_path(path, name), entry) for name, entry in value.items()]
        return [(path, value)]

    def entry_path(self, path: Path, name: str) -> Path:
        """The path of property ``name``: one key (``"a.b" = x``) or nested (``a.b = x``)."""
        return (*path, name) if (*path, name) in self.layer.origins else (*path, *name.split("."))

    def convert(self, fn: Callable[[Node], Any], node: Node, path: Path) -> Any:
        try:
            return fn(node)
        except _coerce.BadValue as exc:
            self.wrong(path, node, exc)
            return _MISSING

    def typed(self, hint: Any, info: KeyInfo, node: Node, path: Path) -> Any:
        origin, args = get_origin(hint), get_args(hint)
        if origin in (Union, types.UnionType) and type(None) in args:
            if isinstance(node, Scalar) and node.kind == "null":
                return None
            hint = next(a for a in args if a is not type(None))
            origin, args = get_origin(hint), get_args(hint)
        if dataclasses.is_dataclass(hint):
            return self.section(hint, node, path)  # type: ignore[arg-type]
        if origin is Literal:
            return _coerce.to_choice(node, [str(a) for a in args], info.ignore_case)
        if origin is tuple:
            return _coerce.to_names(node)
        if origin is dict:
            return _coerce.to_properties(node)
        simple = {
            bool: _coerce.to_bool,
            float: _coerce.to_float,
            str: _coerce.to_str,
            Duration: _coerce.to_duration,
        }
        if hint is int:
            return _coerce.to_int(node, info.bits)
        return simple[hint](node)

    def typed_map(
        self, node: Node, registry: Mapping[str, type[Any]], what: str, path: Path
    ) -> dict[str, Any]:
        """A ``sources`` or ``sinks`` section: entries told apart by their ``type`` key."""
        result: dict[str, Any] = {}
        for name, entry in self.object_at(node, path).items():
            entry_path = (*path, name)
            values = self.object_at(entry, entry_path)
            kind = values.get("type")
            cls = registry.get(kind.text) if isinstance(kind, Scalar) else None
            if cls is None:
                self.unbound.add(name)
                self.bad_type(kind, list(registry), what, (*entry_path, "type"))
                continue
            result[name] = self.section(cls, values, entry_path, typed=True)
        return result

    def bad_type(self, kind: Node | None, valid: list[str], what: str, path: Path) -> None:
        choices = ", ".join(valid)
        if kind is None:
            self.error(
                path,
                f"Missing required key '{dotted(path)}': every {what} needs a type ({choices})",
            )
            return
        text = kind.text if isinstance(kind, Scalar) else ""
        close = suggest(text, valid) if text else None
        hint = f" (did you mean '{close}'?)" if close else ""
        self.error(
            path,
            f"Unknown {what} type {_coerce.found(kind)} at '{dotted(path)}'{hint}; "
            f"valid types: {choices}",
        )

    def mappings(self, node: Node, path: Path) -> dict[str, MappingConfig]:
        return {
            name: self.section(MappingConfig, entry, (*path, name))
            for name, entry in self.object_at(node, path).items()
        }


def _is_required(fld: dataclasses.Field[Any]) -> bool:
    no_factory = fld.default_factory is dataclasses.MISSING
    return fld.default is dataclasses.MISSING and no_factory


def _is_optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


def _placeholder(hint: Any) -> Any:
    """A stand-in for a missing required value, so that binding can go on."""
    return () if get_origin(hint) is tuple else ""


def bind(layer: Layer, origin: str) -> tuple[Config, list[str], set[str]]:
    """The model for ``layer``; returns the config, the problems and the unbound names."""
    binder = Binder(layer)
    path: Path = ("divolte",)
    root = binder.object_at(layer.tree.get("divolte"), path)
    for key in root:
        if key not in _ROOT_KEYS:
            binder.unknown((*path, key), list(_ROOT_KEYS))
    present = {k: v for k, v in root.items() if v != NULL}  # null: as if absent
    kwargs: dict[str, Any] = {"origin": origin}
    kwargs["global_"] = binder.section(GlobalConfig, root.get("global"), (*path, "global"))
    if "sources" in present:
        kwargs["sources"] = binder.typed_map(
            present["sources"], SOURCE_TYPES, "source", (*path, "sources")
        )
    if "sinks" in present:
        kwargs["sinks"] = binder.typed_map(present["sinks"], SINK_TYPES, "sink", (*path, "sinks"))
    if "mappings" in present:
        kwargs["mappings"] = binder.mappings(present["mappings"], (*path, "mappings"))
    return Config(**kwargs), binder.problems, binder.unbound
