"""Phased teardown of a stack (the phases themselves are in teardown.py): plan from the exported state, move the
functions off the stack's own security groups, wait for their Lambda ENIs, then destroy with continue-on-error,
retrying only the dependency-violation pattern until the `--eni-timeout` budget ends. Every phase's time goes into
the run record and is printed, so a slow destroy says where its minutes went.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from .driver_errors import DriverError, failure_text
from .resilience import RetriesExhaustedError, is_dependency_violation
from .teardown import TeardownPlan, move_functions, plan_teardown, wait_for_enis

if TYPE_CHECKING:
    from .driver import Engine


def release_enis(engine: Engine, plan: TeardownPlan, deadline: float) -> Any:
    """Phases 1 and 2 with boto3; returns the EC2 client for the destroy retries (None when AWS failed us).

    An AWS failure here (permissions, throttling past botocore's retries) is recorded, and the destroy still
    runs: the provider then waits for the ENIs itself, only slower."""
    from .aws_ops import aws_client

    settings = engine.settings
    region = engine.aws_region(plan)
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


def teardown(engine: Engine) -> None:
    """Destroy in phases (teardown.py): park the functions, wait for their ENIs, destroy with continue-on-error and
    retry only on dependency violations until the ENI budget ends. Each phase's time goes into the record."""
    settings = engine.settings
    started = time.monotonic()
    deadline = started + settings.eni_timeout_seconds
    plan = plan_teardown(engine.export(), settings.parking_group)
    engine.record.own_vpc_ids = list(plan.own_vpcs)
    ec2: Any = None
    if plan.fast_path:
        engine.phase(
            "teardown plan",
            started,
            "no function uses a security group or subnet this stack owns: nothing to park or wait for",
        )
    else:
        ec2 = release_enis(engine, plan, deadline)
    phase_start = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            engine.destroy(continue_on_error=True, attempts=1)
            break
        except (DriverError, RetriesExhaustedError) as exc:
            text = failure_text(exc)
            if not is_dependency_violation(text) or time.monotonic() >= deadline:
                engine.phase("teardown 3/3: destroy", phase_start, f"failed after {attempt} attempt(s)")
                raise
            settings.on_progress(f"destroy attempt {attempt}: a dependency violation (Lambda ENIs); retrying")
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
    engine.phase("teardown total", started, "done")
