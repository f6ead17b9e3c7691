"""Generate the standardised, protected Excel form of a unit for one quarter.

Written with xlsxwriter from a :class:`~kinerja_pipeline.layout.FormPlan`; ingest reads
the returned workbook by the same plan.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import xlsxwriter

from . import workers as pool
from .errors import KinerjaError
from .layout import (APP_ID, BUDGET_MERGES, COL, DATA_SHEET, FIRST_DATA_ROW, FORM_VERSION,
                     GUIDE_SHEET, LAST_COL, META_SHEET, SIGN_FIRST_COL, TABLE_HEADER_ROW, FormPlan,
                     IndicatorRow, plan_form)
from .numbers import format_id
from .periods import ROMAN
from .printing import PRINT_SCALE, page_height, print_setup, row_heights, wrapped_lines
from .styles import (BORDER, COLNO_FILL, COMPUTED_FILL, FONT, FONT_SIZE, HEADER_FILL, HEADER_TEXT,
                     INPUT_FILL, ISSUED_FILL, NA_FILL, DATE_FORMAT, date_id, number_format,
                     workbook_options)
from .rules import Indicator, Rules
from .scope import require_unit
from .semantics import excel_formula
from .workspace import Workspace, atomic_write, safe_name

#: How the guide sheet names each indicator level (``tingkat``) to the one filling the form.
TINGKAT_FORM_WORDS = {"instansi": "Indikator kinerja utama (IKU) instansi",
                      "unit": "Indikator kinerja program/kegiatan unit",
                      "individu": "Indikator kinerja individu (IKI) pegawai yang mengisi formulir ini"}
QUARTER_MONTHS = {1: "Januari–Maret", 2: "April–Juni", 3: "Juli–September", 4: "Oktober–Desember"}
#: column widths of the data sheet: A4 landscape at 91 % or more, so 9 pt prints at 8 pt or more
GUIDE_WIDTH = 110
#: the data sheet prints at this scale on A4 landscape (its columns are sized for it): 9 pt text
#: prints at 8 pt or more, and a page break can keep the budget block together
PAGE_HEIGHT = page_height(landscape=True, scale=PRINT_SCALE, top=0.5, bottom=0.6)
WIDTHS = {"A": 4, "B": 11, "C": 14, "D": 25, "E": 9, "F": 10, "G": 10, "H": 11, "I": 10,
          "J": 10, "K": 9, "L": 15, "M": 12}


def form_filename(unit_kode: str, year: int, quarter: int) -> str:
    return f"{safe_name(unit_kode)}_{year}_TW{quarter}.xlsx"


@dataclass(frozen=True)
class FormResult:
    unit: str
    path: Path


def generate_forms(rules: Rules, ws: Workspace, year: int, quarter: int,
                   units: Iterable[str] | None = None, *,
                   generated_at: dt.datetime | None = None,
                   progress: Callable[[int, int], None] | None = None) -> list[FormResult]:
    """Write one form per reporting unit (or per unit in ``units``) into the workspace."""
    rules.require_year(year)
    reporting = {u.kode for u in rules.reporting_units}
    if units:
        chosen = list(dict.fromkeys(units))
        for kode in chosen:
            require_unit(rules, kode, "formulirnya dibuat oleh")
            if kode not in reporting:
                raise KinerjaError(f"Unit '{kode}' tidak melaporkan indikator apa pun, jadi tidak punya "
                                   "formulir. Pilih unit pelapor (UPT).")
    else:
        chosen = [u.kode for u in rules.reporting_units]
    stamp = generated_at or dt.datetime.now().replace(microsecond=0)
    folder = ws.form_dir(year, quarter)
    jobs = [(kode, year, quarter, folder / form_filename(kode, year, quarter), stamp) for kode in chosen]
    workers = pool.worker_count(len(jobs))
    if workers:
        written: Iterable[None] = _in_workers(rules, ws, jobs, workers)
    else:
        written = (_write_one(rules, job) for job in jobs)
    out = []
    for job, _ in zip(jobs, written):
        out.append(FormResult(job[0], job[3]))
        if progress:
            progress(len(out), len(jobs))
    return out


_Job = tuple  # (unit kode, year, quarter, path, generated_at)


def _write_one(rules: Rules, job: _Job) -> None:
    kode, year, quarter, path, stamp = job
    plan = plan_form(rules, kode, year, quarter)
    atomic_write(path, lambda tmp: write_form(rules, plan, tmp, generated_at=stamp))


def _in_workers(rules: Rules, ws: Workspace, jobs: list[_Job], workers: int) -> Iterable[None]:
    """Write the forms in worker processes (every core of an office PC), in order."""
    with pool.rules_pool(rules, ws.lock_path, workers) as executor:
        yield from executor.map(_worker_write, jobs, chunksize=8)


def _worker_write(job: _Job) -> None:
    assert pool.RULES is not None
    _write_one(pool.RULES, job)


def write_form(rules: Rules, plan: FormPlan, path: Path, *, generated_at: dt.datetime,
               prefill: Mapping[str, Any] | None = None) -> None:
    """Write the form of ``plan`` to ``path``; ``prefill`` maps input cells (``"H11"``) to values."""
    # in_memory: no temporary file per part (12 per form), which cost more than writing the form
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False, "in_memory": True,
                                         **workbook_options()})
    wb.set_properties({"title": f"Formulir Data Kinerja {plan.unit} {plan.year} TW{plan.quarter}",
                       "author": APP_ID, "company": rules.instansi, "created": generated_at})
    fmt = _Formats(wb)
    unit = rules.unit(plan.unit)
    data = wb.add_worksheet(DATA_SHEET)
    _data_sheet(data, fmt, rules, plan, unit.nama, prefill or {})
    _guide_sheet(wb.add_worksheet(GUIDE_SHEET), fmt, rules, plan)
    _meta_sheet(wb.add_worksheet(META_SHEET), plan, generated_at)
    data.activate()
    wb.close()


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        font = {"font_name": FONT, "font_size": FONT_SIZE}
        base = {**font, "valign": "top", "border": 1, "border_color": BORDER}
        self.title = wb.add_format({**font, "bold": True, "font_size": 13})
        self.subtitle = wb.add_format({**font, "bold": True, "font_size": 10})
        self.label = wb.add_format(font)
        self.note = wb.add_format({**font, "italic": True, "text_wrap": True, "valign": "top"})
        self.header = wb.add_format({**base, "bold": True, "font_color": HEADER_TEXT, "bg_color": HEADER_FILL,
                                     "align": "center", "valign": "vcenter", "text_wrap": True})
        self.colno = wb.add_format({**base, "italic": True, "align": "center", "bg_color": COLNO_FILL})
        self.text = wb.add_format({**base, "text_wrap": True, "bg_color": ISSUED_FILL})
        self.sasaran = wb.add_format({**base, "text_wrap": True, "bold": True, "bg_color": ISSUED_FILL})
        self.center = wb.add_format({**base, "align": "center", "bg_color": ISSUED_FILL})
        self.computed = wb.add_format({**base, "num_format": number_format(2), "bg_color": COMPUTED_FILL})
        self.total_label = wb.add_format({**base, "bold": True, "bg_color": ISSUED_FILL})
        self.total = wb.add_format({**base, "bold": True, "num_format": number_format(0),
                                    "bg_color": COMPUTED_FILL})
        self.total_pct = wb.add_format({**base, "bold": True, "num_format": number_format(2),
                                        "bg_color": COMPUTED_FILL})
        self.grey = wb.add_format({**base, "bg_color": NA_FILL})
        self.input_tail = wb.add_format({**base, "bg_color": INPUT_FILL})
        self.input_text = wb.add_format({**base, "locked": False, "bg_color": INPUT_FILL, "text_wrap": True})
        self.input_nip = wb.add_format({**base, "locked": False, "bg_color": INPUT_FILL, "num_format": "@"})
        self.input_date = wb.add_format({**base, "locked": False, "bg_color": INPUT_FILL,
                                         "num_format": DATE_FORMAT, "align": "left"})
        self.sign = wb.add_format({**font, "align": "center", "valign": "vcenter"})
        self.sign_name = wb.add_format({**font, "align": "center", "valign": "bottom", "bold": True,
                                        "underline": 1})
        self.wb = wb
        self._numbers: dict[tuple[int, bool, bool], Any] = {}

    def number(self, decimals: int, *, issued: bool = False, editable: bool = False) -> Any:
        key = (decimals, issued, editable)
        if key not in self._numbers:
            spec = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top", "border": 1,
                    "border_color": BORDER, "num_format": number_format(decimals)}
            if editable:
                spec.update(locked=False, bg_color=INPUT_FILL)
            elif issued:
                spec.update(bg_color=ISSUED_FILL)
            self._numbers[key] = self.wb.add_format(spec)
        return self._numbers[key]


def _data_sheet(sh: Any, fmt: _Formats, rules: Rules, plan: FormPlan, unit_name: str,
                prefill: Mapping[str, Any]) -> None:
    q = plan.quarter
    deadline = rules.policy.deadline(plan.year, q)
    sh.merge_range(f"A1:{LAST_COL}1", "FORMULIR PENGUMPULAN DATA KINERJA", fmt.title)
    sh.write_string("A2", rules.instansi, fmt.subtitle)
    sh.write_string("A3", f"Unit kerja: {unit_name} ({plan.unit})", fmt.subtitle)
    sh.write_string("A4", f"Tahun {plan.year}, Triwulan {ROMAN[q]} ({QUARTER_MONTHS[q]})", fmt.subtitle)
    sh.write_string("A5", "Batas waktu pengiriman: "
                    + (date_id(deadline) if deadline else "lihat surat permintaan data"), fmt.label)
    sh.merge_range(f"A6:{LAST_COL}7",
                   "Isi hanya sel berwarna kuning. Ketik angka tanpa satuan (desimal memakai koma, "
                   "mis. 75,5). Untuk indikator persentase isi pembilang dan penyebut; realisasi dan "
                   "capaian terhitung otomatis. Jangan mengubah baris, target, atau nama sheet. "
                   "Simpan dalam format .xlsx lalu kirim kembali. Lihat sheet 'Petunjuk'.", fmt.note)
    sh.set_row(5, 14)
    sh.set_row(6, 14)
    headers = {
        "no": "No", "kode": "Kode", "sasaran": "Sasaran", "indikator": "Indikator Kinerja",
        "satuan": "Satuan", "target_tahunan": "Target Tahunan",
        "target_tw": f"Target TW\u00a0{ROMAN[q]}", "realisasi": f"Realisasi TW\u00a0{ROMAN[q]}",
        "pembilang": "Pembilang", "penyebut": "Penyebut", "capaian": "Capaian (%)",
        "penjelasan": "Penjelasan / Kendala", "bukti": "Bukti Dukung",
    }
    hr = TABLE_HEADER_ROW - 1
    sh.write_string(hr - 1, 0, "A. CAPAIAN INDIKATOR KINERJA", fmt.subtitle)
    for i, (key, title) in enumerate(headers.items()):
        sh.write_string(hr, i, title, fmt.header)
        sh.write_string(hr + 1, i, f"({i + 1})", fmt.colno)
    sh.set_row(hr, 36)
    for letter, width in WIDTHS.items():
        sh.set_column(f"{letter}:{letter}", width)
    sasaran_names = {s.kode: s.nama for s in rules.sasaran}
    for n, row in enumerate(plan.rows, start=1):
        _indicator_row(sh, fmt, n, row, prefill)
    for kode, first, last in plan.sasaran_groups():
        _sasaran_cell(sh, fmt, plan, kode, first, last, sasaran_names[kode])
    _budget_block(sh, fmt, plan, rules, prefill)
    _signature_block(sh, fmt, plan, rules, prefill)
    sh.freeze_panes(FIRST_DATA_ROW - 1, 0)
    sh.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True})
    # the table's header is repeated only when the indicator rows run over a page: on a page
    # of the budget and signature alone it would head the wrong table
    indicators_run_over = sum(row_heights(sh, 0, plan.budget_title_row - 2)) > PAGE_HEIGHT
    print_setup(sh, f"{plan.unit} — {plan.year} TW {ROMAN[q]}",
                header_rows=(hr, hr + 1) if indicators_run_over else None)
    if sum(row_heights(sh, 0, plan.print_last_row - 1)) > PAGE_HEIGHT:  # budget and signature on a page of their own
        sh.set_h_pagebreaks([plan.budget_title_row - 1])
    sh.print_area(f"A1:{LAST_COL}{plan.print_last_row}")


def _indicator_row(sh: Any, fmt: _Formats, n: int, row: IndicatorRow, prefill: Mapping[str, Any]) -> None:
    ind, r = row.indicator, row.row
    c = {k: f"{v}{r}" for k, v in COL.items()}
    sh.write_number(c["no"], n, fmt.center)
    sh.write_string(c["kode"], ind.kode, fmt.center)
    name = _indicator_name(row)
    sh.write_string(c["indikator"], name, fmt.text)
    sh.write_string(c["satuan"], ind.satuan, fmt.center)
    sh.write_number(c["target_tahunan"], row.target.tahunan, fmt.number(ind.desimal, issued=True))
    sh.write_number(c["target_tw"], row.target_tw, fmt.number(ind.desimal, issued=True))
    if ind.is_ratio:
        faktor = f"{ind.rasio.faktor:g}"
        sh.write_formula(c["realisasi"], f'=IF(AND(ISNUMBER({c["pembilang"]}),ISNUMBER({c["penyebut"]}),'
                         f'{c["penyebut"]}>0),{c["pembilang"]}/{c["penyebut"]}*{faktor},"")', fmt.computed, "")
        for key, label in (("pembilang", ind.rasio.pembilang), ("penyebut", ind.rasio.penyebut)):
            _number_input(sh, fmt, c[key], ind, label, prefill, ratio_part=True)
    else:
        _number_input(sh, fmt, c["realisasi"], ind, ind.nama, prefill)
        sh.write_blank(c["pembilang"], None, fmt.grey)
        sh.write_blank(c["penyebut"], None, fmt.grey)
    sh.write_formula(c["capaian"], excel_formula(c["realisasi"], c["target_tw"], ind.polaritas == "positif",
                                                   ind.rumus_negatif == "kebalikan"), fmt.computed, "")
    _text_input(sh, fmt, c["penjelasan"], prefill, 2000, "Penjelasan / kendala",
                "Jelaskan bila capaian jauh dari target: penyebab dan langkah tindak lanjut.")
    _text_input(sh, fmt, c["bukti"], prefill, 500, "Bukti dukung",
                ("WAJIB diisi: " if ind.bukti_wajib else "")
                + "nomor dokumen, nama berkas, atau tautan bukti dukung.")
    sh.set_row(r - 1, _row_height(name))


def _sasaran_cell(sh: Any, fmt: _Formats, plan: FormPlan, kode: str, first: int, last: int,
                  name: str) -> None:
    """The sasaran of a run of indicator rows, once, in column C merged down the run (the
    last row grows when the name needs more room than the run has)."""
    col = COL["sasaran"]
    if last > first:
        sh.merge_range(f"{col}{first}:{col}{last}", name, fmt.sasaran)
    else:
        sh.write_string(f"{col}{first}", name, fmt.sasaran)
    need = 12 * wrapped_lines(name, WIDTHS[col]) + 4
    have = 0.0
    for r in plan.rows:
        if first <= r.row <= last:
            have += _row_height(_indicator_name(r))
    if need > have:
        last_row = next(r for r in plan.rows if r.row == last)
        sh.set_row(last - 1, _row_height(_indicator_name(last_row)) + need - have)


def _row_height(indicator_name: str) -> float:
    """An indicator row: its name's lines, and room for two lines of penjelasan at least."""
    return 12 * max(wrapped_lines(indicator_name, WIDTHS["D"]), 2) + 6


def _indicator_name(row: IndicatorRow) -> str:
    ind = row.indicator
    if ind.rasio:
        return f"{ind.nama}\nPembilang: {ind.rasio.pembilang}\nPenyebut: {ind.rasio.penyebut}"
    return ind.nama


def _number_input(sh: Any, fmt: _Formats, cell: str, ind: Indicator, label: str,
                  prefill: Mapping[str, Any], *, ratio_part: bool = False) -> None:
    _write_prefill(sh, cell, prefill.get(cell), fmt.number(ind.desimal if not ind.bilangan_bulat else 0,
                                                           editable=True))
    whole = ind.bilangan_bulat
    low = 0.0 if ratio_part else (ind.batas_min if ind.batas_min is not None else 0.0)
    high = None if ratio_part else ind.batas_max
    kind = "bilangan bulat" if whole else "angka"
    if high is not None:
        rule = {"criteria": "between", "minimum": low, "maximum": high}
        span = f"{kind} dari {format_id(low, 0 if whole else ind.desimal)} sampai " \
               f"{format_id(high, 0 if whole else ind.desimal)}"
    else:
        rule = {"criteria": ">=", "value": low}
        span = f"{kind} {format_id(low, 0)} atau lebih"
    sh.data_validation(cell, {
        "validate": "integer" if whole else "decimal", **rule,
        "input_title": ("Pembilang" if ratio_part and label == ind.rasio.pembilang else
                        "Penyebut" if ratio_part else "Realisasi")[:32],
        "input_message": f"{label[:150]}. Isi {span}."[:255],
        "error_title": "Nilai tidak valid",
        "error_message": f"Isi dengan {span}, tanpa satuan atau teks. Desimal memakai koma."[:255],
        "error_type": "stop",
    })


def _text_input(sh: Any, fmt: _Formats, cell: str, prefill: Mapping[str, Any], max_len: int,
                title: str, message: str) -> None:
    _write_prefill(sh, cell, prefill.get(cell), fmt.input_text)
    sh.data_validation(cell, {"validate": "length", "criteria": "<=", "value": max_len,
                              "input_title": title[:32], "input_message": message[:255],
                              "error_title": "Teks terlalu panjang",
                              "error_message": f"Batasi isian sampai {max_len} karakter; lampirkan "
                                               "rincian sebagai bukti dukung."})


def _write_prefill(sh: Any, cell: str, value: Any, cell_format: Any) -> None:
    if value is None or value == "":
        sh.write_blank(cell, None, cell_format)
    elif isinstance(value, bool):
        sh.write_string(cell, str(value), cell_format)
    elif isinstance(value, (int, float)):
        sh.write_number(cell, value, cell_format)
    elif isinstance(value, (dt.date, dt.datetime)):
        value = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        sh.write_datetime(cell, value, cell_format)
    else:
        sh.write_string(cell, str(value), cell_format)


def _budget_block(sh: Any, fmt: _Formats, plan: FormPlan, rules: Rules, prefill: Mapping[str, Any]) -> None:
    q = ROMAN[plan.quarter]
    sh.write_string(plan.budget_title_row - 1, 0, f"B. REALISASI ANGGARAN TW {q} (rupiah)", fmt.subtitle)
    hr = plan.budget_header_row
    titles = {"A": "No", "B": "Kode", "C": "Sasaran", "D": "Kegiatan", "F": "Pagu (Rp)",
              "H": f"Realisasi Anggaran TW\u00a0{q} (Rp)", "K": "Serapan (%)"}
    merged = dict(BUDGET_MERGES)
    for letter, title in titles.items():
        if letter in merged:
            sh.merge_range(f"{letter}{hr}:{merged[letter]}{hr}", title, fmt.header)
        else:
            sh.write_string(f"{letter}{hr}", title, fmt.header)
    sh.set_row(hr - 1, 30)
    for cell, note in plan.notes().items():
        sh.write_string(cell, note, fmt.label)
    if not plan.budget:
        return
    sasaran_names = {s.kode: s.nama for s in rules.sasaran}
    money = fmt.number(0, issued=True)
    for n, b in enumerate(plan.budget, start=1):
        r = b.row
        sh.write_number(f"A{r}", n, fmt.center)
        sh.write_string(f"B{r}", b.kegiatan, fmt.center)
        sh.write_string(f"C{r}", sasaran_names[b.sasaran], fmt.text)
        sh.merge_range(f"D{r}:E{r}", b.nama, fmt.text)
        sh.merge_range(f"F{r}:G{r}", "", money)
        sh.write_number(f"F{r}", b.pagu, money)
        cell = f"H{r}"
        sh.merge_range(f"H{r}:J{r}", "", fmt.input_tail)  # only H is unlocked: the value lives there
        _write_prefill(sh, cell, prefill.get(cell), fmt.number(0, editable=True))
        sh.data_validation(cell, {"validate": "decimal", "criteria": ">=", "value": 0,
                                  "input_title": "Realisasi anggaran",
                                  "input_message": f"Belanja kegiatan ini selama TW {q} saja (bukan "
                                                   "kumulatif), dalam rupiah tanpa titik.",
                                  "error_title": "Nilai tidak valid",
                                  "error_message": "Isi dengan angka rupiah 0 atau lebih, tanpa teks."})
        sh.write_formula(f"K{r}", f'=IF(AND(ISNUMBER(H{r}),F{r}>0),H{r}/F{r}*100,"")', fmt.computed, "")
        lines = max(wrapped_lines(sasaran_names[b.sasaran], WIDTHS["C"]), wrapped_lines(b.nama, WIDTHS["D"] + WIDTHS["E"]))
        sh.set_row(r - 1, max(24, 12 * lines + 4))
    t, first, last = plan.budget_total_row, plan.budget[0].row, plan.budget[-1].row
    for letter in "ABC":
        sh.write_blank(f"{letter}{t}", None, fmt.total_label)
    sh.merge_range(f"D{t}:E{t}", "Jumlah", fmt.total_label)
    sh.merge_range(f"F{t}:G{t}", "", fmt.total)
    sh.write_formula(f"F{t}", f"=SUM(F{first}:F{last})", fmt.total, sum(b.pagu for b in plan.budget))
    sh.merge_range(f"H{t}:J{t}", "", fmt.total)
    spent = [prefill.get(f"H{b.row}") for b in plan.budget]
    spent_sum = sum(v for v in spent if isinstance(v, (int, float)) and not isinstance(v, bool))
    sh.write_formula(f"H{t}", f"=SUM(H{first}:H{last})", fmt.total, spent_sum)
    sh.write_formula(f"K{t}", f'=IF(F{t}>0,H{t}/F{t}*100,"")', fmt.total_pct, "")
    sh.set_row(t - 1, 18)


def _signature_block(sh: Any, fmt: _Formats, plan: FormPlan, rules: Rules, prefill: Mapping[str, Any]) -> None:
    """The inputs (nama, NIP, tanggal) at the left; at the right the block as printed and
    signed: place and date line, jabatan, space to sign, the name and NIP as typed."""
    rows = plan.signature_rows
    sh.write_string(rows["nama"] - 2, 0, "C. PENGESAHAN KEPALA UNIT", fmt.subtitle)
    labels = {"nama": "Nama kepala unit", "nip": "NIP", "tanggal": "Tanggal pengesahan"}
    for key, r in rows.items():
        sh.write_string(f"C{r}", labels[key], fmt.text)
        cell = f"D{r}"
        if key == "nip":
            _write_prefill(sh, cell, prefill.get(cell), fmt.input_nip)
            sh.data_validation(cell, {"validate": "length", "criteria": "==", "value": 18,
                                      "input_title": "NIP", "input_message": "18 digit NIP tanpa spasi.",
                                      "error_title": "NIP tidak valid",
                                      "error_message": "NIP terdiri dari 18 digit angka tanpa spasi."})
        elif key == "tanggal":
            _write_prefill(sh, cell, prefill.get(cell), fmt.input_date)
            sh.data_validation(cell, {"validate": "date", "criteria": ">=",
                                      "value": dt.date(2000, 1, 1),
                                      "input_title": "Tanggal", "input_message": "Tanggal, mis. 08/04/2026.",
                                      "error_title": "Tanggal tidak valid",
                                      "error_message": "Isi tanggal dengan format HH/BB/TTTT."})
        else:
            _text_input(sh, fmt, cell, prefill, 200, "Nama kepala unit", "Nama lengkap dengan gelar.")
        sh.set_row(r - 1, 26 if wrapped_lines(labels[key], WIDTHS["C"]) > 1 else 18)
    sign = plan.signing_rows
    nama, nip = f"D{rows['nama']}", f"D{rows['nip']}"

    def block(key: str) -> str:
        return f"{SIGN_FIRST_COL}{sign[key]}:{LAST_COL}{sign[key]}"

    dots = "………………………"
    sh.merge_range(block("tempat"), f"{dots}, {dots} {plan.year}", fmt.sign)
    sh.merge_range(block("jabatan"), f"Kepala {rules.unit(plan.unit).nama}", fmt.sign)
    typed_name, typed_nip = prefill.get(nama), prefill.get(nip)
    sh.merge_range(block("nama"), "", fmt.sign_name)
    sh.write_formula(f"{SIGN_FIRST_COL}{sign['nama']}", f'=IF(ISBLANK({nama}),"({dots}{dots})",{nama})',
                     fmt.sign_name, str(typed_name) if typed_name not in (None, "") else f"({dots}{dots})")
    sh.merge_range(block("nip"), "", fmt.sign)
    sh.write_formula(f"{SIGN_FIRST_COL}{sign['nip']}", f'="NIP "&IF(ISBLANK({nip}),"{dots}",{nip})',
                     fmt.sign, "NIP " + (str(typed_nip) if typed_nip not in (None, "") else dots))
    for r in range(sign["jabatan"] + 1, sign["nama"]):
        if r not in rows.values():
            sh.set_row(r - 1, 22)
    sh.set_row(sign["nama"] - 1, 20)


def _guide_sheet(sh: Any, fmt: _Formats, rules: Rules, plan: FormPlan) -> None:
    sh.set_column("A:A", 4)
    sh.set_column("B:B", GUIDE_WIDTH)
    wrap = fmt.wb.add_format({"font_name": FONT, "font_size": 10, "text_wrap": True, "valign": "top"})
    q = ROMAN[plan.quarter]
    deadline = rules.policy.deadline(plan.year, plan.quarter)
    steps = [
        f"Formulir ini untuk {rules.unit(plan.unit).nama} ({plan.unit}), tahun {plan.year}, "
        f"triwulan {q}. Jangan memakai formulir unit, tahun, atau triwulan lain.",
        "Isi hanya sel berwarna kuning di sheet 'Data Kinerja'. Sel abu-abu adalah data resmi "
        "(target dan pagu) dan tidak boleh diubah; perubahan target akan ditolak.",
        f"Realisasi adalah nilai triwulan {q} saja, kecuali indikator yang sifatnya 'posisi akhir' "
        "(lihat daftar di bawah): isi posisi pada akhir triwulan.",
        "Indikator persentase: isi PEMBILANG dan PENYEBUT (angka asli, bukan persen). Realisasi "
        "persen dan capaian dihitung otomatis. Pembilang tidak boleh melebihi penyebut.",
        "Angka ditulis tanpa satuan dan tanpa titik ribuan; desimal memakai koma (75,5). Sel "
        "kosong berarti 'belum diisi', angka 0 berarti nilainya memang nol.",
        "Kolom Capaian (%) terhitung otomatis. Bila capaian di bawah "
        f"{format_id(rules.policy.penjelasan_bawah, 0)}% atau di atas "
        f"{format_id(rules.policy.penjelasan_atas, 0)}%, Penjelasan/Kendala WAJIB diisi."
        if rules.policy.penjelasan_bawah is not None else
        "Kolom Capaian (%) terhitung otomatis; isi Penjelasan/Kendala bila capaian jauh dari target.",
        "Isi Bukti Dukung (nomor dokumen, nama berkas, atau tautan) untuk indikator yang "
        "mewajibkannya.",
        f"Isi realisasi anggaran per kegiatan untuk triwulan {q} saja, dalam rupiah.",
        "Kepala unit mengisi nama, NIP (18 digit), dan tanggal pengesahan.",
        "Simpan sebagai .xlsx (Excel, LibreOffice, atau WPS), nama berkas bebas, lalu kirim "
        "kembali" + (f" paling lambat {date_id(deadline)}." if deadline else "."),
        "Bila data dinyatakan 'Tidak Valid', Anda menerima berkas umpan balik: perbaiki sel yang "
        "ditandai merah di berkas itu juga (lihat sheet 'Hasil Validasi'), simpan, kirim kembali.",
    ]
    sh.write_string("A1", "PETUNJUK PENGISIAN FORMULIR DATA KINERJA", fmt.title)
    r = 2
    for n, text in enumerate(steps, start=1):
        sh.write_number(r, 0, n, wrap)
        sh.write_string(r, 1, text, wrap)
        sh.set_row(r, _guide_height(text))
        r += 1
    r += 1
    sh.write_string(r, 1, "Indikator yang dilaporkan unit ini", fmt.subtitle)
    r += 1
    time_words = {"jumlah": "jumlah dalam triwulan ini", "akhir": "posisi akhir triwulan",
                  "rata": "rata-rata triwulan ini"}
    for row in plan.rows:
        ind = row.indicator
        parts = [f"{ind.kode} — {ind.nama} ({ind.satuan}).",
                 f"{TINGKAT_FORM_WORDS[ind.tingkat]}.",
                 f"Diisi: {time_words[ind.agregasi_waktu]}.",
                 "Semakin tinggi semakin baik." if ind.polaritas == "positif"
                 else "Semakin rendah semakin baik (polaritas negatif)."]
        if ind.rasio:
            parts.append(f"Pembilang: {ind.rasio.pembilang}. Penyebut: {ind.rasio.penyebut}.")
        if ind.bukti_wajib:
            parts.append("Bukti dukung wajib.")
        sh.write_string(r, 1, " ".join(parts), wrap)
        sh.set_row(r, _guide_height(" ".join(parts)))
        r += 1
    sh.protect("", {"select_locked_cells": True})
    print_setup(sh, f"{plan.unit} — {plan.year} TW {q}", scale=None)


def _guide_height(text: str) -> float:
    """Row height of an instruction: LibreOffice does not grow rows for wrapped text in a
    file it did not write, so a long one would run over the next."""
    per_line = int(GUIDE_WIDTH * 1.1)  # 10 pt Arial in a column of Arial-10 digit widths
    return 13.5 * max(1, -(-len(text) // per_line)) + 3


def _meta_sheet(sh: Any, plan: FormPlan, generated_at: dt.datetime) -> None:
    values = {
        "aplikasi": APP_ID, "form_id": plan.form_id, "versi_formulir": FORM_VERSION,
        "versi_aturan": plan.rules_version, "unit": plan.unit, "tahun": plan.year,
        "triwulan": plan.quarter, "dibuat": generated_at.isoformat(timespec="seconds"),
        "sidik_jari": plan.fingerprint,
    }
    for i, (key, value) in enumerate(values.items()):
        sh.write_string(i, 0, key)
        if isinstance(value, int):
            sh.write_number(i, 1, value)
        else:
            sh.write_string(i, 1, str(value))
    sh.protect("")
    sh.very_hidden()

