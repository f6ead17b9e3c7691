"""Hostile files and hostile text: a clear outcome and a bounded cost for each, nothing injected.

The corpus (:mod:`hostile.corpus`) is generated at test time: bombs (zip, XML, shared strings,
repeated ODS cells, .xls records and containers that claim petabytes), sheets claiming a million
rows (also disguised from a naive scan), external links, a 100,000-character penjelasan, control
characters and bidi overrides, formula/HTML injection, hostile file names and unit codes.
"""
from __future__ import annotations

import csv
import html.parser
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import zipfile
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kinerja_pipeline.cli import main
from kinerja_pipeline.codes import REGISTRY
from kinerja_pipeline.layout import RESULT_SHEET
from kinerja_pipeline.text import OUTPUT_TEXT_MAX

from forms_helpers import (BAPAS, LAPAS, YEAR, blank_form, cell, drop, new_workspace, plan, received_time,
                           returned_form, rules_of, run, sha256)
from hostile.corpus import (CONTROL_TEXT, EXTERNAL_TARGETS, INJECTIONS, LONG_TEXT, OTHER_UNIT, build,
                            zip_bomb)

NIP = "197601052000031001"
LEVELS = ("verifikasi", "validasi", "pengesahan")
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def measured_cli(ws: Path, *args: str, timeout: float = 120) -> dict:
    """Run ``kinerja -w WS ARGS`` in a fresh child of a fresh Python, which reports the child's
    peak RSS (``getrusage(RUSAGE_CHILDREN)``) and wall time; earlier children of the test run
    cannot inflate the figure."""
    probe = ("import json, resource, subprocess, sys, time\n"
             "t = time.perf_counter()\n"
             "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
             "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
             "rss = rss / 1024 if sys.platform != 'darwin' else rss / 1024 / 1024\n"
             "print(json.dumps({'rc': p.returncode, 'seconds': time.perf_counter() - t, 'rss_mb': rss,\n"
             "                  'stdout': p.stdout.decode('utf-8', 'replace'),\n"
             "                  'stderr': p.stderr.decode('utf-8', 'replace')}))\n")
    proc = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "kinerja_pipeline.cli",
                           "-w", str(ws), *args], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def formulas_in(path: Path) -> list[str]:
    """Every formula (``<f>``) stored in any worksheet of an .xlsx."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f(?:\s[^>]*)?>([^<]*)</f>", zf.read(name).decode("utf-8"))
    return found


def strings_in(path: Path) -> dict[str, tuple[str, str]]:
    """``{text: (sheet!cell, data_type)}`` of every text cell of an .xlsx (openpyxl)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for sh in wb.worksheets:
        for row in sh.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    out.setdefault(c.value, (f"{sh.title}!{c.coordinate}", c.data_type))
    wb.close()
    return out


# --------------------------------------------------------------------------- the corpus in one run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    ws = new_workspace(root / "ws")
    cases, folder = build(root, rules_of(ws))
    for i, name in enumerate(sorted(cases)):
        drop(ws, folder / name, when=received_time(1, 1 + i % 20))
    sent = {name: sha256(folder / name) for name in cases}
    measured = measured_cli(ws.root, "ingest", "--json")
    return ws, cases, sent, measured, folder


def test_every_hostile_file_gets_a_clear_outcome_at_bounded_cost(corpus) -> None:
    ws, cases, sent, measured, _ = corpus
    assert measured["rc"] == 0, measured["stderr"]
    results = {r["file"]: r for r in json.loads(measured["stdout"])}
    assert set(results) == set(cases)
    for name, case in cases.items():
        r = results[name]
        codes = [i["code"] for i in r["issues"]]
        assert set(codes) <= set(REGISTRY), (name, set(codes) - set(REGISTRY))  # every code registered
        assert r["outcome"] == case.outcome, (name, case.about, r["outcome"], r["reason"])
        if case.code:
            assert case.code in codes, (name, case.about, codes)
        if case.outcome == "unrecognised":
            reason = r["reason"]
            assert reason and ("berkas" in reason.lower() or "formulir" in reason.lower()), (name, reason)
            assert not CONTROL.search(reason) and len(reason) < 600, (name, reason)
    # nothing lost: every original archived byte for byte, the inbox empty
    assert list(ws.inbox.iterdir()) == []
    archived = sorted(sha256(p) for p in ws.archive.rglob("*") if p.is_file())
    assert archived == sorted(sent.values())
    # bounded: the whole corpus, bombs included, in one ordinary process
    assert measured["rss_mb"] < 400 and measured["seconds"] < 60, measured | {"stdout": "…"}
    print(f"hostile corpus: {len(cases)} files, peak RSS {measured['rss_mb']:.0f} MB, "
          f"{measured['seconds']:.1f} s")


def test_feedback_for_hostile_rejected_files_opens_and_holds_no_link(corpus) -> None:
    ws, cases, _, _, _ = corpus
    rejected = [n for n, c in cases.items() if c.outcome == "rejected"]
    with closing(sqlite3.connect(ws.ledger)) as conn:
        paths = dict(conn.execute("SELECT file_name, feedback_path FROM submissions WHERE outcome = 'rejected'"))
    assert sorted(paths) == sorted(rejected)
    for name in rejected:
        feedback = ws.root / paths[name]
        with zipfile.ZipFile(feedback) as zf:
            parts = zf.namelist()
            blob = b"".join(zf.read(p) for p in parts)
        assert not any("externalLink" in p for p in parts), name
        for target in EXTERNAL_TARGETS.values():
            assert target.encode() not in blob and b"evil" not in blob, name
        wb = openpyxl.load_workbook(feedback)
        assert wb.sheetnames[0] == RESULT_SHEET
        messages = [c.value for row in wb[RESULT_SHEET].iter_rows() for c in row if isinstance(c.value, str)]
        assert not any(CONTROL.search(m) for m in messages), name
        wb.close()


def test_zip_bomb_is_refused_in_bounded_memory_and_time(tmp_path) -> None:
    """Acceptance: ingest over the zip bomb stays under 300 MB peak RSS and 10 s."""
    ws = new_workspace(tmp_path / "ws")
    bomb = zip_bomb(tmp_path / "bom.xlsx", megabytes=210)
    drop(ws, bomb, "laporan_tw1.xlsx")
    drop(ws, returned_form(rules_of(ws), tmp_path / "baik.xlsx"))  # a good one in the same run
    measured = measured_cli(ws.root, "ingest", "--json")
    assert measured["rc"] == 0, measured["stderr"]
    results = {r["file"]: r for r in json.loads(measured["stdout"])}
    assert results["laporan_tw1.xlsx"]["outcome"] == "unrecognised"
    assert [i["code"] for i in results["laporan_tw1.xlsx"]["issues"]] == ["berkas-berbahaya"]
    assert results["baik.xlsx"]["outcome"] == "accepted"
    print(f"zip bomb (210 MB inflated, {bomb.stat().st_size // 1024} KB on disk): peak RSS "
          f"{measured['rss_mb']:.0f} MB, {measured['seconds']:.2f} s")
    assert measured["rss_mb"] < 300, measured
    assert measured["seconds"] < 10, measured


# --------------------------------------------------------------------------- external links


def test_external_links_are_never_fetched(tmp_path, monkeypatch) -> None:
    from hostile.corpus import external_link

    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise OSError("jaringan dilarang dalam uji ini")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    p = plan(rules)
    good = returned_form(rules, tmp_path / "baik.xlsx")
    bad = returned_form(rules, tmp_path / "salah.xlsx", overrides={cell(p, "IK01", "realisasi"): "x"})
    for key, target in EXTERNAL_TARGETS.items():
        drop(ws, external_link(good, tmp_path / f"{key}.xlsx", target), when=received_time(1, 2))
        drop(ws, external_link(bad, tmp_path / f"{key}_salah.xlsx", target), when=received_time(1, 3))
    report = run(ws, rules)
    assert attempts == []
    assert {r.file: r.outcome for r in report.results} == {
        "http.xlsx": "accepted", "unc.xlsx": "accepted", "http_salah.xlsx": "rejected", "unc_salah.xlsx": "rejected"}
    for r in report.results:
        if r.feedback:
            with zipfile.ZipFile(r.feedback) as zf:
                assert not [n for n in zf.namelist() if "externalLink" in n]


# --------------------------------------------------------------------------- text through every output


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:  # the Indonesian twin splits at ';'
        return list(csv.DictReader(fh, delimiter=";" if path.stem.endswith("_id") else ","))


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _cli(ws: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["-w", str(ws), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _approve_all(ws: Path, unit: str) -> None:
    for level in LEVELS:
        _cli(ws, "approve", "-u", unit, "-y", str(YEAR), "-q", "1", "-l", level, "--by", "Budi Santoso",
             "--nip", NIP, "--note", "=1+1 catatan")


def test_injection_is_inert_text_from_ingest_through_rekap_and_lkjip(tmp_path) -> None:
    """End to end: what a unit types never becomes a formula, a link or markup anywhere."""
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    p = plan(rules)
    typed = {}
    cells = [cell(p, r.indicator.kode, "penjelasan") for r in p.rows] + [cell(p, "IK03", "bukti")]
    for address, payload in zip(cells, INJECTIONS):
        typed[address] = payload
    typed["D" + str(p.signature_rows["nama"])] = '=HYPERLINK("http://evil.invalid","Kepala")'
    drop(ws, returned_form(rules, tmp_path / "isian.xlsx", overrides=typed))
    pb = plan(rules, BAPAS)
    bapas_row = pb.rows[0]
    bad_cell = cell(pb, bapas_row.indicator.kode, "pembilang" if bapas_row.indicator.is_ratio else "realisasi")
    drop(ws, returned_form(rules, tmp_path / "ditolak.xlsx", BAPAS, overrides={
        bad_cell: "=cmd|' /C calc'!A0", cell(pb, bapas_row.indicator.kode, "penjelasan"): "<script>alert(1)</script>"}))
    out = _cli(ws.root, "ingest")
    assert "[DITERIMA]" in out and "[TIDAK VALID]" in out
    _approve_all(ws.root, LAPAS)
    _cli(ws.root, "rekap", "-y", str(YEAR))
    _cli(ws.root, "lkjip", "-y", str(YEAR))
    stored = {v.strip() for v in typed.values()}

    # feedback: the unit's text is quoted as a string; the only formulas are the form's own
    feedback = next(ws.feedback.iterdir())
    own = set(formulas_in(blank_form(rules, tmp_path / "kosong.xlsx", BAPAS)))
    assert set(formulas_in(feedback)) <= own, formulas_in(feedback)
    texts = strings_in(feedback)
    quoted = [t for t in texts if "cmd|" in t]
    assert quoted and all(texts[t][1] == "s" for t in quoted)

    rekap_xlsx, rekap_csv = ws.outputs / f"rekap_{YEAR}_TW1.xlsx", ws.outputs / f"rekap_{YEAR}_TW1.csv"
    lkjip_xlsx, lkjip_html = ws.outputs / f"lkjip_{YEAR}.xlsx", ws.outputs / f"lkjip_{YEAR}.html"
    for book in (rekap_xlsx, lkjip_xlsx):
        assert formulas_in(book) == [], book
        with zipfile.ZipFile(book) as zf:
            assert not [n for n in zf.namelist() if "externalLink" in n or n.endswith(".bin")]
            rels = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".rels"))
        assert b"evil" not in rels and b"hyperlink" not in rels.lower(), book
        texts = strings_in(book)
        found = [t for t in texts if any(payload in t for payload in stored if len(payload) > 4)]
        assert found, book
        assert all(texts[t][1] == "s" for t in found), book

    # CSV: OWASP neutralisation — a leading ' on = + - @ tab CR, and proper quoting
    rows = _read_csv(rekap_csv)
    shown = {r["penjelasan"] for r in rows if r["unit"] == LAPAS and r["periode"] == "TW1" and r["penjelasan"]}
    expected = {("'" + t if t.startswith(("=", "+", "-", "@", "\t", "\r")) else t)
                for t in (typed[c].strip() for c in cells[:len(p.rows)] if c in typed)}
    assert shown == expected
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "-", "@", "\t", "\r")), value
    raw = rekap_csv.read_bytes().decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil.invalid/?x=1"",""klik"")"' in raw

    # HTML: escaped, so no element or attribute the unit wrote exists in the page
    page = lkjip_html.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert not [t for t, a in parser.tags if t in ("script", "img", "iframe", "object")]
    assert not [a for _, a in parser.tags if any(k.startswith("on") for k in a)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text  # shown to the reader as the text it is


def test_control_characters_and_long_text_never_break_an_output(corpus, tmp_path) -> None:
    folder = corpus[4]
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    for name in ("teks_kendali.xlsx", "teks_kendali_ditolak.xlsx", "penjelasan_panjang.xlsx"):
        drop(ws, folder / name, when=received_time(1, 3 if "ditolak" in name else 2))
    report = run(ws, rules)
    assert {r.file: r.outcome for r in report.results} == {
        "teks_kendali.xlsx": "accepted", "teks_kendali_ditolak.xlsx": "rejected", "penjelasan_panjang.xlsx": "accepted"}
    # the ledger keeps what was sent (the long text whole, the control characters as typed)
    with closing(sqlite3.connect(ws.ledger)) as conn:
        texts = [r[0] for r in conn.execute("SELECT penjelasan FROM submission_values")]
    assert LONG_TEXT.strip() in texts
    assert any("\x1b" in t and "\u202e" in t for t in texts)
    long_result = next(r for r in report.results if r.file == "penjelasan_panjang.xlsx")
    assert [i.code for i in long_result.issues] == ["teks-terlalu-panjang"]
    # feedback of the rejected one opens; its messages quote the unit's text without control characters
    rejected = next(r for r in report.results if r.outcome == "rejected")
    wb = openpyxl.load_workbook(rejected.feedback)
    for row in wb[RESULT_SHEET].iter_rows(values_only=True):
        for value in row:
            assert not (isinstance(value, str) and CONTROL.search(value)), value
    wb.close()
    _approve_all(ws.root, LAPAS)
    _approve_all(ws.root, OTHER_UNIT)
    _cli(ws.root, "rekap", "-y", str(YEAR))
    _cli(ws.root, "lkjip", "-y", str(YEAR))
    for path in ws.outputs.iterdir():
        assert not path.name.startswith(".tmp-")
        if path.suffix == ".xlsx":
            texts = strings_in(path)
            assert not [t for t in texts if CONTROL.search(t)], path.name
            assert max(map(len, texts)) <= OUTPUT_TEXT_MAX + 1000, path.name  # a narasi quotes one
            assert any("awal" in t and "[31m tengah exe.fdp akhir" in t for t in texts), path.name
            assert any("dipotong" in t for t in texts), path.name
        elif path.suffix == ".csv":
            rows = _read_csv(path)
            values = [v for r in rows for v in r.values() if v]
            assert not [v for v in values if CONTROL.search(v)]
            assert max(map(len, values)) <= OUTPUT_TEXT_MAX + 200
        elif path.suffix == ".html":
            page = path.read_text(encoding="utf-8")
            assert not CONTROL.search(page)
            assert "awal[31m tengah exe.fdp akhir" in page
            assert len(page) < 400_000
    assert CONTROL_TEXT not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                      for p in ws.outputs.glob("*.html"))


# --------------------------------------------------------------------------- file names and unit codes


HOSTILE_NAMES = ["CON.xlsx", "nul .xlsx", "AUX", "x" * 245 + ".xlsx", "..\\..\\Windows\\evil.xlsx",
                 "tw1..\\..\\..\\evil.xlsx",
                 "laporan TW1 (final) ñ 日本語 \u202eslx.exe", "esc\x1b[2J\x1b]0;judul\x07.xlsx", "baris\nbaru.xlsx",
                 "-rf.xlsx", "$(reboot).xlsx", "a;b|c&d.xlsx"]


def test_hostile_file_names_are_archived_under_safe_names_and_shown_harmlessly(tmp_path) -> None:
    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    good = returned_form(rules, tmp_path / "baik.xlsx")
    names = list(HOSTILE_NAMES)
    raw_names = [n.encode("utf-8", "surrogateescape") for n in names]
    if sys.platform.startswith("linux"):
        raw_names.append(b"kiriman_\xff\xfe_latin1_\xe9.xlsx")  # not UTF-8: a name from another code page
    inbox = os.fsencode(ws.inbox)
    for i, raw in enumerate(raw_names):
        path = os.path.join(inbox, raw)
        with open(path, "wb") as fh:
            fh.write(good.read_bytes() + (b"\0" * i if i else b""))  # distinct bytes (trailing zeros)
        stamp = received_time(1, 1 + i).timestamp()
        os.utime(path, (stamp, stamp))
    proc = subprocess.run([sys.executable, "-m", "kinerja_pipeline.cli", "-w", str(ws.root), "ingest"],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    shown = proc.stdout.decode("utf-8")
    assert not CONTROL.search(shown.replace("\n", "")), shown
    # every name processed except the one starting with a dot: hidden, left alone and said so
    assert os.listdir(inbox) == [b"..\\..\\Windows\\evil.xlsx"]
    assert "[DILEWATI] ..\\..\\Windows\\evil.xlsx — berkas tersembunyi" in shown
    archived = [p for p in ws.archive.rglob("*") if p.is_file()]
    assert len(archived) == len(raw_names) - 1
    for p in archived:
        assert SAFE_NAME.match(p.name) and len(p.name) < 130, p.name
        assert p.resolve().is_relative_to(ws.archive.resolve())
    with closing(sqlite3.connect(ws.ledger)) as conn:
        recorded = [r[0] for r in conn.execute("SELECT file_name FROM submissions ORDER BY id")]
    assert len(recorded) == len(raw_names) - 1
    assert not [n for n in recorded if CONTROL.search(n)]
    assert "CON.xlsx" in recorded and "x" * 245 + ".xlsx" in recorded


def test_a_crash_after_commit_is_resumed_for_a_name_that_is_not_text(tmp_path, monkeypatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("nama berkas non-UTF-8 hanya ada di Linux")
    from kinerja_pipeline import ingest as ingest_module

    ws = new_workspace(tmp_path / "ws")
    rules = rules_of(ws)
    good = returned_form(rules, tmp_path / "baik.xlsx")
    raw = os.path.join(os.fsencode(ws.inbox), b"laporan_\xe9t\xe9.xlsx")
    with open(raw, "wb") as fh:
        fh.write(good.read_bytes())
    stamp = received_time(1).timestamp()
    os.utime(raw, (stamp, stamp))

    class Crash(BaseException):
        pass

    def dying(*args, **kwargs):
        raise Crash()

    with monkeypatch.context() as patch:
        patch.setattr(ingest_module, "move_no_overwrite", dying)
        with pytest.raises(Crash):
            run(ws, rules)
    assert os.listdir(os.fsencode(ws.inbox)) == [b"laporan_\xe9t\xe9.xlsx"]
    rerun = run(ws, rules)
    assert rerun.resumed == 1 and rerun.results == []
    assert os.listdir(os.fsencode(ws.inbox)) == []
    with closing(sqlite3.connect(ws.ledger)) as conn:
        assert conn.execute("SELECT file_name, outcome, archived FROM submissions").fetchall() == [
            ("laporan_\ufffdt\ufffd.xlsx", "accepted", 1)]


def test_unit_codes_that_would_make_unsafe_file_names_stay_inside_the_workspace(tmp_path) -> None:
    from tiny_rules import tiny_rules

    from kinerja_pipeline.forms import generate_forms
    from kinerja_pipeline.layout import plan_form
    from kinerja_pipeline.samples import fill_form, plausible_values
    from kinerja_pipeline.workspace import Workspace

    codes = ["../../keluar", "CON", "a\\b:c*?", "..", "x" * 120]
    root = tmp_path / "kantor"
    root.mkdir()
    rules = tiny_rules(root, units={"PUSAT": (None, "pusat"), **{c: ("PUSAT", "upt") for c in codes}},
                       default_target=(10, 10, 10, 10), pagu={(c, "KEG1"): 1000 for c in codes})
    ws = Workspace(root)
    before = set(tmp_path.rglob("*"))
    generate_forms(rules, ws, YEAR, 1, None)
    forms = sorted(ws.form_dir(YEAR, 1).iterdir())
    assert len(forms) == len(codes)
    (root / "inbox").mkdir()
    for i, code in enumerate(codes):
        p = plan_form(rules, code, YEAR, 1)
        form = next(f for f in forms if _form_unit(f) == code)
        values = plausible_values(rules, p, seed=i)
        first = p.rows[0]
        values[f"H{first.row}"] = "bukan angka"  # rejected: feedback named after the unit
        target = root / "inbox" / f"kiriman_{i}.xlsx"
        fill_form(form, target, values)
        stamp = received_time(1, 1 + i).timestamp()
        os.utime(target, (stamp, stamp))
    report = run(ws, rules)
    assert {r.outcome for r in report.results} == {"rejected"}
    for code in codes:
        _cli(root, "lkjip", "-y", str(YEAR), "-u", code)
    _cli(root, "rekap", "-y", str(YEAR))
    created = set(tmp_path.rglob("*")) - before
    for path in created:
        assert path.resolve().is_relative_to(root.resolve()), path
    for folder in (ws.form_dir(YEAR, 1), ws.feedback, ws.outputs):
        names = [p.name for p in folder.iterdir()]
        assert names and all(SAFE_NAME.match(n) and len(n) < 150 for n in names), names
    assert len(list(ws.feedback.iterdir())) == len(codes)
    assert len(list(ws.outputs.glob("lkjip_*.html"))) == len(codes)


def _form_unit(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
    finally:
        wb.close()
    return meta["unit"]
