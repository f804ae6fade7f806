"""Live tests: the real Pulumi CLI with the policy pack. They run wherever `pulumi` is on PATH (with AWS
credentials or LocalStack for `up`) and skip here, where the CLI cannot be installed."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from automation.check import REPO_ROOT

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        shutil.which("pulumi") is None, reason="the Pulumi CLI is not on PATH (it cannot be installed on this machine)"
    ),
]


def test_real_preview_with_the_policy_pack(tmp_path: Path) -> None:
    env = dict(os.environ, PULUMI_BACKEND_URL=f"file://{tmp_path}", PULUMI_CONFIG_PASSPHRASE="live-test")
    stack = f"dev-live-{uuid.uuid4().hex[:8]}"
    subprocess.run(["pulumi", "stack", "init", stack], cwd=REPO_ROOT, env=env, check=True)
    try:
        (REPO_ROOT / f"Pulumi.{stack}.yaml").write_text((REPO_ROOT / "Pulumi.dev.yaml").read_text())
        result = subprocess.run(
            [
                "pulumi",
                "preview",
                "--stack",
                stack,
                "--policy-pack",
                "policies",
                "--policy-pack-config",
                "policies/config/dev.json",
            ],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        subprocess.run(["pulumi", "stack", "rm", "--yes", "--force", stack], cwd=REPO_ROOT, env=env, check=False)
        (REPO_ROOT / f"Pulumi.{stack}.yaml").unlink(missing_ok=True)


@pytest.mark.skipif(
    not (os.environ.get("NETKIT_LIVE_EMULATOR") or os.environ.get("NETKIT_LIVE_AWS")),
    reason="set NETKIT_LIVE_EMULATOR=http://localhost:4566 (LocalStack) or NETKIT_LIVE_AWS=1 (a real account)",
)
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
    assert "done: destroy" in result.stdout and "done: remove stack" in result.stdout
