"""The ledger's one collection-state model: which submission counts, and what state a unit and
quarter is in — the same whatever runs and batches the files came in, and in whatever order."""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinerja_pipeline import ingest as ingest_mod
from kinerja_pipeline import ledger, workers
from kinerja_pipeline.errors import WorkspaceError
from kinerja_pipeline.rekap import write_rekap
from kinerja_pipeline.workflow import status

from forms_helpers import (BAPAS, LAPAS, YEAR, cell, new_workspace, plan, returned_form, rules_of, run, set_mtime,
                           values_for)

# --------------------------------------------------------------------------- the model on recorded rows


def _record(conn: sqlite3.Connection, name: str, received: str, *, outcome: str = "accepted",
            unit: str = LAPAS, quarter: int = 1) -> int:
    sha = hashlib.sha256(name.encode()).hexdigest()
    return ledger.record_submission(conn, ledger.Submission(
        sha256=sha, file_name=name, size=1, received_at=received, outcome=outcome,
        archive_path=f"arsip/{name}", unit=unit, year=YEAR, quarter=quarter,
        values=[{"indikator": "IK01", "realisasi": float(len(name))}] if outcome == "accepted" else []))


def _reject(conn: sqlite3.Connection, sid: int) -> None:
    with ledger.transaction(conn):
        row = conn.execute("SELECT * FROM submissions WHERE id = ?", (sid,)).fetchone()
        ledger.record_action(conn, row, "reject", "verifikasi", "Pemeriksa", "1" * 18, "2026-04-20T10:00:00",
                             "salah")


@pytest.fixture()
def conn(tmp_path):
    with closing(ledger.connect(tmp_path / "kinerja.db")) as c:
        yield c


def test_latest_received_counts_not_latest_ingested(conn):
    new = _record(conn, "v2", "2026-04-08T10:00:00")
    old = _record(conn, "v1", "2026-04-05T10:00:00")  # ingested later, received earlier
    slot = ledger.collection_state(conn, YEAR).slot(LAPAS, 1)
    assert slot.current["id"] == new and [r["id"] for r in slot.unused] == [old]
    assert (slot.state, slot.level) == (ledger.ACCEPTED, None)
    assert ledger.current_submission(conn, LAPAS, YEAR, 1)["id"] == new
    assert ledger.values_frame(conn, YEAR)["submission_id"].tolist() == [new]
    # the record of the rule: the older one points at the newer
    assert conn.execute("SELECT superseded_by FROM submissions WHERE id = ?", (old,)).fetchone()[0] == new


def test_ties_go_to_the_later_ingested(conn):
    _record(conn, "a", "2026-04-08T10:00:00")
    second = _record(conn, "b", "2026-04-08T10:00:00")
    assert ledger.current_submission(conn, LAPAS, YEAR, 1)["id"] == second


def test_review_rejection_applies_to_the_one_in_use_and_older_ones_never_come_back(conn):
    _record(conn, "v1", "2026-04-05T10:00:00")
    v2 = _record(conn, "v2", "2026-04-08T10:00:00")
    _reject(conn, v2)
    slot = ledger.collection_state(conn, YEAR).slot(LAPAS, 1)
    assert slot.current is None and slot.state == ledger.REJECTED
    assert slot.review_rejection["submission_id"] == v2
    assert ledger.values_frame(conn, YEAR).empty
    # an even older file arriving now does not bring data back
    _record(conn, "v0", "2026-04-02T10:00:00")
    assert ledger.collection_state(conn, YEAR).slot(LAPAS, 1).state == ledger.REJECTED
    # a newer one does
    v3 = _record(conn, "v3", "2026-04-12T10:00:00")
    slot = ledger.collection_state(conn, YEAR).slot(LAPAS, 1)
    assert (slot.state, slot.current["id"]) == (ledger.ACCEPTED, v3)


def test_states_and_level_codes(conn):
    _record(conn, "ditolak-ingest", "2026-04-05T10:00:00", outcome="rejected", unit=BAPAS)
    sid = _record(conn, "ok", "2026-04-05T10:00:00")
    with ledger.transaction(conn):
        row = conn.execute("SELECT * FROM submissions WHERE id = ?", (sid,)).fetchone()
        for level in ("verifikasi", "validasi"):
            ledger.record_action(conn, row, "approve", level, "P", "1" * 18, "2026-04-20T10:00:00", "")
        ledger.record_action(conn, row, "unapprove", "validasi", "P", "1" * 18, "2026-04-21T10:00:00", "")
    state = ledger.collection_state(conn, YEAR, levels=["verifikasi", "validasi", "pengesahan"])
    assert (state.slot(LAPAS, 1).state, state.slot(LAPAS, 1).level) == (ledger.APPROVED, "verifikasi")
    assert state.slot(BAPAS, 1).state == ledger.INVALID
    assert state.slot("LP-BANCEUY", 1).state == ledger.NOT_SENT
    assert state.current(only_approved=True) == []  # the top level (pengesahan) does not stand


def test_migration_recomputes_supersession_by_received_time(tmp_path):
    """A ledger made by the previous schema, where order of ingest decided, reads by the rule."""
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for number in range(2):
        raw.executescript(ledger.MIGRATIONS[number])
    raw.execute("PRAGMA user_version = 2")
    for sid, received, sup in ((1, "2026-04-08T10:00:00", 2), (2, "2026-04-05T10:00:00", None)):
        raw.execute("INSERT INTO submissions(id, sha256, file_name, size, received_at, processed_at, outcome,"
                    " unit, year, quarter, archive_path, superseded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (sid, f"s{sid}", f"f{sid}", 1, received, received, "accepted", LAPAS, YEAR, 1, "a", sup))
    raw.commit()
    raw.close()
    with closing(ledger.connect(path)) as c:
        assert ledger.current_submission(c, LAPAS, YEAR, 1)["id"] == 1
        assert [tuple(r) for r in c.execute("SELECT id, superseded_by FROM submissions ORDER BY id")] == [
            (1, None), (2, 1)]


# --------------------------------------------------------------------------- any split into runs and batches

T = dt.datetime


def _files(rules, folder: Path) -> dict[str, tuple[Path, dt.datetime]]:
    """The set of files: corrections, an older file, a refused one, an exact duplicate."""
    p = plan(rules, LAPAS)
    bad = {cell(p, "IK01", "realisasi"): -5}  # below the indicator's minimum: refused
    specs = {
        "lapas_v1.xlsx": (LAPAS, 1, {}, T(2026, 4, 5, 9)),
        "lapas_v2.xlsx": (LAPAS, 2, {}, T(2026, 4, 8, 9)),
        "lapas_salah.xlsx": (LAPAS, 3, bad, T(2026, 4, 10, 9)),
        "bapas_v1.xlsx": (BAPAS, 4, {}, T(2026, 4, 6, 9)),
        "bapas_v2.xlsx": (BAPAS, 5, {}, T(2026, 4, 7, 9)),
    }
    out = {name: (returned_form(rules, folder / name, unit, overrides=over, seed=seed), when)
           for name, (unit, seed, over, when) in specs.items()}
    shutil.copyfile(out["lapas_v1.xlsx"][0], folder / "lapas_v1_lagi.xlsx")
    out["lapas_v1_lagi.xlsx"] = (folder / "lapas_v1_lagi.xlsx", T(2026, 4, 5, 9))
    return out


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pool")
    rules = rules_of(new_workspace(folder / "ws0"))
    return rules, _files(rules, folder)


def _outcome(root: Path, rules, runs: list[list[str]], files) -> tuple:
    ws = new_workspace(root)
    for names in runs:
        for name in names:
            source, when = files[name]
            target = ws.inbox / name
            shutil.copyfile(source, target)
            set_mtime(target, when)
        run(ws, rules)
    with closing(ledger.connect(ws.ledger)) as c:
        current = sorted((r["unit"], r["quarter"], r["sha256"]) for r in ledger.current_submissions(c, YEAR))
    rows = [{k: v for k, v in r.as_json().items() if k not in ("feedback",)}
            for r in status(ws, rules, YEAR, 1, today=dt.date(2026, 12, 1)).rows]
    for row in rows:
        row.pop("submission_id", None)
    csv = write_rekap(ws, rules, YEAR, 1).csv.read_text(encoding="utf-8-sig")
    return current, rows, csv


@pytest.fixture(scope="module")
def baseline(pool, tmp_path_factory):
    rules, files = pool
    return _outcome(tmp_path_factory.mktemp("base") / "ws", rules, [sorted(files)], files)


def test_baseline_is_the_rule(pool, baseline):
    rules, files = pool
    current, rows, csv = baseline
    sha = {n: hashlib.sha256(p.read_bytes()).hexdigest() for n, (p, _) in files.items()}
    assert current == sorted([(BAPAS, 1, sha["bapas_v2.xlsx"]), (LAPAS, 1, sha["lapas_v2.xlsx"])])
    lapas = next(r for r in rows if r["unit"] == LAPAS)
    assert (lapas["state"], lapas["received_at"]) == ("diterima", "2026-04-08T09:00:00")
    # the value the unit typed in v2 is the one the rekap uses
    ik01 = values_for(rules, LAPAS, 1, seed=2)[cell(plan(rules, LAPAS), "IK01", "realisasi")]
    line = next(x for x in csv.splitlines() if x.startswith(f"{LAPAS},IK01,TW1,"))
    assert float(line.split(",")[4]) == ik01


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_split_into_runs_and_batches_gives_the_same_state(pool, baseline, tmp_path_factory, monkeypatch,
                                                               data):
    rules, files = pool
    order = data.draw(st.permutations(sorted(files)), label="order")
    cuts = data.draw(st.lists(st.booleans(), min_size=len(order) - 1, max_size=len(order) - 1), label="cuts")
    runs, here = [], [order[0]]
    for name, cut in zip(order[1:], cuts):
        if cut:
            runs.append(here)
            here = []
        here.append(name)
    runs.append(here)
    monkeypatch.setattr(ingest_mod, "BATCH", data.draw(st.integers(1, 4), label="batch"))
    monkeypatch.setenv(workers.WORKERS_ENV, "0")
    assert _outcome(tmp_path_factory.mktemp("split") / "ws", rules, runs, files) == baseline


# --------------------------------------------------------------------------- the ledger's plumbing


def _sub(n: int, outcome: str = "accepted", unit: str | None = "LP-A", quarter: int | None = 1,
        values: dict[str, float | None] | None = None) -> ledger.Submission:
    return ledger.Submission(
        sha256=f"{n:064x}", file_name=f"f{n}.xlsx", size=100 + n, received_at=f"2026-04-0{n}T09:00:00",
        outcome=outcome, archive_path=f"arsip/2026/TW{quarter}/f{n}.xlsx", unit=unit, year=2026, quarter=quarter,
        values=[{"indikator": k, "realisasi": v} for k, v in (values or {}).items()])


def test_a_new_ledger_has_every_migration_and_a_newer_one_is_refused(tmp_path, conn) -> None:
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(ledger.MIGRATIONS)
    conn.execute(f"PRAGMA user_version = {len(ledger.MIGRATIONS) + 1}")
    with pytest.raises(WorkspaceError, match="versi kinerja-pipeline yang lebih baru"):
        ledger.connect(tmp_path / "kinerja.db")
    (tmp_path / "bukan.db").write_bytes(b"bukan basis data SQLite " * 100)
    with pytest.raises(ledger.LedgerDamaged, match="rusak menurut pemeriksaan SQLite sendiri .*not a database"):
        ledger.connect(tmp_path / "bukan.db")


def test_archiving_marks_and_lookups_by_content(conn) -> None:
    ids = [ledger.record_submission(conn, _sub(n, "unrecognised", unit=None, quarter=None)) for n in (1, 2, 3)]
    assert [r["id"] for r in ledger.unarchived(conn)] == ids
    ledger.mark_archived(conn, ids[:2])
    ledger.mark_archived(conn, [])
    assert [r["id"] for r in ledger.unarchived(conn)] == ids[2:]
    ledger.mark_archived(conn, ids[2])
    assert ledger.unarchived(conn) == []
    assert [r["id"] for r in ledger.find_by_sha(conn, f"{2:064x}")] == [ids[1]]
    assert ledger.find_by_sha(conn, "0" * 64) == []


def test_a_failed_unit_of_work_leaves_nothing_and_a_nested_one_fails_alone(conn) -> None:
    with pytest.raises(ZeroDivisionError):
        with ledger.transaction(conn):
            ledger.record_submission(conn, _sub(1))
            1 / 0
    assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
    with ledger.transaction(conn):
        kept = ledger.record_submission(conn, _sub(2))
        with pytest.raises(sqlite3.IntegrityError):
            with ledger.transaction(conn):
                ledger.record_submission(conn, _sub(3))
                conn.execute("INSERT INTO submission_values(submission_id, indikator) VALUES (?, 'X'), (?, 'X')",
                             (kept, kept))
    assert [r["id"] for r in conn.execute("SELECT id FROM submissions")] == [kept]
    assert not conn.in_transaction


def test_previous_values_are_the_latest_earlier_accepted_quarter(conn) -> None:
    ledger.record_submission(conn, _sub(1, quarter=1, values={"IK01": 5.0, "IK03": 30.0}))
    ledger.record_submission(conn, _sub(2, quarter=2, values={"IK01": 7.0, "IK03": None}))
    ledger.record_submission(conn, _sub(3, "rejected", quarter=2, values={"IK01": 99.0}))
    assert ledger.previous_values(conn, "LP-A", 2026, 1) == {}
    assert ledger.previous_values(conn, "LP-A", 2026, 2) == {"IK01": 5.0, "IK03": 30.0}
    # TW2's IK01 replaces TW1's; its blank IK03 does not, the rejected file counts for nothing
    assert ledger.previous_values(conn, "LP-A", 2026, 3) == {"IK01": 7.0, "IK03": 30.0}
    assert ledger.previous_values(conn, "LP-B", 2026, 3) == {}


# --------------------------------------------------------------------------- one submission's rows, carried ones


def test_one_submissions_rows_in_their_order(conn) -> None:
    sub = _sub(1, values={"IK03": 30.0, "IK01": 5.0})
    sub.budget = [{"kegiatan": "KEG-B", "realisasi_anggaran": 2.0}, {"kegiatan": "KEG-A", "realisasi_anggaran": 1.0}]
    sid = ledger.record_submission(conn, sub)
    other = ledger.record_submission(conn, _sub(2, values={"IK01": 9.0}))
    assert ledger.submission(conn, sid)["file_name"] == "f1.xlsx" and ledger.submission(conn, 999) is None
    assert [(r["indikator"], r["realisasi"]) for r in ledger.submission_values(conn, sid)] == [
        ("IK01", 5.0), ("IK03", 30.0)]                       # by indicator code, this submission's only
    assert [r["kegiatan"] for r in ledger.submission_budget(conn, sid)] == ["KEG-B", "KEG-A"]  # as recorded
    assert ledger.submission_budget(conn, other) == []
    with ledger.transaction(conn):
        row = ledger.submission(conn, sid)
        first = ledger.record_action(conn, row, "approve", "verifikasi", "P", "1" * 18, "2026-04-20T10:00:00", "")
        second = ledger.record_action(conn, row, "unapprove", "verifikasi", "P", "1" * 18, "2026-04-21T10:00:00", "")
    assert second == first + 1
    assert [(r["id"], r["action"]) for r in ledger.submission_approvals(conn, sid)] == [
        (first, "approve"), (second, "unapprove")]
    assert ledger.submission_approvals(conn, other) == [] and ledger.standing_approvals(conn, sid) == []


def test_carried_submissions_and_approvals(conn) -> None:
    straight = ledger.record_submission(conn, _sub(1))
    carried = ledger.record_submission(conn, _sub(2, quarter=2))
    assert not ledger.any_carried(conn) and ledger.carried_nodes(conn) == {}
    with ledger.transaction(conn):
        ledger.record_origin(conn, carried, "KW-JABAR", "asli.xlsx", "ab" * 32)
        row = ledger.submission(conn, carried)
        below = ledger.record_action(conn, row, "approve", "verifikasi", "P", "1" * 18, "2026-04-20T10:00:00", "")
        here = ledger.record_action(conn, row, "approve", "validasi", "Q", "2" * 18, "2026-04-22T10:00:00", "")
        ledger.record_carried_approval(conn, below, "KW-JABAR")
    assert ledger.any_carried(conn) and ledger.carried_nodes(conn) == {carried: "KW-JABAR"}
    origin = ledger.carried_origin(conn, carried)
    assert (origin["node"], origin["original_name"], origin["original_sha256"]) == ("KW-JABAR", "asli.xlsx", "ab" * 32)
    assert ledger.carried_origin(conn, straight) is None
    assert ledger.carried_approval_places(conn, carried) == {below: "KW-JABAR"}
    assert ledger.carried_approval_places(conn, straight) == {}
    # what locks the data here: the approval made here, not the one carried up
    standing = ledger.standing_approvals(conn, carried)
    assert [r["id"] for r in standing] == [below, here]
    assert [r["id"] for r in ledger.local_standing(conn, standing)] == [here]
    assert ledger.local_standing(conn, []) == []
