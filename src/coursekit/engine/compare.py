"""Compare a trainee's answer with the reference and describe the differences.

A problem says how to compare with a *spec*:

- :class:`ScalarSpec` for numbers (absolute/relative tolerance), strings, booleans, and
  lists, tuples and dicts of them;
- :class:`SetSpec` for "which ones" answers where order and container type do not matter;
- :class:`OneOfSpec` for a number with several right answers (a boundary drawn in the
  usual different ways);
- :class:`SeriesSpec` and :class:`FrameSpec` for pandas objects: tolerance, row and column
  order rules, keyed comparison (the key may be given as columns or as the index), lenient
  numeric dtypes.

:func:`compare` never raises: it returns a :class:`Comparison` with ``equal`` and a list of
:class:`Finding` objects (a kind and its parameters), which the feedback turns into
sentences in the trainee's language. For frames the verdict comes from
``pandas.testing.assert_series_equal`` column by column; the report (missing and extra
columns, dtypes, row count, the first differing keys with expected and given values) is
computed with vectorized masks, never row loops.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from pandas.testing import assert_series_equal

from coursekit.engine.i18n import t

MAX_EXAMPLES = 5  # differing keys, missing items ... shown to the trainee
MAX_COLUMNS_PER_ROW = 3  # differing columns shown per differing key
TEXT_LIMIT = 40  # characters of one value in a message


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    """One difference: a catalog kind (``diff.<kind>``) and the values for its message.

    Parameters are plain strings and ints, already formatted, so messages are deterministic.
    """

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return t(f"diff.{self.kind}", lang=lang, **self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params}


@dataclass(frozen=True)
class Comparison:
    """The verdict of a comparison and the differences behind it."""

    equal: bool
    findings: tuple[Finding, ...] = ()

    def lines(self, lang: str | None = None, limit: int = 12) -> list[str]:
        """The findings as bullet lines; differences of single values are indented."""
        out: list[str] = []
        for shown, finding in enumerate(self.findings):
            if shown == limit:
                out.append("  " + t("check.more", lang=lang, count=len(self.findings) - shown))
                break
            indent = "    " if finding.kind == "difference" else "- "
            out.append(indent + finding.message(lang))
        return out

    def as_details(self) -> dict[str, Any]:
        return {"findings": [f.as_dict() for f in self.findings]}


EQUAL = Comparison(True)


def _differ(*findings: Finding) -> Comparison:
    return Comparison(False, tuple(findings))


# ---------------------------------------------------------------------------- formatting


def fmt_value(value: Any, limit: int = TEXT_LIMIT) -> str:
    """A short, deterministic text for one value (never an ``object at 0x...`` repr)."""
    try:
        text = _fmt(value)
    except Exception:  # a value whose __str__ or __repr__ raises
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(value: Any) -> str:
    if value is None:
        return "None"
    if value is pd.NA:
        return "<NA>"
    if value is pd.NaT:
        return "NaT"
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.timedelta64):
        value = pd.Timedelta(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | str | int):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if (value != 0 and abs(value) < 1e-4) or abs(value) >= 1e15:
            return f"{value:.6g}"
        return repr(round(value, 6))
    if isinstance(
        value, pd.Timestamp | pd.Timedelta | pd.Period | _dt.date | _dt.time | _dt.timedelta
    ):
        return str(value)
    if isinstance(value, decimal.Decimal | complex):
        return str(value)
    if isinstance(value, pd.DataFrame):
        return f"<DataFrame {value.shape[0]}×{value.shape[1]}>"
    if isinstance(value, pd.Series | pd.Index | np.ndarray):
        return f"<{type(value).__name__} of {len(value)}>"
    if isinstance(value, tuple) and len(value) <= 4:
        return "(" + ", ".join(_fmt(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return f"<{type(value).__name__}>"


def fmt_names(names: Sequence[Any]) -> str:
    """Column names (or other labels) as one comma-separated text."""
    return ", ".join(str(n) if isinstance(n, str) else fmt_value(n) for n in names)


def _examples(labels: Sequence[Any]) -> str:
    return ", ".join(fmt_value(v) for v in list(labels)[:MAX_EXAMPLES])


def type_name(value: Any) -> str:
    # type() cannot be fooled by a __class__ property, and the name is deterministic.
    return type(value).__name__


def _type_finding(kind_key: str, answer: Any) -> Comparison:
    return _differ(Finding("type", {"expected": t(kind_key), "given": type_name(answer)}))


# ---------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class ScalarSpec:
    """Numbers, texts, booleans, and lists/tuples/dicts of them.

    Attributes:
        rtol: relative tolerance for numbers.
        atol: absolute tolerance for numbers.
        ignore_case: compare texts case-insensitively.
        strip: ignore leading and trailing whitespace of texts.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    ignore_case: bool = False
    strip: bool = True

    def compare(self, expected: Any, answer: Any) -> Comparison:
        if answer is None and expected is not None:
            return _differ(Finding("none_value", {"expected": _kind_text(expected)}))
        if _is_bool(expected):
            if not _is_bool(answer):
                return _type_finding("kind.bool", answer)
            return EQUAL if bool(expected) == bool(answer) else _value_finding(answer)
        if _is_number(expected):
            if _is_number(answer):
                return self._compare_numbers(expected, answer)
            if isinstance(answer, pd.Series | pd.Index | np.ndarray | pd.DataFrame | list):
                return _differ(
                    Finding(
                        "not_single_value", {"given": type_name(answer), "count": _size(answer)}
                    )
                )
            return _typed_value_finding("kind.number", answer)
        if isinstance(expected, str):
            if not isinstance(answer, str):
                return _typed_value_finding("kind.text", answer)
            return (
                EQUAL
                if self._texts_equal(expected, answer)
                else self._text_finding(expected, answer)
            )
        if isinstance(expected, list | tuple):
            return self._compare_sequences(expected, answer)
        if isinstance(expected, Mapping):
            return self._compare_mappings(expected, answer)
        if isinstance(expected, set | frozenset):
            return SetSpec().compare(expected, answer)
        if isinstance(expected, np.ndarray):
            return self._compare_arrays(expected, answer)
        if isinstance(expected, pd.DataFrame):
            return FrameSpec(rtol=self.rtol, atol=self.atol).compare(expected, answer)
        if isinstance(expected, pd.Series):
            return SeriesSpec(rtol=self.rtol, atol=self.atol).compare(expected, answer)
        if isinstance(expected, _dt.date):  # datetime, Timestamp and date
            return _compare_moments(expected, answer)
        if self.values_equal(expected, answer):
            return EQUAL
        if type(answer) is not type(expected):
            return _differ(
                Finding(
                    "type_value",
                    {
                        "expected": type_name(expected),
                        "given": type_name(answer),
                        "value": fmt_value(answer),
                    },
                )
            )
        return _value_finding(answer)

    def values_equal(self, expected: Any, answer: Any) -> bool:
        """True when two values are equal under this spec (recursively, never raising)."""
        try:
            return self.compare_quietly(expected, answer)
        except Exception:
            return False

    def compare_quietly(self, expected: Any, answer: Any) -> bool:
        if _is_bool(expected) or _is_bool(answer):
            return _is_bool(expected) and _is_bool(answer) and bool(expected) == bool(answer)
        if _is_number(expected) and _is_number(answer):
            return _numbers_close(expected, answer, self.rtol, self.atol)
        if isinstance(expected, str) and isinstance(answer, str):
            return self._texts_equal(expected, answer)
        if _is_missing(expected) and _is_missing(answer):
            return True
        if isinstance(expected, list | tuple | Mapping | set | frozenset | np.ndarray):
            return self.compare(expected, answer).equal
        if isinstance(expected, pd.Series | pd.DataFrame):
            return self.compare(expected, answer).equal
        if type(expected) is not type(answer) and not _both_datetime_like(expected, answer):
            return False
        result = expected == answer
        return isinstance(result, bool | np.bool_) and bool(result)

    def _compare_numbers(self, expected: Any, answer: Any) -> Comparison:
        if _numbers_close(expected, answer, self.rtol, self.atol):
            return EQUAL
        given = fmt_value(answer)
        try:
            e, a = float(expected), float(answer)
        except (TypeError, ValueError, OverflowError):
            return _differ(Finding("value", {"given": given}))
        if math.isnan(a) or math.isnan(e) or math.isinf(a) or math.isinf(e):
            return _differ(Finding("value", {"given": given}))
        findings = [Finding("number_high" if a > e else "number_low",
                            {"given": given, "by": _how_far(e, a)})]  # fmt: skip
        cause = _likely_number_cause(e, a, self.rtol, self.atol)
        if cause is not None:
            findings.append(cause)
        return _differ(*findings)

    def _text_finding(self, expected: str, answer: str) -> Comparison:
        """What differs between two texts: only case, only spaces, or the text itself."""
        if expected.casefold().strip() == answer.casefold().strip():
            return _differ(Finding("text_case", {"given": fmt_value(answer)}))
        if "".join(expected.split()) == "".join(answer.split()):
            return _differ(Finding("text_spaces", {"given": fmt_value(answer)}))
        return _value_finding(answer)

    def _texts_equal(self, expected: str, answer: str) -> bool:
        if self.strip:
            expected, answer = expected.strip(), answer.strip()
        if self.ignore_case:
            expected, answer = expected.casefold(), answer.casefold()
        return expected == answer

    def _compare_sequences(self, expected: Sequence[Any], answer: Any) -> Comparison:
        if not isinstance(answer, list | tuple):
            return _type_finding("kind.sequence", answer)
        if len(answer) != len(expected):
            return _differ(Finding("length", {"expected": len(expected), "given": len(answer)}))
        for position, (e, a) in enumerate(zip(expected, answer, strict=True)):
            if not self.values_equal(e, a):
                return _differ(Finding("item", {"position": position, "given": fmt_value(a)}))
        return EQUAL

    def _compare_mappings(self, expected: Mapping[Any, Any], answer: Any) -> Comparison:
        if not isinstance(answer, Mapping):
            return _type_finding("kind.mapping", answer)
        missing = [k for k in expected if k not in answer]
        extra = [k for k in answer if k not in expected]
        findings = []
        if missing:
            findings.append(_items_finding("missing_items", missing))
        if extra:
            findings.append(_items_finding("extra_items", extra))
        if findings:
            return _differ(*findings)
        for key, value in expected.items():
            if not self.values_equal(value, answer[key]):
                return _differ(
                    Finding("item", {"position": fmt_value(key), "given": fmt_value(answer[key])})
                )
        return EQUAL

    def _compare_arrays(self, expected: np.ndarray, answer: Any) -> Comparison:
        if isinstance(answer, pd.Series | pd.Index | list | tuple):
            answer = np.asarray(answer)
        if not isinstance(answer, np.ndarray):
            return _type_finding("kind.array", answer)
        if answer.shape != expected.shape:
            return _differ(Finding("length", {"expected": expected.size, "given": answer.size}))
        if expected.dtype.kind in "iufb" and answer.dtype.kind in "iufb":
            close = np.isclose(
                answer.astype(float), expected.astype(float), self.rtol, self.atol, equal_nan=True
            )
        else:
            close = np.asarray(answer == expected, dtype=bool)
        if close.all():
            return EQUAL
        position = int(np.flatnonzero(~close.ravel())[0])
        return _differ(
            Finding("item", {"position": position, "given": fmt_value(answer.ravel()[position])})
        )


def _value_finding(answer: Any) -> Comparison:
    return _differ(Finding("value", {"given": fmt_value(answer)}))


def _typed_value_finding(kind_key: str, answer: Any) -> Comparison:
    """A wrong type, naming it and showing the value (a number in quotes is text)."""
    if answer is None or isinstance(answer, _CONTAINERS):
        return _type_finding(kind_key, answer)
    return _differ(
        Finding(
            "type_value",
            {"expected": t(kind_key), "given": type_name(answer), "value": fmt_value(answer)},
        )
    )


_CONTAINERS = (list, tuple, dict, set, frozenset, pd.DataFrame, pd.Series, pd.Index, np.ndarray)


def _kind_text(expected: Any) -> str:
    """How to name what was expected, e.g. "a number" or "a DataFrame"."""
    if _is_bool(expected):
        return t("kind.bool")
    if _is_number(expected):
        return t("kind.number")
    if isinstance(expected, str):
        return t("kind.text")
    if isinstance(expected, pd.DataFrame):
        return t("kind.frame")
    if isinstance(expected, pd.Series):
        return t("kind.series")
    if isinstance(expected, _dt.date):
        return t("kind.datetime")
    if isinstance(expected, list | tuple):
        return t("kind.sequence")
    if isinstance(expected, set | frozenset):
        return t("kind.set")
    if isinstance(expected, Mapping):
        return t("kind.mapping")
    return type_name(expected)


def _how_far(expected: float, answer: float) -> str:
    """How far off a number is, in coarse steps that do not give the answer away."""
    if expected == 0:
        return t("diff.by_absolute")
    ratio = abs(answer - expected) / abs(expected)
    for bound in (0.01, 0.1, 0.5):
        if ratio < bound:
            return t("diff.by_less", percent=round(bound * 100))
    return t("diff.by_more", percent=50)


def _likely_number_cause(e: float, a: float, rtol: float, atol: float) -> Finding | None:
    """A usual reason for a wrong number, recognised from the two values alone."""
    if e != 0:
        ratio = a / e
        for factor, kind in ((100, "times_100"), (0.01, "divided_100"), (1000, "times_1000"),
                             (0.001, "divided_1000")):  # fmt: skip
            if math.isclose(ratio, factor, rel_tol=0.01):
                return Finding(kind)
        if math.isclose(ratio, -1, rel_tol=1e-6):
            return Finding("sign_flipped")
    if float(e).is_integer() and float(a).is_integer() and abs(a - e) == 1:
        return Finding("off_by_one")
    for decimals in range(0, 5):
        if a == round(a, decimals) and abs(round(e, decimals) - a) < 10**-decimals / 2 + 1e-12:
            if decimals == 0 and float(e).is_integer():
                break
            return Finding("rounded", {"decimals": decimals})
    return None


def _is_plain_date(value: Any) -> bool:
    return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)


def _compare_moments(expected: _dt.date, answer: Any) -> Comparison:
    """A date or point in time: the type, a time zone, or how much earlier or later."""
    want = pd.Timestamp(expected)
    if isinstance(answer, pd.Period):
        return _differ(
            Finding(
                "type_value",
                {"expected": t("kind.datetime"), "given": "Period", "value": fmt_value(answer)},
            )
        )
    if not isinstance(answer, _dt.date | np.datetime64):
        return _typed_value_finding("kind.datetime", answer)
    try:
        got = pd.Timestamp(answer)
    except (TypeError, ValueError, OverflowError):
        return _value_finding(answer)
    if pd.isna(got):
        return _value_finding(answer)
    if (got.tz is None) != (want.tz is None):
        kind = "timezone_attached" if got.tz is not None else "timezone_missing"
        return _differ(Finding(kind, {"given": fmt_value(answer), "zone": str(got.tz or want.tz)}))
    if _is_plain_date(answer) and not _is_plain_date(expected) and got == want:
        # The right day as a datetime.date: it cannot be subtracted from a datetime column.
        return _differ(
            Finding(
                "type_value",
                {"expected": t("kind.datetime"), "given": "date", "value": fmt_value(answer)},
            )
        )
    if got == want:
        return EQUAL
    delta = got - want
    kind = "later" if delta > pd.Timedelta(0) else "earlier"
    return _differ(Finding(kind, {"given": fmt_value(answer), "by": fmt_value(abs(delta))}))


def _items_finding(kind: str, items: Sequence[Any]) -> Finding:
    ordered = sorted(items, key=_sort_key)
    return Finding(kind, {"count": len(ordered), "examples": _examples(ordered)})


def _sort_key(value: Any) -> tuple[str, str]:
    # Deterministic order for mixed types (ints and strings in one set).
    return (type(value).__name__, fmt_value(value, limit=200))


def _size(value: Any) -> int:
    try:
        return int(np.size(value)) if not isinstance(value, list) else len(value)
    except Exception:
        return 0


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number | np.number) and not _is_bool(value)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _both_datetime_like(a: Any, b: Any) -> bool:
    kinds = (_dt.date, _dt.datetime, np.datetime64, pd.Timestamp)
    return isinstance(a, kinds) and isinstance(b, kinds)


def _numbers_close(expected: Any, answer: Any, rtol: float, atol: float) -> bool:
    try:
        if isinstance(expected, complex) or isinstance(answer, complex):
            e, a = complex(expected), complex(answer)
            return abs(e - a) <= max(rtol * max(abs(e), abs(a)), atol)
        e, a = float(expected), float(answer)
    except (TypeError, ValueError, OverflowError):
        try:
            return bool(expected == answer)
        except Exception:
            return False
    if math.isnan(e) or math.isnan(a):
        return math.isnan(e) and math.isnan(a)
    if math.isinf(e) or math.isinf(a):
        return e == a
    return math.isclose(e, a, rel_tol=rtol, abs_tol=atol)


@dataclass(frozen=True)
class SetSpec:
    """An unordered collection ("which customers ..."): a set, list, tuple, Series, Index or
    1-d array is accepted; duplicates in the answer are reported."""

    max_size_factor: int = 50

    def compare(self, expected: Any, answer: Any) -> Comparison:
        if isinstance(answer, str | bytes | Mapping) or not isinstance(
            answer, set | frozenset | list | tuple | pd.Series | pd.Index | np.ndarray
        ):
            return _type_finding("kind.set", answer)
        expected_items = _plain_items(expected)
        if isinstance(answer, np.ndarray) and answer.ndim != 1:
            return _type_finding("kind.set", answer)
        if len(answer) > max(self.max_size_factor * len(expected_items), 1_000):
            return _differ(
                Finding("too_large", {"given": len(answer), "expected": len(expected_items)})
            )
        given_items = _plain_items(answer)
        given = set(given_items)
        wanted = set(expected_items)
        findings = []
        missing = [v for v in wanted if v not in given]
        extra = [v for v in given if v not in wanted]
        if missing:
            findings.append(_items_finding("missing_items", missing))
        if extra:
            findings.append(_items_finding("extra_items", extra))
        if len(given_items) != len(given):
            counts = pd.Series(given_items, dtype=object).value_counts()
            repeated = list(counts[counts > 1].index)
            findings.append(_items_finding("duplicate_items", repeated))
        return _differ(*findings) if findings else EQUAL


@dataclass(frozen=True)
class OneOfSpec:
    """A number with several right answers: the reference, or any of ``accepted``.

    For questions where the usual methods legitimately differ (floor or round a boundary,
    interpolate or not) but a tolerance wide enough to span them would also accept the
    likely mistakes. Each accepted value gets the tolerance of :class:`ScalarSpec`; a wrong
    answer is described relative to the reference.

    Attributes:
        accepted: the other right values.
        rtol: relative tolerance around each right value.
        atol: absolute tolerance around each right value.
    """

    accepted: tuple[float, ...] = ()
    rtol: float = 0.0
    atol: float = 5e-5

    def exact(self) -> ScalarSpec:
        """The spec for matching one wrong answer (a mistake's): without the extra values."""
        return ScalarSpec(rtol=self.rtol, atol=self.atol)

    def compare(self, expected: Any, answer: Any) -> Comparison:
        scalar = self.exact()
        for value in (expected, *self.accepted):
            if _is_number(answer) and scalar.compare(value, answer).equal:
                return EQUAL
        return scalar.compare(expected, answer)


def _plain_items(values: Any) -> list[Any]:
    """Items as plain Python values, so np.int64(3) and 3 are the same member."""
    out = []
    for v in list(values):
        if isinstance(v, np.generic):
            v = v.item()
        out.append(v)
    return out


@dataclass(frozen=True)
class FrameSpec:
    """How to compare DataFrames.

    Attributes:
        key: column(s) identifying a row, e.g. ``"customer_id"``. Rows are matched by key,
            and the key may be given as columns or as the index.
        ignore_row_order: accept any row order (with a key or a meaningful index, rows are
            matched by label; otherwise both frames are sorted by their values first).
        ignore_column_order: accept any column order.
        allow_extra_columns: accept columns the reference does not have.
        check_dtype: require the exact dtypes. By default dtypes are lenient: int and float
            are both numbers; str, object text and category are all text.
        check_index: without a key, whether the index labels matter; they then act as the
            key. None (the default) means "when the reference's index is meaningful": named
            (after a groupby or set_index) or made of labels other than integers. An unnamed
            integer index, as left by filtering rows, is ignored.
        rtol: relative tolerance for numbers.
        atol: absolute tolerance for numbers.
        max_rows_factor: answers with more than this many times the expected rows (and more
            than 1,000) are rejected before any deep comparison.
    """

    key: str | Sequence[str] | None = None
    ignore_row_order: bool = False
    ignore_column_order: bool = True
    allow_extra_columns: bool = False
    check_dtype: bool = False
    check_index: bool | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    max_rows_factor: int = 50

    def __post_init__(self) -> None:
        key = self.key
        if key is not None:
            key = (key,) if isinstance(key, str) else tuple(key)
            if not key or not all(isinstance(k, str) for k in key):
                raise ValueError("FrameSpec.key must name at least one column")
        object.__setattr__(self, "key", key)

    def compare(self, expected: pd.DataFrame, answer: Any) -> Comparison:
        if not isinstance(answer, pd.DataFrame):
            return _type_finding("kind.frame", answer)
        too_large = _too_large(expected, answer, self.max_rows_factor)
        if too_large is not None:
            return too_large
        if self.key is None and _index_matters(expected, self.check_index):
            return _compare_on_index(self, expected, answer)
        return _FrameComparer(self, expected, answer).run()


@dataclass(frozen=True)
class SeriesSpec:
    """How to compare Series.

    Attributes:
        ignore_order: accept any order (values are matched by index label when the index
            matters, else both are sorted).
        check_index: whether the index labels matter (e.g. a count per segment); None means
            "when the reference has a meaningful index", as for :class:`FrameSpec`.
        check_name: require the same Series name.
        check_dtype: require the exact dtype (lenient by default, as in :class:`FrameSpec`).
        rtol: relative tolerance for numbers.
        atol: absolute tolerance for numbers.
        max_rows_factor: as in :class:`FrameSpec`.
    """

    ignore_order: bool = False
    check_index: bool | None = None
    check_name: bool = False
    check_dtype: bool = False
    rtol: float = 1e-6
    atol: float = 1e-9
    max_rows_factor: int = 50

    def compare(self, expected: pd.Series, answer: Any) -> Comparison:
        if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            answer = answer.iloc[:, 0]  # a one-column frame is the same answer
        if not isinstance(answer, pd.Series):
            return _type_finding("kind.series", answer)
        too_large = _too_large(expected, answer, self.max_rows_factor)
        if too_large is not None:
            return too_large
        findings: list[Finding] = []
        if self.check_name and answer.name != expected.name:
            findings.append(
                Finding(
                    "series_name",
                    {"expected": fmt_value(expected.name), "given": fmt_value(answer.name)},
                )
            )
        name = expected.name if isinstance(expected.name, str) and expected.name else "value"
        frame_spec = FrameSpec(
            ignore_row_order=self.ignore_order,
            check_dtype=self.check_dtype,
            check_index=self.check_index,
            rtol=self.rtol,
            atol=self.atol,
        )
        expected_frame = expected.to_frame(name=name)
        answer_frame = answer.to_frame(name=name)
        if _index_matters(expected, self.check_index):
            result = _compare_on_index(frame_spec, expected_frame, answer_frame)
        else:
            result = _FrameComparer(frame_spec, expected_frame, answer_frame).run()
        all_findings = (*findings, *result.findings)
        return Comparison(not all_findings, all_findings)


def _index_matters(expected: pd.DataFrame | pd.Series, check_index: bool | None) -> bool:
    if check_index is not None:
        return check_index
    # A named index (groupby, set_index, value_counts) or one of labels (segment names)
    # carries meaning; an unnamed integer index is what filtering rows leaves behind.
    index = expected.index
    named = any(name is not None for name in index.names)
    return named or index.nlevels > 1 or not ptypes.is_integer_dtype(index.dtype)


def _compare_on_index(spec: FrameSpec, expected: pd.DataFrame, answer: pd.DataFrame):
    """Compare with the reference's index as the key (the trainee may give it as columns)."""
    names = _index_level_names(expected.index, avoid=set(expected.columns))
    expected = expected.copy(deep=False)
    expected.index = expected.index.set_names(list(names))
    expected = expected.reset_index()
    keyed = FrameSpec(**{**_spec_fields(spec), "key": names, "check_index": False})
    if all(name in answer.columns for name in names):
        return _FrameComparer(keyed, expected, answer).run()
    if answer.index.nlevels != len(names):
        return _differ(
            Finding(
                "index_levels",
                {"expected": len(names), "names": fmt_names(names), "given": answer.index.nlevels},
            )
        )
    answer = answer.copy(deep=False)
    answer.index = answer.index.set_names(list(names))
    try:
        answer = answer.reset_index()
    except ValueError:  # an index level has the name of a column
        return _differ(Finding("duplicate_columns", {"columns": fmt_names(names)}))
    return _FrameComparer(keyed, expected, answer).run()


def _spec_fields(spec: FrameSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in spec.__dataclass_fields__}


def _index_level_names(index: pd.Index, avoid: set[Any]) -> tuple[str, ...]:
    names = []
    for level, name in enumerate(index.names):
        label = name if isinstance(name, str) and name and name not in avoid else None
        names.append(label or ("index" if index.nlevels == 1 else f"level_{level}"))
    return tuple(names)


def _too_large(expected: Any, answer: Any, factor: int) -> Comparison | None:
    # Cheap size checks before anything is copied or compared.
    rows, expected_rows = len(answer), len(expected)
    if rows > max(factor * expected_rows, 1_000):
        return _differ(Finding("too_large", {"given": rows, "expected": expected_rows}))
    if isinstance(answer, pd.DataFrame):
        columns = answer.shape[1]
        if columns > max(factor * expected.shape[1], 1_000):
            return _differ(Finding("extra_columns", {"columns": f"{columns - expected.shape[1]}"}))
    return None


# ---------------------------------------------------------------------------- frames


class _FrameComparer:
    """One comparison of two DataFrames under a :class:`FrameSpec`.

    Steps: columns (missing, extra, duplicates, order) → rows (align by key or position,
    missing/extra/duplicate keys, row count, order) → values of the common columns on the
    common rows (verdict by ``assert_series_equal``, report by vectorized masks).
    """

    def __init__(self, spec: FrameSpec, expected: pd.DataFrame, answer: pd.DataFrame) -> None:
        self.spec = spec
        # Shallow copies: with copy-on-write nothing below can reach the caller's frames.
        self.expected = expected.copy(deep=False)
        self.answer = answer.copy(deep=False)
        self.findings: list[Finding] = []

    def run(self) -> Comparison:
        if not self.answer.columns.is_unique:
            duplicated = self.answer.columns[self.answer.columns.duplicated()].unique()
            self.findings.append(
                Finding("duplicate_columns", {"columns": fmt_names(list(duplicated))})
            )
            return _differ(*self.findings)
        key = self.spec.key or ()
        expected = _key_as_columns(self.expected, key) if key else self.expected
        if expected is None:  # the reference itself lacks its key: an authoring error
            raise ValueError(f"reference has no key column(s) {key}")
        answer = _key_as_columns(self.answer, key) if key else self.answer
        if answer is None:
            self.findings.append(Finding("missing_key_columns", {"columns": fmt_names(key)}))
            answer = self.answer
        columns = self._compare_columns(expected, answer, key)
        if answer is self.answer and key:
            return _differ(*self.findings)  # rows cannot be matched without the key
        if key:
            aligned = self._align_by_key(expected, answer, key)
        else:
            aligned = self._align_by_position(expected, answer, columns)
        if aligned is not None:
            self._compare_values(*aligned, columns)
        if not key and not self.spec.ignore_row_order:
            self._order_only(expected, answer, columns)
        return Comparison(not self.findings, tuple(self.findings))

    def _order_only(self, expected, answer, columns) -> None:
        """Rows compared by position that differ only in their order: say just that."""
        value_kinds = {"values", "values_subtle", "first_differences", "difference"}
        if len(expected) != len(answer) or not any(f.kind in value_kinds for f in self.findings):
            return
        try:
            exp_sorted = _sorted_rows(expected, columns).reset_index(drop=True)
            ans_sorted = _sorted_rows(answer, columns).reset_index(drop=True)
            for column in columns:
                _, e, a = _comparable(exp_sorted[column], ans_sorted[column], self.spec.check_dtype)
                if not _series_equal(e, a, self.spec.rtol, self.spec.atol):
                    return
        except Exception:
            return
        self.findings = [f for f in self.findings if f.kind not in value_kinds]
        self.findings.append(Finding("row_order"))

    # -- columns

    def _compare_columns(self, expected, answer, key) -> list[Any]:
        expected_columns = [c for c in expected.columns if c not in key]
        answer_columns = [c for c in answer.columns if c not in key]
        answer_set = set(answer_columns)
        expected_set = set(expected_columns)
        missing = [c for c in expected_columns if c not in answer_set]
        extra = [c for c in answer_columns if c not in expected_set]
        if missing:
            self.findings.append(Finding("missing_columns", {"columns": fmt_names(missing)}))
        if extra and not self.spec.allow_extra_columns:
            self.findings.append(Finding("extra_columns", {"columns": fmt_names(extra)}))
        common = [c for c in expected_columns if c in answer_set]
        if not self.spec.ignore_column_order and not missing:
            given_order = [c for c in answer.columns if c in expected_set or c in key]
            wanted_order = [c for c in expected.columns]
            if given_order != wanted_order:
                self.findings.append(Finding("column_order", {"expected": fmt_names(wanted_order)}))
        return common

    # -- rows

    def _align_by_key(self, expected, answer, key):
        key = list(key)
        exp = expected.set_index(key)
        ans = answer.set_index(key)
        if len(ans) != len(exp):
            self.findings.append(Finding("row_count", {"expected": len(exp), "given": len(ans)}))
        repeated = ans.index[ans.index.duplicated()].unique()
        if len(repeated):
            self.findings.append(
                Finding(
                    "duplicate_keys",
                    {"count": len(repeated), "examples": self._key_labels(repeated, key)},
                )
            )
            return None
        missing = exp.index[~_members(exp.index, ans.index)]
        extra = ans.index[~_members(ans.index, exp.index)]
        if len(missing):
            self.findings.append(
                Finding(
                    "missing_keys",
                    {"count": len(missing), "examples": self._key_labels(missing, key)},
                )
            )
        if len(extra):
            self.findings.append(
                Finding(
                    "extra_keys", {"count": len(extra), "examples": self._key_labels(extra, key)}
                )
            )
        if (
            not self.spec.ignore_row_order
            and not len(missing)
            and not len(extra)
            and not ans.index.equals(exp.index)
        ):
            self.findings.append(Finding("row_order"))
        exp_common = exp[_members(exp.index, ans.index)]
        ans_common = ans.reindex(exp_common.index)
        labels = _KeyLabels(exp_common.index, key)
        return exp_common.reset_index(drop=True), ans_common.reset_index(drop=True), labels

    def _align_by_position(self, expected, answer, columns):
        if len(answer) != len(expected):
            self.findings.append(
                Finding("row_count", {"expected": len(expected), "given": len(answer)})
            )
        if self.spec.ignore_row_order:
            expected = _sorted_rows(expected, columns)
            answer = _sorted_rows(answer, columns)
        n = min(len(expected), len(answer))
        expected = expected.iloc[:n].reset_index(drop=True)
        answer = answer.iloc[:n].reset_index(drop=True)
        return expected, answer, _PositionLabels()

    # -- values

    def _compare_values(self, expected, answer, labels, columns) -> None:
        total = len(expected)
        masks = {}
        for column in columns:
            e, a = expected[column], answer[column]
            try:
                dtype_finding, e_cmp, a_cmp = _comparable(e, a, self.spec.check_dtype)
                if dtype_finding is not None:
                    self.findings.append(
                        Finding("dtype", {"column": fmt_names([column]), **dtype_finding})
                    )
                if _series_equal(e_cmp, a_cmp, self.spec.rtol, self.spec.atol):
                    continue
                mask = _difference_mask(e_cmp, a_cmp, self.spec.rtol, self.spec.atol)
            except Exception as exc:  # e.g. cells whose __eq__ raises
                self.findings.append(
                    Finding(
                        "column_cannot_compare",
                        {"column": fmt_names([column]), "error": type(exc).__name__},
                    )
                )
                continue
            if not mask.any():
                # pandas.testing sees a difference the elementwise mask cannot locate (e.g.
                # at the very edge of the tolerance): say so rather than invent examples.
                self.findings.append(Finding("values_subtle", {"column": fmt_names([column])}))
                continue
            masks[column] = mask
            self.findings.append(
                Finding(
                    "values",
                    {"column": fmt_names([column]), "count": int(mask.sum()), "total": total},
                )
            )
        if not masks:
            return
        differing = pd.DataFrame(masks)
        rows = np.flatnonzero(differing.to_numpy().any(axis=1))[:MAX_EXAMPLES]
        self.findings.append(Finding("first_differences"))
        for row in rows:
            row_columns = [c for c in masks if masks[c][row]][:MAX_COLUMNS_PER_ROW]
            for column in row_columns:
                self.findings.append(
                    Finding(
                        "difference",
                        {
                            "row": labels.label(row),
                            "column": fmt_names([column]),
                            "expected": fmt_value(expected[column].iloc[row]),
                            "given": fmt_value(answer[column].iloc[row]),
                        },
                    )
                )

    @staticmethod
    def _key_labels(index: pd.Index, key: list[str]) -> str:
        labels = _KeyLabels(index[:MAX_EXAMPLES], key)
        return "; ".join(labels.label(i) for i in range(min(len(index), MAX_EXAMPLES)))


class _KeyLabels:
    """Row labels like ``customer_id='C0001'`` for keyed comparisons."""

    def __init__(self, index: pd.Index, key: list[str]) -> None:
        self.index = index
        self.key = key

    def label(self, row: int) -> str:
        value = self.index[row]
        values = value if isinstance(value, tuple) and len(self.key) > 1 else (value,)
        return ", ".join(
            f"{name}={fmt_value(v)}" for name, v in zip(self.key, values, strict=False)
        )


class _PositionLabels:
    def label(self, row: int) -> str:
        return t("diff.row_position", position=int(row))


def _key_as_columns(frame: pd.DataFrame, key: Sequence[str]) -> pd.DataFrame | None:
    """``frame`` with the key as ordinary columns, wherever it was given; None if absent."""
    in_columns = [k for k in key if k in frame.columns]
    if len(in_columns) == len(key):
        return frame.reset_index(drop=True)
    index_names = list(frame.index.names)
    if all(k in frame.columns or k in index_names for k in key):
        from_index = [k for k in key if k not in frame.columns]
        return frame.reset_index(level=from_index).reset_index(drop=True)
    # A single key that lost its name (e.g. after .to_frame()): an unnamed, non-default
    # index holding the key's values is the key.
    if (
        len(key) == 1
        and frame.index.nlevels == 1
        and frame.index.name is None
        and not isinstance(frame.index, pd.RangeIndex)
    ):
        out = frame.copy(deep=False)
        out.index = out.index.set_names(key[0])
        return out.reset_index()
    return None


def _sorted_rows(frame: pd.DataFrame, columns: list[Any]) -> pd.DataFrame:
    if not columns:
        return frame
    try:
        return frame.sort_values(by=columns, kind="mergesort", na_position="last")
    except Exception:
        # Mixed types in a column cannot be ordered; their text is.
        text = frame[columns].astype(str)
        order = text.sort_values(by=columns, kind="mergesort").index
        return frame.loc[order]


# ---------------------------------------------------------------------------- dtypes


def _members(index: pd.Index, pool: pd.Index) -> np.ndarray:
    """``index.isin(pool)``, fast for text keys.

    ``Index.isin`` on Arrow-backed strings loops in Python (0.15 s for 30k order numbers);
    a hash lookup with ``get_indexer`` takes a few milliseconds.
    """
    if pool.is_unique:
        return pool.get_indexer(index) >= 0
    return np.asarray(index.isin(pool), dtype=bool)


def _kind(series: pd.Series) -> str:
    """A coarse kind for lenient comparison: number, bool, text, datetime, timedelta, other."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = pd.Series(dtype.categories)
        return _kind(categories) if len(categories) else "text"
    if ptypes.is_bool_dtype(dtype):
        return "bool"
    if ptypes.is_numeric_dtype(dtype):
        return "number"
    if ptypes.is_datetime64_any_dtype(dtype):
        return "datetime"
    if ptypes.is_timedelta64_dtype(dtype):
        return "timedelta"
    if ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype):
        inferred = ptypes.infer_dtype(series, skipna=True)
        if inferred in ("string", "empty"):
            return "text"
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return "number"
        if inferred == "boolean":
            return "bool"
        if inferred in ("datetime", "datetime64"):
            return "datetime"
        return "other"
    return "other"


def _comparable(expected: pd.Series, answer: pd.Series, strict: bool):
    """Both columns in a common form, and a dtype finding if the types really differ.

    Lenient mode treats all numbers alike (int64, float64, Int64, numbers in an object
    column) and all texts alike (str, object, category); other kinds must match.
    """
    e_kind, a_kind = _kind(expected), _kind(answer)
    if strict:
        differs = str(expected.dtype) != str(answer.dtype)
    else:
        differs = e_kind != a_kind and not _kind_missing_only(answer)
    finding = {"expected": str(expected.dtype), "given": str(answer.dtype)} if differs else None
    if (
        e_kind != a_kind
        and e_kind in ("number", "bool", "text", "datetime")
        and _kind_missing_only(answer)
    ):
        # An all-missing column: compare it in the reference's form, at numpy speed, rather
        # than both as Python objects (seconds on an export of 100,000 rows).
        expected_form = _comparable(expected, expected, strict)[1]
        return finding, expected_form, _missing_like(expected_form)
    if e_kind == a_kind == "number" or (
        ptypes.is_bool_dtype(expected.dtype) and ptypes.is_bool_dtype(answer.dtype)
    ):
        # True/False columns compare as 1.0/0.0 at numpy speed (a one-hot basket matrix
        # has a million cells); messages still show the original values.
        return finding, _as_float(expected), _as_float(answer)
    if e_kind == a_kind == "datetime":
        if _has_tz(expected) != _has_tz(answer):
            # A wall-clock time and an instant are different answers even when the
            # instants coincide (e.g. a local time left in UTC with its zone attached).
            finding = {"expected": str(expected.dtype), "given": str(answer.dtype)}
            return finding, _as_objects(expected), _as_objects(answer)
        return finding, _as_datetime(expected), _as_datetime(answer)
    if e_kind == a_kind == "text":
        if _is_categorical(expected) and _is_categorical(answer):
            codes = _common_codes(expected, answer)
            if codes is not None:
                return finding, *codes
        # Arrow-backed strings compare vectorized; Python objects compare cell by cell,
        # which costs a third of a second on an orders-sized column.
        return finding, _as_text(expected), _as_text(answer)
    return finding, _as_objects(expected), _as_objects(answer)


def _is_categorical(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype)


def _common_codes(expected: pd.Series, answer: pd.Series):
    """Two categorical columns as integer codes over the union of their categories (missing
    values as NaN): equal codes mean equal values, compared at numpy speed."""
    try:
        categories = expected.cat.categories.union(answer.cat.categories)
    except TypeError:  # categories of types that cannot be ordered together
        return None
    return tuple(
        pd.Series(
            s.cat.set_categories(categories).cat.codes.to_numpy(dtype="float64"), dtype="float64"
        ).where(s.notna().to_numpy())
        for s in (expected, answer)
    )


def _missing_like(series: pd.Series) -> pd.Series:
    """A column of the same length and dtype holding only missing values."""
    if series.dtype == "float64":
        return pd.Series(np.full(len(series), np.nan))
    return pd.Series(pd.array([None] * len(series), dtype=series.dtype))


def _kind_missing_only(series: pd.Series) -> bool:
    # An all-missing column has no kind of its own; its values will differ anyway.
    return bool(len(series)) and bool(series.isna().all())


def _as_float(series: pd.Series) -> pd.Series:
    if series.dtype == object:
        series = pd.to_numeric(series)
    return pd.Series(series.to_numpy(dtype="float64", na_value=np.nan))


def _has_tz(series: pd.Series) -> bool:
    return getattr(series.dtype, "tz", None) is not None


def _as_datetime(series: pd.Series) -> pd.Series:
    values = pd.to_datetime(series)
    if getattr(values.dt, "tz", None) is None:
        # Microseconds, not nanoseconds: epoch milliseconds read as seconds land in year
        # 55969, beyond the nanosecond range, and must still be shown as a difference.
        values = values.astype("datetime64[us]")
    return values.reset_index(drop=True)


def _as_text(series: pd.Series) -> pd.Series:
    if _is_categorical(series):
        # Convert the few categories, then take: astype("str") on the whole column converts
        # every cell through Python objects.
        labels = pd.array(series.cat.categories.astype("str"), dtype="str")
        taken = labels.take(series.cat.codes.to_numpy(), allow_fill=True)
        return pd.Series(taken)
    return series.astype("str").reset_index(drop=True)


def _as_objects(series: pd.Series) -> pd.Series:
    values = series.astype(object)
    # One spelling of "missing" (None, NaN, pd.NA, NaT all mean the same here).
    return values.where(values.notna(), None).reset_index(drop=True)


def _series_equal(expected: pd.Series, answer: pd.Series, rtol: float, atol: float) -> bool:
    if len(expected) != len(answer):
        return False
    if _fast_kinds(expected, answer):
        # The same verdict as assert_series_equal, from one vectorized mask.
        return not _difference_mask(expected, answer, rtol, atol).any()
    try:
        assert_series_equal(
            expected.reset_index(drop=True),
            answer.reset_index(drop=True),
            check_dtype=False,
            check_names=False,
            check_exact=False,
            check_categorical=False,
            rtol=rtol,
            atol=atol,
        )
    except AssertionError:
        return False
    return True


def _fast_kinds(expected: pd.Series, answer: pd.Series) -> bool:
    both_float = expected.dtype == "float64" and answer.dtype == "float64"
    both_text = isinstance(expected.dtype, pd.StringDtype) and isinstance(
        answer.dtype, pd.StringDtype
    )
    return both_float or both_text


def _difference_mask(expected: pd.Series, answer: pd.Series, rtol: float, atol: float):
    """A boolean array: True where the two aligned columns differ (vectorized)."""
    if expected.dtype == "float64" and answer.dtype == "float64":
        e = expected.to_numpy()
        a = answer.to_numpy()
        both_nan = np.isnan(e) & np.isnan(a)
        with np.errstate(invalid="ignore", over="ignore"):
            # The symmetric rule of math.isclose, as pandas.testing uses.
            close = np.abs(e - a) <= np.maximum(rtol * np.maximum(np.abs(e), np.abs(a)), atol)
        same_inf = np.isinf(e) & (e == a)
        return ~(close | both_nan | same_inf)
    e_missing = expected.isna().to_numpy()
    a_missing = answer.isna().to_numpy()
    if isinstance(expected.dtype, pd.StringDtype) and isinstance(answer.dtype, pd.StringDtype):
        equal = expected.eq(answer).fillna(False).to_numpy(dtype=bool)
    else:
        equal = np.asarray(expected.to_numpy() == answer.to_numpy(), dtype=bool)
    return ~((e_missing & a_missing) | (equal & ~e_missing & ~a_missing))


# ---------------------------------------------------------------------------- entry point

Spec = ScalarSpec | SetSpec | SeriesSpec | FrameSpec | OneOfSpec


def auto_spec(expected: Any) -> Spec:
    """The default spec for a reference value: by its type, with default tolerances."""
    if isinstance(expected, pd.DataFrame):
        return FrameSpec()
    if isinstance(expected, pd.Series):
        return SeriesSpec()
    if isinstance(expected, set | frozenset):
        return SetSpec()
    return ScalarSpec()


def compare(expected: Any, answer: Any, spec: Spec | None = None) -> Comparison:
    """Compare ``answer`` with ``expected`` under ``spec`` (default: by the reference's type).

    Never raises: an answer that cannot be compared at all (its ``__eq__`` raises, its
    cells cannot be read) gives a ``cannot_compare`` finding.
    """
    spec = spec or auto_spec(expected)
    try:
        return spec.compare(expected, answer)
    except (Exception, SystemExit) as exc:  # SystemExit: an answer whose __eq__ calls exit()
        return _differ(Finding("cannot_compare", {"error": type(exc).__name__}))
