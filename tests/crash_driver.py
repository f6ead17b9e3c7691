"""Run one ``kinerja`` command and SIGKILL it at a chosen point — for ``test_crash``.

    python tests/crash_driver.py TARGET NTH WHEN -- KINERJA-ARGS…
    python tests/crash_driver.py --serve      (requests as JSON lines; see :func:`serve`)

``TARGET`` is ``module:attribute`` (``kinerja_pipeline.ledger:record_submission``,
``os:replace``, ``openpyxl.writer.excel:ExcelWriter.write_worksheet``). Its ``NTH`` call (0: none) kills
the whole process group with SIGKILL, ``before`` the real call or ``after`` it returned. No
hook exists in the package: the function is replaced here, in every module that imported it
by name, so the kill lands exactly where a power cut could. If the point is never reached the
command simply finishes, and the driver exits with the command's status.
"""
from __future__ import annotations

import importlib
import os
import signal
import sys

#: the module each command loads (it imports the stages it needs by name)
COMMAND_MODULES = {"ingest": "ingest", "rekap": "rekap", "lkjip": "lkjip", "forms": "forms",
                   "approve": "workflow", "reject": "workflow", "unapprove": "workflow", "kirim": "kiriman"}


def _die() -> None:
    try:  # the whole group: a worker process of a parallel run dies with its parent
        if os.getpgid(0) == os.getpid():
            os.killpg(0, signal.SIGKILL)
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGKILL)


def patch(target: str, nth: int, when: str, command: str) -> None:
    # load the command's modules now, so that functions imported by name can be found
    importlib.import_module(f"kinerja_pipeline.{COMMAND_MODULES.get(command, 'cli')}")
    module_name, attr = target.split(":")
    owner = importlib.import_module(module_name)
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    real = getattr(owner, name)
    calls = 0

    def dying(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == nth and when == "before":
            _die()
        result = real(*args, **kwargs)
        if calls == nth and when == "after":
            _die()
        return result

    setattr(owner, name, dying)
    for module in list(sys.modules.values()):  # `from .ledger import record_submission` and the like
        if getattr(module, "__name__", "").startswith("kinerja_pipeline") and module is not owner:
            for key, value in list(vars(module).items()):
                if value is real:
                    setattr(module, key, dying)


def main(argv: list[str]) -> int:
    target, nth, when = argv[0], int(argv[1]), argv[2]
    assert when in ("before", "after") and argv[3] == "--"
    args = argv[4:]
    command = next((a for i, a in enumerate(args) if not a.startswith("-") and args[i - 1] not in ("-w",
                                                                                                 "--workspace")), "")
    if nth > 0:  # 0: no kill, the command runs to its end (a re-run)
        patch(target, nth, when, command)
    from kinerja_pipeline.cli import main as cli

    try:
        cli(args, prog_name="kinerja", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def serve() -> int:
    """``--serve``: import everything once, then run each request (one JSON line on stdin:
    target, nth, when, args, env, log) in a forked child and answer its exit status (negative:
    the signal that ended it) — a killed run then costs its work, not a Python start-up."""
    import json
    import traceback

    for name in set(COMMAND_MODULES.values()) | {"cli", "feedback", "reading", "bounds"}:
        importlib.import_module(f"kinerja_pipeline.{name}")
    import python_calamine  # noqa: F401 - imported lazily by reading; load it before forking

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: its own process group (the kill takes it and its workers only)
            code = 70
            try:
                os.setpgid(0, 0)
                log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(log, 2)
                os.environ.pop("KINERJA_WORKERS", None)
                os.environ.update(request["env"])
                code = main([request["target"], str(request["nth"]), request["when"], "--", *request["args"]])
            except SystemExit as exc:
                code = int(exc.code or 0)
            except BaseException:  # noqa: BLE001
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"rc": rc}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == ["--serve"] else main(sys.argv[1:]))
