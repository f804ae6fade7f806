"""The driver on the REAL Pulumi CLI (`make pulumi-cli`, v3.274.0) with the offline provider in place of AWS: the
gate's plan, mandatory violations, a program that changed after the gate, deadlines and forced stops that leave
pending creates, signals to the driver, locks. Skipped, with the reason, when the CLI or program_host is absent.

Each test runs the CLI a few times (2-8 s per call on a loaded 2-core machine): deadlines and grace are short.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from automation.driver import runs
from automation.driver import update as update_module
from automation.driver.errors import EngineTimeoutError, PlanRefusedError, PolicyViolationError
from automation.driver.settings import EngineSettings, Target
from tests.live_processes import processes_with_env

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
CLI = REPO / ".tools" / "bin" / "pulumi"
PROGRAM_HOST = REPO / "automation" / "real_engine" / "program_host.py"
# The AWS provider's in-flight creates go on after the engine's Cancel (a NAT gateway goes on being created in AWS):
# the offline provider's fault that ignores Cancel, so a forced stop leaves the create PENDING as it would in AWS.
UNCANCELLABLE = "hang-uncancellable"

pytestmark = [
    pytest.mark.skipif(not CLI.is_file(), reason="the real Pulumi CLI is not built: run `make pulumi-cli`"),
    pytest.mark.skipif(not PROGRAM_HOST.is_file(), reason="automation/real_engine/program_host.py is missing"),
]


@pytest.fixture
def program(tmp_path: Path) -> Path:
    """A private copy of the test program (some tests change its config); its virtualenv is the repository's."""
    target = tmp_path / "program"
    shutil.copytree(FIXTURES / "driver_program", target)
    project = yaml.safe_load((target / "Pulumi.yaml").read_text())
    project["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    return target


def target_of(program: Path) -> Target:
    pack = FIXTURES / "driver_pack"
    return Target(program, "dev", pack, pack / "config.json", "dev")


def real_settings(tmp_path: Path, lines: list[str] | None = None, **overrides: Any) -> EngineSettings:
    said = lines if lines is not None else []
    values: dict[str, Any] = {
        "state_dir": tmp_path / "state",
        "pulumi_cli": str(CLI),
        "offline": True,
        "passphrase": "test-only-passphrase",
        "timeout_seconds": 120,
        "attempts": 1,
        "retry_delay_seconds": 0,
        "cancel_grace_seconds": 2,
        "kill_wait_seconds": 5,
        "on_output": said.append,
        "on_progress": said.append,
    }
    values.update(overrides)
    return EngineSettings(**values)


def record_of(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def processes_with_home(home: Path) -> list[int]:
    """Every live process whose environment carries this run's PULUMI_HOME: the CLI, program_host, providers,
    policy packs (all inherit it)."""
    return processes_with_env("PULUMI_HOME", str(home))


def test_gate_plan_update_and_destroy_offline_leave_the_program_directory_alone(tmp_path: Path, program: Path) -> None:
    before = sorted(p.name for p in program.iterdir())
    settings = real_settings(tmp_path)
    up = tmp_path / "up.json"
    runs.run_environment("up", target_of(program), settings, up)
    record = record_of(up)
    assert record["stack"] == "dev-offline" and record["backend"].endswith("/state/offline/state")
    gate = record["gate"]
    assert gate["result"] == "passed" and Path(gate["plan"]).is_file() and gate["mandatory"] == []
    assert any(a.startswith("driver-advisory-vpc (urn:pulumi:dev-offline::") for a in gate["advisory"])
    assert record["pending_operations"] == [] and record["resources_in_state"] == 6  # stack, provider, 4 resources
    assert record["outputs"]["vpc_id"].startswith("vpc-")
    destroy = tmp_path / "destroy.json"
    runs.run_environment("destroy", target_of(program), settings, destroy)
    after = record_of(destroy)
    assert after["pending_operations"] == [] and after["resources_in_state"] == 0
    assert after["gate"]["result"] == "skipped"
    # nothing written into the program directory: the salt and config went into the private copy
    assert sorted(p.name for p in program.iterdir()) == before
    assert (settings.state_dir / "workspaces" / "dev-offline" / "Pulumi.dev-offline.yaml").is_file()


def test_a_mandatory_violation_in_the_gate_leaves_the_state_empty(tmp_path: Path, program: Path) -> None:
    stack_file = program / "Pulumi.dev.yaml"
    config = yaml.safe_load(stack_file.read_text())
    config["config"]["test:forbidden"] = "true"
    stack_file.write_text(yaml.safe_dump(config))
    out = tmp_path / "up.json"
    with pytest.raises(PolicyViolationError, match="driver-no-forbidden-nat"):
        runs.run_environment("up", target_of(program), real_settings(tmp_path), out)
    record = record_of(out)
    assert record["gate"]["result"] == "blocked" and record["gate"]["plan"] is None
    assert [m.split(" ")[0] for m in record["gate"]["mandatory"]] == ["driver-no-forbidden-nat"]
    assert "up" not in record["steps"]
    assert record["resources_in_state"] == 0 and record["pending_operations"] == []


def test_a_program_changed_between_gate_and_update_is_refused_by_the_plan(
    tmp_path: Path, program: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_gate = update_module.gate

    def gate_then_change(engine: Any) -> Path:
        plan = real_gate(engine)
        main = engine.work_dir / "__main__.py"
        main.write_text(main.read_text() + '\naws.ec2.SecurityGroup("sneaked-in", vpc_id=vpc.id, tags=tags)\n')
        return plan

    monkeypatch.setattr(update_module, "gate", gate_then_change)
    out = tmp_path / "up.json"
    with pytest.raises(PlanRefusedError, match="not allowed by the plan"):
        runs.run_environment("up", target_of(program), real_settings(tmp_path), out)
    record = record_of(out)
    assert record["gate"]["result"] == "passed" and record["gate"]["plan"]
    assert any("refused by the update plan" in p["result"] for p in record["phases"])
    assert record["pending_operations"] == []
    assert any("sneaked-in" in error and "not allowed by the plan" in error for error in record["errors"])
    (checkpoint,) = (tmp_path / "state" / "offline" / "state").glob(".pulumi/stacks/*/dev-offline.json")
    urns = [r["urn"] for r in json.loads(checkpoint.read_text())["checkpoint"]["latest"]["resources"]]
    assert urns and not any(urn.endswith("::sneaked-in") for urn in urns)  # the refused resource was never created


def test_a_hang_on_create_past_the_deadline_leaves_no_process_and_the_next_destroy_resolves_it(
    tmp_path: Path, program: Path
) -> None:
    """The NAT gateway's create ignores Cancel, as the AWS provider's in-flight creates do (the offline provider's
    `hang-uncancellable` fault): the first SIGINT does not end it, the second does, leaving it PENDING."""
    lines: list[str] = []
    settings = real_settings(
        tmp_path, lines, timeout_seconds=25, offline_faults={"nat": {"create": UNCANCELLABLE}}, skip_gate=True
    )
    out = tmp_path / "up.json"
    started = time.monotonic()
    with pytest.raises(EngineTimeoutError):
        runs.run_environment("up", target_of(program), settings, out)
    assert time.monotonic() - started < 90
    home = settings.state_dir / "offline" / "home"
    assert processes_with_home(home) == []  # the CLI, program_host, the provider: all gone
    record = record_of(out)
    stop = next(p for p in record["phases"] if p["phase"] == "stop up")
    assert stop["result"] == "engine stopped"
    assert stop["details"][:2] == [
        "SIGINT sent (graceful cancel)",
        "still running after 2s: second SIGINT sent (terminate)",
    ]
    assert not any("SIGKILL" in d for d in stop["details"])  # the real CLI exits on the second SIGINT
    (pending,) = record["pending_operations"]
    assert pending == {
        "type": "aws:ec2/natGateway:NatGateway",
        "name": "nat",
        "urn": "urn:pulumi:dev-offline::netkit-driver-test::aws:ec2/natGateway:NatGateway::nat",
        "operation": "creating",
    }
    assert any("PENDING creating" in line and "may exist in AWS, not in the state" in line for line in lines)
    locks = list((settings.state_dir / "offline" / "state").glob(".pulumi/locks/**/*.json"))
    assert locks == []  # released by the CLI itself on the second SIGINT
    # the next destroy resolves the pending create before anything else, and ends with nothing
    destroy = tmp_path / "destroy.json"
    runs.run_environment("destroy", target_of(program), real_settings(tmp_path), destroy)
    after = record_of(destroy)
    resolved = next(p for p in after["phases"] if p["phase"] == "resolve pending operations")
    assert resolved["result"] == "1 resolved" and "refresh --clear-pending-creates" in after["steps"]
    assert after["resources_in_state"] == 0 and after["pending_operations"] == []


def test_an_unresponsive_engine_is_killed_and_only_its_own_lock_is_removed(tmp_path: Path, program: Path) -> None:
    """A provider that answers nothing (stopped): the CLI does not finish terminating after the second SIGINT, so
    it is killed with its session; its lock stays behind and the driver removes exactly that one."""
    lines: list[str] = []
    settings = real_settings(
        tmp_path, lines, timeout_seconds=25, kill_wait_seconds=3, offline_faults={"nat": {"create": UNCANCELLABLE}}
    )
    settings.skip_gate = True
    home = settings.state_dir / "offline" / "home"
    foreign: list[Path] = []

    def freeze_provider_and_plant_a_foreign_lock() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("nat creating" in line for line in list(lines)):
            time.sleep(0.1)
        for pid in processes_with_home(home):
            if b"offline_provider" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGSTOP)
        lock_dir = next((settings.state_dir / "offline" / "state").glob(".pulumi/locks/*/*/*"))
        other = lock_dir / "another-job.json"
        other.write_text(json.dumps({"pid": 1, "username": "ci", "hostname": "another-runner", "timestamp": "x"}))
        foreign.append(other)

    watcher = threading.Thread(target=freeze_provider_and_plant_a_foreign_lock, daemon=True)
    watcher.start()
    out = tmp_path / "up.json"
    with pytest.raises(EngineTimeoutError):
        runs.run_environment("up", target_of(program), settings, out)
    watcher.join(5)
    assert processes_with_home(home) == []
    stop = next(p for p in record_of(out)["phases"] if p["phase"] == "stop up")
    assert any("SIGKILL" in d for d in stop["details"])
    assert any(
        "removed the lock our killed engine left (1)" in d and "1 lock(s) of other processes" in d
        for d in stop["details"]
    )
    remaining = list((settings.state_dir / "offline" / "state").glob(".pulumi/locks/**/*.json"))
    assert remaining == foreign  # another job's lock is never taken away


SIGTERM_SCRIPT = """
import sys
from pathlib import Path
from automation.driver import runs
from automation.driver.errors import Interrupted
from automation.driver.settings import EngineSettings, Target
program, pack, state, out, cli = map(Path, sys.argv[1:6])
settings = EngineSettings(state_dir=state, pulumi_cli=str(cli), offline=True, passphrase="p", attempts=1,
    cancel_grace_seconds=20, kill_wait_seconds=5, skip_gate=True, offline_faults={"nat": {"create": "slow:120"}},
    on_output=lambda line: print(line, flush=True), on_progress=lambda line: print(line, flush=True))
try:
    runs.run_environment("up", Target(program, "dev", pack, pack / "config.json", "dev"), settings, out)
except Interrupted as exc:
    print("driver:", exc, flush=True)
    sys.exit(143)
"""


def start_driver_until_nat_creating(
    program: Path, state: Path, out: Path, seen: list[str] | None = None
) -> subprocess.Popen[str]:
    """The driver (SIGTERM_SCRIPT: `up`, NAT create slow but cancellable) in a process of its own, once the CLI is
    creating the NAT gateway; the lines read until then are appended to `seen` when given."""
    pack = FIXTURES / "driver_pack"
    driver = subprocess.Popen(
        [sys.executable, "-c", SIGTERM_SCRIPT, str(program), str(pack), str(state), str(out), str(CLI)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert driver.stdout is not None
    deadline = time.monotonic() + 90
    for line in driver.stdout:
        if seen is not None:
            seen.append(line)
        if "nat creating" in line or time.monotonic() > deadline:
            break
    return driver


def test_sigterm_to_the_driver_during_up_stops_the_cli_and_writes_the_record(tmp_path: Path, program: Path) -> None:
    state, out = tmp_path / "state", tmp_path / "up.json"
    seen: list[str] = []
    driver = start_driver_until_nat_creating(program, state, out, seen)
    driver.send_signal(signal.SIGTERM)
    rest, _ = driver.communicate(timeout=60)
    output = "".join(seen) + rest
    assert driver.returncode == 143, output[-3000:]
    assert processes_with_home(state / "offline" / "home") == []
    record = record_of(out)
    assert record["signals"] and record["signals"][0].startswith("SIGTERM received")
    stop = next(p for p in record["phases"] if p["phase"] == "stop up")
    assert stop["result"] == "engine stopped" and stop["details"][0] == "SIGINT sent (graceful cancel)"
    # the provider honours Cancel on the first SIGINT: the create ends, nothing is left pending
    assert record["pending_operations"] == [] and record["resources_in_state"] is not None
    assert "^C received; cancelling" in output


def locks_of(state: Path) -> list[Path]:
    return sorted((state / "offline" / "state").glob(".pulumi/locks/**/*.json"))


def wait_gone(home: Path, seconds: float = 30) -> dict[int, bytes]:
    deadline = time.monotonic() + seconds
    while processes_with_home(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    return {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:200] for pid in processes_with_home(home)}


def test_a_killed_driver_leaves_no_engine_running_and_no_lock(tmp_path: Path, program: Path) -> None:
    """SIGKILL cannot be caught: the CLI's session must still not outlive the driver (PR_SET_PDEATHSIG), and the CLI,
    cancelling on its parent-death signal, must not die of SIGPIPE writing to the dead driver's pipe (its output goes
    to files, command.py): it finishes cancelling and releases its own lock. The next command just runs."""
    state, out = tmp_path / "state", tmp_path / "up.json"
    driver = start_driver_until_nat_creating(program, state, out)
    home = state / "offline" / "home"
    assert processes_with_home(home)  # the CLI, program_host and the provider are running
    engine = record_of(out)["engine_process"]  # written as soon as the CLI started
    assert engine["host"] == os.uname().nodename and engine["pid"] in processes_with_home(home)
    assert Path(f"/proc/{engine['pid']}/exe").resolve() == CLI.resolve()  # the CLI itself, the pid its lock names
    driver.kill()
    driver.wait(10)
    assert wait_gone(home) == {}
    assert locks_of(state) == []  # released by the CLI itself
    destroy = tmp_path / "destroy.json"
    runs.run_environment("destroy", target_of(program), real_settings(tmp_path, passphrase="p"), destroy)
    after = record_of(destroy)
    assert after["resources_in_state"] == 0 and after["pending_operations"] == []
    assert after["engine_process"] is None
    assert locks_of(state) == [] and processes_with_home(home) == []


def test_a_lock_left_by_an_engine_killed_with_its_driver_is_removed_by_the_next_run(
    tmp_path: Path, program: Path
) -> None:
    """A runner tearing down the job's whole process tree: the driver and the CLI's session die at once, the CLI's
    lock stays. The run record names that CLI (pid, host) and so does the driver's marker in its state directory:
    the next command over the stack removes exactly that lock, resolves the pending create and ends clean."""
    state, out = tmp_path / "state", tmp_path / "up.json"
    driver = start_driver_until_nat_creating(program, state, out)
    home = state / "offline" / "home"
    session = processes_with_home(home)
    driver.send_signal(signal.SIGSTOP)  # nothing the driver does in between: the whole tree dies at once
    for pid in session:
        os.kill(pid, signal.SIGKILL)
    driver.kill()
    driver.wait(10)
    assert wait_gone(home) == {}
    engine = record_of(out)["engine_process"]
    (lock,) = locks_of(state)
    assert json.loads(lock.read_text())["pid"] == engine["pid"]
    assert json.loads(lock.read_text())["hostname"] == engine["host"] == os.uname().nodename
    lines: list[str] = []
    destroy = tmp_path / "destroy.json"
    runs.run_environment("destroy", target_of(program), real_settings(tmp_path, lines, passphrase="p"), destroy)
    after = record_of(destroy)
    cleared = next(p for p in after["phases"] if p["phase"] == "locks left by an earlier run")
    assert cleared["result"] == "1 removed"
    assert [d for d in cleared["details"] if f"engine process {engine['pid']} on {engine['host']}" in d]
    assert any(p["phase"] == "resolve pending operations" and p["result"] == "1 resolved" for p in after["phases"])
    assert after["resources_in_state"] == 0 and after["pending_operations"] == []
    assert locks_of(state) == [] and processes_with_home(home) == []
    assert list((state / "engines").glob("*.json")) == []  # the marker went with the lock


def test_an_ephemeral_run_from_the_command_line_calls_the_preflight_offline(
    tmp_path: Path, program: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`netkit ephemeral run --offline` end to end on the real CLI: the command line wires the account preflight into
    the run (cli_engine `_preflight`), update.py calls it before the gate, and offline it records that there was no
    account to read; then the gate, the update and the teardown run as usual."""
    from automation import cli

    monkeypatch.chdir(program)  # the program and the driver's state directory (.netkit) are the copy's
    monkeypatch.setenv("NETKIT_PULUMI_CLI", str(CLI))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only-passphrase")
    out = tmp_path / "ephemeral.json"
    argv = ["ephemeral", "run", "--offline", "--from", "dev", "--prefix", "pf", "--timeout", "300"]
    assert cli.main([*argv, "--outputs-file", str(out)]) == 0
    record = record_of(out)
    phases = [p["phase"] for p in record["phases"]]
    (preflight,) = [p for p in record["phases"] if p["phase"] == "preflight"]
    assert preflight["result"] == "not run: --offline has no AWS account to read"
    assert phases.index("preflight") < phases.index("gate") < phases.index("up")
    assert record["gate"]["result"] == "passed" and record["resources_in_state"] == 0
    assert record["stack"].startswith("pf-") and record["stack"].endswith("-offline")
