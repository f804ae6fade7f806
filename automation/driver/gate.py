"""The gate: a preview with the policy pack and the environment's policy config, which saves an update plan.

Why a plan: `Stack.up()` is `pulumi up --yes --skip-preview` (site-packages/pulumi/automation/_stack.py) and the
engine runs stack policies only after every step was applied (pkg/resource/deploy/deployment_executor.go,
`AnalyzeResources`), so a preview must judge first. But a second run of the program could differ from the one
judged. With `--save-plan` (Automation API `preview(plan=...)`) the preview writes every resource's planned
operations and goals, and `up --plan` (`up(plan=...)`) refuses any step outside them ("... is not allowed by the
plan", "resource ... violates plan": pkg/resource/deploy/step_generator.go, `ConstrainedTo` in step.go). Values
unknown at preview time stay unconstrained by the plan; the pack still judges them again during the update.

The record's `gate`: `result` (passed | blocked | skipped), `plan` (the plan file or null), the policy pack and
config, and the decisions: `mandatory`, `advisory`, `undecided` (`netkit-undecided`: a policy could not decide on
a value unknown in preview), each as "policy (urn)".
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pulumi import automation as auto

from .engine import Engine
from .errors import PolicyViolationError

UNDECIDED_POLICY = "netkit-undecided"


@dataclass
class Decisions:
    mandatory: list[str] = field(default_factory=list)
    advisory: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"mandatory": self.mandatory, "advisory": self.advisory, "undecided": self.undecided}


def decisions(events: list[auto.EngineEvent]) -> Decisions:
    """The pack's decisions from the engine's event stream (events.py `PolicyEvent`)."""
    found = Decisions()
    for event in events:
        policy = event.policy_event
        if policy is None:
            continue
        text = f"{policy.policy_name} ({policy.resource_urn or 'stack'})"
        if policy.policy_name == UNDECIDED_POLICY:
            found.undecided.append(f"{text} [{policy.enforcement_level}]")
        if policy.enforcement_level == "mandatory":
            found.mandatory.append(text)
        elif policy.policy_name != UNDECIDED_POLICY:
            found.advisory.append(text)
    return found


def plan_file(engine: Engine) -> Path:
    """A fresh file per gate, in the driver's own directory (never the program's)."""
    directory = engine.settings.state_dir / "plans"
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"{engine.stack.name}-{stamp}-{secrets.token_hex(3)}.json"


def gate(engine: Engine) -> Path:
    """Preview with the pack, save the plan; stop on any mandatory violation. Returns the plan file."""
    started = time.monotonic()
    events: list[auto.EngineEvent] = []
    target = engine.target
    plan = plan_file(engine)
    common = {"policy_pack": str(target.policy_pack or ""), "policy_config": str(target.policy_config or "")}
    engine.record.set_gate("blocked", reason="the gate's preview did not finish", **common)
    try:
        engine.call(
            "gate: preview with the policy pack",
            lambda: engine.stack.preview(
                on_output=engine.settings.on_output,
                on_event=events.append,
                plan=str(plan),
                policy_packs=engine.policy_packs,
                policy_pack_configs=target.pack_configs(),
            ),
        )
    except PolicyViolationError as exc:
        found = decisions(events)
        engine.record.set_gate("blocked", reason="mandatory policy violation", **common, **found.as_dict())
        engine.phase("gate", started, "stopped before any change: mandatory policy violation", found.mandatory)
        raise PolicyViolationError(
            "gate: mandatory policy violation(s) in the preview, nothing was changed"
            + (f": {', '.join(found.mandatory)}" if found.mandatory else "")
        ) from exc
    found = decisions(events)
    if found.mandatory:  # the CLI passed, but its own event stream reports mandatory violations: trust the events
        engine.record.set_gate("blocked", reason="mandatory policy violation", **common, **found.as_dict())
        engine.phase("gate", started, "stopped before any change: mandatory policy violation", found.mandatory)
        raise PolicyViolationError(f"gate: mandatory policy violation(s): {', '.join(found.mandatory)}")
    engine.record.set_gate("passed", reason="no mandatory violation", **common, **found.as_dict())
    engine.record.gate["plan"] = str(plan)
    engine.phase("gate", started, "passed; update plan saved", [str(plan)])
    return plan
