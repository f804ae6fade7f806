"""`netkit check --engine pulumi`: the offline check's question answered by the real Pulumi CLI.

The same inputs as `automation.check.run_check` (program, stack, mode, pack, policy config, --config, fixtures,
timeout) and the same Report, so every format and exit code of `netkit check` holds. What changes is who runs it:
- the program runs under the real engine, on its own interpreter (offline/interpreter.py: Pulumi.yaml's virtualenv,
  else PULUMI_PYTHON_CMD, else python3 on PATH), served through program_host.py (the Python language host cannot be
  built here, see program_host.py);
- every provider is the offline provider (no credentials, no network), registered in a throwaway PULUMI_HOME with a
  throwaway local backend and passphrase (check_stack.py); `--fixtures` reaches its invokes (NETKIT_OFFLINE_FIXTURES);
- the pack is attached with the CLI's own `--policy-pack` / `--policy-pack-config`, and the engine starts,
  configures and calls it; `preview` for --mode preview, `up` (which the Automation API runs with --skip-preview)
  for --mode update;
- the decisions are read from what the engine emitted: policy events for violations, its gRPC log for what the CLI
  never shows (check_decisions.py).

A run that the CLI fails for any reason other than a mandatory violation (the program raised, a provider or the pack
failed, a lookup had no fixture) is an EngineError: one line, plus the program's traceback when it raised.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from ..check import (
    _apply_account_facts,
    _pack_dir,
    _policy_config_file,
    repository_root,
    repository_sources,
    tool_version,
)
from ..driver.command import InterruptibleCommand
from ..offline.engine import Mode
from ..offline.fixtures import load_fixtures
from ..offline.interpreter import resolve_interpreter
from ..offline.masking import Masker
from ..offline.pack_process import resolve_launch
from ..offline.policy_config import PolicyConfigEntry, load_policy_config
from ..offline.report import Report, Source, capacity_rows, cost_estimate
from ..offline.stack_config import StackConfig, load_stack_config
from ..preflight.facts import AccountConcurrency
from .check_decisions import PolicyEventView, engine_decisions, plain_message
from .check_log import read_engine_log
from .check_stack import AMBIENT_WARNING, SandboxError, create_stack, sandbox
from .tools import CliNotFound, find_pulumi_cli, program_host_argv

STOP_GRACE_SECONDS = 10.0

__all__ = ["CliNotFound", "EngineError", "SandboxError", "run_real_check"]


class EngineError(Exception):
    """The real CLI failed the run for a reason other than a mandatory policy violation."""

    def __init__(self, message: str, program_traceback: str = "") -> None:
        super().__init__(message)
        self.program_traceback = program_traceback


def _command(cli: Path, python: str, program_dir: Path, main: Path | None) -> InterruptibleCommand:
    """The CLI with every command line going through program_host.py (tools.program_host_argv), started in its own
    session so a timeout or an interrupt stops the CLI and every plugin it started (driver/command.py)."""

    def argv(pulumi: str, args: list[str], cwd: str) -> list[str]:
        return program_host_argv(python, program_dir, main, Path(pulumi), args)

    return InterruptibleCommand(str(cli), argv=argv)


def _run_stopping(operation: Callable[[], Any], command: InterruptibleCommand, timeout: float) -> BaseException | None:
    """Run the Automation API operation on a worker thread; the error it raised, if any. On timeout, or when this
    thread is interrupted (SIGINT/SIGTERM raise in the main thread), the CLI's whole session is stopped first."""
    outcome: dict[str, BaseException] = {}

    def work() -> None:
        try:
            operation()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="netkit-engine", daemon=True)
    worker.start()
    try:
        worker.join(timeout)
    except BaseException:
        command.stop(STOP_GRACE_SECONDS)
        worker.join(STOP_GRACE_SECONDS * 3)
        raise
    if worker.is_alive():
        command.stop(STOP_GRACE_SECONDS)
        worker.join(STOP_GRACE_SECONDS * 3)
        raise EngineError(
            f"the Pulumi CLI did not finish within the timeout of {timeout:g} seconds (--timeout) and was stopped"
        )
    return outcome.get("error")


def policy_config_document(entries: Mapping[str, PolicyConfigEntry]) -> dict[str, Any]:
    """Policy config entries as the JSON file `--policy-pack-config` reads (analyzer/config.go
    parsePolicyPackConfig: a level string, or an object with `enforcementLevel` beside the properties)."""
    document: dict[str, Any] = {}
    for name, entry in entries.items():
        if entry.properties:
            document[name] = {
                **entry.properties,
                **({"enforcementLevel": entry.enforcement} if entry.enforcement else {}),
            }
        elif entry.enforcement:
            document[name] = entry.enforcement
    return document


def read_events(path: Path) -> list[auto.EngineEvent]:
    """The engine events the CLI wrote with `--event-log` (one JSON object per line; a line cut short by a killed
    CLI is skipped), as the Automation API reads them (pulumi/automation/events.py EngineEvent.from_json)."""
    events: list[auto.EngineEvent] = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return events
    for line in lines:
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            events.append(auto.EngineEvent.from_json(data))
    return events


def _policy_events(events: list[auto.EngineEvent]) -> list[PolicyEventView]:
    return [
        PolicyEventView(
            policy=e.policy_event.policy_name,
            enforcement=e.policy_event.enforcement_level,
            urn=e.policy_event.resource_urn or "",
            message=e.policy_event.message,
        )
        for e in events
        if e.policy_event is not None
    ]


_INLINE_ERROR = "python inline source runtime error:"  # pulumi/automation/_server.py LanguageServer.Run
_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


def _failure(error: BaseException, events: list[auto.EngineEvent], python: str) -> EngineError:
    """The first error the engine reported, as one line (naming the resource it concerns), the program's traceback
    apart when the program itself raised. The first error is the cause: the ones after it are the engine winding
    down ("preview failed", the program's "context canceled" once the monitor is gone)."""
    errors = [
        e.diagnostic_event
        for e in events
        if e.diagnostic_event is not None
        and e.diagnostic_event.severity == "error"
        and plain_message(e.diagnostic_event.message).strip()
    ]
    if errors:
        first = errors[0]
        text = plain_message(first.message).strip()
        if text.startswith(_INLINE_ERROR):
            head, _, traceback = text.partition("\n")
            return EngineError(
                f"the program failed under the Pulumi CLI: {head[len(_INLINE_ERROR) :].strip()}", traceback.strip()
            )
        line = text.splitlines()[0]
        urn = first.urn or ""
        if urn:
            line = f"{urn.rsplit('::', 1)[-1]}: {line}"
        if f"::{STACK_REFERENCE_TYPE}::" in urn:
            line += (
                " (a StackReference reads the check's throwaway backend, which holds no other stack: the fixtures' "
                "stackReferences answer it under --engine offline only)"
            )
        return EngineError(f"the Pulumi CLI failed: {line}")
    stderr = str(error)  # CommandError's text holds the CLI's (here: program_host's) stderr
    missing = _MISSING_MODULE.search(stderr)
    if missing is not None:
        return EngineError(
            f"the program's interpreter {python} cannot import {missing.group(1)}, which program_host.py needs to "
            "serve the program to the CLI; install the program's requirements (the Pulumi SDK) into it"
        )
    line = next((s.strip() for s in stderr.splitlines() if s.strip().startswith("error:")), "")
    if line:
        return EngineError(f"the Pulumi CLI failed: {line[len('error:') :].strip()}")
    code = re.search(r"code: (-?\d+)", stderr)
    status = f"exit status {code.group(1)}" if code else type(error).__name__
    return EngineError(f"the Pulumi CLI failed ({status}) and reported no error")


def run_real_check(
    program_dir: Path | str = ".",
    stack: str = "dev",
    mode: Mode = "preview",
    policy_pack: Path | str | None = None,
    policy_config: Path | str | None = None,
    *,
    config_overrides: Mapping[str, str] | None = None,
    stack_named: bool = False,
    fixtures: Path | str | None = None,
    timeout: float = 600.0,
    account_facts: AccountConcurrency | None = None,
    cli: Path | str | None = None,
) -> Report:
    """Run the program in `mode` under the real CLI with the pack attached; the offline check's Report, masked as
    run_check masks it (no known secret in it or in an error).

    Raises CliNotFound, ProgramLoadError, PolicyPackError (and PolicyConfigError), AccountFactsError,
    SandboxError or EngineError."""
    program_dir = Path(program_dir).resolve()
    cli_path = Path(cli) if cli is not None else find_pulumi_cli()
    overrides = dict(config_overrides or {})
    config = load_stack_config(program_dir, stack, overrides=overrides, stack_named=stack_named)
    masker = Masker(config.secret_values())
    try:
        report = _run_real_check(
            program_dir, config, stack, mode, policy_pack, policy_config, overrides, fixtures, timeout, account_facts,
            cli_path,
        )  # fmt: skip
    except Exception as exc:
        masker.scrub(exc)
        raise
    return masker.mask_data(report)


def _run_real_check(
    program_dir: Path,
    config: StackConfig,
    stack: str,
    mode: Mode,
    policy_pack: Path | str | None,
    policy_config: Path | str | None,
    overrides: dict[str, str],
    fixtures: Path | str | None,
    timeout: float,
    account_facts: AccountConcurrency | None,
    cli_path: Path,
) -> Report:
    environment = config.get("netkit:environment") or stack
    fixtures_path = Path(fixtures) if fixtures is not None else None
    if fixtures_path is not None:
        load_fixtures(fixtures_path)  # the offline check's validation and messages
    interpreter = resolve_interpreter(config.root.resolve(), program_dir, config.runtime_options)
    main = config.main.resolve()
    entry = main.parent if main.name == "__main__.py" else main
    with _pack_dir(policy_pack) as pack_dir:
        # A missing pack or virtualenv: the offline check's one-line error, before the CLI. The CLI runs the pack as
        # an executable analyzer here, so it cannot read PulumiPolicy.yaml's version as it does for a pack
        # directory (analyzer_plugin.go GetAnalyzerInfo): the report takes it from there.
        manifest_version = resolve_launch(pack_dir).version
        config_path = _policy_config_file(policy_config, pack_dir, environment)
        user_config, config_warnings = load_policy_config(config_path)
        account_note = _apply_account_facts(user_config, account_facts, config.region)
        with sandbox(cli_path, interpreter.python, pack_dir.resolve(), fixtures_path) as box:
            if account_note:  # the engine reads the policy config from a file: the one with the account's facts
                config_path = box.root / "policy-config.json"
                config_path.write_text(json.dumps(policy_config_document(user_config)), encoding="utf-8")
            command = _command(box.cli, interpreter.python, program_dir, None if entry == program_dir else entry)
            project_dir = create_stack(box, command, program_dir, stack, config, overrides)
            event_log = box.root / "events.jsonl"
            args = [
                *(["preview"] if mode == "preview" else ["up", "--yes", "--skip-preview"]),
                "--stack",
                stack,
                "--policy-pack",
                str(box.pack),
                *(["--policy-pack-config", str(config_path.resolve())] if config_path is not None else []),
                "--event-log",
                str(event_log),
                "--color",
                "never",
                "--exec-kind",
                "auto.local",
            ]
            # PULUMI_DEBUG_COMMANDS registers `--event-log` (pkg/cmd/pulumi/operations/preview.go); the Automation
            # API sets it for the same reason (pulumi/automation/_stack.py _run_pulumi_cmd_sync).
            env = {**box.env, "PULUMI_DEBUG_COMMANDS": "true"}
            error = _run_stopping(lambda: command.run(args, str(project_dir), env), command, timeout)
            events = read_events(event_log)
            log = read_engine_log(box.engine_log)
    views = _policy_events(events)
    decisions = engine_decisions(log, views, user_config)
    if error is not None and not any(v.enforcement == "mandatory" for v in decisions.result.violations):
        raise _failure(error, events, interpreter.python)
    notes = list(config.notes)
    if account_note:
        notes.append(account_note)
    if config_path is None:
        notes.append(f"no policy config for environment {environment!r}: the pack's defaults apply")
    if mode == "update" and error is not None and not decisions.analyzed:
        notes.append(
            "the update stopped at the first resource with a mandatory violation (the engine does not create an "
            "invalid resource), so the stack policies did not run"
        )
    root = repository_root(program_dir)
    analyzed = [r for r in decisions.resources if not r.read]
    return Report(
        stack=stack,
        mode=mode,
        resources=[{"urn": r.urn, "type": r.type, "name": r.name} for r in decisions.resources],
        violations=decisions.result.violations,
        not_run=decisions.result.not_run,
        warnings=[*config_warnings, *decisions.result.warnings, *_warnings(events)],
        notes=notes,
        capacity=capacity_rows(decisions.resources, decisions.properties.get("lambda-subnet-capacity", {})),
        cost=cost_estimate(analyzed, environment, config.region),
        environment=environment,
        suppressed=decisions.result.suppressed,
        sources=repository_sources(decisions.resources, root),
        rules=decisions.result.rules,
        tool_version=tool_version(),
        pack_name=decisions.result.pack_name,
        pack_version=manifest_version or decisions.result.pack_version,
        entry_point=Source((main.relative_to(root) if main.is_relative_to(root) else main).as_posix(), 1),
    )


def _warnings(events: list[auto.EngineEvent]) -> list[str]:
    """What the program logged as warnings (pulumi.log.warn), as the offline check reports them."""
    found = [
        plain_message(e.diagnostic_event.message).strip()
        for e in events
        if e.diagnostic_event is not None and e.diagnostic_event.severity == "warning"
    ]
    return [w for w in found if not (w.startswith("using pulumi-resource-") and AMBIENT_WARNING in w)]
