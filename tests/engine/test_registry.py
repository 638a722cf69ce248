"""Discovery of exercise modules and their problems."""

from __future__ import annotations

import sys
import textwrap

import pytest

from coursekit import course
from coursekit.engine import Problem, registry

MODULES = {
    "__init__.py": "",
    "rfm.py": """
        from coursekit.engine import ValueProblem
        NOTEBOOK = "02_rfm"
        q1 = ValueProblem(id="rfm.q1", var="a", title={"en": "A", "zh": "甲"}, reference=lambda: 1)
        q2 = ValueProblem(id="rfm.q2", var="b", title={"en": "B", "zh": "乙"}, reference=lambda: 2)
        PROBLEMS = [q2, q1]
        """,
    "welcome.py": """
        from coursekit.engine import ChoiceProblem
        NOTEBOOK = "00_welcome"
        q1 = ChoiceProblem(id="welcome.q1", var="c", title={"en": "C", "zh": "丙"},
                           options={"a": {"en": "x", "zh": "x"}}, answer="a")
        """,
    "extra.py": "PROBLEMS = []\n",
    "_helpers.py": "raise RuntimeError('private modules are not exercise modules')\n",
}


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway exercises package on sys.path; its modules are forgotten afterwards."""
    name = f"exercises_{tmp_path.name.replace('-', '_')}"
    folder = tmp_path / name
    folder.mkdir()
    for filename, source in MODULES.items():
        (folder / filename).write_text(textwrap.dedent(source), "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def test_module_names_skip_private_modules(package):
    assert registry.module_names(package) == ["extra", "rfm", "welcome"]


def test_problems_by_module_in_course_order(package):
    modules = registry.problems_by_module(package)
    assert list(modules) == ["welcome", "rfm", "extra"]  # NOTEBOOK order, then by name
    assert [p.id for p in modules["rfm"]] == ["rfm.q2", "rfm.q1"]  # PROBLEMS order
    assert [p.id for p in modules["welcome"]] == ["welcome.q1"]  # found without PROBLEMS
    assert modules["extra"] == []


def test_all_and_one_problem(package):
    assert [p.id for p in registry.all_problems(package)] == ["welcome.q1", "rfm.q2", "rfm.q1"]
    assert registry.get_problem("rfm.q1", package).var == "a"
    with pytest.raises(KeyError):
        registry.get_problem("rfm.q9", package)
    with pytest.raises(KeyError):
        registry.get_problem("nope.q1", package)


def test_a_broken_module_raises_or_is_reported(package, tmp_path):
    (tmp_path / package / "broken.py").write_text("import no_such_module_here\n", "utf-8")
    with pytest.raises(ImportError):
        registry.problems_by_module(package)
    errors = {}
    modules = registry.problems_by_module(
        package, on_error=lambda name, exc: errors.update({name: exc})
    )
    assert "broken" not in modules and "rfm" in modules
    assert isinstance(errors["broken"], ImportError)


def test_problems_must_be_problems(package, tmp_path):
    (tmp_path / package / "odd.py").write_text("PROBLEMS = ['q1']\n", "utf-8")
    with pytest.raises(TypeError, match="not a Problem"):
        registry.problems_by_module(package)


def test_the_course_package_is_discovered_without_loading_data():
    problems = registry.all_problems()
    assert all(isinstance(p, Problem) for p in problems)
    assert not course.is_set_up()  # importing exercise modules reads no data
