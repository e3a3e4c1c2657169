"""Parser for the Groovy subset of mapping scripts: tokens → a small AST with positions.

Design (after jmespath's parser): a Pratt parser. ``BINDING_POWER`` gives every infix and postfix
operator its precedence; ``_nud_*`` methods parse a token that starts an expression and
``_led_*`` methods one that continues it. Two Groovy features sit on top of the expression
parser, at statement level only:

* **command chains**: ``map X onto 'f'`` is ``map(X).onto('f')`` and ``when C apply { … }`` is
  ``when(C).apply({ … })`` — a name followed by an argument on the same line is a call, and every
  further ``name argument`` pair on that line is a method call on the result;
* **closures** ``{ a -> … }`` whose statements run when the closure is called, at load time.

Newlines end statements and command chains; inside parentheses and brackets they do not matter,
and a line starting with ``.`` continues the previous one (the lexer marks tokens accordingly).
"""

from __future__ import annotations

from collections.abc import Callable

from . import _ast as ast
from ._errors import MappingError, Pos
from ._lexer import EOF, GSTRING, NAME, NUMBER, OP, STRING, Lit, Token, tokenize, tokenize_part

BINDING_POWER: dict[str, int] = {
    "?:": 5,
    "?": 5,
    "||": 10,
    "&&": 20,
    "==": 30,
    "!=": 30,
    "<": 35,
    "<=": 35,
    ">": 35,
    ">=": 35,
    "+": 40,
    "-": 40,
    "*": 50,
    "/": 50,
    "%": 50,
    # prefix operators bind with 70; postfix ones:
    ".": 90,
    "?.": 90,
    "(": 90,
    "[": 90,
    "{": 90,
}
_PREFIX_POWER = 70
_POSTFIX = frozenset({".", "?.", "(", "[", "{"})
_UNSUPPORTED_STATEMENTS = frozenset(
    {"if", "else", "for", "while", "switch", "try", "return", "import", "class", "do", "throw"}
)


class Parser:
    def __init__(self, tokens: list[Token], text: str, path: str) -> None:
        self.tokens = tokens
        self.text = text
        self.path = path
        self.index = 0

    # --- token helpers ---------------------------------------------------------------------

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != EOF:
            self.index += 1
        return token

    def at_op(self, value: str) -> bool:
        token = self.peek
        return token.kind == OP and token.value == value

    def expect_op(self, value: str, what: str) -> Token:
        if not self.at_op(value):
            raise self.unexpected(f"expected '{value}' {what}")
        return self.advance()

    def unexpected(self, message: str, token: Token | None = None) -> MappingError:
        token = token or self.peek
        found = "end of script" if token.kind == EOF else f"{_describe(token)}"
        return MappingError(f"{message}, found {found}", token.pos)

    # --- statements ------------------------------------------------------------------------

    def parse_script(self) -> ast.Script:
        body = self.parse_statements(None)
        return ast.Script(Pos(self.path, 1, 1), body)

    def parse_statements(self, closing: str | None) -> list[ast.Node]:
        body: list[ast.Node] = []
        while True:
            while self.at_op(";"):
                self.advance()
            token = self.peek
            if token.kind == EOF or (closing and self.at_op(closing)):
                if token.kind == EOF and closing:
                    raise self.unexpected(f"expected '{closing}' to close the block")
                return body
            body.append(self.parse_statement())
            token = self.peek
            ends = token.kind == EOF or token.newline or self.at_op(";")
            if not ends and not (closing and self.at_op(closing)):
                raise self.unexpected("expected the end of the statement (a new line or ';')")

    def parse_statement(self) -> ast.Node:
        token = self.peek
        if token.kind == NAME and token.value in _UNSUPPORTED_STATEMENTS:
            raise MappingError(
                f"'{token.value}' statements are not supported in mapping scripts; "
                "use 'when … apply { … }' for conditions and '[…].each { … }' for loops",
                token.pos,
            )
        if token.kind == NAME and token.value == "def":
            self.advance()
            name = self.advance()
            if name.kind != NAME:
                raise self.unexpected("expected a variable name after 'def'", name)
            if not self.at_op("="):
                return ast.Def(token.pos, name.value, None)
            self.advance()
            return ast.Def(token.pos, name.value, self.parse_command())
        following = self.tokens[self.index + 1]
        if token.kind == NAME and following.kind == OP and following.value == "=":
            self.index += 2
            return ast.Assign(token.pos, token.value, self.parse_command())
        return self.parse_command()

    def parse_command(self) -> ast.Node:
        """An expression, or a Groovy command chain (``a b c d`` = ``a(b).c(d)``)."""
        expr = self.parse_expression(0)
        if self.starts_argument(self.peek):
            if isinstance(expr, ast.Name):
                expr = ast.Call(expr.pos, expr.name, self.command_arguments())
            elif isinstance(expr, ast.Property):
                expr = ast.MethodCall(
                    expr.pos, expr.target, expr.name, self.command_arguments(), expr.name_pos
                )
        while self.peek.kind == NAME and not self.peek.newline:
            name = self.advance()
            if self.at_op("(") and not self.peek.newline:
                self.advance()
                args = self.call_arguments()
                expr = ast.MethodCall(expr.pos, expr, name.value, args, name.pos)
                expr = self.parse_postfix(expr)
            elif self.starts_argument(self.peek):
                args = self.command_arguments()
                expr = ast.MethodCall(expr.pos, expr, name.value, args, name.pos)
            else:
                expr = ast.Property(expr.pos, expr, name.value, name.pos)
        return expr

    def starts_argument(self, token: Token) -> bool:
        if token.newline:
            return False
        if token.kind in (NAME, STRING, GSTRING, NUMBER):
            return True
        return token.kind == OP and token.value in ("{", "[")

    def command_arguments(self) -> list[ast.Node]:
        args = [self.parse_expression(0)]
        while self.at_op(","):
            self.advance()
            args.append(self.parse_expression(0))
        return args

    def call_arguments(self) -> list[ast.Node]:
        """Arguments after '(' up to ')', then a trailing closure on the same line."""
        args: list[ast.Node] = []
        if not self.at_op(")"):
            args.append(self.parse_command())
            while self.at_op(","):
                self.advance()
                args.append(self.parse_command())
        self.expect_op(")", "to close the argument list")
        if self.at_op("{") and not self.peek.newline:
            args.append(self.closure(self.advance()))
        return args

    # --- expressions (Pratt) ---------------------------------------------------------------

    def parse_expression(self, rbp: int) -> ast.Node:
        token = self.advance()
        left = self.nud(token)
        return self.parse_infix(left, rbp)

    def parse_infix(self, left: ast.Node, rbp: int) -> ast.Node:
        while True:
            token = self.peek
            if token.kind != OP or token.newline:
                return left
            power = BINDING_POWER.get(token.value, 0)
            if power <= rbp:
                return left
            self.advance()
            left = self.led(token, left)

    def parse_postfix(self, left: ast.Node) -> ast.Node:
        while self.peek.kind == OP and self.peek.value in _POSTFIX and not self.peek.newline:
            left = self.led(self.advance(), left)
        return left

    def nud(self, token: Token) -> ast.Node:
        if token.kind == NAME:
            constants = {"true": Lit(True, "Boolean"), "false": Lit(False, "Boolean")}
            if token.value in constants:
                return ast.Literal(token.pos, constants[token.value])
            if token.value == "null":
                return ast.Literal(token.pos, Lit(None, "null"))
            return ast.Name(token.pos, token.value)
        if token.kind == NUMBER:
            return ast.Literal(token.pos, token.value)
        if token.kind == STRING:
            return ast.Literal(token.pos, Lit(token.value, "String"))
        if token.kind == GSTRING:
            return self.gstring(token)
        if token.kind == OP:
            handler: Callable[[Token], ast.Node] | None = getattr(
                self, _NUD.get(token.value, ""), None
            )
            if handler is not None:
                return handler(token)
        raise self.unexpected("expected an expression", token)

    def led(self, token: Token, left: ast.Node) -> ast.Node:
        handler = _LED.get(token.value)
        if handler is not None:
            method: Callable[[Token, ast.Node], ast.Node] = getattr(self, handler)
            return method(token, left)
        right = self.parse_expression(BINDING_POWER[token.value])
        return ast.Binary(token.pos, token.value, left, right)

    def _nud_group(self, token: Token) -> ast.Node:
        expr = self.parse_command()  # (parse location() to uri).path() reads naturally
        self.expect_op(")", "to close the parenthesis")
        return expr

    def _nud_prefix(self, token: Token) -> ast.Node:
        return ast.Unary(token.pos, token.value, self.parse_expression(_PREFIX_POWER))

    def _nud_list(self, token: Token) -> ast.Node:
        if self.at_op(":"):
            self.advance()
            self.expect_op("]", "to close the empty map '[:]'")
            return ast.MapExpr(token.pos, [])
        items: list[ast.Node] = []
        entries: list[tuple[ast.Node, ast.Node]] = []
        while not self.at_op("]"):
            item = self.parse_expression(0)
            if self.at_op(":"):
                self.advance()
                key = (
                    ast.Literal(item.pos, Lit(item.name, "String"))
                    if isinstance(item, ast.Name)
                    else item
                )
                entries.append((key, self.parse_expression(0)))
            else:
                items.append(item)
            if not self.at_op(","):
                break
            self.advance()
        self.expect_op("]", "to close the list")
        if entries and items:
            raise MappingError("a list literal cannot mix values and 'key: value' pairs", token.pos)
        return ast.MapExpr(token.pos, entries) if entries else ast.ListExpr(token.pos, items)

    def _nud_closure(self, token: Token) -> ast.Node:
        return self.closure(token)

    def closure(self, token: Token) -> ast.Closure:
        params: list[str] = []
        index = self.index
        while self.peek.kind == NAME and self.tokens[self.index + 1].kind == OP:
            params.append(self.advance().value)
            if self.at_op(","):
                self.advance()
                continue
            break
        if self.at_op("->"):
            self.advance()
        else:
            self.index, params = index, []
            if self.at_op("->"):
                self.advance()
        body = self.parse_statements("}")
        self.expect_op("}", "to close the closure")
        return ast.Closure(token.pos, params, body)

    def _led_member(self, token: Token, left: ast.Node) -> ast.Node:
        name = self.advance()
        if name.kind not in (NAME, STRING):
            raise self.unexpected(f"expected a method or property name after '{token.value}'", name)
        return ast.Property(left.pos, left, name.value, name.pos)

    def _led_call(self, token: Token, left: ast.Node) -> ast.Node:
        return _apply_call(left, self.call_arguments(), token.pos)

    def _led_closure(self, token: Token, left: ast.Node) -> ast.Node:
        return _apply_call(left, [self.closure(token)], token.pos)

    def _led_index(self, token: Token, left: ast.Node) -> ast.Node:
        index = self.parse_expression(0)
        self.expect_op("]", "to close the index")
        return ast.Index(left.pos, left, index)

    def _led_ternary(self, token: Token, left: ast.Node) -> ast.Node:
        then = self.parse_expression(0)
        self.expect_op(":", "in the conditional expression 'a ? b : c'")
        return ast.Ternary(left.pos, left, then, self.parse_expression(BINDING_POWER["?"] - 1))

    def _led_elvis(self, token: Token, left: ast.Node) -> ast.Node:
        return ast.Ternary(left.pos, left, None, self.parse_expression(BINDING_POWER["?:"] - 1))

    def gstring(self, token: Token) -> ast.Node:
        parts: list[str | ast.Node] = []
        for part in token.value:
            if isinstance(part, str):
                parts.append(part)
                continue
            source, start = part
            tokens = tokenize_part(self.text, self.path, start, source)
            inner = Parser(tokens, self.text, self.path)
            expr = inner.parse_expression(0)
            if inner.peek.kind != EOF:
                raise inner.unexpected("expected the end of the ${…} expression")
            parts.append(expr)
        return ast.GString(token.pos, parts)


def _apply_call(left: ast.Node, args: list[ast.Node], pos: Pos) -> ast.Node:
    if isinstance(left, ast.Name):
        return ast.Call(left.pos, left.name, args)
    if isinstance(left, ast.Property):
        return ast.MethodCall(left.pos, left.target, left.name, args, left.name_pos)
    if isinstance(left, ast.Call):
        return ast.Call(left.pos, left.name, [*left.args, *args])
    if isinstance(left, ast.MethodCall):
        return ast.MethodCall(left.pos, left.target, left.name, [*left.args, *args], left.name_pos)
    return ast.MethodCall(left.pos, left, "call", args, pos)


_NUD = {"(": "_nud_group", "-": "_nud_prefix", "+": "_nud_prefix", "!": "_nud_prefix"}
_NUD.update({"[": "_nud_list", "{": "_nud_closure"})
_LED = {".": "_led_member", "?.": "_led_member", "(": "_led_call", "{": "_led_closure"}
_LED.update({"[": "_led_index", "?": "_led_ternary", "?:": "_led_elvis"})


def _describe(token: Token) -> str:
    if token.kind == OP:
        return f"'{token.value}'"
    if token.kind == NAME:
        return f"'{token.value}'"
    if token.kind in (STRING, GSTRING):
        return "a string"
    return "a number"


def parse(text: str, path: str) -> ast.Script:
    """Parse a whole mapping script; raises MappingError with the position of the problem."""
    return Parser(tokenize(text, path), text, path).parse_script()
