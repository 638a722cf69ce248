"""``generate_world``: the whole synthetic retail world, and saving / loading it."""

from __future__ import annotations

import json
import numbers
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coursekit import __version__
from coursekit.errors import CourseDataError
from coursekit.fileio import atomic_directory, carry_over, folders_of
from coursekit.synth import io as sio
from coursekit.synth.browsing import make_web_events
from coursekit.synth.campaigns import assign_and_apply, plan_campaigns
from coursekit.synth.catalog import make_products
from coursekit.synth.lifecycle import TRIGGERS, make_lifecycle
from coursekit.synth.orders import make_orders
from coursekit.synth.params import LOCALES, TRAITS, load_params
from coursekit.synth.population import make_customers, make_latent, make_stores, name_pools
from coursekit.synth.purchases import draw_order_times, make_intensity
from coursekit.synth.response import response_parameters
from coursekit.synth.schema import TABLES, TRUTH_TABLES, conform
from coursekit.synth.survey import make_survey

# Bump when a change to the generator changes its output for the same parameters.
GENERATOR_VERSION = "2"
FORMATS = sio.FORMATS
# The days a world may span: the years of the shopping calendar
# (synth/data/spring_festival.csv; tests/synth/test_world_io.py keeps the two in step).
FIRST_DAY = pd.Timestamp("2015-01-01")
LAST_DAY = pd.Timestamp("2035-12-31")
# Member cards and app user ids are drawn without replacement from 8-digit spaces.
MAX_CUSTOMERS = 10_000_000
# Peak memory per member and year of data, with some room: generating a world (about
# 4 KB measured at 100,000 members and at 1,000,000, benchmarks/bench_synth.py --large),
# and generating and writing it with its raw exports as `coursekit data generate` does
# (about 12.5 KB, measured at 20,000 and 100,000 members with /usr/bin/time).
MEMORY_PER_CUSTOMER_YEAR = {"generate": 4_500, "write": 13_000, "stream": 4_500}
# Streaming into partitioned Parquet (coursekit.synth.stream) holds one chunk of members
# and the row groups of one part of files being written (a fixed amount).
MEMORY_BASE = {"generate": 200 * 2**20, "write": 600 * 2**20, "stream": 1200 * 2**20}
# The export systems store UTC; local time is a fixed offset (no daylight saving), so
# every local timestamp maps to exactly one instant and back.
TIMEZONES = {"zh_CN": "Asia/Shanghai", "en_US": "Etc/GMT+5"}


class GeneratorInputError(ValueError):
    """A parameter of ``generate_world`` or ``World.save`` is invalid (nothing was written)."""


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per table: changing one table leaves the others alone."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


@dataclass
class World:
    """A generated retail world: clean tables, the hidden truth, and the raw exports."""

    customers: pd.DataFrame
    products: pd.DataFrame
    stores: pd.DataFrame
    orders: pd.DataFrame
    order_items: pd.DataFrame
    web_events: pd.DataFrame
    survey: pd.DataFrame
    survey_items: pd.DataFrame
    campaigns: pd.DataFrame
    campaign_assignments: pd.DataFrame
    # The hidden tables (schema.TRUTH_TABLES): None in a world handed out without them.
    truth: pd.DataFrame | None = None
    life_events: pd.DataFrame | None = None
    competitor_openings: pd.DataFrame | None = None
    campaign_response: pd.DataFrame | None = None
    params: dict = field(default_factory=dict)
    _raw: object | None = field(default=None, repr=False)
    _raw_dir: Path | None = field(default=None, repr=False)

    def tables(self, *, truth: bool = True) -> dict[str, pd.DataFrame]:
        """The tables by name, in schema order: the observed ones, then (unless ``truth`` is
        False) the hidden ones this world has."""
        return {
            name: df
            for name in TABLES
            if (truth or name not in TRUTH_TABLES) and (df := getattr(self, name, None)) is not None
        }

    @property
    def has_truth(self) -> bool:
        """Whether this world holds its hidden tables (a handed-out copy does not)."""
        return all(getattr(self, name, None) is not None for name in TRUTH_TABLES)

    @property
    def raw(self):
        """The messy source exports (built on first use: they are costly for big worlds)."""
        if self._raw is None:
            from coursekit.synth.raw import RawExports, make_raw_exports

            if self._raw_dir is not None:
                self._raw = RawExports.from_dir(self._raw_dir)
            else:
                self._raw = make_raw_exports(self, _stream(self.params["seed"], "raw"))
        return self._raw

    def save(
        self,
        out: str | Path,
        *,
        format: str = "csv",
        force: bool = False,
        raw: bool = True,
        truth: bool = True,
    ) -> Path:
        """Write the world to ``out`` atomically: a finished dataset or nothing.

        Args:
            out: target directory; must not exist, be empty, or (with ``force``) hold a
                previous coursekit dataset. Only the files that dataset's MANIFEST lists
                are replaced; anything else in the folder is kept.
            format: "csv" (UTF-8) or "parquet" for the clean tables.
            force: replace an existing dataset directory.
            raw: also write the raw exports under ``raw/``.
            truth: also write the hidden tables under ``truth/``; without them the world
                can be handed out (the MANIFEST records which it is).
        """
        if format not in FORMATS:
            raise GeneratorInputError(f"unknown format {format!r}; use one of {FORMATS}")
        if truth and not self.has_truth:
            raise GeneratorInputError(
                "this world has no hidden tables (it was handed out without truth/); "
                "save it with truth=False"
            )
        plan = check_output_dir(
            Path(out), force=force, files=sio.planned_files(format, truth=truth, raw=raw)
        )
        from coursekit.synth.dictionary import data_dictionary

        tables = self.tables(truth=truth)
        rows = {name: len(df) for name, df in tables.items()}
        entries: dict[str, dict] = {}
        # One file at a time, encoded, written and forgotten: a big world never holds all
        # of its files in memory at once.
        with atomic_directory(plan.target, replace=plan.replace) as tmp:

            def put(name: str, data: bytes) -> None:
                _write_file(tmp / name, data)
                entries[name] = {"sha256": sio.sha256_bytes(data), "bytes": len(data)}

            for name, df in tables.items():
                if format == "csv":
                    put(sio.table_file(name, format), sio.table_to_csv_bytes(df, name))
                else:
                    put(sio.table_file(name, format), sio.table_to_parquet_bytes(df))
            if raw:
                for name, data in self.raw.files().items():
                    put(f"{sio.RAW_DIR}/{name}", data)
            put(sio.README_NAME, data_dictionary(self.params, rows, format=format).encode())
            manifest = {
                "generator": "coursekit.synth",
                "generator_version": GENERATOR_VERSION,
                "package_version": __version__,
                "parameters": self.params,
                "format": format,
                "libraries": _library_versions(),
                "rows": rows,
                "truth": {"included": truth, "tables": list(TRUTH_TABLES)},
                "files": dict(sorted(entries.items())),
            }
            text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
            _write_file(tmp / sio.MANIFEST_NAME, text.encode())  # last: the world is complete
        return Path(out)


def _write_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


@dataclass(frozen=True)
class OutputPlan:
    """Where a world goes: the folder, and what of the folder it replaces."""

    target: Path  # absolute, symbolic links resolved
    replace: frozenset[str] | None  # files of the world there; None: nothing is there


def check_output_dir(out: str | Path, *, force: bool, files=None) -> OutputPlan:
    """Refuse output paths that would lose data or cannot be written, before any work.

    Args:
        out: the output directory, as the user gave it.
        force: an existing dataset there may be replaced.
        files: the relative paths the new world will hold (``io.planned_files``); files
            of the user's in the folder with one of these names are refused by name.

    Returns:
        The plan for ``atomic_directory``.
    """
    label = str(out)
    try:
        return _output_plan(label, Path(os.path.expanduser(os.fspath(out))), force, files)
    except GeneratorInputError:
        raise
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a name too long, a loop
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise GeneratorInputError(f"cannot use {label!r} as the output folder: {reason}") from None


def _output_plan(label: str, out: Path, force: bool, files) -> OutputPlan:
    target = out.resolve()
    if target.parent == target:
        raise GeneratorInputError(f"output folder {label} is the root of the file system")
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the current folder was deleted: nothing to protect there
        cwd = None
    if cwd is not None and (target == cwd or target in cwd.parents):
        raise GeneratorInputError(
            f"output folder {label} is the current folder or holds it; run the command "
            "from outside it (e.g. from its parent folder)"
        )
    parent = target.parent
    if not parent.is_dir():
        existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise GeneratorInputError(f"{existing} is a file, so {label} cannot be a folder")
        raise GeneratorInputError(f"parent directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise GeneratorInputError(f"cannot write in {parent}: permission denied")
    if not target.exists():
        return OutputPlan(target, None)
    if not target.is_dir():
        raise GeneratorInputError(f"output path {label} is a file, not a directory")
    if not any(target.iterdir()):
        return OutputPlan(target, frozenset())  # an empty folder is filled
    if not force:
        raise GeneratorInputError(
            f"output directory {label} is not empty; use --force to replace it"
        )
    if not (target / sio.MANIFEST_NAME).is_file():
        raise GeneratorInputError(
            f"refusing to replace {label}: it is not a coursekit dataset (no MANIFEST)"
        )
    try:
        manifest = sio.read_manifest(target)
    except CourseDataError as exc:
        raise GeneratorInputError(f"refusing to replace {label}: {exc}") from None
    owned = frozenset(manifest["files"]) | {sio.MANIFEST_NAME}
    keep, conflicts = carry_over(target, owned, files if files is not None else ())
    if conflicts:
        raise GeneratorInputError(
            f"refusing to replace {label}: it holds {', '.join(conflicts)}, not part of the "
            "world there, and the new world writes files of the same name; move them "
            "elsewhere first"
        )
    # Replacing moves the user's files across and deletes the old world's: every folder
    # involved must be writable, or the run would fail halfway (checked before any work).
    folders = {target} | {
        target / f for name in (*owned, *keep) for f in folders_of(name) if (target / f).is_dir()
    }
    blocked = sorted(str(f) for f in folders if not os.access(f, os.W_OK | os.X_OK))
    if blocked:
        raise GeneratorInputError(f"cannot replace {label}: no permission to change {blocked[0]}")
    return OutputPlan(target, owned)


def _library_versions() -> dict[str, str]:
    import faker
    import pyarrow

    return {
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "faker": faker.VERSION,
        "pyarrow": pyarrow.__version__,
    }


def validate_parameters(
    n_customers, seed, start, end, locale, *, writing: bool = False, memory_for: int | None = None
) -> tuple:
    """Check ``generate_world``'s parameters; one clear message per problem.

    Dates must lie between ``FIRST_DAY`` and ``LAST_DAY``; the number of customers is
    limited by ``MAX_CUSTOMERS`` and by the memory this machine has available (to
    generate the world, or with ``writing`` to generate and write it; a world streamed in
    chunks needs the memory of ``memory_for`` members at a time).
    """
    if isinstance(n_customers, bool) or not isinstance(n_customers, numbers.Integral):
        raise GeneratorInputError(f"n_customers must be a whole number, got {n_customers!r}")
    if n_customers <= 0:
        raise GeneratorInputError(f"n_customers must be positive, got {n_customers}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise GeneratorInputError(f"seed must be a non-negative whole number, got {seed!r}")
    if seed >= 2**63:
        raise GeneratorInputError(f"seed must be below 2**63, got {seed}")
    start_ts, end_ts = _day(start, "start"), _day(end, "end")
    for what, day in (("start", start_ts), ("end", end_ts)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise GeneratorInputError(
                f"{what} must be a date from {FIRST_DAY:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d} "
                f"(the years the shopping calendar covers), got {day:%Y-%m-%d}"
            )
    if end_ts <= start_ts:
        raise GeneratorInputError(
            f"end ({end_ts:%Y-%m-%d}) must be after start ({start_ts:%Y-%m-%d})"
        )
    if locale not in LOCALES:
        raise GeneratorInputError(f"unknown locale {locale!r}; use one of {', '.join(LOCALES)}")
    if n_customers > MAX_CUSTOMERS:
        raise GeneratorInputError(
            f"n_customers must be at most {MAX_CUSTOMERS:,}, got {n_customers:,}"
        )
    if memory_for is not None:
        need, available = memory_needed(memory_for, start_ts, end_ts, "stream"), available_memory()
        if need > available:
            raise GeneratorInputError(
                f"a chunk of {memory_for:,} members from {start_ts:%Y-%m-%d} to "
                f"{end_ts:%Y-%m-%d} needs about {_gib(need)} of memory and {_gib(available)} "
                "is available: choose a smaller chunk size"
            )
        return int(n_customers), int(seed), start_ts, end_ts, locale
    task = "write" if writing else "generate"
    need, available = memory_needed(n_customers, start_ts, end_ts, task), available_memory()
    if need > available:
        fits = max_customers(start_ts, end_ts, available, task)
        raise GeneratorInputError(
            f"{n_customers:,} customers from {start_ts:%Y-%m-%d} to {end_ts:%Y-%m-%d} need "
            f"about {_gib(need)} of memory to {task} and {_gib(available)} is available: "
            f"at most {fits:,} customers fit over this period"
        )
    return int(n_customers), int(seed), start_ts, end_ts, locale


def _day(value, what: str) -> pd.Timestamp:
    """A date given as text or a date object, at midnight, without a time zone."""
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        day = pd.NaT
    if pd.isna(day):
        raise GeneratorInputError(f"start and end must be dates (YYYY-MM-DD), got {what} {value!r}")
    if day.tzinfo is not None:
        day = day.tz_localize(None)
    return day.normalize()


def memory_needed(
    n_customers: int, start: pd.Timestamp, end: pd.Timestamp, task: str = "generate"
) -> int:
    """Bytes a world of this size needs to "generate" (in memory) or to "write" (both)."""
    return int(MEMORY_BASE[task] + n_customers * _memory_per_customer(start, end, task))


def max_customers(
    start: pd.Timestamp, end: pd.Timestamp, available: int, task: str = "generate"
) -> int:
    """The most customers that fit in ``available`` bytes over this period."""
    fits = (available - MEMORY_BASE[task]) // _memory_per_customer(start, end, task)
    return int(max(0, min(MAX_CUSTOMERS, fits)))


def _memory_per_customer(start: pd.Timestamp, end: pd.Timestamp, task: str) -> float:
    years = ((end - start).days + 1) / 365.25
    return MEMORY_PER_CUSTOMER_YEAR[task] * years


def available_memory() -> int:
    """Bytes of memory available to a new process now (free plus reclaimable cache)."""
    import psutil

    return int(psutil.virtual_memory().available)


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"


def generate_world(
    n_customers: int = 5000,
    seed: int = 2026,
    start: str = "2024-01-01",
    end: str = "2025-12-31",
    locale: str = "zh_CN",
    *,
    progress: bool = False,
) -> World:
    """Generate a synthetic retail world with a hidden ground truth.

    Args:
        n_customers: number of members.
        seed: random seed; the same seed gives byte-identical files.
        start, end: first and last day of the data (inclusive).
        locale: "zh_CN" (default) or "en_US" (names, cities, phones, product names).
        progress: show a progress bar.

    Returns:
        A ``World`` with the clean tables, ``truth``, and lazily built ``raw`` exports.
    """
    n, seed, start_ts, end_ts, locale = validate_parameters(n_customers, seed, start, end, locale)
    # Plain tqdm, imported only when asked: tqdm.auto warns in kernels without ipywidgets,
    # and course.setup() imports this module in every notebook.
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=7, desc="generating world", unit="step")
    else:
        bar = _NoBar()
    shared = shared_parts(seed, start_ts, end_ts, locale)
    tables = member_tables(shared, n, lambda name: _stream(seed, name), bar=bar)
    tables.update(shared_tables(shared))
    world = World(
        **{name: conform(df, name) for name, df in tables.items()},
        params={
            "n_customers": n,
            "seed": seed,
            "start": f"{start_ts:%Y-%m-%d}",
            "end": f"{end_ts:%Y-%m-%d}",
            "locale": locale,
            "timezone": TIMEZONES[locale],
        },
    )
    bar.update()
    bar.close()
    return world


@dataclass(frozen=True)
class SharedParts:
    """What every member of a world shares: the calendar, the chain, its products and
    campaigns. Drawn once per world, whether the members are generated all at once or in
    blocks (``coursekit.synth.stream``)."""

    params: object  # params.Params
    seed: int
    start: pd.Timestamp
    end: pd.Timestamp
    days: pd.DatetimeIndex
    locale: str
    pools: object  # population.NamePools
    stores: pd.DataFrame  # with open_days_before (open_date is set by shared_tables)
    products: pd.DataFrame
    intensity: object  # purchases.Intensity
    campaigns: pd.DataFrame  # the plan, with the generator's private columns

    @property
    def n_days(self) -> int:
        return len(self.days)


def shared_parts(seed: int, start_ts: pd.Timestamp, end_ts: pd.Timestamp, locale: str):
    """The parts of a world that do not depend on its members (each from its own stream)."""
    params = load_params()
    days = pd.date_range(start_ts, end_ts, freq="D")
    pools = name_pools(locale, seed)
    return SharedParts(
        params=params,
        seed=seed,
        start=start_ts,
        end=end_ts,
        days=days,
        locale=locale,
        pools=pools,
        stores=make_stores(params, locale, _stream(seed, "stores"), pools),
        products=make_products(params, locale, _stream(seed, "products")),
        intensity=make_intensity(params, days),
        campaigns=plan_campaigns(params, start_ts, len(days), locale),
    )


def shared_tables(shared: SharedParts) -> dict[str, pd.DataFrame]:
    """The tables that hold no member: products, stores, the questionnaire, campaigns and
    the response model's parameters (not yet conformed to the schema)."""
    stores = shared.stores.copy()
    stores = stores.assign(
        open_date=shared.start - pd.to_timedelta(stores.pop("open_days_before"), unit="D")
    )
    return {
        "products": shared.products,
        "stores": stores,
        "survey_items": shared.params.survey_items,
        "campaigns": shared.campaigns,
        "campaign_response": response_parameters(shared.params),
    }


def member_tables(
    shared: SharedParts,
    n: int,
    stream,
    *,
    first_customer_id: int = 100001,
    phone_numbers=None,
    competitor: pd.DataFrame | None = None,
    cuts: dict[int, int] | None = None,
    trait_moments: tuple[np.ndarray, np.ndarray] | None = None,
    bar=None,
) -> dict[str, pd.DataFrame]:
    """The tables of ``n`` members (not yet conformed), each table from ``stream(name)``.

    A whole world is one call; a world streamed in blocks (``coursekit.synth.stream``) is
    one call per block, with what ties the blocks together given from outside.

    Args:
        shared: the world's shared parts.
        n: number of members.
        stream: ``stream(table_name)`` gives the random stream of a table.
        first_customer_id: the first member number (members are numbered by signup).
        phone_numbers: ``phone_numbers(customer_ids, area_codes)``: numbers distinct across
            the whole world; default: drawn from the customers stream, distinct among these
            ``n`` members.
        competitor: the world's competitor openings; default: drawn from the lifecycle
            stream.
        cuts: campaign id -> order-count cut of a "top members" target rule; default: the
            cut among these ``n`` members.
        trait_moments: mean and standard deviation of the latent traits over the world
            (the survey's standardization); default: over these ``n`` members.
        bar: a progress bar to advance through the steps.

    Returns:
        Member tables by name, and ``competitor_openings``.
    """
    bar = bar if bar is not None else _NoBar()
    params, start_ts, n_days = shared.params, shared.start, shared.n_days
    customers, membership = make_customers(
        params, n, start_ts, n_days, shared.locale, stream("customers"), shared.pools,
        shared.stores, first_id=first_customer_id, phone_numbers=phone_numbers,
    )  # fmt: skip
    latent = make_latent(params, membership, stream("latent"))
    life = make_lifecycle(
        params, membership, latent, shared.stores, n_days, stream("lifecycle"),
        competitor=competitor,
    )  # fmt: skip
    bar.update()

    times = draw_order_times(latent, life, shared.intensity, stream("order_times"))
    campaigns = shared.campaigns
    signup_day = np.floor(membership.signup_day)
    times, assignments = assign_and_apply(
        campaigns, params, latent, life, signup_day, times, shared.intensity,
        stream("campaigns"), cuts=cuts,
    )  # fmt: skip
    bar.update()

    orders, items, assignments = make_orders(
        times,
        latent,
        life,
        customers,
        shared.stores,
        shared.products,
        params,
        campaigns,
        assignments,
        start_ts,
        stream("orders"),
        stream("order_items"),
    )
    bar.update()

    customers["member_level"] = _member_levels(latent, params, stream("member_levels"))
    truth = _truth(customers, latent, life, times, params, start_ts)
    bar.update()

    web_events = make_web_events(
        orders,
        items,
        latent,
        life,
        customers,
        shared.products,
        params,
        start_ts,
        n_days,
        stream("web_events"),
    )
    bar.update()
    survey = make_survey(
        latent, customers, params, start_ts, n_days, stream("survey"), moments=trait_moments
    )
    bar.update()

    ids = customers["customer_id"].to_numpy()
    events = life.events_table()
    life_events = pd.DataFrame(
        {
            "customer_id": ids[events["member"].to_numpy()],
            "event": events["event"].to_numpy(),
            "event_date": start_ts + pd.to_timedelta(np.floor(events["day"]), unit="D"),
            "new_home_store_id": pd.array(
                np.where(
                    events["event"] == "moved",
                    life.new_home_store[events["member"].to_numpy()],
                    0,
                ),
                dtype="Int64",
            ),
        }
    )
    life_events.loc[life_events["event"] != "moved", "new_home_store_id"] = pd.NA
    competitor_openings = pd.DataFrame(
        {
            "store_id": life.competitor["store_id"].to_numpy(),
            "opening_date": start_ts + pd.to_timedelta(life.competitor["opening_day"], unit="D"),
        }
    )
    return {
        "customers": customers,
        "orders": orders,
        "order_items": items,
        "web_events": web_events,
        "survey": survey,
        "campaign_assignments": assignments,
        "truth": truth,
        "life_events": life_events,
        "competitor_openings": competitor_openings,
    }


# Member level when the data window opens: members who joined before it have a level from
# the spending of their previous year (which the data does not hold: drawn around their
# expected spend); members who join later start as regular. Nothing observed after the
# window opens goes into it.
LINE_VALUE = 32.0  # a typical line's amount (yuan), for the expected yearly spend


def _member_levels(latent, params, rng) -> np.ndarray:
    P = params.personas
    expected = (
        latent.rate
        * 365.0
        * P["lines_mean"].to_numpy()[latent.persona]
        * P["quantity_mean"].to_numpy()[latent.persona]
        * latent.spend_level
        * LINE_VALUE
    )
    spend = expected * rng.lognormal(0.0, 0.4, len(expected))
    spend = np.where(latent.existing & ~latent.never_buys, spend, 0.0)
    levels = params.member_levels
    idx = np.searchsorted(levels["min_spend_12m"].to_numpy(), spend, side="right") - 1
    return levels["level"].to_numpy()[np.clip(idx, 0, len(levels) - 1)]


def _truth(customers, latent, life, times, params, start_ts) -> pd.DataFrame:
    n = len(customers)

    def dates(days: np.ndarray) -> np.ndarray:
        out = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        has = ~np.isnan(days)
        out[has] = start_ts + pd.to_timedelta(np.floor(days[has]), unit="D")
        return out.to_numpy()

    names = np.asarray(params.persona_names, dtype=object)
    drift = np.where(times.alive, np.nan, life.drift_start)
    out = {
        "customer_id": customers["customer_id"].to_numpy(),
        "persona": names[latent.persona],
        "secondary_persona": names[latent.secondary],
        "blend": np.round(latent.blend, 4),
        "alive_at_end": times.alive,
        "drift_start": dates(drift),
        "churn_date": dates(times.churn_day),
        "churn_trigger": np.asarray(TRIGGERS, dtype=object)[np.where(times.alive, 0, life.trigger)],
        "order_rate": np.round(latent.rate, 6),
        "churn_hazard": np.round(latent.hazard, 8),
    }
    for j, trait in enumerate(TRAITS):
        out[f"trait_{trait}"] = np.round(latent.traits[:, j], 4)
    return pd.DataFrame(out)


def load_world(path: str | Path) -> World:
    """Read a dataset directory written by ``World.save`` (raw exports stay on disk).

    The hidden tables are read when the world has them; otherwise they are None.
    """
    path = Path(path)
    manifest = sio.read_manifest(path)
    hidden = sio.truth_included(manifest)
    tables = {
        name: sio.read_table(path, name)
        for name in TABLES
        if name not in TRUTH_TABLES or (hidden and sio.lists_table(manifest, name))
    }
    return World(**tables, params=dict(manifest["parameters"]), _raw_dir=path / sio.RAW_DIR)
