"""The notebook-facing facade: ``course.setup()``, ``course.load()``, ``course.progress()``.

A notebook calls ``course.setup()`` once; checks and worked examples then read tables with
``course.load("orders")``. Nothing here touches the disk until ``setup()`` is called.

The state itself (the data in use, its tables, the language) lives in
:mod:`coursekit.state`, which the exercise engine reads; this module chooses the data,
prints what it chose, and re-exports the state's functions under their public names.

Data is found in this order:

1. ``course.setup(data=DIR)`` (a directory written by ``coursekit data generate``, or an
   in-memory ``World`` / mapping of table name to DataFrame, for tests);
2. the ``COURSEKIT_DATA`` environment variable;
3. the nearest ``datasets/`` directory (holding a ``MANIFEST``) at or above the working
   directory, which is the committed course world when working inside the repository;
4. the default world generated once into the user cache directory, so an installed
   package works anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from coursekit import state
from coursekit.errors import CourseDataError, CourseNotSetUp
from coursekit.state import (
    LANGS,
    DataInfo,
    data_dir,
    generation,
    info,
    is_set_up,
    lang,
    load,
    set_lang,
    stale_reason,
)

__all__ = [
    "LANGS",
    "CourseDataError",
    "CourseNotSetUp",
    "DataInfo",
    "data_dir",
    "find_datasets_dir",
    "generation",
    "info",
    "is_set_up",
    "lang",
    "load",
    "progress",
    "reset",
    "set_lang",
    "setup",
    "stale_reason",
]

DEFAULT_SEED = 2026
DEFAULT_CUSTOMERS = 5000

# ---------------------------------------------------------------------------- setup


def setup(
    data: str | os.PathLike | Mapping[str, pd.DataFrame] | Any | None = None,
    *,
    lang: str | None = None,
    quiet: bool = False,
) -> DataInfo:
    """Choose the course data and language for this kernel and print one line saying which.

    Args:
        data: a dataset directory, an in-memory ``World`` or mapping of tables, or None to
            search (``COURSEKIT_DATA``, the nearest ``datasets/``, the user cache).
        lang: "en" or "zh"; default ``COURSEKIT_LANG`` or English.
        quiet: do not print the one-line summary.

    Returns:
        The ``DataInfo`` of the data now in use.
    """
    if lang is not None:
        set_lang(lang)
    info_, memory = _resolve(data)
    state.activate(info_, memory)
    _keep_excel_engine()
    if not quiet:
        print(info_.describe(state.lang()))
    return info_


def _keep_excel_engine() -> None:
    """Trainees' ``pd.read_excel`` keeps pandas' current engine (openpyxl).

    The checks read Excel exports with the faster calamine engine; with it installed,
    pandas would otherwise add a notice to every trainee's read that its default engine
    will change. Choosing the engine explicitly is what that notice asks for.
    """
    if pd.get_option("io.excel.xlsx.reader") == "auto":
        pd.set_option("io.excel.xlsx.reader", "openpyxl")


def reset() -> None:
    """Forget the data in use and the language (as a fresh kernel would).

    Tables and references already computed stay cached per world, so setting the same
    data up again is instant; a changed data directory is a different world.
    """
    state.clear()


def progress(module: str | None = None):
    """Show a progress bar of checked problems (per module) in the notebook."""
    from coursekit.engine.progress import show_progress

    return show_progress(module)


# ---------------------------------------------------------------------------- resolution


def _resolve(data) -> tuple[DataInfo, Mapping[str, pd.DataFrame] | None]:
    if data is not None and not isinstance(data, str | os.PathLike):
        return _memory_info(data)
    if data is not None:
        return _dir_info(Path(data), "argument"), None
    env = os.environ.get("COURSEKIT_DATA")
    if env:
        return _dir_info(Path(env), "env"), None
    found = find_datasets_dir(Path.cwd())
    if found is not None:
        return _dir_info(found, "datasets"), None
    return _dir_info(_cached_default_world(), "cache"), None


def find_datasets_dir(start: Path) -> Path | None:
    """The nearest ``datasets/`` holding a MANIFEST at or above ``start``."""
    from coursekit.synth.io import MANIFEST_NAME

    for folder in (start, *start.parents):
        candidate = folder / "datasets"
        if (candidate / MANIFEST_NAME).is_file():
            return candidate
    return None


def _dir_info(path: Path, source: str) -> DataInfo:
    from coursekit.synth.io import manifest_fingerprint, open_dataset

    path = path.expanduser().resolve()
    manifest = open_dataset(path)  # CourseDataError: missing, malformed, files cut short
    params = manifest.get("parameters", {})
    return DataInfo(
        path=path,
        source=source,
        seed=params.get("seed"),
        n_customers=params.get("n_customers"),
        fingerprint=manifest_fingerprint(path),
        locale=params.get("locale"),
    )


def _memory_info(data) -> tuple[DataInfo, Mapping[str, pd.DataFrame]]:
    tables = data.tables() if hasattr(data, "tables") and callable(data.tables) else data
    if not isinstance(tables, Mapping):
        raise TypeError("setup(data=...) takes a directory, a World or a mapping of DataFrames")
    params = getattr(data, "params", {}) or {}
    customers = tables.get("customers")
    n = params.get("n_customers", None if customers is None else len(customers))
    fingerprint = f"memory-{id(tables)}-{state.generation() + 1}"
    info_ = DataInfo(
        path=None,
        source="memory",
        seed=params.get("seed"),
        n_customers=n,
        fingerprint=fingerprint,
        locale=params.get("locale"),
    )
    return info_, tables


def _cached_default_world() -> Path:
    """Generate the default world into the user cache once; reuse it afterwards."""
    import platformdirs

    from coursekit import __version__
    from coursekit.synth import generate_world
    from coursekit.synth.io import MANIFEST_NAME

    root = Path(platformdirs.user_cache_dir("coursekit"))
    target = root / f"world-{__version__}-seed{DEFAULT_SEED}-n{DEFAULT_CUSTOMERS}"
    if not (target / MANIFEST_NAME).is_file():
        root.mkdir(parents=True, exist_ok=True)
        generate_world(n_customers=DEFAULT_CUSTOMERS, seed=DEFAULT_SEED).save(target, force=True)
    return target
