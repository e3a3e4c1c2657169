"""Reading a user's HOCON file with ``hocon-parser`` (import name ``hocon``).

Why this library: pyhocon 0.3.63 loses ``port`` after ``port = 8290`` / ``port = ${?X}`` when a
later block touches the same object, turns ``+=`` into a replacement, converts durations to
``relativedelta`` and accepts ``not = //allowed``; hocon-parser gets all of these right (see
``tests/unit/test_config_hocon.py``).

Layering as the reference does it: the built-in defaults are put in front of the user's text as
one JSON field on the same line (``"divolte":{…},``), and the whole is parsed and resolved in one
go, so ``${divolte.global.server.port}`` and ``+=`` see the defaults and line numbers stay those
of the user's file. (hocon-parser's deferred ``with_fallback``/``resolve_with`` path drops keys
of ``b = ${a}`` followed by ``b { y = 2 }``; its one-shot parse does not.) Keys that have an old
alias are left out of that prefix so that a user's old name does not clash with a default.

Line numbers: resolved values carry no position, so :func:`_walk` goes through the parser's AST
(an internal API of hocon-parser, hence the broad fallback: without it errors just lack a line).
Keys that arrive through a ``${path}`` reference get the line of the nearest enclosing key the
file itself spells out.

Size: substitutions can double a value at every step (``v1 = ${v0}${v0}``, ``v2 = ${v1}${v1}``,
…), and hocon-parser expands them in full, taking memory and time exponential in the number of
lines. So before resolving, :class:`_Sizer` bounds from above the size every key will have
once resolved, from the same AST walk, in time linear in the file, and a configuration that
may grow past :data:`MAX_RESOLVED_CHARS` is refused. (Only files reached by ``include
"file"`` / ``include file(…)`` are measured, like the positions.)

Encoding: files are UTF-8 (a byte-order mark is allowed); anything else is reported with the
line and column of the first byte that is not.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import hocon

from ..errors import ConfigError
from ._tree import Layer, Node, Origin, Path, Scalar

_SKIPPED = re.compile(r"(?:\s+|//[^\n]*|#[^\n]*)*")

MAX_RESOLVED_CHARS: Final = 1_000_000
"""The most characters a configuration may hold, as written and with its substitutions
expanded (1 MB: a hundred times a large configuration; under it hocon-parser needs well under a
second and 100 MB even for nested objects, its most costly kind of value)."""


def read_file(
    path: str, env: Mapping[str, str], defaults: dict[str, Any]
) -> tuple[Layer, list[str]]:
    """The user's file over ``defaults`` as a layer, and the top-level keys the file itself sets.

    Unreadable files, syntax and substitution errors and configurations too large once
    resolved raise :class:`ConfigError`.
    """
    text = _read_text(path)
    if len(text) > MAX_RESOLVED_CHARS:
        raise ConfigError(
            [
                f"Invalid configuration file '{path}': it holds {len(text):,} characters, more "
                f"than the {MAX_RESOLVED_CHARS:,} (1 MB) a configuration may hold."
            ]
        )
    base_dir = os.path.dirname(os.path.abspath(path))
    own = _parse(text, path, base_dir, env, resolve=False)
    walked = _walk(text, path, base_dir)
    if walked is not None:
        _check_size(walked, env, defaults, path)
    prefix = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in defaults.items())
    at = _body_start(text)
    resolved = _parse(text, path, base_dir, env, insert=(at, prefix))
    tree = {key: _convert(resolved.get_value(json.dumps(key))) for key in resolved}
    return Layer(tree, walked.positions if walked else {}), list(own)


def _read_text(path: str) -> str:
    """The text of ``path``, which must be UTF-8 (a byte-order mark is skipped)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError([f"Cannot read configuration file '{path}': {exc.strerror}."]) from exc
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([_not_utf8(path, body, exc.start, exc.reason)]) from None


def _not_utf8(path: str, data: bytes, at: int, reason: str) -> str:
    """Where the first byte that is not UTF-8 is, as line and column (in characters)."""
    start = data.rfind(b"\n", 0, at) + 1
    end = data.find(b"\n", at)
    line_text = data[start : len(data) if end < 0 else end].decode("utf-8", "replace")
    line = data.count(b"\n", 0, at) + 1
    column = len(data[start:at].decode("utf-8", "replace")) + 1
    origin = Origin(path, line, column, line_text.removesuffix("\r"))
    return (
        f"Cannot read configuration file '{path}': it is not UTF-8 text (byte 0x{data[at]:02x} "
        f"at line {line}, column {column}: {reason}). Save the file as UTF-8; other encodings "
        f"are not supported.\n\tLocation: {origin.describe()}.{origin.excerpt()}"
    )


def _parse(
    text: str,
    path: str,
    base_dir: str,
    env: Mapping[str, str],
    *,
    resolve: bool = True,
    insert: tuple[int, str] = (0, ""),
) -> hocon.Config:
    """Parse ``text`` with ``insert[1]`` inserted at ``insert[0]``; errors name the user's file."""
    at, prefix = insert
    try:
        return hocon.parse(
            text[:at] + prefix + text[at:],
            base_dir=base_dir,
            env=dict(env),
            resolve_substitutions=resolve,
        )
    except (hocon.ParseError, hocon.ResolveError) as exc:
        raise ConfigError([_syntax_message(exc, path, text, at, len(prefix))]) from exc
    except hocon.ConfigError as exc:
        raise ConfigError([f"Invalid configuration file '{path}': {exc}."]) from exc
    except UnicodeDecodeError as exc:  # an included file: the walk names it when it finds it
        _walk(text, path, base_dir)
        raise ConfigError(
            [
                f"Invalid configuration file '{path}': a file it includes is not UTF-8 text "
                f"({exc.reason}). Save it as UTF-8; other encodings are not supported."
            ]
        ) from exc


def _body_start(text: str) -> int:
    """Where the root object's fields start: after an explicit root ``{``, else at 0."""
    skipped = _SKIPPED.match(text)
    end = skipped.end() if skipped else 0
    return end + 1 if text[end : end + 1] == "{" else 0


def _convert(value: Any) -> Node:
    if value is None:  # a key listed by iteration is always present
        raise AssertionError("hocon-parser listed a key it cannot find")
    # Some hocon-parser 1.14.2 code paths leave objects inside arrays as its internal ResObj,
    # which has the same ``fields``: accept anything object-shaped.
    if isinstance(value, hocon.HoconObject) or isinstance(getattr(value, "fields", None), dict):
        return {key: _convert(item) for key, item in value.fields.items()}
    if isinstance(value, hocon.HoconArray):
        return [_convert(item) for item in value.items]
    return Scalar(value.raw, value.value_type)


def _syntax_message(
    exc: hocon.ParseError | hocon.ResolveError, path: str, text: str, at: int = 0, shift: int = 0
) -> str:
    message = str(exc)
    column = exc.col
    if shift and exc.line == text.count("\n", 0, at) + 1 and column > at - text.rfind("\n", 0, at):
        column -= shift  # the defaults were inserted on this line
    for prefix in (f"{path}: ", f"{exc.file}: "):
        message = message.removeprefix(prefix)
    where = exc.file or path
    if exc.line <= 0:
        return f"{where}: {message}."
    lines = _lines(text)
    line_text = lines[exc.line - 1] if exc.line <= len(lines) and where == path else None
    origin = Origin(where, exc.line, column, line_text)
    return f"Invalid HOCON: {message}.\n\tLocation: {origin.describe()}.{origin.excerpt()}"


def _lines(text: str) -> list[str]:
    """The lines as HOCON counts them (only LF ends a line), without a CR before the LF."""
    return [line.removesuffix("\r") for line in text.split("\n")]


@dataclass
class _Walked:
    """What the AST walk found: where each key is set, and every value set for it."""

    positions: dict[Path, Origin] = field(default_factory=dict)
    values: dict[Path, list[tuple[Any, Path, bool]]] = field(default_factory=dict)
    """Key path → (AST value, path of the include it was read under, ``+=``), in file order."""


def _walk(text: str, path: str, base_dir: str) -> _Walked | None:
    """Best effort: None when hocon-parser's internals are not what this code expects."""
    try:
        return _walk_file(text, path, base_dir, (), depth=0)
    except ConfigError:
        raise
    except Exception:  # an internal API of hocon-parser; positions are only a courtesy
        return None


def _walk_file(text: str, path: str, base_dir: str, prefix: Path, depth: int) -> _Walked:
    from hocon._internal.lexer.lexer import tokenize
    from hocon._internal.parser.parser import parse_tokens

    lines = _lines(text)
    found = _Walked()

    def visit(node: Any, at: Path) -> None:
        kind = getattr(node, "kind", None)
        if kind == "concat":
            for part in node.nodes:
                visit(part, at)
        if kind != "object":
            return
        for fld in node.fields:
            if not fld.key:
                _include(fld.value, at)
                continue
            key_path = at + tuple(fld.key)
            line = fld.pos.line
            line_text = lines[line - 1] if 0 < line <= len(lines) else None
            found.positions[key_path] = Origin(path, line, fld.pos.col, line_text)
            found.values.setdefault(key_path, []).append((fld.value, prefix, bool(fld.append)))
            visit(fld.value, key_path)

    def _include(include: Any, at: Path) -> None:
        if depth >= 8 or include.qualifier.kind not in ("bare", "file"):
            return
        target = include.path
        if include.qualifier.kind == "bare" and not os.path.isabs(target):
            target = os.path.join(base_dir, target)
        if os.path.isfile(target):
            inner = _read_text(target)
            nested = _walk_file(inner, target, os.path.dirname(target), at, depth + 1)
            found.positions.update(nested.positions)  # in document order: a later one wins
            for key_path, values in nested.values.items():
                found.values.setdefault(key_path, []).extend(values)

    visit(parse_tokens(tokenize(text)), prefix)
    return found


class _TooLarge(Exception):
    def __init__(self, path: Path) -> None:
        self.path = path


def _check_size(
    walked: _Walked, env: Mapping[str, str], defaults: dict[str, Any], path: str
) -> None:
    """Refuse a configuration whose substitutions may expand past :data:`MAX_RESOLVED_CHARS`."""
    sizer = _Sizer(walked.values, env, defaults)
    try:
        if sizer.size(()) <= MAX_RESOLVED_CHARS:
            return
        key_path: Path = (max(sizer.children[()], key=lambda key: sizer.size((key,))),)
        what = f"the configuration may grow past {MAX_RESOLVED_CHARS:,} characters, the most "
        what += f"it may hold (1 MB); its largest key is '{key_path[0]}'"
    except _TooLarge as exc:
        key_path = exc.path
        what = f"'{'.'.join(key_path)}' may grow past {MAX_RESOLVED_CHARS:,} characters, the "
        what += "most a whole configuration may hold (1 MB)"
    except RecursionError:  # references nested thousands deep: leave it to hocon-parser
        return
    raise ConfigError(
        [
            f"Invalid configuration file '{path}': once its substitutions are expanded, {what}. "
            "Look for substitutions that repeat each other (b = ${a}${a}, c = ${b}${b}, …): "
            f"each one doubles the size.{Layer(origins=walked.positions).where(key_path)}"
        ]
    )


class _Sizer:
    """An upper bound of the characters each key holds once resolved (JSON-like rendering).

    Linear in the file: each key is sized once. A key's size is that of its last value (an
    object or a ``+=`` adds to the earlier ones instead) plus its sub-keys; a substitution
    counts the size of the key it names (the nearest one the file sets), plus its default and
    the environment variable of that name. A reference to the key being sized
    (``a = ${a} [x]``) counts its value so far.
    """

    def __init__(
        self,
        values: dict[Path, list[tuple[Any, Path, bool]]],
        env: Mapping[str, str],
        defaults: dict[str, Any],
    ) -> None:
        self.values = values
        self.env = env
        self.defaults = defaults
        self.children: dict[Path, list[str]] = {(): []}
        for key_path in values:
            for end in range(len(key_path)):
                siblings = self.children.setdefault(key_path[:end], [])
                if key_path[end] not in siblings:
                    siblings.append(key_path[end])
        self.sized: dict[Path, int] = {}
        self.sizing: dict[Path, int] = {}
        """Keys being sized, with their value so far (for references to themselves)."""

    def size(self, key_path: Path) -> int:
        if key_path in self.sized:
            return self.sized[key_path]
        if key_path in self.sizing:
            return self.sizing[key_path]
        self.sizing[key_path] = 0
        sub_keys = sum(
            len(key) + 3 + self.size((*key_path, key)) for key in self.children.get(key_path, ())
        )
        value = 0
        for node, include, append in self.values.get(key_path, ()):
            self.sizing[key_path] = value + sub_keys
            size = self.node(node, include, deep=False)
            merges = append or getattr(node, "kind", None) == "object"
            value = value + size if merges else size
        del self.sizing[key_path]
        total = self.sized[key_path] = value + sub_keys
        if key_path and total > MAX_RESOLVED_CHARS:
            raise _TooLarge(key_path)
        return total

    def node(self, node: Any, include: Path, *, deep: bool) -> int:
        """The size of one AST value; ``deep``: also its object fields (inside arrays, which
        the walk does not enter; elsewhere they are keys of their own)."""
        kind = getattr(node, "kind", None)
        if kind == "scalar":
            return len(node.raw)
        if kind == "concat":
            return sum(self.node(part, include, deep=deep) for part in node.nodes)
        if kind == "array":
            return 2 + sum(1 + self.node(item, include, deep=True) for item in node.items)
        if kind == "object":
            if not deep:
                return 2
            return 2 + sum(
                len(".".join(fld.key)) + 3 + self.node(fld.value, include, deep=True)
                for fld in node.fields
                if fld.key
            )
        if kind == "subst":
            return self.reference(tuple(segment.text for segment in node.segments), include)
        return 0

    def reference(self, target: Path, include: Path) -> int:
        """The size of what ``${target}`` stands for, at most."""
        size = len(self.env.get(".".join(target), "")) + self.default(target)
        for candidate in ((*include, *target), target) if include else (target,):
            for end in range(len(candidate), 0, -1):  # the key, else the nearest enclosing one
                if candidate[:end] in self.children or candidate[:end] in self.values:
                    return size + self.size(candidate[:end])
        return size

    def default(self, target: Path) -> int:
        """The size of the built-in default at ``target`` (0 when there is none)."""
        value: Any = self.defaults
        for key in target:
            if not isinstance(value, dict) or key not in value:
                return 0
            value = value[key]
        return len(json.dumps(value))
