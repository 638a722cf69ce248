"""The default world is realistic by measurement (the ranges the data dictionary states)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import realism


def test_one_time_buyers_share(default_world):
    assert 0.10 <= realism.one_order_share(default_world) <= 0.45


def test_revenue_concentration_top20(default_world):
    # A real 18-month music retailer log (CDNOW) shows 68%.
    assert 0.55 <= realism.top20_revenue_share(default_world) <= 0.80


def test_median_days_between_orders(default_world):
    assert 7 <= realism.median_gap_days(default_world) <= 45


def test_weekend_days_busier_than_weekdays(default_world):
    assert realism.weekend_ratio(default_world) > 1.0


def test_peaks_at_spring_festival_618_and_double_11(default_world):
    daily = realism.daily_orders(default_world)

    def around(day: pd.Timestamp, exclude: int = 14) -> float:
        """Median orders per day within +-45 days of ``day``, outside +-``exclude`` days."""
        window = daily.loc[day - pd.Timedelta(days=45) : day + pd.Timedelta(days=45)]
        far = np.abs((window.index - day).days) > exclude
        return float(window[far].median())

    for year, cny in realism.SPRING_FESTIVAL.items():
        eve = pd.Timestamp(cny) - pd.Timedelta(days=1)
        run_up = daily.loc[eve - pd.Timedelta(days=10) : eve - pd.Timedelta(days=1)].mean()
        assert run_up > 1.2 * around(eve - pd.Timedelta(days=5)), f"Spring Festival {year}"
        for md, name in (("06-18", "618"), ("11-11", "Double 11")):
            day = pd.Timestamp(f"{year}-{md}")
            assert daily.loc[day] > 1.5 * around(day), f"{name} {year}"


def test_categories_bought_together(default_world):
    lifts = realism.category_lifts(default_world)
    assert (lifts > 1.5).sum() >= 3, lifts.head()


def test_churn_share_and_orders_stop_before_the_end(default_world):
    assert 0.15 <= realism.churn_share(default_world) <= 0.40
    truth = default_world.truth.set_index("customer_id")
    gone = truth[~truth["alive_at_end"]]
    last = default_world.orders.groupby("customer_id")["order_ts"].max().dt.normalize()
    end = pd.Timestamp(default_world.params["end"])
    assert gone["churn_date"].notna().all()
    assert (gone["churn_date"] < end).all()
    # Nobody orders after leaving: the churn date is the date of the last order.
    assert (last.loc[gone.index] == gone["churn_date"]).all()
    assert truth.loc[truth["alive_at_end"], "churn_date"].isna().all()


def test_survey_constructs_are_reliable(default_world):
    alphas = realism.cronbach_alphas(default_world)
    assert len(alphas) == 5
    for construct, alpha in alphas.items():
        assert 0.70 <= alpha <= 0.92, (construct, alpha)


def test_reverse_keying_matters(default_world):
    """Forgetting to reverse-key an item visibly lowers alpha (a check would see it)."""
    survey, items = default_world.survey, default_world.survey_items
    construct = items.loc[items["reverse_keyed"], "construct"].iloc[0]
    cols = items.loc[items["construct"] == construct, "item"]
    m = survey[cols].astype(float)
    k = m.shape[1]
    naive = k / (k - 1) * (1 - m.var().sum() / m.sum(axis=1).var())
    assert naive < realism.cronbach_alphas(default_world)[construct] - 0.3


def test_personas_findable_but_not_trivial(default_world):
    assert 0.3 <= realism.persona_ari(default_world) <= 0.85


def test_campaign_uplift_differs_in_sign_between_personas(default_world):
    uplift = realism.uplift_by_persona(default_world)
    assert (uplift > 0).any() and (uplift < 0).any(), uplift
