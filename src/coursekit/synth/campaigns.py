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
from coursekit.synth.purchases import Intensity, OrderTimes, last_order_day

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
    A removed order is never a customer's last one, so churn dates stay true. The base
    orders stay sorted by (customer, day); the few extra orders are merged in at the end.
    """
    uplift = params.raw_profile("campaign_uplift", CAMPAIGN_TYPES)
    base_c, base_d = times.customer, times.day
    kept = np.ones(len(base_c), dtype=bool)
    extra_c = np.zeros(0, dtype=np.int64)
    extra_d = np.zeros(0)
    n = len(latent.rate)
    T = float(intensity.n_days)
    last_day = np.nan_to_num(last_order_day(base_c, base_d, n), nan=-np.inf)
    assignments = []
    for _, c in campaigns.iterrows():
        s = float(c["_offset"])
        # The response (good or bad) lasts through the 30-day measurement window, not just
        # the days the offer runs: a contacted customer's habits shift for a while.
        e = s + float(max(c["_duration"], SPEND_WINDOW_DAYS))
        kind = CAMPAIGN_TYPES.index(c["type"])
        eligible = signup_day < s
        if c["type"] == "winback":
            before = kept & (base_d < s)
            last_before = last_order_day(base_c[before], base_d[before], n)
            last_before = np.fmax(last_before, _max_by(extra_c, extra_d, extra_d < s, n))
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
        effect = uplift[latent.persona[who], kind]
        # Only customers still shopping at the campaign's start can respond.
        stop = np.where(times.alive[who], T, times.churn_day[who])
        active = (~latent.never_buys[who]) & (latent.begin_day[who] < e) & (stop > s)
        # Positive response: extra orders while the effect lasts (before any churn).
        up = who[active & (effect > 0)]
        if len(up):
            lo = np.maximum(s, np.clip(latent.begin_day[up], 0, None))
            hi = np.minimum(e, np.where(times.alive[up], T, times.churn_day[up]))
            ok = hi > lo
            up, lo, hi = up[ok], lo[ok], hi[ok]
            g = latent.persona[up]
            c_lo, c_hi = intensity.at(g, lo), intensity.at(g, hi)
            extra = rng.poisson(latent.rate[up] * uplift[g, kind] * (c_hi - c_lo))
            owner = np.repeat(np.arange(len(up)), extra)
            value = c_lo[owner] + rng.random(len(owner)) * (c_hi[owner] - c_lo[owner])
            new_days = intensity.inverse(g[owner], value)
            extra_c = np.concatenate([extra_c, up[owner]])
            extra_d = np.concatenate([extra_d, new_days])
            np.maximum.at(last_day, up[owner], new_days)
        # Negative response: orders in the window are skipped (never the customer's last).
        down = who[active & (effect < 0)]
        if len(down):
            drop_p = np.zeros(n)
            drop_p[down] = -uplift[latent.persona[down], kind]
            for c_arr, d_arr, keep in ((base_c, base_d, kept), (extra_c, extra_d, None)):
                cand = np.flatnonzero(
                    (d_arr >= s) & (d_arr < e) & (drop_p[c_arr] > 0) & (d_arr < last_day[c_arr])
                )
                drop = cand[rng.random(len(cand)) < drop_p[c_arr[cand]]]
                if keep is not None:
                    keep[drop] = False
                else:
                    keep_extra = np.ones(len(extra_c), dtype=bool)
                    keep_extra[drop] = False
                    extra_c, extra_d = extra_c[keep_extra], extra_d[keep_extra]
    customer, day = _merge_sorted(base_c[kept], base_d[kept], extra_c, extra_d, T)
    times = OrderTimes(customer=customer, day=day, alive=times.alive, churn_day=times.churn_day)
    columns = {"campaign_id": [], "customer": [], "treated": []}
    frame = pd.concat(assignments, ignore_index=True) if assignments else pd.DataFrame(columns)
    return times, frame


def _max_by(customer: np.ndarray, day: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    if mask.any():
        out_inf = np.full(n, -np.inf)
        np.maximum.at(out_inf, customer[mask], day[mask])
        out = np.where(np.isinf(out_inf), np.nan, out_inf)
    return out


def _merge_sorted(base_c, base_d, extra_c, extra_d, T: float):
    """Merge a few extra orders into arrays sorted by (customer, day)."""
    if len(extra_c) == 0:
        return base_c, base_d
    order = np.lexsort((extra_d, extra_c))
    extra_c, extra_d = extra_c[order], extra_d[order]
    # (customer, day) as one float: customer * (T + 2) + day is exact to a fraction of a second.
    base_key = base_c * (T + 2) + base_d
    pos = np.searchsorted(base_key, extra_c * (T + 2) + extra_d, side="right")
    return np.insert(base_c, pos, extra_c), np.insert(base_d, pos, extra_d)
