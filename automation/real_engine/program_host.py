"""Run one Pulumi CLI command on a Python program served by the Automation API's language server.

Why this exists: the real Pulumi CLI runs a Python program through its Python language host
(`pulumi-language-python`), and that host is not available here: the Go module proxy answers 403 for every version
of `github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`. The CLI has a second way in, the one the
Automation API uses for inline programs: `--client=ADDRESS` names a LanguageRuntime server that the caller runs itself
(pkg/cmd/pulumi/operations: the `client` runtime). The Python SDK ships that server,
`pulumi.automation._server.LanguageServer`; this script serves a program *directory* with it, the way the language
host's `pulumi-language-python-exec` would: the program's directory first on `sys.path`, its working directory, its
main file run as `__main__`, the stack's config from the engine's `RunRequest`.

It runs under the PROGRAM's interpreter (its Pulumi.yaml virtualenv, `PULUMI_PYTHON_CMD`, or `python3`), so it imports
only the standard library, grpc and the program's own `pulumi` SDK, never netkit.

    <program python> program_host.py --program DIR [--main FILE] -- <pulumi> <args...>

`--client` is added to the commands that run the program (up, preview, refresh, destroy, import); any other command
runs as given. The CLI's exit status is this script's exit status (128+N when a signal N ended it).

Signals: the CLI runs in this process's group and session, so Ctrl-C in a terminal and a signal sent to the group
reach the CLI directly and it cancels the way it always does. This process ignores SIGINT/SIGTERM itself (dying would
take the program's server away from the CLI mid-operation) and the CLI gets SIGTERM if this process dies first
(PR_SET_PDEATHSIG on Linux, set by a `python -c` stub that then execs the CLI: a preexec_fn would fork this process,
which runs gRPC threads, and can abort in gRPC's fork handlers; automation/parent_death.py does the same for netkit,
repeated here because this script runs under the program's interpreter without netkit), so no CLI outlives it.
"""

from __future__ import annotations

import argparse
import os
import runpy
import signal
import subprocess
import sys
from collections.abc import Callable
from concurrent import futures

PROGRAM_COMMANDS = frozenset({"up", "update", "preview", "refresh", "destroy", "import"})
_EXEC_WITH_DEATH_SIGNAL = (
    "import ctypes, ctypes.util, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)\n"
    "except (OSError, AttributeError, TypeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)\n"
    "try:\n"
    "    os.execvp(sys.argv[2], sys.argv[2:])\n"
    "except OSError as error:\n"
    "    sys.exit(f'cannot start {sys.argv[2]}: {error.strerror}')\n"
)


def subcommand(cli_args: list[str]) -> str | None:
    """The CLI subcommand in `cli_args` (the first word that is not a flag), or None."""
    for arg in cli_args:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def with_client(cli_args: list[str], address: str) -> list[str]:
    """`cli_args` with `--client=ADDRESS` before any `--` separator, for commands that run the program."""
    if subcommand(cli_args) not in PROGRAM_COMMANDS:
        return list(cli_args)
    end = cli_args.index("--") if "--" in cli_args else len(cli_args)
    return [*cli_args[:end], f"--client={address}", *cli_args[end:]]


def program_function(main: str) -> Callable[[], None]:
    """The Pulumi program as the language host runs it: its main file (or directory) executed as `__main__`."""

    def run() -> None:
        runpy.run_path(main, run_name="__main__")

    return run


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if "--" not in argv:
        raise SystemExit("program_host: usage: program_host.py --program DIR [--main FILE] -- <pulumi> <args...>")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="program_host.py", description=__doc__.splitlines()[0])
    parser.add_argument("--program", required=True, help="the program's directory (its working directory)")
    parser.add_argument("--main", help="the file or directory to run as __main__ (default: the program directory)")
    parser.add_argument(
        "--non-interactive",
        action="store_true",
        help="passed on to the CLI (the Automation API adds it before the first `--` of every command line)",
    )
    options = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    if not command:
        raise SystemExit("program_host: no Pulumi CLI command after --")
    if options.non_interactive and "--non-interactive" not in command:
        command.insert(1, "--non-interactive")
    return options, command


def main(argv: list[str] | None = None) -> int:
    options, command = _parse(sys.argv[1:] if argv is None else argv)
    program_dir = os.path.abspath(options.program)
    entry = os.path.abspath(options.main) if options.main else program_dir
    cli_cwd = os.getcwd()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)

    cli_args = command[1:]
    server = None
    if subcommand(cli_args) in PROGRAM_COMMANDS:
        import grpc  # the program's own SDK dependencies: only needed when a program runs
        from pulumi.automation._server import LanguageServer
        from pulumi.runtime.proto import language_pb2_grpc

        # The program's directory replaces this script's own at the head of sys.path, as the language host has it.
        if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
            sys.path[0] = program_dir
        else:
            sys.path.insert(0, program_dir)
        os.chdir(program_dir)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageServer(program_function(entry)), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        cli_args = with_client(cli_args, f"127.0.0.1:{port}")

    try:
        stub = [sys.executable, "-c", _EXEC_WITH_DEATH_SIGNAL, str(os.getpid())]
        cli = subprocess.Popen([*stub, command[0], *cli_args], cwd=cli_cwd)
    except OSError as error:
        print(f"program_host: cannot start the Pulumi CLI {command[0]}: {error.strerror}", file=sys.stderr)
        return 2
    while True:
        try:
            code = cli.wait()
            break
        except InterruptedError:  # pragma: no cover - wait() retries EINTR itself since PEP 475
            continue
    if server is not None:
        server.stop(0)
    sys.stdout.flush()
    sys.stderr.flush()
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    # os._exit: the program may leave non-daemon threads behind; the CLI has finished, so nothing is left to wait for.
    os._exit(main())
