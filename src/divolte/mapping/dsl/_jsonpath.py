"""JSONPath in the Jayway dialect the reference uses, compiled once into plain functions.

Supported: ``$``, ``.name``, ``['name']``, ``[n]`` (negative counts from the end), ``[n,m]``,
``[a:b]`` slices, ``*`` / ``[*]``, ``..`` deep scan, and filters ``[?(…)]`` with ``@``/``$``
paths, literals, ``== != < <= > >= =~ in nin``, ``&&``, ``||``, ``!`` and existence tests.
Not supported (a load-time error): functions such as ``.length()``, several names in one
bracket, and script expressions ``[(…)]``.

A *definite* path (only names and single indexes) yields the matched node or :data:`MISSING`; any
other path yields a list of every match (possibly empty), as Jayway does.

Documents are event parameters, i.e. hostile: nothing here recurses along the document (the deep
scan keeps its own stack, equality is :func:`json_equal`, and an ordering comparison that Python
would recurse on counts as false), so a deeply nested document cannot raise RecursionError.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MISSING: Any = object()
Step = Callable[[Any, Any], Iterator[Any]]
"""One path segment: (node, document root) → the nodes it selects."""


class JsonPathError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CompiledPath:
    text: str
    definite: bool
    steps: tuple[Step, ...]

    def __call__(self, root: Any, document: Any = MISSING) -> Any:
        if document is MISSING:
            document = root
        nodes: list[Any] = [root]
        for step in self.steps:
            nodes = [found for node in nodes for found in step(node, document)]
            if not nodes:
                break
        if self.definite:
            return nodes[0] if nodes else MISSING
        return nodes


def compile_path(text: str) -> CompiledPath:
    scanner = _Scanner(text)
    scanner.expect("$")
    steps: list[Step] = []
    definite = True
    while not scanner.done():
        step, simple = scanner.segment()
        steps.append(step)
        definite = definite and simple
    return CompiledPath(text, definite, tuple(steps))


def _child(name: str) -> Step:
    def step(node: Any, root: Any) -> Iterator[Any]:
        if isinstance(node, dict) and name in node:
            yield node[name]

    return step


def _indexes(indexes: list[int]) -> Step:
    def step(node: Any, root: Any) -> Iterator[Any]:
        if isinstance(node, list):
            n = len(node)
            for index in indexes:
                if -n <= index < n:
                    yield node[index]

    return step


def _slice(start: int | None, end: int | None) -> Step:
    def step(node: Any, root: Any) -> Iterator[Any]:
        if isinstance(node, list):
            yield from node[start:end]

    return step


def _wildcard(node: Any, root: Any = None) -> Iterator[Any]:
    if isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, list):
        yield from node


def _descendants(node: Any) -> Iterator[Any]:
    """``node`` and every array and object under it, depth first in document order."""
    yield node
    stack = [_wildcard(node)]
    while stack:
        for child in stack[-1]:
            if isinstance(child, dict | list):
                yield child
                stack.append(_wildcard(child))
                break
        else:
            stack.pop()


def json_equal(a: Any, b: Any) -> bool:
    """``a == b`` for JSON trees, without recursion (Python's ``==`` recurses on nesting)."""
    if not isinstance(a, dict | list) or not isinstance(b, dict | list):
        return bool(a == b)
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if x is y:
            continue
        if isinstance(x, dict):
            if not isinstance(y, dict) or len(x) != len(y):
                return False
            for key, value in x.items():
                other = y.get(key, MISSING)
                if other is MISSING:
                    return False
                pending.append((value, other))
        elif isinstance(x, list):
            if not isinstance(y, list) or len(x) != len(y):
                return False
            pending.extend(zip(x, y, strict=True))
        elif isinstance(y, dict | list) or x != y:
            return False
    return True


def _deep(inner: Step) -> Step:
    def step(node: Any, root: Any) -> Iterator[Any]:
        for descendant in _descendants(node):
            yield from inner(descendant, root)

    return step


def _filter(test: Callable[[Any, Any], bool]) -> Step:
    def step(node: Any, root: Any) -> Iterator[Any]:
        items = node if isinstance(node, list) else [node] if isinstance(node, dict) else []
        for item in items:
            if test(item, root):
                yield item

    return step


_NAME = re.compile(r"[^.\[\]()\s]+")
_INT = re.compile(r"-?[0-9]+")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def done(self) -> bool:
        return self.i >= len(self.text)

    def fail(self, message: str) -> JsonPathError:
        return JsonPathError(f"{message} at position {self.i} of JSONPath {self.text!r}")

    def expect(self, token: str) -> None:
        if not self.text.startswith(token, self.i):
            raise self.fail(f"expected {token!r}")
        self.i += len(token)

    def skip_space(self) -> None:
        while not self.done() and self.text[self.i] == " ":
            self.i += 1

    def segment(self) -> tuple[Step, bool]:
        text = self.text
        if text.startswith("..", self.i):
            self.i += 2
            if text.startswith("[", self.i):
                inner, _ = self.bracket()
            elif text.startswith("*", self.i):
                self.i += 1
                inner = _wildcard
            else:
                inner = _child(self.name())
            return _deep(inner), False
        if text.startswith(".", self.i):
            self.i += 1
            if text.startswith("*", self.i):
                self.i += 1
                return _wildcard, False
            return _child(self.name()), True
        if text.startswith("[", self.i):
            return self.bracket()
        raise self.fail("expected '.', '..' or '['")

    def name(self) -> str:
        match = _NAME.match(self.text, self.i)
        if match is None:
            raise self.fail("expected a property name")
        self.i = match.end()
        if self.text.startswith("(", self.i):
            raise self.fail(f"JSONPath functions such as {match.group()}() are not supported")
        return match.group()

    def bracket(self) -> tuple[Step, bool]:
        self.expect("[")
        self.skip_space()
        text = self.text
        if text.startswith("*", self.i):
            self.i += 1
            step: Step = _wildcard
            simple = False
        elif text.startswith("?(", self.i):
            self.i += 2
            expr = _FilterParser(self).parse()
            self.expect(")")
            step, simple = _filter(expr), False
        elif text[self.i : self.i + 1] in ("'", '"'):
            names = [self.quoted()]
            self.skip_space()
            if text.startswith(",", self.i):
                raise self.fail("several property names in one bracket are not supported")
            step, simple = _child(names[0]), True
        else:
            step, simple = self.numbers()
        self.skip_space()
        self.expect("]")
        return step, simple

    def numbers(self) -> tuple[Step, bool]:
        text = self.text
        first = self.integer(optional=True)
        self.skip_space()
        if text.startswith(":", self.i):
            self.i += 1
            self.skip_space()
            return _slice(first, self.integer(optional=True)), False
        if first is None:
            raise self.fail("expected an index, a slice, '*', a quoted name or a filter")
        indexes = [first]
        while text.startswith(",", self.i):
            self.i += 1
            self.skip_space()
            value = self.integer(optional=False)
            assert value is not None
            indexes.append(value)
            self.skip_space()
        return _indexes(indexes), len(indexes) == 1

    def integer(self, optional: bool) -> int | None:
        match = _INT.match(self.text, self.i)
        if match is None:
            if optional:
                return None
            raise self.fail("expected an index")
        self.i = match.end()
        return int(match.group())

    def quoted(self) -> str:
        quote = self.text[self.i]
        end = self.i + 1
        out: list[str] = []
        while end < len(self.text) and self.text[end] != quote:
            if self.text[end] == "\\" and end + 1 < len(self.text):
                end += 1
            out.append(self.text[end])
            end += 1
        if end >= len(self.text):
            raise self.fail("unterminated quoted name")
        self.i = end + 1
        return "".join(out)


Test = Callable[[Any, Any], bool]
Operand = Callable[[Any, Any], Any]


class _FilterParser:
    """``[?( … )]`` expressions; each compiles to ``test(current, root) -> bool``."""

    def __init__(self, scanner: _Scanner) -> None:
        self.s = scanner

    def parse(self) -> Test:
        return self.disjunction()

    def disjunction(self) -> Test:
        left = self.conjunction()
        while self.accept("||"):
            right = self.conjunction()
            left = _or(left, right)
        return left

    def conjunction(self) -> Test:
        left = self.unary()
        while self.accept("&&"):
            right = self.unary()
            left = _and(left, right)
        return left

    def unary(self) -> Test:
        if self.accept("!"):
            inner = self.unary()
            return lambda node, root: not inner(node, root)
        if self.accept("("):
            inner = self.disjunction()
            if not self.accept(")"):
                raise self.s.fail("expected ')'")
            return inner
        left = self.operand()
        for op in ("==", "!=", "<=", ">=", "=~", "<", ">", " nin ", " in "):
            if self.accept(op.strip() if op.startswith(" ") else op):
                right = self.operand()
                return _COMPARE[op.strip()](left, right)
        return lambda node, root: left(node, root) is not MISSING

    def accept(self, token: str) -> bool:
        self.s.skip_space()
        if self.s.text.startswith(token, self.s.i):
            self.s.i += len(token)
            self.s.skip_space()
            return True
        return False

    def operand(self) -> Operand:
        s = self.s
        s.skip_space()
        text, i = s.text, s.i
        ch = text[i : i + 1]
        if ch in ("@", "$"):
            s.i += 1
            steps: list[Step] = []
            while not s.done() and text[s.i] in ".[":
                steps.append(s.segment()[0])
            path = CompiledPath("", True, tuple(steps))
            if ch == "@":
                return lambda node, root: path(node, root)
            return lambda node, root: path(root, root)
        if ch in ("'", '"'):
            value: Any = s.quoted()
            return lambda node, root: value
        if ch == "/":
            end = text.find("/", i + 1)
            if end < 0:
                raise s.fail("unterminated regular expression")
            flags = re.IGNORECASE if text[end + 1 : end + 2] == "i" else 0
            pattern = re.compile(text[i + 1 : end], flags)
            s.i = end + 1 + (flags != 0)
            return lambda node, root: pattern
        if ch == "[":
            s.i += 1
            items: list[Operand] = []
            while not self.accept("]"):
                items.append(self.operand())
                self.accept(",")
            return lambda node, root: [item(node, root) for item in items]
        match = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null").match(text, i)
        if match is None:
            raise s.fail("expected a value in the filter")
        s.i = match.end()
        word = match.group()
        literal: Any = {"true": True, "false": False, "null": None}.get(word, MISSING)
        if literal is MISSING:
            literal = float(word) if match.group(1) or match.group(2) else int(word)
        return lambda node, root: literal


def _or(left: Test, right: Test) -> Test:
    return lambda node, root: left(node, root) or right(node, root)


def _and(left: Test, right: Test) -> Test:
    return lambda node, root: left(node, root) and right(node, root)


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return True
    return type(a) is type(b) or (a is None and b is None)


def _comparison(check: Callable[[Any, Any], bool]) -> Callable[[Operand, Operand], Test]:
    def make(left: Operand, right: Operand) -> Test:
        def test(node: Any, root: Any) -> bool:
            a, b = left(node, root), right(node, root)
            if a is MISSING or b is MISSING or not _same_kind(a, b):
                return False
            try:
                return check(a, b)
            except (TypeError, RecursionError):  # e.g. ordering deeply nested arrays
                return False

        return test

    return make


def _regex(left: Operand, right: Operand) -> Test:
    def test(node: Any, root: Any) -> bool:
        a, pattern = left(node, root), right(node, root)
        return isinstance(a, str) and isinstance(pattern, re.Pattern) and bool(pattern.fullmatch(a))

    return test


def _membership(negate: bool) -> Callable[[Operand, Operand], Test]:
    def make(left: Operand, right: Operand) -> Test:
        def test(node: Any, root: Any) -> bool:
            a, b = left(node, root), right(node, root)
            if a is MISSING or not isinstance(b, list):
                return False
            return any(json_equal(a, item) for item in b) != negate

        return test

    return make


def _ne(left: Operand, right: Operand) -> Test:
    equal = _COMPARE["=="](left, right)
    return lambda node, root: not equal(node, root)


_COMPARE: dict[str, Callable[[Operand, Operand], Test]] = {
    "==": _comparison(json_equal),
    "<": _comparison(lambda a, b: bool(a < b)),
    "<=": _comparison(lambda a, b: bool(a <= b)),
    ">": _comparison(lambda a, b: bool(a > b)),
    ">=": _comparison(lambda a, b: bool(a >= b)),
    "=~": _regex,
    "in": _membership(False),
    "nin": _membership(True),
}
_COMPARE["!="] = _ne
