"""Reading and writing a world on disk: tables, the MANIFEST, fingerprints, damage checks.

A dataset directory holds:

=====================  ================================================================
``NAME.csv``           one file per observed table (or ``NAME.parquet``)
``truth/NAME.csv``     the hidden tables (``schema.TRUTH_TABLES``); absent when the world
                       was written or handed out without them (``--no-truth``)
``raw/``               the raw exports of module 01
``README.md``          the data dictionary
``MANIFEST``           JSON: generator version, parameters, row counts, and the sha256 and
                       size of every file; written last, so a directory without one is
                       never a finished dataset
=====================  ================================================================

Worlds written before the hidden tables had a folder keep them at the top level
(``truth.csv``); they are read as well.

Three levels of checking, from cheap to thorough: :func:`open_dataset` (``course.setup()``)
compares the size of every file with the MANIFEST; :func:`read_table` also compares the
row count of the table it reads; ``coursekit data verify`` compares every sha256.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
from pathlib import Path

import pandas as pd

from coursekit.errors import CourseDataError
from coursekit.synth.schema import RAW_FILES, TABLES, TRUTH_TABLES, conform

MANIFEST_NAME = "MANIFEST"
README_NAME = "README.md"
TRUTH_DIR = "truth"
RAW_DIR = "raw"
FORMATS = ("csv", "parquet")
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A MANIFEST lists a few dozen files; anything this big is not one (and is not read).
MAX_MANIFEST_BYTES = 4 * 2**20
_SHA256 = re.compile(r"[0-9a-f]{64}")


# ---------------------------------------------------------------------------- layout


def table_file(name: str, format: str = "csv") -> str:
    """Where table ``name`` lives inside a dataset directory, e.g. ``truth/truth.csv``."""
    file = f"{name}.{format}"
    return f"{TRUTH_DIR}/{file}" if name in TRUTH_TABLES else file


def planned_files(format: str, *, truth: bool = True, raw: bool = True) -> list[str]:
    """Every file a world written with these options holds (the MANIFEST included)."""
    names = [table_file(n, format) for n in TABLES if truth or n not in TRUTH_TABLES]
    if raw:
        names += [f"{RAW_DIR}/{n}" for n in RAW_FILES]
    return sorted([*names, README_NAME, MANIFEST_NAME])


def _table_candidates(name: str) -> list[str]:
    own = [table_file(name, fmt) for fmt in FORMATS]
    if name in TRUTH_TABLES:  # worlds written before truth/ existed
        own += [f"{name}.{fmt}" for fmt in FORMATS]
    return own


# ---------------------------------------------------------------------------- encoding


def table_to_csv_bytes(df: pd.DataFrame, name: str) -> bytes:
    """A clean table as UTF-8 CSV, byte-for-byte reproducible."""
    from coursekit.synth.encoding import csv_bytes, timestamp_text

    dates = {
        col.name: timestamp_text(df[col.name], date_only=col.kind == "date")
        for col in TABLES[name].columns
        if col.kind in ("date", "datetime")
    }
    return csv_bytes(df, formatted=dates)


def table_to_parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
    return buf.getvalue()


# ---------------------------------------------------------------------------- errors


def damaged(path: str | Path, what: str) -> CourseDataError:
    """The error for a dataset whose files do not match its MANIFEST."""
    return CourseDataError(
        f"the course data is damaged: {what}; run `coursekit data verify {_shell(path)}`"
    )


def gone(path: str | Path) -> CourseDataError:
    """The error for a data folder that disappeared after ``course.setup()``."""
    return CourseDataError(
        f"the course data folder {path} is gone (deleted or moved after course.setup() ran): "
        "put it back, or run course.setup() again to use other data, or write it anew with "
        f"`coursekit data generate --out {_shell(path)}`"
    )


def withheld(name: str) -> CourseDataError:
    """The error for a hidden table of a world handed out without them."""
    return CourseDataError(
        f"this world was handed out without its hidden tables ({TRUTH_DIR}/), so "
        f"{name!r} is not available here; ask your instructor"
    )


def _shell(path: str | Path) -> str:
    return shlex.quote(str(path))


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------- MANIFEST


def read_manifest(path: str | Path) -> dict:
    """The parsed and validated MANIFEST of a dataset directory.

    Raises:
        CourseDataError: one line naming the problem, for a missing directory or MANIFEST
            and for every malformed MANIFEST (wrong JSON types, entries without sha256 or
            size, file names outside the directory, parameters that are not parameters).
    """
    path = Path(path)
    if not path.exists():
        raise CourseDataError(f"data directory {path} does not exist")
    if not path.is_dir():
        raise CourseDataError(f"{path} is a file, not a data directory")
    manifest = path / MANIFEST_NAME
    if not manifest.is_file():
        raise CourseDataError(
            f"{path} has no {MANIFEST_NAME}: it is not a complete coursekit dataset "
            "(perhaps an interrupted generation); generate it again"
        )
    try:
        if manifest.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError(f"it is larger than {MAX_MANIFEST_BYTES // 2**20} MiB")
        data = json.loads(manifest.read_bytes().decode("utf-8"), parse_constant=_no_constant)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _broken_manifest(manifest, f"it is not valid JSON ({_one_line(exc)})") from None
    problem = manifest_problem(data)
    if problem:
        raise _broken_manifest(manifest, problem)
    return data


def _broken_manifest(manifest: Path, problem: str) -> CourseDataError:
    return CourseDataError(
        f"{manifest} is damaged: {problem}; restore it, or generate the world again"
    )


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def manifest_problem(data: object) -> str | None:
    """What is wrong with a parsed MANIFEST, or None when it is well formed."""
    if not isinstance(data, dict):
        return f"it must be a JSON object, not {_kind(data)}"
    for key in ("files", "parameters", "rows"):
        if key not in data:
            return f"`{key}` is missing"
        if not isinstance(data[key], dict):
            return f"`{key}` must be a JSON object, not {_kind(data[key])}"
    if data.get("format") not in FORMATS:
        return f"`format` must be one of {', '.join(FORMATS)}, not {_short(data.get('format'))}"
    for name, meta in data["files"].items():
        if not _inside(name):
            return f"`files` lists {_short(name)}, which is not a file inside the dataset"
        if not isinstance(meta, dict):
            return f"the entry of {name} in `files` must be a JSON object, not {_kind(meta)}"
        if not (isinstance(meta.get("sha256"), str) and _SHA256.fullmatch(meta["sha256"])):
            return f"the entry of {name} in `files` has no valid `sha256`"
        if not _count(meta.get("bytes")):
            return f"the entry of {name} in `files` has no valid size (`bytes`)"
    params = data["parameters"]
    checks = {
        "n_customers": lambda v: _count(v) and v > 0,
        "seed": _count,
        "start": _date_text,
        "end": _date_text,
        "locale": lambda v: isinstance(v, str),
        "timezone": lambda v: isinstance(v, str),
    }
    for key, ok in checks.items():
        if key not in params:
            return f"`parameters` has no `{key}`"
        if not ok(params[key]):
            return f"`parameters.{key}` is not valid: {_short(params[key])}"
    for name, count in data["rows"].items():
        if not _count(count):
            return f"`rows.{name}` must be a row count, not {_short(count)}"
    truth = data.get("truth")
    if truth is not None and not (
        isinstance(truth, dict)
        and isinstance(truth.get("included"), bool)
        and isinstance(truth.get("tables"), list)
        and all(isinstance(t, str) for t in truth["tables"])
    ):
        return "`truth` must say whether the hidden tables are included and which they are"
    return None


def _inside(name: object) -> bool:
    """A relative path to a file inside the dataset (no ``..``, not absolute, not MANIFEST)."""
    if not isinstance(name, str) or not name or name == MANIFEST_NAME:
        return False
    if "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _date_text(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        pd.Timestamp(value)
    except (ValueError, OverflowError):
        return False
    return True


def _kind(value: object) -> str:
    for kind, name in ((bool, "true/false"), (dict, "an object"), (list, "a list"),
                       (str, "a string"), (int, "a number"), (float, "a number")):  # fmt: skip
        if isinstance(value, kind):
            return name
    return "null"


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def truth_included(manifest: dict) -> bool:
    """Whether the hidden tables are part of this world (older worlds: when listed)."""
    truth = manifest.get("truth")
    if isinstance(truth, dict):
        return bool(truth.get("included"))
    return any(c in manifest["files"] for n in TRUTH_TABLES for c in _table_candidates(n))


def lists_table(manifest: dict, name: str) -> bool:
    """Whether the MANIFEST lists a file of table ``name`` (older worlds lack later tables)."""
    return any(c in manifest["files"] for c in _table_candidates(name)) or bool(
        partitioned_files(manifest, name)
    )


def partitioned_files(manifest: dict, name: str) -> list[str]:
    """The Parquet files of table ``name`` in a partitioned world (``--format parquet``:
    ``orders/month=2024-01/part-00000.parquet`` ...), sorted; empty for other worlds."""
    folder = f"{TRUTH_DIR}/{name}/" if name in TRUTH_TABLES else f"{name}/"
    return sorted(f for f in manifest["files"] if f.startswith(folder) and f.endswith(".parquet"))


# ---------------------------------------------------------------------------- cheap checks


def check_files(path: str | Path, manifest: dict, names=None) -> None:
    """Every listed file (or those in ``names``) is there with the size the MANIFEST says.

    Costs one ``stat`` per file: it finds deleted, truncated and grown files, not edits
    that keep the size (``coursekit data verify`` finds those).

    Raises:
        CourseDataError: "the course data is damaged: ..." naming the files.
    """
    path = Path(path)
    problems = []
    for name in manifest["files"] if names is None else names:
        expected = manifest["files"][name]["bytes"]
        try:
            size = os.stat(path / name).st_size
        except (FileNotFoundError, NotADirectoryError):
            problems.append(f"{name} is missing")
            continue
        except OSError as exc:
            problems.append(f"{name} cannot be read ({exc.strerror})")
            continue
        if size < expected:
            problems.append(f"{name} is cut short ({size:,} of {expected:,} bytes)")
        elif size > expected:
            problems.append(f"{name} was changed ({size:,} bytes, the MANIFEST says {expected:,})")
    if problems:
        more = f" and {len(problems) - 3} more files" if len(problems) > 3 else ""
        raise damaged(path, "; ".join(problems[:3]) + more)


def open_dataset(path: str | Path) -> dict:
    """The MANIFEST of a dataset that ``course.setup()`` may use: valid, every file in place."""
    manifest = read_manifest(path)
    check_files(path, manifest)
    return manifest


def stale_reason(path: str | Path, fingerprint: str) -> str | None:
    """Why a dataset set up with MANIFEST ``fingerprint`` may no longer be what was loaded.

    Returns:
        None if it is unchanged, or a sentence when the world was regenerated meanwhile
        (tables read before belong to the old world: the kernel must start again).

    Raises:
        CourseDataError: the folder is gone, or its files no longer match the MANIFEST.
    """
    path = Path(path)
    if not path.is_dir():
        raise gone(path)
    try:
        now = manifest_fingerprint(path)
    except FileNotFoundError:
        raise damaged(path, f"{MANIFEST_NAME} is missing") from None
    except OSError as exc:
        raise CourseDataError(f"cannot read the course data in {path}: {exc.strerror}") from None
    if now != fingerprint:
        return f"the data in {path} changed after course.setup() ran"
    check_files(path, read_manifest(path))
    return None


# ---------------------------------------------------------------------------- reading


def read_table(path: str | Path, name: str) -> pd.DataFrame:
    """Read one clean table of a dataset directory, typed by the schema.

    The file's size and the table's row count must match the MANIFEST.
    """
    path = Path(path)
    if name not in TABLES:
        known = ", ".join(TABLES)
        raise CourseDataError(f"unknown table {name!r}; the tables are: {known}")
    if not path.exists():
        raise gone(path)
    manifest = read_manifest(path)
    listed = [c for c in _table_candidates(name) if c in manifest["files"]]
    parts = [] if listed else partitioned_files(manifest, name)
    if not listed and not parts:
        if name in TRUTH_TABLES and not truth_included(manifest):
            raise withheld(name)
        raise CourseDataError(f"the data in {path} has no table {name!r} (not in its MANIFEST)")
    if parts:
        return _read_partitioned(path, manifest, name, parts)
    rel = listed[0]
    check_files(path, manifest, [rel])
    file = path / rel
    try:
        if rel.endswith(".csv"):
            kinds = {c.name: c.kind for c in TABLES[name].columns}
            dtype = {c: "str" for c, k in kinds.items() if k == "str"}
            dtype.update({c: "category" for c, k in kinds.items() if k == "code"})
            df = pd.read_csv(file, dtype=dtype, keep_default_na=False, na_values=[""])
        else:
            df = pd.read_parquet(file)
        df = conform(df, name)
    except Exception as exc:  # edited in place, same size: say which file
        raise damaged(path, f"{rel} cannot be read ({_one_line(exc)})") from exc
    expected = manifest["rows"].get(name)
    if expected is not None and len(df) != expected:
        raise damaged(path, f"{rel} has {len(df):,} rows, the MANIFEST says {expected:,}")
    return df


def _read_partitioned(path: Path, manifest: dict, name: str, parts: list[str]) -> pd.DataFrame:
    """One table of a partitioned world: its files in path order (month, then part)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    check_files(path, manifest, parts)
    try:
        # Each file on its own: the partition column (month) is in the path, not a column.
        tables = [pq.ParquetFile(path / rel).read() for rel in parts]
        df = conform(pa.concat_tables(tables).to_pandas(), name)
    except Exception as exc:  # edited in place, same size: say which table
        raise damaged(path, f"{name} cannot be read ({_one_line(exc)})") from exc
    expected = manifest["rows"].get(name)
    if expected is not None and len(df) != expected:
        raise damaged(path, f"{name} has {len(df):,} rows, the MANIFEST says {expected:,}")
    return df


def raw_export_path(path: str | Path, name: str) -> Path:
    """The path of raw export ``name`` (e.g. ``pos_transactions.csv``), checked to be intact."""
    path = Path(path)
    if not path.is_dir():
        raise gone(path)
    manifest = read_manifest(path)
    rel = f"{RAW_DIR}/{name}"
    if rel not in manifest["files"]:
        raise CourseDataError(f"the data in {path} has no raw export {rel} (not in its MANIFEST)")
    check_files(path, manifest, [rel])
    return path / rel


# ---------------------------------------------------------------------------- digests


def manifest_fingerprint(path: str | Path) -> str:
    """sha256 of the MANIFEST: it changes whenever any file of the dataset changes."""
    return hashlib.sha256((Path(path) / MANIFEST_NAME).read_bytes()).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
