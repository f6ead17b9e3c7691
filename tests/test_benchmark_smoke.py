"""The benchmark (benchmarks/run.py) runs end to end on a tiny organisation and prints its table.

A smoke test only: nothing here is timed (speed is measured by the benchmark).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kinerja_pipeline.fast import PATHS

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_benchmark_prints_its_table_on_a_tiny_organisation(tmp_path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--units", "6", "--kanwil", "2", "--quarters", "2",
                           "--help-runs", "1", "--repeat", "2", "--work", str(tmp_path / "bench")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "6 unit pelapor di bawah 2 Kanwil, 2 triwulan, 12 berkas kiriman" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    paths = [f"8.{i}" for i in range(1, len(PATHS) + 2)]  # one row per speed path, then all of them off
    assert [row.split("|")[1].strip() for row in rows] == ["1", "2", "3", "4", "5", "6", "7", "8", *paths]
    for needle in ("kinerja ingest, 1 triwulan (6 berkas)", "sejawat naif ÷ ingest", "batas ingest ÷ mentah",
                   "kinerja ingest, 2 triwulan (12 berkas)", "kinerja rekap", "formulir/s", "kinerja --help",
                   *(f"tanpa jalur '{name}'" for name in PATHS), "semua jalur cepat mati (KINERJA_FAST=0)"):
        assert needle in out, out
    # the generated files are cached: a second run reuses them and prints the table again
    again = subprocess.run([sys.executable, str(SCRIPT), "--units", "6", "--kanwil", "2", "--quarters", "2",
                            "--help-runs", "1", "--repeat", "1", "--speed-paths", "none", "--work", str(tmp_path / "bench")],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "dibuat" not in again.stderr
    numbers = [line.split("|")[1].strip() for line in again.stdout.splitlines()
               if line.startswith("| ") and not line.startswith("| #")]
    assert numbers == ["1", "2", "3", "4", "5", "6", "7"]  # row 8 skipped (--speed-paths none)
