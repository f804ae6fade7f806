"""The commands, end to end: `preview` / `up` / `destroy` of one stack, ephemeral stacks, the reaper.

    command line (cli_engine.py) -> runs.py: target, workspace, backend, signal guard, record
      -> update.py: preflight -> gate.py (preview + plan) -> `up --plan`
      -> teardown.py: pending.py (resolve pending creates) -> ENI phases (enis.py) -> destroy -> `stack rm`
    every CLI call: engine.py (deadline, retries, stop) -> command.py (own session, program_host)

Each run writes its record (`--outputs-file`) after every phase and once more at the end, whatever happened, with
the state as it was left (`pending_operations`, `resources_in_state`). A signal to the driver stops the running CLI
(signals.py); an ephemeral run then tears down within `interrupt_budget_seconds`; a second signal skips to the
record. Nothing the driver started outlives it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from ..naming import COMMIT_KEY, EPHEMERAL_TAG, EXPIRES_KEY, OWNER_KEY, ephemeral_stack_name, expiry, is_expired
from . import signals
from .command import InterruptibleCommand
from .engine import Engine
from .errors import DriverError, Interrupted
from .locks import LeftEngine
from .pending import Inventory, NothingOutside
from .record import RunRecord, write_outputs
from .retries import with_timeout
from .settings import EngineSettings, Target
from .teardown import teardown
from .update import update
from .workspace import (
    backend_url,
    drop_workspace,
    emulator_config,
    engine_env,
    prepare_workspace,
    stand_in_stack,
    workspaces_root,
)

_EXPIRY_SUFFIX = re.compile(r"-x(\d{12})$")
ENV_STACK_CONFIG = "netkit:environment"


def find_cli(settings: EngineSettings) -> str:
    """The Pulumi CLI the caller named, else `pulumi` on PATH; otherwise one clear line (nothing is touched)."""
    if settings.pulumi_cli:
        if not Path(settings.pulumi_cli).is_file():
            raise DriverError(f"the Pulumi CLI {settings.pulumi_cli} does not exist")
        return settings.pulumi_cli
    found = shutil.which("pulumi")
    if found:
        return found
    raise DriverError(
        "the Pulumi CLI is not on PATH. Install it (https://www.pulumi.com/docs/install/, the version in "
        "docs/driver.md) or build it with `make pulumi-cli`. Offline policy checks need no CLI: netkit check"
    )


def inventory_for(settings: EngineSettings) -> Inventory:
    """Where pending creates may have left resources: AWS (or the emulator), or nowhere offline."""
    if settings.offline:
        return NothingOutside()
    from .aws_inventory import AwsInventory

    return AwsInventory(settings.aws_region or "us-east-1", settings.emulator_url, settings.aws_timeout_seconds)


def environment_of(stack_file: Path, default: str) -> str:
    if stack_file.is_file():
        config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
        value = config.get(ENV_STACK_CONFIG)
        if isinstance(value, str) and value:
            return value
    return default


def _stand_in_workspace(settings: EngineSettings, target: Target, stack: str) -> Path:
    """The stand-in stack's own copy of the program, kept between runs (its stack file holds the salt the CLI
    wrote at `stack init`); the program files and the environment's config are refreshed each run."""
    work_dir = workspaces_root(settings) / stack
    source = target.program_dir / f"Pulumi.{target.stack}.yaml"
    salt = None
    stack_file = work_dir / f"Pulumi.{stack}.yaml"
    if stack_file.is_file():
        salt = (yaml.safe_load(stack_file.read_text()) or {}).get("encryptionsalt")
        shutil.rmtree(work_dir)
    prepare_workspace(settings, target.program_dir, stack, source if source.is_file() else None, stack)
    if salt:
        content = yaml.safe_load(stack_file.read_text()) if stack_file.is_file() else {}
        stack_file.write_text(yaml.safe_dump({"encryptionsalt": salt, **(content or {})}, sort_keys=False))
    return work_dir


@dataclass
class Session:
    """One engine over one stack for one command, and what must happen on the way out."""

    engine: Engine | None
    record: RunRecord
    outputs_file: Path | None
    work_dir: Path
    settings: EngineSettings
    removed: bool = False

    def finish(self, drop: bool = False) -> None:
        """The state into the record (unless the stack is gone), the record to disk, the private copy away."""
        with signals.shielded():
            if self.engine is not None and not self.removed:
                self.engine.note_state(announce=False)
            write_outputs(self.outputs_file, self.record)
            if drop:
                drop_workspace(self.settings, self.work_dir)


def run_environment(
    action: str,
    target: Target,
    settings: EngineSettings,
    outputs_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> RunRecord:
    """preview / gated `up --plan` / teardown of one stack. `--offline` / `--emulator`: the stack `<env>-offline` /
    `<env>-emu` on a backend of its own, in a private copy of the program (nothing written into the checkout)."""
    env = os.environ if env is None else env
    if action not in ("preview", "up", "destroy"):
        raise DriverError(f"unknown action {action!r}")
    settings.validate()
    target.validate()
    pulumi = find_cli(settings)
    stand_in = settings.offline or bool(settings.emulator_url)
    stack = stand_in_stack(settings, target.stack)
    backend = backend_url(settings, env)
    record = RunRecord(stack, backend=backend)
    work_dir = _stand_in_workspace(settings, target, stack) if stand_in else target.program_dir
    session = Session(None, record, outputs_file, work_dir, settings)
    with signals.SignalGuard(note=_noter(record, settings)):
        try:
            engine = session.engine = Engine(
                replace(target, stack=stack), work_dir, settings, backend, pulumi, env, True, outputs_file, record
            )
            if settings.emulator_url:
                engine.set_config(emulator_config(settings.emulator_url))
            if action == "preview":
                preview(engine)
            elif action == "up":
                update(engine)
            else:
                teardown(engine, inventory_for(settings), remove=False)
        except (DriverError, Interrupted) as exc:
            record.errors.append(str(exc)[:2000])
            raise
        finally:
            session.finish()
    return record


def preview(engine: Engine) -> None:
    started = time.monotonic()
    engine.record.set_gate("skipped", reason="preview only: no update to gate")
    engine.call(
        "preview",
        lambda: engine.stack.preview(
            on_output=engine.settings.on_output,
            policy_packs=engine.policy_packs,
            policy_pack_configs=engine.target.pack_configs(),
        ),
    )
    engine.phase("preview", started, "done")


def _noter(record: RunRecord, settings: EngineSettings) -> Callable[[str], None]:
    def note(line: str) -> None:
        record.signals.append(line)
        settings.on_progress(line)

    return note


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


def stack_expiry_from_name(name: str) -> str | None:
    match = _EXPIRY_SUFFIX.search(name)
    if not match:
        return None
    stamp = match.group(1)
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:00Z"


def ephemeral_create(
    options: EphemeralOptions,
    target: Target,
    settings: EngineSettings,
    env: Mapping[str, str],
    outputs_file: Path | None = None,
    record: RunRecord | None = None,
) -> Engine:
    """A uniquely named stack in a private copy of the program, stamped with expiry, owner and commit."""
    settings.validate()
    target.validate()
    pulumi = find_cli(settings)  # fail before any file is written when there is no CLI
    backend = backend_url(settings, env)
    expires = expiry(options.ttl)
    stamp = expires.replace("-", "").replace(":", "").replace("T", "")[:12]
    name = f"{ephemeral_stack_name(options.prefix, env)[: 100 - 14]}-x{stamp}"
    name = stand_in_stack(settings, name) if settings.offline or settings.emulator_url else name
    base_file = target.program_dir / f"Pulumi.{options.base_stack}.yaml"
    environment = target.environment or environment_of(base_file, options.base_stack)
    work_dir = prepare_workspace(settings, target.program_dir, name, base_file, name)
    record = record or RunRecord(name, backend=backend)
    record.stack = name
    try:
        stack_target = replace(target, stack=name, environment=environment)
        engine = Engine(stack_target, work_dir, settings, backend, pulumi, env, True, outputs_file, record)
        owner = options.owner or env.get("GITHUB_ACTOR") or env.get("USER") or "unknown"
        commit = options.commit or env.get("GITHUB_SHA") or ""
        config = {EXPIRES_KEY: expires, OWNER_KEY: owner, COMMIT_KEY: commit}
        if options.network_stack:
            config["netkit:networkStack"] = options.network_stack
        if settings.emulator_url:
            config.update(emulator_config(settings.emulator_url))
        engine.set_config(config)
        for key, value in (
            (EPHEMERAL_TAG, "true"),
            ("netkit:expires-at", expires),
            ("netkit:owner", owner),
            ("netkit:commit", commit or "unknown"),
        ):
            try:
                engine.call(f"stack tag {key}", _tag_setter(engine, key, value), metadata=True)
            except DriverError as exc:
                record.errors.append(f"stack tag {key} not set ({str(exc).strip()[:200]})")
        record.steps.append(f"created {name}, expires {expires}")
        engine.save()
        return engine
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


def _tag_setter(engine: Engine, key: str, value: str) -> Callable[[], None]:
    return lambda: engine.stack.set_tag(key, value)


def ephemeral_teardown(engine: Engine, inventory: Inventory) -> None:
    """Resolve pending operations, phased destroy, remove the stack. Never while an engine process of this stack
    may still run: a destroy beside a live update corrupts both."""
    if engine.engine_left_running:
        message = "not cleaning up: the stopped engine process is still running; run `ephemeral destroy` later"
        engine.record.errors.append(message)
        raise DriverError(message)
    teardown(engine, inventory, remove=True)


def ephemeral_run(
    options: EphemeralOptions,
    target: Target,
    settings: EngineSettings,
    env: Mapping[str, str],
    outputs_file: Path | None = None,
) -> RunRecord:
    """gate (preview + plan) -> `up --plan` -> post-deploy checks -> teardown -> remove, cleanup in `finally`.

    A first signal stops the CLI and tears down within `interrupt_budget_seconds`; a second skips to the record."""
    record = RunRecord("(not created yet)")
    session = Session(None, record, outputs_file, Path(), settings)
    failure: BaseException | None = None
    with signals.SignalGuard(note=_noter(record, settings)) as guard:
        try:
            engine = session.engine = ephemeral_create(options, target, settings, env, outputs_file, record)
            session.work_dir = engine.work_dir
            update(engine)
            if options.verify is not None:
                failures = options.verify(engine.record.outputs)
                record.steps.append("post-deploy checks")
                if failures:
                    raise DriverError("post-deploy checks failed: " + "; ".join(failures))
        except BaseException as exc:  # noqa: BLE001 - held until the teardown ran, then re-raised
            failure = exc
            if isinstance(exc, DriverError | Interrupted):
                record.errors.append(str(exc)[:2000])
        try:
            if session.engine is not None and not options.keep:
                _teardown_after(session, guard, failure)
        finally:
            session.finish(drop=session.removed)
    if failure is not None:
        raise failure
    return record


def _teardown_after(session: Session, guard: signals.SignalGuard, failure: BaseException | None) -> None:
    """The ephemeral run's cleanup: within the interrupt budget after a signal, skipped after a second one."""
    engine = session.engine
    assert engine is not None
    if (isinstance(failure, Interrupted) and failure.second) or guard.count >= 2:
        session.record.errors.append("teardown skipped: a second signal asked for the record now")
        return
    if guard.interrupted:
        engine.deadline = time.monotonic() + engine.settings.interrupt_budget_seconds
        engine.settings.on_progress(
            f"interrupted: tearing down within {engine.settings.interrupt_budget_seconds:g}s (signal again to skip)"
        )
    try:
        ephemeral_teardown(engine, inventory_for(engine.settings))
        session.removed = True
    except (DriverError, Interrupted) as exc:
        session.record.errors.append(f"cleanup incomplete: {str(exc)[:1000]}")
        if failure is None:
            raise DriverError(f"cleanup incomplete: {exc}") from exc


def _existing_stack_engine(
    name: str,
    target: Target,
    settings: EngineSettings,
    env: Mapping[str, str],
    outputs_file: Path | None,
    left_engine: LeftEngine | None = None,
) -> Engine:
    """An engine over the stack's own workspace copy, or a fresh copy without a stack file (never the program)."""
    pulumi = find_cli(settings)
    backend = backend_url(settings, env)
    work_dir = workspaces_root(settings) / name
    if not work_dir.exists():
        work_dir = prepare_workspace(settings, target.program_dir, name, None, name)
    record = RunRecord(name, backend=backend)
    left = [left_engine] if left_engine is not None else []
    return Engine(
        replace(target, stack=name), work_dir, settings, backend, pulumi, env, False, outputs_file, record, left
    )


def ephemeral_destroy(
    name: str,
    target: Target,
    settings: EngineSettings,
    outputs_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    left_engine: LeftEngine | None = None,
) -> RunRecord:
    """Tear down and remove one stack (a CI cleanup job's command): pending operations first, then destroy.
    `left_engine`: the CLI process the run record names (`--record`), killed with its driver: its lock goes."""
    env = os.environ if env is None else env
    settings.validate()
    target.validate()
    record = RunRecord(name)
    session = Session(None, record, outputs_file, Path(), settings)
    with signals.SignalGuard(note=_noter(record, settings)):
        try:
            engine = session.engine = _existing_stack_engine(name, target, settings, env, outputs_file, left_engine)
            session.record = record = engine.record
            session.work_dir = engine.work_dir
            ephemeral_teardown(engine, inventory_for(settings))
            session.removed = True
        except (DriverError, Interrupted) as exc:
            record.errors.append(str(exc)[:2000])
            raise
        finally:
            session.finish(drop=True)
    return record


def reap(
    target: Target,
    settings: EngineSettings,
    dry_run: bool,
    now: datetime | None = None,
    env: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> list[str]:
    """Tear down and remove each stack of the backend whose expiry (tag, else name suffix) has passed. Stacks
    without a readable expiry are never touched."""
    from ..aws_ops import validate_stack_name

    env = os.environ if env is None else env
    settings.validate()
    target.validate()
    pulumi = find_cli(settings)
    backend = backend_url(settings, env)
    listing_dir = prepare_workspace(settings, target.program_dir, f"reap-{secrets.token_hex(3)}", None, "reap")
    command = InterruptibleCommand(pulumi)
    workspace = auto.LocalWorkspace(
        work_dir=str(listing_dir), pulumi_command=command, env_vars=engine_env(settings, backend, env, {})
    )

    def listing() -> dict[str, dict[str, str]]:
        return {s.name: _tags(workspace, s.name) for s in workspace.list_stacks()}

    try:
        with signals.SignalGuard(note=settings.on_progress):
            tags_of = with_timeout(
                listing,
                settings.metadata_timeout_seconds * 4,
                lambda: _stop(command, settings),
                "list stacks",
            )
    finally:
        shutil.rmtree(listing_dir, ignore_errors=True)
    actions = []
    for name, tags in tags_of.items():
        expires = tags.get("netkit:expires-at") or stack_expiry_from_name(name)
        if not is_expired(expires, now):
            continue
        try:
            validate_stack_name(name)
        except ValueError as exc:
            actions.append(f"skipped {name!r}: {exc}")
            continue
        if dry_run:
            actions.append(f"would destroy and remove {name} (expired {expires})")
            continue
        if limit is not None and sum(a.startswith(("destroyed", "FAILED")) for a in actions) >= limit:
            actions.append(f"left {name} for the next run (--limit {limit})")
            continue
        try:
            ephemeral_destroy(name, target, settings, env=env)
        except DriverError as exc:
            actions.append(f"FAILED to reap {name}: {str(exc)[-300:]}")
            continue
        actions.append(f"destroyed and removed {name} (expired {expires})")
    return actions


def _stop(command: InterruptibleCommand, settings: EngineSettings) -> None:
    command.stop(1.0, settings.kill_wait_seconds)


def _tags(workspace: auto.LocalWorkspace, name: str) -> dict[str, str]:
    try:
        return dict(workspace.list_tags(name))
    except auto.errors.CommandError:
        return {}
