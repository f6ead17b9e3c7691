"""Print layout shared by the workbooks: A4 pages at a scale that keeps table text at 8 pt or
more, and page breaks that keep a group (a sasaran with its indicators) on one page.

xlsxwriter stores row heights in pixels of 96 dpi; a point is 4/3 of a pixel. Heights given
here are points.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

A4_LONG, A4_SHORT = 842.0, 595.0   # points
DEFAULT_ROW = 12.75                # Arial 10 default row height, points
PRINT_SCALE = 90                   # 9 pt table text prints at 8 pt or more
A4 = 9                             # xlsxwriter's paper code


def print_setup(sh: Any, footer: str, *, landscape: bool = True, scale: int | None = PRINT_SCALE,
                margins: tuple[float, float] = (0.3, 0.5), header_rows: tuple[int, int] | None = None) -> None:
    """A4, ``scale`` per cent (None: one page wide), margins (side, top) in inches, ``footer`` on
    the left and "Halaman n dari m" on the right of every page, ``header_rows`` repeated."""
    sh.set_paper(A4)
    if landscape:
        sh.set_landscape()
    if scale is None:
        sh.fit_to_pages(1, 0)
    else:
        sh.set_print_scale(scale)
    side, top = margins
    sh.set_margins(left=side, right=side, top=top, bottom=0.6)
    if header_rows is not None:
        sh.repeat_rows(*header_rows)
    sh.set_footer(f"&L&9{footer}&R&9Halaman &P dari &N")


def wrapped_lines(text: str, width: float, font_size: float = 9) -> int:
    """Estimated lines ``text`` wraps to in a column ``width`` Excel characters wide at
    ``font_size`` pt, word by word (neither Excel nor LibreOffice grows a wrapped row by itself,
    so the writer sets its height). As both programs do, a line may also break after a hyphen
    (``rt-medan_tw3_2026.xlsx`` → ``rt-`` | ``medan_tw3_2026.xlsx``), and a word longer than a
    line is cut."""
    if not text:
        return 1
    per_line = max(width * 11.5 / font_size, 4.0)
    total = 0
    for part in str(text).split("\n"):
        line, count = 0, 1
        for word in part.split(" "):
            for k, piece in enumerate(_HYPHENATED.findall(word) or [""]):
                gap = 1 if line and k == 0 else 0  # a space before a word, none within one
                n = len(piece)
                if line and line + gap + n > per_line:
                    count, line = count + 1, n
                else:
                    line += gap + n
                while line > per_line:
                    count, line = count + 1, line - per_line
        total += count
    return total


_HYPHENATED = re.compile(r"[^-]*-|[^-]+")  # a word's pieces, each ending after its hyphen


def page_height(*, landscape: bool, scale: int, top: float, bottom: float, titles: float = 0.0) -> float:
    """Points of sheet rows that fit on one page (margins in inches; ``titles``: the points of
    the rows repeated on every page)."""
    paper = A4_SHORT if landscape else A4_LONG
    return (paper - (top + bottom) * 72) * 100 / scale - titles


def row_heights(sh: Any, first: int, last: int) -> list[float]:
    """Heights in points of 0-based rows ``first``..``last`` as set on an xlsxwriter sheet."""
    sizes = getattr(sh, "row_sizes", {})  # pixels, by 0-based row
    return [sizes[r][0] * 0.75 if r in sizes and sizes[r][0] is not None else DEFAULT_ROW
            for r in range(first, last + 1)]


def group_breaks(heights: Sequence[float], starts: Sequence[int], page: float, first_page: float) -> list[int]:
    """Row offsets (into ``heights``) to break the page before, so that no group that fits on
    a page is split: ``starts`` are the offsets where groups begin; ``first_page`` is the room
    on the first page (below the sheet's title block)."""
    breaks: list[int] = []
    ends = list(starts[1:]) + [len(heights)]
    room, used = first_page, 0.0
    for start, end in zip(starts, ends):
        size = sum(heights[start:end])
        if used + size > room and used > 0 and size <= page:
            breaks.append(start)
            room, used = page, 0.0
        used += size
        while used > room:  # a group longer than a page runs over; carry the remainder
            used -= room
            room = page
    return breaks
