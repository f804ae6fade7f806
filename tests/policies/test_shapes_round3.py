"""Issue 17 item 2: shapes the SDK allows, each read in a first preview and in an update, at the graph level.

- `aws.ec2.Route(gateway_id=nat.id)`: AWS accepts a NAT gateway id in GatewayId; the route's property dependency
  names the NAT (preview), its id is the NAT's (update).
- a function with a single subnet runs in one AZ even when the subnet's AZ is not known (tests in
  test_lambda_multi_az.py).
- `RestApi.endpoint_configuration.types` as a string (pulumi-aws 7) or a list; private APIs with vpc_endpoint_ids.
- regions of an execute-api endpoint and of an API compared (explicit providers, per-resource `region`).
- `s3:*` (the endpoint's own service) on `*` to `*` is full access, like `*`.
- policy documents as the provider stores them (a JSON string) or as an object.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from netkit_core import graph as g
from netkit_core.egress import nat_egress

from tests.policies.stack_builder import (
    MODES,
    Mode,
    Stack,
    add_execute_api_endpoint,
    compliant,
    messages,
    reasons,
    ref,
    scoped_policy,
)


# --- gateway_id = a NAT gateway -----------------------------------------------------------------------------------
def nat_through_gateway_id(mode: Mode, inline: bool = False) -> Stack:
    """The compliant stack with each Lambda route table's default route written `gateway_id=nat.id`."""
    s = compliant(mode)
    for i in (0, 1):
        route = s.named(f"default-{i}", g.ROUTE)
        s.remove(route.name)
        table, nat = s.named(f"lambda-{i}", g.ROUTE_TABLE), s.named(f"nat-{i}", g.NAT)
        if inline:
            routes = [{"cidrBlock": "0.0.0.0/0", "gatewayId": nat.id}]
            table.props["routes"] = routes
            assert table.inputs is not None
            table.inputs["routes"] = routes
            if mode == "preview":
                table.property_dependencies["routes"] = [nat.urn]
        else:
            s.add(
                g.ROUTE, f"default-{i}", routeTableId=ref(table), destinationCidrBlock="0.0.0.0/0", gatewayId=ref(nat)
            )
    return s


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("inline", [False, True])
def test_a_route_to_a_nat_through_gateway_id_is_a_route_to_the_nat(mode: Mode, inline: bool) -> None:
    stack = nat_through_gateway_id(mode, inline)
    graph = stack.graph()
    for i in (0, 1):
        subnet = stack.named(f"lambda-{i}", g.SUBNET)
        assert list(nat_egress(graph, subnet)) == [stack.named(f"nat-{i}", g.NAT)]
    for rule in ("lambda-vpc-egress-path", "nat-gateway-per-az", "egress-ips-pinned"):
        assert (messages(stack, rule), reasons(stack, rule)) == ([], []), rule


def test_a_gateway_id_naming_an_unmanaged_nat_is_a_nat_not_managed_here() -> None:
    stack = compliant("update")
    route = stack.named("default-0", g.ROUTE)
    for view in (route.props, route.inputs or {}):
        view.pop("natGatewayId")
        view["gatewayId"] = "nat-0123456789abcdef0"
    route.property_dependencies.pop("natGatewayId", None)
    assert messages(stack, "lambda-vpc-egress-path") == []
    assert reasons(stack, "lambda-vpc-egress-path") == [
        "subnet lambda-0 routes to NAT gateway nat-0123456789abcdef0, not managed here"
    ]


# --- API Gateway endpoint types -----------------------------------------------------------------------------------
def with_execute_api(mode: Mode, api_config: dict[str, Any] | None, api_region: str = "") -> Stack:
    """The compliant stack plus an execute-api endpoint with private DNS in the Lambda VPC and a REST API."""
    s = compliant(mode)
    endpoint = add_execute_api_endpoint(s, policy=scoped_policy("execute-api"))
    config = dict(api_config or {})
    if "vpcEndpointIds" in config:
        config["vpcEndpointIds"] = [ref(endpoint)]
    s.add(g.REST_API, "api", endpointConfiguration=config or None, region=api_region or None)
    return s


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "config",
    [
        {"types": "PRIVATE"},  # pulumi-aws 7: a string
        {"types": ["PRIVATE"]},  # older SDKs and the API: a list
        {"types": "PRIVATE", "vpcEndpointIds": []},  # a private API bound to the endpoint (unknown in preview)
        {"types": ["PRIVATE"], "vpcEndpointIds": []},
    ],
)
def test_a_private_rest_api_is_not_public_in_either_form(mode: Mode, config: dict[str, Any]) -> None:
    stack = with_execute_api(mode, config)
    for rule in ("execute-api-private-dns", "interface-endpoint-private-dns"):
        assert (messages(stack, rule), reasons(stack, rule)) == ([], []), rule


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("config", [{"types": "REGIONAL"}, {"types": ["EDGE"]}, None])
def test_a_public_rest_api_is_public_in_either_form(mode: Mode, config: dict[str, Any] | None) -> None:
    assert len(messages(with_execute_api(mode, config), "execute-api-private-dns")) == 1


# --- regions --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_a_public_api_in_another_region_by_its_own_region_is_not_intercepted(mode: Mode) -> None:
    """pulumi-aws 7's per-resource `region`: the API is in eu-west-1, the endpoint in us-east-1."""
    stack = with_execute_api(mode, {"types": "REGIONAL"}, api_region="eu-west-1")
    assert (messages(stack, "execute-api-private-dns"), reasons(stack, "execute-api-private-dns")) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_a_public_api_in_another_region_by_an_explicit_provider_is_not_intercepted(mode: Mode) -> None:
    stack = with_execute_api(mode, {"types": "REGIONAL"})
    stack.named("api").provider = {"region": "eu-west-1"}
    assert messages(stack, "execute-api-private-dns") == []
    stack.named("api").provider = {"region": "us-east-1"}
    assert len(messages(stack, "execute-api-private-dns")) == 1


@pytest.mark.parametrize("mode", MODES)
def test_an_endpoint_in_another_region_does_not_intercept_the_stack_api(mode: Mode) -> None:
    stack = with_execute_api(mode, {"types": "REGIONAL"})
    endpoint = stack.named("execute-api", g.ENDPOINT)
    endpoint.provider = {"region": "eu-west-1"}
    for view in (endpoint.props, endpoint.inputs or {}):
        view["serviceName"] = "com.amazonaws.eu-west-1.execute-api"
    assert messages(stack, "execute-api-private-dns") == []


# --- endpoint policies ----------------------------------------------------------------------------------------------
def with_sqs_policy(mode: Mode, document: Any, as_object: bool = False) -> Stack:
    stack = compliant(mode)
    endpoint = stack.named("sqs", g.ENDPOINT)
    value = document if as_object else json.dumps(document)
    for view in (endpoint.props, endpoint.inputs or {}):
        view["policy"] = value
    return stack


SERVICE_WILDCARD = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]}
ANY_AWS = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["SQS:*"], "Resource": ["*"]}]}
OTHER_SERVICE = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
SCOPED = json.loads(scoped_policy("sqs"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("as_object", [False, True])
@pytest.mark.parametrize("document", [SERVICE_WILDCARD, ANY_AWS], ids=["sqs-star", "any-aws-principal"])
def test_the_service_wildcard_to_anyone_on_anything_is_full_access(mode: Mode, as_object: bool, document: Any) -> None:
    found = messages(with_sqs_policy(mode, document, as_object), "vpc-endpoint-policy")
    assert len(found) == 1 and "has a policy that allows full access" in found[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("as_object", [False, True])
@pytest.mark.parametrize("document", [SCOPED, OTHER_SERVICE], ids=["scoped", "another-service"])
def test_a_scoped_policy_passes_as_a_string_or_an_object(mode: Mode, as_object: bool, document: Any) -> None:
    stack = with_sqs_policy(mode, document, as_object)
    assert (messages(stack, "vpc-endpoint-policy"), reasons(stack, "vpc-endpoint-policy")) == ([], [])


def test_the_s3_wildcard_on_an_s3_gateway_endpoint_is_full_access() -> None:
    """The example from the issue: an endpoint policy granting s3:* on * to *."""
    stack = compliant("update")
    s3 = stack.named("s3", g.ENDPOINT)
    s3.props["policy"] = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
        }
    )
    found = messages(stack, "vpc-endpoint-policy")
    assert len(found) == 1 and "VPC endpoint s3 has a policy that allows full access" in found[0]
