"""Time limits on trainee functions: alarm in the main thread, daemon thread elsewhere."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from coursekit.engine.timeout import CaseTimeout, call_with_timeout

LIMIT = 0.3


def endless(*args):
    while True:
        pass


def endless_swallowing_exceptions():
    # Trainees do write this; the alarm is a BaseException so it still gets through.
    while True:
        try:  # noqa: SIM105 - written the way trainees write it
            time.sleep(0.01)
        except Exception:
            pass


def test_returns_the_result_within_the_limit():
    assert call_with_timeout(lambda a, b=0: a + b, (1,), {"b": 2}, LIMIT) == 3


def test_no_limit_just_calls():
    assert call_with_timeout(lambda: "done") == "done"


def test_an_endless_loop_times_out():
    with pytest.raises(CaseTimeout) as info:
        call_with_timeout(endless, (), None, LIMIT)
    assert info.value.seconds == LIMIT


def test_except_exception_in_the_loop_does_not_swallow_the_timeout():
    with pytest.raises(CaseTimeout):
        call_with_timeout(endless_swallowing_exceptions, (), None, LIMIT)


def test_exceptions_of_the_function_propagate_unchanged():
    def broken():
        raise KeyError("missing column")

    with pytest.raises(KeyError, match="missing column"):
        call_with_timeout(broken, (), None, LIMIT)


def test_the_previous_alarm_handler_is_restored_and_no_alarm_is_left():
    def mine(signum, frame):
        raise AssertionError("a stray alarm reached the previous handler")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        call_with_timeout(lambda: 1, (), None, LIMIT)
        with pytest.raises(CaseTimeout):
            call_with_timeout(endless, (), None, LIMIT)
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_a_daemon_thread_enforces_the_limit():
    outcome = {}
    stop = threading.Event()

    def endless_until_stopped():
        # The abandoned thread keeps running after the timeout; stop it at the end so it
        # does not compete for the GIL with the rest of the suite.
        while not stop.is_set():
            pass

    def worker():
        try:
            call_with_timeout(endless_until_stopped, (), None, LIMIT)
        except CaseTimeout as exc:
            outcome["timeout"] = exc.seconds
        outcome["value"] = call_with_timeout(lambda x: x * 2, (21,), None, LIMIT)
        try:
            call_with_timeout(lambda: 1 / 0, (), None, LIMIT)
        except ZeroDivisionError:
            outcome["raised"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    stop.set()
    assert outcome == {"timeout": LIMIT, "value": 42, "raised": True}
