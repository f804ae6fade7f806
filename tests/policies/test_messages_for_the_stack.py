"""Issue 17 item 5: messages true for the stack at hand.

- fix hints name the AWS resource and argument to change; netkit's components only where the stack uses them;
- claims about NAT fees only where a NAT gateway carries the traffic;
- one finding per function (or NAT gateway) and cause, listing its subnets;
- the cost estimate says whose prices it uses, ships none it does not have, suggests no option that does not exist.
"""

from __future__ import annotations

import re

import pytest
from netkit_core import graph as g
from netkit_core.cost import estimate_for_resources, estimate_monthly_cost
from netkit_core.rules import all_rules

from tests.policies.stack_builder import MODES, OWN_RULES, Mode, Stack, compliant, messages, network, run

NETKIT_NAMES = re.compile(
    r"NatEgress|LambdaNetwork|VpcEndpoints|HyperplaneEipEgress|CapacityPlan|VpcFunction|nat-single|nat-per-az|"
    r"nat-regional|netkit:ipv6Egress|hyperplane-eip strategy"
)
# One change per rule of this stream that breaks it (stack_builder.compliant's changes).
BREAKING = (
    "no-default-route",
    "igw-direct",
    "nat-cross-az",
    "no-s3-endpoint",
    "ddb-not-attached",
    "private-dns-omitted",
    "dns-hostnames-omitted",
    "single-az",
    "no-flow-logs",
    "nat-private",
    "endpoint-policy-omitted",
    "ipv6-no-eigw",
    "ipv6-dns64-no-route",
)


def all_messages(stack: Stack) -> list[str]:
    return [m for rule in OWN_RULES for m in messages(stack, rule)]


def with_netkit(stack: Stack) -> Stack:
    """The same stack built with a netkit component (its VPC as a child of LambdaNetwork)."""
    component = stack.add("netkit:network:LambdaNetwork", "net")
    stack.named("vpc", g.VPC).parent = component.urn
    return stack


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", BREAKING)
def test_a_stack_without_netkit_gets_aws_fixes_only(mode: Mode, change: str) -> None:
    found = all_messages(compliant(mode, change))
    assert found, change
    for message in found:
        assert not NETKIT_NAMES.search(message), message


@pytest.mark.parametrize("change", ["no-default-route", "nat-cross-az", "no-flow-logs", "dns-hostnames-omitted"])
def test_a_netkit_stack_also_gets_the_netkit_component(change: str) -> None:
    found = all_messages(with_netkit(compliant("update", change)))
    assert any("(netkit: " in m for m in found), found


@pytest.mark.parametrize(
    ("change", "fix"),
    [
        ("no-default-route", "aws.ec2.Route (destination_cidr_block 0.0.0.0/0)"),
        ("igw-direct", "nat_gateway_id"),
        ("nat-cross-az", "aws.ec2.NatGateway"),
        ("no-s3-endpoint", "aws.ec2.VpcEndpoint with service_name com.amazonaws.<region>.s3"),
        ("ddb-not-attached", "route_table_ids"),
        ("private-dns-omitted", "private_dns_enabled=True on aws.ec2.VpcEndpoint sqs"),
        ("dns-hostnames-omitted", "enable_dns_hostnames=True on aws.ec2.Vpc vpc"),
        ("single-az", "vpc_config.subnet_ids"),
        ("no-flow-logs", "aws.ec2.FlowLog"),
        ("endpoint-policy-omitted", "aws.ec2.VpcEndpointPolicy"),
        ("ipv6-no-eigw", "egress_only_gateway_id"),
    ],
)
def test_each_fix_names_the_aws_resource_and_argument(change: str, fix: str) -> None:
    assert any(fix in m for m in all_messages(compliant("update", change)))


def test_no_rule_remediation_names_a_netkit_component() -> None:
    """The `fix:` line of the text report is the rule's remediation, shown for every stack."""
    for rule in all_rules():
        assert not NETKIT_NAMES.search(rule.remediation), rule.name


@pytest.mark.parametrize("mode", MODES)
def test_no_nat_fee_claim_without_a_nat(mode: Mode) -> None:
    """A VPC without a NAT gateway: the missing S3 endpoint means failed calls, not NAT fees."""
    stack = network(mode, egress="none")
    found = messages(stack, "vpc-gateway-endpoints")
    assert found and all("NAT" not in m and "per-GB" not in m for m in found), found
    assert all("fail" in m for m in found)
    with_nat = messages(network(mode), "vpc-gateway-endpoints")
    assert with_nat and all("NAT gateway nat-0 and nat-1 and pays its per-GB fee" in m for m in with_nat)


@pytest.mark.parametrize("mode", MODES)
def test_one_finding_per_function_and_cause_listing_its_subnets(mode: Mode) -> None:
    stack = network(mode, egress="none", azs=("us-east-1a", "us-east-1b", "us-east-1c"))
    outcome = run(stack, "lambda-vpc-egress-path")
    assert len(outcome.violations) == 1
    urn, message = outcome.violations[0]
    assert urn == stack.named("fn").urn and all(f"lambda-{i} (route table lambda-{i})" in message for i in range(3))


def test_the_cost_estimate_names_whose_prices_it_uses() -> None:
    home = estimate_monthly_cost(nat_gateways=1, region="us-east-1")
    assert home.prices_region == "us-east-1" and len(home.notes) == 1
    away = estimate_monthly_cost(nat_gateways=1, region="eu-west-1")
    assert away.region == "eu-west-1" and away.prices_region == "us-east-1"
    assert any("no list prices ship" in n and "eu-west-1" in n for n in away.notes)
    assert not any("Prices" in n for n in away.notes)  # no option that a user of the check could pass


def test_cost_tips_for_a_stack_without_netkit_name_aws_resources() -> None:
    resources = [
        ("aws:ec2/natGateway:NatGateway", {"subnetId": "a"}),
        ("aws:ec2/natGateway:NatGateway", {"subnetId": "b"}),
        ("aws:lambda/function:Function", {}),
    ]
    plain = estimate_for_resources(resources, environment="dev")
    text = " ".join(plain.suggestions)
    assert plain.suggestions and not NETKIT_NAMES.search(text), text
    assert "aws.ec2.NatGateway" in text and "aws.ec2.EgressOnlyInternetGateway" in text
    netkit = estimate_for_resources([*resources, ("netkit:egress:NatEgress", {})], environment="dev")
    assert "nat-single" in " ".join(netkit.suggestions) and "hyperplane-eip" in " ".join(netkit.suggestions)


def test_no_nat_processing_tip_without_a_nat() -> None:
    no_nat = estimate_monthly_cost(interface_endpoint_azs=2, environment="prod", netkit=False)
    assert not any("NAT" in s for s in no_nat.suggestions)
