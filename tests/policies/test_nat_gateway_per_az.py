"""nat-gateway-per-az: zonal NATs per AZ, regional NAT gateways (manual: the AZs listed; automatic: all), the NAT
after an inspection hop, and zones named by name vs id (undecided, never a false "different AZ")."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, compliant, messages, network, reasons, run

RULE = "nat-gateway-per-az"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("egress", ["nat", "regional-manual", "regional-auto", "hop-gwlb", "hop-firewall", "tgw"])
def test_each_az_served_in_its_own_az(mode: Mode, egress: str) -> None:
    stack = network(mode, egress=egress)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_cross_az_nat_fails_on_the_nat_listing_the_subnets(mode: Mode) -> None:
    stack = compliant(mode, "nat-cross-az")
    found = messages(stack, RULE)
    assert found == [
        "Lambda subnet(s) lambda-1 (us-east-1b) egress through NAT gateway nat-0 in us-east-1a: an outage of "
        "us-east-1a cuts their egress, and their traffic pays cross-AZ data transfer. Give us-east-1b its own "
        "aws.ec2.NatGateway in a public subnet of that AZ and point that AZ's Lambda route table 0.0.0.0/0 at it "
        "(nat_gateway_id)"
    ], found
    assert [urn for urn, _ in run(stack, RULE).violations] == [stack.named("nat-0", g.NAT).urn]


@pytest.mark.parametrize("mode", MODES)
def test_regional_nat_missing_an_az_fails(mode: Mode) -> None:
    stack = network(mode, egress="regional-manual")
    nat = stack.named("regional")
    for view in (nat.props, nat.inputs or {}):
        addresses = view["availabilityZoneAddresses"]
        view["availabilityZoneAddresses"] = addresses[:1]
    assert messages(stack, RULE) == [
        "Lambda subnet(s) lambda-1 (us-east-1b) egress through regional NAT gateway regional, whose "
        "availability_zone_addresses do not list us-east-1b: add us-east-1b to them (with allocation_ids)"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_zone_names_vs_zone_ids_are_undecided_in_preview_and_compared_in_update(mode: Mode) -> None:
    """The NAT's subnet is placed by zone id: in a first preview its name is unknown, so it cannot be compared
    with the Lambda subnet's name; the update's state carries both (AWS fills the other), so it is decided."""
    stack = network(mode)
    public = stack.named("public-1", g.SUBNET)
    public.props["availabilityZoneId"] = "use1-az1"
    if public.inputs is not None:
        public.inputs = {k: v for k, v in public.inputs.items() if k != "availabilityZone"}
        public.inputs["availabilityZoneId"] = "use1-az1"
    if mode == "preview":
        public.props["availabilityZone"] = g.UNKNOWN
        assert messages(stack, RULE) == []
        assert reasons(stack, RULE) == [
            "nat-1: availability zone use1-az1 and us-east-1b are given one by name and one by zone id, which map "
            "differently in every account, so they cannot be compared without the account's mapping: use the same "
            "form on both, or add the mapping to the fixtures file (an entry for "
            "aws:index/getAvailabilityZones:getAvailabilityZones with `names` and `zoneIds` in the same order)"
        ]
    else:
        assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_unknown_zone_is_undecided_for_that_subnet_only(mode: Mode) -> None:
    stack = compliant(mode, "nat-cross-az")
    lambda_0 = stack.named("lambda-0", g.SUBNET)
    lambda_0.props.update({"availabilityZone": g.UNKNOWN, "availabilityZoneId": g.UNKNOWN})
    if lambda_0.inputs is not None:
        lambda_0.inputs["availabilityZone"] = g.UNKNOWN
    assert len(messages(stack, RULE)) == 1  # lambda-1 is still judged
    assert len(reasons(stack, RULE)) == 1 and reasons(stack, RULE)[0].startswith("lambda-0:")
