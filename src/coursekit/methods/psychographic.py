"""Psychographic segmentation (心理特征细分), the reference methods of module 04.

From the raw questionnaire export to attitude scales and factors:

1. **Clean the export.** :func:`likert_to_numbers` turns the text answers of the
   questionnaire platform (非常不同意 … 非常同意; importance items 非常不重要 … 非常重要)
   into 1..5, blanks into missing values (nullable ``Int64``), and renames the question
   columns to the item codes of ``survey_items`` (q01.., b01..) by their text.
   :func:`latest_submissions` keeps a person's last submission, :func:`straight_liners`
   flags respondents who gave one answer to every item, :func:`complete_answers` the
   rows without a missing answer.
2. **Reverse-keyed items (反向题).** One item per construct is worded the other way round
   ("I enjoy strolling through the supermarket" in a convenience scale). Before adding
   items up, recode them with :func:`reverse_key`: on a 1..5 scale ``6 - x``
   (``low + high - x``), never ``-x`` (that moves the item off the scale) and never
   twice (that undoes the recoding).
3. **Reliability (内部一致性).** :func:`cronbach_alpha` of the items of **one** construct,
   already keyed; rows with any missing answer are dropped (listwise). Alpha over all items
   of all scales at once measures no construct. :func:`item_total` gives corrected
   item-total correlations (a negative one is an item that still needs reverse keying),
   :func:`alpha_if_deleted` alpha without each item.
4. **How many factors.** :func:`parallel_analysis` (Horn): keep the factors whose
   eigenvalue of the **correlation** matrix beats what random data of the same size gives.
   Eigenvalues of the covariance matrix depend on the items' spreads and count wrongly.
5. **Exploratory factor analysis (探索性因子分析).** :func:`efa` fits scikit-learn's
   maximum-likelihood ``FactorAnalysis`` with a varimax rotation on standardized items and
   returns the loadings (items x factors F1, F2 …). To make results stable, every factor
   is turned so that its largest loading is positive, and factors are ordered by the
   variance they explain. :func:`factor_scores` gives each respondent's scores on the same
   factors; :func:`factor_constructs` names factors by the construct of their items.
6. **Segments.** :func:`scale_scores` (mean of a construct's keyed items),
   :func:`standardize` (z-scores, so that every feature weighs the same in a distance),
   :func:`kmeans_segments` and :func:`silhouette_by_k` (k-means, segments numbered by
   size), :func:`segment_means` (profiles) and :func:`order_behaviour` (what members'
   completed orders show, to profile segments with behaviour). Benefit segmentation
   (利益细分) clusters :func:`relative_importance`: each respondent's ratings minus their
   own average, because most people call most benefits important.
7. **Who answered.** :func:`nonresponse_comparison` compares respondents with all members:
   respondents are rarely a random sample, and shares of respondents are not shares of
   members. :func:`poststratification_weights` and :func:`poststratified_share` weight
   respondents to the members' mix of cells (e.g. age groups) to estimate a member share.

Helpers read the questionnaire table: :func:`construct_items` (items per construct) and
:func:`reverse_keyed_items`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.decomposition import FactorAnalysis

from coursekit.methods.data_collection import normalize_phone

__all__ = [
    "AGREE_LABELS",
    "EXPORT_COLUMNS",
    "IMPORTANCE_LABELS",
    "ONLINE_CHANNELS",
    "FactorModel",
    "ParallelAnalysis",
    "alpha_if_deleted",
    "complete_answers",
    "construct_items",
    "cronbach_alpha",
    "efa",
    "factor_constructs",
    "factor_scores",
    "fit_efa",
    "item_total",
    "kmeans_segments",
    "latest_submissions",
    "likert_to_numbers",
    "nonresponse_comparison",
    "order_behaviour",
    "parallel_analysis",
    "poststratification_weights",
    "poststratified_share",
    "relative_importance",
    "reverse_key",
    "reverse_keyed_items",
    "scale_scores",
    "segment_means",
    "silhouette_by_k",
    "standardize",
    "straight_liners",
]

#: Agreement labels of the attitude block, 1..5 (Chinese and English exports).
AGREE_LABELS: dict[str, int] = {
    "非常不同意": 1, "不同意": 2, "一般": 3, "同意": 4, "非常同意": 5,
    "strongly disagree": 1, "disagree": 2, "neutral": 3, "agree": 4, "strongly agree": 5,
}  # fmt: skip
#: Importance labels of the benefit block, 1..5.
IMPORTANCE_LABELS: dict[str, int] = {
    "非常不重要": 1, "不重要": 2, "一般": 3, "重要": 4, "非常重要": 5,
    # English exports write "Not at all important" (coursekit.synth.raw); other platforms
    # word the low end differently.
    "not at all important": 1, "very unimportant": 1, "not important at all": 1,
    "unimportant": 2, "not important": 2,
    "neutral": 3, "important": 4, "very important": 5,
}  # fmt: skip
_LABELS_OF_BLOCK = {"attitude": AGREE_LABELS, "benefit": IMPORTANCE_LABELS}

#: The export's bookkeeping columns and their names after :func:`likert_to_numbers`.
EXPORT_COLUMNS: dict[str, str] = {
    "序号": "response_no",
    "提交答卷时间": "submitted_at",
    "所用时间": "duration_seconds",
    "来源": "source",
    "手机号": "phone",
}
_QUESTION = re.compile(r"^\s*(\d+)\s*[、.．]\s*(.+?)\s*$")
_REVERSE_KEYED_ATTR = "reverse_keyed"


# --------------------------------------------------------------------------- the export


def likert_to_numbers(
    export: pd.DataFrame | str | Path, survey_items: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The questionnaire export with answers as numbers 1..5.

    Question columns are those whose header starts with a number ("1、我买东西前…").
    Answers are read by their label: agreement labels (非常不同意 = 1 … 非常同意 = 5),
    importance labels (非常不重要 = 1 … 非常重要 = 5) for the benefit block; blanks become
    missing. The bookkeeping columns are kept and renamed (:data:`EXPORT_COLUMNS`):
    ``submitted_at`` parsed as a timestamp, ``duration_seconds`` ("205秒") as a number,
    ``phone`` as text, exactly as typed. Rows are not removed: repeat submissions,
    straight-liners and non-members are for the next steps.

    Args:
        export: the export as read with ``read_survey_export`` (or its path).
        survey_items: the questionnaire (``item``, ``text_zh``/``text_en``, optionally
            ``block``). Given, question columns are renamed to the item codes by their text
            and put in the questionnaire's order, and each block accepts only its own
            labels. Omitted, question columns keep their header and accept both label sets.

    Returns:
        One row per submission: the bookkeeping columns, then one nullable ``Int64``
        column per question.

    Raises:
        ValueError: no question columns, an answer that is not a label of its scale, a
            question that matches no item (or an item no question), or unreadable times.
    """
    frame = _read_export(export)
    questions = [col for col in frame.columns if _QUESTION.match(str(col))]
    if not questions:
        raise ValueError(
            "export has no question columns (headers like '1、<question text>'); found "
            f"{list(frame.columns)[:8]}"
        )
    names = {col: col for col in questions}
    either_scale = {**AGREE_LABELS, **IMPORTANCE_LABELS}
    labels_of = {col: either_scale for col in questions}
    if survey_items is not None:
        names, labels_of = _match_items(questions, survey_items)

    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        if col in names:
            continue
        out[EXPORT_COLUMNS.get(col, col)] = frame[col]
    if "submitted_at" in out:
        out["submitted_at"] = _parse_times(out["submitted_at"])
    if "duration_seconds" in out:
        out["duration_seconds"] = _parse_seconds(out["duration_seconds"])
    if "phone" in out:
        out["phone"] = out["phone"].astype("string")
    answers = {names[col]: _scores(frame[col], names[col], labels_of[col]) for col in questions}
    order = list(answers)
    if survey_items is not None:  # the questionnaire's order, whatever the export's
        order = [item for item in survey_items["item"].astype(str) if item in answers]
    for item in order:
        out[item] = answers[item]
    return out


def _read_export(export: pd.DataFrame | str | Path) -> pd.DataFrame:
    if isinstance(export, str | Path):
        return pd.read_csv(export, encoding="utf-8-sig", dtype={"手机号": str})
    if not isinstance(export, pd.DataFrame):
        raise TypeError(f"export must be a DataFrame or a path, got {type(export).__name__}")
    return export


def _normalized_text(text: Any) -> str:
    return re.sub(r"\s+", "", str(text))


def _match_items(
    questions: list[str], survey_items: pd.DataFrame
) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Item code and label set of every question column, matched by the question text."""
    _require_columns(survey_items, ("item",), "survey_items")
    text_columns = [col for col in ("text_zh", "text_en") if col in survey_items.columns]
    if not text_columns:
        raise ValueError("survey_items needs a text_zh or text_en column to match the questions")
    by_text: dict[str, str] = {}
    for col in text_columns:
        for item, text in zip(survey_items["item"], survey_items[col], strict=True):
            if pd.notna(text):
                by_text[_normalized_text(text)] = str(item)
    blocks = (
        dict(zip(survey_items["item"].astype(str), survey_items["block"], strict=True))
        if "block" in survey_items.columns
        else {}
    )
    names: dict[str, str] = {}
    labels_of: dict[str, dict[str, int]] = {}
    unmatched = []
    for col in questions:
        text = _QUESTION.match(str(col)).group(2)  # type: ignore[union-attr]
        item = by_text.get(_normalized_text(text))
        if item is None:
            unmatched.append(col)
            continue
        names[col] = item
        block = blocks.get(item, "attitude")
        if block not in _LABELS_OF_BLOCK:
            raise ValueError(f"survey_items gives item {item} the unknown block {block!r}")
        labels_of[col] = _LABELS_OF_BLOCK[block]
    if unmatched:
        raise ValueError(
            f"{len(unmatched)} question(s) match no item text of survey_items, e.g. "
            f"{unmatched[:3]}; is this the questionnaire of this survey?"
        )
    doubled = sorted({item for item in names.values() if list(names.values()).count(item) > 1})
    if doubled:
        raise ValueError(f"several questions match the same item(s) {doubled}")
    absent = [item for item in survey_items["item"].astype(str) if item not in names.values()]
    if absent:
        raise ValueError(f"the export has no question for item(s) {absent}")
    return names, labels_of


def _scores(answers: pd.Series, name: str, labels: Mapping[str, int]) -> pd.Series:
    text = answers.astype("string").str.strip()
    text = text.mask(text == "")
    scores = text.str.lower().map(labels)
    unknown = text.notna() & scores.isna()
    if unknown.any():
        found = sorted(set(text[unknown]))[:5]
        raise ValueError(
            f"column {name!r} has {int(unknown.sum())} answer(s) that are not labels of its "
            f"scale, e.g. {found}; expected {[k for k in labels if not k.isascii()]}"
        )
    return scores.astype("Int64")


def _parse_times(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, format="%Y/%m/%d %H:%M:%S", errors="coerce")
    retry = parsed.isna() & values.notna()
    if retry.any():  # other platforms write ISO times
        parsed[retry] = pd.to_datetime(values[retry], errors="coerce", format="mixed")
    bad = parsed.isna() & values.notna()
    if bad.any():
        raise ValueError(
            f"提交答卷时间 (submitted_at) has {int(bad.sum())} unreadable time(s), e.g. "
            f"{values[bad].head(3).tolist()}"
        )
    return parsed


def _parse_seconds(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.removesuffix("秒").str.strip()
    seconds = pd.to_numeric(text, errors="coerce")
    bad = seconds.isna() & text.notna() & (text != "")
    if bad.any():
        raise ValueError(
            f"所用时间 (duration_seconds) has {int(bad.sum())} unreadable value(s), e.g. "
            f"{values[bad].head(3).tolist()}"
        )
    return seconds.astype("Int64")


def latest_submissions(answers: pd.DataFrame, *, country: str = "CN") -> pd.DataFrame:
    """Keep each person's last submission (the last one counts), matched by phone number.

    Phones are compared after normalizing (``+86 138 0013 8000`` = ``13800138000``);
    rows without a valid phone cannot be matched and are kept as they are.

    Args:
        answers: the output of :func:`likert_to_numbers` (``phone``, ``submitted_at``).
        country: phone-number country, "CN" or "US".

    Returns:
        The kept rows in their original order, with a ``phone_normalized`` column.
    """
    _require_columns(answers, ("phone", "submitted_at"), "answers")
    if not answers.index.is_unique:
        raise ValueError("answers has a repeated index; reset_index() first")
    phone = normalize_phone(answers["phone"], country)
    phone.index = answers.index
    with_phone = answers.assign(phone_normalized=phone)
    by_time = with_phone.sort_values("submitted_at", kind="stable")
    superseded = by_time["phone_normalized"].notna() & by_time["phone_normalized"].duplicated(
        keep="last"
    )
    return with_phone[~with_phone.index.isin(by_time.index[superseded])]


def straight_liners(items: pd.DataFrame, *, min_answered: int | None = None) -> pd.Series:
    """True for respondents who gave the same answer to every item they answered.

    Pass one block of items (e.g. the attitude items q01..q20): because every construct has
    a reverse-keyed item, the same answer everywhere contradicts itself.

    Args:
        items: answers, one column per item.
        min_answered: answered items needed to call someone a straight-liner; default
            half of the items (at least 2). Fewer answers are an incomplete response,
            not a pattern.

    Returns:
        A boolean Series with the index of ``items``, named ``straight_liner``.
    """
    values = _item_frame(items, min_items=2)
    needed = max(2, math.ceil(values.shape[1] / 2)) if min_answered is None else min_answered
    if needed < 2:
        raise ValueError(f"min_answered must be at least 2, got {min_answered}")
    answered = values.notna().sum(axis=1)
    one_answer = values.nunique(axis=1, dropna=True) == 1
    return (one_answer & (answered >= needed)).rename("straight_liner")


def complete_answers(items: pd.DataFrame) -> pd.Series:
    """True for respondents who answered every item (no missing answer)."""
    values = _item_frame(items, min_items=1)
    return values.notna().all(axis=1).rename("complete")


# --------------------------------------------------------------------------- keying


def reverse_key(
    items: pd.DataFrame,
    reversed_items: Iterable[str] | str,
    scale: tuple[int, int] = (1, 5),
) -> pd.DataFrame:
    """Recode reverse-keyed items: ``low + high - x`` (``6 - x`` on a 1..5 scale).

    Missing answers stay missing. The result remembers which items it recoded
    (``DataFrame.attrs["reverse_keyed"]``), and recoding one of them again is refused:
    a second recoding would undo the first.

    Args:
        items: answers, one column per item (other columns are copied unchanged).
        reversed_items: the reverse-keyed item names (e.g. ``reverse_keyed_items(...)``).
        scale: the lowest and highest answer of the scale.

    Returns:
        A copy of ``items`` with the reversed items recoded.

    Raises:
        ValueError: an unknown item, an item recoded already, a bad scale, or an answer
            outside the scale (a recoding would put it off the scale).
    """
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a DataFrame, got {type(items).__name__}")
    names = [reversed_items] if isinstance(reversed_items, str) else list(reversed_items)
    low, high = _check_scale(scale)
    missing = [name for name in names if name not in items.columns]
    if missing:
        raise ValueError(f"reversed item(s) {missing} are not columns of items")
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        raise ValueError(f"reversed item(s) {doubled} listed twice; each is recoded once")
    already = [name for name in names if name in items.attrs.get(_REVERSE_KEYED_ATTR, ())]
    if already:
        raise ValueError(
            f"item(s) {already} are reverse-keyed already; recoding them again would undo it"
        )
    keyed = items.copy()
    for name in names:
        column = items[name]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise ValueError(f"item {name!r} must hold numbers {low}..{high}, got {column.dtype}")
        outside = column.notna() & ((column < low) | (column > high))
        if outside.any():
            raise ValueError(
                f"item {name!r} has {int(outside.sum())} answer(s) outside the scale "
                f"{low}..{high}, e.g. {sorted(set(column[outside].tolist()))[:5]}; is it "
                "recoded already (-x) or on another scale?"
            )
        keyed[name] = low + high - column
    keyed.attrs[_REVERSE_KEYED_ATTR] = (*items.attrs.get(_REVERSE_KEYED_ATTR, ()), *names)
    return keyed


def reverse_keyed_items(survey_items: pd.DataFrame) -> list[str]:
    """The reverse-keyed items of a questionnaire (its ``reverse_keyed`` column)."""
    _require_columns(survey_items, ("item", "reverse_keyed"), "survey_items")
    flags = survey_items["reverse_keyed"]
    if not pd.api.types.is_bool_dtype(flags):
        text = flags.astype(str).str.strip().str.lower()
        unknown = sorted(set(text) - {"true", "false", "1", "0"})
        if unknown:
            raise ValueError(f"reverse_keyed must be True/False, found {unknown[:5]}")
        flags = text.isin({"true", "1"})
    return survey_items.loc[flags.to_numpy(dtype=bool), "item"].astype(str).tolist()


def construct_items(survey_items: pd.DataFrame) -> dict[str, list[str]]:
    """The items of each construct, in questionnaire order (constructs in first-seen order)."""
    _require_columns(survey_items, ("item", "construct"), "survey_items")
    grouped: dict[str, list[str]] = {}
    for item, construct in zip(survey_items["item"], survey_items["construct"], strict=True):
        grouped.setdefault(str(construct), []).append(str(item))
    return grouped


# --------------------------------------------------------------------------- reliability


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of one scale: ``k / (k - 1) x (1 - sum of item variances /
    variance of the sum)``.

    Args:
        items: the scale's items, one column each, **already reverse-keyed**. Rows with a
            missing answer are dropped (listwise), so all variances describe the same
            people.

    Returns:
        Alpha (at most 1; near 0 or negative when items do not measure one thing, e.g. a
        reverse-keyed item left as it is).

    Raises:
        ValueError: fewer than two items, fewer than two complete rows, non-numeric
            answers, or a sum that does not vary.
    """
    values = _complete_matrix(items, min_items=2)
    return _alpha(values)


def _alpha(values: np.ndarray) -> float:
    k = values.shape[1]
    total_variance = values.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        raise ValueError("the sum of the items does not vary: alpha is undefined")
    return float(k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / total_variance))


def item_total(items: pd.DataFrame) -> pd.Series:
    """Corrected item-total correlation of each item: with the sum of the **other** items.

    Rows with a missing answer are dropped (listwise). A low or negative value marks an
    item that does not belong to the scale or still needs reverse keying.

    Returns:
        A Series indexed by item, named ``item_total_r``.
    """
    values = _complete_matrix(items, min_items=2)
    total = values.sum(axis=1)
    correlations = []
    for position in range(values.shape[1]):
        item = values[:, position]
        rest = total - item
        if item.std() == 0 or rest.std() == 0:
            correlations.append(np.nan)  # a constant has no correlation
        else:
            correlations.append(float(np.corrcoef(item, rest)[0, 1]))
    return pd.Series(correlations, index=_item_names(items), name="item_total_r")


def alpha_if_deleted(items: pd.DataFrame) -> pd.Series:
    """Cronbach's alpha of the scale without each item in turn (listwise, as alpha).

    Returns:
        A Series indexed by item, named ``alpha_if_deleted``; an item whose removal raises
        alpha clearly weakens the scale.
    """
    values = _complete_matrix(items, min_items=3)
    alphas = [_alpha(np.delete(values, position, axis=1)) for position in range(values.shape[1])]
    return pd.Series(alphas, index=_item_names(items), name="alpha_if_deleted")


# --------------------------------------------------------------------------- factors


@dataclass(frozen=True)
class ParallelAnalysis:
    """Horn's parallel analysis.

    Attributes:
        eigenvalues: one row per factor (1..k): ``observed`` (eigenvalues of the items'
            correlation matrix, the scree), ``random_mean`` and ``random_quantile``
            (of random normal data of the same size).
        n_factors: the suggested number of factors: leading observed eigenvalues above the
            random threshold.
        quantile: the quantile used as threshold (None: the mean).
    """

    eigenvalues: pd.DataFrame
    n_factors: int
    quantile: float | None


def parallel_analysis(
    items: pd.DataFrame,
    n_iter: int = 100,
    seed: int = 0,
    *,
    quantile: float | None = 0.95,
) -> ParallelAnalysis:
    """How many factors to keep: Horn's parallel analysis on the correlation matrix.

    Random data with the same number of complete rows and items (independent standard
    normal) is drawn ``n_iter`` times; a factor is kept while the observed eigenvalue
    exceeds the random eigenvalue of the same rank (its ``quantile``, or the mean when
    ``quantile`` is None). Rows with a missing answer are dropped.

    Args:
        items: answers, one column per item (keying does not change the eigenvalues).
        n_iter: random data sets.
        seed: seed of the random data (same seed, same result).
        quantile: the random eigenvalues' quantile used as threshold (0.95, Glorfeld's
            conservative variant), or None for their mean (Horn's original).
    """
    if isinstance(n_iter, bool) or not isinstance(n_iter, int | np.integer) or n_iter < 1:
        raise ValueError(f"n_iter must be a positive whole number, got {n_iter!r}")
    if quantile is not None and not 0 < quantile < 1:
        raise ValueError(f"quantile must be between 0 and 1 (or None), got {quantile}")
    values = _complete_matrix(items, min_items=2)
    _require_variation(values, _item_names(items))
    n_rows, n_items = values.shape
    if n_rows <= n_items:
        raise ValueError(
            f"parallel analysis needs more complete rows ({n_rows}) than items ({n_items})"
        )
    observed = np.linalg.eigvalsh(np.corrcoef(values, rowvar=False))[::-1]
    rng = np.random.default_rng(seed)
    random = np.empty((n_iter, n_items))
    for draw in range(n_iter):
        noise = rng.standard_normal((n_rows, n_items))
        random[draw] = np.linalg.eigvalsh(np.corrcoef(noise, rowvar=False))[::-1]
    threshold = random.mean(axis=0) if quantile is None else np.quantile(random, quantile, axis=0)
    above = observed > threshold
    n_factors = int(np.argmin(above)) if not above.all() else n_items
    table = pd.DataFrame(
        {
            "observed": observed,
            "random_mean": random.mean(axis=0),
            "random_quantile": np.quantile(random, 0.95 if quantile is None else quantile, axis=0),
        },
        index=pd.RangeIndex(1, n_items + 1, name="factor"),
    )
    return ParallelAnalysis(eigenvalues=table, n_factors=n_factors, quantile=quantile)


_ROTATIONS = ("varimax", "quartimax", None)


@dataclass(frozen=True)
class FactorModel:
    """A fitted exploratory factor analysis (see :func:`fit_efa`).

    Attributes:
        loadings: items x factors (F1 …), on the correlation scale.
        explained_variance: share of the items' total variance each factor explains.
        communalities: share of each item's variance the factors explain.
        uniquenesses: 1 - communality, the item's own variance.
        n_rows: complete rows the model was fitted on.
    """

    loadings: pd.DataFrame
    explained_variance: pd.Series
    communalities: pd.Series
    uniquenesses: pd.Series
    n_rows: int
    _model: FactorAnalysis = field(repr=False)
    _mean: np.ndarray = field(repr=False)
    _scale: np.ndarray = field(repr=False)
    _columns: np.ndarray = field(repr=False)  # position of each output factor in the model
    _signs: np.ndarray = field(repr=False)

    def scores(self, items: pd.DataFrame) -> pd.DataFrame:
        """Factor scores of respondents (rows with a missing answer get NaN).

        ``items`` needs the model's items; they are standardized with the mean and
        spread of the fitted data.
        """
        names = list(self.loadings.index)
        _require_columns(items, names, "items")
        frame = _item_frame(items[names], min_items=1)
        complete = frame.notna().all(axis=1).to_numpy()
        scores = np.full((len(frame), self.loadings.shape[1]), np.nan)
        if complete.any():
            z = (frame.to_numpy(dtype="float64")[complete] - self._mean) / self._scale
            with _one_thread():
                raw = self._model.transform(z)
            scores[complete] = raw[:, self._columns] * self._signs
        return pd.DataFrame(scores, index=items.index, columns=self.loadings.columns)


def fit_efa(items: pd.DataFrame, n_factors: int, rotation: str | None = "varimax") -> FactorModel:
    """Fit an exploratory factor analysis; :func:`efa` and :func:`factor_scores` use it.

    The items are standardized (so the loadings are on the correlation scale and an item's
    units do not matter); rows with a missing answer are dropped. scikit-learn's
    ``FactorAnalysis`` (maximum likelihood, exact SVD) is fitted and rotated; each factor
    is then turned so its largest absolute loading is positive, and factors are ordered by
    explained variance (sum of squared loadings), largest first.

    Args:
        items: answers, one column per item, reverse-keyed or not (keying flips signs only).
        n_factors: number of factors (e.g. from :func:`parallel_analysis`).
        rotation: "varimax" (default), "quartimax" or None.
    """
    if rotation not in _ROTATIONS:
        raise ValueError(f"rotation must be one of {list(_ROTATIONS)}, got {rotation!r}")
    values = _complete_matrix(items, min_items=2)
    names = _item_names(items)
    n_rows, n_items = values.shape
    if isinstance(n_factors, bool) or not isinstance(n_factors, int | np.integer):
        raise ValueError(f"n_factors must be a whole number, got {n_factors!r}")
    if not 1 <= n_factors < n_items:
        raise ValueError(f"n_factors must be between 1 and {n_items - 1} for {n_items} items")
    if n_rows <= n_items:
        raise ValueError(f"factor analysis needs more complete rows ({n_rows}) than items")
    _require_variation(values, names)
    mean = values.mean(axis=0)
    scale = values.std(axis=0)  # ddof=0: the covariance of z is exactly the correlation matrix
    z = (values - mean) / scale
    with _one_thread():  # a 20-item model: threads only cost on a shared machine
        model = FactorAnalysis(
            n_components=n_factors, rotation=rotation, svd_method="lapack", max_iter=5000
        ).fit(z)
    raw = model.components_.T  # items x factors
    order = np.argsort(-(raw**2).sum(axis=0), kind="stable")
    raw = raw[:, order]
    strongest = np.abs(raw).argmax(axis=0)
    signs = np.sign(raw[strongest, np.arange(n_factors)])
    signs[signs == 0] = 1.0
    loadings = raw * signs
    factors = [f"F{position + 1}" for position in range(n_factors)]
    frame = pd.DataFrame(loadings, index=pd.Index(names, name="item"), columns=factors)
    communalities = (frame**2).sum(axis=1).rename("communality")
    return FactorModel(
        loadings=frame,
        explained_variance=((frame**2).sum(axis=0) / n_items).rename("explained_variance"),
        communalities=communalities,
        uniquenesses=(1 - communalities).rename("uniqueness"),
        n_rows=n_rows,
        _model=model,
        _mean=mean,
        _scale=scale,
        _columns=order,
        _signs=signs,
    )


def efa(items: pd.DataFrame, n_factors: int, rotation: str | None = "varimax") -> pd.DataFrame:
    """Loadings of an exploratory factor analysis: items x factors (F1, F2 …).

    See :func:`fit_efa` for the conventions (standardized items, listwise deletion, sign
    and order of the factors).
    """
    return fit_efa(items, n_factors, rotation).loadings


def factor_scores(
    items: pd.DataFrame, n_factors: int, rotation: str | None = "varimax"
) -> pd.DataFrame:
    """Each respondent's factor scores, columns as in :func:`efa` (NaN for incomplete rows)."""
    return fit_efa(items, n_factors, rotation).scores(items)


def factor_constructs(
    loadings: pd.DataFrame, item_construct: Mapping[str, str] | pd.Series
) -> pd.Series:
    """Name each factor by the construct of the items that load on it most.

    Every item is assigned to the factor of its largest absolute loading; a factor takes
    the construct most of its items belong to (ties: the larger sum of squared loadings).

    Args:
        loadings: items x factors, e.g. from :func:`efa`.
        item_construct: the construct of each item, e.g.
            ``survey_items.set_index("item")["construct"]``.

    Returns:
        A Series indexed by factor, named ``construct`` (missing for a factor on which no
        item loads most).
    """
    constructs = pd.Series(item_construct)
    unknown = [item for item in loadings.index if item not in constructs.index]
    if unknown:
        raise ValueError(f"no construct given for item(s) {unknown}")
    primary = loadings.abs().idxmax(axis=1)
    names: dict[str, Any] = {}
    for factor in loadings.columns:
        members = primary.index[primary == factor]
        if len(members) == 0:
            names[factor] = pd.NA
            continue
        summary = (
            pd.DataFrame(
                {
                    "construct": constructs.loc[members].to_numpy(),
                    "squared": loadings.loc[members, factor].to_numpy() ** 2,
                }
            )
            .groupby("construct")["squared"]
            .agg(["size", "sum"])
            .sort_values(["size", "sum"], ascending=False)
        )
        names[factor] = summary.index[0]
    return pd.Series(names, name="construct").rename_axis("factor")


# --------------------------------------------------------------------------- segments

#: Order channels counted as online in :func:`order_behaviour`.
ONLINE_CHANNELS: tuple[str, ...] = ("app", "mini_program")


def scale_scores(
    items: pd.DataFrame, item_construct: Mapping[str, str] | pd.Series
) -> pd.DataFrame:
    """Each respondent's score per construct: the mean of its items (already keyed).

    A respondent who skipped an item of a construct gets no score on it (NaN): a mean of
    the answered items would quietly compare people on different questions.

    Args:
        items: keyed answers, one column per item; columns without a construct in
            ``item_construct`` are left out.
        item_construct: the construct of each item, e.g.
            ``survey_items.set_index("item")["construct"]``.

    Returns:
        One column per construct (in the order of their first item), index of ``items``.
    """
    constructs = pd.Series(item_construct)
    scored = [col for col in items.columns if col in constructs.index]
    if not scored:
        raise ValueError(
            "none of the columns of items has a construct in item_construct; pass the item "
            f"columns (e.g. q01..q20), got {list(items.columns)[:8]}"
        )
    values = _item_frame(items[scored], min_items=1)
    groups: dict[str, list[str]] = {}
    for item in scored:
        groups.setdefault(str(constructs[item]), []).append(item)
    return pd.DataFrame(
        {construct: values[members].mean(axis=1, skipna=False)
         for construct, members in groups.items()},
        index=items.index,
    )  # fmt: skip


def relative_importance(items: pd.DataFrame) -> pd.DataFrame:
    """Importance ratings relative to the respondent's own average (each row centred).

    Most people call most benefits important; what tells them apart is which benefits
    they rate *above their own average*. Subtracting each respondent's mean rating (over
    the items they answered) removes that personal level, so that benefit segments
    (利益细分) are formed on priorities rather than on how generously someone ticks boxes.

    Returns:
        A float frame like ``items``; missing answers stay missing.
    """
    values = _item_frame(items, min_items=2)
    return values.sub(values.mean(axis=1), axis=0)


def standardize(features: pd.DataFrame) -> pd.DataFrame:
    """z-scores of every column: mean 0, standard deviation 1 (``ddof=0``, as scikit-learn's
    ``StandardScaler``), so that each feature weighs the same in a distance.

    Raises:
        ValueError: non-numeric or missing values, or a column that does not vary.
    """
    values = _feature_frame(features)
    spread = values.std(ddof=0)
    constant = [str(col) for col in values.columns if spread[col] == 0]
    if constant:
        raise ValueError(f"column(s) {constant} do not vary; drop them before standardizing")
    return (values - values.mean()) / spread


def kmeans_segments(features: pd.DataFrame, k: int, seed: int = 0) -> pd.Series:
    """k-means segments, numbered by size (0 = the largest).

    scikit-learn's ``KMeans`` with ``n_init=10`` starts and ``random_state=seed``: the same
    features and seed give the same segments. Scale the features first
    (:func:`standardize`): k-means measures plain distances, so a feature with a larger
    spread counts for more.

    Returns:
        An int64 Series named ``segment`` with the index of ``features``.
    """
    from sklearn.cluster import KMeans

    values = _feature_frame(features)
    k = _check_k(k, len(values))
    with _one_thread():
        model = KMeans(n_clusters=k, n_init=10, random_state=seed)
        labels = model.fit_predict(values.to_numpy())
    sizes = np.bincount(labels, minlength=k)
    first_row = np.array([np.flatnonzero(labels == c)[0] for c in range(k)])
    order = sorted(range(k), key=lambda c: (-sizes[c], first_row[c]))
    relabel = np.empty(k, dtype="int64")
    relabel[order] = np.arange(k)
    return pd.Series(relabel[labels], index=values.index, name="segment")


def silhouette_by_k(
    features: pd.DataFrame, ks: Iterable[int] = range(2, 9), seed: int = 0
) -> pd.DataFrame:
    """The silhouette (轮廓系数, -1..1, higher means better separated segments) and the
    within-segment sum of squares (inertia) of :func:`kmeans_segments` for each k.

    Returns:
        One row per k, columns ``k``, ``silhouette`` and ``inertia``.
    """
    from sklearn.metrics import silhouette_score

    values = _feature_frame(features)
    if isinstance(ks, int | np.integer):
        raise ValueError(f"ks must be several values of k, e.g. range(2, 9), got {ks!r}")
    ks = sorted({_check_k(k, len(values)) for k in ks})
    if not ks:
        raise ValueError("ks is empty: give the values of k to compare, e.g. range(2, 9)")
    matrix = values.to_numpy()
    rows = []
    for k in ks:
        labels = kmeans_segments(values, k, seed).to_numpy()
        centres = np.vstack([matrix[labels == c].mean(axis=0) for c in range(k)])
        inertia = float(((matrix - centres[labels]) ** 2).sum())
        with _one_thread():
            silhouette = float(silhouette_score(matrix, labels))
        rows.append({"k": k, "silhouette": silhouette, "inertia": inertia})
    return pd.DataFrame(rows)


def segment_means(frame: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Mean of every numeric column per segment, with the segment's ``size`` and ``share``.

    Args:
        frame: one row per respondent (any numeric columns: factor scores, answers,
            behaviour).
        segments: the segment of each respondent, indexed like ``frame`` (rows of
            ``frame`` without a segment are left out).

    Returns:
        One row per segment (sorted), columns ``size``, ``share``, then the means.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a DataFrame, got {type(frame).__name__}")
    if not isinstance(segments, pd.Series):
        raise TypeError(f"segments must be a Series indexed like frame, got {type(segments)}")
    if not segments.index.is_unique or not frame.index.is_unique:
        raise ValueError("frame and segments need unique indexes (one row per respondent)")
    common = frame.index.intersection(segments.index, sort=False)
    if len(common) == 0:
        raise ValueError("frame and segments share no index labels")
    numeric = frame.loc[common].select_dtypes("number").astype("float64")
    labels = segments.loc[common].rename("segment")
    means = numeric.groupby(labels).mean()
    sizes = labels.value_counts().reindex(means.index)
    means.insert(0, "share", sizes / len(labels))
    means.insert(0, "size", sizes.astype("int64"))
    return means


def order_behaviour(orders: pd.DataFrame) -> pd.DataFrame:
    """What each member's completed orders show: how often, how much, where, with coupons.

    Args:
        orders: the ``orders`` table (all statuses; only completed orders count).

    Returns:
        One row per customer with a completed order, indexed by ``customer_id``:
        ``orders`` (completed orders), ``avg_order_value`` (mean ``net_amount``),
        ``online_share`` (share of orders placed in the app or mini-program),
        ``group_buy_share`` and ``discount_share`` (discount / gross amount).
    """
    from coursekit.methods.common import completed_orders

    _require_columns(
        orders,
        ("customer_id", "status", "channel", "gross_amount", "discount_amount", "net_amount"),
        "orders",
    )
    done = completed_orders(orders)
    per_customer = done.groupby("customer_id")
    gross = per_customer["gross_amount"].sum()
    return pd.DataFrame(
        {
            "orders": per_customer.size().astype("int64"),
            "avg_order_value": per_customer["net_amount"].mean(),
            "online_share": done["channel"]
            .isin(ONLINE_CHANNELS)
            .groupby(done["customer_id"])
            .mean(),
            "group_buy_share": (done["channel"] == "group_buy").groupby(done["customer_id"]).mean(),
            "discount_share": (per_customer["discount_amount"].sum() / gross).where(gross > 0, 0.0),
        }
    )


def _feature_frame(features: Any) -> pd.DataFrame:
    if not isinstance(features, pd.DataFrame):
        raise TypeError(f"features must be a DataFrame, got {type(features).__name__}")
    if features.shape[1] == 0 or len(features) == 0:
        raise ValueError("features is empty")
    text = [
        str(c)
        for c in features.columns
        if not pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c])
    ]
    if text:
        raise ValueError(f"feature column(s) {text[:5]} are not numeric")
    values = features.astype("float64")
    missing = values.isna().any()
    if missing.any():
        raise ValueError(
            f"feature column(s) {list(missing.index[missing])[:5]} have missing values; "
            "keep complete rows first"
        )
    if not np.isfinite(values.to_numpy()).all():
        raise ValueError("features hold infinite values (a log of zero?)")
    return values


def _one_thread():
    """Native thread pools (OpenMP, BLAS) on one thread: survey data is small, and on a
    shared workshop machine threads fighting for the cores make k-means many times slower
    (seconds instead of milliseconds); one thread also sums in the same order everywhere."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _check_k(k: Any, n_rows: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"k must be a whole number, got {k!r}")
    if not 2 <= k < n_rows:
        raise ValueError(f"k must be between 2 and {n_rows - 1} for {n_rows} rows, got {k}")
    return int(k)


# --------------------------------------------------------------------------- non-response


def nonresponse_comparison(
    respondents: pd.DataFrame | pd.Series | pd.Index | Sequence[Any],
    members: pd.DataFrame,
    columns: Sequence[str],
) -> pd.DataFrame:
    """Who answered vs all members: means and shares of member attributes.

    Numeric columns are compared by their mean; text, categorical and boolean columns by
    the share of each category. The p-value compares respondents with the members who did
    not answer (Welch's t-test for means, a chi-square test for categories).

    Args:
        respondents: the respondents' customer ids (a survey table with ``customer_id``,
            or the ids themselves); each id once, and every id a member.
        members: all members, one row each, with ``customer_id`` and the columns.
        columns: the member attributes to compare (e.g. ``["age", "gender",
            "city_tier"]``; convert a numeric code such as a tier to text for shares).

    Returns:
        One row per (column, level): ``column``, ``level`` ("mean" for numbers, the
        category otherwise), ``respondents``, ``members``, ``difference`` (respondents
        minus members; shares are fractions) and ``p_value``.
    """
    if isinstance(columns, str):
        columns = [columns]
    _require_columns(members, ("customer_id", *columns), "members")
    if members["customer_id"].duplicated().any():
        raise ValueError("members has duplicate customer_id(s); one row per member")
    if isinstance(respondents, pd.DataFrame):
        _require_columns(respondents, ("customer_id",), "respondents")
        ids = respondents["customer_id"]
    else:
        ids = pd.Series(list(respondents))
    if ids.isna().any():
        raise ValueError(f"respondents has {int(ids.isna().sum())} missing customer id(s)")
    if ids.duplicated().any():
        raise ValueError(
            f"respondents has {int(ids.duplicated().sum())} repeated customer id(s); keep one "
            "submission per person first (latest_submissions)"
        )
    strangers = ~ids.isin(members["customer_id"])
    if strangers.any():
        raise ValueError(
            f"{int(strangers.sum())} respondent(s) are not members (e.g. "
            f"{ids[strangers].head(3).tolist()}); drop them before comparing"
        )
    if len(ids) == 0:
        raise ValueError("no respondents to compare")
    answered = members["customer_id"].isin(ids).to_numpy()
    rows = []
    for col in columns:
        values = members[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = values.to_numpy(dtype="float64")
            p_value = _welch_p(numbers[answered], numbers[~answered])
            respondent_mean = float(np.nanmean(numbers[answered]))
            member_mean = float(np.nanmean(numbers))
            rows.append((col, "mean", respondent_mean, member_mean, p_value))
            continue
        levels = values.astype("object").where(values.notna(), "(missing)")
        table = pd.crosstab(pd.Series(answered, name="answered"), pd.Series(levels.to_numpy()))
        p_value = np.nan
        if table.shape[0] == 2 and table.shape[1] > 1:
            p_value = float(stats.chi2_contingency(table, correction=False).pvalue)
        respondent_share = levels[answered].value_counts(normalize=True)
        member_share = levels.value_counts(normalize=True)
        categories = (
            list(values.cat.categories)
            if isinstance(values.dtype, pd.CategoricalDtype)
            else sorted(member_share.index, key=str)
        )
        for level in [c for c in categories if c in member_share.index] + (
            ["(missing)"] if "(missing)" in member_share.index else []
        ):
            rows.append(
                (
                    col,
                    level,
                    float(respondent_share.get(level, 0.0)),
                    float(member_share[level]),
                    p_value,
                )
            )
    table = pd.DataFrame(rows, columns=["column", "level", "respondents", "members", "p_value"])
    table["level"] = table["level"].astype(object)  # "mean" and category values side by side
    table.insert(4, "difference", table["respondents"] - table["members"])
    return table


def poststratification_weights(respondent_cells: pd.Series, member_cells: pd.Series) -> pd.Series:
    """Weights that give the respondents the members' mix of cells (事后分层加权).

    A respondent in cell c weighs ``member share of c / respondent share of c``: groups
    that answered less than their share count more. Weights average 1 over the
    respondents. They correct only what the cells see (e.g. age), not everything that
    made people answer.

    Args:
        respondent_cells: the cell of each respondent (e.g. an age group), indexed by
            respondent.
        member_cells: the cell of every member (respondents included).

    Returns:
        A Series named ``weight`` with the index of ``respondent_cells``.

    Raises:
        ValueError: missing cells, a respondent cell no member is in, or a member cell
            without respondents (merge it with a neighbouring cell).
    """
    for name, cells in (("respondent_cells", respondent_cells), ("member_cells", member_cells)):
        if not isinstance(cells, pd.Series):
            raise TypeError(f"{name} must be a Series, got {type(cells).__name__}")
        if cells.isna().any():
            raise ValueError(f"{name} has {int(cells.isna().sum())} missing cell(s)")
    if len(respondent_cells) == 0:
        raise ValueError("no respondents to weight")
    member_share = member_cells.value_counts(normalize=True)
    member_share = member_share[member_share > 0]
    respondent_share = respondent_cells.value_counts(normalize=True)
    respondent_share = respondent_share[respondent_share > 0]
    strangers = [c for c in respondent_share.index if c not in member_share.index]
    if strangers:
        raise ValueError(f"respondent cell(s) {strangers[:5]} hold no member")
    empty = [c for c in member_share.index if c not in respondent_share.index]
    if empty:
        raise ValueError(
            f"member cell(s) {empty[:5]} have no respondent: merge them with a neighbouring "
            "cell, or the estimate cannot speak for those members"
        )
    ratio = member_share / respondent_share
    weights = respondent_cells.map(ratio).astype("float64")
    return weights.rename("weight")


def poststratified_share(
    flags: pd.Series, respondent_cells: pd.Series, member_cells: pd.Series
) -> float:
    """The share of members with a property, estimated from respondents weighted by cell.

    Args:
        flags: True/False per respondent (e.g. "health scale at least 4").
        respondent_cells, member_cells: as for :func:`poststratification_weights`;
            ``respondent_cells`` is indexed like ``flags``.

    Returns:
        The weighted share, a fraction between 0 and 1.
    """
    if not isinstance(flags, pd.Series):
        raise TypeError(f"flags must be a Series, got {type(flags).__name__}")
    if flags.isna().any():
        raise ValueError(f"flags has {int(flags.isna().sum())} missing value(s)")
    if not pd.api.types.is_bool_dtype(flags):
        raise ValueError(f"flags must be True/False, got dtype {flags.dtype}")
    if not isinstance(respondent_cells, pd.Series) or not flags.index.equals(
        respondent_cells.index
    ):
        raise ValueError("respondent_cells must be a Series with the index of flags")
    weights = poststratification_weights(respondent_cells, member_cells)
    return float(np.average(flags.to_numpy(dtype="float64"), weights=weights.to_numpy()))


def _welch_p(first: np.ndarray, second: np.ndarray) -> float:
    first, second = first[~np.isnan(first)], second[~np.isnan(second)]
    if len(first) < 2 or len(second) < 2:
        return float("nan")
    return float(stats.ttest_ind(first, second, equal_var=False).pvalue)


# --------------------------------------------------------------------------- helpers


def _require_columns(frame: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a DataFrame, got {type(frame).__name__}")
    missing = [col for col in columns if col not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; available: {list(frame.columns)}")


def _check_scale(scale: Any) -> tuple[float, float]:
    try:
        low, high = scale
    except (TypeError, ValueError):
        raise ValueError(
            f"scale must be (lowest, highest) answer, e.g. (1, 5); got {scale!r}"
        ) from None
    numbers = (low, high)
    if any(isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating)
           for v in numbers) or not low < high:  # fmt: skip
        raise ValueError(f"scale must be two numbers, lowest first, e.g. (1, 5); got {scale!r}")
    return low, high


def _item_frame(items: pd.DataFrame, min_items: int) -> pd.DataFrame:
    """The items as float columns (missing as NaN), after checking they are answers."""
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a DataFrame (one column per item), got {type(items)}")
    if items.shape[1] < min_items:
        raise ValueError(f"needs at least {min_items} item columns, got {items.shape[1]}")
    doubled = sorted({str(c) for c in items.columns if (items.columns == c).sum() > 1})
    if doubled:
        raise ValueError(f"items has duplicate column(s) {doubled}")
    text = [
        str(c)
        for c in items.columns
        if not pd.api.types.is_numeric_dtype(items[c]) or pd.api.types.is_bool_dtype(items[c])
    ]
    if text:
        raise ValueError(
            f"item column(s) {text[:5]} are not numeric; convert the answers first "
            "(likert_to_numbers) and pass only item columns"
        )
    return items.astype("float64")


def _complete_matrix(items: pd.DataFrame, min_items: int) -> np.ndarray:
    values = _item_frame(items, min_items).dropna().to_numpy()
    if values.shape[0] < 2:
        raise ValueError(
            f"only {values.shape[0]} respondent(s) answered every item; need at least 2"
        )
    return values


def _item_names(items: pd.DataFrame) -> list[str]:
    return [str(c) for c in items.columns]


def _require_variation(values: np.ndarray, names: list[str]) -> None:
    constant = [name for name, sd in zip(names, values.std(axis=0), strict=True) if sd == 0]
    if constant:
        raise ValueError(f"item(s) {constant} have the same answer from everyone; drop them")
