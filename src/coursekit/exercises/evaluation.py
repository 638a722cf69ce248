"""Module 07, evaluation (效果评估) and continuous improvement (持续优化): the problems of
``07_evaluation``.

The story: FreshNeighbor's team reads its campaigns the way a statistician would. The
trainee checks the randomization of every campaign (sample-ratio mismatch), measures the
last campaign's lift without selection bias, puts confidence intervals on the lift per
behaviour segment, adjusts many p-values at once, scores uplift with a two-model learner
trained on an earlier campaign and measures it on the last one, checks how stable the
module-05 clusters are, reads segment migration after the campaign, randomizes the next
campaign's holdout, and writes what to change next quarter.

Every reference is computed from the data in use with :mod:`coursekit.methods.evaluation`
(and the segmentations of modules 02, 05 and 06). The shared inputs (the segments at the
campaign's start, the uplift score, the RFM segments) are built once per world by the
functions below, with exactly the steps the notebook's worked examples show.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import (
    FrameSpec,
    Mistake,
    OpenProblem,
    ScalarSpec,
    SeriesSpec,
    ValueProblem,
    ____,
    per_world,
)
from coursekit.methods.common import completed_orders, snapshot_date
from coursekit.methods.evaluation import (
    CONTROL,
    TREATMENT,
    ab_summary,
    assign_groups,
    bootstrap_stability,
    migration_matrix,
    qini_auc,
    srm_test,
    two_model_uplift,
    uplift_at_k,
)

__all__ = ["PROBLEMS", "____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10"]

NOTEBOOK = "07_evaluation"

#: Behaviour segments (module 05): k-means with this k and seed on the prepared features.
SEGMENT_K = 6
SEGMENT_SEED = 0
#: Features of the uplift model, from ``churn_features`` at a campaign's start plus age.
UPLIFT_FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "avg_basket",
    "orders_recent",
    "orders_earlier",
    "spend_recent",
    "spend_earlier",
    "age",
]
#: Share of the members contacted first by uplift score.
TOP_SHARE = 0.3
#: Bootstrap stability: members sampled (for speed), resample pairs, k and seed.
STABILITY_MEMBERS = 1000
STABILITY_BOOT = 10
STABILITY_K = 6
#: The next campaign: members with an order in the last 90 days, half held out, one seed.
ACTIVE_DAYS = 90
NEXT_SHARE = 0.5
NEXT_SEED = 2026


# ---------------------------------------------------------------------------- shared data


def _load(name: str) -> pd.DataFrame:
    from coursekit.engine import world_cached

    return world_cached(("evaluation", "table", name), lambda: course.load(name))


@per_world
def _campaigns() -> pd.DataFrame:
    return _load("campaigns").sort_values("start_date", kind="mergesort").reset_index(drop=True)


@per_world
def _last() -> pd.Series:
    """The last campaign of the data: the whole-base coupon A/B test (50/50)."""
    return _campaigns().iloc[-1]


@per_world
def _first_coupon() -> pd.Series:
    """The first coupon campaign: the uplift model learns from it."""
    campaigns = _campaigns()
    return campaigns[campaigns["type"] == "coupon"].iloc[0]


def _members_of(campaign: pd.Series) -> pd.DataFrame:
    assignments = _load("campaign_assignments")
    return assignments[assignments["campaign_id"] == campaign["campaign_id"]].reset_index(drop=True)


@per_world
def _ab_test() -> pd.DataFrame:
    return _members_of(_last())


@per_world
def _behaviour() -> pd.DataFrame:
    """Prepared behaviour features (module 05) at the start of the last campaign."""
    from coursekit.methods.behavioral import behavior_features, prepare_features

    tables = {name: _load(name) for name in ("orders", "order_items", "products", "web_events")}
    return prepare_features(behavior_features(tables, _last()["start_date"].normalize()))


@per_world
def _segments() -> pd.Series:
    """Behaviour segments at the start of the last campaign (fixed before it)."""
    from coursekit.methods.behavioral import kmeans_labels

    return kmeans_labels(_behaviour(), SEGMENT_K, SEGMENT_SEED).rename("segment")


@per_world
def _typed() -> pd.DataFrame:
    """The A/B test with each member's segment (all had an order before the start)."""
    ab_test = _ab_test()
    typed = ab_test.assign(segment=ab_test["customer_id"].map(_segments()))
    return typed.dropna(subset=["segment"]).astype({"segment": "int64"}).reset_index(drop=True)


# ---------------------------------------------------------------------------- q1 SRM


def _srm(planned: str = "plan") -> pd.Series:
    assignments = _load("campaign_assignments")
    sizes = assignments.groupby(["campaign_id", "group"]).size().unstack(fill_value=0)
    shares = _campaigns().set_index("campaign_id")["treatment_share"]
    values = {
        campaign: srm_test(
            int(sizes.loc[campaign, TREATMENT]),
            int(sizes.loc[campaign, CONTROL]),
            float(shares[campaign]) if planned == "plan" else 0.5,
        )
        for campaign in sizes.index
    }
    series = pd.Series(values, name="p_value", dtype="float64")
    series.index.name = "campaign_id"
    return series


@per_world
def _q1_reference() -> pd.Series:
    return _srm()


q1 = ValueProblem(
    id="evaluation.q1",
    var="srm_p",
    title={"en": "Sample-ratio mismatch per campaign", "zh": "各活动的样本比例失衡检验"},
    reference=lambda: _q1_reference(),
    compare=SeriesSpec(ignore_order=True, rtol=1e-6, atol=1e-9),
    mistakes=[
        Mistake(
            "srm_against_half",
            en=(
                "You tested every campaign against a 50/50 split. Most campaigns planned 70% "
                "in treatment (campaigns['treatment_share']): a 70/30 split tested against "
                "50/50 looks broken when it went exactly to plan."
            ),
            zh=(
                "你把每个活动都按 50/50 拆分来检验。多数活动计划把 70% 的人放进实验组"
                "（campaigns['treatment_share']）：按 50/50 去检验 70/30 的拆分，"
                "明明完全按计划执行，看起来却像出了问题。"
            ),
            produce=lambda expected: _srm(planned="half"),
        ),
    ],
    hints=[
        {
            "en": "Count the members per campaign and group, then compare with each plan.",
            "zh": "先按活动和分组统计人数，再与各活动的计划比例比较。",
        },
        {
            "en": (
                "`srm_test(n_treatment, n_control, planned_share)` for each campaign, with "
                "its own `treatment_share`."
            ),
            "zh": (
                "对每个活动调用 `srm_test(n_treatment, n_control, planned_share)`，"
                "用它自己的 `treatment_share`。"
            ),
        },
    ],
    solution=(
        'sizes = assignments.groupby(["campaign_id", "group"]).size().unstack()\n'
        'planned = campaigns.set_index("campaign_id")["treatment_share"]\n'
        'srm_p = pd.Series({c: srm_test(sizes.loc[c, "treatment"], sizes.loc[c, "control"],\n'
        "                               planned[c]) for c in sizes.index})"
    ),
)


# ---------------------------------------------------------------------------- q2 lift


def _lifts() -> dict[str, float]:
    """The last campaign's relative lift, and what the catalogued mistakes compute."""
    ab_test = _ab_test()
    spend = ab_test["spend_after"].astype("float64")
    treated = (ab_test["group"] == TREATMENT).to_numpy()
    redeemed = ab_test["redeemed"].astype(bool).to_numpy()
    mean_t, mean_c = spend[treated].mean(), spend[~treated].mean()
    redeemers = spend[treated & redeemed].mean()
    return {
        "right": (mean_t - mean_c) / mean_c,
        "redeemers_only": redeemers / mean_c - 1,
        "redeemers_vs_non": redeemers / spend[~redeemed].mean() - 1,
        "treated_vs_non": mean_t / spend[~redeemed].mean() - 1,
        "relative_to_treatment": (mean_t - mean_c) / mean_t,
    }


@per_world
def _q2_values() -> dict[str, float]:
    return _lifts()


def _gap_tolerance(values: dict[str, float], cap: float) -> ScalarSpec:
    """Rounding up to ``cap`` is fine, but never half the way to a catalogued mistake."""
    others = [value for name, value in values.items() if name != "right"]
    gap = min(abs(values["right"] - other) for other in others)
    return ScalarSpec(rtol=0.0, atol=min(cap, 0.45 * gap))


@per_world
def _q2_spec() -> ScalarSpec:
    return _gap_tolerance(_q2_values(), 5e-4)


def _close_to(*names: str):
    def matches(answer: Any, expected: Any) -> bool:
        spec = _q2_spec()
        return any(spec.compare(_q2_values()[name], answer).equal for name in names)

    return matches


q2 = ValueProblem(
    id="evaluation.q2",
    var="lift",
    title={"en": "The coupon's lift on 30-day spend", "zh": "优惠券对 30 天消费的提升"},
    reference=lambda: _q2_values()["right"],
    compare=lambda: _q2_spec(),
    mistakes=[
        Mistake(
            "lift_on_redeemers_only",
            en=(
                "You compared the redeemers with the holdout. Members who redeem are the ones "
                "who were going to shop anyway (you redeem a coupon by buying): that is "
                "selection bias, not the coupon's effect. Compare ALL treated members with ALL "
                "control members, whatever they did."
            ),
            zh=(
                "你拿核销者和对照组比较。会核销的人本来就要购物（核销优惠券就意味着下单）："
                "这是选择偏差，不是优惠券的效果。应比较全部实验组与全部对照组，不论他们做了什么。"
            ),
            produce=lambda expected: _q2_values()["redeemers_only"],
            matches=_close_to("redeemers_only"),
        ),
        Mistake(
            "compared_with_non_redeemers",
            en=(
                "You compared with everyone who did not redeem, a group that mixes the holdout "
                "with the treated members who did not buy. Non-redeemers are the members who "
                "did not shop: the comparison only says that buyers spend more. The holdout "
                "alone is the counterfactual."
            ),
            zh=(
                "你拿所有未核销的人作比较，这一组把对照组和没有购买的实验组成员混在了一起。"
                "未核销的人就是没购物的人：这样的比较只说明买的人花得多。只有对照组才是反事实。"
            ),
            produce=lambda expected: _q2_values()["redeemers_vs_non"],
            matches=_close_to("redeemers_vs_non", "treated_vs_non"),
        ),
        Mistake(
            "lift_relative_to_treatment",
            en=(
                "A percent lift is relative to what would have happened without the campaign: "
                "divide the difference by the CONTROL mean, not by the treatment mean."
            ),
            zh="百分比提升是相对于“没有活动时会发生的情况”：差值应除以对照组均值，而不是实验组均值。",
            produce=lambda expected: _q2_values()["relative_to_treatment"],
            matches=_close_to("relative_to_treatment"),
        ),
    ],
    hints=[
        {
            "en": "Who is the counterfactual of the treated members? Only the randomized holdout.",
            "zh": "实验组的反事实是谁？只有随机留出的对照组。",
        },
        {
            "en": "(mean spend of treatment - mean spend of control) / mean spend of control.",
            "zh": "（实验组平均消费 - 对照组平均消费）/ 对照组平均消费。",
        },
    ],
    solution=(
        'means = ab_test.groupby("group")["spend_after"].mean()\n'
        'lift = (means["treatment"] - means["control"]) / means["control"]'
    ),
)


# ---------------------------------------------------------------------------- q3 intervals


def _intervals(usevar: str = "unequal") -> pd.DataFrame:
    """Difference in mean spend per segment with its 95% interval (Welch or pooled)."""
    from statsmodels.stats.weightstats import CompareMeans

    rows = {}
    for segment, members in _typed().groupby("segment"):
        spend = members["spend_after"].astype("float64")
        treated = spend[members["group"] == TREATMENT].to_numpy()
        control = spend[members["group"] == CONTROL].to_numpy()
        low, high = CompareMeans.from_data(treated, control).tconfint_diff(usevar=usevar)
        rows[segment] = {
            "diff": treated.mean() - control.mean(),
            "ci_low": low,
            "ci_high": high,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "segment"
    return table


@per_world
def _q3_reference() -> pd.DataFrame:
    welch = ab_summary(_typed(), "spend_after", by="segment")
    return welch[["diff", "ci_low", "ci_high"]]


@per_world
def _q3_pooled() -> pd.DataFrame:
    return _intervals(usevar="pooled")


q3 = ValueProblem(
    id="evaluation.q3",
    var="intervals",
    title={"en": "Lift per segment, with 95% intervals", "zh": "各客群的提升及 95% 置信区间"},
    reference=lambda: _q3_reference(),
    compare=FrameSpec(
        key="segment", ignore_row_order=True, allow_extra_columns=True, rtol=1e-6, atol=1e-6
    ),
    mistakes=[
        Mistake(
            "pooled_standard_error",
            en=(
                "Your intervals use the pooled standard error (equal variances). A campaign "
                "moves some members a lot, so the treated spend varies more than the control "
                "spend, and the groups differ in size: the pooled interval is then wrong. Use "
                "Welch's interval: tconfint_diff(usevar='unequal')."
            ),
            zh=(
                "你的区间用了合并标准误（假设方差相等）。活动会大幅改变部分会员的行为，"
                "实验组消费的方差比对照组大，两组人数也不同：这时合并区间是错的。"
                "请用 Welch 区间：tconfint_diff(usevar='unequal')。"
            ),
            produce=lambda expected: _q3_pooled(),
        ),
    ],
    hints=[
        {
            "en": (
                "For each segment: the treated and the control spend as two arrays, then "
                "`CompareMeans.from_data(treated, control)`."
            ),
            "zh": (
                "对每个客群：把实验组和对照组的消费各取为一个数组，"
                "再用 `CompareMeans.from_data(treated, control)`。"
            ),
        },
        {
            "en": (
                "`.tconfint_diff(usevar='unequal')` gives (ci_low, ci_high); or read them from "
                "`ab_summary(typed, 'spend_after', by='segment')`."
            ),
            "zh": (
                "`.tconfint_diff(usevar='unequal')` 给出 (ci_low, ci_high)；"
                "也可以从 `ab_summary(typed, 'spend_after', by='segment')` 中读取。"
            ),
        },
    ],
    solution=(
        "rows = {}\n"
        'for segment, members in typed.groupby("segment"):\n'
        '    treated = members.loc[members["group"] == "treatment", "spend_after"]\n'
        '    control = members.loc[members["group"] == "control", "spend_after"]\n'
        "    low, high = CompareMeans.from_data(treated, control).tconfint_diff(\n"
        '        usevar="unequal")\n'
        '    rows[segment] = {"diff": treated.mean() - control.mean(),\n'
        '                     "ci_low": low, "ci_high": high}\n'
        'intervals = pd.DataFrame.from_dict(rows, orient="index").rename_axis("segment")'
    ),
)


# ---------------------------------------------------------------------------- q4 many tests


@per_world
def _grid() -> pd.DataFrame:
    """Every campaign x shopper type (module 06, as at each campaign's start), one test each."""
    from coursekit.methods.strategy import shopper_type

    tables = {"orders": _load("orders"), "customers": _load("customers")}
    parts = []
    for _, campaign in _campaigns().iterrows():
        types = shopper_type(tables, campaign["start_date"].normalize())
        members = _members_of(campaign)
        parts.append(members.assign(shopper_type=members["customer_id"].map(types).fillna("new")))
    grid = ab_summary(pd.concat(parts), "spend_after", by=["campaign_id", "shopper_type"])
    return grid.dropna(subset=["p_value"])


def _adjusted(method: str) -> pd.Series:
    from statsmodels.stats.multitest import multipletests

    p_values = _grid()["p_value"]
    adjusted = multipletests(p_values.to_numpy(), method=method)[1]
    return pd.Series(adjusted, index=p_values.index, name="p_adjusted")


@per_world
def _q4_reference() -> pd.Series:
    return _adjusted("fdr_bh")


q4 = ValueProblem(
    id="evaluation.q4",
    var="p_adjusted",
    title={"en": "Many tests: Benjamini-Hochberg", "zh": "多重检验：Benjamini-Hochberg 校正"},
    reference=lambda: _q4_reference(),
    compare=SeriesSpec(ignore_order=True, rtol=1e-6, atol=1e-9),
    mistakes=[
        Mistake(
            "p_values_not_adjusted",
            en=(
                "These are the raw p-values. With dozens of tests, about one in twenty is "
                "below 0.05 by chance alone: adjust them across all the tests with "
                "multipletests(p, method='fdr_bh')."
            ),
            zh=(
                "这是未校正的 p 值。几十个检验中，仅凭偶然就会有约二十分之一低于 0.05："
                "请用 multipletests(p, method='fdr_bh') 对全部检验一起校正。"
            ),
            produce=lambda expected: _grid()["p_value"].rename("p_adjusted"),
        ),
        Mistake(
            "bonferroni_instead_of_bh",
            en=(
                "That is the Bonferroni correction (p x number of tests). It is valid but "
                "controls the chance of ANY false positive and finds less; the question asks "
                "for Benjamini-Hochberg (method='fdr_bh'), which controls the share of false "
                "discoveries."
            ),
            zh=(
                "这是 Bonferroni 校正（p × 检验个数）。它有效，但控制的是出现任何一个假阳性的概率，"
                "发现得更少；本题要求 Benjamini-Hochberg（method='fdr_bh'），"
                "它控制的是假发现的比例。"
            ),
            produce=lambda expected: _adjusted("bonferroni"),
        ),
    ],
    hints=[
        {
            "en": "All the tests of the table are corrected together, not campaign by campaign.",
            "zh": "表中的全部检验要一起校正，而不是逐个活动分别校正。",
        },
        {
            "en": "`multipletests(tests['p_value'], method='fdr_bh')[1]`, indexed like `tests`.",
            "zh": "`multipletests(tests['p_value'], method='fdr_bh')[1]`，索引与 `tests` 相同。",
        },
    ],
    solution=(
        'p_adjusted = pd.Series(multipletests(tests["p_value"], method="fdr_bh")[1],\n'
        "                       index=tests.index)"
    ),
)


# ---------------------------------------------------------------------------- uplift


def _uplift_rows(campaign: pd.Series) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Features at the campaign's start, 30-day spend and group of its members."""
    from coursekit.methods.strategy import churn_features

    features = churn_features({"orders": _load("orders")}, campaign["start_date"].normalize())
    ages = _load("customers").drop_duplicates("customer_id").set_index("customer_id")["age"]
    features["age"] = ages.reindex(features.index).astype("float64")
    members = _members_of(campaign).set_index("customer_id")
    members = members[members.index.isin(features.index)]
    return (
        features.loc[members.index, UPLIFT_FEATURES],
        members["spend_after"].astype("float64"),
        members["group"],
    )


def uplift_model():
    """The uplift model of the lesson: small boosted trees, one per group (T-learner)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_depth=2, learning_rate=0.05, max_iter=100, random_state=0
    )


@per_world
def _uplift() -> dict[str, Any]:
    X_train, y_train, group_train = _uplift_rows(_first_coupon())
    X_test, y_test, group_test = _uplift_rows(_last())
    estimator = uplift_model()
    return {
        "y_train": y_train,
        "group_train": group_train,
        "train_score": two_model_uplift(X_train, y_train, group_train, estimator=estimator),
        "y_test": y_test,
        "group_test": group_test,
        "score": two_model_uplift(X_train, y_train, group_train, X_test, estimator=estimator),
    }


def _qini(which: str = "right") -> float:
    data = _uplift()
    if which == "train":
        return qini_auc(data["y_train"], data["group_train"], data["train_score"])
    sign = -1.0 if which == "ascending" else 1.0
    return qini_auc(data["y_test"], data["group_test"], sign * data["score"])


@per_world
def _q5_values() -> dict[str, float]:
    return {name: _qini(name) for name in ("right", "ascending", "train")}


@per_world
def _q5_spec() -> ScalarSpec:
    return _gap_tolerance(_q5_values(), 0.005)


def _q5_matches(name: str):
    def matches(answer: Any, expected: Any) -> bool:
        return _q5_spec().compare(_q5_values()[name], answer).equal

    return matches


q5 = ValueProblem(
    id="evaluation.q5",
    var="qini",
    title={"en": "The Qini of the uplift score", "zh": "增量评分的 Qini 值"},
    reference=lambda: _q5_values()["right"],
    compare=lambda: _q5_spec(),
    mistakes=[
        Mistake(
            "qini_sorted_ascending",
            en=(
                "Your curve starts with the LOWEST uplift scores: that is the worst targeting, "
                "not the model's. The Qini curve contacts the highest scores first (sort "
                "descending), which qini_auc(outcome, treatment, score) does."
            ),
            zh=(
                "你的曲线从增量评分最低的人开始：这是最差的选人方式，而不是模型的选法。"
                "Qini 曲线应先触达评分最高的人（降序排序），"
                "qini_auc(outcome, treatment, score) 就是这样做的。"
            ),
            produce=lambda expected: _q5_values()["ascending"],
            matches=_q5_matches("ascending"),
        ),
        Mistake(
            "qini_on_training_campaign",
            en=(
                "That Qini is measured on the campaign the models learned from. Measure it on "
                "the held-out campaign (the last one): that is where the score has to prove it "
                "finds the members the coupon moves."
            ),
            zh=(
                "这个 Qini 是在模型学习用的活动上算的。请在留出的活动（最后一个活动）上衡量："
                "评分要在那里证明它能找到被优惠券打动的会员。"
            ),
            produce=lambda expected: _q5_values()["train"],
            matches=_q5_matches("train"),
        ),
    ],
    hints=[
        {
            "en": "The held-out campaign's outcome, its groups and the score of its members.",
            "zh": "用留出活动的结果、分组和其会员的评分。",
        },
        {
            "en": "`qini_auc(y_test, group_test, score)`",
            "zh": "`qini_auc(y_test, group_test, score)`",
        },
    ],
    solution="qini = qini_auc(y_test, group_test, score)",
)


def _top_uplift(which: str = "right") -> float:
    data = _uplift()
    y, group, score = data["y_test"], data["group_test"], data["score"]
    if which == "right":
        return uplift_at_k(y, group, score, TOP_SHARE)
    treated = (group == TREATMENT).to_numpy()
    cut = score.quantile(1 - TOP_SHARE)
    top_treated = y.to_numpy()[treated & (score >= cut).to_numpy()]
    return float(top_treated.mean() - y.to_numpy()[~treated].mean())


@per_world
def _q6_values() -> dict[str, float]:
    return {"right": _top_uplift(), "all_control": _top_uplift("all_control")}


@per_world
def _q6_spec() -> ScalarSpec:
    return _gap_tolerance(_q6_values(), 0.5)


q6 = ValueProblem(
    id="evaluation.q6",
    var="uplift_top",
    title={"en": "Uplift in the top 30%", "zh": "评分前 30% 会员的增量"},
    reference=lambda: _q6_values()["right"],
    compare=lambda: _q6_spec(),
    mistakes=[
        Mistake(
            "top_treated_vs_all_control",
            en=(
                "You compared the treated members of the top 30% with the WHOLE control "
                "group. The members the score puts on top spend more anyway; compare them "
                "with the control members of the same top 30%."
            ),
            zh=(
                "你拿前 30% 中的实验组会员与整个对照组比较。评分靠前的会员本来就消费更多；"
                "应与同样位于前 30% 的对照组会员比较。"
            ),
            produce=lambda expected: _q6_values()["all_control"],
            matches=lambda answer, expected: (
                _q6_spec().compare(_q6_values()["all_control"], answer).equal
            ),
        ),
    ],
    hints=[
        {
            "en": "Treated minus control mean spend, both among the top 30% by score.",
            "zh": "实验组与对照组的平均消费之差，两者都只取评分前 30% 的会员。",
        },
        {
            "en": "`uplift_at_k(y_test, group_test, score, 0.3)`",
            "zh": "`uplift_at_k(y_test, group_test, score, 0.3)`",
        },
    ],
    solution="uplift_top = uplift_at_k(y_test, group_test, score, 0.3)",
)


# ---------------------------------------------------------------------------- q7 stability


@per_world
def _stability_sample() -> np.ndarray:
    """A random sample of the prepared behaviour features (seed 0), in member order."""
    X = _behaviour()
    rng = np.random.default_rng(0)
    size = min(STABILITY_MEMBERS, len(X))
    rows = np.sort(rng.choice(len(X), size=size, replace=False))
    return X.iloc[rows].to_numpy()


@per_world
def _q7_values() -> dict[str, float]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from threadpoolctl import threadpool_limits

    sample = _stability_sample()
    with threadpool_limits(limits=1):
        first = KMeans(n_clusters=STABILITY_K, n_init=4, random_state=0).fit(sample)
        again = KMeans(n_clusters=STABILITY_K, n_init=4, random_state=1).fit_predict(sample)
    return {
        "right": bootstrap_stability(sample, STABILITY_K, n_boot=STABILITY_BOOT, seed=0),
        "refit_same_rows": float(adjusted_rand_score(first.labels_, again)),
        "training_labels": float(adjusted_rand_score(first.labels_, first.predict(sample))),
    }


@per_world
def _q7_spec() -> ScalarSpec:
    return _gap_tolerance(_q7_values(), 0.005)


q7 = ValueProblem(
    id="evaluation.q7",
    var="stability",
    title={"en": "How stable are the segments?", "zh": "客群划分有多稳定？"},
    reference=lambda: _q7_values()["right"],
    compare=lambda: _q7_spec(),
    mistakes=[
        Mistake(
            "stability_on_training_labels",
            en=(
                "You compared the clustering with itself on the same members (its training "
                "labels, or a refit on the same rows). That only measures the random start "
                "and looks stable even on noise. Resample the members: "
                "bootstrap_stability(X, k, n_boot, seed)."
            ),
            zh=(
                "你在同一批会员上把聚类与它自己比较（训练标签，或在相同数据上重新拟合）。"
                "这只衡量了随机初始化，即使是纯噪声也会显得很稳定。请对会员重抽样："
                "bootstrap_stability(X, k, n_boot, seed)。"
            ),
            produce=lambda expected: _q7_values()["refit_same_rows"],
            matches=lambda answer, expected: any(
                _q7_spec().compare(_q7_values()[name], answer).equal
                for name in ("refit_same_rows", "training_labels")
            ),
        ),
    ],
    hints=[
        {
            "en": "Stability asks: would other members like these give the same segments?",
            "zh": "稳定性要问的是：换一批类似的会员，还会得到同样的客群吗？",
        },
        {
            "en": "`bootstrap_stability(sample, 6, n_boot=10, seed=0)`",
            "zh": "`bootstrap_stability(sample, 6, n_boot=10, seed=0)`",
        },
    ],
    solution="stability = bootstrap_stability(sample, 6, n_boot=10, seed=0)",
)


# ---------------------------------------------------------------------------- q8 migration


def rfm_segment_at(done: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Each member's RFM segment (module 02) from the completed orders before ``day``."""
    from coursekit.methods.rfm import rfm_scores, rfm_segments, rfm_table

    before = done[done["order_ts"] < day]
    return rfm_segments(rfm_scores(rfm_table(before, day)))["segment"]


@per_world
def _rfm_periods() -> tuple[pd.Series, pd.Series]:
    done = completed_orders(_load("orders"))
    start = _last()["start_date"].normalize()
    return rfm_segment_at(done, start), rfm_segment_at(done, snapshot_date(_load("orders")))


def _by_column() -> pd.DataFrame:
    before, after = _rfm_periods()
    shared = before.index.intersection(after.index)
    table = pd.crosstab(before[shared], after[shared], normalize="columns")
    table.index.name, table.columns.name = "before", "after"
    return table


@per_world
def _q8_reference() -> pd.DataFrame:
    return migration_matrix(*_rfm_periods())


q8 = ValueProblem(
    id="evaluation.q8",
    var="moves",
    title={"en": "Where did the members go?", "zh": "会员都流向了哪里？"},
    reference=lambda: _q8_reference(),
    compare=FrameSpec(ignore_row_order=True, check_index=True, rtol=1e-6, atol=1e-9),
    mistakes=[
        Mistake(
            "migration_normalized_by_column",
            en=(
                "Your shares add up to 1 down each COLUMN: they say where the members of an "
                "'after' segment came from. A migration matrix is read by row: of the members "
                "in a segment before, which share went where (normalize='index', or "
                "migration_matrix(before, after))."
            ),
            zh=(
                "你的占比是按列加总为 1：它说明的是“之后”某个客群的会员从哪里来。"
                "迁移矩阵应按行读：之前在某客群的会员，各有多少比例去了哪里"
                "（normalize='index'，或 migration_matrix(before, after)）。"
            ),
            produce=lambda expected: _by_column(),
        ),
    ],
    hints=[
        {
            "en": "Rows: the segment at the campaign's start; columns: the segment at the end.",
            "zh": "行：活动开始时的客群；列：期末的客群。",
        },
        {
            "en": "`migration_matrix(before, after)`: each row sums to 1.",
            "zh": "`migration_matrix(before, after)`：每一行加总为 1。",
        },
    ],
    solution="moves = migration_matrix(before, after)",
)


# ---------------------------------------------------------------------------- q9 next holdout


@per_world
def _next_members() -> pd.Series:
    """Members with a completed order in the last 90 days, with their RFM segment now."""
    done = completed_orders(_load("orders"))
    end = snapshot_date(_load("orders"))
    recent = done[done["order_ts"] >= end - pd.Timedelta(days=ACTIVE_DAYS)]
    _, now = _rfm_periods()
    active = now.reindex(sorted(recent["customer_id"].unique()))
    return active.astype(str)


@per_world
def _q9_reference() -> pd.Series:
    active = _next_members()
    return assign_groups(active.index, NEXT_SHARE, NEXT_SEED, segments=active)


def _seeded_per_segment() -> pd.Series:
    active = _next_members()
    parts = [
        assign_groups(active.index[(active == segment).to_numpy()], NEXT_SHARE, NEXT_SEED)
        for segment in sorted(active.unique())
    ]
    return pd.concat(parts).reindex(active.index)


q9 = ValueProblem(
    id="evaluation.q9",
    var="next_groups",
    title={"en": "The next campaign's holdout", "zh": "下一次活动的对照组"},
    reference=lambda: _q9_reference(),
    # The group of each member matters, not the counts: compare by customer_id.
    compare=SeriesSpec(ignore_order=True, check_index=True),
    mistakes=[
        Mistake(
            "seed_per_segment",
            en=(
                "You set the random seed again for every segment. Segments of the same size "
                "then get the same pattern: the same positions (say, the longest-standing "
                "members of each segment) land in the holdout every time. Seed once and let "
                "one generator draw for all segments: assign_groups(..., segments=...)."
            ),
            zh=(
                "你在每个客群里都重新设定了随机种子。这样，人数相同的客群会得到相同的分组模式："
                "每个客群里相同位置的会员（比如最早注册的）总是进入对照组。"
                "只设定一次种子，让同一个随机数生成器为所有客群抽签："
                "assign_groups(..., segments=...)。"
            ),
            produce=lambda expected: _seeded_per_segment(),
        ),
        Mistake(
            "not_stratified",
            en=(
                "The draw is not stratified by segment, so a small segment can end up with "
                "far more or fewer than half in treatment. Pass segments=active."
            ),
            zh="抽签没有按客群分层，小客群的实验组比例可能远离一半。请传入 segments=active。",
            produce=lambda expected: assign_groups(_next_members().index, NEXT_SHARE, NEXT_SEED),
        ),
    ],
    hints=[
        {
            "en": "One call, one seed, stratified: every segment gets its half.",
            "zh": "一次调用、一个种子、分层抽样：每个客群各得一半。",
        },
        {
            "en": "`assign_groups(active.index, 0.5, seed=2026, segments=active)`",
            "zh": "`assign_groups(active.index, 0.5, seed=2026, segments=active)`",
        },
    ],
    solution="next_groups = assign_groups(active.index, 0.5, seed=2026, segments=active)",
)


# ---------------------------------------------------------------------------- q10 memo

q10 = OpenProblem(
    id="evaluation.q10",
    var="next_quarter",
    title={
        "en": "Continuous improvement: next quarter (持续优化)",
        "zh": "持续优化：下个季度怎么做",
    },
    rubric=[
        {
            "en": "Says which segment the coupon hurt, with its interval after adjustment, and "
            "what that segment gets instead.",
            "zh": "指出优惠券伤害了哪个客群（给出校正后的区间或 p 值），以及改为给这个客群什么。",
        },
        {
            "en": "Uses the uplift score (not value or risk) to choose whom to contact, checked "
            "in the simulator.",
            "zh": "用增量评分（而不是价值或风险）选择触达对象，并经过模拟器检验。",
        },
        {
            "en": "Changes the segmentation where it is unstable (k, features) and keeps what "
            "is stable.",
            "zh": "在不稳定之处调整客群划分（k 值、特征），保留稳定的部分。",
        },
        {
            "en": "Names the KPIs to watch monthly and keeps a randomized holdout in every "
            "campaign.",
            "zh": "列出每月要看的 KPI，并在每次活动中保留随机对照组。",
        },
    ],
    model_answer={
        "en": (
            "Next quarter we stop sending the whole-base coupon. The behaviour segment of "
            "frequent app users lost spend with it (the only segment significant after "
            "Benjamini-Hochberg); they get double points or a new-product tasting, tested "
            "with a holdout. Coupons go to the top 30% by the two-model uplift score, which "
            "earned money in the simulator where the whole base lost it. The six behaviour "
            "segments are not stable (median ARI about 0.5): we report three broad segments "
            "to the business, stable above 0.8, and keep the finer ones for targeting only. "
            "Every campaign keeps a random holdout drawn with one seed and stratified by "
            "segment, passes the SRM check before anyone reads it, and the dashboard tracks "
            "revenue, active members, retention, repeat rate and order value per segment "
            "each month."
        ),
        "zh": (
            "下个季度停发全员优惠券。高频使用 APP 的行为客群收到优惠券后消费反而下降"
            "（经 Benjamini-Hochberg 校正后唯一显著的客群）；"
            "改为给他们积分加倍或新品试吃，并保留对照组检验。"
            "优惠券只发给双模型增量评分前 30% 的会员："
            "在模拟器里，这个方案赚钱，而发给全体会员是亏钱的。"
            "六个行为客群并不稳定（ARI 中位数约 0.5）："
            "对业务部门只汇报稳定性高于 0.8 的三个大客群，"
            "更细的客群只用于精准触达。每次活动都用一个种子、按客群分层抽取随机对照组，"
            "先通过样本比例检验再看结果；看板每月按客群跟踪收入、活跃会员、留存率、复购率和客单价。"
        ),
    },
    min_words=60,
    hints=[
        {
            "en": "Go through the notebook's sections: each ends with one decision.",
            "zh": "逐节回顾本笔记本：每一节都对应一个决定。",
        },
        {
            "en": "What would you stop, what would you start, and how would you know it worked?",
            "zh": "你会停止什么、开始什么？又如何知道它有效？",
        },
    ],
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10]
