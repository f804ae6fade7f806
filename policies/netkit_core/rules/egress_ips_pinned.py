"""`egress-ips-pinned`: every NAT gateway that Lambda subnets egress through has Elastic IPs the program allocated,
so the address a vendor allow-lists cannot change under it: a zonal public NAT its `allocation_id` (an Eip of the
program or a bring-your-own allocation id); a regional NAT gateway manual mode (`availability_zone_addresses`)
listing every Lambda AZ with allocation ids. In automatic mode (addresses omitted) AWS picks and adds addresses as
it expands (pulumi-aws 7 SDK docs, ec2/nat_gateway.py). Advisory; mandatory in prod."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.egress import allocation_set, distinct_lambda_subnets, is_regional, nat_egress, regional_addresses
from netkit_core.graph import Graph, Res, Undecidable, Zone, as_list, same_zone, zone_of
from netkit_core.hints import names
from netkit_core.rule import Outcome, Rule


def _regional_problem(nat: Res, zone: Zone) -> str | None:
    blocks = regional_addresses(nat)
    if blocks is None:
        return (
            f"regional NAT gateway {nat.name} is in automatic mode: AWS picks its Elastic IPs and adds more as it "
            "expands, so a vendor allow-list can break. List availability_zone_addresses (availability_zone and "
            "allocation_ids of aws.ec2.Eip resources) for every Lambda AZ"
        )
    for block in blocks:
        if same_zone(zone_of(nat, block, "an availability_zone_address"), zone, nat):
            ids = block.get("allocationIds")
            if ids is None or (isinstance(ids, list) and not ids):
                return f"regional NAT gateway {nat.name} lists {zone} without allocation ids"
            if not all(allocation_set(i) for i in as_list(ids, nat, "allocation_ids")):
                raise Undecidable(f"{nat.name}: an allocation id for {zone} is not a string", nat)
            return None
    return f"regional NAT gateway {nat.name} does not list {zone} in availability_zone_addresses"


def egress_ips_pinned(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    found: dict[tuple[str, str], tuple[Res, list[str]]] = {}  # (NAT URN, problem) -> (NAT, Lambda subnets)
    for subnet in distinct_lambda_subnets(graph, out):

        def check(subnet: Res = subnet) -> None:
            for nat in nat_egress(graph, subnet):
                if nat.setting("connectivityType", "public", "connectivity_type") == "private":
                    continue  # no public address at all: lambda-vpc-egress-path reports it
                if is_regional(nat):
                    problem = _regional_problem(nat, graph.subnet_zone(subnet))
                elif nat.is_set("allocationId"):
                    problem = None
                else:
                    problem = (
                        f"NAT gateway {nat.name} has no allocation_id: its public IP is not one you own. Set "
                        "allocation_id to an aws.ec2.Eip's allocation_id"
                    )
                if problem:
                    found.setdefault((nat.urn, problem), (nat, []))[1].append(subnet.name)

        out.attempt(check, subnet)
    for (_urn, problem), (nat, subnets) in found.items():
        out.fail(nat, f"Lambda subnet(s) {names(subnets)} egress through it, but {problem}")
    return out


RULE = Rule(
    name="egress-ips-pinned",
    description=(
        "Every NAT gateway Lambda subnets egress through has program-allocated Elastic IPs (zonal: its "
        "allocation; regional: manual mode listing every Lambda AZ)."
    ),
    enforcement="advisory",
    severity="medium",
    remediation=(
        "Set a zonal aws.ec2.NatGateway's allocation_id to an aws.ec2.Eip's; give a regional one "
        "availability_zone_addresses with allocation_ids for every Lambda AZ."
    ),
    config_schema={},
    stack_check=egress_ips_pinned,
    judges=(hidden.FUNCTION,),
)
