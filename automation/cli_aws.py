"""`aws`: post-deploy checks, Lambda ENIs and cleanup with boto3.

Every AWS call is bounded (`--timeout`: botocore connect/read timeouts, standard retries). Failures are one line
naming the operation and AWS's error code, never a value from the outputs file or the environment.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .cli_common import EXIT_ERROR, EXIT_PASSED, EXIT_VIOLATIONS, Parser, add_program_option


def add_parser(sub: Any) -> None:
    aws_parser = sub.add_parser(
        "aws",
        help="AWS operations with boto3: post-deploy checks, Lambda ENIs, cleanup",
        description="AWS operations with boto3 on a deployed stack: no Pulumi program or CLI involved. Credentials "
        "come from the usual AWS chain (environment, profile, role).",
    )
    aws_sub = aws_parser.add_subparsers(
        title="commands", dest="aws_command", required=True, metavar="COMMAND", parser_class=Parser
    )
    verify = aws_sub.add_parser(
        "verify",
        help="post-deploy checks from a stack's outputs JSON",
        description="Post-deploy checks of a stack from the outputs JSON `netkit up --outputs-file` wrote.",
    )
    verify.add_argument(
        "--outputs", metavar="FILE", type=Path, required=True, help="outputs JSON written by `netkit up --outputs-file`"
    )
    verify.add_argument(
        "--interface-endpoints",
        metavar="SERVICES",
        default="",
        help="comma-separated interface endpoint services the VPC must have, e.g. sqs,secretsmanager",
    )
    verify.add_argument(
        "--nat-count", metavar="N", type=int, default=None, help="expected number of NAT gateways (default: any)"
    )
    enis = aws_sub.add_parser(
        "enis",
        help="Lambda Hyperplane ENIs of a VPC (describe-network-interfaces)",
        description="List the Lambda Hyperplane ENIs of a VPC with their subnets, security groups and status.",
    )
    enis.add_argument("--vpc-id", metavar="VPC_ID", required=True, help="the VPC whose Lambda ENIs to list")
    cleanup = aws_sub.add_parser(
        "cleanup",
        help="remove what a failed ephemeral run left: only resources carrying the stack's exact tag",
        description=(
            "Deletes a detached (available) Lambda ENI in --vpc-id only when every security group on it carries "
            "netkit:ephemeral=<STACK> exactly, and releases an Elastic IP only with that exact tag and no "
            "association. Prints every action. Run it for the stack's own VPC."
        ),
    )
    cleanup.add_argument(
        "--vpc-id", metavar="VPC_ID", default=None, help="the ephemeral stack's own VPC (ENIs are only looked for here)"
    )
    cleanup.add_argument("--stack", metavar="STACK", required=True, help="the exact ephemeral stack name (no * or ?)")
    cleanup.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    preflight = aws_sub.add_parser(
        "preflight",
        help="account limits and settings that would stop the stack's first deploy (read-only)",
        description=(
            "Runs the stack's program offline (as `check` does) and compares what it creates with the account in "
            "the stack's region: Elastic IP quota and allocations, NAT gateways per AZ, network interfaces and "
            "Lambda Hyperplane ENIs per VPC against the capacity model, Lambda account and unreserved concurrency "
            "against the functions' reserved concurrency, VPC Block Public Access mode and exclusions. Each check "
            "is ok, FAIL (with what to ask AWS for or change) or ?? (could not read: the permission it needs, or "
            "'could not read (deadline reached)' when --deadline ran out first). Exit status: 0 nothing fails, 1 a "
            "check fails, 2 errors or checks left unread by the deadline (the report is still written). The JSON "
            "report (--format json, --output) is the file `check --account-facts` reads."
        ),
    )
    preflight.add_argument("stack", help="stack name (reads Pulumi.<STACK>.yaml of the program)")
    add_program_option(preflight)
    preflight.add_argument(
        "--policy-config",
        metavar="NAME|FILE",
        default=None,
        help="policy config whose capacity settings apply: a name netkit's pack ships (dev, staging, prod) or a "
        "JSON file (default: the environment's)",
    )
    preflight.add_argument("--format", choices=("text", "json"), default="text", help="stdout format (default: text)")
    preflight.add_argument(
        "--output", metavar="FILE", type=Path, default=None, help="also write the JSON report (account facts) to FILE"
    )
    preflight.add_argument(
        "--deadline",
        metavar="SECONDS",
        type=float,
        default=300.0,
        help="one deadline for all the AWS calls (default: 300): none starts after it, the one in flight gets what "
        "is left, checks not read by then are 'could not read (deadline reached)' and the exit status is 2",
    )
    for p in (verify, enis, cleanup, preflight):
        if p is preflight:
            p.add_argument(
                "--region", metavar="REGION", default=None, help="AWS region (default: the stack's aws:region)"
            )
        else:
            p.add_argument("--region", metavar="REGION", default="us-east-1", help="AWS region (default: us-east-1)")
        p.add_argument(
            "--endpoint-url", metavar="URL", default=None, help="AWS endpoint, e.g. LocalStack or a moto server"
        )
        p.add_argument(
            "--timeout", metavar="SECONDS", type=float, default=30.0, help="seconds allowed per AWS call (default: 30)"
        )


def _aws_failure(exc: Exception, timeout: float) -> ValueError:
    """One safe line for a botocore failure: the operation and AWS's code, no URL, ARN or value."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.ClientError):
        operation = getattr(exc, "operation_name", "an AWS call")
        return ValueError(f"AWS {operation} failed: {exc.response.get('Error', {}).get('Code', 'error')}")
    if isinstance(exc, bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return ValueError(f"an AWS call did not answer within --timeout {timeout:g}s")
    if isinstance(exc, bce.EndpointConnectionError):
        return ValueError("could not connect to the AWS endpoint (check --endpoint-url, --region and the network)")
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return ValueError("no usable AWS credentials (configure a profile, role or the AWS_* variables)")
    return ValueError(f"AWS call failed: {type(exc).__name__}")


def run(args: argparse.Namespace) -> int:
    import json

    from botocore.exceptions import BotoCoreError, ClientError

    from . import aws_ops

    if args.timeout <= 0:
        raise ValueError("--timeout must be positive")
    if args.aws_command == "preflight":
        if args.deadline <= 0:
            raise ValueError("--deadline must be positive")
        return run_preflight_command(args)
    record: Any = None
    if args.aws_command == "cleanup":
        aws_ops.validate_stack_name(args.stack)
    elif args.aws_command == "verify":
        try:
            record = json.loads(args.outputs.read_text())
        except OSError as exc:
            raise ValueError(f"cannot read outputs file {args.outputs}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"outputs file {args.outputs} is not JSON (line {exc.lineno})") from None
        record = aws_ops.validate_outputs(record)
    ec2 = aws_ops.ec2_client(args.region, args.endpoint_url, args.timeout)
    try:
        if args.aws_command == "enis":
            print(json.dumps(aws_ops.lambda_eni_report(ec2, args.vpc_id), indent=2))
            return EXIT_PASSED
        if args.aws_command == "cleanup":
            actions = aws_ops.cleanup_after_failed_run(ec2, args.vpc_id, args.stack, args.dry_run)
            for line in actions or ["nothing to clean up"]:
                print(line)
            return EXIT_PASSED
        services = [s for s in args.interface_endpoints.split(",") if s]
        findings = aws_ops.verify_deployment(ec2, record, services, args.nat_count)
    except (BotoCoreError, ClientError) as exc:
        raise _aws_failure(exc, args.timeout) from None
    for finding in findings:
        print(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.message}")
    return EXIT_PASSED if all(f.ok for f in findings) else EXIT_VIOLATIONS


def run_preflight_command(args: argparse.Namespace) -> int:
    """`aws preflight STACK`: the report on stdout (text or JSON), the JSON also to --output; exit 1 on a fail, 2 when
    the deadline left checks unread (and none fails): an unread check is never a pass."""
    import sys

    from botocore.exceptions import BotoCoreError, ClientError

    from .offline.engine import ProgramError
    from .offline.pack_process import PolicyPackError
    from .offline.stack_config import ProgramLoadError
    from .preflight import run_preflight
    from .preflight.facts import DEADLINE_REACHED
    from .preflight.report import render_json, render_text

    try:
        report = run_preflight(
            args.stack,
            program_dir=args.program if args.program is not None else Path.cwd(),
            policy_config=args.policy_config,
            region=args.region,
            endpoint_url=args.endpoint_url,
            timeout=args.timeout,
            deadline=args.deadline,
        )
    except (ProgramError, ProgramLoadError, PolicyPackError) as exc:
        raise ValueError(f"the program of stack {args.stack} cannot run offline: {exc}") from None
    except (BotoCoreError, ClientError) as exc:
        raise _aws_failure(exc, args.timeout) from None
    if args.output is not None:
        try:
            args.output.write_text(render_json(report) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot write {args.output}: {exc.strerror}") from None
    if args.format == "json":
        print(render_json(report))
    else:
        render_text(report, sys.stdout)
    if report.failing():
        return EXIT_VIOLATIONS
    if report.unread_by_deadline():
        names = ", ".join(c.name for c in report.unread_by_deadline())
        print(f"error: {DEADLINE_REACHED} after --deadline {args.deadline:g} s: {names} not judged", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_PASSED
