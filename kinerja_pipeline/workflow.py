"""The approval chain and the collection status.

``approve`` / ``reject`` / ``unapprove`` record who (nama, NIP), when and why, per unit and
quarter, as rows of the ledger's ``approvals`` table plus one event each, in one transaction;
nothing is ever deleted. The levels come from ``rules.policy.persetujuan`` (bottom-up):

- only the current accepted submission of a unit and quarter can be acted on;
- a level approves only after every level below it stands, and only once;
- approvals are withdrawn from the top down (a level cannot withdraw while a higher one stands);
- a reviewer's ``reject`` is terminal for that submission: the ledger stops treating it as
  current (see :func:`ledger.collection_state`), the unit gets a feedback workbook with the
  reason, and its corrected file becomes a new submission whose approval starts from the first
  level. A reviewer rejects at the level whose turn it is (every level below stands, none above).

Giving a parent node (a Kanwil, the root) acts on every reporting unit under it that is ready and
reports the others with the reason; that is an error only when none was ready.

:func:`status` lists every expected (unit, quarter) with its state, received time, days late
against the deadline, and the reporting and on-time rates per parent node.

These are plain functions returning data (the messages of a refusal are Indonesian); the
caller (the CLI) holds the workspace lock and has :mod:`kinerja_pipeline.reporting` word the results.
"""
from __future__ import annotations

import datetime as dt
import difflib
import errno
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import codes, ledger
from .codes import ERROR, Issue
from .errors import WorkflowError, system_fault
from .layout import COL, DATA_SHEET, plan_form
from .periods import QUARTERS, quarter_end, quarter_label
from .rules import ApprovalLevel, Rules, Unit
from .scope import outside_scope
from .styles import datetime_id, short_time
from .workspace import Workspace, safe_name

APPROVE, UNAPPROVE, REJECT = "approve", "unapprove", "reject"

STATE_NOT_SENT = "belum mengirim"
STATE_ACCEPTED = "diterima"
STATE_INVALID = "tidak valid"

REVIEW_ISSUE = codes.DITOLAK_PEMERIKSA


Clock = Callable[[], dt.datetime]


# --------------------------------------------------------------------------- small helpers


def _period(year: int, quarter: int) -> str:
    return f"{quarter_label(quarter)} {year}"


# Indonesian past participles of common approval-level names (the noun → "di…" form).
_PARTICIPLES = {
    "verifikasi": "diverifikasi", "validasi": "divalidasi", "pengesahan": "disahkan",
    "persetujuan": "disetujui", "pemeriksaan": "diperiksa", "penetapan": "ditetapkan",
    "penilaian": "dinilai", "reviu": "direviu", "review": "direviu", "evaluasi": "dievaluasi",
    "penandatanganan": "ditandatangani", "pengecekan": "dicek", "otorisasi": "diotorisasi",
    "konfirmasi": "dikonfirmasi", "rekomendasi": "direkomendasi", "pengesahan akhir": "disahkan",
    "legalisasi": "dilegalisasi", "klarifikasi": "diklarifikasi", "asistensi": "diasistensi",
}


def state_word(level: ApprovalLevel) -> str:
    """The status word once ``level`` stands: Verifikasi → "diverifikasi", Pengesahan → "disahkan".

    Loanwords ending in -asi/-isi take "di-"; a few native nouns are known; anything else falls
    back to "disetujui: <nama>".
    """
    name = " ".join(level.nama.split())
    low = name.lower()
    if low in _PARTICIPLES:
        return _PARTICIPLES[low]
    first, _, rest = low.partition(" ")
    word = _PARTICIPLES.get(first)
    if word is None and first.isalpha() and first.endswith(("asi", "isi")) and len(first) > 5:
        word = "di" + first
    if word is not None:
        return f"{word} {rest}".strip()
    return f"disetujui: {name}"


def _level(rules: Rules, level: str) -> ApprovalLevel:
    levels = rules.policy.persetujuan
    wanted = " ".join(str(level or "").split()).lower()
    for lv in levels:
        if wanted in (lv.level.lower(), lv.nama.lower()):
            return lv
    valid = ", ".join(f"{lv.level} ({lv.nama})" for lv in levels)
    raise WorkflowError(f"Tahap persetujuan '{str(level)[:40]}' tidak dikenal. Tahap yang berlaku, dari "
                        f"bawah ke atas (rules/kebijakan.yaml): {valid}.")


def _nip(nip: str) -> str:
    cleaned = "".join(str(nip or "").split())
    if not (cleaned.isascii() and cleaned.isdigit() and len(cleaned) == 18):
        raise WorkflowError(f"NIP '{str(nip)[:30]}' tidak valid: NIP harus 18 digit angka "
                            "(spasi boleh), mis. 198305122009122003.")
    return cleaned


def _by(by: str) -> str:
    name = " ".join(str(by or "").split())
    if not name:
        raise WorkflowError("Nama pemeriksa (--by) wajib diisi: tulis nama lengkap pejabat yang "
                            "mengambil keputusan.")
    if len(name) > 200:
        raise WorkflowError("Nama pemeriksa (--by) terlalu panjang (lebih dari 200 karakter).")
    return name


def _check_period(rules: Rules, year: int, quarter: int) -> None:
    if quarter not in QUARTERS:
        raise WorkflowError(f"Triwulan '{quarter}' tidak dikenal: pilih 1, 2, 3 atau 4.")
    rules.require_year(year)


def _node(rules: Rules, kode: str) -> Unit:
    if outside_scope(rules, kode):
        raise WorkflowError(f"Unit {rules.owner(kode)} berada di luar lingkup workspace ini ({rules.root.kode}); "  # type: ignore[attr-defined]
                            f"persetujuannya dicatat di workspace {rules.destination(kode)}.")  # type: ignore[attr-defined]
    if not rules.has_unit(kode):
        known = [u.kode for u in rules.units]
        close = difflib.get_close_matches(str(kode).upper(), known, n=3, cutoff=0.6)
        hint = f" Mungkin maksud Anda: {', '.join(close)}." if close else ""
        raise WorkflowError(f"Unit '{str(kode)[:40]}' tidak dikenal di rules/organisasi.yaml.{hint} "
                            f"Unit puncak: {rules.root.kode}.")
    return rules.unit(kode)


def _reporting_under(rules: Rules, node: Unit) -> list[Unit]:
    """The reporting units at or under ``node``, in rules order."""
    under = {node.kode} | {u.kode for u in rules.descendants(node.kode)}
    return [u for u in rules.reporting_units if u.kode in under]


def _now(clock: Clock | None) -> str:
    return (clock or dt.datetime.now)().replace(microsecond=0).isoformat()


def _open(ws: Workspace, *, must_exist: bool) -> sqlite3.Connection:
    if not ws.ledger.exists():
        if must_exist:
            raise WorkflowError(f"Belum ada data yang diterima: ledger {ws.ledger.name} belum ada di "
                                f"{ws.root}. Letakkan berkas kiriman unit di inbox/ lalu jalankan "
                                "'kinerja ingest' terlebih dahulu.")
        return ledger.connect(Path(":memory:"))
    return ledger.connect(ws.ledger)


def _slot(conn: sqlite3.Connection, rules: Rules, unit: str, year: int, quarter: int) -> ledger.Slot:
    """What the ledger says about one unit and quarter (the one collection-state model)."""
    levels = [lv.level for lv in rules.policy.persetujuan]
    return ledger.collection_state(conn, year, levels=levels, unit=unit, quarter=quarter).slot(unit, quarter)


# --------------------------------------------------------------------------- results


@dataclass
class UnitResult:
    """What an action did to one unit, or why it was not done (Indonesian)."""

    unit: str
    nama: str
    done: bool
    message: str
    submission_id: int | None = None
    feedback: Path | None = None

    def as_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "done": self.done, "message": self.message,
                "submission_id": self.submission_id,
                "feedback": str(self.feedback) if self.feedback else None}


@dataclass
class ActionResult:
    """The outcome of one approve / reject / unapprove command."""

    action: str
    target: str               # the unit or parent node given
    year: int
    quarter: int
    level: ApprovalLevel
    by: str
    nip: str
    note: str
    at: str
    done: list[UnitResult] = field(default_factory=list)
    not_ready: list[UnitResult] = field(default_factory=list)

    @property
    def feedback_files(self) -> list[Path]:
        return [r.feedback for r in self.done if r.feedback is not None]

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "target": self.target, "year": self.year, "quarter": self.quarter,
                "level": self.level.level, "by": self.by, "nip": self.nip, "note": self.note, "at": self.at,
                "done": [r.as_json() for r in self.done],
                "not_ready": [r.as_json() for r in self.not_ready]}


# --------------------------------------------------------------------------- the actions


def approve(ws: Workspace, rules: Rules, unit: str, year: int, quarter: int, level: str, by: str,
            nip: str, note: str = "", *, clock: Clock | None = None) -> ActionResult:
    """Record that ``level`` approves the current data of ``unit`` (or of every ready unit under it)."""
    return _act(APPROVE, ws, rules, unit, year, quarter, level, by, nip, note, clock)


def unapprove(ws: Workspace, rules: Rules, unit: str, year: int, quarter: int, level: str, by: str,
              nip: str, note: str = "", *, clock: Clock | None = None) -> ActionResult:
    """Withdraw ``level``'s approval (top down); the data is unlocked once no level stands."""
    return _act(UNAPPROVE, ws, rules, unit, year, quarter, level, by, nip, note, clock)


def reject(ws: Workspace, rules: Rules, unit: str, year: int, quarter: int, level: str, by: str,
           nip: str, reason: str, *, clock: Clock | None = None) -> ActionResult:
    """Declare the current data Tidak Valid at ``level`` and write the unit a feedback workbook."""
    return _act(REJECT, ws, rules, unit, year, quarter, level, by, nip, reason, clock)


_VERB = {APPROVE: "disetujui", UNAPPROVE: "ditarik persetujuannya", REJECT: "ditolak"}


def _act(action: str, ws: Workspace, rules: Rules, unit: str, year: int, quarter: int, level: str,
         by: str, nip: str, note: str, clock: Clock | None) -> ActionResult:
    lv = _level(rules, level)
    by, nip = _by(by), _nip(nip)
    note = (note or "").strip()
    if action == REJECT and not note:
        raise WorkflowError("Alasan penolakan (--reason) wajib diisi: unit perlu tahu apa yang harus "
                            "diperbaiki sebelum mengirim ulang.")
    _check_period(rules, year, quarter)
    node = _node(rules, unit)
    targets = _reporting_under(rules, node)
    if not targets:
        raise WorkflowError(f"Unit {node.kode} ({node.nama}) tidak melaporkan indikator apa pun dan tidak "
                            "membawahi unit pelapor; tidak ada data untuk diproses.")
    group = bool(rules.children(node.kode))
    result = ActionResult(action, node.kode, year, quarter, lv, by, nip, note, _now(clock))
    conn = _open(ws, must_exist=True)
    try:
        with ledger.transaction(conn):
            for u in targets:
                slot = _slot(conn, rules, u.kode, year, quarter)
                why = _refusal(slot, rules, action, lv)
                if why is not None:
                    if not group:
                        raise WorkflowError(why)
                    result.not_ready.append(UnitResult(u.kode, u.nama, False, why))
                    continue
                current = slot.current
                assert current is not None
                feedback = None
                if action == REJECT:
                    try:
                        feedback = _reject_feedback(ws, rules, conn, current, lv, by, nip, note, result.at)
                    except Exception as exc:  # noqa: BLE001 - one unit's file must not stop the others
                        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                            raise system_fault(exc) from None  # the disk, not this unit: stop, record nothing
                        why = (f"umpan balik tidak dapat dibuat ({type(exc).__name__}: {exc}); penolakan "
                               "tidak dicatat. Periksa arsip berkas unit lalu ulangi.")
                        if not group:
                            raise WorkflowError(f"{u.kode} {_period(year, quarter)}: {why}") from None
                        result.not_ready.append(UnitResult(u.kode, u.nama, False, why))
                        continue
                _record(conn, ws, action, current, lv, by, nip, note, result.at, feedback)
                result.done.append(UnitResult(u.kode, u.nama, True, _done_message(action, lv),
                                              int(current["id"]), feedback))
            if not result.done:
                listing = "\n".join(f"  - {r.unit}: {r.message}" for r in result.not_ready)
                raise WorkflowError(f"Tidak ada unit di bawah {node.kode} yang siap {_VERB[action]} pada "
                                    f"tahap {lv.nama} {_period(year, quarter)}:\n{listing}")
    finally:
        conn.close()
    return result


def _done_message(action: str, lv: ApprovalLevel) -> str:
    return {APPROVE: f"{lv.nama} dicatat", UNAPPROVE: f"persetujuan {lv.nama} ditarik",
            REJECT: f"ditolak pada tahap {lv.nama}; umpan balik dibuat"}[action]


def _refusal(slot: ledger.Slot, rules: Rules, action: str, lv: ApprovalLevel) -> str | None:
    """Why ``action`` at ``lv`` cannot be done now for this unit (Indonesian), or None."""
    unit, year, quarter = slot.unit, slot.year, slot.quarter
    period = _period(year, quarter)
    cmd = f"--unit {unit} --year {year} --quarter {quarter}"
    if slot.current is None:
        return _no_current(slot, rules, action)
    levels = list(rules.policy.persetujuan)
    idx = levels.index(lv)
    standing = slot.standing
    higher = [h for h in levels[idx + 1:] if h.level in standing]
    if action == APPROVE:
        if lv.level in standing:
            row = standing[lv.level]
            return (f"Tahap {lv.nama} untuk {unit} {period} sudah disetujui oleh {row['by_name']} "
                    f"(NIP {row['nip']}) pada {short_time(row['at'])}; tidak dicatat dua kali. Bila perlu "
                    f"mengulang, tarik dulu: kinerja unapprove {cmd} --level {lv.level} …")
    if action in (APPROVE, REJECT):
        missing = [m for m in levels[:idx] if m.level not in standing]
        if missing:
            m = missing[0]
            what = "disetujui" if action == APPROVE else "ditolak"
            return (f"{unit} {period} belum melalui tahap {m.nama}: tahap {lv.nama} hanya dapat "
                    f"{what} setelah {m.nama}. Jalankan dulu: kinerja approve {cmd} --level {m.level} …")
    if action == REJECT:
        over = [h for h in levels[idx:] if h.level in standing]
        if over:
            top = over[-1]
            row = standing[top.level]
            return (f"Data {unit} {period} sudah disetujui pada tahap {top.nama} oleh {row['by_name']} "
                    f"(NIP {row['nip']}) pada {short_time(row['at'])}, sehingga tidak dapat ditolak pada tahap "
                    f"{lv.nama}. Tarik dulu persetujuan dari atas: kinerja unapprove {cmd} "
                    f"--level {top.level} …, lalu ulangi penolakan.")
    if action == UNAPPROVE:
        if lv.level not in standing:
            return (f"Tahap {lv.nama} untuk {unit} {period} belum disetujui, jadi tidak ada persetujuan "
                    "yang ditarik.")
        if higher:
            top = higher[-1]
            row = standing[top.level]
            names = ", ".join(h.nama for h in higher)
            return (f"Persetujuan {lv.nama} {unit} {period} tidak dapat ditarik karena tahap di atasnya "
                    f"masih berlaku: {names} (terakhir {top.nama} oleh {row['by_name']}, NIP {row['nip']}, "
                    f"{short_time(row['at'])}). Tarik dari atas ke bawah, mulai dengan: kinerja unapprove "
                    f"{cmd} --level {top.level} …")
    return None


def _no_current(slot: ledger.Slot, rules: Rules, action: str) -> str:
    unit, period = slot.unit, _period(slot.year, slot.quarter)
    verb = _VERB[action]
    latest = slot.shown
    if latest is None:
        return (f"{unit} belum mengirim data {period} (tidak ada kiriman yang diterima), jadi belum ada "
                f"yang dapat {verb}. Tagih unit, letakkan berkasnya di inbox/, lalu jalankan 'kinerja ingest'.")
    if latest["outcome"] == "rejected":
        fb = f" Kirim umpan balik {latest['feedback_path']} ke unit." if latest["feedback_path"] else ""
        return (f"Kiriman terakhir {unit} {period} ('{latest['file_name']}', diterima "
                f"{short_time(latest['received_at'])}) Tidak Valid saat pemeriksaan otomatis, jadi belum ada data "
                f"yang dapat {verb}.{fb} Tunggu perbaikannya, lalu jalankan 'kinerja ingest'.")
    rejection = slot.review_rejection
    first = rules.policy.persetujuan[0]
    if rejection is not None:
        lv = next((x.nama for x in rules.policy.persetujuan if x.level == rejection["level"]),
                  rejection["level"])
        return (f"Data {unit} {period} sudah ditolak pada tahap {lv} oleh {rejection['by_name']} pada "
                f"{short_time(rejection['at'])} (alasan: {rejection['note']}), jadi tidak ada data yang dapat "
                f"{verb}. Tunggu kiriman perbaikan dari unit dan jalankan 'kinerja ingest'; persetujuan "
                f"dimulai lagi dari tahap {first.nama}.")
    return (f"Tidak ada data {unit} {period} yang berlaku untuk {verb}. Periksa 'kinerja status'.")


def _record(conn: sqlite3.Connection, ws: Workspace, action: str, current: sqlite3.Row, lv: ApprovalLevel,
            by: str, nip: str, note: str, at: str, feedback: Path | None) -> None:
    issue = None
    if action == REJECT:
        issue = Issue(REVIEW_ISSUE, ERROR, DATA_SHEET, "", _review_message(lv, by, nip, note, at)).as_dict()
    ledger.record_action(conn, current, action, lv.level, by, nip, at, note, issue=issue,
                         feedback_path=_relative(ws, feedback) if feedback is not None else None)


def _relative(ws: Workspace, path: Path) -> str:
    try:
        return path.relative_to(ws.root).as_posix()
    except ValueError:
        return str(path)


def _review_message(lv: ApprovalLevel, by: str, nip: str, note: str, at: str) -> str:
    return (f"Ditolak pada tahap {lv.nama} oleh {by} (NIP {nip}) pada {datetime_id(at)}: {note} — Perbaiki data "
            "sesuai catatan ini di berkas ini, simpan, lalu kirim kembali.")


# --------------------------------------------------------------------------- reject feedback


def _reject_feedback(ws: Workspace, rules: Rules, conn: sqlite3.Connection, current: sqlite3.Row,
                     lv: ApprovalLevel, by: str, nip: str, note: str, at: str) -> Path:
    """Write the unit's feedback workbook for a reviewer rejection, from the archived original."""
    from .feedback import write_feedback

    unit, year, quarter = current["unit"], int(current["year"]), int(current["quarter"])
    try:
        plan = plan_form(rules, unit, year, quarter)
    except (KeyError, StopIteration):  # the rules changed since; annotate the original as it is
        plan = None
    issues = [Issue(REVIEW_ISSUE, ERROR, DATA_SHEET, "", _review_message(lv, by, nip, note, at))]
    for row in ledger.submission_issues(conn, current["id"]):
        issues.append(Issue(row["code"], row["severity"], row["sheet"], row["cell"], row["message"]))
    target = _free_name(ws.feedback, f"{safe_name(unit)}_{year}_TW{quarter}_ditolak-{safe_name(lv.level)}")
    return write_feedback(target, source=ws.root / current["archive_path"],
                          file_format=current["file_format"] or "xlsx", rules=rules, plan=plan,
                          issues=issues, prefill=_prefill(conn, plan, current) if plan else {},
                          file_name=current["file_name"], received_at=current["received_at"] or "",
                          reviewer_note=f"{note} — {lv.nama}, {by} (NIP {nip}), {datetime_id(at)}",
                          rejected_by=(lv.nama, by))


def _free_name(folder: Path, stem: str) -> Path:
    """``folder/stem.xlsx``, or ``stem_2.xlsx``, … : an earlier feedback file is never overwritten."""
    path, n = folder / f"{stem}.xlsx", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}_{n}.xlsx"
    return path


def _prefill(conn: sqlite3.Connection, plan: Any, current: sqlite3.Row) -> dict[str, Any]:
    """The unit's recorded inputs as form cells, to rebuild the workbook when the original is not .xlsx."""
    values, budget = ledger.submission_inputs(conn, current["id"])
    out: dict[str, Any] = {}
    for row in plan.rows:
        v = values.get(row.indicator.kode)
        if v is None:
            continue
        keys = ("pembilang", "penyebut") if row.indicator.is_ratio else ("realisasi",)
        for key in keys + ("penjelasan", "bukti"):
            if v[key] not in (None, ""):
                out[f"{COL[key]}{row.row}"] = v[key]
    for b in plan.budget:
        if budget.get(b.kegiatan) is not None:
            out[f"{COL['realisasi']}{b.row}"] = budget[b.kegiatan]
    sig = plan.signature_rows
    if current["signer_name"]:
        out[f"D{sig['nama']}"] = current["signer_name"]
    if current["signer_nip"]:
        out[f"D{sig['nip']}"] = current["signer_nip"]
    if current["signed_on"]:
        try:
            out[f"D{sig['tanggal']}"] = dt.date.fromisoformat(current["signed_on"])
        except ValueError:
            out[f"D{sig['tanggal']}"] = current["signed_on"]
    return out


# --------------------------------------------------------------------------- status


@dataclass
class StatusRow:
    """One expected (reporting unit, quarter) and where it stands."""

    unit: str
    nama: str
    induk: str | None
    year: int
    quarter: int
    state: str                       # display: belum mengirim / diterima / tidak valid / diverifikasi / …
    code: str = ledger.NOT_SENT      # the fixed state code (ledger.STATES)
    level: str | None = None         # code of the highest standing approval level
    received_at: str | None = None
    deadline: dt.date | None = None
    days_late: int | None = None
    approvals: list[dict[str, str]] = field(default_factory=list)
    submission_id: int | None = None
    invalid: InvalidWhy | None = None     # why it is tidak valid (worded by reporting.invalid_reason)
    feedback: str | None = None      # the feedback workbook to send back (tidak valid)
    kepala_nama: str = ""
    kepala_nip: str = ""
    received_flag: ReceivedFlag | None = None  # a received time ingest clamped or flagged (worded by
    #                                            reporting.received_note)
    unused: list[tuple[str, str, str]] = field(default_factory=list)  # older accepted: name, received, newer
    carried_by: str | None = None    # the node whose package brought the data (None: sent straight here)
    package: str | None = None       # … and that package's file name
    feedback_to_send: list[str] = field(default_factory=list)  # feedback workbooks not yet answered

    @property
    def reported(self) -> bool:
        """Valid data is in (accepted, possibly approved)."""
        return self.code in (ledger.ACCEPTED, ledger.APPROVED)

    @property
    def on_time(self) -> bool:
        """Valid data received no later than the deadline day (no deadline: any valid data)."""
        return self.reported and (self.days_late or 0) == 0

    @property
    def reason(self) -> str:
        """Why it is tidak valid, in words ("" when it is not)."""
        from .reporting import invalid_reason

        return invalid_reason(self.invalid) if self.invalid else ""

    @property
    def received_note(self) -> str:
        """What ingest noticed about the received time, in words ("" when nothing)."""
        from .reporting import received_note

        return received_note(self.received_flag) if self.received_flag else ""

    def as_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "year": self.year, "quarter": self.quarter, "state": self.code,
                "level": self.level, "received_at": self.received_at, "received_note": self.received_note or None,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "days_late": self.days_late, "approvals": self.approvals,
                "reason": self.reason or None, "feedback": self.feedback,
                "origin": "kiriman" if self.carried_by else ("langsung" if self.submission_id else None),
                "package": {"node": self.carried_by, "file": self.package} if self.carried_by else None,
                "feedback_to_send": self.feedback_to_send}


@dataclass
class NodeRate:
    """Reporting and on-time rate of the reporting units under one parent node."""

    kode: str
    nama: str
    depth: int
    quarter: int | None               # None: every quarter of the report together
    expected: int
    reported: int
    on_time: int

    @property
    def reporting_rate(self) -> float | None:
        return self.reported / self.expected * 100 if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected * 100 if self.expected else None


@dataclass
class StatusReport:
    """The collection status of a year (up to a quarter)."""

    year: int
    quarter: int | None
    instansi: str
    today: dt.date
    rows: list[StatusRow]
    rates: list[NodeRate]
    deadlines: dict[int, dt.date | None]

    @property
    def quarters(self) -> list[int]:
        return list(QUARTERS[: self.quarter or 4])

    def rate(self, kode: str, quarter: int | None = None) -> NodeRate:
        return next(r for r in self.rates if r.kode == kode and r.quarter == quarter)

    def row(self, unit: str, quarter: int) -> StatusRow:
        return next(r for r in self.rows if r.unit == unit and r.quarter == quarter)

    def to_chase(self) -> list[StatusRow]:
        """Rows to chase: not sent or tidak valid, for quarters that have ended."""
        return [r for r in self.rows if not r.reported and quarter_end(r.year, r.quarter) < self.today]

    def as_json(self) -> list[dict[str, Any]]:
        return [r.as_json() for r in self.rows]


def days_late(received_at: str | None, deadline: dt.date | None) -> int | None:
    """Whole days after the deadline day (by date, not time); 0 when on or before it."""
    if received_at is None or deadline is None:
        return None
    received = dt.date.fromisoformat(received_at[:10])
    return max(0, (received - deadline).days)


def status(ws: Workspace, rules: Rules, year: int, quarter: int | None = None, *,
           today: dt.date | None = None) -> StatusReport:
    """Every expected (reporting unit, quarter ≤ ``quarter``, or all four) and its state."""
    if quarter is not None and quarter not in QUARTERS:
        raise WorkflowError(f"Triwulan '{quarter}' tidak dikenal: pilih 1, 2, 3 atau 4.")
    rules.require_year(year)
    quarters = list(QUARTERS[: quarter or 4])
    levels = list(rules.policy.persetujuan)
    conn = _open(ws, must_exist=False)
    try:
        state = ledger.collection_state(conn, year, levels=[lv.level for lv in levels])
        carried = ledger.carried_nodes(conn)
    finally:
        conn.close()
    names = {lv.level: lv for lv in levels}
    rows: list[StatusRow] = []
    for unit in rules.reporting_units:
        for q in quarters:
            slot = state.slot(unit.kode, q)
            row = StatusRow(unit.kode, unit.nama, unit.induk, year, q, STATE_NOT_SENT, code=slot.state,
                            deadline=rules.policy.deadline(year, q),
                            kepala_nama=unit.kepala.nama if unit.kepala else "",
                            kepala_nip=unit.kepala.nip if unit.kepala else "")
            shown = slot.shown
            if shown is not None:
                row.submission_id, row.received_at = int(shown["id"]), shown["received_at"]
                row.received_flag = received_flag(shown)
            if slot.current is not None:
                reached = [lv for lv in levels if lv.level in slot.standing]
                row.state = state_word(reached[-1]) if reached else STATE_ACCEPTED
                row.level = slot.level
                row.approvals = [{"level": lv.level, "by": slot.standing[lv.level]["by_name"],
                                  "nip": slot.standing[lv.level]["nip"], "at": slot.standing[lv.level]["at"]}
                                 for lv in reached]
            elif shown is not None:
                row.state, row.feedback = STATE_INVALID, shown["feedback_path"]
                row.invalid = invalid_why(slot, {code: lv.nama for code, lv in names.items()})
            row.unused = [(r["file_name"], r["received_at"], slot.latest["received_at"]) for r in slot.unused]
            row.feedback_to_send = slot.feedback_to_send
            row.days_late = days_late(row.received_at, row.deadline)
            if shown is not None and row.submission_id in carried:
                row.carried_by, row.package = carried[row.submission_id], shown["file_name"]
            rows.append(row)
    return StatusReport(year, quarter, rules.instansi, today or dt.date.today(), rows,
                        _rates(rules, rows, quarters), {q: rules.policy.deadline(year, q) for q in quarters})


@dataclass(frozen=True)
class InvalidWhy:
    """Why the submission shown for a unit and quarter is tidak valid: a reviewer's rejection
    (``level`` named, ``by``, ``note``), or else ingest's automatic check (``checked``: the reason
    it recorded, "" when none)."""

    level: str = ""
    by: str = ""
    note: str = ""
    checked: str = ""

    @property
    def by_reviewer(self) -> bool:
        return bool(self.level)


def invalid_why(slot: ledger.Slot, level_names: dict[str, str]) -> InvalidWhy | None:
    """Why ``slot``'s shown submission is tidak valid (None when one is in use or none was sent)."""
    shown = slot.shown
    if slot.current is not None or shown is None:
        return None
    rejection = slot.review_rejection if slot.state == ledger.REJECTED else None
    if rejection is not None:
        return InvalidWhy(level=level_names.get(rejection["level"], rejection["level"]),
                          by=rejection["by_name"], note=rejection["note"])
    return InvalidWhy(checked=shown["reason"] or "")


@dataclass(frozen=True)
class ReceivedFlag:
    """What ingest noticed about a submission's received time: ``future`` (the file's own time,
    ``file_time``, lay after the run: ``received_at`` is the run's) or before the form was made
    (``form_generated_at``)."""

    future: bool
    received_at: str
    file_time: str | None = None
    form_generated_at: str | None = None


def received_flag(sub: Any) -> ReceivedFlag | None:
    """The :class:`ReceivedFlag` of a ``submissions`` row (None: nothing noticed)."""
    flag = sub["received_flag"] if "received_flag" in sub.keys() else None
    if flag not in (ledger.RECEIVED_FUTURE, ledger.RECEIVED_BEFORE_FORM):
        return None
    return ReceivedFlag(flag == ledger.RECEIVED_FUTURE, sub["received_at"], sub["file_time"],
                        sub["form_generated_at"])


def _rates(rules: Rules, rows: list[StatusRow], quarters: list[int]) -> list[NodeRate]:
    """Per parent node (every ancestor of a reporting unit, in rules order): per quarter and in total."""
    under: dict[str, list[StatusRow]] = {}
    for r in rows:
        for kode in rules.ancestors(r.unit):
            under.setdefault(kode, []).append(r)
    out: list[NodeRate] = []
    for unit in rules.units:
        if unit.kode not in under:
            continue
        mine = under[unit.kode]
        for q in quarters + [None]:
            sel = [r for r in mine if q is None or r.quarter == q]
            out.append(NodeRate(unit.kode, unit.nama, rules.depth(unit.kode), q, len(sel),
                                sum(r.reported for r in sel), sum(r.on_time for r in sel)))
    return out
