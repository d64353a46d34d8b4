"""The formula language of computed columns: a tiny, safe arithmetic language.

``capaian = persen_capaian(target, realisasi, arah)``: numbers, the names of the row's
other fields, text constants (``"naik"``), ``+ - * /``, comparisons, ``a if c else b``
and calls to the whitelisted functions in :data:`FUNCTIONS`. Python's ``ast`` module only
*parses* the text; evaluation walks the tree here, so nothing is ever ``eval``-ed, and
anything else (attributes, subscripts, lambdas, comprehensions, other functions) is
refused when the definition loads, with an Indonesian message.
"""
from __future__ import annotations

from functools import lru_cache

import ast
import operator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable


class FormulaError(ValueError):
    """A formula is not allowed or not readable (message in Indonesian)."""


RUMUS_TURUN = {
    "rasio": "target ÷ realisasi × 100",
    "selisih": "(2 × target − realisasi) ÷ target × 100",
}
RUMUS_NAIK = "realisasi ÷ target × 100"
DEFAULT_THRESHOLDS = (100.0, 75.0)  # hijau from, kuning from; below: merah


@dataclass(frozen=True)
class Capaian:
    """One % capaian: the value (None when it cannot be computed), its status colour
    ("hijau", "kuning", "merah" or None), an explanation when it cannot be computed (or
    needs reading carefully) and the formula used, as text."""

    nilai: float | None
    status: str | None
    catatan: str
    rumus: str


def capaian_settings() -> tuple[str, tuple[float, float]]:
    """(rule for "turun", (hijau threshold, kuning threshold)) from the app config
    (``CAPAIAN_RUMUS_TURUN``, ``CAPAIAN_BATAS_HIJAU``, ``CAPAIAN_BATAS_KUNING``); the
    defaults outside an app."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return "rasio", DEFAULT_THRESHOLDS
    config = current_app.config
    rule = str(config.get("CAPAIAN_RUMUS_TURUN") or "rasio").strip().lower()
    if rule not in RUMUS_TURUN:
        rule = "rasio"
    return rule, (float(config.get("CAPAIAN_BATAS_HIJAU", 100)), float(config.get("CAPAIAN_BATAS_KUNING", 75)))


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def status_capaian(nilai: float | None, thresholds: tuple[float, float] | None = None) -> str | None:
    """"hijau" at or above the first threshold (default 100), "kuning" at or above the
    second (default 75), "merah" below; None without a value."""
    if nilai is None:
        return None
    green, yellow = thresholds or capaian_settings()[1]
    return "hijau" if nilai >= green else "kuning" if nilai >= yellow else "merah"


def rumus_capaian(arah: Any = "naik", rumus_turun: str | None = None) -> str:
    """The formula used for ``arah`` as text (Indonesian)."""
    if str(arah or "naik").strip().lower() == "turun":
        return RUMUS_TURUN[rumus_turun or capaian_settings()[0]]
    return RUMUS_NAIK


def hitung_capaian(target: Any, realisasi: Any, arah: Any = "naik", rumus_turun: str | None = None,
                   thresholds: tuple[float, float] | None = None) -> Capaian:
    """% capaian of one indicator with its explanation.

    ``arah`` "naik" (higher is better): realisasi / target x 100. "turun" (lower is
    better): target / realisasi x 100 (``rumus_turun`` "rasio", the default) or
    (2 x target - realisasi) / target x 100 ("selisih"); by default the rule comes from
    the portal setting ``CAPAIAN_RUMUS_TURUN``. A division by zero gives no value and a
    sentence saying why, never an error."""
    settings = capaian_settings()
    rule = rumus_turun or settings[0]
    turun = str(arah or "naik").strip().lower() == "turun"
    text = RUMUS_TURUN[rule] if turun else RUMUS_NAIK
    t, r = _number(target), _number(realisasi)
    if t is None or r is None:
        return Capaian(None, None, "", text)

    def done(value: float, note: str = "") -> Capaian:
        value = round(value, 2)
        return Capaian(value, status_capaian(value, thresholds or settings[1]), note, text)

    if not turun:
        if t == 0:
            return Capaian(None, None, "Target 0: capaian tidak dapat dihitung (pembagian dengan nol); "
                                       "jelaskan dalam analisis.", text)
        return done(r / t * 100)
    if rule == "selisih":
        if t == 0:
            return Capaian(None, None, "Target 0: rumus (2 × target − realisasi) ÷ target tidak dapat dihitung "
                                       "(pembagian dengan nol); jelaskan dalam analisis.", text)
        return done((2 * t - r) / t * 100)
    if r == 0:
        note = ("Target dan realisasi 0: capaian tidak dapat dihitung; target tercapai persis, jelaskan dalam analisis."
                if t == 0 else "Realisasi 0 pada indikator turun: rumus target ÷ realisasi tidak dapat dihitung "
                "(pembagian dengan nol); jelaskan dalam analisis.")
        return Capaian(None, None, note, text)
    if t == 0:
        return done(0.0, "Target 0: setiap realisasi di atas 0 memberi capaian 0 %.")
    return done(t / r * 100)


def persen_capaian(target: Any, realisasi: Any, arah: Any = "naik") -> float | None:
    """Achievement in percent (see :func:`hitung_capaian`); None when a value is missing
    or the formula would divide by zero."""
    return hitung_capaian(target, realisasi, arah).nilai


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


@lru_cache(maxsize=512)
def parsed(text: str) -> "Formula":
    """``Formula(text)``, parsed once per process (a summary evaluates a column's formula on every row)."""
    return Formula(text)


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

    @property
    def is_capaian(self) -> bool:
        """True when the formula is one call of ``persen_capaian`` (its cells get a status
        colour and an explanation)."""
        return (isinstance(self.tree, ast.Call) and isinstance(self.tree.func, ast.Name)
                and self.tree.func.id == "persen_capaian")

    def capaian(self, values: dict[str, Any]) -> Capaian | None:
        """The :class:`Capaian` of a ``persen_capaian(...)`` formula for one row; None for other formulas."""
        if not self.is_capaian:
            return None
        args = [self._eval(a, values) for a in self.tree.args]
        return hitung_capaian(*args[:3])

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


__all__ = ["Formula", "FormulaError", "FUNCTIONS", "persen_capaian", "hitung_capaian", "Capaian", "status_capaian",
           "rumus_capaian", "capaian_settings", "RUMUS_TURUN", "RUMUS_NAIK"]
