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

The CLI's stdout and stderr are not pipes but anonymous temporary files (O_TMPFILE: never on disk by name, freed
when the last process holding them exits) that the driver reads as they grow (`_Tail`). With pipes, a driver killed
by SIGKILL took the reading end with it: the CLI, cancelling on its parent-death signal, died of SIGPIPE on its
next line (Go exits on EPIPE on fds 1 and 2) and left its lock behind. A file can always be written: the CLI
finishes cancelling and releases its lock itself. Which process the CLI is (its pid is what its lock names) is
reported to `on_engine` as soon as it is known, and None once it has exited, so the run record can name the
process a killed driver left (engine.py).
"""

from __future__ import annotations

import codecs
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from pulumi.automation import PulumiCommand
from pulumi.automation._cmd import CommandResult, OnOutput, _fixup_path, _parse_and_validate_pulumi_version
from pulumi.automation._minimum_version import _MINIMUM_VERSION
from pulumi.automation.errors import create_command_error

from ..parent_death import with_parent_death_signal
from .processes import StopReport, kill_session, session_members, stop_process

# Commands that run the program (the CLI needs a language runtime for them): served through program_host.
PROGRAM_COMMANDS = frozenset({"up", "preview", "refresh", "destroy"})

_RUNNING: set[subprocess.Popen[Any]] = set()
_RUNNING_LOCK = threading.Lock()
OUTPUT_POLL_SECONDS = 0.05  # how often a quiet output file is read again
ENGINE_PID_POLL_SECONDS = 0.05

ArgvBuilder = Callable[[str, list[str], str], list[str]]
EngineWatcher = Callable[[int | None], None]


class _Tail:
    """Lines of an output file the CLI writes, read as it grows (os.pread: our own offset, the CLI's untouched),
    decoded as `subprocess.Popen(encoding="utf-8")` would (universal newlines)."""

    def __init__(self, stream: IO[bytes], callback: OnOutput | None, chunks: list[str], tail: deque[str]) -> None:
        self.fd = stream.fileno()
        self.callback, self.chunks, self.tail = callback, chunks, tail
        self.decoder = io.IncrementalNewlineDecoder(codecs.getincrementaldecoder("utf-8")("replace"), translate=True)

    def _emit(self, line: str) -> None:
        stripped = line.rstrip()
        if self.callback:
            self.callback(stripped)
        self.chunks.append(stripped)
        self.tail.append(stripped)

    def follow(self, finished: threading.Event) -> None:
        """Deliver each complete line; once `finished` is set (the process has exited), the rest."""
        offset, partial = 0, ""
        while True:
            done = finished.is_set()  # read before the file: after the exit one more read gets everything
            data = os.pread(self.fd, 65536, offset)
            if data:
                offset += len(data)
                *lines, partial = (partial + self.decoder.decode(data)).split("\n")
                for line in lines:
                    self._emit(line)
                continue
            if done:
                partial += self.decoder.decode(b"", final=True)
                for line in partial.split("\n") if partial else []:
                    self._emit(line)
                return
            finished.wait(OUTPUT_POLL_SECONDS)


def _engine_pid(process: subprocess.Popen[Any], direct: bool) -> int | None:
    """The CLI's own pid (the one its lock names): the process itself, or the child program_host started."""
    if direct:
        return process.pid
    while process.poll() is None:
        for pid in session_members(process.pid):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == process.pid:
                return pid
        time.sleep(ENGINE_PID_POLL_SECONDS)
    return None


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
        self._running: subprocess.Popen[Any] | None = None
        self.output_tail: deque[str] = deque(maxlen=400)  # the permalink on Pulumi Cloud, diagnostics
        self.on_engine: EngineWatcher | None = None  # the CLI's pid once known, None once it has exited

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
        argv = self._argv(self.command, args, cwd)
        direct = argv[0] == self.command
        # If the driver itself is killed (SIGKILL cannot be caught), its child must not run on: the CLI gets
        # SIGTERM (its graceful cancel; the lock is released), program_host gets SIGKILL and then gives the CLI
        # SIGTERM itself (program_host.py `_die_with_parent`).
        death_signal = signal.SIGTERM if direct else signal.SIGKILL
        # Through a Python stub, not preexec_fn: this process runs gRPC threads (see parent_death.py).
        argv = with_parent_death_signal(sys.executable, argv, death_signal)
        finished = threading.Event()
        with (
            tempfile.TemporaryFile(prefix="netkit-cli-out.") as out_file,
            tempfile.TemporaryFile(prefix="netkit-cli-err.") as err_file,
            subprocess.Popen(
                argv,
                stdout=out_file,
                stderr=err_file,
                stdin=subprocess.DEVNULL,
                cwd=cwd,
                env=env,
                start_new_session=True,  # its own session and process group: ours to signal, never our own
            ) as process,
        ):
            with self._lock:
                self._running = process
            with _RUNNING_LOCK:
                _RUNNING.add(process)
            readers = [
                threading.Thread(
                    target=_Tail(out_file, on_output, stdout_chunks, self.output_tail).follow,
                    args=(finished,),
                    daemon=True,
                ),
                threading.Thread(
                    target=_Tail(err_file, on_error, stderr_chunks, self.output_tail).follow,
                    args=(finished,),
                    daemon=True,
                ),
            ]
            watcher = self.on_engine
            try:
                for reader in readers:
                    reader.start()
                if watcher is not None:
                    pid = _engine_pid(process, direct)
                    if pid is not None:
                        watcher(pid)
                process.wait()
            finally:
                finished.set()
                for reader in readers:
                    reader.join()
                with self._lock:
                    if self._running is process:
                        self._running = None
                with _RUNNING_LOCK:
                    _RUNNING.discard(process)
                if watcher is not None:
                    watcher(None)
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
