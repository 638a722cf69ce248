"""What is specific to the problems of module 08 (``coursekit.exercises.capstone``).

The generic harness (``test_all_problems.py``) already proves, on two worlds, that each
reference passes, each catalogued mistake is named and explained in both languages, every
problem is checked in both notebooks and every shown solution solves. Here: other ways of
writing a right answer are accepted, the milestones judge plans and evaluation designs by
their requirements (not by one right answer), and the memos carry a structured rubric.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit import course, simulate
from coursekit.exercises import capstone as ex
from coursekit.methods.capstone import evaluation_plan_problems


def wrong(problem, answer) -> str | None:
    """The mistake an incorrect answer is named as (None: incorrect, not recognised)."""
    feedback = problem.check(answer, record=False)
    assert feedback.status == "incorrect", feedback.message
    return feedback.mistake


def right(problem, answer) -> None:
    feedback = problem.check(answer, record=False)
    assert feedback.status == "correct", feedback.message


# ---------------------------------------------------------------------------- the module


def test_module_layout():
    assert ex.NOTEBOOK == "08_capstone"
    assert [p.id for p in ex.PROBLEMS] == [f"capstone.q{n}" for n in range(1, 10)]
    assert len({p.var for p in ex.PROBLEMS}) == len(ex.PROBLEMS)
    assert {"value", "choice", "open"} <= {p.kind for p in ex.PROBLEMS}
    assert all(len(p.hint_texts()) >= 2 for p in ex.PROBLEMS)


def test_every_memo_has_a_structured_rubric_that_grading_can_list():
    for problem in (ex.q5, ex.q6, ex.q9):
        assert problem.kind == "open" and problem.rubric is not None
        assert problem.rubric.max_points == 10
        table = problem.rubric.table("en")
        assert list(table.columns) == ["missing", "partial", "complete", "max points"]
        rubric_texts = [text for key, text in problem.texts() if key.startswith("rubric")]
        assert len(rubric_texts) == len(problem.rubric.criteria)
        assert all("points" in t["en"] and "分" in t["zh"] for t in rubric_texts)


# ---------------------------------------------------------------------------- q1 q2 q3


def test_q1_group_as_a_column_rounded_revenue_any_row_order(course_world):
    expected = ex.q1.expected()
    right(ex.q1, expected.reset_index().iloc[::-1])
    right(ex.q1, expected.assign(revenue=expected["revenue"].round(1)))


def test_q1_repeat_share_in_percent_is_wrong_without_a_false_name(course_world):
    expected = ex.q1.expected()
    assert wrong(ex.q1, expected.assign(repeat_share=100 * expected["repeat_share"])) is None


def test_q2_a_share_computed_through_a_merge_is_right(course_world):
    orders, customers = course.load("orders"), course.load("customers")
    done = orders[orders["status"] == "completed"].merge(
        customers[["customer_id", "city_tier"]], on="customer_id"
    )
    per_member = done.groupby(["city_tier", "customer_id"])["channel"].apply(
        lambda channels: (channels == "group_buy").any()
    )
    right(ex.q2, per_member.groupby(level="city_tier").mean())


def test_q2_percentages_are_wrong(course_world):
    assert wrong(ex.q2, 100 * ex.q2.expected()) is None


def test_q3_any_order_and_capitalised_names(course_world):
    expected = ex.q3.expected()
    right(ex.q3, expected.sample(frac=1, random_state=0))
    assert wrong(ex.q3, expected.str.capitalize()) is None
    assert set(expected.unique()) <= {"lapsed", "group_buyer", "family", "senior", "other"}


# ---------------------------------------------------------------------------- q4 the group price


def test_q4_letter_in_any_case_and_named_wrong_explanations():
    course.setup(quiet=True)
    right(ex.q4, " A ")
    assert wrong(ex.q4, "b") == "blamed_the_channel"
    assert wrong(ex.q4, "d") == "holdout_blamed"


def test_q4_premise_holds_group_price_loses_money_within_the_budget():
    course.setup(quiet=True)
    plan = ex._plan("group_buy")
    assert simulate.plan_cost(plan) <= ex.launch_budget()
    result = simulate.campaign(plan, budget=ex.launch_budget(), seed=ex.SEED)
    assert result.summary["redemption_cost"] > 10 * result.summary["contact_cost"]
    assert result.comparison.loc["plan", "expected_profit"] < 0


# ---------------------------------------------------------------------------- q7 the plan milestone


def test_q7_other_good_plans_pass_too():
    course.setup(quiet=True)
    plan = ex.q7.expected()
    right(ex.q7, plan.set_index("customer_id"))  # the key as the index
    right(ex.q7, plan.iloc[::-1])
    # Leave the lapsed aside and the "other" segment out, and mix offers: still a plan.
    mixed = plan[plan["segment"] != "other"].copy()
    mixed.loc[mixed["segment"] == "group_buyer", "offer"] = "coupon_8"
    right(ex.q7, mixed)


def test_q7_message_says_which_requirement_is_unmet_in_the_trainees_language():
    course.setup(quiet=True, lang="zh")
    over = ex.q7.check(ex._plan("group_buy", channels="private_domain"), record=False)
    assert over.mistake == "over_budget"
    assert "超出预算" in over.message
    course.setup(quiet=True, lang="en")
    assert (
        f"over the budget of {ex.launch_budget():,.2f}"
        in ex.q7.check(ex._plan("group_buy", channels="private_domain"), record=False).message
    )


def test_q7_a_plan_the_simulator_refuses_gets_its_message():
    course.setup(quiet=True)
    plan = ex.q7.expected().assign(offer="free_lunch")
    feedback = ex.q7.check(plan, record=False)
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert "The simulator refuses the plan: unknown offer(s) ['free_lunch']" in feedback.message
    twice = pd.concat([ex.q7.expected(), ex.q7.expected().head(1)])
    assert "more than once" in ex.q7.check(twice, record=False).message


def test_q7_a_losing_plan_with_another_offer_gets_no_false_name():
    course.setup(quiet=True)
    plan = ex._plan("coupon_20")
    feedback = ex.q7.check(plan, record=False)
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert feedback.message.startswith("Milestone not reached yet: `plan` misses")
    assert "loses money in expectation" in feedback.message


def test_milestones_say_reached_not_equal_to_the_reference():
    course.setup(quiet=True, lang="zh")
    assert ex.q8.check(dict(ex.REFERENCE_EVALUATION), record=False).message.startswith(
        "里程碑达成：`evaluation_plan` 满足全部要求。"
    )


# ---------------------------------------------------------------------------- q8 evaluation


@pytest.mark.parametrize(
    "change",
    [
        {"kpis": "repeat_share"},  # one KPI as a text
        {"holdout": np.float64(0.1), "days": 45},
        {"watch": ("family",)},
    ],
)
def test_q8_other_complete_plans_pass(change):
    course.setup(quiet=True)
    right(ex.q8, {**ex.REFERENCE_EVALUATION, **change})


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"holdout": "20%"}, "holdout_not_a_share"),
        ({"holdout": 20}, "holdout_not_a_share"),
        ({"holdout": 0.7}, "holdout_too_large"),
        ({"holdout": float("nan")}, "no_holdout"),
        ({"primary_kpi": "profit"}, "unknown_kpi"),
        ({"watch": ["vip"]}, "no_segments_to_watch"),
        ({"days": "30"}, "window_too_short"),
    ],
)
def test_q8_each_gap_is_reported(change, code):
    assert code in evaluation_plan_problems({**ex.REFERENCE_EVALUATION, **change})


def test_q8_percent_holdout_is_explained_not_called_missing():
    course.setup(quiet=True)
    feedback = ex.q8.check({**ex.REFERENCE_EVALUATION, "holdout": 20}, record=False)
    assert feedback.mistake is None and "0.2 for 20%" in feedback.message
    assert wrong(ex.q8, {**ex.REFERENCE_EVALUATION, "holdout": 0}) == "no_holdout"
    assert wrong(ex.q8, "hold out 20%") is None
