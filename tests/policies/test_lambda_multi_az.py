"""lambda-multi-az: zones counted per function; names vs ids and partly-managed subnets are undecided."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, compliant, messages, reasons

RULE = "lambda-multi-az"


@pytest.mark.parametrize("mode", MODES)
def test_two_azs_pass_one_fails(mode: Mode) -> None:
    assert (messages(compliant(mode), RULE), reasons(compliant(mode), RULE)) == ([], [])
    assert messages(compliant(mode, "single-az"), RULE) == [
        "function fn has 1 subnet (lambda-0), so it runs in one availability zone; list subnets in at least 2 AZs "
        "in the function's vpc_config.subnet_ids so one AZ failing does not stop it"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_a_single_subnet_is_one_az_even_when_its_zone_is_not_known(mode: Mode) -> None:
    """Issue 17 item 2: the zone of the only subnet is unknown (AWS picks it, or it comes from another resource);
    a subnet is in exactly one AZ, so the function runs in one AZ whatever it is."""
    stack = compliant(mode, "single-az")
    subnet = stack.named("lambda-0", g.SUBNET)
    for view in (subnet.props, subnet.inputs or {}):
        view.pop("availabilityZone", None)
        view.pop("availabilityZoneId", None)
    if mode == "preview":
        subnet.props.update({"availabilityZone": g.UNKNOWN, "availabilityZoneId": g.UNKNOWN})
    assert len(messages(stack, RULE)) == 1 and reasons(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
def test_two_subnets_in_the_same_zone_fail(mode: Mode) -> None:
    stack = compliant(mode, azs=("us-east-1a", "us-east-1a"))
    assert messages(stack, RULE) == [
        "function fn runs in 1 availability zone(s) (us-east-1a); list subnets in at least 2 AZs in the function's "
        "vpc_config.subnet_ids so one AZ failing does not stop it"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_zone_ids_count_too(mode: Mode) -> None:
    stack = compliant(mode)
    for i, zone in enumerate(("use1-az1", "use1-az2")):
        subnet = stack.named(f"lambda-{i}", g.SUBNET)
        subnet.props.update({"availabilityZone": g.UNKNOWN if mode == "preview" else "", "availabilityZoneId": zone})
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


def test_one_name_and_one_id_cannot_be_compared_in_a_first_preview() -> None:
    """In an update the state carries both forms (AWS fills the other), so only a preview has this case."""
    stack = compliant("preview")
    subnet = stack.named("lambda-1", g.SUBNET)
    subnet.props.update({"availabilityZone": g.UNKNOWN, "availabilityZoneId": "use1-az1"})
    assert messages(stack, RULE) == []
    assert reasons(stack, RULE) == [
        "fn: its subnets name some zones by name and some by zone id, which cannot be compared offline (use one form)"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_some_subnets_not_managed_is_undecided_never_one_az(mode: Mode) -> None:
    stack = compliant(mode, "single-az")
    stack.named("fn").props["vpcConfig"]["subnetIds"].append("subnet-0beef")
    assert messages(stack, RULE) == []
    assert reasons(stack, RULE) == ["fn: subnet subnet-0beef is not managed by this program"]
