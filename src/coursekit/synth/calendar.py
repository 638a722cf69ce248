"""Shopping calendar: how busy each day is, before persona-specific weekday habits.

Peaks follow the Chinese retail year: the run-up to Spring Festival (年货节, with a dip
during the holiday itself, when many shops close and people travel), the 618 mid-year
sale and Double 11 (双十一), plus a smaller Double 12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.params import Params


def seasonal_multiplier(days: pd.DatetimeIndex, params: Params) -> np.ndarray:
    """Multiplier of the order rate per day, normalized to mean 1 over ``days``."""
    mult = np.ones(len(days))
    day_values = days.values.astype("datetime64[D]")

    def bump(center, offsets_and_factors):
        for offset, factor in offsets_and_factors:
            target = np.datetime64(center, "D") + np.timedelta64(offset, "D")
            mult[day_values == target] *= factor

    for year in sorted(set(days.year)):
        # Spring Festival: stocking up in the three weeks before, quiet during the holiday.
        if year in params.spring_festival.index:
            eve = params.spring_festival.loc[year] - pd.Timedelta(days=1)
            ramp = [(-d, 1.0 + 1.0 * np.exp(-((d - 3) ** 2) / 40.0)) for d in range(1, 22)]
            holiday = [(d, 0.45) for d in range(0, 5)] + [(d, 0.75) for d in range(5, 9)]
            bump(eve.date(), ramp + holiday)
        # 618 and Double 11: a warm-up fortnight, then the big days.
        bump(f"{year}-06-18", [(-d, 1.15) for d in range(3, 17)] + [(-2, 1.5), (-1, 1.8), (0, 2.4)])
        bump(
            f"{year}-11-11",
            [(-d, 1.15) for d in range(2, 11)] + [(-1, 1.9), (0, 2.8), (1, 1.3)],
        )
        bump(f"{year}-12-12", [(0, 1.5)])
    return mult / mult.mean()


def weekday_multiplier(days: pd.DatetimeIndex, weekend_factor: float) -> np.ndarray:
    """Weekend days get ``weekend_factor`` times a weekday's rate; mean 1 over a week."""
    weekend = days.day_of_week >= 5
    raw = np.where(weekend, weekend_factor, 1.0)
    return raw / ((5 + 2 * weekend_factor) / 7)
