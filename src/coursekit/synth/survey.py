"""A Likert questionnaire answered by part of the members, generated from latent traits.

Two blocks (``survey_items.csv``):

- **attitudes** (q01-q20): five constructs of four items, each loading about .7 on one
  trait, one item per construct reverse-keyed; a few items also load .15-.35 on a second
  trait (cross-loadings), so a factor analysis is clean enough to read but not textbook;
- **benefits sought** (b01-b06, 利益诉求): how important freshness, price, convenience,
  quality, service and range are, for benefit segmentation. Importance items are skewed:
  most people call most things important.

Answers are what real respondents give: an individual tendency to agree (acquiescence,
which pushes reverse-keyed items the other way), some skewed items, a few straight-liners
who tick the same box throughout, and skipped questions (missing answers). Who answers
depends on the persona (seniors answer more, trend-seekers less): respondents are not a
random sample of members.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.synth.params import TRAITS, Params
from coursekit.synth.population import Latent


def trait_moments(traits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation of each trait."""
    return traits.mean(axis=0), traits.std(axis=0)


THRESHOLDS = np.array([-1.3, -0.45, 0.35, 1.2])  # latent cut points for answers 1..5
WAVE = (0.70, 0.78)  # the survey ran over this part of the window
ACQUIESCENCE_SD = 0.3
STRAIGHT_LINER_SHARE = 0.03
MISSING_SHARE = 0.015  # of answers skipped


def make_survey(
    latent: Latent,
    customers: pd.DataFrame,
    params: Params,
    start: pd.Timestamp,
    n_days: int,
    rng: np.random.Generator,
    *,
    moments: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Survey answers of the members who respond.

    Traits are standardized by their mean and standard deviation over the members given,
    or by ``moments`` (mean, standard deviation) over a whole world generated in blocks.
    """
    n = len(customers)
    mean, spread = moments if moments is not None else trait_moments(latent.traits)
    spread = np.where(spread > 0, spread, 1.0)  # a one-member world has no spread
    z = (latent.traits - mean) / spread
    lo, hi = int(n_days * WAVE[0]), max(int(n_days * WAVE[1]), int(n_days * WAVE[0]) + 1)
    day = rng.integers(lo, hi, n)
    signup = ((customers["signup_date"] - start).dt.days).to_numpy()
    rate = params.personas["survey_rate"].to_numpy()[latent.persona]
    responds = (rng.random(n) < rate) & (signup <= day)
    who = np.flatnonzero(responds)
    m = len(who)
    out = {
        "customer_id": customers["customer_id"].to_numpy()[who],
        "response_date": (start + pd.to_timedelta(day[who], unit="D")),
    }
    agree = rng.normal(0.0, ACQUIESCENCE_SD, m)
    straight = rng.random(m) < STRAIGHT_LINER_SHARE
    straight_answer = rng.choice([3, 4, 5, 4], size=m)
    for _, item in params.survey_items.iterrows():
        loading = float(item["loading"])
        trait = z[who, TRAITS.index(item["trait"])]
        content = loading * trait
        cross = float(item["cross_loading"])
        if cross:
            content = content + cross * z[who, TRAITS.index(item["cross_trait"])]
        noise_sd = np.sqrt(max(1 - loading**2 - cross**2, 0.05))
        if str(item["reverse_keyed"]) == "True":
            content = -content  # agreeing means less of the trait; acquiescence still agrees
        latent_answer = content + agree + float(item["skew"]) + noise_sd * rng.normal(size=m)
        answer = (np.searchsorted(THRESHOLDS, latent_answer) + 1).astype(np.int64)
        answer = np.where(straight, straight_answer, answer)
        skipped = rng.random(m) < MISSING_SHARE
        out[item["item"]] = pd.array(np.where(skipped, 0, answer), dtype="Int64")
        out[item["item"]][skipped] = pd.NA
    return pd.DataFrame(out)
