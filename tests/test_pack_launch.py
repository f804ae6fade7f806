"""The published pack as the enforcing Pulumi CLI installs and starts it, driven by the offline check.

`pulumi policy publish` uploads the pack directory alone (pkg/backend/httpstate/policypack.go, Publish:
archive.TGZ of the directory). The enforcing CLI unpacks it into
`~/.pulumi/policies/<org>/pulumi-analyzer-<name>-v<version>` (sdk/go/common/workspace/plugins.go, GetPolicyPath),
and installRequiredPolicy then changes exactly one thing: a python pack without a `virtualenv` runtime option gets
`virtualenv: venv` written into its PulumiPolicy.yaml; one with the option keeps it. InstallDependencies
(sdk/python/toolchain/pip.go) creates that virtualenv with `python3 -m venv` and runs `pip install -r
requirements.txt` in it (it also upgrades pip/setuptools/wheel first, which we skip: it changes nothing the pack
imports). The check then starts it with the CLI's command line and working directory (offline/pack_process.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from automation.check import DEFAULT_PACK, run_check
from automation.offline.pack_process import PolicyPackProcess, resolve_launch
from automation.pack_publish import stage_for_publish
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "programs" / "golden"
GOLDEN_CONFIG = FIXTURES / "golden-policy-config.json"


def install_like_the_cli(source: Path, root: Path) -> Path:
    """installRequiredPolicy for a pack directory: copy only it, set `virtualenv: venv` when absent, make the venv."""
    manifest = yaml.safe_load((source / "PulumiPolicy.yaml").read_text())
    name = "lambda-netkit"  # the pack's name (GetAnalyzerInfo), as published
    target = root / f"pulumi-analyzer-{name}-v{manifest['version']}"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    runtime = manifest["runtime"] if isinstance(manifest["runtime"], dict) else {"name": manifest["runtime"]}
    options = runtime.setdefault("options", {}) or {}
    if "virtualenv" not in options:
        options["virtualenv"] = "venv"
        runtime["options"] = options
        manifest["runtime"] = runtime
        (target / "PulumiPolicy.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    venv = Path(os.path.abspath(target / options["virtualenv"]))
    python3 = shutil.which("python3") or sys.executable
    subprocess.run([python3, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", "requirements.txt"],
        cwd=target,
        check=True,
        timeout=900,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
    )
    return target


@pytest.fixture(scope="session")
def installed_pack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The repository's pack installed as the CLI installs it (one virtualenv per test session)."""
    yield install_like_the_cli(DEFAULT_PACK, tmp_path_factory.mktemp("policies-org"))


@pytest.fixture(scope="session")
def staged_pack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The README's publish path: a staged copy of policies/ without the repository's `virtualenv` option, which
    the enforcing CLI's install then sets to `venv` inside the pack directory."""
    staged = stage_for_publish(DEFAULT_PACK, tmp_path_factory.mktemp("staged") / "lambda-netkit-pack")
    assert "virtualenv" not in (staged / "PulumiPolicy.yaml").read_text()
    yield install_like_the_cli(staged, tmp_path_factory.mktemp("policies-org-staged"))


def golden(tmp_path: Path, breaking: str = "") -> Path:
    program = tmp_path / f"golden-{breaking or 'ok'}"
    shutil.copytree(GOLDEN, program)
    line = f"  golden:break: {breaking}\n" if breaking else ""
    (program / "Pulumi.test.yaml").write_text(f"config:\n  aws:region: us-east-1\n{line}")
    return program


def test_the_installed_pack_is_only_the_pack_directory(installed_pack: Path) -> None:
    launch = resolve_launch(installed_pack)
    assert installed_pack.name == "pulumi-analyzer-lambda-netkit-v" + launch.version
    assert launch.virtualenv is not None and not launch.virtualenv.is_relative_to(DEFAULT_PACK.parent)
    # The installed interpreter sees nothing of the repository: netkit_core comes from the pack directory.
    probe = subprocess.run(
        [launch.python, "-c", "import netkit_core, pulumi_policy; print(netkit_core.__file__)"],
        cwd=installed_pack,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).is_relative_to(installed_pack)


def test_installed_pack_runs_with_the_cli_command_line(installed_pack: Path) -> None:
    with PolicyPackProcess(installed_pack) as pack:
        cmdline = Path(f"/proc/{pack.process.pid}/cmdline").read_bytes().split(b"\0")[:-1]
        argv = [part.decode() for part in cmdline]
        assert argv[1:] == ["-u", "-m", "pulumi.policy", "127.0.0.1:0", str(installed_pack.resolve())]
        assert Path(f"/proc/{pack.process.pid}/cwd").resolve() == installed_pack.resolve()
        assert Path(argv[0]).parent.parent == pack.launch.virtualenv


def test_compliant_program_passes_and_one_change_fails_through_the_installed_pack(
    installed_pack: Path, tmp_path: Path
) -> None:
    passed = run_check(golden(tmp_path), "test", "preview", policy_pack=installed_pack, policy_config=GOLDEN_CONFIG)
    assert passed.passed, [(v.policy, v.message) for v in passed.violations]
    assert passed.pack_name == "lambda-netkit"
    failed = run_check(
        golden(tmp_path, "env-secret"), "test", "preview", policy_pack=installed_pack, policy_config=GOLDEN_CONFIG
    )
    assert not failed.passed
    assert {v.policy for v in failed.violations if v.enforcement == "mandatory"} == {"lambda-env-no-secrets"}


def test_installed_netkit_materializes_its_shipped_pack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """From a pip install (no repository around), the default pack is the copy in the distribution, started with
    the running environment as its virtualenv."""
    import automation.check as check

    monkeypatch.setattr(check, "in_repository", lambda: False)
    with check.default_pack() as pack_dir:
        launch = resolve_launch(pack_dir)
        assert not pack_dir.is_relative_to(DEFAULT_PACK)
        assert launch.virtualenv == Path(os.path.normpath(sys.prefix))
        assert (pack_dir / "__main__.py").is_file() and (pack_dir / "config" / "prod.json").is_file()
        materialized = pack_dir
    assert not materialized.exists()  # a temporary directory, removed after the check
    report = run_check(golden(tmp_path), "test", "preview", policy_config=GOLDEN_CONFIG)
    assert report.pack_name == "lambda-netkit" and report.passed


def test_a_staged_publish_gets_its_own_venv_and_enforces_the_same(staged_pack: Path, tmp_path: Path) -> None:
    launch = resolve_launch(staged_pack)
    assert launch.virtualenv == staged_pack.resolve() / "venv"  # installRequiredPolicy's `virtualenv: venv`
    failed = run_check(
        golden(tmp_path, "env-secret"), "test", "preview", policy_pack=staged_pack, policy_config=GOLDEN_CONFIG
    )
    assert {v.policy for v in failed.violations if v.enforcement == "mandatory"} == {"lambda-env-no-secrets"}
