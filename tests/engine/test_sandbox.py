"""The sandbox that runs trainees' functions: a forked child with hard limits.

Each hostile function here would, run in the kernel's own process, kill it, hang it or
change later checks. (The same functions in a real Jupyter kernel: test_in_kernel.py.)
"""

from __future__ import annotations

import os
import signal
import sys
import time

import pandas as pd
import pytest

from coursekit.engine import sandbox
from coursekit.engine.sandbox import Call, SandboxedFunction, SandboxFailure, run_calls

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="needs os.fork")


def double(x):
    return x * 2


def test_values_come_back_and_each_call_is_timed():
    outcomes = run_calls(double, [Call((2,), {}, 1.0), Call((pd.Series([1, 2]),), {}, 1.0)])
    assert [o.kind for o in outcomes] == ["returned", "returned"]
    assert outcomes[0].value == 4
    assert outcomes[1].value.tolist() == [2, 4]
    assert all(0 <= o.seconds < 1 for o in outcomes)


def test_exceptions_including_system_exit_are_outcomes():
    def raises(x):
        raise KeyError("no such customer")

    def exits(x):
        sys.exit()

    first, second = run_calls(raises, [Call((1,), {}, 1.0)]) + run_calls(exits, [Call((1,))])
    assert (first.kind, first.error, first.detail) == ("raised", "KeyError", "'no such customer'")
    assert (second.kind, second.error) == ("raised", "SystemExit")


def test_os_exit_ends_the_child_not_this_process():
    def leaves(x):
        os._exit(3)

    outcomes = run_calls(leaves, [Call((1,), {}, 1.0), Call((2,), {}, 1.0)])
    assert len(outcomes) == 1  # the run stops at a crash
    assert outcomes[0].kind == "crashed"
    assert outcomes[0].detail == "the process exited with code 3"


def test_a_loop_that_swallows_every_exception_and_ignores_alarms_is_stopped():
    def stubborn(x):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            try:
                while True:
                    pass
            except:  # noqa: E722 - exactly what a trainee writes
                pass

    started = time.monotonic()
    outcomes = run_calls(stubborn, [Call((1,), {}, 0.5), Call((2,), {}, 0.5)])
    assert time.monotonic() - started < 5
    assert [o.kind for o in outcomes] == ["timeout"]
    assert outcomes[0].seconds >= 0.5


def test_a_memory_bomb_ends_in_memory_error_inside_the_child():
    def bomb(x):
        hoard = []
        while True:
            hoard.append(bytearray(50 * 2**20))

    outcome = run_calls(bomb, [Call((1,), {}, 20.0)], memory_limit=200 * 2**20)[0]
    assert outcome.kind == "memory"


def test_arguments_changed_by_the_function_stay_changed_in_the_child_only():
    values = pd.Series([1, 2, 3])

    def vandal(series):
        series.iloc[0] = 99
        return int(series.sum())

    assert run_calls(vandal, [Call((values,), {}, 1.0)])[0].value == 104
    assert values.tolist() == [1, 2, 3]


def test_what_the_function_prints_stays_in_the_child(capfd):
    def chatty(x):
        print("hello from the child")
        return x

    assert run_calls(chatty, [Call((1,), {}, 1.0)])[0].value == 1
    assert "hello" not in capfd.readouterr().out


def test_a_value_that_cannot_be_pickled_comes_back_as_a_stand_in_with_its_type_name():
    outcome = run_calls(lambda x: (i for i in range(x)), [Call((3,), {}, 1.0)])[0]
    assert outcome.kind == "returned"
    assert type(outcome.value).__name__ == "generator"
    assert isinstance(outcome.value, sandbox.Unsendable)


def test_a_sandboxed_function_returns_or_raises_sandbox_failure():
    assert SandboxedFunction(double, 1.0)(21) == 42

    def endless(x):
        while True:
            pass

    with pytest.raises(SandboxFailure) as failure:
        SandboxedFunction(endless, 0.3)(1)
    assert failure.value.outcome.kind == "timeout"


def test_ticks_report_progress():
    ticks = []
    run_calls(double, [Call((1,), {}, 1.0)] * 3, on_tick=lambda *t: ticks.append(t))
    assert ticks and all(total == 3 for _, total, _ in ticks)


def test_without_fork_calls_run_in_process_on_copies(monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: False)
    values = [1, 2]

    def appends(items):
        items.append(3)
        return len(items)

    assert run_calls(appends, [Call((values,), {}, 1.0)])[0].value == 3
    assert values == [1, 2]
