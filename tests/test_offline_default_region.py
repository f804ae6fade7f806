"""A program with no `aws:region` gets the same verdicts in preview and update: the offline check assumes the
default region for the program, its default provider and the pack alike, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.check import run_check
from automation.offline.stack_config import DEFAULT_REGION, load_stack_config

PROGRAM = """
import pulumi_aws as aws
vpc = aws.ec2.Vpc("v", cidr_block="10.0.0.0/16")
aws.ec2.VpcEndpoint("ep", vpc_id=vpc.id, service_name="com.amazonaws.us-east-1.sqs", vpc_endpoint_type="Interface")
"""


def _program(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: noregion\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return tmp_path


def test_missing_region_is_assumed_and_said(tmp_path: Path) -> None:
    config = load_stack_config(_program(tmp_path), "dev")
    assert config.values["aws:region"] == DEFAULT_REGION
    assert any("aws:region is not set" in note for note in config.notes)


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_endpoint_rules_decide_without_a_configured_region(tmp_path: Path, mode: str) -> None:
    report = run_check(_program(tmp_path), "dev", mode)  # type: ignore[arg-type]
    assert not report.not_run, report.not_run
    assert {v.policy for v in report.violations} >= {"interface-endpoint-private-dns"}
