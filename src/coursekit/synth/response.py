"""How a member responds to a marketing offer: the one response model of the world.

The historical campaigns were generated with it, and the campaign simulator plays new
offers forward with it, so what a trainee learns from the past is what the simulator
rewards. For a contacted member who is still a customer, an offer changes two things
while its effect lasts (the offer's days, and at least the 30-day measurement window):

- the **order rate** is multiplied by ``1 + uplift``, where
  ``uplift = base[persona, type] + trait_weight[type] * (trait deviation)``, scaled by
  the offer's discount relative to the catalogue's (``discount / reference``, square
  root: a bigger discount helps less than proportionally), and never below -0.9. Some
  personas have a negative ``base`` for some offers: affluent bulk buyers put off by
  coupon spam, commuters who mute an app that keeps pushing coupons;
- the **coupon use**: on their first completed order in the window (not a group-buy
  order, whose price is final) the member redeems the offer with probability
  ``redeem_rate[persona] * sqrt(discount / reference)`` (at most 0.95). Members who would
  have bought anyway redeem too: that is the subsidy a coupon pays for nothing.

Non-redeemers get no extra effect beyond the rate change above (no separate halo).
The ``base`` values are ``persona_profiles.csv`` (dimension ``campaign_uplift``); the
redeem rates are ``personas.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursekit.synth.params import CAMPAIGN_TYPES, TRAITS, Params

# Which latent trait makes an offer work better, and how much per standard deviation.
TRAIT_WEIGHT = {
    "coupon": ("price", 0.10),
    "points": ("loyalty", 0.05),
    "group_buy": ("price", 0.10),
    "vip_event": ("loyalty", 0.05),
    "winback": ("price", 0.05),
    "new_product": ("novelty", 0.10),
}
# The discount each offer type was designed around (campaign_templates.csv).
REFERENCE_DISCOUNT = {
    "coupon": 0.12,
    "points": 0.05,
    "group_buy": 0.15,
    "vip_event": 0.08,
    "winback": 0.15,
    "new_product": 0.10,
}


@dataclass(frozen=True)
class Response:
    """Per contacted member: order-rate multiplier and redemption probability."""

    rate_multiplier: np.ndarray
    redeem_prob: np.ndarray


def campaign_response(
    params: Params,
    persona: np.ndarray,
    trait_deviation: np.ndarray,
    offer: str,
    discount: float,
) -> Response:
    """The response of contacted members to one offer.

    Args:
        params: the world's parameter tables.
        persona: persona index per member.
        trait_deviation: members x traits, each member's traits minus the persona mean.
        offer: one of ``CAMPAIGN_TYPES``.
        discount: the offer's discount rate (0.12 = 12% off the order).
    """
    if offer not in CAMPAIGN_TYPES:
        raise ValueError(f"unknown offer {offer!r}; use one of {CAMPAIGN_TYPES}")
    scale = float(np.sqrt(max(float(discount), 0.0) / REFERENCE_DISCOUNT[offer]))
    base = params.raw_profile("campaign_uplift", CAMPAIGN_TYPES)[:, CAMPAIGN_TYPES.index(offer)]
    trait, weight = TRAIT_WEIGHT[offer]
    uplift = base[persona] + weight * trait_deviation[:, TRAITS.index(trait)]
    uplift = np.maximum(uplift * scale, -0.9)
    redeem = params.personas["redeem_rate"].to_numpy()[persona] * scale
    return Response(rate_multiplier=1.0 + uplift, redeem_prob=np.clip(redeem, 0.0, 0.95))


def response_parameters(params: Params) -> pd.DataFrame:
    """The response model as a table (hidden truth): one row per persona and offer."""
    uplift = params.raw_profile("campaign_uplift", CAMPAIGN_TYPES)
    rows = []
    for p, persona in enumerate(params.persona_names):
        for k, offer in enumerate(CAMPAIGN_TYPES):
            trait, weight = TRAIT_WEIGHT[offer]
            rows.append(
                {
                    "persona": persona,
                    "campaign_type": offer,
                    "base_uplift": float(uplift[p, k]),
                    "trait": trait,
                    "trait_weight": weight,
                    "reference_discount": REFERENCE_DISCOUNT[offer],
                    "redeem_rate": float(params.personas["redeem_rate"].iloc[p]),
                }
            )
    return pd.DataFrame(rows)
