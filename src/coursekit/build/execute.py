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

import math
import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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


@dataclass
class ExecutionResult:
    """What running a notebook did.

    Attributes:
        notebook: the notebook with the outputs it produced (up to the failing cell).
        status: "ok", "raised" (a cell raised), "timeout" (a cell ran out of time) or
            "dead_kernel" (the kernel died: a crash, a memory limit).
        cell: where it stopped, or None when every cell ran.
        detail: the exception ("KeyError: 'x'") or what happened, one line.
        seconds: wall-clock time of the whole run.
    """

    notebook: NotebookNode
    status: str
    cell: CellRef | None = None
    detail: str = ""
    seconds: float = 0.0

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
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    timeout = validate_timeout(timeout)
    current: dict[str, int] = {}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=_current_env_kernel_manager(),
        timeout=timeout,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=on_cell_start,
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="coursekit-execute-") as scratch:
        try:
            client.execute(env=notebook_environment(Path(scratch) / "progress.json", env))
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            index = current.get("index", 0)
            cell = nb.cells[index] if index < len(nb.cells) else {}
            ref = CellRef(name, index, cell.get("id"))
            if isinstance(exc, CellExecutionError):
                detail = f"{exc.ename}: {exc.evalue}" if exc.ename else str(exc)
                status, detail = "raised", f"cell raised {_shorten(detail, 160)}"
            elif isinstance(exc, CellTimeoutError):
                status, detail = "timeout", f"cell did not finish within {timeout:g} s"
            else:
                status, detail = "dead_kernel", "the kernel died while running this cell"
            return ExecutionResult(nb, status, ref, detail, time.monotonic() - started)
    return ExecutionResult(clean_executed(nb, name), "ok", seconds=time.monotonic() - started)


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
