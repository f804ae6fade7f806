"""ipv6-egress-path: dual-stack functions need ::/0 to an egress-only IGW; DNS64 subnets need 64:ff9b::/96 to a
NAT; IPv4-only functions and omitted flags (defaults false) are not concerned; an IPv6-only subnet is never a
Lambda subnet, and a function allowed IPv6 needs every subnet dual-stack (what AWS documents, issue 17 item 6)."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, Stack, compliant, messages, reasons, ref

RULE = "ipv6-egress-path"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", ["", "ipv6", "ipv6-eigw-only"])
def test_compliant_shapes(mode: Mode, change: str) -> None:
    stack = compliant(mode, change)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_dual_stack_function_without_eigw_route_fails(mode: Mode) -> None:
    assert messages(compliant(mode, "ipv6-no-eigw"), RULE) == [
        "function fn: its subnet(s) lambda-0 and lambda-1 are dual-stack and the function is allowed IPv6 "
        "(ipv6_allowed_for_dual_stack), but they have no ::/0 route to an egress-only internet gateway: add an "
        "aws.ec2.Route (destination_ipv6_cidr_block ::/0, egress_only_gateway_id of an "
        "aws.ec2.EgressOnlyInternetGateway) to their route tables"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_igw_for_ipv6_fails(mode: Mode) -> None:
    stack = compliant(mode, "ipv6-no-eigw")
    igw = stack.named("igw", g.IGW)
    for i in (0, 1):
        table = stack.named(f"lambda-{i}", g.ROUTE_TABLE)
        stack.add(g.ROUTE, f"v6igw-{i}", routeTableId=ref(table), destinationIpv6CidrBlock="::/0", gatewayId=ref(igw))
    found = messages(stack, RULE)
    assert len(found) == 1 and "lambda-0 and lambda-1" in found[0] and "which also lets the internet in" in found[0]


@pytest.mark.parametrize("mode", MODES)
def test_dns64_without_nat64_route_fails_on_the_subnet(mode: Mode) -> None:
    assert messages(compliant(mode, "ipv6-dns64-no-route"), RULE) == [
        f"Lambda subnet lambda-{i} has DNS64 on but its route table lambda-{i} sends 64:ff9b::/96 to no NAT gateway: "
        "IPv4-only destinations resolve to addresses nothing routes and connections hang. Add an aws.ec2.Route "
        "(destination_ipv6_cidr_block 64:ff9b::/96, nat_gateway_id), or turn enable_dns64 off"
        for i in (0, 1)
    ]


@pytest.mark.parametrize("mode", MODES)
def test_function_not_allowed_ipv6_is_not_concerned(mode: Mode) -> None:
    stack = compliant(mode, "ipv6-no-eigw")
    fn = stack.named("fn", g.FUNCTION)
    for view in (fn.props, fn.inputs or {}):
        view["vpcConfig"].pop("ipv6AllowedForDualStack", None)
    assert messages(stack, RULE) == []


def ipv6_only(mode: Mode, change: str = "ipv6") -> Stack:
    """The compliant IPv6 stack with lambda-1 made IPv6-only (ipv6_native, no IPv4 block), even with DNS64 and the
    NAT64 route that used to be accepted as its way out."""
    stack = compliant(mode, change)
    subnet = stack.named("lambda-1", g.SUBNET)
    for view in (subnet.props, subnet.inputs or {}):
        view["ipv6Native"] = True
        view.pop("cidrBlock", None)
    return stack


@pytest.mark.parametrize("mode", MODES)
def test_an_ipv6_only_lambda_subnet_fails_citing_aws(mode: Mode) -> None:
    found = messages(ipv6_only(mode), RULE)
    assert len(found) == 1 and "lambda-1 are IPv6-only" in found[0], found
    assert "doesn't support outbound IPv6 connections for IPv6-only subnets" in found[0]


@pytest.mark.parametrize("mode", MODES)
def test_an_ipv6_only_subnet_fails_even_for_a_function_not_allowed_ipv6(mode: Mode) -> None:
    stack = ipv6_only(mode)
    fn = stack.named("fn", g.FUNCTION)
    for view in (fn.props, fn.inputs or {}):
        view["vpcConfig"].pop("ipv6AllowedForDualStack", None)
    assert len(messages(stack, RULE)) == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_function_allowed_ipv6_needs_every_subnet_dual_stack(mode: Mode) -> None:
    stack = compliant(mode, "ipv6")
    subnet = stack.named("lambda-1", g.SUBNET)
    for view in (subnet.props, subnet.inputs or {}):
        view.pop("ipv6CidrBlock", None)
    subnet.property_dependencies.pop("ipv6CidrBlock", None)
    if mode == "update":
        subnet.props["ipv6CidrBlock"] = ""
    found = messages(stack, RULE)
    assert len(found) == 1 and "lambda-1 are not dual-stack" in found[0] and "ipv6_cidr_block" in found[0], found
