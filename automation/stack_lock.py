"""When `pulumi cancel` may be used: only to clear what a dead engine process left, never to stop a live one.

Pure: no Pulumi import. On a DIY backend `pulumi cancel` deletes every lock file of the stack and nothing else
(pulumi/pulumi pkg/backend/diy/backend.go `CancelCurrentUpdate`); a running update goes on. A lock is
`<backend>/.pulumi/locks/<org>/<project>/<stack>/<id>.json` (legacy layout: `.pulumi/locks/<stack>/`) holding the
owner's `pid`, `username`, `hostname` and `timestamp` (pkg/backend/diy/lock.go). The CLI releases its own lock when
it exits, also after a graceful SIGINT; only a killed CLI leaves one. On Pulumi Cloud, `cancel` cancels the stack's
active update (pkg/backend/httpstate/backend.go), which after our CLI was killed is that orphaned update.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

BackendKind = Literal["file", "diy", "cloud"]
DIY_SCHEMES = ("file://", "s3://", "gs://", "azblob://")


def backend_kind(url: str) -> BackendKind:
    if url.startswith("file://"):
        return "file"
    if url.startswith(DIY_SCHEMES):
        return "diy"
    return "cloud"


@dataclass(frozen=True)
class LockFile:
    path: Path
    pid: int | None
    hostname: str


def file_backend_locks(backend_url: str, stack: str) -> list[LockFile]:
    """The lock files of `stack` in a `file://` backend (both layouts)."""
    root = Path(backend_url[len("file://") :]) / ".pulumi" / "locks"
    locks = []
    for path in sorted(root.glob("**/*.json")) if root.is_dir() else []:
        if path.parent.name != stack:
            continue
        try:
            content = json.loads(path.read_text())
        except (OSError, ValueError):
            content = {}
        pid = content.get("pid") if isinstance(content, dict) else None
        hostname = content.get("hostname", "") if isinstance(content, dict) else ""
        locks.append(LockFile(path, pid if isinstance(pid, int) else None, str(hostname)))
    return locks


@dataclass(frozen=True)
class LockDecision:
    clear: bool
    reason: str


def decide_lock_clearing(
    kind: BackendKind, forced: bool, dead_pid: int, hostname: str, locks: list[LockFile] | None = None
) -> LockDecision:
    """Whether to run `pulumi cancel` after our engine process `dead_pid` was stopped and confirmed gone.

    `file://`: only when every lock file of the stack names the dead process on this host (anything else is
    another process's lock and is left alone). Other backends, where the lock cannot be read: only when the process
    had to be terminated (second SIGINT or SIGKILL), since a CLI that exited on the first SIGINT released it."""
    if kind == "file":
        locks = locks or []
        if not locks:
            return LockDecision(False, "no lock file left; no `pulumi cancel`")
        foreign = [lock for lock in locks if lock.pid != dead_pid or lock.hostname != hostname]
        if foreign:
            return LockDecision(
                False, f"{len(foreign)} lock file(s) belong to another process; left alone (no `pulumi cancel`)"
            )
        return LockDecision(True, f"the stopped engine process {dead_pid} left its lock: `pulumi cancel` removes it")
    if not forced:
        return LockDecision(False, "the engine exited on SIGINT and released its own lock; no `pulumi cancel`")
    if kind == "diy":
        return LockDecision(
            True, f"the terminated engine process {dead_pid} held the stack's lock: `pulumi cancel` removes it"
        )
    return LockDecision(
        True, f"the terminated engine process {dead_pid} left an active update: `pulumi cancel` ends it"
    )
