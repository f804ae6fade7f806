"""Nothing the program starts outlives the check: a small keeper process owns the program and all it starts.

Run first thing in the engine shim, before any import (no threads yet, so forking is safe). On Linux:
- the shim process becomes the keeper: a child subreaper (prctl PR_SET_CHILD_SUBREAPER, prctl(2)), so a process
  the program starts stays below it even when its parent exits: double-forked daemons and children in a new
  session (`setsid`, `start_new_session=True`), which a process-group kill does not reach, are re-parented to the
  keeper instead of init;
- it forks the program process (which goes on to run the shim) and waits. When the program ends, however it ends
  (finished, raised, `os._exit`, crashed, killed), the keeper kills every process left below it, reaps them, and
  exits with the program's status (or dies of its signal);
- on SIGTERM/SIGINT/SIGHUP (the checker stopping the program: timeout, Ctrl-C, an error elsewhere) it does the
  same at once; and it asks the kernel for SIGTERM when the checker itself dies (PR_SET_PDEATHSIG), so even a
  SIGKILL of the check leaves nothing running. The program process gets SIGKILL when the keeper dies.
The keeper closes every descriptor it inherited: only the program and what it starts hold the pipes to the checker,
so the checker sees end-of-file once they are gone.

Elsewhere (macOS, ...) there is no subreaper and no parent-death signal: `keep()` does nothing, the program runs in
the shim process itself, and the checker kills the program's process group, which reaches every process the program
starts except those that leave the group (a new session or process group).

Pure standard library; also imported by the tests.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _prctl() -> Any:
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return libc.prctl


def descendants(root: int) -> set[int]:
    """Live (not zombie) processes below `root`, from /proc (field 4 of /proc/<pid>/stat is the parent)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # "pid (comm) state ppid ...": comm may hold spaces
        if len(fields) > 1 and fields[0] not in ("Z", "X"):
            children.setdefault(int(fields[1]), []).append(int(name))
    found: set[int] = set()
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass


def kill_below(root: int, deadline: float = 5.0) -> None:
    """SIGKILL every process below `root` until none is left (a process forking meanwhile is re-parented to the
    subreaper and found on the next pass), reaping what becomes our zombie."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        _reap()
        left = descendants(root)
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)


def _exit_like(status: int) -> None:
    """Leave with the program's wait status: its exit code, or death by its signal."""
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):  # SIGKILL and SIGSTOP cannot be caught anyway
            signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        time.sleep(1)
        os._exit(128 + signum)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _close_inherited() -> None:
    """Hold none of the checker's pipes (stdin with the job, stdout/stderr, the record channel)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            with contextlib.suppress(OSError):
                os.close(fd)


def keep(parent: int) -> None:
    """Fork the program process below a keeper (see the module docstring); returns in the program process only.
    `parent`: the checker's pid (0: unknown); the keeper leaves at once if it is already gone."""
    if not sys.platform.startswith("linux"):
        if parent and os.getppid() != parent:  # the checker is gone already
            os._exit(1)
        return
    prctl = _prctl()
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    keeper = os.getpid()
    program = os.fork()
    if program == 0:
        prctl(PR_SET_CHILD_SUBREAPER, 0)
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != keeper:  # the keeper died before the line above
            os._exit(1)
        return

    def stop(signum: int, frame: Any) -> None:
        kill_below(keeper)
        os._exit(128 + signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if parent and os.getppid() != parent:  # the checker died before the line above
        stop(signal.SIGTERM, None)
    _close_inherited()
    status = 1
    while True:
        try:
            pid, found = os.waitpid(-1, 0)  # reaps re-parented orphans too
        except ChildProcessError:
            break
        if pid == program:
            status = found
            break
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    kill_below(keeper)
    _exit_like(status)
