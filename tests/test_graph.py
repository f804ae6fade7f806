"""The pure graph view: linking by property dependencies vs ids, the provider defaults for settings a program
omitted (decided from the Analyze inputs), the VPC's own route tables, zones, and values kept out of messages.
(The property-based test over every rule lives in tests/policies/test_property_based.py.)"""

import pytest
from netkit_core.graph import (
    NAT,
    ROUTE,
    UNKNOWN,
    VPC,
    Graph,
    Res,
    Undecidable,
    Zone,
    id_label,
    is_world,
    parse_network,
    same_zone,
)
from netkit_core.pack import plain
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy


def test_world_cidrs_in_every_spelling() -> None:
    assert all(is_world(c) for c in ["0.0.0.0/0", "::/0", "0::/0", "0:0:0:0:0:0:0:0/0", " 0.0.0.0/0 "])
    assert not any(is_world(c) for c in ["10.0.0.0/8", "0.0.0.0/1", "not-a-cidr", None, UNKNOWN])


def test_refs_use_property_dependencies_when_ids_are_unknown_and_ids_when_known() -> None:
    nat_a = Res("urn:a", NAT, "a", {"id": "nat-a"})
    nat_b = Res("urn:b", NAT, "b", {"id": "nat-b"})
    preview = Res("urn:r", ROUTE, "r", {"natGatewayId": UNKNOWN}, {"natGatewayId": ["urn:b"]})
    update = Res("urn:r2", ROUTE, "r2", {"natGatewayId": "nat-a"}, {})
    graph = Graph([nat_a, nat_b, preview, update])
    assert graph.refs(preview, "natGatewayId", preview.get("natGatewayId"), NAT) == [nat_b]
    assert graph.refs(update, "natGatewayId", update.get("natGatewayId"), NAT) == [nat_a]


def test_plain_unwraps_pulumi_policy_proxies_without_raising() -> None:
    proxied = unknown_checking_proxy({"a": UNKNOWN_STRING_VALUE, "b": [{"c": UNKNOWN_STRING_VALUE}, 1], "d": "x"})
    assert plain(proxied) == {"a": UNKNOWN, "b": [{"c": UNKNOWN}, 1], "d": "x"}


def test_setting_applies_the_default_only_when_the_program_omitted_it() -> None:
    omitted = Res("urn:v", VPC, "v", {"enableDnsHostnames": UNKNOWN}, inputs={"cidrBlock": "10.0.0.0/16"})
    assert omitted.setting("enableDnsHostnames", False) is False
    from_other = Res("urn:v", VPC, "v", {"enableDnsHostnames": UNKNOWN}, {"enableDnsHostnames": ["urn:x"]}, inputs={})
    with pytest.raises(Undecidable, match="comes from another resource"):
        from_other.setting("enableDnsHostnames", False)
    not_seen = Res("urn:v", VPC, "v", {"enableDnsHostnames": UNKNOWN})
    with pytest.raises(Undecidable, match="Analyze inputs were not seen"):
        not_seen.setting("enableDnsHostnames", False)
    known_input = Res("urn:v", VPC, "v", {"enableDnsHostnames": UNKNOWN}, inputs={"enableDnsHostnames": True})
    assert known_input.setting("enableDnsHostnames", False) is True
    assert Res("urn:v", VPC, "v", {}).setting("enableDnsHostnames", False) is False  # an update's state without it


def test_routes_on_the_vpc_own_table_link_by_dependency_then_by_id() -> None:
    vpc_preview = Res("urn:vpc", VPC, "vpc", {"id": UNKNOWN, "mainRouteTableId": UNKNOWN})
    route = Res("urn:r", ROUTE, "r", {"routeTableId": UNKNOWN}, {"routeTableId": ["urn:vpc"]})
    graph = Graph([vpc_preview, route], stack_config={})
    (table,) = graph.route_tables_in(route, "routeTableId", route.get("routeTableId"))
    assert table is graph.vpc_main_table(vpc_preview)
    vpc_update = Res(
        "urn:vpc", VPC, "vpc", {"id": "vpc-1", "mainRouteTableId": "rtb-1", "defaultRouteTableId": "rtb-1"}
    )
    route = Res("urn:r", ROUTE, "r", {"routeTableId": "rtb-1"}, {"routeTableId": ["urn:vpc"]})
    graph = Graph([vpc_update, route], stack_config={})
    assert graph.route_tables_in(route, "routeTableId", "rtb-1") == [graph.vpc_main_table(vpc_update)]


def test_zones_compare_by_the_form_both_sides_have() -> None:
    assert same_zone(Zone("us-east-1a", "use1-az6"), Zone("", "use1-az6"))
    assert not same_zone(Zone("us-east-1a", ""), Zone("us-east-1b", "use1-az1"))
    with pytest.raises(Undecidable, match=r"cannot be compared without the account's mapping.*getAvailabilityZones"):
        same_zone(Zone("us-east-1a", ""), Zone("", "use1-az6"))


def test_messages_carry_ids_never_other_values() -> None:
    assert id_label("nat-0a1b2c") == "nat-0a1b2c"
    assert id_label("AKIAIOSFODNN7EXAMPLE") == "(a value that is not a resource id)"
    owner = Res("urn:r", ROUTE, "r", {})
    for bad in ("10.0.0.0/33", 42, ["0.0.0.0/0"]):
        with pytest.raises(Undecidable) as caught:
            parse_network(bad, owner, "a route's destination")
        assert str(bad) not in str(caught.value)


def test_setting_reads_a_structured_input_whose_planned_output_is_unknown() -> None:
    """Inline routes targeting another resource: the planned `routes` may be unknown as a whole, while the
    Analyze inputs hold the list with only the target unknown."""
    routes = [{"cidrBlock": "0.0.0.0/0", "natGatewayId": UNKNOWN}]
    table = Res(
        "urn:t",
        "aws:ec2/routeTable:RouteTable",
        "t",
        {"routes": UNKNOWN},
        {"routes": ["urn:nat"]},
        inputs={"routes": routes},
    )
    assert table.setting("routes", []) == routes


def test_default_route_table_adopts_the_vpc_table_by_id_in_an_update() -> None:
    vpc = Res("urn:vpc", VPC, "vpc", {"id": "vpc-1", "mainRouteTableId": "rtb-1", "defaultRouteTableId": "rtb-1"})
    default = Res(
        "urn:d", "aws:ec2/defaultRouteTable:DefaultRouteTable", "d", {"id": "rtb-1", "defaultRouteTableId": "rtb-1"}
    )
    route = Res("urn:r", ROUTE, "r", {"routeTableId": "rtb-1"})
    graph = Graph([vpc, default, route], stack_config={})
    assert graph.vpc_main_table(vpc) is default
    assert graph.route_tables_in(route, "routeTableId", "rtb-1") == [default]
