"""The README is the users' document: it starts with a two-command Quick start, names every
command and switch the program has, and holds no citations of documents outside the repository
and no measurement lab notes (those live in benchmarks/README.md)."""
from __future__ import annotations

import re

from kinerja_pipeline import fast
from kinerja_pipeline.cli import main

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
BENCHMARKS = (REPO / "benchmarks" / "README.md").read_text(encoding="utf-8")

# words of a performance lab notebook, not of an operator's manual
LAB_WORDS = ("valgrind", "gc.freeze", "memchr", "hypervisor", "instruksi CPU", "expat", "maxrss", "PSS ")


def _sections(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, flags=re.MULTILINE)


def test_quick_start_comes_first_with_exactly_two_commands() -> None:
    assert _sections(README)[0] == "Quick start"
    body = README.split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", body, flags=re.DOTALL)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "kinerja demo" in commands[0] and "pytest" in commands[1] and "[test]" in commands[1]


def test_no_citation_of_documents_outside_the_repository() -> None:
    for text in (README, BENCHMARKS):
        assert "DESIGN" not in text and not re.search(r"§\s*\d", text)


def test_lab_notes_live_in_the_benchmark_readme() -> None:
    found = [word for word in LAB_WORDS if word in README]
    assert found == [], f"catatan pengukuran di README pengguna: {found}"
    assert "valgrind" in BENCHMARKS and "KINERJA_FAST" in BENCHMARKS


def test_every_command_and_switch_is_documented() -> None:
    for name in main.commands:
        assert re.search(rf"`(kinerja [^`]*)?{name}\b", README), f"perintah '{name}' tidak disebut di README"
    for variable in ("KINERJA_FAST", "KINERJA_WORKERS"):
        assert variable in README
    for path in fast.PATHS:
        assert f"`{path}`" in BENCHMARKS, f"jalur cepat '{path}' tidak dijelaskan di benchmarks/README.md"


def test_the_checks_above_can_fail() -> None:
    """The scans find what they look for when it is there."""
    assert _sections("# t\n## Quick start\n## Lain\n") == ["Quick start", "Lain"]
    assert re.search(r"§\s*\d", "lihat DESIGN §6")
    assert [w for w in LAB_WORDS if w in "diukur dengan valgrind"] == ["valgrind"]
