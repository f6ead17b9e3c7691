"""``kinerja init`` and ``kinerja demo``: a workspace with the sample organisation, end to end."""
from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Callable

from .errors import WorkspaceError
from .workspace import Workspace, data_dir, os_reason

DEMO_MARKER = ".kinerja-demo"
DEMO_YEAR = 2026


def init_workspace(folder: Path) -> Workspace:
    """Create a workspace holding the sample rules and the empty working folders."""
    ws = Workspace(Path(folder).absolute())
    if ws.rules.exists():
        raise WorkspaceError(f"{ws.rules} sudah ada; workspace tidak ditimpa. Pilih folder lain "
                             "atau hapus folder rules/ itu lebih dulu.")
    try:
        ws.root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(data_dir("rules"), ws.rules)
        for sub in (ws.templates, ws.inbox, ws.archive, ws.feedback, ws.outputs):
            sub.mkdir(exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"Workspace tidak dapat dibuat di {ws.root}: {os_reason(exc)}. Pilih "
                             "folder lain, misalnya di Dokumen.") from None
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
    _demo_chain(ws, rules, echo)
    from .workflow import status

    report = status(ws, rules, DEMO_YEAR, 4)
    root = report.rate(rules.root.kode)
    echo(f"7. Status pengumpulan {DEMO_YEAR}: melapor {root.reported}/{root.expected}, tepat waktu "
         f"{root.on_time}/{root.expected}; {len(report.to_chase())} kiriman perlu ditagih "
         f"(lihat: kinerja -w {folder} status --year {DEMO_YEAR})")
    for row in report.rates:
        if row.quarter is None and row.kode != rules.root.kode:
            echo(f"   {row.kode}: melapor {row.reported}/{row.expected}, tepat waktu {row.on_time}/{row.expected}")
    from .rekap import write_rekap

    rekap = write_rekap(ws, rules, DEMO_YEAR, 4)
    echo(f"8. Rekap: {rekap.xlsx.relative_to(ws.root)} (+ {rekap.csv.relative_to(ws.root)})")
    from .lkjip import write_lkjip

    lk = write_lkjip(ws, rules, DEMO_YEAR)
    echo(f"9. LKjIP: {lk.xlsx.relative_to(ws.root)} dan {lk.html.relative_to(ws.root)}")
    echo(f"Selesai dalam {time.perf_counter() - started:.1f} detik. Semua keluaran ada di {ws.outputs}")
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


DEMO_REVIEWERS = {
    "verifikasi": ("Kepala Divisi Pemasyarakatan", "197508121998031001"),
    "validasi": ("Direktur Pembinaan Narapidana", "196912301990031002"),
    "pengesahan": ("Rina Kartikasari, S.E., M.A.P.", "198305122009122003"),
}


def _demo_chain(ws: Workspace, rules: object, echo: Callable[[str], None]) -> None:
    """Approve TW I and II up the chain (per Kanwil), reject one submission for a reason."""
    from .workflow import WorkflowError, approve, reject

    clock = lambda: dt.datetime(DEMO_YEAR, 11, 20, 9, 0)  # noqa: E731 - a fixed demo moment
    levels = [lv.level for lv in rules.policy.persetujuan]  # type: ignore[attr-defined]
    kanwil = [u.kode for u in rules.children(rules.root.kode)]  # type: ignore[attr-defined]
    done = 0
    for quarter in (1, 2):
        for level in levels:
            by, nip = DEMO_REVIEWERS.get(level, ("Pemeriksa Demo", "198001012005011001"))
            targets = kanwil if level == levels[0] else [rules.root.kode]  # type: ignore[attr-defined]
            for node in targets:
                try:
                    result = approve(ws, rules, node, DEMO_YEAR, quarter, level, by, nip,
                                     note="demo", clock=clock)
                except WorkflowError:  # no unit of that node is ready: nothing to do
                    continue
                done += len(result.done)
    echo(f"6. Persetujuan: {done} tindakan (verifikasi per Kanwil, lalu validasi dan pengesahan) untuk TW I–II")
    level = levels[0]
    by, nip = DEMO_REVIEWERS.get(level, ("Pemeriksa Demo", "198001012005011001"))
    result = reject(ws, rules, "RT-MEDAN", DEMO_YEAR, 3, level, by, nip,
                    reason="Realisasi IK03 tidak sesuai data SDP; mohon dicek ulang.", clock=clock)
    for r in result.done:
        if r.feedback:
            echo(f"   Ditolak pemeriksa: RT-MEDAN TW III → umpan balik {r.feedback.relative_to(ws.root)}")
