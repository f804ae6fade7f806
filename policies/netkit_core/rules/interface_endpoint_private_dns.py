"""`interface-endpoint-private-dns`: Interface endpoints have private DNS on, in a VPC with DNS support and DNS
hostnames on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    ENDPOINT,
    VPC,
    Graph,
    Res,
    Undecidable,
    is_unknown,
)
from netkit_core.rule import Outcome, Rule


def interface_endpoint_private_dns(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    for endpoint in graph.of_type(ENDPOINT):
        if endpoint.get("vpcEndpointType") != "Interface":
            continue

        def check(endpoint: Res = endpoint) -> None:
            dns = endpoint.get("privateDnsEnabled")
            if is_unknown(dns):
                raise Undecidable(f"{endpoint.name}: private_dns_enabled is unknown")
            if dns is not True:
                out.fail(
                    endpoint,
                    f"interface endpoint {endpoint.name} has private DNS off: SDK calls to the "
                    "service's normal name bypass it and fail without internet. Set "
                    "private_dns_enabled=True",
                )
            vpc = graph.ref_one(endpoint, "vpcId", VPC, what="VPC")
            support, hostnames = vpc.get("enableDnsSupport", True), vpc.get("enableDnsHostnames", False)
            if is_unknown(support) or is_unknown(hostnames):
                raise Undecidable(f"{vpc.name}: its DNS settings are unknown")
            if support is False or hostnames is not True:
                out.fail(
                    endpoint,
                    f"VPC {vpc.name} of interface endpoint {endpoint.name} has "
                    f"enable_dns_support={support} and enable_dns_hostnames={hostnames}: private DNS "
                    "needs both on (the DNS trap). LambdaNetwork turns both on",
                )

        out.attempt(check, endpoint)
    return out


RULE = Rule(
    name="interface-endpoint-private-dns",
    description="Interface endpoints have private DNS on, in a VPC with DNS support and DNS hostnames on.",
    enforcement="mandatory",
    severity="high",
    remediation="private_dns_enabled=True; enable_dns_support and enable_dns_hostnames on the VPC.",
    config_schema={},
    stack_check=interface_endpoint_private_dns,
)
