"""Teardown of a stack: resolve pending operations, release Lambda ENIs, destroy, and only then remove the stack.

1. Pending operations a stopped engine left (pending.py): what pending creates left in the cloud is found by the
   stack's tags and deleted, then `refresh --clear-pending-creates`.
2. ENI phases (enis.py), when functions run in security groups or subnets the stack owns: park or detach them,
   wait for their Lambda ENIs (bounded by `--eni-timeout`). Offline there is no AWS to do this in: skipped.
3. Destroy with continue-on-error; a failed destroy is retried only when EVERY error it reported is a dependency
   violation (Lambda ENIs still holding a group or subnet), until the ENI budget ends; any other error stops.
4. `stack rm`, only when the state holds no resource and no pending operation.
Every phase's time goes into the record and is printed, so a slow teardown says where its minutes went.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from pulumi import automation as auto

from .engine import Engine
from .enis import TeardownPlan, move_functions, plan_teardown, wait_for_enis
from .errors import CredentialsError, DriverError, RetriesExhaustedError
from .pending import Inventory, require_no_pending, resolve_pending
from .retries import all_dependency_violations


def release_enis(engine: Engine, plan: TeardownPlan, deadline: float) -> Any:
    """Phases 1 and 2 with boto3; returns the EC2 client for the destroy retries (None when AWS failed us).

    An AWS failure here (permissions, throttling past botocore's retries) is recorded, and the destroy still
    runs: the provider then waits for the ENIs itself, only slower."""
    from ..aws_ops import aws_client

    settings = engine.settings
    region = engine.aws_region({m.region for m in plan.moves if m.region})
    phase = "teardown 1/3: move functions off the stack's security groups"
    phase_start = time.monotonic()
    try:
        lam = aws_client("lambda", region, settings.emulator_url, settings.aws_timeout_seconds)
        ec2 = aws_client("ec2", region, settings.emulator_url, settings.aws_timeout_seconds)
        actions = move_functions(lam, plan, max_wait_seconds=max(30.0, deadline - time.monotonic()))
        engine.phase(phase, phase_start, "done", actions)
        phase, phase_start = "teardown 2/3: wait for Lambda ENIs", time.monotonic()
        waited = wait_for_enis(
            ec2,
            plan,
            max(0.0, deadline - time.monotonic()),
            settings.eni_poll_seconds,
            progress=settings.on_progress,
            progress_every=settings.eni_progress_seconds,
        )
    except (BotoCoreError, ClientError, WaiterError) as exc:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        engine.phase(phase, phase_start, f"AWS failed ({type(exc).__name__} {code}".strip() + "); destroying anyway")
        return None
    details = [f"deleted {eni} (left available)" for eni in waited.deleted]
    details += [f"still present: {eni}" for eni in waited.remaining]
    result = "released" if waited.released else f"{len(waited.remaining)} ENI(s) still present at the budget's end"
    engine.phase(phase, phase_start, result, details)
    return ec2


def destroy_once(engine: Engine) -> list[str]:
    """One `destroy --continue-on-error`; returns the errors it reported per resource ([] when it succeeded)."""
    events: list[auto.EngineEvent] = []
    try:
        engine.call(
            "destroy",
            lambda: engine.stack.destroy(
                on_output=engine.settings.on_output, on_event=events.append, continue_on_error=True
            ),
            attempts=1,
        )
        return []
    except (DriverError, RetriesExhaustedError) as exc:
        if isinstance(exc, CredentialsError):
            raise
        errors = [
            f"{d.urn}: {d.message.strip()}"
            for d in (e.diagnostic_event for e in events)
            if d is not None and d.severity == "error" and d.urn
        ]
        if not errors:
            raise
        if not all_dependency_violations(errors):
            raise DriverError(
                "destroy failed, not retried (not every error is a dependency violation): " + "; ".join(errors)[:2000]
            ) from exc
        return errors


def teardown(engine: Engine, inventory: Inventory, remove: bool = False) -> None:
    """Resolve pending operations, ENI phases, destroy (retrying dependency violations only), then remove."""
    settings = engine.settings
    started = time.monotonic()
    budget = settings.eni_timeout_seconds
    left = engine.remaining()
    deadline = started + (budget if left is None else min(budget, left))
    deployment = engine.export()
    resolution = resolve_pending(engine, inventory, deployment)
    plan = plan_teardown(deployment, settings.parking_group)
    engine.record.own_vpc_ids = list(plan.own_vpcs)
    ec2: Any = None
    if plan.fast_path:
        engine.phase(
            "teardown plan", started, "no function uses a security group or subnet this stack owns: nothing to wait for"
        )
    elif settings.offline:
        engine.phase("teardown plan", started, "offline: no AWS to park functions or wait for Lambda ENIs in")
    else:
        ec2 = release_enis(engine, plan, deadline)
    phase_start = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        errors = destroy_once(engine)
        if not errors:
            break
        if time.monotonic() >= deadline:
            engine.phase("teardown 3/3: destroy", phase_start, f"failed after {attempt} attempt(s)", errors)
            raise DriverError(f"destroy: dependency violations remain after the ENI budget: {'; '.join(errors)[:500]}")
        settings.on_progress(f"destroy attempt {attempt}: only dependency violations (Lambda ENIs); retrying")
        if ec2 is not None:
            with contextlib.suppress(BotoCoreError, ClientError):  # the next destroy attempt says what is left
                wait_for_enis(
                    ec2,
                    plan,
                    min(max(0.0, deadline - time.monotonic()), settings.eni_poll_seconds * 4),
                    settings.eni_poll_seconds,
                    progress=settings.on_progress,
                    progress_every=settings.eni_progress_seconds,
                )
        else:
            time.sleep(min(settings.retry_delay_seconds, max(0.0, deadline - time.monotonic())))
    engine.phase("teardown 3/3: destroy", phase_start, f"destroyed ({attempt} attempt(s))")
    if resolution.unresolved:
        raise DriverError("pending operations could not be resolved: " + "; ".join(resolution.unresolved))
    if remove:
        remove_stack(engine)
    engine.phase("teardown total", started, "done")


def remove_stack(engine: Engine) -> None:
    """`stack rm` only when the state holds no pending operation (pending.require_no_pending)."""
    started = time.monotonic()
    require_no_pending(engine)
    engine.call("remove stack", lambda: engine.workspace.remove_stack(engine.stack.name), metadata=True)
    engine.record.resources_in_state = 0
    engine.phase("remove stack", started, "removed")
