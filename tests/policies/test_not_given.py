"""Issue 17 item 1: a value the engine has not given never decides a violation; the decision is undecided, and the
reason names what is missing (and the fixture that would supply it, where one exists).

"Not given" is: unknown in a first preview (from another resource, or from a lookup with no fixture), or, in an
update, a value the offline engine would have had to invent: an account's AZ-name <-> AZ-id mapping (left out of
its state, see tests/test_offline_zones.py). The framework enforces it (`netkit_core.graph._Unknown` refuses to be
compared, tested or formatted), and each rule below has a case where, before, the missing value decided.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from netkit_core import graph as g
from netkit_core.analysis import StackAnalysis, safe_run
from netkit_core.graph import UNKNOWN, Graph, Res, Undecidable
from netkit_core.rule import Outcome, Rule
from netkit_core.rules import all_rules

from tests.policies.stack_builder import MODES, Mode, Stack, add_execute_api_endpoint, compliant, ref, run

FIXTURE_HINT = "aws:index/getAvailabilityZones:getAvailabilityZones"


def from_lookup(res: Res, key: str) -> None:
    """`res.<key>` set from a lookup the offline check could not answer (no fixture): unknown in the state and in
    the Analyze inputs, with no property dependency (it comes from no resource of the program)."""
    assert res.inputs is not None
    res.props[key] = res.inputs[key] = UNKNOWN
    res.property_dependencies.pop(key, None)


def only_given_zone(res: Res, keep: str) -> None:
    """An update's state with only the AZ form the program gave (`availabilityZone` or `availabilityZoneId`): the
    offline engine does not invent the other (it would need the account's mapping)."""
    for key in ("availabilityZone", "availabilityZoneId"):
        if key != keep:
            res.props.pop(key, None)
            assert res.inputs is not None
            res.inputs.pop(key, None)


def undecided_only(stack: Stack, rule: str) -> list[str]:
    outcome = run(stack, rule)
    assert outcome.violations == [], outcome.violations
    assert outcome.undecided, f"{rule} decided without the value"
    return [u.reason for u in outcome.undecided]


# --- the framework -----------------------------------------------------------------------------------------------
def test_an_unknown_cannot_be_compared_tested_or_formatted() -> None:
    for use in (
        lambda: UNKNOWN == "10.0.0.0/24",
        lambda: UNKNOWN != "x",
        lambda: bool(UNKNOWN),
        lambda: f"{UNKNOWN}",
        lambda: str(UNKNOWN),
        lambda: list(UNKNOWN),
        lambda: "x" in UNKNOWN,
        lambda: UNKNOWN.startswith("nat-"),
        lambda: UNKNOWN.get("types"),
    ):
        with pytest.raises(Undecidable):
            use()
    assert g.is_unknown(UNKNOWN) and repr(UNKNOWN) == "<unknown>" and {UNKNOWN: 1}[UNKNOWN] == 1


def test_a_rule_that_reads_an_unknown_naively_is_undecided_not_deciding() -> None:
    """A rule written carelessly (comparing a property without checking it is known) cannot turn an unknown into
    a violation or a pass: the comparison itself makes the decision undecided."""

    def careless(graph: Graph, config: Any) -> Outcome:
        out = Outcome()
        for subnet in graph.of_type(g.SUBNET):

            def check(subnet: Res = subnet) -> None:
                if subnet.get("cidrBlock") != "10.0.0.0/24":
                    out.fail(subnet, "wrong CIDR")

            out.attempt(check, subnet)
        return out

    rule = Rule("careless", "d", "mandatory", "low", "r", stack_check=careless)
    graph = Graph([Res("urn:s", g.SUBNET, "s", {"cidrBlock": UNKNOWN})])
    outcome = safe_run(rule, lambda: careless(graph, {}))
    assert outcome.violations == [] and [u.urn for u in outcome.undecided] == ["urn:s"]
    analysis = StackAnalysis(graph, [rule, *[r for r in all_rules() if r.name == "netkit-undecided"]], {})
    assert analysis.result("careless").violations == []
    assert "careless could not decide for s" in analysis.result("netkit-undecided").violations[0][1]


def test_a_stray_undecidable_keeps_its_reason() -> None:
    """An `Undecidable` a rule did not catch per decision still says what was missing (not "a shape it cannot
    read")."""

    def stray(graph: Graph, config: Any) -> Outcome:
        raise Undecidable("s: its CIDR block comes from vpc and is not known yet")

    rule = Rule("stray", "d", "mandatory", "low", "r", stack_check=stray)
    outcome = safe_run(rule, lambda: stray(Graph([]), {}))
    assert [u.reason for u in outcome.undecided] == ["s: its CIDR block comes from vpc and is not known yet"]


# --- one case per rule --------------------------------------------------------------------------------------------
def capacity_cidr_from_vpc(mode: Mode) -> Stack:
    """The Lambda subnet's CIDR computed from the VPC's output (e.g. `vpc.cidr_block.apply(...)` of an IPAM VPC):
    unknown in a first preview. Shrunk to a /28 in the same stack so that a guess would fail."""
    s = compliant(mode)
    s.set_from_output(s.named("lambda-0", g.SUBNET), "cidrBlock", s.named("vpc"))
    return s


@pytest.mark.parametrize("mode", ["preview"])
def test_capacity_with_a_cidr_from_another_resource_is_undecided_naming_it(mode: Mode) -> None:
    reasons = undecided_only(capacity_cidr_from_vpc(mode), "lambda-subnet-capacity")
    assert any("lambda-0" in r and "CIDR" in r and "vpc" in r for r in reasons), reasons


def test_capacity_with_a_cidr_the_program_did_not_give_is_undecided() -> None:
    """Update: a subnet allocated from an IPAM pool (no cidr_block input); the offline engine does not invent one."""
    s = compliant("update")
    sub = s.named("lambda-0", g.SUBNET)
    sub.props.pop("cidrBlock")
    assert sub.inputs is not None
    sub.inputs.pop("cidrBlock")
    reasons = undecided_only(s, "lambda-subnet-capacity")
    assert any("lambda-0" in r and "CIDR" in r for r in reasons), reasons


def test_capacity_with_an_endpoint_type_not_known_is_undecided() -> None:
    """An interface endpoint takes an IP in the subnet; if whether it is one is not known, the count is not known."""
    s = compliant("preview")
    from_lookup(s.named("sqs", g.ENDPOINT), "vpcEndpointType")
    sub = s.named("lambda-0", g.SUBNET)
    sub.props["cidrBlock"] = sub.inputs["cidrBlock"] = "10.0.0.0/28"  # type: ignore[index]
    outcome = run(s, "lambda-subnet-capacity")
    assert not any("lambda-0" in m for _, m in outcome.violations)
    assert any("sqs" in u.reason for u in outcome.undecided)


def zones_by_name_and_by_id(mode: Mode, change: str = "nat-cross-az") -> Stack:
    """Lambda subnets given by zone name, the NAT gateways' subnets by zone id; an update's state holds only what
    the program gave (the account's mapping is not known offline)."""
    s = compliant(mode, change)
    for i, zone_id in enumerate(("use1-az6", "use1-az1")):
        pub = s.named(f"public-{i}", g.SUBNET)
        assert pub.inputs is not None
        pub.inputs.pop("availabilityZone")
        pub.props.pop("availabilityZone")
        pub.props["availabilityZoneId"] = pub.inputs["availabilityZoneId"] = zone_id
        if mode == "update":
            only_given_zone(pub, "availabilityZoneId")
            only_given_zone(s.named(f"lambda-{i}", g.SUBNET), "availabilityZone")
    return s


@pytest.mark.parametrize("mode", MODES)
def test_nat_per_az_never_guesses_the_zone_mapping_and_names_the_fixture(mode: Mode) -> None:
    reasons = undecided_only(zones_by_name_and_by_id(mode), "nat-gateway-per-az")
    assert all(FIXTURE_HINT in r and "zone id" in r for r in reasons), reasons


@pytest.mark.parametrize("mode", MODES)
def test_regional_nat_listing_zone_ids_is_undecided_for_subnets_given_by_name(mode: Mode) -> None:
    s = Stack(mode)
    vpc = s.add(g.VPC, "vpc", cidrBlock="10.0.0.0/16")
    s.add(g.IGW, "igw", vpcId=ref(vpc))
    sub = s.add(g.SUBNET, "lambda-0", vpcId=ref(vpc), cidrBlock="10.0.0.0/24", availabilityZone="us-east-1b")
    if mode == "update":
        only_given_zone(sub, "availabilityZone")
    eip = s.add(g.EIP, "eip", domain="vpc")
    nat = s.add(
        g.NAT,
        "regional",
        availabilityMode="regional",
        vpcId=ref(vpc),
        availabilityZoneAddresses=[{"availabilityZoneId": "use1-az1", "allocationIds": [ref(eip, "allocationId")]}],
    )
    rt = s.add(g.ROUTE_TABLE, "rt", vpcId=ref(vpc), routes=[{"cidrBlock": "0.0.0.0/0", "natGatewayId": ref(nat)}])
    s.add(g.RT_ASSOCIATION, "a", subnetId=ref(sub), routeTableId=ref(rt))
    s.add(g.FUNCTION, "fn", vpcConfig={"subnetIds": [ref(sub)], "securityGroupIds": []})
    for rule in ("egress-ips-pinned", "nat-gateway-per-az"):
        reasons = undecided_only(s, rule)
        assert any(FIXTURE_HINT in r for r in reasons), reasons


@pytest.mark.parametrize("mode", MODES)
def test_multi_az_with_a_zone_not_given_is_undecided(mode: Mode) -> None:
    """Two subnets, the second one's AZ chosen by AWS (the program gave none): it may be the same AZ or not."""
    s = compliant(mode)
    sub = s.named("lambda-1", g.SUBNET)
    only_given_zone(sub, "")
    reasons = undecided_only(s, "lambda-multi-az")
    assert any("lambda-1" in r for r in reasons), reasons


def test_egress_path_with_a_route_target_from_a_lookup_is_undecided() -> None:
    s = compliant("preview")
    from_lookup(s.named("default-0", g.ROUTE), "natGatewayId")
    assert any("default-0" in r for r in undecided_only(s, "lambda-vpc-egress-path"))


def test_gateway_endpoint_route_tables_from_a_lookup_are_undecided() -> None:
    """route_table_ids from a lookup: the endpoint may well be attached to the Lambda route tables."""
    s = compliant("preview")
    from_lookup(s.named("s3", g.ENDPOINT), "routeTableIds")
    assert any("s3" in r for r in undecided_only(s, "vpc-gateway-endpoints"))


def test_private_dns_set_by_a_resource_whose_endpoint_is_not_known_is_undecided() -> None:
    s = compliant("preview", "private-dns-omitted")
    s.add(g.ENDPOINT_PRIVATE_DNS, "sqs-dns", vpcEndpointId="vpce-0123456789abcdef0", privateDnsEnabled=True)
    from_lookup(s.named("sqs-dns"), "vpcEndpointId")
    reasons = undecided_only(s, "interface-endpoint-private-dns")
    assert any("sqs-dns" in r for r in reasons), reasons


def test_an_endpoint_policy_resource_whose_endpoint_is_not_known_is_undecided() -> None:
    s = compliant("preview", "endpoint-policy-omitted")
    s.add(g.ENDPOINT_POLICY, "sqs-policy", vpcEndpointId="vpce-0123456789abcdef0", policy="{}")
    from_lookup(s.named("sqs-policy"), "vpcEndpointId")
    assert any("sqs-policy" in r for r in undecided_only(s, "vpc-endpoint-policy"))


def test_a_flow_log_whose_target_is_not_known_is_undecided() -> None:
    s = compliant("preview")
    from_lookup(s.named("flow"), "vpcId")
    assert any("flow" in r for r in undecided_only(s, "vpc-flow-logs"))


def test_ipv6_route_target_from_a_lookup_is_undecided() -> None:
    s = compliant("preview", "ipv6")
    from_lookup(s.named("v6-0", g.ROUTE), "egressOnlyGatewayId")
    assert any("v6-0" in r for r in undecided_only(s, "ipv6-egress-path"))


def test_execute_api_endpoint_type_not_known_is_undecided() -> None:
    s = compliant("preview")
    add_execute_api_endpoint(s)
    api = s.add(g.REST_API, "api", endpointConfiguration={"types": "PRIVATE"})
    from_lookup(api, "endpointConfiguration")
    assert any("api" in r for r in undecided_only(s, "execute-api-private-dns"))


def test_world_ingress_through_a_rule_on_a_group_not_known_is_undecided() -> None:
    s = compliant("preview")
    s.add(g.SG_RULE, "open", type="ingress", fromPort=443, toPort=443, protocol="tcp", cidrBlocks=["0.0.0.0/0"])
    rule = s.named("open")
    rule.props["securityGroupId"] = UNKNOWN
    assert rule.inputs is not None
    rule.inputs["securityGroupId"] = UNKNOWN
    outcome = run(s, "security-group-no-world-ingress")
    assert outcome.violations == []


RESOURCE_RULES: list[tuple[str, dict[str, Any]]] = [
    ("lambda-env-no-secrets", {"environment": {"variables": {"DB_PASSWORD": UNKNOWN}}}),
    (
        "lambda-reserved-concurrency",
        {"vpcConfig": {"subnetIds": ["subnet-1"]}, "reservedConcurrentExecutions": UNKNOWN},
    ),
]


@pytest.mark.parametrize(("rule_name", "props"), RESOURCE_RULES)
def test_resource_rules_on_values_not_known_are_undecided(rule_name: str, props: dict[str, Any]) -> None:
    rule = next(r for r in all_rules() if r.name == rule_name)
    assert rule.resource_check is not None
    fn = Res("urn:fn", g.FUNCTION, "fn", props, inputs=props)
    outcome = rule.resource_check(fn, rule.effective_config({}))
    assert outcome.violations == [] and outcome.undecided


def test_hyperplane_environment_not_known_is_undecided() -> None:
    s = compliant("preview")
    s.add(g.EIP, "trick", domain="vpc", tags={"netkit:pattern": "hyperplane-eip"})
    assert undecided_only(s, "hyperplane-eip-dev-only")


CASES: dict[str, Callable[[], Any]] = {
    "lambda-subnet-capacity": lambda: test_capacity_with_a_cidr_from_another_resource_is_undecided_naming_it("preview"),
    "nat-gateway-per-az": lambda: test_nat_per_az_never_guesses_the_zone_mapping_and_names_the_fixture("update"),
    "egress-ips-pinned": lambda: test_regional_nat_listing_zone_ids_is_undecided_for_subnets_given_by_name("update"),
    "lambda-multi-az": lambda: test_multi_az_with_a_zone_not_given_is_undecided("update"),
    "lambda-vpc-egress-path": test_egress_path_with_a_route_target_from_a_lookup_is_undecided,
    "vpc-gateway-endpoints": test_gateway_endpoint_route_tables_from_a_lookup_are_undecided,
    "interface-endpoint-private-dns": test_private_dns_set_by_a_resource_whose_endpoint_is_not_known_is_undecided,
    "vpc-endpoint-policy": test_an_endpoint_policy_resource_whose_endpoint_is_not_known_is_undecided,
    "vpc-flow-logs": test_a_flow_log_whose_target_is_not_known_is_undecided,
    "ipv6-egress-path": test_ipv6_route_target_from_a_lookup_is_undecided,
    "execute-api-private-dns": test_execute_api_endpoint_type_not_known_is_undecided,
    "security-group-no-world-ingress": test_world_ingress_through_a_rule_on_a_group_not_known_is_undecided,
    "hyperplane-eip-dev-only": test_hyperplane_environment_not_known_is_undecided,
    "lambda-env-no-secrets": lambda: test_resource_rules_on_values_not_known_are_undecided(*RESOURCE_RULES[0]),
    "lambda-reserved-concurrency": lambda: test_resource_rules_on_values_not_known_are_undecided(*RESOURCE_RULES[1]),
}


def test_every_rule_has_a_not_given_case() -> None:
    """Adding a rule means adding its case here (netkit-undecided reports the others' cases)."""
    assert set(CASES) | {"netkit-undecided"} == {r.name for r in all_rules()}
