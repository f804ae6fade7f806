"""The Pulumi CLI as `pulumi.automation` runs it, but in a session of its own that the driver can stop, and with the
program served through `program_host` (the CLI cannot start a Python program here: there is no Python language
host, so the program is served by pulumi.automation's LanguageServer and the CLI is given `--client=...`).

`LocalWorkspace` and `Stack` build every command line (`up --yes --skip-preview`, `--plan`, `--save-plan`,
`--policy-pack`, `--event-log`, `--stack`, ...) and hand it to `PulumiCommand.run`
(site-packages/pulumi/automation/_stack.py `_run_pulumi_cmd_sync`, `_parse_extra_args`). That `run`
(site-packages/pulumi/automation/_cmd.py) starts a plain `subprocess.Popen` and keeps it local, so nothing could
signal it. This subclass keeps the Automation API's arguments, environment (`--non-interactive` first,
`PULUMI_AUTOMATION_API=true`, the bundled-plugin PATH fix-up) and output handling, and adds: its own session
(`start_new_session=True`), a handle `stop()` escalates on (processes.stop_process), and a registry of every CLI
session still running, which the driver kills before it exits (`kill_all`), so nothing it started outlives it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from pulumi.automation import PulumiCommand
from pulumi.automation._cmd import CommandResult, OnOutput, _fixup_path, _parse_and_validate_pulumi_version
from pulumi.automation._minimum_version import _MINIMUM_VERSION
from pulumi.automation.errors import create_command_error

from .processes import StopReport, kill_session, stop_process

# Commands that run the program (the CLI needs a language runtime for them): served through program_host.
PROGRAM_COMMANDS = frozenset({"up", "preview", "refresh", "destroy"})

_PR_SET_PDEATHSIG = 1
# looked up once here: between fork and exec (preexec_fn) nothing may start a process or take an import lock
_LIBC_NAME = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
_LIBC = ctypes.CDLL(_LIBC_NAME, use_errno=True) if _LIBC_NAME else None
_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()

ArgvBuilder = Callable[[str, list[str], str], list[str]]


def _die_with_parent(death_signal: int) -> None:
    """In the child before exec: receive `death_signal` when the driver's thread that started it dies (Linux
    PR_SET_PDEATHSIG; a no-op elsewhere). The starting thread lives until the command ends (engine.py waits in it)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0)


def direct_argv(pulumi: str, args: list[str], cwd: str) -> list[str]:
    return [pulumi, *args]


def kill_all() -> list[int]:
    """SIGKILL the session of every CLI process still running (the driver is about to exit); their pids."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        kill_session(process)
    return [process.pid for process in running]


def running_count() -> int:
    with _RUNNING_LOCK:
        return sum(1 for process in _RUNNING if process.poll() is None)


class InterruptibleCommand(PulumiCommand):
    """`PulumiCommand` whose running CLI process can be interrupted, killed and confirmed gone."""

    def __init__(self, pulumi: str, argv: ArgvBuilder = direct_argv) -> None:
        """`pulumi`: the CLI's path, wherever it lives (`PulumiCommand(root=...)` insists on `<root>/bin/pulumi`).
        Its version is read as `PulumiCommand` reads it, and checked against the SDK's minimum."""
        env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
        current = subprocess.check_output([pulumi, "version"], env=env, stdin=subprocess.DEVNULL).decode().strip()
        self.command = pulumi
        self.version = _parse_and_validate_pulumi_version(_MINIMUM_VERSION, current.removeprefix("v"), False)
        self._argv = argv
        self._lock = threading.Lock()
        self._running: subprocess.Popen[str] | None = None
        self.output_tail: deque[str] = deque(maxlen=400)  # the permalink on Pulumi Cloud, diagnostics

    @property
    def running_pid(self) -> int | None:
        with self._lock:
            return self._running.pid if self._running is not None else None

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: OnOutput | None = None,
        on_error: OnOutput | None = None,
    ) -> CommandResult:
        """Same contract as `PulumiCommand.run` (raises `CommandError` on a non-zero exit)."""
        separator = args.index("--") if "--" in args else len(args)
        if "--non-interactive" not in args[:separator]:
            args.insert(0, "--non-interactive")
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        if os.path.isabs(self.command):
            env = _fixup_path(env, os.path.dirname(self.command))
        stdout_chunks: list[str] = []
        stderr_chunks: list[str] = []
        tail = self.output_tail

        def consume(stream: IO[str], callback: OnOutput | None, chunks: list[str]) -> None:
            for line in iter(stream.readline, ""):
                stripped = line.rstrip()
                if callback:
                    callback(stripped)
                chunks.append(stripped)
                tail.append(stripped)
            stream.close()

        argv = self._argv(self.command, args, cwd)
        # If the driver itself is killed (SIGKILL cannot be caught), its child must not run on: the CLI gets
        # SIGTERM (its graceful cancel; the lock is released), program_host gets SIGKILL and then gives the CLI
        # SIGTERM itself (program_host.py `_die_with_parent`).
        death_signal = signal.SIGTERM if argv[0] == self.command else signal.SIGKILL
        with subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            encoding="utf-8",
            start_new_session=True,  # its own session and process group: ours to signal, never our own
            preexec_fn=lambda: _die_with_parent(death_signal),
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            with self._lock:
                self._running = process
            with _RUNNING_LOCK:
                _RUNNING.add(process)
            readers = [
                threading.Thread(target=consume, args=(process.stdout, on_output, stdout_chunks), daemon=True),
                threading.Thread(target=consume, args=(process.stderr, on_error, stderr_chunks), daemon=True),
            ]
            try:
                for reader in readers:
                    reader.start()
                for reader in readers:
                    reader.join()
                process.wait()
            finally:
                with self._lock:
                    if self._running is process:
                        self._running = None
                with _RUNNING_LOCK:
                    _RUNNING.discard(process)
        code = process.returncode
        result = CommandResult(stdout="\n".join(stdout_chunks), stderr="\n".join(stderr_chunks), code=code)
        if process.returncode != 0:
            raise create_command_error(result)
        return result

    def stop(
        self,
        grace_seconds: float,
        kill_wait_seconds: float = 10.0,
        hurry: threading.Event | None = None,
        hurried_kill_wait_seconds: float | None = None,
    ) -> StopReport | None:
        """Interrupt the running CLI (if any) and return once it and its plugins are gone."""
        with self._lock:
            process = self._running
        if process is None:
            return None
        return stop_process(
            process, grace_seconds, kill_wait_seconds, hurry=hurry, hurried_kill_wait_seconds=hurried_kill_wait_seconds
        )


def program_virtualenv(program_dir: Path) -> Path | None:
    """The program's Pulumi.yaml `virtualenv` option (relative to the program) when it holds an interpreter."""
    import yaml

    try:
        project = yaml.safe_load((program_dir / "Pulumi.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        project = {}
    runtime = project.get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if isinstance(venv, str) and venv:
        path = Path(venv) if Path(venv).is_absolute() else program_dir / venv
        if (path / "bin" / "python").exists():
            return path.resolve()
    return None


def program_python(program_dir: Path) -> str:
    """The program's interpreter: its virtualenv's, else ours."""
    venv = program_virtualenv(program_dir)
    return str(venv / "bin" / "python") if venv is not None else sys.executable
