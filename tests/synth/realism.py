"""Measurements of how realistic a world is (used by test_realism.py and for tuning).

Each function computes one statistic directly from the clean tables, independently of
the generator's internals.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler


def completed(world) -> pd.DataFrame:
    return world.orders[world.orders["status"] == "completed"]


def one_order_share(world) -> float:
    """Share of buying customers with exactly one completed order."""
    counts = completed(world).groupby("customer_id").size()
    return float((counts == 1).mean())


def top20_revenue_share(world) -> float:
    """Share of net revenue from the top 20% of buying customers."""
    revenue = (
        completed(world).groupby("customer_id")["net_amount"].sum().sort_values(ascending=False)
    )
    top = int(np.ceil(0.2 * len(revenue)))
    return float(revenue.iloc[:top].sum() / revenue.sum())


def median_gap_days(world) -> float:
    """Median over customers (2+ orders) of the median days between consecutive orders."""
    o = completed(world).sort_values(["customer_id", "order_ts"])
    gaps = o.groupby("customer_id")["order_ts"].diff().dt.total_seconds() / 86400
    per_customer = gaps.groupby(o["customer_id"]).median().dropna()
    return float(per_customer.median())


def weekend_ratio(world) -> float:
    """Orders per weekend day divided by orders per weekday."""
    day = world.orders["order_ts"].dt.normalize()
    per_day = day.value_counts()
    all_days = pd.date_range(world.params["start"], world.params["end"], freq="D")
    per_day = per_day.reindex(all_days, fill_value=0)
    weekend = per_day.index.day_of_week >= 5
    return float(per_day[weekend].mean() / per_day[~weekend].mean())


def daily_orders(world) -> pd.Series:
    day = world.orders["order_ts"].dt.normalize()
    all_days = pd.date_range(world.params["start"], world.params["end"], freq="D")
    return day.value_counts().reindex(all_days, fill_value=0)


SPRING_FESTIVAL = {2024: "2024-02-10", 2025: "2025-01-29"}


def festival_peaks(world) -> dict[str, float]:
    """Ratio of orders on each peak to the average day of the window."""
    daily = daily_orders(world)
    mean = daily.mean()
    out = {}
    for year, cny in SPRING_FESTIVAL.items():
        eve = pd.Timestamp(cny) - pd.Timedelta(days=1)
        window = daily.loc[eve - pd.Timedelta(days=10) : eve - pd.Timedelta(days=1)]
        if len(window):
            out[f"spring_festival_{year}"] = float(window.mean() / mean)
        for name, md in (("618", "06-18"), ("double11", "11-11")):
            day = pd.Timestamp(f"{year}-{md}")
            if day in daily.index:
                out[f"{name}_{year}"] = float(daily.loc[day] / mean)
    return out


def category_lifts(world, min_support: float = 0.005) -> pd.Series:
    """Lift of every category pair bought in the same order (pairs with enough support)."""
    items = world.order_items.merge(world.products[["product_id", "category"]], on="product_id")
    basket = pd.crosstab(items["order_id"], items["category"]).clip(upper=1).astype(bool)
    n = len(basket)
    p = basket.mean()
    lifts = {}
    for a, b in itertools.combinations(basket.columns, 2):
        both = (basket[a] & basket[b]).sum() / n
        if both >= min_support:
            lifts[(a, b)] = both / (p[a] * p[b])
    return pd.Series(lifts).sort_values(ascending=False)


def churn_share(world) -> float:
    return float(1 - world.truth["alive_at_end"].mean())


def cronbach_alphas(world) -> dict[str, float]:
    """Cronbach's alpha per survey construct after reverse-keying."""
    survey, items = world.survey, world.survey_items
    out = {}
    for construct, grp in items.groupby("construct"):
        cols = []
        for _, row in grp.iterrows():
            x = survey[row["item"]].astype(float)
            cols.append(6 - x if row["reverse_keyed"] else x)
        m = pd.concat(cols, axis=1)
        k = m.shape[1]
        out[construct] = float(k / (k - 1) * (1 - m.var(ddof=1).sum() / m.sum(axis=1).var(ddof=1)))
    return out


def behavioral_features(world) -> pd.DataFrame:
    """Standard per-customer behavioural features a trainee would build in module 05."""
    o = completed(world)
    items = world.order_items.merge(world.products[["product_id", "category"]], on="product_id")
    items = items[items["order_id"].isin(o["order_id"])]
    g = o.groupby("customer_id")
    first, last = g["order_ts"].min(), g["order_ts"].max()
    months = ((last - first).dt.days / 30.4).clip(lower=1)
    feats = pd.DataFrame(
        {
            "log_orders_per_month": np.log1p(g.size() / months),
            "log_aov": np.log(g["net_amount"].mean().clip(lower=1)),
            "weekend_share": g["order_ts"].apply(lambda s: (s.dt.day_of_week >= 5).mean()),
            "mean_hour": g["order_ts"].apply(lambda s: s.dt.hour.mean()),
            "coupon_share": g["coupon_id"].apply(lambda s: s.notna().mean()),
        }
    )
    channel = pd.crosstab(o["customer_id"], o["channel"], normalize="index")
    lines = items.merge(o[["order_id", "customer_id"]], on="order_id")
    category = pd.crosstab(
        lines["customer_id"],
        lines["category"],
        values=lines["line_amount"],
        aggfunc="sum",
        normalize="index",
    ).fillna(0)
    return feats.join(channel.add_prefix("ch_")).join(category.add_prefix("cat_")).fillna(0)


def persona_ari(world, seed: int = 0) -> float:
    """ARI between k-means (k = number of personas) on standardized features and personas."""
    feats = behavioral_features(world)
    x = StandardScaler().fit_transform(feats)
    k = world.truth["persona"].nunique()
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
    truth = world.truth.set_index("customer_id").loc[feats.index, "persona"]
    return float(adjusted_rand_score(truth, labels))


def uplift_by_persona(world) -> pd.Series:
    """Mean spend_after of treatment minus control, per persona, over all campaigns."""
    a = world.campaign_assignments.merge(world.truth[["customer_id", "persona"]], on="customer_id")
    means = a.groupby(["persona", "group"])["spend_after"].mean().unstack()
    return means["treatment"] - means["control"]


def report(world) -> dict:
    return {
        "orders": len(world.orders),
        "order_items": len(world.order_items),
        "web_events": len(world.web_events),
        "survey": len(world.survey),
        "one_order_share": one_order_share(world),
        "top20_revenue_share": top20_revenue_share(world),
        "median_gap_days": median_gap_days(world),
        "weekend_ratio": weekend_ratio(world),
        "festival_peaks": festival_peaks(world),
        "lifts_over_1.5": category_lifts(world).pipe(lambda s: s[s > 1.5]).round(2).to_dict(),
        "churn_share": churn_share(world),
        "alphas": cronbach_alphas(world),
        "persona_ari": persona_ari(world),
        "uplift_by_persona": uplift_by_persona(world).round(1).to_dict(),
    }
