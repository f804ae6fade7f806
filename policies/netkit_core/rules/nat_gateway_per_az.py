"""`nat-gateway-per-az`: Each AZ with Lambda subnets egresses through a NAT gateway in the same AZ (a zonal NAT in a
subnet of that AZ, or a regional NAT gateway serving it: in manual mode the AZs it lists, in automatic mode all).
Zones named by name on one side and by id on the other cannot be compared offline: undecided, never a false
"different AZ"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.egress import distinct_lambda_subnets, is_regional, nat_egress, nat_serves, nat_zones
from netkit_core.graph import Graph, Res
from netkit_core.rule import Outcome, Rule


def nat_gateway_per_az(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    for subnet in distinct_lambda_subnets(graph, out):

        def check(subnet: Res = subnet) -> None:
            zone = graph.subnet_zone(subnet)
            for nat in nat_egress(graph, subnet, bool(config.get("allowInspectionHop", True))):
                if nat_serves(graph, nat, zone):
                    continue
                if is_regional(nat):
                    out.fail(
                        subnet,
                        f"Lambda subnet {subnet.name} in {zone} egresses through regional NAT gateway "
                        f"{nat.name}, whose availability_zone_addresses do not list {zone}: add that AZ",
                    )
                    continue
                nat_zone = ", ".join(str(z) for z in nat_zones(graph, nat) or [])
                out.fail(
                    subnet,
                    f"Lambda subnet {subnet.name} in {zone} egresses through NAT gateway {nat.name} in "
                    f"{nat_zone}: an outage of {nat_zone} cuts its egress and traffic pays cross-AZ charges. "
                    "Use the nat-per-az or nat-regional strategy",
                )

        out.attempt(check, subnet)
    return out


RULE = Rule(
    name="nat-gateway-per-az",
    description=(
        "Each AZ with Lambda subnets egresses through a NAT gateway in the same AZ (a zonal NAT there, or a "
        "regional NAT gateway serving that AZ)."
    ),
    enforcement="advisory",
    severity="medium",
    remediation="Use the nat-per-az or nat-regional egress strategy.",
    config_schema={"allowInspectionHop": {"type": "boolean", "default": True}},
    stack_check=nat_gateway_per_az,
)
