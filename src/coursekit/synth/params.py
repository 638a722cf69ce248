"""The generator's parameters, read from the CSV tables in ``coursekit/synth/data``.

Personas and everything they control (demographics, purchase rates, dropout, basket
mix, channel mix, campaign response) are data: adding or retuning a persona is an edit
to ``personas.csv`` / ``persona_profiles.csv``, never a new code branch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

CHANNELS = ("store", "app", "mini_program", "group_buy")
ONLINE_CHANNELS = ("app", "mini_program", "group_buy")
INCOME_BANDS = ("low", "lower_middle", "middle", "upper_middle", "high")
TRAITS = ("price", "health", "novelty", "convenience", "loyalty")
CAMPAIGN_TYPES = ("coupon", "points", "vip_event", "winback", "group_buy", "new_product")
LOCALES = ("zh_CN", "en_US")


@dataclass(frozen=True)
class Params:
    """All parameter tables, validated. Persona order is the order of ``personas.csv``."""

    personas: pd.DataFrame  # one row per persona, indexed by persona
    profiles: dict[str, pd.DataFrame]  # dimension -> persona x level weights
    categories: pd.DataFrame  # indexed by category
    items: pd.DataFrame
    brands: pd.DataFrame
    cities: pd.DataFrame
    spring_festival: pd.Series  # year -> date
    survey_items: pd.DataFrame
    campaign_templates: pd.DataFrame
    member_levels: pd.DataFrame
    missions: pd.DataFrame  # mission x category weights (rows normalized)
    occasions: pd.DataFrame  # indexed by occasion: weekend flag, hours, basket size factor
    occasion_missions: pd.DataFrame  # occasion x mission factors (1 = no change)
    mission_size: pd.Series  # mission -> basket size factor

    @property
    def persona_names(self) -> list[str]:
        return list(self.personas.index)

    def weights(self, dimension: str, levels) -> np.ndarray:
        """Persona x level matrix of a profile dimension, rows normalized to sum 1."""
        values = self.raw_profile(dimension, levels)
        return values / values.sum(axis=1, keepdims=True)

    def raw_profile(self, dimension: str, levels) -> np.ndarray:
        """Persona x level values of a profile dimension, as given (not normalized).

        A fresh array on every call (looked up once: a world generated in blocks of a
        thousand members asks thousands of times).
        """
        return _profile_matrix(self, dimension, tuple(levels)).copy()


def _profile_matrix(params: Params, dimension: str, levels: tuple) -> np.ndarray:
    # Kept on the instance (a frozen dataclass: its __dict__ is still a dict).
    cache = params.__dict__.setdefault("_profile_cache", {})
    key = (dimension, levels)
    if key not in cache:
        table = params.profiles[dimension].reindex(columns=list(levels)).fillna(0.0)
        cache[key] = table.loc[params.persona_names].to_numpy(dtype=float)
    return cache[key]


def _read(name: str, **kwargs) -> pd.DataFrame:
    with resources.files("coursekit.synth").joinpath("data", name).open("rb") as fh:
        return pd.read_csv(fh, **kwargs)


@functools.cache
def load_params() -> Params:
    """Read and validate the parameter tables (cached: they never change at run time)."""
    personas = _read("personas.csv").set_index("persona")
    long = _read("persona_profiles.csv", dtype={"level": str})
    profiles = {
        dim: grp.pivot(index="persona", columns="level", values="value")
        for dim, grp in long.groupby("dimension", sort=False)
    }
    for dim in ("city_tier",):
        profiles[dim].columns = profiles[dim].columns.astype(int)
    categories = _read("categories.csv").set_index("category")
    categories["trait"] = categories["trait"].fillna("")
    member_levels = pd.DataFrame(
        {
            "level": ["regular", "silver", "gold", "platinum"],
            "label_zh": ["普通会员", "银卡会员", "金卡会员", "铂金会员"],
            "min_spend_12m": [0.0, 1500.0, 4000.0, 10000.0],
        }
    )
    params = Params(
        personas=personas,
        profiles=profiles,
        categories=categories,
        items=_read("product_items.csv"),
        brands=_read("brands.csv"),
        cities=_read("cities.csv"),
        spring_festival=_read("spring_festival.csv", parse_dates=["date"]).set_index("year")[
            "date"
        ],
        survey_items=_read("survey_items.csv"),
        campaign_templates=_read("campaign_templates.csv").sort_values("order"),
        member_levels=member_levels,
        missions=_read("missions.csv")
        .pivot(index="mission", columns="category", values="weight")
        .reindex(columns=list(categories.index))
        .fillna(0.0)
        .pipe(lambda m: m.div(m.sum(axis=1), axis=0)),
        occasions=_read("occasions.csv").set_index("occasion"),
        occasion_missions=_read("occasion_missions.csv").pivot(
            index="occasion", columns="mission", values="factor"
        ),
        mission_size=_read("mission_size.csv").set_index("mission")["lines_factor"],
    )
    _validate(params)
    return params


def _validate(p: Params) -> None:
    """Catch a mistyped parameter table at load time, with the table's name in the message."""
    shares = p.personas["share"].sum()
    if not np.isclose(shares, 1.0, atol=1e-6):
        raise ValueError(f"personas.csv: shares sum to {shares}, expected 1")
    for dim, levels in {
        "category": list(p.categories.index),
        "channel": CHANNELS,
        "signup_channel": CHANNELS,
        "income_band": INCOME_BANDS,
        "campaign_uplift": CAMPAIGN_TYPES,
        "mission": list(p.missions.index),
    }.items():
        table = p.profiles.get(dim)
        if table is None:
            raise ValueError(f"persona_profiles.csv: dimension {dim!r} missing")
        missing = set(p.persona_names) - set(table.index)
        unknown = set(table.columns) - set(map(str, levels))
        if missing or unknown:
            raise ValueError(
                f"persona_profiles.csv [{dim}]: personas missing {sorted(missing)}, "
                f"unknown levels {sorted(unknown)}"
            )
    unknown_cat = set(p.items["category"]) - set(p.categories.index)
    if unknown_cat:
        raise ValueError(f"product_items.csv: unknown categories {sorted(unknown_cat)}")
    missions = set(p.missions.index)
    if set(p.occasion_missions.columns) != missions or set(p.mission_size.index) != missions:
        raise ValueError("occasion_missions.csv and mission_size.csv must list every mission")
    if set(p.occasion_missions.index) != set(p.occasions.index):
        raise ValueError("occasion_missions.csv must list every occasion of occasions.csv")
    outside = p.items[~(p.items["price_min"] < p.items["price_max"])]
    if len(outside):
        raise ValueError(
            f"product_items.csv: price_min >= price_max for {list(outside['item_en'])}"
        )
    if set(p.cities["locale"]) != set(LOCALES):
        raise ValueError("cities.csv must list cities for every locale")
