"""Bound what the spreadsheet parser would build from a file, before it sees the file.

python-calamine (Rust) trusts the sizes and positions written in a file: a cell at row
1,048,576 makes it allocate the whole rectangle, a repeated ODS cell is copied as often as
the file says, an .xls ``DIMENSIONS`` record or a compound-file header can ask for
petabytes. Such an allocation does not raise, it aborts the process: one hostile file
would stop every ingest run. The checks here replay, in bounded Python, what the parser
would do with the file's own numbers and refuse the file when the result would exceed:

- :data:`MAX_CELLS` cells in the grid of any sheet (rows × columns, as the parser builds it);
- :data:`MAX_TEXT_CHARS` characters of cell text, counting a shared or repeated string every
  time a cell uses it (that is what the reader copies);
- sheet positions beyond the ``max_rows`` × ``max_cols`` the caller allows.

:func:`check_xlsx` parses every part that holds worksheet data with expat (the only way to
see positions and attribute values exactly as a parser does: a regular expression can be
fooled by single quotes, ``>`` in attribute values or cells without ``r``), refusing parts
that are not well-formed XML or declare a DTD; :func:`check_ods` does the same for
``content.xml``; :func:`check_ole` walks the compound-file container and the BIFF records
of an ``.xls``. Every refusal is :class:`UnreadableInput` with an Indonesian reason.
"""
from __future__ import annotations

import re
import struct
import zipfile
from typing import Any, Callable
from xml.parsers import expat

from . import codes, fast
from .errors import UnreadableInput

MAX_CELLS = 1_000_000         # the grid of one sheet; a form has ~400 cells
MAX_TEXT_CHARS = 10_000_000   # all cell text of a workbook as a reader expands it; a form: ~5,000

_SHEET_MARKERS = tuple(m for text in ("sheetData",) for m in
                       (text.encode(), text.encode("utf-16-le"), text.encode("utf-16-be")))
_SST_MARKERS = tuple(m for text in ("<sst", ":sst") for m in
                     (text.encode(), text.encode("utf-16-le"), text.encode("utf-16-be")))
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")
_CHUNK = 1 << 20


def _dangerous(message: str) -> UnreadableInput:
    return UnreadableInput(message + " Ditolak demi keamanan.", codes.BERKAS_BERBAHAYA)


def _too_big(what: str) -> UnreadableInput:
    return UnreadableInput(f"{what} (formulir hanya ±100 baris dan 13 kolom). Hapus isi di luar tabel "
                           "formulir lalu kirim ulang.", codes.BERKAS_TERLALU_BESAR)


def _broken(what: str) -> UnreadableInput:
    return UnreadableInput(f"Berkas rusak ({what}). Minta unit membuka dan menyimpan ulang formulirnya "
                           "sebagai .xlsx.", codes.BERKAS_RUSAK)


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class _Budget:
    """Text characters and grid positions of one workbook, checked as they grow."""

    def __init__(self, max_rows: int, max_cols: int, text: int = 0) -> None:
        self.max_rows, self.max_cols = max_rows, max_cols
        self.text = text

    def add_text(self, chars: int) -> None:
        self.text += chars
        if self.text > MAX_TEXT_CHARS:
            raise _too_big(f"Teks dalam sel-sel berkas ini (termasuk teks yang dipakai berulang) melebihi "
                           f"{_fmt(MAX_TEXT_CHARS)} karakter")

    def position(self, row: int, col: int) -> None:
        """``row``/``col``: 1-based position of a cell the reader will place."""
        if row > self.max_rows or col > self.max_cols:
            raise _too_big(f"Sebuah sheet berisi sel sampai baris {_fmt(row)} / kolom {_fmt(col)} "
                           f"(batas {_fmt(self.max_rows)} baris, {self.max_cols} kolom)")


# --------------------------------------------------------------------------- XML


def _parse(zf: zipfile.ZipFile, info: zipfile.ZipInfo, start: Callable[[str, dict], None],
           end: Callable[[str], None] | None = None, text: Callable[[str], None] | None = None,
           data: bytes | None = None) -> None:
    """Stream one part (or its ``data``, already read) through expat; a DTD or malformed XML
    refuses the file."""
    parser = expat.ParserCreate()

    def no_dtd(*_: Any) -> None:
        raise _dangerous("Berkas berisi deklarasi DTD/ENTITY XML (pola 'XML bomb'); formulir normal "
                         "tidak pernah memilikinya.")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        if data is not None:
            parser.Parse(data, True)
            return
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _broken(f"XML tidak sah di bagian {info.filename[:60]}, baris {exc.lineno}: {_xml_fault(exc)}") from None


# expat's own words are English: the faults a damaged or hand-edited part shows, said in Indonesian
_XML_FAULTS = {
    expat.errors.XML_ERROR_TAG_MISMATCH: "tag pembuka dan penutup tidak berpasangan",
    expat.errors.XML_ERROR_UNCLOSED_TOKEN: "tag tidak ditutup",
    expat.errors.XML_ERROR_INVALID_TOKEN: "ada karakter atau tanda yang tidak sah",
    expat.errors.XML_ERROR_NO_ELEMENTS: "bagian ini kosong atau terpotong",
    expat.errors.XML_ERROR_UNDEFINED_ENTITY: "ada entitas (&…;) yang tidak dikenal",
    expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "ada isi sesudah akhir dokumen",
    expat.errors.XML_ERROR_UNKNOWN_ENCODING: "pengodean teksnya tidak dikenal",
    expat.errors.XML_ERROR_INCORRECT_ENCODING: "pengodean teksnya tidak sesuai isinya",
    expat.errors.XML_ERROR_PARTIAL_CHAR: "karakter terpotong",
    expat.errors.XML_ERROR_DUPLICATE_ATTRIBUTE: "atribut yang sama ditulis dua kali",
}


def _xml_fault(exc: expat.ExpatError) -> str:
    """What is wrong with a part's XML, in Indonesian (expat's message is English)."""
    return _XML_FAULTS.get(expat.ErrorString(exc.code), "susunan XML-nya rusak")


def _contains(zf: zipfile.ZipFile, info: zipfile.ZipInfo, markers: tuple[bytes, ...]) -> bool:
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            block = tail + chunk
            if any(m in block for m in markers):
                return True
            tail = block[-64:]
    return False


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


def _cell_ref(text: str) -> tuple[int, int] | None:
    """``"AB12"`` → (12, 28), 1-based; None when it is no cell reference."""
    m = _REF.fullmatch(text)
    if m is None or int(m.group(2)) == 0:
        return None
    letters = 0
    for ch in m.group(1).upper():
        letters = letters * 26 + (ord(ch) - 64)
    return int(m.group(2)), letters


class _Part:
    """One part's inflated bytes and the facts learnt of them (pure functions of the bytes)."""

    __slots__ = ("data", "facts")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.facts: dict[tuple, Any] = {}


class Parts:
    """The parts of one zip, each inflated at most once, and what was learnt of them.

    :meth:`read` returns a part's bytes when it is at most :data:`_CHUNK` long (larger parts
    are streamed by whoever reads them, and return None); :meth:`fact` computes a pure
    function of them once. Keys are ``ZipInfo`` objects, so two entries under one name stay
    two parts.
    """

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self._parts: dict[int, _Part] = {}

    def _part(self, info: zipfile.ZipInfo) -> _Part | None:
        part = self._parts.get(id(info))
        if part is None and info.file_size <= _CHUNK:
            part = self._parts[id(info)] = _Part(self.zf.read(info))
        return part

    def read(self, info: zipfile.ZipInfo) -> bytes | None:
        part = self._part(info)
        return None if part is None else part.data

    def fact(self, info: zipfile.ZipInfo, key: tuple, compute: Callable[[bytes], Any]) -> Any:
        """``compute(bytes of the part)``, once for these bytes (``key`` names what it computes
        and with which arguments); the part must be one :meth:`read` returns."""
        part = self._part(info)
        assert part is not None
        try:
            return part.facts[key]
        except KeyError:
            value = part.facts[key] = compute(part.data)
            return value

    def within(self, info: zipfile.ZipInfo, max_rows: int, max_cols: int) -> bool:
        """Whether no ``r="…"`` in the part names a row or column beyond the limits (see
        :func:`ref_extent`); the quick answer for most parts is a search for references long
        enough to be beyond them."""
        return self.fact(info, ("within", max_rows, max_cols), lambda data: _within(data, max_rows, max_cols))


def _within(data: bytes, max_rows: int, max_cols: int) -> bool:
    letters, digits = len(_column_letters(max_cols)), len(str(max_rows))
    quick = re.compile(rb'r="(?:[A-Z]{%d,3}[0-9]{1,7}|[A-Z]{0,%d}[0-9]{%d,7})"' % (letters, letters - 1, digits))
    if quick.search(data) is None:  # fewer letters and digits than the limits: within them
        return True
    row, col = ref_extent(data)
    return row <= max_rows and col <= max_cols


_ANY_REF = re.compile(rb'r="([A-Z]{0,3})([0-9]{1,7})"')


def ref_extent(data: bytes) -> tuple[int, int]:
    """(row, column) maxima over every ``r="…"`` text of capitals and digits in ``data`` — in
    any tag, attribute or text. Every cell or row reference a scan of the part can take for
    one is such a text, so no scan can find a larger position than this."""
    refs = _ANY_REF.findall(data)
    if not refs:
        return 0, 0
    letters, numbers = zip(*refs)
    return max(map(int, numbers)), max(map(letters_number, set(letters)))


def _column_letters(n: int) -> str:
    """28 → ``"AB"``."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def letters_number(letters: bytes) -> int:
    """``b"AB"`` → 28 (``b""`` → 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def check_xlsx(zf: zipfile.ZipFile, max_rows: int, max_cols: int, parts: Parts | None = None) -> None:
    """Refuse an .xlsx/.xlsm whose worksheets a reader could not hold (see the module doc).

    ``parts``: the zip's parts as the caller has read them already (each part is inflated
    once). A workbook as spreadsheet programs write them is cleared by :func:`_fast_xlsx`,
    which only ever answers "certainly within every limit"; anything else is replayed
    exactly by :func:`_exact_xlsx`, which gives every refusal and its reason.
    """
    names = {i.filename for i in zf.infolist()}
    if "xl/workbook.bin" in names or any(n.endswith(".bin") and n.startswith("xl/worksheets/") for n in names):
        raise UnreadableInput("Berkas ini buku kerja biner Excel (.xlsb), yang tidak diterima. Minta unit "
                              "menyimpannya sebagai .xlsx (Excel Workbook).", codes.BUKAN_SPREADSHEET)
    parts = Parts(zf) if parts is None else parts
    # a part that cannot be read raises here as it would in the exact replay, which reads
    # the same parts in the same order
    if fast.on("bounds") and _fast_xlsx(zf, max_rows, max_cols, parts):
        return
    _exact_xlsx(zf, max_rows, max_cols, parts)


def _markers(data: bytes) -> tuple[bool, bool]:
    """(holds worksheet data, holds shared strings), by the markers in any of the encodings."""
    wide = b"\x00" in data  # the UTF-16 markers hold NUL bytes: only such a part can have them
    is_sheet = any(m in data for m in (_SHEET_MARKERS if wide else _SHEET_MARKERS[:1]))
    is_sst = not is_sheet and any(m in data for m in (_SST_MARKERS if wide else _SST_MARKERS[::3]))
    return is_sheet, is_sst


def _exact_xlsx(zf: zipfile.ZipFile, max_rows: int, max_cols: int, parts: Parts) -> None:
    """Every part replayed through expat as the reader would place it; raises the first excess."""
    budget = _Budget(max_rows, max_cols)
    shared: list[int] = []
    sheets = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        data = parts.read(info)  # small parts: one read serves all
        if data is not None:
            head = data[:512].lstrip(b" \t\r\n")
            is_sheet, is_sst = _markers(data)
        else:
            with zf.open(info) as fh:
                head = fh.read(512).lstrip(b" \t\r\n")
            is_sheet = _contains(zf, info, _SHEET_MARKERS)
            is_sst = not is_sheet and _contains(zf, info, _SST_MARKERS)
        if (is_sheet or is_sst) and not head.startswith(_XML_STARTS):
            raise _broken(f"bagian {info.filename[:60]} bukan XML")
        if is_sheet:
            sheets.append((info, data))
        elif is_sst:
            shared = _shared_lengths(zf, info, shared, data)
    longest = max(shared, default=0)
    for info, data in sheets:
        # literal text of a part is at most its size; shared strings are charged per use:
        # first as (uses × longest string), exactly only when that bound is too high
        budget.add_text(info.file_size)
        uses = _scan_sheet(zf, info, None, budget, data)
        if uses * longest > MAX_TEXT_CHARS - budget.text:
            _scan_sheet(zf, info, shared, _Budget(budget.max_rows, budget.max_cols, budget.text), data)
        else:
            budget.add_text(uses * longest)


# --------------------------------------------------------------------------- the fast path
#
# A speed path (``KINERJA_FAST``, "bounds"): switched off, every workbook is replayed exactly.
# Clearing a well-formed workbook does not need the expat replay with a Python call per
# element (≈4 ms a form). :func:`_fast_xlsx` walks the same parts in the same order with the
# same markers, and charges every amount at least as high as the exact replay would:
#
# - a shared-strings part is checked well-formed and DTD-free by expat (no Python calls); the
#   longest string is charged as the part's size (a string has at most as many characters
#   as the part has bytes, so this is never less than the exact length);
# - a worksheet part must be "plain": UTF-8 (no NUL byte, no other declared encoding), no
#   ``<!`` (comment, CDATA, DTD), no processing instruction but the XML declaration, and
#   well-formed (expat, no Python calls). In such a part every ``<`` starts a tag, so two
#   searches (:func:`odd_tag`) find any tag of an element named ``c`` or ``row`` that does not
#   start as programs write it — ``<c r="B7"`` (capitals, digits without a leading zero) or
#   ``<row r="7"`` — and any name ending in ``:c`` or ``:row`` (a prefixed tag, or text that
#   only looks like one: the replay then decides). When there is none, every cell has its
#   own ``r`` (the reader places it there) and every row number is valid; the largest row
#   and column any ``r="…"`` in the part names (:func:`ref_extent`) bound every position the
#   replay would place; a part of at most 1 MB holds far fewer than :data:`MAX_CELLS` tags;
#   and every cell is counted as a shared-string use.
#
# The fast path never refuses: it answers True only when every one of these amounts is
# within every limit, which implies the exact replay would pass too (its amounts are never
# higher). Otherwise the exact replay runs and gives the reason.

ODD_TAGS = (re.compile(rb'<(?:c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")|row(?! r="[1-9][0-9]{0,6}"))[\s/>]'),
            re.compile(rb":(?:c|row)[\s/>]"))  # two searches with a literal start: cheaper than one


def odd_tag(data: bytes) -> bool:
    """Whether a ``c`` or ``row`` tag in ``data`` does not start as programs write it, or a
    name ends in ``:c`` / ``:row`` (see above)."""
    return any(pattern.search(data) is not None for pattern in ODD_TAGS)


_DECLARATION = re.compile(rb"<\?xml[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_BOM = b"\xef\xbb\xbf"
assert _CHUNK // len(b"<c/>") < MAX_CELLS  # a part small enough to be read whole cannot hold too many cells


class _Unusual(Exception):
    """Raised inside a fast check: the part needs the exact replay."""


def _fast_xlsx(zf: zipfile.ZipFile, max_rows: int, max_cols: int, parts: Parts) -> bool:
    """True when the workbook is certainly within every limit (see above); False: replay it.

    What is learnt of a part is a fact of its bytes (:meth:`Parts.fact`): a part met before
    in another workbook is not scanned again."""
    sheets = []
    longest = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        data = parts.read(info)
        if data is None:
            return False
        is_sheet, is_sst = parts.fact(info, ("markers",), _markers)
        if not (is_sheet or is_sst):
            continue
        if not parts.fact(info, ("xml-start",), _xml_start):
            return False
        if is_sheet:
            sheets.append(info)
        elif not parts.fact(info, ("well-formed",), _well_formed):
            return False
        else:
            longest = max(longest, len(data))
    text = 0
    for info in sheets:
        text += info.file_size
        uses = parts.fact(info, ("fast-sheet", max_rows, max_cols),
                          lambda data: _fast_sheet(parts, info, data, max_rows, max_cols))  # noqa: B023
        if uses is None or text + uses * longest > MAX_TEXT_CHARS:
            return False
        text += uses * longest
    return True


def _xml_start(data: bytes) -> bool:
    return data[:512].lstrip(b" \t\r\n").startswith(_XML_STARTS)


def _well_formed(data: bytes) -> bool:
    """Whether expat reads ``data`` to its end without a DTD or an error (no Python per element)."""
    parser = expat.ParserCreate()

    def no_dtd(*_: Any) -> None:
        raise _Unusual

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Unusual):
        return False
    return True


def _fast_sheet(parts: Parts, info: zipfile.ZipInfo, data: bytes, max_rows: int, max_cols: int) -> int | None:
    """Shared-string uses (or more) of a plain worksheet part within the limits; None: replay it."""
    if b"\x00" in data or (b"!" in data and b"<!" in data):  # "!" by memchr: rare, unlike "<"
        return None
    pis = data.count(b"<?")
    if pis:
        decl = _DECLARATION.match(data, 3 if data.startswith(_BOM) else 0)
        if pis > 1 or decl is None:
            return None
        encoding = _ENCODING.search(decl.group(0))
        if encoding is not None and encoding.group(1).lower() != b"utf-8":
            return None
    if not parts.within(info, max_rows, max_cols) or odd_tag(data) or not _well_formed(data):
        return None
    return data.count(b'<c r="')


def _shared_lengths(zf: zipfile.ZipFile, info: zipfile.ZipInfo, known: list[int],
                    data: bytes | None) -> list[int]:
    """Length of every shared string (``<si>``), the longer one when two parts claim an index."""
    lengths: list[int] = []
    depth = 0

    def start(name: str, attrs: dict) -> None:
        nonlocal depth
        if _local(name) == "si":
            lengths.append(0)
            depth += 1

    def end(name: str) -> None:
        nonlocal depth
        if _local(name) == "si":
            depth -= 1

    def text(chars: str) -> None:
        if depth > 0 and lengths:
            lengths[-1] += len(chars)

    _parse(zf, info, start, end, text, data)
    return [max(a, b) for a, b in zip(lengths, known)] + lengths[len(known):] + known[len(lengths):]


def _scan_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, shared: list[int] | None, budget: _Budget,
                data: bytes | None) -> int:
    """Replay the reader's placement of cells: ``r`` attributes, or counting when absent (the
    row number goes up at every ``</row>``, the column at every ``</c>``). Returns how many
    cells use a shared string; with ``shared``, also charges each use its string's length."""
    in_data = False
    row = col = cells = uses = 0
    in_index = False            # inside the <v> of a shared-string cell (exact pass only)
    shared_cell = False
    index = ""
    max_rows, max_cols = budget.max_rows, budget.max_cols

    def start(name: str, attrs: dict) -> None:
        nonlocal in_data, row, col, cells, uses, shared_cell, in_index, index
        if ":" in name:
            name = name.rsplit(":", 1)[1]
        if name == "c" and in_data:
            r = attrs.get("r")
            if r is not None:
                pos = _cell_ref(r)
                if pos is None:
                    raise _broken(f"alamat sel '{r[:20]}' tidak sah")
                col = pos[1] - 1
                at_row, at_col = pos
            else:
                at_row, at_col = row + 1, col + 1
            if at_row > max_rows or at_col > max_cols:
                budget.position(at_row, at_col)
            cells += 1
            if cells > MAX_CELLS:
                raise _too_big(f"Sebuah sheet berisi lebih dari {_fmt(MAX_CELLS)} sel")
            shared_cell = attrs.get("t") == "s"
            uses += shared_cell
        elif name == "v" and shared_cell and shared is not None:
            in_index, index = True, ""
        elif name == "row" and in_data:
            r = attrs.get("r")
            if r is not None:
                if not (r.isascii() and r.isdigit() and len(r) <= 7) or int(r) == 0:
                    raise _broken(f"nomor baris '{r[:20]}' tidak sah")
                budget.position(int(r), 1)
                row = int(r) - 1
        elif name == "sheetData":
            in_data = True

    def end(name: str) -> None:
        nonlocal in_data, row, col, shared_cell, in_index
        if ":" in name:
            name = name.rsplit(":", 1)[1]
        if name == "c" and in_data:
            col += 1
            shared_cell = False
        elif name == "v" and in_index:
            in_index = False
            i = index.strip()
            if i.isascii() and i.isdigit() and len(i) < 10 and int(i) < len(shared):  # type: ignore[arg-type]
                budget.add_text(shared[int(i)])  # type: ignore[index]
        elif name == "row" and in_data:
            row += 1
            col = 0
        elif name == "sheetData":
            in_data = False

    def text(chars: str) -> None:
        nonlocal index
        if in_index:
            index += chars[:16]

    _parse(zf, info, start, end, text if shared is not None else None, data)
    return uses


# --------------------------------------------------------------------------- ODS

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_VALUE_ATTRS = ("office:value", "office:string-value", "office:date-value", "office:time-value",
                "office:boolean-value", "table:formula")


def check_ods(zf: zipfile.ZipFile, max_rows: int, max_cols: int, parts: Parts | None = None) -> None:
    """Refuse an .ods whose ``content.xml`` would expand past the bounds (repeated rows/cells).

    The reader materialises every filled cell ``number-columns-repeated`` times (and its row
    ``number-rows-repeated`` times), and every run of empty cells that is followed by another
    cell in the row; a cell's text is charged once per copy. ``parts``: as for
    :func:`check_xlsx`.
    """
    try:
        info = zf.getinfo("content.xml")
    except KeyError:
        return
    _scan_ods(zf, info, _Budget(max_rows, max_cols), (parts or Parts(zf)).read(info))


def _scan_ods(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, data: bytes | None = None) -> None:
    row = 0            # first row of the current table-row element (0-based)
    rrep = 1           # its number-rows-repeated
    pushed = 0         # cells the reader has materialised in this row so far
    pending = 0        # trailing empty cells, materialised only if another cell follows
    maxcol = 0         # materialised position of the row's last filled cell
    cells = 0
    cell: str | None = None   # element name of the open filled cell
    copies = 1
    chars = 0

    def number(attrs: dict, key: str) -> int:
        raw = attrs.get(key)
        if raw is None:
            return 1
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
            raise _broken(f"{key} '{raw[:20]}' tidak sah")
        return int(raw)

    def start(name: str, attrs: dict) -> None:
        nonlocal row, rrep, pushed, pending, maxcol, cells, cell, copies, chars
        if name in ("table:table-cell", "table:covered-table-cell"):
            if cell is not None:
                return
            crep = number(attrs, "table:number-columns-repeated")
            pushed += pending           # the empty run before this cell is materialised now
            cells += pending
            pending = 0
            if attrs.get("office:value-type") == "string" or any(k in attrs for k in _VALUE_ATTRS):
                cell, copies = name, crep * rrep
                chars = sum(len(attrs.get(k) or "") for k in _VALUE_ATTRS)
                pushed += crep
                cells += crep
                maxcol = pushed
            else:
                pending = crep
            if cells > MAX_CELLS:
                raise _too_big(f"Berkas ini berisi lebih dari {_fmt(MAX_CELLS)} sel (termasuk sel berulang)")
        elif name == "text:s":
            if cell is not None:
                raw = attrs.get("text:c") or "1"
                if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
                    raise _broken(f"text:c '{raw[:20]}' tidak sah")
                chars += int(raw)
        elif name == "table:table-row":
            rrep = number(attrs, "table:number-rows-repeated")
            pushed = pending = maxcol = 0
        elif name == "table:table":
            row = 0

    def end(name: str) -> None:
        nonlocal row, cell
        if name == cell:
            budget.add_text(chars * copies)
            cell = None
        elif name == "table:table-row":
            if maxcol:
                budget.position(row + rrep, maxcol)
            row += rrep

    def text(chars_read: str) -> None:
        nonlocal chars
        if cell is not None:
            chars += len(chars_read)

    _parse(zf, info, start, end, text, data)


# --------------------------------------------------------------------------- XLS (OLE2 + BIFF)

_ENDOFCHAIN, _FREESECT, _DIFSECT, _RESERVED = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFC, 0xFFFFFFFA
_CELL_RECORDS = {0x0203: 14, 0x0204: 6, 0x0205: 8, 0x027E: 10, 0x00FD: 10, 0x0006: 20}


def check_ole(data: bytes, max_rows: int, max_cols: int) -> None:
    """Refuse an .xls whose container or records would make a reader allocate without bound.

    Walks the compound file as a reader does (header, DIFAT, FAT, directory, mini stream, the
    ``Workbook``/``Book`` stream) checking that every sector number is inside the file, no
    chain loops, and every declared length fits in the file; then walks the BIFF records of
    the workbook globals and of each sheet: ``DIMENSIONS``, cell positions, the shared string
    table's count and how much text its cells would copy.
    """
    stream = _ole_workbook_stream(data)
    _check_biff(stream, max_rows, max_cols)


def _u32(buf: bytes, at: int) -> int:
    return struct.unpack_from("<I", buf, at)[0] if at + 4 <= len(buf) else 0


class _Ole:
    """An OLE2 compound file as a reader walks it: the header's sizes checked against the file,
    then the DIFAT and the FAT; :meth:`sector` and :meth:`chain` refuse a sector number outside
    the file and a chain that loops."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise _broken("wadah OLE terpotong")
        shift = struct.unpack_from("<H", data, 30)[0]
        if shift not in (9, 12) or struct.unpack_from("<H", data, 32)[0] != 6:
            raise _broken("ukuran sektor OLE tidak sah")
        size = self.size = 1 << shift
        self.body = data[size:] if size == 4096 else data[512:]
        self.n_sectors = (len(self.body) + size - 1) // size
        self.limit = limit = len(data)
        dir_len, fat_len = _u32(data, 40), _u32(data, 44)
        self.dir_start, self.mini_start, self.mini_len = _u32(data, 48), _u32(data, 60), _u32(data, 64)
        difat_len = _u32(data, 62)  # what some readers take as the DIFAT length (a field straddling two others)
        if dir_len * size > limit or fat_len > self.n_sectors + 1 or difat_len > (1 << 24) \
                or self.mini_len * size > limit:
            raise _dangerous("Header berkas .xls menyatakan ukuran yang jauh melebihi isi berkas.")
        self.fats = self._fat(data, _u32(data, 68))

    def _fat(self, data: bytes, difat_start: int) -> list[int]:
        """The FAT, from the sectors the DIFAT (109 entries in the header, then its chain) lists."""
        size = self.size
        difat = list(struct.unpack_from(f"<{109}I", data, 76))
        seen: set[int] = set()
        nxt = difat_start
        while nxt < _RESERVED:
            if nxt in seen:
                raise _dangerous("Rantai sektor berkas .xls berputar (tak berujung).")
            seen.add(nxt)
            entries = list(struct.unpack_from(f"<{size // 4}I", self.sector(nxt)))
            difat.extend(entries[:-1])
            nxt = entries[-1]
        fats: list[int] = []
        for i in difat:
            if i < _DIFSECT:
                fats.extend(struct.unpack_from(f"<{size // 4}I", self.sector(i).ljust(size, b"\0")))
        return fats

    def sector(self, i: int) -> bytes:
        if i >= self.n_sectors:
            raise _dangerous(f"Berkas .xls menunjuk sektor {_fmt(i)} di luar isi berkas.")
        return self.body[i * self.size:(i + 1) * self.size]

    def chain(self, first: int, table: list[int], count: int, what: str) -> list[int]:
        """The sector numbers of a chain starting at ``first`` in ``table`` (each below ``count``)."""
        ids, cur, visited = [], first, set()
        while cur != _ENDOFCHAIN:
            if cur >= count or cur >= len(table) or cur in visited:
                raise _dangerous(f"Rantai sektor {what} berkas .xls rusak atau berputar.")
            visited.add(cur)
            ids.append(cur)
            cur = table[cur]
        return ids

    def stream(self, first: int, what: str) -> bytes:
        """A stream of whole sectors, by its chain in the FAT."""
        return b"".join(self.sector(i) for i in self.chain(first, self.fats, self.n_sectors, what))

    def entry_len(self, entry: bytes) -> int:
        """The stream length a directory entry declares."""
        return _u32(entry, 120) if self.size == 512 else struct.unpack_from("<Q", entry, 120)[0]


def _ole_workbook_stream(data: bytes) -> bytes:
    """The ``Workbook`` (or ``Book``) stream of an .xls, every length and chain checked on the way."""
    ole = _Ole(data)
    dir_bytes = ole.stream(ole.dir_start, "direktori")
    entries = [dir_bytes[i:i + 128] for i in range(0, len(dir_bytes) - 127, 128)]
    if not entries:
        raise _broken("direktori OLE kosong")
    ministream, mini_fats = _ole_mini_stream(ole, entries[0])
    by_name = {}
    for e in entries:
        name = e[:64].decode("utf-16-le", "replace").split("\x00", 1)[0]
        by_name.setdefault(name, e)
    entry = by_name.get("Workbook") or by_name.get("Book")
    if entry is None:
        raise _broken("tidak ada aliran Workbook")
    length, first = ole.entry_len(entry), _u32(entry, 116)
    if length > ole.limit:
        raise _dangerous("Aliran Workbook berkas .xls menyatakan ukuran melebihi isi berkas.")
    if length < 4096:
        n_mini = (len(ministream) + 63) // 64
        ids = ole.chain(first, mini_fats, n_mini, "mini")
        out = b"".join(ministream[i * 64:(i + 1) * 64] for i in ids)
    else:
        out = ole.stream(first, "Workbook")
    return out[:length]


def _ole_mini_stream(ole: _Ole, root: bytes) -> tuple[bytes, list[int]]:
    """The mini stream (held by the root entry) and its FAT; empty when the file has none."""
    if ole.mini_len <= 0:
        return b"", []
    if ole.entry_len(root) > ole.limit:
        raise _dangerous("Aliran mini berkas .xls menyatakan ukuran melebihi isi berkas.")
    ministream = ole.stream(_u32(root, 116), "aliran mini")
    raw = ole.stream(ole.mini_start, "FAT mini")
    return ministream, list(struct.unpack_from(f"<{len(raw) // 4}I", raw))


def _records(stream: bytes, pos: int):
    while pos + 4 <= len(stream):
        typ, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        if len(body) < length:
            return
        yield typ, body
        if typ == 0x000A:  # EOF
            return
        pos += 4 + length


def _check_biff(stream: bytes, max_rows: int, max_cols: int) -> None:
    budget = _Budget(max_rows, max_cols)
    sheets: list[int] = []
    sst_lengths: list[int] = []
    datatab: list[bytes] = []
    for typ, body in _records(stream, 0):
        if typ == 0x0085:  # BoundSheet8: where a sheet's records start
            if len(body) < 6:
                raise _broken("catatan sheet terpotong")
            sheets.append(_u32(body, 0))
        elif typ == 0x00FC:  # SST
            if len(body) < 8:
                raise _broken("tabel teks terpotong")
            count = struct.unpack_from("<i", body, 4)[0]
            if count < 0 or count > min(len(stream) // 3, MAX_CELLS):
                raise _dangerous(f"Tabel teks berkas .xls menyatakan {_fmt(count)} teks, jauh melebihi isi berkas.")
            datatab = [body]
        elif typ == 0x003C and datatab:  # CONTINUE of the SST
            datatab.append(body)
        elif datatab and not sst_lengths:
            sst_lengths = _sst_lengths(datatab)
    if datatab and not sst_lengths:
        sst_lengths = _sst_lengths(datatab)
    for start in sheets:
        if start >= len(stream):
            raise _broken("posisi sheet di luar berkas")
        cells = 0
        for typ, body in _records(stream, start):
            if typ == 0x0200:  # DIMENSIONS
                if len(body) == 14:
                    rf, rl, cf, cl = struct.unpack_from("<IIHH", body)
                elif len(body) == 10:
                    rf, rl, cf, cl = struct.unpack_from("<HHHH", body)
                else:
                    raise _broken("catatan DIMENSIONS tidak sah")
                if rl >= 1 and cl >= 1:
                    if rf > rl - 1 or cf > cl - 1:
                        raise _dangerous("Catatan DIMENSIONS berkas .xls terbalik (awal melewati akhir).")
                    budget.position(rl - rf, cl - cf)
            elif typ in _CELL_RECORDS:
                if len(body) < _CELL_RECORDS[typ]:
                    raise _broken("catatan sel terpotong")
                row, col = struct.unpack_from("<HH", body)
                budget.position(row + 1, col + 1)
                cells += 1
                if typ == 0x00FD:
                    index = _u32(body, 6)
                    if index < len(sst_lengths):
                        budget.add_text(sst_lengths[index])
                elif typ == 0x0204:
                    budget.add_text(len(body))
            elif typ == 0x0207:  # STRING: the text result of the formula before it
                budget.add_text(len(body))
            elif typ == 0x00BD:  # MULRK: row, first col, …, last col
                if len(body) < 6:
                    raise _broken("catatan MULRK terpotong")
                row, first = struct.unpack_from("<HH", body)
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                if first > last:
                    raise _broken("catatan MULRK terbalik")
                budget.position(row + 1, last + 1)
                cells += last - first + 1
            elif typ == 0x00E5:  # MERGECELLS
                if len(body) < 2 or 2 + 8 * struct.unpack_from("<H", body)[0] > len(body):
                    raise _broken("catatan sel gabungan terpotong")
            if cells > MAX_CELLS:
                raise _too_big(f"Sebuah sheet berisi lebih dari {_fmt(MAX_CELLS)} sel")


def _sst_lengths(datatab: list[bytes]) -> list[int]:
    """Length of every string of the SST (xlrd's own unpacking of SST + CONTINUE records)."""
    from xlrd.book import unpack_SST_table

    count = struct.unpack_from("<i", datatab[0], 4)[0]
    try:
        strings, _ = unpack_SST_table(datatab, count)
    except Exception:  # noqa: BLE001 - a table xlrd cannot unpack: the reader will refuse it too
        raise _broken("tabel teks tidak dapat dibaca") from None
    return [len(s) for s in strings]
