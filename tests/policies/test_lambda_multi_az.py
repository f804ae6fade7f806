"""lambda-multi-az: zones counted per function; names vs ids and partly-managed subnets are undecided."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, compliant, messages, reasons

RULE = "lambda-multi-az"


@pytest.mark.parametrize("mode", MODES)
def test_two_azs_pass_one_fails(mode: Mode) -> None:
    assert (messages(compliant(mode), RULE), reasons(compliant(mode), RULE)) == ([], [])
    assert messages(compliant(mode, "single-az"), RULE) == [
        "function fn runs in 1 availability zone(s) (us-east-1a); give it subnets in at least 2 so one AZ "
        "failing does not stop it"
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
