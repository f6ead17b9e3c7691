"""Shared fixtures: a fresh workspace holding a copy of the sample rules."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kinerja_pipeline.rules import Rules
from kinerja_pipeline.rules_cache import CACHE_ENV
from kinerja_pipeline.rules_load import load_rules

# the rules cache of this test session (the commands it runs too): never the operator's own
os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="kinerja-cache-")

REPO = Path(__file__).resolve().parent.parent
SAMPLE_RULES = REPO / "rules"
YEAR = 2026


@pytest.fixture(scope="session")
def sample_rules() -> Rules:
    return load_rules(SAMPLE_RULES)


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A workspace folder with a fresh copy of the sample rules."""
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE_RULES, ws / "rules")
    return ws


# --------------------------------------------------------------------------- both modes of KINERJA_FAST
#
# The ingest, crash and feedback tests run twice: with every speed-only path on (the default) and
# with all of them off (KINERJA_FAST=0, the plain path). A test about one speed path itself sets
# the switch it needs (monkeypatch.setenv), which then wins.

BOTH_MODES = {"test_ingest", "test_crash", "test_feedback", "test_hostile"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ in BOTH_MODES and "fast_mode" in metafunc.fixturenames:
        metafunc.parametrize("fast_mode", ["1", "0"], ids=["fast", "plain"], indirect=True, scope="module")


@pytest.fixture(autouse=True, scope="module")
def fast_mode(request: pytest.FixtureRequest):
    """``KINERJA_FAST`` for a module run in both modes (see above); untouched elsewhere."""
    import os

    from kinerja_pipeline.fast import FAST_ENV

    mode = getattr(request, "param", None)
    if mode is None:
        yield None
        return
    before = os.environ.get(FAST_ENV)
    os.environ[FAST_ENV] = mode
    try:
        yield mode
    finally:
        if before is None:
            os.environ.pop(FAST_ENV, None)
        else:
            os.environ[FAST_ENV] = before
