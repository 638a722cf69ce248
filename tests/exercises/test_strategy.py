"""What is specific to the problems of module 06 (``coursekit.exercises.strategy``).

The generic harness (``test_all_problems.py``) already proves, on two worlds, that each
reference passes, each catalogued mistake is named and explained in both languages, every
problem is checked in both notebooks and every shown solution solves. Here: other ways of
writing a right answer are accepted, and the wrong answers trainees actually write get
the right mistake name or a specific message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from coursekit import course, simulate
from coursekit.exercises import strategy as ex
from coursekit.methods.strategy import time_cutoffs, time_split


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
    assert ex.NOTEBOOK == "06_strategy"
    assert [p.id for p in ex.PROBLEMS] == [f"strategy.q{n}" for n in range(1, 11)]
    assert len({p.var for p in ex.PROBLEMS}) == len(ex.PROBLEMS)
    assert {"value", "choice", "open"} <= {p.kind for p in ex.PROBLEMS}
    assert all(len(p.hint_texts()) >= 2 for p in ex.PROBLEMS)


def test_every_named_mistake_of_the_issue_is_catalogued():
    names = {m.name for p in ex.PROBLEMS for m in p.mistakes}
    assert {
        "features_from_whole_period",  # leakage
        "random_split_across_time",
        "accuracy_on_imbalanced_label",
        "targeting_by_churn_risk",
        "contact_cost_ignored",
        "budget_counted_in_members",
        "recommends_items_just_bought",
        "coupon_cost_on_all_members",
    } <= names


# ---------------------------------------------------------------------------- q1 STP


def test_q1_key_as_a_column_and_in_any_row_order(course_world):
    answer = ex.q1.expected().reset_index().iloc[::-1]
    right(ex.q1, answer)


def test_q1_percentages_and_member_shares(course_world):
    expected = ex.q1.expected()
    assert wrong(ex.q1, expected.assign(revenue_share=100 * expected["revenue_share"])) is None
    member_share = expected["members"] / expected["members"].sum()
    assert wrong(ex.q1, expected.assign(revenue_share=member_share)) == "member_share_as_value"
    # Growth as a ratio without the "- 1" is a different number, not a catalogued mistake.
    assert wrong(ex.q1, expected.assign(growth=expected["growth"] + 1)) is None


# ---------------------------------------------------------------------------- q2 features


def test_q2_integer_or_float_counts_and_the_key_as_a_column(course_world):
    expected = ex.q2.expected()
    right(ex.q2, expected.astype("float64"))
    right(ex.q2, expected.reset_index())


def test_q2_a_leaky_table_is_named_even_with_columns_missing(course_world):
    orders = course.load("orders")
    completed = orders[orders["status"] == "completed"]
    _, test_cutoff = time_cutoffs(orders, 180)
    last = completed.groupby("customer_id")["order_ts"].max().dt.normalize()
    leaky = pd.DataFrame({"recency_days": (test_cutoff - last).dt.days})
    assert wrong(ex.q2, leaky) == "features_from_whole_period"


def test_q2_members_without_orders_in_a_window_need_zeros(course_world):
    expected = ex.q2.expected()
    holes = expected.copy()
    holes.loc[holes["orders_recent"] == 0, "orders_recent"] = np.nan
    assert wrong(ex.q2, holes) is None


# ---------------------------------------------------------------------------- q3, q7 choices


def test_q3_letter_in_any_case_and_named_wrong_plans():
    course.setup(quiet=True)
    right(ex.q3, "B")
    right(ex.q3, " b ")
    assert wrong(ex.q3, "c") == "random_split_across_time"
    assert wrong(ex.q3, "a") == "random_split_same_period"


def test_q7_selection_in_any_form_and_partial_answers():
    course.setup(quiet=True)
    right(ex.q7, ["d", "b"])
    right(ex.q7, "b, d")
    right(ex.q7, "bd")
    assert wrong(ex.q7, ["b"]) == "only_big_baskets"
    assert wrong(ex.q7, "d") == "only_quick_trips"
    assert wrong(ex.q7, ["a", "c"]) == "profitable_types_chosen"
    assert wrong(ex.q7, ["a", "b", "d"]) is None


# ---------------------------------------------------------------------------- q4 AUC


def _rows():
    """The model rows of the notebook, from the public methods."""
    orders = course.load("orders")
    train_cutoff, test_cutoff = time_cutoffs(orders, 180)
    split = time_split({"orders": orders}, train_cutoff, 180, test_cutoff)
    train = split.X_train["recency_days"] <= 60
    test = split.X_test["recency_days"] <= 60
    features = ["recency_days", "orders_recent", "orders_earlier", "spend_recent", "spend_earlier"]
    return (
        split.X_train.loc[train, features],
        split.y_train[train],
        split.X_test.loc[test, features],
        split.y_test[test],
    )


def _model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def test_q4_rounded_auc_passes_accuracy_is_named(course_world):
    X_train, y_train, X_test, y_test = _rows()
    model = _model().fit(X_train, y_train)
    scores = model.predict_proba(X_test)[:, 1]
    auc = roc_auc_score(y_test, scores)
    right(ex.q4, auc)
    right(ex.q4, round(auc, 3))
    right(ex.q4, np.float32(auc))
    accuracy = accuracy_score(y_test, model.predict(X_test))
    assert wrong(ex.q4, accuracy) == "accuracy_on_imbalanced_label"
    assert wrong(ex.q4, round(accuracy, 2)) == "accuracy_on_imbalanced_label"
    nobody = accuracy_score(y_test, np.zeros(len(y_test)))
    assert wrong(ex.q4, nobody) == "accuracy_on_imbalanced_label"
    assert wrong(ex.q4, 1 - auc) == "scores_of_the_wrong_class"


def test_q4_a_model_refitted_on_the_test_rows_is_not_right(course_world):
    _, _, X_test, y_test = _rows()
    refitted = _model().fit(X_test, y_test)
    auc = roc_auc_score(y_test, refitted.predict_proba(X_test)[:, 1])
    if abs(auc - ex.q4.expected()) > 1e-3:  # on a world where it differs enough to tell
        assert ex.q4.check(auc, record=False).status == "incorrect"


# ---------------------------------------------------------------------------- q5, q6 targeting


def test_q5_as_a_frame_column_or_with_another_name(course_world):
    expected = ex.q5.expected()
    right(ex.q5, expected.rename("profit"))
    right(ex.q5, expected.sample(frac=1, random_state=0))
    assert wrong(ex.q5, -expected) is None


def test_q6_any_collection_of_ids_and_the_named_plans(course_world):
    expected = ex.q6.expected()
    right(ex.q6, list(expected))
    right(ex.q6, set(expected))
    right(ex.q6, pd.Series(expected))
    profit = ex.q5.expected()
    everyone = profit.index[(profit > 0).to_numpy()]
    assert wrong(ex.q6, everyone) in (None, "budget_counted_in_members")
    assert wrong(ex.q6, [*expected, expected[0]]) is None  # a member twice


def _contact_cost(members) -> float:
    """What contacting ``members`` costs, with the channels of the notebook."""
    orders = course.load("orders")
    done = orders[orders["status"] == "completed"]
    private = done["channel"].isin(["mini_program", "group_buy"]).groupby(done["customer_id"]).any()
    channel = np.where(private.reindex(members).fillna(False).astype(bool), "wecom", "sms")
    return float(simulate.channels("en")["contact_cost"].reindex(channel).sum())


def test_q6_budget_in_members_overspends(course_world):
    budget = 0.2 * len(course.load("customers"))
    mistake = next(m for m in ex.q6.mistakes if m.name == "budget_counted_in_members")
    assert _contact_cost(mistake.produce(ex.q6.expected())) > budget
    assert _contact_cost(ex.q6.expected()) <= budget


# ---------------------------------------------------------------------------- q8, q9


def test_q8_whole_yuan_passes_the_holdout_does_not(course_world):
    expected = ex.q8.expected()
    right(ex.q8, round(expected))
    right(ex.q8, np.float64(expected))
    assert wrong(ex.q8, expected + 100) is None


def test_q9_rounded_passes_percent_does_not(course_world):
    expected = ex.q9.expected()
    right(ex.q9, round(expected, 3))
    assert wrong(ex.q9, 100 * expected) is None
    assert wrong(ex.q9, round(expected, 1)) is None


# ---------------------------------------------------------------------------- q10 memo


def test_q10_short_and_placeholder_memos():
    course.setup(quiet=True)
    assert ex.q10.check("Coupons for families.", record=False).mistake == "too_short"
    assert ex.q10.check("TODO ...", record=False).status == "not_attempted"
    memo = " ".join(["Families in tier-3 cities get a weekend group-buy chain."] * 8)
    feedback = ex.q10.check(memo, record=False)
    assert feedback.status == "correct" and feedback.manual_review


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_q10_model_answer_is_long_enough_in_both_languages(lang):
    course.setup(quiet=True, lang=lang)
    assert ex.q10.check(ex.q10.expected(), record=False).status == "correct"
