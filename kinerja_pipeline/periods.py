"""Quarters, semesters and the year: codes, labels and which quarters a period covers."""
from __future__ import annotations

import datetime as dt

QUARTERS: tuple[int, ...] = (1, 2, 3, 4)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def quarter_code(q: int) -> str:
    """``TW1`` … ``TW4``."""
    return f"TW{q}"


def quarter_label(q: int) -> str:
    """``TW I`` … ``TW IV``."""
    return f"TW {ROMAN[q]}"


def periods_up_to(q: int) -> list[str]:
    """The period codes a rekap at quarter ``q`` reports, in display order.

    Every quarter so far, each semester once it is complete, and ``TAHUN``
    (the whole year, or "s.d. TW q" while the year is not over).
    """
    out = [quarter_code(i) for i in range(1, q + 1)]
    if q >= 2:
        out.append("S1")
    if q >= 4:
        out.append("S2")
    out.append("TAHUN")
    return out


def period_quarters(period: str, upto: int = 4) -> tuple[int, ...]:
    """The quarters a period code covers, cut at ``upto`` for ``TAHUN``."""
    if period.startswith("TW"):
        return (int(period[2:]),)
    if period == "S1":
        return (1, 2)
    if period == "S2":
        return (3, 4)
    if period == "TAHUN":
        return tuple(range(1, upto + 1))
    raise ValueError(period)


def period_label(period: str, upto: int = 4) -> str:
    """Indonesian label of a period code."""
    if period.startswith("TW"):
        return quarter_label(int(period[2:]))
    if period == "S1":
        return "Semester I"
    if period == "S2":
        return "Semester II"
    return "Tahunan" if upto == 4 else f"Tahunan (s.d. {quarter_label(upto)})"


def parse_quarter(value: object) -> int | None:
    """Accept 1..4, '1', 'TW1', 'TW I', 'tw iv' and return the quarter number, else None."""
    text = str(value).strip().upper().replace(" ", "")
    if text.startswith("TW"):
        text = text[2:]
    roman = {v: k for k, v in ROMAN.items()}
    if text in roman:
        return roman[text]
    if text in {"1", "2", "3", "4"}:
        return int(text)
    return None


def quarter_end(year: int, quarter: int) -> dt.date:
    """The last day of a quarter: 31 March, 30 June, 30 September, 31 December."""
    return dt.date(year, 3 * quarter, 31 if quarter in (1, 4) else 30)


def quarters_of(codes: str) -> list[int]:
    """``"TW1,TW2,TW4"`` (a coverage column) → ``[1, 2, 4]``."""
    return [int(c[2:]) for c in str(codes or "").split(",") if c[:2] == "TW" and c[2:].isdigit()]


def quarter_span(quarters: list[int]) -> str:
    """``[1, 2, 4]`` → ``"TW I–II, IV"`` (runs of quarters joined by a dash)."""
    runs: list[list[int]] = []
    for q in sorted(set(quarters)):
        if runs and q == runs[-1][-1] + 1:
            runs[-1].append(q)
        else:
            runs.append([q])
    parts = [ROMAN[r[0]] if len(r) == 1 else f"{ROMAN[r[0]]}–{ROMAN[r[-1]]}" for r in runs]
    return f"TW {', '.join(parts)}" if parts else "tanpa triwulan"
