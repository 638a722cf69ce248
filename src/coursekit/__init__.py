"""coursekit: precise customer segmentation for retail (精准客户分层), as a Jupyter course.

Importing the package does no I/O; data is found and loaded by ``course.setup()``.
"""

__version__ = "0.1.0"
