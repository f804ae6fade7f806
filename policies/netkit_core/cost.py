"""Monthly fixed-cost model of the networking patterns (DESIGN.md section 5; us-east-1 list prices).

Pure functions, no Pulumi import. Only fixed (hourly) costs are modelled: per-GB charges depend on traffic the
program cannot know, so reports name them without pricing them. Two entry points:

- `estimate_monthly_cost(...)`: from counts (what a component or a person knows);
- `estimate_for_resources(resources, ...)`: from the resources a program registered, as `(type, props)` pairs
  where props are the resource's inputs merged with whatever outputs are known (camelCase keys, as the engine
  sends them). `footprint(resources)` is the counting half of it, exposed for tests and reports.

Public IPv4: since 2024-02-01 AWS charges $0.005/hour for every Amazon-provided public IPv4 address, in use or
idle, Elastic IPs and service-managed addresses alike (a NAT gateway's, one per AZ of an internet-facing load
balancer, the two static IPs of a Global Accelerator); only BYOIP is exempt.

What an estimate claims is true for the stack at hand (issue 17): it says which region's list prices it uses
(only us-east-1's ship, from the seeds; another region's stack is told so, never priced as if they were its own),
suggests netkit's options only to a stack built with netkit's components (others get the AWS resources to use),
ties per-GB savings to a NAT gateway only when the stack has one, and says what it could not count (components
whose children a provider plugin creates; values not known yet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netkit_core.graph import is_unknown

HOURS_PER_MONTH = 730
GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")

EIP = "aws:ec2/eip:Eip"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
ACCELERATOR = "aws:globalaccelerator/accelerator:Accelerator"
EGRESS_ONLY_IGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"
SUBNET = "aws:ec2/subnet:Subnet"
NETKIT_PREFIX = "netkit:"
UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel, when props arrive raw
ALB_MIN_AZS = 2  # an ALB needs subnets in at least two AZs


@dataclass(frozen=True)
class Prices:
    """Hourly list prices in USD of one region (`region`); the model ships us-east-1's (`PRICE_LISTS`)."""

    region: str = "us-east-1"
    nat_gateway_hour: float = 0.045  # ~$33/month "even if you don't use it" (seed 001)
    nat_gateway_gb: float = 0.045
    regional_nat_az_hour: float = 0.045  # a regional NAT gateway is billed per AZ it is active in
    public_ipv4_hour: float = 0.005  # charged since 2024-02-01, ~$3.6/month (seed 001)
    interface_endpoint_az_hour: float = 0.01  # ~$7/month per endpoint per AZ (seed 003)
    global_accelerator_hour: float = 0.025  # plus a data-transfer premium (seed 001)
    alb_hour: float = 0.0225
    alb_lcu_hour: float = 0.008
    alb_baseline_lcus: float = 1.0  # LCUs an idle-ish webhook ALB is assumed to use; raise it for real traffic
    managed_proxy_month: float = 259.0  # QuotaGuard enterprise plan (seed 001)


# The regions whose list prices the model ships: the seeds give us-east-1's only.
PRICE_LISTS: Mapping[str, Prices] = {"us-east-1": Prices()}
DEFAULT_PRICES_REGION = "us-east-1"


@dataclass(frozen=True)
class CostLine:
    item: str
    count: int | float
    monthly_each: float

    @property
    def monthly(self) -> float:
        return round(self.count * self.monthly_each, 2)


@dataclass(frozen=True)
class CostEstimate:
    """`region`: the stack's region; `prices_region`: whose list prices the figures are (they differ when no
    prices ship for the stack's region, and `notes` says so)."""

    lines: list[CostLine] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    region: str = ""
    notes: list[str] = field(default_factory=list)
    prices_region: str = DEFAULT_PRICES_REGION
    uncounted: list[str] = field(default_factory=list)  # components whose resources could not be counted

    @property
    def monthly_total(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)


@dataclass(frozen=True)
class Footprint:
    """What a stack pays for by the hour, counted from its resources."""

    nat_gateways: int = 0  # zonal NAT gateways (public or private)
    regional_nat_azs: int = 0  # sum over regional NAT gateways of the AZs each is active in
    public_ipv4: int = 0
    interface_endpoint_azs: int = 0
    accelerators: int = 0
    load_balancers: int = 0
    gateway_endpoints: tuple[str, ...] = ()
    egress_only_gateways: int = 0
    lambda_functions: int = 0
    uncertain: int = 0  # resources counted at their minimum because a billable setting is not known yet
    netkit: bool = False  # built with netkit's components (type tokens netkit:<module>:<Name>)


def _whole(count: float) -> int | float:
    return int(count) if float(count).is_integer() else count


def monthly(hourly: float) -> float:
    return round(hourly * HOURS_PER_MONTH, 2)


def _list(value: Any) -> list[Any] | None:
    """A list property, or None when it is absent or unknown (the preview sentinel is a string)."""
    return value if isinstance(value, list) else None


def _text(props: Mapping[str, Any], key: str, default: str) -> str | None:
    """A string setting; `default` when omitted; None when it is not known yet (an unknown, or not a string)."""
    value = props.get(key)
    if value is None:
        return default
    if is_unknown(value) or not isinstance(value, str) or value == UNKNOWN_WIRE:
        return None
    return value


def _subnet_azs(resources: Sequence[tuple[str, Mapping[str, Any]]]) -> int:
    zones = {_text(p, "availabilityZone", "") for t, p in resources if t == SUBNET}
    return len({z for z in zones if z}) or 1


def footprint(resources: Iterable[tuple[str, Mapping[str, Any]]]) -> Footprint:
    """Count what costs money by the hour. Unknown lists count at their minimum (an ALB spans 2 AZs, an
    interface endpoint 1), so a preview never overstates.

    Public IPv4: every Elastic IP of the stack, plus NAT addresses whose allocation id is a literal the stack
    does not allocate itself (bring-your-own allocations are billed too), plus one per AZ of each
    internet-facing load balancer and two per IPv4 accelerator.
    """
    items = list(resources)
    own_allocations: set[str] = set()
    eips = 0
    for typ, props in items:
        if typ == EIP:
            eips += 1
            own_allocations.update(str(props[k]) for k in ("allocationId", "id") if isinstance(props.get(k), str))
    nat = regional_azs = byo = endpoints_azs = accelerators = balancers = eigw = functions = uncertain = 0
    alb_ips = accelerator_ips = 0
    gateway: set[str] = set()
    for typ, props in items:
        if typ == NAT_GATEWAY:
            allocations: list[Any] = []
            mode = _text(props, "availabilityMode", "zonal")
            if mode is None:
                uncertain += 1
            if mode == "regional":
                addresses = _list(props.get("availabilityZoneAddresses"))
                if addresses is None:  # automatic mode: active wherever there are workloads
                    regional_azs += _subnet_azs(items)
                else:
                    regional_azs += len(addresses)
                    for address in addresses:
                        allocations.extend(
                            _list(address.get("allocationIds")) or [] if isinstance(address, dict) else []
                        )
            else:
                nat += 1
                if _text(props, "connectivityType", "public") != "private":
                    allocations.append(props.get("allocationId"))
                    allocations.extend(_list(props.get("secondaryAllocationIds")) or [])
            byo += sum(
                1 for a in allocations if isinstance(a, str) and a.startswith("eipalloc-") and a not in own_allocations
            )
        elif typ == VPC_ENDPOINT:
            kind = _text(props, "vpcEndpointType", "Gateway")
            service = (_text(props, "serviceName", "") or "").rsplit(".", 1)[-1]
            if kind is None:
                uncertain += 1
            elif kind == "Interface":
                endpoints_azs += max(1, len(_list(props.get("subnetIds")) or []))
            elif kind == "Gateway" and service in GATEWAY_ENDPOINT_SERVICES:
                gateway.add(service)
        elif typ in LOAD_BALANCERS and _text(props, "loadBalancerType", "application") == "application":
            balancers += 1
            if props.get("internal") is not True:
                subnets = _list(props.get("subnets")) or _list(props.get("subnetMappings")) or []
                alb_ips += max(ALB_MIN_AZS, len(subnets))
        elif typ == ACCELERATOR:
            accelerators += 1
            accelerator_ips += 2 if _text(props, "ipAddressType", "IPV4") in ("IPV4", "DUAL_STACK", None) else 0
        elif typ == EGRESS_ONLY_IGW:
            eigw += 1
        elif typ == "aws:lambda/function:Function":
            functions += 1
    return Footprint(
        nat_gateways=nat,
        regional_nat_azs=regional_azs,
        public_ipv4=eips + byo + alb_ips + accelerator_ips,
        interface_endpoint_azs=endpoints_azs,
        accelerators=accelerators,
        load_balancers=balancers,
        gateway_endpoints=tuple(sorted(gateway)),
        egress_only_gateways=eigw,
        lambda_functions=functions,
        uncertain=uncertain,
        netkit=any(typ.startswith(NETKIT_PREFIX) for typ, _ in items),
    )


def prices_for(region: str, prices: Prices | None = None) -> Prices:
    """The given prices, else the shipped list prices of `region`, else us-east-1's (the estimate says so)."""
    if prices is not None:
        return prices
    return PRICE_LISTS.get(region) or PRICE_LISTS[DEFAULT_PRICES_REGION]


def estimate_monthly_cost(
    nat_gateways: int = 0,
    public_ipv4: int = 0,
    interface_endpoint_azs: int = 0,
    accelerators: int = 0,
    environment: str = "",
    prices: Prices | None = None,
    *,
    regional_nat_azs: int = 0,
    load_balancers: int = 0,
    gateway_endpoints: Sequence[str] | None = None,
    ipv6_egress: bool | None = None,
    region: str = "",
    netkit: bool = True,
) -> CostEstimate:
    """Fixed monthly cost of a stack's networking, with the cheaper pattern named where one fits.

    `public_ipv4` counts every public IPv4 address (EIPs, NAT and load-balancer addresses, accelerator IPs);
    `interface_endpoint_azs` is the sum over interface endpoints of the AZs each spans; `regional_nat_azs` the
    sum over regional NAT gateways of the AZs each is active in. `gateway_endpoints` / `ipv6_egress`: what the
    stack already has (None = not known, so no tip depends on it). `region` is the stack's region; the prices
    are the given ones, else that region's shipped list, else us-east-1's, and the notes say which. `netkit`:
    the stack uses netkit's components, so tips may name netkit's options; otherwise they name AWS resources.
    """
    region = region or (prices.region if prices is not None else DEFAULT_PRICES_REGION)
    p = prices_for(region, prices)
    lcus = load_balancers * p.alb_baseline_lcus
    lines = [
        CostLine("NAT gateway", nat_gateways, monthly(p.nat_gateway_hour)),
        CostLine("regional NAT gateway x AZ", regional_nat_azs, monthly(p.regional_nat_az_hour)),
        CostLine("public IPv4 address", public_ipv4, monthly(p.public_ipv4_hour)),
        CostLine("interface endpoint x AZ", interface_endpoint_azs, monthly(p.interface_endpoint_az_hour)),
        CostLine("Global Accelerator", accelerators, monthly(p.global_accelerator_hour)),
        CostLine("Application Load Balancer", load_balancers, monthly(p.alb_hour)),
        CostLine(f"ALB LCU (baseline {p.alb_baseline_lcus:g} per ALB)", _whole(lcus), monthly(p.alb_lcu_hour)),
    ]
    lines = [line for line in lines if line.count]
    notes = [
        f"prices: {p.region} list prices; per-GB charges (NAT processing ${p.nat_gateway_gb}/GB, "
        "data transfer, accelerator premium, LCUs above the baseline) come on top"
    ]
    if region != p.region:
        notes.append(
            f"the stack is in {region}, for which no list prices ship with this check: the figures are "
            f"{p.region}'s and {region}'s differ"
        )
    suggestions = _suggestions(
        p, environment, nat_gateways + regional_nat_azs, interface_endpoint_azs, gateway_endpoints, ipv6_egress, netkit
    )
    return CostEstimate(lines, suggestions, region, notes, p.region)


def _suggestions(
    p: Prices,
    environment: str,
    egress_units: int,
    interface_endpoint_azs: int,
    gateway_endpoints: Sequence[str] | None,
    ipv6_egress: bool | None,
    netkit: bool,
) -> list[str]:
    """Tips that apply to the stack: netkit's options for a netkit stack, the AWS resources otherwise; a saving
    on NAT processing only when a NAT gateway carries traffic (`egress_units`)."""
    nat_month, ip_month = monthly(p.nat_gateway_hour), monthly(p.public_ipv4_hour)
    suggestions: list[str] = []
    if egress_units > 1 and environment not in ("prod", "production"):
        how = (
            "egress strategy nat-single"
            if netkit
            else "one aws.ec2.NatGateway (and its Eip) shared by every Lambda route table's 0.0.0.0/0 route"
        )
        suggestions.append(
            f"NAT gateways billed in {egress_units} AZs outside prod: {how} keeps one static IP for "
            f"${nat_month + ip_month:.2f}/month instead of ${egress_units * (nat_month + ip_month):.2f} (one AZ's "
            "outage then cuts egress, and other AZs pay cross-AZ transfer)"
        )
    if egress_units and environment == "dev" and netkit:
        suggestions.append(
            "dev: the hyperplane-eip strategy (an EIP on each Lambda Hyperplane ENI) avoids the "
            f"${nat_month:.2f}/month NAT fee; it relies on a Lambda implementation detail, so keep it out of production"
        )
    if egress_units and gateway_endpoints is not None:
        missing = [s for s in GATEWAY_ENDPOINT_SERVICES if s not in gateway_endpoints]
        if missing:
            suggestions.append(
                f"add gateway endpoints for {' and '.join(missing)} (aws.ec2.VpcEndpoint, vpc_endpoint_type "
                "Gateway, on the route tables that send traffic to a NAT gateway): they are free and keep that "
                f"traffic off the NAT's ${p.nat_gateway_gb}/GB processing fee"
            )
    if egress_units and ipv6_egress is False:
        how = (
            "IPv6 egress (netkit:ipv6Egress)"
            if netkit
            else "IPv6 egress (dual-stack Lambda subnets, vpc_config ipv6_allowed_for_dual_stack, and a ::/0 route "
            "to an aws.ec2.EgressOnlyInternetGateway)"
        )
        suggestions.append(
            f"{how} sends traffic to IPv6-capable destinations through a free egress-only internet gateway instead "
            f"of the NAT's ${p.nat_gateway_gb}/GB; IPv4-only vendors keep the static IPs"
        )
    if interface_endpoint_azs and egress_units:
        suggestions.append(
            "an interface endpoint pays off when its service's traffic would otherwise cost more than "
            f"${monthly(p.interface_endpoint_az_hour):.2f}/month per AZ in NAT processing"
        )
    return suggestions


def estimate_for_resources(
    resources: Iterable[tuple[str, Mapping[str, Any]]],
    environment: str = "",
    region: str = "",
    prices: Prices | None = None,
    hidden_components: Sequence[str] = (),
) -> CostEstimate:
    """`estimate_monthly_cost` with every count taken from the registered resources (see `footprint`).

    `hidden_components` names components whose children a provider plugin creates (`name (type)`): the offline
    check cannot see them, so what they cost is not counted, and the estimate says so."""
    items = list(resources)
    fp = footprint(items)
    estimate = estimate_monthly_cost(
        nat_gateways=fp.nat_gateways,
        public_ipv4=fp.public_ipv4,
        interface_endpoint_azs=fp.interface_endpoint_azs,
        accelerators=fp.accelerators,
        environment=environment,
        prices=prices,
        regional_nat_azs=fp.regional_nat_azs,
        load_balancers=fp.load_balancers,
        gateway_endpoints=fp.gateway_endpoints,
        ipv6_egress=fp.egress_only_gateways > 0 if fp.lambda_functions else None,
        region=region,
        netkit=fp.netkit,
    )
    if hidden_components:
        estimate.uncounted.extend(sorted(hidden_components))
        estimate.notes.append(
            f"not counted: the resources of component {', '.join(sorted(hidden_components))}, which a provider "
            "plugin creates and the offline check cannot see (NAT gateways, addresses or endpoints in it cost "
            "on top)"
        )
    if fp.uncertain:
        estimate.notes.append(
            f"{fp.uncertain} resource(s) whose billable settings are not known yet are counted at their minimum"
        )
    return estimate
