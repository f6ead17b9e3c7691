"""Reading the rules' YAML with line numbers, and collecting the mistakes found in ``rules/``.

:func:`_read_yaml` gives mappings (:class:`_LineDict`) that remember the line of each key,
:class:`_Ctx` turns a wrong value into a :class:`RulesError` naming the file, line and key, and
:class:`Problems` collects those errors so that one run reports them all.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import yaml

from .errors import RulesError, RulesProblems
from .numbers import parse_number


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
