"""`preview`, `up`, `destroy`, `ephemeral`, `reap`: the Automation API driver (needs the Pulumi CLI)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .cli_common import EXIT_PASSED, Parser


def add_parsers(sub: Any) -> None:
    for action, text in (
        ("preview", "preview a stack with the policy pack and its environment's policy config attached"),
        (
            "up",
            "gate (a preview with the policy pack: a mandatory violation stops it before any change), then update "
            "with the pack attached and write its outputs",
        ),
        ("destroy", "destroy a stack's resources (functions off the stack's security groups and ENIs first)"),
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
    eph_sub = ephemeral.add_subparsers(dest="ephemeral_command", required=True, parser_class=Parser)
    for action, text in (
        ("create", "create the stack and its workspace, print its name"),
        ("run", "gate with the pack, up, post-deploy checks, then phased destroy and remove unless --keep"),
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


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default=None, help="state backend URL (default: file://.netkit/state)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds allowed per engine call; past it the engine gets SIGINT, then SIGKILL, and is confirmed gone",
    )
    parser.add_argument(
        "--cancel-grace",
        type=float,
        default=120.0,
        help="seconds between the first SIGINT (graceful cancel) and terminating the engine (default: 120)",
    )
    parser.add_argument("--retries", type=int, default=3, help="attempts for known transient errors (default: 3)")
    parser.add_argument("--retry-delay", type=float, default=30.0, help="seconds before the first retry")
    parser.add_argument(
        "--emulator",
        default=None,
        help="AWS emulator URL (LocalStack, moto server); set only in a per-stack copy and the engine's environment",
    )
    parser.add_argument(
        "--install-cli",
        action="store_true",
        help="install the Pulumi CLI with PulumiCommand.install when it is not on PATH",
    )
    parser.add_argument("--outputs-file", type=Path, default=None, help="write the run record and outputs as JSON")
    parser.add_argument(
        "--skip-gate",
        action="store_true",
        help="EMERGENCIES ONLY: update without the policy preview first (recorded and warned about)",
    )
    parser.add_argument(
        "--eni-timeout",
        type=float,
        default=45.0,
        help="minutes teardown waits for Lambda ENIs on the stack's own security groups/subnets (default: 45)",
    )
    parser.add_argument(
        "--parking-security-group",
        default=None,
        help="security group to park functions on during teardown (default: the network stack's "
        "parking_security_group_id)",
    )
    parser.add_argument("--region", default=None, help="AWS region for checks and teardown (default: aws:region)")


def _engine_settings(args: argparse.Namespace) -> Any:
    from .driver import EngineSettings

    if args.timeout <= 0 or args.retries < 1 or args.retry_delay < 0:
        raise ValueError("--timeout must be positive, --retries at least 1 and --retry-delay not negative")
    if args.eni_timeout <= 0 or args.cancel_grace < 0:
        raise ValueError("--eni-timeout must be positive and --cancel-grace not negative")
    return EngineSettings(
        backend_url=args.backend,
        timeout_seconds=args.timeout,
        attempts=args.retries,
        retry_delay_seconds=args.retry_delay,
        emulator_url=args.emulator,
        install_cli=args.install_cli,
        skip_gate=args.skip_gate,
        cancel_grace_seconds=args.cancel_grace,
        eni_timeout_seconds=args.eni_timeout * 60,
        parking_group=args.parking_security_group,
        aws_region=args.region,
    )


def run(args: argparse.Namespace) -> int:
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
        record = driver.ephemeral_destroy(args.name, settings, args.outputs_file)
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
            options.verify = _verifier(args.region or "us-east-1", args.emulator)
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
