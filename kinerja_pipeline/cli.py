"""The ``kinerja`` command line: the only module that imports click.

Stage modules are imported inside each command so that ``kinerja --help`` stays instant.
click's own words (usage, help, option errors) are Indonesian too: see :data:`CLICK_ID`.
"""
from __future__ import annotations

import sys
import traceback
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import click

# --------------------------------------------------------------------------- click in Indonesian

#: click's English catalogue (every text it passes through gettext) → what the operator reads.
CLICK_ID: dict[str, str] = {
    "Usage:": "Cara pakai:",
    "Options": "Opsi",
    "Commands": "Perintah",
    "Positional arguments": "Argumen",
    "Show this message and exit.": "Tampilkan bantuan ini lalu keluar.",
    "Show the version and exit.": "Tampilkan versi lalu keluar.",
    "%(prog)s, version %(version)s": "%(prog)s, versi %(version)s",
    "required": "wajib",
    "default: {default}": "bawaan: {default}",
    "(dynamic)": "(dihitung)",
    "env var: {var}": "variabel lingkungan: {var}",
    "deprecated": "usang",
    "Error: {message}": "Kesalahan: {message}",
    "Try '{command} {option}' for help.": "Lihat '{command} {option}' untuk bantuan.",
    "Invalid value for {param_hint}: {message}": "Nilai tidak valid untuk {param_hint}: {message}",
    "Invalid value: {message}": "Nilai tidak valid: {message}",
    "Missing argument": "Argumen wajib belum diisi:",
    "Missing option": "Opsi wajib belum diisi:",
    "Missing parameter": "Parameter wajib belum diisi:",
    "Missing {param_type}": "Belum diisi: {param_type}",
    "Missing parameter: {param_name}": "Parameter wajib belum diisi: {param_name}",
    "Missing command.": "Perintahnya belum ditulis.",
    "No such command {name!r}.": "Perintah {name!r} tidak ada.",
    "No such option {name!r}.": "Opsi {name!r} tidak ada.",
    "Did you mean {possibility}?": "Mungkin maksudnya {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Mungkin maksudnya salah satu dari: {possibilities}?)",
    "Got unexpected extra argument ({args})": "Ada argumen lebih yang tidak dikenal ({args})",
    "Got unexpected extra arguments ({args})": "Ada argumen lebih yang tidak dikenal ({args})",
    "Option {name!r} does not take a value.": "Opsi {name!r} tidak memakai nilai.",
    "Option {name!r} requires an argument.": "Opsi {name!r} perlu diberi nilai.",
    "Option {name!r} requires {nargs} arguments.": "Opsi {name!r} perlu diberi {nargs} nilai.",
    "Argument {name!r} takes {nargs} values.": "Argumen {name!r} perlu {nargs} nilai.",
    "Takes {nargs} values but 1 was given.": "Perlu {nargs} nilai tetapi hanya 1 yang diberikan.",
    "Takes {nargs} values but {len} were given.": "Perlu {nargs} nilai tetapi {len} yang diberikan.",
    "Value must be an iterable.": "Nilai harus berupa daftar.",
    "{value} is not in the range {range}.": "{value} di luar rentang {range}.",
    "{value!r} is not a valid {number_type}.": "{value!r} bukan {number_type}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} bukan ya/tidak. Nilai yang dikenal: {states}",
    "{value!r} is not {choice}.": "{value!r} bukan {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} bukan salah satu dari {choices}.",
    "Choose from:\n\t{choices}": "Pilih salah satu:\n\t{choices}",
    "file": "Berkas",
    "directory": "Folder",
    "path": "Jalur",
    "{name} {filename!r} does not exist.": "{name} {filename!r} tidak ada.",
    "{name} {filename!r} is a file.": "{name} {filename!r} adalah berkas, bukan folder.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} adalah folder, bukan berkas.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} tidak dapat dibaca.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} tidak dapat ditulisi.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} tidak dapat dijalankan.",
    "Could not open file {filename!r}: {message}": "Berkas {filename!r} tidak dapat dibuka: {message}",
    "unknown error": "kesalahan tidak dikenal",
    "Aborted!": "Dibatalkan.",
    "Do you want to continue?": "Lanjutkan?",
    "Repeat for confirmation": "Ulangi untuk konfirmasi",
    "Error: The two entered values do not match.": "Kesalahan: kedua nilai yang diketik tidak sama.",
    "Error: invalid input": "Kesalahan: masukan tidak valid",
    "Press any key to continue...": "Tekan sembarang tombol untuk melanjutkan...",
}


def _gettext(message: str) -> str:
    return CLICK_ID.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def _speak_indonesian() -> None:
    """click looks its words up through ``gettext`` bound in each of its modules; answer in Indonesian."""
    import importlib

    for name in ("core", "exceptions", "types", "formatting", "decorators", "parser", "termui"):
        module = importlib.import_module(f"click.{name}")
        module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]


_speak_indonesian()


class _Whole(click.IntRange):
    """A whole number in a range, named in Indonesian in click's messages and in the help."""

    name = "bilangan bulat"

    def __init__(self, low: int, high: int, metavar: str) -> None:
        super().__init__(low, high)
        self.metavar = metavar

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.metavar

    def _describe_range(self) -> str:
        """``1–4``, as people write a range (click writes ``1<=x<=4``)."""
        return f"{self.min}–{self.max}"


class _Command(click.Command):
    """A command whose usage line and value placeholders are Indonesian too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPSI]")
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, click.Option) and param.metavar is None and param.type is click.STRING:
                param.metavar = "TEKS"


class _Group(click.Group):
    command_class = _Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPSI]")
        kwargs.setdefault("subcommand_metavar", "PERINTAH [ARGUMEN]...")
        super().__init__(*args, **kwargs)


YEAR = _Whole(2000, 2100, "TAHUN")
QUARTER = _Whole(1, 4, "TW")


class _State:
    def __init__(self, workspace: str, verbose: bool) -> None:
        self.workspace_path = workspace
        self.verbose = verbose

    def workspace(self, *, must_have_rules: bool = True) -> Any:
        from .workspace import open_workspace

        return open_workspace(self.workspace_path, must_have_rules=must_have_rules)

    def rules(self, ws: Any) -> Any:
        from .scope import workspace_rules

        return workspace_rules(ws)


class _Progress:
    """A progress bar on stderr that appears only once there is progress to show."""

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        self.label, self.enabled, self.bar = label, enabled, None

    def __enter__(self) -> "_Progress":
        return self

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr,
                                         show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our errors into one ``Kesalahan: …`` line (exit 1); tracebacks only with --verbose.

    With ``--json`` the error is a JSON object on stdout instead: ``{"error": {"code", "message"}}``.
    Errors of the operating system and of SQLite are said as what they are (disk full, no
    permission, not a folder; the ledger damaged only when SQLite's integrity check says so).
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import sqlite3

        from .errors import KinerjaError, system_fault

        ctx = click.get_current_context()
        verbose = getattr(ctx.obj, "verbose", False)

        def fail(code: str, message: str) -> None:
            if verbose:
                traceback.print_exc()
            if kwargs.get("as_json"):
                import json

                click.echo(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
            else:
                click.echo(f"Kesalahan: {message}", err=True)
            sys.exit(1)

        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KinerjaError as exc:
            fail(exc.code, str(exc))
        except BrokenPipeError:  # output piped into e.g. `head`: not an error
            sys.stderr = open(__import__("os").devnull, "w")  # noqa: SIM115
            sys.exit(0)
        except OSError as exc:
            fault = system_fault(exc)
            fail(fault.code, str(fault))
        except sqlite3.Error as exc:
            from .ledger import sqlite_fault

            ledger = sqlite_fault(exc, Path(getattr(ctx.obj, "workspace_path", ".")) / "kinerja.db")
            fail(ledger.code, str(ledger))
        except KeyboardInterrupt:
            fail("dihentikan", "dihentikan oleh pengguna. Jalankan ulang perintah yang sama; tidak ada berkas "
                 "yang hilang.")
        except Exception as exc:  # noqa: BLE001 - last line of defence for the operator
            fail("tak-terduga", f"kesalahan tak terduga ({type(exc).__name__}: {exc}). Tidak ada berkas yang "
                 "hilang. Jalankan ulang dengan --verbose dan laporkan pesan lengkapnya kepada pengembang.")

    return wrapper


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "-w", default=".", show_default=True, metavar="FOLDER",
              help="Folder workspace (berisi rules/, inbox/, arsip/, …).")
@click.option("--verbose", is_flag=True, help="Tampilkan rincian teknis bila terjadi kesalahan.")
@click.version_option(package_name="kinerja-pipeline", message="kinerja-pipeline %(version)s")
@click.pass_context
def main(ctx: click.Context, workspace: str, verbose: bool) -> None:
    """kinerja: pengumpulan data kinerja SAKIP per triwulan sebagai pekerjaan batch.

    Alur: forms → (unit mengisi) → ingest → approve → rekap → lkjip.
    Mulai dengan 'kinerja demo' atau 'kinerja init FOLDER'.
    """
    ctx.obj = _State(workspace, verbose)
    from .errors import quiet_abandoned_zip

    sys.unraisablehook = quiet_abandoned_zip


# --------------------------------------------------------------------------- init / check


_CONTOH_OPTION = click.option(
    "--contoh", type=click.Choice(["ditjen", "opd"]), default="ditjen", show_default=True,
    help="Organisasi contoh: ditjen (Ditjen → Kanwil → UPT) atau opd (Sekretariat DPRD: bagian, "
         "subbagian, pegawai dengan IKI).")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@_CONTOH_OPTION
@click.option("--lingkup", default=None, metavar="KODE",
              help="Batasi workspace pada satu unit dan semua unit di bawahnya (mis. KW-JABAR).")
@click.option("--aturan", default=None, type=click.Path(file_okay=False, exists=True, path_type=Path),
              metavar="FOLDER", help="Salin aturan dari FOLDER ini (rules/ kantor induk); hanya dengan --lingkup.")
@_friendly
def init(folder: Path, contoh: str, lingkup: str | None, aturan: Path | None) -> None:
    """Buat workspace baru FOLDER berisi aturan contoh yang siap diubah."""
    from .demo import init_workspace
    from .errors import WorkspaceError
    from .workspace import shell_arg

    if aturan is not None and lingkup is None:
        raise WorkspaceError("--aturan hanya dipakai bersama --lingkup KODE (workspace kantor bawahan).")
    if lingkup is not None:
        from .scope import init_scoped

        ws = init_scoped(folder, lingkup.strip(), aturan, contoh)
    else:
        ws = init_workspace(folder, contoh)
    click.echo(f"Workspace dibuat di {ws.root}")
    if lingkup is not None:
        click.echo(f"  Lingkup: {lingkup.strip()} dan semua unit di bawahnya (tercatat di {ws.root / 'lingkup.yaml'})")
        click.echo(f"  Aturan disalin dari kantor induk; jangan diubah di sini. Bandingkan sidik jarinya: "
                   f"kinerja -w {shell_arg(folder)} check")
    else:
        click.echo(f"  Ubah aturan di {ws.rules} lalu periksa dengan: kinerja -w {shell_arg(folder)} check")


@main.command()
@click.pass_obj
@_friendly
def check(state: _State) -> None:
    """Periksa semua berkas di rules/ dan tampilkan ringkasannya."""
    from .rules_load import summarize
    from .scope import rules_fingerprint, scope_of

    ws = state.workspace()
    rules = state.rules(ws)
    click.echo(f"Aturan valid: {ws.rules}")
    scope = scope_of(rules)
    if scope is not None:
        node = rules.unit(scope.node)
        click.echo(f"Lingkup workspace: {node.kode} — {node.nama} dan {len(rules.units) - 1} unit di bawahnya "
                   f"(jenjang persetujuan di sini: {scope.level})")
    fingerprint = rules_fingerprint(ws.rules)
    click.echo(f"Sidik jari aturan: {fingerprint.short} ({len(fingerprint.files)} berkas; harus sama dengan "
               "milik kantor induk dan kantor bawahan)")
    click.echo(summarize(rules))


# --------------------------------------------------------------------------- forms


@main.command()
@click.option("--year", "-y", type=YEAR, required=True, help="Tahun, mis. 2026.")
@click.option("--quarter", "-q", type=QUARTER, required=True, help="Triwulan 1–4.")
@click.option("--unit", "-u", "units", multiple=True, metavar="KODE",
              help="Hanya unit ini (boleh diulang). Bawaan: semua unit pelapor.")
@click.pass_obj
@_friendly
def forms(state: _State, year: int, quarter: int, units: tuple[str, ...]) -> None:
    """Buat formulir Excel kosong per unit untuk satu triwulan."""
    from .forms import generate_forms
    from .workspace import workspace_lock

    ws = state.workspace()
    rules = state.rules(ws)
    with workspace_lock(ws), _Progress("Membuat formulir") as progress:
        results = generate_forms(rules, ws, year, quarter, units or None, progress=progress)
    folder = ws.form_dir(year, quarter)
    click.echo(f"{len(results)} formulir TW {quarter} {year} dibuat di {folder}:")
    for line in _listing([r.path.name for r in results], "formulir"):
        click.echo(line)


def _listing(names: list[str], what: str, limit: int = 30) -> list[str]:
    """Indented names; past ``limit`` the first ones and how many more (a national run has 1,000)."""
    shown = names if len(names) <= limit else names[:10]
    lines = [f"  {name}" for name in shown]
    if len(shown) < len(names):
        lines.append(f"  … dan {len(names) - len(shown)} {what} lain di folder itu.")
    return lines


# --------------------------------------------------------------------------- ingest


@main.command()
@click.option("--dry-run", is_flag=True, help="Validasi dan laporkan saja; tidak mencatat atau memindahkan berkas.")
@click.option("--json", "as_json", is_flag=True, help="Cetak hasil sebagai satu dokumen JSON.")
@click.pass_obj
@_friendly
def ingest(state: _State, dry_run: bool, as_json: bool) -> None:
    """Proses semua berkas di inbox/: validasi, catat, arsipkan, buat umpan balik."""
    import json

    from .inbox import start_ingest, take_early

    ws = state.workspace()
    rules_read = start_ingest(ws)  # a child reads the rules, then the first files, during the imports below
    try:
        from .ingest import ingest as run_ingest
        from .workspace import workspace_lock

        rules = rules_read()
        with workspace_lock(ws):
            with _Progress("Memproses inbox", enabled=not as_json) as progress:
                report = run_ingest(ws, rules, dry_run=dry_run, progress=progress)
    finally:
        take_early(collect=False)
    if as_json:
        click.echo(json.dumps([r.as_json() for r in report.results], ensure_ascii=False, indent=2))
        return
    from .reporting import ingest_summary

    click.echo(ingest_summary(report, ws, dry_run=dry_run))


# --------------------------------------------------------------------------- workflow


def _chain_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("--unit", "-u", required=True, metavar="KODE",
                     help="Unit pelapor, atau unit induk untuk semua unit di bawahnya."),
        click.option("--year", "-y", type=YEAR, required=True, help="Tahun."),
        click.option("--quarter", "-q", type=QUARTER, required=True, help="Triwulan 1–4."),
        click.option("--level", "-l", required=True, metavar="LEVEL",
                     help="Jenjang persetujuan dari rules/kebijakan.yaml (mis. verifikasi)."),
        click.option("--by", "by", required=True, metavar="NAMA", help="Nama pemeriksa."),
        click.option("--nip", required=True, metavar="NIP", help="NIP pemeriksa (18 digit)."),
    ]):
        func = option(func)
    return func


def _run_chain(state: _State, action: str, **kwargs: Any) -> None:
    from . import workflow
    from .workspace import workspace_lock

    ws = state.workspace()
    rules = state.rules(ws)
    with workspace_lock(ws):
        result = getattr(workflow, action)(ws, rules, **kwargs)
    from .reporting import action_text

    click.echo(action_text(result, ws.root))


@main.command()
@_chain_options
@click.option("--note", default="", help="Catatan (opsional).")
@click.pass_obj
@_friendly
def approve(state: _State, **kwargs: Any) -> None:
    """Setujui data unit untuk satu triwulan pada satu jenjang (verifikasi, validasi, …)."""
    _run_chain(state, "approve", **kwargs)


@main.command()
@_chain_options
@click.option("--reason", required=True, help="Alasan penolakan (dikirim ke unit).")
@click.pass_obj
@_friendly
def reject(state: _State, **kwargs: Any) -> None:
    """Nyatakan data unit Tidak Valid dan buat berkas umpan balik berisi alasannya."""
    _run_chain(state, "reject", **kwargs)


@main.command()
@_chain_options
@click.option("--note", default="", help="Alasan penarikan (opsional).")
@click.pass_obj
@_friendly
def unapprove(state: _State, **kwargs: Any) -> None:
    """Tarik kembali persetujuan (dari jenjang teratas ke bawah)."""
    _run_chain(state, "unapprove", **kwargs)


@main.command()
@click.option("--year", "-y", type=YEAR, required=True, help="Tahun.")
@click.option("--quarter", "-q", type=QUARTER, default=None, help="Triwulan (bawaan: semua).")
@click.option("--json", "as_json", is_flag=True, help="Cetak sebagai JSON.")
@click.pass_obj
@_friendly
def status(state: _State, year: int, quarter: int | None, as_json: bool) -> None:
    """Status pengumpulan: siapa sudah/belum mengirim, keterlambatan, persetujuan."""
    import json

    from .workflow import status as run_status

    ws = state.workspace()
    rules = state.rules(ws)
    report = run_status(ws, rules, year, quarter)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        from .reporting import status_text

        click.echo(status_text(report))


# --------------------------------------------------------------------------- outputs


@main.command()
@click.option("--year", "-y", type=YEAR, required=True, help="Tahun.")
@click.option("--quarter", "-q", type=QUARTER, default=None,
              help="s.d. triwulan ini (bawaan: triwulan terakhir yang ada datanya).")
@click.option("--only-approved", is_flag=True, help="Hanya data yang telah disahkan pada jenjang teratas.")
@click.pass_obj
@_friendly
def rekap(state: _State, year: int, quarter: int | None, only_approved: bool) -> None:
    """Tulis buku kerja rekapitulasi (dan CSV rapi) ke keluaran/."""
    from .rekap import write_rekap
    from .reporting import rekap_text
    from .workspace import workspace_lock

    ws = state.workspace()
    rules = state.rules(ws)
    with workspace_lock(ws):
        result = write_rekap(ws, rules, year, quarter, only_approved=only_approved)
    click.echo(rekap_text(result, ws.root))


@main.command()
@click.option("--year", "-y", type=YEAR, required=True, help="Tahun.")
@click.option("--unit", "-u", default=None, metavar="KODE", help="Unit/node (bawaan: unit puncak).")
@click.pass_obj
@_friendly
def lkjip(state: _State, year: int, unit: str | None) -> None:
    """Tulis tabel LKjIP (Bab II dan III) sebagai .xlsx dan .html ke keluaran/."""
    from .lkjip import write_lkjip
    from .reporting import lkjip_text
    from .workspace import workspace_lock

    ws = state.workspace()
    rules = state.rules(ws)
    with workspace_lock(ws):
        result = write_lkjip(ws, rules, year, unit=unit)
    click.echo(lkjip_text(result, ws.root))


@main.command()
@click.option("--year", "-y", type=YEAR, required=True, help="Tahun.")
@click.option("--quarter", "-q", type=QUARTER, required=True, help="Triwulan 1–4.")
@click.option("--semua", is_flag=True,
              help="Kirim juga data yang diterima tetapi belum diverifikasi (ditandai belum terverifikasi).")
@click.pass_obj
@_friendly
def kirim(state: _State, year: int, quarter: int, semua: bool) -> None:
    """Tulis berkas kiriman lingkup ini untuk kantor induk ke keluaran/ (workspace berlingkup)."""
    from .kiriman import write_package
    from .workspace import workspace_lock

    ws = state.workspace()
    rules = state.rules(ws)
    with workspace_lock(ws):
        result = write_package(ws, rules, year, quarter, everything=semua)
    from .reporting import kirim_text

    click.echo(kirim_text(result))


@main.command()
@click.option("--year", "-y", type=YEAR, required=True, help="Tahun.")
@click.option("--quarter", "-q", type=QUARTER, default=None, help="Laporan Kinerja Triwulan untuk triwulan ini.")
@click.option("--semester", "-s", type=_Whole(1, 2, "SEMESTER"), default=None,
              help="Laporan Kinerja Semesteran untuk semester ini (1 atau 2).")
@click.option("--unit", "-u", default=None, metavar="KODE", help="Unit/node (bawaan: unit puncak).")
@click.pass_obj
@_friendly
def laporan(state: _State, year: int, quarter: int | None, semester: int | None, unit: str | None) -> None:
    """Tulis Laporan Kinerja Triwulan atau Semesteran (.html dan .xlsx) ke keluaran/."""
    from .laporan import write_laporan
    from .workspace import workspace_lock

    ws = state.workspace()
    if (quarter is None) == (semester is None):
        raise click.UsageError("Pilih salah satu: --quarter (1–4) atau --semester (1–2).")
    rules = state.rules(ws)
    with workspace_lock(ws):
        result = write_laporan(ws, rules, year, quarter=quarter, semester=semester, unit=unit)
    from .reporting import laporan_text

    click.echo(laporan_text(result, ws.root))


# --------------------------------------------------------------------------- demo


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="demo",
                required=False)
@_CONTOH_OPTION
@click.pass_obj
@_friendly
def demo(state: _State, folder: Path, contoh: str) -> None:
    """Jalankan seluruh alur pada organisasi contoh di workspace baru FOLDER (bawaan ./demo)."""
    from .demo import run_demo

    run_demo(folder, echo=click.echo, contoh=contoh)


def run() -> None:
    """The ``kinerja`` program: :func:`main`, then, as the process ends, every object moved out of
    the garbage collector's sight (a speed path, ``KINERJA_FAST`` "gcfreeze"): the interpreter's
    last collection then has nothing to scan — ≈0.1 s at the end of every command, with pandas
    loaded. Nothing else changes: exit code, output and every exit handler are as before."""
    try:
        main(prog_name="kinerja")
    finally:
        from . import fast

        if fast.on("gcfreeze"):
            import gc

            gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    run()
