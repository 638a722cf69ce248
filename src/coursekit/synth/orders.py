"""What each order looks like: channel, store, time of day, status, basket and amounts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.campaigns import SPEND_WINDOW_DAYS
from coursekit.synth.catalog import pick_by_popularity
from coursekit.synth.fastsort import run_starts, stable_order
from coursekit.synth.lifecycle import DIGITAL_SHIFT_MOVE, GROUP_BUY_WEIGHT, Lifecycle
from coursekit.synth.params import CHANNELS, TRAITS, Params
from coursekit.synth.population import Latent
from coursekit.synth.purchases import OrderTimes, hours_of_day
from coursekit.synth.response import campaign_response

CHUNK = 2_000_000  # rows per block when a draw needs an (rows x levels) matrix


def _sorted_categorical(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    """A categorical of the used categories in alphabetical order (the schema's form)."""
    counts = np.bincount(codes[codes >= 0], minlength=len(categories))
    used = np.flatnonzero(counts)
    names = sorted(categories[i] for i in used)
    if names == list(categories):  # every category used, already in order: codes as they are
        return pd.Categorical.from_codes(codes, categories=names)
    remap = np.full(len(categories) + 1, -1, dtype=np.int64)  # last slot: missing (-1)
    remap[used] = [names.index(categories[i]) for i in used]
    return pd.Categorical.from_codes(remap[codes], categories=names)


def choice_by_owner(
    rng: np.random.Generator, probs: np.ndarray, owner: np.ndarray, chunk: int = CHUNK
) -> np.ndarray:
    """One categorical draw per row, from the probability row of its owner.

    The draw is the number of entries of the owner's cumulative row below a uniform
    ``u``. It is found by a binary search run for all rows at once: a few gathers per row
    instead of copying the whole (rows x levels) block, with exactly the same result
    (rows of a cumulative sum never decrease). Works in blocks of ``chunk`` rows.
    """
    # float32 halves the memory traffic of the gathers; plenty of precision.
    cum = np.cumsum(probs, axis=1).astype(np.float32)
    cum[:, -1] = 1.0
    levels = cum.shape[1]
    flat = cum.ravel()
    top = 1 << (levels.bit_length() - 1)  # the largest power of two <= levels
    out = np.empty(len(owner), dtype=np.int64)
    u = rng.random(len(owner))
    for lo in range(0, len(owner), chunk):
        block_u = u[lo : lo + chunk]
        row_start = owner[lo : lo + chunk].astype(np.int64) * levels - 1  # + k: k-th entry
        below = np.zeros(len(block_u), dtype=np.int64)
        step = top
        while step:
            # Is the (below + step)-th entry still below u? Past the row's end the last
            # entry is read instead: 1.0, never below u.
            candidate = np.minimum(below + step, levels)
            np.copyto(below, candidate, where=flat[row_start + candidate] < block_u)
            step >>= 1
        out[lo : lo + chunk] = below
    return out


def _channels(latent: Latent, life: Lifecycle, cust, day, rng) -> np.ndarray:
    """Channel of each order from the member's mix on that day.

    Going digital moves most of the store's share to the app and mini-program (in their
    own proportions); joining the group-buying push adds group buying.
    """
    store, app, mini, group = (CHANNELS.index(c) for c in CHANNELS)
    out = np.empty(len(cust), dtype=np.int64)
    u = rng.random(len(cust))
    for lo in range(0, len(cust), CHUNK):
        c, d = cust[lo : lo + CHUNK], day[lo : lo + CHUNK]
        p = latent.channel_p[c].copy()
        shifted = life.after("digital_shift", c, d)
        moved = p[:, store] * DIGITAL_SHIFT_MOVE * shifted
        online = p[:, app] + p[:, mini] + 1e-9
        p[:, app] += moved * p[:, app] / online
        p[:, mini] += moved * p[:, mini] / online
        p[:, store] -= moved
        p[:, group] += GROUP_BUY_WEIGHT * life.after("group_buy_joined", c, d)
        cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
        cum[:, -1] = 1.0
        out[lo : lo + CHUNK] = (u[lo : lo + CHUNK, None] > cum).sum(axis=1)
    return out


def occasion_of(weekend: np.ndarray, hour: np.ndarray, params: Params) -> np.ndarray:
    """Occasion index (row of ``params.occasions``) of each order from its day and hour."""
    occ = params.occasions
    out = np.full(len(hour), -1, dtype=np.int64)
    for k, row in enumerate(occ.itertuples()):
        at = (weekend == bool(row.weekend)) & (hour >= row.hour_from) & (hour < row.hour_to)
        out[at] = k
    return out


def make_orders(
    times: OrderTimes,
    latent: Latent,
    life: Lifecycle,
    customers: pd.DataFrame,
    stores: pd.DataFrame,
    products: pd.DataFrame,
    params: Params,
    campaigns: pd.DataFrame,
    assignments: pd.DataFrame,
    start: pd.Timestamp,
    rng: np.random.Generator,
    rng_items: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Orders, order items and final campaign assignments (with redeemed / spend_after)."""
    P = params.personas
    cust = times.customer
    persona = latent.persona[cust]
    n_orders = len(cust)

    channel = _channels(latent, life, cust, times.day, rng)
    is_store = channel == CHANNELS.index("store")
    is_group = channel == CHANNELS.index("group_buy")

    # Store: usually the home store (the new one after moving house), sometimes another
    # store in the same city.
    home = customers["home_store_id"].to_numpy()[cust]
    home = np.where(life.after("moved", cust, times.day), life.new_home_store[cust], home)
    store_ids = stores["store_id"].to_numpy()
    _, store_city_code = np.unique(stores["city"].to_numpy(), return_inverse=True)
    by_city = np.argsort(store_city_code, kind="stable")  # store rows grouped by city
    first_of_city = np.searchsorted(store_city_code[by_city], np.arange(store_city_code.max() + 1))
    n_in_city = np.bincount(store_city_code)
    home_city = store_city_code[pd.Index(store_ids).get_indexer(home)]
    pick = first_of_city[home_city] + rng.integers(0, 1 << 30, n_orders) % n_in_city[home_city]
    store_id = np.where(rng.random(n_orders) < 0.9, home, store_ids[by_city[pick]])

    # Timestamp: the process gives the day; the member's habits give the hour, which
    # differs between weekdays and weekends (and after retiring).
    day_int = np.floor(times.day).astype(np.int64)
    weekend = (start.day_of_week + day_int) % 7 >= 5
    retired = life.after("retired", cust, times.day)
    hour = hours_of_day(latent, cust, weekend, is_store, retired, rng)
    minute = rng.integers(0, 60, n_orders)
    second = np.where(is_group, 0, rng.integers(0, 60, n_orders))
    offset_s = day_int * 86400 + hour * 3600 + minute * 60 + second
    offset_s = _distinct_per_customer(cust, day_int, offset_s)
    ts = np.datetime64(start.to_datetime64(), "s") + offset_s.astype("timedelta64[s]")

    # Status: a few cancellations online and returns; the service failure that starts a
    # member's drift away is a cancelled delivery online or a return in the store.
    cancel = (~is_store) & (rng.random(n_orders) < P["cancel_rate"].to_numpy()[persona])
    returned = (~cancel) & (rng.random(n_orders) < P["return_rate"].to_numpy()[persona])
    cancel |= times.failure & ~is_store
    returned = (returned | (times.failure & is_store)) & ~cancel
    status = np.where(cancel, 2, np.where(returned, 1, 0))  # completed, returned, cancelled

    # Order ids follow time, as a till or an order system would number them. Rows are in
    # customer order, so a stable sort by time breaks ties by customer.
    order = stable_order(offset_s)
    cust, persona, channel, store_id = cust[order], persona[order], channel[order], store_id[order]
    ts, status, is_group = ts[order], status[order], is_group[order]
    hour, weekend, day = hour[order], weekend[order], times.day[order]
    order_id = np.arange(1_000_001, 1_000_001 + n_orders, dtype=np.int64)
    occasion = occasion_of(weekend, hour, params)
    del order, retired, minute, second, home

    items, gross = _make_items(
        rng_items, cust, persona, is_group, order_id, day, occasion, latent, life, products, params
    )

    # Everyday coupons: price-conscious customers use them more. Group-buy prices are final.
    coupon_code = np.full(n_orders, -1, dtype=np.int64)  # index into coupon_names
    month_key = ts.astype("datetime64[M]")
    months = np.unique(month_key)
    coupon_names = [f"MJ{str(m)[2:4]}{str(m)[5:7]}" for m in months]
    use = (~is_group) & (rng.random(n_orders) < latent.coupon_p[cust])
    coupon_code[use] = np.searchsorted(months, month_key[use])
    rate = P["discount_mean"].to_numpy()[persona] * rng.uniform(0.6, 1.4, n_orders)
    discount = np.where(use, np.round(gross * rate, 2), 0.0)

    # Campaign coupons: a contacted member may redeem on their first completed order in
    # the window (the response model says how likely).
    completed = status == 0
    day_of = (ts - np.datetime64(start.to_datetime64(), "s")).astype(np.int64) // 86400
    assign_cust = assignments["customer"].to_numpy()
    redeemed = np.zeros(len(assignments), dtype=bool)
    spend_after = np.zeros(len(assignments))
    means = P[[f"trait_{t}" for t in TRAITS]].to_numpy()[latent.persona]
    for _, c in campaigns.iterrows():
        s, e = int(c["_offset"]), int(c["_offset"] + c["_duration"])
        rows = np.flatnonzero(assignments["campaign_id"].to_numpy() == c["campaign_id"])
        treated_rows = rows[assignments["treated"].to_numpy()[rows]]
        treated_cust = assign_cust[treated_rows]
        response = campaign_response(
            params,
            latent.persona[treated_cust],
            latent.traits[treated_cust] - means[treated_cust],
            c["type"],
            c["discount_rate"],
        )
        want = np.zeros(len(latent.rate), dtype=bool)
        want[treated_cust[rng.random(len(treated_cust)) < response.redeem_prob]] = True
        # Orders are in time order: a customer's first candidate is their earliest.
        cand = np.flatnonzero(completed & (day_of >= s) & (day_of < e) & ~is_group & want[cust])
        first = cand[np.unique(cust[cand], return_index=True)[1]]
        code = len(coupon_names)
        coupon_names.append(c["coupon_code"])
        coupon_code[first] = code
        discount[first] = np.round(gross[first] * float(c["discount_rate"]), 2)
        got = np.zeros(len(latent.rate), dtype=bool)
        got[cust[first]] = True
        redeemed[treated_rows] = got[assign_cust[treated_rows]]
    net = np.round(gross - discount, 2)
    for _, c in campaigns.iterrows():
        s = int(c["_offset"])
        rows = np.flatnonzero(assignments["campaign_id"].to_numpy() == c["campaign_id"])
        window = completed & (day_of >= s) & (day_of < s + SPEND_WINDOW_DAYS)
        spend = np.bincount(cust[window], weights=net[window], minlength=len(latent.rate))
        spend_after[rows] = np.round(spend[assign_cust[rows]], 2)

    customer_id = customers["customer_id"].to_numpy()
    orders = pd.DataFrame(
        copy=False,
        data={
            "order_id": order_id,
            "customer_id": customer_id[cust],
            "store_id": store_id.astype(np.int64),
            "channel": _sorted_categorical(channel, list(CHANNELS)),
            "order_ts": ts.astype("datetime64[ns]"),
            "status": _sorted_categorical(status, ["completed", "returned", "cancelled"]),
            "gross_amount": gross,
            "discount_amount": discount,
            "net_amount": net,
            "coupon_id": _sorted_categorical(coupon_code, coupon_names),
        },
    )
    final_assignments = pd.DataFrame(
        {
            "campaign_id": assignments["campaign_id"].to_numpy().astype(np.int64),
            "customer_id": customer_id[assign_cust],
            "group": np.where(assignments["treated"].to_numpy(), "treatment", "control"),
            "redeemed": redeemed,
            "spend_after": spend_after,
        }
    )
    final_assignments = final_assignments.sort_values(
        ["campaign_id", "customer_id"], kind="stable", ignore_index=True
    )
    return orders, items, final_assignments


def _distinct_per_customer(cust, day_int, offset_s: np.ndarray) -> np.ndarray:
    """Move a customer's same-minute orders a minute apart.

    Orders are then identified by (customer, time), so ids can be rebuilt from the raw
    exports by ranking orders by time (module 01's integration relies on it). Rows are
    sorted by customer then day; a clash can only happen within one (customer, day).
    """
    offset_s = offset_s.copy()
    group = np.cumsum(run_starts(cust) | run_starts(day_int)) - 1
    while True:
        minute = (offset_s % 86400) // 60
        key = group * 1440 + minute
        order = stable_order(key)
        sorted_key = key[order]
        clash = order[1:][sorted_key[1:] == sorted_key[:-1]]
        if len(clash) == 0:
            return offset_s
        # Stay on the same day: move forward, or back from the last minute of the day.
        offset_s[clash] += np.where(minute[clash] < 1439, 60, -60)


# After a first child, baby-care trips are this many times as likely, and this share of
# the everyday category mix moves to the baby profile below.
BABY_MISSION_BOOST = 4.0
BABY_MIX_SHARE = 0.35
BABY_PROFILE = {"baby_maternity": 0.7, "dairy_eggs": 0.15, "household": 0.15}
QUANTITY_PRICE = 30.0  # above this shelf price, fewer extra units per line


def _make_items(
    rng, cust, persona, is_group, order_id, day, occasion, latent, life, products, params
):
    """Basket lines: a mission per trip, categories from it and the customer's mix,
    products by popularity, price level or habit.

    Intermediate arrays use 32-bit types: a million customers make ~40M lines.
    """
    P = params.personas
    n_orders = len(cust)
    n_cust = len(latent.rate)
    categories = list(params.categories.index)
    missions = list(params.missions.index)
    baby = life.after("first_child", cust, day)

    # Each order is a trip with a mission (breakfast run, stock-up, ...) that depends on
    # the occasion: the weekday-morning commute, the evening top-up, the weekend trip.
    occ_factor = (
        params.occasion_missions.reindex(index=params.occasions.index, columns=missions)
        .fillna(1.0)
        .to_numpy()
    )
    boost = np.ones(len(missions))
    boost[missions.index("baby_care")] = BABY_MISSION_BOOST
    mission = np.empty(n_orders, dtype=np.int64)
    u = rng.random(n_orders)
    for lo in range(0, n_orders, CHUNK):
        sl = slice(lo, lo + CHUNK)
        p = latent.mission_p[cust[sl]] * occ_factor[occasion[sl]]
        p = np.where(baby[sl, None], p * boost, p)
        cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
        cum[:, -1] = 1.0
        mission[sl] = (u[sl, None] > cum).sum(axis=1)
    del u

    # Basket size: persona, income and city, occasion, mission, and the drift before leaving.
    size = (
        P["lines_mean"].to_numpy()[persona]
        * latent.spend_level[cust]
        * params.occasions["lines_factor"].to_numpy()[occasion]
        * params.mission_size.reindex(missions).to_numpy()[mission]
        * life.basket_factor(cust, day)
    )
    n_lines = np.where(is_group, 1, 1 + rng.poisson(np.maximum(size - 1, 0.01)))
    n_lines = np.minimum(n_lines, 25)
    line_order = np.repeat(np.arange(n_orders, dtype=np.int32), n_lines)
    line_cust = cust.astype(np.int32)[line_order]
    n_items = len(line_order)

    # Most lines come from the mission's categories, the rest from the customer's
    # everyday mix (after a first child, partly the baby profile). Missions are what make
    # categories co-occur in baskets (association rules in module 05).
    share = P["mission_share"].to_numpy().astype(np.float32)[persona][line_order]
    from_mission = rng.random(n_items) < share
    del share
    category = np.empty(n_items, dtype=np.int8)
    category[from_mission] = choice_by_owner(
        rng, params.missions.to_numpy(), mission[line_order[from_mission]]
    )
    del mission
    baby_mix = np.zeros(len(categories))
    for cat, w in BABY_PROFILE.items():
        baby_mix[categories.index(cat)] = w
    parents = np.flatnonzero(~np.isnan(life.event_day["first_child"]))
    after_mix = (1 - BABY_MIX_SHARE) * latent.category_p[parents] + BABY_MIX_SHARE * baby_mix
    mix = np.vstack([latent.category_p, after_mix])
    row_of_parent = np.full(n_cust, -1, dtype=np.int64)
    row_of_parent[parents] = n_cust + np.arange(len(parents))
    owner = line_cust.astype(np.int64)
    after = baby[line_order]
    owner[after] = row_of_parent[owner[after]]
    everyday = ~from_mission
    category[everyday] = choice_by_owner(rng, mix, owner[everyday])
    del from_mission, owner, after, everyday

    # A customer's usual product per category (a fixed pick at their price level) or, for
    # a less loyal moment, any product by popularity and price level.
    loyal = rng.random(n_items) < latent.loyalty_p[line_cust]
    draw = rng.random(n_items)
    draw[loyal] = _habit_uniform(line_cust[loyal], category[loyal], int(rng.integers(0, 2**62)))
    del loyal
    product_index = pick_by_popularity(
        products, categories, category, draw, level=latent.premium[line_cust]
    )
    del draw, category, line_cust

    # Several units of cheap things, one of dear things: the extra units shrink with price.
    prices = products["unit_price"].to_numpy()
    unit_price = prices[product_index]
    cheap = np.minimum(1.0, (QUANTITY_PRICE / prices) ** 0.7)[product_index]
    q_mean = P["quantity_mean"].to_numpy()[persona][line_order]
    extra = (q_mean - 1) * cheap
    del cheap
    quantity = np.minimum(1 + rng.poisson(np.maximum(extra, 0.01)), 20).astype(np.int64)
    del q_mean, extra
    line_amount = np.round(quantity * unit_price, 2)
    gross = np.round(np.bincount(line_order, weights=line_amount, minlength=n_orders), 2)
    items = pd.DataFrame(
        copy=False,  # fresh arrays: no need to copy tens of millions of rows again
        data={
            "order_id": order_id[line_order],
            "product_id": products["product_id"].to_numpy()[product_index],
            "quantity": quantity,
            "unit_price": unit_price,
            "line_amount": line_amount,
        },
    )
    return items, gross


def _habit_uniform(customer: np.ndarray, category: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic uniform in [0, 1) per (customer, category): the habitual product."""
    key = customer.astype(np.uint64) * np.uint64(1_000_003) + category.astype(np.uint64)
    key = key + np.uint64(salt)
    # splitmix64 finalizer: cheap, well mixed, no per-customer state to store.
    z = key + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
