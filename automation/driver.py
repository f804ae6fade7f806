"""Per-environment runs and ephemeral CI stacks on Pulumi's Automation API (`pulumi.automation`).

Under the real CLI (read in pulumi/pulumi and site-packages/pulumi/automation):
- `Stack.up()` runs `pulumi up --yes --skip-preview` (_stack.py) and the engine runs stack policies only after every
  step was applied (pkg/resource/deploy/deployment_executor.go -> `AnalyzeResources`). So `up` is gated: a preview
  with the pack and the environment's policy config first; a mandatory violation stops the run before any change;
  then `up` runs with the same pack attached. `--skip-gate` is for emergencies and says so, in the output and the
  run record.
- A deadline stops the engine process itself: SIGINT (graceful cancel), a second SIGINT, SIGKILL, and waits until it
  and its plugins are gone (engine_command.py, process_control.py). `pulumi cancel` only deletes lock files on a DIY
  backend, so it is used only afterwards, to clear a lock the killed process left (stack_lock.py).
- Teardown of a stack whose functions hold ENIs in groups/subnets it owns runs in phases (phased_teardown.py,
  teardown.py).
- Emulator endpoints and credentials go only into the per-stack workspace copy and the CLI's environment.

Every engine call is retried only for the known transient errors of `resilience.TRANSIENT_ERRORS`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from .driver_errors import DriverError, PolicyViolationError, error_text
from .engine_command import InterruptibleCommand
from .naming import (
    COMMIT_KEY,
    EPHEMERAL_TAG,
    EXPIRES_KEY,
    OWNER_KEY,
    ephemeral_stack_name,
    expiry,
    is_expired,
)
from .phased_teardown import teardown
from .resilience import (
    Attempts,
    EngineTimeoutError,
    RetriesExhaustedError,
    is_policy_failure,
    with_retries,
    with_timeout,
)
from .stack_lock import backend_kind, decide_lock_clearing, file_backend_locks
from .teardown import TeardownPlan

REPO_ROOT = Path(__file__).resolve().parent.parent
POLICY_PACK = REPO_ROOT / "policies"
STATE_DIR = REPO_ROOT / ".netkit"
PINNED_CLI_VERSION = "3.272.0"  # the CLI release matching the pinned pulumi SDK
_EXPIRY_SUFFIX = re.compile(r"-x(\d{12})$")
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", ".netkit", "tests", "benchmarks", "__pycache__", ".*cache", "Pulumi.*.yaml"
)
EMULATED_SERVICES = (
    "apigatewayv2",
    "cloudwatch",
    "cloudwatchlogs",
    "ec2",
    "elbv2",
    "globalaccelerator",
    "iam",
    "kms",
    "lambda",
    "logs",
    "secretsmanager",
    "sqs",
    "ssm",
    "sts",
)


@dataclass
class EngineSettings:
    backend_url: str | None = None
    passphrase: str | None = None
    timeout_seconds: float = 3600.0
    attempts: int = 3
    retry_delay_seconds: float = 30.0
    emulator_url: str | None = None
    install_cli: bool = False
    on_output: Callable[[str], None] = print
    on_progress: Callable[[str], None] = print  # phase lines, warnings: what a person watching the job reads
    skip_gate: bool = False
    cancel_grace_seconds: float = 120.0  # after the first SIGINT: let in-flight resource operations finish
    kill_wait_seconds: float = 10.0
    eni_timeout_seconds: float = 45 * 60.0  # the Terraform AWS provider's minimum wait per security group
    eni_poll_seconds: float = 15.0
    eni_progress_seconds: float = 60.0
    parking_group: str | None = None
    aws_region: str | None = None
    aws_timeout_seconds: float = 30.0


def pulumi_command(settings: EngineSettings) -> InterruptibleCommand:
    """The CLI on PATH, or one installed on request; otherwise a clear error (nothing is touched)."""
    if shutil.which("pulumi"):
        return InterruptibleCommand()
    if settings.install_cli:
        from semver import VersionInfo

        version = VersionInfo.parse(PINNED_CLI_VERSION)
        root = str(STATE_DIR / "cli")
        auto.PulumiCommand.install(root=root, version=version)
        return InterruptibleCommand(root=root, version=version)
    raise DriverError(
        "the Pulumi CLI is not on PATH. Install it (https://www.pulumi.com/docs/install/, version "
        f"{PINNED_CLI_VERSION}) or pass --install-cli to download it with PulumiCommand.install. Offline policy "
        "checks need no CLI: python -m automation check"
    )


def default_backend() -> str:
    return f"file://{STATE_DIR / 'state'}"


def passphrase(settings: EngineSettings, env: Mapping[str, str]) -> str:
    """The passphrase secrets provider's key: from the environment; in CI it must be set."""
    if settings.passphrase:
        return settings.passphrase
    if env.get("PULUMI_CONFIG_PASSPHRASE") is not None:
        return env["PULUMI_CONFIG_PASSPHRASE"]
    if env.get("CI", "").lower() in ("1", "true", "yes"):
        raise DriverError(
            "PULUMI_CONFIG_PASSPHRASE is not set. In CI, store it as a secret and expose it to this job; without it "
            "the stack's secrets cannot be encrypted or read"
        )
    key_file = STATE_DIR / "passphrase"
    if not key_file.exists():
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(24))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def emulator_config(url: str) -> dict[str, auto.ConfigValue]:
    """AWS provider settings for LocalStack or a moto server, as pulumi-local sets them. No credentials: those go
    into the CLI's environment only (`emulator_env`), never into a stack file."""
    endpoints = [{service: url} for service in EMULATED_SERVICES]
    return {
        "aws:endpoints": auto.ConfigValue(json.dumps(endpoints)),
        "aws:skipCredentialsValidation": auto.ConfigValue("true"),
        "aws:skipRequestingAccountId": auto.ConfigValue("true"),
        "aws:skipMetadataApiCheck": auto.ConfigValue("true"),
        "aws:s3UsePathStyle": auto.ConfigValue("true"),
    }


def emulator_env(url: str) -> dict[str, str]:
    """What reaches every process the engine starts: the AWS provider reads the credentials from here, and every
    boto3 client (the Hyperplane-EIP dynamic provider's too, which passes `endpoint_url=None` unless told otherwise)
    takes `AWS_ENDPOINT_URL`, which botocore honours natively since 1.31 (botocore/configprovider.py)."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",  # the emulators' documented dummy key
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def engine_env(settings: EngineSettings, backend: str) -> dict[str, str]:
    env = {
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_CONFIG_PASSPHRASE": passphrase(settings, os.environ),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": os.environ.get("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", ""),
    }
    if settings.emulator_url:
        env.update(emulator_env(settings.emulator_url))
    return env


def local_workspace(work_dir: Path, settings: EngineSettings, backend: str) -> auto.LocalWorkspace:
    """A workspace over `work_dir` with the CLI, backend and passphrase every engine call uses.

    The CLI is looked up first: without it nothing (state directory, passphrase file) is written."""
    command = pulumi_command(settings)
    if backend.startswith("file://"):
        Path(backend[len("file://") :]).mkdir(parents=True, exist_ok=True)
    return auto.LocalWorkspace(work_dir=str(work_dir), pulumi_command=command, env_vars=engine_env(settings, backend))


def environment_of(work_dir: Path, stack: str) -> str:
    stack_file = work_dir / f"Pulumi.{stack}.yaml"
    if stack_file.is_file():
        config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
        value = config.get("netkit:environment")
        if isinstance(value, str) and value:
            return value
    return stack


def policy_args(environment: str) -> dict[str, list[str]]:
    config = POLICY_PACK / "config" / f"{environment}.json"
    return {"policy_packs": [str(POLICY_PACK)], "policy_pack_configs": [str(config)] if config.is_file() else []}


@dataclass
class RunRecord:
    """What a run did, written as JSON for the next CI step: every step, phase (with its duration), warning and
    error, so a failed or stopped run can be understood from the file alone."""

    stack: str
    steps: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    gate: dict[str, Any] = field(default_factory=dict)
    own_vpc_ids: list[str] = field(default_factory=list)
    attempts: Attempts = field(default_factory=Attempts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "steps": self.steps,
            "outputs": self.outputs,
            "errors": self.errors,
            "warnings": self.warnings,
            "phases": self.phases,
            "gate": self.gate,
            "own_vpc_ids": self.own_vpc_ids,
            "retries": self.attempts.log,
        }


def mandatory_violations(events: list[auto.EngineEvent]) -> list[str]:
    """`policy (urn)` for each mandatory policy event of the engine's event stream (events.py `PolicyEvent`)."""
    found = []
    for event in events:
        policy = event.policy_event
        if policy is not None and policy.enforcement_level == "mandatory":
            found.append(f"{policy.policy_name} ({policy.resource_urn or 'stack'})")
    return found


class Engine:
    """One stack in one workspace directory, with deadlines and retries on every engine call."""

    def __init__(
        self, stack_name: str, work_dir: Path, settings: EngineSettings, backend: str | None = None, create: bool = True
    ) -> None:
        self.settings, self.work_dir = settings, work_dir
        self.backend = backend or settings.backend_url or default_backend()
        self.workspace = local_workspace(work_dir, settings, self.backend)
        self.command: InterruptibleCommand = self.workspace.pulumi_command  # type: ignore[assignment]
        self.record = RunRecord(stack_name)
        self.engine_left_running = False  # set when a stopped engine could not be confirmed gone: no cleanup then
        opener = auto.Stack.create_or_select if create else auto.Stack.select
        self.stack = self.call("open stack", lambda: opener(stack_name, self.workspace))
        if settings.emulator_url:
            self.set_config(emulator_config(settings.emulator_url))

    def set_config(self, config: dict[str, auto.ConfigValue]) -> None:
        """`pulumi config set-all` writes Pulumi.<stack>.yaml in the workspace directory: never the checkout's."""
        if self.work_dir.resolve() == REPO_ROOT.resolve():
            raise DriverError(
                "refusing to write stack config into the checkout; this run needs a per-stack workspace copy"
            )
        self.stack.set_all_config(config)

    def phase(self, name: str, started: float, result: str, details: list[str] | None = None) -> None:
        seconds = round(time.monotonic() - started, 1)
        self.record.phases.append({"phase": name, "seconds": seconds, "result": result, "details": details or []})
        self.settings.on_progress(f"{name}: {result} ({seconds:g}s)")

    def stop_engine(self, describe: str) -> None:
        """The deadline passed: stop the CLI process, confirm it is gone, then clear a lock it left (only then)."""
        started = time.monotonic()
        report = self.command.stop(self.settings.cancel_grace_seconds, self.settings.kill_wait_seconds)
        self.record.errors.append(f"{describe}: timed out after {self.settings.timeout_seconds:g}s")
        if report is None:
            self.phase(f"stop {describe}", started, "no engine process was running")
            return
        details = list(report.steps)
        kind = backend_kind(self.backend)
        locks = file_backend_locks(self.backend, self.record.stack) if kind == "file" else None
        decision = decide_lock_clearing(kind, report.forced, report.pid, socket.gethostname(), locks)
        details.append(decision.reason)
        if decision.clear and report.gone:
            try:
                self.stack.cancel()
                details.append("`pulumi cancel` cleared the lock")
            except auto.errors.CommandError as exc:
                details.append(f"`pulumi cancel` failed: {str(exc).strip()[-300:]}")
        outcome = "engine stopped" if report.gone else "engine NOT confirmed gone"
        self.phase(f"stop {describe}", started, outcome, details)
        if not report.gone:
            self.engine_left_running = True
            raise DriverError(f"{describe}: engine process {report.pid} could not be confirmed gone; not cleaning up")

    def call(self, describe: str, operation: Callable[[], Any], attempts: int | None = None) -> Any:
        def attempt() -> Any:
            return with_timeout(
                operation, self.settings.timeout_seconds, lambda: self.stop_engine(describe), describe, join_seconds=30
            )

        try:
            result = with_retries(
                attempt,
                describe,
                attempts or self.settings.attempts,
                self.settings.retry_delay_seconds,
                record=self.record.attempts,
                error_text=error_text,
            )
        except auto.errors.CommandError as exc:
            text = error_text(exc)
            if is_policy_failure(text):
                raise PolicyViolationError(f"{describe} was blocked by a mandatory policy violation") from exc
            raise DriverError(f"{describe} failed: {str(exc).strip()[-2000:]}") from exc
        self.record.steps.append(describe)
        return result

    def preview(self, environment: str) -> None:
        self.call("preview", lambda: self.stack.preview(on_output=self.settings.on_output, **policy_args(environment)))

    def gate(self, environment: str) -> None:
        """A preview with the pack and the environment's policy config; stop on any mandatory violation."""
        started = time.monotonic()
        events: list[auto.EngineEvent] = []
        args = policy_args(environment)
        self.record.gate = {"policy_config": args["policy_pack_configs"], "skipped": False}
        try:
            self.call(
                "gate: preview with the policy pack",
                lambda: self.stack.preview(on_output=self.settings.on_output, on_event=events.append, **args),
            )
        except PolicyViolationError as exc:
            violations = mandatory_violations(events)
            self.record.gate.update(passed=False, mandatory=violations)
            self.phase("gate", started, "stopped before any change: mandatory policy violation", violations)
            raise PolicyViolationError(
                "gate: mandatory policy violation(s) in the preview, nothing was changed"
                + (f": {', '.join(violations)}" if violations else "")
            ) from exc
        violations = mandatory_violations(events)
        self.record.gate.update(passed=not violations, mandatory=violations)
        if violations:  # the CLI passed, but its own event stream reports mandatory violations: trust the events
            self.phase("gate", started, "stopped before any change: mandatory policy violation", violations)
            raise PolicyViolationError(f"gate: mandatory policy violation(s): {', '.join(violations)}")
        self.phase("gate", started, "passed")

    def up(self, environment: str) -> dict[str, Any]:
        """Gate, then `up` with the same pack attached (stack policies run there only after the changes)."""
        if self.settings.skip_gate:
            warning = "WARNING: --skip-gate: updating WITHOUT the policy preview; violations surface after changes"
            self.settings.on_progress(warning)
            self.record.warnings.append(warning)
            self.record.gate = {"skipped": True}
        else:
            self.gate(environment)
        result = self.call("up", lambda: self.stack.up(on_output=self.settings.on_output, **policy_args(environment)))
        self.record.outputs = {k: v.value for k, v in result.outputs.items() if not v.secret}
        return self.record.outputs

    def export(self) -> dict[str, Any]:
        deployment = self.call("export state", lambda: self.stack.export_stack())
        return dict(deployment.deployment or {})

    def destroy(self, continue_on_error: bool = False, attempts: int | None = None) -> None:
        self.call(
            "destroy",
            lambda: self.stack.destroy(on_output=self.settings.on_output, continue_on_error=continue_on_error),
            attempts=attempts,
        )

    def remove(self) -> None:
        self.call("remove stack", lambda: self.workspace.remove_stack(self.stack.name))

    def aws_region(self, plan: TeardownPlan) -> str:
        if self.settings.aws_region:
            return self.settings.aws_region
        regions = {m.region for m in plan.moves if m.region}
        if len(regions) == 1:
            return regions.pop()
        try:
            return str(self.stack.get_config("aws:region").value)
        except auto.errors.CommandError:
            return "us-east-1"


def write_outputs(path: Path | None, record: RunRecord) -> None:
    if path is not None:
        path.write_text(json.dumps(record.as_dict(), indent=2, default=str))


# --- per-environment runs ------------------------------------------------------------------------------------
def run_environment(action: str, stack: str, settings: EngineSettings, outputs_file: Path | None = None) -> RunRecord:
    """preview / gated up / phased destroy of dev, staging or prod. With an emulator the run works in a throwaway
    copy of the program, so the checkout's Pulumi.<stack>.yaml is never written."""
    if action not in ("preview", "up", "destroy"):
        raise DriverError(f"unknown action {action!r}")
    work_dir = REPO_ROOT
    if settings.emulator_url:
        pulumi_command(settings)
        work_dir = prepare_workspace(f"{stack}-emulator-{secrets.token_hex(3)}", stack, stack_name=stack)
    engine: Engine | None = None
    try:
        engine = Engine(stack, work_dir, settings)
        environment = environment_of(work_dir, stack)
        if action == "preview":
            engine.preview(environment)
        elif action == "up":
            engine.up(environment)
        else:
            teardown(engine)
    finally:
        if engine is not None:
            write_outputs(outputs_file, engine.record)
        if work_dir != REPO_ROOT:
            _drop_workspace(work_dir)
    return engine.record


# --- ephemeral stacks ----------------------------------------------------------------------------------------
@dataclass
class EphemeralOptions:
    prefix: str = "eph"
    base_stack: str = "dev"
    ttl: str = "4h"
    owner: str = ""
    commit: str = ""
    network_stack: str | None = None
    keep: bool = False
    verify: Callable[[dict[str, Any]], list[str]] | None = None


def workspace_dir(stack_name: str) -> Path:
    return STATE_DIR / "workspaces" / stack_name


def _drop_workspace(work_dir: Path) -> None:
    if work_dir.resolve().is_relative_to((STATE_DIR / "workspaces").resolve()):
        shutil.rmtree(work_dir, ignore_errors=True)  # only ever a per-stack copy, never the checkout


def prepare_workspace(directory: str, base_stack: str | None, stack_name: str | None = None) -> Path:
    """A private copy of the program per stack, so parallel jobs never share workspace files and nothing a run
    writes (stack config, emulator settings) lands in the checkout. `base_stack` None: no stack file (a stack that
    only needs destroying)."""
    target = workspace_dir(directory)
    if target.exists():
        raise DriverError(f"workspace {target} already exists; destroy that stack first or pick another name")
    if base_stack is not None and not (REPO_ROOT / f"Pulumi.{base_stack}.yaml").is_file():
        raise DriverError(f"no Pulumi.{base_stack}.yaml: --from must name an existing stack file (dev, staging, prod)")
    shutil.copytree(REPO_ROOT, target, ignore=COPY_IGNORE)
    project = yaml.safe_load((target / "Pulumi.yaml").read_text())
    runtime = project.setdefault("runtime", {"name": "python"})
    if isinstance(runtime, dict):
        runtime.setdefault("options", {})["virtualenv"] = str(REPO_ROOT / ".venv")
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    if base_stack is not None:
        shutil.copyfile(REPO_ROOT / f"Pulumi.{base_stack}.yaml", target / f"Pulumi.{stack_name or directory}.yaml")
    return target


def stack_expiry_from_name(name: str) -> str | None:
    match = _EXPIRY_SUFFIX.search(name)
    if not match:
        return None
    stamp = match.group(1)
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:00Z"


def ephemeral_create(options: EphemeralOptions, settings: EngineSettings, env: Mapping[str, str]) -> Engine:
    pulumi_command(settings)  # fail before any file is written when there is no CLI
    expires = expiry(options.ttl)
    stamp = expires.replace("-", "").replace(":", "").replace("T", "")[:12]
    name = f"{ephemeral_stack_name(options.prefix, env)[: 100 - 14]}-x{stamp}"
    work_dir = prepare_workspace(name, options.base_stack)
    try:
        engine = Engine(name, work_dir, settings)
        owner = options.owner or env.get("GITHUB_ACTOR") or env.get("USER") or "unknown"
        commit = options.commit or env.get("GITHUB_SHA") or ""
        config = {EXPIRES_KEY: expires, OWNER_KEY: owner, COMMIT_KEY: commit}
        if options.network_stack:
            config["netkit:networkStack"] = options.network_stack
        engine.set_config({k: auto.ConfigValue(v) for k, v in config.items()})
        for key, value in (
            (EPHEMERAL_TAG, "true"),
            ("netkit:expires-at", expires),
            ("netkit:owner", owner),
            ("netkit:commit", commit or "unknown"),
        ):
            try:
                engine.stack.set_tag(key, value)
            except auto.errors.CommandError as exc:
                engine.record.errors.append(f"stack tag {key} not set ({str(exc).strip()[:200]})")
        engine.record.steps.append(f"created {name}, expires {expires}")
        return engine
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


def ephemeral_teardown(engine: Engine) -> None:
    """Phased destroy, remove the stack, drop its workspace. Each step runs even if an earlier one failed.

    Never while an engine process of this stack may still run: a destroy beside a live update corrupts both."""
    if engine.engine_left_running:
        message = "not cleaning up: the stopped engine process is still running; run `ephemeral destroy` later"
        engine.record.errors.append(message)
        raise DriverError(message)
    problems = []
    for describe, step in (("destroy", lambda: teardown(engine)), ("remove", engine.remove)):
        try:
            step()
        except (DriverError, RetriesExhaustedError, EngineTimeoutError) as exc:
            problems.append(f"{describe}: {str(exc)[-500:]}")
            if describe == "destroy":
                break  # never remove a stack whose resources may still exist
    _drop_workspace(engine.work_dir)
    engine.record.errors.extend(problems)
    if problems:
        raise DriverError("cleanup incomplete: " + "; ".join(problems))


def ephemeral_run(
    options: EphemeralOptions, settings: EngineSettings, env: Mapping[str, str], outputs_file: Path | None = None
) -> RunRecord:
    """gate (preview with the pack) -> up -> post-deploy checks -> phased destroy -> remove, cleanup in `finally`.

    A deadline on any step stops the engine process and confirms it gone before the cleanup starts."""
    engine = ephemeral_create(options, settings, env)
    environment = environment_of(engine.work_dir, engine.stack.name)
    try:
        engine.up(environment)
        if options.verify is not None:
            failures = options.verify(engine.record.outputs)
            engine.record.steps.append("post-deploy checks")
            if failures:
                raise DriverError("post-deploy checks failed: " + "; ".join(failures))
    finally:
        try:
            if not options.keep:
                ephemeral_teardown(engine)
        finally:
            write_outputs(outputs_file, engine.record)
    return engine.record


def _existing_stack_engine(name: str, settings: EngineSettings, backend: str | None = None) -> Engine:
    """An engine over the stack's own workspace copy, or a fresh copy without a stack file (never the checkout)."""
    work_dir = workspace_dir(name)
    if not work_dir.exists():
        work_dir = prepare_workspace(name, None)
    return Engine(name, work_dir, settings, backend=backend, create=False)


def ephemeral_destroy(name: str, settings: EngineSettings, outputs_file: Path | None = None) -> RunRecord:
    pulumi_command(settings)
    engine = _existing_stack_engine(name, settings)
    try:
        ephemeral_teardown(engine)
    finally:
        write_outputs(outputs_file, engine.record)
    return engine.record


def reap(settings: EngineSettings, dry_run: bool, now: datetime | None = None) -> list[str]:
    """Destroy (phased, like every teardown) and remove each stack of the backend whose expiry (tag, else name
    suffix) has passed. Stacks without a readable expiry are never touched."""
    from .aws_ops import validate_stack_name

    backend = settings.backend_url or default_backend()
    workspace = local_workspace(REPO_ROOT, settings, backend)
    actions = []
    for summary in workspace.list_stacks():
        try:
            tags = workspace.list_tags(summary.name)
        except auto.errors.CommandError:
            tags = {}
        expires = tags.get("netkit:expires-at") or stack_expiry_from_name(summary.name)
        if not is_expired(expires, now):
            continue
        try:
            validate_stack_name(summary.name)
        except ValueError as exc:
            actions.append(f"skipped {summary.name!r}: {exc}")
            continue
        if dry_run:
            actions.append(f"would destroy and remove {summary.name} (expired {expires})")
            continue
        engine = _existing_stack_engine(summary.name, settings, backend)
        try:
            ephemeral_teardown(engine)
        except DriverError as exc:
            actions.append(f"FAILED to reap {summary.name}: {str(exc)[-300:]}")
            continue
        actions.append(f"destroyed and removed {summary.name} (expired {expires})")
    return actions
