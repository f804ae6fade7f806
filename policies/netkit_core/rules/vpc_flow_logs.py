"""`vpc-flow-logs`: VPCs hosting Lambdas have flow logs (to spot unexpected outbound connections such as SSRF): an
aws.ec2.FlowLog on the VPC, or one on every Lambda subnet of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import FLOW_LOG, SUBNET, Graph
from netkit_core.rule import Outcome, Rule


def vpc_flow_logs(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    hosting, problems = graph.vpcs_hosting_lambdas()
    for problem in problems:
        out.undecide(problem.res, str(problem))
    logs = graph.of_type(FLOW_LOG)
    for vpc, subnets, _fns in hosting.values():
        if any(graph.in_vpc(f, vpc) for f in logs):
            continue
        logged = {s.urn for f in logs for s in graph.refs(f, "subnetId", f.get("subnetId"), SUBNET)}
        if all(s.urn in logged for s in subnets):
            continue
        out.fail(
            vpc,
            f"VPC {vpc.name} hosts Lambdas but has no flow logs: unexpected outbound connections "
            "(an SSRF being exploited) go unseen. LambdaNetwork enables them by default",
        )
    return out


RULE = Rule(
    name="vpc-flow-logs",
    description="VPCs hosting Lambdas have flow logs (to spot unexpected outbound connections such as SSRF).",
    enforcement="advisory",
    severity="low",
    remediation="LambdaNetworkArgs(flow_logs=True), the default.",
    config_schema={},
    stack_check=vpc_flow_logs,
)
