"""Grade one submission, in a process of its own: run it, capture, re-check, write a result.

The batch (:mod:`coursekit.grade.batch`) starts one process per submission (forked from a
server that has this module imported already, so a start costs little) and gives it a
job. The process:

1. finds the exercises' check cells and adds the grader's cells
   (:mod:`coursekit.grade.instrument`);
2. runs the notebook in a fresh kernel on the trainee's world, from a folder laid out as
   the handout's (``notebooks/`` beside ``datasets/``), with a time limit for the whole
   notebook, a memory limit and a cap on its output; cells that raise do not stop it;
3. judges every captured answer with a fresh import of the checks
   (:mod:`coursekit.grade.recheck`);
4. writes the result file atomically; the batch reads nothing else. A process that dies
   or hangs leaves no result, and the batch says so in that submission's row.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat

from coursekit.build.execute import run_notebook
from coursekit.build.student import notebook_text
from coursekit.engine import registry
from coursekit.fileio import atomic_write_text
from coursekit.grade import instrument, recheck
from coursekit.grade.roster import world_identity

RESULT_VERSION = 1
#: Statuses of the execution -> the submission's status.
_EXECUTION_STATUS = {
    "timeout": "timeout",
    "memory": "memory",
    "dead_kernel": "kernel_died",
}
#: Kernels of a grader run with a thread each: two notebooks in parallel on two cores
#: must not start a dozen math threads each.
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
_KERNEL_STATUS = re.compile(r'data-coursekit-status="(\w+)"')


def run_job(job: dict[str, Any]) -> None:
    """Grade the submission of ``job`` and write ``job["result"]``. Never raises."""
    work = Path(job["work"])
    work.mkdir(parents=True, exist_ok=True)
    _redirect_output(work / "log.txt")
    started = time.monotonic()
    try:
        result = grade_submission(job)
    except BaseException as exc:  # our own failure: the row says so, the batch goes on
        traceback.print_exc()
        result = {
            "status": "grader_error",
            "detail": f"the grader failed on this submission: {type(exc).__name__}: {exc}"[:300],
        }
    result.setdefault("grading_seconds", round(time.monotonic() - started, 2))
    result.update(version=RESULT_VERSION, key=job["key"])
    atomic_write_text(job["result"], json.dumps(result, ensure_ascii=False, indent=1) + "\n")


def grade_submission(job: dict[str, Any]) -> dict[str, Any]:
    """Run, capture and re-check one submission; the result as a dict."""
    work = Path(job["work"])
    module = job["module"]
    problems = registry.module_problems(registry.load_module(module))
    solution = nbformat.read(job["solution"], as_version=4)
    layout = instrument.layout_of(solution, job["notebook"], module, problems)
    submission = nbformat.read(job["path"], as_version=4)
    placements = instrument.place_checks(submission, layout)
    tamper = instrument.source_tampering(submission, placements)

    # A folder like the trainee's: notebooks/ (the kernel's working directory) beside
    # datasets/ (the trainee's world), so relative paths in the notebook still work.
    run_dir = work / "run"
    capture = work / "capture"
    for folder in (run_dir, capture):
        shutil.rmtree(folder, ignore_errors=True)
    (run_dir / "notebooks").mkdir(parents=True)
    capture.mkdir(parents=True)
    world = Path(job["world"])
    os.symlink(world, run_dir / "datasets", target_is_directory=True)

    exercises = f"{registry.PACKAGE}.{module}"
    instrumented = instrument.instrument(submission, placements, str(capture), exercises)
    env = {
        "COURSEKIT_DATA": str(world),
        "MPLBACKEND": "Agg",  # plots are not graded: no images to render and keep
        **dict.fromkeys(_THREADS, "1"),
    }
    execution = run_notebook(
        instrumented,
        run_dir / "notebooks",
        job["display"],
        timeout=job["timeout"],
        env=env,
        allow_errors=True,
        notebook_timeout=job["timeout"],
        memory_limit=job["memory"],
        max_output_bytes=job["max_output"],
    )
    ran = execution.notebook  # with the grader's cells: the indices below refer to it
    kernel_says = _kernel_statuses(ran, placements)
    cell_errors = [
        {"cell": instrument.original_index(ran, ref.index), "error": detail}
        for ref, detail in execution.cell_errors
    ]
    stopped_at = (
        None if execution.cell is None else instrument.original_index(ran, execution.cell.index)
    )
    executed = instrument.without_grader_cells(ran)
    atomic_write_text(work / "executed.ipynb", notebook_text(executed))

    problems_result = recheck.check_answers(capture, problems, world)
    tamper += _captured_tampering(capture)
    worlds_used = _worlds_used(capture)
    assigned = job.get("world_identity") or world_identity(world)
    other_worlds = sorted({w for w, ident in worlds_used.items() if ident != assigned})
    for entry in problems_result:
        said = kernel_says.get(entry["id"])
        entry["kernel_status"] = said
        # The notebook's own check passed an answer the grader's check does not: on the
        # same data that only happens when the check in the kernel was not the course's.
        disagrees = said == "correct" and entry["status"] in ("incorrect", "not_attempted")
        if disagrees and not other_worlds:
            tamper.append(["check_output_disagrees", entry["name"]])

    scored = [p for p in problems_result if p["status"] != "review"]
    score = sum(p["status"] == "correct" for p in scored)
    notes = []
    if execution.output_dropped:
        notes.append(["output_truncated", f"{execution.output_dropped / 2**20:.1f}"])
    if execution.status in _EXECUTION_STATUS:
        status = _EXECUTION_STATUS[execution.status]
        detail = execution.detail + (f" (cell {stopped_at})" if stopped_at is not None else "")
    elif tamper:
        status, detail = "tampered", ""
    elif other_worlds:
        status, detail = "wrong_world", ""
    else:
        status, detail = "graded", ""
    return {
        "status": status,
        "detail": detail,
        "seconds": round(execution.seconds, 2),
        "score": score,
        "max_score": len(scored),
        "problems": problems_result,
        "tamper": _unique(tamper),
        "other_worlds": other_worlds,
        "cell_errors": cell_errors,
        "stopped_at": stopped_at,
        "notes": notes,
    }


def _kernel_statuses(nb, placements) -> dict[str, str]:
    """What each exercise's own check cell showed in the kernel (from its HTML output)."""
    said: dict[str, str] = {}
    originals = [c for c in nb.cells if not c.metadata.get(instrument.GRADER_KEY)]
    for placement in placements:
        if placement.index is None or not placement.intact:
            continue
        if placement.index >= len(originals):
            continue
        for output in originals[placement.index].get("outputs", []):
            html = (output.get("data") or {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else str(html)
            match = _KERNEL_STATUS.search(html)
            if match:
                said[placement.check.problem_id] = match.group(1)
    return said


def _captured_tampering(capture: Path) -> list[list[str]]:
    found: list[list[str]] = []
    for path in sorted(capture.glob("*.json")):
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        for item in record.get("tamper") or []:
            if isinstance(item, list) and len(item) == 2:
                found.append([str(item[0]), str(item[1])])
    return found


def _worlds_used(capture: Path) -> dict[str, str | None]:
    """The data folders the notebook had set up when its checks ran -> their identity."""
    used: dict[str, str | None] = {}
    for path in sorted(capture.glob("*.json")):
        try:
            world = json.loads(path.read_text("utf-8")).get("world")
        except (OSError, ValueError):
            continue
        if not isinstance(world, dict):
            continue
        where = world.get("path")
        if where is None:
            used["(tables in memory)"] = None
            continue
        if where not in used:
            try:
                used[where] = world_identity(where)
            except Exception:
                used[where] = None
    return used


def _unique(items: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _redirect_output(log: Path) -> None:
    """Send this process's output (and its kernel's) to a log file, not the terminal."""
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass
