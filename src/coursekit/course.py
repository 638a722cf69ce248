"""Which course data is in use, and in which language.

A notebook calls ``course.setup()`` once; checks and worked examples then read tables with
``course.load("orders")``. Nothing here touches the disk until ``setup()`` is called.

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
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from coursekit.errors import CourseDataError, CourseNotSetUp

LANGS = ("en", "zh")
DEFAULT_SEED = 2026
DEFAULT_CUSTOMERS = 5000


@dataclass(frozen=True)
class DataInfo:
    """What data is in use: where it came from and which world it is."""

    path: Path | None
    source: str
    seed: int | None
    n_customers: int | None
    fingerprint: str
    locale: str | None = None

    def __repr__(self) -> str:
        # Short, for a notebook cell that ends with course.setup(): the line it printed
        # already says where the data is.
        return f"DataInfo(seed={self.seed}, customers={self.n_customers}, source={self.source!r})"

    def describe(self, lang: str = "en") -> str:
        n = f"{self.n_customers:,}" if self.n_customers is not None else "?"
        where = str(self.path) if self.path is not None else _MEMORY[lang]
        if lang == "zh":
            return (
                f"coursekit：使用数据 seed={self.seed}，{n} 位客户，来自 {where}"
                f"（{_SOURCES[self.source]['zh']}）；语言：中文"
            )
        return (
            f"coursekit: using data seed={self.seed}, {n} customers from {where} "
            f"({_SOURCES[self.source]['en']}); language: English"
        )


_MEMORY = {"en": "memory", "zh": "内存"}
_SOURCES = {
    "argument": {"en": "given to setup()", "zh": "setup() 参数指定"},
    "env": {"en": "COURSEKIT_DATA", "zh": "环境变量 COURSEKIT_DATA"},
    "datasets": {"en": "nearest datasets/ folder", "zh": "最近的 datasets/ 目录"},
    "cache": {"en": "default world in the user cache", "zh": "用户缓存中的默认数据"},
    "memory": {"en": "in-memory tables", "zh": "内存中的数据表"},
}


@dataclass
class _State:
    info: DataInfo | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    memory: Mapping[str, pd.DataFrame] | None = None
    lang: str | None = None
    generation: int = 0  # bumps on every setup(); lets caches notice a new world


_state = _State()


# ---------------------------------------------------------------------------- language


def lang() -> str:
    """The feedback language: set by ``setup(lang=...)``, else ``COURSEKIT_LANG``, else English."""
    if _state.lang is not None:
        return _state.lang
    env = os.environ.get("COURSEKIT_LANG", "").strip().lower()
    if not env:
        return "en"
    try:
        return _normalize_lang(env)
    except ValueError:
        # A typo in the environment must not break every check: say so, use English.
        warnings.warn(
            f"COURSEKIT_LANG={env!r} is not a known language (en, zh); using English",
            stacklevel=2,
        )
        return "en"


def set_lang(value: str) -> str:
    """Switch the feedback language for this kernel ("en" or "zh")."""
    _state.lang = _normalize_lang(value)
    return _state.lang


def _normalize_lang(value: str) -> str:
    v = str(value).strip().lower().replace("_", "-")
    if v in ("zh", "zh-cn", "zh-hans", "cn", "chinese", "中文"):
        return "zh"
    if v in ("en", "en-us", "en-gb", "english"):
        return "en"
    raise ValueError(f"unknown language {value!r}; use 'en' or 'zh'")


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
    info, memory = _resolve(data)
    _state.info = info
    _state.memory = memory
    _state.tables = {}
    _state.generation += 1
    if not quiet:
        print(info.describe(globals()["lang"]()))
    return info


def reset() -> None:
    """Forget the data in use and the language (as a fresh kernel would)."""
    _state.info = None
    _state.memory = None
    _state.tables = {}
    _state.lang = None
    _state.generation += 1


def is_set_up() -> bool:
    return _state.info is not None


def info() -> DataInfo:
    """The data in use; raises ``CourseNotSetUp`` before ``setup()``."""
    if _state.info is None:
        raise CourseNotSetUp("course.setup() has not been run in this kernel")
    return _state.info


def generation() -> int:
    """A counter that changes whenever the data in use changes (for caches)."""
    return _state.generation


def load(name: str) -> pd.DataFrame:
    """A fresh copy of one table of the data in use, e.g. ``course.load("orders")``.

    Copies are cheap next to a trainee accidentally modifying the cached table.
    """
    data = info()
    if name not in _state.tables:
        if _state.memory is not None:
            if name not in _state.memory:
                raise CourseDataError(f"no table {name!r} in the in-memory data")
            _state.tables[name] = _state.memory[name]
        else:
            from coursekit.synth.io import read_table

            _state.tables[name] = read_table(data.path, name)
    return _state.tables[name].copy()


def data_dir() -> Path:
    """The directory of the data in use (raw exports live under ``raw/``)."""
    data = info()
    if data.path is None:
        raise CourseDataError("the data in use is in memory and has no directory")
    return data.path


def stale_reason() -> str | None:
    """Why the kernel's view of the data may be out of date, or None.

    The data directory's MANIFEST is fingerprinted at setup; if the files were
    regenerated since, answers computed before no longer match the data on disk.
    """
    data = _state.info
    if data is None or data.path is None:
        return None
    from coursekit.synth.io import stale_reason as dataset_stale_reason

    return dataset_stale_reason(data.path, data.fingerprint)  # CourseDataError: gone, damaged


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
    fingerprint = f"memory-{id(tables)}-{_state.generation + 1}"
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
