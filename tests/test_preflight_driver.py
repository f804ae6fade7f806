"""The preflight as the driver's step before the gate: `netkit up prod` against an emulator (moto) whose account
cannot hold prod stops before the gate with nothing changed; outside prod a failure is a warning; `--skip-preflight`
is warned about and recorded. The CLI tests need the real Pulumi CLI (`make pulumi-cli`). The fixtures `program`
(the driver's test program) and `aws_account` (a fresh moto account) are imported under their own names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from automation import cli
from automation.check import DEFAULT_PACK, REPO_ROOT
from automation.driver import runs
from automation.driver.errors import DriverError, PolicyViolationError
from automation.driver.settings import Target
from automation.preflight.facts import DEADLINE_REACHED
from automation.preflight.step import driver_step
from tests.conftest import copy_project
from tests.test_driver_real import CLI, PROGRAM_HOST, real_settings, record_of, target_of
from tests.test_driver_real import program as program
from tests.test_preflight import SilentEndpoint, allocate
from tests.test_preflight import aws_account as aws_account
from tests.test_preflight import silent_endpoint as silent_endpoint

needs_cli = pytest.mark.skipif(
    not (CLI.is_file() and PROGRAM_HOST.is_file()), reason="the real Pulumi CLI is not built: run `make pulumi-cli`"
)


def repo_target(stack: str) -> Target:
    return Target(REPO_ROOT, stack, DEFAULT_PACK, DEFAULT_PACK / "config" / f"{stack}.json", stack)


@needs_cli
def test_up_prod_stops_before_the_gate_when_the_preflight_fails(
    aws_account: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allocate(aws_account["ec2"], 3)  # 2 of moto's 5 Elastic IPs free; prod's NAT gateways need 3
    monkeypatch.chdir(copy_project(tmp_path))  # the driver keeps its files (.netkit) in the program directory
    record_file = tmp_path / "up.json"
    argv = ["up", "prod", "--emulator", aws_account["endpoint"], "--outputs-file", str(record_file)]
    assert cli.main(argv) == 1
    record = record_of(record_file)
    assert record["gate"] == {"result": "skipped", "reason": "no update was attempted", "plan": None}
    preflight = [p for p in record["phases"] if p["phase"] == "preflight"]
    assert [p["result"] for p in preflight] == ["stopped before any change"]
    assert "elastic-ips" in record["errors"][0] and "L-0263D0A3" in record["errors"][0]
    assert record["resources_in_state"] == 0 and record["pending_operations"] == []
    assert not any(step in record["steps"] for step in ("gate", "preview", "up"))


def test_outside_prod_a_failing_preflight_is_a_warning(aws_account: dict[str, Any]) -> None:
    allocate(aws_account["ec2"], 4)  # 1 free: dev's two hyperplane Elastic IPs do not fit, nor prod's three
    step = driver_step(region=None, endpoint_url=aws_account["endpoint"], timeout=10.0)
    outcome = step(repo_target("dev"))
    assert outcome.result.startswith("preflight failed")
    assert any("elastic-ips" in w and "only prod stops" in w for w in outcome.warnings)
    assert any(d.startswith("fail elastic-ips") for d in outcome.details)
    with pytest.raises(PolicyViolationError, match="fails elastic-ips, nothing was changed"):
        step(repo_target("prod"))


def test_checks_left_unread_by_the_deadline_stop_prod_and_warn_elsewhere(silent_endpoint: SilentEndpoint) -> None:
    """An endpoint that never answers, --timeout 30, --preflight-deadline 2: the step returns by its deadline (plus
    the program's offline run); in prod the unread checks stop the run before any change, never a silent pass."""
    step = driver_step(region=None, endpoint_url=silent_endpoint.url, timeout=30.0, deadline=2.0)
    outcome = step(repo_target("dev"))
    assert outcome.result.startswith("preflight incomplete; deadline reached (2 s)")
    assert any(f"preflight {DEADLINE_REACHED} after 2 s" in w and "only prod stops" in w for w in outcome.warnings)
    assert any(d.startswith("unknown elastic-ips") and DEADLINE_REACHED in d for d in outcome.details)
    with pytest.raises(DriverError, match="stops before any change") as stopped:
        step(repo_target("prod"))
    assert not isinstance(stopped.value, PolicyViolationError)  # exit 2: unread, not a violation
    assert DEADLINE_REACHED in str(stopped.value) and "--preflight-deadline" in str(stopped.value)


def test_offline_runs_record_that_there_was_no_account_to_read() -> None:
    outcome = driver_step(region=None, endpoint_url=None, timeout=10.0, offline=True)(repo_target("prod"))
    assert outcome.result == "not run: --offline has no AWS account to read"


@needs_cli
def test_skip_preflight_is_warned_about_and_recorded(tmp_path: Path, program: Path) -> None:
    """An offline `up` of the driver's test program with --skip-preflight: the gate and the update still run."""
    said: list[str] = []
    step = driver_step(region=None, endpoint_url=None, timeout=10.0, offline=True)
    settings = real_settings(tmp_path, said, skip_preflight=True, preflight=step)
    out = tmp_path / "up.json"
    runs.run_environment("up", target_of(program), settings, out)
    record = json.loads(out.read_text())
    assert any("--skip-preflight" in w for w in record["warnings"])
    assert [p["result"] for p in record["phases"] if p["phase"] == "preflight"] == ["skipped (--skip-preflight)"]
    assert record["gate"]["result"] == "passed"
    assert any(line.startswith("WARNING: --skip-preflight") for line in said)
