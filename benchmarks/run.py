#!/usr/bin/env python
"""Benchmark kinerja-pipeline at national scale (measured, not timed tests).

One command::

    python benchmarks/run.py                      # 1.000 unit, 34 Kanwil, 4 triwulan
    python benchmarks/run.py --units 40 --kanwil 4  # a quick smoke run

It generates a large organisation (the sample indicator set and policy from ``rules/``, a
generated ``organisasi.yaml``, ``target_2026.csv`` and ``pagu_2026.csv``), the returned
workbooks of every unit for every quarter (plausible values, about 5 % of the files with
realistic mistakes), caches them under ``--work`` (re-runs reuse them), and then measures,
each step in its own fresh subprocess (wall time; peak memory = the larger of the sampled
proportional set size of the whole process tree and the largest single process's maxrss):

1. ``kinerja ingest`` of one quarter (N files);
2. a naive analyst script reading the same files with ``pandas.read_excel`` (peer ratio);
3. the same sheets read raw with python-calamine in one process (limit ratio);
4. ``kinerja ingest`` of all quarters (4 × N files) in a fresh workspace;
5. ``kinerja rekap`` over those quarters;
6. ``kinerja forms`` for N units;
7. ``kinerja --help``;
8. ``kinerja ingest`` of one quarter with each speed path off in turn (``KINERJA_FAST=-name``,
   see ``kinerja_pipeline/fast.py``) and with all of them off (``KINERJA_FAST=0``): what each
   path gains, in wall time and in CPU time.

(1) and (3) are measured ``--repeat`` times (default 5), alternately, and the medians are used:
on a shared machine a single run of either can be off by tens of percent. The limit ratio is
the median of the rounds' own ratios (an ingest and the raw read right after it see the
machine in much the same state), with their range.

It prints one table of figures and ratios (Indonesian, like everything the users read).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
YEAR = 2026
GENERATOR_VERSION = 2          # bump when the generated files change
GENERATED_AT = dt.datetime(YEAR, 1, 2, 8, 0)
DATA_SHEET, META_SHEET = "Data Kinerja", "_meta"

# a plausible mix of unit kinds (out of 12): lapas 6, rutan 3, bapas 2, lpka 1; every kind
# among the first four, since the indicator set needs a unit of each kind
JENIS_CYCLE = ("lapas", "rutan", "bapas", "lpka", "lapas", "rutan", "lapas", "lapas",
               "bapas", "lapas", "rutan", "lapas")
JENIS_NAME = {"lapas": ("LP", "Lapas Kelas IIA"), "rutan": ("RT", "Rutan Kelas IIB"),
              "bapas": ("BP", "Bapas Kelas II"), "lpka": ("LPKA", "LPKA Kelas II")}
PROVINSI = ("Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan",
            "Bengkulu", "Lampung", "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta",
            "Jawa Barat", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Banten", "Bali",
            "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat", "Kalimantan Tengah",
            "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
            "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo",
            "Sulawesi Barat", "Maluku", "Maluku Utara", "Papua Barat", "Papua")
MISTAKES = ("kosong", "teks", "pembilang", "penjelasan", "bukan-formulir", "duplikat")


# --------------------------------------------------------------------------- generation


def _rules_digest() -> str:
    h = hashlib.sha256()
    for name in ("indikator.yaml", "kebijakan.yaml", "target_2026.csv", "pagu_2026.csv"):
        h.update((REPO / "rules" / name).read_bytes())
    return h.hexdigest()[:10]


def _templates_by_jenis() -> tuple[dict[str, list[dict[str, str]]], dict[str, list[dict[str, str]]]]:
    """Target and pagu rows of the first sample unit of each jenis."""
    import csv

    import yaml

    org = yaml.safe_load((REPO / "rules" / "organisasi.yaml").read_text(encoding="utf-8"))
    first: dict[str, str] = {}
    for u in org["unit"]:
        first.setdefault(u["jenis"], u["kode"])
    with open(REPO / "rules" / "target_2026.csv", encoding="utf-8") as fh:
        targets = list(csv.DictReader(fh))
    with open(REPO / "rules" / "pagu_2026.csv", encoding="utf-8") as fh:
        pagu = list(csv.DictReader(fh))
    return ({j: [r for r in targets if r["unit"] == k] for j, k in first.items()},
            {j: [r for r in pagu if r["unit"] == k] for j, k in first.items()})


def _units(n_units: int, n_kanwil: int) -> list[dict[str, str]]:
    kanwil = [{"kode": f"KW-{k + 1:02d}", "nama": f"Kanwil Ditjenpas {PROVINSI[k % len(PROVINSI)]}"
               + (f" {k // len(PROVINSI) + 1}" if k >= len(PROVINSI) else ""),
               "induk": "DITJENPAS", "jenis": "kanwil"} for k in range(n_kanwil)]
    upt = []
    for n in range(n_units):
        jenis = JENIS_CYCLE[n % len(JENIS_CYCLE)]
        prefix, title = JENIS_NAME[jenis]
        kw = kanwil[n % n_kanwil]
        upt.append({"kode": f"{prefix}-{n + 1:04d}", "nama": f"{title} {kw['nama'][17:]} {n + 1:04d}",
                    "induk": kw["kode"], "jenis": jenis})
    return kanwil + upt


def _nip(n: int) -> str:
    born = dt.date(1970, 1, 1) + dt.timedelta(days=(n * 37) % 9000)
    return f"{born:%Y%m%d}{2000 + n % 20}{1 + n % 12:02d}{1 + n % 2}{n % 1000:03d}"


def write_rules(folder: Path, n_units: int, n_kanwil: int) -> None:
    """A rules folder for the generated organisation, consistent with the loader's checks."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("indikator.yaml", "kebijakan.yaml"):
        shutil.copyfile(REPO / "rules" / name, folder / name)
    units = _units(n_units, n_kanwil)
    lines = ["# Organisasi hasil bangkitan benchmarks/run.py (bukan data nyata).",
             "instansi: Direktorat Jenderal Pemasyarakatan",
             "kementerian: Kementerian Imigrasi dan Pemasyarakatan Republik Indonesia",
             "penandatangan:",
             "  rekap: {jabatan: Kepala Subbagian Evaluasi dan Pelaporan, nama: Rina Kartikasari, "
             "nip: \"198305122009122003\"}",
             "  lkjip: {jabatan: Direktur Jenderal Pemasyarakatan, nama: Hendra Wiratmaja, "
             "nip: \"197011031992031001\"}",
             "unit:",
             "  - {kode: DITJENPAS, nama: Direktorat Jenderal Pemasyarakatan, jenis: ditjen,"
             " kepala: {nama: Hendra Wiratmaja, nip: \"197011031992031001\"}}"]
    for n, u in enumerate(units):
        lines.append(f"  - {{kode: {u['kode']}, nama: \"{u['nama']}\", induk: {u['induk']}, "
                     f"jenis: {u['jenis']}, kepala: {{nama: \"Kepala {u['kode']}\", nip: \"{_nip(n)}\"}}}}")
    (folder / "organisasi.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    import yaml

    spec = yaml.safe_load((REPO / "rules" / "indikator.yaml").read_text(encoding="utf-8"))
    flows = {i["kode"] for i in spec["indikator"]
             if i.get("agregasi_waktu") == "jumlah" and not i.get("rasio")}
    t_tpl, p_tpl = _templates_by_jenis()
    with open(folder / f"target_{YEAR}.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["unit", "indikator", "target_tahunan", "tw1", "tw2", "tw3", "tw4"])
        for n, u in enumerate(x for x in units if x["jenis"] != "kanwil"):
            k = 1 + n % 3   # an integer scale keeps the per_triwulan sums exact
            for row in t_tpl[u["jenis"]]:
                vals = [row[c] for c in ("target_tahunan", "tw1", "tw2", "tw3", "tw4")]
                if row["indikator"] in flows:
                    vals = [f"{float(v) * k:g}" for v in vals]
                out.writerow([u["kode"], row["indikator"], *vals])
    with open(folder / f"pagu_{YEAR}.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["unit", "kegiatan", "pagu"])
        for n, u in enumerate(x for x in units if x["jenis"] != "kanwil"):
            scale = 0.5 + (n % 7) / 4
            for row in p_tpl[u["jenis"]]:
                out.writerow([u["kode"], row["kegiatan"], f"{round(float(row['pagu']) * scale, -3):.0f}"])


def _received(rules: Any, quarter: int, n: int, rnd: random.Random) -> float:
    deadline = rules.policy.deadline(YEAR, quarter) or dt.date(YEAR, quarter * 3, 28)
    late = rnd.random() < 0.04
    day = deadline + dt.timedelta(days=rnd.randint(1, 12)) if late else deadline - dt.timedelta(
        days=rnd.randint(0, 8))
    return dt.datetime.combine(day, dt.time(7 + n % 10, (7 * n) % 60, n % 60)).timestamp()


_WORKER_RULES: Any = None


def _worker_init(rules_dir: str) -> None:
    global _WORKER_RULES
    from kinerja_pipeline.rules_load import load_rules

    _WORKER_RULES = load_rules(rules_dir)


def _write_return(job: tuple[int, str, int, str, str]) -> tuple[str, str]:
    """Write one returned workbook (the form with the unit's values typed in); return (name, note)."""
    from kinerja_pipeline.forms import write_form
    from kinerja_pipeline.layout import COL, plan_form
    from kinerja_pipeline.samples import plausible_values

    n, kode, quarter, mistake, path = job
    rules = _WORKER_RULES
    plan = plan_form(rules, kode, YEAR, quarter)
    cells = plausible_values(rules, plan, seed=n * 10 + quarter)
    note = "isian wajar"
    if mistake == "bukan-formulir":
        Path(path).write_bytes(random.Random(n).randbytes(20_000))
        return Path(path).name, "bukan spreadsheet (bita acak): tidak dikenali"
    plain = [r for r in plan.rows if not r.indicator.is_ratio]
    ratio = [r for r in plan.rows if r.indicator.is_ratio]
    if mistake == "kosong" and plain:
        cells.pop(f"{COL['realisasi']}{plain[0].row}", None)
        note = "realisasi kosong: tidak valid"
    elif mistake == "teks" and plain:
        cells[f"{COL['realisasi']}{plain[-1].row}"] = "sekitar 1.020 orang"
        note = "teks di sel angka: tidak valid"
    elif mistake == "pembilang" and ratio:
        r = ratio[0].row
        cells[f"{COL['pembilang']}{r}"] = int(cells[f"{COL['penyebut']}{r}"]) + 7
        note = "pembilang > penyebut: tidak valid"
    elif mistake == "penjelasan" and plain:
        row = next((r for r in plain if r.target_tw > 4), plain[0])
        cells[f"{COL['realisasi']}{row.row}"] = max(1, round(row.target_tw * 0.4))
        cells.pop(f"{COL['penjelasan']}{row.row}", None)
        note = "capaian rendah tanpa penjelasan: tidak valid"
    write_form(rules, plan, Path(path), generated_at=GENERATED_AT, prefill=cells)
    return Path(path).name, note


def generate(cache: Path, n_units: int, n_kanwil: int, quarters: int, seed: int, share: float,
             log: Any) -> None:
    """Rules and returned workbooks into ``cache`` (skipped when a complete copy is there)."""
    done = cache / "selesai.json"
    if done.is_file():
        return
    if cache.exists():
        shutil.rmtree(cache)
    started = time.perf_counter()
    write_rules(cache / "rules", n_units, n_kanwil)
    from kinerja_pipeline.rules_load import load_rules

    rules = load_rules(cache / "rules")
    units = [u.kode for u in rules.reporting_units]
    rnd, clock = random.Random(seed), random.Random(seed + 1)
    jobs, stamps, duplicates = [], {}, []
    for q in range(1, quarters + 1):
        folder = cache / f"TW{q}"
        folder.mkdir(parents=True)
        for n, kode in enumerate(units):
            mistake = rnd.choice(MISTAKES) if rnd.random() < share else ""
            path = folder / f"{kode.lower()}_tw{q}_{YEAR}.xlsx"
            stamps[path] = _received(rules, q, n, clock)
            if mistake == "duplikat" and n > 0:
                duplicates.append((path, folder / f"{units[n - 1].lower()}_tw{q}_{YEAR}.xlsx"))
                mistake = ""   # written like any other, then replaced by the copy
            jobs.append((n, kode, q, mistake, str(path)))
    notes: dict[str, str] = {}
    workers = max(1, min(os.cpu_count() or 1, 8))
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(str(cache / "rules"),)) as pool:
        for k, (name, note) in enumerate(pool.map(_write_return, jobs, chunksize=16), start=1):
            notes[name] = note
            if k % 500 == 0:
                log(f"  … {k}/{len(jobs)} berkas kiriman dibuat")
    for path, source in duplicates:
        shutil.copyfile(source, path)
        notes[path.name] = f"berkas yang sama dengan {source.name}: duplikat"
    for path, stamp in stamps.items():
        os.utime(path, (stamp, stamp))
    bad = sum(1 for v in notes.values() if v != "isian wajar")
    done.write_text(json.dumps({"berkas": len(jobs), "bermasalah": bad,
                                "detik": round(time.perf_counter() - started, 1),
                                "catatan": notes}, ensure_ascii=False, indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    wall: float
    peak: int          # bytes
    returncode: int
    output: str
    cpu: float = 0.0   # user + system CPU seconds of the process and the children it waited for


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def _tree_memory(pid: int) -> int:
    """Proportional set size of ``pid`` and its descendants (shared pages counted once)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += _children(p)
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            try:
                with open(f"/proc/{p}/statm") as fh:
                    total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except OSError:
                pass
    return total


def _cpu_ticks() -> tuple[int, int]:
    """(all, stolen) CPU time of the machine so far, in clock ticks (Linux; (0, 0) elsewhere).

    "Stolen" is time a virtual machine's CPUs waited for the host: on a shared machine it
    slows every step, and not all alike, so the table says how much there was."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]
        return sum(fields), fields[7]
    except (OSError, ValueError, IndexError):
        return 0, 0


STOLEN = [0, 0]  # (all, stolen) ticks during the measured steps


def measure(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Measure:
    """Run ``cmd`` in a fresh process (``env``: added to this one's environment); its wall time
    and peak memory (see module docstring)."""
    out = tempfile.TemporaryFile()
    ticks = _cpu_ticks()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONHASHSEED": "0", **(env or {})})
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_memory(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if sys.platform.startswith("linux"):
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    now = _cpu_ticks()
    STOLEN[0] += now[0] - ticks[0]
    STOLEN[1] += now[1] - ticks[1]
    stop.set()
    if sampler.is_alive():
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    maxrss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    out.close()
    return Measure(wall, max(peak[0], maxrss), proc.returncode, text, usage.ru_utime + usage.ru_stime)


def _median(ms: list[Measure]) -> Measure:
    """The run with the median wall time, with the highest peak memory of all runs."""
    mid = sorted(ms, key=lambda m: m.wall)[(len(ms) - 1) // 2]
    return Measure(mid.wall, max(m.peak for m in ms), mid.returncode, mid.output,
                   statistics.median(m.cpu for m in ms))


def _check(m: Measure, what: str) -> Measure:
    if m.returncode != 0:
        raise SystemExit(f"{what} gagal (kode {m.returncode}):\n{m.output[-3000:]}")
    return m


def _compiled() -> None:
    """The package's bytecode written, as ``pip install`` writes it: measured runs then do not
    compile the modules again (an editable install under ``PYTHONDONTWRITEBYTECODE`` would)."""
    import compileall

    import kinerja_pipeline

    compileall.compile_dir(Path(kinerja_pipeline.__file__).parent, quiet=1)


def _kinerja() -> list[str]:
    _compiled()
    script = Path(sys.executable).parent / ("kinerja.exe" if os.name == "nt" else "kinerja")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from kinerja_pipeline.cli import run; run()"]


def _workspace(root: Path, cache: Path, quarters: range) -> Path:
    """A fresh workspace: the generated rules and the returns of ``quarters`` in its inbox."""
    if root.exists():
        shutil.rmtree(root)
    (root / "inbox").mkdir(parents=True)
    shutil.copytree(cache / "rules", root / "rules")
    for q in quarters:
        for src in sorted((cache / f"TW{q}").iterdir()):
            dst = root / "inbox" / src.name
            try:
                os.link(src, dst)          # ingest moves, never changes, the file
            except OSError:
                shutil.copy2(src, dst)
    return root


NAIVE = """
import glob, sys, pandas as pd
frames = []
for path in sorted(glob.glob(sys.argv[1] + "/*")):
    try:
        frames.append(pd.read_excel(path, sheet_name="Data Kinerja"))
    except Exception:
        pass
data = pd.concat(frames, ignore_index=True)
print(len(frames), "berkas,", len(data), "baris")
"""

RAW = """
import glob, sys
from python_calamine import CalamineWorkbook
n = 0
for path in sorted(glob.glob(sys.argv[1] + "/*")):
    try:
        wb = CalamineWorkbook.from_path(path)
        for name in ("Data Kinerja", "_meta"):
            if name in wb.sheet_names:
                n += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    except Exception:
        pass
print(n, "baris")
"""


# --------------------------------------------------------------------------- report


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB".replace(",", ".")


def _s(x: float) -> str:
    return f"{x:,.2f} s".replace(",", "X").replace(".", ",").replace("X", ".")


def _x(x: float) -> str:
    return f"{x:.2f}×".replace(".", ",")


def table(rows: list[tuple[str, str, str, str, str, str]]) -> str:
    head = ("#", "Langkah", "Waktu", "Memori puncak", "Angka / rasio", "Sasaran")
    cells = [head, *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Benchmark kinerja-pipeline pada organisasi bangkitan.")
    p.add_argument("--units", type=int, default=1000, help="jumlah unit pelapor (bawaan 1000)")
    p.add_argument("--kanwil", type=int, default=34, help="jumlah Kanwil (bawaan 34)")
    p.add_argument("--quarters", type=int, default=4, choices=(1, 2, 3, 4), help="triwulan (bawaan 4)")
    p.add_argument("--mistakes", type=float, default=0.05, help="bagian berkas bermasalah (bawaan 0,05)")
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kinerja-benchmark",
                   help="folder kerja; berkas bangkitan di-cache di sini (bawaan: %(default)s)")
    p.add_argument("--help-runs", type=int, default=5, help="berapa kali 'kinerja --help' diukur (median)")
    p.add_argument("--repeat", type=int, default=5,
                   help="berapa kali ingest 1 triwulan dan baca mentah diukur, berselang-seling (median)")
    p.add_argument("--speed-paths", default="all", metavar="NAMA,…",
                   help="baris 8: ingest 1 triwulan tanpa tiap jalur cepat (KINERJA_FAST=-nama; 0: semua mati), "
                        "diukur --repeat kali berselang-seling dengan ingest bawaan (bawaan: all; none: lewati)")
    p.add_argument("--only-speed-paths", action="store_true",
                   help="ukur baris 8 saja (lewati langkah 1–7)")
    args = p.parse_args(argv)
    if args.units < 4 or args.kanwil < 1:
        p.error("--units minimal 4 (satu unit tiap jenis) dan --kanwil minimal 1")
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731

    key = (f"u{args.units}-k{args.kanwil}-q{args.quarters}-m{args.mistakes:g}-s{args.seed}"
           f"-g{GENERATOR_VERSION}-{_rules_digest()}")
    cache = args.work / "cache" / key
    log(f"Berkas bangkitan: {cache}")
    generate(cache, args.units, args.kanwil, args.quarters, args.seed, args.mistakes, log)
    info = json.loads((cache / "selesai.json").read_text(encoding="utf-8"))
    n = args.units
    k = _kinerja()
    runs = args.work / "runs"
    rows = []

    paths = _speed_paths(args.speed_paths, p)
    if args.only_speed_paths:
        if not paths:
            p.error("--only-speed-paths perlu --speed-paths")
        _print_head(args, info)
        print(table(_speed_rows(k, runs, cache, n, paths, args.repeat, log)))
        _print_stolen()
        return 0

    naive_dir = _workspace(runs / "baca", cache, range(1, 2)) / "inbox"
    ingests, raws = [], []
    for r in range(max(1, args.repeat)):  # interleaved, so that both see the machine alike
        log(f"1. ingest satu triwulan ({r + 1}/{args.repeat})")
        ws1 = _workspace(runs / "ingest-1", cache, range(1, 2))
        ingests.append(_check(measure([*k, "-w", str(ws1), "ingest"]), "ingest TW I"))
        log(f"3. baca mentah python-calamine ({r + 1}/{args.repeat})")
        raws.append(_check(measure([sys.executable, "-c", RAW, str(naive_dir)]), "baca mentah"))
        log(f"   putaran {r + 1}: ingest {_s(ingests[-1].wall)}, mentah {_s(raws[-1].wall)}, "
            f"rasio {_x(ingests[-1].wall / raws[-1].wall)}")
    m1, m3 = _median(ingests), _median(raws)
    ratios = [i.wall / r.wall for i, r in zip(ingests, raws)]  # each round: ingest, then the raw read
    log("2. skrip analis naif (pandas.read_excel)")
    m2 = _check(measure([sys.executable, "-c", NAIVE, str(naive_dir)]), "skrip naif")
    log(f"4. ingest {args.quarters} triwulan")
    ws4 = _workspace(runs / "ingest-semua", cache, range(1, args.quarters + 1))
    m4 = _check(measure([*k, "-w", str(ws4), "ingest"]), "ingest semua triwulan")
    log("5. rekap")
    m5 = _check(measure([*k, "-w", str(ws4), "rekap", "--year", str(YEAR)]), "rekap")
    log("6. forms")
    wsf = runs / "forms"
    if wsf.exists():
        shutil.rmtree(wsf)
    shutil.copytree(cache / "rules", wsf / "rules")
    m6 = _check(measure([*k, "-w", str(wsf), "forms", "--year", str(YEAR), "--quarter", "1"]), "forms")
    log("7. --help")
    helps = [_check(measure([*k, "--help"]), "--help") for _ in range(max(1, args.help_runs))]
    m7 = min(helps, key=lambda m: m.wall)
    help_median = statistics.median(m.wall for m in helps)

    files4 = n * args.quarters
    spread = lambda ms: "–".join(_s(x).removesuffix(" s") for x in (min(m.wall for m in ms), max(m.wall for m in ms)))  # noqa: E731
    rows.append(("1", f"kinerja ingest, 1 triwulan ({n} berkas)", _s(m1.wall), _mb(m1.peak),
                 f"{n / m1.wall:,.0f} berkas/s".replace(",", ".")
                 + (f"; median dari {len(ingests)} ({spread(ingests)} s)" if len(ingests) > 1 else ""), "—"))
    rows.append(("2", "skrip naif pandas.read_excel, tanpa validasi", _s(m2.wall), _mb(m2.peak),
                 f"sejawat naif ÷ ingest = {_x(m2.wall / m1.wall)}", "≥ 3×"))
    rows.append(("3", "baca mentah python-calamine (1 proses)", _s(m3.wall), _mb(m3.peak),
                 f"batas ingest ÷ mentah = {_x(statistics.median(ratios))}"
                 + (f" (median rasio {len(ratios)} putaran: {_x(min(ratios))}–{_x(max(ratios))})"
                    if len(ratios) > 1 else "")
                 + (f"; median dari {len(raws)} ({spread(raws)} s)" if len(raws) > 1 else ""), "≤ 5×"))
    rows.append(("4", f"kinerja ingest, {args.quarters} triwulan ({files4} berkas)", _s(m4.wall),
                 _mb(m4.peak), f"waktu {_x(m4.wall / m1.wall)}, memori {_x(m4.peak / m1.peak)} dari (1)",
                 f"≤ {args.quarters * 1.1:.1f}×, ≤ 1,3×".replace(".", ",")))
    rows.append(("5", f"kinerja rekap, {n} unit × {args.quarters} triwulan", _s(m5.wall), _mb(m5.peak),
                 "—", "≤ 60 s, ≤ 1,5 GB"))
    rows.append(("6", f"kinerja forms, {n} unit", _s(m6.wall), _mb(m6.peak),
                 f"{n / m6.wall:,.1f} formulir/s".replace(".", ","), "≥ 50/s"))
    rows.append(("7", "kinerja --help", _s(help_median), _mb(m7.peak),
                 f"median dari {len(helps)}", "≤ 0,3 s"))
    if paths:
        rows += _speed_rows(k, runs, cache, n, paths, args.repeat, log)

    _print_head(args, info)
    print(table(rows))
    print("Memori puncak: PSS seluruh pohon proses (sampel tiap 50 ms) atau maxrss proses terbesar, "
          "mana yang lebih besar.")
    _print_stolen()
    return 0


def _print_head(args: argparse.Namespace, info: dict[str, Any]) -> None:
    import platform

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
    print(f"Benchmark kinerja-pipeline: {args.units} unit pelapor di bawah {args.kanwil} Kanwil, "
          f"{args.quarters} triwulan, {info['berkas']} berkas kiriman ({info['bermasalah']} bermasalah)")
    print(f"Mesin: {os.cpu_count()} inti, RAM {mem / 1024 ** 3:.0f} GB, Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()}")


def _print_stolen() -> None:
    if STOLEN[0]:
        share = 100 * STOLEN[1] / STOLEN[0]
        print(f"Waktu CPU yang dicuri hypervisor selama pengukuran: {share:.1f} %".replace(".", ",")
              + (" — mesin sedang sibuk dipakai bersama; ulangi saat tenang untuk angka yang bersih."
                 if share > 2 else " (mesin tenang)."))


def _speed_paths(value: str, parser: argparse.ArgumentParser) -> list[str]:
    """The speed paths to measure (names of ``kinerja_pipeline.fast.PATHS``), "0" for all off."""
    sys.path.insert(0, str(REPO))
    from kinerja_pipeline.fast import PATHS

    if value in ("", "none"):
        return []
    names = [*PATHS, "0"] if value == "all" else [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in names if v not in PATHS and v != "0"]
    if unknown:
        parser.error(f"jalur cepat tidak dikenal: {', '.join(unknown)} (ada: {', '.join(PATHS)}, atau 0)")
    return names


def _speed_rows(k: list[str], runs: Path, cache: Path, n: int, paths: list[str], repeat: int,
                log: Any) -> list[tuple[str, str, str, str, str, str]]:
    """One row per speed path: ingest of one quarter with that path off (``KINERJA_FAST=-name``;
    ``0``: every path off), measured ``repeat`` times alternately with the default ingest, and
    the gain of the path: (median without it − median of the default) ÷ median of the default,
    in wall time and in CPU time (of every process of the run)."""
    variants = ["1", *(("0" if name == "0" else f"-{name}") for name in paths)]
    times: dict[str, list[Measure]] = {v: [] for v in variants}
    for r in range(max(1, repeat)):
        # each round in another order: a machine getting busier during a round favours no variant
        for v in variants[r % len(variants):] + variants[:r % len(variants)]:
            log(f"8. ingest satu triwulan, KINERJA_FAST={v} ({r + 1}/{repeat})")
            ws = _workspace(runs / "ingest-jalur", cache, range(1, 2))
            times[v].append(_check(measure([*k, "-w", str(ws), "ingest"], env={"KINERJA_FAST": v}),
                                   f"ingest KINERJA_FAST={v}"))
            log(f"   {_s(times[v][-1].wall)}, CPU {_s(times[v][-1].cpu)}")
    base = _median(times["1"])
    spread = lambda ms: "–".join(_s(x).removesuffix(" s") for x in sorted(m.wall for m in ms)[::max(1, len(ms) - 1)])  # noqa: E731
    pct = lambda x: f"{'+' if x >= 0 else '−'}{abs(x):.1f} %".replace(".", ",")  # noqa: E731
    rows = [("8", f"ingest 1 triwulan ({n} berkas), semua jalur cepat (bawaan)", _s(base.wall), _mb(base.peak),
             f"median dari {len(times['1'])} ({spread(times['1'])} s); CPU {_s(base.cpu)}", "—")]
    for i, v in enumerate(variants[1:], start=1):
        m = _median(times[v])
        what = "semua jalur cepat mati (KINERJA_FAST=0)" if v == "0" else f"tanpa jalur '{v[1:]}'"
        rows.append((f"8.{i}", f"ingest 1 triwulan, {what}", _s(m.wall), _mb(m.peak),
                     f"waktu {pct((m.wall - base.wall) / base.wall * 100)} dari (8) ({spread(times[v])} s); "
                     f"CPU {_s(m.cpu)}, {pct((m.cpu - base.cpu) / base.cpu * 100)}",
                     "jalur ≥ 5 %" if v != "0" else "—"))
    return rows


if __name__ == "__main__":
    sys.exit(main())
