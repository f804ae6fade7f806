"""`aws`: post-deploy checks, Lambda ENIs and cleanup with boto3."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .cli_common import EXIT_PASSED, EXIT_VIOLATIONS, Parser


def add_parser(sub: Any) -> None:
    aws_parser = sub.add_parser("aws", help="AWS operations with boto3: post-deploy checks, Lambda ENIs, cleanup")
    aws_sub = aws_parser.add_subparsers(dest="aws_command", required=True, parser_class=Parser)
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


def run(args: argparse.Namespace) -> int:
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
