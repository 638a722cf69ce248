"""One world-keyed cache: computed once per world, found again after a new setup of the
same world, never reused for another world."""

from __future__ import annotations

import json
import shutil

import pandas as pd

from coursekit import course, state
from coursekit.engine import per_world, world_cached

from .demo_exercises import make_orders, q2

calls: list[str] = []


@per_world
def _total() -> float:
    calls.append("total")
    return float(course.load("orders")["amount"].sum())


def test_computed_once_per_world_and_found_again_after_a_new_setup(small_world_dir):
    calls.clear()
    course.setup(data=small_world_dir, quiet=True)
    world = state.world_key()
    assert world_cached(("test", "x"), lambda: calls.append("x") or 1) == 1
    assert world_cached(("test", "x"), lambda: calls.append("x") or 2) == 1
    course.reset()
    course.setup(data=small_world_dir, quiet=True)  # the same world again: nothing recomputed
    assert state.world_key() == world
    assert world_cached(("test", "x"), lambda: calls.append("x") or 3) == 1
    assert calls == ["x"]


def test_a_regenerated_directory_is_a_new_world(tmp_path, small_world_dir):
    copy = tmp_path / "world"
    shutil.copytree(small_world_dir, copy)
    course.setup(data=copy, quiet=True)
    assert world_cached(("test", "y"), lambda: "before") == "before"
    manifest = json.loads((copy / "MANIFEST").read_text("utf-8"))
    manifest["note"] = "regenerated"
    (copy / "MANIFEST").write_text(json.dumps(manifest), "utf-8")
    course.setup(data=copy, quiet=True)
    assert world_cached(("test", "y"), lambda: "after") == "after"


def test_in_memory_tables_are_a_new_world_at_every_setup():
    calls.clear()
    orders = make_orders(seed=0)
    course.setup(data={"orders": orders}, quiet=True)
    first = _total()
    assert _total() == first and calls == ["total"]
    orders.loc[:, "amount"] = 1.0  # a test may change its tables between two setups
    course.setup(data={"orders": orders}, quiet=True)
    assert _total() == len(orders)
    assert calls == ["total", "total"]


def test_tables_are_read_once_per_world(small_world_dir, monkeypatch):
    import coursekit.synth.io

    course.setup(data=small_world_dir, quiet=True)
    course.load("customers")
    reads = []
    real = coursekit.synth.io.read_table
    monkeypatch.setattr(coursekit.synth.io, "read_table", lambda *a: reads.append(a) or real(*a))
    course.setup(data=small_world_dir, quiet=True)
    assert isinstance(course.load("customers"), pd.DataFrame) and reads == []


def test_two_directory_worlds_stay_while_memory_worlds_come_and_go(small_world_dir):
    from pathlib import Path

    datasets = Path(__file__).resolve().parents[2] / "datasets"
    for data in (datasets, small_world_dir):
        course.setup(data=data, quiet=True)
        world_cached(("test", "kept"), lambda: 1)
    course.setup(data={"orders": make_orders()}, quiet=True)
    q2.expected()
    kinds = [key[0] for key in state._state.worlds]
    assert kinds.count("dir") == 2 and kinds.count("memory") == 1
