"""`lambda-subnet-capacity`: Each Lambda subnet has room for its Hyperplane ENIs: one per subnet x security-group
combination (per 65,000 connections), plus endpoint and NAT ENIs, times a churn factor."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netkit_core import hidden
from netkit_core.analysis import finite_number
from netkit_core.capacity import (
    DEFAULT_ACCOUNT_CONCURRENCY,
    DEFAULT_CHURN_FACTOR,
    DEFAULT_CONNECTIONS_PER_INVOCATION,
    EniCombination,
    SubnetDemand,
    required_ips,
    usable_ips,
)
from netkit_core.endpoints import endpoint_type
from netkit_core.graph import (
    ENDPOINT,
    NAT,
    SUBNET,
    UNKNOWN,
    Graph,
    Res,
    Undecidable,
    is_unknown,
)
from netkit_core.hints import netkit_hint
from netkit_core.rule import Outcome, Rule, Undecided


@dataclass(frozen=True)
class SubnetDemandRow:
    subnet: Res
    cidr: str
    usable: int
    demand: SubnetDemand
    combinations: int


def subnet_demands(graph: Graph, config: Mapping[str, Any]) -> tuple[list[SubnetDemandRow], list[Undecided]]:
    """Usable vs required IPs per Lambda subnet (DESIGN.md section 4), and what could not be decided.

    Shared by the policy and the check report's capacity table, so both show the same numbers."""
    per_invocation = int(config.get("connectionsPerInvocation", DEFAULT_CONNECTIONS_PER_INVOCATION))
    churn = float(config.get("churnFactor", DEFAULT_CHURN_FACTOR))
    account = int(config.get("accountConcurrency", DEFAULT_ACCOUNT_CONCURRENCY))
    undecided: list[Undecided] = []
    combos: dict[str, tuple[Res, dict[tuple[str, ...], int | None]]] = {}
    for fn in graph.vpc_functions():
        try:
            key = graph.security_group_key(fn)
            concurrency = fn.get("reservedConcurrentExecutions")
            number = finite_number(concurrency)
            if number is None and isinstance(concurrency, int | float | str) and not isinstance(concurrency, bool):
                raise Undecidable(f"{fn.name}: its reserved concurrency is not a whole number", fn)
            # Unknown, omitted or -1 (unreserved): the account limit applies, the worst case.
            reserved = int(number) if number is not None and number >= 0 else None
            for subnet in graph.function_subnets(fn):
                per = combos.setdefault(subnet.urn, (subnet, {}))[1]
                previous = per.get(key, 0) if key in per else 0
                per[key] = None if reserved is None or previous is None else previous + reserved
        except Undecidable as exc:
            undecided.append(Undecided((exc.res or fn).urn, str(exc)))
    others: dict[str, int] = {}
    unsure: dict[str, list[str]] = {}  # subnet URN -> ENIs that may or may not take one of its IPs
    for endpoint in graph.of_type(ENDPOINT):
        try:
            interface = endpoint_type(endpoint) == "Interface"
        except Undecidable:
            for subnet in graph.refs(endpoint, "subnetIds", endpoint.get("subnetIds"), SUBNET):
                unsure.setdefault(subnet.urn, []).append(f"VPC endpoint {endpoint.name}")
            continue
        if interface:
            for subnet in graph.refs(endpoint, "subnetIds", endpoint.get("subnetIds"), SUBNET):
                others[subnet.urn] = others.get(subnet.urn, 0) + 1
    for nat in graph.of_type(NAT):
        for subnet in graph.refs(nat, "subnetId", nat.get("subnetId"), SUBNET):
            others[subnet.urn] = others.get(subnet.urn, 0) + 1
    rows = []
    for urn, (subnet, per) in combos.items():
        if urn in unsure:
            which = ", ".join(sorted(unsure[urn]))
            undecided.append(
                Undecided(urn, f"{subnet.name}: whether {which} takes an IP in it is not known (its type is not known)")
            )
            continue
        try:
            cidr, network = _ipv4_block(subnet)
        except Undecidable as exc:
            undecided.append(Undecided(subnet.urn, str(exc)))
            continue
        demand = required_ips(
            [EniCombination(c, per_invocation) for c in per.values()], others.get(urn, 0), churn, account
        )
        rows.append(SubnetDemandRow(subnet, cidr, usable_ips(network.prefixlen), demand, len(per)))
    return rows, undecided


def _ipv4_block(subnet: Res) -> tuple[str, ipaddress.IPv4Network]:
    """The subnet's IPv4 CIDR block, or `Undecidable` saying why it is not known: computed from another resource
    (unknown in a first preview), not given at all (allocated from an IPAM pool, or an IPv6-only subnet: never
    guessed), or not a valid IPv4 CIDR."""
    cidr = subnet.get("cidrBlock")
    if is_unknown(cidr):
        origin = _dependency_names(subnet, "cidrBlock")
        if origin:
            raise Undecidable(
                f"{subnet.name}: its CIDR block comes from {', '.join(origin)} and is not known yet", subnet
            )
        given = subnet.inputs.get("cidrBlock") if subnet.inputs is not None else UNKNOWN
        if subnet.inputs is not None and given is None:
            raise Undecidable(f"{subnet.name}: its CIDR block is not set by the program (AWS allocates it)", subnet)
        raise Undecidable(f"{subnet.name}: its CIDR block is not known yet (a lookup or config)", subnet)
    if cidr is None or cidr == "":
        raise Undecidable(
            f"{subnet.name}: it has no IPv4 CIDR block given (allocated from an IPAM pool, or IPv6-only)", subnet
        )
    if not isinstance(cidr, str):
        raise Undecidable(f"{subnet.name}: its CIDR block is not a valid IPv4 CIDR", subnet)
    try:
        return cidr, ipaddress.IPv4Network(cidr.strip(), strict=False)
    except ValueError:
        raise Undecidable(f"{subnet.name}: its CIDR block is not a valid IPv4 CIDR", subnet) from None


def _dependency_names(res: Res, prop: str) -> list[str]:
    """The names (URN tails) of the resources a property's value came from, as the engine recorded them."""
    return sorted({urn.rsplit("::", 1)[-1] for urn in res.property_dependencies.get(prop, [])})


def lambda_subnet_capacity(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    rows, undecided = subnet_demands(graph, config)
    out = Outcome(undecided=undecided)
    for row in rows:
        if row.usable < row.demand.required:
            out.fail(
                row.subnet,
                f"Lambda subnet {row.subnet.name} ({row.cidr}) has {row.usable} usable IPs but needs "
                f"{row.demand.required}: {row.demand.explain()}, for {row.combinations} subnet x security-group "
                f"combination(s). Give aws.ec2.Subnet {row.subnet.name} a larger cidr_block, or share security "
                "groups between its functions"
                + netkit_hint(graph, "LambdaNetwork sizes Lambda subnets from a CapacityPlan"),
            )
    return out


CAPACITY_SCHEMA = {
    "connectionsPerInvocation": {"type": "integer", "minimum": 1, "default": DEFAULT_CONNECTIONS_PER_INVOCATION},
    "churnFactor": {"type": "number", "minimum": 1, "default": DEFAULT_CHURN_FACTOR},
    "accountConcurrency": {"type": "integer", "minimum": 1, "default": DEFAULT_ACCOUNT_CONCURRENCY},
}

RULE = Rule(
    name="lambda-subnet-capacity",
    description=(
        "Each Lambda subnet has room for its Hyperplane ENIs: one per subnet x security-group combination "
        "(per 65,000 connections), plus endpoint and NAT ENIs, times a churn factor."
    ),
    enforcement="mandatory",
    severity="high",
    remediation=(
        "Give the Lambda aws.ec2.Subnet a larger cidr_block (a /24 has 251 usable IPs), or fewer subnet x "
        "security-group combinations."
    ),
    config_schema=CAPACITY_SCHEMA,
    stack_check=lambda_subnet_capacity,
    judges=(hidden.FUNCTION,),
)
