"""Evaluate the form's live formulas as a spreadsheet does, for tests.

A small evaluator of exactly the formula language our forms use — numbers, strings, cell
references, ``+ - * /``, comparisons, and IF, NOT, AND, ISNUMBER, MAX, ROUND — with a
spreadsheet's semantics: binary floating point for arithmetic, a blank cell is 0 in arithmetic
and not a number for ISNUMBER, and ROUND rounds half away from zero on the value taken at 15
significant digits (what Excel and LibreOffice do; ``test_semantics`` checks it against a real
LibreOffice). Anything outside that language raises ``ValueError``, so a formula we did not
expect fails the test instead of being guessed at.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

_TOKEN = re.compile(r'\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|("(?:[^"]|"")*")|([A-Z]+\d+)|'
                    r'([A-Z]+)\(|(<>|<=|>=|[-+*/(),=<>]))')


class _Parser:
    def __init__(self, text: str, cells: Mapping[str, Any]) -> None:
        self.tokens = self._tokens(text)
        self.pos = 0
        self.cells = cells

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str]]:
        out, i = [], 0
        while i < len(text):
            m = _TOKEN.match(text, i)
            if not m or m.end() == i:
                raise ValueError(f"unexpected text at {i}: {text[i:]!r}")
            num, string, ref, func, op = m.groups()
            if num is not None:
                out.append(("num", num))
            elif string is not None:
                out.append(("str", string[1:-1].replace('""', '"')))
            elif ref is not None:
                out.append(("ref", ref))
            elif func is not None:
                out.append(("func", func))
            else:
                out.append(("op", op))
            i = m.end()
        return out

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ValueError(f"expected {value!r}, got {tok!r}")
        self.pos += 1
        return tok

    # comparison < additive < multiplicative < unary < primary
    def comparison(self) -> Any:
        left = self.additive()
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in ("=", "<>", "<", ">", "<=", ">="):
            self.take()
            right = self.additive()
            a, b = _num0(left), _num0(right)
            return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b,
                    ">=": a >= b}[tok[1]]
        return left

    def additive(self) -> Any:
        value = self.multiplicative()
        while (tok := self.peek()) and tok[1] in ("+", "-"):
            self.take()
            right = self.multiplicative()
            value = _arith(value) + _arith(right) if tok[1] == "+" else _arith(value) - _arith(right)
        return value

    def multiplicative(self) -> Any:
        value = self.unary()
        while (tok := self.peek()) and tok[1] in ("*", "/"):
            self.take()
            right = _arith(self.unary())
            if tok[1] == "*":
                value = _arith(value) * right
            else:
                if right == 0:
                    raise ZeroDivisionError("#DIV/0!")
                value = _arith(value) / right
        return value

    def unary(self) -> Any:
        if (tok := self.peek()) and tok[1] == "-":
            self.take()
            return -_arith(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "num":
            return float(value)
        if kind == "str":
            return value
        if kind == "ref":
            return self.cells.get(value)
        if kind == "op" and value == "(":
            out = self.comparison()
            self.take(")")
            return out
        if kind == "func":
            return self.call(value)
        raise ValueError(f"unexpected {value!r}")

    def args(self) -> list[int]:
        """Start positions of each argument (IF evaluates only the branch it takes)."""
        starts, depth = [self.pos], 0
        while True:
            tok = self.peek()
            if tok is None:
                raise ValueError("unclosed (")
            if tok[0] == "func" or tok[1] == "(":
                depth += 1
            elif tok[1] == ")":
                if depth == 0:
                    return starts
                depth -= 1
            elif tok[1] == "," and depth == 0:
                starts.append(self.pos + 1)
            self.pos += 1

    def eval_at(self, start: int) -> Any:
        save = self.pos
        self.pos = start
        value = self.comparison()
        self.pos = save
        return value

    def call(self, name: str) -> Any:
        starts = self.args()
        self.take(")")
        after = self.pos
        if name == "IF":
            cond = self.eval_at(starts[0])
            value = self.eval_at(starts[1] if cond else starts[2])
        else:
            values = [self.eval_at(s) for s in starts]
            if name == "NOT":
                value = not values[0]
            elif name == "AND":
                value = all(values)
            elif name == "ISNUMBER":
                value = isinstance(values[0], (int, float)) and not isinstance(values[0], bool)
            elif name == "MAX":
                value = max(_arith(v) for v in values)
            elif name == "ROUND":
                value = spreadsheet_round(_arith(values[0]), int(values[1]))
            else:
                raise ValueError(f"function {name} is not in the forms' formula language")
        self.pos = after
        return value


def _arith(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    raise ValueError(f"#VALUE!: {value!r} in arithmetic")


def _num0(value: Any) -> Any:
    return 0.0 if value is None else value


def spreadsheet_round(x: float, digits: int) -> float:
    """ROUND as Excel and LibreOffice do it: the value at 15 significant digits, half away
    from zero."""
    d = Decimal(format(x, ".15g"))
    return float(d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def evaluate(formula: str, cells: Mapping[str, Any]) -> Any:
    """The value of ``formula`` (with its leading ``=``) given cell values."""
    if not formula.startswith("="):
        raise ValueError("a formula starts with '='")
    p = _Parser(formula[1:], cells)
    value = p.comparison()
    if p.peek() is not None:
        raise ValueError(f"trailing tokens: {p.tokens[p.pos:]}")
    return value
