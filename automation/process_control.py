"""Stop an engine process the way a person at a terminal would, then make sure it and everything it started is gone.

Pure: no Pulumi import. Why this exists: `pulumi.automation` starts the CLI with a plain `subprocess.Popen` and
keeps the handle to itself (site-packages/pulumi/automation/_cmd.py, `PulumiCommand.run`), so a deadline can
neither signal it nor wait for it; and `Stack.cancel()` runs `pulumi cancel`, which on a DIY backend
(`file://`, `s3://`, ...) only deletes the lock files (pulumi/pulumi pkg/backend/diy/backend.go,
`CancelCurrentUpdate`) while the update goes on.

What the CLI does on signals (pulumi/pulumi pkg/backend/cancellation_scope.go): the first SIGINT (or SIGTERM)
cancels gracefully (in-flight resource operations finish, no new ones start, the lock is released); a second one
terminates. Its plugins (language host, providers, the policy pack) run in their own process groups
(sdk/go/common/util/cmdutil/child_unix.go, `RegisterProcessGroup` = Setpgid), so a signal to the CLI's group does
not reach them; they stay in the CLI's *session*, which is how we find them (Linux `/proc`), also after the CLI died
and they were re-parented.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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


def stop_process(
    process: subprocess.Popen[str],
    grace_seconds: float,
    kill_wait_seconds: float = 10.0,
    members: Callable[[int], list[int]] = session_members,
) -> StopReport:
    """SIGINT the process group (graceful cancel), a second SIGINT after `grace_seconds` (terminate), SIGKILL to
    every process of its session after `kill_wait_seconds` more; return only when none is left (or report that).

    `process` must have been started with `start_new_session=True`, so its pid is its group and session id.
    """
    report = StopReport(pid=process.pid)
    sid = process.pid
    if process.poll() is None and _signal_group(sid, signal.SIGINT):
        report.steps.append("SIGINT sent (graceful cancel)")
        try:
            process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            _signal_group(sid, signal.SIGINT)
            report.forced = True
            report.steps.append(f"still running after {grace_seconds:g}s: second SIGINT sent (terminate)")
            try:
                process.wait(kill_wait_seconds)
            except subprocess.TimeoutExpired:
                report.steps.append(f"still running after {kill_wait_seconds:g}s more: SIGKILL")
                report.killed = True
                _kill_all([process.pid, *members(sid)])
                process.wait(kill_wait_seconds)
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
