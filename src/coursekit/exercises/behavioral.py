"""Module 05, behavioural and benefit segmentation (行为特征细分与利益细分): the problems of
``05_behavioral``.

The story: FreshNeighbor's team knows what each member is worth (RFM) and who they are
(demographics, attitudes); now it asks what they *do*: where, when, what and how they buy
and browse. The trainee

- q1: turns orders into each member's channel mix (the denominator of a share);
- q2: counts online orders by weekday and hour on the stores' clock (an export in UTC);
- q3: measures cart abandonment in the browsing funnel (sessions, not events);
- q4: prepares the behaviour features for k-means (log, then standardize);
- q5: clusters the members with a seeded k-means;
- q6: reads the four criteria for choosing k (choice);
- q7: centres the benefit-sought answers on each respondent's own mean (利益细分);
- q8: builds the one-hot basket matrix (one row per completed order);
- q9: computes support, confidence and lift of one rule by hand;
- q10: writes an action memo from a segment and a rule (open).

Every reference is computed from the data in use with
:mod:`coursekit.methods.behavioral`. Each mistake's ``produce`` makes the wrong answer the
way a trainee would (the wrong denominator, the UTC clock, unscaled features, order lines
as baskets ...); mistakes that many different wrong answers share also say how to
recognise them with ``matches``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import (
    ChoiceProblem,
    Comparison,
    Finding,
    FrameSpec,
    Mistake,
    OpenProblem,
    ScalarSpec,
    ValueProblem,
    ____,
    per_world,
    t,
)
from coursekit.engine.compare import type_name
from coursekit.engine.recognize import aligned_numbers, column_by_key
from coursekit.errors import CourseDataError
from coursekit.methods import behavioral as bh
from coursekit.methods.common import COMPLETED, completed_orders

__all__ = ["NOTEBOOK", "PROBLEMS", "____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8",
           "q9", "q10"]  # fmt: skip

NOTEBOOK = "05_behavioral"

#: The clustering of the lesson: k-means with k = 6 and seed 0 on the prepared features.
K = 6
SEED = 0

#: The rule whose support, confidence and lift q9 computes by hand.
RULE = ("meat_seafood", "fresh_produce")

ONLINE_CHANNELS = ("app", "mini_program")

# ---------------------------------------------------------------------------- shared data
#
# The tables, the behaviour features, their prepared matrix, the clusters and the baskets
# are computed once per world (coursekit.engine.cache) and shared by every problem; nothing
# below modifies them.


@per_world
def _orders() -> pd.DataFrame:
    return course.load("orders")


@per_world
def _items() -> pd.DataFrame:
    return course.load("order_items")


@per_world
def _products() -> pd.DataFrame:
    return course.load("products")


@per_world
def _events() -> pd.DataFrame:
    return course.load("web_events")


@per_world
def _completed() -> pd.DataFrame:
    return completed_orders(_orders())


@per_world
def _timezone() -> str:
    """The stores' time zone from the MANIFEST (the course default for data in memory)."""
    from coursekit.methods.data_collection import world_parameters

    try:
        return str(world_parameters(course.data_dir())["timezone"])
    except (CourseDataError, KeyError, OSError, ValueError):
        return bh.LOCAL_TZ


@per_world
def _features() -> pd.DataFrame:
    tables = {
        "orders": _orders(),
        "order_items": _items(),
        "products": _products(),
        "web_events": _events(),
    }
    return bh.behavior_features(tables)


@per_world
def _prepared() -> pd.DataFrame:
    return bh.prepare_features(_features())


@per_world
def _labels() -> pd.Series:
    return bh.kmeans_labels(_prepared(), K, SEED)


@per_world
def _baskets() -> pd.DataFrame:
    return bh.basket_matrix(_items(), _products(), "category", orders=_orders())


@per_world
def _benefit_answers() -> pd.DataFrame:
    """The raw importance answers (1..5, NaN where skipped), per respondent."""
    return bh.benefit_importance(course.load("survey"), course.load("survey_items"), center=False)


# ---------------------------------------------------------------------------- q1 channel mix


def _channel_shares(
    orders: pd.DataFrame, weights: str | None = None, normalize: str | bool = False
) -> pd.DataFrame:
    """What ``pd.crosstab(orders["customer_id"], orders["channel"], values=...,
    normalize=...)`` gives (computed with a groupby: crosstab takes seconds on lines)."""
    grouped = orders.groupby(["customer_id", "channel"], observed=True)
    cells = grouped.size() if weights is None else grouped[weights].sum()
    table = cells.unstack(fill_value=0)
    table.columns = pd.Index([str(name) for name in table.columns], name="channel")
    if normalize == "index":
        return table.div(table.sum(axis=1), axis=0)
    if normalize == "columns":
        return table / table.sum(axis=0)
    if normalize == "all":
        return table / table.to_numpy().sum()
    return table


def _channel_mix() -> pd.DataFrame:
    shares = _channel_shares(_completed(), normalize="index")
    channels = list(bh.CHANNELS) + sorted(set(shares.columns) - set(bh.CHANNELS))
    mix = shares.reindex(columns=channels, fill_value=0.0).astype("float64")
    mix.columns = pd.Index(channels, name="channel")
    return mix


def _channel_mix_of_lines() -> pd.DataFrame:
    lines = _completed().merge(_items()[["order_id"]], on="order_id")
    return _channel_shares(lines, normalize="index")


def _channel_mix_of_spend() -> pd.DataFrame:
    completed = _completed()
    return _channel_shares(completed, "net_amount", normalize="index")


q1 = ValueProblem(
    id="behavioral.q1",
    var="channel_mix",
    title={"en": "Each member's channel mix", "zh": "每位会员的渠道结构"},
    reference=_channel_mix,
    compare=FrameSpec(key="customer_id", ignore_row_order=True, atol=1e-9),
    mistakes=[
        Mistake(
            "share_of_lines",
            en=(
                "These are shares of order LINES: after merging with order_items, a basket of "
                "eight products counts eight times. The channel mix is a share of ORDERS "
                "(visits): count each order once."
            ),
            zh=(
                "这是按订单明细行计算的占比：与 order_items 合并后，一篮八件商品被算了八次。"
                "渠道结构是按订单（到店或下单次数）计算的占比：每笔订单只算一次。"
            ),
            produce=lambda expected: _channel_mix_of_lines(),
        ),
        Mistake(
            "share_of_spend",
            en=(
                "These are shares of MONEY (net_amount): one big weekend stock-up in the store "
                "outweighs ten breakfast orders in the app. The question asks how often the "
                "member uses each channel: count orders."
            ),
            zh=(
                "这是按金额（net_amount）计算的占比：门店里一次周末大采购的金额，"
                "抵得上 APP 里十次早餐订单。题目问的是会员使用各渠道的频率：请按订单数计算。"
            ),
            produce=lambda expected: _channel_mix_of_spend(),
        ),
        Mistake(
            "share_of_all_orders",
            en=(
                "You divided by ALL orders of all members (normalize='all'): the whole table "
                "sums to 1 and every member's row is tiny. Divide each member's counts by "
                "that member's own orders (normalize='index')."
            ),
            zh=(
                "你除以的是全体会员的全部订单（normalize='all'）：整张表加起来等于 1，"
                "每位会员那一行都非常小。应该用每位会员自己的订单数去除（normalize='index'）。"
            ),
            produce=lambda expected: _channel_shares(_completed(), normalize="all"),
        ),
        Mistake(
            "share_within_channel",
            en=(
                "Each COLUMN sums to 1 (normalize='columns'): that is each member's share of "
                "the channel's orders, not the channel's share of the member's orders. Each "
                "ROW must sum to 1 (normalize='index')."
            ),
            zh=(
                "你的表每一列加起来等于 1（normalize='columns'）：这是会员在某渠道订单中的占比，"
                "而不是某渠道在该会员订单中的占比。应当每一行加起来等于 1（normalize='index'）。"
            ),
            produce=lambda expected: _channel_shares(_completed(), normalize="columns"),
        ),
        Mistake(
            "counts_not_shares",
            en=(
                "These are numbers of orders, not shares. Divide each member's counts by the "
                "member's total, so that every row sums to 1."
            ),
            zh="这是订单数，不是占比。请用每位会员的订单总数去除，使每一行加起来等于 1。",
            produce=lambda expected: _channel_shares(_completed()),
        ),
        Mistake(
            "all_statuses_counted",
            en=(
                "Cancelled and returned orders are in: they were no purchase in that channel. "
                "Start from the completed orders."
            ),
            zh="取消和退货的订单也被算进去了：它们并不是在该渠道的真实购买。请从已完成订单开始。",
            produce=lambda expected: _channel_shares(_orders(), normalize="index"),
        ),
    ],
    hints=[
        {
            "en": (
                "Start from `completed`. For each member, count the orders per channel, then "
                "divide by the member's number of orders."
            ),
            "zh": "从 `completed` 开始。对每位会员按渠道统计订单数，再除以该会员的订单总数。",
        },
        {
            "en": (
                "`pd.crosstab(completed['customer_id'], completed['channel'], "
                "normalize='index')` does both: each row sums to 1."
            ),
            "zh": (
                "`pd.crosstab(completed['customer_id'], completed['channel'], "
                "normalize='index')` 一步完成：每一行加起来等于 1。"
            ),
        },
    ],
    solution=(
        'channel_mix = pd.crosstab(completed["customer_id"], completed["channel"], '
        'normalize="index")'
    ),
)


# ---------------------------------------------------------------------------- q2 online heat

_DAY_NAMES = {
    **{name.lower(): name for name in bh.WEEKDAYS},
    **{
        full.lower(): short
        for full, short in zip(
            ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            bh.WEEKDAYS,
            strict=True,
        )
    },
}


def _weekday_label(value: Any) -> str | None:
    """Mon..Sun for a weekday given as dt.day_of_week (0 = Monday) or as a day name."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer) and 0 <= int(value) <= 6:
        return bh.WEEKDAYS[int(value)]
    if isinstance(value, str):
        return _DAY_NAMES.get(value.strip().lower())
    return None


def _as_weekday_hour(answer: Any) -> Any:
    """A weekday x hour table in the reference's layout when it is one in another layout:
    rows labelled 0..6 or by day name, hours without orders left out (they count 0)."""
    if not isinstance(answer, pd.DataFrame) or answer.shape[0] == 0:
        return answer
    labels = [_weekday_label(value) for value in answer.index]
    hours = list(answer.columns)
    hour_like = all(
        isinstance(h, int | np.integer) and not isinstance(h, bool) and 0 <= h <= 23 for h in hours
    )
    if None in labels or len(set(labels)) != len(labels) or not hour_like:
        return answer
    table = answer.copy()
    table.index = pd.Index(labels, name="weekday")
    table.columns = pd.Index([int(h) for h in hours], name="hour")
    return table.reindex(columns=pd.Index(range(24), name="hour"), fill_value=0)


@dataclass(frozen=True)
class _WeekdayHourSpec:
    """Compares weekday x hour count tables whatever their row labels (day names or
    ``dt.day_of_week`` numbers) and whether empty hours are columns of zeros or left out."""

    inner: FrameSpec = field(default_factory=lambda: FrameSpec(ignore_row_order=True))

    def compare(self, expected: pd.DataFrame, answer: Any) -> Comparison:
        return self.inner.compare(expected, _as_weekday_hour(answer))


def _online_orders(statuses: tuple[str, ...] = (COMPLETED,)) -> pd.DataFrame:
    orders = _orders()
    keep = orders["channel"].astype(str).isin(ONLINE_CHANNELS) & orders["status"].astype(str).isin(
        statuses
    )
    return orders[keep.to_numpy()]


def _online_heat() -> pd.DataFrame:
    return bh.weekday_hour_table(_online_orders())


def _utc_clock(orders: pd.DataFrame) -> pd.DataFrame:
    """The orders with their times on the UTC clock, without a zone: what
    ``pd.to_datetime(created_at, unit="ms")`` gives."""
    utc = orders["order_ts"].dt.tz_localize(_timezone()).dt.tz_convert("UTC").dt.tz_localize(None)
    return orders.assign(order_ts=utc)


q2 = ValueProblem(
    id="behavioral.q2",
    var="online_heat",
    title={"en": "Online orders by weekday and hour", "zh": "线上订单的星期 × 小时分布"},
    reference=_online_heat,
    compare=_WeekdayHourSpec(),
    mistakes=[
        Mistake(
            "hour_in_utc",
            en=(
                "Your hours are on the UTC clock, eight hours behind the stores: breakfast "
                "orders show up at midnight and the evening peak in the morning. "
                "`pd.to_datetime(..., unit='ms')` gives UTC times without a zone; add "
                "`utc=True` and convert with `.dt.tz_convert(TZ)` before taking the hour "
                "and the weekday."
            ),
            zh=(
                "你用的是 UTC 时钟，比门店时间晚八个小时：早餐订单落到了半夜，"
                "晚高峰跑到了早上。`pd.to_datetime(..., unit='ms')` 得到的是不带时区的 UTC 时间；"
                "请加上 `utc=True`，并在取小时和星期之前用 `.dt.tz_convert(TZ)` 换算。"
            ),
            produce=lambda expected: bh.weekday_hour_table(_utc_clock(_online_orders())),
        ),
        Mistake(
            "all_statuses_counted",
            en=(
                "Cancelled and refunded orders are counted too. The occasions are about "
                "purchases: keep the orders whose status is 'FINISHED'."
            ),
            zh=(
                "取消和退款的订单也被计入了。购物场景分析的是真实购买：只保留 status 为 'FINISHED' "
                "的订单。"
            ),
            produce=lambda expected: bh.weekday_hour_table(
                _online_orders((COMPLETED, "cancelled", "returned"))
            ),
        ),
        Mistake(
            "shares_not_counts",
            en=(
                "These are shares of all orders; the table asks for numbers of orders per "
                "weekday and hour (the heatmap reads the same, but counts can be added up)."
            ),
            zh=(
                "这是占全部订单的比例；题目要求的是每个星期几、每个小时的订单数（热力图看起来一样，"
                "但数量可以相加）。"
            ),
            produce=lambda expected: bh.weekday_hour_table(_online_orders(), normalize=True),
        ),
    ],
    hints=[
        {
            "en": (
                "`created_at` counts milliseconds since 1970 in UTC. Turn it into local time "
                "first: `pd.to_datetime(online['created_at'], unit='ms', utc=True)"
                ".dt.tz_convert(TZ)`."
            ),
            "zh": (
                "`created_at` 是自 1970 年起的 UTC 毫秒数。先换算成本地时间："
                "`pd.to_datetime(online['created_at'], unit='ms', utc=True).dt.tz_convert(TZ)`。"
            ),
        },
        {
            "en": (
                "Keep the FINISHED orders, then count: `pd.crosstab(local.dt.day_of_week, "
                "local.dt.hour)`, or `weekday_hour_table(...)` on a frame whose `order_ts` "
                "holds the local times."
            ),
            "zh": (
                "只保留 FINISHED 的订单，再计数："
                "`pd.crosstab(local.dt.day_of_week, local.dt.hour)`，"
                "或者对 `order_ts` 为本地时间的表调用 `weekday_hour_table(...)`。"
            ),
        },
    ],
    solution=(
        'finished = online[online["status"] == "FINISHED"]\n'
        'utc = pd.to_datetime(finished["created_at"], unit="ms", utc=True)\n'
        "local = utc.dt.tz_convert(TZ).dt.tz_localize(None)  # the stores' wall clock\n"
        "online_heat = weekday_hour_table(finished.assign(order_ts=local))"
    ),
)


# ---------------------------------------------------------------------------- q3 abandonment


def _session_counts() -> dict[str, float]:
    stages = bh.funnel(_events())["sessions"]
    return {stage: float(count) for stage, count in stages.items()}


@per_world
def _abandonment_variants() -> dict[str, float]:
    """The usual wrong ways to compute the abandonment rate, from the same web events."""
    events = _events()
    sessions = (
        pd.DataFrame(
            {
                "cart": (events["event_type"] == "add_to_cart").to_numpy(),
                "purchase": (events["event_type"] == "purchase").to_numpy(),
            }
        )
        .groupby([events["customer_id"].to_numpy(), events["session_id"].to_numpy()])
        .any()
    )
    carts = sessions["cart"]
    abandoned = int((carts & ~sessions["purchase"]).sum())
    counts = events["event_type"].astype(str).value_counts()
    return {
        "over_all_sessions": abandoned / len(sessions),
        "events_not_sessions": 1 - counts.get("purchase", 0) / counts.get("add_to_cart", 1),
        "purchases_without_cart_counted": 1 - sessions["purchase"].sum() / carts.sum(),
        "conversion_not_abandonment": float((carts & sessions["purchase"]).sum() / carts.sum()),
    }


def _abandonment_variant(name: str) -> float:
    return float(_abandonment_variants()[name])


q3 = ValueProblem(
    id="behavioral.q3",
    var="abandonment",
    title={"en": "Cart abandonment rate", "zh": "购物车放弃率"},
    reference=lambda: bh.cart_abandonment(_events()),
    # Rounding to three decimals is accepted; the mistakes below are 0.1 or more away.
    compare=ScalarSpec(rtol=0.0, atol=5e-4),
    mistakes=[
        Mistake(
            "over_all_sessions",
            en=(
                "You divided the abandoned carts by ALL sessions. Most sessions never put "
                "anything in the cart; the abandonment rate is a share of the sessions WITH "
                "a cart."
            ),
            zh=(
                "你用放弃的购物车除以了全部会话。大多数会话根本没有加购；"
                "购物车放弃率是占“有加购的会话”的比例。"
            ),
            produce=lambda expected: _abandonment_variant("over_all_sessions"),
        ),
        Mistake(
            "events_not_sessions",
            en=(
                "You counted events, not sessions: one visit may add five products to the "
                "cart and then buy once. Count each session once: a session with an "
                "add_to_cart and no purchase is one abandoned cart."
            ),
            zh=(
                "你统计的是事件而不是会话：一次访问可能加购五件商品、最后只下一单。"
                "每个会话只算一次：有加购但没有购买的会话就是一次放弃的购物车。"
            ),
            produce=lambda expected: _abandonment_variant("events_not_sessions"),
        ),
        Mistake(
            "purchases_without_cart_counted",
            en=(
                "1 - purchase sessions / cart sessions counts the 'buy now' purchases too: "
                "they never used the cart. Count the sessions that have an add_to_cart AND "
                "no purchase."
            ),
            zh=(
                "1 - 购买会话数 / 加购会话数 把“立即购买”的订单也算进去了，而它们根本没用购物车。"
                "请统计“有加购且没有购买”的会话。"
            ),
            produce=lambda expected: _abandonment_variant("purchases_without_cart_counted"),
        ),
        Mistake(
            "conversion_not_abandonment",
            en=(
                "That is the share of carts that were bought: the cart conversion, the "
                "opposite of the abandonment rate."
            ),
            zh="这是购物车最终成交的比例，即购物车转化率，正好是放弃率的反面。",
            produce=lambda expected: _abandonment_variant("conversion_not_abandonment"),
        ),
    ],
    hints=[
        {
            "en": (
                "Work per session: for each (customer_id, session_id), did it have an "
                "add_to_cart? a purchase?"
            ),
            "zh": "按会话计算：对每个 (customer_id, session_id)，它有没有加购？有没有购买？",
        },
        {
            "en": (
                "`flags = web_events.assign(cart=web_events['event_type'] == 'add_to_cart', "
                "buy=web_events['event_type'] == 'purchase').groupby(['customer_id', "
                "'session_id'])[['cart', 'buy']].any()`; then abandoned carts / carts."
            ),
            "zh": (
                "`flags = web_events.assign(cart=web_events['event_type'] == 'add_to_cart', "
                "buy=web_events['event_type'] == 'purchase').groupby(['customer_id', "
                "'session_id'])[['cart', 'buy']].any()`；再用放弃的购物车数除以加购会话数。"
            ),
        },
    ],
    solution=(
        "flags = web_events.assign(\n"
        '    cart=web_events["event_type"] == "add_to_cart",\n'
        '    buy=web_events["event_type"] == "purchase",\n'
        ').groupby(["customer_id", "session_id"])[["cart", "buy"]].any()\n'
        'abandonment = (flags["cart"] & ~flags["buy"]).sum() / flags["cart"].sum()'
    ),
)


# ---------------------------------------------------------------------------- q4 prepare


def _scaled(frame: pd.DataFrame) -> pd.DataFrame:
    from sklearn.preprocessing import StandardScaler

    return pd.DataFrame(
        StandardScaler().fit_transform(frame.to_numpy(dtype="float64")),
        index=frame.index,
        columns=frame.columns,
    )


def _logged_columns(frame: pd.DataFrame) -> list[str]:
    return [col for col in bh.DEFAULT_LOG_COLUMNS if col in frame.columns]


def _scaled_then_logged() -> pd.DataFrame:
    scaled = _scaled(_features())
    with np.errstate(invalid="ignore", divide="ignore"):
        for col in _logged_columns(scaled):
            scaled[col] = np.log1p(scaled[col])
    return scaled


def _numeric_part(answer: Any) -> pd.DataFrame | None:
    if not isinstance(answer, pd.DataFrame):
        return None
    frame = answer.drop(columns=[c for c in ("customer_id",) if c in answer.columns])
    try:
        return frame.apply(pd.to_numeric, errors="coerce").astype("float64")
    except (TypeError, ValueError):
        return None


def _column_close(answer: Any, column: str, wrong: pd.Series, rtol: float = 1e-6) -> bool:
    """The answer's ``column`` (per customer_id, a column or the index) equals ``wrong``."""
    values = aligned_numbers(column_by_key(answer, column), wrong)
    if values is None or np.isnan(values).all():
        return False
    return bool(np.allclose(values, wrong.to_numpy(dtype="float64"), rtol=rtol, atol=1e-9))


def _is_raw(answer: Any, expected: pd.DataFrame) -> bool:
    features = _features()
    return all(_column_close(answer, col, features[col]) for col in ("monetary", "frequency"))


def _is_scaled_not_logged(answer: Any, expected: pd.DataFrame) -> bool:
    features = _features()
    return all(
        _column_close(
            answer, col, (features[col] - features[col].mean()) / features[col].std(), 5e-3
        )
        for col in ("monetary", "frequency")
    )


def _log_without_one() -> pd.DataFrame:
    """np.log instead of np.log1p, then standardized with pandas (StandardScaler refuses
    the -inf that the log of a zero count gives)."""
    logged = _features().copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for col in _logged_columns(logged):
            logged[col] = np.log(logged[col])
        return (logged - logged.mean()) / logged.std()


def _is_log_of_zero(answer: Any, expected: pd.DataFrame) -> bool:
    """A logged column with -inf (log of 0), or every logged column that has zeros in the
    features entirely missing (standardizing -inf gives NaN everywhere)."""
    frame = _numeric_part(answer)
    if frame is None or len(frame) == 0:
        return False
    features = _features()
    logged = [col for col in _logged_columns(frame) if col in features.columns]
    with_zeros = [col for col in logged if (features[col] == 0).any()]
    if not with_zeros:
        return False
    values = frame[logged].to_numpy()
    if np.isneginf(values).any():
        return True
    return bool(all(frame[col].isna().all() for col in with_zeros) and frame.notna().any().any())


def _is_scaled_before_log(answer: Any, expected: pd.DataFrame) -> bool:
    """Missing or infinite values in the logged columns only: log1p met standardized
    values below -1, which only happens when the log comes after the scaling."""
    frame = _numeric_part(answer)
    if frame is None or len(frame) == 0:
        return False
    logged = _logged_columns(frame)
    others = [col for col in frame.columns if col not in logged]
    if not logged or not others:
        return False
    broken = ~np.isfinite(frame[logged].to_numpy())
    return bool(broken.any() and not broken.all() and np.isfinite(frame[others].to_numpy()).all())


def _is_unscaled(answer: Any, expected: pd.DataFrame) -> bool:
    """Finite values whose columns are far from standard deviation 1 (monetary's is in
    the hundreds or, logged, still well above 1)."""
    frame = _numeric_part(answer)
    if frame is None or len(frame) < 3 or frame.shape[1] < 2:
        return False
    values = frame.to_numpy()
    if not np.isfinite(values).all():
        return False
    spread = values.std(axis=0)
    return bool((np.abs(spread - 1) > 0.2).mean() > 0.5)


q4 = ValueProblem(
    id="behavioral.q4",
    var="X",
    title={"en": "Features ready for k-means", "zh": "为 k-means 准备特征"},
    reference=lambda: _prepared(),
    # StandardScaler divides by the SD with ddof=0, pandas' .std() with ddof=1: both are
    # right, and differ by a factor sqrt(n / (n - 1)) (1e-4 on 5,000 members, 1e-3 on
    # 500). The mistakes change values by far more than 0.5 %.
    compare=FrameSpec(key="customer_id", ignore_row_order=True, rtol=5e-3, atol=1e-6),
    mistakes=[
        Mistake(
            "unscaled_raw_features",
            en=(
                "These are the raw features. k-means measures distances: monetary, in "
                "thousands of yuan, would decide the clusters on its own while the shares "
                "(0 to 1) hardly count. Take the log of the skewed columns, then standardize "
                "every column."
            ),
            zh=(
                "这是原始特征。k-means 依据距离聚类：以千元计的消费金额会单独决定聚类结果，"
                "而 0 到 1 之间的各类占比几乎不起作用。请先对偏态列取对数，再把每一列标准化。"
            ),
            produce=lambda expected: _features(),
            matches=_is_raw,
        ),
        Mistake(
            "log_of_zero",
            en=(
                "Some of your logged columns are -inf or entirely missing: np.log(0) is "
                "minus infinity, and members with no browsing have 0 sessions. Use "
                "np.log1p (the log of 1 + x), which is 0 at 0."
            ),
            zh=(
                "你取对数的列中有 -inf，或整列都是缺失值：np.log(0) 是负无穷，"
                "而没有浏览记录的会员会话数为 0。请用 np.log1p（即 log(1 + x)），它在 0 处为 0。"
            ),
            produce=lambda expected: _log_without_one(),
            matches=_is_log_of_zero,
        ),
        Mistake(
            "scaled_before_log",
            en=(
                "Your logged columns have missing or infinite values: you standardized first "
                "and took the log after. A standardized value below -1 has no log1p. Take "
                "the log of the skewed counts and amounts first (they are >= 0), then "
                "standardize."
            ),
            zh=(
                "你取了对数的列出现了缺失值或无穷大：你先做了标准化、后取对数。"
                "标准化后小于 -1 的值没有 log1p。请先对偏态的计数和金额取对数（它们都 >= 0），"
                "再做标准化。"
            ),
            produce=lambda expected: _scaled_then_logged(),
            matches=_is_scaled_before_log,
        ),
        Mistake(
            "skewed_features_not_logged",
            en=(
                "Standardized, but not logged: a handful of members with 100 orders or "
                "20,000 yuan sit ten standard deviations out and get clusters of their own. "
                "Take log1p of the skewed columns before standardizing."
            ),
            zh=(
                "做了标准化，但没有取对数：少数下单 100 次或消费 2 万元的会员偏离十个标准差，"
                "会各自形成小聚类。请在标准化之前对偏态列取 log1p。"
            ),
            produce=lambda expected: _scaled(_features()),
            matches=_is_scaled_not_logged,
        ),
        Mistake(
            "features_not_scaled",
            en=(
                "The columns are not standardized: their spreads differ, so the widest one "
                "(log monetary, or monetary itself) dominates the distances. After the log, "
                "standardize every column to mean 0 and standard deviation 1 "
                "(StandardScaler)."
            ),
            zh=(
                "各列没有标准化：它们的离散程度不同，最宽的那一列（消费金额的对数，或消费金额本身）"
                "会主导距离。取对数之后，请把每一列标准化为均值 0、标准差 1（StandardScaler）。"
            ),
            produce=lambda expected: bh.prepare_features(_features(), scale=False),
            matches=_is_unscaled,
        ),
    ],
    hints=[
        {
            "en": (
                "Two steps, in this order: `np.log1p` of the columns in `DEFAULT_LOG_COLUMNS`, "
                "then standardize all columns."
            ),
            "zh": (
                "两步，顺序不能反：先对 `DEFAULT_LOG_COLUMNS` 中的列取 `np.log1p`，"
                "再把所有列标准化。"
            ),
        },
        {
            "en": (
                "`StandardScaler().fit_transform(logged)` returns an array: wrap it in a "
                "DataFrame with the index and columns of `features`. `prepare_features` does "
                "both steps."
            ),
            "zh": (
                "`StandardScaler().fit_transform(logged)` 返回数组：请用 `features` 的索引和列名"
                "包装成 DataFrame。`prepare_features` 可一次完成这两步。"
            ),
        },
    ],
    solution=(
        "logged = features.copy()\n"
        "log_cols = list(DEFAULT_LOG_COLUMNS)\n"
        "logged[log_cols] = np.log1p(logged[log_cols])\n"
        "X = pd.DataFrame(StandardScaler().fit_transform(logged), index=logged.index, "
        "columns=logged.columns)"
    ),
)


# ---------------------------------------------------------------------------- q5 clusters


def _answer_labels(answer: Any, like: pd.Series) -> np.ndarray | None:
    """The answer's cluster labels in the order of ``like``'s index, or None when the
    answer is not one label per member (a Series on the same members, or an array in
    the order of the features)."""
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    if isinstance(answer, pd.Series):
        if len(answer) != len(like) or answer.index.has_duplicates:
            return None
        if answer.index.isin(like.index).all():
            values = answer.reindex(like.index)
        elif isinstance(answer.index, pd.RangeIndex):
            values = answer  # positions, as fit_predict returns them
        else:
            return None
        array = values.to_numpy()
    elif isinstance(answer, np.ndarray | list | tuple | pd.Index):
        array = np.asarray(answer)
        if array.ndim != 1 or len(array) != len(like):
            return None
    else:
        return None
    if array.dtype.kind in "fc" and np.isnan(array.astype("complex128")).any():
        return None
    if pd.isna(array).any():
        return None
    return array


def _mismatched(expected: np.ndarray, labels: np.ndarray) -> int:
    """Members outside the best one-to-one matching of the two partitions' clusters."""
    from scipy.optimize import linear_sum_assignment

    codes_e, names_e = pd.factorize(expected)
    codes_a, names_a = pd.factorize(labels)
    table = np.zeros((len(names_e), len(names_a)), dtype="int64")
    np.add.at(table, (codes_e, codes_a), 1)
    rows, cols = linear_sum_assignment(-table)
    return int(len(expected) - table[rows, cols].sum())


@dataclass(frozen=True)
class _SameClustersSpec:
    """Two clusterings agree when they put the same members together: label numbers do
    not matter (k-means numbers its clusters in the order it found them). A handful of
    members (0.1 %) may differ: a tie at a cluster border can fall either way from one
    machine to another."""

    share: float = 0.001

    def compare(self, expected: pd.Series, answer: Any) -> Comparison:
        if not isinstance(answer, pd.Series | pd.DataFrame | np.ndarray | list | tuple | pd.Index):
            kind = Finding("type", {"expected": t("kind.series"), "given": type_name(answer)})
            return Comparison(False, (kind,))
        labels = _answer_labels(answer, expected)
        if labels is None:
            size = len(answer) if hasattr(answer, "__len__") else 0
            if size != len(expected):
                return Comparison(
                    False, (Finding("row_count", {"expected": len(expected), "given": size}),)
                )
            return Comparison(
                False,
                (
                    Finding(
                        "values",
                        {"column": "cluster", "count": len(expected), "total": len(expected)},
                    ),
                ),
            )
        wrong = _mismatched(expected.to_numpy(), labels)
        if wrong <= int(self.share * len(expected)):
            return Comparison(True)
        return Comparison(
            False,
            (Finding("values", {"column": "cluster", "count": wrong, "total": len(expected)}),),
        )


def _is_kmeans_solution(labels: np.ndarray, matrix: np.ndarray) -> bool:
    """True when (almost) every member is nearest to the centre of its own cluster: a
    fixed point of k-means on ``matrix``."""
    codes, names = pd.factorize(labels)
    if len(names) < 2 or len(names) > len(matrix) // 2:
        return False
    centres = np.vstack([matrix[codes == c].mean(axis=0) for c in range(len(names))])
    distances = (matrix**2).sum(axis=1)[:, None] - 2 * matrix @ centres.T + (centres**2).sum(axis=1)
    return bool((distances.argmin(axis=1) == codes).mean() >= 0.99)


def _clusters_on(matrix_of: Any, *, other_than_reference: bool = False):
    """``matches``: the answer is a k-means solution on the matrix ``matrix_of()``."""

    def matches(answer: Any, expected: pd.Series) -> bool:
        labels = _answer_labels(answer, expected)
        if labels is None:
            return False
        if other_than_reference and _mismatched(expected.to_numpy(), labels) == 0:
            return False
        matrix = matrix_of().reindex(expected.index).to_numpy(dtype="float64")
        return _is_kmeans_solution(labels, matrix)

    return matches


def _unseeded_labels() -> pd.Series:
    """One k-means start from another seed, as a run without random_state gives: the
    first seed whose clusters differ from the reference."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    X = _prepared()
    reference = _labels().to_numpy()
    with threadpool_limits(limits=1):
        for seed in range(1, 50):
            labels = KMeans(n_clusters=K, n_init=1, random_state=seed).fit_predict(X.to_numpy())
            if _mismatched(reference, labels) > 0.01 * len(labels):
                break
    return pd.Series(labels, index=X.index, name="cluster")


q5 = ValueProblem(
    id="behavioral.q5",
    var="labels",
    title={"en": "Six behaviour clusters", "zh": "六个行为聚类"},
    reference=lambda: _labels(),
    compare=_SameClustersSpec(),
    mistakes=[
        Mistake(
            "unscaled_features",
            en=(
                "These clusters come from the unscaled features: monetary, in thousands of "
                "yuan, decided them on its own (they are spending bands, not behaviours). "
                "Cluster `X`, the logged and standardized features."
            ),
            zh=(
                "这些聚类来自未标准化的特征：以千元计的消费金额单独决定了结果"
                "（得到的是消费档次，而不是行为模式）。请对 `X`（取对数并标准化后的特征）聚类。"
            ),
            produce=lambda expected: bh.kmeans_labels(_features(), K, SEED),
            matches=_clusters_on(_features),
        ),
        Mistake(
            "skewed_features_not_logged",
            en=(
                "These clusters come from features standardized without the log: a few "
                "extreme members pull clusters of their own. Cluster `X`."
            ),
            zh=(
                "这些聚类来自未取对数、只做了标准化的特征：少数极端会员会被单独拉成小聚类。请对 "
                "`X` 聚类。"
            ),
            produce=lambda expected: bh.kmeans_labels(_scaled(_features()), K, SEED),
            matches=_clusters_on(lambda: _scaled(_features())),
        ),
        Mistake(
            "kmeans_seed_unset",
            en=(
                "These are k-means clusters of X, but from other random starting centres: "
                "without a fixed random_state every run gives other clusters (and with "
                "scikit-learn's default n_init, one unlucky start decides). Fix the seed and "
                "keep the best of ten starts: `kmeans_labels(X, 6, seed=0)` or "
                "`KMeans(n_clusters=6, n_init=10, random_state=0)`."
            ),
            zh=(
                "这些确实是对 X 做 k-means 得到的聚类，但来自另一组随机初始中心：不固定 "
                "random_state，"
                "每次运行结果都会不同（而 scikit-learn 默认的 n_init 只做一次初始化，"
                "结果取决于运气）。"
                "请固定随机种子，并取十次初始化中最好的一次：`kmeans_labels(X, 6, seed=0)` 或 "
                "`KMeans(n_clusters=6, n_init=10, random_state=0)`。"
            ),
            produce=lambda expected: _unseeded_labels(),
            matches=_clusters_on(_prepared, other_than_reference=True),
        ),
    ],
    hints=[
        {
            "en": (
                "Cluster `X` (not `features`) into 6 groups with a fixed seed: "
                "`kmeans_labels(X, 6, seed=0)`."
            ),
            "zh": (
                "对 `X`（不是 `features`）聚成 6 类，并固定随机种子：`kmeans_labels(X, 6, "
                "seed=0)`。"
            ),
        },
        {
            "en": (
                "With scikit-learn: `KMeans(n_clusters=6, n_init=10, random_state=0)"
                ".fit_predict(X)`, wrapped in a Series with the index of `X`."
            ),
            "zh": (
                "用 scikit-learn：`KMeans(n_clusters=6, n_init=10, "
                "random_state=0).fit_predict(X)`，"
                "再包装成以 `X` 的索引为索引的 Series。"
            ),
        },
    ],
    solution="labels = kmeans_labels(X, 6, seed=0)",
)


# ---------------------------------------------------------------------------- q6 choosing k

q6 = ChoiceProblem(
    id="behavioral.q6",
    var="answer_q6",
    title={"en": "Reading the criteria for k", "zh": "解读选择 k 的指标"},
    options={
        "a": {
            "en": "Take the k with the lowest inertia: that is where the clusters fit best.",
            "zh": "选惯性（inertia）最低的 k：那里的聚类拟合得最好。",
        },
        "b": {
            "en": (
                "More clusters describe members more precisely, so the silhouette can only "
                "get better as k grows: take the largest k the team can handle."
            ),
            "zh": (
                "聚类越多，对会员的刻画越精细，所以轮廓系数只会随 k 增大而变好：选团队能承受的最大 "
                "k。"
            ),
        },
        "c": {
            "en": (
                "Inertia always falls as k grows, so read its elbow, not its minimum; read "
                "the silhouette and Calinski-Harabasz (higher is better) and Davies-Bouldin "
                "(lower is better) side by side; where they disagree, the cluster profiles "
                "and what the team can act on decide."
            ),
            "zh": (
                "惯性总是随 k 增大而下降，所以要看它的“肘部”，而不是最小值；把轮廓系数、"
                "Calinski-Harabasz（越高越好）和 Davies-Bouldin（越低越好）放在一起看；"
                "它们意见不一致时，由聚类画像和团队能否据此行动来决定。"
            ),
        },
        "d": {
            "en": "Take the k with the highest Davies-Bouldin index, as with the silhouette.",
            "zh": "像轮廓系数一样，选 Davies-Bouldin 指数最高的 k。",
        },
    },
    answer="c",
    explanation={
        "en": (
            "Each criterion answers a slightly different question, and on real behaviour "
            "data the clusters overlap: no k is 'true'. The four numbers narrow the choice; "
            "the profiles decide it."
        ),
        "zh": (
            "每个指标回答的问题略有不同，而真实行为数据中的聚类本来就相互重叠：不存在“真正的” k。"
            "四个指标用来缩小范围，最终由聚类画像来决定。"
        ),
    },
    mistakes={
        "a": Mistake(
            "k_by_lowest_inertia",
            en=(
                "Inertia (the within-cluster sum of squares) falls every time a cluster is "
                "added: its minimum is simply the largest k tried, and with one member per "
                "cluster it is 0. Look for the elbow, where adding clusters stops paying."
            ),
            zh=(
                "惯性（簇内平方和）每增加一个聚类都会下降：它的最小值就是尝试过的最大 k，"
                "若每个会员单独成一类，惯性为 0。要看“肘部”，即再增加聚类已不再划算的位置。"
            ),
        ),
        "b": Mistake(
            "silhouette_higher_k_better",
            en=(
                "The silhouette does not rise with k: it compares each member's distance to "
                "its own cluster with the distance to the nearest other one, and splitting "
                "a real group usually lowers it. Read it like a score (higher is better), "
                "not like a count of clusters."
            ),
            zh=(
                "轮廓系数并不会随 k 增大而上升：它比较的是会员到本簇与到最近他簇的距离，"
                "把一个真实的群体硬拆开通常会让它下降。应把它当作评分（越高越好），"
                "而不是聚类越多越好。"
            ),
        ),
        "d": Mistake(
            "davies_bouldin_backwards",
            en=(
                "Davies-Bouldin measures how much clusters resemble their nearest neighbour: "
                "lower is better, the opposite of the silhouette."
            ),
            zh=(
                "Davies-Bouldin 衡量的是各聚类与最相近聚类的相似程度：越低越好，"
                "方向与轮廓系数相反。"
            ),
        ),
    },
    hints=[
        {
            "en": "What happens to the inertia when you add one more cluster? Can it go up?",
            "zh": "再增加一个聚类时，惯性会怎样变化？它可能上升吗？",
        },
        {
            "en": (
                "Look at the table of `choose_k`: which criteria say 'higher is better', "
                "which 'lower is better', and do they pick the same k?"
            ),
            "zh": "看看 `choose_k` 的结果表：哪些指标越高越好，哪些越低越好？它们选出的 k 一样吗？",
        },
    ],
)


# ---------------------------------------------------------------------------- q7 benefits


def _benefits() -> pd.DataFrame:
    answers = _benefit_answers()
    return answers.sub(answers.mean(axis=1), axis=0).fillna(0.0)


def _benefits_skips_as_zero() -> pd.DataFrame:
    answers = _benefit_answers().fillna(0.0)
    return answers.sub(answers.mean(axis=1), axis=0)


def _benefits_per_item() -> pd.DataFrame:
    answers = _benefit_answers()
    return (answers - answers.mean()).fillna(0.0)


def _benefits_over_all_items() -> pd.DataFrame:
    survey = course.load("survey").set_index("customer_id")
    items = [col for col in survey.columns if col != "response_date"]
    answers = _benefit_answers()
    mean = survey[items].astype("float64").mean(axis=1).reindex(answers.index)
    return answers.sub(mean, axis=0).fillna(0.0)


def _same_where_answered(wrong: pd.DataFrame):
    """``matches``: the answer equals ``wrong`` on every answered cell (whatever it put in
    the skipped ones)."""

    def matches(answer: Any, expected: pd.DataFrame) -> bool:
        target = wrong()
        answered = _benefit_answers().notna()
        hits = []
        for column in target.columns:
            given = column_by_key(answer, column)
            if given is None or not given.index.isin(target.index).all():
                return False
            if len(given) != len(target):
                return False
            values = pd.to_numeric(given.reindex(target.index), errors="coerce").to_numpy()
            mask = answered[column].to_numpy()
            hits.append(np.allclose(values[mask], target[column].to_numpy()[mask], atol=1e-6))
        return all(hits)

    return matches


def _is_standardized_per_item(answer: Any, expected: pd.DataFrame) -> bool:
    answers = _benefit_answers()
    z = (answers - answers.mean()) / answers.std()
    return _same_where_answered(lambda: z)(answer, expected) or _same_where_answered(
        _benefits_per_item
    )(answer, expected)


q7 = ValueProblem(
    id="behavioral.q7",
    var="benefits",
    title={"en": "What each respondent seeks most", "zh": "每位受访者最看重的利益"},
    reference=_benefits,
    compare=FrameSpec(key="customer_id", ignore_row_order=True, atol=1e-6),
    mistakes=[
        Mistake(
            "not_centered",
            en=(
                "These are the raw answers. Most respondents call most things important, and "
                "some tick 5 everywhere: clusters of raw answers sort people by how "
                "generously they answer. Subtract each respondent's own mean over b01-b06."
            ),
            zh=(
                "这是原始答案。大多数受访者认为大部分利益都重要，还有人全部勾 5："
                "对原始答案聚类，只会按“答题有多慷慨”把人分组。请减去每位受访者自己在 b01–b06 "
                "上的平均分。"
            ),
            produce=lambda expected: _benefit_answers().fillna(0.0),
            matches=_same_where_answered(_benefit_answers),
        ),
        Mistake(
            "centered_per_item",
            en=(
                "You centred each BENEFIT on its mean over all respondents (column means). "
                "That keeps each person's answering style: the generous still score high "
                "everywhere. Centre each RESPONDENT (row) on their own mean: "
                "`answers.sub(answers.mean(axis=1), axis=0)`."
            ),
            zh=(
                "你是按每个利益项在全体受访者中的均值（列均值）来中心化的。"
                "这样保留了每个人的答题风格：答得慷慨的人仍然处处得分高。"
                "应按每位受访者（行）自己的均值中心化：`answers.sub(answers.mean(axis=1), "
                "axis=0)`。"
            ),
            produce=lambda expected: _benefits_per_item(),
            matches=_is_standardized_per_item,
        ),
        Mistake(
            "skipped_answers_as_zero",
            en=(
                "A skipped question became 0 BEFORE the mean: it pulled the respondent's mean "
                "down (0 is not even on the 1-5 scale) and pushed every answered item up. "
                "Take the mean over the answered items (mean() skips NaN), centre, and only "
                "then fill the skipped cells with 0."
            ),
            zh=(
                "跳过的题目在求均值之前就被当成了 0：它拉低了受访者的均值（0 根本不在 1–5 "
                "的量表上），"
                "也把其他题目的得分都抬高了。请只对作答过的题目求均值（mean() 会跳过 NaN），"
                "中心化之后，再把跳过的格子填为 0。"
            ),
            produce=lambda expected: _benefits_skips_as_zero(),
        ),
        Mistake(
            "skipped_left_missing",
            en=(
                "Centred right, but the skipped answers are still missing (NaN): k-means "
                "refuses a table with gaps. Fill them with 0, the respondent's own average, "
                "after centring."
            ),
            zh=(
                "中心化是对的，但跳过的题目仍是缺失值（NaN）：k-means 不接受有空缺的表。"
                "请在中心化之后把它们填为 0，即该受访者自己的平均水平。"
            ),
            produce=lambda expected: bh.benefit_importance(
                course.load("survey"), course.load("survey_items")
            ),
        ),
        Mistake(
            "mean_over_all_items",
            en=(
                "You subtracted the mean over the whole questionnaire (the attitude items "
                "q01-q20 too). Agreeing with statements and rating importance are different "
                "scales: centre on the mean of the six benefit items only."
            ),
            zh=(
                "你减去的是整份问卷的均值（把态度题 q01–q20 也算进去了）。"
                "“同意某个说法”和“评价重要性”是两种不同的量表：只用六个利益诉求题的均值来中心化。"
            ),
            produce=lambda expected: _benefits_over_all_items(),
            matches=_same_where_answered(_benefits_over_all_items),
        ),
    ],
    hints=[
        {
            "en": (
                "`answers = survey.set_index('customer_id')[['b01', ..., 'b06']]`; each "
                "respondent's own mean is `answers.mean(axis=1)` (skipped answers do not "
                "count)."
            ),
            "zh": (
                "`answers = survey.set_index('customer_id')[['b01', ..., 'b06']]`；"
                "每位受访者自己的均值是 `answers.mean(axis=1)`（跳过的题不计入）。"
            ),
        },
        {
            "en": (
                "`answers.sub(answers.mean(axis=1), axis=0)` subtracts it row by row; then "
                "`.fillna(0)`: a skipped benefit counts as the respondent's average."
            ),
            "zh": (
                "`answers.sub(answers.mean(axis=1), axis=0)` 按行相减；再 `.fillna(0)`："
                "跳过的利益项按该受访者的平均水平计。"
            ),
        },
    ],
    solution=(
        'answers = survey.set_index("customer_id")[benefit_cols].astype(float)\n'
        "benefits = answers.sub(answers.mean(axis=1), axis=0).fillna(0)"
    ),
)


# ---------------------------------------------------------------------------- q8 baskets


def _order_ids_of(answer: Any) -> pd.Index | None:
    if not isinstance(answer, pd.DataFrame):
        return None
    if "order_id" in answer.columns:
        values = answer["order_id"]
        return pd.Index(values) if isinstance(values, pd.Series) else None
    return answer.index if answer.index.name == "order_id" else None


@per_world
def _not_completed_ids() -> pd.Index:
    orders = _orders()
    return pd.Index(orders.loc[(orders["status"] != COMPLETED).to_numpy(), "order_id"])


@per_world
def _line_counts() -> tuple[int, int]:
    """Order lines of completed orders, and of all orders."""
    items = _items()
    completed = items["order_id"].isin(_completed()["order_id"]).sum()
    return int(completed), len(items)


def _is_cancelled_in_baskets(answer: Any, expected: pd.DataFrame) -> bool:
    ids = _order_ids_of(answer)
    if ids is None or ids.has_duplicates:
        return False
    return bool(ids.isin(_not_completed_ids()).any())


def _is_lines_as_baskets(answer: Any, expected: pd.DataFrame) -> bool:
    if not isinstance(answer, pd.DataFrame) or len(answer) <= len(expected):
        return False
    ids = _order_ids_of(answer)
    return bool((ids is not None and ids.has_duplicates) or len(answer) in _line_counts())


def _completed_lines() -> pd.DataFrame:
    """The lines of completed orders with their category, as a trainee merges them."""
    items = _items()
    lines = items[items["order_id"].isin(_completed()["order_id"]).to_numpy()]
    return lines.merge(_products()[["product_id", "category"]], on="product_id")


def _lines_as_baskets() -> pd.DataFrame:
    return pd.get_dummies(_completed_lines().set_index("order_id")["category"]).astype(bool)


def _line_counts_per_basket() -> pd.DataFrame:
    lines = _completed_lines()
    # What pd.crosstab(lines["order_id"], lines["category"]) gives, ten times faster.
    return lines.groupby(["order_id", "category"]).size().unstack(fill_value=0)


def _is_line_counts(answer: Any, expected: pd.DataFrame) -> bool:
    """Counts of lines: whole numbers, some above 1, and above 0 exactly where the basket
    holds the category."""
    if not isinstance(answer, pd.DataFrame) or len(answer) != len(expected):
        return False
    frame = answer.set_index("order_id") if "order_id" in answer.columns else answer
    if not frame.index.equals(expected.index) and not (
        frame.index.isin(expected.index).all() and not frame.index.has_duplicates
    ):
        return False
    if list(map(str, sorted(map(str, frame.columns)))) != sorted(map(str, expected.columns)):
        return False
    frame = frame.reindex(index=expected.index, columns=expected.columns)
    values = frame.to_numpy(dtype="float64")
    if not np.isfinite(values).all() or values.max() <= 1 or (values != np.round(values)).any():
        return False
    return bool(((values > 0) == expected.to_numpy()).all())


q8 = ValueProblem(
    id="behavioral.q8",
    var="baskets",
    title={"en": "Baskets as a one-hot matrix", "zh": "购物篮的 0/1 矩阵"},
    reference=lambda: _baskets(),
    compare=FrameSpec(key="order_id", ignore_row_order=True),
    mistakes=[
        Mistake(
            "cancelled_orders_in_baskets",
            en=(
                "Cancelled and returned orders are in your baskets. A cancelled order was "
                "never bought together, and a returned one was taken back: keep the lines "
                "of completed orders only."
            ),
            zh=(
                "你的购物篮里有取消和退货的订单。取消的订单从未真正一起购买，退货的订单已被退回："
                "只保留已完成订单的明细行。"
            ),
            produce=lambda expected: bh.basket_matrix(_items(), _products(), "category"),
            matches=_is_cancelled_in_baskets,
        ),
        Mistake(
            "lines_as_baskets",
            en=(
                "Your matrix has one row per order LINE. A line holds one product, so no row "
                "ever holds two categories and every rule gets support 0. One row per ORDER: "
                "group the lines by order_id (any True in the order)."
            ),
            zh=(
                "你的矩阵每一行是一条订单明细。每条明细只有一个商品，所以没有任何一行会同时包含"
                "两个品类，所有规则的支持度都是 0。应当每笔订单一行：按 order_id 汇总明细"
                "（订单中出现过即为 True）。"
            ),
            produce=lambda expected: _lines_as_baskets(),
            matches=_is_lines_as_baskets,
        ),
        Mistake(
            "line_counts_not_flags",
            en=(
                "Your cells count lines (2 when the basket has two dairy products). A basket "
                "matrix says whether the category is in the basket: True or False "
                "(`.gt(0)`), so that support counts baskets."
            ),
            zh=(
                "你的单元格统计的是明细行数（篮子里有两件乳品就是 2）。购物篮矩阵只表示该品类"
                "是否在篮子里：True 或 False（`.gt(0)`），这样支持度统计的才是购物篮数。"
            ),
            produce=lambda expected: _line_counts_per_basket(),
            matches=_is_line_counts,
        ),
    ],
    hints=[
        {
            "en": (
                "Keep the lines of completed orders, give each line its product's category, "
                "then make one row per order."
            ),
            "zh": "保留已完成订单的明细行，为每行找到商品所属品类，再整理成每笔订单一行。",
        },
        {
            "en": (
                "Count lines per order and category, then ask which counts are above 0: "
                "`lines.groupby(['order_id', 'category']).size().unstack(fill_value=0).gt(0)` "
                "(`pd.crosstab` gives the same, more slowly), or "
                "`basket_matrix(order_items, products, 'category', orders=orders)`."
            ),
            "zh": (
                "按订单和品类统计明细行数，再看哪些大于 0："
                "`lines.groupby(['order_id', 'category']).size().unstack(fill_value=0).gt(0)`"
                "（`pd.crosstab` 结果相同，但更慢），或者 "
                "`basket_matrix(order_items, products, 'category', orders=orders)`。"
            ),
        },
    ],
    solution=(
        'lines = order_items[order_items["order_id"].isin(completed["order_id"])]\n'
        'lines = lines.merge(products[["product_id", "category"]], on="product_id")\n'
        'baskets = lines.groupby(["order_id", "category"]).size().unstack(fill_value=0).gt(0)'
    ),
)


# ---------------------------------------------------------------------------- q9 one rule

_RULE_KEYS = ("support", "confidence", "lift")


def _as_rule(answer: Any) -> Any:
    """A dict with the three numbers, from a dict or a Series (extra keys are ignored)."""
    if isinstance(answer, pd.DataFrame) and len(answer) == 1:
        answer = answer.iloc[0]
    if isinstance(answer, pd.Series):
        if answer.index.has_duplicates:
            return answer
        answer = answer.to_dict()
    if isinstance(answer, dict) and all(key in answer for key in _RULE_KEYS):
        return {key: answer[key] for key in _RULE_KEYS}
    return answer


@dataclass(frozen=True)
class _RuleSpec:
    """support, confidence and lift, given as a dict or a Series."""

    inner: ScalarSpec = field(default_factory=lambda: ScalarSpec(rtol=0.0, atol=5e-5))

    def compare(self, expected: dict, answer: Any) -> Comparison:
        return self.inner.compare(expected, _as_rule(answer))


@per_world
def _rule_counts() -> dict[str, int]:
    baskets = _baskets()
    a, c = baskets[RULE[0]].to_numpy(), baskets[RULE[1]].to_numpy()
    return {
        "baskets": len(baskets),
        "a": int(a.sum()),
        "c": int(c.sum()),
        "both": int((a & c).sum()),
        "item_flags": int(baskets.to_numpy().sum()),
        "lines": _line_counts()[0],
    }


def _rule() -> dict[str, float]:
    metrics = bh.rule_metrics(_baskets(), RULE[0], RULE[1])
    return {key: float(metrics[key]) for key in _RULE_KEYS}


def _rule_by_hand(
    *, support_over: str = "baskets", confidence_over: str = "a", lift_over: str | None = "c"
) -> dict[str, float]:
    """The rule counted the way q9's hints count it, with the denominators given (keys of
    ``_rule_counts``): the wrong one a trainee picks changes that number and what follows
    from it. ``lift_over=None``: the lift left as support / support(A), the confidence."""
    counts = _rule_counts()
    support = counts["both"] / counts[support_over]
    confidence = counts["both"] / counts[confidence_over]
    lift = confidence / (counts[lift_over] / counts["baskets"]) if lift_over else confidence
    return {"support": support, "confidence": confidence, "lift": lift}


def _rule_numbers(answer: Any) -> dict[str, float] | None:
    rule = _as_rule(answer)
    if not isinstance(rule, dict):
        return None
    try:
        return {key: float(rule[key]) for key in _RULE_KEYS}
    except (TypeError, ValueError, KeyError):
        return None


def _close(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=0.0, atol=5e-5))


def _is_lift_confused(answer: Any, expected: dict) -> bool:
    numbers = _rule_numbers(answer)
    if numbers is None:
        return False
    return _close(numbers["lift"], expected["confidence"]) or _close(
        numbers["confidence"], expected["lift"]
    )


def _is_confidence_reversed(answer: Any, expected: dict) -> bool:
    numbers = _rule_numbers(answer)
    if numbers is None:
        return False
    counts = _rule_counts()
    return _close(numbers["confidence"], counts["both"] / counts["c"])


def _is_support_over_items(answer: Any, expected: dict) -> bool:
    numbers = _rule_numbers(answer)
    if numbers is None:
        return False
    counts = _rule_counts()
    return any(
        _close(numbers["support"], counts["both"] / counts[total])
        for total in ("item_flags", "lines")
    )


q9 = ValueProblem(
    id="behavioral.q9",
    var="rule",
    title={"en": "Support, confidence and lift by hand", "zh": "手算支持度、置信度和提升度"},
    reference=_rule,
    compare=_RuleSpec(),
    mistakes=[
        Mistake(
            "lift_confused_with_confidence",
            en=(
                "Lift is not confidence. Confidence is the share of meat baskets that also "
                "hold fresh produce; lift divides it by the share of ALL baskets holding "
                "fresh produce: how much more likely produce is once meat is in the basket. "
                "lift = confidence / support(fresh_produce)."
            ),
            zh=(
                "提升度不等于置信度。置信度是含肉类的购物篮中同时含生鲜蔬果的比例；"
                "提升度还要再除以全部购物篮中含生鲜蔬果的比例：即篮中有肉之后，买蔬果的可能性"
                "提高了多少倍。提升度 = 置信度 / 支持度(fresh_produce)。"
            ),
            produce=lambda expected: _rule_by_hand(lift_over=None),
            matches=_is_lift_confused,
        ),
        Mistake(
            "support_over_items",
            en=(
                "Support is a share of BASKETS: the baskets holding both categories divided "
                "by the number of baskets (rows). You divided by the number of items or "
                "lines, which makes every support smaller the fuller the baskets are."
            ),
            zh=(
                "支持度是购物篮的占比：同时包含两个品类的购物篮数除以购物篮总数（行数）。"
                "你除以的是商品数或明细行数，购物篮越满，支持度就被压得越小。"
            ),
            produce=lambda expected: _rule_by_hand(support_over="item_flags"),
            matches=_is_support_over_items,
        ),
        Mistake(
            "confidence_reversed",
            en=(
                "That is the confidence of the rule the other way round (fresh_produce => "
                "meat_seafood): you divided by the baskets with fresh produce. The "
                "confidence of A => C divides by the baskets holding A, the meat."
            ),
            zh=(
                "这是反方向规则（fresh_produce => meat_seafood）的置信度：你除以的是含生鲜蔬果的"
                "购物篮数。A => C 的置信度应除以含 A（肉类）的购物篮数。"
            ),
            # Whatever the lift then became (divided by support(C) as the hint says, or
            # right from the counts), the reversed confidence names the mistake.
            produce=lambda expected: _rule_by_hand(confidence_over="c"),
            matches=_is_confidence_reversed,
        ),
    ],
    hints=[
        {
            "en": (
                "Count baskets: with `a = baskets['meat_seafood']` and `c = "
                "baskets['fresh_produce']`, `(a & c).mean()` is the support."
            ),
            "zh": (
                "统计购物篮：令 `a = baskets['meat_seafood']`、`c = baskets['fresh_produce']`，"
                "`(a & c).mean()` 就是支持度。"
            ),
        },
        {
            "en": (
                "confidence = support / a.mean() (the share of meat baskets with produce); "
                "lift = confidence / c.mean()."
            ),
            "zh": (
                "置信度 = 支持度 / a.mean()（含肉的购物篮中含蔬果的比例）；提升度 = 置信度 / "
                "c.mean()。"
            ),
        },
    ],
    solution=(
        'meat, produce = baskets["meat_seafood"], baskets["fresh_produce"]\n'
        "support = (meat & produce).mean()\n"
        "confidence = support / meat.mean()\n"
        'rule = {"support": support, "confidence": confidence, '
        '"lift": confidence / produce.mean()}'
    ),
)


# ---------------------------------------------------------------------------- q10 memo

q10 = OpenProblem(
    id="behavioral.q10",
    var="memo",
    title={"en": "From a segment and a rule to an action", "zh": "从分群和规则到行动"},
    rubric=[
        {
            "en": "Names one behaviour cluster and the numbers that describe it (profile).",
            "zh": "指明一个行为聚类，并给出描述它的数字（画像）。",
        },
        {
            "en": "Picks a rule by lift above 1 (not by confidence alone) and quotes it.",
            "zh": "依据提升度大于 1（而不只是置信度）挑选一条规则，并引用其数值。",
        },
        {
            "en": (
                "Turns it into one concrete action: cross-merchandising, a bundle or a "
                "group-buy offer, with the channel and the occasion (when, where)."
            ),
            "zh": (
                "把它变成一个具体行动：关联陈列、组合套餐或社群团购，并说明渠道和场景（何时、何地）"
                "。"
            ),
        },
        {
            "en": "Says how the effect will be measured (a holdout group, the KPI).",
            "zh": "说明如何衡量效果（留出对照组、关键指标）。",
        },
    ],
    model_answer={
        "en": (
            "Target the weekend stock-up cluster: members with the largest baskets, most "
            "orders on Saturday and Sunday, and a high share of household goods, personal "
            "care and grains. In their baskets personal_care => household has a lift above 1 "
            "and a high support, so the pair is bought together more often than chance in "
            "many of their trips. Action: a weekend 'home care refill' bundle (detergent, "
            "shampoo, paper) as a community group-buy offer posted on Friday evening, picked "
            "up in store on Saturday. Measure it against a random 20% holdout of the "
            "cluster: bundle orders, basket value and weekend visits over four weeks."
        ),
        "zh": (
            "目标是“周末囤货”聚类：客单最大、订单多集中在周六周日、日用品、个护和粮油消费占比高的"
            "会员。在他们的购物篮里，personal_care => household 的提升度大于 1 且支持度高，"
            "说明这两类在他们的许多次购物中被一起购买的频率高于随机。行动：在周五晚上通过社群团购"
            "推出周末“家居补给”组合（洗涤剂、洗发水、纸品），周六到店自提。随机留出该聚类 20% "
            "的会员作为对照组，衡量四周内的组合订单数、客单价和周末到店次数。"
        ),
    },
    min_words=40,
    hints=[
        {
            "en": (
                "Start from one cluster's profile (heatmap row) and its rules "
                "(`rules_by_segment`): which pair has a high lift in that cluster?"
            ),
            "zh": (
                "从一个聚类的画像（热力图中的一行）及其规则（`rules_by_segment`）出发："
                "哪一对品类在该聚类中提升度高？"
            ),
        },
        {
            "en": (
                "Who, what, when, where, and how you will know it worked: a holdout group "
                "(module 07)."
            ),
            "zh": "对谁、做什么、何时、何地，以及如何判断它是否有效：留出对照组（第 07 单元）。",
        },
    ],
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10]
