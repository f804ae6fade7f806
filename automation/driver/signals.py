"""The driver's own SIGINT/SIGTERM: what a person pressing ^C, or a CI runner cancelling the job, sends.

The CLI runs in a session of its own (command.py), so a terminal's ^C or a runner's signal reaches only the driver;
without forwarding, the CLI would run on, orphaned, or race the driver's own destroy. While a run is guarded:
- first signal: `Interrupted` is raised in the main thread, where the driver waits for the engine
  (retries.with_timeout); the engine call's `on_interrupt` then stops the CLI with the same escalation as a
  deadline (SIGINT, grace, second SIGINT, SIGKILL of its session), and the flow runs its teardown within
  `interrupt_budget_seconds` (ephemeral runs) before writing the record.
- second signal: `hurry` is set (a stop in progress sends its second SIGINT at once and waits only
  `signal_kill_wait_seconds` before SIGKILL), `Interrupted(second=True)` skips to the record.
GitHub Actions cancels a step with SIGINT, then SIGTERM 7.5 s later, then kills the process tree 2.5 s after that
(docs.github.com "Canceling a workflow"): the first is the graceful cancel, the second the skip to the record, and
the cleanup job (`if: always()`) does the teardown. The workflow `exec`s the driver so the signals reach it (bash
does not forward them to its child).

While the driver stops an engine or writes the record (`shielded`), a signal is noted and raised afterwards, so a
stop is never abandoned half-way. On leaving the guard, every CLI session still running is killed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from . import command
from .errors import Interrupted

_ACTIVE: list[SignalGuard] = []


class SignalGuard:
    """Installed for one run, in the main thread (elsewhere Python cannot install handlers: it is then inert)."""

    def __init__(self, note: Callable[[str], None] = lambda _: None) -> None:
        self.count = 0
        self.hurry = threading.Event()
        self._note = note
        self._started = time.monotonic()
        self._shield_depth = 0
        self._deferred: Interrupted | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        _ACTIVE.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        _ACTIVE.remove(self)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        killed = command.kill_all()
        if killed:
            self._note(f"killed the session of engine process(es) {killed} still running as the driver exits")

    @property
    def interrupted(self) -> bool:
        return self.count > 0

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.count += 1
        name = signal.Signals(signum).name
        second = self.count >= 2
        self._note(f"{name} received after {time.monotonic() - self._started:.1f}s" + (" (again)" if second else ""))
        if second:
            self.hurry.set()
        error = Interrupted(name, second=second)
        if self._shield_depth:
            if self._deferred is None or second:
                self._deferred = error
            return
        raise error

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        """No signal interrupts this block; one that arrived meanwhile is raised when it ends (unless the block is
        already leaving with an exception)."""
        self._shield_depth += 1
        try:
            yield
        except BaseException:
            self._shield_depth -= 1
            raise
        self._shield_depth -= 1
        if self._shield_depth == 0 and self._deferred is not None:
            deferred, self._deferred = self._deferred, None
            raise deferred


def current() -> SignalGuard | None:
    return _ACTIVE[-1] if _ACTIVE else None


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    guard = current()
    if guard is None:
        yield
        return
    with guard.shielded():
        yield


def hurry_event() -> threading.Event | None:
    guard = current()
    return guard.hurry if guard is not None else None


def interrupted() -> bool:
    guard = current()
    return guard is not None and guard.interrupted
