"""Process ``inbox/``: identify, read, validate, record, archive, and write feedback.

Every file gets exactly one recorded outcome — accepted, rejected, unrecognised or
duplicate — and is moved to ``arsip/`` only after that outcome is committed. Files go in
batches, in arrival order: read and validate → write feedback (atomic) → record every file
of the batch in one transaction → move the originals → mark them archived. A crash anywhere
is completed by the next run, which therefore ends with the same ledger as an uninterrupted
one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from . import codes, fast, kiriman, ledger
from . import workers as pool
from .codes import BLOCKING, ERROR, STATE_DEPENDENT, Issue
from .errors import KinerjaError, UnreadableInput
from .inbox import scan_inbox, shown_name, stat_key, take_early
from .layout import APP_ID, DATA_SHEET, FORM_VERSION, META_SHEET, FormPlan, plan_form
from .periods import quarter_end, quarter_label
from .reading import RawWorkbook, open_workbook
from .rules import Rules
from .scope import outside_scope, scope_of
from .styles import short_time
from .text import display_name, excerpt
from .validate import FormInput, FormOutcome, quarter_change_warnings, validate_batch, warm_up
from .workspace import Workspace, move_no_overwrite, safe_name

BATCH = 128  # files read, validated (one pandera call) and handed on together
MIN_BATCH = 32  # the smallest batch of a run with workers (see _batches): each batch costs a pandera call


@dataclass
class FileResult:
    """The outcome of one inbox file, as printed and as ``ingest --json`` reports it."""

    file: str
    sha256: str
    outcome: str
    unit: str | None = None
    year: int | None = None
    quarter: int | None = None
    issues: list[Issue] = field(default_factory=list)
    reason: str = ""
    feedback: Path | None = None
    submission_id: int | None = None
    notes: list[str] = field(default_factory=list)   # not verdicts: re-checked, not used, received time
    in_use: bool | None = None                        # accepted: is it the submission that counts?
    kiriman: dict[str, Any] | None = None   # on a package: its node and what became of its units
    carried_by: str | None = None           # on a unit a package carried: the package's node

    def as_json(self) -> dict[str, Any]:
        out = {"file": self.file, "sha256": self.sha256, "outcome": self.outcome, "unit": self.unit,
               "year": self.year, "quarter": self.quarter, "reason": self.reason,
               "feedback": str(self.feedback) if self.feedback else None, "in_use": self.in_use,
               "notes": self.notes, "issues": [i.as_dict() for i in self.issues]}
        if self.kiriman is not None:
            out["kiriman"] = self.kiriman
        elif self.carried_by is not None:
            out["kiriman"] = {"node": self.carried_by, "package": False}
        return out

    @property
    def is_package(self) -> bool:
        """A package whose units are reported one by one (each its own result)."""
        return self.kiriman is not None and bool(self.kiriman.get("units"))


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (file, why left alone)
    resumed: int = 0
    feedback_done: list[str] = field(default_factory=list)  # feedback moved to umpan_balik/selesai/

    def count(self, outcome: str) -> int:
        """Files with this outcome; a package's units count one by one instead of the package."""
        return sum(r.outcome == outcome and not r.is_package for r in self.results)


# --------------------------------------------------------------------------- inbox


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _received_at(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0).isoformat()


def _received(path: Path, now: str) -> tuple[str, str | None]:
    """The received time of an inbox file (its modification time), and, when that lies after
    ``now`` (the time of the run), the file's own time: the received time is then ``now``."""
    stamp = _received_at(path)
    return (now, stamp) if stamp > now else (stamp, None)


# --------------------------------------------------------------------------- identification


@dataclass
class _Work:
    """One file on its way through the run."""

    path: Path
    sha256: str
    size: int
    received_at: str
    result: FileResult
    file_time: str | None = None       # the file's own (future) time, when received_at was clamped
    recheck_of: int | None = None      # the record of the same bytes refused for the state at the time
    raw: RawWorkbook | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    outcome: FormOutcome | None = None
    pre: _Prefetched | None = None     # what a worker process read and validated (read-ahead)
    plan: FormPlan | None = None       # the form's layout, once identified
    children: list[_Work] = field(default_factory=list)  # a package: one work per unit it carries
    carried: tuple[kiriman.Package, kiriman.CarriedUnit] | None = None  # a unit a package carried

    @property
    def identified(self) -> bool:
        return self.plan is not None


def _meta(raw: RawWorkbook) -> dict[str, Any]:
    grid = raw.grids.get(META_SHEET) or []
    out: dict[str, Any] = {}
    for line in grid[:50]:
        if len(line) >= 2 and isinstance(line[0], str) and line[0]:
            value = line[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            out[line[0].strip()] = value
    return out


def _plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -10_000 < value < 10_000


def _identify(work: _Work, rules: Rules, conn: sqlite3.Connection | None) -> None:
    """Fill ``work.plan`` for one of our forms, or record why it is unrecognised/rejected.

    Without ``conn`` (a read-ahead worker) the one check that needs the ledger, the lock of
    approved data, is left to the run itself.
    """
    raw = work.raw
    assert raw is not None
    meta = work.meta = _meta(raw)
    if meta.get("aplikasi") != APP_ID:
        work.result.outcome = "unrecognised"
        work.result.reason = ("Bukan formulir data kinerja (tidak ada lembar identitas formulir). "
                              "Minta unit mengisi formulir yang dikirim operator, bukan berkas buatan sendiri.")
        work.result.issues.append(Issue(codes.BUKAN_FORMULIR, ERROR, "", "", work.result.reason))
        return
    unit, year, quarter = str(meta.get("unit") or ""), meta.get("tahun"), meta.get("triwulan")
    work.result.unit = (unit if rules.has_unit(unit) else excerpt(unit, 40)) or None
    # as recorded (the ledger holds 64-bit integers): a typed 1e20 or TRUE is no year or quarter
    work.result.year = year if _plain_int(year) else None
    work.result.quarter = quarter if _plain_int(quarter) else None

    def reject(code: str, message: str) -> None:
        work.issues.append(Issue(code, ERROR, META_SHEET, "", message))

    if meta.get("versi_formulir") != FORM_VERSION:
        reject(codes.VERSI_FORMULIR_USANG, f"Formulir ini versi {excerpt(meta.get('versi_formulir'), 20)}, sedangkan versi "
               f"yang berlaku {FORM_VERSION}. Minta formulir terbaru kepada operator lalu isi ulang.")
        return
    if outside_scope(rules, unit):
        scope = scope_of(rules)
        assert scope is not None
        work.result.unit = unit
        reject(codes.DI_LUAR_LINGKUP, f"Formulir ini milik {rules.owner(unit)}, unit di luar lingkup workspace ini "  # type: ignore[attr-defined]
               f"({scope.node} dan unit di bawahnya), jadi tidak diproses di sini. Kirim berkas ini ke "
               f"{rules.destination(unit)}.")  # type: ignore[attr-defined]
        return
    if not rules.has_unit(unit) or not rules.indicators_for(unit):
        reject(codes.UNIT_TIDAK_DIKENAL, f"Formulir ini milik unit '{excerpt(unit, 40)}', yang tidak terdaftar sebagai unit "
               "pelapor. Pakai formulir unit Anda sendiri.")
        return
    if not isinstance(quarter, int) or quarter not in (1, 2, 3, 4):
        reject(codes.TRIWULAN_TIDAK_DIKENAL, "Triwulan formulir tidak dikenal. Minta formulir baru kepada operator.")
        return
    if not isinstance(year, int) or year not in rules.targets:
        reject(codes.TAHUN_TIDAK_DIKENAL, f"Formulir ini untuk tahun {excerpt(year, 20)}, sedangkan aturan memuat target tahun "
               f"{', '.join(map(str, rules.years))}. Pakai formulir tahun berjalan.")
        return
    work.plan = plan_form(rules, unit, year, quarter)
    if DATA_SHEET not in raw.grids:
        reject(codes.SHEET_HILANG, f"Sheet '{DATA_SHEET}' tidak ada (mungkin diganti nama atau dihapus). Pakai "
               "formulir asli tanpa mengubah nama sheet.")
        return
    if meta.get("sidik_jari") != work.plan.fingerprint:
        real = _header_unit(raw, rules, unit)
        if real is not None:
            real_plan = plan_form(rules, real, year, quarter)
            if meta.get("sidik_jari") == real_plan.fingerprint:  # the form is really ``real``'s
                work.result.unit, work.plan = real, real_plan
                reject(codes.UNIT_TIDAK_COCOK, f"Lembar identitas formulir ini diubah: tertulis unit {excerpt(unit, 40)}, "
                       f"padahal formulir ini milik {real} ({rules.unit(real).nama}). Data tidak diterima untuk "
                       "unit mana pun; umpan balik ini untuk unit pemilik formulir. Isi formulir unit Anda sendiri "
                       "tanpa mengubah lembar identitasnya, lalu kirim ulang.")
                return
        reject(codes.FORMULIR_USANG, "Formulir ini dibuat dari target/daftar indikator yang sudah berubah (atau "
               "lembar identitasnya diubah). Minta formulir terbaru kepada operator, salin isian Anda ke sana, "
               "lalu kirim ulang.")
        return
    generated = _iso_time(meta.get("dibuat"))
    work.meta["generated_at"] = generated
    _state_checks(work, rules, conn, unit, year, quarter, generated)


def _state_checks(work: _Work, rules: Rules, conn: sqlite3.Connection | None, unit: str, year: int,
                  quarter: int, generated: str | None = None) -> None:
    """The checks of an identified form (or a carried unit) against the time and the ledger: the
    quarter has ended, and the unit's data here is not locked by an approval made here (approvals a
    package carried from below do not lock). Without ``conn`` (a read-ahead worker) the lock is left
    to the run itself."""
    def reject(code: str, message: str) -> None:
        work.issues.append(Issue(code, ERROR, META_SHEET, "", message))

    before_form = generated is not None and work.received_at < generated
    ends = quarter_end(year, quarter)
    received = dt.datetime.fromisoformat(work.received_at).date()
    if before_form:  # the file's time cannot be right: no verdict rests on it
        work.result.notes.append(
            f"Waktu berkas ({short_time(work.received_at)}) lebih awal dari pembuatan formulirnya "
            f"({short_time(generated)}); waktu itu dicatat apa adanya dengan tanda. Periksa jam "
            "komputer yang menyimpan berkas itu.")
    elif received <= ends - dt.timedelta(days=7):
        reject(codes.PERIODE_BELUM_BERAKHIR, f"Formulir ini untuk {quarter_label(quarter)} {year}, yang berakhir "
               f"{ends.strftime('%d-%m-%Y')}, tetapi diterima {received.strftime('%d-%m-%Y')}, lebih dari seminggu "
               "sebelum triwulan itu berakhir. Kemungkinan formulir triwulan yang salah terpakai: isi formulir "
               "triwulan yang sedang diminta. Bila formulirnya memang benar, letakkan lagi berkas yang sama di "
               "inbox/ setelah triwulan berakhir: berkas itu akan diperiksa ulang, tidak dianggap duplikat.")
    if conn is None:
        return
    levels = rules.policy.persetujuan
    slot = ledger.collection_state(conn, year, levels=[lv.level for lv in levels], unit=unit,
                                   quarter=quarter).slot(unit, quarter)
    current = slot.current
    standing = ledger.local_standing(conn, slot.standing.values()) if current is not None else []
    # approved data is locked: refused is a file that would take its place (an older one would not)
    if current is not None and standing and work.received_at >= current["received_at"]:
        order = [lv.level for lv in levels]
        top = max(standing, key=lambda r: order.index(r["level"]) if r["level"] in order else -1)
        nama = next((lv.nama for lv in levels if lv.level == top["level"]), top["level"])
        reject(codes.DATA_TERKUNCI, f"Data {unit} {quarter_label(quarter)} {year} sudah disetujui pada tahap "
               f"{nama} oleh {top['by_name']} (NIP {top['nip']}) pada {top['at'][:10]}, sehingga terkunci. "
               f"Untuk mengubahnya, minta pemegang persetujuan menarik persetujuan: kinerja unapprove "
               f"--unit {unit} --year {year} --quarter {quarter} --level {top['level']} …; lalu letakkan lagi "
               "berkas yang sama di inbox/: berkas itu akan diperiksa ulang, tidak dianggap duplikat.")


def _header_unit(raw: RawWorkbook, rules: Rules, claimed: str) -> str | None:
    """The unit the data sheet's header names ("Unit kerja: nama (KODE)"), when it is another
    reporting unit than the identity sheet claims."""
    grid = raw.grids.get(DATA_SHEET) or []
    text = grid[2][0] if len(grid) > 2 and grid[2] else None
    found = re.search(r"\(([^()]+)\)\s*$", text) if isinstance(text, str) else None
    kode = found.group(1).strip() if found else None
    return kode if kode and kode != claimed and rules.has_unit(kode) and rules.indicators_for(kode) else None


def _iso_time(value: Any) -> str | None:
    """An ISO date-time from the identity sheet (``dibuat``), normalised, or None."""
    try:
        return dt.datetime.fromisoformat(str(value).strip()).replace(microsecond=0, tzinfo=None).isoformat()
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- the run


def ingest(ws: Workspace, rules: Rules, *, dry_run: bool = False, settle_seconds: float = 2.0,
           progress: Callable[[int, int], None] | None = None, now: dt.datetime | None = None) -> IngestReport:
    """Process every file in ``inbox/`` and return what happened to each.

    ``now``: the time of the run (default: the clock); a file time after it is clamped to it.
    """
    report = IngestReport()
    run_at = (now or dt.datetime.now()).replace(microsecond=0).isoformat()
    conn = _open_ledger(ws, dry_run)
    try:
        if not dry_run:
            report.resumed = _resume(ws, conn)
        files, report.skipped = scan_inbox(ws, settle_seconds)
        seen: dict[str, list[_Work]] = {}
        done = 0
        for batch, read_ahead in _read_ahead(ws, rules, files):
            works = [w for w in (_start(ws, rules, path, conn, seen, report, pre, now=run_at)
                                 for path, pre in zip(batch, read_ahead)) if w is not None]
            _validate([item for w in works for item in (w.children or [w])], rules)
            _commit(ws, rules, conn, works, dry_run)
            for work in works:
                report.results.append(work.result)  # a package, then the units it carried
                report.results.extend(child.result for child in work.children)
                work.raw = work.outcome = work.pre = None  # kept for in-run duplicates: not the data
                work.children = []
            done += len(batch)
            if progress:
                progress(done, len(files))
        if not dry_run:
            report.feedback_done = _settle_feedback(ws, conn, report.results)
    finally:
        conn.close()
    return report


def _settle_feedback(ws: Workspace, conn: sqlite3.Connection, results: list[FileResult]) -> list[str]:
    """Move the feedback workbooks a newer accepted submission has answered to ``umpan_balik/selesai/``
    (the move first, then the record: a crash in between is finished by the next run). A file of
    this run refused although a newer one was accepted already has its feedback moved at once."""
    moved = []
    by_id = {r.submission_id: r for r in results if r.feedback is not None}
    for row in ledger.answered_feedback(conn):
        source = ws.root / row["feedback_path"]
        target, n = ws.root / ledger.FEEDBACK_DONE / source.name, 1
        if source.is_file():
            while target.exists() and not _same_file(source, target):  # never overwrite another
                n += 1
                target = target.with_name(f"{source.stem}_{n}{source.suffix}")
            move_no_overwrite(source, target)
        elif not target.is_file():
            continue  # gone from both places: leave the record as it is
        ledger.move_feedback(conn, row["id"], target.relative_to(ws.root).as_posix())
        moved.append(source.name)
        if row["id"] in by_id:
            by_id[row["id"]].feedback = target
    return moved


def _open_ledger(ws: Workspace, dry_run: bool) -> sqlite3.Connection:
    if dry_run and not ws.ledger.exists():
        return ledger.connect(Path(":memory:"))
    return ledger.connect(ws.ledger)


def _batches(items: list[Path], size: int, workers: int = 0) -> Iterator[list[Path]]:
    """Consecutive batches of at most ``size`` items. With workers, the last batches shrink
    (to a quarter of what is left per worker, at least :data:`MIN_BATCH`): the workers then
    finish close together instead of one reading a whole batch while the other waits, and
    the run's last commit, which nothing overlaps, is small."""
    i = 0
    while i < len(items):
        left = len(items) - i
        n = size if not workers else min(size, max(MIN_BATCH, -(-left // (2 * workers))))
        if workers and 0 < left - n < MIN_BATCH // 2:  # no scrap of a batch at the very end
            n = left
        yield items[i:i + n]
        i += n


def _same_file(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and _sha256(a) == _sha256(b)


def _sweep_temporaries(ws: Workspace) -> None:
    """Remove half-written files a killed run left behind (``atomic_write`` and
    ``move_no_overwrite`` write ``.tmp-*`` beside their target, then rename). Only one run
    holds the workspace at a time, so every such file is stale; the finished file it was
    meant to become is rewritten (feedback) or re-moved (archive) by this run."""
    for folder, pattern in ((ws.feedback, ".tmp-*"), (ws.archive, "**/.tmp-*")):
        if not folder.is_dir():
            continue
        for tmp in folder.glob(pattern):
            if tmp.is_file() and not tmp.is_symlink():
                tmp.unlink(missing_ok=True)


def _resume(ws: Workspace, conn: sqlite3.Connection) -> int:
    """Finish archiving files whose outcome was committed by a run that did not complete."""
    _sweep_temporaries(ws)
    finished = 0
    for row in ledger.unarchived(conn):
        recorded = row["inbox_path"] or row["file_name"]
        source = ws.inbox / recorded
        if not source.is_file():  # recorded under its display_name: find it by name and content
            source = _inbox_file(ws, recorded, row["sha256"]) or source
        target = ws.root / row["archive_path"]
        if source.is_file() and _sha256(source) == row["sha256"]:
            move_no_overwrite(source, target)
        elif not target.is_file():
            continue  # the original is neither in inbox nor archived: leave the flag for a human
        ledger.mark_archived(conn, row["id"])
        finished += 1
    return finished


def _inbox_file(ws: Workspace, recorded: str, sha: str) -> Path | None:
    for path in ws.inbox.rglob("*"):
        if shown_name(ws, path) == recorded and path.is_file() and not path.is_symlink() \
                and _sha256(path) == sha:
            return path
    return None


def _start(ws: Workspace, rules: Rules, path: Path, conn: sqlite3.Connection, seen: dict[str, list[_Work]],
           report: IngestReport, pre: _Prefetched | None = None, *, now: str | None = None) -> _Work | None:
    """Hash, de-duplicate, read and identify one file (``pre``: hashed and read by a worker)."""
    try:
        sha = pre.sha256 if pre else _sha256(path)
        size = pre.size if pre else path.stat().st_size
        received, file_time = _received(path, now or ledger.now_iso())
    except OSError as exc:
        report.skipped.append((shown_name(ws, path), f"tidak dapat dibaca dari disk ({exc.strerror}); "
                               "dicoba lagi nanti"))
        return None
    except (ValueError, OverflowError):  # an mtime no calendar can show, e.g. the year 33658
        report.skipped.append((shown_name(ws, path), "waktu modifikasi berkas tidak wajar, sehingga waktu "
                               "terimanya tidak diketahui; salin ulang berkas itu ke inbox/ lalu jalankan lagi"))
        return None
    result = FileResult(shown_name(ws, path), sha, "accepted")
    work = _Work(path, sha, size, received, result, pre=pre, file_time=file_time)
    if file_time is not None:
        result.notes.append(f"Waktu berkas ({short_time(file_time)}) ada di masa depan; dicatat waktu "
                            f"pemrosesannya, {short_time(received)}. Periksa jam komputer pengirim.")
    earlier = ledger.find_by_sha(conn, sha)
    recheck = _state_refusal(conn, earlier)
    if recheck is not None:  # refused only for the state at the time: checked again
        work.recheck_of = int(recheck["id"])
        result.notes.append(f"Berkas yang sama pernah ditolak ({short_time(recheck['received_at'])}) hanya "
                            "karena keadaan saat itu (data terkunci atau triwulan belum berakhir); keadaan "
                            "dapat berubah, jadi berkas ini diperiksa ulang, tidak dianggap duplikat.")
    in_run = seen.setdefault(sha, [])
    # copies of these bytes before this one: recorded ones, and this run's not recorded yet (a
    # copy recorded by this run is in both), so the count does not depend on batch boundaries
    work.meta["copies"] = len(earlier) + sum(w.result.submission_id is None for w in in_run)
    in_run.append(work)
    if (earlier and recheck is None) or len(in_run) > 1:
        result.outcome = "duplicate"
        result.notes.clear()
        # the same words whether the first copy came in this run or an earlier (maybe killed) one,
        # so that a re-run after a crash records exactly what an uninterrupted run records
        if earlier:
            name, when = earlier[0]["inbox_path"] or earlier[0]["file_name"], earlier[0]["received_at"]
        else:
            name, when = in_run[0].result.file, in_run[0].received_at
        result.reason = (f"Isi berkas sama persis dengan '{name}' (diterima {short_time(when)}); "
                         "tidak diproses ulang.")
        return work
    try:
        if pre is not None and pre.unreadable is not None:
            raise UnreadableInput(*pre.unreadable)
        work.raw = pre.raw if pre is not None else open_workbook(path, (DATA_SHEET, META_SHEET))
    except UnreadableInput as exc:
        result.outcome, result.reason = "unrecognised", str(exc)
        result.issues.append(Issue(exc.code, ERROR, "", "", str(exc)))
        return work
    if kiriman.is_package(work.raw):
        _start_package(rules, work, conn)
        return work
    copies = work.meta["copies"]
    _identify(work, rules, conn)
    work.meta["copies"] = copies
    return work


def _state_refusal(conn: sqlite3.Connection, earlier: list[sqlite3.Row]) -> sqlite3.Row | None:
    """The latest verdict on these bytes when it was a refusal resting only on the state at the
    time (:data:`STATE_DEPENDENT`), else None."""
    verdicts = [r for r in earlier if r["outcome"] != "duplicate"]
    if not verdicts or verdicts[-1]["outcome"] != "rejected":
        return None
    found = {i["code"] for i in ledger.submission_issues(conn, verdicts[-1]["id"]) if i["severity"] == ERROR}
    return verdicts[-1] if found and found <= STATE_DEPENDENT else None


def _start_package(rules: Rules, work: _Work, conn: sqlite3.Connection) -> None:
    """Read and check a package, then give it one work per unit it carries, each a form of that
    unit as far as the rest of the run is concerned (validated, decided and recorded like one)."""
    result = work.result
    try:
        raw = open_workbook(work.path, kiriman.PACKAGE_SHEETS)
        package, stated = kiriman.read_package(raw)
        result.unit, result.year, result.quarter = package.node or None, package.year, package.quarter
        kiriman.check_package(package, stated, rules)
    except UnreadableInput as exc:
        result.outcome, result.reason = "unrecognised", str(exc)
        result.issues.append(Issue(exc.code, ERROR, "", "", str(exc)))
        return
    except (kiriman.PackageError, KinerjaError) as exc:
        code = exc.code if isinstance(exc, kiriman.PackageError) else codes.KIRIMAN_TAHUN_TIDAK_DIKENAL
        sheet = exc.sheet if isinstance(exc, kiriman.PackageError) else kiriman.META_SHEET
        result.outcome, result.reason = "rejected", f"Kiriman ditolak: {exc}"
        result.issues.append(Issue(code, ERROR, sheet, "", str(exc)))
        result.kiriman = {"node": result.unit, "package": True, "units": []}
        return
    result.kiriman = {"node": package.node, "package": True, "units": [u.unit for u in package.units]}
    for carried in package.units:
        plan = plan_form(rules, carried.unit, package.year, package.quarter)
        child = _Work(work.path, work.sha256, work.size, carried.received_at,
                      FileResult(result.file, work.sha256, "accepted", carried.unit, package.year, package.quarter,
                                 carried_by=package.node),
                      raw=kiriman.carried_raw(plan, carried), carried=(package, carried))
        child.plan = plan
        child.meta["copies"] = work.meta["copies"]
        _state_checks(child, rules, conn, carried.unit, package.year, package.quarter)
        work.children.append(child)



def _validate(works: list[_Work], rules: Rules) -> None:
    """Row-validate, in one batch, every identified form whose layout can be trusted."""
    todo = [w for w in works if w.result.outcome == "accepted" and w.identified
            and not any(i.code in BLOCKING for i in w.issues)]
    for work in todo:  # validated already by a read-ahead worker (the same plan and grid)
        if work.pre is not None and work.pre.outcome is not None \
                and work.pre.fingerprint == work.plan.fingerprint:  # type: ignore[union-attr]
            work.outcome = work.pre.outcome
    todo = [w for w in todo if w.outcome is None]
    forms = [FormInput(w.plan, *_data_sheet(w)) for w in todo]  # type: ignore[arg-type]
    for work, outcome in zip(todo, validate_batch(rules, forms)):
        work.outcome = outcome


def _data_sheet(work: _Work) -> tuple[list[list[Any]], list, dict]:
    """The data sheet's grid, merged cells and formula cells."""
    raw = work.raw
    if raw is None:
        return [], [], {}
    return raw.grids.get(DATA_SHEET, []), raw.merged.get(DATA_SHEET, []), raw.formulas.get(DATA_SHEET, {})


def _commit(ws: Workspace, rules: Rules, conn: sqlite3.Connection, works: list[_Work], dry_run: bool) -> None:
    """Decide every file of a batch, write its feedback and record it — all records in one
    transaction, so the ledger is synced once per batch instead of twice per file — then move
    the originals to ``arsip/`` and mark them archived (one more transaction).

    Each file is decided after the ones before it are recorded (in the open transaction), so
    supersession, duplicates and changes against the previous quarter see them. A crash before
    the commit leaves no record of the batch and every original in ``inbox/``: the next run does
    the batch again. A crash after it leaves records not yet marked archived: the next run
    finishes moving and marking them (:func:`_resume`).
    """
    if dry_run:
        for work in works:
            for item in work.children or [work]:
                _decide(rules, conn, item)
            _package_result(work)
        return
    with ledger.transaction(conn):
        for work in works:
            for item in work.children or [work]:  # a package: its units, each decided after the one before
                _decide(rules, conn, item)
                _record(ws, rules, conn, item)
            _package_result(work)
    for work in works:
        move_no_overwrite(work.path, ws.root / (work.children or [work])[0].meta["archive"])
    ledger.mark_archived(conn, [item.result.submission_id for w in works for item in (w.children or [w])
                                if item.result.submission_id is not None])


def _package_result(work: _Work) -> None:
    """What became of a package's units, on the package's own result."""
    if not work.children or work.result.kiriman is None:
        return
    done = [c.result for c in work.children]
    work.result.kiriman.update(accepted=sum(r.outcome == "accepted" for r in done),
                               rejected=sum(r.outcome == "rejected" for r in done))
    if work.children[0].meta.get("archive"):
        work.meta["archive"] = work.children[0].meta["archive"]


def _decide(rules: Rules, conn: sqlite3.Connection, work: _Work) -> None:
    """The outcome of one file: its issues with those against the previous quarter, or, for a
    duplicate, the unit and period of the first copy."""
    result = work.result
    outcome = work.outcome
    if result.outcome == "accepted":
        issues = list(work.issues)
        if outcome is not None:
            issues += outcome.issues
            previous = ledger.previous_values(conn, result.unit, result.year, result.quarter)
            issues += quarter_change_warnings(rules, lambda: work.plan,  # type: ignore[arg-type,return-value]
                                              outcome.values, previous)
            differs = kiriman.differing_values_warning(conn, result.unit, result.year, result.quarter,
                                                       outcome.values, result.carried_by)
            if differs is not None:
                issues.append(differs)
        result.issues = issues
        result.outcome = "rejected" if any(i.severity == ERROR for i in issues) else "accepted"
        if result.outcome == "rejected":
            result.reason = "Tidak Valid: " + "; ".join(i.message for i in issues if i.severity == ERROR)[:300]
        else:
            latest = ledger.collection_state(conn, result.year, unit=result.unit,  # type: ignore[arg-type]
                                             quarter=result.quarter).slot(result.unit, result.quarter).latest
            result.in_use = latest is None or latest["received_at"] <= work.received_at
            if not result.in_use:
                result.reason = (f"diterima, tidak dipakai: ada kiriman yang lebih baru, diterima "
                                 f"{short_time(latest['received_at'])} ('{latest['file_name']}')")
    if result.outcome == "duplicate":
        first = ledger.find_by_sha(conn, work.sha256)
        if first:
            work.meta["first_id"] = first[0]["id"]
            result.unit, result.year, result.quarter = first[0]["unit"], first[0]["year"], first[0]["quarter"]
            if first[0]["file_format"] == kiriman.FILE_FORMAT:  # a package again: say whose
                origin = ledger.carried_origin(conn, int(first[0]["id"]))
                result.unit = origin["node"] if origin is not None else first[0]["unit"]


def _record(ws: Workspace, rules: Rules, conn: sqlite3.Connection, work: _Work) -> None:
    """Write the feedback of a rejected file, then record the file (inside the batch's transaction)."""
    result = work.result
    outcome = work.outcome
    if result.outcome == "rejected" and work.identified and work.carried is None:
        result.feedback = _feedback(ws, rules, work)
    work.meta["archive"] = _archive_path(work).as_posix()
    sub = ledger.Submission(
        sha256=work.sha256, file_name=display_name(work.path.name), size=work.size, received_at=work.received_at,
        outcome=result.outcome, archive_path=work.meta["archive"], reason=result.reason,
        file_format=work.raw.format if work.raw else None, unit=result.unit, year=result.year,
        quarter=result.quarter, form_id=str(work.meta.get("form_id") or "") or None,
        fingerprint=str(work.meta.get("sidik_jari") or "") or None,
        feedback_path=result.feedback.relative_to(ws.root).as_posix() if result.feedback else None,
        issues=[i.as_dict() for i in result.issues])
    if outcome is not None and result.outcome == "accepted":
        sub.values, sub.budget = outcome.values, outcome.budget
        sub.signer_name, sub.signer_nip, sub.signed_on = outcome.signer_name, outcome.signer_nip, outcome.signed_on
    sub.duplicate_of = work.meta.get("first_id")
    sub.recheck_of = work.recheck_of
    sub.inbox_path = shown_name(ws, work.path)  # with its sub-folders (the file name alone is file_name's)
    sub.form_generated_at = work.meta.get("generated_at")
    if work.file_time is not None:
        sub.received_flag, sub.file_time = ledger.RECEIVED_FUTURE, work.file_time
    elif sub.form_generated_at is not None and work.received_at < sub.form_generated_at:
        sub.received_flag = ledger.RECEIVED_BEFORE_FORM
    if result.kiriman is not None:  # a package refused whole: no unit's data, whatever its node
        sub.file_format, sub.unit = kiriman.FILE_FORMAT, None
    result.submission_id = ledger.record_submission(conn, sub)
    if work.carried is not None:
        package, carried = work.carried
        kiriman.record_carried(conn, result.submission_id, package, carried, result.outcome == "accepted")


def _archive_path(work: _Work) -> Path:
    """``arsip/<tahun>/TW<n>/<sha12>_<name>`` (or ``arsip/lainnya/…``); never reused for other bytes."""
    r = work.result
    folder = Path("arsip") / (f"{r.year}/TW{r.quarter}" if r.year and r.quarter else "lainnya")
    copies = int(work.meta.get("copies") or 0)
    suffix = f"_{copies}" if copies else ""
    name = work.path
    ext = safe_name(name.suffix.lstrip("."), 10) if name.suffix else ""
    return folder / f"{work.sha256[:12]}{suffix}_{safe_name(name.stem, 80)}{'.' + ext if ext else ''}"


def feedback_path(work: _Work) -> Path:
    """``umpan_balik/<unit>_<tahun>_TW<n>_<sha12>.xlsx``: one per submission (by its content, and the
    copy number for the same bytes checked again), so no feedback ever overwrites another; named
    by the unit whose form it is."""
    plan = work.plan
    assert plan is not None
    copies = int(work.meta.get("copies") or 0)
    suffix = f"_{copies}" if copies else ""
    return Path("umpan_balik") / f"{safe_name(plan.unit)}_{plan.year}_TW{plan.quarter}_{work.sha256[:12]}{suffix}.xlsx"


def _feedback(ws: Workspace, rules: Rules, work: _Work) -> Path:
    from .feedback import write_feedback

    plan = work.plan
    assert plan is not None
    target = ws.root / feedback_path(work)
    prefill = _prefill(work)
    return write_feedback(target, source=work.path, file_format=work.raw.format if work.raw else "xlsx",
                          rules=rules, plan=plan, issues=work.result.issues, prefill=prefill,
                          file_name=work.result.file, received_at=work.received_at.replace("T", " "))


def _prefill(work: _Work) -> dict[str, Any]:
    """The unit's typed input cells, to rebuild an .xlsx for feedback on .ods/.xls returns."""
    from .reading import cell_value

    out: dict[str, Any] = {}
    grid = _data_sheet(work)[0]
    for addr in work.plan.input_cells() if work.plan else []:
        col = ord(addr[0]) - 65
        value = cell_value(grid, int(addr[1:]), col)
        if value is not None:
            out[addr] = value
    return out


# --------------------------------------------------------------------------- read-ahead in worker processes
#
# A speed path (``KINERJA_FAST``, "readahead"). Hashing, reading, identifying and
# row-validating a file need nothing from the ledger, and they are most of the cost of a
# run. With many files they are done ahead, a chunk of files at a time, in worker processes
# (both cores of an office PC), while this process decides, commits, moves, writes feedback
# and marks every file itself, one by one, in arrival order — so the ledger, its ids and
# crash-safety are exactly those of a run without workers. Results come back in order, at
# most a few chunks ahead, so memory does not grow with the number of files.

@dataclass
class _Prefetched:
    """What a worker learned about one file."""

    sha256: str
    size: int
    raw: RawWorkbook | None = None
    unreadable: tuple[str, str] | None = None      # (message, code) of UnreadableInput
    fingerprint: str | None = None                 # of the plan the outcome was validated with
    outcome: FormOutcome | None = None


def _read_ahead(ws: Workspace, rules: Rules, files: list[Path]) -> Iterator[tuple[list[Path], list[_Prefetched | None]]]:
    """Every batch of ``files`` in order, with what workers read of it (None: read it here)."""
    workers = pool.worker_count(len(files)) if fast.on("readahead") else 0
    batches = list(_batches(files, BATCH, workers))
    if workers == 0 or not batches:
        take_early(collect=False)
        for batch in batches:
            yield batch, [None] * len(batch)
        return
    from collections import deque
    from concurrent.futures.process import BrokenProcessPool

    # forked workers share the loaded modules and what the early reader read
    if pool.forks():
        warm_up()  # once here, not once in every worker
    _EARLY.clear()
    _EARLY.update(take_early(collect=pool.forks()))
    with pool.rules_pool(rules, ws.lock_path, workers) as executor:
        pending: deque = deque()
        todo = iter(batches)
        try:
            for batch in todo:
                pending.append((batch, executor.submit(_worker_batch, batch)))
                if len(pending) > workers:
                    break
            while pending:
                batch, future = pending.popleft()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append((nxt, executor.submit(_worker_batch, nxt)))
                try:
                    found: list[_Prefetched | None] = future.result()
                except BrokenProcessPool:  # a worker that died (killed, out of memory): read that batch here
                    found = [None] * len(batch)
                yield batch, found
        finally:
            for _, future in pending:
                future.cancel()
            _EARLY.clear()


_EARLY: dict[str, tuple] = {}   # what the helper read early (inbox.start_ingest), by path


def _worker_batch(batch: list[Path]) -> list[_Prefetched | None]:
    """Hash, read, identify and validate ``batch`` in a worker."""
    rules = pool.RULES
    assert rules is not None
    out: list[_Prefetched | None] = []
    works: list[_Work] = []
    for path in batch:
        pre, work = _worker_read(path, rules)
        out.append(pre)
        if work is not None:
            works.append(work)
    _validate(works, rules)
    for work in works:
        pre = work.pre
        assert pre is not None and work.plan is not None
        pre.fingerprint = work.plan.fingerprint
        pre.outcome = work.outcome
    return out


def _worker_read(path: Path, rules: Rules) -> tuple[_Prefetched | None, _Work | None]:
    """One file: (what the run can reuse, the work to validate) — (None, None) when anything
    unusual happens, so that the run reads that file itself and reports it as it always does."""
    from .reading import MAX_FILE_BYTES

    early = _EARLY.get(str(path))
    if early is not None:
        try:
            key, sha, size, raw, unreadable = early
            received = _received_at(path)
            if stat_key(path) != key:
                raise OSError("changed since it was read early")
        except (OSError, ValueError, OverflowError):
            early = None
    if early is not None:
        pre = _Prefetched(sha, size, raw=raw, unreadable=unreadable)
        if unreadable is not None:
            return pre, None
        return pre, _worker_work(path, rules, pre, received)
    try:
        size = path.stat().st_size
        if size <= MAX_FILE_BYTES:
            data = path.read_bytes()
            pre = _Prefetched(hashlib.sha256(data).hexdigest(), len(data))
        else:
            data, pre = None, _Prefetched(_sha256(path), size)
        received = _received_at(path)
    except (OSError, ValueError, OverflowError):
        return None, None
    try:
        pre.raw = open_workbook(path, (DATA_SHEET, META_SHEET), data=data)
    except UnreadableInput as exc:
        pre.unreadable = (str(exc), exc.code)
        return pre, None
    except OSError:  # gone since it was read (an .xls is opened again for its error cells)
        return None, None
    return pre, _worker_work(path, rules, pre, received)


def _worker_work(path: Path, rules: Rules, pre: _Prefetched, received: str) -> _Work | None:
    """The identified file to validate, or None (not one of our forms, or not to be validated)."""
    work = _Work(path, pre.sha256, pre.size, received, FileResult(display_name(path.name), pre.sha256, "accepted"),
                 raw=pre.raw, pre=pre)
    _identify(work, rules, None)
    eligible = (work.result.outcome == "accepted" and work.identified
                and not any(i.code in BLOCKING for i in work.issues))
    return work if eligible else None
