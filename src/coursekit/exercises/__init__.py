"""The problems of each course module.

``coursekit.exercises.<module>`` exposes ``q1 .. qN`` and ``PROBLEMS`` (the ordered list).
"""
