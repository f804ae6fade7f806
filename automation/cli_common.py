"""What every command shares: the program name, exit codes, the version, the options naming the user's program and
policy pack, and an argparse parser that exits 2 with one clear line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROG = "netkit"  # what users type (the console script); `python -m automation` in a checkout is the same command
EXIT_PASSED, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments, as the contract wants; keep its message to one clear line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"error: {message} (see {self.prog} --help)\n")


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
