"""`lambda-subnet-capacity`: four functions with their own security groups and two interface endpoints fit a /24
(and need 12 IPs with the default churn factor of 2); the single change to a /28 (11 usable IPs) fails, in a first
preview and in an update. Odd values are undecided, never a crash."""

from __future__ import annotations

from typing import Any

import pytest
from netkit_core.graph import ENDPOINT, FUNCTION, SECURITY_GROUP, SUBNET, VPC

from tests.policies.conftest import MODES, Planned, Ref, run_stack

POLICY = "lambda-subnet-capacity"


def stack(mode: str, cidr: str = "10.0.1.0/24", concurrency: Any = 10) -> Planned:
    p = Planned(mode)
    vpc = p.add(VPC, "vpc", {"cidrBlock": "10.0.0.0/16"})
    subnet = p.add(SUBNET, "a", {"vpcId": Ref(vpc), "cidrBlock": cidr, "availabilityZone": "us-east-1a"})
    for index in range(4):
        group = p.add(SECURITY_GROUP, f"sg{index}", {"vpcId": Ref(vpc)}, {"ingress": []})
        vpc_config = {"subnetIds": [Ref(subnet)], "securityGroupIds": [Ref(group)]}
        p.add(FUNCTION, f"fn{index}", {"vpcConfig": vpc_config, "reservedConcurrentExecutions": concurrency})
    for service in ("sqs", "secretsmanager"):
        p.add(
            ENDPOINT,
            service,
            {
                "vpcId": Ref(vpc),
                "vpcEndpointType": "Interface",
                "subnetIds": [Ref(subnet)],
                "serviceName": f"com.amazonaws.us-east-1.{service}",
            },
        )
    return p


@pytest.mark.parametrize("mode", MODES)
def test_compliant_passes(mode: str) -> None:
    outcome = run_stack(POLICY, stack(mode).resources)
    assert outcome.violations == [] and outcome.undecided == []


@pytest.mark.parametrize("mode", MODES)
def test_a_subnet_too_small_fails_and_explains(mode: str) -> None:
    outcome = run_stack(POLICY, stack(mode, "10.0.1.0/28").resources)
    assert len(outcome.violations) == 1
    urn, message = outcome.violations[0]
    assert urn.endswith("::a") and "11 usable IPs but needs 12" in message and "4 subnet x security-group" in message


def test_config_defaults_apply_and_config_changes_the_verdict() -> None:
    resources = stack("update", "10.0.1.0/27").resources  # 27 usable
    assert run_stack(POLICY, resources).violations == []
    assert run_stack(POLICY, resources, {"churnFactor": 5}).violations != []


@pytest.mark.parametrize(
    ("cidr", "concurrency", "reason"),
    [
        ("10.0.1.0/40", 10, "not a valid IPv4 CIDR"),
        ("not-a-cidr", 10, "not a valid IPv4 CIDR"),
        ("10.0.1.0/24", float("nan"), "not a whole number"),
        ("10.0.1.0/24", float("inf"), "not a whole number"),
    ],
)
def test_odd_shapes_are_undecided(cidr: str, concurrency: Any, reason: str) -> None:
    outcome = run_stack(POLICY, stack("update", cidr, concurrency).resources)
    assert outcome.violations == []
    assert outcome.undecided and all(reason in u.reason for u in outcome.undecided)
