"""Comparison specs: verdicts and the structured differences behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.engine.compare import (
    FrameSpec,
    OneOfSpec,
    ScalarSpec,
    SeriesSpec,
    SetSpec,
    auto_spec,
    compare,
    fmt_value,
)


def kinds(result):
    return [f.kind for f in result.findings]


def finding(result, kind):
    matches = [f for f in result.findings if f.kind == kind]
    assert matches, f"no {kind} finding in {kinds(result)}"
    return matches[0].params


def rfm_frame(n=8):
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(1, n + 1)],
            "recency_days": list(range(1, n + 1)),
            "frequency": [i % 3 + 1 for i in range(n)],
            "monetary": [10.5 * i for i in range(1, n + 1)],
        }
    )


KEYED = FrameSpec(key="customer_id", ignore_row_order=True)


# ---------------------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    ("expected", "answer", "spec", "equal"),
    [
        (10.0, 10.0 + 1e-9, ScalarSpec(), True),
        (10.0, 10.01, ScalarSpec(), False),
        (10.0, 10.01, ScalarSpec(rtol=0.01), True),
        (0.0, 1e-10, ScalarSpec(), True),
        (0.0, 1e-3, ScalarSpec(atol=1e-2), True),
        (0.0, 1e-3, ScalarSpec(atol=1e-6), False),
        (5, np.int64(5), ScalarSpec(), True),
        (5, 5.0, ScalarSpec(), True),
        (np.float64(2.5), 2.5, ScalarSpec(), True),
        (float("nan"), float("nan"), ScalarSpec(), True),
        (float("inf"), float("inf"), ScalarSpec(), True),
        (float("inf"), 1e308, ScalarSpec(), False),
        (True, True, ScalarSpec(), True),
        (True, 1, ScalarSpec(), False),
        (1, True, ScalarSpec(), False),
        ("Champions", " Champions ", ScalarSpec(), True),
        ("Champions", " Champions ", ScalarSpec(strip=False), False),
        ("Champions", "champions", ScalarSpec(), False),
        ("Champions", "champions", ScalarSpec(ignore_case=True), True),
        ([1, 2.0, "a"], [1.0, 2, "a"], ScalarSpec(), True),
        ([1, 2], [2, 1], ScalarSpec(), False),
        ((1, 2), [1, 2], ScalarSpec(), True),
        ({"a": 1.0, "b": [1, 2]}, {"b": [1, 2], "a": 1}, ScalarSpec(), True),
        ({"a": 1}, {"a": 2}, ScalarSpec(), False),
        (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]), ScalarSpec(), True),
        (np.array([1.0, 2.0]), [1.0, 3.0], ScalarSpec(), False),
        (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-01"), ScalarSpec(), True),
        (None, None, ScalarSpec(), True),
    ],
)
def test_scalar_verdicts(expected, answer, spec, equal):
    assert compare(expected, answer, spec).equal is equal


def test_a_wrong_number_says_higher_or_lower_without_revealing_the_answer():
    high = compare(100.0, 120.5)
    assert kinds(high) == ["number_high"]
    assert finding(high, "number_high") == {"given": "120.5", "by": "less than 50 %"}
    assert "100" not in high.lines()[0]
    assert kinds(compare(100.0, 80)) == ["number_low"]
    assert kinds(compare(100.0, float("nan"))) == ["value"]


def test_a_series_where_a_single_value_is_expected_is_named():
    result = compare(3.0, pd.Series([3.0, 4.0]))
    assert finding(result, "not_single_value") == {"given": "Series", "count": 2}


def test_wrong_type_names_what_was_expected():
    result = compare(3.0, "3.0")
    assert finding(result, "type_value") == {
        "expected": "a number",
        "given": "str",
        "value": "'3.0'",
    }


def test_sequences_report_length_and_first_differing_item():
    assert finding(compare([1, 2, 3], [1, 2]), "length") == {"expected": 3, "given": 2}
    assert finding(compare([1, 2, 3], [1, 5, 3]), "item") == {"position": 1, "given": "5"}


def test_sets_ignore_order_and_container_and_report_missing_and_extra():
    spec = SetSpec()
    expected = {"C001", "C002", "C003"}
    assert compare(expected, ["C003", "C001", "C002"], spec).equal
    assert compare(expected, pd.Series(["C002", "C001", "C003"]), spec).equal
    assert compare({1, 2}, np.array([2, 1]), spec).equal
    result = compare(expected, ["C001", "C004"], spec)
    assert finding(result, "missing_items") == {"count": 2, "examples": "'C002', 'C003'"}
    assert finding(result, "extra_items") == {"count": 1, "examples": "'C004'"}
    repeated = compare(expected, ["C001", "C002", "C003", "C001"], spec)
    assert kinds(repeated) == ["duplicate_items"]
    assert kinds(compare(expected, "C001", spec)) == ["type"]


def test_auto_spec_follows_the_reference_type():
    assert isinstance(auto_spec(pd.DataFrame()), FrameSpec)
    assert isinstance(auto_spec(pd.Series(dtype=float)), SeriesSpec)
    assert isinstance(auto_spec({1}), SetSpec)
    assert isinstance(auto_spec(3.0), ScalarSpec)


# ---------------------------------------------------------------------------- frames


def test_the_same_frame_is_equal():
    assert compare(rfm_frame(), rfm_frame(), KEYED).equal
    assert compare(rfm_frame(), rfm_frame(), FrameSpec()).equal


def test_row_and_column_order_are_ignored_when_asked():
    shuffled = rfm_frame().sample(frac=1, random_state=1)[
        ["monetary", "customer_id", "frequency", "recency_days"]
    ]
    assert compare(rfm_frame(), shuffled, KEYED).equal
    assert compare(rfm_frame(), shuffled, FrameSpec(ignore_row_order=True)).equal


def test_row_order_matters_by_default():
    reversed_rows = rfm_frame().iloc[::-1]
    assert not compare(rfm_frame(), reversed_rows, FrameSpec()).equal
    keyed_in_order = FrameSpec(key="customer_id")
    assert kinds(compare(rfm_frame(), reversed_rows, keyed_in_order)) == ["row_order"]


def test_column_order_matters_when_asked():
    swapped = rfm_frame()[["customer_id", "frequency", "recency_days", "monetary"]]
    strict = FrameSpec(key="customer_id", ignore_column_order=False)
    result = compare(rfm_frame(), swapped, strict)
    assert finding(result, "column_order") == {
        "expected": "customer_id, recency_days, frequency, monetary"
    }
    assert compare(rfm_frame(), swapped, KEYED).equal


def test_the_key_may_be_the_index():
    as_index = rfm_frame().set_index("customer_id")
    assert compare(rfm_frame(), as_index, KEYED).equal
    # The reference may also carry its key as the index.
    assert compare(as_index, rfm_frame(), KEYED).equal
    # A key index that lost its name still identifies the rows.
    assert compare(rfm_frame(), as_index.rename_axis(None), KEYED).equal


def test_missing_key_is_reported():
    result = compare(rfm_frame(), rfm_frame().drop(columns="customer_id"), KEYED)
    assert finding(result, "missing_key_columns") == {"columns": "customer_id"}


def test_missing_and_extra_columns():
    answer = rfm_frame().drop(columns=["monetary"]).assign(frequency_lines=1, note="x")
    result = compare(rfm_frame(), answer, KEYED)
    assert finding(result, "missing_columns") == {"columns": "monetary"}
    assert finding(result, "extra_columns") == {"columns": "frequency_lines, note"}
    assert compare(
        rfm_frame(),
        rfm_frame().assign(note="x"),
        FrameSpec(key="customer_id", allow_extra_columns=True),
    ).equal


def test_row_count_and_missing_and_extra_keys():
    answer = pd.concat(
        [
            rfm_frame().iloc[2:],
            pd.DataFrame(
                {"customer_id": ["C999"], "recency_days": [1], "frequency": [1], "monetary": [1.0]}
            ),
        ]
    )
    result = compare(rfm_frame(), answer, KEYED)
    assert finding(result, "row_count") == {"expected": 8, "given": 7}
    assert finding(result, "missing_keys") == {
        "count": 2,
        "examples": "customer_id='C001'; customer_id='C002'",
    }
    assert finding(result, "extra_keys") == {"count": 1, "examples": "customer_id='C999'"}


def test_duplicate_keys_are_reported():
    answer = pd.concat([rfm_frame(), rfm_frame().iloc[[3]]])
    result = compare(rfm_frame(), answer, KEYED)
    assert finding(result, "duplicate_keys") == {"count": 1, "examples": "customer_id='C004'"}


def test_differing_values_list_at_most_five_keys_with_expected_and_given():
    answer = rfm_frame()
    answer["frequency"] = answer["frequency"] + 1  # every row differs
    answer.loc[0, "monetary"] = 999.0
    result = compare(rfm_frame(), answer, KEYED)
    assert finding(result, "values") == {"column": "frequency", "count": 8, "total": 8}
    differences = [f.params for f in result.findings if f.kind == "difference"]
    assert differences[0] == {
        "row": "customer_id='C001'",
        "column": "frequency",
        "expected": "1",
        "given": "2",
    }
    assert differences[1]["column"] == "monetary" and differences[1]["given"] == "999.0"
    assert len({d["row"] for d in differences}) == 5
    lines = result.lines()
    assert "- Column frequency: 8 of 8 values differ." in lines
    assert "    customer_id='C001', frequency: expected 1, got 2" in lines


def test_a_difference_the_mask_cannot_locate_is_reported_without_examples(monkeypatch):
    from coursekit.engine import compare as compare_module

    monkeypatch.setattr(compare_module, "_series_equal", lambda *args: False)
    result = compare(rfm_frame(), rfm_frame(), KEYED)
    assert not result.equal
    assert finding(result, "values_subtle") == {"column": "recency_days"}
    assert "difference" not in kinds(result)


def test_differences_without_key_are_labelled_by_position():
    answer = rfm_frame()
    answer.loc[3, "recency_days"] = 40
    result = compare(rfm_frame(), answer, FrameSpec())
    difference = finding(result, "difference")
    assert difference["row"] == "row at position 3"


def test_tolerance_applies_to_values():
    noisy = rfm_frame().assign(monetary=lambda d: d["monetary"] * (1 + 1e-9))
    assert compare(rfm_frame(), noisy, KEYED).equal
    off = rfm_frame().assign(monetary=lambda d: d["monetary"] * 1.001)
    assert not compare(rfm_frame(), off, KEYED).equal
    assert compare(rfm_frame(), off, FrameSpec(key="customer_id", rtol=0.01)).equal


def test_numeric_dtypes_are_lenient_by_default_and_strict_when_asked():
    as_float = rfm_frame().astype({"frequency": "float64", "recency_days": "Int64"})
    assert compare(rfm_frame(), as_float, KEYED).equal
    strict = FrameSpec(key="customer_id", check_dtype=True)
    result = compare(rfm_frame(), as_float, strict)
    assert finding(result, "dtype") == {
        "column": "recency_days",
        "expected": "int64",
        "given": "Int64",
    }


def test_text_dtypes_are_lenient():
    expected = pd.DataFrame({"segment": pd.Categorical(["Champions", "Lost"]), "n": [1, 2]})
    answer = pd.DataFrame({"segment": pd.Series(["Champions", "Lost"], dtype=object), "n": [1, 2]})
    assert compare(expected, answer, FrameSpec()).equal


def test_numbers_as_text_are_a_dtype_difference():
    answer = rfm_frame().astype({"frequency": str})
    result = compare(rfm_frame(), answer, KEYED)
    assert finding(result, "dtype")["column"] == "frequency"
    assert not result.equal


def test_nan_equals_nan_and_not_a_number():
    expected = rfm_frame().assign(monetary=np.nan)
    assert compare(expected, expected.copy(), KEYED).equal
    assert not compare(expected, rfm_frame(), KEYED).equal


def test_a_groupby_result_is_compared_on_its_index():
    expected = pd.DataFrame({"segment": ["a", "b", "c"], "n": [3, 2, 1]}).set_index("segment")
    assert compare(expected, expected.reset_index()).equal  # index given as a column
    wrong_labels = expected.rename(index={"a": "z"})
    result = compare(expected, wrong_labels)
    assert finding(result, "missing_keys")["examples"] == "segment='a'"


def test_the_index_left_by_filtering_rows_is_ignored():
    expected = rfm_frame()[rfm_frame()["frequency"] > 1]  # index 1, 2, 4, 5, 7
    assert compare(expected, expected.reset_index(drop=True)).equal
    series = expected["monetary"]
    assert compare(series, series.reset_index(drop=True)).equal
    labelled = pd.Series([1, 2], index=["high_value", "churned"])  # labels, unnamed
    assert not compare(labelled, labelled.reset_index(drop=True)).equal


def test_huge_answers_are_rejected_cheaply():
    huge = pd.DataFrame({"customer_id": np.arange(2_000_000), "x": 0})
    result = compare(rfm_frame(), huge, KEYED)
    assert kinds(result) == ["too_large"]
    assert finding(result, "too_large") == {"given": 2_000_000, "expected": 8}


def test_duplicate_column_names_are_reported():
    answer = rfm_frame()
    answer.columns = ["customer_id", "x", "x", "monetary"]
    assert finding(compare(rfm_frame(), answer, KEYED), "duplicate_columns") == {"columns": "x"}


def test_cells_whose_eq_raises_are_reported_not_raised():
    class Evil:
        def __eq__(self, other):
            raise RuntimeError("no")

        __hash__ = object.__hash__

    answer = rfm_frame().astype({"frequency": object})
    answer["frequency"] = [Evil()] * len(answer)
    result = compare(rfm_frame(), answer, KEYED)
    assert not result.equal
    assert "dtype" in kinds(result) or "column_cannot_compare" in kinds(result)


def test_the_answer_frame_is_not_modified():
    answer = rfm_frame().set_index("customer_id").iloc[::-1].astype({"frequency": "float64"})
    before = answer.copy(deep=True)
    compare(rfm_frame(), answer, KEYED)
    pd.testing.assert_frame_equal(answer, before)


# ---------------------------------------------------------------------------- series


def counts():
    return pd.Series(
        [5, 3, 1], index=pd.Index(["completed", "returned", "cancelled"], name="status")
    )


def test_series_are_matched_by_index_label():
    assert compare(counts(), counts()).equal
    assert compare(counts(), counts().sort_index(), SeriesSpec(ignore_order=True)).equal
    assert kinds(compare(counts(), counts().sort_index())) == ["row_order"]
    result = compare(counts(), counts().rename(index={"returned": "refunded"}))
    assert finding(result, "missing_keys")["examples"] == "status='returned'"


def test_series_values_only_when_the_index_does_not_matter():
    spec = SeriesSpec(check_index=False)
    assert compare(counts(), counts().reset_index(drop=True), spec).equal
    result = compare(counts(), pd.Series([5, 4, 1]), spec)
    assert finding(result, "values")["count"] == 1


def test_a_one_column_frame_counts_as_a_series():
    assert compare(counts(), counts().to_frame("n")).equal


def test_series_name_is_checked_when_asked():
    expected = counts().rename("orders")
    assert compare(expected, counts()).equal
    result = compare(expected, counts(), SeriesSpec(check_name=True))
    assert finding(result, "series_name") == {"expected": "'orders'", "given": "None"}


def test_a_series_with_the_wrong_number_of_index_levels():
    two_levels = counts().to_frame("n").set_index(pd.Index([1, 2, 3], name="x"), append=True)["n"]
    assert kinds(compare(counts(), two_levels)) == ["index_levels"]


# ---------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.float64(1.5), "1.5"),
        (np.int64(3), "3"),
        (1 / 3, "0.333333"),
        (1e-7, "1e-07"),
        (float("nan"), "NaN"),
        (None, "None"),
        (pd.NA, "<NA>"),
        (pd.NaT, "NaT"),
        ("张三", "'张三'"),
        (pd.Timestamp("2025-01-02"), "2025-01-02 00:00:00"),
        (np.datetime64("2025-01-02"), "2025-01-02 00:00:00"),
        (object(), "<object>"),
        ("x" * 100, "'" + "x" * 38 + "…"),
    ],
)
def test_values_are_formatted_deterministically(value, text):
    assert fmt_value(value) == text


def test_formatting_survives_a_raising_repr():
    class EvilText(str):
        def __repr__(self):
            raise RuntimeError

    assert fmt_value(EvilText("x")) == "<EvilText>"
    assert fmt_value((EvilText("x"),)) == "<tuple>"


# ---------------------------------------------------------- scalars say what differs


@pytest.mark.parametrize(
    ("expected", "answer", "cause"),
    [
        (0.25, 25.0, "times_100"),
        (25.0, 0.25, "divided_100"),
        (3.5, 3500.0, "times_1000"),
        (12.0, -12.0, "sign_flipped"),
        (365, 366, "off_by_one"),
        (0.62813, 0.63, "rounded"),
    ],
)
def test_a_wrong_number_names_a_likely_cause(expected, answer, cause):
    result = compare(expected, answer)
    assert kinds(result)[1:] == [cause]
    assert result.lines()[1].startswith("- ")  # the cause is a sentence of its own


def test_a_number_without_a_recognisable_cause_says_only_the_direction():
    assert kinds(compare(0.6281, 0.7013)) == ["number_high"]


def test_dates_say_the_type_the_time_zone_or_how_far_off():
    day = pd.Timestamp("2026-01-01")
    zoned = compare(day, day.tz_localize("Asia/Shanghai"))
    assert kinds(zoned) == ["timezone_attached"]
    assert "2026-01-01 00:00:00+08:00 carries a time zone (Asia/Shanghai)" in zoned.lines()[0]
    assert finding(compare(day, day.to_period("D")), "type_value")["given"] == "Period"
    assert finding(compare(day, "2026-01-01"), "type_value")["given"] == "str"
    assert finding(compare(day, day.date()), "type_value")["given"] == "date"
    assert finding(compare(day, day + pd.Timedelta(days=2)), "later")["by"] == "2 days 00:00:00"
    assert kinds(compare(day, day - pd.Timedelta(hours=5))) == ["earlier"]
    assert compare(day, day.to_pydatetime()).equal and compare(day, day.to_datetime64()).equal


def test_none_and_containers_name_their_type_never_the_expected_one():
    assert kinds(compare(pd.Timestamp("2026-01-01"), None)) == ["none_value"]
    assert kinds(compare(3.0, None)) == ["none_value"]
    for answer in ([1], {"a": 1}):
        lines = compare(pd.Timestamp("2026-01-01"), answer).lines()
        assert type(answer).__name__ in lines[0] and "is not the expected one" not in lines[0]


def test_texts_differing_only_in_case_or_spaces_say_so():
    assert kinds(compare("Champions", "champions", ScalarSpec())) == ["text_case"]
    assert kinds(compare("At Risk", "AtRisk", ScalarSpec())) == ["text_spaces"]
    assert kinds(compare("At Risk", "Lost", ScalarSpec())) == ["value"]


def test_one_of_several_right_values():
    spec = OneOfSpec(accepted=(0.6284,), atol=5e-5)
    assert compare(0.6281, 0.62812, spec).equal and compare(0.6281, 0.6284, spec).equal
    wrong = compare(0.6281, 0.6299, spec)
    assert not wrong.equal and kinds(wrong) == ["number_high"]
    assert not compare(0.6281, "0.6281", spec).equal


def test_rows_only_in_another_order_are_reported_as_row_order():
    frame = pd.DataFrame({"order_no": ["a", "b", "c"], "ts": [3, 1, 2]})
    result = compare(frame, frame.sort_values("ts"), FrameSpec())
    assert kinds(result) == ["row_order"]
    changed = frame.sort_values("ts").assign(ts=[1, 2, 4])
    assert "values" in kinds(compare(frame, changed, FrameSpec()))


def test_categorical_columns_compare_by_value_whatever_their_categories():
    expected = pd.DataFrame({"channel": pd.Categorical(["app", "store", None])})
    other_categories = pd.DataFrame(
        {"channel": pd.Categorical(["app", "store", None], categories=["store", "app", "x"])}
    )
    assert compare(expected, other_categories).equal
    assert compare(expected, expected.astype({"channel": "str"})).equal
    changed = pd.DataFrame({"channel": pd.Categorical(["app", "app", None])})
    result = compare(expected, changed)
    assert finding(result, "values") == {"column": "channel", "count": 1, "total": 3}
    assert finding(result, "difference")["expected"] == "'store'"


def test_true_false_columns_compare_by_value_and_show_true_false():
    expected = pd.DataFrame({"dairy": [True, False, True]}, index=pd.Index([1, 2, 3], name="k"))
    assert compare(expected, expected.astype("boolean")).equal
    changed = expected.copy()
    changed.loc[2, "dairy"] = True
    result = compare(expected, changed)
    assert finding(result, "values") == {"column": "dairy", "count": 1, "total": 3}
    assert finding(result, "difference")["expected"] == "False"
    assert finding(result, "difference")["given"] == "True"
    missing = expected.astype("float64")
    missing[:] = np.nan
    result = compare(expected, missing)
    assert finding(result, "values") == {"column": "dairy", "count": 3, "total": 3}
    assert "dtype" not in kinds(result)
    assert not compare(expected, expected.astype("int64")).equal  # 0/1 is not True/False
