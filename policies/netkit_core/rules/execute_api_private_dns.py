"""`execute-api-private-dns`: an `execute-api` interface endpoint with private DNS on, in a VPC hosting Lambdas,
while the stack also has a public API Gateway API: private DNS sends every `*.execute-api.<region>.amazonaws.com`
name from inside the VPC to the endpoint, which serves only private APIs, so the functions' calls to the public API
fail with 403 (API Gateway developer guide, "Private REST APIs": "When you select the Enable Private DNS Name
option ... the VPC ... won't be able to access public (edge-optimized and Regional) APIs"). Advisory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.endpoints import endpoint_type, private_dns, public_apis, service_of
from netkit_core.graph import ENDPOINT, VPC, Graph, Res
from netkit_core.rule import Outcome, Rule


def execute_api_private_dns(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    hosting, problems = graph.vpcs_hosting_lambdas()
    for problem in problems:
        out.undecide(problem.res, str(problem))
    for endpoint in graph.of_type(ENDPOINT):

        def check(endpoint: Res = endpoint) -> None:
            if endpoint_type(endpoint) != "Interface" or service_of(graph, endpoint) != "execute-api":
                return
            vpc = graph.ref_one(endpoint, "vpcId", VPC, what="VPC")
            if vpc.urn not in hosting or not private_dns(graph, endpoint):
                return
            apis = public_apis(graph, graph.region_of(endpoint))
            if apis:
                out.fail(
                    endpoint,
                    f"execute-api endpoint {endpoint.name} has private DNS on in VPC {vpc.name}, which hosts "
                    f"Lambdas, and the stack has public API {', '.join(sorted(a.name for a in apis))}: calls to "
                    "it from those Lambdas resolve to the endpoint and get 403. Set private_dns_enabled=False on "
                    f"aws.ec2.VpcEndpoint {endpoint.name} and call private APIs by their vpce hostname, or make the "
                    "API private (endpoint_configuration types PRIVATE)",
                )

        out.attempt(check, endpoint)
    return out


RULE = Rule(
    name="execute-api-private-dns",
    description=(
        "An execute-api interface endpoint with private DNS in a VPC hosting Lambdas, while the stack has a "
        "public API Gateway: calls from those Lambdas to the public API get 403."
    ),
    enforcement="advisory",
    severity="medium",
    remediation=(
        "Set private_dns_enabled=False on the execute-api aws.ec2.VpcEndpoint (call private APIs by the vpce hostname)."
    ),
    config_schema={},
    stack_check=execute_api_private_dns,
    judges=(
        hidden.ENDPOINT,
        hidden.API,
    ),
)
