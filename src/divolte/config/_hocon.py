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

Line numbers: resolved values carry no position, so :func:`_positions` walks the parser's AST (an
internal API of hocon-parser, hence the broad fallback: without it errors just lack a line).
Keys that arrive through a ``${path}`` reference get the line of the nearest enclosing key the
file itself spells out.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

import hocon

from ..errors import ConfigError
from ._tree import Layer, Node, Origin, Path, Scalar

_SKIPPED = re.compile(r"(?:\s+|//[^\n]*|#[^\n]*)*")


def read_file(
    path: str, env: Mapping[str, str], defaults: dict[str, Any]
) -> tuple[Layer, list[str]]:
    """The user's file over ``defaults`` as a layer, and the top-level keys the file itself sets.

    Syntax and substitution errors raise :class:`ConfigError`.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError([f"Cannot read configuration file '{path}': {exc.strerror}."]) from exc
    base_dir = os.path.dirname(os.path.abspath(path))
    own = _parse(text, path, base_dir, env, resolve=False)
    prefix = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in defaults.items())
    at = _body_start(text)
    resolved = _parse(text, path, base_dir, env, insert=(at, prefix))
    tree = {key: _convert(resolved.get_value(json.dumps(key))) for key in resolved}
    return Layer(tree, _positions(text, path, base_dir)), list(own)


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


def _positions(text: str, path: str, base_dir: str) -> dict[Path, Origin]:
    """Best effort: the line and column of every key the file (and its includes) spells out."""
    try:
        return _walk_file(text, path, base_dir, (), depth=0)
    except Exception:  # an internal API of hocon-parser; positions are only a courtesy
        return {}


def _walk_file(text: str, path: str, base_dir: str, prefix: Path, depth: int) -> dict[Path, Origin]:
    from hocon._internal.lexer.lexer import tokenize
    from hocon._internal.parser.parser import parse_tokens

    lines = _lines(text)
    found: dict[Path, Origin] = {}

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
            found[key_path] = Origin(path, line, fld.pos.col, line_text)
            visit(fld.value, key_path)

    def _include(include: Any, at: Path) -> None:
        if depth >= 8 or include.qualifier.kind not in ("bare", "file"):
            return
        target = include.path
        if include.qualifier.kind == "bare" and not os.path.isabs(target):
            target = os.path.join(base_dir, target)
        if os.path.isfile(target):
            with open(target, encoding="utf-8-sig") as handle:
                inner = handle.read()
            nested = _walk_file(inner, target, os.path.dirname(target), at, depth + 1)
            found.update(nested)  # in document order: a later definition wins

    visit(parse_tokens(tokenize(text)), prefix)
    return found
