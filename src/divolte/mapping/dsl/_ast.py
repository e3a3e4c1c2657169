"""The small AST of a mapping script. Every node keeps the position of its first token."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._errors import Pos
from ._lexer import Lit


@dataclass(slots=True)
class Node:
    pos: Pos


@dataclass(slots=True)
class Name(Node):
    name: str


@dataclass(slots=True)
class Literal(Node):
    lit: Lit


@dataclass(slots=True)
class GString(Node):
    parts: list[str | Node]


@dataclass(slots=True)
class ListExpr(Node):
    items: list[Node]


@dataclass(slots=True)
class MapExpr(Node):
    entries: list[tuple[Node, Node]]


@dataclass(slots=True)
class Closure(Node):
    params: list[str]
    body: list[Node]


@dataclass(slots=True)
class Call(Node):
    """``name(args)``, ``name arg`` (a command) or ``name { … }``."""

    name: str
    args: list[Node]


@dataclass(slots=True)
class MethodCall(Node):
    """``target.name(args)`` or a step of a command chain (``… onto 'f'``)."""

    target: Node
    name: str
    args: list[Node]
    name_pos: Pos


@dataclass(slots=True)
class Property(Node):
    target: Node
    name: str
    name_pos: Pos


@dataclass(slots=True)
class Index(Node):
    target: Node
    index: Node


@dataclass(slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Ternary(Node):
    test: Node
    then: Node | None
    otherwise: Node


@dataclass(slots=True)
class Def(Node):
    name: str
    value: Node | None


@dataclass(slots=True)
class Assign(Node):
    name: str
    value: Node


@dataclass(slots=True)
class Script(Node):
    body: list[Node] = field(default_factory=list)
