"""Fixtures for the engine tests: the demo exercise module's small in-memory world."""

from __future__ import annotations

import pytest

from coursekit import course

from .demo_exercises import make_orders


@pytest.fixture
def demo_world():
    """The demo world (seed 0) set up as the data in use, quietly."""
    return course.setup(data={"orders": make_orders(seed=0)}, quiet=True)


@pytest.fixture
def zh_world():
    """The demo world with Chinese feedback."""
    return course.setup(data={"orders": make_orders(seed=0)}, lang="zh", quiet=True)
