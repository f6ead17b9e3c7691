"""The LKjIP stage: the LKjIP tables (Bab II and Bab III) as one workbook and one HTML page.

:func:`write_lkjip` compiles the office's paragraph template ``rules/narasi_lkjip.j2`` (the
packaged sample when the workspace has none), has :func:`kinerja_pipeline.lkjip_model.build_report`
compute everything into a :class:`~kinerja_pipeline.lkjip_model.Report` (the ledger's current
accepted values of a year, aggregated up to the latest quarter that has data), and writes
``keluaran/lkjip_<tahun>.xlsx`` and ``.html`` (for a node other than the root of the hierarchy:
``lkjip_<tahun>_<unit>.xlsx``/``.html``). :func:`write_workbook` and :func:`render_html` here only
format the report; both hold the same numbered tables (listed in :mod:`kinerja_pipeline.lkjip_model`).

Everything a unit typed is data, never markup or a formula: the HTML template autoescapes, the
workbook is written with ``write_string`` and with string-to-formula/URL conversion off, and the
editable paragraph template runs in jinja2's sandbox. Nothing depends on the wall clock: the only
date shown (“data per”) is the latest receipt date of the data used.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
import xlsxwriter
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import ledger
from .charts import BarChart, chart_sheet, svg_bars, svg_lines
from .errors import KinerjaError, RulesError
from .lkjip_model import DASH, FILTERS, Cell, Report, Section, build_report
from .printing import PRINT_SCALE, group_breaks, page_height, print_setup, row_heights, wrapped_lines
from .periods import quarter_label
from .rules import Rules
from .rules_load import NARASI_FILE, template_problem
from .scope import require_unit
from .styles import PREDIKAT_FILLS, workbook_options
from .workspace import Workspace, atomic_write, data_dir, remove_stale_temporaries, safe_name

TEMPLATE_DIR = Path(__file__).parent / "templates"
PORTRAIT_WIDTH = 100   # column widths that fit A4 portrait at that scale (wider: landscape)
LANDSCAPE_WIDTH = 146
HTML_TEMPLATE = "lkjip.html.j2"


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class LkjipResult:
    """What :func:`write_lkjip` wrote (data only; :func:`kinerja_pipeline.reporting.lkjip_text`
    words it for the CLI)."""

    xlsx: Path
    html: Path
    node: str
    node_name: str
    instansi: str
    is_root: bool                # the node is the top of the hierarchy
    year: int
    upto: int
    has_data: bool
    complete: bool
    notes: tuple[str, ...]       # the report's notes on what the figures do not yet rest on
    n_indicators: int
    n_sasaran: int
    predikat_counts: tuple[tuple[str, int], ...]  # indicators per predikat, best first


# --------------------------------------------------------------------------- entry point


def write_lkjip(ws: Workspace, rules: Rules, year: int, *, unit: str | None = None,
                conn: sqlite3.Connection | None = None) -> LkjipResult:
    """Write the LKjIP workbook and HTML page of ``year`` for the root or for node ``unit``.

    ``conn`` is an open ledger; without one the workspace's ``kinerja.db`` is opened (and a
    missing ledger counts as an empty one — nothing is created).
    """
    rules.require_year(year)
    node = unit or rules.root.kode
    require_unit(rules, node, "buat LKjIP-nya di workspace yang mencakup unit itu, mis. milik")
    template = _narasi_template(ws)
    own = conn is None
    if conn is None:
        conn = ledger.connect(ws.ledger) if ws.ledger.exists() else ledger.connect(Path(":memory:"))
    try:
        report = build_report(rules, year, node, conn, template)
    finally:
        if own:
            conn.close()
    stem = f"lkjip_{year}" if node == rules.root.kode else f"lkjip_{year}_{safe_name(node)}"
    xlsx_path = ws.outputs / f"{stem}.xlsx"
    html_path = ws.outputs / f"{stem}.html"
    html = render_html(report)
    remove_stale_temporaries(ws.outputs)  # what a killed earlier run left half-written
    atomic_write(xlsx_path, lambda tmp: write_workbook(report, tmp))
    atomic_write(html_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return LkjipResult(xlsx_path, html_path, node, report.node.nama, report.instansi, report.is_root, year,
                       report.upto, report.has_data, not report.notes, tuple(report.notes), report.n_indicators,
                       report.n_sasaran, tuple(report.predikat_counts))


# --------------------------------------------------------------------------- narasi template


def _narasi_template(ws: Workspace) -> tuple[Path, jinja2.Template]:
    """The office's paragraph template (workspace rules/, else the packaged sample), compiled."""
    path = ws.rules / NARASI_FILE
    if not path.is_file():
        path = data_dir("rules") / NARASI_FILE
        if not path.is_file():
            raise KinerjaError(f"Templat narasi {NARASI_FILE} tidak ditemukan; salin dari contoh "
                               "('kinerja init') ke folder rules/.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RulesError(path, "berkas bukan teks UTF-8; simpan ulang sebagai UTF-8.") from None
    # No trim_blocks: the line break after a block tag is the space between two sentences.
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                        lstrip_blocks=True)
    env.filters.update(FILTERS)
    try:
        return path, env.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise RulesError(path, f"templat narasi tidak valid ({template_problem(exc)}). Periksa pasangan "
                         "{% if %}/{% endif %} dan tanda kurung kurawal.", line=exc.lineno) from None


# --------------------------------------------------------------------------- HTML

SMALL = {"width": 330.0, "height": 200.0}
_TW = re.compile(r"\bTW (IV|III|II|I)\b")


def _keep_together(text: Any) -> str:
    """Headings: "TW II" never breaks between its two words (a no-break space)."""
    return _TW.sub("TW\u00a0\\1", str(text))



def render_html(report: Report) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    env.filters["rapat"] = _keep_together
    charts = {n: [Markup(svg_bars(c) if isinstance(c, BarChart) else svg_lines(c, **SMALL)) for c in items]
              for n, items in report.charts.items()}
    return env.get_template(HTML_TEMPLATE).render(r=report, dash=DASH, charts=charts,
                                                  predikat_fills=PREDIKAT_FILLS)


# --------------------------------------------------------------------------- workbook


class _Fmt:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        font = {"font_name": "Arial", "font_size": 9}
        self.base = {**font, "border": 1, "valign": "top"}
        self.title = wb.add_format({**font, "bold": True, "font_size": 12})
        self.subtitle = wb.add_format({**font, "font_size": 10})
        self.caption = wb.add_format({**font, "bold": True, "font_size": 10})
        self.label = wb.add_format({**font, "bold": True, "valign": "top"})
        self.plain = wb.add_format({**font, "valign": "top", "text_wrap": True})
        self.note = wb.add_format({**font, "italic": True, "text_wrap": True, "valign": "top",
                                   "font_color": "#404040"})
        self.warn = wb.add_format({**font, "text_wrap": True, "valign": "top",
                                   "bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000"})
        self.header = wb.add_format({**self.base, "bold": True, "font_color": "#FFFFFF",
                                     "bg_color": "#1F4E78", "align": "center", "valign": "vcenter",
                                     "text_wrap": True})
        self.group = wb.add_format({**self.base, "bold": True, "bg_color": "#DDEBF7",
                                    "text_wrap": True})
        self._cache: dict[tuple, Any] = {}

    def cell(self, cell: Cell, row_kind: str) -> Any:
        key = (cell.kind, cell.decimals, cell.css, row_kind, cell.value is None)
        if key not in self._cache:
            spec = dict(self.base)
            if cell.kind == "text":
                spec["text_wrap"] = True
            elif cell.value is None:
                spec["align"] = "center"
            elif cell.kind == "int":
                spec.update(num_format="0", align="center")
            else:
                pattern = "#,##0" + ("." + "0" * cell.decimals if cell.decimals and
                                     cell.kind != "money" else "")
                spec["num_format"] = pattern
            if row_kind == "total":
                spec.update(bold=True, bg_color="#F2F2F2")
            if cell.css.startswith("pk"):
                spec["bg_color"] = PREDIKAT_FILLS[int(cell.css[2:])]
            elif cell.css == "ok":
                spec["font_color"] = "#375623"
            elif cell.css == "warn":
                spec["font_color"] = "#C00000"
            elif cell.css == "partial":
                spec["italic"] = True
            elif cell.css == "c":
                spec["align"] = "center"
            self._cache[key] = self.wb.add_format(spec)
        return self._cache[key]


def write_workbook(report: Report, path: Path) -> None:
    """Write the LKjIP workbook; every text is written as a string, never as a formula or link."""
    wb = xlsxwriter.Workbook(str(path), {**workbook_options(), "strings_to_formulas": False,
                                         "strings_to_urls": False,
                                         "strings_to_numbers": False})
    created = dt.datetime(report.year, 1, 1)
    wb.set_properties({"title": f"LKjIP {report.year} {report.node.nama}", "author": report.instansi,
                       "company": report.instansi, "created": created})
    fmt = _Fmt(wb)
    _summary_sheet(wb.add_worksheet("Ringkasan"), fmt, report)
    for sec in report.sections:
        _section_sheet(wb.add_worksheet(sec.sheet), fmt, report, sec)
    if any(report.charts.values()):
        sheet = wb.add_worksheet("Grafik")
        chart_sheet(wb, sheet, f"Grafik Capaian Kinerja Tahun {report.year}", _subject(report),
                    [c for items in report.charts.values() for c in items])
        print_setup(sheet, "LKjIP", margins=(0.3, 0.6))
    wb.close()


def _subject(report: Report) -> str:
    who = report.instansi if report.is_root else f"{report.node.nama} — {report.instansi}"
    period = f"data realisasi s.d. {quarter_label(report.upto)} {report.year}" if report.upto < 4 \
        else f"data realisasi TW I–IV {report.year}"
    return f"{who} · {period}" if report.has_data else f"{who} · belum ada data realisasi"


def _tallest(texts: list[str], widths: list[float], font_size: float = 10) -> int:
    """Wrapped lines of the tallest of ``texts`` in columns of ``widths``."""
    return max([wrapped_lines(t, w, font_size) for t, w in zip(texts, widths) if t] or [1])


def _merged_text(sh: Any, row: int, ncols: int, text: str, fmt: Any, widths: list[float]) -> None:
    if ncols > 1:
        sh.merge_range(row, 0, row, ncols - 1, "", fmt)
    sh.write_string(row, 0, text, fmt)
    chars = max(20.0, sum(widths[:ncols]) * 1.1)
    lines = max(1, math.ceil(len(text) / chars))
    if lines > 1:
        sh.set_row(row, 12.5 * lines)


def _summary_sheet(sh: Any, fmt: _Fmt, report: Report) -> None:
    sh.set_column(0, 0, 26)
    sh.set_column(1, 1, 72)
    sh.write_string(0, 0, f"Laporan Kinerja Instansi Pemerintah (LKjIP) Tahun {report.year}", fmt.title)
    sh.write_string(1, 0, _subject(report), fmt.subtitle)
    sig = report.signatory
    rows = [("Kementerian", report.kementerian), ("Instansi", report.instansi),
            ("Unit", f"{report.node.nama} ({report.node.kode})"), ("Tahun", str(report.year)),
            ("Periode data", report.periode_text), ("Data per", f"{report.data_per} (kiriman "
                                                                 "terakhir yang dipakai)"),
            ("Penandatangan", sig.jabatan if sig else DASH), ("Nama", sig.nama if sig else DASH),
            ("NIP", sig.nip if sig and sig.nip else DASH)]
    r = 3
    for label, value in rows:
        sh.write_string(r, 0, label, fmt.label)
        sh.write_string(r, 1, value, fmt.plain)
        if wrapped_lines(value, 72, 10) > 1:
            sh.set_row(r, 12.5 * wrapped_lines(value, 72, 10))
        r += 1
    r += 1
    sh.write_string(r, 0, "Catatan kelengkapan data", fmt.caption)
    r += 1
    if report.notes:
        for note in report.notes:
            sh.write_string(r, 0, "Perhatian", fmt.label)
            sh.write_string(r, 1, note, fmt.warn)
            sh.set_row(r, 12.5 * max(1, math.ceil(len(note) / 76)))
            r += 1
    else:
        sh.write_string(r, 1, "Data lengkap: semua unit mengirim semua triwulan dan semua kiriman "
                        "sudah disahkan.", fmt.plain)
        r += 1
    r += 1
    sh.write_string(r, 0, "Daftar tabel", fmt.caption)
    r += 1
    for sec in report.sections:
        sh.write_string(r, 0, f"Tabel {sec.number} (Bab {sec.bab})", fmt.label)
        sh.write_string(r, 1, sec.title, fmt.plain)
        r += 1
    print_setup(sh, "LKjIP", landscape=False, margins=(0.3, 0.6))


def _section_sheet(sh: Any, fmt: _Fmt, report: Report, sec: Section) -> None:
    ncols = max(len(b.headers) for b in sec.blocks)
    widths = [max((b.widths[c] for b in sec.blocks if c < len(b.widths)), default=10)
              for c in range(ncols)]
    if sum(widths) > PORTRAIT_WIDTH:  # landscape: the widest (text) column takes the spare width
        widest = widths.index(max(widths))
        widths[widest] += max(0.0, LANDSCAPE_WIDTH - sum(widths))
    for c, w in enumerate(widths):
        sh.set_column(c, c, w)
    sh.write_string(0, 0, f"Tabel {sec.number}. {sec.title}", fmt.title)
    sh.write_string(1, 0, _subject(report), fmt.subtitle)
    row = 3
    for block in sec.blocks:
        width = len(block.headers)
        if block.caption:
            sh.write_string(row, 0, block.caption, fmt.caption)
            row += 1
        for c, head in enumerate(block.headers):
            sh.write_string(row, c, head, fmt.header)
        sh.set_row(row, max(30.0, 12.0 * _tallest(block.headers, widths, 12) + 4))
        if len(sec.blocks) == 1:
            sh.repeat_rows(row)
            sh.freeze_panes(row + 1, 0)
        head_row = row
        starts: list[int] = []
        row += 1
        if not block.rows and block.empty:
            _merged_text(sh, row, width, block.empty, fmt.plain, widths)
            row += 1
        for item in block.rows:
            if item.kind == "group":
                starts.append(row)
                _merged_text(sh, row, width, str(item.cells[0].value), fmt.group, widths)
            else:
                lines = _tallest([c.display if c.kind == "text" else "" for c in item.cells], widths)
                if lines > 1:  # neither Excel nor LibreOffice grows a wrapped row by itself
                    sh.set_row(row, 12.0 * lines + 1)
                for c, cell in enumerate(item.cells):
                    f = fmt.cell(cell, item.kind)
                    if cell.kind == "text" and cell.display == "":
                        sh.write_blank(row, c, None, f)
                    elif cell.kind == "text" or cell.value is None:
                        sh.write_string(row, c, cell.display, f)
                    else:
                        sh.write_number(row, c, float(cell.value), f)
            row += 1
        if len(sec.blocks) == 1 and starts:  # a sasaran and its indicators on one page when they fit
            landscape = sum(widths) > PORTRAIT_WIDTH
            title = row_heights(sh, head_row, head_row)[0]
            page = page_height(landscape=landscape, scale=PRINT_SCALE, top=0.6, bottom=0.6, titles=title)
            heights = row_heights(sh, starts[0], row - 1)
            above = sum(row_heights(sh, 0, starts[0] - 1))
            breaks = group_breaks(heights, [s - starts[0] for s in starts], page, page + title - above)
            sh.set_h_pagebreaks([starts[0] + b for b in breaks])
        for note in block.notes:
            _merged_text(sh, row, width, note, fmt.note, widths)
            row += 1
        row += 1
    print_setup(sh, "LKjIP", landscape=sum(widths) > PORTRAIT_WIDTH, margins=(0.3, 0.6))
