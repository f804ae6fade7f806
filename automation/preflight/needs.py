"""What a stack's program will ask of the account, read from the offline check's resource graph.

Pure: no boto3, no Pulumi. The graph is the one the policy pack judges (`automation.offline.report.as_graph` of the
offline run), and the Hyperplane ENI figures come from the capacity rule's own `subnet_demands`, so the preflight,
the pack and the components count ENIs the same way (DESIGN.md section 4).

Every count here is what the program *creates*; whether the account already holds some of it (an update of a
deployed stack) is the account side's business (`account.py` finds the stack's own resources by its tags).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netkit_core.capacity import DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_CHURN_FACTOR, DEFAULT_CONNECTIONS_PER_INVOCATION
from netkit_core.egress import ipv4_egress, is_regional, lambda_subnets, nat_zones
from netkit_core.graph import (
    EIP,
    ENDPOINT,
    FUNCTION,
    IPV6_ANY,
    NAT,
    SUBNET,
    VPC,
    Graph,
    Res,
    Undecidable,
    is_unknown,
)
from netkit_core.rule import Outcome
from netkit_core.rules.lambda_subnet_capacity import SubnetDemandRow, subnet_demands

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
ACCELERATOR = "aws:globalaccelerator/accelerator:Accelerator"
BPA_EXCLUSION = "aws:ec2/vpcBlockPublicAccessExclusion:VpcBlockPublicAccessExclusion"
STACK_TAG = "netkit:stack"  # components/settings.py tags every resource with it

# Kinds of internet path, as VPC Block Public Access judges them (DescribeVpcBlockPublicAccessOptions,
# InternetGatewayBlockMode: block-bidirectional blocks all four; block-ingress lets only traffic to and from NAT
# gateways and egress-only internet gateways through, so `igw-egress` and `ingress` are blocked too).
NAT_EGRESS, IGW_EGRESS, IPV6_EGRESS, INGRESS = "nat-egress", "igw-egress", "ipv6-egress", "ingress"


@dataclass(frozen=True)
class InternetPath:
    """One way the stack's traffic crosses an internet gateway.

    `subnets` are the program's subnets (by their Name tag, else the resource name) an exclusion must cover;
    empty means the VPC itself (a regional NAT gateway has no subnet)."""

    kind: str
    subnets: tuple[str, ...]
    what: str


@dataclass(frozen=True)
class CapacityInputs:
    """The `lambda-subnet-capacity` settings the environment's policy config gives (defaults otherwise)."""

    connections_per_invocation: int = DEFAULT_CONNECTIONS_PER_INVOCATION
    churn_factor: float = DEFAULT_CHURN_FACTOR
    account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any] | None) -> CapacityInputs:
        props = properties or {}
        return cls(
            int(props.get("connectionsPerInvocation", DEFAULT_CONNECTIONS_PER_INVOCATION)),
            float(props.get("churnFactor", DEFAULT_CHURN_FACTOR)),
            int(props.get("accountConcurrency", DEFAULT_ACCOUNT_CONCURRENCY)),
        )

    def as_config(self, account_concurrency: int | None = None) -> dict[str, Any]:
        """The rule's config, with the account's concurrency instead of the assumption when it is known."""
        return {
            "connectionsPerInvocation": self.connections_per_invocation,
            "churnFactor": self.churn_factor,
            "accountConcurrency": account_concurrency or self.account_concurrency,
        }


@dataclass
class StackNeeds:
    """What the program creates that an account limit or setting can stop."""

    stack: str
    region: str
    stack_tag: str = ""  # value of netkit:stack on the program's resources: finds what a deployed stack owns
    creates_vpc: bool = False  # False: the functions use another stack's network (a shared VPC)
    vpc_name: str = ""  # Name tag of the VPC the program creates (finds it again once deployed)
    eips: list[str] = field(default_factory=list)  # Elastic IPs the program allocates (resource names)
    nat_azs: dict[str, int] = field(default_factory=dict)  # AZ -> zonal/manual-mode NAT gateways there
    reserved: dict[str, int] = field(default_factory=dict)  # function -> reserved concurrency (>= 0)
    unreserved: list[str] = field(default_factory=list)  # functions drawing on the unreserved pool
    other_enis: int = 0  # non-Lambda ENIs: interface endpoint, NAT gateway, load balancer ones
    paths: list[InternetPath] = field(default_factory=list)
    exclusions: list[tuple[str, str, str]] = field(default_factory=list)  # BPA exclusions the program creates:
    # (mode, "vpc" | "subnet", subnet label or VPC name)
    capacity: CapacityInputs = field(default_factory=CapacityInputs)
    notes: list[str] = field(default_factory=list)  # what could not be told offline
    graph: Graph | None = field(default=None, repr=False)

    def demands(self, account_concurrency: int | None = None) -> list[SubnetDemandRow]:
        """The capacity rule's per-subnet demand, at the account's concurrency when known."""
        if self.graph is None:
            return []
        rows, _ = subnet_demands(self.graph, self.capacity.as_config(account_concurrency))
        return rows

    def hyperplane_enis(self, account_concurrency: int | None = None) -> int:
        """Lambda Hyperplane ENIs the stack can hold at once: the model's ENIs, times the churn factor (a change
        of subnets or security groups creates the new ENIs before the old ones go)."""
        rows = self.demands(account_concurrency)
        return sum(round(r.demand.lambda_enis * r.demand.churn_factor) for r in rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "elastic_ips": len(self.eips),
            "nat_gateways_per_az": dict(sorted(self.nat_azs.items())),
            "reserved_concurrency": dict(sorted(self.reserved.items())),
            "unreserved_functions": sorted(self.unreserved),
            "hyperplane_enis": self.hyperplane_enis(),
            "other_enis": self.other_enis,
            "internet_paths": [{"kind": p.kind, "subnets": list(p.subnets), "what": p.what} for p in self.paths],
            "creates_vpc": self.creates_vpc,
        }


def subnet_label(subnet: Res) -> str:
    """How a program subnet is found again in the account: its Name tag (components tag every subnet)."""
    name = subnet.tags().get("Name")
    return name if isinstance(name, str) and name else subnet.name


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list | tuple) else 0


def _reserved_concurrency(fn: Res) -> int | None:
    """The function's reserved concurrency, None when it draws on the unreserved pool (omitted, -1, unknown)."""
    value = fn.get("reservedConcurrentExecutions")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return int(value) if value >= 0 else None


def _stack_tag(graph: Graph) -> str:
    for res in [*graph.of_type(VPC), *graph.of_type(EIP), *graph.of_type(FUNCTION)]:
        value = res.tags().get(STACK_TAG)
        if isinstance(value, str) and value:
            return value
    return ""


def _nat_zones(graph: Graph, needs: StackNeeds) -> None:
    for nat in graph.of_type(NAT):
        try:
            zones = nat_zones(graph, nat)
        except Undecidable as exc:
            needs.notes.append(f"NAT gateway {nat.name}: {exc}; not counted against the per-AZ quota")
            continue
        if zones is None:
            needs.notes.append(
                f"regional NAT gateway {nat.name} is in automatic mode: the AZs it expands into are AWS's choice"
            )
            continue
        for zone in zones:
            needs.nat_azs[str(zone)] = needs.nat_azs.get(str(zone), 0) + 1


def _other_enis(graph: Graph) -> int:
    """ENIs besides Lambda's: one per subnet of an interface endpoint, one per NAT gateway (a regional one: one
    per AZ it lists), at least one per subnet of a load balancer (an ALB adds more as it scales)."""
    total = 0
    for endpoint in graph.of_type(ENDPOINT):
        if endpoint.get("vpcEndpointType") == "Interface":
            total += _count(endpoint.get("subnetIds"))
    for nat in graph.of_type(NAT):
        total += max(1, _count(nat.get("availabilityZoneAddresses"))) if is_regional(nat) else 1
    for lb in graph.of_type(*LOAD_BALANCERS):
        total += max(_count(lb.get("subnets")), _count(lb.get("subnetMappings")))
    return total


def _paths(graph: Graph, needs: StackNeeds) -> None:
    """The program's internet paths, for VPC Block Public Access."""
    out = Outcome()
    by_kind: dict[tuple[str, tuple[str, ...]], list[str]] = {}

    def add(kind: str, subnets: tuple[str, ...], via: str, fn: Res) -> None:
        names = by_kind.setdefault((kind, subnets), [via])
        if fn.name not in names:
            names.append(fn.name)

    for fn, subnet in lambda_subnets(graph, out):
        try:
            ways = ipv4_egress(graph, subnet)
            v6 = graph.routes_to(graph.subnet_route_table(subnet), IPV6_ANY)
        except Undecidable as exc:
            needs.notes.append(f"egress of {fn.name} in {subnet.name}: {exc}")
            continue
        for way in ways:
            target = way.target
            if target.kind == "nat" and target.res is not None:
                nat = target.res
                if is_regional(nat):
                    add(NAT_EGRESS, (), f"regional NAT gateway {nat.name}", fn)
                else:
                    nat_subnets = graph.refs(nat, "subnetId", nat.get("subnetId"), SUBNET)
                    labels = tuple(subnet_label(s) for s in nat_subnets)
                    add(NAT_EGRESS, labels, f"NAT gateway {nat.name}", fn)
            elif target.kind == "igw":
                add(IGW_EGRESS, (subnet_label(subnet),), "the internet gateway directly (public IPs on its ENIs)", fn)
        if any(t.kind == "eigw" for t in v6):
            add(IPV6_EGRESS, (subnet_label(subnet),), "an egress-only internet gateway (IPv6)", fn)
    needs.notes.extend(u.reason for u in out.undecided)
    for (kind, subnets), (via, *functions) in by_kind.items():
        where = f" from {', '.join(subnets)}" if subnets else ""
        needs.paths.append(InternetPath(kind, subnets, f"{', '.join(functions)} egress through {via}{where}"))
    for lb in graph.of_type(*LOAD_BALANCERS):
        if lb.get("internal") is True or lb.get("loadBalancerType") == "gateway":
            continue
        subnets = tuple(sorted(subnet_label(s) for s in graph.refs(lb, "subnets", lb.get("subnets"), SUBNET)))
        front = " behind Global Accelerator" if graph.of_type(ACCELERATOR) else ""
        needs.paths.append(InternetPath(INGRESS, subnets, f"internet-facing load balancer {lb.name}{front}"))


def _program_exclusions(graph: Graph, needs: StackNeeds) -> None:
    """BPA exclusions the program creates itself (aws.ec2.VpcBlockPublicAccessExclusion): a new VPC can have one
    from its first deploy, since the program makes it along with the VPC."""
    for exclusion in graph.of_type(BPA_EXCLUSION):
        mode = exclusion.get("internetGatewayExclusionMode")
        if not isinstance(mode, str):
            needs.notes.append(f"{exclusion.name}: its exclusion mode is unknown; not counted")
            continue
        for subnet in graph.refs(exclusion, "subnetId", exclusion.get("subnetId"), SUBNET):
            needs.exclusions.append((mode, "subnet", subnet_label(subnet)))
        for vpc in graph.refs(exclusion, "vpcId", exclusion.get("vpcId"), VPC):
            needs.exclusions.append((mode, "vpc", vpc.name))


def stack_needs(
    graph: Graph, stack: str, region: str, capacity: CapacityInputs | None = None, notes: list[str] | None = None
) -> StackNeeds:
    """What the program in `graph` (its registrations, reads left out) asks of the account."""
    needs = StackNeeds(stack, region, capacity=capacity or CapacityInputs(), graph=graph, notes=list(notes or []))
    needs.stack_tag = _stack_tag(graph)
    vpcs = graph.of_type(VPC)
    needs.creates_vpc = bool(vpcs)
    if len(vpcs) == 1:
        name = vpcs[0].tags().get("Name")
        needs.vpc_name = name if isinstance(name, str) else ""
    elif len(vpcs) > 1:
        needs.notes.append(f"the program creates {len(vpcs)} VPCs: Block Public Access exclusions are not looked up")
    needs.eips = [e.name for e in graph.of_type(EIP)]
    _nat_zones(graph, needs)
    for fn in graph.of_type(FUNCTION):
        reserved = _reserved_concurrency(fn)
        if reserved is None:
            if is_unknown(fn.get("reservedConcurrentExecutions")):
                needs.notes.append(f"{fn.name}: its reserved concurrency is unknown; counted as unreserved")
            needs.unreserved.append(fn.name)
        else:
            needs.reserved[fn.name] = reserved
    needs.other_enis = _other_enis(graph)
    _paths(graph, needs)
    _program_exclusions(graph, needs)
    _, undecided = subnet_demands(graph, needs.capacity.as_config())
    needs.notes.extend(u.reason for u in undecided)
    return needs
