"""Capaian, its rounding, predikat and skor: the one definition every stage calls.

A leaf module (it imports no other stage), used by validation, aggregation, the rekap, the
LKjIP and the form's live capaian formula, so all of them show the same number.

- Capaian (R = realisasi, T = target, in %): positif R / T × 100; negatif ``selisih``
  (2T − R) / T × 100 floored at 0; negatif ``kebalikan`` T / R × 100.
- T = 0: negatif → 100 when R = 0, else 0; positif → not computable (:data:`ALASAN_TARGET_NOL`).
- ``kebalikan`` with R = 0 and T > 0 is the best possible result: no capaian number
  (:data:`ALASAN_TERBAIK`), the top predikat band, skor = the score cap (without a cap the
  indicator is left out of the mean skor).
- The raw capaian is kept unrounded; the cap applies only to the skor.
- The predikat is read from the capaian rounded half-up (away from zero) to
  :data:`DECIMALS` decimals with exact decimal arithmetic: the operands are taken as the
  decimals a spreadsheet shows (15 significant digits), so 40,8 / 80 is exactly 51,00, never
  50,999…; :func:`excel_formula` rounds the same way in the unit's form.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Iterable, Protocol

import numpy as np

#: Decimals of every capaian a reader sees, and of the value its predikat is read from.
DECIMALS = 2

ALASAN_TARGET_NOL = "target 0: capaian tidak dapat dihitung untuk indikator positif"
ALASAN_TERBAIK = ("realisasi 0 dengan target di atas 0: hasil terbaik; angka capaian T/R tidak "
                  "terdefinisi, predikat tertinggi")
ALASAN_TERBAIK_TANPA_SKOR = ALASAN_TERBAIK + ", tidak ikut rata-rata skor (batas_skor tidak ditetapkan)"

_CTX = Context(prec=40, rounding=ROUND_HALF_UP)
_STEP = Decimal(1).scaleb(-DECIMALS)
_HUNDRED = Decimal(100)


class Band(Protocol):
    """A predikat band: half-open [dari, sampai); ``None`` is unbounded."""

    predikat: str
    dari: float | None
    sampai: float | None


# --------------------------------------------------------------------------- scalars


def as_decimal(x: float) -> Decimal:
    """A float operand as the decimal a spreadsheet shows (15 significant digits)."""
    return Decimal(format(float(x), ".15g"))


def exact_capaian(r: float, t: float, positif: bool, kebalikan: bool) -> Decimal | None:
    """Capaian of R against T in exact decimal arithmetic; None when it has no number."""
    R, T = as_decimal(r), as_decimal(t)
    if T == 0:
        return None if positif else Decimal(100 if R == 0 else 0)
    if positif:
        return _CTX.divide(_CTX.multiply(R, _HUNDRED), T)
    if kebalikan:
        return None if R == 0 else _CTX.divide(_CTX.multiply(T, _HUNDRED), R)
    return max(_CTX.divide(_CTX.multiply(_CTX.subtract(2 * T, R), _HUNDRED), T), Decimal(0))


def round_half_up(value: Decimal) -> float:
    """``value`` rounded half-up (away from zero) to :data:`DECIMALS`, as the nearest float
    (a value too large to carry decimals at all is itself)."""
    if not value.is_finite() or value.adjusted() >= _CTX.prec - DECIMALS - 2:
        return float(value)
    return float(value.quantize(_STEP, rounding=ROUND_HALF_UP, context=_CTX))


def round_value(x: float) -> float:
    """A capaian already computed as a float, rounded as a reader sees it (its 15 significant
    digits, then half-up to :data:`DECIMALS`)."""
    return round_half_up(as_decimal(x))


def is_best(r: float, t: float, positif: bool, kebalikan: bool) -> bool:
    """``kebalikan`` with R = 0 and T > 0: the best possible result."""
    return (not positif) and kebalikan and r == 0 and t > 0


def capaian_of(r: float | None, t: float | None, positif: bool, kebalikan: bool) -> float | None:
    """The raw capaian (%) of one realisasi against one target; None when it has no number."""
    if r is None or t is None or math.isnan(r) or math.isnan(t):
        return None
    cap, _, _ = capaian_arrays(np.array([float(r)]), np.array([float(t)]),
                               np.array([positif]), np.array([kebalikan]))
    return None if math.isnan(cap[0]) else float(cap[0])


def rounded_of(r: float | None, t: float | None, positif: bool, kebalikan: bool) -> float | None:
    """The capaian as a reader sees it (rounded half-up, exact); None when it has no number."""
    if r is None or t is None or math.isnan(r) or math.isnan(t):
        return None
    got = exact_capaian(r, t, positif, kebalikan)
    return None if got is None else round_half_up(got)


def predikat_of(bands: Iterable[Band], rounded: float | None, best: bool = False) -> str | None:
    """The band holding an already rounded capaian (the top band for the best result)."""
    bands = tuple(bands)
    if best:
        return top_band(bands)
    if rounded is None or math.isnan(rounded):
        return None
    for band in bands:
        if ((band.dari is None or rounded >= band.dari)
                and (band.sampai is None or rounded < band.sampai)):
            return band.predikat
    return None


def top_band(bands: Iterable[Band]) -> str | None:
    """The predikat of the highest band (the one without an upper bound)."""
    return next((b.predikat for b in bands if b.sampai is None), None)


# --------------------------------------------------------------------------- arrays


def capaian_arrays(r: np.ndarray, t: np.ndarray, positif: np.ndarray,
                   kebalikan: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw capaian (%), the alasan where it has no number, and the best-result mask.

    Rows where R or T is NaN get NaN and an empty alasan (the caller says why).
    """
    r, t = np.asarray(r, dtype=float), np.asarray(t, dtype=float)
    positif, kebalikan = np.asarray(positif, dtype=bool), np.asarray(kebalikan, dtype=bool)
    known = ~np.isnan(r) & ~np.isnan(t)
    cap = np.full(len(r), np.nan)
    alasan = np.full(len(r), "", dtype=object)
    t0 = known & (t == 0)
    tn = known & (t != 0)
    with np.errstate(all="ignore"):
        pos = tn & positif
        cap[pos] = r[pos] * 100.0 / t[pos]
        alasan[t0 & positif] = ALASAN_TARGET_NOL
        neg0 = t0 & ~positif
        cap[neg0] = np.where(r[neg0] == 0, 100.0, 0.0)
        sel = tn & ~positif & ~kebalikan
        cap[sel] = np.maximum((2 * t[sel] - r[sel]) * 100.0 / t[sel], 0.0)
        keb = tn & ~positif & kebalikan
        ok = keb & (r != 0)
        cap[ok] = t[ok] * 100.0 / r[ok]
        best = keb & (r == 0) & (t > 0)
        alasan[keb & (r == 0)] = ALASAN_TERBAIK
    return cap, alasan, best


def rounded_arrays(cap: np.ndarray, r: np.ndarray, t: np.ndarray, positif: np.ndarray,
                   kebalikan: np.ndarray) -> np.ndarray:
    """The raw capaian ``cap`` (from :func:`capaian_arrays`) rounded half-up to
    :data:`DECIMALS`, exactly: a value whose float lies near a rounding edge is recomputed in
    decimal arithmetic from R and T; the others round the same either way."""
    cap = np.asarray(cap, dtype=float)
    scale = 10.0 ** DECIMALS
    with np.errstate(all="ignore"):
        scaled = np.abs(cap) * scale
        frac = scaled - np.floor(scaled)
        out = np.sign(cap) * np.floor(scaled + 0.5) / scale
        # beyond 2**52 a float has no fraction left to round: it is its own rounding
        near = (~np.isnan(cap) & (scaled < 2.0 ** 52)
                & (np.abs(frac - 0.5) <= 1e-9 * np.maximum(1.0, scaled)))
    for i in np.flatnonzero(near):
        got = exact_capaian(r[i], t[i], bool(positif[i]), bool(kebalikan[i]))
        out[i] = np.nan if got is None else round_half_up(got)
    return out + 0.0  # no negative zero


def predikat_arrays(bands: Iterable[Band], rounded: np.ndarray, best: np.ndarray) -> np.ndarray:
    """:func:`predikat_of` for whole columns ("" where there is no predikat)."""
    bands = tuple(bands)
    rounded = np.asarray(rounded, dtype=float)
    conds, names = [np.asarray(best, dtype=bool)], [top_band(bands) or ""]
    known = ~np.isnan(rounded)
    with np.errstate(invalid="ignore"):
        for band in bands:
            cond = known.copy()
            if band.dari is not None:
                cond &= rounded >= band.dari
            if band.sampai is not None:
                cond &= rounded < band.sampai
            conds.append(cond)
            names.append(band.predikat)
    return np.select(conds, np.array(names, dtype=object), default="").astype(object)


def skor_arrays(cap: np.ndarray, best: np.ndarray, batas: float | None) -> np.ndarray:
    """Skor: the capaian capped at ``batas``; the best result scores ``batas`` (NaN without one)."""
    cap = np.asarray(cap, dtype=float)
    if batas is None:
        return cap.copy()
    return np.where(best, float(batas), np.minimum(cap, batas))


def best_alasan(batas: float | None) -> str:
    """The alasan of the best result, saying whether it counts in the mean skor."""
    return ALASAN_TERBAIK if batas is not None else ALASAN_TERBAIK_TANPA_SKOR


# --------------------------------------------------------------------------- the form


def excel_formula(real: str, target: str, positif: bool, kebalikan: bool) -> str:
    """The live capaian formula of the form, rounded like :func:`rounded_arrays`.

    ``real`` and ``target`` are cell references. Blank realisasi shows nothing; a capaian
    without a number shows "—". Excel's and LibreOffice's ROUND round half away from zero on
    the value taken at 15 significant digits, as :func:`as_decimal` does.
    """
    def rnd(expr: str) -> str:
        return f"ROUND({expr},{DECIMALS})"

    if positif:
        body = f'IF({target}=0,"—",{rnd(f"{real}/{target}*100")})'
    elif kebalikan:
        body = f'IF({target}=0,IF({real}=0,100,0),IF({real}=0,"—",{rnd(f"{target}/{real}*100")}))'
    else:
        body = f'IF({target}=0,IF({real}=0,100,0),{rnd(f"MAX(0,(2*{target}-{real})/{target}*100)")})'
    return f'=IF(NOT(ISNUMBER({real})),"",{body})'
