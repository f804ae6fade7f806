"""Faults for tests, from the environment: NETKIT_OFFLINE_FAULTS = JSON
`{"<resource name>": {"create"|"update"|"delete": "hang" | "hang-uncancellable" | "fail" | "slow:<seconds>"}}` (the
resource name is the URN's name). Faults apply to real operations only, never to a preview.

- "hang": the operation waits until the engine calls Cancel (then fails as canceled) or the process dies;
- "hang-uncancellable": the operation ignores Cancel, as the AWS provider's in-flight creates do (the create goes on
  in AWS and the provider keeps waiting for it): the engine's first SIGINT does not end it, only the provider
  process being stopped (SIGINT/SIGTERM: the engine closing its plugins after a second SIGINT; then it fails) or
  dying;
- "fail": the operation fails with an error naming the fault;
- "slow:<s>": the operation waits s seconds (ended early by Cancel) and then succeeds.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping

FAULTS_ENV = "NETKIT_OFFLINE_FAULTS"
OPERATIONS = ("create", "update", "delete")
FIXED_FAULTS = ("hang", "hang-uncancellable", "fail")


class FaultError(Exception):
    """An operation the fault plan makes fail (or that Cancel ended)."""


def parse_faults(text: str | None) -> dict[str, dict[str, str]]:
    """The fault plan; ValueError (naming the problem, never echoing values) when it is malformed."""
    if not text:
        return {}
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{FAULTS_ENV} must be a JSON object of resource names")
    plan: dict[str, dict[str, str]] = {}
    for name, operations in data.items():
        if not isinstance(operations, dict):
            raise ValueError(f"{FAULTS_ENV}: the faults of {name!r} must be an object")
        for operation, fault in operations.items():
            if operation not in OPERATIONS:
                raise ValueError(f"{FAULTS_ENV}: unknown operation {operation!r} (expected create, update, delete)")
            if not isinstance(fault, str) or not (fault in FIXED_FAULTS or _seconds(fault) is not None):
                raise ValueError(
                    f"{FAULTS_ENV}: fault of {name}.{operation} must be hang, hang-uncancellable, fail or "
                    "slow:<seconds>"
                )
        plan[str(name)] = {str(k): str(v) for k, v in operations.items()}
    return plan


def _seconds(fault: str) -> float | None:
    if not fault.startswith("slow:"):
        return None
    try:
        seconds = float(fault[len("slow:") :])
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class Faults:
    """The plan, the provider's cancel signal (the engine's Cancel) and its stop signal (the process is told to
    stop: server.py sets `stopping` on SIGINT/SIGTERM)."""

    def __init__(self, plan: Mapping[str, Mapping[str, str]], cancelled: threading.Event) -> None:
        self.plan = plan
        self.cancelled = cancelled
        self.stopping = threading.Event()

    @classmethod
    def from_environment(cls, cancelled: threading.Event) -> Faults:
        return cls(parse_faults(os.environ.get(FAULTS_ENV)), cancelled)

    def apply(self, name: str, operation: str) -> None:
        """Run the fault planned for `operation` on resource `name`, if any; FaultError when it fails."""
        fault = self.plan.get(name, {}).get(operation)
        if fault is None:
            return
        if fault == "fail":
            raise FaultError(f"{operation} of {name} failed (fault injected by {FAULTS_ENV})")
        if fault == "hang":
            self.cancelled.wait()
            raise FaultError(f"{operation} of {name} was canceled while hanging (fault injected by {FAULTS_ENV})")
        if fault == "hang-uncancellable":
            self.stopping.wait()
            raise FaultError(
                f"{operation} of {name} was still waiting (Cancel ignored) when the provider was stopped "
                f"(fault injected by {FAULTS_ENV})"
            )
        seconds = _seconds(fault) or 0.0
        if self.cancelled.wait(seconds):
            raise FaultError(f"{operation} of {name} was canceled (fault injected by {FAULTS_ENV})")
