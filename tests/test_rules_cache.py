"""The rules cache (speed path "rulescache"): the same rules as reading them, never stale."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from kinerja_pipeline import rules_cache, rules_load
from kinerja_pipeline.errors import RulesError
from kinerja_pipeline.rules_cache import CACHE_ENV

from conftest import SAMPLE_RULES


@pytest.fixture()
def rules_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    shutil.copytree(SAMPLE_RULES, folder)
    return folder


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every time the rules are read from their files (not from the cache)."""
    seen: list[Path] = []
    real = rules_load.read_rules

    def counting(folder: Path):
        seen.append(folder)
        return real(folder)

    monkeypatch.setattr(rules_load, "read_rules", counting)
    return seen


def _fields(rules) -> dict:
    return {f.name: getattr(rules, f.name) for f in dataclasses.fields(rules)}


def test_the_second_load_comes_from_the_cache_and_equals_a_fresh_read(rules_dir: Path, reads: list[Path]) -> None:
    first = rules_load.load_rules(rules_dir)
    second = rules_load.load_rules(rules_dir)
    assert len(reads) == 1
    fresh = rules_load.read_rules(rules_dir)
    assert repr(_fields(second)) == repr(_fields(fresh)) == repr(_fields(first))
    assert second.folder == rules_dir
    assert list((rules_dir.parent / "cache").glob("aturan-*.pickle"))


def test_a_changed_rules_file_is_read_again(rules_dir: Path, reads: list[Path]) -> None:
    before = rules_load.load_rules(rules_dir)
    org = rules_dir / "organisasi.yaml"
    text = org.read_text(encoding="utf-8")
    org.write_text(text.replace(before.instansi, before.instansi + " Baru", 1), encoding="utf-8")
    after = rules_load.load_rules(rules_dir)
    assert len(reads) == 2 and after.instansi == before.instansi + " Baru"


def test_a_new_file_in_the_folder_changes_the_entry(rules_dir: Path, reads: list[Path]) -> None:
    rules_load.load_rules(rules_dir)
    (rules_dir / "catatan.txt").write_text("x", encoding="utf-8")
    rules_load.load_rules(rules_dir)
    assert len(reads) == 2


def test_rules_with_a_mistake_are_never_kept(rules_dir: Path, reads: list[Path]) -> None:
    (rules_dir / "kebijakan.yaml").write_text("persetujuan: [\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RulesError):
            rules_load.load_rules(rules_dir)
    assert len(reads) == 2
    assert not list((rules_dir.parent / "cache").glob("aturan-*.pickle"))


def test_a_damaged_entry_is_read_afresh_and_replaced(rules_dir: Path, reads: list[Path]) -> None:
    rules_load.load_rules(rules_dir)
    (entry,) = (rules_dir.parent / "cache").glob("aturan-*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])
    rules = rules_load.load_rules(rules_dir)
    assert len(reads) == 2 and rules.units
    rules_load.load_rules(rules_dir)
    assert len(reads) == 2  # the replaced entry serves again


def test_a_cache_folder_that_cannot_be_written_is_no_error(rules_dir: Path, reads: list[Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = rules_dir.parent / "bukan-folder"
    blocker.write_text("x", encoding="utf-8")  # a file where the cache folder would be
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert rules_load.load_rules(rules_dir).units
    assert rules_load.load_rules(rules_dir).units
    assert len(reads) == 2


def test_switched_off_it_neither_reads_nor_writes(rules_dir: Path, reads: list[Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_FAST", "-rulescache")
    rules_load.load_rules(rules_dir)
    rules_load.load_rules(rules_dir)
    assert len(reads) == 2
    assert not (rules_dir.parent / "cache").exists()


def test_only_a_few_entries_are_kept(rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_cache, "KEEP", 2)
    for n in range(4):
        (rules_dir / "catatan.txt").write_text(str(n), encoding="utf-8")
        rules_load.load_rules(rules_dir)
    assert len(list((rules_dir.parent / "cache").glob("aturan-*.pickle"))) == 2


def test_the_default_folder_is_the_operators_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(rules_cache.sys, "platform", "linux")
    assert rules_cache.cache_dir() == tmp_path / "kinerja-pipeline"
    monkeypatch.setattr(rules_cache.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert rules_cache.cache_dir() == tmp_path / "Local" / "kinerja-pipeline" / "cache"


def test_the_rules_keep_the_folder_as_each_command_gave_it(rules_dir: Path, reads: list[Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    absolute = rules_load.load_rules(rules_dir)
    monkeypatch.chdir(rules_dir.parent)
    relative = rules_load.load_rules(Path("rules"))
    assert absolute.folder == rules_dir and relative.folder == Path("rules")
    assert rules_load.load_rules(Path("rules")).folder == Path("rules") and len(reads) == 2


def test_rules_read_while_a_file_changed_are_not_kept(rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = rules_load.read_rules

    def read_then_edit(folder: Path):
        rules = real(folder)
        (folder / "catatan.txt").write_text("diubah saat dibaca", encoding="utf-8")
        return rules

    monkeypatch.setattr(rules_load, "read_rules", read_then_edit)
    rules_load.load_rules(rules_dir)
    assert not list((rules_dir.parent / "cache").glob("aturan-*.pickle"))


def test_no_home_folder_is_no_error(rules_dir: Path, reads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(rules_cache.Path, "home", staticmethod(no_home))
    assert rules_load.load_rules(rules_dir).units and len(reads) == 1
