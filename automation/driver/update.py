"""The update: preflight (issue 21's checks, nothing changed yet), the gate, then `up` constrained to the gate's plan
with the same pack attached. After a failed or stopped update the state is exported at once, so the record and
the terminal list every operation left pending ("may exist in AWS, not in the state") before anything else runs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from .engine import Engine
from .errors import DriverError, Interrupted, PlanRefusedError
from .gate import gate


def preflight(engine: Engine) -> None:
    """The account preflight (issue 21, automation/preflight/step.py) before the gate: nothing has been previewed
    or changed yet. It runs in the run's own workspace (a stand-in or ephemeral stack's private copy holds its stack
    file). A stop is recorded as the phase's result and raised; `--skip-preflight` is warned about and recorded."""
    settings = engine.settings
    started = time.monotonic()
    if settings.skip_preflight:
        warning = (
            "WARNING: --skip-preflight: the account's quotas, concurrency and Block Public Access were not checked"
        )
        settings.on_progress(warning)
        engine.record.warnings.append(warning)
        engine.phase("preflight", started, "skipped (--skip-preflight)")
        return
    check = settings.preflight
    if check is None:
        return
    try:
        outcome = check(replace(engine.target, program_dir=engine.work_dir))
    except DriverError as exc:
        engine.phase("preflight", started, "stopped before any change", [str(exc)])
        raise
    for warning in outcome.warnings:
        settings.on_progress(warning)
        engine.record.warnings.append(warning)
    engine.phase("preflight", started, outcome.result, outcome.details)


def update(engine: Engine) -> dict[str, Any]:
    """preflight -> gate (saves the plan) -> `up --plan` with the pack; returns the stack's non-secret outputs."""
    settings = engine.settings
    preflight(engine)
    plan: str | None = None
    if settings.skip_gate:
        warning = "WARNING: --skip-gate: updating WITHOUT the policy preview and plan; violations surface after changes"
        settings.on_progress(warning)
        engine.record.warnings.append(warning)
        engine.record.set_gate("skipped", reason="--skip-gate (emergencies only)")
    else:
        plan = str(gate(engine))
    started = time.monotonic()
    try:
        result = engine.call(
            "up",
            lambda: engine.stack.up(
                on_output=settings.on_output,
                plan=plan,
                policy_packs=engine.policy_packs,
                policy_pack_configs=engine.target.pack_configs(),
            ),
        )
    except PlanRefusedError:
        engine.phase("up", started, "refused by the update plan: nothing outside the judged plan was done")
        engine.note_state()
        raise
    except (DriverError, Interrupted):
        engine.phase("up", started, "failed or stopped")
        engine.note_state()
        raise
    engine.record.outputs = {k: v.value for k, v in result.outputs.items() if not v.secret}
    engine.phase("up", started, "updated" + (" within the gate's plan" if plan else ""))
    return engine.record.outputs
