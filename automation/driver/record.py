"""The run record (`--outputs-file`, JSON): what a run did, so a failed, stopped or interrupted run can be understood
and cleaned up from the file alone. It always has `gate`, `pending_operations` and `resources_in_state`, whatever
the outcome (the last two read from the state exported after the last command).

A pending operation is what the engine was doing to a resource when it was stopped (pkg/resource/operation.go:
`creating`, `updating`, `deleting`, `reading`, `importing`). A pending CREATE may exist in the cloud while the state
does not hold it: the engine keeps such operations in every later snapshot (pkg/backend/snapshot.go, "we don't want
to clear pending CREATE operations") and `stack rm` ignores them (pkg/backend/diy/backend.go `RemoveStack` counts
only resources), so the record names each one and teardown resolves them before the stack can be removed.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .retries import Attempts

GateResult = Literal["passed", "blocked", "skipped"]
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
_WRITING = threading.Lock()  # the record is also written from the thread that starts a CLI (engine_process)


@dataclass(frozen=True)
class PendingOperation:
    """One interrupted resource operation from the exported state."""

    type: str
    name: str
    urn: str
    operation: str
    id: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, str]:
        data = {"type": self.type, "name": self.name, "urn": self.urn, "operation": self.operation}
        if self.id:
            data["id"] = self.id
        return data

    def describe(self) -> str:
        if self.operation == "creating":
            where = "may exist in AWS, not in the state"
        else:
            where = f"interrupted while {self.operation}: AWS and the state may disagree"
        return f"{self.type} {self.name} ({self.urn}): {where}"


def _inner(deployment: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = deployment.get("deployment", deployment)
    return inner if isinstance(inner, Mapping) else {}


def pending_operations(deployment: Mapping[str, Any]) -> list[PendingOperation]:
    """Every pending operation of an exported deployment (`pulumi stack export`, `deployment.pending_operations`)."""
    found = []
    for op in _inner(deployment).get("pending_operations") or []:
        if not isinstance(op, Mapping):
            continue
        resource = op.get("resource") or {}
        urn = str(resource.get("urn", ""))
        found.append(
            PendingOperation(
                type=str(resource.get("type", "")),
                name=urn.rsplit("::", 1)[-1],
                urn=urn,
                operation=str(op.get("type", "")),
                id=str(resource.get("id") or ""),
                inputs=resource.get("inputs") or {},
            )
        )
    return found


def state_resources(deployment: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for r in _inner(deployment).get("resources") or [] if isinstance(r, Mapping)]


def state_ids(deployment: Mapping[str, Any]) -> set[str]:
    return {str(r["id"]) for r in state_resources(deployment) if r.get("id")}


@dataclass
class RunRecord:
    """What a run did: every step, phase (with its duration), warning and error, the gate's decisions, and what the
    state held at the end."""

    stack: str
    backend: str = ""
    steps: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    gate: dict[str, Any] = field(
        default_factory=lambda: {"result": "skipped", "reason": "no update was attempted", "plan": None}
    )
    pending: list[PendingOperation] = field(default_factory=list)
    resources_in_state: int | None = None
    own_vpc_ids: list[str] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    attempts: Attempts = field(default_factory=Attempts)
    # the CLI running now ({"pid", "host"}: what its lock names), None when none: after a killed driver, the process
    # that may have left a lock (`ephemeral destroy --record` removes exactly that one)
    engine_process: dict[str, Any] | None = None

    def set_gate(self, result: GateResult, **details: Any) -> None:
        self.gate = {"result": result, "plan": None, **details}

    def note_state(self, deployment: Mapping[str, Any]) -> None:
        self.pending = pending_operations(deployment)
        self.resources_in_state = len(state_resources(deployment))

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "backend": self.backend,
            "steps": self.steps,
            "outputs": self.outputs,
            "errors": self.errors,
            "warnings": self.warnings,
            "phases": self.phases,
            "gate": self.gate,
            "pending_operations": [op.as_dict() for op in self.pending],
            "resources_in_state": self.resources_in_state,
            "own_vpc_ids": self.own_vpc_ids,
            "signals": self.signals,
            "retries": self.attempts.log,
            "engine_process": self.engine_process,
        }


def write_outputs(path: Path | None, record: RunRecord) -> None:
    """Write atomically (temporary file, then rename): an interrupted write never leaves half a record."""
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _WRITING:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record.as_dict(), stream, indent=2, default=str)
        os.replace(temporary, path)
