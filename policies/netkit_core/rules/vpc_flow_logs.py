"""`vpc-flow-logs`: VPCs hosting Lambdas have flow logs (to spot unexpected outbound connections such as SSRF): an
aws.ec2.FlowLog on the VPC, or one on every Lambda subnet of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.graph import FLOW_LOG, SUBNET, Graph
from netkit_core.hints import netkit_hint
from netkit_core.rule import Outcome, Rule

_TARGETS = ("vpcId", "subnetId", "eniId", "transitGatewayId", "transitGatewayAttachmentId")


def vpc_flow_logs(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    hosting, problems = graph.vpcs_hosting_lambdas()
    for problem in problems:
        out.undecide(problem.res, str(problem))
    logs = graph.of_type(FLOW_LOG)
    # A flow log whose target is not known yet (a lookup or config) may be on any VPC or subnet.
    unknown_target = [f for f in logs if any(graph.from_outside(f, key) for key in _TARGETS)]
    for vpc, subnets, _fns in hosting.values():
        if any(graph.in_vpc(f, vpc) for f in logs):
            continue
        logged = {s.urn for f in logs for s in graph.refs(f, "subnetId", f.get("subnetId"), SUBNET)}
        if all(s.urn in logged for s in subnets):
            continue
        if unknown_target:
            names = ", ".join(sorted(f.name for f in unknown_target))
            out.undecide(vpc, f"VPC {vpc.name}: flow log {names} targets a VPC, subnet or interface not known yet")
            continue
        out.fail(
            vpc,
            f"VPC {vpc.name} hosts Lambdas but has no flow logs: unexpected outbound connections "
            f"(an SSRF being exploited) go unseen. Add an aws.ec2.FlowLog with vpc_id of {vpc.name}"
            + netkit_hint(graph, "LambdaNetwork enables them by default"),
        )
    return out


RULE = Rule(
    name="vpc-flow-logs",
    description="VPCs hosting Lambdas have flow logs (to spot unexpected outbound connections such as SSRF).",
    enforcement="advisory",
    severity="low",
    remediation="Add an aws.ec2.FlowLog (vpc_id, traffic_type ALL) to every VPC that hosts Lambdas.",
    config_schema={},
    stack_check=vpc_flow_logs,
    judges=(hidden.FUNCTION,),
)
