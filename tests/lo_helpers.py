"""Drive LibreOffice headless from tests: open a workbook, type into cells, save it.

A unit that fills its form in LibreOffice Calc produces a file that ingest must read like one
saved by Excel. :func:`fill_workbook` reproduces that for real: it starts ``soffice --headless``
with a private, throw-away user profile, runs a LibreOffice Basic macro that opens the workbook,
writes the given values into the given cells through the Calc API and stores the result with
the chosen export filter (``.xlsx``, ``.ods``, ``.xls`` …).

Only LibreOffice itself is needed (Debian/Ubuntu: ``apt-get install -y libreoffice-calc-nogui``);
the macro is LibreOffice Basic, so neither ``python3-uno`` nor a Python that can ``import uno``
is required. Each call uses its own profile folder, so parallel test runs never collide.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Mapping
from xml.sax.saxutils import escape

DATA_SHEET = "Data Kinerja"

#: LibreOffice export filter names by target suffix.
FILTERS = {
    "xlsx": "Calc MS Excel 2007 XML",
    "ods": "calc8",
    "xls": "MS Excel 97",
}

_CELL = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^!']+))!)?\$?([A-Za-z]{1,3})\$?(\d+)$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class LibreOfficeError(RuntimeError):
    """LibreOffice could not open, fill or save the workbook (the reason is in the message)."""


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def fill_workbook(source: str | Path, target: str | Path, values: Mapping[str, Any], *,
                  sheet: str = DATA_SHEET, filter_name: str = FILTERS["xlsx"],
                  profile_dir: str | Path | None = None, timeout: float = 90,
                  soffice: str | None = None) -> Path:
    """Open ``source`` in LibreOffice, write ``values`` into its cells, save as ``target``.

    ``values`` maps a cell (``"H11"``, or ``"Sheet!H11"`` / ``"'Sheet name'!H11"`` for another
    sheet than ``sheet``) to what a user would leave in it:

    - ``int`` / ``float``: a number;
    - ``str``: text, exactly as given (so ``"75,5"`` stays text, as when a cell is formatted
      as text); a string starting with ``=`` is entered as a formula;
    - ``datetime.date`` / ``datetime.datetime``: a date serial number;
    - ``None``: the cell is cleared.

    ``filter_name`` is the LibreOffice export filter: ``"Calc MS Excel 2007 XML"`` (.xlsx),
    ``"calc8"`` (.ods), ``"MS Excel 97"`` (.xls); see :data:`FILTERS`. ``profile_dir`` is the
    private LibreOffice user profile (a fresh temporary folder when omitted, deleted after).
    Raises :class:`LibreOfficeError` when LibreOffice fails or times out.
    """
    exe = soffice or find_soffice()
    if exe is None:
        raise LibreOfficeError("LibreOffice (soffice) tidak ditemukan di PATH.")
    source, target = Path(source).resolve(), Path(target).resolve()
    if not source.is_file():
        raise FileNotFoundError(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    own_profile = profile_dir is None
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-")) if own_profile else Path(profile_dir)
    profile = profile.resolve()
    profile.mkdir(parents=True, exist_ok=True)
    error_file = profile / "macro-error.txt"
    try:
        env_arg = f"-env:UserInstallation={profile.as_uri()}"
        base = [exe, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                "--nolockcheck", env_arg]
        if not (profile / "user" / "basic" / "script.xlc").is_file():
            # First start creates the profile (and would overwrite a Basic library put there
            # before it), so let LibreOffice initialise it, then install the macro.
            _run(base + ["--terminate_after_init"], timeout, "membuat profil LibreOffice")
        _install_macro(profile, _macro_source(source, target, values, sheet, filter_name,
                                              error_file))
        if error_file.exists():
            error_file.unlink()
        out = _run(base + ["macro:///Standard.KinerjaFill.Main"], timeout, "mengisi workbook")
        if error_file.exists():
            raise LibreOfficeError("Makro LibreOffice gagal: "
                                   + error_file.read_text(encoding="utf-8", errors="replace").strip())
        if not target.is_file() or target.stat().st_size == 0:
            raise LibreOfficeError(f"LibreOffice tidak menyimpan {target}. Keluaran: {out}")
        return target
    finally:
        if own_profile:
            shutil.rmtree(profile, ignore_errors=True)


def _run(cmd: list[str], timeout: float, what: str) -> str:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise LibreOfficeError(f"LibreOffice tidak selesai {what} dalam {timeout:g} detik.") from None
    text = out.decode("utf-8", errors="replace").strip()
    if proc.returncode != 0:
        raise LibreOfficeError(f"LibreOffice gagal {what} (kode {proc.returncode}): {text}")
    return text


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


# --------------------------------------------------------------------------- the Basic macro


def _basic_string(text: str) -> str:
    """A Basic string expression for ``text`` (quotes doubled, control characters via Chr)."""
    parts: list[str] = []
    literal = ""
    for ch in text:
        if ord(ch) < 32 or ch in "\u2028\u2029\ufffe\uffff":
            if literal:
                parts.append('"' + literal + '"')
                literal = ""
            parts.append(f"Chr({ord(ch)})")
        else:
            literal += '""' if ch == '"' else ch
    if literal or not parts:
        parts.append('"' + literal + '"')
    return " & ".join(parts)


def _basic_number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"bukan angka hingga: {value!r}")
    return "(" + repr(float(value)).replace("e", "E") + ")"


def _split_cell(ref: str, default_sheet: str) -> tuple[str, str]:
    m = _CELL.match(ref.strip())
    if not m:
        raise ValueError(f"alamat sel tidak dikenal: {ref!r}")
    quoted, plain, col, row = m.groups()
    name = quoted.replace("''", "'") if quoted else (plain or default_sheet)
    return name, f"{col.upper()}{row}"


def _statement(value: Any) -> str:
    if value is None:
        return "cell.clearContents(1 + 2 + 4 + 16)"  # VALUE, DATETIME, STRING, FORMULA
    if isinstance(value, bool):
        raise TypeError("nilai boolean tidak didukung; pakai angka atau teks")
    if isinstance(value, (int, float)):
        return f"cell.setValue({_basic_number(value)})"
    if isinstance(value, dt.datetime):
        return f"cell.setValue({_basic_number((value - _EXCEL_EPOCH).total_seconds() / 86400)})"
    if isinstance(value, dt.date):
        serial = (dt.datetime(value.year, value.month, value.day) - _EXCEL_EPOCH).days
        return f"cell.setValue({_basic_number(serial)})"
    if isinstance(value, str):
        setter = "setFormula" if value.startswith("=") else "setString"
        return f"cell.{setter}({_basic_string(value)})"
    raise TypeError(f"jenis nilai tidak didukung: {type(value).__name__}")


def _macro_source(source: Path, target: Path, values: Mapping[str, Any], sheet: str,
                  filter_name: str, error_file: Path) -> str:
    lines = [
        "Sub Main",
        "  Dim doc As Object, cell As Object, where As String",
        "  On Error GoTo Failed",
        "  where = \"membuka berkas\"",
        "  Dim load(1) As New com.sun.star.beans.PropertyValue",
        "  load(0).Name = \"Hidden\" : load(0).Value = True",
        "  load(1).Name = \"MacroExecutionMode\" : load(1).Value = 0",
        f"  doc = StarDesktop.loadComponentFromURL({_basic_string(source.as_uri())}, \"_blank\", 0, load())",
        "  If IsNull(doc) Then",
        "    WriteError(\"LibreOffice tidak dapat membuka berkas\")",
        "    Exit Sub",
        "  End If",
    ]
    for ref, value in values.items():
        name, cell = _split_cell(ref, sheet)
        lines += [
            f"  where = {_basic_string(f'{name}!{cell}')}",
            f"  cell = doc.Sheets.getByName({_basic_string(name)}).getCellRangeByName(\"{cell}\")",
            f"  {_statement(value)}",
        ]
    lines += [
        "  where = \"menyimpan berkas\"",
        "  doc.calculateAll()",
        "  Dim store(1) As New com.sun.star.beans.PropertyValue",
        f"  store(0).Name = \"FilterName\" : store(0).Value = {_basic_string(filter_name)}",
        "  store(1).Name = \"Overwrite\" : store(1).Value = True",
        f"  doc.storeToURL({_basic_string(target.as_uri())}, store())",
        "  doc.close(True)",
        "  Exit Sub",
        "Failed:",
        "  WriteError(where & \": \" & Error$ & \" (kode \" & Err & \", baris makro \" & Erl & \")\")",
        "  On Error Resume Next",
        "  If Not IsNull(doc) Then doc.close(True)",
        "End Sub",
        "",
        "Sub WriteError(message As String)",
        "  Dim sfa As Object, stream As Object, text As Object",
        "  sfa = CreateUnoService(\"com.sun.star.ucb.SimpleFileAccess\")",
        f"  stream = sfa.openFileWrite({_basic_string(error_file.as_uri())})",
        "  text = CreateUnoService(\"com.sun.star.io.TextOutputStream\")",
        "  text.setOutputStream(stream)",
        "  text.setEncoding(\"UTF-8\")",
        "  text.writeString(message)",
        "  text.closeOutput()",
        "End Sub",
    ]
    return "\n".join(lines) + "\n"


_XLC = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/{kind}.xlb/" xlink:type="simple" library:link="false"/>
</library:libraries>
"""
_SCRIPT_XLB = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">
 <library:element library:name="KinerjaFill"/>
</library:library>
"""
_DIALOG_XLB = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false"/>
"""
_XBA = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="KinerjaFill" script:language="StarBasic">{code}</script:module>
"""


def _install_macro(profile: Path, code: str) -> None:
    """Make ``code`` the module ``Standard.KinerjaFill`` of the profile's "My Macros"."""
    basic = profile / "user" / "basic"
    lib = basic / "Standard"
    lib.mkdir(parents=True, exist_ok=True)
    (basic / "script.xlc").write_text(_XLC.format(kind="script"), encoding="utf-8")
    (basic / "dialog.xlc").write_text(_XLC.format(kind="dialog"), encoding="utf-8")
    (lib / "script.xlb").write_text(_SCRIPT_XLB, encoding="utf-8")
    (lib / "dialog.xlb").write_text(_DIALOG_XLB, encoding="utf-8")
    (lib / "KinerjaFill.xba").write_text(_XBA.format(code=escape(code, {'"': "&quot;"})),
                                         encoding="utf-8")
