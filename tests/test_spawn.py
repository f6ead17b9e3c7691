"""Workers started by ``spawn``, as on Windows office PCs: ingest and forms give what they give alone.

On Linux workers are forked and share the command's loaded rules; elsewhere each worker is a
fresh interpreter that imports the package and reads the rules itself (``workers.rules_pool``).
These tests make this Linux machine start them that way and compare with a run without workers.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil

import openpyxl
import pytest

from kinerja_pipeline import fast, workers
from kinerja_pipeline.forms import generate_forms
from kinerja_pipeline.workspace import Workspace

from forms_helpers import YEAR, new_workspace, rules_of, run
from test_ingest import build_inbox, dump_ledger, files_sha


@pytest.fixture()
def spawned(monkeypatch) -> list[str]:
    """Workers spawned, never forked; the start method of every pool started from now on."""
    methods: list[str] = []
    real = workers.rules_pool

    def pool(*args, **kwargs):
        executor = real(*args, **kwargs)
        methods.append(executor._mp_context.get_start_method())
        return executor

    monkeypatch.setattr(workers, "forks", lambda: False)
    monkeypatch.setattr(workers, "rules_pool", pool)
    monkeypatch.setenv(fast.FAST_ENV, "1")
    return methods


def test_ingest_with_spawned_workers_records_what_a_run_without_workers_records(tmp_path, spawned,
                                                                                 monkeypatch) -> None:
    template, _ = build_inbox(tmp_path / "template")
    alone, spawn = (Workspace(shutil.copytree(template.root, tmp_path / name, copy_function=shutil.copy2))
                    for name in ("alone", "spawn"))
    monkeypatch.setenv(workers.WORKERS_ENV, "0")
    first = run(alone, rules_of(alone))
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    second = run(spawn, rules_of(spawn))
    assert spawned == ["spawn"]
    assert [r.as_json() | {"feedback": None} for r in first.results] == \
        [r.as_json() | {"feedback": None} for r in second.results]
    assert dump_ledger(alone.ledger) == dump_ledger(spawn.ledger)
    assert files_sha(alone.archive) == files_sha(spawn.archive) and not list(spawn.inbox.iterdir())
    assert sorted(p.name for p in alone.feedback.iterdir()) == sorted(p.name for p in spawn.feedback.iterdir())
    assert not list(spawn.root.rglob(".tmp-*"))


def test_forms_with_spawned_workers_are_the_forms_written_without_workers(tmp_path, spawned, monkeypatch) -> None:
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    stamp = dt.datetime(YEAR, 1, 2, 8, 0)

    def cells(folder) -> dict:
        out = {}
        for path in sorted(folder.iterdir()):
            wb = openpyxl.load_workbook(path)
            out[path.name] = {s.title: [[c.value for c in row] for row in s.iter_rows()] for s in wb.worksheets}
            wb.close()
        return out

    monkeypatch.setenv(workers.WORKERS_ENV, "0")
    alone = generate_forms(rules, ws, YEAR, 1, generated_at=stamp)
    expected = cells(ws.form_dir(YEAR, 1))
    shutil.rmtree(ws.form_dir(YEAR, 1))
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    again = generate_forms(rules, ws, YEAR, 1, generated_at=stamp)
    assert spawned == ["spawn"]
    assert [r.unit for r in again] == [r.unit for r in alone] and len(alone) == len(rules.reporting_units)
    assert cells(ws.form_dir(YEAR, 1)) == expected
    assert os.listdir(ws.form_dir(YEAR, 1))
