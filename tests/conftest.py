"""Shared fixtures: a fresh workspace holding a copy of the sample rules."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kinerja_pipeline.rules import Rules, load_rules

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
