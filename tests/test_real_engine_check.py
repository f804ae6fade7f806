"""`netkit check --engine pulumi` and the policy pack under the real Pulumi CLI (built by `make pulumi-cli`).

- The check's contract under both engines: for the repository's stacks dev, staging and prod the same `passed`,
  violations (policy, URN, level) and not_run; every format; exit codes (violations 1, errors 2, a missing CLI 2
  naming `make pulumi-cli`); the program's own interpreter; nothing left running after a timeout.
- The pack as the CLI runs it (issue 15 item 5): `pulumi preview --policy-pack ... --policy-pack-config
  policies/config/<env>.json` passes on dev, staging and prod; a one-change variant fails with the CLI's own exit
  code and shows the violation and netkit-undecided's text; the copy `make pack-dist` stages runs the same way.
  The CLI runs here through program_host.py (the Python language host cannot be built from Go modules, so a plain
  `pulumi preview` in a Python project directory cannot run) and the pack as an executable analyzer.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from automation.check import DEFAULT_PACK, REPO_ROOT, run_check
from automation.offline.stack_config import load_stack_config
from automation.pack_publish import stage_for_publish
from automation.real_engine.check import run_real_check
from automation.real_engine.check_stack import create_stack, sandbox
from automation.real_engine.command import ProgramHostCommand
from automation.real_engine.tools import CliNotFound, find_pulumi_cli, program_host_argv
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "programs" / "golden"
GOLDEN_CONFIG = FIXTURES / "golden-policy-config.json"
STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def cli() -> Path:
    try:
        return find_pulumi_cli()
    except CliNotFound as error:
        pytest.skip(f"the real Pulumi CLI is not built here: {error}")


def netkit(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automation", "check", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def verdict(document: dict[str, Any]) -> tuple[bool, list[tuple[str, str, str]], list[tuple[str, str]]]:
    return (
        document["passed"],
        sorted((v["policy"], v["urn"], v["enforcement"]) for v in document["violations"]),
        sorted((n["policy"], n["reason"]) for n in document["not_run"]),
    )


# --- the check through both engines -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_both_engines_give_the_same_verdict_for_the_repository_stacks(cli: Path, stack: str) -> None:
    offline = netkit(stack, "--format", "json")
    real = netkit(stack, "--engine", "pulumi", "--format", "json")
    assert offline.returncode == real.returncode == 0, real.stderr
    offline_report, real_report = json.loads(offline.stdout), json.loads(real.stdout)
    assert verdict(real_report) == verdict(offline_report)
    assert real_report["resources"] and {r["urn"] for r in real_report["resources"]} == {
        r["urn"] for r in offline_report["resources"]
    }
    assert real_report["cost"] == offline_report["cost"]
    assert real_report["capacity"] == offline_report["capacity"]


def test_a_mandatory_violation_is_exit_1_in_every_format_under_the_real_cli(cli: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "netkit.sarif"
    result = netkit(
        "test",
        "--program",
        str(GOLDEN),
        "--config",
        "aws:region=us-east-1",
        "--config",
        "golden:break=env-secret",
        "--policy-config",
        str(GOLDEN_CONFIG),
        "--engine",
        "pulumi",
        "--format",
        "json",
        "--format",
        "sarif",
        "--output",
        str(sarif),
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert {(v["policy"], v["enforcement"]) for v in report["violations"]} == {("lambda-env-no-secrets", "mandatory")}
    (violation,) = report["violations"]
    assert violation["urn"].endswith("aws:lambda/function:Function::fn")
    assert violation["source"]["file"] == "tests/fixtures/programs/golden/__main__.py"  # from the engine's log
    assert "VENDOR_KEY" in violation["message"]
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["lambda-env-no-secrets"]
    text = netkit(
        "test",
        "--program",
        str(GOLDEN),
        "--config",
        "aws:region=us-east-1",
        "--config",
        "golden:break=env-secret",
        "--policy-config",
        str(GOLDEN_CONFIG),
        "--engine",
        "pulumi",
    )
    assert text.returncode == 1
    assert "lambda-env-no-secrets" in text.stdout and "__main__.py" in text.stdout


def test_a_missing_cli_is_exit_2_naming_the_make_target(tmp_path: Path) -> None:
    env = {**os.environ, "NETKIT_PULUMI_CLI": str(tmp_path / "no-pulumi")}
    result = netkit("dev", "--engine", "pulumi", env=env, timeout=120)
    assert result.returncode == 2
    assert "make pulumi-cli" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_offline_engine_stays_the_default_and_needs_no_cli(tmp_path: Path) -> None:
    env = {**os.environ, "NETKIT_PULUMI_CLI": str(tmp_path / "no-pulumi")}
    result = netkit("dev", "--format", "json", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["passed"] is True


def _misbehaving(tmp_path: Path, what: str) -> Path:
    program = tmp_path / f"misbehaving-{what}"
    shutil.copytree(FIXTURES / "programs" / "misbehaving", program)
    (program / "Pulumi.test.yaml").write_text(f"config:\n  aws:region: us-east-1\n  misbehaving:what: {what}\n")
    return program


def test_a_program_that_raises_is_exit_2_with_its_own_traceback(cli: Path, tmp_path: Path) -> None:
    result = netkit("test", "--program", str(_misbehaving(tmp_path, "raise")), "--engine", "pulumi")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: the program failed under the Pulumi CLI:")
    assert "no subnets configured" in lines[-1]
    assert "__main__.py" in result.stderr  # the program's traceback, before our one line


def _running_with(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in command:
                found.append(f"{entry.name}: {command}")
    return found


def test_a_timeout_stops_the_cli_and_everything_it_started(cli: Path, tmp_path: Path) -> None:
    program = _misbehaving(tmp_path, "hang")
    result = netkit("test", "--program", str(program), "--engine", "pulumi", "--timeout", "25", timeout=300)
    assert result.returncode == 2
    assert "did not finish within the timeout of 25 seconds" in result.stderr
    # Killed processes are reaped asynchronously: give them a few seconds to be gone, never longer.
    deadline = time.monotonic() + 10
    while (_running_with(str(program)) or _running_with("netkit-engine-")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _running_with(str(program)) == []  # program_host serving it, the CLI, providers, the pack
    assert _running_with("netkit-engine-") == []


def test_an_interrupt_stops_the_cli_and_everything_it_started(cli: Path, tmp_path: Path) -> None:
    program = _misbehaving(tmp_path, "hang")
    check = subprocess.Popen(
        [sys.executable, "-m", "automation", "check", "test", "--program", str(program), "--engine", "pulumi"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not any("--client=" in line for line in _running_with("netkit-engine-")):  # the CLI runs the program
            assert time.monotonic() < deadline, "the CLI never started"
            assert check.poll() is None, check.communicate()
            time.sleep(0.5)
        time.sleep(2)
        check.send_signal(signal.SIGINT)
        _, stderr = check.communicate(timeout=120)
    finally:
        if check.poll() is None:  # a failed assertion above: stop the check as a user would, never leave it running
            check.send_signal(signal.SIGINT)
            check.wait(timeout=120)
    assert check.returncode == 130
    assert "interrupted (SIGINT)" in stderr
    assert _running_with(str(program)) == []
    assert _running_with("netkit-engine-") == []


def test_fixtures_reach_the_offline_providers_invokes(cli: Path, tmp_path: Path) -> None:
    """A lookup answered from --fixtures under the real CLI; one without a fixture fails naming the entry to add."""
    program = tmp_path / "lookup"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: lookup\nruntime: python\n")
    (program / "__main__.py").write_text(
        "import pulumi, pulumi_aws as aws\n"
        "vpc = aws.ec2.get_vpc(default=True)\n"
        "aws.ec2.SecurityGroup('sg', vpc_id=vpc.id, description='from a lookup')\n"
    )
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text(
        "invokes:\n  - token: aws:ec2/getVpc:getVpc\n    args: {default: true}\n"
        "    result: {id: vpc-0fixture, cidrBlock: 172.31.0.0/16}\n"
    )
    args = ("test", "--program", str(program), "--config", "aws:region=us-east-1", "--engine", "pulumi")
    answered = netkit(*args, "--fixtures", str(fixtures), "--format", "json")
    assert answered.returncode == 0, answered.stderr
    unanswered = netkit(*args)
    assert unanswered.returncode == 2
    assert "aws:ec2/getVpc:getVpc" in unanswered.stderr


@pytest.mark.parametrize("engine", ["offline", "pulumi"])
def test_a_stack_policy_finding_that_names_no_resource_is_the_root_stacks(cli: Path, engine: str) -> None:
    """The engine puts it on the root stack (pkg/resource/deploy/analyze_snapshot.go
    resolveStackPolicyViolationURN); the text report still calls it the stack."""
    runner = run_check if engine == "offline" else run_real_check
    report = runner(FIXTURES / "programs" / "probe", "test", "preview", FIXTURES / "probe_pack", stack_named=True)
    assert {v.urn for v in report.violations if v.policy == "probe-stack"} == {
        "urn:pulumi:test::probe::pulumi:pulumi:Stack::probe-test"
    }
    assert report.name_of("urn:pulumi:test::probe::pulumi:pulumi:Stack::probe-test") == "stack test"


# --- the pack as the CLI runs it (issue 15 item 5) ------------------------------------------------------------------


def _preview(
    cli: Path, program: Path, stack: str, pack: Path, policy_config: Path, overrides: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`pulumi preview --policy-pack <pack> --policy-pack-config <file>` on the program's stack, in a throwaway
    backend and PULUMI_HOME with the offline provider, the program served by program_host.py."""
    config = load_stack_config(program, stack, overrides=overrides or {}, stack_named=True)
    python = os.environ.get("PULUMI_PYTHON_CMD", sys.executable)
    with sandbox(cli, python, pack, None) as box:
        assert box.pack is not None
        command = ProgramHostCommand(box.cli, python, program, None)
        project = create_stack(box, command, program, stack, config, overrides or {})
        argv = program_host_argv(
            python,
            program,
            None,
            box.cli,
            ["preview", "--stack", stack, "--policy-pack", str(box.pack), "--policy-pack-config", str(policy_config)],
        )
        return subprocess.run(
            argv, cwd=project, env={**os.environ, **box.env}, capture_output=True, text=True, timeout=600, check=False
        )


@pytest.mark.parametrize("stack", STACKS)
def test_the_pack_passes_the_repository_stacks_under_the_real_cli(cli: Path, stack: str) -> None:
    result = _preview(cli, REPO_ROOT, stack, DEFAULT_PACK, DEFAULT_PACK / "config" / f"{stack}.json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "lambda-netkit@" in result.stdout
    assert "[mandatory]" not in result.stdout


def _undecided_variant(tmp_path: Path) -> Path:
    """The golden program with one change: the Lambda subnets' AZ comes from the VPC's id, so it is unknown in a
    preview and the AZ rules cannot decide."""
    program = tmp_path / "golden-undecided"
    shutil.copytree(GOLDEN, program)
    main = program / "__main__.py"
    source = main.read_text()
    before = '        cidr_block=f"10.0.{i}.0/{lambda_prefix}",\n        availability_zone=az,\n'
    assert before in source
    main.write_text(
        source.replace(
            before,
            '        cidr_block=f"10.0.{i}.0/{lambda_prefix}",\n'
            "        availability_zone=vpc.id.apply(lambda _id, az=az: az),\n",
        )
    )
    (program / "Pulumi.test.yaml").write_text("config:\n  aws:region: us-east-1\n")
    return program


def _assert_undecided_fails(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stdout[-3000:]  # the CLI's own status for a preview a policy failed
    assert "[mandatory]" in result.stdout  # the CLI's own rendering of a mandatory violation
    assert "netkit-undecided" in result.stdout
    assert "could not decide" in result.stdout  # the reason the engine does not print for not-applicable results


def test_a_one_change_variant_fails_with_the_clis_exit_code_and_says_what_is_undecided(
    cli: Path, tmp_path: Path
) -> None:
    _assert_undecided_fails(_preview(cli, _undecided_variant(tmp_path), "test", DEFAULT_PACK, GOLDEN_CONFIG))


def test_the_pack_dist_copy_runs_the_same_way(cli: Path, tmp_path: Path) -> None:
    """What `make pack-dist` stages (no virtualenv option: the launcher takes PULUMI_PYTHON_CMD, else python3)."""
    staged = stage_for_publish(DEFAULT_PACK, tmp_path / "pack")
    passed = _preview(cli, REPO_ROOT, "dev", staged, DEFAULT_PACK / "config" / "dev.json")
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-2000:]
    _assert_undecided_fails(_preview(cli, _undecided_variant(tmp_path), "test", staged, GOLDEN_CONFIG))
