"""Who shops: stores, customers, and each customer's hidden persona and traits.

Faker is used only to build small pools (surnames, given names, street names) that are
then sampled with numpy; it is never called once per customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from faker import Faker

from coursekit.synth.params import CHANNELS, INCOME_BANDS, TRAITS, Params

ZH_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158,
     159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 199]
)  # fmt: skip


# How strongly the city tier pulls income up (tier 1) or down (tier 4), per income band.
INCOME_TIER_PULL = 0.35


@dataclass(frozen=True)
class NamePools:
    """Small pools drawn once from Faker; sampling them is vectorized."""

    surnames: np.ndarray
    female: np.ndarray
    male: np.ndarray
    streets: np.ndarray


def name_pools(locale: str, seed: int) -> NamePools:
    fake = Faker(locale)
    fake.seed_instance(seed)
    # Drawing (not deduplicating) keeps Faker's frequency weights: common surnames repeat.
    surnames = np.array([fake.last_name() for _ in range(600)], dtype=object)
    female = np.array([fake.first_name_female() for _ in range(300)], dtype=object)
    male = np.array([fake.first_name_male() for _ in range(300)], dtype=object)
    streets = np.array(sorted({fake.street_name() for _ in range(300)}), dtype=object)
    return NamePools(surnames=surnames, female=female, male=male, streets=streets)


@dataclass
class Latent:
    """Hidden per-customer parameters that drive every observed table (the ground truth)."""

    persona: np.ndarray  # int index into params.persona_names
    secondary: np.ndarray  # int: the persona each member partly resembles too
    blend: np.ndarray  # weight of the secondary persona in the member's habits (0..1)
    traits: np.ndarray  # n x len(TRAITS), z-scores
    rate: np.ndarray  # orders per day while active (lambda)
    hazard: np.ndarray  # probability per day of starting to leave (lifetime ~ Exp(hazard))
    channel_p: np.ndarray  # n x len(CHANNELS)
    category_p: np.ndarray  # n x n_categories
    coupon_p: np.ndarray  # probability an order uses a coupon
    loyalty_p: np.ndarray  # probability a line is the customer's usual product
    begin_day: np.ndarray  # first day (float, from window start) the customer can order
    existing: np.ndarray  # bool: member before the window started
    never_buys: np.ndarray  # bool: signed up but never ordered
    trial_only: np.ndarray  # bool: leaves after the first order
    mission_p: np.ndarray  # n x n_missions: what kind of trip each order is
    spend_level: np.ndarray  # basket size multiplier from income and city tier
    premium: np.ndarray  # int 0..4: how far up the price range the member buys
    hour_peak: np.ndarray  # n x 2: the two weekday peak hours
    peak2_share: np.ndarray  # share of weekday orders around the second peak
    hour_sd: np.ndarray
    weekend_hour: np.ndarray  # weekend peak hour
    weekend_hour_sd: np.ndarray
    tier: np.ndarray  # city tier 1..4 (the member's demographics, for effects inside a persona)
    income: np.ndarray  # income band index 0..4


def make_stores(params: Params, locale: str, rng: np.random.Generator, pools: NamePools):
    """Stores of the chain: a few per city, more in big cities; one warehouse club per big city."""
    cities = params.cities[params.cities["locale"] == locale].reset_index(drop=True)
    rows = []
    big_cities = set(cities.nlargest(4, "population")["city"])
    street_pick = rng.permutation(len(pools.streets))
    k = 0
    for _, city in cities.iterrows():
        for j in range(int(city["stores"])):
            if j == 0 and city["city_tier"] <= 2:
                fmt = "hypermarket"
            elif j == 1 and city["city"] in big_cities:
                fmt = "warehouse_club"
            else:
                fmt = "supermarket" if j % 2 == 0 else "community"
            street = pools.streets[street_pick[k % len(street_pick)]]
            k += 1
            if locale == "zh_CN":
                name = f"鲜邻{city['city']}{street}店"
            else:
                name = f"FreshNeighbor {city['city']} {street}"
            open_days = int(rng.integers(365, 365 * 12))
            rows.append(
                {
                    "city": city["city"],
                    "province": city["province"],
                    "city_tier": int(city["city_tier"]),
                    "format": fmt,
                    "name": name,
                    "open_days_before": open_days,
                }
            )
    stores = pd.DataFrame(rows)
    stores.insert(0, "store_id", np.arange(1, len(stores) + 1, dtype=np.int64))
    stores.insert(1, "store_code", [f"S{i:04d}" for i in stores["store_id"]])
    return stores


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix (vectorized inverse CDF)."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(probs))[:, None]
    return (u > cum).sum(axis=1)


def _dirichlet_rows(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    g = rng.gamma(np.maximum(alpha, 1e-3))
    return g / g.sum(axis=1, keepdims=True)


@dataclass
class Membership:
    """Who each member is, in customer-table order: persona and membership timeline."""

    persona: np.ndarray  # int index into params.persona_names
    existing: np.ndarray  # bool: member before the window started
    signup_day: np.ndarray  # float days from the window start (negative: before it)
    tier: np.ndarray  # city tier 1..4
    income: np.ndarray  # income band index 0..4
    female: np.ndarray  # bool
    age_at_end: np.ndarray  # whole years on the last day of the data
    has_children: np.ndarray  # bool, at signup
    household: np.ndarray  # people in the household, at signup
    home_store: np.ndarray  # store_id


def make_customers(
    params: Params,
    n: int,
    start: pd.Timestamp,
    n_days: int,
    locale: str,
    rng: np.random.Generator,
    pools: NamePools,
    stores: pd.DataFrame,
    *,
    first_id: int = 100001,
    phone_numbers=None,
) -> tuple[pd.DataFrame, Membership]:
    """The customer table: demographics drawn from each member's persona.

    Members are numbered from ``first_id`` in order of signup. Phone numbers are drawn
    distinct among these members, or come from ``phone_numbers(customer_ids, area_codes)``
    (a world generated in blocks needs numbers distinct across all blocks).
    """
    P = params.personas
    persona = rng.choice(len(P), size=n, p=P["share"].to_numpy())
    needed = ("female_share", "age_mean", "age_sd", "children_prob", "household_mean")
    col = {c: P[c].to_numpy()[persona] for c in needed}

    female = rng.random(n) < col["female_share"]
    age = np.clip(rng.normal(col["age_mean"], col["age_sd"]), 18, 85)
    has_children = rng.random(n) < col["children_prob"]
    household = 1 + rng.poisson(np.maximum(col["household_mean"] - 1, 0.05))
    household = np.where(has_children, np.maximum(household, 2), household)
    household = np.clip(household, 1, 8)
    cities = params.cities[params.cities["locale"] == locale].reset_index(drop=True)
    tier = _choice_rows(rng, params.weights("city_tier", [1, 2, 3, 4])[persona]) + 1
    # Income follows the persona and, on its own, the city: first-tier households earn more.
    band = np.arange(len(INCOME_BANDS)) - (len(INCOME_BANDS) - 1) / 2
    city_pull = np.exp(INCOME_TIER_PULL * np.outer(2.5 - tier, band))
    income = _choice_rows(rng, params.weights("income_band", INCOME_BANDS)[persona] * city_pull)
    city_idx = np.empty(n, dtype=np.int64)
    for t in range(1, 5):
        in_tier = np.flatnonzero(tier == t)
        pool = np.flatnonzero(cities["city_tier"].to_numpy() == t)
        w = cities["population"].to_numpy()[pool]
        city_idx[in_tier] = pool[rng.choice(len(pool), size=len(in_tier), p=w / w.sum())]

    # Home store: a store in the customer's city; bulk buyers favour the warehouse club.
    bulk = P.index.get_loc("affluent_bulk") if "affluent_bulk" in P.index else -1
    home_store = np.empty(n, dtype=np.int64)
    store_city = stores["city"].to_numpy()
    store_fmt = stores["format"].to_numpy()
    for c in np.unique(city_idx):  # city indices, not strings: cheap for a million rows
        who = np.flatnonzero(city_idx == c)
        options = np.flatnonzero(store_city == cities["city"].iloc[c])
        for is_bulk in (False, True):
            sel = who[(persona[who] == bulk) == is_bulk]
            w = np.ones(len(options))
            if is_bulk:
                w[store_fmt[options] == "warehouse_club"] = 6.0
            home_store[sel] = stores["store_id"].to_numpy()[
                options[rng.choice(len(options), size=len(sel), p=w / w.sum())]
            ]

    # Membership timeline: 40% joined before the window, the rest during it.
    existing = rng.random(n) < 0.4
    signup_day = np.where(
        existing,
        -rng.uniform(1, 3 * 365, size=n),
        rng.uniform(0, max(n_days - 14, 1), size=n),
    )
    signup_channel = _choice_rows(rng, params.weights("signup_channel", CHANNELS)[persona])

    # Names and phones from the small pools.
    surname = pools.surnames[rng.integers(0, len(pools.surnames), n)]
    given = np.where(
        female,
        pools.female[rng.integers(0, len(pools.female), n)],
        pools.male[rng.integers(0, len(pools.male), n)],
    )
    name = surname + given if locale == "zh_CN" else given + " " + surname
    area_codes = cities["area_code"].to_numpy()[city_idx]
    phone = None if phone_numbers is not None else _unique_phones(rng, n, locale, area_codes)

    # Member numbers grow with signup time: sort customers by signup.
    order = np.argsort(signup_day, kind="stable")
    end = start + pd.Timedelta(days=n_days - 1)
    days_old = np.floor(age[order] * 365.25).astype(np.int64) + rng.integers(0, 365, n)
    last_day = end.to_datetime64().astype("datetime64[D]")
    birth = (last_day - days_old).astype("datetime64[ns]")
    birth_idx = pd.DatetimeIndex(birth)
    age_years = (end.year - birth_idx.year) - (
        (end.month < birth_idx.month) | ((end.month == birth_idx.month) & (end.day < birth_idx.day))
    )
    first_day = start.to_datetime64().astype("datetime64[D]")
    signup_date = (first_day + np.floor(signup_day[order]).astype(np.int64)).astype(
        "datetime64[ns]"
    )
    customer_id = np.arange(first_id, first_id + n, dtype=np.int64)
    if phone_numbers is not None:
        phone_sorted = np.asarray(phone_numbers(customer_id, area_codes[order]), dtype=np.int64)
    else:
        phone_sorted = phone[order]
    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "name": _strings(pa.array(name[order], type=pa.string())),
            "gender": _vocabulary(["male", "female"], female[order].astype(np.int64)),
            "birth_date": birth,
            "age": np.asarray(age_years, dtype=np.int64),
            "city": _vocabulary(cities["city"], city_idx[order]),
            "city_tier": tier[order].astype(np.int64),
            "phone": _strings(pa.array(phone_sorted).cast(pa.string())),
            "signup_date": signup_date,
            "signup_channel": _vocabulary(CHANNELS, signup_channel[order]),
            "member_level": _vocabulary(["regular"], np.zeros(n, dtype=np.int64)),  # set later
            "household_size": household[order].astype(np.int64),
            "has_children": has_children[order],
            "income_band": _vocabulary(INCOME_BANDS, income[order]),
            "home_store_id": home_store[order],
        },
        copy=False,
    )
    membership = Membership(
        persona=persona[order],
        existing=existing[order],
        signup_day=signup_day[order],
        tier=tier[order].astype(np.int64),
        income=income[order].astype(np.int64),
        female=female[order],
        age_at_end=np.asarray(age_years, dtype=np.int64),
        has_children=has_children[order],
        household=household[order].astype(np.int64),
        home_store=home_store[order],
    )
    return customers, membership


# Inside a persona, income and city tier act on their own (what demographics explain):
# basket size per income band and per city tier 1..4, and the pull of the city tier on
# the digital channels (first-tier members order online more, lower tiers join
# community group buying more).
SPEND_BY_INCOME = np.array([0.78, 0.9, 1.0, 1.12, 1.28])
SPEND_BY_TIER = np.array([1.12, 1.05, 0.97, 0.9])
DIGITAL_BY_TIER = np.array([1.5, 1.2, 0.9, 0.7])
GROUP_BUY_BY_TIER = np.array([0.5, 0.8, 1.2, 1.6])
# Convenience-minded members lean to app and mini-program: exp(weight * trait deviation).
DIGITAL_CONVENIENCE_WEIGHT = 0.6
# Mixed membership: each member also resembles a second persona with weight ~ Beta(a, b).
# This is what keeps personas findable but not written on the data (k-means recovers
# them only in part).
BLEND_BETA = (1.0, 40.0)


def make_latent(params: Params, membership: Membership, rng: np.random.Generator) -> Latent:
    """Hidden traits and purchase parameters of each member, drawn from the persona."""
    P = params.personas
    persona = membership.persona
    n = len(persona)
    col = {c: P[c].to_numpy()[persona] for c in P.columns if P[c].dtype.kind in "fi"}

    # Latent traits: persona mean plus individual variation.
    means = P[[f"trait_{t}" for t in TRAITS]].to_numpy()[persona]
    traits = means + rng.normal(0.0, 0.8, size=(n, len(TRAITS)))
    dev = traits - means

    # A second persona each member partly resembles (never their own).
    k = len(P)
    shares = P["share"].to_numpy()
    secondary = _choice_rows(rng, np.tile(shares, (n, 1)) * (np.arange(k) != persona[:, None]))
    blend = rng.beta(*BLEND_BETA, size=n)

    def mixed(matrix: np.ndarray) -> np.ndarray:
        return (1 - blend)[:, None] * matrix[persona] + blend[:, None] * matrix[secondary]

    existing = membership.existing
    never_buys = (~existing) & (rng.random(n) < 0.03)
    first_delay = rng.exponential(1.5, size=n)
    begin_day = np.where(existing, 0.0, membership.signup_day + first_delay)

    # Purchase process: rate ~ Gamma per persona; the hazard of leaving is rate x dropout
    # (as in BG/NBD, where a customer leaves after each order with probability p), so the
    # expected lifetime is 1 / (rate * dropout) days.
    loyal = dev[:, TRAITS.index("loyalty")]
    mean_rate = 1.0 / col["order_gap_days"]
    rate = rng.gamma(col["rate_shape"], mean_rate / col["rate_shape"])
    a = col["dropout_mean"] * col["dropout_concentration"]
    b = (1 - col["dropout_mean"]) * col["dropout_concentration"]
    dropout = np.clip(rng.beta(a, b) * np.exp(-0.3 * loyal), 1e-4, 0.95)

    # Channels: the mixed persona profile, tilted by city tier and convenience.
    tier_idx = membership.tier - 1
    channel_base = mixed(params.weights("channel", CHANNELS))
    digital = DIGITAL_BY_TIER[tier_idx] * np.exp(
        DIGITAL_CONVENIENCE_WEIGHT * dev[:, TRAITS.index("convenience")]
    )
    for c in ("app", "mini_program"):
        channel_base[:, CHANNELS.index(c)] *= digital
    channel_base[:, CHANNELS.index("group_buy")] *= GROUP_BUY_BY_TIER[tier_idx]
    channel_base /= channel_base.sum(axis=1, keepdims=True)
    channel_p = _dirichlet_rows(rng, channel_base * col["channel_concentration"][:, None])

    # Categories: the mixed persona mix, tilted by the individual's traits.
    cats = params.categories
    base = mixed(params.weights("category", list(cats.index)))
    tilt = np.ones_like(base)
    for j, (trait, weight) in enumerate(zip(cats["trait"], cats["trait_weight"], strict=True)):
        if trait:
            tilt[:, j] = np.exp(weight * dev[:, TRAITS.index(trait)])
    category_p = _dirichlet_rows(rng, base * tilt * col["category_concentration"][:, None])
    price = dev[:, TRAITS.index("price")]
    mission_p = _dirichlet_rows(
        rng, mixed(params.weights("mission", list(params.missions.index))) * 20.0
    )

    # Income and city: bigger baskets and dearer brands higher up; price-minded members
    # stay lower in the price range whatever they earn.
    income = membership.income
    spend_level = SPEND_BY_INCOME[income] * SPEND_BY_TIER[tier_idx]
    premium = np.clip(
        np.round(income + 0.5 * (2.5 - membership.tier) - 0.8 * price), 0, len(INCOME_BANDS) - 1
    ).astype(np.int64)

    # Time of day: each member's own peaks, near the (mixed) persona's.
    peaks = P[["hour_peak1", "hour_peak2"]].to_numpy(dtype=float)
    hour_peak = mixed(peaks) + rng.normal(0.0, 0.7, size=(n, 2))
    weekend_hour = mixed(P[["weekend_hour_peak"]].to_numpy(dtype=float))[:, 0]
    weekend_hour = weekend_hour + rng.normal(0.0, 0.7, size=n)
    return Latent(
        persona=persona,
        secondary=secondary,
        blend=blend,
        traits=traits,
        rate=rate,
        hazard=rate * dropout,
        channel_p=channel_p,
        category_p=category_p,
        coupon_p=np.clip(col["coupon_rate"] * np.exp(0.5 * price), 0.0, 0.9),
        loyalty_p=np.clip(col["brand_loyalty"] + 0.08 * loyal, 0.0, 0.95),
        begin_day=begin_day,
        existing=existing,
        never_buys=never_buys,
        trial_only=rng.random(n) < col["trial_only"],
        mission_p=mission_p,
        spend_level=spend_level,
        premium=premium,
        hour_peak=hour_peak,
        peak2_share=col["peak2_share"],
        hour_sd=col["hour_sd"],
        weekend_hour=weekend_hour,
        weekend_hour_sd=col["weekend_hour_sd"],
        tier=membership.tier,
        income=income,
    )


def _strings(values: pa.Array):
    """pandas' string column from an Arrow array (no per-row Python objects)."""
    return pd.Series(values, dtype="str").array


def _vocabulary(words, codes: np.ndarray):
    """A string column holding ``words[codes]``, built by Arrow's take (fast for millions)."""
    return _strings(pa.array(list(words), type=pa.string()).take(pa.array(codes)))


def _unique_phones(rng: np.random.Generator, n: int, locale: str, area_codes) -> np.ndarray:
    """Distinct mobile numbers as integers (11 digits in China, 10 in the US)."""
    if locale == "zh_CN":
        prefix = ZH_MOBILE_PREFIXES[rng.integers(0, len(ZH_MOBILE_PREFIXES), n)].astype(np.int64)
        number = prefix * 10**8 + rng.integers(0, 10**8, n)
    else:
        area = np.asarray(area_codes, dtype=np.int64)
        number = area * 10**7 + rng.integers(2 * 10**6, 10**7, n)
    # Resolve the rare collisions by redrawing until every number is distinct.
    while True:
        dup = np.flatnonzero(pd.Series(number).duplicated().to_numpy())
        if len(dup) == 0:
            break
        number[dup] = (number[dup] // 10**7) * 10**7 + rng.integers(2 * 10**6, 10**7, len(dup))
    return number
