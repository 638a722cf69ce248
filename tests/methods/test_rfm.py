"""Tests of coursekit.methods.rfm on small hand-computed cases and with hypothesis."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.methods import rfm as rfm_methods
from coursekit.methods.rfm import (
    PLAYS,
    SEGMENT_RULES,
    SEGMENTS,
    VALUE_TIERS,
    action_table,
    play_customers,
    revenue_concentration,
    rfm_scores,
    rfm_segments,
    rfm_table,
    segment_map,
    segment_summary,
    segment_table,
    tie_aware_score,
    top_share,
)

ORDER_COLUMNS = [
    "order_id",
    "customer_id",
    "store_id",
    "channel",
    "order_ts",
    "status",
    "gross_amount",
    "discount_amount",
    "net_amount",
]


@pytest.fixture
def orders() -> pd.DataFrame:
    """Six completed orders of four customers; the last order date is 2024-03-31."""
    rows = [
        (101, 1, "S1", "store", "2024-03-01 09:15", "completed", 120.0, 20.0, 100.0),
        (102, 1, "S1", "app", "2024-03-20 18:30", "completed", 55.0, 5.0, 50.0),
        (103, 2, "S2", "mini_program", "2024-03-10 12:00", "completed", 80.0, 0.0, 80.0),
        (104, 3, "S1", "group_buy", "2024-03-31 23:59", "completed", 30.0, 0.0, 30.0),
        (105, 3, "S2", "app", "2024-03-31 08:00", "completed", 20.0, 0.0, 20.0),
        (106, 4, "S2", "store", "2024-02-15 10:00", "completed", 200.0, 0.0, 200.0),
    ]
    frame = pd.DataFrame(rows, columns=ORDER_COLUMNS)
    frame["order_ts"] = pd.to_datetime(frame["order_ts"])
    return frame


def expected_rfm(recency: list[int], frequency: list[int], monetary: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "recency_days": np.array(recency, dtype="int64"),
            "frequency": np.array(frequency, dtype="int64"),
            "monetary": np.array(monetary, dtype="float64"),
        },
        index=pd.Index(np.arange(1, len(recency) + 1, dtype="int64"), name="customer_id"),
    )


# --------------------------------------------------------------------------- rfm_table


def test_rfm_table_default_snapshot_is_day_after_last_order(orders):
    # Snapshot 2024-04-01. Customer 4: 2024-02-15 -> 2024-04-01 is 46 days (leap year).
    expected = expected_rfm([12, 22, 1, 46], [2, 1, 2, 1], [150.0, 80.0, 50.0, 200.0])
    pd.testing.assert_frame_equal(rfm_table(orders), expected)


@pytest.mark.parametrize(
    "snapshot",
    [
        "2024-04-10",
        "2024-04-10 17:45",
        dt.date(2024, 4, 10),
        dt.datetime(2024, 4, 10, 6, 0),
        pd.Timestamp("2024-04-10"),
        np.datetime64("2024-04-10"),
    ],
)
def test_rfm_table_explicit_snapshot_in_any_date_form(orders, snapshot):
    expected = expected_rfm([21, 31, 10, 55], [2, 1, 2, 1], [150.0, 80.0, 50.0, 200.0])
    pd.testing.assert_frame_equal(rfm_table(orders, snapshot), expected)


def test_rfm_table_default_equals_explicit_day_after(orders):
    pd.testing.assert_frame_equal(rfm_table(orders), rfm_table(orders, "2024-04-01"))


def test_snapshot_on_last_order_date_gives_recency_zero(orders):
    table = rfm_table(orders, "2024-03-31")
    assert table.loc[3, "recency_days"] == 0
    assert table["recency_days"].tolist() == [11, 21, 0, 45]


def test_recency_uses_calendar_dates_not_hours():
    orders = pd.DataFrame(
        {
            "order_id": [1, 2, 3],
            "customer_id": [7, 8, 9],
            "order_ts": ["2024-05-09 23:59:59", "2024-05-10 00:00:01", "2024-05-08 00:00:00"],
            "net_amount": [1.0, 2.0, 3.0],
        }
    )
    table = rfm_table(orders, "2024-05-10 12:00")
    # 23:59 the day before is one day ago, although only 12 hours have passed.
    assert table["recency_days"].tolist() == [1, 0, 2]
    assert rfm_table(orders)["recency_days"].tolist() == [2, 1, 3]


def test_string_dates_give_the_same_table(orders):
    as_strings = orders.assign(order_ts=orders["order_ts"].dt.strftime("%Y-%m-%d %H:%M"))
    pd.testing.assert_frame_equal(rfm_table(as_strings), rfm_table(orders))


def test_mixed_date_formats_are_parsed():
    orders = pd.DataFrame(
        {
            "order_id": [1, 2, 3],
            "customer_id": [1, 1, 2],
            "order_ts": ["2024-01-02", "2024-01-05 10:30", "2024/01/03"],
            "net_amount": [1.0, 1.0, 1.0],
        }
    )
    assert rfm_table(orders)["recency_days"].tolist() == [1, 3]


def test_second_resolution_datetimes_give_the_same_table(orders):
    coarse = orders.assign(order_ts=orders["order_ts"].astype("datetime64[s]"))
    pd.testing.assert_frame_equal(rfm_table(coarse), rfm_table(orders))


def test_time_zone_aware_dates_use_local_calendar_dates():
    stamps = pd.to_datetime(["2024-06-01 23:30", "2024-06-02 00:30"]).tz_localize("Asia/Shanghai")
    orders = pd.DataFrame(
        {"order_id": [1, 2], "customer_id": [1, 2], "order_ts": stamps, "net_amount": [5.0, 6.0]}
    )
    # In UTC both orders fall on 2024-06-01; in Shanghai they are a day apart.
    assert rfm_table(orders)["recency_days"].tolist() == [2, 1]


def test_order_col_none_counts_each_row_as_an_order():
    lines = pd.DataFrame(
        {
            "order_id": [1, 1, 1, 2, 3],
            "customer_id": [5, 5, 5, 5, 6],
            "order_ts": pd.to_datetime(["2024-01-01"] * 3 + ["2024-01-03", "2024-01-02"]),
            "net_amount": [10.0, 5.0, 5.0, 8.0, 4.0],
        }
    )
    by_order = rfm_table(lines)
    by_row = rfm_table(lines, order_col=None)
    assert by_order["frequency"].tolist() == [2, 1]
    assert by_row["frequency"].tolist() == [4, 1]
    assert by_row["frequency"].dtype == "int64"
    pd.testing.assert_series_equal(by_order["monetary"], by_row["monetary"])
    pd.testing.assert_series_equal(by_order["recency_days"], by_row["recency_days"])


def test_order_col_none_needs_no_order_column(orders):
    table = rfm_table(orders.drop(columns="order_id"), order_col=None)
    assert table["frequency"].tolist() == [2, 1, 2, 1]


def test_custom_column_names(orders):
    renamed = orders.rename(
        columns={
            "customer_id": "会员ID",
            "order_id": "单号",
            "order_ts": "下单时间",
            "gross_amount": "应付金额",
        }
    )
    table = rfm_table(
        renamed,
        customer_col="会员ID",
        order_col="单号",
        date_col="下单时间",
        amount_col="应付金额",
    )
    expected = expected_rfm([12, 22, 1, 46], [2, 1, 2, 1], [175.0, 80.0, 50.0, 200.0])
    expected.index.name = "会员ID"
    pd.testing.assert_frame_equal(table, expected)


def test_rows_are_counted_as_given(orders):
    cancelled = pd.DataFrame(
        [(107, 2, "S2", "app", pd.Timestamp("2024-03-30 10:00"), "cancelled", 60.0, 0.0, 60.0)],
        columns=ORDER_COLUMNS,
    )
    with_cancelled = pd.concat([orders, cancelled], ignore_index=True)
    table = rfm_table(with_cancelled)
    assert table.loc[2].tolist() == [2, 2, 140.0]
    completed = with_cancelled[with_cancelled["status"] == "completed"]
    pd.testing.assert_frame_equal(rfm_table(completed), rfm_table(orders))


def test_result_sorted_by_customer_and_independent_of_row_order_and_index(orders):
    shuffled = orders.sample(frac=1, random_state=3)
    shuffled.index = [0, 0, 1, 1, 2, 2]  # duplicate labels must not matter
    pd.testing.assert_frame_equal(rfm_table(shuffled), rfm_table(orders))
    assert rfm_table(shuffled).index.is_monotonic_increasing


def test_input_is_not_modified(orders):
    before = orders.copy()
    rfm_table(orders, "2024-04-10")
    pd.testing.assert_frame_equal(orders, before)


# --------------------------------------------------------------------------- rfm_table errors


@pytest.mark.parametrize(
    ("dropped", "kwargs"),
    [
        (["customer_id"], {}),
        (["order_id"], {}),
        (["order_ts", "net_amount"], {}),
        (["gross_amount"], {"amount_col": "gross_amount"}),
    ],
)
def test_missing_columns_are_named(orders, dropped, kwargs):
    with pytest.raises(KeyError) as info:
        rfm_table(orders.drop(columns=dropped), **kwargs)
    for col in dropped:
        assert repr(col) in str(info.value)


def test_empty_input(orders):
    with pytest.raises(ValueError, match="empty"):
        rfm_table(orders.iloc[0:0])


def test_not_a_frame():
    with pytest.raises(TypeError, match="DataFrame"):
        rfm_table([{"customer_id": 1}])


def test_unparseable_dates_are_shown(orders):
    bad = orders.assign(order_ts=orders["order_ts"].dt.strftime("%Y-%m-%d"))
    bad.loc[2, "order_ts"] = "yesterday"
    with pytest.raises(ValueError, match=r"1 date\(s\) in 'order_ts' cannot be parsed.*yesterday"):
        rfm_table(bad)


def test_missing_dates(orders):
    bad = orders.copy()
    bad.loc[3, "order_ts"] = pd.NaT
    with pytest.raises(ValueError, match=r"1 row\(s\) have no date in 'order_ts'.*\[3\]"):
        rfm_table(bad)
    as_text = orders.assign(order_ts=orders["order_ts"].astype(str).astype(object))
    as_text.loc[0, "order_ts"] = None
    with pytest.raises(ValueError, match="have no date"):
        rfm_table(as_text)


def test_numeric_dates_are_refused(orders):
    yyyymmdd = orders.assign(order_ts=orders["order_ts"].dt.strftime("%Y%m%d").astype(int))
    with pytest.raises(ValueError, match="holds numbers"):
        rfm_table(yyyymmdd)


def test_mixed_time_zones_are_refused(orders):
    bad = orders.assign(order_ts=["2024-03-01T10:00+08:00"] * 3 + ["2024-03-02T10:00+09:00"] * 3)
    with pytest.raises(ValueError, match="one time zone"):
        rfm_table(bad)


def test_snapshot_before_last_order(orders):
    with pytest.raises(ValueError, match="before the last order date 2024-03-31"):
        rfm_table(orders, "2024-03-30")


@pytest.mark.parametrize("snapshot", ["not a date", 20240401, "", pd.NaT])
def test_snapshot_that_is_not_a_date(orders, snapshot):
    with pytest.raises(ValueError, match="snapshot_date"):
        rfm_table(orders, snapshot)


@pytest.mark.parametrize(
    ("col", "message"),
    [
        ("customer_id", r"1 row\(s\) have no 'customer_id'"),
        ("order_id", r"1 row\(s\) have no 'order_id'"),
        ("net_amount", r"1 row\(s\) have no amount in 'net_amount'"),
    ],
)
def test_missing_ids_and_amounts(orders, col, message):
    bad = orders.astype({col: "float64"})
    bad.loc[4, col] = np.nan
    with pytest.raises(ValueError, match=message):
        rfm_table(bad)


def test_non_numeric_amounts(orders):
    bad = orders.assign(net_amount=[f"¥{value}" for value in orders["net_amount"]])
    with pytest.raises(ValueError, match="numeric amounts"):
        rfm_table(bad)


def test_duplicate_columns(orders):
    doubled = pd.concat([orders, orders[["net_amount"]]], axis=1)
    with pytest.raises(ValueError, match="duplicate column"):
        rfm_table(doubled)


# --------------------------------------------------------------------------- scores


def reference_score(values: list[float], n_bins: int, higher_is_better: bool = True) -> list[int]:
    """The tie rule in plain Python: 1 + floor(n_bins * strictly_worse / n)."""
    oriented = [v if higher_is_better else -v for v in values]
    ordered = sorted(oriented)
    return [1 + n_bins * bisect.bisect_left(ordered, v) // len(values) for v in oriented]


def assert_tie_consistent_and_monotone(values, scores, higher_is_better=True):
    pairs = sorted(zip(values, scores, strict=True), reverse=not higher_is_better)
    for (low_value, low_score), (high_value, high_score) in itertools.pairwise(pairs):
        if low_value == high_value:
            assert low_score == high_score, (low_value, low_score, high_score)
        else:
            assert low_score <= high_score, (low_value, high_value, low_score, high_score)


def test_tie_aware_score_hand_case():
    # strictly worse: 0, 1, 1, 3, 4 of n=5 -> 1 + 5*w//5
    scores = tie_aware_score(pd.Series([10, 20, 20, 30, 40]))
    assert scores.tolist() == [1, 2, 2, 4, 5]
    assert scores.dtype == "int64"


def test_tie_aware_score_lower_is_better():
    # recency 1 beats three customers: 1 + 5*3//4 = 4; the two 5s beat one: 1 + 5//4 = 2
    scores = tie_aware_score([1, 5, 5, 30], higher_is_better=False)
    assert scores.tolist() == [4, 2, 2, 1]


def test_tie_aware_score_keeps_index_and_name():
    values = pd.Series([3.0, 1.0], index=pd.Index([20, 10], name="customer_id"), name="monetary")
    scores = tie_aware_score(values, n_bins=2)
    assert scores.index.equals(values.index)
    assert scores.name == "monetary"
    assert scores.tolist() == [2, 1]


def test_half_of_customers_buying_once_share_score_one():
    frequency = pd.Series([1] * 50 + list(range(2, 52)))
    scores = tie_aware_score(frequency)
    assert set(scores[:50]) == {1}
    # Frequency 2 beats the 50 one-time buyers: 1 + 5*50//100 = 3, so score 2 is skipped.
    assert scores[50] == 3
    assert 2 not in set(scores)
    assert scores.max() == 5


def test_identical_customers_get_identical_scores():
    # rank(method="first") would split these six identical customers over three scores.
    values = pd.Series([7.0] * 6 + [1.0, 2.0, 3.0, 9.0])
    scores = tie_aware_score(values)
    assert scores[:6].nunique() == 1
    assert scores[0] == 1 + 5 * 3 // 10


def test_distinct_values_split_into_equal_bins():
    scores = tie_aware_score(pd.Series(np.arange(100.0)[::-1]))
    assert scores.value_counts().sort_index().tolist() == [20] * 5
    assert scores.iloc[0] == 5 and scores.iloc[-1] == 1


@pytest.mark.parametrize("n_bins", range(2, 11))
def test_scores_for_every_n_bins(n_bins):
    values = [5, 1, 1, 1, 2, 3, 3, 8, 13, 21, 34, 34, 55]
    scores = tie_aware_score(values, n_bins=n_bins)
    assert scores.between(1, n_bins).all()
    assert scores.min() == 1
    assert scores.tolist() == reference_score(values, n_bins)
    assert_tie_consistent_and_monotone(values, scores.tolist())
    identical = tie_aware_score([4.2] * 9, n_bins=n_bins)
    assert identical.tolist() == [1] * 9


def test_tie_aware_score_edge_inputs():
    assert tie_aware_score([42.0]).tolist() == [1]
    empty = tie_aware_score(pd.Series([], dtype="float64"))
    assert len(empty) == 0 and empty.dtype == "int64"
    with pytest.raises(ValueError, match="missing"):
        tie_aware_score([1.0, np.nan])
    with pytest.raises(ValueError, match="numeric"):
        tie_aware_score(["a", "b"])


@pytest.mark.parametrize(
    ("n_bins", "error"),
    [(1, ValueError), (0, ValueError), (-5, ValueError), (2.5, TypeError), ("5", TypeError)],
)
def test_n_bins_is_validated(n_bins, error):
    with pytest.raises(error, match="n_bins"):
        tie_aware_score([1, 2, 3], n_bins=n_bins)
    with pytest.raises(error, match="n_bins"):
        rfm_scores(expected_rfm([1], [1], [1.0]), n_bins=n_bins)


def test_n_bins_refuses_booleans():
    with pytest.raises(TypeError, match="n_bins"):
        tie_aware_score([1, 2, 3], n_bins=True)


def test_n_bins_accepts_numpy_integers():
    assert tie_aware_score([1, 2], n_bins=np.int64(2)).tolist() == [1, 2]


def test_rfm_scores_hand_case(orders):
    table = rfm_table(orders)  # recency 12, 22, 1, 46; frequency 2, 1, 2, 1
    scores = rfm_scores(table)  # monetary 150, 80, 50, 200
    expected = table.assign(
        r_score=np.array([3, 2, 4, 1], dtype="int64"),
        f_score=np.array([3, 1, 3, 1], dtype="int64"),
        m_score=np.array([3, 2, 1, 4], dtype="int64"),
    )
    pd.testing.assert_frame_equal(scores, expected)


def test_rfm_scores_returns_a_copy(orders):
    table = rfm_table(orders)
    before = table.copy()
    rfm_scores(table)
    pd.testing.assert_frame_equal(table, before)


def test_rfm_scores_needs_the_rfm_columns(orders):
    with pytest.raises(KeyError, match="frequency"):
        rfm_scores(rfm_table(orders).drop(columns="frequency"))
    with pytest.raises(TypeError, match="DataFrame"):
        rfm_scores([1, 2, 3])


def test_most_recent_customers_score_highest():
    table = expected_rfm([1, 1, 30, 60, 90], [1, 1, 1, 1, 1], [1.0] * 5)
    scores = rfm_scores(table)
    assert scores["r_score"].tolist() == [4, 4, 3, 2, 1]
    assert scores["f_score"].tolist() == [1] * 5
    assert scores["m_score"].tolist() == [1] * 5


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.integers(min_value=-3, max_value=12), min_size=1, max_size=60),
    n_bins=st.integers(min_value=2, max_value=10),
    higher_is_better=st.booleans(),
)
def test_tie_aware_score_properties(values, n_bins, higher_is_better):
    scores = tie_aware_score(values, n_bins=n_bins, higher_is_better=higher_is_better).tolist()
    assert all(1 <= score <= n_bins for score in scores)
    assert scores == reference_score(values, n_bins, higher_is_better)
    assert_tie_consistent_and_monotone(values, scores, higher_is_better)
    worst = min(values) if higher_is_better else max(values)
    assert {s for v, s in zip(values, scores, strict=True) if v == worst} == {1}


# --------------------------------------------------------------------------- hypothesis: orders

order_lines = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=25),  # order number
        st.integers(min_value=0, max_value=90),  # day offset
        st.integers(min_value=0, max_value=23),  # hour
        st.integers(min_value=0, max_value=100_000),  # amount in fen
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=100, deadline=None)
@given(lines=order_lines, owners=st.lists(st.integers(1, 12), min_size=26, max_size=26))
def test_rfm_table_invariants_on_random_orders(lines, owners):
    start = pd.Timestamp("2024-01-01")
    orders = pd.DataFrame(
        {
            "order_id": [order for order, _, _, _ in lines],
            "customer_id": [owners[order] for order, _, _, _ in lines],  # one owner per order
            "order_ts": [start + pd.Timedelta(days=d, hours=h) for _, d, h, _ in lines],
            "net_amount": [fen / 100 for *_, fen in lines],
        }
    )
    table = rfm_table(orders)
    assert table.index.tolist() == sorted(set(orders["customer_id"]))
    assert table["frequency"].sum() == orders["order_id"].nunique()
    assert table["monetary"].sum() == pytest.approx(orders["net_amount"].sum(), abs=1e-6)
    assert table["recency_days"].min() == 1
    assert (table["recency_days"] >= 1).all()
    assert table.dtypes.tolist() == ["int64", "int64", "float64"]
    assert rfm_table(orders, order_col=None)["frequency"].sum() == len(orders)

    scores = rfm_scores(table)
    for value_col, score_col, higher in [
        ("recency_days", "r_score", False),
        ("frequency", "f_score", True),
        ("monetary", "m_score", True),
    ]:
        assert scores[score_col].between(1, 5).all()
        assert_tie_consistent_and_monotone(
            scores[value_col].tolist(), scores[score_col].tolist(), higher
        )
    segmented = rfm_segments(scores)
    assert segmented["segment"].notna().all() and segmented["value_tier"].notna().all()


# --------------------------------------------------------------------------- segments

ALL_CELLS = pd.DataFrame(
    list(itertools.product(range(1, 6), repeat=3)), columns=["r_score", "f_score", "m_score"]
)

EXPECTED_TIERS = {
    "Champions": "high_value",
    "Loyal": "high_value",
    "Potential Loyalist": "potential",
    "New": "potential",
    "Promising": "potential",
    "Need Attention": "potential",
    "About to Sleep": "potential",
    "Can't Lose Them": "churned",
    "At Risk": "churned",
    "Hibernating": "churned",
    "Lost": "churned",
    "Others": "potential",
}


@pytest.mark.parametrize(
    ("r", "f", "m", "segment"),
    [
        (5, 5, 5, "Champions"),
        (4, 4, 4, "Champions"),
        (3, 5, 5, "Loyal"),
        (5, 4, 3, "Loyal"),
        (5, 3, 3, "Potential Loyalist"),
        (4, 1, 5, "Potential Loyalist"),  # one big recent purchase
        (5, 1, 1, "New"),
        (5, 1, 2, "New"),
        (4, 1, 1, "Promising"),
        (3, 3, 3, "Need Attention"),
        (3, 1, 1, "About to Sleep"),
        (1, 5, 5, "Can't Lose Them"),
        (2, 5, 4, "Can't Lose Them"),
        (2, 3, 3, "At Risk"),
        (1, 4, 4, "At Risk"),
        (2, 1, 1, "Hibernating"),
        (1, 1, 1, "Lost"),
        (1, 2, 3, "Lost"),
    ],
)
def test_canonical_cells(r, f, m, segment):
    scores = pd.DataFrame({"r_score": [r], "f_score": [f], "m_score": [m]})
    result = rfm_segments(scores)
    assert result["segment"].iloc[0] == segment
    assert result["value_tier"].iloc[0] == EXPECTED_TIERS[segment]


def test_every_cell_gets_exactly_one_named_segment():
    result = rfm_segments(ALL_CELLS)
    assert len(result) == 125
    assert result["segment"].notna().all()
    assert "Others" not in set(result["segment"])  # the boxes cover the whole 5-point scale
    # Every segment but the fallback is reachable.
    assert set(result["segment"]) == {s.name for s in SEGMENTS} - {"Others"}
    # The segment is the first rule whose box holds the cell.
    for row in result.itertuples():
        fm = (row.f_score + row.m_score) / 2
        first = next(rule for rule in SEGMENT_RULES if rule.matches(row.r_score, fm))
        assert row.segment == first.segment


def test_rule_table_is_consistent():
    names = [segment.name for segment in SEGMENTS]
    assert len(set(names)) == len(names)
    assert {rule.segment for rule in SEGMENT_RULES} == set(names)
    assert SEGMENT_RULES[-1].segment == "Others"
    assert (SEGMENT_RULES[-1].r_min, SEGMENT_RULES[-1].r_max) == (1, 5)
    assert (SEGMENT_RULES[-1].fm_min, SEGMENT_RULES[-1].fm_max) == (1.0, 5.0)
    for rule in SEGMENT_RULES:
        assert 1 <= rule.r_min <= rule.r_max <= 5
        assert 1 <= rule.fm_min <= rule.fm_max <= 5
    tiers = [tier.code for tier in VALUE_TIERS]
    assert tiers == ["high_value", "potential", "churned"]
    assert [tier.name_zh for tier in VALUE_TIERS] == ["高价值", "潜力", "流失"]
    for segment in SEGMENTS:
        assert segment.value_tier in tiers
        assert segment.name_zh and segment.action_en and segment.action_zh


def test_value_tier_mapping():
    assert {segment.name: segment.value_tier for segment in SEGMENTS} == EXPECTED_TIERS
    result = rfm_segments(ALL_CELLS)
    pairs = set(zip(result["segment"], result["value_tier"], strict=True))
    assert pairs == {(s, t) for s, t in EXPECTED_TIERS.items() if s != "Others"}
    # Churned means not recent: every churned customer has r_score <= 2, and only they.
    assert ((result["value_tier"] == "churned") == (result["r_score"] <= 2)).all()


def test_segment_and_tier_are_ordered_categoricals():
    result = rfm_segments(ALL_CELLS)
    segment, tier = result["segment"].dtype, result["value_tier"].dtype
    assert isinstance(segment, pd.CategoricalDtype) and segment.ordered
    assert list(segment.categories) == [s.name for s in SEGMENTS]
    assert isinstance(tier, pd.CategoricalDtype) and tier.ordered
    assert list(tier.categories) == ["high_value", "potential", "churned"]
    assert result.sort_values("segment")["segment"].iloc[0] == "Champions"


def test_rfm_segments_keeps_input_and_index(orders):
    scores = rfm_scores(rfm_table(orders))
    before = scores.copy()
    result = rfm_segments(scores)
    pd.testing.assert_frame_equal(scores, before)
    pd.testing.assert_frame_equal(result.drop(columns=["segment", "value_tier"]), scores)
    # r 3,2,4,1 and fm 3, 1.5, 2, 2.5 (see test_rfm_scores_hand_case)
    assert result["segment"].tolist() == [
        "Need Attention",
        "Hibernating",
        "Potential Loyalist",
        "Lost",
    ]
    assert result["value_tier"].tolist() == ["potential", "churned", "potential", "churned"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("r_score", 6, "1..5"),
        ("f_score", 0, "1..5"),
        ("m_score", 2.5, "1..5"),
        ("m_score", np.nan, "missing"),
        ("r_score", "5", "integer scores"),
    ],
)
def test_rfm_segments_refuses_bad_scores(column, value, message):
    scores = pd.DataFrame({"r_score": [3, 3], "f_score": [3, 3], "m_score": [3, 3]}, dtype=object)
    scores.loc[1, column] = value
    scores = scores.infer_objects()
    with pytest.raises(ValueError, match=message):
        rfm_segments(scores)


def test_rfm_segments_needs_score_columns():
    with pytest.raises(KeyError, match="m_score"):
        rfm_segments(pd.DataFrame({"r_score": [1], "f_score": [1]}))


def test_ten_bin_scores_are_refused_by_segments():
    scores = rfm_scores(expected_rfm(list(range(1, 11)), [1] * 10, [1.0] * 10), n_bins=10)
    with pytest.raises(ValueError, match="n_bins=5"):
        rfm_segments(scores)


def test_segment_map_shape_and_labels():
    grid = segment_map()
    assert grid.shape == (5, 9)
    assert grid.index.tolist() == [5, 4, 3, 2, 1] and grid.index.name == "r_score"
    assert grid.columns.tolist() == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]
    assert grid.columns.name == "fm"
    assert grid.loc[5, 5.0] == "Champions"
    assert grid.loc[1, 1.0] == "Lost"
    assert grid.loc[1, 5.0] == "Can't Lose Them"


def test_segment_map_agrees_with_rfm_segments():
    grid = segment_map()
    result = rfm_segments(ALL_CELLS)
    for row in result.itertuples():
        assert grid.loc[row.r_score, (row.f_score + row.m_score) / 2] == row.segment


def test_segment_map_only_for_the_5_point_scale():
    with pytest.raises(ValueError, match="5-point"):
        segment_map(n_bins=4)


def test_segment_table_for_the_action_table():
    table = segment_table()
    assert table.index.tolist() == [s.name for s in SEGMENTS]
    assert table.loc["Champions", "value_tier_zh"] == "高价值"
    assert table.loc["Lost", "value_tier_en"] == "Churned"
    assert table.loc["Can't Lose Them", "name_zh"] == "重要挽留客户"
    assert table[["name_zh", "action_en", "action_zh"]].map(bool).all().all()


# --------------------------------------------------------------------------- concentration


def test_revenue_concentration_hand_case():
    monetary = pd.Series([10.0, 40.0, 30.0, 20.0], index=pd.Index([1, 2, 3, 4], name="customer_id"))
    curve = revenue_concentration(monetary)
    expected = pd.DataFrame(
        {
            "monetary": [40.0, 30.0, 20.0, 10.0],
            "customer_share": [0.25, 0.5, 0.75, 1.0],
            "revenue_share": [0.4, 0.7, 0.9, 1.0],
        },
        index=pd.Index([2, 3, 4, 1], name="customer_id"),
    )
    pd.testing.assert_frame_equal(curve, expected)


def test_revenue_concentration_ties_keep_input_order():
    curve = revenue_concentration(pd.Series([5.0, 9.0, 5.0], index=["c", "a", "b"]))
    assert curve.index.tolist() == ["a", "c", "b"]


@pytest.mark.parametrize(
    ("top", "share"),
    [(0.25, 0.4), (0.5, 0.7), (0.3, 0.46), (0.0, 0.0), (1.0, 1.0), (0.2, 0.32)],
)
def test_top_share_hand_cases(top, share):
    # 4 customers: top 0.3 is 1.2 customers = 40 + 0.2 * 30 = 46 of 100.
    assert top_share([10.0, 40.0, 30.0, 20.0], top=top) == pytest.approx(share)


def test_top_share_default_is_top_fifth():
    monetary = [100.0] + [0.0] * 4 + [25.0] * 5  # 10 customers, the top 2 hold 125 of 225
    assert top_share(monetary) == pytest.approx(125 / 225)


def test_top_share_ignores_tie_order_at_the_boundary():
    assert top_share([5.0, 5.0, 5.0], top=0.5) == pytest.approx(0.5)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=50).filter(
        lambda values: sum(values) > 0
    ),
    top=st.floats(min_value=0, max_value=1),
)
def test_top_share_is_the_interpolated_lorenz_curve(values, top):
    curve = revenue_concentration(pd.Series(values, dtype="float64"))
    x = np.concatenate([[0.0], curve["customer_share"].to_numpy()])
    y = np.concatenate([[0.0], curve["revenue_share"].to_numpy()])
    share = top_share(values, top=top)
    assert share == pytest.approx(float(np.interp(top, x, y)), abs=1e-9)
    assert top - 1e-9 <= share <= 1 + 1e-9  # the top customers hold at least their share
    assert curve["revenue_share"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("monetary", "message"),
    [([], "empty"), ([1.0, np.nan], "missing"), ([0.0, 0.0], "positive"), (["a"], "numeric")],
)
def test_concentration_refuses_bad_input(monetary, message):
    with pytest.raises(ValueError, match=message):
        revenue_concentration(monetary)
    with pytest.raises(ValueError, match=message):
        top_share(monetary)


@pytest.mark.parametrize(
    ("top", "error"), [(-0.1, ValueError), (1.5, ValueError), ("x", TypeError)]
)
def test_top_share_validates_top(top, error):
    with pytest.raises(error, match="top"):
        top_share([1.0, 2.0], top=top)


def test_public_names():
    assert set(rfm_methods.__all__) >= {
        "rfm_table",
        "rfm_scores",
        "rfm_segments",
        "tie_aware_score",
        "segment_map",
        "revenue_concentration",
        "top_share",
        "SEGMENT_RULES",
        "SEGMENTS",
        "VALUE_TIERS",
    }
    for name in rfm_methods.__all__:
        assert hasattr(rfm_methods, name)


# --------------------------------------------------------------------------- actions


@pytest.fixture
def segmented() -> pd.DataFrame:
    """Five customers in three segments, as rfm_segments leaves them."""
    scores = pd.DataFrame(
        {
            "recency_days": [2, 5, 300, 400, 10],
            "frequency": [20, 12, 9, 1, 15],
            "monetary": [500.0, 300.0, 120.0, 30.0, 50.0],
            "r_score": [5, 5, 1, 1, 4],
            "f_score": [5, 4, 4, 1, 5],
            "m_score": [5, 4, 3, 1, 4],
        },
        index=pd.Index([11, 12, 13, 14, 15], name="customer_id"),
    )
    return rfm_segments(scores)


def test_fixture_segments(segmented):
    assert segmented["segment"].astype(str).tolist() == [
        "Champions",
        "Champions",
        "At Risk",
        "Lost",
        "Champions",
    ]


def test_plays_cover_every_segment_exactly_once():
    named = [name for play in PLAYS for name in play.segments]
    assert sorted(named) == sorted(s.name for s in SEGMENTS)
    assert len(named) == len(set(named))
    assert [p.code for p in PLAYS] == ["vip_care", "nurture", "win_back", "reactivate", "review"]
    assert all(p.name_en and p.name_zh for p in PLAYS)


def test_plays_follow_the_value_tiers():
    tiers = {s.name: s.value_tier for s in SEGMENTS}
    plays = {p.code: p for p in PLAYS}
    assert {tiers[name] for name in plays["vip_care"].segments} == {"high_value"}
    assert {tiers[name] for name in plays["win_back"].segments} == {"churned"}
    assert {tiers[name] for name in plays["reactivate"].segments} == {"churned"}


def test_segment_summary_hand_case(segmented):
    summary = segment_summary(segmented)
    assert summary.index.tolist() == ["Champions", "At Risk", "Lost"]  # course order
    assert summary.index.name == "segment"
    assert summary["customers"].tolist() == [3, 1, 1]
    assert summary["customer_share"].tolist() == pytest.approx([0.6, 0.2, 0.2])
    assert summary["revenue"].tolist() == pytest.approx([850.0, 120.0, 30.0])
    assert summary["revenue_share"].tolist() == pytest.approx([0.85, 0.12, 0.03])
    assert summary.loc["Champions", "avg_recency_days"] == pytest.approx(17 / 3)
    assert summary.loc["Champions", "avg_frequency"] == pytest.approx(47 / 3)
    assert summary.loc["Champions", "avg_monetary"] == pytest.approx(850 / 3)
    assert summary["customers"].dtype == "int64"


def test_segment_summary_by_value_tier(segmented):
    summary = segment_summary(segmented, by="value_tier")
    assert summary.index.tolist() == ["high_value", "churned"]
    assert summary["customers"].tolist() == [3, 2]
    assert summary["revenue_share"].sum() == pytest.approx(1.0)


def test_segment_summary_accepts_plain_text_in_course_order(segmented):
    plain = segmented.assign(segment=segmented["segment"].astype(str))
    pd.testing.assert_frame_equal(segment_summary(plain), segment_summary(segmented))
    odd = plain.assign(segment=["Zeta", "Champions", "Lost", "Lost", "Alpha"])
    assert segment_summary(odd).index.tolist() == ["Champions", "Lost", "Alpha", "Zeta"]


def test_segment_summary_on_generated_segments_adds_up():
    rng = np.random.default_rng(3)
    rfm = pd.DataFrame(
        {
            "recency_days": rng.integers(1, 400, 300),
            "frequency": rng.integers(1, 30, 300),
            "monetary": rng.gamma(2.0, 200.0, 300),
        }
    )
    segmented = rfm_segments(rfm_scores(rfm))
    summary = segment_summary(segmented)
    assert summary["customers"].sum() == 300
    assert summary["revenue"].sum() == pytest.approx(rfm["monetary"].sum())
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    assert (summary["customers"] > 0).all()


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: segment_summary(s, by="persona"), ValueError, "by must be"),
        (lambda s: segment_summary(s.drop(columns="monetary")), KeyError, "monetary"),
        (lambda s: segment_summary(s.iloc[0:0]), ValueError, "empty"),
        (lambda s: segment_summary(s["segment"]), TypeError, "DataFrame"),
    ],
)
def test_segment_summary_refuses_bad_input(segmented, change, error, message):
    with pytest.raises(error, match=message):
        change(segmented)


def test_action_table(segmented):
    table = action_table(segmented)
    assert table.index.tolist() == ["Champions", "At Risk", "Lost"]
    assert table.columns.tolist() == [
        "name_zh",
        "value_tier",
        "play",
        "customers",
        "customer_share",
        "revenue_share",
        "avg_monetary",
        "action",
    ]
    assert table["play"].tolist() == ["VIP care", "Win-back offer", "Low-cost reactivation"]
    assert table.loc["At Risk", "name_zh"] == "流失风险客户"
    assert table.loc["At Risk", "value_tier"] == "churned"
    assert table.loc["Lost", "action"] == segment_table().loc["Lost", "action_en"]
    assert table["customers"].tolist() == [3, 1, 1]


def test_action_table_in_chinese(segmented):
    table = action_table(segmented, lang="zh")
    assert table["play"].tolist() == ["VIP 关怀", "挽回优惠", "低成本唤醒"]
    assert table.loc["Champions", "action"] == segment_table().loc["Champions", "action_zh"]


def test_action_table_refuses_unknown_segments_and_languages(segmented):
    with pytest.raises(ValueError, match="unknown segment"):
        action_table(segmented.assign(segment="VIPs"))
    with pytest.raises(ValueError, match="lang"):
        action_table(segmented, lang="fr")


def test_play_customers(segmented):
    assert play_customers(segmented, "vip_care").tolist() == [11, 12, 15]
    assert play_customers(segmented, "win_back").tolist() == [13]
    assert play_customers(segmented, "reactivate").tolist() == [14]
    assert play_customers(segmented, "nurture").tolist() == []
    assert play_customers(segmented, "win_back").name == "customer_id"
    with pytest.raises(ValueError, match="unknown play"):
        play_customers(segmented, "winback")


def test_public_names_of_the_action_helpers():
    assert {"PLAYS", "Play", "segment_summary", "action_table", "play_customers"} <= set(
        rfm_methods.__all__
    )
