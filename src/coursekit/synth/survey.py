"""A Likert questionnaire answered by part of the members, generated from latent traits.

Each construct has four items with loadings around 0.7-0.8 on one trait (a one-factor
model per construct), one of them reverse-keyed, so Cronbach's alpha and the factor
structure a trainee finds are real properties of the data, not decoration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.params import TRAITS, Params
from coursekit.synth.population import Latent

THRESHOLDS = np.array([-1.3, -0.45, 0.35, 1.2])  # latent cut points for answers 1..5
WAVE = (0.70, 0.78)  # the survey ran over this part of the window


def make_survey(
    latent: Latent,
    customers: pd.DataFrame,
    params: Params,
    start: pd.Timestamp,
    n_days: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = len(customers)
    spread = latent.traits.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)  # a one-member world has no spread
    z = (latent.traits - latent.traits.mean(axis=0)) / spread
    lo, hi = int(n_days * WAVE[0]), max(int(n_days * WAVE[1]), int(n_days * WAVE[0]) + 1)
    day = rng.integers(lo, hi, n)
    signup = ((customers["signup_date"] - start).dt.days).to_numpy()
    rate = params.personas["survey_rate"].to_numpy()[latent.persona]
    responds = (rng.random(n) < rate) & (signup <= day)
    who = np.flatnonzero(responds)
    out = {
        "customer_id": customers["customer_id"].to_numpy()[who],
        "response_date": (start + pd.to_timedelta(day[who], unit="D")),
    }
    for _, item in params.survey_items.iterrows():
        loading = float(item["loading"])
        trait = z[who, TRAITS.index(item["trait"])]
        latent_answer = loading * trait + np.sqrt(1 - loading**2) * rng.normal(size=len(who))
        if str(item["reverse_keyed"]) == "True":
            latent_answer = -latent_answer
        out[item["item"]] = (np.searchsorted(THRESHOLDS, latent_answer) + 1).astype(np.int64)
    return pd.DataFrame(out)
