"""A VPC sized for Lambda: Lambda subnets (and, when something needs them, public subnets) per AZ, explicit
route tables, optional IPv6 egress, a parking security group, flow logs.

Why this shape (seeds 002, 003): Lambda subnets get their own tier and their own IP block so Hyperplane ENIs never
compete with other workloads; they are sized by the capacity model rather than guessed (a /28 has 11 usable IPs);
each AZ gets its own Lambda route table so egress can stay in the AZ (one NAT per AZ); DNS support and DNS
hostnames are on because interface endpoints with private DNS silently fail without them; flow logs are on by
default because they are how unexpected outbound connections (SSRF) are spotted. Public subnets exist only when
something must sit in them (zonal NAT gateways, an internet-facing ALB): a regional NAT gateway needs the
internet gateway but no public subnet.

IPv6 egress: an Amazon-provided /56 on the VPC, a /64 per Lambda subnet, and an egress-only internet gateway
(free: no hourly or per-GB processing fee) with a `::/0` route from every Lambda route table. DNS64 is opt-in;
with it on, the egress component must route `64:ff9b::/96` to a NAT gateway, or connections to IPv4-only names
hang (the DNS64 trap).

Provider functions (the AZ lookup) run with `parent=self`, as awsx's `Vpc.getDefaultAzs` does
(pulumi-awsx awsx/ec2/vpc.ts), so an explicit provider given to the component decides the region; the SDK
resolves the parent's provider in pulumi/runtime/invoke.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
from netkit_core.capacity import (
    CapacityPlan,
    PlanError,
    plan_subnets,
    usable_ips,
    validate_subnet_cidrs,
    validate_vpc_cidr,
)

from .common import child_opts, merge_tags
from .ipv6 import IPV6_ANY, ipv6_subnet_cidr

PUBLIC_TIER = "public"
LAMBDA_TIER = "lambda"
DEFAULT_PUBLIC_PREFIX = 26


@dataclass(frozen=True)
class LambdaNetworkArgs:
    """Inputs of `LambdaNetwork`.

    `availability_zones` may be given explicitly; otherwise the first `az_count` available AZs of the region (of
    the component's provider) are used. `lambda_subnet_cidrs` / `public_subnet_cidrs` override the planner
    (validated: inside the VPC, no overlap, one per AZ, Lambda subnets large enough for `capacity`).
    `public_subnets=False` builds no public tier (regional NAT, Hyperplane EIPs and IPv6 egress need none);
    `internet_gateway=False` builds no internet gateway either (only for stacks without IPv4 internet access).
    `ipv6=True` makes the Lambda subnets dual-stack with an egress-only internet gateway; `dns64=True` also turns
    on DNS64 in them. `parking_security_group` adds a security group without rules that teardown moves functions
    to (DESIGN.md section 6).
    """

    cidr_block: str = "10.0.0.0/16"
    az_count: int = 2
    availability_zones: Sequence[str] | None = None
    capacity: CapacityPlan = field(default_factory=CapacityPlan)
    public_subnet_prefix: int = DEFAULT_PUBLIC_PREFIX
    lambda_subnet_cidrs: Sequence[str] | None = None
    public_subnet_cidrs: Sequence[str] | None = None
    public_subnets: bool = True
    internet_gateway: bool = True
    ipv6: bool = False
    dns64: bool = False
    parking_security_group: bool = True
    flow_logs: bool = True
    flow_log_retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubnetLayout:
    availability_zones: list[str]
    lambda_cidrs: list[str]
    public_cidrs: list[str]
    lambda_prefix: int


def validate_network_args(args: LambdaNetworkArgs) -> None:
    """Everything that can be checked without the region's AZs (runs before the component registers)."""
    validate_vpc_cidr(args.cidr_block)
    if args.az_count < 1:
        raise PlanError(f"az_count is {args.az_count}; use at least 1 (2 or more so one AZ failing is survivable)")
    if args.public_subnets and not args.internet_gateway:
        raise PlanError("public subnets need an internet gateway: set internet_gateway=True or public_subnets=False")
    if args.dns64 and not args.ipv6:
        raise PlanError("dns64 needs ipv6: DNS64 answers are IPv6 addresses, which only dual-stack subnets can use")
    if not args.public_subnets and args.public_subnet_cidrs:
        raise PlanError("public_subnet_cidrs given with public_subnets=False; drop one of them")


def plan_network(args: LambdaNetworkArgs, available_zones: Sequence[str]) -> SubnetLayout:
    """Validate the arguments and decide every CIDR; raises PlanError before any resource exists."""
    validate_network_args(args)
    zones = list(args.availability_zones or available_zones[: args.az_count])
    if len(zones) < args.az_count:
        raise PlanError(
            f"az_count is {args.az_count} but only {len(zones)} availability zone(s) are available: "
            f"{', '.join(zones) or 'none'}"
        )
    zones = zones[: args.az_count]
    if len(set(zones)) != len(zones):
        raise PlanError(f"availability zones repeat: {', '.join(zones)}; give each subnet its own AZ")
    demand = args.capacity.demand()
    lambda_prefix = args.capacity.prefix_length()
    tiers = [(LAMBDA_TIER, lambda_prefix)]
    if args.public_subnets:
        tiers.append((PUBLIC_TIER, args.public_subnet_prefix))
    if args.lambda_subnet_cidrs is None and args.public_subnet_cidrs is None:
        planned = plan_subnets(args.cidr_block, tiers, args.az_count)
        return SubnetLayout(
            zones,
            [p.cidr for p in planned if p.tier == LAMBDA_TIER],
            [p.cidr for p in planned if p.tier == PUBLIC_TIER],
            lambda_prefix,
        )
    public_cidrs = list(args.public_subnet_cidrs or [])
    if args.lambda_subnet_cidrs is None or (args.public_subnets and args.public_subnet_cidrs is None):
        raise PlanError("give both lambda_subnet_cidrs and public_subnet_cidrs, or neither to let the planner decide")
    explicit = [("Lambda", list(args.lambda_subnet_cidrs))] + (
        [("public", public_cidrs)] if args.public_subnets else []
    )
    for what, cidrs in explicit:
        if len(cidrs) != args.az_count:
            raise PlanError(f"{len(cidrs)} {what} subnet CIDR(s) for {args.az_count} AZ(s): give exactly one per AZ")
    networks = validate_subnet_cidrs(args.cidr_block, [*args.lambda_subnet_cidrs, *public_cidrs], "subnet")
    for net in networks[: args.az_count]:
        if usable_ips(net.prefixlen) < demand.required:
            raise PlanError(
                f"Lambda subnet {net} has {usable_ips(net.prefixlen)} usable IPs but the plan needs "
                f"{demand.explain()}; use /{lambda_prefix} or larger"
            )
    return SubnetLayout(
        zones,
        [str(n) for n in networks[: args.az_count]],
        [str(n) for n in networks[args.az_count :]],
        min(n.prefixlen for n in networks[: args.az_count]),
    )


class LambdaNetwork(pulumi.ComponentResource):
    """VPC + Lambda (and public) subnets per AZ + internet gateway + route tables (+ IPv6 egress, flow logs)."""

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    availability_zones: list[str]
    public_subnets: list[aws.ec2.Subnet]
    lambda_subnets: list[aws.ec2.Subnet]
    public_subnet_ids: list[pulumi.Output[str]]
    lambda_subnet_ids: list[pulumi.Output[str]]
    internet_gateway: aws.ec2.InternetGateway | None
    public_route_table: aws.ec2.RouteTable | None
    lambda_route_tables: list[aws.ec2.RouteTable]
    lambda_route_table_ids: list[pulumi.Output[str]]
    egress_only_gateway: aws.ec2.EgressOnlyInternetGateway | None
    parking_security_group: aws.ec2.SecurityGroup | None
    parking_security_group_id: pulumi.Output[str] | None
    flow_log: aws.ec2.FlowLog | None
    layout: SubnetLayout

    def __init__(self, name: str, args: LambdaNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Validation first: nothing is registered for a bad plan. Only the AZ lookup has to wait for the
        # component, because it must run through the component's provider (parent=self).
        validate_network_args(args)
        layout = plan_network(args, args.availability_zones) if args.availability_zones else None
        super().__init__("netkit:network:LambdaNetwork", name, None, opts)
        if layout is None:
            zones = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=self)).names
            layout = plan_network(args, zones)  # still before any child resource
        self.layout = layout
        self.availability_zones = layout.availability_zones
        tags = dict(args.tags)

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            assign_generated_ipv6_cidr_block=True if args.ipv6 else None,
            tags=merge_tags(tags, Name=f"{name}-vpc"),
            opts=child_opts(self),
        )
        self.vpc_id = self.vpc.id
        self.internet_gateway = None
        if args.internet_gateway:
            self.internet_gateway = aws.ec2.InternetGateway(
                f"{name}-igw", vpc_id=self.vpc.id, tags=merge_tags(tags, Name=f"{name}-igw"), opts=child_opts(self)
            )
        self.egress_only_gateway = None
        if args.ipv6:
            self.egress_only_gateway = aws.ec2.EgressOnlyInternetGateway(
                f"{name}-eigw", vpc_id=self.vpc.id, tags=merge_tags(tags, Name=f"{name}-eigw"), opts=child_opts(self)
            )
        self.public_route_table = None
        if args.public_subnets and self.internet_gateway is not None:
            self.public_route_table = aws.ec2.RouteTable(
                f"{name}-public-rt",
                vpc_id=self.vpc.id,
                tags=merge_tags(tags, Name=f"{name}-public"),
                opts=child_opts(self),
            )
            aws.ec2.Route(
                f"{name}-public-internet",
                route_table_id=self.public_route_table.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=self.internet_gateway.id,
                opts=child_opts(self),
            )
        self.public_subnets, self.lambda_subnets, self.lambda_route_tables = [], [], []
        for index, zone in enumerate(layout.availability_zones):
            if self.public_route_table is not None:
                self.public_subnets.append(self._public_subnet(name, index, zone, layout, tags))
            private = aws.ec2.Subnet(
                f"{name}-lambda-{index}",
                vpc_id=self.vpc.id,
                cidr_block=layout.lambda_cidrs[index],
                availability_zone=zone,
                ipv6_cidr_block=self._ipv6_block(index) if args.ipv6 else None,
                assign_ipv6_address_on_creation=True if args.ipv6 else None,
                enable_dns64=True if args.dns64 else None,
                tags=merge_tags(tags, Name=f"{name}-lambda-{zone}", **{"netkit:tier": LAMBDA_TIER}),
                opts=child_opts(self),
            )
            route_table = aws.ec2.RouteTable(
                f"{name}-lambda-rt-{index}",
                vpc_id=self.vpc.id,
                tags=merge_tags(tags, Name=f"{name}-lambda-{zone}"),
                opts=child_opts(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-lambda-{index}",
                subnet_id=private.id,
                route_table_id=route_table.id,
                opts=child_opts(self),
            )
            if self.egress_only_gateway is not None:
                aws.ec2.Route(
                    f"{name}-lambda-ipv6-{index}",
                    route_table_id=route_table.id,
                    destination_ipv6_cidr_block=IPV6_ANY,
                    egress_only_gateway_id=self.egress_only_gateway.id,
                    opts=child_opts(self),
                )
            self.lambda_subnets.append(private)
            self.lambda_route_tables.append(route_table)
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.lambda_subnet_ids = [s.id for s in self.lambda_subnets]
        self.lambda_route_table_ids = [rt.id for rt in self.lambda_route_tables]
        self.parking_security_group, self.parking_security_group_id = None, None
        if args.parking_security_group:
            self.parking_security_group = aws.ec2.SecurityGroup(
                f"{name}-parking",
                vpc_id=self.vpc.id,
                description="Parking: no rules; teardown moves functions here so their ENIs release other groups",
                tags=merge_tags(tags, Name=f"{name}-parking", **{"netkit:role": "parking"}),
                opts=child_opts(self),
            )
            self.parking_security_group_id = self.parking_security_group.id
        self.flow_log = self._flow_logs(name, args, tags) if args.flow_logs else None
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "lambda_subnet_ids": self.lambda_subnet_ids,
                "lambda_route_table_ids": self.lambda_route_table_ids,
                "availability_zones": self.availability_zones,
                "parking_security_group_id": self.parking_security_group_id,
            }
        )

    def _public_subnet(
        self, name: str, index: int, zone: str, layout: SubnetLayout, tags: dict[str, str]
    ) -> aws.ec2.Subnet:
        assert self.public_route_table is not None
        public = aws.ec2.Subnet(
            f"{name}-public-{index}",
            vpc_id=self.vpc.id,
            cidr_block=layout.public_cidrs[index],
            availability_zone=zone,
            tags=merge_tags(tags, Name=f"{name}-public-{zone}", **{"netkit:tier": PUBLIC_TIER}),
            opts=child_opts(self),
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-public-{index}",
            subnet_id=public.id,
            route_table_id=self.public_route_table.id,
            opts=child_opts(self),
        )
        return public

    def _ipv6_block(self, index: int) -> pulumi.Output[str | None]:
        """The `index`-th /64 of the VPC's Amazon-provided /56 (unknown until AWS assigns the /56)."""
        return self.vpc.ipv6_cidr_block.apply(lambda block: ipv6_subnet_cidr(block, index) if block else None)

    def _flow_logs(self, name: str, args: LambdaNetworkArgs, tags: dict[str, str]) -> aws.ec2.FlowLog:
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", retention_in_days=args.flow_log_retention_days, tags=tags, opts=child_opts(self)
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            tags=tags,
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=log_group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogGroups",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=child_opts(self),
        )
        return aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            tags=tags,
            opts=child_opts(self),
        )
