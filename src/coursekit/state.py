"""The course state of one kernel: which data is in use, its tables, and the language.

This is what the exercise engine depends on. The notebook-facing facade,
:mod:`coursekit.course` (``course.setup()``, ``course.load()``, ``course.progress()``),
chooses the data and sets it here; the engine only reads it. Nothing here touches the disk
until a table is loaded.

Values computed from the data (tables read, references, mistake targets) are kept per
*world*: a data directory with its MANIFEST fingerprint, or one set of in-memory tables.
Setting up the same world again (a notebook re-running ``course.setup()``, two tests on
the same directory) finds them again; a regenerated directory is a new world. The most
recent worlds are kept (:data:`WORLDS_KEPT`).
"""

from __future__ import annotations

import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from coursekit.errors import CourseDataError, CourseNotSetUp

LANGS = ("en", "zh")
#: Worlds whose tables and computed values stay in memory, per kind: data directories (a
#: trainee uses one; the test suite switches between the default and a small world) and
#: in-memory tables (a new world at every setup).
WORLDS_KEPT = {"dir": 2, "memory": 1}

T = TypeVar("T")


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
    memory: Mapping[str, pd.DataFrame] | None = None
    lang: str | None = None
    generation: int = 0  # bumps on every setup() and reset()
    # world key -> values computed from that world (tables, references, mistake targets)
    worlds: OrderedDict[Hashable, dict[Hashable, Any]] = field(default_factory=OrderedDict)


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
        return normalize_lang(env)
    except ValueError:
        # A typo in the environment must not break every check: say so, use English.
        warnings.warn(
            f"COURSEKIT_LANG={env!r} is not a known language (en, zh); using English",
            stacklevel=2,
        )
        return "en"


def set_lang(value: str) -> str:
    """Switch the feedback language for this kernel ("en" or "zh")."""
    _state.lang = normalize_lang(value)
    return _state.lang


def normalize_lang(value: str) -> str:
    """ "zh", "zh_CN", "中文" ... → "zh"; "en", "en-US", "english" → "en"; else ValueError."""
    v = str(value).strip().lower().replace("_", "-")
    if v in ("zh", "zh-cn", "zh-hans", "cn", "chinese", "中文"):
        return "zh"
    if v in ("en", "en-us", "en-gb", "english"):
        return "en"
    raise ValueError(f"unknown language {value!r}; use 'en' or 'zh'")


# ---------------------------------------------------------------------------- the data in use


def activate(info: DataInfo, memory: Mapping[str, pd.DataFrame] | None) -> None:
    """Make ``info`` (and, for in-memory data, its tables) the data in use."""
    _state.info = info
    _state.memory = memory
    _state.generation += 1
    key = world_key()
    if key in _state.worlds:
        _state.worlds.move_to_end(key)


def clear(*, forget_lang: bool = True) -> None:
    """No data in use (and no language chosen), as in a fresh kernel."""
    _state.info = None
    _state.memory = None
    _state.generation += 1
    if forget_lang:
        _state.lang = None


def is_set_up() -> bool:
    return _state.info is not None


def info() -> DataInfo:
    """The data in use; raises ``CourseNotSetUp`` before ``setup()``."""
    if _state.info is None:
        raise CourseNotSetUp("course.setup() has not been run in this kernel")
    return _state.info


def generation() -> int:
    """A counter that changes on every ``setup()`` and ``reset()``."""
    return _state.generation


def world_key() -> Hashable:
    """The identity of the world in use, for caches.

    A directory is known by its path and MANIFEST fingerprint (so setting it up again
    finds what was computed, and a regenerated one starts afresh). In-memory tables are
    a new world at every ``setup()``: a test may change them between two setups.
    """
    data = info()
    if data.path is not None:
        return ("dir", str(data.path), data.fingerprint)
    return ("memory", data.fingerprint)


def world_cached(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per world: the value for ``key`` in the world in use.

    Args:
        key: unique across the course; prefix it with the module or problem id.
        compute: a function without arguments reading the data in use.

    Raises:
        CourseNotSetUp: no data in use.
    """
    world = world_key()
    store = _state.worlds.get(world)
    if store is None:
        _make_room(world[0])
        store = _state.worlds[world] = {}
    else:
        _state.worlds.move_to_end(world)
    if key not in store:
        value = compute()
        # The world may have changed while computing (compute() called setup()): store
        # the value only where it belongs.
        if world_key() == world:
            store[key] = value
        return value
    return store[key]


def _make_room(kind: str) -> None:
    same_kind = [key for key in _state.worlds if key[0] == kind]  # oldest first
    for key in same_kind[: max(len(same_kind) - WORLDS_KEPT[kind] + 1, 0)]:
        del _state.worlds[key]


def forget_worlds() -> None:
    """Drop every cached table and computed value (the next access recomputes)."""
    _state.worlds.clear()


def load(name: str) -> pd.DataFrame:
    """A fresh copy of one table of the data in use, e.g. ``course.load("orders")``.

    Copies are cheap next to a trainee accidentally modifying the cached table.
    """
    data = info()
    memory = _state.memory

    def read() -> pd.DataFrame:
        if memory is not None:
            if name not in memory:
                raise CourseDataError(f"no table {name!r} in the in-memory data")
            return memory[name]
        from coursekit.synth.io import read_table

        return read_table(data.path, name)

    return world_cached(("table", name), read).copy()


def hidden(name: str) -> pd.DataFrame:
    """A hidden table (``truth``, ``life_events`` ...) for the checks and the simulator.

    Read from the world's ``truth/`` folder; in a world handed out without it, the hidden
    tables are rebuilt in memory from the world's seed once
    (:func:`coursekit.synth.rebuild.rebuild_hidden_tables`), confirmed against its files,
    and never written. ``load`` (what a trainee calls) keeps refusing them there.
    """
    data = info()
    if data.path is not None:
        from coursekit.synth.io import read_manifest, truth_included
        from coursekit.synth.schema import TRUTH_TABLES

        if name in TRUTH_TABLES and not truth_included(read_manifest(data.path)):
            from coursekit.synth.rebuild import rebuild_hidden_tables

            tables = world_cached(("hidden tables",), lambda: rebuild_hidden_tables(data.path))
            return tables[name].copy()
    return load(name)


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
