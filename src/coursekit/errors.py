"""Errors shared by the package's commands."""


class UsageError(Exception):
    """Bad input from a user (a wrong parameter, a path that is a file, ...).

    The CLI prints it as one line and exits with code 2; nothing has been written.
    """
