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

from .cli_common import EXIT_ERROR, EXIT_PASSED, EXIT_VIOLATIONS, add_policy_options, add_program_option

FORMATS = ("text", "json", "sarif")
Target = tuple[str, Path | None]  # a format and its file (None: stdout)
_EXTENSIONS = {".sarif": "sarif", ".json": "json"}

DESCRIPTION = """\
Check the Pulumi Python program in the current directory (or --program DIR)
against the policy pack, offline: no Pulumi CLI, no cloud account. The program
runs as in a first `pulumi preview` (--mode preview: what the provider computes
is unknown) or as an update (--mode update: known ids and the provider's
defaults), and every registration goes to the pack over the analyzer protocol,
as the Pulumi engine sends it. The pack is started as the Pulumi CLI starts it
(the interpreter its PulumiPolicy.yaml names; none: python3 on PATH).

Examples:
  netkit check                            the dev stack of the program here
  netkit check prod --mode update         Pulumi.prod.yaml, after an update
  netkit check --policy-config prod       judged by the pack's prod config
  netkit check --format text --format sarif --output netkit.sarif

Reports: text for people (file:line, resource, message, fix), json (the report
contract), sarif (SARIF 2.1.0 for GitHub code scanning). Each --format may be
followed by --output FILE (the last example: text on stdout, SARIF in a file).

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
    check.on_error = usage_error
    check.add_argument(
        "stack",
        nargs="?",
        default=None,
        help="stack name; reads Pulumi.<STACK>.yaml of the program, which must exist when named (default: dev)",
    )
    add_program_option(check)
    check.add_argument(
        "--mode",
        choices=("preview", "update"),
        default="preview",
        help="preview: a first preview's planned state; update: known ids and outputs (default: preview)",
    )
    add_policy_options(check)
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
        "--account-facts",
        metavar="FILE",
        type=Path,
        default=None,
        help="JSON of `aws preflight`: the capacity rule uses the account's Lambda concurrency, not accountConcurrency",
    )
    check.add_argument(
        "--timeout", metavar="SECONDS", type=_seconds, default=600.0, help="seconds the program may run (default: 600)"
    )
    check.add_argument(
        "--fail-on-undecided", action="store_true", help="exit 1 when any policy could not decide something"
    )
    check.add_argument("--verbose", action="store_true", help="show URNs and the messages of suppressed findings")
    check.add_argument(
        "--sarif-category",
        metavar="ID",
        default=None,
        help="write ID as the SARIF run's automationDetails.id (default: none, so the `category` of GitHub's "
        "upload-sarif action applies; set it only when uploading another way)",
    )
    check.add_argument(
        "--engine",
        choices=("offline", "pulumi"),
        default="offline",
        help="offline: in-process, no CLI (default); pulumi: the real Pulumi CLI with the offline provider "
        "(`make pulumi-cli` builds it)",
    )


def _targets(outputs: Sequence[Sequence[Any]] | None, inputs: Sequence[Path | None] = ()) -> list[Target]:
    """Where each format goes; ValueError (one line) for a conflict, found before anything runs: two formats on
    stdout or in one file, an --output that is an input of the check, a directory, or in a missing directory."""
    pairs = [(str(f), p) for f, p in (outputs or [])] or [("text", None)]
    to_stdout = [f for f, p in pairs if p is None]
    if len(to_stdout) > 1:
        raise ValueError(f"only one format can go to stdout (got {', '.join(to_stdout)}); give the others --output")
    written: dict[Path, str] = {}
    protected = {_identity(path): path for path in inputs if path is not None}
    for fmt, path in pairs:
        if path is None:
            continue
        key = _identity(path)
        if key in written:
            raise ValueError(
                f"--output {path} is given for both {written[key]} and {fmt}; give each format its own file"
            )
        written[key] = fmt
        if key in protected:
            raise ValueError(f"--output {path} is an input of the check ({protected[key]}); write the report elsewhere")
        if path.is_dir():
            raise ValueError(f"--output {path} is a directory; name a file")
        if not path.parent.is_dir():
            raise ValueError(f"--output {path}: directory {path.parent} does not exist")
    if not to_stdout:
        pairs.insert(0, ("text", None))  # every format went to a file: people still get the text on stdout
    return pairs


def _identity(path: Path) -> Path:
    """One name per file (`r.json`, `./r.json` and an absolute path are the same file)."""
    return Path(os.path.abspath(path))


def _requested_targets(arguments: Sequence[str]) -> list[Target]:
    """The --format/--output pairs of a command line argparse refused (for the error documents); [] when even
    those cannot be read."""
    reader = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    reader.add_argument("--format", action=_FormatAction, dest="outputs")
    reader.add_argument("--output", action=_FormatAction, dest="outputs")
    try:
        known, _ = reader.parse_known_args(list(arguments))
        targets = _targets([(f, p) for f, p in (known.outputs or []) if f in FORMATS])
    except (argparse.ArgumentError, ValueError):
        return []
    return targets


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
    return Console(
        file=file, highlight=False, emoji=False, width=width, soft_wrap=False, force_terminal=False if file else None
    )


def _render(report: Any, fmt: str, path: Path | None, verbose: bool, sarif_category: str | None = None) -> None:
    from .offline.report import render_json
    from .offline.sarif import render_sarif
    from .offline.text_report import render_text

    if fmt == "text":
        if path is None:
            render_text(report, _console(), verbose=verbose)
            return
        with path.open("w", encoding="utf-8") as handle:
            render_text(report, _console(handle), verbose=verbose)
        return
    document = render_json(report) if fmt == "json" else render_sarif(report, category=sarif_category)
    if path is None:
        print(document)
    else:
        path.write_text(document + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    try:
        config_file = Path(args.policy_config) if args.policy_config is not None else None  # NAME|FILE
        targets = _targets(args.outputs, (args.fixtures, config_file, args.account_facts))
    except ValueError as exc:
        return _fail(f"error: {exc}", EXIT_ERROR, _stdout_targets(args.outputs))
    try:
        with _signals_raise():
            report = _check(args)
    except Interrupted as exc:
        _stop_programs()
        name = "SIGINT" if exc.signum == signal.SIGINT else "SIGTERM"
        return _fail(f"interrupted ({name}): the program and the policy pack were stopped", 128 + exc.signum, targets)
    except _CheckFailed as exc:
        return _fail(f"error: {exc}", EXIT_ERROR, targets, exc.before, exc.after)
    # Files first: a reader that closes stdout early (`| head`) must not cost the SARIF file.
    for fmt, path in sorted(targets, key=lambda target: target[1] is None):
        try:
            _render(report, fmt, path, args.verbose, args.sarif_category)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no "Exception ignored" at exit
        except OSError as exc:
            others = [target for target in targets if target[1] != path]
            return _fail(f"error: cannot write {path}: {exc.strerror}", EXIT_ERROR, others)
    if not report.passed:
        return EXIT_VIOLATIONS
    if args.fail_on_undecided and report.undecided:
        _stderr().print("error: some policies could not decide (--fail-on-undecided)", markup=False)
        return EXIT_VIOLATIONS
    return EXIT_PASSED


def _stderr() -> Console:
    # No emoji codes: `a:b:c` in a message is a config key, not `:b:` (rich would print a symbol).
    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def _stdout_targets(outputs: Sequence[Sequence[Any]] | None) -> list[Target]:
    return [(str(f), None) for f, p in (outputs or []) if p is None]


def _fail(line: str, code: int, targets: Sequence[Target], before: str = "", after: str = "") -> int:
    """End a check that could not report: one line on stderr (after the program's own traceback or the pack's
    stderr, before a fixture entry to add), and an error document for each structured format asked for (JSON
    `{"error": ...}`, SARIF with an error notification), so a CI step that reads them gets a document, not nothing."""
    if before:
        sys.stderr.write(before.rstrip("\n") + "\n")
    _stderr().print(line, markup=False)
    if after:
        sys.stderr.write(after.rstrip("\n") + "\n")
    _error_documents(line, code, targets, before, after)
    return code


def _error_documents(line: str, code: int, targets: Sequence[Target], before: str = "", after: str = "") -> None:
    import json

    structured = [(fmt, path) for fmt, path in targets if fmt in ("json", "sarif")]
    if not structured:
        return
    from .check import tool_version
    from .offline.report import error_document
    from .offline.sarif import sarif_error_document

    message = line.removeprefix("error: ")
    for fmt, path in structured:
        if fmt == "json":
            document = error_document(message, code, before, after)
        else:
            document = sarif_error_document(message, code, tool_version())
        text = json.dumps(document, indent=2)
        try:
            if path is None:
                print(text, flush=True)
            else:
                path.write_text(text + "\n", encoding="utf-8")
        except OSError:
            continue  # the line on stderr says what went wrong; nothing more can be written


def usage_error(line: str, arguments: Sequence[str]) -> None:
    """argparse refused the command line: the error documents the structured formats it asked for."""
    _error_documents(line, EXIT_ERROR, _requested_targets(arguments))


def _stop_programs() -> None:
    """The runner's own cleanup hook (its children are already stopped by the unwinding; this makes sure)."""
    try:
        from .offline.program_process import terminate_programs  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return
    terminate_programs()


class _CheckFailed(Exception):
    """One line for stderr, with what may come before it (the program's own traceback, the pack's stderr) and after
    it (a fixture entry to add)."""

    def __init__(self, message: str, before: str = "", after: str = "") -> None:
        line, _, rest = message.partition("\n")
        super().__init__(line)
        self.before = before
        self.after = "\n".join(part for part in (rest, after) if part)


def _check(args: argparse.Namespace) -> Any:
    """run_check with the arguments; every error of ours or the program's becomes _CheckFailed (one line)."""
    from .check import run_check
    from .offline.analyzer import DuplicateResourceError
    from .offline.engine import ProgramError
    from .offline.pack_process import PolicyPackError
    from .offline.stack_config import ProgramLoadError
    from .preflight.facts import AccountFactsError, load_account_concurrency

    if args.program is None and not any((Path.cwd() / name).is_file() for name in ("Pulumi.yaml", "__main__.py")):
        raise _CheckFailed(
            f"no Pulumi program in the current directory {Path.cwd()}: run `netkit check` in your project's "
            "directory or pass --program DIR"
        )
    if getattr(args, "engine", "offline") == "pulumi":
        return _check_real(args)
    try:
        facts = load_account_concurrency(args.account_facts) if args.account_facts is not None else None
        return run_check(
            program_dir=args.program if args.program is not None else Path.cwd(),
            stack=args.stack or "dev",
            mode=args.mode,
            policy_pack=args.policy_pack,
            policy_config=args.policy_config,
            config_overrides=dict(args.config),
            stack_named=args.stack is not None,
            fixtures=args.fixtures,
            timeout=args.timeout,
            account_facts=facts,
        )
    except ProgramError as exc:
        raise _CheckFailed(exc.args[0], exc.program_traceback, exc.hint) from None
    except PolicyPackError as exc:
        line, _, stderr = str(exc).partition("\n")  # the pack's own stderr comes before our line
        raise _CheckFailed(line, stderr) from None
    except (ProgramLoadError, DuplicateResourceError, AccountFactsError) as exc:
        raise _CheckFailed(str(exc)) from None
    except Interrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback of ours: one line naming what broke
        raise _CheckFailed(f"internal error: {type(exc).__name__}: {exc}") from None


def _check_real(args: argparse.Namespace) -> Any:
    """run_real_check (automation/real_engine/check.py) with the arguments; errors as in `_check`."""
    from .offline.pack_process import PolicyPackError
    from .offline.stack_config import ProgramLoadError
    from .preflight.facts import AccountFactsError, load_account_concurrency
    from .real_engine.check import CliNotFound, EngineError, SandboxError, run_real_check

    try:
        facts = load_account_concurrency(args.account_facts) if args.account_facts is not None else None
        return run_real_check(
            program_dir=args.program if args.program is not None else Path.cwd(),
            stack=args.stack or "dev",
            mode=args.mode,
            policy_pack=args.policy_pack,
            policy_config=args.policy_config,
            config_overrides=dict(args.config),
            stack_named=args.stack is not None,
            fixtures=args.fixtures,
            timeout=args.timeout,
            account_facts=facts,
        )
    except EngineError as exc:
        raise _CheckFailed(str(exc), exc.program_traceback) from None
    except PolicyPackError as exc:
        line, _, stderr = str(exc).partition("\n")  # the pack's own stderr comes before our line
        raise _CheckFailed(line, stderr) from None
    except (CliNotFound, ProgramLoadError, SandboxError, AccountFactsError) as exc:
        raise _CheckFailed(str(exc)) from None
    except Interrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback of ours: one line naming what broke
        raise _CheckFailed(f"internal error: {type(exc).__name__}: {exc}") from None
