"""Reading and writing a world on disk: tables, the MANIFEST, fingerprints.

A dataset directory holds one file per clean table (CSV or Parquet), the raw exports
under ``raw/``, the data dictionary ``README.md`` and a ``MANIFEST`` (JSON) with the
generator version, parameters, row counts and a sha256 per file. The MANIFEST is
written last, so a directory without one is never a finished dataset.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd

from coursekit.errors import CourseDataError
from coursekit.synth.schema import TABLES, conform

MANIFEST_NAME = "MANIFEST"
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def table_to_csv_bytes(df: pd.DataFrame, name: str) -> bytes:
    """A clean table as UTF-8 CSV, byte-for-byte reproducible."""
    out = df.copy()
    for col in TABLES[name].columns:
        if col.kind in ("date", "datetime"):
            fmt = DATE_FORMAT if col.kind == "date" else DATETIME_FORMAT
            out[col.name] = out[col.name].dt.strftime(fmt)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def table_to_parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
    return buf.getvalue()


def read_table(path: str | Path, name: str) -> pd.DataFrame:
    """Read one clean table of a dataset directory, typed by the schema."""
    path = Path(path)
    if name not in TABLES:
        known = ", ".join(TABLES)
        raise CourseDataError(f"unknown table {name!r}; the tables are: {known}")
    csv_path, pq_path = path / f"{name}.csv", path / f"{name}.parquet"
    try:
        if csv_path.is_file():
            kinds = {c.name: c.kind for c in TABLES[name].columns}
            dtype = {c: "str" for c, k in kinds.items() if k == "str"}
            dtype.update({c: "category" for c, k in kinds.items() if k == "code"})
            df = pd.read_csv(csv_path, dtype=dtype, keep_default_na=False, na_values=[""])
        elif pq_path.is_file():
            df = pd.read_parquet(pq_path)
        else:
            raise CourseDataError(f"{path} has no {name}.csv or {name}.parquet")
        return conform(df, name)
    except CourseDataError:
        raise
    except Exception as exc:  # a truncated or edited file: say which one
        raise CourseDataError(f"cannot read {name} from {path}: {exc}") from exc


def read_manifest(path: str | Path) -> dict:
    """The parsed MANIFEST of a dataset directory, with clear errors for broken ones."""
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
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CourseDataError(f"{manifest} is corrupt: {exc}") from exc
    if not isinstance(data, dict) or "files" not in data or "parameters" not in data:
        raise CourseDataError(f"{manifest} is not a coursekit MANIFEST")
    return data


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
