"""Reading a trainee's answer leniently, for the ``matches`` of catalogued mistakes.

A mistake such as "frequency counted in order lines" shows in one column of a per-customer
table, whatever else the answer got right or wrong, and wherever the trainee put the key
(a column or the index). These helpers find that column and compare it with the wrong
values a mistake produces. They return None (or False) when the answer does not have the
shape to judge, and never raise on odd answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

CUSTOMER = "customer_id"


def frame_column(answer: Any, column: str) -> pd.Series | None:
    """``answer[column]`` when the answer is a DataFrame with exactly one such column."""
    if not isinstance(answer, pd.DataFrame) or column not in answer.columns:
        return None
    values = answer[column]
    return values if isinstance(values, pd.Series) else None


def column_by_key(answer: Any, column: str, key: str = CUSTOMER) -> pd.Series | None:
    """One column of a per-key table, indexed by the key (a column or the index).

    Returns None when the answer is not a DataFrame, has no such key or column, or repeats
    a key.
    """
    if not isinstance(answer, pd.DataFrame):
        return None
    frame = answer
    try:
        if key in frame.columns:
            frame = frame.set_index(key)
        elif frame.index.name != key:
            return None
    except (TypeError, ValueError):  # a key column that cannot be an index
        return None
    if column not in frame.columns or not frame.index.is_unique:
        return None
    values = frame[column]
    return values if isinstance(values, pd.Series) else None


def aligned_numbers(values: pd.Series | None, like: pd.Series) -> np.ndarray | None:
    """``values`` as floats in the order of ``like``'s index, or None if they do not fit."""
    if values is None or len(values) != len(like):
        return None
    try:
        if not like.index.isin(values.index).all():
            return None
        return values.reindex(like.index).to_numpy(dtype="float64")
    except (TypeError, ValueError):
        return None


def same_numbers(values: pd.Series | None, like: pd.Series, atol: float = 1e-6) -> bool:
    """True when ``values`` equal ``like`` label by label (numbers; no missing values)."""
    array = aligned_numbers(values, like)
    if array is None or np.isnan(array).all():
        return False  # an all-missing column matches no mistake
    return bool(np.allclose(array, like.to_numpy(dtype="float64"), rtol=1e-6, atol=atol))


def column_is(answer: Any, column: str, wrong: pd.Series, key: str = CUSTOMER) -> bool:
    """True when the answer's ``column`` (per ``key``) equals the ``wrong`` values."""
    return same_numbers(column_by_key(answer, column, key), wrong)
