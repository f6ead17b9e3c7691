"""The registry of issue codes: every emitter uses it (no bare code strings), every code a run
emits is registered, and the README's table is the registry's."""
from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kinerja_pipeline import codes
from kinerja_pipeline.cli import main
from kinerja_pipeline.codes import BLOCKING, ERROR, REGISTRY, WARNING

from conftest import REPO

PACKAGE = REPO / "kinerja_pipeline"
README_START, README_END = "<!-- kode-masalah: awal -->\n", "<!-- kode-masalah: akhir -->"

# where a call takes its issue code: (function name, position of the code, keyword)
CODE_ARGUMENT = {"Issue": (0, "code"), "RowCheck": (0, "code"), "reject": (0, "code"),
                 "UnreadableInput": (1, "code"), "PackageError": (0, "code")}


def code_arguments(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in CODE_ARGUMENT:
            continue
        position, keyword = CODE_ARGUMENT[name]
        args = node.args[position:position + 1] + [k.value for k in node.keywords if k.arg == keyword]
        yield name, node.lineno, args


def _strings(arg: ast.expr) -> list[str]:
    """The string literals that are the argument itself (or a branch of ``a if c else b``)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        return _strings(arg.body) + _strings(arg.orelse)
    return []


def test_no_emitter_passes_a_bare_code_string() -> None:
    bare = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "codes.py":
            continue
        for name, line, args in code_arguments(ast.parse(path.read_text(encoding="utf-8"))):
            for arg in args:
                if _strings(arg):
                    bare.append(f"{path.name}:{line} {name}({_strings(arg)[0]!r})")
    assert bare == []


def test_the_scan_sees_a_bare_code_string() -> None:
    """The scan above is no empty check: it finds a bare code where one is written."""
    tree = ast.parse('Issue("nilai-kosong", ERROR, "s", "A1", "m")\n'
                     'UnreadableInput("pesan", "berkas-rusak")\nreject(codes.X, "pesan")\n'
                     'RowCheck("a" if x else codes.Y, ERROR)\nIssue(row["code"], "e", "", "", "")\n')
    found = sorted((name, [s for a in args for s in _strings(a)]) for name, _, args in code_arguments(tree))
    assert found == [("Issue", []), ("Issue", ["nilai-kosong"]), ("RowCheck", ["a"]),
                     ("UnreadableInput", ["berkas-rusak"]), ("reject", [])]


def test_every_code_is_complete() -> None:
    for code, entry in REGISTRY.items():
        assert entry.code == code and code == code.lower() and " " not in code
        assert set(entry.severities) <= {ERROR, WARNING} and entry.severities
        assert entry.means.endswith(".") and entry.fix.endswith(".")
        # the constant emitters use carries the code
        assert getattr(codes, code.upper().replace("-", "_")) == code
    # a blocking code stops the row checks of a file, so it is always an error
    assert all(REGISTRY[c].severities == (ERROR,) for c in BLOCKING)
    assert {"formulir-usang", "versi-formulir-usang", "unit-tidak-dikenal", "triwulan-tidak-dikenal",
            "tahun-tidak-dikenal", "sheet-hilang"} <= BLOCKING
    assert not {"data-terkunci", "periode-belum-berakhir", "nilai-kosong"} & BLOCKING


def test_every_code_a_run_emits_is_registered(tmp_path: Path) -> None:
    """The demo ingests the sample returns, mistakes included; every code it records is known."""
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "demo" / "kinerja.db") as conn:
        emitted = {code for (code,) in conn.execute("SELECT DISTINCT code FROM issues")}
    assert len(emitted) >= 5, emitted  # the sample returns carry several kinds of mistake
    assert emitted <= set(REGISTRY), emitted - set(REGISTRY)


def test_readme_table_is_the_registry() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert README_START in readme and README_END in readme
    table = readme.split(README_START, 1)[1].split(README_END, 1)[0]
    assert table == codes.markdown(), "README is stale: paste `python -m kinerja_pipeline.codes --markdown`"
    for code in REGISTRY:
        assert f"| `{code}` |" in table


def test_markdown_command_prints_the_table() -> None:
    out = subprocess.run([sys.executable, "-m", "kinerja_pipeline.codes", "--markdown"],
                         capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout == codes.markdown()
    assert out.stdout.splitlines()[0] == ("| kode | tingkat | menghentikan pemeriksaan isian | arti | "
                                          "cara memperbaiki |")
