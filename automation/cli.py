"""Command line of the automation driver. Exit status: 0 passed, 1 mandatory violations, 2 anything else."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
        description=(
            "lambda-netkit automation: check Pulumi programs offline against the policy pack, run environments "
            "and ephemeral CI stacks with the pack attached, reap expired stacks, and check deployments with boto3."
        ),
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

    for action, text in (
        ("preview", "preview a stack with the policy pack and its environment's policy config attached"),
        ("up", "update a stack (policy pack attached: a mandatory violation stops it) and write its outputs"),
        ("destroy", "destroy a stack's resources"),
    ):
        env_parser = sub.add_parser(
            action, help=text, description=f"{text[0].upper()}{text[1:]}. Needs the Pulumi CLI."
        )
        env_parser.add_argument("stack", help="dev, staging or prod (Pulumi.<STACK>.yaml)")
        _engine_options(env_parser)

    ephemeral = sub.add_parser(
        "ephemeral",
        help="short-lived CI stacks: create, run (preview -> up -> checks -> destroy -> remove), destroy",
        description=(
            "Ephemeral stacks for CI: a unique name from the CI context, a private copy of the program per stack, "
            "expiry/owner/commit stamped at creation, cleanup in `finally`, deadlines on every engine call and "
            "retries only for known transient errors. Needs the Pulumi CLI."
        ),
    )
    eph_sub = ephemeral.add_subparsers(dest="ephemeral_command", required=True, parser_class=_Parser)
    for action, text in (
        ("create", "create the stack and its workspace, print its name"),
        ("run", "preview with the pack, up, post-deploy checks, then destroy and remove unless --keep"),
    ):
        p = eph_sub.add_parser(action, help=text, description=text)
        p.add_argument("--prefix", default="eph", help="stack name prefix (default: eph)")
        p.add_argument("--from", dest="base_stack", default="dev", help="stack file to copy the config from")
        p.add_argument("--ttl", default="4h", help="time to live before the reaper removes it: 30m, 4h, 2d")
        p.add_argument("--owner", default="", help="owner tag (default: CI actor or $USER)")
        p.add_argument("--commit", default="", help="commit tag (default: $GITHUB_SHA)")
        p.add_argument(
            "--network-stack",
            default=None,
            help="long-lived network stack to take the VPC, subnets and Lambda SG from (StackReference)",
        )
        if action == "run":
            p.add_argument("--keep", action="store_true", help="do not destroy the stack at the end")
            p.add_argument("--region", default="us-east-1", help="region for the post-deploy checks")
            p.add_argument("--skip-checks", action="store_true", help="skip the boto3 post-deploy checks")
        _engine_options(p)
    destroy = eph_sub.add_parser("destroy", help="destroy and remove an ephemeral stack and its workspace")
    destroy.add_argument("name", help="the stack name `ephemeral create` printed")
    _engine_options(destroy)

    reaper = sub.add_parser(
        "reap",
        help="destroy and remove the stacks of the backend whose expiry has passed",
        description="List the stacks in the backend, destroy and remove those past expiry, print what was done. "
        "Stacks without an expiry are never touched, so it is safe to run on a schedule.",
    )
    reaper.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    _engine_options(reaper)

    aws_parser = sub.add_parser("aws", help="AWS operations with boto3: post-deploy checks, Lambda ENIs, cleanup")
    aws_sub = aws_parser.add_subparsers(dest="aws_command", required=True, parser_class=_Parser)
    verify = aws_sub.add_parser("verify", help="post-deploy checks from a stack's outputs JSON")
    verify.add_argument("--outputs", type=Path, required=True, help="outputs JSON written by `up --outputs-file`")
    verify.add_argument("--interface-endpoints", default="", help="comma-separated interface endpoint services")
    verify.add_argument("--nat-count", type=int, default=None, help="expected number of NAT gateways")
    enis = aws_sub.add_parser("enis", help="Lambda Hyperplane ENIs of a VPC (describe-network-interfaces)")
    enis.add_argument("--vpc-id", required=True)
    cleanup = aws_sub.add_parser("cleanup", help="remove detached Lambda ENIs and unassociated ephemeral EIPs")
    cleanup.add_argument("--vpc-id", default=None)
    cleanup.add_argument("--stack", required=True, help="the ephemeral stack whose EIPs may be released")
    cleanup.add_argument("--dry-run", action="store_true")
    for p in (verify, enis, cleanup):
        p.add_argument("--region", default="us-east-1")
        p.add_argument("--endpoint-url", default=None, help="AWS endpoint (LocalStack, moto server)")
    return parser


def cmd_check(args: argparse.Namespace) -> int:
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


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default=None, help="state backend URL (default: file://.netkit/state)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per engine call")
    parser.add_argument("--retries", type=int, default=3, help="attempts for known transient errors (default: 3)")
    parser.add_argument("--retry-delay", type=float, default=30.0, help="seconds before the first retry")
    parser.add_argument("--emulator", default=None, help="AWS emulator URL (LocalStack, moto server)")
    parser.add_argument(
        "--install-cli",
        action="store_true",
        help="install the Pulumi CLI with PulumiCommand.install when it is not on PATH",
    )
    parser.add_argument("--outputs-file", type=Path, default=None, help="write the run record and outputs as JSON")


def _engine_settings(args: argparse.Namespace) -> Any:
    from .driver import EngineSettings

    if args.timeout <= 0 or args.retries < 1 or args.retry_delay < 0:
        raise ValueError("--timeout must be positive, --retries at least 1 and --retry-delay not negative")
    return EngineSettings(
        backend_url=args.backend,
        timeout_seconds=args.timeout,
        attempts=args.retries,
        retry_delay_seconds=args.retry_delay,
        emulator_url=args.emulator,
        install_cli=args.install_cli,
    )


def cmd_engine(args: argparse.Namespace) -> int:
    import os

    from . import driver

    settings = _engine_settings(args)
    if args.command in ("preview", "up", "destroy"):
        record = driver.run_environment(args.command, args.stack, settings, args.outputs_file)
    elif args.command == "reap":
        for line in driver.reap(settings, args.dry_run) or ["nothing expired"]:
            print(line)
        return EXIT_PASSED
    elif args.ephemeral_command == "destroy":
        record = driver.ephemeral_destroy(args.name, settings)
    else:
        options = driver.EphemeralOptions(
            prefix=args.prefix,
            base_stack=args.base_stack,
            ttl=args.ttl,
            owner=args.owner,
            commit=args.commit,
            network_stack=args.network_stack,
        )
        if args.ephemeral_command == "create":
            engine = driver.ephemeral_create(options, settings, os.environ)
            driver.write_outputs(args.outputs_file, engine.record)
            print(engine.stack.name)
            return EXIT_PASSED
        options.keep = args.keep
        if not args.skip_checks:
            options.verify = _verifier(args.region, args.emulator)
        record = driver.ephemeral_run(options, settings, os.environ, args.outputs_file)
    for step in record.steps:
        print(f"done: {step}")
    return EXIT_PASSED


def _verifier(region: str, endpoint: str | None) -> Any:
    def verify(outputs: dict[str, Any]) -> list[str]:
        from .aws_ops import ec2_client, verify_deployment

        findings = verify_deployment(ec2_client(region, endpoint), outputs)
        return [f.message for f in findings if not f.ok]

    return verify


def cmd_aws(args: argparse.Namespace) -> int:
    import json

    from . import aws_ops

    ec2 = aws_ops.ec2_client(args.region, args.endpoint_url)
    if args.aws_command == "enis":
        print(json.dumps(aws_ops.lambda_eni_report(ec2, args.vpc_id), indent=2))
        return EXIT_PASSED
    if args.aws_command == "cleanup":
        for line in aws_ops.cleanup_after_failed_run(ec2, args.vpc_id, args.stack, args.dry_run) or ["nothing to do"]:
            print(line)
        return EXIT_PASSED
    try:
        record = json.loads(args.outputs.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read outputs {args.outputs}: {exc}") from None
    outputs = record.get("outputs", record)
    services = [s for s in args.interface_endpoints.split(",") if s]
    findings = aws_ops.verify_deployment(ec2, outputs, services, args.nat_count)
    for finding in findings:
        print(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.message}")
    return EXIT_PASSED if all(f.ok for f in findings) else EXIT_VIOLATIONS


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return cmd_check(args)
    from .driver import DriverError, PolicyViolationError
    from .resilience import EngineTimeoutError, RetriesExhaustedError

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return cmd_aws(args) if args.command == "aws" else cmd_engine(args)
    except PolicyViolationError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_VIOLATIONS
    except (DriverError, EngineTimeoutError, RetriesExhaustedError, ValueError) as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - botocore and CLI failures become one clear line, not a trace
        err.print(f"error: {type(exc).__name__}: {exc}", markup=False)
        return EXIT_ERROR
