"""Worker processes for the commands that use every core of the PC (``ingest``, ``forms``).

:func:`worker_count` decides how many; :func:`rules_pool` starts them with the rules loaded (on
Linux forked, sharing the command's rules and modules for free; elsewhere each loads them), and
every worker lets go of the workspace lock and dies with its command (:func:`detach_worker`).
Only the standard library is imported here, so that ``inbox`` can use it before the heavy imports.
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rules import Rules

PARALLEL_MIN_FILES = 256         # fewer files than this: no workers (starting them costs more)
WORKERS_ENV = "KINERJA_WORKERS"  # "0": never use workers; N: N workers whatever the number of files

#: the rules, in a worker process started by :func:`rules_pool`
RULES: Rules | None = None


def worker_count(n_files: int) -> int:
    """How many worker processes a command over ``n_files`` files uses (0: none)."""
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    if wanted.isdigit():
        return int(wanted)
    if n_files < PARALLEL_MIN_FILES:
        return 0
    return min(os.cpu_count() or 1, 4) if (os.cpu_count() or 1) > 1 else 0


def forks() -> bool:
    """Whether workers are forked (Linux): they then share what the command has loaded."""
    return sys.platform.startswith("linux")


def rules_pool(rules: Rules, lock_path: Path, workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes in which :data:`RULES` holds ``rules``.

    A speed path (``KINERJA_FAST``, "gcfreeze"): before forking, what is loaded so far (modules,
    rules) is moved out of the garbage collector's sight (``gc.freeze``), so that a worker's
    collections neither scan it nor touch (and so copy) the pages it shares with the command."""
    import gc
    import multiprocessing

    from . import fast

    if forks() and fast.on("gcfreeze"):
        gc.freeze()
    context = multiprocessing.get_context("fork" if forks() else "spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                               initargs=(rules if forks() else rules.folder, lock_path))


def _start(source: Rules | Path, lock_path: Path) -> None:
    global RULES
    if isinstance(source, Path):
        from .rules_load import load_rules

        source = load_rules(source)
    RULES = source
    detach_worker(lock_path)


def detach_worker(lock_path: Path) -> None:
    """Call first in a worker process forked by a command: close its copy of the workspace-lock
    descriptor (Linux), so the lock is released as soon as the command ends, however it ends,
    and exit when the command's process is gone (a killed command leaves no orphan working)."""
    import threading
    import time

    try:
        wanted = str(lock_path.resolve())
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") == wanted:
                    os.close(int(fd))
            except OSError:
                continue
    except OSError:
        pass
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
