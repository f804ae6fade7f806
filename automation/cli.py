"""Command line of lambda-netkit: `netkit` (the console script; `python -m automation` in a checkout is the same).

Each command lives in its own module (`cli_check`, `cli_engine`, `cli_aws`); this one assembles the parser and
maps errors to exit codes. Exit status: 0 passed, 1 mandatory violations, 2 anything else.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.console import Console

from . import cli_aws, cli_check, cli_engine
from .cli_common import EXIT_ERROR, EXIT_VIOLATIONS, PROG, Parser, version


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description=(
            "lambda-netkit: check a Pulumi program offline against the networking policy pack (no CLI, no cloud), "
            "run its stacks with the pack attached, run ephemeral CI stacks and reap expired ones, and check "
            "deployments with boto3. Every command works on the Pulumi program in the current directory unless "
            "--program names another."
        ),
        epilog=f"Run `{PROG} COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    cli_check.add_parser(sub)
    cli_engine.add_parsers(sub)
    cli_aws.add_parser(sub)
    return parser


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the (sub)command that was given, so its errors show its own usage and `--help`."""
    while True:
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        chosen = getattr(args, sub.dest, None) if sub is not None else None
        if sub is None or chosen not in sub.choices:
            return parser
        parser = sub.choices[chosen]


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse like argparse, but an unknown option is reported by the command it was given to (`netkit check
    --frobnicate`: check's usage and `see netkit check --help`), not by the top-level parser."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.command == "check":
        return cli_check.run(args)
    from .driver.errors import DriverError, Interrupted, PolicyViolationError

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return cli_aws.run(args) if args.command == "aws" else cli_engine.run(args)
    except PolicyViolationError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_VIOLATIONS
    except Interrupted as exc:
        err.print(f"interrupted: {exc}", markup=False)
        return 143 if exc.signal_name == "SIGTERM" else 130
    except (DriverError, ValueError) as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - botocore and CLI failures become one clear line, not a trace
        err.print(f"error: {type(exc).__name__}: {exc}", markup=False)
        return EXIT_ERROR
