"""Crash safety and the one-run lock, with real SIGKILLs at chosen points.

``crash_driver.py`` runs ``kinerja`` in a child process with one function replaced so that its
n-th call SIGKILLs the process group — while reading, validating (also inside the read-ahead
workers), committing, archiving, writing feedback, and while a re-run is resuming. After each
kill the originals are all still in ``inbox/`` or ``arsip/`` and no visible output is half
written; after a re-run the ledger equals an uninterrupted run's (every table, every column but
``submissions.processed_at``), the archive holds every original once, and the feedback is the
same. The same holds for ``rekap`` and ``lkjip``: a kill leaves the previous file or the new
one, never half of one. The counts are printed and written to ``crash_summary.json`` in the
test's temporary folder.
"""
from __future__ import annotations

import collections
import hashlib
import json
import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment

from kinerja_pipeline.cli import main
from kinerja_pipeline.layout import DATA_SHEET
from kinerja_pipeline.workspace import Workspace

from forms_helpers import (BAPAS, LAPAS, YEAR, cell, drop, new_workspace, plan, received_time, returned_form,
                           rules_of)
from hostile.corpus import zip_bomb

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL hanya ada di POSIX")

DRIVER = Path(__file__).parent / "crash_driver.py"
WORKERS = max(min(os.cpu_count() or 1, 3), 2)  # points run side by side
NIP = "197601052000031001"


# --------------------------------------------------------------------------- helpers


def dump_ledger(path: Path) -> dict[str, list[tuple]]:
    """Every table of the ledger, rows sorted, without ``submissions.processed_at``."""
    out = {}
    with closing(sqlite3.connect(path)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                             " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for table in tables:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                    if (table, r[1]) != ("submissions", "processed_at")]
            out[table] = sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
    return out


class Hasher:
    """sha256 of files, counting the bytes it compared."""

    def __init__(self) -> None:
        self.bytes = 0
        self.files = 0
        self._lock = threading.Lock()

    def __call__(self, path: Path) -> str:
        data = path.read_bytes()
        with self._lock:
            self.bytes += len(data)
            self.files += 1
        return hashlib.sha256(data).hexdigest()

    def folder(self, folder: Path) -> collections.Counter:
        return collections.Counter(self(p) for p in folder.rglob("*")
                                   if p.is_file() and not p.name.startswith(".tmp-"))


def copy_of(template: Path, target: Path) -> Workspace:
    shutil.copytree(template, target, copy_function=shutil.copy2)  # keeps the received times
    return Workspace(target)


class Driver:
    """One ``crash_driver.py --serve`` process: runs ``kinerja`` commands in forked children."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen([sys.executable, str(DRIVER), "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, start_new_session=True)

    def run(self, target: str, nth: int, when: str, args: list[str], workers: str | None) -> int:
        env = {"KINERJA_WORKERS": workers} if workers is not None else {}
        request = {"target": target, "nth": nth, "when": when, "args": args, "env": env, "log": str(self.log)}
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"crash driver died; see {self.log}"
        return json.loads(line)["rc"]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def drivers(tmp_path_factory):
    pool: queue.Queue = queue.Queue()
    made = []
    for i in range(WORKERS):
        made.append(Driver(tmp_path_factory.mktemp("driver") / f"driver{i}.log"))
        pool.put(made[-1])
    yield pool
    for d in made:
        d.close()


def kinerja_killed(drivers: queue.Queue, ws: Workspace, target: str, nth: int, when: str, *args: str,
                   workers: str | None = "0") -> int:
    """Run ``kinerja -w WS ARGS`` under the crash driver; its return code (-9: killed)."""
    driver = drivers.get()
    try:
        rc = driver.run(target, nth, when, ["-w", str(ws.root), *args], workers)
    finally:
        drivers.put(driver)
    if rc not in (0, -signal.SIGKILL):
        raise AssertionError(f"{target}#{nth}: exit {rc}: {driver.log.read_text()[-2000:]}")
    return rc


_RERUN = threading.Lock()  # CliRunner swaps sys.stdout: one in-process run at a time


def kinerja_here(ws: Workspace, *args: str) -> str:
    with _RERUN:
        result = CliRunner().invoke(main, ["-w", str(ws.root), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


# --------------------------------------------------------------------------- the inbox


def build_inbox(root: Path) -> tuple[Workspace, list[Path]]:
    """22 returns: accepted, superseding, rejected with feedback, identity errors, duplicates,
    unrecognised (a foreign workbook, random bytes, a zip bomb), and one of another quarter."""
    ws = new_workspace(root / "ws")
    rules = rules_of(ws)
    src = root / "src"
    units = [u.kode for u in rules.reporting_units]
    sent: list[Path] = []
    day = 0

    def put(path: Path, name: str | None = None, quarter: int = 1) -> None:
        nonlocal day
        day += 1
        sent.append(drop(ws, path, name, quarter=quarter, when=received_time(quarter, day % 28 + 1)))

    for i, unit in enumerate(units[:12]):
        put(returned_form(rules, src / f"{unit.lower()}.xlsx", unit, seed=i + 1))
    p = plan(rules)
    pb = plan(rules, BAPAS)
    b_row = pb.rows[0]
    b_cell = cell(pb, b_row.indicator.kode, "pembilang" if b_row.indicator.is_ratio else "realisasi")
    put(returned_form(rules, src / "perbaikan.xlsx", LAPAS, overrides={cell(p, "IK03", "realisasi"): 30}))
    put(returned_form(rules, src / "salah_bapas.xlsx", BAPAS, overrides={b_cell: "banyak"}))         # rejected
    for name, unit, value in (("kosong", units[2], None), ("galat", units[3], "#DIV/0!")):           # rejected
        pu = plan(rules, unit)
        plain = next(r.indicator.kode for r in pu.rows if not r.indicator.is_ratio)
        filled = returned_form(rules, src / f"{name}.xlsx", unit, overrides={cell(pu, plain, "realisasi"): value})
        if name == "galat":  # a note of the unit's own: not a plain workbook, so openpyxl writes its feedback
            wb = openpyxl.load_workbook(filled)
            wb[DATA_SHEET]["D3"].comment = Comment("Sudah dicek kepala seksi.", "Operator unit")
            wb.save(filled)
        put(filled)
    put(src / f"{units[1].lower()}.xlsx", "kirim ulang.xlsx")                                         # duplicate
    put(src / f"{units[4].lower()}.xlsx", "salinan (2).xlsx")                                         # duplicate
    other = openpyxl.Workbook()
    other.active["A1"] = "Daftar hadir"
    other.save(src / "absensi.xlsx")
    put(src / "absensi.xlsx")                                                                         # unrecognised
    (src / "foto.xlsx").write_bytes(random.Random(3).randbytes(5000))
    put(src / "foto.xlsx")                                                                            # unrecognised
    put(zip_bomb(src / "bom.xlsx", megabytes=120), "lampiran.xlsx")                                   # unrecognised
    put(returned_form(rules, src / "tw2.xlsx", LAPAS, 2), quarter=2)
    return ws, sent


@dataclass
class Point:
    id: str
    target: str
    nth: int
    when: str = "before"
    stage: str = ""
    workers: str = "0"
    then: tuple[str, int, str] | None = None   # a second kill, during the re-run (e.g. while resuming)


POINTS = [
    Point("hash-3", "kinerja_pipeline.ingest:_sha256", 3, stage="reading"),
    Point("open-1", "kinerja_pipeline.reading:open_workbook", 1, stage="reading"),
    Point("open-9-after", "kinerja_pipeline.reading:open_workbook", 9, "after", stage="reading"),
    Point("bounds-5", "kinerja_pipeline.bounds:check_xlsx", 5, stage="reading"),
    Point("identify-12", "kinerja_pipeline.ingest:_identify", 12, stage="reading"),
    Point("worker-open-4", "kinerja_pipeline.reading:open_workbook", 4, stage="reading (worker)", workers="2"),
    Point("validate", "kinerja_pipeline.validate:validate_batch", 1, stage="validating"),
    Point("validate-after", "kinerja_pipeline.validate:validate_batch", 1, "after", stage="validating"),
    Point("worker-validate-after", "kinerja_pipeline.validate:validate_batch", 1, "after",
          stage="validating (worker)", workers="2"),
    Point("commit-1", "kinerja_pipeline.ledger:record_submission", 1, stage="committing"),
    Point("commit-1-after", "kinerja_pipeline.ledger:record_submission", 1, "after", stage="committing"),
    Point("commit-9-after", "kinerja_pipeline.ledger:record_submission", 9, "after", stage="committing"),
    Point("in-transaction-3", "kinerja_pipeline.ledger:add_event", 3, stage="committing"),
    Point("in-transaction-14", "kinerja_pipeline.ledger:add_event", 14, stage="committing"),
    Point("move-2", "kinerja_pipeline.workspace:move_no_overwrite", 2, stage="archiving"),
    Point("move-11-after", "kinerja_pipeline.workspace:move_no_overwrite", 11, "after", stage="archiving"),
    Point("half-moved-4", "os:link", 4, "after", stage="archiving"),
    Point("mark-1", "kinerja_pipeline.ledger:mark_archived", 1, stage="archiving"),
    Point("mark-1-after", "kinerja_pipeline.ledger:mark_archived", 1, "after", stage="archiving (last)"),
    Point("feedback-1", "kinerja_pipeline.feedback:write_feedback", 1, stage="feedback"),
    Point("feedback-2-after", "kinerja_pipeline.feedback:write_feedback", 2, "after", stage="feedback"),
    Point("feedback-half-written", "zipfile:ZipFile.writestr", 3, stage="feedback"),
    Point("feedback-half-written-openpyxl", "openpyxl.writer.excel:ExcelWriter.write_worksheet", 2,
          stage="feedback"),
    Point("feedback-fsync", "os:fsync", 1, stage="feedback"),
    Point("feedback-replaced", "os:replace", 2, "after", stage="feedback"),
    Point("worker-feedback-after", "kinerja_pipeline.feedback:write_feedback", 1, "after",
          stage="feedback (worker)", workers="2"),
    Point("resume-crash", "kinerja_pipeline.workspace:move_no_overwrite", 5, "after", stage="resuming",
          then=("kinerja_pipeline.workspace:move_no_overwrite", 1, "before")),
    Point("resume-mark-crash", "kinerja_pipeline.ledger:mark_archived", 1, "before", stage="resuming",
          then=("kinerja_pipeline.ledger:mark_archived", 3, "before")),
]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash-inbox")
    ws, sent = build_inbox(root)
    hasher = Hasher()
    originals = collections.Counter(hasher(p) for p in sent)
    reference = copy_of(ws.root, root / "reference")
    kinerja_here(reference, "ingest")
    return ws.root, originals, reference, sum(p.stat().st_size for p in sent), len(sent)


@dataclass
class Outcome:
    point: Point
    killed: list[bool] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _after_kill(ws: Workspace, originals: collections.Counter, hasher: Hasher, out: Outcome) -> None:
    """What a kill may leave: originals in inbox/ or arsip/ (maybe both), no visible half file."""
    present = hasher.folder(ws.inbox) + hasher.folder(ws.archive)
    if not all(present[sha] >= n for sha, n in originals.items()):
        out.problems.append("an original is in neither inbox/ nor arsip/")
    if set(hasher.folder(ws.archive)) - set(originals):
        out.problems.append("arsip/ holds a file that is no original (half copied?)")
    for path in ws.feedback.glob("*.xlsx") if ws.feedback.is_dir() else []:
        if not path.name.startswith(".tmp-"):
            try:  # a half-written zip has no central directory, or a member fails its CRC
                with zipfile.ZipFile(path) as zf:
                    bad = zf.testzip()
            except (zipfile.BadZipFile, OSError) as exc:
                bad = str(exc)
            if bad is not None:
                out.problems.append(f"feedback {path.name} half written ({bad})")
    if ws.ledger.exists():
        with closing(sqlite3.connect(ws.ledger)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                out.problems.append("ledger corrupt")


def _run_point(point: Point, template: Path, root: Path, originals: collections.Counter, drivers: queue.Queue,
               hasher: Hasher, expected: dict) -> Outcome:
    out = Outcome(point)
    started = time.perf_counter()
    ws = copy_of(template, root / point.id)
    for target, nth, when in [(point.target, point.nth, point.when)] + ([point.then] if point.then else []):
        rc = kinerja_killed(drivers, ws, target, nth, when, "ingest", workers=point.workers)
        out.killed.append(rc == -signal.SIGKILL)
        _after_kill(ws, originals, hasher, out)
    # the re-run, to completion (and past the dead run's lock), in a driver's child as well
    if kinerja_killed(drivers, ws, "-", 0, "before", "ingest", workers=None) != 0:
        out.problems.append("the re-run failed")
    if dump_ledger(ws.ledger) != expected["ledger"]:
        out.problems.append("ledger differs from the uninterrupted run's")
    if list(ws.inbox.iterdir()):
        out.problems.append(f"inbox/ not empty: {[p.name for p in ws.inbox.iterdir()]}")
    if hasher.folder(ws.archive) != originals:
        out.problems.append("arsip/ is not exactly the originals")
    if sorted(p.relative_to(ws.root).as_posix() for p in ws.archive.rglob("*")) != expected["arsip"]:
        out.problems.append("arsip/ paths differ")
    if list(ws.root.rglob(".tmp-*")):
        out.problems.append(f"temporary files left: {list(ws.root.rglob('.tmp-*'))}")
    if sorted(p.name for p in ws.feedback.iterdir()) != expected["feedback"]:
        out.problems.append("feedback files differ")
    for path in ws.feedback.iterdir():
        wb = openpyxl.load_workbook(path, read_only=True)
        if wb.sheetnames != expected["sheets"][path.name]:
            out.problems.append(f"feedback {path.name} has sheets {wb.sheetnames}")
        wb.close()
    out.seconds = time.perf_counter() - started
    shutil.rmtree(ws.root, ignore_errors=True)
    return out


def test_sigkill_anywhere_in_ingest_then_a_rerun_gives_the_same_ledger_and_loses_nothing(
        inbox, drivers, tmp_path, tmp_path_factory) -> None:
    template, originals, reference, sent_bytes, n_files = inbox
    assert n_files >= 20
    hasher = Hasher()
    expected = {
        "ledger": dump_ledger(reference.ledger),
        "arsip": sorted(p.relative_to(reference.root).as_posix() for p in reference.archive.rglob("*")),
        "feedback": sorted(p.name for p in reference.feedback.iterdir()),
        "sheets": {p.name: openpyxl.load_workbook(p, read_only=True).sheetnames for p in reference.feedback.iterdir()},
    }
    with closing(sqlite3.connect(reference.ledger)) as conn:
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM submissions GROUP BY outcome").fetchall())
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda pt: _run_point(pt, template, tmp_path, originals, drivers, hasher,
                                                      expected), POINTS))
    kills = sum(sum(o.killed) for o in results)
    summary = {
        "points_tried": len(POINTS), "kills": kills,
        "points_killed": sum(all(o.killed) for o in results),
        "files_per_run": n_files, "bytes_per_inbox": sent_bytes,
        "bytes_compared": hasher.bytes, "files_compared": hasher.files,
        "reference_outcomes": outcomes,
        "stages": dict(collections.Counter(o.point.stage.split(" (")[0] for o in results)),
        "points": {o.point.id: {"stage": o.point.stage, "killed": o.killed, "seconds": round(o.seconds, 2),
                                "problems": o.problems} for o in results},
    }
    path = tmp_path_factory.getbasetemp() / "crash_summary.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    line = (f"ingest crash harness: {summary['points_killed']}/{len(POINTS)} points killed ({kills} SIGKILLs), "
            f"{n_files} files ({sent_bytes:,} bytes) per run, {hasher.files:,} files / {hasher.bytes:,} bytes "
            f"compared; summary: {path}")
    print(line)
    failing = {o.point.id: o.problems for o in results if o.problems}
    not_killed = [o.point.id for o in results if not all(o.killed)]
    assert not failing, f"{line}\n{json.dumps(failing, indent=2)}"
    assert summary["points_killed"] >= 20 and not not_killed, f"{line}; never reached: {not_killed}"


# --------------------------------------------------------------------------- rekap and lkjip


def _snapshot(ws: Workspace) -> dict[str, bytes]:
    """The outputs, byte for byte (rekap and LKjIP files are reproducible: no wall-clock time)."""
    return {p.name: p.read_bytes() for p in sorted(ws.outputs.iterdir()) if not p.name.startswith(".tmp-")}


OUTPUT_POINTS = [  # (command, target, nth, when)
    ("rekap", "os:replace", 1, "before"),
    ("rekap", "os:replace", 1, "after"),
    ("rekap", "os:replace", 2, "before"),
    ("rekap", "os:fsync", 1, "before"),
    ("rekap", "zipfile:ZipFile.write", 4, "before"),
    ("rekap", "kinerja_pipeline.rekap:write_csv", 1, "before"),
    ("lkjip", "os:replace", 1, "before"),
    ("lkjip", "os:replace", 1, "after"),
    ("lkjip", "os:replace", 2, "before"),
    ("lkjip", "zipfile:ZipFile.write", 3, "before"),
]


def test_sigkill_while_writing_rekap_or_lkjip_leaves_the_old_file_or_the_new_one(inbox, drivers, tmp_path) -> None:
    template = inbox[2].root  # the reference workspace: ingested
    ws = copy_of(template, tmp_path / "ws")
    args = {"rekap": ("rekap", "-y", str(YEAR), "-q", "1"), "lkjip": ("lkjip", "-y", str(YEAR))}
    for command in args:
        kinerja_here(ws, *args[command])
    old = _snapshot(ws)
    for level in ("verifikasi", "validasi", "pengesahan"):  # new data for the next outputs: approvals
        kinerja_here(ws, "approve", "-u", LAPAS, "-y", str(YEAR), "-q", "1", "-l", level, "--by", "Budi",
                     "--nip", NIP)
    kinerja_here(ws, "reject", "-u", BAPAS, "-y", str(YEAR), "-q", "1", "-l", "verifikasi", "--by", "Budi",
                 "--nip", NIP, "--reason", "angka tidak sesuai bukti")
    fresh = copy_of(ws.root, tmp_path / "fresh")
    for command in args:
        kinerja_here(fresh, *args[command])
    new = _snapshot(fresh)
    assert old.keys() == new.keys() and all(old[k] != new[k] for k in ("rekap_2026_TW1.csv", "lkjip_2026.html"))
    counts = {"killed": 0, "compared": 0}

    def trial(point: tuple[str, str, int, str]) -> list[str]:
        command, target, nth, when = point
        found = []
        ws_t = copy_of(ws.root, tmp_path / f"{command}-{target.replace(':', '-')}-{nth}-{when}")
        rc = kinerja_killed(drivers, ws_t, target, nth, when, *args[command], workers=None)
        counts["killed"] += rc == -signal.SIGKILL
        for name, value in _snapshot(ws_t).items():
            counts["compared"] += 1
            if value != old[name] and value != new[name]:
                found.append(f"{command} killed at {target}#{nth} {when}: {name} is neither old nor new")
        if kinerja_killed(drivers, ws_t, "-", 0, "before", *args[command], workers=None) != 0:  # sweeps, too
            found.append(f"{command} after {target}#{nth} {when}: the re-run failed")
        mine = {k: v for k, v in _snapshot(ws_t).items() if k.startswith(command)}
        if mine != {k: v for k, v in new.items() if k.startswith(command)} or list(ws_t.outputs.glob(".tmp-*")):
            found.append(f"{command} after {target}#{nth} {when}: re-run did not give the new outputs")
        return found

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        problems = [p for found in pool.map(trial, OUTPUT_POINTS) for p in found]
    killed, compared = counts["killed"], counts["compared"]
    print(f"rekap/lkjip crash points: {len(OUTPUT_POINTS)} tried, {killed} killed, {compared} outputs compared")
    assert not problems, problems
    assert killed == len(OUTPUT_POINTS)


# --------------------------------------------------------------------------- one run per workspace


HOLD = ("import sys, time\n"
        "from kinerja_pipeline.workspace import Workspace, workspace_lock\n"
        "with workspace_lock(Workspace(__import__('pathlib').Path(sys.argv[1]))):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(120)\n")


def test_a_second_writing_command_is_refused_while_one_runs_and_a_dead_one_does_not_block(inbox, tmp_path) -> None:
    ws = copy_of(inbox[2].root, tmp_path / "ws")
    drop(ws, returned_form(rules_of(ws), tmp_path / "baru.xlsx", "RT-BANDUNG", 2), quarter=2)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(ws.root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        chain = ["-u", LAPAS, "-y", str(YEAR), "-q", "1", "-l", "verifikasi", "--by", "Budi", "--nip", NIP]
        writing = {
            "ingest": ["ingest"], "ingest --dry-run": ["ingest", "--dry-run"],
            "forms": ["forms", "-y", str(YEAR), "-q", "3"],
            "approve": ["approve", *chain], "unapprove": ["unapprove", *chain],
            "reject": ["reject", *chain, "--reason", "x"],
            "rekap": ["rekap", "-y", str(YEAR)], "lkjip": ["lkjip", "-y", str(YEAR)],
        }
        before = sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*") if p.name != "kinerja.lock")
        for name, args in writing.items():
            result = CliRunner().invoke(main, ["-w", str(ws.root), *args])
            assert result.exit_code == 1, (name, result.output)
            assert "sedang dipakai oleh perintah kinerja lain" in result.output, (name, result.output)
            assert f"PID {holder.pid}" in result.output and "Tunggu" in result.output
            assert "Traceback" not in result.output
        after = sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*") if p.name != "kinerja.lock")
        assert after == before  # refused before touching anything
        status = CliRunner().invoke(main, ["-w", str(ws.root), "status", "-y", str(YEAR)])
        assert status.exit_code == 0, status.output  # reading is not blocked
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert ws.lock_path.exists()  # the dead run's lock file stays behind, and does not block
    out = kinerja_here(ws, "ingest")
    assert "1 diterima" in out
    for args in (["rekap", "-y", str(YEAR)], ["forms", "-y", str(YEAR), "-q", "3", "-u", LAPAS]):
        kinerja_here(ws, *args)


def test_every_writing_command_takes_the_lock() -> None:
    """cli.py: each command that writes holds ``workspace_lock``; only reading commands do not."""
    import ast
    import inspect

    from kinerja_pipeline import cli

    tree = ast.parse(inspect.getsource(cli))
    takes_lock = set()
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        if any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "workspace_lock" for n in ast.walk(fn)):
            takes_lock.add(fn.name)
        elif any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "_run_chain" for n in ast.walk(fn)):
            takes_lock.add(fn.name)
    writing = {"forms", "ingest", "approve", "reject", "unapprove", "rekap", "lkjip", "_run_chain"}
    assert writing <= takes_lock, writing - takes_lock
    assert not {"status", "check"} & takes_lock
