"""`interface-endpoint-private-dns`: Interface endpoints have private DNS on, in a VPC with DNS support and DNS
hostnames on. Omitted settings take AWS's defaults (pulumi-aws 7 SDK docs for ec2/vpc.py and ec2/vpc_endpoint.py;
Amazon VPC user guide, "DNS attributes for your VPC"): `enable_dns_support` true, `enable_dns_hostnames` false for
a VPC you create, `private_dns_enabled` false; an aws.vpc.EndpointPrivateDns resource sets private DNS too. An
execute-api endpoint in a stack with a public API may keep private DNS off (see execute-api-private-dns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.endpoints import endpoint_type, is_endpoint_service, private_dns, public_apis, service_of
from netkit_core.graph import ENDPOINT, VPC, Graph, Res
from netkit_core.hints import netkit_hint
from netkit_core.rule import Outcome, Rule


def _execute_api_beside_public_api(graph: Graph, endpoint: Res) -> bool:
    """An execute-api endpoint in a stack with a public API must keep private DNS off (execute-api-private-dns),
    so the two rules never ask for opposite things."""
    return service_of(graph, endpoint) == "execute-api" and bool(public_apis(graph, graph.region_of(endpoint)))


def interface_endpoint_private_dns(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    for endpoint in graph.of_type(ENDPOINT):

        def check(endpoint: Res = endpoint) -> None:
            if endpoint_type(endpoint) != "Interface" or is_endpoint_service(endpoint):
                return
            if not private_dns(graph, endpoint) and not _execute_api_beside_public_api(graph, endpoint):
                out.fail(
                    endpoint,
                    f"interface endpoint {endpoint.name} has private DNS off: SDK calls to the service's "
                    "normal name bypass it (and fail without internet). Set private_dns_enabled=True on "
                    f"aws.ec2.VpcEndpoint {endpoint.name}",
                )
            vpc = graph.ref_one(endpoint, "vpcId", VPC, what="VPC")
            support = vpc.setting("enableDnsSupport", True, "enable_dns_support")
            hostnames = vpc.setting("enableDnsHostnames", False, "enable_dns_hostnames")
            if support is not True or hostnames is not True:
                off = [
                    n
                    for n, v in (("enable_dns_support", support), ("enable_dns_hostnames", hostnames))
                    if v is not True
                ]
                out.fail(
                    endpoint,
                    f"VPC {vpc.name} of interface endpoint {endpoint.name} has {' and '.join(off)} off: private "
                    f"DNS needs both on (the DNS trap). Set {' and '.join(off)}=True on aws.ec2.Vpc {vpc.name}"
                    + netkit_hint(graph, "LambdaNetwork turns both on"),
                )

        out.attempt(check, endpoint)
    return out


RULE = Rule(
    name="interface-endpoint-private-dns",
    description="Interface endpoints have private DNS on, in a VPC with DNS support and DNS hostnames on.",
    enforcement="mandatory",
    severity="high",
    remediation=(
        "Set private_dns_enabled=True on the aws.ec2.VpcEndpoint, and enable_dns_support and enable_dns_hostnames "
        "on its aws.ec2.Vpc."
    ),
    config_schema={},
    stack_check=interface_endpoint_private_dns,
    judges=(hidden.ENDPOINT,),
)
