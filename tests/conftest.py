"""Fixtures shared by the whole suite.

Every test starts from a fresh kernel's point of view: no course data set up, no language
chosen, and a private progress file, so tests never touch the user's own progress.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coursekit import course

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"


@pytest.fixture(autouse=True)
def _fresh_course(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEKIT_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.delenv("COURSEKIT_LANG", raising=False)
    monkeypatch.delenv("COURSEKIT_DATA", raising=False)
    course.reset()
    yield
    course.reset()
