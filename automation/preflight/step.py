"""The preflight as the driver's step before the gate (`EngineSettings.preflight`, called by driver/update.py for
`up` and ephemeral runs): nothing has been previewed or changed yet.

In prod a failing check stops the run (PolicyViolationError: exit 1, like the gate) and so does a preflight that
cannot run at all (DriverError: exit 2), or whose deadline (`--preflight-deadline`) was reached before every check
was read (DriverError: exit 2; an unread check never passes); `--skip-preflight` is the way past it, warned about
and recorded. Elsewhere all of these are warnings: dev and staging are where people find out, and the gate still
runs. Checks that could not be read for another reason (a permission, an emulator) are listed, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..driver.errors import DriverError, PolicyViolationError
from ..driver.settings import PREFLIGHT_DEADLINE_SECONDS, PreflightOutcome, Target
from .facts import DEADLINE_REACHED
from .verdicts import FAIL, UNKNOWN

STOPPING_ENVIRONMENTS = ("prod",)


def _config_stack(target: Target) -> str:
    """The stack whose Pulumi.<stack>.yaml the program runs with: the run's own (a stand-in or ephemeral stack's
    workspace holds its file), else the environment's."""
    if (Path(target.program_dir) / f"Pulumi.{target.stack}.yaml").is_file():
        return target.stack
    return target.environment or target.stack


def driver_step(
    *,
    region: str | None,
    endpoint_url: str | None,
    timeout: float,
    offline: bool = False,
    deadline: float = PREFLIGHT_DEADLINE_SECONDS,
) -> Callable[[Target], PreflightOutcome]:
    """The step for these AWS settings (`--region`, `--emulator`, the driver's AWS call timeout, the account
    reads' overall `--preflight-deadline`); with `--offline` there is no account to read and the step records that
    it was not run."""

    def step(target: Target) -> PreflightOutcome:
        if offline:
            return PreflightOutcome("not run: --offline has no AWS account to read")
        from . import run_preflight

        stops = target.environment in STOPPING_ENVIRONMENTS
        try:
            report = run_preflight(
                _config_stack(target),
                program_dir=Path(target.program_dir),
                policy_config=target.policy_config,
                region=region,
                endpoint_url=endpoint_url,
                timeout=timeout,
                deadline=deadline,
            )
        except Exception as exc:  # noqa: BLE001 - the program, the config or AWS: one line, prod stops
            text = f"preflight could not run: {type(exc).__name__}: {exc}"
            if stops:
                raise DriverError(f"{text} (--skip-preflight to update without it)") from None
            return PreflightOutcome("could not run", [text], [f"WARNING: {text}"])
        details = [
            f"{c.status} {c.name}: {c.message}" + (f" -> {c.action}" if c.action else "")
            for c in report.checks
            if c.status in (FAIL, UNKNOWN)
        ]
        failing = report.failing()
        cut = report.unread_by_deadline()
        unread = f"{DEADLINE_REACHED} after {deadline:g} s: {', '.join(c.name for c in cut)} not judged" if cut else ""
        if failing and stops:
            names = ", ".join(c.name for c in failing)
            raise PolicyViolationError(
                f"preflight: the account in {report.needs.region} fails {names}, nothing was changed: "
                + "; ".join(f"{c.message} -> {c.action}" for c in failing)
                + (f"; and {unread}" if unread else "")
            )
        if cut and stops:
            raise DriverError(
                f"preflight: the account in {report.needs.region} {unread}, so the run stops before any change (an "
                "unread check is never a pass): a longer --preflight-deadline, or --skip-preflight to update "
                "without it"
            )
        only = f"only {', '.join(STOPPING_ENVIRONMENTS)} stops"
        warnings = [f"WARNING: preflight fails {c.name} ({only}): {c.message}" for c in failing]
        if unread:
            warnings.append(f"WARNING: preflight {unread} ({only})")
        return PreflightOutcome(report.summary(), details, warnings)

    return step
