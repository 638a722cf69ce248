"""How members change over the two years, and how they leave.

Two kinds of change, both dated and both recorded in the hidden truth:

- **Life events** (``LIFE_EVENTS``): a first child (baby and maternity products, bigger
  baskets), moving house (a new home store), retiring (mornings, weekdays, the store), going
  digital (store trips move to the app and mini-program) and joining the community
  group-buying push (社群团购). Each changes what, where or when the member buys from its
  date on.
- **Leaving** (流失): every buying member has a lifetime; before the end of it the member
  *drifts* — orders come less often and baskets shrink over weeks to months — so churn can
  be seen coming. Some leave after a trigger instead: a service failure (a returned or
  cancelled order just before the drift) or a competitor opening near their home store.

The purchase process (``purchases.py``) reads these as multipliers of the order rate; the
orders (``orders.py``) read them as changes of channel, store, hour and basket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursekit.synth.params import CHANNELS, Params
from coursekit.synth.population import Latent, Membership

LIFE_EVENTS = ("first_child", "moved", "retired", "digital_shift", "group_buy_joined")
TRIGGERS = ("none", "gradual", "service_failure", "competitor", "trial")

# Drift before leaving: its length ~ Gamma(DRIFT_SHAPE, mean DRIFT_MEAN_DAYS) (at least
# DRIFT_MIN_DAYS); over it the order rate falls as exp(-DRIFT_DECAY * progress ** DRIFT_POWER)
# and the basket by DRIFT_BASKET * progress (progress 0 at the drift start, 1 when gone).
# Long drifts are what make churn visible months ahead (a 6-month early warning works).
DRIFT_MEAN_DAYS = 330.0
DRIFT_SHAPE = 6.0
DRIFT_MIN_DAYS = 30.0
DRIFT_DECAY = 3.0
DRIFT_POWER = 0.7
DRIFT_BASKET = 0.6
# A share of the leavers leave after a bad experience, with a short drift.
SERVICE_FAILURE_SHARE = 0.2
SERVICE_FAILURE_DRIFT = (45.0, 120.0)
# Competitor openings: this share of stores sees one; each of the store's members leaves
# with probability COMPETITOR_PULL x (store share of their orders), some weeks later.
COMPETITOR_STORE_SHARE = 0.15
COMPETITOR_PULL = 0.5
COMPETITOR_DELAY_MEAN = 75.0
# Trial-only members leave within this many days of their first order.
TRIAL_GONE_DAYS = (2.0, 30.0)

# Life events: yearly rates (first child, going digital and group-buy recruitment per
# persona in personas.csv), ages, and what each changes.
MOVE_RATE = 0.03
RETIREMENT_AGE = {True: 55, False: 60}  # female, male (China's statutory ages)
RETIRE_SHARE = 0.7  # of those reaching the age in the window (the rest keep working)
FIRST_CHILD_AGES = (23, 42)
GROUP_BUY_PUSH = 0.33  # the community group-buying push starts at this share of the window
# Order rate multipliers from each event's date on.
RATE_AFTER = {
    "first_child": 1.15,
    "moved": 1.0,
    "retired": 1.2,
    "digital_shift": 1.05,
    "group_buy_joined": 1.1,
}
DIGITAL_SHIFT_MOVE = 0.85  # share of the store's probability that moves online
GROUP_BUY_WEIGHT = 0.35  # group-buy probability added after joining (before renormalizing)


@dataclass
class Lifecycle:
    """Per member (customer-table order): event days (nan: none) and the lifetime."""

    event_day: dict[str, np.ndarray]  # event -> float day from the window start
    new_home_store: np.ndarray  # store_id after moving (the old one if not moved)
    churn_day: np.ndarray  # float; >= n_days (or inf) means still a customer at the end
    drift_start: np.ndarray  # float; nan when the member does not leave in the window
    trigger: np.ndarray  # int index into TRIGGERS
    competitor: pd.DataFrame  # store_id, opening_day

    def rate_headroom(self) -> np.ndarray:
        """Upper bound of each member's rate multiplier (for thinning)."""
        bound = np.ones(len(self.churn_day))
        for event, factor in RATE_AFTER.items():
            if factor > 1:
                bound *= np.where(np.isnan(self.event_day[event]), 1.0, factor)
        return bound

    def rate_factor(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Order-rate multiplier of each (member, day): life events times the drift."""
        factor = np.ones(len(day))
        for event, mult in RATE_AFTER.items():
            if mult != 1:
                since = self.event_day[event][member]
                factor *= np.where(day >= since, mult, 1.0)  # nan compares False
        return factor * self.drift_factor(member, day)

    def progress(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """How far into the drift (0 before it, 1 when gone) each (member, day) is."""
        start = self.drift_start[member]
        length = np.maximum(self.churn_day[member] - start, 1.0)
        out = np.clip((day - start) / length, 0.0, 1.0)
        return np.where(np.isnan(start), 0.0, out)

    def drift_factor(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        # Steep at first, then flattening: the first months of a drift already show.
        return np.exp(-DRIFT_DECAY * self.progress(member, day) ** DRIFT_POWER)

    def basket_factor(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        return 1.0 - DRIFT_BASKET * self.progress(member, day)

    def after(self, event: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """True where the member's ``event`` happened on or before ``day``."""
        return day >= self.event_day[event][member]

    def events_table(self) -> pd.DataFrame:
        """Long form: member index, event, day (sorted by member, then day)."""
        frames = []
        for event in LIFE_EVENTS:
            days = self.event_day[event]
            who = np.flatnonzero(~np.isnan(days))
            frames.append(pd.DataFrame({"member": who, "event": event, "day": days[who]}))
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["member", "day", "event"], kind="stable", ignore_index=True)


def make_lifecycle(
    params: Params,
    membership: Membership,
    latent: Latent,
    stores: pd.DataFrame,
    n_days: int,
    rng: np.random.Generator,
    *,
    competitor: pd.DataFrame | None = None,
) -> Lifecycle:
    """Draw every member's life events and lifetime (one stream, fixed order of draws).

    The competitor openings are drawn from the same stream after the lifetimes, unless
    ``competitor`` (store_id, opening_day) gives them: a world generated in blocks draws
    them once for all its members.
    """
    n = len(latent.rate)
    T = float(n_days)
    P = params.personas
    begin = np.clip(latent.begin_day, 0.0, None)
    buys = (~latent.never_buys) & (begin < T)
    years = np.maximum(T - begin, 0.0) / 365.25

    def dated(prob: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """An event day in [lo, hi) with probability ``prob`` (nan otherwise)."""
        u, v = rng.random(n), rng.random(n)
        ok = (u < prob) & (hi > lo) & buys
        return np.where(ok, lo + v * np.maximum(hi - lo, 0.0), np.nan)

    event_day: dict[str, np.ndarray] = {}
    # First child: couples and singles of child-bearing age without children.
    age_start = membership.age_at_end - T / 365.25
    rate = P["first_child_rate"].to_numpy()[latent.persona]
    fertile = (~membership.has_children) & (age_start >= FIRST_CHILD_AGES[0] - 2)
    fertile &= age_start <= FIRST_CHILD_AGES[1]
    event_day["first_child"] = dated(
        np.where(fertile, 1 - np.exp(-rate * years), 0.0), begin + 30, np.full(n, T - 30)
    )
    # Moving house: a new home store, usually in the same city.
    event_day["moved"] = dated(1 - np.exp(-MOVE_RATE * years), begin + 30, np.full(n, T - 30))
    new_home = _new_home_store(membership.home_store, stores, rng)
    new_home = np.where(np.isnan(event_day["moved"]), membership.home_store, new_home)
    # Retiring: the day the member reaches the statutory age, if that falls in the window.
    retire_age = np.where(membership.female, RETIREMENT_AGE[True], RETIREMENT_AGE[False])
    reach = (retire_age - age_start) * 365.25
    crosses = (reach > begin) & (reach < T - 14) & (rng.random(n) < RETIRE_SHARE) & buys
    event_day["retired"] = np.where(crosses, reach, np.nan)
    # Going digital: store-minded members move their trips to the app and mini-program.
    store_share = latent.channel_p[:, CHANNELS.index("store")]
    shift = P["digital_shift_rate"].to_numpy()[latent.persona]
    event_day["digital_shift"] = dated(
        np.where(store_share >= 0.2, 1 - np.exp(-shift * years), 0.0), begin, np.full(n, T)
    )
    # The group-buying push: recruits join from its start on.
    push = GROUP_BUY_PUSH * T
    recruit = P["group_buy_recruit_rate"].to_numpy()[latent.persona]
    gb_share = latent.channel_p[:, CHANNELS.index("group_buy")]
    join_from = np.maximum(begin, push)
    event_day["group_buy_joined"] = dated(
        np.where(gb_share < 0.3, 1 - np.exp(-recruit * 2 * (T - join_from) / T), 0.0),
        join_from,
        np.full(n, T),
    )

    churn_day, drift_start, trigger = _lifetimes(latent, begin, buys, T, rng)
    if competitor is None:
        competitor = _competitor_openings(stores, T, rng)
    churn_day, drift_start, trigger = _competitor_churn(
        competitor, membership.home_store, store_share, begin, buys, churn_day, drift_start,
        trigger, rng,
    )  # fmt: skip
    # Events after leaving never happen.
    for event, days in event_day.items():
        event_day[event] = np.where(days < churn_day, days, np.nan)
    new_home = np.where(np.isnan(event_day["moved"]), membership.home_store, new_home)
    return Lifecycle(
        event_day=event_day,
        new_home_store=new_home,
        churn_day=churn_day,
        drift_start=drift_start,
        trigger=trigger,
        competitor=competitor,
    )


def _lifetimes(latent: Latent, begin, buys, T: float, rng: np.random.Generator):
    n = len(begin)
    life = rng.exponential(1.0, n) / np.maximum(latent.hazard, 1e-9)
    churn = np.where(buys, begin + life, np.inf)
    trial = buys & latent.trial_only
    churn = np.where(trial, begin + rng.uniform(*TRIAL_GONE_DAYS, n), churn)
    drift_len = np.maximum(rng.gamma(DRIFT_SHAPE, DRIFT_MEAN_DAYS / DRIFT_SHAPE, n), DRIFT_MIN_DAYS)
    failure = buys & ~trial & (rng.random(n) < SERVICE_FAILURE_SHARE)
    drift_len = np.where(failure, rng.uniform(*SERVICE_FAILURE_DRIFT, n), drift_len)
    drift = np.maximum(churn - drift_len, begin)
    leaves = buys & (churn < T)
    trigger = np.where(leaves, np.where(failure, 2, 1), 0)
    trigger = np.where(leaves & trial, 4, trigger)
    drift = np.where(leaves & ~trial, drift, np.nan)
    return churn, drift, trigger


def competitor_openings(stores: pd.DataFrame, n_days: int, rng) -> pd.DataFrame:
    """The stores a competitor opens next to, and the day (store_id, opening_day)."""
    return _competitor_openings(stores, float(n_days), rng)


def _competitor_openings(stores: pd.DataFrame, T: float, rng) -> pd.DataFrame:
    n_open = max(1, round(len(stores) * COMPETITOR_STORE_SHARE))
    pick = np.sort(rng.choice(len(stores), size=min(n_open, len(stores)), replace=False))
    days = np.floor(rng.uniform(0.2 * T, 0.75 * T, len(pick)))
    return pd.DataFrame(
        {"store_id": stores["store_id"].to_numpy()[pick], "opening_day": days.astype(np.int64)}
    )


def _competitor_churn(competitor, home_store, store_share, begin, buys, churn, drift, trigger, rng):
    n = len(home_store)
    opening = pd.Series(competitor["opening_day"].to_numpy(), index=competitor["store_id"])
    day = opening.reindex(home_store).to_numpy(dtype=float)  # nan: no competitor nearby
    pulled = buys & ~np.isnan(day) & (begin < day)
    pulled &= rng.random(n) < COMPETITOR_PULL * store_share
    gone = day + 14.0 + rng.exponential(COMPETITOR_DELAY_MEAN, n)
    takes = pulled & (gone < churn)
    churn = np.where(takes, gone, churn)
    drift = np.where(takes, day + rng.uniform(0.0, 14.0, n), drift)
    trigger = np.where(takes, 3, trigger)
    return churn, drift, trigger


def _new_home_store(home: np.ndarray, stores: pd.DataFrame, rng) -> np.ndarray:
    """A store other than the current one: in the same city 70% of the time."""
    ids = stores["store_id"].to_numpy()
    city = stores["city"].to_numpy()
    pos = pd.Index(ids).get_indexer(home)
    n = len(home)
    same_city = rng.random(n) < 0.7
    u = rng.random(n)
    out = np.empty(n, dtype=np.int64)
    for c in np.unique(city):
        options = ids[city == c]
        others = ids[city != c] if (city != c).any() else ids
        who = np.flatnonzero(city[pos] == c)
        # Same city (another store there if there is one), or any store elsewhere.
        local = options if len(options) > 1 else ids
        pick_local = local[np.minimum((u[who] * len(local)).astype(np.int64), len(local) - 1)]
        pick_far = others[np.minimum((u[who] * len(others)).astype(np.int64), len(others) - 1)]
        out[who] = np.where(same_city[who], pick_local, pick_far)
    # A draw that landed on the same store moves to the next store of the chain.
    same = out == home
    out[same] = ids[(pd.Index(ids).get_indexer(out[same]) + 1) % len(ids)]
    return out
