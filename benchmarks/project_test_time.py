"""The time of ``make test``, per stage and per problem, and where a larger course would land.

    python benchmarks/project_test_time.py .cache/test-times
    python benchmarks/project_test_time.py .cache/test-times --problems 120 --modules 12

Reads what ``make test`` recorded in that folder (``stages.txt``: seconds per stage;
``unit.json``: the unit tests' cost per problem and per module, see ``unit_costs.py``),
prints the measured stage times and the cost of one problem and of one module, and writes
them to ``projection.txt``. With ``--problems`` / ``--modules`` it also projects the run to
a course of that size: the fixed costs (installing, linting, engine and generator tests)
are kept, the per-problem and per-module test costs and the notebook stage are scaled.
Target: well under 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TARGET_MINUTES = 15


def project(folder: Path, problems: int | None = None, modules: int | None = None) -> list[str]:
    """Stage times, per-problem costs, and the run projected to ``problems`` problems in
    ``modules`` modules (default: the course as measured, i.e. no projection)."""
    stages = {}
    for line in (folder / "stages.txt").read_text("utf-8").splitlines():
        name, seconds = line.split()
        stages[name] = float(seconds)
    lines = ["make test: stage times (this course)"]
    lines += [f"  {name:14s} {seconds:6.0f} s" for name, seconds in stages.items()]
    lines.append(f"  {'total':14s} {sum(stages.values()):6.0f} s")
    unit_file = folder / "unit.json"
    if not unit_file.is_file() or "unit" not in stages:
        lines.append("no unit-test costs recorded: no projection")
        return lines
    unit = json.loads(unit_file.read_text("utf-8"))
    per_problem, per_module = unit["per_problem"], unit["per_module"]
    measured = problems is None and modules is None
    problems = len(per_problem) if problems is None else problems
    modules = len(per_module) if modules is None else modules
    test_seconds = unit["fixed_seconds"] + sum(per_problem.values()) + sum(per_module.values())
    # Test-seconds on all workers -> wall seconds of the stage, as measured in this run.
    wall_per_test_second = stages["unit"] / test_seconds if test_seconds else 0.0
    cost_problem = sum(per_problem.values()) / max(len(per_problem), 1)
    cost_module = sum(per_module.values()) / max(len(per_module), 1)
    projected_unit_tests = unit["fixed_seconds"] + cost_problem * problems + cost_module * modules
    notebooks_now = max(len(per_module), 1)
    projected = dict(stages)
    projected["unit"] = projected_unit_tests * wall_per_test_second
    if "notebooks" in stages:
        projected["notebooks"] = stages["notebooks"] * modules / notebooks_now
    total = sum(projected.values())
    lines += [
        "",
        f"unit tests: {len(per_problem)} problems cost {cost_problem:.1f} test-s each, "
        f"{len(per_module)} modules {cost_module:.1f} test-s each, fixed "
        f"{unit['fixed_seconds']:.0f} test-s ({unit['workers']} workers, "
        f"{wall_per_test_second:.2f} wall-s per test-s)",
        f"the course as measured, {problems} problems in {modules} modules:"
        if measured
        else f"projected for {problems} problems in {modules} modules (notebooks x "
        f"{modules / notebooks_now:.1f}):",
    ]
    lines += [f"  {name:14s} {seconds:6.0f} s" for name, seconds in projected.items()]
    verdict = "met" if total < TARGET_MINUTES * 60 else "NOT met"
    lines.append(
        f"  {'total':14s} {total:6.0f} s = {total / 60:.1f} min, "
        f"{total / (TARGET_MINUTES * 60):.2f} of the {TARGET_MINUTES}-minute target ({verdict})"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where make test recorded its times")
    parser.add_argument("--problems", type=int, help="project to this many problems")
    parser.add_argument("--modules", type=int, help="... in this many modules")
    args = parser.parse_args()
    if not (args.folder / "stages.txt").is_file():
        print(f"{args.folder}/stages.txt not found: run make test first", file=sys.stderr)
        return 2
    lines = project(args.folder, args.problems, args.modules)
    text = "\n".join(lines) + "\n"
    print(text, end="")
    (args.folder / "projection.txt").write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
