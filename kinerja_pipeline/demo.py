"""``kinerja init`` and ``kinerja demo``: a workspace with the sample organisation, end to end."""
from __future__ import annotations

import datetime as dt
import shutil
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from .errors import WorkspaceError
from .periods import ROMAN
from .workspace import Workspace, data_dir, os_reason

DEMO_MARKER = ".kinerja-demo"
DEMO_YEAR = 2026
DEMO_NOW = dt.datetime(DEMO_YEAR + 1, 3, 31, 16, 0)  # the demo runs at the end of its year


@dataclass(frozen=True)
class Contoh:
    """A sample organisation: where its rules and returned workbooks are (packaged data), and
    what the demo's reviewers do with it."""

    rules: str
    samples: str
    reviewers: Mapping[str, tuple[str, str]]  # approval level → (nama, NIP)
    rejection: tuple[str, int, str]  # (unit, quarter, reason) a reviewer rejects in the demo


CONTOH = {
    "ditjen": Contoh("rules", "samples", {
        "verifikasi": ("Kepala Divisi Pemasyarakatan", "197508121998031001"),
        "validasi": ("Direktur Pembinaan Narapidana", "196912301990031002"),
        "pengesahan": ("Rina Kartikasari, S.E., M.A.P.", "198305122009122003"),
    }, ("RT-MEDAN", 3, "Realisasi IK03 tidak sesuai data SDP; mohon dicek ulang.")),
    "opd": Contoh("contoh/opd/rules", "contoh/opd/samples", {
        "verifikasi": ("Yudi Permana, S.H., M.H.", "197609202002121003"),
        "pengesahan": ("Drs. H. Asep Sudrajat, M.Si.", "196805121994031007"),
    }, ("SUB-ANGGARAN", 3, "Jumlah naskah IKK-01 tidak sesuai agenda surat keluar; mohon dicek ulang.")),
}


def contoh_of(name: str) -> Contoh:
    if name not in CONTOH:
        raise WorkspaceError(f"Contoh organisasi '{name}' tidak dikenal; pilih salah satu: "
                             f"{', '.join(CONTOH)}.")
    return CONTOH[name]


def init_workspace(folder: Path, contoh: str = "ditjen") -> Workspace:
    """Create a workspace holding a sample organisation's rules and the empty working folders."""
    sample = contoh_of(contoh)
    ws = Workspace(Path(folder).absolute())
    if ws.rules.exists():
        raise WorkspaceError(f"{ws.rules} sudah ada; workspace tidak ditimpa. Pilih folder lain "
                             "atau hapus folder rules/ itu lebih dulu.")
    try:
        ws.root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(data_dir(sample.rules), ws.rules)
        for sub in (ws.templates, ws.inbox, ws.archive, ws.feedback, ws.outputs):
            sub.mkdir(exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"Workspace tidak dapat dibuat di {ws.root}: {os_reason(exc)}. Pilih "
                             "folder lain, misalnya di Dokumen.") from None
    return ws


def _fresh_demo_folder(folder: Path, contoh: str) -> Workspace:
    folder = Path(folder).absolute()
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).exists():
            raise WorkspaceError(f"Folder {folder} sudah berisi berkas lain; demo hanya memakai folder "
                                 "baru atau folder demo sebelumnya. Pilih folder lain: kinerja demo FOLDER")
        shutil.rmtree(folder)
    ws = init_workspace(folder, contoh)
    (ws.root / DEMO_MARKER).write_text("Workspace demo kinerja-pipeline; boleh dihapus.\n",
                                       encoding="utf-8")
    return ws


def run_demo(folder: Path, echo: Callable[[str], None] = print, contoh: str = "ditjen") -> Workspace:
    """The whole pipeline on a sample organisation (``ditjen`` or ``opd``) in a fresh workspace."""
    from .forms import generate_forms
    from .rules_load import load_rules

    started = time.perf_counter()
    sample = contoh_of(contoh)
    ws = _fresh_demo_folder(folder, contoh)
    echo(f"1. Workspace demo dibuat: {ws.root}")
    rules = load_rules(ws.rules)
    echo(f"2. Aturan dimuat: {len(rules.units)} unit, {len(rules.indicators)} indikator")
    total = 0
    for quarter in range(1, 5):
        total += len(generate_forms(rules, ws, DEMO_YEAR, quarter,
                                    generated_at=dt.datetime(DEMO_YEAR, 1, 2, 8, 0)))
    echo(f"3. {total} formulir dibuat (TW I–IV {DEMO_YEAR}) di {ws.templates / str(DEMO_YEAR)}")
    copied = copy_samples_to_inbox(ws, sample.samples)
    echo(f"4. {copied} berkas kiriman unit contoh diletakkan di {ws.inbox}")
    from .ingest import ingest

    # the demo plays a whole year: its files were received up to the next year's first days
    report = ingest(ws, rules, settle_seconds=0, now=DEMO_NOW)
    counts = ", ".join(f"{report.count(k)} {w}" for k, w in (("accepted", "diterima"), ("rejected", "tidak valid"),
                                                              ("unrecognised", "tidak dikenali"),
                                                              ("duplicate", "duplikat")))
    echo(f"5. Ingest: {len(report.results)} berkas — {counts}")
    rejected = [r for r in report.results if r.feedback]
    if rejected:
        echo(f"   Umpan balik untuk unit ditulis di {ws.feedback} ({len(rejected)} berkas)")
    _demo_chain(ws, rules, sample, echo)
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
    _demo_federation(ws, rules, sample, echo, folder)
    echo(f"Selesai dalam {time.perf_counter() - started:.1f} detik. Semua keluaran ada di {ws.outputs}")
    return ws


def copy_samples_to_inbox(ws: Workspace, samples: str = "samples") -> int:
    """Copy a sample organisation's returns into ``inbox/`` with the received times of their
    manifest."""
    import csv
    import os

    source = data_dir(samples)
    with open(source / "manifest.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ws.inbox.mkdir(exist_ok=True)
    for row in rows:
        target = ws.inbox / row["berkas"]
        shutil.copyfile(source / row["berkas"], target)
        stamp = dt.datetime.fromisoformat(row["diterima"]).timestamp()
        os.utime(target, (stamp, stamp))
    return len(rows)


def _demo_chain(ws: Workspace, rules: object, sample: Contoh, echo: Callable[[str], None]) -> None:
    """Approve TW I and II up the chain (the first level per unit under the top, the others at
    the top), reject one submission for a reason."""
    from .errors import WorkflowError
    from .workflow import approve, reject

    clock = lambda: dt.datetime(DEMO_YEAR, 11, 20, 9, 0)  # noqa: E731 - a fixed demo moment
    levels = [lv.level for lv in rules.policy.persetujuan]  # type: ignore[attr-defined]
    root = rules.root.kode  # type: ignore[attr-defined]
    first = [u.kode for u in rules.children(root)]  # type: ignore[attr-defined]
    if rules.indicators_for(root):  # type: ignore[attr-defined]  # the top reports too
        first.append(root)
    done = 0
    for quarter in (1, 2):
        for level in levels:
            by, nip = sample.reviewers.get(level, ("Pemeriksa Demo", "198001012005011001"))
            targets = first if level == levels[0] else [root]
            for node in targets:
                try:
                    result = approve(ws, rules, node, DEMO_YEAR, quarter, level, by, nip,
                                     note="demo", clock=clock)
                except WorkflowError:  # no unit of that node is ready: nothing to do
                    continue
                done += len(result.done)
    kinds = " dan ".join(dict.fromkeys(rules.unit(k).jenis for k in first))  # type: ignore[attr-defined]
    then = f", lalu {' dan '.join(levels[1:])}" if levels[1:] else ""
    echo(f"6. Persetujuan: {done} tindakan ({levels[0]} per {kinds}{then}) untuk TW I–II")
    level = levels[0]
    by, nip = sample.reviewers.get(level, ("Pemeriksa Demo", "198001012005011001"))
    unit, quarter, reason = sample.rejection
    result = reject(ws, rules, unit, DEMO_YEAR, quarter, level, by, nip, reason=reason, clock=clock)
    for r in result.done:
        if r.feedback:
            echo(f"   Ditolak pemeriksa: {unit} TW {('I', 'II', 'III', 'IV')[quarter - 1]} → umpan balik "
                 f"{r.feedback.relative_to(ws.root)}")


def _demo_federation(ws: Workspace, rules: object, sample: Contoh, echo: Callable[[str], None], folder: Path) -> None:
    """The first office under the top (a Kanwil) gets its own scoped workspace: it takes its units'
    latest returns, verifies them and sends one package, which the demo's workspace takes in."""
    import os

    from . import ledger
    from .ingest import ingest
    from .kiriman import write_package
    from .scope import init_scoped, rules_fingerprint, workspace_rules
    from .workflow import approve

    node = next((u for u in rules.children(rules.root.kode)  # type: ignore[attr-defined]
                 if any(rules.indicators_for(d) for d in rules.descendants(u.kode))), None)  # type: ignore[attr-defined]
    if node is None:
        return
    under = {u.kode for u in rules.descendants(node.kode)}  # type: ignore[attr-defined]
    with closing(ledger.connect(ws.ledger)) as conn:
        rows = [r for r in ledger.current_submissions(conn, DEMO_YEAR) if r["unit"] in under]
    if not rows:
        return
    quarter = max(r["quarter"] for r in rows)
    kanwil = init_scoped(ws.root / f"lingkup_{node.kode}", node.kode, ws.rules)
    for r in rows:
        if r["quarter"] == quarter:  # the units' own files, sent to their Kanwil this time
            target = kanwil.inbox / Path(r["archive_path"]).name
            shutil.copyfile(ws.root / r["archive_path"], target)
            stamp = dt.datetime.fromisoformat(r["received_at"]).timestamp()
            os.utime(target, (stamp, stamp))
    scoped = workspace_rules(kanwil)
    received = ingest(kanwil, scoped, settle_seconds=0, now=DEMO_NOW).count("accepted")
    level = scoped.policy.persetujuan[0].level
    by, nip = sample.reviewers.get(level, ("Pemeriksa Demo", "198001012005011001"))
    clock = lambda: dt.datetime(DEMO_YEAR + 1, 1, 15, 9, 0)  # noqa: E731 - a fixed demo moment
    approve(kanwil, scoped, node.kode, DEMO_YEAR, quarter, level, by, nip, note="demo", clock=clock)
    package = write_package(kanwil, scoped, DEMO_YEAR, quarter, clock=clock)
    home = kanwil.root.relative_to(ws.root)
    echo(f"10. Workspace sendiri untuk {node.nama}: {home}/ (lingkup {node.kode}, aturan yang sama, sidik jari "
         f"{rules_fingerprint(kanwil.rules).short})")
    echo(f"    {received} formulir TW {ROMAN[quarter]} unit di bawah {node.kode} diterima dan diverifikasi di sana, "
         f"lalu dikirim sebagai satu berkas: {home / package.path.relative_to(kanwil.root)}")
    shutil.copyfile(package.path, ws.inbox / package.path.name)
    report = ingest(ws, rules, settle_seconds=0, now=DEMO_NOW)  # type: ignore[arg-type]
    echo(f"    {rules.root.kode} menerima kiriman itu: {report.count('accepted')} unit diterima beserta "  # type: ignore[attr-defined]
         f"verifikasi {node.kode} "
         f"(asal data: kinerja -w {folder} status --year {DEMO_YEAR} --quarter {quarter})")
