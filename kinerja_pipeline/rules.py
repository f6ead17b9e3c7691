"""The rules model: typed, immutable objects for everything ``rules/`` defines.

The instansi and its units, sasaran, kegiatan, indicators and their semantics, the policy
(predikat scale, thresholds, deadlines, approval levels), targets, pagu and earlier years'
realisasi, with :class:`Rules` answering the questions the stages ask of them. Reading and
checking the files is :mod:`rules_load`'s job (:func:`rules_load.load_rules`).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Mapping

import numpy as np

from . import semantics
from .errors import RulesError

TIME_AGG = ("jumlah", "akhir", "rata")
UNIT_AGG = ("jumlah", "rata")
POLARITIES = ("positif", "negatif")
NEGATIVE_FORMULAS = ("selisih", "kebalikan")
TARGET_MODES = ("per_triwulan", "kumulatif")
TINGKAT = ("instansi", "unit", "individu")
TINGKAT_WORDS = {"instansi": "IKU instansi, masuk LKjIP", "unit": "indikator program/kegiatan unit",
                 "individu": "IKI pegawai, dihitung sampai unitnya saja"}
NOT_REPORTED = "-"  # a target row of only '-': this unit does not report this indicator
CAKUPAN_SEBANDING, CAKUPAN_PENUH = "sebanding", "penuh"
CAKUPAN = (CAKUPAN_SEBANDING, CAKUPAN_PENUH)
RENSTRA_TAHUNAN, RENSTRA_KUMULATIF = "tahunan", "kumulatif"
RENSTRA_JENIS = (RENSTRA_TAHUNAN, RENSTRA_KUMULATIF)
#: Years of a Renstra period (its last year is ``target_renstra.tahun``).
RENSTRA_YEARS = 5
TOLERANCE = 1e-6


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Person:
    nama: str
    nip: str


@dataclass(frozen=True)
class Signatory:
    jabatan: str
    nama: str
    nip: str


@dataclass(frozen=True)
class Unit:
    kode: str
    nama: str
    induk: str | None
    jenis: str
    kepala: Person | None


@dataclass(frozen=True)
class Sasaran:
    kode: str
    nama: str


@dataclass(frozen=True)
class Kegiatan:
    kode: str
    nama: str
    sasaran: str


@dataclass(frozen=True)
class Ratio:
    pembilang: str
    penyebut: str
    faktor: float = 100.0


@dataclass(frozen=True)
class RenstraTarget:
    """``jenis`` tahunan: the end year's annual target; kumulatif: over the Renstra years."""

    tahun: int
    nilai: float
    jenis: str = RENSTRA_TAHUNAN


@dataclass(frozen=True)
class Indicator:
    kode: str
    sasaran: str
    nama: str
    satuan: str
    desimal: int
    jenis_unit: tuple[str, ...]
    agregasi_waktu: str
    agregasi_unit: str
    polaritas: str
    rumus_negatif: str
    mode_target: str
    rasio: Ratio | None
    batas_min: float | None
    batas_max: float | None
    bilangan_bulat: bool
    bukti_wajib: bool
    target_renstra: RenstraTarget | None
    standar_nasional: float | None
    tingkat: str = "instansi"

    @property
    def is_ratio(self) -> bool:
        return self.rasio is not None

    @property
    def target_is_level(self) -> bool:
        """Targets that are levels, not flows: the period target is its last quarter's."""
        return self.is_ratio or self.agregasi_waktu == "akhir"


@dataclass(frozen=True)
class Target:
    unit: str
    indikator: str
    tahunan: float
    tw: tuple[float, float, float, float]

    def quarter_own(self, q: int, ind: Indicator) -> float:
        """The target of quarter ``q`` alone (:func:`own_targets`)."""
        return float(own_targets(np.array([self.tw], dtype=float), ind)[0, q - 1])


def own_targets(tw: np.ndarray, ind: Indicator) -> np.ndarray:
    """Each quarter's own target from TW targets (rows of 4). Kumulatif targets are s.d. targets:
    a flow's own target is t_q − t_(q−1); a mean's (``rata``) q·t_q − (q−1)·t_(q−1). Levels
    (``akhir``, ratio) and per_triwulan targets stay as given."""
    if ind.mode_target != "kumulatif" or ind.target_is_level:
        return tw
    before = np.concatenate([np.zeros((len(tw), 1)), tw[:, :-1]], axis=1)
    if ind.agregasi_waktu == "jumlah":
        return tw - before
    q = np.arange(1, 5, dtype=float)
    return q * tw - (q - 1) * before


@dataclass(frozen=True)
class Pagu:
    unit: str
    kegiatan: str
    pagu: float


@dataclass(frozen=True)
class PastValue:
    tahun: int
    unit: str
    indikator: str
    realisasi: float


@dataclass(frozen=True)
class PredikatBand:
    predikat: str
    dari: float | None
    sampai: float | None


@dataclass(frozen=True)
class ApprovalLevel:
    level: str
    nama: str
    pemegang: str


@dataclass(frozen=True)
class Policy:
    predikat: tuple[PredikatBand, ...]
    batas_skor: float | None
    penjelasan_bawah: float | None
    penjelasan_atas: float | None
    pencilan_bawah: float | None
    pencilan_atas: float | None
    perubahan_kali: float | None
    tenggat: Mapping[tuple[int, int], dt.date]
    persetujuan: tuple[ApprovalLevel, ...]
    cakupan_target: str = CAKUPAN_SEBANDING

    def predikat_of(self, capaian: float | None) -> str | None:
        """The predikat of a raw capaian, read from it rounded as a reader sees it."""
        if capaian is None or math.isnan(capaian):
            return None
        return semantics.predikat_of(self.predikat, semantics.round_value(capaian))

    def deadline(self, year: int, quarter: int) -> dt.date | None:
        return self.tenggat.get((year, quarter))


@dataclass(frozen=True)
class Rules:
    """Everything the rules define. Build it with :func:`load_rules`."""

    folder: Path
    instansi: str
    kementerian: str
    units: tuple[Unit, ...]
    penandatangan: Mapping[str, Signatory]
    versi: int
    sasaran: tuple[Sasaran, ...]
    kegiatan: tuple[Kegiatan, ...]
    indicators: tuple[Indicator, ...]
    policy: Policy
    targets: Mapping[int, Mapping[tuple[str, str], Target]]
    pagu: Mapping[int, tuple[Pagu, ...]]
    past: tuple[PastValue, ...] = ()
    _by_unit: Mapping[str, Unit] = field(default_factory=dict, repr=False)
    # per year: the (unit, indikator) pairs marked '-' in the target file (not reported that year)
    not_reported: Mapping[int, frozenset[tuple[str, str]]] = field(default_factory=dict)

    # --- lookups
    def unit(self, kode: str) -> Unit:
        return self._by_unit[kode]

    def has_unit(self, kode: str) -> bool:
        return kode in self._by_unit

    def indicator(self, kode: str) -> Indicator:
        return self._indicator_by_kode[kode]

    @cached_property
    def _indicator_by_kode(self) -> Mapping[str, Indicator]:
        return {i.kode: i for i in self.indicators}

    def sasaran_of(self, kode: str) -> Sasaran:
        return next(s for s in self.sasaran if s.kode == kode)

    def kegiatan_of(self, kode: str) -> Kegiatan:
        return next(k for k in self.kegiatan if k.kode == kode)

    @property
    def root(self) -> Unit:
        return next(u for u in self.units if u.induk is None)

    def children(self, kode: str) -> list[Unit]:
        return [u for u in self.units if u.induk == kode]

    def ancestors(self, kode: str) -> list[str]:
        """Parent, grandparent, … up to the root."""
        out, cur = [], self._by_unit[kode].induk
        while cur is not None:
            out.append(cur)
            cur = self._by_unit[cur].induk
        return out

    def depth(self, kode: str) -> int:
        return len(self.ancestors(kode))

    def descendants(self, kode: str) -> list[Unit]:
        out: list[Unit] = []
        for child in self.children(kode):
            out.append(child)
            out.extend(self.descendants(child.kode))
        return out

    def indicators_for(self, unit: Unit | str, year: int | None = None) -> list[Indicator]:
        """The indicators a unit reports, in rules order: those of its jenis, less (for ``year``)
        the ones its target row marks '-'."""
        u = self.unit(unit) if isinstance(unit, str) else unit
        return [i for i in self.indicators if self.reports(u, i, year)]

    def reports(self, unit: Unit | str, indikator: Indicator | str, year: int | None = None) -> bool:
        """Whether ``unit`` reports ``indikator`` (in ``year``, if given). The one rule of who
        reports what: the unit's jenis is in the indicator's jenis_unit, and (for ``year``) its
        row in that year's target file is not marked '-'."""
        u = self._by_unit[unit] if isinstance(unit, str) else unit
        ind = self.indicator(indikator) if isinstance(indikator, str) else indikator
        if u.jenis not in ind.jenis_unit:
            return False
        return year is None or (u.kode, ind.kode) not in self.not_reported.get(year, ())

    def in_report(self, indikator: Indicator | str, node: str) -> bool:
        """Whether an indicator belongs in the reader documents (LKjIP, laporan) of ``node``:
        the organisation's (the root's) hold only ``instansi`` indicators; a unit's (``--unit``)
        also the unit's own programme indicators (``unit``); an ``individu`` one (an IKI) never."""
        ind = self.indicator(indikator) if isinstance(indikator, str) else indikator
        if ind.tingkat == "instansi":
            return True
        return ind.tingkat == "unit" and node != self.root.kode

    def rollup_levels(self, indikator: Indicator | str) -> int | None:
        """How many levels above a reporting unit its value of ``indikator`` counts: ``None``
        (up to the root), or 1 for an ``individu`` indicator (the person's own unit only)."""
        ind = self.indicator(indikator) if isinstance(indikator, str) else indikator
        return 1 if ind.tingkat == "individu" else None

    def rollup_nodes(self, unit: str, indikator: str) -> list[str]:
        """The nodes a reporting unit's value of ``indikator`` counts in: the unit itself and its
        ancestors up to the root; for an ``individu`` indicator (one person's IKI) only the unit
        and its own unit (the parent), never higher."""
        chain = [unit, *self.ancestors(unit)]
        levels = self.rollup_levels(indikator)
        return chain if levels is None else chain[:levels + 1]

    def nodes_that_report(self, year: int) -> list[tuple[str, str, list[str]]]:
        """(unit, indikator, reporting units below it) for every unit that reports an indicator
        and also has reporting units of it in its subtree, in rules order."""
        out = []
        for ind in self.indicators:
            reporters = [u.kode for u in self.units if self.reports(u, ind, year)]
            below: dict[str, list[str]] = {k: [] for k in reporters}
            for kode in reporters:
                for node in self.rollup_nodes(kode, ind.kode)[1:]:
                    if node in below:
                        below[node].append(kode)
            out += [(kode, ind.kode, below[kode]) for kode in reporters if below[kode]]
        order = {u.kode: n for n, u in enumerate(self.units)}
        return sorted(out, key=lambda t: order[t[0]])  # stable: indicators stay in rules order

    @property
    def reporting_units(self) -> list[Unit]:
        """Units that report at least one indicator (one form each per quarter)."""
        return [u for u in self.units if self.indicators_for(u)]

    @property
    def years(self) -> list[int]:
        return sorted(self.targets)

    def target(self, year: int, unit: str, indikator: str) -> Target | None:
        return self.targets.get(year, {}).get((unit, indikator))

    def pagu_for(self, year: int, unit: str) -> list[Pagu]:
        return list(self._pagu_by_unit.get((year, unit), ()))

    @cached_property
    def _pagu_by_unit(self) -> Mapping[tuple[int, str], tuple[Pagu, ...]]:
        """Pagu rows per (year, unit), in file order (one lookup instead of a scan per unit)."""
        out: dict[tuple[int, str], list[Pagu]] = {}
        for year, rows in self.pagu.items():
            for p in rows:
                out.setdefault((year, p.unit), []).append(p)
        return {k: tuple(v) for k, v in out.items()}

    def require_year(self, year: int) -> None:
        if year not in self.targets:
            have = ", ".join(map(str, self.years)) or "belum ada"
            raise RulesError(self.folder, f"tidak ada berkas target untuk tahun {year} "
                             f"(tahun yang tersedia: {have}). Tambahkan rules/target_{year}.csv "
                             f"atau rules/target_{year}.xlsx.")
