"""The synthetic retail world: personas, customers, orders, browsing, survey, campaigns,
the hidden truth, and the messy raw exports of module 01.

    >>> from coursekit.synth import generate_world, load_world
    >>> world = generate_world(n_customers=500, seed=7)   # doctest: +SKIP
    >>> world.save("my_world")                            # doctest: +SKIP
    >>> load_world("my_world").orders                     # doctest: +SKIP

Every member has a hidden persona (``synth/data/personas.csv`` and
``persona_profiles.csv``: parameters as data, not code branches) that drives the observed
tables: demographics; latent traits and, through a factor model with reverse-keyed
items, the survey; a BG/NBD-style purchase process (order rate ~ Gamma, dropout after each
order ~ Beta, plus one-time triers) shaped by weekday habits and the Spring Festival, 618
and Double 11 peaks; basket missions and category mixes; channel mix; browsing; and
responses to past campaigns with randomized holdouts, which differ in sign by persona.

The default world is realistic by measurement (``tests/synth/test_realism.py``):

=====================================================  ===================================
customers with exactly one completed order              10–45%
revenue share of the top 20% of customers               55–80% (CDNOW, a real log: 68%)
median days between a customer's consecutive orders     7–45
orders per weekend day vs per weekday                    weekend higher
Spring Festival run-up, 618, Double 11                   visible peaks
category pairs bought together with lift > 1.5          at least 3
customers not alive at the end                           15–40%, their orders stop before
Cronbach's alpha per survey construct                    0.70–0.92 after reverse-keying
k-means (k = personas) on behavioral features vs truth   adjusted Rand index 0.3–0.85
campaign uplift (treatment − control spend)              differs in sign between personas
=====================================================  ===================================

Determinism: one ``numpy`` stream per table, derived from the seed and the table's name;
the same seed gives byte-identical files (with the pinned library versions recorded in
the MANIFEST). Speed: vectorized numpy, Faker only for small name pools
(``benchmarks/bench_synth.py``: a million customers in memory in about 75 s).
"""

from coursekit.synth.world import (
    GENERATOR_VERSION,
    GeneratorInputError,
    World,
    generate_world,
    load_world,
)

__all__ = ["GENERATOR_VERSION", "GeneratorInputError", "World", "generate_world", "load_world"]
