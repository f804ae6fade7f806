"""vpc-gateway-endpoints: every way of attaching a gateway endpoint to the Lambda route tables, and the endpoint's
region / partition against the VPC's (provider region, the resource's own `region`, the stack's aws:region)."""

from typing import Any

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, Stack, compliant, messages, network, reasons, ref, scoped_policy

RULE = "vpc-gateway-endpoints"
ONE_AZ = ("us-east-1a",)


def with_endpoints(stack: Stack, attach: str, region: str = "us-east-1", prefix: str = "com.amazonaws") -> Stack:
    """S3 and DynamoDB gateway endpoints attached to the VPC's main table in the `attach` shape."""
    vpc = stack.named("vpc", g.VPC)
    for service in ("s3", "dynamodb"):
        args: dict[str, Any] = {
            "vpcId": ref(vpc),
            "serviceName": f"{prefix}.{region}.{service}",
            "policy": scoped_policy(service),
        }
        if attach == "default-route-table":
            args["routeTableIds"] = [ref(stack.named("main", g.DEFAULT_ROUTE_TABLE))]
        elif attach in ("main-route-table-id", "default-route-table-id"):
            attr = "mainRouteTableId" if attach == "main-route-table-id" else "defaultRouteTableId"
            args["routeTableIds"] = [ref(vpc, attr)]
        endpoint = stack.add(g.ENDPOINT, service, **args)
        if attach == "association-to-default-route-table":
            table = stack.named("main", g.DEFAULT_ROUTE_TABLE)
            stack.add(g.ENDPOINT_RT_ASSOCIATION, service, vpcEndpointId=ref(endpoint), routeTableId=ref(table))
    return stack


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("lambda_table", "attach"),
    [
        ("default-route-table", "default-route-table"),
        ("default-route-table", "association-to-default-route-table"),
        ("default-route-table", "main-route-table-id"),
        ("main-rt-route", "main-route-table-id"),
        ("main-rt-route", "default-route-table-id"),
    ],
)
def test_endpoints_on_the_vpc_main_table_in_every_shape(mode: Mode, lambda_table: str, attach: str) -> None:
    stack = with_endpoints(network(mode, lambda_table=lambda_table, azs=ONE_AZ), attach)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_endpoint_on_another_table_than_the_lambda_one_fails(mode: Mode) -> None:
    stack = with_endpoints(network(mode, lambda_table="explicit", azs=ONE_AZ), "main-route-table-id")
    assert messages(stack, RULE) == [
        f"the {service} gateway endpoint {service} is not attached to the Lambda route table(s) lambda-0 (subnet "
        f"lambda-0): {service} traffic goes through NAT gateway nat-0 and pays its per-GB fee. Add them to the "
        "endpoint's route_table_ids (or an aws.ec2.VpcEndpointRouteTableAssociation)"
        for service in ("s3", "dynamodb")
    ]


@pytest.mark.parametrize("mode", MODES)
def test_an_endpoint_of_another_region_does_not_serve_the_vpc(mode: Mode) -> None:
    found = messages(compliant(mode, "s3-other-region"), RULE)
    assert found == [
        "VPC vpc hosts Lambdas but has no s3 gateway endpoint for us-east-1 (s3 serve another region): s3 traffic "
        "goes through NAT gateway nat-0 and nat-1 and pays its per-GB fee. Gateway endpoints are free: add an "
        "aws.ec2.VpcEndpoint with service_name com.amazonaws.<region>.s3, vpc_endpoint_type Gateway and "
        "route_table_ids listing route table lambda-0 and lambda-1"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_region_comes_from_the_provider_then_the_resource_then_config(mode: Mode) -> None:
    stack = with_endpoints(
        network(mode, lambda_table="default-route-table", azs=ONE_AZ), "default-route-table", region="eu-west-1"
    )
    assert len(messages(stack, RULE)) == 2  # the stack is in us-east-1 (provider and aws:region)
    for res in stack.resources:
        res.provider = {"region": "eu-west-1"}
    assert messages(stack, RULE) == []
    for res in stack.resources:
        res.provider = None
    assert len(messages(stack, RULE)) == 2  # falls back to the stack's aws:region
    for name in ("s3", "dynamodb"):
        endpoint = stack.named(name, g.ENDPOINT)
        endpoint.props["region"] = "eu-west-1"  # pulumi-aws 7's per-resource region
    assert messages(stack, RULE) == []


def test_partition_prefix_must_match_the_region() -> None:
    stack = network("update", lambda_table="default-route-table", azs=("cn-north-1a",))
    stack.region = "cn-north-1"
    for res in stack.resources:
        res.provider = {"region": "cn-north-1"}
    wrong = with_endpoints(stack, "default-route-table", region="cn-north-1")
    assert len(messages(wrong, RULE)) == 2
    for name in ("s3", "dynamodb"):
        wrong.named(name, g.ENDPOINT).props["serviceName"] = f"cn.com.amazonaws.cn-north-1.{name}"
    assert messages(wrong, RULE) == []


@pytest.mark.parametrize("mode", MODES)
def test_unknown_service_name_or_region_is_undecided_not_a_violation(
    mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):  # the provider's own fallbacks
        monkeypatch.delenv(variable, raising=False)
    stack = compliant(mode)
    s3 = stack.named("s3", g.ENDPOINT)
    s3.props["serviceName"] = g.UNKNOWN
    assert messages(stack, RULE) == [] and reasons(stack, RULE) == ["s3: its service name is unknown"]
    stack = compliant(mode)
    for res in stack.resources:
        res.provider = None
    graph = g.Graph(stack.resources, stack_config={})
    assert messages(graph, RULE) == []
    assert sorted(reasons(graph, RULE)) == [
        "dynamodb: its region is not known (set aws:region)",
        "s3: its region is not known (set aws:region)",
    ]


def test_a_region_set_from_another_resource_is_undecided() -> None:
    stack = compliant("preview")
    config = stack.add("aws:ssm/parameter:Parameter", "region", type="String", value="us-east-1")
    stack.set_from_output(stack.named("s3", g.ENDPOINT), "region", config)
    assert messages(stack, RULE) == []
    assert reasons(stack, RULE) == ["s3: its region comes from another resource and is not known yet"]
