"""`PulumiCommand` for the Automation API that runs program commands through program_host.py.

`LocalWorkspace` and `Stack` build every CLI command line and hand it to `PulumiCommand.run`
(site-packages/pulumi/automation/_cmd.py). For a local (non-inline) program the CLI would start the Python language
host, which this test bed cannot build; this subclass keeps the Automation API's arguments, environment and output
handling and only prefixes the command with program_host.py, which serves the program and adds `--client`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from pulumi.automation import PulumiCommand
from pulumi.automation._cmd import CommandResult, OnOutput

from .tools import program_host_argv


class ProgramHostCommand(PulumiCommand):
    """Runs the CLI at `cli`; program commands go through program_host.py under `python`."""

    def __init__(self, cli: Path, python: str, program_dir: Path, main: Path | None = None) -> None:
        super().__init__(root=str(cli.parent.parent) if cli.parent.name == "bin" else None, skip_version_check=True)
        self.command = str(cli)
        self.python = python
        self.program_dir = program_dir
        self.main = main
        self._swap = threading.Lock()

    def argv(self, args: list[str]) -> list[str]:
        """The full command line for CLI arguments `args` (what `run` starts)."""
        return program_host_argv(self.python, self.program_dir, self.main, Path(self.command), list(args))

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: OnOutput | None = None,
        on_error: OnOutput | None = None,
    ) -> CommandResult:
        """Same contract as `PulumiCommand.run`, with the program served by program_host.py."""
        with self._swap:
            original = self.command
            host = self.argv([])
            # PulumiCommand.run starts [self.command, *args]: the interpreter in front, the host's arguments first.
            self.command = host[0]
            try:
                return super().run([*host[1:], *args], cwd, additional_env, on_output, on_error)
            finally:
                self.command = original
