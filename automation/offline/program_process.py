"""The program's child process: its own session, captured output, the job on stdin, always stopped with all it
started.

The process started here is the engine shim's keeper (shim/keeper.py): on Linux a child subreaper that runs the
program below it and, when asked to stop (SIGTERM) or when the program ends, kills every process the program
started, also those in a new session or re-parented; it gets SIGTERM from the kernel when this process dies
(PR_SET_PDEATHSIG), so even a SIGKILL of the check leaves nothing running. Stopping is SIGTERM to the keeper, a
short grace for it to clean up, then SIGKILL of the whole process group (all there is elsewhere than Linux).

Every child started here is registered until it has been reaped; `terminate_programs()` stops them all and is what
a signal handler of the CLI calls (it is also run at interpreter exit).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

MAX_CAPTURE = 2_000_000  # characters kept of each of the program's stdout and stderr
STOP_GRACE = 3.0  # seconds the keeper has to end the program's processes after SIGTERM, before SIGKILL

_live: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()


class _Capture:
    """Reads one pipe to the end on a daemon thread, keeping the first MAX_CAPTURE characters."""

    def __init__(self, stream: object) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: object) -> None:
        reader = getattr(stream, "read1", None)
        if reader is None:
            return
        with contextlib.suppress(ValueError, OSError):
            while chunk := reader(65536):
                if self.size < MAX_CAPTURE:
                    text = chunk.decode("utf-8", errors="replace")
                    self.parts.append(text)
                    self.size += len(text)
                else:
                    self.truncated = True

    def text(self) -> str:
        self.thread.join(timeout=5)
        text = "".join(self.parts)
        if self.size <= MAX_CAPTURE and not self.truncated:
            return text
        # Cut at the last whole line: a line cut short could hold part of a secret that masking cannot recognize.
        kept = text[:MAX_CAPTURE]
        return kept[: kept.rfind("\n") + 1] + "[output truncated]\n"


class ProgramProcess:
    """One running program: `pid`, `returncode`, captured `stdout()`/`stderr()`, `kill()`; unregisters on wait."""

    def __init__(
        self,
        args: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        pass_fds: Sequence[int] = (),
        stdin: bytes | None = None,
    ) -> None:
        """`stdin`: bytes the process reads on its stdin (the job: it holds config values, which are never written
        to a file), written from a thread so a large job cannot block the start."""
        self.popen = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=tuple(pass_fds),
            # Own session and process group: killpg reaches whatever the program starts. No preexec_fn: forking a
            # process with gRPC threads (the pack's channel) and running Python in the child crashes it; the shim
            # sets its parent-death signal itself (shim/run.py `_die_with_parent`).
            start_new_session=True,
        )
        with _lock:
            _live.add(self.popen)
        if stdin is not None:
            threading.Thread(target=_feed, args=(self.popen.stdin, stdin), daemon=True).start()
        self._out = _Capture(self.popen.stdout)
        self._err = _Capture(self.popen.stderr)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self, timeout: float | None) -> int:
        """Wait for the program to exit, then kill whatever it left running in its process group (while the
        exited leader is not yet reaped, so the group id cannot have been reused), then reap it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                found = os.waitid(os.P_PID, self.popen.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
            except ChildProcessError:  # already reaped
                break
            if found is not None:
                _kill_group(self.popen, leader=False)
                break
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.popen.args, timeout or 0)
            time.sleep(0.01)
        code = self.popen.wait(timeout=5)
        self._forget()
        return code

    def kill(self) -> None:
        """Stop the program and everything it started (the keeper's SIGTERM, then SIGKILL of the group), reap it."""
        _stop([self.popen])
        self._forget()

    def stdout(self) -> str:
        return self._out.text()

    def stderr(self) -> str:
        return self._err.text()

    def _forget(self) -> None:
        with _lock:
            _live.discard(self.popen)
        for stream in (self.popen.stdout, self.popen.stderr):
            self._out.thread.join(timeout=5)
            self._err.thread.join(timeout=5)
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _feed(stream: object, data: bytes) -> None:
    with contextlib.suppress(OSError, ValueError):  # the process died before it read everything
        stream.write(data)  # type: ignore[attr-defined]
    with contextlib.suppress(OSError, ValueError):
        stream.close()  # type: ignore[attr-defined]


def _stop(popens: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each keeper (it kills all below it and exits), a short grace, then SIGKILL of each process group
    while its leader is not yet reaped (so the group id cannot have been reused; elsewhere than Linux this is what
    reaches the program's children), and reap."""
    for popen in popens:
        if popen.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(popen.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for popen in popens:
        while popen.returncode is None and not _exited(popen.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if popen.returncode is None:
            _kill_group(popen)
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=10)


def _exited(pid: int) -> bool:
    """The process has exited (it may not be reaped yet: WNOWAIT leaves it for Popen.wait)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None
    except ChildProcessError:
        return True


def _kill_group(popen: subprocess.Popen[bytes], leader: bool = True) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signal.SIGKILL)
    if leader:
        with contextlib.suppress(ProcessLookupError):
            popen.kill()


def terminate_programs() -> None:
    """Kill every program process still running (for signal handlers and exit); safe to call more than once."""
    with _lock:
        live = list(_live)
        _live.clear()
    _stop(live)


def running_programs() -> list[int]:
    """Pids of program processes not yet reaped (for tests and diagnostics)."""
    with _lock:
        return [p.pid for p in _live]


atexit.register(terminate_programs)
