"""The pure graph view and rules directly: linking by property dependencies vs ids, world CIDRs, and a property
test that no rule crashes on arbitrary property trees with unknowns."""

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from netkit_core.graph import FUNCTION, NAT, ROUTE, SUBNET, UNKNOWN, Graph, Res, Undecidable, is_world
from netkit_core.pack import plain
from netkit_core.rules import all_rules
from netkit_core.rules.lambda_env_no_secrets import lambda_env_secrets
from netkit_core.rules.lambda_reserved_concurrency import reserved_concurrency_problem
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


def test_unknown_env_values_are_skipped_and_known_ones_scanned() -> None:
    props = {"environment": {"variables": {"A": UNKNOWN, "B": "AKIA" + "IOSFODNN7EXAMPLE"}}}
    messages = lambda_env_secrets(props, {})
    assert len(messages) == 1 and "B" in messages[0]


def test_reserved_concurrency_only_for_vpc_functions() -> None:
    assert reserved_concurrency_problem({"vpcConfig": {"subnetIds": ["s"]}}) is not None
    assert reserved_concurrency_problem({"vpcConfig": {"subnetIds": ["s"]}, "reservedConcurrentExecutions": 5}) is None
    assert reserved_concurrency_problem({}) is None


# Property names the rules read, shared by nested trees and top-level properties.
PROPERTY_KEYS = [
    "vpcConfig",
    "subnetIds",
    "securityGroupIds",
    "routes",
    "cidrBlock",
    "cidrBlocks",
    "natGatewayId",
    "gatewayId",
    "vpcId",
    "subnetId",
    "ingress",
    "environment",
    "variables",
    "privateDnsEnabled",
    "vpcEndpointType",
    "serviceName",
    "availabilityZone",
    "tags",
    "routeTableIds",
    "routeTableId",
    "type",
    "reservedConcurrentExecutions",
    "destinationCidrBlock",
    "destinationIpv6CidrBlock",
    "ipv6CidrBlock",
    "egressOnlyGatewayId",
    "vpcEndpointId",
    "transitGatewayId",
    "availabilityMode",
    "availabilityZoneAddresses",
    "allocationId",
    "allocationIds",
    "connectivityType",
    "availabilityZoneId",
    "defaultRouteTableId",
    "enableDns64",
    "ipv6AllowedForDualStack",
    "policy",
    "endpointConfiguration",
    "types",
    "subnetMappings",
    "enableDnsSupport",
    "enableDnsHostnames",
    "region",
]
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.just(UNKNOWN),
    st.sampled_from(
        [
            "0.0.0.0/0",
            "::/0",
            "10.0.0.0/24",
            "Interface",
            "Gateway",
            "us-east-1a",
            "com.amazonaws.us-east-1.s3",
            "AKIA" + "IOSFODNN7EXAMPLE",
            "igw-1",
            "nat-1",
            "regional",
            "private",
            "use1-az1",
            "10.0.0.0/33",
            "not-a-cidr",
            "64:ff9b::/96",
            "execute-api",
            "com.amazonaws.eu-west-1.s3",
            "com.amazonaws.us-east-1.execute-api",
            "GatewayLoadBalancer",
            '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}',
            "{not json",
        ]
    ),
)
trees: Any = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(PROPERTY_KEYS),
            children,
            max_size=5,
        ),
    ),
    max_leaves=12,
)
types = st.sampled_from(
    [
        FUNCTION,
        SUBNET,
        NAT,
        ROUTE,
        "aws:ec2/vpc:Vpc",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/flowLog:FlowLog",
        "aws:ec2/eip:Eip",
        "aws:ec2/defaultRouteTable:DefaultRouteTable",
        "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
        "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
        "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation",
        "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy",
        "aws:vpc/endpointPrivateDns:EndpointPrivateDns",
        "aws:networkfirewall/firewall:Firewall",
        "aws:apigateway/restApi:RestApi",
        "awsx:ec2:Vpc",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            types,
            st.dictionaries(
                st.sampled_from(PROPERTY_KEYS),
                trees,
                max_size=6,
            ),
            st.lists(st.integers(0, 7), max_size=3),
            st.one_of(st.none(), st.lists(st.sampled_from(PROPERTY_KEYS), max_size=4)),
        ),
        max_size=8,
    )
)
def test_no_rule_crashes_on_arbitrary_property_trees(
    spec: list[tuple[str, dict[str, Any], list[int], list[str] | None]],
) -> None:
    """Whatever shapes arrive (non-lists, invalid CIDRs, unknowns, inputs seen or not), every rule returns an
    Outcome, and no message carries a property value other than an id."""
    resources = []
    for index, (typ, props, deps, input_keys) in enumerate(spec):
        dependencies = {key: [f"urn:{d}" for d in deps] for key in props}
        inputs = None if input_keys is None else {k: props[k] for k in input_keys if k in props}
        resources.append(Res(f"urn:{index}", typ, f"r{index}", props, dependencies, inputs=inputs))
    graph = Graph(resources, stack_config={"aws:region": "us-east-1"})
    for rule in [r.stack_check for r in all_rules() if r.stack_check is not None]:
        outcome = rule(graph, {})
        for text in [m for _, m in outcome.violations] + [u.reason for u in outcome.undecided]:
            assert isinstance(text, str)
            assert not any(value in text for value in ("AKIA", "10.0.0.0/33", "not-a-cidr", "{not", "Allow"))
    for res in resources:
        for check in (lambda_env_secrets, lambda props, _config: reserved_concurrency_problem(props)):
            with contextlib.suppress(Undecidable):  # a decision it could not make, with its reason: allowed
                check(res.props, {})
