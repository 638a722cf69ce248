"""Campaigns: the target rule and the planned split are in the data, and hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from coursekit.synth.params import load_params
from coursekit.synth.response import REFERENCE_DISCOUNT, campaign_response


def test_campaigns_state_their_rule_and_planned_split(default_world):
    c = default_world.campaigns
    assert c["target_rule"].str.len().gt(5).all()
    assert c["treatment_share"].between(0.3, 0.9).all()
    assert c.iloc[-1]["treatment_share"] == 0.5  # the large A/B test


def test_assignment_matches_the_planned_split(default_world):
    """A sample-ratio check per campaign passes (the randomization is honest)."""
    a = default_world.campaign_assignments
    for row in default_world.campaigns.itertuples():
        groups = a.loc[a["campaign_id"] == row.campaign_id, "group"].value_counts()
        n = groups.sum()
        expected = [n * row.treatment_share, n * (1 - row.treatment_share)]
        p = stats.chisquare([groups.get("treatment", 0), groups.get("control", 0)], expected).pvalue
        assert p > 0.001, (row.campaign_id, groups.to_dict())


def test_target_rules_hold_on_the_observed_orders(default_world):
    w = default_world
    a = w.campaign_assignments
    signup = w.customers.set_index("customer_id")["signup_date"]
    for row in w.campaigns.itertuples():
        who = a.loc[a["campaign_id"] == row.campaign_id, "customer_id"]
        assert (signup.reindex(who) < row.start_date).all()
        before = w.orders[w.orders["order_ts"] < row.start_date]
        days = (row.start_date - before["order_ts"]).dt.days
        if row.type == "coupon":  # members with an order in the last 90 days
            active = set(before.loc[days < 90, "customer_id"])
            assert set(who) <= active, row.name
        if row.type == "winback":  # no order in the last 60 days
            recent = set(before.loc[days < 60, "customer_id"])
            assert not set(who) & recent, row.name


def test_non_redeemers_get_no_halo(default_world):
    """Contacted members who did not redeem spend no more than the holdout."""
    a = default_world.campaign_assignments
    control = a[a["group"] == "control"].groupby("campaign_id")["spend_after"].mean()
    quiet = a[(a["group"] == "treatment") & ~a["redeemed"]].groupby("campaign_id")["spend_after"]
    assert (quiet.mean() / control).mean() < 1.1


def test_response_model_is_one_documented_function():
    params = load_params()
    personas = np.arange(len(params.persona_names))
    flat = np.zeros((len(personas), 5))
    coupon = campaign_response(params, personas, flat, "coupon", REFERENCE_DISCOUNT["coupon"])
    names = params.persona_names
    assert (
        coupon.rate_multiplier[names.index("convenience_commuters")]
        < 1
        < max(coupon.rate_multiplier)
    )
    bigger = campaign_response(params, personas, flat, "coupon", 0.24)
    helped = coupon.rate_multiplier > 1
    assert (bigger.rate_multiplier[helped] > coupon.rate_multiplier[helped]).all()
    assert (bigger.redeem_prob >= coupon.redeem_prob).all() and (bigger.redeem_prob <= 0.95).all()
    with pytest.raises(ValueError, match="unknown offer"):
        campaign_response(params, personas, flat, "lottery", 0.1)


def test_response_parameters_are_in_the_truth(default_world):
    r = default_world.campaign_response
    assert len(r) == 6 * 6 and (r["base_uplift"] < 0).any() and (r["base_uplift"] > 0).any()
    assert pd.api.types.is_float_dtype(r["redeem_rate"])
