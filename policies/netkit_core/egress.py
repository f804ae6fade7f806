"""Where a subnet's internet traffic goes: which Lambda subnets to start from, the walk from a subnet's route table
to its egress target through inspection hops, and what a NAT gateway covers. Pure: shared by the egress,
NAT-per-AZ, pinned-IP and IPv6 rules so they agree on every shape.

Defaults applied when the program omits a setting (pulumi-aws 7 SDK docs, ec2/nat_gateway.py, which mirror the
AWS CreateNatGateway API): `connectivity_type` "public", `availability_mode` "zonal"; a regional NAT gateway
without `availability_zone_addresses` is in automatic mode ("When not specified, the regional NAT gateway will
automatically expand to new AZs and associate EIPs ... (auto mode). When specified, auto-expansion is disabled
(manual mode)").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from netkit_core.graph import (
    ENDPOINT,
    IPV4_ANY,
    NETWORK_FIREWALL,
    SUBNET,
    VPC,
    Graph,
    Res,
    Target,
    Undecidable,
    Zone,
    as_list,
    blank,
    is_unknown,
    same_zone,
    zone_of,
)
from netkit_core.rule import Outcome, exempt_from_egress


@dataclass(frozen=True)
class Egress:
    """One way out of a subnet for 0.0.0.0/0: the final target, the route table holding that route, and the
    inspection hops (firewall / Gateway Load Balancer endpoints) passed on the way."""

    target: Target
    table: Res
    hops: tuple[Res, ...] = ()


def lambda_subnets(graph: Graph, out: Outcome, with_exempt: bool = False) -> Iterator[tuple[Res, Res]]:
    """Each (function, subnet) of the VPC functions, in program order: where the egress rules start their walk.
    A function tagged `netkit:egress=none` is left out unless `with_exempt`; a function whose subnets cannot be
    told is recorded undecided on `out` (about the resource the reason names, else the function) and left out."""
    for fn in graph.vpc_functions():
        if not with_exempt and exempt_from_egress(fn):
            continue
        try:
            subnets = graph.function_subnets(fn)
        except Undecidable as exc:
            out.undecide(exc.res or fn, str(exc))
            continue
        for subnet in subnets:
            yield fn, subnet


def distinct_lambda_subnets(graph: Graph, out: Outcome) -> Iterator[Res]:
    """The subnets of `lambda_subnets` (exempt functions left out), each once: for rules that judge a subnet's
    egress, not a function's, so a subnet shared by several functions is reported once."""
    seen: set[str] = set()
    for _fn, subnet in lambda_subnets(graph, out):
        if subnet.urn not in seen:
            seen.add(subnet.urn)
            yield subnet


def nat_egress(graph: Graph, subnet: Res, follow_hops: bool = True) -> Iterator[Res]:
    """The managed NAT gateways among a subnet's 0.0.0.0/0 targets (`ipv4_egress`), in route order."""
    for way in ipv4_egress(graph, subnet, follow_hops):
        if way.target.kind == "nat" and way.target.res is not None:
            yield way.target.res


def ipv4_egress(
    graph: Graph, subnet: Res, follow_hops: bool = True, _seen: frozenset[str] = frozenset()
) -> list[Egress]:
    """The 0.0.0.0/0 targets of a subnet; with `follow_hops`, an inspection hop is replaced by where the hop's
    own subnet (in the same AZ when that can be told) sends the traffic. [] = no default route."""
    table = graph.subnet_route_table(subnet)
    result: list[Egress] = []
    for target in graph.routes_to(table, IPV4_ANY):
        if target.kind != "hop" or not follow_hops:
            result.append(Egress(target, table))
            continue
        hop = target.res
        if hop is None:
            raise Undecidable(f"{table.name}: its 0.0.0.0/0 route goes to endpoint {target.label}, not managed here")
        if hop.urn in _seen:
            raise Undecidable(f"{table.name}: its 0.0.0.0/0 route loops back through {hop.name}", subnet)
        for hop_subnet in _hop_subnets(graph, hop, subnet):
            for onward in ipv4_egress(graph, hop_subnet, True, _seen | {hop.urn}):
                result.append(Egress(onward.target, onward.table, (hop, *onward.hops)))
            if not graph.routes_to(graph.subnet_route_table(hop_subnet), IPV4_ANY):
                result.append(Egress(Target("other", None, "no route"), graph.subnet_route_table(hop_subnet), (hop,)))
    return result


def _hop_subnets(graph: Graph, hop: Res, origin: Res) -> list[Res]:
    """The hop's subnets, narrowed to the origin subnet's AZ when the zones can be compared (AWS Network
    Firewall has one endpoint per AZ; a Gateway Load Balancer endpoint lives in one subnet)."""
    if hop.type == ENDPOINT:
        subnets = graph.refs(hop, "subnetIds", hop.get("subnetIds"), SUBNET)
    elif hop.type == NETWORK_FIREWALL:
        subnets = graph.refs(hop, "subnetMappings", hop.get("subnetMappings"), SUBNET)
    else:
        subnets = []
    if not subnets:
        raise Undecidable(f"{hop.name}: the subnet of this inspection endpoint is not managed by this program", hop)
    try:
        zone = graph.subnet_zone(origin)
        same = [s for s in subnets if same_zone(graph.subnet_zone(s), zone)]
    except Undecidable:
        return subnets
    return same or subnets


def default_route_kinds(graph: Graph, subnets: list[Res]) -> tuple[list[Res], set[str]] | None:
    """Where the subnets' 0.0.0.0/0 traffic goes: (the managed NAT gateways carrying it, the other kinds of
    target: "igw", "tgw", "other", "none" for a subnet without a default route), or None when that cannot be told.
    Messages use it so a claim about NAT fees is made only where a NAT carries the traffic."""
    nats: dict[str, Res] = {}
    kinds: set[str] = set()
    try:
        for subnet in subnets:
            ways = ipv4_egress(graph, subnet)
            if not ways:
                kinds.add("none")
            for way in ways:
                if way.target.kind == "nat" and way.target.res is not None:
                    nats[way.target.res.urn] = way.target.res
                else:
                    kinds.add(way.target.kind)
    except Undecidable:
        return None
    return list(nats.values()), kinds


def nat_problem(graph: Graph, nat: Res) -> tuple[str, str] | None:
    """None when the NAT gateway reaches the internet; else (why not, the AWS resource and argument to change)."""
    if nat.setting("connectivityType", "public", "connectivity_type") == "private":
        return (
            f"NAT gateway {nat.name} is private (connectivity_type=private) and cannot reach the internet",
            f"make {nat.name} public (connectivity_type public, allocation_id an Eip's) in a public subnet",
        )
    if is_regional(nat):
        vpc = graph.ref_one(nat, "vpcId", VPC, what="VPC")
        if not graph.internet_gateways(vpc):
            return (
                f"regional NAT gateway {nat.name} is in VPC {vpc.name}, which has no internet gateway attached",
                f"attach an aws.ec2.InternetGateway to {vpc.name} (vpc_id)",
            )
        return None
    subnet = graph.ref_one(nat, "subnetId", SUBNET, what="subnet")
    ways = ipv4_egress(graph, subnet)
    if not ways or any(way.target.kind != "igw" for way in ways):
        table = graph.subnet_route_table(subnet)
        return (
            f"NAT gateway {nat.name} sits in subnet {subnet.name}, whose route table {table.name} has no "
            "0.0.0.0/0 route to an internet gateway",
            f"put {nat.name} in a public subnet (subnet_id), or route 0.0.0.0/0 of {table.name} to an internet "
            "gateway (gateway_id)",
        )
    return None


def is_regional(nat: Res) -> bool:
    return nat.setting("availabilityMode", "zonal", "availability_mode") == "regional"


def regional_addresses(nat: Res) -> list[dict[str, Any]] | None:
    """A regional NAT gateway's availability_zone_address blocks (manual mode), or None in automatic mode.
    Decided from the program's inputs when seen (the state of an automatic NAT lists the AZs AWS chose)."""
    if nat.inputs is not None:
        given = nat.inputs.get("availabilityZoneAddresses")
    elif nat.get("autoProvisionZones") == "enabled":
        return None
    else:
        given = nat.get("availabilityZoneAddresses")
    if blank(given):
        return None
    blocks = as_list(given, nat, "availability_zone_addresses")
    if not all(isinstance(b, dict) for b in blocks):
        raise Undecidable(f"{nat.name}: an availability_zone_address is not an object", nat)
    return blocks


def nat_zones(graph: Graph, nat: Res) -> list[Zone] | None:
    """The AZs a NAT gateway serves: a zonal one its subnet's AZ; a regional one the AZs it lists (manual
    mode) or every AZ (automatic mode: None)."""
    if is_regional(nat):
        blocks = regional_addresses(nat)
        if blocks is None:
            return None
        return [zone_of(nat, block, "an availability_zone_address") for block in blocks]
    return [graph.subnet_zone(graph.ref_one(nat, "subnetId", SUBNET, what="subnet"))]


def nat_serves(graph: Graph, nat: Res, zone: Zone) -> bool:
    zones = nat_zones(graph, nat)
    return zones is None or any(same_zone(z, zone, nat) for z in zones)


def allocation_set(value: Any) -> bool:
    """An allocation id the program gave (known or still unknown because it comes from an Eip)."""
    return is_unknown(value) or (isinstance(value, str) and bool(value))
