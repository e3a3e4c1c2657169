"""Runs a parsed mapping script once, at load time, against a :class:`Builder`.

The evaluator is dispatched by node type (``_EVAL[type(node)]``). Groovy semantics are kept
where scripts rely on them: closures see the variables of their definition, ``it`` is a
closure's implicit parameter (``null`` in the ``mapping`` block), ``[…].each { }`` loops, and
``"…$x…"`` interpolation yields a GString (usable as an argument, refused as a mapped literal).
Operators on event values (``&&``, ``==`` …) are refused with the DSL form to use instead:
nothing in a script reads event data while it runs (MAPPING §1).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from . import _ast as ast
from ._builder import NULL, ZERO_ARGUMENT_PRODUCERS, Builder, LoadClosure
from ._errors import MappingError, Pos
from ._lexer import Lit
from ._text import java_double
from ._values import CONVERSION_TYPES, Args, ConversionType, Producer, describe

_OPERATOR_HINTS = {
    "&&": "use a.and(b)",
    "||": "use a.or(b)",
    "!": "use not(a)",
    "==": "use a.equalTo(b)",
    "!=": "use not(a.equalTo(b))",
}


_TWO_WORD_FORMS = {
    "parse": "parse location() to uri",
    "match": "match '…' against location()",
    "map": "…",
    "when": "…",
    "not": "not(…)",
}


class Scope:
    __slots__ = ("parent", "variables")

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.variables: dict[str, Any] = {}

    def find(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return scope
            scope = scope.parent
        return None


def _variables(scope: Scope | None) -> list[str]:
    names: list[str] = []
    while scope is not None:
        names.extend(scope.variables)
        scope = scope.parent
    return names


class GroovyClosure(LoadClosure):
    def __init__(self, node: ast.Closure, scope: Scope, interpreter: Interpreter) -> None:
        self.node = node
        self.scope = scope
        self.interpreter = interpreter

    def __call__(self, *args: Any) -> Any:
        scope = Scope(self.scope)
        if self.node.params:
            for index, name in enumerate(self.node.params):
                scope.variables[name] = args[index] if index < len(args) else NULL
        else:
            scope.variables["it"] = args[0] if args else NULL
        return self.interpreter.run_body(self.node.body, scope)


class Interpreter:
    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.globals = Scope()
        self._eval: dict[type[ast.Node], Callable[[Any, Scope], Any]] = {
            ast.Name: self.eval_name,
            ast.Literal: lambda node, scope: node.lit,
            ast.GString: self.eval_gstring,
            ast.ListExpr: lambda node, scope: [self.eval(item, scope) for item in node.items],
            ast.MapExpr: self.eval_map,
            ast.Closure: lambda node, scope: GroovyClosure(node, scope, self),
            ast.Call: self.eval_call,
            ast.MethodCall: self.eval_method_call,
            ast.Property: self.eval_property,
            ast.Index: self.eval_index,
            ast.Unary: self.eval_unary,
            ast.Binary: self.eval_binary,
            ast.Ternary: self.eval_ternary,
            ast.Def: self.eval_def,
            ast.Assign: self.eval_assign,
        }

    def run(self, script: ast.Script) -> None:
        self.run_body(script.body, self.globals)

    def run_body(self, body: list[ast.Node], scope: Scope) -> Any:
        result: Any = NULL
        for statement in body:
            result = self.eval(statement, scope)
        return result

    def eval(self, node: ast.Node, scope: Scope) -> Any:
        return self._eval[type(node)](node, scope)

    # --- names and variables ---------------------------------------------------------------

    def eval_name(self, node: ast.Name, scope: Scope) -> Any:
        found = scope.find(node.name)
        if found is not None:
            return found.variables[node.name]
        if node.name in CONVERSION_TYPES:
            return ConversionType(node.name)
        if node.name in ZERO_ARGUMENT_PRODUCERS:
            raise MappingError(f"write {node.name}() with parentheses", node.pos)
        if node.name in _TWO_WORD_FORMS:
            raise MappingError(
                f"'{node.name}' cannot be used as a value here; bind it to a variable first "
                f"(def x = {_TWO_WORD_FORMS[node.name]}) or put it in parentheses",
                node.pos,
            )
        import difflib

        known = [*CONVERSION_TYPES, *ZERO_ARGUMENT_PRODUCERS, *_variables(scope)]
        close = difflib.get_close_matches(node.name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise MappingError(f"unknown variable {node.name!r}{hint}", node.pos)

    def eval_def(self, node: ast.Def, scope: Scope) -> Any:
        value = NULL if node.value is None else self.eval(node.value, scope)
        scope.variables[node.name] = value
        return value

    def eval_assign(self, node: ast.Assign, scope: Scope) -> Any:
        target = scope.find(node.name)
        value = self.eval(node.value, scope)
        (target or scope).variables[node.name] = value
        return value

    # --- calls -----------------------------------------------------------------------------

    def arguments(self, name: str, nodes: list[ast.Node], scope: Scope, pos: Pos) -> Args:
        values = [self.eval(arg, scope) for arg in nodes]
        return Args(name, values, [arg.pos for arg in nodes], pos)

    def eval_call(self, node: ast.Call, scope: Scope) -> Any:
        found = scope.find(node.name)
        if found is not None:
            target = found.variables[node.name]
            if isinstance(target, LoadClosure):
                return target(*[self.eval(arg, scope) for arg in node.args])
            raise MappingError(
                f"{node.name!r} is a variable ({describe(target)}), not a function; "
                f"call its methods with a dot: {node.name}.method(…)",
                node.pos,
            )
        args = self.arguments(node.name, node.args, scope, node.pos)
        if node.name == "mapping":
            args.count(1)
            body = args.values[0]
            if not isinstance(body, LoadClosure):
                raise MappingError("mapping needs a block: mapping { … }", node.pos)
            self.builder.start_mapping(node.pos)
            body()
            self.builder.end_mapping()
            return NULL
        return self.builder.call_function(node.name, args)

    def eval_method_call(self, node: ast.MethodCall, scope: Scope) -> Any:
        target = self.eval(node.target, scope)
        args = self.arguments(node.name, node.args, scope, node.name_pos)
        if isinstance(target, list):
            return self.list_method(target, node.name, args)
        if isinstance(target, LoadClosure) and node.name == "call":
            return target(*args.values)
        if isinstance(target, Lit):
            raise MappingError(
                f"methods of {describe(target)} are not supported in mapping scripts",
                node.name_pos,
            )
        if (
            isinstance(target, Producer)
            and node.args
            and isinstance(node.args[-1], ast.Closure)
            and node.name in ("isPresent", "isAbsent", "equalTo", "matches", "and", "or")
        ):
            raise MappingError(
                "a block directly after a condition is not a 'when' body; "
                "write 'when <condition> apply { … }' or 'when(<condition>) { … }'",
                node.args[-1].pos,
            )
        return self.builder.call_method(target, node.name, args)

    def list_method(self, items: list[Any], name: str, args: Args) -> Any:
        if name == "each":
            args.count(1)
            body = args.values[0]
            if not isinstance(body, LoadClosure):
                raise MappingError("each needs a closure: [ … ].each { item -> … }", args.at(0))
            for item in items:
                body(item)
            return items
        if name == "eachWithIndex":
            args.count(1)
            body = args.values[0]
            if not isinstance(body, LoadClosure):
                raise MappingError("eachWithIndex needs a closure", args.at(0))
            for index, item in enumerate(items):
                body(item, Lit(index, "Integer"))
            return items
        raise MappingError(
            f"lists support each {{ … }} and eachWithIndex {{ … }}, not {name}()", args.pos
        )

    def eval_property(self, node: ast.Property, scope: Scope) -> Any:
        target = self.eval(node.target, scope)
        if isinstance(target, list) and node.name == "size":
            return Lit(len(target), "Integer")
        raise MappingError(
            f"'{node.name}' without parentheses is a property access; write .{node.name}()",
            node.name_pos,
        )

    def eval_index(self, node: ast.Index, scope: Scope) -> Any:
        target, index = self.eval(node.target, scope), self.eval(node.index, scope)
        if isinstance(target, list) and isinstance(index, Lit) and isinstance(index.value, int):
            try:
                return target[index.value]
            except IndexError:
                return NULL
        if isinstance(target, dict) and isinstance(index, Lit):
            return target.get(str(index.value), NULL)
        raise MappingError(f"cannot index {describe(target)}", node.pos)

    def eval_map(self, node: ast.MapExpr, scope: Scope) -> Any:
        out: dict[str, Any] = {}
        for key_node, value_node in node.entries:
            key = self.eval(key_node, scope)
            out[str(key.value) if isinstance(key, Lit) else str(key)] = self.eval(value_node, scope)
        return out

    # --- literals and operators ------------------------------------------------------------

    def eval_gstring(self, node: ast.GString, scope: Scope) -> Any:
        pieces: list[str] = []
        for part in node.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = self.eval(part, scope)
            if not isinstance(value, Lit):
                raise MappingError(
                    f"cannot interpolate {describe(value)} into a string: values of events are "
                    "only known per event; use digest(…).add(…) or map the value itself",
                    part.pos,
                )
            pieces.append(_groovy_text(value))
        return Lit("".join(pieces), "GString")

    def eval_unary(self, node: ast.Unary, scope: Scope) -> Any:
        value = self.eval(node.operand, scope)
        if isinstance(value, Lit):
            if node.op == "!":
                return Lit(not _truth(value), "Boolean")
            if node.op == "-" and isinstance(value.value, int | float) and value.jtype != "Boolean":
                return Lit(-value.value, value.jtype)
            if node.op == "-" and value.jtype == "BigDecimal":
                return Lit(str(-Decimal(value.value)), value.jtype)
            if node.op == "+":
                return value
        raise self.operator_error(node.op, value, node.pos)

    def eval_binary(self, node: ast.Binary, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        if node.op in ("&&", "||") and isinstance(left, Lit):
            truth = _truth(left)
            if (node.op == "&&" and not truth) or (node.op == "||" and truth):
                return Lit(truth, "Boolean")
            right = self.eval(node.right, scope)
            if isinstance(right, Lit):
                return Lit(_truth(right), "Boolean")
            raise self.operator_error(node.op, right, node.right.pos)
        right = self.eval(node.right, scope)
        for side, pos in ((left, node.left.pos), (right, node.right.pos)):
            if not isinstance(side, Lit):
                raise self.operator_error(node.op, side, pos)
        return _literal_operation(node.op, left, right, node.pos)

    def eval_ternary(self, node: ast.Ternary, scope: Scope) -> Any:
        test = self.eval(node.test, scope)
        if not isinstance(test, Lit):
            raise self.operator_error("?:", test, node.pos)
        if _truth(test):
            return test if node.then is None else self.eval(node.then, scope)
        return self.eval(node.otherwise, scope)

    def operator_error(self, op: str, value: Any, pos: Pos) -> MappingError:
        hint = _OPERATOR_HINTS.get(op, "operators only work on literals at load time")
        return MappingError(f"operator '{op}' cannot be applied to {describe(value)}; {hint}", pos)


def _truth(value: Lit) -> bool:
    return bool(value.value) if value.jtype != "BigDecimal" else Decimal(value.value) != 0


def _groovy_text(value: Lit) -> str:
    if value.jtype == "null":
        return "null"
    if value.jtype == "Boolean":
        return "true" if value.value else "false"
    if value.jtype in ("Double", "Float"):
        return java_double(float(value.value))
    return str(value.value)


_NUMBERS = ("Integer", "Long", "BigInteger", "BigDecimal", "Float", "Double")


def _literal_operation(op: str, left: Lit, right: Lit, pos: Pos) -> Lit:
    if op == "+" and (left.jtype in ("String", "GString") or right.jtype in ("String", "GString")):
        jtype = "GString" if "GString" in (left.jtype, right.jtype) else "String"
        return Lit(_groovy_text(left) + _groovy_text(right), jtype)
    if op in ("==", "!="):
        same = left.value == right.value
        return Lit(same if op == "==" else not same, "Boolean")
    if left.jtype in _NUMBERS and right.jtype in _NUMBERS:
        if "BigDecimal" in (left.jtype, right.jtype) or "Double" in (left.jtype, right.jtype):
            a, b = float(Decimal(str(left.value))), float(Decimal(str(right.value)))
            jtype = "Double"
        else:
            a, b = left.value, right.value
            jtype = "Long" if "Long" in (left.jtype, right.jtype) else left.jtype
        comparisons = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
        if op in comparisons:
            return Lit(comparisons[op], "Boolean")
        try:
            result = {"+": a + b, "-": a - b, "*": a * b}.get(op)
            if result is None:
                result = (
                    (a // b if op == "/" and isinstance(a, int) else a / b) if op == "/" else a % b
                )
        except ZeroDivisionError as exc:
            raise MappingError("division by zero", pos) from exc
        return Lit(result, jtype)
    raise MappingError(
        f"operator '{op}' is not supported between {describe(left)} and {describe(right)}", pos
    )
