"""Definitions every module shares: which orders count as sales, and the day of the analysis."""

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
    return orders["order_ts"].max().normalize() + pd.Timedelta(days=1)
