"""Exercises of module 09 (规模化：从 pandas 到 SQL 与 Spark): answers are SQL text.

Each answer is run on a locked, read-only DuckDB connection over the course world written
as month-partitioned Parquet (:func:`sql_world`, :func:`duckdb_connection`), and its result
is compared with that of the reference query. A statement that is not one ``SELECT``
(writes, ``ATTACH``, ``COPY``, ``INSTALL`` ...) or runs past :data:`TIME_LIMIT` seconds is
refused with a one-line message and changes nothing; a syntax error shows DuckDB's own
message and where. q4 runs a right answer on Spark as well (translated by sqlglot).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from coursekit import course, state
from coursekit.engine import FrameSpec, Judgement, Mistake, ValueProblem, ____, per_world, slow
from coursekit.engine.compare import compare
from coursekit.engine.i18n import t
from coursekit.methods import scale

__all__ = [
    "PROBLEMS",
    "TIME_LIMIT",
    "SqlProblem",
    "____",
    "duckdb_connection",
    "last_month",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "q6",
    "sql_world",
]

NOTEBOOK = "09_scale_up"

#: Seconds a trainee's query may run before it is stopped.
TIME_LIMIT = 10.0


def _say(en: str, zh: str) -> str:
    return zh if state.lang() == "zh" else en


# ---------------------------------------------------------------------------- the data


@per_world
def sql_world() -> Path:
    """The course world in use as month-partitioned Parquet (written once, then reused).

    A world set up from a folder is written into the user cache, keyed by its MANIFEST
    fingerprint, so a new kernel finds it; in-memory data goes to a temporary folder.
    """
    import platformdirs

    info = state.info()
    tables = {name: course.load(name) for name in scale.SQL_TABLES}
    if info.path is None:
        folder = Path(tempfile.mkdtemp(prefix="coursekit_sql_")) / "world"
        return scale.write_sql_world(tables, folder)
    key = hashlib.sha256(f"{info.path}|{info.fingerprint}".encode()).hexdigest()[:16]
    folder = Path(platformdirs.user_cache_dir("coursekit")) / "sql" / f"world-{key}"
    if not (folder / "orders").is_dir():
        # Another kernel may have written it meanwhile: the same files, keep theirs.
        with contextlib.suppress(FileExistsError):
            scale.write_sql_world(tables, folder)
    return folder


@per_world
def _connection():
    return scale.connect(sql_world())


def duckdb_connection():
    """A new locked DuckDB connection over the course world (views ``orders`` ...)."""
    return scale.connect(sql_world())


@per_world
def _results() -> dict[str, Any]:
    """Results of queries already run in this world, by SQL text (never modified)."""
    return {}


def _run(sql: str) -> pd.DataFrame:
    """Run a query on the world's connection once; later runs of the same text reuse it."""
    if not isinstance(sql, str):  # refused with a message saying what it is
        scale.run_sql(_connection(), sql, lang=state.lang())
    results = _results()
    if sql not in results:
        results[sql] = scale.run_sql(_connection(), sql, time_limit=TIME_LIMIT, lang=state.lang())
    return results[sql].copy()


@per_world
def last_month() -> str:
    """The last month of the data, as in the ``month`` folders (e.g. ``'2025-12'``)."""
    return f"{course.load('orders')['order_ts'].max():%Y-%m}"


# ---------------------------------------------------------------------------- problem kind


class SqlProblem(ValueProblem):
    """The trainee writes SQL text; it is run on DuckDB and its result is compared.

    Args:
        reference: a function returning the reference SQL text (``expected()``).
        compare: how to compare the result frames (a FrameSpec).
        prune: the query must let DuckDB skip partitions (``files_pruned``).
        on_spark: a right answer is run on Spark too (when Spark starts here).
        Other arguments as for ValueProblem; each mistake's ``produce`` returns SQL text.
    """

    kind = "sql"

    def __init__(self, *, prune: bool = False, on_spark: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prune = prune
        self.on_spark = on_spark

    def _result(self, sql: Any) -> pd.DataFrame | None:
        try:
            return _run(sql)
        except Exception:  # a query that cannot run matches no mistake
            return None

    def _observe(self, answer: Any) -> Any:
        return self._result(answer) if isinstance(answer, str) else None

    def _target(self, mistake: Mistake) -> Any:
        return self._result(mistake.produce(self._expected()))

    def _same(self, observation: Any, target: Any) -> bool:
        if observation is None or target is None:
            return False
        return compare(target, observation, self.comparison_spec()).equal

    def _judge(self, answer: Any, expected: Any) -> Judgement:
        import duckdb

        headline = t("check.incorrect", var=self.var)
        try:
            result = _run(answer)
        except scale.SqlRefused as exc:
            return Judgement("incorrect", headline, [str(exc)], match_mistakes=False)
        except duckdb.Error as exc:
            return Judgement(
                "incorrect",
                headline,
                [_say("DuckDB could not run it:", "DuckDB 无法运行这条查询："), str(exc)],
                match_mistakes=False,
            )
        reference = _run(expected)
        comparison = compare(reference, result, self.comparison_spec())
        if not comparison.equal:
            return Judgement(
                "incorrect",
                headline,
                comparison.lines(),
                details=comparison.as_details(),
                observation=result,
            )
        if self.prune and not scale.files_pruned(_connection(), answer):
            return Judgement(
                "incorrect",
                headline,
                [
                    _say(
                        "The result is right, but DuckDB reads every month folder for it.",
                        "结果正确，但 DuckDB 为此读取了所有月份的文件夹。",
                    )
                ],
                observation=result,
            )
        lines = []
        if self.on_spark:
            verdict = _on_spark(answer, reference, self.comparison_spec())
            if verdict is not None and not verdict[0]:
                return Judgement("incorrect", headline, [verdict[1]], match_mistakes=False)
            if verdict is not None:
                lines.append(verdict[1])
        return Judgement("correct", t("check.correct", var=self.var), lines)


@per_world
def _spark_results() -> dict[str, Any]:
    return {}


def _on_spark(sql: str, reference: pd.DataFrame, spec: Any) -> tuple[bool, str] | None:
    """Run ``sql`` on Spark (translated by sqlglot) and compare; (ok, one line to show)."""
    if os.environ.get("COURSEKIT_NO_SPARK"):
        return None
    results = _spark_results()
    if sql not in results:
        ok, why = scale.spark_available()
        if not ok:
            results[sql] = (
                True,
                _say(
                    f"(Spark could not start here, so only DuckDB ran it: {why})",
                    f"（此处 Spark 无法启动，只在 DuckDB 上运行：{why}）",
                ),
            )
        else:
            # Starting Spark in a fresh kernel takes about ten seconds: past a second, a
            # bar says the check is working.
            waiting = _say(
                "running your query on Spark too (the first time Spark starts: ~10 s)",
                "同时在 Spark 上运行你的查询（第一次要先启动 Spark：约 10 秒）",
            )
            try:
                with slow.slow_step(waiting):
                    spark = scale.spark_session()
                    _spark_world(spark)
                    got = scale.spark_sql(spark, sql)
            except Exception as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                results[sql] = (
                    False,
                    _say(
                        f"It runs on DuckDB but not on Spark: {first[:300]}",
                        f"它能在 DuckDB 上运行，但在 Spark 上出错：{first[:300]}",
                    ),
                )
            else:
                same = compare(reference, got, spec).equal
                results[sql] = (
                    same,
                    _say(
                        "Spark (the same text, translated by sqlglot) gives the same result.",
                        "Spark（同一段 SQL，由 sqlglot 翻译）得到相同的结果。",
                    )
                    if same
                    else _say(
                        "DuckDB's result is right, but Spark gives another one.",
                        "DuckDB 的结果正确，但 Spark 得到了不同的结果。",
                    ),
                )
    return results[sql]


_SPARK_WORLD: list[Path] = []


def _spark_world(spark) -> None:
    """Point Spark's ``orders`` view at the world in use (once per world)."""
    folder = sql_world()
    if [folder] != _SPARK_WORLD:
        scale.spark_views(spark, folder, tables=["orders"])
        _SPARK_WORLD[:] = [folder]


def _replace(old: str, new: str) -> Callable[[str], str]:
    def produce(expected: str) -> str:
        assert old in expected, f"{old!r} is not in the reference"
        return expected.replace(old, new)

    return produce


MEMBER = FrameSpec(key="customer_id", ignore_row_order=True)


# ---------------------------------------------------------------------------- q1 frequency

FREQUENCY_SQL = """SELECT customer_id, COUNT(*) AS frequency
FROM orders
WHERE status = 'completed'
GROUP BY customer_id"""

CANCELLED = {
    "en": "Cancelled and returned orders are counted: they are no sales. Keep "
    "`WHERE status = 'completed'`, as `completed_orders()` does in pandas.",
    "zh": "取消和退货的订单也被计入了，它们不是销售。请保留 `WHERE status = 'completed'`，"
    "与 pandas 中的 `completed_orders()` 一致。",
}

q1 = SqlProblem(
    id="scale.q1",
    var="frequency_sql",
    title={"en": "Frequency in SQL", "zh": "用 SQL 计算消费频率"},
    reference=lambda: FREQUENCY_SQL,
    compare=MEMBER,
    mistakes=[
        Mistake(
            "counting_lines",
            en="You counted order lines, not orders: joined to `order_items`, an order of "
            "five products is five rows. Count orders (`COUNT(*)` on `orders` alone, or "
            "`COUNT(DISTINCT order_id)`).",
            zh="你数的是订单明细行而不是订单：连接 `order_items` 后，一张含五件商品的订单变成"
            "五行。请数订单（只在 `orders` 上 `COUNT(*)`，或 `COUNT(DISTINCT order_id)`）。",
            produce=lambda expected: (
                """SELECT o.customer_id, COUNT(*) AS frequency
FROM orders AS o
JOIN order_items AS i ON i.order_id = o.order_id
WHERE o.status = 'completed'
GROUP BY o.customer_id"""
            ),
        ),
        Mistake(
            "cancelled_included",
            en=CANCELLED["en"],
            zh=CANCELLED["zh"],
            produce=_replace("WHERE status = 'completed'\n", ""),
        ),
    ],
    hints=[
        {
            "en": "One row per member: `GROUP BY customer_id`; only completed orders count.",
            "zh": "每位会员一行：`GROUP BY customer_id`；只统计已完成的订单。",
        },
        {
            "en": "`SELECT customer_id, COUNT(*) AS frequency FROM orders WHERE ... GROUP BY ...`",
            "zh": "`SELECT customer_id, COUNT(*) AS frequency FROM orders WHERE ... GROUP BY ...`",
        },
    ],
    solution=f'frequency_sql = """{FREQUENCY_SQL}"""',
)


# ---------------------------------------------------------------------------- q2 recency

RECENCY_SQL = """SELECT
  customer_id,
  DATE_DIFF('day', CAST(MAX(order_ts) AS DATE),
            (SELECT CAST(MAX(order_ts) AS DATE) + 1 FROM orders)) AS recency_days
FROM orders
WHERE status = 'completed'
GROUP BY customer_id"""

q2 = SqlProblem(
    id="scale.q2",
    var="recency_sql",
    title={"en": "Recency from the snapshot date", "zh": "从观察日计算最近一次消费"},
    reference=lambda: RECENCY_SQL,
    compare=MEMBER,
    mistakes=[
        Mistake(
            "recency_from_today",
            en="Recency is counted from today (`CURRENT_DATE`), so it grows every night and "
            "no two runs agree. Count from the snapshot date: the day after the last order "
            "date in the data.",
            zh="最近一次消费是从今天（`CURRENT_DATE`）算起的，因此每晚都会变大，两次运行结果不同。"
            "请从观察日算起：数据中最后一个订单日期的后一天。",
            produce=_replace(
                "(SELECT CAST(MAX(order_ts) AS DATE) + 1 FROM orders)", "CURRENT_DATE"
            ),
        ),
        Mistake(
            "snapshot_on_last_order_day",
            en="The snapshot is the last order date itself, so the most recent members get "
            "recency 0, one day less than in module 02. The snapshot is the day *after* it "
            "(`+ 1`).",
            zh="观察日取成了最后一个订单日期本身，最近的会员得到 0，比模块 02 少一天。"
            "观察日是它的后一天（`+ 1`）。",
            produce=_replace(" + 1 FROM orders)", " FROM orders)"),
        ),
        Mistake(
            "cancelled_included",
            en=CANCELLED["en"],
            zh=CANCELLED["zh"],
            produce=_replace("WHERE status = 'completed'\n", ""),
        ),
    ],
    hints=[
        {
            "en": "The snapshot date is one value for everyone: a subquery "
            "`(SELECT CAST(MAX(order_ts) AS DATE) + 1 FROM orders)`.",
            "zh": "观察日对所有人是同一个值：子查询 "
            "`(SELECT CAST(MAX(order_ts) AS DATE) + 1 FROM orders)`。",
        },
        {
            "en": "Whole days between two dates: `DATE_DIFF('day', first_date, second_date)`; "
            "cast the last order time to a DATE first.",
            "zh": "两个日期之间的整天数：`DATE_DIFF('day', 较早日期, 较晚日期)`；"
            "先把最后下单时间转换为 DATE。",
        },
    ],
    solution=f'recency_sql = """{RECENCY_SQL}"""',
)


# ---------------------------------------------------------------------------- q3 basket

BASKET_SQL = """WITH lines AS (
  SELECT order_id, COUNT(*) AS n_lines
  FROM order_items
  GROUP BY order_id
)
SELECT
  o.customer_id,
  COUNT(*) AS orders,
  SUM(l.n_lines) / COUNT(*) AS lines_per_order,
  SUM(o.net_amount) AS monetary
FROM orders AS o
JOIN lines AS l ON l.order_id = o.order_id
WHERE o.status = 'completed'
GROUP BY o.customer_id"""

q3 = SqlProblem(
    id="scale.q3",
    var="basket_sql",
    title={
        "en": "Basket size and spend without multiplying rows",
        "zh": "篮子大小与消费金额（不让行数翻倍）",
    },
    reference=lambda: BASKET_SQL,
    compare=FrameSpec(key="customer_id", ignore_row_order=True, rtol=1e-9),
    mistakes=[
        Mistake(
            "join_multiplies_rows",
            en="Orders were joined to their lines before summing: each order's `net_amount` "
            "is added once per line, so `monetary` is several times too large. Aggregate the "
            "lines per order first (a CTE), then join one row per order.",
            zh="先把订单与明细连接再求和：每张订单的 `net_amount` 按明细行数被重复相加，"
            "`monetary` 被放大了数倍。请先按订单汇总明细（CTE），再以每单一行进行连接。",
            produce=lambda expected: (
                """SELECT
  o.customer_id,
  COUNT(DISTINCT o.order_id) AS orders,
  COUNT(*) / COUNT(DISTINCT o.order_id) AS lines_per_order,
  SUM(o.net_amount) AS monetary
FROM orders AS o
JOIN order_items AS i ON i.order_id = o.order_id
WHERE o.status = 'completed'
GROUP BY o.customer_id"""
            ),
        ),
        Mistake(
            "integer_division",
            en="Integer division: `//` (and `/` between integers in Hive, PostgreSQL or SQL "
            "Server) drops the fraction, so 2.6 lines per order becomes 2. Divide as "
            "decimals: `/` in DuckDB and Spark, or `CAST(x AS DOUBLE) / y`.",
            zh="整数除法：`//`（以及 Hive、PostgreSQL、SQL Server 中整数之间的 `/`）会丢掉小数，"
            "每单 2.6 行变成 2。请按小数相除：DuckDB 与 Spark 中用 `/`，"
            "或 `CAST(x AS DOUBLE) / y`。",
            produce=_replace("SUM(l.n_lines) / COUNT(*)", "SUM(l.n_lines) // COUNT(*)"),
        ),
        Mistake(
            "cancelled_included",
            en=CANCELLED["en"],
            zh=CANCELLED["zh"],
            produce=_replace("WHERE o.status = 'completed'\n", ""),
        ),
    ],
    hints=[
        {
            "en": "Three numbers per member: orders, lines per order, money. The money is on "
            "`orders`, the lines on `order_items`: one row per order before you join.",
            "zh": "每位会员三个数：订单数、每单行数、金额。金额在 `orders`，明细在 `order_items`："
            "连接前先让每张订单只有一行。",
        },
        {
            "en": "`WITH lines AS (SELECT order_id, COUNT(*) AS n_lines FROM order_items GROUP BY "
            "order_id) SELECT ... FROM orders AS o JOIN lines AS l ON ...`",
            "zh": "`WITH lines AS (SELECT order_id, COUNT(*) AS n_lines FROM order_items GROUP BY "
            "order_id) SELECT ... FROM orders AS o JOIN lines AS l ON ...`",
        },
    ],
    solution=f'basket_sql = """{BASKET_SQL}"""',
)


# ---------------------------------------------------------------------------- q4 f_score

F_SCORE_SQL = """WITH f AS (
  SELECT customer_id, COUNT(*) AS frequency
  FROM orders
  WHERE status = 'completed'
  GROUP BY customer_id
)
SELECT
  customer_id,
  frequency,
  1 + FLOOR(5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER ()) AS f_score
FROM f"""

q4 = SqlProblem(
    id="scale.q4",
    var="f_score_sql",
    title={
        "en": "A tie-aware frequency score (on DuckDB and Spark)",
        "zh": "处理并列的频率评分（DuckDB 与 Spark）",
    },
    reference=lambda: F_SCORE_SQL,
    compare=MEMBER,
    on_spark=True,
    mistakes=[
        Mistake(
            "ntile_splits_ties",
            en="`NTILE(5)` cuts the sorted list into five equal parts, so members with the "
            "same frequency end up in different scores. Use the tie rule of module 02: "
            "`1 + FLOOR(5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER ())`.",
            zh="`NTILE(5)` 把排好序的名单切成五等份，频率相同的会员会落入不同的分数。"
            "请使用模块 02 的并列规则："
            "`1 + FLOOR(5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER ())`。",
            produce=_replace(
                "1 + FLOOR(5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER ())",
                "NTILE(5) OVER (ORDER BY frequency)",
            ),
        ),
        Mistake(
            "cancelled_included",
            en=CANCELLED["en"],
            zh=CANCELLED["zh"],
            produce=_replace("  WHERE status = 'completed'\n", ""),
        ),
    ],
    hints=[
        {
            "en": "Members strictly worse than a member: `RANK() OVER (ORDER BY frequency) - 1` "
            "(equal frequencies share a rank).",
            "zh": "严格差于某会员的人数：`RANK() OVER (ORDER BY frequency) - 1`"
            "（频率相同则排名相同）。",
        },
        {
            "en": "score = 1 + floor(5 × worse / members); `COUNT(*) OVER ()` is the number "
            "of members.",
            "zh": "分数 = 1 + floor(5 × 更差人数 / 会员数)；`COUNT(*) OVER ()` 即会员数。",
        },
    ],
    solution=f'f_score_sql = """{F_SCORE_SQL}"""',
)


# ---------------------------------------------------------------------------- q5 RFM scores

RFM_SCORES_SQL = """WITH rfm AS (
  SELECT
    customer_id,
    DATE_DIFF('day', CAST(MAX(order_ts) AS DATE),
              (SELECT CAST(MAX(order_ts) AS DATE) + 1 FROM orders)) AS recency_days,
    COUNT(*) AS frequency,
    SUM(CAST(net_amount AS DECIMAL(18, 2))) AS monetary
  FROM orders
  WHERE status = 'completed'
  GROUP BY customer_id
)
SELECT
  customer_id,
  1 + FLOOR(5 * (RANK() OVER (ORDER BY recency_days DESC) - 1) / COUNT(*) OVER ()) AS r_score,
  1 + FLOOR(5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER ()) AS f_score,
  1 + FLOOR(5 * (RANK() OVER (ORDER BY monetary) - 1) / COUNT(*) OVER ()) AS m_score
FROM rfm"""

q5 = SqlProblem(
    id="scale.q5",
    var="rfm_scores_sql",
    title={"en": "R, F and M scores in one query", "zh": "一条查询得到 R、F、M 评分"},
    reference=lambda: RFM_SCORES_SQL,
    compare=MEMBER,
    mistakes=[
        Mistake(
            "recency_score_reversed",
            en="The recency score runs the wrong way: ordered by `recency_days` ascending, "
            "the members who bought yesterday get 1. Fewer days is better: "
            "`ORDER BY recency_days DESC`, so the most recent get 5.",
            zh="最近一次消费的评分方向反了：按 `recency_days` 升序排列，昨天刚购买的会员得 1 分。"
            "天数越少越好：`ORDER BY recency_days DESC`，最近购买的会员得 5 分。",
            produce=_replace("ORDER BY recency_days DESC", "ORDER BY recency_days"),
        ),
        Mistake(
            "ntile_splits_ties",
            en="`NTILE(5)` splits members with equal values over two scores; use the tie "
            "rule `1 + FLOOR(5 * (RANK() OVER (...) - 1) / COUNT(*) OVER ())`.",
            zh="`NTILE(5)` 会把数值相同的会员分到两个分数；请使用并列规则 "
            "`1 + FLOOR(5 * (RANK() OVER (...) - 1) / COUNT(*) OVER ())`。",
            produce=_replace(
                "1 + FLOOR(5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER ())",
                "NTILE(5) OVER (ORDER BY frequency)",
            ),
        ),
        Mistake(
            "cancelled_included",
            en=CANCELLED["en"],
            zh=CANCELLED["zh"],
            produce=_replace("  WHERE status = 'completed'\n", ""),
        ),
    ],
    hints=[
        {
            "en": "Build R, F and M in a CTE (q1–q3), then score each column with the rule of q4.",
            "zh": "先在 CTE 中算出 R、F、M（q1–q3），再用 q4 的规则给每一列评分。",
        },
        {
            "en": "Recency: fewer days is better, so rank it `DESC`; sum money as "
            "`DECIMAL(18, 2)` so that equal totals stay equal.",
            "zh": "最近一次消费：天数越少越好，所以按 `DESC` 排名；金额按 `DECIMAL(18, 2)` "
            "求和，使相等的总额保持相等。",
        },
    ],
    solution=f'rfm_scores_sql = """{RFM_SCORES_SQL}"""',
)


# ---------------------------------------------------------------------------- q6 pruning


def _month_sql() -> str:
    return f"""SELECT channel, SUM(net_amount) AS revenue
FROM orders
WHERE month = '{last_month()}' AND status = 'completed'
GROUP BY channel"""


def _reads_every_month(sql: Any, expected: str) -> bool:
    """Same result as the reference, but DuckDB reads every month folder for it."""
    if not isinstance(sql, str):
        return False
    got, reference = _run(sql), _run(expected)
    same = compare(reference, got, FrameSpec(key="channel", ignore_row_order=True)).equal
    return same and not scale.files_pruned(_connection(), sql)


q6 = SqlProblem(
    id="scale.q6",
    var="month_sql",
    title={
        "en": "Last month's revenue by channel, reading one folder",
        "zh": "上月各渠道收入（只读一个文件夹）",
    },
    reference=_month_sql,
    compare=FrameSpec(key="channel", ignore_row_order=True, rtol=1e-9),
    prune=True,
    mistakes=[
        Mistake(
            "derived_month_filter",
            en="The month is computed from `order_ts` (`strftime`, `date_trunc`, `MONTH()` ...): "
            "DuckDB must open every month folder to compute it. Filter on the partition "
            "column `month` itself, and it reads one folder (see `EXPLAIN`: Scanning Files).",
            zh="月份是由 `order_ts` 计算出来的（`strftime`、`date_trunc`、`MONTH()` 等）："
            "DuckDB 必须打开所有月份的文件夹才能计算。直接按分区列 `month` 过滤，"
            "它只读取一个文件夹（见 `EXPLAIN` 中的 Scanning Files）。",
            produce=lambda expected: expected.replace(
                f"month = '{last_month()}'", f"strftime(order_ts, '%Y-%m') = '{last_month()}'"
            ),
            matches=_reads_every_month,
        ),
        Mistake(
            "cancelled_included",
            en=CANCELLED["en"],
            zh=CANCELLED["zh"],
            produce=_replace(" AND status = 'completed'", ""),
        ),
    ],
    hints=[
        {
            "en": "The folders `orders/month=YYYY-MM/` give every row a `month` column; "
            "`last_month()` is the value you need.",
            "zh": "文件夹 `orders/month=YYYY-MM/` 为每一行提供了 `month` 列；"
            "`last_month()` 就是你需要的值。",
        },
        {
            "en": "`WHERE month = '...' AND status = 'completed'`, then `GROUP BY channel`.",
            "zh": "`WHERE month = '...' AND status = 'completed'`，然后 `GROUP BY channel`。",
        },
    ],
    solution='month_sql = f"""SELECT channel, SUM(net_amount) AS revenue\nFROM orders\n'
    "WHERE month = '{last_month()}' AND status = 'completed'\nGROUP BY channel\"\"\"",
)

PROBLEMS = [q1, q2, q3, q4, q5, q6]
