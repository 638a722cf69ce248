"""The synthetic retail world: personas, customers, orders, browsing, survey, campaigns,
the hidden truth, and the messy raw exports of module 01.

    >>> from coursekit.synth import generate_world
    >>> world = generate_world(n_customers=500, seed=7)   # doctest: +SKIP
    >>> world.save("my_world")                            # doctest: +SKIP
"""

from coursekit.synth.world import (
    GENERATOR_VERSION,
    GeneratorInputError,
    World,
    generate_world,
    load_world,
)

__all__ = ["GENERATOR_VERSION", "GeneratorInputError", "World", "generate_world", "load_world"]
