"""Browsing on the app and mini-program: views, searches, add-to-cart and purchase events.

A real shop's funnel (浏览 → 加购 → 下单): most sessions only browse, most carts are
abandoned, and only a small minority of sessions ends in a purchase. Four kinds of session:

- **purchase**: every app and mini-program order comes from a session that ends in it;
  most add the bought products to the cart first (some use "buy now" and skip the cart);
- **abandoned cart**: products viewed and added, then left (``cart_per_order`` of them per
  purchase session, by persona);
- **browse only**: views (and searches) and nothing else (``browse_per_order`` per purchase
  session, plus a little for every digital member);
- **interest**: browsing shows interest before a purchase: some orders (in any channel)
  are preceded by a session viewing the same categories days before, and members
  expecting a first child browse baby products in the months before it.

Browsing fades with the drift before a member leaves and stops soon after they are gone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.catalog import pick_by_popularity
from coursekit.synth.fastsort import first_positions, positions, stable_order
from coursekit.synth.lifecycle import Lifecycle
from coursekit.synth.orders import _sorted_categorical, choice_by_owner
from coursekit.synth.params import Params
from coursekit.synth.population import Latent

EVENT_TYPES = ("view", "search", "add_to_cart", "purchase")
VIEW, SEARCH, CART, PURCHASE = range(4)
BUY_NOW_SHARE = 0.15  # purchase sessions that skip the cart
RESEARCH_SHARE = 0.25  # orders preceded by a browsing session on their categories
RESEARCH_DAYS = (1, 21)  # ... this many days before the order
EXPECTING_SESSIONS = 3.0  # mean baby-product sessions before a first child
EXPECTING_DAYS = (20, 200)
GONE_BROWSING_DAYS = 14  # browsing stops this many days after a member is gone


def make_web_events(
    orders: pd.DataFrame,
    items: pd.DataFrame,
    latent: Latent,
    life: Lifecycle,
    customers: pd.DataFrame,
    products: pd.DataFrame,
    params: Params,
    start: pd.Timestamp,
    n_days: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    P = params.personas
    n_cust = len(customers)
    t0 = np.datetime64(start.to_datetime64(), "s")
    customer_ids = customers["customer_id"].to_numpy()
    categories = list(params.categories.index)
    product_category = pd.Categorical(products["category"], categories=categories).codes

    # ---- purchase sessions (app / mini-program orders)
    online = orders["channel"].isin(["app", "mini_program"]).to_numpy()
    o_ids = orders["order_id"].to_numpy()[online]
    o_cust = positions(customer_ids, orders["customer_id"].to_numpy()[online])
    o_end = (orders["order_ts"].to_numpy()[online].astype("datetime64[s]") - t0).astype(np.int64)
    o_len = rng.integers(180, 2400, len(o_end))  # seconds from first event to purchase
    n_online = np.bincount(o_cust, minlength=n_cust)
    n_purchase = len(o_cust)

    # ---- sessions without a purchase, spread over the member's active days and thinned
    # by the drift: abandoned carts and plain browsing.
    persona = latent.persona
    begin = np.clip(latent.begin_day, 0, None)
    gone = np.where(np.isnan(life.churn_day), np.inf, life.churn_day + GONE_BROWSING_DAYS)
    stop = np.minimum(gone, n_days)
    span = np.clip(stop - begin, 0, None)
    digital = latent.channel_p[:, 1] + latent.channel_p[:, 2]
    base = digital * span / 150.0
    n_cart = rng.poisson(P["cart_per_order"].to_numpy()[persona] * n_online + 0.3 * base)
    n_browse = rng.poisson(
        np.where(latent.never_buys, base, P["browse_per_order"].to_numpy()[persona] * n_online)
        + base
    )
    a_cust, a_start = _spread(np.repeat(np.arange(n_cust), n_cart), begin, span, life, latent, rng)
    b_cust, b_start = _spread(np.repeat(np.arange(n_cust), n_browse), begin, span, life, latent, rng)

    # ---- interest sessions: research before some orders, and the expecting parents.
    o_all_cust = positions(customer_ids, orders["customer_id"].to_numpy())
    o_all_ts = (orders["order_ts"].to_numpy().astype("datetime64[s]") - t0).astype(np.int64)
    not_group = (orders["channel"] != "group_buy").to_numpy()
    research = np.flatnonzero(not_group & (rng.random(len(orders)) < RESEARCH_SHARE))
    r_cust = o_all_cust[research]
    r_start = o_all_ts[research] - rng.integers(*RESEARCH_DAYS, len(research)) * 86400
    r_start += rng.integers(-4 * 3600, 4 * 3600, len(research))
    # Each research session looks at the category of one line of its order.
    first_line = positions(orders["order_id"].to_numpy()[research], items["order_id"].to_numpy())
    line_of = np.full(len(research), -1, dtype=np.int64)
    hit = first_line >= 0
    line_of[first_line[hit]] = np.flatnonzero(hit)  # one line per researched order
    has_line = line_of >= 0
    r_cat = np.full(len(research), -1, dtype=np.int64)
    r_cat[has_line] = product_category[
        positions(products["product_id"].to_numpy(), items["product_id"].to_numpy()[line_of[has_line]])
    ]
    keep = has_line & (r_start >= 0)
    r_cust, r_start, r_cat = r_cust[keep], r_start[keep], r_cat[keep]
    child = life.event_day["first_child"]
    parents = np.flatnonzero(~np.isnan(child))
    n_expect = rng.poisson(EXPECTING_SESSIONS, len(parents))
    x_cust = np.repeat(parents, n_expect)
    x_day = child[x_cust] - rng.uniform(*EXPECTING_DAYS, len(x_cust))
    x_start = np.floor(x_day * 86400).astype(np.int64)
    ok = x_start >= 0
    x_cust, x_start = x_cust[ok], x_start[ok]
    x_cat = np.full(len(x_cust), categories.index("baby_maternity"), dtype=np.int64)

    # ---- all sessions: purchase first (their index is the order's), then the others.
    s_cust = np.concatenate([o_cust, a_cust, b_cust, r_cust, x_cust])
    s_start = np.concatenate([o_end - o_len, a_start, b_start, r_start, x_start])
    s_len = np.concatenate(
        [o_len, rng.integers(60, 1800, len(s_cust) - n_purchase)]
    )
    kind = np.concatenate(
        [np.full(n, k, dtype=np.int8) for k, n in enumerate(
            (n_purchase, len(a_cust), len(b_cust), len(r_cust), len(x_cust))
        )]
    )  # fmt: skip
    # Category of interest for interest sessions (-1: the member's everyday mix).
    s_cat = np.concatenate(
        [np.full(n_purchase + len(a_cust) + len(b_cust), -1, dtype=np.int64), r_cat, x_cat]
    )
    n_sessions = len(s_cust)
    del a_cust, a_start, b_cust, b_start, r_cust, r_start, x_cust, x_start

    # Views per session beyond the bought products, from the persona's habit.
    vps = P["views_per_session"].to_numpy()[persona[s_cust]]
    n_views = rng.poisson(np.maximum(vps - 1.0, 0.2))
    n_views[kind != 0] += 1  # a session without a purchase views at least one product
    e_sess = np.repeat(np.arange(n_sessions, dtype=np.int64), n_views)
    e_cat = s_cat[e_sess]
    everyday = e_cat < 0
    e_cat[everyday] = choice_by_owner(rng, latent.category_p, s_cust[e_sess[everyday]])
    e_prod = _popular_product(rng, products, categories, e_cat)
    # Abandoned-cart sessions add one or two of their viewed products to the cart.
    in_cart_session = kind[e_sess] == 1
    first_view = np.r_[True, e_sess[1:] != e_sess[:-1]]
    abandon = in_cart_session & (first_view | (rng.random(len(e_sess)) < 0.3))
    # Purchased lines: in the cart unless "buy now", usually viewed first.
    item_session = positions(o_ids, items["order_id"].to_numpy())
    bought = item_session >= 0
    i_sess = item_session[bought]
    i_prod = items["product_id"].to_numpy()[bought]
    viewed = rng.random(len(i_sess)) < 0.6
    buy_now = rng.random(n_purchase) < BUY_NOW_SHARE
    carted = ~buy_now[i_sess]
    search = np.flatnonzero(rng.random(n_sessions) < 0.4)

    # Stage order within a session: search, views, carts, purchase (ties keep this order).
    parts = [
        (search, SEARCH, None, (0.0, 0.05)),
        (e_sess, VIEW, e_prod, (0.05, 0.70)),
        (i_sess[viewed], VIEW, i_prod[viewed], (0.05, 0.70)),
        (i_sess[carted], CART, i_prod[carted], (0.70, 0.99)),
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
            "customer_id": customer_ids[s_cust[sess]],
            "session_id": session_id[sess],
            "event_ts": ts.view("datetime64[ns]"),
            "event_type": _sorted_categorical(etype, list(EVENT_TYPES)),
            "product_id": pd.arrays.IntegerArray(product.astype(np.int64), mask=product <= 0),
        },
    )


def _spread(cust, begin, span, life: Lifecycle, latent: Latent, rng):
    """Start second of each session: a day in the member's active span (fewer during the
    drift, by thinning) and an hour near one of the member's peaks."""
    day = begin[cust] + rng.random(len(cust)) * span[cust]
    keep = rng.random(len(cust)) < life.drift_factor(cust, day)
    cust, day = cust[keep], np.floor(day[keep]).astype(np.int64)
    peak = latent.hour_peak[cust, (rng.random(len(cust)) < 0.5).astype(np.int64)]
    hour = np.mod(np.floor(rng.normal(peak, 2.0)), 24).astype(np.int64)
    return cust, day * 86400 + hour * 3600 + rng.integers(0, 3600, len(cust))


def _popular_product(rng, products: pd.DataFrame, categories: list[str], category: np.ndarray):
    """The id of a product of each given category, drawn by popularity."""
    u = rng.random(len(category))
    rows = pick_by_popularity(products, categories, category, u)
    return products["product_id"].to_numpy()[rows]
