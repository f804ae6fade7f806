"""Where the real Pulumi CLI and netkit's launchers for it are, and the environment that isolates a run.

The CLI is built from Go modules by `make pulumi-cli` into `<repository>/.tools/bin` (tools/build-pulumi-cli). A CLI
on PATH is used only when it is new enough for the pinned Python SDK; `NETKIT_PULUMI_CLI` names one explicitly.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPOSITORY / ".tools" / "bin"
PROGRAM_HOST = Path(__file__).with_name("program_host.py")
ANALYZER_LAUNCHER = Path(__file__).with_name("pulumi-analyzer-policy-python")


class CliNotFound(Exception):
    """No Pulumi CLI could be found; the message says how to build one."""


def find_pulumi_cli(environ: Mapping[str, str] | None = None) -> Path:
    """The Pulumi CLI to run: `NETKIT_PULUMI_CLI`, else `.tools/bin/pulumi`, else `pulumi` on PATH."""
    env = os.environ if environ is None else environ
    named = env.get("NETKIT_PULUMI_CLI")
    if named:
        path = Path(named)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise CliNotFound(
                f"NETKIT_PULUMI_CLI names {path}, which is not an executable file (`make pulumi-cli` builds one into "
                ".tools/bin)"
            )
        return path
    built = TOOLS_BIN / "pulumi"
    if built.is_file() and os.access(built, os.X_OK):
        return built
    on_path = shutil.which("pulumi", path=env.get("PATH"))
    if on_path:
        return Path(on_path)
    raise CliNotFound(
        "no Pulumi CLI found: run `make pulumi-cli` (builds it from Go modules into .tools/bin), "
        "put `pulumi` on PATH, or set NETKIT_PULUMI_CLI"
    )


def program_host_argv(python: str, program_dir: Path, main: Path | None, cli: Path, cli_args: list[str]) -> list[str]:
    """The command line that runs `cli cli_args` with the program in `program_dir` served by program_host.py."""
    # --non-interactive before the first `--`: PulumiCommand.run inserts it at the front of the arguments otherwise,
    # which would land between the interpreter and the script.
    argv = [python, str(PROGRAM_HOST), "--non-interactive", "--program", str(program_dir)]
    if main is not None:
        argv += ["--main", str(main)]
    return [*argv, "--", str(cli), *cli_args]


def policy_pack_executable(pack_dir: Path, into: Path) -> Path:
    """An executable analyzer for `--policy-pack` that starts the Python policy pack in `pack_dir`.

    The CLI runs a pack directory through the `python` language plugin, which this test bed cannot build; an
    executable given as `--policy-pack` is launched directly (see pulumi-analyzer-policy-python). The executable is
    written under `into` (a throwaway directory) with the pack's absolute path and virtualenv baked in.
    """
    pack_dir = pack_dir.resolve()
    project = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    runtime = project.get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    args = ["/bin/sh", str(ANALYZER_LAUNCHER), '"$1"', str(pack_dir)]  # sh: an installed copy may lose its x bit
    virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
    if virtualenv:
        args.append(f"-virtualenv={(pack_dir / str(virtualenv)).resolve()}")
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", pack_dir.name)
    into.mkdir(parents=True, exist_ok=True)
    executable = into / f"pulumi-analyzer-{name}"
    quoted = " ".join(arg if arg == '"$1"' else shlex.quote(arg) for arg in args)
    executable.write_text(f"#!/bin/sh\nexec {quoted}\n", encoding="utf-8")
    executable.chmod(0o755)
    return executable


def real_engine_env(pulumi_home: Path, backend_dir: Path, cli: Path, passphrase: str) -> dict[str, str]:
    """Variables that keep a run of the real CLI off the user's own Pulumi state, plugins and credentials.

    A throwaway `PULUMI_HOME` (plugins, workspace settings) and a local file backend, the CLI's directory first on
    PATH, no update check.
    """
    path = os.pathsep.join([str(cli.parent), os.environ.get("PATH", "")])
    return {
        "PULUMI_HOME": str(pulumi_home),
        "PULUMI_BACKEND_URL": backend_dir.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        "PATH": path,
        "PYTHONUNBUFFERED": "1",
    }


def current_python() -> str:
    """The interpreter running netkit (providers and launchers netkit owns run on it)."""
    return sys.executable
