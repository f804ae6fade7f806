"""lambda-netkit reference workload (DESIGN.md section 2), composed per environment from stack config.

A worker consumes an SQS queue, reads its database credentials from Secrets Manager (its env var holds only the
ARN), may reach a private database, and calls a vendor API that allow-lists our static egress IP; a webhook
receiver takes the vendor's callbacks through API Gateway (and, in prod, through two static ingress IPs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
from netkit_core.capacity import CapacityPlan

from components.egress import (
    HyperplaneEipEgress,
    HyperplaneEipEgressArgs,
    NatEgress,
    NatEgressArgs,
    RegionalNatEgress,
    RegionalNatEgressArgs,
)
from components.endpoints import VpcEndpoints, VpcEndpointsArgs
from components.function import DatabaseAccess, SecretRef, VpcFunction, VpcFunctionArgs
from components.ingress import HttpApiIngress, HttpApiIngressArgs, StaticIngress, StaticIngressArgs
from components.network import LambdaNetwork, LambdaNetworkArgs
from components.settings import DEFAULTS, parse_settings
from components.strategy import EgressStrategy, needs_internet_gateway, needs_public_subnets

APP_DIR = Path(__file__).resolve().parent / "app"


def read_config() -> dict[str, Any]:
    config = pulumi.Config("netkit")
    raw: dict[str, Any] = {}
    for key in DEFAULTS:
        value = (
            config.get_object(key)
            if key in ("interfaceEndpoints", "gatewayEndpoints", "hyperplaneAllowedEnvironments", "natAllocationIds")
            else config.get(key)
        )
        if value is not None:
            raw[key] = value
    return raw


@dataclass
class NetworkView:
    """What the app needs from the network: built here, or taken from a long-lived network stack."""

    vpc_id: pulumi.Input[str]
    lambda_subnet_ids: list[pulumi.Input[str]]
    public_subnet_ids: list[pulumi.Input[str]]
    app_security_group_id: pulumi.Input[str] | None = None
    parking_security_group_id: pulumi.Input[str] | None = None
    endpoint_security_group_id: pulumi.Input[str] | None = None
    egress_ips: pulumi.Input[list[str]] = field(default_factory=list)


settings = parse_settings(read_config(), pulumi.get_stack())
strategy = EgressStrategy.parse(settings.egress_strategy)
region = aws.get_region().region
tags = settings.tags
shared = bool(settings.network_stack)
hyperplane: HyperplaneEipEgress | None = None
network: LambdaNetwork | None = None

if shared:
    # DESIGN.md section 6: an ephemeral app stack reuses the shared subnets and Lambda security group, so Lambda
    # reuses their Hyperplane ENIs (creates in seconds) and its destroy never waits on ENI release.
    ref = pulumi.StackReference(settings.network_stack)

    def nth_subnet(index: int) -> pulumi.Output[str]:
        return ref.require_output("lambda_subnet_ids").apply(lambda ids: str(ids[index]))

    view = NetworkView(
        vpc_id=ref.require_output("vpc_id"),
        lambda_subnet_ids=[nth_subnet(i) for i in range(settings.az_count)],
        public_subnet_ids=[],
        app_security_group_id=ref.require_output("app_security_group_id"),
        parking_security_group_id=ref.get_output("parking_security_group_id"),
        egress_ips=ref.get_output("egress_ips"),
    )
else:
    network = LambdaNetwork(
        "net",
        LambdaNetworkArgs(
            cidr_block=settings.vpc_cidr,
            az_count=settings.az_count,
            capacity=CapacityPlan(
                security_group_combinations=2,  # the shared app group plus room for one more function group
                interface_endpoints=len(settings.interface_endpoints),
            ),
            public_subnets=needs_public_subnets(strategy, settings.static_ingress),
            internet_gateway=needs_internet_gateway(strategy, settings.static_ingress),
            ipv6=settings.ipv6_egress,
            dns64=settings.dns64,
            flow_logs=settings.flow_logs,
            tags=tags,
        ),
    )
    endpoints = VpcEndpoints(
        "endpoints",
        VpcEndpointsArgs(
            vpc_id=network.vpc_id,
            region=region,
            route_table_ids=network.lambda_route_table_ids,
            subnet_ids=network.lambda_subnet_ids,
            interface_services=settings.interface_endpoints,
            gateway_services=settings.gateway_endpoints,
            tags=tags,
        ),
    )
    view = NetworkView(
        vpc_id=network.vpc_id,
        lambda_subnet_ids=list(network.lambda_subnet_ids),
        public_subnet_ids=list(network.public_subnet_ids),
        endpoint_security_group_id=endpoints.security_group_id,
        parking_security_group_id=network.parking_security_group_id,
    )
    allocation_ids = settings.nat_allocation_ids or None
    if strategy in (EgressStrategy.NAT_PER_AZ, EgressStrategy.NAT_SINGLE):
        nat = NatEgress(
            "egress",
            NatEgressArgs(
                strategy=strategy,
                public_subnet_ids=network.public_subnet_ids,
                lambda_route_table_ids=network.lambda_route_table_ids,
                internet_gateway=network.internet_gateway,
                allocation_ids=allocation_ids,
                dns64=settings.dns64,
                tags=tags,
            ),
        )
        view.egress_ips = nat.egress_ips
    elif strategy is EgressStrategy.NAT_REGIONAL:
        regional = RegionalNatEgress(
            "egress",
            RegionalNatEgressArgs(
                vpc_id=network.vpc_id,
                availability_zones=network.availability_zones,
                lambda_route_table_ids=network.lambda_route_table_ids,
                internet_gateway=network.internet_gateway,
                allocation_ids=allocation_ids,
                dns64=settings.dns64,
                tags=tags,
            ),
        )
        view.egress_ips = regional.egress_ips
    elif strategy is EgressStrategy.HYPERPLANE_EIP:
        assert network.internet_gateway is not None  # needs_internet_gateway holds for every egress strategy
        hyperplane = HyperplaneEipEgress(
            "egress",
            HyperplaneEipEgressArgs(
                environment=settings.environment,
                allowed_environments=settings.hyperplane_allowed_environments,
                lambda_route_table_ids=network.lambda_route_table_ids,
                lambda_subnet_ids=network.lambda_subnet_ids,
                internet_gateway_id=network.internet_gateway.id,
                region=region,
                tags=tags,
            ),
        )

queue = aws.sqs.Queue("orders", message_retention_seconds=345600, tags=tags)
db_secret = aws.secretsmanager.Secret(
    "db-credentials", description="Database credentials of the worker; the value is set out of band", tags=tags
)
database = None
if not shared:
    database_sg = aws.ec2.SecurityGroup(
        "database", vpc_id=view.vpc_id, description="Private database (attach it to your RDS instance)", tags=tags
    )
    database = DatabaseAccess(database_sg.id, settings.database_port)

worker = VpcFunction(
    "worker",
    VpcFunctionArgs(
        vpc_id=view.vpc_id,
        subnet_ids=view.lambda_subnet_ids,
        code=pulumi.FileArchive(str(APP_DIR / "worker")),
        reserved_concurrency=settings.reserved_concurrency,
        environment={"VENDOR_API_URL": settings.vendor_api_url, "LOG_LEVEL": "INFO"},
        secrets={"DB_SECRET_ARN": SecretRef("secretsmanager", db_secret.arn)},
        egress_enabled=strategy is not EgressStrategy.NONE,
        ipv6_egress=settings.ipv6_egress,
        endpoint_security_group_id=None if shared else view.endpoint_security_group_id,
        database=database,
        security_group_id=view.app_security_group_id,
        consume_queue_arn=queue.arn,
        tags=tags,
    ),
)
# The webhook shares the worker's security group: same (subnet, group) combination, same Hyperplane ENIs,
# so it reuses their IPs and, in dev, their Elastic IPs.
webhook = VpcFunction(
    "webhook",
    VpcFunctionArgs(
        vpc_id=view.vpc_id,
        subnet_ids=view.lambda_subnet_ids,
        code=pulumi.FileArchive(str(APP_DIR / "webhook")),
        reserved_concurrency=settings.reserved_concurrency,
        environment={"QUEUE_URL": queue.url},
        egress_enabled=strategy is not EgressStrategy.NONE,
        ipv6_egress=settings.ipv6_egress,
        security_group_id=worker.security_group_id,
        send_queue_arns=[queue.arn],
        tags=tags,
    ),
)

if hyperplane is not None:
    hyperplane.associate("app", worker.function_name, worker.security_group_ids, depends_on=[worker.function])
    view.egress_ips = hyperplane.egress_ips

api = HttpApiIngress(
    "ingress", HttpApiIngressArgs(function_arn=webhook.function.arn, function_name=webhook.function_name, tags=tags)
)
static_ips: pulumi.Input[list[str]] = []
if settings.static_ingress and not shared:
    static = StaticIngress(
        "static-ingress",
        StaticIngressArgs(
            vpc_id=view.vpc_id,
            public_subnet_ids=view.public_subnet_ids,
            function_arn=webhook.function.arn,
            function_name=webhook.function_name,
            region=region,
            certificate_arn=settings.certificate_arn or None,
            tags=tags,
        ),
    )
    static_ips = static.static_ips

pulumi.export("environment", settings.environment)
pulumi.export("egress_strategy", strategy.value)
pulumi.export("egress_ips", view.egress_ips)
pulumi.export("ingress_url", api.url)
pulumi.export("static_ingress_ips", static_ips)
pulumi.export("vpc_id", view.vpc_id)
pulumi.export("lambda_subnet_ids", view.lambda_subnet_ids)
pulumi.export("public_subnet_ids", view.public_subnet_ids)
pulumi.export("app_security_group_id", worker.security_group_id)
# Interface 5 (driver <-> network stack): the Lambda security group under its driver-facing name, and the parking
# group teardown moves functions to (DESIGN.md section 6).
pulumi.export("lambda_security_group_id", worker.security_group_id)
pulumi.export("parking_security_group_id", view.parking_security_group_id)
pulumi.export("ipv6_egress", settings.ipv6_egress)
pulumi.export("function_names", [worker.function_name, webhook.function_name])
