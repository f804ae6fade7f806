"""ipv6-egress-path: dual-stack functions need ::/0 to an egress-only IGW; DNS64 subnets need 64:ff9b::/96 to a
NAT; IPv4-only functions and omitted flags (defaults false) are not concerned."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, compliant, messages, reasons, ref

RULE = "ipv6-egress-path"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", ["", "ipv6", "ipv6-eigw-only"])
def test_compliant_shapes(mode: Mode, change: str) -> None:
    stack = compliant(mode, change)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_dual_stack_function_without_eigw_route_fails(mode: Mode) -> None:
    assert messages(compliant(mode, "ipv6-no-eigw"), RULE) == [
        f"function fn is allowed IPv6 (ipv6_allowed_for_dual_stack) but dual-stack subnet lambda-{i} has no ::/0 "
        "route to an egress-only internet gateway: add an egress-only internet gateway route for ::/0"
        for i in (0, 1)
    ]


@pytest.mark.parametrize("mode", MODES)
def test_igw_for_ipv6_fails(mode: Mode) -> None:
    stack = compliant(mode, "ipv6-no-eigw")
    igw = stack.named("igw", g.IGW)
    for i in (0, 1):
        table = stack.named(f"lambda-{i}", g.ROUTE_TABLE)
        stack.add(g.ROUTE, f"v6igw-{i}", routeTableId=ref(table), destinationIpv6CidrBlock="::/0", gatewayId=ref(igw))
    found = messages(stack, RULE)
    assert len(found) == 2 and all("which also lets the internet in" in m for m in found)


@pytest.mark.parametrize("mode", MODES)
def test_dns64_without_nat64_route_fails_on_the_subnet(mode: Mode) -> None:
    assert messages(compliant(mode, "ipv6-dns64-no-route"), RULE) == [
        f"Lambda subnet lambda-{i} has DNS64 on but its route table lambda-{i} sends 64:ff9b::/96 to no NAT gateway: "
        "IPv4-only destinations resolve to addresses nothing routes and connections hang"
        for i in (0, 1)
    ]


@pytest.mark.parametrize("mode", MODES)
def test_function_not_allowed_ipv6_is_not_concerned(mode: Mode) -> None:
    stack = compliant(mode, "ipv6-no-eigw")
    fn = stack.named("fn", g.FUNCTION)
    for view in (fn.props, fn.inputs or {}):
        view["vpcConfig"].pop("ipv6AllowedForDualStack", None)
    assert messages(stack, RULE) == []
