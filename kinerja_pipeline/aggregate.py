"""Roll quarterly values up into periods and over the unit hierarchy.

Public functions (plain functions on DataFrames; nothing here reads files):

- :func:`aggregate` — realisasi, target, capaian, skor and predikat per (node, indikator, periode);
- :func:`aggregate_budget` — pagu, realisasi anggaran and serapan per (node, kegiatan);
- :func:`budget_by_sasaran` — the budget rolled up per (node, sasaran);
- :func:`sasaran_scores` — the mean skor of a sasaran's indicators per (node, periode).

Semantics
---------
**Input.** ``values`` holds one row per (unit, quarter, indikator) of accepted, current
submissions, with ``realisasi``, ``pembilang`` and ``penyebut``. Rows with a quarter above
``upto`` (or outside 1..4), of unknown units or indicators, or of a unit that does not report that
indicator (its ``jenis`` is not in ``jenis_unit``) are ignored. Two rows for the same
(unit, quarter, indikator) are a programming error (``ValueError``). Missing is never zero: a
missing row and a NaN cell both mean "not reported"; 0 is a value. For a ratio indicator a quarter
counts as reported only when *both* pembilang and penyebut are filled (so pembilang and penyebut
always come from the same quarters); its ``realisasi`` column is ignored.

**Periods.** ``periods.periods_up_to(upto)``: TW1..TWupto, S1 (TW1+TW2) once ``upto >= 2``,
S2 (TW3+TW4) when ``upto == 4``, and TAHUN = s.d. TW ``upto``.

**Order of aggregation.** Time first, within each reporting unit; then over the reporting units of
the node's subtree (the node itself included).

*Over time* (per unit, over the period's quarters that have a value): ``jumlah`` = sum,
``akhir`` = value of the last reported quarter of the period, ``rata`` = mean of the reported
quarters. Ratio indicators aggregate pembilang and penyebut separately by the same time rule.

*Over units*: ratio indicators always SUM pembilang and penyebut over the units and recompute
realisasi = pembilang / penyebut × faktor (percentages are never averaged; penyebut 0 gives no
realisasi, alasan "penyebut 0"). Other indicators: ``agregasi_unit`` ``jumlah`` = sum over the
units that reported, ``rata`` = mean over all reporting units of the subtree that reported (not a
mean of the children's means).

**Nodes.** For each indicator: every unit that reports it (``Rules.reports``: its jenis, less the
year's '-' target rows), and every node its value counts in (``Rules.rollup_nodes``: every
ancestor up to the root; for a ``tingkat: individu`` indicator only the person's own unit, never
higher). Rows are sorted by indicator (rules order), node (rules order of units), period. A unit
that reports an indicator and has reporting units below it gets one row here, its node figure
(its own value with its subtree's); :func:`own_rows` gives its own figure apart.

**Coverage.** ``unit_diharapkan`` = reporting units of the indicator in the node's subtree;
``unit_melapor`` = how many of them have at least one value in the period; ``unit_lengkap`` = how
many have every quarter of it; ``lengkap`` = every expected unit has every quarter.
``triwulan`` = the quarters of the period for which some unit of the subtree has a value
("TW1,TW2", "" if none); ``triwulan_diharapkan`` = the period's quarters. :func:`coverage_mark`
and :func:`predikat_mark` are how every output marks an incomplete row ("sementara: …").

**Targets** compare like with like (``policy.cakupan_target`` ``sebanding``, the default): a
missing quarter or unit never counts as a zero realisasi. Each quarter's own target is
``rules.own_targets`` (kumulatif targets converted). For one unit and period, over the quarters
C of the period it reported:

- ``jumlah``: the sum of the own targets over C; ``rata``: their mean;
- level indicators (``akhir``, ratio): the TW target of the last quarter in C (a percentage is
  never summed).

Over units, for the reporting units V of the node (those with a value in the period): ``jumlah``
= the sum of their targets, ``rata`` = their mean, ratio = their mean weighted by each unit's
penyebut of the period (unweighted when the penyebut sum is 0). NaN when a unit of V has no
target. A node with its own row in the targets file (a Kanwil's own PK target; a node that
reports the indicator itself has a reporting target instead, one of V) uses that row when its
coverage is complete (:func:`_node_own_targets`). With no value at all in the period — and always
under ``cakupan_target: penuh`` — the target is the full period target (``target_penuh``): every
quarter of the period, over all expected units (sum; unweighted mean for ``rata`` and ratio), or
the node's own row.

**Capaian, predikat, skor**: :mod:`kinerja_pipeline.semantics` (the one definition): raw
``capaian`` (NaN when R or T is NaN or it has no number), ``capaian_bulat`` (rounded half-up to 2
decimals, exactly; what every output shows), ``predikat`` read from ``capaian_bulat`` ("" when
none), ``skor`` capped at ``policy.batas_skor``; ``kebalikan`` with R = 0 < T is the best result
(top predikat, skor = the cap). ``alasan`` says in Indonesian why capaian is empty, else "": in
this order of precedence "belum ada data" (no unit reported), "penyebut 0" (ratio with summed
penyebut 0), "target belum ditetapkan" (no target for the year), "target 0: …" (positif,
T = 0), the best result's note; see the ``ALASAN_*`` constants.

**Budget.** ``aggregate_budget``: per (node, kegiatan) for every node with a pagu row in its subtree;
pagu = sum of the subtree's pagu rows (``rules.pagu_for``); realisasi = sum of the reported quarters
≤ ``upto`` over the subtree (NaN if none; rows for a (unit, kegiatan) without pagu are ignored);
serapan = realisasi / pagu × 100 (NaN when pagu is 0). Sorted by kegiatan (rules order), then node.

All numbers are unrounded floats (NaN where not computable); rounding is for display only.
Counts are ints; text columns are never NaN. ``upto`` outside 1..4 raises ``ValueError``.

**Implementation.** Fully vectorised: units, indicators and periods become integer codes and each
output row one integer key ((indikator × units + unit) × periods + periode), so grouping is a sort
plus ``ufunc.reduceat``; the result does not depend on the row order of ``values``. About 0.3 s
for 1,000 units × 12 indicators × 4 quarters; the exact rounding recomputes in decimals only
the values within a hair of a rounding edge.
"""
from __future__ import annotations

from typing import Any, Mapping

from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from . import semantics
from .periods import QUARTERS, period_quarters, periods_up_to, quarter_code, quarter_span, quarters_of
from .rules import CAKUPAN_PENUH, CAKUPAN_SEBANDING, Rules, own_targets
from .semantics import ALASAN_TARGET_NOL, ALASAN_TERBAIK  # noqa: F401 - part of the vocabulary

COLUMNS = ["node", "indikator", "periode", "target", "target_penuh", "realisasi", "pembilang",
           "penyebut", "capaian", "capaian_bulat", "skor", "predikat", "alasan", "unit_melapor",
           "unit_diharapkan", "triwulan", "triwulan_diharapkan", "lengkap", "unit_lengkap"]
BUDGET_COLUMNS = ["node", "kegiatan", "sasaran", "pagu", "realisasi", "serapan", "unit_melapor",
                  "unit_diharapkan", "triwulan"]
SASARAN_BUDGET_COLUMNS = ["node", "sasaran", "pagu", "realisasi", "serapan"]
SASARAN_SCORE_COLUMNS = ["node", "sasaran", "periode", "skor", "indikator_dinilai",
                         "indikator_total"]

ALASAN_BELUM_ADA_DATA = "belum ada data"
ALASAN_TANPA_TARGET = "target belum ditetapkan"
ALASAN_PENYEBUT_NOL = "penyebut 0"

#: Every period code in display order (``periods_up_to`` of any quarter is a subsequence).
PERIOD_ORDER = periods_up_to(4)

_QCOLS = [f"q{q}" for q in QUARTERS]
# "TW1,TW3" for every 4-bit quarter mask (bit q-1 set = quarter q covered).
_MASK_TEXT = np.array([",".join(quarter_code(q) for q in QUARTERS if m & (1 << (q - 1)))
                       for m in range(16)], dtype=object)


# --------------------------------------------------------------------------- coverage marks

SEMENTARA = "sementara"
#: What each ``cakupan_target`` policy compares a realisasi with, as the outputs say it.
CAKUPAN_TEXT = {
    CAKUPAN_SEBANDING: "target sebanding dengan data yang masuk: hanya triwulan dan unit yang sudah "
                       "melapor (data yang belum masuk tidak dihitung nol)",
    CAKUPAN_PENUH: "target penuh: seluruh triwulan periode dan semua unit yang wajib melapor (data "
                   "yang belum masuk ikut menurunkan capaian)",
}


def coverage_mark(row: Mapping[str, Any]) -> str:
    """How an incomplete aggregate row is marked: ``"sementara: 4/5 unit, TW I–II, IV"``
    (units that reported / expected, quarters covered; plus the units that reported only some
    quarters). "" for a complete row and for a row without any data."""
    melapor, lengkap = int(row["unit_melapor"]), int(row["unit_lengkap"])
    if bool(row["lengkap"]) or melapor == 0:
        return ""
    text = f"{SEMENTARA}: {melapor}/{int(row['unit_diharapkan'])} unit, " \
           f"{quarter_span(quarters_of(row['triwulan']))}"
    if lengkap < melapor and int(row["unit_diharapkan"]) > 1:
        text += f" ({melapor - lengkap} unit belum mengirim semua triwulan)"
    return text


def predikat_mark(row: Mapping[str, Any]) -> str:
    """The predikat as the workbooks and reports show it: ``"Rendah (sementara)"`` when the
    row is incomplete; "" when there is none."""
    pred = str(row["predikat"] or "")
    return f"{pred} ({SEMENTARA})" if pred and not bool(row["lengkap"]) else pred


# --------------------------------------------------------------------------- helpers


def _check_upto(upto: int) -> int:
    if int(upto) not in QUARTERS:
        raise ValueError(f"upto must be 1..4, not {upto!r}")
    return int(upto)


def _unit_frame(rules: Rules) -> pd.DataFrame:
    return pd.DataFrame({"unit": [u.kode for u in rules.units],
                         "jenis": [u.jenis for u in rules.units],
                         "unit_rank": np.arange(len(rules.units))})


def _membership(rules: Rules) -> pd.DataFrame:
    """(leaf, node) for every unit and each node of its chain: itself, parent, …, root."""
    leaf, node = [], []
    for u in rules.units:
        chain = [u.kode, *rules.ancestors(u.kode)]
        leaf.extend([u.kode] * len(chain))
        node.extend(chain)
    return pd.DataFrame({"leaf": leaf, "node": node})


def _with_columns(df: pd.DataFrame, keys: list[str], numbers: list[str]) -> pd.DataFrame:
    df = df.copy()
    for col in keys:
        df[col] = df[col].astype(str) if col in df else pd.Series(dtype=object, index=df.index)
    for col in numbers:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float) if col in df else np.nan
    return df


def _quarters(df: pd.DataFrame, upto: int) -> pd.DataFrame:
    q = pd.to_numeric(df["quarter"], errors="coerce") if "quarter" in df else pd.Series(
        np.nan, index=df.index)
    df = df.assign(quarter=q)
    df = df[df["quarter"].isin(range(1, upto + 1))]
    return df.assign(quarter=df["quarter"].astype(int))


def _no_duplicates(df: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        first = df.loc[dup, keys].iloc[0].tolist()
        raise ValueError(f"{what}: more than one row for {dict(zip(keys, first))}")


def _mask_text(mask: np.ndarray) -> np.ndarray:
    return _MASK_TEXT[mask.astype(int)]


# For each 4-bit quarter mask: which quarters it holds (16 × 4), how many, and the last one.
_MASK_QUARTERS = ((np.arange(16)[:, None] >> np.arange(4)) & 1).astype(float)
_MASK_COUNT = _MASK_QUARTERS.sum(axis=1)
_MASK_LAST = np.array([max((q for q in range(4) if m >> q & 1), default=0) for m in range(16)])


def _unit_targets(tw: np.ndarray, own: np.ndarray, mask: np.ndarray, level: np.ndarray,
                  jumlah: np.ndarray) -> np.ndarray:
    """One unit's target over the quarters of ``mask`` (bit q−1 = quarter q), vectorised.

    ``tw``: the unit's TW targets (n × 4, NaN rows for no target row); ``own``: each quarter's
    own target (``rules.own_targets``). ``jumlah`` rows: sum of the own targets over the
    quarters; the others (``rata``): their mean; ``level`` rows (``akhir``, ratio): the TW target
    of the last quarter. NaN for an empty mask.
    """
    total = np.einsum("ij,ij->i", own, _MASK_QUARTERS[mask])
    n = _MASK_COUNT[mask]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(jumlah, total, total / n)
    out = np.where(level, tw[np.arange(len(tw)), _MASK_LAST[mask]], out)
    return np.where(n > 0, out, np.nan)


# --------------------------------------------------------------------------- aggregate


class _Org:
    """Integer codes of units (rules order) and indicators, and each unit's chain.

    A unit's chain is the unit itself, its parent, …, the root: every node whose subtree holds it.
    """

    def __init__(self, rules: Rules, year: int | None = None) -> None:
        self.units = np.array([u.kode for u in rules.units], dtype=object)
        self.unit_code = {k: n for n, k in enumerate(self.units)}
        self.ind_kode = np.array([i.kode for i in rules.indicators], dtype=object)
        self.ind_code = {k: n for n, k in enumerate(self.ind_kode)}
        self.reports = np.array([[rules.reports(u, i, year) for u in rules.units]
                                 for i in rules.indicators], dtype=bool).reshape(
            len(rules.indicators), len(rules.units))
        # per indicator: how many nodes of a reporting unit's chain its value counts in
        self.reach = np.array([len(rules.units) + 1 if (n := rules.rollup_levels(i)) is None else n + 1
                               for i in rules.indicators], dtype=np.int64)
        chains = [[self.unit_code[u.kode], *(self.unit_code[a] for a in rules.ancestors(u.kode))]
                  for u in rules.units]
        self.chain_len = np.array([len(c) for c in chains], dtype=np.int64)
        self.chain_off = np.cumsum(self.chain_len) - self.chain_len
        self.chain_flat = np.array([x for c in chains for x in c], dtype=np.int64)

    def up_the_chain(self, unit: np.ndarray, ind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For rows holding (unit, indicator) codes: (row index, node code) for every node of
        each unit's chain that the indicator's value counts in (``Rules.rollup_nodes``)."""
        counts = np.minimum(self.chain_len[unit], self.reach[ind])
        rep = np.repeat(np.arange(len(unit)), counts)
        pos = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return rep, self.chain_flat[self.chain_off[unit][rep] + pos]


def _runs(sorted_key: np.ndarray) -> np.ndarray:
    """Start index of every run of equal values in a sorted array."""
    if len(sorted_key) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])


def _codes(series: pd.Series, code: dict[str, int]) -> np.ndarray:
    """Integer codes of a column of kodes; -1 for unknown or blank ones."""
    return series.astype(object).map(code).fillna(-1).to_numpy(dtype=np.int64)


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values`` at the position of each ``wanted`` key in the sorted ``keys``; NaN if absent."""
    if len(keys) == 0:
        return np.full(len(wanted), np.nan)
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[pos] == wanted, values[pos], np.nan)


def aggregate(rules: Rules, year: int, upto: int, values: pd.DataFrame) -> pd.DataFrame:
    """Realisasi, target, capaian, skor and predikat per (node, indikator, periode).

    See the module docstring for the semantics. Returns the columns :data:`COLUMNS`, in order.
    The steps: the skeleton of output rows, the valid reported values, over time per unit, each
    unit's target, over units per node, the node's target, then capaian, skor and predikat.
    """
    upto = _check_upto(upto)
    org = _Org(rules, year)
    inds = rules.indicators
    periods = periods_up_to(upto)
    per_qs = [period_quarters(p, upto) for p in periods]
    grid = _Grid(len(org.units), len(periods))
    is_ratio = np.array([i.is_ratio for i in inds], dtype=bool)
    waktu = np.array([i.agregasi_waktu for i in inds], dtype=object)
    sk = _skeleton(org, grid)
    up = _over_time(_reported(values, org, upto, is_ratio), grid, per_qs, waktu)

    # each unit's target over its own coverage (sebanding) or over the whole period (penuh)
    expected_bits = np.array([sum(1 << (x - 1) for x in qs) for qs in per_qs], dtype=np.int64)
    full_per = expected_bits[up.key % grid.n_per]
    tt = _TargetTable(rules, year, org)
    sebanding = rules.policy.cakupan_target == CAKUPAN_SEBANDING
    u_t = tt.unit_targets(up.ind, up.unit, up.bits if sebanding else full_per)
    u_full = (up.bits == full_per).astype(np.int64)

    melapor, sums, bits = _over_units(up, u_t, u_full, org, grid, sk.key)
    row_ratio = is_ratio[sk.ind]
    unit_sum = np.array([i.agregasi_unit == "jumlah" for i in inds], dtype=bool)[sk.ind]
    faktor = np.array([i.rasio.faktor if i.rasio else np.nan for i in inds])[sk.ind]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_r = np.where(sums["d"] != 0, sums["p"] * faktor / sums["d"], np.nan)
        realisasi = np.where(row_ratio, ratio_r,
                             np.where(unit_sum, sums["r"], sums["r"] / melapor))
    diharapkan = np.repeat(sk.expected_units, grid.n_per).astype(np.int64)
    lengkap = np.nan_to_num(sums["full"]).astype(np.int64) == diharapkan
    target, full = _node_targets(tt, org, grid, sk, per_qs, expected_bits, sums, melapor, row_ratio, unit_sum,
                                 sebanding, lengkap)
    capaian, bulat, skor, predikat, alasan = _judged(rules, sk.ind, realisasi, target, melapor)

    return pd.DataFrame({
        "node": org.units[sk.node],
        "indikator": org.ind_kode[sk.ind],
        "periode": np.array(periods, dtype=object)[sk.per],
        "target": target,
        "target_penuh": full,
        "realisasi": realisasi,
        "pembilang": np.where(row_ratio, sums["p"], np.nan),
        "penyebut": np.where(row_ratio, sums["d"], np.nan),
        "capaian": capaian,
        "capaian_bulat": bulat,
        "skor": skor,
        "predikat": predikat,
        "alasan": alasan,
        "unit_melapor": melapor,
        "unit_diharapkan": diharapkan,
        "triwulan": _mask_text(bits),
        "triwulan_diharapkan": _mask_text(expected_bits[sk.per]),
        "lengkap": lengkap,
        "unit_lengkap": np.nan_to_num(sums["full"]).astype(np.int64),
    }, columns=COLUMNS)


class _Grid:
    """Every row is keyed by one integer: ((indikator × units) + unit) × periods + periode, so
    sorting by the key is the output order (indicator, unit, period: all in rules order)."""

    def __init__(self, n_units: int, n_per: int) -> None:
        self.n_units, self.n_per = n_units, n_per

    def key(self, ind: np.ndarray, unit: np.ndarray, per: np.ndarray) -> np.ndarray:
        return (ind * self.n_units + unit) * self.n_per + per

    def split(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indikator, unit, periode) codes of keys."""
        return key // (self.n_units * self.n_per), (key // self.n_per) % self.n_units, key % self.n_per


@dataclass
class _Skeleton:
    """The output rows: every node of every reporting unit's chain, times every period."""

    key: np.ndarray             # sorted row keys (:class:`_Grid`)
    ind: np.ndarray             # … and their indikator, node and periode codes
    node: np.ndarray
    per: np.ndarray
    expected_units: np.ndarray  # per (indikator, node) pair in key order: its reporting units
    m_ind: np.ndarray           # every (indikator, reporting unit, node it counts in)
    m_leaf: np.ndarray
    m_node: np.ndarray


def _skeleton(org: _Org, grid: _Grid) -> _Skeleton:
    pair_ind, pair_unit = np.nonzero(org.reports)
    m_rep, m_node = org.up_the_chain(pair_unit, pair_ind)
    m_ind, m_leaf = pair_ind[m_rep], pair_unit[m_rep]
    node_pairs, expected_units = np.unique(m_ind * grid.n_units + m_node, return_counts=True)
    n_per = grid.n_per
    s_key = np.repeat(node_pairs, n_per) * n_per + np.tile(np.arange(n_per), len(node_pairs))
    s_ind, s_node, s_per = grid.split(s_key)
    return _Skeleton(s_key, s_ind, s_node, s_per, expected_units, m_ind, m_leaf, m_node)


@dataclass
class _Reported:
    """The valid reported values: one row per (indikator, unit, quarter), codes and numbers."""

    unit: np.ndarray
    ind: np.ndarray
    q: np.ndarray
    r: np.ndarray   # realisasi (NaN for a ratio indicator)
    p: np.ndarray   # pembilang and penyebut (NaN for the others)
    d: np.ndarray


def _reported(v: pd.DataFrame, org: _Org, upto: int, is_ratio: np.ndarray) -> _Reported:
    """The rows of ``v`` that count (module docstring, "Input"); ``ValueError`` on a duplicate."""
    uid = _codes(v["unit"], org.unit_code) if "unit" in v else np.full(len(v), -1)
    iid = _codes(v["indikator"], org.ind_code) if "indikator" in v else np.full(len(v), -1)
    quarter = (pd.to_numeric(v["quarter"], errors="coerce").to_numpy(float) if "quarter" in v
               else np.full(len(v), np.nan))

    def number(col: str) -> np.ndarray:
        if col not in v:
            return np.full(len(v), np.nan)
        return pd.to_numeric(v[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    r_in, p_in, d_in = number("realisasi"), number("pembilang"), number("penyebut")
    keep = (uid >= 0) & (iid >= 0) & np.isin(quarter, np.arange(1, upto + 1))
    keep[keep] = org.reports[iid[keep], uid[keep]]
    uid, iid, q = uid[keep], iid[keep], quarter[keep].astype(np.int64)
    r_in, p_in, d_in = r_in[keep], p_in[keep], d_in[keep]
    uq = (iid * len(org.units) + uid) * 4 + q - 1
    if len(np.unique(uq)) < len(uq):
        dup = pd.Series(uq).duplicated().to_numpy().argmax()
        raise ValueError(f"values: more than one row for unit {org.units[uid[dup]]}, "
                         f"quarter {q[dup]}, indikator {org.ind_kode[iid[dup]]}")
    ratio = is_ratio[iid]
    r = np.where(ratio, np.nan, r_in)
    p = np.where(ratio, p_in, np.nan)
    d = np.where(ratio, d_in, np.nan)
    ok = np.where(ratio, ~np.isnan(p) & ~np.isnan(d), ~np.isnan(r))
    return _Reported(uid[ok], iid[ok], q[ok], r[ok], p[ok], d[ok])


@dataclass
class _UnitPeriods:
    """Each reporting unit's figures per period (over time): one row per (indikator, unit,
    periode) it reported in, sorted by key."""

    key: np.ndarray
    ind: np.ndarray
    unit: np.ndarray
    r: np.ndarray
    p: np.ndarray
    d: np.ndarray
    bits: np.ndarray    # the quarters it reported in (bit q−1 = quarter q)


def _over_time(rep: _Reported, grid: _Grid, per_qs: list[tuple[int, ...]], waktu: np.ndarray) -> _UnitPeriods:
    """Each quarter's row goes to every period that covers it, then the indicator's time rule."""
    q = rep.q
    rows = np.concatenate([np.flatnonzero(np.isin(q, qs)) for qs in per_qs])
    pid = np.concatenate([np.full(int(np.isin(q, qs).sum()), j) for j, qs in enumerate(per_qs)])
    gk = grid.key(rep.ind[rows], rep.unit[rows], pid)
    order = np.lexsort((q[rows], gk))  # by group, then by quarter inside each group
    rows, gk = rows[order], gk[order]
    starts = _runs(gk)
    counts = np.diff(np.r_[starts, len(gk)])
    last = starts + counts - 1
    g_key = gk[starts]
    g_ind, g_unit, _ = grid.split(g_key)
    rule = waktu[g_ind]

    def over_time(x: np.ndarray) -> np.ndarray:
        xs = x[rows]
        total = np.add.reduceat(xs, starts) if len(starts) else np.zeros(0)
        return np.select([rule == "jumlah", rule == "akhir"], [total, xs[last]], total / counts)

    qbit = np.left_shift(1, q[rows] - 1)
    u_bits = np.bitwise_or.reduceat(qbit, starts) if len(starts) else np.zeros(0, np.int64)
    return _UnitPeriods(g_key, g_ind, g_unit, over_time(rep.r), over_time(rep.p), over_time(rep.d), u_bits)


def _over_units(up: _UnitPeriods, u_t: np.ndarray, u_full: np.ndarray, org: _Org, grid: _Grid,
                s_key: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Each unit's period figures go to every node of its chain: per skeleton row, how many units
    reported (``melapor``), the sums of their figures and targets (NaN where none reported), and
    the quarters any of them covered (a mask)."""
    size = len(s_key)
    rep, node = org.up_the_chain(up.unit, up.ind)
    nk = up.key[rep] - up.unit[rep] * grid.n_per + node * grid.n_per
    order = np.argsort(nk, kind="stable")
    nk, rep = nk[order], rep[order]
    starts = _runs(nk)
    at = np.searchsorted(s_key, nk[starts])
    melapor = np.zeros(size, dtype=np.int64)
    melapor[at] = np.diff(np.r_[starts, len(nk)])
    t_known = ~np.isnan(u_t)
    t_weighted = np.where(t_known, u_t, 0.0) * np.nan_to_num(up.d)
    sums = {}
    for name, x in (("r", up.r), ("p", up.p), ("d", up.d), ("t", np.where(t_known, u_t, 0.0)),
                    ("t_missing", (~t_known).astype(float)), ("td", t_weighted),
                    ("full", u_full.astype(float))):
        sums[name] = np.full(size, np.nan)
        if len(starts):
            sums[name][at] = np.add.reduceat(x[rep], starts)
    bits = np.zeros(size, dtype=np.int64)
    if len(starts):
        bits[at] = np.bitwise_or.reduceat(up.bits[rep], starts)
    return melapor, sums, bits


def _node_targets(tt: _TargetTable, org: _Org, grid: _Grid, sk: _Skeleton, per_qs: list[tuple[int, ...]],
                  expected_bits: np.ndarray, sums: dict[str, np.ndarray], melapor: np.ndarray,
                  row_ratio: np.ndarray, unit_sum: np.ndarray, sebanding: bool,
                  lengkap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every skeleton row's target and full period target (module docstring, "Targets")."""
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = np.where(sums["d"] > 0, sums["td"] / sums["d"], sums["t"] / melapor)
        covered = np.where(row_ratio, weighted, np.where(unit_sum, sums["t"], sums["t"] / melapor))
    covered = np.where(sums["t_missing"] > 0, np.nan, covered)
    full = tt.full_targets(per_qs, grid.key, sk.key, sk.m_ind, sk.m_leaf, sk.m_node, expected_bits)
    own = _node_own_targets(tt, org, sk.key, grid.n_per, expected_bits)
    has_own = ~np.isnan(own)
    full = np.where(has_own, own, full)
    target = np.where((melapor == 0) | (not sebanding) | (has_own & lengkap), full, covered)
    return target, full


def _judged(rules: Rules, s_ind: np.ndarray, realisasi: np.ndarray, target: np.ndarray,
            melapor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Capaian, capaian_bulat, skor, predikat and alasan of every row (:mod:`semantics`)."""
    inds = rules.indicators
    positif = np.array([i.polaritas == "positif" for i in inds], dtype=bool)[s_ind]
    kebalikan = np.array([i.rumus_negatif == "kebalikan" for i in inds], dtype=bool)[s_ind]
    capaian, alasan, best = semantics.capaian_arrays(realisasi, target, positif, kebalikan)
    bulat = semantics.rounded_arrays(capaian, realisasi, target, positif, kebalikan)
    cap = rules.policy.batas_skor
    alasan = np.where(best, semantics.best_alasan(cap), alasan)
    no_data = melapor == 0
    alasan = np.where(np.isnan(target) & ~np.isnan(realisasi), ALASAN_TANPA_TARGET, alasan)
    alasan = np.where(np.isnan(realisasi) & ~no_data, ALASAN_PENYEBUT_NOL, alasan)
    alasan = np.where(no_data, ALASAN_BELUM_ADA_DATA, alasan).astype(object)
    return (capaian, bulat, semantics.skor_arrays(capaian, best, cap),
            semantics.predikat_arrays(rules.policy.predikat, bulat, best), alasan)


def own_rows(rules: Rules, year: int, upto: int, values: pd.DataFrame) -> pd.DataFrame:
    """The own figure of every unit that reports an indicator and also has reporting units of it
    below (``Rules.nodes_that_report``): its own values against its own target row, exactly as
    :func:`aggregate` computes a unit alone. Columns :data:`COLUMNS`; ``node`` is the unit."""
    frames = []
    pairs = rules.nodes_that_report(year)
    for kode in dict.fromkeys(unit for unit, _, _ in pairs):
        unit = replace(rules.unit(kode), induk=None)
        alone = replace(rules, units=(unit,), _by_unit=MappingProxyType({kode: unit}))
        mine = aggregate(alone, year, upto, values[values["unit"] == kode] if "unit" in values else values)
        frames.append(mine[mine["indikator"].isin({i for u, i, _ in pairs if u == kode})])
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


class _TargetTable:
    """The year's target rows by (indikator, unit): TW targets and each quarter's own target."""

    def __init__(self, rules: Rules, year: int, org: _Org) -> None:
        inds = rules.indicators
        n_units = len(org.units)
        found = [t for t in rules.targets.get(year, {}).values()
                 if t.unit in org.unit_code and t.indikator in org.ind_code]
        self.n_units = n_units
        self.row = np.full(len(inds) * n_units, -1, dtype=np.int64)
        t_unit = np.array([org.unit_code[t.unit] for t in found], dtype=np.int64)
        t_ind = np.array([org.ind_code[t.indikator] for t in found], dtype=np.int64)
        self.row[t_ind * n_units + t_unit] = np.arange(len(found))
        nan_row = [np.nan] * 4  # the last row: "no target"
        self.tw = np.array([*(list(t.tw) for t in found), nan_row], dtype=float)
        self.own = self.tw.copy()
        for i, ind in enumerate(inds):
            mine = np.flatnonzero(t_ind == i)
            self.own[mine] = own_targets(self.tw[mine], ind)
        self.level = np.array([i.target_is_level for i in inds], dtype=bool)
        self.jumlah = np.array([i.agregasi_waktu == "jumlah" for i in inds], dtype=bool)
        self.use_sum = np.array([not i.is_ratio and i.agregasi_unit == "jumlah" for i in inds],
                                dtype=bool)

    def unit_targets(self, ind: np.ndarray, unit: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The targets of (indikator, unit) rows over the quarters of ``mask`` (NaN: no row)."""
        r = self.row[ind * self.n_units + unit]
        return _unit_targets(self.tw[r], self.own[r], mask, self.level[ind], self.jumlah[ind])

    def full_targets(self, per_qs: list[tuple[int, ...]], key, s_key: np.ndarray, m_ind: np.ndarray,
                     m_leaf: np.ndarray, m_node: np.ndarray, expected_bits: np.ndarray) -> np.ndarray:
        """Every skeleton row's full period target over all its expected units: the sum for
        ``jumlah``, else (``rata``, ratio) the unweighted mean; NaN when one has no target."""
        n_per = len(per_qs)
        per = np.tile(np.arange(n_per), len(m_ind))
        ind = np.repeat(m_ind, n_per)
        leaf_t = self.unit_targets(ind, np.repeat(m_leaf, n_per), expected_bits[per])
        nk = key(ind, np.repeat(m_node, n_per), per)
        order = np.argsort(nk, kind="stable")
        nk, leaf_t = nk[order], leaf_t[order]
        starts = _runs(nk)
        at = np.searchsorted(s_key, nk[starts])
        total = np.full(len(s_key), np.nan)
        n_all = np.ones(len(s_key))
        if len(starts):
            total[at] = np.add.reduceat(leaf_t, starts)  # NaN when one unit has no target
            n_all[at] = np.diff(np.r_[starts, len(nk)])
        s_ind = s_key // (self.n_units * n_per)
        return np.where(self.use_sum[s_ind], total, total / n_all)


def _node_own_targets(tt: _TargetTable, org: _Org, s_key: np.ndarray, n_per: int,
                      expected_bits: np.ndarray) -> np.ndarray:
    """A node's own target row (a Kanwil's own PK target), as the full period target of every
    skeleton row; NaN where the node has no row or reports the indicator itself (its row is
    then its own reporting target, one of the units its node figure rests on)."""
    n_units = len(org.units)
    s_ind, s_node, s_per = s_key // (n_units * n_per), (s_key // n_per) % n_units, s_key % n_per
    own = tt.unit_targets(s_ind, s_node, expected_bits[s_per])
    return np.where(org.reports[s_ind, s_node], np.nan, own)


# --------------------------------------------------------------------------- budget


def aggregate_budget(rules: Rules, year: int, upto: int, budget: pd.DataFrame) -> pd.DataFrame:
    """Pagu, realisasi anggaran (s.d. TW ``upto``) and serapan per (node, kegiatan).

    Returns the columns :data:`BUDGET_COLUMNS`. ``budget`` has ``unit, quarter, kegiatan,
    realisasi_anggaran`` (NaN = blank = not reported).
    """
    upto = _check_upto(upto)
    units = _unit_frame(rules)[["unit", "unit_rank"]]
    keg = pd.DataFrame({"kegiatan": pd.Series([k.kode for k in rules.kegiatan], dtype=object),
                        "sasaran": pd.Series([k.sasaran for k in rules.kegiatan], dtype=object),
                        "keg_rank": np.arange(len(rules.kegiatan))})
    pagu = pd.DataFrame([(p.unit, p.kegiatan, p.pagu) for p in rules.pagu.get(year, ())],
                        columns=["unit", "kegiatan", "pagu"])
    members = pagu.merge(_membership(rules), left_on="unit", right_on="leaf")
    g = members.groupby(["node", "kegiatan"], sort=False)
    skel = pd.concat([g["pagu"].sum().astype(float), g.size().rename("unit_diharapkan")],
                     axis=1).reset_index()

    b = _with_columns(budget, ["unit", "kegiatan"], ["realisasi_anggaran"])
    b = _quarters(b, upto).merge(pagu[["unit", "kegiatan"]], on=["unit", "kegiatan"])
    _no_duplicates(b, ["unit", "quarter", "kegiatan"], "budget")
    b = b[b["realisasi_anggaran"].notna()]
    b = b.assign(bit=np.left_shift(1, b["quarter"].to_numpy(int) - 1))
    per_unit = b.groupby(["unit", "kegiatan"], sort=False).agg(
        realisasi=("realisasi_anggaran", "sum"), bit=("bit", "sum")).reset_index()
    for q in QUARTERS:
        per_unit[f"q{q}"] = (per_unit["bit"] & (1 << (q - 1))) > 0
    un = per_unit.merge(members[["leaf", "node", "kegiatan"]], left_on=["unit", "kegiatan"],
                        right_on=["leaf", "kegiatan"])
    g = un.groupby(["node", "kegiatan"], sort=False)
    node_vals = pd.concat([g["realisasi"].sum(min_count=1), g.size().rename("unit_melapor"),
                           g[_QCOLS].max()], axis=1).reset_index()

    out = skel.merge(node_vals, on=["node", "kegiatan"], how="left").merge(
        keg, on="kegiatan", how="left").merge(units.rename(columns={"unit": "node"}), on="node",
                                              how="left")
    out = out.sort_values(["keg_rank", "unit_rank"], kind="stable").reset_index(drop=True)
    mask = np.zeros(len(out), dtype=int)
    for q in QUARTERS:
        mask |= np.where(out[f"q{q}"].fillna(False).to_numpy(bool), 1 << (q - 1), 0)
    pagu_v = out["pagu"].to_numpy(float)
    real = out["realisasi"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        serapan = np.where(pagu_v != 0, real * 100.0 / pagu_v, np.nan)
    result = pd.DataFrame({
        "node": out["node"].to_numpy(dtype=object),
        "kegiatan": out["kegiatan"].to_numpy(dtype=object),
        "sasaran": out["sasaran"].to_numpy(dtype=object),
        "pagu": pagu_v,
        "realisasi": real,
        "serapan": serapan,
        "unit_melapor": out["unit_melapor"].fillna(0).astype(int),
        "unit_diharapkan": out["unit_diharapkan"].astype(int),
        "triwulan": _mask_text(mask),
    }, columns=BUDGET_COLUMNS)
    result.attrs["node_order"] = [u.kode for u in rules.units]
    result.attrs["sasaran_order"] = [s.kode for s in rules.sasaran]
    return result


def budget_by_sasaran(budget_agg: pd.DataFrame) -> pd.DataFrame:
    """Roll :func:`aggregate_budget` up per (node, sasaran): pagu, realisasi, serapan.

    realisasi is NaN when no kegiatan of the sasaran has any realisasi; serapan is NaN when pagu
    is 0. Sorted by sasaran, then node, in rules order (first-appearance order when the frame did
    not come from :func:`aggregate_budget`).
    """
    if budget_agg.empty:
        return pd.DataFrame(columns=SASARAN_BUDGET_COLUMNS)
    g = budget_agg.groupby(["node", "sasaran"], sort=False)
    out = pd.concat([g["pagu"].sum().astype(float), g["realisasi"].sum(min_count=1)],
                    axis=1).reset_index()
    node_order = budget_agg.attrs.get("node_order") or list(pd.unique(budget_agg["node"]))
    sas_order = budget_agg.attrs.get("sasaran_order") or list(pd.unique(budget_agg["sasaran"]))
    out = out.assign(_n=out["node"].map({k: i for i, k in enumerate(node_order)}),
                     _s=out["sasaran"].map({k: i for i, k in enumerate(sas_order)}))
    out = out.sort_values(["_s", "_n"], kind="stable").reset_index(drop=True)
    pagu_v, real = out["pagu"].to_numpy(float), out["realisasi"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["serapan"] = np.where(pagu_v != 0, real * 100.0 / pagu_v, np.nan)
    return out[SASARAN_BUDGET_COLUMNS]


# --------------------------------------------------------------------------- sasaran


def sasaran_scores(agg: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Mean skor of each sasaran's indicators per (node, periode), from :func:`aggregate`.

    ``skor`` ignores indicators without a skor (NaN if none has one); ``indikator_dinilai`` counts
    the indicators with a skor, ``indikator_total`` those the node has for the sasaran.
    Sorted by sasaran, node (rules order), period.
    """
    if agg.empty:
        return pd.DataFrame(columns=SASARAN_SCORE_COLUMNS)
    ind_sas = {i.kode: i.sasaran for i in rules.indicators}
    df = agg[["node", "indikator", "periode", "skor"]].assign(
        sasaran=agg["indikator"].map(ind_sas))
    df = df[df["sasaran"].notna()]
    g = df.groupby(["sasaran", "node", "periode"], sort=False)["skor"]
    out = pd.concat([g.mean().rename("skor"), g.count().rename("indikator_dinilai"),
                     g.size().rename("indikator_total")], axis=1).reset_index()
    ranks = {"sasaran": {s.kode: i for i, s in enumerate(rules.sasaran)},
             "node": {u.kode: i for i, u in enumerate(rules.units)},
             "periode": {p: i for i, p in enumerate(PERIOD_ORDER)}}
    keys = [out[k].map(m) for k, m in ranks.items()]
    order = np.lexsort([k.to_numpy() for k in reversed(keys)])
    out = out.iloc[order].reset_index(drop=True)
    out["indikator_dinilai"] = out["indikator_dinilai"].astype(int)
    out["indikator_total"] = out["indikator_total"].astype(int)
    return out[SASARAN_SCORE_COLUMNS]
