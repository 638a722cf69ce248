"""Problem kinds: value, function, choice and open, and the pieces exercise modules declare.

An exercise module reads like a form: which variable, which reference, how to compare,
which known mistakes, which hints. All logic lives here. The flow of every check is the
same (:meth:`Problem.check`):

1. find the answer (the argument, or the variable ``var`` in the notebook);
2. ``____`` or an undefined variable: "not attempted";
3. no ``course.setup()`` or a stale kernel: an error with its own message;
4. compute the reference from the data in use (cached per world, see
   :mod:`coursekit.engine.cache`);
5. judge the answer (kind-specific); if it is wrong, find the known mistake it matches;
6. record the attempt in the progress file.

``check()`` never raises: damaged or missing course data (``CourseDataError``, wherever it
is raised) is an error saying so, and anything unexpected in our own code becomes status
"error" with a message saying it is not the trainee's fault. A trainee's function runs in
a sandbox (:mod:`coursekit.engine.sandbox`), so nothing it does can reach the kernel.

The engine reads the course state (:mod:`coursekit.state`), never the notebook facade
:mod:`coursekit.course`.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import itertools
import math
import operator
import re
import sys
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from coursekit import state
from coursekit.engine import sandbox
from coursekit.engine.compare import Comparison, Spec, compare, fmt_value, type_name
from coursekit.engine.feedback import Feedback, Note
from coursekit.engine.i18n import LANGS, AuthoringError, Bilingual, bilingual, t, text
from coursekit.engine.sandbox import Outcome
from coursekit.errors import CourseDataError, CourseNotSetUp

_OMITTED = object()  # "no argument given to check()": read the notebook variable instead
_SERIALS = itertools.count()


# ---------------------------------------------------------------------------- placeholder


class _Blank:
    """The ``____`` placeholder: the value of an exercise the trainee has not attempted."""

    __slots__ = ()
    _coursekit_blank = True

    def __repr__(self) -> str:
        return "____"

    def __reduce__(self) -> str:
        return "____"  # pickles as the module-level singleton


____ = _Blank()


def is_blank(value: Any) -> bool:
    """True for the ``____`` placeholder (also one from a reloaded copy of this module)."""
    try:
        return value is ____ or getattr(type(value), "_coursekit_blank", False) is True
    except Exception:
        return False


# ---------------------------------------------------------------------------- declarations

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_PROBLEM_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")


@dataclass(frozen=True, eq=False)
class Mistake:
    """A known misconception and how to recognise it.

    Attributes:
        name: snake_case name shown in feedback and stored in ``Feedback.mistake``.
        en: the explanation in English: what went wrong and why.
        zh: the same in Chinese.
        produce: ``produce(expected)`` returns a typical wrong answer (for a function
            problem: a wrong function), computed from the reference or from the data.
            It makes the mistake testable, and by default an answer matches the mistake
            when it compares equal to this wrong answer.
        matches: optional ``matches(answer, expected) -> bool`` for mistakes that a single
            wrong answer does not capture (e.g. "any answer with negative recency").
    """

    name: str
    en: str
    zh: str
    produce: Callable[[Any], Any] | None = None
    matches: Callable[[Any, Any], bool] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _SNAKE.match(self.name):
            raise AuthoringError(f"mistake name {self.name!r} must be snake_case")
        bilingual({"en": self.en, "zh": self.zh}, f"mistake {self.name}")
        if self.produce is not None and not callable(self.produce):
            raise AuthoringError(f"mistake {self.name}: produce must be a function")
        if self.matches is not None and not callable(self.matches):
            raise AuthoringError(f"mistake {self.name}: matches must be a function")

    def explanation(self, lang: str | None = None) -> str:
        return text({"en": self.en, "zh": self.zh}, lang)


@dataclass(frozen=True, eq=False)
class Case:
    """One test case of a function problem: ``fn(*args, **kwargs)``.

    Attributes:
        args: positional arguments (a tuple; any other value is one single argument).
        kwargs: keyword arguments.
        label: what the case tests, e.g. ``{"en": "an empty table", "zh": "空表"}``, or a
            language-neutral string like ``"days=0"``. Default: the call written out.
    """

    args: Any = ()
    kwargs: Mapping[str, Any] | None = None
    label: str | Bilingual | None = None

    def __post_init__(self) -> None:
        args = self.args
        if isinstance(args, list):
            args = tuple(args)
        elif not isinstance(args, tuple):
            args = (args,)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "kwargs", dict(self.kwargs or {}))
        if self.label is not None:
            object.__setattr__(self, "label", bilingual(self.label, "case label", plain_ok=True))

    def describe(self, var: str) -> str:
        if self.label is not None:
            return text(self.label)
        parts = [fmt_value(a) for a in self.args]
        parts += [f"{k}={fmt_value(v)}" for k, v in self.kwargs.items()]
        return f"{var}({', '.join(parts)})"


# ---------------------------------------------------------------------------- base class


@dataclass
class Judgement:
    """A kind-specific verdict, before mistakes are matched and feedback is written."""

    status: str
    headline: str
    lines: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    observation: Any = None
    manual_review: bool = False
    match_mistakes: bool = True
    mistake: Mistake | None = None


class Problem:
    """What every problem has: ``id``, ``title``, ``var``, ``check``, ``hint``, ``solution``,
    ``expected``. Subclasses say how to compute the reference and how to judge an answer."""

    kind: ClassVar[str] = "problem"

    def __init__(
        self,
        *,
        id: str,
        var: str,
        title: Bilingual,
        mistakes: Iterable[Mistake] = (),
        hints: Iterable[Bilingual] = (),
        solution: str | Bilingual | None = None,
    ) -> None:
        if not isinstance(id, str) or not _PROBLEM_ID.match(id):
            raise AuthoringError(f"problem id {id!r} must look like 'module.q1'")
        if not isinstance(var, str) or not var.isidentifier():
            raise AuthoringError(f"{id}: var {var!r} must be a Python variable name")
        self.id = id
        self.var = var
        self._title = bilingual(title, f"{id}: title")
        self._hints = [bilingual(h, f"{id}: hint {n}") for n, h in enumerate(hints, 1)]
        self._solution = (
            None if solution is None else bilingual(solution, f"{id}: solution", plain_ok=True)
        )
        self.mistakes: tuple[Mistake, ...] = tuple(mistakes)
        names = [m.name for m in self.mistakes if isinstance(m, Mistake)]
        if len(names) != len(self.mistakes):
            raise AuthoringError(f"{id}: mistakes must be Mistake(...) objects")
        if len(set(names)) != len(names):
            raise AuthoringError(f"{id}: two mistakes share a name")
        self._serial = next(_SERIALS)  # tells apart two problems declared with one id

    # -- what the notebook sees

    @property
    def title(self) -> str:
        return text(self._title)

    @property
    def name(self) -> str:
        """The short name used in the notebook, e.g. "q1"."""
        return self.id.rsplit(".", 1)[1]

    @property
    def module(self) -> str:
        """The course module, e.g. "rfm"."""
        return self.id.split(".", 1)[0]

    @property
    def solution_code(self) -> str | None:
        """The model solution as code (what ``solution()`` shows), or None when the solution
        is an explanation in words (choice and open problems)."""
        return self._solution if isinstance(self._solution, str) else None

    def hint_texts(self, lang: str | None = None) -> list[str]:
        """Every hint in ``lang`` (default: the current language), gentlest first."""
        return [text(h, lang) for h in self._hints]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id}: {self.title})"

    def check(self, answer: Any = _OMITTED, *, record: bool = True) -> Feedback:
        """Check an answer and say what is right or wrong with it. Never raises.

        Args:
            answer: the answer; omitted, the variable ``var`` is read from the notebook
                (the IPython namespace, else the caller's local then global variables).
            record: count the check in the progress file. A notebook showing what a wrong
                answer looks like passes ``record=False``, so that the trainee's progress
                starts at zero.

        Returns:
            A :class:`Feedback`; its status is "correct", "incorrect", "not_attempted" or
            "error".
        """
        try:
            if answer is _OMITTED:
                frame = sys._getframe(1)
                try:
                    found, answer = _find_variable(self.var, frame)
                finally:
                    del frame  # frames hold references to every local of the caller
                if not found:
                    return self._feedback("not_attempted", t("check.undefined", var=self.var))
            feedback = self._check(answer)
        except (Exception, SystemExit) as exc:  # only a KeyboardInterrupt may stop a check
            feedback = self._internal_error(exc)
        if record:
            notices = _record(self.id, feedback.status)
            if notices:
                feedback = dataclasses.replace(feedback, notes=(*feedback.notes, *notices))
        return feedback

    def hint(self, n: int = 1) -> Note:
        """Hint number ``n`` (from 1); a friendly note when there is no such hint."""
        total = len(self._hints)
        if total == 0:
            return self._note(t("hint.title"), t("hint.none", name=self.name))
        try:
            number = operator.index(n)
        except TypeError:
            number = 0
        if isinstance(n, bool) or number < 1:
            return self._note(t("hint.title"), t("hint.invalid", total=total, name=self.name))
        if number > total:
            return self._note(t("hint.title"), t("hint.beyond", total=total, name=self.name))
        return self._note(t("hint.heading", n=number, total=total), text(self._hints[number - 1]))

    def solution(self) -> Note:
        """The solution: code (shown as a block) or an explanation."""
        if self._solution is None:
            return self._note(t("solution.heading"), t("solution.none"), kind="solution")
        if isinstance(self._solution, str):
            return self._note(t("solution.heading"), code=self._solution, kind="solution")
        return self._note(t("solution.heading"), text(self._solution), kind="solution")

    def expected(self) -> Any:
        """The reference answer computed from the data in use (a copy: change it freely).

        Raises:
            CourseNotSetUp: ``course.setup()`` has not run in this kernel.
        """
        return _copy(self._expected())

    # -- for tests and tools

    def matching_mistake(self, answer: Any) -> Mistake | None:
        """The first catalogued mistake that ``answer`` matches, or None."""
        expected = self._expected()
        return self._match_mistake(answer, expected, self._observe(answer))

    def texts(self) -> list[tuple[str, Bilingual]]:
        """Every bilingual text of the problem, with where it is (for completeness checks)."""
        out: list[tuple[str, Bilingual]] = [("title", self._title)]
        out += [(f"hint {n}", h) for n, h in enumerate(self._hints, 1)]
        out += [(f"mistake {m.name}", {"en": m.en, "zh": m.zh}) for m in self.mistakes]
        if isinstance(self._solution, Mapping):
            out.append(("solution", self._solution))
        return out

    # -- the pipeline

    def _check(self, answer: Any) -> Feedback:
        if self._is_unattempted(answer):
            return self._feedback("not_attempted", t("check.not_attempted", var=self.var))
        if not state.is_set_up():
            return self._not_set_up()
        try:
            stale = _stale_reason()
            if stale:
                return self._feedback(
                    "error", t("check.stale"), details={"reason": "stale", "stale": stale}
                )
            return self._judged(answer)
        except CourseNotSetUp:
            return self._not_set_up()
        except CourseDataError as exc:  # the data in use is damaged or gone, wherever noticed
            detail = _exception_text(exc, limit=300)
            return self._feedback(
                "error",
                t("check.data_error", detail=detail),
                details={"reason": "data_error", "exception": detail},
            )

    def _judged(self, answer: Any) -> Feedback:
        expected = self._expected()
        judgement = self._judge(answer, expected)
        if judgement.status != "incorrect":
            return self._feedback(
                judgement.status,
                "\n".join([judgement.headline, *judgement.lines]),
                details=judgement.details or None,
                manual_review=judgement.manual_review,
            )
        mistake = judgement.mistake
        if mistake is None and judgement.match_mistakes:
            mistake = self._match_mistake(answer, expected, judgement.observation)
        lines = [judgement.headline]
        if mistake is not None:
            lines.append(t("check.mistake", name=mistake.name, explanation=mistake.explanation()))
        lines += judgement.lines
        details = dict(judgement.details)
        if mistake is not None:
            details["mistake"] = mistake.name
        return self._feedback(
            "incorrect",
            "\n".join(lines),
            mistake=None if mistake is None else mistake.name,
            details=details or None,
        )

    def _expected(self) -> Any:
        return self._cached("expected", self._compute_expected)

    def _cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        # Keyed on the world in use: a new world (per-trainee data) never reuses the
        # previous reference; setting up the same world again does.
        # The first computation in a world may read raw exports: past a second, a
        # progress bar says the kernel is working (coursekit.engine.slow).
        return state.world_cached(("problem", self.id, self._serial, key), lambda: _slowly(compute))

    def _match_mistake(self, answer: Any, expected: Any, observation: Any) -> Mistake | None:
        for mistake in self.mistakes:
            try:
                if mistake.matches is not None:
                    if bool(mistake.matches(self._probe(answer), _copy(expected))):
                        return mistake
                    continue
                target = self._cached(("mistake", mistake.name), lambda m=mistake: self._target(m))
                if self._same(observation, target):
                    return mistake
            except (CourseDataError, CourseNotSetUp):
                raise  # the data is broken: say so, do not hide it as "no mistake"
            except Exception:
                # A mistake we cannot evaluate is simply not matched; the answer is still
                # reported as incorrect with its own differences.
                continue
        return None

    def _probe(self, answer: Any) -> Any:
        """What a mistake's ``matches`` receives: a copy of the answer."""
        return _copy(answer)

    def _target(self, mistake: Mistake) -> Any:
        expected = self._expected()
        return self._observe(mistake.produce(_copy(expected)))

    def _is_unattempted(self, answer: Any) -> bool:
        return is_blank(answer)

    def _not_set_up(self) -> Feedback:
        return self._feedback("error", t("check.not_set_up"), details={"reason": "not_set_up"})

    def _internal_error(self, exc: BaseException) -> Feedback:
        try:
            return self._feedback(
                "error",
                t("check.internal_error", error=type(exc).__name__),
                details={"reason": "internal", "exception": _exception_text(exc)},
            )
        except Exception:  # even the catalog failed: still answer, in English
            return Feedback("error", f"Internal checker error ({type(exc).__name__}).", self.id)

    def _feedback(self, status: str, message: str, **extra: Any) -> Feedback:
        return Feedback(status, message, problem_id=self.id, title=self.title, **extra)

    def _note(self, heading: str, body: str = "", code: str | None = None, kind: str = "hint"):
        return Note(heading, body, code, kind, subheading=f"{self.id} · {self.title}")

    # -- what subclasses provide

    def _compute_expected(self) -> Any:
        raise NotImplementedError

    def _judge(self, answer: Any, expected: Any) -> Judgement:
        raise NotImplementedError

    def _observe(self, answer: Any) -> Any:
        """What is compared with a mistake's wrong answer (the answer itself by default)."""
        return answer

    def _same(self, observation: Any, target: Any) -> bool:
        raise NotImplementedError


def _require_produce(problem_id: str, mistakes: Sequence[Mistake]) -> None:
    for mistake in mistakes:
        if mistake.produce is None:
            raise AuthoringError(
                f"{problem_id}: mistake {mistake.name} needs produce=... (a typical wrong "
                "answer), so that the mistake can be tested"
            )


# ---------------------------------------------------------------------------- value


class ValueProblem(Problem):
    """The trainee computes a value: a number, a text, a list, a Series or a DataFrame.

    Args:
        id: "module.qN".
        var: the notebook variable holding the answer.
        title: ``{"en": ..., "zh": ...}``.
        reference: a function without arguments computing the reference answer from the
            data in use (``course.load(...)``).
        compare: a spec (:class:`~coursekit.engine.compare.FrameSpec`,
            :class:`~coursekit.engine.compare.SeriesSpec`,
            :class:`~coursekit.engine.compare.ScalarSpec`,
            :class:`~coursekit.engine.compare.SetSpec`); default by the reference's type.
            It may also be a function without arguments returning a spec, for a tolerance
            that depends on the data (computed once per world).
        mistakes: known mistakes, each with ``produce``.
        hints: bilingual hints, first the gentlest.
        solution: code (a str) or a bilingual explanation.
    """

    kind = "value"

    def __init__(
        self,
        *,
        id: str,
        var: str,
        title: Bilingual,
        reference: Callable[[], Any],
        compare: Spec | Callable[[], Spec] | None = None,
        mistakes: Iterable[Mistake] = (),
        hints: Iterable[Bilingual] = (),
        solution: str | Bilingual | None = None,
    ) -> None:
        super().__init__(
            id=id, var=var, title=title, mistakes=mistakes, hints=hints, solution=solution
        )
        if not callable(reference):
            raise AuthoringError(f"{id}: reference must be a function without arguments")
        is_spec = callable(getattr(compare, "compare", None))
        if compare is not None and not is_spec and not callable(compare):
            raise AuthoringError(f"{id}: compare must be a spec such as FrameSpec(...)")
        _require_produce(id, self.mistakes)
        self._reference = reference
        #: The spec as declared (a spec, a function returning one, or None).
        self.spec = compare

    def comparison_spec(self) -> Spec | None:
        """The spec used for the data in use (a declared function is evaluated per world)."""
        spec = self.spec
        if spec is None or callable(getattr(spec, "compare", None)):
            return spec
        return self._cached("spec", spec)

    def _compute_expected(self) -> Any:
        return self._reference()

    def _judge(self, answer: Any, expected: Any) -> Judgement:
        result = compare(expected, answer, self.comparison_spec())
        if result.equal:
            return Judgement("correct", t("check.correct", var=self.var))
        return Judgement(
            "incorrect",
            t("check.incorrect", var=self.var),
            lines=result.lines(),
            details=result.as_details(),
            observation=answer,
        )

    def _same(self, observation: Any, target: Any) -> bool:
        spec = self.comparison_spec()
        # A spec with several right answers matches a mistake's one wrong answer exactly.
        exact = getattr(spec, "exact", None)
        return compare(target, observation, exact() if callable(exact) else spec).equal


# ---------------------------------------------------------------------------- function

#: A test case with at most this many values counts as small: running out of time there
#: means a loop that does not end, not a slow method.
SMALL_CASE = 100


class FunctionProblem(Problem):
    """The trainee writes a function; it is run on test cases in a sandbox, with time limits.

    Each case may take ``time_limit`` seconds plus ``time_per_1000`` for every 1,000 values
    in its arguments (:meth:`case_limit`); the exercise text states this
    (:meth:`time_limit_text`). A function that runs out of time on a small case is told it
    may loop endlessly; one that finished the small cases but not a large one is told it is
    too slow, and how to be faster (``slow_hint``). A correct function that took more
    than ``time_limit`` on some case passes with a note saying so.

    Args:
        id, var, title, hints, solution: as for :class:`ValueProblem`.
        reference: the reference function.
        cases: a list of :class:`Case`, or a function without arguments returning one
            (to build cases from the data in use, lazily).
        compare: a spec for the outputs; default by each reference output's type.
        time_limit: seconds per case.
        time_per_1000: more seconds per 1,000 values of a case's largest argument.
        slow_hint: bilingual advice for a correct but slow function.
        mistakes: known mistakes; ``produce(reference)`` returns a wrong *function*, and an
            answer matches when its outputs equal the wrong function's on every case. A
            mistake's ``matches`` receives the trainee's function wrapped so that every call
            runs in the sandbox (and raises if it fails).
    """

    kind = "function"

    def __init__(
        self,
        *,
        id: str,
        var: str,
        title: Bilingual,
        reference: Callable[..., Any],
        cases: Sequence[Case] | Callable[[], Sequence[Case]],
        compare: Spec | None = None,
        time_limit: float = 5.0,
        time_per_1000: float = 0.0,
        slow_hint: Bilingual | None = None,
        mistakes: Iterable[Mistake] = (),
        hints: Iterable[Bilingual] = (),
        solution: str | Bilingual | None = None,
    ) -> None:
        super().__init__(
            id=id, var=var, title=title, mistakes=mistakes, hints=hints, solution=solution
        )
        if not callable(reference):
            raise AuthoringError(f"{id}: reference must be the reference function")
        if not callable(cases):
            cases = tuple(cases)
            if not cases or not all(isinstance(c, Case) for c in cases):
                raise AuthoringError(f"{id}: cases must be a non-empty list of Case(...)")
        if not _is_seconds(time_limit):
            raise AuthoringError(f"{id}: time_limit must be a positive number of seconds")
        if not _is_seconds(time_per_1000, zero_ok=True):
            raise AuthoringError(f"{id}: time_per_1000 must be a number of seconds (0 or more)")
        _require_produce(id, self.mistakes)
        self._reference = reference
        self._case_source = cases
        self.spec = compare
        self.time_limit = float(time_limit)
        self.time_per_1000 = float(time_per_1000)
        self._slow_hint = None if slow_hint is None else bilingual(slow_hint, f"{id}: slow_hint")

    def texts(self) -> list[tuple[str, Bilingual]]:
        out = super().texts()
        if self._slow_hint is not None:
            out.append(("slow hint", self._slow_hint))
        return out

    def _compute_expected(self) -> Any:
        return self._reference

    # -- cases and limits

    def cases(self) -> list[Case]:
        """The test cases for the data in use (copies: changing them changes no check)."""
        return copy.deepcopy(self._cases())

    def _cases(self) -> list[Case]:
        if not callable(self._case_source):  # declared as a list: the same in every world
            return list(self._case_source)
        return self._cached("cases", self._build_cases)

    def _build_cases(self) -> list[Case]:
        source = self._case_source
        cases = list(source() if callable(source) else source)
        if not cases or not all(isinstance(c, Case) for c in cases):
            raise AuthoringError(f"{self.id}: cases must be a non-empty list of Case(...)")
        return cases

    def case_limit(self, case: Case) -> float:
        """Seconds the trainee's function may take on ``case``."""
        return self.time_limit + self.time_per_1000 * case_size(case) / 1000

    def time_limit_text(self, lang: str | None = None) -> str:
        """The time limit in words, as the exercise text states it."""
        seconds = f"{self.time_limit:g}"
        if self.time_per_1000 == 0:
            return t("function.limit", lang=lang, seconds=seconds)
        return t("function.limit_scaled", lang=lang, seconds=seconds,
                 per_1000=f"{self.time_per_1000:g}")  # fmt: skip

    def _reference_outcomes(self) -> list[Outcome]:
        return self._cached(
            "reference_outcomes", lambda: [_run_trusted(self._reference, c) for c in self._cases()]
        )

    # -- running a function

    def _observe(self, fn: Any) -> list[Outcome]:
        """The trainee's function on every case, in the sandbox."""
        if not callable(fn):
            return []
        cases = self._cases()
        calls = [sandbox.Call(c.args, c.kwargs, self.case_limit(c)) for c in cases]
        with _CaseProgress(self.var, len(calls)) as progress:
            return sandbox.run_calls(fn, calls, on_tick=progress.tick)

    def _target(self, mistake: Mistake) -> list[Outcome]:
        wrong = mistake.produce(self._reference)  # our own wrong function: no sandbox needed
        return [_run_trusted(wrong, c) for c in self._cases()]

    def _probe(self, answer: Any) -> Any:
        if callable(answer):
            return sandbox.SandboxedFunction(answer, self.time_limit)
        return _copy(answer)

    def _same(self, observation: list[Outcome], target: list[Outcome]) -> bool:
        return len(observation) == len(target) and all(
            self._case_comparison(e, g) is None for e, g in zip(target, observation, strict=True)
        )

    # -- judging

    def _judge(self, answer: Any, expected: Any) -> Judgement:
        if not callable(answer):
            return Judgement(
                "incorrect",
                t("function.not_callable", var=self.var, given=type_name(answer)),
                match_mistakes=False,
            )
        if _mentions_blank(answer):
            return Judgement("not_attempted", t("function.placeholder", var=self.var))
        cases = self._cases()
        reference = self._reference_outcomes()
        observed = self._observe(answer)
        if (
            observed
            and observed[0].kind == "raised"
            and observed[0].error == "NotImplementedError"
            and reference[0].error != "NotImplementedError"
        ):
            return Judgement("not_attempted", t("function.placeholder", var=self.var))
        results = []
        first_failure: tuple[int, Outcome, Outcome | None, Comparison | None] | None = None
        for index, case in enumerate(cases):
            given = observed[index] if index < len(observed) else None
            difference = self._case_comparison(reference[index], given)
            passed = difference is None
            results.append(
                {
                    "case": case.describe(self.var),
                    "passed": passed,
                    "seconds": None if given is None else round(given.seconds, 3),
                }
            )
            if not passed and first_failure is None:
                first_failure = (index, reference[index], given, difference)
        passed_count = sum(r["passed"] for r in results)
        details = {"cases": results}
        if first_failure is None:
            lines = self._slow_note(cases, observed)
            if lines:
                details["slow"] = True
            return Judgement(
                "correct",
                t("function.correct", var=self.var, total=len(cases)),
                lines=lines,
                details=details,
            )
        return Judgement(
            "incorrect",
            t("function.incorrect", var=self.var, passed=passed_count, total=len(cases)),
            lines=self._failure_lines(cases, observed, *first_failure),
            details=details,
            observation=observed,
            match_mistakes=observed[-1].kind not in _STOPPED if observed else True,
        )

    def _case_comparison(self, expected: Outcome, given: Outcome | None) -> Comparison | None:
        """None when the outcomes agree, else a Comparison (possibly without findings)."""
        if given is None or given.kind in _STOPPED:
            return Comparison(False)
        if expected.kind == "raised" or given.kind == "raised":
            same = expected.kind == given.kind and expected.error == given.error
            return None if same else Comparison(False)
        result = compare(expected.value, given.value, self.spec)
        return None if result.equal else result

    def _slow_note(self, cases: Sequence[Case], observed: Sequence[Outcome]) -> list[str]:
        """A note for a correct function that took longer than the base limit somewhere."""
        slowest = max(range(len(observed)), key=lambda i: observed[i].seconds, default=None)
        if slowest is None or observed[slowest].seconds <= self.time_limit:
            return []
        case = cases[slowest]
        lines = [
            t(
                "function.slow_but_correct",
                case=case.describe(self.var),
                size=f"{case_size(case):,}",
                seconds=f"{observed[slowest].seconds:.1f}",
                limit=f"{self.case_limit(case):.1f}",
            )
        ]
        lines.append(text(self._slow_hint) if self._slow_hint else t("function.vectorize"))
        return lines

    def _failure_lines(
        self,
        cases: Sequence[Case],
        observed: Sequence[Outcome],
        index: int,
        expected: Outcome,
        given: Outcome | None,
        difference: Comparison | None,
    ) -> list[str]:
        case = cases[index]
        label = case.describe(self.var)
        if given is None:  # an earlier case stopped the run
            return []
        if given.kind == "timeout":
            return self._timeout_lines(cases, observed, index)
        if given.kind == "memory":
            return [t("case.memory", case=label)]
        if given.kind == "crashed":
            return [t("case.crashed", case=label, detail=given.detail)]
        if given.kind == "raised":
            if given.error == "SystemExit":
                return [t("case.exit", case=label)]
            return [t("case.raised", case=label, error=given.error, detail=given.detail)]
        if expected.kind == "raised":
            return [
                t(
                    "case.should_raise",
                    case=label,
                    error=expected.error,
                    given=fmt_value(given.value),
                )
            ]
        if _is_simple(expected.value) and _is_simple(given.value):
            return [
                t(
                    "case.expected_given",
                    case=label,
                    expected=fmt_value(expected.value),
                    given=fmt_value(given.value),
                )
            ]
        lines = [t("case.differs", case=label)]
        if difference is not None:
            lines += ["  " + line for line in difference.lines()]
        return lines

    def _timeout_lines(self, cases: Sequence[Case], observed: Sequence[Outcome], index: int):
        """ "Endless" on a small case (or before any case finished); else "too slow"."""
        case = cases[index]
        size = case_size(case)
        limit = f"{self.case_limit(case):.1f}".rstrip("0").rstrip(".")
        finished = [o for o in observed[:index] if o.kind != "timeout"]
        label = case.describe(self.var)
        if size <= SMALL_CASE or not finished:
            return [t("case.endless", case=label, seconds=limit)]
        fastest = max(finished, key=lambda o: o.seconds)
        return [
            t(
                "case.too_slow",
                case=label,
                seconds=limit,
                size=f"{size:,}",
                earlier=f"{fastest.seconds:.2f}",
            ),
            text(self._slow_hint) if self._slow_hint else t("function.vectorize"),
        ]


#: Outcomes after which the sandbox stopped running further cases.
_STOPPED = frozenset({"timeout", "crashed", "memory"})


def _slowly(compute: Callable[[], Any]) -> Any:
    from coursekit.engine.slow import slow_step

    with slow_step(t("check.preparing")):
        return compute()


def _is_seconds(value: Any, zero_ok: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and (value >= 0 if zero_ok else value > 0)


def case_size(case: Case) -> int:
    """The number of values in a case's largest argument (rows of a table, items of a
    list); 1 for scalars and texts."""
    sizes = [1]
    for value in (*case.args, *case.kwargs.values()):
        if isinstance(value, pd.DataFrame | pd.Series | pd.Index | np.ndarray | list | tuple):
            try:
                sizes.append(len(value))
            except TypeError:
                continue
    return max(sizes)


def _run_trusted(fn: Callable[..., Any], case: Case) -> Outcome:
    """Run one of our own functions (the reference, a mistake's) in this process, on a
    private copy of the case's arguments."""
    try:
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    except Exception:
        args, kwargs = case.args, dict(case.kwargs)
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:  # an expected exception ("should raise ValueError")
        return Outcome("raised", error=type(exc).__name__, detail=_exception_text(exc))
    return Outcome("returned", value=value)


class _CaseProgress:
    """A progress bar over the test cases, shown only when a run takes more than a second."""

    DELAY = 1.0

    def __init__(self, var: str, total: int) -> None:
        self.var = var
        self.total = total
        self.bar = None

    def __enter__(self) -> _CaseProgress:
        return self

    def tick(self, done: int, total: int, elapsed: float) -> None:
        try:
            if self.bar is None:
                if elapsed < self.DELAY:
                    return
                from coursekit.engine.slow import progress_bar

                self.bar = progress_bar(total, t("function.progress", var=self.var))
            self.bar.update(done - self.bar.n)
        except Exception:  # a progress bar is a courtesy
            self.bar = None

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            with contextlib.suppress(Exception):
                self.bar.close()


def _is_simple(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str | np.generic)


def _mentions_blank(fn: Any) -> bool:
    """True when a function's code still uses the ``____`` placeholder."""
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__func__", None), "__code__", None)
    pending = [code] if isinstance(code, types.CodeType) else []
    while pending:
        current = pending.pop()
        if "____" in current.co_names:
            return True
        pending += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return False


# ---------------------------------------------------------------------------- choice


class _Choose:
    """``produce`` of a choice mistake declared per option: always answers that option."""

    def __init__(self, selection: str) -> None:
        self.selection = selection

    def __call__(self, expected: Any) -> str:
        return self.selection


class ChoiceProblem(Problem):
    """Multiple choice: which segment, which action, which statement.

    Args:
        id, var, title, hints, solution: as for :class:`ValueProblem`.
        options: option key → bilingual text, e.g. ``{"a": {...}, "b": {...}}``.
        answer: the right key ("b"), or several keys (["a", "c"]) for a multi-select.
        explanation: optional bilingual text shown with a correct answer and the solution.
        mistakes: a mapping option key → :class:`Mistake` (the wrong option's
            explanation; ``produce`` is filled in), or a list of mistakes with ``produce``
            returning a selection, e.g. ``["a"]`` for a multi-select.
    """

    kind = "choice"

    def __init__(
        self,
        *,
        id: str,
        var: str,
        title: Bilingual,
        options: Mapping[str, Bilingual],
        answer: str | Sequence[str],
        explanation: Bilingual | None = None,
        mistakes: Mapping[str, Mistake] | Iterable[Mistake] = (),
        hints: Iterable[Bilingual] = (),
        solution: str | Bilingual | None = None,
    ) -> None:
        self._options: dict[str, Bilingual] = {}
        for key, option in dict(options).items():
            norm = key.strip().lower() if isinstance(key, str) else ""
            if not norm or not norm.isalnum() or norm in self._options:
                raise AuthoringError(f"{id}: option keys must be distinct letters, got {key!r}")
            self._options[norm] = bilingual(option, f"{id}: option {key}")
        self.multi = not isinstance(answer, str)
        correct, _ = self._parse(answer, multi=True)
        if correct is None or not correct or (not self.multi and len(correct) != 1):
            raise AuthoringError(f"{id}: answer {answer!r} must name option(s) of {options!r}")
        self._answer = correct
        if isinstance(mistakes, Mapping):
            per_option = []
            for key, mistake in mistakes.items():
                selection, _ = self._parse(key, multi=True)
                if selection is None or selection == correct or not isinstance(mistake, Mistake):
                    raise AuthoringError(f"{id}: mistake for {key!r} must be a wrong option")
                per_option.append(dataclasses.replace(mistake, produce=_Choose(key)))
            mistakes = per_option
        super().__init__(
            id=id, var=var, title=title, mistakes=mistakes, hints=hints, solution=solution
        )
        _require_produce(id, self.mistakes)
        self._explanation = (
            None if explanation is None else bilingual(explanation, f"{id}: explanation")
        )

    @property
    def options(self) -> dict[str, str]:
        """Option key → text in the current language."""
        return {key: text(value) for key, value in self._options.items()}

    def texts(self) -> list[tuple[str, Bilingual]]:
        out = super().texts()
        out += [(f"option {key}", value) for key, value in self._options.items()]
        if self._explanation is not None:
            out.append(("explanation", self._explanation))
        return out

    def solution(self) -> Note:
        if self._solution is not None:
            return super().solution()
        keys = sorted(self._answer)
        lines = [t("choice.answer", answer=", ".join(keys))]
        lines += [f"{key}. {text(self._options[key])}" for key in keys]
        if self._explanation is not None:
            lines.append(text(self._explanation))
        return self._note(t("solution.heading"), "\n".join(lines), kind="solution")

    def _compute_expected(self) -> Any:
        keys = sorted(self._answer)
        return keys if self.multi else keys[0]

    def _is_unattempted(self, answer: Any) -> bool:
        if is_blank(answer):
            return True
        if isinstance(answer, str):
            return not answer.strip() or set(answer.strip()) == {"_"}
        return isinstance(answer, list | tuple | set | frozenset) and len(answer) == 0

    def _parse(self, answer: Any, multi: bool) -> tuple[frozenset[str] | None, str | None]:
        """The selected keys, or None and the reason the answer cannot be read."""
        example = sorted(self._options)[0]
        if isinstance(answer, str):
            parts = [p for p in re.split(r"[\s,;，、/]+", answer.strip().lower()) if p]
            single_letters = all(len(k) == 1 for k in self._options)
            if (
                len(parts) == 1
                and parts[0] not in self._options
                and single_letters
                and all(ch in self._options for ch in parts[0])
            ):
                parts = list(parts[0])  # "ac" for a multi-select
        elif isinstance(answer, list | tuple | set | frozenset) and all(
            isinstance(p, str) for p in answer
        ):
            parts = [p.strip().lower() for p in answer]
        else:
            return None, t("choice.not_text", example=example, given=type_name(answer))
        invalid = [p for p in parts if p not in self._options]
        if invalid:
            options = ", ".join(f'"{k}"' for k in self._options)
            return None, t("choice.invalid", given=fmt_value(invalid[0]), options=options)
        selection = frozenset(parts)
        if not multi and len(selection) != 1:
            return None, t("choice.one_only", example=example, given=", ".join(sorted(selection)))
        return selection, None

    def _observe(self, answer: Any) -> frozenset[str] | None:
        return self._parse(answer, self.multi)[0]

    def _same(self, observation: Any, target: Any) -> bool:
        return observation is not None and observation == target

    def _judge(self, answer: Any, expected: Any) -> Judgement:
        selection, problem = self._parse(answer, self.multi)
        if selection is None:
            return Judgement("incorrect", problem or "", match_mistakes=False)
        given = ", ".join(sorted(selection))
        if selection == self._answer:
            lines = [] if self._explanation is None else [text(self._explanation)]
            return Judgement("correct", t("choice.correct", given=given), lines=lines)
        key = "choice.wrong_multi" if self.multi else "choice.wrong"
        return Judgement(
            "incorrect",
            t(key, given=given),
            details={"selected": sorted(selection)},
            observation=selection,
        )


# ---------------------------------------------------------------------------- open

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’-][^\W_{_CJK}]+)*")
_PLACEHOLDER_TEXT = re.compile(
    r"_{2,}|your\s+(answer|code|text)\s+here|todo|\.\.\.|…|在此(作答|填写)", re.IGNORECASE
)


def word_count(value: str) -> int:
    """Words in a text; each Chinese character counts as one word."""
    return len(_WORD.findall(value))


def _first_words(value: str, n: int) -> str:
    words = list(_WORD.finditer(value))[:n]
    return value[: words[-1].end()] if words else value


def _is_placeholder_text(value: str) -> bool:
    return not _WORD.search(_PLACEHOLDER_TEXT.sub(" ", value))


class _TooShort:
    """The built-in ``too_short`` mistake of open problems."""

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def produce(self, expected: str) -> str:
        return _first_words(expected, 3)

    def matches(self, answer: Any, expected: Any) -> bool:
        return isinstance(answer, str) and word_count(answer) < self.minimum


@dataclass(frozen=True, eq=False)
class Criterion:
    """One criterion of a :class:`Rubric`: what is assessed, and each level's descriptor
    with the points it earns.

    Attributes:
        title: what is assessed, e.g. ``{"en": "Targets", "zh": "目标客群"}``.
        levels: ``(points, descriptor)`` pairs from the lowest level to the highest, one per
            level of the rubric; points rise from level to level.
    """

    title: Bilingual
    levels: Sequence[tuple[float, Bilingual]]

    @property
    def max_points(self) -> float:
        return self.levels[-1][0]


class Rubric:
    """A scoring rubric as data: criteria x levels x points.

    Args:
        criteria: the :class:`Criterion` list, each with one ``(points, descriptor)`` per
            level.
        levels: the bilingual names of the levels, lowest first (e.g. missing, partial,
            complete).

    Raises:
        AuthoringError: a text is not bilingual, a criterion has another number of levels
            than the rubric, or its points do not rise.
    """

    def __init__(self, criteria: Sequence[Criterion], levels: Sequence[Bilingual]) -> None:
        if isinstance(levels, str | Mapping) or len(levels) < 2:
            raise AuthoringError("a rubric needs at least two levels (lowest first)")
        self.levels = tuple(
            bilingual(name, f"rubric level {n}") for n, name in enumerate(levels, 1)
        )
        if isinstance(criteria, Criterion) or not criteria:
            raise AuthoringError("a rubric needs a list of Criterion(...)")
        checked = []
        for n, criterion in enumerate(criteria, 1):
            if not isinstance(criterion, Criterion):
                raise AuthoringError(f"rubric criterion {n} must be a Criterion(...)")
            where = f"rubric criterion {n}"
            title = bilingual(criterion.title, f"{where}: title")
            if len(criterion.levels) != len(self.levels):
                raise AuthoringError(
                    f"{where}: {len(criterion.levels)} level(s), the rubric has {len(self.levels)}"
                )
            levels = []
            for points, descriptor in criterion.levels:
                number = isinstance(points, int | float) and not isinstance(points, bool)
                if not number or not (math.isfinite(points) and points >= 0):
                    raise AuthoringError(f"{where}: points must be numbers >= 0, got {points!r}")
                levels.append((points, bilingual(descriptor, f"{where}: level descriptor")))
            if any(b[0] <= a[0] for a, b in itertools.pairwise(levels)):
                raise AuthoringError(f"{where}: points must rise from level to level")
            checked.append(Criterion(title, tuple(levels)))
        self.criteria = tuple(checked)

    @property
    def max_points(self) -> float:
        """The points of an answer at the highest level of every criterion."""
        return sum(c.max_points for c in self.criteria)

    def criterion_text(self, criterion: Criterion, lang: str | None = None) -> str:
        """One criterion in one line: its title, then each level with its points."""
        parts = [
            f"{_points(points)} = {text(descriptor, lang)}"
            for points, descriptor in criterion.levels
        ]
        heading = t("rubric.criterion", lang=lang, title=text(criterion.title, lang),
                    points=_points(criterion.max_points))  # fmt: skip
        return heading + t(
            "rubric.levels", lang=lang, levels=t("rubric.separator", lang=lang).join(parts)
        )

    def texts(self) -> list[Bilingual]:
        """Each criterion as a bilingual one-line text (for graders and completeness checks)."""
        return [{lang: self.criterion_text(c, lang) for lang in LANGS} for c in self.criteria]

    def table(self, lang: str | None = None) -> pd.DataFrame:
        """The rubric as a table to show: one row per criterion, one column per level
        ("descriptor (N pts)"), and the criterion's maximum points."""
        columns = [text(name, lang) for name in self.levels]
        rows = {}
        for criterion in self.criteria:
            cells = [
                t("rubric.cell", lang=lang, text=text(d, lang), points=_points(p))
                for p, d in criterion.levels
            ]
            rows[text(criterion.title, lang)] = [*cells, criterion.max_points]
        table = pd.DataFrame.from_dict(
            rows, orient="index", columns=[*columns, t("rubric.max", lang=lang)]
        )
        table.index.name = t("rubric.criterion_column", lang=lang)
        return table

    def score(self, levels: Mapping[int, int] | Sequence[int]) -> float:
        """The points of an assessment: the level reached (0 = lowest) per criterion."""
        reached = list(levels.values()) if isinstance(levels, Mapping) else list(levels)
        if len(reached) != len(self.criteria):
            raise ValueError(f"give one level per criterion ({len(self.criteria)})")
        total = 0.0
        for criterion, level in zip(self.criteria, reached, strict=True):
            if isinstance(level, bool) or not isinstance(level, int | np.integer):
                raise ValueError(f"a level is a whole number from 0, got {level!r}")
            if not 0 <= level < len(criterion.levels):
                raise ValueError(f"level {level} is not one of 0..{len(criterion.levels) - 1}")
            total += criterion.levels[level][0]
        return total

    def _repr_html_(self) -> str:
        return self.table().to_html(escape=True)

    def __repr__(self) -> str:
        return self.table().to_string()


def _points(value: float) -> str:
    return f"{value:g}"


class OpenProblem(Problem):
    """An open task (a strategy memo): recorded for manual review, with a self-assessment
    rubric and a model answer. Too short an answer is the built-in mistake ``too_short``.

    Args:
        id, var, title, hints: as for :class:`ValueProblem`.
        rubric: bilingual points the answer should cover, or a :class:`Rubric` (criteria x
            levels x points; shown in the notebook with ``problem.rubric.table()``).
        model_answer: a bilingual model answer (at least ``min_words`` long).
        min_words: the shortest answer accepted for review (Chinese characters count as
            words).
        mistakes: more known mistakes, each with ``produce`` and usually ``matches``.
        solution: default: the model answer.
    """

    kind = "open"

    def __init__(
        self,
        *,
        id: str,
        var: str,
        title: Bilingual,
        rubric: Sequence[Bilingual],
        model_answer: Bilingual,
        min_words: int = 30,
        mistakes: Iterable[Mistake] = (),
        hints: Iterable[Bilingual] = (),
        solution: str | Bilingual | None = None,
    ) -> None:
        if not isinstance(min_words, int) or min_words < 1:
            raise AuthoringError(f"{id}: min_words must be a positive integer")
        too_short = _TooShort(min_words)
        built_in = Mistake(
            "too_short",
            en=t("open.too_short", lang="en", minimum=min_words),
            zh=t("open.too_short", lang="zh", minimum=min_words),
            produce=too_short.produce,
            matches=too_short.matches,
        )
        super().__init__(
            id=id,
            var=var,
            title=title,
            mistakes=(built_in, *mistakes),
            hints=hints,
            solution=solution,
        )
        _require_produce(id, self.mistakes)
        #: The structured rubric, or None for a list of points.
        self.rubric: Rubric | None = rubric if isinstance(rubric, Rubric) else None
        if self.rubric is not None:
            self._rubric = self.rubric.texts()
        elif isinstance(rubric, str | Mapping) or not rubric:
            raise AuthoringError(f"{id}: rubric must be a list of bilingual points or a Rubric")
        else:
            self._rubric = [bilingual(p, f"{id}: rubric {n}") for n, p in enumerate(rubric, 1)]
        self._model_answer = bilingual(model_answer, f"{id}: model answer")
        for lang, answer in self._model_answer.items():
            if word_count(answer) < min_words:
                raise AuthoringError(f"{id}: the {lang} model answer is shorter than min_words")
        self.min_words = min_words

    def texts(self) -> list[tuple[str, Bilingual]]:
        out = super().texts()
        out += [(f"rubric {n}", p) for n, p in enumerate(self._rubric, 1)]
        out.append(("model answer", self._model_answer))
        return out

    def solution(self) -> Note:
        if self._solution is not None:
            return super().solution()
        return self._note(t("solution.heading"), text(self._model_answer), kind="solution")

    def _compute_expected(self) -> str:
        return text(self._model_answer)

    def _is_unattempted(self, answer: Any) -> bool:
        return is_blank(answer) or (isinstance(answer, str) and _is_placeholder_text(answer))

    def _same(self, observation: Any, target: Any) -> bool:
        return (
            isinstance(observation, str)
            and isinstance(target, str)
            and " ".join(observation.split()) == " ".join(target.split())
        )

    def _judge(self, answer: Any, expected: Any) -> Judgement:
        if not isinstance(answer, str):
            return Judgement(
                "incorrect", t("open.not_text", given=type_name(answer)), match_mistakes=False
            )
        mistake = self._match_mistake(answer, expected, answer)
        if mistake is not None:
            return Judgement("incorrect", t("open.incorrect", var=self.var), mistake=mistake)
        if self.rubric is None:
            lines = [t("open.rubric")]
        else:
            lines = [t("open.rubric_points", points=_points(self.rubric.max_points))]
        lines += [f"- {text(point)}" for point in self._rubric]
        lines += [t("open.model_answer"), text(self._model_answer)]
        return Judgement(
            "correct",
            t("open.recorded"),
            lines=lines,
            details={"words": word_count(answer)},
            manual_review=True,
        )


# ---------------------------------------------------------------------------- helpers


def _find_variable(name: str, frame: types.FrameType | None) -> tuple[bool, Any]:
    """Look ``name`` up where the trainee defined it: the IPython namespace in a kernel,
    else the calling frame (locals shadow globals, as in Python itself)."""
    namespace = _ipython_namespace()
    if namespace is not None and name in namespace:
        return True, namespace[name]
    if frame is not None:
        if name in frame.f_locals:
            return True, frame.f_locals[name]
        if name in frame.f_globals:
            return True, frame.f_globals[name]
    return False, None


def _ipython_namespace() -> dict[str, Any] | None:
    ipython = sys.modules.get("IPython")  # never import IPython just to look
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:
        return None
    namespace = getattr(shell, "user_ns", None) if shell is not None else None
    return namespace if isinstance(namespace, dict) else None


def _stale_reason() -> str | None:
    try:
        return state.stale_reason()
    except CourseDataError:
        raise  # the data is gone or damaged: the check says so
    except Exception:  # cannot tell: do not block the check on it
        return None


def _copy(value: Any) -> Any:
    """A copy the caller may modify without touching ours (functions are shared as is)."""
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        return value.copy(deep=True)
    if isinstance(value, np.ndarray):
        return value.copy()
    if callable(value) or isinstance(value, str | bytes | int | float | bool | type(None)):
        return value
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


def _exception_text(exc: BaseException, limit: int = 200) -> str:
    try:
        message = str(exc).strip().splitlines()
        first = message[0] if message else ""
    except Exception:
        first = ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _record(problem_id: str, status: str) -> list[str]:
    """Count the check in the progress file; return notices for the trainee (once each)."""
    if status == "not_attempted":
        return []
    try:
        from coursekit.engine import attempts

        return attempts.record(problem_id, status)
    except Exception:  # progress is a convenience; never at the cost of the feedback
        return []
