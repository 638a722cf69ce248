"""A pytest plugin for ``make unit``: what the unit tests cost per exercise problem.

Loaded with ``-p unit_costs`` (``benchmarks/`` on ``PYTHONPATH``), it sums the duration of
every test (setup, call and teardown) into three piles and writes them, with the wall time
of the session, to ``$COURSEKIT_TEST_TIMES`` (JSON):

- per problem: tests parametrized by a problem id (``rfm.q4``), which a new problem adds;
- per module: tests of one module (``tests/exercises/test_rfm.py``, ``tests/methods/test_rfm.py``
  or a test parametrized by the module name), which a new module adds;
- fixed: everything else (the engine, the generator, the build).

``benchmarks/project_test_time.py`` turns them into a projection for the whole course.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import defaultdict

_costs: dict[str, defaultdict] = {"problem": defaultdict(float), "module": defaultdict(float)}
_fixed = [0.0]
_started = [0.0]


def _modules() -> list[str]:
    from coursekit.engine import registry

    return registry.module_names()


_problem_ids: set[str] = set()


def _is_course_problem(problem_id: str) -> bool:
    """True for problems of the course (not the engine tests' demo module)."""
    if not _problem_ids:
        from coursekit.engine import registry

        _problem_ids.update(p.id for p in registry.all_problems())
    return problem_id in _problem_ids


def pytest_sessionstart(session) -> None:
    _started[0] = time.monotonic()


def pytest_runtest_logreport(report) -> None:
    # In an xdist run the controller receives every worker's reports here.
    nodeid = report.nodeid
    problem = re.search(r"\b([a-z][a-z0-9_]*\.q\d+)\b", nodeid)
    if problem and _is_course_problem(problem.group(1)):
        _costs["problem"][problem.group(1)] += report.duration
        return
    for module in _modules():
        in_file = re.search(rf"tests/(exercises|methods)/test_{module}(_\w+)?\.py::", nodeid)
        in_params = re.search(rf"[\[-]{module}[\]-]", nodeid)
        if in_file or in_params:
            _costs["module"][module] += report.duration
            return
    _fixed[0] += report.duration


def pytest_sessionfinish(session, exitstatus) -> None:
    target = os.environ.get("COURSEKIT_TEST_TIMES")
    if not target or hasattr(session.config, "workerinput"):  # workers report to the controller
        return
    workers = getattr(session.config.option, "numprocesses", None) or 1
    record = {
        "wall_seconds": time.monotonic() - _started[0],
        "workers": workers,
        "fixed_seconds": _fixed[0],
        "per_problem": dict(sorted(_costs["problem"].items())),
        "per_module": dict(sorted(_costs["module"].items())),
    }
    with open(target, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1)
