"""Text encoders for writing worlds: the bytes pandas, ``csv`` and ``json`` write, faster.

Writing a world used to cost twenty times generating it: pandas hands every CSV row to
Python's ``csv`` module, ``strftime`` formats one time at a time, ``json.dumps`` encodes
one record at a time. Here each column becomes text at once (numpy arithmetic and Arrow
string kernels) and Arrow joins the columns into lines. The output is byte-identical to
the slow path it replaces (``tests/synth/test_encoding.py`` compares the two), and every
case these encoders do not handle goes through the slow path itself.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()  # 64-bit offsets: a column of a big world exceeds 2 GiB of text
# Rows encoded at a time: bounds the memory the text of a big table takes.
BATCH_ROWS = 500_000
_TWO_DIGITS = pa.array([f"{i:02d}" for i in range(100)], type=TEXT)
_JSON_ESCAPED = '[[:cntrl:]"\\\\]'  # what json.dumps(ensure_ascii=False) escapes (and DEL)


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


def concat(*parts) -> pa.Array:
    """Element-wise concatenation of text arrays and scalars."""
    return pc.binary_join_element_wise(*parts, _s(""))


# ---------------------------------------------------------------------------- numbers


def float_text(values, *, style: str = "numpy") -> pa.Array:
    """Each float as text, missing (NaN) as null.

    Args:
        values: floats.
        style: "numpy" for ``str(numpy.float64)`` (what pandas writes to CSV), "python"
            for ``repr(float)`` (what ``json.dumps`` writes). Both are the shortest text
            that reads back as the same float; they differ only outside the fast path.
    """
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    text = _decimal_text(values, missing)
    if text is None:
        if style == "numpy":
            text = pa.array(values.astype(str), type=TEXT)
        else:
            text = pa.array([repr(v) for v in values.tolist()], type=TEXT)
    if missing.any():
        text = pc.if_else(pa.array(missing), pa.scalar(None, TEXT), text)
    return text


def _decimal_text(values: np.ndarray, missing: np.ndarray) -> pa.Array | None:
    """Floats with at most 6 decimals (prices, amounts, rounded traits) by integer math.

    A float equal to ``k / 10**d`` (computed exactly: both are integers below 2**53) is the
    float nearest to the decimal ``k * 10**-d``; no other decimal with ``d`` or fewer
    places is as near (they are 10**-d apart, far more than the float's precision while
    ``|k| < 2**50``), so that decimal, trailing zeros dropped, is the shortest text that
    reads back as the float: what Python and numpy print. Both print such numbers without
    an exponent from 1e-4 up to 1e16.
    """
    filled = np.where(missing, 0.0, values)
    if not np.isfinite(filled).all():
        return None
    magnitude = np.abs(filled)
    if magnitude.max(initial=0.0) >= 1e15 or magnitude[magnitude > 0].min(initial=1.0) < 1e-4:
        return None
    for digits in range(7):
        scale = 10.0**digits
        k = np.rint(filled * scale)
        if np.abs(k).max(initial=0.0) >= 2.0**50:
            return None
        if np.array_equal(k / scale, filled):
            break
    else:
        return None
    whole, fraction = np.divmod(np.abs(k).astype(np.int64), 10**digits)
    if digits:
        decimals = pc.utf8_lpad(pa.array(fraction).cast(TEXT), width=digits, padding="0")
        decimals = pc.utf8_rtrim(decimals, characters="0")
        decimals = pc.if_else(pc.equal(decimals, _s("")), _s("0"), decimals)
    else:
        decimals = _s("0")
    sign = pc.if_else(pa.array(np.signbit(filled)), _s("-"), _s(""))
    return concat(sign, pa.array(whole).cast(TEXT), _s("."), decimals)


# ---------------------------------------------------------------------------- times


def timestamp_text(values, *, date_only: bool = False) -> pa.Array:
    """``strftime("%Y-%m-%d %H:%M:%S")`` (or ``"%Y-%m-%d"``) of each time; NaT as null.

    Times are cut to the second below, as ``%S`` does.
    """
    ns = pd.Series(values).to_numpy(dtype="datetime64[ns]").view(np.int64)
    missing = ns == np.iinfo(np.int64).min  # NaT
    seconds = np.floor_divide(np.where(missing, 0, ns), 10**9)
    days, second_of_day = np.divmod(seconds, 86_400)
    year, month, day = _civil_from_days(days)
    if ((year < 1000) | (year > 9999))[~missing].any():  # strftime pads these its own way
        stamps = pd.Series(pd.to_datetime(ns))
        text = stamps.dt.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M:%S")
        return pa.array(text.astype(object), type=TEXT, from_pandas=True)
    parts = [pa.array(year).cast(TEXT), _s("-"), _two(month), _s("-"), _two(day)]
    if not date_only:
        hour, rest = np.divmod(second_of_day, 3600)
        minute, second = np.divmod(rest, 60)
        parts += [_s(" "), _two(hour), _s(":"), _two(minute), _s(":"), _two(second)]
    text = concat(*parts)
    if missing.any():
        text = pc.if_else(pa.array(missing), pa.scalar(None, TEXT), text)
    return text


def format_timestamps(values: pd.Series, *, date_only: bool = False) -> pd.Series:
    """:func:`timestamp_text` as a pandas text column with the index of ``values``."""
    return text_series(timestamp_text(values, date_only=date_only), index=values.index)


def text_series(text: pa.Array, index=None) -> pd.Series:
    """Arrow text as a pandas text column (pandas' own ``str`` dtype)."""
    return pd.Series(text.to_pandas(), index=index, dtype="str")


def _two(numbers: np.ndarray) -> pa.Array:
    return pc.take(_TWO_DIGITS, pa.array(numbers))


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of days since 1970-01-01 (proleptic Gregorian; H. Hinnant)."""
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    day_of_era = z - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = np.where(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


# ---------------------------------------------------------------------------- CSV


def csv_bytes(
    df: pd.DataFrame,
    *,
    lineterminator: str = "\n",
    encoding: str = "utf-8",
    formatted: dict[str, pa.Array] | None = None,
) -> bytes:
    """``df.to_csv(index=False, lineterminator=...)`` encoded: the same bytes, faster.

    Args:
        df: the frame; columns of numbers, booleans, text or text categories.
        lineterminator: the line end.
        encoding: the text encoding of the result.
        formatted: columns already turned into text (e.g. by :func:`timestamp_text`),
            used in place of those of ``df``.

    Frames with a column of another kind, text holding a line break (the ``csv``
    module's rules for those differ between Python versions) or a single column are
    written by pandas.
    """
    formatted = formatted or {}
    kinds_ok = all(c in formatted or _csv_column(df[c].iloc[:0]) is not None for c in df)
    if len(df.columns) < 2 or not df.columns.is_unique or not kinds_ok:
        return _pandas_csv(df, lineterminator, encoding, formatted)
    header = io.StringIO()
    csv.writer(header, lineterminator=lineterminator).writerow(list(df.columns))
    parts = [header.getvalue().encode(encoding)]
    for lo in range(0, len(df), BATCH_ROWS):
        columns = []
        for name in df.columns:
            if name in formatted:
                text = _quoted(formatted[name].slice(lo, BATCH_ROWS).cast(TEXT))
            else:
                text = _csv_column(df[name].iloc[lo : lo + BATCH_ROWS])
            if text is None:
                return _pandas_csv(df, lineterminator, encoding, formatted)
            columns.append(text)
        line = pc.binary_join_element_wise(*columns, _s(","), null_handling="replace")
        body = _buffer_bytes(concat(line, _s(lineterminator)))
        parts.append(body if encoding == "utf-8" else body.decode("utf-8").encode(encoding))
    return b"".join(parts)


def _pandas_csv(df, lineterminator: str, encoding: str, formatted: dict) -> bytes:
    if formatted:
        df = df.assign(
            **{k: pd.Series(v.to_pandas(), index=df.index) for k, v in formatted.items()}
        )
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator=lineterminator)
    return buf.getvalue().encode(encoding)


def _csv_column(values: pd.Series) -> pa.Array | None:
    """One column as text the way pandas writes it to CSV (missing: null), or None.

    An empty ``values`` only asks whether the column's kind is one handled here.
    """
    dtype = values.dtype
    if dtype == np.int64 or dtype == "Int64":
        return pa.array(values).cast(TEXT)
    if dtype == np.float64:
        return float_text(values.to_numpy())
    if dtype == np.bool_:
        return pa.array(np.where(values.to_numpy(), "True", "False"), type=TEXT)
    if isinstance(dtype, pd.CategoricalDtype):
        if not pd.api.types.is_string_dtype(dtype.categories.dtype):
            return None
        categories = _quoted(pa.array(dtype.categories.astype("str"), type=TEXT))
        codes = values.cat.codes.to_numpy()
        return None if categories is None else pc.take(categories, pa.array(codes, mask=codes < 0))
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        if not all(type(v) is str for v in values[values.notna()]):
            return None
    elif not isinstance(dtype, pd.StringDtype):
        return None
    return _quoted(pa.array(values.astype("str"), from_pandas=True).cast(TEXT))


def _quoted(strings: pa.Array) -> pa.Array | None:
    """Quotes where the csv module puts them: around text with a comma or a quote."""
    if not len(strings) or not pc.any(pc.match_substring_regex(strings, '[,"\r\n]')).as_py():
        return strings  # the usual case: nothing to quote
    if pc.any(pc.match_substring_regex(strings, "[\r\n]")).as_py():
        return None
    needs_quotes = pc.match_substring_regex(strings, '[,"]')
    doubled = pc.replace_substring(strings, '"', '""')
    return pc.if_else(needs_quotes, concat(_s('"'), doubled, _s('"')), strings)


def _buffer_bytes(lines: pa.Array) -> bytes:
    """The text of a text array without nulls, all elements one after another."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if not len(lines):
        return b""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return lines.buffers()[2].to_pybytes()[start:end]


# ---------------------------------------------------------------------------- JSON lines


def json_strings(values) -> pa.Array:
    """``json.dumps(v, ensure_ascii=False)`` of each text (None: ``null``)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        strings = values.cast(TEXT)
    else:
        strings = pa.array(pd.Series(values, dtype=object), type=TEXT, from_pandas=True)
    text = concat(_s('"'), strings, _s('"'))
    special = pc.match_substring_regex(strings, _JSON_ESCAPED)
    if len(strings) and pc.any(special).as_py():
        slow = [json.dumps(v, ensure_ascii=False) for v in strings.to_pylist()]
        text = pc.if_else(special, pa.array(slow, type=TEXT), text)
    return pc.fill_null(text, _s("null"))


def json_numbers(values) -> pa.Array:
    """``json.dumps`` of each number: whole numbers as they are, floats as ``repr``."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return pa.array(values).cast(TEXT)
    if not np.isfinite(values).all():  # NaN, Infinity: JSON's own spelling
        return pa.array([json.dumps(v) for v in values.tolist()], type=TEXT)
    return float_text(values, style="python")


def json_lists(items: pa.Array, offsets: np.ndarray) -> pa.Array:
    """JSON arrays of encoded ``items``: list ``i`` holds ``items[offsets[i]:offsets[i+1]]``."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), items)
    return concat(_s("["), pc.binary_join(lists, _s(", ")), _s("]"))


def json_objects(fields: dict[str, pa.Array | pa.Scalar]) -> pa.Array:
    """``json.dumps(record, ensure_ascii=False)`` per row, from encoded fields in key order."""
    parts: list = []
    for k, (key, text) in enumerate(fields.items()):
        prefix = ("{" if k == 0 else ", ") + json.dumps(key, ensure_ascii=False) + ": "
        parts += [_s(prefix), text]
    parts.append(_s("}"))
    return concat(*parts)


def json_lines_bytes(records: pa.Array) -> bytes:
    """Encoded records, one per line, as UTF-8."""
    return _buffer_bytes(concat(records, _s("\n")))
