"""The ledger (SQLite, ``kinerja.db``): submissions, values, issues, approvals, events.

The schema is created and migrated by :func:`connect` itself (``PRAGMA user_version``).
Rows are never deleted: a newer accepted submission *supersedes* an older one, approvals
are withdrawn by a new ``unapprove`` row, and every state change is an event.

A submission is *current* for its unit and quarter when it was accepted by ingest, is not
superseded, and was not rejected by a reviewer. A reviewer's rejection is an ``approvals``
row with action ``reject``; it is terminal for that submission (the unit sends a corrected
file, which becomes a new submission). :data:`NOT_REVIEW_REJECTED` is that test in SQL, used
by every query below that means "current".
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

from .errors import WorkspaceError

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
]


#: SQL condition on a ``submissions`` row aliased ``s``: no reviewer has rejected it.
NOT_REVIEW_REJECTED = ("NOT EXISTS (SELECT 1 FROM approvals r"
                       " WHERE r.submission_id = s.id AND r.action = 'reject')")
CURRENT = f"s.outcome = 'accepted' AND s.superseded_by IS NULL AND {NOT_REVIEW_REJECTED}"


def now_iso() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or migrate) the ledger at ``path``."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"Ledger {path} tidak dapat dibuka ({exc}).") from None
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        _write_ahead_log(conn)
        conn.execute("PRAGMA synchronous = FULL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise WorkspaceError(f"Berkas ledger {path} rusak atau bukan basis data SQLite ({exc}). "
                             "Pulihkan dari cadangan, atau pindahkan berkas itu lalu jalankan ulang "
                             "'kinerja ingest' atas arsip.") from None
    if version > len(MIGRATIONS):
        conn.close()
        raise WorkspaceError(f"Ledger {path} dibuat oleh versi kinerja-pipeline yang lebih baru "
                             f"(skema {version}); perbarui aplikasi ini.")
    for number in range(version, len(MIGRATIONS)):
        try:  # one script, one transaction: a crash leaves the previous version intact
            conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\n"
                               f"PRAGMA user_version = {number + 1};\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.close()
            raise
    return conn


def _write_ahead_log(conn: sqlite3.Connection) -> None:
    """Journal in a write-ahead log: with ``synchronous = FULL`` each commit is still durable
    (the log is synced before COMMIT returns, so a power cut loses nothing committed), but it
    costs one sync of an appended log instead of a rollback journal written, synced, and
    deleted — ≈0.2 ms instead of ≈5 ms per commit on the benchmark machine, and ingest commits
    twice per file. The ledger folder must be on a local disk (as DESIGN §1 has it: one office
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
    values: list[dict] = field(default_factory=list)   # indikator, realisasi, pembilang, penyebut, penjelasan, bukti
    budget: list[dict] = field(default_factory=list)   # kegiatan, realisasi_anggaran
    issues: list[dict] = field(default_factory=list)   # code, severity, sheet, cell, message


def record_submission(conn: sqlite3.Connection, sub: Submission) -> int:
    """Record ``sub`` with its values, issues, supersession and event in one transaction."""
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO submissions(sha256, file_name, size, received_at, processed_at, outcome, reason,"
            " file_format, unit, year, quarter, form_id, fingerprint, signer_name, signer_nip, signed_on,"
            " duplicate_of, archive_path, feedback_path) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sub.sha256, sub.file_name, sub.size, sub.received_at, now_iso(), sub.outcome, sub.reason,
             sub.file_format, sub.unit, sub.year, sub.quarter, sub.form_id, sub.fingerprint,
             sub.signer_name, sub.signer_nip, sub.signed_on, sub.duplicate_of, sub.archive_path,
             sub.feedback_path))
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
        if sub.outcome == "accepted":  # also links a reviewer-rejected predecessor to its correction
            previous = current_submission(conn, sub.unit, sub.year, sub.quarter, exclude=sid,
                                          include_review_rejected=True)
            if previous is not None:
                conn.execute("UPDATE submissions SET superseded_by = ? WHERE id = ?", (sid, previous["id"]))
                add_event(conn, "superseded", unit=sub.unit, year=sub.year, quarter=sub.quarter,
                          submission_id=previous["id"], at=sub.received_at, by=sid)
        add_event(conn, f"ingest:{sub.outcome}", unit=sub.unit, year=sub.year, quarter=sub.quarter,
                  submission_id=sid, at=sub.received_at, file=sub.file_name, sha256=sub.sha256,
                  issues=len(sub.issues))
    return sid


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


def current_submission(conn: sqlite3.Connection, unit: str | None, year: int | None,
                       quarter: int | None, *, exclude: int | None = None,
                       include_review_rejected: bool = False) -> sqlite3.Row | None:
    """The accepted, not superseded, not reviewer-rejected submission of a unit and quarter.

    ``include_review_rejected`` also returns the latest accepted, not superseded submission
    that a reviewer rejected (used to link it to the correction that supersedes it).
    """
    where = ("s.outcome = 'accepted' AND s.superseded_by IS NULL" if include_review_rejected
             else CURRENT)
    return conn.execute(
        f"SELECT s.* FROM submissions s WHERE {where}"
        " AND s.unit = ? AND s.year = ? AND s.quarter = ? AND s.id != ? ORDER BY s.id DESC LIMIT 1",
        (unit, year, quarter, exclude or -1)).fetchone()


def current_submissions(conn: sqlite3.Connection, year: int) -> list[sqlite3.Row]:
    """Every current submission of ``year`` (at most one per unit and quarter), by unit and quarter."""
    return conn.execute(f"SELECT s.* FROM submissions s WHERE s.year = ? AND {CURRENT}"
                        " ORDER BY s.unit, s.quarter, s.id", (year,)).fetchall()


def standing_approvals(conn: sqlite3.Connection, submission_id: int) -> list[sqlite3.Row]:
    """Approval rows of a submission that have not been withdrawn (latest action per level)."""
    rows = conn.execute("SELECT * FROM approvals WHERE submission_id = ? ORDER BY id",
                        (submission_id,)).fetchall()
    latest: dict[str, sqlite3.Row] = {}
    for row in rows:
        latest[row["level"]] = row
    return [r for r in latest.values() if r["action"] == "approve"]


def _current_rows(conn: sqlite3.Connection, year: int, select: str, table: str, order: str,
                  numbers: tuple[str, ...], submission_ids: Sequence[int] | None) -> pd.DataFrame:
    """Rows of ``table`` (aliased ``t``) belonging to the current accepted submissions of ``year``."""
    sql = (f"SELECT {select} FROM {table} t JOIN submissions s ON s.id = t.submission_id"
           f" WHERE s.year = ? AND {CURRENT}")
    params: list[Any] = [year]
    if submission_ids is not None:
        ids = list(submission_ids) or [-1]
        sql += f" AND s.id IN ({','.join('?' * len(ids))})"
        params += ids
    frame = pd.read_sql_query(f"{sql} ORDER BY {order}", conn, params=params)
    for col in numbers:
        frame[col] = frame[col].astype("float64")
    return frame


def values_frame(conn: sqlite3.Connection, year: int,
                 submission_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Values of the current accepted submissions of ``year`` (or of the given submissions).

    Columns: unit, quarter, indikator, realisasi, pembilang, penyebut, penjelasan, bukti,
    submission_id, received_at.
    """
    return _current_rows(conn, year, "s.unit, s.quarter, t.indikator, t.realisasi, t.pembilang, t.penyebut,"
                         " t.penjelasan, t.bukti, s.id AS submission_id, s.received_at", "submission_values",
                         "s.unit, s.quarter, t.indikator", ("realisasi", "pembilang", "penyebut"), submission_ids)


def budget_frame(conn: sqlite3.Connection, year: int,
                 submission_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Budget realisation of the current accepted submissions: unit, quarter, kegiatan, realisasi_anggaran."""
    return _current_rows(conn, year, "s.unit, s.quarter, t.kegiatan, t.realisasi_anggaran,"
                         " s.id AS submission_id", "budget_values", "s.unit, s.quarter, t.kegiatan",
                         ("realisasi_anggaran",), submission_ids)


def previous_values(conn: sqlite3.Connection, unit: str, year: int, quarter: int) -> dict[str, float]:
    """The unit's accepted realisasi of the latest earlier quarter of the year, per indicator."""
    rows = conn.execute(
        "SELECT v.indikator, v.realisasi, s.quarter FROM submission_values v"
        " JOIN submissions s ON s.id = v.submission_id"
        f" WHERE s.unit = ? AND s.year = ? AND s.quarter < ? AND {CURRENT}"
        " AND v.realisasi IS NOT NULL ORDER BY s.quarter",
        (unit, year, quarter)).fetchall()
    return {r["indikator"]: r["realisasi"] for r in rows}


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
