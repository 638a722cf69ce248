"""RFM customer value assessment (客户价值评估), the reference methods of module 02.

RFM describes each customer by three numbers taken from the order history:

- **Recency (最近一次消费)**, ``recency_days``: whole days from the date of the customer's
  last order to the snapshot date. Smaller is better.
- **Frequency (消费频率)**, ``frequency``: the number of distinct orders.
- **Monetary (消费金额)**, ``monetary``: the sum of the order amounts (yuan).

**Which orders to feed.** :func:`rfm_table` counts exactly the rows it is given. Filter
first: in this course, completed orders only (:func:`completed_orders`, the course's one
definition in :mod:`coursekit.methods.common`), so that returned and cancelled orders add
neither frequency nor money.

**Snapshot convention.** Recency counts calendar dates, not hours: an order at 23:59 on
the day before the snapshot has recency 1. The default snapshot is the day after the last
order date in the data (:func:`coursekit.methods.common.snapshot_date`), so the most
recent customers have recency 1; an explicit
snapshot on the last order date gives them 0, one before it is an error.

**Tie rule for scores (1..n_bins, higher is better).** A customer's score is
``1 + floor(n_bins * w / n)``, where ``n`` is the number of customers and ``w`` the number
of customers strictly worse than this one (recency: strictly longer ago). Customers with
identical values therefore always share a score, everyone at the worst value scores 1
(e.g. all one-time buyers get ``f_score`` 1), and when a tie spans several bins the next
score skips values. Without ties this is an ordinary quantile split (bin sizes differ by at
most one). ``pd.qcut`` fails on duplicate bin edges and ``rank(method="first")`` gives
identical customers different scores; both are wrong for RFM.

**Segments.** :data:`SEGMENT_RULES` is the rule table, kept as data: each rule is a box
in the R x FM plane, where ``r_score`` is the recency score and ``fm`` the mean of
``f_score`` and ``m_score`` (1, 1.5, ..., 5). Rules are tried in order and the first match
wins; the boxes cover every cell of the 5-point scale, so ``Others`` (the fallback) never
occurs for valid scores. The rules need 5-point scores (``rfm_scores(rfm, n_bins=5)``).

====================  ========  =========  ==============  ==========
segment               r_score   fm         中文            value_tier
====================  ========  =========  ==============  ==========
Champions             4-5       4-5        重要价值客户    high_value
Loyal                 3-5       3.5-5      忠诚客户        high_value
Potential Loyalist    4-5       2-3        潜在忠诚客户    potential
New                   5         1-1.5      新客户          potential
Promising             4         1-1.5      待培育客户      potential
Need Attention        3         2.5-3      需关注客户      potential
About to Sleep        3         1-2        即将沉睡客户    potential
Can't Lose Them       1-2       4.5-5      重要挽留客户    churned
At Risk               1-2       3-4        流失风险客户    churned
Hibernating           2         1-2.5      沉睡客户        churned
Lost                  1         1-2.5      已流失客户      churned
Others                any       any        其他客户        potential
====================  ========  =========  ==============  ==========

Value tiers (:data:`VALUE_TIERS`): ``high_value`` 高价值, ``potential`` 潜力, ``churned``
流失; ``churned`` is exactly the customers with ``r_score`` <= 2. Segments and tiers are
ordered categoricals, from most to least valuable (the order of :data:`SEGMENTS` and
:data:`VALUE_TIERS`).

**Actions.** Each segment carries a suggested action (:func:`segment_table`), and the
segments fall into five plays (:data:`PLAYS`): VIP care (Champions, Loyal), nurture (the
potential segments), a win-back offer (Can't Lose Them, At Risk), low-cost reactivation
(Hibernating, Lost) and review (Others). :func:`segment_summary` gives the size and value
of each segment or tier, :func:`action_table` the first action table, and
:func:`play_customers` the customer list of one play.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from coursekit.methods.common import completed_orders, day_after_last

__all__ = [
    "PLAYS",
    "RFM_COLUMNS",
    "SCORE_COLUMNS",
    "SEGMENTS",
    "SEGMENT_RULES",
    "SEGMENT_SCALE",
    "VALUE_TIERS",
    "Play",
    "Segment",
    "SegmentRule",
    "ValueTier",
    "action_table",
    "completed_orders",
    "play_customers",
    "revenue_concentration",
    "rfm_scores",
    "rfm_segments",
    "rfm_table",
    "segment_map",
    "segment_summary",
    "segment_table",
    "tie_aware_score",
    "top_share",
]

RFM_COLUMNS = ("recency_days", "frequency", "monetary")
SCORE_COLUMNS = ("r_score", "f_score", "m_score")

#: The segment rules are written for scores on this scale (quintiles).
SEGMENT_SCALE = 5


# --------------------------------------------------------------------------- RFM table


def rfm_table(
    orders: pd.DataFrame,
    snapshot_date: Any = None,
    *,
    customer_col: str = "customer_id",
    order_col: str | None = "order_id",
    date_col: str = "order_ts",
    amount_col: str = "net_amount",
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer.

    Args:
        orders: one row per order (or per order line when ``order_col`` groups lines).
            Every row is counted: filter statuses (completed orders) before calling.
        snapshot_date: the day of the analysis (str, date, datetime or Timestamp; a time
            of day is ignored). Default: the day after the last order date in ``orders``.
        customer_col: customer id column; becomes the index.
        order_col: order id column; frequency counts its distinct values. ``None``: each
            row is one order.
        date_col: order timestamps (datetime64 or strings).
        amount_col: amount summed into ``monetary``.

    Returns:
        DataFrame indexed by customer id (sorted), columns ``recency_days`` (int64, whole
        calendar days from the last order date to the snapshot date), ``frequency``
        (int64) and ``monetary`` (float64).

    Raises:
        KeyError: a required column is missing.
        ValueError: empty input, missing ids or amounts, missing or unparseable dates,
            non-numeric amounts, or a snapshot date before the last order date.
    """
    if not isinstance(orders, pd.DataFrame):
        raise TypeError(f"rfm_table needs a DataFrame of orders, got {type(orders).__name__}")
    needed = [customer_col, date_col, amount_col] + ([order_col] if order_col is not None else [])
    missing = [col for col in needed if col not in orders.columns]
    if missing:
        raise KeyError(f"orders is missing column(s) {missing}; available: {list(orders.columns)}")
    doubled = sorted({col for col in needed if (orders.columns == col).sum() > 1})
    if doubled:
        raise ValueError(f"orders has duplicate column(s) {doubled}; keep one of each")
    if len(orders) == 0:
        raise ValueError("orders is empty: RFM needs at least one order")

    customers = orders[customer_col].reset_index(drop=True)
    _require_no_missing(customers, customer_col, orders.index, "row(s) have no")
    order_days = _order_days(orders[date_col], date_col, orders.index)
    amounts = _numeric_amounts(orders[amount_col], amount_col, orders.index)

    last_order_day = order_days.max()
    snapshot_day = _snapshot_day(snapshot_date, default=day_after_last(order_days))
    if snapshot_day < last_order_day:
        raise ValueError(
            f"snapshot_date {snapshot_day.date()} is before the last order date "
            f"{last_order_day.date()}: recency would be negative. Use a snapshot on or "
            "after the last order date (default: the day after it)."
        )

    work = pd.DataFrame({"customer": customers, "day": order_days, "amount": amounts})
    if order_col is not None:
        order_ids = orders[order_col].reset_index(drop=True)
        _require_no_missing(order_ids, order_col, orders.index, "row(s) have no")
        work["order"] = order_ids
    grouped = work.groupby("customer", sort=True, observed=True)
    frequency = grouped["order"].nunique() if order_col is not None else grouped.size()

    table = pd.DataFrame(
        {
            "recency_days": (snapshot_day - grouped["day"].max()).dt.days.astype("int64"),
            "frequency": frequency.astype("int64"),
            "monetary": grouped["amount"].sum().astype("float64"),
        }
    )
    table.index.name = customer_col
    return table


def _require_no_missing(values: pd.Series, col: str, labels: pd.Index, what: str) -> None:
    missing = values.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"{int(missing.sum())} {what} {col!r} (first row labels: "
            f"{list(labels[missing][:5])}); drop or fix them before computing RFM"
        )


def _order_days(raw: pd.Series, col: str, labels: pd.Index) -> pd.Series:
    """Calendar date (midnight, tz-naive local time) of every order, index reset."""
    raw = raw.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise ValueError(
            f"column {col!r} holds numbers ({raw.dtype}), not dates; parse them first, e.g. "
            f"pd.to_datetime(orders[{col!r}].astype(str), format='%Y%m%d')"
        )
    stamps = raw if pd.api.types.is_datetime64_any_dtype(raw) else _parse_dates(raw, col)
    _require_no_missing(raw, col, labels, "row(s) have no date in")
    bad = stamps.isna().to_numpy()
    if bad.any():
        examples = list(raw[bad].astype(str).head(3))
        raise ValueError(
            f"{int(bad.sum())} date(s) in {col!r} cannot be parsed, e.g. {examples}; "
            "use ISO dates such as '2024-03-01' or '2024-03-01 18:30'"
        )
    if stamps.dt.tz is not None:
        # Calendar dates in the data's own time zone.
        stamps = stamps.dt.tz_localize(None)
    return stamps.dt.normalize()


def _parse_dates(raw: pd.Series, col: str) -> pd.Series:
    """Parse ISO dates fast; anything else element by element; failures become NaT."""
    try:
        stamps = pd.to_datetime(raw, format="ISO8601", errors="coerce")
        failed = stamps.isna() & raw.notna()
        if failed.any():
            stamps = stamps.astype(object)
            stamps[failed] = pd.to_datetime(raw[failed], format="mixed", errors="coerce")
            stamps = pd.to_datetime(stamps)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(
            f"dates in {col!r} cannot be read as one kind of timestamp ({exc}); "
            "use ISO dates such as '2024-03-01' or '2024-03-01 18:30', all in one time zone"
        ) from exc
    return stamps


def _snapshot_day(snapshot_date: Any, *, default: pd.Timestamp) -> pd.Timestamp:
    if snapshot_date is None:
        return default
    if not isinstance(snapshot_date, str | date | datetime | np.datetime64 | pd.Timestamp):
        raise ValueError(
            f"snapshot_date must be a date (str, date, datetime or Timestamp), "
            f"got {type(snapshot_date).__name__}: {snapshot_date!r}"
        )
    try:
        stamp = pd.Timestamp(snapshot_date)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"snapshot_date {snapshot_date!r} is not a date") from exc
    if pd.isna(stamp):
        raise ValueError(f"snapshot_date {snapshot_date!r} is not a date")
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def _numeric_amounts(raw: pd.Series, col: str, labels: pd.Index) -> pd.Series:
    raw = raw.reset_index(drop=True)
    if not pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise ValueError(
            f"column {col!r} must hold numeric amounts, got dtype {raw.dtype}; "
            f"convert it first, e.g. pd.to_numeric(orders[{col!r}])"
        )
    _require_no_missing(raw, col, labels, "row(s) have no amount in")
    return raw.astype("float64")


# --------------------------------------------------------------------------- scores


def tie_aware_score(
    values: pd.Series | Iterable[float], n_bins: int = 5, higher_is_better: bool = True
) -> pd.Series:
    """Score values 1..n_bins so that identical values always get identical scores.

    score = 1 + floor(n_bins * w / n), with n the number of values and w the number of
    values strictly worse (smaller, or larger when ``higher_is_better=False``). The worst
    value always scores 1; a tie spanning several bins makes the next score skip values.

    Args:
        values: one number per customer (a Series keeps its index and name).
        n_bins: number of score levels, an int >= 2 (5 gives quintile scores).
        higher_is_better: False for recency, where fewer days is better.

    Returns:
        int64 Series aligned with ``values``.
    """
    n_bins = _check_n_bins(n_bins)
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    if len(series) and not pd.api.types.is_numeric_dtype(series):
        raise ValueError(f"scores need numeric values, got dtype {series.dtype}")
    if series.isna().any():
        raise ValueError(f"{int(series.isna().sum())} value(s) are missing; cannot score them")
    oriented = series.astype("float64") if higher_is_better else -series.astype("float64")
    # rank "min": 1 + number of values strictly smaller (strictly worse).
    strictly_worse = oriented.rank(method="min").to_numpy(dtype="int64") - 1
    scores = 1 + (n_bins * strictly_worse) // max(len(series), 1)
    return pd.Series(
        np.clip(scores, 1, n_bins).astype("int64"), index=series.index, name=series.name
    )


def rfm_scores(rfm: pd.DataFrame, n_bins: int = 5) -> pd.DataFrame:
    """Add ``r_score``, ``f_score`` and ``m_score`` (int64, 1..n_bins, higher is better).

    Each column is scored with :func:`tie_aware_score`; recency is scored on its negative,
    so the most recent customers get ``n_bins``. Identical values get identical scores.

    Args:
        rfm: a table with ``recency_days``, ``frequency`` and ``monetary`` (see
            :func:`rfm_table`).
        n_bins: number of score levels, an int >= 2.

    Returns:
        A copy of ``rfm`` with the three score columns added.
    """
    n_bins = _check_n_bins(n_bins)
    _require_columns(rfm, RFM_COLUMNS, "rfm")
    scored = rfm.copy()
    scored["r_score"] = tie_aware_score(rfm["recency_days"], n_bins, higher_is_better=False)
    scored["f_score"] = tie_aware_score(rfm["frequency"], n_bins)
    scored["m_score"] = tie_aware_score(rfm["monetary"], n_bins)
    return scored


def _check_n_bins(n_bins: Any) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer):
        raise TypeError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    return int(n_bins)


def _require_columns(frame: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a DataFrame, got {type(frame).__name__}")
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise KeyError(f"{what} is missing column(s) {missing}; available: {list(frame.columns)}")


# --------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class ValueTier:
    """A value tier (价值分层) with its display names."""

    code: str
    name_en: str
    name_zh: str


@dataclass(frozen=True)
class Segment:
    """A named RFM segment: display names, value tier and the suggested action."""

    name: str
    name_zh: str
    value_tier: str
    action_en: str
    action_zh: str


@dataclass(frozen=True)
class SegmentRule:
    """One box of the segment map: ``r_min <= r_score <= r_max`` and ``fm_min <= fm <= fm_max``.

    ``fm`` is the mean of ``f_score`` and ``m_score``; all bounds are inclusive and on the
    5-point scale.
    """

    segment: str
    r_min: int
    r_max: int
    fm_min: float
    fm_max: float

    def matches(self, r_score: Any, fm: Any) -> Any:
        """True where the scores fall in this box (works on scalars and arrays)."""
        return (
            (r_score >= self.r_min)
            & (r_score <= self.r_max)
            & (fm >= self.fm_min)
            & (fm <= self.fm_max)
        )


#: The three value tiers, most valuable first (the categorical order).
VALUE_TIERS: tuple[ValueTier, ...] = (
    ValueTier("high_value", "High value", "高价值"),
    ValueTier("potential", "Potential", "潜力"),
    ValueTier("churned", "Churned", "流失"),
)

#: The segments, from most to least valuable today (the categorical order).
SEGMENTS: tuple[Segment, ...] = (
    Segment(
        name="Champions",
        name_zh="重要价值客户",
        value_tier="high_value",
        action_en="Reward them: member privileges, first look at new products, ask for referrals.",
        action_zh="给予会员专属权益和新品优先体验，邀请评价与推荐。",
    ),
    Segment(
        name="Loyal",
        name_zh="忠诚客户",
        value_tier="high_value",
        action_en="Upsell higher-value ranges and keep them in the points programme.",
        action_zh="推荐更高价值的商品，用积分计划持续维系。",
    ),
    Segment(
        name="Potential Loyalist",
        name_zh="潜在忠诚客户",
        value_tier="potential",
        action_en="Invite to membership; recommend related products to build a habit.",
        action_zh="邀请加入会员，推荐关联商品，培养购买习惯。",
    ),
    Segment(
        name="New",
        name_zh="新客户",
        value_tier="potential",
        action_en="Onboard: a second-purchase coupon; invite to the mini-program and group.",
        action_zh="做好新客引导：发放复购券，引导加入小程序和社群。",
    ),
    Segment(
        name="Promising",
        name_zh="待培育客户",
        value_tier="potential",
        action_en="A time-limited offer on the next purchase; show them more of the range.",
        action_zh="用限时优惠促成再次购买，让其了解更多品类。",
    ),
    Segment(
        name="Need Attention",
        name_zh="需关注客户",
        value_tier="potential",
        action_en="Personalised, time-limited offers based on what they bought before.",
        action_zh="根据购买历史推送个性化限时优惠。",
    ),
    Segment(
        name="About to Sleep",
        name_zh="即将沉睡客户",
        value_tier="potential",
        action_en="Reconnect before they lapse: best sellers and a small discount.",
        action_zh="在沉睡前重新触达：推荐热销商品并给予小额优惠。",
    ),
    Segment(
        name="Can't Lose Them",
        name_zh="重要挽留客户",
        value_tier="churned",
        action_en="Win back one to one: a shopping-guide call and an exclusive offer; ask why.",
        action_zh="导购一对一回访，提供专属挽回礼遇，了解流失原因。",
    ),
    Segment(
        name="At Risk",
        name_zh="流失风险客户",
        value_tier="churned",
        action_en="Personal reminders and a come-back offer; ask for feedback.",
        action_zh="个性化关怀提醒并提供回归优惠，收集反馈。",
    ),
    Segment(
        name="Hibernating",
        name_zh="沉睡客户",
        value_tier="churned",
        action_en="Low-cost reactivation through private-domain channels with relevant offers.",
        action_zh="通过私域渠道低成本唤醒，推送相关优惠。",
    ),
    Segment(
        name="Lost",
        name_zh="已流失客户",
        value_tier="churned",
        action_en="Spend little: one low-cost win-back attempt, then stop contacting.",
        action_zh="控制投入：做一次低成本挽回尝试，之后减少触达。",
    ),
    Segment(
        name="Others",
        name_zh="其他客户",
        value_tier="potential",
        action_en="Not covered by the rules: look at them individually.",
        action_zh="规则未覆盖：逐一查看。",
    ),
)

#: The rule table: tried top to bottom, the first matching rule wins.
SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("Champions", r_min=4, r_max=5, fm_min=4.0, fm_max=5.0),
    SegmentRule("Loyal", r_min=3, r_max=5, fm_min=3.5, fm_max=5.0),
    SegmentRule("Potential Loyalist", r_min=4, r_max=5, fm_min=2.0, fm_max=3.0),
    SegmentRule("New", r_min=5, r_max=5, fm_min=1.0, fm_max=1.5),
    SegmentRule("Promising", r_min=4, r_max=4, fm_min=1.0, fm_max=1.5),
    SegmentRule("Need Attention", r_min=3, r_max=3, fm_min=2.5, fm_max=3.0),
    SegmentRule("About to Sleep", r_min=3, r_max=3, fm_min=1.0, fm_max=2.0),
    SegmentRule("Can't Lose Them", r_min=1, r_max=2, fm_min=4.5, fm_max=5.0),
    SegmentRule("At Risk", r_min=1, r_max=2, fm_min=3.0, fm_max=4.0),
    SegmentRule("Hibernating", r_min=2, r_max=2, fm_min=1.0, fm_max=2.5),
    SegmentRule("Lost", r_min=1, r_max=1, fm_min=1.0, fm_max=2.5),
    SegmentRule("Others", r_min=1, r_max=5, fm_min=1.0, fm_max=5.0),
)

_SEGMENT_NAMES = [segment.name for segment in SEGMENTS]
_TIER_CODES = [tier.code for tier in VALUE_TIERS]
_TIER_OF_SEGMENT = {segment.name: segment.value_tier for segment in SEGMENTS}
_FALLBACK = "Others"


def _segment_of(r_score: np.ndarray, fm: np.ndarray) -> np.ndarray:
    """Segment names by first matching rule (the one place the rules are evaluated)."""
    conditions = [rule.matches(r_score, fm) for rule in SEGMENT_RULES]
    choices = [rule.segment for rule in SEGMENT_RULES]
    return np.select(conditions, choices, default=_FALLBACK)


def rfm_segments(scores: pd.DataFrame) -> pd.DataFrame:
    """Add ``segment`` and ``value_tier`` from 5-point RFM scores.

    The segment is the first rule of :data:`SEGMENT_RULES` matching ``r_score`` and
    ``fm = (f_score + m_score) / 2``; the value tier follows from the segment (see
    :data:`SEGMENTS`). Both columns are ordered categoricals, most valuable first.

    Args:
        scores: a table with integer ``r_score``, ``f_score``, ``m_score`` in 1..5, e.g.
            ``rfm_scores(rfm, n_bins=5)``.

    Returns:
        A copy of ``scores`` with ``segment`` and ``value_tier`` added.
    """
    _require_columns(scores, SCORE_COLUMNS, "scores")
    checked = {col: _check_scores(scores[col], col) for col in SCORE_COLUMNS}
    fm = (checked["f_score"] + checked["m_score"]) / 2
    names = _segment_of(checked["r_score"], fm)
    segmented = scores.copy()
    segmented["segment"] = pd.Categorical(names, categories=_SEGMENT_NAMES, ordered=True)
    segmented["value_tier"] = pd.Categorical(
        [_TIER_OF_SEGMENT[name] for name in names], categories=_TIER_CODES, ordered=True
    )
    return segmented


def _check_scores(values: pd.Series, col: str) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ValueError(f"{col} must hold integer scores 1..{SEGMENT_SCALE}, got {values.dtype}")
    if values.isna().any():
        raise ValueError(f"{col} has {int(values.isna().sum())} missing score(s)")
    array = values.to_numpy(dtype="float64")
    bad = (array != np.round(array)) | (array < 1) | (array > SEGMENT_SCALE)
    if bad.any():
        raise ValueError(
            f"{col} must hold integer scores 1..{SEGMENT_SCALE} (the segment rules are "
            f"written for quintile scores, rfm_scores(rfm, n_bins={SEGMENT_SCALE})); "
            f"found {sorted(set(array[bad].tolist()))[:5]}"
        )
    return array


def segment_map(n_bins: int = 5) -> pd.DataFrame:
    """The segment map as an R x FM grid of segment names, for a heatmap.

    Rows are ``r_score`` from n_bins (most recent, top) down to 1; columns are
    ``fm = (f_score + m_score) / 2`` from 1 to n_bins in steps of 0.5. Cells come from
    :data:`SEGMENT_RULES` through the same code as :func:`rfm_segments`.

    Args:
        n_bins: the score scale; the rules are written for 5 and only 5 is accepted.
    """
    n_bins = _check_n_bins(n_bins)
    if n_bins != SEGMENT_SCALE:
        raise ValueError(
            f"the segment rules are written for {SEGMENT_SCALE}-point scores; got n_bins={n_bins}"
        )
    r_values = np.arange(n_bins, 0, -1)
    fm_values = np.arange(2, 2 * n_bins + 1) / 2
    r_grid, fm_grid = np.meshgrid(r_values, fm_values, indexing="ij")
    grid = pd.DataFrame(
        _segment_of(r_grid, fm_grid),
        index=pd.Index(r_values, name="r_score"),
        columns=pd.Index(fm_values, name="fm"),
    )
    return grid


def segment_table() -> pd.DataFrame:
    """The segments with their Chinese names, tier labels and suggested actions.

    One row per segment in :data:`SEGMENTS` order, indexed by segment name; handy for the
    action table of the notebook.
    """
    tiers = {tier.code: tier for tier in VALUE_TIERS}
    table = pd.DataFrame(
        [
            {
                "segment": segment.name,
                "name_zh": segment.name_zh,
                "value_tier": segment.value_tier,
                "value_tier_en": tiers[segment.value_tier].name_en,
                "value_tier_zh": tiers[segment.value_tier].name_zh,
                "action_en": segment.action_en,
                "action_zh": segment.action_zh,
            }
            for segment in SEGMENTS
        ]
    )
    return table.set_index("segment")


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class Play:
    """A kind of treatment (营销动作) and the segments that get it: the action table's rows
    collapse into these few plays, which is what a marketing budget is split by."""

    code: str
    name_en: str
    name_zh: str
    segments: tuple[str, ...]


#: The plays, in the order the budget conversation takes them (most valuable first).
PLAYS: tuple[Play, ...] = (
    Play("vip_care", "VIP care", "VIP 关怀", ("Champions", "Loyal")),
    Play(
        "nurture",
        "Nurture",
        "培育",
        ("Potential Loyalist", "New", "Promising", "Need Attention", "About to Sleep"),
    ),
    Play("win_back", "Win-back offer", "挽回优惠", ("Can't Lose Them", "At Risk")),
    Play("reactivate", "Low-cost reactivation", "低成本唤醒", ("Hibernating", "Lost")),
    Play("review", "Review one by one", "逐一查看", ("Others",)),
)

_PLAY_OF_SEGMENT = {name: play for play in PLAYS for name in play.segments}
_SUMMARY_KEYS = ("segment", "value_tier")


def segment_summary(segmented: pd.DataFrame, by: str = "segment") -> pd.DataFrame:
    """Size and value of each segment (or value tier): who they are and what they bring.

    Args:
        segmented: one row per customer with ``recency_days``, ``frequency``, ``monetary``
            and the ``by`` column, e.g. ``rfm_segments(rfm_scores(rfm))``.
        by: ``"segment"`` or ``"value_tier"``.

    Returns:
        One row per group that has customers, in the categorical order (most valuable
        first), indexed by ``by`` (plain strings): ``customers``, ``customer_share``,
        ``revenue`` (sum of ``monetary``), ``revenue_share``, ``avg_recency_days``,
        ``avg_frequency`` and ``avg_monetary``. Shares are fractions of all customers
        and of all revenue.
    """
    if by not in _SUMMARY_KEYS:
        raise ValueError(f"by must be one of {list(_SUMMARY_KEYS)}, got {by!r}")
    _require_columns(segmented, (*RFM_COLUMNS, by), "segmented")
    if len(segmented) == 0:
        raise ValueError("segmented is empty: no customers to summarise")
    groups = segmented[by]
    if not isinstance(groups.dtype, pd.CategoricalDtype):
        # Plain text from a hand-made table: keep the course's order where names are known.
        known = list(_SEGMENT_NAMES if by == "segment" else _TIER_CODES)
        extra = sorted(set(groups.dropna().astype(str)) - set(known))
        groups = pd.Categorical(groups.astype("string"), categories=known + extra, ordered=True)
    grouped = segmented[list(RFM_COLUMNS)].groupby(groups, observed=True, sort=True)
    summary = pd.DataFrame(
        {
            "customers": grouped.size().astype("int64"),
            "revenue": grouped["monetary"].sum().astype("float64"),
            "avg_recency_days": grouped["recency_days"].mean(),
            "avg_frequency": grouped["frequency"].mean(),
            "avg_monetary": grouped["monetary"].mean(),
        }
    )
    total_revenue = float(segmented["monetary"].sum())
    summary.insert(1, "customer_share", summary["customers"] / len(segmented))
    summary.insert(
        3,
        "revenue_share",
        summary["revenue"] / total_revenue if total_revenue else np.nan,
    )
    summary.index = pd.Index(summary.index.astype(str), name=by)
    return summary


def action_table(segmented: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The first action table: for each segment with customers, its play and action.

    Args:
        segmented: as for :func:`segment_summary` (with a ``segment`` column).
        lang: ``"en"`` or ``"zh"``, the language of the ``play`` and ``action`` texts.

    Returns:
        One row per segment that has customers, most valuable first, indexed by
        ``segment``: ``name_zh``, ``value_tier``, ``play``, ``customers``,
        ``customer_share``, ``revenue_share``, ``avg_monetary`` and ``action``.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    summary = segment_summary(segmented, by="segment")
    unknown = sorted(set(summary.index) - set(_SEGMENT_NAMES))
    if unknown:
        raise ValueError(f"unknown segment name(s) {unknown}; use the names of SEGMENTS")
    names = segment_table().loc[summary.index]
    plays = [_PLAY_OF_SEGMENT[name] for name in summary.index]
    table = pd.DataFrame(
        {
            "name_zh": names["name_zh"].to_numpy(),
            "value_tier": names["value_tier"].to_numpy(),
            "play": [play.name_en if lang == "en" else play.name_zh for play in plays],
            "customers": summary["customers"].to_numpy(),
            "customer_share": summary["customer_share"].to_numpy(),
            "revenue_share": summary["revenue_share"].to_numpy(),
            "avg_monetary": summary["avg_monetary"].to_numpy(),
            "action": names[f"action_{lang}"].to_numpy(),
        },
        index=summary.index,
    )
    return table


def play_customers(segmented: pd.DataFrame, play: str) -> pd.Index:
    """The customers a play is for, e.g. ``play_customers(segmented, "win_back")``.

    Args:
        segmented: one row per customer (indexed by customer id) with a ``segment`` column.
        play: a code of :data:`PLAYS`.

    Returns:
        The index labels (customer ids) of the customers in the play's segments, sorted.
    """
    plays = {p.code: p for p in PLAYS}
    if play not in plays:
        raise ValueError(f"unknown play {play!r}; choose one of {list(plays)}")
    _require_columns(segmented, ("segment",), "segmented")
    chosen = segmented.index[segmented["segment"].isin(plays[play].segments).to_numpy()]
    return chosen.sort_values()


# --------------------------------------------------------------------------- concentration


def revenue_concentration(monetary: pd.Series | Iterable[float]) -> pd.DataFrame:
    """Pareto (Lorenz) curve of revenue: customers sorted by value, best first.

    Args:
        monetary: revenue per customer (e.g. ``rfm["monetary"]``); the total must be > 0.

    Returns:
        One row per customer, in descending order of ``monetary`` (ties keep their input
        order), with ``monetary``, ``customer_share`` (k / n for the k-th row) and
        ``revenue_share`` (cumulative revenue of the top k / total). The last row is
        (1.0, 1.0); prepend (0, 0) to draw the curve from the origin.
    """
    values = _check_monetary(monetary)
    ordered = values.sort_values(ascending=False, kind="mergesort")
    count = len(ordered)
    amounts = ordered.to_numpy()
    return pd.DataFrame(
        {
            "monetary": amounts,
            "customer_share": np.arange(1, count + 1) / count,
            "revenue_share": np.cumsum(amounts) / amounts.sum(),
        },
        index=ordered.index,
    )


def top_share(monetary: pd.Series | Iterable[float], top: float = 0.2) -> float:
    """Share of revenue that comes from the best ``top`` fraction of customers.

    With n customers the top group holds ``top * n`` customers; when that is not a whole
    number, the boundary customer counts with the fraction of them inside the group (the
    Lorenz curve is interpolated linearly). Ties at the boundary do not matter.

    Args:
        monetary: revenue per customer; the total must be > 0.
        top: the fraction of customers, 0 <= top <= 1 (0.2 for the 80/20 rule).
    """
    if isinstance(top, bool) or not isinstance(top, int | float | np.integer | np.floating):
        raise TypeError(f"top must be a fraction between 0 and 1, got {top!r}")
    if not 0 <= top <= 1:
        raise ValueError(f"top must be between 0 and 1, got {top}")
    values = _check_monetary(monetary)
    ordered = np.sort(values.to_numpy(dtype="float64"))[::-1]
    size = top * len(ordered)
    if math.isclose(size, round(size), abs_tol=1e-9):
        size = float(round(size))
    whole = math.floor(size)
    revenue = ordered[:whole].sum()
    if whole < len(ordered):
        revenue += (size - whole) * ordered[whole]
    return float(revenue / ordered.sum())


def _check_monetary(monetary: pd.Series | Iterable[float]) -> pd.Series:
    values = monetary if isinstance(monetary, pd.Series) else pd.Series(list(monetary))
    if len(values) == 0:
        raise ValueError("no customers: monetary is empty")
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ValueError(f"monetary must be numeric, got dtype {values.dtype}")
    if values.isna().any():
        raise ValueError(f"monetary has {int(values.isna().sum())} missing value(s)")
    values = values.astype("float64")
    if not values.sum() > 0:
        raise ValueError(f"total revenue must be positive to compute shares, got {values.sum()}")
    return values
