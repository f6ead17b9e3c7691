"""Ingest with read-ahead workers records exactly what a run without them records.

Large inboxes are read and validated ahead in worker processes (ingest.py, "read-ahead", a
speed path of ``KINERJA_FAST``); the decisions, commits, moves and marks stay in the run, in
arrival order. These tests force the workers on the small crash-test inbox (chunks of three
files) and compare ledgers, archives and feedback with the plain run (``KINERJA_FAST=0``),
also across killed runs.
"""
from __future__ import annotations

import random
import subprocess

import openpyxl
import pytest

from kinerja_pipeline import ingest as ingest_mod
from kinerja_pipeline import fast, workers

from forms_helpers import rules_of, run
from test_ingest import build_inbox, cli, copy_of, dump_ledger, files_sha, killed_run


@pytest.fixture(autouse=True)
def speed_paths_on(monkeypatch) -> None:
    monkeypatch.setenv(fast.FAST_ENV, "1")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallel-template")
    ws, sent = build_inbox(root)
    return ws.root, files_sha(ws.inbox)


def outputs(ws) -> tuple:
    return (dump_ledger(ws.ledger), files_sha(ws.archive),
            sorted(p.relative_to(ws.root).as_posix() for p in ws.archive.rglob("*")),
            sorted(p.name for p in ws.feedback.iterdir()))


def test_workers_record_the_same_ledger_archive_and_feedback(inbox, tmp_path, monkeypatch) -> None:
    template, originals = inbox
    plain, ahead = copy_of(template, tmp_path / "plain"), copy_of(template, tmp_path / "ahead")
    monkeypatch.setattr(ingest_mod, "BATCH", 3)
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    monkeypatch.setenv(fast.FAST_ENV, "0")  # the plain path: no workers whatever KINERJA_WORKERS says
    first = run(plain, rules_of(plain))
    monkeypatch.setenv(fast.FAST_ENV, "1")
    validated: list[int] = []  # forms the run validated itself (the forked workers count in their own copy)
    real_validate = ingest_mod.validate_batch
    monkeypatch.setattr(ingest_mod, "validate_batch",
                        lambda rules, forms: validated.append(len(forms)) or real_validate(rules, forms))
    second = run(ahead, rules_of(ahead))
    assert [r.as_json() | {"feedback": None} for r in first.results] == \
        [r.as_json() | {"feedback": None} for r in second.results]
    tw2 = next(r for r in second.results if r.file == "tw2.xlsx")  # a warning placed by the run itself
    assert tw2.outcome == "accepted" and ("pencilan-triwulan", "H13") in [(i.code, i.cell) for i in tw2.issues]
    assert sum(validated) == 0  # every form was validated by a worker
    assert outputs(plain) == outputs(ahead)
    assert files_sha(ahead.archive) == originals and not list(ahead.inbox.iterdir())
    assert not list(ahead.root.rglob(".tmp-*"))
    for feedback in ahead.feedback.iterdir():
        openpyxl.load_workbook(feedback).close()
    # the same through the dry run: nothing recorded, no feedback
    dry = copy_of(template, tmp_path / "dry")
    report = run(dry, rules_of(dry), dry_run=True)
    assert [r.outcome for r in report.results] == [r.outcome for r in first.results]
    assert not dry.feedback.exists() or not list(dry.feedback.iterdir())


def test_killed_runs_with_workers_then_a_rerun_give_the_same_ledger(inbox, tmp_path, monkeypatch) -> None:
    template, originals = inbox
    reference = copy_of(template, tmp_path / "reference")
    run(reference, rules_of(reference))
    ws = copy_of(template, tmp_path / "killed")
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    rnd = random.Random(8)
    log = [killed_run(ws, after_seconds=0.4)]
    while len(log) < 6 and any(ws.inbox.iterdir()):
        log.append(killed_run(ws, after_commits=rnd.choice([1, 2]), extra=rnd.choice([0, 0.002, 0.02])))
    # a killed run's workers neither hold the workspace lock nor live on: the re-run starts at once
    done = subprocess.run(cli(ws), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert dump_ledger(ws.ledger) == dump_ledger(reference.ledger), log
    assert files_sha(ws.archive) == originals and not list(ws.inbox.iterdir())
    assert not list(ws.root.rglob(".tmp-*"))
    assert sorted(p.name for p in ws.feedback.iterdir()) == sorted(p.name for p in reference.feedback.iterdir())


def test_batches_shrink_at_the_end_of_a_run_with_workers_and_cover_every_file_in_order() -> None:
    from kinerja_pipeline.ingest import BATCH, MIN_BATCH, _batches

    files = list(range(1000))
    sizes = [len(b) for b in _batches(files, BATCH, 2)]
    assert [x for b in _batches(files, BATCH, 2) for x in b] == files
    assert sizes[:4] == [BATCH] * 4 and max(sizes) == BATCH
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True) and MIN_BATCH in sizes  # the tail shrinks …
    assert min(sizes) >= MIN_BATCH // 2 and sizes[-1] < MIN_BATCH * 3 // 2     # … with no scrap at the end
    assert [len(b) for b in _batches(files, BATCH, 0)] == [BATCH] * 7 + [104]  # without workers: fixed
    assert [len(b) for b in _batches(list(range(MIN_BATCH + 2)), BATCH, 2)] == [MIN_BATCH + 2]
