"""The fast encoders write exactly the bytes of pandas, csv, json and openpyxl.

Each test compares the fast path with the slow one it replaces, on the values worlds hold
and on values made to be awkward (hypothesis).
"""

from __future__ import annotations

import datetime
import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit.synth import encoding as enc
from coursekit.synth import raw

EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def _pandas_csv(df: pd.DataFrame, lineterminator: str = "\n") -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator=lineterminator)
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------- numbers


# Floats that print without an exponent and have at most 6 decimals: the fast path.
DECIMAL_FLOATS = [0.0, -0.0, 12.0, 0.1, 0.01, 1e-4, 123456.78, -3.5, 2.675, 999999999.999999]
# The others: printed by numpy or Python themselves.
OTHER_FLOATS = [1e15, 1e16, 9.99e-5, 1 / 3, 0.30000000000000004, 5e-324, 1.7976931348623157e308]


def _present_text(text, values):
    return [t for t, v in zip(text, values, strict=True) if not np.isnan(v)]


@pytest.mark.parametrize("decimals", [0, 1, 2, 4, 6])
def test_float_text_of_decimals_is_numpy_and_python_text(decimals):
    rng = np.random.default_rng(decimals)
    values = np.round(rng.gamma(1.0, 200.0, 5000) * rng.choice([-1, 1], 5000), decimals)
    values = np.concatenate([values, DECIMAL_FLOATS, [np.nan]])
    assert enc._decimal_text(values, np.isnan(values)) is not None  # the fast path
    numpy_text = enc.float_text(values).to_pylist()
    python_text = enc.float_text(values, style="python").to_pylist()
    present = values[~np.isnan(values)]
    assert _present_text(numpy_text, values) == [str(v) for v in present]
    assert _present_text(python_text, values) == [repr(float(v)) for v in present]
    assert numpy_text[-1] is None and python_text[-1] is None


@pytest.mark.parametrize("other", OTHER_FLOATS)
def test_float_text_of_other_floats(other):
    values = np.array([1.25, other, np.nan])
    assert enc._decimal_text(values, np.isnan(values)) is None
    assert enc.float_text(values).to_pylist() == [str(v) for v in values[:2]] + [None]
    assert enc.float_text(values, style="python").to_pylist()[:2] == [repr(1.25), repr(other)]


@EXAMPLES
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_float_text_on_any_floats(values):
    arr = np.asarray(values, dtype=np.float64)
    assert enc.float_text(arr).to_pylist() == [str(v) for v in arr]
    assert enc.float_text(arr, style="python").to_pylist() == [repr(v) for v in values]


@EXAMPLES
@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=30), st.integers(0, 6))
def test_float_text_on_decimal_amounts(units, decimals):
    arr = np.asarray(units, dtype=np.float64) / 10**decimals
    assert enc.float_text(arr).to_pylist() == [str(v) for v in arr]


def test_json_numbers_are_json_dumps():
    floats = np.array([*DECIMAL_FLOATS, *OTHER_FLOATS, np.nan, np.inf, -np.inf])
    assert enc.json_numbers(floats).to_pylist() == [json.dumps(float(v)) for v in floats]
    ints = np.array([0, -5, 2**62])
    assert enc.json_numbers(ints).to_pylist() == [json.dumps(int(v)) for v in ints]


# ---------------------------------------------------------------------------- times


def test_timestamp_text_is_strftime():
    rng = np.random.default_rng(3)
    odd = [pd.NaT, pd.Timestamp("2024-02-29 23:59:59.999"), pd.Timestamp("1969-12-31 23:59:59.5")]
    stamps = pd.Series([*pd.to_datetime(rng.integers(-2 * 10**18, 4 * 10**18, 3000)), *odd])
    for date_only, fmt in ((False, "%Y-%m-%d %H:%M:%S"), (True, "%Y-%m-%d")):
        fast = enc.timestamp_text(stamps, date_only=date_only).to_pylist()
        slow = stamps.dt.strftime(fmt).tolist()
        assert fast == [None if isinstance(s, float) else s for s in slow]


# ---------------------------------------------------------------------------- CSV


def test_csv_bytes_is_pandas_to_csv_on_every_kind_of_column(monkeypatch):
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a,b", 'a "b"', None, "", " x ", "普通", "a\tb", "#"], dtype="str"),
            "objects": pd.Series(["x", np.nan, "y,z", "w", "v", "u", "t", "s"], dtype=object),
            "floats": [0.1, np.nan, 1e16, 12.0, -0.0, 1e-7, 2.5, 1 / 3],
            "ints": np.arange(8, dtype=np.int64) - 3,
            "nullable": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
            "flags": [True, False, True, True, False, False, True, False],
            "codes": pd.Categorical(["a", None, "b", "a", "c,d", "e", 'f"', "a"]),
        }
    )
    expected = {t: _pandas_csv(frame, t) for t in ("\n", "\r\n")}
    monkeypatch.setattr(enc, "_pandas_csv", None)  # the fast path, not pandas, writes these
    for terminator in ("\n", "\r\n"):
        assert enc.csv_bytes(frame, lineterminator=terminator) == expected[terminator]
    assert enc.csv_bytes(frame.iloc[:0]) == frame.iloc[:0].to_csv(index=False).encode()
    gbk = enc.csv_bytes(frame, lineterminator="\r\n", encoding="gbk")
    assert gbk == expected["\r\n"].decode().encode("gbk")


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": ["line\nbreak", "x"], "b": [1, 2]}),  # line breaks: pandas writes
        pd.DataFrame({"a": ["carriage\rreturn", "x"], "b": [1, 2]}),
        pd.DataFrame({"a": [1, "two"], "b": [1, 2]}),  # mixed objects
        pd.DataFrame({"only": ["one", "column"]}),
        pd.DataFrame({"when": pd.to_datetime(["2024-01-01", None]), "b": [1, 2]}),
    ],
)
def test_csv_bytes_leaves_what_it_does_not_handle_to_pandas(frame, monkeypatch):
    calls = []
    real = enc._pandas_csv
    monkeypatch.setattr(enc, "_pandas_csv", lambda *a: calls.append(1) or real(*a))
    assert enc.csv_bytes(frame) == _pandas_csv(frame)
    assert calls


@EXAMPLES
@given(
    st.lists(
        st.tuples(
            st.text(max_size=6),
            st.one_of(st.none(), st.text(alphabet=',"ab 市\t', max_size=5)),
            st.floats(allow_infinity=False),
            st.integers(-(2**40), 2**40),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_csv_bytes_on_any_rows(rows):
    frame = pd.DataFrame(rows, columns=["text", "maybe", "number", "whole", "flag"])
    frame = frame.astype({"text": "str", "maybe": "str"}) if rows else frame
    assert enc.csv_bytes(frame) == _pandas_csv(frame)


def test_csv_bytes_in_batches(monkeypatch):
    monkeypatch.setattr(enc, "BATCH_ROWS", 7)
    frame = pd.DataFrame({"n": np.arange(50), "x": np.linspace(0, 1, 50), "s": ["a,b"] * 50})
    assert enc.csv_bytes(frame) == _pandas_csv(frame)


# ---------------------------------------------------------------------------- JSON


@EXAMPLES
@given(st.lists(st.one_of(st.none(), st.text()), max_size=20))
def test_json_strings_are_json_dumps(values):
    assert enc.json_strings(values).to_pylist() == [
        json.dumps(v, ensure_ascii=False) for v in values
    ]


def test_json_objects_and_lists_are_json_dumps():
    records = [
        {"no": "A1", "amount": 12.5, "items": [{"sku": 'S"1', "qty": 2}], "note": None},
        {"no": "中\n文", "amount": 0.1, "items": [], "note": "x"},
    ]
    items = enc.json_objects(
        {"sku": enc.json_strings(['S"1']), "qty": enc.json_numbers(np.array([2]))}
    )
    text = enc.json_objects(
        {
            "no": enc.json_strings([r["no"] for r in records]),
            "amount": enc.json_numbers(np.array([r["amount"] for r in records])),
            "items": enc.json_lists(items, np.array([0, 1, 1])),
            "note": enc.json_strings([r["note"] for r in records]),
        }
    )
    expected = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    assert enc.json_lines_bytes(text) == expected.encode()


# ---------------------------------------------------------------------------- xlsx


def test_xlsx_rows_are_written_as_openpyxl_writes_them(monkeypatch):
    frame = pd.DataFrame(
        {
            "会员编号": [100001, 100002, 100003],
            "姓名": ["王 涛", " leading", "a & b <c>"],
            "出生日期": [datetime.datetime(1980, 5, 17), "1990年1月2日", "19850304"],
            "金额": [1.5, 2.0, 1 / 3],
            "城市": ["上海市", "trailing ", "x"],
        }
    )
    stamp = pd.Timestamp("2025-12-31")
    fast = raw._xlsx_bytes(frame, "会员列表", stamp)
    monkeypatch.setattr(raw, "_sheet_data_xml", lambda part: None)  # openpyxl writes all
    assert fast == raw._xlsx_bytes(frame, "会员列表", stamp)


def test_xlsx_values_outside_the_fast_path_go_through_openpyxl():
    assert raw._sheet_data_xml(pd.DataFrame({"a": ["=1+1"], "b": [1]})) is None
    assert raw._sheet_data_xml(pd.DataFrame({"a": [""], "b": [1]})) is None
    assert raw._sheet_data_xml(pd.DataFrame({"a": [None], "b": [1]})) is None
    assert raw._sheet_data_xml(pd.DataFrame({"a": [True], "b": [1]})) is None
    assert raw._sheet_data_xml(pd.DataFrame({"a": ["ok"], "b": [1]})) is not None


def test_arrow_text_is_large():
    """Columns of a big world exceed 2 GiB of text: 64-bit offsets everywhere."""
    large = pa.large_string()
    assert enc.float_text(np.array([1.5])).type == large
    assert enc.timestamp_text(pd.Series(pd.to_datetime(["2024-01-01"]))).type == large
    assert enc.json_strings(["a"]).type == large
