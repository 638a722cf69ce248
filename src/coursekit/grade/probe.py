"""What the grader runs inside a submission's kernel: it captures answers, it does not judge.

The grader adds three kinds of cells of its own to a submitted notebook (see
:mod:`coursekit.grade.instrument`): :func:`start` first, :func:`capture` just before each
exercise's check cell, and :func:`finish` last. They write, into a folder the grader
reads once the kernel is gone:

- each exercise's variable as it was when its check ran (pickled with cloudpickle, so a
  trainee's function travels too), or that it was undefined or still ``____``;
- the data in use at that moment (a notebook that loaded another trainee's world is
  noticed);
- what the trainee changed in the course's code: a problem object or its ``check``
  replaced, ``course`` replaced, a function or method of a ``coursekit`` module
  rebound, or code compiled from a notebook cell placed inside the package.

The answers are judged by the grader's own process with a fresh import of the checks, so
nothing done in this kernel can change a verdict; this module only reports. It imports
nothing heavy, never raises, and prints nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import types
from pathlib import Path
from typing import Any

PACKAGE = "coursekit"
#: An answer bigger than this is not transferred (the grader says so).
MAX_ANSWER_BYTES = 256 * 2**20


class _Session:
    """What :func:`start` saw before any cell of the trainee ran."""

    def __init__(self, folder: Path, module: str) -> None:
        self.folder = folder
        self.module = module  # e.g. "coursekit.exercises.rfm"
        self.modules: dict[str, types.ModuleType] = {}
        self.bindings: dict[tuple[str, str], Any] = {}  # (module, name) -> callable
        self.members: dict[tuple[str, str, str], Any] = {}  # (module, class, name) -> member
        self.problems: dict[str, Any] = {}  # short name ("q3") -> the problem object
        self.problem_state: dict[str, dict[str, Any]] = {}
        self.reported: set[tuple[str, str]] = set()


_session: _Session | None = None


def start(folder: str, module: str) -> None:
    """Import the course and the exercise module, and remember how they looked."""
    global _session
    with contextlib.suppress(BaseException):
        import importlib

        importlib.import_module(f"{PACKAGE}.course")
        exercises = importlib.import_module(module)
        session = _Session(Path(folder), module)
        for name, mod in _package_modules():
            session.modules[name] = mod
            for attr, value in list(vars(mod).items()):
                if _is_code(value):
                    session.bindings[(name, attr)] = value
                if isinstance(value, type) and value.__module__ == name:
                    for member, item in list(vars(value).items()):
                        if _is_code(item):
                            session.members[(name, value.__qualname__, member)] = item
        for problem in getattr(exercises, "PROBLEMS", ()):
            short = problem.id.rsplit(".", 1)[1]
            session.problems[short] = problem
            session.problem_state[short] = dict(vars(problem))
        _session = session


def capture(problem_id: str, var: str, cell: int) -> None:
    """Save the answer to ``problem_id`` (the variable ``var``) as it is now."""
    with contextlib.suppress(BaseException):
        _capture(problem_id, var, cell)


def finish() -> None:
    """A last look, after every cell ran: the data in use and what was changed."""
    with contextlib.suppress(BaseException):
        record = {"world": _world(), "tamper": _tamper()}
        _write_json(_folder() / "_final.json", record)


# ---------------------------------------------------------------------------- capture


def _capture(problem_id: str, var: str, cell: int) -> None:
    folder = _folder()
    record: dict[str, Any] = {"problem": problem_id, "var": var, "cell": cell}
    namespace = _user_namespace()
    record["defined"] = var in namespace
    if record["defined"]:
        value = namespace[var]
        record["type"] = _type_name(value)
        record["blank"] = _is_blank(value)
        if not record["blank"]:
            target = folder / f"{problem_id}.pkl"
            try:
                _dump(value, target)
                record["pickle"] = target.name
            except BaseException as exc:  # a generator, a file handle, a huge object
                with contextlib.suppress(OSError):
                    target.unlink()
                record["pickle_error"] = f"{type(exc).__name__}: {_first_line(exc)}"
    record["world"] = _world()
    record["tamper"] = _tamper()
    _write_json(folder / f"{problem_id}.json", record)


class _TooLarge(Exception):
    pass


class _LimitedFile:
    """A file that refuses to grow beyond :data:`MAX_ANSWER_BYTES`."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.written = 0

    def write(self, data) -> int:
        self.written += memoryview(data).nbytes
        if self.written > MAX_ANSWER_BYTES:
            raise _TooLarge(f"the answer is larger than {MAX_ANSWER_BYTES // 2**20} MB")
        return self.fh.write(data)


def _dump(value: Any, target: Path) -> None:
    import cloudpickle

    with open(target, "wb") as fh:
        cloudpickle.dump(value, _LimitedFile(fh), protocol=5)


# ---------------------------------------------------------------------------- what changed


def _tamper() -> list[list[str]]:
    """What the trainee changed in the course's code, as [kind, what] pairs (each once)."""
    found: list[list[str]] = []
    session = _session
    namespace = _user_namespace()

    def note(kind: str, what: str) -> None:
        found.append([kind, what])

    course = sys.modules.get(f"{PACKAGE}.course")
    if "course" in namespace and namespace["course"] is not course:
        note("course_replaced", "course")
    if session is None:
        return found
    for name, mod in session.modules.items():
        if sys.modules.get(name) is not mod:
            note("module_replaced", name)
    for (name, attr), original in session.bindings.items():
        current = getattr(session.modules[name], attr, None)
        if current is not original:
            note("library_patched", f"{name}.{attr}")
    for (name, cls_name, member), original in session.members.items():
        cls = _find_class(session.modules[name], cls_name)
        current = None if cls is None else vars(cls).get(member)
        if current is not original:
            note("library_patched", f"{name}.{cls_name}.{member}")
    # Bindings that did not exist at the start (a method added to a class, a module
    # imported later): notebook code in the package is a patch.
    for name, mod in _package_modules():
        for attr, value in list(vars(mod).items()):
            if (name, attr) not in session.bindings and _from_notebook(value):
                note("library_patched", f"{name}.{attr}")
            if isinstance(value, type) and value.__module__ == name:
                for member, item in list(vars(value).items()):
                    key = (name, value.__qualname__, member)
                    if key not in session.members and _from_notebook(item):
                        note("library_patched", f"{name}.{value.__qualname__}.{member}")
    exercises = session.modules.get(session.module)
    for short, problem in session.problems.items():
        if short in namespace and namespace[short] is not problem:
            note("problem_replaced", short)
        if exercises is not None and getattr(exercises, short, None) is not problem:
            note("problem_replaced", f"{session.module}.{short}")
        state = vars(problem)
        before = session.problem_state[short]
        for attr in sorted(set(state) | set(before)):
            now, then = state.get(attr, _MISSING), before.get(attr, _MISSING)
            # Code put on the problem (``q3.check = ...``); data a problem keeps about
            # itself may change as it is used.
            if now is not then and (callable(now) or callable(then)):
                note("method_replaced", f"{short}.{attr}")
    unique: list[list[str]] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


_MISSING = object()


def _package_modules() -> list[tuple[str, types.ModuleType]]:
    return [
        (name, mod)
        for name, mod in list(sys.modules.items())
        if isinstance(mod, types.ModuleType)
        and (name == PACKAGE or name.startswith(PACKAGE + "."))
        and not name.startswith(f"{PACKAGE}.grade")
    ]


def _is_code(value: Any) -> bool:
    return isinstance(
        value,
        types.FunctionType | types.BuiltinFunctionType | type | staticmethod | classmethod
        | property,
    )  # fmt: skip


def _from_notebook(value: Any) -> bool:
    """True for a function whose code was compiled from a notebook cell.

    IPython registers each cell's source in ``linecache`` under a file name of its own,
    without a modification time (real files have one); code that dataclasses and the like
    compile at run time is not registered at all.
    """
    import linecache

    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    if isinstance(value, property):
        value = value.fget
    code = getattr(value, "__code__", None)
    if not isinstance(code, types.CodeType):
        return False
    entry = linecache.cache.get(code.co_filename)
    return (entry is not None and len(entry) > 1 and entry[1] is None) or (
        code.co_filename.startswith("<ipython-input-")
    )


def _find_class(module: types.ModuleType, qualname: str) -> type | None:
    current: Any = module
    for part in qualname.split("."):
        current = getattr(current, part, None)
    return current if isinstance(current, type) else None


# ---------------------------------------------------------------------------- helpers


def _folder() -> Path:
    if _session is not None:
        return _session.folder
    return Path(os.environ.get("COURSEKIT_GRADE_CAPTURE", "."))


def _user_namespace() -> dict[str, Any]:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    namespace = getattr(shell, "user_ns", None)
    return namespace if isinstance(namespace, dict) else {}


def _world() -> dict[str, Any] | None:
    state = sys.modules.get(f"{PACKAGE}.state")
    try:  # the course state's public face; a trainee may have broken anything
        info = state.info() if state is not None and state.is_set_up() else None
    except Exception:
        info = None
    if info is None:
        return None
    return {
        "path": None if info.path is None else str(info.path),
        "source": info.source,
        "seed": info.seed,
        "n_customers": info.n_customers,
        "fingerprint": info.fingerprint,
    }


def _is_blank(value: Any) -> bool:
    problems = sys.modules.get(f"{PACKAGE}.engine.problems")
    try:
        return bool(problems.is_blank(value)) if problems is not None else False
    except BaseException:
        return False


def _type_name(value: Any) -> str:
    try:
        return type(value).__name__
    except BaseException:
        return "object"


def _first_line(exc: BaseException) -> str:
    try:
        lines = str(exc).strip().splitlines()
    except BaseException:
        return ""
    return lines[0][:200] if lines else ""


def _write_json(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)
