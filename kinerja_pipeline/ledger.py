"""The ledger (SQLite, ``kinerja.db``): submissions, values, issues, approvals, events.

The schema is created and migrated by :func:`connect` itself (``PRAGMA user_version``).
Rows are never deleted: approvals are withdrawn by a new ``unapprove`` row, and every state
change is an event.

Which submission counts, and what state a unit and quarter is in, is answered here and only
here, by :func:`collection_state` (every reader — status, the approval checks, ingest's lock,
rekap, LKjIP — asks it):

- for each (unit, year, quarter) the *latest* accepted submission counts: the one with the
  latest received time, ties going to the later ingested (:func:`rank`). This depends only on
  the files, never on the runs or batches they came in, nor on their order;
- a reviewer's rejection (an ``approvals`` row with action ``reject``) applies to that latest
  submission: the unit and quarter then have no data in use until a newer submission is
  accepted. Older accepted submissions never come back ("diterima, tidak dipakai");
- the state codes (:data:`STATES`): ``belum_mengirim`` (nothing sent), ``tidak_valid`` (files
  sent, the newest refused by ingest), ``ditolak`` (the newest rejected by a reviewer),
  ``diterima`` (data in use), ``disetujui`` (data in use with at least one approval standing;
  :attr:`Slot.level` is the highest level's code).

``superseded_by`` is kept as a record of that rule (every older accepted submission of a unit
and quarter points at the latest one); the rule itself never reads it.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pandas as pd

from .errors import NOTHING_LOST, KinerjaError, SystemFault, WorkspaceError

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        file_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        processed_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('accepted','rejected','unrecognised','duplicate')),
        reason TEXT NOT NULL DEFAULT '',
        file_format TEXT,
        unit TEXT, year INTEGER, quarter INTEGER,
        form_id TEXT, fingerprint TEXT,
        signer_name TEXT, signer_nip TEXT, signed_on TEXT,
        duplicate_of INTEGER REFERENCES submissions(id),
        superseded_by INTEGER REFERENCES submissions(id),
        archive_path TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0,
        feedback_path TEXT
    );
    CREATE INDEX submissions_sha ON submissions(sha256);
    CREATE INDEX submissions_period ON submissions(year, quarter, unit);
    CREATE TABLE submission_values (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        indikator TEXT NOT NULL,
        realisasi REAL, pembilang REAL, penyebut REAL,
        penjelasan TEXT NOT NULL DEFAULT '', bukti TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (submission_id, indikator)
    );
    CREATE TABLE budget_values (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        kegiatan TEXT NOT NULL,
        realisasi_anggaran REAL,
        PRIMARY KEY (submission_id, kegiatan)
    );
    CREATE TABLE issues (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        code TEXT NOT NULL, severity TEXT NOT NULL CHECK (severity IN ('error','warning')),
        sheet TEXT NOT NULL DEFAULT '', cell TEXT NOT NULL DEFAULT '', message TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'validasi'
    );
    CREATE INDEX issues_submission ON issues(submission_id);
    CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        unit TEXT NOT NULL, year INTEGER NOT NULL, quarter INTEGER NOT NULL,
        level TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('approve','unapprove','reject')),
        by_name TEXT NOT NULL, nip TEXT NOT NULL, at TEXT NOT NULL, note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX approvals_period ON approvals(year, quarter, unit);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        unit TEXT, year INTEGER, quarter INTEGER,
        submission_id INTEGER REFERENCES submissions(id),
        detail TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 2: the per-file queries of ingest by unit (earlier quarters of a unit, its current
    # submission) and by submission (its approvals) use an index, so their cost does not grow
    # with the ledger
    """
    CREATE INDEX submissions_unit ON submissions(unit, year, quarter);
    CREATE INDEX approvals_submission ON approvals(submission_id);
    """,
    # 3: what ingest noticed about a file's received time (its own modification time, the form's
    # generation time), where in inbox/ it lay, which earlier
    # record of the same bytes it was checked again after; supersession recomputed by the
    # received-time rule (it used to follow the order of ingest)
    """
    ALTER TABLE submissions ADD COLUMN received_flag TEXT;
    ALTER TABLE submissions ADD COLUMN file_time TEXT;
    ALTER TABLE submissions ADD COLUMN form_generated_at TEXT;
    ALTER TABLE submissions ADD COLUMN inbox_path TEXT;
    ALTER TABLE submissions ADD COLUMN recheck_of INTEGER REFERENCES submissions(id);
    UPDATE submissions SET superseded_by = (
        SELECT n.id FROM submissions n WHERE n.outcome = 'accepted' AND n.unit = submissions.unit
        AND n.year = submissions.year AND n.quarter = submissions.quarter
        ORDER BY n.received_at DESC, n.id DESC LIMIT 1)
    WHERE outcome = 'accepted';
    UPDATE submissions SET superseded_by = NULL WHERE superseded_by = id;
    """,
    # 4: submissions carried up in a package from a scoped workspace (a Kanwil's), and the
    # approvals made there: where each came from (a submission without a row came straight here)
    """
    CREATE TABLE carried (
        submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),
        node TEXT NOT NULL,
        original_name TEXT NOT NULL,
        original_sha256 TEXT NOT NULL
    );
    CREATE TABLE carried_approvals (
        approval_id INTEGER PRIMARY KEY REFERENCES approvals(id),
        made_in TEXT NOT NULL
    );
    """,
]

#: Fixed state codes of a (unit, year, quarter), for machines (``status --json``) and readers.
NOT_SENT, INVALID, ACCEPTED, APPROVED, REJECTED = (
    "belum_mengirim", "tidak_valid", "diterima", "disetujui", "ditolak")
STATES = (NOT_SENT, INVALID, ACCEPTED, APPROVED, REJECTED)

#: Where a feedback workbook goes (relative to the workspace) once a newer submission of its unit
#: and quarter was accepted: it needs no sending any more.
FEEDBACK_DONE = "umpan_balik/selesai/"

#: ``received_flag`` values: the file's time lay in the future (clamped to the ingest time), or
#: before the form was generated (kept, flagged).
RECEIVED_FUTURE, RECEIVED_BEFORE_FORM = "masa_depan", "sebelum_formulir"


def now_iso() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or migrate) the ledger at ``path``."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise sqlite_fault(exc, path) from None
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        _write_ahead_log(conn)
        conn.execute("PRAGMA synchronous = FULL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        conn.close()
        raise sqlite_fault(exc, path) from None
    if version > len(MIGRATIONS):
        conn.close()
        raise WorkspaceError(f"Ledger {path} dibuat oleh versi kinerja-pipeline yang lebih baru "
                             f"(skema {version}); perbarui aplikasi ini.")
    for number in range(version, len(MIGRATIONS)):
        try:  # one script, one transaction: a crash leaves the previous version intact
            conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\n"
                               f"PRAGMA user_version = {number + 1};\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()
            raise sqlite_fault(exc, path) from None
    return conn


class LedgerDamaged(WorkspaceError):
    """SQLite's own integrity check says the ledger file is damaged."""

    code = "ledger-rusak"


def sqlite_fault(exc: sqlite3.Error, path: Path) -> KinerjaError:
    """The true Indonesian words for an error SQLite gave on the ledger at ``path``.

    A full disk, a missing permission or a busy ledger are said as such; the ledger is called
    damaged only when SQLite's ``PRAGMA integrity_check`` says so, and even then the advice keeps
    the file: it holds every approval and reviewer rejection, which the archive does not.
    """
    text = str(exc).lower()
    name = Path(path).name
    if "disk is full" in text or "database or disk is full" in text:
        return SystemFault(f"Disk penuh: ledger {name} tidak dapat ditulis. Ledger tetap utuh (SQLite "
                           f"membatalkan perubahan yang belum selesai). {NOTHING_LOST} Kosongkan ruang disk, "
                           "lalu ulangi perintah yang sama.", "disk-penuh")
    if "readonly" in text or "unable to open" in text or "permission" in text or "access" in text:
        return SystemFault(f"Ledger {path} tidak dapat dibuka atau ditulis: tidak ada izin, foldernya hanya "
                           f"dapat dibaca, atau jalurnya bukan folder. {NOTHING_LOST} Periksa hak akses "
                           "folder workspace (ledger perlu menulis berkas -wal dan -shm di sebelahnya), lalu "
                           "ulangi.", "tanpa-izin")
    if "locked" in text or "busy" in text:
        return WorkspaceError(f"Ledger {name} sedang dipakai program lain (mis. penampil basis data). Tutup "
                              "program itu, lalu ulangi.")
    if "disk i/o error" in text:
        return SystemFault(f"Disk gagal membaca atau menulis ledger {name} (kesalahan perangkat). "
                           f"{NOTHING_LOST} Periksa disk itu; jangan menghapus atau memindahkan ledger.",
                           "disk-rusak")
    problem = integrity_problem(Path(path))
    if problem is None:
        return KinerjaError(f"SQLite menolak perintah pada ledger {name} ({exc}), tetapi pemeriksaan "
                            "keutuhannya (integrity_check) menyatakan ledger utuh. Ulangi perintahnya; bila "
                            "terulang, jalankan dengan --verbose dan laporkan pesannya kepada pengembang.")
    return LedgerDamaged(
        f"Ledger {path} rusak menurut pemeriksaan SQLite sendiri ({problem}). Jangan menghapus atau "
        f"menimpanya: berkas itu memuat semua persetujuan, penolakan pemeriksa dan riwayatnya, yang tidak "
        f"ada di arsip/. Salin {name} (beserta {name}-wal dan {name}-shm bila ada) ke tempat aman, lalu "
        "pulihkan dari cadangan terakhir; tanpa cadangan, minta pengembang menyelamatkan isinya dari "
        "salinan itu (sqlite3 .recover).")


def integrity_problem(path: Path) -> str | None:
    """What ``PRAGMA integrity_check`` finds wrong with the ledger at ``path`` (None: it is sound,
    or the check could not run for another reason, which is then not damage)."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return f"integrity_check: {exc}"
        return None
    finally:
        conn.close()
    if rows == ["ok"]:
        return None
    return "integrity_check: " + "; ".join(rows[:3]) + (" …" if len(rows) > 3 else "")


def _write_ahead_log(conn: sqlite3.Connection) -> None:
    """Journal in a write-ahead log: with ``synchronous = FULL`` each commit is still durable
    (the log is synced before COMMIT returns, so a power cut loses nothing committed), but it
    costs one sync of an appended log instead of a rollback journal written, synced, and
    deleted — ≈0.2 ms instead of ≈5 ms per commit on the benchmark machine, and ingest commits
    twice per file. The ledger folder must be on a local disk (one office
    PC); a ledger that cannot switch (read-only, or busy) keeps its journal and works as before.
    """
    try:
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
    except sqlite3.OperationalError:
        pass


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic unit of work: committed entirely or not at all.

    Inside another transaction it is a savepoint: undone alone if it fails, and committed
    only with the enclosing transaction (ingest records a whole batch of files in one).
    """
    nested = conn.in_transaction
    conn.execute("SAVEPOINT unit" if nested else "BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO unit" if nested else "ROLLBACK")
        if nested:
            conn.execute("RELEASE unit")
        raise
    conn.execute("RELEASE unit" if nested else "COMMIT")


def add_event(conn: sqlite3.Connection, kind: str, *, unit: str | None = None,
              year: int | None = None, quarter: int | None = None,
              submission_id: int | None = None, at: str | None = None, **detail: Any) -> None:
    conn.execute("INSERT INTO events(at, kind, unit, year, quarter, submission_id, detail) "
                 "VALUES (?,?,?,?,?,?,?)",
                 (at or now_iso(), kind, unit, year, quarter, submission_id,
                  json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)))


# --------------------------------------------------------------------------- submissions


@dataclass
class Submission:
    """One received file and what ingest decided about it."""

    sha256: str
    file_name: str
    size: int
    received_at: str
    outcome: str
    archive_path: str
    reason: str = ""
    file_format: str | None = None
    unit: str | None = None
    year: int | None = None
    quarter: int | None = None
    form_id: str | None = None
    fingerprint: str | None = None
    signer_name: str | None = None
    signer_nip: str | None = None
    signed_on: str | None = None
    duplicate_of: int | None = None
    feedback_path: str | None = None
    received_flag: str | None = None       # RECEIVED_FUTURE / RECEIVED_BEFORE_FORM
    file_time: str | None = None           # the file's own modification time, when clamped
    form_generated_at: str | None = None   # when the form was generated (from its identity sheet)
    inbox_path: str | None = None          # where it lay, relative to inbox/ (sub-folders)
    recheck_of: int | None = None          # same bytes refused earlier for the state at the time
    values: list[dict] = field(default_factory=list)   # indikator, realisasi, pembilang, penyebut, penjelasan, bukti
    budget: list[dict] = field(default_factory=list)   # kegiatan, realisasi_anggaran
    issues: list[dict] = field(default_factory=list)   # code, severity, sheet, cell, message


def record_submission(conn: sqlite3.Connection, sub: Submission) -> int:
    """Record ``sub`` with its values, issues, supersession and event in one transaction."""
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO submissions(sha256, file_name, size, received_at, processed_at, outcome, reason,"
            " file_format, unit, year, quarter, form_id, fingerprint, signer_name, signer_nip, signed_on,"
            " duplicate_of, archive_path, feedback_path, received_flag, file_time, form_generated_at, inbox_path,"
            " recheck_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sub.sha256, sub.file_name, sub.size, sub.received_at, now_iso(), sub.outcome, sub.reason,
             sub.file_format, sub.unit, sub.year, sub.quarter, sub.form_id, sub.fingerprint,
             sub.signer_name, sub.signer_nip, sub.signed_on, sub.duplicate_of, sub.archive_path,
             sub.feedback_path, sub.received_flag, sub.file_time, sub.form_generated_at, sub.inbox_path,
             sub.recheck_of))
        sid = int(cur.lastrowid)
        conn.executemany(
            "INSERT INTO submission_values(submission_id, indikator, realisasi, pembilang, penyebut,"
            " penjelasan, bukti) VALUES (?,?,?,?,?,?,?)",
            [(sid, v["indikator"], v.get("realisasi"), v.get("pembilang"), v.get("penyebut"),
              v.get("penjelasan") or "", v.get("bukti") or "") for v in sub.values])
        conn.executemany(
            "INSERT INTO budget_values(submission_id, kegiatan, realisasi_anggaran) VALUES (?,?,?)",
            [(sid, b["kegiatan"], b.get("realisasi_anggaran")) for b in sub.budget])
        conn.executemany(
            "INSERT INTO issues(submission_id, code, severity, sheet, cell, message) VALUES (?,?,?,?,?,?)",
            [(sid, i["code"], i["severity"], i.get("sheet") or "", i.get("cell") or "", i["message"])
             for i in sub.issues])
        if sub.outcome == "accepted" and sub.unit is not None and sub.year is not None \
                and sub.quarter in (1, 2, 3, 4):
            _record_supersession(conn, sub.unit, sub.year, sub.quarter, sub.received_at)
        add_event(conn, f"ingest:{sub.outcome}", unit=sub.unit, year=sub.year, quarter=sub.quarter,
                  submission_id=sid, at=sub.received_at, file=sub.file_name, sha256=sub.sha256,
                  issues=len(sub.issues))
    return sid


def _record_supersession(conn: sqlite3.Connection, unit: str, year: int, quarter: int, at: str) -> None:
    """Point every older accepted submission of the unit and quarter at the latest one (an event each
    time one changes): the record of :func:`collection_state`'s rule, never read by it."""
    slot = collection_state(conn, year, unit=unit, quarter=quarter).slot(unit, quarter)
    assert slot.latest is not None
    latest = int(slot.latest["id"])
    for row in slot.unused:
        if row["superseded_by"] != latest:
            conn.execute("UPDATE submissions SET superseded_by = ? WHERE id = ?", (latest, row["id"]))
            add_event(conn, "superseded", unit=unit, year=year, quarter=quarter, submission_id=row["id"],
                      at=at, by=latest)


def mark_archived(conn: sqlite3.Connection, submission_ids: int | Iterable[int]) -> None:
    """Record that the originals of these submissions are in ``arsip/`` (one transaction)."""
    ids = [submission_ids] if isinstance(submission_ids, int) else list(submission_ids)
    if not ids:
        return
    with transaction(conn):
        conn.executemany("UPDATE submissions SET archived = 1 WHERE id = ?", [(i,) for i in ids])


def find_by_sha(conn: sqlite3.Connection, sha256: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM submissions WHERE sha256 = ? ORDER BY id", (sha256,)).fetchall()


def unarchived(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Submissions whose outcome is committed but whose original was not yet moved to arsip/."""
    return conn.execute("SELECT * FROM submissions WHERE archived = 0 ORDER BY id").fetchall()


def issues_frame(conn: sqlite3.Connection, year: int | None = None) -> pd.DataFrame:
    """Every recorded issue with its submission's file, unit and period."""
    sql = ("SELECT s.id AS submission_id, s.file_name, s.unit, s.year, s.quarter, s.outcome,"
           " s.received_at, i.code, i.severity, i.sheet, i.cell, i.message, i.source"
           " FROM issues i JOIN submissions s ON s.id = i.submission_id")
    params: list[Any] = []
    if year is not None:
        sql += " WHERE s.year = ? OR s.year IS NULL"
        params.append(year)
    return pd.read_sql_query(sql + " ORDER BY s.id, i.id", conn, params=params)


# --------------------------------------------------------------------------- the collection state


def rank(row: Any) -> tuple[str, int]:
    """Order of the submissions of one unit and quarter: by received time, then by ingest."""
    return (str(row["received_at"] or ""), int(row["id"]))


@dataclass
class Slot:
    """One (unit, year, quarter): what was sent, which submission is in use, its state.

    ``sent``: every submission ingest accepted or refused, oldest first by :func:`rank`;
    ``latest``: the newest accepted one (the one that counts, unless a reviewer rejected it);
    ``current``: the submission in use, or None; ``standing``: the approvals of ``current``
    not withdrawn, by level code; ``state``: one of :data:`STATES`; ``level``: the code of the
    highest standing level (in the rules' order), or None.
    """

    unit: str
    year: int
    quarter: int
    sent: list[sqlite3.Row] = field(default_factory=list)
    latest: sqlite3.Row | None = None
    current: sqlite3.Row | None = None
    review_rejection: sqlite3.Row | None = None
    approvals: list[sqlite3.Row] = field(default_factory=list)   # every row on ``latest``, in order
    standing: dict[str, sqlite3.Row] = field(default_factory=dict)
    state: str = NOT_SENT
    level: str | None = None

    @property
    def shown(self) -> sqlite3.Row | None:
        """The submission whose time and file a reader shows: the one in use, else the newest sent."""
        return self.current if self.current is not None else (self.sent[-1] if self.sent else None)

    @property
    def unused(self) -> list[sqlite3.Row]:
        """Accepted submissions older than the one that counts (kept, never used again)."""
        return [r for r in self.sent if r["outcome"] == "accepted" and r is not self.latest]

    def answered(self, sub: sqlite3.Row) -> bool:
        """Whether a newer submission than ``sub`` was accepted: its feedback needs no sending any more."""
        return any(r["outcome"] == "accepted" and rank(r) > rank(sub) for r in self.sent)

    @property
    def feedback_to_send(self) -> list[str]:
        """Feedback workbooks of this unit and quarter not yet answered by a newer accepted submission."""
        return [r["feedback_path"] for r in self.sent
                if r["feedback_path"] and not r["feedback_path"].startswith(FEEDBACK_DONE) and not self.answered(r)]


@dataclass
class CollectionState:
    """Every (unit, quarter) of a year that anything was sent for, as :func:`collection_state` finds it."""

    year: int
    levels: tuple[str, ...]
    slots: dict[tuple[str, int], Slot]

    def slot(self, unit: str, quarter: int) -> Slot:
        """The slot of ``unit`` and ``quarter`` (an empty ``belum_mengirim`` one when nothing was sent)."""
        return self.slots.get((unit, quarter)) or Slot(unit, self.year, quarter)

    def current(self, *, upto: int = 4, only_approved: bool = False) -> list[sqlite3.Row]:
        """The submissions in use for quarters ≤ ``upto`` (``only_approved``: approved at the top
        level), by unit and quarter."""
        top = self.levels[-1] if self.levels else None
        return [s.current for key, s in sorted(self.slots.items())
                if s.current is not None and s.quarter <= upto
                and (not only_approved or (top is not None and top in s.standing))]

    def current_ids(self, *, upto: int = 4, only_approved: bool = False) -> set[int]:
        return {int(r["id"]) for r in self.current(upto=upto, only_approved=only_approved)}


def collection_state(conn: sqlite3.Connection, year: int, *, levels: Sequence[str] = (),
                     unit: str | None = None, quarter: int | None = None) -> CollectionState:
    """The state of every unit and quarter of ``year`` (or of one ``unit`` / ``quarter``).

    ``levels``: the approval level codes from the rules, bottom up (for :attr:`Slot.level` and
    ``only_approved``). This is the one place that decides which submission counts.
    """
    where, params = "year = ? AND quarter BETWEEN 1 AND 4", [year]
    if unit is not None:
        where, params = where + " AND unit = ?", params + [unit]
    if quarter is not None:
        where, params = where + " AND quarter = ?", params + [quarter]
    rows = conn.execute(f"SELECT * FROM submissions WHERE {where} AND unit IS NOT NULL"
                        " AND outcome IN ('accepted','rejected')", params).fetchall()
    acts: dict[int, list[sqlite3.Row]] = {}
    for a in conn.execute(f"SELECT * FROM approvals WHERE {where} ORDER BY id", params):
        acts.setdefault(int(a["submission_id"]), []).append(a)
    slots: dict[tuple[str, int], Slot] = {}
    for row in sorted(rows, key=rank):
        key = (row["unit"], int(row["quarter"]))
        slots.setdefault(key, Slot(key[0], year, key[1])).sent.append(row)
    order = {code: n for n, code in enumerate(levels)}
    for slot in slots.values():
        _settle(slot, acts, order)
    return CollectionState(year, tuple(levels), slots)


def _settle(slot: Slot, acts: dict[int, list[sqlite3.Row]], order: dict[str, int]) -> None:
    """Decide ``slot``'s submission in use, approvals and state from what was sent (§ the rule)."""
    accepted = [r for r in slot.sent if r["outcome"] == "accepted"]
    slot.latest = accepted[-1] if accepted else None
    if slot.latest is not None:
        slot.approvals = acts.get(int(slot.latest["id"]), [])
        slot.review_rejection = next((a for a in reversed(slot.approvals) if a["action"] == "reject"), None)
        if slot.review_rejection is None:
            slot.current = slot.latest
            slot.standing = _standing(slot.approvals)
    if slot.current is not None:
        slot.state = APPROVED if slot.standing else ACCEPTED
        known = [lv for lv in slot.standing if lv in order]
        slot.level = max(known, key=order.__getitem__) if known else None
    elif slot.sent:
        slot.state = REJECTED if slot.sent[-1] is slot.latest else INVALID


def _standing(rows: Iterable[sqlite3.Row]) -> dict[str, sqlite3.Row]:
    """The latest action per level, kept when it is an approve."""
    latest: dict[str, sqlite3.Row] = {}
    for row in rows:
        latest[row["level"]] = row
    return {level: row for level, row in latest.items() if row["action"] == "approve"}


def current_submission(conn: sqlite3.Connection, unit: str | None, year: int | None,
                       quarter: int | None) -> sqlite3.Row | None:
    """The submission in use for a unit and quarter (None: nothing accepted, or rejected by a reviewer)."""
    if unit is None or year is None or quarter is None:
        return None
    return collection_state(conn, year, unit=unit, quarter=quarter).slot(unit, quarter).current


def current_submissions(conn: sqlite3.Connection, year: int) -> list[sqlite3.Row]:
    """Every submission in use in ``year`` (at most one per unit and quarter), by unit and quarter."""
    return collection_state(conn, year).current()


def standing_approvals(conn: sqlite3.Connection, submission_id: int) -> list[sqlite3.Row]:
    """Approval rows of a submission that have not been withdrawn (latest action per level)."""
    return list(_standing(submission_approvals(conn, submission_id)).values())


def answered_feedback(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Submissions whose feedback workbook is still in ``umpan_balik/`` although a newer submission
    of the same unit and quarter was accepted (to be moved to :data:`FEEDBACK_DONE`)."""
    rows = conn.execute("SELECT * FROM submissions WHERE feedback_path IS NOT NULL AND feedback_path NOT LIKE ?"
                        " AND unit IS NOT NULL AND quarter BETWEEN 1 AND 4 ORDER BY id",
                        (FEEDBACK_DONE + "%",)).fetchall()
    states: dict[int, CollectionState] = {}
    out = []
    for row in rows:
        state = states.get(row["year"]) or states.setdefault(row["year"], collection_state(conn, row["year"]))
        if state.slot(row["unit"], row["quarter"]).answered(row):
            out.append(row)
    return out


def move_feedback(conn: sqlite3.Connection, submission_id: int, path: str) -> None:
    """Record where a submission's feedback workbook now lies."""
    with transaction(conn):
        conn.execute("UPDATE submissions SET feedback_path = ? WHERE id = ?", (path, submission_id))
        add_event(conn, "feedback:selesai", submission_id=submission_id, path=path)


def latest_quarter(conn: sqlite3.Connection, year: int) -> int:
    """The latest quarter of ``year`` with any accepted submission (1 when there is none)."""
    row = conn.execute("SELECT MAX(quarter) FROM submissions WHERE year = ? AND outcome = 'accepted'"
                       " AND quarter BETWEEN 1 AND 4", (year,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 1


def years_with_data(conn: sqlite3.Connection, before: int) -> list[int]:
    """The years before ``before`` with any submission in use, in order."""
    years = [int(r[0]) for r in conn.execute(
        "SELECT DISTINCT year FROM submissions WHERE outcome = 'accepted' AND year < ?"
        " AND year IS NOT NULL ORDER BY year", (before,))]
    return [y for y in years if collection_state(conn, y).current()]


# --------------------------------------------------------------------------- rows of submissions


def _rows_of(conn: sqlite3.Connection, year: int, select: str, table: str, order: str,
             numbers: tuple[str, ...], submission_ids: Iterable[int] | None) -> pd.DataFrame:
    """Rows of ``table`` (aliased ``t``) of the given submissions (None: those in use in ``year``)."""
    ids = sorted(collection_state(conn, year).current_ids() if submission_ids is None
                 else {int(i) for i in submission_ids})
    frame = pd.read_sql_query(f"SELECT {select} FROM {table} t JOIN submissions s ON s.id = t.submission_id"
                              f" WHERE s.id IN (SELECT value FROM json_each(?)) ORDER BY {order}", conn,
                              params=[json.dumps(ids)])
    for col in numbers:
        frame[col] = frame[col].astype("float64")
    return frame


def values_frame(conn: sqlite3.Connection, year: int,
                 submission_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Values of the submissions in use in ``year`` (or of the given submissions).

    Columns: unit, quarter, indikator, realisasi, pembilang, penyebut, penjelasan, bukti,
    submission_id, received_at.
    """
    return _rows_of(conn, year, "s.unit, s.quarter, t.indikator, t.realisasi, t.pembilang, t.penyebut,"
                    " t.penjelasan, t.bukti, s.id AS submission_id, s.received_at", "submission_values",
                    "s.unit, s.quarter, t.indikator", ("realisasi", "pembilang", "penyebut"), submission_ids)


def budget_frame(conn: sqlite3.Connection, year: int,
                 submission_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Budget realisation of the submissions in use: unit, quarter, kegiatan, realisasi_anggaran."""
    return _rows_of(conn, year, "s.unit, s.quarter, t.kegiatan, t.realisasi_anggaran,"
                    " s.id AS submission_id", "budget_values", "s.unit, s.quarter, t.kegiatan",
                    ("realisasi_anggaran",), submission_ids)


def previous_values(conn: sqlite3.Connection, unit: str, year: int, quarter: int) -> dict[str, float]:
    """The unit's realisasi in use of the latest earlier quarter of the year, per indicator."""
    ids = [int(r["id"]) for r in collection_state(conn, year, unit=unit).current(upto=quarter - 1)]
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT v.indikator, v.realisasi FROM submission_values v JOIN submissions s ON s.id = v.submission_id"
        " WHERE s.id IN (SELECT value FROM json_each(?)) AND v.realisasi IS NOT NULL ORDER BY s.quarter",
        (json.dumps(ids),)).fetchall()
    return {r["indikator"]: r["realisasi"] for r in rows}


def submission(conn: sqlite3.Connection, submission_id: int) -> sqlite3.Row | None:
    """The ``submissions`` row of one submission (None: no such id)."""
    return conn.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()


def submission_values(conn: sqlite3.Connection, submission_id: int) -> list[sqlite3.Row]:
    """The value rows one submission recorded (one per indicator, by indicator code)."""
    return conn.execute("SELECT * FROM submission_values WHERE submission_id = ? ORDER BY indikator",
                        (submission_id,)).fetchall()


def submission_budget(conn: sqlite3.Connection, submission_id: int) -> list[sqlite3.Row]:
    """The budget rows one submission recorded, in the order it recorded them (the form's order)."""
    return conn.execute("SELECT * FROM budget_values WHERE submission_id = ? ORDER BY rowid",
                        (submission_id,)).fetchall()


def submission_approvals(conn: sqlite3.Connection, submission_id: int) -> list[sqlite3.Row]:
    """Every approve / unapprove / reject row of one submission, oldest first."""
    return conn.execute("SELECT * FROM approvals WHERE submission_id = ? ORDER BY id",
                        (submission_id,)).fetchall()


def submission_inputs(conn: sqlite3.Connection, submission_id: int) -> tuple[dict[str, sqlite3.Row],
                                                                                dict[str, float | None]]:
    """What one submission recorded: its values by indicator and its budget realisation by kegiatan."""
    values = {r["indikator"]: r for r in submission_values(conn, submission_id)}
    budget = {r["kegiatan"]: r["realisasi_anggaran"] for r in submission_budget(conn, submission_id)}
    return values, budget


def submission_issues(conn: sqlite3.Connection, submission_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM issues WHERE submission_id = ? ORDER BY id", (submission_id,)).fetchall()


def record_action(conn: sqlite3.Connection, submission: sqlite3.Row, action: str, level: str, by: str,
                  nip: str, at: str, note: str, *, issue: dict | None = None,
                  feedback_path: str | None = None) -> int:
    """Record an approve / unapprove / reject on ``submission``: the approval row, for a reject
    its issue and feedback workbook, and the event (inside the caller's transaction). Returns
    the new approval row's id."""
    sid, unit, year, quarter = int(submission["id"]), submission["unit"], submission["year"], submission["quarter"]
    cursor = conn.execute("INSERT INTO approvals(submission_id, unit, year, quarter, level, action, by_name, nip,"
                          " at, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
                          (sid, unit, year, quarter, level, action, by, nip, at, note))
    detail: dict[str, Any] = {"level": level, "by": by, "nip": nip, "note": note}
    if issue is not None:
        conn.execute("INSERT INTO issues(submission_id, code, severity, sheet, cell, message, source)"
                     " VALUES (?,?,?,?,?,?,?)", (sid, issue["code"], issue["severity"], issue.get("sheet") or "",
                                                 issue.get("cell") or "", issue["message"], "pemeriksa"))
    if action == "reject":
        detail["feedback"] = feedback_path
        if feedback_path is not None:
            conn.execute("UPDATE submissions SET feedback_path = ? WHERE id = ?", (feedback_path, sid))
    add_event(conn, f"workflow:{action}", unit=unit, year=year, quarter=quarter, submission_id=sid,
              at=at, **detail)
    return int(cursor.lastrowid)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- carried submissions
# (what a package from a scoped workspace brought: see kiriman.py)


def record_origin(conn: sqlite3.Connection, submission_id: int, node: str, original_name: str,
                  original_sha256: str) -> None:
    """Record that ``submission_id`` came in a package of ``node``, from the unit's file
    ``original_name`` (its bytes' ``original_sha256``)."""
    conn.execute("INSERT INTO carried(submission_id, node, original_name, original_sha256) VALUES (?,?,?,?)",
                 (submission_id, node, original_name, original_sha256))


def record_carried_approval(conn: sqlite3.Connection, approval_id: int, made_in: str) -> None:
    """Record that an approval row was carried in a package, made in workspace ``made_in``."""
    conn.execute("INSERT INTO carried_approvals(approval_id, made_in) VALUES (?,?)", (approval_id, made_in))


def carried_origin(conn: sqlite3.Connection, submission_id: int) -> sqlite3.Row | None:
    """Where a carried submission came from (``node``, ``original_name``, ``original_sha256``);
    None for one sent straight here."""
    return conn.execute("SELECT * FROM carried WHERE submission_id = ?", (submission_id,)).fetchone()


def carried_nodes(conn: sqlite3.Connection) -> dict[int, str]:
    """Node of the package that carried each carried submission, by submission id."""
    return {r["submission_id"]: r["node"] for r in conn.execute("SELECT submission_id, node FROM carried")}


def any_carried(conn: sqlite3.Connection) -> bool:
    """Whether any package ever brought a submission here."""
    return conn.execute("SELECT 1 FROM carried LIMIT 1").fetchone() is not None


def carried_approval_places(conn: sqlite3.Connection, submission_id: int) -> dict[int, str]:
    """Of a submission's approval rows, those carried in a package: the workspace each was made
    in, by approval id."""
    return {r["approval_id"]: r["made_in"] for r in conn.execute(
        "SELECT c.approval_id, c.made_in FROM carried_approvals c JOIN approvals a ON a.id = c.approval_id"
        " WHERE a.submission_id = ?", (submission_id,))}


def local_standing(conn: sqlite3.Connection, standing: Iterable[sqlite3.Row]) -> list[sqlite3.Row]:
    """Of a submission's standing approvals, those made in this workspace (not carried up in a
    package): what locks its data here."""
    rows = list(standing)
    if not rows:
        return []
    ids = [int(r["id"]) for r in rows]
    carried = {r[0] for r in conn.execute(
        f"SELECT approval_id FROM carried_approvals WHERE approval_id IN ({','.join('?' * len(ids))})", ids)}
    return [r for r in rows if int(r["id"]) not in carried]
