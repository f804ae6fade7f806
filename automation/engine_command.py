"""The Pulumi CLI as `pulumi.automation` runs it, but started in its own session so a deadline can stop it.

`LocalWorkspace` and `Stack` build every command line (`up --yes --skip-preview`, `--policy-pack`,
`--policy-pack-config`, `--event-log`, `--stack`, ...) and hand it to `PulumiCommand.run`
(site-packages/pulumi/automation/_stack.py `_run_pulumi_cmd_sync`, `_parse_extra_args`). That `run`
(site-packages/pulumi/automation/_cmd.py) starts a plain `subprocess.Popen` and keeps it local, so nothing can
signal it. This subclass keeps the Automation API's arguments, environment (`--non-interactive` first,
`PULUMI_AUTOMATION_API=true`, the bundled-plugin PATH fix-up) and output handling, and only adds
`start_new_session=True` and a handle the driver can stop with `process_control.stop_process`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Mapping
from typing import IO, Any

from pulumi.automation import PulumiCommand
from pulumi.automation._cmd import CommandResult, OnOutput, _fixup_path
from pulumi.automation.errors import create_command_error

from .process_control import StopReport, stop_process


class InterruptibleCommand(PulumiCommand):
    """`PulumiCommand` whose running CLI process can be interrupted, killed and confirmed gone."""

    def __init__(self, root: str | None = None, version: Any = None, skip_version_check: bool = False) -> None:
        super().__init__(root=root, version=version, skip_version_check=skip_version_check)
        self._lock = threading.Lock()
        self._running: subprocess.Popen[str] | None = None

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

        def consume(stream: IO[str], callback: OnOutput | None, chunks: list[str]) -> None:
            for line in iter(stream.readline, ""):
                stripped = line.rstrip()
                if callback:
                    callback(stripped)
                chunks.append(stripped)
            stream.close()

        with subprocess.Popen(
            [self.command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            encoding="utf-8",
            start_new_session=True,  # its own session and process group: ours to signal, never our own
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            with self._lock:
                self._running = process
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
        code = process.returncode
        result = CommandResult(stdout="\n".join(stdout_chunks), stderr="\n".join(stderr_chunks), code=code)
        if process.returncode != 0:
            raise create_command_error(result)
        return result

    def stop(self, grace_seconds: float, kill_wait_seconds: float = 10.0) -> StopReport | None:
        """Interrupt the running CLI (if any) and return once it and its plugins are gone."""
        with self._lock:
            process = self._running
        if process is None:
            return None
        return stop_process(process, grace_seconds, kill_wait_seconds)
