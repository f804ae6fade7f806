"""Account preflight (issue 21): the account limits and settings that stop a first deploy half-way, checked
before anything changes.

    needs.py     what the stack's program creates (offline run, the policy pack's graph and capacity model)
    program.py   runs the program offline for it
    account.py   reads the account with boto3 (read-only, bounded calls)
    facts.py     what was read, or why not
    verdicts.py  needs against facts: ok / fail (what to ask AWS for) / unknown (which permission is missing)
    report.py    text and JSON; the JSON is the account-facts file `netkit check --account-facts` reads

`run_preflight` is the one entry point the CLI and the driver call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `netkit check --account-facts` imports .facts alone: keep the package import light
    from .report import PreflightReport


def run_preflight(
    stack: str,
    *,
    program_dir: Path | None = None,
    policy_config: Path | str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    timeout: float = 30.0,
    deadline: float | None = 300.0,
) -> PreflightReport:
    """Run the stack's program offline, read the account for its region (or `region`), and judge.

    `timeout` bounds each AWS call's connect and read; `deadline` all the account reads together (seconds from
    when they start, after the program's offline run, which has its own timeout; None: no deadline): the facts
    not read by then are "could not read (deadline reached)" and the report is not a pass.

    Raises the offline run's errors (ProgramLoadError, ProgramError, PolicyConfigError) and botocore's
    NoCredentialsError / EndpointConnectionError (nothing can be read then); every other AWS failure is a check
    that could not be read."""
    from .account import clients, read_account
    from .program import program_needs
    from .report import PreflightReport
    from .verdicts import evaluate

    needs = program_needs(stack, program_dir, policy_config)
    if region:
        needs.region = region
    facts = read_account(clients(needs.region, endpoint_url, timeout, deadline), needs)
    return PreflightReport(needs, facts, evaluate(needs, facts))


__all__ = ["run_preflight"]
