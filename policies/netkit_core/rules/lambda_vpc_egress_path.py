"""`lambda-vpc-egress-path`: Every subnet of a VPC Lambda routes 0.0.0.0/0 to a NAT gateway that itself reaches an
internet gateway (or uses the Hyperplane-ENI EIP pattern); attaching a function to a VPC removes its internet
access.

Shapes: explicit route table associations, the VPC's main table (MainRouteTableAssociation, DefaultRouteTable,
routes on `vpc.main_route_table_id` / `vpc.default_route_table_id`), inline routes and aws.ec2.Route; zonal NAT
gateways (public, in a subnet routing to an internet gateway), private NAT gateways (no egress), regional NAT
gateways (need an internet gateway in the VPC), transit gateways (`allowTransitGateway`), and a firewall / Gateway
Load Balancer endpoint before the NAT (`allowInspectionHop`: then the hop's own subnet is followed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.egress import Egress, ipv4_egress, lambda_subnets, nat_problem
from netkit_core.graph import EGRESS_TAG, Graph, Res, Undecidable
from netkit_core.rule import Outcome, Rule


def _problem(graph: Graph, fn: Res, subnet: Res, way: Egress, config: Mapping[str, Any]) -> str | None:
    target = way.target
    via = f" (through {', '.join(h.name for h in way.hops)})" if way.hops else ""
    if target.kind == "nat" and target.res is not None:
        problem = nat_problem(graph, target.res)
        return f"subnet {subnet.name}{via}: {problem}; put the NAT in a public subnet" if problem else None
    if target.kind == "nat":
        raise Undecidable(f"subnet {subnet.name}{via} routes to NAT gateway {target.label}, not managed here", fn)
    if target.kind == "igw":
        if not way.hops and graph.hyperplane_covers(fn, subnet):
            return None
        return (
            f"subnet {subnet.name}{via} routes 0.0.0.0/0 straight to an internet gateway, but a Lambda ENI has "
            "no public IP, so egress silently fails. Route through a NAT gateway (NatEgress), or in dev use "
            "HyperplaneEipEgress.associate()"
        )
    if target.kind == "tgw":
        if bool(config.get("allowTransitGateway", True)):
            return None
        return f"subnet {subnet.name}{via} egresses through a transit gateway, which this environment does not allow"
    if target.kind == "hop":
        return (
            f"subnet {subnet.name} routes 0.0.0.0/0 to inspection endpoint {target.label}, and this environment "
            "does not allow an inspection hop (allowInspectionHop=false)"
        )
    return (
        f"subnet {subnet.name}{via} routes 0.0.0.0/0 to {target.label}, not a NAT gateway: the function cannot be "
        "shown to reach the internet"
    )


def lambda_vpc_egress_path(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    follow_hops = bool(config.get("allowInspectionHop", True))
    for fn, subnet in lambda_subnets(graph, out):

        def check(fn: Res = fn, subnet: Res = subnet) -> None:
            ways = ipv4_egress(graph, subnet, follow_hops)
            if not ways:
                table = graph.subnet_route_table(subnet)
                out.fail(
                    fn,
                    f"subnet {subnet.name} (route table {table.name}) has no 0.0.0.0/0 route: the function "
                    "cannot reach the internet. Add NatEgress (nat-single, nat-per-az or nat-regional), or "
                    f"tag the function {EGRESS_TAG}=none if it needs no internet",
                )
                return
            problems = {p for way in ways if (p := _problem(graph, fn, subnet, way, config))}
            for problem in sorted(problems):
                out.fail(fn, problem)

        out.attempt(check, fn)
    return out


RULE = Rule(
    name="lambda-vpc-egress-path",
    description=(
        "Every subnet of a VPC Lambda routes 0.0.0.0/0 to a NAT gateway that itself reaches an internet "
        "gateway (or uses the Hyperplane-ENI EIP pattern); attaching a function to a VPC removes its internet"
        " access."
    ),
    enforcement="mandatory",
    severity="high",
    remediation=(
        "Use NatEgress (nat-single/nat-per-az/nat-regional) with a zonal NAT in a public subnet; in dev "
        "HyperplaneEipEgress; tag the function netkit:egress=none if it needs no internet."
    ),
    config_schema={
        "allowTransitGateway": {"type": "boolean", "default": True},
        "allowInspectionHop": {"type": "boolean", "default": True},
    },
    stack_check=lambda_vpc_egress_path,
)
