"""Static egress IPs for VPC Lambdas: zonal NAT gateway + Elastic IP (one, or one per AZ), one regional NAT
gateway with one Elastic IP per AZ, or the dev-only Hyperplane-ENI Elastic IP trick, chosen by an explicit strategy
(as awsx's NatGatewayStrategy) instead of flags.

Seed 000/001: attaching a function to a VPC removes its internet access; a NAT gateway with an Elastic IP in a
public subnet restores it and gives one allow-listable address (~$33/month per NAT plus $0.045/GB, plus
~$3.6/month per public IPv4). One NAT per AZ keeps an AZ outage from cutting egress and avoids cross-AZ charges;
one NAT is cheaper. The Hyperplane trick (seed 001) puts the function in public subnets and attaches an EIP to
each of its Hyperplane ENIs: no NAT fee, but it relies on a Lambda implementation detail, so it is dev-only.

Regional NAT gateway (AWS, 2025-11-19; pulumi-aws `NatGateway(availability_mode="regional")`): one NAT for the
whole VPC, no public subnet, but an internet gateway in the VPC (the NAT's own route table points at it). In
*manual* mode (`availability_zone_addresses`) it serves exactly the AZs listed, each with the Elastic IPs given,
so a vendor allow-list never changes under you; in automatic mode AWS picks the addresses and expands into a new
AZ only after it has seen a workload there, after a delay. We build manual mode, one EIP per Lambda AZ. It is
billed per AZ it is active in, like one zonal NAT per AZ, without the public subnets.

DNS64 (`dns64=True`): the Lambda route tables also send `64:ff9b::/96` (the NAT64 prefix DNS64 answers use) to
the NAT gateway, which translates to IPv4 with its static IP. Without that route the more general `::/0` sends it
to the egress-only internet gateway, which cannot reach an IPv4-only host, and connections hang.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
from netkit_core.capacity import PlanError

from .common import child_opts, merge_tags
from .hyperplane_eip import HyperplaneEipAssociation, HyperplaneEipAssociationArgs
from .ipv6 import DNS64_PREFIX
from .strategy import EgressStrategy, nat_count, nat_for_az

EGRESS_TAG = "netkit:egress"
PATTERN_TAG = "netkit:pattern"
HYPERPLANE_PATTERN = "hyperplane-eip"


@dataclass(frozen=True)
class NatEgressArgs:
    """`allocation_ids`: bring-your-own EIP allocations (already allow-listed by vendors), one per NAT."""

    strategy: EgressStrategy
    public_subnet_ids: Sequence[pulumi.Input[str]]
    lambda_route_table_ids: Sequence[pulumi.Input[str]]
    internet_gateway: pulumi.Resource | None = None
    allocation_ids: Sequence[str] | None = None
    dns64: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


def validate_allocation_ids(allocation_ids: Sequence[str] | None, count: int, what: str) -> None:
    """Bring-your-own Elastic IPs: exactly one per address the pattern needs, each an allocation id."""
    if allocation_ids is None:
        return
    if len(allocation_ids) != count:
        raise PlanError(
            f"{len(allocation_ids)} Elastic IP allocation id(s) given for {what}: give exactly {count}, or a vendor "
            "allow-list would miss an egress IP at random"
        )
    bad = [i for i, a in enumerate(allocation_ids) if not str(a).startswith("eipalloc-")]
    if bad:
        raise PlanError(f"allocation id(s) at position {', '.join(map(str, bad))} do not look like 'eipalloc-...'")
    if len(set(allocation_ids)) != len(allocation_ids):
        raise PlanError("an Elastic IP allocation id is listed twice; each address can serve one AZ")


def validate_nat_args(args: NatEgressArgs) -> int:
    if args.strategy not in (EgressStrategy.NAT_PER_AZ, EgressStrategy.NAT_SINGLE):
        raise PlanError(f"NatEgress builds nat-per-az or nat-single, not {args.strategy.value}")
    if not args.public_subnet_ids:
        raise PlanError(
            "NatEgress needs public subnets: a NAT gateway must sit in a subnet routed to an internet gateway"
        )
    if not args.lambda_route_table_ids:
        raise PlanError("NatEgress needs the Lambda route tables to add the 0.0.0.0/0 routes to")
    if args.strategy is EgressStrategy.NAT_PER_AZ and len(args.public_subnet_ids) != len(args.lambda_route_table_ids):
        raise PlanError(
            f"nat-per-az needs one public subnet per Lambda route table (AZ): got {len(args.public_subnet_ids)} "
            f"public subnet(s) for {len(args.lambda_route_table_ids)} route table(s)"
        )
    count = nat_count(args.strategy, len(args.lambda_route_table_ids))
    validate_allocation_ids(args.allocation_ids, count, f"{count} NAT gateway(s) ({args.strategy.value})")
    return count


def _egress_allocations(
    parent: pulumi.Resource, name: str, given: Sequence[str] | None, labels: Sequence[object], tags: Mapping[str, str]
) -> tuple[list[aws.ec2.Eip], list[pulumi.Input[str]]]:
    """The Elastic IP allocations of a NAT pattern: bring-your-own ids as given (no Eip), else one new Eip per
    label (`<name>-eip-<index>`, tagged Name=`<name>-egress-<label>`)."""
    if given is not None:
        return [], list(given)
    eips = [
        aws.ec2.Eip(
            f"{name}-eip-{index}",
            domain="vpc",
            tags=merge_tags(tags, Name=f"{name}-egress-{label}"),
            opts=child_opts(parent),
        )
        for index, label in enumerate(labels)
    ]
    return eips, [eip.allocation_id for eip in eips]


def _lambda_routes(
    parent: pulumi.Resource,
    name: str,
    route_table_ids: Sequence[pulumi.Input[str]],
    *,
    nat_gateway_ids: Sequence[pulumi.Input[str]] | None = None,
    gateway_id: pulumi.Input[str] | None = None,
    dns64: bool = False,
) -> list[aws.ec2.Route]:
    """A 0.0.0.0/0 route per Lambda route table (`<name>-default-<index>`) to its NAT gateway
    (`nat_gateway_ids[index]`) or to the internet gateway `gateway_id`; with `dns64`, right after each, the NAT64
    prefix to the same NAT gateway (`<name>-nat64-<index>`, see the module docstring)."""
    routes = []
    for index, route_table_id in enumerate(route_table_ids):
        nat_gateway_id = nat_gateway_ids[index] if nat_gateway_ids is not None else None
        routes.append(
            aws.ec2.Route(
                f"{name}-default-{index}",
                route_table_id=route_table_id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat_gateway_id,
                gateway_id=gateway_id,
                opts=child_opts(parent),
            )
        )
        if dns64:
            routes.append(
                aws.ec2.Route(
                    f"{name}-nat64-{index}",
                    route_table_id=route_table_id,
                    destination_ipv6_cidr_block=DNS64_PREFIX,
                    nat_gateway_id=nat_gateway_id,
                    opts=child_opts(parent),
                )
            )
    return routes


def _known_ips(addresses: Sequence[pulumi.Output[str]]) -> pulumi.Output[list[str]]:
    """The public IPs reported so far (an address not yet known is left out)."""
    return pulumi.Output.all(*addresses).apply(lambda ips: [ip for ip in ips if ip])


class NatEgress(pulumi.ComponentResource):
    """NAT gateway(s) with Elastic IPs in the public subnets and a 0.0.0.0/0 route per Lambda route table."""

    eips: list[aws.ec2.Eip]
    nat_gateways: list[aws.ec2.NatGateway]
    nat_gateway_ids: list[pulumi.Output[str]]
    routes: list[aws.ec2.Route]
    egress_ips: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NatEgressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        count = validate_nat_args(args)
        super().__init__("netkit:egress:NatEgress", name, None, opts)
        tags = dict(args.tags)
        self.eips, allocation_ids = _egress_allocations(self, name, args.allocation_ids, range(count), tags)
        self.nat_gateways = []
        depends = [args.internet_gateway] if args.internet_gateway is not None else []
        for index in range(count):
            self.nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{index}",
                    allocation_id=allocation_ids[index],
                    subnet_id=args.public_subnet_ids[index],
                    connectivity_type="public",
                    tags=merge_tags(tags, Name=f"{name}-nat-{index}"),
                    opts=child_opts(self, depends_on=depends),
                )
            )
        self.nat_gateway_ids = [n.id for n in self.nat_gateways]
        self.routes = _lambda_routes(
            self,
            name,
            args.lambda_route_table_ids,
            nat_gateway_ids=[
                self.nat_gateway_ids[nat_for_az(args.strategy, az_index)]
                for az_index in range(len(args.lambda_route_table_ids))
            ],
            dns64=args.dns64,
        )
        self.egress_ips = _known_ips([n.public_ip for n in self.nat_gateways])
        self.register_outputs({"egress_ips": self.egress_ips, "nat_gateway_ids": self.nat_gateway_ids})


@dataclass(frozen=True)
class RegionalNatEgressArgs:
    """One regional NAT gateway in manual mode for the AZs in `availability_zones` (those hosting Lambda
    subnets), one Elastic IP each; `allocation_ids` brings your own (one per AZ, in the same order)."""

    vpc_id: pulumi.Input[str]
    availability_zones: Sequence[str]
    lambda_route_table_ids: Sequence[pulumi.Input[str]]
    internet_gateway: pulumi.Resource | None
    allocation_ids: Sequence[str] | None = None
    dns64: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


def validate_regional_nat_args(args: RegionalNatEgressArgs) -> None:
    if not args.availability_zones:
        raise PlanError("nat-regional needs the availability zones of the Lambda subnets (manual mode lists them)")
    if len(set(args.availability_zones)) != len(args.availability_zones):
        raise PlanError(f"availability zones repeat: {', '.join(args.availability_zones)}")
    if not args.lambda_route_table_ids:
        raise PlanError("nat-regional needs the Lambda route tables to add the 0.0.0.0/0 routes to")
    if args.internet_gateway is None:
        raise PlanError(
            "a regional NAT gateway needs an internet gateway in its VPC (it routes through it); "
            "build the network with internet_gateway=True"
        )
    validate_allocation_ids(
        args.allocation_ids, len(args.availability_zones), f"{len(args.availability_zones)} AZ(s) of the regional NAT"
    )


class RegionalNatEgress(pulumi.ComponentResource):
    """One regional NAT gateway (manual mode, an Elastic IP per AZ) and a 0.0.0.0/0 route per Lambda route table."""

    eips: list[aws.ec2.Eip]
    nat_gateway: aws.ec2.NatGateway
    nat_gateway_ids: list[pulumi.Output[str]]
    routes: list[aws.ec2.Route]
    egress_ips: pulumi.Output[list[str]]

    def __init__(self, name: str, args: RegionalNatEgressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate_regional_nat_args(args)
        super().__init__("netkit:egress:RegionalNatEgress", name, None, opts)
        tags = dict(args.tags)
        self.eips, allocation_ids = _egress_allocations(self, name, args.allocation_ids, args.availability_zones, tags)
        assert args.internet_gateway is not None  # validated above
        self.nat_gateway = aws.ec2.NatGateway(
            f"{name}-nat",
            vpc_id=args.vpc_id,
            availability_mode="regional",
            connectivity_type="public",
            availability_zone_addresses=[
                aws.ec2.NatGatewayAvailabilityZoneAddressArgs(availability_zone=zone, allocation_ids=[allocation])
                for zone, allocation in zip(args.availability_zones, allocation_ids, strict=True)
            ],
            tags=merge_tags(tags, Name=f"{name}-nat"),
            opts=child_opts(self, depends_on=[args.internet_gateway]),
        )
        self.routes = _lambda_routes(
            self,
            name,
            args.lambda_route_table_ids,
            nat_gateway_ids=[self.nat_gateway.id] * len(args.lambda_route_table_ids),
            dns64=args.dns64,
        )
        self.nat_gateway_ids = [self.nat_gateway.id]
        if self.eips:
            self.egress_ips = _known_ips([e.public_ip for e in self.eips])
        else:  # brought-your-own addresses: the NAT reports them once it exists
            self.egress_ips = self.nat_gateway.regional_nat_gateway_addresses.apply(
                lambda addresses: [a.public_ip for a in (addresses or []) if a.public_ip]
            )
        self.register_outputs({"egress_ips": self.egress_ips, "nat_gateway_ids": self.nat_gateway_ids})


@dataclass(frozen=True)
class HyperplaneEipEgressArgs:
    """Lambda subnets become public (route to the internet gateway); EIPs go on the Hyperplane ENIs."""

    environment: str
    lambda_route_table_ids: Sequence[pulumi.Input[str]]
    lambda_subnet_ids: Sequence[pulumi.Input[str]]
    internet_gateway_id: pulumi.Input[str]
    region: pulumi.Input[str]
    allowed_environments: Sequence[str] = ("dev",)
    endpoint_url: str | None = None
    eni_timeout_seconds: float = 600.0
    tags: Mapping[str, str] = field(default_factory=dict)


class HyperplaneEipEgress(pulumi.ComponentResource):
    """The seed-001 trick: EIPs on the Lambda Hyperplane ENIs instead of a NAT gateway. Dev only.

    Call `associate(...)` once per (subnet set, security-group set) combination after the function exists.
    """

    routes: list[aws.ec2.Route]
    associations: list[HyperplaneEipAssociation]
    eips: list[aws.ec2.Eip]
    egress_ips: pulumi.Output[list[str]]

    def __init__(self, name: str, args: HyperplaneEipEgressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if args.environment not in args.allowed_environments:
            raise PlanError(
                f"the hyperplane-eip egress strategy is allowed only in {', '.join(args.allowed_environments)}, not "
                f"in {args.environment!r}: it relies on a Lambda implementation detail. Use nat-single or nat-per-az"
            )
        if len(args.lambda_route_table_ids) != len(args.lambda_subnet_ids) or not args.lambda_subnet_ids:
            raise PlanError("hyperplane-eip needs one Lambda route table per Lambda subnet, and at least one subnet")
        super().__init__("netkit:egress:HyperplaneEipEgress", name, None, opts)
        pulumi.log.warn(
            "hyperplane-eip egress relies on a Lambda implementation detail (one Hyperplane ENI per subnet and "
            "security-group set); changing a function's subnets or groups re-creates ENIs and briefly cuts egress. "
            "Do not use it in production.",
            resource=self,
        )
        self._name, self._args = name, args
        self.routes = _lambda_routes(self, name, args.lambda_route_table_ids, gateway_id=args.internet_gateway_id)
        self.associations, self.eips = [], []
        self.egress_ips = pulumi.Output.from_input([])
        self.register_outputs({})

    def associate(
        self,
        label: str,
        function_name: pulumi.Input[str],
        security_group_ids: Sequence[pulumi.Input[str]],
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> HyperplaneEipAssociation:
        """One EIP per Lambda subnet for this security-group set, associated after the function exists."""
        args, name = self._args, f"{self._name}-{label}"
        eips = [
            aws.ec2.Eip(
                f"{name}-eip-{index}",
                domain="vpc",
                tags=merge_tags(args.tags, Name=f"{name}-{index}", **{PATTERN_TAG: HYPERPLANE_PATTERN}),
                opts=child_opts(self),
            )
            for index in range(len(args.lambda_subnet_ids))
        ]
        association = HyperplaneEipAssociation(
            f"{name}-association",
            HyperplaneEipAssociationArgs(
                function_name=function_name,
                subnet_ids=list(args.lambda_subnet_ids),
                security_group_ids=list(security_group_ids),
                allocation_ids=[e.allocation_id for e in eips],
                region=args.region,
                endpoint_url=args.endpoint_url,
                timeout_seconds=args.eni_timeout_seconds,
            ),
            opts=child_opts(self, depends_on=[*depends_on, *self.routes]),
        )
        self.eips.extend(eips)
        self.associations.append(association)
        self.egress_ips = _known_ips([e.public_ip for e in self.eips])
        return association
