"""Per-environment runs and ephemeral CI stacks on Pulumi's Automation API (`pulumi.automation`).

Every engine call has a deadline (on timeout the update is cancelled and the run cleans up) and is retried only
for the known transient errors of `resilience.TRANSIENT_ERRORS`; a policy violation or a program error never is.
The policy pack and the environment's policy config are attached to every preview and up, so a mandatory
violation stops the run before anything changes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from .naming import (
    COMMIT_KEY,
    EPHEMERAL_TAG,
    EXPIRES_KEY,
    OWNER_KEY,
    ephemeral_stack_name,
    expiry,
    is_expired,
)
from .resilience import Attempts, is_policy_failure, with_retries, with_timeout

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


class DriverError(Exception):
    """A user-facing failure of the driver; the message says what to do. Exit status 2."""


class PolicyViolationError(DriverError):
    """The policy pack blocked the preview or update. Exit status 1."""


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


def pulumi_command(settings: EngineSettings) -> auto.PulumiCommand:
    """The CLI on PATH, or one installed on request; otherwise a clear error (nothing is touched)."""
    if shutil.which("pulumi"):
        return auto.PulumiCommand()
    if settings.install_cli:
        from semver import VersionInfo

        return auto.PulumiCommand.install(root=str(STATE_DIR / "cli"), version=VersionInfo.parse(PINNED_CLI_VERSION))
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
    """AWS provider settings for LocalStack or a moto server, as pulumi-local sets them."""
    endpoints = [{service: url} for service in EMULATED_SERVICES]
    return {
        "aws:endpoints": auto.ConfigValue(json.dumps(endpoints)),
        "aws:skipCredentialsValidation": auto.ConfigValue("true"),
        "aws:skipRequestingAccountId": auto.ConfigValue("true"),
        "aws:skipMetadataApiCheck": auto.ConfigValue("true"),
        "aws:s3UsePathStyle": auto.ConfigValue("true"),
        "aws:accessKey": auto.ConfigValue("test"),
        "aws:secretKey": auto.ConfigValue("test", secret=True),
    }


def engine_env(settings: EngineSettings, backend: str) -> dict[str, str]:
    return {
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_CONFIG_PASSPHRASE": passphrase(settings, os.environ),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": os.environ.get("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", ""),
    }


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
    """What a run did, written as JSON for the next CI step."""

    stack: str
    steps: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    attempts: Attempts = field(default_factory=Attempts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "steps": self.steps,
            "outputs": self.outputs,
            "errors": self.errors,
            "retries": self.attempts.log,
        }


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, auto.errors.CommandError):
        return f"{exc.stdout if hasattr(exc, 'stdout') else ''}\n{exc}"
    return str(exc)


class Engine:
    """One stack in one workspace directory, with deadlines and retries on every engine call."""

    def __init__(
        self, stack_name: str, work_dir: Path, settings: EngineSettings, backend: str | None = None, create: bool = True
    ) -> None:
        self.settings, self.work_dir = settings, work_dir
        self.backend = backend or settings.backend_url or default_backend()
        self.workspace = local_workspace(work_dir, settings, self.backend)
        self.record = RunRecord(stack_name)
        opener = auto.Stack.create_or_select if create else auto.Stack.select
        self.stack = self.call("open stack", lambda: opener(stack_name, self.workspace))
        if settings.emulator_url:
            self.stack.set_all_config(emulator_config(settings.emulator_url))

    def call(self, describe: str, operation: Callable[[], Any]) -> Any:
        stack = getattr(self, "stack", None)

        def cancel() -> None:
            self.record.errors.append(f"{describe}: timed out after {self.settings.timeout_seconds:g}s, cancelled")
            if stack is not None:
                try:
                    stack.cancel()
                except auto.errors.CommandError as exc:
                    self.record.errors.append(f"cancel failed: {exc}")

        def attempt() -> Any:
            return with_timeout(operation, self.settings.timeout_seconds, cancel, describe)

        try:
            result = with_retries(
                attempt,
                describe,
                self.settings.attempts,
                self.settings.retry_delay_seconds,
                record=self.record.attempts,
                error_text=_error_text,
            )
        except auto.errors.CommandError as exc:
            text = _error_text(exc)
            if is_policy_failure(text):
                raise PolicyViolationError(f"{describe} was blocked by a mandatory policy violation") from exc
            raise DriverError(f"{describe} failed: {str(exc).strip()[-2000:]}") from exc
        self.record.steps.append(describe)
        return result

    def preview(self, environment: str) -> None:
        self.call("preview", lambda: self.stack.preview(on_output=self.settings.on_output, **policy_args(environment)))

    def up(self, environment: str) -> dict[str, Any]:
        result = self.call("up", lambda: self.stack.up(on_output=self.settings.on_output, **policy_args(environment)))
        self.record.outputs = {k: v.value for k, v in result.outputs.items() if not v.secret}
        return self.record.outputs

    def destroy(self) -> None:
        self.call("destroy", lambda: self.stack.destroy(on_output=self.settings.on_output))

    def remove(self) -> None:
        self.call("remove stack", lambda: self.workspace.remove_stack(self.stack.name))


def write_outputs(path: Path | None, record: RunRecord) -> None:
    if path is not None:
        path.write_text(json.dumps(record.as_dict(), indent=2, default=str))


# --- per-environment runs ------------------------------------------------------------------------------------
def run_environment(action: str, stack: str, settings: EngineSettings, outputs_file: Path | None = None) -> RunRecord:
    engine = Engine(stack, REPO_ROOT, settings)
    environment = environment_of(REPO_ROOT, stack)
    try:
        if action == "preview":
            engine.preview(environment)
        elif action == "up":
            engine.up(environment)
        elif action == "destroy":
            engine.destroy()
        else:
            raise DriverError(f"unknown action {action!r}")
    finally:
        write_outputs(outputs_file, engine.record)
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


def prepare_workspace(stack_name: str, base_stack: str) -> Path:
    """A private copy of the program per stack, so parallel jobs never share workspace files."""
    target = workspace_dir(stack_name)
    if target.exists():
        raise DriverError(f"workspace {target} already exists; destroy that stack first or pick another name")
    shutil.copytree(REPO_ROOT, target, ignore=COPY_IGNORE)
    project = yaml.safe_load((target / "Pulumi.yaml").read_text())
    runtime = project.setdefault("runtime", {"name": "python"})
    if isinstance(runtime, dict):
        runtime.setdefault("options", {})["virtualenv"] = str(REPO_ROOT / ".venv")
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    base = REPO_ROOT / f"Pulumi.{base_stack}.yaml"
    if not base.is_file():
        raise DriverError(f"no {base.name}: --from must name an existing stack file (dev, staging, prod)")
    shutil.copyfile(base, target / f"Pulumi.{stack_name}.yaml")
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
        engine.stack.set_all_config({k: auto.ConfigValue(v) for k, v in config.items()})
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
    """Destroy, remove the stack, drop its workspace. Each step runs even if an earlier one failed."""
    problems = []
    for describe, step in (("destroy", engine.destroy), ("remove", engine.remove)):
        try:
            step()
        except DriverError as exc:
            problems.append(f"{describe}: {exc}")
    if engine.work_dir.resolve().is_relative_to((STATE_DIR / "workspaces").resolve()):
        shutil.rmtree(engine.work_dir, ignore_errors=True)  # only ever a per-stack copy, never the checkout
    engine.record.errors.extend(problems)
    if problems:
        raise DriverError("cleanup incomplete: " + "; ".join(problems))


def ephemeral_run(
    options: EphemeralOptions, settings: EngineSettings, env: Mapping[str, str], outputs_file: Path | None = None
) -> RunRecord:
    """preview (with the pack) -> up -> post-deploy checks -> destroy -> remove, cleanup in `finally`."""
    engine = ephemeral_create(options, settings, env)
    environment = environment_of(engine.work_dir, engine.stack.name)
    try:
        engine.preview(environment)
        outputs = engine.up(environment)
        if options.verify is not None:
            failures = options.verify(outputs)
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


def ephemeral_destroy(name: str, settings: EngineSettings) -> RunRecord:
    work_dir = workspace_dir(name) if workspace_dir(name).exists() else REPO_ROOT
    engine = Engine(name, work_dir, settings, create=False)
    ephemeral_teardown(engine)
    return engine.record


def reap(settings: EngineSettings, dry_run: bool, now: datetime | None = None) -> list[str]:
    """Destroy and remove every stack of the backend whose expiry (tag, else name suffix) has passed."""
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
        if dry_run:
            actions.append(f"would destroy and remove {summary.name} (expired {expires})")
            continue
        engine = Engine(summary.name, REPO_ROOT, settings, backend=backend, create=False)
        engine.destroy()
        engine.remove()
        shutil.rmtree(workspace_dir(summary.name), ignore_errors=True)
        actions.append(f"destroyed and removed {summary.name} (expired {expires})")
    return actions
