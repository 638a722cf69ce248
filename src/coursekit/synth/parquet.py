"""A world as Hive-partitioned Parquet: the layout DuckDB, Spark and Hive read as it is.

One folder per table; the tables with a time stamp are split into one folder per month
(``month=YYYY-MM``, the partition column), and the member tables into one file per *part*
of :data:`PART_MEMBERS` members::

    orders/month=2024-01/part-00000.parquet      orders of members 1..100,000 in Jan 2024
    order_items/month=2024-01/part-00000.parquet their lines (the month of the order)
    web_events/month=2024-01/part-00000.parquet
    customers/part-00000.parquet
    products/part-00000.parquet                  tables without members: one file
    truth/truth/part-00000.parquet               the hidden tables under truth/

Every (table, month, part) file exists, even without rows, so the files of a world are
known before it is generated (``coursekit data generate --force`` checks them first).
Rows are written in the order they come (block after block of members) and gathered into
row groups of :data:`ROW_GROUP_ROWS` rows, so the files depend on the rows alone, not on
how many members were generated at a time.

Column types are plain Parquet types: 64-bit integers, doubles, strings (no dictionary
columns, whose index width could differ between blocks), booleans, ``date32`` dates and
timestamps in microseconds without time zone (Spark 3.5 cannot read nanoseconds).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from coursekit.synth.io import TRUTH_DIR
from coursekit.synth.schema import TABLES, TRUTH_TABLES

#: Members per part file of each member table.
PART_MEMBERS = 100_000
#: Rows gathered before a row group is written.
ROW_GROUP_ROWS = 65_536
#: The partition column of the tables split by month, and the column it is taken from
#: (order lines take the month of their order).
MONTHLY = {"orders": "order_ts", "order_items": None, "web_events": "event_ts"}
PARTITION_COLUMN = "month"
#: Tables with one row per member (or several): one file per part.
MEMBER_TABLES = (
    "customers",
    "orders",
    "order_items",
    "web_events",
    "survey",
    "campaign_assignments",
    "truth",
    "life_events",
)
_ARROW = {
    "int": pa.int64(),
    "nint": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
    "code": pa.string(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp("us"),
    "date": pa.date32(),
}
_WRITE_OPTIONS = {"compression": "zstd", "write_statistics": True}


def table_dir(name: str) -> str:
    """The folder of table ``name`` inside a world, e.g. ``orders`` or ``truth/truth``."""
    return f"{TRUTH_DIR}/{name}" if name in TRUTH_TABLES else name


def part_name(part: int) -> str:
    return f"part-{part:05d}.parquet"


def months(start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """The months ``YYYY-MM`` from ``start`` to ``end`` (both included)."""
    return [f"{p:%Y-%m}" for p in pd.period_range(start, end, freq="M")]


def n_parts(n_customers: int) -> int:
    return max(1, -(-n_customers // PART_MEMBERS))


def table_files(name: str, n_customers: int, start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """Every file of table ``name`` in a world of this size and period."""
    parts = range(n_parts(n_customers)) if name in MEMBER_TABLES else range(1)
    folder = table_dir(name)
    if name in MONTHLY:
        return [
            f"{folder}/{PARTITION_COLUMN}={m}/{part_name(p)}"
            for m in months(start, end)
            for p in parts
        ]
    return [f"{folder}/{part_name(p)}" for p in parts]


def planned_files(
    n_customers: int, start: pd.Timestamp, end: pd.Timestamp, *, truth: bool = True
) -> list[str]:
    """Every file of a partitioned world (README and MANIFEST included), sorted."""
    from coursekit.synth.io import MANIFEST_NAME, README_NAME

    names = [
        f
        for name in TABLES
        if truth or name not in TRUTH_TABLES
        for f in table_files(name, n_customers, start, end)
    ]
    return sorted([*names, README_NAME, MANIFEST_NAME])


def arrow_schema(name: str) -> pa.Schema:
    """The Parquet schema of a table (from ``schema.TABLES``; no partition column)."""
    return pa.schema([pa.field(c.name, _ARROW[c.kind]) for c in TABLES[name].columns])


def to_arrow(df: pd.DataFrame, name: str) -> pa.Table:
    """A conformed table as Arrow with the plain types of :func:`arrow_schema`."""
    columns = []
    for col in TABLES[name].columns:
        values = df[col.name]
        if col.kind in ("str", "code"):
            array = pa.array(values.astype(object).where(values.notna(), None), pa.string())
        elif col.kind == "datetime":
            array = pa.array(values.to_numpy(dtype="datetime64[us]"), pa.timestamp("us"))
        elif col.kind == "date":
            array = pa.array(values.to_numpy(dtype="datetime64[D]"), pa.date32())
        elif col.kind == "nint":
            array = pa.array(values.astype("Int64"), pa.int64())
        else:
            array = pa.array(values.to_numpy(), _ARROW[col.kind])
        columns.append(array)
    return pa.Table.from_arrays(columns, schema=arrow_schema(name))


def month_keys(df: pd.DataFrame, name: str, order_month: pd.Series | None = None) -> np.ndarray:
    """The partition value (``YYYY-MM``) of every row of a monthly table.

    Args:
        df: rows of ``orders``, ``order_items`` or ``web_events``.
        name: the table.
        order_month: for ``order_items``: the month of each order, indexed by order_id.
    """
    if name == "order_items":
        if order_month is None:
            raise ValueError("order_items needs the month of each order")
        return order_month.reindex(df["order_id"].to_numpy()).to_numpy(dtype=object)
    stamps = df[MONTHLY[name]].to_numpy(dtype="datetime64[M]")
    # Months as text through a lookup of the few distinct months (fast for millions).
    codes, inverse = np.unique(stamps, return_inverse=True)
    return np.datetime_as_string(codes, unit="M").astype(object)[inverse]


class PartitionedWriter:
    """Writes a world's tables into the partitioned layout, part by part.

    ``add(name, df, part)`` appends rows (conformed tables) to the files of their part;
    ``finish_part(part)`` completes that part's files; ``finish()`` writes the tables
    without members and returns the size and sha256 of every file written.
    """

    def __init__(self, root: Path, start: pd.Timestamp, end: pd.Timestamp, tables: Iterable[str]):
        self.root = Path(root)
        self.months = months(start, end)
        self.tables = [t for t in TABLES if t in set(tables)]
        self._open: dict[tuple[str, str | None], _FileWriter] = {}
        self._part: int | None = None
        self.files: dict[str, dict] = {}

    def add(self, name: str, df: pd.DataFrame, part: int, order_month=None) -> None:
        """Append the rows of ``df`` (table ``name``) to the files of ``part``."""
        if name not in self.tables:
            return
        if self._part != part:
            if self._part is not None:
                self.finish_part(self._part)
            self._start_part(part)
        table = to_arrow(df, name)
        if name not in MONTHLY:
            self._open[(name, None)].append(table)
            return
        keys = month_keys(df, name, order_month)
        # Rows keep their order inside each month (a stable grouping).
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        table = table.take(pa.array(order))
        bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
        for lo, hi in itertools.pairwise(bounds):
            writer = self._open.get((name, keys[lo]))
            if writer is None:
                raise ValueError(f"{name}: a row of month {keys[lo]} lies outside the world")
            writer.append(table.slice(lo, hi - lo))

    def _start_part(self, part: int) -> None:
        self._part = part
        for name in self.tables:
            if name not in MEMBER_TABLES:
                continue
            if name in MONTHLY:
                for month in self.months:
                    rel = f"{table_dir(name)}/{PARTITION_COLUMN}={month}/{part_name(part)}"
                    self._open[(name, month)] = _FileWriter(self.root, rel, arrow_schema(name))
            else:
                rel = f"{table_dir(name)}/{part_name(part)}"
                self._open[(name, None)] = _FileWriter(self.root, rel, arrow_schema(name))

    def finish_part(self, part: int) -> None:
        """Complete every file of ``part`` (also those that got no rows)."""
        if self._part != part:
            self._start_part(part)
        for writer in self._open.values():
            self.files[writer.rel] = writer.close()
        self._open = {}
        self._part = None

    def write_table(self, name: str, df: pd.DataFrame) -> None:
        """Write a table without members (products, stores, ...) as one file."""
        if name not in self.tables:
            return
        writer = _FileWriter(self.root, f"{table_dir(name)}/{part_name(0)}", arrow_schema(name))
        writer.append(to_arrow(df, name))
        self.files[writer.rel] = writer.close()


class _FileWriter:
    """One Parquet file: rows gathered into row groups of ``ROW_GROUP_ROWS``."""

    def __init__(self, root: Path, rel: str, schema: pa.Schema) -> None:
        self.rel = rel
        self.path = root / rel
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.writer = pq.ParquetWriter(self.path, schema, **_WRITE_OPTIONS)

    def append(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.pending.append(table)
        self.pending_rows += table.num_rows
        while self.pending_rows >= ROW_GROUP_ROWS:
            rows = pa.concat_tables(self.pending)
            self.writer.write_table(rows.slice(0, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
            rest = rows.slice(ROW_GROUP_ROWS)
            self.pending = [rest] if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def close(self) -> dict:
        if self.pending_rows:
            rows = pa.concat_tables(self.pending)
            self.writer.write_table(rows, row_group_size=ROW_GROUP_ROWS)
        self.pending = []
        self.writer.close()
        return {"sha256": _sha256(self.path), "bytes": self.path.stat().st_size}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_tables(tables: dict[str, pd.DataFrame], root: Path, start, end) -> dict[str, dict]:
    """Write whole (conformed) tables of a world held in memory into the layout.

    The course world's 5,000 members are one part; used to give DuckDB and Spark the
    course world in the same layout as a world generated with ``--format parquet``.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    writer = PartitionedWriter(root, start, end, tables)
    member_rows = {name: df for name, df in tables.items() if name in MEMBER_TABLES}
    order_month = None
    if "orders" in tables:
        orders = tables["orders"]
        order_month = pd.Series(month_keys(orders, "orders"), index=orders["order_id"].to_numpy())
    for name, df in member_rows.items():
        writer.add(name, df, 0, order_month=order_month if name == "order_items" else None)
    writer.finish_part(0)
    for name, df in tables.items():
        if name not in MEMBER_TABLES:
            writer.write_table(name, df)
    return writer.files
