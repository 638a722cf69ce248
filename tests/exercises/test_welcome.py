"""What is specific to the warm-up problems of module 00 (``coursekit.exercises.welcome``).

The generic harness (``test_all_problems.py``) proves on two worlds that each reference
passes, each mistake is caught and explained in both languages, every problem is checked
in both notebooks and every shown solution solves; here: the forms of an answer a trainee
is likely to give, right and wrong, and the deliberate wrong answer of the notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from coursekit import course
from coursekit.engine import ____ as engine_blank
from coursekit.exercises import welcome
from coursekit.exercises.welcome import PROBLEMS, q1, q2, q3, q4
from coursekit.methods.common import completed_orders

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [ROOT / "solutions" / "00_welcome.ipynb", ROOT / "notebooks" / "00_welcome.ipynb"]


# ---------------------------------------------------------------------------- the module


def test_module_follows_the_conventions():
    assert welcome.NOTEBOOK == "00_welcome"
    assert [p.id for p in PROBLEMS] == ["welcome.q1", "welcome.q2", "welcome.q3", "welcome.q4"]
    assert welcome.____ is engine_blank
    assert all(problem.mistakes and len(problem.texts()) >= 4 for problem in PROBLEMS)


def test_the_deliberate_wrong_answer_is_not_counted_as_an_attempt():
    """The notebook shows a red box on purpose; the trainee's progress must start at 0."""
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
        demo = [source for source in sources if "q1.check(tiers_in_orders" in source]
        assert demo and all("record=False" in source for source in demo), path.name


def test_tier_counts_cover_every_member(course_world):
    counts = q1.expected()
    assert counts.sum() == len(course.load("customers"))
    assert set(counts.index) <= {1, 2, 3, 4}


def test_any_usual_spelling_of_the_tier_counts_passes(course_world):
    customers = course.load("customers")
    for answer in (
        customers["city_tier"].value_counts(),  # largest first
        customers.groupby("city_tier").size(),
        customers.groupby("city_tier")["customer_id"].count().to_frame(),
    ):
        assert q1.check(answer).status == "correct"


@pytest.mark.parametrize("decimals", [1, 2, 4])
def test_a_share_given_in_percent_is_recognized(decimals, course_world):
    share = q2.expected()
    feedback = q2.check(round(share * 100, decimals))
    assert feedback.mistake == "percent_not_fraction"


def test_the_share_may_be_rounded_to_four_decimals_but_not_to_two(course_world):
    share = q2.expected()
    assert 0 < share < 1
    assert q2.check(round(share, 4)).status == "correct"
    rounded = q2.check(round(share, 2))
    assert rounded.status == "incorrect" and rounded.mistake is None
    assert "rounded to 2 decimal place(s)" in rounded.message


def test_a_number_far_from_the_percentage_is_not_called_one(course_world):
    assert q2.check(q2.expected() * 100 + 1).mistake is None
    assert q2.check(q2.expected() / 100).mistake is None


@pytest.mark.parametrize("form", [list, tuple, pd.Index])
def test_category_names_without_sales_are_recognized(form, course_world):
    names = form(q3.expected().index)
    assert q3.check(names).mistake == "names_only"


def test_top_categories_must_be_largest_first(course_world):
    feedback = q3.check(q3.expected().sort_values())
    assert feedback.status == "incorrect"
    assert q3.check(q3.expected().rename("sales")).status == "correct"


@pytest.mark.parametrize("how", ["period", "month_end", "month_start"])
def test_months_as_periods_or_dates_are_recognized(how, course_world):
    completed = completed_orders(course.load("orders"))
    if how == "period":
        answer = completed.groupby(completed["order_ts"].dt.to_period("M")).size()
    else:
        rule = "ME" if how == "month_end" else "MS"
        answer = completed.resample(rule, on="order_ts").size()
    assert q4.check(answer).mistake == "months_not_text"


def test_months_with_wrong_counts_are_not_called_a_format_problem(course_world):
    orders = course.load("orders")
    answer = orders.groupby(orders["order_ts"].dt.to_period("M")).size()  # all statuses
    assert q4.check(answer).mistake != "months_not_text"


def test_monthly_orders_cover_every_completed_order(course_world):
    orders = course.load("orders")
    monthly = q4.expected()
    assert monthly.sum() == (orders["status"] == "completed").sum()
    assert monthly.index.str.fullmatch(r"\d{4}-\d{2}").all()


# ---------------------------------------------------------------------------- two worlds


def test_references_follow_the_data_in_use(small_world_dir):
    course.setup(data=ROOT / "datasets", quiet=True)
    default = [problem.expected() for problem in PROBLEMS]
    course.setup(data=small_world_dir, quiet=True)
    small = [problem.expected() for problem in PROBLEMS]
    assert not default[0].equals(small[0])
    assert default[1] != small[1]
    assert not default[2].equals(small[2])
    assert not default[3].equals(small[3])
    assert small[0].sum() == len(course.load("customers"))
