"""What is specific to the problems of module 04 (``coursekit.exercises.psychographic``).

The generic harness (``test_all_problems.py``) already proves, on two worlds, that each
reference passes, each catalogued mistake is named and explained in both languages, every
problem is checked in both notebooks and every shown solution solves. Here: other ways of
writing a right answer are accepted, and the wrong answers trainees actually write (not
only the catalogued ``produce``) get the right mistake name or a specific message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit import course
from coursekit.exercises import psychographic as ex
from coursekit.methods.psychographic import (
    AGREE_LABELS,
    cronbach_alpha,
    fit_efa,
    likert_to_numbers,
    order_behaviour,
    poststratified_share,
    reverse_key,
    standardize,
)

LABELS = {"非常不同意": 1, "不同意": 2, "一般": 3, "同意": 4, "非常同意": 5,
          "非常不重要": 1, "不重要": 2, "重要": 4, "非常重要": 5}  # fmt: skip


def wrong(problem, answer) -> str | None:
    """The mistake an incorrect answer is named as (None: incorrect, not recognised)."""
    feedback = problem.check(answer, record=False)
    assert feedback.status == "incorrect", feedback.message
    return feedback.mistake


def right(problem, answer) -> None:
    feedback = problem.check(answer, record=False)
    assert feedback.status == "correct", feedback.message


@pytest.fixture
def notebook(course_world) -> dict:
    """The notebook's variables at each exercise, from the references, on two worlds."""
    survey_items = course.load("survey_items")
    attitude = survey_items.loc[survey_items["block"] == "attitude", "item"].tolist()
    benefit = survey_items.loc[survey_items["block"] == "benefit", "item"].tolist()
    export = pd.read_csv(
        course.data_dir() / "raw" / "survey_export.csv", encoding="utf-8-sig", dtype={"手机号": str}
    )
    survey = course.load("survey").set_index("customer_id")
    clean = ex.q2.expected().set_index("customer_id")
    keyed = ex.q3.expected().set_index("customer_id")
    reversed_items = survey_items.loc[survey_items["reverse_keyed"], "item"].tolist()
    construct_of = survey_items.set_index("item")["construct"]
    scales = {
        construct: construct_of.index[construct_of == construct].tolist()
        for construct in ex.q5.expected().index
    }
    return {
        "survey_items": survey_items,
        "attitude": attitude,
        "benefit": benefit,
        "export": export,
        "questions": [column for column in export.columns if column[0].isdigit()],
        "survey": survey,
        "clean": clean,
        "keyed": keyed,
        "reversed_items": reversed_items,
        "construct_of": construct_of,
        "scales": scales,
    }


# ---------------------------------------------------------------------------- the module


def test_module_layout():
    assert ex.NOTEBOOK == "04_psychographic"
    assert [p.id for p in ex.PROBLEMS] == [f"psychographic.q{n}" for n in range(1, 11)]
    assert len({p.var for p in ex.PROBLEMS}) == len(ex.PROBLEMS)
    assert {"value", "function", "choice"} <= {p.kind for p in ex.PROBLEMS}
    assert all(len(p.hint_texts()) >= 2 for p in ex.PROBLEMS)


def test_the_named_mistakes_of_the_issue_are_all_there():
    names = {(p.name, m.name) for p in ex.PROBLEMS for m in p.mistakes}
    assert {
        ("q1", "skipped_as_zero"),
        ("q2", "straight_liners_and_incomplete_kept"),
        ("q3", "reverse_items_not_recoded"),  # or recoded twice
        ("q3", "recoded_as_minus_x"),
        ("q5", "recoded_twice"),  # alpha near zero without keying
        ("q5", "alpha_over_all_items"),
        ("q6", "covariance_eigenvalues"),
        ("q8", "unscaled_scores"),
        ("q10", "respondent_share_as_member_share"),
    } <= names


def test_references_follow_the_data_in_use(notebook):
    survey, clean = notebook["survey"], notebook["clean"]
    attitude = notebook["attitude"]
    assert len(ex.q1.expected()) == len(notebook["export"])
    assert 0 < len(clean) < len(survey)
    assert clean[attitude].notna().all().all()
    assert (clean[attitude].nunique(axis=1) > 1).all()
    assert ex.q6.expected().sum() == pytest.approx(len(attitude))
    assert 0 < ex.q10.expected() < 1


# ---------------------------------------------------------------------------- q1


def test_q1_other_ways_to_map_the_labels(notebook):
    export, questions = notebook["export"], notebook["questions"]
    items = notebook["survey_items"]["item"].tolist()
    right(ex.q1, export[questions].replace(LABELS).set_axis(items, axis=1))
    mapped = export[questions].apply(lambda answers: answers.map(LABELS)).set_axis(items, axis=1)
    right(ex.q1, mapped.astype("Int64"))
    right(ex.q1, likert_to_numbers(export, notebook["survey_items"]))  # with bookkeeping


def test_q1_wrong_labels_as_trainees_write_them(notebook):
    export, questions = notebook["export"], notebook["questions"]
    items = notebook["survey_items"]["item"].tolist()
    mapped = export[questions].apply(lambda answers: answers.map(LABELS)).set_axis(items, axis=1)
    assert wrong(ex.q1, mapped.fillna(0).astype(int)) == "skipped_as_zero"
    assert wrong(ex.q1, 6 - mapped) == "scale_reversed"
    agree = {label: number for label, number in LABELS.items() if label in AGREE_LABELS}
    # `replace` leaves the importance labels as text, `map` makes them missing.
    by_replace = export[questions].replace(agree).set_axis(items, axis=1)
    assert wrong(ex.q1, by_replace) == "importance_labels_unmapped"
    by_map = export[questions].apply(lambda answers: answers.map(agree)).set_axis(items, axis=1)
    assert wrong(ex.q1, by_map) == "importance_labels_unmapped"
    codes = export[questions].apply(lambda answers: answers.astype("category").cat.codes + 1)
    assert wrong(ex.q1, codes.set_axis(items, axis=1)) == "alphabetical_codes"


def test_q1_question_text_as_column_names_says_which_are_missing(notebook):
    export, questions = notebook["export"], notebook["questions"]
    feedback = ex.q1.check(export[questions].apply(lambda answers: answers.map(LABELS)))
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert "Missing columns: q01, q02" in feedback.message


# ---------------------------------------------------------------------------- q2


def test_q2_other_ways_to_keep_the_right_rows(notebook):
    survey, attitude, benefit = notebook["survey"], notebook["attitude"], notebook["benefit"]
    straight = survey[attitude].nunique(axis=1) == 1
    complete = survey[attitude].notna().all(axis=1)
    right(ex.q2, survey[~straight & complete])  # the key as the index
    right(ex.q2, survey[~straight & complete].reset_index().sample(frac=1.0, random_state=0))
    # the spread of a row instead of its distinct answers
    right(ex.q2, survey.dropna(subset=attitude).loc[lambda d: d[attitude].std(axis=1) > 0])
    # straight-lining over every item: those who vary only on benefits stay out anyway
    right(ex.q2, survey[survey[attitude + benefit].nunique(axis=1) > 1].dropna(subset=attitude))


def test_q2_wrong_filters_as_trainees_write_them(notebook):
    survey, attitude = notebook["survey"], notebook["attitude"]
    assert wrong(ex.q2, survey.dropna()) == "dropna_only"
    assert wrong(ex.q2, survey.dropna(subset=attitude)) == "straight_liners_kept"
    # distinct values over the whole row (dates and benefits included): nobody is found
    whole_row = survey[survey.nunique(axis=1) > 1].dropna(subset=attitude)
    assert wrong(ex.q2, whole_row) == "straight_liners_kept"
    varied = survey.dropna()[lambda d: d[attitude].nunique(axis=1) > 1]
    assert wrong(ex.q2, varied) == "benefit_gaps_dropped"
    assert wrong(ex.q2, survey[survey[attitude].nunique(axis=1) > 1]) == "incomplete_kept"
    assert wrong(ex.q2, survey.reset_index()) == "straight_liners_and_incomplete_kept"


def test_q2_only_the_attitude_columns_is_incomplete(notebook):
    clean = notebook["clean"]
    feedback = ex.q2.check(clean[notebook["attitude"]], record=False)
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert "Missing columns: response_date, b01" in feedback.message


# ---------------------------------------------------------------------------- q3


def test_q3_other_ways_to_recode(notebook):
    clean, reversed_items = notebook["clean"], notebook["reversed_items"]
    right(ex.q3, reverse_key(clean, reversed_items))
    right(ex.q3, clean.assign(**{item: 6 - clean[item] for item in reversed_items}).reset_index())
    flipped = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
    right(ex.q3, clean.assign(**{item: clean[item].map(flipped) for item in reversed_items}))
    # as floats: the dtype does not matter
    right(ex.q3, clean.assign(**{item: 6.0 - clean[item].astype(float) for item in reversed_items}))


def test_q3_wrong_recodings_as_trainees_write_them(notebook):
    clean, reversed_items = notebook["clean"], notebook["reversed_items"]
    twice = clean.copy()
    for _ in range(2):  # the cell run twice
        for item in reversed_items:
            twice[item] = 6 - twice[item]
    assert wrong(ex.q3, twice) == "reverse_items_not_recoded"
    assert wrong(ex.q3, clean) == "reverse_items_not_recoded"
    assert wrong(ex.q3, clean.assign(**{i: -clean[i] for i in reversed_items})) == (
        "recoded_as_minus_x"
    )
    assert wrong(ex.q3, clean.assign(**{i: 5 - clean[i] for i in reversed_items})) == (
        "recoded_as_five_minus_x"
    )
    every = clean.assign(**{item: 6 - clean[item] for item in notebook["attitude"]})
    assert wrong(ex.q3, every) == "every_item_recoded"


# ---------------------------------------------------------------------------- q4


def numpy_alpha(items):
    values = items.dropna().to_numpy(dtype=float)
    k = values.shape[1]
    return k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / values.sum(axis=1).var(ddof=1))


def population_alpha(items):
    """ddof=0 everywhere: the ratio is the same."""
    values = items.dropna().to_numpy(dtype=float)
    k = values.shape[1]
    return k / (k - 1) * (1 - values.var(axis=0).sum() / values.sum(axis=1).var())


def covariance_alpha(items):
    """From the covariance matrix: its trace over its total."""
    cov = items.dropna().cov().to_numpy()
    k = len(cov)
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def test_q4_other_right_functions(course_world):
    for function in (numpy_alpha, population_alpha, covariance_alpha):
        right(ex.q4, function)


def test_q4_wrong_functions_as_trainees_write_them(course_world):
    def without_dropna(items):
        k = items.shape[1]
        return k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())

    def mixed_ddof(items):
        complete = items.dropna()
        k = complete.shape[1]
        item_variances = np.var(complete.to_numpy(), axis=0).sum()
        return k / (k - 1) * (1 - item_variances / complete.sum(axis=1).var())

    def standardized(items):
        r = items.dropna().corr().to_numpy()
        k = len(r)
        mean_r = (r.sum() - k) / (k * (k - 1))
        return k * mean_r / (1 + (k - 1) * mean_r)

    def no_correction(items):
        complete = items.dropna()
        return 1 - complete.var().sum() / complete.sum(axis=1).var()

    assert wrong(ex.q4, without_dropna) == "incomplete_rows_kept"
    assert wrong(ex.q4, mixed_ddof) == "mixed_variance_ddof"
    assert wrong(ex.q4, standardized) == "standardized_alpha"
    assert wrong(ex.q4, no_correction) == "no_k_correction"


def test_q4_a_rounded_result_is_not_alpha(course_world):
    feedback = ex.q4.check(lambda items: round(numpy_alpha(items), 3), record=False)
    assert feedback.status == "incorrect"
    assert "expected 0.931765, got 0.932" in feedback.message


# ---------------------------------------------------------------------------- q5


def test_q5_other_layouts(notebook):
    keyed, scales = notebook["keyed"], notebook["scales"]
    alphas = pd.Series({construct: cronbach_alpha(keyed[items]) for construct, items in
                        scales.items()})  # fmt: skip
    right(ex.q5, alphas)
    right(ex.q5, alphas.sort_index())  # a groupby sorts the constructs
    right(ex.q5, alphas.round(3))
    right(ex.q5, alphas.to_frame("alpha"))


def test_q5_wrong_alphas_as_trainees_write_them(notebook):
    keyed, clean, survey = notebook["keyed"], notebook["clean"], notebook["survey"]
    scales, attitude = notebook["scales"], notebook["attitude"]
    as_answered = pd.Series({c: cronbach_alpha(clean[items]) for c, items in scales.items()})
    assert wrong(ex.q5, as_answered) == "recoded_twice"
    overall = cronbach_alpha(keyed[attitude])
    assert wrong(ex.q5, overall) == "alpha_over_all_items"
    assert wrong(ex.q5, pd.Series(overall, index=list(scales))) == "alpha_over_all_items"
    # straight-liners kept, on the respondents complete on q01-q20
    complete = reverse_key(survey[attitude].dropna(), notebook["reversed_items"])
    kept = pd.Series({c: cronbach_alpha(complete[items]) for c, items in scales.items()})
    assert wrong(ex.q5, kept) == "straight_liners_kept"


def test_q5_two_decimals_are_too_few(course_world):
    """Rounding to 2 decimals moves an alpha by up to 0.005, as much as a mistake."""
    feedback = ex.q5.check(ex.q5.expected().round(2), record=False)
    assert feedback.status == "incorrect"


# ---------------------------------------------------------------------------- q6


def test_q6_other_right_eigenvalues(notebook):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    keyed, attitude = notebook["keyed"], notebook["attitude"]
    values = np.linalg.eigvalsh(keyed[attitude].corr())[::-1]
    right(ex.q6, list(values))
    right(ex.q6, pd.Series(values, index=range(1, len(values) + 1)))
    right(ex.q6, np.sort(np.linalg.eigvals(keyed[attitude].astype(float).corr()))[::-1])
    # PCA on z-scores: the correlation eigenvalues times n / (n - 1)
    right(ex.q6, PCA().fit(StandardScaler().fit_transform(keyed[attitude])).explained_variance_)
    # Keying flips signs of correlations only: the eigenvalues are the same unkeyed.
    right(ex.q6, np.linalg.eigvalsh(notebook["clean"][attitude].astype(float).corr())[::-1])


def test_q6_wrong_eigenvalues_as_trainees_write_them(notebook):
    from sklearn.decomposition import PCA

    keyed, attitude = notebook["keyed"], notebook["attitude"]
    assert wrong(ex.q6, PCA().fit(keyed[attitude]).explained_variance_) == (
        "covariance_eigenvalues"
    )
    assert wrong(ex.q6, np.linalg.eigvalsh(keyed[attitude].corr())) == "ascending_order"
    feedback = ex.q6.check(ex.q6.expected()[:5], record=False)
    assert "Expected 20 items, got 5" in feedback.message


# ---------------------------------------------------------------------------- q7


def test_q7_letters(course_world):
    right(ex.q7, "B")
    assert wrong(ex.q7, "a") == "method_factor_read_as_attitude"
    assert wrong(ex.q7, "c") == "recoding_blamed"


def test_q7_the_sixth_factor_is_the_reverse_keyed_items():
    """What the explanation says holds on the course data: F6 of six factors is the R items.

    (On a 600-member world's 85 clean respondents the sixth factor is noise; the notebook
    runs on 5,000 members.)
    """
    course.setup(quiet=True)
    survey_items = course.load("survey_items")
    attitude = survey_items.loc[survey_items["block"] == "attitude", "item"].tolist()
    keyed = ex.q3.expected()[attitude]
    reversed_items = set(survey_items.loc[survey_items["reverse_keyed"], "item"])
    sixth = fit_efa(keyed, 6).loadings["F6"].abs()
    assert set(sixth.nlargest(len(reversed_items)).index) == reversed_items


# ---------------------------------------------------------------------------- q8


@pytest.fixture
def hybrid(notebook) -> pd.DataFrame:
    """The notebook's `hybrid`: five named factor scores and three behaviour measures."""
    from coursekit.methods.psychographic import factor_constructs

    items = notebook["keyed"][notebook["attitude"]]
    model = fit_efa(items, 5)
    names = factor_constructs(model.loadings, notebook["construct_of"])
    scores = model.scores(items).rename(columns=names.to_dict())
    behaviour = order_behaviour(course.load("orders"))
    return scores.join(behaviour[["online_share", "orders", "avg_order_value"]], how="inner")


def test_q8_other_ways_to_scale(hybrid):
    from sklearn.preprocessing import StandardScaler

    logged = hybrid.assign(
        orders=np.log(hybrid["orders"]), avg_order_value=np.log(hybrid["avg_order_value"])
    )
    right(ex.q8, standardize(logged))  # ddof=0
    right(ex.q8, StandardScaler().set_output(transform="pandas").fit_transform(logged))
    # log10 is ln / ln(10): standardizing removes the factor
    log10 = hybrid.assign(
        orders=np.log10(hybrid["orders"]), avg_order_value=np.log10(hybrid["avg_order_value"])
    )
    right(ex.q8, (log10 - log10.mean()) / log10.std())


def test_q8_wrong_features_as_trainees_write_them(hybrid):
    from sklearn.preprocessing import StandardScaler

    logged = hybrid.assign(
        orders=np.log(hybrid["orders"]), avg_order_value=np.log(hybrid["avg_order_value"])
    )
    assert wrong(ex.q8, logged) == "unscaled_scores"
    assert wrong(ex.q8, (hybrid - hybrid.mean()) / hybrid.std()) == "not_logged"
    assert wrong(ex.q8, hybrid) == "unscaled_and_not_logged"
    # a bare array loses the customers and the column names
    feedback = ex.q8.check(StandardScaler().fit_transform(logged), record=False)
    assert "Expected a DataFrame, got a value of type ndarray" in feedback.message


# ---------------------------------------------------------------------------- q9


@pytest.fixture
def segments(course_world) -> pd.Series:
    from coursekit.methods.psychographic import kmeans_segments

    return kmeans_segments(ex.q8.expected(), 6, seed=0)


def test_q9_other_ways_to_pair_the_labels(segments):
    from sklearn.metrics import adjusted_rand_score

    truth = course.load("truth").set_index("customer_id")
    right(ex.q9, adjusted_rand_score(segments, truth.loc[segments.index, "persona"]))
    joined = segments.to_frame().join(truth["persona"])
    right(ex.q9, round(adjusted_rand_score(joined["persona"], joined["segment"]), 3))


def test_q9_wrong_indices_as_trainees_write_them(segments):
    from sklearn.metrics import adjusted_rand_score, rand_score

    truth = course.load("truth")
    personas = truth.set_index("customer_id").loc[segments.index, "persona"]
    assert wrong(ex.q9, rand_score(personas, segments)) == "rand_index_not_adjusted"
    by_position = adjusted_rand_score(truth["persona"].iloc[: len(segments)], segments)
    assert wrong(ex.q9, by_position) == "rows_not_aligned"
    text = ex.q9.check(f"{ex.q9.expected():.3f}", record=False)
    assert "Expected a number, got a value of type str" in text.message


# ---------------------------------------------------------------------------- q10


@pytest.fixture
def health(notebook) -> tuple[pd.Series, pd.Series]:
    """The notebook's `health_minded` (per clean respondent) and `age_group` (per member)."""
    customers = course.load("customers").set_index("customer_id")
    age_group = ex.age_groups(customers["age"])
    health_items = notebook["scales"]["health_consciousness"]
    health_minded = notebook["keyed"][health_items].mean(axis=1) >= ex.HEALTH_CUT
    return health_minded, age_group


def test_q10_other_right_estimates(health):
    health_minded, age_group = health
    respondent_group = age_group.loc[health_minded.index]
    right(ex.q10, poststratified_share(health_minded, respondent_group, age_group))
    # each group's share weighted by the group's share of the members
    per_group = health_minded.groupby(respondent_group, observed=True).mean()
    right(ex.q10, float((per_group * age_group.value_counts(normalize=True)).sum()))
    right(ex.q10, round(ex.q10.expected(), 3))


def test_q10_wrong_estimates_as_trainees_write_them(health):
    health_minded, age_group = health
    respondent_group = age_group.loc[health_minded.index]
    ratio = respondent_group.value_counts(normalize=True) / age_group.value_counts(normalize=True)
    inverted = np.average(health_minded, weights=respondent_group.map(ratio).astype(float))
    assert wrong(ex.q10, inverted) == "weights_inverted"
    assert wrong(ex.q10, health_minded.mean()) == "respondent_share_as_member_share"
    assert wrong(ex.q10, health_minded.sum() / len(age_group)) == (
        "respondents_counted_over_members"
    )
    per_group = health_minded.groupby(respondent_group, observed=True).mean()
    assert wrong(ex.q10, per_group.mean()) == "age_groups_weighted_equally"
    percent = ex.q10.check(100 * ex.q10.expected(), record=False)
    assert "about 100 times the expected value" in percent.message
