"""What every command shares: the program name, exit codes, the version, the options naming the user's program and
policy pack, and an argparse parser that exits 2 with one clear line."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROG = "netkit"  # what users type (the console script); `python -m automation` in a checkout is the same command
EXIT_PASSED, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2

# `--conifg aws:secretKey=...` (a mistyped option) is echoed by argparse as an unrecognized argument: keep the key,
# never the value.
_ASSIGNED_VALUE = re.compile(r"(?<=[^\s=])=\S+")


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments, as the contract wants; keep its message to one clear line (the usage is
    shown too when stderr is a terminal), and let a command add its own error output (`on_error`, e.g. the JSON
    document `check --format json` promises even for bad arguments)."""

    on_error: Callable[[str, Sequence[str]], None] | None = None
    arguments: Sequence[str] = ()

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self.arguments = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("unrecognized arguments"):
            message = _ASSIGNED_VALUE.sub("=...", message)
        if sys.stderr.isatty():
            self.print_usage(sys.stderr)
        line = f"error: {message} (see {self.prog} --help)"
        if self.on_error is not None:
            self.on_error(line, self.arguments)
        self.exit(EXIT_ERROR, line + "\n")


def version() -> str:
    """The installed distribution's version (`pip install` or the editable install `make venv` makes)."""
    import importlib.metadata

    try:
        return importlib.metadata.version("lambda-netkit")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed: run `make venv` or `pip install .`)"


def add_program_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--program",
        metavar="DIR",
        type=Path,
        default=None,
        help="Pulumi program directory, the one holding Pulumi.yaml (default: the current directory)",
    )


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    """`--policy-pack` and `--policy-config`, the same for `check` and the engine commands."""
    parser.add_argument(
        "--policy-pack",
        metavar="DIR",
        type=Path,
        default=None,
        help="policy pack directory (default: the pack shipped with netkit; policies/ in a checkout of lambda-netkit)",
    )
    parser.add_argument(
        "--policy-config",
        metavar="NAME|FILE",
        default=None,
        help="policy config: a name the pack ships (dev, staging, prod: <pack>/config/NAME.json) or a JSON file, "
        "as `pulumi preview --policy-pack-config` (default: <pack>/config/ENV.json, ENV = the stack config "
        "netkit:environment, else the stack name; none found: the pack's defaults)",
    )
