"""Past marketing campaigns with a randomized holdout (control) group.

A treated customer's order rate changes while the campaign runs by the persona's uplift
for that campaign type (``persona_profiles.csv``, dimension ``campaign_uplift``); some
personas respond negatively (e.g. affluent bulk buyers put off by coupon spam), so an
average uplift hides segments the campaign hurts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.params import CAMPAIGN_TYPES, Params
from coursekit.synth.population import Latent
from coursekit.synth.purchases import Intensity, OrderTimes

SPEND_WINDOW_DAYS = 30  # spend_after counts completed orders in the 30 days from the start
WINBACK_LAPSE_DAYS = 60  # win-back targets members with no order in the last 60 days


def plan_campaigns(params: Params, start: pd.Timestamp, n_days: int, locale: str):
    """Campaign calendar: one campaign about every 100 days, spread over the window."""
    templates = params.campaign_templates.reset_index(drop=True)
    count = int(np.clip(n_days // 100, 1, len(templates)))
    rows = []
    for i in range(count):
        tpl = templates.iloc[i]
        offset = int(n_days * (0.08 + 0.8 * i / max(count - 1, 1))) if count > 1 else 0
        duration = int(min(tpl["duration_days"], max(n_days - offset, 1)))
        begin = start + pd.Timedelta(days=offset)
        rows.append(
            {
                "campaign_id": i + 1,
                "name": tpl["name_zh"] if locale == "zh_CN" else tpl["name_en"],
                "type": tpl["type"],
                "start_date": begin,
                "end_date": begin + pd.Timedelta(days=duration - 1),
                "cost_per_contact": float(tpl["cost_per_contact"]),
                "coupon_code": f"CMP{begin:%y%m}{i + 1:02d}",
                "discount_rate": float(tpl["discount_rate"]),
                "_offset": offset,
                "_duration": duration,
                "_audience_share": float(tpl["audience_share"]),
                "_treatment_share": float(tpl["treatment_share"]),
            }
        )
    return pd.DataFrame(rows)


def assign_and_apply(
    campaigns: pd.DataFrame,
    params: Params,
    latent: Latent,
    signup_day: np.ndarray,
    times: OrderTimes,
    intensity: Intensity,
    rng: np.random.Generator,
) -> tuple[OrderTimes, pd.DataFrame]:
    """Draw each campaign's audience and groups, and change treated customers' orders.

    Returns the new order times and the assignments (campaign_id, customer index, group).
    A removed order is never a customer's last one, so churn dates stay true.
    """
    uplift = params.raw_profile("campaign_uplift", CAMPAIGN_TYPES)
    customer, day = times.customer, times.day
    n = len(latent.rate)
    T = float(intensity.n_days)
    assignments = []
    for _, c in campaigns.iterrows():
        s = float(c["_offset"])
        # The response (good or bad) lasts through the 30-day measurement window, not just
        # the days the offer runs: a contacted customer's habits shift for a while.
        e = s + float(max(c["_duration"], SPEND_WINDOW_DAYS))
        last_before = _last_before(customer, day, n, s)
        eligible = signup_day < s
        if c["type"] == "winback":
            lapsed = np.isnan(last_before) | (last_before <= s - WINBACK_LAPSE_DAYS)
            eligible &= lapsed & (signup_day < s - WINBACK_LAPSE_DAYS)
        audience = np.flatnonzero(eligible & (rng.random(n) < c["_audience_share"]))
        treated = rng.random(len(audience)) < c["_treatment_share"]
        assignments.append(
            pd.DataFrame(
                {"campaign_id": c["campaign_id"], "customer": audience, "treated": treated}
            )
        )
        who = audience[treated]
        effect = uplift[latent.persona[who], CAMPAIGN_TYPES.index(c["type"])]
        # Only customers still shopping at the campaign's start can respond.
        stop = np.where(times.alive[who], T, times.churn_day[who])
        active = (~latent.never_buys[who]) & (latent.begin_day[who] < e) & (stop > s)
        # Positive response: extra orders while the campaign runs (before any churn).
        up = who[active & (effect > 0)]
        if len(up):
            lo = np.maximum(s, np.clip(latent.begin_day[up], 0, None))
            hi = np.minimum(e, np.where(times.alive[up], T, times.churn_day[up]))
            ok = hi > lo
            up, lo, hi = up[ok], lo[ok], hi[ok]
            g = latent.persona[up]
            c_lo, c_hi = intensity.at(g, lo), intensity.at(g, hi)
            eff = uplift[g, CAMPAIGN_TYPES.index(c["type"])]
            extra = rng.poisson(latent.rate[up] * eff * (c_hi - c_lo))
            owner = np.repeat(np.arange(len(up)), extra)
            value = c_lo[owner] + rng.random(len(owner)) * (c_hi[owner] - c_lo[owner])
            customer = np.concatenate([customer, up[owner]])
            day = np.concatenate([day, intensity.inverse(g[owner], value)])
        # Negative response: orders in the window are skipped (never the customer's last).
        down = who[active & (effect < 0)]
        if len(down):
            drop_p = np.zeros(n)
            drop_p[down] = -uplift[latent.persona[down], CAMPAIGN_TYPES.index(c["type"])]
            order = np.lexsort((day, customer))
            customer, day = customer[order], day[order]
            is_last = np.append(customer[1:] != customer[:-1], True)
            in_window = (day >= s) & (day < e)
            drop = in_window & ~is_last & (rng.random(len(day)) < drop_p[customer])
            customer, day = customer[~drop], day[~drop]
    order = np.lexsort((day, customer))
    times = OrderTimes(
        customer=customer[order], day=day[order], alive=times.alive, churn_day=times.churn_day
    )
    columns = {"campaign_id": [], "customer": [], "treated": []}
    frame = pd.concat(assignments, ignore_index=True) if assignments else pd.DataFrame(columns)
    return times, frame


def _last_before(customer: np.ndarray, day: np.ndarray, n: int, s: float) -> np.ndarray:
    """Each customer's last order day strictly before day ``s`` (nan if none)."""
    last = np.full(n, np.nan)
    mask = day < s
    c, d = customer[mask], day[mask]
    order = np.lexsort((d, c))
    last[c[order]] = d[order]
    return last
