"""`lambda-vpc-egress-path`: Every subnet of a VPC Lambda routes 0.0.0.0/0 to a NAT gateway that itself reaches an
internet gateway (or uses the Hyperplane-ENI EIP pattern); attaching a function to a VPC removes its internet
access."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    EGRESS_TAG,
    SUBNET,
    Graph,
    Res,
)
from netkit_core.rule import Outcome, Rule, exempt_from_egress


def _nat_reaches_internet(graph: Graph, nat: Res) -> str | None:
    """None when the NAT gateway works; else why not."""
    if nat.get("connectivityType") == "private":
        return f"NAT gateway {nat.name} is private (connectivity_type=private) and cannot reach the internet"
    subnet = graph.ref_one(nat, "subnetId", SUBNET, what="subnet")
    table = graph.subnet_route_table(subnet)
    kinds = [kind for kind, _ in graph.default_route_targets(table)]
    if "igw" not in kinds:
        return (
            f"NAT gateway {nat.name} sits in subnet {subnet.name}, whose route table {table.name} has no "
            "0.0.0.0/0 route to an internet gateway"
        )
    return None


def lambda_vpc_egress_path(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    allow_tgw = bool(config.get("allowTransitGateway", True))
    for fn in graph.vpc_functions():
        if exempt_from_egress(fn):
            continue

        def check(fn: Res = fn) -> None:
            for subnet in graph.function_subnets(fn):
                table = graph.subnet_route_table(subnet)
                targets = graph.default_route_targets(table)
                if not targets:
                    out.fail(
                        fn,
                        f"subnet {subnet.name} (route table {table.name}) has no 0.0.0.0/0 route: the "
                        "function cannot reach the internet. Add NatEgress (nat-single or nat-per-az), or "
                        f"tag the function {EGRESS_TAG}=none if it needs no internet",
                    )
                    continue
                for kind, target in targets:
                    if kind == "nat" and isinstance(target, Res):
                        problem = _nat_reaches_internet(graph, target)
                        if problem:
                            out.fail(fn, f"subnet {subnet.name}: {problem}; put the NAT in a public subnet")
                    elif kind == "igw" and not graph.hyperplane_covers(fn, subnet):
                        out.fail(
                            fn,
                            f"subnet {subnet.name} routes 0.0.0.0/0 straight to an internet gateway, but a "
                            "Lambda ENI has no public IP, so egress silently fails. Route through a NAT "
                            "gateway (NatEgress), or in dev use HyperplaneEipEgress.associate()",
                        )
                    elif kind == "tgw" and not allow_tgw:
                        out.fail(
                            fn,
                            f"subnet {subnet.name} egresses through a transit gateway, which this "
                            "environment does not allow",
                        )
                    elif kind == "other":
                        out.fail(
                            fn,
                            f"subnet {subnet.name} routes 0.0.0.0/0 to {target}, not a NAT gateway: the "
                            "policy cannot verify it reaches the internet",
                        )

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
        "Use NatEgress (nat-single/nat-per-az) with the NAT in a public subnet; in dev HyperplaneEipEgress; "
        "tag the function netkit:egress=none if it needs no internet."
    ),
    config_schema={"allowTransitGateway": {"type": "boolean", "default": True}},
    stack_check=lambda_vpc_egress_path,
)
