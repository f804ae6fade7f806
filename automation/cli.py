"""Command line of the automation driver. Exit status: 0 passed, 1 mandatory violations, 2 anything else."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

EXIT_PASSED, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments, as the contract wants; keep its message to one clear line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m automation",
        description="lambda-netkit automation: check Pulumi programs offline against the policy pack.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser(
        "check",
        help="run a Pulumi program under the mock runtime and the policy pack, with no CLI and no cloud",
        description=(
            "Run the Pulumi Python program in --program (default: this repository) as a first `pulumi preview` "
            "(--mode preview: new resources' ids and outputs unknown) or an update (--mode update: known ids, "
            "inputs echoed as outputs), with the stack config of Pulumi.<STACK>.yaml, and send every resource to "
            "the policy pack over the analyzer gRPC protocol. Exit 0 when no mandatory policy is violated, 1 when "
            "one is, 2 on any other error."
        ),
    )
    check.add_argument("stack", nargs="?", default="dev", help="stack name; reads Pulumi.<STACK>.yaml (default: dev)")
    check.add_argument("--program", type=Path, default=None, help="Pulumi program directory (default: repo root)")
    check.add_argument(
        "--mode",
        choices=("preview", "update"),
        default="preview",
        help="preview: unknown outputs as in a first preview; update: known ids (default: preview)",
    )
    check.add_argument("--policy-pack", type=Path, default=None, help="policy pack directory (default: policies/)")
    check.add_argument(
        "--policy-config",
        type=Path,
        default=None,
        help="policy config JSON (default: <pack>/config/<environment>.json)",
    )
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="text for people, json (the report contract), sarif 2.1.0 for code scanning",
    )
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    from automation.check import DEFAULT_PACK, REPO_ROOT, run_check
    from automation.offline.analyzer import PolicyPackError
    from automation.offline.engine import ProgramError
    from automation.offline.report import render_json, render_sarif, render_text
    from automation.offline.stack_config import ProgramLoadError

    err = Console(stderr=True, highlight=False)
    try:
        report = run_check(
            program_dir=args.program or REPO_ROOT,
            stack=args.stack,
            mode=args.mode,
            policy_pack=args.policy_pack or DEFAULT_PACK,
            policy_config=args.policy_config,
        )
    except ProgramError as exc:
        sys.stderr.write(exc.program_traceback)
        err.print(f"error: {exc}", markup=False)
        return EXIT_ERROR
    except (ProgramLoadError, PolicyPackError) as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_ERROR
    if args.format == "json":
        print(render_json(report))
    elif args.format == "sarif":
        print(render_sarif(report))
    else:
        render_text(report, Console(highlight=False))
    return EXIT_PASSED if report.passed else EXIT_VIOLATIONS


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return cmd_check(args)
    return EXIT_ERROR  # pragma: no cover - argparse rejects unknown commands first
