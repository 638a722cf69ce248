"""Strategy design (制定策略), the reference methods of module 06.

Segments become decisions: whom to warn about (流失预警), whom to contact within a budget,
what a loyalty lever costs, and what to recommend. The conventions below are the ones the
exercises and checks use.

**The time split (时间切分).** Every prediction here is made at a *cutoff* day: features
use only what happened strictly before the cutoff (``order_ts < cutoff``), labels only what
happened from the cutoff on. The cutoff is a calendar day (midnight, no time of day); the
label window of ``horizon_days`` is ``[cutoff, cutoff + horizon_days)``, i.e. the
``horizon_days`` calendar days starting on the cutoff day, so that every order is either
before the cutoff or in or after the window, never both. A model is trained at one cutoff
and tested at a later one whose features start where the training labels end
(:func:`time_split`); a random split of members at one cutoff tests on the same period it
learned from, and a random split of a panel of several cutoffs lets a training row's
features reveal a test row's label. Features computed over the whole period (e.g. recency
at the end of the data) leak the label: a member who bought in the label window looks
recent.

**Churn (流失).** ``churn_labels`` is 1 for a member who completed an order before the
cutoff and none in the label window, from the observed orders. The label window must end
by the end of the data (the day after the last order): a window that runs past it would
call members churned who simply have not been observed yet.

**Features (:func:`churn_features`).** One row per member with a completed order before
the cutoff, indexed by ``customer_id`` (sorted). Only completed orders count as purchases;
returned and cancelled orders are counted separately. Windows are ``window_days`` long
(default 90): *recent* is ``[cutoff - w, cutoff)``, *earlier* is ``[cutoff - 2w,
cutoff - w)``; a trend is recent minus earlier (negative = slowing down). The columns fall
into two groups, the two kinds of warning of the training material (:data:`FEATURE_GROUPS`):
behaviour warnings (行为预警: visits, frequency, browsing dropping) and spending warnings
(消费预警: spend and basket dropping). Order status is read as recorded: the tables keep no
date of a return, so an order placed before the cutoff and returned later counts as
returned.

**Ranking metrics.** :func:`lift_table` splits members into bins by score, bin 1 holding
the highest scores. The bin of a member is ``1 + floor(n_bins * b / n)`` with ``b`` the
number of members with a strictly higher score, so identical scores always share a bin
(bins a tie spans are left out, as in ``coursekit.methods.rfm``). :func:`precision_at_k`
takes the top ``k`` members; members tied at the cut share the remaining places equally
(each counts with the same fraction), so the answer never depends on row order. On an
imbalanced label, accuracy rewards predicting "nobody churns": read AUC, precision and
lift at the top k instead.

**Targeting under a budget (:func:`budget_plan`).** Expected incremental profit per member
is ``uplift * margin - cost``: ``uplift`` is the predicted *effect* of the contact (e.g.
extra conversion probability, or extra spend in yuan), ``margin`` the gross profit per unit
of uplift (yuan per conversion, or the margin rate on spend), ``cost`` the contact cost
(coupon, SMS, ...). Members are ranked by it, only positive ones are kept, and the list is
cut at the first member whose cost would take the cumulative cost over the budget (the
budget is money, not a number of members). Ranking by churn risk targets members the
contact does not move (or moves the wrong way); ignoring the cost contacts members who
cost more than they bring.

**Loyalty levers (忠诚度计划).** A coupon costs its face value only when redeemed, plus
the contact cost for everyone contacted (:func:`coupon_cost`). Points cost what is redeemed;
the rest is breakage (积分沉淀); and much rewarded spend comes from members who would have
bought anyway (:func:`points_cost`).

**Recommendation (个性化推荐).** :func:`recommend` offers three baselines: buy-again (the
member's own most bought items), popularity (most buyers), and co-purchase from association
rules (module 05). For discovery, items the member already bought are excluded (the default
for popularity and rules). :func:`hit_rate` is the share of members with a purchase in a
later window who bought at least one recommended item there; given the earlier history it
counts only new items (the discovery hit rate).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from coursekit.methods.common import COMPLETED

__all__ = [
    "BEHAVIOUR_FEATURES",
    "BIG_BASKET_YUAN",
    "FEATURE_GROUPS",
    "QUICK_TRIP_YUAN",
    "SENIOR_AGE",
    "SHOPPER_TYPES",
    "SPENDING_FEATURES",
    "TimeSplit",
    "budget_plan",
    "churn_features",
    "churn_labels",
    "churn_metrics",
    "coupon_cost",
    "gross_margin_rate",
    "hit_rate",
    "lift_table",
    "plan_value",
    "points_cost",
    "precision_at_k",
    "purchase_history",
    "recommend",
    "shopper_type",
    "time_cutoffs",
    "time_split",
]

RETURNED = "returned"
CANCELLED = "cancelled"

#: Behaviour warning features (行为预警): visits, frequency and browsing.
BEHAVIOUR_FEATURES = (
    "recency_days",
    "frequency",
    "orders_recent",
    "orders_earlier",
    "orders_trend",
    "days_since_first_order",
    "returned_orders",
    "cancelled_orders",
    "sessions_recent",
    "sessions_earlier",
    "sessions_trend",
    "views_recent",
    "add_to_cart_recent",
    "days_since_signup",
)
#: Spending warning features (消费预警): money and basket.
SPENDING_FEATURES = (
    "monetary",
    "avg_basket",
    "spend_recent",
    "spend_earlier",
    "spend_trend",
    "avg_items",
    "distinct_products",
)
FEATURE_GROUPS = {"behaviour": BEHAVIOUR_FEATURES, "spending": SPENDING_FEATURES}

_ORDER_COLUMNS = ("customer_id", "order_ts", "status", "net_amount")


# --------------------------------------------------------------------------- input checks


def _require_frame(frame: Any, columns: Iterable[str], what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a DataFrame, got {type(frame).__name__}")
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; available: {list(frame.columns)}")
    return frame


def _no_missing(values: pd.Series, what: str) -> None:
    count = int(values.isna().sum())
    if count:
        raise ValueError(f"{what} has {count} missing value(s); drop or fix them first")


def _timestamps(raw: pd.Series, what: str) -> pd.Series:
    """Parse a timestamp column (datetime64 or ISO strings) to naive local datetimes."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        stamps = raw
    elif pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise ValueError(f"{what} holds numbers ({raw.dtype}), not timestamps; parse it first")
    else:
        _no_missing(raw, what)
        stamps = pd.to_datetime(raw, format="ISO8601", errors="coerce")
    bad = stamps.isna()
    if bad.any():
        examples = list(raw[bad].astype(str).head(3))
        raise ValueError(
            f"{what} has {int(bad.sum())} missing or unreadable timestamp(s): {examples}"
        )
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps


def _numeric(raw: pd.Series, what: str) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise ValueError(f"{what} must be numeric, got dtype {raw.dtype}")
    _no_missing(raw, what)
    return raw.astype("float64")


def _day(value: Any, what: str) -> pd.Timestamp:
    """A calendar day (midnight); a time of day is refused so 'before' has one meaning."""
    if not isinstance(value, str | date | datetime | np.datetime64 | pd.Timestamp):
        raise ValueError(f"{what} must be a date such as '2025-07-01', got {value!r}")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what} {value!r} is not a date") from exc
    if pd.isna(stamp):
        raise ValueError(f"{what} {value!r} is not a date")
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    if stamp != stamp.normalize():
        raise ValueError(
            f"{what} must be a calendar day without a time of day, got {stamp}; "
            f"use {stamp.normalize().date()} (features use orders strictly before it)"
        )
    return stamp


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{what} must be a positive whole number, got {value!r}")
    if value < 1:
        raise ValueError(f"{what} must be at least 1, got {value}")
    return int(value)


def _orders(tables: Any) -> pd.DataFrame:
    """The orders table of ``tables`` with parsed timestamps and checked amounts."""
    if not isinstance(tables, Mapping):
        raise ValueError(
            f"tables must be a mapping of table name -> DataFrame (e.g. world.tables()), "
            f"got {type(tables).__name__}"
        )
    if "orders" not in tables:
        raise ValueError(f"tables has no 'orders' table; tables given: {sorted(tables)}")
    raw = _require_frame(tables["orders"], _ORDER_COLUMNS, "orders")
    _no_missing(raw["customer_id"], "orders column 'customer_id'")
    _no_missing(raw["status"], "orders column 'status'")
    orders = pd.DataFrame(
        {
            "customer_id": raw["customer_id"].to_numpy(),
            "order_ts": _timestamps(raw["order_ts"], "orders column 'order_ts'").to_numpy(),
            "status": raw["status"].astype(str).to_numpy(),
            "net_amount": _numeric(raw["net_amount"], "orders column 'net_amount'").to_numpy(),
        }
    )
    if "order_id" in raw.columns:
        orders["order_id"] = raw["order_id"].to_numpy()
    return orders


def _optional_table(tables: Mapping, name: str, columns: Iterable[str]) -> pd.DataFrame | None:
    table = tables.get(name)
    if table is None:
        return None
    return _require_frame(table, columns, name)


def _completed_before(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    before = orders[(orders["order_ts"] < cutoff).to_numpy()]
    done = before[(before["status"] == COMPLETED).to_numpy()]
    if done.empty:
        raise ValueError(
            f"no completed order before the cutoff {cutoff.date()}: there is nobody to score; "
            "choose a later cutoff"
        )
    return done


# --------------------------------------------------------------------------- churn


def churn_features(tables: Mapping[str, pd.DataFrame], cutoff: Any, *, window_days: int = 90):
    """Churn warning features per member, from data strictly before the cutoff.

    Args:
        tables: table name -> DataFrame, e.g. ``world.tables()``. ``orders`` is required
            (customer_id, order_ts, status, net_amount; order_id to join order_items);
            ``order_items`` (order_id, quantity), ``web_events`` (customer_id, session_id,
            event_ts, event_type) and ``customers`` (customer_id, signup_date) add columns
            when present.
        cutoff: the day of the prediction (a date, no time of day).
        window_days: length of the recent and the earlier window.

    Returns:
        DataFrame indexed by ``customer_id`` (sorted), one row per member with a completed
        order before the cutoff, no missing values. Always: ``recency_days`` (calendar
        days from the last completed order to the cutoff, >= 1), ``frequency`` (completed
        orders), ``monetary`` (their net amount), ``avg_basket`` (monetary / frequency),
        ``days_since_first_order``, ``orders_recent``, ``orders_earlier``,
        ``orders_trend``, ``spend_recent``, ``spend_earlier``, ``spend_trend``,
        ``returned_orders``, ``cancelled_orders``. With order_items: ``avg_items``
        (quantity per completed order), ``distinct_products``. With web_events:
        ``sessions_recent``, ``sessions_earlier``, ``sessions_trend``, ``views_recent``,
        ``add_to_cart_recent``. With customers: ``days_since_signup``.
    """
    cutoff = _day(cutoff, "cutoff")
    window = pd.Timedelta(days=_positive_int(window_days, "window_days"))
    orders = _orders(tables)
    done = _completed_before(orders, cutoff)
    grouped = done.groupby("customer_id", sort=True)
    # The sorted unique ids (``grouped.groups`` would build an index per member: slow).
    members = pd.Index(np.unique(done["customer_id"].to_numpy()), name="customer_id")
    days = done["order_ts"].dt.normalize().groupby(done["customer_id"], sort=True)

    recent = done["order_ts"] >= cutoff - window
    earlier = (done["order_ts"] >= cutoff - 2 * window) & ~recent
    features = pd.DataFrame(index=members)
    features["recency_days"] = (cutoff - days.max()).dt.days.astype("int64")
    features["frequency"] = grouped.size().astype("int64")
    features["monetary"] = grouped["net_amount"].sum().astype("float64")
    features["avg_basket"] = features["monetary"] / features["frequency"]
    features["days_since_first_order"] = (cutoff - days.min()).dt.days.astype("int64")
    features["orders_recent"] = _count_by(done["customer_id"][recent], members)
    features["orders_earlier"] = _count_by(done["customer_id"][earlier], members)
    features["orders_trend"] = features["orders_recent"] - features["orders_earlier"]
    features["spend_recent"] = _sum_by(done[recent], "net_amount", members)
    features["spend_earlier"] = _sum_by(done[earlier], "net_amount", members)
    features["spend_trend"] = features["spend_recent"] - features["spend_earlier"]
    before = orders[(orders["order_ts"] < cutoff).to_numpy()]
    for status, column in ((RETURNED, "returned_orders"), (CANCELLED, "cancelled_orders")):
        features[column] = _count_by(before["customer_id"][before["status"] == status], members)

    items = _optional_table(tables, "order_items", ("order_id", "product_id"))
    if items is not None:
        features = features.join(_basket_features(done, items, members))
    events = _optional_table(
        tables, "web_events", ("customer_id", "session_id", "event_ts", "event_type")
    )
    if events is not None:
        features = features.join(_browsing_features(events, cutoff, window, members))
    customers = _optional_table(tables, "customers", ("customer_id", "signup_date"))
    if customers is not None:
        features["days_since_signup"] = _days_since_signup(customers, cutoff, members)
    return features


def _count_by(ids: pd.Series, members: pd.Index) -> pd.Series:
    return ids.value_counts().reindex(members, fill_value=0).astype("int64")


def _sum_by(frame: pd.DataFrame, column: str, members: pd.Index) -> pd.Series:
    sums = frame.groupby("customer_id")[column].sum()
    return sums.reindex(members, fill_value=0.0).astype("float64")


def _basket_features(done: pd.DataFrame, items: pd.DataFrame, members: pd.Index) -> pd.DataFrame:
    if "order_id" not in done.columns:
        raise ValueError("orders needs an 'order_id' column to join order_items")
    quantity = (
        _numeric(items["quantity"], "order_items column 'quantity'")
        if "quantity" in items.columns
        else pd.Series(1.0, index=items.index)
    )
    lines = pd.DataFrame(
        {"order_id": items["order_id"].to_numpy(), "product_id": items["product_id"].to_numpy()}
    )
    lines["quantity"] = quantity.to_numpy()
    lines = lines.merge(done[["order_id", "customer_id"]], on="order_id", how="inner")
    grouped = lines.groupby("customer_id")
    frequency = done.groupby("customer_id").size().reindex(members)
    return pd.DataFrame(
        {
            "avg_items": (grouped["quantity"].sum().reindex(members, fill_value=0.0) / frequency)
            .astype("float64")
            .to_numpy(),
            "distinct_products": grouped["product_id"]
            .nunique()
            .reindex(members, fill_value=0)
            .astype("int64")
            .to_numpy(),
        },
        index=members,
    )


def _browsing_features(
    events: pd.DataFrame, cutoff: pd.Timestamp, window: pd.Timedelta, members: pd.Index
) -> pd.DataFrame:
    stamps = _timestamps(events["event_ts"], "web_events column 'event_ts'")
    seen = events.assign(_ts=stamps.to_numpy())
    seen = seen[(seen["_ts"] < cutoff) & (seen["_ts"] >= cutoff - 2 * window)]
    seen = seen[seen["customer_id"].isin(members)]
    recent = seen[seen["_ts"] >= cutoff - window]
    earlier = seen[seen["_ts"] < cutoff - window]

    def sessions(frame: pd.DataFrame) -> pd.Series:
        counts = frame.groupby("customer_id")["session_id"].nunique()
        return counts.reindex(members, fill_value=0).astype("int64")

    browsing = pd.DataFrame(
        {"sessions_recent": sessions(recent), "sessions_earlier": sessions(earlier)},
        index=members,
    )
    browsing["sessions_trend"] = browsing["sessions_recent"] - browsing["sessions_earlier"]
    browsing["views_recent"] = _count_by(
        recent["customer_id"][recent["event_type"] == "view"], members
    )
    browsing["add_to_cart_recent"] = _count_by(
        recent["customer_id"][recent["event_type"] == "add_to_cart"], members
    )
    return browsing


def _days_since_signup(customers: pd.DataFrame, cutoff: pd.Timestamp, members: pd.Index):
    signup = _timestamps(customers["signup_date"], "customers column 'signup_date'")
    by_member = pd.Series(signup.dt.normalize().to_numpy(), index=customers["customer_id"])
    by_member = by_member[~by_member.index.duplicated(keep="first")]
    unknown = members.difference(by_member.index)
    if len(unknown):
        raise ValueError(
            f"{len(unknown)} member(s) with orders are not in customers (e.g. "
            f"{list(unknown[:3])}); pass the matching customers table or leave it out"
        )
    return (cutoff - by_member.reindex(members)).dt.days.astype("int64").to_numpy()


def churn_labels(tables: Mapping[str, pd.DataFrame], cutoff: Any, horizon_days: int) -> pd.Series:
    """Churn label per member: 1 = no completed order in the label window.

    Args:
        tables: as for :func:`churn_features` (only ``orders`` is used).
        cutoff: the day of the prediction (a date, no time of day).
        horizon_days: length of the label window ``[cutoff, cutoff + horizon_days)``.

    Returns:
        int64 Series ``churned`` indexed like ``churn_features(tables, cutoff)``: the
        members with a completed order before the cutoff.

    Raises:
        ValueError: the label window ends after the observed data (the day after the last
            order), so some members would be called churned before they could be seen.
    """
    cutoff = _day(cutoff, "cutoff")
    horizon = pd.Timedelta(days=_positive_int(horizon_days, "horizon_days"))
    orders = _orders(tables)
    data_end = orders["order_ts"].max().normalize() + pd.Timedelta(days=1)
    if cutoff + horizon > data_end:
        raise ValueError(
            f"the label window {cutoff.date()} .. {(cutoff + horizon).date()} (exclusive) runs "
            f"past the end of the data ({data_end.date()}, the day after the last order): "
            "move the cutoff back or shorten horizon_days"
        )
    members = pd.Index(sorted(_completed_before(orders, cutoff)["customer_id"].unique()))
    in_window = (
        (orders["order_ts"] >= cutoff)
        & (orders["order_ts"] < cutoff + horizon)
        & (orders["status"] == COMPLETED)
    )
    bought = members.isin(orders.loc[in_window.to_numpy(), "customer_id"])
    return pd.Series(
        np.where(bought, 0, 1).astype("int64"),
        index=pd.Index(members, name="customer_id"),
        name="churned",
    )


class TimeSplit(NamedTuple):
    """Training rows at one cutoff, test rows at a later one (see :func:`time_split`)."""

    X_train: pd.DataFrame
    y_train: pd.Series
    X_test: pd.DataFrame
    y_test: pd.Series


def time_split(
    tables: Mapping[str, pd.DataFrame],
    train_cutoff: Any,
    horizon_days: int,
    test_cutoff: Any = None,
    *,
    window_days: int = 90,
) -> TimeSplit:
    """Features and labels for training at one cutoff and testing at a later one.

    Training features use data before ``train_cutoff``, training labels the window
    ``[train_cutoff, train_cutoff + horizon)``; test features use data before
    ``test_cutoff`` and test labels the window after it. Nothing the model learns from
    comes from the test label window.

    Args:
        tables: as for :func:`churn_features`.
        train_cutoff: cutoff of the training rows.
        horizon_days: label window length, the same for both.
        test_cutoff: cutoff of the test rows; default ``train_cutoff + horizon_days``.
            It may not be earlier: training labels would overlap the test period.
        window_days: as for :func:`churn_features`.

    Returns:
        ``TimeSplit(X_train, y_train, X_test, y_test)`` (unpacks like a tuple).
    """
    train_cutoff = _day(train_cutoff, "train_cutoff")
    horizon = _positive_int(horizon_days, "horizon_days")
    train_end = train_cutoff + pd.Timedelta(days=horizon)
    test_cutoff = train_end if test_cutoff is None else _day(test_cutoff, "test_cutoff")
    if test_cutoff < train_end:
        raise ValueError(
            f"test_cutoff {test_cutoff.date()} is before the end of the training label window "
            f"({train_end.date()}): the training labels would overlap the test period"
        )
    return TimeSplit(
        churn_features(tables, train_cutoff, window_days=window_days),
        churn_labels(tables, train_cutoff, horizon),
        churn_features(tables, test_cutoff, window_days=window_days),
        churn_labels(tables, test_cutoff, horizon),
    )


def time_cutoffs(orders: pd.DataFrame, horizon_days: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The training and the test cutoff of a churn model on this data (first days of months).

    The test cutoff is the latest first day of a month whose label window of
    ``horizon_days`` ends by the end of the data (the day after the last order); the
    training cutoff is as many whole months earlier as the horizon needs, so the training
    labels end before the test cutoff.

    Returns:
        ``(train_cutoff, test_cutoff)``, both at midnight.
    """
    horizon = _positive_int(horizon_days, "horizon_days")
    stamps = _timestamps(_require_frame(orders, ("order_ts",), "orders")["order_ts"], "order_ts")
    data_end = stamps.max().normalize() + pd.Timedelta(days=1)
    test_cutoff = (data_end - pd.Timedelta(days=horizon)).replace(day=1)
    train_cutoff = test_cutoff - pd.DateOffset(months=max(1, round(horizon / 30.4)))
    while train_cutoff + pd.Timedelta(days=horizon) > test_cutoff:  # short months
        train_cutoff -= pd.DateOffset(months=1)
    if train_cutoff <= stamps.min().normalize():
        raise ValueError(
            f"the data ({stamps.min().date()} .. {data_end.date()}) is too short for a "
            f"{horizon}-day label window twice over: shorten horizon_days"
        )
    return pd.Timestamp(train_cutoff), pd.Timestamp(test_cutoff)


# --------------------------------------------------------------------------- ranking metrics


def _aligned(first: Any, second: Any, names: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """Two equally long 1-d inputs; Series with different labels are matched by label."""
    series = []
    for values, name in zip((first, second), names, strict=True):
        if isinstance(values, pd.DataFrame):
            raise ValueError(f"{name} must be one column (a Series or array), got a DataFrame")
        if isinstance(values, pd.Series):
            series.append(values)
            continue
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
        series.append(pd.Series(array))
    left, right = series
    if len(left) != len(right):
        raise ValueError(f"{names[0]} has {len(left)} values but {names[1]} has {len(right)}")
    if isinstance(first, pd.Series) and isinstance(second, pd.Series):
        if not left.index.equals(right.index):
            if not left.index.is_unique or set(left.index) != set(right.index):
                raise ValueError(f"{names[0]} and {names[1]} are indexed by different members")
            right = right.reindex(left.index)
    else:
        right = pd.Series(right.to_numpy(), index=left.index, name=right.name)
    if len(left) == 0:
        raise ValueError(f"{names[0]} is empty")
    return left, right


def _binary(values: pd.Series, what: str) -> np.ndarray:
    if values.isna().any():
        raise ValueError(f"{what} has {int(values.isna().sum())} missing value(s)")
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype="float64")
    if not pd.api.types.is_numeric_dtype(values):
        raise ValueError(f"{what} must hold 0/1 (or True/False), got dtype {values.dtype}")
    array = values.to_numpy(dtype="float64")
    if not np.isin(array, (0.0, 1.0)).all():
        raise ValueError(f"{what} must hold only 0 and 1, got {sorted(set(array))[:5]}")
    return array


def _scores(values: pd.Series, what: str) -> np.ndarray:
    array = _numeric(values, what).to_numpy()
    if not np.isfinite(array).all():
        raise ValueError(f"{what} has infinite value(s)")
    return array


def _top_k_weights(score: np.ndarray, k: Any) -> np.ndarray:
    """Weight of each member in the top k by score (1 inside, 0 outside; a tie at the cut
    shares the remaining places equally). ``k``: a count (int) or a share (float in (0, 1])."""
    n = len(score)
    if isinstance(k, bool) or not isinstance(k, int | float | np.integer | np.floating):
        raise ValueError(f"k must be a number of members (int) or a share (float), got {k!r}")
    if isinstance(k, int | np.integer):
        if not 1 <= k <= n:
            raise ValueError(f"k must be between 1 and the number of members ({n}), got {k}")
        places = float(k)
    else:
        if not (math.isfinite(k) and 0 < k <= 1):
            raise ValueError(f"k as a share must be in (0, 1], got {k}")
        places = float(k) * n
    ordered = pd.Series(score)
    # Members with a strictly higher score, and the size of each member's tie group.
    above = (-ordered).rank(method="min").to_numpy(dtype="float64") - 1
    tied = ordered.map(ordered.value_counts()).to_numpy(dtype="float64")
    weights = np.clip((places - above) / tied, 0.0, 1.0)
    return weights


def precision_at_k(y_true: Any, score: Any, k: int | float) -> float:
    """Share of positives among the top k members by score (ties at the cut share it).

    Args:
        y_true: 0/1 labels (e.g. churned).
        score: any score where higher means more likely positive.
        k: number of members (int), or share of members (float in (0, 1]).
    """
    labels, scores = _aligned(y_true, score, ("y_true", "score"))
    truth = _binary(labels, "y_true")
    weights = _top_k_weights(_scores(scores, "score"), k)
    return float((weights * truth).sum() / weights.sum())


def lift_table(y_true: Any, score: Any, n_bins: int = 10) -> pd.DataFrame:
    """Members in bins by score (bin 1 = highest scores): counts, rate, lift, capture.

    Args:
        y_true: 0/1 labels with at least one positive.
        score: higher means more likely positive.
        n_bins: number of bins (10 gives deciles), an int >= 2.

    Returns:
        One row per non-empty bin, index ``bin`` (1 = top): ``members``, ``positives``,
        ``rate`` (positives / members), ``lift`` (rate / overall rate), ``capture`` (share
        of all positives in the bin), ``cum_members``, ``cum_positives``, ``cum_rate``,
        ``cum_lift``, ``cum_capture``, ``mean_score``, ``score_min``, ``score_max``.
        ``mean_score`` next to ``rate`` is the calibration table of a probability.
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 2:
        raise ValueError(f"n_bins must be a whole number >= 2, got {n_bins!r}")
    labels, scores = _aligned(y_true, score, ("y_true", "score"))
    truth = _binary(labels, "y_true")
    values = _scores(scores, "score")
    if truth.sum() == 0:
        raise ValueError("y_true has no positives: lift and capture are undefined")
    n = len(values)
    higher = pd.Series(-values).rank(method="min").to_numpy(dtype="int64") - 1
    bins = 1 + (n_bins * higher) // n
    frame = pd.DataFrame({"bin": bins, "y": truth, "score": values})
    grouped = frame.groupby("bin", sort=True)
    table = pd.DataFrame(
        {
            "members": grouped.size().astype("int64"),
            "positives": grouped["y"].sum().astype("int64"),
        }
    )
    base_rate = truth.mean()
    table["rate"] = table["positives"] / table["members"]
    table["lift"] = table["rate"] / base_rate
    table["capture"] = table["positives"] / truth.sum()
    table["cum_members"] = table["members"].cumsum()
    table["cum_positives"] = table["positives"].cumsum()
    table["cum_rate"] = table["cum_positives"] / table["cum_members"]
    table["cum_lift"] = table["cum_rate"] / base_rate
    table["cum_capture"] = table["cum_positives"] / truth.sum()
    table["mean_score"] = grouped["score"].mean()
    table["score_min"] = grouped["score"].min()
    table["score_max"] = grouped["score"].max()
    table.index = pd.Index(table.index.astype("int64"), name="bin")
    return table


def churn_metrics(y_true: Any, score: Any, k: int | float = 0.1) -> pd.Series:
    """The numbers to read a churn model by, not accuracy.

    Returns:
        Series: ``base_rate``, ``auc`` (ROC AUC), ``average_precision``,
        ``precision_at_k``, ``lift_at_k`` (precision at k / base rate) and ``k_members``.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels, scores = _aligned(y_true, score, ("y_true", "score"))
    truth = _binary(labels, "y_true")
    values = _scores(scores, "score")
    if truth.min() == truth.max():
        raise ValueError("y_true has only one class: AUC needs churned and retained members")
    weights = _top_k_weights(values, k)
    precision = float((weights * truth).sum() / weights.sum())
    return pd.Series(
        {
            "base_rate": float(truth.mean()),
            "auc": float(roc_auc_score(truth, values)),
            "average_precision": float(average_precision_score(truth, values)),
            "precision_at_k": precision,
            "lift_at_k": precision / float(truth.mean()),
            "k_members": float(weights.sum()),
        }
    )


# --------------------------------------------------------------------------- targeting


def _per_member(value: Any, index: pd.Index, what: str) -> pd.Series:
    """A scalar for everyone, or a Series with a value for every member of ``index``."""
    if isinstance(value, pd.Series):
        missing = index.difference(value.index)
        if len(missing):
            raise ValueError(
                f"{what} has no value for {len(missing)} member(s), e.g. {list(missing[:3])}"
            )
        if not value.index.is_unique:
            raise ValueError(f"{what} has duplicate members in its index")
        return _numeric(value.reindex(index), what)
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be a number or a Series per member, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return pd.Series(float(value), index=index)


def _member_scores(scores: Any, what: str) -> pd.Series:
    if not isinstance(scores, pd.Series):
        raise ValueError(
            f"{what} must be a Series indexed by customer_id, got {type(scores).__name__}"
        )
    if len(scores) == 0:
        raise ValueError(f"{what} is empty")
    if not scores.index.is_unique:
        raise ValueError(f"{what} has duplicate members in its index")
    return pd.Series(_scores(scores, what), index=scores.index)


def budget_plan(scores: pd.Series, margin: Any, cost: Any, budget: float | None) -> pd.DataFrame:
    """Whom to contact: rank by expected incremental profit, keep positives, cut at the budget.

    Args:
        scores: predicted uplift per member (the effect of contacting them), indexed by
            customer_id. Not churn risk: a member at risk whom the offer does not move is
            money spent for nothing.
        margin: gross profit per unit of uplift (scalar, or Series per member).
        cost: contact cost per member (scalar, or Series per member), >= 0.
        budget: total money available for contacts (>= 0), or None for no limit.

    Returns:
        One row per member, best first (ties by customer_id): ``uplift``, ``margin``,
        ``cost``, ``expected_profit`` (uplift * margin - cost), ``rank``, ``cum_cost``,
        ``cum_profit`` and ``selected`` (True for the members to contact: positive
        expected profit, and the cumulative cost within the budget).
    """
    uplift = _member_scores(scores, "scores").sort_index(kind="mergesort")
    margin = _per_member(margin, uplift.index, "margin")
    cost = _per_member(cost, uplift.index, "cost")
    if (cost < 0).any():
        raise ValueError("cost must be >= 0 for every member")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(
            budget, int | float | np.integer | np.floating
        ):
            raise ValueError(f"budget must be an amount of money (>= 0) or None, got {budget!r}")
        if not (math.isfinite(budget) and budget >= 0):
            raise ValueError(f"budget must be a finite amount >= 0, got {budget}")
    plan = pd.DataFrame({"uplift": uplift, "margin": margin, "cost": cost})
    plan["expected_profit"] = plan["uplift"] * plan["margin"] - plan["cost"]
    plan = plan.sort_values("expected_profit", ascending=False, kind="mergesort")
    plan["rank"] = np.arange(1, len(plan) + 1, dtype="int64")
    plan["cum_cost"] = plan["cost"].cumsum()
    plan["cum_profit"] = plan["expected_profit"].cumsum()
    positive = plan["expected_profit"] > 0
    if budget is None:
        within = pd.Series(True, index=plan.index)
    else:
        # A relative tolerance keeps 0.1 + 0.2 within a budget of 0.3.
        fits = (plan["cum_cost"] <= budget + 1e-9 * max(1.0, float(budget))).to_numpy()
        # The cut is where the budget runs out: nobody after the first member who does not fit.
        within = pd.Series(np.minimum.accumulate(fits), index=plan.index)
    plan["selected"] = positive & within
    plan.index.name = scores.index.name or "customer_id"
    return plan


def plan_value(members: Iterable, uplift: pd.Series, margin: Any, cost: Any) -> pd.Series:
    """What contacting ``members`` is expected to bring, by the given uplift (e.g. the truth).

    Returns:
        Series: ``contacts``, ``cost``, ``incremental_margin`` (sum of uplift * margin)
        and ``profit`` (incremental margin - cost).
    """
    chosen = pd.Index(list(members))
    if not chosen.is_unique:
        raise ValueError("members lists someone twice")
    uplift = _member_scores(uplift, "uplift")
    missing = chosen.difference(uplift.index)
    if len(missing):
        raise ValueError(f"{len(missing)} member(s) have no uplift, e.g. {list(missing[:3])}")
    margin = _per_member(margin, chosen, "margin")
    cost = _per_member(cost, chosen, "cost")
    gain = float((uplift.reindex(chosen) * margin).sum())
    spent = float(cost.sum())
    return pd.Series(
        {
            "contacts": float(len(chosen)),
            "cost": spent,
            "incremental_margin": gain,
            "profit": gain - spent,
        }
    )


#: Shopper types (购物者类型) of :func:`shopper_type`: a rule on the median basket and age,
#: the simple segmentation the targeting lesson estimates uplift on.
SHOPPER_TYPES = ("big_basket", "quick_trip", "senior", "everyday")
BIG_BASKET_YUAN = 250.0
QUICK_TRIP_YUAN = 40.0
SENIOR_AGE = 50


def shopper_type(tables: Mapping[str, pd.DataFrame], cutoff: Any) -> pd.Series:
    """Each member's shopper type, from the completed orders before the cutoff and the age.

    First matching rule wins: ``big_basket`` (median order of at least
    :data:`BIG_BASKET_YUAN` yuan: stock-up shoppers), ``quick_trip`` (median order under
    :data:`QUICK_TRIP_YUAN` yuan and younger than :data:`SENIOR_AGE`), ``senior`` (aged
    :data:`SENIOR_AGE` or more), ``everyday`` (everyone else).

    Args:
        tables: ``orders`` and ``customers`` (customer_id, age).
        cutoff: only orders strictly before this day count (a date, no time of day).

    Returns:
        str Series ``shopper_type`` indexed by ``customer_id`` (sorted): the members with a
        completed order before the cutoff.
    """
    cutoff = _day(cutoff, "cutoff")
    done = _completed_before(_orders(tables), cutoff)
    customers = tables.get("customers") if isinstance(tables, Mapping) else None
    if customers is None:
        raise ValueError("tables has no 'customers' table: shopper types need the age")
    customers = _require_frame(customers, ("customer_id", "age"), "customers")
    basket = done.groupby("customer_id", sort=True)["net_amount"].median()
    age = customers.drop_duplicates("customer_id").set_index("customer_id")["age"]
    unknown = basket.index.difference(age.index)
    if len(unknown):
        raise ValueError(
            f"{len(unknown)} member(s) with orders are not in customers (e.g. {list(unknown[:3])})"
        )
    age = _numeric(age.reindex(basket.index), "customers column 'age'").to_numpy()
    median = basket.to_numpy()
    kind = np.select(
        [
            median >= BIG_BASKET_YUAN,
            (median < QUICK_TRIP_YUAN) & (age < SENIOR_AGE),
            age >= SENIOR_AGE,
        ],
        list(SHOPPER_TYPES[:3]),
        default=SHOPPER_TYPES[3],
    )
    return pd.Series(kind, index=pd.Index(basket.index, name="customer_id"), name="shopper_type")


def gross_margin_rate(tables: Mapping[str, pd.DataFrame]) -> float:
    """Gross margin of what was sold: 1 - cost of goods / revenue of completed order lines.

    Args:
        tables: ``orders`` (order_id, status), ``order_items`` (order_id, product_id,
            quantity, line_amount) and ``products`` (product_id, unit_cost).
    """
    orders = _orders(tables)
    items = _optional_table(tables, "order_items", ("order_id", "product_id", "line_amount"))
    products = _optional_table(tables, "products", ("product_id", "unit_cost"))
    if items is None or products is None or "order_id" not in orders.columns:
        raise ValueError("gross_margin_rate needs orders (with order_id), order_items and products")
    done = orders.loc[(orders["status"] == COMPLETED).to_numpy(), ["order_id"]]
    lines = items.merge(done, on="order_id").merge(products[["product_id", "unit_cost"]])
    quantity = lines["quantity"] if "quantity" in lines.columns else 1
    revenue = float(_numeric(lines["line_amount"], "order_items column 'line_amount'").sum())
    if revenue <= 0:
        raise ValueError("no revenue in completed order lines: the margin is undefined")
    return 1.0 - float((quantity * lines["unit_cost"]).sum()) / revenue


# --------------------------------------------------------------------------- loyalty


def coupon_cost(redeemed: Any, face_value: float, cost_per_contact: float = 0.0) -> pd.Series:
    """Cost of a coupon campaign: face value on redemptions only, contact cost on everyone.

    Args:
        redeemed: one 0/1 (or bool) per contacted member.
        face_value: yuan the retailer gives up per redeemed coupon.
        cost_per_contact: yuan per contact (SMS, push, printing).

    Returns:
        Series: ``contacts``, ``redemptions``, ``redemption_rate``, ``coupon_cost``,
        ``contact_cost``, ``total_cost``, ``cost_per_redemption``.
    """
    redeemed = redeemed if isinstance(redeemed, pd.Series) else pd.Series(np.asarray(redeemed))
    flags = _binary(redeemed, "redeemed")
    for value, what in ((face_value, "face_value"), (cost_per_contact, "cost_per_contact")):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ValueError(f"{what} must be an amount in yuan, got {value!r}")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{what} must be a finite amount >= 0, got {value}")
    contacts = len(flags)
    if contacts == 0:
        raise ValueError("redeemed is empty: no contacted members")
    redemptions = float(flags.sum())
    coupons = redemptions * float(face_value)
    contact = contacts * float(cost_per_contact)
    return pd.Series(
        {
            "contacts": float(contacts),
            "redemptions": redemptions,
            "redemption_rate": redemptions / contacts,
            "coupon_cost": coupons,
            "contact_cost": contact,
            "total_cost": coupons + contact,
            "cost_per_redemption": (coupons + contact) / redemptions if redemptions else np.nan,
        }
    )


def points_cost(
    rewarded_spend: pd.Series,
    baseline_spend: pd.Series,
    *,
    points_per_yuan: float = 1.0,
    yuan_per_point: float = 0.01,
    redemption_rate: float = 0.7,
) -> pd.Series:
    """Cost of a points programme (积分), its breakage, and whom it subsidises.

    Args:
        rewarded_spend: spend per member that earned points during the programme.
        baseline_spend: what each member would have spent without it (from a holdout
            group's model or the member's own pre-period), same members.
        points_per_yuan: points earned per yuan spent.
        yuan_per_point: value of a point when redeemed.
        redemption_rate: share of issued points that will be redeemed; the rest is
            breakage (积分沉淀), a liability that never becomes a cost.

    Returns:
        Series: ``rewarded_spend``, ``points_issued``, ``face_value`` (all points at
        their value), ``cost`` (redeemed value), ``breakage`` (unredeemed value),
        ``anyway_spend`` (sum over members of min(rewarded, baseline): spend that would
        have happened anyway), ``anyway_share`` (its share of rewarded spend),
        ``incremental_spend`` (rewarded - baseline, in total) and
        ``cost_per_incremental_yuan`` (NaN when nothing is incremental).
    """
    if not isinstance(rewarded_spend, pd.Series) or not isinstance(baseline_spend, pd.Series):
        raise ValueError("rewarded_spend and baseline_spend must be Series indexed by customer_id")
    rewarded, baseline = _aligned(
        rewarded_spend, baseline_spend, ("rewarded_spend", "baseline_spend")
    )
    rewarded = _numeric(rewarded, "rewarded_spend")
    baseline = _numeric(baseline, "baseline_spend")
    if (rewarded < 0).any() or (baseline < 0).any():
        raise ValueError("spend must be >= 0 for every member")
    for value, what in ((points_per_yuan, "points_per_yuan"), (yuan_per_point, "yuan_per_point")):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise ValueError(f"{what} must be a number >= 0, got {value!r}")
    if isinstance(redemption_rate, bool) or not isinstance(redemption_rate, int | float):
        raise ValueError(
            f"redemption_rate must be a share between 0 and 1, got {redemption_rate!r}"
        )
    if not 0 <= redemption_rate <= 1:
        raise ValueError(f"redemption_rate must be between 0 and 1, got {redemption_rate}")
    total = float(rewarded.sum())
    if total <= 0:
        raise ValueError("rewarded_spend totals 0: no points were earned")
    points = total * points_per_yuan
    face = points * yuan_per_point
    cost = face * redemption_rate
    anyway = float(np.minimum(rewarded, baseline).sum())
    incremental = total - float(baseline.sum())
    return pd.Series(
        {
            "rewarded_spend": total,
            "points_issued": points,
            "face_value": face,
            "cost": cost,
            "breakage": face - cost,
            "anyway_spend": anyway,
            "anyway_share": anyway / total,
            "incremental_spend": incremental,
            "cost_per_incremental_yuan": cost / incremental if incremental > 0 else np.nan,
        }
    )


# --------------------------------------------------------------------------- recommendation


def purchase_history(
    tables: Mapping[str, pd.DataFrame], start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Items bought in completed orders with ``start <= order_ts < end`` (None: open).

    Returns:
        One row per order line: ``customer_id``, ``order_id``, ``order_ts``,
        ``product_id``, ``quantity`` (1 when order_items has no quantity). Use the same
        day as ``end`` of the history and ``start`` of the future for a time split.
    """
    orders = _orders(tables)
    if "order_id" not in orders.columns:
        raise ValueError("orders needs an 'order_id' column to join order_items")
    items = _optional_table(tables, "order_items", ("order_id", "product_id"))
    if items is None:
        raise ValueError("tables has no 'order_items' table: recommendation needs the items")
    keep = (orders["status"] == COMPLETED).to_numpy()
    if start is not None:
        keep = keep & (orders["order_ts"] >= _day(start, "start")).to_numpy()
    if end is not None:
        keep = keep & (orders["order_ts"] < _day(end, "end")).to_numpy()
    lines = items[["order_id", "product_id"]].copy()
    lines["quantity"] = items["quantity"].to_numpy() if "quantity" in items.columns else 1
    history = orders.loc[keep, ["customer_id", "order_id", "order_ts"]].merge(
        lines, on="order_id", how="inner"
    )
    return history.sort_values(
        ["customer_id", "order_ts", "order_id"], kind="mergesort"
    ).reset_index(drop=True)


_METHODS = ("buy_again", "popular", "rules")


def recommend(
    history: pd.DataFrame,
    k: int = 10,
    *,
    method: str = "popular",
    exclude_bought: bool | None = None,
    rules: pd.DataFrame | None = None,
    members: Iterable | None = None,
    item_col: str = "product_id",
    fill_popular: bool = True,
) -> pd.DataFrame:
    """Top-k recommendations per member from a purchase history (three baselines).

    Args:
        history: one row per purchase (e.g. :func:`purchase_history` before a cutoff), with
            ``customer_id`` and ``item_col``; with ``order_id``, a purchase counts once per
            order.
        k: recommendations per member.
        method: ``"buy_again"`` (the member's most bought items), ``"popular"`` (items
            with the most buyers) or ``"rules"`` (co-purchase: consequents of association
            rules whose antecedents the member has bought, scored by confidence).
        exclude_bought: leave out items the member already bought. Default: True for
            ``popular`` and ``rules`` (discovery), False for ``buy_again`` (which cannot
            exclude them).
        rules: for ``method="rules"``, a table with ``antecedents``, ``consequents``
            (collections of items, e.g. frozensets from mlxtend) and ``confidence``.
        members: who gets recommendations; default everyone in ``history``. Members with
            no history get popular items.
        item_col: the item column (``product_id``, or e.g. ``category`` when the rules
            are about categories).
        fill_popular: fill lists shorter than k with popular items.

    Returns:
        ``customer_id``, ``rank`` (1..k), ``item_col``, ``score`` (purchases, confidence or
        buyers) and ``source`` (the baseline that proposed the item), sorted by member and
        rank. Ties are broken by popularity, then by item.
    """
    _require_frame(history, ("customer_id", item_col), "history")
    k = _positive_int(k, "k")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}")
    if exclude_bought is None:
        exclude_bought = method != "buy_again"
    if method == "buy_again" and exclude_bought:
        raise ValueError("buy_again recommends bought items; exclude_bought must be False")
    _no_missing(history["customer_id"], "history column 'customer_id'")
    _no_missing(history[item_col], f"history column {item_col!r}")
    keys = ["customer_id", item_col] + (["order_id"] if "order_id" in history.columns else [])
    purchases = history[keys].drop_duplicates()
    counts = purchases.groupby(["customer_id", item_col]).size().rename("purchases").reset_index()
    buyers = counts.groupby(item_col).size().rename("buyers")
    # Popularity order: most buyers first, then by item (deterministic).
    popular = buyers.reset_index().sort_values(
        ["buyers", item_col], ascending=[False, True], kind="mergesort"
    )
    popularity_rank = pd.Series(np.arange(len(popular)), index=popular[item_col].to_numpy())
    who = pd.Index(
        sorted(set(counts["customer_id"] if members is None else members), key=_sort_key)
    )
    owned = counts[counts["customer_id"].isin(who)]

    if method == "buy_again":
        candidates = owned.rename(columns={"purchases": "score"}).assign(source="buy_again")
    elif method == "rules":
        candidates = _rule_candidates(rules, owned, who, item_col)
    else:
        candidates = pd.DataFrame(columns=["customer_id", item_col, "score", "source"])
    candidates = candidates.astype({"score": "float64"})
    if exclude_bought and len(candidates):
        mine = candidates.merge(owned[["customer_id", item_col]], how="left", indicator=True)
        candidates = candidates[(mine["_merge"] == "left_only").to_numpy()]
    # One global sort: member, best score, most popular, item.
    candidates = candidates.assign(
        _pop=popularity_rank.reindex(candidates[item_col]).fillna(len(popularity_rank)).to_numpy()
    ).sort_values(
        ["customer_id", "score", "_pop", item_col],
        ascending=[True, False, True, True],
        kind="mergesort",
    )
    candidates = candidates[candidates.groupby("customer_id").cumcount() < k]
    columns = ["customer_id", item_col, "score", "source"]
    picked = candidates[columns]
    if fill_popular:
        picked = pd.concat([picked, _popular_fill(picked, owned, who, popular, k, exclude_bought)])
    # Members in order, each one's own picks before the popular fills.
    position = pd.Series(np.arange(len(who)), index=who)
    picked = picked.assign(_at=position.reindex(picked["customer_id"]).to_numpy())
    picked = picked.sort_values("_at", kind="mergesort").drop(columns="_at")
    picked.insert(1, "rank", picked.groupby("customer_id").cumcount() + 1)
    return picked.reset_index(drop=True).astype({"rank": "int64", "score": "float64"})


def _popular_fill(
    picked: pd.DataFrame,
    owned: pd.DataFrame,
    who: pd.Index,
    popular: pd.DataFrame,
    k: int,
    exclude_bought: bool,
) -> pd.DataFrame:
    """Popular items for the members with fewer than k picks, skipping what they have."""
    item_col = picked.columns[1]
    have = picked.groupby("customer_id").size().reindex(who, fill_value=0)
    short = have.index[(have < k).to_numpy()]
    if len(short) == 0:
        return picked.iloc[:0]
    skip: dict[Any, set] = {member: set() for member in short}
    sources = [picked] + ([owned] if exclude_bought else [])
    for source in sources:
        inside = source[source["customer_id"].isin(short)]
        for member, items in inside.groupby("customer_id")[item_col].agg(set).items():
            skip[member] |= items
    ranking = list(zip(popular[item_col], popular["buyers"].astype("float64"), strict=True))
    rows = []
    for member, room in zip(short, (k - have[short]).to_numpy(), strict=True):
        taken = skip[member]
        added = 0
        for item, buyers in ranking:
            if item not in taken:
                rows.append((member, item, buyers, "popular"))
                added += 1
                if added == room:
                    break
    return pd.DataFrame(rows, columns=picked.columns)


def _rule_candidates(rules: Any, owned: pd.DataFrame, who: pd.Index, item_col: str) -> pd.DataFrame:
    """(member, item, best confidence) for every rule whose antecedents the member bought."""
    if rules is None:
        raise ValueError("method='rules' needs the association rules: pass rules=...")
    _require_frame(rules, ("antecedents", "consequents", "confidence"), "rules")
    if len(rules) == 0:
        return pd.DataFrame(columns=["customer_id", item_col, "score", "source"])
    confidence = _numeric(rules["confidence"], "rules column 'confidence'").to_numpy()
    antecedents = [_itemset(value, "antecedents") for value in rules["antecedents"]]
    consequents = [_itemset(value, "consequents") for value in rules["consequents"]]
    items = pd.Index(sorted(set(owned[item_col]).union(*antecedents, *consequents), key=_sort_key))
    # Member x item ownership, and the best confidence each member gets for each item.
    has = np.zeros((len(who), len(items)), dtype=bool)
    has[who.get_indexer(owned["customer_id"]), items.get_indexer(owned[item_col])] = True
    best = np.full(has.shape, -np.inf)
    for needed, offered, conf in zip(antecedents, consequents, confidence, strict=True):
        applies = has[:, items.get_indexer(list(needed))].all(axis=1)
        columns = items.get_indexer(list(offered))
        best[np.ix_(applies, columns)] = np.maximum(best[np.ix_(applies, columns)], conf)
    member_at, item_at = np.nonzero(np.isfinite(best))
    return pd.DataFrame(
        {
            "customer_id": who[member_at],
            item_col: items[item_at],
            "score": best[member_at, item_at],
            "source": "rules",
        }
    )


def _sort_key(item: Any) -> tuple[str, Any]:
    # Items of mixed types (ints and strings) still sort deterministically.
    return (type(item).__name__, item)


def _itemset(value: Any, what: str) -> frozenset:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"rules column {what!r} must hold collections of items, got {value!r}")
    return frozenset(value)


def hit_rate(
    recommendations: pd.DataFrame,
    future: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    k: int | None = None,
    item_col: str = "product_id",
) -> float:
    """Hit rate at k: share of members who bought at least one recommended item later.

    Args:
        recommendations: ``customer_id``, ``item_col`` (and ``rank`` when ``k`` is given),
            made from data before a cutoff.
        future: purchases after the cutoff (``customer_id``, ``item_col``).
        history: the purchases the recommendations were made from. When given, only
            items new to the member count (the discovery hit rate).
        k: use only recommendations with ``rank <= k``; default all of them.

    Returns:
        Hits / members, over the members who have recommendations and at least one
        (counted) purchase in ``future``.
    """
    _require_frame(recommendations, ("customer_id", item_col), "recommendations")
    _require_frame(future, ("customer_id", item_col), "future")
    recs = recommendations
    if k is not None:
        k = _positive_int(k, "k")
        _require_frame(recommendations, ("rank",), "recommendations")
        recs = recs[recs["rank"] <= k]
    bought_later = future[["customer_id", item_col]].drop_duplicates()
    if history is not None:
        _require_frame(history, ("customer_id", item_col), "history")
        seen = history[["customer_id", item_col]].drop_duplicates().assign(_seen=True)
        bought_later = bought_later.merge(seen, on=["customer_id", item_col], how="left")
        bought_later = bought_later[bought_later["_seen"].isna()].drop(columns="_seen")
    evaluated = pd.Index(recs["customer_id"].unique()).intersection(
        pd.Index(bought_later["customer_id"].unique())
    )
    if len(evaluated) == 0:
        raise ValueError(
            "no member has both recommendations and a (new) purchase in future: "
            "the hit rate is undefined"
        )
    hits = (
        recs[["customer_id", item_col]]
        .drop_duplicates()
        .merge(bought_later, on=["customer_id", item_col], how="inner")
    )
    return float(hits["customer_id"].nunique() / len(evaluated))
