"""Run notebooks in a fresh kernel of this environment: the executor.

:func:`run_notebook` runs a notebook and reports what happened without raising, for tools
that must account for every notebook (a grader running trainees' submissions);
:func:`execute_notebook` is the author's version that raises on the first failing cell,
and :func:`execute_command` (``coursekit build --execute``) refreshes the outputs of
solution notebooks in place and rebuilds the student notebooks.

Kernels get :data:`NOTEBOOK_ENV`, the environment ``make notebooks`` uses too (kept equal by
a test), so stored outputs reproduce.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from coursekit.build.markers import CellRef, _shorten
from coursekit.build.student import (
    _allowed_notebook_metadata,
    _cell_id,
    notebook_text,
    read_notebook,
)
from coursekit.build.sync import build_all, build_command, find_sources
from coursekit.errors import UsageError
from coursekit.fileio import atomic_write_text

CELL_TIMEOUT = 120  # seconds; a module runs in well under 30 s, so this only stops hangs

#: Environment of every kernel that runs course notebooks: ``--execute`` here, and the
#: ``notebooks`` target of the Makefile (kept equal by a test). The inline backend is
#: pinned so solution notebooks keep their plots and the stored ``<Figure ...>`` outputs
#: reproduce even where ``MPLBACKEND=Agg`` is exported (``.ci/run``): under Agg a kernel
#: shows no figures at all. The hash seed makes set and dict ordering reproducible.
#: ``TQDM_DISABLE`` keeps progress bars (shown when a check takes long on a slow machine)
#: out of stored outputs.
NOTEBOOK_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYTHONHASHSEED": "0",
    "TQDM_DISABLE": "1",
}
#: Variables that would make stored outputs depend on the author's shell.
NOTEBOOK_ENV_UNSET = ("COURSEKIT_LANG", "COURSEKIT_DATA")

# Execution leaves timings behind (nbclient, jupyterlab-execute-time): never worth a diff.
_VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")


# ---------------------------------------------------------------------------- execution


def notebook_environment(
    progress_file: str | os.PathLike, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a kernel that runs course notebooks (see :data:`NOTEBOOK_ENV`).

    Args:
        progress_file: where checks record progress, so running ``q1.check()`` here never
            touches the author's own progress.
        extra: more variables, e.g. ``COURSEKIT_DATA`` for a trainee's own world.
    """
    env = {k: v for k, v in os.environ.items() if k not in NOTEBOOK_ENV_UNSET}
    env.update(NOTEBOOK_ENV)
    env["COURSEKIT_PROGRESS"] = str(progress_file)
    env.update(extra or {})
    return env


def _current_env_kernel_manager():
    """A kernel manager class that always starts ipykernel with this interpreter.

    A ``python3`` kernelspec found first on the user's Jupyter path could point to another
    Python; solution outputs must come from the environment the tests use.
    """
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class CurrentEnvKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )

    class CurrentEnvKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            return CurrentEnvKernelSpecs(data_dir=self.data_dir)

    return CurrentEnvKernelManager


def clean_executed(nb: NotebookNode, name: str) -> NotebookNode:
    """Drop what execution leaves that varies run to run; outputs and counts stay."""
    nb.metadata = _allowed_notebook_metadata(nb.metadata)
    nb.nbformat_minor = max(nb.get("nbformat_minor", 5), 5)  # cell ids need nbformat 4.5
    for index, cell in enumerate(nb.cells):
        cell["id"] = _cell_id(name, index, cell)
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    return nb


#: Exception names a kernel reports when an allocation failed (numpy's is a subclass).
MEMORY_ERRORS = frozenset({"MemoryError", "_ArrayMemoryError"})


@dataclass
class ExecutionResult:
    """What running a notebook did.

    Attributes:
        notebook: the notebook with the outputs it produced (up to the failing cell).
        status: "ok", "raised" (a cell raised), "timeout" (a cell, or the notebook, ran out
            of time), "memory" (the kernel went over its memory limit, or a cell raised
            ``MemoryError``) or "dead_kernel" (the kernel died or did not start).
        cell: where it stopped, or None when every cell ran.
        detail: the exception ("KeyError: 'x'") or what happened, one line.
        seconds: wall-clock time of the whole run.
        cell_errors: with ``allow_errors``, the cells that raised and went on: (where,
            "NameError: name 'x' is not defined").
        output_dropped: bytes of output left out beyond ``max_output_bytes``.
    """

    notebook: NotebookNode
    status: str
    cell: CellRef | None = None
    detail: str = ""
    seconds: float = 0.0
    cell_errors: list[tuple[CellRef, str]] = field(default_factory=list)
    output_dropped: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def message(self) -> str:
        """One line for a person: what failed where (empty when all went well)."""
        if self.ok or self.cell is None:
            return ""
        return str(self.cell.error(self.detail))


def validate_timeout(timeout: float | str | None) -> float:
    """Seconds per cell from user input; a one-line ``UsageError`` for anything else."""
    try:
        seconds = CELL_TIMEOUT if timeout is None else float(timeout)
    except (TypeError, ValueError):
        raise UsageError(f"--timeout must be a number of seconds, not {timeout!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"--timeout must be a positive, finite number of seconds, not {timeout}")
    return seconds


def run_notebook(
    nb: NotebookNode,
    cwd: str | os.PathLike,
    name: str,
    *,
    timeout: float = CELL_TIMEOUT,
    env: Mapping[str, str] | None = None,
    allow_errors: bool = False,
    notebook_timeout: float | None = None,
    memory_limit: int | None = None,
    max_output_bytes: int | None = None,
) -> ExecutionResult:
    """Run all cells of ``nb`` in a fresh kernel of this environment, in ``cwd``. Never
    raises for what the notebook does; the result says what happened.

    Args:
        nb: the notebook (its outputs are replaced).
        cwd: the working directory of the kernel.
        name: how to name the notebook in messages.
        timeout: seconds per cell.
        env: more environment variables for the kernel (on top of :data:`NOTEBOOK_ENV`
            and a throwaway progress file).
        allow_errors: go on after a cell raises (listed in ``cell_errors``), as a grader
            does to see every exercise; a ``MemoryError`` still stops the run.
        notebook_timeout: seconds for the whole notebook (counted from the kernel's start).
        memory_limit: bytes of memory the kernel may hold (its resident size, plus what
            its child processes hold of their own); above it the kernel is stopped.
        max_output_bytes: outputs beyond this many bytes are left out (a note says so), so
            that a notebook printing without end cannot fill the memory of the caller.
    """
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    timeout = validate_timeout(timeout)
    if notebook_timeout is not None:
        notebook_timeout = validate_timeout(notebook_timeout)
    current: dict[str, int] = {}
    cell_errors: list[tuple[CellRef, str]] = []

    def where(index: int) -> CellRef:
        cell = nb.cells[index] if 0 <= index < len(nb.cells) else {}
        return CellRef(name, index, cell.get("id"))

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    def on_cell_error(cell, cell_index, execute_reply):
        content = execute_reply.get("content", {})
        ename, evalue = content.get("ename", ""), content.get("evalue", "")
        if ename in MEMORY_ERRORS:
            raise _MemoryStop(f"cell raised {ename}")
        detail = _shorten(f"{ename}: {evalue}" if evalue else ename, 160)
        if allow_errors:
            cell_errors.append((where(cell_index), detail))

    client = _limited_client_class()(
        nb,
        kernel_name="python3",
        kernel_manager_class=_current_env_kernel_manager(),
        timeout=timeout,
        record_timing=False,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=on_cell_start,
        on_cell_error=on_cell_error,
        shutdown_kernel="immediate",  # a kernel stuck in a loop never answers a request
    )
    client.configure_limits(timeout, notebook_timeout, memory_limit, max_output_bytes)
    started = time.monotonic()

    def result(status: str, detail: str = "", stopped: bool = True) -> ExecutionResult:
        ref = where(current.get("index", 0)) if stopped else None
        out = nb if stopped else clean_executed(nb, name)
        return ExecutionResult(
            out, status, ref, detail, time.monotonic() - started, cell_errors,
            client.output_dropped,
        )  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="coursekit-execute-") as scratch:
        try:
            client.execute(env=notebook_environment(Path(scratch) / "progress.json", env))
        except _MemoryStop as exc:
            return result("memory", str(exc))
        except CellExecutionError as exc:
            if exc.ename in MEMORY_ERRORS:
                return result("memory", f"cell raised {exc.ename}")
            detail = f"{exc.ename}: {exc.evalue}" if exc.ename else str(exc)
            return result("raised", f"cell raised {_shorten(detail, 160)}")
        except CellTimeoutError:
            if client.notebook_deadline_passed():
                return result(
                    "timeout", f"the notebook did not finish within {notebook_timeout:g} s"
                )
            return result("timeout", f"cell did not finish within {timeout:g} s")
        except DeadKernelError:
            if client.memory_exceeded:
                mb = memory_limit / 2**20
                return result("memory", f"the kernel used more than {mb:,.0f} MB of memory")
            return result("dead_kernel", "the kernel died while running this cell")
        except (RuntimeError, TimeoutError, OSError) as exc:  # the kernel did not start
            if client.memory_exceeded:
                mb = memory_limit / 2**20
                return result("memory", f"the kernel used more than {mb:,.0f} MB of memory")
            detail = f"the kernel did not start or stopped answering: {_shorten(str(exc), 120)}"
            return result("dead_kernel", detail)
        finally:
            client.stop_watching()
    return result("ok", stopped=False)


class _MemoryStop(Exception):
    """A cell ran out of memory: the run stops there (raised from a client hook)."""


_CLIENT_CLASS = None


def _limited_client_class():
    """``NotebookClient`` with a time limit for the whole notebook, a memory watch on the
    kernel and a cap on the outputs kept (built on first use: nbclient loads lazily)."""
    global _CLIENT_CLASS
    if _CLIENT_CLASS is not None:
        return _CLIENT_CLASS
    from nbclient import NotebookClient
    from nbformat.v4 import new_output

    class LimitedClient(NotebookClient):
        def configure_limits(self, cell_timeout, notebook_timeout, memory_limit, max_output):
            self.cell_timeout = cell_timeout
            self.notebook_timeout = notebook_timeout
            self.memory_limit = memory_limit
            self.max_output = max_output
            self.output_kept = 0
            self.output_dropped = 0
            self.deadline = None
            self.watcher = None
            self.on_notebook_start = self._start_limits
            if notebook_timeout is not None:
                self.timeout_func = self._time_left

        def _start_limits(self, notebook=None):
            if self.notebook_timeout is not None:
                self.deadline = time.monotonic() + self.notebook_timeout
            pid = _kernel_pid(self.km)
            if self.memory_limit is not None and pid is not None:
                self.watcher = _MemoryWatch(pid, self.memory_limit)
                self.watcher.start()

        def _time_left(self, cell):
            if self.deadline is None:
                return self.cell_timeout
            return max(0.5, min(self.cell_timeout, self.deadline - time.monotonic()))

        def notebook_deadline_passed(self) -> bool:
            return self.deadline is not None and time.monotonic() >= self.deadline - 0.5

        def stop_watching(self) -> None:
            if self.watcher is not None:
                self.watcher.stop()

        @property
        def memory_exceeded(self) -> bool:
            return self.watcher is not None and self.watcher.exceeded

        def output(self, outs, msg, display_id, cell_index):
            if self.max_output is None:
                return super().output(outs, msg, display_id, cell_index)
            size = _message_size(msg.get("content", {}))
            if self.output_kept + size <= self.max_output:
                self.output_kept += size
                return super().output(outs, msg, display_id, cell_index)
            if self.output_dropped == 0:
                limit = f"{self.max_output / 2**20:g} MB"
                text = f"[output beyond {limit} left out]\n"
                outs.append(new_output("stream", name="stderr", text=text))
            self.output_dropped += size
            return None

    _CLIENT_CLASS = LimitedClient
    return LimitedClient


def _message_size(content: Mapping) -> int:
    """Bytes an output message adds to a notebook (its text and data)."""
    size = len(content.get("text", "") or "")
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(str(value))
    for line in content.get("traceback") or ():
        size += len(line)
    return size


def _kernel_pid(km) -> int | None:
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    pid = getattr(process, "pid", None)
    return pid if isinstance(pid, int) else None


class _MemoryWatch(threading.Thread):
    """Stops a kernel whose memory goes over a limit: its resident size plus what each of
    its child processes holds of its own (a fork shares the kernel's pages)."""

    INTERVAL = 0.1

    def __init__(self, pid: int, limit: int) -> None:
        super().__init__(name=f"memory-watch-{pid}", daemon=True)
        self.pid = pid
        self.limit = limit
        self.exceeded = False
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def run(self) -> None:
        import psutil

        try:
            kernel = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.wait(self.INTERVAL):
            try:
                used = kernel.memory_info().rss
                children = kernel.children(recursive=True)
                for child in children:
                    with contextlib.suppress(psutil.Error):
                        info = child.memory_info()
                        used += max(0, info.rss - getattr(info, "shared", 0))
            except psutil.Error:
                return  # the kernel is gone
            if used > self.limit:
                self.exceeded = True
                for process in (*children, kernel):
                    with contextlib.suppress(psutil.Error):
                        process.kill()
                return


def execute_notebook(
    nb: NotebookNode, cwd: str | os.PathLike, name: str, timeout: float = CELL_TIMEOUT
) -> NotebookNode:
    """Run all cells of ``nb`` in a fresh kernel of this environment, in ``cwd``.

    Raises:
        UsageError: a cell raised (without the ``raises-exception`` tag), timed out, or
            the kernel died; names the notebook and the cell.
    """
    result = run_notebook(nb, cwd, name, timeout=timeout)
    if not result.ok:
        raise result.cell.error(result.detail)
    return result.notebook


def _select(sources: Sequence[Path], names: Iterable[str]) -> list[Path]:
    """Solution notebooks matching names such as ``02_rfm``, ``02_rfm.ipynb`` or ``02``."""
    chosen: list[Path] = []
    for raw in names:
        name = Path(raw).name.removesuffix(".ipynb")
        matches = [p for p in sources if p.stem == name or p.name.split("_", 1)[0] == name]
        if len(matches) != 1:
            known = ", ".join(p.stem for p in sources) or "none"
            what = "no" if not matches else "more than one"
            raise UsageError(f"{what} solution notebook matches {raw!r} (known: {known})")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def execute_command(
    names: Sequence[str] = (),
    solutions: str | os.PathLike = "solutions",
    notebooks: str | os.PathLike = "notebooks",
    timeout: float | str | None = None,
) -> int:
    """``coursekit build --execute [NAME ...]``: refresh solution outputs, then rebuild.

    Runs the named solution notebooks (default: all) in place, working directory
    ``solutions/``. Every notebook is built first, so a marker error costs no kernel
    time; executed notebooks are written only when all of them ran.
    """
    timeout = validate_timeout(timeout)
    sources = find_sources(solutions, required=True)
    chosen = _select(sources, names) if names else sources
    build_all(solutions, notebooks)  # fail fast on markers, before any kernel starts
    executed = []
    for path in chosen:
        print(f"executing {path} ...", flush=True)
        nb = execute_notebook(read_notebook(path), path.parent, str(path), timeout)
        executed.append((path, notebook_text(nb)))
    for path, text in executed:
        if path.read_bytes() != text.encode("utf-8"):
            atomic_write_text(path, text)
            print(f"wrote {path}")
    return build_command(solutions, notebooks)
