"""Numbers as units type them, and numbers as Indonesians read them.

``parse_number`` accepts real numbers and Indonesian number text ("75,5", "1.234,5",
"80%", "Rp 1.250.000") and never raises: it returns a :class:`Parsed` with either a
value or the reason it is not a number.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                          "#NULL!", "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!",
                          "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "ERR:502", "ERR:504",
                          "ERR:508", "ERR:522", "ERR:532"})

HUGE = 1e15  # from here on a number is shown as mantissa × 10^exponent

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007']+")
_PLAIN = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_ID_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_ID_DECIMAL = re.compile(r"[+-]?\d+,\d+")
_EN_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+\.\d+")


@dataclass(frozen=True)
class Parsed:
    """Result of parsing one cell: ``value`` when it is a number, else ``problem``.

    ``problem`` is ``"kosong"`` (blank), ``"bukan-angka"`` (text that is no number) or
    ``"galat-excel"`` (an Excel error value such as ``#DIV/0!``).
    """

    value: float | None
    problem: str | None = None
    percent: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None


BLANK = Parsed(None, "kosong")


def parse_number(raw: object) -> Parsed:
    """Parse a cell value typed by a unit into a float, Indonesian conventions first."""
    if raw is None:
        return BLANK
    if isinstance(raw, bool):
        return Parsed(None, "bukan-angka")
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:  # an int too large for a float
            return Parsed(None, "bukan-angka")
        if math.isnan(value) or math.isinf(value):
            return Parsed(None, "bukan-angka")
        return Parsed(value)
    try:
        text = str(raw).strip()
    except Exception:  # noqa: BLE001 - an object that cannot be shown is no number
        return Parsed(None, "bukan-angka")
    if not text:
        return BLANK
    if text.upper() in EXCEL_ERRORS or (text.startswith("#") and text.endswith(("!", "?"))):
        return Parsed(None, "galat-excel")
    if len(text) > 64:
        return Parsed(None, "bukan-angka")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if text[:2].lower() == "rp":
        text = text[2:].lstrip(". ")
    text = _SPACES.sub("", text)
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    value = _to_float(text)
    if value is None or math.isinf(value) or math.isnan(value):
        return Parsed(None, "bukan-angka")
    return Parsed(-value if negative else value, None, percent)


def _to_float(text: str) -> float | None:
    if _ID_THOUSANDS.fullmatch(text):
        return float(text.replace(".", "").replace(",", "."))
    if _ID_DECIMAL.fullmatch(text):
        return float(text.replace(",", "."))
    if _EN_THOUSANDS.fullmatch(text):
        return float(text.replace(",", ""))
    if _PLAIN.fullmatch(text):
        return float(text)
    return None


def format_id(value: float | None, decimals: int = 2, *, dash: str = "—") -> str:
    """Format a number the Indonesian way: ``1234.5`` → ``"1.234,50"``; None → dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return dash
    if math.isinf(value):
        return "minus tak terhingga" if value < 0 else "tak terhingga"
    if abs(value) >= HUGE:  # 1e308 as 1,00 × 10^308, not as 309 digits
        mantissa, exponent = f"{value:.{decimals}e}".split("e")
        return f"{format_id(float(mantissa), decimals)} × 10^{int(exponent)}"
    text = f"{abs(value):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return ("-" if value < 0 and float(f"{value:.{decimals}f}") != 0 else "") + text


def format_percent_id(value: float | None, decimals: int = 2) -> str:
    """``87.5`` → ``"87,50%"``; an infinite one is "tak terhingga" (no "inf%")."""
    text = format_id(value, decimals)
    return text if value is None or math.isnan(value) or math.isinf(value) else text + "%"
