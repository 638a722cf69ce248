"""The problems of each course module: ``coursekit.exercises.<module>.q1 .. qN`` and ``PROBLEMS``."""
