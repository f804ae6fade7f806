"""What to do about a stack's lock after our engine process was stopped: never take another job's lock away.

Read in pulumi/pulumi and checked on the real CLI (tests/test_driver_real.py):
- Self-managed (DIY) backends (`file://`, `s3://`, `gs://`, `azblob://`): a lock is the object
  `.pulumi/locks/<org>/<project>/<stack>/<uuid>.json` (legacy layout `.pulumi/locks/<stack>/`) holding the owner's
  `pid`, `username`, `hostname` and `timestamp` (pkg/backend/diy/lock.go). The CLI deletes its own lock when it
  exits, after a graceful SIGINT and after a second SIGINT too (the deferred Unlock runs); only a killed CLI leaves
  one. `pulumi cancel` there deletes EVERY lock object of the stack (pkg/backend/diy/backend.go
  `CancelCurrentUpdate`), another job's included, and stops nothing. So on a DIY backend the driver never runs
  `pulumi cancel`: it deletes only the lock whose content names a process of its own stopped engine on this host.
  `file://` and `s3://` (boto3) are read and cleaned; `gs://` and `azblob://` have no client here: the driver says
  which lock to delete and leaves it.
- Pulumi Cloud: `pulumi cancel` cancels the stack's active update, whoever started it
  (pkg/backend/httpstate/backend.go `CancelCurrentUpdate`). The driver runs it only when the update it started is
  still the stack's latest, in progress: the permalink our CLI printed (`View Live: .../updates/<N>`,
  pkg/backend/display/display.go) names version N, and `pulumi stack history` says N is `in-progress`. While an
  update is active the service starts no other one, so that check cannot be overtaken.

A CLI whose driver was killed with it (a CI runner tearing down its process tree, `kill -9` of a job) leaves its
lock and cannot be stopped any more: the run record names it (`engine_process`: pid and host, written as soon as the
CLI started) and so does a marker in the driver's state directory while it runs. `ephemeral destroy --record` and
the next run over the same state directory remove exactly the lock naming that pid and host (`remove_left_lock`),
and only once that process is gone (on this host: checked; on another host, the record's run has ended: the cleanup
job starts after the job that wrote it).

Pure apart from the file and S3 access of `remove_own_locks` and the liveness check: no Pulumi import.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlparse

BackendKind = Literal["file", "s3", "gs", "azblob", "cloud"]
LOCKS_PREFIX = ".pulumi/locks"
PERMALINK = re.compile(r"View (?:Live|in Browser)[^:]*:\s*(\S+/updates/(\d+))")


def backend_kind(url: str) -> BackendKind:
    for scheme in ("file", "s3", "gs", "azblob"):
        if url.startswith(f"{scheme}://"):
            return scheme
    return "cloud"


def is_diy(url: str) -> bool:
    return backend_kind(url) != "cloud"


@dataclass(frozen=True)
class LockFile:
    key: str  # path (file://) or object key (s3://)
    pid: int | None
    hostname: str
    username: str = ""
    timestamp: str = ""


def parse_lock(key: str, content: bytes | str) -> LockFile:
    try:
        data = json.loads(content)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    pid = data.get("pid")
    return LockFile(
        key,
        pid if isinstance(pid, int) else None,
        str(data.get("hostname", "")),
        str(data.get("username", "")),
        str(data.get("timestamp", "")),
    )


def is_stack_lock(key: str, project: str, stack: str) -> bool:
    """`.pulumi/locks/<org>/<project>/<stack>/<id>.json`, or the legacy `.pulumi/locks/<stack>/<id>.json`."""
    parts = key.split("/")
    if not key.endswith(".json") or len(parts) < 2 or parts[-2] != stack:
        return False
    return len(parts) >= 3 and parts[-3] in (project, "locks")


def own_locks(locks: Iterable[LockFile], our_pids: Iterable[int], hostname: str) -> list[LockFile]:
    """The locks a process of our stopped engine wrote (same host, one of its pids); never anyone else's."""
    pids = set(our_pids)
    return [lock for lock in locks if lock.pid in pids and lock.hostname == hostname]


@dataclass(frozen=True)
class LockOutcome:
    removed: list[str]
    left: list[str]  # other processes' locks, untouched
    reason: str


def file_locks(backend_url: str, project: str, stack: str) -> list[LockFile]:
    root = Path(backend_url[len("file://") :].split("?")[0]).expanduser() / LOCKS_PREFIX
    found = []
    for path in sorted(root.glob("**/*.json")) if root.is_dir() else []:
        key = f"{LOCKS_PREFIX}/{path.relative_to(root).as_posix()}"
        if is_stack_lock(key, project, stack):
            try:
                found.append(parse_lock(str(path), path.read_bytes()))
            except OSError:
                continue
    return found


def _s3_client(url: str) -> tuple[Any, str, str]:
    """A boto3 client, bucket and key prefix for `s3://bucket/prefix?region=...&endpoint=...` (gocloud.dev URL)."""
    import boto3

    parsed = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    endpoint = query.get("endpoint")
    if endpoint and not endpoint.startswith("http"):
        endpoint = f"{'http' if query.get('disableSSL') == 'true' else 'https'}://{endpoint}"
    client = boto3.session.Session(profile_name=query.get("profile")).client(
        "s3", region_name=query.get("region"), endpoint_url=endpoint
    )
    return client, parsed.netloc, parsed.path.strip("/")


def s3_locks(backend_url: str, project: str, stack: str, client: Any = None) -> tuple[Any, str, list[LockFile]]:
    made, bucket, prefix = _s3_client(backend_url)
    client = client or made
    base = f"{prefix}/{LOCKS_PREFIX}/" if prefix else f"{LOCKS_PREFIX}/"
    found = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
        for item in page.get("Contents", []):
            relative = LOCKS_PREFIX + "/" + item["Key"][len(base) :]
            if is_stack_lock(relative, project, stack):
                body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                found.append(parse_lock(item["Key"], body))
    return client, bucket, found


def remove_own_locks(backend_url: str, project: str, stack: str, our_pids: Iterable[int], hostname: str) -> LockOutcome:
    """Delete the lock(s) of our own dead engine process on a DIY backend; leave every other lock alone."""
    kind = backend_kind(backend_url)
    pids = list(our_pids)
    if kind == "file":
        locks = file_locks(backend_url, project, stack)
        mine = own_locks(locks, pids, hostname)
        for lock in mine:
            Path(lock.key).unlink(missing_ok=True)
            Path(f"{lock.key}.attrs").unlink(missing_ok=True)  # gocloud's fileblob keeps metadata beside it
    elif kind == "s3":
        client, bucket, locks = s3_locks(backend_url, project, stack)
        mine = own_locks(locks, pids, hostname)
        for lock in mine:
            client.delete_object(Bucket=bucket, Key=lock.key)
    elif kind in ("gs", "azblob"):
        return LockOutcome(
            [],
            [],
            f"no {kind} client here: if the killed engine (pid {', '.join(map(str, pids))} on {hostname}) left a lock, "
            f"delete only that object under {backend_url}/{LOCKS_PREFIX}/ (never `pulumi cancel`: it deletes every "
            "lock of the stack)",
        )
    else:
        raise ValueError("remove_own_locks is for self-managed backends; Pulumi Cloud uses cloud_cancel_allowed")
    others = [lock for lock in locks if lock not in mine]
    left = [f"{lock.key} (pid {lock.pid} on {lock.hostname})" for lock in others]
    if mine:
        reason = f"removed the lock our killed engine left ({len(mine)}); no `pulumi cancel`"
    else:
        reason = "our engine left no lock; no `pulumi cancel`"
    if others:
        reason += f"; {len(others)} lock(s) of other processes left alone"
    return LockOutcome([lock.key for lock in mine], left, reason)


@dataclass(frozen=True)
class LeftEngine:
    """A CLI process an earlier run started: what its lock would name."""

    pid: int
    host: str

    @classmethod
    def parse(cls, value: Any) -> LeftEngine | None:
        """From a run record's `engine_process` (or a marker): None when it names no process."""
        if not isinstance(value, Mapping):
            return None
        pid, host = value.get("pid"), value.get("host")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(host, str) or not host:
            return None
        return cls(pid, host)

    def as_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "host": self.host}


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: it exists
    return stat[stat.rfind(")") + 2 :].split()[0] != "Z"


def remove_left_lock(
    backend_url: str,
    project: str,
    stack: str,
    left: LeftEngine,
    this_host: str,
    alive: Callable[[int], bool] = process_alive,
) -> str:
    """Delete the lock an earlier run's CLI (`left`) left on the stack, and only that one; one line for the record."""
    who = f"engine process {left.pid} on {left.host} (an earlier run's)"
    if left.host == this_host and alive(left.pid):
        return f"{who} is still running: its lock, if any, stays"
    if not is_diy(backend_url):
        return f"{who}: Pulumi Cloud ends its update when its lease runs out; no `pulumi cancel`"
    return f"{who}: " + remove_own_locks(backend_url, project, stack, [left.pid], left.host).reason


def update_version(output_lines: Iterable[str]) -> int | None:
    """The update version in the permalink our CLI printed on Pulumi Cloud, or None (DIY backends print none)."""
    for line in output_lines:
        match = PERMALINK.search(line)
        if match:
            return int(match.group(2))
    return None


def cloud_cancel_allowed(our_version: int | None, latest: Mapping[str, Any] | None) -> tuple[bool, str]:
    """Whether `pulumi cancel` would cancel OUR update: the stack's latest update is ours and still running.

    `latest` is the newest entry of `pulumi stack history --json` (fields `version`, `result`)."""
    if our_version is None:
        return False, "our update's version is unknown (no permalink printed): no `pulumi cancel`"
    if not latest:
        return False, "the stack has no update history: no `pulumi cancel`"
    version, result = latest.get("version"), latest.get("result")
    if version != our_version:
        return False, f"the latest update is #{version}, not ours (#{our_version}): no `pulumi cancel`"
    if result != "in-progress":
        return False, f"our update #{our_version} is no longer active ({result}): no `pulumi cancel`"
    return True, f"our update #{our_version} is still active after its CLI was killed: `pulumi cancel` ends it"


def after_stop(
    backend_url: str,
    project: str,
    stack: str,
    our_pids: Iterable[int],
    hostname: str,
    killed: bool,
    cloud_cancel: Callable[[], str] | None = None,
) -> str:
    """One line for the record: what was done about the lock after our engine was stopped and confirmed gone."""
    if not killed:
        return "the engine exited on SIGINT and released its own lock"
    if is_diy(backend_url):
        return remove_own_locks(backend_url, project, stack, our_pids, hostname).reason
    return cloud_cancel() if cloud_cancel is not None else "Pulumi Cloud: no way to check the update; no cancel"
