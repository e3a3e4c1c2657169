"""Mappings written in Python: the same vocabulary as Groovy scripts, checked the same way.

A mapping module defines ``mapping(m)``; ``m`` offers every producer and action of the Groovy
language under snake_case names (camelCase works too)::

    def mapping(m):
        m.map(m.first_in_session(), onto="sessionStart")
        m.map(m.timestamp(), onto="ts")
        m.map(m.remote_host(), onto="remoteHost")
        page = m.parse(m.location(), to="uri")
        with m.when(page.path().equal_to("/checkout") & m.referer().is_present()):
            m.map("checkout", onto="pageType")
        m.when(m.user_agent().is_robot()).stop()

``mapping(m)`` runs once, at load time, exactly like a Groovy script: producers are descriptions,
not values, so Python's ``if``/``and``/``==`` cannot look at event data — use ``m.when``,
``&``/``|``/``~`` (or ``.and_()``/``.or_()``/``m.not_()``) and ``.equal_to()``. Every
``m.map`` is checked against the Avro schema when the module loads, and errors point at the line
of the module that caused them.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
import traceback
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from divolte.enrich import Enrichment
from divolte.mapping.dsl._builder import Builder
from divolte.mapping.dsl._errors import MappingError, Pos
from divolte.mapping.dsl._lexer import Lit
from divolte.mapping.dsl._plan import EXIT, STOP, ExitStep, SectionStep, WhenStep
from divolte.mapping.dsl._values import Args, ConversionType, Digester, Producer

if TYPE_CHECKING:
    from divolte.event import Event

__all__ = ["PyMapping", "PyValue", "compile_python_mapping"]

_modules = itertools.count()
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def compile_python_mapping(
    path: str, schema: dict[str, Any], enrichment: Enrichment
) -> Callable[[Event], dict[str, Any]]:
    """Load a Python mapping module (a ``.py`` file defining ``mapping(m)``)."""
    module = _load_module(path)
    function = getattr(module, "mapping", None)
    if not callable(function):
        raise MappingError(f"{path}: define a function 'def mapping(m): …' in the module")
    builder = Builder(schema, enrichment, path)
    builder.start_mapping(Pos(path, 1, 1))
    try:
        function(PyMapping(builder, path))
    except MappingError:
        raise
    except Exception as exc:
        raise MappingError(
            f"the mapping function raised {exc!r}", _traceback_pos(exc, path)
        ) from exc
    builder.end_mapping()
    return builder.compile()


def _load_module(path: str) -> Any:
    name = f"divolte_mapping_{next(_modules)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise MappingError(f"cannot load Python mapping {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except FileNotFoundError as exc:
        raise MappingError(f"cannot read mapping module {path}: {exc.strerror}") from exc
    except SyntaxError as exc:
        pos = Pos(path, exc.lineno or 1, exc.offset or 1, (exc.text or "").rstrip("\n"))
        raise MappingError(f"Python syntax error: {exc.msg}", pos) from exc
    except Exception as exc:
        raise MappingError(f"loading the module raised {exc!r}", _traceback_pos(exc, path)) from exc
    return module


def _source_line(path: str, line: int) -> str:
    import linecache

    return linecache.getline(path, line).rstrip("\n")


def _traceback_pos(exc: BaseException, path: str) -> Pos | None:
    found: Pos | None = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == path and frame.lineno is not None:
            column = (frame.colno or 0) + 1
            found = Pos(path, frame.lineno, column, _source_line(path, frame.lineno))
    return found


def _caller_pos(path: str) -> Pos:
    """Where in the mapping module the current call was made (line and column)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != path:
        frame = frame.f_back
    if frame is None:
        return Pos(path, 1, 1)
    line, column = frame.f_lineno, 1
    positions = list(frame.f_code.co_positions())
    index = frame.f_lasti // 2
    if 0 <= index < len(positions):
        start_line, _, start_column, _ = positions[index]
        if start_line is not None and start_column is not None:
            line, column = start_line, start_column + 1
    return Pos(path, line, column, _source_line(path, line))


def _camel(name: str) -> str:
    name = name.rstrip("_")
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _to_core(value: Any) -> Any:
    if isinstance(value, PyValue):
        return value._value
    if isinstance(value, bool):
        return Lit(value, "Boolean")
    if isinstance(value, int):
        return Lit(value, "PyInt" if _INT_MIN <= value <= _INT_MAX else "Long")
    if isinstance(value, float):
        return Lit(value, "PyFloat")
    if isinstance(value, str):
        return Lit(value, "String")
    return value


def _wrap(value: Any, mapping: PyMapping) -> Any:
    if isinstance(value, Producer | Digester):
        return PyValue(value, mapping)
    return value


class PyValue:
    """A producer (or digester) with Python-style method names and operators."""

    __slots__ = ("_mapping", "_value")

    def __init__(self, value: Producer | Digester, mapping: PyMapping) -> None:
        self._value = value
        self._mapping = mapping

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        mapping, value = self._mapping, self._value

        def method(*args: Any) -> Any:
            pos = _caller_pos(mapping._path)
            core = Args(_camel(name), [_to_core(a) for a in args], [pos] * len(args), pos)
            return _wrap(mapping._builder.call_method(value, _camel(name), core), mapping)

        return method

    def __and__(self, other: Any) -> Any:
        return self.and_(other)

    def __or__(self, other: Any) -> Any:
        return self.or_(other)

    def __invert__(self) -> Any:
        return self._mapping.not_(self)

    def __bool__(self) -> bool:
        raise MappingError(
            "a producer has no truth value at load time; use m.when(…), & | ~ or .equal_to()",
            _caller_pos(self._mapping._path),
        )

    def __repr__(self) -> str:
        return f"<{getattr(self._value, 'desc', 'value')}>"


class _Block:
    """``with m.when(c):`` / ``with m.section():`` — collects the actions of its body."""

    def __init__(self, mapping: PyMapping, condition: Producer | None, pos: Pos) -> None:
        self._mapping = mapping
        self._condition = condition
        self._pos = pos

    def __enter__(self) -> None:
        self._mapping._builder.open_block()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        builder = self._mapping._builder
        steps = builder.close_block()
        if kind is not None:
            return
        block = builder.current("when" if self._condition else "section", self._pos)
        if self._condition is None:
            block.append(SectionStep(steps))
        else:
            block.append(WhenStep(self._condition.fn, steps))

    def stop(self) -> None:
        self._exit_when(STOP)

    def exit(self) -> None:
        self._exit_when(EXIT)

    def _exit_when(self, status: int) -> None:
        if self._condition is None:
            raise MappingError("stop()/exit() after section() has no meaning", self._pos)
        block = self._mapping._builder.current("when", self._pos)
        block.append(ExitStep(status, self._condition.fn))


class PyMapping:
    """The ``m`` handed to ``mapping(m)``: producers as methods, plus the actions."""

    def __init__(self, builder: Builder, path: str) -> None:
        self._builder = builder
        self._path = path

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        builder, path = self._builder, self._path

        def function(*args: Any) -> Any:
            pos = _caller_pos(path)
            core = Args(_camel(name), [_to_core(a) for a in args], [pos] * len(args), pos)
            return _wrap(builder.call_function(_camel(name), core), self)

        return function

    def map(self, value: Any, onto: str) -> None:
        """Write ``value`` (a producer or a literal) into field ``onto``."""
        pos = _caller_pos(self._path)
        self._builder.register_map(_to_core(value), pos, onto, pos)

    def when(self, condition: Any) -> _Block:
        pos = _caller_pos(self._path)
        return _Block(self, self._builder.condition(_to_core(condition), pos), pos)

    def section(self) -> _Block:
        return _Block(self, None, _caller_pos(self._path))

    def exit(self) -> None:
        self._builder.register_exit(EXIT, _caller_pos(self._path))

    def stop(self) -> None:
        self._builder.register_exit(STOP, _caller_pos(self._path))

    def exit_when(self, condition: Any) -> None:
        self.when(condition).exit()

    def stop_when(self, condition: Any) -> None:
        self.when(condition).stop()

    def not_(self, condition: Any) -> PyValue:
        return self.__getattr__("not")(condition)  # type: ignore[no-any-return]

    def parse(self, value: Any, to: str) -> PyValue:
        """``parse P to T``; ``to`` is one of int32, int64, fp32, fp64, bool, uri."""
        pos = _caller_pos(self._path)
        pending = self._builder.call_function("parse", Args("parse", [_to_core(value)], [pos], pos))
        target = ConversionType(to) if re.fullmatch(r"int32|int64|fp32|fp64|bool|uri", to) else to
        result = self._builder.call_method(pending, "to", Args("to", [target], [pos], pos))
        return PyValue(result, self)

    def match(self, regex: str, against: Any) -> PyValue:
        """``match 'regex' against P`` (Java regex syntax, whole-string match)."""
        pos = _caller_pos(self._path)
        pending = self._builder.call_function("match", Args("match", [_to_core(regex)], [pos], pos))
        result = self._builder.call_method(
            pending, "against", Args("against", [_to_core(against)], [pos], pos)
        )
        return PyValue(result, self)

    def digest(self, algorithm: str, seed: str | None = None) -> PyValue:
        pos = _caller_pos(self._path)
        values = [_to_core(algorithm)] + ([] if seed is None else [_to_core(seed)])
        result = self._builder.call_function(
            "digest", Args("digest", values, [pos] * len(values), pos)
        )
        return PyValue(result, self)
