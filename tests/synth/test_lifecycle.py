"""Life events, the drift before leaving, and nothing observed from the future."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.synth.lifecycle import LIFE_EVENTS, TRIGGERS


def test_life_events_are_dated_inside_each_members_time(small_world):
    w = small_world
    ev = w.life_events
    assert set(ev["event"]) <= set(LIFE_EVENTS) and len(ev) > 0
    start, end = pd.Timestamp(w.params["start"]), pd.Timestamp(w.params["end"])
    assert ev["event_date"].between(start, end).all()
    signup = w.customers.set_index("customer_id")["signup_date"]
    assert (ev["event_date"] >= signup.reindex(ev["customer_id"]).to_numpy()).all()
    churn = w.truth.set_index("customer_id")["churn_date"].reindex(ev["customer_id"])
    assert not (ev["event_date"].to_numpy() > churn.to_numpy()).any()  # nothing after leaving
    assert not ev.duplicated(["customer_id", "event"]).any()
    moved = ev[ev["event"] == "moved"]
    assert moved["new_home_store_id"].notna().all()
    assert ev.loc[ev["event"] != "moved", "new_home_store_id"].isna().all()


def test_movers_shop_at_their_new_store(default_world):
    w = default_world
    moved = w.life_events[w.life_events["event"] == "moved"].set_index("customer_id")
    o = w.orders[w.orders["customer_id"].isin(moved.index) & (w.orders["channel"] == "store")]
    after = o["order_ts"] >= moved["event_date"].reindex(o["customer_id"]).to_numpy()
    new = (
        o["store_id"].to_numpy() == moved["new_home_store_id"].reindex(o["customer_id"]).to_numpy()
    )
    assert new[after.to_numpy()].mean() > 0.6 > new[~after.to_numpy()].mean()


def test_member_level_uses_nothing_after_the_window_opens(default_world):
    """Members who joined during the window start as regular, whatever they spend later."""
    c = default_world.customers
    joined = c["signup_date"] >= pd.Timestamp(default_world.params["start"])
    assert (c.loc[joined, "member_level"] == "regular").all()
    assert set(c.loc[~joined, "member_level"]) > {"regular"}


def test_churn_triggers_and_drift_are_recorded(default_world):
    t = default_world.truth
    assert set(t["churn_trigger"]) <= set(TRIGGERS)
    assert (t.loc[t["alive_at_end"], "churn_trigger"] == "none").all()
    gone = t[~t["alive_at_end"]]
    drift = gone[gone["churn_trigger"] != "trial"]
    assert drift["drift_start"].notna().all()
    assert (gone.loc[gone["churn_trigger"] == "trial", "drift_start"].isna()).all()


def test_a_service_failure_is_visible_before_the_drift(default_world):
    """Members who leave after a service failure had a returned or cancelled order then."""
    w = default_world
    t = w.truth.set_index("customer_id")
    failed = t[t["churn_trigger"] == "service_failure"]
    bad = w.orders[w.orders["status"] != "completed"]
    bad = bad[bad["customer_id"].isin(failed.index)]
    near = (
        bad["order_ts"].dt.normalize()
        - failed["drift_start"].reindex(bad["customer_id"]).to_numpy()
    )
    had = bad.loc[near.dt.days.abs() <= 1, "customer_id"].unique()
    assert len(had) >= 0.9 * len(failed)


def test_competitor_openings_pull_customers_of_that_store(default_world):
    w = default_world
    opened = w.competitor_openings.set_index("store_id")["opening_date"]
    t = w.truth.set_index("customer_id")
    pulled = t[t["churn_trigger"] == "competitor"]
    home = w.customers.set_index("customer_id")["home_store_id"].reindex(pulled.index)
    assert len(pulled) > 0 and home.isin(opened.index).all()
    assert (pulled["churn_date"].to_numpy() > opened.reindex(home).to_numpy()).all()


@pytest.mark.parametrize("event", ["digital_shift", "group_buy_joined"])
def test_channel_shifts_show_in_the_orders(default_world, event):
    w = default_world
    ev = w.life_events[w.life_events["event"] == event].set_index("customer_id")["event_date"]
    o = w.orders[w.orders["customer_id"].isin(ev.index)]
    after = (o["order_ts"] >= ev.reindex(o["customer_id"]).to_numpy()).to_numpy()
    target = ["app", "mini_program"] if event == "digital_shift" else ["group_buy"]
    share = o["channel"].isin(target).to_numpy()
    assert share[after].mean() > share[~after].mean() + 0.15


def test_trial_members_buy_once(default_world):
    t = default_world.truth.set_index("customer_id")
    trial = t.index[t["churn_trigger"] == "trial"]
    counts = default_world.orders.groupby("customer_id").size().reindex(trial, fill_value=0)
    assert (counts <= 3).mean() > 0.95 and np.median(counts) == 1
