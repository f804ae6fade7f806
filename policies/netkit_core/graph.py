"""A resource-graph view of a stack for the networking rules. Pure: no Pulumi or pulumi-policy import.

Resources arrive as plain dicts whose unknown values (a first preview) are the `UNKNOWN` sentinel. Relations are
found through `property_dependencies` (URNs, always present for values that came from another resource, even
when the value itself is unknown) and, when values are known, through ids. Each question either has an answer
or raises `Undecidable` with the reason, so one unknown value costs one decision, never a whole policy.

What a first preview hands the pack (the specification this module is written against):
- pulumi/pulumi pkg/resource/deploy/step_generator.go (AnalyzeStack): "AnalyzeStack is called on the final
  outputs of each resource", i.e. `v.Outputs`, which in a preview are the provider's planned state.
- pulumi/pulumi-terraform-bridge pkg/tfbridge/provider.go `Create`: with `req.GetPreview()` the bridge returns
  `diff.ProposedState(...)` instead of applying; pkg/tfshim/sdk-v2/provider2.go builds that from the SDK's
  `PlanResourceChange` (`plan.PlannedState`), whose proposed value (pkg/vendored/opentofu/plans/objchange/
  objchange.go `proposedNewAttributes`: "optional+computed ... are only computed when there is no
  configuration") keeps what the program set and leaves every computed attribute it did not set unknown
  (RouteTable.routes, VpcEndpoint.private_dns_enabled, Vpc.enable_dns_hostnames, ids, arns).
- The same file's `Check` "re-generate[s] the inputs WITH the TF defaults": the inputs the engine sends to
  `Analyze` carry the program's values plus the schema defaults, and nothing for an omitted computed attribute.
So a property that is unknown in the planned state but absent from the `Analyze` inputs was omitted by the
program, and AWS's documented default applies (`setting`); one that the inputs carry as unknown really depends
on something not known yet, and stays undecided.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

NOT_GIVEN = "a value it depends on has not been given by the engine (unknown until the resources exist)"


class _Unknown:
    """The one value the engine has not given (an unknown in a first preview). The principle "a value the engine
    has not given never decides" is enforced here, for every rule at once: anything that would turn the unknown
    into a decision (comparing it, testing its truth, formatting, iterating or measuring it, calling a method on
    it) raises `Undecidable`, which `Outcome.attempt` / `analysis.safe_run` turn into an undecided decision. Only
    identity (`is_unknown`, `is`), `isinstance`, hashing and `repr` are allowed: they cannot mistake it for a
    value. (Values the offline engine would have had to invent in an update, such as an account's AZ-name <->
    AZ-id mapping, are left out of its state instead, so they are absent, never a guess.)"""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def _refuse(self, *_args: Any) -> Any:
        raise Undecidable(NOT_GIVEN)

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __bool__ = __str__ = __format__ = __iter__ = __len__ = __contains__ = __getitem__ = _refuse
    __int__ = __float__ = __index__ = __add__ = __radd__ = __mul__ = _refuse
    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> Any:
        # A method a rule expected on a string, list or dict (`.get`, `.startswith`, `.split`): not a value yet.
        if name.startswith("_"):
            raise AttributeError(name)
        raise Undecidable(NOT_GIVEN)


UNKNOWN: Any = _Unknown()

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
MAIN_RT_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
RT_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
IGW = "aws:ec2/internetGateway:InternetGateway"
IGW_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
EGRESS_ONLY_IGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
TRANSIT_GATEWAY = "aws:ec2transitgateway/transitGateway:TransitGateway"
NETWORK_FIREWALL = "aws:networkfirewall/firewall:Firewall"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ENDPOINT_RT_ASSOCIATION = "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation"
ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
ENDPOINT_PRIVATE_DNS = "aws:vpc/endpointPrivateDns:EndpointPrivateDns"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
FUNCTION = "aws:lambda/function:Function"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
REST_API = "aws:apigateway/restApi:RestApi"
HTTP_API = "aws:apigatewayv2/api:Api"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
DYNAMIC_PREFIX = "pulumi-python:dynamic"
HYPERPLANE_PATTERN = "hyperplane-eip"
EGRESS_TAG = "netkit:egress"
PATTERN_TAG = "netkit:pattern"

IPV4_ANY = ipaddress.ip_network("0.0.0.0/0")
IPV6_ANY = ipaddress.ip_network("::/0")
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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

    def setting(self, key: str, default: Any, what: str = "") -> Any:
        """The value of a setting the program may omit, with the provider's default when it did.

        Known value -> it. Absent or null -> `default` (an update's state without it, or an input-only view).
        Unknown -> the `Analyze` input when that is known; `default` when the program omitted it (absent from
        the inputs: a computed attribute planned unknown, see the module docstring); else `Undecidable`."""
        value = self.props.get(key)
        if value is None:
            return default
        if not is_unknown(value):
            return value
        given = self.inputs.get(key) if self.inputs is not None else None
        if given is not None and not is_unknown(given):
            return given  # nested unknowns (a list of routes with unknown targets) are the caller's
        if self.property_dependencies.get(key):  # the program set it from another resource's output
            raise Undecidable(f"{self.name}: {what or key} comes from another resource and is not known yet", self)
        if self.inputs is not None and given is None:
            return default
        if self.inputs is None:
            raise Undecidable(f"{self.name}: {what or key} is unknown (its Analyze inputs were not seen)", self)
        raise Undecidable(f"{self.name}: {what or key} is unknown", self)

    def is_set(self, key: str) -> bool:
        """Whether the program gave `key` a value (known, or unknown because it comes from another resource)."""
        value = self.props.get(key)
        if blank(value):
            return False
        if not is_unknown(value):
            return True
        if self.property_dependencies.get(key):
            return True
        if self.inputs is not None:
            given = self.inputs.get(key)
            return not blank(given)
        raise Undecidable(f"{self.name}: whether {key} is set is unknown (its Analyze inputs were not seen)", self)


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def blank(value: Any) -> bool:
    """None, "" or [] (what a program omitted or left empty); an unknown is not blank."""
    return value is None or (isinstance(value, str | list) and len(value) == 0)


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


_AWS_ID = re.compile(r"^(subnet|nat|igw|eigw|tgw|vpce|rtb|vpc|sg|eni|pcx|eipalloc|cagw|lgw|i|vgw)-[0-9a-f]{1,32}$")


def id_label(value: Any) -> str:
    """An id for a message: shown when it has the shape of an AWS resource id, else described (a message never
    carries another property value)."""
    if isinstance(value, str) and _AWS_ID.match(value):
        return value
    return "(a value that is not a resource id)" if not is_unknown(value) else "(unknown)"


def parse_network(value: Any, owner: Res, what: str) -> Network:
    """A CIDR property as a network; `Undecidable` (naming the property, never its value) when it is not one."""
    if is_unknown(value):
        raise Undecidable(f"{owner.name}: {what} is unknown", owner)
    if not isinstance(value, str):
        raise Undecidable(f"{owner.name}: {what} is not a CIDR string", owner)
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise Undecidable(f"{owner.name}: {what} is not a valid CIDR", owner) from None


def as_list(value: Any, owner: Res, what: str) -> list[Any]:
    """A list-valued property (None -> []); `Undecidable` for unknown or another shape."""
    if value is None:
        return []
    if is_unknown(value):
        raise Undecidable(f"{owner.name}: {what} is unknown", owner)
    if not isinstance(value, list):
        raise Undecidable(f"{owner.name}: {what} is not a list", owner)
    return value


class Zone(NamedTuple):
    """An availability zone as known: by name (`us-east-1a`), by id (`use1-az1`), or both (an update's state).
    Names map to ids differently in every account, so a name and an id cannot be compared offline."""

    name: str
    id: str

    def __str__(self) -> str:
        return self.name or self.id


ZONE_FIXTURE = "aws:index/getAvailabilityZones:getAvailabilityZones"
ZONE_MAPPING_HINT = (
    "use the same form on both, or add the mapping to the fixtures file (an entry for "
    f"{ZONE_FIXTURE} with `names` and `zoneIds` in the same order)"
)


def same_zone(a: Zone, b: Zone, about: Res | None = None) -> bool:
    """Whether two zones are the same, compared in a form both have. A name and an id are never compared: the
    mapping differs in every account, and an offline state holds only the form the program gave (the offline
    engine does not invent the other; with a fixture for the mapping it fills both forms in)."""
    if a.name and b.name:
        return a.name == b.name
    if a.id and b.id:
        return a.id == b.id
    prefix = f"{about.name}: " if about is not None else ""
    raise Undecidable(
        f"{prefix}availability zone {a} and {b} are given one by name and one by zone id, which map differently "
        f"in every account, so they cannot be compared without the account's mapping: {ZONE_MAPPING_HINT}",
        about,
    )


def zone_of(owner: Res, entry: Mapping[str, Any], what: str) -> Zone:
    """The zone named in a dict with `availabilityZone` / `availabilityZoneId` keys (a subnet, a NAT's
    availability_zone_address block)."""
    name, zone_id = entry.get("availabilityZone"), entry.get("availabilityZoneId")
    zone = Zone(name if isinstance(name, str) else "", zone_id if isinstance(zone_id, str) else "")
    if not zone.name and not zone.id:
        given = [k for k in ("availabilityZone", "availabilityZoneId") if is_unknown(entry.get(k))]
        if given and any(owner.property_dependencies.get(k) for k in given):
            raise Undecidable(
                f"{owner.name}: the availability zone of {what} comes from another resource and is not known yet",
                owner,
            )
        raise Undecidable(
            f"{owner.name}: the availability zone of {what} is not known (AWS picks one when it is created unless "
            "availability_zone or availability_zone_id is set)",
            owner,
        )
    if (zone.name and not _ZONE_NAME.match(zone.name)) or (zone.id and not _ZONE_ID.match(zone.id)):
        raise Undecidable(f"{owner.name}: the availability zone of {what} is not a zone name or zone id", owner)
    return zone


_ZONE_NAME = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+[a-z]$")  # us-east-1a, us-west-2-lax-1a
_ZONE_ID = re.compile(r"^[a-z]{2,5}\d{1,2}(-[a-z0-9]+)*-az\d{1,2}$")  # use1-az1, usw2-lax1-az1


class Target(NamedTuple):
    """Where a route sends traffic: kind is nat, igw, eigw, tgw, hop (a firewall or Gateway Load Balancer
    endpoint), or other; `res` is the resource of this program when linked; `label` names it for messages."""

    kind: str
    res: Res | None
    label: str


class RouteEntry(NamedTuple):
    owner: Res  # the route table (inline route) or the aws.ec2.Route resource
    destination: Network | None  # None for a prefix-list destination
    target: Target


# Route target keys, in the order AWS's CreateRoute lists them, with the kind and the resource types they name.
_TARGET_KEYS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("natGatewayId", "nat", (NAT,)),
    ("gatewayId", "igw", (IGW,)),
    ("egressOnlyGatewayId", "eigw", (EGRESS_ONLY_IGW,)),
    ("transitGatewayId", "tgw", (TRANSIT_GATEWAY,)),
    ("vpcEndpointId", "hop", (ENDPOINT, NETWORK_FIREWALL)),
    ("networkInterfaceId", "other", ()),
    ("vpcPeeringConnectionId", "other", ()),
    ("carrierGatewayId", "other", ()),
    ("localGatewayId", "other", ()),
    ("coreNetworkArn", "other", ()),
    ("instanceId", "other", ()),
)
_ID_PREFIX_KINDS = {"nat-": "nat", "igw-": "igw", "eigw-": "eigw", "tgw-": "tgw", "vpce-": "hop"}


def _is_local(value: Any) -> bool:
    """`local`: the VPC's own route, which a program may name in `gateway_id` when it adopts the table."""
    return isinstance(value, str) and value == "local"


def stack_config_from_env() -> dict[str, Any]:
    """The stack config the engine gives the pack in PULUMI_CONFIG (a JSON object), {} when absent or bad."""
    try:
        config = json.loads(os.environ.get("PULUMI_CONFIG", "") or "{}")
    except ValueError:
        return {}
    return config if isinstance(config, dict) else {}


class Graph:
    def __init__(self, resources: Iterable[Res], stack_config: Mapping[str, Any] | None = None) -> None:
        self.resources = list(resources)
        self.stack_config = dict(stack_config_from_env() if stack_config is None else stack_config)
        self.by_urn = {r.urn: r for r in self.resources}
        self.by_id: dict[str, Res] = {}
        for r in self.resources:
            if isinstance(r.id, str) and r.id:
                self.by_id.setdefault(r.id, r)
        self._by_type: dict[str, list[Res]] = {}
        for r in self.resources:
            self._by_type.setdefault(r.type, []).append(r)
        # VPC-created route tables: a known main/default route table id -> its VPC (update).
        self._vpc_table_ids: dict[str, Res] = {}
        for vpc in self.of_type(VPC):
            for key in ("defaultRouteTableId", "mainRouteTableId"):
                value = vpc.get(key)
                if isinstance(value, str) and value and value not in self.by_id:  # not a table we manage
                    self._vpc_table_ids.setdefault(value, vpc)
        self._implicit: dict[str, Res] = {}
        self._children: set[str] | None = None

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

    def from_outside(self, res: Res, prop: str) -> bool:
        """Whether `res.<prop>` holds a value not known yet that comes from outside this program's resources (a
        lookup, config, a stack reference, a component whose children are not visible): it may name anything, so
        a rule asking "does it name X?" cannot answer no."""
        given = res.inputs.get(prop) if res.inputs is not None else res.get(prop)
        if not contains_unknown(res.get(prop)) or not contains_unknown(given):
            return False  # known, or omitted by the program (a computed attribute the provider fills in)
        return not [r for r in self.deps(res, prop) if r.type != STACK_REFERENCE and not self.is_hidden_component(r)]

    def is_hidden_component(self, res: Res) -> bool:
        """A component registered by a provider plugin (a multi-language component such as awsx `ec2.Vpc`, or any
        `remote=True` Construct) whose children this view does not contain: the offline engine cannot run the
        plugin, so what it creates is not visible. A component with visible children is not hidden."""
        if not _is_component_type(res.type):
            return False
        if self._children is None:
            self._children = {r.parent for r in self.resources if r.parent}
        return res.urn not in self._children

    def hidden_components(self) -> list[Res]:
        return [r for r in self.resources if self.is_hidden_component(r)]

    def ref_one(self, res: Res, prop: str, *types: str, what: str = "") -> Res:
        value = res.get(prop)
        found = self.refs(res, prop, value, *types)
        if len(found) == 1:
            return found[0]
        label = what or prop
        if not found:
            if isinstance(value, str) and not is_unknown(value):
                raise Undecidable(f"{res.name}: its {label} {id_label(value)} is not managed by this program", res)
            raise Undecidable(
                f"{res.name}: its {label} is unknown and not linked to a resource of this program "
                f"({self.origin(res, prop)})",
                res,
            )
        raise Undecidable(f"{res.name}: its {label} could be any of {', '.join(r.name for r in found)}", res)

    def origin(self, res: Res, prop: str, excluding: tuple[str, ...] = ()) -> str:
        """Why a value is not one of ours: names the resources it came from (a component whose children a
        provider plugin creates, a stack reference), or says it came from a lookup or a literal."""
        others = [r for r in self.deps(res, prop) if r.type not in excluding]
        for other in others:
            if other.type == STACK_REFERENCE:
                return f"it comes from stack reference {other.name}, whose resources are not in this stack"
            if _is_component_type(other.type) and not any(c.parent == other.urn for c in self.resources):
                return (
                    f"it comes from component {other.name} ({other.type}), whose children are not visible "
                    "offline (a multi-language component creates them in its own provider)"
                )
        if others:
            return f"it comes from {', '.join(sorted(r.name for r in others))}, not from a subnet of this program"
        return "it comes from a lookup, config or a literal, not from a resource of this program"

    # --- region ----------------------------------------------------------------------------------------------
    def region_of(self, res: Res) -> str:
        """The region a resource lives in: its own v7 `region` input (it overrides the provider's), else its
        provider's `region`, else the stack's `aws:region`, else AWS_REGION / AWS_DEFAULT_REGION, which the
        provider reads itself when no region is configured."""
        own = res.get("region")
        if is_unknown(own):  # a computed output: planned unknown in a first preview when omitted
            given = res.inputs.get("region") if res.inputs is not None else None
            if is_unknown(given) or res.property_dependencies.get("region"):
                raise Undecidable(f"{res.name}: its region comes from another resource and is not known yet", res)
            own = given
        if isinstance(own, str) and own:
            return own
        if res.provider is not None:
            region = res.provider.get("region")
            if isinstance(region, str) and region:
                return region
            if is_unknown(region):
                raise Undecidable(f"{res.name}: the region of its provider is unknown", res)
        for region in (
            self.stack_config.get("aws:region"),
            os.environ.get("AWS_REGION"),
            os.environ.get("AWS_DEFAULT_REGION"),
        ):
            if isinstance(region, str) and region:
                return region
        raise Undecidable(f"{res.name}: its region is not known (set aws:region)", res)

    # --- VPC Lambdas -----------------------------------------------------------------------------------------
    def vpc_functions(self) -> list[Res]:
        result = []
        for fn in self.of_type(FUNCTION):
            vpc = fn.get("vpcConfig")
            if isinstance(vpc, dict):
                subnets = vpc.get("subnetIds")
                if is_unknown(subnets) or (isinstance(subnets, list) and subnets):
                    result.append(fn)
            elif is_unknown(vpc) and fn.property_dependencies.get("vpcConfig"):
                result.append(fn)
        return result

    def function_subnets(self, fn: Res) -> list[Res]:
        """The function's subnets, all of them managed by this program, else `Undecidable` (a function with
        some subnets we cannot see is never judged on the ones we can)."""
        vpc = fn.get("vpcConfig")
        if is_unknown(vpc):
            why = self.origin(fn, "vpcConfig", (SUBNET, SECURITY_GROUP, VPC))
            raise Undecidable(f"{fn.name}: its vpc_config is unknown: {why}", fn)
        if not isinstance(vpc, dict):
            raise Undecidable(f"{fn.name}: its vpc_config is not an object", fn)
        ids = vpc.get("subnetIds")
        linked = self.deps(fn, "vpcConfig", SUBNET)
        if isinstance(ids, list):
            found: list[Res] = []
            unknown = 0
            for item in ids:
                if isinstance(item, str) and item in self.by_id and self.by_id[item].type == SUBNET:
                    found.append(self.by_id[item])
                elif is_unknown(item):
                    unknown += 1
                else:
                    raise Undecidable(f"{fn.name}: subnet {id_label(item)} is not managed by this program", fn)
            if unknown:
                missing = [s for s in linked if s not in found]
                if len(missing) < unknown:
                    why = self.origin(fn, "vpcConfig", (SUBNET, SECURITY_GROUP, VPC))
                    raise Undecidable(f"{fn.name}: some of its subnets are not known: {why}", fn)
                found.extend(missing)
            subnets = list({s.urn: s for s in found}.values())
        elif is_unknown(ids):
            subnets = linked
            foreign = [r for r in self.deps(fn, "vpcConfig") if r.type not in (SUBNET, SECURITY_GROUP, VPC)]
            if not subnets or foreign:
                why = self.origin(fn, "vpcConfig", (SUBNET, SECURITY_GROUP, VPC))
                raise Undecidable(f"{fn.name}: its subnets are not known: {why}", fn)
        else:
            raise Undecidable(f"{fn.name}: its subnet_ids is not a list", fn)
        if not subnets:
            raise Undecidable(f"{fn.name}: its subnets are not managed by this program", fn)
        return subnets

    def function_security_groups(self, fn: Res) -> list[Res]:
        vpc = fn.get("vpcConfig") or {}
        ids = vpc.get("securityGroupIds") if isinstance(vpc, dict) else None
        return self.refs(fn, "vpcConfig", ids, SECURITY_GROUP)

    def security_group_key(self, fn: Res) -> tuple[str, ...]:
        groups = self.function_security_groups(fn)
        if groups:
            return tuple(sorted(g.urn for g in groups))
        vpc = fn.get("vpcConfig")
        ids = vpc.get("securityGroupIds") if isinstance(vpc, dict) else None
        if contains_unknown(ids):
            raise Undecidable(f"{fn.name}: its security groups are not known yet (a lookup or config)", fn)
        return tuple(sorted(str(i) for i in (ids if isinstance(ids, list) else [])))

    def subnet_vpc(self, subnet: Res) -> Res:
        return self.ref_one(subnet, "vpcId", VPC, what="VPC")

    def subnet_zone(self, subnet: Res) -> Zone:
        return zone_of(subnet, subnet.props, "its subnet")

    def subnet_az(self, subnet: Res) -> str:
        return str(self.subnet_zone(subnet))

    # --- route tables ----------------------------------------------------------------------------------------
    def vpc_default_table(self, vpc: Res) -> Res:
        """The route table AWS creates with a VPC: the DefaultRouteTable resource that adopts it, else a
        stand-in with only the local route (a new VPC's table has no other route until the program adds one)."""
        for table in self.of_type(DEFAULT_ROUTE_TABLE):
            if vpc in self.refs(table, "defaultRouteTableId", table.get("defaultRouteTableId"), VPC):
                return table
            known = table.get("defaultRouteTableId")
            if isinstance(known, str) and known and known == vpc.get("defaultRouteTableId"):
                return table
        key = f"{vpc.urn}#default-route-table"
        if key not in self._implicit:
            self._implicit[key] = Res(key, "netkit:implicit:DefaultRouteTable", f"{vpc.name} main route table", {})
        return self._implicit[key]

    def vpc_main_table(self, vpc: Res) -> Res:
        """The VPC's main route table: a MainRouteTableAssociation's table, else the one created with it."""
        mains = [m for m in self.of_type(MAIN_RT_ASSOCIATION) if self.in_vpc(m, vpc)]
        if len(mains) > 1:
            raise Undecidable(
                f"VPC {vpc.name} has {len(mains)} main route table associations "
                f"({', '.join(sorted(m.name for m in mains))}); AWS keeps one, so keep one",
                vpc,
            )
        if mains:
            return self.route_table_of(mains[0], "routeTableId", what="main route table")
        return self.vpc_default_table(vpc)

    def route_tables_in(self, res: Res, prop: str, value: Any) -> list[Res]:
        """Route tables that `value` under `prop` names: RouteTable/DefaultRouteTable resources, or a VPC's
        own table through `vpc.main_route_table_id` / `vpc.default_route_table_id` (linked to the Vpc by the
        property dependencies while unknown; both name the table created with the VPC)."""
        tables = self.refs(res, prop, value, ROUTE_TABLE, DEFAULT_ROUTE_TABLE)
        for known in strings_in(value):
            if known in self._vpc_table_ids:
                tables.append(self.vpc_default_table(self._vpc_table_ids[known]))
        if contains_unknown(value) or value is None:
            for vpc in self.deps(res, prop, VPC):
                tables.append(self.vpc_default_table(vpc))
        return list({t.urn: t for t in tables}.values())

    def route_table_of(self, res: Res, prop: str, what: str = "route table") -> Res:
        value = res.get(prop)
        tables = self.route_tables_in(res, prop, value)
        if len(tables) == 1:
            return tables[0]
        if tables:
            raise Undecidable(f"{res.name}: its {what} could be any of {', '.join(t.name for t in tables)}", res)
        if isinstance(value, str) and value:
            raise Undecidable(f"{res.name}: its {what} {id_label(value)} is not managed by this program", res)
        raise Undecidable(
            f"{res.name}: its {what} is unknown and not linked to a resource of this program "
            f"({self.origin(res, prop)})",
            res,
        )

    def subnet_route_table(self, subnet: Res) -> Res:
        """The subnet's explicit association, else the VPC's main route table. Two associations of one subnet
        with different tables cannot both exist in AWS (the second fails with Resource.AlreadyAssociated, or
        replaces the first on a later update): that is always undecided, naming both."""
        tables: dict[str, tuple[Res, Res]] = {}
        for assoc in self.of_type(RT_ASSOCIATION):
            if subnet in self.refs(assoc, "subnetId", assoc.get("subnetId"), SUBNET):
                table = self.route_table_of(assoc, "routeTableId")
                tables.setdefault(table.urn, (table, assoc))
        if len(tables) > 1:
            names = ", ".join(sorted(f"{a.name} -> {t.name}" for t, a in tables.values()))
            raise Undecidable(
                f"subnet {subnet.name} has conflicting route table associations ({names}): AWS allows one "
                "per subnet, so which one holds depends on the order of operations; keep one",
                subnet,
            )
        if tables:
            return next(iter(tables.values()))[0]
        return self.vpc_main_table(self.subnet_vpc(subnet))

    # --- routes ----------------------------------------------------------------------------------------------
    def routes(self, table: Res) -> list[RouteEntry]:
        """Every route of a table: its inline routes (omitted -> none: a new table has only the local route,
        which AWS does not list) and the aws.ec2.Route resources that name it."""
        entries: list[RouteEntry] = []
        if not table.type.startswith("netkit:implicit"):
            inline = as_list(table.setting("routes", [], "its inline route list"), table, "its inline route list")
            for route in inline:
                if not isinstance(route, dict):
                    raise Undecidable(f"{table.name}: an inline route is not an object", table)
                entries.append(self._route_entry(table, "routes", route, None))
        for route in self.of_type(ROUTE):
            if table in self.route_tables_in(route, "routeTableId", route.get("routeTableId")):
                entries.append(self._route_entry(route, None, route.props, route))
        return entries

    def routes_to(self, table: Res, destination: Network) -> list[Target]:
        """Targets of the routes whose destination is exactly `destination` (deduplicated: an update's state
        of a route table lists the aws.ec2.Route resources too)."""
        found = {}
        for entry in self.routes(table):
            if entry.destination == destination:
                found[(entry.target.kind, entry.target.res.urn if entry.target.res else entry.target.label)] = (
                    entry.target
                )
        return list(found.values())

    def _route_entry(self, owner: Res, prop: str | None, route: Mapping[str, Any], res: Res | None) -> RouteEntry:
        def state(key: str) -> tuple[str, Any]:
            """("set"|"absent"|"unknown", value) of one field of the route."""
            given = route.get(key)
            if blank(given):
                return "absent", None
            if not is_unknown(given) or res is None:
                return "set", given  # an unknown inside an inline route came from another resource
            if res.property_dependencies.get(key):
                return "set", given
            if res.inputs is not None:
                return ("absent", None) if blank(res.inputs.get(key)) else ("set", given)
            return "unknown", given

        keys = ("destinationCidrBlock", "destinationIpv6CidrBlock") if res else ("cidrBlock", "ipv6CidrBlock")
        states = {key: state(key) for key in (*keys, "destinationPrefixListId")}
        destination: Network | None = None
        chosen = [k for k in keys if states[k][0] == "set"]
        if chosen:
            destination = parse_network(states[chosen[0]][1], owner, "a route's destination")
        elif any(s == "unknown" for s, _ in states.values()) or states["destinationPrefixListId"][0] != "set":
            raise Undecidable(f"{owner.name}: a route's destination is unknown", owner)
        return RouteEntry(owner, destination, self._target(owner, prop, {k: state(k) for k, _, _ in _TARGET_KEYS}))

    def _target(self, owner: Res, prop: str | None, states: Mapping[str, tuple[str, Any]]) -> Target:
        """The route's target: the first field the program set (AWS takes exactly one)."""
        chosen = [(key, kind, types) for key, kind, types in _TARGET_KEYS if states[key][0] == "set"]
        chosen = [(key, kind, types) for key, kind, types in chosen if not _is_local(states[key][1])]
        if not chosen:
            if any(s == "unknown" for s, _ in states.values()):
                raise Undecidable(f"{owner.name}: a route's target is unknown (its Analyze inputs were not seen)")
            return Target("other", None, "no target")
        key, kind, types = chosen[0]
        given = states[key][1]
        if not types:
            return Target("other", None, key if is_unknown(given) else f"{key} {id_label(given)}")
        found = self.refs(owner, prop or key, given, *types)
        if key == "gatewayId" and not found:
            # AWS accepts a NAT gateway id in GatewayId (and pulumi-aws passes gateway_id through), so
            # `aws.ec2.Route(gateway_id=nat.id)` routes to the NAT: linked by the property dependency while the
            # id is unknown, by id once known.
            found = self.refs(owner, prop or key, given, NAT)
            kind = "nat" if found else kind
        if len(found) > 1:
            raise Undecidable(f"{owner.name}: a route's target could be any of {', '.join(r.name for r in found)}")
        if found:
            target = found[0]
            if kind == "hop" and target.type == ENDPOINT:
                endpoint_type = target.setting("vpcEndpointType", "Gateway", "vpc_endpoint_type")
                if endpoint_type != "GatewayLoadBalancer":
                    return Target("other", target, f"VPC endpoint {target.name}")
            return Target(kind, target, target.name)
        if isinstance(given, str) and not is_unknown(given):
            for prefix, prefix_kind in _ID_PREFIX_KINDS.items():
                if given.startswith(prefix) and (prefix_kind == kind or (key == "gatewayId" and prefix_kind == "nat")):
                    return Target(prefix_kind, None, id_label(given))
            return Target("other", None, id_label(given))
        raise Undecidable(f"{owner.name}: a route's {key} is unknown and not linked to a resource", owner)

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

    def vpcs_hosting_lambdas(self) -> tuple[dict[str, tuple[Res, list[Res], list[Res]]], list[Undecidable]]:
        """VPC urn -> (vpc, its Lambda subnets, the functions in them), and why some functions could not be
        placed (each function on its own: one unknown never hides the others)."""
        result: dict[str, tuple[Res, list[Res], list[Res]]] = {}
        problems: list[Undecidable] = []
        for fn in self.vpc_functions():
            try:
                placed = [(subnet, self.subnet_vpc(subnet)) for subnet in self.function_subnets(fn)]
            except Undecidable as exc:
                problems.append(Undecidable(str(exc), exc.res or fn))
                continue
            for subnet, vpc in placed:
                entry = result.setdefault(vpc.urn, (vpc, [], []))
                if subnet not in entry[1]:
                    entry[1].append(subnet)
                if fn not in entry[2]:
                    entry[2].append(fn)
        return result, problems

    def in_vpc(self, res: Res, vpc: Res, prop: str = "vpcId") -> bool:
        return vpc in self.refs(res, prop, res.get(prop), VPC)

    def internet_gateways(self, vpc: Res) -> list[Res]:
        """Internet gateways attached to the VPC (vpc_id on the gateway, or an InternetGatewayAttachment)."""
        found = [g for g in self.of_type(IGW) if self.in_vpc(g, vpc)]
        for attachment in self.of_type(IGW_ATTACHMENT):
            if self.in_vpc(attachment, vpc):
                found.extend(self.refs(attachment, "internetGatewayId", attachment.get("internetGatewayId"), IGW))
        return list({g.urn: g for g in found}.values())


def _is_component_type(token: str) -> bool:
    """Component types are `pkg:module:Name` with no `/` in the module (custom resources have `mod/file`)."""
    parts = token.split(":")
    return len(parts) == 3 and "/" not in parts[1] and parts[0] not in ("pulumi", "aws")
