"""What is specific to the problems of module 07 (``coursekit.exercises.evaluation``).

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
from scipy import stats
from statsmodels.stats.multitest import multipletests

from coursekit import course
from coursekit.exercises import evaluation as ex
from coursekit.methods.evaluation import (
    ab_summary,
    assign_groups,
    qini_curve,
    uplift_at_k,
)


def wrong(problem, answer) -> str | None:
    """The mistake an incorrect answer is named as (None: incorrect, not recognised)."""
    feedback = problem.check(answer, record=False)
    assert feedback.status == "incorrect", feedback.message
    return feedback.mistake


def right(problem, answer) -> None:
    feedback = problem.check(answer, record=False)
    assert feedback.status == "correct", feedback.message


@pytest.fixture(scope="module")
def data():
    course.setup(quiet=True)
    campaigns = course.load("campaigns").sort_values("start_date", kind="mergesort")
    assignments = course.load("campaign_assignments")
    last = campaigns.iloc[-1]
    return {
        "campaigns": campaigns,
        "assignments": assignments,
        "ab_test": assignments[assignments["campaign_id"] == last["campaign_id"]],
    }


@pytest.fixture(autouse=True)
def _default_world(data):
    course.setup(quiet=True)


# ---------------------------------------------------------------------------- the module


def test_module_layout():
    assert ex.NOTEBOOK == "07_evaluation"
    assert [p.id for p in ex.PROBLEMS] == [f"evaluation.q{n}" for n in range(1, 11)]
    assert len({p.var for p in ex.PROBLEMS}) == len(ex.PROBLEMS)
    assert {"value", "open"} <= {p.kind for p in ex.PROBLEMS}
    assert all(len(p.hint_texts()) >= 2 for p in ex.PROBLEMS)


def test_every_named_mistake_of_the_issue_is_catalogued():
    names = {m.name for p in ex.PROBLEMS for m in p.mistakes}
    assert {
        "lift_on_redeemers_only",  # selection bias
        "compared_with_non_redeemers",
        "seed_per_segment",
        "p_values_not_adjusted",
        "pooled_standard_error",
        "lift_relative_to_treatment",
        "qini_sorted_ascending",
        "stability_on_training_labels",
        "migration_normalized_by_column",
    } <= names
    assert all(m.produce is not None for p in ex.PROBLEMS for m in p.mistakes if p.kind == "value")


# ---------------------------------------------------------------------------- q1 SRM


def test_q1_scipy_chisquare_per_campaign_is_right(data):
    sizes = data["assignments"].groupby(["campaign_id", "group"]).size().unstack()
    planned = data["campaigns"].set_index("campaign_id")["treatment_share"]
    answer = {}
    for campaign, row in sizes.iterrows():
        total = row.sum()
        share = planned[campaign]
        answer[campaign] = stats.chisquare(
            [row["treatment"], row["control"]], f_exp=[total * share, total * (1 - share)]
        ).pvalue
    right(ex.q1, pd.Series(answer))


def test_q1_a_binomial_test_is_another_test(data):
    """An exact binomial test is a fine test, but not the chi-square of the lesson."""
    sizes = data["assignments"].groupby(["campaign_id", "group"]).size().unstack()
    planned = data["campaigns"].set_index("campaign_id")["treatment_share"]
    answer = pd.Series(
        {
            c: stats.binomtest(int(r["treatment"]), int(r.sum()), planned[c]).pvalue
            for c, r in sizes.iterrows()
        }
    )
    assert wrong(ex.q1, answer) is None


# ---------------------------------------------------------------------------- q2 lift


def test_q2_rounded_or_from_ab_summary_is_right(data):
    expected = ex.q2.expected()
    right(ex.q2, round(expected, 3))
    right(ex.q2, ab_summary(data["ab_test"], "spend_after").loc["all", "lift"])


def test_q2_wrong_comparisons_are_named(data):
    ab_test = data["ab_test"]
    spend = ab_test["spend_after"]
    treated = ab_test["group"] == "treatment"
    # The whole treatment group against everyone who did not redeem: the same mistake.
    answer = spend[treated].mean() / spend[~ab_test["redeemed"]].mean() - 1
    assert wrong(ex.q2, answer) == "compared_with_non_redeemers"
    diff = spend[treated].mean() - spend[~treated].mean()
    assert wrong(ex.q2, round(diff / spend[treated].mean(), 4)) == "lift_relative_to_treatment"


def test_q2_percent_instead_of_fraction_is_wrong():
    feedback = ex.q2.check(100 * ex.q2.expected(), record=False)
    assert feedback.status == "incorrect"
    assert feedback.mistake is None


# ---------------------------------------------------------------------------- q3 intervals


def _typed() -> pd.DataFrame:
    intervals = ex.q3.expected()
    assert intervals.index.name == "segment"
    # Rebuild the test's members per segment the way the notebook does.
    return ex._typed()


def test_q3_whole_ab_summary_and_key_as_a_column_are_right():
    typed = _typed()
    table = ab_summary(typed, "spend_after", by="segment")
    right(ex.q3, table)
    right(ex.q3, table[["diff", "ci_low", "ci_high"]].reset_index())


def test_q3_scipy_welch_interval_is_right_and_pooled_is_named():
    typed = _typed()
    welch, pooled = {}, {}
    for segment, members in typed.groupby("segment"):
        t = members.loc[members["group"] == "treatment", "spend_after"]
        c = members.loc[members["group"] == "control", "spend_after"]
        for equal_var, rows in ((False, welch), (True, pooled)):
            interval = stats.ttest_ind(t, c, equal_var=equal_var).confidence_interval(0.95)
            rows[segment] = {
                "diff": t.mean() - c.mean(),
                "ci_low": interval.low,
                "ci_high": interval.high,
            }
    right(ex.q3, pd.DataFrame.from_dict(welch, orient="index").rename_axis("segment"))
    assert (
        wrong(ex.q3, pd.DataFrame.from_dict(pooled, orient="index").rename_axis("segment"))
        == "pooled_standard_error"
    )


def test_q3_a_90_percent_interval_is_wrong():
    table = ab_summary(_typed(), "spend_after", by="segment", alpha=0.1)
    assert wrong(ex.q3, table[["diff", "ci_low", "ci_high"]]) is None


# ---------------------------------------------------------------------------- q4 many tests


def test_q4_adjusted_per_campaign_instead_of_all_together_is_wrong():
    expected = ex.q4.expected()
    p_values = ex._grid()["p_value"]
    per_campaign = p_values.groupby(level="campaign_id", group_keys=False).apply(
        lambda p: pd.Series(multipletests(p, method="fdr_bh")[1], index=p.index)
    )
    assert not np.allclose(per_campaign.reindex(expected.index), expected)
    assert wrong(ex.q4, per_campaign) is None


def test_q4_holm_is_not_bh_and_row_order_does_not_matter():
    expected = ex.q4.expected()
    right(ex.q4, expected.iloc[::-1])
    holm = pd.Series(multipletests(ex._grid()["p_value"], method="holm")[1], index=expected.index)
    assert wrong(ex.q4, holm) is None


# ---------------------------------------------------------------------------- q5, q6 uplift


def test_q5_rounded_and_by_hand_from_the_curve_are_right():
    data = ex._uplift()
    right(ex.q5, round(ex.q5.expected(), 2))
    curve = qini_curve(data["y_test"], data["group_test"], data["score"])
    by_hand = np.trapezoid(curve["qini"] - curve["random"], curve["share"])
    right(ex.q5, float(by_hand))


def test_q5_sorting_ascending_by_hand_is_named():
    data = ex._uplift()
    curve = qini_curve(data["y_test"], data["group_test"], -data["score"])
    ascending = np.trapezoid(curve["qini"] - curve["random"], curve["share"])
    assert wrong(ex.q5, float(ascending)) == "qini_sorted_ascending"


def test_q6_top_k_as_a_count_is_right():
    data = ex._uplift()
    count = round(0.3 * len(data["score"]))
    right(ex.q6, uplift_at_k(data["y_test"], data["group_test"], data["score"], count))


def test_q6_the_whole_campaigns_effect_is_wrong():
    data = ex._uplift()
    y, group = data["y_test"], data["group_test"]
    overall = y[group == "treatment"].mean() - y[group == "control"].mean()
    assert wrong(ex.q6, overall) is None


# ---------------------------------------------------------------------------- q7 stability


def test_q7_training_labels_agree_with_themselves_and_are_named():
    assert wrong(ex.q7, 1.0) == "stability_on_training_labels"
    right(ex.q7, round(ex.q7.expected(), 3))


# ---------------------------------------------------------------------------- q8 migration


def _periods() -> tuple[pd.Series, pd.Series]:
    return ex._rfm_periods()


def test_q8_crosstab_by_row_is_right_by_column_is_named():
    before, after = _periods()
    shared = before.index.intersection(after.index)
    rows = pd.crosstab(before[shared], after[shared], normalize="index")
    right(ex.q8, rows)
    columns = pd.crosstab(before[shared], after[shared], normalize="columns")
    assert wrong(ex.q8, columns) == "migration_normalized_by_column"


def test_q8_counts_are_not_shares():
    from coursekit.methods.evaluation import migration_matrix

    counts = migration_matrix(*_periods(), normalize=False)
    assert wrong(ex.q8, counts) is None


# ---------------------------------------------------------------------------- q9 holdout


def test_q9_any_member_order_in_the_answer_and_wrong_shares():
    expected = ex.q9.expected()
    right(ex.q9, expected.sample(frac=1.0, random_state=1))
    active = ex._next_members()
    assert wrong(ex.q9, assign_groups(active.index, 0.7, 2026, segments=active)) is None
    assert wrong(ex.q9, assign_groups(active.index, 0.5, 7, segments=active)) is None


def test_q9_seeding_each_segment_gives_each_segment_the_same_pattern():
    active = ex._next_members()
    counts = active.value_counts()
    size = int(counts.iloc[0])
    # Two groups of members of the same size, each drawn with the same seed: same places.
    first = assign_groups(active.index[:size], 0.5, 2026)
    second = assign_groups(active.index[size : 2 * size], 0.5, 2026)
    assert (first.to_numpy() == second.to_numpy()).all()
