#!/usr/bin/env python
"""Work per file in CPU instructions: a figure a shared machine cannot blur (Linux, valgrind).

Wall times on a shared virtual machine swing by tens of percent from one minute to the next
(see ``run.py``). Instructions counted by valgrind (``--tool=cachegrind --cache-sim=no``) do
not: the same code on the same files gives the same count, whatever else the machine does.
This script counts, over every process of the command (forked workers included):

- ``kinerja ingest`` with 2 workers of the first ``--small`` and of the first ``--large``
  files of the benchmark's TW1 returns: the difference, divided by the difference in files,
  is the ingest work per file (start-up, imports and rules fall out of the difference);
- the raw python-calamine read of ``run.py`` (step 3) of the same files, the same way.

It prints both and their ratio, the "work" counterpart of ``run.py``'s limit ratio (which also
depends on how much the second core gives). Under valgrind everything runs ≈40× slower: the
default sizes take 3–4 minutes. Use the files ``run.py`` generated (same ``--work``)::

    python benchmarks/run.py                 # once, to generate the files
    python benchmarks/instructions.py        # then count
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the benchmark's files, workspace and raw-read script)


def _count(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions executed by ``cmd`` and every process it forks."""
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          *cmd], env={**os.environ, "PYTHONHASHSEED": "0", **env},
                         capture_output=True, text=True, check=True)
    counts = re.findall(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if not counts:
        raise SystemExit(f"valgrind tidak melaporkan jumlah instruksi:\n{out.stderr[-2000:]}")
    return sum(int(c.replace(",", "")) for c in counts)


def _files(cache: Path, n: int, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    for src in sorted((cache / "TW1").iterdir())[:n]:
        os.link(src, into / src.name)
    return into


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Kerja CPU per berkas (instruksi, valgrind): ingest dan baca mentah.")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kinerja-benchmark",
                   help="folder kerja run.py (berkas bangkitannya dipakai ulang)")
    p.add_argument("--small", type=int, default=100)
    p.add_argument("--large", type=int, default=300)
    args = p.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind tidak terpasang (Debian/Ubuntu: apt install valgrind).")
    caches = sorted((args.work / "cache").glob("*/selesai.json"))
    if not caches:
        raise SystemExit(f"Belum ada berkas bangkitan di {args.work}: jalankan dulu python benchmarks/run.py.")
    cache = caches[-1].parent
    scratch = args.work / "instruksi"
    per_file = {}
    for what in ("ingest", "mentah"):
        totals = []
        for n in (args.small, args.large):
            print(f"{what}, {n} berkas …", file=sys.stderr, flush=True)
            if what == "ingest":
                ws = bench._workspace(scratch / "ws", cache, range(1, 2))
                shutil.rmtree(ws / "inbox")
                _files(cache, n, ws / "inbox")
                totals.append(_count([*bench._kinerja(), "-w", str(ws), "ingest"], {"KINERJA_WORKERS": "2"}))
            else:
                folder = _files(cache, n, scratch / "mentah")
                totals.append(_count([sys.executable, "-c", bench.RAW, str(folder)], {}))
        per_file[what] = (totals[1] - totals[0]) / (args.large - args.small)
    shutil.rmtree(scratch, ignore_errors=True)
    ingest, raw = per_file["ingest"], per_file["mentah"]
    print(f"Kerja per berkas (berkas {args.small + 1}–{args.large} dari TW1, semua proses):")
    print(f"  kinerja ingest (2 pekerja): {ingest / 1e6:.2f} juta instruksi".replace(".", ","))
    print(f"  baca mentah python-calamine: {raw / 1e6:.2f} juta instruksi".replace(".", ","))
    print(f"  ingest ÷ mentah: {ingest / raw:.2f}×".replace(".", ","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
