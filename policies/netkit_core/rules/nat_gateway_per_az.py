"""`nat-gateway-per-az`: Each AZ with Lambda subnets egresses through a NAT gateway in the same AZ."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    SUBNET,
    Graph,
    Res,
)
from netkit_core.rule import Outcome, Rule, exempt_from_egress


def nat_gateway_per_az(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    seen: set[str] = set()
    for fn in graph.vpc_functions():
        if exempt_from_egress(fn):
            continue

        def check(fn: Res = fn) -> None:
            for subnet in graph.function_subnets(fn):
                if subnet.urn in seen:
                    continue
                seen.add(subnet.urn)
                zone = graph.subnet_az(subnet)
                for kind, nat in graph.default_route_targets(graph.subnet_route_table(subnet)):
                    if kind != "nat" or not isinstance(nat, Res):
                        continue
                    nat_zone = graph.subnet_az(graph.ref_one(nat, "subnetId", SUBNET, what="subnet"))
                    if nat_zone != zone:
                        out.fail(
                            subnet,
                            f"Lambda subnet {subnet.name} in {zone} egresses through NAT gateway "
                            f"{nat.name} in {nat_zone}: an outage of {nat_zone} cuts its egress and "
                            "traffic pays cross-AZ charges. Use the nat-per-az strategy",
                        )

        out.attempt(check, fn)
    return out


RULE = Rule(
    name="nat-gateway-per-az",
    description="Each AZ with Lambda subnets egresses through a NAT gateway in the same AZ.",
    enforcement="advisory",
    severity="medium",
    remediation="Use the nat-per-az egress strategy.",
    config_schema={},
    stack_check=nat_gateway_per_az,
)
