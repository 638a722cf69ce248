"""The status of each graded file: every status a row can have, and which of them ran."""

from __future__ import annotations

#: Every status a row can have, in the order summaries list them.
STATUSES = (
    "graded",
    "tampered",
    "wrong_world",
    "timeout",
    "memory",
    "kernel_died",
    "corrupt",
    "not_a_notebook",
    "wrong_module",
    "unknown_trainee",
    "no_world",
    "duplicate",
    "grader_error",
)
#: Statuses whose answers were all checked (the class statistics use these).
COMPLETE = ("graded", "tampered", "wrong_world")
#: Statuses of a notebook that ran, completely or not (partial results are kept).
RAN = (*COMPLETE, "timeout", "memory", "kernel_died")
