"""One stack in one workspace directory: every CLI call with a deadline, retries for known transient errors, a
stop that escalates and confirms the engine gone, and the state read back into the run record.

Every step of the flow (gate.py, update.py, teardown.py) runs its CLI calls through `Engine.call`; none of them
starts a process of its own. A deadline or a signal to the driver ends a call the same way (`stop_engine`):
SIGINT, `--cancel-grace`, a second SIGINT, SIGKILL of the CLI's session; then the lock (locks.py); then the
exported state tells which operations were left pending.

Each CLI process is noted while it runs (`engine_process` in the record, a marker under `<state dir>/engines/`):
if the driver is killed together with it, its lock stays, and the next engine over the stack (`ephemeral destroy
--record`, the next run on this state directory) removes exactly that lock once the process is gone
(`clear_left_locks`, locks.py `remove_left_lock`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pulumi import automation as auto

from . import locks, signals
from .command import (
    PROGRAM_COMMANDS,
    ArgvBuilder,
    InterruptibleCommand,
    direct_argv,
    program_python,
    program_virtualenv,
)
from .errors import (
    DriverError,
    EngineTimeoutError,
    Interrupted,
    PlanRefusedError,
    PolicyViolationError,
    error_text,
)
from .locks import LeftEngine
from .record import RunRecord, write_outputs
from .retries import (
    credentials_error,
    credentials_problem,
    is_plan_refusal,
    is_policy_failure,
    with_retries,
    with_timeout,
)
from .settings import METADATA_GRACE_SECONDS, EngineSettings, Target
from .workspace import engine_env, install_offline_provider, is_private_copy, offline_env

T = TypeVar("T")


def program_host_argv(program_dir: Path) -> ArgvBuilder:
    """Commands that run the program go through `program_host` under the program's own interpreter, which serves
    the program with pulumi.automation's LanguageServer and gives the CLI `--client=...` (there is no Python
    language host here); the rest run the CLI directly."""
    from ..real_engine.tools import program_host_argv as host_argv

    python = program_python(program_dir)

    def build(pulumi: str, args: list[str], cwd: str) -> list[str]:
        verb = next((a for a in args if not a.startswith("-")), "")
        if verb in PROGRAM_COMMANDS:
            return host_argv(python, Path(cwd), None, Path(pulumi), args)
        return [pulumi, *args]

    return build


def pack_arguments(target: Target, pulumi: str, packs_dir: Path) -> list[str]:
    """What `--policy-pack` must name for this CLI. A CLI with the Python language plugin runs a pack directory;
    without it (this test bed: the module proxy does not serve pulumi-language-python) the CLI launches an
    executable given as the pack, which netkit writes (real_engine/tools.py `policy_pack_executable`)."""
    packs = target.packs()
    search = os.pathsep.join([str(Path(pulumi).parent), os.environ.get("PATH", "")])
    if not packs or shutil.which("pulumi-language-python", path=search):
        return packs
    from ..real_engine.tools import policy_pack_executable

    return [
        str(_dies_with_its_parent(policy_pack_executable(Path(pack), packs_dir / "inner"), packs_dir)) for pack in packs
    ]


_TIE = "import ctypes, os, sys; ctypes.CDLL(None).prctl(1, 15, 0, 0, 0); os.execv(sys.argv[1], sys.argv[1:])"


def _dies_with_its_parent(executable: Path, into: Path) -> Path:
    """The pack executable, started with PR_SET_PDEATHSIG = SIGTERM (kept across exec): a policy pack does not watch
    its parent, so if the CLI dies without closing it (killed, or dead of SIGPIPE after the driver was killed) the
    pack would run on forever."""
    wrapper = into / executable.name
    wrapper.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(_TIE)} {shlex.quote(str(executable))} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def error_summary(text: str, limit: int = 5) -> str:
    """The CLI's `error:` lines (its diagnostics say what failed), else the end of its output."""
    seen: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("error:") and stripped not in seen:
            seen.append(stripped)
    return "; ".join(seen[:limit])[:1500] if seen else text.strip()[-800:]


def project_name(work_dir: Path) -> str:
    try:
        return str((yaml.safe_load((work_dir / "Pulumi.yaml").read_text()) or {}).get("name", ""))
    except (OSError, yaml.YAMLError):
        return ""


class Engine:
    """One stack in one workspace directory, with deadlines and retries on every engine call."""

    def __init__(
        self,
        target: Target,
        work_dir: Path,
        settings: EngineSettings,
        backend: str,
        pulumi: str,
        env: Mapping[str, str],
        create: bool = True,
        outputs_file: Path | None = None,
        record: RunRecord | None = None,
        left_engines: Iterable[LeftEngine] = (),
    ) -> None:
        self.target, self.work_dir, self.settings, self.backend = target, work_dir, settings, backend
        self.outputs_file = outputs_file
        self.record = record or RunRecord(target.stack, backend=backend)
        self.started = time.monotonic()
        self.deadline: float | None = None  # an overall budget (teardown after a signal)
        self.engine_left_running = False  # set when a stopped engine could not be confirmed gone: no cleanup then
        self.project = project_name(work_dir)
        self.policy_packs = pack_arguments(target, pulumi, settings.state_dir / "packs")
        if backend.startswith("file://"):  # the CLI does not create a local backend's directory itself
            Path(backend[len("file://") :].split("?")[0]).mkdir(parents=True, exist_ok=True)
        extra = offline_env(settings) if settings.offline else {}
        venv = program_virtualenv(work_dir)
        if venv is not None:
            # The CLI hands a project's runtime options to provider plugins as PULUMI_RUNTIME_<OPTION>
            # (pkg/resource/plugin/provider_plugin.go); a program served with --client gives it none, so the
            # dynamic-provider plugin (pulumi-resource-pulumi-python) would not find the program's virtualenv.
            extra = {"PULUMI_RUNTIME_VIRTUALENV": str(venv), **extra}
        if settings.offline:
            install_offline_provider(settings, program_python(work_dir))
        self.command = InterruptibleCommand(
            pulumi, argv=program_host_argv(work_dir) if settings.program_host else direct_argv
        )
        self.command.on_engine = self._engine_changed
        self.workspace = auto.LocalWorkspace(
            work_dir=str(work_dir), pulumi_command=self.command, env_vars=engine_env(settings, backend, env, extra)
        )
        opener = auto.Stack.create_or_select if create else auto.Stack.select
        self.stack: auto.Stack = self.call("open stack", lambda: opener(target.stack, self.workspace), metadata=True)
        self.clear_left_locks(left_engines)

    # --- record ------------------------------------------------------------------------------------------
    def save(self) -> None:
        with signals.shielded():
            write_outputs(self.outputs_file, self.record)

    def phase(self, name: str, started: float, result: str, details: list[str] | None = None) -> None:
        seconds = round(time.monotonic() - started, 1)
        self.record.phases.append({"phase": name, "seconds": seconds, "result": result, "details": details or []})
        self.settings.on_progress(f"{name}: {result} ({seconds:g}s)")
        self.save()

    def set_config(self, config: Mapping[str, str]) -> None:
        """`pulumi config set-all` writes Pulumi.<stack>.yaml in the workspace directory: only ever a private copy."""
        if not is_private_copy(self.settings, self.work_dir):
            raise DriverError(
                "refusing to write stack config into the program directory; this run needs a private workspace copy"
            )
        values = {key: auto.ConfigValue(value) for key, value in config.items()}
        self.call("set config", lambda: self.stack.set_all_config(values), metadata=True)

    # --- the CLI process of the moment, and those an earlier run left -----------------------------------------
    def _marker(self, pid: int) -> Path:
        return self.settings.state_dir / "engines" / f"{pid}.json"

    def _engine_changed(self, pid: int | None) -> None:
        """From the thread that runs the CLI (so no `signals.shielded`): its pid once known, None once it exited."""
        previous = LeftEngine.parse(self.record.engine_process)
        with contextlib.suppress(OSError):
            if pid is None:
                if previous is not None:
                    self._marker(previous.pid).unlink(missing_ok=True)
            else:
                marker = self._marker(pid)
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(
                    json.dumps(
                        {"pid": pid, "host": socket.gethostname(), "stack": self.target.stack, "backend": self.backend}
                    )
                )
        self.record.engine_process = None if pid is None else LeftEngine(pid, socket.gethostname()).as_dict()
        write_outputs(self.outputs_file, self.record)

    def clear_left_locks(self, given: Iterable[LeftEngine] = ()) -> None:
        """Remove the lock(s) an earlier run's CLI left when it was killed with its driver: the process a run record
        names (`ephemeral destroy --record`) and those the markers of this state directory name for this stack
        and backend. Exactly those locks, once their process is gone; never another job's."""
        host = socket.gethostname()
        markers: dict[LeftEngine, Path] = {}
        for path in sorted((self.settings.state_dir / "engines").glob("*.json")):
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            left = LeftEngine.parse(data)
            if left is not None and data.get("stack") == self.target.stack and data.get("backend") == self.backend:
                markers[left] = path
        candidates = list(dict.fromkeys([*given, *markers]))
        if not candidates:
            return
        started = time.monotonic()
        details = []
        for left in candidates:
            try:
                details.append(locks.remove_left_lock(self.backend, self.project, self.target.stack, left, host))
            except Exception as exc:  # noqa: BLE001 - the record says what went wrong; the command goes on
                details.append(f"could not check the lock of engine process {left.pid} ({type(exc).__name__})")
                continue
            if left in markers and not (left.host == host and locks.process_alive(left.pid)):
                markers[left].unlink(missing_ok=True)
        removed = sum("removed the lock" in line for line in details)
        self.phase("locks left by an earlier run", started, f"{removed} removed", details)

    # --- engine calls ------------------------------------------------------------------------------------
    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def call(self, describe: str, operation: Callable[[], T], metadata: bool = False, attempts: int | None = None) -> T:
        """Run one Automation API call under a deadline (and the overall budget, if any), retried only for known
        transient errors; a CLI failure becomes the driver error that says what happened."""
        timeout = self.settings.metadata_timeout_seconds if metadata else self.settings.timeout_seconds
        left = self.remaining()
        if left is not None:
            if left <= 0:
                raise EngineTimeoutError(f"{describe}: the budget after the interruption is spent; not started")
            timeout = min(timeout, left)
        grace = min(self.settings.cancel_grace_seconds, METADATA_GRACE_SECONDS) if metadata else None

        def attempt() -> T:
            return with_timeout(
                operation,
                timeout,
                lambda: self.stop_engine(describe, f"timed out after {timeout:g}s", grace),
                describe,
                join_seconds=30,
                on_interrupt=lambda signal: self.stop_engine(describe, str(signal), grace),
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
            raise self.failure(describe, exc) from exc
        self.record.steps.append(describe)
        return result

    def failure(self, describe: str, exc: auto.errors.CommandError) -> DriverError:
        text = error_text(exc)
        if is_policy_failure(text):
            return PolicyViolationError(f"{describe} was blocked by a mandatory policy violation")
        if is_plan_refusal(text):
            lines = [line.strip() for line in text.splitlines() if "plan" in line and "error" in line.lower()]
            return PlanRefusedError(
                f"{describe}: the update plan refused a change the gate did not judge (the program or its inputs "
                f"changed since the preview): {'; '.join(lines[:3]) or 'see the output'}"
            )
        problem = credentials_problem(text)
        if problem is not None and self.settings.offline:
            return DriverError(
                f"{describe}: offline, yet something asked AWS for credentials ({problem}): a dynamic provider of "
                "the program calls AWS itself, which the offline provider cannot stand in for. Run an environment "
                "without it offline, or use --emulator"
            )
        if problem is not None:
            return credentials_error(problem, describe, time.monotonic() - self.started)
        return DriverError(f"{describe} failed: {error_summary(text)}")

    def stop_engine(self, describe: str, why: str, grace: float | None = None) -> None:
        """The deadline passed or the driver was signalled: stop the CLI, confirm it gone, then see to the lock."""
        with signals.shielded():
            started = time.monotonic()
            hurry = signals.hurry_event()
            report = self.command.stop(
                self.settings.cancel_grace_seconds if grace is None else grace,
                self.settings.kill_wait_seconds,
                hurry=hurry,
                hurried_kill_wait_seconds=self.settings.signal_kill_wait_seconds,
            )
            self.record.errors.append(f"{describe}: {why}")
            if report is None:
                self.phase(f"stop {describe}", started, "no engine process was running")
                return
            details = list(report.steps)
            if report.gone and report.forced:
                details.append(self.after_forced_stop(report.session_pids, report.killed))
            outcome = "engine stopped" if report.gone else "engine NOT confirmed gone"
            self.phase(f"stop {describe}", started, outcome, details)
            if not report.gone:
                self.engine_left_running = True
                raise DriverError(
                    f"{describe}: engine process {report.pid} could not be confirmed gone; not cleaning up"
                )

    def after_forced_stop(self, pids: list[int], killed: bool) -> str:
        """The lock: on a DIY backend only the lock naming our own dead process goes; on Pulumi Cloud
        `pulumi cancel` only for our own update, still active (locks.py)."""
        try:
            if locks.is_diy(self.backend):
                return locks.remove_own_locks(
                    self.backend, self.project, self.stack.name, pids, socket.gethostname()
                ).reason
            if not killed:
                return "the engine terminated on the second SIGINT and ended its update itself"
            return self.cancel_our_cloud_update()
        except Exception as exc:  # noqa: BLE001 - the record says what went wrong; the stop itself succeeded
            return f"could not check the stack's lock ({type(exc).__name__}: {str(exc)[:200]})"

    def cancel_our_cloud_update(self) -> str:
        version = locks.update_version(self.command.output_tail)
        history = self.stack.history(page_size=1, page=1)
        latest = {"version": history[0].version, "result": history[0].result} if history else None
        allowed, reason = locks.cloud_cancel_allowed(version, latest)
        if allowed:
            self.stack.cancel()
        return reason

    # --- state -------------------------------------------------------------------------------------------
    def export(self) -> dict[str, Any]:
        deployment = self.call("export state", lambda: self.stack.export_stack(), metadata=True)
        return dict(deployment.deployment or {})

    def note_state(self, announce: bool = True) -> dict[str, Any] | None:
        """Export the state into the record (`pending_operations`, `resources_in_state`) and say, on the terminal,
        what may exist in AWS without the state knowing. Never raises: it runs on the way out of failures."""
        if self.engine_left_running:
            return None
        try:
            deployment = self.export()
        except (DriverError, Interrupted) as exc:
            self.record.warnings.append(f"could not export the state at the end: {str(exc)[:300]}")
            return None
        self.record.note_state(deployment)
        if announce:
            for op in self.record.pending:
                self.settings.on_progress(f"PENDING {op.operation}: {op.describe()}")
        self.save()
        return deployment

    def aws_region(self, regions: set[str]) -> str:
        if self.settings.aws_region:
            return self.settings.aws_region
        if len(regions) == 1:
            return next(iter(regions))
        with contextlib.suppress(auto.errors.CommandError):
            return str(self.stack.get_config("aws:region").value)
        return "us-east-1"
