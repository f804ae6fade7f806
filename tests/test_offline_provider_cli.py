"""The offline provider under the real Pulumi CLI (built by `make pulumi-cli` into .tools/bin): a small VPC Lambda
program through preview, up and destroy with a local file backend and a throwaway PULUMI_HOME; and a create held
by a "hang" fault, ended by interrupting the CLI, leaving no process behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automation.offline_provider import FAULTS_ENV, install_offline_plugins, required_packages
from automation.provider_model.planned_state import resource_id
from automation.provider_model.wire import UNKNOWN

REPO = Path(__file__).resolve().parents[1]
CLI_ROOT = REPO / ".tools"
PROGRAM = Path(__file__).parent / "fixtures" / "programs" / "offline_provider"
DRIVER = Path(__file__).parent / "offline_cli_driver.py"
MARKER = "NETKIT_OFFLINE_TEST_MARKER"

pytestmark = pytest.mark.skipif(
    not (CLI_ROOT / "bin" / "pulumi").is_file(), reason="the real Pulumi CLI is not built (make pulumi-cli)"
)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    home, backend, program = tmp_path / "home", tmp_path / "backend", tmp_path / "program"
    backend.mkdir()
    shutil.copytree(PROGRAM, program)
    install_offline_plugins(home, required_packages(sys.executable))
    marker = uuid.uuid4().hex
    env = {
        **os.environ,
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": "offline-provider-test",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        MARKER: marker,
    }
    env.pop(FAULTS_ENV, None)
    yield program, env
    for pid in _marked(marker):  # never leave anything running, even when a test fails
        os.kill(pid, signal.SIGKILL)


def _marked(marker: str, name: str = "") -> list[int]:
    """Processes started for this test (their environment holds the marker), optionally only those whose command
    line contains `name`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if f"{MARKER}={marker}".encode() in environ.split(b"\0") and state != "Z" and name in cmdline:
            found.append(int(entry.name))
    return found


def _drive(program: Path, env: dict[str, str], *operations: str) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [sys.executable, str(DRIVER), str(CLI_ROOT), str(program), *operations],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def _by_type(run: dict[str, Any], type_token: str) -> dict[str, Any]:
    return next(r for r in run["resources"].values() if r.get("type") == type_token)


def test_preview_up_destroy_through_the_real_cli(workspace: tuple[Path, dict[str, str]]) -> None:
    program, env = workspace
    preview, up, destroy = _drive(program, env, "preview", "up", "destroy")

    vpc = _by_type(preview, "aws:ec2/vpc:Vpc")
    assert vpc["outputs"]["cidrBlock"] == "10.0.0.0/16"  # set by the program: known
    for computed in ("id", "arn", "enableDnsHostnames", "mainRouteTableId"):
        assert vpc["outputs"][computed] == UNKNOWN, computed  # computed by the provider: unknown in a preview
    assert vpc["outputs"]["tagsAll"] == {"owner": "netkit-tests"}  # the provider's default tags, known
    role = _by_type(preview, "aws:iam/role:Role")
    policy = role["inputs"]["assumeRolePolicy"]
    assert isinstance(policy, str) and json.loads(policy)["Statement"][0]["Action"] == "sts:AssumeRole"
    function = _by_type(preview, "aws:lambda/function:Function")
    assert function["inputs"]["name"].startswith("fn-") and function["inputs"]["memorySize"] == 128
    assert function["outputs"]["arn"] == UNKNOWN and function["inputs"]["role"] == UNKNOWN

    assert up["result"] == "succeeded"
    assert up["outputs"]["vpc_id"] == resource_id("aws:ec2/vpc:Vpc", "vpc", "dev")  # deterministic
    assert up["outputs"]["fn_name"] == function["inputs"]["name"]
    assert UNKNOWN not in json.dumps(up["resources"])
    assert len(up["remaining"]) == 6  # stack, default provider, vpc, subnet, role, function

    assert destroy["result"] == "succeeded" and destroy["remaining"] == []
    assert _marked(env[MARKER], "offline_provider") == []


def test_a_hanging_create_ends_when_the_cli_is_interrupted(workspace: tuple[Path, dict[str, str]]) -> None:
    program, env = workspace
    env[FAULTS_ENV] = json.dumps({"fn": {"create": "hang"}})
    backend = Path(env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    driver = subprocess.Popen(
        [sys.executable, str(DRIVER), str(CLI_ROOT), str(program), "up"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        # The file backend's checkpoint lists the create of `fn` as a pending operation while it is in flight.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            checkpoints = [p.read_text(errors="replace") for p in backend.rglob("dev.json")]
            if any("pending_operations" in c and "Function::fn" in c for c in checkpoints):
                break
            assert driver.poll() is None, driver.communicate()[1][-4000:]
            time.sleep(0.5)
        else:
            pytest.fail("the create of fn never started")
        time.sleep(1.0)
        assert driver.poll() is None  # hanging
        providers = _marked(env[MARKER], "offline_provider")
        assert providers
        clis = [pid for pid in _marked(env[MARKER]) if Path(f"/proc/{pid}/exe").resolve().name == "pulumi"]
        assert len(clis) == 1
        os.kill(clis[0], signal.SIGINT)  # the CLI cancels: the engine calls Cancel on every provider
        _, stderr = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert driver.returncode != 0 and "fault injected" in stderr
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _marked(env[MARKER]):
        time.sleep(0.2)
    assert _marked(env[MARKER]) == []  # neither the CLI nor any provider left running
