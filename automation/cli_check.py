"""`check`: the offline policy check (no CLI, no cloud)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console

from .cli_common import EXIT_ERROR, EXIT_PASSED, EXIT_VIOLATIONS

FORMATS = ("text", "json", "sarif")
_EXTENSIONS = {".sarif": "sarif", ".json": "json"}

DESCRIPTION = """\
Run a Pulumi Python program as a first `pulumi preview` (--mode preview: what
the provider computes is unknown) or as an update (--mode update: known ids and
the provider's defaults), and send every registration to the policy pack over
the analyzer protocol, as the Pulumi engine does. The pack is started as the
Pulumi CLI starts it: the interpreter named by its PulumiPolicy.yaml
(runtime.options.virtualenv, relative to the pack; none = python3 on PATH),
`python -u -m pulumi.policy`, working directory the pack, PULUMI_CONFIG,
PULUMI_PROJECT, PULUMI_STACK and PULUMI_DRY_RUN set.

Reports: text for people (file:line, resource, message, fix), json (the report
contract), sarif (SARIF 2.1.0 for GitHub code scanning). Each --format may be
followed by --output FILE, e.g. text on stdout and SARIF in a file:
  --format text --format sarif --output netkit.sarif

Exit status: 0 passed; 1 a mandatory violation (or anything undecided with
--fail-on-undecided); 2 any other error (bad arguments or files, the program
failed, exited or timed out, the pack failed); 130/143 interrupted.
"""


class Interrupted(BaseException):
    """SIGINT/SIGTERM during a check: unwinds through every cleanup (program, pack) to one line and 130/143."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _FormatAction(argparse.Action):
    def __call__(self, parser: Any, namespace: argparse.Namespace, values: Any, option: str | None = None) -> None:
        outputs: list[list[Any]] = namespace.outputs if namespace.outputs is not None else []
        if option == "--format":
            outputs.append([values, None])
        else:
            if outputs and outputs[-1][1] is None:
                outputs[-1][1] = Path(values)
            else:
                outputs.append([_EXTENSIONS.get(Path(values).suffix.lower(), "text"), Path(values)])
        namespace.outputs = outputs


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("expects KEY=VALUE (as `pulumi preview -c`)")
    return key.strip(), value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expects a number of seconds") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("expects a positive number of seconds")
    return value


def add_parser(sub: Any) -> None:
    check = sub.add_parser(
        "check",
        help="run a Pulumi program under the mock runtime and the policy pack, with no CLI and no cloud",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "stack",
        nargs="?",
        default=None,
        help="stack name; reads Pulumi.<STACK>.yaml, which must exist when named (default: dev)",
    )
    check.add_argument(
        "--program", metavar="DIR", type=Path, default=None, help="Pulumi program directory (default: repo root)"
    )
    check.add_argument(
        "--mode",
        choices=("preview", "update"),
        default="preview",
        help="preview: a first preview's planned state; update: known ids and outputs (default: preview)",
    )
    check.add_argument(
        "--policy-pack",
        metavar="DIR",
        type=Path,
        default=None,
        help="policy pack directory (default: policies/ of this repository, or the pack installed with netkit)",
    )
    check.add_argument(
        "--policy-config",
        metavar="FILE",
        type=Path,
        default=None,
        help="policy config JSON, as `pulumi preview --policy-pack-config` (default: <pack>/config/<env>.json)",
    )
    check.add_argument(
        "--format",
        choices=FORMATS,
        action=_FormatAction,
        dest="outputs",
        help="text (default), json or sarif; repeatable, each optionally followed by --output",
    )
    check.add_argument(
        "--output",
        metavar="FILE",
        action=_FormatAction,
        dest="outputs",
        help="write the format given just before to FILE (alone: the format from the extension .sarif/.json)",
    )
    check.add_argument(
        "--config",
        metavar="KEY=VALUE",
        type=_key_value,
        action="append",
        default=[],
        help="stack config value, as `pulumi preview -c` (repeatable)",
    )
    check.add_argument(
        "--fixtures", metavar="FILE", type=Path, default=None, help="YAML answers for lookups and stack references"
    )
    check.add_argument(
        "--timeout", metavar="SECONDS", type=_seconds, default=600.0, help="seconds the program may run (default: 600)"
    )
    check.add_argument(
        "--fail-on-undecided", action="store_true", help="exit 1 when any policy could not decide something"
    )
    check.add_argument("--verbose", action="store_true", help="show URNs and the messages of suppressed findings")
    check.add_argument(
        "--engine",
        choices=("offline", "pulumi"),
        default="offline",
        help="offline: in-process, no CLI (default); pulumi: the real Pulumi CLI with the offline provider "
        "(`make pulumi-cli` builds it)",
    )


def _targets(outputs: Sequence[Sequence[Any]] | None) -> list[tuple[str, Path | None]]:
    pairs = [(str(f), p) for f, p in (outputs or [])] or [("text", None)]
    to_stdout = [f for f, p in pairs if p is None]
    if len(to_stdout) > 1:
        raise ValueError(f"only one format can go to stdout (got {', '.join(to_stdout)}); give the others --output")
    if not to_stdout:
        pairs.insert(0, ("text", None))  # every format went to a file: people still get the text on stdout
    return pairs


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGINT/SIGTERM raise Interrupted once; further ones are ignored while everything is being stopped."""

    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _console(file: Any = None) -> Console:
    stream = file or sys.stdout
    tty = hasattr(stream, "isatty") and stream.isatty()
    width = None if tty else int(os.environ.get("COLUMNS", "0") or 0) or 100
    return Console(file=file, highlight=False, width=width, soft_wrap=False, force_terminal=False if file else None)


def _render(report: Any, fmt: str, path: Path | None, verbose: bool) -> None:
    from .offline.report import render_json, render_sarif, render_text

    if fmt == "text":
        if path is None:
            render_text(report, _console(), verbose=verbose)
            return
        with path.open("w", encoding="utf-8") as handle:
            render_text(report, _console(handle), verbose=verbose)
        return
    document = render_json(report) if fmt == "json" else render_sarif(report)
    if path is None:
        print(document)
    else:
        path.write_text(document + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        targets = _targets(args.outputs)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_ERROR
    try:
        with _signals_raise():
            report = _check(args)
    except Interrupted as exc:
        _stop_programs()
        name = "SIGINT" if exc.signum == signal.SIGINT else "SIGTERM"
        err.print(f"interrupted ({name}): the program and the policy pack were stopped", markup=False)
        return 128 + exc.signum
    except _CheckFailed as exc:
        if exc.program_traceback:
            sys.stderr.write(exc.program_traceback.rstrip("\n") + "\n")
        err.print(f"error: {exc}", markup=False)
        return EXIT_ERROR
    # Files first: a reader that closes stdout early (`| head`) must not cost the SARIF file.
    for fmt, path in sorted(targets, key=lambda target: target[1] is None):
        try:
            _render(report, fmt, path, args.verbose)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no "Exception ignored" at exit
        except OSError as exc:
            err.print(f"error: cannot write {path}: {exc.strerror}", markup=False)
            return EXIT_ERROR
    if not report.passed:
        return EXIT_VIOLATIONS
    if args.fail_on_undecided and report.undecided:
        err.print("error: some policies could not decide (--fail-on-undecided)", markup=False)
        return EXIT_VIOLATIONS
    return EXIT_PASSED


def _stop_programs() -> None:
    """The runner's own cleanup hook (its children are already stopped by the unwinding; this makes sure)."""
    try:
        from .offline.program_process import terminate_programs  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return
    terminate_programs()


class _CheckFailed(Exception):
    def __init__(self, message: str, program_traceback: str = "") -> None:
        super().__init__(message)
        self.program_traceback = program_traceback


def _check(args: argparse.Namespace) -> Any:
    """run_check with the arguments; every error of ours or the program's becomes _CheckFailed (one line)."""
    from .check import REPO_ROOT, run_check
    from .offline.analyzer import DuplicateResourceError
    from .offline.engine import ProgramError
    from .offline.pack_process import PolicyPackError
    from .offline.stack_config import ProgramLoadError

    if getattr(args, "engine", "offline") == "pulumi":
        return _check_real(args)
    try:
        return run_check(
            program_dir=args.program or REPO_ROOT,
            stack=args.stack or "dev",
            mode=args.mode,
            policy_pack=args.policy_pack,
            policy_config=args.policy_config,
            config_overrides=dict(args.config),
            stack_named=args.stack is not None,
            fixtures=args.fixtures,
            timeout=args.timeout,
        )
    except ProgramError as exc:
        raise _CheckFailed(str(exc), exc.program_traceback) from None
    except (ProgramLoadError, PolicyPackError, DuplicateResourceError) as exc:
        raise _CheckFailed(str(exc)) from None
    except Interrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback of ours: one line naming what broke
        raise _CheckFailed(f"internal error: {type(exc).__name__}: {exc}") from None


def _check_real(args: argparse.Namespace) -> Any:
    """run_real_check (automation/real_engine/check.py) with the arguments; errors as in `_check`."""
    from .check import REPO_ROOT
    from .offline.pack_process import PolicyPackError
    from .offline.stack_config import ProgramLoadError
    from .real_engine.check import CliNotFound, EngineError, SandboxError, run_real_check

    try:
        return run_real_check(
            program_dir=args.program or REPO_ROOT,
            stack=args.stack or "dev",
            mode=args.mode,
            policy_pack=args.policy_pack,
            policy_config=args.policy_config,
            config_overrides=dict(args.config),
            stack_named=args.stack is not None,
            fixtures=args.fixtures,
            timeout=args.timeout,
        )
    except EngineError as exc:
        raise _CheckFailed(str(exc), exc.program_traceback) from None
    except (CliNotFound, ProgramLoadError, PolicyPackError, SandboxError) as exc:
        raise _CheckFailed(str(exc)) from None
    except Interrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback of ours: one line naming what broke
        raise _CheckFailed(f"internal error: {type(exc).__name__}: {exc}") from None
