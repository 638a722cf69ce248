"""The hidden tables of a world handed out without them, rebuilt in memory from its seed.

A world written with ``--no-truth`` (what ``coursekit handout`` gives trainees by default)
has no ``truth/`` folder, but its MANIFEST keeps the parameters it was generated with.
Some exercise checks (the reveal of module 04, the plan of the capstone) and the campaign
simulator need the hidden tables. They call :func:`rebuild_hidden_tables`: the world is
generated again in memory, the regenerated tables are confirmed to be the ones on disk
(sha256 of each against the MANIFEST), and only the hidden tables are returned. Nothing is
written: a trainee's ``course.load("truth")`` still says the tables were left out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coursekit.errors import CourseDataError
from coursekit.synth.io import read_manifest, sha256_bytes, table_file, table_to_csv_bytes
from coursekit.synth.schema import TRUTH_TABLES

#: Worlds up to this size are rebuilt (a handout world has 5,000 members; 50,000 take about
#: 20 s and 2 GiB).
MAX_CUSTOMERS = 50_000

#: The tables compared with the files on disk. They come from the random streams that also
#: draw the hidden tables (members and their personas, orders and churn, campaigns and
#: responses), so a world rebuilt from other parameters or by another generator differs
#: in them.
CONFIRMING_TABLES = ("customers", "orders", "campaign_assignments")


def rebuild_hidden_tables(path: str | Path) -> dict[str, pd.DataFrame]:
    """The hidden tables of the world in ``path``, regenerated from its MANIFEST.

    Raises:
        CourseDataError: the world cannot be rebuilt here (too large, Parquet, written by
            another generator version, or the regenerated tables differ from its files),
            with the reason in one line.
    """
    from coursekit.synth.world import GENERATOR_VERSION, generate_world

    path = Path(path)
    manifest = read_manifest(path)
    params = manifest.get("parameters") or {}
    why_not = None
    if manifest.get("format", "csv") != "csv":
        why_not = "it is a Parquet world"
    elif str(manifest.get("generator_version")) != GENERATOR_VERSION:
        why_not = (
            f"it was made by generator version {manifest.get('generator_version')}, this "
            f"package has version {GENERATOR_VERSION}"
        )
    elif not isinstance(params.get("n_customers"), int) or params["n_customers"] > MAX_CUSTOMERS:
        why_not = f"it has more than {MAX_CUSTOMERS:,} members"
    if why_not is not None:
        raise _cannot(why_not)
    try:
        world = generate_world(
            n_customers=params["n_customers"],
            seed=params["seed"],
            start=params["start"],
            end=params["end"],
            locale=params["locale"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _cannot(f"its MANIFEST's parameters do not make a world ({exc})") from None
    for name in CONFIRMING_TABLES:
        listed = manifest["files"].get(table_file(name, "csv"), {})
        regenerated = sha256_bytes(table_to_csv_bytes(getattr(world, name), name))
        if listed.get("sha256") != regenerated:
            raise _cannot(
                f"the world generated from its MANIFEST's parameters differs from its files "
                f"({table_file(name, 'csv')}): other library versions, or files edited"
            )
    return {name: getattr(world, name) for name in TRUTH_TABLES}


def _cannot(why: str) -> CourseDataError:
    return CourseDataError(
        f"this world was handed out without its hidden tables (truth/), and they cannot be "
        f"rebuilt here: {why}; ask your instructor"
    )
