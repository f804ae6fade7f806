"""Cost model (DESIGN.md section 5): prices, counts from recorded resources, and tips that apply to the stack."""

from typing import Any

import pytest
from netkit_core.cost import Prices, estimate_for_resources, estimate_monthly_cost, footprint

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel, as a preview sends it


def test_cost_model_prices_from_the_seeds() -> None:
    prod = estimate_monthly_cost(
        nat_gateways=3, public_ipv4=3, interface_endpoint_azs=15, accelerators=1, environment="prod"
    )
    by_item = {line.item: line.monthly for line in prod.lines}
    assert by_item == {
        "NAT gateway": 98.55,
        "public IPv4 address": 10.95,
        "interface endpoint x AZ": 109.5,
        "Global Accelerator": 18.25,
    }
    assert prod.monthly_total == pytest.approx(237.25)
    assert prod.region == "us-east-1"


def test_load_balancer_and_regional_nat_lines() -> None:
    est = estimate_monthly_cost(regional_nat_azs=3, load_balancers=1, public_ipv4=2, environment="prod")
    by_item = {line.item: line.monthly for line in est.lines}
    assert by_item == {
        "regional NAT gateway x AZ": 98.55,
        "public IPv4 address": 7.3,
        "Application Load Balancer": 16.43,
        "ALB LCU (baseline 1 per ALB)": 5.84,
    }
    doubled = estimate_monthly_cost(load_balancers=1, prices=Prices(alb_baseline_lcus=2.5))
    assert {line.item: line.monthly for line in doubled.lines}["ALB LCU (baseline 2.5 per ALB)"] == 14.6


def test_cost_model_names_the_cheaper_pattern() -> None:
    dev = estimate_monthly_cost(nat_gateways=2, public_ipv4=2, environment="dev")
    text = " ".join(dev.suggestions)
    assert "nat-single" in text and "hyperplane-eip" in text
    assert not any("hyperplane" in s for s in estimate_monthly_cost(nat_gateways=1, environment="prod").suggestions)


def test_tips_only_when_they_apply() -> None:
    has_all = estimate_monthly_cost(
        nat_gateways=1, environment="prod", gateway_endpoints=["s3", "dynamodb"], ipv6_egress=True
    )
    assert has_all.suggestions == []
    lacking = estimate_monthly_cost(nat_gateways=1, environment="prod", gateway_endpoints=["s3"], ipv6_egress=False)
    assert any("gateway endpoints for dynamodb" in s for s in lacking.suggestions)
    assert not any("for s3" in s for s in lacking.suggestions)
    assert any("egress-only internet gateway" in s for s in lacking.suggestions)
    no_nat = estimate_monthly_cost(environment="prod", gateway_endpoints=[], ipv6_egress=False)
    assert no_nat.suggestions == []  # nothing pays the NAT's per-GB fee, so nothing to save on it


def test_region_is_named_and_other_regions_are_flagged() -> None:
    est = estimate_monthly_cost(nat_gateways=1, region="eu-west-1")
    assert est.region == "eu-west-1"
    assert any("eu-west-1" in n and "us-east-1" in n for n in est.notes)
    assert not any("pass Prices" in n for n in estimate_monthly_cost(nat_gateways=1).notes)


def res(typ: str, **props: Any) -> tuple[str, dict[str, Any]]:
    return (f"aws:{typ}", props)


PROD_REGIONAL = [
    res("ec2/subnet:Subnet", availabilityZone="us-east-1a"),
    res("ec2/subnet:Subnet", availabilityZone="us-east-1b"),
    res("ec2/subnet:Subnet", availabilityZone="us-east-1c"),
    *[res("ec2/eip:Eip", domain="vpc", allocationId=f"eipalloc-{i}", id=f"eipalloc-{i}") for i in range(3)],
    res(
        "ec2/natGateway:NatGateway",
        availabilityMode="regional",
        availabilityZoneAddresses=[
            {"availabilityZone": f"us-east-1{z}", "allocationIds": [f"eipalloc-{i}"]} for i, z in enumerate("abc")
        ],
    ),
    res("ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Gateway", serviceName="com.amazonaws.us-east-1.s3"),
    res("ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Gateway", serviceName="com.amazonaws.us-east-1.dynamodb"),
    res(
        "ec2/vpcEndpoint:VpcEndpoint",
        vpcEndpointType="Interface",
        serviceName="com.amazonaws.us-east-1.sqs",
        subnetIds=["a", "b", "c"],
    ),
    res("lb/loadBalancer:LoadBalancer", loadBalancerType="application", internal=False, subnets=["p1", "p2", "p3"]),
    res("globalaccelerator/accelerator:Accelerator", ipAddressType="IPV4"),
    res("lambda/function:Function"),
]


def test_footprint_counts_every_public_ipv4_once() -> None:
    fp = footprint(PROD_REGIONAL)
    assert (fp.nat_gateways, fp.regional_nat_azs) == (0, 3)
    assert fp.public_ipv4 == 3 + 3 + 2  # the regional NAT's own EIPs, one per ALB AZ, the accelerator's two
    assert fp.interface_endpoint_azs == 3 and fp.load_balancers == 1 and fp.accelerators == 1
    assert fp.gateway_endpoints == ("dynamodb", "s3")


def test_bring_your_own_allocations_are_billed_too() -> None:
    byo = [
        res("ec2/natGateway:NatGateway", allocationId="eipalloc-vendorlisted", subnetId="s"),
        res("ec2/natGateway:NatGateway", connectivityType="private", subnetId="s"),
        res("ec2/natGateway:NatGateway", allocationId=UNKNOWN, subnetId="s"),  # a stack EIP, unknown in preview
        res("ec2/eip:Eip", domain="vpc"),
    ]
    fp = footprint(byo)
    assert fp.nat_gateways == 3 and fp.public_ipv4 == 2


def test_preview_unknowns_count_at_their_minimum() -> None:
    fp = footprint(
        [
            res("lb/loadBalancer:LoadBalancer", subnets=UNKNOWN),
            res("ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Interface", subnetIds=UNKNOWN),
            res("ec2/natGateway:NatGateway", availabilityMode="regional"),  # automatic mode, no subnets seen
        ]
    )
    assert fp.public_ipv4 == 2 and fp.interface_endpoint_azs == 1 and fp.regional_nat_azs == 1


def test_estimate_for_resources_uses_what_the_stack_has() -> None:
    est = estimate_for_resources(PROD_REGIONAL, environment="prod", region="us-east-1")
    by_item = {line.item: line.count for line in est.lines}
    assert by_item["regional NAT gateway x AZ"] == 3 and by_item["public IPv4 address"] == 8
    assert not any("gateway endpoints" in s for s in est.suggestions)  # it has both
    assert any("egress-only" in s for s in est.suggestions)  # it has no IPv6 egress yet
    with_ipv6 = [*PROD_REGIONAL, res("ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway", vpcId="v")]
    assert not any("egress-only" in s for s in estimate_for_resources(with_ipv6, "prod").suggestions)
