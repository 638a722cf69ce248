"""Tests of coursekit.methods.strategy: hand-computed answers, and each named mistake of
module 06 reproduced to show it gives a different, wrong value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from coursekit.methods.common import completed_orders
from coursekit.methods.rfm import rfm_table
from coursekit.methods.strategy import (
    FEATURE_GROUPS,
    budget_plan,
    churn_features,
    churn_labels,
    churn_metrics,
    coupon_cost,
    gross_margin_rate,
    hit_rate,
    lift_table,
    plan_value,
    points_cost,
    precision_at_k,
    purchase_history,
    recommend,
    shopper_type,
    time_cutoffs,
    time_split,
)

CUTOFF = "2024-07-01"
WINDOW = 30
HORIZON = 30


def _orders(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["order_id", "customer_id", "order_ts", "status", "net_amount"]
    )
    frame["order_ts"] = pd.to_datetime(frame["order_ts"])
    return frame


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """Four members around the cutoff 2024-07-01 (30-day windows, 30-day horizon).

    1: bought 05-10 (100) and 06-20 (50), returned an order 06-01, buys again 07-05.
    2: bought 06-30 23:59 (40); only a cancelled order in the window, then buys 07-31
       (the day after the window ends): churned.
    3: first order exactly at the cutoff (07-01 00:00): not a member at the cutoff.
    4: bought 03-01 (200), buys again 07-30 (the window's last day).
    """
    orders = _orders(
        [
            (1, 1, "2024-05-10 10:00", "completed", 100.0),
            (2, 1, "2024-06-01 09:00", "returned", 70.0),
            (3, 1, "2024-06-20 18:00", "completed", 50.0),
            (4, 1, "2024-07-05 12:00", "completed", 80.0),
            (5, 2, "2024-06-30 23:59", "completed", 40.0),
            (6, 2, "2024-07-10 08:00", "cancelled", 25.0),
            (7, 2, "2024-07-31 08:00", "completed", 30.0),
            (8, 3, "2024-07-01 00:00", "completed", 60.0),
            (9, 4, "2024-03-01 11:00", "completed", 200.0),
            (10, 4, "2024-07-30 20:00", "completed", 90.0),
        ]
    )
    order_items = pd.DataFrame(
        [
            (1, "A", 2),
            (1, "B", 1),
            (2, "C", 1),
            (3, "A", 1),
            (4, "C", 3),
            (5, "B", 4),
            (7, "D", 1),
            (8, "A", 1),
            (9, "D", 5),
            (10, "A", 1),
        ],
        columns=["order_id", "product_id", "quantity"],
    )
    web_events = pd.DataFrame(
        [
            (1, 1, 11, "2024-05-15 10:00", "view", "A"),  # earlier window
            (2, 1, 12, "2024-06-10 10:00", "view", "A"),  # recent window
            (3, 1, 12, "2024-06-10 10:01", "view", "B"),
            (4, 1, 12, "2024-06-10 10:02", "add_to_cart", "B"),
            (5, 1, 13, "2024-07-02 10:00", "view", "C"),  # after the cutoff
            (6, 4, 14, "2024-01-10 10:00", "search", None),  # before both windows
        ],
        columns=["event_id", "customer_id", "session_id", "event_ts", "event_type", "product_id"],
    )
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "signup_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-06-30", "2023-07-01"]),
        }
    )
    return {
        "orders": orders,
        "order_items": order_items,
        "web_events": web_events,
        "customers": customers,
    }


# --------------------------------------------------------------------------- churn features


def test_churn_features_hand_computed(tables):
    features = churn_features(tables, CUTOFF, window_days=WINDOW)
    assert list(features.index) == [1, 2, 4]
    assert features.index.name == "customer_id"
    expected = pd.DataFrame(
        {
            # 06-20 -> 07-01 is 11 days; 06-30 23:59 -> 1; 03-01 -> 07-01 is 122 (leap year).
            "recency_days": [11, 1, 122],
            "frequency": [2, 1, 1],
            "monetary": [150.0, 40.0, 200.0],
            "avg_basket": [75.0, 40.0, 200.0],
            "days_since_first_order": [52, 1, 122],
            # recent = [06-01, 07-01), earlier = [05-02, 06-01)
            "orders_recent": [1, 1, 0],
            "orders_earlier": [1, 0, 0],
            "orders_trend": [0, 1, 0],
            "spend_recent": [50.0, 40.0, 0.0],
            "spend_earlier": [100.0, 0.0, 0.0],
            "spend_trend": [-50.0, 40.0, 0.0],
            "returned_orders": [1, 0, 0],
            "cancelled_orders": [0, 0, 0],
            # order 1: 2 A + 1 B, order 3: 1 A -> 4 items in 2 orders, products A, B
            "avg_items": [2.0, 4.0, 5.0],
            "distinct_products": [2, 1, 1],
            "sessions_recent": [1, 0, 0],
            "sessions_earlier": [1, 0, 0],
            "sessions_trend": [0, 0, 0],
            "views_recent": [2, 0, 0],
            "add_to_cart_recent": [1, 0, 0],
            "days_since_signup": [182, 30, 366],
        },
        index=pd.Index([1, 2, 4], name="customer_id"),
    )
    pd.testing.assert_frame_equal(features, expected, check_dtype=False)
    assert (
        features[[c for c in expected if c.startswith(("orders", "recency"))]]
        .dtypes.eq("int64")
        .all()
    )
    assert not features.isna().any().any()


def test_churn_features_groups_cover_every_column(tables):
    features = churn_features(tables, CUTOFF, window_days=WINDOW)
    grouped = set(FEATURE_GROUPS["behaviour"]) | set(FEATURE_GROUPS["spending"])
    assert set(features.columns) <= grouped
    assert not set(FEATURE_GROUPS["behaviour"]) & set(FEATURE_GROUPS["spending"])


def test_churn_features_orders_only(tables):
    features = churn_features({"orders": tables["orders"]}, CUTOFF, window_days=WINDOW)
    assert "sessions_recent" not in features.columns
    assert "distinct_products" not in features.columns
    assert "days_since_signup" not in features.columns
    assert features.loc[1, "frequency"] == 2


def test_churn_features_accept_iso_strings(tables):
    as_text = dict(
        tables, orders=tables["orders"].assign(order_ts=lambda d: d["order_ts"].astype(str))
    )
    pd.testing.assert_frame_equal(
        churn_features(as_text, CUTOFF, window_days=WINDOW),
        churn_features(tables, CUTOFF, window_days=WINDOW),
    )


def test_features_ignore_everything_after_the_cutoff(tables):
    """Adding data after the cutoff cannot change a feature."""
    before = churn_features(tables, CUTOFF, window_days=WINDOW)
    extra_orders = _orders(
        [
            (11, 4, "2024-07-01 00:00", "completed", 999.0),
            (12, 2, "2024-08-20 10:00", "returned", 10.0),
        ]
    )
    extra_events = pd.DataFrame(
        [(7, 2, 15, "2024-07-01 00:00", "view", "A")], columns=tables["web_events"].columns
    )
    more = dict(
        tables,
        orders=pd.concat([tables["orders"], extra_orders], ignore_index=True),
        web_events=pd.concat([tables["web_events"], extra_events], ignore_index=True),
    )
    pd.testing.assert_frame_equal(churn_features(more, CUTOFF, window_days=WINDOW), before)


def test_mistake_features_over_the_whole_period_leak_the_label(tables):
    """Features computed up to the end of the label window give the answer away."""
    labels = churn_labels(tables, CUTOFF, HORIZON)
    honest = churn_features(tables, CUTOFF, window_days=WINDOW)
    window_end = pd.Timestamp(CUTOFF) + pd.Timedelta(days=HORIZON)
    leaked = churn_features(tables, window_end, window_days=WINDOW).reindex(labels.index)
    # The same member's recency changes once the label window is let in ...
    assert honest.loc[4, "recency_days"] == 122
    assert leaked.loc[4, "recency_days"] == 1
    # ... and then it *is* the label: churned exactly when recency > horizon.
    assert ((leaked["recency_days"] > HORIZON).astype("int64") == labels).all()
    assert roc_auc_score(labels, leaked["recency_days"]) == 1.0
    assert roc_auc_score(labels, honest["recency_days"]) < 1.0
    # The same leak through RFM on all completed orders (snapshot after the data).
    whole = rfm_table(completed_orders(tables["orders"]))
    assert whole.loc[1, "recency_days"] != honest.loc[1, "recency_days"]


# --------------------------------------------------------------------------- labels


def test_churn_labels_hand_computed(tables):
    labels = churn_labels(tables, CUTOFF, HORIZON)
    expected = pd.Series(
        [0, 1, 0], index=pd.Index([1, 2, 4], name="customer_id"), name="churned", dtype="int64"
    )
    pd.testing.assert_series_equal(labels, expected)
    features = churn_features(tables, CUTOFF, window_days=WINDOW)
    assert labels.index.equals(features.index)


def test_churn_labels_window_is_half_open(tables):
    # A 31-day window takes in member 2's order of 07-31: not churned any more.
    assert churn_labels(tables, CUTOFF, 31).loc[2] == 0


def test_churn_labels_refuse_a_window_past_the_data(tables):
    # The last order is 07-31, so the data end on 08-01: a 32-day window is censored.
    with pytest.raises(ValueError, match="past the end of the data"):
        churn_labels(tables, CUTOFF, 32)


# --------------------------------------------------------------------------- time split


def test_time_split_trains_before_it_tests(tables):
    split = time_split(tables, "2024-06-01", 30, window_days=WINDOW)
    X_train, y_train, X_test, y_test = split
    pd.testing.assert_frame_equal(X_train, churn_features(tables, "2024-06-01", window_days=WINDOW))
    pd.testing.assert_series_equal(y_train, churn_labels(tables, "2024-06-01", 30))
    pd.testing.assert_frame_equal(X_test, churn_features(tables, CUTOFF, window_days=WINDOW))
    pd.testing.assert_series_equal(y_test, churn_labels(tables, CUTOFF, 30))


def test_time_split_refuses_overlapping_periods(tables):
    with pytest.raises(ValueError, match="overlap the test period"):
        time_split(tables, "2024-06-01", 30, test_cutoff="2024-06-20")


@pytest.fixture(scope="module")
def world_tables() -> dict[str, pd.DataFrame]:
    """200 members over two years, each buying at their own rate until their own last day."""
    rng = np.random.default_rng(11)
    start = pd.Timestamp("2024-01-01")
    rows = []
    for member in range(1, 201):
        rate = rng.gamma(2.0, 0.02)  # orders per day
        last_day = rng.uniform(200, 731) if rng.random() < 0.5 else 731
        days = np.sort(rng.uniform(0, last_day, rng.poisson(rate * last_day) + 1))
        rows += [(member, start + pd.Timedelta(days=float(day))) for day in days]
    orders = pd.DataFrame(rows, columns=["customer_id", "order_ts"])
    orders["order_ts"] = orders["order_ts"].dt.floor("s")
    orders["order_id"] = np.arange(1, len(orders) + 1)
    orders["status"] = np.where(rng.random(len(orders)) < 0.05, "returned", "completed")
    orders["net_amount"] = np.round(rng.gamma(2.0, 40.0, len(orders)), 2)
    return {"orders": orders}


def test_mistake_random_split_across_time_leaks_the_test_labels(world_tables):
    """Rows from two cutoffs split at random: a training row of the later cutoff holds the
    label of the same member's test row of the earlier cutoff."""
    first, horizon = pd.Timestamp("2025-03-01"), 90
    second = first + pd.Timedelta(days=horizon)
    panel = pd.concat(
        {
            first: churn_features(world_tables, first).join(
                churn_labels(world_tables, first, horizon)
            ),
            second: churn_features(world_tables, second).join(
                churn_labels(world_tables, second, horizon)
            ),
        },
        names=["cutoff", "customer_id"],
    ).reset_index()
    in_train = np.random.default_rng(0).random(len(panel)) < 0.7
    train, test = panel[in_train], panel[~in_train]
    later = train[train["cutoff"] == second].set_index("customer_id")
    exposed = test[(test["cutoff"] == first) & test["customer_id"].isin(later.index)]
    assert len(exposed) > 20
    assert 0 < exposed["churned"].mean() < 1  # both kinds of member, so 100% means something
    # A rule read off the training rows predicts every exposed test label exactly.
    guess = (later.loc[exposed["customer_id"], "recency_days"] > horizon).astype("int64")
    assert accuracy_score(exposed["churned"], guess) == 1.0
    # The time split keeps all training information (features and labels) before the test
    # cutoff, so no such rule can be learned.
    X_train, y_train, X_test, y_test = time_split(world_tables, first, horizon)
    assert 0 < y_train.mean() < 1 and 0 < y_test.mean() < 1
    assert X_train.index.equals(y_train.index) and X_test.index.equals(y_test.index)
    assert X_test["recency_days"].min() >= 1


# --------------------------------------------------------------------------- ranking metrics


def test_lift_table_hand_computed():
    y = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    score = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    table = lift_table(y, score, n_bins=5)
    assert list(table.index) == [1, 2, 3, 4, 5]
    assert table["members"].tolist() == [2, 2, 2, 2, 2]
    assert table["positives"].tolist() == [2, 1, 0, 0, 0]
    np.testing.assert_allclose(table["rate"], [1.0, 0.5, 0, 0, 0])
    np.testing.assert_allclose(table["lift"], [10 / 3, 5 / 3, 0, 0, 0])
    np.testing.assert_allclose(table["cum_capture"], [2 / 3, 1, 1, 1, 1])
    np.testing.assert_allclose(table["cum_lift"], [10 / 3, 2.5, 5 / 3, 1.25, 1.0])
    assert table["score_max"].tolist() == [10, 8, 6, 4, 2]


def test_lift_table_ties_share_a_bin_whatever_the_row_order():
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    score = np.array([0.9, 0.5, 0.5, 0.5, 0.2, 0.1, 0.1, 0.0])
    table = lift_table(y, score, n_bins=4)
    # The three 0.5s span bins 1-2 and all land in bin 1 + floor(4 * 1 / 8) = 1.
    assert table.loc[1, "members"] == 4
    assert 2 not in table.index
    order = np.random.default_rng(3).permutation(len(y))
    pd.testing.assert_frame_equal(lift_table(y[order], score[order], n_bins=4), table)


def test_precision_at_k_ties_share_the_last_places():
    y = [1, 1, 0, 0]
    score = [3, 2, 2, 1]
    # Member 1 is in; members 2 and 3 share the second place: (1 + 0.5 + 0) / 2.
    assert precision_at_k(y, score, 2) == pytest.approx(0.75)
    assert precision_at_k(y, score, 0.5) == pytest.approx(0.75)
    assert precision_at_k(y[::-1], score[::-1], 2) == pytest.approx(0.75)
    assert precision_at_k(y, score, 1) == 1.0


def test_mistake_accuracy_on_an_imbalanced_label():
    """Predicting "nobody churns" scores as well on accuracy as a model that finds every
    churner; AUC and precision at k tell them apart."""
    y = np.array([1, 1] + [0] * 18)
    useful = np.r_[[0.45, 0.40], np.linspace(0.3, 0.01, 18)]
    nobody = np.zeros(20)
    assert accuracy_score(y, nobody > 0.5) == 0.9
    assert accuracy_score(y, useful > 0.5) == 0.9
    good, flat = churn_metrics(y, useful, k=2), churn_metrics(y, nobody, k=2)
    assert good["auc"] == 1.0 and flat["auc"] == 0.5
    assert good["precision_at_k"] == 1.0 and flat["precision_at_k"] == pytest.approx(0.1)
    assert good["lift_at_k"] == pytest.approx(10.0)


def test_series_inputs_are_matched_by_member():
    y = pd.Series([1, 0, 0], index=["a", "b", "c"])
    score = pd.Series([0.1, 0.9, 0.5], index=["c", "a", "b"])  # a is the best, and positive
    assert precision_at_k(y, score, 1) == 1.0


# --------------------------------------------------------------------------- targeting


@pytest.fixture
def targeting():
    uplift = pd.Series([0.5, 0.2, 0.05, 0.3], index=pd.Index(list("abcd"), name="customer_id"))
    cost = pd.Series([10.0, 10.0, 10.0, 25.0], index=uplift.index)
    risk = pd.Series([0.1, 0.3, 0.9, 0.8], index=uplift.index)  # c and d are most at risk
    return uplift, 100.0, cost, risk


def test_budget_plan_hand_computed(targeting):
    uplift, margin, cost, _ = targeting
    plan = budget_plan(uplift, margin, cost, budget=25)
    # Profit a 40, b 10, d 5, c -5; costs cumulate 10, 20, 45: the budget stops after b.
    assert list(plan.index) == ["a", "b", "d", "c"]
    np.testing.assert_allclose(plan["expected_profit"], [40, 10, 5, -5])
    np.testing.assert_allclose(plan["cum_cost"], [10, 20, 45, 55])
    assert plan["rank"].tolist() == [1, 2, 3, 4]
    assert plan.index[plan["selected"]].tolist() == ["a", "b"]
    assert plan.index[budget_plan(uplift, margin, cost, None)["selected"]].tolist() == [
        "a",
        "b",
        "d",
    ]
    assert budget_plan(uplift, margin, cost, 1000)["selected"].sum() == 3


def test_budget_plan_cuts_at_the_first_member_who_does_not_fit():
    # Profit 90, 40, 15: member 2 does not fit in 30; member 3 would, but the list is cut.
    uplift = pd.Series([1.0, 0.9, 0.2], index=[1, 2, 3])
    cost = pd.Series([10.0, 50.0, 5.0], index=uplift.index)
    plan = budget_plan(uplift, 100.0, cost, 30)
    assert plan.index.tolist() == [1, 2, 3]
    assert plan["selected"].tolist() == [True, False, False]


def test_budget_plan_counts_money_without_rounding_surprises():
    uplift = pd.Series([1.0, 0.5], index=[1, 2])
    cost = pd.Series([0.1, 0.2], index=uplift.index)
    assert budget_plan(uplift, 10.0, cost, 0.3)["selected"].all()


def test_budget_plan_breaks_ties_by_member():
    uplift = pd.Series([0.2, 0.2, 0.2], index=[3, 1, 2])
    assert budget_plan(uplift, 10.0, 1.0, 2)["selected"].pipe(lambda s: s[s].index.tolist()) == [
        1,
        2,
    ]


def test_mistake_targeting_by_churn_risk_instead_of_uplift(targeting):
    uplift, margin, cost, risk = targeting
    right = budget_plan(uplift, margin, cost, 25)
    # The same rank-and-cut, but ranked by risk (a margin so large that cost never matters).
    by_risk = budget_plan(risk, 1000.0, cost, 25)
    chosen_by_risk = by_risk.index[by_risk["selected"]].tolist()
    # Risk picks c first (d no longer fits): c is the member the offer barely moves.
    assert chosen_by_risk == ["c"]
    good = plan_value(right.index[right["selected"]], uplift, margin, cost)["profit"]
    bad = plan_value(chosen_by_risk, uplift, margin, cost)["profit"]
    assert good == pytest.approx(50.0)
    assert bad == pytest.approx(-5.0)


def test_mistake_ignoring_contact_cost(targeting):
    uplift, margin, cost, _ = targeting
    right = budget_plan(uplift, margin, cost, None)
    no_cost = budget_plan(uplift, margin, 0.0, None)  # every member looks profitable
    assert no_cost["selected"].sum() == 4
    good = plan_value(right.index[right["selected"]], uplift, margin, cost)["profit"]
    bad = plan_value(no_cost.index[no_cost["selected"]], uplift, margin, cost)["profit"]
    assert good == pytest.approx(55.0)
    assert bad == pytest.approx(50.0)


def test_mistake_budget_counted_in_members_instead_of_cost(targeting):
    uplift, margin, cost, _ = targeting
    budget = 30  # yuan
    plan = budget_plan(uplift, margin, cost, budget)
    assert plan.loc[plan["selected"], "cost"].sum() == 20.0
    # Read as "30 members", the budget takes every profitable member and is overspent.
    by_count = plan[plan["expected_profit"] > 0].head(budget)
    assert by_count["cost"].sum() == 45.0 > budget


# --------------------------------------------------------------------------- loyalty


def test_coupon_cost_counts_face_value_on_redeemers_only():
    result = coupon_cost([1, 0, 0, 1, 0], face_value=20.0, cost_per_contact=0.5)
    assert result["coupon_cost"] == 40.0
    assert result["contact_cost"] == 2.5
    assert result["total_cost"] == 42.5
    assert result["redemption_rate"] == 0.4
    assert result["cost_per_redemption"] == 21.25
    # The named mistake: face value on every contacted member, as if all had redeemed.
    wrong = coupon_cost([1, 1, 1, 1, 1], face_value=20.0, cost_per_contact=0.5)
    assert wrong["coupon_cost"] == 100.0
    assert wrong["total_cost"] == 102.5 != result["total_cost"]


def test_points_cost_hand_computed():
    members = pd.Index([1, 2, 3, 4], name="customer_id")
    rewarded = pd.Series([100.0, 200.0, 0.0, 50.0], index=members)
    baseline = pd.Series([120.0, 150.0, 0.0, 0.0], index=members)
    result = points_cost(
        rewarded, baseline, points_per_yuan=1, yuan_per_point=0.01, redemption_rate=0.6
    )
    assert result["points_issued"] == 350
    assert result["face_value"] == pytest.approx(3.5)
    assert result["cost"] == pytest.approx(2.1)
    assert result["breakage"] == pytest.approx(1.4)
    # Would have bought anyway: min(100, 120) + min(200, 150) = 250 of 350.
    assert result["anyway_spend"] == 250
    assert result["anyway_share"] == pytest.approx(250 / 350)
    assert result["incremental_spend"] == 80
    assert result["cost_per_incremental_yuan"] == pytest.approx(2.1 / 80)


# --------------------------------------------------------------------------- recommendation


@pytest.fixture
def history() -> pd.DataFrame:
    # Buyers: A 2 (member 1 twice), B 2, C 2, D 1 -> popularity A, B, C, D.
    return pd.DataFrame(
        [
            (1, 1, "A"),
            (1, 2, "A"),
            (1, 2, "B"),
            (2, 3, "A"),
            (2, 3, "C"),
            (3, 4, "B"),
            (3, 4, "C"),
            (3, 5, "D"),
        ],
        columns=["customer_id", "order_id", "product_id"],
    )


@pytest.fixture
def rules() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "antecedents": [frozenset({"A"}), frozenset({"B"}), frozenset({"A", "B"})],
            "consequents": [frozenset({"C"}), frozenset({"D"}), frozenset({"D"})],
            "confidence": [0.6, 0.5, 0.9],
        }
    )


def _lists(recs: pd.DataFrame) -> dict:
    return {m: g.sort_values("rank")["product_id"].tolist() for m, g in recs.groupby("customer_id")}


def test_recommend_buy_again(history):
    recs = recommend(history, 2, method="buy_again", fill_popular=False)
    assert _lists(recs) == {1: ["A", "B"], 2: ["A", "C"], 3: ["B", "C"]}
    assert recs.loc[recs["customer_id"] == 1, "score"].tolist() == [2.0, 1.0]
    assert (recs["source"] == "buy_again").all()


def test_recommend_popular_excludes_bought_items_by_default(history):
    recs = recommend(history, 2, method="popular", members=[1, 2, 3, 9])
    assert _lists(recs) == {1: ["C", "D"], 2: ["B", "D"], 3: ["A"], 9: ["A", "B"]}


def test_recommend_from_rules(history, rules):
    recs = recommend(history, 2, method="rules", rules=rules)
    # 1 has A and B: D (0.9) then C (0.6). 2 has C already: popular fill B, D. 3: D bought.
    assert _lists(recs) == {1: ["D", "C"], 2: ["B", "D"], 3: ["A"]}
    assert recs.loc[recs["customer_id"] == 1, "source"].tolist() == ["rules", "rules"]
    assert recs.loc[recs["customer_id"] == 2, "source"].tolist() == ["popular", "popular"]


def test_hit_rate_on_a_time_split(history):
    recs = recommend(history, 2, method="buy_again")
    future = pd.DataFrame({"customer_id": [1, 2, 3, 4], "product_id": ["A", "D", "C", "A"]})
    # Lists: 1 [A, B], 2 [A, C], 3 [B, C] (ties by popularity). 1 rebuys A (hit), 2 buys D
    # (miss), 3 rebuys C (hit at 2, not at 1); 4 had no recommendations.
    assert hit_rate(recs, future) == pytest.approx(2 / 3)
    assert hit_rate(recs, future, k=1) == pytest.approx(1 / 3)


def test_mistake_recommending_items_just_bought_for_discovery(history):
    future = pd.DataFrame({"customer_id": [1, 2, 3], "product_id": ["C", "B", "A"]})
    discovery = recommend(history, 2, method="popular")
    repeats = recommend(history, 2, method="popular", exclude_bought=False)
    assert _lists(repeats)[1] == ["A", "B"]  # both bought already
    assert hit_rate(discovery, future, history=history) == 1.0
    assert hit_rate(repeats, future, history=history) == pytest.approx(2 / 3)


def test_purchase_history_splits_time_without_overlap(tables):
    before = purchase_history(tables, end=CUTOFF)
    after = purchase_history(tables, start=CUTOFF)
    assert (before["order_ts"] < pd.Timestamp(CUTOFF)).all()
    assert (after["order_ts"] >= pd.Timestamp(CUTOFF)).all()
    completed_lines = tables["order_items"].merge(completed_orders(tables["orders"]), on="order_id")
    assert len(before) + len(after) == len(completed_lines)
    assert set(after["order_id"]) == {4, 7, 8, 10}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: churn_features(t, "2024-07-01 12:00"), "without a time of day"),
        (lambda t: churn_features(t, 20240701), "must be a date"),
        (lambda t: churn_features({"customers": t["customers"]}, CUTOFF), "no 'orders' table"),
        (lambda t: churn_features(t["orders"], CUTOFF), "mapping of table name"),
        (
            lambda t: churn_features(
                dict(t, orders=t["orders"].drop(columns="net_amount")), CUTOFF
            ),
            r"missing column\(s\) \['net_amount'\]",
        ),
        (
            lambda t: churn_features(
                dict(t, orders=t["orders"].assign(order_ts="yesterday")), CUTOFF
            ),
            "unreadable timestamp",
        ),
        (lambda t: churn_features(t, "2024-01-01"), "no completed order before the cutoff"),
        (lambda t: churn_features(t, CUTOFF, window_days=0), "window_days must be at least 1"),
        (
            lambda t: churn_features(dict(t, customers=t["customers"].iloc[:1]), CUTOFF),
            "not in customers",
        ),
        (lambda t: churn_labels(t, CUTOFF, 1.5), "horizon_days must be a positive whole"),
    ],
)
def test_churn_bad_input(tables, call, message):
    with pytest.raises(ValueError, match=message):
        call(tables)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: lift_table([0, 2], [1, 2]), "only 0 and 1"),
        (lambda: lift_table([0, 0], [1, 2]), "no positives"),
        (lambda: lift_table([0, 1], [1, 2, 3]), "has 2 values but score has 3"),
        (lambda: lift_table([0, 1], [1, np.nan]), "missing value"),
        (lambda: lift_table([0, 1], ["a", "b"]), "must be numeric"),
        (lambda: lift_table([0, 1], [1, 2], n_bins=1), "n_bins"),
        (lambda: precision_at_k([0, 1], [1, 2], 3), "between 1 and the number of members"),
        (lambda: precision_at_k([0, 1], [1, 2], 1.5), r"share must be in \(0, 1\]"),
        (lambda: precision_at_k([0, 1], [1, 2], True), "k must be a number"),
        (
            lambda: precision_at_k(
                pd.Series([0, 1], index=[1, 2]), pd.Series([1, 2], index=[1, 3]), 1
            ),
            "indexed by different members",
        ),
        (lambda: churn_metrics([1, 1], [0.2, 0.3], k=1), "only one class"),
        (lambda: budget_plan([0.1, 0.2], 1.0, 1.0, 10), "Series indexed by customer_id"),
        (lambda: budget_plan(pd.Series([0.1], index=[1]), 1.0, -1.0, 10), "cost must be >= 0"),
        (lambda: budget_plan(pd.Series([0.1], index=[1]), 1.0, 1.0, -5), "budget must be"),
        (
            lambda: budget_plan(pd.Series([0.1], index=[1]), pd.Series([1.0], index=[2]), 1.0, 5),
            "margin has no value for 1 member",
        ),
        (lambda: coupon_cost([1, 0], face_value=-1), "face_value must be"),
        (
            lambda: points_cost(pd.Series([1.0]), pd.Series([1.0]), redemption_rate=1.5),
            "redemption_rate must be between 0 and 1",
        ),
        (lambda: points_cost([1.0], [1.0]), "must be Series"),
    ],
)
def test_ranking_and_targeting_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda h: recommend(h, 2, method="magic"), "method must be one of"),
        (lambda h: recommend(h, 2, method="buy_again", exclude_bought=True), "exclude_bought"),
        (lambda h: recommend(h, 0), "k must be at least 1"),
        (lambda h: recommend(h, 2, method="rules"), "needs the association rules"),
        (lambda h: recommend(h.drop(columns="product_id"), 2), "missing column"),
        (
            lambda h: recommend(
                h,
                2,
                method="rules",
                rules=pd.DataFrame(
                    {"antecedents": ["A"], "consequents": ["C"], "confidence": [0.5]}
                ),
            ),
            "collections of items",
        ),
        (
            lambda h: hit_rate(
                recommend(h, 2), pd.DataFrame({"customer_id": [7], "product_id": ["A"]})
            ),
            "undefined",
        ),
    ],
)
def test_recommendation_bad_input(history, call, message):
    with pytest.raises(ValueError, match=message):
        call(history)


def test_methods_leave_their_inputs_alone(tables, history, rules, targeting):
    copies = {name: frame.copy() for name, frame in tables.items()}
    churn_features(tables, CUTOFF, window_days=WINDOW)
    churn_labels(tables, CUTOFF, HORIZON)
    purchase_history(tables, end=CUTOFF)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, copies[name])
    kept_history, kept_rules = history.copy(), rules.copy()
    recommend(history, 2, method="rules", rules=rules)
    pd.testing.assert_frame_equal(history, kept_history)
    pd.testing.assert_frame_equal(rules, kept_rules)
    uplift, margin, cost, _ = targeting
    kept_uplift = uplift.copy()
    budget_plan(uplift, margin, cost, 25)
    pd.testing.assert_series_equal(uplift, kept_uplift)


def test_budget_plan_with_no_money_selects_nobody(targeting):
    uplift, margin, cost, _ = targeting
    assert not budget_plan(uplift, margin, cost, 0)["selected"].any()


# --------------------------------------------------------------------------- cutoffs, types, margin


def test_time_cutoffs_are_month_starts_whose_label_windows_fit():
    orders = pd.DataFrame({"order_ts": pd.to_datetime(["2024-01-03 10:00", "2025-12-31 23:44"])})
    train, test = time_cutoffs(orders, 180)
    assert (train, test) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-07-01"))
    # The training labels [train, train + 180 days) end before the test cutoff.
    assert train + pd.Timedelta(days=180) <= test
    # 31 days from 2025-11-01 would end on 2025-12-02, past the test cutoff 2025-12-01.
    assert time_cutoffs(orders, 31) == (pd.Timestamp("2025-10-01"), pd.Timestamp("2025-12-01"))
    with pytest.raises(ValueError, match="too short"):
        time_cutoffs(orders, 400)


def test_shopper_type_first_matching_rule_wins():
    orders = _orders(
        [
            (1, 1, "2024-05-01", "completed", 300.0),  # big basket, aged 60: big_basket first
            (2, 2, "2024-05-01", "completed", 20.0),  # small basket, aged 30: quick_trip
            (3, 3, "2024-05-01", "completed", 20.0),  # small basket, aged 50: senior
            (4, 4, "2024-05-01", "completed", 100.0),  # everyday
            (5, 4, "2024-05-02", "returned", 900.0),  # not a purchase
            (6, 5, "2024-07-02", "completed", 20.0),  # after the cutoff: not a member yet
            (7, 2, "2024-06-01", "completed", 80.0),  # median of 20 and 80 is 50: everyday
        ]
    )
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "age": [60, 30, 50, 40, 20]})
    types = shopper_type({"orders": orders, "customers": customers}, CUTOFF)
    assert types.to_dict() == {1: "big_basket", 2: "everyday", 3: "senior", 4: "everyday"}
    early = shopper_type({"orders": orders, "customers": customers}, "2024-05-15")
    assert early[2] == "quick_trip"
    with pytest.raises(ValueError, match="no 'customers' table"):
        shopper_type({"orders": orders}, CUTOFF)
    with pytest.raises(ValueError, match="not in customers"):
        shopper_type({"orders": orders, "customers": customers.iloc[:2]}, CUTOFF)


def test_gross_margin_rate_counts_completed_lines_only(tables):
    products = pd.DataFrame({"product_id": list("ABCD"), "unit_cost": [1.0, 2.0, 3.0, 4.0]})
    items = tables["order_items"].assign(line_amount=lambda f: 10.0 * f["quantity"])
    rate = gross_margin_rate(
        {"orders": tables["orders"], "order_items": items, "products": products}
    )
    done = set(tables["orders"].loc[tables["orders"]["status"] == "completed", "order_id"])
    lines = items[items["order_id"].isin(done)].merge(products)
    expected = 1 - (lines["quantity"] * lines["unit_cost"]).sum() / lines["line_amount"].sum()
    assert rate == pytest.approx(expected)
    with pytest.raises(ValueError, match="needs orders"):
        gross_margin_rate({"orders": tables["orders"]})
