"""Run a trainee's function in a sandbox: a forked child process with hard limits.

A function problem calls code the trainee wrote, inside the trainee's own kernel. Run in
the kernel's process, ``os._exit(3)`` would end the kernel, a loop with a bare ``except:``
would swallow any alarm and hang the check, a memory bomb would take the kernel down, and
a function changing its arguments would change them for every later check. So each run
happens in a child forked from the kernel (:func:`run_calls`):

- the child sees a copy-on-write snapshot of the kernel: arguments it changes, variables
  it sets and anything it prints stay in the child;
- every call has a wall-clock limit; when it passes, the parent kills the child (and
  anything the child started), whatever the function does with signals or exceptions;
- the child's address space is capped (:func:`memory_allowance` above what the kernel
  already uses), so a memory bomb ends in ``MemoryError`` inside the child;
- results come back pickled through a pipe; a value that cannot be pickled comes back as
  a stand-in that keeps its type name, so feedback can still say what it was.

Where ``os.fork`` does not exist (Windows) the calls run in the process on copies of their
arguments with :func:`coursekit.engine.timeout.call_with_timeout`, as before.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import pickle
import select
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Seconds the child may take to start the first call, and between two calls (pickling a
#: result is part of its call). Generous: forking a big kernel is quick, but a busy
#: machine is slow.
GRACE = 10.0
#: Address space a trainee's function may use beyond what the kernel already uses.
MEMORY_ALLOWANCE = 1 << 30  # 1 GiB
_HEADER = struct.Struct("!I")


@dataclass(frozen=True)
class Call:
    """One call of the function: ``fn(*args, **kwargs)`` within ``limit`` seconds."""

    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    limit: float | None = None


@dataclass(frozen=True)
class Outcome:
    """What one call did.

    Attributes:
        kind: "returned"; "raised" (an exception, ``error`` is its type name); "timeout"
            (still running at the limit, the child was killed); "memory" (MemoryError:
            the memory limit was reached); "crashed" (the process ended during the call:
            ``os._exit``, a fatal signal; ``detail`` says how).
        value: the returned value ("returned" only).
        error: the exception type name, e.g. "KeyError".
        detail: the first line of the exception message, or how the process ended.
        seconds: how long the call ran (for a timeout: until it was stopped).
    """

    kind: str
    value: Any = None
    error: str = ""
    detail: str = ""
    seconds: float = 0.0


class Unsendable:
    """Stands in for a returned value that could not be pickled back from the child.

    Instances are made by :func:`stand_in` with the original type's name, so that
    ``type(value).__name__`` in feedback still says "generator" or "module".
    """

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce__(self):
        return stand_in, (type(self).__name__,)


def stand_in(type_name: str) -> Unsendable:
    """A stand-in whose type is named ``type_name``."""
    name = type_name if isinstance(type_name, str) and type_name.isidentifier() else "object"
    return type(name, (Unsendable,), {"__module__": __name__})()


class SandboxFailure(Exception):
    """A sandboxed call did not return (it raised, timed out, crashed or ran out of memory).

    Raised by :class:`SandboxedFunction` so that code probing a trainee's function (a
    mistake's ``matches``) can treat any failure as "does not match".
    """

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(f"{outcome.kind}: {outcome.error or outcome.detail}".rstrip(": "))
        self.outcome = outcome


def available() -> bool:
    """True where calls really run in a child process (POSIX with ``os.fork``)."""
    return hasattr(os, "fork") and sys.platform != "win32"


def run_calls(
    fn: Callable[..., Any],
    calls: Sequence[Call],
    *,
    memory_limit: int | None = MEMORY_ALLOWANCE,
    on_tick: Callable[[int, int, float], None] | None = None,
) -> list[Outcome]:
    """Call ``fn`` once per call in one sandboxed child; stop after a timeout or a crash.

    Args:
        fn: the trainee's function.
        calls: the calls, in order; each has its own time limit (None: no limit).
        memory_limit: bytes the child may allocate beyond the parent's current size;
            None for no limit.
        on_tick: called about twice a second and at each call's start and end with
            ``(calls finished, total, seconds since the start)``, e.g. for a progress bar.

    Returns:
        One :class:`Outcome` per call that ran: all of them, unless one timed out or
        crashed (then that one is the last).
    """
    if not calls:
        return []
    if not available():
        return _run_in_process(fn, calls)
    return _Parent(fn, list(calls), memory_limit, on_tick).run()


class SandboxedFunction:
    """A trainee's function that runs in the sandbox on every call.

    Calling it returns the value or raises :class:`SandboxFailure`; the arguments the
    caller passes are never modified.
    """

    def __init__(self, fn: Callable[..., Any], limit: float | None) -> None:
        self._fn = fn
        self._limit = limit
        self.__name__ = getattr(fn, "__name__", "function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        outcome = run_calls(self._fn, [Call(args, kwargs, self._limit)])[0]
        if outcome.kind != "returned":
            raise SandboxFailure(outcome)
        return outcome.value


# ---------------------------------------------------------------------------- parent side


class _Parent:
    """Fork, then read the child's messages and enforce each call's deadline."""

    def __init__(self, fn, calls: list[Call], memory_limit, on_tick) -> None:
        self.fn = fn
        self.calls = calls
        self.memory_limit = memory_limit
        self.on_tick = on_tick
        self.outcomes: list[Outcome] = []
        self.current: int | None = None
        self.call_started = 0.0

    def run(self) -> list[Outcome]:
        address_limit = _address_limit(self.memory_limit)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child(self.fn, self.calls, write_end, address_limit)
        os.close(write_end)
        started = time.monotonic()
        try:
            self._read(read_end, pid, started)
        finally:
            os.close(read_end)
            _end(pid)
        return self.outcomes

    def _read(self, fd: int, pid: int, started: float) -> None:
        buffer = b""
        deadline = started + GRACE
        finished = False
        while not finished:
            now = time.monotonic()
            if now >= deadline:
                self._stop_at_deadline(pid, now)
                return
            wait = min(deadline - now, 0.5)
            ready, _, _ = select.select([fd], [], [], wait)
            if self.on_tick is not None:
                self.on_tick(len(self.outcomes), len(self.calls), time.monotonic() - started)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:  # the child closed the pipe: it has ended
                self._child_ended(pid)
                return
            buffer += chunk
            while len(buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(buffer)
                if len(buffer) < _HEADER.size + size:
                    break
                message = pickle.loads(buffer[_HEADER.size : _HEADER.size + size])
                buffer = buffer[_HEADER.size + size :]
                deadline, finished = self._handle(message)

    def _handle(self, message: tuple) -> tuple[float, bool]:
        """Act on one message; return the next deadline and whether all calls are done."""
        if message[0] == "start":
            self.current = message[1]
            self.call_started = time.monotonic()
            limit = self.calls[self.current].limit
            return self.call_started + (limit if limit is not None else float("inf")), False
        self.outcomes.append(message[2])
        self.current = None
        return time.monotonic() + GRACE, len(self.outcomes) == len(self.calls)

    def _stop_at_deadline(self, pid: int, now: float) -> None:
        _kill(pid)
        if self.current is not None:
            self.outcomes.append(Outcome("timeout", seconds=now - self.call_started))
        elif len(self.outcomes) < len(self.calls):
            # The child never started the next call (or never reported its result).
            self.outcomes.append(
                Outcome("crashed", detail="the process stopped responding", seconds=0.0)
            )

    def _child_ended(self, pid: int) -> None:
        status = _wait(pid)
        if len(self.outcomes) < len(self.calls):
            seconds = time.monotonic() - self.call_started if self.current is not None else 0.0
            self.outcomes.append(Outcome("crashed", detail=_describe_exit(status), seconds=seconds))


def _describe_exit(status: int | None) -> str:
    if status is None:
        return "the process ended"
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the process was ended by {name}"
    return f"the process exited with code {code}"


def _wait(pid: int) -> int | None:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return status


def _kill(pid: int) -> None:
    # The child leads its own process group: kill the group, so that processes the
    # trainee's function started end too.
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
            return
        except (ProcessLookupError, PermissionError, OSError):
            continue


def _end(pid: int) -> None:
    """Make sure the child is gone and reaped (also after a KeyboardInterrupt)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return
    if done == 0:
        _kill(pid)
        _wait(pid)


def _address_limit(allowance: int | None) -> int | None:
    """The child's address-space cap: what the kernel uses now plus the allowance."""
    if allowance is None:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None  # not Linux: RLIMIT_AS is not reliable elsewhere
    return current + min(allowance, _available_memory() // 2 or allowance)


def _available_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# ---------------------------------------------------------------------------- child side


def _child(fn, calls: list[Call], fd: int, address_limit: int | None) -> None:
    """Run the calls and report through ``fd``; always ends with ``os._exit``."""
    code = 0
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        # The kernel's output streams talk to threads that do not exist in the child.
        sys.stdout = io.StringIO()
        sys.stderr = io.StringIO()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            signal.signal(signum, signal.SIG_DFL)
        if address_limit is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (address_limit, address_limit))
        for index, call in enumerate(calls):
            _send(fd, ("start", index))
            _send(fd, ("done", index, _call(fn, call)))
    except BaseException:  # nothing may escape the child into the kernel's code
        code = 70
        with contextlib.suppress(BaseException):
            traceback.print_exc(file=sys.__stderr__)
    finally:
        os._exit(code)


def _call(fn, call: Call) -> Outcome:
    started = time.perf_counter()
    try:
        value = fn(*call.args, **dict(call.kwargs))
    except MemoryError:
        return Outcome("memory", error="MemoryError", seconds=time.perf_counter() - started)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt: all feedback
        seconds = time.perf_counter() - started
        return Outcome("raised", error=type(exc).__name__, detail=_first_line(exc), seconds=seconds)
    return Outcome("returned", value=value, seconds=time.perf_counter() - started)


def _send(fd: int, message: tuple) -> None:
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        outcome = message[2]
        replaced = Outcome(
            outcome.kind, stand_in(type(outcome.value).__name__), seconds=outcome.seconds
        )
        data = pickle.dumps((*message[:2], replaced), protocol=pickle.HIGHEST_PROTOCOL)
    payload = _HEADER.pack(len(data)) + data
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _first_line(exc: BaseException, limit: int = 200) -> str:
    try:
        lines = str(exc).strip().splitlines()
    except BaseException:
        return ""
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


# ---------------------------------------------------------------------------- fallback


def _run_in_process(fn, calls: Iterable[Call]) -> list[Outcome]:
    from coursekit.engine.timeout import CaseTimeout, call_with_timeout

    outcomes = []
    for call in calls:
        try:
            args, kwargs = copy.deepcopy(call.args), copy.deepcopy(dict(call.kwargs))
        except Exception:
            args, kwargs = call.args, dict(call.kwargs)
        started = time.perf_counter()
        try:
            value = call_with_timeout(fn, args, kwargs, call.limit)
        except CaseTimeout:
            outcomes.append(Outcome("timeout", seconds=time.perf_counter() - started))
            break
        except MemoryError:
            outcomes.append(Outcome("memory", error="MemoryError"))
            continue
        except (Exception, SystemExit) as exc:
            outcomes.append(
                Outcome(
                    "raised",
                    error=type(exc).__name__,
                    detail=_first_line(exc),
                    seconds=time.perf_counter() - started,
                )
            )
            continue
        outcomes.append(Outcome("returned", value=value, seconds=time.perf_counter() - started))
    return outcomes
