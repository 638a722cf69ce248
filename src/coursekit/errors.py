"""Errors shared by the package's commands."""


class UsageError(Exception):
    """Bad input from a user (a wrong parameter, a path that is a file, ...).

    The CLI prints it as one line and exits with code 2; nothing has been written.
    """


class CourseNotSetUp(RuntimeError):
    """Raised when course data is needed before ``course.setup()`` ran in this kernel."""


class CourseDataError(RuntimeError):
    """Raised when the data directory in use is missing, incomplete or unreadable."""
