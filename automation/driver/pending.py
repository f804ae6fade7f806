"""Resolve the operations a stopped engine left pending, before a stack may be removed.

What the real engine does with them (pulumi/pulumi; checked on the 3.274.0 binary in tests/test_driver_real.py):
- a pending CREATE survives every later update and destroy (pkg/backend/snapshot.go copies the base snapshot's
  pending creates into each new one); `destroy` only warns about it (deployment_executor.go
  `printPendingOperationsWarning`), and `stack rm` drops it with the stack (diy/backend.go `RemoveStack` counts
  only resources): the resource would then be tracked by no one.
- `refresh --clear-pending-creates` removes pending creates from the state; `--import-pending-creates URN ID`
  turns one into an import of a known id (pkg/cmd/pulumi/operations/refresh.go); a refresh also drops the pending
  updates and deletes of the previous snapshot (it reads each resource's real state instead).

So teardown, for each pending create: look for the resource in the cloud by the tags its inputs carried (the
components tag every resource with `netkit:stack` = the stack name), not counting ids the state already holds;
delete what is found; then `refresh --clear-pending-creates`. A type the inventory cannot look up is left pending
and named: the stack is then not removed (`require_no_pending`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .engine import Engine
from .errors import DriverError
from .record import PendingOperation, pending_operations, state_ids

STACK_TAG_KEYS = ("netkit:stack", "netkit:ephemeral", "managed-by")


class Inventory(Protocol):
    """Where resources exist outside the state: AWS (aws_inventory.py) or the offline provider's store."""

    def supports(self, resource_type: str) -> bool: ...

    def find(self, resource_type: str, tags: Mapping[str, str], known_ids: set[str]) -> list[str]: ...

    def delete(self, resource_type: str, resource_id: str) -> None: ...


class NothingOutside:
    """No cloud to look in: a stand-in whose provider never keeps what a stopped create did (nothing exists)."""

    def supports(self, resource_type: str) -> bool:
        return True

    def find(self, resource_type: str, tags: Mapping[str, str], known_ids: set[str]) -> list[str]:
        return []

    def delete(self, resource_type: str, resource_id: str) -> None:  # pragma: no cover - nothing is ever found
        raise AssertionError("nothing to delete")


def stack_tags(op: PendingOperation) -> dict[str, str]:
    """The identifying tags the pending resource was being created with (from its inputs in the state)."""
    tags = op.inputs.get("tags") if isinstance(op.inputs, Mapping) else None
    if not isinstance(tags, Mapping):
        return {}
    return {k: str(v) for k, v in tags.items() if k in STACK_TAG_KEYS and isinstance(v, str) and v}


@dataclass
class Resolution:
    deleted: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    cleared: bool = False


def resolve_pending(engine: Engine, inventory: Inventory, deployment: Mapping[str, Any] | None = None) -> Resolution:
    """Delete what pending creates left in the cloud, then clear them (and the other pending operations) with a
    refresh. Returns what was done; unresolved ones stay pending and block `stack rm`."""
    started = time.monotonic()
    deployment = deployment if deployment is not None else engine.export()
    pending = pending_operations(deployment)
    result = Resolution()
    if not pending:
        return result
    known = state_ids(deployment)
    for op in pending:
        if op.operation != "creating":
            continue
        tags = stack_tags(op)
        if not tags or not inventory.supports(op.type):
            why = "its inputs carry no stack tag" if not tags else "no way to look this type up"
            result.unresolved.append(f"{op.describe()} ({why}: check and delete it by hand)")
            continue
        for resource_id in inventory.find(op.type, tags, known):
            inventory.delete(op.type, resource_id)
            result.deleted.append(f"deleted {op.type} {resource_id}: carried the stack's tags, was not in the state")
    if result.unresolved:
        engine.phase("resolve pending operations", started, "unresolved", result.deleted + result.unresolved)
        return result
    engine.call(
        "refresh --clear-pending-creates",
        lambda: engine.stack.refresh(on_output=engine.settings.on_output, clear_pending_creates=True),
    )
    result.cleared = True
    details = result.deleted + [f"cleared: {op.describe()}" for op in pending]
    engine.phase("resolve pending operations", started, f"{len(pending)} resolved", details)
    return result


def require_no_pending(engine: Engine) -> None:
    """`stack rm` never runs while pending operations remain (they would be dropped, untracked)."""
    deployment = engine.note_state(announce=False)
    if deployment is None:
        raise DriverError("could not read the state before removing the stack; not removing it")
    left = engine.record.pending
    if left:
        names = "; ".join(op.describe() for op in left)
        raise DriverError(f"not removing the stack: {len(left)} pending operation(s) remain: {names}")
