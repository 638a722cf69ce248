"""When customers buy: a Poisson process per customer, shaped by the calendar and by
the member's own life.

Each customer orders at rate ``lambda`` (orders per day, Gamma across customers) times
the day's seasonal and weekday multiplier, until the end of their lifetime
(``lifecycle.py``). Their life changes the rate: a first child or retiring raises it, the
drift before leaving lowers it towards zero. Such a process is drawn by *thinning*:
candidate orders at the highest rate the member ever has, each kept with probability
(rate on its day) / (highest rate). Candidates come out sorted: ``N`` sorted uniforms are
the cumulative sums of ``N + 1`` Exp(1) spacings divided by their total, mapped through the
inverse cumulative intensity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursekit.synth.calendar import seasonal_multiplier, weekday_multiplier
from coursekit.synth.lifecycle import Lifecycle
from coursekit.synth.params import Params
from coursekit.synth.population import Latent


@dataclass
class Intensity:
    """Per persona: cumulative order intensity at day edges (length n_days + 1)."""

    cumulative: np.ndarray  # personas x (n_days + 1)
    days: pd.DatetimeIndex

    @property
    def n_days(self) -> int:
        return len(self.days)

    def at(self, persona: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Cumulative intensity at fractional day ``t`` for each customer's persona."""
        out = np.empty(len(t))
        grid = np.arange(self.n_days + 1, dtype=float)
        for g in np.unique(persona):
            sel = persona == g
            out[sel] = np.interp(t[sel], grid, self.cumulative[g])
        return out

    def inverse(self, persona: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Fractional day at which the cumulative intensity reaches ``value``."""
        out = np.empty(len(value))
        grid = np.arange(self.n_days + 1, dtype=float)
        for g in np.unique(persona):
            sel = persona == g
            out[sel] = np.interp(value[sel], self.cumulative[g], grid)
        return out


def make_intensity(params: Params, days: pd.DatetimeIndex) -> Intensity:
    season = seasonal_multiplier(days, params)
    rows = []
    for weekend_factor in params.personas["weekend_factor"]:
        daily = season * weekday_multiplier(days, float(weekend_factor))
        rows.append(np.concatenate([[0.0], np.cumsum(daily)]))
    return Intensity(cumulative=np.vstack(rows), days=days)


@dataclass
class OrderTimes:
    """Order times before attributes: customer index and fractional day, plus churn truth."""

    customer: np.ndarray  # int64 index into the customer table
    day: np.ndarray  # float days from window start
    failure: np.ndarray  # bool: the order that went wrong just before a member drifted away
    alive: np.ndarray  # bool per customer
    churn_day: np.ndarray  # float per customer (nan when alive)


def _segment_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each segment (segments given by their lengths)."""
    total = np.cumsum(values)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    before = np.concatenate([[0.0], total])[starts]  # sum of all earlier segments
    return total - np.repeat(before, counts)


def draw_order_times(
    latent: Latent, life: Lifecycle, intensity: Intensity, rng: np.random.Generator
) -> OrderTimes:
    """Order days per customer (vectorized over customers), sorted by customer then day."""
    n = len(latent.rate)
    T = float(intensity.n_days)
    begin = np.clip(latent.begin_day, 0.0, None)
    can_buy = (~latent.never_buys) & (begin < T)
    new = ~latent.existing
    stop = np.clip(np.minimum(life.churn_day, T), begin, None)
    headroom = life.rate_headroom()

    # Candidates at the highest rate, between the first possible day and the end of life.
    c_begin = intensity.at(latent.persona, begin)
    c_stop = intensity.at(latent.persona, stop)
    mass = latent.rate * headroom * np.maximum(c_stop - c_begin, 0.0)
    n_cand = np.where(can_buy, rng.poisson(mass), 0)
    owner = np.repeat(np.arange(n), n_cand)
    spacing = rng.exponential(1.0, size=len(owner))
    partial = _segment_cumsum(spacing, n_cand)
    tail = rng.exponential(1.0, size=n)  # the (N + 1)-th spacing
    last_idx = np.cumsum(n_cand) - 1
    total = tail.copy()
    has = n_cand > 0
    total[has] += partial[last_idx[has]]
    value = c_begin[owner] + partial / total[owner] * (c_stop[owner] - c_begin[owner])
    cand_day = intensity.inverse(latent.persona[owner], value)
    keep = rng.random(len(owner)) * headroom[owner] < life.rate_factor(owner, cand_day)
    owner, cand_day = owner[keep], cand_day[keep]

    # New members order on the day they start; every candidate is already in order.
    first = np.flatnonzero(new & can_buy)
    customer, day = _merge_sorted(owner, cand_day, first, begin[first], T)
    # A service failure: one order goes wrong (returned or cancelled) as the drift starts.
    failed = np.flatnonzero((life.trigger == 2) & ~np.isnan(life.drift_start))
    fail_day = np.minimum(life.drift_start[failed] + 0.01, np.nextafter(stop[failed], 0))
    customer, day, failure = _merge_sorted(customer, day, failed, fail_day, T, flag=True)

    alive = ~(life.churn_day < T)
    churn_day = np.where(alive, np.nan, life.churn_day)
    return OrderTimes(customer=customer, day=day, failure=failure, alive=alive, churn_day=churn_day)


def _merge_sorted(base_c, base_d, extra_c, extra_d, T: float, flag: bool = False):
    """Merge extra orders into arrays sorted by (customer, day).

    With ``flag``, also returns a boolean array marking the extra orders.
    """
    order = np.lexsort((extra_d, extra_c))
    extra_c, extra_d = np.asarray(extra_c)[order], np.asarray(extra_d)[order]
    # (customer, day) as one float: customer * (T + 2) + day is exact to a fraction of a second.
    base_key = base_c * (T + 2) + base_d
    pos = np.searchsorted(base_key, extra_c * (T + 2) + extra_d, side="right")
    customer = np.insert(base_c, pos, extra_c)
    day = np.insert(base_d, pos, extra_d)
    if not flag:
        return customer, day
    marks = np.insert(np.zeros(len(base_c), dtype=bool), pos, True)
    return customer, day, marks


def last_order_day(customer: np.ndarray, day: np.ndarray, n: int) -> np.ndarray:
    """Each customer's last day (nan if none), for arrays sorted by customer then day."""
    last = np.full(n, np.nan)
    if len(customer):
        run_end = np.flatnonzero(np.append(customer[1:] != customer[:-1], True))
        last[customer[run_end]] = day[run_end]
    return last


STORE_HOURS = (7, 22)  # stores open 7:00-22:00: the last order starts before 22:00


def hours_of_day(
    latent: Latent,
    cust: np.ndarray,
    weekend: np.ndarray,
    is_store: np.ndarray,
    retired: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Hour of day (0-23): two weekday peaks per member, one weekend peak.

    Store orders fall inside opening hours by redrawing (not by clipping, which would
    pile the night onto the opening hour). Retired members shop in the weekday morning.
    """
    n = len(cust)
    second = rng.random(n) < latent.peak2_share[cust]
    center = np.where(second, latent.hour_peak[cust, 1], latent.hour_peak[cust, 0])
    center = np.where(retired & ~weekend, 9.5, center)
    sd = np.where(weekend, latent.weekend_hour_sd[cust], latent.hour_sd[cust])
    center = np.where(weekend, latent.weekend_hour[cust], center)
    hour = np.floor(rng.normal(center, sd))
    for _ in range(8):
        bad = np.flatnonzero(is_store & ((hour < STORE_HOURS[0]) | (hour >= STORE_HOURS[1])))
        if len(bad) == 0:
            break
        hour[bad] = np.floor(rng.normal(center[bad], sd[bad] + 1.5))
    hour = np.mod(hour, 24)
    # The few still outside after redrawing: any opening hour, uniformly.
    bad = is_store & ((hour < STORE_HOURS[0]) | (hour >= STORE_HOURS[1]))
    hour[bad] = rng.integers(STORE_HOURS[0], STORE_HOURS[1], int(bad.sum()))
    return hour.astype(np.int64)
