"""Charts readers would rather look at than read: capaian per item against 100 %, and a value
over the years. One description, two drawings: inline SVG for the HTML pages (no script, no
network, printable, Indonesian number labels) and native Excel charts for the workbooks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Sequence

from .numbers import format_id
from .styles import BORDER, CHART_FILL, CHART_TARGET, FONT, NOTE_TEXT


@dataclass(frozen=True)
class Bar:
    label: str                 # short, under the bar (a kode)
    value: float | None        # None: no capaian yet (no bar, "—")
    color: str = CHART_FILL
    title: str = ""            # the full name, as the SVG's tooltip


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: Sequence[Bar]
    reference: float | None = 100.0       # a dashed line at 100 % (the target)
    reference_label: str = "Target 100%"
    series_name: str = "Capaian (%)"
    decimals: int = 2
    unit: str = "%"


@dataclass(frozen=True)
class LineChart:
    title: str
    categories: Sequence[str]                      # the years
    series: Sequence[tuple[str, Sequence[float | None]]] = field(default_factory=tuple)
    decimals: int = 2


# --------------------------------------------------------------------------- SVG

_W, _H = 680.0, 250.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 46.0, 12.0, 30.0, 40.0
_SERIES_COLORS = (CHART_FILL, "#C55A11", "#548235", "#7030A0", "#BF9000")


def _scale_top(values: Sequence[float], reference: float | None) -> float:
    top = max([v for v in values] + ([reference] if reference is not None else []) + [1.0])
    step = 10 ** max(0, len(str(int(top))) - 1)
    for nice in (1, 1.2, 1.4, 1.6, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if top <= nice * step:
            return nice * step
    return 10 * step


def _text(x: float, y: float, body: str, *, size: float = 8.5, anchor: str = "middle", bold: bool = False,
          color: str = "#222") -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}pt" text-anchor="{anchor}" fill="{color}"'
            f"{weight}>{escape(body)}</text>")


def _frame(title: str, width: float, height: float, top: float,
           plot_h: float) -> tuple[list[str], Callable[[float], float]]:
    """The opening of a chart — the ``<svg>`` element, its title, five gridlines with their
    values — and the function that places a value on the vertical axis (0 … ``top``)."""
    def y_of(v: float) -> float:
        return _TOP + plot_h * (1 - v / top)

    out = [f'<svg class="chart" role="img" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" xmlns="http://www.w3.org/2000/svg" '
           f'font-family="{FONT}, \'Liberation Sans\', sans-serif" aria-label="{escape(title)}">',
           _text(width / 2, 16, title, size=9.5, bold=True)]
    for k in range(5):
        v = top * k / 4
        out.append(f'<line x1="{_LEFT:.1f}" y1="{y_of(v):.1f}" x2="{width - _RIGHT:.1f}" y2="{y_of(v):.1f}" '
                   f'stroke="{BORDER}" stroke-width="0.6"/>')
        out.append(_text(_LEFT - 4, y_of(v) + 3, format_id(v, 0), size=8, anchor="end", color=NOTE_TEXT))
    return out, y_of


def svg_bars(chart: BarChart) -> str:
    """The chart as an inline ``<svg>`` (8 pt or larger text when printed at its width)."""
    values = [b.value for b in chart.bars if b.value is not None]
    top = _scale_top(values, chart.reference)
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    n = max(1, len(chart.bars))
    slot = plot_w / n
    bar_w = min(46.0, slot * 0.62)
    out, y_of = _frame(chart.title, _W, _H, top, plot_h)
    for i, bar in enumerate(chart.bars):
        cx = _LEFT + slot * (i + 0.5)
        out.append(_text(cx, _H - _BOTTOM + 13, bar.label, size=8))
        if bar.value is None:
            out.append(_text(cx, y_of(0) - 4, "—", size=8, color=NOTE_TEXT))
            continue
        v = max(0.0, bar.value)
        y = y_of(min(v, top))
        tip = f"<title>{escape(bar.title or bar.label)}: {escape(format_id(bar.value, chart.decimals))}" \
              f"{escape(chart.unit)}</title>"
        out.append(f'<rect x="{cx - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                   f'height="{y_of(0) - y:.1f}" fill="{bar.color}" stroke="#555" stroke-width="0.4">{tip}</rect>')
        out.append(_text(cx, y - 3, format_id(bar.value, chart.decimals if n <= 12 else 0), size=8))
    if chart.reference is not None:
        y = y_of(chart.reference)
        out.append(f'<line x1="{_LEFT:.1f}" y1="{y:.1f}" x2="{_W - _RIGHT:.1f}" y2="{y:.1f}" '
                   f'stroke="{CHART_TARGET}" stroke-width="1.2" stroke-dasharray="5 3"/>')
        out.append(_text(_W - _RIGHT, _H - 6, f"- - - {chart.reference_label}", size=8, anchor="end",
                         color=CHART_TARGET))
    out.append(f'<line x1="{_LEFT:.1f}" y1="{y_of(0):.1f}" x2="{_W - _RIGHT:.1f}" y2="{y_of(0):.1f}" '
               'stroke="#333" stroke-width="0.8"/>')
    out.append("</svg>")
    return "".join(out)


def svg_lines(chart: LineChart, width: float = _W, height: float = _H) -> str:
    """Values over the years, one line per series, every point labelled (``width`` × ``height``
    pixels, drawn at that size so its text prints at 8 pt or more)."""
    values = [v for _, vs in chart.series for v in vs if v is not None]
    top = _scale_top(values, None)
    _w, _h = width, height
    plot_w, plot_h = _w - _LEFT - _RIGHT, _h - _TOP - _BOTTOM - 14
    n = max(1, len(chart.categories))
    slot = plot_w / n
    out, y_of = _frame(chart.title, _w, _h, top, plot_h)
    for i, cat in enumerate(chart.categories):
        out.append(_text(_LEFT + slot * (i + 0.5), _TOP + plot_h + 13, cat, size=8))
    legend_x = _LEFT
    for s, (name, vs) in enumerate(chart.series):
        color = _SERIES_COLORS[s % len(_SERIES_COLORS)]
        points = [(_LEFT + slot * (i + 0.5), y_of(v), v) for i, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.6"/>')
        for x, y, v in points:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{color}"/>')
            out.append(_text(x, y - 5, format_id(v, chart.decimals), size=8, color=color))
        out.append(f'<rect x="{legend_x:.1f}" y="{_h - 14:.1f}" width="9" height="9" fill="{color}"/>')
        out.append(_text(legend_x + 12, _h - 6, name, size=8, anchor="start"))
        legend_x += 12 + 7 * len(name) + 18
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- Excel


def excel_bars(wb: Any, sheet: str, first_row: int, last_row: int, label_col: int, value_col: int,
               chart: BarChart, reference_col: int | None = None) -> Any:
    """A native column chart of ``chart`` over rows ``first_row``..``last_row`` (0-based) of
    ``sheet``: labels in ``label_col``, values in ``value_col``, the 100 % line from
    ``reference_col`` (a column holding the reference on every row). Data labels use the
    reader's own number format (Excel in Indonesian shows 87,50)."""
    col = wb.add_chart({"type": "column"})
    col.add_series({
        "name": chart.series_name,
        "categories": [sheet, first_row, label_col, last_row, label_col],
        "values": [sheet, first_row, value_col, last_row, value_col],
        "fill": {"color": CHART_FILL},
        "points": [{"fill": {"color": b.color}} for b in chart.bars],
        "data_labels": {"value": True, "num_format": "#,##0.00", "font": {"size": 9}},
        "gap": 80,
    })
    if reference_col is not None and chart.reference is not None:
        line = wb.add_chart({"type": "line"})
        line.add_series({
            "name": chart.reference_label,
            "categories": [sheet, first_row, label_col, last_row, label_col],
            "values": [sheet, first_row, reference_col, last_row, reference_col],
            "line": {"color": CHART_TARGET, "width": 1.5, "dash_type": "dash"},
            "marker": {"type": "none"},
        })
        col.combine(line)
    col.set_title({"name": chart.title, "name_font": {"size": 10, "bold": True}})
    col.set_x_axis({"num_font": {"size": 9}})
    col.set_y_axis({"num_format": "#,##0", "num_font": {"size": 9}, "min": 0,
                    "major_gridlines": {"visible": True, "line": {"color": BORDER}}})
    col.set_legend({"position": "bottom", "font": {"size": 9}})
    col.set_size({"width": 720, "height": 300})
    return col


def excel_lines(wb: Any, sheet: str, header_row: int, first_row: int, last_row: int, first_col: int,
                last_col: int, name_col: int, title: str) -> Any:
    """A native line chart: one series per row ``first_row``..``last_row`` (its name in
    ``name_col``), the years in ``header_row`` from ``first_col`` to ``last_col``."""
    chart = wb.add_chart({"type": "line"})
    for r in range(first_row, last_row + 1):
        chart.add_series({
            "name": [sheet, r, name_col],
            "categories": [sheet, header_row, first_col, header_row, last_col],
            "values": [sheet, r, first_col, r, last_col],
            "marker": {"type": "circle", "size": 5},
            "data_labels": {"value": True, "num_format": "#,##0.00", "font": {"size": 9},
                            "position": "above"},
        })
    chart.set_title({"name": title, "name_font": {"size": 10, "bold": True}})
    chart.set_x_axis({"num_font": {"size": 9}})
    chart.set_y_axis({"num_format": "#,##0", "num_font": {"size": 9},
                      "major_gridlines": {"visible": True, "line": {"color": BORDER}}})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    chart.set_size({"width": 720, "height": 320})
    return chart


ROWS_PER_PAGE = 40   # default rows (17 px) on an A4 landscape page printed at 90 %
BAR_ROWS, LINE_ROWS = 18, 19   # default rows the charts (300 and 320 px high) cover


def chart_sheet(wb: Any, sh: Any, title: str, subtitle: str, charts: Sequence[BarChart | LineChart]) -> None:
    """A sheet of native charts, each above the numbers it draws, none split over two pages.
    Written strictly top to bottom (fine for workbooks in constant-memory mode)."""
    from .styles import BORDER, FONT, HEADER_FILL, HEADER_TEXT, number_format

    base = {"font_name": FONT, "font_size": 9, "border": 1, "border_color": BORDER, "valign": "top"}
    head = wb.add_format({**base, "bold": True, "font_color": HEADER_TEXT, "bg_color": HEADER_FILL,
                          "align": "center", "text_wrap": True})
    text = wb.add_format({**base, "text_wrap": True})
    numbers: dict[tuple[int, str], Any] = {}

    def num(decimals: int, fill: str = "") -> Any:
        if (decimals, fill) not in numbers:
            numbers[(decimals, fill)] = wb.add_format({**base, "num_format": number_format(decimals),
                                                       **({"bg_color": fill} if fill else {})})
        return numbers[(decimals, fill)]

    sh.set_column(0, 0, 10)
    sh.set_column(1, 1, 70)
    sh.set_column(2, 12, 11)
    sh.write_string(0, 0, title, wb.add_format({"font_name": FONT, "bold": True, "font_size": 12}))
    sh.write_string(1, 0, subtitle, wb.add_format({"font_name": FONT, "font_size": 10}))
    r = page_top = 3
    breaks: list[int] = []
    for chart in charts:
        size = len(chart.bars) + 3 + BAR_ROWS if isinstance(chart, BarChart) else 4 + LINE_ROWS
        if r > page_top and r + size - page_top > ROWS_PER_PAGE:
            breaks.append(r)
            page_top = r
        if isinstance(chart, BarChart):
            sh.set_row(r, 26)
            for c, h in enumerate(("Kode", "Uraian", chart.series_name, "Target (%)")):
                sh.write_string(r, c, h, head)
            first = r + 1
            for k, bar in enumerate(chart.bars, start=first):
                if len(bar.title) > 80:  # a wrapped name: a taller row
                    sh.set_row(k, 12.75 * -(-len(bar.title) // 80))
                sh.write_string(k, 0, bar.label, text)
                sh.write_string(k, 1, bar.title, text)
                if bar.value is None:
                    sh.write_string(k, 2, "—", text)
                else:
                    sh.write_number(k, 2, bar.value, num(chart.decimals, bar.color))
                sh.write_number(k, 3, chart.reference if chart.reference is not None else 100, num(0))
            last = first + len(chart.bars) - 1
            if chart.bars:
                sh.insert_chart(last + 2, 0, excel_bars(wb, sh.name, first, last, 0, 2, chart, 3),
                                {"x_offset": 4, "y_offset": 4})
            r = last + 3 + BAR_ROWS
        else:
            cats = list(chart.categories)
            sh.write_string(r, 0, "Kode", head)
            for j, cat in enumerate(cats, start=2):
                sh.write_string(r, j, cat, head)
            for name, values in chart.series[:1]:
                sh.write_string(r + 1, 0, name, text)
                for j, v in enumerate(values, start=2):
                    if v is None:
                        sh.write_string(r + 1, j, "—", text)
                    else:
                        sh.write_number(r + 1, j, v, num(chart.decimals))
            sh.insert_chart(r + 3, 0, excel_lines(wb, sh.name, r, r + 1, r + 1, 2, 1 + len(cats), 0, chart.title),
                            {"x_offset": 4, "y_offset": 4})
            r += 4 + LINE_ROWS
    if breaks:
        sh.set_h_pagebreaks(breaks)
