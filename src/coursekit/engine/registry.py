"""Which exercise modules exist and which problems they hold.

Every submodule of ``coursekit.exercises`` (except private ``_`` ones) is a course module
with a ``PROBLEMS`` list. Importing one is cheap (problems are declarations; the data is
read only when a check runs), so discovery simply imports them all. Modules are listed in
course order when they define ``NOTEBOOK = "02_rfm"``, else by name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType

from coursekit.engine.problems import Problem

PACKAGE = "coursekit.exercises"


def module_names(package: str = PACKAGE) -> list[str]:
    """The short names of the exercise modules, e.g. ``["rfm", "segments"]``."""
    pkg = importlib.import_module(package)
    found = pkgutil.iter_modules(getattr(pkg, "__path__", []))
    return sorted(info.name for info in found if not info.name.startswith("_"))


def load_module(name: str, package: str = PACKAGE) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


def module_problems(module: ModuleType) -> list[Problem]:
    """A module's ``PROBLEMS``; without that list, its Problem objects in definition order."""
    problems = getattr(module, "PROBLEMS", None)
    if problems is None:
        problems = [v for v in vars(module).values() if isinstance(v, Problem)]
    problems = list(problems)
    for problem in problems:
        if not isinstance(problem, Problem):
            raise TypeError(f"{module.__name__}.PROBLEMS holds {problem!r}, not a Problem")
    return problems


def problems_by_module(
    package: str = PACKAGE,
    *,
    on_error: Callable[[str, Exception], None] | None = None,
) -> dict[str, list[Problem]]:
    """Module name → its problems, in course order.

    Args:
        package: the package holding the exercise modules.
        on_error: called with the module name and the exception when a module cannot be
            loaded, which is then skipped (so that ``coursekit progress`` still shows the
            others). None: the exception propagates, as tests want.
    """
    modules: list[tuple[tuple[int, str], str, list[Problem]]] = []
    for name in module_names(package):
        try:
            module = load_module(name, package)
            problems = module_problems(module)
        except Exception as exc:
            if on_error is None:
                raise
            on_error(name, exc)
            continue
        notebook = getattr(module, "NOTEBOOK", None)
        order = (0, notebook) if isinstance(notebook, str) else (1, name)
        modules.append((order, name, problems))
    return {name: problems for _, name, problems in sorted(modules, key=lambda m: m[0])}


def all_problems(package: str = PACKAGE) -> list[Problem]:
    """Every problem of every exercise module, in course order."""
    return [p for problems in problems_by_module(package).values() for p in problems]


def get_problem(problem_id: str, package: str = PACKAGE) -> Problem:
    """The problem with this id, e.g. ``get_problem("rfm.q1")``.

    Raises:
        KeyError: no such problem.
    """
    module_name = problem_id.split(".", 1)[0]
    if module_name in module_names(package):
        for problem in module_problems(load_module(module_name, package)):
            if problem.id == problem_id:
                return problem
    raise KeyError(f"no problem {problem_id!r}")
