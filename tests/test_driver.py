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
        driver.ephemeral_run(driver.EphemeralOptions(), settings(timeout_seconds=8, **overrides), {}, out)
    record: dict[str, Any] = json.loads(out.read_text())
    hung = next(s for s in started(standin) if s["command"] == "up")
    destroy_call = next(c for c in calls(standin) if c["args"] and c["args"][0] == "destroy")
    # the engine and the plugin it started were gone before the cleanup's first engine call
    assert not alive(hung["pid"]) and not alive(hung["plugin_pid"])
    assert destroy_call["alive_engine_processes"] == []
    changes = [json.loads(line) for line in (standin / "changes.jsonl").read_text().splitlines()]
    assert changes and all(c["time"] < destroy_call["time"] for c in changes if c["pid"] == hung["pid"])
    assert lifecycle(standin)[-2:] == ["destroy", "stack rm"]
    assert any("timed out after 8s" in e for e in record["errors"])
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


def test_emulator_mode_sets_provider_endpoints(standin: Path) -> None:
    driver.ephemeral_create(driver.EphemeralOptions(), settings(emulator_url="http://127.0.0.1:4566"), {})
    config = next(c["args"] for c in calls(standin) if c["args"][:2] == ["config", "set-all"])
    assert "aws:skipCredentialsValidation=true" in config
    endpoints = json.loads(next(a for a in config if a.startswith("aws:endpoints=")).split("=", 1)[1])
    assert {"ec2": "http://127.0.0.1:4566"} in endpoints and {"lambda": "http://127.0.0.1:4566"} in endpoints


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
