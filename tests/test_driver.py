"""The driver's own lifecycle logic through `pulumi.automation`, against a stand-in `pulumi` executable
(tests/standin_cli.py: it records its arguments and answers as the CLI does; it deploys nothing)."""

import json
import os
import stat
import sys
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
    with pytest.raises(EngineTimeoutError, match="cancelled"):
        with_timeout(lambda: __import__("time").sleep(3), 0.2, lambda: cancelled.append(True), "up")
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


def test_timeout_cancels_and_cleans_up(standin: Path) -> None:
    behave(standin, up="hang")
    out = driver.STATE_DIR / "record.json"
    with pytest.raises(EngineTimeoutError):
        driver.ephemeral_run(driver.EphemeralOptions(), settings(timeout_seconds=3), {}, out)
    cmds = lifecycle(standin)
    assert "cancel" in cmds and cmds[-2:] == ["destroy", "stack rm"]
    assert any("timed out" in e for e in json.loads(out.read_text())["errors"])


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
