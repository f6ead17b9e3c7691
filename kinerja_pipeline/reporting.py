"""Plain-text summaries printed by the CLI (Indonesian)."""
from __future__ import annotations

from .ingest import IngestReport
from .kiriman import DIFFERS
from .periods import quarter_label
from .codes import ERROR
from .workspace import Workspace

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
