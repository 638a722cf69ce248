"""One world-keyed cache for everything computed from the course data.

References, mistake targets, test cases and the shared tables of an exercise module are
computed once per *world* (see :func:`coursekit.state.world_cached`): setting up the same
data directory again finds them, a different or regenerated one starts afresh. Exercise
modules declare their shared data with :func:`per_world`::

    @per_world
    def _completed() -> pd.DataFrame:
        return completed_orders(course.load("orders"))

The decorated function is computed on its first call in a world and returns the same
object afterwards, so callers must not modify it (work on a copy).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import TypeVar

from coursekit import state

T = TypeVar("T")


def world_cached(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per world; ``key`` must be unique across the course."""
    return state.world_cached(key, compute)


def per_world(fn: Callable[[], T]) -> Callable[[], T]:
    """Decorate a function without arguments: computed once per world, then shared."""
    key = ("per_world", fn.__module__, fn.__qualname__)

    @functools.wraps(fn)
    def cached() -> T:
        return state.world_cached(key, fn)

    return cached
