"""A workspace scoped to one node of the organisation, and the fingerprint of the rules.

A Kanwil keeps its own workspace holding the Ditjen's ``rules/`` unchanged (the same file set
everywhere) plus ``lingkup.yaml`` beside it, naming the node whose subtree it serves and the
approval level that node holds. :func:`workspace_rules` loads the rules and narrows them to
that subtree, so forms, ingest, status, approvals, rekap and LKjIP all cover it and nothing else.
:func:`rules_fingerprint` is what two offices compare (by phone) and what every package carries.
"""
from __future__ import annotations

import dataclasses
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import yaml

from .errors import KinerjaError, WorkspaceError
from .rules import Rules, Unit
from .rules_load import load_rules
from .workspace import Workspace, atomic_write_text

SCOPE_FILE = "lingkup.yaml"
_TEXT_SUFFIXES = {".yaml", ".yml", ".csv", ".j2", ".txt", ".md", ".json"}
_IGNORED = {"thumbs.db", "desktop.ini"}


# --------------------------------------------------------------------------- fingerprint


@dataclass(frozen=True)
class Fingerprint:
    """The hash of every rules file and of the whole set."""

    files: Mapping[str, str]   # file name → sha256 of its (line-ending normalised) content
    digest: str                # sha256 over the sorted (name, hash) pairs

    @property
    def short(self) -> str:
        """What a person reads out: 12 hex digits in three groups, e.g. ``3F2A-91BC-07DE``."""
        head = self.digest[:12].upper()
        return f"{head[:4]}-{head[4:8]}-{head[8:]}"

    def differences(self, other: Mapping[str, str]) -> list[str]:
        """Indonesian lines naming every rules file that differs from ``other``'s set."""
        out = []
        for name in sorted(set(self.files) | set(other)):
            if name not in other:
                out.append(f"{name} (hanya ada di sini)")
            elif name not in self.files:
                out.append(f"{name} (hanya ada di pengirim)")
            elif self.files[name] != other[name]:
                out.append(f"{name} (isinya berbeda)")
        return out


def _rule_files(folder: Path) -> list[Path]:
    return sorted((p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
                   and not any(part.startswith((".", "~$")) for part in p.relative_to(folder).parts)
                   and p.name.lower() not in _IGNORED),
                  key=lambda p: p.relative_to(folder).as_posix())


def _file_hash(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix.lower() in _TEXT_SUFFIXES:
        # the same text saved on Windows or Linux, with or without a BOM or a final newline
        data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        data = data.rstrip(b"\n") + b"\n"
    return hashlib.sha256(data).hexdigest()


def rules_fingerprint(folder: Path) -> Fingerprint:
    """The fingerprint of the rules files in ``folder`` (hidden files and Office lock files aside)."""
    files = {p.relative_to(folder).as_posix(): _file_hash(p) for p in _rule_files(folder)}
    return Fingerprint(MappingProxyType(files), digest_of(files))


def digest_of(files: Mapping[str, str]) -> str:
    return hashlib.sha256("".join(f"{name}\t{files[name]}\n" for name in sorted(files)).encode()).hexdigest()


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    node: str       # the unit whose subtree the workspace serves
    level: str      # the approval level that node holds (what ``kirim`` sends by default)


@dataclass(frozen=True)
class ScopedRules(Rules):
    """Rules narrowed to one node's subtree; ``organisation`` still knows every unit."""

    scope: Scope | None = None
    organisation: Mapping[str, Unit] = dataclasses.field(default_factory=dict, repr=False)

    def owner(self, kode: str) -> str:
        """``Nama (KODE)`` of a unit of the organisation (its code alone when it is unknown)."""
        unit = self.organisation.get(kode)
        return f"{unit.nama} ({unit.kode})" if unit is not None else f"'{kode}'"

    def destination(self, kode: str) -> str:
        """Where the data of a unit outside the scope goes: the office right above it."""
        unit = self.organisation.get(kode)
        parent = self.organisation.get(unit.induk) if unit is not None and unit.induk else None
        return f"{parent.nama} ({parent.kode})" if parent is not None else "kantor pusat"


def scope_of(rules: Rules) -> Scope | None:
    return rules.scope if isinstance(rules, ScopedRules) else None


def outside_scope(rules: Rules, kode: str) -> bool:
    """Whether ``kode`` is a unit of the organisation that this (scoped) workspace does not serve."""
    return isinstance(rules, ScopedRules) and kode in rules.organisation and not rules.has_unit(kode)


def require_unit(rules: Rules, kode: str, done_there: str) -> Unit:
    """The unit ``kode`` of this workspace, or the reason it is none: outside the scope (then
    ``done_there``, e.g. "laporannya dibuat oleh", names the office that serves it) or unknown
    (with the codes it may have meant)."""
    if outside_scope(rules, kode):
        raise KinerjaError(f"Unit {rules.owner(kode)} berada di luar lingkup workspace ini "  # type: ignore[attr-defined]
                           f"({rules.root.kode} dan unit di bawahnya); {done_there} "
                           f"{rules.destination(kode)}.")  # type: ignore[attr-defined]
    if not rules.has_unit(kode):
        import difflib

        close = difflib.get_close_matches(str(kode).upper(), [u.kode for u in rules.units], n=3, cutoff=0.6)
        hint = f" Mungkin maksud Anda: {', '.join(close)}." if close else ""
        raise KinerjaError(f"Unit '{str(kode)[:40]}' tidak ada di rules/organisasi.yaml.{hint} Periksa kodenya "
                           "dengan 'kinerja check'.")
    return rules.unit(kode)


def read_scope(ws: Workspace) -> Scope | None:
    path = ws.root / SCOPE_FILE
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WorkspaceError(f"{path} tidak dapat dibaca ({type(exc).__name__}). Perbaiki atau hapus "
                             "berkas itu (tanpa berkas itu workspace mencakup seluruh organisasi).") from None
    node = str((data or {}).get("lingkup") or "").strip() if isinstance(data, dict) else ""
    level = str((data or {}).get("jenjang") or "").strip() if isinstance(data, dict) else ""
    if not node:
        raise WorkspaceError(f"{path} harus memuat 'lingkup: KODE-UNIT' (mis. lingkup: KW-JABAR).")
    return Scope(node, level)


def write_scope(ws: Workspace, scope: Scope) -> Path:
    text = ("# Lingkup workspace ini: satu unit dan semua unit di bawahnya (kinerja init --lingkup).\n"
            "# Aturan di rules/ harus sama persis dengan milik kantor induk; bandingkan sidik jarinya\n"
            "# dengan 'kinerja check'.\n"
            f"lingkup: {scope.node}\n"
            f"jenjang: {scope.level}   # tahap persetujuan yang dipegang unit ini (dikirim oleh 'kinerja kirim')\n")
    return atomic_write_text(ws.root / SCOPE_FILE, text)


def restrict(rules: Rules, scope: Scope) -> ScopedRules:
    """``rules`` narrowed to ``scope.node`` and everything under it (the node becomes the top)."""
    if not rules.has_unit(scope.node):
        raise WorkspaceError(f"Lingkup '{scope.node}' di {SCOPE_FILE} tidak ada di rules/organisasi.yaml. "
                             "Perbaiki kodenya di berkas itu.")
    levels = [lv.level for lv in rules.policy.persetujuan]
    if scope.level not in levels:
        raise WorkspaceError(f"Jenjang '{scope.level}' di {SCOPE_FILE} tidak ada di rules/kebijakan.yaml "
                             f"(yang ada: {', '.join(levels)}). Perbaiki 'jenjang:' di berkas itu.")
    keep = {scope.node} | {u.kode for u in rules.descendants(scope.node)}
    units = tuple(dataclasses.replace(u, induk=None) if u.kode == scope.node else u
                  for u in rules.units if u.kode in keep)
    fields = {f.name: getattr(rules, f.name) for f in dataclasses.fields(Rules)}
    fields.update(
        units=units,
        targets=MappingProxyType({year: MappingProxyType({k: t for k, t in rows.items() if t.unit in keep})
                                  for year, rows in rules.targets.items()}),
        pagu=MappingProxyType({year: tuple(p for p in rows if p.unit in keep) for year, rows in rules.pagu.items()}),
        past=tuple(p for p in rules.past if p.unit in keep),
        _by_unit=MappingProxyType({u.kode: u for u in units}))
    return ScopedRules(**fields, scope=scope, organisation=MappingProxyType(dict(rules._by_unit)))


def workspace_rules(ws: Workspace) -> Rules:
    """The rules of ``ws`` as its commands see them: narrowed to its scope when it has one."""
    scope = read_scope(ws)
    rules = load_rules(ws.rules)
    return restrict(rules, scope) if scope is not None else rules


def init_scoped(folder: Path, node: str, rules_from: Path | None = None, contoh: str = "ditjen") -> Workspace:
    """A new workspace at ``folder`` serving ``node``'s subtree, with the parent's rules (from
    ``rules_from``; without it, those of the sample organisation ``contoh``)."""
    from .demo import contoh_of, init_workspace

    source = Path(rules_from) if rules_from is not None else None
    if source is not None and (source / "rules").is_dir():
        source = source / "rules"   # the parent's workspace folder given instead of its rules/
    rules = load_rules(source) if source is not None else None
    if rules is None:
        from .workspace import data_dir

        rules = load_rules(data_dir(contoh_of(contoh).rules))
    if not rules.has_unit(node):
        import difflib

        close = difflib.get_close_matches(node.upper(), [u.kode for u in rules.units], n=3, cutoff=0.6)
        hint = f" Mungkin maksud Anda: {', '.join(close)}." if close else ""
        raise WorkspaceError(f"Unit '{node[:40]}' tidak ada di organisasi.yaml aturan kantor induk.{hint} "
                             "Pakai kode unit yang menjadi lingkup workspace ini (mis. KW-JABAR).")
    if not any(rules.indicators_for(u) for u in [rules.unit(node), *rules.descendants(node)]):
        raise WorkspaceError(f"Unit {node} tidak membawahi unit pelapor, jadi tidak ada data untuk "
                             "dikumpulkan di workspace ini. Pilih unit induk (mis. sebuah Kanwil).")
    ws = init_workspace(folder, contoh)
    if source is not None:
        shutil.rmtree(ws.rules)
        shutil.copytree(source, ws.rules, ignore=shutil.ignore_patterns(".*", "~$*"))
    write_scope(ws, Scope(node, rules.policy.persetujuan[0].level))
    return ws
