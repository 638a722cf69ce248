"""The generic problem harness, run over the demo exercise module in two worlds, and shown
to fail on broken problems (a harness that cannot fail proves nothing)."""

from __future__ import annotations

import importlib

import pytest

from coursekit import course
from coursekit.engine import FrameSpec, Mistake, ValueProblem
from coursekit.engine.problems import Judgement

from . import demo_exercises as demo
from .demo_exercises import make_orders


def _import_harness():
    # tests/ has no __init__.py, so pytest imports the harness as
    # "exercises.test_all_problems"; with a tests/__init__.py it would be "tests.exercises...".
    root = __package__.rpartition(".")[0]
    name = f"{root}.exercises.test_all_problems" if root else "exercises.test_all_problems"
    return importlib.import_module(name)


harness = _import_harness()


@pytest.fixture(params=[0, 1], ids=["world0", "world1"])
def world(request):
    """Two different demo worlds, as per-trainee datasets would be."""
    return course.setup(data={"orders": make_orders(seed=request.param)}, quiet=True)


@pytest.mark.parametrize("problem", demo.PROBLEMS, ids=lambda p: p.id)
def test_reference_passes(problem, world):
    harness.assert_reference_passes(problem)


@pytest.mark.parametrize("problem", demo.PROBLEMS, ids=lambda p: p.id)
def test_mistakes_are_named(problem, world):
    harness.assert_mistakes_are_named(problem)


@pytest.mark.parametrize("problem", demo.PROBLEMS, ids=lambda p: p.id)
def test_garbage_gives_feedback(problem, world):
    harness.assert_garbage_gives_feedback(problem)


@pytest.mark.parametrize("problem", demo.PROBLEMS, ids=lambda p: p.id)
def test_answers_are_not_modified(problem, world):
    harness.assert_answers_are_not_modified(problem)


@pytest.mark.parametrize("problem", demo.PROBLEMS, ids=lambda p: p.id)
def test_texts_are_bilingual(problem):
    harness.assert_texts_are_bilingual(problem)


@pytest.mark.parametrize("problem", demo.PROBLEMS, ids=lambda p: p.id)
def test_check_before_setup_says_run_setup(problem):
    harness.assert_needs_setup(problem)


# ---------------------------------------------------------------------------- it can fail


def _total_problem(**changes):
    fields = {
        "id": "broken.q1",
        "var": "total",
        "title": {"en": "Total", "zh": "合计"},
        "reference": lambda: float(course.load("orders")["amount"].sum()),
        "mistakes": [
            Mistake("doubled", en="Counted twice.", zh="重复计算。", produce=lambda e: e * 2)
        ],
    }
    fields.update(changes)
    return ValueProblem(**fields)


def test_a_reference_that_fails_its_own_check_is_caught(demo_world):
    problem = _total_problem(
        reference=lambda: course.load("orders"), compare=FrameSpec(key="no_such_column")
    )
    with pytest.raises(AssertionError, match="the reference fails"):
        harness.assert_reference_passes(problem)


def test_a_mistake_identical_to_the_reference_is_caught(demo_world):
    problem = _total_problem(
        mistakes=[Mistake("no_op", en="Nothing.", zh="无。", produce=lambda expected: expected)]
    )
    with pytest.raises(AssertionError, match="matches mistake no_op"):
        harness.assert_mistakes_are_named(problem)


def test_a_mistake_reported_under_another_name_is_caught(demo_world):
    problem = _total_problem(
        mistakes=[
            Mistake("doubled", en="Twice.", zh="两次。", produce=lambda e: e * 2),
            Mistake("also_doubled", en="Twice again.", zh="又两次。", produce=lambda e: e * 2),
        ]
    )
    with pytest.raises(AssertionError, match="also_doubled is reported as doubled"):
        harness.assert_mistakes_are_named(problem)


def test_a_checker_error_on_garbage_is_caught(demo_world):
    class Fragile(ValueProblem):
        def _judge(self, answer, expected):
            if not isinstance(answer, float):
                raise TypeError("only floats, please")
            return Judgement("correct", "ok")

    problem = Fragile(
        id="broken.q2",
        var="total",
        title={"en": "Total", "zh": "合计"},
        reference=lambda: 1.0,
    )
    with pytest.raises(AssertionError, match=r"broken\.q2"):
        harness.assert_garbage_gives_feedback(problem, max_examples=5)


def test_a_missing_translation_is_caught():
    problem = _total_problem()
    problem._title = {"en": "Total", "zh": " "}  # construction validates; simulate a slip
    with pytest.raises(AssertionError, match="title has no 'zh' text"):
        harness.assert_texts_are_bilingual(problem)


def test_a_checker_error_on_a_hostile_value_is_caught(demo_world):
    class Fragile(ValueProblem):
        def _judge(self, answer, expected):
            if isinstance(answer, harness.Hostile):
                raise RuntimeError("the checker touched the hostile object")
            return Judgement("incorrect", "no")

    problem = Fragile(
        id="broken.q3",
        var="total",
        title={"en": "Total", "zh": "合计"},
        reference=lambda: 1.0,
    )
    with pytest.raises(AssertionError, match=r"broken\.q3 on Hostile"):
        harness.assert_hostile_values_give_feedback(problem)


def test_a_check_that_modifies_the_answer_is_caught(demo_world):
    class Rounding(ValueProblem):
        def _judge(self, answer, expected):
            answer["amount"] = answer["amount"].round()  # a checker's slip: rounds in place
            return super()._judge(answer, expected)

    problem = Rounding(
        id="broken.q4",
        var="orders",
        title={"en": "Orders", "zh": "订单"},
        reference=lambda: course.load("orders"),
        compare=FrameSpec(ignore_row_order=True),
    )
    with pytest.raises(AssertionError):
        harness.assert_answers_are_not_modified(problem)
