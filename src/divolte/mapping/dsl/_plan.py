"""The plan: what a loaded mapping runs per event (MAPPING §1, §8).

Registering ``map``, ``when``, ``section``, ``exit`` and ``stop`` at load time builds a tree of
steps; :func:`compile_steps` turns each block into one plain callable ``action(ctx, record)``
returning None to continue, :data:`EXIT` or :data:`STOP`. Consecutive unconditional ``map``
steps are fused into one loop over (field, getter) pairs, so a flat mapping costs one Python
call per field and no dispatch.
"""

from __future__ import annotations

import linecache
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from divolte.mapping.json_to_avro import NO_VALUE, JsonConversionError

from ._values import Ctx, Getter

log = logging.getLogger("divolte.mapping")

EXIT, STOP = 1, 2
Record = dict[str, Any]
Action = Callable[[Ctx, Record], int | None]


NO_CONSTANT: Any = object()


@dataclass(slots=True)
class MapStep:
    field: str
    get: Getter
    convert: Callable[[Any], Any] | None = None
    attribute: str | None = None
    """A plain event attribute path: read inline by the generated code."""
    constant: Any = NO_CONSTANT
    """A literal: written without a test."""


@dataclass(slots=True)
class WhenStep:
    condition: Getter
    body: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class SectionStep:
    body: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class ExitStep:
    status: int
    condition: Getter | None = None


Step = MapStep | WhenStep | SectionStep | ExitStep


def compile_steps(steps: list[Step]) -> Action:
    actions: list[Action] = []
    pairs: list[MapStep] = []
    for step in steps:
        if isinstance(step, MapStep) and step.convert is None:
            pairs.append(step)
            continue
        if pairs:
            actions.append(_fused(pairs))
            pairs = []
        actions.append(_compile(step))
    if pairs:
        actions.append(_fused(pairs))
    if not actions:
        return _nothing
    if len(actions) == 1:
        return actions[0]
    sequence = tuple(actions)

    def block(c: Ctx, record: Record) -> int | None:
        for action in sequence:
            status = action(c, record)
            if status:
                return status
        return None

    return block


def _nothing(c: Ctx, record: Record) -> None:
    return None


def _fused(steps: list[MapStep]) -> Action:
    """One generated function for a run of plain maps (habit 6/7: the work is done at load time).

    Fast path: an event attribute is read inline (``v = e.location``) and a literal is stored
    without a test; other producers are called. Generated once per run, so a flat mapping of
    twenty fields costs twenty attribute reads and tests, not twenty Python calls.
    """
    lines = ["def run(c, record):", "    e = c.event"]
    namespace: dict[str, Any] = {}
    for index, step in enumerate(steps):
        key = repr(step.field)
        if step.constant is not NO_CONSTANT:
            namespace[f"k{index}"] = step.constant
            lines.append(f"    record[{key}] = k{index}")
            continue
        if step.attribute is not None and _is_path(step.attribute):
            lines.append(f"    v = e.{step.attribute}")
        else:
            namespace[f"g{index}"] = step.get
            lines.append(f"    v = g{index}(c)")
        lines.append(f"    if v is not None: record[{key}] = v")
    source = "\n".join(lines) + "\n"
    filename = f"<mapping plan {id(steps):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    run: Action = namespace["run"]
    return run


def _is_path(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def _compile(step: Step) -> Action:
    if isinstance(step, MapStep):
        return _converting_map(step)
    if isinstance(step, WhenStep):
        return _when(step.condition, compile_steps(step.body))
    if isinstance(step, SectionStep):
        return _section(compile_steps(step.body))
    return _exit(step.status, step.condition)


def _converting_map(step: MapStep) -> Action:
    name, get, convert = step.field, step.get, step.convert
    assert convert is not None

    def run(c: Ctx, record: Record) -> None:
        value = get(c)
        if value is None:
            return
        try:
            value = convert(value)
        except JsonConversionError as exc:
            log.info("Field %s left unset: %s", name, exc)
            return
        if value is not NO_VALUE:
            record[name] = value

    return run


def _when(condition: Getter, body: Action) -> Action:
    def run(c: Ctx, record: Record) -> int | None:
        if condition(c) is True:
            return body(c, record)
        return None

    return run


def _section(body: Action) -> Action:
    def run(c: Ctx, record: Record) -> int | None:
        return STOP if body(c, record) == STOP else None

    return run


def _exit(status: int, condition: Getter | None) -> Action:
    if condition is None:
        return lambda c, record: status

    def run(c: Ctx, record: Record) -> int | None:
        return status if condition(c) is True else None

    return run
