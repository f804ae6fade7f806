"""Ingress for Lambda: API Gateway as the public face, and static ingress IPs via Global Accelerator -> ALB.

Seed 000 pattern 1: clients talk to API Gateway's stable name, never to a function. Seed 001: some vendors insist
on calling back a fixed IP, but neither API Gateway nor an ALB has one and an NLB cannot target Lambda, so
Global Accelerator (two static anycast IPs, $0.025/hour plus a data-transfer premium) fronts an internet-facing
ALB whose target group invokes the function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
from netkit_core.capacity import PlanError

from .common import child_opts, merge_tags


@dataclass(frozen=True)
class HttpApiIngressArgs:
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]
    routes: Sequence[str] = ("POST /webhook",)
    tags: Mapping[str, str] = field(default_factory=dict)


class HttpApiIngress(pulumi.ComponentResource):
    """HTTP API -> Lambda proxy integration, routes, auto-deployed $default stage, invoke permission."""

    api: aws.apigatewayv2.Api
    url: pulumi.Output[str]

    def __init__(self, name: str, args: HttpApiIngressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not args.routes:
            raise PlanError("HttpApiIngress needs at least one route such as 'POST /webhook'")
        for route in args.routes:
            method, _, path = route.partition(" ")
            if not method or not path.startswith("/"):
                raise PlanError(f"route {route!r} is not '<METHOD> /path' (for example 'POST /webhook')")
        super().__init__("netkit:ingress:HttpApiIngress", name, None, opts)
        tags = dict(args.tags)
        self.api = aws.apigatewayv2.Api(f"{name}-api", protocol_type="HTTP", tags=tags, opts=child_opts(self))
        integration = aws.apigatewayv2.Integration(
            f"{name}-lambda",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_uri=args.function_arn,
            integration_method="POST",
            payload_format_version="2.0",
            opts=child_opts(self),
        )
        for index, route in enumerate(args.routes):
            aws.apigatewayv2.Route(
                f"{name}-route-{index}",
                api_id=self.api.id,
                route_key=route,
                target=integration.id.apply(lambda i: f"integrations/{i}"),
                opts=child_opts(self),
            )
        stage = aws.apigatewayv2.Stage(
            f"{name}-stage", api_id=self.api.id, name="$default", auto_deploy=True, tags=tags, opts=child_opts(self)
        )
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=args.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=self.api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
            opts=child_opts(self),
        )
        self.url = stage.invoke_url
        self.register_outputs({"url": self.url})


@dataclass(frozen=True)
class StaticIngressArgs:
    """`certificate_arn` turns the ALB listener into HTTPS on 443; without it the listener is HTTP on 80."""

    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    function_arn: pulumi.Input[str]
    function_name: pulumi.Input[str]
    region: pulumi.Input[str]
    certificate_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class StaticIngress(pulumi.ComponentResource):
    """Global Accelerator (2 static IPs) -> TCP listener -> endpoint group -> internet-facing ALB -> Lambda."""

    accelerator: aws.globalaccelerator.Accelerator
    load_balancer: aws.lb.LoadBalancer
    static_ips: pulumi.Output[list[str]]
    dns_name: pulumi.Output[str]

    def __init__(self, name: str, args: StaticIngressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if len(args.public_subnet_ids) < 2:
            raise PlanError(
                f"an ALB needs public subnets in at least 2 AZs; got {len(args.public_subnet_ids)}. Raise azCount"
            )
        super().__init__("netkit:ingress:StaticIngress", name, None, opts)
        tags = dict(args.tags)
        port = 443 if args.certificate_arn else 80
        if not args.certificate_arn:
            pulumi.log.warn(
                "StaticIngress without certificate_arn listens on HTTP port 80; give an ACM certificate for HTTPS",
                resource=self,
            )
        alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb",
            vpc_id=args.vpc_id,
            description="Internet-facing ALB behind Global Accelerator (client IPs preserved)",
            tags=merge_tags(tags, Name=f"{name}-alb"),
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-in",
            security_group_id=alb_sg.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description="webhook callers via Global Accelerator",
            opts=child_opts(self),
        )
        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=list(args.public_subnet_ids),
            security_groups=[alb_sg.id],
            tags=tags,
            opts=child_opts(self),
        )
        target_group = aws.lb.TargetGroup(f"{name}-tg", target_type="lambda", tags=tags, opts=child_opts(self))
        permission = aws.lambda_.Permission(
            f"{name}-alb-invoke",
            action="lambda:InvokeFunction",
            function=args.function_name,
            principal="elasticloadbalancing.amazonaws.com",
            source_arn=target_group.arn,
            opts=child_opts(self),
        )
        aws.lb.TargetGroupAttachment(
            f"{name}-tg-fn",
            target_group_arn=target_group.arn,
            target_id=args.function_arn,
            opts=child_opts(self, depends_on=[permission]),
        )
        aws.lb.Listener(
            f"{name}-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=port,
            protocol="HTTPS" if args.certificate_arn else "HTTP",
            certificate_arn=args.certificate_arn,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)],
            opts=child_opts(self),
        )
        self.accelerator = aws.globalaccelerator.Accelerator(
            f"{name}-ga", ip_address_type="IPV4", enabled=True, tags=tags, opts=child_opts(self)
        )
        listener = aws.globalaccelerator.Listener(
            f"{name}-ga-listener",
            accelerator_arn=self.accelerator.arn,
            protocol="TCP",
            port_ranges=[aws.globalaccelerator.ListenerPortRangeArgs(from_port=port, to_port=port)],
            opts=child_opts(self),
        )
        aws.globalaccelerator.EndpointGroup(
            f"{name}-ga-endpoints",
            listener_arn=listener.arn,
            endpoint_group_region=args.region,
            endpoint_configurations=[
                aws.globalaccelerator.EndpointGroupEndpointConfigurationArgs(
                    endpoint_id=self.load_balancer.arn, weight=100, client_ip_preservation_enabled=True
                )
            ],
            opts=child_opts(self),
        )
        self.static_ips = self.accelerator.ip_sets.apply(
            lambda sets: [ip for s in (sets or []) for ip in (s.ip_addresses or [])]
        )
        self.dns_name = self.accelerator.dns_name
        self.register_outputs({"static_ips": self.static_ips, "dns_name": self.dns_name})
