"""Evaluation (效果评估), the reference methods of module 07.

A campaign is read the way a statistician would ask for. The conventions below are the
ones the exercises and checks use.

**Randomized campaigns.** ``campaign_assignments`` has one row per member and campaign,
``group`` is ``"treatment"`` or ``"control"`` (the holdout, 对照组). The comparison is
always *all treated* vs *all control* members, whatever they did: comparing redeemers
with anyone (the control group, or all non-redeemers) measures who chooses to redeem, not
what the campaign did (selection bias). Segments must be fixed *before* the campaign.
:func:`srm_test` checks the group sizes against the planned split (a sample-ratio
mismatch means the randomization or the logging broke: do not read the result);
:func:`balance_table` compares pre-period behaviour (e.g. ``strategy.churn_features`` at the
campaign start) by group in standardized mean differences. :func:`assign_groups` draws a
stratified holdout from *one* random generator for all segments: re-seeding per segment
gives equally sized segments the same pattern, so the same positions are held out every
time.

**Lift with uncertainty (:func:`ab_summary`, :func:`conversion_summary`).** ``diff`` is
``mean_treatment - mean_control`` and ``lift`` is relative to the control
(``diff / mean_control``; +20% means the treated spent 1.2 times what they would have).
``ci_low`` and ``ci_high`` bound ``diff`` (in outcome units) at level ``1 - alpha``:
Welch's interval for means (unequal variances; a pooled standard error is wrong when the
groups' variances differ, as they do when a campaign moves some members a lot), Newcombe's
interval for conversion rates. ``p_adjusted`` corrects the p-values across the rows of one
table (Benjamini-Hochberg by default, which controls the false discovery rate; Bonferroni
controls the chance of any false positive and is stricter). A segment of 40 members with
+30% usually has an interval that spans zero.

**Qini curve (:func:`qini_curve`, :func:`qini_auc`).** Members are sorted by uplift score,
highest first (ascending order draws the curve of the worst targeting). For the top ``n``
members, with ``Y_T``, ``N_T`` the summed outcome and count of treated members among them
and ``Y_C``, ``N_C`` the same for control members::

    incremental(n) = Y_T(n) - Y_C(n) * N_T(n) / N_C(n)      (control term 0 while N_C = 0)

is the estimated incremental outcome of the treated members in the top ``n``. The curve
is normalized by the number of treated members overall, ``qini(n) = incremental(n) /
N_T(all)``, and plotted against ``share = n / N``: it starts at 0, ends at the average
treatment effect (``mean_T - mean_C``), and ``qini`` at a share is about "share x uplift of
that top share", the gain per member of the whole base when only the top share is
contacted. Random targeting is the straight line ``share * ATE``. :func:`qini_auc` is the
area between the curve and that line (trapezoids over ``share``), in outcome units per
member: 0 for a useless score, positive for a useful one. Works for any numeric outcome
(spend, not only conversion). Members with tied scores enter together: the curve has one
point per distinct score. :func:`uplift_at_k` is the treated minus control mean outcome in
the top k (ties at the cut share it, as in ``strategy.precision_at_k``).

**Stability (:func:`bootstrap_stability`).** Two bootstrap resamples, k-means on each, and
the adjusted Rand index of the two labelings on the points both resamples contain; the
median over ``n_boot`` pairs. All draws come from one ``numpy.random.SeedSequence(seed)``.
Refitting on the same data (the training labels) measures only the initialisation and
looks stable even on noise. :func:`segment_stability` asks the same per segment
(Hennig's cluster-wise bootstrap: the mean best Jaccard index of each segment with the
clusters of a resample), so a stable segment can be found inside an unstable
segmentation.

**Migration (:func:`migration_matrix`).** Rows are the segment before, columns the
segment after, over the members present in both; normalized by row, a row is "where the
members of this segment went" and sums to 1 (by column it would be "where the members of
this segment came from").

**KPIs (:func:`kpi_table`).** Per month (and segment): ``revenue`` (completed net amount),
``orders``, ``active_members`` (members with a completed order), ``new_members`` (first
completed order ever), ``aov`` (average order value, revenue / orders), ``repeat_rate``
(复购率: share of active members with 2+ orders in the month) and ``retention`` (share of
last month's active members active again this month).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from coursekit.methods.common import COMPLETED
from coursekit.methods.strategy import (
    _aligned,
    _binary,
    _numeric,
    _positive_int,
    _require_frame,
    _scores,
    _sort_key,
    _timestamps,
    _top_k_weights,
)

__all__ = [
    "CONTROL",
    "TREATMENT",
    "ab_summary",
    "assign_groups",
    "balance_table",
    "bootstrap_stability",
    "conversion_summary",
    "kpi_table",
    "migration_matrix",
    "migration_share",
    "qini_auc",
    "qini_curve",
    "segment_stability",
    "srm_test",
    "stability_table",
    "two_model_uplift",
    "uplift_at_k",
]

TREATMENT = "treatment"
CONTROL = "control"
_ADJUSTMENTS = ("fdr_bh", "bonferroni", "holm")


def _share(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be a number between 0 and 1, got {value!r}")
    if not (math.isfinite(value) and 0 < value < 1):
        raise ValueError(f"{what} must be strictly between 0 and 1, got {value}")
    return float(value)


# --------------------------------------------------------------------------- design checks


def srm_test(n_treatment: int, n_control: int, planned_share: float) -> float:
    """Sample-ratio mismatch: p-value of the group sizes under the planned split.

    A chi-square goodness-of-fit test with one degree of freedom. A tiny p-value (say
    below 0.001) means the split is not what was planned: find out why before reading
    the result.

    Args:
        n_treatment: members in the treatment group.
        n_control: members in the control group.
        planned_share: the planned share of the treatment group (e.g. 0.5 or 0.7).
    """
    from scipy.stats import chi2

    counts = []
    for value, what in ((n_treatment, "n_treatment"), (n_control, "n_control")):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"{what} must be a whole number of members, got {value!r}")
        if value < 0:
            raise ValueError(f"{what} must be >= 0, got {value}")
        counts.append(int(value))
    share = _share(planned_share, "planned_share")
    total = sum(counts)
    if total == 0:
        raise ValueError("no members in either group")
    expected = (total * share, total * (1 - share))
    statistic = sum(
        (seen - hoped) ** 2 / hoped for seen, hoped in zip(counts, expected, strict=True)
    )
    return float(chi2.sf(statistic, df=1))


def _groups(frame: pd.DataFrame, group_col: str) -> pd.Series:
    _require_frame(frame, (group_col,), "assignments")
    groups = frame[group_col]
    if groups.isna().any():
        raise ValueError(
            f"assignments column {group_col!r} has {int(groups.isna().sum())} missing value(s)"
        )
    unknown = sorted(set(groups.astype(str)) - {TREATMENT, CONTROL})
    if unknown:
        raise ValueError(
            f"assignments column {group_col!r} must hold 'treatment' or 'control', found {unknown}"
        )
    return groups.astype(str)


def balance_table(
    data: pd.DataFrame, columns: Sequence[str] | None = None, *, group_col: str = "group"
) -> pd.DataFrame:
    """Pre-period behaviour by group, as standardized mean differences (SMD).

    Args:
        data: one row per member with the group column and numeric pre-period columns,
            e.g. ``churn_features(tables, campaign_start)`` joined with the assignments.
        columns: the columns to compare; default every numeric column.
        group_col: the column with "treatment" / "control".

    Returns:
        One row per column: ``mean_treatment``, ``mean_control``, ``smd`` ((mean_T -
        mean_C) / sqrt((var_T + var_C) / 2), sample variances) and ``imbalanced``
        (``|smd| > 0.1``, the usual rule of thumb).
    """
    groups = _groups(data, group_col)
    if columns is None:
        columns = [
            col
            for col in data.columns
            if col != group_col
            and pd.api.types.is_numeric_dtype(data[col])
            and not pd.api.types.is_bool_dtype(data[col])
        ]
    _require_frame(data, columns, "data")
    if not columns:
        raise ValueError("data has no numeric pre-period column to compare")
    treated = (groups == TREATMENT).to_numpy()
    if treated.sum() < 2 or (~treated).sum() < 2:
        raise ValueError("each group needs at least 2 members to compare variances")
    rows = {}
    for col in columns:
        values = _numeric(data[col], f"data column {col!r}").to_numpy()
        mean_t, mean_c = values[treated].mean(), values[~treated].mean()
        spread = math.sqrt((values[treated].var(ddof=1) + values[~treated].var(ddof=1)) / 2)
        smd = (mean_t - mean_c) / spread if spread > 0 else (0.0 if mean_t == mean_c else np.nan)
        rows[col] = {"mean_treatment": mean_t, "mean_control": mean_c, "smd": smd}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["imbalanced"] = table["smd"].abs() > 0.1
    table.index.name = "column"
    return table


def assign_groups(
    members: Iterable,
    treatment_share: float,
    seed: int,
    *,
    segments: pd.Series | None = None,
) -> pd.Series:
    """Randomize members into treatment and control, stratified by segment, one seed.

    Within each segment (in sorted order) the members are shuffled by the *same*
    generator and the first ``round(share * n)`` are treated, so every segment gets its
    planned share and no two segments share a pattern.

    Args:
        members: member ids (unique).
        treatment_share: planned share of the treatment group, strictly between 0 and 1.
        seed: one seed for the whole assignment.
        segments: optional segment per member (a Series indexed by member id).

    Returns:
        Series ``group`` ("treatment" / "control") indexed by member, in input order.
    """
    ids = pd.Index(list(members))
    if len(ids) == 0:
        raise ValueError("members is empty")
    if not ids.is_unique:
        raise ValueError("members lists someone twice")
    share = _share(treatment_share, "treatment_share")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if segments is None:
        strata = pd.Series("all", index=ids)
    else:
        if not isinstance(segments, pd.Series):
            raise ValueError("segments must be a Series indexed by member id")
        missing = ids.difference(segments.index)
        if len(missing):
            raise ValueError(f"{len(missing)} member(s) have no segment, e.g. {list(missing[:3])}")
        strata = segments[~segments.index.duplicated()].reindex(ids)
        if strata.isna().any():
            raise ValueError(f"{int(strata.isna().sum())} member(s) have a missing segment")
    rng = np.random.default_rng(seed)
    groups = pd.Series(CONTROL, index=ids, name="group", dtype=object)
    for stratum in sorted(strata.unique(), key=_sort_key):
        inside = ids[(strata == stratum).to_numpy()]
        shuffled = inside[rng.permutation(len(inside))]
        groups[shuffled[: round(share * len(inside))]] = TREATMENT
    return groups


# --------------------------------------------------------------------------- lift


def _segment_keys(frame: pd.DataFrame, by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by)
    _require_frame(frame, keys, "assignments")
    for key in keys:
        if frame[key].isna().any():
            raise ValueError(
                f"assignments column {key!r} has {int(frame[key].isna().sum())} member(s) "
                "without a segment; give them one (e.g. 'unknown') or drop them"
            )
    return keys


def _check_alpha(alpha: Any) -> float:
    return _share(alpha, "alpha")


def _adjust(p_values: pd.Series, alpha: float, method: str) -> pd.Series:
    from statsmodels.stats.multitest import multipletests

    adjusted = pd.Series(np.nan, index=p_values.index)
    valid = p_values.notna()
    if valid.any():
        adjusted[valid] = multipletests(p_values[valid].to_numpy(), alpha=alpha, method=method)[1]
    return adjusted


def _summarise(
    assignments: pd.DataFrame,
    outcome: str,
    by: str | Sequence[str] | None,
    alpha: float,
    adjust: str,
    group_col: str,
    row_stats,
    binary: bool,
) -> pd.DataFrame:
    alpha = _check_alpha(alpha)
    if adjust not in _ADJUSTMENTS:
        raise ValueError(f"adjust must be one of {list(_ADJUSTMENTS)}, got {adjust!r}")
    groups = _groups(assignments, group_col)
    if not isinstance(outcome, str):
        raise ValueError(f"outcome must be the name of a column of assignments, got {outcome!r}")
    _require_frame(assignments, (outcome,), "assignments")
    values = (
        pd.Series(_binary(assignments[outcome], f"assignments column {outcome!r}"))
        if binary
        else _numeric(assignments[outcome], f"assignments column {outcome!r}").reset_index(
            drop=True
        )
    )
    if len(values) == 0:
        raise ValueError("assignments is empty")
    keys = _segment_keys(assignments, by)
    work = pd.DataFrame({"_treated": (groups == TREATMENT).to_numpy(), "_y": values.to_numpy()})
    for key in keys:
        work[key] = assignments[key].to_numpy()
    if keys:
        pieces = work.groupby(keys if len(keys) > 1 else keys[0], sort=True, observed=True)
    else:
        pieces = [("all", work)]
    rows, labels = [], []
    for label, piece in pieces:
        treated = piece["_y"].to_numpy()[piece["_treated"].to_numpy()]
        control = piece["_y"].to_numpy()[~piece["_treated"].to_numpy()]
        rows.append(row_stats(treated, control, alpha))
        labels.append(label)
    if len(keys) > 1:
        index = pd.MultiIndex.from_tuples(labels, names=keys)
    else:
        index = pd.Index(labels, name=keys[0] if keys else "segment")
    table = pd.DataFrame(rows, index=index)
    table["p_adjusted"] = _adjust(table["p_value"], alpha, adjust)
    table["significant"] = table["p_adjusted"] < alpha
    return table


def _mean_row(treated: np.ndarray, control: np.ndarray, alpha: float) -> dict:
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    row = _means(treated, control)
    defined = (
        len(treated) >= 2
        and len(control) >= 2
        and (treated.var(ddof=1) > 0 or control.var(ddof=1) > 0)
    )
    low = high = p_value = np.nan
    if defined:
        compare = CompareMeans(DescrStatsW(treated), DescrStatsW(control))
        low, high = compare.tconfint_diff(alpha=alpha, usevar="unequal")
        p_value = compare.ttest_ind(usevar="unequal")[1]
    row.update(ci_low=float(low), ci_high=float(high), p_value=float(p_value))
    return row


def _means(treated: np.ndarray, control: np.ndarray) -> dict:
    mean_t = float(treated.mean()) if len(treated) else np.nan
    mean_c = float(control.mean()) if len(control) else np.nan
    diff = mean_t - mean_c
    return {
        "n_treatment": len(treated),
        "n_control": len(control),
        "mean_treatment": mean_t,
        "mean_control": mean_c,
        "diff": diff,
        "lift": diff / mean_c if mean_c else np.nan,
    }


def ab_summary(
    assignments: pd.DataFrame,
    outcome: str,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    *,
    adjust: str = "fdr_bh",
    group_col: str = "group",
) -> pd.DataFrame:
    """Treatment vs control on a numeric outcome, overall or per segment, with Welch CIs.

    Args:
        assignments: one row per member with ``group_col`` ("treatment" / "control"), the
            outcome column and the segment column(s) (fixed before the campaign).
        outcome: the outcome column, e.g. ``"spend_after"``.
        by: segment column(s); None for one row ``"all"``.
        alpha: 1 - confidence level of the intervals; also the threshold of
            ``significant``.
        adjust: multiple-testing correction across rows: ``"fdr_bh"`` (Benjamini-Hochberg),
            ``"bonferroni"`` or ``"holm"``.
        group_col: the group column.

    Returns:
        One row per segment: ``n_treatment``, ``n_control``, ``mean_treatment``,
        ``mean_control``, ``diff``, ``lift`` (diff / mean_control), ``ci_low``,
        ``ci_high`` (Welch interval of ``diff``), ``p_value`` (Welch t-test),
        ``p_adjusted``, ``significant`` (p_adjusted < alpha). A group with fewer than 2
        members, or no variation at all, gives NaN interval and p-value.
    """
    return _summarise(assignments, outcome, by, alpha, adjust, group_col, _mean_row, False)


def _rate_row(treated: np.ndarray, control: np.ndarray, alpha: float) -> dict:
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    counts = (int(treated.sum()), len(treated), int(control.sum()), len(control))
    means = _means(treated, control)
    row = {
        "n_treatment": means.pop("n_treatment"),
        "n_control": means.pop("n_control"),
        "conversions_treatment": counts[0],
        "conversions_control": counts[2],
        **means,
    }
    total = counts[0] + counts[2]
    low = high = p_value = np.nan
    # Both are undefined when nobody (or everybody) converted in both groups.
    if len(treated) and len(control) and 0 < total < len(treated) + len(control):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = confint_proportions_2indep(*counts, method="newcomb", alpha=alpha)
            p_value = test_proportions_2indep(*counts, method="score").pvalue
    row.update(ci_low=float(low), ci_high=float(high), p_value=float(p_value))
    return row


def conversion_summary(
    assignments: pd.DataFrame,
    outcome: str,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    *,
    adjust: str = "fdr_bh",
    group_col: str = "group",
) -> pd.DataFrame:
    """Treatment vs control on a 0/1 outcome (conversion, redemption), per segment.

    As :func:`ab_summary`, with ``conversions_treatment`` and ``conversions_control``
    added; the means are conversion rates, the interval of ``diff`` and the p-value are
    Newcombe's hybrid score interval (closed form, sound for small counts) and the score
    test of statsmodels.
    """
    return _summarise(assignments, outcome, by, alpha, adjust, group_col, _rate_row, True)


# --------------------------------------------------------------------------- uplift


def _treatment_flags(values: Any, what: str = "treatment") -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.astype(str)
        unknown = sorted(set(text) - {TREATMENT, CONTROL})
        if unknown:
            raise ValueError(
                f"{what} must be 0/1, True/False or 'treatment'/'control', got {unknown}"
            )
        return pd.Series((text == TREATMENT).to_numpy(dtype="float64"), index=series.index)
    return pd.Series(_binary(series, what), index=series.index)


def _uplift_inputs(outcome: Any, treatment: Any, score: Any):
    """Outcome, 0/1 treatment and score as arrays; three Series are matched by member."""
    flags = _treatment_flags(treatment)
    if not isinstance(treatment, pd.Series):
        flags = flags.to_numpy()
    outcome_s, flags_s = _aligned(outcome, flags, ("outcome", "treatment"))
    if isinstance(outcome, pd.Series) != isinstance(score, pd.Series):
        score = np.asarray(score)  # positional, like the other two
        outcome_s = outcome_s.reset_index(drop=True)
        flags_s = flags_s.reset_index(drop=True)
    outcome_s, score_s = _aligned(outcome_s, score, ("outcome", "score"))
    flags_s = flags_s.reindex(outcome_s.index)
    y = _numeric(outcome_s, "outcome").to_numpy()
    if not np.isfinite(y).all():
        raise ValueError("outcome has infinite value(s)")
    t = flags_s.to_numpy(dtype="float64")
    if t.sum() == 0 or t.sum() == len(t):
        raise ValueError("uplift needs both treated and control members")
    return y, t, _scores(score_s, "score")


def qini_curve(outcome: Any, treatment: Any, score: Any) -> pd.DataFrame:
    """The Qini curve of an uplift score, for any numeric outcome (see the module notes).

    Args:
        outcome: outcome per member (spend, or 0/1 conversion).
        treatment: 1/True/"treatment" for treated members, 0/False/"control" otherwise.
        score: predicted uplift; higher = contact first.

    Returns:
        One row per distinct score (highest first) after a starting row of zeros:
        ``n`` (members targeted), ``share`` (n / N), ``n_treatment``, ``n_control``,
        ``sum_treatment``, ``sum_control`` (summed outcomes), ``incremental``,
        ``qini`` (incremental / treated members overall) and ``random``
        (share x average treatment effect).
    """
    y, t, s = _uplift_inputs(outcome, treatment, score)
    order = np.argsort(-s, kind="mergesort")
    y, t, s = y[order], t[order], s[order]
    # The curve is read after each group of tied scores, so row order never matters.
    ends = np.append(np.flatnonzero(np.diff(s) != 0), len(s) - 1)
    n_treatment = np.cumsum(t)[ends]
    n_control = np.cumsum(1 - t)[ends]
    sum_treatment = np.cumsum(y * t)[ends]
    sum_control = np.cumsum(y * (1 - t))[ends]
    ratio = np.divide(n_treatment, n_control, out=np.zeros_like(n_treatment), where=n_control > 0)
    incremental = sum_treatment - sum_control * ratio
    n = ends + 1
    treated_total = t.sum()
    ate = y[t == 1].mean() - y[t == 0].mean()
    curve = pd.DataFrame(
        {
            "n": np.append(0, n).astype("int64"),
            "share": np.append(0.0, n / len(s)),
            "n_treatment": np.append(0, n_treatment).astype("int64"),
            "n_control": np.append(0, n_control).astype("int64"),
            "sum_treatment": np.append(0.0, sum_treatment),
            "sum_control": np.append(0.0, sum_control),
            "incremental": np.append(0.0, incremental),
        }
    )
    curve["qini"] = curve["incremental"] / treated_total
    curve["random"] = curve["share"] * ate
    return curve


def qini_auc(outcome: Any, treatment: Any, score: Any) -> float:
    """Area between the Qini curve and random targeting, in outcome units per member.

    ``trapezoid(qini - random, share)`` over :func:`qini_curve`: 0 for a score no better
    than random, positive when the score puts the members the contact moves first.
    """
    curve = qini_curve(outcome, treatment, score)
    gain = (curve["qini"] - curve["random"]).to_numpy()
    return float(np.trapezoid(gain, curve["share"].to_numpy()))


def uplift_at_k(outcome: Any, treatment: Any, score: Any, k: int | float) -> float:
    """Mean outcome of treated minus control members among the top k by uplift score.

    Args:
        outcome, treatment, score: as for :func:`qini_curve`.
        k: a number of members (int) or a share (float in (0, 1], e.g. 0.3 for the top 30%).
            Members tied at the cut count with equal fractions.
    """
    y, t, s = _uplift_inputs(outcome, treatment, score)
    weights = _top_k_weights(s, k)
    treated_weight = (weights * t).sum()
    control_weight = (weights * (1 - t)).sum()
    if treated_weight == 0 or control_weight == 0:
        raise ValueError(
            "the top k has no treated or no control member: uplift is undefined; choose a larger k"
        )
    return float(
        (weights * t * y).sum() / treated_weight - (weights * (1 - t) * y).sum() / control_weight
    )


def two_model_uplift(
    X: Any,
    outcome: Any,
    treatment: Any,
    X_new: Any = None,
    *,
    estimator: Any = None,
    seed: int = 0,
) -> pd.Series:
    """Two-model (T-learner) uplift: a model for the treated, one for the control group.

    uplift(x) = mu_treatment(x) - mu_control(x), each fitted (a clone of ``estimator``) on
    its own group. Score a *held-out* campaign or the next one, not the training rows.

    Args:
        X: features per member (DataFrame or 2-d array), numeric.
        outcome: outcome per member (spend, or 0/1).
        treatment: as for :func:`qini_curve`.
        X_new: the members to score; default ``X``.
        estimator: a scikit-learn regressor (default ``HistGradientBoostingRegressor``),
            or a classifier with ``predict_proba`` for a 0/1 outcome.
        seed: ``random_state`` of the default estimator.

    Returns:
        Series ``uplift`` indexed like ``X_new`` (a DataFrame's index, else 0..n-1).
    """
    from sklearn.base import clone, is_classifier
    from sklearn.ensemble import HistGradientBoostingRegressor

    features = _feature_matrix(X, "X")
    flags = _treatment_flags(treatment).to_numpy()
    outcome = outcome if isinstance(outcome, pd.Series) else pd.Series(np.asarray(outcome))
    y = _numeric(outcome, "outcome").to_numpy()
    if not (len(features) == len(flags) == len(y)):
        raise ValueError(
            f"X has {len(features)} rows, outcome {len(y)} and treatment {len(flags)}: "
            "they must describe the same members"
        )
    for group, name in ((1.0, "treated"), (0.0, "control")):
        if (flags == group).sum() < 2:
            raise ValueError(f"two-model uplift needs at least 2 {name} members")
    scoring = features if X_new is None else _feature_matrix(X_new, "X_new")
    if scoring.shape[1] != features.shape[1]:
        raise ValueError(f"X_new has {scoring.shape[1]} columns but X has {features.shape[1]}")
    base = HistGradientBoostingRegressor(random_state=seed) if estimator is None else estimator
    predictions = []
    with _one_thread():
        for group in (1.0, 0.0):
            model = clone(base).fit(features[flags == group], y[flags == group])
            if is_classifier(model):
                predictions.append(model.predict_proba(scoring)[:, 1])
            else:
                predictions.append(model.predict(scoring))
    source = X if X_new is None else X_new
    index = source.index if isinstance(source, pd.DataFrame) else pd.RangeIndex(len(scoring))
    return pd.Series(predictions[0] - predictions[1], index=index, name="uplift")


def _one_thread():
    """Run native thread pools (OpenMP, BLAS) on one thread.

    Course data are small and workshop machines are shared: k-means and histogram
    gradient boosting on a few thousand members run many times faster on one thread than
    fighting other users for the cores, and the results no longer depend on the number
    of cores.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _feature_matrix(X: Any, what: str) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        bad = [col for col in X.columns if not pd.api.types.is_numeric_dtype(X[col])]
        if bad:
            raise ValueError(f"{what} has non-numeric column(s) {bad}; encode or drop them")
    try:
        matrix = np.asarray(X, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numeric features, one row per member") from exc
    if matrix.ndim != 2:
        raise ValueError(f"{what} must be 2-dimensional (members x features), got {matrix.shape}")
    if len(matrix) == 0:
        raise ValueError(f"{what} has no rows")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{what} has missing or infinite values; fill or drop them first")
    return matrix


# --------------------------------------------------------------------------- stability


def _bootstrap_aris(X: Any, k: int, n_boot: int, seed: int, n_init: int) -> np.ndarray:
    points = _feature_matrix(X, "X")
    n = len(points)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 2 <= k < n:
        raise ValueError(f"k must be a whole number between 2 and {n - 1} (members - 1), got {k!r}")
    n_boot = _positive_int(n_boot, "n_boot")
    n_init = _positive_int(n_init, "n_init")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    scores = np.empty(n_boot)
    with _one_thread():
        for b, child in enumerate(np.random.SeedSequence(int(seed)).spawn(n_boot)):
            scores[b] = _bootstrap_pair(points, int(k), n_init, child)
    return scores


def _bootstrap_pair(
    points: np.ndarray, k: int, n_init: int, child: np.random.SeedSequence
) -> float:
    """ARI of k-means on two bootstrap resamples, on the points both resamples contain."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    n = len(points)
    rng = np.random.default_rng(child)
    labelings, drawn_sets = [], []
    for _ in range(2):
        drawn = rng.integers(0, n, size=n)
        model = KMeans(n_clusters=k, n_init=n_init, random_state=int(rng.integers(2**31 - 1)))
        labels = np.full(n, -1)
        # A point drawn twice has one position, hence one label.
        labels[drawn] = model.fit_predict(points[drawn])
        labelings.append(labels)
        drawn_sets.append(drawn)
    shared = np.intersect1d(drawn_sets[0], drawn_sets[1])
    return float(adjusted_rand_score(labelings[0][shared], labelings[1][shared]))


def bootstrap_stability(X: Any, k: int, n_boot: int = 20, seed: int = 0, *, n_init: int = 4):
    """Median adjusted Rand index of k-means on pairs of bootstrap resamples.

    For each of ``n_boot`` replicates, two resamples (with replacement) of the members are
    clustered with k-means, and the two labelings are compared on the members both
    resamples contain. 1 = the same segments every time; near 0 = no better than chance.

    Args:
        X: the (already scaled) features the segmentation uses, one row per member.
        k: number of clusters.
        n_boot: number of resample pairs.
        seed: one seed; every resample and k-means start comes from its SeedSequence.
        n_init: k-means restarts per fit.

    Returns:
        The median ARI (float).
    """
    return float(np.median(_bootstrap_aris(X, k, n_boot, seed, n_init)))


def stability_table(
    X: Any, ks: Iterable[int], n_boot: int = 20, seed: int = 0, *, n_init: int = 4
) -> pd.DataFrame:
    """:func:`bootstrap_stability` for several k: median and quartiles of the ARI.

    Every k sees the same resamples (the same seed), so differences between rows come
    from k, not from resampling noise.

    Returns:
        Index ``k``; columns ``median_ari``, ``q25_ari``, ``q75_ari``.
    """
    rows = {}
    for k in ks:
        scores = _bootstrap_aris(X, k, n_boot, seed, n_init)
        rows[int(k)] = {
            "median_ari": float(np.median(scores)),
            "q25_ari": float(np.quantile(scores, 0.25)),
            "q75_ari": float(np.quantile(scores, 0.75)),
        }
    if not rows:
        raise ValueError("ks is empty: give at least one number of clusters")
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "k"
    return table


def segment_stability(
    X: Any, labels: Any, n_boot: int = 20, seed: int = 0, *, n_init: int = 4
) -> pd.Series:
    """How stable each segment of a clustering is: its mean best Jaccard over bootstraps.

    Hennig's cluster-wise bootstrap: for each of ``n_boot`` resamples (with replacement)
    of the members, k-means with as many clusters as ``labels`` has is fitted on the
    resample; each segment, restricted to the members drawn, is compared with every
    cluster of the resample by the Jaccard index (shared members / members in either) and
    the best match counts. The mean over the resamples is the segment's stability: above
    0.75 it comes back, 0.5-0.75 it partly does, below 0.5 it dissolves.

    Args:
        X: the (already scaled) features, one row per member, in the order of ``labels``.
        labels: the segment of each member (e.g. ``kmeans_labels(X, k, seed)``).
        n_boot: number of resamples.
        seed: one seed; every resample and k-means start comes from its SeedSequence.
        n_init: k-means restarts per fit.

    Returns:
        Series ``jaccard`` indexed by segment (sorted).
    """
    from sklearn.cluster import KMeans

    points = _feature_matrix(X, "X")
    segment_of = pd.Series(
        np.asarray(labels, dtype=object)
        if not isinstance(labels, pd.Series)
        else labels.to_numpy(dtype=object)
    )
    if len(segment_of) != len(points):
        raise ValueError(f"labels has {len(segment_of)} values but X has {len(points)} rows")
    if segment_of.isna().any():
        raise ValueError(f"labels has {int(segment_of.isna().sum())} missing value(s)")
    segments = sorted(segment_of.unique(), key=_sort_key)
    k = len(segments)
    if not 2 <= k < len(points):
        raise ValueError(f"labels must name between 2 and {len(points) - 1} segments, got {k}")
    n_boot = _positive_int(n_boot, "n_boot")
    n_init = _positive_int(n_init, "n_init")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    codes = segment_of.map({segment: i for i, segment in enumerate(segments)}).to_numpy(int)
    n = len(points)
    scores = np.full((n_boot, k), np.nan)
    with _one_thread():
        for b, child in enumerate(np.random.SeedSequence(int(seed)).spawn(n_boot)):
            rng = np.random.default_rng(child)
            drawn = rng.integers(0, n, size=n)
            model = KMeans(n_clusters=k, n_init=n_init, random_state=int(rng.integers(2**31 - 1)))
            fitted = model.fit_predict(points[drawn])
            # A member drawn twice is one member: keep the label of its first draw.
            members, first = np.unique(drawn, return_index=True)
            found, given = fitted[first], codes[members]
            for segment in range(k):
                inside = given == segment
                if not inside.any():
                    continue  # no member of this segment was drawn
                overlap = [
                    (inside & (found == c)).sum() / (inside | (found == c)).sum() for c in range(k)
                ]
                scores[b, segment] = max(overlap)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a segment never drawn: NaN
        mean = np.nanmean(scores, axis=0)
    return pd.Series(mean, index=pd.Index(segments, name="segment"), name="jaccard")


# --------------------------------------------------------------------------- migration


def _segment_pairs(before: Any, after: Any) -> tuple[pd.Series, pd.Series]:
    for value, what in ((before, "before"), (after, "after")):
        if not isinstance(value, pd.Series):
            raise ValueError(f"{what} must be a Series of segments indexed by member id")
        if not value.index.is_unique:
            raise ValueError(f"{what} lists a member twice")
        if value.isna().any():
            raise ValueError(f"{what} has {int(value.isna().sum())} member(s) without a segment")
    shared = before.index.intersection(after.index)
    if len(shared) == 0:
        raise ValueError("before and after have no member in common")
    return before.reindex(shared), after.reindex(shared)


def _category_order(before: pd.Series, after: pd.Series) -> list:
    order: list = []
    for series in (before, after):
        if isinstance(series.dtype, pd.CategoricalDtype):
            order += [cat for cat in series.cat.categories if cat not in order]
    seen = set(before) | set(after)
    order = [cat for cat in order if cat in seen]
    return order + sorted(seen - set(order), key=_sort_key)


def migration_matrix(before: pd.Series, after: pd.Series, normalize: bool = True) -> pd.DataFrame:
    """Segment transitions between two periods (rows: before, columns: after).

    Args:
        before: segment per member in the first period (indexed by member id).
        after: segment per member in the second period.
        normalize: True: shares per row (each row sums to 1: where the members of a
            segment went); False: member counts.

    Returns:
        A square table over the segments seen in either period (categorical order when
        the segments are categorical, else sorted), index ``before``, columns ``after``,
        from the members present in both. A segment nobody was in before has a row of
        NaN when normalized.
    """
    if not isinstance(normalize, bool):
        raise ValueError(f"normalize must be True or False, got {normalize!r}")
    first, second = _segment_pairs(before, after)
    order = _category_order(before, after)
    counts = (
        pd.crosstab(first.to_numpy(dtype=object), second.to_numpy(dtype=object))
        .reindex(index=order, columns=order, fill_value=0)
        .astype("int64")
    )
    counts.index.name, counts.columns.name = "before", "after"
    if not normalize:
        return counts
    totals = counts.sum(axis=1).replace(0, np.nan)
    return counts.div(totals, axis=0)


def migration_share(before: pd.Series, after: pd.Series) -> float:
    """Share of the members present in both periods whose segment changed."""
    first, second = _segment_pairs(before, after)
    return float((first.to_numpy(dtype=object) != second.to_numpy(dtype=object)).mean())


# --------------------------------------------------------------------------- KPIs


def kpi_table(
    orders: pd.DataFrame, by_month: bool = True, segments: pd.Series | None = None
) -> pd.DataFrame:
    """The KPI dashboard table: revenue, members, retention, repeat rate, order value.

    Args:
        orders: the orders table (customer_id, order_ts, net_amount; with ``status``,
            only completed orders count).
        by_month: one row per calendar month (every month from the first to the last,
            empty ones included); False: one row for the whole period.
        segments: optional segment per member (Series indexed by customer_id); every
            member with an order needs one. Rows then per segment (and month).

    Returns:
        Columns ``revenue``, ``orders``, ``active_members``, ``new_members``, ``aov``,
        ``repeat_rate`` and ``retention`` (NaN for the first month and without months).
        Index: ``month`` (month start), ``segment``, both, or ``["all"]``.
    """
    if not isinstance(by_month, bool):
        raise ValueError(f"by_month must be True or False, got {by_month!r}")
    _require_frame(orders, ("customer_id", "order_ts", "net_amount"), "orders")
    done = orders[orders["status"] == COMPLETED] if "status" in orders.columns else orders
    if done.empty:
        raise ValueError("orders has no completed order")
    stamps = _timestamps(done["order_ts"], "orders column 'order_ts'")
    if done["customer_id"].isna().any():
        raise ValueError("orders column 'customer_id' has missing values")
    work = pd.DataFrame(
        {
            "member": done["customer_id"].to_numpy(),
            "month": stamps.dt.to_period("M").dt.to_timestamp().to_numpy(),
            "amount": _numeric(done["net_amount"], "orders column 'net_amount'").to_numpy(),
        }
    )
    first_month = work.groupby("member")["month"].transform("min")
    work["is_first"] = work["month"] == first_month
    if segments is not None:
        if not isinstance(segments, pd.Series) or not segments.index.is_unique:
            raise ValueError("segments must be a Series with one segment per customer_id")
        work["segment"] = segments.reindex(work["member"]).to_numpy()
        if work["segment"].isna().any():
            missing = work.loc[work["segment"].isna(), "member"].unique()
            raise ValueError(
                f"{len(missing)} member(s) with orders have no segment (e.g. {list(missing[:3])}); "
                "give every member a segment"
            )
    else:
        work["segment"] = "all"
    if not by_month:
        work["month"] = pd.NaT
    keys = ["segment", "month"]
    per_member = work.groupby([*keys, "member"], dropna=False).agg(
        orders=("amount", "size"), revenue=("amount", "sum"), new=("is_first", "any")
    )
    per_member["repeat"] = per_member["orders"] >= 2
    grouped = per_member.groupby(level=keys, dropna=False)
    table = pd.DataFrame(
        {
            "revenue": grouped["revenue"].sum(),
            "orders": grouped["orders"].sum().astype("int64"),
            "active_members": grouped.size().astype("int64"),
            "new_members": grouped["new"].sum().astype("int64"),
            "repeat_members": grouped["repeat"].sum().astype("int64"),
        }
    )
    if by_month:
        table = _fill_months(table)
        table["retention"] = _retention(per_member, table)
    else:
        table["retention"] = np.nan
    table["aov"] = table["revenue"] / table["orders"].replace(0, np.nan)
    table["repeat_rate"] = table["repeat_members"] / table["active_members"].replace(0, np.nan)
    table = table[
        ["revenue", "orders", "active_members", "new_members", "aov", "repeat_rate", "retention"]
    ]
    if segments is None:
        table = table.droplevel("segment")
    if not by_month:
        table = table.droplevel("month") if segments is not None else table.reset_index(drop=True)
        if segments is None:
            table.index = pd.Index(["all"], name="segment")
    return table


def _fill_months(table: pd.DataFrame) -> pd.DataFrame:
    months = table.index.get_level_values("month")
    every = pd.date_range(months.min(), months.max(), freq="MS")
    segments = sorted(table.index.get_level_values("segment").unique(), key=_sort_key)
    full = pd.MultiIndex.from_product([segments, every], names=["segment", "month"])
    return table.reindex(full, fill_value=0)


def _retention(per_member: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    active = per_member.reset_index()[["segment", "month", "member"]]
    earlier = active.assign(month=active["month"] + pd.offsets.MonthBegin(1))
    kept = active.merge(earlier, on=["segment", "month", "member"], how="inner")
    retained = kept.groupby(["segment", "month"]).size().reindex(table.index, fill_value=0)
    previous = table["active_members"].groupby(level="segment").shift(1)
    return (retained / previous.replace(0, np.nan)).astype("float64")
