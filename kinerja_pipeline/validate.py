"""Validate returned forms: pandera schemas built from the rules, run lazily in batches.

Every problem becomes an :class:`Issue` with a stable code, a severity, the cell
(``sheet!A1``) and an Indonesian message that says how to fix it. Bad data is never an
exception. Row checks of many forms run in one pandera call (``validate_batch``); the
form-level checks (identity, merged or extra cells, budget, signature) are plain Python.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import codes, fast
from .codes import ERROR, WARNING, Issue
from .layout import COL, DATA_SHEET, FormPlan
from .numbers import format_id, format_percent_id, parse_number
from .reading import cell_value
from .rules import Policy, Rules
from .semantics import capaian_arrays, rounded_arrays
from .text import excerpt, has_content, shown

MAX_TEXT = 2000


@dataclass
class FormInput:
    """What was read from one returned form, before validation."""

    plan: FormPlan
    grid: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formulas: dict[tuple[int, int], tuple[str, bool]] = field(default_factory=dict)  # (row0, col0) → (text, saved)


@dataclass
class FormOutcome:
    """Validated content of one form: values to record and every issue found."""

    values: list[dict] = field(default_factory=list)
    budget: list[dict] = field(default_factory=list)
    signer_name: str | None = None
    signer_nip: str | None = None
    signed_on: str | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)


def col_index(letter: str) -> int:
    return ord(letter) - ord("A")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --------------------------------------------------------------------------- extraction


INPUTS = ("realisasi", "pembilang", "penyebut")
FORMULA_UNSAVED = codes.RUMUS_TANPA_NILAI  # the input problem of a formula cell without a saved result


def _rows_frame(forms: list[FormInput]) -> pd.DataFrame:
    """One row per issued indicator row of every form, raw and parsed side by side (built
    column by column: a frame from lists is several times cheaper than one from row dicts)."""
    at = {key: col_index(letter) for key, letter in COL.items()}
    names = ("form", "row", "kode", "nama", "kode_found", "tahunan", "tahunan_raw", "tahunan_read", "target_tw",
             "target_tw_raw", "target_tw_read", "is_ratio", "bulat", "bmin", "bmax", "bukti_wajib", "polaritas",
             "rumus", "faktor", "desimal", "penjelasan", "bukti", "penjelasan_ada", "bukti_ada",
             *(f"{key}{part}" for key in INPUTS
               for part in ("_raw", "_used", "", "_problem", "_ambigu", "_formula")))
    columns: dict[str, list] = {name: [] for name in names}
    put = {name: column.append for name, column in columns.items()}
    for f_idx, form in enumerate(forms):
        grid = form.grid
        for r in form.plan.rows:
            ind = r.indicator
            line = grid[r.row - 1] if r.row - 1 < len(grid) else ()
            tahunan_raw, target_tw_raw = _at(line, at["target_tahunan"]), _at(line, at["target_tw"])
            put["form"](f_idx)
            put["row"](r.row)
            put["kode"](ind.kode)
            put["nama"](ind.nama)
            put["kode_found"](_text(_at(line, at["kode"])))
            put["tahunan"](r.target.tahunan)
            put["tahunan_raw"](tahunan_raw)
            put["tahunan_read"](_number(tahunan_raw))
            put["target_tw"](r.target_tw)
            put["target_tw_raw"](target_tw_raw)
            put["target_tw_read"](_number(target_tw_raw))
            put["is_ratio"](ind.is_ratio)
            put["bulat"](ind.bilangan_bulat)
            put["bmin"](np.nan if ind.batas_min is None else ind.batas_min)
            put["bmax"](np.nan if ind.batas_max is None else ind.batas_max)
            put["bukti_wajib"](ind.bukti_wajib)
            put["polaritas"](ind.polaritas)
            put["rumus"](ind.rumus_negatif)
            put["faktor"](ind.rasio.faktor if ind.rasio else np.nan)
            put["desimal"](ind.desimal)
            penjelasan, bukti = _text(_at(line, at["penjelasan"])), _text(_at(line, at["bukti"]))
            put["penjelasan"](penjelasan)
            put["bukti"](bukti)
            put["penjelasan_ada"](has_content(penjelasan))
            put["bukti_ada"](has_content(bukti))
            for key in INPUTS:
                used = (key != "realisasi") == ind.is_ratio
                raw = _at(line, at[key]) if used else None
                parsed = parse_number(raw)
                formula, saved = form.formulas.get((r.row - 1, at[key]), ("", False)) if used else ("", False)
                put[f"{key}_raw"](raw)
                put[f"{key}_used"](used)
                put[key](parsed.value if parsed.ok else np.nan)
                problem = (parsed.problem or "") if used else ""
                put[f"{key}_problem"](FORMULA_UNSAVED if formula and not saved and problem == "kosong" else problem)
                put[f"{key}_formula"](formula)
                # "1,000" typed as text in a count: 1 (decimal comma) or 1000 (thousands comma)?
                put[f"{key}_ambigu"](used and ind.bilangan_bulat and parsed.ok and isinstance(raw, str)
                                     and "," in raw and float(parsed.value).is_integer())
    if not columns["form"]:
        return pd.DataFrame()
    frame = pd.DataFrame({name: pd.Series(values, dtype=object if name.endswith("_raw") else None)
                          for name, values in columns.items()})
    ratio = frame["is_ratio"].to_numpy(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = frame["pembilang"] / frame["penyebut"] * frame["faktor"]
    computed = computed.where(frame["penyebut"] > 0)
    frame["realisasi"] = np.where(ratio, computed, frame["realisasi"])
    # the capaian as the form's live formula shows it (rounded the same way)
    r, t = frame["realisasi"].to_numpy(float), frame["target_tw"].to_numpy(float)
    positif = (frame["polaritas"] == "positif").to_numpy(bool)
    kebalikan = (frame["rumus"] == "kebalikan").to_numpy(bool)
    raw, _, _ = capaian_arrays(r, t, positif, kebalikan)
    frame["capaian"] = rounded_arrays(raw, r, t, positif, kebalikan)
    return frame


def _at(line: Any, col: int) -> Any:
    """Cell ``col`` (0-based) of a grid row, as :func:`reading.cell_value` reads it."""
    value = line[col] if col < len(line) else None
    return None if value == "" else value


def _number(raw: Any) -> float:
    """A cell read as a number (NaN when it is none), parsed once."""
    parsed = parse_number(raw)
    return parsed.value if parsed.ok else np.nan  # type: ignore[return-value]


def _same_number(read: pd.Series, expected: pd.Series) -> pd.Series:
    return (read.astype(float) - expected).abs() <= 1e-9 * np.maximum(1.0, expected.abs())


# --------------------------------------------------------------------------- row checks (pandera)


@dataclass(frozen=True)
class RowCheck:
    code: str
    severity: str
    column: str          # key of layout.COL: where the issue is shown
    passes: Callable[[pd.DataFrame], pd.Series]
    message: Callable[[pd.Series], str]


def _input_check(key: str, problem: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: ~(d[f"{key}_used"] & (d[f"{key}_problem"] == problem))


def _label(key: str) -> str:
    return {"realisasi": "Realisasi", "pembilang": "Pembilang", "penyebut": "Penyebut"}[key]


def _row_checks(rules: Rules) -> list[RowCheck]:
    """Every check of an indicator row, in the order its issues are listed: the issued cells, each
    input cell as typed, the numbers' bounds and relations, the texts, then the policy's checks."""
    return [*_issued_checks(), *_typed_checks(), *_number_checks(), *_text_checks(), *_policy_checks(rules.policy)]


def _issued_checks() -> list[RowCheck]:
    """The cells the form issued (indicator code, targets) left as issued."""
    return [
        RowCheck(codes.BARIS_DIUBAH, ERROR, "kode", lambda d: d["kode_found"] == d["kode"],
                 lambda r: f"Kode indikator di baris ini harus {r.kode}, tertulis '{excerpt(r.kode_found)}'. "
                           "Jangan menyisipkan, menghapus, atau menukar baris; pakai formulir asli."),
        RowCheck(codes.TARGET_DIUBAH, ERROR, "target_tahunan", lambda d: _same_number(d["tahunan_read"], d["tahunan"]),
                 lambda r: f"Target tahunan {r.kode} diubah menjadi '{excerpt(_text(r.tahunan_raw))}'; target resmi "
                           f"{format_id(r.tahunan, int(r.desimal))}. Kembalikan ke nilai resmi; perubahan "
                           "target hanya melalui revisi Perjanjian Kinerja."),
        RowCheck(codes.TARGET_DIUBAH, ERROR, "target_tw", lambda d: _same_number(d["target_tw_read"], d["target_tw"]),
                 lambda r: f"Target triwulan {r.kode} diubah menjadi '{excerpt(_text(r.target_tw_raw))}'; target resmi "
                           f"{format_id(r.target_tw, int(r.desimal))}. Kembalikan ke nilai resmi."),
    ]


def _typed_checks() -> list[RowCheck]:
    """Each input cell (realisasi, pembilang, penyebut) as typed: filled, a number, not ambiguous,
    a formula with a stored value, no Excel error."""
    checks: list[RowCheck] = []
    for key in INPUTS:
        checks += [
            RowCheck(codes.NILAI_KOSONG, ERROR, key, _input_check(key, "kosong"),
                     lambda r, k=key: f"{_label(k)} {r.kode} belum diisi. Isi dengan angka (0 bila memang "
                                      "nol; sel kosong berarti belum dilaporkan)."),
            RowCheck(codes.NILAI_BUKAN_ANGKA, ERROR, key, _input_check(key, "bukan-angka"),
                     lambda r, k=key: f"{_label(k)} {r.kode} berisi {shown(_text(r[f'{k}_raw']))}, bukan "
                                      "angka. Ketik angkanya saja tanpa satuan atau teks, desimal memakai "
                                      "koma (mis. 75,5)."),
            RowCheck(codes.ANGKA_AMBIGU, ERROR, key, lambda d, k=key: ~d[f"{k}_ambigu"],
                     lambda r, k=key: _ambiguous_message(_label(k), r.kode, r[f"{k}_raw"])),
            RowCheck(codes.RUMUS_TANPA_NILAI, ERROR, key, _input_check(key, FORMULA_UNSAVED),
                     lambda r, k=key: f"{_label(k)} {r.kode} berisi rumus {excerpt(r[f'{k}_formula'], 60)} tanpa "
                                      "nilai tersimpan; ketik angkanya."),
            RowCheck(codes.RUMUS_DI_SEL_ISIAN, WARNING, key,
                     lambda d, k=key: ~(d[f"{k}_used"] & (d[f"{k}_formula"] != "") & (d[f"{k}_problem"] == "")),
                     lambda r, k=key: f"{_label(k)} {r.kode} berisi rumus {excerpt(r[f'{k}_formula'], 60)}; "
                                      f"nilai tersimpannya {format_id(r[k], int(r.desimal))} yang dipakai. "
                                      "Pastikan hasilnya benar, atau ketik angkanya langsung."),
            RowCheck(codes.GALAT_EXCEL, ERROR, key, _input_check(key, "galat-excel"),
                     lambda r, k=key: f"{_label(k)} {r.kode} berisi galat Excel {excerpt(_text(r[f'{k}_raw']), 40)}. "
                                      "Ganti rumusnya dengan nilai angka."),
        ]
    return checks


def _number_checks() -> list[RowCheck]:
    """The numbers: within the indicator's bounds, whole where counted, pembilang ≤ penyebut > 0."""
    checks = [
        RowCheck(codes.DI_LUAR_BATAS, ERROR, "realisasi",
                 lambda d: d["is_ratio"] | d["realisasi"].isna()
                 | ((d["realisasi"] >= d["bmin"].fillna(-np.inf)) & (d["realisasi"] <= d["bmax"].fillna(np.inf))),
                 lambda r: f"Realisasi {r.kode} ({format_id(r.realisasi, int(r.desimal))}) di luar batas yang "
                           f"diizinkan ({_bounds(r)}). Periksa kembali angkanya."),
        RowCheck(codes.DI_LUAR_BATAS, ERROR, "pembilang", lambda d: ~d["is_ratio"] | ~(d["pembilang"] < 0),
                 lambda r: f"Pembilang {r.kode} tidak boleh negatif. Isi jumlah sebenarnya (0 atau lebih)."),
        RowCheck(codes.DI_LUAR_BATAS, ERROR, "penyebut", lambda d: ~d["is_ratio"] | ~(d["penyebut"] < 0),
                 lambda r: f"Penyebut {r.kode} tidak boleh negatif. Isi jumlah sebenarnya."),
    ]
    for key in INPUTS:
        checks.append(RowCheck(
            codes.BUKAN_BILANGAN_BULAT, ERROR, key,
            lambda d, k=key: ~(d[f"{k}_used"] & d["bulat"] & d[k].notna() & (d[k] != d[k].round())),
            lambda r, k=key: f"{_label(k)} {r.kode} harus bilangan bulat ({_counted(r.nama)}), "
                             f"tertulis {format_id(r[k], 2)}. Bulatkan sesuai data sebenarnya."))
    checks += [
        RowCheck(codes.PEMBILANG_LEBIH_BESAR, ERROR, "pembilang",
                 lambda d: ~d["is_ratio"] | (d["pembilang"] < 0) | (d["penyebut"] < 0)
                 | ~(d["pembilang"] > d["penyebut"]),
                 lambda r: f"Pembilang {r.kode} ({format_id(r.pembilang, 0)}) lebih besar dari penyebut "
                           f"({format_id(r.penyebut, 0)}). Pembilang adalah bagian dari penyebut; periksa "
                           "apakah keduanya tertukar."),
        RowCheck(codes.PENYEBUT_NOL, ERROR, "penyebut", lambda d: ~d["is_ratio"] | ~(d["penyebut"] == 0),
                 lambda r: f"Penyebut {r.kode} bernilai 0 sehingga persentase tidak dapat dihitung. Isi "
                           "penyebut yang sebenarnya; bila memang tidak ada kegiatan, jelaskan di kolom "
                           "Penjelasan dan hubungi operator."),
    ]
    return checks


def _text_checks() -> list[RowCheck]:
    """The texts: bukti dukung where required, penjelasan and bukti not too long."""
    return [
        RowCheck(codes.BUKTI_WAJIB, ERROR, "bukti", lambda d: ~(d["bukti_wajib"] & ~d["bukti_ada"]),
                 lambda r: f"Bukti dukung {r.kode} wajib diisi: nomor dokumen, nama berkas, atau tautan"
                           + _placeholder(r.bukti) + "."),
        RowCheck(codes.TEKS_TERLALU_PANJANG, WARNING, "penjelasan", lambda d: d["penjelasan"].str.len() <= MAX_TEXT,
                 lambda r: f"Penjelasan {r.kode} panjangnya {len(r.penjelasan)} karakter (batas {MAX_TEXT}). "
                           "Ringkas, dan lampirkan rinciannya sebagai bukti dukung."),
        RowCheck(codes.TEKS_TERLALU_PANJANG, WARNING, "bukti", lambda d: d["bukti"].str.len() <= MAX_TEXT,
                 lambda r: f"Bukti dukung {r.kode} terlalu panjang ({len(r.bukti)} karakter). Ringkas."),
    ]


def _policy_checks(pol: Policy) -> list[RowCheck]:
    """The policy's ranges of capaian: penjelasan required outside one, an outlier warning outside
    the other (each only when the policy sets it)."""
    checks: list[RowCheck] = []
    low, high = pol.penjelasan_bawah, pol.penjelasan_atas
    if low is not None or high is not None:
        lo, hi = (-np.inf if low is None else low), (np.inf if high is None else high)
        checks.append(RowCheck(
            codes.PENJELASAN_WAJIB, ERROR, "penjelasan",
            lambda d: ~(((d["capaian"] < lo) | (d["capaian"] > hi)) & ~d["penjelasan_ada"]),
            lambda r: f"Capaian {r.kode} {format_percent_id(r.capaian, 2)} berada di luar rentang "
                      f"{format_id(lo, 0)}–{format_id(hi, 0)}%; Penjelasan/Kendala wajib diisi (penyebab "
                      f"dan tindak lanjut){_placeholder(r.penjelasan)}."))
    if pol.pencilan_bawah is not None or pol.pencilan_atas is not None:
        lo2 = -np.inf if pol.pencilan_bawah is None else pol.pencilan_bawah
        hi2 = np.inf if pol.pencilan_atas is None else pol.pencilan_atas
        checks.append(RowCheck(
            codes.PENCILAN_TARGET, WARNING, "realisasi",
            lambda d: ~((d["capaian"] < lo2) | (d["capaian"] > hi2)),
            lambda r: f"Capaian {r.kode} {format_percent_id(r.capaian, 2)} sangat jauh dari target (di luar "
                      f"{format_id(lo2, 0)}–{format_id(hi2, 0)}%). Pastikan angkanya benar (salah ketik, "
                      "satuan, atau kumulatif?)."))
    return checks


def _placeholder(text: str) -> str:
    """For a required text that holds only a placeholder ('-', '.', an invisible character)."""
    return f"; isiannya hanya {shown(text)}, belum berupa keterangan" if text else ""


def _counted(nama: str) -> str:
    """``Jumlah narapidana …`` → ``jumlah narapidana …`` (not "jumlah jumlah …")."""
    what = excerpt(nama, 80).lower()
    return what if what.startswith("jumlah") else f"jumlah {what}"


def _ambiguous_message(label: str, kode: str, raw: str) -> str:
    read = parse_number(raw).value
    other = parse_number(raw.replace(",", "")).value
    meaning = (f"dibaca {format_id(read, 0)} (koma desimal), padahal mungkin maksudnya "
               f"{format_id(other, 0)} (koma ribuan)" if other is not None and other != read
               else "memakai koma, padahal nilainya jumlah bulat")
    example = format_id(other if other is not None else read, 0).replace(".", "")
    return (f"{label} {kode} diketik sebagai teks {shown(raw)}: {meaning}. Ketik angkanya saja tanpa "
            f"titik atau koma (mis. {example}).")


def _bounds(r: pd.Series) -> str:
    lo = "" if pd.isna(r.bmin) else format_id(r.bmin, int(r.desimal))
    hi = "" if pd.isna(r.bmax) else format_id(r.bmax, int(r.desimal))
    if lo and hi:
        return f"{lo} sampai {hi}"
    return f"minimal {lo}" if lo else f"maksimal {hi}"


def _run_row_checks(frame: pd.DataFrame, checks: list[RowCheck]) -> list[tuple[int, RowCheck]]:
    """Run every row check lazily in one pandera call; return (frame index, check) per failure.

    ``ignore_na=False``: pandera's default would let a row pass whose every column is empty,
    which no row of this frame is (form, row and kode are always set); computing that per
    check cost a third of the call."""
    schema = pa.DataFrameSchema(checks=[pa.Check(c.passes, name=f"{n}", ignore_na=False)
                                        for n, c in enumerate(checks)])
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases.dropna(subset=["index"])
    pairs = cases[["check", "index"]].drop_duplicates()
    return [(int(idx), checks[int(name)]) for name, idx in pairs.itertuples(index=False)]


def warm_up() -> None:
    """Run one tiny failing validation: pandera's first call in a process costs ≈0.2 s of lazy
    imports and set-up, which forked read-ahead workers then share instead of each paying it."""
    frame = pd.DataFrame({"form": [0], "row": [1]})
    _run_row_checks(frame, [RowCheck(codes.NILAI_KOSONG, WARNING, "kode", lambda d: d["row"] > 1, str)])


# --------------------------------------------------------------------------- form-level checks


def _structure_issues(form: FormInput) -> list[Issue]:
    """Merged cells touching the input area, and typed cells outside the form."""
    plan = form.plan
    issues: list[Issue] = []
    allowed_merges = plan.merges()
    layout = _layout_key(plan)
    input_rows = _layout_cells(layout, plan)[1]
    for (r0, c0), (r1, c1) in form.merged:
        if ((r0, c0), (r1, c1)) in allowed_merges:
            continue
        touches = any(r0 + 1 <= row <= r1 + 1 for row in input_rows)
        cell = f"{chr(65 + c0)}{r0 + 1}:{chr(65 + min(c1, 25))}{r1 + 1}"
        issues.append(Issue(codes.SEL_DIGABUNG, ERROR if touches else WARNING, DATA_SHEET, cell,
                            f"Sel {cell} digabung (merge). Batalkan penggabungan sel (Unmerge) agar setiap "
                            "nilai berada di selnya sendiri."))
    extra = []
    width = max(map(len, form.grid), default=0)
    others = _other_columns(layout, width, plan)
    every = range(width)
    for r, line in enumerate(form.grid, start=1):
        for c in (others[r] if r < len(others) else every):
            if c < len(line) and line[c] not in ("", None):
                extra.append(f"{_col_letter(c)}{r}")
    if extra:
        shown = ", ".join(extra[:8]) + (f" dan {len(extra) - 8} sel lain" if len(extra) > 8 else "")
        issues.append(Issue(codes.SEL_TAMBAHAN, WARNING, DATA_SHEET, extra[0],
                            f"Ada isian di luar sel isian formulir ({shown}); isian itu tidak dibaca. "
                            "Pindahkan keterangan ke kolom Penjelasan atau Bukti Dukung."))
    return issues


def _layout_key(plan: FormPlan) -> tuple:
    """What decides where a plan's cells are: forms of units of one kind share it."""
    return (tuple((r.row, r.indicator.is_ratio) for r in plan.rows), plan.budget_title_row,
            plan.budget_header_row, tuple(b.row for b in plan.budget), tuple(sorted(plan.signature_rows.items())),
            tuple(sorted(plan.notes())))


# A speed path (``KINERJA_FAST``, "layouts"): the cells of a layout, computed once for all the
# forms that share it (a run has a handful of layouts and hundreds of forms).
_CELLS_OF_LAYOUT: dict[tuple, tuple[dict[int, frozenset[int]], frozenset[int]]] = {}
_OTHER_COLUMNS: dict[tuple, tuple[tuple[int, ...], ...]] = {}


def _layout_cells(key: tuple, plan: FormPlan) -> tuple[dict[int, frozenset[int]], frozenset[int]]:
    """For a layout (``key`` of ``plan``): the columns of each row a unit may type in or the
    form fills itself (0-based, by 1-based row), and the rows that hold input cells."""
    kept = fast.on("layouts")
    found = _CELLS_OF_LAYOUT.get(key) if kept else None
    if found is not None:
        return found
    filled: dict[int, set[int]] = {}
    for addr in set(plan.input_cells()) | plan.own_cells():
        letters = addr.rstrip("0123456789")
        filled.setdefault(int(addr[len(letters):]), set()).add(_col_from_letters(letters))
    input_rows = (frozenset(r.row for r in plan.rows) | frozenset(b.row for b in plan.budget)
                  | frozenset(plan.signature_rows.values()))
    found = ({r: frozenset(cols) for r, cols in filled.items()}, input_rows)
    if kept:
        if len(_CELLS_OF_LAYOUT) > 256:
            _CELLS_OF_LAYOUT.clear()
        _CELLS_OF_LAYOUT[key] = found
    return found


def _other_columns(key: tuple, width: int, plan: FormPlan) -> tuple[tuple[int, ...], ...]:
    """For a layout and a grid ``width``: by 1-based row, the columns outside the form's own
    cells (the ones to look at for stray input)."""
    kept = fast.on("layouts")
    found = _OTHER_COLUMNS.get((key, width)) if kept else None
    if found is None:
        filled, _ = _layout_cells(key, plan)
        rows = max(filled, default=0) + 1
        found = tuple(tuple(c for c in range(width) if c not in filled.get(r, ())) for r in range(rows))
        if kept:
            if len(_OTHER_COLUMNS) > 256:
                _OTHER_COLUMNS.clear()
            _OTHER_COLUMNS[(key, width)] = found
    return found


def _col_from_letters(letters: str) -> int:
    """``"A"`` → 0, ``"AA"`` → 26 (the inverse of :func:`_col_letter`)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _budget(form: FormInput, outcome: FormOutcome) -> None:
    for b in form.plan.budget:
        raw = cell_value(form.grid, b.row, col_index("H"))
        parsed = parse_number(raw)
        cell = f"H{b.row}"
        value = parsed.value if parsed.ok else None
        formula, saved = form.formulas.get((b.row - 1, col_index("H")), ("", False))
        if formula and parsed.ok:
            outcome.issues.append(Issue(codes.RUMUS_DI_SEL_ISIAN, WARNING, DATA_SHEET, cell,
                                        f"Realisasi anggaran {b.kegiatan} berisi rumus {excerpt(formula, 60)}; "
                                        f"nilai tersimpannya Rp {format_id(value, 0)} yang dipakai. Pastikan "
                                        "hasilnya benar, atau ketik angkanya langsung."))
        if formula and not saved and parsed.problem == "kosong":
            outcome.issues.append(Issue(codes.RUMUS_TANPA_NILAI, ERROR, DATA_SHEET, cell,
                                        f"Realisasi anggaran {b.kegiatan} berisi rumus {excerpt(formula, 60)} "
                                        "tanpa nilai tersimpan; ketik angkanya."))
        elif parsed.problem == "kosong":
            outcome.issues.append(Issue(codes.ANGGARAN_KOSONG, WARNING, DATA_SHEET, cell,
                                        f"Realisasi anggaran {b.kegiatan} belum diisi. Isi belanja triwulan "
                                        "ini (0 bila belum ada belanja)."))
        elif not parsed.ok:
            outcome.issues.append(Issue(codes.NILAI_BUKAN_ANGKA if parsed.problem == "bukan-angka" else codes.GALAT_EXCEL,
                                        ERROR, DATA_SHEET, cell,
                                        f"Realisasi anggaran {b.kegiatan} berisi {shown(_text(raw))}, bukan angka. "
                                        "Ketik nilai rupiah tanpa titik atau 'Rp'."))
        elif value is not None and value < 0:
            outcome.issues.append(Issue(codes.DI_LUAR_BATAS, ERROR, DATA_SHEET, cell,
                                        f"Realisasi anggaran {b.kegiatan} negatif. Isi nilai 0 atau lebih."))
        elif value is not None and value > b.pagu:
            outcome.issues.append(Issue(codes.ANGGARAN_MELEBIHI_PAGU, WARNING, DATA_SHEET, cell,
                                        f"Realisasi anggaran {b.kegiatan} (Rp {format_id(value, 0)}) melebihi "
                                        f"pagu (Rp {format_id(b.pagu, 0)}). Pastikan angka dan satuannya."))
        outcome.budget.append({"kegiatan": b.kegiatan, "realisasi_anggaran": value})


_MONTHS = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september",
           "oktober", "november", "desember")


def _is_date_text(text: str) -> bool:
    """``10-04-2026``, ``10/04/2026``, ``2026-04-10``, ``10 April 2026`` (or ``10 Apr 2026``)."""
    parts = re.split(r"[\s./-]+", text.strip().lower())
    if len(parts) != 3:
        return False
    if parts[0].isdigit() and len(parts[0]) == 4:
        parts = parts[::-1]
    day, month, year = parts
    if not month.isdigit():
        month = next((str(i) for i, m in enumerate(_MONTHS, 1) if len(month) >= 3 and m.startswith(month)), "")
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return len(year) == 4


def _signature(form: FormInput, outcome: FormOutcome) -> None:
    rows = form.plan.signature_rows
    nama = _text(cell_value(form.grid, rows["nama"], 3))
    nip = _text(cell_value(form.grid, rows["nip"], 3)).replace(" ", "")
    tanggal = cell_value(form.grid, rows["tanggal"], 3)
    outcome.signer_name, outcome.signer_nip = nama or None, nip or None
    if isinstance(tanggal, (dt.date, dt.datetime)):
        outcome.signed_on = (tanggal.date() if isinstance(tanggal, dt.datetime) else tanggal).isoformat()
    elif isinstance(tanggal, (int, float)) and 20000 < tanggal < 80000:  # Excel serial date
        outcome.signed_on = (dt.date(1899, 12, 30) + dt.timedelta(days=int(tanggal))).isoformat()
    elif tanggal not in (None, ""):
        outcome.signed_on = _text(tanggal)
        if not _is_date_text(outcome.signed_on):
            outcome.issues.append(Issue(codes.TANGGAL_TIDAK_VALID, WARNING, DATA_SHEET, f"D{rows['tanggal']}",
                                        f"Tanggal pengesahan berisi {shown(outcome.signed_on)}, bukan tanggal. "
                                        "Ketik tanggalnya, mis. 10-04-2026."))
    if not nama:
        outcome.issues.append(Issue(codes.TANDA_TANGAN_KOSONG, WARNING, DATA_SHEET, f"D{rows['nama']}",
                                    "Nama kepala unit belum diisi pada blok pengesahan."))
    if nip and not (nip.isdigit() and len(nip) == 18):
        outcome.issues.append(Issue(codes.NIP_TIDAK_VALID, WARNING, DATA_SHEET, f"D{rows['nip']}",
                                    f"NIP '{excerpt(nip, 30)}' harus 18 digit angka. Ketik ulang sebagai teks."))
    if not nip:
        outcome.issues.append(Issue(codes.TANDA_TANGAN_KOSONG, WARNING, DATA_SHEET, f"D{rows['nip']}",
                                    "NIP kepala unit belum diisi pada blok pengesahan."))


# --------------------------------------------------------------------------- entry point


def validate_batch(rules: Rules, forms: list[FormInput]) -> list[FormOutcome]:
    """Validate many forms at once; outcomes are in the order of ``forms``."""
    outcomes = [FormOutcome() for _ in forms]
    frame = _rows_frame(forms)
    if not frame.empty:
        checks = _row_checks(rules)
        for idx, check in sorted(_run_row_checks(frame, checks), key=lambda p: p[0]):
            r = frame.loc[idx]
            outcomes[int(r.form)].issues.append(
                Issue(check.code, check.severity, DATA_SHEET, f"{COL[check.column]}{int(r.row)}", check.message(r)))
        kept = ("form", "kode", "realisasi", "pembilang", "penyebut", "penjelasan", "bukti")
        for f_idx, kode, realisasi, pembilang, penyebut, penjelasan, bukti in zip(*(frame[c].tolist() for c in kept)):
            outcomes[f_idx].values.append({
                "indikator": kode, "realisasi": _num(realisasi), "pembilang": _num(pembilang),
                "penyebut": _num(penyebut), "penjelasan": penjelasan, "bukti": bukti})
    for form, outcome in zip(forms, outcomes):
        outcome.issues.extend(_structure_issues(form))
        _budget(form, outcome)
        _signature(form, outcome)
        outcome.issues.sort(key=lambda i: (i.severity != ERROR, _cell_order(i.cell), i.code))
    return outcomes


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _cell_order(cell: str) -> tuple[int, str]:
    digits = "".join(ch for ch in cell.split(":")[0] if ch.isdigit())
    return (int(digits) if digits else 0, cell)


def issue_summary(issues: Iterable[Issue], limit: int = 3) -> str:
    items = [i for i in issues if i.severity == ERROR][:limit]
    return "; ".join(f"{i.cell}: {i.message}" for i in items)


def quarter_change_warnings(rules: Rules, plan: Callable[[], FormPlan], values: list[dict],
                            previous: dict[str, float]) -> list[Issue]:
    """``pencilan-triwulan``: a value that moved more than the policy's factor since the unit's
    previous accepted quarter. Run per file, in arrival order, against the ledger. ``plan``
    gives the form's layout; it is asked for only when a value moved (to place the warning)."""
    k = rules.policy.perubahan_kali
    if not k or not previous:
        return []
    moved = []
    for v in values:
        now, before = v.get("realisasi"), previous.get(v["indikator"])
        if now is not None and before is not None and before > 0 and not before / k <= now <= before * k:
            moved.append((v, now, before))
    if not moved:
        return []
    rows = {r.indicator.kode: r for r in plan().rows}
    out = []
    for v, now, before in moved:
        row = rows[v["indikator"]]
        d = row.indicator.desimal
        out.append(Issue(codes.PENCILAN_TRIWULAN, WARNING, DATA_SHEET, f"{COL['realisasi']}{row.row}",
                         f"Realisasi {row.indicator.kode} ({format_id(now, d)}) berubah lebih dari "
                         f"{format_id(k, 0)} kali dibanding triwulan sebelumnya ({format_id(before, d)}). "
                         "Pastikan angkanya benar."))
    return out
