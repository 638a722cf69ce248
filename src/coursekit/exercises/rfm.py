"""Module 02, customer value assessment (客户价值评估): the problems of ``02_rfm``.

The story: the marketing team of the grocery chain wants to know whom to spend on. The
trainee keeps the completed orders, fixes the snapshot date, builds the RFM table, writes
a tie-aware score, scores and segments every customer, measures how concentrated revenue
is, and picks the customers for a win-back offer.

Every reference is computed from the data in use with :mod:`coursekit.methods.rfm`. Each
mistake's ``produce`` makes the wrong answer the way a trainee would (the wrong filter,
order lines instead of orders, ``rank(method="first")`` ...); mistakes that many different
wrong answers share (a recency one day short, a frequency counted in lines) also say how
to recognise them with ``matches``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import (
    Case,
    ChoiceProblem,
    FrameSpec,
    FunctionProblem,
    Mistake,
    OneOfSpec,
    ScalarSpec,
    SeriesSpec,
    SetSpec,
    ValueProblem,
    ____,
    per_world,
    world_cached,
)
from coursekit.engine.recognize import aligned_numbers, column_by_key, column_is, same_numbers
from coursekit.methods.common import completed_orders, snapshot_date
from coursekit.methods.rfm import (
    SEGMENT_RULES,
    play_customers,
    rfm_scores,
    rfm_segments,
    rfm_table,
    tie_aware_score,
    top_share,
)

__all__ = ["PROBLEMS", "____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"]

NOTEBOOK = "02_rfm"

SCORE_COLUMNS = ("r_score", "f_score", "m_score")
WINBACK_SEGMENTS = ("Can't Lose Them", "At Risk")


# ---------------------------------------------------------------------------- shared data
#
# Several problems start from the same completed orders and RFM table. They are computed
# once per world (coursekit.engine.cache) and never modified: every function below that
# changes a frame works on a copy.


@per_world
def _orders() -> pd.DataFrame:
    return course.load("orders")


@per_world
def _completed() -> pd.DataFrame:
    return completed_orders(_orders())


@per_world
def _snapshot() -> pd.Timestamp:
    """The day after the last order date in the data: the day of the analysis."""
    return snapshot_date(_orders())


@per_world
def _rfm() -> pd.DataFrame:
    return rfm_table(_completed(), snapshot_date=_snapshot())


@per_world
def _scores() -> pd.DataFrame:
    return rfm_scores(_rfm())


@per_world
def _segmented() -> pd.DataFrame:
    return rfm_segments(_scores())


@per_world
def _lines_per_customer() -> pd.Series:
    """Order lines of completed orders per customer: what ``size()`` after a merge counts."""
    items = course.load("order_items")[["order_id"]]
    lines = _completed()[["order_id", "customer_id"]].merge(items, on="order_id")
    return lines.groupby("customer_id").size()


def _today() -> pd.Timestamp:
    return pd.Timestamp.today().normalize()


# ---------------------------------------------------------------------------- recognising
#
# ``matches`` helpers read a trainee's frame leniently (customer_id as a column or as the
# index) with coursekit.engine.recognize, and return False when the answer does not have
# the shape to judge.


def _recency_shift(answer: Any, expected: pd.DataFrame) -> np.ndarray | None:
    """The answer's recency minus the reference's, when frequency and monetary are right."""
    for column in ("frequency", "monetary"):
        if not column_is(answer, column, expected[column]):
            return None
    recency = aligned_numbers(column_by_key(answer, "recency_days"), expected["recency_days"])
    if recency is None:
        return None
    shift = recency - expected["recency_days"].to_numpy(dtype="float64")
    return shift if not np.isnan(shift).any() else None


def _as_day(answer: Any) -> pd.Timestamp | None:
    """A date-like answer as a tz-naive Timestamp (time of day kept), else None."""
    if not isinstance(answer, str | dt.date | np.datetime64):
        return None
    try:
        stamp = pd.Timestamp(answer)
    except (TypeError, ValueError, OverflowError):
        return None
    if pd.isna(stamp):
        return None
    return stamp.tz_localize(None) if stamp.tz is not None else stamp


# ---------------------------------------------------------------------------- q1 completed


def _keep_statuses(*statuses: str) -> pd.DataFrame:
    orders = _orders()
    return orders[orders["status"].isin(statuses)]


def _wrong_orders(*statuses: str) -> pd.DataFrame:
    """A wrong filter: the orders of these statuses, every column kept."""
    return _keep_statuses(*statuses)


q1 = ValueProblem(
    id="rfm.q1",
    var="completed",
    title={"en": "Keep the orders that count", "zh": "筛选计入分析的订单"},
    # Every column of orders: later steps need them all (coupon_id included).
    reference=lambda: _completed(),
    compare=FrameSpec(key="order_id", ignore_row_order=True, allow_extra_columns=True),
    mistakes=[
        Mistake(
            "returns_and_cancellations_kept",
            en=(
                "Every order is still there. Returned and cancelled orders brought no money "
                "and no real visit: keep the rows whose status is 'completed'."
            ),
            zh=(
                "所有订单都还在。退货和取消的订单没有带来收入，也不是真实的消费："
                "只保留 status 为 'completed' 的行。"
            ),
            produce=lambda expected: _wrong_orders("completed", "returned", "cancelled"),
        ),
        Mistake(
            "returns_kept",
            en=(
                "You removed the cancelled orders but kept the returned ones. A returned "
                "order was paid back: it is no sale. Keep status 'completed' only."
            ),
            zh=(
                "你去掉了取消的订单，却保留了退货订单。退货订单的钱已经退还，不算销售："
                "只保留 'completed'。"
            ),
            produce=lambda expected: _wrong_orders("completed", "returned"),
        ),
        Mistake(
            "cancellations_kept",
            en=(
                "You removed the returned orders but kept the cancelled ones. A cancelled "
                "order never happened. Keep status 'completed' only."
            ),
            zh="你去掉了退货订单，却保留了取消的订单。取消的订单从未真正发生：只保留 'completed'。",
            produce=lambda expected: _wrong_orders("completed", "cancelled"),
        ),
    ],
    hints=[
        {
            "en": "Look at `orders['status'].value_counts()`: which statuses are real sales?",
            "zh": "先看看 `orders['status'].value_counts()`：哪些状态才是真正的销售？",
        },
        {
            "en": "Filter with a boolean mask: `orders[orders['status'] == ...]`.",
            "zh": "用布尔条件筛选：`orders[orders['status'] == ...]`。",
        },
    ],
    solution='completed = orders[orders["status"] == "completed"]',
)


# ---------------------------------------------------------------------------- q2 snapshot


def _is_date_not_timestamp(answer: Any, expected: pd.Timestamp) -> bool:
    plain = isinstance(answer, str) or (
        isinstance(answer, dt.date) and not isinstance(answer, dt.datetime)
    )
    day = _as_day(answer)
    return plain and day is not None and day.normalize() == expected


def _is_time_of_day_kept(answer: Any, expected: pd.Timestamp) -> bool:
    day = _as_day(answer)
    return day is not None and day.normalize() == expected and day != day.normalize()


def _is_day_off(answer: Any, expected: pd.Timestamp) -> bool:
    day = _as_day(answer)
    one = pd.Timedelta(days=1)
    return day is not None and day.normalize() in (expected - one, expected + one)


def _is_today(answer: Any, expected: pd.Timestamp) -> bool:
    day = _as_day(answer)
    return day is not None and abs(day.normalize() - _today()) <= pd.Timedelta(days=1)


q2 = ValueProblem(
    id="rfm.q2",
    var="snapshot_date",
    title={"en": "The snapshot date", "zh": "观察日"},
    reference=lambda: _snapshot(),
    compare=ScalarSpec(),
    mistakes=[
        Mistake(
            "date_not_timestamp",
            en=(
                "Right day, wrong type: make it a pandas Timestamp (pd.Timestamp(...), or "
                "the maximum of order_ts normalized plus pd.Timedelta(days=1)). A text or a "
                "datetime.date cannot be subtracted from the order_ts column."
            ),
            zh=(
                "日期对了，类型不对：请用 pandas 的 Timestamp（pd.Timestamp(...)，"
                "或 order_ts 的最大值 normalize() 后加 pd.Timedelta(days=1)）。"
                "字符串或 datetime.date 无法与 order_ts 列相减。"
            ),
            produce=lambda expected: expected.date(),
            matches=_is_date_not_timestamp,
        ),
        Mistake(
            "time_of_day_kept",
            en=(
                "The snapshot is a day, not a moment: you kept the time of the last order. "
                "Use .normalize() to go to midnight, so that recency counts calendar days."
            ),
            zh=(
                "观察日是一天，而不是某个时刻：你保留了最后一笔订单的时间。"
                "用 .normalize() 归到零点，最近一次消费才会按自然日计算。"
            ),
            produce=lambda expected: _orders()["order_ts"].max() + pd.Timedelta(days=1),
            matches=_is_time_of_day_kept,
        ),
        Mistake(
            "snapshot_off_by_one",
            en=(
                "Off by one day. The snapshot is the day after the last order date, so the "
                "most recent customers have recency 1, not 0 (or 2)."
            ),
            zh=(
                "差了一天。观察日是最后下单日期的后一天，最近的客户最近一次消费为 1 天，"
                "而不是 0（或 2）天。"
            ),
            produce=lambda expected: _orders()["order_ts"].max().normalize(),
            matches=_is_day_off,
        ),
        Mistake(
            "snapshot_is_today",
            en=(
                "That is today. The data ends on its last order date; measured from today, "
                "every customer looks months older than the data says, and the table "
                "changes every time you rerun the notebook."
            ),
            zh=(
                "这是今天的日期。数据截止于最后一笔订单的日期；从今天算起，"
                "每位客户都会显得多“沉睡”了几个月，而且每次重新运行结果都会变。"
            ),
            produce=lambda expected: _today(),
            matches=_is_today,
        ),
    ],
    hints=[
        {
            "en": "When does the data end? Look at the largest `order_ts`.",
            "zh": "数据截止到哪一天？看看 `order_ts` 的最大值。",
        },
        {
            "en": (
                "`orders['order_ts'].max().normalize()` is the last order date at midnight; "
                "add `pd.Timedelta(days=1)`."
            ),
            "zh": (
                "`orders['order_ts'].max().normalize()` 是最后下单日期的零点；"
                "再加上 `pd.Timedelta(days=1)`。"
            ),
        },
    ],
    solution='snapshot_date = orders["order_ts"].max().normalize() + pd.Timedelta(days=1)',
)


# ---------------------------------------------------------------------------- q3 RFM table


def _rfm_of(orders: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    return rfm_table(orders, snapshot_date=_snapshot(), **kwargs)


def _gross_per_customer() -> pd.Series:
    return _completed().groupby("customer_id")["gross_amount"].sum()


def _recency_from_first_order() -> pd.Series:
    first = _completed().groupby("customer_id")["order_ts"].min().dt.normalize()
    return (_snapshot() - first).dt.days


def _is_one_day_short_or_long(answer: Any, expected: pd.DataFrame) -> bool:
    shift = _recency_shift(answer, expected)
    if shift is None:
        return False
    one_way = bool(np.isin(shift, [-1, 0]).all() or np.isin(shift, [0, 1]).all())
    return one_way and float((shift != 0).mean()) >= 0.5


def _is_from_today(answer: Any, expected: pd.DataFrame) -> bool:
    shift = _recency_shift(answer, expected)
    days = (_today() - _snapshot()).days
    return shift is not None and days > 1 and bool((np.abs(shift - days) <= 1).all())


q3 = ValueProblem(
    id="rfm.q3",
    var="rfm",
    title={"en": "The RFM table", "zh": "RFM 表"},
    reference=lambda: _rfm(),
    compare=FrameSpec(key="customer_id", ignore_row_order=True, atol=1e-6),
    mistakes=[
        Mistake(
            "statuses_kept",
            en=(
                "These numbers come from all orders. Returned and cancelled orders add "
                "neither visits nor money: start from `completed`."
            ),
            zh=(
                "这些数字来自全部订单。退货和取消的订单既不算消费次数也不算金额："
                "请从 `completed` 开始。"
            ),
            produce=lambda expected: _rfm_of(_orders()),
        ),
        Mistake(
            "returns_kept",
            en=(
                "Returned orders are still in: their money was paid back. Start from the "
                "completed orders only."
            ),
            zh="退货订单还在里面：这些钱已经退还。请只用已完成的订单。",
            produce=lambda expected: _rfm_of(_keep_statuses("completed", "returned")),
        ),
        Mistake(
            "frequency_in_lines",
            en=(
                "Frequency counts orders (visits), not order lines: a basket of five products "
                "is one purchase. Count distinct order_id per customer (nunique)."
            ),
            zh=(
                "消费频率统计的是订单（购物次数），而不是订单明细行：一篮五件商品仍是一次购买。"
                "请按客户统计不同的 order_id（nunique）。"
            ),
            produce=lambda expected: expected.assign(
                frequency=_lines_per_customer().reindex(expected.index).to_numpy()
            ),
            matches=lambda answer, expected: column_is(
                answer, "frequency", _lines_per_customer().reindex(expected.index)
            ),
        ),
        Mistake(
            "monetary_before_discount",
            en=(
                "Monetary is what the customer paid: net_amount, after coupons. You summed "
                "gross_amount, the price before discount."
            ),
            zh=(
                "消费金额是客户实际支付的金额：优惠后的 net_amount。你汇总的是 gross_amount，"
                "即折扣前的原价。"
            ),
            produce=lambda expected: _rfm_of(_completed(), amount_col="gross_amount"),
            matches=lambda answer, expected: column_is(
                answer, "monetary", _gross_per_customer().reindex(expected.index)
            ),
        ),
        Mistake(
            "recency_from_first_purchase",
            en=(
                "Recency is the time since the LAST order (max of order_ts), not since the "
                "first one: it says how long the customer has been silent."
            ),
            zh=(
                "最近一次消费是距离最后一次下单（order_ts 的 max）的天数，而不是距离第一次："
                "它衡量客户沉默了多久。"
            ),
            produce=lambda expected: expected.assign(
                recency_days=_recency_from_first_order().reindex(expected.index).to_numpy()
            ),
            matches=lambda answer, expected: column_is(
                answer, "recency_days", _recency_from_first_order().reindex(expected.index)
            ),
        ),
        Mistake(
            "recency_from_today",
            en=(
                "Recency is measured from the snapshot date (the day after the data ends), "
                "not from today: otherwise everyone looks long gone and the table changes "
                "from one day to the next."
            ),
            zh=(
                "最近一次消费应从观察日（数据结束的后一天）算起，而不是从今天："
                "否则所有人都像早已流失，而且结果每天都在变。"
            ),
            produce=lambda expected: rfm_table(_completed(), snapshot_date=_today()),
            matches=_is_from_today,
        ),
        Mistake(
            "snapshot_off_by_one",
            en=(
                "Recency is one day off. Count calendar days from the date of the last order "
                "(order_ts normalized) to the snapshot date, the day after the last order "
                "date; subtracting timestamps with their time of day loses a day."
            ),
            zh=(
                "最近一次消费差了一天。应按自然日计算："
                "从最后一次下单的日期（order_ts 取 normalize()）到观察日（最后下单日期的后一天）；"
                "直接用带时分秒的时间相减会少算一天。"
            ),
            produce=lambda expected: rfm_table(
                _completed(), snapshot_date=_snapshot() - pd.Timedelta(days=1)
            ),
            matches=_is_one_day_short_or_long,
        ),
    ],
    hints=[
        {
            "en": (
                "Group `completed` by `customer_id`. Recency needs the last `order_ts`, "
                "frequency the number of different orders, monetary the sum of `net_amount`."
            ),
            "zh": (
                "对 `completed` 按 `customer_id` 分组。最近一次消费需要最后一次 `order_ts`，"
                "消费频率需要不同订单的个数，消费金额需要 `net_amount` 的总和。"
            ),
        },
        {
            "en": (
                "`(snapshot_date - last_order.dt.normalize()).dt.days` gives whole calendar "
                "days; use `nunique` on `order_id` for frequency."
            ),
            "zh": (
                "`(snapshot_date - last_order.dt.normalize()).dt.days` 得到整数自然日；"
                "消费频率对 `order_id` 用 `nunique`。"
            ),
        },
        {
            "en": "`rfm_table(completed, snapshot_date)` of `coursekit.methods.rfm` does it all.",
            "zh": "`coursekit.methods.rfm` 中的 `rfm_table(completed, snapshot_date)` 可一步完成。",
        },
    ],
    solution=(
        'per_customer = completed.groupby("customer_id")\n'
        "rfm = pd.DataFrame(\n"
        "    {\n"
        '        "recency_days": (snapshot_date - per_customer["order_ts"].max().dt.normalize())'
        ".dt.days,\n"
        '        "frequency": per_customer["order_id"].nunique(),\n'
        '        "monetary": per_customer["net_amount"].sum(),\n'
        "    }\n"
        ")"
    ),
)


# ---------------------------------------------------------------------------- q4 score()


def _ties_split(values, n_bins=5, higher_is_better=True):
    """The rank(method="first") way: identical customers get different scores."""
    values = pd.Series(values)
    oriented = values if higher_is_better else -values
    position = oriented.rank(method="first") - 1
    return (1 + n_bins * position // len(values)).astype(int)


def _qcut_on_values(values, n_bins=5, higher_is_better=True):
    """pd.qcut on the values, duplicate edges dropped: bins by value, not by rank."""
    values = pd.Series(values)
    oriented = values if higher_is_better else -values
    return pd.qcut(oriented, n_bins, labels=False, duplicates="drop") + 1


def _direction_ignored(values, n_bins=5, higher_is_better=True):
    return tie_aware_score(values, n_bins)


def _ties_ranked_average(values, n_bins=5, higher_is_better=True):
    """rank(pct=True) gives ties their average rank: the worst group does not score 1."""
    values = pd.Series(values)
    oriented = values if higher_is_better else -values
    return np.ceil(oriented.rank(pct=True) * n_bins).astype(int)


#: Small inputs with ties, for recognising a score function that splits them.
_TIED_INPUTS = (
    pd.Series([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]),
    pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 5, 8, 13, 21]),
)


def _splits_ties(fn: Any, reference: Any) -> bool:
    """True when a trainee's function gives identical values different scores.

    Whatever way the ties were split (rank "first", qcut on the ranks, a sort and a
    counter), the outcome is the same misconception. ``fn`` is the trainee's function as
    the engine hands it to ``matches``: each call runs in the sandbox and raises if the
    function fails, which means "no match".
    """
    for values in _TIED_INPUTS:
        result = fn(values.copy())
        scores = pd.Series(np.asarray(result, dtype="float64").ravel())
        if len(scores) != len(values):
            return False
        if (scores.groupby(values.to_numpy()).nunique() > 1).any():
            return True
    return False


def _score_cases() -> list[Case]:
    rfm = _rfm()
    return [
        Case(
            (pd.Series([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),),
            label={"en": "ten different values", "zh": "十个互不相同的值"},
        ),
        Case(
            (pd.Series([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]),),
            label={"en": "values with ties", "zh": "含有相同值"},
        ),
        Case(
            (pd.Series([7, 7, 7, 7, 7]),),
            label={"en": "all values equal", "zh": "所有值都相同"},
        ),
        Case(
            (pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 5, 8, 13, 21]),),
            label={"en": "half of the customers bought once", "zh": "一半客户只买过一次"},
        ),
        Case(
            (pd.Series([1, 3, 3, 10, 40, 40, 200, 365]),),
            {"higher_is_better": False},
            label={"en": "recency: fewer days is better", "zh": "最近一次消费：天数越少越好"},
        ),
        Case(
            (pd.Series([5.5, 1.0, 4.0, 2.0, 3.0, 6.0]),),
            {"n_bins": 3},
            label={"en": "three bins", "zh": "分成三档"},
        ),
        Case(
            (
                pd.Series(
                    [120.5, 30.0, 30.0, 88.0],
                    index=pd.Index([101, 102, 103, 104], name="customer_id"),
                    name="monetary",
                ),
            ),
            label={"en": "keeps the customer index", "zh": "保留客户索引"},
        ),
        Case(
            (rfm["frequency"],),
            label={"en": "frequency of every customer", "zh": "全部客户的消费频率"},
        ),
        Case(
            (rfm["recency_days"],),
            {"higher_is_better": False},
            label={"en": "recency of every customer", "zh": "全部客户的最近一次消费"},
        ),
    ]


q4 = FunctionProblem(
    id="rfm.q4",
    var="score",
    title={"en": "A tie-aware score from 1 to 5", "zh": "考虑并列的 1–5 分评分函数"},
    reference=tie_aware_score,
    cases=_score_cases,
    compare=SeriesSpec(),
    # A readable loop over customers is a fair answer: it gets a second per case plus a
    # second per 1,000 values (about 6 s on every customer of the default world).
    time_limit=1.0,
    time_per_1000=1.0,
    slow_hint={
        "en": (
            "To be fast, let pandas count for every customer at once: "
            '`oriented.rank(method="min") - 1` is the number of customers strictly worse, '
            "in milliseconds for the whole table."
        ),
        "zh": (
            "想要更快，就让 pandas 一次为所有客户计数："
            '`oriented.rank(method="min") - 1` 就是严格更差的客户数，整张表只需几毫秒。'
        ),
    },
    mistakes=[
        Mistake(
            "direction_ignored",
            en=(
                "With higher_is_better=False the smallest values must score highest: that is "
                "recency, where a customer who bought yesterday is the best. Your recency is "
                "scored backwards (recent = 1)."
            ),
            zh=(
                "当 higher_is_better=False 时，数值越小得分越高：这正是最近一次消费，"
                "昨天刚买过的客户最好。你的最近一次消费评分方向反了（最近的得 1 分）。"
            ),
            produce=lambda reference: _direction_ignored,
        ),
        Mistake(
            "ties_split",
            en=(
                'rank(method="first") breaks ties by row order, so two customers with the '
                "same value can get different scores. Identical customers must share a score: "
                'count the customers strictly worse (rank(method="min") - 1).'
            ),
            zh=(
                'rank(method="first") 按行的先后打破并列，两个数值相同的客户可能得分不同。'
                '相同的客户必须同分：统计严格更差的客户数（rank(method="min") - 1）。'
            ),
            produce=lambda reference: _ties_split,
            matches=_splits_ties,
        ),
        Mistake(
            "qcut_on_values",
            en=(
                "pd.qcut cuts at value quantiles: with many ties the edges repeat, "
                "duplicates='drop' leaves fewer than n_bins scores, and all-equal values give "
                "NaN. Use the tie rule: 1 + n_bins * (customers strictly worse) // n."
            ),
            zh=(
                "pd.qcut 按数值分位点切分：并列多时分界点重复，"
                "duplicates='drop' 会使得分档数少于 n_bins，全部相同的值会得到 NaN。"
                "请使用并列规则：1 + n_bins * （严格更差的客户数）// n。"
            ),
            produce=lambda reference: _qcut_on_values,
        ),
        Mistake(
            "ties_ranked_average",
            en=(
                "rank(pct=True) gives tied customers their average rank, so a large group at "
                "the worst value (all one-time buyers) does not score 1. Rank with "
                'method="min" and count only the customers strictly worse.'
            ),
            zh=(
                "rank(pct=True) 给并列客户的是平均名次，"
                "因此处于最差值的一大群客户（例如所有只买过一次的客户）得不到 1 分。"
                '请用 method="min" 排名，只统计严格更差的客户。'
            ),
            produce=lambda reference: _ties_ranked_average,
        ),
    ],
    hints=[
        {
            "en": (
                "For each customer, count how many customers are strictly worse: "
                '`values.rank(method="min") - 1`. For recency, rank the negative values.'
            ),
            "zh": (
                '对每位客户，统计严格更差的客户数：`values.rank(method="min") - 1`。'
                "最近一次消费则对其相反数排名。"
            ),
        },
        {
            "en": (
                "Then `1 + n_bins * worse // len(values)`; return it as integers with the "
                "index of `values`."
            ),
            "zh": (
                "然后计算 `1 + n_bins * worse // len(values)`；以整数返回，并保留 `values` 的索引。"
            ),
        },
    ],
    solution=(
        "def score(values, n_bins=5, higher_is_better=True):\n"
        "    oriented = values if higher_is_better else -values\n"
        '    worse = oriented.rank(method="min") - 1\n'
        "    return (1 + n_bins * worse // len(values)).astype(int)"
    ),
)


# ---------------------------------------------------------------------------- q5 scores


def _scores_backwards() -> pd.DataFrame:
    rfm = _rfm()
    return rfm_scores(rfm).assign(r_score=tie_aware_score(rfm["recency_days"]))


def _qcut_rank_first(values: pd.Series, labels: list[int]) -> pd.Series:
    return pd.qcut(values.rank(method="first"), len(labels), labels=labels).astype("int64")


def _scores_ties_split() -> pd.DataFrame:
    """The usual workaround for qcut's duplicate edges: qcut on rank(method="first")."""
    rfm = _rfm()
    up, down = [1, 2, 3, 4, 5], [5, 4, 3, 2, 1]
    return rfm.assign(
        r_score=_qcut_rank_first(rfm["recency_days"], down),
        f_score=_qcut_rank_first(rfm["frequency"], up),
        m_score=_qcut_rank_first(rfm["monetary"], up),
    )


def _split_variants(column: str) -> list[pd.Series]:
    """The ways trainees split ties in one score column (rank "first", then qcut or floor)."""
    rfm = _rfm()
    source, better = {
        "r_score": ("recency_days", False),
        "f_score": ("frequency", True),
        "m_score": ("monetary", True),
    }[column]
    values = rfm[source]
    variants = [_ties_split(values, higher_is_better=better)]
    if better:
        variants.append(_qcut_rank_first(values, [1, 2, 3, 4, 5]))
    else:
        variants.append(_qcut_rank_first(values, [5, 4, 3, 2, 1]))
        variants.append(_qcut_rank_first(-values, [1, 2, 3, 4, 5]))
    return variants


def _is_ties_split(answer: Any, expected: pd.DataFrame) -> bool:
    for column in SCORE_COLUMNS:
        variants = world_cached(("rfm.q5", "split", column), lambda c=column: _split_variants(c))
        for variant in variants:
            differs = not same_numbers(variant, expected[column])
            if differs and column_is(answer, column, variant):
                return True
    return False


def _is_recency_backwards(answer: Any, expected: pd.DataFrame) -> bool:
    forwards = tie_aware_score(expected["recency_days"])
    flipped = 6 - expected["r_score"]
    return column_is(answer, "r_score", forwards) or column_is(answer, "r_score", flipped)


q5 = ValueProblem(
    id="rfm.q5",
    var="scores",
    title={"en": "Score every customer", "zh": "为每位客户打分"},
    reference=lambda: _scores(),
    compare=FrameSpec(key="customer_id", ignore_row_order=True, allow_extra_columns=True),
    mistakes=[
        Mistake(
            "recency_backwards",
            en=(
                "Recency is scored backwards: the customers who bought most recently must get "
                "r_score 5, those silent the longest 1 (score recency with "
                "higher_is_better=False)."
            ),
            zh=(
                "最近一次消费的评分方向反了：最近购买的客户应得 r_score 5 分，"
                "沉默最久的得 1 分（对 recency 使用 higher_is_better=False）。"
            ),
            produce=lambda expected: _scores_backwards(),
            matches=_is_recency_backwards,
        ),
        Mistake(
            "ties_split",
            en=(
                "Customers with identical values got different scores: that is what "
                'rank(method="first") (often inside pd.qcut) does. Use your tie-aware score.'
            ),
            zh=(
                "数值相同的客户得到了不同的分数："
                '这正是 rank(method="first")（常与 pd.qcut 一起使用）造成的。'
                "请使用你写的考虑并列的评分函数。"
            ),
            produce=lambda expected: _scores_ties_split(),
            matches=_is_ties_split,
        ),
    ],
    hints=[
        {
            "en": (
                "Add three columns to a copy of `rfm`: `r_score`, `f_score`, `m_score`, each "
                "from your `score` function (or `tie_aware_score`)."
            ),
            "zh": (
                "在 `rfm` 的副本上添加三列：`r_score`、`f_score`、`m_score`，"
                "每列都用你的 `score` 函数（或 `tie_aware_score`）计算。"
            ),
        },
        {
            "en": "Only recency needs `higher_is_better=False`.",
            "zh": "只有最近一次消费需要 `higher_is_better=False`。",
        },
    ],
    solution=(
        "scores = rfm.assign(\n"
        '    r_score=score(rfm["recency_days"], higher_is_better=False),\n'
        '    f_score=score(rfm["frequency"]),\n'
        '    m_score=score(rfm["monetary"]),\n'
        ")"
    ),
)


# ---------------------------------------------------------------------------- q6 segments


def _rules_applied_in_a_loop(scores: pd.DataFrame, fm: pd.Series, rules) -> pd.Series:
    """``.loc`` assignment rule by rule: each later match overwrites the earlier one."""
    segment = pd.Series("Others", index=scores.index, name="segment")
    for rule in rules:
        segment.loc[rule.matches(scores["r_score"], fm)] = rule.segment
    return segment


def _fm(scores: pd.DataFrame) -> pd.Series:
    return (scores["f_score"] + scores["m_score"]) / 2


def _last_rule_wins() -> pd.Series:
    scores = _scores()
    named = [rule for rule in SEGMENT_RULES if rule.segment != "Others"]
    return _rules_applied_in_a_loop(scores, _fm(scores), named)


def _fallback_overwrites() -> pd.Series:
    scores = _scores()
    return _rules_applied_in_a_loop(scores, _fm(scores), SEGMENT_RULES)


def _fm_as_sum() -> pd.Series:
    scores = _scores()
    fm = scores["f_score"] + scores["m_score"]
    conditions = [rule.matches(scores["r_score"], fm) for rule in SEGMENT_RULES]
    names = np.select(conditions, [rule.segment for rule in SEGMENT_RULES], default="Others")
    return pd.Series(names, index=scores.index, name="segment")


q6 = ValueProblem(
    id="rfm.q6",
    var="segment",
    title={"en": "Name the segments", "zh": "划分客户分群"},
    reference=lambda: _segmented()["segment"],
    compare=SeriesSpec(ignore_order=True),
    mistakes=[
        Mistake(
            "fallback_overwrites",
            en=(
                "Everyone is 'Others': the last rule matches every customer and your loop let "
                "it overwrite the rest. The rule table is first match wins."
            ),
            zh=(
                "所有人都成了 'Others'：最后一条规则匹配所有客户，而你的循环让它覆盖了前面的结果。"
                "规则表是“先匹配者优先”。"
            ),
            produce=lambda expected: _fallback_overwrites(),
        ),
        Mistake(
            "rules_last_match_wins",
            en=(
                "The rules were applied in the wrong precedence: a later rule overwrote an "
                "earlier match (Champions also fall in the Loyal box, and became Loyal). The "
                "first matching rule wins: use np.select, or assign only where no segment is "
                "set yet."
            ),
            zh=(
                "规则的优先顺序用错了："
                "后面的规则覆盖了前面的匹配结果（重要价值客户也落在忠诚客户的区域内，"
                "于是变成了忠诚客户）。应当“先匹配者优先”：用 np.select，"
                "或只给尚未分配分群的客户赋值。"
            ),
            produce=lambda expected: _last_rule_wins(),
        ),
        Mistake(
            "fm_sum_not_mean",
            en=(
                "fm is the MEAN of f_score and m_score (1 to 5 in steps of 0.5), not their "
                "sum: the rule boxes are drawn on the 5-point scale."
            ),
            zh=(
                "fm 是 f_score 与 m_score 的平均值（1 到 5，步长 0.5），而不是两者之和："
                "规则区域是按 5 分制划定的。"
            ),
            produce=lambda expected: _fm_as_sum(),
        ),
    ],
    hints=[
        {
            "en": (
                "Compute `fm = (scores['f_score'] + scores['m_score']) / 2`; each rule of "
                "`SEGMENT_RULES` has `rule.matches(r_score, fm)` and `rule.segment`."
            ),
            "zh": (
                "先计算 `fm = (scores['f_score'] + scores['m_score']) / 2`；"
                "`SEGMENT_RULES` 中每条规则都有 `rule.matches(r_score, fm)` 和 `rule.segment`。"
            ),
        },
        {
            "en": (
                "The first matching rule wins. `np.select(conditions, names, default='Others')` "
                "picks the first true condition; wrap the result in a Series indexed like "
                "`scores`."
            ),
            "zh": (
                "先匹配的规则优先。"
                "`np.select(conditions, names, default='Others')` 会选第一个为真的条件；"
                "再把结果包装成与 `scores` 索引相同的 Series。"
            ),
        },
    ],
    solution=(
        'fm = (scores["f_score"] + scores["m_score"]) / 2\n'
        'conditions = [rule.matches(scores["r_score"], fm) for rule in SEGMENT_RULES]\n'
        "names = [rule.segment for rule in SEGMENT_RULES]\n"
        "segment = pd.Series(\n"
        '    np.select(conditions, names, default="Others"), index=scores.index, name="segment"\n'
        ")"
    ),
)


# ---------------------------------------------------------------------------- q7 At Risk

q7 = ChoiceProblem(
    id="rfm.q7",
    var="answer_q7",
    title={"en": "What does an At Risk customer look like?", "zh": "流失风险客户是什么样的？"},
    options={
        "a": {
            "en": "Placed a first order last week, 60 yuan.",
            "zh": "上周第一次下单，消费 60 元。",
        },
        "b": {
            "en": (
                "Ordered about twice a month for a year and spent well, but nothing in the "
                "last five months."
            ),
            "zh": "过去一年大约每月下单两次、消费不低，但最近五个月没有任何订单。",
        },
        "c": {
            "en": "Orders every week, last time yesterday, and is among the biggest spenders.",
            "zh": "每周都下单，最近一次是昨天，消费金额名列前茅。",
        },
        "d": {
            "en": "Bought once, almost two years ago, for a small amount.",
            "zh": "近两年前只买过一次，金额很小。",
        },
    },
    answer="b",
    explanation={
        "en": (
            "At Risk is low R (1-2) with fair F and M (fm 3-4): a customer who used to be "
            "worth something and has gone quiet. That is who a win-back offer is for."
        ),
        "zh": (
            "流失风险客户的 R 分低（1–2），F、M 尚可（fm 3–4）：曾经有价值、如今沉默的客户。"
            "挽回优惠正是为他们准备的。"
        ),
    },
    mistakes={
        "a": Mistake(
            "new_is_not_at_risk",
            en=(
                "A first order last week is a New customer (R 5, low FM): welcome them, they "
                "are not slipping away."
            ),
            zh="上周刚首次下单的是新客户（R 5 分，FM 低）：应该做新客引导，他们并没有流失。",
        ),
        "c": Mistake(
            "recency_backwards",
            en=(
                "This is a Champion: recent, frequent, high spending. At Risk customers have a "
                "LOW recency score, it has been a long time since their last order. Did you "
                "read a high R as 'long ago'?"
            ),
            zh=(
                "这是重要价值客户：最近、频繁、高消费。流失风险客户的 R 分很低，"
                "距离上次下单已经很久。你是不是把 R 分高理解成了“很久以前”？"
            ),
        ),
        "d": Mistake(
            "lost_is_not_at_risk",
            en=(
                "One small order long ago is Lost (R 1, FM 1): little to win back, worth at "
                "most one cheap attempt. At Risk customers used to buy often and spend well."
            ),
            zh=(
                "很久以前的一笔小额订单属于已流失客户（R 1 分，FM 1 分）：挽回价值不大，"
                "最多做一次低成本尝试。流失风险客户过去购买频繁、消费不低。"
            ),
        ),
    },
    hints=[
        {
            "en": "Find At Risk on the segment map: which R rows and which FM columns?",
            "zh": "在分群图上找到流失风险客户：位于哪些 R 行、哪些 FM 列？",
        },
        {
            "en": "Low R means a long silence; FM 3-4 means they used to buy often and spend well.",
            "zh": "R 分低表示沉默已久；FM 为 3–4 表示他们过去购买频繁、消费不低。",
        },
    ],
)


# ---------------------------------------------------------------------------- q8 top 20%


def _top_20_customers() -> float:
    monetary = _rfm()["monetary"]
    return float(monetary.nlargest(20).sum() / monetary.sum())


def _bottom_20_percent() -> float:
    monetary = _rfm()["monetary"].sort_values()
    return float(monetary.head(len(monetary) // 5).sum() / monetary.sum())


def _top_20_percent_of_orders() -> float:
    amounts = _completed()["net_amount"].sort_values(ascending=False)
    return float(amounts.head(len(amounts) // 5).sum() / amounts.sum())


def _is_percent(answer: Any, expected: float) -> bool:
    return ScalarSpec(rtol=0, atol=0.5).values_equal(100 * expected, answer)


def _top_20_percent_share(orders: pd.DataFrame) -> float:
    return top_share(_rfm_of(orders)["monetary"], top=0.2)


@per_world
def _boundary_variants() -> tuple[float, ...]:
    """The share with the 20% boundary drawn the usual other ways: floor, ceiling, round,
    one customer more, and everyone at or above the 80th percentile of monetary."""
    monetary = _rfm()["monetary"]
    ordered = monetary.sort_values(ascending=False)
    total, n = monetary.sum(), len(monetary)
    counts = {int(0.2 * n), math.ceil(0.2 * n), round(0.2 * n), round(0.2 * n) + 1}
    shares = [float(ordered.head(count).sum() / total) for count in sorted(counts)]
    shares.append(float(monetary[monetary >= monetary.quantile(0.8)].sum() / total))
    return tuple(shares)


def _q8_spec() -> OneOfSpec:
    # Any usual boundary is right, as computed; the spread between them (one customer,
    # 0.0003 of revenue on 5,000 customers but 0.0016 on 600) is wider than the gap to the
    # likely mistakes, so no tolerance interval could span them all. Even a fixed 4-decimal
    # tolerance is too wide: on a 600-member world, keeping every status moved the share by
    # 0.00005 only, which a rounded answer could not tell from the floor boundary.
    # So: each variant as computed, or rounded to 4 decimals (a rounded answer of a mistake
    # that rounds the same way cannot be told apart, and passes).
    variants = (top_share(_rfm()["monetary"], top=0.2), *_boundary_variants())
    return OneOfSpec(accepted=(*variants, *(round(v, 4) for v in variants)), rtol=0.0, atol=1e-6)


q8 = ValueProblem(
    id="rfm.q8",
    var="top20_share",
    title={"en": "Revenue share of the top 20% of customers", "zh": "前 20% 客户的收入占比"},
    reference=lambda: top_share(_rfm()["monetary"], top=0.2),
    compare=_q8_spec,
    mistakes=[
        Mistake(
            "share_in_percent",
            en="Give the share as a fraction between 0 and 1 (0.62, not 62).",
            zh="请用 0 到 1 之间的小数表示占比（0.62，而不是 62）。",
            produce=lambda expected: 100 * top_share(_rfm()["monetary"], top=0.2),
            matches=_is_percent,
        ),
        Mistake(
            "bottom_not_top",
            en=(
                "That is the share of the 20% who spend the LEAST. Sort monetary in "
                "descending order (or use nlargest) before taking the first fifth."
            ),
            zh=(
                "这是消费最少的 20% 客户的占比。取前五分之一之前，"
                "请把消费金额按降序排序（或用 nlargest）。"
            ),
            produce=lambda expected: _bottom_20_percent(),
        ),
        Mistake(
            "top_20_customers",
            en=(
                "That is the share of the top 20 customers, not of the top 20%. Take "
                "int(0.2 * number of customers) of them."
            ),
            zh="这是前 20 位客户的占比，而不是前 20% 客户的占比。应取 int(0.2 × 客户数) 位客户。",
            produce=lambda expected: _top_20_customers(),
        ),
        Mistake(
            "orders_not_customers",
            en=(
                "You ranked orders, not customers. The question is how much of the revenue "
                "comes from the best fifth of CUSTOMERS: use monetary from the RFM table."
            ),
            zh=(
                "你排序的是订单而不是客户。问题是收入中有多少来自最好的五分之一客户："
                "请使用 RFM 表中的消费金额。"
            ),
            produce=lambda expected: _top_20_percent_of_orders(),
        ),
        Mistake(
            "statuses_kept",
            en=(
                "Monetary was summed over every order, returned and cancelled ones too: their "
                "money never stayed with the chain. Start from the RFM table of completed "
                "orders."
            ),
            zh=(
                "消费金额把所有订单都加进去了，包括退货和取消的订单：这些钱并没有留在公司。"
                "请从已完成订单的 RFM 表出发。"
            ),
            produce=lambda expected: _top_20_percent_share(_orders()),
        ),
        Mistake(
            "returns_kept",
            en=(
                "Returned orders are still in monetary: their money was paid back. Use the "
                "RFM table of completed orders only."
            ),
            zh="消费金额里还有退货订单：这些钱已经退还。请只用已完成订单的 RFM 表。",
            produce=lambda expected: _top_20_percent_share(_keep_statuses("completed", "returned")),
        ),
    ],
    hints=[
        {
            "en": (
                "Sort customers by `monetary`, biggest first, and keep the first fifth of "
                "them; divide their revenue by the total."
            ),
            "zh": "把客户按 `monetary` 从大到小排序，取前五分之一；用他们的收入除以总收入。",
        },
        {
            "en": (
                "`rfm['monetary'].nlargest(int(0.2 * len(rfm))).sum() / rfm['monetary'].sum()`"
                ", or `top_share(rfm['monetary'], top=0.2)`."
            ),
            "zh": (
                "`rfm['monetary'].nlargest(int(0.2 * len(rfm))).sum() / rfm['monetary'].sum()`，"
                "或者 `top_share(rfm['monetary'], top=0.2)`。"
            ),
        },
    ],
    solution='top20_share = top_share(rfm["monetary"], top=0.2)',
)


# ---------------------------------------------------------------------------- q9 win-back


def _customers_in(*segments: str) -> pd.Index:
    segmented = _segmented()
    return segmented.index[segmented["segment"].isin(segments).to_numpy()]


def _winback_with_backwards_recency() -> pd.Index:
    segmented = rfm_segments(_scores_backwards())
    return segmented.index[segmented["segment"].isin(WINBACK_SEGMENTS).to_numpy()]


q9 = ValueProblem(
    id="rfm.q9",
    var="winback",
    title={"en": "Who gets the win-back offer?", "zh": "哪些客户应收到挽回优惠？"},
    reference=lambda: play_customers(_segmented(), "win_back"),
    compare=SetSpec(),
    mistakes=[
        Mistake(
            "at_risk_only",
            en=(
                "You left out Can't Lose Them: the most valuable customers who have gone "
                "quiet. They get the win-back offer first (one to one, by a shopping guide)."
            ),
            zh=(
                "你漏掉了重要挽留客户：他们是最有价值、却已沉默的客户，"
                "应最先收到挽回优惠（由导购一对一跟进）。"
            ),
            produce=lambda expected: _customers_in("At Risk"),
        ),
        Mistake(
            "whole_churned_tier",
            en=(
                "That is the whole churned tier. Hibernating and Lost customers were never "
                "worth much: they get a low-cost reactivation, not a personal offer. The "
                "win-back offer is for Can't Lose Them and At Risk."
            ),
            zh=(
                "这是整个流失层级。沉睡客户和已流失客户本来价值就不高：只做低成本唤醒，"
                "而不是个性化优惠。挽回优惠面向重要挽留客户和流失风险客户。"
            ),
            produce=lambda expected: _customers_in(
                "Can't Lose Them", "At Risk", "Hibernating", "Lost"
            ),
        ),
        Mistake(
            "vip_not_winback",
            en=(
                "These are the VIPs (Champions and Loyal): they buy now, they get VIP care. "
                "A win-back offer is for valuable customers who stopped buying."
            ),
            zh=(
                "这些是 VIP（重要价值客户和忠诚客户）：他们正在购买，应给予 VIP 关怀。"
                "挽回优惠面向已停止购买的高价值客户。"
            ),
            produce=lambda expected: _customers_in("Champions", "Loyal"),
        ),
        Mistake(
            "recency_backwards",
            en=(
                "These customers bought recently: the recency score was computed backwards "
                "(recent = 1), so the 'At Risk' boxes picked the active ones."
            ),
            zh=(
                "这些客户最近都购买过：最近一次消费的评分方向反了（最近的得 1 分），"
                "所以“流失风险”区域选中的是活跃客户。"
            ),
            produce=lambda expected: _winback_with_backwards_recency(),
        ),
    ],
    hints=[
        {
            "en": (
                "Which segments hold valuable customers who stopped buying? Look at the "
                "actions in `segment_table()`."
            ),
            "zh": "哪些分群里是已停止购买的高价值客户？看看 `segment_table()` 中的建议动作。",
        },
        {
            "en": ("`segmented.index[segmented['segment'].isin([...])]` gives their customer ids."),
            "zh": "`segmented.index[segmented['segment'].isin([...])]` 可得到他们的客户编号。",
        },
    ],
    solution=(
        "winback = segmented.index[\n"
        '    segmented["segment"].isin(["Can\'t Lose Them", "At Risk"])\n'
        "]"
    ),
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9]
