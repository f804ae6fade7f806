"""`check`: the offline policy check (no CLI, no cloud)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from .cli_common import EXIT_ERROR, EXIT_PASSED, EXIT_VIOLATIONS


def add_parser(sub: Any) -> None:
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


def run(args: argparse.Namespace) -> int:
    from .check import DEFAULT_PACK, REPO_ROOT, run_check
    from .offline.analyzer import PolicyPackError
    from .offline.engine import ProgramError
    from .offline.report import render_json, render_sarif, render_text
    from .offline.stack_config import ProgramLoadError

    err = Console(stderr=True, highlight=False, soft_wrap=True)
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
        render_text(report, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
    return EXIT_PASSED if report.passed else EXIT_VIOLATIONS
