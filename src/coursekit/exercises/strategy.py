"""Module 06, strategy design (制定策略): the problems of ``06_strategy``.

The story: FreshNeighbor's team turns segments into decisions. The trainee sizes up the
shopper types (STP), builds churn early-warning features on a time split, chooses how to
test the model and reads it by AUC, turns an uplift estimate into expected profit and a
contact list within a money budget, costs a past coupon, measures a discovery
recommendation on a later period, reads a simulated campaign per segment, and writes a
private-domain community plan.

Every reference is computed from the data in use with :mod:`coursekit.methods.strategy`
(and :mod:`coursekit.methods.evaluation` for the A/B lifts). The shared inputs (cutoffs,
the churn model, the targeting table) are built once per world by the functions below,
with exactly the steps the notebook's worked examples show, so a trainee's answer is
compared with what the notebook computed in their own world.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import (
    ChoiceProblem,
    FrameSpec,
    Mistake,
    OpenProblem,
    ScalarSpec,
    SeriesSpec,
    SetSpec,
    ValueProblem,
    ____,
    per_world,
)
from coursekit.engine.recognize import column_by_key, column_is
from coursekit.methods.common import completed_orders, snapshot_date
from coursekit.methods.strategy import (
    budget_plan,
    churn_features,
    gross_margin_rate,
    hit_rate,
    purchase_history,
    recommend,
    shopper_type,
    time_cutoffs,
    time_split,
)

__all__ = ["PROBLEMS", "____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10"]

NOTEBOOK = "06_strategy"

#: The churn label: no completed order in the 180 days from the cutoff.
HORIZON_DAYS = 180
#: The warning is for members who bought in the 60 days before the cutoff.
ACTIVE_DAYS = 60
#: Recent and earlier windows of the churn features.
WINDOW_DAYS = 90
#: The features of the churn model (recency and recent vs earlier frequency and spend).
FEATURES = ["recency_days", "orders_recent", "orders_earlier", "spend_recent", "spend_earlier"]
#: STP growth: spend in the last 180 days against the 180 days before.
GROWTH_DAYS = 180
#: Channels that reach a member in the private domain (WeCom groups, the mini-program).
PRIVATE_DOMAIN = ("mini_program", "group_buy")
#: The January budget for contacts: 0.20 yuan per member of the base.
BUDGET_PER_MEMBER = 0.2
#: Recommendations per member, and the days of the later period they are tested on.
TOP_K = 5
RECOMMEND_DAYS = 90


# ---------------------------------------------------------------------------- shared data


@per_world
def _orders() -> pd.DataFrame:
    return course.load("orders")


@per_world
def _customers() -> pd.DataFrame:
    return course.load("customers")


def _tables(*extra: str) -> dict[str, pd.DataFrame]:
    """Orders and customers, plus the ``extra`` tables (each read once per world)."""
    tables = {"orders": _orders(), "customers": _customers()}
    for name in extra:
        tables[name] = _table(name)
    return tables


def _table(name: str) -> pd.DataFrame:
    from coursekit.engine import world_cached

    return world_cached(("strategy", "table", name), lambda: course.load(name))


@per_world
def _orders_only() -> dict[str, pd.DataFrame]:
    return {"orders": _orders()}


@per_world
def _completed() -> pd.DataFrame:
    return completed_orders(_orders())


@per_world
def _end() -> pd.Timestamp:
    return snapshot_date(_orders())


@per_world
def _cutoffs() -> tuple[pd.Timestamp, pd.Timestamp]:
    return time_cutoffs(_orders(), HORIZON_DAYS)


@per_world
def _private_domain() -> pd.Series:
    """Per member with a completed order: has one in the mini-program or a group buy."""
    done = _completed()
    return done["channel"].isin(PRIVATE_DOMAIN).groupby(done["customer_id"]).any()


# ---------------------------------------------------------------------------- q1 STP


def _attractiveness(
    value: str = "revenue", growth: str = "ratio", reach: str = "members"
) -> pd.DataFrame:
    """Size, value, growth and reach per shopper type (the arguments make the mistakes)."""
    tables = _tables()
    done = _completed()
    types = shopper_type(tables, _end())
    trend = churn_features(_orders_only(), _end(), window_days=GROWTH_DAYS)
    members = pd.DataFrame(
        {
            "shopper_type": types,
            "monetary": trend["monetary"],
            "spend_recent": trend["spend_recent"],
            "spend_earlier": trend["spend_earlier"],
            "private_domain": _private_domain().reindex(types.index),
        }
    )
    by_type = members.groupby("shopper_type")
    table = pd.DataFrame({"members": by_type.size()})
    if value == "revenue":
        table["revenue_share"] = by_type["monetary"].sum() / members["monetary"].sum()
    else:
        table["revenue_share"] = table["members"] / table["members"].sum()
    recent, earlier = by_type["spend_recent"].sum(), by_type["spend_earlier"].sum()
    table["growth"] = recent / earlier - 1 if growth == "ratio" else recent - earlier
    if reach == "members":
        table["reach"] = by_type["private_domain"].mean()
    else:
        lines = done.assign(shopper_type=done["customer_id"].map(types))
        table["reach"] = lines["channel"].isin(PRIVATE_DOMAIN).groupby(lines["shopper_type"]).mean()
    return table


@per_world
def _q1_reference() -> pd.DataFrame:
    return _attractiveness()


def _q1_mistaken(**mistake: str) -> pd.DataFrame:
    """The table with one mistake, computed once per world (every wrong answer tries all)."""
    from coursekit.engine import world_cached

    key = ("strategy", "q1", *sorted(mistake.items()))
    return world_cached(key, lambda: _attractiveness(**mistake))


def _q1_column(column: str, **mistake: str):
    def matches(answer: Any, expected: pd.DataFrame) -> bool:
        wrong = _q1_mistaken(**mistake)[column]
        return column_is(answer, column, wrong, key="shopper_type")

    return matches


q1 = ValueProblem(
    id="strategy.q1",
    var="attractiveness",
    title={"en": "How attractive is each shopper type?", "zh": "各类购物者的吸引力"},
    reference=lambda: _q1_reference(),
    compare=FrameSpec(key="shopper_type", ignore_row_order=True, atol=1e-6),
    mistakes=[
        Mistake(
            "member_share_as_value",
            en=(
                "revenue_share is the share of the MONEY (the sum of monetary), not of the "
                "members: a segment of few big spenders is worth more than its head count."
            ),
            zh=(
                "revenue_share 是收入（monetary 之和）的占比，而不是人数占比："
                "人数不多但消费很高的客群，价值远超其人数。"
            ),
            produce=lambda expected: _q1_mistaken(value="members").copy(),
            matches=_q1_column("revenue_share", value="members"),
        ),
        Mistake(
            "growth_in_yuan",
            en=(
                "growth is a rate: spend_recent / spend_earlier - 1 (0.1 = 10% more). A "
                "difference in yuan makes big segments look fast-growing just for being big."
            ),
            zh=(
                "growth 是增长率：spend_recent / spend_earlier - 1（0.1 表示增长 10%）。"
                "用金额差值会让大客群仅仅因为规模大而显得增长快。"
            ),
            produce=lambda expected: _q1_mistaken(growth="yuan").copy(),
            matches=_q1_column("growth", growth="yuan"),
        ),
        Mistake(
            "reach_counted_in_orders",
            en=(
                "reach is the share of MEMBERS we can reach in the private domain (anyone "
                "with a mini-program or group-buy order), not the share of their orders: a "
                "member with one group-buy order is in the group."
            ),
            zh=(
                "reach 是私域可触达的会员占比（有过小程序或社群团购订单的会员），"
                "而不是订单占比：只要有一笔团购订单，这位会员就在群里。"
            ),
            produce=lambda expected: _q1_mistaken(reach="orders").copy(),
            matches=_q1_column("reach", reach="orders"),
        ),
    ],
    hints=[
        {
            "en": (
                "Group `members` by `shopper_type`: `members = size()`, then sums of "
                "`monetary`, `spend_recent`, `spend_earlier` and the mean of `private_domain`."
            ),
            "zh": (
                "按 `shopper_type` 对 `members` 分组：`members` 用 `size()`，"
                "再对 `monetary`、`spend_recent`、`spend_earlier` 求和，"
                "对 `private_domain` 求均值。"
            ),
        },
        {
            "en": (
                "`revenue_share = monetary sum / members['monetary'].sum()`; "
                "`growth = spend_recent sum / spend_earlier sum - 1`; `reach` = mean of a "
                "True/False column."
            ),
            "zh": (
                "`revenue_share = monetary 之和 / members['monetary'].sum()`；"
                "`growth = spend_recent 之和 / spend_earlier 之和 - 1`；"
                "`reach` 是布尔列的均值。"
            ),
        },
    ],
    solution=(
        'by_type = members.groupby("shopper_type")\n'
        "attractiveness = pd.DataFrame({\n"
        '    "members": by_type.size(),\n'
        '    "revenue_share": by_type["monetary"].sum() / members["monetary"].sum(),\n'
        '    "growth": by_type["spend_recent"].sum() / by_type["spend_earlier"].sum() - 1,\n'
        '    "reach": by_type["private_domain"].mean(),\n'
        "})"
    ),
)


# ---------------------------------------------------------------------------- q2 features


def _features_by_hand(orders: pd.DataFrame, cutoff: pd.Timestamp, *, leak: bool) -> pd.DataFrame:
    """The five churn features as a trainee writes them; ``leak`` forgets the cutoff."""
    done = completed_orders(orders)
    before = done if leak else done[done["order_ts"] < cutoff]
    window = pd.Timedelta(days=WINDOW_DAYS)
    recent = before[before["order_ts"] >= cutoff - window]
    earlier = before[
        (before["order_ts"] >= cutoff - 2 * window) & (before["order_ts"] < cutoff - window)
    ]
    per_member = before.groupby("customer_id")
    return pd.DataFrame(
        {
            "recency_days": (cutoff - per_member["order_ts"].max().dt.normalize()).dt.days,
            "orders_recent": recent.groupby("customer_id").size(),
            "orders_earlier": earlier.groupby("customer_id").size(),
            "spend_recent": recent.groupby("customer_id")["net_amount"].sum(),
            "spend_earlier": earlier.groupby("customer_id")["net_amount"].sum(),
        }
    ).fillna(0)


@per_world
def _q2_reference() -> pd.DataFrame:
    _, test_cutoff = _cutoffs()
    return churn_features(_orders_only(), test_cutoff, window_days=WINDOW_DAYS)[FEATURES]


def _recency_after_cutoff(answer: Any, expected: pd.DataFrame) -> bool:
    """Recency of 0 days or less: the last order counted is on or after the cutoff."""
    recency = column_by_key(answer, "recency_days")
    if recency is None:
        return False
    values = pd.to_numeric(recency, errors="coerce")
    return bool(values.notna().any() and (values <= 0).any())


q2 = ValueProblem(
    id="strategy.q2",
    var="features",
    title={
        "en": "Churn warning features at the cutoff",
        "zh": "截止日的流失预警特征",
    },
    reference=lambda: _q2_reference(),
    compare=FrameSpec(key="customer_id", ignore_row_order=True, atol=1e-6),
    mistakes=[
        Mistake(
            "features_from_whole_period",
            en=(
                "Orders after the cutoff leaked into the features (some recency is 0 days or "
                "less, and the recent window runs past the cutoff). A member who bought in "
                "the label window then looks active: the model learns the answer instead of "
                "the warning signs. Keep only orders with order_ts < cutoff first."
            ),
            zh=(
                "截止日之后的订单混进了特征（有的最近一次消费为 0 天或负数，"
                "近期窗口也越过了截止日）。在标签窗口内下过单的会员因此显得活跃："
                "模型学到的是答案，而不是预警信号。请先只保留 order_ts < 截止日的订单。"
            ),
            produce=lambda expected: _features_by_hand(_orders(), _cutoffs()[1], leak=True),
            matches=_recency_after_cutoff,
        ),
        Mistake(
            "statuses_kept",
            en=(
                "Returned and cancelled orders are counted as purchases. Start from the "
                "completed orders: a cancelled order is no sign of loyalty."
            ),
            zh="退货和取消的订单被当成了购买。请从已完成订单开始：取消的订单并不代表忠诚。",
            produce=lambda expected: _features_by_hand(
                _orders().assign(status="completed"), _cutoffs()[1], leak=False
            ),
        ),
    ],
    hints=[
        {
            "en": (
                "First `before = completed[completed['order_ts'] < test_cutoff]`; every "
                "feature comes from `before` only."
            ),
            "zh": (
                "先取 `before = completed[completed['order_ts'] < test_cutoff]`；"
                "所有特征都只用 `before`。"
            ),
        },
        {
            "en": (
                "recent = the last 90 days before the cutoff, earlier = the 90 days before "
                "those; count orders and sum net_amount per customer_id in each, and "
                "`fillna(0)` for members without orders in a window."
            ),
            "zh": (
                "recent 为截止日前 90 天，earlier 为再往前的 90 天；分别按 customer_id "
                "统计订单数并汇总 net_amount，窗口内没有订单的会员用 `fillna(0)` 补 0。"
            ),
        },
    ],
    solution=(
        'before = completed[completed["order_ts"] < test_cutoff]\n'
        "window = pd.Timedelta(days=90)\n"
        'recent = before[before["order_ts"] >= test_cutoff - window]\n'
        'earlier = before[(before["order_ts"] >= test_cutoff - 2 * window)\n'
        '                 & (before["order_ts"] < test_cutoff - window)]\n'
        'per_member = before.groupby("customer_id")\n'
        "features = pd.DataFrame({\n"
        '    "recency_days": (test_cutoff - per_member["order_ts"].max().dt.normalize()).dt.days,\n'
        '    "orders_recent": recent.groupby("customer_id").size(),\n'
        '    "orders_earlier": earlier.groupby("customer_id").size(),\n'
        '    "spend_recent": recent.groupby("customer_id")["net_amount"].sum(),\n'
        '    "spend_earlier": earlier.groupby("customer_id")["net_amount"].sum(),\n'
        "}).fillna(0)"
    ),
)


# ---------------------------------------------------------------------------- q3 the split

q3 = ChoiceProblem(
    id="strategy.q3",
    var="answer_q3",
    title={"en": "How do we test the churn model?", "zh": "如何检验流失模型？"},
    options={
        "a": {
            "en": (
                "Take the members at the training cutoff, split them at random 70/30, train "
                "on the 70% and test on the 30%."
            ),
            "zh": "取训练截止日的会员，随机按 70/30 拆分，用 70% 训练、30% 测试。",
        },
        "b": {
            "en": (
                "Train on the members at the training cutoff (labels from the half year "
                "after it) and test on the members at the later test cutoff."
            ),
            "zh": "用训练截止日的会员训练（标签取其后半年），再用之后的测试截止日的会员测试。",
        },
        "c": {
            "en": (
                "Stack the members of every monthly cutoff into one table and split its "
                "rows at random 70/30."
            ),
            "zh": "把每个月截止日的会员叠成一张表，再把所有行随机按 70/30 拆分。",
        },
        "d": {
            "en": "Train and test on all members at the test cutoff, so no data is wasted.",
            "zh": "在测试截止日的全部会员上训练并测试，一点数据都不浪费。",
        },
    },
    answer="b",
    explanation={
        "en": (
            "The model will be used on members of a later month than it learned from. Only a "
            "test at a later cutoff asks the question it will face: does what warned of "
            "churn last half year still warn now?"
        ),
        "zh": (
            "模型将用于它学习之后的月份。只有在更晚的截止日上测试，才是在问它将来真正面对的问题："
            "上半年的预警信号，现在还灵吗？"
        ),
    },
    mistakes={
        "a": Mistake(
            "random_split_same_period",
            en=(
                "A random split of one cutoff tests on the same half year the model learned "
                "from: same season, same campaigns, same competitor openings. It looks better "
                "than it will be next month."
            ),
            zh=(
                "同一截止日的随机拆分，测试的是模型学习过的同一段时间："
                "相同的季节、相同的活动、相同的竞争对手开店。结果会比下个月实际使用时好看。"
            ),
        ),
        "c": Mistake(
            "random_split_across_time",
            en=(
                "A random split of rows pooled across cutoffs puts a member's March row in "
                "training and the same member's April row in the test: the features of one "
                "row already contain the label of the other. The test leaks the future."
            ),
            zh=(
                "把多个截止日的行混在一起随机拆分，会让同一位会员三月的行进入训练、四月的行进入测试："
                "一行的特征里已经包含了另一行的标签。测试泄露了未来。"
            ),
        ),
        "d": Mistake(
            "tested_on_training_rows",
            en=(
                "Testing on the rows the model was trained on measures memory, not "
                "prediction. Keep the test members out of training, and in a later period."
            ),
            zh="在训练用过的行上测试，衡量的是记忆而不是预测。测试会员不能参与训练，而且应来自更晚的时期。",
        ),
    },
    hints=[
        {
            "en": "When will the model be used: on the months it learned from, or later?",
            "zh": "模型将在什么时候使用：在它学习过的月份，还是之后？",
        },
        {
            "en": "A test must not see anything from the period the model learned its labels in.",
            "zh": "测试不能看到模型学习标签那段时间里的任何信息。",
        },
    ],
)


# ---------------------------------------------------------------------------- q4 AUC


@per_world
def _model_rows() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    """The time split, restricted to members active in the 60 days before each cutoff."""
    train_cutoff, test_cutoff = _cutoffs()
    split = time_split(
        _orders_only(), train_cutoff, HORIZON_DAYS, test_cutoff, window_days=WINDOW_DAYS
    )
    train = split.X_train["recency_days"] <= ACTIVE_DAYS
    test = split.X_test["recency_days"] <= ACTIVE_DAYS
    return (
        split.X_train.loc[train, FEATURES],
        split.y_train[train],
        split.X_test.loc[test, FEATURES],
        split.y_test[test],
    )


def _churn_model():
    """The churn model of the lesson: standardized features, a logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


@per_world
def _model():
    X_train, y_train, _, _ = _model_rows()
    return _churn_model().fit(X_train, y_train)


def _auc(on: str = "test", column: int = 1) -> float:
    from sklearn.metrics import roc_auc_score

    X_train, y_train, X_test, y_test = _model_rows()
    X, y = (X_test, y_test) if on == "test" else (X_train, y_train)
    return float(roc_auc_score(y, _model().predict_proba(X)[:, column]))


def _accuracy() -> float:
    _, _, X_test, y_test = _model_rows()
    return float((_model().predict(X_test) == y_test.to_numpy()).mean())


def _nobody_churns_accuracy() -> float:
    return float(1 - _model_rows()[3].mean())


@per_world
def _q4_spec() -> ScalarSpec:
    # Rounding to three decimals is fine; the training-rows AUC can be close to the test
    # AUC, so the tolerance stays below half their distance.
    reference = _auc()
    others = [_auc("train"), _auc(column=0), _accuracy(), _nobody_churns_accuracy()]
    gap = min(abs(reference - other) for other in others)
    return ScalarSpec(rtol=0.0, atol=min(5e-4, 0.45 * gap))


def _is_accuracy(answer: Any, expected: float) -> bool:
    """An accuracy, of the model or of "nobody churns", also rounded to two decimals."""
    accuracies = (_accuracy(), _nobody_churns_accuracy())
    gap = min(abs(expected - value) for value in accuracies)
    close = ScalarSpec(rtol=0.0, atol=min(0.005, 0.45 * gap))
    return any(close.compare(value, answer).equal for value in accuracies)


q4 = ValueProblem(
    id="strategy.q4",
    var="auc_test",
    title={"en": "How good is the warning?", "zh": "预警有多准？"},
    reference=lambda: _auc(),
    compare=lambda: _q4_spec(),
    mistakes=[
        Mistake(
            "accuracy_on_imbalanced_label",
            en=(
                "That is an accuracy. With few churners, predicting 'nobody churns' is right "
                "for almost everyone and finds no one. Rank the members by risk and read the "
                "ranking: roc_auc_score(y_test, test_scores)."
            ),
            zh=(
                "这是准确率。流失者很少时，预测“没有人流失”对几乎所有人都对，却一个流失者也找不到。"
                "应按风险给会员排序并评估排序：roc_auc_score(y_test, test_scores)。"
            ),
            produce=lambda expected: _accuracy(),
            matches=_is_accuracy,
        ),
        Mistake(
            "auc_on_training_rows",
            en=(
                "That AUC is measured on the training rows, which the model has seen. Score "
                "the test rows (the later cutoff)."
            ),
            zh="这个 AUC 是在模型见过的训练行上算的。请对测试行（更晚的截止日）打分。",
            produce=lambda expected: _auc("train"),
        ),
        Mistake(
            "scores_of_the_wrong_class",
            en=(
                "predict_proba gives one column per class; column 0 is the chance of NOT "
                "churning, so your AUC is 1 minus the right one. Use [:, 1]."
            ),
            zh=(
                "predict_proba 每个类别一列；第 0 列是“不流失”的概率，"
                "所以你的 AUC 等于 1 减去正确值。请用 [:, 1]。"
            ),
            produce=lambda expected: _auc(column=0),
        ),
    ],
    hints=[
        {
            "en": "Which number says how well a score RANKS churners above the others?",
            "zh": "哪个指标衡量评分把流失者排在其他人前面的能力？",
        },
        {
            "en": "`roc_auc_score(y_test, test_scores)` (from `sklearn.metrics`).",
            "zh": "`roc_auc_score(y_test, test_scores)`（来自 `sklearn.metrics`）。",
        },
    ],
    solution="auc_test = roc_auc_score(y_test, test_scores)",
)


# ---------------------------------------------------------------------------- targeting


def _last_campaign(campaigns: pd.DataFrame) -> pd.Series:
    """The last campaign of the data: the whole-base coupon A/B test."""
    return campaigns.sort_values("start_date", kind="mergesort").iloc[-1]


@per_world
def _targets() -> pd.DataFrame:
    """The targeting table of the lesson, built as the notebook builds it."""
    from coursekit import simulate
    from coursekit.methods.evaluation import ab_summary

    tables, end = _tables(), _end()
    campaign = _last_campaign(_table("campaigns"))
    assignments = _table("campaign_assignments")
    ab_test = assignments[assignments["campaign_id"] == campaign["campaign_id"]]
    types_then = shopper_type(tables, campaign["start_date"].normalize())
    ab_test = ab_test.assign(shopper_type=ab_test["customer_id"].map(types_then)).dropna(
        subset=["shopper_type"]
    )
    lift = ab_summary(ab_test, "spend_after", by="shopper_type")["lift"]

    now = churn_features(_orders_only(), end, window_days=WINDOW_DAYS)
    _, _, X_test, y_test = _model_rows()
    risk_model = _churn_model().fit(X_test, y_test)
    targets = pd.DataFrame({"shopper_type": shopper_type(tables, end)})
    targets["baseline_spend"] = now["spend_recent"] / 3
    targets["uplift"] = (
        lift.reindex(targets["shopper_type"]).fillna(0).to_numpy() * targets["baseline_spend"]
    )
    targets["churn_risk"] = risk_model.predict_proba(now[FEATURES])[:, 1]
    targets["monetary"] = now["monetary"]
    in_private_domain = _private_domain().reindex(targets.index).fillna(False).astype(bool)
    targets["channel"] = np.where(in_private_domain, "wecom", "sms")
    targets["cost"] = simulate.channels("en")["contact_cost"].reindex(targets["channel"]).to_numpy()
    return targets


@per_world
def _margin() -> float:
    return gross_margin_rate(_tables("order_items", "products"))


@per_world
def _budget() -> float:
    return BUDGET_PER_MEMBER * len(_customers())


def _expected_profit(with_cost: bool = True) -> pd.Series:
    targets = _targets()
    profit = targets["uplift"] * _margin() - (targets["cost"] if with_cost else 0.0)
    return profit.rename("expected_profit")


q5 = ValueProblem(
    id="strategy.q5",
    var="expected_profit",
    title={"en": "Expected incremental profit per member", "zh": "每位会员的预期增量利润"},
    reference=lambda: _expected_profit(),
    compare=SeriesSpec(ignore_order=True, atol=1e-6),
    mistakes=[
        Mistake(
            "contact_cost_ignored",
            en=(
                "The contact cost is missing: uplift x margin is what a contact brings, not "
                "what it earns. A WeCom message costs 2 yuan; a member who brings 1.50 loses "
                "money. Subtract targets['cost']."
            ),
            zh=(
                "漏掉了触达成本：增量 × 毛利率只是触达带来的收益，不是利润。"
                "一条企业微信消息成本 2 元，只带来 1.5 元的会员是亏钱的。请减去 targets['cost']。"
            ),
            produce=lambda expected: _expected_profit(with_cost=False),
        ),
        Mistake(
            "revenue_not_profit",
            en=(
                "uplift is extra spend (revenue); only the gross margin of it is profit. "
                "Multiply by margin before subtracting the cost."
            ),
            zh=(
                "uplift 是增加的消费额（收入），其中只有毛利部分才是利润。"
                "先乘以毛利率，再减去成本。"
            ),
            produce=lambda expected: (_targets()["uplift"] - _targets()["cost"]).rename(
                "expected_profit"
            ),
        ),
    ],
    hints=[
        {
            "en": "Profit of a contact = what it adds to gross profit - what it costs.",
            "zh": "一次触达的利润 = 它带来的毛利 - 它的成本。",
        },
        {
            "en": "`targets['uplift'] * margin - targets['cost']`",
            "zh": "`targets['uplift'] * margin - targets['cost']`",
        },
    ],
    solution='expected_profit = targets["uplift"] * margin - targets["cost"]',
)


def _ranked_within_budget(score: pd.Series) -> pd.Index:
    """Members by ``score`` (highest first, ties by customer_id), cut where the money ends."""
    order = score.sort_index().sort_values(ascending=False, kind="mergesort").index
    spent = _targets()["cost"].reindex(order).cumsum()
    within = np.minimum.accumulate((spent <= _budget() + 1e-9).to_numpy())
    return order[within]


@per_world
def _q6_reference() -> pd.Index:
    plan = budget_plan(_targets()["uplift"], _margin(), _targets()["cost"], _budget())
    return plan.index[plan["selected"].to_numpy()]


def _counted_in_members() -> pd.Index:
    plan = budget_plan(_targets()["uplift"], _margin(), _targets()["cost"], None)
    positive = plan.index[(plan["expected_profit"] > 0).to_numpy()]
    return positive[: int(_budget())]


q6 = ValueProblem(
    id="strategy.q6",
    var="selected",
    title={"en": "Whom to contact within the budget", "zh": "预算内触达哪些会员"},
    reference=lambda: _q6_reference(),
    compare=SetSpec(),
    mistakes=[
        Mistake(
            "targeting_by_churn_risk",
            en=(
                "These are the members most likely to leave, not the ones the coupon moves. "
                "Many have already gone (nothing to move) or would leave anyway. Rank by "
                "expected profit from the uplift."
            ),
            zh=(
                "这些是最可能流失的会员，而不是优惠券能打动的会员。其中很多人已经离开（无从打动），"
                "或无论如何都会离开。请按基于增量的预期利润排序。"
            ),
            produce=lambda expected: _ranked_within_budget(_targets()["churn_risk"]),
        ),
        Mistake(
            "budget_counted_in_members",
            en=(
                "The budget is money, not a number of members: you took as many members as "
                "the budget has yuan, and their contacts cost more than the budget. Cut "
                "where the cumulative cost reaches it (budget_plan does)."
            ),
            zh=(
                "预算是钱，不是人数：你按预算的元数选了同样多的会员，触达成本超出了预算。"
                "应在累计成本达到预算处截断（budget_plan 就是这样做的）。"
            ),
            produce=lambda expected: _counted_in_members(),
        ),
        Mistake(
            "best_customers_targeted",
            en=(
                "These are the biggest spenders. They buy anyway, and the biggest baskets "
                "belong to the stock-up shoppers whom a discount puts off. Rank by the "
                "expected profit of the contact, not by what the member is worth."
            ),
            zh=(
                "这些是消费最多的会员。他们本来就会买，而且大单多来自囤货型顾客，折扣反而让他们反感。"
                "应按触达带来的预期利润排序，而不是按会员本身的价值。"
            ),
            produce=lambda expected: _ranked_within_budget(_targets()["monetary"]),
        ),
    ],
    hints=[
        {
            "en": (
                "`budget_plan(targets['uplift'], margin, targets['cost'], budget)` ranks, "
                "keeps the positives and cuts at the budget."
            ),
            "zh": (
                "`budget_plan(targets['uplift'], margin, targets['cost'], budget)` "
                "会排序、保留正利润的会员，并在预算处截断。"
            ),
        },
        {
            "en": "The selected members are the answer: `plan.index[plan['selected']]`.",
            "zh": "`selected == True` 的会员就是答案：`plan.index[plan['selected']]`。",
        },
    ],
    solution=(
        'plan = budget_plan(targets["uplift"], margin, targets["cost"], budget)\n'
        'selected = plan.index[plan["selected"]]'
    ),
)


# ---------------------------------------------------------------------------- q7 simulator

q7 = ChoiceProblem(
    id="strategy.q7",
    var="answer_q7",
    title={
        "en": "Which shopper types lose money when they get the coupon?",
        "zh": "哪些购物者类型收到优惠券会亏钱？",
    },
    options={
        "a": {"en": "senior (aged 50 and over)", "zh": "senior（50 岁及以上）"},
        "b": {"en": "big_basket (stock-up shoppers)", "zh": "big_basket（大单囤货型）"},
        "c": {"en": "everyday (everyone else)", "zh": "everyday（日常型，其余会员）"},
        "d": {"en": "quick_trip (small, quick trips)", "zh": "quick_trip（小额快购型）"},
    },
    answer=["b", "d"],
    explanation={
        "en": (
            "Stock-up shoppers and quick-trip shoppers buy LESS after a coupon: a discount "
            "cheapens the brand for the first, and a stream of coupon pushes makes the "
            "second mute the app. Their lost orders cost more than the contacts; leave them "
            "out of coupon campaigns and offer them something else (a VIP day, points)."
        ),
        "zh": (
            "大单囤货型和小额快购型在收到优惠券后反而买得更少：折扣让前者觉得品牌掉价，"
            "频繁的优惠推送让后者干脆关掉 APP 通知。他们少下的订单比触达成本还要贵；"
            "优惠券活动应排除他们，改用别的方式（会员专享日、积分）。"
        ),
    },
    mistakes={
        "b": Mistake(
            "only_big_baskets",
            en=(
                "Big baskets lose money, yes, and so do the quick trips: their loss per "
                "member is smaller, but there are many of them."
            ),
            zh="大单型确实亏钱，小额快购型也亏：每人亏得少，但人数多。",
        ),
        "d": Mistake(
            "only_quick_trips",
            en=(
                "Quick trips lose money, yes, and so do the big baskets, whose lost stock-up "
                "orders are the most expensive of all (read their interval)."
            ),
            zh="小额快购型确实亏钱，大单型也亏，而且他们少下的囤货订单是最贵的（看看他们的区间）。",
        ),
        "ac": Mistake(
            "profitable_types_chosen",
            en=(
                "Seniors and everyday shoppers are the ones the coupon pays for: their "
                "incremental profit is above zero. Look for the rows below zero."
            ),
            zh="银发族和日常型正是优惠券有回报的客群：他们的增量利润大于零。请找低于零的行。",
        ),
    },
    hints=[
        {
            "en": "Read `result.by_segment['incremental_profit']`: which rows are below zero?",
            "zh": "看 `result.by_segment['incremental_profit']`：哪些行小于零？",
        },
        {
            "en": "More than one type may be right: answer with a list, e.g. ['a', 'b'].",
            "zh": "可能不止一个正确选项：请用列表作答，例如 ['a', 'b']。",
        },
    ],
)


# ---------------------------------------------------------------------------- q8 coupon cost


def _coupon_costs() -> dict[str, float]:
    """What the last campaign's coupon cost, and the parts the mistakes mix up."""
    campaign = _last_campaign(_table("campaigns"))
    assignments = _table("campaign_assignments")
    ab_test = assignments[assignments["campaign_id"] == campaign["campaign_id"]]
    contacted = int((ab_test["group"] == "treatment").sum())
    orders = _completed()
    used = orders[orders["coupon_id"] == campaign["coupon_code"]]
    discounts = float(used["discount_amount"].sum())
    per_redemption = discounts / len(used) if len(used) else 0.0
    per_contact = float(campaign["cost_per_contact"])
    return {
        "right": discounts + per_contact * contacted,
        "all_members": per_redemption * contacted + per_contact * contacted,
        "holdout": discounts + per_contact * len(ab_test),
        "no_contact": discounts,
    }


@per_world
def _coupon_cost() -> dict[str, float]:
    return _coupon_costs()


q8 = ValueProblem(
    id="strategy.q8",
    var="coupon_total_cost",
    title={"en": "What did the coupon cost?", "zh": "这次优惠券花了多少钱？"},
    reference=lambda: _coupon_cost()["right"],
    # Whole yuan is precise enough; the mistakes are hundreds of yuan away.
    compare=ScalarSpec(rtol=0.0, atol=0.5),
    mistakes=[
        Mistake(
            "coupon_cost_on_all_members",
            en=(
                "A coupon costs its discount only when it is used. You counted a discount for "
                "every contacted member, as if all had redeemed. Sum the discount_amount of "
                "the orders that used the coupon code."
            ),
            zh=(
                "优惠券只有被使用时才产生折扣成本。你给每位被触达的会员都算了一次折扣，"
                "好像所有人都核销了。请汇总使用了该券码的订单的 discount_amount。"
            ),
            produce=lambda expected: _coupon_cost()["all_members"],
        ),
        Mistake(
            "holdout_contacted",
            en=(
                "The holdout (control group) was never contacted: only the treatment group "
                "costs cost_per_contact."
            ),
            zh="对照组从未被触达：只有实验组产生 cost_per_contact。",
            produce=lambda expected: _coupon_cost()["holdout"],
        ),
        Mistake(
            "contact_cost_left_out",
            en=(
                "That is the discount alone. Every contact cost money too: add "
                "cost_per_contact x the members of the treatment group."
            ),
            zh="这只是折扣部分。每次触达也要花钱：再加上 cost_per_contact × 实验组人数。",
            produce=lambda expected: _coupon_cost()["no_contact"],
        ),
    ],
    hints=[
        {
            "en": (
                "Two parts: the discounts given on orders with the campaign's coupon_code, and "
                "cost_per_contact for each contacted (treatment) member."
            ),
            "zh": (
                "两部分：使用该活动 coupon_code 的订单所给的折扣，"
                "以及每位被触达（实验组）会员的 cost_per_contact。"
            ),
        },
        {
            "en": (
                "`completed.loc[completed['coupon_id'] == campaign['coupon_code'], "
                "'discount_amount'].sum()`"
            ),
            "zh": (
                "`completed.loc[completed['coupon_id'] == campaign['coupon_code'], "
                "'discount_amount'].sum()`"
            ),
        },
    ],
    solution=(
        'used = completed[completed["coupon_id"] == campaign["coupon_code"]]\n'
        'contacted = (ab_test["group"] == "treatment").sum()\n'
        'coupon_total_cost = (used["discount_amount"].sum()\n'
        '                     + campaign["cost_per_contact"] * contacted)'
    ),
)


# ---------------------------------------------------------------------------- q9 hit rate


@per_world
def _recommendation_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    _, cutoff = time_cutoffs(_orders(), RECOMMEND_DAYS)
    tables = _tables("order_items")
    return purchase_history(tables, end=cutoff), purchase_history(tables, start=cutoff)


@per_world
def _q9_values() -> dict[str, float]:
    """The discovery hit rate, and what the two mistakes give (one list per way of listing)."""
    history, future = _recommendation_split()
    discovery = recommend(history, TOP_K, method="popular", exclude_bought=True)
    with_repeats = recommend(history, TOP_K, method="popular", exclude_bought=False)
    return {
        "right": hit_rate(discovery, future, history=history),
        "repeats": hit_rate(with_repeats, future, history=history),
        "no_history": hit_rate(discovery, future),
    }


q9 = ValueProblem(
    id="strategy.q9",
    var="discovery_hit_rate",
    title={"en": "Discovery hit rate at 5", "zh": "发现型推荐的命中率（前 5）"},
    reference=lambda: _q9_values()["right"],
    compare=ScalarSpec(rtol=0.0, atol=5e-4),
    mistakes=[
        Mistake(
            "recommends_items_just_bought",
            en=(
                "Your lists hold items the member has already bought. For discovery "
                "(something new to try), a repeat is no hit: recommend with "
                "exclude_bought=True (the default of method='popular')."
            ),
            zh=(
                "你的推荐列表里有会员已经买过的商品。发现型推荐（推荐没买过的新品）中，"
                "复购不算命中：请使用 exclude_bought=True（method='popular' 的默认值）。"
            ),
            produce=lambda expected: _q9_values()["repeats"],
        ),
        Mistake(
            "repeat_buyers_counted",
            en=(
                "Without history=..., hit_rate counts every member who bought anything "
                "later, also those who bought nothing new. For discovery, evaluate the "
                "members with a new item: pass history=history."
            ),
            zh=(
                "不传 history=...，hit_rate 会把之后买过任何东西的会员都算进来，"
                "包括没有买新品的会员。发现型推荐应只评估买了新品的会员：传入 history=history。"
            ),
            produce=lambda expected: _q9_values()["no_history"],
        ),
    ],
    hints=[
        {
            "en": "`recommend(history, 5, method='popular')` leaves out what each member bought.",
            "zh": "`recs = recommend(history, 5, method='popular')` 会排除每位会员已买过的商品。",
        },
        {
            "en": "`hit_rate(recs, future, history=history)` counts only new items as hits.",
            "zh": "`hit_rate(recs, future, history=history)` 只把新商品算作命中。",
        },
    ],
    solution=(
        'recs = recommend(history, 5, method="popular")\n'
        "discovery_hit_rate = hit_rate(recs, future, history=history)"
    ),
)


# ---------------------------------------------------------------------------- q10 memo

q10 = OpenProblem(
    id="strategy.q10",
    var="community_plan",
    title={
        "en": "A private-domain community plan (私域社群)",
        "zh": "私域社群运营方案",
    },
    rubric=[
        {
            "en": "Names two community segments (e.g. young, family) and who leads them (团长).",
            "zh": "指出两个社群客群（如年轻人、家庭）以及由谁带群（团长）。",
        },
        {
            "en": "Gives each a play that fits what the data shows (products, time, channel).",
            "zh": "为每个社群设计与数据相符的玩法（商品、时段、渠道）。",
        },
        {
            "en": "Says which offers to avoid for whom (the coupon losers) and why.",
            "zh": "说明哪些优惠不适合哪些人（优惠券会亏钱的客群）以及原因。",
        },
        {
            "en": "Says how it will be measured: a holdout group and the simulator first.",
            "zh": "说明如何衡量效果：先在模拟器中测试，并保留对照组。",
        },
    ],
    model_answer={
        "en": (
            "Two communities. Families in tier-3 and tier-4 cities already buy through group "
            "buys: their groups get a weekend stock-up chain (接龙) of fresh produce and "
            "dairy, run by the group leaders (团长) with the most repeat participants, and "
            "a spend-and-save coupon, which pays for this segment. Young members in tier-1 "
            "and tier-2 cities use the app and the mini-program: their group gets new-product "
            "tastings and double points instead of coupons, because quick-trip shoppers buy "
            "less after coupon pushes. Stock-up shoppers get a members' day, not a discount. "
            "We test both plays in the simulator before spending, keep a random 20% holdout in "
            "each group, and judge the plays by incremental gross profit per member after 30 "
            "days, per segment."
        ),
        "zh": (
            "建两个社群。三四线城市的家庭已经习惯社群团购：他们的群由复购参与者最多的团长带领，"
            "周末发起生鲜和乳品的囤货接龙，并配满减券——这个客群用券是赚钱的。"
            "一二线城市的年轻会员用 APP 和小程序：他们的群主打新品试吃和积分加倍而不是优惠券，"
            "因为小额快购型顾客收到优惠推送后反而买得更少。大单囤货型给会员专享日，不给折扣。"
            "投入预算前先在模拟器中测试两种玩法，每个群保留随机 20% 的对照组，"
            "30 天后按客群比较每位会员的增量毛利来评判效果。"
        ),
    },
    min_words=60,
    hints=[
        {
            "en": "Start from the heat map of group-buy use: who is already in the groups?",
            "zh": "从社群团购使用率的热力图出发：谁已经在群里了？",
        },
        {
            "en": "Reuse what the simulator showed: which offers lose money for which shoppers?",
            "zh": "利用模拟器的结论：哪些优惠对哪些顾客会亏钱？",
        },
    ],
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10]
