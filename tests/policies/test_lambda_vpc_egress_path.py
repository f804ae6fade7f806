"""lambda-vpc-egress-path on every shape, in a first preview's planned state and in an update."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, Stack, messages, network, reasons, ref

RULE = "lambda-vpc-egress-path"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "lambda_table",
    ["explicit", "inline", "main-association", "default-route-table", "main-rt-route", "default-rt-route"],
)
def test_every_route_table_shape_reaches_the_nat(mode: Mode, lambda_table: str) -> None:
    stack = network(mode, lambda_table=lambda_table)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "lambda_table", ["explicit", "inline", "main-association", "default-route-table", "main-rt-route"]
)
def test_every_route_table_shape_without_a_default_route_fails(mode: Mode, lambda_table: str) -> None:
    stack = network(mode, lambda_table=lambda_table, egress="none")
    found = messages(stack, RULE)
    assert len(found) == 1 and "have no 0.0.0.0/0 route" in found[0], found  # one finding listing its subnets
    assert reasons(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("public_table", ["default-route-table", "main-rt-route"])
def test_nat_subnet_reaching_the_igw_through_the_vpc_main_table(mode: Mode, public_table: str) -> None:
    assert (messages(network(mode, public_table=public_table), RULE), reasons(network(mode), RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_nat_subnet_on_a_main_table_without_igw_route_fails(mode: Mode) -> None:
    stack = network(mode, public_table="default-route-table", igw=False)
    assert any("no 0.0.0.0/0 route to an internet gateway" in m for m in messages(stack, RULE))


@pytest.mark.parametrize("mode", MODES)
def test_private_nat_fails(mode: Mode) -> None:
    assert any("is private" in m for m in messages(network(mode, egress="nat-private"), RULE))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("egress", ["regional-manual", "regional-auto"])
def test_regional_nat_reaches_the_internet_through_the_vpc_igw(mode: Mode, egress: str) -> None:
    assert (messages(network(mode, egress=egress), RULE), reasons(network(mode, egress=egress), RULE)) == ([], [])
    without_igw = network(mode, egress=egress, igw=False)
    assert any("no internet gateway attached" in m for m in messages(without_igw, RULE))


@pytest.mark.parametrize("mode", MODES)
def test_transit_gateway_follows_config(mode: Mode) -> None:
    stack = network(mode, egress="tgw")
    assert messages(stack, RULE) == [] and reasons(stack, RULE) == []
    assert any("transit gateway" in m for m in messages(stack, RULE, {"allowTransitGateway": False}))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("egress", ["hop-gwlb", "hop-firewall"])
def test_inspection_hop_before_the_nat(mode: Mode, egress: str) -> None:
    stack = network(mode, egress=egress)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])
    assert any("allowInspectionHop=false" in m for m in messages(stack, RULE, {"allowInspectionHop": False}))


@pytest.mark.parametrize("mode", MODES)
def test_inspection_hop_whose_subnet_goes_nowhere_fails(mode: Mode) -> None:
    stack = network(mode, egress="hop-gwlb")
    stack.resources = [
        r for r in stack.resources if not (r.type == g.ROUTE_TABLE and r.name.startswith("inspection"))
    ]  # the inspection subnets fall back to the VPC's main table: only the local route
    stack.resources = [r for r in stack.resources if not (r.type == g.RT_ASSOCIATION and r.name.startswith("insp"))]
    found = messages(stack, RULE)
    assert found and all("gwlbe" in m for m in found), found


@pytest.mark.parametrize("mode", MODES)
def test_conflicting_associations_are_one_explained_undecided_answer(mode: Mode) -> None:
    stack = network(mode)
    stack.add(
        g.RT_ASSOCIATION,
        "lambda-0-again",
        subnetId=ref(stack.named("lambda-0")),
        routeTableId=ref(stack.named("public")),
    )
    first, again = reasons(stack, RULE), reasons(stack, RULE)
    assert first == again and len(first) == 1
    assert "conflicting route table associations" in first[0] and "lambda-0-again -> public" in first[0]
    assert messages(stack, RULE) == []  # lambda-1 still decided: compliant


@pytest.mark.parametrize("mode", MODES)
def test_igw_direct_fails_unless_exempt(mode: Mode) -> None:
    stack = Stack(mode)
    vpc = stack.add(g.VPC, "vpc", cidrBlock="10.0.0.0/16")
    igw = stack.add(g.IGW, "igw", vpcId=ref(vpc))
    sub = stack.add(g.SUBNET, "lambda", vpcId=ref(vpc), cidrBlock="10.0.0.0/24", availabilityZone="us-east-1a")
    rt = stack.add(g.ROUTE_TABLE, "rt", vpcId=ref(vpc), routes=[{"cidrBlock": "0.0.0.0/0", "gatewayId": ref(igw)}])
    stack.add(g.RT_ASSOCIATION, "a", subnetId=ref(sub), routeTableId=ref(rt))
    fn = stack.add(g.FUNCTION, "fn", vpcConfig={"subnetIds": [ref(sub)]})
    assert any("straight to an internet gateway" in m for m in messages(stack, RULE))
    fn.props["tags"] = {"netkit:egress": "none"}
    assert messages(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
def test_subnets_from_a_multi_language_component_are_undecided(mode: Mode) -> None:
    stack = network(mode)
    awsx = stack.add("awsx:ec2:Vpc", "shared")
    fn = stack.named("fn")
    fn.props["vpcConfig"] = {"subnetIds": g.UNKNOWN if mode == "preview" else ["subnet-0abc"]}
    fn.property_dependencies = {"vpcConfig": [awsx.urn]}
    found = reasons(stack, RULE)
    assert messages(stack, RULE) == []
    if mode == "preview":
        assert found == [
            "fn: its subnets are not known: it comes from component shared (awsx:ec2:Vpc), whose children are not "
            "visible offline (a multi-language component creates them in its own provider)"
        ]
    else:
        assert found == ["fn: subnet subnet-0abc is not managed by this program"]


@pytest.mark.parametrize("mode", MODES)
def test_some_subnets_managed_some_not_is_undecided(mode: Mode) -> None:
    stack = network(mode)
    fn = stack.named("fn")
    fn.props["vpcConfig"]["subnetIds"].append("subnet-0feed")
    assert messages(stack, RULE) == []
    assert reasons(stack, RULE) == ["fn: subnet subnet-0feed is not managed by this program"]


@pytest.mark.parametrize("mode", MODES)
def test_odd_shapes_are_undecided_without_values(mode: Mode) -> None:
    stack = network(mode, lambda_table="inline")
    table = stack.named("lambda-0", g.ROUTE_TABLE)
    table.props["routes"] = [{"cidrBlock": "10.0.0.0/33", "natGatewayId": "nat-0abc"}]
    other = stack.named("lambda-1", g.ROUTE_TABLE)
    other.props["routes"] = "0.0.0.0/0"
    found = reasons(stack, RULE)
    assert sorted(found) == [
        "lambda-0: a route's destination is not a valid CIDR",
        "lambda-1: its inline route list is not a list",
    ]
    assert messages(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
def test_an_unmanaged_nat_is_undecided(mode: Mode) -> None:
    stack = network(mode, egress="none")
    for i in (0, 1):
        table = stack.named(f"lambda-{i}", g.ROUTE_TABLE)
        stack.add(
            g.ROUTE,
            f"external-{i}",
            routeTableId=ref(table),
            destinationCidrBlock="0.0.0.0/0",
            natGatewayId="nat-0123abcd",
        )
    assert messages(stack, RULE) == []
    assert len(reasons(stack, RULE)) == 2 and all("nat-0123abcd, not managed here" in r for r in reasons(stack, RULE))


def test_refreshed_state_listing_route_resources_inline_too_is_one_route() -> None:
    """After a refresh, a RouteTable's state also lists the routes added by aws.ec2.Route resources."""
    stack = network("update")
    for i in (0, 1):
        table = stack.named(f"lambda-{i}", g.ROUTE_TABLE)
        nat_id = stack.named(f"nat-{i}", g.NAT).props["id"]
        table.props["routes"] = [{"cidrBlock": "0.0.0.0/0", "natGatewayId": nat_id}]
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])
    cross = network("update")
    for i in (0, 1):
        table = cross.named(f"lambda-{i}", g.ROUTE_TABLE)
        table.props["routes"] = [{"cidrBlock": "0.0.0.0/0", "gatewayId": cross.named("igw", g.IGW).props["id"]}]
    found = messages(cross, RULE)  # a refreshed inline route to the IGW is still seen: one finding, both subnets
    assert len(found) == 1 and "lambda-0 and lambda-1 route 0.0.0.0/0 straight to an internet gateway" in found[0]
