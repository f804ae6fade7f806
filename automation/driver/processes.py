"""Stop an engine process the way the real CLI wants to be stopped, then make sure it and everything it started is
gone. Pure: no Pulumi import.

What the CLI does on signals (pulumi/pulumi pkg/backend/cancellation_scope.go, pkg/engine/deployment.go; checked on
the real 3.274.0 binary by tests/test_driver_real.py): the first SIGINT or SIGTERM cancels gracefully (no new
resource operation starts, in-flight ones may finish); a second one terminates: the engine stops waiting, closes the
plugins (providers, language host, policy packs), records the operations still in flight as PENDING in the state
and releases the stack's lock on its way out. Only SIGKILL leaves a lock behind. Plugins run in their own process
groups (sdk/go/common/util/cmdutil/child_unix.go, `RegisterProcessGroup` = Setpgid), so a signal to the CLI's group
does not reach them; they stay in the CLI's *session*, which is how we find them (Linux `/proc`), also after the
CLI died and they were re-parented. The CLI is started through `program_host` (same group and session), which
ignores SIGINT/SIGTERM itself and exits with the CLI.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROC = Path("/proc")


@dataclass
class StopReport:
    """What stopping took, for the run record."""

    pid: int
    steps: list[str] = field(default_factory=list)
    exit_code: int | None = None
    forced: bool = False  # it needed a second SIGINT or SIGKILL: it may have left its lock behind
    killed: bool = False
    gone: bool = False
    session_pids: list[int] = field(default_factory=list)  # who was in its session when stopping began


def session_members(session_id: int, proc: Path = PROC) -> list[int]:
    """Pids whose session id is `session_id` (field 6 of /proc/<pid>/stat); [] where /proc does not exist."""
    members: list[int] = []
    if not proc.is_dir():
        return members
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp session ..."; comm may contain spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 3 and fields[0] != "Z" and int(fields[3]) == session_id:
            members.append(int(entry.name))
    return sorted(members)


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _wait(process: subprocess.Popen[Any], seconds: float, hurry: threading.Event | None) -> bool:
    """Wait up to `seconds` for the process to exit; stop waiting early once `hurry` is set. True: it exited."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            process.wait(min(0.1, max(0.0, deadline - time.monotonic())))
            return True
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline or (hurry is not None and hurry.is_set()):
                return False


def stop_process(
    process: subprocess.Popen[Any],
    grace_seconds: float,
    kill_wait_seconds: float = 10.0,
    members: Callable[[int], list[int]] = session_members,
    hurry: threading.Event | None = None,
    hurried_kill_wait_seconds: float | None = None,
) -> StopReport:
    """SIGINT the process group (graceful cancel), a second SIGINT after `grace_seconds` (terminate: pending
    operations are written to the state, the lock is released), SIGKILL to every process of its session after
    `kill_wait_seconds` more; return only when none is left (or report that). `hurry` (a second signal to the
    driver) cuts the grace short: the second SIGINT goes out at once, and SIGKILL follows after
    `hurried_kill_wait_seconds` (a CI runner kills the whole tree 2.5 s after its second signal).

    `process` must have been started with `start_new_session=True`, so its pid is its group and session id.
    """
    report = StopReport(pid=process.pid)
    sid = process.pid
    report.session_pids = members(sid)
    if process.poll() is None and _signal_group(sid, signal.SIGINT):
        report.steps.append("SIGINT sent (graceful cancel)")
        if not _wait(process, grace_seconds, hurry):
            _signal_group(sid, signal.SIGINT)
            report.forced = True
            hurried = hurry is not None and hurry.is_set()
            waited = "on a second signal to the driver" if hurried else f"after {grace_seconds:g}s"
            report.steps.append(f"still running {waited}: second SIGINT sent (terminate)")
            if hurry is not None and hurry.is_set() and hurried_kill_wait_seconds is not None:
                kill_wait_seconds = min(kill_wait_seconds, hurried_kill_wait_seconds)
            if not _wait(process, kill_wait_seconds, None):
                report.steps.append(f"still running after {kill_wait_seconds:g}s more: SIGKILL to its session")
                report.killed = True
                _kill_all([process.pid, *members(sid)])
                _wait(process, kill_wait_seconds, None)
    report.exit_code = process.poll()
    # The CLI is gone; plugins it started (own process groups, same session) may not be.
    deadline = time.monotonic() + kill_wait_seconds
    leftovers = members(sid)
    if leftovers:
        report.steps.append(f"{len(leftovers)} process(es) it started were still running: SIGKILL")
        _kill_all(leftovers)
    while leftovers and time.monotonic() < deadline:
        time.sleep(0.05)
        leftovers = members(sid)
    report.gone = process.poll() is not None and not leftovers
    report.steps.append(
        f"engine process {process.pid} exited with {report.exit_code}; "
        + ("no process of its session is left" if report.gone else f"{len(leftovers)} process(es) would not die")
    )
    return report


def kill_session(process: subprocess.Popen[Any], members: Callable[[int], list[int]] = session_members) -> bool:
    """SIGKILL everything in the process's session at once (the driver is about to exit); True when all gone."""
    _kill_all([process.pid, *members(process.pid)])
    deadline = time.monotonic() + 5
    while (process.poll() is None or members(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return process.poll() is not None and not members(process.pid)
