"""A VPC sized for Lambda: public and Lambda subnet tiers per AZ, explicit route tables, flow logs.

Why this shape (seeds 002, 003): Lambda subnets get their own tier and their own IP block so Hyperplane ENIs never
compete with other workloads; they are sized by the capacity model rather than guessed (a /28 has 11 usable IPs);
each AZ gets its own Lambda route table so egress can stay in the AZ (one NAT per AZ); DNS support and DNS
hostnames are on because interface endpoints with private DNS silently fail without them; flow logs are on by
default because they are how unexpected outbound connections (SSRF) are spotted.
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

PUBLIC_TIER = "public"
LAMBDA_TIER = "lambda"
DEFAULT_PUBLIC_PREFIX = 26


@dataclass(frozen=True)
class LambdaNetworkArgs:
    """Inputs of `LambdaNetwork`.

    `availability_zones` may be given explicitly; otherwise the first `az_count` available AZs of the region are
    used. `lambda_subnet_cidrs` / `public_subnet_cidrs` override the planner (validated: inside the VPC, no
    overlap, one per AZ, Lambda subnets large enough for `capacity`).
    """

    cidr_block: str = "10.0.0.0/16"
    az_count: int = 2
    availability_zones: Sequence[str] | None = None
    capacity: CapacityPlan = field(default_factory=CapacityPlan)
    public_subnet_prefix: int = DEFAULT_PUBLIC_PREFIX
    lambda_subnet_cidrs: Sequence[str] | None = None
    public_subnet_cidrs: Sequence[str] | None = None
    flow_logs: bool = True
    flow_log_retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubnetLayout:
    availability_zones: list[str]
    lambda_cidrs: list[str]
    public_cidrs: list[str]
    lambda_prefix: int


def plan_network(args: LambdaNetworkArgs, available_zones: Sequence[str]) -> SubnetLayout:
    """Validate the arguments and decide every CIDR; raises PlanError before any resource exists."""
    validate_vpc_cidr(args.cidr_block)
    zones = list(args.availability_zones or available_zones[: args.az_count])
    if args.az_count < 1:
        raise PlanError(f"az_count is {args.az_count}; use at least 1 (2 or more so one AZ failing is survivable)")
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
    if args.lambda_subnet_cidrs is None and args.public_subnet_cidrs is None:
        planned = plan_subnets(
            args.cidr_block, [(LAMBDA_TIER, lambda_prefix), (PUBLIC_TIER, args.public_subnet_prefix)], args.az_count
        )
        return SubnetLayout(
            zones,
            [p.cidr for p in planned if p.tier == LAMBDA_TIER],
            [p.cidr for p in planned if p.tier == PUBLIC_TIER],
            lambda_prefix,
        )
    if args.lambda_subnet_cidrs is None or args.public_subnet_cidrs is None:
        raise PlanError("give both lambda_subnet_cidrs and public_subnet_cidrs, or neither to let the planner decide")
    for what, cidrs in (("Lambda", args.lambda_subnet_cidrs), ("public", args.public_subnet_cidrs)):
        if len(cidrs) != args.az_count:
            raise PlanError(f"{len(cidrs)} {what} subnet CIDR(s) for {args.az_count} AZ(s): give exactly one per AZ")
    networks = validate_subnet_cidrs(args.cidr_block, [*args.lambda_subnet_cidrs, *args.public_subnet_cidrs], "subnet")
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
    """VPC + public and Lambda subnets per AZ + internet gateway + route tables (+ flow logs)."""

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    availability_zones: list[str]
    public_subnets: list[aws.ec2.Subnet]
    lambda_subnets: list[aws.ec2.Subnet]
    public_subnet_ids: list[pulumi.Output[str]]
    lambda_subnet_ids: list[pulumi.Output[str]]
    internet_gateway: aws.ec2.InternetGateway
    public_route_table: aws.ec2.RouteTable
    lambda_route_tables: list[aws.ec2.RouteTable]
    lambda_route_table_ids: list[pulumi.Output[str]]
    flow_log: aws.ec2.FlowLog | None
    layout: SubnetLayout

    def __init__(self, name: str, args: LambdaNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        zones = args.availability_zones
        if zones is None:
            zones = aws.get_availability_zones(state="available").names
        layout = plan_network(args, zones)  # validation first: nothing is created for a bad plan
        super().__init__("netkit:network:LambdaNetwork", name, None, opts)
        self.layout = layout
        self.availability_zones = layout.availability_zones
        tags = dict(args.tags)

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=merge_tags(tags, Name=f"{name}-vpc"),
            opts=child_opts(self),
        )
        self.vpc_id = self.vpc.id
        self.internet_gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags=merge_tags(tags, Name=f"{name}-igw"), opts=child_opts(self)
        )
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
            private = aws.ec2.Subnet(
                f"{name}-lambda-{index}",
                vpc_id=self.vpc.id,
                cidr_block=layout.lambda_cidrs[index],
                availability_zone=zone,
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
            self.public_subnets.append(public)
            self.lambda_subnets.append(private)
            self.lambda_route_tables.append(route_table)
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.lambda_subnet_ids = [s.id for s in self.lambda_subnets]
        self.lambda_route_table_ids = [rt.id for rt in self.lambda_route_tables]
        self.flow_log = self._flow_logs(name, args, tags) if args.flow_logs else None
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "lambda_subnet_ids": self.lambda_subnet_ids,
                "lambda_route_table_ids": self.lambda_route_table_ids,
                "availability_zones": self.availability_zones,
            }
        )

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
