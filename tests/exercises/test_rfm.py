"""What is specific to the problems of module 02 (``coursekit.exercises.rfm``).

The generic harness (``test_all_problems.py``) already proves, on two worlds, that each
reference passes, each catalogued mistake is named and explained in both languages, every
problem is checked in both notebooks and every shown solution solves. Here: other ways of
writing a right answer are accepted, and the wrong answers trainees actually write (not
only the catalogued ``produce``) get the right mistake name or a specific message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit import course
from coursekit.exercises import rfm as ex
from coursekit.exercises.rfm import ____
from coursekit.methods.rfm import (
    SEGMENT_RULES,
    rfm_segments,
    rfm_table,
    segment_table,
    tie_aware_score,
    top_share,
)


@pytest.fixture
def notebook(course_world) -> dict:
    """The namespace of the notebook after each exercise, built from the references."""
    orders = course.load("orders")
    namespace = {
        "pd": pd,
        "np": np,
        "orders": orders,
        "SEGMENT_RULES": SEGMENT_RULES,
        "rfm_table": rfm_table,
        "top_share": top_share,
        "tie_aware_score": tie_aware_score,
        "segment_table": segment_table,
        "completed": orders[orders["status"] == "completed"],
        "snapshot_date": ex.q2.expected(),
        "rfm": ex.q3.expected(),
        "score": tie_aware_score,
        "scores": ex.q5.expected(),
    }
    namespace["segmented"] = rfm_segments(namespace["scores"])
    return namespace


def wrong(problem, answer) -> str | None:
    """The mistake an incorrect answer is named as (None: incorrect, not recognised)."""
    feedback = problem.check(answer)
    assert feedback.status == "incorrect", feedback.message
    return feedback.mistake


def right(problem, answer) -> None:
    feedback = problem.check(answer)
    assert feedback.status == "correct", feedback.message


# ---------------------------------------------------------------------------- the module


def test_module_layout():
    assert ex.NOTEBOOK == "02_rfm"
    assert [p.id for p in ex.PROBLEMS] == [f"rfm.q{n}" for n in range(1, 10)]
    assert len({p.var for p in ex.PROBLEMS}) == len(ex.PROBLEMS)
    kinds = {p.kind for p in ex.PROBLEMS}
    assert {"value", "function", "choice"} <= kinds
    assert all(len(p.hint_texts()) >= 2 for p in ex.PROBLEMS)


def test_the_named_mistakes_of_the_module_are_all_there():
    names = {(p.name, m.name) for p in ex.PROBLEMS for m in p.mistakes}
    assert {
        ("q1", "returns_and_cancellations_kept"),
        ("q2", "snapshot_off_by_one"),
        ("q3", "frequency_in_lines"),
        ("q3", "statuses_kept"),
        ("q3", "recency_from_today"),
        ("q3", "recency_from_first_purchase"),
        ("q3", "snapshot_off_by_one"),
        ("q4", "direction_ignored"),
        ("q4", "ties_split"),
        ("q5", "recency_backwards"),
        ("q5", "ties_split"),
        ("q6", "rules_last_match_wins"),
    } <= names


def test_every_problem_but_the_choice_shows_code():
    assert [p.name for p in ex.PROBLEMS if p.solution_code is None] == ["q7"]
    course.set_lang("en")
    assert "b." in str(ex.q7.solution())


def test_references_follow_the_data_in_use(course_world):
    orders = course.load("orders")
    completed = orders[orders["status"] == "completed"]
    rfm = ex.q3.expected()
    assert len(ex.q1.expected()) == len(completed)
    assert len(rfm) == completed["customer_id"].nunique()
    assert ex.q2.expected() == orders["order_ts"].max().normalize() + pd.Timedelta(days=1)
    assert rfm["recency_days"].min() >= 1
    assert ex.q8.expected() == pytest.approx(top_share(rfm["monetary"]))


def test_a_new_world_gets_new_references(small_world_dir):
    course.setup(quiet=True)
    default_rfm = ex.q3.expected()
    course.setup(data=small_world_dir, quiet=True)
    small_rfm = ex.q3.expected()
    assert len(small_rfm) < len(default_rfm)
    right(ex.q3, rfm_table(course.load("orders").query("status == 'completed'")))


# ---------------------------------------------------------------------------- q1, q2


def test_q1_other_ways_to_filter(notebook):
    orders = notebook["orders"]
    right(ex.q1, orders.query("status == 'completed'"))
    right(ex.q1, orders[orders["status"] == "completed"].reset_index(drop=True))
    right(ex.q1, orders[~orders["status"].isin(["returned", "cancelled"])].sample(frac=1.0))
    assert wrong(ex.q1, orders[orders["status"] != "cancelled"]) == "returns_kept"
    assert wrong(ex.q1, orders) == "returns_and_cancellations_kept"


def test_q1_missing_rows_are_listed(notebook):
    completed = notebook["completed"]
    feedback = ex.q1.check(completed.iloc[10:])
    assert feedback.status == "incorrect"
    assert "Missing rows: 10" in feedback.message


def test_q1_without_a_column_is_incomplete(notebook):
    """All columns are asked for: a frame without coupon_id used to pass."""
    feedback = ex.q1.check(notebook["completed"].drop(columns="coupon_id"))
    assert feedback.status == "incorrect"
    assert "Missing columns: coupon_id." in feedback.message


def test_q2_a_wrong_type_is_named(notebook):
    snapshot = notebook["snapshot_date"]
    zoned = ex.q2.check(snapshot.tz_localize("Asia/Shanghai"))
    assert zoned.status == "incorrect"
    assert "time zone (Asia/Shanghai)" in zoned.message and "tz_localize(None)" in zoned.message
    period = ex.q2.check(snapshot.to_period("D"))
    assert "got a value of type Period" in period.message
    assert "got a value of type list" in ex.q2.check([snapshot]).message
    assert "holds None" in ex.q2.check(None).message
    later = ex.q2.check(snapshot + pd.Timedelta(days=3))
    assert "3 days 00:00:00 later than expected" in later.message


def test_q2_other_date_types(notebook):
    snapshot = notebook["snapshot_date"]
    right(ex.q2, snapshot.to_datetime64())
    right(ex.q2, snapshot.to_pydatetime())
    assert wrong(ex.q2, snapshot.date()) == "date_not_timestamp"
    assert wrong(ex.q2, str(snapshot.date())) == "date_not_timestamp"


def test_q2_ways_to_be_a_day_off(notebook):
    last = notebook["orders"]["order_ts"].max()
    assert wrong(ex.q2, last) == "snapshot_off_by_one"  # the last order itself
    assert wrong(ex.q2, last.normalize()) == "snapshot_off_by_one"
    assert wrong(ex.q2, last.normalize() + pd.Timedelta(days=2)) == "snapshot_off_by_one"
    assert wrong(ex.q2, last + pd.Timedelta(days=1)) == "time_of_day_kept"
    assert wrong(ex.q2, pd.Timestamp.now()) == "snapshot_is_today"


# ---------------------------------------------------------------------------- q3


def test_q3_key_as_column_and_lenient_dtypes(notebook):
    rfm = notebook["rfm"]
    right(ex.q3, rfm.reset_index())
    right(ex.q3, rfm.astype({"frequency": "float64"}).sample(frac=1.0, random_state=0))


def test_q3_named_aggregation_as_trainees_write_it(notebook):
    completed, snapshot = notebook["completed"], notebook["snapshot_date"]
    rfm = completed.groupby("customer_id").agg(
        last_order=("order_ts", "max"),
        frequency=("order_id", "nunique"),
        monetary=("net_amount", "sum"),
    )
    rfm["recency_days"] = (snapshot - rfm["last_order"].dt.normalize()).dt.days
    right(ex.q3, rfm.drop(columns="last_order"))
    # Timestamps with their time of day: every customer one day short.
    rfm["recency_days"] = (snapshot - rfm["last_order"]).dt.days
    assert wrong(ex.q3, rfm.drop(columns="last_order")) == "snapshot_off_by_one"


def test_q3_frequency_from_a_merge_with_order_lines(notebook):
    lines = notebook["completed"].merge(course.load("order_items"), on="order_id")
    per_customer = lines.groupby("customer_id")
    rfm = pd.DataFrame(
        {
            "recency_days": notebook["rfm"]["recency_days"],
            "frequency": per_customer.size(),  # lines, not orders
            "monetary": per_customer["line_amount"].sum(),  # and gross line amounts
        }
    )
    assert wrong(ex.q3, rfm) == "frequency_in_lines"


def test_q3_recency_from_first_purchase_and_from_now(notebook):
    completed, rfm = notebook["completed"], notebook["rfm"]
    first = completed.groupby("customer_id")["order_ts"].min().dt.normalize()
    from_first = rfm.assign(recency_days=(notebook["snapshot_date"] - first).dt.days)
    assert wrong(ex.q3, from_first) == "recency_from_first_purchase"
    last = completed.groupby("customer_id")["order_ts"].max()
    from_now = rfm.assign(recency_days=(pd.Timestamp.now() - last).dt.days)
    assert wrong(ex.q3, from_now) == "recency_from_today"


def test_q3_all_orders_are_named(notebook):
    everything = rfm_table(notebook["orders"], snapshot_date=notebook["snapshot_date"])
    assert wrong(ex.q3, everything) == "statuses_kept"


# ---------------------------------------------------------------------------- q4


def test_q4_the_trainee_function_as_the_student_notebook_leaves_it():
    def score(values, n_bins=5, higher_is_better=True):
        return ____  # the placeholder of the student notebook

    course.setup(quiet=True)
    assert ex.q4.check(score).status == "not_attempted"


def test_q4_a_loop_version_is_right(small_world_dir):
    def score(values, n_bins=5, higher_is_better=True):
        sign = 1 if higher_is_better else -1
        numbers = [sign * v for v in values]
        worse = [sum(other < mine for other in numbers) for mine in numbers]
        return pd.Series([1 + n_bins * w // len(numbers) for w in worse], index=values.index)

    # Quadratic: within the time limit on a small world only.
    course.setup(data=small_world_dir, quiet=True)
    right(ex.q4, score)


def slow_but_readable(values, n_bins=5, higher_is_better=True):
    """The loop a trainee writes first: count the strictly worse customers one by one."""
    oriented = values if higher_is_better else -values
    worse = oriented.apply(lambda x: (oriented < x).sum())
    return 1 + n_bins * worse // len(values)


@pytest.mark.slow
def test_q4_a_correct_readable_loop_passes_on_every_customer():
    course.setup(quiet=True)  # the default world: 4,865 customers in the large cases
    feedback = ex.q4.check(slow_but_readable)
    assert feedback.status == "correct", feedback.message
    if feedback.details.get("slow"):  # over a second on some case: a note on the time
        assert "your function took" in feedback.message and "rank" in feedback.message


def test_q4_the_time_limit_scales_with_the_case_and_is_stated():
    course.setup(quiet=True)
    sizes = {case.describe("score"): ex.q4.case_limit(case) for case in ex.q4.cases()}
    assert sizes["ten different values"] == pytest.approx(1.01)
    assert sizes["frequency of every customer"] > 5  # 1 s + 1 s per 1,000 customers
    assert ex.q4.time_limit_text("en") == (
        "each test case may take 1 s, plus 1 s for every 1,000 values in its input"
    )


def test_q4_exiting_is_feedback_not_a_checker_error(course_world):
    def score(values, n_bins=5, higher_is_better=True):
        import sys

        sys.exit()

    feedback = ex.q4.check(score)
    assert feedback.status == "incorrect", feedback.message  # not "not your fault"
    assert "sys.exit()" in feedback.message


def test_q4_changing_a_handed_out_case_changes_no_check(course_world):
    values = ex.q4.cases()[0].args[0]
    values[:] = 0  # used to change the case every later check runs
    assert (ex.q4.cases()[0].args[0] != 0).all()
    assert ex.q4.check(tie_aware_score).passed


def test_q4_ties_split_however_it_is_written(course_world):
    def qcut_on_first_ranks(values, n_bins=5, higher_is_better=True):
        oriented = values if higher_is_better else -values
        return pd.qcut(oriented.rank(method="first"), n_bins, labels=False) + 1

    def sort_and_count(values, n_bins=5, higher_is_better=True):
        order = np.argsort(values.to_numpy() * (1 if higher_is_better else -1), kind="stable")
        scores = np.empty(len(values), dtype=int)
        scores[order] = 1 + n_bins * np.arange(len(values)) // len(values)
        return pd.Series(scores, index=values.index)

    assert wrong(ex.q4, qcut_on_first_ranks) == "ties_split"
    assert wrong(ex.q4, sort_and_count) == "ties_split"


def test_q4_other_mistakes_as_trainees_write_them(course_world):
    def no_direction(values, n_bins=5, higher_is_better=True):
        worse = values.rank(method="min") - 1
        return (1 + n_bins * worse // len(values)).astype(int)

    def percentile_rank(values, n_bins=5, higher_is_better=True):
        oriented = values if higher_is_better else -values
        return np.ceil(oriented.rank(pct=True) * n_bins).astype(int)

    assert wrong(ex.q4, no_direction) == "direction_ignored"
    assert wrong(ex.q4, percentile_rank) == "ties_ranked_average"


def test_q4_an_endless_function_still_gets_feedback(course_world):
    def score(values, n_bins=5, higher_is_better=True):
        while True:
            pass

    feedback = ex.q4.check(score)
    assert feedback.status == "incorrect"
    assert feedback.mistake is None


# ---------------------------------------------------------------------------- q5, q6


def test_q5_qcut_on_first_ranks_is_named(notebook):
    rfm = notebook["rfm"]

    def quintiles(values, labels):
        return pd.qcut(values.rank(method="first"), 5, labels=labels).astype(int)

    scores = rfm.assign(
        r_score=quintiles(rfm["recency_days"], [5, 4, 3, 2, 1]),
        f_score=quintiles(rfm["frequency"], [1, 2, 3, 4, 5]),
        m_score=quintiles(rfm["monetary"], [1, 2, 3, 4, 5]),
    )
    assert wrong(ex.q5, scores) == "ties_split"


def test_q5_recency_backwards_in_two_forms(notebook):
    scores = notebook["scores"]
    assert wrong(ex.q5, scores.assign(r_score=6 - scores["r_score"])) == "recency_backwards"
    forwards = tie_aware_score(scores["recency_days"])
    assert wrong(ex.q5, scores.assign(r_score=forwards)) == "recency_backwards"


def test_q5_extra_columns_are_fine(notebook):
    scores = notebook["scores"]
    right(ex.q5, scores.assign(fm=(scores["f_score"] + scores["m_score"]) / 2))


def test_q6_as_text_or_one_column_frame(notebook):
    segment = notebook["segmented"]["segment"]
    right(ex.q6, segment.astype(str))
    right(ex.q6, segment.to_frame())
    right(ex.q6, segment.reset_index(drop=False).set_index("customer_id")["segment"])


def test_q6_a_loop_without_the_fallback_rule_is_named(notebook):
    scores = notebook["scores"]
    fm = (scores["f_score"] + scores["m_score"]) / 2
    segment = pd.Series("Others", index=scores.index)
    for rule in SEGMENT_RULES[:-1]:
        segment[rule.matches(scores["r_score"], fm)] = rule.segment
    assert wrong(ex.q6, segment) == "rules_last_match_wins"


# ---------------------------------------------------------------------------- q7, q8, q9


def test_q7_letters_in_any_case(course_world):
    right(ex.q7, "B")
    assert wrong(ex.q7, "c") == "recency_backwards"


def test_q8_monetary_over_other_statuses_is_wrong(notebook):
    """Both used to pass inside a tolerance of half a percentage point."""
    snapshot = notebook["snapshot_date"]
    orders = notebook["orders"]
    every_status = rfm_table(orders, snapshot)["monetary"]
    assert wrong(ex.q8, top_share(every_status)) == "statuses_kept"
    with_returns = rfm_table(orders[orders["status"] != "cancelled"], snapshot)["monetary"]
    assert wrong(ex.q8, top_share(with_returns)) == "returns_kept"
    rounded = ex.q8.check(round(ex.q8.expected(), 2))
    assert rounded.status == "incorrect" and "rounded to 2 decimal place(s)" in rounded.message


def test_q8_any_reasonable_boundary(notebook):
    monetary = notebook["rfm"]["monetary"]
    total = monetary.sum()
    for count in (int(0.2 * len(monetary)), round(0.2 * len(monetary)) + 1):
        right(ex.q8, monetary.nlargest(count).sum() / total)
    right(ex.q8, round(top_share(monetary), 4))
    right(ex.q8, monetary[monetary >= monetary.quantile(0.8)].sum() / total)
    assert wrong(ex.q8, 100 * top_share(monetary)) == "share_in_percent"
    assert wrong(ex.q8, round(100 * top_share(monetary), 1)) == "share_in_percent"


def test_q9_any_collection_of_ids(notebook):
    segmented = notebook["segmented"]
    ids = segmented.index[segmented["segment"].isin(["Can't Lose Them", "At Risk"])]
    right(ex.q9, list(ids))
    right(ex.q9, set(ids.tolist()))
    right(ex.q9, ids.to_numpy()[::-1])
    churned = segmented.index[segmented["value_tier"] == "churned"]
    assert wrong(ex.q9, churned) == "whole_churned_tier"


# ---------------------------------------------------------------------------- languages


def test_feedback_in_chinese(notebook):
    course.set_lang("zh")
    feedback = ex.q3.check(rfm_table(notebook["orders"], notebook["snapshot_date"]))
    assert feedback.mistake == "statuses_kept"
    assert "退货和取消的订单" in feedback.message
    assert "还不对" in feedback.message


def test_mistake_explanations_point_at_the_fix():
    explanations = {(p.name, m.name): m.en for p in ex.PROBLEMS for m in p.mistakes}
    assert "order_id" in explanations["q3", "frequency_in_lines"]
    assert "net_amount" in explanations["q3", "monetary_before_discount"]
    assert 'method="min"' in explanations["q4", "ties_split"]
    assert "higher_is_better=False" in explanations["q5", "recency_backwards"]
    assert "first" in explanations["q6", "rules_last_match_wins"]
    assert ".normalize()" in explanations["q2", "time_of_day_kept"]


def test_the_exercise_text_states_the_time_limit_of_q4():
    import json
    from pathlib import Path

    notebook = Path(__file__).resolve().parents[2] / "solutions" / "02_rfm.ipynb"
    cells = json.loads(notebook.read_text("utf-8"))["cells"]
    text = next(
        "".join(c["source"]) for c in cells if "**Exercise 4 (q4).**" in "".join(c["source"])
    )
    assert ex.q4.time_limit_text("en") in text
