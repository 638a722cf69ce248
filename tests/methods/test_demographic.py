"""Tests of coursekit.methods.demographic: hand-computed cases, the named mistakes of
module 03 reproduced (each gives a different, wrong value), and bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats.contingency import association

from coursekit.methods.demographic import (
    AGE_EDGES,
    INCOME_BANDS,
    LIFE_STAGES,
    age_band,
    birth_cohort,
    chi_square_test,
    cramers_v,
    crosstab_shares,
    eta_squared,
    income_band,
    life_stage,
    main_channel,
    member_spend,
    segment_profile,
    tgi,
)

# --------------------------------------------------------------------------- age bands


def test_age_band_edges_belong_to_the_upper_band():
    ages = pd.Series([18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 99], index=list("abcdefghijkl"))
    bands = age_band(ages)
    assert bands.astype(str).tolist() == [
        "18-24", "18-24", "25-34", "25-34", "35-44", "35-44",
        "45-54", "45-54", "55-64", "55-64", "65+", "65+",
    ]  # fmt: skip
    assert bands.index.equals(ages.index)
    assert bands.name == "age_band"
    assert bands.cat.ordered
    assert list(bands.cat.categories) == ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]


def test_age_band_keeps_missing_ages_missing_and_takes_lists():
    bands = age_band([30.0, np.nan, 70])
    assert bands.isna().tolist() == [False, True, False]
    assert bands.astype(str).tolist()[::2] == ["25-34", "65+"]


@given(st.integers(min_value=18, max_value=120))
def test_every_age_is_in_exactly_one_band(age):
    band = age_band([age]).iloc[0]
    finite = list(AGE_EDGES)
    holders = [i for i, (lo, hi) in enumerate(itertools.pairwise(finite)) if lo <= age < hi]
    assert len(holders) == 1
    assert band == age_band([age]).cat.categories[holders[0]]


def test_mistake_pd_cut_default_right_leaves_a_gap_at_the_first_edge():
    ages = pd.Series([18, 24, 25, 34])
    wrong = pd.cut(ages, bins=[18, 24, 34], labels=["18-24", "25-34"])  # right=True
    right = age_band(ages, edges=[18, 25, 35])
    assert wrong.isna().tolist() == [True, False, False, False]  # the 18-year-old is lost
    assert right.notna().all()
    assert wrong.astype(str).tolist()[1:] == ["18-24", "25-34", "25-34"]
    assert right.astype(str).tolist() == ["18-24", "18-24", "25-34", "25-34"]


def test_mistake_hand_written_bands_overlap_at_the_shared_edge():
    ages = pd.Series([24, 25, 26])
    young = ages <= 25  # "18-25"
    older = ages >= 25  # "25-34"
    assert (young & older).sum() == 1  # the 25-year-old is counted twice
    counts = age_band(ages, edges=[18, 25, 35]).value_counts()
    assert counts.sum() == len(ages)


def test_age_band_custom_edges_and_labels():
    bands = age_band([19.5, 30.25], edges=[18.5, 25.5, 40], labels=None)
    assert list(bands.cat.categories) == ["[18.5, 25.5)", "[25.5, 40)"]
    named = age_band([20, 50], edges=[18, 40, math.inf], labels=["young", "older"])
    assert named.astype(str).tolist() == ["young", "older"]


@pytest.mark.parametrize(
    ("ages", "kwargs", "message"),
    [
        ([17, 30], {}, "outside the bands"),
        ([30], {"edges": [18, 40]}, None),
        ([45], {"edges": [18, 40]}, "outside the bands"),
        ([30], {"edges": [18, 35, 35, 60]}, "increase strictly"),
        ([30], {"edges": [40, 18]}, "increase strictly"),
        ([30], {"edges": [18]}, "at least two"),
        ([30], {"edges": [18, 40, 60], "labels": ["a"]}, "2 distinct labels"),
        (["thirty"], {}, "numeric"),
    ],
)
def test_age_band_rejects_bad_input(ages, kwargs, message):
    if message is None:
        assert age_band(ages, **kwargs).notna().all()
        return
    with pytest.raises(ValueError, match=message):
        age_band(ages, **kwargs)


def test_birth_cohort_labels_generations():
    cohort = birth_cohort(pd.Series(["1985-12-14", "1999-01-01", "2001-06-30", "1963-05-17"]))
    assert cohort.astype(str).tolist() == ["80后", "90后", "00后", "60后"]
    assert list(cohort.cat.categories) == ["60后", "80后", "90后", "00后"]
    with pytest.raises(ValueError, match="not dates"):
        birth_cohort(["not a date"])


def test_birth_cohort_in_english_for_plots():
    dates = pd.Series(["1985-12-14", "1999-01-01", "2001-06-30", None], index=[7, 8, 9, 10])
    cohort = birth_cohort(dates, lang="en")
    assert cohort.astype(str).tolist()[:3] == ["1980s", "1990s", "2000s"]
    assert cohort.isna().tolist() == [False, False, False, True]
    assert cohort.index.equals(dates.index)
    assert list(cohort.cat.categories) == ["1980s", "1990s", "2000s"]
    # The same members in the same cohorts, whatever the language.
    chinese = birth_cohort(dates)
    assert (cohort.cat.codes == chinese.cat.codes).all()
    with pytest.raises(ValueError, match="lang"):
        birth_cohort(dates, lang="fr")


def test_income_band_is_ordered_and_refuses_unknown_labels():
    bands = income_band(pd.Series(["high", "low", None, "middle"]))
    assert list(bands.cat.categories) == list(INCOME_BANDS)
    assert bands.isna().tolist() == [False, False, True, False]
    assert bands.cat.codes.tolist() == [4, 0, -1, 2]
    assert bands.max() == "high"
    with pytest.raises(ValueError, match=r"unknown value\(s\) \['rich'\]"):
        income_band(["rich", "low"])


# --------------------------------------------------------------------------- life stage


@pytest.fixture
def members() -> pd.DataFrame:
    """One member per rule of the table, and the boundary ages 44/45 and 59/60."""
    rows = [
        # age, household_size, has_children, expected life stage
        (30, 1, False, "single"),
        (44, 1, False, "single"),
        (30, 2, False, "couple"),
        (44, 4, False, "couple"),  # living with parents: no children of their own at home
        (30, 3, True, "family_with_children"),
        (52, 4, True, "family_with_children"),
        (45, 2, False, "empty_nest"),
        (59, 1, False, "empty_nest"),
        (60, 2, False, "retired"),
        (72, 3, True, "retired"),  # retirement age wins over grandchildren at home
    ]
    frame = pd.DataFrame(rows, columns=["age", "household_size", "has_children", "expected"])
    frame.index = pd.Index([f"m{i}" for i in range(len(frame))], name="customer_id")
    return frame


def test_life_stage_follows_the_rule_table(members):
    stages = life_stage(members)
    assert stages.astype(str).tolist() == members["expected"].tolist()
    assert stages.index.equals(members.index)
    assert stages.name == "life_stage"
    assert list(stages.cat.categories) == [stage.code for stage in LIFE_STAGES]
    assert stages.cat.ordered


def test_life_stage_in_chinese(members):
    names = dict(zip(members["expected"], life_stage(members, lang="zh").astype(str), strict=True))
    assert names == {
        "single": "单身",
        "couple": "二人世界",
        "family_with_children": "有孩家庭",
        "empty_nest": "空巢",
        "retired": "退休",
    }


@settings(max_examples=200)
@given(
    st.integers(min_value=18, max_value=95),
    st.integers(min_value=1, max_value=8),
    st.booleans(),
)
def test_life_stage_matches_the_documented_table(age, household, children):
    if children and household == 1:
        return  # refused, tested below
    frame = pd.DataFrame({"age": [age], "household_size": [household], "has_children": [children]})
    if age >= 60:
        expected = "retired"
    elif children:
        expected = "family_with_children"
    elif age >= 45:
        expected = "empty_nest"
    elif household == 1:
        expected = "single"
    else:
        expected = "couple"
    assert life_stage(frame).iloc[0] == expected


def test_mistake_life_stage_from_age_alone_misclassifies(members):
    by_age = pd.cut(
        members["age"],
        bins=[0, 30, 45, 60, 200],
        right=False,
        labels=["single", "family_with_children", "empty_nest", "retired"],
    ).astype(str)
    right = life_stage(members).astype(str)
    wrong_rows = (by_age != right).sum()
    assert wrong_rows >= 4
    # Two 30-year-olds, one single and one parent, get the same stage by age alone.
    assert by_age.loc["m0"] == by_age.loc["m4"]
    assert right.loc["m0"] != right.loc["m4"]


def test_life_stage_reads_text_and_number_flags(members):
    as_text = members.assign(has_children=members["has_children"].map(str))
    as_number = members.assign(has_children=members["has_children"].astype(int))
    expected = life_stage(members)
    pd.testing.assert_series_equal(life_stage(as_text), expected)
    pd.testing.assert_series_equal(life_stage(as_number), expected)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="household_size"), r"missing column\(s\) \['household_size'\]"),
        (lambda f: f.assign(age=f["age"].where(f.index != "m1")), "age has 1 missing"),
        (lambda f: f.assign(household_size=0), "at least 1"),
        (lambda f: f.assign(has_children=True, household_size=1), "one-person household"),
        (lambda f: f.assign(has_children="maybe"), "True/False"),
        (lambda f: f.assign(has_children=2), "True/False"),
        (lambda f: f.assign(age="old"), "age must be numeric"),
    ],
)
def test_life_stage_rejects_bad_input(members, change, message):
    with pytest.raises(ValueError, match=message):
        life_stage(change(members))


def test_life_stage_rejects_unknown_language(members):
    with pytest.raises(ValueError, match="lang"):
        life_stage(members, lang="fr")


# --------------------------------------------------------------------------- shares and TGI


@pytest.fixture
def two_groups() -> tuple[pd.Series, pd.Series]:
    """Group A: 100 members, 30 in segment X; group B: 300 members, 30 in X."""
    group = pd.Series(["A"] * 100 + ["B"] * 300, name="group")
    segment = pd.Series(["X"] * 30 + ["Y"] * 70 + ["X"] * 30 + ["Y"] * 270, name="segment")
    return group, segment


def test_crosstab_shares_within_group_segment_and_all(two_groups):
    group, segment = two_groups
    rows = crosstab_shares(group, segment)
    assert rows.loc["A", "X"] == pytest.approx(0.30)
    assert rows.loc["B", "X"] == pytest.approx(0.10)
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)
    cols = crosstab_shares(group, segment, within="segment")
    assert cols.loc["A", "X"] == pytest.approx(0.5)
    np.testing.assert_allclose(cols.sum(axis=0), 1.0)
    cells = crosstab_shares(group, segment, within="all")
    assert cells.loc["B", "Y"] == pytest.approx(270 / 400)
    assert cells.to_numpy().sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="within"):
        crosstab_shares(group, segment, within="rows")


def test_crosstab_shares_keeps_the_category_order_and_names():
    group = pd.Series(
        pd.Categorical(["b", "a", "b", "c"], categories=["c", "b", "a", "unused"], ordered=True)
    )
    segment = pd.Series(pd.Categorical(["y", "x", "x", "y"], categories=["y", "x"]), name="s")
    shares = crosstab_shares(group, segment)
    assert shares.index.tolist() == ["c", "b", "a"]  # category order, unused category left out
    assert shares.columns.tolist() == ["y", "x"]
    assert (shares.index.name, shares.columns.name) == ("group", "s")
    assert shares.loc["b", "x"] == pytest.approx(0.5)


def test_crosstab_shares_rejects_missing_and_unequal_lengths(two_groups):
    group, segment = two_groups
    with pytest.raises(ValueError, match="segment has 1 missing"):
        crosstab_shares(group, segment.where(segment.index != 5))
    with pytest.raises(ValueError, match="differ in length"):
        crosstab_shares(group, segment.iloc[:-1])


def test_tgi_hand_computed(two_groups):
    table = pd.crosstab(*two_groups)
    index = tgi(table)
    # Base shares: X 60/400 = 0.15, Y 340/400 = 0.85.
    assert index.loc["A", "X"] == pytest.approx(0.30 / 0.15 * 100)  # 200
    assert index.loc["B", "X"] == pytest.approx(0.10 / 0.15 * 100)  # 66.7
    assert index.loc["A", "Y"] == pytest.approx(0.70 / 0.85 * 100)  # 82.4
    assert index.loc["B", "Y"] == pytest.approx(0.90 / 0.85 * 100)  # 105.9
    assert index.index.equals(table.index) and index.columns.equals(table.columns)


def test_mistake_tgi_against_the_wrong_base(two_groups):
    table = pd.crosstab(*two_groups)
    right = tgi(table).loc["A", "X"]
    total = table.to_numpy().sum()
    column_share = table / table.sum(axis=0)  # the group's share of the segment
    segment_base = table.sum(axis=0) / total
    column_share_version = (column_share / segment_base * 100).loc["A", "X"]
    row_share = table.div(table.sum(axis=1), axis=0)
    group_base = table.sum(axis=1) / total
    wrong_base_version = row_share.div(group_base, axis=0).mul(100).loc["A", "X"]
    assert right == pytest.approx(200)
    assert column_share_version == pytest.approx(0.5 / 0.15 * 100)  # 333
    assert wrong_base_version == pytest.approx(0.30 / 0.25 * 100)  # 120
    assert len({round(right), round(column_share_version), round(wrong_base_version)}) == 3


def test_mistake_percent_over_fraction_is_a_hundred_times_too_big(two_groups):
    table = pd.crosstab(*two_groups)
    percent_of_group = table.div(table.sum(axis=1), axis=0) * 100
    base_fraction = table.sum(axis=0) / table.to_numpy().sum()
    wrong = (percent_of_group / base_fraction * 100).loc["A", "X"]
    assert wrong == pytest.approx(100 * tgi(table).loc["A", "X"])


def test_tgi_refuses_shares_and_margins(two_groups):
    group, segment = two_groups
    with pytest.raises(ValueError, match="whole counts"):
        tgi(crosstab_shares(group, segment))
    with pytest.raises(ValueError, match="look like percentages"):
        tgi(crosstab_shares(group, segment) * 100)
    with pytest.raises(ValueError, match="percentages"):
        tgi(crosstab_shares(group, segment, within="segment") * 100)
    with pytest.raises(ValueError, match="look like percentages"):
        tgi(pd.DataFrame({"X": [30, 10], "Y": [70, 90]}))
    with pytest.raises(ValueError, match="'All' margin"):
        tgi(pd.crosstab(group, segment, margins=True))


@pytest.mark.parametrize(
    ("table", "error", "message"),
    [
        (pd.DataFrame({"X": [1, -1]}), ValueError, "negative"),
        (pd.DataFrame({"X": [1, np.nan]}), ValueError, "missing cells"),
        (pd.DataFrame({"X": ["1", "2"]}), ValueError, "not numeric"),
        (pd.DataFrame({"X": [0, 0]}), ValueError, "no members"),
        (pd.DataFrame(), ValueError, "empty"),
        ([[1, 2], [3, 4]], TypeError, "DataFrame of counts"),
    ],
)
def test_tgi_rejects_bad_tables(table, error, message):
    with pytest.raises(error, match=message):
        tgi(table)


def test_tgi_of_an_empty_group_is_missing():
    table = pd.DataFrame({"X": [3, 0], "Y": [1, 0]}, index=["A", "B"])
    index = tgi(table)
    assert index.loc["A"].tolist() == [100.0, 100.0]
    assert index.loc["B"].isna().all()


@settings(max_examples=60)
@given(
    st.lists(
        st.lists(st.integers(min_value=1, max_value=500), min_size=3, max_size=3),
        min_size=2,
        max_size=5,
    )
)
def test_tgi_is_symmetric_and_averages_to_100(cells):
    table = pd.DataFrame(cells, columns=["s1", "s2", "s3"])
    index = tgi(table)
    pd.testing.assert_frame_equal(tgi(table.T), index.T)
    # Weighted by group size, every segment's TGI averages to exactly 100.
    weights = table.sum(axis=1) / table.to_numpy().sum()
    np.testing.assert_allclose(index.mul(weights, axis=0).sum(axis=0), 100.0)


# --------------------------------------------------------------------------- association


def test_cramers_v_hand_computed_2x2():
    x = ["a"] * 30 + ["b"] * 30
    y = ["u"] * 20 + ["v"] * 10 + ["u"] * 10 + ["v"] * 20
    # Expected 15 per cell: chi2 = 4 * 5^2 / 15 = 6.667, phi2 = chi2 / 60 = 1/9.
    assert cramers_v(x, y, correction=False) == pytest.approx(1 / 3)
    phi2_corrected = 1 / 9 - 1 / 59
    k_corrected = 2 - 1 / 59
    assert cramers_v(x, y) == pytest.approx(math.sqrt(phi2_corrected / (k_corrected - 1)))


def test_cramers_v_without_correction_equals_scipy():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, 200)
    y = (x + rng.integers(0, 3, 200)) % 4
    table = pd.crosstab(x, y).to_numpy()
    assert cramers_v(x, y, correction=False) == pytest.approx(association(table, method="cramer"))


def test_cramers_v_of_a_perfect_association_is_one_both_ways():
    x = ["a", "b", "c"] * 20
    assert cramers_v(x, x) == pytest.approx(1.0)
    assert cramers_v(x, x, correction=False) == pytest.approx(1.0)


def test_mistake_cramers_v_without_the_correction_inflates_small_tables():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 5, 60)
    y = rng.integers(0, 5, 60)  # independent of x
    uncorrected = cramers_v(x, y, correction=False)
    corrected = cramers_v(x, y)
    assert corrected < 0.1 < 0.2 < uncorrected


def test_mistake_cramers_v_with_the_wrong_degrees_of_freedom():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, 300)
    y = (x + rng.integers(0, 2, 300)) % 4  # a 3 x 4 table
    table = pd.crosstab(x, y).to_numpy()
    chi2 = stats.chi2_contingency(table, correction=False).statistic
    right = cramers_v(x, y, correction=False)
    wrong_dof = math.sqrt(chi2 / 300 / ((3 - 1) * (4 - 1)))  # (r-1)(c-1) instead of min
    assert right == pytest.approx(math.sqrt(chi2 / 300 / 2))
    assert wrong_dof < right - 0.1


def test_mistake_yates_correction_changes_cramers_v_of_a_2x2():
    x = ["a"] * 30 + ["b"] * 30
    y = ["u"] * 20 + ["v"] * 10 + ["u"] * 10 + ["v"] * 20
    table = pd.crosstab(pd.Series(x), pd.Series(y)).to_numpy()
    yates = math.sqrt(stats.chi2_contingency(table).statistic / 60)  # scipy's 2x2 default
    assert yates < cramers_v(x, y, correction=False) - 0.03


def test_chi_square_test_matches_scipy_and_ignores_unused_categories():
    rng = np.random.default_rng(8)
    x = pd.Series(pd.Categorical(rng.integers(0, 3, 150), categories=[0, 1, 2, 3]))
    y = pd.Series(rng.integers(0, 2, 150))
    result = chi_square_test(x, y)
    reference = stats.chi2_contingency(pd.crosstab(x.astype(int), y), correction=False)
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue)
    assert result.dof == 2  # category 3 has no members and adds no degree of freedom
    assert result.n == 150
    assert result.min_expected == pytest.approx(reference.expected_freq.min())


def test_chi_square_test_counts_the_table_pd_crosstab_counts_to_the_last_digit():
    # Stored notebook outputs print the statistic in full: a table counted in another
    # order would change its last digit.
    rng = np.random.default_rng(4)
    tiers = pd.Series(rng.integers(1, 5, 500))
    channels = pd.Categorical(
        rng.choice(["store", "app", "mini_program", "group_buy"], 500),
        categories=["store", "app", "mini_program", "group_buy", "unused"],
    )
    channels = pd.Series(channels)
    reference = stats.chi2_contingency(pd.crosstab(tiers, channels), correction=False)
    assert chi_square_test(tiers, channels).statistic == reference.statistic
    assert (
        chi_square_test(channels, tiers).statistic
        == stats.chi2_contingency(pd.crosstab(channels, tiers), correction=False).statistic
    )
    mixed = pd.Series([1, "b", 1, "b", 2.5, "b"], dtype=object)
    assert chi_square_test(mixed, [0, 1, 1, 0, 1, 1]).n == 6


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (["a", "a", "a"], ["u", "v", "u"], "x has only one category"),
        (["a", "b", "a"], ["u", "u", "u"], "y has only one category"),
        (["a", None, "b"], ["u", "v", "u"], "x has 1 missing"),
        (["a", "b"], ["u", "v", "u"], "differ in length"),
        ([], [], "no members"),
        ("ab", "uv", "single string"),
    ],
)
def test_association_rejects_bad_input(x, y, message):
    with pytest.raises(ValueError, match=message):
        cramers_v(x, y)
    with pytest.raises(ValueError, match=message):
        chi_square_test(x, y)


def test_corrected_cramers_v_refuses_too_few_members():
    with pytest.raises(ValueError, match="too few members"):
        cramers_v(["a", "b", "c"], ["u", "v", "w"])


def test_eta_squared_hand_computed():
    # Group means 1.5 and 3.5 around 2.5: SS_between = 4, SS_total = 5.
    assert eta_squared([1, 2, 3, 4], ["a", "a", "b", "b"]) == pytest.approx(0.8)
    assert eta_squared([1, 2, 1, 2], ["a", "b", "b", "a"]) == pytest.approx(0.0)
    assert eta_squared([1, 2, 3], ["a", "b", "c"]) == pytest.approx(1.0)


def test_eta_squared_equals_the_r2_of_a_regression_on_group_dummies():
    rng = np.random.default_rng(2)
    groups = rng.choice(["a", "b", "c", "d"], 400)
    spend = rng.gamma(2.0, 100.0, 400) + (groups == "b") * 60
    r2 = smf.ols("spend ~ C(group)", pd.DataFrame({"spend": spend, "group": groups})).fit().rsquared
    assert eta_squared(pd.Series(spend), pd.Series(groups)) == pytest.approx(r2)


@pytest.mark.parametrize(
    ("values", "groups", "message"),
    [
        ([1, 1, 1], ["a", "b", "a"], "do not vary"),
        ([1, np.nan, 2], ["a", "b", "a"], "values has 1 missing"),
        ([1, 2, 3], ["a", None, "a"], "groups has 1 missing"),
        (["1", "2"], ["a", "b"], "numeric"),
        ([1, 2], ["a"], "differ in length"),
    ],
)
def test_eta_squared_rejects_bad_input(values, groups, message):
    with pytest.raises(ValueError, match=message):
        eta_squared(values, groups)


# --------------------------------------------------------------------------- profiles


@pytest.fixture
def shop() -> dict[str, pd.DataFrame]:
    """Five members in two segments; member 3 never ordered, member 5 only after a cancel."""
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "segment": list("aaabb")})
    orders = pd.DataFrame(
        [
            (101, 1, "store", "completed", 100.0),
            (102, 1, "app", "completed", 50.0),
            (103, 1, "app", "returned", 80.0),
            (104, 2, "store", "completed", 30.0),
            (105, 4, "mini_program", "completed", 200.0),
            (106, 5, "group_buy", "cancelled", 40.0),
            (107, 9, "store", "completed", 999.0),  # not a member of this table
            (108, 5, "store", "completed", 60.0),
        ],
        columns=["order_id", "customer_id", "channel", "status", "net_amount"],
    )
    order_items = pd.DataFrame(
        [
            (101, "veg", 60.0),
            (101, "snack", 40.0),
            (102, "snack", 50.0),
            (103, "veg", 80.0),
            (104, "veg", 30.0),
            (105, "meat", 200.0),
            (108, "veg", 60.0),
        ],
        columns=["order_id", "product_id", "line_amount"],
    )
    products = pd.DataFrame(
        {"product_id": ["veg", "snack", "meat"], "category": ["fresh", "snacks", "meat"]}
    )
    return {
        "customers": customers,
        "orders": orders,
        "order_items": order_items,
        "products": products,
    }


def _t_interval(values, confidence=0.95):
    values = np.asarray(values, dtype=float)
    half = stats.t.ppf((1 + confidence) / 2, len(values) - 1) * values.std(ddof=1)
    half /= math.sqrt(len(values))
    return values.mean() - half, values.mean() + half


def test_segment_profile_hand_computed(shop):
    profile = segment_profile(shop["customers"], shop["orders"], "segment")
    assert profile.index.tolist() == ["a", "b"] and profile.index.name == "segment"
    a, b = profile.loc["a"], profile.loc["b"]
    assert (a["members"], a["buyers"], b["members"], b["buyers"]) == (3, 2, 2, 2)
    assert a["buyer_share"] == pytest.approx(2 / 3)
    # Spend per member, the member without orders counted with 0: (150 + 30 + 0) / 3.
    assert a["spend_mean"] == pytest.approx(60.0)
    assert (a["spend_low"], a["spend_high"]) == pytest.approx(_t_interval([150, 30, 0]))
    assert a["spend_median"] == pytest.approx(30.0)
    assert a["spend_sd"] == pytest.approx(np.std([150, 30, 0], ddof=1))
    assert b["spend_mean"] == pytest.approx(130.0)
    assert a["frequency_mean"] == pytest.approx(1.0)
    assert (a["frequency_low"], a["frequency_high"]) == pytest.approx(_t_interval([2, 1, 0]))
    assert (b["frequency_low"], b["frequency_high"]) == (1.0, 1.0)  # no spread, no doubt
    assert a["order_value_mean"] == pytest.approx(60.0)
    assert (a["order_value_low"], a["order_value_high"]) == pytest.approx(
        _t_interval([100, 50, 30])
    )
    assert a["channel_store"] == pytest.approx(2 / 3) and a["channel_app"] == pytest.approx(1 / 3)
    assert b["channel_store"] == pytest.approx(0.5)
    assert b["channel_mini_program"] == pytest.approx(0.5)
    assert b["channel_group_buy"] == 0.0  # the cancelled order does not count
    assert [c for c in profile.columns if c.startswith("channel_")] == [
        "channel_store",
        "channel_app",
        "channel_mini_program",
        "channel_group_buy",
    ]
    assert profile["members"].dtype == "int64"


def test_mistake_members_without_orders_dropped_from_the_profile(shop):
    sales = shop["orders"][shop["orders"]["status"] == "completed"]
    spend = sales.groupby("customer_id")["net_amount"].sum()
    joined = shop["customers"].join(spend, on="customer_id", how="inner")  # member 3 is gone
    wrong = joined.groupby("segment")["net_amount"].mean()
    right = segment_profile(shop["customers"], shop["orders"], "segment")["spend_mean"]
    assert wrong["a"] == pytest.approx(90.0)
    assert right["a"] == pytest.approx(60.0)


def test_mistake_averages_without_intervals_read_as_differences(shop):
    profile = segment_profile(shop["customers"], shop["orders"], "segment")
    # 130 vs 60 looks like a difference; the intervals overlap, so the data do not show one.
    assert profile.loc["b", "spend_mean"] > profile.loc["a", "spend_mean"]
    assert profile.loc["b", "spend_low"] < profile.loc["a", "spend_high"]


def test_segment_profile_category_mix(shop):
    profile = segment_profile(
        shop["customers"],
        shop["orders"],
        "segment",
        order_items=shop["order_items"],
        products=shop["products"],
    )
    assert profile.loc["a", "category_fresh"] == pytest.approx(90 / 180)  # returned line ignored
    assert profile.loc["a", "category_snacks"] == pytest.approx(90 / 180)
    assert profile.loc["a", "category_meat"] == 0.0
    assert profile.loc["b", "category_meat"] == pytest.approx(200 / 260)
    categories = profile.filter(like="category_")
    np.testing.assert_allclose(categories.sum(axis=1), 1.0)


def test_segment_profile_bootstrap_is_reproducible_and_resamples_members(shop):
    many = pd.concat(
        [shop["customers"].assign(customer_id=shop["customers"]["customer_id"] + 10 * k)
         for k in range(8)]
    )  # fmt: skip
    orders = pd.concat(
        [shop["orders"].assign(customer_id=shop["orders"]["customer_id"] + 10 * k,
                               order_id=shop["orders"]["order_id"] + 1000 * k,
                               net_amount=shop["orders"]["net_amount"] * (1 + k / 10))
         for k in range(8)]
    )  # fmt: skip
    first = segment_profile(many, orders, "segment", interval="bootstrap", seed=4)
    again = segment_profile(many, orders, "segment", interval="bootstrap", seed=4)
    other = segment_profile(many, orders, "segment", interval="bootstrap", seed=5)
    t_based = segment_profile(many, orders, "segment")
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    for measure in ("spend", "frequency", "order_value"):
        row = first.loc["a"]
        assert row[f"{measure}_low"] <= row[f"{measure}_mean"] <= row[f"{measure}_high"]
    assert first.loc["a", "spend_mean"] == t_based.loc["a", "spend_mean"]
    assert first.loc["a", "spend_low"] != t_based.loc["a", "spend_low"]


def test_segment_profile_keeps_categorical_order_and_every_member():
    from coursekit.synth import generate_world

    world = generate_world(n_customers=300, seed=21)
    customers = world.customers.assign(life_stage=life_stage(world.customers))
    profile = segment_profile(customers, world.orders, "life_stage")
    observed = [c for c in customers["life_stage"].cat.categories if c in set(customers.life_stage)]
    assert profile.index.tolist() == observed
    assert profile["members"].sum() == len(customers)
    completed = world.orders[world.orders["status"] == "completed"]
    total = (profile["spend_mean"] * profile["members"]).sum()
    assert total == pytest.approx(completed["net_amount"].sum())


def test_member_spend_counts_members_without_orders_as_zero(shop):
    customers = shop["customers"].set_index(pd.Index(list("vwxyz")))
    spend = member_spend(customers, shop["orders"])
    # Member 1: 100 + 50 (the returned order does not count); 3 never ordered; 5's cancelled
    # order does not count; the order of customer 9, not a member here, is ignored.
    assert spend.tolist() == [150.0, 30.0, 0.0, 200.0, 60.0]
    assert spend.index.equals(customers.index) and spend.name == "spend"
    profile = segment_profile(shop["customers"], shop["orders"], "segment")
    by_segment = spend.groupby(customers["segment"].to_numpy()).mean()
    assert by_segment.tolist() == pytest.approx(profile["spend_mean"].tolist())


def test_main_channel_breaks_ties_in_the_channel_order(shop):
    orders = pd.concat(
        [
            shop["orders"],
            pd.DataFrame(
                [(109, 2, "app", "completed", 10.0), (110, 4, "group_buy", "completed", 5.0)],
                columns=shop["orders"].columns,
            ),
        ]
    )
    channel = main_channel(shop["customers"], orders)
    # 1: store 1, app 1 -> store (first in CHANNELS); 2: store 1, app 1 -> store;
    # 3: no order; 4: mini_program 1, group_buy 1 -> mini_program; 5: store (cancelled
    # group_buy ignored).
    assert channel.astype(object).where(channel.notna(), None).tolist() == [
        "store", "store", None, "mini_program", "store",
    ]  # fmt: skip
    assert list(channel.cat.categories) == ["store", "app", "mini_program", "group_buy"]
    assert channel.name == "main_channel" and channel.index.equals(shop["customers"].index)
    shuffled = orders.sample(frac=1.0, random_state=3)
    pd.testing.assert_series_equal(main_channel(shop["customers"], shuffled), channel)


def test_main_channel_and_member_spend_reject_bad_input(shop):
    customers, orders = shop["customers"], shop["orders"]
    with pytest.raises(ValueError, match="duplicate customer_id"):
        member_spend(customers.assign(customer_id=[1, 1, 3, 4, 5]), orders)
    with pytest.raises(ValueError, match=r"\['channel'\]"):
        main_channel(customers, orders.drop(columns="channel"))
    with pytest.raises(ValueError, match="net_amount"):
        member_spend(customers, orders.assign(net_amount="12"))
    with pytest.raises(TypeError, match="DataFrame"):
        member_spend(customers["customer_id"], orders)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["customers"].assign(segment=[None, "a", "a", "b", "b"]), "missing value"),
        (lambda s: s["customers"].assign(customer_id=[1, 1, 3, 4, 5]), "duplicate customer_id"),
        (lambda s: s["customers"].drop(columns="segment"), r"\['segment'\]"),
    ],
)
def test_segment_profile_rejects_bad_customers(shop, change, message):
    with pytest.raises(ValueError, match=message):
        segment_profile(change(shop), shop["orders"], "segment")


def test_segment_profile_rejects_bad_orders_and_options(shop):
    customers, orders = shop["customers"], shop["orders"]
    with pytest.raises(ValueError, match=r"\['channel'\]"):
        segment_profile(customers, orders.drop(columns="channel"), "segment")
    with pytest.raises(ValueError, match="net_amount"):
        segment_profile(customers, orders.assign(net_amount="12"), "segment")
    with pytest.raises(ValueError, match="both order_items and products"):
        segment_profile(customers, orders, "segment", order_items=shop["order_items"])
    with pytest.raises(ValueError, match="interval"):
        segment_profile(customers, orders, "segment", interval="normal")
    with pytest.raises(ValueError, match="confidence"):
        segment_profile(customers, orders, "segment", confidence=95)
    unknown_product = shop["order_items"].assign(product_id="tofu")
    with pytest.raises(ValueError, match="not in products"):
        segment_profile(
            customers, orders, "segment", order_items=unknown_product, products=shop["products"]
        )
