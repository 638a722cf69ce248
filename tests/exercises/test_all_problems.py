"""Every problem of every course module, tested the same way.

For each problem in the ``PROBLEMS`` list of every ``coursekit.exercises.<module>``
(found by :mod:`coursekit.engine.registry`):

1. the reference answer passes its own check;
2. every catalogued mistake is reported as incorrect *with its name*, explained in the
   trainee's language (and only in it), and the reference itself matches no mistake;
3. garbage input (hypothesis) gives feedback, never an exception nor a checker error,
   and so do hostile values (an object whose ``__eq__``, ``repr`` and ``len`` raise, a
   generator, an endless function, a million-row frame, duplicate column names); an
   answer of the right shape holding only missing values is blamed on no mistake;
   checking never modifies the trainee's answer;
4. every text (title, hints, mistakes, solution, options, rubric, model answer) exists in
   English and Chinese;
5. checking before ``course.setup()`` gives the "run course.setup() first" message.

And for each module:

6. every problem is checked (``qN.check()``) and its variable defined in both the
   solution notebook and the student notebook;
7. the solution notebook runs top to bottom in this process, and just before each
   exercise's answer cell, the code ``qN.solution()`` shows solves the exercise.

The data comes from the ``course_world`` fixture of ``tests/conftest.py`` (the real course
data, two worlds); what cannot depend on the data (the language of a message, feedback on
garbage, not modifying the answer) runs on the committed world only. A module's own test
file (``test_<module>.py``) keeps only what is specific to its questions: other right
answers, wrong answers trainees write.

The checks are plain functions so that the engine's own tests run them over a demo module
too (``tests/engine/test_harness_on_demo.py``), and show that each can fail.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursekit import course
from coursekit.engine import Feedback, Problem, registry, t
from coursekit.engine.feedback import STATUSES
from coursekit.engine.i18n import LANGS

# ---------------------------------------------------------------------------- the checks


def assert_reference_passes(problem: Problem) -> None:
    """(1) ``check(expected())`` is correct."""
    feedback = problem.check(problem.expected())
    assert feedback.status == "correct", f"{problem.id}: the reference fails:\n{feedback}"


ROOT = Path(__file__).resolve().parents[2]


def assert_mistakes_are_named(problem: Problem) -> None:
    """(2) each mistake's wrong answer is incorrect and named; the reference matches none."""
    matched = problem.matching_mistake(problem.expected())
    assert matched is None, f"{problem.id}: the reference answer matches mistake {matched.name}"
    for mistake in problem.mistakes:
        wrong = mistake.produce(problem.expected())
        feedback = problem.check(wrong)
        assert feedback.status == "incorrect", (
            f"{problem.id}: mistake {mistake.name} is not caught:\n{feedback}"
        )
        assert feedback.mistake == mistake.name, (
            f"{problem.id}: mistake {mistake.name} is reported as {feedback.mistake}:\n{feedback}"
        )
        assert mistake.explanation() in feedback.message


def assert_mistakes_explained_in(problem: Problem, lang: str) -> None:
    """(2) in ``lang``, each mistake's feedback names it and explains it in that language
    only."""
    course.set_lang(lang)
    other = "zh" if lang == "en" else "en"
    for mistake in problem.mistakes:
        feedback = problem.check(mistake.produce(problem.expected()))
        assert feedback.mistake == mistake.name, f"{problem.id}: {mistake.name}\n{feedback}"
        assert mistake.name in feedback.message
        assert mistake.explanation(lang) in feedback.message, (
            f"{problem.id}: {mistake.name} is not explained in {lang}:\n{feedback}"
        )
        assert mistake.explanation(other) not in feedback.message


def all_missing(expected: Any) -> Any:
    """An answer shaped like ``expected`` holding only missing values (None if there is
    no such shape: functions, choices, texts)."""
    if isinstance(expected, pd.DataFrame):
        frame = expected.copy()
        for column in frame.columns:
            frame[column] = np.nan
        return frame
    if isinstance(expected, pd.Series):
        return pd.Series(np.nan, index=expected.index, name=expected.name)
    if isinstance(expected, float | int | np.number) and not isinstance(expected, bool):
        return float("nan")
    return None


def assert_all_missing_is_no_named_mistake(problem: Problem) -> None:
    """(3) NaN in the shape of the answer is incorrect, and no catalogued mistake."""
    answer = all_missing(problem.expected())
    if answer is None:
        return
    feedback = problem.check(answer)
    assert feedback.status == "incorrect", f"{problem.id}:\n{feedback}"
    assert feedback.mistake is None, (
        f"{problem.id}: an all-missing answer is blamed on {feedback.mistake}:\n{feedback}"
    )


def garbage() -> st.SearchStrategy:
    """Values a trainee might leave in a variable by accident."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.binary(max_size=20),
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=6),
        st.dictionaries(st.text(max_size=5), scalars, max_size=4),
        small_frames(),
        small_frames().map(lambda frame: frame.iloc[:, 0] if frame.shape[1] else pd.Series()),
    )


@st.composite
def small_frames(draw) -> pd.DataFrame:
    """Small DataFrames with plausible or random column names and NaN-laden values."""
    names = st.sampled_from(
        ["customer_id", "recency_days", "frequency", "monetary", "segment", "value", "x"]
    )
    columns = draw(st.lists(st.one_of(names, st.text(max_size=4)), max_size=4, unique=True))
    n_rows = draw(st.integers(min_value=0, max_value=5))
    cells = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**6), max_value=10**6),
        st.text(max_size=6),
        st.none(),
    )
    data = {c: draw(st.lists(cells, min_size=n_rows, max_size=n_rows)) for c in columns}
    frame = pd.DataFrame(data, index=pd.RangeIndex(n_rows)) if columns else pd.DataFrame()
    if columns and draw(st.booleans()):
        frame = frame.set_index(columns[0])
    return frame


def assert_garbage_gives_feedback(problem: Problem, max_examples: int = 20) -> None:
    """(3) any garbage value gives a Feedback with a valid status that is not "error"."""

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples on every run: CI failures are reproducible
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(value=garbage())
    def run(value):
        feedback = problem.check(value)
        assert isinstance(feedback, Feedback)
        assert feedback.status in STATUSES
        # "error" means our fault (a bug or missing data); garbage is the trainee's.
        assert feedback.status != "error", f"{problem.id} on {type(value).__name__}:\n{feedback}"

    run()
    for value in (np.nan, [np.nan], pd.DataFrame(), pd.Series(dtype=float), object()):
        assert problem.check(value).status in ("incorrect", "not_attempted")


class Hostile:
    """An object every operation of which raises: equality, repr, len, truth, iteration."""

    def __eq__(self, other):
        raise RuntimeError("eq")

    def __ne__(self, other):
        raise RuntimeError("ne")

    def __len__(self):
        raise RuntimeError("len")

    def __repr__(self):
        raise RuntimeError("repr")

    def __str__(self):
        raise RuntimeError("str")

    def __bool__(self):
        raise RuntimeError("bool")

    def __iter__(self):
        raise RuntimeError("iter")

    def __getattr__(self, name):
        raise RuntimeError(name)

    __hash__ = None


def _one_item():
    yield 1


def endless(*args, **kwargs):
    """A trainee's function that never returns."""
    while True:
        pass


def hostile_values() -> list:
    """Values chosen to break a naive checker (fresh objects on every call)."""
    hostile_cells = pd.DataFrame({"customer_id": [Hostile(), Hostile()], "frequency": [1, 2]})
    return [
        None,
        "",
        "x",
        b"bytes",
        0,
        -1,
        float("nan"),
        float("inf"),
        [],
        {},
        set(),
        object(),
        Hostile(),
        _one_item(),
        endless,
        lambda: None,
        pd.DataFrame(),
        pd.DataFrame({"customer_id": [np.nan] * 3, "recency_days": [np.nan] * 3}),
        pd.DataFrame({"customer_id": np.arange(1_000_000), "x": 0.0}),
        pd.DataFrame([[1, 2]], columns=["x", "x"]),
        pd.DataFrame({("a", "b"): [1]}),
        hostile_cells,
        pd.Series([1, 2]),
        np.array([[1, 2]]),
        "a, b",
        ["a", 1],
        "TODO ...",
    ]


def assert_hostile_values_give_feedback(problem: Problem) -> None:
    """(3) hostile values give a readable "incorrect" or "not attempted", never an error."""
    for value in hostile_values():
        feedback = problem.check(value)
        assert isinstance(feedback, Feedback)
        assert feedback.status in ("incorrect", "not_attempted"), (
            f"{problem.id} on {type(value).__name__}: {feedback}"
        )
        assert isinstance(str(feedback), str) and isinstance(feedback._repr_html_(), str)


def _snapshot(value):
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        return value.copy(deep=True)
    return copy.deepcopy(value)


def _same(before, after) -> bool:
    if isinstance(before, pd.DataFrame | pd.Series | pd.Index):
        # equals(): same shape, values (NaN equal to NaN) and dtypes, vectorized;
        # assert_frame_equal takes seconds on an orders-sized frame of categoricals.
        return (
            type(after) is type(before)
            and after.equals(before)
            and (isinstance(before, pd.Index) or after.index.equals(before.index))
        )
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=True)
    return before == after


def assert_answers_are_not_modified(problem: Problem) -> None:
    """(3) checking the reference or a mistake leaves the trainee's object as it was."""
    answers = [problem.expected()]
    answers += [mistake.produce(problem.expected()) for mistake in problem.mistakes]
    for answer in answers:
        if callable(answer):
            continue  # a function answer is called, not inspected
        before = _snapshot(answer)
        problem.check(answer)
        assert _same(before, answer), f"{problem.id}: check() modified the answer"


def assert_texts_are_bilingual(problem: Problem) -> None:
    """(4) every text exists in both languages and renders in both."""
    texts = problem.texts()
    assert texts, f"{problem.id} has no texts"
    for where, value in texts:
        for lang in LANGS:
            assert isinstance(value.get(lang), str) and value[lang].strip(), (
                f"{problem.id}: {where} has no {lang!r} text"
            )
    for lang in LANGS:
        course.set_lang(lang)
        assert problem.title.strip()
        assert str(problem.hint(1)).strip() and str(problem.solution()).strip()


def assert_needs_setup(problem: Problem) -> None:
    """(5) before ``course.setup()`` a check says to run it first."""
    course.reset()
    feedback = problem.check(0)
    assert feedback.status == "error", f"{problem.id}:\n{feedback}"
    assert feedback.message == t("check.not_set_up")
    assert feedback.details == {"reason": "not_set_up"}


# ---------------------------------------------------------------------------- modules


def notebook_code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def defines(source: str, var: str) -> bool:
    """True when a cell assigns ``var`` or defines it as a function (at the top level)."""
    pattern = rf"^(def\s+{re.escape(var)}\s*\(|{re.escape(var)}\s*(:[^=]*)?=(?!=))"
    return re.search(pattern, source, flags=re.MULTILINE) is not None


def assert_checked_in_notebook(path: Path, problems: list[Problem]) -> None:
    """(6) every problem has a cell ``qN.check()`` and a cell defining its variable; the
    last cell shows the module's progress."""
    assert path.is_file(), f"no notebook {path}"
    sources = notebook_code_cells(path)
    module = problems[0].module
    assert sources[-1] == f'course.progress("{module}")', (
        f'{path.name}: the last code cell should be course.progress("{module}")'
    )
    for problem in problems:
        assert f"{problem.name}.check()" in sources, (
            f"{path.name}: no cell `{problem.name}.check()` for {problem.id}"
        )
        assert any(defines(source, problem.var) for source in sources), (
            f"{path.name}: no cell defines `{problem.var}` ({problem.id})"
        )


def _display(*objects, **kwargs) -> None:
    """``display`` outside a kernel: evaluate nothing, show nothing."""


def run_notebook_checking_solutions(path: Path, problems: list[Problem]) -> dict[str, str]:
    """(7) Run a solution notebook's code cells in this process. Just before the cell that
    answers an exercise, run the code its ``solution()`` shows in a copy of the namespace
    and check the result.

    Returns:
        problem id → feedback status of the shown solution (problems without code are
        left out).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.inputtransformer2 import TransformerManager

    sources = notebook_code_cells(path)
    answer_cell: dict[int, list[Problem]] = {}
    for problem in problems:
        if problem.solution_code is None:
            continue
        check = sources.index(f"{problem.name}.check()")
        candidates = [i for i in range(check) if defines(sources[i], problem.var)]
        assert candidates, f"{path.name}: no cell answers {problem.id} before its check"
        answer_cell.setdefault(candidates[-1], []).append(problem)
    namespace: dict[str, Any] = {"__name__": "__main__", "display": _display}
    transform = TransformerManager().transform_cell
    statuses = {}
    for index, source in enumerate(sources):
        for problem in answer_cell.get(index, []):
            trial = dict(namespace)
            exec(compile(problem.solution_code, f"<{problem.id} solution>", "exec"), trial)
            feedback = problem.check(trial[problem.var])
            assert feedback.status == "correct", (
                f"{problem.id}: the shown solution does not solve it:\n{feedback}"
            )
            statuses[problem.id] = feedback.status
        code = compile(transform(source), f"<{path.name} code cell {index}>", "exec")
        with contextlib.redirect_stdout(None):
            exec(code, namespace)
        plt.close("all")
    return statuses


# ---------------------------------------------------------------------------- the course

PROBLEMS = {problem.id: problem for problem in registry.all_problems()}
IDS = sorted(PROBLEMS)


@pytest.fixture
def default_world():
    """The committed course world only: for checks that do not depend on the data (the
    language of a message, what garbage gets), so that they cost one world, not two."""
    return course.setup(data=ROOT / "datasets", quiet=True)


def test_problem_ids_are_unique_and_prefixed_by_their_module():
    seen = set()
    for module, problems in registry.problems_by_module().items():
        for problem in problems:
            assert problem.module == module, f"{problem.id} lives in module {module}"
            assert problem.id not in seen, f"{problem.id} is declared twice"
            seen.add(problem.id)


@pytest.mark.parametrize("problem_id", IDS)
def test_reference_passes(problem_id, course_world):
    assert_reference_passes(PROBLEMS[problem_id])


@pytest.mark.parametrize("problem_id", IDS)
def test_mistakes_are_named(problem_id, course_world):
    assert_mistakes_are_named(PROBLEMS[problem_id])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("problem_id", IDS)
def test_mistakes_are_explained_in_the_trainees_language(problem_id, lang, default_world):
    assert_mistakes_explained_in(PROBLEMS[problem_id], lang)


@pytest.mark.parametrize("problem_id", IDS)
def test_an_all_missing_answer_is_no_named_mistake(problem_id, course_world):
    assert_all_missing_is_no_named_mistake(PROBLEMS[problem_id])


@pytest.mark.parametrize("problem_id", IDS)
def test_garbage_gives_feedback(problem_id, default_world):
    assert_garbage_gives_feedback(PROBLEMS[problem_id])


@pytest.mark.parametrize("problem_id", IDS)
def test_hostile_values_give_feedback(problem_id, default_world):
    assert_hostile_values_give_feedback(PROBLEMS[problem_id])


@pytest.mark.parametrize("problem_id", IDS)
def test_answers_are_not_modified(problem_id, default_world):
    assert_answers_are_not_modified(PROBLEMS[problem_id])


@pytest.mark.parametrize("problem_id", IDS)
def test_texts_are_bilingual(problem_id):
    assert_texts_are_bilingual(PROBLEMS[problem_id])


@pytest.mark.parametrize("problem_id", IDS)
def test_check_before_setup_says_run_setup(problem_id):
    assert_needs_setup(PROBLEMS[problem_id])


MODULES = registry.problems_by_module()


def notebook_of(module: str) -> str:
    return importlib.import_module(f"{registry.PACKAGE}.{module}").NOTEBOOK


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_problem_is_checked_in_the_notebook(module, folder):
    path = ROOT / folder / f"{notebook_of(module)}.ipynb"
    assert_checked_in_notebook(path, MODULES[module])


@pytest.mark.slow
@pytest.mark.parametrize("module", sorted(MODULES))
def test_the_solution_notebook_runs_and_each_shown_solution_solves(
    module, course_world, monkeypatch
):
    # The notebook's own course.setup() finds the world under test through the environment.
    monkeypatch.setenv("COURSEKIT_DATA", str(course_world.path))
    monkeypatch.chdir(ROOT / "solutions")
    problems = MODULES[module]
    statuses = run_notebook_checking_solutions(
        ROOT / "solutions" / f"{notebook_of(module)}.ipynb", problems
    )
    assert set(statuses) == {p.id for p in problems if p.solution_code is not None}
