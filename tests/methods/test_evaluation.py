"""Tests of coursekit.methods.evaluation: hand-computed answers, cross-checks against
scipy and brute force, and each named mistake of module 07 shown to give a different,
wrong value."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.linear_model import LinearRegression
from sklearn.metrics import adjusted_rand_score
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from coursekit.methods.evaluation import (
    ab_summary,
    assign_groups,
    balance_table,
    bootstrap_stability,
    conversion_summary,
    kpi_table,
    migration_matrix,
    migration_share,
    qini_auc,
    qini_curve,
    segment_stability,
    srm_test,
    stability_table,
    two_model_uplift,
    uplift_at_k,
)

# --------------------------------------------------------------------------- SRM and balance


def test_srm_test_hand_computed_and_against_scipy():
    # (5100 - 5000)^2 / 5000 * 2 = 4 -> p = P(chi2_1 > 4).
    assert srm_test(5100, 4900, 0.5) == pytest.approx(stats.chi2.sf(4, 1))
    assert srm_test(5100, 4900, 0.5) == pytest.approx(0.0455, abs=1e-4)
    assert srm_test(7000, 3000, 0.7) == pytest.approx(1.0)
    for n_t, n_c, share in [(480, 520, 0.5), (650, 350, 0.7), (13, 2, 0.5)]:
        total = n_t + n_c
        expected = stats.chisquare([n_t, n_c], f_exp=[total * share, total * (1 - share)]).pvalue
        assert srm_test(n_t, n_c, share) == pytest.approx(expected, rel=1e-12)


def test_srm_test_against_the_wrong_plan():
    # 700 / 300 is right for a 70/30 plan and a glaring mismatch for a 50/50 one.
    assert srm_test(700, 300, 0.7) == pytest.approx(1.0)
    assert srm_test(700, 300, 0.5) < 1e-30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10.5, 3, 0.5), "n_treatment must be a whole number"),
        ((10, -3, 0.5), "n_control must be >= 0"),
        ((0, 0, 0.5), "no members"),
        ((10, 10, 1.0), "planned_share must be strictly between 0 and 1"),
        ((10, 10, "half"), "planned_share must be a number"),
    ],
)
def test_srm_test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        srm_test(*args)


def test_balance_table_hand_computed():
    data = pd.DataFrame(
        {
            "group": ["treatment"] * 3 + ["control"] * 3,
            "orders_90d": [1.0, 2.0, 3.0, 2.0, 3.0, 4.0],  # variances 1 and 1 -> smd -1
            "spend_90d": [10.0, 20.0, 30.0, 10.0, 20.0, 30.0],  # identical -> smd 0
        }
    )
    table = balance_table(data)
    assert table.loc["orders_90d", "smd"] == pytest.approx(-1.0)
    assert table.loc["spend_90d", "smd"] == 0.0
    assert table["imbalanced"].tolist() == [True, False]
    assert table.loc["orders_90d", "mean_control"] == 3.0


# --------------------------------------------------------------------------- assignment


def test_assign_groups_planned_share_per_segment_and_deterministic():
    members = list(range(100, 140))
    segments = pd.Series(["a"] * 20 + ["b"] * 20, index=members)
    groups = assign_groups(members, 0.7, seed=5, segments=segments)
    assert groups.index.tolist() == members
    assert (groups[segments == "a"] == "treatment").sum() == 14
    assert (groups[segments == "b"] == "treatment").sum() == 14
    pd.testing.assert_series_equal(groups, assign_groups(members, 0.7, seed=5, segments=segments))
    assert not groups.equals(assign_groups(members, 0.7, seed=6, segments=segments))


def test_mistake_random_seed_set_per_segment_instead_of_once():
    """Re-seeding per segment gives segments of the same size the same pattern: the same
    positions (e.g. the newest members) land in the holdout in every segment."""
    members = list(range(40))
    segments = pd.Series(["a"] * 20 + ["b"] * 20, index=members)
    once = assign_groups(members, 0.5, seed=1, segments=segments)
    per_segment = pd.concat(
        [assign_groups(members[:20], 0.5, seed=1), assign_groups(members[20:], 0.5, seed=1)]
    )
    same_pattern = per_segment.iloc[:20].to_numpy() == per_segment.iloc[20:].to_numpy()
    assert same_pattern.all()
    assert not (once.iloc[:20].to_numpy() == once.iloc[20:].to_numpy()).all()


# --------------------------------------------------------------------------- A/B summaries


@pytest.fixture
def campaign() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["treatment"] * 4 + ["control"] * 3,
            "spend_after": [10.0, 12.0, 14.0, 20.0, 8.0, 10.0, 12.0],
        }
    )


def test_ab_summary_hand_computed_and_against_scipy(campaign):
    table = ab_summary(campaign, "spend_after")
    row = table.loc["all"]
    assert row["n_treatment"] == 4 and row["n_control"] == 3
    assert row["mean_treatment"] == 14.0 and row["mean_control"] == 10.0
    assert row["diff"] == 4.0
    assert row["lift"] == pytest.approx(0.4)  # relative to control
    treated, control = [10.0, 12.0, 14.0, 20.0], [8.0, 10.0, 12.0]
    welch = stats.ttest_ind(treated, control, equal_var=False)
    interval = welch.confidence_interval(0.95)
    assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-10)
    assert row["ci_low"] == pytest.approx(interval.low, rel=1e-10)
    assert row["ci_high"] == pytest.approx(interval.high, rel=1e-10)
    assert row["p_adjusted"] == pytest.approx(row["p_value"])  # one row: nothing to adjust


def test_ab_summary_against_scipy_per_segment():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "segment": rng.choice(["x", "y", "z"], size=300),
            "group": rng.choice(["treatment", "control"], size=300, p=[0.7, 0.3]),
            "spend_after": rng.gamma(2.0, 30.0, size=300),
        }
    )
    table = ab_summary(frame, "spend_after", by="segment", alpha=0.1)
    assert table.index.tolist() == ["x", "y", "z"]
    for segment, part in frame.groupby("segment"):
        treated = part.loc[part["group"] == "treatment", "spend_after"]
        control = part.loc[part["group"] == "control", "spend_after"]
        welch = stats.ttest_ind(treated, control, equal_var=False)
        interval = welch.confidence_interval(0.9)
        assert table.loc[segment, "p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
        assert table.loc[segment, "ci_low"] == pytest.approx(interval.low, rel=1e-9)
        assert table.loc[segment, "ci_high"] == pytest.approx(interval.high, rel=1e-9)


def test_mistake_percent_lift_relative_to_treatment(campaign):
    row = ab_summary(campaign, "spend_after").loc["all"]
    wrong = row["diff"] / row["mean_treatment"]
    assert wrong == pytest.approx(4 / 14)
    assert row["lift"] != pytest.approx(wrong)


def test_mistake_pooled_standard_error_for_unequal_variances():
    # Few treated members with a wide spread, many control members close together.
    treated = np.array([0.0, 5.0, 60.0, 80.0, 120.0, 10.0, 0.0, 200.0])
    control = np.tile([18.0, 20.0, 22.0, 19.0, 21.0], 8)
    frame = pd.DataFrame(
        {
            "group": ["treatment"] * len(treated) + ["control"] * len(control),
            "spend_after": np.r_[treated, control],
        }
    )
    row = ab_summary(frame, "spend_after").loc["all"]
    pooled = CompareMeans(DescrStatsW(treated), DescrStatsW(control)).tconfint_diff(usevar="pooled")
    welch = stats.ttest_ind(treated, control, equal_var=False).confidence_interval(0.95)
    assert row["ci_low"] == pytest.approx(welch.low)
    # The pooled interval is far too narrow: it borrows the control group's small spread.
    assert (pooled[1] - pooled[0]) < 0.6 * (row["ci_high"] - row["ci_low"])
    assert pooled[0] > 0 > row["ci_low"]  # "significant" only under the wrong formula


def test_mistake_p_values_not_adjusted():
    rng = np.random.default_rng(42)
    segments = [f"s{i}" for i in range(12)]
    frame = pd.DataFrame(
        {
            "segment": np.repeat(segments, 40),
            "group": np.tile(["treatment", "control"], 240),
            "spend_after": rng.normal(50, 10, size=480),  # no effect anywhere
        }
    )
    table = ab_summary(frame, "spend_after", by="segment")
    # Benjamini-Hochberg by hand: p_(i) * m / i, then the running minimum from the top.
    p_values = table["p_value"].to_numpy()
    order = np.argsort(p_values)
    scaled = p_values[order] * len(p_values) / np.arange(1, len(p_values) + 1)
    by_hand = np.empty_like(p_values)
    by_hand[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    np.testing.assert_allclose(table["p_adjusted"], by_hand)
    # Unadjusted, some segment "responds"; adjusted, none does (there is no effect).
    assert (table["p_value"] < 0.05).sum() >= 1
    assert not table["significant"].any()
    strict = ab_summary(frame, "spend_after", by="segment", adjust="bonferroni")
    np.testing.assert_allclose(strict["p_adjusted"], np.minimum(p_values * 12, 1.0))


@pytest.fixture
def redemptions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["treatment"] * 6 + ["control"] * 6,
            "redeemed": [True, True, False, False, False, False] + [False] * 6,
            "spend_after": [100.0, 120.0, 0.0, 10.0, 0.0, 20.0, 30.0, 0.0, 40.0, 10.0, 20.0, 0.0],
        }
    )


def test_mistake_lift_on_treated_redeemers_only(redemptions):
    right = ab_summary(redemptions, "spend_after").loc["all", "diff"]
    assert right == pytest.approx(250 / 6 - 100 / 6)  # 25
    redeemers = redemptions.loc[redemptions["redeemed"], "spend_after"].mean()
    control = redemptions.loc[redemptions["group"] == "control", "spend_after"].mean()
    assert redeemers - control == pytest.approx(110 - 100 / 6)  # selection bias, ~93
    assert redeemers - control > 3 * right


def test_mistake_treatment_compared_with_all_non_redeemers(redemptions):
    right = ab_summary(redemptions, "spend_after").loc["all", "diff"]
    treated = redemptions.loc[redemptions["group"] == "treatment", "spend_after"].mean()
    non_redeemers = redemptions.loc[~redemptions["redeemed"], "spend_after"].mean()
    assert non_redeemers == pytest.approx(13.0)
    assert treated - non_redeemers == pytest.approx(250 / 6 - 13)
    assert treated - non_redeemers != pytest.approx(right)


def test_conversion_summary_against_statsmodels():
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    frame = pd.DataFrame(
        {
            "group": ["treatment"] * 100 + ["control"] * 100,
            "converted": [1] * 30 + [0] * 70 + [1] * 20 + [0] * 80,
        }
    )
    row = conversion_summary(frame, "converted").loc["all"]
    assert row["conversions_treatment"] == 30 and row["conversions_control"] == 20
    assert row["mean_treatment"] == 0.3 and row["mean_control"] == 0.2
    assert row["diff"] == pytest.approx(0.1)
    assert row["lift"] == pytest.approx(0.5)
    low, high = confint_proportions_2indep(30, 100, 20, 100, method="newcomb")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["p_value"] == pytest.approx(
        test_proportions_2indep(30, 100, 20, 100, method="score").pvalue
    )
    assert row["ci_low"] < 0 < row["ci_high"] and row["p_value"] > 0.05


def test_small_segments_have_wide_intervals():
    """'+30%' on 40 members: the interval spans zero; on 4,000 the same rates do not."""

    def frame(n: int) -> pd.DataFrame:
        half = n // 2
        return pd.DataFrame(
            {
                "group": ["treatment"] * half + ["control"] * half,
                "converted": np.r_[np.arange(half) < 0.26 * half, np.arange(half) < 0.2 * half],
            }
        )

    small = conversion_summary(frame(40), "converted").loc["all"]
    large = conversion_summary(frame(4000), "converted").loc["all"]
    assert small["lift"] == pytest.approx(0.5, abs=0.3)
    assert small["ci_low"] < 0 < small["ci_high"]
    assert large["ci_low"] > 0


def test_summaries_give_nan_where_a_test_is_undefined():
    frame = pd.DataFrame(
        {
            "segment": ["a", "a", "a", "b", "b", "b", "b"],
            "group": [
                "treatment",
                "treatment",
                "treatment",
                "treatment",
                "treatment",
                "control",
                "control",
            ],
            "converted": [0, 1, 1, 0, 0, 0, 0],
        }
    )
    means = ab_summary(frame, "converted", by="segment")
    assert means.loc["a", "n_control"] == 0 and np.isnan(means.loc["a", "p_value"])
    rates = conversion_summary(frame, "converted", by="segment")
    assert np.isnan(rates.loc["b", "p_value"])  # nobody converted in either group
    assert not rates["significant"].any()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: ab_summary(f, "spend"), r"missing column\(s\) \['spend'\]"),
        (lambda f: ab_summary(f.assign(group="test"), "spend_after"), "'treatment' or 'control'"),
        (lambda f: ab_summary(f, "spend_after", alpha=5), "alpha must be strictly between"),
        (lambda f: ab_summary(f, "spend_after", adjust="sidak"), "adjust must be one of"),
        (lambda f: ab_summary(f, "spend_after", by="region"), "missing column"),
        (
            lambda f: ab_summary(
                f.assign(segment=[None, "a", "a", "a", "a", "a", "a"]), "spend_after", by="segment"
            ),
            "without a segment",
        ),
        (lambda f: ab_summary(f.assign(spend_after="x"), "spend_after"), "must be numeric"),
        (lambda f: conversion_summary(f, "spend_after"), "only 0 and 1"),
        (lambda f: ab_summary(f, ["spend_after"]), "name of a column"),
    ],
)
def test_summaries_bad_input(campaign, call, message):
    with pytest.raises(ValueError, match=message):
        call(campaign)


# --------------------------------------------------------------------------- Qini and uplift


@pytest.fixture
def uplift_data():
    score = np.array([6, 5, 4, 3, 2, 1], dtype=float)
    treatment = np.array([1, 0, 1, 0, 1, 0])
    outcome = np.array([10.0, 0.0, 8.0, 2.0, 0.0, 5.0])
    return outcome, treatment, score


def test_qini_curve_hand_computed(uplift_data):
    curve = qini_curve(*uplift_data)
    # incremental(n) = Y_T - Y_C * N_T / N_C: 10, 10, 18, 18 - 2, 18 - 2 * 3/2, 18 - 7.
    np.testing.assert_allclose(curve["incremental"], [0, 10, 10, 18, 16, 15, 11])
    np.testing.assert_allclose(curve["qini"], np.array([0, 10, 10, 18, 16, 15, 11]) / 3)
    ate = 18 / 3 - 7 / 3
    assert curve["qini"].iloc[-1] == pytest.approx(ate)
    np.testing.assert_allclose(curve["random"], np.arange(7) / 6 * ate)
    assert curve["n"].tolist() == list(range(7))
    gain = curve["qini"] - curve["random"]
    assert qini_auc(*uplift_data) == pytest.approx(np.trapezoid(gain, np.arange(7) / 6))


def _qini_brute_force(outcome, treatment, score):
    """The Qini points by a plain loop over thresholds (one per distinct score)."""
    points = [(0.0, 0.0)]
    total_treated = treatment.sum()
    for threshold in sorted(set(score), reverse=True):
        top = score >= threshold
        rows = list(zip(outcome, treatment, top, strict=True))
        y_t = sum(y for y, t, inside in rows if inside and t == 1)
        y_c = sum(y for y, t, inside in rows if inside and t == 0)
        n_t = sum(1 for _, t, inside in rows if inside and t == 1)
        n_c = sum(1 for _, t, inside in rows if inside and t == 0)
        incremental = y_t - (y_c * n_t / n_c if n_c else 0.0)
        points.append((top.mean(), incremental / total_treated))
    ate = outcome[treatment == 1].mean() - outcome[treatment == 0].mean()
    area = 0.0
    for (x0, q0), (x1, q1) in itertools.pairwise(points):
        area += (x1 - x0) * ((q0 - x0 * ate) + (q1 - x1 * ate)) / 2
    return points, area


def test_qini_against_brute_force_with_ties_and_continuous_outcomes():
    rng = np.random.default_rng(2)
    n = 400
    treatment = rng.integers(0, 2, n)
    score = np.round(rng.normal(size=n), 1)  # many ties
    outcome = rng.gamma(2.0, 20.0, n) + treatment * (score > 0) * 15.0
    curve = qini_curve(outcome, treatment, score)
    points, area = _qini_brute_force(outcome, treatment, score)
    np.testing.assert_allclose(curve["share"], [p[0] for p in points])
    np.testing.assert_allclose(curve["qini"], [p[1] for p in points])
    assert qini_auc(outcome, treatment, score) == pytest.approx(area)
    order = rng.permutation(n)
    assert qini_auc(outcome[order], treatment[order], score[order]) == pytest.approx(area)
    assert area > 0


def test_mistake_qini_curve_sorted_ascending():
    rng = np.random.default_rng(4)
    n = 600
    treatment = rng.integers(0, 2, n)
    true_uplift = rng.normal(size=n)
    outcome = rng.normal(20, 5, n) + treatment * 10 * true_uplift
    right = qini_auc(outcome, treatment, true_uplift)
    ascending = qini_auc(outcome, treatment, -true_uplift)
    assert right > 0 > ascending
    random_score = qini_auc(outcome, treatment, rng.random(n))
    assert ascending < random_score < right


def test_qini_accepts_group_labels_and_series():
    outcome = pd.Series([10.0, 0.0, 8.0, 2.0], index=[4, 3, 2, 1])
    groups = pd.Series(["treatment", "control", "treatment", "control"], index=[4, 3, 2, 1])
    score = pd.Series([1.0, 2.0, 3.0, 4.0], index=[1, 2, 3, 4])  # member 4 first
    flags = pd.Series([1, 0, 1, 0], index=[4, 3, 2, 1])
    assert qini_auc(outcome, groups, score) == pytest.approx(qini_auc(outcome, flags, score))
    first = qini_curve(outcome, groups, score).iloc[1]
    assert first["n_treatment"] == 1 and first["sum_treatment"] == 10.0


def test_uplift_at_k_hand_computed(uplift_data):
    # Top 3: treated 10 and 8, control 0 -> 9.
    assert uplift_at_k(*uplift_data, 0.5) == pytest.approx(9.0)
    assert uplift_at_k(*uplift_data, 3) == pytest.approx(9.0)
    assert uplift_at_k(*uplift_data, 1.0) == pytest.approx(18 / 3 - 7 / 3)
    with pytest.raises(ValueError, match="no treated or no control"):
        uplift_at_k(*uplift_data, 1)


def test_two_model_uplift_recovers_a_linear_effect():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=200)}, index=pd.RangeIndex(1000, 1200))
    treatment = rng.integers(0, 2, 200)
    outcome = 2 * X["x"] + treatment * 3 * X["x"] + 1
    uplift = two_model_uplift(X, outcome, treatment, estimator=LinearRegression())
    pd.testing.assert_index_equal(uplift.index, X.index)
    np.testing.assert_allclose(uplift, 3 * X["x"], atol=1e-9)


def test_two_model_uplift_ranks_a_held_out_campaign():
    rng = np.random.default_rng(1)
    n = 2000
    X = rng.normal(size=(n, 3))
    treatment = rng.integers(0, 2, n)
    effect = np.where(X[:, 0] > 0, 8.0, -4.0)  # the offer puts some members off
    outcome = 30 + 5 * X[:, 1] + treatment * effect + rng.normal(0, 5, n)
    train, test = slice(0, 1000), slice(1000, None)
    score = two_model_uplift(X[train], outcome[train], treatment[train], X[test], seed=0)
    assert qini_auc(outcome[test], treatment[test], score) > 1.0
    top = uplift_at_k(outcome[test], treatment[test], score, 0.3)
    overall = (
        outcome[test][treatment[test] == 1].mean() - outcome[test][treatment[test] == 0].mean()
    )
    assert top > overall + 3
    again = two_model_uplift(X[train], outcome[train], treatment[train], X[test], seed=0)
    pd.testing.assert_series_equal(score, again)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: qini_curve([1.0, 2.0], [1, 1], [0.1, 0.2]), "both treated and control"),
        (lambda: qini_curve([1.0, 2.0], [1, 2], [0.1, 0.2]), "only 0 and 1"),
        (
            lambda: qini_curve([1.0, 2.0], ["treated", "control"], [0.1, 0.2]),
            "'treatment'/'control'",
        ),
        (lambda: qini_curve([1.0, np.nan], [1, 0], [0.1, 0.2]), "missing value"),
        (lambda: qini_auc([1.0, 2.0, 3.0], [1, 0], [0.1, 0.2]), "has 3 values but treatment has 2"),
        (lambda: uplift_at_k([1.0, 2.0], [1, 0], [0.1, 0.2], 0), "between 1 and the number"),
        (
            lambda: two_model_uplift(
                pd.DataFrame({"city": ["a", "b", "c", "d"]}), [1, 2, 3, 4], [1, 1, 0, 0]
            ),
            "non-numeric column",
        ),
        (lambda: two_model_uplift(np.zeros((4, 1)), [1, 2, 3], [1, 1, 0, 0]), "same members"),
        (
            lambda: two_model_uplift(np.zeros((4, 1)), [1, 2, 3, 4], [1, 0, 0, 0]),
            "at least 2 treated",
        ),
    ],
)
def test_uplift_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- stability


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    return np.vstack([centre + rng.normal(0, 0.5, size=(40, 2)) for centre in centres])


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(120, 5))


def test_bootstrap_stability_is_one_for_clear_segments(blobs):
    assert bootstrap_stability(blobs, 3, n_boot=10, seed=0) == 1.0


def test_bootstrap_stability_is_deterministic_and_low_on_noise(noise):
    first = bootstrap_stability(noise, 4, n_boot=10, seed=3)
    assert first == bootstrap_stability(noise, 4, n_boot=10, seed=3)
    assert first < 0.8


def test_mistake_stability_measured_on_the_training_labels(noise):
    """Comparing a fit with itself, or refits on the same rows, looks stable even on noise."""
    model = KMeans(n_clusters=4, n_init=4, random_state=0).fit(noise)
    assert adjusted_rand_score(model.labels_, model.predict(noise)) == 1.0
    refit = KMeans(n_clusters=4, n_init=4, random_state=1).fit_predict(noise)
    same_rows = adjusted_rand_score(model.labels_, refit)
    assert same_rows > bootstrap_stability(noise, 4, n_boot=10, seed=3) + 0.1


def test_stability_table_prefers_the_true_k(blobs):
    table = stability_table(blobs, [2, 3, 4], n_boot=8, seed=0)
    assert table.index.tolist() == [2, 3, 4]
    assert table["median_ari"].idxmax() == 3
    assert (table["q25_ari"] <= table["median_ari"]).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X: bootstrap_stability(X, 1), "k must be a whole number between 2"),
        (lambda X: bootstrap_stability(X, 500), "k must be a whole number between 2"),
        (lambda X: bootstrap_stability(X, 3, n_boot=0), "n_boot must be at least 1"),
        (lambda X: bootstrap_stability(X, 3, seed="x"), "seed must be a whole number"),
        (lambda X: bootstrap_stability(np.where(X > 1, np.nan, X), 3), "missing or infinite"),
        (lambda X: bootstrap_stability(X[:, 0], 3), "2-dimensional"),
        (lambda X: stability_table(X, []), "ks is empty"),
    ],
)
def test_stability_bad_input(blobs, call, message):
    with pytest.raises(ValueError, match=message):
        call(blobs)


def test_segment_stability_finds_the_stable_segment_in_a_noisy_segmentation():
    """Two clear blobs and a cloud of noise cut into three by k-means: the blobs come back
    in every resample, the pieces of the noise do not."""
    rng = np.random.default_rng(0)
    blob_a = rng.normal(0, 0.3, size=(60, 2)) + np.array([20, 0])
    blob_b = rng.normal(0, 0.3, size=(60, 2)) + np.array([0, 20])
    cloud = rng.normal(0, 3.0, size=(180, 2))
    X = np.vstack([blob_a, blob_b, cloud])
    labels = KMeans(n_clusters=5, n_init=10, random_state=0).fit_predict(X)
    jaccard = segment_stability(X, labels, n_boot=12, seed=0)
    assert jaccard.index.tolist() == [0, 1, 2, 3, 4]
    blobs = {labels[0], labels[60]}
    assert all(jaccard[b] > 0.95 for b in blobs)
    assert jaccard.drop(list(blobs)).max() < 0.9
    pd.testing.assert_series_equal(jaccard, segment_stability(X, labels, n_boot=12, seed=0))


def test_segment_stability_names_the_segments_and_refuses_bad_input(blobs):
    names = pd.Series(np.repeat(["c", "a", "b"], 40))
    jaccard = segment_stability(blobs, names, n_boot=5, seed=1)
    assert jaccard.index.tolist() == ["a", "b", "c"]
    assert (jaccard == 1.0).all()
    with pytest.raises(ValueError, match="labels has 3 values but X has 120 rows"):
        segment_stability(blobs, [0, 1, 2])
    with pytest.raises(ValueError, match="between 2 and"):
        segment_stability(blobs, np.zeros(120))
    with pytest.raises(ValueError, match="missing value"):
        segment_stability(blobs, names.where(names != "a"))


# --------------------------------------------------------------------------- migration


@pytest.fixture
def segments_two_periods():
    before = pd.Series(["A", "A", "B", "B", "C"], index=[1, 2, 3, 4, 5])
    after = pd.Series(["A", "B", "B", "C", "A"], index=[1, 2, 3, 4, 6])
    return before, after


def test_migration_matrix_hand_computed(segments_two_periods):
    before, after = segments_two_periods
    counts = migration_matrix(before, after, normalize=False)
    expected = pd.DataFrame(
        [[1, 1, 0], [0, 1, 1], [0, 0, 0]],
        index=pd.Index(["A", "B", "C"], name="before"),
        columns=pd.Index(["A", "B", "C"], name="after"),
        dtype="int64",
    )
    pd.testing.assert_frame_equal(counts, expected)
    shares = migration_matrix(before, after)
    np.testing.assert_allclose(shares.loc["A"], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(shares.loc["B"], [0.0, 0.5, 0.5])
    assert shares.loc["C"].isna().all()  # nobody in C before among the members of both
    assert migration_share(before, after) == 0.5


def test_mistake_migration_normalized_by_column(segments_two_periods):
    before, after = segments_two_periods
    rows = migration_matrix(before, after)
    shared = before.index.intersection(after.index)
    by_column = pd.crosstab(before[shared], after[shared], normalize="columns")
    assert by_column.loc["A", "A"] == 1.0
    assert rows.loc["A", "A"] == 0.5
    np.testing.assert_allclose(rows.dropna().sum(axis=1), 1.0)
    assert not np.allclose(by_column.sum(axis=1), 1.0)


def test_migration_matrix_keeps_categorical_order():
    order = ["Champions", "Loyal", "Lost"]
    before = pd.Series(pd.Categorical(["Lost", "Champions"], categories=order), index=[1, 2])
    after = pd.Series(pd.Categorical(["Loyal", "Lost"], categories=order), index=[1, 2])
    matrix = migration_matrix(before, after)
    assert matrix.index.tolist() == order and matrix.columns.tolist() == order


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b, a: migration_matrix(b.to_dict(), a), "must be a Series"),
        (lambda b, a: migration_matrix(pd.concat([b, b]), a), "lists a member twice"),
        (lambda b, a: migration_matrix(b, a.set_axis([7, 8, 9, 10, 11])), "no member in common"),
        (lambda b, a: migration_matrix(b.where(b != "C"), a), "without a segment"),
        (lambda b, a: migration_matrix(b, a, normalize="rows"), "normalize must be True or False"),
    ],
)
def test_migration_bad_input(segments_two_periods, call, message):
    with pytest.raises(ValueError, match=message):
        call(*segments_two_periods)


# --------------------------------------------------------------------------- KPIs


@pytest.fixture
def kpi_orders() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (1, "2024-01-05 10:00", "completed", 10.0),
            (1, "2024-01-20 10:00", "completed", 20.0),
            (2, "2024-01-25 10:00", "completed", 40.0),
            (1, "2024-02-10 10:00", "completed", 30.0),
            (3, "2024-02-11 10:00", "returned", 100.0),
            (2, "2024-03-03 10:00", "completed", 50.0),
            (3, "2024-03-30 10:00", "completed", 60.0),
            (4, "2024-05-01 10:00", "completed", 5.0),
        ],
        columns=["customer_id", "order_ts", "status", "net_amount"],
    )


def test_kpi_table_by_month_hand_computed(kpi_orders):
    table = kpi_table(kpi_orders)
    assert table.index.name == "month"
    assert table.index.tolist() == list(pd.date_range("2024-01-01", "2024-05-01", freq="MS"))
    np.testing.assert_allclose(table["revenue"], [70, 30, 110, 0, 5])
    assert table["orders"].tolist() == [3, 1, 2, 0, 1]
    assert table["active_members"].tolist() == [2, 1, 2, 0, 1]
    assert table["new_members"].tolist() == [2, 0, 1, 0, 1]
    np.testing.assert_allclose(table["aov"], [70 / 3, 30, 55, np.nan, 5])
    np.testing.assert_allclose(table["repeat_rate"], [0.5, 0, 0, np.nan, 0])
    # Jan {1, 2} -> Feb {1}: 1/2; Feb {1} -> Mar {2, 3}: 0; Mar -> Apr: 0; Apr empty -> NaN.
    np.testing.assert_allclose(table["retention"], [np.nan, 0.5, 0.0, 0.0, np.nan])


def test_kpi_table_per_segment_and_whole_period(kpi_orders):
    segments = pd.Series({1: "x", 2: "y", 3: "y", 4: "x"})
    table = kpi_table(kpi_orders, segments=segments)
    assert table.index.names == ["segment", "month"]
    assert table.loc[("x", pd.Timestamp("2024-02-01")), "retention"] == 1.0
    assert np.isnan(table.loc[("y", pd.Timestamp("2024-03-01")), "retention"])
    assert table.loc[("y", pd.Timestamp("2024-03-01")), "active_members"] == 2
    whole = kpi_table(kpi_orders, by_month=False)
    assert whole.index.tolist() == ["all"]
    row = whole.loc["all"]
    assert row["revenue"] == 215 and row["orders"] == 7 and row["active_members"] == 4
    assert row["repeat_rate"] == 0.5 and row["aov"] == pytest.approx(215 / 7)
    per_segment = kpi_table(kpi_orders, by_month=False, segments=segments)
    assert per_segment.index.tolist() == ["x", "y"]
    assert per_segment["revenue"].sum() == 215


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda o: kpi_table(o.drop(columns="net_amount")), "missing column"),
        (lambda o: kpi_table(o, segments=pd.Series({1: "x"})), "have no segment"),
        (lambda o: kpi_table(o, by_month="yes"), "by_month must be True or False"),
        (lambda o: kpi_table(o.assign(status="cancelled")), "no completed order"),
        (lambda o: kpi_table(o.assign(order_ts="soon")), "unreadable timestamp"),
    ],
)
def test_kpi_bad_input(kpi_orders, call, message):
    with pytest.raises(ValueError, match=message):
        call(kpi_orders)


def test_methods_leave_their_inputs_alone(redemptions, kpi_orders, segments_two_periods):
    kept = redemptions.copy()
    ab_summary(redemptions.assign(segment="a"), "spend_after", by="segment")
    conversion_summary(redemptions, "redeemed")
    qini_curve(redemptions["spend_after"], redemptions["group"], redemptions["spend_after"])
    pd.testing.assert_frame_equal(redemptions, kept)
    kept_orders = kpi_orders.copy()
    kpi_table(kpi_orders)
    pd.testing.assert_frame_equal(kpi_orders, kept_orders)
    before, after = segments_two_periods
    kept_before = before.copy()
    migration_matrix(before, after)
    pd.testing.assert_series_equal(before, kept_before)


def test_the_public_names_and_signatures_of_the_issue():
    """The signatures module 07's issue names, which notebooks and checks rely on."""
    import inspect

    def parameters(function):
        return [
            (p.name, p.default)
            for p in inspect.signature(function).parameters.values()
            if p.kind is not inspect.Parameter.KEYWORD_ONLY
        ]

    empty = inspect.Parameter.empty
    assert parameters(srm_test) == [
        ("n_treatment", empty),
        ("n_control", empty),
        ("planned_share", empty),
    ]
    assert parameters(ab_summary) == [
        ("assignments", empty),
        ("outcome", empty),
        ("by", None),
        ("alpha", 0.05),
    ]
    assert parameters(qini_curve) == [("outcome", empty), ("treatment", empty), ("score", empty)]
    assert parameters(qini_auc) == [("outcome", empty), ("treatment", empty), ("score", empty)]
    assert [name for name, _ in parameters(uplift_at_k)] == ["outcome", "treatment", "score", "k"]
    assert [name for name, _ in parameters(bootstrap_stability)] == ["X", "k", "n_boot", "seed"]
    assert parameters(migration_matrix) == [
        ("before", empty),
        ("after", empty),
        ("normalize", True),
    ]
    table = ab_summary(
        pd.DataFrame({"group": ["treatment", "control"] * 3, "y": [3.0, 1.0, 4.0, 1.0, 5.0, 2.0]}),
        "y",
    )
    assert [col for col in table.columns if col not in {"diff", "significant"}] == [
        "n_treatment",
        "n_control",
        "mean_treatment",
        "mean_control",
        "lift",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
    ]
