"""`lambda-vpc-egress-path`: Every subnet of a VPC Lambda routes 0.0.0.0/0 to a NAT gateway that itself reaches an
internet gateway (or uses the Hyperplane-ENI EIP pattern); attaching a function to a VPC removes its internet
access.

Shapes: explicit route table associations, the VPC's main table (MainRouteTableAssociation, DefaultRouteTable,
routes on `vpc.main_route_table_id` / `vpc.default_route_table_id`), inline routes and aws.ec2.Route, with the NAT
named in `nat_gateway_id` or in `gateway_id` (AWS accepts a NAT gateway id there); zonal NAT gateways (public, in a
subnet routing to an internet gateway), private NAT gateways (no egress), regional NAT gateways (need an internet
gateway in the VPC), transit gateways (`allowTransitGateway`), and a firewall / Gateway Load Balancer endpoint
before the NAT (`allowInspectionHop`: then the hop's own subnet is followed).

One finding per function and cause, listing the subnets that have it (a function in three subnets without a
default route is one finding, not three)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.egress import Egress, ipv4_egress, lambda_subnets, nat_problem
from netkit_core.graph import EGRESS_TAG, Graph, Res, Undecidable
from netkit_core.hints import names, netkit_hint
from netkit_core.rule import Outcome, Rule

NAT_FIX = "an aws.ec2.NatGateway in a public subnet (nat_gateway_id)"


def _cause(graph: Graph, fn: Res, subnet: Res, way: Egress, config: Mapping[str, Any]) -> str | None:
    """The cause of one way out that does not reach the internet, without the subnet (the message lists the
    subnets sharing it), or None when it does."""
    target = way.target
    if target.kind == "nat" and target.res is not None:
        problem = nat_problem(graph, target.res)
        return (
            f"egress through a NAT gateway that cannot reach the internet: {problem[0]}; {problem[1]}"
            if problem
            else None
        )
    if target.kind == "nat":
        raise Undecidable(f"subnet {subnet.name} routes to NAT gateway {target.label}, not managed here", fn)
    if target.kind == "igw":
        if not way.hops and graph.hyperplane_covers(fn, subnet):
            return None
        return (
            "route 0.0.0.0/0 straight to an internet gateway, but a Lambda ENI has no public IP, so egress "
            f"silently fails. Point the route at {NAT_FIX}"
            + netkit_hint(graph, "NatEgress; in dev HyperplaneEipEgress.associate()")
        )
    if target.kind == "tgw":
        if bool(config.get("allowTransitGateway", True)):
            return None
        return "egress through a transit gateway, which this environment does not allow (allowTransitGateway)"
    if target.kind == "hop":
        return (
            f"route 0.0.0.0/0 to inspection endpoint {target.label}, and this environment does not allow an "
            "inspection hop (allowInspectionHop=false)"
        )
    return f"route 0.0.0.0/0 to {target.label}, not a NAT gateway: the function cannot be shown to reach the internet"


def lambda_vpc_egress_path(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    follow_hops = bool(config.get("allowInspectionHop", True))
    # function URN -> cause -> subnet labels
    causes: dict[str, tuple[Res, dict[str, list[str]]]] = {}
    for fn, subnet in lambda_subnets(graph, out):

        def check(fn: Res = fn, subnet: Res = subnet) -> None:
            found = causes.setdefault(fn.urn, (fn, {}))[1]
            ways = ipv4_egress(graph, subnet, follow_hops)
            if not ways:
                table = graph.subnet_route_table(subnet)
                found.setdefault("", []).append(f"{subnet.name} (route table {table.name})")
                return
            for way in ways:
                cause = _cause(graph, fn, subnet, way, config)
                if cause:
                    via = f" (through {', '.join(h.name for h in way.hops)})" if way.hops else ""
                    label = f"{subnet.name}{via}"
                    if label not in found.setdefault(cause, []):
                        found[cause].append(label)

        out.attempt(check, fn)
    for fn, found in causes.values():
        # Sorted: the engine hands property dependencies (how a preview links a function to its subnets) in no
        # particular order (pkg/resource/deploy/source_eval.go: a set's ToSlice), and a message must not change
        # from one run to the next (found by the engine oracle, tests/test_engine_oracle.py).
        for cause, subnets in sorted((cause, sorted(subnets)) for cause, subnets in found.items()):
            if cause == "":
                out.fail(
                    fn,
                    f"function {fn.name} cannot reach the internet: its subnet(s) {', '.join(subnets)} have no "
                    f"0.0.0.0/0 route. Add an aws.ec2.Route (destination_cidr_block 0.0.0.0/0) to {NAT_FIX}, or "
                    f"tag the function {EGRESS_TAG}=none if it needs no internet"
                    + netkit_hint(graph, "NatEgress with nat-single, nat-per-az or nat-regional"),
                )
            else:
                out.fail(fn, f"function {fn.name}: its subnet(s) {names(subnets)} {cause}")
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
        "Give each Lambda subnet's route table an aws.ec2.Route 0.0.0.0/0 to a public aws.ec2.NatGateway (in a "
        "subnet whose route table sends 0.0.0.0/0 to an internet gateway); tag the function netkit:egress=none "
        "if it needs no internet."
    ),
    config_schema={
        "allowTransitGateway": {"type": "boolean", "default": True},
        "allowInspectionHop": {"type": "boolean", "default": True},
    },
    stack_check=lambda_vpc_egress_path,
    judges=(hidden.FUNCTION,),
)
