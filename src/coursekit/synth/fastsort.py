"""Fast stable ordering of large integer keys.

``np.sort`` on int64 uses SIMD sorting and is about ten times faster than ``np.argsort``
on tens of millions of rows. Packing ``key << bits | row`` into one int64 and sorting
that gives a stable argsort at the speed of a plain sort, whenever key and row index
fit in 63 bits together (always, for the course's worlds).
"""

from __future__ import annotations

import numpy as np


def stable_order(key: np.ndarray) -> np.ndarray:
    """Stable argsort of non-negative integer keys (ties keep their input order)."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = np.asarray(key, dtype=np.int64)
    if key.min() < 0:
        raise ValueError("stable_order needs non-negative keys")
    row_bits = max(int(n - 1).bit_length(), 1)
    if int(key.max()).bit_length() + row_bits > 63:
        return np.argsort(key, kind="stable")
    packed = (key << row_bits) | np.arange(n, dtype=np.int64)
    packed.sort()
    return packed & ((1 << row_bits) - 1)


def positions(ids: np.ndarray, lookup: np.ndarray) -> np.ndarray:
    """Row of each id in ``ids`` (-1 if absent), for integer ids.

    Ids of a world are consecutive integers, so an array indexed by ``id - min`` replaces
    a hash lookup (several times faster on tens of millions of rows).
    """
    ids = np.asarray(ids, dtype=np.int64)
    out = np.full(len(lookup), -1, dtype=np.int64)
    if len(ids) == 0 or len(lookup) == 0:
        return out
    lo, hi = int(ids.min()), int(ids.max())
    table = np.full(hi - lo + 1, -1, dtype=np.int64)
    table[ids - lo] = np.arange(len(ids))
    inside = (lookup >= lo) & (lookup <= hi)
    out[inside] = table[lookup[inside] - lo]
    return out


def first_positions(values: np.ndarray, n: int) -> np.ndarray:
    """Index of the first occurrence of each value 0..n-1 in ``values`` (-1 if absent)."""
    first = np.full(n, -1, dtype=np.int64)
    # Assigning in reverse: for repeated indices NumPy keeps the last value written,
    # which is the earliest position.
    first[values[::-1]] = np.arange(len(values) - 1, -1, -1)
    return first


def run_starts(values: np.ndarray) -> np.ndarray:
    """Boolean mask: True where a new run of equal values starts (input grouped)."""
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = values[1:] != values[:-1]
    return starts
