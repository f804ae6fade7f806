"""The program's child process: its own process group, a parent-death signal, captured output, always killed.

Every child started here is registered until it has been reaped; `terminate_programs()` kills them all and is what a
signal handler of the CLI calls (it is also run at interpreter exit). On Linux the child asks the kernel to SIGKILL
it when the process that started it dies (prctl PR_SET_PDEATHSIG, first thing in the shim), so even a SIGKILL of
the check leaves nothing running.
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
        text = "".join(self.parts)[:MAX_CAPTURE]
        return text + ("\n[output truncated]\n" if self.truncated else "")


class ProgramProcess:
    """One running program: `pid`, `returncode`, captured `stdout()`/`stderr()`, `kill()`; unregisters on wait."""

    def __init__(self, args: Sequence[str], cwd: Path, env: Mapping[str, str], pass_fds: Sequence[int] = ()) -> None:
        self.popen = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
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
        """SIGKILL the program's whole process group and reap it."""
        _kill_group(self.popen)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
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
    for popen in live:
        _kill_group(popen)
    for popen in live:
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=5)


def running_programs() -> list[int]:
    """Pids of program processes not yet reaped (for tests and diagnostics)."""
    with _lock:
        return [p.pid for p in _live]


atexit.register(terminate_programs)
