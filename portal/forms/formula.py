"""The formula language of computed columns: a tiny, safe arithmetic language.

``capaian = persen_capaian(target, realisasi, arah)``: numbers, the names of the row's
other fields, text constants (``"naik"``), ``+ - * /``, comparisons, ``a if c else b``
and calls to the whitelisted functions in :data:`FUNCTIONS`. Python's ``ast`` module only
*parses* the text; evaluation walks the tree here, so nothing is ever ``eval``-ed, and
anything else (attributes, subscripts, lambdas, comprehensions, other functions) is
refused when the definition loads, with an Indonesian message.
"""
from __future__ import annotations

import ast
import operator
from decimal import Decimal
from typing import Any, Callable


class FormulaError(ValueError):
    """A formula is not allowed or not readable (message in Indonesian)."""


def persen_capaian(target: Any, realisasi: Any, arah: Any = "naik") -> float | None:
    """Achievement in percent. ``arah`` "naik": higher is better (realisasi / target x 100);
    "turun": lower is better ((2 x target - realisasi) / target x 100). None when a value
    is missing or the target is zero."""
    if target in (None, "") or realisasi in (None, ""):
        return None
    target, realisasi = float(target), float(realisasi)
    if target == 0:
        return None
    if str(arah or "naik").lower() == "turun":
        return round((2 * target - realisasi) / target * 100, 2)
    return round(realisasi / target * 100, 2)


def _safe(fn: Callable) -> Callable:
    def wrapped(*args):
        if any(a is None or a == "" for a in args):
            return None
        return fn(*args)
    wrapped.__doc__ = fn.__doc__
    return wrapped


FUNCTIONS: dict[str, Callable] = {
    "persen_capaian": persen_capaian,
    "min": _safe(min),
    "max": _safe(max),
    "abs": _safe(abs),
    "bulat": _safe(lambda x, n=0: round(float(x), int(n))),
}

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}


class Formula:
    """A parsed, checked formula; ``names`` are the fields it reads."""

    def __init__(self, text: str):
        self.text = text
        try:
            self.tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise FormulaError(f'rumus "{text}" tidak terbaca') from exc
        self.names: set[str] = set()
        self._check(self.tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str)) or isinstance(node.value, bool):
                raise FormulaError(f'rumus "{self.text}": nilai {node.value!r} tidak diizinkan')
        elif isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            for child in [node.left, *node.comparators]:
                self._check(child)
        elif isinstance(node, ast.IfExp):
            for child in (node.test, node.body, node.orelse):
                self._check(child)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                allowed = ", ".join(sorted(FUNCTIONS))
                raise FormulaError(f'rumus "{self.text}": fungsi "{name}" tidak diizinkan (yang boleh: {allowed})')
            for arg in node.args:
                self._check(arg)
        else:
            raise FormulaError(f'rumus "{self.text}": bagian "{ast.unparse(node)}" tidak diizinkan')

    def evaluate(self, values: dict[str, Any]) -> Any:
        """The formula's value for one row/entry (None when an input is missing or a division by zero)."""
        try:
            result = self._eval(self.tree, values)
        except (ZeroDivisionError, TypeError, ValueError, ArithmeticError):
            return None
        if isinstance(result, float):
            result = round(result, 4)
            return int(result) if result.is_integer() and abs(result) < 1e15 else result
        return result

    def _eval(self, node: ast.AST, values: dict[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            value = values.get(node.id)
            return float(value) if isinstance(value, Decimal) else value
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, values), self._eval(node.right, values)
            if left is None or right is None:
                return None
            return _BINARY[type(node.op)](float(left), float(right))
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, values)
            return None if operand is None else _UNARY[type(node.op)](float(operand))
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, values)
            for op, right_node in zip(node.ops, node.comparators):
                right = self._eval(right_node, values)
                if left is None or right is None or not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self._eval(node.body if self._eval(node.test, values) else node.orelse, values)
        if isinstance(node, ast.Call):
            return FUNCTIONS[node.func.id](*(self._eval(a, values) for a in node.args))
        raise FormulaError("tidak diizinkan")  # unreachable: _check refused it


__all__ = ["Formula", "FormulaError", "FUNCTIONS", "persen_capaian"]
