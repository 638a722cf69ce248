"""Browsing on the app and mini-program: views, searches and add-to-cart events.

Every online order comes from a session that ends in a purchase; many more sessions end
without one. Trend-seekers browse a lot and convert little, so browsing-to-buy ratios
differ by persona and show interest before (or instead of) a purchase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.catalog import pick_by_popularity
from coursekit.synth.fastsort import first_positions, positions, stable_order
from coursekit.synth.orders import _sorted_categorical, choice_by_owner
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
    t0 = np.datetime64(start.to_datetime64(), "s")

    # ---- sessions that end in an online purchase (app / mini-program orders)
    online = orders["channel"].isin(["app", "mini_program"]).to_numpy()
    o_ids = orders["order_id"].to_numpy()[online]
    customer_ids = customers["customer_id"].to_numpy()
    o_cust = positions(customer_ids, orders["customer_id"].to_numpy()[online])
    o_end = (orders["order_ts"].to_numpy()[online].astype("datetime64[s]") - t0).astype(np.int64)
    o_len = rng.integers(180, 2400, len(o_end))  # seconds from first event to purchase
    n_online = np.bincount(o_cust, minlength=n_cust)

    # ---- sessions without a purchase: browsing follows online habits and activity span
    persona = latent.persona
    begin = np.clip(latent.begin_day, 0, None)
    stop = np.where(np.isnan(churn_day), n_days, np.minimum(churn_day + 30, n_days))
    span = np.clip(stop - begin, 0, None)
    digital = latent.channel_p[:, 1] + latent.channel_p[:, 2]
    expected = P["browse_per_order"].to_numpy()[persona] * n_online + digital * span / 200.0
    n_browse = rng.poisson(np.where(latent.never_buys, digital * span / 300.0, expected))
    b_cust = np.repeat(np.arange(n_cust), n_browse)
    b_day = np.floor(begin[b_cust] + rng.random(len(b_cust)) * span[b_cust]).astype(np.int64)
    centre = np.where(
        rng.random(len(b_cust)) < 0.5,
        P["hour_peak1"].to_numpy()[persona[b_cust]],
        P["hour_peak2"].to_numpy()[persona[b_cust]],
    )
    b_hour = np.mod(np.floor(rng.normal(centre, 2.0)), 24).astype(np.int64)
    b_start = b_day * 86400 + b_hour * 3600 + rng.integers(0, 3600, len(b_cust))
    b_len = rng.integers(30, 1500, len(b_cust))
    del b_day, centre, b_hour

    s_cust = np.concatenate([o_cust, b_cust])
    s_start = np.concatenate([o_end - o_len, b_start])
    s_len = np.concatenate([o_len, b_len])
    n_purchase = len(o_cust)
    n_sessions = len(s_cust)
    del b_cust, b_start, b_len, o_end, o_len

    # Extra product views per session, from the customer's category mix.
    vps = P["views_per_session"].to_numpy()[persona[s_cust]]
    extra_views = rng.poisson(np.maximum(vps - 1.5, 0.1))
    extra_views[n_purchase:] += 1  # a browse-only session views at least one product
    e_sess = np.repeat(np.arange(n_sessions, dtype=np.int64), extra_views)
    e_prod = _popular_product(
        rng, products, params, choice_by_owner(rng, latent.category_p, s_cust[e_sess])
    )
    # Purchased lines: always added to the cart, usually viewed first.
    item_session = positions(o_ids, items["order_id"].to_numpy())
    bought = item_session >= 0
    i_sess = item_session[bought]
    i_prod = items["product_id"].to_numpy()[bought]
    viewed = rng.random(len(i_sess)) < 0.6
    # Browse-only sessions sometimes leave a product in the cart.
    abandon = (e_sess >= n_purchase) & (rng.random(len(e_sess)) < 0.12)
    search = np.flatnonzero(rng.random(n_sessions) < 0.4)

    # Stage order within a session: search, views, carts, purchase (ties keep this order).
    parts = [
        (search, SEARCH, None, (0.0, 0.05)),
        (e_sess, VIEW, e_prod, (0.05, 0.70)),
        (i_sess[viewed], VIEW, i_prod[viewed], (0.05, 0.70)),
        (i_sess, CART, i_prod, (0.70, 0.99)),
        (e_sess[abandon], CART, e_prod[abandon], (0.70, 0.99)),
        (np.arange(n_purchase, dtype=np.int64), PURCHASE, None, (1.0, 1.0)),
    ]
    sess = np.concatenate([p[0] for p in parts])
    etype = np.concatenate([np.full(len(p[0]), p[1], dtype=np.int8) for p in parts])
    product = np.concatenate(
        [p[2] if p[2] is not None else np.zeros(len(p[0]), np.int64) for p in parts]
    ).astype(np.int32)
    lo = np.concatenate([np.full(len(p[0]), p[3][0], dtype=np.float32) for p in parts])
    width = np.concatenate([np.full(len(p[0]), p[3][1] - p[3][0], dtype=np.float32) for p in parts])
    del parts, e_sess, e_prod, i_sess, i_prod
    frac = lo + rng.random(len(sess), dtype=np.float32) * width
    offset = s_start[sess] + np.floor(frac * s_len[sess]).astype(np.int64)
    del lo, width, frac
    keep = (offset >= 0) & (offset < n_days * 86400)
    if not keep.all():
        sess, etype, product, offset = sess[keep], etype[keep], product[keep], offset[keep]

    order = stable_order(offset)
    sess, etype, product, offset = sess[order], etype[order], product[order], offset[order]
    del order, keep
    # Session ids in order of each session's first event.
    first_pos = first_positions(sess, n_sessions)
    present = np.flatnonzero(first_pos >= 0)
    session_id = np.zeros(n_sessions, dtype=np.int64)
    session_id[present[stable_order(first_pos[present])]] = np.arange(1, len(present) + 1)
    ts = (offset + t0.astype(np.int64)) * np.int64(10**9)
    return pd.DataFrame(
        copy=False,  # fresh arrays: no need to copy tens of millions of rows again
        data={
            "event_id": np.arange(1, len(sess) + 1, dtype=np.int64),
            "customer_id": customers["customer_id"].to_numpy()[s_cust[sess]],
            "session_id": session_id[sess],
            "event_ts": ts.view("datetime64[ns]"),
            "event_type": _sorted_categorical(etype, list(EVENT_TYPES)),
            "product_id": pd.arrays.IntegerArray(product.astype(np.int64), mask=product <= 0),
        },
    )


def _popular_product(rng, products: pd.DataFrame, params: Params, category: np.ndarray):
    """The id of a product of each given category, drawn by popularity."""
    u = rng.random(len(category))
    rows = pick_by_popularity(products, list(params.categories.index), category, u)
    return products["product_id"].to_numpy()[rows]
