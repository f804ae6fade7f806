"""execute-api-private-dns: an execute-api endpoint with private DNS in a Lambda VPC plus a public API (REST
EDGE/REGIONAL, omitted = EDGE; any HTTP API) is flagged; a private REST API or private DNS off is fine; and
interface-endpoint-private-dns never asks for the opposite."""

import pytest
from netkit_core import graph as g

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

RULE = "execute-api-private-dns"


def with_execute_api(mode: Mode, private_dns: bool | None, api: str) -> Stack:
    stack = compliant(mode)
    add_execute_api_endpoint(
        stack,
        private_dns,
        subnetIds=[ref(stack.named("lambda-0", g.SUBNET))],
        policy=scoped_policy("execute-api"),
    )
    if api == "http":
        stack.add(g.HTTP_API, "api", protocolType="HTTP")
    elif api == "rest-omitted":
        stack.add(g.REST_API, "api")
    elif api in ("REGIONAL", "PRIVATE"):
        stack.add(g.REST_API, "api", endpointConfiguration={"types": [api]})
    return stack


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("api", ["http", "rest-omitted", "REGIONAL"])
def test_private_dns_with_a_public_api_is_flagged(mode: Mode, api: str) -> None:
    stack = with_execute_api(mode, True, api)
    assert messages(stack, RULE) == [
        "execute-api endpoint execute-api has private DNS on in VPC vpc, which hosts Lambdas, and the stack has "
        "public API api: calls to it from those Lambdas resolve to the endpoint and get 403. Set "
        "private_dns_enabled=False on aws.ec2.VpcEndpoint execute-api and call private APIs by their vpce hostname, "
        "or make the API private (endpoint_configuration types PRIVATE)"
    ]
    assert reasons(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("private_dns", "api"), [(True, "PRIVATE"), (True, "none"), (None, "http"), (False, "http")])
def test_private_api_or_private_dns_off_passes(mode: Mode, private_dns: bool | None, api: str) -> None:
    stack = with_execute_api(mode, private_dns, api)
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])
    # private DNS off beside a public API is what this rule asks for: the other rule does not fail it
    assert messages(stack, "interface-endpoint-private-dns") == []
