"""The offline check: mock engine semantics, the analyzer protocol, the report contract and the CLI's exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import json_format

from automation.check import REPO_ROOT, run_check
from automation.offline.analyzer import PolicyPackError, PolicyPackProcess, Violation
from automation.offline.engine import Mode, ProgramError, run_program
from automation.offline.report import Report
from automation.offline.stack_config import SECRET_PLACEHOLDER, ProgramLoadError, load_stack_config
from tests.conftest import FIXTURES, write_program

PROBE = FIXTURES / "programs" / "probe"
PROBE_PACK = FIXTURES / "probe_pack"


def cli(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automation", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def probe(report: Report, policy: str) -> list[Violation]:
    return [v for v in report.violations if v.policy == policy]


@pytest.mark.parametrize(("mode", "known"), [("preview", False), ("update", True)])
def test_new_ids_are_unknown_in_preview_and_known_in_update(
    probe_pack: PolicyPackProcess, mode: Mode, known: bool
) -> None:
    report = run_check(PROBE, "test", mode, policy_pack=PROBE_PACK, pack=probe_pack)
    seen = [json.loads(v.message) for v in probe(report, "probe-resource")]
    assert [s["vpcIdKnown"] for s in seen] == [known]


def test_property_dependencies_and_parents_reach_analyze_stack(probe_pack: PolicyPackProcess) -> None:
    report = run_check(PROBE, "test", "preview", policy_pack=PROBE_PACK, pack=probe_pack)
    seen = json.loads(probe(report, "probe-stack")[0].message)
    assert seen["probe-subnet"]["deps"]["vpcId"] == ["probe-vpc"]
    assert seen["probe-subnet"]["parent"].endswith("pulumi:pulumi:Stack::probe-test")


def test_unknown_read_by_a_stack_policy_is_reported_as_not_run(probe_pack: PolicyPackProcess) -> None:
    preview = run_check(PROBE, "test", "preview", policy_pack=PROBE_PACK, pack=probe_pack)
    assert [n.policy for n in preview.not_run] == ["probe-unknown"]
    assert "vpcId" in preview.not_run[0].reason
    update = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, pack=probe_pack)
    assert update.not_run == []


def test_stack_config_is_read_with_namespaces_and_secure_values() -> None:
    config = load_stack_config(PROBE, "test")
    assert config.values["probe:cidr"] == "10.42.0.0/16" and config.region == "eu-west-1"
    assert config.values["probe:token"] == SECRET_PLACEHOLDER and config.secret_keys == ["probe:token"]
    run = run_program(PROBE, "test", "update", config)
    by_name = {r.name: json_format.MessageToDict(r.inputs) for r in run.resources}
    assert by_name["probe-vpc"]["cidrBlock"] == "10.42.0.0/16"
    assert by_name["probe-subnet"]["availabilityZone"] == "eu-west-1a"
    assert any("probe:token" in n for n in run.notes)


def test_missing_stack_file_means_empty_config(tmp_path: Path) -> None:
    program = write_program(tmp_path, "import pulumi\npulumi.export('x', pulumi.Config().get('missing'))\n")
    config = load_stack_config(program, "nosuchstack")
    assert config.values == {} and "empty config" in config.notes[0]


def test_policy_config_reaches_the_pack_with_its_enforcement(tmp_path: Path, probe_pack: PolicyPackProcess) -> None:
    config = tmp_path / "probe.json"
    config.write_text(json.dumps({"probe-resource": {"enforcementLevel": "mandatory", "answer": 42}}))
    report = run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, policy_config=config, pack=probe_pack)
    violation = probe(report, "probe-resource")[0]
    assert violation.enforcement == "mandatory" and json.loads(violation.message)["config"] == {"answer": 42}
    assert not report.passed


def test_unknown_policy_in_config_is_an_error(tmp_path: Path, probe_pack: PolicyPackProcess) -> None:
    config = tmp_path / "bad.json"
    config.write_text('{"no-such-policy": "mandatory"}')
    with pytest.raises(PolicyPackError, match="no-such-policy"):
        run_check(PROBE, "test", "update", policy_pack=PROBE_PACK, policy_config=config, pack=probe_pack)


def test_unsupported_invoke_is_named(tmp_path: Path) -> None:
    program = write_program(tmp_path, "import pulumi_aws as aws\naws.ec2.get_vpc(default=True)\n")
    with pytest.raises(ProgramError, match="aws:ec2/getVpc:getVpc"):
        run_program(program, "test", "preview", load_stack_config(program, "test"))


def test_missing_program_directory(tmp_path: Path) -> None:
    with pytest.raises(ProgramLoadError, match="does not exist"):
        load_stack_config(tmp_path / "nope", "dev")


def test_crashing_pack_is_an_error_with_its_stderr() -> None:
    with pytest.raises(PolicyPackError, match="crash-pack exploded"):
        PolicyPackProcess(FIXTURES / "crash_pack")


def test_hanging_pack_times_out(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("import time\ntime.sleep(60)\n")
    with pytest.raises(PolicyPackError, match="hangs"):
        PolicyPackProcess(tmp_path, start_timeout=2)


def test_cli_json_contract_and_exit_code_for_violations(tmp_path: Path) -> None:
    config = tmp_path / "probe.json"
    config.write_text('{"probe-stack": "mandatory"}')
    result = cli(
        "check",
        "test",
        "--program",
        str(PROBE),
        "--policy-pack",
        str(PROBE_PACK),
        "--policy-config",
        str(config),
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"stack", "mode", "resources", "violations", "not_run", "passed"}
    assert report["stack"] == "test" and report["mode"] == "preview" and report["passed"] is False
    assert {"urn", "type", "name"} <= set(report["resources"][0])
    assert {v["enforcement"] for v in report["violations"]} <= {"mandatory", "advisory"}
    assert report["not_run"][0]["policy"] == "probe-unknown"


def test_cli_sarif_and_text(tmp_path: Path) -> None:
    sarif = cli(
        "check",
        "test",
        "--program",
        str(PROBE),
        "--policy-pack",
        str(PROBE_PACK),
        "--format",
        "sarif",
        "--mode",
        "update",
    )
    assert sarif.returncode == 0, sarif.stderr
    doc = json.loads(sarif.stdout)
    assert doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"probe-resource", "probe-stack"}
    assert {r["level"] for r in results} == {"warning"}
    assert results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:pulumi:test")
    text = cli("check", "test", "--program", str(PROBE), "--policy-pack", str(PROBE_PACK))
    assert text.returncode == 0 and "PASSED" in text.stdout and "Advisory violations" in text.stdout


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
    ],
)
def test_cli_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_broken_program_shows_its_own_traceback() -> None:
    result = cli("check", "--program", str(FIXTURES / "programs" / "broken"))
    assert "Traceback" in result.stderr and "__main__.py" in result.stderr
