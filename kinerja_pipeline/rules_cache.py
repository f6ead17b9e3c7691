"""The rules as last read, kept between commands: a speed path (``KINERJA_FAST``, "rulescache").

Reading and checking ``rules/`` for a thousand units takes about half a second, and every
command does it. :func:`cached` keeps the checked :class:`~kinerja_pipeline.rules.Rules` in a
file named by a digest of everything they were read from — every file directly in the rules
folder (name and bytes), the folder's path as given, and this program's own source files (name, size,
time) — so a changed rules file, or another version of the program, is never served an old
result: it simply gets its own entry. Only rules that loaded without a mistake are kept;
rules with mistakes are read (and reported) every time.

The entries live in the operator's own cache folder (``KINERJA_CACHE_DIR``, else
``%LOCALAPPDATA%\\kinerja-pipeline\\cache`` on Windows, ``$XDG_CACHE_HOME/kinerja-pipeline`` or
``~/.cache/kinerja-pipeline`` elsewhere), never in the workspace, which may sit on a shared
drive: what is loaded from there is as trusted as the program itself. A cache that cannot be
read or written is no error: the rules are then read from ``rules/`` as without it.

:func:`dump` / :func:`loads` are the one way rules are pickled (here and by the early reader of
``inbox``): the read-only maps in them (``MappingProxyType``, which pickle refuses) go as dicts
made read-only again when loaded.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable

from . import fast
from .workspace import atomic_write

if TYPE_CHECKING:
    from .rules import Rules

CACHE_ENV = "KINERJA_CACHE_DIR"
KEEP = 8   # entries kept: a few workspaces and rules versions side by side


def cache_dir() -> Path:
    """Where the entries live (see the module doc)."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen:
        return Path(chosen)
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "kinerja-pipeline" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kinerja-pipeline"


# what reading a damaged entry can raise (the entries are only ever our own pickles)
_DAMAGED = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError)


def cached(folder: Path, read: Callable[[Path], Rules]) -> Rules:
    """``read(folder)``, or the rules an earlier ``read`` of the same files returned."""
    if not fast.on("rulescache"):
        return read(folder)
    try:
        key = _digest(folder)
        entry = cache_dir() / f"aturan-{key}.pickle"
    except (OSError, RuntimeError):  # the folder cannot be read (``read`` says why), or no home folder
        return read(folder)
    try:
        return loads(entry.read_bytes())
    except _DAMAGED:  # no entry yet, or a damaged one: read, and keep what was read
        rules = read(folder)
        try:
            unchanged = _digest(folder) == key
        except OSError:
            unchanged = False
        if unchanged:  # not kept when a file changed while it was being read
            _keep(entry, rules)
        return rules


def _digest(folder: Path) -> str:
    """What the rules of ``folder`` depend on: its files' names and bytes, its path, the program."""
    # the path as given, not resolved: the rules keep it (``Rules.folder``), and a relative one
    # must stay relative to the command's own working folder
    h = hashlib.sha256(str(folder).encode("utf-8", "surrogateescape"))
    for path in sorted(folder.iterdir()):
        if path.is_file():
            h.update(b"\0" + path.name.encode("utf-8", "surrogateescape") + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    h.update(_program())
    return h.hexdigest()[:32]


def _program() -> bytes:
    """This program's source files, by name, size and time, and the Python running it: another
    version of either gets other entries."""
    here = Path(__file__).parent
    stats = [(p.name, p.stat()) for p in sorted(here.glob("*.py"))]
    return repr([sys.version, *((name, st.st_size, st.st_mtime_ns) for name, st in stats)]).encode()


def _keep(entry: Path, rules: Rules) -> None:
    """Write ``entry`` whole (:func:`workspace.atomic_write`), and remove all but the newest entries."""
    try:
        atomic_write(entry, lambda tmp: _dump_to(rules, tmp))
        entries = sorted(entry.parent.glob("aturan-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only or full disk: the cache is only a shortcut
        pass


def _dump_to(rules: Rules, path: Path) -> None:
    with open(path, "wb") as fh:
        dump(rules, fh)


def dump(rules: Rules, out: IO[bytes]) -> None:
    """Pickle ``rules`` into ``out`` (see the module doc)."""
    import copyreg
    from types import MappingProxyType

    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table,  # type: ignore[misc]
                              MappingProxyType: lambda proxy: (_read_only, (dict(proxy),))}
    pickler.dump(rules)
    out.flush()


def loads(data: bytes) -> Rules:
    """The rules :func:`dump` wrote (only ever our own files: see the module doc)."""
    from .rules import Rules

    rules = pickle.loads(data)  # noqa: S301 - our own entry, in the operator's own folder
    if not isinstance(rules, Rules):
        raise TypeError(type(rules).__name__)
    return rules


def _read_only(items: dict) -> Any:
    from types import MappingProxyType

    return MappingProxyType(items)
