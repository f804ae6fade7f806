"""`nat-gateway-per-az`: Each AZ with Lambda subnets egresses through a NAT gateway in the same AZ (a zonal NAT in a
subnet of that AZ, or a regional NAT gateway serving it: in manual mode the AZs it lists, in automatic mode all).
Zones named by name on one side and by id on the other cannot be compared without the account's mapping:
undecided (naming the fixture that supplies it), never a false "different AZ". One finding per NAT gateway,
listing the Lambda subnets (and their AZs) that cross to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.egress import distinct_lambda_subnets, is_regional, nat_egress, nat_serves, nat_zones
from netkit_core.graph import Graph, Res, Zone
from netkit_core.hints import names, netkit_hint
from netkit_core.rule import Outcome, Rule


def nat_gateway_per_az(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    crossing: dict[str, tuple[Res, list[tuple[Res, Zone]]]] = {}
    for subnet in distinct_lambda_subnets(graph, out):

        def check(subnet: Res = subnet) -> None:
            zone = graph.subnet_zone(subnet)
            for nat in nat_egress(graph, subnet, bool(config.get("allowInspectionHop", True))):
                if not nat_serves(graph, nat, zone):
                    crossing.setdefault(nat.urn, (nat, []))[1].append((subnet, zone))

        out.attempt(check, subnet)
    for nat, served in crossing.values():
        listed = ", ".join(f"{s.name} ({z})" for s, z in served)
        zones = names([str(z) for _, z in served])
        if is_regional(nat):
            out.fail(
                nat,
                f"Lambda subnet(s) {listed} egress through regional NAT gateway {nat.name}, whose "
                f"availability_zone_addresses do not list {zones}: add {zones} to them (with allocation_ids)",
            )
            continue
        nat_zone = ", ".join(str(z) for z in nat_zones(graph, nat) or [])
        out.fail(
            nat,
            f"Lambda subnet(s) {listed} egress through NAT gateway {nat.name} in {nat_zone}: an outage of "
            f"{nat_zone} cuts their egress, and their traffic pays cross-AZ data transfer. Give {zones} its own "
            "aws.ec2.NatGateway in a public subnet of that AZ and point that AZ's Lambda route table 0.0.0.0/0 at "
            "it (nat_gateway_id)" + netkit_hint(graph, "NatEgress strategy nat-per-az or nat-regional"),
        )
    return out


RULE = Rule(
    name="nat-gateway-per-az",
    description=(
        "Each AZ with Lambda subnets egresses through a NAT gateway in the same AZ (a zonal NAT there, or a "
        "regional NAT gateway serving that AZ)."
    ),
    enforcement="advisory",
    severity="medium",
    remediation=(
        "One aws.ec2.NatGateway per AZ in a public subnet of that AZ, each AZ's Lambda route table pointing at its "
        "own (or a regional NAT gateway listing every Lambda AZ in availability_zone_addresses)."
    ),
    config_schema={"allowInspectionHop": {"type": "boolean", "default": True}},
    stack_check=nat_gateway_per_az,
    judges=(hidden.FUNCTION,),
)
