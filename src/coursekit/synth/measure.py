"""How realistic a world is, measured the way an analyst would measure it.

Every figure here is computed from the observed tables (and, where the question is about
the truth, from the hidden ``truth`` tables), never from the generator's internals. The
tests hold worlds of several seeds to the ranges in ``TARGETS``; ``benchmarks/world_report.py``
prints them side by side for any world folder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# name -> (low, high, what it measures); None means no bound on that side.
TARGETS: dict[str, tuple[float | None, float | None, str]] = {
    "one_order_share": (0.10, 0.45, "buyers with exactly one completed order"),
    "top20_revenue_share": (0.55, 0.80, "revenue share of the top 20% of buyers"),
    "median_gap_days": (7, 45, "median days between a buyer's orders"),
    "weekend_ratio": (1.0, None, "orders per weekend day / per weekday"),
    "churn_share": (0.15, 0.40, "members gone by the end"),
    "churn_auc_model": (0.68, 0.85, "churn in 6 months, active members: logistic AUC"),
    "churn_auc_gap": (0.05, None, "model AUC minus recency-alone AUC"),
    "digital_share_rise": (0.08, None, "app + mini-program share of orders, last - first quarter"),
    "life_event_share": (0.05, None, "members with a dated life event"),
    "first_child_baby_rise": (0.10, None, "baby share of spend after - before a first child"),
    "commuter_breakfast_ratio": (
        1.5,
        None,
        "commuters' bakery+drinks share, weekday <10h / weekend",
    ),
    "family_weekend_lines": (1.3, None, "families' lines per order, weekend / weekday"),
    "store_opening_hour_ratio": (None, 1.5, "store orders 07h / 08h"),
    "purchase_session_share": (0.08, 0.25, "sessions ending in a purchase"),
    "cart_abandonment": (0.55, 0.80, "sessions with a cart and no purchase / with a cart"),
    "min_age_band_share": (0.08, None, "smallest share of the 10-year bands 25-64"),
    "max_age_band_persona_share": (None, 0.80, "largest share of one persona in a band"),
    "eta2_income_aov": (0.02, None, "within-persona eta^2 of income (or tier) on order value"),
    "tier1_online_lift": (0.0, None, "online share tier 1 - tier 4, within persona"),
    "demographic_rf_accuracy": (None, 0.60, "persona from demographics, random forest"),
    "persona_ari_all": (0.35, 0.80, "k-means (k=6) vs persona, all buyers"),
    "persona_ari_3plus": (0.35, 0.80, "k-means (k=6) vs persona, buyers with 3+ orders"),
    "campaign_mean_lift": (0.02, 0.20, "30-day spend lift over all campaigns (pooled)"),
    "alpha_min": (0.65, None, "lowest Cronbach's alpha of the attitude scales"),
    "alpha_max": (None, 0.85, "highest Cronbach's alpha of the attitude scales"),
    "cross_loading_items": (2, None, "items with a cross-loading of .15-.35"),
    "straight_liner_share": (0.005, 0.08, "respondents giving one answer to every item"),
    "missing_answer_share": (0.002, 0.05, "answers left empty"),
    "convenience_online_r": (0.25, None, "convenience scale vs online share, r"),
}

BABY = "baby_maternity"
BREAKFAST = ("bakery_breakfast", "beverages")
ONLINE = ("app", "mini_program")


def completed(world) -> pd.DataFrame:
    return world.orders[world.orders["status"] == "completed"]


def _lines(world, orders: pd.DataFrame) -> pd.DataFrame:
    items = world.order_items.merge(world.products[["product_id", "category"]], on="product_id")
    return items.merge(orders[["order_id", "customer_id", "order_ts"]], on="order_id")


def _persona(world) -> pd.Series:
    return world.truth.set_index("customer_id")["persona"]


# ---------------------------------------------------------------- basic realism


def one_order_share(world) -> float:
    counts = completed(world).groupby("customer_id").size()
    return float((counts == 1).mean())


def top20_revenue_share(world) -> float:
    revenue = (
        completed(world).groupby("customer_id")["net_amount"].sum().sort_values(ascending=False)
    )
    top = int(np.ceil(0.2 * len(revenue)))
    return float(revenue.iloc[:top].sum() / revenue.sum())


def median_gap_days(world) -> float:
    o = completed(world).sort_values(["customer_id", "order_ts"])
    gaps = o.groupby("customer_id")["order_ts"].diff().dt.total_seconds() / 86400
    per_customer = gaps.groupby(o["customer_id"]).median().dropna()
    return float(per_customer.median())


def weekend_ratio(world) -> float:
    per_day = daily_orders(world)
    weekend = per_day.index.day_of_week >= 5
    return float(per_day[weekend].mean() / per_day[~weekend].mean())


def daily_orders(world) -> pd.Series:
    day = world.orders["order_ts"].dt.normalize()
    all_days = pd.date_range(world.params["start"], world.params["end"], freq="D")
    return day.value_counts().reindex(all_days, fill_value=0)


def churn_share(world) -> float:
    return float(1 - world.truth["alive_at_end"].mean())


# ---------------------------------------------------------------- 1. churn you can see coming


def churn_features(world, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Features from completed orders strictly before ``cutoff``, one row per buyer."""
    o = completed(world)
    o = o[o["order_ts"] < cutoff]
    age = (cutoff - o["order_ts"]).dt.days
    g = o.groupby("customer_id")
    out = pd.DataFrame(
        {
            "recency": (cutoff - g["order_ts"].max()).dt.days,
            "frequency": g.size(),
            "tenure": (cutoff - g["order_ts"].min()).dt.days,
        }
    )
    # Recent (last 90 days) against earlier (the year before), both per 90 days.
    for name, lo, hi in (("recent", 0, 90), ("earlier", 90, 455)):
        sel = (age >= lo) & (age < hi)
        span = np.clip(out["tenure"] - lo, 1, hi - lo) / 90.0
        out[f"orders_{name}"] = o[sel].groupby("customer_id").size() / span
        out[f"spend_{name}"] = o[sel].groupby("customer_id")["net_amount"].sum() / span
    out = out.fillna(0.0)
    out["order_trend"] = np.log1p(out["orders_recent"]) - np.log1p(out["orders_earlier"])
    out["spend_trend"] = np.log1p(out["spend_recent"]) - np.log1p(out["spend_earlier"])
    bad = world.orders[
        (world.orders["status"] != "completed") & (world.orders["order_ts"] < cutoff)
    ]
    bad = bad[(cutoff - bad["order_ts"]).dt.days < 60]
    out["failed_recent"] = bad.groupby("customer_id").size().reindex(out.index, fill_value=0)
    return out


def churn_warning(world, horizon_days: int = 180, seed: int = 0) -> dict[str, float]:
    """AUC of a logistic model and of recency alone for true churn within the horizon.

    The cutoff leaves the horizon plus a month inside the data; only members with a
    completed order in the 60 days before the cutoff count (the ones a warning can help).
    """
    end = pd.Timestamp(world.params["end"])
    cutoff = end - pd.Timedelta(days=horizon_days + 30)
    feats = churn_features(world, cutoff)
    feats = feats[feats["recency"] <= 60]
    churn = world.truth.set_index("customer_id")["churn_date"].reindex(feats.index)
    # Gone within the horizon (some of the recently active are already gone at the cutoff:
    # they count as churners, which a warning should have caught).
    y = (churn <= cutoff + pd.Timedelta(days=horizon_days)).astype(int)
    x = feats.assign(
        log_frequency=np.log1p(feats["frequency"]), log_tenure=np.log1p(feats["tenure"])
    )[["recency", "log_frequency", "log_tenure", "order_trend", "spend_trend",
       "orders_recent", "failed_recent"]]  # fmt: skip
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    score = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    auc = roc_auc_score(y, score)
    recency = roc_auc_score(y, feats["recency"])
    return {
        "churn_auc_model": float(auc),
        "churn_auc_recency": float(recency),
        "churn_auc_gap": float(auc - recency),
        "churn_rate_active": float(y.mean()),
    }


# ---------------------------------------------------------------- 2. change over time


def digital_share_by_quarter(world) -> pd.Series:
    o = completed(world)
    quarter = o["order_ts"].dt.to_period("Q")
    return o["channel"].isin(ONLINE).groupby(quarter).mean()


def life_event_share(world) -> float:
    return float(world.life_events["customer_id"].nunique() / len(world.customers))


def first_child_baby_rise(world) -> float:
    """Mean over parents (orders before and after) of the baby share of spend, after - before."""
    ev = world.life_events[world.life_events["event"] == "first_child"]
    if ev.empty:
        return float("nan")
    when = ev.set_index("customer_id")["event_date"]
    lines = _lines(world, completed(world))
    lines = lines[lines["customer_id"].isin(when.index)]
    lines = lines.assign(
        after=lines["order_ts"] >= when.reindex(lines["customer_id"]).to_numpy(),
        baby=lines["category"] == BABY,
    )
    spend = lines.pivot_table(
        index="customer_id", columns="after", values="line_amount", aggfunc="sum"
    )
    baby = (
        lines[lines["baby"]]
        .pivot_table(index="customer_id", columns="after", values="line_amount", aggfunc="sum")
        .reindex_like(spend)
        .fillna(0.0)
    )
    share = (baby / spend).dropna()
    if share.empty or True not in share.columns or False not in share.columns:
        return float("nan")
    return float((share[True] - share[False]).mean())


# ---------------------------------------------------------------- 3. occasions


def occasions(world) -> dict[str, float]:
    o = completed(world)
    persona = _persona(world)
    weekend = o["order_ts"].dt.day_of_week >= 5
    hour = o["order_ts"].dt.hour
    lines = _lines(world, o)
    lines["weekend"] = lines["order_ts"].dt.day_of_week >= 5
    lines["hour"] = lines["order_ts"].dt.hour
    lines["persona"] = persona.reindex(lines["customer_id"]).to_numpy()
    com = lines[lines["persona"] == "convenience_commuters"]

    def breakfast_share(sel: pd.DataFrame) -> float:
        return float(
            sel.loc[sel["category"].isin(BREAKFAST), "line_amount"].sum() / sel["line_amount"].sum()
        )

    morning = breakfast_share(com[~com["weekend"] & (com["hour"] < 10)])
    weekend_share = breakfast_share(com[com["weekend"]])
    n_lines = world.order_items.groupby("order_id").size()
    fam = o[persona.reindex(o["customer_id"]).to_numpy() == "value_families"]
    fam_lines = n_lines.reindex(fam["order_id"]).to_numpy()
    fam_weekend = (fam["order_ts"].dt.day_of_week >= 5).to_numpy()
    store = world.orders[world.orders["channel"] == "store"]["order_ts"].dt.hour.value_counts()
    del weekend, hour
    return {
        "commuter_breakfast_ratio": morning / weekend_share if weekend_share else float("nan"),
        "family_weekend_lines": float(
            fam_lines[fam_weekend].mean() / fam_lines[~fam_weekend].mean()
        ),
        "store_opening_hour_ratio": float(store.get(7, 0) / max(store.get(8, 0), 1)),
    }


# ---------------------------------------------------------------- 4. funnel


def funnel(world) -> dict[str, float]:
    ev = world.web_events
    kinds = pd.crosstab(ev["session_id"], ev["event_type"]).clip(upper=1).astype(bool)
    purchase = kinds.get("purchase", pd.Series(False, index=kinds.index))
    cart = kinds.get("add_to_cart", pd.Series(False, index=kinds.index))
    return {
        "purchase_session_share": float(purchase.mean()),
        "cart_abandonment": float((cart & ~purchase).sum() / max(cart.sum(), 1)),
        "sessions": float(len(kinds)),
        "events_per_member": float(len(ev) / len(world.customers)),
    }


# ---------------------------------------------------------------- 6. demographics


def age_bands(world) -> dict[str, float]:
    c = world.customers
    band = pd.cut(c["age"], [25, 35, 45, 55, 65], right=False)
    persona = _persona(world).reindex(c["customer_id"]).to_numpy()
    tab = pd.crosstab(band, persona)
    return {
        "min_age_band_share": float((tab.sum(axis=1) / len(c)).min()),
        "max_age_band_persona_share": float(tab.div(tab.sum(axis=1), axis=0).max(axis=1).max()),
    }


def eta_squared(values: pd.Series, groups: pd.Series) -> float:
    values = values.astype(float)
    total = ((values - values.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    between = values.groupby(groups).agg(["mean", "size"])
    return float((between["size"] * (between["mean"] - values.mean()) ** 2).sum() / total)


def demographic_effects(world) -> dict[str, float]:
    o = completed(world)
    aov = o.groupby("customer_id")["net_amount"].mean()
    online = o["channel"].isin(ONLINE).groupby(o["customer_id"]).mean()
    c = world.customers.set_index("customer_id").loc[aov.index]
    persona = _persona(world).reindex(aov.index)
    eta_income, eta_tier, lift = [], [], []
    for p in persona.unique():
        sel = persona == p
        if sel.sum() < 50:
            continue
        eta_income.append(eta_squared(np.log(aov[sel].clip(lower=1)), c.loc[sel, "income_band"]))
        eta_tier.append(eta_squared(np.log(aov[sel].clip(lower=1)), c.loc[sel, "city_tier"]))
        t = c.loc[sel, "city_tier"]
        if (t == 1).sum() >= 10 and (t == 4).sum() >= 10:
            lift.append(online[sel][t == 1].mean() - online[sel][t == 4].mean())
    return {
        "eta2_income_aov": float(max(np.mean(eta_income), np.mean(eta_tier))),
        "eta2_income_only": float(np.mean(eta_income)),
        "eta2_tier_only": float(np.mean(eta_tier)),
        "tier1_online_lift": float(np.mean(lift)) if lift else float("nan"),
    }


def demographic_rf_accuracy(world, seed: int = 0) -> float:
    c = world.customers
    x = pd.DataFrame(
        {
            "age": c["age"],
            "female": (c["gender"] == "female").astype(int),
            "household": c["household_size"],
            "children": c["has_children"].astype(int),
            "tier": c["city_tier"],
            "income": c["income_band"].map(
                {"low": 0, "lower_middle": 1, "middle": 2, "upper_middle": 3, "high": 4}
            ),
        }
    )
    y = _persona(world).reindex(c["customer_id"]).to_numpy()
    rf = RandomForestClassifier(n_estimators=200, min_samples_leaf=5, random_state=seed, n_jobs=1)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return float(cross_val_score(rf, x, y, cv=folds).mean())


# ---------------------------------------------------------------- 7. personas to discover


def behavior_features(world) -> pd.DataFrame:
    """The behaviour features a trainee builds in module 05, one row per buyer."""
    o = completed(world)
    end = pd.Timestamp(world.params["end"]) + pd.Timedelta(days=1)
    g = o.groupby("customer_id")
    lines = _lines(world, o)
    feats = pd.DataFrame(
        {
            "recency": (end - g["order_ts"].max()).dt.days,
            "log_frequency": np.log1p(g.size()),
            "log_monetary": np.log1p(g["net_amount"].sum()),
            "log_lines_per_order": np.log(lines.groupby("customer_id").size() / g.size()),
            "weekend_share": (o["order_ts"].dt.day_of_week >= 5).groupby(o["customer_id"]).mean(),
            "morning_share": (o["order_ts"].dt.hour < 10).groupby(o["customer_id"]).mean(),
            "evening_share": (o["order_ts"].dt.hour >= 17).groupby(o["customer_id"]).mean(),
            "coupon_share": o["coupon_id"].notna().groupby(o["customer_id"]).mean(),
        }
    )
    channel = pd.crosstab(o["customer_id"], o["channel"], normalize="index")
    category = pd.crosstab(
        lines["customer_id"], lines["category"], values=lines["line_amount"],
        aggfunc="sum", normalize="index",
    ).fillna(0)  # fmt: skip
    sessions = world.web_events.groupby("customer_id")["session_id"].nunique()
    feats["log_sessions"] = np.log1p(sessions.reindex(feats.index, fill_value=0))
    return feats.join(channel.add_prefix("ch_")).join(category.add_prefix("cat_")).fillna(0)


def persona_ari(world, seed: int = 0) -> dict[str, float]:
    feats = behavior_features(world)
    persona = _persona(world)
    counts = completed(world).groupby("customer_id").size()
    out = {}
    for name, sel in (("all", feats.index), ("3plus", counts[counts >= 3].index)):
        x = StandardScaler().fit_transform(feats.loc[sel])
        labels = KMeans(n_clusters=6, n_init=10, random_state=seed).fit_predict(x)
        out[f"persona_ari_{name}"] = float(adjusted_rand_score(persona.loc[sel], labels))
    return out


# ---------------------------------------------------------------- 8. campaigns


def campaign_lifts(world) -> pd.DataFrame:
    a = world.campaign_assignments
    means = a.groupby(["campaign_id", "group"])["spend_after"].mean().unstack()
    out = pd.DataFrame({"lift": means["treatment"] / means["control"] - 1})
    nonred = a[(a["group"] == "treatment") & ~a["redeemed"]].groupby("campaign_id")["spend_after"]
    out["non_redeemer_vs_control"] = nonred.mean() / means["control"]
    return out


def pooled_lift(world) -> float:
    """Lift of 30-day spend over all campaigns: extra spend per contacted member, weighted
    by audience, relative to the control spend (the campaigns' average effect)."""
    a = world.campaign_assignments
    means = a.groupby(["campaign_id", "group"])["spend_after"].mean().unstack()
    size = a.groupby("campaign_id").size()
    gain = ((means["treatment"] - means["control"]) * size).sum()
    return float(gain / (means["control"] * size).sum())


def persona_effects(world, campaign_id: int) -> pd.DataFrame:
    """Welch test of 30-day spend per persona in one campaign, with BH-adjusted p-values."""
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    a = world.campaign_assignments[world.campaign_assignments["campaign_id"] == campaign_id]
    a = a.assign(persona=_persona(world).reindex(a["customer_id"]).to_numpy())
    rows = []
    for p, grp in a.groupby("persona"):
        t = grp.loc[grp["group"] == "treatment", "spend_after"]
        c = grp.loc[grp["group"] == "control", "spend_after"]
        test = stats.ttest_ind(t, c, equal_var=False)
        rows.append(
            {"persona": p, "n": len(grp), "lift": t.mean() / c.mean() - 1, "p": test.pvalue}
        )
    out = pd.DataFrame(rows).set_index("persona")
    out["p_adjusted"] = multipletests(out["p"], method="fdr_bh")[1]
    return out


# ---------------------------------------------------------------- 9. survey


def attitude_scales(world) -> dict[str, pd.DataFrame]:
    items = world.survey_items[world.survey_items["block"] == "attitude"]
    out = {}
    for construct, grp in items.groupby("construct"):
        cols = {}
        for row in grp.itertuples():
            x = world.survey[row.item].astype(float)
            cols[row.item] = 6 - x if row.reverse_keyed else x
        out[construct] = pd.DataFrame(cols)
    return out


def cronbach_alpha(items: pd.DataFrame) -> float:
    m = items.dropna()
    k = m.shape[1]
    return float(k / (k - 1) * (1 - m.var(ddof=1).sum() / m.sum(axis=1).var(ddof=1)))


def survey_quality(world) -> dict[str, float]:
    from sklearn.decomposition import FactorAnalysis

    scales = attitude_scales(world)
    alphas = {k: cronbach_alpha(v) for k, v in scales.items()}
    items = world.survey_items
    att = items.loc[items["block"] == "attitude", "item"].tolist()
    answers = world.survey[att].astype(float)
    complete = answers.dropna()
    straight = complete.nunique(axis=1) == 1
    z = StandardScaler().fit_transform(complete[~straight])
    fa = FactorAnalysis(n_components=5, rotation="varimax", random_state=0).fit(z)
    load = np.abs(fa.components_.T)
    second = np.sort(load, axis=1)[:, -2]
    # Convenience scale vs the share of orders placed online.
    conv = scales["convenience_orientation"].mean(axis=1)
    o = completed(world)
    online = o["channel"].isin(ONLINE).groupby(o["customer_id"]).mean()
    joined = pd.DataFrame(
        {"conv": conv.to_numpy(), "online": online.reindex(world.survey["customer_id"]).to_numpy()}
    ).dropna()
    return {
        "alpha_min": min(alphas.values()),
        "alpha_max": max(alphas.values()),
        "cross_loading_items": float(((second >= 0.15) & (second <= 0.35)).sum()),
        "straight_liner_share": float(straight.mean()),
        "missing_answer_share": float(world.survey[att].isna().to_numpy().mean()),
        "convenience_online_r": float(joined["conv"].corr(joined["online"])),
        **{f"alpha_{k}": v for k, v in alphas.items()},
    }


# ---------------------------------------------------------------- all together


def report(world) -> dict[str, float]:
    """Every figure of ``TARGETS`` (and a few more) for one world."""
    quarters = digital_share_by_quarter(world)
    lifts = campaign_lifts(world)
    ab = persona_effects(world, int(world.campaigns["campaign_id"].max()))
    out = {
        "one_order_share": one_order_share(world),
        "top20_revenue_share": top20_revenue_share(world),
        "median_gap_days": median_gap_days(world),
        "weekend_ratio": weekend_ratio(world),
        "churn_share": churn_share(world),
        **churn_warning(world),
        "digital_share_rise": float(quarters.iloc[-1] - quarters.iloc[0]),
        "life_event_share": life_event_share(world),
        "first_child_baby_rise": first_child_baby_rise(world),
        **occasions(world),
        **funnel(world),
        **age_bands(world),
        **demographic_effects(world),
        "demographic_rf_accuracy": demographic_rf_accuracy(world),
        **persona_ari(world),
        "campaign_mean_lift": pooled_lift(world),
        "non_redeemer_vs_control": float(lifts["non_redeemer_vs_control"].mean()),
        "ab_hurt_persona_p_adjusted": float(ab.loc[ab["lift"] < 0, "p_adjusted"].min())
        if (ab["lift"] < 0).any()
        else float("nan"),
        **survey_quality(world),
    }
    return out


def check(values: dict[str, float]) -> dict[str, bool]:
    """For each target: inside its range?"""
    out = {}
    for name, (lo, hi, _) in TARGETS.items():
        v = values.get(name, float("nan"))
        out[name] = bool(np.isfinite(v) and (lo is None or v >= lo) and (hi is None or v <= hi))
    return out
