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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursekit.synth.catalog import pick_by_popularity
from coursekit.synth.fastsort import first_positions, positions, stable_order
from coursekit.synth.lifecycle import Lifecycle
from coursekit.synth.orders import _sorted_categorical, choice_by_owner
from coursekit.synth.params import Params
from coursekit.synth.population import Latent

# Codes in alphabetical order of the names, as the table's categorical keeps them.
EVENT_TYPES = ("add_to_cart", "purchase", "search", "view")
CART, PURCHASE, SEARCH, VIEW = range(4)
BUY_NOW_SHARE = 0.15  # purchase sessions that skip the cart
RESEARCH_SHARE = 0.1  # orders preceded by a browsing session on their categories
RESEARCH_DAYS = (1, 21)  # ... this many days before the order
EXPECTING_SESSIONS = 3.0  # mean baby-product sessions before a first child
EXPECTING_DAYS = (20, 200)
GONE_BROWSING_DAYS = 14  # browsing stops this many days after a member is gone
# Event counts per session are kept small (a million members make tens of millions of
# events): extra product views per session (times the persona's views_per_session - 1),
# the share of bought products viewed first, and the share of sessions with a search.
EXTRA_VIEWS = 0.15
VIEWED_BEFORE_BUYING = 0.1
SEARCH_SHARE = 0.1
# A bought product is added to the cart in the purchase session this often; the others
# were put in the cart in an earlier visit or bought again from the order history.
CARTED_IN_SESSION = 0.4


# Members are handled in fixed blocks, each with its own random stream: memory stays
# bounded for a million members, and the output does not depend on anything but the seed.
BLOCK_MEMBERS = 100_000


@dataclass
class _Orders:
    """What browsing needs of the orders, grouped by member (each member's rows together)."""

    member: np.ndarray  # member index per order, ascending
    order_id: np.ndarray
    second: np.ndarray  # seconds from the window start
    online: np.ndarray  # app / mini-program
    group: np.ndarray  # group buying
    first_line: np.ndarray  # row of the order's first line in order_items (-1: none)
    n_lines: np.ndarray  # number of lines of the order
    bounds: np.ndarray  # member m's orders are rows bounds[m]:bounds[m + 1]


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
    n_cust = len(customers)
    t0 = np.datetime64(start.to_datetime64(), "s")
    customer_ids = customers["customer_id"].to_numpy()
    member = positions(customer_ids, orders["customer_id"].to_numpy())
    by_member = stable_order(member)
    # Order ids are consecutive in time and items are sorted by order id: an order's lines
    # start where the lines of the orders before it end.
    order_ids = orders["order_id"].to_numpy()
    item_orders = items["order_id"].to_numpy()
    first_id = int(order_ids[0]) if len(order_ids) else 0
    n_lines = np.bincount(item_orders - first_id, minlength=len(order_ids))
    first_line = np.cumsum(n_lines) - n_lines
    first_line[n_lines == 0] = -1
    codes = orders["channel"].cat.codes.to_numpy()
    names = list(orders["channel"].cat.categories)
    online_codes = [names.index(c) for c in ("app", "mini_program") if c in names]
    group_code = names.index("group_buy") if "group_buy" in names else -1
    grouped = _Orders(
        member=member[by_member],
        order_id=order_ids[by_member],
        second=(orders["order_ts"].to_numpy()[by_member].astype("datetime64[s]") - t0).astype(
            np.int64
        ),
        online=np.isin(codes[by_member], online_codes),
        group=codes[by_member] == group_code,
        first_line=first_line[by_member],
        n_lines=n_lines[by_member],
        bounds=np.searchsorted(member[by_member], np.arange(n_cust + 1)),
    )
    del member, by_member, codes, order_ids, first_line, n_lines
    item_product = positions(products["product_id"].to_numpy(), items["product_id"].to_numpy())
    product_category = pd.Categorical(
        products["category"], categories=list(params.categories.index)
    ).codes.astype(np.int64)
    line_category = product_category[item_product]

    seeds = rng.integers(0, 2**63, size=max(1, -(-n_cust // BLOCK_MEMBERS)))
    parts = []
    for b, seed in enumerate(seeds):
        lo, hi = b * BLOCK_MEMBERS, min((b + 1) * BLOCK_MEMBERS, n_cust)
        parts.append(
            _block(
                lo, hi, grouped, item_product, line_category, latent, life,
                products, params, n_days, np.random.default_rng(seed),
            )
        )  # fmt: skip
    del grouped, item_product, line_category
    member = np.concatenate([p[0] for p in parts])
    offset = np.concatenate([p[1] for p in parts])
    etype = np.concatenate([p[2] for p in parts])
    product = np.concatenate([p[3] for p in parts])
    session_offsets = np.cumsum([0] + [p[5] for p in parts])
    sess = np.concatenate([p[4] + session_offsets[k] for k, p in enumerate(parts)])
    n_sessions = int(session_offsets[-1])
    del parts

    order = stable_order(offset)
    member, etype, product, sess = member[order], etype[order], product[order], sess[order]
    offset = offset[order]
    del order
    # Session ids in order of each session's first event.
    first_pos = first_positions(sess, n_sessions)
    present = np.flatnonzero(first_pos >= 0)
    session_id = np.zeros(n_sessions, dtype=np.int64)
    session_id[present[stable_order(first_pos[present])]] = np.arange(1, len(present) + 1)
    del first_pos, present
    ts = (offset + t0.astype(np.int64)) * np.int64(10**9)
    del offset
    return pd.DataFrame(
        copy=False,  # fresh arrays: no need to copy tens of millions of rows again
        data={
            "event_id": np.arange(1, len(sess) + 1, dtype=np.int64),
            "customer_id": customer_ids[member],
            "session_id": session_id[sess],
            "event_ts": ts.view("datetime64[ns]"),
            "event_type": _sorted_categorical(etype, list(EVENT_TYPES)),
            "product_id": pd.arrays.IntegerArray(product.astype(np.int64), mask=product <= 0),
        },
    )


def _block(lo, hi, o: _Orders, item_product, line_category, latent, life,
           products, params, n_days, rng):  # fmt: skip
    """Sessions and events of members lo..hi-1.

    Returns member index, second, event type, product id (0: none), the session number
    within the block, and the number of sessions.
    """
    P = params.personas
    n = hi - lo
    rows = slice(o.bounds[lo], o.bounds[hi])
    o_member, o_second = o.member[rows], o.second[rows]
    o_online, o_group, o_first = o.online[rows], o.group[rows], o.first_line[rows]
    o_id = o.order_id[rows]
    persona = latent.persona[lo:hi]
    members = np.arange(lo, hi)

    # ---- purchase sessions (app / mini-program orders)
    p_idx = np.flatnonzero(o_online)
    p_member = o_member[p_idx]
    p_len = rng.integers(180, 2400, len(p_idx))  # seconds from first event to purchase
    p_start = o_second[p_idx] - p_len
    n_online = np.bincount(p_member - lo, minlength=n)
    n_purchase = len(p_idx)

    # ---- sessions without a purchase, spread over the member's active days and thinned
    # by the drift: abandoned carts and plain browsing.
    begin = np.clip(latent.begin_day[lo:hi], 0, None)
    churn = life.churn_day[lo:hi]
    gone = np.where(np.isnan(churn), np.inf, churn + GONE_BROWSING_DAYS)
    span = np.clip(np.minimum(gone, n_days) - begin, 0, None)
    digital = latent.channel_p[lo:hi, 1] + latent.channel_p[lo:hi, 2]
    base = digital * span / 300.0  # a little browsing for every digital member
    n_cart = rng.poisson(P["cart_per_order"].to_numpy()[persona] * n_online + 0.2 * base)
    n_browse = rng.poisson(P["browse_per_order"].to_numpy()[persona] * n_online + base)
    a_member, a_start = _spread(np.repeat(members, n_cart), lo, begin, span, life, latent, rng)
    b_member, b_start = _spread(np.repeat(members, n_browse), lo, begin, span, life, latent, rng)

    # ---- interest sessions: research before some orders, and the expecting parents.
    research = np.flatnonzero(~o_group & (o_first >= 0) & (rng.random(len(o_id)) < RESEARCH_SHARE))
    r_member = o_member[research]
    r_start = o_second[research] - rng.integers(*RESEARCH_DAYS, len(research)) * 86400
    r_start = r_start + rng.integers(-4 * 3600, 4 * 3600, len(research))
    r_cat = line_category[o_first[research]]
    keep = r_start >= 0
    r_member, r_start, r_cat = r_member[keep], r_start[keep], r_cat[keep]
    child = life.event_day["first_child"][lo:hi]
    parents = np.flatnonzero(~np.isnan(child))
    n_expect = rng.poisson(EXPECTING_SESSIONS, len(parents))
    x_local = np.repeat(parents, n_expect)
    x_start = np.floor((child[x_local] - rng.uniform(*EXPECTING_DAYS, len(x_local))) * 86400)
    x_start = x_start.astype(np.int64)
    ok = x_start >= 0
    x_member, x_start = x_local[ok] + lo, x_start[ok]
    x_cat = np.full(len(x_member), list(params.categories.index).index("baby_maternity"))

    # ---- all sessions: purchase first (their index is the order's), then the others.
    s_member = np.concatenate([p_member, a_member, b_member, r_member, x_member])
    s_start = np.concatenate([p_start, a_start, b_start, r_start, x_start])
    s_len = np.concatenate([p_len, rng.integers(60, 1800, len(s_member) - n_purchase)])
    kind = np.repeat(
        np.arange(5, dtype=np.int8),
        [n_purchase, len(a_member), len(b_member), len(r_member), len(x_member)],
    )
    # Category of interest for interest sessions (-1: the member's everyday mix).
    s_cat = np.concatenate(
        [np.full(n_purchase + len(a_member) + len(b_member), -1, dtype=np.int64), r_cat, x_cat]
    )
    n_sessions = len(s_member)
    del a_member, a_start, b_member, b_start, r_member, r_start, x_member, x_start

    # Views per session beyond the bought products, from the persona's habit.
    vps = P["views_per_session"].to_numpy()[latent.persona[s_member]]
    n_views = rng.poisson(EXTRA_VIEWS * np.maximum(vps - 1.0, 0.1)).astype(np.int64)
    n_views[kind != 0] += 1  # a session without a purchase views at least one product
    e_sess = np.repeat(np.arange(n_sessions, dtype=np.int64), n_views)
    e_cat = s_cat[e_sess]
    everyday = e_cat < 0
    e_cat[everyday] = choice_by_owner(rng, latent.category_p, s_member[e_sess[everyday]])
    e_prod = _popular_product(rng, products, list(params.categories.index), e_cat)
    # Abandoned-cart sessions add one or two of their viewed products to the cart.
    in_cart_session = kind[e_sess] == 1
    first_view = np.r_[True, e_sess[1:] != e_sess[:-1]]
    abandon = in_cart_session & (first_view | (rng.random(len(e_sess)) < 0.1))
    # Bought lines: sometimes viewed first, often added to the cart (not with "buy now").
    line_lo = o_first[p_idx]
    line_n = o.n_lines[rows][p_idx]
    i_sess = np.repeat(np.arange(n_purchase, dtype=np.int64), line_n)
    i_row = np.repeat(line_lo, line_n) + (
        np.arange(len(i_sess)) - np.repeat(np.cumsum(line_n) - line_n, line_n)
    )
    i_prod = products["product_id"].to_numpy()[item_product[i_row]]
    viewed = rng.random(len(i_sess)) < VIEWED_BEFORE_BUYING
    buy_now = rng.random(n_purchase) < BUY_NOW_SHARE
    carted = ~buy_now[i_sess] & (rng.random(len(i_sess)) < CARTED_IN_SESSION)
    search = np.flatnonzero(rng.random(n_sessions) < SEARCH_SHARE)

    # Stage order within a session: search, views, carts, purchase (ties keep this order).
    stages = [
        (search, SEARCH, None, (0.0, 0.05)),
        (e_sess, VIEW, e_prod, (0.05, 0.70)),
        (i_sess[viewed], VIEW, i_prod[viewed], (0.05, 0.70)),
        (i_sess[carted], CART, i_prod[carted], (0.70, 0.99)),
        (e_sess[abandon], CART, e_prod[abandon], (0.70, 0.99)),
        (np.arange(n_purchase, dtype=np.int64), PURCHASE, None, (1.0, 1.0)),
    ]
    sess = np.concatenate([st[0] for st in stages])
    etype = np.concatenate([np.full(len(st[0]), st[1], dtype=np.int8) for st in stages])
    product = np.concatenate(
        [st[2] if st[2] is not None else np.zeros(len(st[0]), np.int64) for st in stages]
    ).astype(np.int32)
    frac = np.concatenate(
        [st[3][0] + rng.random(len(st[0]), dtype=np.float32) * (st[3][1] - st[3][0])
         for st in stages]
    )  # fmt: skip
    offset = s_start[sess] + np.floor(frac * s_len[sess]).astype(np.int64)
    keep = (offset >= 0) & (offset < n_days * 86400)
    return (
        s_member[sess[keep]].astype(np.int32),
        offset[keep],
        etype[keep],
        product[keep],
        sess[keep],
        n_sessions,
    )


def _spread(member, lo, begin, span, life: Lifecycle, latent: Latent, rng):
    """Start second of each session: a day in the member's active span (fewer during the
    drift, by thinning) and an hour near one of the member's peaks."""
    day = begin[member - lo] + rng.random(len(member)) * span[member - lo]
    keep = rng.random(len(member)) < life.drift_factor(member, day)
    member, day = member[keep], np.floor(day[keep]).astype(np.int64)
    peak = latent.hour_peak[member, (rng.random(len(member)) < 0.5).astype(np.int64)]
    hour = np.mod(np.floor(rng.normal(peak, 2.0)), 24).astype(np.int64)
    return member, day * 86400 + hour * 3600 + rng.integers(0, 3600, len(member))


def _popular_product(rng, products: pd.DataFrame, categories: list[str], category: np.ndarray):
    """The id of a product of each given category, drawn by popularity."""
    u = rng.random(len(category))
    rows = pick_by_popularity(products, categories, category, u)
    return products["product_id"].to_numpy()[rows]
