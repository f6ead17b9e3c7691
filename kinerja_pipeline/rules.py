"""Load and check everything in ``rules/`` into typed, immutable objects.

Files (see README, "Menulis aturan"):

- ``organisasi.yaml``  instansi, unit hierarchy, signatories
- ``indikator.yaml``   sasaran, kegiatan, indicators and their semantics
- ``kebijakan.yaml``   predikat scale, thresholds, deadlines, approval levels
- ``target_<tahun>.csv|xlsx``  annual and TW targets per (unit, indikator)
- ``pagu_<tahun>.csv|xlsx``    pagu per (unit, kegiatan)
- ``realisasi_tahun_lalu.csv|xlsx`` (optional) earlier years' realisasi per (unit, indikator)

Every mistake is a :class:`RulesError` naming the file, the line or row and the key. The loaders
collect them in a :class:`Problems` and :func:`load_rules` raises them all at once.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

import numpy as np
import yaml

from . import semantics
from .errors import RulesError, RulesProblems
from .numbers import parse_number
from .periods import quarter_end

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


# --------------------------------------------------------------------------- YAML with lines


class _LineDict(dict):
    """A mapping from YAML that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict


_RAW_STRING_KEYS = {"kode", "induk", "nip", "sasaran", "kegiatan", "unit", "level"}


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> _LineDict:
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int)):
            raise yaml.constructor.ConstructorError(None, None, "kunci harus berupa teks",
                                                    key_node.start_mark)
        key = str(key)
        if key in mapping:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        if key in _RAW_STRING_KEYS and isinstance(value_node, yaml.ScalarNode) and value_node.value != "":
            value = value_node.value
        else:
            value = loader.construct_object(value_node, deep=True)
        mapping[key] = value
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        self.key, self.line = key, line


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date-looking scalar that is no real date (``2026-13-45``) stays text.

    PyYAML would raise a bare ValueError without a line; as text, the key's own check
    reports it with file, line and key.
    """
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same constructors on libyaml's parser (≈10× faster on a 1,000-unit organisation).

    Only used for files that parse: on any error the file is parsed again with :class:`_Loader`,
    so every message (and its line) is exactly the pure-Python parser's.
    """


_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


_YAML_PROBLEMS = (  # PyYAML's English wording → what the operator should read
    ("mapping values are not allowed", "tanda titik dua ': ' tidak boleh di sini; beri tanda kutip "
                                       "pada nilai yang memuat titik dua"),
    ("found character '\\t'", "karakter tab tidak boleh dipakai; pakai spasi untuk indentasi"),
    ("could not find expected ':'", "tanda titik dua ':' yang diharapkan tidak ada"),
    ("found unexpected end of stream", "berkas berakhir sebelum tanda kutip atau kurung ditutup"),
    ("expected <block end>", "indentasi tidak sejajar dengan baris di atasnya"),
    ("did not find expected key", "indentasi tidak sejajar dengan baris di atasnya"),
    ("did not find expected node content", "nilai yang diharapkan tidak ada"),
    ("expected ',' or '}'", "kurung kurawal '{' tidak ditutup dengan '}' (di baris ini atau "
                            "sebelumnya)"),
    ("expected ',' or ']'", "kurung siku '[' tidak ditutup dengan ']' (di baris ini atau "
                            "sebelumnya)"),
    ("found undefined alias", "alias '*' tanpa anchor '&'"),
)


def _yaml_problem_id(problem: str) -> str:
    for english, indonesian in _YAML_PROBLEMS:
        if english in problem:
            return indonesian
    return f"format YAML salah: {problem}" if problem else "format YAML salah"


def _read_yaml(path: Path) -> _LineDict:
    if not path.is_file():
        raise RulesError(path, "berkas tidak ditemukan. Salin contohnya dengan 'kinerja init' "
                         "lalu sesuaikan.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulesError(path, f"berkas bukan teks UTF-8 (bita ke-{exc.start}). Simpan ulang "
                         "sebagai UTF-8.") from None
    try:
        try:
            data = yaml.load(text, Loader=_FastLoader)  # noqa: S506 - SafeLoader subclass
        except (yaml.YAMLError, _DuplicateKey):
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 - the exact error, or a value
    except _DuplicateKey as exc:
        raise RulesError(path, "kunci ditulis dua kali; hapus salah satunya.",
                         line=exc.line, key=exc.key) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = _yaml_problem_id(exc.problem or exc.context or "")
        raise RulesError(path, f"kesalahan sintaks YAML ({problem}). Periksa indentasi, titik "
                         "dua, dan tanda kutip di baris itu.", line=line) from None
    except yaml.YAMLError as exc:
        raise RulesError(path, f"kesalahan sintaks YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(path, "isi berkas harus berupa pemetaan 'kunci: nilai' di tingkat atas.",
                         line=1)
    return data  # type: ignore[return-value]


_T = TypeVar("_T")


class Problems:
    """The mistakes found while loading ``rules/``, so that one run reports them all.

    A loader checks item by item (a unit, an indicator, a target cell) inside
    ``with problems.each():`` -- a :class:`RulesError` raised there is recorded and the loader
    goes on with the next item -- or records a mistake directly with :meth:`add`.
    """

    LIMIT = 50  # listed in the message; the rest are counted

    def __init__(self) -> None:
        self.found: list[RulesError] = []

    def add(self, error: RulesError) -> None:
        self.found.extend(getattr(error, "problems", [error]))

    @contextmanager
    def each(self) -> Iterator[None]:
        try:
            yield
        except RulesError as exc:
            self.add(exc)

    def attempt(self, load: Callable[..., _T], *args: Any) -> _T | None:
        """``load(*args, self)``, or None when it found a mistake (what depends on it is skipped)."""
        before = len(self.found)
        with self.each():
            result = load(*args, self)
            if len(self.found) == before:
                return result
        return None

    def raise_found(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise RulesProblems(self.found, self.LIMIT)


class _Ctx:
    """Where we are in a YAML file, for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, node: Any = None, key: str | None = None) -> RulesError:
        line = None
        if isinstance(node, _LineDict):
            line = node.key_lines.get(key, node.line) if key else node.line
        return RulesError(self.path, message, line=line, key=key)

    def fields(self, node: Any, what: str, required: Iterable[str], optional: Iterable[str] = ()) -> _LineDict:
        if not isinstance(node, _LineDict):
            shown = "kosong" if node is None else "daftar" if isinstance(node, list) else f"'{node}'"
            raise RulesError(self.path, f"{what} harus berupa pemetaan 'kunci: nilai' (tiap kunci di "
                             f"baris sendiri, menjorok), bukan {shown}.")
        required, allowed = set(required), set(required) | set(optional)
        for key in node:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                raise self.fail(f"kunci tidak dikenal di {what}. Kunci yang boleh: {hint}.", node, key)
        for key in sorted(required):
            if key not in node or node[key] is None or node[key] == "":
                raise self.fail(f"kunci wajib '{key}' tidak ada di {what}.", node, key)
        return node

    def text(self, node: _LineDict, key: str, default: str | None = None) -> str:
        value = node.get(key, default)
        if value is None:
            return default  # type: ignore[return-value]
        if isinstance(value, (dict, list)):
            raise self.fail("harus berupa teks.", node, key)
        return str(value).strip()

    def number(self, node: _LineDict, key: str, default: float | None = None) -> float | None:
        value = node.get(key)
        if value is None:
            return default
        parsed = parse_number(value)
        if not parsed.ok:
            raise self.fail(f"harus berupa angka, bukan '{value}'.", node, key)
        return parsed.value

    def flag(self, node: _LineDict, key: str) -> bool:
        value = node.get(key, False)
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in {"ya", "y", "true", "1"}:
            return True
        if str(value).strip().lower() in {"tidak", "t", "false", "0", ""}:
            return False
        raise self.fail(f"harus 'true' atau 'false' (ya/tidak), bukan '{value}'.", node, key)

    def choice(self, node: _LineDict, key: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = node.get(key, default)
        text = str(value).strip().lower() if value is not None else None
        if text not in options:
            raise self.fail(f"nilai '{value}' tidak dikenal; pilih salah satu: {', '.join(options)}.",
                            node, key)
        return text  # type: ignore[return-value]

    def items(self, node: _LineDict, key: str, required: bool = True) -> list:
        value = node.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            raise self.fail("harus berupa daftar (baris diawali '- ') yang tidak kosong.", node, key)
        return value


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
    mistake (a file whose inputs are broken is checked once they are fixed: no echoes)."""
    folder = Path(folder)
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
