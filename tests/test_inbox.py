"""The inbox helper of ``kinerja ingest``: the rules it reads are the rules, what it reads early is
what a worker reads, and nothing it read is used for a file that changed since."""
from __future__ import annotations

import os
import threading

import pytest

from kinerja_pipeline import fast, inbox, ingest, workers
from kinerja_pipeline.errors import RulesError
from kinerja_pipeline.layout import DATA_SHEET, META_SHEET, plan_form
from kinerja_pipeline.reading import open_workbook
from kinerja_pipeline.rules_load import load_rules

from forms_helpers import YEAR, drop, new_workspace, returned_form, rules_of

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or threading.active_count() > 1,
                                reason="the helper is forked (Linux), from a process without threads")


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    for n, unit in enumerate(u.kode for u in rules.reporting_units[:4]):
        drop(ws, returned_form(rules, tmp_path / "src" / f"{unit}.xlsx", unit, seed=n))
    (ws.inbox / "acak.xlsx").write_bytes(os.urandom(3000))
    monkeypatch.setenv(workers.WORKERS_ENV, "2")  # workers, so the helper reads early
    monkeypatch.setenv(fast.FAST_ENV, "1")       # the helper is a speed path: on here in either mode
    return ws


def test_the_helper_reads_the_rules_and_then_the_files_as_a_worker_does(ws) -> None:
    rules = inbox.start_ingest(ws, settle_seconds=0)()
    here = load_rules(ws.rules)
    assert rules == here
    unit = here.reporting_units[0].kode
    assert plan_form(rules, unit, YEAR, 1).fingerprint == plan_form(here, unit, YEAR, 1).fingerprint
    early = inbox.take_early(read_all=True)
    files, _ = inbox.scan_inbox(ws, 0)
    assert set(early) == {str(p) for p in files}
    for name, (key, sha, size, raw, unreadable) in early.items():
        path = ws.inbox / os.path.basename(name)
        assert key == inbox.stat_key(path) and size == path.stat().st_size
        if path.name == "acak.xlsx":
            assert raw is None and unreadable[1] == "bukan-spreadsheet"
        else:
            assert unreadable is None
            assert raw.grids == open_workbook(path, (DATA_SHEET, META_SHEET)).grids
    assert inbox.take_early() == {}  # stopped and reaped once


def test_a_file_changed_since_the_helper_read_it_is_read_again(ws) -> None:
    # what the helper reads of a file (read here: whether the helper got to a form before it was
    # stopped is a race the test must not depend on)
    rules = rules_of(ws)
    path = next(p for p in sorted(ws.inbox.iterdir()) if p.name != "acak.xlsx")
    key, sha, size, raw, unreadable = inbox._read_one(path)
    ingest._EARLY.update({str(path): (key, "0" * 64, size, raw, unreadable)})  # marked: used or not?
    try:
        pre, _ = ingest._worker_read(path, rules)
        assert pre.sha256 == "0" * 64  # unchanged file: what the helper read is used
        os.utime(path, ns=(key[1] + 1_000_000_000, key[1] + 1_000_000_000))
        pre, _ = ingest._worker_read(path, rules)
        assert pre.sha256 == sha  # changed (here: its time): read again
    finally:
        ingest._EARLY.clear()


def test_a_mistake_in_the_rules_is_the_same_error_and_no_file_is_read(ws) -> None:
    (ws.rules / "kebijakan.yaml").unlink()
    wait = inbox.start_ingest(ws, settle_seconds=0)
    with pytest.raises(RulesError, match=r"kebijakan\.yaml.*berkas tidak ditemukan"):
        wait()
    assert inbox.take_early() == {}


def test_no_helper_reads_early_without_workers(ws, monkeypatch) -> None:
    monkeypatch.setenv(workers.WORKERS_ENV, "0")
    assert inbox.start_ingest(ws, settle_seconds=0)() == load_rules(ws.rules)
    assert inbox.take_early() == {}


def test_a_run_takes_what_the_helper_has_read_so_far(ws) -> None:
    """The run does not wait for the helper: stopped at once, it has read some first files or none."""
    inbox.start_ingest(ws, settle_seconds=0)()
    early = inbox.take_early()
    files, _ = inbox.scan_inbox(ws, 0)
    assert list(early) == [str(p) for p in files[:len(early)]]


def test_no_helper_reads_early_with_the_speed_path_off(ws, monkeypatch) -> None:
    monkeypatch.setenv(fast.FAST_ENV, "-early")
    assert inbox.start_ingest(ws, settle_seconds=0)() == load_rules(ws.rules)
    assert inbox._READER is None and inbox.take_early() == {}


def test_what_the_helper_wrote_is_taken_frame_by_frame_a_half_written_one_later(tmp_path) -> None:
    import pickle
    import struct
    import tempfile

    def frame(path: str) -> bytes:
        body = pickle.dumps((path, ("key",), "sha", 1, None, None))
        return struct.pack("<I", len(body)) + body

    out = tempfile.TemporaryFile()
    whole, half = frame("a") + frame("b"), frame("c")
    out.write(whole + half[:7])
    out.flush()
    reader = inbox._Reader(os.getpid(), out, -1)
    found: dict = {}
    at = reader._collect(found, 0)
    assert sorted(found) == ["a", "b"] and at == len(whole)
    out.write(half[7:])
    out.flush()
    assert reader._collect(found, at) == len(whole) + len(half)
    assert sorted(found) == ["a", "b", "c"] and found["c"] == (("key",), "sha", 1, None, None)
    out.close()
