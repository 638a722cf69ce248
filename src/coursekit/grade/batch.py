"""``coursekit grade``: grade a batch of submissions, accounting for every file.

The batch first reads every file (cheap) and decides what needs no kernel: a corrupt
file, something that is not a notebook, a notebook of another module, a trainee not on
the roster, a duplicate. Every other submission is graded in a process of its own
(:mod:`coursekit.grade.worker`), ``--jobs`` at a time; each writes its result file
atomically under ``OUT/results/``, named by the file's content and the grading settings.
A batch run again (after an interruption, or with more files) reuses those results and
runs only what is missing. At the end, from the results:

- ``grades.csv`` and ``grades.xlsx``: one row per file given, with its status;
- ``feedback/<module>/<trainee>.html``: each trainee's feedback page;
- ``report.html``: the class report.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.errors import CourseDataError, UsageError
from coursekit.grade import submission as subm
from coursekit.grade.roster import Trainee, read_roster, world_identity
from coursekit.grade.statuses import STATUSES
from coursekit.synth.rebuild import MAX_CUSTOMERS

#: Bump when a change to grading changes results: earlier result files are then not reused.
GRADER_VERSION = "2"
DEFAULT_TIMEOUT = 300.0  # seconds per notebook; a module runs in well under 30 s
DEFAULT_MEMORY_MB = 2048
MAX_OUTPUT_MB = 5.0
#: Seconds a worker may take beyond the notebook's time limit (kernel start, re-check).
WORKER_MARGIN = 300.0
#: A world named by a submission's metadata is rebuilt up to this size (a handout's
#: worlds hold 5,000 customers by default); metadata asking for more is refused. The same
#: bound as for the hidden tables a trainee's kernel rebuilds.
MAX_REBUILT_CUSTOMERS = MAX_CUSTOMERS


@dataclass
class Options:
    """The settings of a batch (``coursekit grade``'s options, validated)."""

    out: Path
    roster: Path | None = None
    jobs: int = 1
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    module: str | None = None
    data: Path | None = None
    lang: str = "en"
    solutions: Path = Path("solutions")
    max_output_mb: float = MAX_OUTPUT_MB
    quiet: bool = False


@dataclass
class Batch:
    """What a batch did: one result per file, in the order given."""

    results: list[dict[str, Any]]
    reused: int = 0
    ran: int = 0
    problems: dict[str, list] = field(default_factory=dict)  # notebook -> its problems
    trainees: dict[str, Trainee] = field(default_factory=dict)

    def counts(self) -> Counter:
        return Counter(r["status"] for r in self.results)

    def summary(self) -> str:
        counts = self.counts()
        listed = ", ".join(f"{status} {counts[status]}" for status in STATUSES if counts[status])
        reused = f"; {self.reused} reused from an earlier run" if self.reused else ""
        return f"graded {counts['graded']} of {len(self.results)} submissions ({listed}){reused}"


# ---------------------------------------------------------------------------- the command


def grade_command(
    submissions: Sequence[str],
    *,
    out: str,
    roster: str | None = None,
    jobs: str | int | None = None,
    timeout: str | float | None = None,
    memory: str | int | None = None,
    module: str | None = None,
    data: str | None = None,
    lang: str = "en",
    solutions: str | None = None,
    quiet: bool = False,
) -> int:
    """``coursekit grade``: validate the options, grade, write, print the summary line."""
    from coursekit.build.execute import validate_timeout
    from coursekit.state import normalize_lang

    if not str(out).strip():
        raise UsageError("--out needs the name of a folder")
    try:
        language = normalize_lang(lang)
    except ValueError:
        raise UsageError(f"--lang must be en or zh, not {lang!r}") from None
    memory_mb = _count(memory, "--memory", default=DEFAULT_MEMORY_MB)
    options = Options(
        out=Path(out),
        roster=Path(roster) if roster else None,
        jobs=_count(jobs, "--jobs", default=default_jobs(memory_mb)),
        timeout=validate_timeout(DEFAULT_TIMEOUT if timeout is None else timeout),
        memory_mb=memory_mb,
        module=module,
        data=Path(data) if data else None,
        lang=language,
        solutions=Path(solutions) if solutions else default_solutions(),
        quiet=quiet,
    )
    batch = grade_batch(submissions, options)
    print(f"{batch.summary()}; report: {options.out / 'report.html'}")
    return 0


def default_solutions() -> Path:
    """``solutions/`` here, else the course's own beside the package (a checkout).

    The solution notebooks say which cells are the check cells; without them a
    submission's own ``qN.check()`` cells are taken (an edited check cell is then found
    only by its call).
    """
    here = Path("solutions")
    if here.is_dir():
        return here
    beside = Path(__file__).resolve().parents[3] / "solutions"
    return beside if beside.is_dir() else here


def default_jobs(memory_mb: int = DEFAULT_MEMORY_MB) -> int:
    """One kernel per core, at most eight, and no more than the memory available holds
    at ``memory_mb`` each."""
    import psutil

    fits = psutil.virtual_memory().available // (memory_mb * 2**20)
    return max(1, min(8, os.cpu_count() or 1, fits))


def _count(value, what: str, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UsageError(f"{what} must be a whole number, not {value!r}") from None
    if number < 1:
        raise UsageError(f"{what} must be at least 1, not {number}")
    return number


# ---------------------------------------------------------------------------- the batch


def grade_batch(paths: Sequence[str | os.PathLike], options: Options) -> Batch:
    """Grade every file of ``paths`` (files, or folders searched for files)."""
    from coursekit.engine import registry

    out = Path(options.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    files = expand(paths, out)
    modules = registry.problems_by_module()
    known = {_notebook_of(name): name for name in modules}
    expected = None
    if options.module:
        expected = subm.notebook_named(options.module, sorted(known))
        if expected is None:
            raise UsageError(
                f"--module {options.module!r} is not a module of the course "
                f"(known: {', '.join(sorted(known))})"
            )
    trainees = read_roster(options.roster) if options.roster else None
    layouts = _layouts(options.solutions, known, modules)
    cwd = Path.cwd()
    submissions = [subm.Submission(path, _display(path, cwd)) for path in files]
    for sub in submissions:
        try:
            subm.read(sub)
            _identify(sub, known, layouts, expected, trainees)
        except Exception as exc:  # a notebook built to break the grader: this row only
            sub.refuse("grader_error", f"the grader could not read it: {type(exc).__name__}")
    _mark_duplicates(submissions)
    defaults = _DefaultWorld(options.data)
    out.mkdir(parents=True, exist_ok=True)
    for sub in submissions:
        if sub.status is None:
            try:
                _assign_world(sub, trainees, out / "worlds", defaults)
            except (CourseDataError, ValueError, TypeError, OSError) as exc:
                # Metadata naming a world that cannot be built or read: this row only.
                lines = str(exc).strip().splitlines()
                sub.refuse("no_world", f"its world cannot be found or built: "
                           f"{lines[0][:160] if lines else type(exc).__name__}")  # fmt: skip

    results: dict[int, dict[str, Any]] = {}
    # One job per result key: the same bytes on the same world are run once.
    waiting: dict[str, list[int]] = {}
    jobs: list[tuple[str, dict[str, Any]]] = []
    reused = 0
    for index, sub in enumerate(submissions):
        if sub.status is not None:
            results[index] = _row(sub, {"status": sub.status, "detail": sub.detail})
            continue
        job = _job(sub, options, known, out)
        cached = _load_result(Path(job["result"]), job["key"])
        if cached is not None:
            results[index] = _row(sub, cached)
            reused += 1
        else:
            if job["key"] not in waiting:
                jobs.append((job["key"], job))
            waiting.setdefault(job["key"], []).append(index)
    to_run = sum(len(indices) for indices in waiting.values())
    bar = _progress(len(submissions), len(submissions) - to_run, options.quiet)
    try:

        def finished(key: str, job: dict[str, Any], failure: str | None) -> None:
            result = _load_result(Path(job["result"]), job["key"], keep_errors=True)
            if result is None:
                result = {"status": "grader_error", "detail": failure or "no result written"}
            for index in waiting[key]:
                results[index] = _row(submissions[index], result)
                bar.update(1)

        run_jobs(jobs, options.jobs, options.timeout + WORKER_MARGIN, finished)
    finally:
        bar.close()
    ordered = [results[i] for i in range(len(submissions))]
    problems = {_notebook_of(name): list(problems) for name, problems in modules.items()}
    batch = Batch(ordered, reused, to_run, problems, {t.id: t for t in trainees or []})
    write_all(batch, out, options.lang)
    return batch


def write_all(batch: Batch, out: Path, lang: str) -> None:
    """Write the grades, the feedback pages and the class report into ``out``."""
    from coursekit.fileio import atomic_write_text
    from coursekit.grade import outputs, report

    header, rows = outputs.grade_table(batch)
    outputs.write_grades(out, header, rows)
    for result in batch.results:
        page = outputs.feedback_path(result)
        if page is None:
            continue
        problems = batch.problems.get(result.get("notebook"), [])
        atomic_write_text(out / page, outputs.feedback_page(result, problems, lang))
    atomic_write_text(out / "report.html", report.class_report(batch, out, lang))


def expand(paths: Sequence[str | os.PathLike], out: Path) -> list[Path]:
    """The files to grade: each file given, and every file inside each folder given.

    Left out of folders: hidden files and folders (``.ipynb_checkpoints``), ``out``, and
    course worlds (folders with a ``MANIFEST``: a trainee's folder handed back whole holds
    its ``datasets/``, which is data, not a submission). Symbolic links to folders are not
    followed.
    """
    from coursekit.synth.io import MANIFEST_NAME

    if not paths:
        raise UsageError("give the submissions to grade: notebook files or folders")
    files: list[Path] = []
    out_resolved = out.resolve()
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            found = []
            for folder, dirs, names in os.walk(path):
                here = Path(folder)
                if MANIFEST_NAME in names or here.resolve() == out_resolved:
                    dirs[:] = []
                    continue
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found += [here / n for n in names if not n.startswith(".")]
            files += [f for f in sorted(found) if f.is_file()]
        else:
            raise UsageError(f"{raw} does not exist")
    unique = list(dict.fromkeys(files))
    if not unique:
        raise UsageError("no files to grade in " + ", ".join(map(str, paths)))
    return unique


def _display(path: Path, cwd: Path) -> str:
    try:
        relative = os.path.relpath(path.resolve(), cwd)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _notebook_of(module_name: str) -> str:
    from coursekit.engine import registry

    notebook = getattr(registry.load_module(module_name), "NOTEBOOK", None)
    return notebook if isinstance(notebook, str) else module_name


def _layouts(solutions: Path, known: dict[str, str], modules) -> dict[str, Any]:
    """The check cells of every module with a solution notebook in ``solutions``."""
    from coursekit.build.student import read_notebook
    from coursekit.grade.instrument import layout_of

    layouts = {}
    for notebook, module in known.items():
        path = solutions / f"{notebook}.ipynb"
        if path.is_file():
            layouts[notebook] = layout_of(read_notebook(path), notebook, module, modules[module])
    return layouts


def _identify(sub, known, layouts, expected, trainees) -> None:
    """Which notebook (module) and which trainee a readable submission is."""
    if sub.status is not None or sub.nb is None:
        return
    names = sorted(known)
    content = subm.content_module(sub.nb, layouts, known)
    meta_module = sub.meta.get("module")
    wanted = expected or subm.notebook_named(Path(sub.display).name, names)
    if wanted is None and isinstance(meta_module, str) and meta_module in known:
        wanted = meta_module
    if content is None:
        sub.refuse("wrong_module", "no exercise module of this course is used in it")
        return
    if wanted is not None and content != wanted:
        sub.refuse("wrong_module", f"it holds {content}, not {wanted}")
        return
    sub.notebook, sub.module = content, known[content]
    meta_trainee = sub.meta.get("trainee")
    if trainees is None:
        label = meta_trainee or subm.trainee_from_path(sub.display, sub.notebook)
        sub.trainee = safe_label(label)  # it names the trainee's feedback page
        sub.name = str(sub.meta.get("name") or "")[:100]
        return
    by_id = {t.id: t for t in trainees}
    if meta_trainee:
        if meta_trainee not in by_id:
            sub.refuse("unknown_trainee", f"its trainee {meta_trainee!r} is not on the roster")
            return
        found = by_id[meta_trainee]
    else:
        tokens = subm.path_tokens(sub.display)
        matches = sorted({t for t in tokens if t in by_id})
        if len(matches) != 1:
            what = "no trainee id" if not matches else f"several ids ({', '.join(matches)})"
            sub.refuse("unknown_trainee", f"its name and folder hold {what} of the roster")
            return
        found = by_id[matches[0]]
    sub.trainee, sub.name = found.id, found.name


def safe_label(text: str) -> str:
    """A trainee label usable as a file name: no folders, no leading dot, at most 64
    characters (letters of any script are kept)."""
    cleaned = re.sub(r"[^\w.-]+", "_", str(text)).strip("._-")[:64]
    return cleaned or "unnamed"


def _mark_duplicates(submissions: list) -> None:
    """Two files of one trainee for one notebook: only one is graded, the newest (of
    copies of the newest, the first handed in). The same bytes handed in by different
    trainees are each graded, with a note naming the other file (for the instructor)."""
    groups: dict[tuple[str, str], list] = {}
    for order, sub in enumerate(submissions):
        if sub.status is None:
            groups.setdefault((sub.trainee, sub.notebook), []).append((sub.mtime, order, sub))
    for (trainee, notebook), members in groups.items():
        if len(members) < 2:
            continue
        newest = max(members, key=lambda m: (m[0], m[1]))[2]
        kept = min((m for m in members if m[2].digest == newest.digest), key=lambda m: (m[0], m[1]))
        kept = kept[2]
        for _, _, sub in members:
            if sub is kept:
                continue
            if sub.digest == kept.digest:
                sub.refuse("duplicate", f"the same file as {kept.display}")
            else:
                sub.refuse("duplicate", f"{trainee} handed in a newer {notebook}: {kept.display}")
    copies: dict[str, list] = {}
    for sub in submissions:
        if sub.status is None and sub.digest is not None:
            copies.setdefault(sub.digest, []).append(sub)
    for members in copies.values():
        for sub in members:
            for other in members:
                if other is not sub:
                    sub.notes.append(["same_file_as", other.display])


class _DefaultWorld:
    """The world for submissions that name none: ``--data``, else the one
    ``course.setup()`` would choose here (found once, when first needed)."""

    def __init__(self, data: Path | None) -> None:
        self.data = data
        self.path: Path | None = None

    def get(self) -> Path:
        if self.path is None:
            from coursekit import course

            try:
                if self.data is not None:
                    course.setup(data=self.data, quiet=True)
                else:
                    course.setup(quiet=True)
                self.path = course.data_dir()
            except CourseDataError as exc:
                raise UsageError(f"--data: {exc}") from None
            finally:
                course.reset()
        return self.path


def _assign_world(sub, trainees, cache: Path, defaults: _DefaultWorld) -> None:
    """The world a submission is graded on: the roster's folder, else the world rebuilt
    from the seed the handout recorded, else the default world."""
    from coursekit.synth.io import MANIFEST_NAME

    entry = None
    if trainees is not None:
        entry = next((t for t in trainees if t.id == sub.trainee), None)
    if entry is not None and entry.world is not None and (entry.world / MANIFEST_NAME).is_file():
        sub.world = entry.world
    else:
        spec = dict(sub.meta.get("world") or {}) if isinstance(sub.meta.get("world"), dict) else {}
        if entry is not None and entry.seed is not None:
            spec.update(seed=entry.seed, customers=entry.customers or spec.get("customers"))
        if spec.get("seed") is not None and spec.get("customers"):
            sub.world = _rebuilt_world(spec, cache)
        else:
            sub.world = defaults.get()
    sub.world_identity = world_identity(sub.world)
    recorded = (sub.meta.get("world") or {}) if isinstance(sub.meta.get("world"), dict) else {}
    if recorded.get("identity") and recorded["identity"] != sub.world_identity:
        sub.detail = "the world found is not the one the handout recorded"


def _rebuilt_world(spec: dict[str, Any], cache: Path) -> Path:
    """The world of a seed, generated once into the output folder."""
    from coursekit.synth import generate_world
    from coursekit.synth.io import MANIFEST_NAME
    from coursekit.synth.world import validate_parameters

    seed, customers = _whole(spec["seed"], "seed"), _whole(spec["customers"], "customers")
    start, end = str(spec.get("start") or "2024-01-01"), str(spec.get("end") or "2025-12-31")
    locale = str(spec.get("locale") or "zh_CN")
    if customers > MAX_REBUILT_CUSTOMERS:
        raise ValueError(
            f"{customers:,} customers is more than a handout world holds "
            f"(at most {MAX_REBUILT_CUSTOMERS:,})"
        )
    validate_parameters(customers, seed, start, end, locale, writing=True)
    target = cache / f"seed{seed}-n{customers}-{start}-{end}-{locale}"
    if not (target / MANIFEST_NAME).is_file():
        cache.mkdir(parents=True, exist_ok=True)
        generate_world(customers, seed, start, end, locale).save(target, force=True)
    return target


def _whole(value: Any, what: str) -> int:
    """A whole number from handout metadata (``ValueError`` for anything else)."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError
        return int(value)
    except ValueError:
        raise ValueError(f"the recorded {what} {value!r} is not a whole number") from None


def _job(sub, options: Options, known, out: Path) -> dict[str, Any]:
    from coursekit import __version__

    solution = options.solutions / f"{sub.notebook}.ipynb"
    solution_digest = (
        hashlib.sha256(solution.read_bytes()).hexdigest() if solution.is_file() else None
    )
    settings = [
        GRADER_VERSION, __version__, sub.digest, sub.notebook, sub.world_identity,
        options.timeout, options.memory_mb, options.max_output_mb, solution_digest,
    ]  # fmt: skip
    key = hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:24]
    return {
        "key": key,
        "path": str(sub.path.resolve()),
        "display": sub.display,
        "notebook": sub.notebook,
        "module": sub.module,
        "solution": str(solution.resolve()) if solution_digest else str(sub.path.resolve()),
        "world": str(Path(sub.world).resolve()),
        "world_identity": sub.world_identity,
        "timeout": options.timeout,
        "memory": options.memory_mb * 2**20,
        "max_output": int(options.max_output_mb * 2**20),
        "work": str((out / "work" / key).resolve()),
        "result": str((out / "results" / f"{key}.json").resolve()),
    }


def _load_result(path: Path, key: str, keep_errors: bool = False) -> dict[str, Any] | None:
    """A result file written for ``key``; grader errors are not reused (run again)."""
    try:
        result = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(result, dict) or result.get("key") != key:
        return None
    from coursekit.grade.worker import RESULT_VERSION

    if result.get("version") != RESULT_VERSION:
        return None
    if result.get("status") == "grader_error" and not keep_errors:
        return None
    return result


def _row(sub, result: dict[str, Any]) -> dict[str, Any]:
    """A result with what the batch knows of the file."""
    row = dict(result)
    row.update(
        file=sub.display,
        trainee=sub.trainee,
        name=sub.name,
        notebook=sub.notebook,
        module=sub.module,
        world=None if sub.world is None else str(sub.world),
    )
    if sub.detail and not row.get("detail"):
        row["detail"] = sub.detail
    if sub.notes:
        row["notes"] = [*row.get("notes", []), *sub.notes]
    return row


# ---------------------------------------------------------------------------- running


def run_jobs(
    jobs: Sequence[tuple[Any, dict[str, Any]]],
    workers: int,
    deadline: float,
    finished: Callable[[Any, dict[str, Any], str | None], None],
) -> None:
    """Run each job in a process of its own, ``workers`` at a time.

    A process still running after ``deadline`` seconds is stopped with everything it
    started (its kernel too). ``finished(name, job, failure)`` is called for each job as
    it ends; ``failure`` says how a process ended that may not have written its result.
    An interruption (Ctrl-C) stops every running process and is raised again.
    """
    if not jobs:
        return
    context = multiprocessing.get_context("forkserver")
    # The server imports the worker once; each job is a fork of it: fast to start, and
    # still a fresh process per submission.
    context.set_forkserver_preload(["coursekit.grade.worker"])
    pending = list(jobs)
    running: dict[Any, tuple[int, dict[str, Any], float]] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                index, job = pending.pop(0)
                process = context.Process(target=_run_job, args=(job,), daemon=True)
                process.start()
                running[process] = (index, job, time.monotonic())
            time.sleep(0.05)
            for process in list(running):
                index, job, started = running[process]
                if not process.is_alive():
                    process.join()
                    del running[process]
                    failure = None
                    if process.exitcode:
                        failure = f"the grading process ended with code {process.exitcode}"
                    finished(index, job, failure)
                elif time.monotonic() - started > deadline:
                    _stop_tree(process.pid)
                    process.join(10)
                    del running[process]
                    finished(index, job, f"grading took longer than {deadline:g} s and was stopped")
    except BaseException:
        for process in running:
            _stop_tree(process.pid)
        raise


def _run_job(job: dict[str, Any]) -> None:
    from coursekit.grade.worker import run_job

    run_job(job)


def _stop_tree(pid: int) -> None:
    """Kill a process and everything it started (kernels run in sessions of their own)."""
    import psutil

    try:
        root = psutil.Process(pid)
        family = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for process in family:
        with contextlib.suppress(psutil.Error):
            process.kill()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, done: int, quiet: bool):
    if quiet:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc="grading", unit="notebook", file=sys.stderr)
