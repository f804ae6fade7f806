"""`vpc-endpoint-policy`: VPC endpoints (gateway and interface) left with the default full-access policy. An
omitted policy is AWS's default, which "allows full access to the service" (AWS PrivateLink guide, "Control
access to VPC endpoints using endpoint policies"); an explicit Allow * on * to * is the same. A VpcEndpointPolicy
resource counts. Gateway Load Balancer endpoints take no policy. Advisory: a tight policy (e.g. only the
account's buckets) stops data leaving through the endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.endpoints import (
    allows_full_access,
    endpoint_type,
    is_endpoint_service,
    policy_document,
    service_of,
)
from netkit_core.graph import ENDPOINT, Graph, Res, blank
from netkit_core.hints import netkit_hint
from netkit_core.rule import Outcome, Rule


def vpc_endpoint_policy(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    for endpoint in graph.of_type(ENDPOINT):

        def check(endpoint: Res = endpoint) -> None:
            if endpoint_type(endpoint) not in ("Gateway", "Interface") or is_endpoint_service(endpoint):
                return
            document = policy_document(graph, endpoint)
            if allows_full_access(endpoint, document, service_of(graph, endpoint)):
                how = "has no policy, so AWS's default" if blank(document) else "has a policy that"
                out.fail(
                    endpoint,
                    f"VPC endpoint {endpoint.name} {how} allows full access to the service for any principal "
                    f"and resource: give aws.ec2.VpcEndpoint {endpoint.name} a policy (or an "
                    "aws.ec2.VpcEndpointPolicy) scoped to this account's resources"
                    + netkit_hint(graph, "VpcEndpoints sets one"),
                )

        out.attempt(check, endpoint)
    return out


RULE = Rule(
    name="vpc-endpoint-policy",
    description="VPC endpoints left with the default full-access policy.",
    enforcement="advisory",
    severity="low",
    remediation="Give each gateway/interface aws.ec2.VpcEndpoint a policy scoped to the resources it serves.",
    config_schema={},
    stack_check=vpc_endpoint_policy,
    judges=(hidden.ENDPOINT,),
)
