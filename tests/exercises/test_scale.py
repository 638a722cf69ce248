"""Module 09's SQL exercises: other right answers, wrong answers trainees write, and SQL
that must not run (the generic checks are in test_all_problems.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from coursekit import course
from coursekit.exercises import scale as ex
from coursekit.methods import scale
from coursekit.methods.common import completed_orders

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    return course.setup(data=ROOT / "datasets", quiet=True)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_references_equal_the_pandas_methods(world):
    """The reference queries give what module 02's pandas methods give."""
    orders = course.load("orders")
    con = ex.duckdb_connection()
    frequency = scale.run_sql(con, ex.q1.expected()).set_index("customer_id")["frequency"]
    expected = completed_orders(orders).groupby("customer_id")["order_id"].nunique()
    assert frequency.sort_index().tolist() == expected.tolist()
    scores = scale.run_sql(con, ex.q5.expected()).set_index("customer_id").sort_index()
    reference = scale.pandas_rfm(orders)
    for col in ("r_score", "f_score", "m_score"):
        assert (scores[col].to_numpy() == reference[col].to_numpy()).all(), col
    recency = scale.run_sql(con, ex.q2.expected()).set_index("customer_id").sort_index()
    assert (recency["recency_days"].to_numpy() == reference["recency_days"].to_numpy()).all()


@pytest.mark.parametrize(
    ("problem", "answer"),
    [
        (ex.q1, "select customer_id, count(distinct order_id) as frequency from orders "
                "where status = 'completed' group by 1 order by 1;"),
        (ex.q1, "SELECT COUNT(*) AS frequency, customer_id FROM orders "
                "WHERE status IN ('completed') GROUP BY customer_id"),
        (ex.q3, ex.BASKET_SQL.replace("SUM(l.n_lines) / COUNT(*)",
                                      "CAST(SUM(l.n_lines) AS DOUBLE) / COUNT(*)")),
        (ex.q4, ex.F_SCORE_SQL + "\nORDER BY customer_id"),
    ],
)  # fmt: skip
def test_other_right_answers(world, problem, answer, monkeypatch):
    monkeypatch.setenv("COURSEKIT_NO_SPARK", "1")
    feedback = problem.check(answer)
    assert feedback.status == "correct", feedback


def test_a_range_on_order_ts_reads_every_folder_and_is_named(world):
    month = ex.last_month()
    start = f"{month}-01"
    answer = (
        "SELECT channel, SUM(net_amount) AS revenue FROM orders "
        f"WHERE order_ts >= DATE '{start}' AND order_ts < DATE '{start}' + INTERVAL 1 MONTH "
        "AND status = 'completed' GROUP BY channel"
    )
    feedback = ex.q6.check(answer)
    assert feedback.status == "incorrect" and feedback.mistake == "derived_month_filter"
    assert ex.q6.check(f"{ex.q6.expected()} ORDER BY revenue DESC").status == "correct"


def test_a_renamed_column_is_incorrect_and_says_which(world):
    feedback = ex.q1.check(ex.q1.expected().replace("AS frequency", "AS n_orders"))
    assert feedback.status == "incorrect" and "frequency" in feedback.message


@pytest.mark.parametrize(
    "statement",
    [
        "DROP VIEW orders",
        "CREATE TABLE orders2 AS SELECT * FROM orders",
        "COPY orders TO 'orders.csv'",
        "ATTACH 'x.duckdb' AS x",
        "INSTALL httpfs",
        "SELECT 1; DROP VIEW orders",
    ],
)
def test_statements_that_write_get_one_line_and_change_nothing(
    world, statement, tmp_path, monkeypatch
):
    work = tmp_path / "work"  # the current folder: a COPY or ATTACH would write here
    work.mkdir()
    monkeypatch.chdir(work)
    folder = ex.sql_world()
    before, data = _hashes(folder), _hashes(ROOT / "datasets")
    feedback = ex.q1.check(statement)
    assert feedback.status == "incorrect" and feedback.mistake is None
    refusal = feedback.message.splitlines()[1]
    assert "SELECT" in refusal
    assert _hashes(folder) == before and _hashes(ROOT / "datasets") == data
    assert not any(work.iterdir())
    assert ex.q1.check(ex.q1.expected()).status == "correct"  # the views are all still there


def test_a_syntax_error_shows_duckdbs_message_and_where(world):
    feedback = ex.q2.check("SELECT customer_id, FROM orders GROUP BY")
    assert feedback.status == "incorrect"
    assert "Parser Error" in feedback.message and "LINE 1" in feedback.message


def test_a_query_past_the_time_limit_is_stopped(world, monkeypatch):
    monkeypatch.setattr(ex, "TIME_LIMIT", 0.5)
    endless = "SELECT COUNT(*) AS frequency FROM range(100000000000) AS a(x) WHERE hash(x) = 7"
    feedback = ex.q1.check(endless)
    assert feedback.status == "incorrect" and "0.5 s" in feedback.message


def test_refusals_speak_the_trainees_language(world):
    course.set_lang("zh")
    feedback = ex.q1.check("DELETE FROM orders")
    assert "只运行查询" in feedback.message and "only queries" not in feedback.message


def test_q4_says_spark_agrees(world, monkeypatch):
    monkeypatch.delenv("COURSEKIT_NO_SPARK", raising=False)
    feedback = ex.q4.check(ex.q4.expected())
    assert feedback.status == "correct"
    assert "Spark" in feedback.message
