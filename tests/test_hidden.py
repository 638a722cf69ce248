"""A world handed out without its hidden tables: the checks and the simulator rebuild them
from the world's seed (in memory, confirmed against its files); the trainee's
``course.load`` still refuses them."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from coursekit import course, simulate, state
from coursekit.errors import CourseDataError
from coursekit.exercises import psychographic
from coursekit.synth import generate_world
from coursekit.synth.rebuild import MAX_CUSTOMERS
from coursekit.synth.schema import TRUTH_TABLES

N, SEED = 700, 31


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """The same world twice: with its hidden tables, and handed out without them."""
    world = generate_world(n_customers=N, seed=SEED)
    root = tmp_path_factory.mktemp("hidden")
    full = world.save(root / "full", raw=False)
    handed_out = world.save(root / "handed_out", raw=False, truth=False)
    return world, full, handed_out


@pytest.fixture(autouse=True)
def _fresh_state():
    yield
    course.reset()


def _edited_copy(source, target, edit):
    shutil.copytree(source, target)
    manifest = json.loads((target / "MANIFEST").read_text())
    edit(manifest)
    (target / "MANIFEST").write_text(json.dumps(manifest, indent=1))
    return target


def test_the_checks_get_the_hidden_tables_the_trainee_does_not(worlds):
    world, _, handed_out = worlds
    course.setup(data=handed_out, quiet=True)
    for name in TRUTH_TABLES:
        pd.testing.assert_frame_equal(state.hidden(name), getattr(world, name))
        with pytest.raises(CourseDataError, match="handed out without its hidden tables"):
            course.load(name)
    # Rebuilt in memory only: the folder still has no truth/.
    assert not (handed_out / "truth").exists()


def test_a_full_world_reads_its_hidden_tables_from_disk(worlds, monkeypatch):
    _, full, _ = worlds

    def no_rebuild(path):  # pragma: no cover - fails the test if called
        raise AssertionError("a world with truth/ must not be rebuilt")

    monkeypatch.setattr("coursekit.synth.rebuild.rebuild_hidden_tables", no_rebuild)
    course.setup(data=full, quiet=True)
    pd.testing.assert_frame_equal(state.hidden("truth"), course.load("truth"))


def test_the_simulator_gives_the_same_result_on_a_handed_out_world(worlds):
    world, full, handed_out = worlds
    plan = pd.DataFrame(
        {"customer_id": world.customers["customer_id"].iloc[:200], "offer": "coupon_8"}
    ).assign(channel="sms")
    results = []
    for folder in (full, handed_out):
        course.setup(data=folder, quiet=True)
        results.append(simulate.campaign(plan, budget=2000, seed=3))
    pd.testing.assert_series_equal(results[0].summary, results[1].summary)
    pd.testing.assert_frame_equal(results[0].comparison, results[1].comparison)


def test_a_check_that_needs_the_personas_passes_on_a_handed_out_world(worlds):
    _, full, handed_out = worlds
    course.setup(data=full, quiet=True)
    on_full = psychographic.q9.expected()
    course.setup(data=handed_out, quiet=True)
    assert psychographic.q9.check(on_full, record=False).status == "correct"


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda m: m["parameters"].update(seed=SEED + 1), "differs from its files"),
        (lambda m: m["parameters"].update(n_customers=MAX_CUSTOMERS + 1), "more than 50,000"),
        (lambda m: m.update(generator_version="1"), "generator version 1"),
        (lambda m: m["parameters"].update(start="2026-03-01"), "parameters do not make a world"),
    ],
    ids=["other seed", "too large", "other generator", "end before start"],
)
def test_a_world_that_cannot_be_rebuilt_says_why(worlds, tmp_path, edit, reason):
    _, _, handed_out = worlds
    folder = _edited_copy(handed_out, tmp_path / "edited", edit)
    course.setup(data=folder, quiet=True)
    with pytest.raises(CourseDataError, match=reason) as caught:
        state.hidden("truth")
    assert "ask your instructor" in str(caught.value)
    plan = pd.DataFrame({"customer_id": [course.load("customers")["customer_id"].iloc[0]]})
    with pytest.raises(CourseDataError, match=f"simulator needs .*{reason}"):
        simulate.campaign(plan.assign(offer="coupon_8", channel="sms"))


def test_verify_says_whether_the_hidden_tables_can_be_rebuilt(worlds, tmp_path, capsys):
    from coursekit.synth.cli_api import verify_command

    _, _, handed_out = worlds
    assert verify_command(str(handed_out)) == 0
    assert "the checks and the simulator rebuild them here" in capsys.readouterr().out
    other = _edited_copy(handed_out, tmp_path / "other", lambda m: m["parameters"].update(seed=1))
    assert verify_command(str(other)) == 0  # the files still match their MANIFEST
    out = capsys.readouterr().out
    assert "they cannot be rebuilt here" in out and "differs from its files" in out
