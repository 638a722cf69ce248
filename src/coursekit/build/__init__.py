"""One source, two notebooks: build student notebooks from the solution notebooks.

``solutions/NN_*.ipynb`` is the single source. The student version ``notebooks/NN_*.ipynb``
is derived from it. The package has four parts:

- :mod:`coursekit.build.markers`: the solution markers (``# BEGIN SOLUTION`` ...
  ``# END SOLUTION``, a line ending in ``# SOLUTION``), recognised after Unicode
  normalization, with every doubtful marker an error, and an independent leak check;
- :mod:`coursekit.build.student`: the student version of one notebook (solutions replaced,
  ``solution`` cells dropped, outputs and volatile metadata stripped, cell ids kept);
- :mod:`coursekit.build.sync`: ``coursekit build [--check]`` over the whole course;
- :mod:`coursekit.build.execute`: running notebooks in a fresh kernel of this environment,
  for ``coursekit build --execute`` and for tools that grade notebooks
  (:func:`run_notebook` accounts for every notebook without raising).

Solution notebooks keep their outputs: ``pytest --nbval solutions`` compares them.
"""

from coursekit.build.execute import (
    CELL_TIMEOUT,
    NOTEBOOK_ENV,
    NOTEBOOK_ENV_UNSET,
    ExecutionResult,
    _select,
    clean_executed,
    execute_command,
    execute_notebook,
    notebook_environment,
    run_notebook,
)
from coursekit.build.markers import (
    PLACEHOLDER,
    SOLUTION_TAG,
    YOUR_CODE,
    CellRef,
    find_leaks,
    normalize,
)
from coursekit.build.student import (
    BUILD_TAGS,
    build_notebook,
    notebook_text,
    read_notebook,
)
from coursekit.build.sync import (
    NOTEBOOK_GLOB,
    BuiltNotebook,
    SyncReport,
    build_all,
    build_command,
    compare,
    find_sources,
)

__all__ = [
    "BUILD_TAGS",
    "CELL_TIMEOUT",
    "NOTEBOOK_ENV",
    "NOTEBOOK_ENV_UNSET",
    "NOTEBOOK_GLOB",
    "PLACEHOLDER",
    "SOLUTION_TAG",
    "YOUR_CODE",
    "BuiltNotebook",
    "CellRef",
    "ExecutionResult",
    "SyncReport",
    "_select",
    "build_all",
    "build_command",
    "build_notebook",
    "clean_executed",
    "compare",
    "execute_command",
    "execute_notebook",
    "find_leaks",
    "find_sources",
    "normalize",
    "notebook_environment",
    "notebook_text",
    "read_notebook",
    "run_notebook",
]
