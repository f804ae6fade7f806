"""Live tests: the real Pulumi CLI with the policy pack. They run wherever `pulumi` is on PATH (with AWS
credentials or LocalStack for `up`) and skip here, where the CLI cannot be installed. They work in a copy of the
project, never in the checkout."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from automation.check import REPO_ROOT
from tests.conftest import copy_project

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        shutil.which("pulumi") is None, reason="the Pulumi CLI is not on PATH (it cannot be installed on this machine)"
    ),
]


def test_real_preview_with_the_policy_pack(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}", PULUMI_CONFIG_PASSPHRASE="live-test")
    (tmp_path / "state").mkdir()
    stack = f"dev-live-{uuid.uuid4().hex[:8]}"
    subprocess.run(["pulumi", "stack", "init", stack], cwd=project, env=env, check=True)
    try:
        (project / f"Pulumi.{stack}.yaml").write_text((REPO_ROOT / "Pulumi.dev.yaml").read_text())
        result = subprocess.run(
            [
                "pulumi",
                "preview",
                "--stack",
                stack,
                "--policy-pack",
                str(REPO_ROOT / "policies"),
                "--policy-pack-config",
                str(REPO_ROOT / "policies" / "config" / "dev.json"),
            ],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        subprocess.run(["pulumi", "stack", "rm", "--yes", "--force", stack], cwd=project, env=env, check=False)


NEEDS_CLOUD = pytest.mark.skipif(
    not (os.environ.get("NETKIT_LIVE_EMULATOR") or os.environ.get("NETKIT_LIVE_AWS")),
    reason="set NETKIT_LIVE_EMULATOR=http://localhost:4566 (LocalStack) or NETKIT_LIVE_AWS=1 (a real account)",
)


@NEEDS_CLOUD
def test_real_ephemeral_cycle(tmp_path: Path) -> None:
    """The whole ephemeral cycle with the real CLI: create, preview with the pack, up, checks, destroy, remove."""
    import sys

    emulator = os.environ.get("NETKIT_LIVE_EMULATOR")
    args = [
        sys.executable,
        "-m",
        "automation",
        "ephemeral",
        "run",
        "--prefix",
        "live",
        "--from",
        "staging",
        "--ttl",
        "1h",
        "--backend",
        f"file://{tmp_path}",
        "--timeout",
        "2400",
        "--outputs-file",
        str(tmp_path / "run.json"),
    ]
    if emulator:
        args += ["--emulator", emulator, "--skip-checks"]
    env = dict(os.environ, PULUMI_CONFIG_PASSPHRASE="live-test")
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "gate: passed" in result.stdout and "teardown total: done" in result.stdout
    assert "done: remove stack" in result.stdout


@NEEDS_CLOUD
def test_real_cli_is_stopped_by_the_deadline_and_cleaned_up_after(tmp_path: Path) -> None:
    """The real CLI under a deadline that falls inside `up`: SIGINT, confirmed gone, then the phased destroy."""
    import json
    import sys

    emulator = os.environ.get("NETKIT_LIVE_EMULATOR")
    args = [sys.executable, "-m", "automation", "ephemeral", "run", "--prefix", "live-stop", "--from", "staging"]
    args += ["--backend", f"file://{tmp_path}", "--timeout", "60", "--cancel-grace", "60", "--retries", "1"]
    args += ["--outputs-file", str(tmp_path / "run.json")]
    if emulator:
        args += ["--emulator", emulator, "--skip-checks"]
    env = dict(os.environ, PULUMI_CONFIG_PASSPHRASE="live-test")
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=3600)
    record = json.loads((tmp_path / "run.json").read_text())
    phases = [p["phase"] for p in record["phases"]]
    if "stop up" not in phases:
        pytest.skip("`up` finished within 60s here; the deadline never fell inside it")
    assert result.returncode == 2
    stop = next(p for p in record["phases"] if p["phase"] == "stop up")
    assert stop["result"] == "engine stopped" and stop["details"][0] == "SIGINT sent (graceful cancel)"
    assert phases.index("stop up") < phases.index("teardown total")
