"""A scoped workspace's package for the parent office (``kinerja kirim``), and reading one back.

The package is one protected workbook: a cover sheet a person reads, one sheet each of units,
values, budget and approval events (what the parent records), and the hidden identity sheet
``_kiriman`` with the node, the period, the hash of every rules file and a checksum over all
of it. The parent's ingest recognises it by that sheet whatever the file's name
(:func:`is_package`), reads it with the same safety checks as any workbook, and refuses it when
the checksum, the rules or the units do not fit (:class:`PackageError`). Each carried unit is
then validated by putting its values into the unit's own form layout (:func:`carried_grid`) and
running the form's validation on it, so a carried value meets exactly the checks a typed one does.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import codes, ledger, styles
from .codes import WARNING, Issue
from .errors import WorkspaceError
from .layout import APP_ID, COL, DATA_SHEET, FormPlan
from .periods import quarter_label
from .reading import RawWorkbook
from .rules import Rules
from .scope import Scope, digest_of, rules_fingerprint, scope_of
from .text import excerpt
from .workspace import Workspace, atomic_write, remove_stale_temporaries, safe_name

KIND = "kiriman-kinerja"
PACKAGE_VERSION = 1
FILE_FORMAT = "kiriman"            # submissions.file_format of a carried submission or a package
DIFFERS = codes.NILAI_BERBEDA_ASAL  # warning: a unit's data came both straight and in a package, differing

META_SHEET = "_kiriman"
COVER_SHEET = "Sampul"
UNIT_SHEET = "Unit"
VALUE_SHEET = "Nilai"
BUDGET_SHEET = "Anggaran"
APPROVAL_SHEET = "Persetujuan"
PACKAGE_SHEETS = (META_SHEET, UNIT_SHEET, VALUE_SHEET, BUDGET_SHEET, APPROVAL_SHEET)

# the data sheets: (key, header a person reads, kind) — "n" number, "t" text
UNIT_COLS = (("unit", "Kode unit", "t"), ("nama", "Nama unit", "t"), ("received_at", "Diterima", "t"),
             ("file_name", "Berkas asli", "t"), ("sha256", "SHA-256 berkas asli", "t"),
             ("signer_name", "Penandatangan", "t"), ("signer_nip", "NIP penandatangan", "t"),
             ("signed_on", "Tanggal tanda tangan", "t"), ("verified", "Terverifikasi", "t"))
VALUE_COLS = (("unit", "Kode unit", "t"), ("indikator", "Indikator", "t"), ("realisasi", "Realisasi", "n"),
              ("pembilang", "Pembilang", "n"), ("penyebut", "Penyebut", "n"),
              ("penjelasan", "Penjelasan / Kendala", "t"), ("bukti", "Bukti dukung", "t"))
BUDGET_COLS = (("unit", "Kode unit", "t"), ("kegiatan", "Kegiatan", "t"),
               ("realisasi_anggaran", "Realisasi anggaran", "n"))
APPROVAL_COLS = (("unit", "Kode unit", "t"), ("level", "Tahap", "t"), ("action", "Tindakan", "t"),
                 ("by", "Oleh", "t"), ("nip", "NIP", "t"), ("at", "Waktu", "t"), ("note", "Catatan", "t"),
                 ("made_in", "Dicatat di workspace", "t"))
_SHEET_COLS = {UNIT_SHEET: UNIT_COLS, VALUE_SHEET: VALUE_COLS, BUDGET_SHEET: BUDGET_COLS,
               APPROVAL_SHEET: APPROVAL_COLS}
_YES, _NO = "ya", "tidak"


class PackageError(Exception):
    """A package the parent refuses: a stable code and the Indonesian reason (what to do)."""

    def __init__(self, code: str, message: str, sheet: str = META_SHEET) -> None:
        super().__init__(message)
        self.code, self.message, self.sheet = code, message, sheet


# --------------------------------------------------------------------------- the content


@dataclass
class CarriedUnit:
    """One unit's current accepted submission, as the package carries it."""

    unit: str
    nama: str
    received_at: str
    file_name: str
    sha256: str
    signer_name: str = ""
    signer_nip: str = ""
    signed_on: str = ""
    verified: bool = False
    values: list[dict] = field(default_factory=list)      # indikator, realisasi, pembilang, penyebut, penjelasan, bukti
    budget: list[dict] = field(default_factory=list)      # kegiatan, realisasi_anggaran
    approvals: list[dict] = field(default_factory=list)   # level, action, by, nip, at, note, made_in


@dataclass
class Package:
    node: str
    year: int
    quarter: int
    created_at: str
    level: str                      # the approval level the node holds
    everything: bool                # --semua: unverified units travel too
    rule_files: dict[str, str]
    units: list[CarriedUnit]

    @property
    def rules_digest(self) -> str:
        return digest_of(self.rule_files)

    def checksum(self) -> str:
        """sha256 over everything the package says (the cover sheet is only its reading)."""
        content = {"node": self.node, "year": self.year, "quarter": self.quarter, "created_at": self.created_at,
                   "level": self.level, "everything": self.everything, "rule_files": self.rule_files,
                   "units": [asdict(u) for u in self.units]}
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=_canonical)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    raise TypeError(f"not canonical: {type(value).__name__}")


def package_filename(node: str, year: int, quarter: int) -> str:
    return f"kiriman_{safe_name(node)}_{year}_TW{quarter}.xlsx"


# --------------------------------------------------------------------------- kirim


@dataclass
class KirimResult:
    """What ``kinerja kirim`` wrote (worded by :func:`reporting.kirim_text`)."""

    path: Path
    package: Package
    not_sent: list[tuple[str, str]]     # (unit, why)
    expected: int


def collect(ws: Workspace, rules: Rules, year: int, quarter: int, *, everything: bool = False,
            clock: Callable[[], dt.datetime] | None = None) -> tuple[Package, list[tuple[str, str]]]:
    """The package of a scoped workspace for one quarter, and the units left out with the reason."""
    scope = _require_scope(rules)
    rules.require_year(year)
    created = (clock or dt.datetime.now)().replace(microsecond=0).isoformat()
    level = next(lv for lv in rules.policy.persetujuan if lv.level == scope.level)
    units: list[CarriedUnit] = []
    left: list[tuple[str, str]] = []
    if not ws.ledger.exists():
        conn = ledger.connect(Path(":memory:"))
    else:
        conn = ledger.connect(ws.ledger)
    try:
        state = ledger.collection_state(conn, year, levels=[lv.level for lv in rules.policy.persetujuan],
                                        quarter=quarter)
        for unit in rules.reporting_units:
            slot = state.slot(unit.kode, quarter)
            current = slot.current
            if current is None:
                left.append((unit.kode, _NOT_SENT_WHY.get(slot.state, "belum ada data yang berlaku")))
                continue
            verified = level.level in slot.standing
            if not verified and not everything:
                left.append((unit.kode, f"belum melalui tahap {level.nama} (kinerja approve --unit {unit.kode} "
                             f"--year {year} --quarter {quarter} --level {level.level} …)"))
                continue
            units.append(_carried(conn, rules, scope, current, unit.nama, verified))
    finally:
        conn.close()
    fingerprint = rules_fingerprint(rules.folder)
    return Package(scope.node, year, quarter, created, scope.level, everything, dict(fingerprint.files), units), left


_NOT_SENT_WHY = {ledger.NOT_SENT: "belum mengirim data",
                 ledger.INVALID: "data tidak valid (menunggu perbaikan dari unit)",
                 ledger.REJECTED: "data ditolak pemeriksa (menunggu perbaikan dari unit)"}


def _require_scope(rules: Rules) -> Scope:
    scope = scope_of(rules)
    if scope is None:
        raise WorkspaceError("'kinerja kirim' hanya untuk workspace kantor bawahan yang berlingkup (mis. sebuah "
                             "Kanwil). Buat dengan: kinerja init FOLDER --lingkup KODE-UNIT --aturan RULES-INDUK")
    return scope


def _carried(conn: sqlite3.Connection, rules: Rules, scope: Scope, sub: sqlite3.Row, nama: str,
             verified: bool) -> CarriedUnit:
    sid = int(sub["id"])
    origin = ledger.carried_origin(conn, sid)
    values = [{"indikator": r["indikator"], "realisasi": r["realisasi"], "pembilang": r["pembilang"],
               "penyebut": r["penyebut"], "penjelasan": r["penjelasan"] or "", "bukti": r["bukti"] or ""}
              for r in ledger.submission_values(conn, sid)]
    order = {i.kode: n for n, i in enumerate(rules.indicators)}
    values.sort(key=lambda v: order.get(v["indikator"], len(order)))
    budget = [{"kegiatan": r["kegiatan"], "realisasi_anggaran": r["realisasi_anggaran"]}
              for r in ledger.submission_budget(conn, sid)]
    made_in = ledger.carried_approval_places(conn, sid)
    approvals = [{"level": a["level"], "action": a["action"], "by": a["by_name"], "nip": a["nip"], "at": a["at"],
                  "note": a["note"], "made_in": made_in.get(a["id"], scope.node)}
                 for a in ledger.submission_approvals(conn, sid)]
    return CarriedUnit(
        unit=sub["unit"], nama=nama, received_at=sub["received_at"],
        file_name=origin["original_name"] if origin else sub["file_name"],
        sha256=origin["original_sha256"] if origin else sub["sha256"],
        signer_name=sub["signer_name"] or "", signer_nip=sub["signer_nip"] or "", signed_on=sub["signed_on"] or "",
        verified=verified, values=values, budget=budget, approvals=approvals)


def write_package(ws: Workspace, rules: Rules, year: int, quarter: int, *, everything: bool = False,
                  clock: Callable[[], dt.datetime] | None = None) -> KirimResult:
    """Write ``keluaran/kiriman_<node>_<tahun>_TW<n>.xlsx`` (atomically)."""
    package, left = collect(ws, rules, year, quarter, everything=everything, clock=clock)
    if not package.units:
        listing = "\n".join(f"  - {unit}: {why}" for unit, why in left)
        hint = "" if everything else " Dengan --semua, data yang diterima tetapi belum diverifikasi ikut dikirim."
        raise WorkspaceError(f"Belum ada data {quarter_label(quarter)} {year} yang dapat dikirim:\n{listing}\n"
                             f"Verifikasi dulu data unit dengan 'kinerja approve'.{hint}")
    target = ws.outputs / package_filename(package.node, year, quarter)
    remove_stale_temporaries(ws.outputs)  # what a killed earlier run left half-written
    atomic_write(target, lambda tmp: _write(tmp, rules, package, left))
    return KirimResult(target, package, left, len(rules.reporting_units))


def _number_cell(sh: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """A number that reads back exactly: as a number when its 16 digits hold it, else as text."""
    if value is None:
        sh.write_blank(row, col, None, fmt)
    elif float(f"{float(value):.16G}") == float(value):
        sh.write_number(row, col, float(value), fmt)
    else:
        sh.write_string(row, col, repr(float(value)), fmt)


def _write(path: Path, rules: Rules, package: Package, left: list[tuple[str, str]]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {**styles.workbook_options(), "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False, "in_memory": True})
    node = rules.unit(package.node)
    wb.set_properties({"title": f"Kiriman data kinerja {package.node} {package.year} TW{package.quarter}",
                       "author": APP_ID, "company": rules.instansi})
    font = {"font_name": styles.FONT, "font_size": styles.FONT_SIZE}
    cell = {**font, "border": 1, "border_color": styles.BORDER, "valign": "top"}
    fmt = {"title": wb.add_format({**font, "bold": True, "font_size": 13}),
           "bold": wb.add_format({**font, "bold": True, "font_size": 10}),
           "text": wb.add_format({**font, "font_size": 10, "text_wrap": True, "valign": "top"}),
           "head": wb.add_format({**cell, "bold": True, "font_color": styles.HEADER_TEXT,
                                  "bg_color": styles.HEADER_FILL, "text_wrap": True, "valign": "vcenter"}),
           "cell": wb.add_format({**cell, "text_wrap": True}),
           "num": wb.add_format({**cell, "num_format": "#,##0.########"})}
    _cover(wb.add_worksheet(COVER_SHEET), fmt, rules, node.nama, package, left)
    rows = {UNIT_SHEET: [{**asdict(u), "verified": _YES if u.verified else _NO} for u in package.units],
            VALUE_SHEET: [{"unit": u.unit, **v} for u in package.units for v in u.values],
            BUDGET_SHEET: [{"unit": u.unit, **b} for u in package.units for b in u.budget],
            APPROVAL_SHEET: [{"unit": u.unit, **a} for u in package.units for a in u.approvals]}
    for name, cols in _SHEET_COLS.items():
        sh = wb.add_worksheet(name)
        for c, (_, title, _) in enumerate(cols):
            sh.write_string(0, c, title, fmt["head"])
            sh.set_column(c, c, 40 if title.startswith(("Penjelasan", "SHA", "Catatan", "Nama")) else 16)
        for r, item in enumerate(rows[name], start=1):
            for c, (key, _, kind) in enumerate(cols):
                if kind == "n":
                    _number_cell(sh, r, c, item.get(key), fmt["num"])
                else:
                    sh.write_string(r, c, str(item.get(key) or ""), fmt["cell"])
        sh.freeze_panes(1, 0)
        sh.protect("", {"select_locked_cells": True, "format_columns": True})
    meta = wb.add_worksheet(META_SHEET)
    entries: list[tuple[str, Any]] = [
        ("aplikasi", APP_ID), ("jenis", KIND), ("versi_kiriman", PACKAGE_VERSION), ("simpul", package.node),
        ("tahun", package.year), ("triwulan", package.quarter), ("dibuat", package.created_at),
        ("jenjang", package.level), ("semua", _YES if package.everything else _NO),
        ("jumlah_unit", len(package.units)), ("sidik_jari_aturan", package.rules_digest),
        ("checksum", package.checksum())]
    entries += [(f"aturan:{name}", digest) for name, digest in sorted(package.rule_files.items())]
    for i, (key, value) in enumerate(entries):
        meta.write_string(i, 0, key)
        if isinstance(value, int) and not isinstance(value, bool):
            meta.write_number(i, 1, value)
        else:
            meta.write_string(i, 1, str(value))
    meta.protect("")
    meta.very_hidden()
    wb.worksheets()[0].activate()
    wb.close()


def _cover(sh: Any, fmt: dict, rules: Rules, node_name: str, package: Package, left: list[tuple[str, str]]) -> None:
    """The sheet a person at the parent office reads first."""
    period = f"{quarter_label(package.quarter)} {package.year}"
    created = dt.datetime.fromisoformat(package.created_at)
    unit = rules.unit(package.node)
    organisation = getattr(rules, "organisation", {})
    parent_code = organisation[package.node].induk if package.node in organisation else None
    parent = organisation.get(parent_code) if parent_code else None
    verified = sum(u.verified for u in package.units)
    expected = len(package.units) + len(left)
    lines: list[tuple[str, str]] = [
        ("title", f"KIRIMAN DATA KINERJA {period.upper()}"),
        ("bold", f"{node_name} ({package.node})"),
        ("text", f"Untuk: {parent.nama} ({parent.kode})" if parent else "Untuk: kantor induk"),
        ("text", f"Dari: {node_name}" + (f", kepala {unit.kepala.nama} (NIP {unit.kepala.nip})" if unit.kepala else "")),
        ("text", f"Dibuat: {styles.datetime_id(created)}"),
        ("text", f"Isi: data {len(package.units)} dari {expected} unit pelapor di bawah {package.node} untuk {period}; "
                 f"{verified} sudah melalui tahap {package.level} di {package.node}"
                 + (f", {len(package.units) - verified} BELUM diverifikasi (dikirim dengan --semua)."
                    if len(package.units) > verified else ".")),
        ("text", f"Sidik jari aturan: {_short(package.rules_digest)} — harus sama dengan hasil 'kinerja check' "
                 "di kantor induk."),
        ("text", "Cara memakai: letakkan berkas ini apa adanya di folder inbox/ workspace kantor induk, lalu "
                 "jalankan 'kinerja ingest'. Jangan mengubah isi berkas ini: berkas yang diubah ditolak."),
        ("text", ""),
        ("bold", "Unit yang dikirim"),
    ]
    for c, width in enumerate((14, 26, 25, 38, 34)):  # A4 landscape at full size: nothing shrinks below 9 pt
        sh.set_column(c, c, width)
    r = 0
    for style, text in lines:
        if style == "text" and text:  # a sentence across the table's width, as tall as it needs
            sh.merge_range(r, 0, r, 4, text, fmt[style])
            sh.set_row(r, 14 * (len(text) // 120 + 1))
        else:
            sh.write_string(r, 0, text, fmt[style])
        r += 1
    for c, title in enumerate(("Kode unit", "Nama unit", "Diterima", "Status", "Berkas asli (SHA-256)")):
        sh.write_string(r, c, title, fmt["head"])
    r += 1
    for u in package.units:
        when = styles.datetime_id(u.received_at)
        status = next((f"{a['level']}: {a['by']}, {styles.datetime_id(a['at'])}"
                       for a in reversed(u.approvals) if a["level"] == package.level and a["action"] == "approve"),
                      "") if u.verified else "BELUM diverifikasi"
        for c, text in enumerate((u.unit, u.nama, when, status, f"{u.file_name} ({u.sha256[:16]}…)")):
            sh.write_string(r, c, text, fmt["cell"])
        sh.set_row(r, 26)  # two lines: the status and the file name wrap
        r += 1
    r += 1
    sh.write_string(r, 0, f"Unit yang tidak ikut dikirim: {len(left)}" if left else
                    "Unit yang tidak ikut dikirim: tidak ada.", fmt["bold"])
    r += 1
    for kode, why in left:
        sh.write_string(r, 0, kode, fmt["cell"])
        sh.write_string(r, 1, rules.unit(kode).nama, fmt["cell"])
        sh.write_string(r, 2, why, fmt["cell"])
        r += 1
    sh.protect("", {"select_locked_cells": True})
    sh.set_landscape()
    sh.set_paper(9)
    sh.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def _short(digest: str) -> str:
    head = digest[:12].upper()
    return f"{head[:4]}-{head[4:8]}-{head[8:]}"


# --------------------------------------------------------------------------- reading a package


def is_package(raw: RawWorkbook) -> bool:
    """Whether a workbook is a package (by its identity sheet; never by its name)."""
    return META_SHEET in raw.sheet_names


def read_package(raw: RawWorkbook) -> tuple[Package, tuple[str, str]]:
    """The package in ``raw`` (read with :data:`PACKAGE_SHEETS`) and the checksum and rules digest its
    identity sheet states; :class:`PackageError` when it cannot be read as one."""
    meta: dict[str, Any] = {}
    rule_files: dict[str, str] = {}
    for line in raw.grids.get(META_SHEET, [])[:2000]:
        if len(line) >= 2 and isinstance(line[0], str) and line[0]:
            key, value = line[0].strip(), line[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if key.startswith("aturan:"):
                rule_files[key[len("aturan:"):]] = str(value)
            else:
                meta[key] = value
    if meta.get("aplikasi") != APP_ID or meta.get("jenis") != KIND:
        raise PackageError(codes.KIRIMAN_RUSAK, "Lembar identitas kiriman tidak lengkap, jadi berkas ini tidak dapat "
                           "dibaca sebagai kiriman. Minta kantor pengirim membuat ulang kiriman dengan 'kinerja kirim'.")
    if meta.get("versi_kiriman") != PACKAGE_VERSION:
        raise PackageError(codes.KIRIMAN_VERSI, f"Kiriman ini dibuat dengan versi format {excerpt(meta.get('versi_kiriman'), 10)}, "
                           f"sedangkan aplikasi ini membaca versi {PACKAGE_VERSION}. Samakan versi kinerja-pipeline "
                           "di kedua kantor, lalu buat ulang kiriman.")
    year, quarter = meta.get("tahun"), meta.get("triwulan")
    if not isinstance(year, int) or not isinstance(quarter, int) or quarter not in (1, 2, 3, 4):
        raise PackageError(codes.KIRIMAN_RUSAK, "Periode kiriman tidak terbaca. Minta kantor pengirim membuat ulang "
                           "kiriman dengan 'kinerja kirim'.")
    tables = {name: _table(raw, name) for name in _SHEET_COLS}
    units: dict[str, CarriedUnit] = {}
    for item in tables[UNIT_SHEET]:
        if item["unit"] in units:
            raise PackageError(codes.KIRIMAN_RUSAK, f"Unit {excerpt(item['unit'], 40)} tercantum dua kali di sheet "
                               f"'{UNIT_SHEET}'.", UNIT_SHEET)
        units[item["unit"]] = CarriedUnit(
            unit=item["unit"], nama=item["nama"], received_at=item["received_at"], file_name=item["file_name"],
            sha256=item["sha256"], signer_name=item["signer_name"], signer_nip=item["signer_nip"],
            signed_on=item["signed_on"], verified=item["verified"] == _YES)
    for name, attr in ((VALUE_SHEET, "values"), (BUDGET_SHEET, "budget"), (APPROVAL_SHEET, "approvals")):
        for item in tables[name]:
            owner = units.get(item.pop("unit"))
            if owner is None:
                raise PackageError(codes.KIRIMAN_DIUBAH, f"Sheet '{name}' memuat baris unit yang tidak tercantum di "
                                   f"sheet '{UNIT_SHEET}': isi kiriman telah diubah. Minta kiriman asli.", name)
            getattr(owner, attr).append(item)
    return Package(node=str(meta.get("simpul") or ""), year=year, quarter=quarter,
                   created_at=str(meta.get("dibuat") or ""), level=str(meta.get("jenjang") or ""),
                   everything=meta.get("semua") == _YES, rule_files=rule_files, units=list(units.values())), \
        (str(meta.get("checksum") or ""), str(meta.get("sidik_jari_aturan") or ""))


def _table(raw: RawWorkbook, name: str) -> list[dict[str, Any]]:
    cols = _SHEET_COLS[name]
    grid = raw.grids.get(name)
    if grid is None:
        raise PackageError(codes.KIRIMAN_DIUBAH, f"Sheet '{name}' tidak ada di kiriman: isinya telah diubah. Minta "
                           "kiriman asli dari kantor pengirim.", name)
    header = [str(c or "").strip() for c in (grid[0] if grid else [])][:len(cols)]
    if header != [title for _, title, _ in cols]:
        raise PackageError(codes.KIRIMAN_DIUBAH, f"Judul kolom sheet '{name}' telah diubah. Minta kiriman asli dari "
                           "kantor pengirim.", name)
    out = []
    for line in grid[1:]:
        cells = list(line[:len(cols)]) + [None] * (len(cols) - len(line))
        if all(c in (None, "") for c in cells) and not any(c not in (None, "") for c in line[len(cols):]):
            continue
        item = {}
        for (key, title, kind), value in zip(cols, cells):
            item[key] = _number(value, name, title) if kind == "n" else _text(value)
        out.append(item)
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _number(value: Any, sheet: str, title: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise PackageError(codes.KIRIMAN_DIUBAH, f"Kolom '{title}' di sheet '{sheet}' berisi nilai yang bukan angka: "
                           "isi kiriman telah diubah.", sheet)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        raise PackageError(codes.KIRIMAN_DIUBAH, f"Kolom '{title}' di sheet '{sheet}' berisi "
                           f"'{excerpt(value, 30)}', bukan angka: isi kiriman telah diubah.", sheet) from None


def check_package(package: Package, stated: tuple[str, str], rules: Rules) -> None:
    """Refuse a package that was edited, made from other rules, or carries units outside the node
    or outside this workspace (:class:`PackageError`)."""
    checksum, digest = stated
    if not checksum or checksum != package.checksum() or digest != package.rules_digest:
        raise PackageError(codes.KIRIMAN_DIUBAH, f"Isi kiriman {package.node or '(tanpa simpul)'} tidak cocok dengan "
                           "checksum-nya: berkas ini telah diubah setelah dibuat (mis. dibuka dan disimpan dengan "
                           "perubahan). Minta kantor pengirim mengirim ulang berkas aslinya dari keluaran/, tanpa "
                           "dibuka-ubah.")
    mine = rules_fingerprint(rules.folder)
    if mine.digest != package.rules_digest:
        files = "; ".join(mine.differences(package.rule_files))
        raise PackageError(codes.KIRIMAN_ATURAN_BERBEDA, f"Kiriman {package.node} dibuat dengan aturan yang berbeda "
                           f"(sidik jari {_short(package.rules_digest)}, di sini {mine.short}). Berkas aturan yang "
                           f"berbeda: {files}. Samakan folder rules/ kedua kantor (kantor induk mengirim rules/-nya), "
                           "lalu kantor pengirim membuat ulang kiriman.")
    node = package.node
    organisation = getattr(rules, "organisation", None) or {u.kode: u for u in rules.units}
    if not rules.has_unit(node):
        where = (f"{node} berada di luar lingkup workspace ini ({rules.root.kode})" if node in organisation
                 else f"unit '{excerpt(node, 40)}' tidak ada di organisasi.yaml")
        raise PackageError(codes.KIRIMAN_DI_LUAR_LINGKUP, f"Kiriman ini dari {where}, jadi tidak diproses di sini. "
                           "Teruskan ke kantor yang membawahinya.")
    under = {node} | {u.kode for u in rules.descendants(node)}
    outside = [u.unit for u in package.units if u.unit not in under]
    if outside:
        raise PackageError(codes.KIRIMAN_UNIT_DI_LUAR_SIMPUL, f"Kiriman {node} memuat unit yang tidak berada di bawah "
                           f"{node}: {', '.join(excerpt(u, 30) for u in outside[:5])}. Kiriman seperti ini tidak "
                           f"diterima; minta {node} membuat ulang kirimannya dengan 'kinerja kirim'.", UNIT_SHEET)
    if not package.units:
        raise PackageError(codes.KIRIMAN_KOSONG, f"Kiriman {node} tidak memuat data unit apa pun.", UNIT_SHEET)
    rules.require_year(package.year)


# --------------------------------------------------------------------------- validating a carried unit


def carried_grid(plan: FormPlan, unit: CarriedUnit) -> list[list[Any]]:
    """The unit's own form as the unit would have returned it: the issued cells as the form
    writes them, and the carried values in the input cells."""
    width = ord("M") - ord("A") + 1
    grid: list[list[Any]] = [[None] * width for _ in range(plan.last_row)]

    def put(addr_col: str, row: int, value: Any) -> None:
        grid[row - 1][ord(addr_col) - ord("A")] = value

    values = {v["indikator"]: v for v in unit.values}
    for r in plan.rows:
        put(COL["kode"], r.row, r.indicator.kode)
        put(COL["target_tahunan"], r.row, r.target.tahunan)
        put(COL["target_tw"], r.row, r.target_tw)
        v = values.get(r.indicator.kode, {})
        for key in (("pembilang", "penyebut") if r.indicator.is_ratio else ("realisasi",)):
            put(COL[key], r.row, v.get(key))
        put(COL["penjelasan"], r.row, v.get("penjelasan") or None)
        put(COL["bukti"], r.row, v.get("bukti") or None)
    budget = {b["kegiatan"]: b for b in unit.budget}
    for b in plan.budget:
        put(COL["realisasi"], b.row, budget.get(b.kegiatan, {}).get("realisasi_anggaran"))
    for key, value in (("nama", unit.signer_name), ("nip", unit.signer_nip), ("tanggal", _date_or_text(unit.signed_on))):
        put("D", plan.signature_rows[key], value or None)
    return grid


def _date_or_text(value: str) -> dt.date | str:
    """A signing date as the form's date cell held it (recorded as ISO text), other text as it was."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def carried_raw(plan: FormPlan, unit: CarriedUnit) -> RawWorkbook:
    return RawWorkbook(FILE_FORMAT, [DATA_SHEET], {DATA_SHEET: carried_grid(plan, unit)}, {DATA_SHEET: []})


# --------------------------------------------------------------------------- the ledger side


def record_carried(conn: sqlite3.Connection, submission_id: int, package: Package, unit: CarriedUnit,
                   accepted: bool) -> None:
    """Record where a carried submission came from and, when accepted, the approvals made below."""
    ledger.record_origin(conn, submission_id, package.node, unit.file_name, unit.sha256)
    if not accepted:
        return
    row = ledger.submission(conn, submission_id)
    for a in unit.approvals:
        if a["action"] not in ("approve", "unapprove"):
            continue  # a reviewer's rejection ends a submission's use: the package never carries one
        made_in = a.get("made_in") or package.node
        note = f"dicatat di workspace {made_in}" + (f"; {a['note']}" if a.get("note") else "")
        approval_id = ledger.record_action(conn, row, a["action"], a["level"], a["by"], a["nip"], a["at"], note)
        ledger.record_carried_approval(conn, approval_id, made_in)


def differing_values_warning(conn: sqlite3.Connection, unit: str, year: int, quarter: int, values: list[dict],
                             carried_by: str | None) -> Issue | None:
    """A warning when this submission's values differ from the unit's current data that came the
    other way (its own form straight here vs. in a package)."""
    if carried_by is None and not ledger.any_carried(conn):
        return None  # no package ever came here: nothing to compare with (one cheap look per file)
    current = ledger.current_submission(conn, unit, year, quarter)
    if current is None:
        return None
    other = ledger.carried_origin(conn, int(current["id"]))
    other_node = other["node"] if other is not None else None
    if (other_node is None) == (carried_by is None):
        return None
    before, _ = ledger.submission_inputs(conn, int(current["id"]))
    changed = []
    for v in values:
        old = before.get(v["indikator"])
        for key in ("realisasi", "pembilang", "penyebut"):
            a, b = v.get(key), old[key] if old is not None else None
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-9 * max(1.0, abs(b))):
                changed.append(f"{v['indikator']} {key} {_show(b)} → {_show(a)}")
                break
    if not changed:
        return None
    when = styles.short_time(current["received_at"])
    there = (f"dari kiriman {other_node} ('{current['file_name']}', diterima {when})" if other_node
             else f"dari formulir yang dikirim langsung oleh unit ('{current['file_name']}', diterima {when})")
    shown = "; ".join(changed[:5]) + (f"; dan {len(changed) - 5} lagi" if len(changed) > 5 else "")
    return Issue(DIFFERS, WARNING, DATA_SHEET, "",
                 f"Nilai {unit} {quarter_label(quarter)} {year} berbeda dengan data yang sudah ada {there}: {shown}. "
                 "Yang dipakai adalah data dengan waktu terima paling akhir; pastikan dengan unit dan kantor "
                 "wilayahnya mana yang benar.")


def _show(value: float | None) -> str:
    if value is None:
        return "kosong"
    return f"{value:g}".replace(".", ",")
