"""`netkit check --account-facts FILE`: the capacity rule judges with the account's Lambda concurrency (read by the
preflight) instead of the policy config's `accountConcurrency` assumption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from automation import cli
from automation.check import run_check
from automation.offline.analyzer import PolicyPackProcess
from automation.preflight.facts import AccountFacts
from automation.preflight.program import program_needs
from automation.preflight.report import PreflightReport, render_json
from automation.preflight.verdicts import evaluate
from tests.conftest import write_program
from tests.test_preflight import lambda_settings

# Three functions without reserved concurrency, each with its own security group, in one /28 (11 usable IPs).
# With 100 connections per invocation a combination needs ceil(concurrency x 100 / 65,000) Hyperplane ENIs:
# 2 at an account concurrency of 1,000 (3 x 2 x2 churn = 12 IPs: too many), 1 at 100 (3 x 1 x2 = 6: room).
PROGRAM = """
import pulumi
import pulumi_aws as aws

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
subnet = aws.ec2.Subnet("lambda", vpc_id=vpc.id, cidr_block="10.0.0.0/28", availability_zone="us-east-1a")
role = aws.iam.Role("role", assume_role_policy="{}")
for i in range(3):
    group = aws.ec2.SecurityGroup(f"group-{i}", vpc_id=vpc.id)
    aws.lambda_.Function(
        f"fn-{i}",
        role=role.arn,
        runtime="python3.12",
        handler="index.handler",
        code=pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context): pass")}),
        vpc_config=aws.lambda_.FunctionVpcConfigArgs(subnet_ids=[subnet.id], security_group_ids=[group.id]),
        tags={"netkit:egress": "none"},
    )
"""
POLICY_CONFIG = {
    "all": "advisory",
    "lambda-subnet-capacity": {"enforcementLevel": "mandatory", "connectionsPerInvocation": 100},
}


@pytest.fixture
def program(tmp_path: Path) -> tuple[Path, Path]:
    directory = write_program(tmp_path / "program", PROGRAM, {"aws:region": "us-east-1"})
    config = tmp_path / "policy.json"
    config.write_text(json.dumps(POLICY_CONFIG))
    return directory, config


def preflight_facts(directory: Path, config: Path, target: Path, limit: int) -> Path:
    """The JSON `netkit aws preflight` writes, for an account whose Lambda concurrency is `limit` (Lambda's
    GetAccountSettings answer through Stubber: moto has no such API)."""
    needs = program_needs("test", directory, config)
    facts = AccountFacts("us-east-1", lambda_concurrency=lambda_settings(limit, limit))
    report = PreflightReport(needs, facts, evaluate(needs, facts))
    assert {c.name: c.status for c in report.checks}["lambda-subnet-capacity"] == "ok"
    target.write_text(render_json(report))
    return target


def test_account_concurrency_of_100_turns_the_capacity_verdict(
    program: tuple[Path, Path],
    tmp_path: Path,
    netkit_pack: PolicyPackProcess,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory, config = program
    assumed = run_check(directory, "test", "preview", policy_config=config, pack=netkit_pack)
    mandatory = [v for v in assumed.violations if v.enforcement == "mandatory"]
    assert [v.policy for v in mandatory] == ["lambda-subnet-capacity"]
    assert "11 usable IPs but needs 12" in mandatory[0].message
    facts = preflight_facts(directory, config, tmp_path / "facts.json", 100)
    argv = ["check", "test", "--program", str(directory), "--policy-config", str(config)]
    assert cli.main([*argv, "--account-facts", str(facts), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [v for v in report["violations"] if v["policy"] == "lambda-subnet-capacity"] == []
    assert [(row["usable"], row["required"]) for row in report["capacity"]] == [(11, 6)]
    assert any("account's Lambda concurrency 100" in note for note in report["notes"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"facts": {"lambda_concurrent_executions": null}}', "hold no Lambda account concurrency"),
        ('{"facts": {"lambda_concurrent_executions": 0}}', "must be a whole number >= 1"),
        ('{"facts": {"lambda_concurrent_executions": 100, "region": "eu-west-1"}}', "read in eu-west-1"),
    ],
)
def test_unusable_account_facts_exit_2(
    program: tuple[Path, Path], tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, config = program
    facts = tmp_path / "facts.json"
    facts.write_text(content)
    argv = ["check", "test", "--program", str(directory), "--policy-config", str(config), "--account-facts", str(facts)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
