"""`preview`, `up`, `destroy`, `ephemeral`, `reap`: the Automation API driver (needs the Pulumi CLI).

This module is the command line only: which options each command takes, and how they become the driver's Target
(program, stack, pack, policy config) and EngineSettings. Where the program, pack, config and state come from is
project.py's job (the current directory, netkit's own pack, `<program>/.netkit`).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .cli_common import EXIT_PASSED, Parser, add_policy_options, add_program_option
from .project import Project, pack_for_run, project_from, required_policy_config

# = driver.settings.PREFLIGHT_DEADLINE_SECONDS (tested); the driver is imported only when a command runs
PREFLIGHT_DEADLINE_SECONDS = 300.0

WHERE = (
    "Works on the Pulumi program in the current directory (or --program DIR); the local state backend, its "
    "passphrase and the per-stack workspace copies live in the program's .netkit/ directory."
)


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
            "expiry/owner/commit stamped at creation, cleanup in `finally`, deadlines on every engine call and "
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
            p.add_argument(
                "--interrupt-budget",
                metavar="SECONDS",
                type=float,
                default=900.0,
                help="seconds the run may spend tearing down after SIGINT/SIGTERM (default: 900)",
            )
            _gate_option(p)
            _teardown_options(p)
        _engine_options(p)
        _record_option(p)
    destroy = eph_sub.add_parser(
        "destroy",
        help="resolve pending operations, destroy and remove an ephemeral stack (a CI cleanup job's command)",
        description="Resolve the operations a stopped run left pending, destroy (ENI phases first) and remove an "
        "ephemeral stack, named directly or by the run record of `ephemeral run --outputs-file`.",
    )
    destroy.add_argument("name", nargs="?", default=None, help="the stack name `ephemeral create` printed")
    destroy.add_argument(
        "--record", metavar="FILE", type=Path, default=None, help="take the stack name from this run record"
    )
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
    reaper.add_argument(
        "--limit",
        metavar="N",
        type=int,
        default=None,
        help="tear down at most N stacks per run (bounds the job's duration; the next run takes the rest)",
    )
    add_program_option(reaper)
    _engine_options(reaper)
    _teardown_options(reaper)


def _engine_options(parser: argparse.ArgumentParser) -> None:
    """How every engine call is made: backend, stand-ins for AWS, deadlines, retries."""
    parser.add_argument(
        "--backend",
        metavar="URL",
        default=None,
        help="state backend URL, as `pulumi login` takes it (default: $PULUMI_BACKEND_URL; outside CI "
        "file://<program>/.netkit/state; in CI it must be set)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="the real CLI with the offline provider in place of AWS: stack <stack>-offline on a backend of its own, "
        "in a private copy of the program (faults: $NETKIT_OFFLINE_FAULTS)",
    )
    parser.add_argument(
        "--emulator",
        metavar="URL",
        default=None,
        help="AWS emulator URL (LocalStack, moto server): stack <stack>-emu on a backend of its own, in a private copy",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=3600.0,
        help="seconds allowed per engine call; past it the engine gets SIGINT, a second SIGINT, then SIGKILL "
        "(default: 3600)",
    )
    parser.add_argument(
        "--cancel-grace",
        metavar="SECONDS",
        type=float,
        default=120.0,
        help="seconds between the first SIGINT (graceful cancel) and the second (terminate) (default: 120)",
    )
    parser.add_argument(
        "--kill-wait",
        metavar="SECONDS",
        type=float,
        default=10.0,
        help="seconds between the second SIGINT and SIGKILL of the CLI's session (default: 10)",
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


def _record_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outputs-file",
        metavar="FILE",
        type=Path,
        default=None,
        help="write the run record (steps, phases, gate, pending operations, errors) and the outputs as JSON",
    )


def _gate_option(parser: argparse.ArgumentParser) -> None:
    """What runs before an update changes anything: the account preflight, then the gate."""
    parser.add_argument(
        "--skip-gate",
        action="store_true",
        help="EMERGENCIES ONLY: update without the policy preview and its plan (recorded and warned about)",
    )
    parser.add_argument(
        "--skip-preflight",
        action="store_true",
        help="update without the account preflight (quotas, Lambda concurrency, Block Public Access; "
        "docs/preflight.md), which stops prod when it fails (recorded and warned about)",
    )
    parser.add_argument(
        "--preflight-deadline",
        metavar="SECONDS",
        type=float,
        default=PREFLIGHT_DEADLINE_SECONDS,
        help="one deadline for all the preflight's AWS calls (default: %(default)g): none starts after it, checks "
        "not read by then are 'could not read (deadline reached)', which stops prod (exit 2) and warns elsewhere",
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


def _project(args: argparse.Namespace) -> Project:
    """The user's program, pack and policy config from the command line (exit 2 on a bad one)."""
    return project_from(args.program, getattr(args, "policy_pack", None), getattr(args, "policy_config", None))


@contextmanager
def _target(project: Project, stack: str, base_stack: str | None = None, judged: bool = True) -> Iterator[Any]:
    """The driver's Target: program, stack, and for a judged run (preview, up, ephemeral run) the pack and the
    policy config (none found is exit 2, never the pack's defaults). Teardown-only commands run without a pack."""
    from .driver.runs import environment_of
    from .driver.settings import Target

    environment = environment_of(project.program / f"Pulumi.{base_stack or stack}.yaml", base_stack or stack)
    if not judged:
        yield Target(project.program, stack, None, None, environment)
        return
    with pack_for_run(project) as pack_dir:
        config = required_policy_config(project, pack_dir, environment)
        yield Target(project.program, stack, pack_dir, config, environment)


def _engine_settings(args: argparse.Namespace, project: Project) -> Any:
    from .driver.settings import EngineSettings

    eni_timeout = getattr(args, "eni_timeout", 45.0)
    interrupt_budget = getattr(args, "interrupt_budget", 900.0)
    if args.timeout <= 0 or args.retries < 1 or args.retry_delay < 0:
        raise ValueError("--timeout must be positive, --retries at least 1 and --retry-delay not negative")
    if eni_timeout <= 0 or args.cancel_grace < 0 or args.kill_wait < 0 or interrupt_budget < 0:
        raise ValueError("--eni-timeout must be positive; --cancel-grace, --kill-wait, --interrupt-budget not negative")
    if args.offline and args.emulator:
        raise ValueError("--offline and --emulator exclude each other")
    preflight_deadline = getattr(args, "preflight_deadline", PREFLIGHT_DEADLINE_SECONDS)
    if preflight_deadline <= 0:
        raise ValueError("--preflight-deadline must be positive")
    settings = EngineSettings(
        state_dir=project.state_dir,
        pulumi_cli=_pulumi_cli(),
        backend_url=args.backend,
        offline=args.offline,
        timeout_seconds=args.timeout,
        attempts=args.retries,
        retry_delay_seconds=args.retry_delay,
        emulator_url=args.emulator,
        skip_gate=getattr(args, "skip_gate", False),
        skip_preflight=getattr(args, "skip_preflight", False),
        cancel_grace_seconds=args.cancel_grace,
        kill_wait_seconds=args.kill_wait,
        interrupt_budget_seconds=interrupt_budget,
        eni_timeout_seconds=eni_timeout * 60,
        parking_group=getattr(args, "parking_security_group", None),
        aws_region=getattr(args, "region", None),
        preflight_deadline_seconds=preflight_deadline,
    )
    settings.preflight = _preflight(args, settings.aws_timeout_seconds, preflight_deadline)
    return settings


def _preflight(args: argparse.Namespace, timeout: float, deadline: float) -> Any:
    """The account preflight step of `up` and ephemeral runs (docs/preflight.md), against the emulator if any."""
    from .preflight.step import driver_step

    return driver_step(
        region=getattr(args, "region", None),
        endpoint_url=args.emulator,
        timeout=timeout,
        offline=args.offline,
        deadline=deadline,
    )


def _pulumi_cli() -> str | None:
    """$NETKIT_PULUMI_CLI, the CLI `make pulumi-cli` builds (.tools/bin), else `pulumi` on PATH (real_engine/tools.py);
    None when there is none (the driver then says how to get one)."""
    from .real_engine.tools import CliNotFound, find_pulumi_cli

    try:
        return str(find_pulumi_cli())
    except CliNotFound:
        return None


def run(args: argparse.Namespace) -> int:
    import os

    from .driver import runs

    project = _project(args)
    settings = _engine_settings(args, project)
    if args.command in ("preview", "up", "destroy"):
        with _target(project, args.stack, judged=args.command != "destroy") as target:
            record = runs.run_environment(args.command, target, settings, args.outputs_file)
    elif args.command == "reap":
        if args.limit is not None and args.limit < 1:
            raise ValueError("--limit must be at least 1")
        with _target(project, "dev", judged=False) as target:
            lines = runs.reap(target, settings, args.dry_run, limit=args.limit)
        for line in lines or ["nothing expired"]:
            print(line)
        return EXIT_PASSED
    elif args.ephemeral_command == "destroy":
        with _target(project, "dev", judged=False) as target:
            record = runs.ephemeral_destroy(
                _stack_to_destroy(args), target, settings, args.outputs_file, left_engine=_left_engine(args)
            )
    else:
        options = runs.EphemeralOptions(
            prefix=args.prefix,
            base_stack=args.base_stack,
            ttl=args.ttl,
            owner=args.owner,
            commit=args.commit,
            network_stack=args.network_stack,
        )
        if args.ephemeral_command == "create":
            from .driver.record import write_outputs

            with _target(project, args.base_stack, args.base_stack, judged=False) as target:
                engine = runs.ephemeral_create(options, target, settings, os.environ, args.outputs_file)
            write_outputs(args.outputs_file, engine.record)
            print(engine.stack.name)
            return EXIT_PASSED
        options.keep = args.keep
        if not args.skip_checks and not args.offline:
            options.verify = _verifier(args.region or "us-east-1", args.emulator)
        with _target(project, args.base_stack, args.base_stack) as target:
            record = runs.ephemeral_run(options, target, settings, os.environ, args.outputs_file)
    for step in record.steps:
        print(f"done: {step}")
    return EXIT_PASSED


def _stack_to_destroy(args: argparse.Namespace) -> str:
    """The stack named on the command line, or the one in a run record (`--record`); exactly one of them."""
    import json

    if (args.name is None) == (args.record is None):
        raise ValueError("name the stack or pass --record FILE (exactly one of them)")
    if args.name is not None:
        return str(args.name)
    try:
        stack = json.loads(args.record.read_text()).get("stack")
    except (OSError, ValueError, AttributeError) as exc:
        raise ValueError(f"--record {args.record}: not a readable run record ({type(exc).__name__})") from None
    if not isinstance(stack, str) or not stack or stack.startswith("("):
        raise ValueError(f"--record {args.record}: the run stopped before it created a stack")
    return stack


def _left_engine(args: argparse.Namespace) -> Any:
    """The CLI process the run record (`--record`) names as running when it was last written: if the run was
    killed with it, its lock is removed (exactly that one)."""
    import json

    from .driver.locks import LeftEngine

    if args.record is None:
        return None
    return LeftEngine.parse(json.loads(args.record.read_text()).get("engine_process"))


def _verifier(region: str, endpoint: str | None) -> Any:
    def verify(outputs: dict[str, Any]) -> list[str]:
        from .aws_ops import ec2_client, verify_deployment

        findings = verify_deployment(ec2_client(region, endpoint), outputs)
        return [f.message for f in findings if not f.ok]

    return verify
