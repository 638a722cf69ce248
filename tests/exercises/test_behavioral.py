"""What is specific to the problems of module 05 (``coursekit.exercises.behavioral``).

The generic harness (``test_all_problems.py``) already proves, on two worlds, that each
reference passes, each catalogued mistake is named and explained in both languages, every
problem is checked in both notebooks and every shown solution solves. Here: other ways of
writing a right answer are accepted (another layout, another numbering of the clusters,
rounding), and the wrong answers trainees actually write, the way they write them, get
the right mistake name or a specific message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from coursekit import course
from coursekit.exercises import behavioral as ex
from coursekit.methods import behavioral as bh
from coursekit.methods.common import completed_orders
from coursekit.methods.data_collection import (
    clean_online_orders,
    read_online_orders,
    world_parameters,
)


@pytest.fixture
def world(course_world):
    """The tables a trainee has at hand in the notebook, on the world under test."""
    orders = course.load("orders")
    return {
        "orders": orders,
        "completed": completed_orders(orders),
        "order_items": course.load("order_items"),
        "products": course.load("products"),
        "web_events": course.load("web_events"),
    }


@pytest.fixture
def default_world():
    """The committed world only, for the answers that are expensive to build."""
    return course.setup(data=ROOT / "datasets", quiet=True)


@pytest.fixture
def features(world) -> pd.DataFrame:
    """The behaviour features, as the notebook builds them."""
    return bh.behavior_features(
        {name: world[name] for name in ("orders", "order_items", "products", "web_events")}
    )


ROOT = Path(__file__).resolve().parents[2]


def wrong(problem, answer) -> str | None:
    """The mistake an incorrect answer is named as (None: incorrect, not recognised)."""
    feedback = problem.check(answer)
    assert feedback.status == "incorrect", feedback.message
    return feedback.mistake


def right(problem, answer) -> None:
    feedback = problem.check(answer)
    assert feedback.status == "correct", feedback.message


# ---------------------------------------------------------------------------- the module


def test_module_layout():
    assert ex.NOTEBOOK == "05_behavioral"
    assert [p.id for p in ex.PROBLEMS] == [f"behavioral.q{n}" for n in range(1, 11)]
    assert len({p.var for p in ex.PROBLEMS}) == len(ex.PROBLEMS)
    assert {"value", "choice", "open"} <= {p.kind for p in ex.PROBLEMS}
    assert all(len(p.hint_texts()) >= 2 for p in ex.PROBLEMS)


def test_every_named_mistake_of_the_issue_is_catalogued():
    names = {m.name for p in ex.PROBLEMS for m in p.mistakes}
    assert {
        "unscaled_raw_features",  # q4 and, as clusters, q5's unscaled_features
        "unscaled_features",
        "scaled_before_log",
        "share_of_lines",  # the wrong denominator: lines, spend
        "share_of_spend",
        "k_by_lowest_inertia",
        "silhouette_higher_k_better",
        "lift_confused_with_confidence",
        "support_over_items",
        "lines_as_baskets",
        "cancelled_orders_in_baskets",
        "hour_in_utc",
        "kmeans_seed_unset",
    } <= names


# ---------------------------------------------------------------------------- q1 channel mix


def test_q1_other_right_layouts(world, features):
    completed = world["completed"]
    as_column = pd.crosstab(completed["customer_id"], completed["channel"], normalize="index")
    right(ex.q1, as_column.reset_index())
    by_groupby = (
        completed.groupby("customer_id")["channel"]
        .value_counts(normalize=True)
        .unstack(fill_value=0)
    )
    right(ex.q1, by_groupby)
    right(ex.q1, features.filter(like="channel_").rename(columns=lambda c: c[8:]))


def test_q1_shares_over_lines_or_spend_or_the_wrong_axis_are_named(world):
    completed = world["completed"]
    lines = completed.merge(world["order_items"], on="order_id")
    assert (
        wrong(ex.q1, pd.crosstab(lines["customer_id"], lines["channel"], normalize="index"))
        == "share_of_lines"
    )
    spend = pd.crosstab(
        completed["customer_id"],
        completed["channel"],
        values=completed["net_amount"],
        aggfunc="sum",
        normalize="index",
    )
    assert wrong(ex.q1, spend) == "share_of_spend"
    for normalize, name in (("all", "share_of_all_orders"), ("columns", "share_within_channel")):
        table = pd.crosstab(completed["customer_id"], completed["channel"], normalize=normalize)
        assert wrong(ex.q1, table) == name
    assert wrong(ex.q1, pd.crosstab(completed["customer_id"], completed["channel"])) == (
        "counts_not_shares"
    )


# ---------------------------------------------------------------------------- q2 online heat


@pytest.fixture
def online(course_world):
    timezone = world_parameters(course.data_dir())["timezone"]
    path = course.data_dir() / "raw" / "online_orders.jsonl"
    frame, _ = read_online_orders(path, timezone, items=False)
    return clean_online_orders(frame)[["order_no", "channel", "status", "created_at"]], timezone


def test_q2_crosstab_by_day_number_or_day_name_is_right(online):
    frame, timezone = online
    finished = frame[frame["status"] == "FINISHED"]
    local = pd.to_datetime(finished["created_at"], unit="ms", utc=True).dt.tz_convert(timezone)
    right(ex.q2, pd.crosstab(local.dt.day_of_week, local.dt.hour))
    right(ex.q2, pd.crosstab(local.dt.day_name(), local.dt.hour))  # Friday first: any order
    # weekday_hour_table converts tz-aware times to the stores' clock by itself.
    right(ex.q2, bh.weekday_hour_table(finished.assign(order_ts=local), tz=timezone))


def test_q2_the_utc_clock_is_named_however_it_was_reached(online):
    frame, timezone = online
    finished = frame[frame["status"] == "FINISHED"]
    naive_utc = pd.to_datetime(finished["created_at"], unit="ms")
    assert wrong(ex.q2, pd.crosstab(naive_utc.dt.day_of_week, naive_utc.dt.hour)) == ("hour_in_utc")
    # Declaring the UTC clock to be local time changes nothing: still the UTC hours.
    declared = naive_utc.dt.tz_localize(timezone)
    assert wrong(ex.q2, pd.crosstab(declared.dt.day_of_week, declared.dt.hour)) == "hour_in_utc"
    everything = pd.to_datetime(frame["created_at"], unit="ms", utc=True).dt.tz_convert(timezone)
    assert (
        wrong(ex.q2, pd.crosstab(everything.dt.day_of_week, everything.dt.hour))
        == "all_statuses_counted"
    )


# ---------------------------------------------------------------------------- q3 abandonment


def test_q3_rounded_is_right_and_event_counts_are_named(world):
    events = world["web_events"]
    expected = ex.q3.expected()
    right(ex.q3, round(expected, 3))
    feedback = ex.q3.check(100 * expected)
    assert feedback.status == "incorrect" and "100" in feedback.message
    kinds = events["event_type"].value_counts()
    by_events = 1 - kinds["purchase"] / kinds["add_to_cart"]
    assert wrong(ex.q3, by_events) == "events_not_sessions"


# ---------------------------------------------------------------------------- q4 prepare


def _logged(features: pd.DataFrame, log=np.log1p) -> pd.DataFrame:
    logged = features.copy()
    columns = list(bh.DEFAULT_LOG_COLUMNS)
    with np.errstate(divide="ignore"):
        logged[columns] = log(logged[columns])
    return logged


def test_q4_pandas_standardization_with_ddof_1_is_right(features):
    logged = _logged(features)
    right(ex.q4, (logged - logged.mean()) / logged.std())  # ddof=1
    right(ex.q4, bh.prepare_features(features).reset_index())


def test_q4_log_after_scaling_and_log_of_zero_are_told_apart(features):
    scaled = pd.DataFrame(
        StandardScaler().fit_transform(features), index=features.index, columns=features.columns
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        logged_after = _logged(scaled)
    assert wrong(ex.q4, logged_after) == "scaled_before_log"
    with np.errstate(invalid="ignore", divide="ignore"):
        log_not_log1p = _logged(features, np.log)
    assert wrong(ex.q4, log_not_log1p) == "log_of_zero"  # -inf where a count is 0
    with np.errstate(invalid="ignore"):
        standardized = (log_not_log1p - log_not_log1p.mean()) / log_not_log1p.std()
    assert wrong(ex.q4, standardized) == "log_of_zero"  # and then whole columns NaN


def test_q4_logged_but_not_scaled_is_named(features):
    assert wrong(ex.q4, _logged(features)) == "features_not_scaled"
    assert wrong(ex.q4, features) == "unscaled_raw_features"


# ---------------------------------------------------------------------------- q5 clusters


def test_q5_scikit_learn_numbering_is_right_and_the_default_n_init_is_named(default_world):
    X = ex.q4.expected()
    with threadpool_limits(limits=1):
        seeded = KMeans(n_clusters=6, n_init=10, random_state=0).fit_predict(X)
        one_start = KMeans(n_clusters=6, random_state=0).fit_predict(X)
    right(ex.q5, seeded)  # an array in the order of X, sklearn's own numbering
    shuffled = pd.Series(seeded, index=X.index).sample(frac=1, random_state=1)
    right(ex.q5, shuffled + 10)  # any numbering, any order of the members
    # n_init left at scikit-learn's default: one start, other clusters.
    assert wrong(ex.q5, one_start) == "kmeans_seed_unset"


def test_q5_clusters_of_the_raw_features_and_the_wrong_length(default_world):
    tables = {name: course.load(name) for name in ("orders", "order_items", "products")}
    features = bh.behavior_features({**tables, "web_events": course.load("web_events")})
    with threadpool_limits(limits=1):
        raw = KMeans(n_clusters=6, n_init=10, random_state=0).fit_predict(features)
    assert wrong(ex.q5, raw) == "unscaled_features"
    feedback = ex.q5.check(ex.q5.expected().iloc[:-5])
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert str(len(features)) in feedback.message


# ---------------------------------------------------------------------------- q6 choosing k


def test_q6_letters():
    course.setup(data=ROOT / "datasets", quiet=True)
    right(ex.q6, "C")
    assert wrong(ex.q6, "a") == "k_by_lowest_inertia"
    assert wrong(ex.q6, "b") == "silhouette_higher_k_better"


# ---------------------------------------------------------------------------- q7 benefits


def test_q7_other_right_answers_and_what_trainees_get_wrong(course_world):
    survey, items = course.load("survey"), course.load("survey_items")
    centred = bh.benefit_importance(survey, items)
    right(ex.q7, centred.fillna(0))
    right(ex.q7, centred.fillna(0).reset_index())
    answers = survey.set_index("customer_id")[list(bh.benefit_items(items).index)]
    assert wrong(ex.q7, answers) == "not_centered"  # skipped answers left missing too
    per_item = (answers - answers.mean()) / answers.std()
    assert wrong(ex.q7, per_item.fillna(0)) == "centered_per_item"
    assert wrong(ex.q7, centred) == "skipped_left_missing"


# ---------------------------------------------------------------------------- q8 baskets


def test_q8_other_right_ways(world):
    completed, items, products = world["completed"], world["order_items"], world["products"]
    lines = items[items["order_id"].isin(completed["order_id"])].merge(
        products[["product_id", "category"]], on="product_id"
    )
    right(ex.q8, pd.get_dummies(lines.set_index("order_id")["category"]).groupby(level=0).max())
    right(ex.q8, bh.basket_matrix(items, products, "category", orders=world["orders"]))
    right(ex.q8, ex.q8.expected().reset_index())


def test_q8_what_trainees_get_wrong(world):
    items, products = world["order_items"], world["products"]
    everything = items.merge(products[["product_id", "category"]], on="product_id")
    all_orders = everything.groupby(["order_id", "category"]).size().unstack(fill_value=0).gt(0)
    assert wrong(ex.q8, all_orders) == "cancelled_orders_in_baskets"
    completed_lines = everything[everything["order_id"].isin(world["completed"]["order_id"])]
    counts = pd.crosstab(completed_lines["order_id"], completed_lines["category"])
    assert wrong(ex.q8, counts) == "line_counts_not_flags"
    per_line = pd.get_dummies(completed_lines["category"]).assign(
        order_id=completed_lines["order_id"].to_numpy()
    )
    assert wrong(ex.q8, per_line) == "lines_as_baskets"
    feedback = ex.q8.check(ex.q8.expected().astype(int))
    assert feedback.status == "incorrect" and "bool" in feedback.message


# ---------------------------------------------------------------------------- q9 one rule


def test_q9_a_series_the_methods_dict_or_four_decimals_are_right(course_world):
    baskets = ex.q8.expected()
    metrics = bh.rule_metrics(baskets, *ex.RULE)
    right(ex.q9, metrics)  # five numbers: the extra two are ignored
    right(ex.q9, pd.Series(metrics))
    right(ex.q9, {key: round(value, 4) for key, value in metrics.items()})


def test_q9_what_trainees_get_wrong(course_world):
    baskets = ex.q8.expected()
    meat, produce = baskets["meat_seafood"], baskets["fresh_produce"]
    both = (meat & produce).sum()
    support = both / len(baskets)
    confidence = both / meat.sum()
    lift = confidence / produce.mean()
    assert wrong(ex.q9, {"support": support, "confidence": lift, "lift": confidence}) == (
        "lift_confused_with_confidence"
    )
    over_items = both / baskets.to_numpy().sum()
    answer = {"support": over_items, "confidence": confidence, "lift": lift}
    assert wrong(ex.q9, answer) == "support_over_items"
    reversed_rule = {"support": support, "confidence": both / produce.sum(), "lift": lift}
    assert wrong(ex.q9, reversed_rule) == "confidence_reversed"
    # The hint's lift = confidence / produce.mean(), on the reversed confidence.
    reversed_rule["lift"] = reversed_rule["confidence"] / produce.mean()
    assert wrong(ex.q9, reversed_rule) == "confidence_reversed"
    # lift = support / meat.mean(): the confidence again, under another name.
    halfway = {"support": support, "confidence": confidence, "lift": support / meat.mean()}
    assert wrong(ex.q9, halfway) == "lift_confused_with_confidence"
    percent = {"support": 100 * support, "confidence": 100 * confidence, "lift": lift}
    assert ex.q9.check(percent).status == "incorrect"


# ---------------------------------------------------------------------------- q10 memo


def test_q10_a_memo_is_recorded_and_a_line_is_too_short():
    course.setup(data=ROOT / "datasets", quiet=True)
    memo = (
        "Target the busy regulars: the most frequent buyers with small baskets, many ready "
        "meals in the evening. In their baskets ready_meals => beverages has a lift above 1. "
        "Offer a dinner-and-drink bundle in the app from 17:00, and compare orders with a "
        "random holdout of the cluster over four weeks."
    )
    feedback = ex.q10.check(memo)
    assert feedback.status == "correct" and feedback.manual_review
    assert wrong(ex.q10, "Bundle meat and vegetables.") == "too_short"
