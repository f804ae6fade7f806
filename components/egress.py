"""Static egress IPs for VPC Lambdas: NAT gateway + Elastic IP (one or one per AZ), or the dev-only
Hyperplane-ENI Elastic IP trick, chosen by an explicit strategy (as awsx's NatGatewayStrategy) instead of flags.

Seed 000/001: attaching a function to a VPC removes its internet access; a NAT gateway with an Elastic IP in a
public subnet restores it and gives one allow-listable address (~$33/month per NAT plus $0.045/GB, plus
~$3.6/month per public IPv4). One NAT per AZ keeps an AZ outage from cutting egress and avoids cross-AZ charges;
one NAT is cheaper. The Hyperplane trick (seed 001) puts the function in public subnets and attaches an EIP to
each of its Hyperplane ENIs: no NAT fee, but it relies on a Lambda implementation detail, so it is dev-only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
from netkit_core.capacity import PlanError

from .common import child_opts, merge_tags
from .hyperplane_eip import HyperplaneEipAssociation, HyperplaneEipAssociationArgs

EGRESS_TAG = "netkit:egress"
PATTERN_TAG = "netkit:pattern"
HYPERPLANE_PATTERN = "hyperplane-eip"


class EgressStrategy(enum.StrEnum):
    """How VPC Lambdas reach the internet with a static IP."""

    NAT_PER_AZ = "nat-per-az"
    NAT_SINGLE = "nat-single"
    HYPERPLANE_EIP = "hyperplane-eip"
    NONE = "none"

    @classmethod
    def parse(cls, value: str) -> EgressStrategy:
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise PlanError(f"unknown egress strategy {value!r}; choose one of: {choices}") from None


def nat_count(strategy: EgressStrategy, az_count: int) -> int:
    """NAT gateways a strategy creates (pure: used by validation, cost estimates and tests)."""
    if strategy is EgressStrategy.NAT_PER_AZ:
        return az_count
    if strategy is EgressStrategy.NAT_SINGLE:
        return 1
    return 0


def nat_for_az(strategy: EgressStrategy, az_index: int) -> int:
    """Index of the NAT gateway the Lambda route table of AZ `az_index` points at."""
    return az_index if strategy is EgressStrategy.NAT_PER_AZ else 0


@dataclass(frozen=True)
class NatEgressArgs:
    """`allocation_ids`: bring-your-own EIP allocations (already allow-listed by vendors), one per NAT."""

    strategy: EgressStrategy
    public_subnet_ids: Sequence[pulumi.Input[str]]
    lambda_route_table_ids: Sequence[pulumi.Input[str]]
    internet_gateway: pulumi.Resource | None = None
    allocation_ids: Sequence[str] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


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
    if args.allocation_ids is not None and len(args.allocation_ids) != count:
        raise PlanError(
            f"{len(args.allocation_ids)} Elastic IP allocation id(s) given for {count} NAT gateway(s) "
            f"({args.strategy.value}): give exactly {count}, or a vendor allow-list would miss an egress IP at random"
        )
    return count


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
        self.eips, self.nat_gateways, self.routes = [], [], []
        allocation_ids: list[pulumi.Input[str]] = []
        if args.allocation_ids is None:
            for index in range(count):
                eip = aws.ec2.Eip(
                    f"{name}-eip-{index}",
                    domain="vpc",
                    tags=merge_tags(tags, Name=f"{name}-egress-{index}"),
                    opts=child_opts(self),
                )
                self.eips.append(eip)
                allocation_ids.append(eip.allocation_id)
        else:
            allocation_ids.extend(args.allocation_ids)
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
        for az_index, route_table_id in enumerate(args.lambda_route_table_ids):
            self.routes.append(
                aws.ec2.Route(
                    f"{name}-default-{az_index}",
                    route_table_id=route_table_id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=self.nat_gateways[nat_for_az(args.strategy, az_index)].id,
                    opts=child_opts(self),
                )
            )
        self.nat_gateway_ids = [n.id for n in self.nat_gateways]
        self.egress_ips = pulumi.Output.all(*[n.public_ip for n in self.nat_gateways]).apply(
            lambda ips: [ip for ip in ips if ip]
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
        self.routes = [
            aws.ec2.Route(
                f"{name}-default-{index}",
                route_table_id=route_table_id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=args.internet_gateway_id,
                opts=child_opts(self),
            )
            for index, route_table_id in enumerate(args.lambda_route_table_ids)
        ]
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
        self.egress_ips = pulumi.Output.all(*[e.public_ip for e in self.eips]).apply(
            lambda ips: [ip for ip in ips if ip]
        )
        return association
