"""The offline provider under the real Pulumi CLI (built by `make pulumi-cli`): a small VPC Lambda program through
preview, up and destroy with a local file backend and a throwaway PULUMI_HOME; and a create held by a "hang"
fault, ended by interrupting the CLI, leaving no process behind. The program is served by program_host.py (the
Python language host cannot be built here), under this interpreter."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from automation.offline_provider import FAULTS_ENV, FIXTURES_ENV, install_offline_plugins, required_packages
from automation.provider_model.planned_state import resource_id
from automation.provider_model.wire import UNKNOWN
from automation.real_engine.command import ProgramHostCommand
from automation.real_engine.tools import CliNotFound, find_pulumi_cli, real_engine_env
from tests.live_processes import processes_with_env

PROGRAM = Path(__file__).parent / "fixtures" / "programs" / "offline_provider"
ZONES_PROGRAM = PROGRAM.with_name("offline_provider_zones")
ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"
MARKER = "NETKIT_OFFLINE_TEST_MARKER"


@pytest.fixture
def cli() -> Path:
    try:
        return find_pulumi_cli()
    except CliNotFound as error:
        pytest.skip(f"the real Pulumi CLI is not built here: {error}")


@contextlib.contextmanager
def _stack(
    tmp_path: Path, cli: Path, source: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[auto.Stack, dict[str, str]]]:
    """A stack `dev` of a copy of `source` with a local file backend and a throwaway PULUMI_HOME holding the offline
    provider plugins; every process started for it is killed on the way out."""
    home, backend, program = tmp_path / "home", tmp_path / "backend", tmp_path / "program"
    backend.mkdir()
    shutil.copytree(source, program)
    install_offline_plugins(home, required_packages(sys.executable))
    env = {
        **real_engine_env(home, backend, cli, "offline-provider-test"),
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        MARKER: uuid.uuid4().hex,
        **(extra_env or {}),
    }
    command = ProgramHostCommand(cli, sys.executable, program)
    stack = auto.Stack.create("dev", auto.LocalWorkspace(work_dir=str(program), env_vars=env, pulumi_command=command))
    try:
        yield stack, env
    finally:
        for pid in _marked(env[MARKER]):  # never leave anything running, even when a test fails
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def workspace(tmp_path: Path, cli: Path) -> Iterator[tuple[auto.Stack, dict[str, str]]]:
    with _stack(tmp_path, cli, PROGRAM) as opened:
        yield opened


def _marked(marker: str, name: str = "") -> list[int]:
    """Processes started for this test (their environment holds the marker), optionally only those whose command
    line contains `name`."""
    return processes_with_env(MARKER, marker, name)


class Recorder:
    """Each resource's inputs (from its pre-event) and outputs (from its outputs event), by URN."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}

    def __call__(self, event: Any) -> None:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.new is not None:
            self.resources.setdefault(pre.metadata.urn, {})["inputs"] = pre.metadata.new.inputs
        done = event.res_outputs_event
        if done is not None and done.metadata.new is not None:
            entry = self.resources.setdefault(done.metadata.urn, {})
            entry.update(type=done.metadata.type, outputs=done.metadata.new.outputs)

    def of_type(self, type_token: str) -> dict[str, Any]:
        return next(r for r in self.resources.values() if r.get("type") == type_token)


def _remaining(stack: auto.Stack) -> list[Any]:
    return (stack.export_stack().deployment or {}).get("resources") or []


def test_preview_up_destroy_through_the_real_cli(workspace: tuple[auto.Stack, dict[str, str]]) -> None:
    stack, env = workspace
    preview = Recorder()
    assert stack.preview(on_event=preview).change_summary == {"create": 5}

    vpc = preview.of_type("aws:ec2/vpc:Vpc")
    assert vpc["outputs"]["cidrBlock"] == "10.0.0.0/16"  # set by the program: known
    for computed in ("id", "arn", "enableDnsHostnames", "mainRouteTableId"):
        assert vpc["outputs"][computed] == UNKNOWN, computed  # computed by the provider: unknown in a preview
    assert vpc["outputs"]["tagsAll"] == {"owner": "netkit-tests"}  # the provider's default tags, known
    assert vpc["outputs"]["region"] == "us-east-1"  # planned from the provider's region
    role = preview.of_type("aws:iam/role:Role")
    policy = role["inputs"]["assumeRolePolicy"]
    assert isinstance(policy, str) and json.loads(policy)["Statement"][0]["Action"] == "sts:AssumeRole"
    function = preview.of_type("aws:lambda/function:Function")
    assert function["inputs"]["name"].startswith("fn-") and function["inputs"]["memorySize"] == 128
    assert function["outputs"]["arn"] == UNKNOWN and function["inputs"]["role"] == UNKNOWN

    update = Recorder()
    up = stack.up(on_event=update)
    assert up.summary.result == "succeeded"
    assert up.outputs["vpc_id"].value == resource_id("aws:ec2/vpc:Vpc", "vpc", "dev")  # deterministic
    assert up.outputs["fn_name"].value == function["inputs"]["name"]
    assert UNKNOWN not in json.dumps(update.resources, default=str)
    assert len(_remaining(stack)) == 6  # stack, default provider, vpc, subnet, role, function

    assert stack.destroy().summary.result == "succeeded"
    assert _remaining(stack) == []
    assert _marked(env[MARKER], "offline_provider") == []


def test_a_hanging_create_ends_when_the_cli_is_interrupted(workspace: tuple[auto.Stack, dict[str, str]]) -> None:
    stack, env = workspace
    env[FAULTS_ENV] = json.dumps({"fn": {"create": "hang"}})
    stack.workspace.env_vars = env
    backend = Path(env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    errors: list[BaseException] = []

    def up() -> None:
        try:
            stack.up()
        except auto.errors.CommandError as error:
            errors.append(error)

    thread = threading.Thread(target=up)
    thread.start()
    try:
        # The file backend's checkpoint lists the create of `fn` as a pending operation while it is in flight.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and thread.is_alive():
            checkpoints = [p.read_text(errors="replace") for p in backend.rglob("dev.json")]
            if any("pending_operations" in c and "Function::fn" in c for c in checkpoints):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the create of fn never started: {errors}")
        time.sleep(1.0)
        assert thread.is_alive()  # hanging
        assert _marked(env[MARKER], "offline_provider")
        clis = [pid for pid in _marked(env[MARKER]) if Path(f"/proc/{pid}/exe").resolve().name == "pulumi"]
        assert len(clis) == 1
        os.kill(clis[0], signal.SIGINT)  # the CLI cancels: the engine calls Cancel on every provider
        thread.join(120)
    finally:
        if thread.is_alive():
            for pid in _marked(env[MARKER]):
                os.kill(pid, signal.SIGKILL)
            thread.join(30)
    assert errors and "fault injected" in str(errors[0])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _marked(env[MARKER]):
        time.sleep(0.2)
    assert _marked(env[MARKER]) == []  # neither the CLI, the program host nor any provider left running


def _subnet_zones(stack: auto.Stack) -> dict[str, dict[str, str]]:
    """Each subnet's AZ outputs in the stack's state, by resource name."""
    return {
        resource["urn"].rsplit("::", 1)[-1]: {
            key: value for key, value in resource.get("outputs", {}).items() if key.startswith("availabilityZone")
        }
        for resource in _remaining(stack)
        if resource.get("type") == "aws:ec2/subnet:Subnet"
    }


@pytest.mark.parametrize("mapping", [False, True], ids=["no-fixture", "fixture"])
def test_up_never_invents_the_zone_mapping(tmp_path: Path, cli: Path, mapping: bool) -> None:
    """Issue 17 under the real engine: subnets placed by AZ name get no made-up AZ id in `up` (a guessed mapping made
    a same-AZ NAT look cross-AZ); the id comes only from the fixtures' getAvailabilityZones `names` + `zoneIds`."""
    extra: dict[str, str] = {}
    if mapping:
        fixtures = tmp_path / "fixtures.yaml"
        fixtures.write_text(
            f"invokes:\n  - token: {ZONES}\n    result:\n"
            "      names: [us-east-1a, us-east-1b, us-east-1c]\n      zoneIds: [use1-az6, use1-az1, use1-az4]\n"
        )
        extra[FIXTURES_ENV] = str(fixtures)
    with _stack(tmp_path, cli, ZONES_PROGRAM, extra) as (stack, env):
        up = stack.up()
        assert up.summary.result == "succeeded"
        zones = _subnet_zones(stack)
        if mapping:
            assert zones == {
                "public": {"availabilityZone": "us-east-1c", "availabilityZoneId": "use1-az4"},
                "lambda-0": {"availabilityZone": "us-east-1a", "availabilityZoneId": "use1-az6"},
                "lambda-1": {"availabilityZone": "us-east-1b", "availabilityZoneId": "use1-az1"},
            }
            assert up.outputs["lambda_0_zone_id"].value == "use1-az6"
        else:
            assert zones == {
                "public": {"availabilityZone": "us-east-1c"},
                "lambda-0": {"availabilityZone": "us-east-1a"},
                "lambda-1": {"availabilityZone": "us-east-1b"},
            }
            assert "lambda_0_zone_id" not in up.outputs or up.outputs["lambda_0_zone_id"].value is None
        assert stack.destroy().summary.result == "succeeded"
        assert _marked(env[MARKER], "offline_provider") == []
