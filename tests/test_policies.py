"""The policy pack through the offline check: a golden program passes every policy in both modes with nothing
left undecided; each one-change variant breaks exactly the rule it targets, in preview and in update."""

import shutil
from pathlib import Path

import pytest

from automation.check import REPO_ROOT, run_check
from automation.offline.analyzer import PolicyPackProcess
from automation.offline.engine import Mode
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "programs" / "golden"
GOLDEN_CONFIG = FIXTURES / "golden-policy-config.json"
MODES = ["preview", "update"]

BREAKS = {
    "egress-none": {"lambda-vpc-egress-path"},
    "nat-private-subnet": {"lambda-vpc-egress-path"},
    "igw-direct": {"lambda-vpc-egress-path"},
    "no-s3-endpoint": {"vpc-gateway-endpoints"},
    "ddb-not-attached": {"vpc-gateway-endpoints"},
    "env-secret": {"lambda-env-no-secrets"},
    "small-subnet": {"lambda-subnet-capacity"},
    "private-dns-off": {"interface-endpoint-private-dns"},
    "vpc-dns-hostnames-off": {"interface-endpoint-private-dns"},
    "world-ingress-inline": {"security-group-no-world-ingress"},
    "world-ingress-rule": {"security-group-no-world-ingress"},
    "world-ingress-vpc-rule": {"security-group-no-world-ingress"},
    "single-az": {"lambda-multi-az"},
    "nat-cross-az": {"nat-gateway-per-az"},
    "no-reserved-concurrency": {"lambda-reserved-concurrency"},
    "hyperplane-tagged-eip": {"hyperplane-eip-dev-only"},
    "no-flow-logs": {"vpc-flow-logs"},
    "nat-private": {"lambda-vpc-egress-path"},
    "regional-auto": {"egress-ips-pinned"},
    "regional-missing-az": {"nat-gateway-per-az", "egress-ips-pinned"},
    "ipv6-no-eigw": {"ipv6-egress-path"},
    "dns64-no-nat64": {"ipv6-egress-path"},
    "execute-api-public": {"execute-api-private-dns"},
    "endpoint-default-policy": {"vpc-endpoint-policy"},
    "s3-other-region": {"vpc-gateway-endpoints"},
    "private-dns-resource-off": {"interface-endpoint-private-dns"},
}
# Other compliant shapes of the golden program: each must pass every policy with nothing undecided.
SHAPES = [
    "shape-regional-nat",
    "shape-default-route-table",
    "shape-main-rt-routes",
    "shape-main-rt-association",
    "shape-inspection-hop",
    "shape-ipv6",
]


def golden_variant(tmp_path: Path, breaking: str) -> Path:
    program = tmp_path / f"golden-{breaking or 'ok'}"
    shutil.copytree(GOLDEN, program)
    line = f"  golden:break: {breaking}\n" if breaking else ""
    (program / "Pulumi.test.yaml").write_text(f"config:\n  aws:region: us-east-1\n{line}")
    return program


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", ["", *SHAPES])
def test_golden_program_passes_every_policy_with_nothing_undecided(
    tmp_path: Path, netkit_pack: PolicyPackProcess, mode: Mode, shape: str
) -> None:
    report = run_check(
        golden_variant(tmp_path, shape),
        "test",
        mode,
        policy_config=GOLDEN_CONFIG,
        pack=netkit_pack,
    )
    assert report.violations == []
    assert report.not_run == []
    assert report.passed


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("breaking", sorted(BREAKS))
def test_one_change_breaks_exactly_its_rule(
    tmp_path: Path, netkit_pack: PolicyPackProcess, breaking: str, mode: Mode
) -> None:
    report = run_check(
        golden_variant(tmp_path, breaking),
        "test",
        mode,
        policy_config=GOLDEN_CONFIG,
        pack=netkit_pack,
    )
    assert {v.policy for v in report.violations} == BREAKS[breaking]
    assert all(v.enforcement == "mandatory" for v in report.violations)
    assert report.not_run == []
    assert not report.passed


def test_secret_violation_names_the_variable_never_the_value(tmp_path: Path, netkit_pack: PolicyPackProcess) -> None:
    report = run_check(
        golden_variant(tmp_path, "env-secret"), "test", "update", policy_config=GOLDEN_CONFIG, pack=netkit_pack
    )
    text = str(report.to_json())
    assert "VENDOR_KEY" in text and "AKIA" not in text


def test_capacity_violation_shows_the_numbers(tmp_path: Path, netkit_pack: PolicyPackProcess) -> None:
    report = run_check(
        golden_variant(tmp_path, "small-subnet"), "test", "preview", policy_config=GOLDEN_CONFIG, pack=netkit_pack
    )
    messages = [v.message for v in report.violations]
    assert any("11 usable IPs but needs 16" in m for m in messages), messages


def test_advisory_default_does_not_fail_the_check(tmp_path: Path, netkit_pack: PolicyPackProcess) -> None:
    config = tmp_path / "defaults.json"
    config.write_text('{"hyperplane-eip-dev-only": {"environment": "dev"}}')
    report = run_check(golden_variant(tmp_path, "single-az"), "test", "preview", policy_config=config, pack=netkit_pack)
    assert [(v.policy, v.enforcement) for v in report.violations] == [("lambda-multi-az", "advisory")]
    assert report.passed


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
@pytest.mark.parametrize("mode", MODES)
def test_project_stacks_pass_their_own_config(netkit_pack: PolicyPackProcess, stack: str, mode: Mode) -> None:
    report = run_check(REPO_ROOT, stack, mode, pack=netkit_pack)
    assert [v for v in report.violations if v.enforcement == "mandatory"] == []
    assert [v for v in report.violations if v.policy == "netkit-undecided"] == []
    assert report.not_run == []
    if stack == "prod":
        assert report.violations == []


def test_hyperplane_pattern_outside_dev_fails(tmp_path: Path, netkit_pack: PolicyPackProcess) -> None:
    from tests.conftest import copy_project

    project = copy_project(tmp_path)
    stack_file = project / "Pulumi.staging.yaml"
    stack_file.write_text(
        stack_file.read_text().replace("nat-single", "hyperplane-eip")
        + "  netkit:hyperplaneAllowedEnvironments: [dev, staging]\n"
    )
    report = run_check(project, "staging", "preview", pack=netkit_pack)
    assert "hyperplane-eip-dev-only" in {v.policy for v in report.violations}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("stack", "overrides"),
    [
        ("prod", {"netkit:egressStrategy": "nat-regional"}),
        ("staging", {"netkit:ipv6Egress": "true"}),
        ("staging", {"netkit:ipv6Egress": "true", "netkit:dns64": "true"}),
    ],
)
def test_project_new_egress_patterns_pass_their_environment(
    netkit_pack: PolicyPackProcess, stack: str, overrides: dict[str, str], mode: Mode
) -> None:
    """Issue 12's done-when: the project's own program with a regional NAT in prod and IPv6 egress in staging
    passes its environment's policy config in preview and update with nothing undecided."""
    report = run_check(REPO_ROOT, stack, mode, pack=netkit_pack, config_overrides=overrides)
    assert [v for v in report.violations if v.enforcement == "mandatory"] == []
    assert [v for v in report.violations if v.policy == "netkit-undecided"] == []
    assert report.not_run == []
    if stack == "prod":
        assert report.violations == []
