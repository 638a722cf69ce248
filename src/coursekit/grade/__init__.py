"""Instructor tools: grade a batch of submitted notebooks (``coursekit grade``).

- :mod:`coursekit.grade.batch`: the batch (every file accounted for, resumable), and
  :mod:`coursekit.grade.statuses`: the status each file ends with;
- :mod:`coursekit.grade.worker`: one submission, in a process of its own;
- :mod:`coursekit.grade.instrument` and :mod:`coursekit.grade.probe`: the grader's cells
  in a submission, and what they capture in its kernel;
- :mod:`coursekit.grade.recheck`: the answers judged with a fresh import of the checks;
- :mod:`coursekit.grade.outputs` and :mod:`coursekit.grade.report`: grades, feedback pages
  and the class report;
- :mod:`coursekit.grade.roster`: trainees, their seeds and worlds (shared with
  ``coursekit handout``, :mod:`coursekit.handout`).

Importing this package does nothing else; the modules load what they need when used.
"""
