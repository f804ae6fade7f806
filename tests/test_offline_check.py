"""The offline check: the analyzer protocol as the engine drives it, policy config as the engine reconciles it, the
report contract and the CLI's exit codes. The probe pack echoes what it received."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from google.protobuf import json_format

from automation.check import REPO_ROOT, run_check
from automation.offline.analyzer import (
    AnalysisSession,
    DuplicateResourceError,
    NotRun,
    Suppressed,
    Violation,
    parse_reason,
)
from automation.offline.engine import Mode, ProgramError, RecordedResource, run_program
from automation.offline.pack_process import PolicyPackError, PolicyPackProcess
from automation.offline.policy_config import PolicyConfigError, load_policy_config, parse_policy_config
from automation.offline.report import Report
from automation.offline.stack_config import SECRET_PLACEHOLDER, ProgramLoadError, load_stack_config
from tests.conftest import FIXTURES, write_program

PROBE = FIXTURES / "programs" / "probe"
PROBE_PACK = FIXTURES / "probe_pack"
VENV = REPO_ROOT / ".venv"


def cli(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automation", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def probe(report: Report, policy: str) -> list[Violation]:
    return [v for v in report.violations if v.policy == policy]


def seen(report: Report, policy: str) -> list[dict]:
    return [json.loads(v.message) for v in probe(report, policy)]


def pack_copy(tmp_path: Path, main: str | None = None, manifest: str | None = None) -> Path:
    """A copy of the probe pack (a unique path, so its process can be found) with an optional other entry point."""
    pack = tmp_path / "pack"
    shutil.copytree(PROBE_PACK, pack)
    venv = os.path.relpath(VENV, pack)
    (pack / "PulumiPolicy.yaml").write_text(
        manifest or f"runtime:\n  name: python\n  options:\n    virtualenv: {venv}\nversion: 0.0.1\n"
    )
    if main is not None:
        (pack / "__main__.py").write_text(main)
    return pack


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


# -- the protocol ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("mode", "known"), [("preview", False), ("update", True)])
def test_new_ids_are_unknown_in_preview_and_known_in_update(
    probe_pack: PolicyPackProcess, mode: Mode, known: bool
) -> None:
    report = run_check(PROBE, "test", mode, policy_pack=PROBE_PACK, pack=probe_pack)
    assert [s["vpcIdKnown"] for s in seen(report, "probe-resource")] == [known]


def test_property_dependencies_parents_and_providers_reach_analyze_stack(probe_pack: PolicyPackProcess) -> None:
    report = run_check(PROBE, "test", "preview", policy_pack=PROBE_PACK, pack=probe_pack)
    stack = seen(report, "probe-stack")[0]
    assert stack["probe-subnet"]["deps"]["vpcId"] == ["probe-vpc"]
    assert stack["probe-subnet"]["parent"].endswith("pulumi:pulumi:Stack::probe-test")
    assert "::pulumi:providers:aws::default" in stack["probe-subnet"]["provider"]


def test_analyze_is_called_for_the_stack_default_provider_and_every_resource(probe_pack: PolicyPackProcess) -> None:
    report = run_check(PROBE, "test", "preview", policy_pack=PROBE_PACK, pack=probe_pack)
    calls = seen(report, "probe-analyzed")
    types = [c["type"] for c in calls]
    # The engine steps the root stack first, registers the default provider before the first resource needing it.
    assert types == ["pulumi:pulumi:Stack", "pulumi:providers:aws", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"]
    vpc = calls[2]
    assert vpc["provider"].startswith("urn:pulumi:test::probe::pulumi:providers:aws::default")
    assert vpc["providerProps"]["region"] == "eu-west-1"  # the package's stack config, as the engine sends it
    assert calls[0]["provider"] == "" and calls[1]["provider"] == ""


def test_component_resources_are_analyzed(tmp_path: Path, probe_pack: PolicyPackProcess) -> None:
    program = write_program(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        class Net(pulumi.ComponentResource):
            def __init__(self, name):
                super().__init__("acme:net:Net", name)
                aws.ec2.Vpc(f"{name}-vpc", cidr_block="10.0.0.0/16", opts=pulumi.ResourceOptions(parent=self))
                self.register_outputs({})

        Net("net")
        """,
    )
    report = run_check(program, "test", "preview", policy_pack=PROBE_PACK, pack=probe_pack)
    types = [c["type"] for c in seen(report, "probe-analyzed")]
    assert "acme:net:Net" in types and "aws:ec2/vpc:Vpc" in types


def test_reads_are_not_analyzed_and_duplicate_urns_are_an_error(probe_pack: PolicyPackProcess) -> None:
    from google.protobuf import struct_pb2

    def record(urn: str, type_: str, read: bool = False) -> RecordedResource:
        resource = RecordedResource(
            urn, type_, urn.rsplit("::", 1)[1], True, "", "", [], {}, struct_pb2.Struct(), struct_pb2.Struct()
        )
        resource.read = read
        return resource

    session = AnalysisSession(probe_pack, {})
    try:
        session.submit(record("urn:pulumi:test::probe::aws:ec2/vpc:Vpc::looked-up", "aws:ec2/vpc:Vpc", read=True))
        session.submit(record("urn:pulumi:test::probe::aws:ec2/vpc:Vpc::mine", "aws:ec2/vpc:Vpc"))
        assert [r.name for r in session.registered] == ["looked-up", "mine"]  # both in AnalyzeStack's state
        assert session.analyze_calls == 1  # `mine` only: a read is never sent to Analyze
        with pytest.raises(DuplicateResourceError, match="mine"):
            session.submit(record("urn:pulumi:test::probe::aws:ec2/vpc:Vpc::mine", "aws:ec2/vpc:Vpc"))
    finally:
        session.close()


def test_unknown_read_by_a_stack_policy_is_reported_as_not_run(probe_pack: PolicyPackProcess) -> None:
    preview = run_check(PROBE, "test", "preview", policy_pack=PROBE_PACK, pack=probe_pack)
    unknown = [n for n in preview.not_run if n.policy == "probe-unknown"]
    assert len(unknown) == 1 and "vpcId" in unknown[0].reason
    update = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, pack=probe_pack)
    assert [n for n in update.not_run if n.policy == "probe-unknown"] == []


def test_not_applicable_reason_lines_become_not_run_and_suppressed(probe_pack: PolicyPackProcess) -> None:
    report = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, pack=probe_pack)
    reasons = sorted(n.reason for n in report.not_run if n.policy == "probe-reasons")
    assert reasons == ["a line without a prefix", "probe could not decide for probe-subnet: a reason"]
    subnet = next(r["urn"] for r in report.resources if r["name"] == "probe-subnet")
    assert report.suppressed == [
        Suppressed("probe-resource", subnet, "the team accepts this", "probe-resource flagged probe-subnet")
    ]
    assert json.loads(json.dumps(report.to_json()))["suppressed"][0]["reason"] == "the team accepts this"


def test_parse_reason_handles_every_line_shape() -> None:
    not_run, suppressed = parse_reason("p", "undecided: x\nsuppressed: urn:a\tq\twhy\tmsg\nsuppressed: malformed\n\n")
    assert not_run == [NotRun("p", "x"), NotRun("p", "suppressed: malformed")]
    assert suppressed == [Suppressed("q", "urn:a", "why", "msg")]
    assert parse_reason("p", "")[0] == [NotRun("p", "not applicable")]


# -- launch as the CLI does ----------------------------------------------------------------------------------------
def test_pack_starts_as_the_cli_starts_it(tmp_path: Path) -> None:
    report = run_check(PROBE, "test", "preview", policy_pack=PROBE_PACK)  # its own process: env set at launch
    launch = seen(report, "probe-launch")[0]
    assert launch["cwd"] == str(PROBE_PACK.resolve())
    assert launch["argv"] == [str(PROBE_PACK.resolve()), "127.0.0.1:0", str(PROBE_PACK.resolve())]  # runpy's argv
    assert Path(launch["prefix"]).resolve() == VENV.resolve()  # the virtualenv PulumiPolicy.yaml names
    env = launch["env"]
    assert env["PULUMI_PROJECT"] == "probe" and env["PULUMI_STACK"] == "test"
    assert env["PULUMI_DRY_RUN"] == "true" and env["PULUMI_ORGANIZATION"] == "organization"
    assert env["VIRTUAL_ENV"] == os.path.abspath(PROBE_PACK.resolve() / "../../../.venv")
    config = json.loads(env["PULUMI_CONFIG"])
    assert config["probe:cidr"] == "10.42.0.0/16" and config["aws:region"] == "eu-west-1"
    assert launch["tags"] == {"pulumi:project": "probe", "pulumi:runtime": "python"}  # ConfigureStack's tags
    update = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK)
    assert seen(update, "probe-launch")[0]["env"]["PULUMI_DRY_RUN"] == "false"


def test_the_pack_process_has_the_cli_command_line_its_own_group_and_dies_with_us(tmp_path: Path) -> None:
    pack = pack_copy(tmp_path)
    with PolicyPackProcess(pack) as running:
        pid = running.process.pid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
        assert [c.decode() for c in cmdline] == running.launch.argv()
        assert running.launch.argv()[1:4] == ["-u", "-m", "pulumi.policy"]
        assert os.getpgid(pid) == pid != os.getpgid(0)
        status = Path(f"/proc/{pid}/status").read_text()
        assert running.process.poll() is None and "State:" in status
    assert processes_mentioning(str(pack)) == []
    # Parent death: a check that is SIGKILLed (no cleanup at all) still takes its pack with it.
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom automation.offline.pack_process import PolicyPackProcess\n"
        f"PolicyPackProcess(Path({str(pack)!r}))\nprint('up', flush=True)\ntime.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None and parent.stdout.readline().strip() == "up"
    assert processes_mentioning(str(pack))
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while processes_mentioning(str(pack)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_mentioning(str(pack)) == []


def test_stack_tags_come_from_pulumi_yaml_and_pulumi_tags_config(tmp_path: Path) -> None:
    program = write_program(tmp_path, "import pulumi\n", config={"pulumi:tags": '{"team": "net"}'})
    (program / "Pulumi.yaml").write_text("name: tagged\nruntime: python\ndescription: tags probe\n")
    report = run_check(program, "test", "preview", policy_pack=PROBE_PACK)
    assert seen(report, "probe-launch")[0]["tags"] == {
        "pulumi:project": "tagged",
        "pulumi:runtime": "python",
        "pulumi:description": "tags probe",
        "team": "net",
    }


def test_missing_virtualenv_is_an_error_with_the_commands_that_create_it(tmp_path: Path) -> None:
    pack = pack_copy(tmp_path, manifest="runtime:\n  name: python\n  options:\n    virtualenv: venv\nversion: 1.0.0\n")
    with pytest.raises(PolicyPackError, match=r"does not exist; create it with: python3 -m venv .*pip install -r"):
        PolicyPackProcess(pack)
    result = cli("check", "test", "--program", str(PROBE), "--policy-pack", str(pack))
    assert result.returncode == 2 and "python3 -m venv" in result.stderr and "Traceback" not in result.stderr


def test_no_virtualenv_means_python3_from_path(tmp_path: Path) -> None:
    from automation.offline.pack_process import resolve_launch

    pack = pack_copy(tmp_path, manifest="runtime: python\nversion: 1.0.0\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    launch = resolve_launch(pack, {"PATH": str(bin_dir)})
    assert launch.python == str(fake) and launch.virtualenv is None
    assert launch.argv() == [str(fake), "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(pack.resolve())]
    with pytest.raises(PolicyPackError, match="no nope is on PATH"):
        resolve_launch(pack, {"PATH": str(bin_dir), "PULUMI_PYTHON_CMD": "nope"})


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("runtime: [python\n", "is not valid YAML"),
        ("- a list\n", "must hold a mapping"),
        ("runtime: nodejs\n", "runtime 'nodejs' is not supported"),
        ("runtime:\n  name: python\n  options:\n    virtualenv: 3\n", "virtualenv option must be a string"),
        ("runtime:\n  name: python\n  options:\n    toolchain: conda\n", "unsupported toolchain"),
    ],
)
def test_malformed_pulumipolicy_yaml_is_one_clear_error(tmp_path: Path, manifest: str, message: str) -> None:
    pack = pack_copy(tmp_path, manifest=manifest)
    result = cli("check", "test", "--program", str(PROBE), "--policy-pack", str(pack))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_crashing_pack_is_an_error_with_its_stderr() -> None:
    with pytest.raises(PolicyPackError, match="crash-pack exploded"):
        PolicyPackProcess(FIXTURES / "crash_pack")


def test_pack_printing_garbage_is_named(tmp_path: Path) -> None:
    pack = pack_copy(tmp_path, main="print('hello from the pack')\nimport time\ntime.sleep(60)\n")
    with pytest.raises(PolicyPackError, match="printed 'hello from the pack' where the CLI expects its port"):
        PolicyPackProcess(pack, start_timeout=10)
    assert processes_mentioning(str(pack)) == []


def test_pack_printing_a_port_it_does_not_serve(tmp_path: Path) -> None:
    pack = pack_copy(tmp_path, main="print(1, flush=True)\nimport time\ntime.sleep(60)\n")
    with pytest.raises(PolicyPackError, match="printed port 1 but serves nothing there"):
        PolicyPackProcess(pack, start_timeout=2)
    assert processes_mentioning(str(pack)) == []


def test_hanging_pack_times_out(tmp_path: Path) -> None:
    pack = pack_copy(tmp_path, main="import time\ntime.sleep(60)\n")
    with pytest.raises(PolicyPackError, match="hangs"):
        PolicyPackProcess(pack, start_timeout=2)
    assert processes_mentioning(str(pack)) == []


# -- policy config as the engine reconciles it --------------------------------------------------------------------
def _config(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    return path


def test_schema_defaults_are_filled_in_before_configure(probe_pack: PolicyPackProcess) -> None:
    report = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, pack=probe_pack)
    assert seen(report, "probe-resource")[0]["config"] == {"answer": 7}


def test_policy_config_reaches_the_pack_with_its_enforcement(tmp_path: Path, probe_pack: PolicyPackProcess) -> None:
    config = _config(tmp_path, {"probe-resource": {"enforcementLevel": "mandatory", "answer": 42}})
    report = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, policy_config=config, pack=probe_pack)
    violation = probe(report, "probe-resource")[0]
    assert violation.enforcement == "mandatory" and json.loads(violation.message)["config"] == {"answer": 42}
    assert not report.passed


@pytest.mark.parametrize("everything", ["mandatory", {"enforcementLevel": "mandatory"}])
def test_all_sets_every_level_and_named_entries_win(
    tmp_path: Path, probe_pack: PolicyPackProcess, everything: object
) -> None:
    config = _config(tmp_path, {"all": everything, "probe-stack": "advisory"})
    report = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, policy_config=config, pack=probe_pack)
    assert {v.enforcement for v in probe(report, "probe-resource")} == {"mandatory"}
    assert {v.enforcement for v in probe(report, "probe-stack")} == {"advisory"}


def test_unknown_policy_names_are_warned_about_not_fatal(tmp_path: Path, probe_pack: PolicyPackProcess) -> None:
    config = _config(tmp_path, {"no-such-policy": "mandatory"})
    report = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, policy_config=config, pack=probe_pack)
    assert any("no-such-policy" in w for w in report.warnings)
    bare = _config(tmp_path, {"no-such-policy": {"x": 1}})  # the CLI's Configure refuses an entry with no level
    with pytest.raises(PolicyConfigError, match="no-such-policy has no enforcementLevel"):
        run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, policy_config=bare, pack=probe_pack)


def test_schema_violations_name_the_key_and_never_the_value(tmp_path: Path, probe_pack: PolicyPackProcess) -> None:
    config = _config(tmp_path, {"probe-resource": {"answer": "hunter2-s3cr3t"}})
    with pytest.raises(PolicyConfigError) as caught:
        run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, policy_config=config, pack=probe_pack)
    assert "probe-resource: answer must be of type integer" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"p": "loud"}', "p: not a valid enforcement level"),
        ('{"p": {"enforcementLevel": 3}}', "p.enforcementLevel: not a valid enforcement level"),
        ('{"p": 3}', "must be an enforcement level string or an object"),
    ],
)
def test_malformed_policy_config(text: str, message: str) -> None:
    with pytest.raises(PolicyConfigError, match=message):
        parse_policy_config(text)


def test_empty_policy_config_and_empty_entries_are_dropped() -> None:
    assert parse_policy_config("  ") == ({}, [])
    entries, _ = parse_policy_config('{"p": {}, "q": "advisory"}')
    assert set(entries) == {"q"}


# -- the program runner, as the check uses it ---------------------------------------------------------------------
def test_stack_config_is_read_with_namespaces_and_secure_values() -> None:
    config = load_stack_config(PROBE, "test")
    assert config.values["probe:cidr"] == "10.42.0.0/16" and config.region == "eu-west-1"
    assert config.values["probe:token"] == SECRET_PLACEHOLDER and config.secret_keys == ["probe:token"]
    run = run_program(PROBE, "test", "update", config)
    by_name = {r.name: json_format.MessageToDict(r.inputs) for r in run.resources}
    assert by_name["probe-vpc"]["cidrBlock"] == "10.42.0.0/16"
    assert by_name["probe-subnet"]["availabilityZone"] == "eu-west-1a"
    assert any("probe:token" in n for n in run.notes)


def test_unsupported_invoke_is_named(tmp_path: Path) -> None:
    program = write_program(tmp_path, "import pulumi_aws as aws\naws.ec2.get_vpc(default=True)\n")
    with pytest.raises(ProgramError, match="aws:ec2/getVpc:getVpc"):
        run_program(program, "test", "update", load_stack_config(program, "test"))


def test_missing_program_directory(tmp_path: Path) -> None:
    with pytest.raises(ProgramLoadError, match="does not exist"):
        load_stack_config(tmp_path / "nope", "dev")


# -- the CLI -------------------------------------------------------------------------------------------------------
def test_cli_json_contract_and_exit_code_for_violations(tmp_path: Path) -> None:
    config = _config(tmp_path, {"probe-stack": "mandatory"})
    result = cli(
        "check", "test", "--program", str(PROBE), "--policy-pack", str(PROBE_PACK),
        "--policy-config", str(config), "--format", "json",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {"stack", "mode", "resources", "violations", "not_run", "passed"} <= set(report)
    assert {"warnings", "notes", "suppressed", "capacity", "cost"} <= set(report)
    assert report["stack"] == "test" and report["mode"] == "preview" and report["passed"] is False
    assert {"urn", "type", "name"} <= set(report["resources"][0])
    assert {v["enforcement"] for v in report["violations"]} <= {"mandatory", "advisory"}
    assert "probe-unknown" in {n["policy"] for n in report["not_run"]}


def test_cli_fail_on_undecided(tmp_path: Path) -> None:
    base = ["check", "test", "--program", str(PROBE), "--policy-pack", str(PROBE_PACK), "--format", "json"]
    assert cli(*base).returncode == 0
    assert cli(*base, "--fail-on-undecided").returncode == 1  # probe-unknown could not decide in preview


def test_cli_config_overrides_reach_the_program_and_the_pack() -> None:
    result = cli(
        "check", "test", "--program", str(PROBE), "--policy-pack", str(PROBE_PACK), "--format", "json",
        "--config", "probe:cidr=10.77.0.0/16",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    launch = next(
        json.loads(v["message"]) for v in json.loads(result.stdout)["violations"] if v["policy"] == "probe-launch"
    )
    assert json.loads(launch["env"]["PULUMI_CONFIG"])["probe:cidr"] == "10.77.0.0/16"


def test_cli_dev_stack_passes_cleanly() -> None:
    result = cli("check", "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout and "Lambda subnet capacity" in result.stdout
    assert "Task was destroyed" not in result.stderr and "Exception ignored" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--program", str(FIXTURES / "programs" / "broken")], "the broken fixture program fails"),
        (["check", "--program", "/nonexistent/program"], "does not exist"),
        (
            ["check", "test", "--program", str(PROBE), "--policy-pack", str(FIXTURES / "crash_pack")],
            "crash-pack exploded",
        ),
        (["check", "--mode", "destroy"], "invalid choice"),
        (["check", "--no-such-flag"], "unrecognized arguments"),
        (["check", "--config", "novalue"], "expects KEY=VALUE"),
        (["check", "--timeout", "-1"], "positive number of seconds"),
        (["check", "--format", "json", "--format", "sarif"], "only one format can go to stdout"),
        (["check", "--policy-pack", "/nonexistent/pack"], "does not exist"),
    ],
)
def test_cli_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    if "broken" not in " ".join(args) and "crash_pack" not in " ".join(args):  # their own tracebacks are quoted
        assert "Traceback (most recent call last)" not in result.stderr


def test_broken_program_shows_its_own_traceback() -> None:
    result = cli("check", "--program", str(FIXTURES / "programs" / "broken"))
    assert "Traceback" in result.stderr and "__main__.py" in result.stderr


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_everything_with_one_line(tmp_path: Path, signum: int, code: int) -> None:
    pack = pack_copy(tmp_path)
    program = write_program(tmp_path / "prog", "import time\nimport pulumi_aws as aws\ntime.sleep(120)\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "automation", "check", "test", "--program", str(program), "--policy-pack", str(pack)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not processes_mentioning(str(pack)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_mentioning(str(pack)), "the pack never started"
    time.sleep(2)  # the program is running by now
    process.send_signal(signum)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1 and lines[0].startswith("interrupted"), err
    time.sleep(0.5)
    assert processes_mentioning(str(pack)) == [] and processes_mentioning(str(program)) == []


def test_uv_toolchain_uses_the_projects_dot_venv(tmp_path: Path) -> None:
    from automation.offline.pack_process import resolve_launch

    pack = pack_copy(tmp_path, manifest="runtime:\n  name: python\n  options:\n    toolchain: uv\nversion: 1.0.0\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(PolicyPackError, match="run `uv sync`"):
        resolve_launch(pack, {"PATH": ""})
    python = tmp_path / ".venv" / "bin" / "python"  # next to the nearest pyproject.toml, as uv.go places it
    python.parent.mkdir(parents=True)
    python.write_text("")
    assert resolve_launch(pack, {"PATH": ""}).python == str(python)


PACK_WITH = """
import os
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

def noisy(args, report):
    print("x" * 200_000, flush=True)  # a chatty policy must not fill the stdout pipe and block the pack

def stack(args, report):
    {stack_body}

PolicyPack(name="odd", enforcement_level=EnforcementLevel.ADVISORY, policies=[
    ResourceValidationPolicy(name="noisy", description="noisy", validate=noisy),
    StackValidationPolicy(name="odd-stack", description="odd stack", validate=stack),
])
"""


def test_a_chatty_pack_does_not_block(tmp_path: Path) -> None:
    pack = pack_copy(tmp_path, main=PACK_WITH.format(stack_body="report('done')"))
    report = run_check(PROBE, "test", "preview", policy_pack=pack)
    assert [v.message for v in report.violations if v.policy == "odd-stack"] == ["done"]


def test_a_pack_that_dies_mid_check_is_named_with_its_stderr(tmp_path: Path) -> None:
    body = "import sys; sys.stderr.write('odd-stack gave up\\n'); sys.stderr.flush(); os._exit(3)"
    pack = pack_copy(tmp_path, main=PACK_WITH.format(stack_body=body))
    with pytest.raises(PolicyPackError, match=r"AnalyzeStack failed \(UNAVAILABLE\)(.|\n)*odd-stack gave up"):
        run_check(PROBE, "test", "preview", policy_pack=pack)
    assert processes_mentioning(str(pack)) == []


def test_unreadable_policy_config_is_exit_2_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "latin1.json"
    config.write_bytes(b'{"probe-stack": "mandatory", "x": "\xe9"}')
    with pytest.raises(PolicyConfigError, match="is not UTF-8 text"):
        load_policy_config(config)
    result = cli(
        "check", "test", "--program", str(PROBE), "--policy-pack", str(PROBE_PACK), "--policy-config", str(config)
    )
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: policy config {config} is not UTF-8 text"
    ]
