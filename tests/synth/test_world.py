"""The world's tables: columns, types, and the consistency a trainee can rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.synth import World, generate_world, load_world
from coursekit.synth.params import load_params
from coursekit.synth.schema import TABLES

REQUIRED = {
    "customers": "customer_id name gender birth_date age city city_tier phone signup_date "
    "signup_channel member_level household_size has_children income_band",
    "orders": "order_id customer_id store_id channel order_ts status gross_amount "
    "discount_amount net_amount coupon_id",
    "order_items": "order_id product_id quantity unit_price line_amount",
    "products": "product_id name category brand unit_price is_private_label",
    "web_events": "event_id customer_id session_id event_ts event_type product_id",
    "survey": "customer_id response_date q01 q20",
    "campaigns": "campaign_id name type start_date end_date cost_per_contact",
    "campaign_assignments": "campaign_id customer_id group redeemed spend_after",
    "truth": "customer_id persona alive_at_end churn_date trait_price trait_loyalty",
    "stores": "store_id name city city_tier",
}


@pytest.mark.parametrize("table", sorted(REQUIRED))
def test_required_columns(small_world, table):
    missing = set(REQUIRED[table].split()) - set(getattr(small_world, table).columns)
    assert not missing


def test_tables_follow_the_schema(small_world):
    for name, df in small_world.tables().items():
        assert list(df.columns) == TABLES[name].names, name


def test_keys_are_unique_and_linked(small_world):
    w = small_world
    assert w.customers["customer_id"].is_unique
    assert w.orders["order_id"].is_unique and w.orders["order_id"].is_monotonic_increasing
    assert w.orders["order_ts"].is_monotonic_increasing  # ids follow time
    assert w.products["product_id"].is_unique and w.products["barcode"].is_unique
    assert w.orders["customer_id"].isin(w.customers["customer_id"]).all()
    assert w.orders["store_id"].isin(w.stores["store_id"]).all()
    assert w.order_items["order_id"].isin(w.orders["order_id"]).all()
    assert w.orders["order_id"].isin(w.order_items["order_id"]).all()
    assert w.order_items["product_id"].isin(w.products["product_id"]).all()
    assert w.web_events["event_id"].is_unique
    assert w.truth["customer_id"].equals(w.customers["customer_id"])
    # One order per customer per minute: orders are identified by (customer, time).
    minute = w.orders.assign(minute=w.orders["order_ts"].dt.floor("min"))
    assert not minute.duplicated(["customer_id", "minute"]).any()


def test_amounts_add_up(small_world):
    w = small_world
    items = w.order_items
    assert np.allclose(items["quantity"] * items["unit_price"], items["line_amount"])
    gross = items.groupby("order_id")["line_amount"].sum()
    o = w.orders.set_index("order_id")
    assert np.allclose(gross.loc[o.index], o["gross_amount"])
    assert np.allclose(o["gross_amount"] - o["discount_amount"], o["net_amount"])
    assert (o["discount_amount"] >= 0).all() and (o["net_amount"] > 0).all()
    assert (o["discount_amount"] > 0).eq(o["coupon_id"].notna()).all()


def test_values_are_in_their_vocabularies(small_world):
    w = small_world
    assert set(w.orders["channel"]) == {"store", "app", "mini_program", "group_buy"}
    assert set(w.orders["status"]) == {"completed", "returned", "cancelled"}
    assert set(w.orders.loc[w.orders["channel"] == "store", "status"]) <= {"completed", "returned"}
    assert set(w.web_events["event_type"]) == {"view", "search", "add_to_cart", "purchase"}
    assert set(w.customers["gender"]) == {"female", "male"}
    assert w.customers["city_tier"].between(1, 4).all()
    assert set(w.customers["member_level"]) <= {"regular", "silver", "gold", "platinum"}
    items = [c for c in w.survey.columns if c[0] in "qb" and c[1:].isdigit()]
    assert len(items) == 26
    answers = w.survey[items].stack().dropna()  # missing answers are left out
    assert answers.isin([1, 2, 3, 4, 5]).all() and w.survey[items].isna().any().any()
    assert set(w.campaign_assignments["group"]) == {"treatment", "control"}


def test_dates_inside_the_window(small_world):
    w = small_world
    start, end = pd.Timestamp(w.params["start"]), pd.Timestamp(w.params["end"])
    assert w.orders["order_ts"].min() >= start
    assert w.orders["order_ts"].max() < end + pd.Timedelta(days=1)
    assert w.web_events["event_ts"].between(start, end + pd.Timedelta(days=1)).all()
    first = w.orders.groupby("customer_id")["order_ts"].min()
    signup = w.customers.set_index("customer_id")["signup_date"]
    assert (first >= signup.loc[first.index]).all()
    assert (
        w.customers["age"] == ((end - w.customers["birth_date"]).dt.days // 365.25)
    ).mean() > 0.99


def test_online_orders_come_from_purchase_sessions(small_world):
    w = small_world
    online = w.orders["channel"].isin(["app", "mini_program"]).sum()
    assert (w.web_events["event_type"] == "purchase").sum() == online
    views = w.web_events[w.web_events["event_type"] == "view"]
    assert views["product_id"].notna().all()
    assert w.web_events.loc[w.web_events["event_type"] == "search", "product_id"].isna().all()


def test_campaigns_are_consistent_with_orders(small_world):
    w = small_world
    a = w.campaign_assignments.merge(w.campaigns, on="campaign_id")
    assert not a.loc[a["group"] == "control", "redeemed"].any()
    redeemed = a[a["redeemed"]]
    used = w.orders.dropna(subset=["coupon_id"]).groupby("customer_id")["coupon_id"].agg(set)
    for row in redeemed.itertuples():
        assert row.coupon_code in used.get(row.customer_id, set())
    # spend_after is exactly the completed net spend in the 30 days from the start.
    row = a[a["spend_after"] > 0].iloc[0]
    o = w.orders
    window = (
        (o["customer_id"] == row.customer_id)
        & (o["status"] == "completed")
        & (o["order_ts"] >= row.start_date)
        & (o["order_ts"] < row.start_date + pd.Timedelta(days=30))
    )
    assert o.loc[window, "net_amount"].sum() == pytest.approx(row.spend_after)


def test_save_and_load_round_trip_exactly(small_world, tmp_path):
    small_world.save(tmp_path / "w")
    loaded = load_world(tmp_path / "w")
    for name, df in small_world.tables().items():
        pd.testing.assert_frame_equal(df, loaded.tables()[name], check_exact=True, obj=name)
    assert loaded.params == small_world.params
    assert loaded.raw.files() == small_world.raw.files()


def test_parquet_round_trip(small_world, tmp_path):
    small_world.save(tmp_path / "pq", format="parquet", raw=False)
    assert (tmp_path / "pq" / "orders.parquet").is_file()
    loaded = load_world(tmp_path / "pq")
    pd.testing.assert_frame_equal(small_world.orders, loaded.orders, check_exact=True)


def test_en_us_locale(small_world_en):
    w = small_world_en
    assert w.customers["phone"].str.fullmatch(r"[2-9]\d{9}").all()
    assert w.customers["name"].str.contains(" ").all()
    assert w.products["name"].str.isascii().all()


def test_zh_cn_locale(small_world):
    assert small_world.customers["phone"].str.fullmatch(r"1\d{10}").all()
    assert small_world.customers["phone"].is_unique


def test_tiny_and_short_worlds_generate():
    tiny = generate_world(n_customers=1, seed=3)
    assert len(tiny.customers) == 1
    short = generate_world(n_customers=50, seed=3, start="2025-03-01", end="2025-03-20")
    assert short.orders["order_ts"].between("2025-03-01", "2025-03-21").all()
    assert isinstance(short, World)


def test_personas_are_data_not_code():
    """Every persona parameter is a column of the package's persona tables."""
    params = load_params()
    assert len(params.personas) == 6
    assert params.personas["share"].sum() == pytest.approx(1.0)
    for dimension in ("category", "channel", "mission", "campaign_uplift", "income_band"):
        assert set(params.profiles[dimension].index) == set(params.personas.index)
    truth_personas = set(generate_world(300, seed=2).truth["persona"])
    assert truth_personas <= set(params.personas.index)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_customers": 0}, "must be positive"),
        ({"n_customers": -3}, "must be positive"),
        ({"n_customers": 2.5}, "whole number"),
        ({"n_customers": "100"}, "whole number"),
        ({"n_customers": True}, "whole number"),
        ({"seed": -1}, "non-negative"),
        ({"seed": 1.5}, "non-negative"),
        ({"start": "2025-01-01", "end": "2024-12-31"}, "must be after"),
        ({"start": "2025-01-01", "end": "2025-01-01"}, "must be after"),
        ({"start": "not a date"}, "must be dates"),
        ({"locale": "de_DE"}, "unknown locale"),
    ],
)
def test_bad_parameters_are_clear_errors(kwargs, message):
    from coursekit.synth import GeneratorInputError

    with pytest.raises(GeneratorInputError, match=message):
        generate_world(**{"n_customers": 10, **kwargs})


def test_save_refuses_what_would_lose_data(small_world, tmp_path):
    from coursekit.synth import GeneratorInputError

    target = tmp_path / "afile"
    target.write_text("mine")
    with pytest.raises(GeneratorInputError, match="is a file"):
        small_world.save(target)
    with pytest.raises(GeneratorInputError, match="unknown format"):
        small_world.save(tmp_path / "x", format="xlsx")
    assert target.read_text() == "mine" and not (tmp_path / "x").exists()
