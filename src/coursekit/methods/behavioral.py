"""Behavioural segmentation, shopping scenarios and basket association: module 05's methods.

行为特征细分、购物场景与关联分析.

What members *do* (where, when, what and how they buy and browse) segments them better
than who they are. This module turns the order log and the web events into one row of
behaviour features per member, labels shopping occasions, measures the browsing funnel,
clusters members, and mines which categories are bought together.

**Which orders count.** Functions that pick baskets or members out of ``orders``
(:func:`behavior_features`, :func:`basket_matrix` when given ``orders``,
:func:`occasion_basket`, :func:`browse_without_buy`) use completed orders only
(``status == "completed"``, :func:`coursekit.methods.common.completed_orders`): a returned
or cancelled order is no sale and no basket. Functions that label or count the rows they
are given (:func:`occasion`, :func:`weekday_hour_table`) count every row: filter first.

**Local time.** Hours and weekdays are read on the store's clock. The course's timestamps
are naive local time (China Standard Time) and are used as they are; tz-aware timestamps
(an export in UTC, say) are converted to ``tz`` (default :data:`LOCAL_TZ`) first. Taking
the hour of a UTC timestamp moves every order by eight hours: breakfast becomes midnight.

**Snapshot.** ``snapshot_date`` is a day; the features see everything *before* that day
starts (orders and events on or after it are the future). Default: the day after the last
completed order, as in :func:`coursekit.methods.common.snapshot_date`.

**Dayparts and occasions (场景).** Hours ``[start, end)`` on the local clock:

============  ===============  =====================================================
daypart       hours            occasion when on a weekday (Mon-Fri)
============  ===============  =====================================================
morning       05:00-10:00      ``weekday_morning``: commute breakfast (通勤早餐)
midday        10:00-17:00      ``other``
evening       17:00-21:00      ``weekday_evening``: dinner top-up (晚餐补货)
night         21:00-05:00      ``other``
============  ===============  =====================================================

Every Saturday or Sunday order is ``weekend`` (family stock-up, 周末家庭囤货), whatever
the hour. Public holidays are not treated specially.

**Behaviour features and their denominators.** :func:`behavior_features` returns one row
per member with at least one completed order before the snapshot. A share is only
meaningful with its denominator; the three used here are *orders* (a member's completed
orders), *spend* (the sum of ``line_amount`` over the lines of those orders, i.e. before
order-level discounts) and *lines*:

=========================  ================================================  ==============
column                     meaning                                           denominator
=========================  ================================================  ==============
recency_days               days from the last order date to the snapshot     (days)
frequency                  number of completed orders                        (count)
monetary                   sum of ``net_amount`` (after discounts, yuan)     (yuan)
avg_order_value            monetary / frequency                              orders
channel_<channel>          share of orders placed in that channel            orders
cat_<category>             share of spend on that category                   spend
weekend_share              share of orders on Saturday or Sunday             orders
morning_share ...          share of orders in each daypart (table above):    orders
night_share                morning, midday, evening, night
lines_per_order            order lines / orders                              orders
items_per_order            units (sum of ``quantity``) / orders              orders
coupon_share               share of orders with a ``coupon_id``              orders
private_label_share        share of spend on private-label products          spend
brand_loyalty              spend on the member's usual brand of each         spend
                           category / spend (see below)
sessions                   web sessions before the snapshot                  (count)
views_per_purchase         product views / completed orders                  orders
=========================  ================================================  ==============

*Brand loyalty (品牌忠诚度).* In each category a member bought, the *usual brand* is the
brand with the largest spend there. ``brand_loyalty`` is the spend on usual brands summed
over categories, divided by the spend in those categories: 1.0 means the member never
switches brand within a category; 0.5 means half the money goes to other brands. A member
who bought one product per category scores 1.0 by construction, so read it together with
``frequency``. Shares of members without spend (orders with no lines) are 0.

*Views per purchase.* Product views (``event_type == "view"``) divided by completed orders
in any channel, so it is defined for everyone who has bought; members who never browse
score 0.

**Clustering.** Counts and money are right-skewed: take ``log1p`` of them first, then
standardize every feature (:func:`prepare_features`); otherwise ``monetary``, measured in
hundreds of yuan, decides the clusters on its own, and standardizing before the log gives
negative values that the log cannot take. k-means always gets a seed
(:func:`kmeans_labels`, :func:`choose_k`): without one the clusters change from run to
run. Choose k by reading the elbow of ``inertia`` (which always falls as k grows: its
minimum is simply the largest k tried) together with the silhouette (higher is better,
but it does not rise with k), Calinski-Harabasz (higher is better) and Davies-Bouldin
(lower is better); they often disagree, and the business reading of the profiles
(:func:`cluster_profile`) decides.

**Benefit segmentation (利益细分).** The survey's benefit block (``block == "benefit"``
in ``survey_items``: freshness, price, convenience, quality, service, range) asks how
important each benefit is, 1..5. People answer such questions generously and each in
their own style, so the raw answers mostly measure the style. :func:`benefit_importance`
centres every respondent on their own mean over the items they answered (skipped answers
stay missing); clustering those centred scores groups people by what they seek *more*
than the rest, and :func:`segment_means` compares what the segments then do (coupon use,
online share, organic spend) with intervals.

**Basket association (关联分析).** A basket is one completed order; its items are the
distinct categories (or brands, products) of its lines, so two lines of yoghurt are one
item and the lines of one order are one basket (:func:`basket_matrix`). For a rule
A => C over N baskets:

- support(A => C) = baskets containing A and C / N (baskets, never lines or units);
- confidence = support(A and C) / support(A), the share of A-baskets that also hold C;
- lift = confidence / support(C): how much more often C is bought with A than at random.
  Lift above 1 is association; a high confidence with a lift near 1 only says that C is
  popular (everyone buys milk).

:func:`association_rules` mines the rules with mlxtend (FP-growth) and sorts them by lift,
confidence and support (then by the item names, so ties come out the same every run);
:func:`rule_metrics` computes the three numbers of one rule by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from coursekit.methods.common import COMPLETED
from coursekit.methods.rfm import rfm_table

__all__ = [
    "BENEFIT_BLOCK",
    "CHANNELS",
    "DAYPARTS",
    "DEFAULT_LOG_COLUMNS",
    "FUNNEL_STAGES",
    "LOCAL_TZ",
    "OCCASIONS",
    "RULE_COLUMNS",
    "WEEKDAYS",
    "association_rules",
    "basket_matrix",
    "behavior_features",
    "benefit_importance",
    "benefit_items",
    "browse_without_buy",
    "cart_abandonment",
    "choose_k",
    "cluster_profile",
    "daypart",
    "funnel",
    "kmeans_labels",
    "local_time",
    "name_clusters",
    "occasion",
    "occasion_basket",
    "prepare_features",
    "rule_metrics",
    "rules_by_segment",
    "segment_means",
    "weekday_hour_table",
]

#: The stores' time zone: tz-aware timestamps are converted to it before reading hours.
LOCAL_TZ = "Asia/Shanghai"

#: Sales channels of the course's world, in the order of the feature columns.
CHANNELS = ("store", "app", "mini_program", "group_buy")

#: Dayparts as (name, first hour, end hour) on the local clock; night wraps midnight.
DAYPARTS = (
    ("morning", 5, 10),
    ("midday", 10, 17),
    ("evening", 17, 21),
    ("night", 21, 5),
)

#: Shopping occasions, in the order of the categorical labels.
OCCASIONS = ("weekday_morning", "weekday_evening", "weekend", "other")

#: Row labels of :func:`weekday_hour_table` (Monday first, as ``dt.day_of_week``).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Funnel stages of a web session (浏览 -> 加购 -> 下单).
FUNNEL_STAGES = ("view", "add_to_cart", "purchase")

#: Skewed counts and amounts that :func:`prepare_features` logs by default.
DEFAULT_LOG_COLUMNS = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "lines_per_order",
    "items_per_order",
    "sessions",
    "views_per_purchase",
)

#: The questionnaire block of the benefits sought (利益诉求) in ``survey_items["block"]``.
BENEFIT_BLOCK = "benefit"

#: Columns of :func:`association_rules`, in order.
RULE_COLUMNS = (
    "antecedents",
    "consequents",
    "support",
    "confidence",
    "lift",
    "antecedent_support",
    "consequent_support",
)

_WEEKEND_DAYS = (5, 6)  # Saturday, Sunday in dt.day_of_week
_ORDER_COLUMNS = ("order_id", "customer_id", "order_ts", "status")
_ITEM_COLUMNS = ("order_id", "product_id", "quantity", "line_amount")
_EVENT_COLUMNS = ("customer_id", "session_id", "event_ts", "event_type")


# --------------------------------------------------------------------------- input checks


def _require_frame(frame: Any, what: str, columns: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; available: {list(frame.columns)}")
    doubled = sorted({col for col in columns if (frame.columns == col).sum() > 1})
    if doubled:
        raise ValueError(f"{what} has duplicate column(s) {doubled}; keep one of each")
    return frame


def _require_no_missing(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    for col in columns:
        missing = frame[col].isna().to_numpy()
        if missing.any():
            raise ValueError(
                f"{what}: {int(missing.sum())} row(s) have no {col!r} (first row labels: "
                f"{list(frame.index[missing][:5])}); drop or fix them first"
            )


def _require_numeric(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    for col in columns:
        values = frame[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise ValueError(
                f"{what}: column {col!r} must be numeric, got dtype {values.dtype}; "
                f"convert it first, e.g. pd.to_numeric({what}[{col!r}])"
            )


def _as_bool(values: pd.Series, col: str, what: str) -> pd.Series:
    """True/False flags from bool, 0/1 or "True"/"False" text (as a CSV may hold them)."""
    if values.isna().any():
        raise ValueError(f"{what}: column {col!r} has missing values; use True or False")
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    if pd.api.types.is_numeric_dtype(values) and values.isin([0, 1]).all():
        return values.astype(bool)
    text = values.astype(str).str.strip().str.lower()
    if text.isin(["true", "false"]).all():
        return text == "true"
    bad = sorted(set(values.astype(str)) - {"True", "False", "0", "1"})[:5]
    raise ValueError(f"{what}: column {col!r} must hold True/False, found {bad}")


def _codes_and_names(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of each value and the text of each code (fast on categoricals: the
    text of each distinct value is made once, not once per row)."""
    codes, uniques = pd.factorize(values)
    return codes, np.array([str(value) for value in uniques], dtype=object)


def _is_value(values: pd.Series, text: str) -> np.ndarray:
    """True where the value, read as text, is ``text`` (any dtype: category, str, object)."""
    codes, names = _codes_and_names(values)
    return np.isin(codes, np.flatnonzero(names == text))


def local_time(values: pd.Series, col: str = "timestamp", tz: str = LOCAL_TZ) -> pd.Series:
    """Timestamps on the local clock, tz-naive.

    Naive timestamps are taken as local time already (the course's convention); tz-aware
    ones are converted to ``tz`` and the zone is dropped. Strings are parsed (ISO 8601).

    Args:
        values: timestamps (datetime64, tz-aware datetime64 or ISO strings).
        col: the column name, for error messages.
        tz: the local time zone, default :data:`LOCAL_TZ`.

    Returns:
        A datetime64 Series with the same index.
    """
    if not isinstance(values, pd.Series):
        raise ValueError(f"{col} must be a pandas Series of timestamps")
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ValueError(f"column {col!r} holds numbers ({values.dtype}), not timestamps")
    if values.isna().any():
        raise ValueError(
            f"{int(values.isna().sum())} row(s) have no timestamp in {col!r}; drop or fix them"
        )
    stamps = values
    if not pd.api.types.is_datetime64_any_dtype(stamps):
        try:
            stamps = pd.to_datetime(values, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"timestamps in {col!r} cannot be parsed ({exc}); use ISO timestamps such "
                "as '2025-03-01 08:30'"
            ) from exc
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert(tz).dt.tz_localize(None)
    return stamps


def _snapshot_start(snapshot_date: Any) -> pd.Timestamp:
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


def _completed(orders: pd.DataFrame) -> pd.DataFrame:
    return orders[(orders["status"] == COMPLETED).to_numpy()]


def _check_orders(orders: Any, extra: Iterable[str] = ()) -> pd.DataFrame:
    columns = (*_ORDER_COLUMNS, *extra)
    _require_frame(orders, "orders", columns)
    _require_no_missing(orders, ("order_id", "customer_id", "status"), "orders")
    duplicated = orders["order_id"].duplicated().to_numpy()
    if duplicated.any():
        raise ValueError(
            f"orders has {int(duplicated.sum())} duplicate order_id(s), e.g. "
            f"{list(orders['order_id'][duplicated][:3])}; orders needs one row per order"
        )
    return orders


def _check_items(order_items: Any) -> pd.DataFrame:
    _require_frame(order_items, "order_items", _ITEM_COLUMNS)
    _require_no_missing(order_items, _ITEM_COLUMNS, "order_items")
    _require_numeric(order_items, ("quantity", "line_amount"), "order_items")
    return order_items


def _check_products(products: Any, columns: Iterable[str]) -> pd.DataFrame:
    columns = ("product_id", *columns)
    _require_frame(products, "products", columns)
    _require_no_missing(products, columns, "products")
    duplicated = products["product_id"].duplicated().to_numpy()
    if duplicated.any():
        raise ValueError(
            f"products has duplicate product_id(s), e.g. "
            f"{list(products['product_id'][duplicated][:3])}; one row per product"
        )
    return products


def _product_positions(lines: pd.DataFrame, products: pd.DataFrame) -> np.ndarray:
    """Row position in ``products`` of each line's product; unknown products are an error."""
    positions = pd.Index(products["product_id"].to_numpy()).get_indexer(
        lines["product_id"].to_numpy()
    )
    unknown = positions < 0
    if unknown.any():
        examples = sorted(set(lines["product_id"].to_numpy()[unknown].tolist()))[:5]
        raise ValueError(
            f"order_items has {int(unknown.sum())} line(s) whose product_id is not in "
            f"products, e.g. {examples}; use the products table of the same world"
        )
    return positions


def _lines_with_products(
    order_items: pd.DataFrame, products: pd.DataFrame, columns: Iterable[str]
) -> pd.DataFrame:
    """Order lines joined to the product columns; unknown products are an error.

    Text columns come back as categoricals (categories sorted): copying a product's name
    onto each of 200,000 lines as text is what makes a plain merge slow.
    """
    positions = _product_positions(order_items, products)
    lines = order_items.reset_index(drop=True)
    for col in columns:
        values = products[col]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            values = values.astype("category")
        lines[col] = values.array.take(positions)
    return lines


# --------------------------------------------------------------------------- occasions


def daypart(hours: pd.Series | np.ndarray) -> np.ndarray:
    """Daypart name of each local hour (0-23), by :data:`DAYPARTS`."""
    hours = np.asarray(hours)
    names = np.full(hours.shape, "night", dtype=object)
    for name, first, end in DAYPARTS:
        if first < end:
            names[(hours >= first) & (hours < end)] = name
    return names


def _occasion_of(stamps: pd.Series) -> np.ndarray:
    weekend = np.isin(stamps.dt.day_of_week.to_numpy(), _WEEKEND_DAYS)
    part = daypart(stamps.dt.hour.to_numpy())
    return np.select(
        [weekend, part == "morning", part == "evening"],
        ["weekend", "weekday_morning", "weekday_evening"],
        default="other",
    )


def occasion(orders: pd.DataFrame, tz: str = LOCAL_TZ, *, ts_col: str = "order_ts") -> pd.Series:
    """Label each order with its shopping occasion (购物场景).

    ``weekend`` for Saturday and Sunday; on weekdays ``weekday_morning`` (05:00-10:00,
    commute breakfast), ``weekday_evening`` (17:00-21:00, dinner top-up), else ``other``.
    Hours are local (see the module notes); every row is labelled, whatever its status.

    Args:
        orders: a table with the timestamps in ``ts_col``.
        tz: local time zone for tz-aware timestamps.
        ts_col: timestamp column.

    Returns:
        A categorical Series named ``occasion`` (categories :data:`OCCASIONS`), aligned
        with ``orders``.
    """
    _require_frame(orders, "orders", (ts_col,))
    stamps = local_time(orders[ts_col], ts_col, tz)
    labels = pd.Categorical(_occasion_of(stamps), categories=list(OCCASIONS))
    return pd.Series(labels, index=orders.index, name="occasion")


def weekday_hour_table(
    orders: pd.DataFrame,
    tz: str = LOCAL_TZ,
    *,
    ts_col: str = "order_ts",
    normalize: bool = False,
) -> pd.DataFrame:
    """Orders by weekday (rows, Mon..Sun) and local hour (columns 0..23), for a heatmap.

    Every row of ``orders`` counts: filter completed orders first. With ``normalize`` the
    cells are shares of all orders (they sum to 1).
    """
    _require_frame(orders, "orders", (ts_col,))
    stamps = local_time(orders[ts_col], ts_col, tz)
    counts = np.zeros((7, 24), dtype="int64")
    np.add.at(counts, (stamps.dt.day_of_week.to_numpy(), stamps.dt.hour.to_numpy()), 1)
    table = pd.DataFrame(
        counts,
        index=pd.Index(list(WEEKDAYS), name="weekday"),
        columns=pd.Index(range(24), name="hour"),
    )
    if normalize:
        total = counts.sum()
        if total == 0:
            raise ValueError("orders is empty: no shares to compute")
        return table / total
    return table


def occasion_basket(
    orders: pd.DataFrame,
    order_items: pd.DataFrame,
    products: pd.DataFrame,
    tz: str = LOCAL_TZ,
) -> pd.DataFrame:
    """What each occasion's basket holds: size, value and category mix of completed orders.

    Returns:
        One row per occasion (in :data:`OCCASIONS` order, only those with orders):
        ``orders``, ``order_share`` (of all completed orders), ``avg_basket_value`` (mean
        of ``net_amount``), ``lines_per_order``, ``items_per_order`` and one
        ``cat_<category>`` column per category with the occasion's share of spend
        (``line_amount``) on it.
    """
    _check_orders(orders, ("net_amount",))
    _check_items(order_items)
    _check_products(products, ("category",))
    completed = _completed(orders)
    if len(completed) == 0:
        raise ValueError("orders has no completed orders")
    labels = occasion(completed, tz)
    by_order = pd.DataFrame(
        {"occasion": labels.to_numpy(), "net_amount": completed["net_amount"].to_numpy()},
        index=pd.Index(completed["order_id"].to_numpy(), name="order_id"),
    )
    lines = order_items[order_items["order_id"].isin(by_order.index).to_numpy()]
    lines = _lines_with_products(lines, products, ("category",))
    lines["occasion"] = by_order.loc[lines["order_id"].to_numpy(), "occasion"].to_numpy()

    grouped = by_order.groupby("occasion", observed=True)
    table = pd.DataFrame(
        {
            "orders": grouped.size().astype("int64"),
            "avg_basket_value": grouped["net_amount"].mean(),
        }
    )
    table = table.reindex([name for name in OCCASIONS if name in table.index])
    table.insert(1, "order_share", table["orders"] / len(by_order))
    line_groups = lines.groupby("occasion", observed=True)
    table["lines_per_order"] = (
        line_groups.size().reindex(table.index, fill_value=0) / table["orders"]
    )
    table["items_per_order"] = (
        line_groups["quantity"].sum().reindex(table.index, fill_value=0) / table["orders"]
    )
    categories = sorted(products["category"].astype(str).unique())
    spend = (
        lines.groupby(["occasion", "category"], observed=True)["line_amount"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(index=table.index, columns=categories, fill_value=0.0)
    )
    totals = spend.sum(axis=1).replace(0.0, np.nan)
    shares = spend.div(totals, axis=0).fillna(0.0)
    shares.columns = [f"cat_{name}" for name in categories]
    table = pd.concat([table, shares], axis=1)
    table.index = pd.Index(table.index.astype(str), name="occasion")
    return table


# --------------------------------------------------------------------------- features


def _table_of(world_tables: Any, name: str, required: bool = True) -> pd.DataFrame | None:
    if name not in world_tables:
        if required:
            raise ValueError(
                f"world_tables has no {name!r} table; it needs orders, order_items, "
                f"products and web_events (found: {sorted(world_tables)})"
            )
        return None
    return world_tables[name]


def behavior_features(
    world_tables: Mapping[str, pd.DataFrame],
    snapshot_date: Any = None,
    *,
    tz: str = LOCAL_TZ,
) -> pd.DataFrame:
    """Behaviour features per member (行为特征), as of a snapshot day.

    The columns and their denominators are listed in the module notes: R/F/M, channel
    shares, category shares, weekend and daypart shares, basket size, coupon share,
    private-label share, brand loyalty and browsing.

    Args:
        world_tables: table name -> DataFrame with ``orders``, ``order_items``,
            ``products`` and ``web_events``; optionally ``customers`` (then only orders of
            members listed there count). A ``World.tables()`` dict works as it is.
        snapshot_date: the day of the analysis; orders and events before it count.
            Default: the day after the last completed order.
        tz: local time zone for tz-aware timestamps.

    Returns:
        One row per member with at least one completed order before the snapshot, indexed
        by ``customer_id`` (sorted), all columns float64 except the int64 ``recency_days``,
        ``frequency`` and ``sessions``.
    """
    if not isinstance(world_tables, Mapping):
        raise ValueError(
            "world_tables must be a mapping of table name -> DataFrame, e.g. world.tables()"
        )
    orders = _check_orders(
        _table_of(world_tables, "orders"), ("channel", "net_amount", "coupon_id")
    )
    order_items = _check_items(_table_of(world_tables, "order_items"))
    products = _check_products(
        _table_of(world_tables, "products"), ("category", "brand", "is_private_label")
    )
    web_events = _require_frame(_table_of(world_tables, "web_events"), "web_events", _EVENT_COLUMNS)
    _require_no_missing(web_events, _EVENT_COLUMNS, "web_events")
    customers = _table_of(world_tables, "customers", required=False)

    completed = _completed(orders)
    _require_numeric(completed, ("net_amount",), "orders")
    _require_no_missing(completed, ("channel", "net_amount", "order_ts"), "orders")
    if customers is not None:
        _require_frame(customers, "customers", ("customer_id",))
        completed = completed[completed["customer_id"].isin(customers["customer_id"]).to_numpy()]
    if len(completed) == 0:
        raise ValueError("orders has no completed orders (of listed members): no features")
    stamps = local_time(completed["order_ts"], "order_ts", tz)
    if snapshot_date is None:
        snapshot = stamps.max().normalize() + pd.Timedelta(days=1)
    else:
        snapshot = _snapshot_start(snapshot_date)
    before = (stamps < snapshot).to_numpy()
    if not before.any():
        raise ValueError(
            f"no completed order before the snapshot {snapshot.date()} (first order: "
            f"{stamps.min()}); choose a later snapshot_date"
        )
    completed = completed[before].reset_index(drop=True)
    stamps = stamps[before].reset_index(drop=True)
    member = completed["customer_id"]

    # R, F, M as in module 02, on the same orders.
    rfm = rfm_table(
        pd.DataFrame(
            {
                "customer_id": member,
                "order_id": completed["order_id"],
                "order_ts": stamps,
                "net_amount": completed["net_amount"].astype("float64"),
            }
        ),
        snapshot,
    )
    members = rfm.index
    n_orders = rfm["frequency"].astype("float64")
    features = rfm.copy()
    features["avg_order_value"] = rfm["monetary"] / n_orders

    def per_order_share(flags: pd.DataFrame) -> pd.DataFrame:
        counts = flags.groupby(member.to_numpy()).sum().reindex(members, fill_value=0)
        return counts.div(n_orders, axis=0).astype("float64")

    # Channels: share of orders.
    channel_codes, channel_names = _codes_and_names(completed["channel"])
    channels = list(CHANNELS) + sorted(set(channel_names) - set(CHANNELS))
    channel_flags = pd.DataFrame(
        {
            f"channel_{name}": np.isin(channel_codes, np.flatnonzero(channel_names == name))
            for name in channels
        }
    )
    features = features.join(per_order_share(channel_flags))

    # Time: share of orders by weekend and daypart (local clock).
    parts = daypart(stamps.dt.hour.to_numpy())
    time_flags = {"weekend_share": np.isin(stamps.dt.day_of_week.to_numpy(), _WEEKEND_DAYS)}
    for name, _first, _end in DAYPARTS:
        time_flags[f"{name}_share"] = parts == name
    time_shares = per_order_share(pd.DataFrame(time_flags))

    # Lines of the members' completed orders. Products and members become integer codes:
    # summing by code (np.bincount) is what keeps this fast on a whole order log.
    order_ids = pd.Index(completed["order_id"].to_numpy())
    line_order = order_ids.get_indexer(order_items["order_id"].to_numpy())
    lines = order_items[line_order >= 0]
    line_order = line_order[line_order >= 0]
    line_product = _product_positions(lines, products)
    line_member = members.get_indexer(member.to_numpy())[line_order]
    n_members = len(members)
    amount = lines["line_amount"].to_numpy(dtype="float64")

    def per_member(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(line_member, weights=weights, minlength=n_members)

    spend = pd.Series(per_member(amount), index=members)
    spend_or_nan = spend.replace(0.0, np.nan)

    def per_spend_share(amounts: pd.Series | pd.DataFrame) -> Any:
        # Clipped: summing in another order may put a share a rounding error above 1.
        return amounts.div(spend_or_nan, axis=0).fillna(0.0).clip(upper=1.0).astype("float64")

    category_codes, categories = pd.factorize(products["category"].astype(str), sort=True)
    line_category = category_codes[line_product]
    n_categories = len(categories)
    category_spend = pd.DataFrame(
        np.bincount(
            line_member * n_categories + line_category,
            weights=amount,
            minlength=n_members * n_categories,
        ).reshape(n_members, n_categories),
        index=members,
        columns=[f"cat_{name}" for name in categories],
    )
    features = features.join(per_spend_share(category_spend)).join(time_shares)

    units = per_member(lines["quantity"].to_numpy(dtype="float64"))
    features["lines_per_order"] = per_member() / n_orders
    features["items_per_order"] = units / n_orders

    # A missing coupon_id, or an empty string from a CSV export, is an order without coupon.
    coupon = completed["coupon_id"]
    has_coupon = coupon.notna().to_numpy().copy()
    given = coupon[has_coupon]
    has_coupon[has_coupon] = (given.astype(str).str.strip() != "").to_numpy()
    features["coupon_share"] = per_order_share(pd.DataFrame({"coupon": has_coupon}))["coupon"]

    private = _as_bool(products["is_private_label"], "is_private_label", "products").to_numpy()
    private_spend = pd.Series(
        per_member(np.where(private[line_product], amount, 0.0)), index=members
    )
    features["private_label_share"] = per_spend_share(private_spend)

    # Spend per (member, category, brand); the usual brand is the largest in each
    # (member, category); its spend is summed per member.
    brand_codes, brands = pd.factorize(products["brand"].astype(str))
    n_brands = max(len(brands), 1)
    cell = (line_member.astype("int64") * n_categories + line_category) * n_brands + brand_codes[
        line_product
    ]
    cells, which = np.unique(cell, return_inverse=True)
    cell_spend = np.bincount(which, weights=amount, minlength=len(cells))
    member_category = cells // n_brands
    starts = np.flatnonzero(np.r_[True, member_category[1:] != member_category[:-1]])
    usual = np.maximum.reduceat(cell_spend, starts) if len(cells) else cell_spend
    usual_brand_spend = pd.Series(
        np.bincount(member_category[starts] // n_categories, weights=usual, minlength=n_members),
        index=members,
    )
    features["brand_loyalty"] = per_spend_share(usual_brand_spend)

    # Browsing before the snapshot, members only.
    event_stamps = local_time(web_events["event_ts"], "event_ts", tz)
    events = web_events[
        ((event_stamps < snapshot) & web_events["customer_id"].isin(members)).to_numpy()
    ]
    sessions = events.groupby("customer_id")["session_id"].nunique().reindex(members, fill_value=0)
    views = (
        pd.Series(_is_value(events["event_type"], "view"))
        .groupby(events["customer_id"].to_numpy())
        .sum()
        .reindex(members, fill_value=0)
    )
    features["sessions"] = sessions.astype("int64")
    features["views_per_purchase"] = views.astype("float64") / n_orders

    features.index.name = "customer_id"
    return features


# --------------------------------------------------------------------------- funnel


def _session_stages(web_events: pd.DataFrame) -> pd.DataFrame:
    """One row per session (customer_id, session_id): True where the session had a stage."""
    _require_frame(web_events, "web_events", ("customer_id", "session_id", "event_type"))
    _require_no_missing(web_events, ("customer_id", "session_id", "event_type"), "web_events")
    if len(web_events) == 0:
        raise ValueError("web_events is empty: no sessions")
    codes, names = _codes_and_names(web_events["event_type"])
    known = {*FUNNEL_STAGES, "search"}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(
            f"web_events: unknown event_type value(s) {unknown[:5]}; expected {sorted(known)}"
        )
    flags = pd.DataFrame(
        {stage: np.isin(codes, np.flatnonzero(names == stage)) for stage in FUNNEL_STAGES}
    )
    # A session is (member, session id): ids may restart for every member in other exports.
    keys = [web_events["customer_id"].to_numpy(), web_events["session_id"].to_numpy()]
    return flags.groupby(keys).any()


def funnel(web_events: pd.DataFrame) -> pd.DataFrame:
    """The browsing funnel (浏览 -> 加购 -> 下单) in sessions.

    A session is counted at a stage when it has at least one event of that type.

    Returns:
        Rows ``all_sessions``, ``view``, ``add_to_cart``, ``purchase``; columns
        ``sessions``, ``share_of_sessions`` (÷ all sessions) and ``step_conversion``
        (÷ the sessions of the previous row; NaN for the first row, and where the previous
        stage has no session). The cart abandonment rate is :func:`cart_abandonment`.
    """
    stages = _session_stages(web_events)
    counts = [len(stages), *(int(stages[stage].sum()) for stage in FUNNEL_STAGES)]
    table = pd.DataFrame(
        {"sessions": np.asarray(counts, dtype="int64")},
        index=pd.Index(["all_sessions", *FUNNEL_STAGES], name="stage"),
    )
    table["share_of_sessions"] = table["sessions"] / len(stages)
    previous = table["sessions"].shift(1).replace(0, np.nan)
    table["step_conversion"] = table["sessions"] / previous
    return table


def cart_abandonment(web_events: pd.DataFrame) -> float:
    """Cart abandonment rate (购物车放弃率) of the sessions in ``web_events``.

    Sessions with an ``add_to_cart`` and no ``purchase``, divided by sessions with an
    ``add_to_cart`` (not by all sessions). NaN when no session has a cart.
    """
    stages = _session_stages(web_events)
    carts = stages["add_to_cart"]
    if not carts.any():
        return float("nan")
    abandoned = carts & ~stages["purchase"]
    return float(abandoned.sum() / carts.sum())


def _month_period(month: Any) -> pd.Period:
    if isinstance(month, pd.Period):
        return month.asfreq("M")
    if isinstance(month, str) and not re.fullmatch(r"\d{4}-\d{1,2}", month.strip()):
        raise ValueError(f"month {month!r} is not a month such as '2025-11'")
    if not isinstance(month, str | date | datetime | pd.Timestamp | np.datetime64):
        raise ValueError(f"month must be like '2025-11' or a Period, got {month!r}")
    try:
        return pd.Period(month, freq="M")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"month {month!r} is not a month such as '2025-11'") from exc


def browse_without_buy(
    web_events: pd.DataFrame,
    orders: pd.DataFrame,
    order_items: pd.DataFrame,
    products: pd.DataFrame,
    month: Any,
    tz: str = LOCAL_TZ,
) -> pd.DataFrame:
    """Categories each member viewed in a month and did not buy in it (浏览未购买).

    An interest the member showed and the shop did not serve: a targeting signal (a
    reminder, a coupon for that category). "Bought" means a line of that category in a
    completed order of the same calendar month, in any channel.

    Args:
        web_events: the web events; ``view`` events with a ``product_id`` count.
        orders, order_items, products: the orders of the same world.
        month: the calendar month, e.g. ``"2025-11"`` or ``pd.Period("2025-11")``.
        tz: local time zone for tz-aware timestamps.

    Returns:
        Columns ``customer_id``, ``category``, ``views`` (view events of the category in
        the month) and ``last_viewed``; sorted by member, most viewed first, then
        category. Empty when nobody browsed without buying.
    """
    period = _month_period(month)
    _require_frame(web_events, "web_events", (*_EVENT_COLUMNS, "product_id"))
    _require_no_missing(web_events, _EVENT_COLUMNS, "web_events")
    _check_orders(orders)
    _check_items(order_items)
    _check_products(products, ("category",))

    event_stamps = local_time(web_events["event_ts"], "event_ts", tz)
    viewed = (
        (event_stamps.dt.to_period("M") == period)
        & _is_value(web_events["event_type"], "view")
        & web_events["product_id"].notna()
    ).to_numpy()
    views = _lines_with_products(
        web_events.loc[viewed, ["customer_id", "product_id"]], products, ("category",)
    )
    views["event_ts"] = event_stamps[viewed].to_numpy()

    completed = _completed(orders)
    order_stamps = local_time(completed["order_ts"], "order_ts", tz)
    month_orders = completed[(order_stamps.dt.to_period("M") == period).to_numpy()]
    order_member = pd.Series(
        month_orders["customer_id"].to_numpy(), index=month_orders["order_id"].to_numpy()
    )
    bought_lines = order_items[order_items["order_id"].isin(order_member.index).to_numpy()]
    bought_lines = _lines_with_products(bought_lines, products, ("category",))
    bought = set(
        zip(
            order_member.loc[bought_lines["order_id"].to_numpy()].to_numpy(),
            bought_lines["category"].astype(str),
            strict=True,
        )
    )

    columns = ["customer_id", "category", "views", "last_viewed"]
    if len(views) == 0:
        return pd.DataFrame(
            {
                "customer_id": web_events["customer_id"].iloc[:0].to_numpy(),
                "category": pd.Series([], dtype=str),
                "views": pd.Series([], dtype="int64"),
                "last_viewed": pd.Series([], dtype="datetime64[ns]"),
            }
        )
    views["category"] = views["category"].astype(str)
    interest = (
        views.groupby(["customer_id", "category"])
        .agg(views=("event_ts", "size"), last_viewed=("event_ts", "max"))
        .reset_index()
    )
    keep = [
        (customer, category) not in bought
        for customer, category in zip(interest["customer_id"], interest["category"], strict=True)
    ]
    interest = interest[keep]
    interest = interest.sort_values(
        ["customer_id", "views", "category"], ascending=[True, False, True], kind="mergesort"
    )
    interest["views"] = interest["views"].astype("int64")
    return interest[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- clustering


def _numeric_matrix(features: Any, what: str = "features") -> pd.DataFrame:
    if not isinstance(features, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(features).__name__}")
    if features.shape[1] == 0 or len(features) == 0:
        raise ValueError(f"{what} is empty: need at least one row and one column")
    bad = [
        col
        for col in features.columns
        if not (pd.api.types.is_numeric_dtype(features[col]) or features[col].dtype == bool)
    ]
    if bad:
        raise ValueError(
            f"{what}: column(s) {bad[:5]} are not numeric; drop them or encode them first"
        )
    matrix = features.astype("float64")
    finite = np.isfinite(matrix.to_numpy())
    if not finite.all():
        cols = [col for col, ok in zip(matrix.columns, finite.all(axis=0), strict=True) if not ok]
        raise ValueError(
            f"{what}: column(s) {cols[:5]} have missing or infinite values; fill or drop them"
        )
    return matrix


def prepare_features(
    features: pd.DataFrame,
    log_cols: Iterable[str] | None = None,
    *,
    columns: Iterable[str] | None = None,
    scale: bool = True,
) -> pd.DataFrame:
    """Features ready for k-means: ``log1p`` of the skewed columns, then standardized.

    The order matters: the log first (it needs values >= 0 and tames the long tails of
    counts and money), then the standardization (mean 0, standard deviation 1 with
    ``ddof=0``, scikit-learn's ``StandardScaler``) so that every feature weighs the same.

    Args:
        features: one row per member, numeric columns (e.g. :func:`behavior_features`).
        log_cols: columns to log. Default: those of :data:`DEFAULT_LOG_COLUMNS` present.
        columns: the columns to keep (default: all).
        scale: standardize after the log (set False to see the logged values only).

    Returns:
        A new float64 DataFrame with the same index and the kept columns.
    """
    from sklearn.preprocessing import StandardScaler

    if columns is not None:
        if not isinstance(features, pd.DataFrame):
            raise ValueError(f"features must be a DataFrame, got {type(features).__name__}")
        columns = list(columns)
        missing = [col for col in columns if col not in features.columns]
        if missing:
            raise ValueError(f"features has no column(s) {missing}")
        features = features[columns]
    matrix = _numeric_matrix(features)
    if log_cols is None:
        logged = [col for col in DEFAULT_LOG_COLUMNS if col in matrix.columns]
    else:
        if isinstance(log_cols, str):
            log_cols = [log_cols]
        logged = list(log_cols)
        missing = [col for col in logged if col not in matrix.columns]
        if missing:
            raise ValueError(
                f"log_cols names column(s) {missing} that features does not have; "
                f"available: {list(matrix.columns)}"
            )
    for col in logged:
        negative = (matrix[col] < 0).to_numpy()
        if negative.any():
            raise ValueError(
                f"column {col!r} has {int(negative.sum())} negative value(s): log1p needs "
                "values >= 0 (take the log before standardizing, not after)"
            )
        matrix[col] = np.log1p(matrix[col])
    if not scale:
        return matrix
    scaled = StandardScaler().fit_transform(matrix.to_numpy())
    return pd.DataFrame(scaled, index=matrix.index, columns=matrix.columns)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(
            f"seed must be an integer (k-means needs a fixed seed to give the same clusters "
            f"every run), got {seed!r}"
        )
    return int(seed)


def _check_k(k: Any, n_rows: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"k must be an integer, got {k!r}")
    if not 2 <= k < n_rows:
        raise ValueError(f"k must be between 2 and the number of rows - 1 ({n_rows - 1}), got {k}")
    return int(k)


def _kmeans(matrix: np.ndarray, k: int, seed: int) -> Any:
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    # n_init=10 restarts: the best of ten seeded starts, the same ten every run. One
    # thread: member tables are small, so threads only cost (seconds on a busy workshop
    # machine), and the sums come out in the same order on every machine.
    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit(matrix)


def kmeans_labels(X: pd.DataFrame | np.ndarray, k: int, seed: int) -> pd.Series:
    """k-means cluster labels, numbered by size (0 = the largest cluster).

    Args:
        X: prepared features (:func:`prepare_features`), one row per member.
        k: number of clusters.
        seed: random seed; the same seed gives the same clusters.

    Returns:
        int64 Series named ``cluster`` (index of ``X`` when it is a DataFrame).
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype="float64"))
    matrix = _numeric_matrix(frame, "X").to_numpy()
    k = _check_k(k, len(matrix))
    seed = _check_seed(seed)
    raw = _kmeans(matrix, k, seed).labels_
    # Number clusters by size, then by first appearance, so the labels read the same
    # whatever order k-means found them in.
    sizes = np.bincount(raw, minlength=k)
    first_row = np.array([np.flatnonzero(raw == c)[0] for c in range(k)])
    order = sorted(range(k), key=lambda c: (-sizes[c], first_row[c]))
    relabel = np.empty(k, dtype="int64")
    relabel[order] = np.arange(k)
    return pd.Series(relabel[raw], index=frame.index, name="cluster")


def choose_k(
    X: pd.DataFrame | np.ndarray,
    ks: Iterable[int] = range(2, 9),
    seed: int = 0,
    *,
    sample_size: int = 2000,
) -> pd.DataFrame:
    """Four criteria for the number of clusters, side by side.

    For each k, seeded k-means (10 starts) and: ``inertia`` (within-cluster sum of
    squares; always falls with k, read its elbow), ``silhouette`` (-1..1, higher is
    better), ``calinski_harabasz`` (higher is better) and ``davies_bouldin`` (lower is
    better), from scikit-learn. The silhouette is computed on a seeded sample of
    ``sample_size`` rows when there are more (it costs n squared).

    Returns:
        One row per k (ascending), columns ``k``, ``inertia``, ``silhouette``,
        ``calinski_harabasz``, ``davies_bouldin``.
    """
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype="float64"))
    matrix = _numeric_matrix(frame, "X").to_numpy()
    seed = _check_seed(seed)
    if isinstance(ks, int | np.integer):
        raise ValueError(f"ks must be several values of k, e.g. range(2, 9), got {ks!r}")
    ks = sorted({_check_k(k, len(matrix)) for k in ks})
    if not ks:
        raise ValueError("ks is empty: give the values of k to compare, e.g. range(2, 9)")
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 10:
        raise ValueError(f"sample_size must be an integer >= 10, got {sample_size!r}")
    rows = []
    for k in ks:
        model = _kmeans(matrix, k, seed)
        labels = model.labels_
        silhouette = silhouette_score(
            matrix,
            labels,
            sample_size=sample_size if len(matrix) > sample_size else None,
            random_state=seed,
        )
        rows.append(
            {
                "k": k,
                "inertia": float(model.inertia_),
                "silhouette": float(silhouette),
                "calinski_harabasz": float(calinski_harabasz_score(matrix, labels)),
                "davies_bouldin": float(davies_bouldin_score(matrix, labels)),
            }
        )
    table = pd.DataFrame(rows)
    table["k"] = table["k"].astype("int64")
    return table


def cluster_profile(features: pd.DataFrame, labels: Any) -> pd.DataFrame:
    """Standardized feature means per cluster, with sizes: the table behind a heatmap or
    snake plot (蛇形图).

    Each feature is standardized over all members (z = (x - mean) / std, ``ddof=0``;
    constant features give 0), then averaged per cluster: +1 means the cluster sits one
    standard deviation above the average member.

    Args:
        features: one row per member, numeric columns (raw or prepared features).
        labels: cluster label per member: a Series aligned on the index, or an array in
            row order.

    Returns:
        One row per cluster (sorted), columns ``size``, ``share`` and then the
        features' standardized means. For the heatmap drop ``size`` and ``share``.
    """
    matrix = _numeric_matrix(features)
    if isinstance(labels, pd.Series):
        if not labels.index.equals(matrix.index):
            if not matrix.index.isin(labels.index).all() or labels.index.has_duplicates:
                raise ValueError("labels must have one label for every row of features")
            labels = labels.loc[matrix.index]
        labels = labels.to_numpy()
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(matrix):
        raise ValueError(
            f"labels must have one label per row of features ({len(matrix)}), got shape "
            f"{labels.shape}"
        )
    if pd.isna(labels).any():
        raise ValueError("labels has missing values: every member needs a cluster")
    std = matrix.std(ddof=0).replace(0.0, np.nan)
    z = ((matrix - matrix.mean()) / std).fillna(0.0)
    grouped = z.groupby(labels)
    profile = grouped.mean()
    sizes = grouped.size()
    profile.insert(0, "share", sizes / len(matrix))
    profile.insert(0, "size", sizes.astype("int64"))
    profile.index.name = "cluster"
    return profile


def name_clusters(profile: pd.DataFrame, top: int = 2, min_z: float = 0.3) -> pd.Series:
    """A first working name per cluster from its most distinctive features.

    Takes the ``top`` features with the largest absolute standardized mean (at least
    ``min_z``) and writes them as "high evening_share, low monetary". A starting point
    for the business name the team agrees on, not a replacement for it.

    Args:
        profile: the output of :func:`cluster_profile`.
        top: number of features in each name.
        min_z: smallest absolute standardized mean worth naming.

    Returns:
        Series cluster -> name (``"average"`` when nothing stands out).
    """
    if not isinstance(profile, pd.DataFrame):
        raise ValueError("profile must be the DataFrame of cluster_profile()")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    means = profile.drop(columns=[c for c in ("size", "share") if c in profile.columns])
    matrix = _numeric_matrix(means, "profile")
    names = {}
    for cluster, row in matrix.iterrows():
        ranked = row.abs().sort_values(ascending=False, kind="mergesort")
        picked = [col for col in ranked.index[:top] if abs(row[col]) >= min_z]
        words = [f"{'high' if row[col] > 0 else 'low'} {col}" for col in picked]
        names[cluster] = ", ".join(words) if words else "average"
    return pd.Series(names, name="name").rename_axis(profile.index.name)


# --------------------------------------------------------------------------- benefits


def benefit_items(survey_items: pd.DataFrame) -> pd.Series:
    """The benefit items of the questionnaire (利益诉求题) and the benefit each asks about.

    Args:
        survey_items: the questionnaire (``item``, ``construct``, ``block``).

    Returns:
        Series item -> benefit name (the construct without its ``benefit_`` prefix, e.g.
        ``b02 -> price``), in questionnaire order, named ``benefit``.
    """
    _require_frame(survey_items, "survey_items", ("item", "construct", "block"))
    benefit = survey_items[(survey_items["block"].astype(str) == BENEFIT_BLOCK).to_numpy()]
    if len(benefit) == 0:
        raise ValueError(
            f"survey_items has no item of block {BENEFIT_BLOCK!r}; blocks found: "
            f"{sorted(set(survey_items['block'].astype(str)))}"
        )
    if benefit["item"].duplicated().any():
        raise ValueError("survey_items lists a benefit item twice; one row per item")
    names = benefit["construct"].astype(str).str.removeprefix("benefit_")
    return pd.Series(
        names.to_numpy(), index=pd.Index(benefit["item"].astype(str), name="item"), name="benefit"
    )


def benefit_importance(
    survey: pd.DataFrame, survey_items: pd.DataFrame, *, center: bool = True
) -> pd.DataFrame:
    """How important each benefit is to each respondent, relative to their own answers.

    Importance items are answered generously: most people call most things important, and
    some people tick "very important" everywhere (acquiescence, 默认赞同倾向). Segmenting
    on the raw answers then sorts respondents by *how* they answer, not by *what* they seek.
    Centring each respondent's answers on their own mean (ipsative scores, 自比分数) keeps
    what matters to them more or less than the rest: +1 means one point above their
    own average importance.

    Args:
        survey: one row per respondent (``customer_id`` and the item columns), answers 1..5,
            missing where a question was skipped.
        survey_items: the questionnaire; the items of block ``"benefit"`` are used.
        center: subtract each respondent's mean over the benefit items they answered.
            Set False for the raw importance (1..5).

    Returns:
        float64 DataFrame indexed by ``customer_id`` (survey order), one column per benefit
        item (``b01`` ...). Skipped answers stay missing (NaN): they are not 0, and they do
        not count in the respondent's mean.
    """
    items = list(benefit_items(survey_items).index)
    _require_frame(survey, "survey", ("customer_id", *items))
    _require_no_missing(survey, ("customer_id",), "survey")
    if survey["customer_id"].duplicated().any():
        raise ValueError(
            "survey has several rows for one customer_id; keep one answer sheet per respondent"
        )
    answers = survey[items]
    bad = [c for c in items if not pd.api.types.is_numeric_dtype(answers[c])]
    if bad:
        raise ValueError(
            f"survey: benefit item(s) {bad} are not numbers; recode the answers to 1..5 first"
        )
    answers = answers.astype("float64")
    outside = answers.notna() & ~answers.isin([1.0, 2.0, 3.0, 4.0, 5.0])
    if outside.to_numpy().any():
        column = outside.any().idxmax()
        raise ValueError(
            f"survey: item {column!r} has answers outside 1..5, e.g. "
            f"{answers.loc[outside[column], column].iloc[0]}"
        )
    answers.index = pd.Index(survey["customer_id"].to_numpy(), name="customer_id")
    if not center:
        return answers
    # mean() skips NaN: a skipped answer neither counts as 0 nor moves the respondent's mean.
    return answers.sub(answers.mean(axis=1), axis=0)


def segment_means(
    features: pd.DataFrame,
    segments: Any,
    columns: Iterable[str] | None = None,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Mean of each feature per segment, with a t-interval: the table behind grouped bars.

    Args:
        features: one row per member, numeric columns (e.g. :func:`behavior_features`).
        segments: segment per member, a Series indexed like ``features`` (members missing
            from it are left out) or an array in row order.
        columns: the features to summarise (default: all).
        alpha: 1 - confidence level of the intervals (statsmodels' ``tconfint_mean``).

    Returns:
        Long table with columns ``segment``, ``feature``, ``members``, ``mean``,
        ``ci_low``, ``ci_high``; segments sorted, features in the given order. The
        interval is NaN for a segment of one member.
    """
    from statsmodels.stats.weightstats import DescrStatsW

    if columns is not None:
        if not isinstance(features, pd.DataFrame):
            raise ValueError(f"features must be a DataFrame, got {type(features).__name__}")
        columns = [columns] if isinstance(columns, str) else list(columns)
        missing = [col for col in columns if col not in features.columns]
        if missing:
            raise ValueError(f"features has no column(s) {missing}")
        features = features[columns]
    matrix = _numeric_matrix(features)
    if isinstance(segments, pd.Series):
        if segments.index.has_duplicates:
            raise ValueError("segments has duplicate labels: one segment per member")
        # Members without a segment are left out; the labels keep their dtype.
        matrix = matrix[matrix.index.isin(segments.index)]
        labels = segments.loc[matrix.index]
    else:
        values = np.asarray(segments)
        if values.ndim != 1 or len(values) != len(matrix):
            raise ValueError("segments must have one value per row of features")
        labels = pd.Series(values, index=matrix.index)
    known = labels.notna().to_numpy()
    if not known.any():
        raise ValueError("no member of features has a segment")
    alpha = _check_fraction(alpha, "alpha", low_open=True)
    rows = []
    grouped = matrix[known].groupby(labels[known].to_numpy(), sort=True)
    for segment, block in grouped:
        for col in matrix.columns:
            values = block[col].to_numpy()
            low = high = float("nan")
            if len(values) > 1:
                low, high = DescrStatsW(values).tconfint_mean(alpha=alpha)
            rows.append(
                {
                    "segment": segment,
                    "feature": col,
                    "members": len(values),
                    "mean": float(values.mean()),
                    "ci_low": float(low),
                    "ci_high": float(high),
                }
            )
    table = pd.DataFrame(rows)
    table["members"] = table["members"].astype("int64")
    return table


# --------------------------------------------------------------------------- baskets


def basket_matrix(
    order_items: pd.DataFrame,
    products: pd.DataFrame,
    level: str = "category",
    orders: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Baskets as a one-hot matrix (购物篮矩阵): one row per order, one boolean column per item.

    The items of a basket are the distinct values of ``level`` over its lines: several
    lines of one category (or one product bought twice) make one True.

    Args:
        order_items: order lines (``order_id``, ``product_id``).
        products: the catalog; ``level`` is one of its columns.
        level: ``"category"`` (default), ``"brand"``, ``"product_id"`` or another
            product column.
        orders: when given, only lines of its completed orders are used (leave cancelled
            and returned orders out of baskets). Without it every line counts.

    Returns:
        Boolean DataFrame indexed by ``order_id`` (sorted), columns the items (sorted).
    """
    _require_frame(order_items, "order_items", ("order_id", "product_id"))
    _require_no_missing(order_items, ("order_id", "product_id"), "order_items")
    if not isinstance(level, str):
        raise ValueError(f"level must be a column name of products, got {level!r}")
    _require_frame(products, "products", ("product_id",))
    if level not in products.columns:
        raise ValueError(
            f"level {level!r} is not a column of products; use one of {list(products.columns)}"
        )
    _check_products(products, () if level == "product_id" else (level,))
    lines = order_items
    if orders is not None:
        _check_orders(orders)
        completed_ids = _completed(orders)["order_id"]
        lines = lines[lines["order_id"].isin(completed_ids).to_numpy()]
    if len(lines) == 0:
        raise ValueError("no order lines to build baskets from (after keeping completed orders)")
    if level == "product_id":
        lines = _lines_with_products(lines[["order_id", "product_id"]], products, ())
        items = lines["product_id"]
    else:
        lines = _lines_with_products(lines[["order_id", "product_id"]], products, (level,))
        items = lines[level]
    basket_codes, order_ids = pd.factorize(lines["order_id"], sort=True)
    if isinstance(items.dtype, pd.CategoricalDtype):
        # The categories are sorted: keep the ones bought, in that order.
        used, item_codes = np.unique(items.cat.codes.to_numpy(), return_inverse=True)
        item_names = items.cat.categories[used]
    else:
        item_codes, item_names = pd.factorize(items, sort=True)
    # Setting a cell twice is harmless: repeated lines of an item stay one True.
    cells = np.zeros((len(order_ids), len(item_names)), dtype=bool)
    cells[basket_codes, item_codes] = True
    return pd.DataFrame(
        cells,
        index=pd.Index(order_ids, name="order_id"),
        columns=pd.Index(item_names, name=level),
    )


def _check_baskets(baskets: Any) -> pd.DataFrame:
    if not isinstance(baskets, pd.DataFrame):
        raise ValueError(
            f"baskets must be a DataFrame (basket_matrix), got {type(baskets).__name__}"
        )
    if len(baskets) == 0 or baskets.shape[1] == 0:
        raise ValueError("baskets is empty: need at least one basket and one item")
    if baskets.columns.has_duplicates:
        raise ValueError("baskets has duplicate item columns; each item must be one column")
    if baskets.isna().to_numpy().any():
        raise ValueError("baskets has missing values; use True/False for every cell")
    values = baskets.to_numpy()
    if values.dtype != bool:
        numeric = all(pd.api.types.is_numeric_dtype(baskets[c]) for c in baskets.columns)
        if not numeric or not np.isin(values, (0, 1)).all():
            raise ValueError(
                "baskets must hold True/False (or 0/1) per basket and item, one row per "
                "basket; build it with basket_matrix()"
            )
    return baskets.astype(bool)


def _check_fraction(value: Any, name: str, *, low_open: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    value = float(value)
    ok = (0 < value <= 1) if low_open else (0 <= value <= 1)
    if not ok:
        bound = "0 < x <= 1" if low_open else "0 <= x <= 1"
        raise ValueError(f"{name} must satisfy {bound}, got {value}")
    return value


def _item_key(items: frozenset) -> tuple[str, ...]:
    return tuple(sorted(str(item) for item in items))


def association_rules(
    baskets: pd.DataFrame,
    min_support: float,
    min_confidence: float,
    *,
    max_len: int | None = None,
) -> pd.DataFrame:
    """Association rules A => C between items bought together, mined with mlxtend.

    Frequent itemsets come from FP-growth (``mlxtend.frequent_patterns.fpgrowth``) over
    the baskets; rules from ``mlxtend.frequent_patterns.association_rules`` with
    ``confidence >= min_confidence``. Support is a share of baskets (rows).

    Args:
        baskets: one row per basket, boolean item columns (:func:`basket_matrix`).
        min_support: minimum support of the whole rule (A and C together), 0 < x <= 1.
        min_confidence: minimum confidence, 0 <= x <= 1.
        max_len: longest itemset to mine (default: no limit).

    Returns:
        Columns :data:`RULE_COLUMNS`: ``antecedents`` and ``consequents`` (frozensets of
        item names), ``support``, ``confidence``, ``lift``, ``antecedent_support`` and
        ``consequent_support``. Sorted by lift, confidence and support (descending), then
        by the sorted item names; index 0..n-1. Empty (same columns) when no rule passes.
    """
    from mlxtend.frequent_patterns import association_rules as mine_rules
    from mlxtend.frequent_patterns import fpgrowth

    items = _check_baskets(baskets)
    min_support = _check_fraction(min_support, "min_support", low_open=True)
    min_confidence = _check_fraction(min_confidence, "min_confidence", low_open=False)
    if max_len is not None and (
        isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 2
    ):
        raise ValueError(
            f"max_len must be an integer >= 2 (a rule needs two items), got {max_len!r}"
        )
    empty = pd.DataFrame(
        {
            col: pd.Series(dtype="object" if col in ("antecedents", "consequents") else "float64")
            for col in RULE_COLUMNS
        }
    )
    # mlxtend needs string column names; map back to the caller's item labels afterwards.
    labels = list(items.columns)
    coded = items.set_axis([f"i{n}" for n in range(len(labels))], axis=1)
    back = dict(zip(coded.columns, labels, strict=True))
    itemsets = fpgrowth(coded, min_support=min_support, use_colnames=True, max_len=max_len)
    if len(itemsets) == 0 or itemsets["itemsets"].map(len).max() < 2:
        return empty
    rules = mine_rules(
        itemsets,
        num_itemsets=len(coded),
        metric="confidence",
        min_threshold=min_confidence,
        return_metrics=[
            "antecedent support",
            "consequent support",
            "support",
            "confidence",
            "lift",
        ],
    )
    if len(rules) == 0:
        return empty
    table = pd.DataFrame(
        {
            "antecedents": [frozenset(back[i] for i in s) for s in rules["antecedents"]],
            "consequents": [frozenset(back[i] for i in s) for s in rules["consequents"]],
            "support": rules["support"].to_numpy(dtype="float64"),
            "confidence": rules["confidence"].to_numpy(dtype="float64"),
            "lift": rules["lift"].to_numpy(dtype="float64"),
            "antecedent_support": rules["antecedent support"].to_numpy(dtype="float64"),
            "consequent_support": rules["consequent support"].to_numpy(dtype="float64"),
        }
    )
    # Round the sort keys: equal rules must tie exactly, whatever the floating-point noise.
    keys = pd.DataFrame(
        {
            "lift": -table["lift"].round(10),
            "confidence": -table["confidence"].round(10),
            "support": -table["support"].round(10),
            "antecedents": table["antecedents"].map(_item_key),
            "consequents": table["consequents"].map(_item_key),
        }
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort").index
    return table.loc[order].reset_index(drop=True)


def _item_list(items: Any, name: str, baskets: pd.DataFrame) -> list:
    if isinstance(items, str) or not isinstance(items, Iterable):
        items = [items]
    items = list(items)
    if not items:
        raise ValueError(f"{name} is empty: name at least one item")
    unknown = [item for item in items if item not in baskets.columns]
    if unknown:
        raise ValueError(
            f"{name} item(s) {unknown} are not columns of baskets; items are e.g. "
            f"{list(baskets.columns[:5])}"
        )
    return items


def rule_metrics(baskets: pd.DataFrame, antecedent: Any, consequent: Any) -> dict[str, float]:
    """Support, confidence and lift of one rule, counted by hand over the baskets.

    With N baskets, n(X) the number of baskets holding every item of X:
    support = n(A and C) / N, confidence = n(A and C) / n(A), lift = confidence /
    (n(C) / N).

    Args:
        baskets: one row per basket, boolean item columns (:func:`basket_matrix`).
        antecedent: an item or a list of items (A).
        consequent: an item or a list of items (C), none of them in A.

    Returns:
        ``{"antecedent_support", "consequent_support", "support", "confidence", "lift"}``
        as floats; confidence is NaN when no basket holds A, lift NaN when none holds C.
    """
    items = _check_baskets(baskets)
    a_items = _item_list(antecedent, "antecedent", items)
    c_items = _item_list(consequent, "consequent", items)
    overlap = sorted(set(map(str, a_items)) & set(map(str, c_items)))
    if overlap:
        raise ValueError(f"antecedent and consequent share item(s) {overlap}; a rule needs two")
    n_baskets = len(items)
    has_a = items[a_items].all(axis=1).to_numpy()
    has_c = items[c_items].all(axis=1).to_numpy()
    n_a, n_c, n_both = int(has_a.sum()), int(has_c.sum()), int((has_a & has_c).sum())
    support_c = n_c / n_baskets
    confidence = n_both / n_a if n_a else float("nan")
    lift = confidence / support_c if n_c else float("nan")
    return {
        "antecedent_support": n_a / n_baskets,
        "consequent_support": support_c,
        "support": n_both / n_baskets,
        "confidence": confidence,
        "lift": lift,
    }


def rules_by_segment(
    baskets: pd.DataFrame,
    segments: pd.Series,
    min_support: float,
    min_confidence: float,
    *,
    max_len: int | None = None,
) -> pd.DataFrame:
    """Association rules mined separately within each segment's baskets.

    Args:
        baskets: one row per basket (:func:`basket_matrix`), indexed by order id.
        segments: segment of each basket, a Series indexed by order id (e.g. the member's
            cluster mapped onto their orders).
        min_support, min_confidence, max_len: as for :func:`association_rules`; support is
            a share of the segment's baskets.

    Returns:
        The rules of every segment with a first column ``segment``; segments in sorted
        order, rules within a segment as :func:`association_rules` sorts them.
    """
    items = _check_baskets(baskets)
    if not isinstance(segments, pd.Series):
        raise ValueError("segments must be a Series: segment per basket, indexed by order id")
    missing = ~items.index.isin(segments.index)
    if missing.any():
        raise ValueError(
            f"{int(missing.sum())} basket(s) have no segment, e.g. {list(items.index[missing][:3])}"
        )
    if segments.index.has_duplicates:
        raise ValueError("segments has duplicate order ids; one segment per basket")
    per_basket = segments.loc[items.index]
    if per_basket.isna().any():
        raise ValueError("segments has missing values for some baskets")
    tables = []
    for segment in sorted(pd.unique(per_basket), key=str):
        rules = association_rules(
            items[(per_basket == segment).to_numpy()], min_support, min_confidence, max_len=max_len
        )
        rules.insert(0, "segment", segment)
        if len(rules):
            tables.append(rules)
    if not tables:
        return rules.iloc[:0]
    return pd.concat(tables, ignore_index=True)
