"""The ``kinerja`` command line: the only module that imports click.

Stage modules are imported inside each command so that ``kinerja --help`` stays instant.
"""
from __future__ import annotations

import sys
import traceback
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import click

YEAR = click.IntRange(2000, 2100)
QUARTER = click.IntRange(1, 4)


class _State:
    def __init__(self, workspace: str, verbose: bool) -> None:
        self.workspace_path = workspace
        self.verbose = verbose

    def workspace(self, *, must_have_rules: bool = True) -> Any:
        from .workspace import open_workspace

        return open_workspace(self.workspace_path, must_have_rules=must_have_rules)

    def rules(self, ws: Any) -> Any:
        from .rules import load_rules

        return load_rules(ws.rules)


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
    """Turn our errors into one ``Error: …`` line (exit 1); tracebacks only with --verbose."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .errors import KinerjaError

        ctx = click.get_current_context()
        verbose = getattr(ctx.obj, "verbose", False)
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KinerjaError as exc:
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except BrokenPipeError:  # output piped into e.g. `head`: not an error
            sys.stderr = open(__import__("os").devnull, "w")  # noqa: SIM115
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("Error: dihentikan oleh pengguna. Jalankan ulang perintah yang sama; "
                       "tidak ada berkas yang hilang.", err=True)
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - last line of defence for the operator
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: kesalahan tak terduga ({type(exc).__name__}: {exc}). Tidak ada "
                       "berkas yang hilang. Jalankan ulang dengan --verbose dan laporkan pesan "
                       "lengkapnya kepada pengembang.", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


# --------------------------------------------------------------------------- init / check


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@_friendly
def init(folder: Path) -> None:
    """Buat workspace baru FOLDER berisi aturan contoh yang siap diubah."""
    from .demo import init_workspace

    ws = init_workspace(folder)
    click.echo(f"Workspace dibuat di {ws.root}")
    click.echo(f"  Ubah aturan di {ws.rules} lalu periksa dengan: kinerja -w {folder} check")


@main.command()
@click.pass_obj
@_friendly
def check(state: _State) -> None:
    """Periksa semua berkas di rules/ dan tampilkan ringkasannya."""
    from .rules import summarize

    ws = state.workspace()
    rules = state.rules(ws)
    click.echo(f"Aturan valid: {ws.rules}")
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
        click.option("--nip", required=True, help="NIP pemeriksa (18 digit)."),
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
    click.echo(result.as_text(ws.root))


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
        click.echo(report.as_text())


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
    from .workspace import workspace_lock

    ws = state.workspace()
    rules = state.rules(ws)
    with workspace_lock(ws):
        result = write_rekap(ws, rules, year, quarter, only_approved=only_approved)
    click.echo("\n".join(result.summary))


@main.command()
@click.option("--year", "-y", type=YEAR, required=True, help="Tahun.")
@click.option("--unit", "-u", default=None, metavar="KODE", help="Unit/node (bawaan: unit puncak).")
@click.pass_obj
@_friendly
def lkjip(state: _State, year: int, unit: str | None) -> None:
    """Tulis tabel LKjIP (Bab II dan III) sebagai .xlsx dan .html ke keluaran/."""
    from .lkjip import write_lkjip
    from .workspace import workspace_lock

    ws = state.workspace()
    rules = state.rules(ws)
    with workspace_lock(ws):
        result = write_lkjip(ws, rules, year, unit=unit)
    click.echo(result.summary)


# --------------------------------------------------------------------------- demo


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="demo",
                required=False)
@click.pass_obj
@_friendly
def demo(state: _State, folder: Path) -> None:
    """Jalankan seluruh alur pada organisasi contoh di workspace baru FOLDER (bawaan ./demo)."""
    from .demo import run_demo

    run_demo(folder, echo=click.echo)


if __name__ == "__main__":  # pragma: no cover
    main()
