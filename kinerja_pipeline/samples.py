"""Realistic returned workbooks of the sample organisation, valid and invalid.

Regenerate the committed sample folders (``samples/`` of the Ditjen, ``contoh/opd/samples/`` of
the Sekretariat DPRD) with::

    python -m kinerja_pipeline.samples            # needs LibreOffice (soffice) for a few files

Every reporting unit returns its form for TW I–IV 2026, filled with plausible values by
openpyxl, plus each organisation's realistic mistakes (``_mistakes``, ``_opd_mistakes``) and
copies re-saved by LibreOffice (``LIBREOFFICE_COPIES``). ``manifest.csv`` says
when each file was received (ingest takes the received time from the file's modification
time; ``kinerja demo`` sets it from the manifest) and what is wrong with it.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Mapping

from .layout import COL, DATA_SHEET, FormPlan, plan_form
from .rules import Rules
from .rules_load import load_rules
from .semantics import rounded_of

YEAR = 2026
GENERATED_AT = dt.datetime(YEAR, 1, 2, 8, 0)
RATIO_BASE = {"IK02": (400, 2600), "IK05": (40, 140), "IK07": (300, 1300), "IK11": (60, 240),
              "IKU-01": (12, 30), "IKK-02": (6, 14), "IKI-01": (8, 20)}


def fill_form(form: Path, target: Path, cells: Mapping[str, Any], *, sheet: str = DATA_SHEET) -> Path:
    """Copy ``form`` to ``target`` with ``cells`` (``{"H11": 12, …}``) typed in, as a unit would."""
    import openpyxl

    wb = openpyxl.load_workbook(form)
    ws = wb[sheet]
    for addr, value in cells.items():
        ws[addr].value = value
        if isinstance(value, str):
            ws[addr].data_type = "s"
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def plausible_values(rules: Rules, plan: FormPlan, seed: int) -> dict[str, Any]:
    """Input cells of one form filled with values a real unit could report."""
    rnd = random.Random(seed)
    unit = rules.unit(plan.unit)
    cells: dict[str, Any] = {}
    for row in plan.rows:
        ind, r, t = row.indicator, row.row, row.target_tw
        if ind.is_ratio:
            lo, hi = RATIO_BASE.get(ind.kode, (50, 500))
            den = rnd.randint(lo, hi)
            share = t / 100 * rnd.uniform(0.93, 1.06)
            if ind.polaritas == "negatif":
                share = t / 100 * rnd.uniform(0.6, 1.15)
            num = min(den, max(0, round(den * share)))
            cells[f"{COL['pembilang']}{r}"], cells[f"{COL['penyebut']}{r}"] = num, den
            value = num / den * 100
        else:
            if t == 0:
                value = 0 if rnd.random() > 0.12 else 1
            elif ind.polaritas == "negatif":
                value = t * rnd.uniform(0.85, 1.1)
            else:
                value = t * rnd.uniform(0.9, 1.12)
            if ind.batas_max is not None:
                value = min(value, ind.batas_max)
            value = round(value) if ind.bilangan_bulat else round(value, ind.desimal)
            cells[f"{COL['realisasi']}{r}"] = value
        capaian = rounded_of(value, t, ind.polaritas == "positif", ind.rumus_negatif == "kebalikan")
        if capaian is not None and not 80 <= capaian <= 120:
            cells[f"{COL['penjelasan']}{r}"] = (
                "Capaian di bawah target karena keterbatasan petugas dan anggaran; tindak lanjut: "
                "penjadwalan ulang kegiatan pada triwulan berikutnya." if capaian < 80 else
                "Capaian melampaui target karena dukungan mitra dan percepatan kegiatan.")
        if ind.bukti_wajib:
            cells[f"{COL['bukti']}{r}"] = f"ND {plan.unit}/{ind.kode}/{plan.quarter:02d}/{YEAR}"
    for b in plan.budget:
        cells[f"H{b.row}"] = round(b.pagu * rnd.uniform(0.16, 0.27), -3)
    sig = plan.signature_rows
    if unit.kepala:
        cells[f"D{sig['nama']}"], cells[f"D{sig['nip']}"] = unit.kepala.nama, unit.kepala.nip
    return cells


def _received(rules: Rules, quarter: int, n: int, rnd: random.Random) -> dt.datetime:
    deadline = rules.policy.deadline(YEAR, quarter) or dt.date(YEAR, quarter * 3, 28)
    day = deadline - dt.timedelta(days=rnd.randint(0, 8))
    return dt.datetime.combine(day, dt.time(8 + n % 9, (7 * n) % 60))


def generate_samples(out: Path, rules_dir: Path, *, use_libreoffice: bool = True,
                     contoh: str = "ditjen") -> list[dict[str, str]]:
    """Write the sample returns of organisation ``contoh`` (``ditjen`` or ``opd``) and
    ``manifest.csv`` into ``out``; return the manifest rows."""
    from .forms import write_form

    rules = load_rules(rules_dir)
    rnd = random.Random(29)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest: list[dict[str, str]] = []
    tmp = Path(tempfile.mkdtemp(prefix="kinerja-samples-"))
    forms: dict[tuple[str, int], Path] = {}
    for q in range(1, 5):
        for n, unit in enumerate(rules.reporting_units):
            plan = plan_form(rules, unit.kode, YEAR, q)
            form = tmp / f"{unit.kode}_{q}.xlsx"
            write_form(rules, plan, form, generated_at=GENERATED_AT)
            forms[(unit.kode, q)] = form
            cells = plausible_values(rules, plan, seed=n * 10 + q)
            name = f"{unit.kode.lower()}_tw{q}_{YEAR}.xlsx"
            fill_form(form, out / name, cells)
            manifest.append({"berkas": name, "diterima": _received(rules, q, n, rnd).isoformat(),
                             "keterangan": "isian wajar"})
    (_opd_mistakes if contoh == "opd" else _mistakes)(rules, out, forms, manifest, tmp)
    if use_libreoffice:
        _libreoffice_copies(out, manifest, tmp, LIBREOFFICE_COPIES[contoh])
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["berkas", "diterima", "keterangan"])
        writer.writeheader()
        writer.writerows(manifest)
    shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def _sample_cells(rules: Rules, unit: str, q: int) -> tuple[FormPlan, dict[str, Any]]:
    """The plan of a sample unit's form and the plausible values its sample return holds."""
    plan = plan_form(rules, unit, YEAR, q)
    n = [u.kode for u in rules.reporting_units].index(unit)
    return plan, plausible_values(rules, plan, seed=n * 10 + q)


def row_of(plan: FormPlan, kode: str) -> int:
    """The form row of indicator ``kode``."""
    return next(r.row for r in plan.rows if r.indicator.kode == kode)


def _entry(manifest: list[dict[str, str]], name: str) -> dict[str, str]:
    return next(m for m in manifest if m["berkas"] == name)


def _mistakes(rules: Rules, out: Path, forms: dict[tuple[str, int], Path], manifest: list[dict[str, str]],
              tmp: Path) -> None:
    """Turn some returns into realistic mistakes (and add resubmissions)."""

    def cells_of(unit: str, q: int) -> tuple[FormPlan, dict[str, Any]]:
        return _sample_cells(rules, unit, q)

    def rewrite(unit: str, q: int, change: dict[str, Any], note: str, name: str | None = None,
                received: dt.datetime | None = None) -> str:
        plan, cells = cells_of(unit, q)
        cells.update(change)
        cells = {k: v for k, v in cells.items() if v is not None}
        name = name or f"{unit.lower()}_tw{q}_{YEAR}.xlsx"
        fill_form(forms[(unit, q)], out / name, cells)
        try:
            entry = _entry(manifest, name)
            entry["keterangan"] = note
            if received:
                entry["diterima"] = received.isoformat()
        except StopIteration:
            manifest.append({"berkas": name, "diterima": (received or dt.datetime(YEAR, 1, 1)).isoformat(),
                             "keterangan": note})
        return name

    # 1. decimal comma typed as text: read correctly, accepted
    plan, _ = cells_of("LP-SUKAMISKIN", 1)
    rewrite("LP-SUKAMISKIN", 1, {f"H{row_of(plan, 'IK10')}": "82,75"},
            "IK10 diketik sebagai teks '82,75' (desimal koma): dibaca 82,75, diterima")
    # 2. blank realisasi: rejected
    plan, _ = cells_of("RT-BANDUNG", 1)
    rewrite("RT-BANDUNG", 1, {f"H{row_of(plan, 'IK03')}": None}, "realisasi IK03 kosong: tidak valid")
    # 3. edited target: rejected
    plan, _ = cells_of("LP-PORONG", 1)
    rewrite("LP-PORONG", 1, {f"F{row_of(plan, 'IK01')}": 40}, "target tahunan IK01 diubah unit: tidak valid")
    # 4. pembilang > penyebut, then a corrected second submission (accepted, supersedes)
    plan, cells = cells_of("BP-BANDUNG", 1)
    r5 = row_of(plan, "IK05")
    first = rewrite("BP-BANDUNG", 1, {f"I{r5}": cells[f"J{r5}"] + 7}, "pembilang IK05 > penyebut: tidak valid")
    received_first = dt.datetime.fromisoformat(_entry(manifest, first)["diterima"])
    rewrite("BP-BANDUNG", 1, {}, "kiriman kedua (perbaikan) BP-BANDUNG TW I: diterima",
            name=f"bp-bandung_tw1_{YEAR}_perbaikan.xlsx", received=received_first + dt.timedelta(days=2))
    # 5. missing penjelasan for a low capaian: rejected
    plan, _ = cells_of("LP-MALANG", 2)
    r1 = row_of(plan, "IK01")
    low = max(1, round(plan.rows[[r.row for r in plan.rows].index(r1)].target_tw * 0.5))
    rewrite("LP-MALANG", 2, {f"H{r1}": low, f"L{r1}": None}, "capaian IK01 rendah tanpa penjelasan: tidak valid")
    # 6. the form of the wrong quarter (TW III form sent in July while TW II is collected): rejected
    plan3, cells3 = cells_of("RT-MEDAN", 3)
    name = f"rt-medan_laporan_juli_{YEAR}.xlsx"
    fill_form(forms[("RT-MEDAN", 3)], out / name, cells3)
    manifest.append({"berkas": name, "diterima": dt.datetime(YEAR, 7, 6, 10, 15).isoformat(),
                     "keterangan": "formulir TW III dipakai untuk data TW II (salah triwulan): tidak valid"})
    # 7. late file: accepted, counted late
    late = _entry(manifest, f"lpka-medan_tw2_{YEAR}.xlsx")
    late["diterima"] = dt.datetime(YEAR, 7, 16, 14, 5).isoformat()
    late["keterangan"] = "terlambat 6 hari dari tenggat TW II: diterima, terlambat"
    # 8. text in a number cell: rejected
    plan, _ = cells_of("BP-MEDAN", 3)
    rewrite("BP-MEDAN", 3, {f"H{row_of(plan, 'IK06')}": "1.020 orang"}, "IK06 berisi teks '1.020 orang': tidak valid")
    # 9. the same file sent twice: duplicate
    src = out / f"rt-tebing_tw2_{YEAR}.xlsx"
    shutil.copyfile(src, out / f"rt-tebing_tw2_{YEAR} (1).xlsx")
    received = dt.datetime.fromisoformat(_entry(manifest, src.name)["diterima"]) + dt.timedelta(hours=3)
    manifest.append({"berkas": f"rt-tebing_tw2_{YEAR} (1).xlsx", "diterima": received.isoformat(),
                     "keterangan": "berkas yang sama dikirim dua kali: duplikat"})
    # 10. someone else's workbook: unrecognised
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Rekap Absensi"
    wb.active["A1"], wb.active["B1"] = "Nama", "Hadir"
    wb.active["A2"], wb.active["B2"] = "Budi", 20
    wb.save(out / "rekap_absensi_pegawai.xlsx")
    manifest.append({"berkas": "rekap_absensi_pegawai.xlsx", "diterima": dt.datetime(YEAR, 4, 9, 9, 0).isoformat(),
                     "keterangan": "buku kerja lain (bukan formulir): tidak dikenali"})
    # 11. a unit leaves TW IV unsent: remove its file
    gone = f"lp-banceuy_tw4_{YEAR}.xlsx"
    (out / gone).unlink()
    manifest[:] = [m for m in manifest if m["berkas"] != gone]


LIBREOFFICE_COPIES = {  # per organisation: (sample file, format LibreOffice saves it in)
    "ditjen": ((f"rt-medaeng_tw1_{YEAR}.xlsx", "xlsx"), (f"lpka-blitar_tw2_{YEAR}.xlsx", "ods")),
    "opd": ((f"peg-keu-02_tw1_{YEAR}.xlsx", "xls"), (f"sub-puu_tw2_{YEAR}.xlsx", "ods"),
            (f"peg-humas-01_tw3_{YEAR}.xlsx", "xls")),
}


def _libreoffice_copies(out: Path, manifest: list[dict[str, str]], tmp: Path,
                        copies: tuple[tuple[str, str], ...]) -> None:
    """Re-save some returns through LibreOffice (as .xlsx, .ods or .xls), as units do."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("peringatan: LibreOffice tidak ada; sampel simpanan LibreOffice tidak dibuat", file=sys.stderr)
        return
    for name, fmt in copies:
        src = out / name
        outdir = tmp / f"lo-{fmt}"
        outdir.mkdir(exist_ok=True)
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/lo-profile", "--headless",
                        "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                       check=True, capture_output=True, timeout=180)
        produced = outdir / (src.stem + "." + fmt)
        src.unlink()
        new_name = src.stem + ("_libreoffice.xlsx" if fmt == "xlsx" else f".{fmt}")
        shutil.move(produced, out / new_name)
        entry = _entry(manifest, name)
        entry["berkas"] = new_name
        entry["keterangan"] = f"disimpan dengan LibreOffice sebagai .{fmt}: diterima"


def _opd_mistakes(rules: Rules, out: Path, forms: dict[tuple[str, int], Path],
                  manifest: list[dict[str, str]], tmp: Path) -> None:
    """The Sekretariat DPRD's mistakes: fewer, and a pegawai's as well as a bagian's."""

    def cells_of(unit: str, q: int) -> tuple[FormPlan, dict[str, Any]]:
        return _sample_cells(rules, unit, q)

    # 1. a pegawai leaves one realisasi blank: rejected, then sends the corrected form
    plan, cells = cells_of("PEG-RAPAT-02", 2)
    blank = dict(cells)
    blank.pop(f"H{row_of(plan, 'IKI-02')}")
    name = f"peg-rapat-02_tw2_{YEAR}.xlsx"
    fill_form(forms[("PEG-RAPAT-02", 2)], out / name, blank)
    entry = _entry(manifest, name)
    entry["keterangan"] = "realisasi IKI-02 kosong: tidak valid"
    fixed = f"peg-rapat-02_tw2_{YEAR}_perbaikan.xlsx"
    fill_form(forms[("PEG-RAPAT-02", 2)], out / fixed, cells)
    received = dt.datetime.fromisoformat(entry["diterima"]) + dt.timedelta(days=1)
    manifest.append({"berkas": fixed, "diterima": received.isoformat(),
                     "keterangan": "kiriman kedua (perbaikan) PEG-RAPAT-02 TW II: diterima"})
    # 2. a bagian types the decimal as text: read correctly, accepted
    plan, cells = cells_of("BAG-SIDANG", 1)
    cells[f"H{row_of(plan, 'IKU-02')}"] = "79,35"
    name = f"bag-sidang_tw1_{YEAR}.xlsx"
    fill_form(forms[("BAG-SIDANG", 1)], out / name, cells)
    _entry(manifest, name)["keterangan"] = "IKU-02 diketik sebagai teks '79,35': dibaca 79,35, diterima"
    # 3. a late file: accepted, counted late
    late = _entry(manifest, f"sub-anggaran_tw3_{YEAR}.xlsx")
    late["diterima"] = dt.datetime(YEAR, 10, 15, 13, 20).isoformat()
    late["keterangan"] = "terlambat 6 hari dari tenggat TW III: diterima, terlambat"
    # 4. a pegawai leaves TW IV unsent
    gone = f"peg-tu-02_tw4_{YEAR}.xlsx"
    (out / gone).unlink()
    manifest[:] = [m for m in manifest if m["berkas"] != gone]


if __name__ == "__main__":  # pragma: no cover - maintenance command
    from .demo import CONTOH

    repo = Path(__file__).resolve().parent.parent
    for contoh, sample in CONTOH.items():  # python -m kinerja_pipeline.samples [ditjen] [opd]
        if len(sys.argv) > 1 and contoh not in sys.argv[1:]:
            continue
        rows = generate_samples(repo / sample.samples, repo / sample.rules, contoh=contoh)
        print(f"{len(rows)} berkas sampel ditulis ke {repo / sample.samples}")
