"""``kinerja init`` and ``kinerja demo``: a workspace with the sample organisation, end to end."""
from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Callable

from .errors import WorkspaceError
from .workspace import Workspace, data_dir

DEMO_MARKER = ".kinerja-demo"
DEMO_YEAR = 2026


def init_workspace(folder: Path) -> Workspace:
    """Create a workspace holding the sample rules and the empty working folders."""
    ws = Workspace(Path(folder).absolute())
    if ws.rules.exists():
        raise WorkspaceError(f"{ws.rules} sudah ada; workspace tidak ditimpa. Pilih folder lain "
                             "atau hapus folder rules/ itu lebih dulu.")
    ws.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(data_dir("rules"), ws.rules)
    for sub in (ws.templates, ws.inbox, ws.archive, ws.feedback, ws.outputs):
        sub.mkdir(exist_ok=True)
    return ws


def _fresh_demo_folder(folder: Path) -> Workspace:
    folder = Path(folder).absolute()
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).exists():
            raise WorkspaceError(f"Folder {folder} sudah berisi berkas lain; demo hanya memakai folder "
                                 "baru atau folder demo sebelumnya. Pilih folder lain: kinerja demo FOLDER")
        shutil.rmtree(folder)
    ws = init_workspace(folder)
    (ws.root / DEMO_MARKER).write_text("Workspace demo kinerja-pipeline; boleh dihapus.\n",
                                       encoding="utf-8")
    return ws


def run_demo(folder: Path, echo: Callable[[str], None] = print) -> Workspace:
    """The whole pipeline on the sample organisation in a fresh workspace."""
    from .forms import generate_forms
    from .rules import load_rules

    started = time.perf_counter()
    ws = _fresh_demo_folder(folder)
    echo(f"1. Workspace demo dibuat: {ws.root}")
    rules = load_rules(ws.rules)
    echo(f"2. Aturan dimuat: {len(rules.units)} unit, {len(rules.indicators)} indikator")
    total = 0
    for quarter in range(1, 5):
        total += len(generate_forms(rules, ws, DEMO_YEAR, quarter,
                                    generated_at=dt.datetime(DEMO_YEAR, 1, 2, 8, 0)))
    echo(f"3. {total} formulir dibuat (TW I–IV {DEMO_YEAR}) di {ws.templates / str(DEMO_YEAR)}")
    copied = copy_samples_to_inbox(ws)
    echo(f"4. {copied} berkas kiriman unit contoh diletakkan di {ws.inbox}")
    from .ingest import ingest

    report = ingest(ws, rules, settle_seconds=0)
    counts = ", ".join(f"{report.count(k)} {w}" for k, w in (("accepted", "diterima"), ("rejected", "tidak valid"),
                                                              ("unrecognised", "tidak dikenali"),
                                                              ("duplicate", "duplikat")))
    echo(f"5. Ingest: {len(report.results)} berkas — {counts}")
    rejected = [r for r in report.results if r.feedback]
    if rejected:
        echo(f"   Umpan balik untuk unit ditulis di {ws.feedback} ({len(rejected)} berkas)")
    echo(f"Selesai dalam {time.perf_counter() - started:.1f} detik.")
    return ws


def copy_samples_to_inbox(ws: Workspace) -> int:
    """Copy the sample returns into ``inbox/`` with the received times of their manifest."""
    import csv
    import os

    source = data_dir("samples")
    with open(source / "manifest.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ws.inbox.mkdir(exist_ok=True)
    for row in rows:
        target = ws.inbox / row["berkas"]
        shutil.copyfile(source / row["berkas"], target)
        stamp = dt.datetime.fromisoformat(row["diterima"]).timestamp()
        os.utime(target, (stamp, stamp))
    return len(rows)
