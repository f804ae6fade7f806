"""Shared fixtures: one running policy pack per session, a runner for small mock-runtime programs, and a real
moto server on 127.0.0.1 for the boto3 code."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from automation.check import DEFAULT_PACK, REPO_ROOT
from automation.offline.analyzer import PolicyPackProcess
from automation.offline.engine import Mode, ProgramRun, run_program
from automation.offline.stack_config import load_stack_config

FIXTURES = Path(__file__).parent / "fixtures"

# The test programs' Pulumi.yaml name no virtualenv, so the Python language host (and the offline check, which
# follows it) runs them on PULUMI_PYTHON_CMD, else `python3` on PATH: for the whole session (session-scoped fixtures
# run programs too), the test environment's interpreter, where the Pulumi SDK and pulumi-aws are installed, as a
# user points PULUMI_PYTHON_CMD at theirs. Tests of that lookup itself set or clear it with monkeypatch.
if not os.environ.get("PULUMI_PYTHON_CMD"):
    os.environ["PULUMI_PYTHON_CMD"] = sys.executable


@pytest.fixture(scope="session")
def netkit_pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(DEFAULT_PACK) as pack:
        yield pack


@pytest.fixture(scope="session")
def probe_pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(FIXTURES / "probe_pack") as pack:
        yield pack


def write_program(directory: Path, code: str, config: dict[str, str] | None = None, stack: str = "test") -> Path:
    """A throwaway Pulumi program (Pulumi.yaml, __main__.py, Pulumi.<stack>.yaml) in `directory`.

    The program runs in its own process with its directory first on sys.path (as the language host runs it), so
    it gets the repository's `components` package as its own (a symlink), as the repository's program has it."""
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "components").exists():
        (directory / "components").symlink_to(REPO_ROOT / "components", target_is_directory=True)
    (directory / "Pulumi.yaml").write_text("name: snippet\nruntime: python\n")
    (directory / "__main__.py").write_text(textwrap.dedent(code))
    lines = "".join(f"  {k}: {v!r}\n" for k, v in (config or {}).items())
    (directory / f"Pulumi.{stack}.yaml").write_text(f"config:\n{lines}" if lines else "config: {}\n")
    return directory


def run_snippet(directory: Path, code: str, mode: Mode = "update", config: dict[str, str] | None = None) -> ProgramRun:
    program = write_program(directory, code, config)
    return run_program(program, "test", mode, load_stack_config(program, "test"))


def copy_project(tmp_path: Path) -> Path:
    """A copy of the repository's program (for tests that must not touch the checkout)."""
    target = tmp_path / "project"
    shutil.copytree(REPO_ROOT, target, ignore=shutil.ignore_patterns(".venv", ".git", "tests", "__pycache__", ".*"))
    # Pulumi.yaml names `.venv` as the program's virtualenv: the copy runs with the checkout's, as a checkout would.
    (target / ".venv").symlink_to(REPO_ROOT / ".venv", target_is_directory=True)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server (HTTP, loopback only) for boto3 code, as emulators are used in CI."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns test failures
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 needs credentials to sign requests to moto; never real ones in tests."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the environment of a developer's machine, also when CI (which sets CI=true) runs them.

    The driver refuses a local backend and a missing passphrase when `CI` is set (driver/workspace.py); the tests that
    check that refusal pass `CI` explicitly. Without this, a test of something else would meet that refusal in CI only.
    """
    monkeypatch.delenv("CI", raising=False)
