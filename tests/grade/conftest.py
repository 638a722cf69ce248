"""Worlds and a roster for the grader's tests.

Two small worlds (300 members) stand for the trainees' own worlds; an instructor roster
gives each trainee one of them (odd ids the first, even ids the second).
"""

from __future__ import annotations

import pytest

from .helpers import TRAINEES, shared_folder


@pytest.fixture(scope="session")
def worlds(tmp_path_factory):
    """Two small worlds, saved with their raw exports and hidden tables."""
    from coursekit.synth import generate_world

    def fill(root):
        for seed in (101, 102):
            generate_world(n_customers=300, seed=seed).save(root / f"w{seed}")

    root = shared_folder(tmp_path_factory, "grade-worlds", fill)
    return [root / f"w{seed}" for seed in (101, 102)]


@pytest.fixture(scope="session")
def roster(worlds, tmp_path_factory):
    """An instructor roster: t01..t16, odd ids on the first world, even on the second."""
    folder = tmp_path_factory.mktemp("grade-roster")
    lines = ["id,name,seed,customers,world"]
    for n, trainee in enumerate(TRAINEES, start=1):
        world = worlds[(n + 1) % 2]
        lines.append(f"{trainee},Trainee {n},,300,{world}")
    path = folder / "roster.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
