"""A resource-graph view of a stack for the networking rules. Pure: no Pulumi or pulumi-policy import.

Resources arrive as plain dicts whose unknown values (a first preview) are the `UNKNOWN` sentinel. Relations are
found through `property_dependencies` (URNs, always present for values that came from another resource, even
when the value itself is unknown) and, when values are known, through ids. Each question either has an answer
or raises `Undecidable` with the reason, so one unknown value costs one decision, never a whole policy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
MAIN_RT_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
RT_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
IGW = "aws:ec2/internetGateway:InternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ENDPOINT_RT_ASSOCIATION = "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
FUNCTION = "aws:lambda/function:Function"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DYNAMIC_PREFIX = "pulumi-python:dynamic"
HYPERPLANE_PATTERN = "hyperplane-eip"
EGRESS_TAG = "netkit:egress"
PATTERN_TAG = "netkit:pattern"


class Undecidable(Exception):
    """The program gives no way to know; the message says what is missing. `res` is the resource the decision
    was about, when the raiser knows it better than the caller (else `Outcome.attempt` uses its own)."""

    def __init__(self, message: str, res: Res | None = None) -> None:
        super().__init__(message)
        self.res = res


@dataclass
class Res:
    urn: str
    type: str
    name: str
    props: dict[str, Any]
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    parent: str = ""
    # The inputs the engine sent for this resource in `Analyze` (before `AnalyzeStack`), or None when the pack
    # did not see them. In a first preview a computed property the program omitted is unknown in `props`, but
    # absent here: that is how a rule tells "omitted, so the provider's default" from "really unknown".
    inputs: dict[str, Any] | None = None
    # The properties of the resource's provider as the engine sent them (e.g. {"region": "eu-west-1"}), or None.
    provider: dict[str, Any] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)

    @property
    def id(self) -> Any:
        return self.props.get("id", UNKNOWN)

    def tags(self) -> dict[str, Any]:
        tags = self.props.get("tags")
        return tags if isinstance(tags, dict) else {}


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def is_world(cidr: Any) -> bool:
    """0.0.0.0/0 and ::/0 in any spelling (0::/0, 0:0:0:0:0:0:0:0/0)."""
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def is_default_route(route: dict[str, Any]) -> bool | None:
    """True for an IPv4 default route; None when its destination is unknown."""
    dest = route.get("destinationCidrBlock", route.get("cidrBlock"))
    if is_unknown(dest):
        return None
    return isinstance(dest, str) and dest.strip() == "0.0.0.0/0"


class Graph:
    def __init__(self, resources: Iterable[Res]) -> None:
        self.resources = list(resources)
        self.by_urn = {r.urn: r for r in self.resources}
        self.by_id: dict[str, Res] = {}
        for r in self.resources:
            if isinstance(r.id, str) and r.id:
                self.by_id.setdefault(r.id, r)
        self._by_type: dict[str, list[Res]] = {}
        for r in self.resources:
            self._by_type.setdefault(r.type, []).append(r)

    def of_type(self, *types: str) -> list[Res]:
        return [r for t in types for r in self._by_type.get(t, [])]

    # --- linking -------------------------------------------------------------------------------------------
    def deps(self, res: Res, prop: str, *types: str) -> list[Res]:
        found = [self.by_urn[u] for u in res.property_dependencies.get(prop, []) if u in self.by_urn]
        return [r for r in found if not types or r.type in types]

    def refs(self, res: Res, prop: str, value: Any, *types: str) -> list[Res]:
        """Resources of `types` that `value` (found under top-level `prop`) refers to: by id when known,
        else by the property's dependencies."""
        known = list(strings_in(value))
        by_id = [self.by_id[s] for s in known if s in self.by_id and (not types or self.by_id[s].type in types)]
        if by_id and not contains_unknown(value):
            return list({r.urn: r for r in by_id}.values())
        candidates = self.deps(res, prop, *types)
        return list({r.urn: r for r in [*by_id, *candidates]}.values())

    def ref_one(self, res: Res, prop: str, *types: str, what: str = "") -> Res:
        value = res.get(prop)
        found = self.refs(res, prop, value, *types)
        if len(found) == 1:
            return found[0]
        label = what or prop
        if not found:
            if isinstance(value, str) and not is_unknown(value):
                raise Undecidable(f"{res.name}: {label} {value} is not managed by this program")
            raise Undecidable(f"{res.name}: {label} is unknown and not linked to a resource of this program")
        raise Undecidable(f"{res.name}: {label} could be any of {', '.join(r.name for r in found)}")

    # --- VPC Lambdas -----------------------------------------------------------------------------------------
    def vpc_functions(self) -> list[Res]:
        result = []
        for fn in self.of_type(FUNCTION):
            vpc = fn.get("vpcConfig")
            if isinstance(vpc, dict):
                subnets = vpc.get("subnetIds")
                if is_unknown(subnets) or (isinstance(subnets, list) and subnets):
                    result.append(fn)
        return result

    def function_subnets(self, fn: Res) -> list[Res]:
        vpc = fn.get("vpcConfig") or {}
        ids = vpc.get("subnetIds") if isinstance(vpc, dict) else None
        subnets = self.refs(fn, "vpcConfig", ids, SUBNET)
        if not subnets:
            raise Undecidable(f"{fn.name}: its subnets are not managed by this program")
        if isinstance(ids, list) and len(subnets) < len(ids) and not contains_unknown(ids):
            missing = [i for i in ids if i not in self.by_id]
            raise Undecidable(f"{fn.name}: subnet(s) {', '.join(map(str, missing))} are not managed by this program")
        return subnets

    def function_security_groups(self, fn: Res) -> list[Res]:
        vpc = fn.get("vpcConfig") or {}
        ids = vpc.get("securityGroupIds") if isinstance(vpc, dict) else None
        return self.refs(fn, "vpcConfig", ids, SECURITY_GROUP)

    def security_group_key(self, fn: Res) -> tuple[str, ...]:
        groups = self.function_security_groups(fn)
        if groups:
            return tuple(sorted(g.urn for g in groups))
        vpc = fn.get("vpcConfig") or {}
        ids = vpc.get("securityGroupIds") if isinstance(vpc, dict) else None
        return tuple(sorted(str(i) for i in (ids if isinstance(ids, list) else [])))

    def subnet_vpc(self, subnet: Res) -> Res:
        return self.ref_one(subnet, "vpcId", VPC, what="VPC")

    def subnet_az(self, subnet: Res) -> str:
        az = subnet.get("availabilityZone", subnet.get("availabilityZoneId"))
        if not isinstance(az, str) or is_unknown(az):
            raise Undecidable(f"{subnet.name}: its availability zone is unknown (set availability_zone)")
        return az

    # --- routing -----------------------------------------------------------------------------------------------
    def subnet_route_table(self, subnet: Res) -> Res:
        """Explicit association, else the VPC's main route table (MainRouteTableAssociation/DefaultRouteTable)."""
        for assoc in self.of_type(RT_ASSOCIATION):
            if subnet in self.refs(assoc, "subnetId", assoc.get("subnetId"), SUBNET):
                return self.ref_one(assoc, "routeTableId", ROUTE_TABLE, DEFAULT_ROUTE_TABLE, what="route table")
        vpc = self.subnet_vpc(subnet)
        for main in self.of_type(MAIN_RT_ASSOCIATION):
            if vpc in self.refs(main, "vpcId", main.get("vpcId"), VPC):
                return self.ref_one(main, "routeTableId", ROUTE_TABLE, what="main route table")
        for default in self.of_type(DEFAULT_ROUTE_TABLE):
            if vpc in self.refs(default, "defaultRouteTableId", default.get("defaultRouteTableId"), VPC):
                return default
        return Res(
            f"{vpc.urn}#main-route-table",
            "netkit:implicit:MainRouteTable",
            f"{vpc.name} main route table",
            {"routes": []},
        )

    def default_route_targets(self, route_table: Res) -> list[tuple[str, Res | str]]:
        """Targets of the 0.0.0.0/0 routes of a route table: ("nat"|"igw"|"tgw"|"other", resource or id)."""
        targets: list[tuple[str, Res | str]] = []
        inline = route_table.get("routes")
        if is_unknown(inline):
            raise Undecidable(f"{route_table.name}: its inline routes are unknown")
        for route in inline if isinstance(inline, list) else []:
            if isinstance(route, dict):
                targets.extend(self._route_targets(route_table, "routes", route))
        for route in self.of_type(ROUTE):
            tables = self.refs(route, "routeTableId", route.get("routeTableId"), ROUTE_TABLE, DEFAULT_ROUTE_TABLE)
            if route_table in tables:
                targets.extend(self._route_targets(route, None, route.props))
        return targets

    def _route_targets(self, owner: Res, prop: str | None, route: dict[str, Any]) -> list[tuple[str, Res | str]]:
        default = is_default_route(route)
        if default is None:
            raise Undecidable(f"{owner.name}: a route's destination is unknown")
        if not default:
            return []
        fields = (
            ("natGatewayId", "nat", NAT),
            ("gatewayId", "igw", IGW),
            ("transitGatewayId", "tgw", ""),
            ("networkInterfaceId", "other", ""),
            ("vpcPeeringConnectionId", "other", ""),
            ("egressOnlyGatewayId", "other", ""),
            ("vpcEndpointId", "other", ""),
        )
        for key, kind, rtype in fields:
            value = route.get(key)
            if value in (None, ""):
                continue
            if not rtype:
                return [(kind, str(value))]
            found = self.refs(owner, prop or key, value, rtype)
            if found:
                return [(kind, r) for r in found]
            if isinstance(value, str) and not is_unknown(value):
                prefix = "nat-" if kind == "nat" else "igw-"
                return [(kind if value.startswith(prefix) else "other", value)]
            raise Undecidable(f"{owner.name}: the target of its 0.0.0.0/0 route is unknown")
        return [("other", "no target")]

    # --- patterns -------------------------------------------------------------------------------------------
    def hyperplane_associations(self) -> list[Res]:
        return [
            r
            for r in self.resources
            if r.type.startswith(DYNAMIC_PREFIX) and r.get("netkitPattern") == HYPERPLANE_PATTERN
        ]

    def hyperplane_covers(self, fn: Res, subnet: Res) -> bool:
        """The trick is keyed by (subnet, security-group set): a function is covered when an association names
        it, or shares its exact security-group set, and lists the subnet."""
        groups = {g.urn for g in self.function_security_groups(fn)}
        for assoc in self.hyperplane_associations():
            names = assoc.get("functionName")
            assoc_groups = {
                g.urn for g in self.refs(assoc, "securityGroupIds", assoc.get("securityGroupIds"), SECURITY_GROUP)
            }
            linked = (
                fn in self.deps(assoc, "functionName", FUNCTION)
                or (isinstance(names, str) and names == fn.get("name"))
                or (bool(groups) and groups == assoc_groups)
            )
            subnets = self.refs(assoc, "subnetIds", assoc.get("subnetIds"), SUBNET)
            if linked and subnet in subnets:
                return True
        return False

    def vpcs_hosting_lambdas(self) -> dict[str, tuple[Res, list[Res], list[Res]]]:
        """VPC urn -> (vpc, its Lambda subnets, the functions in them). Functions whose VPC is undecidable are
        skipped by callers through `undecided`."""
        result: dict[str, tuple[Res, list[Res], list[Res]]] = {}
        for fn in self.vpc_functions():
            for subnet in self.function_subnets(fn):
                vpc = self.subnet_vpc(subnet)
                entry = result.setdefault(vpc.urn, (vpc, [], []))
                if subnet not in entry[1]:
                    entry[1].append(subnet)
                if fn not in entry[2]:
                    entry[2].append(fn)
        return result

    def in_vpc(self, res: Res, vpc: Res, prop: str = "vpcId") -> bool:
        return vpc in self.refs(res, prop, res.get(prop), VPC)
