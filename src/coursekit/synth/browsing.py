"""Browsing on the app and mini-program: views, searches and add-to-cart events.

Every online order comes from a session that ends in a purchase; many more sessions end
without one. Trend-seekers browse a lot and convert little, so browsing-to-buy ratios
differ by persona and show interest before (or instead of) a purchase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.orders import choice_by_owner
from coursekit.synth.params import Params
from coursekit.synth.population import Latent

EVENT_TYPES = ("view", "search", "add_to_cart", "purchase")
VIEW, SEARCH, CART, PURCHASE = range(4)


def make_web_events(
    orders: pd.DataFrame,
    items: pd.DataFrame,
    latent: Latent,
    customers: pd.DataFrame,
    products: pd.DataFrame,
    params: Params,
    start: pd.Timestamp,
    n_days: int,
    churn_day: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    P = params.personas
    n_cust = len(customers)
    cust_index = pd.Index(customers["customer_id"])
    t0 = np.datetime64(start.to_datetime64(), "s")

    # ---- sessions that end in an online purchase (app / mini-program orders)
    online = orders["channel"].isin(["app", "mini_program"]).to_numpy()
    o_cust = cust_index.get_indexer(orders["customer_id"].to_numpy()[online])
    o_end = (orders["order_ts"].to_numpy()[online].astype("datetime64[s]") - t0).astype(np.int64)
    o_len = rng.integers(180, 2400, len(o_end))  # seconds from first event to purchase
    o_ids = orders["order_id"].to_numpy()[online]
    n_online = np.bincount(o_cust, minlength=n_cust)

    # ---- sessions without a purchase
    persona = latent.persona
    begin = np.clip(latent.begin_day, 0, None)
    stop = np.where(np.isnan(churn_day), n_days, np.minimum(churn_day + 30, n_days))
    span = np.clip(stop - begin, 0, None)
    digital = latent.channel_p[:, 1] + latent.channel_p[:, 2]
    browse_rate = P["browse_per_order"].to_numpy()[persona]
    expected = browse_rate * n_online + digital * span / 90.0
    expected = np.where(latent.never_buys, digital * span / 90.0, expected)
    n_browse = rng.poisson(expected)
    b_cust = np.repeat(np.arange(n_cust), n_browse)
    b_day = begin[b_cust] + rng.random(len(b_cust)) * span[b_cust]
    centre = np.where(
        rng.random(len(b_cust)) < 0.5,
        P["hour_peak1"].to_numpy()[persona[b_cust]],
        P["hour_peak2"].to_numpy()[persona[b_cust]],
    )
    b_hour = np.mod(np.floor(rng.normal(centre, 2.0)), 24)
    b_start = np.floor(b_day) * 86400 + b_hour * 3600 + rng.integers(0, 3600, len(b_cust))
    b_start = b_start.astype(np.int64)
    b_len = rng.integers(30, 1500, len(b_cust))

    # ---- all sessions: purchase sessions first, then browse-only ones
    s_cust = np.concatenate([o_cust, b_cust])
    s_start = np.concatenate([o_end - o_len, b_start])
    s_len = np.concatenate([o_len, b_len])
    s_buys = np.concatenate([np.ones(len(o_cust), bool), np.zeros(len(b_cust), bool)])
    n_sessions = len(s_cust)

    # Views: the purchased products (purchase sessions) plus extra browsing.
    vps = P["views_per_session"].to_numpy()[persona[s_cust]]
    extra_views = rng.poisson(np.maximum(vps - 1, 0.1))
    extra_views = np.where(s_buys, extra_views, extra_views + 1)
    e_sess = np.repeat(np.arange(n_sessions), extra_views)
    e_cat = choice_by_owner(rng, latent.category_p, s_cust[e_sess])
    e_prod = _popular_product(rng, products, params, e_cat)

    # Products of each online order become views and add-to-cart events in its session.
    item_order = pd.Index(o_ids).get_indexer(items["order_id"].to_numpy())
    bought = item_order >= 0
    i_sess = item_order[bought]
    i_prod = items["product_id"].to_numpy()[bought]

    # Browse-only sessions: sometimes a cart add that is never bought.
    abandon = (~s_buys[e_sess]) & (rng.random(len(e_sess)) < 0.12)
    has_search = rng.random(n_sessions) < 0.45

    sess = np.concatenate(
        [
            e_sess,
            i_sess,
            i_sess,
            e_sess[abandon],
            np.flatnonzero(has_search),
            np.arange(len(o_cust)),
        ]
    )
    etype = np.concatenate(
        [
            np.full(len(e_sess), VIEW),
            np.full(len(i_sess), VIEW),
            np.full(len(i_sess), CART),
            np.full(int(abandon.sum()), CART),
            np.full(int(has_search.sum()), SEARCH),
            np.full(len(o_cust), PURCHASE),
        ]
    ).astype(np.int8)
    product = np.concatenate(
        [
            e_prod,
            i_prod,
            i_prod,
            e_prod[abandon],
            np.zeros(int(has_search.sum()), np.int64),
            np.zeros(len(o_cust), np.int64),
        ]
    )
    # Within a session: search first, views spread out, carts later, the purchase last.
    frac = rng.random(len(sess))
    frac = np.select(
        [etype == SEARCH, etype == VIEW, etype == CART],
        [frac * 0.05, 0.05 + frac * 0.65, 0.7 + frac * 0.29],
        1.0,
    )
    offset = s_start[sess] + np.floor(frac * s_len[sess]).astype(np.int64)
    keep = (offset >= 0) & (offset < n_days * 86400)

    sess, etype, product, offset = sess[keep], etype[keep], product[keep], offset[keep]
    order = np.lexsort((etype, sess, offset))
    sess, etype, product, offset = sess[order], etype[order], product[order], offset[order]
    # Session ids in order of each session's first event.
    first_seen = np.full(n_sessions, np.iinfo(np.int64).max)
    np.minimum.at(first_seen, sess, offset)
    session_rank = np.empty(n_sessions, dtype=np.int64)
    session_rank[np.lexsort((np.arange(n_sessions), first_seen))] = np.arange(n_sessions)
    return pd.DataFrame(
        {
            "event_id": np.arange(1, len(sess) + 1, dtype=np.int64),
            "customer_id": customers["customer_id"].to_numpy()[s_cust[sess]],
            "session_id": session_rank[sess] + 1,
            "event_ts": (t0 + offset.astype("timedelta64[s]")).astype("datetime64[ns]"),
            "event_type": pd.Categorical.from_codes(etype, categories=list(EVENT_TYPES)),
            "product_id": pd.arrays.IntegerArray(product, mask=product <= 0),
        }
    )


def _popular_product(rng, products: pd.DataFrame, params: Params, category: np.ndarray):
    """A product of each given category, drawn by popularity."""
    categories = list(params.categories.index)
    codes = pd.Categorical(products["category"], categories=categories).codes
    out = np.zeros(len(category), dtype=np.int64)
    u = rng.random(len(category))
    for j in range(len(categories)):
        members = np.flatnonzero(codes == j)
        sel = np.flatnonzero(category == j)
        if len(members) == 0 or len(sel) == 0:
            continue
        w = products["popularity"].to_numpy()[members]
        cdf = np.cumsum(w) / w.sum()
        idx = members[np.minimum(np.searchsorted(cdf, u[sel]), len(members) - 1)]
        out[sel] = products["product_id"].to_numpy()[idx]
    return out
