"""Write a tiny rules folder from small Python dicts, for tests.

Usage (pytest puts ``tests/`` on ``sys.path``, so ``from tiny_rules import tiny_rules`` works)::

    rules = tiny_rules(
        tmp_path,
        units={"PUSAT": (None, "pusat"), "A": ("PUSAT", "upt"), "B": ("PUSAT", "upt")},
        indicators=[{"kode": "I1", "agregasi_waktu": "akhir", "mode_target": "kumulatif"},
                    {"kode": "I2", "rasio": True}],
        targets={("A", "I1"): (10, 20, 30, 40), ("B", "I1"): (5, 5, 5, 5)},
        default_target=(80, 85, 90, 95),       # every other (reporting unit, indicator)
        pagu={("A", "KEG1"): 1000, ("B", "KEG1"): 500},
        policy={"batas_skor": 120},
    )

Everything has a default, so a test writes only what it is about:

``units``
    ``{kode: (induk, jenis)}``, ``{kode: {"induk": …, "jenis": …, "nama": …}}`` or a list of such
    dicts with a ``kode``. ``nama`` defaults to the kode. Default: PUSAT (jenis ``pusat``) with
    two children A and B (jenis ``upt``).
``indicators``
    a list of dicts with the keys of ``indikator.yaml``; missing keys default to
    ``sasaran`` = first sasaran, ``nama`` = "Indikator <kode>", ``satuan`` ("%" for ratios,
    else "unit"), ``jenis_unit`` = the jenis of every unit without children,
    ``agregasi_waktu`` = jumlah, ``polaritas`` = positif, ``mode_target`` = per_triwulan.
    ``"rasio": True`` stands for ``{pembilang: Pembilang, penyebut: Penyebut, faktor: 100}``.
``sasaran``
    ``{kode: nama}`` or a list of kodes; default: the indicators' sasaran (or just ``SS1``).
``kegiatan``
    ``{kode: sasaran}``; default: every kegiatan named in ``pagu``, under the first sasaran.
``targets``
    ``{(unit, indikator): value}`` for ``year``, where value is ``(tw1, tw2, tw3, tw4)`` (the
    annual target is then derived as the loader expects: the sum for per_triwulan ``jumlah``,
    the mean for per_triwulan ``rata``, else TW4), ``(tahunan, tw1, tw2, tw3, tw4)``, or a dict
    with ``target_tahunan`` and ``tw1``..``tw4``. A row may name a parent unit (its own target).
``default_target``
    a value as above for every (reporting unit, indicator) not in ``targets``; without it the
    loader rejects a missing pair, which is what a rules test may want.
``pagu``
    ``{(unit, kegiatan): amount}`` for ``year``.
``policy``
    keys overriding the default ``kebijakan.yaml`` (Permendagri 86/2017 scale, no ``batas_skor``,
    one deadline per quarter of ``year``, one approval level).
``files``
    ``{file name: text}`` written last, as is: extra years (``target_2025.csv``),
    ``realisasi_tahun_lalu.csv``, or a deliberately broken file replacing a generated one.

:func:`write_rules` only writes the folder and returns its path; :func:`tiny_rules` writes
``<tmp_path>/rules`` and returns ``load_rules`` of it.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from kinerja_pipeline.rules import Rules
from kinerja_pipeline.rules_load import load_rules

YEAR = 2026

DEFAULT_UNITS = {"PUSAT": (None, "pusat"), "A": ("PUSAT", "upt"), "B": ("PUSAT", "upt")}

DEFAULT_PREDIKAT = [
    {"predikat": "Sangat Tinggi", "dari": 91},
    {"predikat": "Tinggi", "dari": 76, "sampai": 91},
    {"predikat": "Sedang", "dari": 66, "sampai": 76},
    {"predikat": "Rendah", "dari": 51, "sampai": 66},
    {"predikat": "Sangat Rendah", "sampai": 51},
]

RATIO_DEFAULT = {"pembilang": "Pembilang", "penyebut": "Penyebut", "faktor": 100}


def _unit_dicts(units: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    if isinstance(units, Mapping):
        for kode, spec in units.items():
            if isinstance(spec, Mapping):
                out.append({"kode": kode, **spec})
            else:
                induk, jenis = spec
                out.append({"kode": kode, "induk": induk, "jenis": jenis})
    else:
        out = [dict(u) for u in units]
    result = []
    for u in out:
        d = {"kode": str(u["kode"]), "nama": u.get("nama", str(u["kode"])), "jenis": u["jenis"]}
        if u.get("induk") is not None:
            d["induk"] = str(u["induk"])
        if u.get("kepala") is not None:
            d["kepala"] = u["kepala"]
        result.append(d)
    return result


def _indicator_dicts(indicators: Iterable[Mapping[str, Any]], first_sasaran: str,
                     leaf_jenis: list[str]) -> list[dict[str, Any]]:
    out = []
    for raw in indicators:
        ind = dict(raw)
        if ind.get("rasio") is True:
            ind["rasio"] = dict(RATIO_DEFAULT)
        d = {"kode": ind["kode"], "sasaran": first_sasaran, "nama": f"Indikator {ind['kode']}",
             "satuan": "%" if ind.get("rasio") else "unit", "jenis_unit": leaf_jenis,
             "agregasi_waktu": "jumlah", "polaritas": "positif", "mode_target": "per_triwulan"}
        d.update(ind)
        out.append(d)
    return out


def _target_row(value: Any, ind: Mapping[str, Any]) -> list[float]:
    """[tahunan, tw1, tw2, tw3, tw4] from any of the accepted target spellings."""
    if isinstance(value, Mapping):
        tw = [value[f"tw{q}"] for q in range(1, 5)]
        tahunan = value.get("target_tahunan")
    else:
        value = list(value)
        if len(value) == 5:
            tahunan, tw = value[0], value[1:]
        elif len(value) == 4:
            tahunan, tw = None, value
        else:
            raise ValueError(f"a target is 4 TW values or (tahunan, tw1..tw4), not {value!r}")
    if tahunan is None:
        flow = not ind.get("rasio") and ind.get("mode_target") == "per_triwulan"
        if flow and ind.get("agregasi_waktu") == "jumlah":
            tahunan = sum(tw)
        elif flow and ind.get("agregasi_waktu") == "rata":
            tahunan = sum(tw) / 4
        else:
            tahunan = tw[3]
    return [tahunan, *tw]


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[repr(v) if isinstance(v, float) else v for v in row] for row in rows])
    return buf.getvalue()


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_rules(folder: str | Path, *,
                units: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
                indicators: Iterable[Mapping[str, Any]] = ({"kode": "I1"},),
                sasaran: Mapping[str, str] | Iterable[str] | None = None,
                kegiatan: Mapping[str, str] | None = None,
                targets: Mapping[tuple[str, str], Any] | None = None,
                default_target: Any = None,
                pagu: Mapping[tuple[str, str], float] | None = None,
                policy: Mapping[str, Any] | None = None,
                year: int = YEAR,
                files: Mapping[str, str] | None = None) -> Path:
    """Write organisasi.yaml, indikator.yaml, kebijakan.yaml, target_<year>.csv and
    pagu_<year>.csv (when ``pagu`` is given) into ``folder``; return the folder.

    See the module docstring for the accepted shapes of each argument.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    unit_list = _unit_dicts(DEFAULT_UNITS if units is None else units)
    parents = {u.get("induk") for u in unit_list}
    leaf_jenis = list(dict.fromkeys(u["jenis"] for u in unit_list if u["kode"] not in parents))

    raw_inds = [dict(i) for i in indicators]
    if sasaran is None:
        codes = list(dict.fromkeys(i["sasaran"] for i in raw_inds if "sasaran" in i)) or ["SS1"]
        sasaran = {k: f"Sasaran {k}" for k in codes}
    elif not isinstance(sasaran, Mapping):
        sasaran = {k: f"Sasaran {k}" for k in sasaran}
    first_sasaran = next(iter(sasaran))
    inds = _indicator_dicts(raw_inds, first_sasaran, leaf_jenis)

    pagu = dict(pagu or {})
    if kegiatan is None:
        kegiatan = {k: first_sasaran for k in dict.fromkeys(k for _, k in pagu)}

    (folder / "organisasi.yaml").write_text(_dump(
        {"instansi": "Instansi Uji", "kementerian": "Kementerian Uji", "unit": unit_list}),
        encoding="utf-8")
    indikator_doc: dict[str, Any] = {
        "versi": 1, "sasaran": [{"kode": k, "nama": n} for k, n in sasaran.items()]}
    if kegiatan:
        indikator_doc["kegiatan"] = [{"kode": k, "nama": f"Kegiatan {k}", "sasaran": s}
                                     for k, s in kegiatan.items()]
    indikator_doc["indikator"] = inds
    (folder / "indikator.yaml").write_text(_dump(indikator_doc), encoding="utf-8")

    kebijakan: dict[str, Any] = {
        "predikat": DEFAULT_PREDIKAT,
        "tenggat": {year: {"TW1": f"{year}-04-10", "TW2": f"{year}-07-10",
                           "TW3": f"{year}-10-10", "TW4": f"{year + 1}-01-10"}},
        "persetujuan": [{"level": "verifikasi", "nama": "Verifikasi", "pemegang": "Atasan"}],
    }
    kebijakan.update(policy or {})
    (folder / "kebijakan.yaml").write_text(_dump(kebijakan), encoding="utf-8")

    by_kode = {i["kode"]: i for i in inds}
    wanted = dict(targets or {})
    if default_target is not None:
        for u in unit_list:
            for ind in inds:
                if u["jenis"] in ind["jenis_unit"]:
                    wanted.setdefault((u["kode"], ind["kode"]), default_target)
    rows = [[unit, kode, *_target_row(value, by_kode[kode])]
            for (unit, kode), value in wanted.items()]
    (folder / f"target_{year}.csv").write_text(
        _csv(["unit", "indikator", "target_tahunan", "tw1", "tw2", "tw3", "tw4"], rows),
        encoding="utf-8")
    if pagu:
        (folder / f"pagu_{year}.csv").write_text(
            _csv(["unit", "kegiatan", "pagu"], [[u, k, v] for (u, k), v in pagu.items()]),
            encoding="utf-8")
    for name, text in (files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def tiny_rules(tmp_path: str | Path, **kwargs: Any) -> Rules:
    """:func:`write_rules` into ``<tmp_path>/rules`` and return the loaded :class:`Rules`."""
    return load_rules(write_rules(Path(tmp_path) / "rules", **kwargs))
