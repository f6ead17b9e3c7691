"""Load and check everything in ``rules/`` into typed, immutable objects.

Files (see README, "Menulis aturan"):

- ``organisasi.yaml``  instansi, unit hierarchy, signatories
- ``indikator.yaml``   sasaran, kegiatan, indicators and their semantics
- ``kebijakan.yaml``   predikat scale, thresholds, deadlines, approval levels
- ``target_<tahun>.csv|xlsx``  annual and TW targets per (unit, indikator)
- ``pagu_<tahun>.csv|xlsx``    pagu per (unit, kegiatan)
- ``realisasi_tahun_lalu.csv|xlsx`` (optional) earlier years' realisasi per (unit, indikator)

Every mistake is a :class:`RulesError` naming the file, the line or row and the key. The loaders
collect them in a :class:`~rules_yaml.Problems` and :func:`load_rules` raises them all at once.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .errors import RulesError
from .numbers import parse_number
from .periods import quarter_end
from .rules import (CAKUPAN, CAKUPAN_SEBANDING, NEGATIVE_FORMULAS, NOT_REPORTED, POLARITIES, RENSTRA_JENIS,
                    RENSTRA_KUMULATIF, TARGET_MODES, TIME_AGG, TINGKAT, TINGKAT_WORDS, TOLERANCE, UNIT_AGG,
                    ApprovalLevel, Indicator, Kegiatan, Pagu, PastValue, Person, Policy, PredikatBand, Ratio,
                    RenstraTarget, Rules, Sasaran, Signatory, Target, Unit)
from .rules_yaml import Problems, _Ctx, _LineDict, _read_yaml


# --------------------------------------------------------------------------- organisation


def _raw_codes(items: list) -> set[str]:
    """The ``kode`` written in each item, even in items with another mistake (no echoes)."""
    return {str(raw["kode"]).strip() for raw in items
            if isinstance(raw, dict) and isinstance(raw.get("kode"), (str, int))}


def _load_organisation(path: Path, problems: Problems) -> tuple[str, str, tuple[Unit, ...],
                                                                dict[str, Signatory]]:
    ctx = _Ctx(path)
    top = ctx.fields(_read_yaml(path), "organisasi", ["instansi", "unit"],
                     ["kementerian", "penandatangan"])
    units: list[Unit] = []
    lines: dict[str, int] = {}
    by_lower: dict[str, str] = {}  # lower-cased kode → the first kode spelled that way
    raw_units: dict[str, _LineDict] = {}
    raw_list = ctx.items(top, "unit")
    for raw in raw_list:
        with problems.each():
            units.append(_unit(ctx, raw, lines, by_lower))
            raw_units[units[-1].kode] = raw
    by_kode = {u.kode: u for u in units}
    written = _raw_codes(raw_list)
    for u in units:
        if u.induk is not None and u.induk not in by_kode and u.induk not in written:
            problems.add(ctx.fail(f"induk '{u.induk}' dari unit '{u.kode}' tidak ada di daftar unit.",
                                  raw_units[u.kode], "induk"))
    cycles: set[frozenset[str]] = set()
    for u in units:  # cycles, each reported once
        seen, cur = [u.kode], u.induk
        while cur is not None and cur in by_kode:
            if cur in seen:
                loop = frozenset(seen[seen.index(cur):])
                if loop not in cycles:
                    cycles.add(loop)
                    chain = " → ".join(seen + [cur])
                    problems.add(ctx.fail(f"hierarki unit berputar ({chain}); setiap rantai induk "
                                          "harus berakhir di unit puncak tanpa induk.",
                                          raw_units[u.kode], "induk"))
                break
            seen.append(cur)
            cur = by_kode[cur].induk
    roots = [u.kode for u in units if u.induk is None]
    if len(roots) != 1 and len(units) == len(raw_list):
        problems.add(ctx.fail(f"harus ada tepat satu unit puncak tanpa induk; ditemukan {len(roots)}: "
                              f"{', '.join(roots) or '-'}. Isi 'induk' unit lainnya.", top, "unit"))
    signatories: dict[str, Signatory] = {}
    if top.get("penandatangan") is not None:
        sig = ctx.fields(top["penandatangan"], "penandatangan", [], ["rekap", "lkjip"])
        for role, raw in sig.items():
            with problems.each():
                node = ctx.fields(raw, f"penandatangan {role}", ["jabatan", "nama"], ["nip"])
                signatories[role] = Signatory(ctx.text(node, "jabatan"), ctx.text(node, "nama"),
                                              ctx.text(node, "nip", ""))
    return (ctx.text(top, "instansi"), ctx.text(top, "kementerian", ""), tuple(units),
            signatories)


def _unit(ctx: _Ctx, raw: Any, lines: dict[str, int], by_lower: dict[str, str]) -> Unit:
    node = ctx.fields(raw, "unit", ["kode", "nama", "jenis"], ["induk", "kepala"])
    kode = ctx.text(node, "kode")
    same_case = [k for k in (by_lower.get(kode.lower()),) if k is not None and k != kode]
    if same_case:
        raise ctx.fail(f"kode unit '{kode}' hanya berbeda huruf besar/kecil dengan '{same_case[0]}'; "
                       "nama berkasnya akan bertabrakan di Windows. Pakai kode yang berbeda.", node, "kode")
    if kode in lines:
        raise ctx.fail(f"kode unit '{kode}' sudah dipakai di baris {lines[kode]}; kode harus unik.",
                       node, "kode")
    lines[kode] = node.key_lines["kode"]
    by_lower.setdefault(kode.lower(), kode)
    kepala = None
    if node.get("kepala") is not None:
        k = ctx.fields(node["kepala"], f"kepala unit {kode}", ["nama"], ["nip"])
        kepala = Person(ctx.text(k, "nama"), ctx.text(k, "nip", ""))
    return Unit(kode, ctx.text(node, "nama"), ctx.text(node, "induk") or None,
                ctx.text(node, "jenis").lower(), kepala)


# --------------------------------------------------------------------------- indicators

_IND_REQUIRED = ["kode", "sasaran", "nama", "satuan", "jenis_unit", "agregasi_waktu",
                 "polaritas", "mode_target"]
_IND_OPTIONAL = ["desimal", "agregasi_unit", "rasio", "rumus_negatif", "batas",
                 "bilangan_bulat", "bukti_wajib", "target_renstra", "standar_nasional", "tingkat"]


def _load_indicators(path: Path, jenis_known: set[str],
                     problems: Problems) -> tuple[int, tuple[Sasaran, ...], tuple[Kegiatan, ...],
                                                  tuple[Indicator, ...]]:
    ctx = _Ctx(path)
    top = ctx.fields(_read_yaml(path), "indikator.yaml", ["sasaran", "indikator"],
                     ["versi", "kegiatan"])
    versi = 1
    with problems.each():
        versi = int(ctx.number(top, "versi", 1) or 1)
    sasaran: list[Sasaran] = []
    raw_sasaran = ctx.items(top, "sasaran")
    for raw in raw_sasaran:
        with problems.each():
            node = ctx.fields(raw, "sasaran", ["kode", "nama"])
            kode = ctx.text(node, "kode")
            if any(s.kode == kode for s in sasaran):
                raise ctx.fail(f"kode sasaran '{kode}' ganda; kode harus unik.", node, "kode")
            sasaran.append(Sasaran(kode, ctx.text(node, "nama")))
    sasaran_codes = {s.kode for s in sasaran}
    written = _raw_codes(raw_sasaran)  # a sasaran with its own mistake is no unknown sasaran
    kegiatan: list[Kegiatan] = []
    for raw in ctx.items(top, "kegiatan", required=False):
        with problems.each():
            node = ctx.fields(raw, "kegiatan", ["kode", "nama", "sasaran"])
            kode = ctx.text(node, "kode")
            if any(k.kode == kode for k in kegiatan):
                raise ctx.fail(f"kode kegiatan '{kode}' ganda; kode harus unik.", node, "kode")
            if ctx.text(node, "sasaran") not in sasaran_codes | written:
                raise ctx.fail(f"sasaran '{node['sasaran']}' tidak ada di daftar sasaran.", node,
                               "sasaran")
            kegiatan.append(Kegiatan(kode, ctx.text(node, "nama"), ctx.text(node, "sasaran")))
    indicators: list[Indicator] = []
    raw_indicators = ctx.items(top, "indikator")
    for raw in raw_indicators:
        with problems.each():
            indicators.append(_indicator(ctx, raw, sasaran_codes | written, jenis_known,
                                         {i.kode for i in indicators}))
    return versi, tuple(sasaran), tuple(kegiatan), tuple(indicators)


def _indicator(ctx: _Ctx, raw: Any, sasaran_codes: set[str], jenis_known: set[str],
               taken: set[str]) -> Indicator:
    node = ctx.fields(raw, "indikator", _IND_REQUIRED, _IND_OPTIONAL)
    kode = ctx.text(node, "kode")
    if kode in taken:
        raise ctx.fail(f"kode indikator '{kode}' ganda; kode harus unik.", node, "kode")
    if ctx.text(node, "sasaran") not in sasaran_codes:
        raise ctx.fail(f"indikator {kode}: sasaran '{node['sasaran']}' tidak ada di daftar sasaran "
                       f"({', '.join(sorted(sasaran_codes))}).", node, "sasaran")
    jenis = node["jenis_unit"]
    jenis = [jenis] if isinstance(jenis, str) else jenis
    if not isinstance(jenis, list) or not jenis:
        raise ctx.fail(f"indikator {kode}: jenis_unit harus berupa daftar jenis unit.", node, "jenis_unit")
    jenis = [str(j).strip().lower() for j in jenis]
    for j in jenis:
        if j not in jenis_known:
            raise ctx.fail(f"indikator {kode}: jenis unit '{j}' tidak dipakai unit mana pun "
                           f"(jenis yang ada: {', '.join(sorted(jenis_known))}).", node, "jenis_unit")
    rasio = None
    if node.get("rasio") is not None:
        r = ctx.fields(node["rasio"], f"rasio indikator {kode}", ["pembilang", "penyebut"], ["faktor"])
        faktor = ctx.number(r, "faktor", 100.0)
        if not faktor or faktor <= 0:
            raise ctx.fail(f"indikator {kode}: faktor rasio harus lebih dari 0.", r, "faktor")
        rasio = Ratio(ctx.text(r, "pembilang"), ctx.text(r, "penyebut"), float(faktor))
    agg_unit = ctx.choice(node, "agregasi_unit", UNIT_AGG, "jumlah")
    if rasio is not None and agg_unit != "jumlah":
        raise ctx.fail(f"indikator {kode}: indikator rasio dijumlahkan pembilang dan penyebutnya "
                       "antar-unit; agregasi_unit harus 'jumlah'.", node, "agregasi_unit")
    polaritas = ctx.choice(node, "polaritas", POLARITIES)
    rumus = ctx.choice(node, "rumus_negatif", NEGATIVE_FORMULAS, "selisih")
    if "rumus_negatif" in node and polaritas != "negatif":
        raise ctx.fail(f"indikator {kode}: rumus_negatif hanya untuk polaritas negatif.", node,
                       "rumus_negatif")
    bmin = bmax = None
    if node.get("batas") is not None:
        b = ctx.fields(node["batas"], f"batas indikator {kode}", [], ["min", "max"])
        bmin, bmax = ctx.number(b, "min"), ctx.number(b, "max")
        if bmin is not None and bmax is not None and bmin > bmax:
            raise ctx.fail(f"indikator {kode}: batas min lebih besar dari max.", b, "min")
    if bmin is None:
        bmin = 0.0
    if rasio is None and bmax is None and ctx.text(node, "satuan") == "%":
        bmax = 100.0  # a percentage typed directly cannot exceed 100 unless the rules say so
    renstra = None
    if node.get("target_renstra") is not None:
        r = ctx.fields(node["target_renstra"], f"target_renstra indikator {kode} (jenis: tahunan = "
                       "target tahunan di tahun akhir Renstra, kumulatif = jumlah selama Renstra)",
                       ["tahun", "nilai", "jenis"])
        renstra = RenstraTarget(int(ctx.number(r, "tahun") or 0), float(ctx.number(r, "nilai") or 0),
                                ctx.choice(r, "jenis", RENSTRA_JENIS))
        flow = rasio is None and ctx.choice(node, "agregasi_waktu", TIME_AGG) == "jumlah"
        if renstra.jenis == RENSTRA_KUMULATIF and not flow:
            raise ctx.fail(f"indikator {kode}: target Renstra kumulatif hanya untuk indikator yang "
                           "dijumlahkan (agregasi_waktu jumlah, bukan rasio); pakai jenis: tahunan.",
                           r, "jenis")
    desimal = ctx.number(node, "desimal", 2)
    if desimal is None or desimal < 0 or desimal > 6 or desimal != int(desimal):
        raise ctx.fail(f"indikator {kode}: desimal harus bilangan bulat 0 sampai 6.", node, "desimal")
    return Indicator(
        kode=kode, sasaran=ctx.text(node, "sasaran"), nama=ctx.text(node, "nama"),
        satuan=ctx.text(node, "satuan"), desimal=int(desimal), jenis_unit=tuple(jenis),
        agregasi_waktu=ctx.choice(node, "agregasi_waktu", TIME_AGG), agregasi_unit=agg_unit,
        polaritas=polaritas, rumus_negatif=rumus,
        mode_target=ctx.choice(node, "mode_target", TARGET_MODES), rasio=rasio,
        batas_min=bmin, batas_max=bmax, bilangan_bulat=ctx.flag(node, "bilangan_bulat"),
        bukti_wajib=ctx.flag(node, "bukti_wajib"), target_renstra=renstra,
        standar_nasional=ctx.number(node, "standar_nasional"),
        tingkat=ctx.choice(node, "tingkat", TINGKAT, "instansi"))


# --------------------------------------------------------------------------- policy


def _load_policy(path: Path, target_years: Iterable[int], problems: Problems) -> Policy:
    ctx = _Ctx(path)
    top = ctx.fields(_read_yaml(path), "kebijakan.yaml", ["predikat", "tenggat", "persetujuan"],
                     ["batas_skor", "penjelasan_wajib", "pencilan", "cakupan_target"])
    bands: list[PredikatBand] = []
    raw_bands = ctx.items(top, "predikat")
    for raw in raw_bands:
        with problems.each():
            node = ctx.fields(raw, "predikat", ["predikat"], ["dari", "sampai"])
            band = PredikatBand(ctx.text(node, "predikat"), ctx.number(node, "dari"),
                                ctx.number(node, "sampai"))
            if band.dari is not None and band.sampai is not None and band.dari >= band.sampai:
                raise ctx.fail(f"predikat '{band.predikat}': 'dari' harus lebih kecil dari "
                               "'sampai'.", node, "dari")
            bands.append(band)
    if len(bands) == len(raw_bands):
        with problems.each():
            _check_bands(ctx, top, bands)
    pj = pc = _LineDict()
    with problems.each():
        pj = top.get("penjelasan_wajib") or _LineDict()
        if pj:
            pj = ctx.fields(pj, "penjelasan_wajib", [], ["capaian_di_bawah", "capaian_di_atas"])
    with problems.each():
        pc = top.get("pencilan") or _LineDict()
        if pc:
            pc = ctx.fields(pc, "pencilan", [], ["capaian_di_bawah", "capaian_di_atas",
                                                 "perubahan_kali"])
    tenggat = _load_tenggat(ctx, top, target_years, problems)
    levels: list[ApprovalLevel] = []
    for raw in ctx.items(top, "persetujuan"):
        with problems.each():
            node = ctx.fields(raw, "persetujuan", ["level", "nama"], ["pemegang"])
            level = ctx.text(node, "level").lower()
            if any(lv.level == level for lv in levels):
                raise ctx.fail(f"level persetujuan '{level}' ganda.", node, "level")
            if not re.fullmatch(r"[a-z0-9_-]+", level):
                raise ctx.fail(f"level '{level}' hanya boleh huruf kecil, angka, '-' atau '_'.",
                               node, "level")
            levels.append(ApprovalLevel(level, ctx.text(node, "nama"),
                                        ctx.text(node, "pemegang", "")))
    cap = ctx.number(top, "batas_skor")
    if cap is not None and cap <= 0:
        raise ctx.fail("batas_skor harus lebih dari 0 (atau hapus kuncinya).", top, "batas_skor")
    return Policy(tuple(bands), cap,
                  ctx.number(pj, "capaian_di_bawah") if pj else None,
                  ctx.number(pj, "capaian_di_atas") if pj else None,
                  ctx.number(pc, "capaian_di_bawah") if pc else None,
                  ctx.number(pc, "capaian_di_atas") if pc else None,
                  ctx.number(pc, "perubahan_kali") if pc else None,
                  MappingProxyType(tenggat), tuple(levels),
                  ctx.choice(top, "cakupan_target", CAKUPAN, CAKUPAN_SEBANDING))


def _load_tenggat(ctx: _Ctx, top: _LineDict, target_years: Iterable[int],
                  problems: Problems) -> dict[tuple[int, int], dt.date]:
    """The deadline per (year, quarter): a real date, not before the quarter ends, and all four
    quarters of every year that has a target file (without one no unit could be late)."""
    tenggat: dict[tuple[int, int], dt.date] = {}
    tg = top["tenggat"]
    if not isinstance(tg, _LineDict):
        raise ctx.fail("tenggat harus berupa pemetaan tahun → {TW1: tanggal, …}.", top, "tenggat")
    for year_key, per_q in tg.items():
        with problems.each():
            if not str(year_key).isdigit() or len(str(year_key)) != 4:
                raise ctx.fail(f"tahun '{year_key}' di tenggat harus angka empat digit.", tg,
                               year_key)
            node = ctx.fields(per_q, f"tenggat {year_key}", [], ["TW1", "TW2", "TW3", "TW4"])
            year = int(year_key)
            for qkey, value in node.items():
                with problems.each():
                    date = _as_date(value)
                    if date is None:
                        raise ctx.fail(f"tenggat {year_key} {qkey}: '{value}' bukan tanggal; tulis "
                                       "TTTT-BB-HH, misalnya 2026-04-10.", node, qkey)
                    ends = quarter_end(year, int(qkey[2]))
                    if date < ends:
                        raise ctx.fail(f"tenggat {year} {qkey} ({date.isoformat()}) jatuh sebelum "
                                       f"triwulan itu berakhir ({ends.isoformat()}); tulis tanggal "
                                       f"sesudah {ends.isoformat()}.", node, qkey)
                    tenggat[(year, int(qkey[2]))] = date
    for year in sorted(target_years):
        per_q = tg.get(str(year))
        if per_q is not None and not isinstance(per_q, _LineDict):
            continue  # already reported
        missing = [f"TW{q}" for q in range(1, 5) if f"TW{q}" not in (per_q or {})]
        if missing:
            node, key = (tg, str(year)) if per_q is not None else (top, "tenggat")
            problems.add(ctx.fail(f"tahun {year} punya berkas target tetapi tenggat {year} "
                                  f"{', '.join(missing)} belum ditulis; tambahkan, misalnya "
                                  f"{year}: {{TW1: {year}-04-10, TW2: {year}-07-10, TW3: "
                                  f"{year}-10-10, TW4: {year + 1}-01-10}}.", node, key))
    return tenggat


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _check_bands(ctx: _Ctx, top: _LineDict, bands: list[PredikatBand]) -> None:
    order = sorted(bands, key=lambda b: -math.inf if b.dari is None else b.dari)
    if order[0].dari is not None:
        raise ctx.fail(f"skala predikat berlubang: tidak ada predikat untuk capaian di bawah "
                       f"{order[0].dari:g}. Hapus 'dari' pada predikat terbawah.", top, "predikat")
    if order[-1].sampai is not None:
        raise ctx.fail(f"skala predikat berlubang: tidak ada predikat untuk capaian {order[-1].sampai:g} "
                       "ke atas. Hapus 'sampai' pada predikat teratas.", top, "predikat")
    for low, high in zip(order, order[1:]):
        if low.sampai is None or high.dari is None:
            raise ctx.fail(f"skala predikat tumpang tindih antara '{low.predikat}' dan "
                           f"'{high.predikat}'.", top, "predikat")
        if low.sampai > high.dari:
            raise ctx.fail(f"skala predikat tumpang tindih: '{low.predikat}' sampai {low.sampai:g} "
                           f"melewati awal '{high.predikat}' ({high.dari:g}).", top, "predikat")
        if low.sampai < high.dari:
            raise ctx.fail(f"skala predikat berlubang: capaian {low.sampai:g} sampai {high.dari:g} "
                           f"tidak punya predikat ('{low.predikat}' → '{high.predikat}').",
                           top, "predikat")


# --------------------------------------------------------------------------- tables


def _read_table(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a CSV (comma or semicolon) or the first sheet of an xlsx, keyed by lower-case header.

    Returns (row number as the operator sees it, row dict) for every non-blank row.
    """
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any reader failure is the operator's file
            raise RulesError(path, f"berkas Excel tidak dapat dibaca ({exc}). Simpan ulang sebagai "
                             ".xlsx.") from None
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        first = text.splitlines()[0] if text.strip() else ""
        delim = ";" if first.count(";") > first.count(",") else ","
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delim)]
    if not rows:
        raise RulesError(path, "berkas kosong; baris pertama harus berisi judul kolom.", row=1)
    header = [str(h or "").strip().lower() for h in rows[0]]
    out = []
    for number, values in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        out.append((number, {h: (values[i] if i < len(values) else None)
                             for i, h in enumerate(header) if h}))
    return out


def _need_columns(path: Path, rows: list[tuple[int, dict[str, Any]]], columns: list[str]) -> None:
    present = set(rows[0][1]) if rows else set()
    for col in columns:
        if rows and col not in present:
            raise RulesError(path, f"kolom '{col}' tidak ada. Kolom yang dibutuhkan: "
                             f"{', '.join(columns)}.", row=1, key=col)


def _cell_number(path: Path, row: int, key: str, value: Any) -> float:
    parsed = parse_number(value)
    if not parsed.ok:
        what = "kosong" if parsed.problem == "kosong" else f"'{value}' bukan angka"
        raise RulesError(path, f"nilai {what}; isi dengan angka.", row=row, key=key)
    return float(parsed.value)  # type: ignore[arg-type]


def _year_files(folder: Path, prefix: str, problems: Problems) -> dict[int, Path]:
    """``<prefix>_<tahun>.csv|xlsx`` per year; a name that looks meant as one but is not is a mistake."""
    found: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        m = re.fullmatch(rf"{prefix}_(\d{{4}})\.(csv|xlsx)", path.name, flags=re.IGNORECASE)
        if not m:
            if path.name.lower().startswith(f"{prefix}_") and path.is_file():
                problems.add(RulesError(path, f"nama berkas tidak dikenali, jadi isinya tidak "
                                        f"dibaca. Namai {prefix}_TTTT.csv atau {prefix}_TTTT.xlsx "
                                        f"(TTTT = tahun, misalnya {prefix}_2026.csv), atau "
                                        "pindahkan berkas ini ke luar folder rules/."))
            continue
        year = int(m.group(1))
        if year in found:
            problems.add(RulesError(path, f"ada dua berkas {prefix} untuk tahun {year} "
                                    f"({found[year].name} dan {path.name}); simpan satu saja."))
            continue
        found[year] = path
    return found


def _cell_numbers(path: Path, row: int, values: Mapping[str, Any], keys: Iterable[str],
                  problems: Problems) -> dict[str, float] | None:
    """The numbers in ``keys`` of one table row; None when any is not a number (each one reported)."""
    out: dict[str, float] = {}
    for key in keys:
        with problems.each():
            out[key] = _cell_number(path, row, key, values.get(key))
    return out if len(out) == len(list(keys)) else None


#: Where the codes of a table's second key column are defined, as the messages name it.
_DEFINED_IN = {"indikator": "indikator.yaml", "kegiatan": "indikator.yaml (kegiatan)"}


def _unit_and_kode(path: Path, number: int, row: Mapping[str, Any], units: Mapping[str, Unit],
                   key: str, known: Mapping[str, Any]) -> tuple[str, str]:
    """The unit and the ``key`` code (``indikator`` or ``kegiatan``) of one table row, each
    checked to exist (:class:`RulesError` naming the row and the column otherwise)."""
    unit = str(row.get("unit") or "").strip()
    kode = str(row.get(key) or "").strip()
    if unit not in units:
        raise RulesError(path, f"unit '{unit}' tidak ada di organisasi.yaml.", row=number, key="unit")
    if kode not in known:
        raise RulesError(path, f"{key} '{kode}' tidak ada di {_DEFINED_IN[key]}.", row=number, key=key)
    return unit, kode


def _load_targets(path: Path, year: int, units: Mapping[str, Unit],
                  indicators: Mapping[str, Indicator],
                  problems: Problems) -> tuple[dict[tuple[str, str], Target],
                                               frozenset[tuple[str, str]]]:
    """The year's targets, and the (unit, indikator) pairs whose row is all '-' (not reported)."""
    rows = _read_table(path)
    cols = ["unit", "indikator", "target_tahunan", "tw1", "tw2", "tw3", "tw4"]
    _need_columns(path, rows, cols)
    targets: dict[tuple[str, str], Target] = {}
    skipped: set[tuple[str, str]] = set()
    first_row: dict[tuple[str, str], int] = {}
    for number, row in rows:
        with problems.each():
            unit, kode = _unit_and_kode(path, number, row, units, "indikator", indicators)
            ind = indicators[kode]
            if (unit, kode) in first_row:
                raise RulesError(path, f"target {unit}/{kode} ditulis dua kali (juga di baris "
                                 f"{first_row[(unit, kode)]}).", row=number, key="indikator")
            first_row[(unit, kode)] = number
            dashes = [c for c in cols[2:] if str(row.get(c) or "").strip() == NOT_REPORTED]
            if dashes:
                _check_not_reported(path, number, units[unit], ind, dashes, cols[2:])
                skipped.add((unit, kode))
                continue
            if units[unit].jenis not in ind.jenis_unit and not _below_reporters(units, ind, unit):
                where = ("unit yang melapornya atau unit induk langsungnya (indikator individu "
                         "tidak dihitung lebih tinggi)" if ind.tingkat == "individu" else
                         "unit yang melapornya atau unit di atasnya")
                raise RulesError(path, f"unit '{unit}' (jenis {units[unit].jenis}) tidak melaporkan "
                                 f"indikator {kode} (hanya jenis {', '.join(ind.jenis_unit)}) dan "
                                 f"tidak membawahkan unit yang melaporkannya; baris target hanya "
                                 f"untuk {where}. Hapus baris ini atau perbaiki jenis_unit.",
                                 row=number, key="indikator")
            values = _cell_numbers(path, number, row, cols[2:], problems)
            if values is None:
                continue
            annual, tw = values["target_tahunan"], tuple(values[f"tw{q}"] for q in range(1, 5))
            _check_target_range(path, number, ind, unit, values, problems)
            _check_target_sum(path, number, ind, unit, annual, tw)  # type: ignore[arg-type]
            targets[(unit, kode)] = Target(unit, kode, annual, tw)  # type: ignore[arg-type]
    for unit in units.values():
        for ind in indicators.values():
            if unit.jenis in ind.jenis_unit and (unit.kode, ind.kode) not in first_row:
                problems.add(RulesError(path, f"unit '{unit.kode}' wajib melaporkan {ind.kode} "
                                        f"tetapi tidak punya baris target tahun {year}. Tambahkan "
                                        f"barisnya (atau, bila unit ini memang tidak melaporkan "
                                        f"{ind.kode}, baris dengan '-' di setiap kolom target).",
                                        key="indikator"))
        own = [i for i in indicators.values() if unit.jenis in i.jenis_unit]
        if own and all((unit.kode, i.kode) in skipped for i in own):
            problems.add(RulesError(path, f"semua indikator unit '{unit.kode}' ditandai '-' untuk "
                                    f"tahun {year}, jadi unit ini tidak punya formulir. Ubah jenis "
                                    "unitnya di organisasi.yaml, atau isi target salah satu "
                                    "indikatornya.", row=first_row[(unit.kode, own[0].kode)],
                                    key="indikator"))
    return targets, frozenset(skipped)


def _below_reporters(units: Mapping[str, Unit], ind: Indicator, node: str) -> bool:
    """Whether a unit reporting ``ind`` counts in ``node`` (for an ``individu`` indicator: only
    a child of it; otherwise any unit of its subtree)."""
    for u in units.values():
        if u.jenis not in ind.jenis_unit:
            continue
        cur = u.induk
        while cur is not None:
            if cur == node:
                return True
            if ind.tingkat == "individu":
                break
            cur = units[cur].induk
    return False


def _check_not_reported(path: Path, number: int, unit: Unit, ind: Indicator, dashes: list[str],
                        columns: list[str]) -> None:
    """A '-' row: every target column '-', and only for a unit whose jenis reports the indicator."""
    if len(dashes) != len(columns):
        rest = [c for c in columns if c not in dashes]
        raise RulesError(path, f"baris {unit.kode}/{ind.kode} memakai '-' hanya di sebagian kolom. "
                         f"Tulis '-' di semua kolom target (unit ini tidak melaporkan {ind.kode}) "
                         "atau isi semuanya dengan angka.", row=number, key=rest[0])
    if unit.jenis not in ind.jenis_unit:
        raise RulesError(path, f"baris '-' untuk {unit.kode}/{ind.kode} tidak perlu: jenis "
                         f"{unit.jenis} memang tidak melaporkan {ind.kode}. Hapus baris ini.",
                         row=number, key="indikator")


def _check_target_range(path: Path, row: int, ind: Indicator, unit: str,
                        values: Mapping[str, float], problems: Problems) -> None:
    """Each target within the indicator's bounds (by default not negative)."""
    for key, value in values.items():
        if ind.batas_min is not None and value < ind.batas_min:
            bound = ("tidak boleh negatif" if ind.batas_min == 0
                     else f"tidak boleh di bawah batas min {ind.batas_min:g}")
            problems.add(RulesError(path, f"target {unit}/{ind.kode} {value:g} {bound} (batas "
                                    f"indikator di indikator.yaml). Perbaiki angkanya.",
                                    row=row, key=key))
        elif ind.batas_max is not None and value > ind.batas_max:
            problems.add(RulesError(path, f"target {unit}/{ind.kode} {value:g} melebihi batas max "
                                    f"{ind.batas_max:g} (batas indikator di indikator.yaml). "
                                    "Perbaiki angkanya atau batasnya.", row=row, key=key))


def _check_target_sum(path: Path, row: int, ind: Indicator, unit: str, annual: float,
                      tw: tuple[float, float, float, float]) -> None:
    def close(a: float, b: float) -> bool:
        return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))

    if ind.mode_target == "per_triwulan" and ind.agregasi_waktu == "jumlah" and not ind.is_ratio:
        if not close(sum(tw), annual):
            raise RulesError(path, f"target per_triwulan {unit}/{ind.kode}: TW1+TW2+TW3+TW4 = "
                             f"{sum(tw):g}, tidak sama dengan target tahunan {annual:g}.",
                             row=row, key="target_tahunan")
    elif ind.mode_target == "per_triwulan" and ind.agregasi_waktu == "rata" and not ind.is_ratio:
        if not close(sum(tw) / 4, annual):
            raise RulesError(path, f"target per_triwulan {unit}/{ind.kode} (rata-rata): rata-rata "
                             f"TW1..TW4 = {sum(tw) / 4:g}, tidak sama dengan target tahunan "
                             f"{annual:g}.", row=row, key="target_tahunan")
    elif not close(tw[3], annual):
        mode = "kumulatif" if ind.mode_target == "kumulatif" else "akhir periode"
        raise RulesError(path, f"target {mode} {unit}/{ind.kode}: target TW4 ({tw[3]:g}) harus sama "
                         f"dengan target tahunan ({annual:g}).", row=row, key="tw4")


def _load_pagu(path: Path, units: Mapping[str, Unit], kegiatan: Mapping[str, Kegiatan],
               problems: Problems) -> tuple[Pagu, ...]:
    rows = _read_table(path)
    _need_columns(path, rows, ["unit", "kegiatan", "pagu"])
    out: dict[tuple[str, str], Pagu] = {}
    seen: set[tuple[str, str]] = set()
    for number, row in rows:
        with problems.each():
            unit, keg = _unit_and_kode(path, number, row, units, "kegiatan", kegiatan)
            if (unit, keg) in seen:
                raise RulesError(path, f"pagu {unit}/{keg} ditulis dua kali.", row=number,
                                 key="kegiatan")
            seen.add((unit, keg))
            value = _cell_number(path, number, "pagu", row.get("pagu"))
            if value < 0:
                raise RulesError(path, "pagu tidak boleh negatif.", row=number, key="pagu")
            out[(unit, keg)] = Pagu(unit, keg, value)
    return tuple(out.values())


def _load_past(folder: Path, units: Mapping[str, Unit], indicators: Mapping[str, Indicator],
               problems: Problems) -> tuple[PastValue, ...]:
    paths = [p for p in (folder / "realisasi_tahun_lalu.csv", folder / "realisasi_tahun_lalu.xlsx")
             if p.is_file()]
    out: list[PastValue] = []
    for path in paths:
        rows = _read_table(path)
        _need_columns(path, rows, ["tahun", "unit", "indikator", "realisasi"])
        for number, row in rows:
            with problems.each():
                unit, kode = _unit_and_kode(path, number, row, units, "indikator", indicators)
                values = _cell_numbers(path, number, row, ("tahun", "realisasi"), problems)
                if values is not None:
                    out.append(PastValue(int(values["tahun"]), unit, kode, values["realisasi"]))
    return tuple(out)


# --------------------------------------------------------------------------- narasi template

NARASI_FILE = "narasi_lkjip.j2"

_JINJA_PROBLEMS = (  # jinja2's English wording → what the operator should read
    ("unexpected end of template", "templat berakhir sebelum bloknya ditutup; tambahkan "
                                   "{% endif %} atau {% endfor %} yang kurang"),
    ("encountered unknown tag", "tag blok tidak dikenal; yang boleh: if, elif, else, endif, for, "
                                "endfor, set"),
    ("no filter named", "filter tidak dikenal"),
    ("expected token", "ekspresi tidak lengkap atau salah tulis"),
    ("unexpected '}'", "kurung kurawal '}' tanpa pasangan pembuka"),
    ("unexpected char", "karakter yang tidak boleh ada di dalam {{ … }} atau {% … %}"),
)


def template_problem(exc: Exception) -> str:
    """An Indonesian description of a jinja2 syntax error (its own text is English)."""
    text = str(getattr(exc, "message", None) or exc)
    quoted = re.findall(r"'([^']*)'", text)
    for english, indonesian in _JINJA_PROBLEMS:
        if english in text.lower():
            if english in ("encountered unknown tag", "no filter named") and quoted:
                return f"{indonesian}: '{quoted[0]}'"
            return indonesian
    return "sintaks templat salah"


def _check_narasi(folder: Path, problems: Problems) -> None:
    """The office's LKjIP paragraph template, when present, must at least parse."""
    path = folder / NARASI_FILE
    if not path.is_file():
        return
    import jinja2

    try:
        jinja2.Environment(lstrip_blocks=True).parse(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        problems.add(RulesError(path, "berkas bukan teks UTF-8; simpan ulang sebagai UTF-8."))
    except jinja2.TemplateSyntaxError as exc:
        problems.add(RulesError(path, f"templat narasi tidak valid ({template_problem(exc)}). "
                                "Periksa pasangan {% if %}/{% endif %} dan tanda kurung kurawal.",
                                line=exc.lineno))


# --------------------------------------------------------------------------- entry point


def load_rules(folder: str | Path) -> Rules:
    """Read and check every rules file in ``folder``; raise one :class:`RulesError` listing every
    mistake (a file whose inputs are broken is checked once they are fixed: no echoes). Rules
    read before from the very same files come from the cache (:mod:`rules_cache`)."""
    from .rules_cache import cached

    return cached(Path(folder), read_rules)


def read_rules(folder: Path) -> Rules:
    """:func:`load_rules` without the cache."""
    if not folder.is_dir():
        raise RulesError(folder, "folder aturan tidak ditemukan. Buat workspace dengan "
                         "'kinerja init FOLDER' atau pilih workspace dengan -w.")
    problems = Problems()
    target_files = _year_files(folder, "target", problems)
    pagu_files = _year_files(folder, "pagu", problems)
    org = problems.attempt(_load_organisation, folder / "organisasi.yaml")
    policy = problems.attempt(_load_policy, folder / "kebijakan.yaml", target_files)
    _check_narasi(folder, problems)
    inds = None
    if org is not None:
        inds = problems.attempt(_load_indicators, folder / "indikator.yaml",
                                {u.jenis for u in org[2]})
    if org is None or inds is None:
        problems.raise_found()
    instansi, kementerian, units, signatories = org
    versi, sasaran, kegiatan, indicators = inds
    by_unit = {u.kode: u for u in units}
    ind_map = {i.kode: i for i in indicators}
    keg_map = {k.kode: k for k in kegiatan}
    targets, not_reported = {}, {}
    for year, path in target_files.items():
        found = problems.attempt(_load_targets, path, year, by_unit, ind_map)
        if found is not None:
            targets[year], not_reported[year] = MappingProxyType(found[0]), found[1]
    pagu = {year: found for year, path in pagu_files.items()
            if (found := problems.attempt(_load_pagu, path, by_unit, keg_map)) is not None}
    past = problems.attempt(_load_past, folder, by_unit, ind_map)
    problems.raise_found()
    return Rules(folder=folder, instansi=instansi, kementerian=kementerian, units=units,
                 penandatangan=MappingProxyType(signatories), versi=versi, sasaran=sasaran,
                 kegiatan=kegiatan, indicators=indicators, policy=policy,  # type: ignore[arg-type]
                 targets=MappingProxyType(targets), pagu=MappingProxyType(pagu),
                 past=past or (), _by_unit=MappingProxyType(by_unit),
                 not_reported=MappingProxyType(not_reported))

def summarize(rules: Rules) -> str:
    """A short Indonesian summary of what the rules define, for ``kinerja check``."""
    lines = [f"Instansi: {rules.instansi}"]
    order = {u.kode: n for n, u in enumerate(rules.units)}
    by_depth: dict[int, dict[str, int]] = {}
    for u in rules.units:
        kinds = by_depth.setdefault(rules.depth(u.kode), {})
        kinds[u.jenis] = kinds.get(u.jenis, 0) + 1
    lines.append(f"Unit: {len(rules.units)} ({len(rules.reporting_units)} unit pelapor)")
    for depth in sorted(by_depth):
        kinds = by_depth[depth]
        detail = ", ".join(f"{n} {k}" for k, n in kinds.items())
        lines.append(f"  jenjang {depth + 1}: {sum(kinds.values())} unit ({detail})")
    lines.append(f"Indikator: {len(rules.indicators)} di bawah {len(rules.sasaran)} sasaran")
    for s in rules.sasaran:
        codes = [i.kode for i in rules.indicators if i.sasaran == s.kode]
        lines.append(f"  {s.kode}: {len(codes)} indikator ({', '.join(codes)})")
    for tingkat, words in TINGKAT_WORDS.items():
        codes = [i.kode for i in rules.indicators if i.tingkat == tingkat]
        if codes:
            lines.append(f"  tingkat {tingkat} ({words}): {', '.join(codes)}")
    for year in rules.years:
        n_pagu = len(rules.pagu.get(year, ()))
        total = sum(p.pagu for p in rules.pagu.get(year, ()))
        rupiah = f"{total:,.0f}".replace(",", ".")
        lines.append(f"Target {year}: {len(rules.targets[year])} baris; pagu: {n_pagu} baris, "
                     f"total Rp {rupiah}")
        skipped = sorted(rules.not_reported.get(year, ()), key=lambda p: (order[p[0]], p[1]))
        if skipped:
            lines.append("  tidak melapor (baris '-'), tanpa baris formulir dan tidak ditagih: "
                         + ", ".join(f"{u} {i}" for u, i in skipped))
        nodes = rules.nodes_that_report(year)
        if nodes:
            lines.append("  unit yang melapor sekaligus membawahkan unit pelapor (baris targetnya = "
                         "target unit itu sendiri; angka gabungannya = nilainya + unit di bawahnya):")
            lines += [f"    {unit} {kode} (+ {', '.join(below)})" for unit, kode, below in nodes]
    bands = ", ".join(b.predikat for b in rules.policy.predikat)
    lines.append(f"Predikat: {bands}")
    lines.append("Jenjang persetujuan: " + " → ".join(lv.nama for lv in rules.policy.persetujuan))
    deadlines = sorted(rules.policy.tenggat.items())
    if deadlines:
        lines.append("Tenggat: " + ", ".join(f"{y} TW{q} {d.isoformat()}" for (y, q), d in deadlines))
    if rules.past:
        years = sorted({p.tahun for p in rules.past})
        lines.append(f"Realisasi tahun lalu: {len(rules.past)} nilai ({', '.join(map(str, years))})")
    return "\n".join(lines)
