"""``KINERJA_FAST``: the one switch over every speed-only path, and what it must never change.

With every speed path off (``KINERJA_FAST=0``) and with all of them on (the default), ``kinerja
ingest``, ``rekap`` and ``lkjip`` give the same ledger (apart from the times of the run), the
same archive, the same feedback workbooks and the same reports — on the sample inbox and on a
generated inbox full of mistakes and hostile files. Workers are forced on (``KINERJA_WORKERS``),
so that the default run takes every speed path even on these small inboxes.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kinerja_pipeline import fast, workers
from kinerja_pipeline.cli import main
from kinerja_pipeline.demo import copy_samples_to_inbox, init_workspace
from kinerja_pipeline.workspace import Workspace

from forms_helpers import YEAR, drop, received_time, rules_of, sha256
from hostile.corpus import bad_crc, build, far_cell
from test_ingest import build_inbox, dump_ledger


def test_the_switch_names_what_is_on() -> None:
    every = frozenset(fast.PATHS)
    for value, expected in (("1", every), ("", every), (" 1 ", every), ("0", frozenset()),
                            ("-early,-plainxml", every - {"early", "plainxml"}), ("bounds", {"bounds"}),
                            ("bounds, readahead", {"bounds", "readahead"})):
        os.environ[fast.FAST_ENV] = value
        try:
            assert fast.enabled() == expected, value
        finally:
            del os.environ[fast.FAST_ENV]
    assert fast.enabled() == every  # unset: the default


def test_a_switch_naming_no_path_stops_the_command_with_a_clear_message(tmp_path, monkeypatch) -> None:
    ws = init_workspace(tmp_path / "ws")
    monkeypatch.setenv(fast.FAST_ENV, "-earyl")
    result = CliRunner().invoke(main, ["-w", str(ws.root), "ingest"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "KINERJA_FAST=-earyl: jalur cepat tidak dikenal: -earyl" in result.output
    assert "early" in result.output  # the names it knows


# --------------------------------------------------------------------------- same results either way


def kinerja(ws: Workspace, mode: str, *args: str) -> None:
    env = {**os.environ, fast.FAST_ENV: mode, workers.WORKERS_ENV: "2"}
    done = subprocess.run([sys.executable, "-m", "kinerja_pipeline.cli", "-w", str(ws.root), *args],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def workbook(path: Path) -> dict:
    """Every sheet's cells: value, fill colour and comment text (what a reader of the file sees)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for sheet in wb.worksheets:
        out[sheet.title] = {c.coordinate: (run_time(c.value), c.fill.fgColor.rgb if c.fill and c.fill.fill_type else None,
                                           run_time(c.comment.text) if c.comment else None)
                            for row in sheet.iter_rows() for c in row
                            if c.value is not None or c.comment is not None}
    wb.close()
    return out


def run_time(value):
    """``value`` with the time of the run (a file time from the future is taken as the run's; the
    two runs compared are seconds apart) written as one word: in the ledger, cells, CSV, HTML."""
    today = dt.date.today()
    if isinstance(value, dt.datetime) and value.date() == today:
        return "<waktu jalan>"
    if isinstance(value, bytes):
        return run_time(value.decode("utf-8-sig")).encode()
    if isinstance(value, str):
        times = (rf"{today:%Y-%m-%d}[T ]\d\d:\d\d(?::\d\d)?|{today:%d-%m-%Y}(?: \d\d[:.]\d\d(?:[:.]\d\d)?)?"
                 rf"|{today.day} \w+ {today.year}(?: (?:pukul )?\d\d[:.]\d\d)?")
        return re.sub(times, "<waktu jalan>", value)
    return value


def run_times(ledger: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {table: [tuple(map(run_time, row)) for row in rows] for table, rows in ledger.items()}


def outputs(ws: Workspace) -> dict:
    out: dict = {"ledger": run_times(dump_ledger(ws.ledger)),
                 "archive": sorted((p.relative_to(ws.root).as_posix(), sha256(p))
                                   for p in ws.archive.rglob("*") if p.is_file()),
                 "inbox": sorted(p.name for p in ws.inbox.iterdir())}
    for folder in (ws.feedback, ws.outputs):
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(ws.root).as_posix()
            if path.suffix == ".xlsx":
                out[name] = workbook(path)
            elif path.is_file():
                out[name] = run_time(path.read_bytes())
    return out


def run_all(template: Path, target: Path, mode: str) -> dict:
    shutil.copytree(template, target, copy_function=shutil.copy2)  # keeps the received times
    ws = Workspace(target)
    kinerja(ws, mode, "ingest")
    kinerja(ws, mode, "rekap", "--year", str(YEAR))
    kinerja(ws, mode, "lkjip", "--year", str(YEAR))
    return outputs(ws)


def assert_same(fast_run: dict, plain_run: dict) -> None:
    assert fast_run.keys() == plain_run.keys()
    for key in fast_run:
        assert fast_run[key] == plain_run[key], key


def test_the_sample_inbox_gives_the_same_results_with_every_speed_path_off(tmp_path) -> None:
    ws = init_workspace(tmp_path / "template")
    copy_samples_to_inbox(ws)
    default, plain = (run_all(ws.root, tmp_path / mode, mode) for mode in ("1", "0"))
    assert default["ledger"]["submissions"] and any(k.startswith("umpan_balik/") for k in default)
    assert_same(default, plain)


def test_a_generated_inbox_with_mistakes_gives_the_same_results_with_every_speed_path_off(tmp_path) -> None:
    ws, sent = build_inbox(tmp_path / "template")
    rules = rules_of(ws)
    cases, folder = build(tmp_path / "hostile", rules)
    for path in sorted(folder.iterdir()):
        drop(ws, path, when=received_time(1, 20))
    good = sent[0]
    (tmp_path / "src").mkdir()
    drop(ws, bad_crc(good, tmp_path / "src" / "crc.xlsx"), when=received_time(1, 21))
    drop(ws, far_cell(good, tmp_path / "src" / "jauh.xlsx"), when=received_time(1, 21))
    default, plain = (run_all(ws.root, tmp_path / mode, mode) for mode in ("1", "0"))
    assert len(default["ledger"]["submissions"]) == len(sent) + len(cases) + 2 and not default["inbox"]
    assert_same(default, plain)


# --------------------------------------------------------------------------- a fast path never hides a mistake


def _planted_mistake_surfaces(monkeypatch, module, name: str, path: str, call, left=None) -> Path | object:
    """With every fast path on, a mistake planted in ``module.name`` reaches the caller of
    ``call()`` (no fallback hides it) and leaves no ``left`` file; with only ``path`` off the
    plain path runs and its result is returned."""
    monkeypatch.setenv(fast.FAST_ENV, "1")

    def broken(*args, **kwargs):
        raise TypeError("a mistake in the fast path")

    monkeypatch.setattr(module, name, broken)
    with pytest.raises(TypeError, match="a mistake in the fast path"):
        call()
    assert left is None or not left.exists()
    monkeypatch.setenv(fast.FAST_ENV, f"-{path}")  # the plain path does not run it at all
    return call()


def test_a_mistake_in_the_bounds_fast_path_is_raised_not_hidden_by_the_exact_replay(tmp_path, monkeypatch,
                                                                                   sample_rules) -> None:
    from kinerja_pipeline import bounds
    from kinerja_pipeline.reading import open_workbook

    from forms_helpers import returned_form

    form = returned_form(sample_rules, tmp_path / "form.xlsx")
    raw = _planted_mistake_surfaces(monkeypatch, bounds, "_fast_sheet", "bounds",
                                    lambda: open_workbook(form, ("Data Kinerja",)))
    assert raw.grids["Data Kinerja"]


def test_a_mistake_in_the_plain_feedback_writer_is_raised_not_hidden_by_openpyxl(tmp_path, monkeypatch,
                                                                               sample_rules) -> None:
    from kinerja_pipeline import feedback

    from forms_helpers import plan, returned_form

    form = returned_form(sample_rules, tmp_path / "form.xlsx")
    target = tmp_path / "umpan.xlsx"
    written = _planted_mistake_surfaces(
        monkeypatch, feedback, "_annotate_plain", "plainxml",
        lambda: feedback.write_feedback(target, source=form, file_format="xlsx", rules=sample_rules,
                                        plan=plan(sample_rules), issues=[]), left=target)
    assert openpyxl.load_workbook(written).sheetnames[0] == "Hasil Validasi"


def test_a_mistake_in_a_read_ahead_worker_stops_the_run_instead_of_being_read_again(tmp_path, monkeypatch) -> None:
    from kinerja_pipeline import ingest

    from forms_helpers import run

    ws, _ = build_inbox(tmp_path / "t")
    monkeypatch.setenv(fast.FAST_ENV, "1")
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    real = ingest._identify

    def in_workers_only(work, rules, conn):
        if workers.RULES is not None:  # a forked worker
            raise TypeError("a mistake in the worker")
        return real(work, rules, conn)

    monkeypatch.setattr(ingest, "_identify", in_workers_only)
    with pytest.raises(TypeError, match="a mistake in the worker"):
        run(ws, rules_of(ws))
    assert len(list(ws.inbox.iterdir())) == 14  # nothing recorded, nothing moved


@pytest.mark.parametrize("mode, frozen", [("1", True), ("0", False), ("-gcfreeze", False)])
def test_the_program_freezes_the_collector_as_it_ends_only_with_gcfreeze(monkeypatch: pytest.MonkeyPatch,
                                                                         mode: str, frozen: bool) -> None:
    import gc

    from kinerja_pipeline import cli

    def command(**_: object) -> None:
        raise SystemExit(3)  # as click ends: the exit code must come through unchanged

    monkeypatch.setenv("KINERJA_FAST", mode)
    monkeypatch.setattr(cli, "main", command)
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as ended:
            cli.run()
        assert ended.value.code == 3
        assert (gc.get_freeze_count() > 0) == frozen
    finally:
        gc.unfreeze()
