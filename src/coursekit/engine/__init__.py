"""The exercise engine: problem kinds, comparison, feedback, hints, progress and languages.

Exercise modules (``coursekit.exercises.<module>``) declare their problems with the names
exported here and re-export ``____`` for the notebook::

    from coursekit.engine import ____, FrameSpec, Mistake, ValueProblem

    q1 = ValueProblem(
        id="rfm.q1", var="rfm",
        title={"en": "Build the RFM table", "zh": "构建 RFM 表"},
        reference=lambda: rfm_table(course.load("orders")),
        compare=FrameSpec(key="customer_id", ignore_row_order=True),
        mistakes=[Mistake("frequency_in_lines", en="...", zh="...", produce=...)],
        hints=[{"en": "...", "zh": "..."}],
        solution="rfm = rfm_table(orders)",
    )
    PROBLEMS = [q1]

Shared data of an exercise module is declared with ``@per_world`` (computed once per world,
see :mod:`coursekit.engine.cache`); helpers for recognising mistakes in per-customer tables
are in :mod:`coursekit.engine.recognize`. A new kind of problem subclasses ``Problem`` (or
``ValueProblem``) and returns a ``Judgement`` from ``_judge``: the verdict before the engine
matches catalogued mistakes and writes the feedback.

Importing the engine does no I/O and loads no data. The comparison function itself is
``coursekit.engine.compare.compare`` (not re-exported, so that ``coursekit.engine.compare``
stays the module).
"""

from coursekit.engine.cache import per_world, world_cached
from coursekit.engine.compare import (
    Comparison,
    Finding,
    FrameSpec,
    OneOfSpec,
    ScalarSpec,
    SeriesSpec,
    SetSpec,
)
from coursekit.engine.feedback import Feedback, Note
from coursekit.engine.i18n import AuthoringError, t, text
from coursekit.engine.problems import (
    Case,
    ChoiceProblem,
    Criterion,
    FunctionProblem,
    Judgement,
    Mistake,
    OpenProblem,
    Problem,
    Rubric,
    ValueProblem,
    ____,
    is_blank,
)

__all__ = [
    "AuthoringError",
    "Case",
    "ChoiceProblem",
    "Comparison",
    "Criterion",
    "Feedback",
    "Finding",
    "FrameSpec",
    "FunctionProblem",
    "Judgement",
    "Mistake",
    "Note",
    "OneOfSpec",
    "OpenProblem",
    "Problem",
    "Rubric",
    "ScalarSpec",
    "SeriesSpec",
    "SetSpec",
    "ValueProblem",
    "____",
    "is_blank",
    "per_world",
    "t",
    "text",
    "world_cached",
]
