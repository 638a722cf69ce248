"""What is specific to the problems of module 03 (``coursekit.exercises.demographic``).

The generic harness (``test_all_problems.py``) already proves, on two worlds, that each
reference passes, each catalogued mistake is named and explained in both languages, every
problem is checked in both notebooks and every shown solution solves. Here: other ways of
writing a right answer are accepted, and the wrong answers trainees actually write (not
only the catalogued ``produce``) get the right mistake name or a specific message.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from scipy.stats.contingency import association

from coursekit import course
from coursekit.exercises import demographic as ex
from coursekit.exercises.demographic import ____
from coursekit.methods.demographic import (
    age_band,
    birth_cohort,
    cramers_v,
    eta_squared,
    income_band,
    life_stage,
    main_channel,
    member_spend,
    segment_profile,
    tgi,
)

ROOT = Path(__file__).resolve().parents[2]
EDGES = [18, 25, 35, 45, 55, 65, np.inf]
LABELS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
DEMOGRAPHICS = ["age_band", "life_stage", "income_band", "city_tier"]


@pytest.fixture(scope="module")
def tables() -> dict:
    """The default world's customers (with the notebook's columns) and orders, once."""
    course.setup(data=ROOT / "datasets", quiet=True)
    customers = course.load("customers")
    orders = course.load("orders")
    customers = customers.assign(
        age_band=age_band(customers["age"]),
        cohort=birth_cohort(customers["birth_date"]),
        life_stage=life_stage(customers),
        income_band=income_band(customers["income_band"]),
        main_channel=main_channel(customers, orders),
        spend=member_spend(customers, orders),
    )
    return {"customers": customers, "orders": orders}


@pytest.fixture
def notebook(tables) -> dict:
    """The notebook's tables on the default world (fresh copies, course set up)."""
    course.setup(data=ROOT / "datasets", quiet=True)
    customers = tables["customers"].copy()
    orders = tables["orders"].copy()
    return {
        "customers": customers,
        "orders": orders,
        "completed": orders[orders["status"] == "completed"],
        "counts": pd.crosstab(customers["cohort"], customers["life_stage"]),
    }


def wrong(problem, answer) -> str | None:
    """The mistake an incorrect answer is named as (None: incorrect, not recognised)."""
    feedback = problem.check(answer)
    assert feedback.status == "incorrect", feedback.message
    return feedback.mistake


def right(problem, answer) -> None:
    feedback = problem.check(answer)
    assert feedback.status == "correct", feedback.message


# ---------------------------------------------------------------------------- the module


def test_module_layout():
    assert ex.NOTEBOOK == "03_demographic"
    assert [p.id for p in ex.PROBLEMS] == [f"demographic.q{n}" for n in range(1, 10)]
    assert len({p.var for p in ex.PROBLEMS}) == len(ex.PROBLEMS)
    assert {"value", "function", "choice", "open"} <= {p.kind for p in ex.PROBLEMS}
    assert all(len(p.hint_texts()) >= 2 for p in ex.PROBLEMS)


def test_the_named_mistakes_of_the_issue_are_all_there():
    names = {(p.name, m.name) for p in ex.PROBLEMS for m in p.mistakes}
    assert {
        ("q1", "upper_edge_included"),  # bands overlapping at an edge (pd.cut right=True)
        ("q1", "ages_left_out"),  # bands leaving gaps
        ("q2", "age_only"),  # life stage from age alone
        ("q3", "percent_not_fraction"),
        ("q4", "column_share"),  # TGI against the wrong base
        ("q4", "group_base"),
        ("q4", "not_times_100"),
        ("q5", "no_bias_correction"),  # Cramér's V without the small-table correction
        ("q5", "wrong_degrees_of_freedom"),
        ("q6", "members_without_orders_dropped"),
        ("q7", "means_read_as_differences"),  # averages without intervals
        ("q8", "members_without_orders_dropped"),
        ("q8", "percent_not_fraction"),
    } <= names


def test_the_notebook_states_the_time_limit_of_the_function_problem():
    cells = json.loads((ROOT / "solutions" / "03_demographic.ipynb").read_text("utf-8"))["cells"]
    text = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    assert ex.q2.time_limit_text("en") in text


def test_references_follow_the_data_in_use(small_world_dir):
    course.setup(quiet=True)
    default = (ex.q1.expected(), ex.q3.expected(), ex.q5.expected())
    course.setup(data=small_world_dir, quiet=True)
    customers = course.load("customers")
    assert len(ex.q1.expected()) == len(customers) < len(default[0])
    assert ex.q3.expected() != default[1]
    assert ex.q5.expected() != default[2]
    assert ex.q6.expected()["members"].sum() == len(customers)


# ---------------------------------------------------------------------------- q1 age bands


def test_q1_other_right_answers(notebook):
    age = notebook["customers"]["age"]
    right(ex.q1, pd.cut(age, EDGES, right=False, labels=LABELS))
    right(ex.q1, pd.cut(age, EDGES, right=False, labels=LABELS).astype(str))
    right(ex.q1, age_band(age))
    # Integer ages: (24, 34] is the same band as [25, 35), once the lowest edge is included.
    right(ex.q1, pd.cut(age, [17, 24, 34, 44, 54, 64, np.inf], labels=LABELS))
    conditions = [age < 25, age < 35, age < 45, age < 55, age < 65]
    right(ex.q1, pd.Series(np.select(conditions, LABELS[:-1], default="65+")))
    by_customer = notebook["customers"].set_index("customer_id")["age"]
    right(ex.q1, pd.cut(by_customer, EDGES, right=False, labels=LABELS))


def test_q1_pd_cut_defaults_and_overlapping_conditions(notebook):
    age = notebook["customers"]["age"]
    assert wrong(ex.q1, pd.cut(age, EDGES, labels=LABELS)) == "upper_edge_included"
    # Overlapping hand-written bands, first match wins: 25 goes to "18-24".
    overlapping = [age <= 25, age <= 35, age <= 45, age <= 55, age <= 65]
    answer = pd.Series(np.select(overlapping, LABELS[:-1], default="65+"))
    assert wrong(ex.q1, answer) == "upper_edge_included"


def test_q1_gaps_of_every_kind(notebook):
    age = notebook["customers"]["age"]
    youngest_lost = pd.cut(age, [18, 24, 34, 44, 54, 64, np.inf], labels=LABELS)
    assert wrong(ex.q1, youngest_lost) == "ages_left_out"
    no_last_band = pd.cut(age, [18, 25, 35, 45, 55, 65], right=False, labels=LABELS[:-1])
    assert wrong(ex.q1, no_last_band) == "ages_left_out"
    as_labelled = pd.IntervalIndex.from_tuples(
        [(18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 120)]
    )  # (18, 24], (25, 34] ...: the 25-year-olds fall between two bands
    gaps = pd.cut(age, as_labelled).cat.rename_categories(LABELS)
    assert wrong(ex.q1, gaps.astype(str).replace("nan", None)) == "ages_left_out"


def test_q1_other_labels_are_not_a_named_mistake(notebook):
    answer = pd.cut(notebook["customers"]["age"], EDGES, right=False)  # intervals, no labels
    assert wrong(ex.q1, answer) is None


# ---------------------------------------------------------------------------- q2 life stage


def _rules(customers, order, couple_needs_no_children=False):
    conditions = {
        "retired": customers["age"] >= 60,
        "family_with_children": customers["has_children"],
        "empty_nest": customers["age"] >= 45,
        "single": customers["household_size"] == 1,
        "couple": customers["household_size"] >= 2,
    }
    if couple_needs_no_children:
        conditions["couple"] = (customers["household_size"] == 2) & ~customers["has_children"]
    chosen = np.select([conditions[c] for c in order], order, default="couple")
    return pd.Series(chosen, index=customers.index)


def test_q2_a_row_by_row_function_is_right(small_world_dir):
    def stage_of(customers):
        def one(row):
            if row["age"] >= 60:
                return "retired"
            if row["has_children"]:
                return "family_with_children"
            if row["age"] >= 45:
                return "empty_nest"
            return "single" if row["household_size"] == 1 else "couple"

        return customers.apply(one, axis=1)

    course.setup(data=small_world_dir, quiet=True)
    right(ex.q2, stage_of)


def test_q2_the_placeholder_of_the_student_notebook_is_not_attempted():
    def stage_of(customers):
        return ____

    course.setup(quiet=True)
    assert ex.q2.check(stage_of).status == "not_attempted"


def test_q2_wrong_rule_orders_are_named():
    course.setup(quiet=True)
    order = ["retired", "empty_nest", "family_with_children", "single", "couple"]
    assert wrong(ex.q2, lambda c: _rules(c, order)) == "empty_nest_with_children"
    life_course = ["single", "couple", "family_with_children", "empty_nest", "retired"]
    assert wrong(ex.q2, lambda c: _rules(c, life_course)) == "rules_out_of_order"
    # Without the couple's no-children condition it is still the order that is wrong.
    assert (
        wrong(ex.q2, lambda c: _rules(c, life_course, couple_needs_no_children=True))
        == "rules_out_of_order"
    )


def test_q2_stages_by_age_bands_are_age_only():
    def stage_of(customers):
        stage = pd.cut(
            customers["age"],
            [0, 30, 45, 60, np.inf],
            right=False,
            labels=["single", "family_with_children", "empty_nest", "retired"],
        )
        return pd.Series(stage.astype(str), index=customers.index)

    course.setup(quiet=True)
    assert wrong(ex.q2, stage_of) == "age_only"


def test_q2_losing_the_index_is_incorrect_but_no_named_mistake():
    order = ["retired", "family_with_children", "empty_nest", "single", "couple"]

    def stage_of(customers):
        return _rules(customers, order).reset_index(drop=True)

    course.setup(quiet=True)
    feedback = ex.q2.check(stage_of)
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert "passes 2 of 4 test cases" in feedback.message
    assert "Unexpected rows: 8, e.g. customer_id=0" in feedback.message


# ---------------------------------------------------------------------------- q3 shares


def test_q3_other_right_answers(notebook):
    customers = notebook["customers"]
    born = customers["birth_date"].dt.year.between(1980, 1999)
    right(ex.q3, (customers.loc[born, "life_stage"] == "family_with_children").mean())
    right(ex.q3, float(customers.loc[born, "has_children"].mean()))  # none is retired yet
    right(ex.q3, round(ex.q3.expected(), 3))
    shares = pd.crosstab(born, customers["life_stage"], normalize="index")
    right(ex.q3, shares.loc[True, "family_with_children"])


def test_q3_wrong_directions_and_bases(notebook):
    customers = notebook["customers"]
    born = customers["cohort"].isin(["80后", "90后"])
    family = customers["life_stage"] == "family_with_children"
    assert wrong(ex.q3, 100 * family[born].mean()) == "percent_not_fraction"
    assert wrong(ex.q3, round(100 * family[born].mean(), 1)) == "percent_not_fraction"
    by_column = pd.crosstab(born, customers["life_stage"], normalize="columns")
    assert wrong(ex.q3, by_column.loc[True, "family_with_children"]) == "column_share"
    assert wrong(ex.q3, (born & family).mean()) == "share_of_all_members"
    bands = customers["age_band"].isin(["25-34", "35-44"])
    assert wrong(ex.q3, family[bands].mean()) == "age_bands_not_birth_years"


def test_q3_rounding_to_two_decimals_is_said(notebook):
    feedback = ex.q3.check(round(ex.q3.expected(), 2))
    assert feedback.status == "incorrect"
    assert "rounded to 2 decimal place(s)" in feedback.message


# ---------------------------------------------------------------------------- q4 TGI


def test_q4_other_right_answers(notebook):
    customers, counts = notebook["customers"], notebook["counts"]
    right(ex.q4, tgi(counts))
    row_share = pd.crosstab(customers["cohort"], customers["life_stage"], normalize="index")
    base_share = customers["life_stage"].value_counts(normalize=True)
    right(ex.q4, row_share / base_share * 100)
    right(ex.q4, (row_share / base_share * 100).round(1).reset_index())
    right(ex.q4, tgi(counts).iloc[::-1])


def test_q4_wrong_bases_as_trainees_write_them(notebook):
    customers = notebook["customers"]
    column_share = pd.crosstab(customers["cohort"], customers["life_stage"], normalize="columns")
    base_share = customers["life_stage"].value_counts(normalize=True)
    assert wrong(ex.q4, column_share / base_share * 100) == "column_share"
    row_share = pd.crosstab(customers["cohort"], customers["life_stage"], normalize="index")
    group_base = customers["cohort"].value_counts(normalize=True)
    assert wrong(ex.q4, row_share.div(group_base, axis=0) * 100) == "group_base"
    assert wrong(ex.q4, row_share / base_share) == "not_times_100"
    assert wrong(ex.q4, row_share) == "shares_not_index"
    assert wrong(ex.q4, row_share * 100) is None  # percent shares: not an index either


def test_q4_margins_and_transposed_tables_are_incorrect(notebook):
    customers = notebook["customers"]
    with_margins = pd.crosstab(customers["cohort"], customers["life_stage"], margins=True)
    row_share = with_margins.div(with_margins["All"], axis=0)
    feedback = ex.q4.check(row_share.div(row_share.loc["All"], axis=1) * 100)
    assert feedback.status == "incorrect"
    assert "All" in feedback.message
    transposed = ex.q4.check(tgi(notebook["counts"]).T)
    assert transposed.status == "incorrect" and "Missing columns" in transposed.message


# ---------------------------------------------------------------------------- q5 Cramér's V


@pytest.fixture
def target(notebook) -> pd.DataFrame:
    customers = notebook["customers"]
    chosen = (
        customers["cohort"].isin(["80后", "90后"])
        & (customers["life_stage"] == "family_with_children")
        & customers["main_channel"].notna()
    )
    return customers[chosen]


def test_q5_other_right_answers(target):
    right(ex.q5, cramers_v(target["city_tier"], target["main_channel"]))
    right(ex.q5, round(cramers_v(target["city_tier"], target["main_channel"]), 4))
    by_text = cramers_v(target["city_tier"].astype(str), target["main_channel"].astype(str))
    right(ex.q5, np.float64(by_text))


def test_q5_scipy_and_the_degrees_of_freedom(target):
    table = pd.crosstab(target["city_tier"], target["main_channel"])
    assert wrong(ex.q5, association(table, method="cramer")) == "no_bias_correction"
    chi2 = stats.chi2_contingency(table).statistic  # Yates' correction: none for 4 x 4
    n = table.to_numpy().sum()
    assert wrong(ex.q5, np.sqrt(chi2 / n / 3)) == "no_bias_correction"
    assert wrong(ex.q5, np.sqrt(chi2 / n / 9)) == "wrong_degrees_of_freedom"
    corrected = max(0, chi2 / n - 9 / (n - 1))
    assert wrong(ex.q5, np.sqrt(corrected / 9)) == "wrong_degrees_of_freedom"


def test_q5_the_whole_base_instead_of_the_target(notebook):
    buyers = notebook["customers"].dropna(subset=["main_channel"])
    assert wrong(ex.q5, cramers_v(buyers["city_tier"], buyers["main_channel"])) == (
        "whole_base_not_target"
    )
    uncorrected = cramers_v(buyers["city_tier"], buyers["main_channel"], correction=False)
    assert wrong(ex.q5, uncorrected) == "whole_base_not_target"


# ---------------------------------------------------------------------------- q6 profile


def _profile_by_hand(spend: pd.Series, stage: pd.Series, z: float | None = None):
    by_stage = spend.groupby(stage, observed=True)
    n, mean = by_stage.size(), by_stage.mean()
    quantile = stats.t.ppf(0.975, n - 1) if z is None else z
    half = quantile * by_stage.sem()
    return pd.DataFrame(
        {"members": n, "spend_mean": mean, "spend_low": mean - half, "spend_high": mean + half}
    )


def test_q6_other_right_answers(notebook):
    customers, orders = notebook["customers"], notebook["orders"]
    full = segment_profile(customers, orders, "life_stage")
    right(ex.q6, full)  # every column of the profile
    right(ex.q6, full[["members", "spend_mean", "spend_low", "spend_high"]].reset_index())
    right(ex.q6, _profile_by_hand(customers["spend"], customers["life_stage"], z=1.96))
    right(ex.q6, _profile_by_hand(customers["spend"], customers["life_stage"]).round(2))
    # statsmodels' t-interval, stage by stage
    rows = {}
    for stage, spend in customers.groupby("life_stage", observed=True)["spend"]:
        low, high = smf.ols("spend ~ 1", spend.to_frame()).fit().conf_int().iloc[0]
        rows[stage] = {"members": len(spend), "spend_mean": spend.mean(), "spend_low": low,
                       "spend_high": high}  # fmt: skip
    right(ex.q6, pd.DataFrame.from_dict(rows, orient="index").rename_axis("life_stage"))


def test_q6_the_inner_join_drops_members(notebook):
    customers, completed = notebook["customers"], notebook["completed"]
    spend = completed.groupby("customer_id", as_index=False)["net_amount"].sum()
    joined = customers.drop(columns="spend").merge(spend, on="customer_id")  # inner
    answer = _profile_by_hand(joined["net_amount"], joined["life_stage"])
    assert wrong(ex.q6, answer) == "members_without_orders_dropped"


def test_q6_every_status_and_sd_intervals(notebook):
    customers, orders = notebook["customers"], notebook["orders"]
    everything = customers["customer_id"].map(orders.groupby("customer_id")["net_amount"].sum())
    answer = _profile_by_hand(everything.fillna(0), customers["life_stage"])
    assert wrong(ex.q6, answer) == "statuses_kept"
    sd_based = _profile_by_hand(customers["spend"], customers["life_stage"], z=1.96)
    sd = customers.groupby("life_stage", observed=True)["spend"].std()
    sd_based["spend_low"] = sd_based["spend_mean"] - 1.96 * sd
    sd_based["spend_high"] = sd_based["spend_mean"] + 1.96 * sd
    assert wrong(ex.q6, sd_based) == "interval_from_sd"
    t_sd = _profile_by_hand(customers["spend"], customers["life_stage"])
    t_sd["spend_low"] = t_sd["spend_mean"] - stats.t.ppf(0.975, t_sd["members"] - 1) * sd
    assert wrong(ex.q6, t_sd.reset_index()) == "interval_from_sd"


def test_q6_bare_means_are_missing_their_intervals(notebook):
    customers = notebook["customers"]
    means = customers.groupby("life_stage", observed=True)["spend"].agg(
        members="size", spend_mean="mean"
    )
    feedback = ex.q6.check(means)
    assert feedback.status == "incorrect"
    assert "Missing columns: spend_low, spend_high." in feedback.message


# ---------------------------------------------------------------------------- q7, q9


def test_q7_each_wrong_reading_is_named():
    course.setup(quiet=True)
    assert wrong(ex.q7, "a") == "means_read_as_differences"
    assert wrong(ex.q7, "c") == "no_evidence_read_as_equal"
    assert wrong(ex.q7, "d") == "mean_describes_every_member"
    right(ex.q7, "B")


def test_q9_a_memo_is_recorded_for_review_and_a_line_is_too_short():
    course.setup(quiet=True)
    memo = (
        "80后 families over-index on families with children (TGI 136) and spend more per "
        "member than singles and couples, with intervals that do not overlap; first-tier "
        "families order on the app. But life stage explains under 3% of spend and the target "
        "mixes several personas. Test a weekend family bundle on the app in tier 1-2 cities "
        "and in group-buy chats elsewhere against a random holdout, measuring spend per member."
    )
    feedback = ex.q9.check(memo)
    assert feedback.status == "correct" and feedback.manual_review
    assert wrong(ex.q9, "Aim at 80后 families.") == "too_short"


# ---------------------------------------------------------------------------- q8 eta squared


def test_q8_other_right_answers(notebook):
    customers = notebook["customers"]
    right(
        ex.q8, pd.Series({c: eta_squared(customers["spend"], customers[c]) for c in DEMOGRAPHICS})
    )
    by_regression = {
        c: smf.ols(f"spend ~ C({c})", customers[["spend", c]]).fit().rsquared for c in DEMOGRAPHICS
    }
    right(ex.q8, pd.Series(by_regression).iloc[::-1].round(5))


def test_q8_wrong_answers_trainees_write(notebook):
    customers = notebook["customers"]
    eta2 = pd.Series({c: eta_squared(customers["spend"], customers[c]) for c in DEMOGRAPHICS})
    assert wrong(ex.q8, (eta2 * 100).round(2)) == "percent_not_fraction"
    buyers = customers[customers["spend"] > 0]
    on_buyers = pd.Series({c: eta_squared(buyers["spend"], buyers[c]) for c in DEMOGRAPHICS})
    assert wrong(ex.q8, on_buyers) == "members_without_orders_dropped"
    # The city tier is a number in the table: a squared correlation is tempting there.
    linear_tier = eta2.copy()
    linear_tier["city_tier"] = customers["spend"].corr(customers["city_tier"]) ** 2
    assert wrong(ex.q8, linear_tier) == "categories_as_numbers"
    assert wrong(ex.q8, eta2.drop("city_tier")) is None
