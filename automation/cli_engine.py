"""`preview`, `up`, `destroy`, `ephemeral`, `reap`: the Automation API driver (needs the Pulumi CLI)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .cli_common import EXIT_PASSED, Parser, add_policy_options, add_program_option
from .project import Project, ProjectError, project_from


def add_parsers(sub: Any) -> None:
    """preview / up / destroy of a stack, ephemeral CI stacks, the reaper. Each lists only the options it uses."""
    for action, text in (
        ("preview", "preview a stack of the program with the policy pack and a policy config attached"),
        (
            "up",
            "gate (a preview with the policy pack: a mandatory violation stops it before any change), then update "
            "with the pack attached and write its outputs",
        ),
        ("destroy", "destroy a stack's resources (functions off the stack's security groups and ENIs first)"),
    ):
        env_parser = sub.add_parser(
            action,
            help=text,
            description=f"{text[0].upper()}{text[1:]}. Needs the Pulumi CLI. {WHERE}",
        )
        env_parser.add_argument("stack", help="stack name (any; its config is Pulumi.<STACK>.yaml of the program)")
        add_program_option(env_parser)
        if action != "destroy":
            add_policy_options(env_parser)
        _engine_options(env_parser)
        _record_option(env_parser)
        if action == "up":
            _gate_option(env_parser)
        if action == "destroy":
            _teardown_options(env_parser)

    ephemeral = sub.add_parser(
        "ephemeral",
        help="short-lived CI stacks: create, run (preview -> up -> checks -> destroy -> remove), destroy",
        description=(
            "Ephemeral stacks for CI: a unique name from the CI context, a private copy of the program per stack, "
            f"expiry/owner/commit stamped at creation, cleanup in `finally`, deadlines on every engine call and "
            f"retries only for known transient errors. Needs the Pulumi CLI. {WHERE}"
        ),
    )
    eph_sub = ephemeral.add_subparsers(
        title="commands", dest="ephemeral_command", required=True, metavar="COMMAND", parser_class=Parser
    )
    for action, text in (
        ("create", "create the stack and its workspace, print its name"),
        ("run", "gate with the pack, up, post-deploy checks, then phased destroy and remove unless --keep"),
    ):
        p = eph_sub.add_parser(action, help=text, description=f"{text[0].upper()}{text[1:]}.")
        add_program_option(p)
        p.add_argument("--prefix", metavar="PREFIX", default="eph", help="stack name prefix (default: eph)")
        p.add_argument(
            "--from",
            dest="base_stack",
            metavar="STACK",
            default="dev",
            help="stack whose Pulumi.<STACK>.yaml to copy (default: dev)",
        )
        p.add_argument(
            "--ttl",
            metavar="DURATION",
            default="4h",
            help="time to live before the reaper removes it: 30m, 4h, 2d (default: 4h)",
        )
        p.add_argument("--owner", metavar="NAME", default="", help="owner tag (default: CI actor or $USER)")
        p.add_argument("--commit", metavar="SHA", default="", help="commit tag (default: $GITHUB_SHA)")
        p.add_argument(
            "--network-stack",
            metavar="ORG/PROJECT/STACK",
            default=None,
            help="long-lived network stack to take the VPC, subnets and Lambda SG from (StackReference)",
        )
        if action == "run":
            add_policy_options(p)
            p.add_argument("--keep", action="store_true", help="do not destroy the stack at the end")
            p.add_argument("--skip-checks", action="store_true", help="skip the boto3 post-deploy checks")
            _gate_option(p)
            _teardown_options(p)
        _engine_options(p)
        _record_option(p)
    destroy = eph_sub.add_parser(
        "destroy",
        help="destroy and remove an ephemeral stack and its workspace",
        description="Destroy and remove an ephemeral stack and its workspace.",
    )
    destroy.add_argument("name", help="the stack name `ephemeral create` printed")
    add_program_option(destroy)
    _engine_options(destroy)
    _record_option(destroy)
    _teardown_options(destroy)

    reaper = sub.add_parser(
        "reap",
        help="destroy and remove the stacks of the backend whose expiry has passed",
        description="List the stacks in the backend, destroy and remove those past expiry, print what was done. "
        f"Stacks without an expiry are never touched, so it is safe to run on a schedule. {WHERE}",
    )
    reaper.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    add_program_option(reaper)
    _engine_options(reaper)
    _teardown_options(reaper)


WHERE = (
    "Works on the Pulumi program in the current directory (or --program DIR); the local state backend, its "
    "passphrase and the per-stack workspace copies live in the program's .netkit/ directory."
)


def _engine_options(parser: argparse.ArgumentParser) -> None:
    """How every engine call is made: backend, deadlines, retries, the CLI, an emulator."""
    parser.add_argument(
        "--backend",
        metavar="URL",
        default=None,
        help="state backend URL, as `pulumi login` takes it (default: file://<program>/.netkit/state)",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=3600.0,
        help="seconds allowed per engine call; past it the engine gets SIGINT, then SIGKILL, and is confirmed gone "
        "(default: 3600)",
    )
    parser.add_argument(
        "--cancel-grace",
        metavar="SECONDS",
        type=float,
        default=120.0,
        help="seconds between the first SIGINT (graceful cancel) and terminating the engine (default: 120)",
    )
    parser.add_argument(
        "--retries", metavar="N", type=int, default=3, help="attempts for known transient errors (default: 3)"
    )
    parser.add_argument(
        "--retry-delay",
        metavar="SECONDS",
        type=float,
        default=30.0,
        help="seconds before the first retry (default: 30)",
    )
    parser.add_argument(
        "--emulator",
        metavar="URL",
        default=None,
        help="AWS emulator URL (LocalStack, moto server); set only in a per-stack copy and the engine's environment",
    )
    parser.add_argument(
        "--install-cli",
        action="store_true",
        help="install the Pulumi CLI with PulumiCommand.install (into <program>/.netkit/cli) when it is not on PATH",
    )


def _record_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outputs-file",
        metavar="FILE",
        type=Path,
        default=None,
        help="write the run record (steps, phases, gate, errors) and the stack outputs as JSON to FILE",
    )


def _gate_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--skip-gate",
        action="store_true",
        help="EMERGENCIES ONLY: update without the policy preview first (recorded and warned about)",
    )


def _teardown_options(parser: argparse.ArgumentParser) -> None:
    """What a phased teardown needs: how long to wait for Lambda ENIs, where to park functions, the region."""
    parser.add_argument(
        "--eni-timeout",
        metavar="MINUTES",
        type=float,
        default=45.0,
        help="minutes teardown waits for Lambda ENIs on the stack's own security groups/subnets (default: 45)",
    )
    parser.add_argument(
        "--parking-security-group",
        metavar="SG_ID",
        default=None,
        help="security group to park functions on during teardown (default: the network stack's "
        "parking_security_group_id)",
    )
    parser.add_argument(
        "--region",
        metavar="REGION",
        default=None,
        help="AWS region for post-deploy checks and teardown (default: aws:region)",
    )


def _engine_settings(args: argparse.Namespace) -> Any:
    from .driver import EngineSettings

    if args.timeout <= 0 or args.retries < 1 or args.retry_delay < 0:
        raise ValueError("--timeout must be positive, --retries at least 1 and --retry-delay not negative")
    if getattr(args, "eni_timeout", 45.0) <= 0 or args.cancel_grace < 0:
        raise ValueError("--eni-timeout must be positive and --cancel-grace not negative")
    return EngineSettings(
        backend_url=args.backend,
        timeout_seconds=args.timeout,
        attempts=args.retries,
        retry_delay_seconds=args.retry_delay,
        emulator_url=args.emulator,
        install_cli=args.install_cli,
        skip_gate=getattr(args, "skip_gate", False),
        cancel_grace_seconds=args.cancel_grace,
        eni_timeout_seconds=getattr(args, "eni_timeout", 45.0) * 60,
        parking_group=getattr(args, "parking_security_group", None),
        aws_region=getattr(args, "region", None),
    )


def _project(args: argparse.Namespace) -> Project:
    """The user's program, pack and policy config from the command line (exit 2 on a bad one)."""
    return project_from(args.program, getattr(args, "policy_pack", None), getattr(args, "policy_config", None))


def _refuse_what_this_driver_cannot_run(project: Project, repository_root: Path) -> None:
    """The driver in this version runs the program of the lambda-netkit checkout, with its `policies/` pack, its
    `config/<environment>.json` and its `.netkit/` state: a program elsewhere, another pack or a chosen config would
    be silently ignored (and an installed netkit would write state into site-packages). Refuse them plainly."""
    if project.program != repository_root.resolve() or project.policy_pack or project.policy_config:
        raise ProjectError(
            "this netkit's engine commands run only the lambda-netkit checkout's own program, pack and policy "
            "configs (--program, --policy-pack and --policy-config are not supported by its driver yet); check any "
            "program offline with `netkit check`"
        )


def run(args: argparse.Namespace) -> int:
    import os

    from . import driver

    _refuse_what_this_driver_cannot_run(_project(args), driver.REPO_ROOT)
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
