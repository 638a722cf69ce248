"""Call a function with a time limit, in this process: the sandbox's fallback.

Trainees' functions normally run in a forked child (:mod:`coursekit.engine.sandbox`),
where a limit is a kill. Where ``os.fork`` does not exist (Windows) they run here instead:
in the main thread on POSIX the limit is a one-shot ``SIGALRM`` timer that raises inside
the running function; elsewhere the function runs in a daemon thread that is abandoned
when the limit passes (it cannot be killed, but the check returns and the kernel stays
usable).

Known limit of this fallback: a function that catches ``BaseException`` (a bare
``except:``) inside its loop swallows the alarm.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any


class CaseTimeout(Exception):
    """The function did not finish within its time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"did not finish within {seconds:g} s")
        self.seconds = seconds


class _Alarm(BaseException):
    # A BaseException, so that `except Exception:` in the trainee's code does not swallow it.
    pass


def call_with_timeout(
    fn: Callable[..., Any],
    args: tuple = (),
    kwargs: Mapping[str, Any] | None = None,
    seconds: float | None = None,
) -> Any:
    """Call ``fn(*args, **kwargs)`` and return its result, or raise :class:`CaseTimeout`.

    Exceptions raised by ``fn`` propagate unchanged. ``seconds=None`` means no limit.
    """
    kwargs = dict(kwargs or {})
    if seconds is None:
        return fn(*args, **kwargs)
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _call_with_alarm(fn, args, kwargs, seconds)
    return _call_in_thread(fn, args, kwargs, seconds)


def _call_with_alarm(fn, args, kwargs, seconds: float) -> Any:
    armed = True

    def on_alarm(signum, frame):
        nonlocal armed
        # Raise at most once: if the alarm lands while we are already cleaning up, the
        # cleanup below must not be interrupted a second time.
        if armed:
            armed = False
            raise _Alarm

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    previous_timer = (0.0, 0.0)
    try:
        try:
            previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
            return fn(*args, **kwargs)
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        raise CaseTimeout(seconds) from None
    finally:
        signal.signal(signal.SIGALRM, previous_handler)
        # Someone else (a grader, a test runner) may have had a timer running: give it back
        # what is left of it.
        if previous_timer[0] > 0:
            left = max(previous_timer[0] - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, previous_timer[1])


def _call_in_thread(fn, args, kwargs, seconds: float) -> Any:
    outcome: dict[str, Any] = {}

    def target():
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="coursekit-case", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise CaseTimeout(seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
