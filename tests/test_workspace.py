"""Workspace: safe file names, atomic writes, and the one-run lock."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kinerja_pipeline.errors import WorkspaceError
from kinerja_pipeline.workspace import (Workspace, atomic_write, atomic_write_bytes, atomic_write_text,
                                        move_no_overwrite, open_workspace, safe_name, workspace_lock)

SAFE = re.compile(r"[A-Za-z0-9._-]+")
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"COM{i}" for i in range(10)),
            *(f"LPT{i}" for i in range(10))}


def assert_safe(name: str, max_len: int = 60) -> None:
    assert SAFE.fullmatch(name), name
    assert not name.startswith((".", " ")), name
    assert not name.endswith((".", " ")), name
    assert name.split(".")[0].upper() not in RESERVED, name
    assert len(name) <= max_len + 9, name
    assert name not in (".", "..")


# --------------------------------------------------------------------------- safe_name


@pytest.mark.parametrize("text", [
    "../../etc/passwd", "..\\..\\Windows\\system32", "/absolute/path", "C:\\Users\\x", "a/b", "a\\b",
    "CON", "con", "Con.txt", "PRN", "AUX", "NUL", "COM1", "lpt9", "COM0", "LPT0", "CONIN$", "CON ",
    "CON.", "NUL.tar.gz",
    "..", ".", "...", " ", "", ".hidden", "trailing.", "trailing ", "LP:*?\"<>|", "LP\x00NUL",
    "Lapas Ñ Cipinang", "Rutan Kelas I — Medan", "中文单位", "😀", "\u202eRLO", "x" * 500,
    "../LP:*?\"<>|CON",
], ids=lambda text: repr(text)[:24])
def test_safe_name_neutralises_hostile_codes(text: str, tmp_path: Path) -> None:
    name = safe_name(text)
    assert_safe(name)
    path = tmp_path / name
    path.write_text("x", encoding="utf-8")  # a real file can be made with it ...
    assert path.resolve().parent == tmp_path.resolve()  # ... right here, not elsewhere


@pytest.mark.parametrize("text", ["LP-SUKAMISKIN", "KW-JABAR", "RT_MEDAN.2", "ABC123"])
def test_ordinary_codes_stay_readable(text: str) -> None:
    assert safe_name(text) == text


def test_changed_codes_never_share_a_name() -> None:
    codes = ["a/b", "a:b", "a\\b", "a_b", "a b", "A/B", "con", "CON", "x" * 100, "x" * 101, "", " "]
    names = [safe_name(c) for c in codes]
    assert len(set(names)) == len(codes)
    assert safe_name("a/b") == safe_name("a/b")  # deterministic


def test_very_long_codes_are_cut_and_keep_a_hash() -> None:
    name = safe_name("LAPAS-" + "A" * 300)
    assert len(name) == 60 + 9
    assert re.fullmatch(r"LAPAS-A+-[0-9a-f]{8}", name)
    assert len(safe_name("x" * 300, max_len=20)) == 20 + 9


@given(st.text(max_size=200))
@example("\ud800")  # a lone surrogate (possible in file names read from disk)
@settings(max_examples=300)
def test_safe_name_property(text: str) -> None:
    name = safe_name(text)
    assert_safe(name)
    if SAFE.fullmatch(text) and text == text.strip("._ ") and len(text) <= 60 \
            and text.split(".")[0].upper() not in RESERVED:
        assert name == text


# --------------------------------------------------------------------------- atomic writes


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp"))


def test_atomic_write_failure_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "keluaran" / "rekap.xlsx"
    atomic_write_bytes(target, b"versi lama")

    def half_then_crash(tmp: Path) -> None:
        tmp.write_bytes(b"setengah")
        raise RuntimeError("disk penuh")

    with pytest.raises(RuntimeError, match="disk penuh"):
        atomic_write(target, half_then_crash)
    assert target.read_bytes() == b"versi lama"
    assert _leftovers(target.parent) == []
    assert sorted(p.name for p in target.parent.iterdir()) == ["rekap.xlsx"]


def test_atomic_write_failure_before_anything_is_written(tmp_path: Path) -> None:
    target = tmp_path / "baru.csv"

    def crash(tmp: Path) -> None:
        tmp.unlink()  # e.g. a writer that removed its output before failing
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, crash)
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_atomic_write_success(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "hasil.txt"
    assert atomic_write_text(target, "Capaian 98,5%\n") == target
    assert target.read_text(encoding="utf-8") == "Capaian 98,5%\n"
    atomic_write_text(target, "baru")
    assert target.read_text(encoding="utf-8") == "baru"
    assert _leftovers(target.parent) == []


def test_move_no_overwrite(tmp_path: Path) -> None:
    src, dest = tmp_path / "inbox" / "x.xlsx", tmp_path / "arsip" / "x.xlsx"
    src.parent.mkdir()
    src.write_bytes(b"isi")
    move_no_overwrite(src, dest)
    assert not src.exists() and dest.read_bytes() == b"isi"
    src.write_bytes(b"isi")  # same bytes again: source simply removed
    move_no_overwrite(src, dest)
    assert not src.exists() and dest.read_bytes() == b"isi"
    src.write_bytes(b"lain")  # different bytes: never overwritten
    with pytest.raises(WorkspaceError, match="tidak ditimpa"):
        move_no_overwrite(src, dest)
    assert src.read_bytes() == b"lain" and dest.read_bytes() == b"isi"


def test_inside_refuses_paths_outside_the_workspace(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    (tmp_path / "ws").mkdir()
    assert ws.inside(ws.root / "arsip" / "x.xlsx") == (ws.root / "arsip" / "x.xlsx").resolve()
    with pytest.raises(WorkspaceError, match="di luar workspace"):
        ws.inside(ws.root / ".." / "rahasia.txt")


def test_open_workspace_messages(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="tidak ada. Pilih folder lain dengan -w, atau buat "
                                             "workspace di sana dengan: kinerja init"):
        open_workspace(tmp_path / "tidak-ada")
    with pytest.raises(WorkspaceError, match="bukan workspace: tidak ada folder rules/"):
        open_workspace(tmp_path)
    assert open_workspace(tmp_path, must_have_rules=False).root == tmp_path.absolute()


# --------------------------------------------------------------------------- the lock


def test_second_holder_is_refused_in_indonesian(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with workspace_lock(ws):
        assert f"PID {os.getpid()}" in ws.lock_path.read_text(encoding="utf-8")
        with pytest.raises(WorkspaceError) as info:
            with workspace_lock(ws):
                pytest.fail("two holders at once")
        message = str(info.value)
        assert "sedang dipakai oleh perintah kinerja lain" in message
        assert f"PID {os.getpid()}" in message  # says who holds it
        assert "Tunggu sampai perintah itu selesai" in message
    with workspace_lock(ws):  # released at exit: the next run gets it
        pass


def test_lock_is_released_when_the_command_fails(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with pytest.raises(ValueError):
        with workspace_lock(ws):
            raise ValueError("gagal di tengah jalan")
    with workspace_lock(ws):
        pass


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kinerja_pipeline.workspace import Workspace, workspace_lock
    with workspace_lock(Workspace(Path(sys.argv[1]))):
        print("memegang", flush=True)
        time.sleep(120)
""")


def _start_holder(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if line.strip() != "memegang":
        proc.kill()
        raise AssertionError(f"holder did not start: {line!r} {proc.stderr.read()}")
    return proc


def test_lock_of_another_process_blocks_and_a_killed_holder_does_not(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    proc = _start_holder(tmp_path)
    try:
        with pytest.raises(WorkspaceError, match=f"sedang dipakai.*PID {proc.pid}"):
            with workspace_lock(ws):
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert ws.lock_path.exists()  # the stale lock file is still there ...
    with workspace_lock(ws):  # ... and does not block the next run
        assert f"PID {os.getpid()}" in ws.lock_path.read_text(encoding="utf-8")
