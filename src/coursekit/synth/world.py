"""``generate_world``: the whole synthetic retail world, and saving / loading it."""

from __future__ import annotations

import json
import numbers
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coursekit import __version__
from coursekit.fileio import atomic_directory
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
from coursekit.synth.schema import TABLES, conform
from coursekit.synth.survey import make_survey

# Bump when a change to the generator changes its output for the same parameters.
GENERATOR_VERSION = "2"
FORMATS = ("csv", "parquet")
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
    truth: pd.DataFrame
    life_events: pd.DataFrame
    competitor_openings: pd.DataFrame
    campaign_response: pd.DataFrame
    params: dict = field(default_factory=dict)
    _raw: object | None = field(default=None, repr=False)
    _raw_dir: Path | None = field(default=None, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The clean tables (and truth) by name, in schema order."""
        return {name: getattr(self, name) for name in TABLES}

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
        self, out: str | Path, *, format: str = "csv", force: bool = False, raw: bool = True
    ) -> Path:
        """Write the world to ``out`` atomically: a finished dataset or nothing.

        Args:
            out: target directory; must not exist, be empty, or (with ``force``) hold a
                previous coursekit dataset.
            format: "csv" (UTF-8) or "parquet" for the clean tables.
            force: replace an existing dataset directory.
            raw: also write the raw exports under ``raw/``.
        """
        out = Path(out)
        if format not in FORMATS:
            raise GeneratorInputError(f"unknown format {format!r}; use one of {FORMATS}")
        check_output_dir(out, force=force)
        files: dict[str, bytes] = {}
        rows: dict[str, int] = {}
        for name, df in self.tables().items():
            if format == "csv":
                files[f"{name}.csv"] = sio.table_to_csv_bytes(df, name)
            else:
                files[f"{name}.parquet"] = sio.table_to_parquet_bytes(df)
            rows[name] = len(df)
        if raw:
            for name, data in self.raw.files().items():
                files[f"raw/{name}"] = data
        from coursekit.synth.dictionary import data_dictionary

        files["README.md"] = data_dictionary(self.params, rows, format=format).encode("utf-8")
        manifest = {
            "generator": "coursekit.synth",
            "generator_version": GENERATOR_VERSION,
            "package_version": __version__,
            "parameters": self.params,
            "format": format,
            "libraries": _library_versions(),
            "rows": rows,
            "files": {
                name: {"sha256": sio.sha256_bytes(data), "bytes": len(data)}
                for name, data in sorted(files.items())
            },
        }
        files[sio.MANIFEST_NAME] = (
            json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
        ).encode()
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # an empty directory is fine to fill; atomic_directory wants none
        with atomic_directory(out, replace=force) as tmp:
            for name, data in files.items():
                _write_file(tmp / name, data)
        return out


def _write_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def check_output_dir(out: Path, *, force: bool) -> None:
    """Refuse output paths that would lose data, before any work is done."""
    if out.exists() and not out.is_dir():
        raise GeneratorInputError(f"output path {out} is a file, not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise GeneratorInputError(
                f"output directory {out} is not empty; use --force to replace it"
            )
        if not (out / sio.MANIFEST_NAME).is_file():
            raise GeneratorInputError(
                f"refusing to replace {out}: it is not a coursekit dataset (no MANIFEST)"
            )
    if not out.parent.exists():
        raise GeneratorInputError(f"parent directory {out.parent} does not exist")


def _library_versions() -> dict[str, str]:
    import faker
    import pyarrow

    return {
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "faker": faker.VERSION,
        "pyarrow": pyarrow.__version__,
    }


def validate_parameters(n_customers, seed, start, end, locale) -> tuple:
    """Check ``generate_world``'s parameters; one clear message per problem."""
    if isinstance(n_customers, bool) or not isinstance(n_customers, numbers.Integral):
        raise GeneratorInputError(f"n_customers must be a whole number, got {n_customers!r}")
    if n_customers <= 0:
        raise GeneratorInputError(f"n_customers must be positive, got {n_customers}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise GeneratorInputError(f"seed must be a non-negative whole number, got {seed!r}")
    try:
        start_ts = pd.Timestamp(start).normalize()
        end_ts = pd.Timestamp(end).normalize()
    except (ValueError, TypeError) as exc:
        raise GeneratorInputError(f"start and end must be dates (YYYY-MM-DD): {exc}") from exc
    if pd.isna(start_ts) or pd.isna(end_ts):
        raise GeneratorInputError("start and end must be dates (YYYY-MM-DD)")
    if end_ts <= start_ts:
        raise GeneratorInputError(
            f"end ({end_ts:%Y-%m-%d}) must be after start ({start_ts:%Y-%m-%d})"
        )
    if locale not in LOCALES:
        raise GeneratorInputError(f"unknown locale {locale!r}; use one of {', '.join(LOCALES)}")
    return int(n_customers), int(seed), start_ts, end_ts, locale


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
    params = load_params()
    days = pd.date_range(start_ts, end_ts, freq="D")
    n_days = len(days)
    # Plain tqdm, imported only when asked: tqdm.auto warns in kernels without ipywidgets,
    # and course.setup() imports this module in every notebook.
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=7, desc="generating world", unit="step")
    else:
        bar = _NoBar()

    pools = name_pools(locale, seed)
    stores = make_stores(params, locale, _stream(seed, "stores"), pools)
    products = make_products(params, locale, _stream(seed, "products"))
    customers, membership = make_customers(
        params, n, start_ts, n_days, locale, _stream(seed, "customers"), pools, stores
    )
    latent = make_latent(params, membership, _stream(seed, "latent"))
    life = make_lifecycle(params, membership, latent, stores, n_days, _stream(seed, "lifecycle"))
    bar.update()

    intensity = make_intensity(params, days)
    times = draw_order_times(latent, life, intensity, _stream(seed, "order_times"))
    campaigns = plan_campaigns(params, start_ts, n_days, locale)
    signup_day = np.floor(membership.signup_day)
    times, assignments = assign_and_apply(
        campaigns, params, latent, life, signup_day, times, intensity, _stream(seed, "campaigns")
    )
    bar.update()

    orders, items, assignments = make_orders(
        times,
        latent,
        life,
        customers,
        stores,
        products,
        params,
        campaigns,
        assignments,
        start_ts,
        _stream(seed, "orders"),
        _stream(seed, "order_items"),
    )
    bar.update()

    customers["member_level"] = _member_levels(latent, params, _stream(seed, "member_levels"))
    truth = _truth(customers, latent, life, times, params, start_ts)
    bar.update()

    web_events = make_web_events(
        orders,
        items,
        latent,
        life,
        customers,
        products,
        params,
        start_ts,
        n_days,
        _stream(seed, "web_events"),
    )
    bar.update()
    survey = make_survey(latent, customers, params, start_ts, n_days, _stream(seed, "survey"))
    bar.update()

    stores = stores.assign(
        open_date=start_ts - pd.to_timedelta(stores.pop("open_days_before"), unit="D")
    )
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
    competitor = life.competitor
    competitor_openings = pd.DataFrame(
        {
            "store_id": competitor["store_id"].to_numpy(),
            "opening_date": start_ts + pd.to_timedelta(competitor["opening_day"], unit="D"),
        }
    )
    world = World(
        customers=conform(customers, "customers"),
        products=conform(products, "products"),
        stores=conform(stores, "stores"),
        orders=conform(orders, "orders"),
        order_items=conform(items, "order_items"),
        web_events=conform(web_events, "web_events"),
        survey=conform(survey, "survey"),
        survey_items=conform(params.survey_items, "survey_items"),
        campaigns=conform(campaigns, "campaigns"),
        campaign_assignments=conform(assignments, "campaign_assignments"),
        truth=conform(truth, "truth"),
        life_events=conform(life_events, "life_events"),
        competitor_openings=conform(competitor_openings, "competitor_openings"),
        campaign_response=conform(response_parameters(params), "campaign_response"),
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
    """Read a dataset directory written by ``World.save`` (raw exports stay on disk)."""
    path = Path(path)
    manifest = sio.read_manifest(path)
    tables = {name: sio.read_table(path, name) for name in TABLES}
    return World(**tables, params=dict(manifest["parameters"]), _raw_dir=path / "raw")
