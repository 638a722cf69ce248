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


@pytest.fixture(scope="session")
def small_world_dir(tmp_path_factory):
    """A second, small world with another seed, saved with its raw exports.

    Exercise checks are tested on it as well as on the default world, so a check that
    hard-coded an answer of the default data would fail here.
    """
    from coursekit.synth import generate_world

    path = tmp_path_factory.mktemp("worlds") / "small"
    generate_world(n_customers=600, seed=7).save(path)
    return path


@pytest.fixture(params=["default", "small"])
def course_world(request):
    """course.setup() on a world (per test: the autouse fixture resets the course)."""
    path = DATASETS if request.param == "default" else request.getfixturevalue("small_world_dir")
    return course.setup(data=path, quiet=True)
