"""Definitions every module shares: which orders count as sales, and the day of the analysis.

Each is written once, here. The exercise checks, the reference methods of every module and
the solution notebooks use these functions, so "completed" and "snapshot" mean the same
thing everywhere.
"""

from __future__ import annotations

import pandas as pd

COMPLETED = "completed"


def completed_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders that count as sales: status "completed" (not returned, not cancelled)."""
    return orders[orders["status"] == COMPLETED]


def snapshot_date(orders: pd.DataFrame) -> pd.Timestamp:
    """The day of the analysis: the day after the last order date in ``orders``.

    Recency counts calendar days up to this date, so the most recent customers have
    recency 1 (see ``coursekit.methods.rfm``).
    """
    return day_after_last(orders["order_ts"])


def day_after_last(timestamps: pd.Series) -> pd.Timestamp:
    """Midnight of the day after the latest of ``timestamps`` (the snapshot rule)."""
    return pd.Timestamp(timestamps.max()).normalize() + pd.Timedelta(days=1)
