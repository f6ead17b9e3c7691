"""Plain-text summaries printed by the CLI (Indonesian): the one place that turns the stages'
results (plain data) into words.

- :func:`ingest_summary` — what ``kinerja ingest`` did with every file;
- :func:`action_text` — an approve / reject / unapprove;
- :func:`status_text` — the collection status (``kinerja status``);
- :func:`laporan_text` — the quarterly or half-year report written;
- :func:`kirim_text` — the package written for the parent office;
- :func:`rekap_text` — the rekap workbook and CSV written;
- :func:`lkjip_text` — the LKjIP tables written;
- :func:`invalid_reason`, :func:`received_note` — why data is tidak valid, a flagged received time.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .codes import ERROR
from .kiriman import DIFFERS, KirimResult
from .numbers import format_id
from .periods import period_label, quarter_label
from .styles import date_id
from .workflow import (APPROVE, REJECT, STATE_NOT_SENT, UNAPPROVE, ActionResult, InvalidWhy, ReceivedFlag,
                       StatusReport, StatusRow, short_time)
from .workspace import Workspace

if TYPE_CHECKING:  # these results are only read here; their stages (ingest: pandera, openpyxl; the
    # renderers) load only for their own commands
    from .ingest import IngestReport
    from .laporan import LaporanResult
    from .lkjip import LkjipResult
    from .rekap import RekapResult

def invalid_reason(why: InvalidWhy) -> str:
    """Why a unit's data is tidak valid: the reviewer's rejection, or ingest's automatic check (status,
    the rekap's status sheet)."""
    if why.by_reviewer:
        return f"Ditolak pada tahap {why.level} oleh {why.by}: {why.note}"
    return why.checked or "Tidak Valid saat pemeriksaan otomatis."


def received_note(flag: ReceivedFlag) -> str:
    """What ingest noticed about a received time (status, ``status --json``)."""
    if flag.future:
        return (f"waktu berkas ({short_time(flag.file_time)}) ada di masa depan, jadi dicatat waktu "
                f"pemrosesannya, {short_time(flag.received_at)}")
    return (f"waktu berkas ({short_time(flag.received_at)}) lebih awal dari pembuatan formulirnya "
            f"({short_time(flag.form_generated_at)}); periksa jam komputer yang menyimpan berkas itu")


OUTCOME_WORDS = {"accepted": "diterima", "rejected": "tidak valid", "unrecognised": "tidak dikenali",
                 "duplicate": "duplikat"}


def ingest_summary(report: IngestReport, ws: Workspace, *, dry_run: bool = False) -> str:
    lines = []
    if dry_run:
        lines.append("UJI COBA (--dry-run): tidak ada yang dicatat atau dipindahkan.")
    if report.resumed:
        lines.append(f"{report.resumed} berkas dari putaran yang terputus selesai diarsipkan.")
    total = sum(r.carried_by is None for r in report.results)
    counts = ", ".join(f"{report.count(k)} {w}" for k, w in OUTCOME_WORDS.items())
    packages = [r for r in report.results if r.is_package]
    carried = f" ({len(packages)} di antaranya kiriman kantor bawahan berisi " \
              f"{sum(len(r.kiriman['units']) for r in packages)} unit)" if packages else ""  # type: ignore[index]
    lines.append(f"{total} berkas diproses{carried}: {counts}.")
    for r in report.results:
        period = f"{quarter_label(r.quarter)} {r.year}" if r.quarter and r.year else "-"
        if r.is_package:
            k = r.kiriman or {}
            lines.append(f"  [KIRIMAN] {r.file} — {r.unit} {period}: {len(k['units'])} unit ({k.get('accepted', 0)} "
                         f"diterima, {k.get('rejected', 0)} tidak valid)")
            continue
        word = OUTCOME_WORDS[r.outcome].upper()
        warn = sum(i.severity != ERROR for i in r.issues)
        extra = f", {warn} peringatan" if warn and r.outcome == "accepted" else ""
        who = f" — {r.unit} {period}" if r.unit else ""
        indent = "  " if r.carried_by is None else "      "  # a unit a package carried: under the package
        lines.append(f"{indent}[{word}] " + (f"{r.file}{who}{extra}" if r.carried_by is None else f"{r.unit} {period}{extra}"))
        if r.outcome == "accepted":
            lines += [f"{indent}    {i.message}" for i in r.issues if i.code == DIFFERS]
        if r.outcome == "accepted" and r.in_use is False:
            lines.append(f"{indent}    {r.reason}")
        for note in r.notes:
            lines.append(f"{indent}    {note}")
        if r.outcome == "rejected":
            for issue in [i for i in r.issues if i.severity == ERROR][:3]:
                where = f"{issue.cell}: " if issue.cell else ""
                lines.append(f"      {where}{issue.message}")
            more = sum(i.severity == ERROR for i in r.issues) - 3
            if more > 0:
                lines.append(f"      … dan {more} galat lain (lihat berkas umpan balik)")
            if r.feedback and r.feedback.parent.name == "selesai":
                lines.append(f"      Umpan balik {r.feedback.relative_to(ws.root)} tidak perlu dikirim: sudah ada "
                             "kiriman lebih baru yang diterima.")
            elif r.feedback:
                lines.append(f"      Umpan balik untuk unit: {r.feedback.relative_to(ws.root)}")
        elif r.outcome in ("unrecognised", "duplicate"):
            lines.append(f"      {r.reason}")
    if report.feedback_done:
        lines.append(f"{len(report.feedback_done)} umpan balik sudah terjawab oleh kiriman yang lebih baru; "
                     "dipindahkan ke umpan_balik/selesai/ (tidak perlu dikirim lagi).")
    for name, why in report.skipped:
        lines.append(f"  [DILEWATI] {name} — {why}")
    if not total and not report.skipped:
        lines.append(f"Inbox kosong: letakkan berkas kiriman unit di {ws.inbox}.")
    return "\n".join(lines)


def _shown(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` when it lies inside it, else as it is."""
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)


def _period(year: int, quarter: int) -> str:
    return f"{quarter_label(quarter)} {year}"


def _percent(part: int, whole: int) -> str:
    """``3, 4`` → ``"75,0%"``; "—" for nothing expected."""
    if not whole:
        return "—"
    return f"{part / whole * 100:.1f}%".replace(".", ",")


# --------------------------------------------------------------------------- approve / reject / unapprove


def action_text(result: ActionResult, root: Path | None = None) -> str:
    """A short report of one approve / reject / unapprove; feedback paths relative to ``root``."""
    verb = {APPROVE: f"{result.level.nama}: disetujui",
            UNAPPROVE: f"{result.level.nama}: persetujuan ditarik",
            REJECT: f"{result.level.nama}: ditolak (Tidak Valid)"}[result.action]
    lines = [f"{verb} — {_period(result.year, result.quarter)}, {len(result.done)} unit, oleh {result.by} "
             f"(NIP {result.nip}) pada {short_time(result.at)}."]
    if result.note:
        lines.append(f"{'Alasan' if result.action == REJECT else 'Catatan'}: {result.note}")
    for r in result.done:
        lines.append(f"  [DICATAT] {r.unit} — {r.nama}")
        if r.feedback is not None:
            lines.append(f"      Umpan balik untuk unit: {_shown(r.feedback, root)}")
    if result.not_ready:
        lines.append(f"Belum dapat diproses ({len(result.not_ready)} unit):")
        for r in result.not_ready:
            lines.append(f"  [BELUM SIAP] {r.unit} — {r.message}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- status


def unused_text(newer_received: str | None) -> str:
    """Why an accepted file is not the one in use."""
    return f"diterima, tidak dipakai: ada kiriman yang lebih baru, diterima {short_time(newer_received)}"


def origin_text(row: StatusRow) -> str:
    """How a unit's data came: straight from the unit, or in which package ("—": no data)."""
    if row.submission_id is None:
        return "—"
    return f"kiriman {row.carried_by} ({row.package})" if row.carried_by else "langsung"


def lateness_text(report: StatusReport, row: StatusRow) -> str:
    """A row's lateness: on time, days late, or — without valid data — how far past the deadline."""
    if not row.reported:  # no valid data yet: how far past the deadline it is now
        if row.deadline is not None and row.deadline < report.today:
            return f"lewat tenggat {(report.today - row.deadline).days} hari"
        return "—"
    if row.days_late is None:
        return "—"
    return "tepat waktu" if row.days_late == 0 else f"terlambat {row.days_late} hari"


def status_text(report: StatusReport) -> str:
    """The collection status as ``kinerja status`` prints it: per parent node a table of its
    units and quarters, the rates, the units to chase and the feedback still to send."""
    scope = f"s.d. {quarter_label(report.quarter)}" if report.quarter and report.quarter < 4 else "TW I–IV"
    if report.quarter == 1:
        scope = quarter_label(1)
    lines = [f"Status pengumpulan data kinerja {report.year} ({scope}) — {report.instansi}",
             f"Per {date_id(report.today)}. Tenggat: " + ", ".join(
                 f"{quarter_label(q)} {date_id(d) if d else 'belum ditetapkan'}"
                 for q, d in report.deadlines.items()) + "."]
    lines += _status_table(report)
    lines.append("")
    lines.append("Ringkasan per induk (melapor = data valid diterima; tepat waktu = diterima paling "
                 "lambat pada hari tenggat):")
    for rate in [x for x in report.rates if x.quarter is None]:
        lines.append(f"  {'  ' * rate.depth}{rate.kode} — {_rate_line(report, rate.kode)}")
    lines.append("")
    lines.extend(chase_lines(report))
    lines.extend(_feedback_text(report))
    return "\n".join(lines)


def _status_table(report: StatusReport) -> list[str]:
    """Per parent node: its units' rows (state, received, lateness, origin) and its rate line."""
    lines: list[str] = []
    groups: dict[str, list[StatusRow]] = {}
    for r in report.rows:
        groups.setdefault(r.induk or r.unit, []).append(r)
    width = max([len(r.unit) for r in report.rows] + [4])
    state_w = max([len(r.state) for r in report.rows] + [6])
    for kode, rows in groups.items():
        lines.append("")
        nama = next((x.nama for x in report.rates if x.kode == kode), "")
        lines.append(f"{kode} — {nama}" if nama else kode)
        late_w = max([len(lateness_text(report, r)) for r in rows] + [13])
        lines.append(f"  {'Unit':<{width}}  {'TW':<6}  {'Status':<{state_w}}  {'Diterima':<16}  "
                     f"{'Keterlambatan':<{late_w}}  Asal data")
        for r in rows:
            lines.append(f"  {r.unit:<{width}}  {quarter_label(r.quarter):<6}  {r.state:<{state_w}}  "
                         f"{short_time(r.received_at):<16}  {lateness_text(report, r):<{late_w}}  "
                         f"{origin_text(r)}")
            if r.received_note:
                lines.append(f"      Catatan waktu terima: {r.received_note}.")
            for name, when, newer in r.unused:
                lines.append(f"      '{name}' (diterima {short_time(when)}): {unused_text(newer)}.")
        if any(x.kode == kode for x in report.rates):
            lines.append("  " + _rate_line(report, kode))
    return lines


def _rate_line(report: StatusReport, kode: str) -> str:
    parts = []
    for q in (report.quarters if len(report.quarters) > 1 else []) + [None]:
        x = report.rate(kode, q)
        label = quarter_label(q) if q else "Total"
        parts.append(f"{label}: melapor {x.reported}/{x.expected} ({_percent(x.reported, x.expected)}), "
                     f"tepat waktu {x.on_time}/{x.expected} ({_percent(x.on_time, x.expected)})")
    return "; ".join(parts)


def chase_lines(report: StatusReport) -> list[str]:
    """The units to chase (no valid data for an ended quarter), each with its head and what is missing."""
    chase = report.to_chase()
    if not chase:
        return ["Unit yang perlu ditagih: tidak ada."]
    per_unit: dict[str, list[StatusRow]] = {}
    for r in chase:
        per_unit.setdefault(r.unit, []).append(r)
    lines = [f"Unit yang perlu ditagih ({len(per_unit)} unit):"]
    for n, (unit, rows) in enumerate(per_unit.items(), start=1):
        first = rows[0]
        kepala = (f"Kepala: {first.kepala_nama}, NIP {first.kepala_nip}" if first.kepala_nama
                  else "Kepala: (belum tercatat di rules/organisasi.yaml)")
        lines.append(f"{n}. {first.nama} ({unit}) — {kepala}")
        for r in rows:
            deadline = f"tenggat {date_id(r.deadline)}" if r.deadline else "tenggat belum ditetapkan"
            if r.state == STATE_NOT_SENT:
                late = (f", lewat {(report.today - r.deadline).days} hari"
                        if r.deadline and r.deadline < report.today else "")
                lines.append(f"   - {_period(r.year, r.quarter)}: belum mengirim data ({deadline}{late}).")
            else:
                reason = r.reason.strip()
                reason += "" if not reason or reason.endswith((".", "!", "?")) else "."
                fb = f" Umpan balik: {r.feedback}" if r.feedback else ""
                lines.append(f"   - {_period(r.year, r.quarter)}: data tidak valid, mohon kirim perbaikan "
                             f"({deadline}). {reason}{fb}".rstrip())
    return lines


def _feedback_text(report: StatusReport) -> list[str]:
    pending = [(r, path) for r in report.rows for path in r.feedback_to_send]
    if not pending:
        return []
    lines = ["", f"Umpan balik yang masih perlu dikirim ke unit ({len(pending)} berkas; yang sudah dijawab "
                 "dengan kiriman baru yang diterima dipindahkan ke umpan_balik/selesai/):"]
    lines += [f"  - {r.unit} {_period(r.year, r.quarter)}: {path}" for r, path in pending]
    return lines


# --------------------------------------------------------------------------- laporan


def laporan_text(result: LaporanResult, root: Path | None = None) -> str:
    """What ``kinerja laporan`` wrote: the indicators, their predikat (in the legend's order),
    the units' submissions per quarter and the two files (relative to ``root``)."""
    model = result.model
    counts: dict[str, int] = {}
    for line in model.lines:
        name = line.period["predikat"] or "belum ada capaian"
        counts[name] = counts.get(name, 0) + 1
    order = [name for name, _, _ in model.legend] + ["belum ada capaian"]
    per = ", ".join(f"{counts[name]} {name}" for name in order if name in counts)
    sent = ", ".join(f"{q} {got}/{n} unit" for q, got, n in model.completeness)
    return "\n".join([f"{model.period.heading} Tahun {model.period.year} — {model.instansi}: "
                      f"{len(model.lines)} indikator.",
                      f"Predikat {model.period.label}: {per}." if per else "Belum ada data realisasi.",
                      f"Kiriman data: {sent}." if sent else "Belum ada unit pelapor.",
                      f"Ditulis: {_shown(result.xlsx, root)} dan {_shown(result.html, root)}"])


# --------------------------------------------------------------------------- kirim


def kirim_text(result: KirimResult) -> str:
    """What ``kinerja kirim`` wrote: how many units travel (verified or not), those left out and
    why, and what to do with the file."""
    p = result.package
    verified = sum(u.verified for u in p.units)
    lines = [f"Kiriman {p.node} {quarter_label(p.quarter)} {p.year}: {len(p.units)} dari {result.expected} unit "
             f"({verified} terverifikasi, {len(p.units) - verified} belum terverifikasi) → {result.path}"]
    if result.not_sent:
        lines.append(f"Tidak ikut dikirim ({len(result.not_sent)} unit):")
        lines += [f"  {unit} — {why}" for unit, why in result.not_sent]
    lines.append("Kirim berkas itu apa adanya ke kantor induk (mis. lewat surel); di sana cukup diletakkan di "
                 "inbox/ lalu 'kinerja ingest'.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- rekap


def rekap_text(result: RekapResult, root: Path | None = None) -> str:
    """What ``kinerja rekap`` wrote (paths relative to ``root``), the latest quarter's collection
    and the top unit's indicators per predikat."""
    lines = [f"Rekap {result.year} s.d. {quarter_label(result.quarter)} ({result.scope}): "
             f"{_shown(result.xlsx, root)}",
             f"Data tabular (CSV): {_shown(result.csv, root)}",
             f"Untuk Excel berbahasa Indonesia (pemisah titik koma): {_shown(result.id_csv, root)}"]
    if result.rates:
        last = result.rates[-1]
        n = last.expected
        rate = format_id(last.accepted * 100.0 / n, 1) if n else "—"
        timely = format_id(last.on_time * 100.0 / n, 1) if n else "—"
        lines.append(f"{quarter_label(last.quarter)}: {last.accepted} dari {n} unit mengirim data valid "
                     f"({rate}%), {last.on_time} tepat waktu ({timely}%).")
    counts = ", ".join(f"{n} {name}" for name, n in result.predikat_counts if n)
    if counts:
        lines.append(f"Indikator tingkat {result.root or '-'}, {period_label('TAHUN', result.quarter)}: {counts}.")
    if result.only_approved:
        lines.append(f"Hanya data yang telah disahkan: {result.used} kiriman dipakai.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- lkjip


def lkjip_text(result: LkjipResult, root: Path | None = None) -> str:
    """What ``kinerja lkjip`` wrote: whose report, which data, the predikat, the files."""
    where = result.instansi if result.is_root else f"{result.node_name} ({result.node})"
    period = ("belum ada data" if not result.has_data else "data TW I–IV" if result.upto == 4
              else f"data s.d. {quarter_label(result.upto)}")
    lines = [f"LKjIP {result.year} — {where}, {period}: {result.n_indicators} indikator di bawah "
             f"{result.n_sasaran} sasaran."]
    if result.predikat_counts:
        lines.append("Predikat: " + ", ".join(f"{n} {p}" for p, n in result.predikat_counts) + ".")
    if result.notes:
        lines.append(f"Perhatian: {len(result.notes)} catatan kelengkapan data (lihat bagian "
                     "'Catatan kelengkapan data').")
    lines.append(f"Ditulis: {_shown(result.xlsx, root)}")
    lines.append(f"         {_shown(result.html, root)}")
    return "\n".join(lines)
