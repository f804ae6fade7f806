"""Command line of lambda-netkit (`python -m automation`, or `netkit` when installed).

Each command lives in its own module (`cli_check`, `cli_engine`, `cli_aws`); this one assembles the parser and
maps errors to exit codes. Exit status: 0 passed, 1 mandatory violations, 2 anything else.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.console import Console

from . import cli_aws, cli_check, cli_engine
from .cli_common import EXIT_ERROR, EXIT_VIOLATIONS, Parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m automation",
        description=(
            "lambda-netkit automation: check Pulumi programs offline against the policy pack, run environments "
            "and ephemeral CI stacks with the pack attached, reap expired stacks, and check deployments with boto3."
        ),
    )
    # argparse's top level reports unknown options of `check` too: check's error documents for those.
    parser.on_error = lambda line, arguments: (
        cli_check.usage_error(line, arguments[1:]) if list(arguments[:1]) == ["check"] else None
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    cli_check.add_parser(sub)
    cli_engine.add_parsers(sub)
    cli_aws.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
