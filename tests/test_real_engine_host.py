"""The real Pulumi CLI (built by `make pulumi-cli`) running Python programs and the netkit pack without a language host.

These tests run the CLI itself: a program served by program_host.py through `--client`, its config, its exports, the
policy pack started as an executable analyzer, and the pack's verdict changing the CLI's exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pulumi import automation as auto

from automation.check import DEFAULT_PACK
from automation.real_engine import program_host
from automation.real_engine.command import ProgramHostCommand
from automation.real_engine.tools import (
    CliNotFound,
    find_pulumi_cli,
    policy_pack_executable,
    program_host_argv,
    real_engine_env,
)

REPO = Path(__file__).resolve().parents[1]


def _cli_or_skip() -> Path:
    try:
        return find_pulumi_cli()
    except CliNotFound as error:
        pytest.skip(f"the real Pulumi CLI is not built here: {error}")


def test_client_flag_goes_only_to_commands_that_run_the_program() -> None:
    assert program_host.with_client(["--non-interactive", "preview", "--stack", "s"], "a:1") == [
        "--non-interactive",
        "preview",
        "--stack",
        "s",
        "--client=a:1",
    ]
    assert program_host.with_client(["up", "--yes", "--", "x"], "a:1") == ["up", "--yes", "--client=a:1", "--", "x"]
    assert program_host.with_client(["stack", "select", "up"], "a:1") == ["stack", "select", "up"]
    assert program_host.subcommand(["--non-interactive", "--", "preview"]) is None


def test_a_missing_cli_names_the_make_target(tmp_path: Path) -> None:
    with pytest.raises(CliNotFound, match="not an executable"):
        find_pulumi_cli({"NETKIT_PULUMI_CLI": str(tmp_path / "nothing"), "PATH": ""})


def test_build_script_without_go_says_so_in_one_line(tmp_path: Path) -> None:
    bash = Path("/bin/bash")
    result = subprocess.run(
        [str(bash), str(REPO / "tools" / "build-pulumi-cli")],
        env={"PATH": str(tmp_path), "NETKIT_TOOLS_BIN": str(tmp_path / "bin")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no Go toolchain" in result.stderr


def _program(directory: Path, code: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text("name: hosted\nruntime: python\n")
    (directory / "__main__.py").write_text(textwrap.dedent(code))
    return directory


def _stack(tmp_path: Path, program: Path, cli: Path) -> auto.Stack:
    (tmp_path / "home").mkdir()
    (tmp_path / "state").mkdir()
    env = real_engine_env(tmp_path / "home", tmp_path / "state", cli, "test-passphrase")
    command = ProgramHostCommand(cli, sys.executable, program)
    workspace = auto.LocalWorkspace(work_dir=str(program), env_vars=env, pulumi_command=command)
    return auto.Stack.create("dev", workspace)


def test_a_program_runs_under_the_real_cli_with_its_config_and_directory(tmp_path: Path) -> None:
    cli = _cli_or_skip()
    program = _program(
        tmp_path / "program",
        """
        import os
        import pulumi
        pulumi.export("who", pulumi.Config().require("who"))
        pulumi.export("cwd", os.getcwd())
        """,
    )
    stack = _stack(tmp_path, program, cli)
    stack.set_config("who", auto.ConfigValue("netkit"))
    preview = stack.preview()
    assert preview.change_summary == {"create": 1}
    outputs = stack.up().outputs
    assert outputs["who"].value == "netkit"
    assert outputs["cwd"].value == str(program)


def test_the_pack_starts_as_an_executable_analyzer_under_the_real_cli(tmp_path: Path) -> None:
    """The CLI loads the netkit pack through the executable written by policy_pack_executable and lists it."""
    cli = _cli_or_skip()
    pack = policy_pack_executable(DEFAULT_PACK, tmp_path / "packs")
    assert os.access(pack, os.X_OK)
    program = _program(tmp_path / "program", "import pulumi\npulumi.export('ok', True)\n")
    stack = _stack(tmp_path, program, cli)
    result = stack.preview(policy_packs=[str(pack)], policy_pack_configs=[str(DEFAULT_PACK / "config" / "dev.json")])
    assert result.change_summary == {"create": 1}
    assert "lambda-netkit@" in result.stdout
    assert pack.name in result.stdout


def test_program_host_passes_the_cli_exit_code_through(tmp_path: Path) -> None:
    cli = _cli_or_skip()
    program = _program(tmp_path / "program", "import pulumi\n")
    argv = program_host_argv(sys.executable, program, None, cli, ["no-such-command"])
    result = subprocess.run(argv, cwd=program, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode != 0
    assert "no-such-command" in result.stderr
