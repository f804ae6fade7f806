"""egress-ips-pinned: zonal NATs with an allocation (an Eip of the program or a bring-your-own id), regional NATs
in manual mode listing every Lambda AZ with allocation ids; automatic mode fails (decided from the program's
inputs, although an update's state of an automatic NAT lists the addresses AWS chose)."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, messages, network, reasons

RULE = "egress-ips-pinned"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("egress", ["nat", "regional-manual", "hop-gwlb", "nat-private", "tgw"])
def test_pinned_or_not_applicable(mode: Mode, egress: str) -> None:
    stack = network(mode, egress=egress)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_bring_your_own_allocation_counts(mode: Mode) -> None:
    stack = network(mode)
    nat = stack.named("nat-0", g.NAT)
    nat.props["allocationId"] = "eipalloc-0123abcd"
    nat.property_dependencies.pop("allocationId", None)
    if nat.inputs is not None:
        nat.inputs["allocationId"] = "eipalloc-0123abcd"
    assert messages(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
def test_regional_automatic_mode_fails(mode: Mode) -> None:
    found = messages(network(mode, egress="regional-auto"), RULE)
    assert len(found) == 1 and "lambda-0 and lambda-1 egress through it" in found[0], found  # one per NAT and cause
    assert "is in automatic mode" in found[0]


@pytest.mark.parametrize("mode", MODES)
def test_regional_manual_missing_an_az_or_its_allocations_fails(mode: Mode) -> None:
    stack = network(mode, egress="regional-manual")
    nat = stack.named("regional", g.NAT)
    for view in (nat.props, nat.inputs or {}):
        view["availabilityZoneAddresses"] = [
            view["availabilityZoneAddresses"][0],
            {"availabilityZone": "us-east-1b", "allocationIds": []},
        ]
    assert messages(stack, RULE) == [
        "Lambda subnet(s) lambda-1 egress through it, but regional NAT gateway regional lists us-east-1b without "
        "allocation ids"
    ]
    for view in (nat.props, nat.inputs or {}):
        view["availabilityZoneAddresses"] = view["availabilityZoneAddresses"][:1]
    assert messages(stack, RULE) == [
        "Lambda subnet(s) lambda-1 egress through it, but regional NAT gateway regional does not list us-east-1b in "
        "availability_zone_addresses"
    ]


def test_zonal_nat_without_allocation_fails_in_preview_when_omitted() -> None:
    stack = network("preview")
    nat = stack.named("nat-0", g.NAT)
    assert nat.inputs is not None
    del nat.inputs["allocationId"]
    nat.property_dependencies.pop("allocationId")
    assert messages(stack, RULE) == [
        "Lambda subnet(s) lambda-0 egress through it, but NAT gateway nat-0 has no allocation_id: its public IP is "
        "not one you own. Set allocation_id to an aws.ec2.Eip's allocation_id"
    ]
