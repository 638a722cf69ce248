"""Demographic segmentation (人口统计细分), the reference methods of module 03.

Most retailers start segmenting by who their members are: age, life stage, income and
city. This module derives those segments, measures how they differ (shares, TGI,
chi-square, Cramér's V), profiles them with intervals, and says how much of the spend
they explain (η²).

**Age bands (年龄段).** :func:`age_band` cuts ages with ``right=False``: every band holds
its lower edge and excludes its upper edge, ``[25, 35)``, so the label of integer ages is
"25-34" and the last band of :data:`AGE_EDGES` is "65+". The edges must increase strictly,
which leaves neither gaps nor overlaps; an age outside all bands is an error, not a silent
missing value (``pd.cut`` with its default ``right=True`` turns an 18-year-old into NaN
when the first edge is 18). :func:`birth_cohort` gives the Chinese generation labels
(80后, 90后 ...) from the birth date.

**Life stage (生命阶段).** :func:`life_stage` applies this rule table to ``age``,
``household_size`` and ``has_children`` (children living in the household); the first
matching rule wins and every member matches one rule (:data:`LIFE_STAGE_RULES`):

========================  ========  ==================================================
life stage                中文      rule (tried top to bottom)
========================  ========  ==================================================
``retired``               退休      age >= 60
``family_with_children``  有孩家庭  has_children
``empty_nest``            空巢      age >= 45 (no children at home)
``single``                单身      household_size == 1 (under 45)
``couple``                二人世界  household_size >= 2 (under 45, no children)
========================  ========  ==================================================

The stages are an ordered categorical in life-course order (the order of
:data:`LIFE_STAGES`). Age alone cannot tell a 32-year-old single from a 32-year-old parent.

**Income bands (收入段).** :data:`INCOME_BANDS` in increasing order; :func:`income_band`
makes the column an ordered categorical so tables and plots keep that order.

**Shares and TGI (目标群体指数).** Tables here put the **groups** you compare in the rows
(e.g. age bands, city tiers) and the **segments** whose presence you measure in the
columns (e.g. life stages, channels). Shares are fractions (0..1), never percent.
:func:`crosstab_shares` gives a segment's share of each group (each row sums to 1), and
:func:`tgi` the index

    TGI[group, segment] = (segment's share of the group) / (segment's share of all
    members) x 100,

computed from counts. 100 means the segment is as common in the group as among all
members; 120 means 20 % more common. The two wrong versions are the column share (the
group's share of the segment) divided by the segment's base share, and the row share
divided by the group's base share (the wrong base); both move with the group sizes.

**Association.** :func:`chi_square_test` is Pearson's chi-square test of independence
without Yates' continuity correction; :func:`cramers_v` its effect size, by default with
Bergsma's (2013) small-sample bias correction. :func:`eta_squared` is the share of the
variance of a number (e.g. spend) explained by a grouping.

**Profiles.** :func:`segment_profile` gives spend, frequency, order value, channel and
category mix per segment, each mean with a confidence interval; members without orders
are counted with zero spend and zero orders. :func:`member_spend` gives each member's
spend (0 without orders) and :func:`main_channel` the channel of most of their orders.
Sales are completed orders (:func:`coursekit.methods.common.completed_orders`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from coursekit.methods.common import completed_orders

__all__ = [
    "AGE_EDGES",
    "CHANNELS",
    "INCOME_BANDS",
    "INCOME_BAND_ZH",
    "LIFE_STAGES",
    "LIFE_STAGE_RULES",
    "ChiSquareResult",
    "LifeStage",
    "age_band",
    "birth_cohort",
    "chi_square_test",
    "cramers_v",
    "crosstab_shares",
    "eta_squared",
    "income_band",
    "life_stage",
    "main_channel",
    "member_spend",
    "segment_profile",
    "tgi",
]

#: Default age band edges: 18-24, 25-34, 35-44, 45-54, 55-64, 65+ (``right=False``).
AGE_EDGES: tuple[float, ...] = (18, 25, 35, 45, 55, 65, math.inf)

#: Income bands from lowest to highest (monthly income, as the CRM records it).
INCOME_BANDS: tuple[str, ...] = ("low", "lower_middle", "middle", "upper_middle", "high")
INCOME_BAND_ZH: dict[str, str] = {
    "low": "月收入5千以下",
    "lower_middle": "5千-1万",
    "middle": "1万-2万",
    "upper_middle": "2万-4万",
    "high": "4万以上",
}

#: Order channels in the course's order (the columns of the channel mix).
CHANNELS: tuple[str, ...] = ("store", "app", "mini_program", "group_buy")

#: Ages of the life-stage rules.
RETIREMENT_AGE = 60
EMPTY_NEST_AGE = 45


# --------------------------------------------------------------------------- age bands


def age_band(
    age: pd.Series | Iterable[float],
    edges: Sequence[float] = AGE_EDGES,
    *,
    labels: Sequence[str] | None = None,
) -> pd.Series:
    """Age bands with no gaps and no overlaps: ``[edge_i, edge_i+1)`` (``right=False``).

    Args:
        age: ages in years (a Series keeps its index; missing ages stay missing).
        edges: strictly increasing band edges; the last may be ``math.inf``.
        labels: one label per band. Default: "25-34" for integer edges (the upper edge
            belongs to the next band), "65+" for a last band up to infinity, otherwise
            "[lo, hi)".

    Returns:
        An ordered categorical Series named ``age_band``, youngest band first.

    Raises:
        ValueError: edges not strictly increasing, wrong number of labels, non-numeric
            ages, or an age outside all bands (below the first edge or at/above the last).
    """
    values = _as_series(age, "age")
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ValueError(f"age must be numeric (years), got dtype {values.dtype}")
    bounds = [float(edge) for edge in edges]
    if len(bounds) < 2:
        raise ValueError(f"edges needs at least two values (one band), got {list(edges)}")
    if any(np.isnan(bounds)) or any(b <= a for a, b in itertools.pairwise(bounds)):
        raise ValueError(
            f"edges must increase strictly (equal or falling edges make overlapping or empty "
            f"bands), got {list(edges)}"
        )
    band_labels = list(labels) if labels is not None else _band_labels(bounds)
    if len(band_labels) != len(bounds) - 1 or len(set(band_labels)) != len(band_labels):
        raise ValueError(
            f"labels needs {len(bounds) - 1} distinct labels (one per band), got {band_labels}"
        )
    numbers = values.astype("float64")
    outside = numbers.notna() & ((numbers < bounds[0]) | (numbers >= bounds[-1]))
    if outside.any():
        raise ValueError(
            f"{int(outside.sum())} age(s) fall outside the bands [{bounds[0]:g}, "
            f"{bounds[-1]:g}) (e.g. {sorted(numbers[outside].unique().tolist())[:5]}); "
            "widen the edges rather than lose these members"
        )
    banded = pd.cut(numbers, bins=bounds, right=False, labels=band_labels, ordered=True)
    return pd.Series(banded, index=values.index, name="age_band")


def _band_labels(bounds: list[float]) -> list[str]:
    finite = [b for b in bounds if math.isfinite(b)]
    integral = all(float(b).is_integer() for b in finite)
    labels = []
    for lo, hi in itertools.pairwise(bounds):
        if integral and math.isinf(hi):
            labels.append(f"{lo:g}+")
        elif integral:
            labels.append(f"{lo:g}-{hi - 1:g}")
        else:
            labels.append(f"[{lo:g}, {hi:g})")
    return labels


def birth_cohort(birth_date: pd.Series | Iterable[Any], *, lang: str = "zh") -> pd.Series:
    """Generation labels from birth dates: 1985-12-14 -> "80后" (``lang="en"``: "1980s").

    Chinese marketing speaks of generations by birth decade (80后, 90后 ...); the English
    labels are for plots, whose text stays in English.

    Args:
        birth_date: dates of birth (anything ``pd.to_datetime`` reads).
        lang: ``"zh"`` for 80后, 90后 ...; ``"en"`` for 1980s, 1990s ...

    Returns:
        An ordered categorical Series named ``birth_cohort``, oldest cohort first;
        missing dates stay missing.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    values = _as_series(birth_date, "birth_date")
    try:
        dates = pd.to_datetime(values)
    except (ValueError, TypeError) as error:
        raise ValueError(f"birth_date holds values that are not dates: {error}") from None
    decade = (dates.dt.year // 10 * 10).astype("Int64")
    present = sorted(int(d) for d in decade.dropna().unique())
    label = {d: f"{d % 100:02d}后" if lang == "zh" else f"{d}s" for d in present}
    cohort = pd.Categorical(
        decade.map(label, na_action="ignore"), categories=[label[d] for d in present], ordered=True
    )
    return pd.Series(cohort, index=values.index, name="birth_cohort")


def income_band(values: pd.Series | Iterable[Any]) -> pd.Series:
    """The income band column as an ordered categorical (low ... high).

    Raises:
        ValueError: a value that is not one of :data:`INCOME_BANDS` (missing stays missing).
    """
    series = _as_series(values, "income_band")
    unknown = sorted(set(series.dropna().astype(str)) - set(INCOME_BANDS))
    if unknown:
        raise ValueError(f"income_band has unknown value(s) {unknown}; use {list(INCOME_BANDS)}")
    banded = pd.Categorical(series.astype("object"), categories=INCOME_BANDS, ordered=True)
    return pd.Series(banded, index=series.index, name=series.name or "income_band")


# --------------------------------------------------------------------------- life stage


@dataclass(frozen=True)
class LifeStage:
    """One life stage: its code, names and the rule that assigns it (as text)."""

    code: str
    name_zh: str
    name_en: str
    rule: str


#: Life stages in life-course order (the category order of :func:`life_stage`).
LIFE_STAGES: tuple[LifeStage, ...] = (
    LifeStage("single", "单身", "Single", "household_size == 1, under 45"),
    LifeStage("couple", "二人世界", "Couple", "household_size >= 2, under 45, no children"),
    LifeStage("family_with_children", "有孩家庭", "Family with children", "has_children"),
    LifeStage("empty_nest", "空巢", "Empty nest", "age 45-59, no children at home"),
    LifeStage("retired", "退休", "Retired", "age >= 60"),
)

#: The order in which the rules are tried (the first match wins).
LIFE_STAGE_RULES: tuple[str, ...] = (
    "retired",
    "family_with_children",
    "empty_nest",
    "single",
    "couple",
)

_LIFE_STAGE_CODES = [stage.code for stage in LIFE_STAGES]
LIFE_STAGE_COLUMNS = ("age", "household_size", "has_children")


def life_stage(customers: pd.DataFrame, *, lang: str = "code") -> pd.Series:
    """Life stage of each member from age, household size and children (rule table above).

    Args:
        customers: one row per member with ``age``, ``household_size`` (>= 1) and
            ``has_children`` (children live in the household; bool, 0/1 or
            "True"/"False").
        lang: ``"code"`` for the English codes (single, couple, ...), ``"zh"`` for the
            Chinese names (单身, 二人世界, ...).

    Returns:
        An ordered categorical Series named ``life_stage`` with the index of
        ``customers``, categories in life-course order.

    Raises:
        ValueError: a missing column or value, a household size below 1, or children in a
            one-person household.
    """
    if lang not in ("code", "zh"):
        raise ValueError(f"lang must be 'code' or 'zh', got {lang!r}")
    _require_frame(customers, LIFE_STAGE_COLUMNS, "customers")
    age = _numeric_column(customers, "age")
    household = _numeric_column(customers, "household_size")
    children = _bool_column(customers, "has_children")
    small = household < 1
    if small.any():
        raise ValueError(
            f"household_size must be at least 1; {int(small.sum())} row(s) have less "
            f"(first row labels: {list(customers.index[small][:5])})"
        )
    alone_with_children = children & (household == 1)
    if alone_with_children.any():
        raise ValueError(
            f"{int(alone_with_children.sum())} member(s) have has_children True in a "
            "one-person household (children at home make the household at least 2); first "
            f"row labels: {list(customers.index[alone_with_children][:5])}"
        )
    conditions = {
        "retired": age >= RETIREMENT_AGE,
        "family_with_children": children,
        "empty_nest": age >= EMPTY_NEST_AGE,
        "single": household == 1,
        "couple": household >= 2,
    }
    codes = np.select(
        [conditions[code] for code in LIFE_STAGE_RULES], list(LIFE_STAGE_RULES), default=""
    )
    if lang == "zh":
        names = {stage.code: stage.name_zh for stage in LIFE_STAGES}
        values = [names[code] for code in codes]
        categories = [stage.name_zh for stage in LIFE_STAGES]
    else:
        values, categories = list(codes), _LIFE_STAGE_CODES
    stage = pd.Categorical(values, categories=categories, ordered=True)
    return pd.Series(stage, index=customers.index, name="life_stage")


# --------------------------------------------------------------------------- shares and TGI

_WITHIN = ("group", "segment", "all")


def crosstab_shares(
    group: pd.Series | Iterable[Any],
    segment: pd.Series | Iterable[Any],
    *,
    within: str = "group",
) -> pd.DataFrame:
    """Shares (fractions, not percent) of a group x segment cross-tab.

    Args:
        group: the group of each member (rows of the table), e.g. age band.
        segment: the segment of each member (columns), e.g. life stage.
        within: ``"group"``: a segment's share of each group, each row sums to 1 (the
            numerator of TGI); ``"segment"``: a group's share of each segment, each column
            sums to 1; ``"all"``: share of all members, the table sums to 1.

    Returns:
        Groups x segments, observed categories only (in categorical order when the inputs
        are categorical).
    """
    if within not in _WITHIN:
        raise ValueError(f"within must be one of {list(_WITHIN)}, got {within!r}")
    counts = _crosstab(group, segment)
    if within == "group":
        shares = counts.div(counts.sum(axis=1), axis=0)
    elif within == "segment":
        shares = counts.div(counts.sum(axis=0), axis=1)
    else:
        shares = counts / counts.to_numpy().sum()
    return shares.astype("float64")


def tgi(crosstab: pd.DataFrame) -> pd.DataFrame:
    """Target group index (目标群体指数) of every group x segment cell.

    ``TGI = (count / group size) / (segment size / all members) x 100``: the segment's
    share of the group over its share of all members. 100 is average; above 100 the
    segment is over-represented in the group. (The formula is symmetric: the TGI of the
    transposed table is the transposed TGI.)

    Args:
        crosstab: **counts** of members, groups in the rows and segments in the columns,
            e.g. ``pd.crosstab(age_band, life_stage)`` without margins. Shares cannot be
            used: the base needs the group sizes.

    Returns:
        A table of the same shape (float; 100 = average). A group or segment with no
        members gets NaN (no share, no index).

    Raises:
        ValueError: not a table of whole, non-negative counts, an "All" margin row or
            column, or no members at all.
    """
    if not isinstance(crosstab, pd.DataFrame):
        raise TypeError(f"tgi needs a DataFrame of counts, got {type(crosstab).__name__}")
    if crosstab.shape[0] == 0 or crosstab.shape[1] == 0:
        raise ValueError("crosstab is empty: tgi needs at least one group and one segment")
    margins = [label for label in (*crosstab.index, *crosstab.columns) if label == "All"]
    if margins:
        raise ValueError(
            "crosstab has an 'All' margin (pd.crosstab(..., margins=True)); drop it, margins "
            "would count every member twice"
        )
    non_numeric = [c for c in crosstab.columns if not pd.api.types.is_numeric_dtype(crosstab[c])]
    if non_numeric:
        raise ValueError(f"crosstab must hold counts; column(s) {non_numeric} are not numeric")
    counts = crosstab.to_numpy(dtype="float64")
    if np.isnan(counts).any():
        raise ValueError("crosstab has missing cells; use 0 for empty cells")
    if (counts < 0).any():
        raise ValueError("crosstab has negative cells; tgi needs counts of members")
    if not np.allclose(counts, np.round(counts)):
        raise ValueError(
            "crosstab must hold whole counts of members (pd.crosstab(group, segment)), not "
            "shares or percentages: the base share needs the group sizes"
        )
    total = counts.sum()
    if total == 0:
        raise ValueError("crosstab has no members (all cells are 0)")
    for axis, what in ((1, "row"), (0, "column")):
        sums = counts.sum(axis=axis)
        if len(sums) > 1 and np.allclose(sums, 100):
            raise ValueError(
                f"every {what} of crosstab sums to 100: these look like percentages, not "
                "counts; percentages weigh every group equally in the base. Pass "
                "pd.crosstab(group, segment)"
            )
    with np.errstate(invalid="ignore", divide="ignore"):
        share_of_group = counts / counts.sum(axis=1, keepdims=True)
        base_share = counts.sum(axis=0, keepdims=True) / total
        index = share_of_group / base_share * 100
    return pd.DataFrame(index, index=crosstab.index, columns=crosstab.columns)


# --------------------------------------------------------------------------- association


@dataclass(frozen=True)
class ChiSquareResult:
    """Pearson's chi-square test of independence of two categorical variables.

    Attributes:
        statistic: the chi-square statistic (no continuity correction).
        dof: degrees of freedom, (rows - 1) x (columns - 1) of the observed table.
        p_value: probability of a statistic at least this large under independence.
        n: number of members in the table.
        min_expected: smallest expected count; below 5 the p-value is unreliable.
    """

    statistic: float
    dof: int
    p_value: float
    n: int
    min_expected: float


def chi_square_test(x: pd.Series | Iterable[Any], y: pd.Series | Iterable[Any]) -> ChiSquareResult:
    """Chi-square test of independence of two categorical columns (scipy, no Yates).

    Categories nobody has are left out of the table (they add no degrees of freedom).

    Raises:
        ValueError: missing values, different lengths, or a variable with one category.
    """
    table = _association_table(x, y)
    result = stats.chi2_contingency(table, correction=False)
    return ChiSquareResult(
        statistic=float(result.statistic),
        dof=int(result.dof),
        p_value=float(result.pvalue),
        n=int(table.sum()),
        min_expected=float(result.expected_freq.min()),
    )


def cramers_v(
    x: pd.Series | Iterable[Any], y: pd.Series | Iterable[Any], correction: bool = True
) -> float:
    """Cramér's V, the strength of association of two categorical columns (0..1).

    ``V = sqrt(phi2 / min(k - 1, r - 1))`` with ``phi2 = chi2 / n`` (chi-square without
    Yates' correction). With ``correction=True`` (default) Bergsma's (2013) bias
    correction is used: ``phi2 -> max(0, phi2 - (k - 1)(r - 1) / (n - 1))``,
    ``k -> k - (k - 1)^2 / (n - 1)``, ``r -> r - (r - 1)^2 / (n - 1)``; without it V is
    biased upwards in small samples and for tables with many cells.

    Args:
        x, y: the category of each member (equal length, no missing values).
        correction: apply the bias correction.

    Returns:
        V in [0, 1].
    """
    table = _association_table(x, y)
    rows, cols = table.shape
    n = float(table.sum())
    chi2 = float(stats.chi2_contingency(table, correction=False).statistic)
    phi2 = chi2 / n
    if not correction:
        return float(math.sqrt(phi2 / min(rows - 1, cols - 1)))
    if n < 2:
        raise ValueError("the bias-corrected Cramér's V needs at least two members")
    phi2_corrected = max(0.0, phi2 - (rows - 1) * (cols - 1) / (n - 1))
    rows_corrected = rows - (rows - 1) ** 2 / (n - 1)
    cols_corrected = cols - (cols - 1) ** 2 / (n - 1)
    denominator = min(rows_corrected - 1, cols_corrected - 1)
    if denominator <= 0:
        raise ValueError(
            f"too few members ({n:g}) for the bias-corrected Cramér's V of a {rows}x{cols} "
            "table; use correction=False or more data"
        )
    return float(math.sqrt(phi2_corrected / denominator))


def _association_table(x, y) -> np.ndarray:
    """Counts of the observed x x y combinations, as ``pd.crosstab`` would count them.

    Counted with ``np.bincount`` rather than ``pd.crosstab``, which is some twenty times
    slower on a few hundred members; the notebook's bias demo computes V a hundred times.
    """
    rows_in, cols_in = _paired(x, y, ("x", "y"))
    # Sorted (categories in their order) as pd.crosstab sorts them: the same table gives
    # the same chi-square to the last digit.
    row_codes, row_values = rows_in.factorize(sort=True)
    col_codes, col_values = cols_in.factorize(sort=True)
    rows, cols = len(row_values), len(col_values)
    counts = np.bincount(row_codes * cols + col_codes, minlength=rows * cols)
    table = counts.reshape(rows, cols).astype("float64")
    if rows < 2 or cols < 2:
        which = "x" if rows < 2 else "y"
        raise ValueError(
            f"{which} has only one category; association needs at least two in each variable"
        )
    return table


def eta_squared(values: pd.Series | Iterable[float], groups: pd.Series | Iterable[Any]) -> float:
    """Share of the variance of ``values`` explained by ``groups`` (η², 0..1).

    ``η² = SS_between / SS_total``: the between-group sum of squares (group sizes times
    squared distances of group means from the overall mean) over the total sum of squares.
    It equals the R² of a regression of the values on the group dummies.

    Args:
        values: a number per member, e.g. spend (members without orders count as 0).
        groups: the segment of each member.

    Raises:
        ValueError: missing or non-numeric values, different lengths, or values that do
            not vary.
    """
    numbers = _as_series(values, "values")
    labels = _as_series(groups, "groups")
    if len(numbers) != len(labels):
        raise ValueError(f"values ({len(numbers)}) and groups ({len(labels)}) differ in length")
    if not pd.api.types.is_numeric_dtype(numbers) or pd.api.types.is_bool_dtype(numbers):
        raise ValueError(f"values must be numeric, got dtype {numbers.dtype}")
    for name, series in (("values", numbers), ("groups", labels)):
        if series.isna().any():
            raise ValueError(f"{name} has {int(series.isna().sum())} missing value(s)")
    array = numbers.to_numpy(dtype="float64")
    total = float(((array - array.mean()) ** 2).sum())
    if total == 0:
        raise ValueError("values do not vary: there is no variance to explain")
    frame = pd.DataFrame({"value": array, "group": labels.to_numpy()})
    by_group = frame.groupby("group", observed=True, sort=False)["value"].agg(["size", "mean"])
    between = float((by_group["size"] * (by_group["mean"] - array.mean()) ** 2).sum())
    return between / total


# --------------------------------------------------------------------------- profiles


def member_spend(customers: pd.DataFrame, orders: pd.DataFrame) -> pd.Series:
    """Net spend of every member over the orders given; members without one count 0.

    Spend is the sum of ``net_amount`` of the member's completed orders. A member who
    never completed an order spent 0: leaving them out (an inner join) would describe the
    buyers, not the members, and make every segment look richer.

    Args:
        customers: one row per member with ``customer_id``.
        orders: ``customer_id``, ``status`` and ``net_amount``.

    Returns:
        A float Series named ``spend`` with the index of ``customers``.
    """
    ids = _member_ids(customers)
    sales = _sales(orders, ("customer_id", "status", "net_amount"))
    spend = ids.map(sales.groupby("customer_id")["net_amount"].sum()).fillna(0.0)
    return pd.Series(spend.to_numpy(dtype="float64"), index=customers.index, name="spend")


def main_channel(customers: pd.DataFrame, orders: pd.DataFrame) -> pd.Series:
    """The channel of most of each member's completed orders (主要渠道).

    A tie goes to the channel first in :data:`CHANNELS` (store, app, mini_program,
    group_buy), so the answer never depends on row order. Members without a completed
    order have no main channel (missing).

    Args:
        customers: one row per member with ``customer_id``.
        orders: ``customer_id``, ``status`` and ``channel``.

    Returns:
        A categorical Series named ``main_channel`` with the index of ``customers``,
        categories in the order of :data:`CHANNELS` (then any other channel, sorted).
    """
    ids = _member_ids(customers)
    sales = _sales(orders, ("customer_id", "status", "channel"))
    sales = sales[sales["customer_id"].isin(ids)]
    channel = sales["channel"].astype("object")
    counts = (
        pd.DataFrame(
            {"customer_id": sales["customer_id"].to_numpy(), "channel": channel.to_numpy()}
        )
        .groupby(["customer_id", "channel"])
        .size()
        .unstack(fill_value=0)
    )
    extra = sorted(str(c) for c in counts.columns if c not in CHANNELS)
    order = [*CHANNELS, *extra]
    counts = counts.reindex(columns=order, fill_value=0)
    # idxmax takes the first column holding the maximum: ties go to the CHANNELS order.
    main = counts.idxmax(axis=1) if len(counts) else pd.Series(dtype="object")
    values = pd.Categorical(ids.map(main).to_numpy(dtype="object"), categories=order)
    return pd.Series(values, index=customers.index, name="main_channel")


def _member_ids(customers: pd.DataFrame) -> pd.Series:
    _require_frame(customers, ("customer_id",), "customers")
    ids = customers["customer_id"]
    for what, bad in (("missing", ids.isna()), ("duplicate", ids.duplicated())):
        if bad.any():
            raise ValueError(
                f"customers has {int(bad.sum())} {what} customer_id(s); one row per member"
            )
    return ids


def _sales(orders: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The completed orders, after checking the columns (and that amounts are numbers)."""
    _require_frame(orders, columns, "orders")
    if "net_amount" in columns:
        amounts = orders["net_amount"]
        if not pd.api.types.is_numeric_dtype(amounts) or pd.api.types.is_bool_dtype(amounts):
            raise ValueError(f"orders['net_amount'] must be numeric, got dtype {amounts.dtype}")
        sales = completed_orders(orders)
        if sales["net_amount"].isna().any():
            raise ValueError(
                f"{int(sales['net_amount'].isna().sum())} completed order(s) have no net_amount"
            )
        return sales
    return completed_orders(orders)


_INTERVALS = ("t", "bootstrap")


def segment_profile(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    by: str,
    *,
    order_items: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    confidence: float = 0.95,
    interval: str = "t",
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Behaviour of each segment, every mean with a confidence interval.

    Every member of ``customers`` counts, with zero spend and zero orders when they have
    no completed order; orders of people not in ``customers`` are ignored (so a profile of
    survey respondents uses only their orders). Spend and frequency cover all the orders
    given: filter a period first if you want one.

    Args:
        customers: one row per member with ``customer_id`` and the ``by`` column.
        orders: ``customer_id``, ``order_id``, ``status``, ``channel``, ``net_amount``;
            only completed orders count.
        by: the segment column of ``customers`` (e.g. ``"life_stage"``).
        order_items, products: give both to add the category mix (``line_amount`` of the
            completed orders' lines, by ``products.category``).
        confidence: confidence level of the intervals.
        interval: ``"t"``: t-interval of the mean (statsmodels); order value treats each
            order as one observation. ``"bootstrap"``: percentile bootstrap (scipy),
            resampling members, so a customer's orders stay together.
        n_resamples, seed: bootstrap resamples and seed (ignored for ``"t"``).

    Returns:
        One row per segment (categorical order, or sorted), indexed by ``by``:
        ``members``, ``buyers`` (members with a completed order), ``buyer_share``,
        ``spend_mean``/``_low``/``_high`` (net spend per member), ``spend_median``,
        ``spend_sd`` (the spread inside the segment), ``frequency_mean``/``_low``/``_high``
        (completed orders per member), ``order_value_mean``/``_low``/``_high`` (net amount
        per completed order), ``channel_<channel>`` (share of the segment's completed
        orders) and, with order lines, ``category_<category>`` (share of the segment's
        line amounts). Shares are fractions. Order value and the mixes are NaN for a
        segment without completed orders; an interval is NaN when it rests on fewer than
        two observations.
    """
    if interval not in _INTERVALS:
        raise ValueError(f"interval must be one of {list(_INTERVALS)}, got {interval!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if (order_items is None) != (products is None):
        raise ValueError("give both order_items and products for the category mix, or neither")
    _require_frame(customers, ("customer_id", by), "customers")
    ids = _member_ids(customers)
    segments = customers[by]
    if segments.isna().any():
        raise ValueError(
            f"customers[{by!r}] has {int(segments.isna().sum())} missing value(s); give them "
            "a segment (e.g. 'unknown') so that nobody drops out of the profile"
        )
    sales = _sales(orders, ("customer_id", "order_id", "status", "channel", "net_amount"))
    sales = sales[sales["customer_id"].isin(ids)]
    by_customer = sales.groupby("customer_id")
    per_member = pd.DataFrame(
        {
            "segment": segments.array,  # keeps a categorical's order
            "spend": ids.map(by_customer["net_amount"].sum()).fillna(0.0).to_numpy(),
            "orders": ids.map(by_customer["order_id"].nunique()).fillna(0).to_numpy(),
        },
        index=pd.Index(ids.to_numpy(), name="customer_id"),
    )
    sales = sales.assign(segment=sales["customer_id"].map(per_member["segment"]))
    groups = per_member.groupby("segment", observed=True, sort=True)
    rng = np.random.default_rng(seed)
    rows = {}
    for name, members in groups:
        segment_sales = sales[sales["segment"] == name]
        spend = members["spend"].to_numpy(dtype="float64")
        frequency = members["orders"].to_numpy(dtype="float64")
        row: dict[str, float] = {
            "members": len(members),
            "buyers": int((frequency > 0).sum()),
        }
        row["buyer_share"] = row["buyers"] / row["members"]
        row.update(_mean_interval("spend", spend, confidence, interval, n_resamples, rng))
        row["spend_median"] = float(np.median(spend))
        row["spend_sd"] = float(spend.std(ddof=1)) if len(spend) > 1 else np.nan
        row.update(_mean_interval("frequency", frequency, confidence, interval, n_resamples, rng))
        row.update(
            _order_value(
                segment_sales["net_amount"].to_numpy(dtype="float64"),
                spend[frequency > 0],
                frequency[frequency > 0],
                confidence,
                interval,
                n_resamples,
                rng,
            )
        )
        rows[name] = row
    profile = pd.DataFrame.from_dict(rows, orient="index")
    profile.index = pd.Index(list(rows), name=by)
    profile["members"] = profile["members"].astype("int64")
    profile["buyers"] = profile["buyers"].astype("int64")

    # Segments without a completed order have no mix: their shares stay NaN.
    channel_mix = _mix(sales["segment"], sales["channel"], None, CHANNELS)
    profile = profile.join(channel_mix.add_prefix("channel_"))
    if order_items is not None and products is not None:
        category_mix = _category_mix(sales, order_items, products)
        profile = profile.join(category_mix.add_prefix("category_"))
    return profile


def _mean_interval(
    name: str, values: np.ndarray, confidence: float, interval: str, n_resamples: int, rng
) -> dict[str, float]:
    mean = float(values.mean()) if len(values) else np.nan
    low = high = np.nan
    if len(values) >= 2 and np.ptp(values) == 0:
        low = high = mean  # every member the same: no uncertainty left to show
    elif len(values) >= 2 and interval == "t":
        low, high = DescrStatsW(values).tconfint_mean(alpha=1 - confidence)
    elif len(values) >= 2:
        result = stats.bootstrap(
            (values,),
            np.mean,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method="percentile",
            rng=rng,
        )
        low, high = result.confidence_interval
    return {f"{name}_mean": mean, f"{name}_low": float(low), f"{name}_high": float(high)}


def _order_value(
    order_amounts: np.ndarray,
    buyer_spend: np.ndarray,
    buyer_orders: np.ndarray,
    confidence: float,
    interval: str,
    n_resamples: int,
    rng,
) -> dict[str, float]:
    if interval == "t":
        return _mean_interval("order_value", order_amounts, confidence, "t", n_resamples, rng)
    mean = float(order_amounts.mean()) if len(order_amounts) else np.nan
    low = high = np.nan
    if len(buyer_spend) >= 2 and np.ptp(buyer_spend / buyer_orders) == 0:
        low = high = mean
    elif len(buyer_spend) >= 2:
        # Resample buyers, not orders: one customer's orders are not independent.
        result = stats.bootstrap(
            (buyer_spend, buyer_orders),
            lambda spend, count, axis=-1: spend.sum(axis=axis) / count.sum(axis=axis),
            paired=True,
            vectorized=True,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method="percentile",
            rng=rng,
        )
        low, high = result.confidence_interval
    return {
        "order_value_mean": mean,
        "order_value_low": float(low),
        "order_value_high": float(high),
    }


def _mix(
    segment: pd.Series, kind: pd.Series, weight: pd.Series | None, order: Sequence[str]
) -> pd.DataFrame:
    """Share of each kind (channel, category) within each segment, known kinds first."""
    if weight is None:
        table = pd.crosstab(segment, kind)
    else:
        table = pd.crosstab(segment, kind, values=weight, aggfunc="sum").fillna(0.0)
    # Known kinds always get a column (0 where unused), so tables line up across samples.
    extra = sorted(c for c in table.columns if c not in order)
    table = table.reindex(columns=[*order, *extra], fill_value=0)
    return table.div(table.sum(axis=1), axis=0)


def _category_mix(
    sales: pd.DataFrame, order_items: pd.DataFrame, products: pd.DataFrame
) -> pd.DataFrame:
    _require_frame(order_items, ("order_id", "product_id", "line_amount"), "order_items")
    _require_frame(products, ("product_id", "category"), "products")
    lines = order_items[order_items["order_id"].isin(sales["order_id"])]
    category = lines["product_id"].map(products.drop_duplicates("product_id").set_index(
        "product_id")["category"])  # fmt: skip
    if category.isna().any():
        raise ValueError(
            f"{int(category.isna().sum())} order line(s) name a product_id not in products"
        )
    segment = lines["order_id"].map(sales.drop_duplicates("order_id").set_index("order_id")[
        "segment"])  # fmt: skip
    return _mix(segment, category, lines["line_amount"], ())


# --------------------------------------------------------------------------- helpers


def _as_series(values: Any, name: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{name} must be one column (a Series), got a DataFrame")
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a column of values, got a single string {values!r}")
    return pd.Series(list(values) if not isinstance(values, np.ndarray) else values, name=name)


def _paired(
    group: Any, segment: Any, names: tuple[str, str] = ("group", "segment")
) -> tuple[pd.Series, pd.Series]:
    """The two columns as Series, after checking they describe the same members."""
    rows = _as_series(group, names[0])
    cols = _as_series(segment, names[1])
    if len(rows) != len(cols):
        raise ValueError(f"{names[0]} ({len(rows)}) and {names[1]} ({len(cols)}) differ in length")
    for name, series in zip(names, (rows, cols), strict=True):
        if series.isna().any():
            raise ValueError(
                f"{name} has {int(series.isna().sum())} missing value(s); fill them (e.g. "
                "'unknown') or drop those members on purpose"
            )
    if len(rows) == 0:
        raise ValueError("no members: the columns are empty")
    return rows, cols


def _crosstab(group: Any, segment: Any, names: tuple[str, str] = ("group", "segment")):
    rows, cols = _paired(group, segment, names)
    # Positional: the two columns describe the same members in the same order. ``.array``
    # keeps a categorical's category order (``to_numpy`` would sort the labels instead).
    table = pd.crosstab(
        pd.Series(rows.array, name=rows.name if rows.name is not None else names[0]),
        pd.Series(cols.array, name=cols.name if cols.name is not None else names[1]),
    )
    return table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]


def _require_frame(frame: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a DataFrame, got {type(frame).__name__}")
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; available: {list(frame.columns)}")


def _numeric_column(frame: pd.DataFrame, col: str) -> np.ndarray:
    values = frame[col]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ValueError(f"{col} must be numeric, got dtype {values.dtype}")
    if values.isna().any():
        raise ValueError(f"{col} has {int(values.isna().sum())} missing value(s)")
    return values.to_numpy(dtype="float64")


_TRUE = {"true", "1", "yes", "是", "有"}
_FALSE = {"false", "0", "no", "否", "无"}


def _bool_column(frame: pd.DataFrame, col: str) -> np.ndarray:
    values = frame[col]
    if values.isna().any():
        raise ValueError(f"{col} has {int(values.isna().sum())} missing value(s)")
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values):
        unknown = sorted(set(values.unique().tolist()) - {0, 1})
        if unknown:
            raise ValueError(f"{col} must be True/False (or 1/0), found {unknown[:5]}")
        return values.to_numpy() == 1
    text = values.astype(str).str.strip().str.lower()
    unknown = sorted(set(text) - _TRUE - _FALSE)
    if unknown:
        raise ValueError(f"{col} must be True/False, found {unknown[:5]}")
    return text.isin(_TRUE).to_numpy()
