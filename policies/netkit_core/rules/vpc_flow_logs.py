"""`vpc-flow-logs`: VPCs hosting Lambdas have flow logs (to spot unexpected outbound connections such as SSRF)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    FLOW_LOG,
    Graph,
)
from netkit_core.rule import Outcome, Rule


def vpc_flow_logs(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()

    def check() -> None:
        for vpc, _subnets, _fns in graph.vpcs_hosting_lambdas().values():
            if not any(graph.in_vpc(f, vpc) for f in graph.of_type(FLOW_LOG)):
                out.fail(
                    vpc,
                    f"VPC {vpc.name} hosts Lambdas but has no flow logs: unexpected outbound connections "
                    "(an SSRF being exploited) go unseen. LambdaNetwork enables them by default",
                )

    out.attempt(check)
    return out


RULE = Rule(
    name="vpc-flow-logs",
    description=("VPCs hosting Lambdas have flow logs (to spot unexpected outbound connections such as SSRF)."),
    enforcement="advisory",
    severity="low",
    remediation="LambdaNetworkArgs(flow_logs=True), the default.",
    config_schema={},
    stack_check=vpc_flow_logs,
)
