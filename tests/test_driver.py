"""The driver's own lifecycle logic through `pulumi.automation`, against a stand-in `pulumi` executable
(tests/standin_cli.py: it records its arguments and answers as the CLI does; it deploys nothing)."""

import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from automation import cli, driver
from automation.naming import ephemeral_stack_name, expiry, is_expired, parse_ttl, sanitize
from automation.resilience import (
    Attempts,
    EngineTimeoutError,
    RetriesExhaustedError,
    transient_reason,
    with_retries,
    with_timeout,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Put the stand-in `pulumi` first on PATH and keep all driver state under tmp_path."""
    bin_dir, state = tmp_path / "bin", tmp_path / "standin"
    bin_dir.mkdir()
    state.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(REPO)!r})\n"
        "from tests.standin_cli import main\nmain()\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("NETKIT_STANDIN_DIR", str(state))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only-passphrase")
    monkeypatch.setattr(driver, "STATE_DIR", tmp_path / ".netkit")
    yield state


def behave(state: Path, **behavior: Any) -> None:
    (state / "behavior.json").write_text(json.dumps(behavior))


def calls(state: Path) -> list[dict[str, Any]]:
    """Recorded invocations, without the `--non-interactive` the Automation API puts first."""
    result = []
    for line in (state / "calls.jsonl").read_text().splitlines():
        call = json.loads(line)
        call["args"] = [a for a in call["args"] if a != "--non-interactive"]
        result.append(call)
    return result


def commands(state: Path) -> list[str]:
    """The first words of each call, e.g. 'stack init', 'preview', 'up'."""
    result = []
    for call in calls(state):
        words = [a for a in call["args"] if not a.startswith("-")]
        result.append(" ".join(words[:2]) if words[0] in ("stack", "config") else words[0])
    return result


LIFECYCLE = ("stack init", "preview", "up", "cancel", "destroy", "stack rm")


def lifecycle(state: Path) -> list[str]:
    return [c for c in commands(state) if c in LIFECYCLE]


def settings(**overrides: Any) -> driver.EngineSettings:
    values: dict[str, Any] = {
        "timeout_seconds": 60,
        "attempts": 3,
        "retry_delay_seconds": 0,
        "on_output": lambda _: None,
    }
    values.update(overrides)
    return driver.EngineSettings(**values)


CI_ENV = {
    "GITHUB_RUN_ID": "4242",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_HEAD_REF": "feature/Static IP!",
    "GITHUB_ACTOR": "octocat",
    "GITHUB_SHA": "abc123",
}


def test_stack_names_are_unique_valid_and_bounded() -> None:
    name = ephemeral_stack_name("pr", CI_ENV, suffix="a1b2c3")
    assert name == "pr-feature-static-ip-4242-1-a1b2c3"
    assert ephemeral_stack_name("pr", CI_ENV) != ephemeral_stack_name("pr", CI_ENV)
    long = ephemeral_stack_name("x" * 300, {}, suffix="ffffff")
    assert len(long) <= 100 and long.endswith("-ffffff")
    assert sanitize("a b/c") == "a-b-c"


def test_ttl_and_expiry() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert expiry("4h", now) == "2026-11-23T16:00:00Z"
    assert is_expired("2026-11-23T11:59:00Z", now) and not is_expired("2026-11-23T12:01:00Z", now)
    assert not is_expired(None, now) and not is_expired("garbage", now)
    for bad in ("4", "-1h", "0m", "1w"):
        with pytest.raises(ValueError):
            parse_ttl(bad)


def test_retries_only_known_transient_errors() -> None:
    assert transient_reason("RequestLimitExceeded: Request limit exceeded") is not None
    assert transient_reason("error: mandatory policy violation ... RequestLimitExceeded") is None
    assert transient_reason("Traceback (most recent call last): connection reset by peer") is None
    assert transient_reason("InvalidParameterValueException: runtime python2.7") is None
    failures = iter([RuntimeError("Throttling: Rate exceeded"), None])

    def flaky() -> str:
        error = next(failures)
        if error:
            raise error
        return "ok"

    record = Attempts()
    assert with_retries(flaky, "up", attempts=3, sleep=lambda _: None, record=record) == "ok"
    assert "retrying" in record.log[0]
    with pytest.raises(RetriesExhaustedError):
        with_retries(lambda: (_ for _ in ()).throw(RuntimeError("Rate exceeded")), "up", 2, sleep=lambda _: None)


def test_timeout_cancels() -> None:
    cancelled = []
    with pytest.raises(EngineTimeoutError, match="stopped"):
        with_timeout(lambda: time.sleep(3), 0.2, lambda: cancelled.append(True), "up")
    assert cancelled == [True]


def test_ephemeral_run_full_cycle_in_its_own_workspace(standin: Path) -> None:
    behave(standin, outputs={"vpc_id": {"value": "vpc-1", "secret": False}})
    options = driver.EphemeralOptions(prefix="pr", ttl="2h")
    record = driver.ephemeral_run(options, settings(), CI_ENV)
    assert lifecycle(standin) == ["stack init", "preview", "up", "destroy", "stack rm"]
    stack_calls = [c for c in calls(standin) if c["args"][0] != "version"]
    workspace = Path(stack_calls[0]["cwd"])
    assert workspace.parent.name == "workspaces" and workspace != REPO
    assert all(Path(c["cwd"]) == workspace for c in stack_calls)
    assert not workspace.exists()  # cleaned up
    assert all(c["backend"].startswith("file://") and c["passphrase_set"] for c in stack_calls)
    for command in ("preview", "up"):
        args = next(c["args"] for c in calls(standin) if c["args"][0] == command)
        assert args[args.index("--policy-pack") + 1] == str(REPO / "policies")
        assert args[args.index("--policy-pack-config") + 1] == str(REPO / "policies" / "config" / "dev.json")
    config = next(c["args"] for c in calls(standin) if c["args"][:2] == ["config", "set-all"])
    assert any(a.startswith("netkit:ephemeralExpiresAt=") for a in config)
    assert "netkit:ephemeralOwner=octocat" in config and "netkit:ephemeralCommit=abc123" in config
    tags = [c["args"][3] for c in calls(standin) if c["args"][:3] == ["stack", "tag", "set"]]
    assert "netkit:expires-at" in tags and "netkit:owner" in tags
    assert record.stack.startswith("pr-feature-static-ip-4242-1-") and "-x" in record.stack


def test_failing_up_still_destroys_and_removes(standin: Path) -> None:
    behave(standin, up="fail")
    with pytest.raises(driver.DriverError, match="up failed"):
        driver.ephemeral_run(driver.EphemeralOptions(), settings(), {})
    cmds = lifecycle(standin)
    assert cmds.count("up") == 1  # a real failure is not retried
    assert cmds[-2:] == ["destroy", "stack rm"]
    assert not list((driver.STATE_DIR / "workspaces").iterdir())


def started(state: Path) -> list[dict[str, Any]]:
    """Engine operations (up/destroy) the stand-in started: their pid and their plugin child's pid."""
    path = state / "started.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def alive(pid: int) -> bool:
    from tests.standin_cli import alive as standin_alive

    return standin_alive(pid)


def lock_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / ".netkit" / "state" / ".pulumi" / "locks").glob("**/*.json"))


def _stop_scenario(standin: Path, tmp_path: Path, behavior: str, **overrides: Any) -> dict[str, Any]:
    """An ephemeral run whose `up` hangs past its deadline; returns the run record."""
    behave(standin, up=behavior)
    out = tmp_path / "record.json"
    with pytest.raises(EngineTimeoutError, match="stopped"):
        # no gate here: only `up` should meet the deadline, however slow a loaded machine makes the other calls
        run_settings = settings(timeout_seconds=12, skip_gate=True, on_progress=lambda _: None, **overrides)
        driver.ephemeral_run(driver.EphemeralOptions(), run_settings, {}, out)
    record: dict[str, Any] = json.loads(out.read_text())
    hung = next(s for s in started(standin) if s["command"] == "up")
    destroy_call = next(c for c in calls(standin) if c["args"] and c["args"][0] == "destroy")
    # the engine and the plugin it started were gone before the cleanup's first engine call
    assert not alive(hung["pid"]) and not alive(hung["plugin_pid"])
    assert destroy_call["alive_engine_processes"] == []
    changes = [json.loads(line) for line in (standin / "changes.jsonl").read_text().splitlines()]
    assert changes and all(c["time"] < destroy_call["time"] for c in changes if c["pid"] == hung["pid"])
    assert lifecycle(standin)[-2:] == ["destroy", "stack rm"]
    assert any("timed out after 12s" in e for e in record["errors"])
    return record


def stop_details(record: dict[str, Any]) -> list[str]:
    phase = next(p for p in record["phases"] if p["phase"] == "stop up")
    assert phase["result"] == "engine stopped"
    return list(phase["details"])


def test_deadline_interrupts_the_engine_and_cleans_up_after_it_is_gone(standin: Path, tmp_path: Path) -> None:
    """The CLI's first SIGINT is a graceful cancel that releases the lock: no `pulumi cancel` is needed."""
    record = _stop_scenario(standin, tmp_path, "hang")
    details = stop_details(record)
    assert details[0] == "SIGINT sent (graceful cancel)"
    assert not any("SIGKILL" in d for d in details)
    assert "cancel" not in lifecycle(standin)
    assert lock_files(tmp_path) == []


def test_an_engine_that_needs_a_second_sigint_leaves_a_lock_that_cancel_clears(standin: Path, tmp_path: Path) -> None:
    record = _stop_scenario(standin, tmp_path, "hang-stubborn", cancel_grace_seconds=1)
    details = stop_details(record)
    assert any("second SIGINT" in d for d in details)
    assert any("left its lock" in d for d in details) and "`pulumi cancel` cleared the lock" in details
    cmds = lifecycle(standin)
    assert cmds.index("up") < cmds.index("cancel") < cmds.index("destroy")
    assert lock_files(tmp_path) == []


def test_an_engine_that_ignores_sigint_is_killed_with_its_plugins(standin: Path, tmp_path: Path) -> None:
    record = _stop_scenario(standin, tmp_path, "hang-unkillable", cancel_grace_seconds=1, kill_wait_seconds=1)
    details = stop_details(record)
    assert any("SIGKILL" in d for d in details) and any("no process of its session is left" in d for d in details)
    assert "cancel" in lifecycle(standin)


def test_the_standin_ignores_cancel_like_a_diy_backend(standin: Path, tmp_path: Path) -> None:
    """`pulumi cancel` on a DIY backend deletes the lock and nothing else: the update keeps running. (So the
    driver must never rely on it to stop an update.)"""
    import subprocess

    behave(standin, up="hang")
    backend = tmp_path / "backend"
    env = {**os.environ, "PULUMI_BACKEND_URL": f"file://{backend}"}
    (standin / "state.json").write_text(
        json.dumps({"stacks": {"s": {"config": {}, "tags": {}, "outputs": {}, "history": []}}})
    )
    pulumi = str(tmp_path / "bin" / "pulumi")
    update = subprocess.Popen([pulumi, "up", "--yes", "--skip-preview", "--stack", "s"], env=env)
    try:
        deadline = time.monotonic() + 30
        while not list(backend.glob(".pulumi/locks/**/*.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list(backend.glob(".pulumi/locks/**/*.json"))
        subprocess.run([pulumi, "cancel", "--yes", "--stack", "s"], env=env, check=True, capture_output=True)
        assert not list(backend.glob(".pulumi/locks/**/*.json"))  # the lock is gone ...
        time.sleep(0.5)
        assert update.poll() is None  # ... and the update goes on
    finally:
        update.kill()
        update.wait()


def test_lock_clearing_rules() -> None:
    from automation.stack_lock import LockFile, backend_kind, decide_lock_clearing

    assert [backend_kind(u) for u in ("file:///x", "s3://b", "gs://b", "azblob://c", "https://api.pulumi.com")] == [
        "file",
        "diy",
        "diy",
        "diy",
        "cloud",
    ]
    ours, theirs = LockFile(Path("a.json"), 41, "host"), LockFile(Path("b.json"), 42, "host")
    assert decide_lock_clearing("file", False, 41, "host", [ours]).clear  # left behind by the dead process
    assert not decide_lock_clearing("file", True, 41, "host", [ours, theirs]).clear  # another process's lock
    assert not decide_lock_clearing("file", True, 41, "other-host", [ours]).clear
    assert not decide_lock_clearing("file", True, 41, "host", []).clear
    assert not decide_lock_clearing("diy", False, 41, "host").clear  # graceful exit released it
    assert decide_lock_clearing("diy", True, 41, "host").clear and decide_lock_clearing("cloud", True, 41, "h").clear


def test_stop_process_reaches_children_in_their_own_process_group() -> None:
    """Plugins run in their own process groups (Setpgid): only the session sweep finds them."""
    import subprocess

    from automation.process_control import session_members, stop_process

    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal,time\\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\\nwhile True: time.sleep(1)'], process_group=0)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    child = int(process.stdout.readline())
    assert child in session_members(process.pid)
    started_at = time.monotonic()
    report = stop_process(process, grace_seconds=0.5, kill_wait_seconds=1)
    assert report.gone and report.killed and report.forced
    assert not alive(child) and not alive(process.pid)
    assert time.monotonic() - started_at < 10


def test_transient_error_is_retried(standin: Path) -> None:
    behave(standin, up="transient-once")
    record = driver.ephemeral_run(driver.EphemeralOptions(), settings(), {})
    assert commands(standin).count("up") == 2
    assert any("RequestLimitExceeded" in line or "throttling" in line for line in record.attempts.log)


def test_policy_violation_is_not_retried_and_stops_before_up(standin: Path) -> None:
    behave(standin, preview="policy")
    with pytest.raises(driver.PolicyViolationError):
        driver.ephemeral_run(driver.EphemeralOptions(), settings(), {})
    cmds = lifecycle(standin)
    assert cmds.count("preview") == 1 and "up" not in cmds and cmds[-2:] == ["destroy", "stack rm"]


def test_keep_leaves_the_stack(standin: Path) -> None:
    record = driver.ephemeral_run(driver.EphemeralOptions(keep=True), settings(), {})
    assert "destroy" not in commands(standin)
    assert (driver.STATE_DIR / "workspaces" / record.stack).exists()


def test_parallel_jobs_get_separate_workspaces(standin: Path) -> None:
    first = driver.ephemeral_create(driver.EphemeralOptions(), settings(), CI_ENV)
    second = driver.ephemeral_create(driver.EphemeralOptions(), settings(), CI_ENV)
    assert first.stack.name != second.stack.name and first.work_dir != second.work_dir


def test_reaper_removes_only_expired_stacks(standin: Path) -> None:
    state: dict[str, Any] = {
        "stacks": {
            name: {"config": {}, "tags": {}, "outputs": {}, "history": []}
            for name in ("eph-old-x202001010000", "eph-new-x209901010000", "prod")
        }
    }
    (standin / "state.json").write_text(json.dumps(state))
    assert driver.reap(settings(), dry_run=True) == [
        "would destroy and remove eph-old-x202001010000 (expired 2020-01-01T00:00:00Z)"
    ]
    assert "destroy" not in commands(standin)
    actions = driver.reap(settings(), dry_run=False)
    assert actions == ["destroyed and removed eph-old-x202001010000 (expired 2020-01-01T00:00:00Z)"]
    remaining = json.loads((standin / "state.json").read_text())["stacks"]
    assert sorted(remaining) == ["eph-new-x209901010000", "prod"]


def applied_changes(state: Path) -> list[dict[str, Any]]:
    path = state / "changes.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_gate_stops_up_before_any_change(standin: Path) -> None:
    """`Stack.up()` is `up --skip-preview`: the stand-in, like the engine, applies first and checks stack policies
    after. The gate's preview must stop the run before `up` is ever started."""
    behave(standin, preview="policy", up="policy-after-apply")
    out = driver.STATE_DIR / "up.json"
    with pytest.raises(driver.PolicyViolationError, match="nothing was changed"):
        driver.run_environment("up", "dev", settings(), out)
    assert "up" not in lifecycle(standin) and applied_changes(standin) == []
    record = json.loads(out.read_text())
    assert record["gate"]["passed"] is False and record["phases"][-1]["phase"] == "gate"
    preview = next(c["args"] for c in calls(standin) if c["args"][0] == "preview")
    assert preview[preview.index("--policy-pack-config") + 1] == str(REPO / "policies" / "config" / "dev.json")


def test_without_the_gate_the_change_lands_before_the_violation(standin: Path) -> None:
    """What the gate prevents, and what --skip-gate accepts (loudly)."""
    behave(standin, up="policy-after-apply")
    said: list[str] = []
    out = driver.STATE_DIR / "up.json"
    with pytest.raises(driver.PolicyViolationError):
        driver.run_environment("up", "dev", settings(skip_gate=True, on_progress=said.append), out)
    assert "preview" not in lifecycle(standin) and [c["change"] for c in applied_changes(standin)] == ["applied"]
    assert any(line.startswith("WARNING: --skip-gate") for line in said)
    record = json.loads(out.read_text())
    assert record["gate"] == {"skipped": True} and record["warnings"][0].startswith("WARNING: --skip-gate")


@pytest.mark.parametrize(("stack", "stopped"), [("prod", True), ("dev", False)])
def test_undecided_stops_the_gate_where_the_config_makes_it_mandatory(standin: Path, stack: str, stopped: bool) -> None:
    """prod.json says `"all": "mandatory"`; dev.json leaves netkit-undecided advisory."""
    urn = "urn:pulumi:x::lambda-netkit::aws:lambda/function:Function::worker"
    behave(standin, violations=[{"policy": "netkit-undecided", "urn": urn}])
    if stopped:
        with pytest.raises(driver.PolicyViolationError, match="netkit-undecided"):
            driver.run_environment("up", stack, settings())
        assert applied_changes(standin) == []
    else:
        record = driver.run_environment("up", stack, settings())
        assert record.gate["passed"] is True and applied_changes(standin)
    up = [c["args"] for c in calls(standin) if c["args"][0] == "up"]
    for args in up:  # `up` runs with the same pack and config attached
        assert args[args.index("--policy-pack-config") + 1] == str(REPO / "policies" / "config" / f"{stack}.json")


def _git_project(tmp_path: Path) -> Path:
    """A committed copy of the project, to see what a run writes into a checkout."""
    import shutil
    import subprocess

    project = tmp_path / "checkout"
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(".venv", ".git", "tests", "__pycache__", ".*"))
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(["git", *command], cwd=project, check=True, capture_output=True)
    return project


def _git_status(project: Path) -> str:
    import subprocess

    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def test_emulator_runs_leave_the_checkout_unchanged(
    standin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    project = _git_project(tmp_path)
    monkeypatch.setattr(driver, "REPO_ROOT", project)
    url = moto_endpoint
    driver.run_environment("up", "dev", settings(emulator_url=url))
    driver.ephemeral_run(driver.EphemeralOptions(), settings(emulator_url=url), {})
    assert _git_status(project) == ""
    config_calls = [c for c in calls(standin) if c["args"][:2] == ["config", "set-all"]]
    assert config_calls and all(Path(c["cwd"]).is_relative_to(driver.STATE_DIR / "workspaces") for c in config_calls)
    config = config_calls[0]["args"]
    endpoints = json.loads(next(a for a in config if a.startswith("aws:endpoints=")).split("=", 1)[1])
    assert {"ec2": url} in endpoints and {"lambda": url} in endpoints
    assert not any(a.startswith(("aws:secretKey", "aws:accessKey")) for a in config)  # credentials: env only
    engine_calls = [c for c in calls(standin) if c["args"][0] in ("preview", "up", "destroy")]
    assert engine_calls and all(c["endpoint_url"] == url for c in engine_calls)
    assert all({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(c["aws_env"]) for c in engine_calls)
    assert not list((driver.STATE_DIR / "workspaces").iterdir())  # the copies are dropped


def test_config_is_never_written_into_the_checkout(standin: Path) -> None:
    engine = driver.Engine("dev", driver.REPO_ROOT, settings())
    with pytest.raises(driver.DriverError, match="refusing to write stack config into the checkout"):
        engine.set_config({"aws:region": driver.auto.ConfigValue("eu-west-1")})


def test_the_dynamic_providers_boto3_clients_take_the_emulator_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Hyperplane-EIP provider passes endpoint_url=None unless told otherwise; botocore then reads
    AWS_ENDPOINT_URL, which the driver sets in the engine's environment (emulator_env)."""
    from components.hyperplane_eip import _clients

    for key, value in driver.emulator_env("http://127.0.0.1:4566").items():
        monkeypatch.setenv(key, value)
    ec2, lam = _clients({"region": "us-east-1", "endpointUrl": ""})
    assert ec2.meta.endpoint_url == lam.meta.endpoint_url == "http://127.0.0.1:4566"


def test_passphrase_is_required_in_ci(standin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(driver.DriverError, match="PULUMI_CONFIG_PASSPHRASE is not set"):
        driver.ephemeral_create(driver.EphemeralOptions(), settings(), {})


def test_without_the_cli_engine_commands_exit_2_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(driver, "STATE_DIR", tmp_path / ".netkit")
    for argv in (["up", "dev"], ["ephemeral", "run"], ["ephemeral", "create"], ["reap"], ["preview", "prod"]):
        assert cli.main(argv) == 2
        assert "Pulumi CLI is not on PATH" in capsys.readouterr().err
    assert not (tmp_path / ".netkit").exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["preview"],
        ["up"],
        ["destroy"],
        ["ephemeral"],
        ["ephemeral", "run"],
        ["ephemeral", "create"],
        ["ephemeral", "destroy"],
        ["reap"],
        ["aws"],
        ["aws", "verify"],
        ["aws", "enis"],
        ["aws", "cleanup"],
    ],
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "usage:" in text and len(text.splitlines()) > 3


def test_ephemeral_stacks_tag_their_resources() -> None:
    from components.settings import parse_settings

    tags = parse_settings({"ephemeralExpiresAt": "2026-11-23T16:00:00Z", "ephemeralOwner": "octocat"}, "eph-1").tags
    assert tags["netkit:ephemeral"] == "eph-1" and tags["netkit:expires-at"] == "2026-11-23T16:00:00Z"
    assert "netkit:ephemeral" not in parse_settings({}, "dev").tags


# --- ENI-aware teardown against a real moto server -----------------------------------------------------------
def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def main(event, context):\n    return 1\n")
    return buffer.getvalue()


@pytest.fixture
def vpc_world(moto_endpoint: str) -> dict[str, Any]:
    """A network stack's VPC (subnets, Lambda SG, parking SG) and an app stack's own security group with a VPC
    function on it and its Lambda ENIs: one in use (attached), one left `available`; plus another stack's ENI."""
    import boto3

    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto_endpoint)
    lam = boto3.client("lambda", region_name="us-east-1", endpoint_url=moto_endpoint)
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]

    def group(name: str) -> str:
        return str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])

    own, parking, other = group("app-own"), group("parking"), group("other-stack")
    role = iam.create_role(RoleName=f"fn-{uuid_hex()}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function = f"worker-{uuid_hex()}"
    lam.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role=role,
        Handler="handler.main",
        Code={"ZipFile": _zip()},
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [own]},
    )

    def lambda_eni(group_id: str) -> str:
        eni = ec2.create_network_interface(
            SubnetId=subnets[0], Groups=[group_id], Description=f"AWS Lambda VPC ENI-{function}"
        )
        return str(eni["NetworkInterface"]["NetworkInterfaceId"])

    in_use, left_available, others = lambda_eni(own), lambda_eni(own), lambda_eni(other)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[1])
    attachment = ec2.attach_network_interface(
        NetworkInterfaceId=in_use, InstanceId=instance["Instances"][0]["InstanceId"], DeviceIndex=1
    )["AttachmentId"]
    deployment = {
        "resources": [
            {"urn": "urn:sg", "type": "aws:ec2/securityGroup:SecurityGroup", "id": own, "outputs": {"id": own}},
            {
                "urn": "urn:fn",
                "type": "aws:lambda/function:Function",
                "id": function,
                "outputs": {"name": function, "vpcConfig": {"securityGroupIds": [own], "subnetIds": subnets}},
            },
            {
                "urn": "urn:network",
                "type": "pulumi:pulumi:StackReference",
                "id": "acme/network/dev",
                "outputs": {"outputs": {"vpc_id": vpc, "parking_security_group_id": parking}},
            },
        ]
    }
    return {
        "ec2": ec2,
        "lambda": lam,
        "endpoint": moto_endpoint,
        "own": own,
        "parking": parking,
        "other": other,
        "function": function,
        "in_use": in_use,
        "attachment": attachment,
        "left_available": left_available,
        "others": others,
        "deployment": deployment,
    }


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


def _lambda_service(world: dict[str, Any], release_after: float | None) -> Any:
    """Stands in for Lambda's Hyperplane: once the function no longer uses the stack's group, it detaches the
    in-use ENI after `release_after` seconds (None: never)."""
    import threading

    seen: dict[str, float] = {}
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(0.1):
            config = world["lambda"].get_function_configuration(FunctionName=world["function"])
            if world["own"] in (config.get("VpcConfig") or {}).get("SecurityGroupIds", []):
                continue
            seen.setdefault("moved", time.time())
            if release_after is not None and time.time() - seen["moved"] >= release_after:
                world["ec2"].detach_network_interface(AttachmentId=world["attachment"])
                seen["released"] = time.time()
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return seen, stop, thread


def _teardown_run(standin: Path, world: dict[str, Any], **overrides: Any) -> tuple[driver.Engine, list[str]]:
    behave(standin, deployment=world["deployment"])
    said: list[str] = []
    values = {
        "emulator_url": world["endpoint"],
        "aws_region": "us-east-1",
        "eni_poll_seconds": 0.2,
        "eni_progress_seconds": 0.5,
        "retry_delay_seconds": 0,
        "on_progress": said.append,
    }
    engine = driver.ephemeral_create(driver.EphemeralOptions(), settings(**{**values, **overrides}), {})
    engine.up("dev")
    return engine, said


def destroys(state: Path) -> list[dict[str, Any]]:
    path = state / "destroys.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_teardown_parks_functions_waits_for_enis_then_destroys(standin: Path, vpc_world: dict[str, Any]) -> None:
    engine, said = _teardown_run(standin, vpc_world)
    seen, stop, thread = _lambda_service(vpc_world, release_after=1.0)
    try:
        driver.ephemeral_teardown(engine)
    finally:
        stop.set()
        thread.join(5)
    phases = [p["phase"] for p in engine.record.phases]
    assert phases[-4:] == [
        "teardown 1/3: move functions off the stack's security groups",
        "teardown 2/3: wait for Lambda ENIs",
        "teardown 3/3: destroy",
        "teardown total",
    ]
    park, wait = engine.record.phases[-4], engine.record.phases[-3]
    assert park["details"] == [
        f"moved function {vpc_world['function']} to the parking security group {vpc_world['parking']}"
    ]
    assert wait["result"] == "released"
    assert sorted(wait["details"]) == sorted(
        f"deleted {e} (left available)" for e in (vpc_world["in_use"], vpc_world["left_available"])
    )
    # what the engine met when it destroyed: the function on the parking group, no ENI on the stack's group
    (destroyed,) = destroys(standin)
    assert destroyed["functions_at_destroy"][vpc_world["function"]]["SecurityGroupIds"] == [vpc_world["parking"]]
    assert destroyed["enis_at_destroy"] == [] and "error" not in destroyed
    assert seen["released"] < next(c["time"] for c in calls(standin) if c["args"][0] == "destroy")
    # another stack's ENI and group are untouched; the parking group stays
    ec2 = vpc_world["ec2"]
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[vpc_world["others"]])["NetworkInterfaces"]
    remaining = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert {vpc_world["other"], vpc_world["parking"]} <= remaining and vpc_world["own"] not in remaining
    assert any(line.startswith("waiting for 1 Lambda ENI(s)") for line in said)  # progress while waiting
    assert lifecycle(standin)[-2:] == ["destroy", "stack rm"]


def test_teardown_retries_only_dependency_violations_until_the_budget_ends(
    standin: Path, vpc_world: dict[str, Any]
) -> None:
    """Lambda never lets go: the wait ends at --eni-timeout, destroy hits DependencyViolation and is retried
    until the budget is spent; the stack is then NOT removed (its resources still exist)."""
    engine, _ = _teardown_run(standin, vpc_world, eni_timeout_seconds=3)
    with pytest.raises(driver.DriverError, match="cleanup incomplete"):
        driver.ephemeral_teardown(engine)
    wait = next(p for p in engine.record.phases if p["phase"] == "teardown 2/3: wait for Lambda ENIs")
    assert wait["details"] == [
        f"deleted {vpc_world['left_available']} (left available)",
        f"still present: {vpc_world['in_use']}",
    ]
    (destroyed,) = destroys(standin)
    assert destroyed["enis_at_destroy"] == [vpc_world["in_use"]] and "DependencyViolation" in destroyed["error"]
    assert engine.record.phases[-1]["phase"] == "teardown 3/3: destroy"
    assert engine.record.phases[-1]["result"].startswith("failed")
    assert "stack rm" not in lifecycle(standin)  # never remove a stack whose resources still exist


def test_teardown_retries_a_dependency_violation(standin: Path, vpc_world: dict[str, Any]) -> None:
    engine, said = _teardown_run(standin, vpc_world, eni_timeout_seconds=30)
    behave(standin, deployment=vpc_world["deployment"], destroy="dependency-violation-once")
    _, stop, thread = _lambda_service(vpc_world, release_after=0.0)
    try:
        driver.ephemeral_teardown(engine)
    finally:
        stop.set()
        thread.join(5)
    destroy_args = [c["args"] for c in calls(standin) if c["args"][0] == "destroy"]
    assert len(destroy_args) == 2 and all("--continue-on-error" in a for a in destroy_args)
    assert any("dependency violation" in line for line in said)
    assert engine.record.phases[-2]["result"] == "destroyed (2 attempt(s))"
    assert lifecycle(standin)[-1] == "stack rm"


def test_teardown_does_not_retry_other_failures(standin: Path, vpc_world: dict[str, Any]) -> None:
    behave(standin, destroy="fail")
    engine = driver.ephemeral_create(driver.EphemeralOptions(), settings(emulator_url=vpc_world["endpoint"]), {})
    with pytest.raises(driver.DriverError, match="cleanup incomplete"):
        driver.ephemeral_teardown(engine)
    assert commands(standin).count("destroy") == 1


def test_shared_network_stacks_take_the_fast_path(standin: Path, vpc_world: dict[str, Any]) -> None:
    """A stack on the shared network owns no security group or subnet its functions use: nothing to wait for."""
    shared = {
        "resources": [
            r for r in vpc_world["deployment"]["resources"] if r["type"] != "aws:ec2/securityGroup:SecurityGroup"
        ]
    }
    vpc_world["deployment"] = shared
    engine, _ = _teardown_run(standin, vpc_world)
    driver.ephemeral_teardown(engine)
    assert [p["phase"] for p in engine.record.phases][-3:] == [
        "teardown plan",
        "teardown 3/3: destroy",
        "teardown total",
    ]
    config = vpc_world["lambda"].get_function_configuration
    with pytest.raises(vpc_world["lambda"].exceptions.ResourceNotFoundException):
        config(FunctionName=vpc_world["function"])  # destroyed by the engine, never updated by us


def test_teardown_plan_detaches_functions_in_the_stacks_own_subnets() -> None:
    from automation.teardown import plan_teardown

    deployment = {
        "resources": [
            {"type": "aws:ec2/subnet:Subnet", "id": "subnet-own"},
            {"type": "aws:ec2/vpc:Vpc", "id": "vpc-own"},
            {
                "type": "aws:lambda/function:Function",
                "outputs": {"name": "a", "vpcConfig": {"subnetIds": ["subnet-own"], "securityGroupIds": ["sg-net"]}},
            },
            {
                "type": "aws:lambda/function:Function",
                "outputs": {"name": "b", "vpcConfig": {"subnetIds": ["subnet-net"], "securityGroupIds": ["sg-net"]}},
            },
        ]
    }
    plan = plan_teardown(deployment, parking_group="sg-parking")
    assert [(m.name, m.action) for m in plan.moves] == [("a", "detach")]  # parking is in another VPC's subnets
    assert plan.own_vpcs == ("vpc-own",) and not plan.fast_path
    assert plan_teardown({"resources": []}).fast_path


def test_the_workflow_cleans_up_only_the_stacks_own_vpc() -> None:
    """The shared network's VPC is the ephemeral stack's `vpc_id` output too: the workflow must not pass it."""
    import yaml

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "netkit.yml").read_text())
    steps = workflow["jobs"]["ephemeral"]["steps"]
    cleanup = next(step for step in steps if "aws cleanup" in step.get("run", ""))
    assert cleanup["if"] == "failure()"
    assert "own_vpc_ids" in cleanup["run"] and "vpc_id'" not in cleanup["run"] and "['outputs']" not in cleanup["run"]
    run = next(step["run"] for step in steps if "ephemeral run" in step.get("run", ""))
    assert "--skip-gate" not in run and "--eni-timeout" in run


def test_no_cleanup_while_a_stopped_engine_may_still_run(standin: Path) -> None:
    engine = driver.ephemeral_create(driver.EphemeralOptions(), settings(), {})
    engine.engine_left_running = True  # what stop_engine sets when the process would not die
    with pytest.raises(driver.DriverError, match="not cleaning up"):
        driver.ephemeral_teardown(engine)
    assert "destroy" not in commands(standin)


def test_an_aws_failure_while_parking_still_destroys(standin: Path, vpc_world: dict[str, Any]) -> None:
    """Without AWS access the phases cannot run; the destroy still does (the provider then waits itself)."""
    engine, _ = _teardown_run(standin, vpc_world, emulator_url="http://127.0.0.1:9", aws_timeout_seconds=2)
    with pytest.raises(driver.DriverError, match="cleanup incomplete"):
        driver.ephemeral_teardown(engine)  # the stand-in's destroy cannot reach AWS either
    park = next(p for p in engine.record.phases if p["phase"].startswith("teardown 1/3"))
    assert park["result"] == "AWS failed (EndpointConnectionError); destroying anyway"
    assert "destroy" in commands(standin)
