"""When customers buy: a BG/NBD-style process per customer, shaped by the calendar.

Each customer orders at rate ``lambda`` (orders per day, Gamma across customers) times
the day's seasonal and weekday multiplier, and after every order leaves for good with
probability ``p`` (Beta across customers). So churn exists and its date is known.

Event times are drawn without simulating the orders a customer never makes: the first
``M`` of ``N`` sorted uniforms are ``S_j / (S_M + G)`` with ``S`` cumulative Exp(1) and
``G ~ Gamma(N + 1 - M)``, then mapped through the inverse cumulative intensity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursekit.synth.calendar import seasonal_multiplier, weekday_multiplier
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
    alive: np.ndarray  # bool per customer
    churn_day: np.ndarray  # float per customer (nan when alive)


def _segment_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each segment (segments given by their lengths)."""
    total = np.cumsum(values)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    before = np.concatenate([[0.0], total])[starts]  # sum of all earlier segments
    return total - np.repeat(before, counts)


def draw_order_times(latent: Latent, intensity: Intensity, rng: np.random.Generator) -> OrderTimes:
    """Order days per customer from the BG/NBD-style process (vectorized over customers)."""
    n = len(latent.rate)
    T = float(intensity.n_days)
    begin = np.clip(latent.begin_day, 0.0, None)
    can_buy = (~latent.never_buys) & (begin < T)
    new = ~latent.existing

    # K: orders made before leaving (geometric, >= 1). N: events the process offers.
    k = rng.geometric(latent.dropout)
    k = np.where(latent.trial_only, 1, k)  # tried the chain once and never came back
    c_begin = intensity.at(latent.persona, begin)
    c_end = intensity.cumulative[latent.persona, -1]
    n_events = rng.poisson(latent.rate * np.maximum(c_end - c_begin, 0.0))
    # New members order at signup; the process then offers n_events repeat orders.
    repeats_allowed = np.where(new, k - 1, k)
    kept = np.minimum(repeats_allowed, n_events)
    kept = np.where(can_buy, kept, 0)
    alive = np.where(can_buy, repeats_allowed > n_events, True)
    alive = alive | ~can_buy  # never bought: nothing to churn from; counted as alive members

    # First `kept` of `n_events` sorted uniforms via exponential spacings.
    owner = np.repeat(np.arange(n), kept)
    spacing = rng.exponential(1.0, size=len(owner))
    partial = _segment_cumsum(spacing, kept)
    tail = rng.gamma(np.maximum(n_events - kept + 1, 1).astype(float))
    last_idx = np.cumsum(kept) - 1
    s_m = np.zeros(n)
    has = kept > 0
    s_m[has] = partial[last_idx[has]]
    total = s_m + tail
    pos = partial / total[owner]
    value = c_begin[owner] + pos * (c_end[owner] - c_begin[owner])
    repeat_days = intensity.inverse(latent.persona[owner], value)

    # Lay the orders out customer by customer (first order, then repeats in time order):
    # already sorted by (customer, day), so no sort of millions of rows is needed.
    first_flag = (new & can_buy).astype(np.int64)
    counts = first_flag + kept
    starts = np.cumsum(counts) - counts
    customer = np.repeat(np.arange(n), counts)
    day = np.empty(len(customer))
    first = np.flatnonzero(first_flag)
    day[starts[first]] = begin[first]
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(kept) - kept, kept)
    day[starts[owner] + first_flag[owner] + rank] = repeat_days

    ends = last_order_day(customer, day, n)
    # Leaving right after an order on the very last day happens after the data ends: such
    # a customer is still alive at the end of the window.
    alive = alive | (np.floor(ends) >= T - 1)
    churn_day = np.full(n, np.nan)
    churn_day[~alive] = ends[~alive]
    return OrderTimes(customer=customer, day=day, alive=alive, churn_day=churn_day)


def last_order_day(customer: np.ndarray, day: np.ndarray, n: int) -> np.ndarray:
    """Each customer's last day (nan if none), for arrays sorted by customer then day."""
    last = np.full(n, np.nan)
    if len(customer):
        run_end = np.flatnonzero(np.append(customer[1:] != customer[:-1], True))
        last[customer[run_end]] = day[run_end]
    return last


def hours_of_day(
    params: Params, persona: np.ndarray, is_store: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Hour of day (0-23) from each persona's two daily peaks; stores open 7:00-22:00."""
    P = params.personas
    second = rng.random(len(persona)) < P["peak2_share"].to_numpy()[persona]
    center = np.where(
        second, P["hour_peak2"].to_numpy()[persona], P["hour_peak1"].to_numpy()[persona]
    )
    hour = rng.normal(center, P["hour_sd"].to_numpy()[persona])
    hour = np.mod(np.floor(hour), 24)
    hour = np.where(is_store, np.clip(hour, 7, 21), hour)
    return hour.astype(np.int64)
