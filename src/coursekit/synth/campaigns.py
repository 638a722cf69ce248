"""Past marketing campaigns: a target rule, a randomized holdout (control) group, and the
members' response.

Each campaign template (``campaign_templates.csv``) states whom it targets (a rule on the
data before its start), what share of the eligible members was drawn into the audience,
and the planned share of the audience that was contacted (the rest is the holdout). The
last campaign is a large A/B test of a coupon on the whole active base with a 50/50 split.

A contacted member's order rate changes while the effect lasts through the world's one
response model (``response.py``): up for most personas, down for some (so an average
lift hides the segments a campaign hurts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.lifecycle import Lifecycle
from coursekit.synth.params import TRAITS, Params
from coursekit.synth.population import Latent
from coursekit.synth.purchases import Intensity, OrderTimes, _merge_sorted
from coursekit.synth.response import campaign_response

SPEND_WINDOW_DAYS = 30  # spend_after counts completed orders in the 30 days from the start
WINBACK_LAPSE_DAYS = 60  # win-back targets members with no order in the last 60 days
ACTIVE_DAYS = 90  # "active": an order in the last 90 days
TOP_WINDOW_DAYS = 180
TOP_SHARE = 0.2

# The target rules, as a marketing team would write them (filled with the numbers above).
TARGET_RULES = {
    "all": (
        "members who joined before the start",
        "活动开始前注册的会员",
    ),
    "active_90": (
        f"members with an order in the {ACTIVE_DAYS} days before the start",
        f"活动开始前 {ACTIVE_DAYS} 天内有订单的会员",
    ),
    "lapsed_60": (
        f"members who joined at least {WINBACK_LAPSE_DAYS} days before the start and have "
        f"no order in the {WINBACK_LAPSE_DAYS} days before it",
        f"活动开始前已注册满 {WINBACK_LAPSE_DAYS} 天、且近 {WINBACK_LAPSE_DAYS} 天无订单的会员",
    ),
    "top_spend_180": (
        f"the top {TOP_SHARE:.0%} of members by number of orders in the {TOP_WINDOW_DAYS} "
        "days before the start",
        f"活动开始前 {TOP_WINDOW_DAYS} 天内订单数排名前 {TOP_SHARE:.0%} 的会员",
    ),
    "tier_3_4": (
        "members living in tier 3 and tier 4 cities who joined before the start",
        "活动开始前注册、居住在三、四级城市的会员",
    ),
}


def plan_campaigns(params: Params, start: pd.Timestamp, n_days: int, locale: str):
    """Campaign calendar: one campaign about every 100 days, spread over the window."""
    templates = params.campaign_templates.reset_index(drop=True)
    count = int(np.clip(n_days // 100, 1, len(templates)))
    rows = []
    zh = locale == "zh_CN"
    for i in range(count):
        # A short window runs the last campaigns first: the whole-base A/B test is kept.
        tpl = templates.iloc[len(templates) - count + i]
        offset = int(n_days * (0.08 + 0.8 * i / max(count - 1, 1))) if count > 1 else 0
        duration = int(min(tpl["duration_days"], max(n_days - offset, 1)))
        begin = start + pd.Timedelta(days=offset)
        audience = float(tpl["audience_share"])
        rule_en, rule_zh = TARGET_RULES[tpl["target"]]
        if audience < 1:
            rule_en += f"; a random {audience:.0%} of them"
            rule_zh += f"；随机抽取其中 {audience:.0%}"
        rows.append(
            {
                "campaign_id": i + 1,
                "name": tpl["name_zh"] if zh else tpl["name_en"],
                "type": tpl["type"],
                "start_date": begin,
                "end_date": begin + pd.Timedelta(days=duration - 1),
                "target_rule": rule_zh if zh else rule_en,
                "treatment_share": float(tpl["treatment_share"]),
                "cost_per_contact": float(tpl["cost_per_contact"]),
                "coupon_code": f"CMP{begin:%y%m}{i + 1:02d}",
                "discount_rate": float(tpl["discount_rate"]),
                "_offset": offset,
                "_duration": duration,
                "_target": tpl["target"],
                "_audience_share": audience,
            }
        )
    return pd.DataFrame(rows)


def _eligible(
    rule: str, s: float, signup_day, tier, customer, day, n: int, cut: int | None = None
) -> np.ndarray:
    """Members the target rule selects, from the orders before the start ``s``.

    ``cut``: for a "top members" rule, the order count a member needs (computed over all
    members of a world generated in blocks); default: computed among these members.
    """
    joined = signup_day < s
    if rule == "all":
        return joined
    if rule == "tier_3_4":
        return joined & (tier >= 3)
    if rule == "active_90":
        recent = (day < s) & (day >= s - ACTIVE_DAYS)
        return joined & (np.bincount(customer[recent], minlength=n) > 0)
    if rule == "lapsed_60":
        recent = (day < s) & (day >= s - WINBACK_LAPSE_DAYS)
        lapsed = np.bincount(customer[recent], minlength=n) == 0
        return (signup_day < s - WINBACK_LAPSE_DAYS) & lapsed
    if rule == TOP_RULE:
        count = top_rule_counts(s, joined, customer, day, n)
        if cut is None:
            cut = top_rule_cut(np.bincount(count[count > 0]))
        if cut is None:
            return np.zeros(n, dtype=bool)
        # Ties at the cut are all in: a rule on the data, not a lottery.
        return joined & (count >= cut) & (count > 0)
    raise ValueError(f"unknown target rule {rule!r}")


TOP_RULE = "top_spend_180"


def top_rule_counts(s: float, joined, customer, day, n: int) -> np.ndarray:
    """Orders per member in the window of the "top members" rule (0 for members who had
    not joined before the start ``s``)."""
    recent = (day < s) & (day >= s - TOP_WINDOW_DAYS)
    return np.where(joined, np.bincount(customer[recent], minlength=n), 0)


def top_rule_cut(histogram: np.ndarray) -> int | None:
    """The order count of the member at the top ``TOP_SHARE`` of the buyers.

    Args:
        histogram: ``histogram[k]`` buyers with ``k`` orders in the window (index 0 is
            ignored); histograms of blocks of members add up to the world's.

    Returns:
        The cut (members with at least this many orders are in), or None without buyers.
    """
    histogram = np.asarray(histogram, dtype=np.int64).copy()
    if len(histogram):
        histogram[0] = 0
    buyers = int(histogram.sum())
    if buyers == 0:
        return None
    # The buyer at this position of the counts sorted from most to fewest orders.
    position = max(int(np.ceil(TOP_SHARE * buyers)) - 1, 0)
    from_top = np.cumsum(histogram[::-1])
    return int(len(histogram) - 1 - np.searchsorted(from_top, position + 1))


def assign_and_apply(
    campaigns: pd.DataFrame,
    params: Params,
    latent: Latent,
    life: Lifecycle,
    signup_day: np.ndarray,
    times: OrderTimes,
    intensity: Intensity,
    rng: np.random.Generator,
    *,
    cuts: dict[int, int | None] | None = None,
) -> tuple[OrderTimes, pd.DataFrame]:
    """Draw each campaign's audience and groups, and change treated members' orders.

    Campaigns are played in time order, so a rule sees the effects of earlier campaigns.
    ``cuts`` gives the order-count cut of "top members" rules by campaign id (a world
    generated in blocks computes it over all its members).
    Returns the new order times and the assignments (campaign_id, customer index, group).
    """
    n = len(latent.rate)
    T = float(intensity.n_days)
    customer, day, failure = times.customer, times.day, times.failure
    means = params.personas[[f"trait_{t}" for t in TRAITS]].to_numpy()[latent.persona]
    deviation = latent.traits - means
    stop = np.minimum(life.churn_day, T)
    assignments = []
    for _, c in campaigns.iterrows():
        s = float(c["_offset"])
        # The response (good or bad) lasts through the 30-day measurement window, not just
        # the days the offer runs: a contacted customer's habits shift for a while.
        e = s + float(max(c["_duration"], SPEND_WINDOW_DAYS))
        cut = None if cuts is None else cuts.get(int(c["campaign_id"]))
        eligible = _eligible(c["_target"], s, signup_day, latent.tier, customer, day, n, cut)
        audience = np.flatnonzero(eligible & (rng.random(n) < c["_audience_share"]))
        treated = rng.random(len(audience)) < c["treatment_share"]
        assignments.append(
            pd.DataFrame(
                {"campaign_id": c["campaign_id"], "customer": audience, "treated": treated}
            )
        )
        who = audience[treated]
        response = campaign_response(
            params, latent.persona[who], deviation[who], c["type"], c["discount_rate"]
        )
        effect = response.rate_multiplier - 1.0
        # Only customers still shopping during the window can respond.
        lo = np.maximum(s, np.clip(latent.begin_day[who], 0, None))
        hi = np.minimum(e, stop[who])
        active = (~latent.never_buys[who]) & (hi > lo)
        # Positive response: extra orders while the effect lasts (a Poisson process of the
        # extra rate, scaled by the member's own rate factor then, e.g. the drift).
        up = active & (effect > 0)
        if up.any():
            m, lo_u, hi_u = who[up], lo[up], hi[up]
            g = latent.persona[m]
            c_lo, c_hi = intensity.at(g, lo_u), intensity.at(g, hi_u)
            factor = life.rate_factor(m, (lo_u + hi_u) / 2)
            extra = rng.poisson(latent.rate[m] * effect[up] * factor * (c_hi - c_lo))
            owner = np.repeat(np.arange(len(m)), extra)
            value = c_lo[owner] + rng.random(len(owner)) * (c_hi[owner] - c_lo[owner])
            new_days = intensity.inverse(g[owner], value)
            customer, day, marks = _merge_sorted(customer, day, m[owner], new_days, T, flag=True)
            failure = _insert_false(failure, marks)
        # Negative response: orders in the window are skipped with probability -effect.
        down = np.zeros(n)
        down[who[active & (effect < 0)]] = -effect[active & (effect < 0)]
        if down.any():
            cand = np.flatnonzero((day >= s) & (day < e) & ~failure)
            cand = cand[down[customer[cand]] > 0]
            keep = np.ones(len(day), dtype=bool)
            keep[cand[rng.random(len(cand)) < down[customer[cand]]]] = False
            customer, day, failure = customer[keep], day[keep], failure[keep]
    times = OrderTimes(
        customer=customer, day=day, failure=failure, alive=times.alive, churn_day=times.churn_day
    )
    columns = {"campaign_id": [], "customer": [], "treated": []}
    frame = pd.concat(assignments, ignore_index=True) if assignments else pd.DataFrame(columns)
    return times, frame


def _insert_false(flags: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """Carry a per-order flag over a merge: new orders (``marks``) get False."""
    out = np.zeros(len(marks), dtype=bool)
    out[~marks] = flags
    return out
