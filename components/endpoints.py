"""VPC endpoints for Lambda subnets: free S3/DynamoDB gateway endpoints and private-DNS interface endpoints.

Seed 003: gateway endpoints are free, so S3 and DynamoDB traffic should never pay the NAT's per-GB fee ("a reflex
decision"); interface endpoints (~$7/month per AZ) keep SQS, Secrets Manager & co. off the NAT and the internet,
but only work transparently with private DNS on, on a VPC with DNS support and hostnames (the DNS trap). Their
security group admits TCP 443 from the Lambda security groups only, never the whole VPC CIDR.

Endpoint policy: AWS's default endpoint policy allows every action on every resource to any principal, so
credentials from another account could move data out through our endpoint. Each endpoint gets an
identity-perimeter policy instead: any action, but only by principals of this account (`aws:PrincipalAccount`);
resources are not restricted, because Lambda, ECR and package mirrors read AWS-owned S3 buckets. Pass `policy` to
use your own document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
from netkit_core.capacity import PlanError

from .common import child_opts, merge_tags

GATEWAY_SERVICES = ("s3", "dynamodb")
_SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


def service_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def own_account_policy(account_id: str) -> str:
    """An endpoint policy that lets only this account's principals use the endpoint (pure)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OnlyThisAccountsPrincipals",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id}},
                }
            ],
        }
    )


@dataclass(frozen=True)
class VpcEndpointsArgs:
    """`subnet_ids`: one Lambda subnet per AZ for the interface endpoints' ENIs (one IP each). `region=None`
    takes the region of the component's provider (looked up with parent=self)."""

    vpc_id: pulumi.Input[str]
    region: str | None
    route_table_ids: Sequence[pulumi.Input[str]]
    subnet_ids: Sequence[pulumi.Input[str]] = ()
    interface_services: Sequence[str] = ()
    gateway_services: Sequence[str] = GATEWAY_SERVICES
    allowed_security_group_ids: Sequence[pulumi.Input[str]] = ()
    policy: str | None = None  # None: only this account's principals (own_account_policy)
    tags: Mapping[str, str] = field(default_factory=dict)


def validate_endpoint_args(args: VpcEndpointsArgs) -> None:
    for service in [*args.interface_services, *args.gateway_services]:
        if not _SERVICE_RE.match(service):
            raise PlanError(f"endpoint service {service!r} is not a service short name such as 'sqs' or 'ssm'")
    unknown_gateway = [s for s in args.gateway_services if s not in GATEWAY_SERVICES]
    if unknown_gateway:
        raise PlanError(
            f"gateway endpoints exist only for {', '.join(GATEWAY_SERVICES)}; {', '.join(unknown_gateway)} needs an "
            "interface endpoint (interface_services)"
        )
    both = sorted(set(args.interface_services) & set(args.gateway_services))
    if both:
        raise PlanError(f"{', '.join(both)} listed as both gateway and interface endpoint; pick one")
    if len(set(args.interface_services)) != len(args.interface_services):
        raise PlanError("interface_services lists a service twice")
    if args.gateway_services and not args.route_table_ids:
        raise PlanError("gateway endpoints need the Lambda route tables (route_table_ids) to attach to")
    if args.interface_services and not args.subnet_ids:
        raise PlanError("interface endpoints need subnet_ids (one Lambda subnet per AZ)")


class VpcEndpoints(pulumi.ComponentResource):
    """Gateway endpoints on every Lambda route table; interface endpoints with private DNS and a tight SG."""

    gateway_endpoints: dict[str, aws.ec2.VpcEndpoint]
    interface_endpoints: dict[str, aws.ec2.VpcEndpoint]
    security_group: aws.ec2.SecurityGroup | None
    security_group_id: pulumi.Output[str] | None
    endpoint_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: VpcEndpointsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate_endpoint_args(args)
        super().__init__("netkit:endpoints:VpcEndpoints", name, None, opts)
        invoke = pulumi.InvokeOptions(parent=self)  # the component's provider decides region and account
        region = args.region or aws.get_region(opts=invoke).region
        policy = args.policy or own_account_policy(aws.get_caller_identity(opts=invoke).account_id)
        self._name = name
        tags = dict(args.tags)
        self.gateway_endpoints = {
            service: aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=args.vpc_id,
                service_name=service_name(region, service),
                vpc_endpoint_type="Gateway",
                route_table_ids=list(args.route_table_ids),
                policy=policy,
                tags=merge_tags(tags, Name=f"{name}-{service}"),
                opts=child_opts(self),
            )
            for service in args.gateway_services
        }
        self.security_group, self.security_group_id = None, None
        self.interface_endpoints = {}
        if args.interface_services:
            self.security_group = aws.ec2.SecurityGroup(
                f"{name}-endpoints",
                vpc_id=args.vpc_id,
                description="Interface endpoints: HTTPS from Lambda security groups only",
                tags=merge_tags(tags, Name=f"{name}-endpoints"),
                opts=child_opts(self),
            )
            self.security_group_id = self.security_group.id
            for index, sg_id in enumerate(args.allowed_security_group_ids):
                self.allow_from(f"allowed-{index}", sg_id)
            for service in args.interface_services:
                self.interface_endpoints[service] = aws.ec2.VpcEndpoint(
                    f"{name}-{service}",
                    vpc_id=args.vpc_id,
                    service_name=service_name(region, service),
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    policy=policy,
                    subnet_ids=list(args.subnet_ids),
                    security_group_ids=[self.security_group.id],
                    tags=merge_tags(tags, Name=f"{name}-{service}"),
                    opts=child_opts(self),
                )
        self.endpoint_ids = [e.id for e in [*self.gateway_endpoints.values(), *self.interface_endpoints.values()]]
        self.register_outputs({"endpoint_ids": self.endpoint_ids, "security_group_id": self.security_group_id})

    def allow_from(self, label: str, security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupIngressRule:
        """Admit HTTPS from one Lambda security group (never from a CIDR)."""
        if self.security_group is None:
            raise PlanError("this VpcEndpoints has no interface endpoints, so no security group to allow into")
        return aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-https-from-{label}",
            security_group_id=self.security_group.id,
            referenced_security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description=f"HTTPS from Lambda security group {label}",
            opts=child_opts(self),
        )
