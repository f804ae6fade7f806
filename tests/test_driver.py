"""The driver's own logic that needs no engine (names, TTLs, retries, locks, the record, budgets, the workflow), and
its ENI-aware teardown against a real moto server through a stand-in `pulumi` (tests/standin_cli.py says why that
one part cannot run on the real CLI here). Everything the real CLI can play is in tests/test_driver_real.py."""

from __future__ import annotations

import inspect
import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from automation import cli
from automation.driver import locks, runs, signals
from automation.driver.enis import plan_teardown
from automation.driver.errors import (
    CredentialsError,
    DriverError,
    EngineTimeoutError,
    Interrupted,
    RetriesExhaustedError,
)
from automation.driver.processes import session_members, stop_process
from automation.driver.record import RunRecord, pending_operations, write_outputs
from automation.driver.retries import (
    Attempts,
    all_dependency_violations,
    credentials_error,
    credentials_problem,
    transient_reason,
    with_retries,
    with_timeout,
)
from automation.driver.settings import (
    PREFLIGHT_AWS_CALLS,
    PREFLIGHT_DEADLINE_SECONDS,
    PREFLIGHT_PROGRAM_SECONDS,
    EngineSettings,
    Target,
    preflight_seconds,
    worst_case_seconds,
)
from automation.naming import ephemeral_stack_name, expiry, is_expired, parse_ttl, sanitize

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "netkit.yml"


def settings(state_dir: Path, **overrides: Any) -> EngineSettings:
    values: dict[str, Any] = {
        "state_dir": state_dir,
        "timeout_seconds": 60,
        "attempts": 3,
        "retry_delay_seconds": 0,
        "on_output": lambda _: None,
        "on_progress": lambda _: None,
    }
    values.update(overrides)
    return EngineSettings(**values)


def repo_target(stack: str = "dev") -> Target:
    return Target(REPO, stack, REPO / "policies", REPO / "policies" / "config" / "dev.json", "dev")


CI_ENV = {
    "GITHUB_RUN_ID": "4242",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_HEAD_REF": "feature/Static IP!",
    "GITHUB_ACTOR": "octocat",
    "GITHUB_SHA": "abc123",
}


# --- names, TTLs -----------------------------------------------------------------------------------------------
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
    assert runs.stack_expiry_from_name("pr-x-x202001010000") == "2020-01-01T00:00:00Z"


# --- retries, deadlines, credentials -----------------------------------------------------------------------------
def test_retries_only_known_transient_errors() -> None:
    assert transient_reason("RequestLimitExceeded: Request limit exceeded") is not None
    assert transient_reason("error: mandatory policy violation ... RequestLimitExceeded") is None
    assert transient_reason("Traceback (most recent call last): connection reset by peer") is None
    assert transient_reason("InvalidParameterValueException: runtime python2.7") is None
    assert transient_reason("create is not allowed by the plan: no steps were expected; Throttling") is None
    assert transient_reason("ExpiredToken: The security token included in the request is expired") is None
    assert transient_reason("the stack is currently locked by 1 lock(s)") is None  # never wait out a stale lock
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


def test_a_destroy_is_retried_only_when_every_error_is_a_dependency_violation() -> None:
    violation = "sg-1: DependencyViolation: resource sg-1 has a dependent object"
    assert all_dependency_violations([violation, violation])
    assert not all_dependency_violations([violation, "fn: AccessDeniedException: not authorized"])
    assert not all_dependency_violations([])


def test_expired_credentials_are_named_with_how_long_the_run_had() -> None:
    problem = credentials_problem("error: ... api error ExpiredToken: The security token included in the request is")
    assert problem is not None and problem.startswith("expired")
    assert credentials_problem("NoCredentialProviders: no valid providers in chain")
    assert credentials_problem("InvalidClientTokenId: The security token included in the request is invalid")
    assert credentials_problem("DependencyViolation") is None
    error = credentials_error(problem, "destroy", 3723.4)
    assert isinstance(error, CredentialsError) and isinstance(error, DriverError)
    assert "expired" in str(error) and "62m03s" in str(error) and "role-duration-seconds" in str(error)


def test_timeout_stops_and_an_interruption_stops_too() -> None:
    stopped: list[str] = []
    with pytest.raises(EngineTimeoutError, match="stopped"):
        with_timeout(lambda: time.sleep(3), 0.2, lambda: stopped.append("deadline"), "up", join_seconds=0.1)
    assert stopped == ["deadline"]
    with signals.SignalGuard() as guard:

        def signal_soon() -> None:
            time.sleep(0.2)
            os.kill(os.getpid(), 15)

        import threading

        threading.Thread(target=signal_soon, daemon=True).start()
        with pytest.raises(Interrupted) as raised:
            with_timeout(
                lambda: time.sleep(3),
                10,
                lambda: stopped.append("deadline"),
                "up",
                0.1,
                stopped.append,  # type: ignore[arg-type]
            )
    assert raised.value.signal_name == "SIGTERM" and not raised.value.second
    assert guard.count == 1 and isinstance(stopped[-1], Interrupted)


def test_a_signal_during_a_shielded_block_is_raised_after_it() -> None:
    with signals.SignalGuard() as guard:
        with pytest.raises(Interrupted) as raised, guard.shielded():
            os.kill(os.getpid(), 2)
            time.sleep(0.05)
            finished = True
        assert finished and raised.value.signal_name == "SIGINT"
        with pytest.raises(Interrupted) as second, guard.shielded():
            os.kill(os.getpid(), 15)
            time.sleep(0.05)
        assert second.value.second and guard.hurry.is_set()


# --- processes ----------------------------------------------------------------------------------------------------
def alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rfind(")") + 2 :].split()[0] != "Z"


def test_stop_process_reaches_children_in_their_own_process_group() -> None:
    """Plugins run in their own process groups (Setpgid): only the session sweep finds them."""
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
    assert report.gone and report.killed and report.forced and child in report.session_pids
    assert not alive(child) and not alive(process.pid)
    assert time.monotonic() - started_at < 10


def test_a_hurried_stop_skips_the_grace() -> None:
    import threading

    process = subprocess.Popen(
        [sys.executable, "-c", "import signal,time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(60)"],
        start_new_session=True,
        text=True,
    )
    time.sleep(0.3)
    hurry = threading.Event()
    hurry.set()
    started_at = time.monotonic()
    report = stop_process(process, 30, 10, hurry=hurry, hurried_kill_wait_seconds=0.3)
    assert report.gone and report.killed and time.monotonic() - started_at < 5
    assert any("second signal to the driver" in step for step in report.steps)


# --- locks --------------------------------------------------------------------------------------------------------
def _lock(directory: Path, pid: int, host: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{pid}-{host}.json"
    path.write_text(json.dumps({"pid": pid, "username": "u", "hostname": host, "timestamp": "2026-01-01T00:00:00Z"}))
    return path


def test_only_our_own_dead_lock_is_removed_on_a_file_backend(tmp_path: Path) -> None:
    stack_dir = tmp_path / ".pulumi" / "locks" / "organization" / "proj" / "s"
    ours, theirs = _lock(stack_dir, 41, "host"), _lock(stack_dir, 42, "host")
    elsewhere = _lock(stack_dir, 41, "other-host")
    other_stack = _lock(tmp_path / ".pulumi" / "locks" / "organization" / "proj" / "t", 41, "host")
    outcome = locks.remove_own_locks(f"file://{tmp_path}", "proj", "s", [40, 41], "host")
    assert outcome.removed == [str(ours)] and not ours.exists()
    assert theirs.exists() and elsewhere.exists() and other_stack.exists()
    assert "2 lock(s) of other processes left alone" in outcome.reason and "no `pulumi cancel`" in outcome.reason
    gs = locks.remove_own_locks("gs://bucket/x", "proj", "s", [41], "host")
    assert gs.removed == [] and "never `pulumi cancel`" in gs.reason


def test_only_our_own_dead_lock_is_removed_on_an_s3_backend(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint)
    s3.create_bucket(Bucket="state")
    prefix = "team/.pulumi/locks/organization/proj/s/"
    for key, pid in (("a.json", 41), ("b.json", 42)):
        s3.put_object(Bucket="state", Key=prefix + key, Body=json.dumps({"pid": pid, "hostname": "host"}))
    host = moto_endpoint.removeprefix("http://")
    url = f"s3://state/team?region=us-east-1&endpoint={host}&disableSSL=true&s3ForcePathStyle=true"
    outcome = locks.remove_own_locks(url, "proj", "s", [41], "host")
    assert outcome.removed == [prefix + "a.json"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="state")["Contents"]]
    assert keys == [prefix + "b.json"]


def test_the_lock_a_killed_run_left_is_removed_exactly_and_only_once_its_process_is_gone(tmp_path: Path) -> None:
    """`ephemeral destroy --record` on another runner: the record names the CLI (pid, host) killed with its driver."""
    stack_dir = tmp_path / ".pulumi" / "locks" / "organization" / "proj" / "s"
    ours, same_pid_elsewhere = _lock(stack_dir, 41, "runner-a"), _lock(stack_dir, 41, "runner-b")
    another_job = _lock(stack_dir, 42, "runner-a")
    left = locks.LeftEngine.parse({"pid": 41, "host": "runner-a"})
    assert left is not None
    # on its own host, a process that still runs keeps its lock
    line = locks.remove_left_lock(f"file://{tmp_path}", "proj", "s", left, "runner-a", alive=lambda pid: True)
    assert "still running" in line and ours.exists()
    line = locks.remove_left_lock(f"file://{tmp_path}", "proj", "s", left, "runner-c", alive=lambda pid: True)
    assert "engine process 41 on runner-a" in line and "removed the lock" in line
    assert not ours.exists() and same_pid_elsewhere.exists() and another_job.exists()
    assert "2 lock(s) of other processes left alone" in line
    for junk in (None, {}, {"pid": "41", "host": "h"}, {"pid": True, "host": "h"}, {"pid": 41, "host": ""}):
        assert locks.LeftEngine.parse(junk) is None
    assert not locks.process_alive(2**22 + 1) and locks.process_alive(os.getpid())


def test_ephemeral_destroy_record_hands_the_recorded_engine_process_to_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "ephemeral.json"
    record.write_text(json.dumps({"stack": "pr7-x202601010000", "engine_process": {"pid": 4242, "host": "runner-a"}}))
    given: list[Any] = []

    def engine(*args: Any, **kwargs: Any) -> Any:
        given.append(args[-1])
        raise DriverError("stop here")

    monkeypatch.setattr(runs, "Engine", engine)
    monkeypatch.setattr(runs, "find_cli", lambda settings: "pulumi")
    monkeypatch.setattr("automation.cli_engine._engine_settings", lambda args, project: settings(tmp_path / "state"))
    assert cli.main(["ephemeral", "destroy", "--record", str(record), "--offline", "--program", str(REPO)]) == 2
    assert given == [[locks.LeftEngine(4242, "runner-a")]]


def test_pulumi_cancel_on_the_cloud_only_for_our_own_active_update() -> None:
    lines = ["Updating (acme/stack)", "View Live: https://app.pulumi.com/acme/proj/stack/updates/17", "..."]
    version = locks.update_version(lines)
    assert version == 17
    assert locks.cloud_cancel_allowed(17, {"version": 17, "result": "in-progress"})[0]
    assert not locks.cloud_cancel_allowed(17, {"version": 18, "result": "in-progress"})[0]  # someone else's
    assert not locks.cloud_cancel_allowed(17, {"version": 17, "result": "failed"})[0]  # already over
    assert not locks.cloud_cancel_allowed(None, {"version": 17, "result": "in-progress"})[0]
    assert [locks.backend_kind(u) for u in ("file:///x", "s3://b", "gs://b", "azblob://c", "https://x")] == [
        "file",
        "s3",
        "gs",
        "azblob",
        "cloud",
    ]


# --- the record -----------------------------------------------------------------------------------------------------
def test_the_record_always_has_gate_pending_operations_and_resources(tmp_path: Path) -> None:
    deployment = {
        "resources": [{"urn": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "type": "pulumi:pulumi:Stack"}],
        "pending_operations": [
            {
                "resource": {
                    "urn": "urn:pulumi:s::p::aws:ec2/natGateway:NatGateway::nat",
                    "type": "aws:ec2/natGateway:NatGateway",
                    "inputs": {"tags": {"netkit:stack": "s"}},
                },
                "type": "creating",
            }
        ],
    }
    (op,) = pending_operations({"deployment": deployment})
    assert (op.type, op.name, op.operation) == ("aws:ec2/natGateway:NatGateway", "nat", "creating")
    assert op.describe().endswith("may exist in AWS, not in the state")
    record = RunRecord("s")
    out = tmp_path / "sub" / "record.json"
    write_outputs(out, record)
    fresh = json.loads(out.read_text())
    assert fresh["gate"]["result"] == "skipped" and fresh["pending_operations"] == []
    assert "resources_in_state" in fresh
    record.note_state(deployment)
    write_outputs(out, record)
    noted = json.loads(out.read_text())
    assert noted["resources_in_state"] == 1
    assert noted["pending_operations"] == [
        {
            "type": "aws:ec2/natGateway:NatGateway",
            "name": "nat",
            "urn": "urn:pulumi:s::p::aws:ec2/natGateway:NatGateway::nat",
            "operation": "creating",
        }
    ]


# --- inputs ---------------------------------------------------------------------------------------------------------
def test_a_named_policy_config_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = Target(REPO, "dev", REPO / "policies", tmp_path / "nope.json")
    with pytest.raises(DriverError, match="does not exist"):
        missing.validate()
    with pytest.raises(DriverError, match=r"no Pulumi\.yaml"):
        Target(tmp_path, "dev").validate()
    assert repo_target().pack_configs() == [str(REPO / "policies" / "config" / "dev.json")]


def test_an_empty_backend_in_ci_is_an_error(tmp_path: Path) -> None:
    from automation.driver.workspace import backend_url

    with pytest.raises(DriverError, match="no backend in CI"):
        backend_url(settings(tmp_path / "s"), {"CI": "true", "PULUMI_BACKEND_URL": "  "})
    assert backend_url(settings(tmp_path / "s"), {}).startswith("file://")
    assert backend_url(settings(tmp_path / "s", offline=True), {"CI": "true"}).endswith("/offline/state")


def test_stand_in_runs_never_share_the_real_stack_or_backend(tmp_path: Path) -> None:
    from automation.driver.workspace import backend_url, stand_in_stack

    real = {"PULUMI_BACKEND_URL": "s3://team-state"}
    offline, emulated = settings(tmp_path, offline=True), settings(tmp_path, emulator_url="http://127.0.0.1:5000")
    assert stand_in_stack(offline, "dev") == "dev-offline" and stand_in_stack(emulated, "dev") == "dev-emu"
    assert backend_url(offline, real) != "s3://team-state" != backend_url(emulated, real)
    assert backend_url(offline, real) != backend_url(emulated, real)


# --- budgets and the workflow -----------------------------------------------------------------------------------------
def _workflow_flags(run: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+)[ =]([^\s\\]+)", run))


def _settings_from_flags(flags: dict[str, str], state_dir: Path) -> EngineSettings:
    return settings(
        state_dir,
        timeout_seconds=float(flags.get("timeout", 3600)),
        attempts=int(flags.get("retries", 3)),
        retry_delay_seconds=float(flags.get("retry-delay", 30)),
        cancel_grace_seconds=float(flags.get("cancel-grace", 120)),
        kill_wait_seconds=float(flags.get("kill-wait", 10)),
        eni_timeout_seconds=float(flags.get("eni-timeout", 45)) * 60,
        preflight_deadline_seconds=float(flags.get("preflight-deadline", PREFLIGHT_DEADLINE_SECONDS)),
    )


def test_the_workflow_timeouts_cover_the_worst_case_the_budgets_allow(tmp_path: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    jobs = workflow["jobs"]
    parts = (("preview", "preview"), ("ephemeral", "update"), ("ephemeral-cleanup", "teardown"), ("reap", "teardown"))
    for job_name, part in parts:
        job = jobs[job_name]
        run = next(s["run"] for s in job["steps"] if "automation" in s.get("run", "") and "--timeout" in s["run"])
        flags = _workflow_flags(run)
        worst = worst_case_seconds(_settings_from_flags(flags, tmp_path))[part] * int(flags.get("limit", 1))
        setup_minutes = 10  # checkout, Python, make venv, the CLI
        assert job["timeout-minutes"] * 60 >= worst + setup_minutes * 60, (job_name, worst / 60)
        # the comment above the timeout says the same figure the budgets give
        assert f"{worst / 60:.1f} min" in WORKFLOW.read_text(), (job_name, round(worst / 60, 1))
        # the OIDC session outlasts the job: expired credentials mid-run would strand resources
        credentials = next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))
        assert credentials["with"]["role-duration-seconds"] >= job["timeout-minutes"] * 60, job_name
        if part == "update":  # the account preflight runs before the gate, within the same job
            preflight = preflight_seconds(_settings_from_flags(flags, tmp_path))
            assert preflight > 0 and "--skip-preflight" not in run and "--offline" not in run
            assert f"account preflight {preflight / 60:g}" in WORKFLOW.read_text(), round(preflight / 60, 2)


def test_the_worst_case_update_includes_the_preflight_program_run_and_its_deadline(tmp_path: Path) -> None:
    from automation import cli_engine
    from automation.preflight import account, run_preflight
    from automation.preflight.program import program_needs
    from automation.preflight.step import driver_step

    base = settings(tmp_path, timeout_seconds=1200, attempts=2, aws_timeout_seconds=30)
    # the account reads end by their one deadline (5 min), however many calls go unanswered: 600 + 300 s, where
    # 25 calls x botocore's 3 attempts x (30 s connect + 30 s read) + 3 s of backoff made 600 + 4575 s before
    assert account.call_seconds(30) == 3 * (30 + 30) + 3
    assert preflight_seconds(base) == 600 + 300 == PREFLIGHT_PROGRAM_SECONDS + PREFLIGHT_DEADLINE_SECONDS
    assert PREFLIGHT_AWS_CALLS * account.call_seconds(30) > 15 * PREFLIGHT_DEADLINE_SECONDS
    assert preflight_seconds(settings(tmp_path, preflight_deadline_seconds=60)) == 600 + 60
    # one default everywhere: the driver's flag, `aws preflight --deadline`, run_preflight, the step
    defaults = {
        account.DEFAULT_DEADLINE_SECONDS,
        cli_engine.PREFLIGHT_DEADLINE_SECONDS,
        inspect.signature(run_preflight).parameters["deadline"].default,
        inspect.signature(driver_step).parameters["deadline"].default,
        cli.parse(["aws", "preflight", "dev"]).deadline,
        cli.parse(["up", "dev"]).preflight_deadline,
        cli.parse(["ephemeral", "run"]).preflight_deadline,
    }
    assert defaults == {PREFLIGHT_DEADLINE_SECONDS}, defaults
    # the program's offline run is bounded by program_needs' own timeout, which the driver's step leaves as it is
    assert inspect.signature(program_needs).parameters["timeout"].default == PREFLIGHT_PROGRAM_SECONDS
    without = worst_case_seconds(settings(tmp_path, timeout_seconds=1200, attempts=2, skip_preflight=True))
    assert worst_case_seconds(base)["update"] - without["update"] == preflight_seconds(base)
    assert worst_case_seconds(base)["teardown"] == without["teardown"]  # teardown runs no preflight
    assert preflight_seconds(settings(tmp_path, offline=True)) == 0  # no account to read


class _CountingClient:
    """A boto3 client stand-in that counts every request (the preflight asks for each page of a listing itself)."""

    def __init__(self, answers: dict[str, Any], calls: list[str]) -> None:
        self.answers, self.calls = answers, calls

    def _answer(self, operation: str) -> Any:
        self.calls.append(operation)
        answer = self.answers[operation]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def __getattr__(self, operation: str) -> Any:
        return lambda **_: self._answer(operation)


def test_the_preflight_aws_calls_are_what_the_worst_case_allows_for() -> None:
    """Every fallback of preflight/account.py taken (no quota ever applied, no default either, Lambda's own answer
    refused), the stack's VPC deployed with no function in it yet: the count PREFLIGHT_AWS_CALLS is built on."""
    from botocore.exceptions import ClientError

    from automation.preflight.account import Clients, read_account
    from automation.preflight.needs import StackNeeds

    def error(code: str, operation: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "x"}}, operation)

    tag = [{"Key": "netkit:stack", "Value": "other"}]
    answers: dict[str, Any] = {
        "describe_vpcs": {"Vpcs": [{"VpcId": "vpc-1"}]},
        "describe_subnets": {"Subnets": [{"SubnetId": "subnet-1", "AvailabilityZone": "us-east-1a"}]},
        "get_service_quota": error("NoSuchResourceException", "GetServiceQuota"),
        "get_aws_default_service_quota": error("ServiceUnavailable", "GetAWSDefaultServiceQuota"),
        "describe_account_attributes": error("ServiceUnavailable", "DescribeAccountAttributes"),
        "describe_addresses": {"Addresses": []},
        "describe_nat_gateways": {"NatGateways": [{"SubnetId": "subnet-1", "Tags": tag}]},
        "describe_network_interfaces": {"NetworkInterfaces": []},
        "get_account_settings": error("ServiceUnavailable", "GetAccountSettings"),
        "list_functions": {"Functions": []},
        "describe_vpc_block_public_access_options": {"VpcBlockPublicAccessOptions": {"InternetGatewayBlockMode": "x"}},
        "describe_vpc_block_public_access_exclusions": {"VpcBlockPublicAccessExclusions": []},
    }
    calls: list[str] = []
    client = _CountingClient(answers, calls)
    needs = StackNeeds("dev", "us-east-1", stack_tag="dev", creates_vpc=True, nat_azs={"us-east-1a": 1})
    read_account(Clients(client, client, client), needs)
    assert set(answers) <= set(calls)  # every operation the preflight can call was called
    # 21 counted, 4 allowed for on top (functions already in the VPC, further pages): settings.py says so
    assert len(calls) == 21 == PREFLIGHT_AWS_CALLS - 4, calls


def test_the_workflow_pins_the_cli_and_cleans_up_in_a_job_of_its_own() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    text = WORKFLOW.read_text()
    assert "pulumi-version: 3.274.0" in text or "pulumi-version: v3.274.0" in text
    cleanup = workflow["jobs"]["ephemeral-cleanup"]
    assert "always()" in cleanup["if"] and cleanup["needs"] == "ephemeral"
    steps = " ".join(s.get("run", "") for s in cleanup["steps"])
    assert "ephemeral destroy" in steps
    run = next(s["run"] for s in workflow["jobs"]["ephemeral"]["steps"] if "ephemeral run" in s.get("run", ""))
    assert "--keep" in run and "--skip-gate" not in run and run.lstrip().startswith("exec ")
    assert "PULUMI_BACKEND_URL" in text and "no backend" in text.lower()


def test_the_workflow_cleans_up_only_the_stacks_own_vpc() -> None:
    """The shared network's VPC is the ephemeral stack's `vpc_id` output too: the workflow must not pass it."""
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["ephemeral-cleanup"]["steps"]
    cleanup = next(step for step in steps if "aws cleanup" in step.get("run", ""))
    assert "own_vpc_ids" in cleanup["run"] and "vpc_id'" not in cleanup["run"] and "['outputs']" not in cleanup["run"]


# --- the command line -------------------------------------------------------------------------------------------------
def test_without_the_cli_engine_commands_exit_2_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr("automation.cli_engine._pulumi_cli", lambda: None)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)  # the program is the current directory
    (project / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    (project / "Pulumi.prod.yaml").write_text("config: {}\n")
    for argv in (["up", "dev"], ["ephemeral", "run"], ["ephemeral", "create"], ["reap"], ["preview", "prod"]):
        assert cli.main(argv) == 2
        assert "Pulumi CLI is not on PATH" in capsys.readouterr().err
    assert not (project / ".netkit").exists()


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
    assert tags["netkit:stack"] == "eph-1"  # what teardown finds pending creates by
    assert "netkit:ephemeral" not in parse_settings({}, "dev").tags


def test_the_driver_modules_import_in_flow_order_without_a_cycle() -> None:
    """Each module imports only modules below it in the flow (runs -> update -> gate -> ... -> errors)."""
    order = [
        "runs",
        "update",
        "gate",
        "teardown",
        "pending",
        "aws_inventory",
        "engine",
        "signals",
        "command",
        "locks",
        "processes",
        "record",
        "retries",
        "workspace",
        "settings",
        "enis",
        "errors",
    ]
    package = REPO / "automation" / "driver"
    assert sorted(order) == sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    for position, name in enumerate(order):
        text = (package / f"{name}.py").read_text()
        imported = set(re.findall(r"^from \.(\w+) import|^from \. import (\w+)", text, re.M))
        names = {a or b for a, b in imported}
        above = set(order[: position + 1])
        assert not names & above, (name, names & above)


# --- ENI-aware teardown against a real moto server (stand-in CLI: see tests/standin_cli.py) -----------------------
@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The stand-in `pulumi` (only for the ENI teardown tests) and all driver state under tmp_path."""
    bin_dir, state = tmp_path / "bin", tmp_path / "standin"
    bin_dir.mkdir()
    state.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(REPO)!r})\n"
        "from tests.standin_cli import main\nmain()\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("NETKIT_STANDIN_DIR", str(state))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only-passphrase")
    yield state


def behave(state: Path, **behavior: Any) -> None:
    (state / "behavior.json").write_text(json.dumps(behavior))


def calls(state: Path) -> list[dict[str, Any]]:
    result = []
    for line in (state / "calls.jsonl").read_text().splitlines():
        call = json.loads(line)
        call["args"] = [a for a in call["args"] if a != "--non-interactive"]
        result.append(call)
    return result


def commands(state: Path) -> list[str]:
    result = []
    for call in calls(state):
        words = [a for a in call["args"] if not a.startswith("-")]
        result.append(" ".join(words[:2]) if words[0] in ("stack", "config") else words[0])
    return result


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def main(event, context):\n    return 1\n")
    return buffer.getvalue()


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


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


def _teardown_engine(standin: Path, tmp_path: Path, world: dict[str, Any], **overrides: Any) -> tuple[Any, list[str]]:
    from automation.driver.update import update

    behave(standin, deployment=world["deployment"])
    said: list[str] = []
    values = {
        "pulumi_cli": str(tmp_path / "bin" / "pulumi"),
        "program_host": False,
        "emulator_url": world["endpoint"],
        "aws_region": "us-east-1",
        "eni_poll_seconds": 0.2,
        "eni_progress_seconds": 0.5,
        "skip_gate": True,
        "on_progress": said.append,
    }
    run_settings = settings(tmp_path / ".netkit", **{**values, **overrides})
    engine = runs.ephemeral_create(runs.EphemeralOptions(), repo_target(), run_settings, {})
    update(engine)
    return engine, said


def destroys(state: Path) -> list[dict[str, Any]]:
    path = state / "destroys.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _teardown(engine: Any) -> None:
    runs.ephemeral_teardown(engine, runs.inventory_for(engine.settings))


def test_teardown_parks_functions_waits_for_enis_then_destroys(
    standin: Path, tmp_path: Path, vpc_world: dict[str, Any]
) -> None:
    engine, said = _teardown_engine(standin, tmp_path, vpc_world)
    seen, stop, thread = _lambda_service(vpc_world, release_after=1.0)
    try:
        _teardown(engine)
    finally:
        stop.set()
        thread.join(5)
    phases = [p["phase"] for p in engine.record.phases]
    assert phases[-5:] == [
        "teardown 1/3: move functions off the stack's security groups",
        "teardown 2/3: wait for Lambda ENIs",
        "teardown 3/3: destroy",
        "remove stack",
        "teardown total",
    ]
    park, wait = engine.record.phases[-5], engine.record.phases[-4]
    assert park["details"] == [
        f"moved function {vpc_world['function']} to the parking security group {vpc_world['parking']}"
    ]
    assert wait["result"] == "released"
    assert sorted(wait["details"]) == sorted(
        f"deleted {e} (left available)" for e in (vpc_world["in_use"], vpc_world["left_available"])
    )
    (destroyed,) = destroys(standin)
    assert destroyed["functions_at_destroy"][vpc_world["function"]]["SecurityGroupIds"] == [vpc_world["parking"]]
    assert destroyed["enis_at_destroy"] == [] and "error" not in destroyed
    assert seen["released"] < next(c["time"] for c in calls(standin) if c["args"][0] == "destroy")
    ec2 = vpc_world["ec2"]
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[vpc_world["others"]])["NetworkInterfaces"]
    remaining = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert {vpc_world["other"], vpc_world["parking"]} <= remaining and vpc_world["own"] not in remaining
    assert any(line.startswith("waiting for 1 Lambda ENI(s)") for line in said)
    lifecycle = [c for c in commands(standin) if c in ("destroy", "stack export", "stack rm")]
    assert lifecycle[-3:] == ["destroy", "stack export", "stack rm"]  # the state was read before the removal


def test_teardown_retries_only_dependency_violations_until_the_budget_ends(
    standin: Path, tmp_path: Path, vpc_world: dict[str, Any]
) -> None:
    """Lambda never lets go: the wait ends at --eni-timeout, destroy hits DependencyViolation and is retried
    until the budget is spent; the stack is then NOT removed (its resources still exist)."""
    engine, _ = _teardown_engine(standin, tmp_path, vpc_world, eni_timeout_seconds=3)
    with pytest.raises(DriverError, match="dependency violations remain"):
        _teardown(engine)
    wait = next(p for p in engine.record.phases if p["phase"] == "teardown 2/3: wait for Lambda ENIs")
    assert wait["details"] == [
        f"deleted {vpc_world['left_available']} (left available)",
        f"still present: {vpc_world['in_use']}",
    ]
    assert destroys(standin)[0]["enis_at_destroy"] == [vpc_world["in_use"]]
    assert engine.record.phases[-1]["phase"] == "teardown 3/3: destroy"
    assert engine.record.phases[-1]["result"].startswith("failed")
    assert "stack rm" not in commands(standin)  # never remove a stack whose resources still exist


def test_teardown_retries_a_dependency_violation(standin: Path, tmp_path: Path, vpc_world: dict[str, Any]) -> None:
    engine, said = _teardown_engine(standin, tmp_path, vpc_world, eni_timeout_seconds=30)
    behave(standin, deployment=vpc_world["deployment"], destroy="dependency-violation-once")
    _, stop, thread = _lambda_service(vpc_world, release_after=0.0)
    try:
        _teardown(engine)
    finally:
        stop.set()
        thread.join(5)
    destroy_args = [c["args"] for c in calls(standin) if c["args"][0] == "destroy"]
    assert len(destroy_args) == 2 and all("--continue-on-error" in a for a in destroy_args)
    assert any("only dependency violations" in line for line in said)
    assert next(p for p in engine.record.phases if p["phase"] == "teardown 3/3: destroy")["result"] == (
        "destroyed (2 attempt(s))"
    )
    assert commands(standin)[-1] == "stack rm"


@pytest.mark.parametrize("behavior", ["fail", "fail-mixed"])
def test_a_permanent_error_stops_the_destroy_at_once(
    standin: Path, tmp_path: Path, vpc_world: dict[str, Any], behavior: str
) -> None:
    """One permanent error among the dependency violations: no retry, no removal."""
    engine, _ = _teardown_engine(standin, tmp_path, vpc_world, eni_timeout_seconds=30)
    behave(standin, deployment=vpc_world["deployment"], destroy=behavior)
    _, stop, thread = _lambda_service(vpc_world, release_after=0.0)
    try:
        with pytest.raises(DriverError, match="AccessDeniedException"):
            _teardown(engine)
    finally:
        stop.set()
        thread.join(5)
    assert commands(standin).count("destroy") == 1 and "stack rm" not in commands(standin)


def test_shared_network_stacks_take_the_fast_path(standin: Path, tmp_path: Path, vpc_world: dict[str, Any]) -> None:
    """A stack on the shared network owns no security group or subnet its functions use: nothing to wait for."""
    resources = vpc_world["deployment"]["resources"]
    vpc_world["deployment"] = {
        "resources": [r for r in resources if r["type"] != "aws:ec2/securityGroup:SecurityGroup"]
    }
    engine, _ = _teardown_engine(standin, tmp_path, vpc_world)
    _teardown(engine)
    assert [p["phase"] for p in engine.record.phases][-4:] == [
        "teardown plan",
        "teardown 3/3: destroy",
        "remove stack",
        "teardown total",
    ]
    with pytest.raises(vpc_world["lambda"].exceptions.ResourceNotFoundException):
        vpc_world["lambda"].get_function_configuration(FunctionName=vpc_world["function"])


def test_an_aws_failure_while_parking_still_destroys(standin: Path, tmp_path: Path, vpc_world: dict[str, Any]) -> None:
    """Without AWS access the phases cannot run; the destroy still does (the provider then waits itself)."""
    engine, _ = _teardown_engine(standin, tmp_path, vpc_world)
    engine.settings.emulator_url = "http://127.0.0.1:9"
    engine.settings.aws_timeout_seconds = 2
    with pytest.raises(DriverError):
        _teardown(engine)
    park = next(p for p in engine.record.phases if p["phase"].startswith("teardown 1/3"))
    assert park["result"] == "AWS failed (EndpointConnectionError); destroying anyway"
    assert "destroy" in commands(standin)


def test_teardown_plan_detaches_functions_in_the_stacks_own_subnets() -> None:
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
    assert [(m.name, m.action) for m in plan.moves] == [("a", "detach")]
    assert plan.own_vpcs == ("vpc-own",) and not plan.fast_path
    assert plan_teardown({"resources": []}).fast_path


def test_pending_creates_are_found_in_aws_by_the_stacks_tags(moto_endpoint: str) -> None:
    """What teardown does with a NAT gateway a stopped `up` created but never recorded."""
    import boto3

    from automation.driver.aws_inventory import AwsInventory

    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]

    def nat(stack: str) -> str:
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        spec = [{"ResourceType": "natgateway", "Tags": [{"Key": "netkit:stack", "Value": stack}]}]
        return str(
            ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation, TagSpecifications=spec)["NatGateway"][
                "NatGatewayId"
            ]
        )

    ours, known, theirs = nat("pr-1"), nat("pr-1"), nat("pr-2")
    inventory = AwsInventory("us-east-1", moto_endpoint)
    kind = "aws:ec2/natGateway:NatGateway"
    assert inventory.supports(kind) and not inventory.supports("aws:iam/role:Role")
    assert inventory.find(kind, {"netkit:stack": "pr-1"}, known_ids={known}) == [ours]
    inventory.delete(kind, ours)
    assert inventory.find(kind, {"netkit:stack": "pr-1"}, known_ids={known}) == []
    assert theirs in inventory.find(kind, {"netkit:stack": "pr-2"}, set())
