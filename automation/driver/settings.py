"""What a run is given: the target (program, stack, policy pack and config, backend, where the driver keeps its own
files) and the budgets (deadlines, grace, retries). Nothing here knows where the repository is: the command line
(cli_engine.py) passes every path, so the driver runs any program and keeps its files wherever it is told.

`worst_case_seconds` adds the budgets up: the longest a command may take before it returns on its own, which is
what a CI job's timeout must exceed (docs/driver.md, .github/workflows/netkit.yml, tested in test_driver.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DriverError

# Commands that read or write stack metadata (stack init/select/rm, config, tags, export, history) touch no cloud
# resource: they get a short deadline of their own instead of the update's.
METADATA_TIMEOUT_SECONDS = 60.0
METADATA_GRACE_SECONDS = 5.0  # nothing is in flight that a longer grace would let finish
# What a CI runner allows after its first SIGINT: GitHub sends SIGTERM 7.5 s later and kills the process tree 2.5 s
# after that (docs.github.com, "Canceling a workflow"). After a second signal the driver gives the CLI this long to
# terminate (pending operations written, lock released) before SIGKILL.
SIGNAL_KILL_WAIT_SECONDS = 2.0
# The account preflight before the gate (automation/preflight, issue 21; `up` and ephemeral runs, unless
# --skip-preflight or --offline). It runs the program offline first, bounded by preflight/program.py's timeout, then
# reads the account with boto3 (preflight/account.py `read_account`) within ONE overall deadline
# (--preflight-deadline, default PREFLIGHT_DEADLINE_SECONDS = account.DEFAULT_DEADLINE_SECONDS): no call starts
# after it and the call in flight gets at most what is left, so the reads end by it. Without it they were bounded
# only call by call: with every fallback taken 21 calls (counted against a client that answers each one with the
# error that triggers its fallback: tests/test_driver.py), plus one GetFunctionConcurrency per function already in
# the stack's VPC and one per further page of a listing (4 allowed for), each up to its attempts x (30 s connect +
# 30 s read): 76.25 min counted at 3 attempts, more in fact (aws_ops.aws_client's `max_attempts: 3` is 3 retries in
# botocore). Against AWS they take seconds; 300 s is 12 s per call.
PREFLIGHT_PROGRAM_SECONDS = 600.0
PREFLIGHT_DEADLINE_SECONDS = 300.0
PREFLIGHT_AWS_CALLS = 21 + 4


@dataclass
class EngineSettings:
    """Budgets and behaviour of every engine call. `state_dir` is where the driver keeps workspaces, plans, the
    local passphrase and offline/emulator backends: always given by the caller."""

    state_dir: Path
    pulumi_cli: str | None = None  # the CLI to run (None: `pulumi` on PATH)
    program_host: bool = True  # serve the program through program_host (False: a CLI that runs it itself)
    backend_url: str | None = None
    passphrase: str | None = None
    timeout_seconds: float = 3600.0
    metadata_timeout_seconds: float = METADATA_TIMEOUT_SECONDS
    attempts: int = 3
    retry_delay_seconds: float = 30.0
    emulator_url: str | None = None
    offline: bool = False
    offline_faults: dict[str, dict[str, str]] = field(default_factory=dict)
    offline_fixtures: Path | None = None
    on_output: Callable[[str], None] = print
    on_progress: Callable[[str], None] = print  # phase lines, warnings: what a person watching the job reads
    skip_gate: bool = False
    skip_preflight: bool = False  # recorded and warned about, like skip_gate
    cancel_grace_seconds: float = 120.0  # after the first SIGINT: let in-flight resource operations finish
    kill_wait_seconds: float = 10.0  # after the second SIGINT, before SIGKILL of the CLI's session
    signal_kill_wait_seconds: float = SIGNAL_KILL_WAIT_SECONDS
    interrupt_budget_seconds: float = 900.0  # teardown after a signal to the driver (ephemeral runs)
    eni_timeout_seconds: float = 45 * 60.0  # the Terraform AWS provider's minimum wait per security group
    eni_poll_seconds: float = 15.0
    eni_progress_seconds: float = 60.0
    parking_group: str | None = None
    aws_region: str | None = None
    aws_timeout_seconds: float = 30.0
    preflight_deadline_seconds: float = PREFLIGHT_DEADLINE_SECONDS  # the account reads, all of them
    # issue 21 (automation/preflight/step.py): the account's limits before the gate, nothing changed yet; raises
    # PolicyViolationError (or DriverError) when the run must stop
    preflight: Callable[[Target], PreflightOutcome] | None = None

    def validate(self) -> None:
        if self.timeout_seconds <= 0 or self.attempts < 1 or self.retry_delay_seconds < 0:
            raise DriverError("--timeout must be positive, --retries at least 1 and --retry-delay not negative")
        if self.eni_timeout_seconds <= 0 or self.cancel_grace_seconds < 0 or self.kill_wait_seconds < 0:
            raise DriverError("--eni-timeout must be positive, --cancel-grace and the kill wait not negative")
        if self.preflight_deadline_seconds <= 0:
            raise DriverError("--preflight-deadline must be positive")
        if self.offline and self.emulator_url:
            raise DriverError("--offline and --emulator exclude each other: pick one stand-in for AWS")


@dataclass(frozen=True)
class PreflightOutcome:
    """What the preflight step reports when the run goes on: the phase's result, its details, warnings."""

    result: str
    details: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """One stack of one program, with the policy pack and config that judge it."""

    program_dir: Path
    stack: str
    policy_pack: Path | None = None
    policy_config: Path | None = None
    environment: str = ""

    def validate(self) -> None:
        """Bad input is one clear line and exit 2, before anything is written or started."""
        if not (self.program_dir / "Pulumi.yaml").is_file():
            raise DriverError(f"{self.program_dir} is not a Pulumi program: it has no Pulumi.yaml")
        if self.policy_pack is not None and not (self.policy_pack / "PulumiPolicy.yaml").is_file():
            raise DriverError(f"policy pack {self.policy_pack} has no PulumiPolicy.yaml")
        if self.policy_config is not None and not self.policy_config.is_file():
            raise DriverError(f"policy config {self.policy_config} does not exist (it is never silently dropped)")

    def packs(self) -> list[str]:
        """The Automation API's `policy_packs` (`--policy-pack`)."""
        return [str(self.policy_pack)] if self.policy_pack is not None else []

    def pack_configs(self) -> list[str]:
        """The Automation API's `policy_pack_configs` (`--policy-pack-config`, one per pack)."""
        return [str(self.policy_config)] if self.policy_config is not None and self.packs() else []


# --- worst cases ---------------------------------------------------------------------------------------------
def stop_seconds(settings: EngineSettings, metadata: bool = False) -> float:
    """From a deadline to a confirmed-gone engine: grace after SIGINT, the wait after the second SIGINT, the wait
    after SIGKILL (processes.stop_process)."""
    grace = min(settings.cancel_grace_seconds, METADATA_GRACE_SECONDS) if metadata else settings.cancel_grace_seconds
    return grace + 2 * settings.kill_wait_seconds


def retried_seconds(settings: EngineSettings, one_call: float) -> float:
    """`attempts` calls, each failing transiently at its deadline's edge, with the growing delays between them."""
    attempts = settings.attempts
    return attempts * one_call + settings.retry_delay_seconds * attempts * (attempts - 1) / 2


def preflight_seconds(settings: EngineSettings) -> float:
    """The account preflight: the program's offline run to its timeout, then the account reads to their deadline."""
    if settings.skip_preflight or settings.offline:
        return 0.0
    return PREFLIGHT_PROGRAM_SECONDS + settings.preflight_deadline_seconds


def worst_case_seconds(settings: EngineSettings, checks_seconds: float = 300.0) -> dict[str, float]:
    """The longest each part of a run can take before the driver returns by itself (not counting signals).

    - `update`: an `up` / `ephemeral run --keep`: open the stack, set its config and tags, the account preflight
      (`preflight_seconds`), the gate, the update, the post-deploy checks (`checks_seconds`: a handful of boto3
      calls, each bounded by --aws-timeout and botocore's three attempts), the final export.
    - `teardown`: `destroy` / `ephemeral destroy`: export, resolve pending creates (refresh), the ENI phases and
      destroy attempts (retried on dependency violations until the ENI budget ends; the last one may start just
      before it), remove, final export.
    - `ephemeral`: both in one job (`ephemeral run` without --keep).
    - `preview`: open the stack, the preview, the final export."""
    meta = retried_seconds(settings, settings.metadata_timeout_seconds + stop_seconds(settings, metadata=True))
    one_engine_call = settings.timeout_seconds + stop_seconds(settings)
    engine = retried_seconds(settings, one_engine_call)
    setup = 7 * meta  # stack init, config set-all, four tags, select
    update = setup + preflight_seconds(settings) + engine + engine + checks_seconds + meta
    teardown = (
        meta  # export
        + engine  # refresh --clear-pending-creates / --import-pending-creates
        + settings.eni_timeout_seconds
        + one_engine_call  # the destroy attempt running when the ENI budget ends
        + meta  # stack rm
        + meta  # final export
    )
    preview = meta + engine + meta
    return {"update": update, "teardown": teardown, "ephemeral": update + teardown, "preview": preview}
