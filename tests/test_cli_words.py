"""The command line speaks only Indonesian, click's own words included, and exits 0/1/2.

Every command is run with ``--help`` and with each kind of usage mistake, built from its own
options, so a command or an option added later is checked too.
"""
from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main

# click's English catalogue (its gettext messages, type names and usage placeholders): none of
# these may reach the operator.
CLICK_ENGLISH = (
    "Usage", "Options", "Commands", "Show this message", "Show the version", "required",
    "default", "dynamic", "env var", "Error", "Try '", "for help", "Invalid value", "Missing",
    "No such", "Did you mean", "unexpected extra", "requires an argument", "requires",
    "does not take a value", "is not", "not in the range", "not a valid", "does not exist",
    "is a file", "is a directory", "not readable", "not writable", "Aborted", "OPTIONS",
    "COMMAND", "ARGS", "INTEGER", "RANGE", "TEXT", "FLOAT", "BOOLEAN", "PATH", "DIRECTORY",
    "FILENAME", "integer", "boolean", "Choose from", "Value must", "Takes", "values",
)


def english_in(text: str) -> list[str]:
    return [word for word in CLICK_ENGLISH if re.search(rf"(?<![A-Za-z]){re.escape(word)}", text)]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_usage_mistake(args: list[str]) -> str:
    result = run(*args)
    assert result.exit_code == 2, (args, result.output)
    assert "Traceback" not in result.output
    assert english_in(result.output) == [], (args, result.output)
    assert "Kesalahan: " in result.output, (args, result.output)
    return result.output


def sample_value(option: click.Option) -> str:
    """A value click accepts for ``option`` (parsing stops before the command runs)."""
    if isinstance(option.type, click.IntRange):
        return str(option.type.min if option.type.min is not None else 1)
    return "X"


def valid_args(command: click.Command) -> list[str]:
    out: list[str] = []
    for param in command.params:
        if isinstance(param, click.Option) and param.required:
            out += [param.opts[0], sample_value(param)]
        elif isinstance(param, click.Argument) and param.required:
            out.append("x")
    return out


def mistakes(name: str, command: click.Command) -> list[list[str]]:
    """Each kind of usage mistake for one command, built from its parameters."""
    base = valid_args(command)
    out = [[name, *base, "--tidak-ada"],  # an unknown option
           [name, *base, "lebih", "banyak", "lagi"]]  # extra arguments
    for param in command.params:
        if isinstance(param, click.Option) and param.required:  # a required option left out
            at = base.index(param.opts[0])
            out.append([name, *base[:at], *base[at + 2:]])
        if isinstance(param, click.Argument) and param.required:  # a required argument left out
            out.append([name])
        if isinstance(param, click.Option) and not param.is_flag:
            out.append([name, *base, param.opts[0]])  # the option's value left out
        if isinstance(param, click.Option) and isinstance(param.type, click.IntRange):
            out.append([name, *base, param.opts[0], "abc"])  # not a number
            out.append([name, *base, param.opts[0], str(param.type.max + 1)])  # out of range
            out.append([name, *base, param.opts[0], "2.5"])  # not whole
        if isinstance(param, click.Option) and isinstance(param.type, click.Choice):
            out.append([name, *base, param.opts[0], "tidak-ada"])  # not one of the choices
    return out


ALL_MISTAKES = [(name, args) for name, command in sorted(main.commands.items())
                for args in mistakes(name, command)]


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_every_help_is_indonesian(command: str | None) -> None:
    result = run(*([command] if command else []), "--help")
    assert result.exit_code == 0, result.output
    assert english_in(result.output) == [], result.output
    assert result.output.startswith("Cara pakai: ")
    assert "Opsi:" in result.output and "Tampilkan bantuan ini lalu keluar." in result.output


@pytest.mark.parametrize("name,args", ALL_MISTAKES, ids=[" ".join(a) for _, a in ALL_MISTAKES])
def test_every_usage_mistake_is_indonesian_and_exits_2(name: str, args: list[str]) -> None:
    output = assert_usage_mistake(args)
    assert f"Lihat 'main {name} --help' untuk bantuan." in output or "Kesalahan: Opsi" in output


@pytest.mark.parametrize("args", [[], ["terbang"], ["--tidak-ada"], ["-w"], ["chek"]])
def test_group_usage_mistakes_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert english_in(result.output) == [], result.output


def test_the_exact_indonesian_messages(tmp_path: Path) -> None:
    ws = ["-w", str(tmp_path)]
    assert run(*ws, "status", "-y", "abc").output.splitlines()[-1] == \
        "Kesalahan: Nilai tidak valid untuk '--year' / '-y': 'abc' bukan bilangan bulat."
    assert run(*ws, "status", "-y", "2026", "-q", "5").output.splitlines()[-1] == \
        "Kesalahan: Nilai tidak valid untuk '--quarter' / '-q': 5 di luar rentang 1–4."
    assert run(*ws, "forms", "-q", "1").output.splitlines()[-1] == \
        "Kesalahan: Opsi wajib belum diisi: '--year' / '-y'."
    assert run("init").output.splitlines()[-1] == "Kesalahan: Argumen wajib belum diisi: 'FOLDER'."
    unknown = run("statu").output.splitlines()
    assert unknown == ["Cara pakai: main [OPSI] PERINTAH [ARGUMEN]...",
                       "Lihat 'main --help' untuk bantuan.", "",
                       "Kesalahan: Perintah 'statu' tidak ada. Mungkin maksudnya 'status'?"]
    help_text = run("status", "--help").output
    assert "-y, --year TAHUN  Tahun.  [2000–2100; wajib]" in help_text
    assert "-q, --quarter TW  Triwulan (bawaan: semua).  [1–4]" in help_text
    assert "[bawaan: .]" in run("--help").output
    assert "--reason TEKS" in run("reject", "--help").output
    assert run("init", "x", "--contoh", "kota").output.splitlines()[-1] == \
        "Kesalahan: Nilai tidak valid untuk '--contoh': 'kota' bukan salah satu dari 'ditjen', 'opd'."


def test_errors_exit_1_with_one_kesalahan_line(tmp_path: Path) -> None:
    missing = tmp_path / "tidak ada"
    for name, command in sorted(main.commands.items()):
        if name in ("init", "demo"):
            continue
        result = run("-w", str(missing), name, *valid_args(command))
        assert result.exit_code == 1, (name, result.output)
        assert result.stderr == (f"Kesalahan: Folder workspace {missing} tidak ada. Pilih folder "
                                 "lain dengan -w, atau buat workspace di sana dengan: kinerja init "
                                 f"'{missing}'\n"), name


def test_a_file_given_as_workspace_is_called_a_file(tmp_path: Path) -> None:
    file = tmp_path / "passwd"
    file.write_text("root:x:0:0\n", encoding="utf-8")
    result = run("-w", str(file), "check")
    assert result.exit_code == 1
    assert result.stderr == (f"Kesalahan: {file} adalah berkas, bukan folder workspace. Pilih "
                             "folder workspace dengan -w FOLDER, atau buat yang baru dengan "
                             "'kinerja init FOLDER'.\n")
    init = run("init", str(file))
    assert init.exit_code == 2
    assert init.output.splitlines()[-1] == (f"Kesalahan: Nilai tidak valid untuk 'FOLDER': Folder "
                                            f"'{file}' adalah berkas, bukan folder.")


def test_init_on_an_unusable_path_says_why(tmp_path: Path) -> None:
    file = tmp_path / "berkas.txt"
    file.write_text("isi", encoding="utf-8")
    result = run("init", str(file / "kantor"))
    assert result.exit_code == 1
    assert result.stderr == (f"Kesalahan: Workspace tidak dapat dibuat di {file / 'kantor'}: salah "
                             "satu bagian jalurnya adalah berkas, bukan folder. Pilih folder lain, "
                             "misalnya di Dokumen.\n")
    assert "tak terduga" not in result.output


def test_init_hint_quotes_a_path_with_spaces(tmp_path: Path) -> None:
    folder = tmp_path / "Data Kinerja 2026"
    result = run("init", str(folder))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (f"  Ubah aturan di {folder / 'rules'} lalu periksa "
                                              f"dengan: kinerja -w '{folder}' check")
