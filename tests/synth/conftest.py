"""Worlds shared by the synth tests (generated once per session; they are read-only)."""

from __future__ import annotations

import pytest

from coursekit.synth import generate_world


@pytest.fixture(scope="session")
def default_world():
    """The default course world (what datasets/ holds), generated in memory."""
    return generate_world()


@pytest.fixture(scope="session")
def small_world():
    return generate_world(n_customers=400, seed=11)


@pytest.fixture(scope="session")
def small_world_en():
    return generate_world(n_customers=300, seed=5, locale="en_US")
