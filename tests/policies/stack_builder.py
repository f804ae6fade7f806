"""Build a stack's resources as the Pulumi engine hands them to the pack's `AnalyzeStack`, in two modes:

- "preview", a first `pulumi preview`: the planned state the bridged AWS provider returns from Create with
  preview=true (pulumi-terraform-bridge pkg/tfbridge/provider.go `Create` -> `diff.ProposedState`): what the
  program set is known (values derived from another resource are unknown), every computed attribute it did not
  set is unknown, ids and arns are unknown; resources are linked only through `property_dependencies`; the
  `Analyze` inputs hold the program's arguments and nothing for what it omitted.
- "update": known ids, the program's values, and the computed attributes filled as AWS fills them (defaults,
  and the default full-access policy on an endpoint without one).

Tests say what the program wrote (`add(type, name, **args)`, values may be `ref(res, attr)`); the builder does
the rest, so a rule that reads `props` naively fails the preview tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from netkit_core import graph as g
from netkit_core.graph import UNKNOWN, Graph, Res
from netkit_core.rule import Outcome
from netkit_core.rules import rule_named

Mode = Literal["preview", "update"]
REGION = "us-east-1"
PREFIX = "urn:pulumi:test::netkit::"
FULL_ACCESS = json.dumps(
    {"Statement": [{"Action": "*", "Effect": "Allow", "Principal": "*", "Resource": "*"}], "Version": "2008-10-17"}
)

# Attributes the provider computes when the program omits them: their value in an update's state (callables get
# the resource's arguments). In a first preview each is unknown unless the program set it.
COMPUTED: dict[str, dict[str, Any]] = {
    g.VPC: {
        "arn": "arn",
        "mainRouteTableId": "rtb",
        "defaultRouteTableId": "rtb",
        "defaultSecurityGroupId": "sg",
        "enableDnsSupport": True,
        "enableDnsHostnames": False,
        "ipv6CidrBlock": lambda args: "2600:1f18:abcd::/56" if args.get("assignGeneratedIpv6CidrBlock") else "",
    },
    g.SUBNET: {
        "arn": "arn",
        "availabilityZone": lambda args: "" if args.get("availabilityZoneId") else "us-east-1a",
        "availabilityZoneId": lambda args: {"us-east-1a": "use1-az6", "us-east-1b": "use1-az1"}.get(
            args.get("availabilityZone", ""), "use1-az2"
        ),
        "ipv6CidrBlock": "",
        "enableDns64": False,
        "ipv6Native": False,
    },
    g.ROUTE_TABLE: {"arn": "arn", "routes": [], "propagatingVgws": []},
    g.DEFAULT_ROUTE_TABLE: {"arn": "arn", "routes": []},
    g.ROUTE: {"networkInterfaceId": "", "instanceId": "", "origin": "CreateRoute", "state": "active"},
    g.NAT: {
        "connectivityType": "public",
        "availabilityMode": "zonal",
        "allocationId": "",
        "publicIp": "203.0.113.10",
        "networkInterfaceId": "eni",
        "availabilityZoneAddresses": lambda args: (
            [
                {"availabilityZone": az, "allocationIds": ["eipalloc-0a0a0a0a"]}
                for az in ("us-east-1a", "us-east-1b", "us-east-1c")
            ]
            if args.get("availabilityMode") == "regional"
            else []
        ),
        "autoProvisionZones": lambda args: (
            "enabled"
            if args.get("availabilityMode") == "regional" and not args.get("availabilityZoneAddresses")
            else "disabled"
        ),
    },
    g.ENDPOINT: {
        "arn": "arn",
        "vpcEndpointType": "Gateway",
        "privateDnsEnabled": False,
        "policy": FULL_ACCESS,
        "routeTableIds": [],
        "subnetIds": [],
        "securityGroupIds": [],
    },
    g.EIP: {"allocationId": "eipalloc", "publicIp": "198.51.100.7"},
    g.IGW: {"arn": "arn"},
    g.EGRESS_ONLY_IGW: {},
    g.SECURITY_GROUP: {"arn": "arn"},
    g.FUNCTION: {"arn": "arn"},
    g.REST_API: {"endpointConfiguration": {"types": ["EDGE"]}, "executionArn": "arn"},
    g.HTTP_API: {"apiEndpoint": "https://abc.execute-api.us-east-1.amazonaws.com", "executionArn": "arn"},
    g.NETWORK_FIREWALL: {"firewallStatuses": []},
}
_ID_PREFIX = {
    g.VPC: "vpc",
    g.SUBNET: "subnet",
    g.ROUTE_TABLE: "rtb",
    g.DEFAULT_ROUTE_TABLE: "rtb",
    g.NAT: "nat",
    g.IGW: "igw",
    g.EGRESS_ONLY_IGW: "eigw",
    g.EIP: "eipalloc",
    g.ENDPOINT: "vpce",
    g.SECURITY_GROUP: "sg",
    g.TRANSIT_GATEWAY: "tgw",
}


@dataclass(frozen=True)
class Ref:
    """An output of another resource used as an argument (`vpc.id`, `vpc.main_route_table_id`)."""

    res: Res
    attr: str = "id"


def ref(res: Res, attr: str = "id") -> Ref:
    return Ref(res, attr)


def _hex(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:17]


class Stack:
    """Resources registered in order, as a program would; `graph()` is what the pack builds in AnalyzeStack."""

    def __init__(self, mode: Mode, region: str = REGION) -> None:
        self.mode, self.region = mode, region
        self.resources: list[Res] = []

    # --- building -------------------------------------------------------------------------------------------
    def add(self, type_: str, name: str, **args: Any) -> Res:
        """Register a resource with the program's arguments (camelCase wire names; None = omitted)."""
        given = {k: v for k, v in args.items() if v is not None}
        urn = f"{PREFIX}{type_}::{name}"
        deps: dict[str, list[str]] = {}
        inputs = {k: self._resolve(v, deps.setdefault(k, [])) for k, v in given.items()}
        deps = {k: sorted(set(v)) for k, v in deps.items() if v}
        props = dict(inputs)
        for key, default in COMPUTED.get(type_, {}).items():
            if key in props:
                continue
            props[key] = UNKNOWN if self.mode == "preview" else self._computed(type_, name, key, default, given)
        if self.mode == "preview":
            props["id"] = UNKNOWN
        else:
            props["id"] = f"{_ID_PREFIX.get(type_, name)}-{_hex(type_, name)}"
            if type_ == g.EIP:
                props["allocationId"] = props["id"]
        res = Res(urn, type_, name, props, deps, inputs=inputs, provider={"region": self.region})
        self.resources.append(res)
        return res

    def _computed(self, type_: str, name: str, key: str, default: Any, args: Mapping[str, Any]) -> Any:
        if callable(default):
            return default(args)
        if default in ("rtb", "sg", "eni"):
            return f"{default}-{_hex(type_, name, key)}"
        if default == "arn":
            return f"arn:aws:ec2:{self.region}:123456789012:{name}"
        return json.loads(json.dumps(default))

    def _resolve(self, value: Any, deps: list[str]) -> Any:
        if isinstance(value, Ref):
            deps.append(value.res.urn)
            if self.mode == "preview":
                return UNKNOWN
            resolved = value.res.props.get(value.attr)
            assert resolved is not None and resolved is not UNKNOWN, f"{value.res.name}.{value.attr} has no value"
            return resolved
        if isinstance(value, list):
            return [self._resolve(v, deps) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve(v, deps) for k, v in value.items() if v is not None}
        return value

    def set_from_output(self, res: Res, key: str, source: Res) -> None:
        """`res.<key>` set from an output of `source` that is not known yet: unknown in the state and in the
        Analyze inputs, with the property dependency the engine records."""
        assert res.inputs is not None
        res.props[key] = res.inputs[key] = UNKNOWN
        res.property_dependencies[key] = [source.urn]

    def remove(self, name: str) -> None:
        self.resources = [r for r in self.resources if r.name != name]

    def named(self, name: str, type_: str = "") -> Res:
        return next(r for r in self.resources if r.name == name and (not type_ or r.type == type_))

    def graph(self, stack_config: Mapping[str, Any] | None = None) -> Graph:
        return Graph(self.resources, stack_config={"aws:region": self.region, **(stack_config or {})})


def scoped_policy(service: str) -> str:
    return json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": f"{service}:*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
                }
            ]
        }
    )


def add_execute_api_endpoint(stack: Stack, private_dns: bool | None = True, **args: Any) -> Res:
    """An execute-api interface endpoint `execute-api` in the stack's VPC `vpc`, private DNS on unless told."""
    return stack.add(
        g.ENDPOINT,
        "execute-api",
        vpcId=ref(stack.named("vpc", g.VPC)),
        serviceName="com.amazonaws.us-east-1.execute-api",
        vpcEndpointType="Interface",
        privateDnsEnabled=private_dns,
        **args,
    )


AZS = ("us-east-1a", "us-east-1b")


def compliant(mode: Mode, change: str = "", azs: tuple[str, ...] = AZS) -> Stack:
    """A compliant Lambda network (the golden program's shape) with an optional one-word `change`, which the
    rule tests name: the same changes fail the same rule in both modes."""
    s = Stack(mode)
    vpc = s.add(
        g.VPC,
        "vpc",
        cidrBlock="10.0.0.0/16",
        enableDnsSupport=None if change == "dns-support-omitted" else True,
        enableDnsHostnames=None if change == "dns-hostnames-omitted" else True,
        assignGeneratedIpv6CidrBlock=True if change.startswith("ipv6") else None,
    )
    igw = s.add(g.IGW, "igw", vpcId=ref(vpc))
    public_rt = s.add(
        g.ROUTE_TABLE, "public", vpcId=ref(vpc), routes=[{"cidrBlock": "0.0.0.0/0", "gatewayId": ref(igw)}]
    )
    eigw = s.add(g.EGRESS_ONLY_IGW, "eigw", vpcId=ref(vpc)) if change.startswith("ipv6") else None
    nats, tables, subnets = [], [], []
    for i, az in enumerate(azs):
        pub = s.add(g.SUBNET, f"public-{i}", vpcId=ref(vpc), cidrBlock=f"10.0.{100 + i}.0/24", availabilityZone=az)
        s.add(g.RT_ASSOCIATION, f"public-{i}", subnetId=ref(pub), routeTableId=ref(public_rt))
        sub = s.add(
            g.SUBNET,
            f"lambda-{i}",
            vpcId=ref(vpc),
            cidrBlock=f"10.0.{i}.0/24",
            availabilityZone=az,
            ipv6CidrBlock=ref(vpc, "ipv6CidrBlock") if change.startswith("ipv6") else None,
            enableDns64=True if change in ("ipv6", "ipv6-dns64-no-route") else None,
        )
        rt = s.add(g.ROUTE_TABLE, f"lambda-{i}", vpcId=ref(vpc))
        s.add(g.RT_ASSOCIATION, f"lambda-{i}", subnetId=ref(sub), routeTableId=ref(rt))
        eip = s.add(g.EIP, f"nat-{i}", domain="vpc")
        nat = s.add(
            g.NAT,
            f"nat-{i}",
            allocationId=None if change == "nat-private" else ref(eip, "allocationId"),
            connectivityType="private" if change == "nat-private" else None,
            subnetId=ref(sub if change == "nat-in-lambda-subnet" else pub),
        )
        nats.append(nat)
        tables.append(rt)
        subnets.append(sub)
    for i, rt in enumerate(tables):
        if change == "no-default-route":
            continue
        nat = nats[0] if change == "nat-cross-az" else nats[i]
        target = {"gatewayId": ref(igw)} if change == "igw-direct" else {"natGatewayId": ref(nat)}
        s.add(g.ROUTE, f"default-{i}", routeTableId=ref(rt), destinationCidrBlock="0.0.0.0/0", **target)
        if eigw is not None and change != "ipv6-no-eigw":
            s.add(
                g.ROUTE, f"v6-{i}", routeTableId=ref(rt), destinationIpv6CidrBlock="::/0", egressOnlyGatewayId=ref(eigw)
            )
        if change == "ipv6":
            s.add(
                g.ROUTE,
                f"nat64-{i}",
                routeTableId=ref(rt),
                destinationIpv6CidrBlock="64:ff9b::/96",
                natGatewayId=ref(nat),
            )
    s3_region = "us-west-2" if change == "s3-other-region" else s.region
    if change != "no-s3-endpoint":
        s.add(
            g.ENDPOINT,
            "s3",
            vpcId=ref(vpc),
            serviceName=f"com.amazonaws.{s3_region}.s3",
            routeTableIds=[ref(t) for t in tables],
            policy=scoped_policy("s3"),
        )
    ddb = s.add(g.ENDPOINT, "dynamodb", vpcId=ref(vpc), serviceName=f"com.amazonaws.{s.region}.dynamodb")
    s.add(g.ENDPOINT_POLICY, "dynamodb", vpcEndpointId=ref(ddb), policy=scoped_policy("dynamodb"))
    for i, rt in enumerate(tables[:1] if change == "ddb-not-attached" else tables):
        s.add(g.ENDPOINT_RT_ASSOCIATION, f"dynamodb-{i}", vpcEndpointId=ref(ddb), routeTableId=ref(rt))
    sg = s.add(g.SECURITY_GROUP, "lambda", vpcId=ref(vpc))
    s.add(
        g.ENDPOINT,
        "sqs",
        vpcId=ref(vpc),
        serviceName=f"com.amazonaws.{s.region}.sqs",
        vpcEndpointType="Interface",
        privateDnsEnabled=None if change == "private-dns-omitted" else True,
        subnetIds=[ref(x) for x in subnets],
        securityGroupIds=[ref(sg)],
        policy=None if change == "endpoint-policy-omitted" else scoped_policy("sqs"),
    )
    s.add(
        g.FUNCTION,
        "fn",
        vpcConfig={
            "subnetIds": [ref(x) for x in (subnets[:1] if change == "single-az" else subnets)],
            "securityGroupIds": [ref(sg)],
            "ipv6AllowedForDualStack": True if change.startswith("ipv6") else None,
        },
        reservedConcurrentExecutions=10,
    )
    if change != "no-flow-logs":
        s.add(g.FLOW_LOG, "flow", vpcId=ref(vpc), trafficType="ALL")
    return s


OWN_RULES = (
    "lambda-vpc-egress-path",
    "nat-gateway-per-az",
    "vpc-gateway-endpoints",
    "interface-endpoint-private-dns",
    "lambda-multi-az",
    "vpc-flow-logs",
    "egress-ips-pinned",
    "ipv6-egress-path",
    "execute-api-private-dns",
    "vpc-endpoint-policy",
)

MODES: tuple[Mode, ...] = ("preview", "update")


def run(stack: Stack | Graph, rule: str, config: Mapping[str, Any] | None = None) -> Outcome:
    """One rule's outcome on the stack, with its config reconciled as the engine does (schema defaults)."""
    r = rule_named(rule)
    assert r.stack_check is not None
    graph = stack.graph() if isinstance(stack, Stack) else stack
    return r.stack_check(graph, r.effective_config(config))


def verdict(stack: Stack, config: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[set[str], list[str]]:
    """(the rules of this stream that report a violation, every undecided reason of them)."""
    failing, undecided = set(), []
    for rule in OWN_RULES:
        outcome = run(stack, rule, (config or {}).get(rule))
        if outcome.violations:
            failing.add(rule)
        undecided += [f"{rule}: {u.reason}" for u in outcome.undecided]
    return failing, undecided


def messages(stack: Stack | Graph, rule: str, config: Mapping[str, Any] | None = None) -> list[str]:
    return [m for _, m in run(stack, rule, config).violations]


def reasons(stack: Stack | Graph, rule: str, config: Mapping[str, Any] | None = None) -> list[str]:
    return [u.reason for u in run(stack, rule, config).undecided]


def network(
    mode: Mode,
    *,
    lambda_table: str = "explicit",
    public_table: str = "explicit",
    egress: str = "nat",
    azs: tuple[str, ...] = AZS,
    igw: bool = True,
) -> Stack:
    """A VPC with public and Lambda subnets per AZ and one function, built in the shape the test names.

    lambda_table: how the Lambda subnets get their table: "explicit" (RouteTableAssociation to a RouteTable with
    an aws.ec2.Route), "inline" (the route inline on that RouteTable), "main-association" (no association; a
    MainRouteTableAssociation makes the Lambda table the VPC's main one), "default-route-table" (no association;
    the DefaultRouteTable carries the route inline), "main-rt-route" (no association; an aws.ec2.Route on
    vpc.main_route_table_id), "default-rt-route" (as before on vpc.default_route_table_id).
    public_table: "explicit" or "default-route-table" (public subnets use the VPC's DefaultRouteTable, which
    routes to the internet gateway) or "main-rt-route".
    egress: "nat" (zonal NAT per AZ), "nat-private", "regional-manual", "regional-auto", "tgw", "hop-gwlb"
    (a Gateway Load Balancer endpoint per AZ, its subnet routing to the NAT), "hop-firewall" (an AWS Network
    Firewall with a subnet per AZ, routing to the NAT), "none".
    """
    s = Stack(mode)
    vpc = s.add(g.VPC, "vpc", cidrBlock="10.0.0.0/16", enableDnsSupport=True, enableDnsHostnames=True)
    gateway = s.add(g.IGW, "igw", vpcId=ref(vpc)) if igw else None
    public_routes = [{"cidrBlock": "0.0.0.0/0", "gatewayId": ref(gateway)}] if gateway else []
    public_rt = None
    if public_table == "explicit":
        public_rt = s.add(g.ROUTE_TABLE, "public", vpcId=ref(vpc), routes=public_routes)
    elif public_table == "default-route-table":
        s.add(g.DEFAULT_ROUTE_TABLE, "main", defaultRouteTableId=ref(vpc, "defaultRouteTableId"), routes=public_routes)
    elif public_table == "main-rt-route" and gateway:
        s.add(
            g.ROUTE,
            "public-default",
            routeTableId=ref(vpc, "mainRouteTableId"),
            destinationCidrBlock="0.0.0.0/0",
            gatewayId=ref(gateway),
        )
    publics, lambdas, eips, nats = [], [], [], []
    for i, az in enumerate(azs):
        pub = s.add(g.SUBNET, f"public-{i}", vpcId=ref(vpc), cidrBlock=f"10.0.{100 + i}.0/24", availabilityZone=az)
        if public_rt is not None:
            s.add(g.RT_ASSOCIATION, f"public-{i}", subnetId=ref(pub), routeTableId=ref(public_rt))
        publics.append(pub)
        lambdas.append(s.add(g.SUBNET, f"lambda-{i}", vpcId=ref(vpc), cidrBlock=f"10.0.{i}.0/24", availabilityZone=az))
        eips.append(s.add(g.EIP, f"eip-{i}", domain="vpc"))
    if egress in ("nat", "nat-private", "hop-gwlb", "hop-firewall"):
        for i, pub in enumerate(publics):
            private = egress == "nat-private"
            nats.append(
                s.add(
                    g.NAT,
                    f"nat-{i}",
                    subnetId=ref(pub),
                    allocationId=None if private else ref(eips[i], "allocationId"),
                    connectivityType="private" if private else None,
                )
            )
    elif egress.startswith("regional"):
        addresses = [
            {"availabilityZone": az, "allocationIds": [ref(eips[i], "allocationId")]} for i, az in enumerate(azs)
        ]
        regional = s.add(
            g.NAT,
            "regional",
            availabilityMode="regional",
            vpcId=ref(vpc),
            availabilityZoneAddresses=addresses if egress == "regional-manual" else None,
        )
        nats = [regional] * len(azs)
    targets: list[dict[str, Any]] = [{"natGatewayId": ref(n)} for n in nats]
    if egress == "tgw":
        tgw = s.add(g.TRANSIT_GATEWAY, "tgw")
        targets = [{"transitGatewayId": ref(tgw)} for _ in azs]
    if egress.startswith("hop"):
        hops: list[Res] = []
        inspection = []
        for i, az in enumerate(azs):
            sub = s.add(
                g.SUBNET, f"inspection-{i}", vpcId=ref(vpc), cidrBlock=f"10.0.{200 + i}.0/28", availabilityZone=az
            )
            rt = s.add(
                g.ROUTE_TABLE,
                f"inspection-{i}",
                vpcId=ref(vpc),
                routes=[{"cidrBlock": "0.0.0.0/0", "natGatewayId": ref(nats[i])}],
            )
            s.add(g.RT_ASSOCIATION, f"inspection-{i}", subnetId=ref(sub), routeTableId=ref(rt))
            inspection.append(sub)
            if egress == "hop-gwlb":
                hops.append(
                    s.add(
                        g.ENDPOINT,
                        f"gwlbe-{i}",
                        vpcId=ref(vpc),
                        serviceName=f"com.amazonaws.vpce.{s.region}.vpce-svc-0123456789abcdef0",
                        vpcEndpointType="GatewayLoadBalancer",
                        subnetIds=[ref(sub)],
                    )
                )
        if egress == "hop-firewall":
            firewall = s.add(
                g.NETWORK_FIREWALL,
                "firewall",
                vpcId=ref(vpc),
                subnetMappings=[{"subnetId": ref(x)} for x in inspection],
            )
            hops = [firewall] * len(azs)
        targets = [{"vpcEndpointId": ref(h, "id")} for h in hops]
    # The Lambda subnets' route table(s).
    fn_subnets = lambdas
    for i, sub in enumerate(lambdas):
        target = targets[i] if i < len(targets) else {}
        if lambda_table in ("explicit", "inline"):
            inline = [{"cidrBlock": "0.0.0.0/0", **target}] if lambda_table == "inline" and target else None
            rt = s.add(g.ROUTE_TABLE, f"lambda-{i}", vpcId=ref(vpc), routes=inline)
            s.add(g.RT_ASSOCIATION, f"lambda-{i}", subnetId=ref(sub), routeTableId=ref(rt))
            if lambda_table == "explicit" and target:
                s.add(g.ROUTE, f"default-{i}", routeTableId=ref(rt), destinationCidrBlock="0.0.0.0/0", **target)
    shared = targets[0] if targets else {}
    if lambda_table == "main-association":
        rt = s.add(
            g.ROUTE_TABLE, "lambda", vpcId=ref(vpc), routes=[{"cidrBlock": "0.0.0.0/0", **shared}] if shared else None
        )
        s.add(g.MAIN_RT_ASSOCIATION, "main", vpcId=ref(vpc), routeTableId=ref(rt))
    elif lambda_table == "default-route-table":
        s.add(
            g.DEFAULT_ROUTE_TABLE,
            "main",
            defaultRouteTableId=ref(vpc, "defaultRouteTableId"),
            routes=[{"cidrBlock": "0.0.0.0/0", **shared}] if shared else None,
        )
    elif lambda_table in ("main-rt-route", "default-rt-route") and shared:
        attr = "mainRouteTableId" if lambda_table == "main-rt-route" else "defaultRouteTableId"
        s.add(g.ROUTE, "lambda-default", routeTableId=ref(vpc, attr), destinationCidrBlock="0.0.0.0/0", **shared)
    s.add(g.FUNCTION, "fn", vpcConfig={"subnetIds": [ref(x) for x in fn_subnets], "securityGroupIds": []})
    return s
