"""Build returned forms for the ingest tests: our own forms, filled with openpyxl as a unit would.

``returned_form`` writes the blank form of a sample unit with :func:`forms.write_form`, fills
it with :func:`samples.plausible_values` plus the test's overrides (``None`` clears a cell),
and :func:`drop` puts it into a workspace's ``inbox/`` with a received time (mtime) after the
quarter's end, so a plain :func:`run` of ingest accepts it unless the overrides break a rule.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any, Mapping

from kinerja_pipeline import ingest as ingest_mod
from kinerja_pipeline.forms import write_form
from kinerja_pipeline.layout import COL, FormPlan, plan_form
from kinerja_pipeline.rules import Rules
from kinerja_pipeline.rules_load import load_rules
from kinerja_pipeline.samples import fill_form, plausible_values
from kinerja_pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
SAMPLE_RULES = REPO / "rules"
YEAR = 2026
STAMP = dt.datetime(YEAR, 1, 2, 8, 0)

#: A Lapas: count (IK01, IK03), ratio (IK02), negatif selisih (IK08), negatif kebalikan (IK09),
#: index 0–100 (IK10, IK12); bukti wajib on IK01 and IK12.
LAPAS = "LP-SUKAMISKIN"
#: A Bapas: ratio rows IK05 (bukti wajib) and IK07 (negatif).
BAPAS = "BP-BANDUNG"


def new_workspace(root: Path) -> Workspace:
    """A workspace at ``root`` with a copy of the sample rules and an empty inbox."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "rules").exists():
        shutil.copytree(SAMPLE_RULES, root / "rules")
    (root / "inbox").mkdir(exist_ok=True)
    return Workspace(root)


def rules_of(ws: Workspace) -> Rules:
    return load_rules(ws.rules)


def plan(rules: Rules, unit: str = LAPAS, quarter: int = 1) -> FormPlan:
    return plan_form(rules, unit, YEAR, quarter)


def row_of(p: FormPlan, kode: str) -> int:
    return next(r.row for r in p.rows if r.indicator.kode == kode)


def cell(p: FormPlan, kode: str, key: str) -> str:
    """Address of column ``key`` (a key of ``layout.COL``) on the row of indicator ``kode``."""
    return f"{COL[key]}{row_of(p, kode)}"


def blank_form(rules: Rules, path: Path, unit: str = LAPAS, quarter: int = 1, *,
               generated_at: dt.datetime = STAMP) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_form(rules, plan(rules, unit, quarter), path, generated_at=generated_at)
    return path


def values_for(rules: Rules, unit: str = LAPAS, quarter: int = 1, seed: int = 7,
               overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Plausible input values of a form, with ``overrides`` applied (``None`` removes a cell)."""
    cells = plausible_values(rules, plan(rules, unit, quarter), seed=seed)
    cells.update(overrides or {})
    return {k: v for k, v in cells.items() if v is not None}


def returned_form(rules: Rules, dest: Path, unit: str = LAPAS, quarter: int = 1, *,
                  overrides: Mapping[str, Any] | None = None, seed: int = 7,
                  generated_at: dt.datetime = STAMP) -> Path:
    """Our form of ``unit``/``quarter``, filled with plausible values + ``overrides``, at ``dest``."""
    with tempfile.TemporaryDirectory(prefix="blank-form-") as tmp:
        blank = blank_form(rules, Path(tmp) / "blank.xlsx", unit, quarter, generated_at=generated_at)
        cells = plausible_values(rules, plan(rules, unit, quarter), seed=seed)
        cells.update(overrides or {})  # None clears the cell
        return fill_form(blank, dest, cells)


def quarter_end(quarter: int, year: int = YEAR) -> dt.datetime:
    month = quarter * 3
    first_next = dt.datetime(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(seconds=1)


def received_time(quarter: int, days_after_end: int = 5, year: int = YEAR) -> dt.datetime:
    """A plausible received time: a few days after the quarter's end, in office hours."""
    end = quarter_end(quarter, year)
    return dt.datetime.combine(end.date() + dt.timedelta(days=days_after_end), dt.time(9, 30))


def set_mtime(path: Path, when: dt.datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def drop(ws: Workspace, source: Path, name: str | None = None, *, quarter: int = 1,
         when: dt.datetime | None = None) -> Path:
    """Copy ``source`` into the inbox (as ``name``), received after the quarter's end."""
    ws.inbox.mkdir(parents=True, exist_ok=True)
    target = ws.inbox / (name or source.name)
    shutil.copyfile(source, target)
    set_mtime(target, when or received_time(quarter))
    return target


def run(ws: Workspace, rules: Rules | None = None, **kwargs: Any) -> ingest_mod.IngestReport:
    kwargs.setdefault("settle_seconds", 0)
    return ingest_mod.ingest(ws, rules or rules_of(ws), **kwargs)


def result_for(report: ingest_mod.IngestReport, name: str) -> ingest_mod.FileResult:
    return next(r for r in report.results if r.file == name)


def codes(result: ingest_mod.FileResult, severity: str | None = None) -> list[tuple[str, str, str]]:
    """(code, severity, cell) of every issue of ``result`` (optionally of one severity)."""
    return [(i.code, i.severity, i.cell) for i in result.issues if severity in (None, i.severity)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def connect(ws: Workspace) -> sqlite3.Connection:
    conn = sqlite3.connect(ws.ledger)
    conn.row_factory = sqlite3.Row
    return conn


# --------------------------------------------------------------------------- LibreOffice


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def lo_convert(sources: list[Path], outdir: Path, convert_to: str, *, profile: Path,
               timeout: float = 180) -> dict[str, Path]:
    """``soffice --headless --convert-to CONVERT_TO`` of ``sources`` into ``outdir``.

    Runs with a private user profile (``-env:UserInstallation``) and a timeout; returns the
    produced file per source stem.
    """
    exe = soffice()
    assert exe, "LibreOffice tidak terpasang"
    outdir.mkdir(parents=True, exist_ok=True)
    proc = _run_soffice([exe, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                         "--norestore", "--nolockcheck", "--convert-to", convert_to,
                         "--outdir", str(outdir), *map(str, sources)], timeout)
    produced = {p.stem: p for p in outdir.iterdir()}
    missing = [s.stem for s in sources if s.stem not in produced]
    assert not missing, (missing, proc)
    return {s.stem: produced[s.stem] for s in sources}


def _run_soffice(cmd: list[str], timeout: float) -> str:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"LibreOffice tidak selesai dalam {timeout} detik: {cmd}") from None
    assert proc.returncode == 0, (cmd, out)
    return out.decode("utf-8", "replace")


_ENCRYPT_MACRO = """Sub Main
  On Error GoTo Failed
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = "Hidden" : load(0).Value = True
  doc = StarDesktop.loadComponentFromURL("{source}", "_blank", 0, load())
  Dim enc(1) As New com.sun.star.beans.NamedValue
  enc(0).Name = "OOXPassword" : enc(0).Value = "{password}"
  enc(1).Name = "CryptoType" : enc(1).Value = "Standard"
  Dim store(2) As New com.sun.star.beans.PropertyValue
  store(0).Name = "FilterName" : store(0).Value = "Calc MS Excel 2007 XML"
  store(1).Name = "EncryptionData" : store(1).Value = enc
  store(2).Name = "Overwrite" : store(2).Value = True
  doc.storeToURL("{target}", store())
  doc.close(True)
  Exit Sub
Failed:
  On Error Resume Next
  If Not IsNull(doc) Then doc.close(True)
End Sub
"""


def lo_encrypt(source: Path, target: Path, password: str, *, profile: Path, timeout: float = 180) -> Path:
    """Save ``source`` as a password-protected .xlsx with LibreOffice, as "Simpan dengan kata sandi" does.

    ``--convert-to`` cannot pass a password in LibreOffice 7.4 (its JSON filter options go to
    FilterData, and the file comes out unencrypted), so a small Basic macro in the private
    profile stores the document with ``EncryptionData`` (OOXPassword, CryptoType Standard):
    the result is the real thing, an OLE2 container with EncryptionInfo/EncryptedPackage.
    """
    from xml.sax.saxutils import escape

    exe = soffice()
    assert exe, "LibreOffice tidak terpasang"
    base = [exe, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={profile.resolve().as_uri()}"]
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    if not module.is_file():  # the first start creates the profile with an empty Standard.Module1
        _run_soffice(base + ["--terminate_after_init"], timeout)
    code = _ENCRYPT_MACRO.format(source=source.resolve().as_uri(), target=target.resolve().as_uri(),
                                 password=password)
    module.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
                      '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n<script:module '
                      'xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
                      'script:language="StarBasic">' + escape(code, {'"': "&quot;"}) + "</script:module>\n",
                      encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    _run_soffice(base + ["macro:///Standard.Module1.Main"], timeout)
    assert target.is_file(), "LibreOffice tidak menyimpan berkas berkata sandi"
    return target


def edit_meta(path: Path, **changes: Any) -> Path:
    """Change values of the hidden ``_meta`` sheet in place (by key), as a meddling unit could."""
    import openpyxl

    from kinerja_pipeline.layout import META_SHEET

    wb = openpyxl.load_workbook(path)
    sheet = wb[META_SHEET]
    rows = {row[0].value: row[1] for row in sheet.iter_rows(max_col=2)}
    for key, value in changes.items():
        rows[key].value = value
    wb.save(path)
    return path


def ledger_values(ws: Workspace, submission_id: int) -> dict[str, tuple]:
    """``{indikator: (realisasi, pembilang, penyebut, penjelasan, bukti)}`` of one submission."""
    with closing(connect(ws)) as conn:
        rows = conn.execute("SELECT indikator, realisasi, pembilang, penyebut, penjelasan, bukti"
                            " FROM submission_values WHERE submission_id = ?", (submission_id,)).fetchall()
    return {r["indikator"]: tuple(r)[1:] for r in rows}


def ledger_budget(ws: Workspace, submission_id: int) -> dict[str, float | None]:
    with closing(connect(ws)) as conn:
        rows = conn.execute("SELECT kegiatan, realisasi_anggaran FROM budget_values WHERE submission_id = ?",
                            (submission_id,)).fetchall()
    return {r["kegiatan"]: r["realisasi_anggaran"] for r in rows}


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_MARKER = Path(tempfile.gettempdir()) / "kinerja-makro-dijalankan"


def with_vba_project(workbook: Path, target: Path) -> Path:
    """``workbook`` made macro-enabled: an ``xl/vbaProject.bin`` wired in, as Excel saves an .xlsm.

    The project is an OLE2 blob naming a ``Workbook_Open`` macro that would create
    :data:`MACRO_MARKER`; nothing may ever run it.
    """
    vba = (OLE_MAGIC + bytes(504) + b'Attribute VB_Name = "ThisWorkbook"\r\nSub Workbook_Open()\r\n'
           + f'  Open "{MACRO_MARKER}" For Output As #1: Close #1\r\nEnd Sub\r\n'.encode())
    with zipfile.ZipFile(workbook) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"<Default ", b'<Default Extension="bin" ContentType="application/'
                                    b'vnd.ms-office.vbaProject"/><Default ', 1)
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.'
                                    b'microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                    b"</Relationships>")
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", vba)
    return target
